/*
 * tui_trend.h - the monitor's history of byte rates, private to src/tui*.c:
 * per flow, a ring of its rates in and out over the last TREND_N dump
 * intervals, and the texts drawn from it (the Trend column's sparkline, the
 * connection list's graph).  No curses, so tests/unit/test_tui_trend.c
 * tests it without a terminal.
 *
 * Contract: the screen owns one struct trend and feeds it every frame it
 * shows that is a dump with rates (trend_feed()); flows and their keys are
 * read during the call and never kept.  Only flows that moved bytes in an
 * interval are written; a ring holds zeros for the intervals between, so a
 * flow idle (or gone from the frames) for TREND_N intervals has nothing to
 * show and its ring is freed at the next sweep (every TREND_N feeds).  At
 * most TREND_MAX_FLOWS rings at once: beyond that, new flows get no
 * history until a sweep frees room.
 */
#ifndef LSCT_TUI_TREND_H
#define LSCT_TUI_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define TREND_N		16		/* intervals kept: the Trend column's width */
#define TREND_MAX_FLOWS	(1u << 19)	/* rings at most (100 bytes each) */
#define TREND_ASCII_RAMP " .:-=+*#"	/* 0, then 7 levels */
#define TREND_GLYPH_MAX	4		/* bytes of one cell's text (UTF-8 blocks: 3) */

struct trend;

struct trend *trend_new(void);
void trend_free(struct trend *h);
/* Forgets every ring (a replay seeking back, a source started again). */
void trend_clear(struct trend *h);
/*
 * One interval of interval seconds (> 0): each flow's rates are its
 * deltas (d.in_bytes, d.out_bytes) over it.
 */
void trend_feed(struct trend *h, const struct flow *flows, size_t n, double interval);
/*
 * The flow's rates in bytes/s over the last TREND_N intervals, oldest
 * first (0 for intervals without traffic or before its history).  Returns
 * 1, or 0 when it has none (every value 0).
 */
int trend_get(const struct trend *h, const struct flow_key *k, double in[TREND_N],
	      double out[TREND_N]);
/* Intervals fed since trend_new() or trend_clear(). */
uint64_t trend_ticks(const struct trend *h);
/* Rings held, and the bytes they and the index take. */
size_t trend_count(const struct trend *h);
size_t trend_bytes(const struct trend *h);

/*
 * The sparkline of v[0..n-1] (oldest first) in n cells, scaled to its own
 * maximum: a blank for 0, else one of 8 block characters (blocks, UTF-8)
 * or of the 7 non-blank steps of TREND_ASCII_RAMP.  buf holds up to
 * n * TREND_GLYPH_MAX + 1 bytes; cut (whole cells) if len is smaller.
 */
void trend_spark(char *buf, size_t len, const double *v, size_t n, int blocks);

/*
 * A bar graph of v[0..n-1] (oldest first), rows lines high and width
 * cells wide, scaled to max (the caller's, >= every value; 0: nothing is
 * drawn): each value gets width / n cells (at least 1; when width < n, the
 * newest width values), the newest at the right edge.  Row 0 is the top;
 * row r's text goes to rows[r], each of rowlen bytes (at least width *
 * TREND_GLYPH_MAX + 1).  A value above 0 shows at least its lowest step.
 */
void trend_graph(char *rows, size_t rowlen, int nrows, int width, const double *v, size_t n,
		 double max, int blocks);

/* The largest of v[0..n-1] (0 for none). */
double trend_max(const double *v, size_t n);

#endif
