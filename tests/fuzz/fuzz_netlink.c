/*
 * fuzz_netlink.c - libFuzzer target for the ctnetlink message parser.
 *
 * Each input is one netlink message, struct nlmsghdr included, as the kernel
 * puts it in a dump.  ct_nl_parse_msg() reads it whole; then a copy of exactly
 * nlmsg_len bytes, at an odd address, must give the same answer: the parser
 * reads nothing past the message and makes no aligned loads.
 *
 * The same input goes to ct_events_parse() (the DESTROY event parser): it
 * must agree with ct_nl_parse_msg() on every input, adding CT_F_EVENT, and
 * CT_F_DESTROYED exactly for an IPCTNL_MSG_CT_DELETE.
 *
 * The same input goes to ct_stats_add_msg() (one CPU's statistics, an
 * IPCTNL_MSG_CT_GET_STATS_CPU reply): a refused message leaves the sum as it
 * was; an accepted one is of that type, adds one CPU and at most 2^32 - 1
 * to each counter, saturates instead of wrapping, and reads only its
 * nlmsg_len bytes, at any alignment.
 *
 * Besides the sanitizers, every documented property of the result is
 * checked; a violated one traps (__builtin_trap), a crash to libFuzzer.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "ct.h"
#include "ct_events.h"
#include "ct_source_netlink.h"
#include "ct_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
/* The harness's own loops: no coverage callbacks, no features to steer by. */
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))

/* sport/dport may be non-zero: ports, GRE's keys, ICMP's id and type/code (ct.h). */
static int has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP || proto == IPPROTO_GRE ||
	       proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

