/* test_ct_text.c - the text source: one-line parser and the fd reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ct_source_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lines captured from conntrack 1.4.7 and /proc on kernel 6.18. */
static const char L_TCP6[] =
	"tcp      6 119 TIME_WAIT src=fd00:200::2 dst=fd00:200::1 sport=40738 dport=80 "
	"packets=5 bytes=5368 src=fd00:200::1 dst=fd00:200::2 sport=80 dport=40738 "
	"packets=3 bytes=224 [ASSURED] mark=0 use=1";
static const char L_TCP4[] =
	"tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=55482 dport=3306 "
	"packets=7 bytes=10372 src=10.200.0.2 dst=10.200.0.1 sport=3306 dport=55482 "
	"packets=5 bytes=268 [ASSURED] mark=0 use=1";
static const char L_UDP4[] =
	"udp      17 29 src=10.200.0.1 dst=10.200.0.2 sport=57108 dport=53 packets=1 "
	"bytes=31 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=53 dport=57108 "
	"packets=0 bytes=0 mark=0 use=1";
static const char X_TCP6[] =
	"ipv6     10 tcp      6 119 TIME_WAIT src=fd00:200::2 dst=fd00:200::1 sport=40738 "
	"dport=80 packets=5 bytes=5368 src=fd00:200::1 dst=fd00:200::2 sport=80 "
	"dport=40738 packets=3 bytes=224 [ASSURED] mark=0 use=1 id=2772867190";
static const char X_TCP4[] =
	"ipv4     2 tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=55482 "
	"dport=3306 packets=7 bytes=10372 src=10.200.0.2 dst=10.200.0.1 sport=3306 "
	"dport=55482 packets=5 bytes=268 [ASSURED] mark=0 use=1 id=2233498952";
static const char X_UDP4[] =
	"ipv4     2 udp      17 29 src=10.200.0.1 dst=10.200.0.2 sport=57108 dport=53 "
	"packets=1 bytes=31 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=53 "
	"dport=57108 packets=0 bytes=0 mark=0 use=1 id=471813145";
static const char P_TCP6[] =
	"ipv6     10 tcp      6 119 TIME_WAIT src=fd00:0200:0000:0000:0000:0000:0000:0002 "
	"dst=fd00:0200:0000:0000:0000:0000:0000:0001 sport=40738 dport=80 packets=5 "
	"bytes=5368 src=fd00:0200:0000:0000:0000:0000:0000:0001 "
	"dst=fd00:0200:0000:0000:0000:0000:0000:0002 sport=80 dport=40738 packets=3 "
	"bytes=224 [ASSURED] mark=0 zone=0 use=2";
static const char P_TCP4[] =
	"ipv4     2 tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=55482 "
	"dport=3306 packets=7 bytes=10372 src=10.200.0.2 dst=10.200.0.1 sport=3306 "
	"dport=55482 packets=5 bytes=268 [ASSURED] mark=0 zone=0 use=2";
static const char TRAILER[] =
	"conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.";

/* A short valid line; tests edit copies of it. */
#define BASE_HEAD "tcp 6 10 ESTABLISHED "
#define BASE_ORIG "src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80 packets=1 bytes=60"
#define BASE_REPLY "src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 packets=2 bytes=120"

struct want_tuple {
	const char *src;
	const char *dst;
	uint16_t sport;
	uint16_t dport;
	uint64_t packets;
	uint64_t bytes;
};

static void assert_addr(int family, const struct ct_addr *got, const char *want)
{
	struct ct_addr w;

	memset(&w, 0, sizeof w);
	assert_int_equal(inet_pton(family, want, w.b), 1);
	/* The whole 16 bytes: an IPv4 address must leave the rest zero. */
	assert_memory_equal(got->b, w.b, sizeof w.b);
}

static void assert_tuple(int family, const struct ct_tuple *t, const struct want_tuple *w)
{
	assert_addr(family, &t->src, w->src);
	assert_addr(family, &t->dst, w->dst);
	assert_int_equal(t->sport, w->sport);
	assert_int_equal(t->dport, w->dport);
	assert_int_equal(t->packets, w->packets);
	assert_int_equal(t->bytes, w->bytes);
}

static enum ct_text_result parse(const char *line, struct ct_entry *e)
{
	return ct_text_parse_line(line, strlen(line), e);
}

static void expect_result_len(const char *line, size_t len, enum ct_text_result want)
{
	struct ct_entry e;
	enum ct_text_result got = ct_text_parse_line(line, len, &e);

	if (got != want)
		fail_msg("line \"%.*s\": result %d, want %d", (int)len, line, got, want);
}

static void expect_result(const char *line, enum ct_text_result want)
{
	expect_result_len(line, strlen(line), want);
}

static void expect_entry(const char *line, struct ct_entry *e)
{
	enum ct_text_result r = parse(line, e);

	if (r != CT_TEXT_ENTRY)
		fail_msg("line \"%s\": result %d, want an entry", line, r);
}

/* ---- the two layouts ---- */

static const struct want_tuple tcp4_orig = {
	"10.200.0.1", "10.200.0.2", 55482, 3306, 7, 10372
};
static const struct want_tuple tcp4_reply = {
	"10.200.0.2", "10.200.0.1", 3306, 55482, 5, 268
};
static const struct want_tuple tcp6_orig = {
	"fd00:200::2", "fd00:200::1", 40738, 80, 5, 5368
};
static const struct want_tuple tcp6_reply = {
	"fd00:200::1", "fd00:200::2", 80, 40738, 3, 224
};

static void assert_tcp4(const struct ct_entry *e)
{
	assert_int_equal(e->family, AF_INET);
	assert_int_equal(e->proto, IPPROTO_TCP);
	assert_int_equal(e->timeout, 119);
	assert_int_equal(e->tcp_state, CT_TCP_TIME_WAIT);
	assert_int_equal(e->status, CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY);
	assert_int_equal(e->zone, 0);
	assert_tuple(AF_INET, &e->orig, &tcp4_orig);
	assert_tuple(AF_INET, &e->reply, &tcp4_reply);
}

static void assert_tcp6(const struct ct_entry *e)
{
	assert_int_equal(e->family, AF_INET6);
	assert_int_equal(e->proto, IPPROTO_TCP);
	assert_int_equal(e->timeout, 119);
	assert_int_equal(e->tcp_state, CT_TCP_TIME_WAIT);
	assert_int_equal(e->status, CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY);
	assert_int_equal(e->zone, 0);
	assert_tuple(AF_INET6, &e->orig, &tcp6_orig);
	assert_tuple(AF_INET6, &e->reply, &tcp6_reply);
}

static void test_list_tcp4(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(L_TCP4, &e);
	assert_tcp4(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);
	assert_int_equal(e.id, 0);
}

static void test_list_tcp6(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(L_TCP6, &e);
	assert_tcp6(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);
	assert_int_equal(e.id, 0);
}

static void test_list_udp_unreplied(void **state)
{
	static const struct want_tuple o = { "10.200.0.1", "10.200.0.2", 57108, 53, 1, 31 };
	static const struct want_tuple r = { "10.200.0.2", "10.200.0.1", 53, 57108, 0, 0 };
	struct ct_entry e;

	(void)state;
	expect_entry(L_UDP4, &e);
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.proto, IPPROTO_UDP);
	assert_int_equal(e.timeout, 29);
	/* [UNREPLIED]: no SEEN_REPLY; no state word: no CT_F_STATE. */
	assert_int_equal(e.status, 0);
	assert_int_equal(e.flags, CT_F_COUNTERS);
	assert_int_equal(e.tcp_state, 0);
	assert_int_equal(e.id, 0);
	assert_int_equal(e.zone, 0);
	assert_tuple(AF_INET, &e.orig, &o);
	assert_tuple(AF_INET, &e.reply, &r);
}

static void test_extended_id(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(X_TCP4, &e);
	assert_tcp4(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_ID);
	assert_int_equal(e.id, 2233498952u);

	expect_entry(X_TCP6, &e);
	assert_tcp6(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_ID);
	assert_int_equal(e.id, 2772867190u);

	expect_entry(X_UDP4, &e);
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.proto, IPPROTO_UDP);
	assert_int_equal(e.status, 0);
	assert_int_equal(e.flags, CT_F_COUNTERS | CT_F_ID);
	assert_int_equal(e.id, 471813145u);
	assert_int_equal(e.orig.sport, 57108);
	assert_int_equal(e.reply.sport, 53);
}

/* conntrack -L -o id: the id without the l3 prefix. */
static void test_list_id_only(void **state)
{
	struct ct_entry e;
	char line[512];

	(void)state;
	snprintf(line, sizeof line, "%s id=4294967295", L_TCP4);
	expect_entry(line, &e);
	assert_tcp4(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_ID);
	assert_int_equal(e.id, 4294967295u);

	snprintf(line, sizeof line, "%s id=0", L_TCP4);
	expect_entry(line, &e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_ID);
	assert_int_equal(e.id, 0);

	snprintf(line, sizeof line, "%s id=4294967296", L_TCP4);
	expect_result(line, CT_TEXT_MALFORMED);
}

