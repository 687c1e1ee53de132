/*
 * flow.h - classify conntrack entries and aggregate them into host flows.
 *
 * A host flow is what the original lsconntrack printed: every connection
 * this host opened to one peer address and port (ACTIVE, shown
 * "localhost:many --> peer:port"), or every connection one peer address
 * opened to one local port (PASSIVE, "localhost:port <-- peer:many").
 * With flow_opts.routes, what this host routes for others, with no end on
 * this machine, makes ROUTED flows ("client:many --> server:port").
 * The classification rules are in doc/classification.md.
 *
 * Contract: a snapshot is flow_table_begin(), flow_table_add() for every
 * entry (or the ct_sink from flow_table_sink()), flow_table_end().  Counts
 * and flows are complete only after flow_table_end().  Flows live in the
 * table; pointers from flow_table_at() stay valid until the next
 * flow_table_begin().  Flows are contiguous: flow_table_flows() is the
 * array, flow_table_at(t, i) its element i; with -P, flow_table_procs()
 * is an array beside it (struct flow_proc).  The host_info and port_filter passed to
 * flow_table_new() are borrowed and must outlive the table.
 *
 * A tracking table (flow_table_track()) keeps its flows and a store of every
 * connection's last counters from one snapshot to the next, so each flow
 * also carries per-interval deltas (struct flow_delta), and flows whose
 * entries are gone stay FLOW_LINGER snapshots with idle > 0.  Pointers
 * from flow_table_at() are then valid until the next flow_table_end() or
 * flow_table_event().
 *
 * A connection counts once as new and once as closed, whatever mix of
 * dumps and events saw it: closed when its TCP state passes ESTABLISHED,
 * when its DESTROY event arrives, or when a dump no longer finds it,
 * whichever comes first.
 */
#ifndef LSCT_FLOW_H
#define LSCT_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"
#include "host.h"
#include "owner.h"
#include "ports.h"
#include "route_reg.h"
#include "socks.h"
#include "util.h"

/*
 * FLOW_ROUTED: neither end on this machine (this host routes or NATs it):
 * "client:many --> server:port", shown only when asked (flow_opts.routes).
 */
enum flow_dir { FLOW_ACTIVE = 0, FLOW_PASSIVE = 1, FLOW_ROUTED = 2 };

/* One bit per protocol conntrack tracks; flow_proto_bit() maps IPPROTO_* here. */
#define FLOW_PROTO_TCP     (1u << 0)
#define FLOW_PROTO_UDP     (1u << 1)
#define FLOW_PROTO_UDPLITE (1u << 2)
#define FLOW_PROTO_SCTP    (1u << 3)
#define FLOW_PROTO_DCCP    (1u << 4)
#define FLOW_PROTO_ICMP    (1u << 5)
#define FLOW_PROTO_ICMPV6  (1u << 6)
#define FLOW_PROTO_GRE     (1u << 7)
#define FLOW_PROTO_ALL     ((1u << 8) - 1)
#define FLOW_FAM_V4    (1u << 0)
#define FLOW_FAM_V6    (1u << 1)

/*
 * port is the flow's port for the protocols with ports (ct_proto_has_ports());
 * the port-less ones reuse it as their key (doc/classification.md): ICMP and
 * ICMPv6 the request's type (8 for echo, both directions), GRE the key
 * (ACTIVE: the original dstkey; PASSIVE: the reply's srckey), 0 without PPTP.
 */
struct flow_key {
	struct ct_addr peer;	/* the remote end's address; ROUTED: the server's (original destination) */
	uint16_t port;		/* ACTIVE, ROUTED: the peer's port; PASSIVE: the local port */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* IPPROTO_*: any protocol of FLOW_PROTO_ALL */
	uint8_t dir;		/* enum flow_dir */
	/*
	 * Whose flow: 0 the viewed namespace ("host"), else another namespace
	 * of this machine, by its owner_reg number (owner.h): stable while the
	 * registry lives, never reused.  ROUTED flows have no owner: there it
	 * is the route_reg number of the client's end and the NAT (route_reg.h).
	 */
	uint32_t owner;
};

