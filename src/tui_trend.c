/*
 * tui_trend.c - the history of each flow's byte rates for the screen: a
 * hash from flow key to a ring of TREND_N samples, and the sparkline and
 * graph texts drawn from rings.  No curses.
 *
 * Rings live in one array (100 bytes each), chained from buckets by index;
 * a sweep every TREND_N feeds drops the rings with nothing left to show,
 * packs the array and rebuilds the buckets.  A sample is a rate in bytes/s
 * kept as the top half of a float (8 significant bits: within 0.4 %, far
 * finer than a block character or a graph row shows).
 */
#include "tui_trend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define TREND_INIT_CAP	256
#define BLOCK_LEVELS	8	/* U+2581..U+2588 */
#define ASCII_LEVELS	7	/* TREND_ASCII_RAMP after its blank */
#define FOLLOW_AHEAD	4	/* rings skipped to stay in step with the frame */

/* What a ring is looked up and followed by: kept apart from its samples. */
struct head {
	struct flow_key key;
	uint32_t next;		/* chain: index + 1 of the next ring, 0 ends it */
	uint32_t tick;		/* the feed that wrote the newest sample */
	uint32_t hash;		/* key_hash()'s low half: a sweep does not hash again */
};

struct samples {
	uint16_t in[TREND_N], out[TREND_N];	/* bytes/s, slot tick % TREND_N */
};

struct trend {
	struct head *hd;	/* ring i is hd[i] and sm[i] */
	struct samples *sm;
	size_t n, cap;
	uint32_t *bucket;	/* index + 1 of a chain's first ring, 0 empty */
	size_t nbuckets;	/* a power of two, >= cap */
	uint32_t tick;		/* feeds so far */
};

#define NONE	((size_t)-1)

