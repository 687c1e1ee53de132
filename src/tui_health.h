/*
 * tui_health.h - the table's health as segments of the monitor's header
 * (tui_layout.h): entries/max with how full the table is, and the
 * kernel's drop, early_drop, insert_failed and invalid per second
 * (ct_stats.h).  Curses-free, so tests/unit/test_tui_health.c checks the
 * texts, roles and priorities without a terminal.
 */
#ifndef LSCT_TUI_HEALTH_H
#define LSCT_TUI_HEALTH_H

#include "ct_stats.h"
#include "tui_layout.h"

/* From this share of nf_conntrack_max on, the entries are a warning. */
#define HEALTH_FULL_PCT 90

/* What the segments are made of: a frame's sysctls and statistics. */
struct health_in {
	int64_t entries, max;			/* -1: unknown */
	const struct ct_stats *ct;		/* cpus 0: none (a text source) */
	const struct ct_stats_rate *rate;	/* seconds 0: none yet */
};

/*
 * Line 0, where the header had "entries N/M": that, and below
 * HEALTH_FULL_PCT the share as a segment of its own ("3% full"), the first
 * to go; from HEALTH_FULL_PCT on one segment in role warn, kept long:
 * "entries N/M (95% full)".  plain and warn are the caller's roles
 * (tui_int.h).
 */
void health_entries_segs(struct segs *ss, const struct health_in *in, int plain, int warn);
/*
 * Line 1, last: once there are rates (two reads), drop, early_drop and
 * insert_failed that are not 0 in role warn, kept long; the rest of the
 * four plain, among the first to go ("drop 0/s  early_drop 0/s
 * insert_failed 0/s  invalid 0/s" on a healthy table).  Nothing without
 * statistics.
 */
void health_rate_segs(struct segs *ss, const struct health_in *in, int plain, int warn);

#endif
