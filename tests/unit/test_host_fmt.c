/*
 * Local addresses, listening sockets from /proc/net text and from sock_diag,
 * text formatting, names.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "fmt.h"
#include "host.h"
#include "resolve.h"
#include "util.h"

static int text_fd(const char *text)
{
	FILE *fp = tmpfile();
	int fd;

	assert_non_null(fp);
	fputs(text, fp);
	fflush(fp);
	fd = dup(fileno(fp));
	fclose(fp);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_proc_tcp_listeners(void **state)
{
	/* Captured from /proc/net/tcp and tcp6 (little-endian host). */
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
		"   1: 0100CB0A:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n"
		"   2: 0100CB0A:D431 0200CB0A:0CEA 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n"
		"   3: garbage\n";
	static const char tcp6[] =
		"  sl  local_address                         remote_address                        st\n"
		"   0: 00000000000000000000000000000000:18EB 00000000000000000000000000000000:0000 0A 0\n"
		"   1: 0000FFFD000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 0\n"
		"   2: 0000000000000000FFFF00000500000A:2383 00000000000000000000000000000000:0000 0A 0\n";
	static const char udp[] =
		"   sl  local_address rem_address   st\n"
		"  1: 00000000:14E9 00000000:0000 07 0\n"
		"  2: 0100CB0A:9C40 0200CB0A:0035 01 0\n";
	struct host_info h;
	struct ct_addr a1 = tu_addr("10.203.0.1"), a2 = tu_addr("10.203.0.2");
	struct ct_addr v6 = tu_addr("fdff::1"), v6b = tu_addr("fdff::2");
	struct ct_addr mapped = tu_addr("10.0.0.5");
	int fd;

	host_init(&h);
	fd = text_fd(tcp);
	assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_TCP, AF_INET), 0);
	close(fd);
	fd = text_fd(tcp6);
	assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_TCP, AF_INET6), 0);
	close(fd);
	fd = text_fd(udp);
	assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_UDP, AF_INET), 0);
	close(fd);
	host_finish(&h);

	/* 0.0.0.0:80 listens on every address. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 80));
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a2, 80));
	/* 10.203.0.1:9090, bound to one address: the original missed these. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 9090));
	assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a2, 9090));
	/* An established socket is not a listener. */
	assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 54321));
	/* [::]:6379 is dual-stack: IPv4 too. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 6379));
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET6, &v6, 6379));
	/* [fdff::1]:8080 only. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET6, &v6, 8080));
	assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET6, &v6b, 8080));
	/* [::ffff:10.0.0.5]:9091 is an IPv4 listener. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &mapped, 9091));
	/* UDP: bound and unconnected only; protocols stay apart. */
	assert_true(host_is_listener(&h, IPPROTO_UDP, AF_INET, &a1, 5353));
	assert_false(host_is_listener(&h, IPPROTO_UDP, AF_INET, &a1, 40000));
	assert_false(host_is_listener(&h, IPPROTO_UDP, AF_INET, &a1, 80));
	host_fini(&h);
}

/* ---- sock_diag against /proc (own network namespace when root) ---------- */

#define SK_CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "sockets: %s:%d: check failed: %s (errno %s)\n", \
			__FILE__, __LINE__, #c, strerror(errno)); \
		_exit(1); \
	} \
} while (0)

#define SK_SKIP 77

/*
 * Fault injection: these stand in for libc's socket() and sendto() (libmnl
 * calls them) to take sock_diag away, all of it or for UDP only, as an old
 * kernel or a missing udp_diag module would.  Disarmed, they pass through.
 */
static struct {
	int no_diag;		/* socket(NETLINK_SOCK_DIAG) fails */
	int no_udp_diag;	/* UDP dumps get an error from the kernel */
	unsigned dumps;		/* sock_diag dump requests sent */
} sk_inj;

int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "socket");
	if (sk_inj.no_diag && domain == AF_NETLINK && protocol == NETLINK_SOCK_DIAG) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return real(domain, type, protocol);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sendto");
	if (len != sizeof req)
		return real(fd, buf, len, flags, to, tolen);
	memcpy(&req, buf, sizeof req);
	if (req.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return real(fd, buf, len, flags, to, tolen);
	sk_inj.dumps++;
	if (!sk_inj.no_udp_diag || req.r.sdiag_protocol != IPPROTO_UDP)
		return real(fd, buf, len, flags, to, tolen);
	/* A family no handler has: the kernel answers EINVAL. */
	req.r.sdiag_family = 200;
	return real(fd, &req, sizeof req, flags, to, tolen);
}

