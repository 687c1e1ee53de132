/*
 * test_ct_netlink.c - ctnetlink parser on hand-built messages, the dump
 * request, and the dump's receive loop fed canned replies through a fake
 * socket.  The live dump against the kernel is tests/integration/live.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "cli.h"
#include "ct.h"
#include "ct_source_netlink.h"
#include "ctmsg.h"


static void assert_addr(int family, const struct ct_addr *a, const char *s)
{
	struct ct_addr want;

	assert_int_equal(ct_addr_parse(s, strlen(s), &want), family);
	assert_memory_equal(a->b, want.b, sizeof want.b);
}

/* Every field of e against the spec it was built from. */
static void assert_entry(const struct ct_entry *e, const struct mspec *m)
{
	assert_int_equal(e->family, m->family);
	assert_int_equal(e->proto, m->proto);
	assert_addr(m->family, &e->orig.src, m->orig.src);
	assert_addr(m->family, &e->orig.dst, m->orig.dst);
	assert_addr(m->family, &e->reply.src, m->reply.src);
	assert_addr(m->family, &e->reply.dst, m->reply.dst);
	assert_int_equal(e->orig.sport, m->orig.sport);
	assert_int_equal(e->reply.sport, m->reply.sport);
	if (ct_proto_is_icmp(m->proto)) {
		/* The id as sport, type and code as dport (ct.h). */
		assert_int_equal(e->orig.dport, CT_ICMP_TC(m->orig.icmp_type, 0));
		assert_int_equal(e->reply.dport, CT_ICMP_TC(m->reply.icmp_type, 0));
	} else {
		assert_int_equal(e->orig.dport, m->orig.dport);
		assert_int_equal(e->reply.dport, m->reply.dport);
	}
	assert_int_equal(e->status, m->status);
	assert_int_equal(e->timeout, m->timeout);
	assert_int_equal(e->zone, m->zone);
	assert_int_equal(e->mark, m->mark);
	assert_int_equal(!!(e->flags & CT_F_ZONE_ORIG), m->zone && (m->zone_dir & ZONE_DIR_ORIG));
	assert_int_equal(!!(e->flags & CT_F_ZONE_REPLY), m->zone && (m->zone_dir & ZONE_DIR_REPLY));
	assert_int_equal(!!(e->flags & CT_F_TSTAMP), m->start_ns != 0);
	assert_true(e->start_ns == m->start_ns);
	assert_true(e->flags & CT_F_ID);
	assert_int_equal(e->id, m->id);
	if (m->tcp_state >= 0 && m->proto == IPPROTO_TCP) {
		assert_true(e->flags & CT_F_STATE);
		assert_int_equal(e->tcp_state, m->tcp_state);
		assert_int_equal(e->state, 0);
	} else if (m->tcp_state >= 0 && (m->proto == IPPROTO_SCTP || m->proto == IPPROTO_DCCP)) {
		assert_true(e->flags & CT_F_STATE);
		assert_int_equal(e->state, m->tcp_state);
		assert_int_equal(e->tcp_state, 0);
	} else {
		assert_false(e->flags & CT_F_STATE);
		assert_int_equal(e->tcp_state, 0);
		assert_int_equal(e->state, 0);
	}
	if (m->counters) {
		assert_true(e->flags & CT_F_COUNTERS);
		assert_int_equal(e->orig.packets, m->opk);
		assert_int_equal(e->orig.bytes, m->oby);
		assert_int_equal(e->reply.packets, m->rpk);
		assert_int_equal(e->reply.bytes, m->rby);
	} else {
		assert_false(e->flags & CT_F_COUNTERS);
		assert_int_equal(e->orig.packets, 0);
		assert_int_equal(e->orig.bytes, 0);
		assert_int_equal(e->reply.packets, 0);
		assert_int_equal(e->reply.bytes, 0);
	}
}

/* Parses from a heap copy of exactly len bytes, so any overread is caught. */
static int parse_exact(const void *msg, size_t len, struct ct_entry *e)
{
	void *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	r = ct_nl_parse_msg(copy, len, e);
	free(copy);
	return r;
}

/* ---- a model of the parser ----------------------------------------------- */

/*
 * The wire rules restated as plainly as possible: one loop walks every nest
 * and hands each attribute to the rule of that nest.  ct_nl_parse_msg() must
 * agree with it on every input, fixed layouts and all.
 */
struct model {
	struct ct_entry *e;
	struct ct_tuple *t;	/* the tuple being read */
	int proto;		/* its protocol number, -1 until seen */
	int have_ip;
	unsigned seen;		/* addresses seen in the current CTA_TUPLE_IP */
	int oproto, rproto;	/* of the last original and reply tuple */
	int dir;		/* the tuple being read: 0 original, 1 reply */
	int have_zone;		/* CTA_ZONE seen */
	int tzseen[2];		/* CTA_TUPLE_ZONE seen in each direction */
	uint16_t tzone[2];	/* its value */
	/* ICMP ([0]) and ICMPv6 ([1]) id, type and code of each direction */
	uint16_t icmp_id[2][2];
	uint8_t icmp_type[2][2], icmp_code[2][2];
	int sctp_state, dccp_state;	/* -1: none */
};

static int model_walk(const uint8_t *p, size_t len, struct model *m,
		      int (*rule)(struct model *, unsigned, const uint8_t *, size_t))
{
	size_t off = 0;

	while (off < len) {
		struct nlattr a;

		if (len - off < NLA_HDRLEN)
			return -1;
		memcpy(&a, p + off, sizeof a);
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len - off)
			return -1;
		if (rule(m, a.nla_type & NLA_TYPE_MASK, p + off + NLA_HDRLEN,
			 a.nla_len - NLA_HDRLEN) < 0)
			return -1;
		off += NLA_ALIGN(a.nla_len);	/* past len: the last one's padding is missing */
	}
	return 0;
}

static uint64_t model_be(const uint8_t *d, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | d[i];
	return v;
}

static int model_ip(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	int v4 = type == CTA_IP_V4_SRC || type == CTA_IP_V4_DST;
	int v6 = type == CTA_IP_V6_SRC || type == CTA_IP_V6_DST;
	int src = type == CTA_IP_V4_SRC || type == CTA_IP_V6_SRC;

	if (!v4 && !v6)
		return 0;
	if (n != (v4 ? 4u : 16u) || m->e->family != (v4 ? AF_INET : AF_INET6))
		return -1;
	memcpy(src ? m->t->src.b : m->t->dst.b, d, n);
	m->seen |= src ? 1u : 2u;
	return 0;
}

static int model_proto(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type == CTA_PROTO_NUM) {
		if (n != 1)
			return -1;
		m->proto = d[0];
	} else if (type == CTA_PROTO_SRC_PORT) {
		if (n != 2)
			return -1;
		m->t->sport = (uint16_t)model_be(d, 2);
	} else if (type == CTA_PROTO_DST_PORT) {
		if (n != 2)
			return -1;
		m->t->dport = (uint16_t)model_be(d, 2);
	} else if (type == CTA_PROTO_ICMP_ID || type == CTA_PROTO_ICMPV6_ID) {
		if (n != 2)
			return -1;
		m->icmp_id[m->dir][type == CTA_PROTO_ICMPV6_ID] = (uint16_t)model_be(d, 2);
	} else if (type == CTA_PROTO_ICMP_TYPE || type == CTA_PROTO_ICMPV6_TYPE) {
		if (n != 1)
			return -1;
		m->icmp_type[m->dir][type == CTA_PROTO_ICMPV6_TYPE] = d[0];
	} else if (type == CTA_PROTO_ICMP_CODE || type == CTA_PROTO_ICMPV6_CODE) {
		if (n != 1)
			return -1;
		m->icmp_code[m->dir][type == CTA_PROTO_ICMPV6_CODE] = d[0];
	}
	return 0;
}

static int model_tuple(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type == CTA_TUPLE_IP) {
		m->seen = 0;
		if (model_walk(d, n, m, model_ip) < 0 || m->seen != 3)
			return -1;
		m->have_ip = 1;
	} else if (type == CTA_TUPLE_ZONE) {
		if (n != 2)
			return -1;
		m->tzone[m->dir] = (uint16_t)model_be(d, 2);
		m->tzseen[m->dir] = 1;
	} else if (type == CTA_TUPLE_PROTO) {
		if (model_walk(d, n, m, model_proto) < 0 || m->proto < 0)
			return -1;
	}
	return 0;
}

static int model_tcp(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type != CTA_PROTOINFO_TCP_STATE)
		return 0;
	if (n != 1)
		return -1;
	if (d[0] < CT_TCP_STATE_MAX) {
		m->e->tcp_state = d[0];
		m->e->flags |= CT_F_STATE;
	}
	return 0;
}

static int model_sctp(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type != CTA_PROTOINFO_SCTP_STATE)
		return 0;
	if (n != 1)
		return -1;
	m->sctp_state = d[0];
	return 0;
}

static int model_dccp(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type != CTA_PROTOINFO_DCCP_STATE)
		return 0;
	if (n != 1)
		return -1;
	m->dccp_state = d[0];
	return 0;
}

static int model_protoinfo(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type == CTA_PROTOINFO_SCTP)
		return model_walk(d, n, m, model_sctp);
	if (type == CTA_PROTOINFO_DCCP)
		return model_walk(d, n, m, model_dccp);
	return type == CTA_PROTOINFO_TCP ? model_walk(d, n, m, model_tcp) : 0;
}

static int model_counters(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	int wide = type == CTA_COUNTERS_PACKETS || type == CTA_COUNTERS_BYTES;

	if (!wide && type != CTA_COUNTERS32_PACKETS && type != CTA_COUNTERS32_BYTES)
		return 0;
	if (n != (wide ? 8u : 4u))
		return -1;
	if (type == CTA_COUNTERS_PACKETS || type == CTA_COUNTERS32_PACKETS)
		m->t->packets = model_be(d, n);
	else
		m->t->bytes = model_be(d, n);
	m->e->flags |= CT_F_COUNTERS;
	return 0;
}

static int model_tstamp(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	if (type != CTA_TIMESTAMP_START)
		return 0;
	if (n != 8)
		return -1;
	m->e->start_ns = model_be(d, 8);
	m->e->flags |= CT_F_TSTAMP;
	return 0;
}

static int model_top(struct model *m, unsigned type, const uint8_t *d, size_t n)
{
	struct ct_entry *e = m->e;

	switch (type) {
	case CTA_TUPLE_ORIG:
	case CTA_TUPLE_REPLY:
		m->t = type == CTA_TUPLE_ORIG ? &e->orig : &e->reply;
		m->dir = type == CTA_TUPLE_REPLY;
		m->proto = -1;
		m->have_ip = 0;
		if (model_walk(d, n, m, model_tuple) < 0 || !m->have_ip || m->proto < 0)
			return -1;
		*(type == CTA_TUPLE_ORIG ? &m->oproto : &m->rproto) = m->proto;
		return 0;
	case CTA_STATUS:
	case CTA_TIMEOUT:
	case CTA_ID:
		if (n != 4)
			return -1;
		if (type == CTA_STATUS)
			e->status = (uint32_t)model_be(d, 4);
		else if (type == CTA_TIMEOUT)
			e->timeout = (uint32_t)model_be(d, 4);
		else
			e->id = (uint32_t)model_be(d, 4), e->flags |= CT_F_ID;
		return 0;
	case CTA_ZONE:
		if (n != 2)
			return -1;
		e->zone = (uint16_t)model_be(d, 2);
		m->have_zone = 1;
		return 0;
	case CTA_MARK:
		if (n != 4)
			return -1;
		e->mark = (uint32_t)model_be(d, 4);
		return 0;
	case CTA_TIMESTAMP:
		return model_walk(d, n, m, model_tstamp);
	case CTA_PROTOINFO:
		return model_walk(d, n, m, model_protoinfo);
	case CTA_COUNTERS_ORIG:
	case CTA_COUNTERS_REPLY:
		m->t = type == CTA_COUNTERS_ORIG ? &e->orig : &e->reply;
		return model_walk(d, n, m, model_counters);
	default:
		return 0;
	}
}

