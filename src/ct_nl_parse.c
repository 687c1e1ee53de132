/*
 * ct_nl_parse.c - one ctnetlink message into a struct ct_entry.
 *
 * The parser half of the netlink source (ct_source_netlink.c is the
 * socket half).  It walks each reply's attributes itself, straight into a
 * struct ct_entry on the stack.  The nests the kernel always lays out the
 * same way (tuples with ports, TCP state, counters) are recognised header
 * by header and read at fixed offsets, for a fraction of the cost of
 * walking them; anything else (ICMP's id, type and code, SCTP's and DCCP's
 * states) is walked.  No allocation; fuzzed
 * (tests/fuzz/fuzz_netlink.c).
 */
#include "ct_source_netlink.h"

#include <endian.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

/* ---- attribute parsing ------------------------------------------------ */

/*
 * One step of an attribute walk over [*pos, end).  Returns 1 with the
 * attribute's type and payload, 0 at a clean end, -1 if what remains is not a
 * whole attribute.  Headers and values are copied out with memcpy so any
 * input alignment is fine (the fuzzer hands in arbitrary buffers).  Inlined
 * into each walk, so type, payload and length stay in registers.
 */
static inline int attr_next(const uint8_t **pos, const uint8_t *end, unsigned *type,
			    const uint8_t **data, size_t *dlen)
{
	size_t left = (size_t)(end - *pos), len, step;
	struct nlattr h;

	if (left < NLA_HDRLEN)
		return left == 0 ? 0 : -1;
	memcpy(&h, *pos, sizeof h);
	len = h.nla_len;
	/* len < NLA_HDRLEN wraps around: one test for too short and too long. */
	if (len - NLA_HDRLEN > left - NLA_HDRLEN)
		return -1;
	*type = h.nla_type & NLA_TYPE_MASK;
	*data = *pos + NLA_HDRLEN;
	*dlen = len - NLA_HDRLEN;
	/* The last attribute may lack its alignment padding. */
	step = NLA_ALIGN(len);
	*pos += step < left ? step : left;
	return 1;
}

/* A struct nlattr as one native 32-bit word: nla_len comes first in memory. */
static inline uint32_t hdr_word(unsigned len, unsigned type)
{
#if __BYTE_ORDER == __LITTLE_ENDIAN
	return (uint32_t)len | (uint32_t)type << 16;
#else
	return (uint32_t)len << 16 | type;
#endif
}

/*
 * True if the attribute header at p has exactly this length and type (its
 * flags aside, as attr_next() ignores them).  The fixed layouts below are
 * recognised with it, header by header, so they accept only what the
 * generic walk accepts, and read it the same way.
 */
static inline int hdr_is(const uint8_t *p, unsigned len, unsigned type)
{
	uint32_t w;

	memcpy(&w, p, sizeof w);
	return (w & hdr_word(0xffff, NLA_TYPE_MASK & 0xffff)) == hdr_word(len, type);
}

static uint16_t get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof v);
	return be16toh(v);
}

static uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return be32toh(v);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return be64toh(v);
}

#define SEEN_SRC 1u
#define SEEN_DST 2u

static int parse_ip(const uint8_t *p, size_t len, int family, struct ct_tuple *t)
{
	const uint8_t *end = p + len, *d;
	unsigned type, seen = 0;
	size_t dlen;
	int r;

	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		switch (type) {
		case CTA_IP_V4_SRC:
		case CTA_IP_V4_DST:
			if (family != AF_INET || dlen != 4)
				return -1;
			memcpy(type == CTA_IP_V4_SRC ? t->src.b : t->dst.b, d, 4);
			break;
		case CTA_IP_V6_SRC:
		case CTA_IP_V6_DST:
			if (family != AF_INET6 || dlen != 16)
				return -1;
			memcpy(type == CTA_IP_V6_SRC ? t->src.b : t->dst.b, d, 16);
			break;
		default:
			continue;
		}
		seen |= type == CTA_IP_V4_SRC || type == CTA_IP_V6_SRC ? SEEN_SRC : SEEN_DST;
	}
	return r == 0 && seen == (SEEN_SRC | SEEN_DST) ? 0 : -1;
}

/*
 * ICMP and ICMPv6 tuples carry an id, a type and a code instead of ports;
 * they are kept apart from the port attributes (and the two families'
 * attributes apart from each other) until the protocol is known.
 * [0] is CTA_PROTO_ICMP_*, [1] CTA_PROTO_ICMPV6_*.
 */
