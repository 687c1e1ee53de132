/*
 * tui_flows.c - a pane of flows: the cell texts of the column table
 * (tui_layout.c), the < > sort steps drawn from it, building a pane's rows
 * from a frame, and drawing the pane.
 */
#include "tui_int.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "util.h"

#define ROW_TEXT_MAX	(FMT_ENDPOINT_MAX + 16)	/* an endpoint, a name, "/icmpv6:255" */
#define NAME_TEXT_MAX	300

/* ---- cell texts ---- */

static void peer_text(const struct tui *t, const struct flow *f, char *buf, size_t len)
{
	char name[NAME_TEXT_MAX];
	const char *raw = NULL;

	if (t->names && t->c->resolver)
		raw = resolver_name(t->c->resolver, f->key.family, &f->key.peer);
	if (raw)
		fmt_escape(raw, name, sizeof name);
	fmt_flow_peer(f, raw ? name : NULL, buf, len);
	/* TCP is the default: every other protocol (and key) is named. */
	if (t->c->show_proto && f->key.proto != IPPROTO_TCP) {
		char pb[24];
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "/%s", fmt_flow_proto(&f->key, pb, sizeof pb));
	}
	/* A routed flow: where NAT sent it, after the server it was sent to. */
	if (f->key.dir == FLOW_ROUTED) {
		struct flow_route r;
		char nat[FMT_ENDPOINT_MAX + 80];
		size_t n = strlen(buf);

		if (t->feed.route(t->feed.arg, f->key.owner, &r) == 0) {
			fmt_route_nat(f, &r, nat, sizeof nat);
			if (nat[0])
				snprintf(buf + n, len - n, " (%s)", nat);
		}
	}
}

void flows_local_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len)
{
	struct flow_route r;
	char name[NAME_TEXT_MAX];
	const char *raw = NULL;
	int known;

	if (f->key.dir != FLOW_ROUTED) {
		fmt_flow_local(f, buf, len);
		return;
	}
	/* A routed flow's local side is its client. */
	known = t->feed.route(t->feed.arg, f->key.owner, &r) == 0;
	if (known && t->names && t->c->resolver)
		raw = resolver_name(t->c->resolver, f->key.family, &r.client);
	if (raw)
		fmt_escape(raw, name, sizeof name);
	fmt_route_client(f, known ? &r : NULL, raw ? name : NULL, buf, len);
}

void flows_arrow_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len)
{
	/* A closed flow's arrow is broken: visible without colour or dim. */
	if (f->key.dir != FLOW_PASSIVE)	/* routed: client --> server too */
		snprintf(buf, len, l->tight ? "%s" : " %s ", f->idle ? "-x>" : "-->");
	else
		snprintf(buf, len, l->tight ? "%s" : " %s ", f->idle ? "<x-" : "<--");
}

void flows_peer_cell(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len)
{
	peer_text(t, f, buf, len);
}

void flows_conns_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len)
{
	cell_count_text(buf, len, f->conns, layout_cols[COL_CONNS].width);
}

/* A counter's total (t) or its rate over the frame's interval. */
static void counter_text(const struct tui *t, uint64_t total, uint64_t delta, char *buf,
			 size_t len)
{
	if (t->totals)
		fmt_human(buf, len, (double)total);
	else if (!cell_rates_known(t->f))
		cell_dash(buf, len);
	else
		fmt_human(buf, len, (double)delta / t->f->interval);
}

void flows_in_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		   char *buf, size_t len)
{
	counter_text(t, f->c.in_bytes, f->d.in_bytes, buf, len);
}

void flows_out_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		    char *buf, size_t len)
{
	counter_text(t, f->c.out_bytes, f->d.out_bytes, buf, len);
}

void flows_inpkt_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len)
{
	counter_text(t, f->c.in_packets, f->d.in_packets, buf, len);
}

void flows_outpkt_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		       char *buf, size_t len)
{
	counter_text(t, f->c.out_packets, f->d.out_packets, buf, len);
}

