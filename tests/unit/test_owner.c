/* owner.c: cgroup paths, pod directories, Docker names, sanitizing, the address index. */
#include "testutil.h"

#include <sys/stat.h>

#include "lsct.h"
#include "owner.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID_DASH "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809"
#define UID_UNDER "1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809"

static struct owner_cgroup cg_of(const char *text)
{
	struct owner_cgroup cg;

	owner_parse_cgroup(text, strlen(text), &cg);
	return cg;
}

static void test_cgroup_runtimes(void **state)
{
	struct owner_cgroup cg;

	cg = cg_of("0::/system.slice/docker-" HEX64 ".scope\n");
	assert_int_equal(cg.kind, OWNER_CONTAINER);
	assert_string_equal(cg.container, HEX64);
	assert_string_equal(cg.runtime, "docker");
	assert_string_equal(cg.pod_uid, "");

	/* cgroup v1, cgroupfs driver: /docker/ID on every controller's line. */
	cg = cg_of("12:pids:/docker/" HEX64 "\n11:memory:/docker/" HEX64 "\n1:name=systemd:/docker/" HEX64 "\n");
	assert_int_equal(cg.kind, OWNER_CONTAINER);
	assert_string_equal(cg.container, HEX64);
	assert_string_equal(cg.runtime, "docker");

	cg = cg_of("0::/system.slice/containerd.service/cri-containerd-" HEX64 ".scope\n");
	assert_int_equal(cg.kind, OWNER_CONTAINER);
	assert_string_equal(cg.runtime, "containerd");
	cg = cg_of("0::/machine.slice/crio-" HEX64 ".scope\n");
	assert_int_equal(cg.kind, OWNER_CONTAINER);
	assert_string_equal(cg.runtime, "cri-o");
	cg = cg_of("0::/machine.slice/libpod-" HEX64 ".scope/container\n");
	assert_int_equal(cg.kind, OWNER_CONTAINER);
	assert_string_equal(cg.container, HEX64);
	assert_string_equal(cg.runtime, "podman");
	/* No trailing newline, no other line. */
	cg = cg_of("0::/docker-" HEX64B ".scope");
	assert_string_equal(cg.container, HEX64B);
}

static void test_cgroup_pods(void **state)
{
	struct owner_cgroup cg;

	/* systemd driver: underscores in the slice name, dashes in the UID we give. */
	cg = cg_of("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
		   UID_UNDER ".slice/cri-containerd-" HEX64 ".scope\n");
	assert_int_equal(cg.kind, OWNER_POD);
	assert_string_equal(cg.pod_uid, UID_DASH);
	assert_string_equal(cg.container, HEX64);
	assert_string_equal(cg.runtime, "containerd");

	cg = cg_of("0::/kubepods.slice/kubepods-pod" UID_UNDER ".slice/crio-" HEX64 ".scope\n");
	assert_int_equal(cg.kind, OWNER_POD);
	assert_string_equal(cg.pod_uid, UID_DASH);
	assert_string_equal(cg.runtime, "cri-o");
	/* The pod's own slice (the pause process may sit there). */
	cg = cg_of("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_UNDER
		   ".slice\n");
	assert_int_equal(cg.kind, OWNER_POD);
	assert_string_equal(cg.container, "");

	/* cgroupfs driver: /kubepods/[class/]pod<uid>/<id>, dashes already. */
	cg = cg_of("12:pids:/kubepods/besteffort/pod" UID_DASH "/" HEX64 "\n");
	assert_int_equal(cg.kind, OWNER_POD);
	assert_string_equal(cg.pod_uid, UID_DASH);
	assert_string_equal(cg.container, HEX64);
	assert_string_equal(cg.runtime, "");
	cg = cg_of("4:cpu:/kubepods/pod" UID_DASH "/" HEX64 "\n");
	assert_int_equal(cg.kind, OWNER_POD);
	cg = cg_of("4:cpu:/kubepods/burstable/pod" UID_DASH "\n");
	assert_int_equal(cg.kind, OWNER_POD);
}

