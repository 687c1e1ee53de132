/*
 * ctmsg.h - ctnetlink messages built by hand, for the parser's unit tests
 * and the event parser's (test_ct_netlink.c, test_ct_events.c) and for
 * creating entries in the root live test (tests/integration/live.c).
 * Header-only: every function is static inline.
 */
#ifndef LSCT_CTMSG_H
#define LSCT_CTMSG_H

#include <arpa/inet.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ct.h"

/* ---- message builder ----------------------------------------------------- */

/* Ways to spoil a message; each must make the parser fail. */
enum bad {
	BAD_NONE,
	BAD_STATUS_SIZE,
	BAD_TIMEOUT_SIZE,
	BAD_ID_SIZE,
	BAD_ZONE_SIZE,
	BAD_PROTONUM_SIZE,
	BAD_PORT_SIZE,
	BAD_ADDR_SIZE,
	BAD_STATE_SIZE,
	BAD_COUNTER_SIZE,
	BAD_COUNTER32_SIZE,
	BAD_MIXED_FAMILY,	/* an IPv4 address attribute in an IPv6 tuple */
	BAD_NO_ORIG,
	BAD_NO_REPLY,
	BAD_NO_DST,
	BAD_NO_PROTO,
	BAD_NO_PROTONUM,
	BAD_TRAILING,		/* 2 stray bytes after the last attribute */
	BAD_TUPLE_ZONE_SIZE,	/* a directional zone of 4 bytes */
	BAD_TSTAMP_SIZE,	/* a start time of 4 bytes */
	BAD_MARK_SIZE,		/* a mark of 2 bytes */
	BAD_MAX
};

#define ZONE_DIR_ORIG  1u
#define ZONE_DIR_REPLY 2u

struct tspec {
	const char *src, *dst;
	uint16_t sport, dport;	/* host order; GRE: the keys; ICMP: sport is the id */
	uint8_t icmp_type;	/* ICMP and ICMPv6 (code 0) */
};

struct mspec {
	int create;		/* a create request: no kernel-only attributes */
	uint16_t nlflags;
	uint32_t seq;
	uint8_t family;
	uint8_t proto;
	struct tspec orig, reply;
	uint32_t status, timeout, id;
	uint32_t mark;		/* CTA_MARK (always sent but in create requests) */
	uint16_t zone;		/* 0: no zone attribute */
	/*
	 * Which directions zone applies to: 0 both (CTA_ZONE), else
	 * ZONE_DIR_ORIG and/or ZONE_DIR_REPLY (a CTA_TUPLE_ZONE in that
	 * tuple, as the kernel sends a directional zone).
	 */
	unsigned zone_dir;
	int delete;		/* an IPCTNL_MSG_CT_DELETE (a DESTROY event) */
	uint64_t start_ns;	/* 0: no CTA_TIMESTAMP */
	uint64_t stop_ns;	/* with start_ns: 0 leaves CTA_TIMESTAMP_STOP out */
	/*
	 * -1: no CTA_PROTOINFO; else the state in the protocol's own nest:
	 * CTA_PROTOINFO_TCP, _SCTP or _DCCP (other protocols: TCP's).
	 */
	int tcp_state;
	int counters;		/* 0: none, 64 or 32 bit attributes */
	uint64_t opk, oby, rpk, rby;
	enum bad bad;
};

static inline void put_addr(struct nlmsghdr *nlh, uint16_t type, int family, const char *s,
			    size_t size)
{
	uint8_t a[16] = { 0 };

	if (inet_pton(family, s, a) != 1) {
		fprintf(stderr, "ctmsg: %s is not an address of family %d\n", s, family);
		abort();
	}
	mnl_attr_put(nlh, type, size, a);
}