struct flow_counters {
	uint64_t in_packets, in_bytes;	 /* sent by the peer to this host */
	uint64_t out_packets, out_bytes; /* sent by this host to the peer */
};

/* What changed since the previous snapshot (tracking tables only). */
struct flow_delta {
	uint64_t in_packets, in_bytes;	 /* never negative: see doc/monitor.md */
	uint64_t out_packets, out_bytes;
	uint32_t new_conns;		/* connections opened in the interval */
	uint32_t closed_conns;		/* connections that ended in the interval */
};

/* A flow without connections stays this many snapshots, shown as closed. */
#define FLOW_LINGER 3

/*
 * 112 bytes (the screen's frames copy every flow): the key is 28 with its
 * owner, idle and stale sit in the padding after it, counts of
 * connections are 32 bits.  What -P says of a flow is not here but in
 * struct flow_proc, beside it.
 */
struct flow {
	struct flow_key key;
	uint8_t idle;		/* dumps in a row without entries in the table (0: some) */
	/*
	 * In a frame between dumps: c is still the last dump's for some of
	 * its entries (not read again: flow_table_refresh_end()).
	 */
	uint8_t stale;
	struct flow_counters c;	/* sums over the connections, saturating */
	uint32_t conns;		/* open connections in this flow (not ct_entry_ended()) */
	uint32_t entries;	/* entries of the last dump, open or ended */
	struct flow_delta d;	/* zero in one-shot tables and in a first snapshot */
};
_Static_assert(sizeof(struct flow) <= 112, "struct flow grew: the monitor copies every flow");

/*
 * -P: what the sockets say of a flow, in an array parallel to the flows
 * (flow_table_procs(), a frame's procs), which exists only with -P: the
 * flows, copied into every frame of the screen, stay 112 bytes without it.
 */
struct flow_proc {
	/*
	 * The process of its local sockets (procs.h number; several: the
	 * lowest number, the first one known), 0 none.  A dump that finds
	 * none keeps the last one (closed connections keep their owner).
	 */
	uint32_t proc;
	/* TCP: the largest smoothed RTT of its live sockets, last dump, us; 0 none */
	uint32_t rtt_us;
	/*
	 * TCP retransmissions of its local sockets in the interval (their
	 * tcpi_total_retrans deltas, socks.h), saturating; zeroed with the
	 * flow's delta.
	 */
	uint32_t retrans;
	uint16_t nprocs;	/* distinct processes holding its sockets, last dump (saturating) */
};

/*
 * Flows and their -P records, borrowed: procs[i] belongs to flows[i];
 * procs NULL when -P is off.
 */
struct flow_side {
	const struct flow *flows;
	const struct flow_proc *procs;
};

extern const struct flow_proc flow_proc_none;

/*
 * The one way to a flow's -P record: f must be an element of s->flows.
 * Without records (s NULL, or -P off) an all-zero one: no process, no RTT,
 * no retransmissions.
 */
static inline const struct flow_proc *flow_proc(const struct flow_side *s, const struct flow *f)
{
	return s && s->procs ? &s->procs[f - s->flows] : &flow_proc_none;
}

/* How one entry maps onto flows: up to two (a local-to-local connection). */
struct flow_hit {
	struct flow_key key;
	struct flow_counters c;
	uint8_t in_orig;	/* in_* came from the original direction */
};

enum flow_class {
	FLOW_CLASS_HOST = 0,	/* one or two hits */
	FLOW_CLASS_FORWARDED,	/* neither end is this host: routed or NATed through */
	FLOW_CLASS_EXCLUDED,	/* protocol, family, zone or mark not selected */
	/*
	 * Forwarded, and an end's address is held by two or more other
	 * namespaces of this machine (owner_ambiguous()): not guessed.
	 */
	FLOW_CLASS_AMBIGUOUS,
	/* One or two hits of other namespaces' owners (key.owner != 0). */
	FLOW_CLASS_OWNER,
	/* Forwarded, and routed flows are asked for: one FLOW_ROUTED hit. */
	FLOW_CLASS_ROUTED,
};