static void test_cgroup_no_match(void **state)
{
	static const char *const none[] = {
		"",
		"\n\n\n",
		"0::/\n",
		"0::/user.slice/user-1000.slice/session-2.scope\n",
		"0::/system.slice/docker.service\n",
		/* Upper-case hex, one digit short, one too many. */
		"0::/docker-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope\n",
		"0::/docker-123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n",
		"0::/docker-" HEX64 "0.scope\n",
		/* conmon, the monitor next to a container, is not the container. */
		"0::/machine.slice/libpod-conmon-" HEX64 ".scope\n",
		"0::/crio-conmon-" HEX64 ".scope\n",
		/* A pod UID of the wrong shape, and "pod" outside kubepods. */
		"0::/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7081_92a3.slice\n",
		"0::/kubepods.slice/kubepods-podZZ2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice\n",
		"0::/system.slice/pod" UID_DASH "\n",
		/* Lines without their two colons. */
		"no colons here " HEX64 "\n",
		"0:" HEX64 "\n",
	};
	struct owner_cgroup cg;

	for (size_t i = 0; i < ARRAY_LEN(none); i++) {
		cg = cg_of(none[i]);
		if (cg.kind != OWNER_HOST)
			fail_msg("matched: %s", none[i]);
	}
	/* NULs and bytes past them: the length rules, not the string. */
	{
		static const char nul[] = "0::/sys\0tem/docker-" HEX64 ".scope\n";

		owner_parse_cgroup(nul, sizeof nul - 1, &cg);
		assert_int_equal(cg.kind, OWNER_CONTAINER);
	}
}

static void test_cgroup_unified_first(void **state)
{
	struct owner_cgroup cg;

	cg = cg_of("12:pids:/docker/" HEX64B "\n0::/system.slice/docker-" HEX64 ".scope\n");
	assert_string_equal(cg.container, HEX64);
	/* ... but any 64-hex component counts: the cgroupfs kubelet layout. */
	cg = cg_of("3:cpu:/something/" HEX64 "\n");
	assert_int_equal(cg.kind, OWNER_CONTAINER);
	assert_string_equal(cg.runtime, "");
}

static void test_pod_dir(void **state)
{
	char name[OWNER_NAME_MAX];

	assert_int_equal(owner_parse_pod_dir("default_web-0_" UID_DASH, UID_DASH, name,
					     sizeof name), 0);
	assert_string_equal(name, "default/web-0");
	assert_int_equal(owner_parse_pod_dir("kube-system_coredns-5d78c9869d-abcde_" UID_DASH,
					     UID_DASH, name, sizeof name), 0);
	assert_string_equal(name, "kube-system/coredns-5d78c9869d-abcde");
	/* Another pod's UID, no name, no namespace, one part only. */
	assert_int_equal(owner_parse_pod_dir("default_web-0_" UID_DASH, "x", name, sizeof name), -1);
	assert_int_equal(owner_parse_pod_dir("default__" UID_DASH, UID_DASH, name, sizeof name), -1);
	assert_int_equal(owner_parse_pod_dir("_web_" UID_DASH, UID_DASH, name, sizeof name), -1);
	assert_int_equal(owner_parse_pod_dir(UID_DASH, UID_DASH, name, sizeof name), -1);
	assert_int_equal(owner_parse_pod_dir("web_" UID_DASH, UID_DASH, name, sizeof name), -1);
	/* A hostile directory name is shown sanitized and bounded. */
	{
		char dir[600];

		snprintf(dir, sizeof dir, "ns_evil\033]0;x\a%0400d_" UID_DASH, 7);
		assert_int_equal(owner_parse_pod_dir(dir, UID_DASH, name, sizeof name), 0);
		assert_true(strncmp(name, "ns/evil?]0;x?000", 16) == 0);
		assert_int_equal(strlen(name), OWNER_NAME_MAX - 1);
	}
	/* A namespace longer than a label: not a pod directory (fuzz_owner found it). */
	{
		char dir[600];

		snprintf(dir, sizeof dir, "%0200d_web_" UID_DASH, 7);
		assert_int_equal(owner_parse_pod_dir(dir, UID_DASH, name, sizeof name), -1);
	}
	/* A small buffer. */
	assert_int_equal(owner_parse_pod_dir("default_web-0_" UID_DASH, UID_DASH, name, 6), 0);
	assert_string_equal(name, "defau");
}

static int dname(const char *json, char *name)
{
	return owner_docker_name(json, strlen(json), name, OWNER_NAME_MAX);
}