static inline void put_tuple(struct nlmsghdr *nlh, uint16_t type, const struct mspec *m,
			     const struct tspec *t)
{
	struct nlattr *nt = mnl_attr_nest_start(nlh, type);
	struct nlattr *n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	int reply = type == CTA_TUPLE_REPLY;

	if (m->family == AF_INET) {
		put_addr(nlh, CTA_IP_V4_SRC, AF_INET, t->src,
			 m->bad == BAD_ADDR_SIZE && reply ? 16 : 4);
		if (m->bad != BAD_NO_DST || !reply)
			put_addr(nlh, CTA_IP_V4_DST, AF_INET, t->dst, 4);
	} else {
		if (m->bad == BAD_MIXED_FAMILY && !reply)
			put_addr(nlh, CTA_IP_V4_SRC, AF_INET, "10.0.0.1", 4);
		else
			put_addr(nlh, CTA_IP_V6_SRC, AF_INET6, t->src, 16);
		if (m->bad != BAD_NO_DST || !reply)
			put_addr(nlh, CTA_IP_V6_DST, AF_INET6, t->dst, 16);
	}
	mnl_attr_nest_end(nlh, n);
	if (m->bad != BAD_NO_PROTO || !reply) {
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		if (m->bad == BAD_PROTONUM_SIZE && reply)
			mnl_attr_put_u16(nlh, CTA_PROTO_NUM, m->proto);
		else if (m->bad != BAD_NO_PROTONUM || !reply)
			mnl_attr_put_u8(nlh, CTA_PROTO_NUM, m->proto);
		if (m->proto == IPPROTO_ICMP) {
			mnl_attr_put_u16(nlh, CTA_PROTO_ICMP_ID, htons(t->sport));
			mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_TYPE, t->icmp_type);
			mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_CODE, 0);
		} else if (m->proto == IPPROTO_ICMPV6) {
			mnl_attr_put_u16(nlh, CTA_PROTO_ICMPV6_ID, htons(t->sport));
			mnl_attr_put_u8(nlh, CTA_PROTO_ICMPV6_TYPE, t->icmp_type);
			mnl_attr_put_u8(nlh, CTA_PROTO_ICMPV6_CODE, 0);
		} else {
			if (m->bad == BAD_PORT_SIZE && reply)
				mnl_attr_put_u32(nlh, CTA_PROTO_SRC_PORT, htonl(t->sport));
			else
				mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
			mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
		}
		mnl_attr_nest_end(nlh, n);
	}
	/* A directional zone, in the tuple of its direction. */
	if (m->zone && (m->zone_dir & (reply ? ZONE_DIR_REPLY : ZONE_DIR_ORIG))) {
		if (m->bad == BAD_TUPLE_ZONE_SIZE)
			mnl_attr_put_u32(nlh, CTA_TUPLE_ZONE, htonl(m->zone));
		else
			mnl_attr_put_u16(nlh, CTA_TUPLE_ZONE, htons(m->zone));
	}
	mnl_attr_nest_end(nlh, nt);
}

static inline void put_counters(struct nlmsghdr *nlh, uint16_t type, const struct mspec *m,
				uint64_t pk, uint64_t by)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	if (m->counters == 64) {
		if (m->bad == BAD_COUNTER_SIZE && type == CTA_COUNTERS_REPLY)
			mnl_attr_put_u32(nlh, CTA_COUNTERS_PACKETS, htonl((uint32_t)pk));
		else
			mnl_attr_put_u64(nlh, CTA_COUNTERS_PACKETS, htobe64(pk));
		mnl_attr_put_u64(nlh, CTA_COUNTERS_BYTES, htobe64(by));
	} else {
		if (m->bad == BAD_COUNTER32_SIZE && type == CTA_COUNTERS_REPLY)
			mnl_attr_put_u64(nlh, CTA_COUNTERS32_PACKETS, htobe64(pk));
		else
			mnl_attr_put_u32(nlh, CTA_COUNTERS32_PACKETS, htonl((uint32_t)pk));
		mnl_attr_put_u32(nlh, CTA_COUNTERS32_BYTES, htonl((uint32_t)by));
	}
	mnl_attr_nest_end(nlh, n);
}

