/* owner.c - owners of this machine's other namespaces: labels, cache, lookups. */
#include "owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <netinet/in.h>

#include "lsct.h"
#include "util.h"

/* The most of a file read for a label: /proc/PID/cgroup, config.v2.json. */
#define CGROUP_READ_MAX (16 * 1024)
#define CONFIG_READ_MAX (256 * 1024)

const char *owner_kind_name(enum owner_kind k)
{
	switch (k) {
	case OWNER_CONTAINER: return "container";
	case OWNER_POD: return "pod";
	case OWNER_NETNS: return "netns";
	case OWNER_HOST: break;
	}
	return "host";
}

/* ---- sanitizing ------------------------------------------------------------ */

/* Length of the valid UTF-8 character at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF, and the C1 controls. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

size_t owner_sanitize(const char *in, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (!outlen)
		return 0;
	while (i < len) {
		size_t n = utf8_len(s + i, len - i);

		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			n = 0;
		if (n == 0) {
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* ---- cgroup paths ------------------------------------------------------------ */

static int is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && memcmp(s, p, pl) == 0;
}

static int comp_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* "PREFIX<64 hex>SUFFIX" exactly: the ID's start, or NULL. */
static const char *id_between(const char *s, size_t n, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (n != pl + 64 + sl || memcmp(s, prefix, pl) != 0 || memcmp(s + pl + 64, suffix, sl))
		return NULL;
	return is_hex_lower(s + pl, 64) ? s + pl : NULL;
}

/*
 * A pod UID of 36 characters (8-4-4-4-12 hex, '_' for '-' as systemd
 * writes it) into uid with dashes; 0, or -1.
 */
static int pod_uid(const char *s, size_t n, char uid[37])
{
	if (n != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-' && c != '_')
				return -1;
			uid[i] = '-';
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			uid[i] = c;
		} else {
			return -1;
		}
	}
	uid[36] = '\0';
	return 0;
}

/* One path component; prev is the one before it ("" at the root). */
static void cgroup_component(const char *c, size_t n, const char *prev, size_t pn,
			     struct owner_cgroup *out)
{
	static const struct {
		const char *prefix, *suffix, *runtime;
	} forms[] = {
		{ "docker-", ".scope", "docker" },
		{ "cri-containerd-", ".scope", "containerd" },
		{ "crio-", ".scope", "cri-o" },
		{ "libpod-", ".scope", "podman" },
	};
	const char *id = NULL, *runtime = "";

	for (size_t i = 0; !id && i < ARRAY_LEN(forms); i++)
		if ((id = id_between(c, n, forms[i].prefix, forms[i].suffix)))
			runtime = forms[i].runtime;
	/* cgroupfs drivers: /docker/ID, /kubepods/.../podUID/ID. */
	if (!id && n == 64 && is_hex_lower(c, 64)) {
		id = c;
		runtime = comp_is(prev, pn, "docker") ? "docker" : "";
	}
	if (id && !out->container[0]) {
		memcpy(out->container, id, 64);
		out->container[64] = '\0';
		out->runtime = runtime;
	}
	if (!out->pod_uid[0]) {
		/*
		 * systemd: kubepods-besteffort-pod<uid>.slice, kubepods-pod<uid>.slice;
		 * cgroupfs: /kubepods/pod<uid>, /kubepods/{besteffort,burstable}/pod<uid>.
		 */
		const char *p = NULL;
		size_t len = 0;

		if (has_prefix(c, n, "kubepods") && n > 6 && memcmp(c + n - 6, ".slice", 6) == 0) {
			const char *q = memmem(c, n, "-pod", 4);

			if (q) {
				p = q + 4;
				len = (size_t)(c + n - 6 - p);
			}
		} else if (has_prefix(c, n, "pod") &&
			   (comp_is(prev, pn, "kubepods") || comp_is(prev, pn, "besteffort") ||
			    comp_is(prev, pn, "burstable"))) {
			p = c + 3;
			len = n - 3;
		}
		if (p && pod_uid(p, len, out->pod_uid) < 0)
			out->pod_uid[0] = '\0';
	}
}

static void cgroup_path(const char *p, size_t n, struct owner_cgroup *out)
{
	const char *prev = "";
	size_t pn = 0, i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j > i) {
			cgroup_component(p + i, j - i, prev, pn, out);
			prev = p + i;
			pn = j - i;
		}
		i = j + 1;
	}
}

