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
#define CT_F_STATE    (1u << 2)	/* tcp_state is known */
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

struct ct_tuple {
	struct ct_addr src, dst;
	uint16_t sport, dport;	/* host byte order; 0 for port-less protocols */
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
	uint8_t tcp_state;	/* enum ct_tcp_state, valid with CT_F_STATE */
	uint8_t flags;		/* CT_F_* */
};

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
 * The connection has ended: destroyed, or a TCP connection past
 * ESTABLISHED (FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE) whose
 * entry stays in the table a while longer.
 */
static inline int ct_entry_ended(const struct ct_entry *e)
{
	if (e->flags & CT_F_DESTROYED)
		return 1;
	return (e->flags & CT_F_STATE) && e->proto == 6 /* IPPROTO_TCP */ &&
	       e->tcp_state >= CT_TCP_FIN_WAIT && e->tcp_state <= CT_TCP_CLOSE;
}

/* "ESTABLISHED" etc. for a valid state, "NONE" otherwise. */
const char *ct_tcp_state_name(unsigned state);
/* Inverse of ct_tcp_state_name (also accepts the old name LISTEN); -1 if unknown. */
int ct_tcp_state_parse(const char *s, size_t len);

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