static void test_proc(void **state)
{
	struct ct_entry e, l;

	(void)state;
	expect_entry(P_TCP4, &e);
	assert_tcp4(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);

	expect_entry(P_TCP6, &e);
	assert_tcp6(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);

	/* /proc prints IPv6 fully expanded: it must parse to the same bytes. */
	expect_entry(L_TCP6, &l);
	assert_memory_equal(&e.orig, &l.orig, sizeof e.orig);
	assert_memory_equal(&e.reply, &l.reply, sizeof e.reply);
}

static void test_tcp_states(void **state)
{
	static const struct {
		const char *name;
		unsigned state;
	} states[] = {
		{ "NONE", CT_TCP_NONE },
		{ "SYN_SENT", CT_TCP_SYN_SENT },
		{ "SYN_RECV", CT_TCP_SYN_RECV },
		{ "ESTABLISHED", CT_TCP_ESTABLISHED },
		{ "FIN_WAIT", CT_TCP_FIN_WAIT },
		{ "CLOSE_WAIT", CT_TCP_CLOSE_WAIT },
		{ "LAST_ACK", CT_TCP_LAST_ACK },
		{ "TIME_WAIT", CT_TCP_TIME_WAIT },
		{ "CLOSE", CT_TCP_CLOSE },
		{ "SYN_SENT2", CT_TCP_SYN_SENT2 },
		{ "LISTEN", CT_TCP_SYN_SENT2 },	/* the pre-3.x name */
	};
	char line[512];
	struct ct_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		snprintf(line, sizeof line, "tcp 6 431999 %s " BASE_ORIG " " BASE_REPLY
			 " mark=0 use=1", states[i].name);
		expect_entry(line, &e);
		assert_int_equal(e.tcp_state, states[i].state);
		assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);
		assert_int_equal(e.timeout, 431999);
		assert_int_equal(e.orig.sport, 1000);

		snprintf(line, sizeof line, "ipv4 2 tcp 6 1 %s " BASE_ORIG " " BASE_REPLY
			 " mark=0 zone=0 use=2", states[i].name);
		expect_entry(line, &e);
		assert_int_equal(e.tcp_state, states[i].state);
		assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);
	}
	expect_result("tcp 6 10 BOGUS " BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
	expect_result("tcp 6 10 established " BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
}

static void test_no_counters(void **state)
{
	static const struct want_tuple o = { "10.0.0.1", "10.0.0.2", 1000, 80, 0, 0 };
	static const struct want_tuple r = { "10.0.0.2", "10.0.0.1", 80, 1000, 0, 0 };
	struct ct_entry e;

	(void)state;
	expect_entry("tcp      6 300 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1000 "
		     "dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 [ASSURED] "
		     "mark=0 use=1", &e);
	assert_int_equal(e.flags, CT_F_STATE);
	assert_int_equal(e.status, CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY);
	assert_int_equal(e.timeout, 300);
	assert_int_equal(e.tcp_state, CT_TCP_ESTABLISHED);
	assert_tuple(AF_INET, &e.orig, &o);
	assert_tuple(AF_INET, &e.reply, &r);

	expect_entry("ipv4     2 udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=1000 "
		     "dport=80 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 "
		     "mark=0 zone=0 use=2", &e);
	assert_int_equal(e.flags, 0);
	assert_int_equal(e.status, 0);
	assert_tuple(AF_INET, &e.orig, &o);
	assert_tuple(AF_INET, &e.reply, &r);
}

/* mark= in decimal, as conntrack -L and /proc print it; one that does not read stays 0. */
static void test_mark(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " mark=16 zone=7 use=1", &e);
	assert_int_equal(e.mark, 16);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " mark=4294967295 use=1", &e);
	assert_int_equal(e.mark, UINT32_MAX);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " mark=4294967296 use=1", &e);
	assert_int_equal(e.mark, 0);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " mark=0x10 use=1", &e);
	assert_int_equal(e.mark, 0);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " use=1", &e);
	assert_int_equal(e.mark, 0);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " mark=5 mark=6", &e);
	assert_int_equal(e.mark, 5);
}

static void test_zone(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " mark=0 zone=7 use=1", &e);
	assert_int_equal(e.zone, 7);
	expect_entry("ipv4 2 " BASE_HEAD BASE_ORIG " zone-orig=3 " BASE_REPLY
		     " zone-reply=4 mark=0 zone=65535 use=2", &e);
	assert_int_equal(e.zone, 65535);
	assert_int_equal(e.flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY),
			 CT_F_ZONE_ORIG | CT_F_ZONE_REPLY);
	assert_int_equal(e.orig.sport, 1000);
	assert_int_equal(e.reply.sport, 80);
	/* The kernel's directional zones (as conntrack -E printed them). */
	expect_entry(BASE_HEAD BASE_ORIG " zone-orig=5 " BASE_REPLY " id=69802208", &e);
	assert_int_equal(e.zone, 5);
	assert_int_equal(e.flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), CT_F_ZONE_ORIG);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone-reply=6", &e);
	assert_int_equal(e.zone, 6);
	assert_int_equal(e.flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), CT_F_ZONE_REPLY);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone-reply=6 zone-orig=2", &e);
	assert_int_equal(e.zone, 2);
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone=7", &e);
	assert_int_equal(e.flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), 0);
	expect_result(BASE_HEAD BASE_ORIG " zone-orig=1 " BASE_REPLY " zone-orig=1",
		      CT_TEXT_MALFORMED);
	expect_result(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone-reply=70000", CT_TEXT_MALFORMED);
	expect_result(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone=65536", CT_TEXT_MALFORMED);
	expect_result(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone=", CT_TEXT_MALFORMED);
	expect_result(BASE_HEAD BASE_ORIG " " BASE_REPLY " zone=1 zone=1", CT_TEXT_MALFORMED);
}

static void test_offload(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " [OFFLOAD] mark=0 use=1", &e);
	assert_int_equal(e.status, CT_STATUS_OFFLOAD | CT_STATUS_SEEN_REPLY);
	assert_int_equal(e.timeout, 10);

	expect_entry(BASE_HEAD BASE_ORIG " " BASE_REPLY " [HW_OFFLOAD] mark=0 use=1", &e);
	assert_int_equal(e.status, CT_STATUS_OFFLOAD | CT_STATUS_SEEN_REPLY);

	/* The kernel leaves the timeout out of /proc for offloaded entries. */
	expect_entry("ipv4     2 tcp      6 ESTABLISHED " BASE_ORIG " " BASE_REPLY
		     " [OFFLOAD] mark=0 zone=0 use=3", &e);
	assert_int_equal(e.status, CT_STATUS_OFFLOAD | CT_STATUS_SEEN_REPLY);
	assert_int_equal(e.timeout, 0);
	assert_int_equal(e.tcp_state, CT_TCP_ESTABLISHED);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);

	/* Without [OFFLOAD] a missing timeout is a broken line. */
	expect_result("ipv4 2 tcp 6 ESTABLISHED " BASE_ORIG " " BASE_REPLY " [ASSURED]",
		      CT_TEXT_MALFORMED);
	expect_result("udp 17 " BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
}

static void test_icmp(void **state)
{
	struct ct_entry e;

	(void)state;
	/* conntrack -L -o extended,id: the tuple's id= and the conntrack id=. */
	expect_entry("ipv4     2 icmp     1 29 src=10.200.0.1 dst=10.200.0.2 type=8 code=0 "
		     "id=77 packets=1 bytes=84 src=10.200.0.2 dst=10.200.0.1 type=0 code=0 "
		     "id=77 packets=1 bytes=84 mark=0 delta-time=0 [start=Thu Nov 26 "
		     "23:07:19 2026] use=1 id=561507276", &e);
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.proto, IPPROTO_ICMP);
	assert_int_equal(e.timeout, 29);
	assert_int_equal(e.flags, CT_F_COUNTERS | CT_F_ID);
	assert_int_equal(e.id, 561507276u);
	assert_int_equal(e.status, CT_STATUS_SEEN_REPLY);
	assert_addr(AF_INET, &e.orig.src, "10.200.0.1");
	assert_addr(AF_INET, &e.reply.src, "10.200.0.2");
	/* The echo id as sport, type and code as dport (ct.h). */
	assert_int_equal(e.orig.sport, 77);
	assert_int_equal(e.orig.dport, CT_ICMP_TC(8, 0));
	assert_int_equal(e.reply.sport, 77);
	assert_int_equal(e.reply.dport, CT_ICMP_TC(0, 0));
	assert_int_equal(e.orig.packets, 1);
	assert_int_equal(e.reply.bytes, 84);

	/* conntrack -L: no conntrack id at all. */
	expect_entry("icmp     1 29 src=10.200.0.1 dst=10.200.0.2 type=8 code=0 id=77 "
		     "packets=0 bytes=0 src=10.200.0.2 dst=10.200.0.1 type=0 code=0 id=77 "
		     "packets=0 bytes=0 mark=0 delta-time=0 use=1", &e);
	assert_int_equal(e.flags, CT_F_COUNTERS);
	assert_int_equal(e.id, 0);

	/* /proc, ICMPv6, unreplied. */
	expect_entry("ipv6     10 icmpv6   58 26 src=fd00:0200:0000:0000:0000:0000:0000:0001 "
		     "dst=fd00:0200:0000:0000:0000:0000:0000:0002 type=128 code=0 id=78 "
		     "packets=0 bytes=0 [UNREPLIED] "
		     "src=fd00:0200:0000:0000:0000:0000:0000:0002 "
		     "dst=fd00:0200:0000:0000:0000:0000:0000:0001 type=129 code=0 id=78 "
		     "packets=0 bytes=0 mark=0 zone=0 delta-time=3 use=2", &e);
	assert_int_equal(e.family, AF_INET6);
	assert_int_equal(e.proto, IPPROTO_ICMPV6);
	assert_int_equal(e.status, 0);
	assert_int_equal(e.flags, CT_F_COUNTERS);
	assert_addr(AF_INET6, &e.orig.src, "fd00:200::1");
	assert_addr(AF_INET6, &e.orig.dst, "fd00:200::2");
	assert_addr(AF_INET6, &e.reply.src, "fd00:200::2");
	assert_addr(AF_INET6, &e.reply.dst, "fd00:200::1");
	assert_int_equal(e.orig.sport, 78);
	assert_int_equal(e.orig.dport, CT_ICMP_TC(128, 0));
	assert_int_equal(e.reply.dport, CT_ICMP_TC(129, 0));

	/* A destination unreachable with a code, any order of the keys. */
	expect_entry("icmp 1 29 src=10.0.0.1 dst=10.0.0.2 code=3 type=3 id=9 "
		     "src=10.0.0.2 dst=10.0.0.1 id=9 type=3 code=3", &e);
	assert_int_equal(e.orig.dport, CT_ICMP_TC(3, 3));
	assert_int_equal(CT_ICMP_TYPE(e.reply.dport), 3);
	assert_int_equal(CT_ICMP_CODE(e.reply.dport), 3);
	assert_int_equal(e.orig.sport, 9);

	expect_result("icmp 1 29 src=10.0.0.1 dst=10.0.0.2 type=256 code=0 id=1 "
		      "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1", CT_TEXT_MALFORMED);
	expect_result("icmp 1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=65536 "
		      "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1", CT_TEXT_MALFORMED);
}