struct icmp_attrs {
	uint16_t id[2];
	uint8_t type[2], code[2];
};

static int parse_proto(const uint8_t *p, size_t len, struct ct_tuple *t, int *proto,
		       struct icmp_attrs *ic)
{
	const uint8_t *end = p + len, *d;
	unsigned type;
	size_t dlen;
	int r;

	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		switch (type) {
		case CTA_PROTO_NUM:
			if (dlen != 1)
				return -1;
			*proto = d[0];
			break;
		case CTA_PROTO_SRC_PORT:
			if (dlen != 2)
				return -1;
			t->sport = get_be16(d);
			break;
		case CTA_PROTO_DST_PORT:
			if (dlen != 2)
				return -1;
			t->dport = get_be16(d);
			break;
		case CTA_PROTO_ICMP_ID:
		case CTA_PROTO_ICMPV6_ID:
			if (dlen != 2)
				return -1;
			ic->id[type == CTA_PROTO_ICMPV6_ID] = get_be16(d);
			break;
		case CTA_PROTO_ICMP_TYPE:
		case CTA_PROTO_ICMPV6_TYPE:
			if (dlen != 1)
				return -1;
			ic->type[type == CTA_PROTO_ICMPV6_TYPE] = d[0];
			break;
		case CTA_PROTO_ICMP_CODE:
		case CTA_PROTO_ICMPV6_CODE:
			if (dlen != 1)
				return -1;
			ic->code[type == CTA_PROTO_ICMPV6_CODE] = d[0];
			break;
		default:
			break;
		}
	}
	return r == 0 && *proto >= 0 ? 0 : -1;
}

/*
 * Lengths in the kernel's tuple with ports (ctnetlink_dump_tuples()): two
 * addresses; number and two ports, each padded to 8 bytes.
 */
#define TUPLE_IP_LEN(alen)	(NLA_HDRLEN + 2 * (NLA_HDRLEN + (alen)))
#define TUPLE_PROTO_LEN		(NLA_HDRLEN + 3 * NLA_ALIGN(NLA_HDRLEN + 2))

/*
 * The tuple exactly as the kernel writes one with ports: CTA_TUPLE_IP with
 * source and destination, then CTA_TUPLE_PROTO with number, source port and
 * destination port, nothing else.  Reads it at fixed offsets and returns 1;
 * 0 (nothing written) for any other layout, left to parse_tuple().
 */
static inline int parse_tuple_fixed(const uint8_t *p, size_t len, int family,
				    struct ct_tuple *t, int *proto)
{
	size_t alen = family == AF_INET ? 4 : 16, ip = TUPLE_IP_LEN(alen);
	const uint8_t *pr = p + ip;

	if (len != ip + TUPLE_PROTO_LEN ||
	    !hdr_is(p, ip, CTA_TUPLE_IP) ||
	    !hdr_is(pr, TUPLE_PROTO_LEN, CTA_TUPLE_PROTO) ||
	    !hdr_is(pr + 4, NLA_HDRLEN + 1, CTA_PROTO_NUM) ||
	    !hdr_is(pr + 12, NLA_HDRLEN + 2, CTA_PROTO_SRC_PORT) ||
	    !hdr_is(pr + 20, NLA_HDRLEN + 2, CTA_PROTO_DST_PORT))
		return 0;
	if (family == AF_INET) {
		if (!hdr_is(p + 4, NLA_HDRLEN + 4, CTA_IP_V4_SRC) ||
		    !hdr_is(p + 12, NLA_HDRLEN + 4, CTA_IP_V4_DST))
			return 0;
		memcpy(t->src.b, p + 8, 4);
		memcpy(t->dst.b, p + 16, 4);
	} else {
		if (!hdr_is(p + 4, NLA_HDRLEN + 16, CTA_IP_V6_SRC) ||
		    !hdr_is(p + 24, NLA_HDRLEN + 16, CTA_IP_V6_DST))
			return 0;
		memcpy(t->src.b, p + 8, 16);
		memcpy(t->dst.b, p + 28, 16);
	}
	*proto = pr[8];
	t->sport = get_be16(pr + 16);
	t->dport = get_be16(pr + 24);
	return 1;
}

/*
 * Stores the tuple's L4 protocol in *proto; both IP and PROTO are required.
 * A CTA_TUPLE_ZONE (the kernel's zone of one direction only) goes to *zone
 * and sets *seen; the fixed layout above has none, so it is always walked.
 */