void owner_parse_cgroup(const char *text, size_t len, struct owner_cgroup *out)
{
	memset(out, 0, sizeof *out);
	out->runtime = "";
	/* Two passes: the unified hierarchy's line (0::) first, then the others. */
	for (int pass = 0; pass < 2; pass++) {
		size_t i = 0;

		while (i < len) {
			const char *line = text + i, *nl = memchr(line, '\n', len - i);
			size_t ll = nl ? (size_t)(nl - line) : len - i;
			const char *c1 = memchr(line, ':', ll), *c2;
			int unified;

			i += ll + 1;
			if (!c1)
				continue;
			c2 = memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line));
			if (!c2)
				continue;
			unified = c1 == line + 1 && line[0] == '0' && c2 == c1 + 1;
			if (unified != (pass == 0))
				continue;
			cgroup_path(c2 + 1, ll - (size_t)(c2 + 1 - line), out);
		}
	}
	out->kind = out->pod_uid[0] ? OWNER_POD : out->container[0] ? OWNER_CONTAINER : OWNER_HOST;
}

int owner_parse_pod_dir(const char *dir, const char *uid, char *name, size_t namelen)
{
	const char *first = strchr(dir, '_'), *last = strrchr(dir, '_');
	char shown[OWNER_NAME_MAX];
	size_t n;

	if (!first || first == last || first == dir || last == first + 1 ||
	    strcmp(last + 1, uid) != 0)
		return -1;
	n = (size_t)(last - dir);
	if (n >= sizeof shown)
		n = sizeof shown - 1;
	memcpy(shown, dir, n);
	shown[first - dir] = '/';	/* first < last: inside the copy */
	owner_sanitize(shown, n, name, namelen);
	return 0;
}

/* ---- config.v2.json's "Name" -------------------------------------------------- */

/*
 * Past the JSON string starting at s[i] (the opening quote): the index
 * after its closing quote, or len when cut short.
 */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The string value at s[i] (its quote) decoded into out: simple escapes; \u as '?'. */
static int json_string(const char *s, size_t len, size_t i, char *out, size_t outlen)
{
	char raw[OWNER_NAME_MAX * 2];
	size_t n = 0;

	for (i++; i < len; i++) {
		char c = s[i];

		if (c == '"') {
			size_t skip = n > 0 && raw[0] == '/';

			if (n == skip)
				return -1;
			owner_sanitize(raw + skip, n - skip, out, outlen);
			return 0;
		}
		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (s[i]) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				/* Not decoded: a name with one is shown with '?'. */
				c = '?';
				i += 4;
				if (i >= len)
					return -1;
				break;
			default: c = s[i]; break;
			}
		}
		if (n < sizeof raw)
			raw[n++] = c;
	}
	return -1;
}