/* A socket of type on addr (port 0: any), listening for TCP; returns its port. */
static uint16_t sk_open(int family, int type, const char *addr, int v6only, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1;

	SK_CHECK(fd >= 0);
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		SK_CHECK(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		SK_CHECK(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
		sl = sizeof *sin6;
		SK_CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == 0);
	}
	SK_CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	SK_CHECK(bind(fd, (struct sockaddr *)&ss, sl) == 0);
	if (type == SOCK_STREAM && v6only >= 0)
		SK_CHECK(listen(fd, 4) == 0);
	sl = sizeof ss;
	SK_CHECK(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0);
	*fdp = fd;
	return ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void sk_connect(int fd, int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		SK_CHECK(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		SK_CHECK(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
		sl = sizeof *sin6;
	}
	SK_CHECK(connect(fd, (struct sockaddr *)&ss, sl) == 0);
}

static int same_listeners(const struct host_info *a, const struct host_info *b)
{
	if (a->nls != b->nls)
		return 0;
	for (size_t i = 0; i < a->nls; i++) {
		const struct host_listener *x = &a->ls[i], *y = &b->ls[i];

		if (x->proto != y->proto || x->port != y->port || x->family != y->family ||
		    x->any != y->any || memcmp(x->a.b, y->a.b, sizeof x->a.b) != 0)
			return 0;
	}
	return 1;
}

/* Both ways into d and p; a busy namespace may change between reads. */
static void sk_load_both(struct host_info *d, struct host_info *p, int tries)
{
	for (int i = 0; i < tries; i++) {
		host_fini(d);
		host_fini(p);
		SK_CHECK(host_load_listeners_diag(d) == 0);
		SK_CHECK(host_load_listeners_proc(p) == 0);
		host_finish(d);
		host_finish(p);
		if (same_listeners(d, p))
			return;
		usleep(20000);
	}
	SK_CHECK(!"sock_diag and /proc/net disagree");
}

static void sockets_child(void)
{
	struct ct_addr lo4 = tu_addr("127.0.0.1"), other4 = tu_addr("10.9.9.9");
	struct ct_addr lo6 = tu_addr("::1"), other6 = tu_addr("fd00::9");
	struct host_info d, p, f;
	struct ifreq ifr;
	int own_ns = 0, v6, fd, tries = 1, ctl;
	uint16_t t4, t6dual = 0, t6only = 0, t6lo = 0, t6mapped = 0, tbound, tcli;
	uint16_t u4, u6 = 0, u4any, u4conn, u6conn = 0;

	host_init(&d);
	host_init(&p);
	host_init(&f);
	if (unshare(CLONE_NEWNET) == 0) {
		/* A fresh namespace: its lo is down and has no address yet. */
		own_ns = 1;
		ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		SK_CHECK(ctl >= 0);
		memset(&ifr, 0, sizeof ifr);
		strcpy(ifr.ifr_name, "lo");
		SK_CHECK(ioctl(ctl, SIOCGIFFLAGS, &ifr) == 0);
		ifr.ifr_flags |= IFF_UP;
		SK_CHECK(ioctl(ctl, SIOCSIFFLAGS, &ifr) == 0);
		close(ctl);
	} else {
		/* Not root: this namespace, whose other sockets may come and go. */
		tries = 10;
	}
	if (host_load_listeners_diag(&d) < 0) {
		fprintf(stderr, "sockets: no sock_diag here: %s\n", strerror(errno));
		_exit(SK_SKIP);
	}
	host_fini(&d);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	v6 = fd >= 0;
	if (fd >= 0)
		close(fd);

	t4 = sk_open(AF_INET, SOCK_STREAM, "127.0.0.1", 0, &fd);
	tcli = sk_open(AF_INET, SOCK_STREAM, "127.0.0.1", -1, &fd);
	sk_connect(fd, AF_INET, "127.0.0.1", t4);		/* ESTABLISHED, both ends */
	tbound = sk_open(AF_INET, SOCK_STREAM, "127.0.0.1", -1, &fd);	/* bound only */
	u4 = sk_open(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, &fd);
	u4any = sk_open(AF_INET, SOCK_DGRAM, "0.0.0.0", 0, &fd);
	u4conn = sk_open(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, &fd);
	sk_connect(fd, AF_INET, "127.0.0.1", u4);
	if (v6) {
		t6dual = sk_open(AF_INET6, SOCK_STREAM, "::", 0, &fd);
		t6only = sk_open(AF_INET6, SOCK_STREAM, "::", 1, &fd);
		t6lo = sk_open(AF_INET6, SOCK_STREAM, "::1", 1, &fd);
		t6mapped = sk_open(AF_INET6, SOCK_STREAM, "::ffff:127.0.0.1", 0, &fd);
		u6 = sk_open(AF_INET6, SOCK_DGRAM, "::", 0, &fd);
		u6conn = sk_open(AF_INET6, SOCK_DGRAM, "::1", 1, &fd);
		sk_connect(fd, AF_INET6, "::1", u6);
	}

	sk_load_both(&d, &p, tries);
	/* What main() uses, fallback included, finds the same. */
	SK_CHECK(host_load_listeners(&f) == 0);
	host_finish(&f);
	SK_CHECK(same_listeners(&d, &f) || !own_ns);

	SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &other4, t4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, t4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, tcli));
	SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, tbound));
	SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, u4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET, &other4, u4));
	SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET, &other4, u4any));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET6, &lo6, u4any));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, u4conn));
	if (v6) {
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &other4, t6dual));
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET6, &other6, t6dual));
		/* /proc cannot tell IPV6_V6ONLY apart, so "::" counts for IPv4 too. */
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t6only));
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET6, &lo6, t6lo));
		SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET6, &other6, t6lo));
		SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t6lo));
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t6mapped));
		SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &other4, t6mapped));
		SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, u6));
		SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET6, &lo6, u6));
		SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET6, &lo6, u6conn));
	}
	if (own_ns)
		SK_CHECK(d.nls == (v6 ? 8u : 3u));

	/* Without sock_diag, or without its UDP part, /proc fills in. */
	if (own_ns) {
		unsigned ntcp = 0;

		sk_inj.no_diag = 1;
		sk_inj.dumps = 0;
		host_fini(&f);
		SK_CHECK(host_load_listeners_diag(&f) == -1 && errno == EPROTONOSUPPORT);
		SK_CHECK(host_load_listeners(&f) == 0);
		host_finish(&f);
		SK_CHECK(same_listeners(&p, &f) && sk_inj.dumps == 0);
		sk_inj.no_diag = 0;

		sk_inj.no_udp_diag = 1;
		host_fini(&f);
		SK_CHECK(host_load_listeners(&f) == 0);
		host_finish(&f);
		SK_CHECK(same_listeners(&p, &f) && sk_inj.dumps == 3);
		host_fini(&f);
		/* The TCP tables came through before the UDP dump failed. */
		SK_CHECK(host_load_listeners_diag(&f) == -1 && errno == EINVAL);
		for (size_t i = 0; i < f.nls; i++)
			ntcp += f.ls[i].proto == IPPROTO_TCP;
		SK_CHECK(ntcp == f.nls && ntcp == (v6 ? 5u : 1u));
		sk_inj.no_udp_diag = 0;
	}
	host_fini(&d);
	host_fini(&p);
	host_fini(&f);
	_exit(0);
}