/* Writes one message at buf (in the kernel's attribute order); returns it. */
static inline struct nlmsghdr *build_msg(void *buf, const struct mspec *m)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (m->delete ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	nlh->nlmsg_flags = m->nlflags;
	nlh->nlmsg_seq = m->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = m->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (m->bad != BAD_NO_ORIG)
		put_tuple(nlh, CTA_TUPLE_ORIG, m, &m->orig);
	if (m->bad != BAD_NO_REPLY)
		put_tuple(nlh, CTA_TUPLE_REPLY, m, &m->reply);
	if (m->bad == BAD_STATUS_SIZE)
		mnl_attr_put_u16(nlh, CTA_STATUS, 1);
	else
		mnl_attr_put_u32(nlh, CTA_STATUS, htonl(m->status));
	if (m->bad == BAD_TIMEOUT_SIZE)
		mnl_attr_put_u64(nlh, CTA_TIMEOUT, htobe64(m->timeout));
	else
		mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(m->timeout));
	if (m->tcp_state >= 0 && (m->proto == IPPROTO_SCTP || m->proto == IPPROTO_DCCP)) {
		/* The kernel's: the state, then verification tags or role and sequence. */
		int sctp = m->proto == IPPROTO_SCTP;
		struct nlattr *pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
		struct nlattr *l4 = mnl_attr_nest_start(nlh, sctp ? CTA_PROTOINFO_SCTP :
							      CTA_PROTOINFO_DCCP);
		uint16_t st = sctp ? CTA_PROTOINFO_SCTP_STATE : CTA_PROTOINFO_DCCP_STATE;

		if (m->bad == BAD_STATE_SIZE)
			mnl_attr_put_u16(nlh, st, (uint16_t)m->tcp_state);
		else
			mnl_attr_put_u8(nlh, st, (uint8_t)m->tcp_state);
		if (sctp) {
			mnl_attr_put_u32(nlh, CTA_PROTOINFO_SCTP_VTAG_ORIGINAL, htonl(0x1234));
			mnl_attr_put_u32(nlh, CTA_PROTOINFO_SCTP_VTAG_REPLY, htonl(0x5678));
		} else {
			mnl_attr_put_u8(nlh, CTA_PROTOINFO_DCCP_ROLE, 1);
			mnl_attr_put_u64(nlh, CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ, htobe64(99));
		}
		mnl_attr_nest_end(nlh, l4);
		mnl_attr_nest_end(nlh, pi);
	} else if (m->tcp_state >= 0) {
		struct nlattr *pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
		struct nlattr *tcp = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);

		if (m->bad == BAD_STATE_SIZE)
			mnl_attr_put_u16(nlh, CTA_PROTOINFO_TCP_STATE, (uint16_t)m->tcp_state);
		else
			mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, (uint8_t)m->tcp_state);
		if (!m->create) {
			mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL, 7);
			mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_WSCALE_REPLY, 7);
		}
		mnl_attr_nest_end(nlh, tcp);
		mnl_attr_nest_end(nlh, pi);
	}
	if (m->counters) {
		put_counters(nlh, CTA_COUNTERS_ORIG, m, m->opk, m->oby);
		put_counters(nlh, CTA_COUNTERS_REPLY, m, m->rpk, m->rby);
	}
	if (!m->create) {
		if (m->bad == BAD_MARK_SIZE)
			mnl_attr_put_u16(nlh, CTA_MARK, 1);
		else
			mnl_attr_put_u32(nlh, CTA_MARK, htonl(m->mark));
		if (m->bad == BAD_ID_SIZE)
			mnl_attr_put(nlh, CTA_ID, 3, "abc");
		else
			mnl_attr_put_u32(nlh, CTA_ID, htonl(m->id));
		mnl_attr_put_u32(nlh, CTA_USE, htonl(1));
	}
	if (m->start_ns && !m->create) {
		struct nlattr *ts = mnl_attr_nest_start(nlh, CTA_TIMESTAMP);

		if (m->bad == BAD_TSTAMP_SIZE)
			mnl_attr_put_u32(nlh, CTA_TIMESTAMP_START, htonl((uint32_t)m->start_ns));
		else
			mnl_attr_put_u64(nlh, CTA_TIMESTAMP_START, htobe64(m->start_ns));
		if (m->stop_ns)
			mnl_attr_put_u64(nlh, CTA_TIMESTAMP_STOP, htobe64(m->stop_ns));
		mnl_attr_nest_end(nlh, ts);
	}
	if (m->zone && !m->zone_dir) {
		if (m->bad == BAD_ZONE_SIZE)
			mnl_attr_put_u32(nlh, CTA_ZONE, htonl(m->zone));
		else
			mnl_attr_put_u16(nlh, CTA_ZONE, htons(m->zone));
	}
	if (m->bad == BAD_TRAILING) {
		memset((char *)buf + nlh->nlmsg_len, 0, 2);
		nlh->nlmsg_len += 2;
	}
	return nlh;
}

static const struct mspec v4_tcp = {
	.family = AF_INET,
	.proto = IPPROTO_TCP,
	.orig = { "10.9.0.1", "10.9.0.2", 40000, 80, 0 },
	.reply = { "10.9.0.2", "192.0.2.7", 80, 40000, 0 },
	.status = CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY | (1u << 3) | CT_STATUS_SRC_NAT,
	.timeout = 431999,
	.id = 0xdeadbeef,
	.zone = 3,
	.tcp_state = CT_TCP_ESTABLISHED,
	.counters = 64,
	.opk = 12, .oby = 5000000000ull, .rpk = 10, .rby = 777,
};