static int model_parse(const uint8_t *msg, size_t len, struct ct_entry *e)
{
	struct model m = { .e = e, .oproto = -1, .rproto = -1, .sctp_state = -1,
			   .dccp_state = -1 };
	const size_t hdr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	struct nlmsghdr nlh;
	struct nfgenmsg nfg;
	unsigned type;

	memset(e, 0, sizeof *e);
	if (len < hdr)
		return -1;
	memcpy(&nlh, msg, sizeof nlh);
	memcpy(&nfg, msg + NLMSG_HDRLEN, sizeof nfg);
	type = nlh.nlmsg_type & 0xff;
	if (nlh.nlmsg_len < hdr || nlh.nlmsg_len > len || (nlh.nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK ||
	    (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE) ||
	    (nfg.nfgen_family != AF_INET && nfg.nfgen_family != AF_INET6))
		return -1;
	e->family = nfg.nfgen_family;
	if (model_walk(msg + hdr, nlh.nlmsg_len - hdr, &m, model_top) < 0 ||
	    m.oproto < 0 || m.rproto < 0) {
		memset(e, 0, sizeof *e);
		return -1;
	}
	e->proto = (uint8_t)m.oproto;
	/* Directional zones: flagged; CTA_ZONE's value first, then the original's. */
	if (m.tzseen[0])
		e->flags |= CT_F_ZONE_ORIG;
	if (m.tzseen[1])
		e->flags |= CT_F_ZONE_REPLY;
	if (!m.have_zone && (m.tzseen[0] || m.tzseen[1]))
		e->zone = m.tzseen[0] ? m.tzone[0] : m.tzone[1];
	if (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6) {
		int v6 = e->proto == IPPROTO_ICMPV6;

		e->orig.sport = m.icmp_id[0][v6];
		e->orig.dport = (uint16_t)(m.icmp_type[0][v6] << 8 | m.icmp_code[0][v6]);
		e->reply.sport = m.icmp_id[1][v6];
		e->reply.dport = (uint16_t)(m.icmp_type[1][v6] << 8 | m.icmp_code[1][v6]);
	} else if (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP &&
		   e->proto != IPPROTO_UDPLITE && e->proto != IPPROTO_SCTP &&
		   e->proto != IPPROTO_DCCP && e->proto != IPPROTO_GRE) {
		e->orig.sport = e->orig.dport = e->reply.sport = e->reply.dport = 0;
	}
	if (e->proto != IPPROTO_TCP) {
		e->tcp_state = 0;
		e->flags &= (uint8_t)~CT_F_STATE;
	}
	if (e->proto == IPPROTO_SCTP && m.sctp_state >= 0 && m.sctp_state < CT_SCTP_STATE_MAX) {
		e->state = (uint8_t)m.sctp_state;
		e->flags |= CT_F_STATE;
	}
	if (e->proto == IPPROTO_DCCP && m.dccp_state >= 0 && m.dccp_state < CT_DCCP_STATE_MAX) {
		e->state = (uint8_t)m.dccp_state;
		e->flags |= CT_F_STATE;
	}
	return 0;
}

/* ct_nl_parse_msg() and the model give the same answer for msg. */
static void assert_as_model(const void *msg, size_t len)
{
	struct ct_entry a, b;
	int ra, rb;

	memset(&a, 0xa5, sizeof a);
	memset(&b, 0x5a, sizeof b);
	ra = parse_exact(msg, len, &a);
	rb = model_parse(msg, len, &b);
	if (ra != rb)
		fail_msg("parser %d, model %d", ra, rb);
	assert_memory_equal(&a, &b, sizeof a);
}

/* ---- parser tests -------------------------------------------------------- */

static void test_parse_v4_tcp(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_tcp);
	struct ct_entry e;

	memset(&e, 0xa5, sizeof e);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &v4_tcp);
	assert_int_equal(e.flags, CT_F_COUNTERS | CT_F_ID | CT_F_STATE);
	assert_true(e.status & CT_STATUS_ASSURED);
	assert_int_equal(e.orig.sport, 40000);
	assert_int_equal(e.zone, 3);
	/* IPv4 addresses fill the first 4 bytes only. */
	for (int i = 4; i < 16; i++)
		assert_int_equal(e.orig.src.b[i], 0);
}

static void test_parse_v6_udp_no_counters(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v6_udp);
	struct ct_entry e;

	memset(&e, 0xa5, sizeof e);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &v6_udp);
	assert_int_equal(e.flags, CT_F_ID);
}

static void test_parse_icmp(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_icmp);
	struct ct_entry e;

	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &v4_icmp);
	/* The echo id in sport, type 8 (code 0) in dport; the reply's type 0. */
	assert_int_equal(e.orig.sport, 77);
	assert_int_equal(e.orig.dport, 8 << 8);
	assert_int_equal(e.reply.sport, 77);
	assert_int_equal(e.reply.dport, 0);
	assert_int_equal(e.flags, CT_F_ID);
	assert_as_model(nlh, nlh->nlmsg_len);
}

/* Every other protocol conntrack tracks, each with what it carries. */
static void test_parse_other_protos(void **state)
{
	static const struct mspec *const specs[] = {
		&v6_icmp, &v4_sctp, &v6_dccp, &v4_gre, &v4_udplite,
	};
	union msgbuf mb;
	struct nlmsghdr *nlh;
	struct ct_entry e;

	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		nlh = build_msg(mb.b, specs[i]);
		memset(&e, 0xa5, sizeof e);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_entry(&e, specs[i]);
		assert_as_model(nlh, nlh->nlmsg_len);
	}

	/* ICMPv6: its own attributes; id 4711, echo request 128, reply 129. */
	nlh = build_msg(mb.b, &v6_icmp);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_int_equal(e.orig.sport, 4711);
	assert_int_equal(CT_ICMP_TYPE(e.orig.dport), 128);
	assert_int_equal(CT_ICMP_TYPE(e.reply.dport), 129);
	assert_int_equal(e.orig.packets, 5);
	assert_int_equal(e.reply.bytes, 740);
	assert_false(ct_entry_ended(&e));

	/* SCTP: ESTABLISHED is open; SHUTDOWN_* and CLOSED have ended. */
	nlh = build_msg(mb.b, &v4_sctp);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_int_equal(e.state, CT_SCTP_ESTABLISHED);
	assert_int_equal(e.tcp_state, 0);
	assert_string_equal(ct_entry_state_name(&e), "ESTABLISHED");
	assert_false(ct_entry_ended(&e));
	for (int st = CT_SCTP_NONE; st < CT_SCTP_STATE_MAX; st++) {
		struct mspec m = v4_sctp;

		m.tcp_state = st;
		nlh = build_msg(mb.b, &m);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_int_equal(e.state, st);
		assert_int_equal(ct_entry_ended(&e),
				 st == CT_SCTP_CLOSED || st == CT_SCTP_SHUTDOWN_SENT ||
				 st == CT_SCTP_SHUTDOWN_RECD || st == CT_SCTP_SHUTDOWN_ACK_SENT);
	}

	/* DCCP: TIMEWAIT has ended; OPEN has not; an unknown state is not kept. */
	nlh = build_msg(mb.b, &v6_dccp);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_int_equal(e.orig.sport, 6000);
	assert_string_equal(ct_entry_state_name(&e), "TIMEWAIT");
	assert_true(ct_entry_ended(&e));
	{
		struct mspec m = v6_dccp;

		m.tcp_state = CT_DCCP_OPEN;
		nlh = build_msg(mb.b, &m);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_false(ct_entry_ended(&e));
		m.tcp_state = CT_DCCP_STATE_MAX;
		nlh = build_msg(mb.b, &m);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_false(e.flags & CT_F_STATE);
		assert_int_equal(e.state, 0);
		assert_as_model(nlh, nlh->nlmsg_len);
	}

	/* GRE: the keys stay, as ports (ct.h). */
	nlh = build_msg(mb.b, &v4_gre);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_int_equal(e.orig.sport, 0x11);
	assert_int_equal(e.orig.dport, 0x22);
	assert_int_equal(e.reply.sport, 0x22);
	assert_null(ct_entry_state_name(&e));

	/* A protoinfo nest in a UDP entry: no state. */
	{
		struct mspec m = v4_udplite;

		m.proto = IPPROTO_UDP;
		m.tcp_state = CT_TCP_ESTABLISHED;
		nlh = build_msg(mb.b, &m);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_false(e.flags & CT_F_STATE);
		assert_int_equal(e.state, 0);
		assert_as_model(nlh, nlh->nlmsg_len);
	}
}

/* CTA_MARK: the connection's mark, all 32 bits. */
static void test_parse_mark(void **state)
{
	static const uint32_t marks[] = { 0, 0x10, 0xdeadbeef, UINT32_MAX };

	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
		struct mspec m = i % 2 ? v6_udp : v4_tcp;
		union msgbuf mb;
		struct nlmsghdr *nlh;
		struct ct_entry e;

		m.mark = marks[i];
		nlh = build_msg(mb.b, &m);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_entry(&e, &m);
		assert_as_model(nlh, nlh->nlmsg_len);
	}
}

static void test_parse_counters32(void **state)
{
	struct mspec m = v4_tcp;
	union msgbuf mb;
	struct nlmsghdr *nlh;
	struct ct_entry e;

	m.counters = 32;
	m.oby = 4000000000u;
	nlh = build_msg(mb.b, &m);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &m);
}

/*
 * Zones as the kernel sends them: CTA_ZONE for both directions, a
 * CTA_TUPLE_ZONE in the tuple of one direction otherwise; the flags say
 * which, as zone-orig=/zone-reply= do in the text source.  The tuples are
 * then walked, not read at fixed offsets: both must agree with the model.
 */
static void test_parse_zone_directions(void **state)
{
	static const unsigned dirs[] = { 0, ZONE_DIR_ORIG, ZONE_DIR_REPLY,
					 ZONE_DIR_ORIG | ZONE_DIR_REPLY };
	static const struct mspec *const bases[] = { &v4_tcp, &v6_udp, &v4_icmp };

	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
			struct mspec m = *bases[b];
			union msgbuf mb;
			struct nlmsghdr *nlh;
			struct ct_entry e;

			m.zone = (uint16_t)(100 + i);
			m.zone_dir = dirs[i];
			nlh = build_msg(mb.b, &m);
			memset(&e, 0xa5, sizeof e);
			assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
			assert_entry(&e, &m);
			assert_as_model(nlh, nlh->nlmsg_len);
		}
	}
}

