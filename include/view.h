/*
 * view.h - choose and order the flows one output shows.
 *
 * Shared by the batch writers and the monitor.  A view is an array of
 * borrowed pointers into a flow_table, valid until that table's next
 * flow_table_begin().
 */
#ifndef LSCT_VIEW_H
#define LSCT_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"
#include "ports.h"

#define VIEW_ACTIVE  (1u << FLOW_ACTIVE)
#define VIEW_PASSIVE (1u << FLOW_PASSIVE)
#define VIEW_ROUTED  (1u << FLOW_ROUTED)

enum view_sort {
	VIEW_SORT_BYTES = 0,	/* in + out bytes (default) */
	VIEW_SORT_PACKETS,	/* in + out packets */
	VIEW_SORT_INBYTES,
	VIEW_SORT_OUTBYTES,
	VIEW_SORT_INPKTS,
	VIEW_SORT_OUTPKTS,
	VIEW_SORT_CONNS,
	VIEW_SORT_PEER,		/* address, then port: ascending */
	VIEW_SORT_PORT,		/* port, then address: ascending; port-less flows (ICMP, GRE) last */
	/* Per-interval (tracking tables): one interval for all rows, so a
	 * delta orders exactly as its rate. */
	VIEW_SORT_RATE,		/* in + out bytes in the interval */
	VIEW_SORT_INRATE,
	VIEW_SORT_OUTRATE,
	VIEW_SORT_PPS,		/* in + out packets in the interval */
	VIEW_SORT_INPPS,
	VIEW_SORT_OUTPPS,
	VIEW_SORT_NEW,		/* new connections */
	VIEW_SORT_CLOSED,	/* closed connections */
	VIEW_SORT_RTT,		/* -P: the largest RTT of its TCP sockets */
	VIEW_SORT_RETRANS,	/* -P: TCP retransmissions in the interval */
	VIEW_SORT_MAX
};

/*
 * The monitor's host filter (the `/` key): an address ("10.0.0.1",
 * "fd00::1"), a prefix ("10.0.0.0/8", "fd00::/8"), or else a substring
 * matched, ignoring case, against the peer's numeric address and its name.
 */
enum host_filter_kind { HOST_FILTER_NONE = 0, HOST_FILTER_PREFIX, HOST_FILTER_TEXT };

struct host_filter {
	enum host_filter_kind kind;
	uint8_t family;		/* PREFIX */
	uint8_t plen;		/* PREFIX: bits; 32/128 for one address */
	struct ct_addr addr;	/* PREFIX, host bits cleared */
	char text[128];		/* as typed (TEXT: the substring) */
};

/* Empty text clears f.  -1 with a one-line reason in err, f unchanged. */
int host_filter_parse(struct host_filter *f, const char *text, char *err, size_t errlen);
/* name: the peer's name if known (or NULL). */
int host_filter_match(const struct host_filter *f, int family, const struct ct_addr *a,
		      const char *name);

/*
 * The owner filter (--owner, the monitor's `o` key): "KIND:TEXT" with KIND
 * one of host, container, pod, netns keeps that kind's flows, TEXT (may be
 * empty) matching as below; a TEXT alone matches, ignoring case, a part of
 * the owner's name or the start of its id.  "host" is the viewed
 * namespace's own flows.
 */
struct owner_filter {
	int set;
	int kind;		/* enum owner_kind, or -1: any */
	char text[OWNER_NAME_MAX];
};

/* Empty text clears f.  -1 with a one-line reason in err, f unchanged. */
int owner_filter_parse(struct owner_filter *f, const char *text, char *err, size_t errlen);
/* The filter as it would be typed ("" when not set), for a prompt. */
void owner_filter_text(const struct owner_filter *f, char *buf, size_t len);
/* l: the flow owner's label, NULL when unknown (matches nothing but "any"). */
int owner_filter_match(const struct owner_filter *f, const struct owner_label *l);

