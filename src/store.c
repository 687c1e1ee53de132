/* store.c - the per-connection counter store behind the monitor's deltas. */
#include "store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

/*
 * Slots are addressed by multiplying the key's top half by the capacity
 * (a range reduction that needs no power-of-two size), so the array can be
 * sized close to what the table holds: memory per connection is what the
 * performance target counts.
 *
 * Linear probing that keeps every run of records in the order of their
 * home slots (Robin Hood hashing: a record never sits further from home
 * than one it passed).  Lookups then stop at the first record whose home
 * is after theirs, a miss costs about as much as a hit, and no run holds a
 * record far from home, so the array can be kept fuller: at most 90% (40
 * bytes a record: 44-46 bytes a connection instead of 50-56 at 71-80%).
 * An average hit probes (1 + 1 / (1 - fill)) / 2 slots: 4.5 at 87.5%, 5.5
 * at 90%, mostly in the cache line fetched ahead.  Growth is by a quarter
 * (to 72% full), so a table that outgrows its first size by a few percent
 * costs 25% more, not 50%.
 */
#define STORE_FILL_NUM 9	/* grow past 9/10 full */
#define STORE_FILL_DEN 10
#define STORE_SIZE_NUM 7	/* sized for 87.5% (7/8) */
#define STORE_SIZE_DEN 8
#define STORE_GROW_DEN 4	/* grows by 1/4 */
#define STORE_MIN 1024

struct conn_store {
	struct conn_rec *r;
	size_t cap, count;
	int (*expendable)(const struct conn_rec *r, void *arg);
	void *expendable_arg;
};

static void remove_at(struct conn_store *s, size_t i);

/*
 * Removes every record expendable() picks, in one pass (the sweep's walk);
 * returns how many went.
 */
static size_t drop_expendable(struct conn_store *s)
{
	size_t start = 0, i, seen, gone = 0;

	while (s->r[start].key)
		start++;
	i = start;
	for (seen = 0; seen < s->cap; ) {
		struct conn_rec *r = &s->r[i];

		if (r->key && s->expendable(r, s->expendable_arg)) {
			remove_at(s, i);
			gone++;
			continue;
		}
		seen++;
		if (++i == s->cap)
			i = 0;
	}
	return gone;
}

uint64_t conn_key(const struct ct_entry *e)
{
	const struct ct_tuple *t = &e->orig;
	uint64_t w[6], k;

	memcpy(w, t->src.b, 16);
	memcpy(w + 2, t->dst.b, 16);
	w[4] = (uint64_t)t->sport << 48 | (uint64_t)t->dport << 32 |
	       (uint64_t)e->zone << 16 | (uint64_t)e->proto << 8 | e->family;
	w[5] = e->flags & CT_F_ID ? (uint64_t)e->id << 1 | 1 : 0;
	k = hash_words(w, 6);
	return k ? k : 1;
}

static size_t home(const struct conn_store *s, uint64_t key)
{
	return (size_t)(((key >> 32) * (uint64_t)s->cap) >> 32);
}

/* How far slot i is from r's home, going forwards. */
static size_t dist(const struct conn_store *s, size_t i, uint64_t key)
{
	size_t h = home(s, key);

	return i >= h ? i - h : i + s->cap - h;
}

static size_t size_for(size_t n)
{
	size_t cap = n / STORE_SIZE_NUM * STORE_SIZE_DEN +
		     (n % STORE_SIZE_NUM * STORE_SIZE_DEN + STORE_SIZE_NUM - 1) / STORE_SIZE_NUM + 1;

	return cap < STORE_MIN ? STORE_MIN : cap;
}

struct conn_store *conn_store_new(size_t expect)
{
	struct conn_store *s = xcalloc(1, sizeof *s);

	s->cap = size_for(expect);
	if (s->cap > UINT32_MAX)
		s->cap = UINT32_MAX;
	s->r = huge_alloc(s->cap * sizeof *s->r);
	return s;
}

void conn_store_free(struct conn_store *s)
{
	if (!s)
		return;
	huge_free(s->r, s->cap * sizeof *s->r);
	free(s);
}

/*
 * The slot of key, or where it belongs: the first free slot or the first
 * record whose home is after key's (its run is in home order).
 */
static size_t slot_for(const struct conn_store *s, uint64_t key)
{
	size_t i = home(s, key);

	for (size_t d = 0;; d++) {
		uint64_t k = s->r[i].key;

		if (!k || k == key || dist(s, i, k) < d)
			return i;
		if (++i == s->cap)
			i = 0;
	}
}

/*
 * Puts a record for key at slot i (from slot_for()), moving the records
 * from i to the next free slot one slot on; the store has a free slot.
 */
static struct conn_rec *insert_at(struct conn_store *s, size_t i, uint64_t key)
{
	size_t j = i;

	while (s->r[j].key)
		if (++j == s->cap)
			j = 0;
	while (j != i) {
		size_t p = j ? j - 1 : s->cap - 1;

		s->r[j] = s->r[p];
		j = p;
	}
	memset(&s->r[i], 0, sizeof s->r[i]);
	s->r[i].key = key;
	s->count++;
	return &s->r[i];
}

/*
 * Growing reinserts every record into a new array a quarter bigger, in
 * the old array's order: home order, so the new array fills from its
 * start too.  The old array's pages are given back behind the reading
 * (in RELEASE_STEP pieces), so the two arrays' resident sum stays near the
 * new one's size (at 1M connections: 57 MB instead of 103).
 */