static void test_diag_listeners_match_proc(void **state)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		sockets_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == SK_SKIP) {
		print_message("sock_diag test skipped (see message above)\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_local_addresses(void **state)
{
	struct host_info h;
	struct ct_addr lo = tu_addr("127.0.0.1"), x = tu_addr("10.0.0.9"), v6 = tu_addr("fd00::9");
	char err[128];

	host_init(&h);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.9,[fd00::9],fd00::9", err, sizeof err), 0);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.9,nope", err, sizeof err), -1);
	assert_string_equal(err, "'nope' is not an IPv4 or IPv6 address");
	assert_int_equal(host_parse_addrs(&h, "", err, sizeof err), -1);
	host_finish(&h);
	assert_int_equal(h.naddrs, 2);
	assert_true(host_is_local(&h, AF_INET, &x));
	assert_true(host_is_local(&h, AF_INET6, &v6));
	assert_false(host_is_local(&h, AF_INET, &lo));
	host_fini(&h);

	/* This namespace's own interfaces include loopback. */
	host_init(&h);
	assert_int_equal(host_load_addrs(&h), 0);
	host_finish(&h);
	assert_true(host_is_local(&h, AF_INET, &lo));
	host_fini(&h);
}

static void test_endpoints(void **state)
{
	struct ct_addr a4 = tu_addr("10.0.1.10"), a6 = tu_addr("fd00::20");
	char buf[FMT_ENDPOINT_MAX], pb[8];

	fmt_endpoint(buf, sizeof buf, AF_INET, &a4, NULL, "3306");
	assert_string_equal(buf, "10.0.1.10:3306");
	fmt_endpoint(buf, sizeof buf, AF_INET6, &a6, NULL, "many");
	assert_string_equal(buf, "[fd00::20]:many");
	fmt_endpoint(buf, sizeof buf, AF_INET6, &a6, "db.example", "6379");
	assert_string_equal(buf, "db.example:6379");
	assert_string_equal(fmt_proto(IPPROTO_TCP, pb, sizeof pb), "tcp");
	assert_string_equal(fmt_proto(IPPROTO_UDP, pb, sizeof pb), "udp");
	assert_string_equal(fmt_proto(132, pb, sizeof pb), "132");
}