/* Not the kernel's, but decided: CTA_ZONE wins, then the original's. */
static void test_parse_zone_precedence(void **state)
{
	struct mspec m = v4_tcp;
	union msgbuf mb;
	struct nlmsghdr *nlh;
	struct ct_entry e;
	uint16_t z = htons(77);

	/* A directional zone, then a CTA_ZONE: CTA_ZONE's value, the flag stays. */
	m.zone = 5;
	m.zone_dir = ZONE_DIR_ORIG;
	nlh = build_msg(mb.b, &m);
	mnl_attr_put(nlh, CTA_ZONE, 2, &z);
	memset(&e, 0xa5, sizeof e);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_int_equal(e.zone, 77);
	assert_int_equal(e.flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY), CT_F_ZONE_ORIG);
	assert_as_model(nlh, nlh->nlmsg_len);

	/* A reply-direction zone, then an original tuple with another one: the original's. */
	m.zone = 6;
	m.zone_dir = ZONE_DIR_REPLY;
	nlh = build_msg(mb.b, &m);
	m.zone = 9;
	m.zone_dir = ZONE_DIR_ORIG;
	put_tuple(nlh, CTA_TUPLE_ORIG, &m, &m.orig);
	memset(&e, 0xa5, sizeof e);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_int_equal(e.zone, 9);
	assert_int_equal(e.flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY),
			 CT_F_ZONE_ORIG | CT_F_ZONE_REPLY);
	assert_as_model(nlh, nlh->nlmsg_len);
}

/* CTA_TIMESTAMP: the start time, with or without a stop time; absent, nothing. */
static void test_parse_timestamp(void **state)
{
	struct mspec m = v4_tcp;
	union msgbuf mb;
	struct nlmsghdr *nlh;
	struct ct_entry e;
	struct nlattr *ts;
	uint64_t v = htobe64(1234);

	m.start_ns = 1764474150123456789ull;
	nlh = build_msg(mb.b, &m);
	memset(&e, 0xa5, sizeof e);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &m);
	assert_int_equal(e.flags, CT_F_COUNTERS | CT_F_ID | CT_F_STATE | CT_F_TSTAMP);
	assert_as_model(nlh, nlh->nlmsg_len);

	m.stop_ns = m.start_ns + 5000000000ull;
	m.delete = 1;
	nlh = build_msg(mb.b, &m);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &m);
	assert_as_model(nlh, nlh->nlmsg_len);

	/* A stop time alone (and padding) says nothing of the start. */
	m = v6_udp;
	nlh = build_msg(mb.b, &m);
	ts = mnl_attr_nest_start(nlh, CTA_TIMESTAMP);
	mnl_attr_put(nlh, CTA_TIMESTAMP_PAD, 0, NULL);
	mnl_attr_put(nlh, CTA_TIMESTAMP_STOP, 8, &v);
	mnl_attr_nest_end(nlh, ts);
	memset(&e, 0xa5, sizeof e);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &m);
	assert_false(e.flags & CT_F_TSTAMP);
	assert_as_model(nlh, nlh->nlmsg_len);

	/* A nest that overruns itself. */
	ts = mnl_attr_nest_start(nlh, CTA_TIMESTAMP);
	mnl_attr_put(nlh, CTA_TIMESTAMP_START, 8, &v);
	mnl_attr_nest_end(nlh, ts);
	ts->nla_len = (uint16_t)(ts->nla_len - 2);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	assert_as_model(nlh, nlh->nlmsg_len);
}

/* States the header does not name are kept out of tcp_state. */
static void test_parse_unknown_tcp_state(void **state)
{
	struct mspec m = v4_tcp;
	union msgbuf mb;
	struct nlmsghdr *nlh;
	struct ct_entry e;

	m.tcp_state = CT_TCP_STATE_MAX + 1;
	nlh = build_msg(mb.b, &m);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	assert_false(e.flags & CT_F_STATE);
	assert_int_equal(e.tcp_state, 0);
}

/* A message starting at an odd address parses the same (no aligned loads). */
static void test_parse_unaligned(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_tcp);
	char *odd = malloc(nlh->nlmsg_len + 1);
	struct ct_entry e;

	assert_non_null(odd);
	memcpy(odd + 1, nlh, nlh->nlmsg_len);
	assert_int_equal(ct_nl_parse_msg(odd + 1, nlh->nlmsg_len, &e), 0);
	assert_entry(&e, &v4_tcp);
	free(odd);
}

/* len may exceed nlmsg_len (the next message follows); never the reverse. */
static void test_parse_lengths(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v6_udp);
	struct ct_entry e;
	uint32_t full = nlh->nlmsg_len;

	assert_int_equal(ct_nl_parse_msg(nlh, full + 64, &e), 0);
	assert_entry(&e, &v6_udp);
	nlh->nlmsg_len = full + 4;
	assert_int_equal(ct_nl_parse_msg(nlh, full, &e), -1);
	nlh->nlmsg_len = 3;
	assert_int_equal(ct_nl_parse_msg(nlh, full, &e), -1);
	assert_int_equal(ct_nl_parse_msg(nlh, 0, &e), -1);
}

static void test_parse_truncated(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_tcp);
	const size_t full = nlh->nlmsg_len, attrs = NLMSG_HDRLEN + sizeof(struct nfgenmsg);
	size_t starts[32], lens[32], nattr = 0, reply_end = 0;
	struct ct_entry whole, e;

	assert_int_equal(ct_nl_parse_msg(nlh, full, &whole), 0);
	/* Top-level attribute extents, to tell a cut inside one from a cut between. */
	for (size_t off = attrs; off < full; off += NLA_ALIGN(lens[nattr++])) {
		struct nlattr a;

		assert_true(nattr < 32);
		memcpy(&a, mb.b + off, sizeof a);
		starts[nattr] = off;
		lens[nattr] = a.nla_len;
		if ((a.nla_type & NLA_TYPE_MASK) == CTA_TUPLE_REPLY)
			reply_end = off + a.nla_len;
	}
	assert_true(reply_end > 0);

	for (size_t cut = 0; cut <= full; cut++) {
		char *copy = malloc(cut ? cut : 1);
		int inside = 0, r;

		assert_non_null(copy);
		/* The header still claims the full length: always refused. */
		memcpy(copy, mb.b, cut);
		if (cut < full)
			assert_int_equal(ct_nl_parse_msg(copy, cut, &e), -1);

		/* The header says cut: a well-formed but shorter message, or not. */
		if (cut >= sizeof(struct nlmsghdr)) {
			uint32_t l = (uint32_t)cut;

			memcpy(copy + offsetof(struct nlmsghdr, nlmsg_len), &l, sizeof l);
		}
		r = ct_nl_parse_msg(copy, cut, &e);
		free(copy);
		for (size_t i = 0; i < nattr; i++)
			if (cut > starts[i] && cut < starts[i] + lens[i])
				inside = 1;
		if (cut < attrs || inside) {
			assert_int_equal(r, -1);
			continue;
		}
		/* Between attributes: valid exactly when both tuples are in. */
		assert_int_equal(r, cut >= reply_end ? 0 : -1);
		if (r == 0) {
			assert_memory_equal(&e.orig.src, &whole.orig.src, sizeof e.orig.src);
			assert_memory_equal(&e.reply.dst, &whole.reply.dst, sizeof e.reply.dst);
			assert_int_equal(e.orig.sport, whole.orig.sport);
			assert_int_equal(e.proto, whole.proto);
			assert_true(e.status == 0 || e.status == whole.status);
			assert_true(e.zone == 0 || e.zone == whole.zone);
			assert_true((e.flags & ~whole.flags) == 0);
		} else {
			assert_int_equal(e.family, 0);
		}
	}
}

static void test_parse_bad(void **state)
{
	static const struct mspec *const bases[] = {
		&v4_tcp, &v6_udp, &v4_icmp, &v6_icmp, &v4_sctp, &v6_dccp, &v4_gre,
	};

	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		for (int bad = BAD_NONE + 1; bad < BAD_MAX; bad++) {
			struct mspec m = *bases[b];
			union msgbuf mb;
			struct nlmsghdr *nlh;
			struct ct_entry e;

			m.bad = (enum bad)bad;
			/* Variants that need what the base lacks. */
			if (m.family == AF_INET && bad == BAD_MIXED_FAMILY)
				m.family = AF_INET6, m.orig = v6_udp.orig, m.reply = v6_udp.reply;
			if (m.family == AF_INET6 && bad == BAD_ADDR_SIZE)
				continue;
			if (ct_proto_is_icmp(m.proto) && bad == BAD_PORT_SIZE)
				continue;
			if (m.proto == IPPROTO_ICMPV6 && bad == BAD_MIXED_FAMILY)
				continue;
			if (bad == BAD_STATE_SIZE && m.tcp_state < 0)
				m.tcp_state = CT_TCP_ESTABLISHED;
			if (bad == BAD_COUNTER_SIZE)
				m.counters = 64;
			if (bad == BAD_COUNTER32_SIZE)
				m.counters = 32;
			if (bad == BAD_ZONE_SIZE)
				m.zone = 9;
			if (bad == BAD_TUPLE_ZONE_SIZE)
				m.zone = 9, m.zone_dir = b % 2 ? ZONE_DIR_ORIG : ZONE_DIR_REPLY;
			if (bad == BAD_TSTAMP_SIZE)
				m.start_ns = 1;
			nlh = build_msg(mb.b, &m);
			if (parse_exact(nlh, nlh->nlmsg_len, &e) != -1)
				fail_msg("base %zu bad %d parsed", b, bad);
		}
	}
}

static void test_parse_wrong_family_and_type(void **state)
{
	static const uint8_t families[] = { AF_UNSPEC, AF_BRIDGE, 3, 255 };
	union msgbuf mb;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct ct_entry e;

	for (size_t i = 0; i < sizeof families; i++) {
		nlh = build_msg(mb.b, &v4_tcp);
		nfg = mnl_nlmsg_get_payload(nlh);
		nfg->nfgen_family = families[i];
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	}
	/* An IPv6 family over IPv4 tuples: the address attributes do not fit. */
	nlh = build_msg(mb.b, &v4_tcp);
	nfg = mnl_nlmsg_get_payload(nlh);
	nfg->nfgen_family = AF_INET6;
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);

	nlh = build_msg(mb.b, &v4_tcp);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_CT_NEW;
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS;
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	nlh->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	/* Destroy events share the layout. */
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
}

/* A nested attribute claiming more than its parent holds. */
static void test_parse_nest_overrun(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_tcp);
	size_t inner = NLMSG_HDRLEN + sizeof(struct nfgenmsg) + NLA_HDRLEN;
	struct nlattr a;
	struct ct_entry e;

	/* The orig tuple's CTA_TUPLE_IP now overlaps CTA_TUPLE_PROTO's header... */
	memcpy(&a, mb.b + inner, sizeof a);
	a.nla_len += 4;
	memcpy(mb.b + inner, &a, sizeof a);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	/* ...or runs past the end of the orig tuple. */
	a.nla_len = 2000;
	memcpy(mb.b + inner, &a, sizeof a);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
	/* A zero-length attribute would loop forever if accepted. */
	a.nla_len = 0;
	memcpy(mb.b + inner, &a, sizeof a);
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), -1);
}

/*
 * The layouts the kernel always uses for tuples, TCP state and counters are
 * read at fixed offsets; anything else is walked.  Both must give the same
 * entry: each layout below says the same thing in another shape.
 */
