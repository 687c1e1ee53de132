/*
 * tui_header.c - the monitor's first lines (host, source, time, period,
 * status, filters: segments that drop by priority as the width shrinks)
 * and its bottom line (key hints, a note, or the prompt being edited).
 */
#include "tui_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "tui_health.h"
#include "util.h"

#define BUSY_SHOWN	1.0	/* s; a snapshot running this long shows "collecting" */
#define PROMPT_MIN_ROOM	2	/* cells a long label leaves for the text and cursor */

static const char *const prompt_labels[] = {
	[PROMPT_NONE] = "", [PROMPT_APORT] = "active ports: ",
	[PROMPT_PPORT] = "passive ports: ", [PROMPT_HOST] = "host: ",
	[PROMPT_OWNER] = "owner: ", [PROMPT_TIME] = "go to: ",
};

static void seg_draw(const struct tui *t, const struct segs *ss, int line, int y)
{
	int x = 0;

	for (int i = 0; i < ss->n; i++) {
		const struct seg *s = &ss->s[i];

		if (!s->shown || (line >= 0 && s->line != line))
			continue;
		x = cell_put(y, x, COLS - x, s->text, cell_attr(t, (enum role)s->role)) +
		    LAYOUT_SEG_GAP;
	}
}

static void cost_text(char *buf, size_t len, double s)
{
	if (s < 1)
		snprintf(buf, len, "%.0fms", s * 1000);
	else
		snprintf(buf, len, "%.1fs", s);
}

/* What tui_health.c makes the table's segments of. */
static void health_of(const struct mon_frame *f, struct health_in *h)
{
	h->entries = f->sysctl.count;
	h->max = f->sysctl.max;
	h->ct = &f->ct;
	h->rate = &f->ct_rate;
}