/* The entry makes flows (the viewed namespace's, owners' or routed). */
static inline int flow_class_shown(enum flow_class c)
{
	return c == FLOW_CLASS_HOST || c == FLOW_CLASS_OWNER || c == FLOW_CLASS_ROUTED;
}

struct flow_opts {
	unsigned protos;	/* FLOW_PROTO_* to keep */
	unsigned families;	/* FLOW_FAM_* to keep */
	const struct port_filter *server_ports; /* --pport: also server ports; may be NULL */
	/*
	 * --zone: with zone_set, only entries of that zone, whichever
	 * directions it applies to (zone=, zone-orig= or zone-reply=).
	 * --mark: only entries with (mark & mark_mask) == mark_val; a zero
	 * mask (and value) keeps all.
	 */
	uint8_t zone_set;
	uint16_t zone;
	uint32_t mark_val, mark_mask;
	/*
	 * The other namespaces of this machine (borrowed; NULL: owners off).
	 * An entry with no end in the viewed namespace becomes flows of the
	 * owners of its ends (doc/classification.md); their owner_reg tags
	 * must be set (owner_reg_sync()) before classifying.
	 */
	const struct owner_table *owners;
	/*
	 * Owners built on first need (NULL: owners is ready as given).
	 * flow_classify() calls it when an entry has no end in the viewed
	 * namespace, before looking owners up: 1, the table may be used
	 * (built now, or before); 0, not now (the entry is classified as
	 * with owners off).  A plain host's snapshot then enters no other
	 * namespace at all.
	 */
	int (*owners_ready)(void *arg);
	void *owners_arg;
	/*
	 * Routed flows (borrowed; NULL: they stay forwarded, as before).  An
	 * entry that ends neither here nor, with owners on, in another
	 * namespace of this machine becomes a FLOW_ROUTED flow, its client
	 * and NAT interned here (by the classifying thread).
	 */
	struct route_reg *routes;
	/*
	 * -P: this namespace's sockets (borrowed; NULL: off), dumped before
	 * the entries are added.  Each connection with a local TCP or UDP end
	 * gives its flow that socket's process, RTT and retransmissions.
	 */
	const struct socks *socks;
};

struct flow_stats {
	uint64_t entries;	/* entries offered */
	uint64_t active;	/* entries counted as ACTIVE */
	uint64_t passive;	/* entries counted as PASSIVE */
	uint64_t local;		/* local-to-local entries (counted in both) */
	uint64_t forwarded;	/* not this host's nor an owner's: not shown */
	uint64_t routed;	/* forwarded ones shown as routed flows (not in forwarded) */
	uint64_t owned;		/* entries counted as flows of other namespaces' owners */
	uint64_t ambiguous;	/* forwarded ones with an end held by several namespaces */
	uint64_t excluded;	/* other protocol, family, zone or mark: not shown */
	uint64_t counters;	/* entries that carried packet/byte counters */
};

/*
 * Classifies e.  Writes up to two hits and returns their number through
 * *nhits.  Reads h and o; writes nothing else but o->routes (a routed
 * entry's client and NAT interned there).
 */
enum flow_class flow_classify(const struct host_info *h, const struct flow_opts *o,
			      const struct ct_entry *e, struct flow_hit hits[2],
			      unsigned *nhits);

int flow_key_equal(const struct flow_key *a, const struct flow_key *b);

/* The FLOW_PROTO_* bit of an IPPROTO_* number, 0 for one not shown. */
unsigned flow_proto_bit(int proto);
/* The flow's port is a port (TCP, UDP, UDP-Lite, SCTP, DCCP), not a key. */
static inline int flow_has_port(const struct flow_key *k)
{
	return ct_proto_has_ports(k->proto);
}

struct flow_table;

struct flow_table *flow_table_new(const struct host_info *h, const struct flow_opts *o);
void flow_table_free(struct flow_table *t);

