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

struct ring {
	struct flow_key key;
	uint32_t next;		/* chain: index + 1 of the next ring, 0 ends it */
	uint32_t tick;		/* the feed that wrote the newest sample */
	uint16_t in[TREND_N], out[TREND_N];	/* bytes/s, slot tick % TREND_N */
};

struct trend {
	struct ring *r;
	size_t n, cap;
	uint32_t *bucket;	/* index + 1 of a chain's first ring, 0 empty */
	size_t nbuckets;	/* a power of two, >= cap */
	uint32_t tick;		/* feeds so far */
};

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

static void rebucket(struct trend *h, size_t nbuckets)
{
	free(h->bucket);
	h->nbuckets = nbuckets;
	h->bucket = xcalloc(nbuckets, sizeof *h->bucket);
	for (size_t i = 0; i < h->n; i++) {
		size_t b = (size_t)key_hash(&h->r[i].key) & (nbuckets - 1);

		h->r[i].next = h->bucket[b];
		h->bucket[b] = (uint32_t)(i + 1);
	}
}

struct trend *trend_new(void)
{
	struct trend *h = xcalloc(1, sizeof *h);

	h->cap = TREND_INIT_CAP;
	h->r = xcalloc(h->cap, sizeof *h->r);
	rebucket(h, h->cap);
	return h;
}

void trend_free(struct trend *h)
{
	if (!h)
		return;
	free(h->r);
	free(h->bucket);
	free(h);
}

void trend_clear(struct trend *h)
{
	h->n = 0;
	h->tick = 0;
	memset(h->bucket, 0, h->nbuckets * sizeof *h->bucket);
}

static struct ring *find(const struct trend *h, const struct flow_key *k, size_t b)
{
	for (uint32_t i = h->bucket[b]; i; i = h->r[i - 1].next)
		if (flow_key_equal(&h->r[i - 1].key, k))
			return &h->r[i - 1];
	return NULL;
}

/* A new ring for k (all zeros), or NULL at TREND_MAX_FLOWS. */
static struct ring *add(struct trend *h, const struct flow_key *k, size_t *b)
{
	struct ring *r;

	if (h->n >= TREND_MAX_FLOWS)
		return NULL;
	if (h->n == h->cap) {
		h->cap *= 2;
		h->r = xrealloc(h->r, h->cap * sizeof *h->r);
		rebucket(h, h->cap);
		*b = (size_t)key_hash(k) & (h->nbuckets - 1);
	}
	r = &h->r[h->n++];
	memset(r, 0, sizeof *r);
	r->key = *k;
	r->next = h->bucket[*b];
	h->bucket[*b] = (uint32_t)h->n;
	return r;
}

/* Drops the rings idle for TREND_N feeds, packs the rest, shrinks when mostly empty. */
static void sweep(struct trend *h)
{
	size_t keep = 0, nb = h->nbuckets;

	for (size_t i = 0; i < h->n; i++)
		if (h->tick - h->r[i].tick < TREND_N)
			h->r[keep++] = h->r[i];
	h->n = keep;
	while (h->cap > TREND_INIT_CAP && h->n < h->cap / 4) {
		h->cap /= 2;
		nb = h->cap;
	}
	h->r = xrealloc(h->r, h->cap * sizeof *h->r);
	rebucket(h, nb);
}

void trend_feed(struct trend *h, const struct flow *flows, size_t n, double interval)
{
	uint32_t t;

	if (!(interval > 0))
		return;
	t = ++h->tick;
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = &flows[i];
		size_t b;
		struct ring *r;

		if (!f->d.in_bytes && !f->d.out_bytes)
			continue;
		b = (size_t)key_hash(&f->key) & (h->nbuckets - 1);
		r = find(h, &f->key, b);
		if (!r) {
			r = add(h, &f->key, &b);
			if (!r)
				continue;
		} else {
			/* The intervals since its last traffic were idle. */
			for (uint32_t s = r->tick + 1; s < t && t - s < TREND_N; s++)
				r->in[s % TREND_N] = r->out[s % TREND_N] = 0;
		}
		r->in[t % TREND_N] = sample_enc((double)f->d.in_bytes / interval);
		r->out[t % TREND_N] = sample_enc((double)f->d.out_bytes / interval);
		r->tick = t;
	}
	if (t % TREND_N == 0)
		sweep(h);
}

int trend_get(const struct trend *h, const struct flow_key *k, double in[TREND_N],
	      double out[TREND_N])
{
	const struct ring *r;
	uint32_t t = h->tick;

	for (size_t i = 0; i < TREND_N; i++)
		in[i] = out[i] = 0;
	r = find(h, k, (size_t)key_hash(k) & (h->nbuckets - 1));
	if (!r || t - r->tick >= TREND_N)
		return 0;
	/* Slot i is the feed t - (TREND_N - 1) + i; those after r->tick were idle. */
	for (uint32_t i = 0; i < TREND_N; i++) {
		uint32_t s;

		if (t + i < TREND_N)	/* before the first feed */
			continue;
		s = t + i - (TREND_N - 1);
		if (s > r->tick)
			continue;
		in[i] = sample_dec(r->in[s % TREND_N]);
		out[i] = sample_dec(r->out[s % TREND_N]);
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
	return sizeof *h + h->cap * sizeof *h->r + h->nbuckets * sizeof *h->bucket;
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