static int parse_tuple(const uint8_t *p, size_t len, int family,
		       struct ct_tuple *t, int *proto, uint16_t *zone, int *seen,
		       struct icmp_attrs *ic)
{
	const uint8_t *end = p + len, *d;
	unsigned type;
	size_t dlen;
	int r, have_ip = 0;

	*proto = -1;
	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		switch (type) {
		case CTA_TUPLE_IP:
			if (parse_ip(d, dlen, family, t) < 0)
				return -1;
			have_ip = 1;
			break;
		case CTA_TUPLE_PROTO:
			if (parse_proto(d, dlen, t, proto, ic) < 0)
				return -1;
			break;
		case CTA_TUPLE_ZONE:
			if (dlen != 2)
				return -1;
			*zone = get_be16(d);
			*seen = 1;
			break;
		default:
			break;
		}
	}
	return r == 0 && have_ip && *proto >= 0 ? 0 : -1;
}

/* CTA_PROTOINFO_TCP's length as the kernel writes it: five attributes of one or two bytes. */
#define PROTOINFO_TCP_LEN	(NLA_HDRLEN + 5 * NLA_ALIGN(NLA_HDRLEN + 2))

/*
 * The state inside one CTA_PROTOINFO_SCTP or CTA_PROTOINFO_DCCP nest
 * (state_type is its STATE attribute) into *state; -1 if malformed.
 */
static int parse_l4_state(const uint8_t *p, size_t len, unsigned state_type, int *state)
{
	const uint8_t *end = p + len, *d;
	unsigned type;
	size_t dlen;
	int r;

	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		if (type != state_type)
			continue;	/* verification tags, role, handshake sequence */
		if (dlen != 1)
			return -1;
		*state = d[0];
	}
	return r;
}

/*
 * TCP's state goes straight into out; SCTP's and DCCP's into l4[0] and
 * l4[1], settled once the protocol is known (-1: none came).
 */
static int parse_protoinfo(const uint8_t *p, size_t len, struct ct_entry *out, int l4[2])
{
	const uint8_t *end = p + len, *d, *tp, *tend, *td;
	unsigned type, ttype;
	size_t dlen, tdlen;
	int r, rt;

	/*
	 * The kernel's TCP layout: state, window scales, flags.  Only the
	 * state is kept; every header is still checked, as the walk does.
	 */
	if (len == PROTOINFO_TCP_LEN &&
	    hdr_is(p, PROTOINFO_TCP_LEN, CTA_PROTOINFO_TCP) &&
	    hdr_is(p + 4, NLA_HDRLEN + 1, CTA_PROTOINFO_TCP_STATE) &&
	    hdr_is(p + 12, NLA_HDRLEN + 1, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL) &&
	    hdr_is(p + 20, NLA_HDRLEN + 1, CTA_PROTOINFO_TCP_WSCALE_REPLY) &&
	    hdr_is(p + 28, NLA_HDRLEN + 2, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL) &&
	    hdr_is(p + 36, NLA_HDRLEN + 2, CTA_PROTOINFO_TCP_FLAGS_REPLY)) {
		if (p[8] < CT_TCP_STATE_MAX) {
			out->tcp_state = p[8];
			out->flags |= CT_F_STATE;
		}
		return 0;
	}
	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		if (type == CTA_PROTOINFO_SCTP || type == CTA_PROTOINFO_DCCP) {
			if (parse_l4_state(d, dlen, type == CTA_PROTOINFO_SCTP ?
					   CTA_PROTOINFO_SCTP_STATE : CTA_PROTOINFO_DCCP_STATE,
					   &l4[type == CTA_PROTOINFO_DCCP]) < 0)
				return -1;
			continue;
		}
		if (type != CTA_PROTOINFO_TCP)
			continue;
		tp = d;
		tend = d + dlen;
		while ((rt = attr_next(&tp, tend, &ttype, &td, &tdlen)) > 0) {
			if (ttype != CTA_PROTOINFO_TCP_STATE)
				continue;
			if (tdlen != 1)
				return -1;
			/* Only the states the header names; others stay unknown. */
			if (td[0] < CT_TCP_STATE_MAX) {
				out->tcp_state = td[0];
				out->flags |= CT_F_STATE;
			}
		}
		if (rt < 0)
			return -1;
	}
	return r;
}