int owner_docker_name(const char *json, size_t len, char *name, size_t namelen)
{
	size_t i = 0;
	int depth = 0;

	while (i < len) {
		char c = json[i];

		if (c == '"') {
			size_t end = skip_string(json, len, i), v;

			if (depth == 1 && end - i == 6 && memcmp(json + i, "\"Name\"", 6) == 0) {
				v = skip_space(json, len, end);
				if (v < len && json[v] == ':') {
					v = skip_space(json, len, v + 1);
					if (v < len && json[v] == '"')
						return json_string(json, len, v, name, namelen);
				}
			}
			i = end;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		if (depth < 0)
			return -1;
		i++;
	}
	return -1;
}

/* ---- the table --------------------------------------------------------------- */

struct aslot {
	struct ct_addr a;
	uint8_t family;		/* 0: empty */
	uint8_t dup;		/* held by two namespaces or more */
	uint32_t owner;		/* index into t->v */
};

struct owner_table {
	struct owner_config c;
	struct owner host;
	struct owner **v;	/* pointers: an unchanged owner keeps its address */
	size_t n, cap;
	struct netns_list ns;
	unsigned char *seen;	/* per ns entry, during a refresh */
	size_t seen_cap;
	struct aslot *slots;
	size_t nslots, naddrs, nambig;
	char **pods;		/* /var/log/pods entries, read once per refresh on demand */
	size_t npods;
	int pods_read;
	uint64_t uts_dev, uts_ino;	/* our UTS namespace */
};

void owner_config_default(struct owner_config *c)
{
	memset(c, 0, sizeof *c);
	netns_roots_default(&c->roots);
	c->pods_dir = "/var/log/pods";
	c->docker_dir = "/var/lib/docker/containers";
	if (netns_self(&c->self_dev, &c->self_ino) < 0)
		c->self_dev = c->self_ino = 0;
	c->host_name = "localhost";
	c->ttl = 30;
	c->max_reload = 16;
	c->uts = 1;
}

struct owner_table *owner_table_new(const struct owner_config *c)
{
	struct owner_table *t = xcalloc(1, sizeof *t);
	struct stat st;

	t->c = *c;
	host_init(&t->host.host);
	t->host.kind = OWNER_HOST;
	owner_sanitize(c->host_name, strlen(c->host_name), t->host.name, sizeof t->host.name);
	snprintf(t->host.id, sizeof t->host.id, "netns:[%llu]", (unsigned long long)c->self_ino);
	netns_list_init(&t->ns);
	if (stat("/proc/thread-self/ns/uts", &st) == 0) {
		t->uts_dev = st.st_dev;
		t->uts_ino = st.st_ino;
	}
	return t;
}

static void owner_free(struct owner *o)
{
	host_fini(&o->host);
	free(o);
}

static void pods_forget(struct owner_table *t)
{
	for (size_t i = 0; i < t->npods; i++)
		free(t->pods[i]);
	free(t->pods);
	t->pods = NULL;
	t->npods = 0;
	t->pods_read = 0;
}

void owner_table_free(struct owner_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		owner_free(t->v[i]);
	free(t->v);
	free(t->seen);
	free(t->slots);
	pods_forget(t);
	netns_list_fini(&t->ns);
	host_fini(&t->host.host);
	free(t);
}

/* Up to max-1 bytes of a file into buf, NUL-ended; the length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n + 1 < max) {
		ssize_t r = read(fd, buf + n, max - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static void pod_name(struct owner_table *t, const char *uid, char *name, size_t len)
{
	if (!t->pods_read) {
		DIR *d = opendir(t->c.pods_dir);
		struct dirent *e;
		size_t cap = 0;

		t->pods_read = 1;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (t->npods == cap) {
				cap = cap ? cap * 2 : 32;
				t->pods = xrealloc(t->pods, cap * sizeof *t->pods);
			}
			t->pods[t->npods++] = xstrdup(e->d_name);
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < t->npods; i++)
		if (owner_parse_pod_dir(t->pods[i], uid, name, len) == 0)
			return;
	snprintf(name, len, "%s", uid);
}

static void docker_name(struct owner_table *t, const char *id, char *name, size_t len)
{
	char path[PATH_MAX], *buf = xmalloc(CONFIG_READ_MAX);
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s/config.v2.json", t->c.docker_dir, id);
	n = read_small(path, buf, CONFIG_READ_MAX);
	if (n < 0 || owner_docker_name(buf, (size_t)n, name, len) < 0)
		snprintf(name, len, "%.12s", id);
	free(buf);
}

/*
 * The member's hostname, when its UTS namespace is not ours: 0, or -1; -2
 * when the thread could not go back to its own UTS namespace.
 */
static int uts_name(struct owner_table *t, pid_t pid, char *name, size_t len)
{
	char path[64];
	struct utsname u;
	struct stat st;
	int fd, back, r;

	snprintf(path, sizeof path, "%s/%d/ns/uts", t->c.roots.proc, (int)pid);
	if (stat(path, &st) < 0 ||
	    ((uint64_t)st.st_dev == t->uts_dev && (uint64_t)st.st_ino == t->uts_ino))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	back = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (back < 0 || setns(fd, CLONE_NEWUTS) < 0) {
		close(fd);
		if (back >= 0)
			close(back);
		return -1;
	}
	close(fd);
	r = uname(&u);
	if (setns(back, CLONE_NEWUTS) < 0) {
		close(back);
		return -2;
	}
	close(back);
	if (r < 0 || !u.nodename[0])
		return -1;
	owner_sanitize(u.nodename, strnlen(u.nodename, sizeof u.nodename), name, len);
	return 0;
}

/* 0, or -1 when the thread is stuck in another UTS namespace. */
static int label(struct owner_table *t, struct owner *o, const struct netns_ref *r)
{
	struct owner_cgroup cg;
	char path[64], buf[CGROUP_READ_MAX];

	o->kind = OWNER_NETNS;
	o->pid = r->pid;
	memcpy(o->ns_name, r->name, sizeof o->ns_name);
	snprintf(o->id, sizeof o->id, "netns:[%llu]", (unsigned long long)r->ino);
	o->name[0] = '\0';
	if (r->name[0])
		owner_sanitize(r->name, strlen(r->name), o->name, sizeof o->name);
	if (r->pid > 0) {
		ssize_t n;

		snprintf(path, sizeof path, "%s/%d/cgroup", t->c.roots.proc, (int)r->pid);
		n = read_small(path, buf, sizeof buf);
		if (n > 0) {
			owner_parse_cgroup(buf, (size_t)n, &cg);
			if (cg.kind == OWNER_POD) {
				o->kind = OWNER_POD;
				snprintf(o->id, sizeof o->id, "%s", cg.pod_uid);
				pod_name(t, cg.pod_uid, o->name, sizeof o->name);
			} else if (cg.kind == OWNER_CONTAINER) {
				o->kind = OWNER_CONTAINER;
				snprintf(o->id, sizeof o->id, "%s", cg.container);
				if (strcmp(cg.runtime, "docker") == 0 || !cg.runtime[0])
					docker_name(t, cg.container, o->name, sizeof o->name);
				else
					snprintf(o->name, sizeof o->name, "%.12s", cg.container);
			}
		}
		if (!o->name[0] && t->c.uts && uts_name(t, r->pid, o->name, sizeof o->name) == -2)
			return -1;
	}
	if (!o->name[0])
		snprintf(o->name, sizeof o->name, "%s", o->id);
	return 0;
}

/*
 * Loads and labels o from r; -1 with EDEADLK only when the thread is stuck
 * in another namespace (owner_table_refresh() then fails with EDEADLK: the
 * caller must not go on in that thread).
 */
static int load(struct owner_table *t, struct owner *o, const struct netns_ref *r, double now)
{
	struct host_info h;

	o->dev = r->dev;
	o->ino = r->ino;
	host_init(&h);
	if (netns_load(r, &t->c.roots, &h) < 0) {
		int e = errno;

		host_fini(&h);
		if (e == EDEADLK) {
			errno = e;
			return -1;
		}
		o->load_failed = 1;
	} else {
		host_finish(&h);
		host_fini(&o->host);
		o->host = h;
		o->load_failed = 0;
	}
	o->loaded = now;
	if (label(t, o, r) < 0) {
		errno = EDEADLK;
		return -1;
	}
	return 0;
}

static void push(struct owner_table *t, struct owner *o)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n++] = o;
}

