/*
 * store.h - every tracked connection's counters from the previous snapshot.
 *
 * The monitor's per-interval deltas need, for each connection, what its
 * counters were last time.  A connection is named by a 64-bit hash of its
 * original tuple, zone, and the kernel's conntrack id when the source has
 * one (conn_key()); two live connections sharing a key would need a 64-bit
 * collision (about 3e-8 for a million entries).  Records live in one
 * open-addressing array (linear probing with runs kept in home order, no
 * allocation per record), 40 bytes each, sized for 87.5% full and grown
 * past 90% (store.c).
 *
 * A snapshot marks each record it finds (CONN_SEEN); conn_store_sweep()
 * then offers the unmarked ones to a callback that says whether each goes
 * (the flow layer's rules: a closed connection, a tombstone that has served
 * its interval) and clears the marks.  Record pointers are valid until the
 * next conn_store_get() that adds a record, or the next sweep.
 *
 * The top four bits of flow[0] are the record's state, for the flow layer:
 *   SEEN   found by the snapshot being taken;
 *   ENDED  counted as closed already (a TCP state past ESTABLISHED, or a
 *          destroyed entry of an event log) while still in the table;
 *   TOMB   destroyed (a DESTROY event was counted): a dump that raced the
 *          destroy must not bring it back; gone after one more sweep;
 *   GRACE  missing from one dump while events are on (its DESTROY may
 *          never come); with TOMB: the tombstone has served one sweep.
 *   LIMBO  (ENDED and TOMB together) gone from the dumps and counted as
 *          closed while events are on, its DESTROY not seen yet: it may come
 *          late (the kernel reaps expired entries lazily and dumps skip
 *          them meanwhile), and then adds its final counters without
 *          counting the connection again.  flow[1] holds the second (of the
 *          flow layer's clock) it went; the flow numbers are not kept (an
 *          event classifies again).  Gone after CONN_LIMBO_SECS, or
 *          sooner when the store is full (conn_store_expendable()).
 */
#ifndef LSCT_STORE_H
#define LSCT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"
#include "util.h"

#define CONN_SEEN	0x80000000u	/* in flow[0]: found by this snapshot */
#define CONN_ENDED	0x40000000u
#define CONN_TOMB	0x20000000u
#define CONN_GRACE	0x10000000u
#define CONN_LIMBO	(CONN_ENDED | CONN_TOMB)
#define CONN_LIMBO_SECS	120u	/* the kernel's conntrack GC visits every entry within 60 s */
#define CONN_FLOW_MASK	0x0fffffffu
#define CONN_FLOW_NONE	0x0fffffffu	/* no flow: flow[1] of a connection in one flow */

/*
 * The counters keep their low bits (conn_counts_get/set): 52 of each byte
 * counter, 44 of each packet counter, 40 bytes a record instead of 56.  A
 * delta is exact while a counter moves less than that in one interval
 * (conn_delta()), and that has to hold for the longest interval anyone
 * asks for on the fastest link one connection can fill.  A day at
 * 100 Gbit/s is 1.08e15 bytes (12.5 GB/s * 86400 s), under 2^52 = 4.5e15
 * (100 hours at that rate), and at most 1.29e13 packets (148.8 million
 * minimum-size frames a second), under 2^44 = 1.76e13.  The 48 bits each
 * counter had before held 6 hours of such bytes, not a day.
 */
struct conn_rec {
	uint64_t key;			/* 0: free slot */
	uint64_t orig_bytes : 52, orig_pk_hi : 12;
	uint64_t reply_bytes : 52, reply_pk_hi : 12;
	uint32_t orig_pk_lo, reply_pk_lo;
	uint32_t flow[2];		/* flow numbers; flow[0] also holds the CONN_* state */
};

/* A connection's four counters. */
struct conn_counts {
	uint64_t op, ob, rp, rb;	/* original packets, bytes; reply packets, bytes */
};

#define CONN_BYTES_BITS 52
#define CONN_PACKETS_BITS 44
#define CONN_BYTES_MASK ((UINT64_C(1) << CONN_BYTES_BITS) - 1)
#define CONN_PACKETS_MASK ((UINT64_C(1) << CONN_PACKETS_BITS) - 1)