/* Per interval even with totals: a first snapshot has no "since". */
static void interval_count_text(const struct tui *t, uint64_t delta, enum col c, char *buf,
				size_t len)
{
	if (!cell_rates_known(t->f))
		cell_dash(buf, len);
	else
		cell_count_text(buf, len, delta, layout_cols[c].width);
}

void flows_new_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		    char *buf, size_t len)
{
	interval_count_text(t, f->d.new_conns, COL_NEW, buf, len);
}

void flows_closed_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		       char *buf, size_t len)
{
	interval_count_text(t, f->d.closed_conns, COL_CLOSED, buf, len);
}

int tui_owner_cb(void *arg, uint32_t id, struct owner_label *out)
{
	const struct tui_feed *fd = arg;

	return fd->owner(fd->arg, id, out);
}

int tui_route_cb(void *arg, uint32_t id, struct flow_route *out)
{
	const struct tui_feed *fd = arg;

	return fd->route(fd->arg, id, out);
}

/* The owner's name; "-" for the viewed namespace's own flows. */
void flows_owner_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len)
{
	struct owner_label ol;

	if (!f->key.owner || f->key.dir == FLOW_ROUTED)	/* routed: nobody's here */
		snprintf(buf, len, "-");
	else if (t->feed.owner(t->feed.arg, f->key.owner, &ol) < 0)
		snprintf(buf, len, "?");
	else	/* sanitized by owner.c: printable UTF-8 */
		snprintf(buf, len, "%s", ol.name);
}

/* Blocks need a UTF-8 locale; NO_COLOR or a monochrome terminal get the ASCII ramp. */
int flows_trend_blocks(const struct tui *t)
{
	return t->utf8 && t->colour;
}

/*
 * In + out over the last TREND_N dumps, each row scaled to its own
 * maximum: the shape of its traffic (In/s and Out/s tell the size).
 */
void flows_trend_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len)
{
	double in[TREND_N], out[TREND_N];

	if (t->trend)
		trend_get(t->trend, &f->key, in, out);
	else
		memset(in, 0, sizeof in), memset(out, 0, sizeof out);
	for (size_t i = 0; i < TREND_N; i++)
		in[i] += out[i];
	trend_spark(buf, len, in, TREND_N, flows_trend_blocks(t));
}

/*
 * Feeds the history from a frame the screen shows: dumps with rates only
 * (frames between dumps carry no byte deltas; a first snapshot and one
 * moments after another no rate).  A frame older than the last fed (a
 * replay seeking back) starts the history again.  With Trend off (T) none
 * is kept: no column, no graph, no cost.
 */
void flows_trend_take(struct tui *t, const struct mon_frame *f)
{
	if (!t->trend_on) {
		trend_free(t->trend);
		t->trend = NULL;
		return;
	}
	if (!t->trend)
		t->trend = trend_new();
	if (f->seq < t->trend_seq)
		trend_clear(t->trend);
	if (f->seq != t->trend_seq && f->dumped && cell_rates_known(f))
		trend_feed(t->trend, f->flows, f->nflows, f->interval);
	t->trend_seq = f->seq;
}

/* -P: the record of f, a flow of the shown frame. */
static const struct flow_proc *proc_of(const struct tui *t, const struct flow *f)
{
	struct flow_side side;

	if (!t->f)
		return &flow_proc_none;
	side = mon_frame_side(t->f);
	return flow_proc(&side, f);
}

/* -P: the flow's process (procs_label()), "-" when none is known. */
void flows_proc_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len)
{
	const struct flow_proc *fp = proc_of(t, f);
	struct proc_info pi;

	if (!fp->proc || mon_proc(t->m, fp->proc, &pi) < 0)
		procs_label(NULL, 0, buf, len);
	else
		procs_label(&pi, fp->nprocs, buf, len);
}

/* -P: the largest RTT of its live TCP sockets, in ms; "-" without one. */
void flows_rtt_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		    char *buf, size_t len)
{
	uint32_t rtt = proc_of(t, f)->rtt_us;

	if (!rtt)
		snprintf(buf, len, "-");
	else if (rtt < 100000)
		snprintf(buf, len, "%.1fms", rtt / 1000.0);
	else
		snprintf(buf, len, "%ums", (rtt + 500) / 1000);
}