static void test_other_protos(void **state)
{
	struct ct_entry e;

	(void)state;
	/* SCTP has a state word: SCTP's, not a TCP state. */
	expect_entry("sctp     132 26 ESTABLISHED src=10.200.0.1 dst=10.200.0.2 sport=5000 "
		     "dport=6000 packets=0 bytes=0 [UNREPLIED] src=10.200.0.2 "
		     "dst=10.200.0.1 sport=6000 dport=5000 packets=0 bytes=0 mark=0 "
		     "delta-time=4 use=1", &e);
	assert_int_equal(e.proto, IPPROTO_SCTP);
	assert_int_equal(e.flags, CT_F_COUNTERS | CT_F_STATE);
	assert_int_equal(e.tcp_state, 0);
	assert_int_equal(e.state, CT_SCTP_ESTABLISHED);
	assert_false(ct_entry_ended(&e));
	assert_int_equal(e.orig.sport, 5000);
	assert_int_equal(e.reply.dport, 5000);
	/* SHUTDOWN_* and CLOSED have ended; a word of a newer kernel stays unknown. */
	expect_entry("sctp 132 3 SHUTDOWN_ACK_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", &e);
	assert_int_equal(e.state, CT_SCTP_SHUTDOWN_ACK_SENT);
	assert_true(ct_entry_ended(&e));
	expect_entry("sctp 132 3 CLOSED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", &e);
	assert_true(ct_entry_ended(&e));
	expect_entry("sctp 132 3 SOMETHING_NEW src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", &e);
	assert_false(e.flags & CT_F_STATE);
	assert_int_equal(e.state, 0);
	assert_false(ct_entry_ended(&e));
	/* DCCP's state words: OPEN is open, TIMEWAIT has ended. */
	expect_entry("dccp 33 3 OPEN src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED]", &e);
	assert_int_equal(e.state, CT_DCCP_OPEN);
	assert_int_equal(e.flags, CT_F_STATE);
	assert_false(ct_entry_ended(&e));
	expect_entry("dccp 33 3 TIMEWAIT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", &e);
	assert_int_equal(e.state, CT_DCCP_TIMEWAIT);
	assert_true(ct_entry_ended(&e));

	/* conntrack -L prints DCCP without a state word on kernels without DCCP. */
	expect_entry("dccp     33 26 src=10.200.0.1 dst=10.200.0.2 sport=0 dport=0 "
		     "packets=0 bytes=0 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=0 "
		     "dport=0 packets=0 bytes=0 mark=0 delta-time=4 use=1", &e);
	assert_int_equal(e.proto, IPPROTO_DCCP);
	assert_int_equal(e.timeout, 26);

	expect_entry("ipv4     2 udplite  136 29 src=10.200.0.1 dst=10.200.0.2 sport=5000 "
		     "dport=6000 packets=0 bytes=0 [UNREPLIED] src=10.200.0.2 "
		     "dst=10.200.0.1 sport=6000 dport=5000 packets=0 bytes=0 mark=0 "
		     "zone=0 delta-time=0 use=2", &e);
	assert_int_equal(e.proto, IPPROTO_UDPLITE);
	assert_int_equal(e.reply.sport, 6000);

	/* GRE in /proc: its own "timeout=0, stream_timeout=0" before the tuples. */
	expect_entry("ipv4     2 gre      47 29 timeout=0, stream_timeout=0 "
		     "src=10.200.0.1 dst=10.200.0.2 srckey=0x1 dstkey=0x2 packets=0 "
		     "bytes=0 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 srckey=0x2 "
		     "dstkey=0x1 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2", &e);
	assert_int_equal(e.proto, IPPROTO_GRE);
	assert_int_equal(e.timeout, 29);
	/* GRE's keys as ports (ct.h). */
	assert_int_equal(e.orig.sport, 1);
	assert_int_equal(e.orig.dport, 2);
	assert_int_equal(e.reply.sport, 2);
	assert_int_equal(e.reply.dport, 1);
	assert_addr(AF_INET, &e.reply.dst, "10.200.0.1");
	/* conntrack -L's GRE line, keys in hex up to 0xffff. */
	expect_entry("gre 47 29 src=10.0.0.1 dst=10.0.0.2 srckey=0xffff dstkey=0xA0 "
		     "src=10.0.0.2 dst=10.0.0.1 srckey=0xa0 dstkey=0xffff", &e);
	assert_int_equal(e.orig.sport, 0xffff);
	assert_int_equal(e.orig.dport, 0xa0);
	expect_result("gre 47 29 src=10.0.0.1 dst=10.0.0.2 srckey=0x10000 dstkey=0x0 "
		      "src=10.0.0.2 dst=10.0.0.1 srckey=0x0 dstkey=0x0", CT_TEXT_MALFORMED);
	expect_result("gre 47 29 src=10.0.0.1 dst=10.0.0.2 srckey=0xg dstkey=0x0 "
		      "src=10.0.0.2 dst=10.0.0.1 srckey=0x0 dstkey=0x0", CT_TEXT_MALFORMED);
	/* Keys on another protocol are checked, not kept. */
	expect_entry("unknown 99 29 src=10.0.0.1 dst=10.0.0.2 srckey=0x5 dstkey=0x6 "
		     "src=10.0.0.2 dst=10.0.0.1 srckey=0x6 dstkey=0x5", &e);
	assert_int_equal(e.orig.sport, 0);
	assert_int_equal(e.orig.dport, 0);

	expect_entry("unknown  99 29 src=10.200.0.1 dst=10.200.0.2 packets=0 bytes=0 "
		     "[UNREPLIED] src=10.200.0.2 dst=10.200.0.1 packets=0 bytes=0 mark=0 "
		     "delta-time=0 use=1", &e);
	assert_int_equal(e.proto, 99);
	assert_int_equal(e.status, 0);
	/* Ports on a protocol without them are checked, then dropped (ct.h:
	 * a port-less protocol's ports are 0), so no flow is split by them. */
	expect_entry("unknown  99 29 src=10.200.0.1 dst=10.200.0.2 sport=1234 dport=5678 "
		     "packets=0 bytes=0 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=5678 "
		     "dport=1234 packets=0 bytes=0 mark=0 delta-time=0 use=1", &e);
	assert_int_equal(e.proto, 99);
	assert_int_equal(e.orig.sport, 0);
	assert_int_equal(e.orig.dport, 0);
	assert_int_equal(e.reply.sport, 0);
	assert_int_equal(e.reply.dport, 0);
	expect_result("unknown 99 29 src=10.0.0.1 dst=10.0.0.2 sport=70000 dport=1 "
		      "src=10.0.0.2 dst=10.0.0.1", CT_TEXT_MALFORMED);

	expect_result("unknown 256 29 src=10.0.0.1 dst=10.0.0.2 src=10.0.0.2 dst=10.0.0.1",
		      CT_TEXT_MALFORMED);
	expect_result("bogus 6 29 " BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
	/* UDP has no state word: a bare word there is an error. */
	expect_result("udp 17 29 ESTABLISHED " BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
	/* SCTP without ports. */
	expect_result("sctp 132 29 src=10.0.0.1 dst=10.0.0.2 src=10.0.0.2 dst=10.0.0.1",
		      CT_TEXT_MALFORMED);
}

static void test_whitespace(void **state)
{
	struct ct_entry e;
	char line[512];

	(void)state;
	snprintf(line, sizeof line, "%s\r", L_TCP4);
	expect_entry(line, &e);
	assert_tcp4(&e);

	snprintf(line, sizeof line, "%s\r\n", P_TCP6);
	expect_entry(line, &e);
	assert_tcp6(&e);

	expect_entry("\ttcp\t6\t119\tTIME_WAIT\tsrc=10.200.0.1 \t dst=10.200.0.2\t\tsport=55482"
		     " dport=3306 packets=7 bytes=10372\tsrc=10.200.0.2 dst=10.200.0.1 "
		     "sport=3306 dport=55482 packets=5 bytes=268\t[ASSURED]\tmark=0 use=1 \t",
		     &e);
	assert_tcp4(&e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);
}

static void test_ignored(void **state)
{
	(void)state;

	expect_result(TRAILER, CT_TEXT_IGNORED);
	expect_result("conntrack v1.4.7 (conntrack-tools): 3 flow events have been shown.",
		      CT_TEXT_IGNORED);
	expect_result("", CT_TEXT_IGNORED);
	expect_result("   \t  ", CT_TEXT_IGNORED);
	expect_result("\r", CT_TEXT_IGNORED);
	expect_result(" \t\r", CT_TEXT_IGNORED);
}

static void test_events(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry("    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1000 "
		     "dport=80 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000", &e);
	assert_int_equal(e.proto, IPPROTO_TCP);
	assert_int_equal(e.tcp_state, CT_TCP_SYN_SENT);
	assert_int_equal(e.timeout, 120);
	assert_int_equal(e.status, 0);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_EVENT);
	assert_int_equal(e.orig.sport, 1000);
	assert_int_equal(e.reply.sport, 80);

	expect_entry(" [UPDATE] tcp      6 60 SYN_RECV src=10.0.0.1 dst=10.0.0.2 sport=1000 "
		     "dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 mark=0", &e);
	assert_int_equal(e.tcp_state, CT_TCP_SYN_RECV);
	assert_int_equal(e.status, CT_STATUS_SEEN_REPLY);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_EVENT);

	/* conntrack -E -o timestamp,id, as captured. */
	expect_entry("[1795734445.960503]\t    [NEW] sctp     132 30 ESTABLISHED "
		     "src=10.200.0.1 dst=10.200.0.2 sport=5000 dport=6000 [UNREPLIED] "
		     "src=10.200.0.2 dst=10.200.0.1 sport=6000 dport=5000 mark=0 "
		     "id=1155629631 [USERSPACE] portid=3258", &e);
	assert_int_equal(e.proto, IPPROTO_SCTP);
	assert_int_equal(e.id, 1155629631u);
	assert_int_equal(e.flags, CT_F_ID | CT_F_EVENT | CT_F_STATE);
	assert_int_equal(e.state, CT_SCTP_ESTABLISHED);

	/* [DESTROY] was ignored; it is the connection's last word now. */
	expect_entry("[DESTROY] " BASE_HEAD BASE_ORIG " " BASE_REPLY, &e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_EVENT | CT_F_DESTROYED);
	assert_int_equal(e.orig.bytes, 60);
	assert_int_equal(e.reply.bytes, 120);
	expect_entry("    [DESTROY] udp 17 28 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", &e);
	assert_int_equal(e.flags, CT_F_EVENT | CT_F_DESTROYED);
	assert_int_equal(e.proto, IPPROTO_UDP);
	/* As captured from conntrack v1.4.7 -E -o id,timestamp. */
	expect_entry("[1796007651.911236]\t[DESTROY] tcp      6 118 TIME_WAIT src=127.0.0.1 "
		     "dst=127.0.0.1 sport=34620 dport=7001 zone-orig=5 packets=5 bytes=3268 "
		     "src=127.0.0.1 dst=127.0.0.1 sport=7001 dport=34620 packets=3 bytes=164 "
		     "[ASSURED] delta-time=1 id=69802208 [USERSPACE] portid=3765980674 "
		     "progname=conntrack", &e);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_ID | CT_F_EVENT |
			 CT_F_DESTROYED | CT_F_ZONE_ORIG);
	assert_int_equal(e.zone, 5);
	assert_int_equal(e.id, 69802208u);
	assert_int_equal(e.tcp_state, CT_TCP_TIME_WAIT);
	assert_int_equal(e.orig.bytes, 3268);
	assert_int_equal(e.reply.packets, 3);
	/* A time stamp alone is a table line; the kind once, after the stamp. */
	expect_entry("[1796007651.911236] " BASE_HEAD BASE_ORIG " " BASE_REPLY, &e);
	assert_int_equal(e.flags & CT_F_EVENT, 0);
	expect_result("[NEW] [UPDATE] " BASE_HEAD BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
	expect_result("[DESTROY] [NEW] " BASE_HEAD BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
	expect_result("[NEW] [1796007651.911236] " BASE_HEAD BASE_ORIG " " BASE_REPLY,
		      CT_TEXT_MALFORMED);

	expect_result("[NEW]", CT_TEXT_MALFORMED);
	expect_result("[BOGUS] " BASE_HEAD BASE_ORIG " " BASE_REPLY, CT_TEXT_MALFORMED);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		/* truncated */
		"tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=",
		"tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=55482 dport=3306 "
		"packets=7 bytes=10372 src=10.200.0.2 dst=10.200.0.1 sport=",
		"tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=55482 dport=3306 "
		"packets=7 bytes=10372 src=10.200.0.2 dst=10.200.0.1 sport=3306 dport=",
		"tcp      6 119 TIME_WAIT src=10.200.0.1 dst=10.200.",
		"tcp      6 119 TIME_WAIT",
		"tcp      6 119",
		"tcp      6",
		"tcp",
		"ipv4     2",
		"ipv4",
		/* missing reply tuple */
		"udp      17 29 src=10.200.0.1 dst=10.200.0.2 sport=57108 dport=53 packets=1 "
		"bytes=31 [UNREPLIED] mark=0 use=1",
		/* tuple missing a key */
		BASE_HEAD "src=10.0.0.1 sport=1 dport=2 " BASE_REPLY,
		BASE_HEAD BASE_ORIG " src=10.0.0.2 dst=10.0.0.1 sport=80",
		BASE_HEAD "dst=10.0.0.2 src=10.0.0.1 sport=1 dport=2 " BASE_REPLY,
		/* out of range */
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=65536 dport=80 " BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=99999 " BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 packets=18446744073709551616 "
		BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 bytes=18446744073709551620 "
		BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 bytes=99999999999999999999 "
		BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 bytes=184467440737095516150 "
		BASE_REPLY,
		"tcp 6 4294967296 ESTABLISHED " BASE_ORIG " " BASE_REPLY,
		/* bad addresses */
		BASE_HEAD "src=10.0.0.256 dst=10.0.0.2 sport=1 dport=80 " BASE_REPLY,
		BASE_HEAD "src=10.0.0 dst=10.0.0.2 sport=1 dport=80 " BASE_REPLY,
		"tcp 6 10 ESTABLISHED src=fd00:200: dst=fd00:200::1 sport=1 dport=2 "
		"src=fd00:200::1 dst=fd00:200::2 sport=2 dport=1",
		"tcp 6 10 ESTABLISHED src=fd00:200::2 dst=fd00:0200:0000:0000:0000:0000:0000 "
		"sport=1 dport=2 src=fd00:200::1 dst=fd00:200::2 sport=2 dport=1",
		/* duplicate key in one tuple, third tuple */
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 sport=1 dport=80 " BASE_REPLY,
		BASE_HEAD BASE_ORIG " " BASE_REPLY " dst=10.0.0.1",
		BASE_HEAD BASE_ORIG " packets=1 " BASE_REPLY,
		BASE_HEAD BASE_ORIG " " BASE_REPLY " " BASE_REPLY,
		BASE_HEAD BASE_ORIG " " BASE_REPLY " id=1 id=2",
		/* not numbers */
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 packets=12a " BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 packets=-1 " BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 packets=+1 " BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 bytes= " BASE_REPLY,
		BASE_HEAD "src=10.0.0.1 dst=10.0.0.2 sport=0x10 dport=80 " BASE_REPLY,
		"tcp 6 1e3 ESTABLISHED " BASE_ORIG " " BASE_REPLY,
		"tcp six 10 ESTABLISHED " BASE_ORIG " " BASE_REPLY,
		/* protocol and family mismatches */
		"tcp 17 10 ESTABLISHED " BASE_ORIG " " BASE_REPLY,
		"udp 6 10 " BASE_ORIG " " BASE_REPLY,
		"ipv4 10 tcp 6 10 ESTABLISHED " BASE_ORIG " " BASE_REPLY,
		"ipv6 2 tcp 6 10 ESTABLISHED " BASE_ORIG " " BASE_REPLY,
		"ipv4     2 tcp      6 119 TIME_WAIT src=fd00:200::2 dst=fd00:200::1 sport=1 "
		"dport=80 src=fd00:200::1 dst=fd00:200::2 sport=80 dport=1",
		"ipv6     10 " BASE_HEAD BASE_ORIG " " BASE_REPLY,
		BASE_HEAD BASE_ORIG " src=fd00::2 dst=fd00::1 sport=80 dport=1000",
		BASE_HEAD "src=10.0.0.1 dst=fd00::2 sport=1000 dport=80 " BASE_REPLY,
		/* a bare word where a key is expected */
		BASE_HEAD BASE_ORIG " garbage " BASE_REPLY,
		BASE_HEAD BASE_ORIG " " BASE_REPLY " [ASSURED",
		BASE_HEAD BASE_ORIG " " BASE_REPLY " [start=Thu Nov 26",
		BASE_HEAD BASE_ORIG " " BASE_REPLY " =5",
		"conntrack is not a protocol",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_result(bad[i], CT_TEXT_MALFORMED);
}

static void test_limits(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry("tcp 6 4294967295 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=65535 "
		     "dport=0 packets=18446744073709551615 bytes=0018446744073709551615 "
		     "src=10.0.0.2 dst=10.0.0.1 sport=0 dport=65535 packets=0 bytes=1", &e);
	assert_int_equal(e.timeout, UINT32_MAX);
	assert_int_equal(e.orig.sport, 65535);
	assert_int_equal(e.orig.dport, 0);
	assert_int_equal(e.orig.packets, UINT64_MAX);
	assert_int_equal(e.orig.bytes, UINT64_MAX);
	assert_int_equal(e.reply.packets, 0);
	assert_int_equal(e.reply.bytes, 1);
	assert_int_equal(e.reply.dport, 65535);
}

/* Unknown keys and flags are ignored wherever they are. */
static void test_unknown_keys(void **state)
{
	struct ct_entry e;

	(void)state;
	expect_entry(BASE_HEAD "foo=bar " BASE_ORIG " [SOMETHING] secctx=system_u:object_r:x "
		     BASE_REPLY " [ASSURED] [] mark= use=1 labels=0x1 delta-time=5 "
		     "[stop=Thu Nov 26 23:07:19 2026] x=", &e);
	assert_int_equal(e.status, CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY);
	assert_int_equal(e.flags, CT_F_STATE | CT_F_COUNTERS);
	assert_int_equal(e.orig.sport, 1000);
	assert_int_equal(e.reply.bytes, 120);
}

static void test_binary(void **state)
{
	static const char nul[] = "tcp 6 10 ESTABLISHED src=10.0.0.1\0 dst=10.0.0.2";
	char line[512];
	size_t n;

	(void)state;
	expect_result_len(nul, sizeof nul - 1, CT_TEXT_BINARY);
	expect_result_len("\0", 1, CT_TEXT_BINARY);

	n = (size_t)snprintf(line, sizeof line, "%s", L_TCP4);
	line[20] = 0x1b;
	expect_result_len(line, n, CT_TEXT_BINARY);
	line[20] = 0x7f;
	expect_result_len(line, n, CT_TEXT_BINARY);
	line[20] = (char)0xc3;
	expect_result_len(line, n, CT_TEXT_BINARY);
	line[20] = '\v';
	expect_result_len(line, n, CT_TEXT_BINARY);
	line[20] = '\n';
	expect_result_len(line, n, CT_TEXT_BINARY);
	/* Even where the line would be ignored. */
	expect_result_len("   \x01  ", 6, CT_TEXT_BINARY);
}

/*
 * The parser reads common address forms itself: whatever the form, its
 * verdict and bytes must be inet_pton()'s.
 */
static int check_addr_form(const char *a)
{
	struct ct_addr want;
	struct ct_entry e;
	char line[512];
	int family = strchr(a, ':') ? AF_INET6 : AF_INET;
	int ok;

	memset(&want, 0, sizeof want);
	ok = inet_pton(family, a, want.b) == 1;
	snprintf(line, sizeof line, "tcp 6 10 CLOSE src=%s dst=%s sport=1 dport=2 "
		 "src=%s dst=%s sport=2 dport=1", a, a, a, a);
	if (ct_text_parse_line(line, strlen(line), &e) != (ok ? CT_TEXT_ENTRY : CT_TEXT_MALFORMED))
		fail_msg("address \"%s\": inet_pton says %s", a, ok ? "valid" : "invalid");
	if (!ok)
		return 0;
	assert_int_equal(e.family, family);
	assert_memory_equal(e.orig.src.b, want.b, 16);
	assert_memory_equal(e.orig.dst.b, want.b, 16);
	assert_memory_equal(e.reply.src.b, want.b, 16);
	assert_memory_equal(e.reply.dst.b, want.b, 16);
	return family;
}

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* A decimal number of 1-4 digits, mostly 1-3 and often below 300. */
static size_t random_octet(char *a, unsigned *seed)
{
	unsigned digits = rnd(seed, 8) == 0 ? 4 : 1 + rnd(seed, 3);

	for (unsigned d = 0; d < digits; d++) {
		unsigned v = d == 0 && rnd(seed, 2) ? 1 + rnd(seed, 2) : rnd(seed, 10);

		a[d] = (char)('0' + v);
	}
	return digits;
}

/* Near-misses of both families: wrong digit counts, part counts, separators. */
static void random_addr(char *a, unsigned *seed)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t n = 0;

	if (rnd(seed, 2)) {
		unsigned parts = rnd(seed, 2) ? 4 : 3 + rnd(seed, 3);

		for (unsigned p = 0; p < parts; p++) {
			if (p)
				a[n++] = '.';
			n += random_octet(a + n, seed);
		}
	} else {
		unsigned groups = 1 + rnd(seed, 9);

		if (rnd(seed, 8) == 0)
			a[n++] = ':';
		for (unsigned g = 0; g < groups; g++) {
			/* 0 digits makes a "::"; 5 is one too many */
			unsigned digits = rnd(seed, 10) == 0 ? 0 :
					  rnd(seed, 12) == 0 ? 5 : 1 + rnd(seed, 4);

			if (g)
				a[n++] = ':';
			for (unsigned d = 0; d < digits; d++)
				a[n++] = hex[rnd(seed, sizeof hex - 1)];
		}
		if (rnd(seed, 8) == 0)
			a[n++] = ':';
		if (rnd(seed, 10) == 0) {
			/* an embedded IPv4 tail */
			for (unsigned p = 0; p < 4; p++) {
				a[n++] = p ? '.' : ':';
				n += random_octet(a + n, seed);
			}
		}
	}
	if (rnd(seed, 20) == 0)
		a[n++] = "x.:g"[rnd(seed, 4)];
	a[n] = '\0';
}