void flow_table_begin(struct flow_table *t);
int flow_table_add(struct flow_table *t, const struct ct_entry *e);
/*
 * flow_table_add() that also reports how e was classified: the hits it was
 * counted in (*nhits 0 when it is not this host's).  Each entry is
 * classified once; a caller that needs the hits takes them from here.
 */
int flow_table_add_hits(struct flow_table *t, const struct ct_entry *e,
			struct flow_hit hits[2], unsigned *nhits);
void flow_table_end(struct flow_table *t);
/* A sink that adds to t; its reset() restarts the snapshot. */
struct ct_sink flow_table_sink(struct flow_table *t);

/*
 * A hint of the entries to come (nf_conntrack_count): room for a flow per
 * two is reserved, so the first dump does not grow the flows step by step.
 * Nothing once the table has flows.
 */
void flow_table_expect(struct flow_table *t, size_t entries);
/*
 * Makes t a tracking table; expect is a hint of the connections to come
 * (nf_conntrack_count), used to size the store once.  Call before the first
 * flow_table_begin().
 */
void flow_table_track(struct flow_table *t, size_t expect);
/*
 * DESTROY events feed this tracking table (ct_events.h): a connection
 * missing from a dump gets one more dump of grace for its event before it
 * counts as closed without final counters.
 */
void flow_table_events(struct flow_table *t, int on);
/*
 * The clock (seconds) that times records waiting for a late DESTROY
 * (store.h's limbo); mono_now() unless tests set another, NULL restores it.
 */
void flow_table_clock(struct flow_table *t, double (*clock)(void));
/*
 * Applies one DESTROY event (e->flags has CT_F_DESTROYED) to a tracking
 * table, between flow_table_begin() and flow_table_end() or between
 * snapshots.  A connection the store knows adds its final counters minus
 * the last seen ones and counts as closed (once); one it never saw (born
 * and gone between dumps) is classified and counts as opened and closed
 * with all its counters.  Either way it leaves a tombstone, so that a dump
 * that raced the destroy cannot count it again.  Returns 1 when it changed
 * a flow, 0 when not (a duplicate, not this host's, the first snapshot).
 */
int flow_table_event(struct flow_table *t, const struct ct_entry *e);
/*
 * Between dumps, fresh readings of some connections (GET requests):
 * flow_table_refresh_begin(), flow_table_refresh() for each, then
 * flow_table_refresh_end(), which marks stale every flow with entries not
 * all read again.  A reading adds what the connection did since the store
 * last saw it to its flows' deltas and totals, and counts it closed if its
 * TCP state has passed ESTABLISHED; a connection the store does not know
 * (or knows destroyed) is left to the next dump.  refresh() returns 1 when
 * it changed a flow.
 */
void flow_table_refresh_begin(struct flow_table *t);
int flow_table_refresh(struct flow_table *t, const struct ct_entry *e);
void flow_table_refresh_end(struct flow_table *t);

/*
 * The deltas so far have been shown (in a frame): the next event or
 * snapshot starts a new interval.  flow_table_end() implies it.
 */
void flow_table_interval_done(struct flow_table *t);

/* Snapshots completed; a tracking table's deltas are meaningful from the second. */
uint64_t flow_table_snapshots(const struct flow_table *t);
/* Connections in the store, and the bytes the store holds. */
size_t flow_table_tracked(const struct flow_table *t, size_t *bytes);

/*
 * The flow index's probe lengths now (a walk over the index, O(flows); the
 * lookups themselves count nothing).  Mean total/keys stays near 1.5 for
 * any keys, chosen or not: the hash is keyed (util.h).
 */
struct probe_stats flow_table_probe_stats(const struct flow_table *t);

size_t flow_table_count(const struct flow_table *t);
const struct flow *flow_table_at(const struct flow_table *t, size_t i);
/* The flow_table_count() flows as one array (NULL when there are none). */
const struct flow *flow_table_flows(const struct flow_table *t);
/* -P: the flows' records, parallel to flow_table_flows(); NULL without -P or flows. */
const struct flow_proc *flow_table_procs(const struct flow_table *t);
const struct flow_stats *flow_table_stats(const struct flow_table *t);

#endif