static uint16_t sample_enc(double v)
{
	float f = (float)v;
	uint32_t u;

	if (!(v > 0))
		return 0;
	memcpy(&u, &f, sizeof u);
	/* Round to nearest even; an overflow to infinity needs 3e38 bytes/s. */
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

static double sample_dec(uint16_t s)
{
	uint32_t u = (uint32_t)s << 16;
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

static uint64_t key_hash(const struct flow_key *k)
{
	uint64_t w[3];

	memcpy(w, k->peer.b, 16);
	w[2] = ((uint64_t)k->port << 48) | ((uint64_t)k->proto << 40) |
	       ((uint64_t)k->family << 34) | ((uint64_t)(k->dir & 3) << 32) | k->owner;
	return hash_words(w, 3);
}

static int key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return a->port == b->port && a->dir == b->dir && a->proto == b->proto &&
	       a->family == b->family && a->owner == b->owner &&
	       memcmp(a->peer.b, b->peer.b, sizeof a->peer.b) == 0;
}

/* nbuckets <= 2^32: the stored half of the hash is enough to place a ring. */
static void rebucket(struct trend *h, size_t nbuckets)
{
	free(h->bucket);
	h->nbuckets = nbuckets;
	h->bucket = xcalloc(nbuckets, sizeof *h->bucket);
	for (size_t i = 0; i < h->n; i++) {
		size_t b = h->hd[i].hash & (nbuckets - 1);

		h->hd[i].next = h->bucket[b];
		h->bucket[b] = (uint32_t)(i + 1);
	}
}

static void resize(struct trend *h, size_t cap)
{
	h->cap = cap;
	h->hd = xrealloc(h->hd, cap * sizeof *h->hd);
	h->sm = xrealloc(h->sm, cap * sizeof *h->sm);
}

struct trend *trend_new(void)
{
	struct trend *h = xcalloc(1, sizeof *h);

	resize(h, TREND_INIT_CAP);
	rebucket(h, h->cap);
	return h;
}

void trend_free(struct trend *h)
{
	if (!h)
		return;
	free(h->hd);
	free(h->sm);
	free(h->bucket);
	free(h);
}

void trend_clear(struct trend *h)
{
	h->n = 0;
	h->tick = 0;
	memset(h->bucket, 0, h->nbuckets * sizeof *h->bucket);
}

static size_t find(const struct trend *h, const struct flow_key *k, size_t b)
{
	for (uint32_t i = h->bucket[b]; i; i = h->hd[i - 1].next)
		if (key_eq(&h->hd[i - 1].key, k))
			return i - 1;
	return NONE;
}

/* A new ring for k, whose hash is hash (all zeros), or NONE at TREND_MAX_FLOWS. */
static size_t add(struct trend *h, const struct flow_key *k, uint64_t hash)
{
	size_t i, b;

	if (h->n >= TREND_MAX_FLOWS)
		return NONE;
	if (h->n == h->cap) {
		resize(h, h->cap * 2);
		rebucket(h, h->cap);
	}
	b = (size_t)hash & (h->nbuckets - 1);
	i = h->n++;
	memset(&h->sm[i], 0, sizeof h->sm[i]);
	h->hd[i].key = *k;
	h->hd[i].tick = 0;
	h->hd[i].hash = (uint32_t)hash;
	h->hd[i].next = h->bucket[b];
	h->bucket[b] = (uint32_t)h->n;
	return i;
}

/*
 * Drops the rings idle for TREND_N feeds and packs the rest in the
 * frame's order: first those of order[0..norder-1] (ring indexes as the
 * frame's flows found them), then the others in the order they were;
 * shrinks the arrays when mostly empty.
 */
static void sweep(struct trend *h, const uint32_t *order, size_t norder)
{
	uint8_t *taken;
	struct head *nh;
	struct samples *ns;
	size_t keep = 0, sorted = 1;

	for (size_t i = 1; i < norder && sorted; i++)
		sorted = order[i] > order[i - 1];
	if (sorted) {	/* in step with the frame already: pack in place */
		for (size_t j = 0; j < h->n; j++)
			if (h->tick - h->hd[j].tick < TREND_N) {
				h->hd[keep] = h->hd[j];
				h->sm[keep++] = h->sm[j];
			}
		h->n = keep;
		goto shrink;
	}
	taken = xcalloc(h->n ? h->n : 1, 1);
	nh = xmalloc(h->cap * sizeof *nh);
	ns = xmalloc(h->cap * sizeof *ns);

	/* The frame's rings in its order, then the rest in theirs. */
	for (size_t i = 0; i < norder + h->n; i++) {
		size_t j = i < norder ? order[i] : i - norder;

		if (!taken[j] && h->tick - h->hd[j].tick < TREND_N) {
			nh[keep] = h->hd[j];
			ns[keep++] = h->sm[j];
		}
		taken[j] = 1;
	}
	free(taken);
	free(h->hd);
	free(h->sm);
	h->hd = nh;
	h->sm = ns;
	h->n = keep;
shrink:
	if (h->cap > TREND_INIT_CAP && h->n < h->cap / 4) {
		size_t cap = h->cap;

		while (cap > TREND_INIT_CAP && h->n < cap / 4)
			cap /= 2;
		resize(h, cap);
	}
	rebucket(h, h->cap);
}

/*
 * The ring of k, looked for first at the cursor *c and a few after it (the
 * rings are mostly in the frames' order: the flow table keeps its order,
 * and new flows and new rings both go at the end), which then moves past
 * it.  NONE if not there.
 */
static size_t follow(const struct trend *h, const struct flow_key *k, size_t *c)
{
	for (size_t j = *c; j < h->n && j < *c + FOLLOW_AHEAD; j++)
		if (key_eq(&h->hd[j].key, k)) {
			*c = j + 1;
			return j;
		}
	return NONE;
}

/* A sample for feed t into ring i, zeros for the feeds since its last. */
static void put(struct trend *h, size_t i, uint32_t t, uint16_t in, uint16_t out)
{
	struct samples *sm = &h->sm[i];

	for (uint32_t s = h->hd[i].tick + 1; s < t && t - s < TREND_N; s++)
		sm->in[s % TREND_N] = sm->out[s % TREND_N] = 0;
	sm->in[t % TREND_N] = in;
	sm->out[t % TREND_N] = out;
	h->hd[i].tick = t;
}

/*
 * Each flow's ring is found by following the frame's order (follow()),
 * which costs a comparison or two; by hash only when out of step.  Every
 * TREND_N feeds, the sweep puts the rings back in the frame's order: then
 * every flow's ring is looked for, with traffic or not.
 */
void trend_feed(struct trend *h, const struct flow *flows, size_t n, double interval)
{
	size_t cur = 0, norder = 0;
	uint32_t *order = NULL;
	uint32_t t;

	if (!(interval > 0))
		return;
	t = ++h->tick;
	if (t % TREND_N == 0)
		order = xcalloc(n ? n : 1, sizeof *order);
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = &flows[i];
		int moved = f->d.in_bytes || f->d.out_bytes;
		uint64_t hash = 0;
		size_t r;

		/* Rings written already (found by hash) are not looked at again. */
		while (cur < h->n && h->hd[cur].tick == t)
			cur++;
		r = follow(h, &f->key, &cur);
		if (r == NONE && (moved || order)) {
			hash = key_hash(&f->key);
			r = find(h, &f->key, (size_t)hash & (h->nbuckets - 1));
		}
		if (moved) {
			if (r == NONE) {
				int at_end = cur == h->n;

				r = add(h, &f->key, hash);
				if (r == NONE)
					continue;
				if (at_end)
					cur = h->n;
			}
			put(h, r, t, sample_enc((double)f->d.in_bytes / interval),
			    sample_enc((double)f->d.out_bytes / interval));
		}
		if (order && r != NONE)
			order[norder++] = (uint32_t)r;
	}
	if (order) {
		sweep(h, order, norder);
		free(order);
	}
}