enum layout {
	LAY_KERNEL,	/* as a 6.x kernel writes it: the fixed readers apply */
	LAY_FLAGS,	/* no NLA_F_NESTED on nests, NLA_F_NET_BYTEORDER on leaves */
	LAY_EXTRA,	/* an ignored attribute more in each nest: walked */
	LAY_REORDERED,	/* every nest's attributes in reverse order: walked */
	LAY_MAX
};

struct lay {
	struct nlmsghdr *nlh;
	enum layout l;
};

static void lay_put(struct lay *y, uint16_t type, size_t len, const void *data)
{
	mnl_attr_put(y->nlh, y->l == LAY_FLAGS ? type | NLA_F_NET_BYTEORDER : type, len, data);
}

static struct nlattr *lay_nest(struct lay *y, uint16_t type)
{
	struct nlattr *n = mnl_attr_nest_start(y->nlh, type);

	if (y->l == LAY_FLAGS)
		n->nla_type &= (uint16_t)~NLA_F_NESTED;
	return n;
}

/* The leaves of one nest, in order or reversed; first[] decides. */
struct leaf {
	uint16_t type;
	size_t len;
	const void *data;
};

static void lay_leaves(struct lay *y, const struct leaf *lv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct leaf *f = &lv[y->l == LAY_REORDERED ? n - 1 - i : i];

		lay_put(y, f->type, f->len, f->data);
	}
}

static void lay_tuple(struct lay *y, uint16_t type, int family, uint8_t proto,
		      const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	uint8_t s[16] = { 0 }, d[16] = { 0 };
	uint16_t sp = htons(sport), dp = htons(dport), zone = htons(5);
	size_t alen = family == AF_INET ? 4 : 16;
	uint16_t ts = family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC;
	uint16_t td = family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST;
	const struct leaf ip[] = { { ts, alen, s }, { td, alen, d } };
	const struct leaf pr[] = {
		{ CTA_PROTO_NUM, 1, &proto }, { CTA_PROTO_SRC_PORT, 2, &sp },
		{ CTA_PROTO_DST_PORT, 2, &dp },
	};
	struct nlattr *nt = lay_nest(y, type), *n;

	assert_int_equal(inet_pton(family, src, s), 1);
	assert_int_equal(inet_pton(family, dst, d), 1);
	for (int part = 0; part < 2; part++) {
		int ip_part = (part == 0) != (y->l == LAY_REORDERED);

		n = lay_nest(y, ip_part ? CTA_TUPLE_IP : CTA_TUPLE_PROTO);
		if (ip_part)
			lay_leaves(y, ip, 2);
		else
			lay_leaves(y, pr, proto == IPPROTO_ICMP ? 1 : 3);
		mnl_attr_nest_end(y->nlh, n);
	}
	/* Not CTA_TUPLE_ZONE: that one is read (a directional zone). */
	if (y->l == LAY_EXTRA)
		lay_put(y, CTA_TUPLE_MAX + 1, 2, &zone);
	mnl_attr_nest_end(y->nlh, nt);
}

static void lay_counters(struct lay *y, uint16_t type, uint64_t pk, uint64_t by)
{
	uint64_t p = htobe64(pk), b = htobe64(by);
	const struct leaf lv[] = { { CTA_COUNTERS_PACKETS, 8, &p }, { CTA_COUNTERS_BYTES, 8, &b } };
	struct nlattr *n = lay_nest(y, type);

	/* What a kernel without fast unaligned access puts before a u64. */
	if (y->l == LAY_EXTRA)
		lay_put(y, CTA_COUNTERS_PAD, 0, NULL);
	lay_leaves(y, lv, 2);
	mnl_attr_nest_end(y->nlh, n);
}

static struct nlmsghdr *build_layout(void *buf, enum layout l, int family, uint8_t proto,
				     uint8_t tcp_state)
{
	const char *a = family == AF_INET ? "10.1.2.3" : "fd00::1:2:3";
	const char *b = family == AF_INET ? "192.0.2.44" : "2001:db8::44";
	struct lay y = { mnl_nlmsg_put_header(buf), l };
	uint8_t ws = 7, unknown = 1;
	uint16_t fl = htons(0x2323);
	uint32_t status = htonl(CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY), timeout = htonl(300);
	uint32_t id = htonl(0x1234abcd), use = htonl(1), mark = htonl(0);
	const struct leaf tcp[] = {
		{ CTA_PROTOINFO_TCP_STATE, 1, &tcp_state },
		{ CTA_PROTOINFO_TCP_WSCALE_ORIGINAL, 1, &ws },
		{ CTA_PROTOINFO_TCP_WSCALE_REPLY, 1, &ws },
		{ CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, 2, &fl },
		{ CTA_PROTOINFO_TCP_FLAGS_REPLY, 2, &fl },
	};
	struct nfgenmsg *nfg;

	y.nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nfg = mnl_nlmsg_put_extra_header(y.nlh, sizeof *nfg);
	nfg->nfgen_family = (uint8_t)family;
	lay_tuple(&y, CTA_TUPLE_ORIG, family, proto, a, b, 40000, 443);
	lay_tuple(&y, CTA_TUPLE_REPLY, family, proto, b, a, 443, 40000);
	lay_put(&y, CTA_STATUS, 4, &status);
	lay_put(&y, CTA_MARK, 4, &mark);
	lay_put(&y, CTA_ID, 4, &id);
	lay_put(&y, CTA_USE, 4, &use);
	lay_put(&y, CTA_TIMEOUT, 4, &timeout);
	if (proto == IPPROTO_TCP) {
		struct nlattr *pi = lay_nest(&y, CTA_PROTOINFO);
		struct nlattr *t = lay_nest(&y, CTA_PROTOINFO_TCP);

		lay_leaves(&y, tcp, 5);
		if (l == LAY_EXTRA)
			lay_put(&y, CTA_PROTOINFO_TCP_MAX + 1, 1, &unknown);
		mnl_attr_nest_end(y.nlh, t);
		mnl_attr_nest_end(y.nlh, pi);
	}
	lay_counters(&y, CTA_COUNTERS_ORIG, 3, 5000000000ull);
	lay_counters(&y, CTA_COUNTERS_REPLY, 2, 120);
	return y.nlh;
}

static void test_parse_layouts_agree(void **state)
{
	static const struct {
		int family;
		uint8_t proto, tcp_state;
	} cases[] = {
		{ AF_INET, IPPROTO_TCP, CT_TCP_ESTABLISHED },
		{ AF_INET, IPPROTO_TCP, CT_TCP_STATE_MAX },	/* unknown state: not kept */
		{ AF_INET6, IPPROTO_TCP, CT_TCP_TIME_WAIT },
		{ AF_INET, IPPROTO_UDP, 0 },
		{ AF_INET6, IPPROTO_UDP, 0 },
		{ AF_INET, IPPROTO_ICMP, 0 },			/* no ports: always walked */
		{ AF_INET6, IPPROTO_SCTP, 0 },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		union msgbuf mb;
		struct nlmsghdr *nlh;
		struct ct_entry want, e;

		nlh = build_layout(mb.b, LAY_KERNEL, cases[c].family, cases[c].proto,
				   cases[c].tcp_state);
		memset(&want, 0xa5, sizeof want);
		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &want), 0);
		assert_int_equal(want.family, cases[c].family);
		assert_int_equal(want.proto, cases[c].proto);
		assert_int_equal(want.orig.sport, cases[c].proto == IPPROTO_ICMP ? 0 : 40000);
		assert_int_equal(want.reply.dport, cases[c].proto == IPPROTO_ICMP ? 0 : 40000);
		assert_int_equal(want.orig.packets, 3);
		assert_true(want.orig.bytes == 5000000000ull);
		assert_int_equal(want.reply.bytes, 120);
		assert_int_equal(want.id, 0x1234abcd);
		if (cases[c].proto == IPPROTO_TCP && cases[c].tcp_state < CT_TCP_STATE_MAX) {
			assert_int_equal(want.flags, CT_F_COUNTERS | CT_F_ID | CT_F_STATE);
			assert_int_equal(want.tcp_state, cases[c].tcp_state);
		} else {
			assert_int_equal(want.flags, CT_F_COUNTERS | CT_F_ID);
			assert_int_equal(want.tcp_state, 0);
		}
		assert_addr(cases[c].family, &want.orig.src,
			    cases[c].family == AF_INET ? "10.1.2.3" : "fd00::1:2:3");
		assert_addr(cases[c].family, &want.reply.src,
			    cases[c].family == AF_INET ? "192.0.2.44" : "2001:db8::44");
		for (int l = LAY_KERNEL + 1; l < LAY_MAX; l++) {
			nlh = build_layout(mb.b, (enum layout)l, cases[c].family, cases[c].proto,
					   cases[c].tcp_state);
			memset(&e, 0x5a, sizeof e);
			if (parse_exact(nlh, nlh->nlmsg_len, &e) != 0)
				fail_msg("case %zu layout %d refused", c, l);
			if (memcmp(&e, &want, sizeof e) != 0)
				fail_msg("case %zu layout %d differs", c, l);
			assert_as_model(nlh, nlh->nlmsg_len);
		}
	}
}

/*
 * Kernel layouts with one header changed to a near miss (length one more or
 * less, another type, other flags): a fixed reader must then leave the
 * message to the walk, which decides as the model does.
 */
/* Offsets of every attribute header in [off, end) of buf, nests included. */
static void find_headers(const char *buf, size_t off, size_t end, size_t *hdrs, size_t *n)
{
	while (off + NLA_HDRLEN <= end) {
		struct nlattr a;

		memcpy(&a, buf + off, sizeof a);
		assert_true(a.nla_len >= NLA_HDRLEN && *n < 64);
		hdrs[(*n)++] = off;
		if (a.nla_type & NLA_F_NESTED)
			find_headers(buf, off + NLA_HDRLEN, off + a.nla_len, hdrs, n);
		off += NLA_ALIGN(a.nla_len);
	}
}

static void test_parse_layout_near_misses(void **state)
{
	static const struct {
		int family;
		uint8_t proto;
	} bases[] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	static const int lens[] = { 1, -1, 4, -4 };
	unsigned refused = 0, kept = 0;

	for (size_t c = 0; c < sizeof bases / sizeof bases[0]; c++) {
		for (int l = LAY_KERNEL; l < LAY_MAX; l++) {
			union msgbuf mb, orig;
			struct nlmsghdr *nlh = build_layout(orig.b, (enum layout)l, bases[c].family,
							    bases[c].proto, CT_TCP_ESTABLISHED);
			const size_t len = nlh->nlmsg_len;
			struct ct_entry whole, e;
			size_t hdrs[64], nhdrs = 0;

			assert_int_equal(parse_exact(nlh, len, &whole), 0);
			find_headers(orig.b, NLMSG_HDRLEN + sizeof(struct nfgenmsg), len, hdrs, &nhdrs);
			for (size_t h = 0; h < nhdrs; h++) {
				for (int how = 0; how < 6; how++) {
					struct nlattr a;

					memcpy(mb.b, orig.b, len);
					memcpy(&a, mb.b + hdrs[h], sizeof a);
					if (how < 4)
						a.nla_len = (uint16_t)(a.nla_len + lens[how]);
					else if (how == 4)
						a.nla_type ^= 0x0100;	/* unknown type, same length */
					else
						a.nla_type ^= NLA_F_NESTED | NLA_F_NET_BYTEORDER;
					memcpy(mb.b + hdrs[h], &a, sizeof a);
					assert_as_model(mb.b, len);
					memset(&e, 0x5a, sizeof e);
					if (parse_exact(mb.b, len, &e) == 0) {
						kept++;
						/* Flag bits never matter. */
						if (how == 5)
							assert_memory_equal(&e, &whole, sizeof e);
					} else {
						refused++;
						assert_true(how != 5);
					}
				}
			}
		}
	}
	assert_true(refused > 0 && kept > 0);
}