static void test_addr_forms(void **state)
{
	static const char *const forms[] = {
		"0.0.0.0", "255.255.255.255", "1.2.3.4", "10.200.0.1", "01.2.3.4",
		"1.2.3.04", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", ".1.2.3",
		"1.2.3.", "1234.1.1.1", "1.2.3.4a", "::", "::1", "1::", "1::2",
		"fd00:200::2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1:2:3:4:5:6::8", "1:2:3:4:5::8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
		"12345::1", "1:::2", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:",
		"::ffff:10.0.0.1", "::10.0.0.1", "1:2:3:4:5:6:1.2.3.4",
		"FD00:0200:0000:0000:0000:0000:0000:0002",
		"fd00:0200:0000:0000:0000:0000:0000:0002",
		"fd00:0200:0000:0000:0000:0000:0000:000g", "g::1", "0:0:0:0:0:0:0:0",
		"abcd:ef01:2345:6789:abcd:ef01:2345:6789", ":", ":::", "1:", "1.2.3.4:5",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0000::0000", "00000::1",
	};
	char a[128];
	unsigned seed = 12345;
	unsigned valid4 = 0, valid6 = 0, invalid = 0;

	(void)state;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		check_addr_form(forms[i]);
	for (int i = 0; i < 100000; i++) {
		random_addr(a, &seed);
		switch (check_addr_form(a)) {
		case AF_INET:
			valid4++;
			break;
		case AF_INET6:
			valid6++;
			break;
		default:
			invalid++;
		}
	}
	/* The generator must hit both sides of both parsers. */
	assert_true(valid4 > 3000);
	assert_true(valid6 > 3000);
	assert_true(invalid > 30000);
}