NO_COVERAGE static int all_zero(const void *p, size_t from, size_t to)
{
	const uint8_t *b = p;

	for (size_t i = from; i < to; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_tuple(const struct ct_entry *e, const struct ct_tuple *t)
{
	if (e->family == AF_INET) {
		CHECK(all_zero(t->src.b, 4, sizeof t->src.b));
		CHECK(all_zero(t->dst.b, 4, sizeof t->dst.b));
	}
	if (!has_ports(e->proto))
		CHECK(t->sport == 0 && t->dport == 0);
	if (!(e->flags & CT_F_COUNTERS))
		CHECK(t->packets == 0 && t->bytes == 0);
}

/* What a successful parse promises, given the message it came from. */
static void check_entry(const uint8_t *msg, size_t len, const struct ct_entry *e)
{
	struct nlmsghdr nlh;
	struct nfgenmsg nfg;

	CHECK(len >= NLMSG_HDRLEN + sizeof nfg);
	memcpy(&nlh, msg, sizeof nlh);
	memcpy(&nfg, msg + NLMSG_HDRLEN, sizeof nfg);
	CHECK(nlh.nlmsg_len <= len && nlh.nlmsg_len >= NLMSG_HDRLEN + sizeof nfg);
	CHECK(NFNL_SUBSYS_ID(nlh.nlmsg_type) == NFNL_SUBSYS_CTNETLINK);
	CHECK(NFNL_MSG_TYPE(nlh.nlmsg_type) == IPCTNL_MSG_CT_NEW ||
	      NFNL_MSG_TYPE(nlh.nlmsg_type) == IPCTNL_MSG_CT_DELETE);

	CHECK(e->family == AF_INET || e->family == AF_INET6);
	CHECK(e->family == nfg.nfgen_family);
	CHECK((e->flags & ~(CT_F_COUNTERS | CT_F_ID | CT_F_STATE | CT_F_ZONE_ORIG |
			    CT_F_ZONE_REPLY | CT_F_TSTAMP)) == 0);
	if (!(e->flags & CT_F_TSTAMP))
		CHECK(e->start_ns == 0);
	/* A state only for TCP (tcp_state), SCTP or DCCP (state), and a known one. */
	if (e->flags & CT_F_STATE)
		CHECK((e->proto == IPPROTO_TCP && e->tcp_state < CT_TCP_STATE_MAX &&
		       e->state == 0) ||
		      (e->proto == IPPROTO_SCTP && e->state < CT_SCTP_STATE_MAX &&
		       e->tcp_state == 0) ||
		      (e->proto == IPPROTO_DCCP && e->state < CT_DCCP_STATE_MAX &&
		       e->tcp_state == 0));
	else
		CHECK(e->tcp_state == 0 && e->state == 0);
	if (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)
		CHECK(e->orig.dport == CT_ICMP_TC(CT_ICMP_TYPE(e->orig.dport),
						  CT_ICMP_CODE(e->orig.dport)));
	if (!(e->flags & CT_F_ID))
		CHECK(e->id == 0);
	check_tuple(e, &e->orig);
	check_tuple(e, &e->reply);
}

/* ct_stats_add_msg(): the promises of ct_stats.h on any input. */
static void check_stats(const uint8_t *data, size_t size)
{
	struct ct_stats acc, start, again;
	struct nlmsghdr nlh;
	uint8_t *copy;
	int r;

	/* A sum that already holds something, near the top for some counters. */
	memset(&acc, 0, sizeof acc);
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		acc.v[s] = s & 1 ? UINT64_MAX - s : s * 1000;
	acc.cpus = 3;
	acc.have = 1u << CT_STAT_DROP;
	start = acc;
	r = ct_stats_add_msg(&acc, data, size);
	CHECK(r == 0 || r == -1);
	if (r < 0) {
		CHECK(memcmp(&acc, &start, sizeof acc) == 0);
		return;
	}
	memcpy(&nlh, data, sizeof nlh);
	CHECK(nlh.nlmsg_len <= size);
	CHECK(nlh.nlmsg_type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU));
	CHECK(acc.cpus == start.cpus + 1);
	CHECK((acc.have & start.have) == start.have);
	CHECK((acc.have & ~((1u << CT_STAT_MAX) - 1)) == 0);
	for (unsigned s = 0; s < CT_STAT_MAX; s++) {
		CHECK(acc.v[s] >= start.v[s]);
		CHECK(acc.v[s] - start.v[s] <= UINT32_MAX || acc.v[s] == UINT64_MAX);
	}
	/* Its own bytes only, wherever they lie; from an empty sum, the same counters. */
	copy = malloc(nlh.nlmsg_len + 1);
	if (!copy)
		abort();
	memcpy(copy + 1, data, nlh.nlmsg_len);
	memset(&again, 0, sizeof again);
	CHECK(ct_stats_add_msg(&again, copy + 1, nlh.nlmsg_len) == 0);
	free(copy);
	CHECK(again.cpus == 1);
	CHECK((again.have | start.have) == acc.have);
	for (unsigned s = 0; s < CT_STAT_MAX; s++) {
		CHECK(again.v[s] <= UINT32_MAX);
		CHECK(acc.v[s] == UINT64_MAX || acc.v[s] == start.v[s] + again.v[s]);
		if (!(again.have & (1u << s)))
			CHECK(again.v[s] == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_entry a, b;
	struct nlmsghdr nlh;
	uint8_t *copy;
	size_t n;
	int r;

	check_stats(data, size);
	memset(&a, 0xa5, sizeof a);
	r = ct_nl_parse_msg(data, size, &a);
	CHECK(r == 0 || r == -1);
	memset(&b, 0x5a, sizeof b);
	CHECK(ct_events_parse(data, size, &b) == r);
	if (r < 0) {
		/* A refused message leaves *out zeroed. */
		CHECK(all_zero(&a, 0, sizeof a));
		CHECK(all_zero(&b, 0, sizeof b));
		return 0;
	}
	check_entry(data, size, &a);
	/* The event parser: the same entry, plus the event flags. */
	memcpy(&nlh, data, sizeof nlh);
	CHECK(b.flags == (a.flags | CT_F_EVENT |
			  (NFNL_MSG_TYPE(nlh.nlmsg_type) == IPCTNL_MSG_CT_DELETE ?
			   CT_F_DESTROYED : 0)));
	b.flags = a.flags;
	CHECK(memcmp(&a, &b, sizeof a) == 0);

	/* Only the message's own nlmsg_len bytes count, wherever they lie. */
	n = nlh.nlmsg_len;
	copy = malloc(n + 1);
	if (!copy)
		abort();
	memcpy(copy + 1, data, n);
	memset(&b, 0x5a, sizeof b);
	CHECK(ct_nl_parse_msg(copy + 1, n, &b) == 0);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	free(copy);
	return 0;
}