struct view_opts {
	unsigned dirs;			/* VIEW_ACTIVE | VIEW_PASSIVE | VIEW_ROUTED */
	/* peer ports of active flows and server ports of routed ones; NULL = all; set, no port-less flow */
	const struct port_filter *aport;
	const struct port_filter *pport; /* local ports of passive flows; NULL = all */
	enum view_sort sort;
	int reverse;			/* flip the order of the sort key */
	const struct host_filter *host;	/* peers shown; NULL = all */
	/* Names for the host filter's substring match; may be NULL. */
	const char *(*name_of)(void *arg, int family, const struct ct_addr *a);
	void *name_arg;
	const struct owner_filter *owner; /* owners shown; NULL = all */
	/* The label of a flow's owner number (mon_owner()); needed by owner. */
	int (*owner_of)(void *arg, uint32_t id, struct owner_label *out);
	void *owner_arg;
	/*
	 * A routed flow's client and NAT (mon_route()), for the host filter,
	 * which matches a routed flow by its server or its client; may be
	 * NULL (the server only).  The owner filter passes no routed flow:
	 * they are nobody's on this machine.
	 */
	int (*route_of)(void *arg, uint32_t id, struct flow_route *out);
	void *route_arg;
	/*
	 * -P: the records beside the flows view_build_array() is given
	 * (flow_proc(); view_build() takes the table's), for the RTT and
	 * retransmission sorts; NULL: none (those sorts see zeros).
	 */
	const struct flow_proc *procs;
	/*
	 * Sort each direction in one piece: no merge that reads every flow
	 * again (about 2 ms less for 50,000 flows), for 32 bytes a row at the
	 * peak instead of at most 512 KiB.  One-shot runs set it; streams
	 * and the monitor's panes, which live on, do not.
	 */
	int whole;
};

/*
 * The sort used when none is asked for: total bytes for one snapshot, the
 * byte rate where there are intervals (the monitor: the busiest now, not
 * the busiest ever).
 */
enum view_sort view_sort_default(int rates);
/* Metric sorts put the biggest first; peer and port sorts run ascending. */
int view_sort_descends(enum view_sort s, int reverse);

/* "bytes", "packets", ...; NULL for an unknown value. */
const char *view_sort_name(enum view_sort s);
/* Inverse of view_sort_name (also "inpkts"/"in-packets" style aliases); -1 if unknown. */
int view_sort_parse(const char *s);

int view_match(const struct view_opts *o, const struct flow *f);

/*
 * Fills rows (room for flow_table_count(t) pointers) with the matching flows
 * of t: active flows first, then passive, then routed, each group in sort order with the
 * flow key as the final tie-break, so the order is total.  Returns the count.
 */
size_t view_build(const struct flow_table *t, const struct view_opts *o,
		  const struct flow **rows);

/* The same over a plain array of flows (a monitor frame). */
size_t view_build_array(const struct flow *flows, size_t count, const struct view_opts *o,
			const struct flow **rows);
/*
 * The same, each row the number of its flow in flows (4 bytes a row, not
 * a pointer's 8: the monitor's panes keep theirs from frame to frame).
 */
size_t view_build_index(const struct flow *flows, size_t count, const struct view_opts *o,
			uint32_t *rows);

/*
 * Writers walk the rows in sort order, which reads the flows at random: a
 * cache miss per row on large tables.  view_prefetch(rows, i, n) in the
 * loop asks for the flow a few rows ahead.
 */
#define VIEW_PREFETCH_AHEAD 8
static inline void view_prefetch(const struct flow *const *rows, size_t i, size_t n)
{
	if (i + VIEW_PREFETCH_AHEAD < n) {
		const char *p = (const char *)rows[i + VIEW_PREFETCH_AHEAD];

		__builtin_prefetch(p);
		__builtin_prefetch(p + sizeof(struct flow) - 1);
	}
}

/*
 * view_build()'s order, field by field (<0, 0, >0), for callers comparing
 * two flows of side->flows (side: their -P records, flow_proc(); may be NULL).
 */
int view_cmp(const struct flow_side *side, const struct flow *a, const struct flow *b,
	     enum view_sort s, int reverse);

#endif