static void test_docker_name(void **state)
{
	char name[OWNER_NAME_MAX], big[8192];

	assert_int_equal(dname("{\"ID\":\"" HEX64 "\",\"Name\":\"/web\",\"Driver\":\"overlay2\"}",
			       name), 0);
	assert_string_equal(name, "web");
	/* Nested "Name" keys come first and do not count. */
	assert_int_equal(dname("{\"MountPoints\":{\"/data\":{\"Name\":\"vol\"}},"
			       "\"Config\":{\"Name\":\"no\",\"Labels\":[{\"Name\":\"x\"}]},"
			       "  \"Name\" :  \"/app-1\"}", name), 0);
	assert_string_equal(name, "app-1");
	/* Braces and a "Name" key inside strings are text. */
	assert_int_equal(dname("{\"Path\":\"{\\\"Name\\\":\\\"/fake\\\"\",\"Args\":[\"}\"],"
			       "\"Name\":\"/real\"}", name), 0);
	assert_string_equal(name, "real");
	/* Escapes: control characters and \u become '?', never raw. */
	assert_int_equal(dname("{\"Name\":\"/a\\u001b[31mb\\nc\\td\\\"e\"}", name), 0);
	assert_string_equal(name, "a?[31mb?c?d\"e");
	assert_int_equal(dname("{\"Name\":\"/x\033y\"}", name), 0);
	assert_string_equal(name, "x?y");
	/* Not a name: missing, empty, only the slash, not a string, cut short. */
	assert_int_equal(dname("{\"ID\":\"x\"}", name), -1);
	assert_int_equal(dname("{\"Name\":\"\"}", name), -1);
	assert_int_equal(dname("{\"Name\":\"/\"}", name), -1);
	assert_int_equal(dname("{\"Name\":5}", name), -1);
	assert_int_equal(dname("{\"Name\":\"/cut", name), -1);
	assert_int_equal(dname("{\"Name\":\"/cut\\", name), -1);
	assert_int_equal(dname("{\"Name\":\"/x\\u00", name), -1);
	assert_int_equal(dname("{\"Name\"", name), -1);
	assert_int_equal(dname("", name), -1);
	/* Hostile: unbalanced closers, a top level that is an array, deep nesting. */
	assert_int_equal(dname("]]]]{\"Name\":\"/x\"}", name), -1);
	/* In an array: a "Name" that is no key, and one in an object one level down. */
	assert_int_equal(dname("[\"Name\",{\"Name\":\"/x\"}]", name), -1);
	memset(big, '{', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(dname(big, name), -1);
	/* A long name is bounded. */
	{
		size_t n;

		n = (size_t)snprintf(big, sizeof big, "{\"Name\":\"/");
		memset(big + n, 'a', 1000);
		strcpy(big + n + 1000, "\"}");
		assert_int_equal(dname(big, name), 0);
		assert_int_equal(strlen(name), OWNER_NAME_MAX - 1);
	}
	/* The bytes given, not the string: a NUL inside is a byte like another. */
	{
		static const char j[] = "{\"Name\":\"/a\0b\"}";

		assert_int_equal(owner_docker_name(j, sizeof j - 1, name, sizeof name), 0);
		assert_string_equal(name, "a?b");
	}
}

static void sanitized(const char *in, size_t len, size_t outlen, const char *want)
{
	char out[256];
	size_t n = owner_sanitize(in, len, out, outlen);

	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void test_sanitize(void **state)
{
	char out[4];

	sanitized("web", 3, 64, "web");
	sanitized("a\033[2Jb", 6, 64, "a?[2Jb");
	sanitized("\a\b\t\n\r\x7f", 6, 64, "??????");
	/* C1 controls as UTF-8 (U+0085, U+009B CSI) and as raw bytes. */
	sanitized("x\xc2\x85y\xc2\x9b", 6, 64, "x??y??");
	sanitized("\x9b" "31m", 4, 64, "?31m");
	/* Valid UTF-8 stays: é, 日本, an emoji. */
	sanitized("caf\xc3\xa9", 5, 64, "caf\xc3\xa9");
	sanitized("\xe6\x97\xa5\xe6\x9c\xac", 6, 64, "\xe6\x97\xa5\xe6\x9c\xac");
	sanitized("\xf0\x9f\x90\xb3", 4, 64, "\xf0\x9f\x90\xb3");
	/* Overlong '/', a surrogate, past U+10FFFF, 0xff, a cut sequence. */
	sanitized("\xc0\xaf", 2, 64, "??");
	sanitized("\xe0\x80\xaf", 3, 64, "???");
	sanitized("\xed\xa0\x80", 3, 64, "???");
	sanitized("\xf4\x90\x80\x80", 4, 64, "????");
	sanitized("a\xff", 2, 64, "a?");
	sanitized("ab\xe6\x97", 4, 64, "ab??");
	/* Never cut inside a character: the whole one fits, or none of it. */
	sanitized("ab\xc3\xa9", 4, 4, "ab");
	sanitized("a\xc3\xa9", 3, 4, "a\xc3\xa9");
	sanitized("abcdef", 6, 4, "abc");
	sanitized("", 0, 4, "");
	assert_int_equal(owner_sanitize("abc", 3, out, 0), 0);
	assert_int_equal(owner_sanitize("abc", 3, out, 1), 0);
	assert_string_equal(out, "");
	/* Every byte value alone: never a control byte out. */
	for (int c = 0; c < 256; c++) {
		char in = (char)c, o[8];

		owner_sanitize(&in, 1, o, sizeof o);
		assert_int_equal(strlen(o), 1);
		assert_true((unsigned char)o[0] >= 0x20 && (unsigned char)o[0] < 0x7f);
	}
}

/* A table without namespaces: roots that hold nothing, owners added by hand. */
static struct owner_table *empty_table(char *dir)
{
	struct owner_config c;
	struct owner_stats st;
	struct owner_table *t;

	strcpy(dir, "/tmp/lsct-owner.XXXXXX");
	assert_non_null(mkdtemp(dir));
	owner_config_default(&c);
	c.roots.run = c.roots.docker = c.roots.proc = dir;
	c.host_name = "myhost\033";
	t = owner_table_new(&c);
	assert_int_equal(owner_table_refresh(t, 0, &st), 0);
	assert_int_equal(st.namespaces, 0);
	assert_int_equal(owner_count(t), 0);
	return t;
}

static void test_lookup(void **state)
{
	char dir[64];
	struct owner_table *t = empty_table(dir);
	struct owner_stats st;
	struct owner *a, *b, *c;
	struct ct_addr x;
	const struct owner *o;

	assert_int_equal(owner_host(t)->kind, OWNER_HOST);
	assert_string_equal(owner_host(t)->name, "myhost?");
	assert_string_equal(owner_kind_name(OWNER_HOST), "host");
	assert_string_equal(owner_kind_name(OWNER_CONTAINER), "container");
	assert_string_equal(owner_kind_name(OWNER_POD), "pod");
	assert_string_equal(owner_kind_name(OWNER_NETNS), "netns");

	a = owner_table_add(t, OWNER_CONTAINER, "web", HEX64, 4026532001);
	b = owner_table_add(t, OWNER_POD, "default/db", UID_DASH, 4026532002);
	c = owner_table_add(t, OWNER_NETNS, "lab", "netns:[4026532003]", 4026532003);
	x = tu_addr("172.17.0.2");
	host_add_addr(&a->host, AF_INET, &x);
	x = tu_addr("fd00::2");
	host_add_addr(&a->host, AF_INET6, &x);
	x = tu_addr("10.244.1.5");
	host_add_addr(&b->host, AF_INET, &x);
	/* Everyone's loopback and link-local addresses. */
	for (int i = 0; i < 3; i++) {
		struct owner *w = i == 0 ? a : i == 1 ? b : c;

		x = tu_addr("127.0.0.1");
		host_add_addr(&w->host, AF_INET, &x);
		x = tu_addr("::1");
		host_add_addr(&w->host, AF_INET6, &x);
		x = tu_addr("fe80::1");
		host_add_addr(&w->host, AF_INET6, &x);
	}
	/* The same address in two isolated namespaces, and twice in one. */
	x = tu_addr("10.9.9.9");
	host_add_addr(&b->host, AF_INET, &x);
	host_add_addr(&c->host, AF_INET, &x);
	x = tu_addr("10.1.1.1");
	host_add_addr(&c->host, AF_INET, &x);
	host_add_addr(&c->host, AF_INET, &x);
	host_finish(&a->host);
	host_finish(&b->host);
	host_finish(&c->host);
	owner_table_index(t, &st);
	assert_int_equal(st.namespaces, 3);
	assert_int_equal(st.addrs, 5);
	assert_int_equal(st.ambiguous, 1);

	x = tu_addr("172.17.0.2");
	o = owner_lookup(t, AF_INET, &x);
	assert_ptr_equal(o, a);
	assert_string_equal(o->name, "web");
	assert_string_equal(o->id, HEX64);
	x = tu_addr("fd00::2");
	assert_ptr_equal(owner_lookup(t, AF_INET6, &x), a);
	/* The same bytes under the other family are another address. */
	x = tu_addr("172.17.0.2");
	assert_null(owner_lookup(t, AF_INET6, &x));
	x = tu_addr("10.244.1.5");
	assert_ptr_equal(owner_lookup(t, AF_INET, &x), b);
	x = tu_addr("10.1.1.1");
	assert_ptr_equal(owner_lookup(t, AF_INET, &x), c);
	assert_false(owner_ambiguous(t, AF_INET, &x));
	/* Never owned: loopback, link-local; not on this machine: NULL, not ambiguous. */
	x = tu_addr("127.0.0.1");
	assert_null(owner_lookup(t, AF_INET, &x));
	assert_false(owner_ambiguous(t, AF_INET, &x));
	x = tu_addr("::1");
	assert_null(owner_lookup(t, AF_INET6, &x));
	x = tu_addr("fe80::1");
	assert_null(owner_lookup(t, AF_INET6, &x));
	x = tu_addr("1.1.1.1");
	assert_null(owner_lookup(t, AF_INET, &x));
	assert_false(owner_ambiguous(t, AF_INET, &x));
	/* Held twice: not guessed, but known to be on this machine. */
	x = tu_addr("10.9.9.9");
	assert_null(owner_lookup(t, AF_INET, &x));
	assert_true(owner_ambiguous(t, AF_INET, &x));

	/* A refresh that finds no namespace drops the hand-made owners. */
	assert_int_equal(owner_table_refresh(t, 1, &st), 0);
	assert_int_equal(st.removed, 3);
	assert_int_equal(owner_count(t), 0);
	x = tu_addr("172.17.0.2");
	assert_null(owner_lookup(t, AF_INET, &x));
	owner_table_free(t);
	rmdir(dir);
}

static void test_listeners(void **state)
{
	char dir[64];
	struct owner_table *t = empty_table(dir);
	struct owner *a, *b;
	struct ct_addr x = tu_addr("172.17.0.2"), lo = tu_addr("127.0.0.1");

	a = owner_table_add(t, OWNER_CONTAINER, "web", HEX64, 1);
	b = owner_table_add(t, OWNER_CONTAINER, "dual", HEX64B, 2);
	host_add_listener(&a->host, IPPROTO_TCP, AF_INET, NULL, 80);
	host_add_listener(&a->host, IPPROTO_TCP, AF_INET, &x, 443);
	host_add_listener(&a->host, IPPROTO_UDP, AF_INET, NULL, 53);
	host_add_listener(&a->host, IPPROTO_TCP, AF_INET, &lo, 6379);
	host_add_listener(&b->host, IPPROTO_TCP, 0, NULL, 8080);
	host_finish(&a->host);
	host_finish(&b->host);
	owner_table_index(t, NULL);

	assert_true(owner_is_listener(t, a, IPPROTO_TCP, AF_INET, 80));
	assert_true(owner_is_listener(t, a, IPPROTO_TCP, AF_INET, 443));
	assert_true(owner_is_listener(t, a, IPPROTO_UDP, AF_INET, 53));
	assert_false(owner_is_listener(t, a, IPPROTO_UDP, AF_INET, 80));
	assert_false(owner_is_listener(t, a, IPPROTO_TCP, AF_INET6, 80));
	assert_false(owner_is_listener(t, a, IPPROTO_TCP, AF_INET, 81));
	/* On loopback only: no traffic from outside the namespace reaches it. */
	assert_false(owner_is_listener(t, a, IPPROTO_TCP, AF_INET, 6379));
	/* Dual-stack "::": both families. */
	assert_true(owner_is_listener(t, b, IPPROTO_TCP, AF_INET, 8080));
	assert_true(owner_is_listener(t, b, IPPROTO_TCP, AF_INET6, 8080));
	assert_false(owner_is_listener(t, b, IPPROTO_TCP, AF_INET, 80));
	assert_false(owner_is_listener(t, NULL, IPPROTO_TCP, AF_INET, 80));
	owner_table_free(t);
	rmdir(dir);
}

/* Thousands of addresses: every one found, the index grown. */
static void test_many(void **state)
{
	char dir[64];
	struct owner_table *t = empty_table(dir);
	struct owner_stats st;
	enum { N = 3000 };

	for (int i = 0; i < N; i++) {
		char id[32];
		struct owner *o;
		struct ct_addr x;

		snprintf(id, sizeof id, "netns:[%d]", i);
		o = owner_table_add(t, OWNER_NETNS, id, id, (uint64_t)i);
		memset(&x, 0, sizeof x);
		x.b[0] = 10;
		x.b[1] = (uint8_t)(i >> 16);
		x.b[2] = (uint8_t)(i >> 8);
		x.b[3] = (uint8_t)i;
		host_add_addr(&o->host, AF_INET, &x);
		host_finish(&o->host);
	}
	owner_table_index(t, &st);
	assert_int_equal(st.addrs, N);
	for (int i = 0; i < N; i++) {
		struct ct_addr x;
		const struct owner *o;

		memset(&x, 0, sizeof x);
		x.b[0] = 10;
		x.b[1] = (uint8_t)(i >> 16);
		x.b[2] = (uint8_t)(i >> 8);
		x.b[3] = (uint8_t)i;
		o = owner_lookup(t, AF_INET, &x);
		assert_non_null(o);
		assert_int_equal(o->ino, (uint64_t)i);
	}
	owner_table_free(t);
	rmdir(dir);
}

/* Owner numbers: stable across refreshes, never reused, labels kept. */
static void test_registry(void **state)
{
	char dir[64];
	struct owner_table *t = empty_table(dir);
	struct owner_reg *r = owner_reg_new();
	struct owner_label l;
	struct owner *a, *b, *c, *d;
	uint32_t ta, tb;

	(void)state;
	assert_int_equal(owner_reg_get(r, 0, &l), 0);
	assert_int_equal(l.kind, OWNER_HOST);
	assert_int_equal(owner_reg_get(r, 1, &l), -1);
	a = owner_table_add(t, OWNER_CONTAINER, "web", HEX64, 4026532001);
	b = owner_table_add(t, OWNER_NETNS, "lab\001", "netns:[4026532002]", 4026532002);
	assert_int_equal(owner_reg_sync(r, t), 2);
	ta = a->tag;
	tb = b->tag;
	assert_int_equal(ta, 1);
	assert_int_equal(tb, 2);
	/* The host's label is the table's (sanitized). */
	assert_int_equal(owner_reg_get(r, 0, &l), 0);
	assert_string_equal(l.name, "myhost?");
	/* Nothing new: nothing given, the same numbers. */
	assert_int_equal(owner_reg_sync(r, t), 0);
	assert_int_equal(a->tag, ta);
	assert_int_equal(b->tag, tb);
	assert_int_equal(owner_reg_get(r, tb, &l), 0);
	assert_int_equal(l.kind, OWNER_NETNS);
	assert_string_equal(l.name, "lab?");	/* sanitized when added */
	assert_string_equal(l.id, "netns:[4026532002]");
	/* A label that changed (a renamed container) gets a new number. */
	strcpy(a->name, "web2");
	assert_int_equal(owner_reg_sync(r, t), 1);
	assert_int_equal(a->tag, 3);
	assert_int_equal(owner_reg_get(r, ta, &l), 0);
	assert_string_equal(l.name, "web");
	assert_int_equal(owner_reg_get(r, 3, &l), 0);
	assert_string_equal(l.name, "web2");
	/* The namespaces go (a refresh finds none): their labels stay. */
	assert_int_equal(owner_table_refresh(t, 1, NULL), 0);
	assert_int_equal(owner_count(t), 0);
	assert_int_equal(owner_reg_sync(r, t), 0);
	assert_int_equal(owner_reg_get(r, tb, &l), 0);
	assert_string_equal(l.name, "lab?");
	/* A new one, even on the same inode, never gets an old number. */
	c = owner_table_add(t, OWNER_NETNS, "lab?", "netns:[4026532002]", 4026532002);
	d = owner_table_add(t, OWNER_POD, "default/db", UID_DASH, 4026532009);
	assert_int_equal(owner_reg_sync(r, t), 2);
	assert_int_equal(c->tag, 4);
	assert_int_equal(d->tag, 5);
	assert_int_equal(owner_reg_count(r), 5);
	assert_int_equal(owner_reg_get(r, 6, &l), -1);
	owner_reg_free(r);
	owner_table_free(t);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_runtimes),
		cmocka_unit_test(test_cgroup_pods),
		cmocka_unit_test(test_cgroup_no_match),
		cmocka_unit_test(test_cgroup_unified_first),
		cmocka_unit_test(test_pod_dir),
		cmocka_unit_test(test_docker_name),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("owner", tests, NULL, NULL);
}
