/* socks.c: the inet_diag message parser (crafted messages), lookups, deltas, memory. */
#include "testutil.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <arpa/inet.h>

#include "lsct.h"
#include "socks.h"

#ifndef INET_DIAG_CGROUP_ID
#define INET_DIAG_CGROUP_ID 21
#endif

struct crafted {
	union {
		char b[1024];
		struct nlmsghdr h;
	} u;
	size_t len;
};

/* An inet_diag answer: header, inet_diag_msg, then attributes added by add_attr(). */
static void craft(struct crafted *c, int family, const char *src, unsigned sport,
		  const char *dst, unsigned dport, unsigned state, unsigned inode, unsigned uid)
{
	struct inet_diag_msg *m;

	memset(c, 0, sizeof *c);
	c->u.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m = NLMSG_DATA(&c->u.h);
	m->idiag_family = (uint8_t)family;
	m->idiag_state = (uint8_t)state;
	inet_pton(family, src, m->id.idiag_src);
	inet_pton(family, dst, m->id.idiag_dst);
	m->id.idiag_sport = htons((uint16_t)sport);
	m->id.idiag_dport = htons((uint16_t)dport);
	m->id.idiag_cookie[0] = 0x1234;
	m->id.idiag_cookie[1] = 1;
	m->idiag_inode = inode;
	m->idiag_uid = uid;
	c->len = NLMSG_LENGTH(sizeof *m);
	c->u.h.nlmsg_len = (uint32_t)c->len;
}

static void add_attr(struct crafted *c, unsigned type, const void *p, size_t n)
{
	struct nlattr *a = (struct nlattr *)(c->u.b + NLMSG_ALIGN(c->len));

	a->nla_type = (uint16_t)type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy((char *)a + NLA_HDRLEN, p, n);
	c->len = NLMSG_ALIGN(c->len) + NLA_ALIGN(a->nla_len);
	c->u.h.nlmsg_len = (uint32_t)c->len;
}

static void test_parse_tcp(void **state)
{
	struct crafted c;
	struct sock_rec r;
	struct tcp_info ti;
	uint64_t cg = 4242;
	struct ct_addr l = tu_addr("10.0.0.1"), p = tu_addr("10.0.1.10");
	char err[128];

	(void)state;
	craft(&c, AF_INET, "10.0.0.1", 40001, "10.0.1.10", 3306, 1, 777, 1000);
	memset(&ti, 0, sizeof ti);
	ti.tcpi_rtt = 250000;
	ti.tcpi_total_retrans = 17;
	ti.tcpi_lost = 2;
	ti.tcpi_unacked = 9;
	add_attr(&c, INET_DIAG_INFO, &ti, sizeof ti);
	add_attr(&c, INET_DIAG_CGROUP_ID, &cg, sizeof cg);
	assert_int_equal(socks_parse_msg(c.u.b, c.len, &r, err, sizeof err), 0);
	assert_int_equal(r.family, AF_INET);
	assert_memory_equal(&r.laddr, &l, sizeof l);
	assert_memory_equal(&r.raddr, &p, sizeof p);
	assert_int_equal(r.lport, 40001);
	assert_int_equal(r.rport, 3306);
	assert_int_equal(r.inode, 777);
	assert_int_equal(r.uid, 1000);
	assert_int_equal(r.cgroup, 4242);
	assert_int_equal(r.has_info, 1);
	assert_int_equal(r.rtt_us, 250000);
	assert_int_equal(r.total_retrans, 17);
	assert_int_equal(r.lost, 2);
	assert_int_equal(r.unacked, 9);
	assert_int_equal(r.cookie, 0x100001234ull);
}

static void test_parse_mapped_and_short(void **state)
{
	struct crafted c;
	struct sock_rec r;
	struct ct_addr l = tu_addr("10.0.0.1");
	char err[128];
	uint32_t small = 5;

	(void)state;
	/* A dual-stack socket's IPv4 connection is keyed as IPv4. */
	craft(&c, AF_INET6, "::ffff:10.0.0.1", 80, "::ffff:10.0.0.9", 5555, 1, 1, 0);
	assert_int_equal(socks_parse_msg(c.u.b, c.len, &r, err, sizeof err), 0);
	assert_int_equal(r.family, AF_INET);
	assert_memory_equal(&r.laddr, &l, sizeof l);
	/* A "::" listener stays IPv6. */
	craft(&c, AF_INET6, "::", 80, "::", 0, 10, 2, 0);
	assert_int_equal(socks_parse_msg(c.u.b, c.len, &r, err, sizeof err), 0);
	assert_int_equal(r.family, AF_INET6);
	/* A tcp_info too short to hold the RTT is ignored; a short cgroup too. */
	craft(&c, AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, 1, 3, 0);
	add_attr(&c, INET_DIAG_INFO, &small, sizeof small);
	add_attr(&c, INET_DIAG_CGROUP_ID, &small, sizeof small);
	assert_int_equal(socks_parse_msg(c.u.b, c.len, &r, err, sizeof err), 0);
	assert_int_equal(r.has_info, 0);
	assert_int_equal(r.cgroup, 0);
	/* Truncated messages and a wrong family are refused. */
	assert_int_equal(socks_parse_msg(c.u.b, 10, &r, err, sizeof err), -1);
	c.u.h.nlmsg_len = NLMSG_LENGTH(4);
	assert_int_equal(socks_parse_msg(c.u.b, c.len, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "short"));
	craft(&c, AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, 1, 3, 0);
	((struct inet_diag_msg *)NLMSG_DATA(&c.u.h))->idiag_family = AF_UNIX;
	assert_int_equal(socks_parse_msg(c.u.b, c.len, &r, err, sizeof err), -1);
}