/* The dump request: family in the header, the protocol as CTA_FILTER. */
/*
 * GET requests (rereads) carry each protocol's tuple: ports or GRE keys as
 * CTA_PROTO_*_PORT, ICMP's and ICMPv6's id, type and code as their own
 * attributes; the kernel finds nothing without them.
 */
static void test_build_get_protos(void **state)
{
	static const struct mspec *const specs[] = {
		&v4_tcp, &v4_icmp, &v6_icmp, &v4_sctp, &v6_dccp, &v4_gre, &v4_udplite,
	};

	(void)state;
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		const struct mspec *m = specs[i];
		union msgbuf mb, req;
		struct nlmsghdr *nlh = build_msg(mb.b, m);
		const struct nlattr *a, *t, *pr;
		struct ct_entry e;
		int v6 = m->proto == IPPROTO_ICMPV6, icmp = ct_proto_is_icmp(m->proto);
		int have_id = 0, have_type = 0, have_code = 0, ports = 0, num = -1;

		assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
		assert_true(ct_nl_build_get(req.b, 7, &e) <= 192);
		nlh = &req.align;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
			if (mnl_attr_get_type(a) != CTA_TUPLE_ORIG)
				continue;
			mnl_attr_for_each_nested(t, a) {
				if (mnl_attr_get_type(t) != CTA_TUPLE_PROTO)
					continue;
				mnl_attr_for_each_nested(pr, t) {
					switch (mnl_attr_get_type(pr)) {
					case CTA_PROTO_NUM:
						num = mnl_attr_get_u8(pr);
						break;
					case CTA_PROTO_SRC_PORT:
						assert_int_equal(ntohs(mnl_attr_get_u16(pr)), m->orig.sport);
						ports++;
						break;
					case CTA_PROTO_DST_PORT:
						assert_int_equal(ntohs(mnl_attr_get_u16(pr)), m->orig.dport);
						ports++;
						break;
					case CTA_PROTO_ICMP_ID:
					case CTA_PROTO_ICMPV6_ID:
						assert_int_equal(mnl_attr_get_type(pr) == CTA_PROTO_ICMPV6_ID, v6);
						assert_int_equal(ntohs(mnl_attr_get_u16(pr)), m->orig.sport);
						have_id++;
						break;
					case CTA_PROTO_ICMP_TYPE:
					case CTA_PROTO_ICMPV6_TYPE:
						assert_int_equal(mnl_attr_get_type(pr) == CTA_PROTO_ICMPV6_TYPE, v6);
						assert_int_equal(mnl_attr_get_u8(pr), m->orig.icmp_type);
						have_type++;
						break;
					case CTA_PROTO_ICMP_CODE:
					case CTA_PROTO_ICMPV6_CODE:
						assert_int_equal(mnl_attr_get_u8(pr), 0);
						have_code++;
						break;
					default:
						fail_msg("spec %zu: attribute %u", i, mnl_attr_get_type(pr));
					}
				}
			}
		}
		assert_int_equal(num, m->proto);
		assert_int_equal(ports, icmp ? 0 : 2);
		assert_int_equal(have_id, icmp);
		assert_int_equal(have_type, icmp);
		assert_int_equal(have_code, icmp);
	}
}

/*
 * DELETE requests: the GET's tuple, acknowledged, with the id and the zone
 * the lookup needs; never a request without a tuple (the kernel would
 * flush the whole table).
 */
static void test_build_delete(void **state)
{
	static const unsigned dirs[] = { 0, ZONE_DIR_ORIG, ZONE_DIR_REPLY,
					 ZONE_DIR_ORIG | ZONE_DIR_REPLY };
	static const struct mspec *const bases[] = { &v4_tcp, &v6_udp, &v4_icmp, &v4_gre };

	(void)state;
	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] + 1; i++) {
			struct mspec m = *bases[b];
			union msgbuf mb, req;
			struct nlmsghdr *nlh;
			const struct nfgenmsg *nfg;
			const struct nlattr *a, *t, *x;
			struct ct_entry e;
			int tuples = 0, ips = 0, protos = 0, ids = 0, zones = 0, zone_want;
			size_t len;

			/* i == 4: no zone at all. */
			m.zone = i < 4 ? (uint16_t)(200 + i) : 0;
			m.zone_dir = i < 4 ? dirs[i] : 0;
			nlh = build_msg(mb.b, &m);
			assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
			len = ct_nl_build_delete(req.b, 99, &e);
			assert_true(len > 0 && len <= 192);
			nlh = &req.align;
			assert_int_equal(nlh->nlmsg_len, len);
			assert_int_equal(nlh->nlmsg_seq, 99);
			assert_int_equal(nlh->nlmsg_type,
					 (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE);
			assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
			nfg = mnl_nlmsg_get_payload(nlh);
			assert_int_equal(nfg->nfgen_family, m.family);
			assert_int_equal(nfg->version, NFNETLINK_V0);
			mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
				switch (mnl_attr_get_type(a) & NLA_TYPE_MASK) {
				case CTA_TUPLE_ORIG:
					tuples++;
					mnl_attr_for_each_nested(t, a) {
						if (mnl_attr_get_type(t) == CTA_TUPLE_PROTO) {
							protos++;
							continue;
						}
						assert_int_equal(mnl_attr_get_type(t), CTA_TUPLE_IP);
						ips++;
						mnl_attr_for_each_nested(x, t) {
							size_t al = m.family == AF_INET ? 4 : 16;
							int src = mnl_attr_get_type(x) == CTA_IP_V4_SRC ||
								  mnl_attr_get_type(x) == CTA_IP_V6_SRC;

							assert_int_equal(mnl_attr_get_payload_len(x), al);
							assert_memory_equal(mnl_attr_get_payload(x),
									    src ? e.orig.src.b : e.orig.dst.b,
									    al);
						}
					}
					break;
				case CTA_ID:
					ids++;
					assert_int_equal(ntohl(mnl_attr_get_u32(a)), m.id);
					break;
				case CTA_ZONE:
					zones++;
					assert_int_equal(ntohs(mnl_attr_get_u16(a)), m.zone);
					break;
				default:
					fail_msg("base %zu zone %zu: attribute %u", b, i,
						 mnl_attr_get_type(a));
				}
			}
			/* The original tuple is hashed in the zone only if it applies to it. */
			zone_want = m.zone && (m.zone_dir == 0 || (m.zone_dir & ZONE_DIR_ORIG));
			assert_int_equal(tuples, 1);
			assert_int_equal(ips, 1);
			assert_int_equal(protos, 1);
			assert_int_equal(ids, 1);
			assert_int_equal(zones, zone_want);

			/* The same request without a known id: no CTA_ID. */
			e.flags &= (uint8_t)~CT_F_ID;
			len = ct_nl_build_delete(req.b, 100, &e);
			ids = 0;
			mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
				ids += mnl_attr_get_type(a) == CTA_ID;
			assert_true(len > 0);
			assert_int_equal(ids, 0);
		}
	}
}

/* An entry of no family the kernel looks up: no request at all. */
static void test_build_delete_refuses(void **state)
{
	union msgbuf mb, req;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_tcp);
	struct ct_entry e;
	static const uint8_t bad[] = { AF_UNSPEC, AF_UNIX, 255 };

	(void)state;
	assert_int_equal(parse_exact(nlh, nlh->nlmsg_len, &e), 0);
	for (size_t i = 0; i < sizeof bad; i++) {
		e.family = bad[i];
		memset(req.b, 0x5a, 64);
		assert_int_equal(ct_nl_build_delete(req.b, 1, &e), 0);
	}
}

static void test_build_request(void **state)
{
	union { char b[CT_NL_REQ_MAX]; struct nlmsghdr align; } req;
	struct ct_nl_filter f = { 0 };
	const struct nlmsghdr *nlh = &req.align;
	const struct nfgenmsg *nfg;
	const struct nlattr *a, *in, *in2;
	size_t len;
	int seen = 0;

	(void)state;
	len = ct_nl_build_request(req.b, 42, NULL, 1);
	nfg = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof *nfg);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_seq, 42);
	assert_int_equal(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nfg->nfgen_family, AF_UNSPEC);

	/* A protocol without a family is not sent (the kernel would refuse it). */
	f.proto = IPPROTO_TCP;
	assert_int_equal(ct_nl_build_request(req.b, 1, &f, 1), NLMSG_HDRLEN + sizeof *nfg);
	/* A family alone: the header's family, no attributes. */
	f.family = AF_INET6;
	assert_int_equal(ct_nl_build_request(req.b, 1, &f, 0), NLMSG_HDRLEN + sizeof *nfg);
	assert_int_equal(nfg->nfgen_family, AF_INET6);

	f.family = AF_INET;
	f.proto = IPPROTO_UDP;
	len = ct_nl_build_request(req.b, 1, &f, 1);
	assert_true(len > NLMSG_HDRLEN + sizeof *nfg && len <= CT_NL_REQ_MAX);
	assert_int_equal(nfg->nfgen_family, AF_INET);
	mnl_attr_for_each(a, nlh, sizeof *nfg) {
		switch (mnl_attr_get_type(a)) {
		case CTA_FILTER:
			assert_true(a->nla_type & NLA_F_NESTED);
			mnl_attr_for_each_nested(in, a) {
				if (mnl_attr_get_type(in) == CTA_FILTER_ORIG_FLAGS)
					assert_int_equal(mnl_attr_get_u32(in), 1u << 3);
				else if (mnl_attr_get_type(in) == CTA_FILTER_REPLY_FLAGS)
					assert_int_equal(mnl_attr_get_u32(in), 0);
				else
					fail_msg("unexpected CTA_FILTER attribute %d",
						 mnl_attr_get_type(in));
			}
			seen |= 1;
			break;
		case CTA_TUPLE_ORIG:
			mnl_attr_for_each_nested(in, a) {
				assert_int_equal(mnl_attr_get_type(in), CTA_TUPLE_PROTO);
				mnl_attr_for_each_nested(in2, in) {
					assert_int_equal(mnl_attr_get_type(in2), CTA_PROTO_NUM);
					assert_int_equal(mnl_attr_get_u8(in2), IPPROTO_UDP);
					seen |= 2;
				}
			}
			break;
		default:
			fail_msg("unexpected attribute %d", mnl_attr_get_type(a));
		}
	}
	assert_int_equal(seen, 3);
	/* use_proto 0: the family only. */
	assert_int_equal(ct_nl_build_request(req.b, 1, &f, 0), NLMSG_HDRLEN + sizeof *nfg);
}