struct owner *owner_table_add(struct owner_table *t, enum owner_kind kind, const char *name,
			      const char *id, uint64_t ino)
{
	struct owner *o = xcalloc(1, sizeof *o);

	host_init(&o->host);
	o->kind = kind;
	o->ino = ino;
	owner_sanitize(name, strlen(name), o->name, sizeof o->name);
	owner_sanitize(id, strlen(id), o->id, sizeof o->id);
	push(t, o);
	return o;
}

static int never_owned(int family, const struct ct_addr *a)
{
	if (ct_addr_is_loopback(family, a))
		return 1;
	/* fe80::/10: one per link, the same on many. */
	return family == AF_INET6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

static size_t addr_home(const struct owner_table *t, int family, const struct ct_addr *a)
{
	uint64_t w[3];

	memcpy(&w[0], a->b, 8);
	memcpy(&w[1], a->b + 8, 8);
	w[2] = (uint64_t)family;
	return (size_t)hash_words(w, 3) & (t->nslots - 1);
}

static struct aslot *addr_slot(const struct owner_table *t, int family, const struct ct_addr *a)
{
	if (!t->nslots)
		return NULL;
	for (size_t s = addr_home(t, family, a);; s = (s + 1) & (t->nslots - 1)) {
		struct aslot *x = &t->slots[s];

		if (!x->family || (x->family == family && ct_addr_equal(&x->a, a)))
			return x;
	}
}

void owner_table_index(struct owner_table *t, struct owner_stats *st)
{
	size_t total = 0, want = 16;

	for (size_t i = 0; i < t->n; i++)
		total += t->v[i]->host.naddrs;
	while (want < total * 2)
		want *= 2;
	if (want != t->nslots) {
		free(t->slots);
		t->slots = xcalloc(want, sizeof *t->slots);
		t->nslots = want;
	} else {
		memset(t->slots, 0, t->nslots * sizeof *t->slots);
	}
	t->naddrs = t->nambig = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct host_info *h = &t->v[i]->host;

		for (size_t j = 0; j < h->naddrs; j++) {
			const struct host_addr *ha = &h->addrs[j];
			struct aslot *x;

			if (never_owned(ha->family, &ha->a))
				continue;
			x = addr_slot(t, ha->family, &ha->a);
			if (x->family) {
				/* host_finish() removed repeats within one owner. */
				if (!x->dup && x->owner != i) {
					x->dup = 1;
					t->nambig++;
				}
				continue;
			}
			x->family = ha->family;
			x->a = ha->a;
			x->owner = (uint32_t)i;
			t->naddrs++;
		}
	}
	if (st) {
		st->namespaces = t->n;
		st->addrs = t->naddrs;
		st->ambiguous = t->nambig;
	}
}