/* -P: TCP retransmissions per second over the interval. */
void flows_retr_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len)
{
	double secs = t->f ? t->f->interval : 0;

	if (f->key.proto != IPPROTO_TCP || secs <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", proc_of(t, f)->retrans / secs);
}

int flows_proc_want(const struct tui *t)
{
	char buf[PROCS_LABEL_MAX];
	int want = 1;

	if (!t->c->processes || !t->show_procs)
		return 0;
	for (int i = 0; i < t->npanes; i++) {
		const struct tpane *p = &t->panes[i];

		for (size_t r = p->p.top; r < p->n && r < p->p.top + p->list_h; r++) {
			int n;

			flows_proc_text(t, tpane_row(t, p, r), &t->lay, buf, sizeof buf);
			n = (int)strlen(buf);
			if (n > want)
				want = n;
		}
	}
	return want;
}

/* The widest Owner text on screen, 0 when every flow there is the host's. */
int flows_owner_want(const struct tui *t)
{
	char buf[OWNER_NAME_MAX];
	int want = 0, any = 0;

	for (int i = 0; i < t->npanes; i++) {
		const struct tpane *p = &t->panes[i];

		for (size_t r = p->p.top; r < p->n && r < p->p.top + p->list_h; r++) {
			int n;

			if (!tpane_row(t, p, r)->key.owner || tpane_row(t, p, r)->key.dir == FLOW_ROUTED)
				continue;
			any = 1;
			flows_owner_text(t, tpane_row(t, p, r), &t->lay, buf, sizeof buf);
			n = (int)strlen(buf);
			if (n > want)
				want = n;
		}
	}
	return any ? (want > 1 ? want : 1) : 0;
}

/* ---- sort steps: what < and > step through, left to right on screen ---- */

struct sort_step {
	enum view_sort rate, total;	/* t maps one onto the other */
	enum col c1, c2;		/* the columns it marks */
};

/* The steps, from the column table: a column's pair sort, then its own. */
static size_t sort_steps(struct sort_step *st)
{
	size_t n = 0;

	for (int c = 0; c < COL_MAX; c++) {
		const struct col_def *d = &layout_cols[c];

		if (d->pair_rate != COL_NO_SORT && c + 1 < COL_MAX)
			st[n++] = (struct sort_step){ d->pair_rate, d->pair_total, (enum col)c,
						      (enum col)(c + 1) };
		if (d->sort_rate != COL_NO_SORT)
			st[n++] = (struct sort_step){ d->sort_rate, d->sort_total, (enum col)c,
						      (enum col)c };
	}
	return n;
}

/* Index of the step of s in st, or -1. */
static long sort_step_of(const struct sort_step *st, size_t n, enum view_sort s)
{
	for (size_t i = 0; i < n; i++)
		if (st[i].rate == s || st[i].total == s)
			return (long)i;
	return -1;
}

enum view_sort flows_sort_for_mode(enum view_sort s, int totals)
{
	struct sort_step st[2 * COL_MAX];
	long i = sort_step_of(st, sort_steps(st), s);

	if (i < 0)
		return s;
	return totals ? st[i].total : st[i].rate;
}

/* The columns a sort marks: port orders Passive by Local, Active by Peer. */
static void sort_cols(enum view_sort s, unsigned dir, enum col *c1, enum col *c2)
{
	struct sort_step st[2 * COL_MAX];
	long i = sort_step_of(st, sort_steps(st), s);

	*c1 = *c2 = COL_MAX;
	if (i < 0)
		return;
	*c1 = st[i].c1;
	*c2 = st[i].c2;
	if (s == VIEW_SORT_PORT && dir != VIEW_PASSIVE)
		*c1 = *c2 = COL_PEER;
}

/* The next sort step (dir +1/-1) whose columns are on screen; COL_NO_SORT if none. */
enum view_sort flows_sort_next(const struct tui *t, const struct tpane *p, int dir)
{
	struct sort_step st[2 * COL_MAX];
	long n = (long)sort_steps(st);
	long i = sort_step_of(st, (size_t)n, p->sort);

	if (i < 0)
		i = 0;
	for (long k = 0; k < n; k++) {
		enum view_sort s;
		enum col c1, c2;

		i = ((i + dir) % n + n) % n;
		s = t->totals ? st[i].total : st[i].rate;
		sort_cols(s, p->dir, &c1, &c2);
		if (t->lay.shown[c1] || t->lay.shown[c2])
			return s;
	}
	return COL_NO_SORT;
}

/* ---- rows ---- */

/* Natural widths of Local and Peer over the rows on screen. */
void flows_want_widths(const struct tui *t, int *local_want, int *peer_want)
{
	char buf[ROW_TEXT_MAX];

	*local_want = layout_cols[COL_LOCAL].width;
	*peer_want = layout_cols[COL_PEER].width;
	for (int i = 0; i < t->npanes; i++) {
		const struct tpane *p = &t->panes[i];

		for (size_t r = p->p.top; r < p->n && r < p->p.top + p->list_h; r++) {
			int n;

			flows_local_text(t, tpane_row(t, p, r), &t->lay, buf, sizeof buf);
			n = (int)strlen(buf);
			if (n > *local_want)
				*local_want = n;
			peer_text(t, tpane_row(t, p, r), buf, sizeof buf);
			n = (int)strlen(buf);
			if (n > *peer_want)
				*peer_want = n;
		}
	}
}

void flows_rebuild_pane(struct tui *t, struct tpane *p)
{
	struct view_opts vo;
	const struct mon_frame *f = t->f;
	size_t want = 0;

	p->n = p->total = 0;
	if (!f)
		return;
	for (size_t i = 0; i < f->nflows; i++) {
		p->total += (1u << f->flows[i].key.dir) == p->dir;
		want += ((1u << f->flows[i].key.dir) & p->dir) != 0;
	}
	/*
	 * Room for the pane's own direction (what view_match() can let
	 * through), not every flow: with two panes that is 4 bytes a flow
	 * instead of 8.  Given back when the pane holds under half of it.
	 */
	if (p->cap < want || p->cap / 2 > want + 1024) {
		p->cap = want ? want : 1;
		free(p->rows);
		p->rows = xmalloc(p->cap * sizeof *p->rows);
	}
	memset(&vo, 0, sizeof vo);
	vo.dirs = p->dir;
	vo.aport = port_filter_empty(&t->aport) ? NULL : &t->aport;
	vo.pport = port_filter_empty(&t->pport) ? NULL : &t->pport;
	vo.sort = p->sort;
	vo.reverse = p->reverse;
	vo.host = t->host.kind != HOST_FILTER_NONE ? &t->host : NULL;
	if (t->owner.set) {
		vo.owner = &t->owner;
		vo.owner_of = tui_owner_cb;
		vo.owner_arg = (void *)&t->feed;
	}
	vo.route_of = tui_route_cb;
	vo.route_arg = (void *)&t->feed;
	vo.procs = f->procs;
	if (t->names && t->c->resolver) {
		vo.name_of = resolver_name_cb;
		vo.name_arg = t->c->resolver;
	}
	p->n = view_build_index(f->flows, f->nflows, &vo, p->rows);
	/* Untouched, a pane shows the top of its order, whatever flow that is now. */
	if (!p->follow)
		pane_init(&p->p);
	pane_sync(&p->p, f->flows, p->rows, p->n, p->list_h);
}

/* ---- drawing ---- */

/* The columns of bytes and packets (rates or totals). */
static int is_traffic(int c)
{
	return c == COL_IN || c == COL_OUT || c == COL_INPKT || c == COL_OUTPKT;
}

/*
 * A closed flow is dim; between budgeted dumps, so are the byte and packet
 * cells of a flow not every connection of which could be read again
 * (stale): they are partly the last dump's.
 */
static void draw_row(const struct tui *t, int y, const struct flow *f, int selected)
{
	const struct flow_layout *l = &t->lay;
	char buf[ROW_TEXT_MAX];
	attr_t a = selected ? A_REVERSE : f->idle ? cell_attr(t, R_CLOSED) : A_NORMAL;
	attr_t old = a | A_DIM;

	if (selected)
		cell_blank_line(y, A_REVERSE);
	for (int c = 0; c < COL_MAX; c++) {
		if (!l->shown[c])
			continue;
		layout_cols[c].text(t, f, l, buf, sizeof buf);
		if (c == COL_TREND) {	/* cells, not bytes: block characters are 3 */
			cell_put_wide(y, l->x[c], l->w[c], buf, a);
			continue;
		}
		cell_put_cut(t, y, l->x[c], l->w[c], buf, layout_cols[c].right,
			     c == COL_LOCAL ? TR_START : c == COL_OWNER ? TR_END : TR_PORT,
			     f->stale && is_traffic(c) ? old : a);
	}
}

static void draw_colhdr(const struct tui *t, const struct tpane *p, int y)
{
	enum col s1, s2;

	sort_cols(p->sort, p->dir, &s1, &s2);
	for (int c = 0; c < COL_MAX; c++) {
		const struct col_def *d = &layout_cols[c];
		const char *title = t->totals ? d->total_title : d->title;
		enum role r = (c == (int)s1 || c == (int)s2) ? R_SORTED : R_COLS;

		if (!t->lay.shown[c] || !title[0])
			continue;
		cell_put_cut(t, y, t->lay.x[c], t->lay.w[c], title, d->right, TR_END,
			     cell_attr(t, r));
	}
}

static void draw_pane_title(const struct tui *t, const struct tpane *p, int has_focus)
{
	const char *sort = view_sort_name(p->sort);
	char buf[96], name[32];
	int x;

	cell_rule(t, p->y);
	snprintf(name, sizeof name, " %s ", p->name);
	x = cell_put(p->y, 1, COLS - 1, name, cell_attr(t, has_focus ? R_FOCUS : R_TITLE));
	if (p->n == p->total)
		snprintf(buf, sizeof buf, " %zu flow%s ", p->n, p->n == 1 ? "" : "s");
	else
		snprintf(buf, sizeof buf, " %zu of %zu flows ", p->n, p->total);
	x = cell_put(p->y, x + 1, COLS - x - 1, buf, A_NORMAL);
	snprintf(buf, sizeof buf, " sort %s ", sort ? sort : "?");
	x = cell_put(p->y, x + 1, COLS - x - 1, buf, A_NORMAL);
	if (view_sort_descends(p->sort, p->reverse))
		x = cell_put_sym(t, p->y, x, "\u25bc", 'v', A_BOLD);
	else
		x = cell_put_sym(t, p->y, x, "\u25b2", '^', A_BOLD);
	cell_put(p->y, x, 1, " ", A_NORMAL);
}

static const char *empty_text(const struct tui *t, const struct tpane *p, int width)
{
	static const char why[] = "no conntrack entries: nothing on this host uses conntrack "
				  "(see README)";

	if (!t->f)
		return "taking the first snapshot...";
	if (p->total)
		return "no flows match the filters (c clears them)";
	/* An empty table (not a quiet direction, not unreadable lines): say why. */
	if (t->f->stats.entries == 0 && !t->err && !ct_source_skipped(&t->f->input) &&
	    !t->f->input.bad_msgs)
		return t->f->live && width >= (int)sizeof why - 1 ? why : "no conntrack entries";
	return "no flows";
}

void flows_draw_pane(const struct tui *t, const struct tpane *p, int has_focus)
{
	draw_pane_title(t, p, has_focus);
	if (p->colhdr)
		draw_colhdr(t, p, p->y + 1);
	if (p->n == 0) {
		cell_put(p->list_y, 2, COLS - 2, empty_text(t, p, COLS - 2),
			 cell_attr(t, R_CLOSED));
		return;
	}
	for (size_t i = 0; i < p->list_h && p->p.top + i < p->n; i++) {
		size_t r = p->p.top + i;

		draw_row(t, p->list_y + (int)i, tpane_row(t, p, r), has_focus && r == p->p.cursor);
	}
}