/* The entry is wholly rewritten, whatever it held. */
static void test_initialises(void **state)
{
	struct ct_entry e, ref;

	(void)state;
	memset(&ref, 0, sizeof ref);
	expect_entry(L_UDP4, &ref);
	memset(&e, 0xa5, sizeof e);
	expect_entry(L_UDP4, &e);
	assert_memory_equal(&e, &ref, sizeof e);
}

/* ---- ct_text_read_fd ---- */

#define MAX_SEEN 16

struct collect {
	struct ct_entry e[MAX_SEEN];
	unsigned n;
	unsigned calls;
	unsigned stop_at;	/* fail the call with this number (1-based), 0: never */
};

static int collect_add(const struct ct_entry *e, void *arg)
{
	struct collect *c = arg;

	c->calls++;
	if (c->stop_at && c->calls == c->stop_at) {
		errno = ECANCELED;
		return -1;
	}
	if (c->n < MAX_SEEN)
		c->e[c->n++] = *e;
	return 0;
}

struct buf {
	char *p;
	size_t len;
};

static void buf_add(struct buf *b, const char *s, size_t len)
{
	b->p = realloc(b->p, b->len + len);
	assert_non_null(b->p);
	memcpy(b->p + b->len, s, len);
	b->len += len;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fill(struct buf *b, char c, size_t len)
{
	b->p = realloc(b->p, b->len + len);
	assert_non_null(b->p);
	memset(b->p + b->len, c, len);
	b->len += len;
}

/* A valid entry line of exactly len bytes, sport=port, padded with a key we ignore. */
static void buf_line_of(struct buf *b, unsigned port, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof head, "tcp 6 10 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 "
			 "sport=%u dport=80 " BASE_REPLY " pad=", port);

	assert_true(n > 0 && (size_t)n < len);
	buf_add(b, head, (size_t)n);
	buf_fill(b, 'p', len - (size_t)n);
}

