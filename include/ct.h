/*
 * ct.h - one conntrack entry, as every source produces it.
 *
 * Contract: a source (netlink dump, /proc text, stdin text) parses each
 * kernel entry into a struct ct_entry that the caller owns and hands it,
 * borrowed for the duration of one call, to a struct ct_sink.  Sources never
 * allocate per entry and never keep a pointer to an entry after the call.
 * A source that must start over (the kernel interrupted a dump) calls the
 * sink's reset() first, so the consumer can discard what it has seen.
 */
#ifndef LSCT_CT_H
#define LSCT_CT_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

/* TCP states, numbered as the kernel's enum tcp_conntrack. */
enum ct_tcp_state {
	CT_TCP_NONE = 0,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,
	CT_TCP_STATE_MAX
};

/* SCTP states, numbered as the kernel's enum sctp_conntrack. */
enum ct_sctp_state {
	CT_SCTP_NONE = 0,
	CT_SCTP_CLOSED,
	CT_SCTP_COOKIE_WAIT,
	CT_SCTP_COOKIE_ECHOED,
	CT_SCTP_ESTABLISHED,
	CT_SCTP_SHUTDOWN_SENT,
	CT_SCTP_SHUTDOWN_RECD,
	CT_SCTP_SHUTDOWN_ACK_SENT,
	CT_SCTP_HEARTBEAT_SENT,
	CT_SCTP_HEARTBEAT_ACKED,	/* no longer set by kernels since 6.x */
	CT_SCTP_STATE_MAX
};

/* DCCP states, numbered as the kernel's enum ct_dccp_states. */
enum ct_dccp_state {
	CT_DCCP_NONE = 0,
	CT_DCCP_REQUEST,
	CT_DCCP_RESPOND,
	CT_DCCP_PARTOPEN,
	CT_DCCP_OPEN,
	CT_DCCP_CLOSEREQ,
	CT_DCCP_CLOSING,
	CT_DCCP_TIMEWAIT,
	CT_DCCP_IGNORE,
	CT_DCCP_INVALID,
	CT_DCCP_STATE_MAX
};

/* Status bits, the kernel's IPS_* values for the ones we read. */
#define CT_STATUS_EXPECTED   (1u << 0)
#define CT_STATUS_SEEN_REPLY (1u << 1)
#define CT_STATUS_ASSURED    (1u << 2)
#define CT_STATUS_SRC_NAT    (1u << 4)
#define CT_STATUS_DST_NAT    (1u << 5)
#define CT_STATUS_OFFLOAD    (1u << 14)

/* ct_entry.flags: what the source could tell us. */
#define CT_F_COUNTERS (1u << 0)	/* packets/bytes were present */
#define CT_F_ID       (1u << 1)	/* id is the kernel's conntrack id */
#define CT_F_STATE    (1u << 2)	/* tcp_state (TCP) or state (SCTP, DCCP) is known */
/*
 * EVENT: the entry came from an event (a conntrack -E line: [NEW],
 * [UPDATE], [DESTROY]; or a ctnetlink event message, ct_events.h);
 * DESTROYED: the connection has been destroyed (its counters, if any, are
 * final): it keeps its bytes but is not open.  ZONE_ORIG/ZONE_REPLY: zone
 * applies to that direction only (zone-orig=, zone-reply=; a zone inside
 * one tuple of a netlink message); neither with zone= (both directions).
 */
#define CT_F_EVENT      (1u << 3)
#define CT_F_DESTROYED  (1u << 4)
#define CT_F_ZONE_ORIG  (1u << 5)
#define CT_F_ZONE_REPLY (1u << 6)
/* start_ns is the kernel's creation time (nf_conntrack_timestamp was on). */
#define CT_F_TSTAMP     (1u << 7)

/* An IPv4 address is stored in the first 4 bytes, the rest zero. */
struct ct_addr {
	uint8_t b[16];
};

/*
 * sport and dport, host byte order, by protocol (ct_proto_has_ports()):
 * TCP, UDP, UDP-Lite, SCTP, DCCP: the ports.  GRE: the keys (srckey=,
 * dstkey=; the kernel sends them as ports), 0 without PPTP.  ICMP and
 * ICMPv6: sport is the echo id (id=), dport the type and code as
 * CT_ICMP_TC(type, code), as the kernel's tuple holds them.  Anything
 * else: 0.
 */
#define CT_ICMP_TC(type, code)	((uint16_t)((unsigned)(type) << 8 | (code)))
#define CT_ICMP_TYPE(dport)	((uint8_t)((dport) >> 8))
#define CT_ICMP_CODE(dport)	((uint8_t)((dport) & 0xff))

struct ct_tuple {
	struct ct_addr src, dst;
	uint16_t sport, dport;	/* host byte order; see above */
	uint64_t packets;	/* since the entry was created (needs nf_conntrack_acct) */
	uint64_t bytes;		/* layer-3 bytes, same clock as packets */
};