static struct sock_rec rec(const char *l, unsigned lp, const char *r, unsigned rp, int proto,
			   uint64_t cookie, uint32_t retrans)
{
	struct sock_rec s;

	memset(&s, 0, sizeof s);
	s.family = strchr(l, ':') ? AF_INET6 : AF_INET;
	s.laddr = tu_addr(l);
	s.raddr = tu_addr(r);
	s.lport = (uint16_t)lp;
	s.rport = (uint16_t)rp;
	s.proto = (uint8_t)proto;
	s.state = rp ? 1 : 10;
	s.cookie = cookie;
	s.has_info = proto == IPPROTO_TCP;
	s.total_retrans = retrans;
	s.inode = (uint32_t)cookie;
	return s;
}

static void test_lookups(void **state)
{
	struct socks *s = socks_new();
	struct sock_rec r[] = {
		rec("10.0.0.1", 40001, "10.0.1.10", 3306, IPPROTO_TCP, 1, 0),
		rec("0.0.0.0", 80, "0.0.0.0", 0, IPPROTO_TCP, 2, 0),
		rec("::", 443, "::", 0, IPPROTO_TCP, 3, 0),
		rec("10.0.0.1", 53, "0.0.0.0", 0, IPPROTO_UDP, 4, 0),
	};
	struct ct_addr a = tu_addr("10.0.0.1"), p = tu_addr("10.0.1.10"), z;
	const struct sock_rec *f;

	(void)state;
	memset(&z, 0, sizeof z);
	socks_set(s, r, ARRAY_LEN(r), 0);
	assert_int_equal(socks_count(s), 4);
	f = socks_find(s, IPPROTO_TCP, AF_INET, &a, 40001, &p, 3306);
	assert_non_null(f);
	assert_int_equal(f->cookie, 1);
	assert_null(socks_find(s, IPPROTO_TCP, AF_INET, &a, 40002, &p, 3306));
	assert_null(socks_find(s, IPPROTO_UDP, AF_INET, &a, 40001, &p, 3306));
	/* Wildcard listener, a dual-stack one for IPv4, a bound UDP socket. */
	f = socks_find_bound(s, IPPROTO_TCP, AF_INET, &a, 80);
	assert_non_null(f);
	assert_int_equal(f->cookie, 2);
	f = socks_find_bound(s, IPPROTO_TCP, AF_INET, &a, 443);
	assert_non_null(f);
	assert_int_equal(f->cookie, 3);
	f = socks_find_bound(s, IPPROTO_UDP, AF_INET, &a, 53);
	assert_non_null(f);
	assert_int_equal(f->cookie, 4);
	assert_null(socks_find_bound(s, IPPROTO_UDP, AF_INET, &p, 53));
	assert_null(socks_find_bound(s, IPPROTO_TCP, AF_INET, &a, 81));
	socks_free(s);
}

static void test_retrans_delta(void **state)
{
	struct socks *s = socks_new();
	struct sock_rec a = rec("10.0.0.1", 1, "10.0.0.2", 2, IPPROTO_TCP, 10, 5);
	struct sock_rec b = rec("10.0.0.1", 3, "10.0.0.2", 2, IPPROTO_TCP, 11, 7);

	(void)state;
	socks_set(s, &a, 1, 0);
	/* A socket seen for the first time has no delta. */
	assert_int_equal(socks_at(s, 0)->retrans_delta, 0);
	a.total_retrans = 9;
	{
		struct sock_rec two[2] = { a, b };

		socks_set(s, two, 2, 1);
	}
	assert_int_equal(socks_at(s, 0)->retrans_delta, 4);
	assert_int_equal(socks_at(s, 1)->retrans_delta, 0);
	/* Never negative: a counter that went back gives 0. */
	a.total_retrans = 3;
	socks_set(s, &a, 1, 2);
	assert_int_equal(socks_at(s, 0)->retrans_delta, 0);
	socks_free(s);
}

static void test_remember(void **state)
{
	struct socks *s = socks_new();
	struct sock_rec a = rec("10.0.0.1", 1, "10.0.0.2", 2, IPPROTO_TCP, 10, 0);
	struct ct_addr l = tu_addr("10.0.0.1"), p = tu_addr("10.0.0.2");

	(void)state;
	socks_set(s, &a, 1, 0);
	socks_at(s, 0)->proc = 7;
	socks_remember(s, 100);
	/* TIME_WAIT: the same 4-tuple without an inode or owner takes the last one. */
	a.inode = 0;
	a.state = 6;
	socks_set(s, &a, 1, 0);
	socks_remember(s, 110);
	assert_int_equal(socks_at(s, 0)->proc, 7);
	/* Gone from the dump: still remembered ... */
	socks_set(s, NULL, 0, 0);
	socks_remember(s, 200);
	assert_int_equal(socks_remembered(s, IPPROTO_TCP, AF_INET, &l, 1, &p, 2), 7);
	/* ... until SOCKS_REMEMBER seconds after it was last seen with it. */
	socks_remember(s, 100 + SOCKS_REMEMBER + 1);
	assert_int_equal(socks_remembered(s, IPPROTO_TCP, AF_INET, &l, 1, &p, 2), 0);
	socks_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_tcp),
		cmocka_unit_test(test_parse_mapped_and_short),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_retrans_delta),
		cmocka_unit_test(test_remember),
	};

	return cmocka_run_group_tests_name("socks", tests, NULL, NULL);
}