/* An unlinked temporary file holding the bytes, positioned at 0. */
static int file_of(const struct buf *b)
{
	char path[] = "/tmp/test_ct_text.XXXXXX";
	int fd = mkstemp(path);
	size_t off = 0;

	assert_true(fd >= 0);
	unlink(path);
	while (off < b->len) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/*
 * A socket fed by a child in chunk-sized records.  SOCK_SEQPACKET hands each
 * record to exactly one read(), so where lines straddle reads is fixed.
 */
static int stream_of(const struct buf *b, size_t chunk, pid_t *child)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	*child = fork();
	assert_true(*child >= 0);
	if (*child == 0) {
		size_t off = 0;

		close(sv[0]);
		while (off < b->len) {
			size_t len = b->len - off < chunk ? b->len - off : chunk;

			if (write(sv[1], b->p + off, len) != (ssize_t)len)
				_exit(1);
			off += len;
		}
		_exit(0);
	}
	close(sv[1]);
	return sv[0];
}

/* The same, one record per buffer. */
static int records_of(const struct buf *recs, size_t n, pid_t *child)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	*child = fork();
	assert_true(*child >= 0);
	if (*child == 0) {
		close(sv[0]);
		for (size_t i = 0; i < n; i++) {
			if (write(sv[1], recs[i].p, recs[i].len) != (ssize_t)recs[i].len)
				_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	return sv[0];
}

static void reap(pid_t child)
{
	int status;

	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * 1 good, 2 blank, 3 malformed, 4 1 MB line, 5 good (CRLF), 6 binary,
 * 7 trailer, 8 LINE_MAX + 1 bytes, 9 exactly LINE_MAX bytes (good),
 * 10 exactly LINE_MAX bytes plus CRLF (good), 11 good without newline.
 */
static void mixed_input(struct buf *b)
{
	buf_str(b, L_TCP4);
	buf_str(b, "\n\n");
	buf_str(b, "tcp 6 119 TIME_WAIT src=10.200.0.1 dst=10.200.0.2 sport=\n");
	buf_str(b, "tcp 6 10 ESTABLISHED ");
	buf_fill(b, 'x', 1024 * 1024);
	buf_str(b, "\n");
	buf_str(b, L_TCP6);
	buf_str(b, "\r\n");
	buf_str(b, "tcp 6 10 \x1b[31m\n");
	buf_str(b, TRAILER);
	buf_str(b, "\n");
	buf_line_of(b, 1, CT_TEXT_LINE_MAX + 1);
	buf_str(b, "\n");
	buf_line_of(b, 2, CT_TEXT_LINE_MAX);
	buf_str(b, "\n");
	buf_line_of(b, 3, CT_TEXT_LINE_MAX);
	buf_str(b, "\r\n");
	buf_str(b, L_UDP4);
}

static void check_mixed(const struct collect *c, const struct ct_text_stats *st)
{
	assert_int_equal(st->lines, 11);
	assert_int_equal(st->entries, 5);
	assert_int_equal(st->ignored, 2);
	assert_int_equal(st->malformed, 1);
	assert_int_equal(st->binary, 1);
	assert_int_equal(st->overlong, 2);
	assert_int_equal(st->first_bad, 3);
	assert_int_equal(ct_text_skipped(st), 4);

	assert_int_equal(c->n, 5);
	assert_tcp4(&c->e[0]);
	assert_tcp6(&c->e[1]);
	assert_int_equal(c->e[2].orig.sport, 2);
	assert_int_equal(c->e[3].orig.sport, 3);
	assert_int_equal(c->e[4].proto, IPPROTO_UDP);
	assert_int_equal(c->e[4].orig.sport, 57108);
}

static void test_read_file(void **state)
{
	struct buf b = { NULL, 0 };
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	int fd;

	(void)state;
	mixed_input(&b);
	fd = file_of(&b);
	assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
	close(fd);
	check_mixed(&c, &st);
	free(b.p);
}

static void test_read_chunked(void **state)
{
	static const size_t chunks[] = { 1, 7, 4093, 65537 };
	struct buf b = { NULL, 0 };
	struct buf small = { NULL, 0 };

	(void)state;
	mixed_input(&b);
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		struct collect c = { .n = 0 };
		struct ct_sink sink = { collect_add, NULL, &c };
		struct ct_text_stats st = { 0 };
		/* A record per byte of a 1 MB line would be slow: skip it there. */
		const struct buf *in = &b;
		pid_t child;
		int fd;

		if (chunks[i] == 1) {
			buf_str(&small, L_TCP4);
			buf_str(&small, "\nbad\n\n");
			buf_line_of(&small, 9, CT_TEXT_LINE_MAX + 2);
			buf_str(&small, "\r\n");
			buf_str(&small, L_TCP6);
			in = &small;
		}
		fd = stream_of(in, chunks[i], &child);
		assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
		close(fd);
		reap(child);
		if (in == &b) {
			check_mixed(&c, &st);
			continue;
		}
		assert_int_equal(st.lines, 5);
		assert_int_equal(st.entries, 2);
		assert_int_equal(st.malformed, 1);
		assert_int_equal(st.ignored, 1);
		assert_int_equal(st.overlong, 1);
		assert_int_equal(st.first_bad, 2);
		assert_int_equal(c.n, 2);
		assert_tcp4(&c.e[0]);
		assert_tcp6(&c.e[1]);
	}
	free(b.p);
	free(small.p);
}

/* Lines cut at the edges of the length limit, across reads. */
static void test_read_split(void **state)
{
	struct buf r[7];
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	pid_t child;
	int fd;

	(void)state;
	memset(r, 0, sizeof r);
	/* LINE_MAX bytes and the CR of a CRLF: not over-long yet. */
	buf_line_of(&r[0], 1, CT_TEXT_LINE_MAX);
	buf_str(&r[0], "\r");
	buf_str(&r[1], "\n");
	/* LINE_MAX bytes, then one more: over-long, seen at the newline. */
	buf_line_of(&r[2], 2, CT_TEXT_LINE_MAX);
	buf_str(&r[3], "x\n");
	/* Over-long while still partial; its end comes two reads later. */
	buf_line_of(&r[4], 3, CT_TEXT_LINE_MAX + 2);
	buf_fill(&r[5], 'z', 100);
	buf_str(&r[5], "\n");
	buf_add(&r[5], L_TCP4, 65);	/* a good line cut in the middle of its sport= */
	buf_str(&r[6], L_TCP4 + 65);
	buf_str(&r[6], "\n");

	fd = records_of(r, 7, &child);
	assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
	close(fd);
	reap(child);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.overlong, 2);
	assert_int_equal(st.malformed + st.binary + st.ignored, 0);
	assert_int_equal(st.first_bad, 2);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.e[0].orig.sport, 1);
	assert_tcp4(&c.e[1]);
	for (int i = 0; i < 7; i++)
		free(r[i].p);
}

/* A huge last line without a newline is one over-long line, nothing more. */
static void test_read_overlong_last(void **state)
{
	struct buf b = { NULL, 0 };
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	int fd;

	(void)state;
	buf_str(&b, L_TCP4);
	buf_str(&b, "\n");
	buf_fill(&b, 'y', 3 * 1024 * 1024 + 17);
	fd = file_of(&b);
	assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
	close(fd);
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.overlong, 1);
	assert_int_equal(st.first_bad, 2);
	assert_int_equal(st.malformed + st.binary + st.ignored, 0);
	assert_int_equal(c.n, 1);
	free(b.p);
}

