/*
 * tui_health.c - the table's health in the monitor's header: how full the
 * table is, and the kernel's drops per second.  No curses (tui_health.h).
 */
#include "tui_health.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

/* Header priorities (tui_layout.h: 0 stays longest). */
#define PRIO_ENTRIES	2	/* "entries N/M", as before there were statistics */
#define PRIO_TROUBLE	0	/* a full table, drops: the emergency, kept as long as PAUSED */
#define PRIO_CALM	5	/* the share of a calm table, zero rates: first to go */

/* The four rates of the header, with their short names for a narrow one. */
static const struct {
	enum ct_stat stat;
	const char *brief;
	int trouble;	/* not 0 is a warning (invalid packets are common on healthy hosts) */
} rates[] = {
	{ CT_STAT_DROP, "drop", 1 },
	{ CT_STAT_EARLY_DROP, "early", 1 },
	{ CT_STAT_INSERT_FAILED, "insfail", 1 },
	{ CT_STAT_INVALID, "inval", 0 },
};

void health_entries_segs(struct segs *ss, const struct health_in *in, int plain, int warn)
{
	char a[32], b[32];
	int64_t pct;

	if (in->entries < 0)
		snprintf(a, sizeof a, "-");
	else
		fmt_u64(a, sizeof a, (uint64_t)in->entries);
	if (in->max < 0)
		snprintf(b, sizeof b, "-");
	else
		fmt_u64(b, sizeof b, (uint64_t)in->max);
	if (in->entries < 0 || in->max <= 0) {
		layout_seg_add(ss, 0, PRIO_ENTRIES, plain, "entries %s/%s", a, b);
		return;
	}
	/* Rounded down: 89.9% is not yet 90%. */
	pct = in->entries <= INT64_MAX / 100 ? in->entries * 100 / in->max :
	      in->entries / in->max * 100;
	if (pct >= HEALTH_FULL_PCT) {
		char brief[SEG_BRIEF_MAX];

		layout_seg_add(ss, 0, PRIO_TROUBLE, warn, "entries %s/%s (%lld%% full)", a, b,
			       (long long)pct);
		snprintf(brief, sizeof brief, "table %lld%% full", (long long)pct);
		layout_seg_brief(ss, brief);
		return;
	}
	layout_seg_add(ss, 0, PRIO_ENTRIES, plain, "entries %s/%s", a, b);
	layout_seg_add(ss, 0, PRIO_CALM, plain, "%lld%% full", (long long)pct);
}

/* Appends "name V/s" to buf (at *off) with gap before it unless first. */
static void rate_put(char *buf, size_t len, size_t *off, const char *gap, const char *name,
		     double v)
{
	char num[16];

	if (*off >= len)
		return;
	fmt_human(num, sizeof num, v);
	*off += (size_t)snprintf(buf + *off, len - *off, "%s%s %s/s", *off ? gap : "", name, num);
}

void health_rate_segs(struct segs *ss, const struct health_in *in, int plain, int warn)
{
	char hot[SEG_TEXT_MAX], hot_b[SEG_BRIEF_MAX], calm[SEG_TEXT_MAX], calm_b[SEG_BRIEF_MAX];
	size_t nh = 0, nhb = 0, nc = 0, ncb = 0;
	const struct ct_stats_rate *r = in->rate;

	if (!in->ct || !in->ct->cpus || !r || !(r->seconds > 0))
		return;
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		enum ct_stat s = rates[i].stat;

		if (!(r->have & (1u << s)))
			continue;
		if (rates[i].trouble && r->v[s] > 0) {
			rate_put(hot, sizeof hot, &nh, "  ", ct_stat_name(s), r->v[s]);
			rate_put(hot_b, sizeof hot_b, &nhb, " ", rates[i].brief, r->v[s]);
		} else {
			rate_put(calm, sizeof calm, &nc, "  ", ct_stat_name(s), r->v[s]);
			/* Narrow, a calm rate is worth its room only when it is not 0. */
			if (r->v[s] > 0)
				rate_put(calm_b, sizeof calm_b, &ncb, " ", rates[i].brief, r->v[s]);
		}
	}
	if (nh) {
		layout_seg_add(ss, 1, PRIO_TROUBLE, warn, "%s", hot);
		layout_seg_brief(ss, hot_b);
	}
	if (nc) {
		layout_seg_add(ss, 1, PRIO_CALM, plain, "%s", calm);
		if (ncb)
			layout_seg_brief(ss, calm_b);
		else if (!nh)
			layout_seg_brief(ss, "no drops");
	}
}