/* Which requests a filter makes: one per family, protocol and port condition. */
static void test_plan(void **state)
{
	struct ct_nl_pass p[CT_NL_PASSES_MAX];
	struct ct_nl_filter f = { .family = AF_UNSPEC, .proto = IPPROTO_TCP, .nports = 1,
				  .ports = { { CT_NL_ORIG_DPORT, 3306 } } };

	(void)state;
	/* -a --aport 3306: IPv4 then IPv6, TCP, original destination port. */
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 2);
	assert_int_equal(p[0].family, AF_INET);
	assert_int_equal(p[1].family, AF_INET6);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[i].proto, IPPROTO_TCP);
		assert_int_equal(p[i].port.field, CT_NL_ORIG_DPORT);
		assert_int_equal(p[i].port.port, 3306);
	}
	/* One family, TCP and UDP (proto 0). */
	f.family = AF_INET6;
	f.proto = 0;
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 2);
	assert_int_equal(p[0].family, AF_INET6);
	assert_int_equal(p[0].proto, IPPROTO_TCP);
	assert_int_equal(p[1].family, AF_INET6);
	assert_int_equal(p[1].proto, IPPROTO_UDP);
	/* -p --pport 443: reply source port, then original source port, per family. */
	f = (struct ct_nl_filter){ .family = AF_UNSPEC, .proto = IPPROTO_TCP, .nports = 2,
				   .ports = { { CT_NL_REPLY_SPORT, 443 }, { CT_NL_ORIG_SPORT, 443 } } };
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 4);
	assert_int_equal(p[0].family, AF_INET);
	assert_int_equal(p[0].port.field, CT_NL_REPLY_SPORT);
	assert_int_equal(p[1].family, AF_INET);
	assert_int_equal(p[1].port.field, CT_NL_ORIG_SPORT);
	assert_int_equal(p[2].family, AF_INET6);
	assert_int_equal(p[2].port.field, CT_NL_REPLY_SPORT);
	assert_int_equal(p[3].family, AF_INET6);
	assert_int_equal(p[3].port.field, CT_NL_ORIG_SPORT);
	assert_int_equal(p[3].port.port, 443);
	/* Eight requests would cost more than they save: one, as before. */
	f.proto = 0;
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_int_equal(p[0].family, AF_UNSPEC);
	assert_int_equal(p[0].proto, 0);
	assert_int_equal(p[0].port.field, 0);
	/* Ports refused: the family and protocol request; protocol refused too. */
	f = (struct ct_nl_filter){ .family = AF_INET, .proto = IPPROTO_UDP, .nports = 1,
				   .ports = { { CT_NL_ORIG_DPORT, 53 } } };
	assert_int_equal(ct_nl_plan(&f, 1, 0, p), 1);
	assert_int_equal(p[0].family, AF_INET);
	assert_int_equal(p[0].proto, IPPROTO_UDP);
	assert_int_equal(p[0].port.field, 0);
	assert_int_equal(ct_nl_plan(&f, 0, 0, p), 1);
	assert_int_equal(p[0].proto, 0);
	/* A field it does not know, or too many conditions: no ports. */
	f.ports[0].field = 9;
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_int_equal(p[0].port.field, 0);
	f.ports[0].field = CT_NL_ORIG_DPORT;
	f.nports = CT_NL_PORTS_MAX + 1;
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_int_equal(p[0].port.field, 0);
	f.nports = 0;
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_int_equal(p[0].proto, IPPROTO_UDP);
}

/* The kernel filter of a command line (batch unless said), into *f. */
static void kfilter_of(const char *line, int batch, int off, struct ct_nl_filter *f)
{
	char copy[256], *argv[16], err[256];
	struct cli_opts o;
	int argc = 0;

	snprintf(copy, sizeof copy, "lsconntrack %s", line);
	for (char *t = strtok(copy, " "); t && argc < 15; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	cli_init(&o);
	assert_int_equal(cli_parse(&o, argc, argv, err, sizeof err), 0);
	memset(f, 0xa5, sizeof *f);
	cli_kernel_filter(&o, batch, off, f);
	cli_fini(&o);
}

/* Ports go to the kernel only where what it sends is a superset of what is shown. */
static void test_cli_kernel_filter(void **state)
{
	static const char *const none[] = {
		"--aport 3306",			/* passive flows shown too */
		"-p --aport 3306",		/* the port of a side not shown */
		"-a --pport 443",
		"-a -p --aport 3306",
		"-a --aport 3306,3307",		/* several ports */
		"-a --aport 3306 --aport 11211",
		"-a --aport 3000-3306",		/* a range */
		"-a --aport !22",		/* a negation */
		"-a --aport 3306,!3306",	/* matches nothing */
		"-p --pport 80-81",
		"-a",
		"-p",
		"-n --local 10.0.0.1",		/* no peer-address filter exists */
		/* Other protocols: the kernel plan covers TCP and UDP ports only. */
		"-a --aport 38412 --proto sctp",
		"-a --aport 80 --proto all",
		"-a --aport 80 --proto tcp,icmp",
		"-p --pport 7000 --proto udplite",
	};
	struct ct_nl_filter f;

	(void)state;
	kfilter_of("-a --aport 3306", 1, 0, &f);
	assert_int_equal(f.family, AF_UNSPEC);
	assert_int_equal(f.proto, IPPROTO_TCP);
	assert_int_equal(f.nports, 1);
	assert_int_equal(f.ports[0].field, CT_NL_ORIG_DPORT);
	assert_int_equal(f.ports[0].port, 3306);
	/* The old form, a negation of another port, a repeat: still one port. */
	kfilter_of("-4 -u --active 53", 1, 0, &f);
	assert_int_equal(f.family, AF_INET);
	assert_int_equal(f.proto, IPPROTO_UDP);
	assert_int_equal(f.nports, 1);
	assert_int_equal(f.ports[0].port, 53);
	kfilter_of("-a --aport 3306,!22 --aport 3306", 1, 0, &f);
	assert_int_equal(f.nports, 1);
	assert_int_equal(f.ports[0].port, 3306);
	kfilter_of("-p --pport 443 -t -u", 1, 0, &f);
	assert_int_equal(f.proto, 0);
	assert_int_equal(f.nports, 2);
	assert_int_equal(f.ports[0].field, CT_NL_REPLY_SPORT);
	assert_int_equal(f.ports[0].port, 443);
	assert_int_equal(f.ports[1].field, CT_NL_ORIG_SPORT);
	assert_int_equal(f.ports[1].port, 443);
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		kfilter_of(none[i], 1, 0, &f);
		if (f.nports != 0)
			fail_msg("'%s' gave %u kernel ports", none[i], f.nports);
	}
	/* One protocol of the others: the kernel sends only its entries. */
	kfilter_of("--proto sctp", 1, 0, &f);
	assert_int_equal(f.proto, IPPROTO_SCTP);
	kfilter_of("--proto gre -a", 1, 0, &f);
	assert_int_equal(f.proto, IPPROTO_GRE);
	kfilter_of("--proto icmpv6", 1, 0, &f);
	assert_int_equal(f.proto, IPPROTO_ICMPV6);
	/* icmp is ICMP and ICMPv6: one of them only with one family. */
	kfilter_of("--proto icmp", 1, 0, &f);
	assert_int_equal(f.proto, 0);
	kfilter_of("--proto icmp -4", 1, 0, &f);
	assert_int_equal(f.family, AF_INET);
	assert_int_equal(f.proto, IPPROTO_ICMP);
	kfilter_of("--proto icmp -6", 1, 0, &f);
	assert_int_equal(f.proto, IPPROTO_ICMPV6);
	kfilter_of("--proto icmp,tcp -6", 1, 0, &f);
	assert_int_equal(f.proto, 0);
	kfilter_of("--proto all", 1, 0, &f);
	assert_int_equal(f.proto, 0);
	kfilter_of("--proto sctp", 0, 0, &f);
	assert_int_equal(f.proto, IPPROTO_SCTP);
	/* The monitor: family and protocol only. */
	kfilter_of("-6 -a --aport 3306", 0, 0, &f);
	assert_int_equal(f.family, AF_INET6);
	assert_int_equal(f.proto, IPPROTO_TCP);
	assert_int_equal(f.nports, 0);
	/* LSCT_NO_KFILTER: the family only. */
	kfilter_of("-6 -a --aport 3306", 1, 1, &f);
	assert_int_equal(f.family, AF_INET6);
	assert_int_equal(f.proto, 0);
	assert_int_equal(f.nports, 0);
	/* --zone and --mark: batch and monitor alike; not with LSCT_NO_KFILTER. */
	for (int batch = 0; batch < 2; batch++) {
		kfilter_of("--zone 7 --mark 0x1310/0xff", batch, 0, &f);
		assert_true(f.has_zone && f.zone == 7 && f.has_mark);
		assert_int_equal(f.mark_val, 0x10);
		assert_int_equal(f.mark_mask, 0xff);
	}
	kfilter_of("--mark 16", 1, 0, &f);
	assert_true(!f.has_zone && f.has_mark && f.mark_val == 16 && f.mark_mask == UINT32_MAX);
	kfilter_of("--zone 0", 1, 0, &f);
	assert_true(f.has_zone && f.zone == 0 && !f.has_mark);
	kfilter_of("-a --aport 3306", 1, 0, &f);
	assert_true(!f.has_zone && !f.has_mark);
	kfilter_of("--zone 7 --mark 1", 1, 1, &f);
	assert_true(!f.has_zone && !f.has_mark);
}

/*
 * --zone and --mark go to the kernel in every request, with or without a
 * family, protocol or ports; the mark already masked.
 */
static void test_zone_mark_request(void **state)
{
	/* CTA_MARK (8) 0x10, CTA_MARK_MASK (21) 0xff, CTA_ZONE (18) 7: big-endian. */
	static const uint8_t zm[] = {
		8, 0, 8, 0, 0, 0, 0, 0x10,
		8, 0, 21, 0, 0, 0, 0, 0xff,
		6, 0, 18, 0, 0, 7, 0, 0,
	};
	struct ct_nl_filter f = { .family = AF_UNSPEC, .has_zone = 1, .zone = 7, .has_mark = 1,
				  .mark_val = 0x1310, .mark_mask = 0xff };
	struct ct_nl_pass p[CT_NL_PASSES_MAX];
	union { char b[CT_NL_REQ_MAX]; struct nlmsghdr align; } req;
	size_t len, base = NLMSG_HDRLEN + sizeof(struct nfgenmsg);
	unsigned n;

	(void)state;
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_true(p[0].has_zone && p[0].zone == 7 && p[0].has_mark);
	assert_int_equal(p[0].mark_val, 0x10);
	assert_int_equal(p[0].mark_mask, 0xff);
	assert_int_equal(p[0].proto, 0);
	len = ct_nl_build_pass(req.b, 1, &p[0]);
	assert_int_equal(len, base + sizeof zm);
	assert_memory_equal(req.b + base, zm, sizeof zm);
	/* With a family, protocol and two ports: every pass asks for both. */
	f.family = AF_INET;
	f.proto = IPPROTO_TCP;
	f.nports = 2;
	f.ports[0] = (struct ct_nl_port){ CT_NL_REPLY_SPORT, 443 };
	f.ports[1] = (struct ct_nl_port){ CT_NL_ORIG_SPORT, 443 };
	n = ct_nl_plan(&f, 1, 1, p);
	assert_int_equal(n, 2);
	for (unsigned i = 0; i < n; i++) {
		assert_true(p[i].has_zone && p[i].has_mark && p[i].zone == 7);
		assert_int_equal(p[i].mark_val, 0x10);
		len = ct_nl_build_pass(req.b, 1, &p[i]);
		assert_true(len > base + sizeof zm && len <= CT_NL_REQ_MAX);
		assert_memory_equal(req.b + base, zm, sizeof zm);
	}
	/* Zone alone; mark alone with the whole mask. */
	f = (struct ct_nl_filter){ .family = AF_INET6, .has_zone = 1, .zone = 0 };
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_false(p[0].has_mark);
	len = ct_nl_build_pass(req.b, 1, &p[0]);
	assert_memory_equal(req.b + base, zm + 16, 4);
	assert_int_equal(req.b[base + 4], 0);
	assert_int_equal(req.b[base + 5], 0);
	f = (struct ct_nl_filter){ .has_mark = 1, .mark_val = 5, .mark_mask = UINT32_MAX };
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_false(p[0].has_zone);
	assert_int_equal(ct_nl_build_pass(req.b, 1, &p[0]), base + 16);
	/* Neither: the request of before. */
	f = (struct ct_nl_filter){ .family = AF_UNSPEC };
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	assert_int_equal(ct_nl_build_pass(req.b, 1, &p[0]), base);
}