static int cmp_loaded(const void *x, const void *y)
{
	const struct owner *a = *(struct owner *const *)x, *b = *(struct owner *const *)y;

	return a->loaded < b->loaded ? -1 : a->loaded > b->loaded;
}

int owner_table_refresh(struct owner_table *t, double now, struct owner_stats *st)
{
	struct owner_stats dummy;
	struct owner **aged = NULL;
	size_t naged = 0, j = 0;
	int changed = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	if (netns_scan(&t->ns, &t->c.roots, t->c.self_dev, t->c.self_ino) < 0)
		return -1;
	pods_forget(t);
	if (t->seen_cap < t->ns.n) {
		t->seen_cap = t->ns.n * 2;
		t->seen = xrealloc(t->seen, t->seen_cap);
	}
	memset(t->seen, 0, t->ns.n);
	for (size_t i = 0; i < t->n; i++) {
		struct owner *o = t->v[i];
		long at = netns_list_find(&t->ns, o->dev, o->ino);
		const struct netns_ref *r;

		if (at < 0) {
			owner_free(o);
			st->removed++;
			changed = 1;
			continue;
		}
		t->seen[at] = 1;
		t->v[j++] = o;
		r = &t->ns.v[at];
		/* Another member or another name: maybe another namespace on a reused inode. */
		if (r->pid != o->pid || strcmp(r->name, o->ns_name) != 0) {
			if (load(t, o, r, now) < 0)
				goto stuck;
			st->reloaded++;
			changed = 1;
		} else if (now - o->loaded >= t->c.ttl) {
			if (!aged)
				aged = xmalloc(t->n * sizeof *aged);
			aged[naged++] = o;
		}
	}
	t->n = j;
	if (naged) {
		qsort(aged, naged, sizeof *aged, cmp_loaded);
		for (size_t i = 0; i < naged && i < t->c.max_reload; i++) {
			long at = netns_list_find(&t->ns, aged[i]->dev, aged[i]->ino);

			if (load(t, aged[i], &t->ns.v[at], now) < 0)
				goto stuck;
			st->reloaded++;
			changed = 1;
		}
	}
	for (size_t i = 0; i < t->ns.n; i++) {
		struct owner *o;

		if (t->seen[i])
			continue;
		o = xcalloc(1, sizeof *o);
		host_init(&o->host);
		if (load(t, o, &t->ns.v[i], now) < 0) {
			owner_free(o);
			goto stuck;
		}
		push(t, o);
		st->added++;
		changed = 1;
	}
	for (size_t i = 0; i < t->n; i++)
		st->failed += (size_t)t->v[i]->load_failed;
	free(aged);
	if (changed || !t->slots)
		owner_table_index(t, st);
	st->namespaces = t->n;
	st->addrs = t->naddrs;
	st->ambiguous = t->nambig;
	return 0;
stuck:
	free(aged);
	errno = EDEADLK;
	return -1;
}

const struct owner *owner_lookup(const struct owner_table *t, int family,
				 const struct ct_addr *a)
{
	const struct aslot *x = addr_slot(t, family, a);

	if (!x || !x->family || x->dup)
		return NULL;
	return t->v[x->owner];
}

int owner_ambiguous(const struct owner_table *t, int family, const struct ct_addr *a)
{
	const struct aslot *x = addr_slot(t, family, a);

	return x && x->family && x->dup;
}

int owner_is_listener(const struct owner_table *t, const struct owner *o, int proto,
		      int family, uint16_t port)
{
	size_t lo = 0, hi;

	(void)t;
	if (!o)
		return 0;
	/* The first listener with (proto, port), then its run: any address of o. */
	hi = o->host.nls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct host_listener *l = &o->host.ls[mid];

		if (l->proto < proto || (l->proto == proto && l->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < o->host.nls; i++) {
		const struct host_listener *l = &o->host.ls[i];

		if (l->proto != proto || l->port != port)
			break;
		/* Bound to 127.0.0.1 or ::1: unreachable from outside its namespace. */
		if (!l->any && l->family && ct_addr_is_loopback(l->family, &l->a))
			continue;
		if (l->family == 0 || l->family == family)
			return 1;
	}
	return 0;
}

const struct owner *owner_host(const struct owner_table *t)
{
	return &t->host;
}

size_t owner_count(const struct owner_table *t)
{
	return t->n;
}

const struct owner *owner_at(const struct owner_table *t, size_t i)
{
	return i < t->n ? t->v[i] : NULL;
}