static void head_frame(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;
	struct health_in h;
	char when[16];
	struct tm tm;

	if (!f)
		return;
	localtime_r(&f->when.tv_sec, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	layout_seg_add(ss, 0, 1, R_PLAIN, "%s", when);
	health_of(f, &h);
	health_entries_segs(ss, &h, R_PLAIN, R_WARN);
}

/* "CPU budget 10%" (the --max-cpu share), or without the share when not known. */
static void budget_text(const struct tui *t, char *buf, size_t len)
{
	if (t->c->max_cpu > 0)
		snprintf(buf, len, "CPU budget %g%%", t->c->max_cpu * 100);
	else
		snprintf(buf, len, "CPU budget");
}

/*
 * The period asked, then what happened: a dump on time (the real interval
 * and its cost), a dump the CPU budget held back (the real interval and
 * why, kept longest), or an update from events alone between such dumps.
 */
static void head_period(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;
	char asked[32], real[32], cost[32], budget[32], cpu[32];

	cell_period_text(asked, sizeof asked, t->feed.period(t->feed.arg));
	layout_seg_add(ss, 0, 1, R_PLAIN, "every %s", asked);
	if (!f)
		return;
	budget_text(t, budget, sizeof budget);
	if (f->events && !f->dumped) {
		cost_text(real, sizeof real, f->next_dump > 0 ? f->next_dump : 0);
		layout_seg_add(ss, 0, 1, R_PLAIN, "events only: next dump in %s", real);
		layout_seg_brief(ss, "events only");
		layout_seg_add(ss, 0, 4, R_PLAIN, "(%s)", budget);
		return;
	}
	cost_text(cost, sizeof cost, f->cost);
	if (f->budget_held && f->interval > 0) {
		layout_seg_add(ss, 0, 1, R_PLAIN, "real %.2fs: %s", f->interval, budget);
		if (f->dump_cpu > 0) {
			cost_text(cpu, sizeof cpu, f->dump_cpu);
			layout_seg_add(ss, 0, 4, R_PLAIN, "(took %s, CPU %s)", cost, cpu);
		} else {
			layout_seg_add(ss, 0, 4, R_PLAIN, "(took %s)", cost);
		}
	} else if (f->interval > 0) {
		snprintf(real, sizeof real, "%.2fs", f->interval);
		layout_seg_add(ss, 0, 4, R_PLAIN, "(real %s, took %s)", real, cost);
	} else {
		layout_seg_add(ss, 0, 4, R_PLAIN, "(took %s)", cost);
	}
}

static void head_status(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;
	double since;

	if (t->feed.busy(t->feed.arg, &since) && mono_now() - since > BUSY_SHOWN)
		layout_seg_add(ss, 1, 1, R_FLAG, "collecting %.0fs", mono_now() - since);
	if (f && f->sysctl.acct == 0) {
		layout_seg_add(ss, 1, 1, R_WARN,
			       "counters off: sysctl -w net.netfilter.nf_conntrack_acct=1");
		layout_seg_brief(ss, "counters off: nf_conntrack_acct=0");
	} else if (f && f->sysctl.acct < 0 && f->stats.counters == 0 && f->nflows > 0) {
		layout_seg_add(ss, 1, 1, R_WARN, "no counters in input");
	}
	if (f && f->events_lost)
		layout_seg_add(ss, 1, 1, R_WARN, "events lost %llu",
			       (unsigned long long)f->events_lost);
	/* Subscribed, but the kernel sends no events in this namespace. */
	if (f && f->events && f->live && f->sysctl.events == 0) {
		layout_seg_add(ss, 1, 1, R_WARN,
			       "events off: sysctl -w net.netfilter.nf_conntrack_events=1");
		layout_seg_brief(ss, "events off: nf_conntrack_events=0");
	}
	layout_seg_add(ss, 1, 3, R_PLAIN, "%s", t->totals ? "totals" : "rates");
	if (f && ct_source_skipped(&f->input))
		layout_seg_add(ss, 1, 4, R_PLAIN, "%llu lines skipped",
			       (unsigned long long)ct_source_skipped(&f->input));
	if (f && f->input.bad_msgs)
		layout_seg_add(ss, 1, 4, R_PLAIN, "%llu bad messages",
			       (unsigned long long)f->input.bad_msgs);
}

static void head_filters(const struct tui *t, struct segs *ss)
{
	char txt[SEG_TEXT_MAX] = "", part[160], esc[160];
	size_t used = 0;

	if (!port_filter_empty(&t->aport)) {
		port_filter_str(&t->aport, part, sizeof part);
		used += (size_t)snprintf(txt + used, sizeof txt - used, "aport=%s ", part);
	}
	if (used < sizeof txt && !port_filter_empty(&t->pport)) {
		port_filter_str(&t->pport, part, sizeof part);
		used += (size_t)snprintf(txt + used, sizeof txt - used, "pport=%s ", part);
	}
	if (used < sizeof txt && t->host.kind != HOST_FILTER_NONE) {
		fmt_escape(t->host.text, esc, sizeof esc);
		used += (size_t)snprintf(txt + used, sizeof txt - used, "host=%s ", esc);
	}
	if (used < sizeof txt && t->owner.set) {
		fmt_escape(t->owner.text, esc, sizeof esc);
		used += (size_t)snprintf(txt + used, sizeof txt - used, "owner=%s%s%s ",
					 t->owner.kind >= 0 ? owner_kind_name(t->owner.kind) : "",
					 t->owner.kind >= 0 ? ":" : "", esc);
	}
	if (used == 0)
		return;
	if (used >= sizeof txt)
		used = sizeof txt - 1;
	txt[used - 1] = '\0';
	layout_seg_add(ss, 1, 2, R_PLAIN, "%s", txt);
}

/*
 * What the screen cannot show, and why: connections that begin and end
 * between two dumps reach us only as events; ages need timestamps.
 */
static void head_missing(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;

	if (!f)
		return;
	if (tui_listing(t) && f->live && f->sysctl.timestamp == 0) {
		layout_seg_add(ss, 1, 2, R_PLAIN,
			       "ages off: sysctl -w net.netfilter.nf_conntrack_timestamp=1");
		layout_seg_brief(ss, "ages off: nf_conntrack_timestamp=0");
	}
	/* A general caveat: it gives way to news about this input (lines skipped). */
	if (!f->events) {
		layout_seg_add(ss, 1, 4, R_PLAIN,
			       "no events: short connections between snapshots not counted");
		layout_seg_brief(ss, "no events: short connections not counted");
	}
	if (t->c->owners_off) {
		layout_seg_add(ss, 1, 4, R_PLAIN,
			       "owners off (not root): containers' flows count as forwarded");
		layout_seg_brief(ss, "owners off (not root)");
	}
	/* -P as a user: other users' processes are a uid only. */
	if (t->c->processes && f->procs_partial) {
		layout_seg_add(ss, 1, 3, R_WARN,
			       "processes partial: other users' need root (CAP_SYS_PTRACE)");
		layout_seg_brief(ss, "processes partial (not root)");
	}
}

void header_draw(const struct tui *t)
{
	struct segs ss = { .n = 0 };
	char esc[256];

	if (t->paused)
		layout_seg_add(&ss, 1, 0, R_FLAG, "PAUSED");
	if (t->err)
		layout_seg_add(&ss, 1, 0, R_WARN, "snapshot failed: %s", strerror(t->err));
	fmt_escape(t->c->hostname ? t->c->hostname : "localhost", esc, sizeof esc);
	layout_seg_add(&ss, 0, 3, R_HOST, "%s", esc);
	fmt_escape(t->c->source ? t->c->source : "", esc, sizeof esc);
	layout_seg_add(&ss, 0, 5, R_PLAIN, "%s", esc);
	if (t->rp)
		replay_header(t, &ss);
	else if (t->c->rec)
		record_header(t, &ss);
	head_frame(t, &ss);
	head_period(t, &ss);
	head_status(t, &ss);
	head_filters(t, &ss);
	head_missing(t, &ss);
	if (t->f) {
		struct health_in h;

		health_of(t->f, &h);
		health_rate_segs(&ss, &h, R_PLAIN, R_WARN);
	}
	if (t->head_lines == 2) {
		layout_seg_fit(&ss, 0, COLS);
		layout_seg_fit(&ss, 1, COLS);
		seg_draw(t, &ss, 0, 0);
		seg_draw(t, &ss, 1, 1);
	} else {
		layout_seg_fit(&ss, -1, COLS);
		seg_draw(t, &ss, -1, 0);
	}
}

static void draw_hints(const struct tui *t, int y)
{
	static const char *const main_hints[][2] = {
		{ "q", "quit" }, { "?", "help" }, { "Tab", "pane" }, { "s", "sort" },
		{ "a/p", "ports" }, { "/", "host" }, { "t", "totals" }, { "space", "pause" },
	};
	static const char *const detail_hints[][2] = {
		{ "Esc", "back" }, { "Up/Down", "scroll" }, { "space", "pause" },
		{ "q", "quit" }, { "?", "help" },
	};
	const char *const (*h)[2] = t->mode == MODE_DETAIL ? detail_hints : main_hints;
	size_t n = t->mode == MODE_DETAIL ? ARRAY_LEN(detail_hints) : ARRAY_LEN(main_hints);
	int x = 0;

	for (size_t i = 0; i < n && x < COLS; i++) {
		x = cell_put(y, x, COLS - x, h[i][0], cell_attr(t, R_KEY));
		x = cell_put(y, x + 1, COLS - x - 1, h[i][1], A_NORMAL) + 2;
	}
}

static void draw_prompt(const struct tui *t)
{
	const struct lineedit *e = &t->ed;
	const char *label = prompt_labels[t->prompt];
	int y = LINES - 1, lx = (int)strlen(label), room, start = 0;
	char under[2] = { e->pos < e->len ? e->buf[e->pos] : ' ', '\0' };

	if (lx > COLS - PROMPT_MIN_ROOM)
		lx = COLS - PROMPT_MIN_ROOM > 0 ? COLS - PROMPT_MIN_ROOM : 0;
	room = COLS - lx - 1;
	/* Scroll the text sideways so the cursor stays on screen. */
	if ((int)e->pos > room)
		start = (int)e->pos - room;
	cell_blank_line(y, A_NORMAL);
	cell_put(y, 0, lx, label, cell_attr(t, R_KEY));
	cell_put(y, lx, room, e->buf + start, A_NORMAL);
	cell_put(y, lx + (int)e->pos - start, 1, under, A_REVERSE);
	if (t->perr[0] && y > 0) {
		cell_blank_line(y - 1, A_NORMAL);
		cell_put(y - 1, 0, COLS, t->perr, cell_attr(t, R_WARN));
	}
}

void header_draw_bottom(const struct tui *t)
{
	int y = LINES - 1;

	if (t->prompt) {
		draw_prompt(t);
		return;
	}
	if (t->confirm) {
		cell_blank_line(y, A_NORMAL);
		cell_put(y, 0, COLS, t->del_q, cell_attr(t, R_WARN));
		return;
	}
	if (t->msg[0] && mono_now() < t->msg_until) {
		cell_blank_line(y, A_NORMAL);
		cell_put(y, 0, COLS, t->msg, cell_attr(t, R_KEY));
		return;
	}
	if (t->foot_lines)
		draw_hints(t, y);
}