#define RELEASE_STEP ((size_t)2 << 20)

static void grow(struct conn_store *s)
{
	struct conn_rec *old = s->r;
	size_t oldcap = s->cap, start = 0, bytes = oldcap * sizeof *old, rel;

	s->cap = oldcap + oldcap / STORE_GROW_DEN;
	if (s->cap > UINT32_MAX)
		s->cap = UINT32_MAX;
	s->r = huge_alloc(s->cap * sizeof *s->r);
	s->count = 0;
	/*
	 * From just after a free slot, the records come in home order: each
	 * lands at the end of its run, nothing moves.
	 */
	while (old[start].key)
		start++;
	/* The piece holding records before start is read last: kept to the end. */
	rel = (start * sizeof *old + RELEASE_STEP - 1) & ~(RELEASE_STEP - 1);
	for (size_t n = 0, i = start; n < oldcap; n++, i = i + 1 == oldcap ? 0 : i + 1) {
		if (old[i].key)
			*insert_at(s, slot_for(s, old[i].key), old[i].key) = old[i];
		/*
		 * Only arrays of their own pages (huge_alloc() maps 2 MiB and
		 * more, aligned), and only whole pieces read already.
		 */
		if (bytes >= RELEASE_STEP && i >= start) {
			size_t to = (i + 1) * sizeof *old & ~(RELEASE_STEP - 1);

			if (to > rel) {
				(void)madvise((uint8_t *)old + rel, to - rel, MADV_DONTNEED);
				rel = to;
			}
		}
	}
	huge_free(old, bytes);
}

struct conn_rec *conn_store_get(struct conn_store *s, uint64_t key, int *added)
{
	size_t i = slot_for(s, key);

	*added = 0;
	if (s->r[i].key == key)
		return &s->r[i];
	if ((s->count + 1) * STORE_FILL_DEN > s->cap * STORE_FILL_NUM) {
		/*
		 * Full: records kept only in case (store.h) go first; grow
		 * unless that left the room it is sized for.
		 */
		if (!s->expendable || !drop_expendable(s) ||
		    (s->count + 1) * STORE_SIZE_DEN > s->cap * STORE_SIZE_NUM)
			grow(s);
		i = slot_for(s, key);
	}
	*added = 1;
	return insert_at(s, i, key);
}

void conn_store_expendable(struct conn_store *s,
			   int (*expendable)(const struct conn_rec *r, void *arg), void *arg)
{
	s->expendable = expendable;
	s->expendable_arg = arg;
}

void conn_store_prefetch(const struct conn_store *s, uint64_t key)
{
	__builtin_prefetch(&s->r[home(s, key)]);
}

const struct conn_rec *conn_store_find(const struct conn_store *s, uint64_t key)
{
	size_t i = slot_for(s, key);

	return s->r[i].key == key ? &s->r[i] : NULL;
}

struct conn_rec *conn_store_lookup(struct conn_store *s, uint64_t key)
{
	size_t i = slot_for(s, key);

	return s->r[i].key == key ? &s->r[i] : NULL;
}

/*
 * Empties slot i: the records after it in its run, those not at home, move
 * one slot back (the run stays in home order).
 */
static void remove_at(struct conn_store *s, size_t i)
{
	for (;;) {
		size_t j = i + 1 == s->cap ? 0 : i + 1;

		if (!s->r[j].key || dist(s, j, s->r[j].key) == 0)
			break;
		s->r[i] = s->r[j];
		i = j;
	}
	s->r[i].key = 0;
	s->count--;
}

void conn_store_sweep(struct conn_store *s, const uint32_t *remap,
		      int (*gone)(struct conn_rec *r, void *arg), void *arg)
{
	size_t start = 0, i, seen;

	/*
	 * Start just after a free slot: records only ever move backwards
	 * within a run, so every record is visited exactly once.
	 */
	while (s->r[start].key)
		start++;
	i = start;
	for (seen = 0; seen < s->cap; ) {
		struct conn_rec *r = &s->r[i];

		if (r->key && !(r->flow[0] & CONN_SEEN) && (!gone || gone(r, arg))) {
			remove_at(s, i);
			/* Slot i may now hold a record not visited yet. */
			continue;
		}
		if (r->key) {
			uint32_t state = r->flow[0] & ~(CONN_FLOW_MASK | CONN_SEEN);

			r->flow[0] &= CONN_FLOW_MASK;
			/* A record in limbo keeps a time in flow[1], no flows. */
			if (remap && (state & CONN_LIMBO) != CONN_LIMBO) {
				if (r->flow[0] != CONN_FLOW_NONE)
					r->flow[0] = remap[r->flow[0]];
				if (r->flow[1] != CONN_FLOW_NONE)
					r->flow[1] = remap[r->flow[1]];
			}
			r->flow[0] |= state;
		}
		seen++;
		if (++i == s->cap)
			i = 0;
	}
}

struct probe_stats conn_store_probe_stats(const struct conn_store *s)
{
	struct probe_stats ps = { 0, 0, 0 };

	for (size_t i = 0; i < s->cap; i++) {
		if (!s->r[i].key)
			continue;
		probe_stats_add(&ps, dist(s, i, s->r[i].key) + 1);
	}
	return ps;
}

size_t conn_store_count(const struct conn_store *s)
{
	return s->count;
}

size_t conn_store_bytes(const struct conn_store *s)
{
	return s->cap * sizeof *s->r;
}