struct ct_entry {
	struct ct_tuple orig;	/* direction of the first packet seen */
	struct ct_tuple reply;	/* expected answer, after NAT */
	uint64_t start_ns;	/* CLOCK_REALTIME ns at creation, valid with CT_F_TSTAMP */
	uint32_t id;		/* kernel conntrack id, valid with CT_F_ID */
	uint32_t status;	/* CT_STATUS_* bits (text sources: from [FLAGS]) */
	uint32_t timeout;	/* seconds left */
	uint32_t mark;		/* the connection's mark (CTA_MARK, mark=); 0 when absent */
	uint16_t zone;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* IPPROTO_* */
	uint8_t tcp_state;	/* enum ct_tcp_state, valid with CT_F_STATE (TCP only) */
	uint8_t flags;		/* CT_F_* */
	uint8_t state;		/* SCTP: enum ct_sctp_state, DCCP: enum ct_dccp_state,
				   valid with CT_F_STATE; 0 for other protocols */
};

/* The IP protocol numbers of <netinet/in.h>, for headers that do not include it. */
#define CT_PROTO_ICMP    1
#define CT_PROTO_TCP     6
#define CT_PROTO_UDP     17
#define CT_PROTO_DCCP    33
#define CT_PROTO_GRE     47
#define CT_PROTO_ICMPV6  58
#define CT_PROTO_UDPLITE 136
#define CT_PROTO_SCTP    132

/* The protocols whose sport/dport are ports (not GRE keys, not ICMP). */
static inline int ct_proto_has_ports(unsigned proto)
{
	return proto == CT_PROTO_TCP || proto == CT_PROTO_UDP || proto == CT_PROTO_UDPLITE ||
	       proto == CT_PROTO_SCTP || proto == CT_PROTO_DCCP;
}

static inline int ct_proto_is_icmp(unsigned proto)
{
	return proto == CT_PROTO_ICMP || proto == CT_PROTO_ICMPV6;
}

/*
 * Where a source delivers entries.  add() returns 0 to go on, -1 (errno set)
 * to stop the source, which then returns -1 with that errno.  reset() may be
 * NULL; it is called before a source restarts a snapshot from the beginning.
 */
struct ct_sink {
	int (*add)(const struct ct_entry *e, void *arg);
	void (*reset)(void *arg);
	void *arg;
};

/*
 * The connection has ended: destroyed, or its entry stays in the table a
 * while longer after a close began: TCP past ESTABLISHED (FIN_WAIT,
 * CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE); SCTP in a SHUTDOWN_* state or
 * CLOSED; DCCP in CLOSEREQ, CLOSING or TIMEWAIT.  Protocols without states
 * end only when destroyed.
 */
static inline int ct_entry_ended(const struct ct_entry *e)
{
	if (e->flags & CT_F_DESTROYED)
		return 1;
	if (!(e->flags & CT_F_STATE))
		return 0;
	switch (e->proto) {
	case CT_PROTO_TCP:
		return e->tcp_state >= CT_TCP_FIN_WAIT && e->tcp_state <= CT_TCP_CLOSE;
	case CT_PROTO_SCTP:
		return e->state == CT_SCTP_CLOSED ||
		       (e->state >= CT_SCTP_SHUTDOWN_SENT &&
			e->state <= CT_SCTP_SHUTDOWN_ACK_SENT);
	case CT_PROTO_DCCP:
		return e->state >= CT_DCCP_CLOSEREQ && e->state <= CT_DCCP_TIMEWAIT;
	default:
		return 0;
	}
}

/* "ESTABLISHED" etc. for a valid state, "NONE" otherwise. */
const char *ct_tcp_state_name(unsigned state);
/* Inverse of ct_tcp_state_name (also accepts the old name LISTEN); -1 if unknown. */
int ct_tcp_state_parse(const char *s, size_t len);
/*
 * The state of an SCTP or DCCP entry (proto is CT_PROTO_SCTP or
 * CT_PROTO_DCCP) as the kernel names it ("COOKIE_WAIT", "OPEN"), "NONE"
 * for an unknown one; the parse is its inverse, -1 if unknown.
 */
const char *ct_l4_state_name(unsigned proto, unsigned state);
int ct_l4_state_parse(unsigned proto, const char *s, size_t len);
/* The state word of any entry: TCP, SCTP or DCCP with CT_F_STATE; else NULL. */
const char *ct_entry_state_name(const struct ct_entry *e);

/* Address helpers: family-aware compare and text form (no brackets). */
/* Two loads a side instead of a call to memcmp(): it runs per entry. */
static inline int ct_addr_equal(const struct ct_addr *a, const struct ct_addr *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a->b, 8);
	memcpy(&a1, a->b + 8, 8);
	memcpy(&b0, b->b, 8);
	memcpy(&b1, b->b + 8, 8);
	return a0 == b0 && a1 == b1;
}
int ct_addr_is_loopback(int family, const struct ct_addr *a);
/* Writes the numeric form into buf (at least 46 bytes); returns buf. */
const char *ct_addr_str(int family, const struct ct_addr *a, char *buf, size_t len);
/* Parses a numeric IPv4 or IPv6 address; returns its family, or -1. */
int ct_addr_parse(const char *s, size_t len, struct ct_addr *out);

#endif