/* Each entry is kept by the first pass it matches, and only by that one. */
static void test_pass_keeps(void **state)
{
	struct ct_nl_pass p[CT_NL_PASSES_MAX];
	struct ct_nl_filter f = { .family = AF_UNSPEC, .proto = IPPROTO_TCP, .nports = 2,
				  .ports = { { CT_NL_REPLY_SPORT, 443 }, { CT_NL_ORIG_SPORT, 443 } } };
	struct ct_entry e;
	unsigned n;

	(void)state;
	n = ct_nl_plan(&f, 1, 1, p);
	assert_int_equal(n, 4);
	memset(&e, 0, sizeof e);
	e.family = AF_INET;
	e.proto = IPPROTO_TCP;
	/* A peer's connection to local port 443: pass 0 only. */
	e.orig.sport = 50000, e.orig.dport = 443, e.reply.sport = 443, e.reply.dport = 50000;
	assert_true(ct_nl_pass_keeps(p, 0, &e));
	for (unsigned i = 1; i < n; i++)
		assert_false(ct_nl_pass_keeps(p, i, &e));
	/* Picked up mid-stream (first packet from local 443): pass 1 only. */
	e.orig.sport = 443, e.orig.dport = 50000, e.reply.sport = 50000, e.reply.dport = 443;
	assert_false(ct_nl_pass_keeps(p, 0, &e));
	assert_true(ct_nl_pass_keeps(p, 1, &e));
	assert_false(ct_nl_pass_keeps(p, 2, &e));
	assert_false(ct_nl_pass_keeps(p, 3, &e));
	/* 443 to 443 matches both conditions: delivered once, by pass 0. */
	e.orig.dport = 443, e.reply.sport = 443;
	assert_true(ct_nl_pass_keeps(p, 0, &e));
	assert_false(ct_nl_pass_keeps(p, 1, &e));
	/* The same over IPv6: passes 2 and 3. */
	e.family = AF_INET6;
	assert_false(ct_nl_pass_keeps(p, 0, &e));
	assert_false(ct_nl_pass_keeps(p, 1, &e));
	assert_true(ct_nl_pass_keeps(p, 2, &e));
	assert_false(ct_nl_pass_keeps(p, 3, &e));
	/* Another port, another protocol: none. */
	e.orig.sport = 1, e.reply.sport = 2;
	for (unsigned i = 0; i < n; i++)
		assert_false(ct_nl_pass_keeps(p, i, &e));
	e.orig.sport = 443, e.reply.sport = 443, e.proto = IPPROTO_UDP;
	for (unsigned i = 0; i < n; i++)
		assert_false(ct_nl_pass_keeps(p, i, &e));
	/* Original destination port. */
	f = (struct ct_nl_filter){ .family = AF_INET, .proto = IPPROTO_UDP, .nports = 1,
				   .ports = { { CT_NL_ORIG_DPORT, 53 } } };
	assert_int_equal(ct_nl_plan(&f, 1, 1, p), 1);
	e.family = AF_INET;
	e.orig.dport = 53;
	assert_true(ct_nl_pass_keeps(p, 0, &e));
	e.orig.dport = 54;
	e.reply.sport = 53;
	assert_false(ct_nl_pass_keeps(p, 0, &e));
}

/* The exact bytes after the nfgenmsg header of a port request (little-endian host). */
static void assert_pass_bytes(const struct ct_nl_pass *p, const uint8_t *want, size_t want_len)
{
	union { char b[CT_NL_REQ_MAX]; struct nlmsghdr align; } req;
	size_t len = ct_nl_build_pass(req.b, 7, p);
	const struct nlmsghdr *nlh = &req.align;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(len, NLMSG_HDRLEN + sizeof *nfg + want_len);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nfg->nfgen_family, p->family);
	if (want_len)
		assert_memory_equal(req.b + NLMSG_HDRLEN + sizeof *nfg, want, want_len);
}

static void test_build_pass_ports(void **state)
{
	/* CTA_FILTER (25): ORIG_FLAGS = proto | dst port, REPLY_FLAGS = 0;
	 * CTA_TUPLE_ORIG (1) { CTA_TUPLE_PROTO (2) { CTA_PROTO_NUM 6,
	 * CTA_PROTO_DST_PORT (3) 3306 big-endian } }; every nest carries
	 * NLA_F_NESTED (0x8000). */
	static const uint8_t orig_dport[] = {
		20, 0, 25, 0x80,
		8, 0, 1, 0, 0x28, 0, 0, 0,
		8, 0, 2, 0, 0, 0, 0, 0,
		24, 0, 1, 0x80,
		20, 0, 2, 0x80,
		5, 0, 1, 0, 6, 0, 0, 0,
		6, 0, 3, 0, 0x0c, 0xea, 0, 0,
	};
	/* Original source port (bit 4, CTA_PROTO_SRC_PORT 2), UDP 53. */
	static const uint8_t orig_sport[] = {
		20, 0, 25, 0x80,
		8, 0, 1, 0, 0x18, 0, 0, 0,
		8, 0, 2, 0, 0, 0, 0, 0,
		24, 0, 1, 0x80,
		20, 0, 2, 0x80,
		5, 0, 1, 0, 17, 0, 0, 0,
		6, 0, 2, 0, 0, 53, 0, 0,
	};
	/* Reply source port 443: the original tuple names the protocol, the
	 * reply tuple (2) the protocol and its source port. */
	static const uint8_t reply_sport[] = {
		20, 0, 25, 0x80,
		8, 0, 1, 0, 0x08, 0, 0, 0,
		8, 0, 2, 0, 0x18, 0, 0, 0,
		16, 0, 1, 0x80,
		12, 0, 2, 0x80,
		5, 0, 1, 0, 6, 0, 0, 0,
		24, 0, 2, 0x80,
		20, 0, 2, 0x80,
		5, 0, 1, 0, 6, 0, 0, 0,
		6, 0, 2, 0, 0x01, 0xbb, 0, 0,
	};
	struct ct_nl_pass p = { .family = AF_INET, .proto = IPPROTO_TCP,
				.port = { CT_NL_ORIG_DPORT, 3306 } };

	(void)state;
	if (htons(1) == 1)
		skip();
	assert_pass_bytes(&p, orig_dport, sizeof orig_dport);
	p = (struct ct_nl_pass){ .family = AF_INET6, .proto = IPPROTO_UDP,
				.port = { CT_NL_ORIG_SPORT, 53 } };
	assert_pass_bytes(&p, orig_sport, sizeof orig_sport);
	p = (struct ct_nl_pass){ .family = AF_INET, .proto = IPPROTO_TCP,
				.port = { CT_NL_REPLY_SPORT, 443 } };
	assert_pass_bytes(&p, reply_sport, sizeof reply_sport);
	/* No family: the kernel takes no tuple filter then; nothing is sent. */
	p.family = AF_UNSPEC;
	assert_pass_bytes(&p, NULL, 0);
	/* The old entry point never sends ports. */
	{
		union { char b[CT_NL_REQ_MAX]; struct nlmsghdr align; } req;
		struct ct_nl_filter f = { .family = AF_INET, .proto = IPPROTO_TCP, .nports = 1,
					  .ports = { { CT_NL_ORIG_DPORT, 3306 } } };

		assert_int_equal(ct_nl_build_request(req.b, 1, &f, 1),
				 NLMSG_HDRLEN + sizeof(struct nfgenmsg) + 20 + 16);
	}
}

/*
 * Random byte damage, to hand-built and kernel-layout messages: no crash, no
 * out-of-bounds read, and the model's answer.
 */
static void test_parse_mutations(void **state)
{
	struct mspec zt = v6_udp, zr = v4_tcp;
	const struct mspec *const bases[] = { &v4_tcp, &v6_udp, &v4_icmp, &zt, &zr };
	const struct mspec *const more[] = { &v6_icmp, &v4_sctp, &v6_dccp, &v4_gre };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0;

	/* Directional zones and timestamps: the walked paths for those. */
	zt.zone = 4, zt.zone_dir = ZONE_DIR_ORIG, zt.start_ns = 99, zt.stop_ns = 100;
	zr.zone = 8, zr.zone_dir = ZONE_DIR_REPLY, zr.delete = 1, zr.start_ns = 5;
	for (unsigned iter = 0; iter < 40000; iter++) {
		union msgbuf mb;
		unsigned base = iter % 10;
		/* base 9: the other protocols' messages, in turn */
		struct nlmsghdr *nlh = base == 9 ? build_msg(mb.b, more[iter / 10 % 4]) :
			base >= 7 ? build_msg(mb.b, bases[base - 4]) :
			base < 3 ? build_msg(mb.b, bases[base]) :
			build_layout(mb.b, base < 5 ? LAY_KERNEL : LAY_EXTRA,
				     base % 2 ? AF_INET : AF_INET6,
				     base < 5 ? IPPROTO_TCP : IPPROTO_UDP, CT_TCP_SYN_SENT);
		size_t len = nlh->nlmsg_len;
		struct ct_entry e;

		for (unsigned k = 0; k < 1 + iter % 4; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			mb.b[x % len] = (char)(x >> 32);
		}
		if (iter % 5 == 0)
			len = (x >> 40) % (len + 1);
		assert_as_model(mb.b, len);
		if (parse_exact(mb.b, len, &e) == 0) {
			ok++;
			assert_true(e.family == AF_INET || e.family == AF_INET6);
		}
	}
	assert_true(ok > 0);
}

/* ---- the dump loop on a fake socket --------------------------------------- */

/*
 * These stand in for libmnl's socket calls (the binary's definitions win
 * over the shared library's), so ct_nl_open() and ct_nl_dump() run without
 * a socket: a request is recorded, and each read returns the next part of a
 * canned reply.  A reply is a stale message of an earlier request, two
 * entries, then NLMSG_DONE in a read of its own.
 */
#define FAKE_PORTID 4242u

static struct {
	uint32_t seq;		/* of the last request */
	unsigned requests;	/* dump requests sent */
	unsigned opens;		/* sockets opened */
	unsigned part;		/* reads of this reply so far */
	unsigned intr_dumps;	/* flag the next this many replies NLM_F_DUMP_INTR */
	unsigned nobufs_dumps;	/* the next this many replies fail a read with ENOBUFS */
	unsigned busy_dumps;	/* the next this many replies are an EBUSY error */
	unsigned einval_dumps;	/* ... an EINVAL error (a filter refused) */
	uint8_t family[16];	/* request n's header family (n < 16) */
	size_t len[16];		/* and its length */
	int done_error;		/* DONE carries this (negative) error once */
	int flag;		/* the current reply is interrupted */
} fake;

