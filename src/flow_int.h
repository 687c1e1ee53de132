/*
 * flow_int.h - the flow table's insides, shared by flow.c (classification,
 * aggregation, dumps and sweeps) and flow_events.c (events and rereads).
 * Not for other files.
 */
#ifndef LSCT_FLOW_INT_H
#define LSCT_FLOW_INT_H

#include "flow.h"
#include "store.h"

/*
 * Aggregation is bound by two cache misses per entry (the index slot, then
 * the flow).  Hits wait in a short ring: the slot is prefetched when a hit
 * enters, its flow half way through, and the hit is counted when it leaves.
 */
#define FLOW_RING 16

/* One entry waiting in the ring: its hits and, when tracking, its counters. */
struct pending {
	struct flow_hit hit[2];
	uint64_t hash[2];
	unsigned nhits;
	unsigned open;			/* not ct_entry_ended(): counts in flow.conns */
	uint64_t conn;			/* conn_key(), tracking tables only */
	uint64_t op, ob, rp, rb;	/* original and reply packets/bytes */
	uint32_t proc[2], rtt[2], rtx[2];	/* per hit: its local socket's (-P) */
};

/* -P: a flow and a process of one of its sockets, this dump. */
struct flow_proc_pair {
	uint32_t flow, proc;
};

struct flow_table {
	const struct host_info *host;	/* borrowed */
	struct flow_opts opts;		/* server_ports borrowed */
	struct flow *flows;		/* dense, nflows used */
	struct flow_proc *procs;	/* -P (opts.socks): beside flows, cap of them; else NULL */
	uint32_t *hashes;		/* beside flows: the low 32 bits of each key's hash */
	size_t nflows, cap;
	/*
	 * Open addressing, at most 3/4 full: a slot is 0 (empty) or the flow
	 * number + 1 in its low index_bits bits and, above them, a tag of
	 * the key's hash, so a probe that meets another flow's slot rarely
	 * reads that flow (flow.c).
	 */
	uint32_t *index;
	size_t index_size;		/* 2^index_bits */
	unsigned index_bits;
	struct flow_stats stats;
	struct pending ring[FLOW_RING];	/* entries not counted yet */
	unsigned ring_head, ring_len;	/* oldest at ring[ring_head % FLOW_RING] */
	struct conn_store *store;	/* tracking tables only */
	uint64_t snapshots;		/* completed */
	int events;			/* DESTROY events feed the store */
	int in_snapshot;		/* between begin and end */
	int delta_shown;		/* d was shown: zero it before adding to it */
	double (*clock)(void);		/* seconds, for records in limbo (store.h) */
	uint32_t now_s;			/* clock() at the last sweep */
	/*
	 * The flow of each hit read again since refresh_begin, one number a
	 * hit: a few thousand at most (the rows on screen), where a counter
	 * per flow took 4 bytes of every flow, all of them written each time.
	 */
	uint32_t *reread;
	size_t nreread, reread_cap;
	struct flow_proc_pair *pairs;	/* -P: this dump's, sorted at the end */
	size_t npairs, pairs_cap;
};

/* The flow of key, added (zeroed) if new. */
struct flow *flow_find_add(struct flow_table *t, const struct flow_key *key);
/* Counts the entries still waiting in the ring. */
void flow_flush(struct flow_table *t);
/* Zeroes the deltas if the last ones were shown (flow_table_interval_done()). */
void flow_delta_fresh(struct flow_table *t);

#endif