static const struct mspec v6_udp = {
	.family = AF_INET6,
	.proto = IPPROTO_UDP,
	.orig = { "fd00::1", "fd00::2", 53, 5353, 0 },
	.reply = { "fd00::2", "fd00::1", 5353, 53, 0 },
	.status = 1u << 3,
	.timeout = 29,
	.id = 42,
	.tcp_state = -1,
};

static const struct mspec v4_icmp = {
	.family = AF_INET,
	.proto = IPPROTO_ICMP,
	.orig = { "10.9.0.1", "10.9.0.2", 77, 0, 8 },
	.reply = { "10.9.0.2", "10.9.0.1", 77, 0, 0 },
	.status = CT_STATUS_SEEN_REPLY | (1u << 3),
	.timeout = 30,
	.id = 7,
	.tcp_state = -1,
};

static const struct mspec v6_icmp = {
	.family = AF_INET6,
	.proto = IPPROTO_ICMPV6,
	.orig = { "fd00::1", "fd00::2", 4711, 0, 128 },
	.reply = { "fd00::2", "fd00::1", 4711, 0, 129 },
	.status = CT_STATUS_SEEN_REPLY | (1u << 3),
	.timeout = 30,
	.id = 8,
	.tcp_state = -1,
	.counters = 64,
	.opk = 5, .oby = 740, .rpk = 5, .rby = 740,
};

static const struct mspec v4_sctp = {
	.family = AF_INET,
	.proto = IPPROTO_SCTP,
	.orig = { "10.9.0.1", "10.9.0.2", 5000, 38412, 0 },
	.reply = { "10.9.0.2", "10.9.0.1", 38412, 5000, 0 },
	.status = CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY | (1u << 3),
	.timeout = 210,
	.id = 9,
	.tcp_state = CT_SCTP_ESTABLISHED,
	.counters = 64,
	.opk = 4, .oby = 400, .rpk = 3, .rby = 300,
};

static const struct mspec v6_dccp = {
	.family = AF_INET6,
	.proto = IPPROTO_DCCP,
	.orig = { "fd00::1", "fd00::2", 6000, 5001, 0 },
	.reply = { "fd00::2", "fd00::1", 5001, 6000, 0 },
	.status = CT_STATUS_SEEN_REPLY | (1u << 3),
	.timeout = 120,
	.id = 10,
	.tcp_state = CT_DCCP_TIMEWAIT,
};

/* GRE with PPTP keys: they travel as ports. */
static const struct mspec v4_gre = {
	.family = AF_INET,
	.proto = IPPROTO_GRE,
	.orig = { "10.9.0.1", "10.9.0.2", 0x11, 0x22, 0 },
	.reply = { "10.9.0.2", "10.9.0.1", 0x22, 0x11, 0 },
	.status = CT_STATUS_SEEN_REPLY | (1u << 3),
	.timeout = 29,
	.id = 11,
	.tcp_state = -1,
	.counters = 64,
	.opk = 10, .oby = 1000, .rpk = 10, .rby = 1000,
};

static const struct mspec v4_udplite = {
	.family = AF_INET,
	.proto = IPPROTO_UDPLITE,
	.orig = { "10.9.0.1", "10.9.0.2", 41000, 7000, 0 },
	.reply = { "10.9.0.2", "10.9.0.1", 7000, 41000, 0 },
	.status = CT_STATUS_SEEN_REPLY | (1u << 3),
	.timeout = 30,
	.id = 12,
	.tcp_state = -1,
};

union msgbuf {
	char b[4096];
	struct nlmsghdr align;
};

/* ---- statistics (IPCTNL_MSG_CT_GET_STATS_CPU replies) --------------------- */

/* One counter of a CPU's statistics message: a CTA_STATS_* type and its value. */
struct stat_attr {
	uint16_t type;
	uint32_t value;
};

/*
 * One CPU's statistics message, as the kernel sends it (each counter a
 * big-endian u32), into buf; its length.
 */
static inline size_t build_stats_msg(void *buf, uint16_t cpu, const struct stat_attr *a,
				     size_t n)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(cpu);
	for (size_t i = 0; i < n; i++)
		mnl_attr_put_u32(nlh, a[i].type, htonl(a[i].value));
	return nlh->nlmsg_len;
}

#endif