static int parse_counters(const uint8_t *p, size_t len, struct ct_tuple *t,
			  uint8_t *flags)
{
	const uint8_t *end = p + len, *d;
	unsigned type;
	size_t dlen;
	int r;

	/* The kernel's layout: 64-bit packets, then bytes, unpadded. */
	if (len == 2 * (NLA_HDRLEN + 8) &&
	    hdr_is(p, NLA_HDRLEN + 8, CTA_COUNTERS_PACKETS) &&
	    hdr_is(p + NLA_HDRLEN + 8, NLA_HDRLEN + 8, CTA_COUNTERS_BYTES)) {
		t->packets = get_be64(p + NLA_HDRLEN);
		t->bytes = get_be64(p + 2 * NLA_HDRLEN + 8);
		*flags |= CT_F_COUNTERS;
		return 0;
	}
	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		switch (type) {
		case CTA_COUNTERS_PACKETS:
		case CTA_COUNTERS_BYTES:
			if (dlen != 8)
				return -1;
			if (type == CTA_COUNTERS_PACKETS)
				t->packets = get_be64(d);
			else
				t->bytes = get_be64(d);
			break;
		case CTA_COUNTERS32_PACKETS:
		case CTA_COUNTERS32_BYTES:
			if (dlen != 4)
				return -1;
			if (type == CTA_COUNTERS32_PACKETS)
				t->packets = get_be32(d);
			else
				t->bytes = get_be32(d);
			break;
		default:	/* CTA_COUNTERS_PAD */
			continue;
		}
		*flags |= CT_F_COUNTERS;
	}
	return r;
}

/*
 * CTA_TIMESTAMP: creation (and, in a DESTROY event, end) time in ns since
 * the epoch.  Only the start is kept; the stop time is the event's arrival,
 * near enough.
 */
static int parse_tstamp(const uint8_t *p, size_t len, struct ct_entry *out)
{
	const uint8_t *end = p + len, *d;
	unsigned type;
	size_t dlen;
	int r;

	/* A live entry's, as the kernel writes it: the start alone, unpadded. */
	if (len == NLA_HDRLEN + 8 && hdr_is(p, NLA_HDRLEN + 8, CTA_TIMESTAMP_START)) {
		out->start_ns = get_be64(p + NLA_HDRLEN);
		out->flags |= CT_F_TSTAMP;
		return 0;
	}
	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		if (type != CTA_TIMESTAMP_START)
			continue;	/* CTA_TIMESTAMP_STOP, CTA_TIMESTAMP_PAD */
		if (dlen != 8)
			return -1;
		out->start_ns = get_be64(d);
		out->flags |= CT_F_TSTAMP;
	}
	return r;
}

/* ICMP's id, type and code into the tuple's sport and dport (ct.h). */
static void icmp_settle(struct ct_tuple *t, const struct icmp_attrs *ic, int v6)
{
	t->sport = ic->id[v6];
	t->dport = CT_ICMP_TC(ic->type[v6], ic->code[v6]);
}

