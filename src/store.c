/* store.c - the per-connection counter store behind the monitor's deltas. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * Slots are addressed by multiplying the key's top half by the capacity
 * (a range reduction that needs no power-of-two size), so the array can be
 * sized close to what the table holds: memory per connection is what the
 * performance target counts.
 */
#define STORE_FILL_NUM 4	/* grow past 4/5 full */
#define STORE_FILL_DEN 5
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

static size_t size_for(size_t n)
{
	size_t cap = n / STORE_FILL_NUM * STORE_FILL_DEN + n % STORE_FILL_NUM + 1;

	/* Room for a little growth before the first rehash. */
	cap += cap / 8;
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

static struct conn_rec *slot_for(struct conn_store *s, uint64_t key)
{
	size_t i = home(s, key);

	while (s->r[i].key && s->r[i].key != key)
		if (++i == s->cap)
			i = 0;
	return &s->r[i];
}

static void grow(struct conn_store *s)
{
	struct conn_rec *old = s->r;
	size_t oldcap = s->cap;

	s->cap = oldcap + oldcap / 2;
	if (s->cap > UINT32_MAX)
		s->cap = UINT32_MAX;
	s->r = huge_alloc(s->cap * sizeof *s->r);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*slot_for(s, old[i].key) = old[i];
	huge_free(old, oldcap * sizeof *old);
}

struct conn_rec *conn_store_get(struct conn_store *s, uint64_t key, int *added)
{
	struct conn_rec *r = slot_for(s, key);

	*added = 0;
	if (r->key)
		return r;
	if ((s->count + 1) * STORE_FILL_DEN > s->cap * STORE_FILL_NUM) {
		/*
		 * Full: records kept only in case (store.h) go first; grow
		 * unless that left a tenth of the room free.
		 */
		if (!s->expendable || !drop_expendable(s) ||
		    (s->count + 1) * 10 > s->cap * 7)
			grow(s);
		r = slot_for(s, key);
	}
	memset(r, 0, sizeof *r);
	r->key = key;
	s->count++;
	*added = 1;
	return r;
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
	size_t i = home(s, key);

	while (s->r[i].key && s->r[i].key != key)
		if (++i == s->cap)
			i = 0;
	return s->r[i].key ? &s->r[i] : NULL;
}

struct conn_rec *conn_store_lookup(struct conn_store *s, uint64_t key)
{
	struct conn_rec *r = slot_for(s, key);

	return r->key ? r : NULL;
}

/* True if cyclic position h lies in (lo, hi]. */
static int between(size_t lo, size_t h, size_t hi)
{
	return lo <= hi ? lo < h && h <= hi : lo < h || h <= hi;
}

/* Empties slot i and pulls back records whose probe run crossed it. */
static void remove_at(struct conn_store *s, size_t i)
{
	size_t j = i;

	for (;;) {
		if (++j == s->cap)
			j = 0;
		if (!s->r[j].key)
			break;
		/* A record may fill the hole unless its home is after the hole. */
		if (between(i, home(s, s->r[j].key), j))
			continue;
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
		size_t h;

		if (!s->r[i].key)
			continue;
		h = home(s, s->r[i].key);
		probe_stats_add(&ps, (i >= h ? i - h : i + s->cap - h) + 1);
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