static void test_hostname_check_and_escape(void **state)
{
	char out[64];

	assert_true(fmt_is_hostname("db-1.example.com"));
	assert_true(fmt_is_hostname("_srv.x"));
	assert_false(fmt_is_hostname(""));
	assert_false(fmt_is_hostname("a..b"));
	assert_false(fmt_is_hostname(".a"));
	assert_false(fmt_is_hostname("evil\x1b[2Jname"));
	assert_false(fmt_is_hostname("bell\a"));
	assert_false(fmt_is_hostname("sp ace"));
	assert_false(fmt_is_hostname("caf\xc3\xa9"));
	assert_false(fmt_is_hostname("a\x9b" "31m"));
	fmt_escape("ok\x1b[1m\x07\xff", out, sizeof out);
	assert_string_equal(out, "ok\\x1b[1m\\x07\\xff");
	fmt_escape("\x01\x02\x03\x04\x05", out, 12);
	assert_string_equal(out, "\\x01\\x02");
}

/* Big arrays: 2 MiB-aligned (so huge pages can back them), zeroed by the
 * calloc form, freed by free(); small ones are ordinary allocations. */
static void test_alloc_huge(void **state)
{
	size_t n = (size_t)5 << 20;
	unsigned char *p = xcalloc_huge(n / 8, 8);
	unsigned char *q = xmalloc_huge(n + 1);
	char *small = xcalloc_huge(10, 10);

	(void)state;
	assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
	assert_int_equal((uintptr_t)q % ((uintptr_t)2 << 20), 0);
	for (size_t i = 0; i < n; i += 4093)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[n - 1], 0);
	memset(q, 0xab, n + 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(small[i], 0);
	free(small);
	free(q);
	free(p);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	assert_int_equal(parse_u64("18446744073709551615", 20, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", 20, UINT64_MAX, &v), -1);
	assert_int_equal(parse_u64("65536", 5, 65535, &v), -1);
	assert_int_equal(parse_u64("", 0, 1, &v), -1);
	assert_int_equal(parse_u64("1a", 2, 100, &v), -1);
	assert_true(u64_add_sat(UINT64_MAX - 1, 5) == UINT64_MAX);
	assert_true(u64_sub_sat(3, 5) == 0);
}

static void test_resolver(void **state)
{
	struct resolver *r = resolver_new(4, 0);
	struct ct_addr lo = tu_addr("127.0.0.1");
	struct ct_addr doc = tu_addr("192.0.2.1");
	const char *name;

	/* Nothing queued: no wait at all. */
	assert_int_equal(resolver_wait(r, 5.0), 0);
	assert_null(resolver_name(r, AF_INET, &lo));
	resolver_want(r, AF_INET, &lo);
	resolver_want(r, AF_INET, &lo);
	assert_int_equal(resolver_wait(r, 10.0), 0);
	/* /etc/hosts maps 127.0.0.1 to localhost on Debian and Ubuntu. */
	name = resolver_name(r, AF_INET, &lo);
	assert_non_null(name);
	assert_string_equal(name, "localhost");
	/* A zero wait returns at once whatever is pending. */
	resolver_want(r, AF_INET, &doc);
	(void)resolver_wait(r, 0);
	resolver_free(r);
}

/* A bounded cache drops finished names instead of growing. */
static void test_resolver_bounded(void **state)
{
	struct resolver *r = resolver_new(2, 1);
	struct ct_addr lo = tu_addr("127.0.0.1");
	struct ct_addr lo6 = tu_addr("::1");

	(void)state;
	resolver_want(r, AF_INET, &lo);
	assert_int_equal(resolver_wait(r, 10.0), 0);
	assert_string_equal(resolver_name(r, AF_INET, &lo), "localhost");
	assert_int_equal(resolver_cached(r), 1);
	/* A second peer: the finished first one goes. */
	resolver_want(r, AF_INET6, &lo6);
	assert_int_equal(resolver_cached(r), 1);
	assert_null(resolver_name(r, AF_INET, &lo));
	assert_int_equal(resolver_wait(r, 10.0), 0);
	/* Wanted again, it is asked again. */
	resolver_want(r, AF_INET, &lo);
	assert_int_equal(resolver_cached(r), 1);
	assert_int_equal(resolver_wait(r, 10.0), 0);
	assert_string_equal(resolver_name(r, AF_INET, &lo), "localhost");
	resolver_free(r);
}

/* The hand-written IPv4 path of ct_addr_str() against inet_ntop(). */
static void test_addr_str(void **state)
{
	static const char *const v4[] = {
		"0.0.0.0", "255.255.255.255", "10.0.100.9", "1.20.199.200", "100.10.0.1",
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		struct ct_addr a = tu_addr(v4[i]);

		assert_string_equal(ct_addr_str(AF_INET, &a, buf, sizeof buf), v4[i]);
	}
	for (unsigned v = 0; v < 256; v++) {
		struct ct_addr a;
		char want[16];

		memset(&a, 0, sizeof a);
		a.b[0] = a.b[3] = (uint8_t)v;
		a.b[1] = (uint8_t)(255 - v);
		snprintf(want, sizeof want, "%u.%u.0.%u", v, 255 - v, v);
		assert_string_equal(ct_addr_str(AF_INET, &a, buf, sizeof buf), want);
	}
	{
		struct ct_addr a = tu_addr("fd00::1");

		assert_string_equal(ct_addr_str(AF_INET6, &a, buf, sizeof buf), "fd00::1");
	}
}

/*
 * The hand-written IPv6 path against the C library's inet_ntop(): every
 * pattern of zero and non-zero groups (the "::" choice), group values with
 * 1-4 digits, the IPv4-compatible and -mapped forms, and random addresses.
 */
static void check_v6(const struct ct_addr *a)
{
	char want[64], got[64];

	assert_non_null(inet_ntop(AF_INET6, a->b, want, sizeof want));
	assert_string_equal(ct_addr_str(AF_INET6, a, got, sizeof got), want);
}

static void test_addr_str_v6(void **state)
{
	static const uint16_t vals[] = { 0x1, 0xa, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff };
	static const char *const fixed[] = {
		"::", "::1", "1::", "::ffff:10.1.2.3", "::10.1.2.3", "::ffff:0.0.0.0",
		"::1:0:0:0", "1:0:0:2:0:0:0:3", "1:0:0:2:0:0:3:4", "1:2:3:4:5:6:7:8",
		"fe80::1:2", "2001:db8::", "0:1::", "::0.1.0.0",
	};
	uint64_t x = 42;
	struct ct_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		a = tu_addr(fixed[i]);
		check_v6(&a);
	}
	for (unsigned mask = 0; mask < 256; mask++) {
		for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
			memset(&a, 0, sizeof a);
			for (int g = 0; g < 8; g++) {
				uint16_t w = (uint16_t)(mask >> g & 1 ? vals[(v + (size_t)g) % 8] : 0);

				a.b[2 * g] = (uint8_t)(w >> 8);
				a.b[2 * g + 1] = (uint8_t)w;
			}
			check_v6(&a);
			a.b[10] = a.b[11] = 0xff;	/* word 5: the mapped form's marker */
			check_v6(&a);
		}
	}
	for (int i = 0; i < 100000; i++) {
		for (int k = 0; k < 16; k += 8) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			memcpy(a.b + k, &x, 8);
		}
		/* Zero some groups so that "::" runs of every length turn up. */
		for (int g = 0; g < 8; g++)
			if (a.b[g] & 1)
				a.b[2 * g] = a.b[2 * g + 1] = 0;
		check_v6(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_addr_str_v6),
		cmocka_unit_test(test_resolver_bounded),
		cmocka_unit_test(test_proc_tcp_listeners),
		cmocka_unit_test(test_diag_listeners_match_proc),
		cmocka_unit_test(test_local_addresses),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_hostname_check_and_escape),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_alloc_huge),
		cmocka_unit_test(test_resolver),
	};

	return cmocka_run_group_tests_name("host_fmt", tests, NULL, NULL);
}