static int parse_attrs(const uint8_t *p, const uint8_t *end, struct ct_entry *out)
{
	const uint8_t *d;
	unsigned type;
	size_t dlen;
	int r, oproto = -1, rproto = -1, have_zone = 0, tzseen[2] = { 0, 0 };
	int l4[2] = { -1, -1 };	/* SCTP, DCCP state */
	uint16_t tzone[2] = { 0, 0 };
	struct icmp_attrs ic[2];	/* orig, reply */

	memset(ic, 0, sizeof ic);

	while ((r = attr_next(&p, end, &type, &d, &dlen)) > 0) {
		switch (type) {
		case CTA_TUPLE_ORIG:
			if (!parse_tuple_fixed(d, dlen, out->family, &out->orig, &oproto) &&
			    parse_tuple(d, dlen, out->family, &out->orig, &oproto,
					&tzone[0], &tzseen[0], &ic[0]) < 0)
				return -1;
			break;
		case CTA_TUPLE_REPLY:
			if (!parse_tuple_fixed(d, dlen, out->family, &out->reply, &rproto) &&
			    parse_tuple(d, dlen, out->family, &out->reply, &rproto,
					&tzone[1], &tzseen[1], &ic[1]) < 0)
				return -1;
			break;
		case CTA_STATUS:
		case CTA_TIMEOUT:
		case CTA_ID:
			if (dlen != 4)
				return -1;
			if (type == CTA_STATUS) {
				out->status = get_be32(d);
			} else if (type == CTA_TIMEOUT) {
				out->timeout = get_be32(d);
			} else {
				out->id = get_be32(d);
				out->flags |= CT_F_ID;
			}
			break;
		case CTA_ZONE:
			if (dlen != 2)
				return -1;
			out->zone = get_be16(d);
			have_zone = 1;
			break;
		case CTA_MARK:
			if (dlen != 4)
				return -1;
			out->mark = get_be32(d);
			break;
		case CTA_TIMESTAMP:
			if (parse_tstamp(d, dlen, out) < 0)
				return -1;
			break;
		case CTA_PROTOINFO:
			if (parse_protoinfo(d, dlen, out, l4) < 0)
				return -1;
			break;
		case CTA_COUNTERS_ORIG:
		case CTA_COUNTERS_REPLY:
			if (parse_counters(d, dlen, type == CTA_COUNTERS_ORIG ?
					   &out->orig : &out->reply, &out->flags) < 0)
				return -1;
			break;
		default:
			break;
		}
	}
	if (r < 0 || oproto < 0 || rproto < 0)
		return -1;
	out->proto = (uint8_t)oproto;
	/*
	 * The kernel sends CTA_ZONE for a zone of both directions and a
	 * CTA_TUPLE_ZONE inside the one tuple a directional zone applies to;
	 * the flags say which, as the text source's zone-orig=/zone-reply= do,
	 * so a dump, an event and a conntrack -E line key the same entry
	 * alike.  Should several come (never from the kernel), CTA_ZONE wins,
	 * then the original direction's.
	 */
	if (tzseen[0] | tzseen[1]) {
		if (tzseen[0])
			out->flags |= CT_F_ZONE_ORIG;
		if (tzseen[1])
			out->flags |= CT_F_ZONE_REPLY;
		if (!have_zone)
			out->zone = tzone[tzseen[0] ? 0 : 1];
	}
	/*
	 * Attributes are read in any order, so what needs the protocol is
	 * settled here: GRE keeps its keys (sent as ports), ICMP takes its
	 * id, type and code, any other port-less protocol has none.
	 */
	if (out->proto == IPPROTO_ICMP || out->proto == IPPROTO_ICMPV6) {
		icmp_settle(&out->orig, &ic[0], out->proto == IPPROTO_ICMPV6);
		icmp_settle(&out->reply, &ic[1], out->proto == IPPROTO_ICMPV6);
	} else if (!ct_proto_has_ports(out->proto) && out->proto != IPPROTO_GRE) {
		out->orig.sport = out->orig.dport = out->reply.sport = out->reply.dport = 0;
	}
	if (out->proto != IPPROTO_TCP) {
		int st = out->proto == IPPROTO_SCTP ? l4[0] :
			 out->proto == IPPROTO_DCCP ? l4[1] : -1;
		int max = out->proto == IPPROTO_SCTP ? CT_SCTP_STATE_MAX : CT_DCCP_STATE_MAX;

		out->tcp_state = 0;
		out->flags &= (uint8_t)~CT_F_STATE;
		/* Only the states ct.h names; others stay unknown. */
		if (st >= 0 && st < max) {
			out->state = (uint8_t)st;
			out->flags |= CT_F_STATE;
		}
	}
	return 0;
}

int ct_nl_parse_msg(const void *msg, size_t len, struct ct_entry *out)
{
	const uint8_t *p = msg;
	struct nlmsghdr nlh;
	struct nfgenmsg nfg;
	unsigned type;

	memset(out, 0, sizeof *out);
	if (len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof nfg))
		return -1;
	memcpy(&nlh, p, sizeof nlh);
	if (nlh.nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof nfg) || nlh.nlmsg_len > len)
		return -1;
	if (NFNL_SUBSYS_ID(nlh.nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return -1;
	/* Dump replies and new-entry events are CT_NEW, destroy events CT_DELETE. */
	type = NFNL_MSG_TYPE(nlh.nlmsg_type);
	if (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE)
		return -1;
	memcpy(&nfg, p + NLMSG_HDRLEN, sizeof nfg);
	if (nfg.nfgen_family != AF_INET && nfg.nfgen_family != AF_INET6)
		return -1;
	out->family = nfg.nfgen_family;
	if (parse_attrs(p + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof nfg),
			p + nlh.nlmsg_len, out) < 0) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}