static void test_read_empty(void **state)
{
	struct buf b = { NULL, 0 };
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	int fd = file_of(&b);

	(void)state;
	assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
	close(fd);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.first_bad, 0);
	assert_int_equal(ct_text_skipped(&st), 0);
	assert_int_equal(c.calls, 0);
}

static void test_read_sink_stops(void **state)
{
	struct buf b = { NULL, 0 };
	struct collect c = { .stop_at = 2 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	int fd;

	(void)state;
	for (int i = 0; i < 5; i++) {
		buf_str(&b, L_TCP4);
		buf_str(&b, "\n");
	}
	fd = file_of(&b);
	errno = 0;
	assert_int_equal(ct_text_read_fd(fd, &sink, &st), -1);
	assert_int_equal(errno, ECANCELED);
	close(fd);
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.n, 1);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.lines, 2);
	free(b.p);
}

static void test_read_error(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(ct_text_read_fd(fd, &sink, &st), -1);
	assert_int_equal(errno, EISDIR);
	close(fd);

	errno = 0;
	assert_int_equal(ct_text_read_fd(-1, &sink, &st), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(c.calls, 0);
}

/* ---- a byte-order mark, and an event log's connections ---- */

static void test_read_bom(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 4096 };

	(void)state;
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		struct buf b = { NULL, 0 };
		struct collect c = { .n = 0 };
		struct ct_sink sink = { collect_add, NULL, &c };
		struct ct_text_stats st = { 0 };
		pid_t child;
		int fd;

		buf_str(&b, "\xef\xbb\xbf");
		buf_str(&b, L_TCP4);
		buf_str(&b, "\n\xef\xbb\xbf");	/* only at the start of the input */
		buf_str(&b, L_TCP6);
		buf_str(&b, "\n");
		fd = stream_of(&b, chunks[i], &child);
		assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
		close(fd);
		reap(child);
		assert_int_equal(st.lines, 2);
		assert_int_equal(st.entries, 1);
		assert_int_equal(st.binary, 1);
		assert_int_equal(st.first_bad, 2);
		assert_int_equal(c.n, 1);
		assert_tcp4(&c.e[0]);
		free(b.p);
	}
	/* Part of a mark, and a mark alone, are not. */
	{
		static const char *const in[] = { "\xef\xbb\n", "\xef\n", "\xef\xbb\xbf", "\xef\xbb\xbf\n" };
		static const unsigned binary[] = { 1, 1, 0, 0 };
		static const unsigned ignored[] = { 0, 0, 0, 1 };

		for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
			struct buf b = { NULL, 0 };
			struct collect c = { .n = 0 };
			struct ct_sink sink = { collect_add, NULL, &c };
			struct ct_text_stats st = { 0 };
			int fd;

			buf_str(&b, in[i]);
			fd = file_of(&b);
			assert_int_equal(ct_text_read_fd(fd, &sink, &st), 0);
			close(fd);
			assert_int_equal(st.binary, binary[i]);
			assert_int_equal(st.ignored, ignored[i]);
			assert_int_equal(st.entries, 0);
			free(b.p);
		}
	}
}

/* The tuple 10.0.0.1:1000 -> 10.0.0.2:80 with its reply; ext is put after the original tuple. */
#define EV_ORIG "src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80"
#define EV_REPLY "src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000"

static void hist_line(struct ct_text_history *h, const char *line)
{
	struct ct_entry e;
	struct ct_sink s = ct_text_history_sink(h);

	if (ct_text_parse_line(line, strlen(line), &e) != CT_TEXT_ENTRY)
		fail_msg("line \"%s\" does not parse", line);
	assert_int_equal(s.add(&e, s.arg), 0);
}

static void test_history_one_connection(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_history *h = ct_text_history_new(&sink);

	(void)state;
	hist_line(h, "    [NEW] tcp 6 120 SYN_SENT " EV_ORIG " [UNREPLIED] " EV_REPLY);
	hist_line(h, " [UPDATE] tcp 6 60 SYN_RECV " EV_ORIG " " EV_REPLY);
	hist_line(h, " [UPDATE] tcp 6 432000 ESTABLISHED " EV_ORIG " packets=3 bytes=180 "
		  EV_REPLY " packets=2 bytes=120 [ASSURED]");
	/* No counters on this one: the last ones stay. */
	hist_line(h, " [UPDATE] tcp 6 120 FIN_WAIT " EV_ORIG " " EV_REPLY " [ASSURED]");
	/* No state word (conntrack prints none at times): the last state stays. */
	hist_line(h, " [UPDATE] tcp 6 300 " EV_ORIG " " EV_REPLY);
	assert_int_equal(ct_text_history_count(h), 1);
	assert_int_equal(c.n, 0);	/* nothing before the flush */
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.e[0].tcp_state, CT_TCP_FIN_WAIT);
	assert_int_equal(c.e[0].orig.bytes, 180);
	assert_int_equal(c.e[0].reply.packets, 2);
	assert_int_equal(c.e[0].flags, CT_F_STATE | CT_F_COUNTERS);
	assert_int_equal(c.e[0].timeout, 300);	/* the rest: the last line's */
	assert_int_equal(c.e[0].status, CT_STATUS_SEEN_REPLY);

	/* NEW, three UPDATEs and a DESTROY: one connection, the final counters, not open. */
	c.n = 0;
	hist_line(h, "    [NEW] tcp 6 120 SYN_SENT " EV_ORIG " [UNREPLIED] " EV_REPLY);
	hist_line(h, " [UPDATE] tcp 6 60 SYN_RECV " EV_ORIG " " EV_REPLY);
	hist_line(h, " [UPDATE] tcp 6 432000 ESTABLISHED " EV_ORIG " " EV_REPLY " [ASSURED]");
	hist_line(h, " [UPDATE] tcp 6 120 TIME_WAIT " EV_ORIG " " EV_REPLY " [ASSURED]");
	hist_line(h, "[DESTROY] tcp 6 118 TIME_WAIT " EV_ORIG " packets=5 bytes=5268 "
		  EV_REPLY " packets=3 bytes=164 [ASSURED] delta-time=1");
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.e[0].flags, CT_F_STATE | CT_F_COUNTERS | CT_F_DESTROYED);
	assert_int_equal(c.e[0].tcp_state, CT_TCP_TIME_WAIT);
	assert_int_equal(c.e[0].orig.packets, 5);
	assert_int_equal(c.e[0].orig.bytes, 5268);
	assert_int_equal(c.e[0].reply.packets, 3);
	assert_int_equal(c.e[0].reply.bytes, 164);
	assert_int_equal(c.e[0].timeout, 118);
	assert_int_equal(ct_text_history_delivered(h), 2);
	assert_int_equal(ct_text_history_count(h), 0);
	ct_text_history_free(h);
}

static void test_history_keys(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_history *h = ct_text_history_new(&sink);

	(void)state;
	/* The same tuple, two ids: two connections. */
	hist_line(h, "[NEW] udp 17 30 " EV_ORIG " [UNREPLIED] " EV_REPLY " id=1");
	hist_line(h, "[NEW] udp 17 30 " EV_ORIG " [UNREPLIED] " EV_REPLY " id=2");
	hist_line(h, "[DESTROY] udp 17 30 " EV_ORIG " packets=1 bytes=10 " EV_REPLY
		  " packets=0 bytes=0 id=2");
	hist_line(h, "[UPDATE] udp 17 30 " EV_ORIG " packets=4 bytes=40 " EV_REPLY
		  " packets=4 bytes=44 id=1");
	/* Zones: none, zone=, zone-orig=, zone-reply=, each its own. */
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY);
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY " zone=5");
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " zone-orig=5 " EV_REPLY);
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY " zone-reply=5");
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " zone-orig=6 " EV_REPLY);
	hist_line(h, "[UPDATE] tcp 6 60 SYN_RECV " EV_ORIG " zone-orig=5 " EV_REPLY);
	hist_line(h, "[UPDATE] tcp 6 60 ESTABLISHED " EV_ORIG " " EV_REPLY " zone-reply=5");
	/* Another family or protocol, same ports. */
	hist_line(h, "[NEW] udp 17 30 " EV_ORIG " " EV_REPLY);
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT src=::1 dst=::2 sport=1000 dport=80 "
		  "src=::2 dst=::1 sport=80 dport=1000");
	assert_int_equal(ct_text_history_count(h), 9);
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.n, 9);
	/* In the order of their first line, each with its own last line. */
	assert_int_equal(c.e[0].id, 1);
	assert_int_equal(c.e[0].orig.bytes, 40);
	assert_int_equal(c.e[0].flags, CT_F_ID | CT_F_COUNTERS);
	assert_int_equal(c.e[1].id, 2);
	assert_int_equal(c.e[1].orig.bytes, 10);
	assert_int_equal(c.e[1].flags, CT_F_ID | CT_F_COUNTERS | CT_F_DESTROYED);
	assert_int_equal(c.e[2].zone, 0);
	assert_int_equal(c.e[2].tcp_state, CT_TCP_SYN_SENT);
	assert_int_equal(c.e[3].zone, 5);
	assert_int_equal(c.e[3].flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), 0);
	assert_int_equal(c.e[4].flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), CT_F_ZONE_ORIG);
	assert_int_equal(c.e[4].tcp_state, CT_TCP_SYN_RECV);
	assert_int_equal(c.e[5].flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), CT_F_ZONE_REPLY);
	assert_int_equal(c.e[5].tcp_state, CT_TCP_ESTABLISHED);
	assert_int_equal(c.e[6].zone, 6);
	assert_int_equal(c.e[6].tcp_state, CT_TCP_SYN_SENT);
	assert_int_equal(c.e[7].proto, IPPROTO_UDP);
	assert_int_equal(c.e[8].family, AF_INET6);
	for (unsigned i = 0; i < c.n; i++)
		assert_int_equal(c.e[i].flags & CT_F_EVENT, 0);
	ct_text_history_free(h);
}