/* The counters r holds (their low bits). */
static inline struct conn_counts conn_counts_get(const struct conn_rec *r)
{
	struct conn_counts c = {
		(uint64_t)r->orig_pk_hi << 32 | r->orig_pk_lo, r->orig_bytes,
		(uint64_t)r->reply_pk_hi << 32 | r->reply_pk_lo, r->reply_bytes,
	};

	return c;
}

static inline void conn_counts_set(struct conn_rec *r, const struct conn_counts *c)
{
	r->orig_pk_lo = (uint32_t)c->op;
	r->orig_pk_hi = (uint16_t)(c->op >> 32) & 0xfff;
	r->orig_bytes = c->ob & CONN_BYTES_MASK;
	r->reply_pk_lo = (uint32_t)c->rp;
	r->reply_pk_hi = (uint16_t)(c->rp >> 32) & 0xfff;
	r->reply_bytes = c->rb & CONN_BYTES_MASK;
}

struct conn_store;

/* Never 0. */
uint64_t conn_key(const struct ct_entry *e);

/*
 * A delta that never goes negative: a counter that went down was reset.
 * prev is what the store kept, the low bits of mask (CONN_BYTES_MASK or
 * CONN_PACKETS_MASK): a counter past mask is taken modulo mask + 1.
 */
static inline uint64_t conn_delta(uint64_t prev, uint64_t cur, uint64_t mask)
{
	if (cur > mask)
		return (cur - prev) & mask;
	return cur >= prev ? cur - prev : cur;
}

/* What the counters did since r last saw them (*d); r then holds now. */
static inline void conn_counts_advance(struct conn_rec *r, const struct conn_counts *now,
				       struct conn_counts *d)
{
	struct conn_counts was = conn_counts_get(r);

	d->op = conn_delta(was.op, now->op, CONN_PACKETS_MASK);
	d->ob = conn_delta(was.ob, now->ob, CONN_BYTES_MASK);
	d->rp = conn_delta(was.rp, now->rp, CONN_PACKETS_MASK);
	d->rb = conn_delta(was.rb, now->rb, CONN_BYTES_MASK);
	conn_counts_set(r, now);
}

/* expect: connections to size for (0: a small default); grows as needed. */
struct conn_store *conn_store_new(size_t expect);
void conn_store_free(struct conn_store *s);

/*
 * The record of key; a new one (zeroed but for key) when there is none,
 * with *added set.  Adding may move every record.
 */
struct conn_rec *conn_store_get(struct conn_store *s, uint64_t key, int *added);
/*
 * Records the store may drop rather than grow: when an add finds the
 * store full, every record expendable() picks goes first (the flow layer's
 * limbo), and the store grows only if that did not leave room.
 */
void conn_store_expendable(struct conn_store *s,
			   int (*expendable)(const struct conn_rec *r, void *arg), void *arg);
/* Starts fetching the slot key would live in. */
void conn_store_prefetch(const struct conn_store *s, uint64_t key);
/* The record of key, or NULL. */
const struct conn_rec *conn_store_find(const struct conn_store *s, uint64_t key);
/* The same, to change it (its key excepted). */
struct conn_rec *conn_store_lookup(struct conn_store *s, uint64_t key);

/*
 * Offers every record without CONN_SEEN to gone(), which returns 1 to
 * remove it or 0 to keep it (and may change its state bits); gone NULL
 * removes them all.  Clears CONN_SEEN on the rest and, when remap is not
 * NULL, renumbers their flows through it (remap[old] = new; a flow that
 * went becomes CONN_FLOW_NONE).  gone() sees flow numbers before remapping.
 */
void conn_store_sweep(struct conn_store *s, const uint32_t *remap,
		      int (*gone)(struct conn_rec *r, void *arg), void *arg);

/* Probe lengths now (a walk over the slots; lookups count nothing). */
struct probe_stats conn_store_probe_stats(const struct conn_store *s);
size_t conn_store_count(const struct conn_store *s);
/* Bytes of the record array. */
size_t conn_store_bytes(const struct conn_store *s);

#endif