static char fake_sock;

struct mnl_socket *mnl_socket_open2(int bus, int flags)
{
	(void)bus;
	(void)flags;
	fake.opens++;
	return (struct mnl_socket *)(void *)&fake_sock;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	return 0;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	(void)nl;
	return -1;	/* setsockopt() and the drain's recv() fail harmlessly */
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	(void)nl;
	(void)type;
	(void)buf;
	(void)len;
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t siz)
{
	const struct nlmsghdr *nlh = req;

	(void)nl;
	assert_true(siz >= sizeof *nlh);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	fake.seq = nlh->nlmsg_seq;
	if (fake.requests < 16) {
		fake.family[fake.requests] =
			((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family;
		fake.len[fake.requests] = siz;
	}
	fake.requests++;
	fake.part = 0;
	fake.flag = 0;
	if (fake.intr_dumps) {
		fake.intr_dumps--;
		fake.flag = 1;
	}
	return (ssize_t)siz;
}

/* Appends an entry message of request seq at buf + *len. */
static void fake_put_entry(char *buf, size_t *len, uint32_t seq, int flag)
{
	struct mspec m = v4_tcp;
	struct nlmsghdr *nlh;

	m.seq = seq;
	m.nlflags = NLM_F_MULTI | (flag ? NLM_F_DUMP_INTR : 0);
	nlh = build_msg(buf + *len, &m);
	nlh->nlmsg_pid = FAKE_PORTID;
	*len += NLMSG_ALIGN(nlh->nlmsg_len);
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t siz)
{
	size_t len = 0;
	struct nlmsghdr *nlh;

	(void)nl;
	assert_true(siz >= 8192);
	memset(buf, 0, 8192);
	switch (fake.part++) {
	case 0:
		if (fake.busy_dumps || fake.einval_dumps) {
			struct nlmsgerr me = { .error = fake.busy_dumps ? -EBUSY : -EINVAL };

			if (fake.busy_dumps)
				fake.busy_dumps--;
			else
				fake.einval_dumps--;
			nlh = mnl_nlmsg_put_header(buf);
			nlh->nlmsg_type = NLMSG_ERROR;
			nlh->nlmsg_seq = fake.seq;
			nlh->nlmsg_pid = FAKE_PORTID;
			memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof me), &me, sizeof me);
			return nlh->nlmsg_len;
		}
		/* Left over from an abandoned request: never delivered. */
		fake_put_entry(buf, &len, fake.seq - 1, 0);
		fake_put_entry(buf, &len, fake.seq, fake.flag);
		fake_put_entry(buf, &len, fake.seq, fake.flag);
		return (ssize_t)len;
	case 1:
		if (fake.nobufs_dumps) {
			fake.nobufs_dumps--;
			errno = ENOBUFS;
			return -1;
		}
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_flags = NLM_F_MULTI | (fake.flag ? NLM_F_DUMP_INTR : 0);
		nlh->nlmsg_seq = fake.seq;
		nlh->nlmsg_pid = FAKE_PORTID;
		*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = fake.done_error;
		fake.done_error = 0;
		return nlh->nlmsg_len;
	default:
		fail_msg("read past the end of dump %u", (unsigned)fake.seq);
		return -1;
	}
}

struct fake_sink {
	unsigned adds, resets;
};

static int fake_add(const struct ct_entry *e, void *arg)
{
	struct fake_sink *k = arg;

	assert_entry(e, &v4_tcp);
	k->adds++;
	return 0;
}

static void fake_reset(void *arg)
{
	struct fake_sink *k = arg;

	k->resets++;
	k->adds = 0;
}

/*
 * The receive loop's recovery without a kernel: an interrupted dump
 * (NLM_F_DUMP_INTR) is thrown away and asked again up to a bound, an
 * overrun likewise, EBUSY gets one fresh socket, a failed DONE is an error,
 * and a stale message of another request is never delivered.
 */
static void test_dump_recovery_fake_socket(void **state)
{
	struct fake_sink k = { 0 };
	struct ct_sink sink = { fake_add, fake_reset, &k };
	struct ct_nl_stats st;
	struct ct_nl *nl;

	(void)state;
	memset(&fake, 0, sizeof fake);
	nl = ct_nl_open();
	assert_non_null(nl);
	assert_int_equal(fake.opens, 1);

	/* A clean dump: two entries, the stale one skipped. */
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), 0);
	assert_int_equal(k.adds, 2);
	assert_int_equal(k.resets, 0);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.retries, 0);
	assert_int_equal(fake.requests, 1);

	/* Interrupted twice: reset and ask again each time. */
	fake.requests = 0;
	fake.intr_dumps = 2;
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), 0);
	assert_int_equal(fake.requests, 3);
	assert_int_equal(st.retries, 2);
	assert_int_equal(k.resets, 2);
	assert_int_equal(k.adds, 2);
	assert_int_equal(st.entries, 2);

	/* Interrupted every time: give up after the bound, with EINTR. */
	k.resets = 0;
	fake.requests = 0;
	fake.intr_dumps = 100;
	errno = 0;
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(st.retries, 8);
	assert_int_equal(k.resets, 8);
	assert_int_equal(fake.requests, 9);
	fake.intr_dumps = 0;

	/* An overrun mid-dump: reset, ask again. */
	k.resets = 0;
	fake.nobufs_dumps = 1;
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), 0);
	assert_int_equal(st.enobufs, 1);
	assert_int_equal(st.retries, 0);
	assert_int_equal(k.resets, 1);
	assert_int_equal(k.adds, 2);

	/* EBUSY: one fresh socket, then it works; twice in a row is an error. */
	k.resets = 0;
	fake.opens = 0;
	fake.busy_dumps = 1;
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), 0);
	assert_int_equal(fake.opens, 1);
	assert_int_equal(st.retries, 1);
	assert_int_equal(k.adds, 2);
	fake.busy_dumps = 2;
	errno = 0;
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), -1);
	assert_int_equal(errno, EBUSY);
	fake.busy_dumps = 0;

	/* A dump that failed midway says so in DONE. */
	fake.done_error = -ENOMEM;
	errno = 0;
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), -1);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(ct_nl_dump(nl, NULL, &sink, &st), 0);
	ct_nl_close(nl);
}

/*
 * A port filter over both families: two requests, read in turn.  The fake
 * answers every request with the same two IPv4 entries, as a kernel that
 * ignores CTA_FILTER would: the IPv6 request's copies are not delivered
 * again, nor are entries of another port.  A refused filter: asked again
 * as one request without ports, from then on.
 */
static void test_dump_ports_fake_socket(void **state)
{
	struct fake_sink k = { 0 };
	struct ct_sink sink = { fake_add, fake_reset, &k };
	struct ct_nl_filter f = { .family = AF_UNSPEC, .proto = IPPROTO_TCP, .nports = 1,
				  .ports = { { CT_NL_ORIG_DPORT, 80 } } };
	const size_t bare = NLMSG_HDRLEN + sizeof(struct nfgenmsg);
	struct ct_nl_stats st;
	struct ct_nl *nl;

	(void)state;
	memset(&fake, 0, sizeof fake);
	nl = ct_nl_open();
	assert_non_null(nl);

	assert_int_equal(ct_nl_dump(nl, &f, &sink, &st), 0);
	assert_int_equal(fake.requests, 2);
	assert_int_equal(fake.family[0], AF_INET);
	assert_int_equal(fake.family[1], AF_INET6);
	assert_true(fake.len[0] > bare && fake.len[1] > bare);
	assert_int_equal(st.messages, 4);
	assert_int_equal(st.entries, 2);
	assert_int_equal(k.adds, 2);
	assert_int_equal(k.resets, 0);

	/* Port 81: the kernel would have sent nothing; nothing is delivered. */
	memset(&fake, 0, sizeof fake);
	k.adds = 0;
	f.ports[0].port = 81;
	assert_int_equal(ct_nl_dump(nl, &f, &sink, &st), 0);
	assert_int_equal(fake.requests, 2);
	assert_int_equal(st.messages, 4);
	assert_int_equal(st.entries, 0);
	assert_int_equal(k.adds, 0);

	/* The second request refused: reset, then one request without the
	 * filter, whose entries all come (the consumer filters). */
	memset(&fake, 0, sizeof fake);
	f = (struct ct_nl_filter){ .family = AF_INET, .proto = IPPROTO_TCP, .nports = 2,
				   .ports = { { CT_NL_REPLY_SPORT, 80 }, { CT_NL_ORIG_SPORT, 80 } } };
	fake.einval_dumps = 0;
	assert_int_equal(ct_nl_dump(nl, &f, &sink, &st), 0);
	assert_int_equal(fake.requests, 2);
	assert_int_equal(k.adds, 2);
	memset(&fake, 0, sizeof fake);
	k.adds = 0;
	k.resets = 0;
	fake.einval_dumps = 1;
	assert_int_equal(ct_nl_dump(nl, &f, &sink, &st), 0);
	/* The first request refused: no entries yet, no reset. */
	assert_int_equal(k.resets, 0);
	assert_int_equal(fake.requests, 2);
	assert_int_equal(fake.family[1], AF_INET);
	assert_true(fake.len[1] > bare);	/* the protocol is still asked for */
	assert_true(fake.len[1] < fake.len[0]);
	assert_int_equal(k.adds, 2);
	assert_int_equal(st.retries, 0);
	memset(&fake, 0, sizeof fake);
	k.adds = 0;
	f.ports[0].port = 81;
	f.ports[1].port = 81;
	assert_int_equal(ct_nl_dump(nl, &f, &sink, &st), 0);
	assert_int_equal(fake.requests, 1);
	assert_int_equal(k.adds, 2);
	ct_nl_close(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4_tcp),
		cmocka_unit_test(test_parse_v6_udp_no_counters),
		cmocka_unit_test(test_parse_icmp),
		cmocka_unit_test(test_parse_other_protos),
		cmocka_unit_test(test_build_get_protos),
		cmocka_unit_test(test_build_delete),
		cmocka_unit_test(test_build_delete_refuses),
		cmocka_unit_test(test_parse_counters32),
		cmocka_unit_test(test_parse_mark),
		cmocka_unit_test(test_parse_zone_directions),
		cmocka_unit_test(test_parse_zone_precedence),
		cmocka_unit_test(test_parse_timestamp),
		cmocka_unit_test(test_parse_unknown_tcp_state),
		cmocka_unit_test(test_parse_unaligned),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_wrong_family_and_type),
		cmocka_unit_test(test_parse_nest_overrun),
		cmocka_unit_test(test_parse_layouts_agree),
		cmocka_unit_test(test_parse_layout_near_misses),
		cmocka_unit_test(test_parse_mutations),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_pass_keeps),
		cmocka_unit_test(test_cli_kernel_filter),
		cmocka_unit_test(test_zone_mark_request),
		cmocka_unit_test(test_build_pass_ports),
		cmocka_unit_test(test_dump_ports_fake_socket),
		cmocka_unit_test(test_dump_recovery_fake_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