/*
 * Every protocol in an event log: ICMP's exchanges apart by id, SCTP's
 * state kept from its last line that had one, a GRE [DESTROY] closing its
 * connection (the captured lines of tests/cli/fixtures' sources).
 */
static void test_history_protocols(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_history *h = ct_text_history_new(&sink);

	(void)state;
	hist_line(h, "[NEW] icmp 1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 [UNREPLIED] "
		  "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7");
	hist_line(h, "[NEW] icmp 1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=8 [UNREPLIED] "
		  "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=8");
	hist_line(h, "[UPDATE] icmp 1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 "
		  "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7");
	hist_line(h, "[NEW] sctp 132 3 COOKIE_WAIT src=10.0.0.1 dst=10.0.0.2 sport=5000 "
		  "dport=38412 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=38412 dport=5000");
	hist_line(h, "[UPDATE] sctp 132 210 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=5000 "
		  "dport=38412 src=10.0.0.2 dst=10.0.0.1 sport=38412 dport=5000 [ASSURED]");
	hist_line(h, "[NEW] gre 47 30 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x0 "
		  "[UNREPLIED] src=10.0.0.2 dst=10.0.0.1 srckey=0x0 dstkey=0x0");
	hist_line(h, "[DESTROY] gre 47 24 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x0 "
		  "packets=1 bytes=48 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 srckey=0x0 "
		  "dstkey=0x0 packets=0 bytes=0");
	assert_int_equal(ct_text_history_count(h), 4);
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.e[0].orig.sport, 7);
	assert_true(c.e[0].status & CT_STATUS_SEEN_REPLY);
	assert_int_equal(c.e[1].orig.sport, 8);
	assert_false(c.e[1].status & CT_STATUS_SEEN_REPLY);
	assert_int_equal(c.e[2].proto, IPPROTO_SCTP);
	assert_int_equal(c.e[2].state, CT_SCTP_ESTABLISHED);
	assert_int_equal(c.e[2].flags, CT_F_STATE);
	assert_false(ct_entry_ended(&c.e[2]));
	assert_int_equal(c.e[3].proto, IPPROTO_GRE);
	assert_true(ct_entry_ended(&c.e[3]));
	assert_int_equal(c.e[3].orig.bytes, 48);
	ct_text_history_free(h);
}

static void test_history_reuse_and_tables(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_history *h = ct_text_history_new(&sink);

	(void)state;
	/* Without ids, a destroyed tuple used again is another connection. */
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY);
	hist_line(h, "[DESTROY] tcp 6 10 CLOSE " EV_ORIG " packets=2 bytes=100 " EV_REPLY
		  " packets=1 bytes=40");
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY);
	hist_line(h, "[UPDATE] tcp 6 300 ESTABLISHED " EV_ORIG " packets=1 bytes=60 " EV_REPLY
		  " packets=1 bytes=60");
	/* conntrack -E -e DESTROY: two destroys are two connections. */
	hist_line(h, "[DESTROY] udp 17 10 " EV_ORIG " packets=1 bytes=1 " EV_REPLY
		  " packets=1 bytes=1");
	hist_line(h, "[DESTROY] udp 17 10 " EV_ORIG " packets=2 bytes=2 " EV_REPLY
		  " packets=2 bytes=2");
	/* A table line passes straight through, now, each one a connection. */
	hist_line(h, BASE_HEAD BASE_ORIG " " BASE_REPLY);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.e[0].orig.bytes, 60);
	assert_int_equal(c.e[0].flags, CT_F_STATE | CT_F_COUNTERS);
	assert_int_equal(ct_text_history_count(h), 4);
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.e[1].flags, CT_F_STATE | CT_F_COUNTERS | CT_F_DESTROYED);
	assert_int_equal(c.e[1].orig.bytes, 100);
	assert_int_equal(c.e[2].flags, CT_F_STATE | CT_F_COUNTERS);
	assert_int_equal(c.e[2].tcp_state, CT_TCP_ESTABLISHED);
	assert_int_equal(c.e[2].orig.bytes, 60);
	assert_int_equal(c.e[3].orig.bytes, 1);
	assert_int_equal(c.e[4].orig.bytes, 2);
	assert_int_equal(c.e[4].flags, CT_F_COUNTERS | CT_F_DESTROYED);
	assert_int_equal(ct_text_history_delivered(h), 5);

	/* reset() forgets the merged lines and passes on. */
	c.n = 0;
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY);
	{
		struct ct_sink s = ct_text_history_sink(h);

		s.reset(s.arg);
	}
	assert_int_equal(ct_text_history_count(h), 0);
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.n, 0);

	/* A sink that stops the flush. */
	hist_line(h, "[NEW] tcp 6 120 SYN_SENT " EV_ORIG " " EV_REPLY);
	c.calls = 0;
	c.stop_at = 1;
	errno = 0;
	assert_int_equal(ct_text_history_flush(h), -1);
	assert_int_equal(errno, ECANCELED);
	ct_text_history_free(h);
	ct_text_history_free(NULL);
}

/* Many connections: each once, the index growing under them; memory is per connection. */
static void test_history_many(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_history *h = ct_text_history_new(&sink);
	char line[256];

	(void)state;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned port = 1; port <= 3000; port++) {
			snprintf(line, sizeof line, "%s tcp 6 10 ESTABLISHED src=10.0.0.1 "
				 "dst=10.0.0.2 sport=%u dport=80 packets=%u bytes=%u "
				 "src=10.0.0.2 dst=10.0.0.1 sport=80 dport=%u", round == 2 ?
				 "[DESTROY]" : "[UPDATE]", port, round + 1, port * 10 + round, port);
			hist_line(h, line);
		}
		assert_int_equal(ct_text_history_count(h), 3000);
	}
	assert_int_equal(ct_text_history_flush(h), 0);
	assert_int_equal(c.calls, 3000);
	for (unsigned i = 0; i < c.n; i++) {
		assert_int_equal(c.e[i].orig.sport, i + 1);
		assert_int_equal(c.e[i].orig.bytes, (i + 1) * 10 + 2);
		assert_true(c.e[i].flags & CT_F_DESTROYED);
	}
	ct_text_history_free(h);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal interrupting read() is not an error. */
static void test_read_eintr(void **state)
{
	struct collect c = { .n = 0 };
	struct ct_sink sink = { collect_add, NULL, &c };
	struct ct_text_stats st = { 0 };
	struct sigaction sa, old;
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	int p[2];
	pid_t child;
	int ret;

	(void)state;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;	/* no SA_RESTART: read() fails with EINTR */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(p[0]);
		usleep(150000);
		if (write(p[1], L_TCP4, sizeof L_TCP4 - 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	ret = ct_text_read_fd(p[0], &sink, &st);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	close(p[0]);
	reap(child);
	assert_int_equal(ret, 0);
	assert_int_equal(st.entries, 1);
	assert_tcp4(&c.e[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_tcp4),
		cmocka_unit_test(test_list_tcp6),
		cmocka_unit_test(test_list_udp_unreplied),
		cmocka_unit_test(test_extended_id),
		cmocka_unit_test(test_list_id_only),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_tcp_states),
		cmocka_unit_test(test_no_counters),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_offload),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_other_protos),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_read_bom),
		cmocka_unit_test(test_history_one_connection),
		cmocka_unit_test(test_history_keys),
		cmocka_unit_test(test_history_protocols),
		cmocka_unit_test(test_history_reuse_and_tables),
		cmocka_unit_test(test_history_many),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_addr_forms),
		cmocka_unit_test(test_initialises),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_chunked),
		cmocka_unit_test(test_read_split),
		cmocka_unit_test(test_read_overlong_last),
		cmocka_unit_test(test_read_empty),
		cmocka_unit_test(test_read_sink_stops),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_read_eintr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