int trend_get(const struct trend *h, const struct flow_key *k, double in[TREND_N],
	      double out[TREND_N])
{
	uint32_t t = h->tick, last;
	size_t r;

	for (size_t i = 0; i < TREND_N; i++)
		in[i] = out[i] = 0;
	r = find(h, k, (size_t)key_hash(k) & (h->nbuckets - 1));
	if (r == NONE || t - h->hd[r].tick >= TREND_N)
		return 0;
	last = h->hd[r].tick;
	/* Slot i is the feed t - (TREND_N - 1) + i; those after the last were idle. */
	for (uint32_t i = 0; i < TREND_N; i++) {
		uint32_t s;

		if (t + i < TREND_N)	/* before the first feed */
			continue;
		s = t + i - (TREND_N - 1);
		if (s > last)
			continue;
		in[i] = sample_dec(h->sm[r].in[s % TREND_N]);
		out[i] = sample_dec(h->sm[r].out[s % TREND_N]);
	}
	return 1;
}

uint64_t trend_ticks(const struct trend *h)
{
	return h->tick;
}

size_t trend_count(const struct trend *h)
{
	return h->n;
}

size_t trend_bytes(const struct trend *h)
{
	return sizeof *h + h->cap * (sizeof *h->hd + sizeof *h->sm) +
	       h->nbuckets * sizeof *h->bucket;
}

/* ---- texts ---- */

/* U+2581 .. U+2588: E2 96 81 .. E2 96 88. */
static size_t put_block(char *p, int level)
{
	p[0] = (char)0xe2;
	p[1] = (char)0x96;
	p[2] = (char)(0x80 + level);
	return 3;
}

/* One cell at level 0 (blank) .. max_level, as text; its bytes. */
static size_t put_level(char *p, int level, int blocks)
{
	if (level <= 0) {
		*p = ' ';
		return 1;
	}
	if (blocks)
		return put_block(p, level);
	*p = TREND_ASCII_RAMP[level];
	return 1;
}

/* v on a scale of levels steps of max: at least 1 when above 0. */
static int level_of(double v, double max, int levels)
{
	double x;
	int l;

	if (!(v > 0) || !(max > 0))
		return 0;
	/* Rounded up, but a hair over a step from float noise stays on it. */
	x = v / max * levels - 1e-9;
	if (x > levels)
		return levels;
	l = (int)x;
	l += l < x;
	return l < 1 ? 1 : l > levels ? levels : l;
}

double trend_max(const double *v, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

void trend_spark(char *buf, size_t len, const double *v, size_t n, int blocks)
{
	double max = trend_max(v, n);
	int levels = blocks ? BLOCK_LEVELS : ASCII_LEVELS;
	size_t at = 0;

	if (!len)
		return;
	for (size_t i = 0; i < n; i++) {
		char cell[TREND_GLYPH_MAX];
		size_t k = put_level(cell, level_of(v[i], max, levels), blocks);

		if (at + k >= len)
			break;
		memcpy(buf + at, cell, k);
		at += k;
	}
	buf[at] = '\0';
}

void trend_graph(char *rows, size_t rowlen, int nrows, int width, const double *v, size_t n,
		 double max, int blocks)
{
	int levels = blocks ? BLOCK_LEVELS : ASCII_LEVELS;
	size_t shown = n, first;
	int cw = 1, lead;

	if (width < 1 || nrows < 1 || rowlen < (size_t)width * TREND_GLYPH_MAX + 1)
		return;
	if ((size_t)width < n)
		shown = (size_t)width;
	else if (n)
		cw = width / (int)n;
	first = n - shown;
	lead = width - cw * (int)shown;
	for (int r = 0; r < nrows; r++) {
		char *p = rows + (size_t)r * rowlen;
		/* Steps below this row's bottom: rows count from the bottom. */
		int base = (nrows - 1 - r) * levels;

		memset(p, ' ', (size_t)lead);
		p += lead;
		for (size_t i = first; i < n; i++) {
			int l = level_of(v[i], max, levels * nrows) - base;
			char cell[TREND_GLYPH_MAX];
			size_t k = put_level(cell, l > levels ? levels : l, blocks);

			for (int c = 0; c < cw; c++) {
				memcpy(p, cell, k);
				p += k;
			}
		}
		*p = '\0';
	}
}
