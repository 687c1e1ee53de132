/*
 * tui.c - the full-screen monitor: two panes of flows, a connection list,
 * a help screen and one-line prompts.
 *
 * One loop waits in poll() for a key, a frame from the collector, a signal
 * or a redraw tick; it never waits for a snapshot.  All state lives in
 * struct tui.  Key handlers change it and return what must follow
 * (K_REBUILD, K_QUIT) but never draw; draw() alone writes, into curses'
 * virtual screen, so each refresh sends the terminal only what changed.
 */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

#define POLL_FAST_MS	250	/* names arriving, a snapshot under way, a message */
#define POLL_SLOW_MS	2000	/* nothing changes on screen without a frame or key */
#define MIN_COLS	20
#define MIN_LINES	5
#define FULL_LINES	10	/* from here: two header lines and the key hints */
#define MSG_SECS	3.0
#define MIN_RATE_INTERVAL 0.05	/* s; shorter (after mon_wake) is noise, not a rate */
#define BUSY_SHOWN	1.0	/* a snapshot running this long shows "collecting" */
#define PEER_CAP	32	/* Peer width that optional columns make room for */
#define PEER_FLOOR	16	/* Peer narrows to this before In/s and Out/s go */
#define KEY_ESC		27
#define KEY_CTRL(c)	((c) & 0x1f)
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Colours only decorate: the attributes alone must tell everything. */
enum role { R_PLAIN, R_HOST, R_WARN, R_FLAG, R_TITLE, R_FOCUS, R_COLS, R_SORTED,
	    R_CLOSED, R_KEY, R_MAX };

static const struct {
	short fg;	/* -1: no colour */
	attr_t attr;
} roles[R_MAX] = {
	[R_PLAIN]  = { -1, A_NORMAL },
	[R_HOST]   = { COLOR_CYAN, A_BOLD },
	[R_WARN]   = { COLOR_RED, A_BOLD },
	[R_FLAG]   = { COLOR_YELLOW, A_REVERSE | A_BOLD },
	[R_TITLE]  = { COLOR_CYAN, A_BOLD },
	[R_FOCUS]  = { -1, A_REVERSE | A_BOLD },
	[R_COLS]   = { -1, A_BOLD },
	[R_SORTED] = { COLOR_CYAN, A_BOLD | A_UNDERLINE },
	[R_CLOSED] = { -1, A_DIM },
	[R_KEY]    = { -1, A_BOLD },
};

/* Columns of a flow row, in screen order. */
enum col { COL_LOCAL, COL_ARROW, COL_PEER, COL_CONNS, COL_IN, COL_OUT,
	   COL_INPKT, COL_OUTPKT, COL_NEW, COL_CLOSED, COL_MAX };

static const struct col_def {
	const char *title;	/* with rates */
	const char *total_title; /* with totals (t) */
	int width;		/* cells; Local and Peer grow with their text */
	int sep;		/* blank cells before it */
	int right;		/* numbers are right-aligned */
} cols[COL_MAX] = {
	[COL_LOCAL]  = { "Local", "Local", 14, 0, 0 },
	[COL_ARROW]  = { "", "", 5, 0, 0 },
	[COL_PEER]   = { "Peer", "Peer", 4, 0, 0 },
	[COL_CONNS]  = { "Conns", "Conns", 5, 1, 1 },
	[COL_IN]     = { "In/s", "In", 4, 1, 1 },
	[COL_OUT]    = { "Out/s", "Out", 5, 1, 1 },
	[COL_INPKT]  = { "InPkt/s", "InPkt", 7, 1, 1 },
	[COL_OUTPKT] = { "OutPkt/s", "OutPkt", 8, 1, 1 },
	[COL_NEW]    = { "New", "New", 4, 1, 1 },
	[COL_CLOSED] = { "Closed", "Closed", 6, 1, 1 },
};

/*
 * What < and > step through, left to right on screen.  Each step has a
 * rate and a totals form (t maps one onto the other) and marks the columns
 * it orders by.  Every enum view_sort value appears once.
 */
static const struct sort_step {
	enum view_sort rate, total;
	enum col c1, c2;
} sort_steps[] = {
	{ VIEW_SORT_PORT, VIEW_SORT_PORT, COL_LOCAL, COL_LOCAL },
	{ VIEW_SORT_PEER, VIEW_SORT_PEER, COL_PEER, COL_PEER },
	{ VIEW_SORT_CONNS, VIEW_SORT_CONNS, COL_CONNS, COL_CONNS },
	{ VIEW_SORT_RATE, VIEW_SORT_BYTES, COL_IN, COL_OUT },
	{ VIEW_SORT_INRATE, VIEW_SORT_INBYTES, COL_IN, COL_IN },
	{ VIEW_SORT_OUTRATE, VIEW_SORT_OUTBYTES, COL_OUT, COL_OUT },
	{ VIEW_SORT_PPS, VIEW_SORT_PACKETS, COL_INPKT, COL_OUTPKT },
	{ VIEW_SORT_INPPS, VIEW_SORT_INPKTS, COL_INPKT, COL_INPKT },
	{ VIEW_SORT_OUTPPS, VIEW_SORT_OUTPKTS, COL_OUTPKT, COL_OUTPKT },
	{ VIEW_SORT_NEW, VIEW_SORT_NEW, COL_NEW, COL_NEW },
	{ VIEW_SORT_CLOSED, VIEW_SORT_CLOSED, COL_CLOSED, COL_CLOSED },
};

struct layout {
	int shown[COL_MAX];
	int x[COL_MAX], w[COL_MAX];
	int tight;		/* arrow without its spaces: the screen is very narrow */
};

/* Columns of the connection list. */
enum dcol { D_PROTO, D_ORIG, D_REPLY, D_STATE, D_PKTS, D_BYTES, D_TIMEOUT, D_ID, D_MAX };

static const char *const dcol_titles[D_MAX] = {
	"Proto", "Connection", "NAT reply", "State", "Pkts o/r", "Bytes o/r", "Timeout", "Id",
};

enum tui_mode { MODE_MAIN, MODE_DETAIL, MODE_HELP };
enum prompt_kind { PROMPT_NONE, PROMPT_APORT, PROMPT_PPORT, PROMPT_HOST };

static const char *const prompt_labels[] = {
	[PROMPT_NONE] = "", [PROMPT_APORT] = "active ports: ",
	[PROMPT_PPORT] = "passive ports: ", [PROMPT_HOST] = "host: ",
};

/* One line of printable ASCII being edited. */
struct editor {
	char buf[256];
	size_t len, pos;	/* bytes; pos is the cursor */
};

struct tpane {
	const char *name;	/* "Active", "Passive" */
	unsigned dir;		/* VIEW_ACTIVE or VIEW_PASSIVE */
	enum view_sort sort;
	int reverse;
	const struct flow **rows; /* into the shown frame's flows */
	size_t n, cap;
	size_t total;		/* flows of this direction before the filters */
	struct pane p;
	int follow;		/* moved or re-sorted: keep the selected flow, not the top row */
	int y;			/* title line */
	int colhdr;		/* a line of column titles under it */
	int list_y;
	size_t list_h;		/* rows shown (at least 1) */
};

struct tui {
	struct monitor *m;
	const struct tui_config *c;
	struct mon_frame *f;	/* shown; NULL before the first */
	struct mon_frame *df;	/* newest with the watched flow's connections */
	int err;		/* errno of the newest snapshot, 0 when it worked */
	int mon_gone;		/* the frame pipe hung up: stop polling it */
	struct port_filter aport, pport;
	struct host_filter host;
	struct tpane panes[2];
	int npanes, focus;
	int names, totals, paused;
	enum tui_mode mode, under_help;
	struct flow_key dkey;	/* MODE_DETAIL: the watched flow */
	size_t dtop;		/* first connection shown */
	size_t dlist_h;
	enum prompt_kind prompt;
	struct editor ed;
	char perr[200];		/* why the prompt's text was refused; until a key */
	char msg[160];		/* a short note on the bottom line */
	double msg_until;
	int names_pending;	/* shown peers without a name yet: poll fast */
	int utf8, colour;
	int head_lines, foot_lines;
	struct layout lay;	/* of the last draw: which columns < > can pick */
	SCREEN *scr;
	FILE *tty;		/* /dev/tty when stdin is not the terminal */
	int in_fd;
};

#define K_REBUILD 1u
#define K_QUIT    2u

/* Moves in pages: distinct from PANE_HOME/PANE_END and from row counts. */
#define MOVE_PGUP (-((long)1 << 30))
#define MOVE_PGDN ((long)1 << 30)

static volatile sig_atomic_t screen_up;

/* Out of memory aborts: util.c calls this first so the shell gets its terminal back. */
static void restore_terminal(void)
{
	if (screen_up)
		endwin();
}

/* ---- small helpers ---- */

static attr_t role_attr(const struct tui *t, enum role r)
{
	if (t->colour && roles[r].fg >= 0)
		return roles[r].attr | COLOR_PAIR(r);
	return roles[r].attr;
}

static void set_msg(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_msg(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_until = mono_now() + MSG_SECS;
}

static const char *sort_label(enum view_sort s)
{
	const char *n = view_sort_name(s);

	return n ? n : "?";
}


static const struct sort_step *sort_step_of(enum view_sort s)
{
	for (size_t i = 0; i < ARRAY_LEN(sort_steps); i++)
		if (sort_steps[i].rate == s || sort_steps[i].total == s)
			return &sort_steps[i];
	return NULL;
}

static enum view_sort sort_for_mode(enum view_sort s, int totals)
{
	const struct sort_step *st = sort_step_of(s);

	if (!st)
		return s;
	return totals ? st->total : st->rate;
}

/* The columns a sort marks: port orders Passive by Local, Active by Peer. */
static void sort_cols(enum view_sort s, unsigned dir, enum col *c1, enum col *c2)
{
	const struct sort_step *st = sort_step_of(s);

	*c1 = *c2 = COL_MAX;
	if (!st)
		return;
	*c1 = st->c1;
	*c2 = st->c2;
	if (s == VIEW_SORT_PORT && dir == VIEW_ACTIVE)
		*c1 = *c2 = COL_PEER;
}

/*
 * A first frame has no deltas; a frame taken moments after the one before
 * (mon_wake) has deltas too small to mean a rate.
 */
static int rates_known(const struct mon_frame *f)
{
	return f && f->seq > 1 && f->interval >= MIN_RATE_INTERVAL;
}

/* A count in decimal while it fits in width cells, then in human units. */
static void count_text(char *buf, size_t len, uint64_t v, int width)
{
	char dec[24];

	fmt_u64(dec, sizeof dec, v);
	if ((int)strlen(dec) <= width)
		snprintf(buf, len, "%s", dec);
	else
		fmt_human(buf, len, (double)v);
}

static void dash(char *buf, size_t len)
{
	snprintf(buf, len, "-");
}

/* ---- writing cells ---- */

/* Writes at most w cells of s at (y, x), never past the right edge (curses would wrap). */
static int put(int y, int x, int w, const char *s, attr_t a)
{
	int n;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return x;
	if (w > COLS - x)
		w = COLS - x;
	n = (int)strnlen(s, (size_t)w);
	attrset(a);
	mvaddnstr(y, x, s, n);
	return x + n;
}

/* One cell: a UTF-8 symbol, or its ASCII stand-in outside a UTF-8 locale. */
static int put_sym(const struct tui *t, int y, int x, const char *utf8, char ascii, attr_t a)
{
	char one[2] = { ascii, '\0' };

	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return x;
	attrset(a);
	mvaddstr(y, x, t->utf8 ? utf8 : one);
	return x + 1;
}

static int put_ellipsis(const struct tui *t, int y, int x, attr_t a)
{
	return put_sym(t, y, x, "\u2026", '~', a);
}

enum trunc { TR_END, TR_START, TR_PORT };

/*
 * s (ASCII) in a cell of w, aligned, cut with an ellipsis if too long:
 * TR_PORT keeps the ":port" end of an endpoint, TR_START the end of s.
 */
static void put_cell(const struct tui *t, int y, int x, int w, const char *s, int right,
		     enum trunc tr, attr_t a)
{
	int len = (int)strlen(s), head, tail = 0;

	if (w <= 0)
		return;
	if (len <= w) {
		put(y, right ? x + w - len : x, len, s, a);
		return;
	}
	head = w - 1;
	if (tr == TR_START) {
		head = 0;
		tail = w - 1;
	} else if (tr == TR_PORT) {
		const char *colon = strrchr(s, ':');
		int keep = colon ? len - (int)(colon - s) : 0;

		if (keep > 0 && keep <= w - 2) {
			tail = keep;
			head = w - 1 - keep;
		}
	}
	x = put(y, x, head, s, a);
	x = put_ellipsis(t, y, x, a);
	put(y, x, tail, s + len - tail, a);
}

static void blank_line(int y, attr_t a)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(A_NORMAL);
	mvhline(y, 0, (chtype)' ' | a, COLS);
}

static void rule(const struct tui *t, int y)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(A_NORMAL);
	mvhline(y, 0, t->utf8 ? ACS_HLINE : (chtype)'-', COLS);
}

/* ---- the header: segments that drop by priority as the width shrinks ---- */

struct seg {
	char text[200];
	enum role role;
	int line;	/* 0 or 1 of a two-line header */
	int prio;	/* 0 stays longest */
	int shown;
};

struct segs {
	struct seg s[16];
	int n;
};

static void seg_add(struct segs *ss, int line, int prio, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void seg_add(struct segs *ss, int line, int prio, enum role r, const char *fmt, ...)
{
	struct seg *s;
	va_list ap;

	if (ss->n >= (int)ARRAY_LEN(ss->s))
		return;
	s = &ss->s[ss->n++];
	va_start(ap, fmt);
	vsnprintf(s->text, sizeof s->text, fmt, ap);
	va_end(ap);
	s->role = r;
	s->line = line;
	s->prio = prio;
	s->shown = 1;
}

/* Drops the least important segments of line (-1: all) until they fit in width. */
static void seg_fit(struct segs *ss, int line, int width)
{
	for (;;) {
		int total = 0, n = 0, worst = -1;

		for (int i = 0; i < ss->n; i++) {
			struct seg *s = &ss->s[i];

			if (!s->shown || (line >= 0 && s->line != line))
				continue;
			total += (int)strlen(s->text) + (n ? 2 : 0);
			n++;
			if (worst < 0 || s->prio >= ss->s[worst].prio)
				worst = i;
		}
		if (total <= width || n <= 1)
			return;
		ss->s[worst].shown = 0;
	}
}

static void seg_draw(const struct tui *t, const struct segs *ss, int line, int y)
{
	int x = 0;

	for (int i = 0; i < ss->n; i++) {
		const struct seg *s = &ss->s[i];

		if (!s->shown || (line >= 0 && s->line != line))
			continue;
		x = put(y, x, COLS - x, s->text, role_attr(t, s->role)) + 2;
	}
}

static void interval_text(char *buf, size_t len, double iv)
{
	snprintf(buf, len, "%gs", iv);
}

static void cost_text(char *buf, size_t len, double s)
{
	if (s < 1)
		snprintf(buf, len, "%.0fms", s * 1000);
	else
		snprintf(buf, len, "%.1fs", s);
}

static void limit_text(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		dash(buf, len);
	else
		fmt_u64(buf, len, (uint64_t)v);
}

static void head_frame(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;
	char a[32], b[32], when[16];
	struct tm tm;

	if (!f)
		return;
	localtime_r(&f->when.tv_sec, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	seg_add(ss, 0, 1, R_PLAIN, "%s", when);
	limit_text(a, sizeof a, f->sysctl.count);
	limit_text(b, sizeof b, f->sysctl.max);
	seg_add(ss, 0, 2, R_PLAIN, "entries %s/%s", a, b);
}

static void head_interval(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;
	char asked[32], real[32], cost[32];

	interval_text(asked, sizeof asked, mon_period(t->m));
	seg_add(ss, 0, 1, R_PLAIN, "every %s", asked);
	if (!f)
		return;
	cost_text(cost, sizeof cost, f->cost);
	if (f->interval > 0) {
		snprintf(real, sizeof real, "%.2fs", f->interval);
		seg_add(ss, 0, 4, R_PLAIN, "(real %s, took %s)", real, cost);
	} else {
		seg_add(ss, 0, 4, R_PLAIN, "(took %s)", cost);
	}
}

static void head_status(const struct tui *t, struct segs *ss)
{
	const struct mon_frame *f = t->f;
	double since;

	if (mon_busy(t->m, &since) && mono_now() - since > BUSY_SHOWN)
		seg_add(ss, 1, 1, R_FLAG, "collecting %.0fs", mono_now() - since);
	if (f && f->sysctl.acct == 0)
		seg_add(ss, 1, 1, R_WARN,
			"counters off: sysctl -w net.netfilter.nf_conntrack_acct=1");
	else if (f && f->sysctl.acct < 0 && f->stats.counters == 0 && f->nflows > 0)
		seg_add(ss, 1, 1, R_WARN, "no counters in input");
	seg_add(ss, 1, 3, R_PLAIN, "%s", t->totals ? "totals" : "rates");
	if (f && ct_source_skipped(&f->input))
		seg_add(ss, 1, 4, R_PLAIN, "%llu lines skipped", (unsigned long long)ct_source_skipped(&f->input));
	if (f && f->input.bad_msgs)
		seg_add(ss, 1, 4, R_PLAIN, "%llu bad messages", (unsigned long long)f->input.bad_msgs);
}

static void head_filters(const struct tui *t, struct segs *ss)
{
	char txt[200] = "", part[160], esc[160];
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
	if (used == 0)
		return;
	if (used >= sizeof txt)
		used = sizeof txt - 1;
	txt[used - 1] = '\0';
	seg_add(ss, 1, 2, R_PLAIN, "%s", txt);
}

static void draw_header(const struct tui *t)
{
	struct segs ss = { .n = 0 };
	char esc[256];

	if (t->paused)
		seg_add(&ss, 1, 0, R_FLAG, "PAUSED");
	if (t->err == ENODATA)
		seg_add(&ss, 1, 0, R_WARN, "input ended");
	else if (t->err)
		seg_add(&ss, 1, 0, R_WARN, "snapshot failed: %s", strerror(t->err));
	fmt_escape(t->c->hostname ? t->c->hostname : "localhost", esc, sizeof esc);
	seg_add(&ss, 0, 3, R_HOST, "%s", esc);
	fmt_escape(t->c->source ? t->c->source : "", esc, sizeof esc);
	seg_add(&ss, 0, 5, R_PLAIN, "%s", esc);
	head_frame(t, &ss);
	head_interval(t, &ss);
	head_status(t, &ss);
	head_filters(t, &ss);
	if (t->head_lines == 2) {
		seg_fit(&ss, 0, COLS);
		seg_fit(&ss, 1, COLS);
		seg_draw(t, &ss, 0, 0);
		seg_draw(t, &ss, 1, 1);
	} else {
		seg_fit(&ss, -1, COLS);
		seg_draw(t, &ss, -1, 0);
	}
}

/* ---- flow rows ---- */

static void peer_text(const struct tui *t, const struct flow *f, char *buf, size_t len)
{
	char name[300];
	const char *raw = NULL;

	if (t->names && t->c->resolver)
		raw = resolver_name(t->c->resolver, f->key.family, &f->key.peer);
	if (raw)
		fmt_escape(raw, name, sizeof name);
	fmt_flow_peer(f, raw ? name : NULL, buf, len);
	if (t->c->show_proto && f->key.proto == IPPROTO_UDP) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "/udp");
	}
}

static void rate_text(char *buf, size_t len, const struct mon_frame *fr, uint64_t delta)
{
	if (!rates_known(fr))
		dash(buf, len);
	else
		fmt_human(buf, len, (double)delta / fr->interval);
}

static void num_text(const struct tui *t, const struct flow *f, enum col c, char *buf,
		     size_t len)
{
	const struct mon_frame *fr = t->f;

	switch (c) {
	case COL_CONNS:
		count_text(buf, len, f->conns, cols[c].width);
		return;
	case COL_IN:
		if (t->totals)
			fmt_human(buf, len, (double)f->c.in_bytes);
		else
			rate_text(buf, len, fr, f->d.in_bytes);
		return;
	case COL_OUT:
		if (t->totals)
			fmt_human(buf, len, (double)f->c.out_bytes);
		else
			rate_text(buf, len, fr, f->d.out_bytes);
		return;
	case COL_INPKT:
		if (t->totals)
			fmt_human(buf, len, (double)f->c.in_packets);
		else
			rate_text(buf, len, fr, f->d.in_packets);
		return;
	case COL_OUTPKT:
		if (t->totals)
			fmt_human(buf, len, (double)f->c.out_packets);
		else
			rate_text(buf, len, fr, f->d.out_packets);
		return;
	case COL_NEW:
	case COL_CLOSED:
		/* Per interval even with totals: a first snapshot has no "since". */
		if (!rates_known(fr))
			dash(buf, len);
		else
			count_text(buf, len, c == COL_NEW ? f->d.new_conns : f->d.closed_conns,
				   cols[c].width);
		return;
	default:
		buf[0] = '\0';
	}
}

static void cell_text(const struct tui *t, const struct flow *f, enum col c,
		      const struct layout *l, char *buf, size_t len)
{
	switch (c) {
	case COL_LOCAL:
		fmt_flow_local(f, buf, len);
		return;
	case COL_ARROW:
		/* A closed flow's arrow is broken: visible without colour or dim. */
		if (f->key.dir == FLOW_ACTIVE)
			snprintf(buf, len, l->tight ? "%s" : " %s ", f->idle ? "-x>" : "-->");
		else
			snprintf(buf, len, l->tight ? "%s" : " %s ", f->idle ? "<x-" : "<--");
		return;
	case COL_PEER:
		peer_text(t, f, buf, len);
		return;
	default:
		num_text(t, f, c, buf, len);
	}
}

static int lay_sum(const struct layout *l)
{
	int s = 0;

	for (int c = 0; c < COL_MAX; c++)
		if (l->shown[c])
			s += l->w[c] + cols[c].sep;
	return s;
}

/*
 * Fits the columns in width.  Optional columns go first (OutPkt/s, InPkt/s,
 * Closed, New, Conns) while Peer wants up to PEER_CAP; then Peer narrows to
 * PEER_FLOOR before Out/s and In/s go; on a very narrow screen the arrow
 * loses its spaces and Local its head; Peer takes what is left, last.
 */
static void lay_out(struct layout *l, int width, int local_want, int peer_want)
{
	static const enum col drops[] = { COL_OUTPKT, COL_INPKT, COL_CLOSED, COL_NEW,
					  COL_CONNS, COL_OUT, COL_IN };
	size_t i = 0;
	int spare, x = 0;

	memset(l, 0, sizeof *l);
	for (int c = 0; c < COL_MAX; c++) {
		l->shown[c] = 1;
		l->w[c] = cols[c].width;
	}
	l->w[COL_LOCAL] = local_want;
	l->w[COL_PEER] = peer_want < PEER_CAP ? peer_want : PEER_CAP;
	while (lay_sum(l) > width && i < 5)
		l->shown[drops[i++]] = 0;
	if (l->w[COL_PEER] > PEER_FLOOR && lay_sum(l) > width)
		l->w[COL_PEER] = PEER_FLOOR;
	while (lay_sum(l) > width && i < ARRAY_LEN(drops))
		l->shown[drops[i++]] = 0;
	if (lay_sum(l) > width) {
		l->tight = 1;
		l->w[COL_ARROW] = 3;
		spare = width - lay_sum(l);
		l->w[COL_LOCAL] += spare;
		if (l->w[COL_LOCAL] < 6)
			l->w[COL_LOCAL] = 6;
	}
	spare = width - lay_sum(l);
	if (spare > peer_want - l->w[COL_PEER])
		spare = peer_want - l->w[COL_PEER];
	l->w[COL_PEER] += spare;
	if (l->w[COL_PEER] < 1)
		l->w[COL_PEER] = 1;
	for (int c = 0; c < COL_MAX; c++) {
		if (!l->shown[c])
			continue;
		x += cols[c].sep;
		l->x[c] = x;
		x += l->w[c];
	}
}

/* Natural widths of Local and Peer over the rows on screen. */
static void want_widths(const struct tui *t, int *local_want, int *peer_want)
{
	char buf[FMT_ENDPOINT_MAX + 8];

	*local_want = cols[COL_LOCAL].width;
	*peer_want = cols[COL_PEER].width;
	for (int i = 0; i < t->npanes; i++) {
		const struct tpane *p = &t->panes[i];

		for (size_t r = p->p.top; r < p->n && r < p->p.top + p->list_h; r++) {
			int n;

			fmt_flow_local(p->rows[r], buf, sizeof buf);
			n = (int)strlen(buf);
			if (n > *local_want)
				*local_want = n;
			peer_text(t, p->rows[r], buf, sizeof buf);
			n = (int)strlen(buf);
			if (n > *peer_want)
				*peer_want = n;
		}
	}
}

static void draw_row(const struct tui *t, int y, const struct flow *f, int selected)
{
	const struct layout *l = &t->lay;
	char buf[FMT_ENDPOINT_MAX + 8];
	attr_t a = selected ? A_REVERSE : f->idle ? role_attr(t, R_CLOSED) : A_NORMAL;

	if (selected)
		blank_line(y, A_REVERSE);
	for (int c = 0; c < COL_MAX; c++) {
		if (!l->shown[c])
			continue;
		cell_text(t, f, (enum col)c, l, buf, sizeof buf);
		put_cell(t, y, l->x[c], l->w[c], buf, cols[c].right,
			 c == COL_LOCAL ? TR_START : TR_PORT, a);
	}
}

static void draw_colhdr(const struct tui *t, const struct tpane *p, int y)
{
	enum col s1, s2;

	sort_cols(p->sort, p->dir, &s1, &s2);
	for (int c = 0; c < COL_MAX; c++) {
		const char *title = t->totals ? cols[c].total_title : cols[c].title;
		enum role r = (c == (int)s1 || c == (int)s2) ? R_SORTED : R_COLS;

		if (!t->lay.shown[c] || !title[0])
			continue;
		put_cell(t, y, t->lay.x[c], t->lay.w[c], title, cols[c].right, TR_END,
			 role_attr(t, r));
	}
}

static void draw_pane_title(const struct tui *t, const struct tpane *p, int has_focus)
{
	char buf[96], name[32];
	int x;

	rule(t, p->y);
	snprintf(name, sizeof name, " %s ", p->name);
	x = put(p->y, 1, COLS - 1, name, role_attr(t, has_focus ? R_FOCUS : R_TITLE));
	if (p->n == p->total)
		snprintf(buf, sizeof buf, " %zu flow%s ", p->n, p->n == 1 ? "" : "s");
	else
		snprintf(buf, sizeof buf, " %zu of %zu flows ", p->n, p->total);
	x = put(p->y, x + 1, COLS - x - 1, buf, A_NORMAL);
	snprintf(buf, sizeof buf, " sort %s ", sort_label(p->sort));
	x = put(p->y, x + 1, COLS - x - 1, buf, A_NORMAL);
	if (view_sort_descends(p->sort, p->reverse))
		x = put_sym(t, p->y, x, "\u25bc", 'v', A_BOLD);
	else
		x = put_sym(t, p->y, x, "\u25b2", '^', A_BOLD);
	put(p->y, x, 1, " ", A_NORMAL);
}

static const char *empty_text(const struct tui *t, const struct tpane *p)
{
	if (!t->f)
		return "taking the first snapshot...";
	if (p->total)
		return "no flows match the filters (c clears them)";
	return "no flows";
}

static void draw_pane(const struct tui *t, const struct tpane *p, int has_focus)
{
	draw_pane_title(t, p, has_focus);
	if (p->colhdr)
		draw_colhdr(t, p, p->y + 1);
	if (p->n == 0) {
		put(p->list_y, 2, COLS - 2, empty_text(t, p), role_attr(t, R_CLOSED));
		return;
	}
	for (size_t i = 0; i < p->list_h && p->p.top + i < p->n; i++) {
		size_t r = p->p.top + i;

		draw_row(t, p->list_y + (int)i, p->rows[r], has_focus && r == p->p.cursor);
	}
}

/* ---- the connection list ---- */

static void endpoint_text(char *buf, size_t len, int family, const struct ct_addr *a,
			  uint16_t port)
{
	char ps[8];

	snprintf(ps, sizeof ps, "%u", port);
	fmt_endpoint(buf, len, family, a, NULL, ps);
}

static void tuple_text(char *buf, size_t len, int family, const struct ct_tuple *tu)
{
	char a[FMT_ENDPOINT_MAX], b[FMT_ENDPOINT_MAX];

	endpoint_text(a, sizeof a, family, &tu->src, tu->sport);
	endpoint_text(b, sizeof b, family, &tu->dst, tu->dport);
	snprintf(buf, len, "%s -> %s", a, b);
}

/* NAT shows as a reply that is not the mirror of the original direction. */
static int reply_src_moved(const struct ct_entry *e)
{
	return !ct_addr_equal(&e->reply.src, &e->orig.dst) || e->reply.sport != e->orig.dport;
}

static int reply_dst_moved(const struct ct_entry *e)
{
	return !ct_addr_equal(&e->reply.dst, &e->orig.src) || e->reply.dport != e->orig.sport;
}

static int is_natted(const struct ct_entry *e)
{
	return reply_src_moved(e) || reply_dst_moved(e);
}

/* "from B:80" (DNAT: the reply comes from elsewhere), "to A:1024" (SNAT), or both. */
static void nat_text(char *buf, size_t len, const struct ct_entry *e)
{
	char from[FMT_ENDPOINT_MAX], to[FMT_ENDPOINT_MAX];

	endpoint_text(from, sizeof from, e->family, &e->reply.src, e->reply.sport);
	endpoint_text(to, sizeof to, e->family, &e->reply.dst, e->reply.dport);
	if (reply_src_moved(e) && reply_dst_moved(e))
		snprintf(buf, len, "from %s to %s", from, to);
	else if (reply_src_moved(e))
		snprintf(buf, len, "from %s", from);
	else if (reply_dst_moved(e))
		snprintf(buf, len, "to %s", to);
	else
		buf[0] = '\0';
}

static void state_text(char *buf, size_t len, const struct ct_entry *e)
{
	if (e->proto == IPPROTO_TCP && (e->flags & CT_F_STATE))
		snprintf(buf, len, "%s", ct_tcp_state_name(e->tcp_state));
	else if (e->proto == IPPROTO_UDP && !(e->status & CT_STATUS_SEEN_REPLY))
		snprintf(buf, len, "UNREPLIED");
	else if (e->proto == IPPROTO_UDP && (e->status & CT_STATUS_ASSURED))
		snprintf(buf, len, "ASSURED");
	else
		dash(buf, len);
}

static void pair_text(char *buf, size_t len, const struct ct_entry *e, uint64_t o, uint64_t r)
{
	char a[16], b[16];

	if (!(e->flags & CT_F_COUNTERS)) {
		dash(buf, len);
		return;
	}
	fmt_human(a, sizeof a, (double)o);
	fmt_human(b, sizeof b, (double)r);
	snprintf(buf, len, "%s/%s", a, b);
}

static void dcell_text(const struct ct_entry *e, enum dcol c, char *buf, size_t len)
{
	char tmp[8];

	switch (c) {
	case D_PROTO:
		snprintf(buf, len, "%s", fmt_proto(e->proto, tmp, sizeof tmp));
		return;
	case D_ORIG:
		tuple_text(buf, len, e->family, &e->orig);
		return;
	case D_REPLY:
		nat_text(buf, len, e);
		return;
	case D_STATE:
		state_text(buf, len, e);
		return;
	case D_PKTS:
		pair_text(buf, len, e, e->orig.packets, e->reply.packets);
		return;
	case D_BYTES:
		pair_text(buf, len, e, e->orig.bytes, e->reply.bytes);
		return;
	case D_TIMEOUT:
		/* An established TCP entry lives 5 days: hours read better than 431999s. */
		if (e->timeout < 1000)
			snprintf(buf, len, "%us", e->timeout);
		else if (e->timeout < 60000)
			snprintf(buf, len, "%um", e->timeout / 60);
		else
			snprintf(buf, len, "%uh", e->timeout / 3600);
		return;
	case D_ID:
		if (e->flags & CT_F_ID)
			snprintf(buf, len, "%u", e->id);
		else
			dash(buf, len);
		return;
	default:
		buf[0] = '\0';
	}
}

struct dlayout {
	int shown[D_MAX];
	int x[D_MAX], w[D_MAX];
};

static int dlay_sum(const struct dlayout *l)
{
	int s = 0, n = 0;

	for (int c = 0; c < D_MAX; c++)
		if (l->shown[c])
			s += l->w[c] + (n++ ? 2 : 0);
	return s;
}

/*
 * Widths from the rows on screen; the NAT column only when one of them is
 * NATed.  Proto goes first when narrow: the title names the flow's protocol.
 */
static void dlay_out(struct dlayout *l, const struct ct_entry *e, size_t n, int width)
{
	static const enum dcol drops[] = { D_PROTO, D_ID, D_TIMEOUT, D_PKTS, D_BYTES,
					   D_REPLY, D_STATE };
	char buf[2 * FMT_ENDPOINT_MAX + 8];
	int nat = 0, x = 0, k = 0;

	memset(l, 0, sizeof *l);
	for (int c = 0; c < D_MAX; c++) {
		l->shown[c] = 1;
		l->w[c] = (int)strlen(dcol_titles[c]);
	}
	for (size_t i = 0; i < n; i++) {
		nat |= is_natted(&e[i]);
		for (int c = 0; c < D_MAX; c++) {
			int len;

			dcell_text(&e[i], (enum dcol)c, buf, sizeof buf);
			len = (int)strlen(buf);
			if (len > l->w[c])
				l->w[c] = len;
		}
	}
	l->shown[D_REPLY] = nat;
	for (size_t i = 0; i < ARRAY_LEN(drops) && dlay_sum(l) > width; i++)
		l->shown[drops[i]] = 0;
	if (dlay_sum(l) > width)
		l->w[D_ORIG] -= dlay_sum(l) - width;
	if (l->w[D_ORIG] < 1)
		l->w[D_ORIG] = 1;
	for (int c = 0; c < D_MAX; c++) {
		if (!l->shown[c])
			continue;
		x += k++ ? 2 : 0;
		l->x[c] = x;
		x += l->w[c];
	}
}

static void draw_detail_title(const struct tui *t, int y)
{
	struct flow fl;
	char local[64], peer[FMT_ENDPOINT_MAX], buf[FMT_ENDPOINT_MAX + 160], tmp[8];
	const struct mon_frame *df = t->df;
	int x;

	memset(&fl, 0, sizeof fl);
	fl.key = t->dkey;
	fmt_flow_local(&fl, local, sizeof local);
	fmt_flow_peer(&fl, NULL, peer, sizeof peer);
	rule(t, y);
	snprintf(buf, sizeof buf, " Connections of %s %s %s (%s) ", local,
		 fl.key.dir == FLOW_ACTIVE ? "-->" : "<--", peer,
		 fmt_proto(fl.key.proto, tmp, sizeof tmp));
	x = put(y, 1, COLS - 1, buf, role_attr(t, R_FOCUS));
	if (!df)
		return;
	if (df->conns_total > df->nconns)
		snprintf(buf, sizeof buf, " %zu more not listed ", df->conns_total - df->nconns);
	else
		snprintf(buf, sizeof buf, " %zu ", df->nconns);
	put(y, x + 1, COLS - x - 1, buf, A_NORMAL);
}

static void draw_detail(struct tui *t)
{
	const struct mon_frame *df = t->df;
	int y = t->head_lines, bottom = LINES - t->foot_lines, hdr;
	struct dlayout l;
	size_t n, maxtop;

	draw_detail_title(t, y++);
	if (!df) {
		put(y, 2, COLS - 2, "collecting...", role_attr(t, R_CLOSED));
		return;
	}
	if (df->nconns == 0) {
		put(y, 2, COLS - 2, "no connections left: the flow has closed",
		    role_attr(t, R_CLOSED));
		return;
	}
	hdr = bottom - y >= 3;
	t->dlist_h = (size_t)(bottom - y - hdr > 1 ? bottom - y - hdr : 1);
	n = df->nconns;
	maxtop = n > t->dlist_h ? n - t->dlist_h : 0;
	if (t->dtop > maxtop)
		t->dtop = maxtop;
	dlay_out(&l, df->conns + t->dtop, n - t->dtop < t->dlist_h ? n - t->dtop : t->dlist_h,
		 COLS);
	if (hdr) {
		for (int c = 0; c < D_MAX; c++)
			if (l.shown[c])
				put_cell(t, y, l.x[c], l.w[c], dcol_titles[c], 0, TR_END,
					 role_attr(t, R_COLS));
		y++;
	}
	for (size_t i = t->dtop; i < n && y < bottom; i++, y++) {
		char buf[2 * FMT_ENDPOINT_MAX + 8];

		for (int c = 0; c < D_MAX; c++) {
			if (!l.shown[c])
				continue;
			dcell_text(&df->conns[i], (enum dcol)c, buf, sizeof buf);
			put_cell(t, y, l.x[c], l.w[c], buf, 0, TR_END, A_NORMAL);
		}
	}
}

/* ---- the bottom line ---- */

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
		x = put(y, x, COLS - x, h[i][0], role_attr(t, R_KEY));
		x = put(y, x + 1, COLS - x - 1, h[i][1], A_NORMAL) + 2;
	}
}

static void draw_prompt(const struct tui *t)
{
	const struct editor *e = &t->ed;
	const char *label = prompt_labels[t->prompt];
	int y = LINES - 1, lx = (int)strlen(label), room, start = 0;
	char under[2] = { e->pos < e->len ? e->buf[e->pos] : ' ', '\0' };

	if (lx > COLS - 2)
		lx = COLS - 2 > 0 ? COLS - 2 : 0;
	room = COLS - lx - 1;
	/* Scroll the text sideways so the cursor stays on screen. */
	if ((int)e->pos > room)
		start = (int)e->pos - room;
	blank_line(y, A_NORMAL);
	put(y, 0, lx, label, role_attr(t, R_KEY));
	put(y, lx, room, e->buf + start, A_NORMAL);
	put(y, lx + (int)e->pos - start, 1, under, A_REVERSE);
	if (t->perr[0] && y > 0) {
		blank_line(y - 1, A_NORMAL);
		put(y - 1, 0, COLS, t->perr, role_attr(t, R_WARN));
	}
}

static void draw_bottom(const struct tui *t)
{
	int y = LINES - 1;

	if (t->prompt) {
		draw_prompt(t);
		return;
	}
	if (t->msg[0] && mono_now() < t->msg_until) {
		blank_line(y, A_NORMAL);
		put(y, 0, COLS, t->msg, role_attr(t, R_KEY));
		return;
	}
	if (t->foot_lines)
		draw_hints(t, y);
}

/* ---- geometry ---- */

/*
 * Splits the screen: header (2 lines, 1 when short), the panes in halves
 * (each a title line, column titles when there is room, rows), and the
 * bottom line for hints from FULL_LINES up.  Then re-finds each pane's
 * selection for its new height.
 */
static void place(struct tui *t)
{
	int avail, y, colhdr;
	int local_want, peer_want;

	t->head_lines = LINES >= FULL_LINES ? 2 : 1;
	t->foot_lines = LINES >= FULL_LINES ? 1 : 0;
	avail = LINES - t->head_lines - t->foot_lines;
	colhdr = avail >= 3 * t->npanes;
	y = t->head_lines;
	for (int i = 0; i < t->npanes; i++) {
		struct tpane *p = &t->panes[i];
		int h = avail / t->npanes + (i == 0 ? avail % t->npanes : 0);

		p->y = y;
		p->colhdr = colhdr;
		p->list_y = y + 1 + colhdr;
		p->list_h = (size_t)(h - 1 - colhdr > 1 ? h - 1 - colhdr : 1);
		pane_sync(&p->p, p->rows, p->n, p->list_h);
		y += h;
	}
	want_widths(t, &local_want, &peer_want);
	lay_out(&t->lay, COLS, local_want, peer_want);
}

/* Asks for the names of the peers on screen; never waits for them. */
static void want_names(struct tui *t)
{
	t->names_pending = 0;
	if (!t->names || !t->c->resolver)
		return;
	for (int i = 0; i < t->npanes; i++) {
		const struct tpane *p = &t->panes[i];

		for (size_t r = p->p.top; r < p->n && r < p->p.top + p->list_h; r++) {
			const struct flow_key *k = &p->rows[r]->key;

			if (resolver_name(t->c->resolver, k->family, &k->peer))
				continue;
			resolver_want(t->c->resolver, k->family, &k->peer);
			t->names_pending = 1;
		}
	}
}

static void draw_help(const struct tui *t);

static void draw(struct tui *t)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		put(0, 0, COLS, COLS >= 18 ? "terminal too small" : "too small", A_NORMAL);
	} else if (t->mode == MODE_HELP) {
		draw_help(t);
	} else {
		place(t);
		want_names(t);
		draw_header(t);
		if (t->mode == MODE_DETAIL) {
			draw_detail(t);
		} else {
			for (int i = 0; i < t->npanes; i++)
				draw_pane(t, &t->panes[i], i == t->focus);
		}
		draw_bottom(t);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- rows ---- */

static const char *name_of(void *arg, int family, const struct ct_addr *a)
{
	return resolver_name(arg, family, a);
}

static void rebuild_pane(struct tui *t, struct tpane *p)
{
	struct view_opts vo;
	const struct mon_frame *f = t->f;

	p->n = p->total = 0;
	if (!f)
		return;
	if (p->cap < f->nflows) {
		p->cap = f->nflows;
		p->rows = xrealloc(p->rows, p->cap * sizeof *p->rows);
	}
	memset(&vo, 0, sizeof vo);
	vo.dirs = p->dir;
	vo.aport = port_filter_empty(&t->aport) ? NULL : &t->aport;
	vo.pport = port_filter_empty(&t->pport) ? NULL : &t->pport;
	vo.sort = p->sort;
	vo.reverse = p->reverse;
	vo.host = t->host.kind != HOST_FILTER_NONE ? &t->host : NULL;
	if (t->names && t->c->resolver) {
		vo.name_of = name_of;
		vo.name_arg = t->c->resolver;
	}
	p->n = view_build_array(f->flows, f->nflows, &vo, p->rows);
	for (size_t i = 0; i < f->nflows; i++)
		p->total += (1u << f->flows[i].key.dir) == p->dir;
	/* Untouched, a pane shows the top of its order, whatever flow that is now. */
	if (!p->follow)
		pane_init(&p->p);
	pane_sync(&p->p, p->rows, p->n, p->list_h);
}

static void rebuild(struct tui *t)
{
	for (int i = 0; i < t->npanes; i++)
		rebuild_pane(t, &t->panes[i]);
}

/* ---- frames ---- */

static int conn_cmp(const void *x, const void *y)
{
	const struct ct_entry *a = x, *b = y;
	int c = memcmp(a->orig.src.b, b->orig.src.b, sizeof a->orig.src.b);

	if (c)
		return c;
	if (a->orig.sport != b->orig.sport)
		return a->orig.sport < b->orig.sport ? -1 : 1;
	c = memcmp(a->orig.dst.b, b->orig.dst.b, sizeof a->orig.dst.b);
	if (c)
		return c;
	if (a->orig.dport != b->orig.dport)
		return a->orig.dport < b->orig.dport ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Frees fr unless the screen still shows it. */
static void release(struct tui *t, struct mon_frame *fr)
{
	if (fr && fr != t->f && fr != t->df)
		mon_frame_free(fr);
}

/* The connection list is open (perhaps under the help screen). */
static int listing(const struct tui *t)
{
	return t->mode == MODE_DETAIL || (t->mode == MODE_HELP && t->under_help == MODE_DETAIL);
}

/*
 * A good frame replaces the shown one unless paused (the first is always
 * shown), and feeds the connection list when it carries the watched flow.
 */
static void accept_frame(struct tui *t, struct mon_frame *nf)
{
	struct mon_frame *old_f = t->f, *old_df = t->df;

	if (nf->watching && listing(t) && flow_key_equal(&nf->watch, &t->dkey) &&
	    (!t->paused || !t->df)) {
		/* Ordered by tuple so rows keep their place from one frame to the next. */
		if (nf->nconns)
			qsort(nf->conns, nf->nconns, sizeof *nf->conns, conn_cmp);
		t->df = nf;
	}
	if (!t->paused || !t->f) {
		t->f = nf;
		rebuild(t);
	}
	release(t, old_f);
	if (old_df != old_f)
		release(t, old_df);
	release(t, nf);
}

/* Forgets the connection list's frame (freed unless it is also the one shown). */
static void drop_list(struct tui *t)
{
	struct mon_frame *df = t->df;

	t->df = NULL;
	release(t, df);
}

static int take_frame(struct tui *t, char *err, size_t errlen)
{
	struct mon_frame *nf = mon_take(t->m);

	if (!nf)
		return 0;
	if (nf->err) {
		int e = nf->err;

		mon_frame_free(nf);
		if (!t->f) {
			snprintf(err, errlen, "cannot read the conntrack table: %s", strerror(e));
			errno = e;
			return -1;
		}
		t->err = e;
		return 0;
	}
	t->err = 0;
	accept_frame(t, nf);
	return 0;
}

/* ---- key handlers: change state, return K_* flags, never draw ---- */

struct key_cmd {
	int keys[8];		/* 0 ends the list early */
	unsigned where;		/* IN_MAIN, IN_DETAIL */
	const char *name;	/* as the help shows it; NULL: told by the entry before */
	const char *help;
	unsigned (*fn)(struct tui *t, long arg);
	long arg;
};

#define IN_MAIN   1u
#define IN_DETAIL 2u

static struct tpane *focused(struct tui *t)
{
	return &t->panes[t->focus];
}

static unsigned k_quit(struct tui *t, long arg)
{
	(void)t;
	(void)arg;
	return K_QUIT;
}

static unsigned k_help(struct tui *t, long arg)
{
	(void)arg;
	t->under_help = t->mode;
	t->mode = MODE_HELP;
	return 0;
}

static unsigned k_focus(struct tui *t, long arg)
{
	(void)arg;
	if (t->npanes > 1)
		t->focus = !t->focus;
	return 0;
}

static long page_of(size_t h, long arg)
{
	long page = h > 1 ? (long)h - 1 : 1;

	if (arg == MOVE_PGUP)
		return -page;
	if (arg == MOVE_PGDN)
		return page;
	return arg;
}

static unsigned k_move(struct tui *t, long arg)
{
	struct tpane *p = focused(t);

	pane_move(&p->p, page_of(p->list_h, arg), p->rows, p->n, p->list_h);
	/* Back on the first row, the pane goes back to showing the top. */
	p->follow = p->p.cursor != 0;
	return 0;
}

/* The next sort step (dir +1/-1) whose columns are on screen. */
static unsigned k_sort(struct tui *t, long dir)
{
	struct tpane *p = focused(t);
	const struct sort_step *cur = sort_step_of(p->sort);
	long n = (long)ARRAY_LEN(sort_steps);
	long i = cur ? cur - sort_steps : 0;

	for (long k = 0; k < n; k++) {
		enum view_sort s;
		enum col c1, c2;

		i = ((i + dir) % n + n) % n;
		s = t->totals ? sort_steps[i].total : sort_steps[i].rate;
		sort_cols(s, p->dir, &c1, &c2);
		if (t->lay.shown[c1] || t->lay.shown[c2]) {
			p->sort = s;
			/* As in htop: a re-sort asked for keeps the selected flow in view. */
			p->follow |= p->p.has_sel;
			return K_REBUILD;
		}
	}
	return 0;
}

static unsigned k_reverse(struct tui *t, long arg)
{
	struct tpane *p = focused(t);

	(void)arg;
	p->reverse = !p->reverse;
	p->follow |= p->p.has_sel;
	return K_REBUILD;
}

static unsigned k_prompt(struct tui *t, long kind)
{
	struct editor *e = &t->ed;

	t->prompt = (enum prompt_kind)kind;
	if (kind == PROMPT_APORT)
		port_filter_str(&t->aport, e->buf, sizeof e->buf);
	else if (kind == PROMPT_PPORT)
		port_filter_str(&t->pport, e->buf, sizeof e->buf);
	else
		fmt_escape(t->host.kind != HOST_FILTER_NONE ? t->host.text : "", e->buf,
			   sizeof e->buf);
	e->len = e->pos = strlen(e->buf);
	t->perr[0] = '\0';
	return 0;
}

static unsigned k_clear(struct tui *t, long arg)
{
	(void)arg;
	port_filter_clear(&t->aport);
	port_filter_clear(&t->pport);
	memset(&t->host, 0, sizeof t->host);
	set_msg(t, "filters cleared");
	return K_REBUILD;
}

static unsigned k_names(struct tui *t, long arg)
{
	(void)arg;
	if (!t->c->resolver) {
		set_msg(t, "names off (-n)");
		return 0;
	}
	t->names = !t->names;
	set_msg(t, "%s", t->names ? "peer names" : "numeric addresses");
	return K_REBUILD;
}

static unsigned k_totals(struct tui *t, long arg)
{
	(void)arg;
	t->totals = !t->totals;
	for (int i = 0; i < t->npanes; i++)
		t->panes[i].sort = sort_for_mode(t->panes[i].sort, t->totals);
	focused(t)->follow |= focused(t)->p.has_sel;
	set_msg(t, "%s", t->totals ? "totals since first seen" : "rates per second");
	return K_REBUILD;
}

static unsigned k_pause(struct tui *t, long arg)
{
	(void)arg;
	t->paused = !t->paused;
	/* A fresh frame at once, not one interval later. */
	if (!t->paused)
		mon_wake(t->m);
	return 0;
}

static unsigned k_interval(struct tui *t, long dir)
{
	static const double steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60 };
	double cur = mon_period(t->m), to = cur;
	char txt[32];

	if (dir > 0) {
		for (size_t i = 0; i < ARRAY_LEN(steps) && to == cur; i++)
			if (steps[i] > cur + 1e-9)
				to = steps[i];
	} else {
		for (size_t i = ARRAY_LEN(steps); i-- > 0 && to == cur;)
			if (steps[i] < cur - 1e-9)
				to = steps[i];
	}
	if (to != cur) {
		mon_set_period(t->m, to);
		mon_wake(t->m);
	}
	interval_text(txt, sizeof txt, to);
	set_msg(t, "every %s", txt);
	return 0;
}

static unsigned k_open(struct tui *t, long arg)
{
	struct tpane *p = focused(t);

	(void)arg;
	if (p->n == 0)
		return 0;
	drop_list(t);
	t->dkey = p->rows[p->p.cursor]->key;
	t->dtop = 0;
	t->mode = MODE_DETAIL;
	mon_watch(t->m, &t->dkey);
	mon_wake(t->m);
	return 0;
}

static unsigned k_close(struct tui *t, long arg)
{
	(void)arg;
	mon_watch(t->m, NULL);
	t->mode = MODE_MAIN;
	drop_list(t);
	return 0;
}

static unsigned k_scroll(struct tui *t, long arg)
{
	long d = page_of(t->dlist_h, arg);

	if (arg == PANE_HOME)
		t->dtop = 0;
	else if (arg == PANE_END)
		t->dtop = SIZE_MAX;	/* clamped when drawn */
	else if (d < 0)
		t->dtop = (size_t)-d > t->dtop ? 0 : t->dtop - (size_t)-d;
	else
		t->dtop += (size_t)d;
	if (t->df && t->dtop > t->df->nconns)
		t->dtop = t->df->nconns;
	return 0;
}

static unsigned k_repaint(struct tui *t, long arg)
{
	(void)t;
	(void)arg;
	clearok(curscr, TRUE);
	return 0;
}

static const struct key_cmd key_cmds[] = {
	{ { 'q' }, IN_MAIN | IN_DETAIL, "q", "quit", k_quit, 0 },
	{ { '?', 'h' }, IN_MAIN | IN_DETAIL, "? h", "this help", k_help, 0 },
	{ { '\t', KEY_BTAB }, IN_MAIN, "Tab", "switch between the Active and Passive panes",
	  k_focus, 0 },
	{ { KEY_UP, 'k' }, IN_MAIN, "Up Down k j", "select the previous / next flow", k_move, -1 },
	{ { KEY_DOWN, 'j' }, IN_MAIN, NULL, NULL, k_move, 1 },
	{ { KEY_PPAGE }, IN_MAIN, "PgUp PgDn", "a page up / down", k_move, MOVE_PGUP },
	{ { KEY_NPAGE }, IN_MAIN, NULL, NULL, k_move, MOVE_PGDN },
	{ { KEY_HOME, 'g' }, IN_MAIN, "Home End", "the first / last flow", k_move, PANE_HOME },
	{ { KEY_END, 'G' }, IN_MAIN, NULL, NULL, k_move, PANE_END },
	{ { '<' }, IN_MAIN, "< > s", "sort by the column on the left / right", k_sort, -1 },
	{ { '>', 's' }, IN_MAIN, NULL, NULL, k_sort, 1 },
	{ { 'r' }, IN_MAIN, "r", "reverse the order", k_reverse, 0 },
	{ { 'a' }, IN_MAIN, "a", "Active: only these peer ports (443,8000-8099,!22)",
	  k_prompt, PROMPT_APORT },
	{ { 'p' }, IN_MAIN, "p", "Passive: only these local ports", k_prompt, PROMPT_PPORT },
	{ { '/' }, IN_MAIN, "/", "only peers: address, prefix (10.0.0.0/8) or text",
	  k_prompt, PROMPT_HOST },
	{ { 'c' }, IN_MAIN, "c", "clear all filters", k_clear, 0 },
	{ { 'n' }, IN_MAIN, "n", "peer names / numeric addresses", k_names, 0 },
	{ { 't' }, IN_MAIN, "t", "totals since first seen / rates per second", k_totals, 0 },
	{ { ' ' }, IN_MAIN | IN_DETAIL, "space", "pause / resume the display", k_pause, 0 },
	{ { '+', '=' }, IN_MAIN | IN_DETAIL, "+ -", "refresh less / more often", k_interval, 1 },
	{ { '-' }, IN_MAIN | IN_DETAIL, NULL, NULL, k_interval, -1 },
	{ { '\r', '\n', KEY_ENTER }, IN_MAIN, "Enter", "list the connections of the flow",
	  k_open, 0 },
	{ { KEY_CTRL('l') }, IN_MAIN | IN_DETAIL, "Ctrl-L", "repaint the screen", k_repaint, 0 },
	{ { KEY_ESC, '\r', '\n', KEY_ENTER, KEY_BACKSPACE, 127, 8, KEY_LEFT }, IN_DETAIL,
	  "Esc Left", "back to the flows (also Enter, Backspace)", k_close, 0 },
	{ { KEY_UP, 'k' }, IN_DETAIL, "Up Down k j", "scroll (also PgUp PgDn Home End)",
	  k_scroll, -1 },
	{ { KEY_DOWN, 'j' }, IN_DETAIL, NULL, NULL, k_scroll, 1 },
	{ { KEY_PPAGE }, IN_DETAIL, NULL, NULL, k_scroll, MOVE_PGUP },
	{ { KEY_NPAGE }, IN_DETAIL, NULL, NULL, k_scroll, MOVE_PGDN },
	{ { KEY_HOME, 'g' }, IN_DETAIL, NULL, NULL, k_scroll, PANE_HOME },
	{ { KEY_END, 'G' }, IN_DETAIL, NULL, NULL, k_scroll, PANE_END },
};

static const size_t nkey_cmds = ARRAY_LEN(key_cmds);

static const struct key_cmd *find_cmd(enum tui_mode mode, int ch)
{
	unsigned where = mode == MODE_DETAIL ? IN_DETAIL : IN_MAIN;

	for (size_t i = 0; i < nkey_cmds; i++) {
		if (!(key_cmds[i].where & where))
			continue;
		for (size_t k = 0; k < ARRAY_LEN(key_cmds[i].keys) && key_cmds[i].keys[k]; k++)
			if (key_cmds[i].keys[k] == ch)
				return &key_cmds[i];
	}
	return NULL;
}

/* ---- help ---- */

static void draw_help(const struct tui *t)
{
	static const char *const legend[] = {
		"Active: flows this host opened; Passive: flows peers opened to a local port.",
		"In: what the peer sent, Out: what this host sent; -x> <x-: a closed flow.",
	};
	int y = 0;

	/* 80x24 holds it all, so no line is spent on spacing. */
	put(y++, 0, COLS, "lsconntrack monitor - Keys (any key returns)", role_attr(t, R_TITLE));
	for (unsigned pass = IN_MAIN; pass <= IN_DETAIL; pass <<= 1) {
		if (pass == IN_DETAIL)
			put(y++, 0, COLS, "In the connection list (Enter):", role_attr(t, R_TITLE));
		for (size_t i = 0; i < nkey_cmds; i++) {
			const struct key_cmd *k = &key_cmds[i];

			/* Keys that work in both places are listed once, with the flows. */
			if (!k->name || (pass == IN_MAIN && !(k->where & IN_MAIN)) ||
			    (pass == IN_DETAIL && k->where != IN_DETAIL))
				continue;
			put(y, 2, COLS - 2, k->name, role_attr(t, R_KEY));
			put(y++, 17, COLS - 17, k->help, A_NORMAL);
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(legend); i++)
		put(y++, 0, COLS, legend[i], role_attr(t, R_CLOSED));
}

/* ---- the prompt ---- */

enum { ED_GOING, ED_DONE, ED_CANCEL };

static int ed_key(struct editor *e, int ch)
{
	switch (ch) {
	case KEY_ESC:
		return ED_CANCEL;
	case '\r':
	case '\n':
	case KEY_ENTER:
		return ED_DONE;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (e->pos == 0)
			break;
		memmove(e->buf + e->pos - 1, e->buf + e->pos, e->len - e->pos + 1);
		e->pos--;
		e->len--;
		break;
	case KEY_DC:
		if (e->pos == e->len)
			break;
		memmove(e->buf + e->pos, e->buf + e->pos + 1, e->len - e->pos);
		e->len--;
		break;
	case KEY_LEFT:
		e->pos -= e->pos > 0;
		break;
	case KEY_RIGHT:
		e->pos += e->pos < e->len;
		break;
	case KEY_HOME:
	case KEY_CTRL('a'):
		e->pos = 0;
		break;
	case KEY_END:
	case KEY_CTRL('e'):
		e->pos = e->len;
		break;
	case KEY_CTRL('u'):
		memmove(e->buf, e->buf + e->pos, e->len - e->pos + 1);
		e->len -= e->pos;
		e->pos = 0;
		break;
	default:
		/* Filters are ASCII; multibyte input arrives as bytes >= 0x80 and is refused. */
		if (ch < 0x20 || ch >= 0x7f || e->len + 1 >= sizeof e->buf)
			break;
		memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos + 1);
		e->buf[e->pos++] = (char)ch;
		e->len++;
	}
	return ED_GOING;
}

static int blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static int apply_ports(struct tui *t, struct port_filter *pf, char *err, size_t errlen)
{
	struct port_filter nf;

	port_filter_init(&nf);
	if (!blank(t->ed.buf) && port_filter_parse(&nf, t->ed.buf, err, errlen) < 0) {
		port_filter_fini(&nf);
		return -1;
	}
	port_filter_fini(pf);
	*pf = nf;
	return 0;
}

static int apply_host(struct tui *t, char *err, size_t errlen)
{
	struct host_filter hf;

	memset(&hf, 0, sizeof hf);
	if (!blank(t->ed.buf) && host_filter_parse(&hf, t->ed.buf, err, errlen) < 0)
		return -1;
	t->host = hf;
	return 0;
}

/* Enter: a refused text keeps the prompt open with the reason above it. */
static unsigned prompt_apply(struct tui *t)
{
	char err[200] = "";
	int rc;

	if (t->prompt == PROMPT_APORT)
		rc = apply_ports(t, &t->aport, err, sizeof err);
	else if (t->prompt == PROMPT_PPORT)
		rc = apply_ports(t, &t->pport, err, sizeof err);
	else
		rc = apply_host(t, err, sizeof err);
	if (rc < 0) {
		fmt_escape(err[0] ? err : "invalid filter", t->perr, sizeof t->perr);
		return 0;
	}
	t->prompt = PROMPT_NONE;
	return K_REBUILD;
}

static unsigned prompt_key(struct tui *t, int ch)
{
	switch (ed_key(&t->ed, ch)) {
	case ED_CANCEL:
		t->prompt = PROMPT_NONE;
		return 0;
	case ED_DONE:
		return prompt_apply(t);
	default:
		return 0;
	}
}

static unsigned on_key(struct tui *t, int ch)
{
	const struct key_cmd *k;

	if (ch == KEY_RESIZE || ch == KEY_MOUSE)
		return 0;
	t->msg[0] = '\0';
	t->perr[0] = '\0';
	if (t->mode == MODE_HELP) {
		t->mode = t->under_help;
		return 0;
	}
	if (t->prompt)
		return prompt_key(t, ch);
	k = find_cmd(t->mode, ch);
	if (k)
		return k->fn(t, k->arg);
	if (ch >= 0x20 && ch < 0x7f)
		set_msg(t, "? for help");
	return 0;
}

/* Every key waiting, each acted on at once so the next one sees its effect. */
static unsigned drain_keys(struct tui *t)
{
	unsigned r = 0;
	int ch;

	while (!*t->c->signalled && (ch = getch()) != ERR) {
		unsigned k = on_key(t, ch);

		if (k & K_REBUILD)
			rebuild(t);
		r |= k;
		if (r & K_QUIT)
			break;
	}
	return r;
}

/* ---- the loop ---- */

static int poll_timeout(struct tui *t)
{
	double since;

	if (!t->f || t->names_pending || t->msg[0] || mon_busy(t->m, &since))
		return POLL_FAST_MS;
	return POLL_SLOW_MS;
}

static int loop(struct tui *t, char *err, size_t errlen)
{
	const struct tui_config *c = t->c;

	for (;;) {
		struct pollfd fds[3];
		nfds_t n = 0;
		int mon_at = -1;

		if (*c->signalled)
			return 0;
		if (t->msg[0] && mono_now() >= t->msg_until)
			t->msg[0] = '\0';
		draw(t);
		fds[n].fd = t->in_fd;
		fds[n++].events = POLLIN;
		if (!t->mon_gone) {
			mon_at = (int)n;
			fds[n].fd = mon_fd(t->m);
			fds[n++].events = POLLIN;
		}
		if (c->sig_fd >= 0) {
			fds[n].fd = c->sig_fd;
			fds[n++].events = POLLIN;
		}
		if (poll(fds, n, poll_timeout(t)) < 0 && errno != EINTR) {
			snprintf(err, errlen, "cannot wait for input: %s", strerror(errno));
			return -1;
		}
		if (*c->signalled)
			return 0;
		/* The terminal went away without a SIGHUP: nobody is left to watch. */
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			return 0;
		if (mon_at >= 0 && fds[mon_at].revents) {
			if (take_frame(t, err, errlen) < 0)
				return -1;
			if (fds[mon_at].revents & (POLLHUP | POLLERR | POLLNVAL))
				t->mon_gone = 1;
		}
		if (drain_keys(t) & K_QUIT)
			return 0;
	}
}

/* ---- setup and teardown ---- */

static void tui_init(struct tui *t, struct monitor *m, const struct tui_config *c)
{
	static const struct {
		const char *name;
		unsigned dir;
	} kinds[] = { { "Active", VIEW_ACTIVE }, { "Passive", VIEW_PASSIVE } };
	enum view_sort s = c->sort;

	memset(t, 0, sizeof *t);
	t->m = m;
	t->c = c;
	port_filter_copy(&t->aport, c->aport);
	port_filter_copy(&t->pport, c->pport);
	t->names = !c->numeric && c->resolver;
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		struct tpane *p;

		if (!(c->dirs & kinds[i].dir) && c->dirs)
			continue;
		p = &t->panes[t->npanes++];
		p->name = kinds[i].name;
		p->dir = kinds[i].dir;
		p->sort = s;
		p->reverse = c->reverse;
		p->list_h = 1;
		pane_init(&p->p);
	}
	t->in_fd = STDIN_FILENO;
}

static void tui_fini(struct tui *t)
{
	struct mon_frame *f = t->f, *df = t->df;

	t->f = t->df = NULL;
	if (f)
		mon_frame_free(f);
	if (df && df != f)
		mon_frame_free(df);
	for (int i = 0; i < t->npanes; i++)
		free(t->panes[i].rows);
	port_filter_fini(&t->aport);
	port_filter_fini(&t->pport);
}

static int no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v && v[0];
}

static void start_colours(struct tui *t)
{
	short bg = -1;

	if (!has_colors() || no_color() || start_color() == ERR)
		return;
	if (use_default_colors() == ERR)
		bg = COLOR_BLACK;
	for (int r = 0; r < R_MAX; r++)
		if (roles[r].fg >= 0)
			init_pair((short)r, roles[r].fg, bg);
	t->colour = 1;
}

/*
 * Keys come from stdin, or from /dev/tty when stdin carries the table
 * (conntrack -L | lsconntrack --stdin).
 */
static int screen_start(struct tui *t, char *err, size_t errlen)
{
	FILE *in = stdin;
	const char *cs = nl_langinfo(CODESET);

	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the monitor needs a terminal on standard output");
		errno = ENOTTY;
		return -1;
	}
	if (!isatty(STDIN_FILENO)) {
		t->tty = fopen("/dev/tty", "re");
		if (!t->tty) {
			snprintf(err, errlen, "the monitor needs a terminal for keys: %s",
				 strerror(errno));
			return -1;
		}
		in = t->tty;
		t->in_fd = fileno(t->tty);
	}
	t->scr = newterm(NULL, stdout, in);
	if (!t->scr) {
		snprintf(err, errlen, "cannot start the screen: unknown terminal type (TERM)");
		if (t->tty)
			fclose(t->tty);
		errno = ENOTTY;
		return -1;
	}
	set_term(t->scr);
	screen_up = 1;
	util_set_fatal_hook(restore_terminal);
	t->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* Esc closes things: do not wait the default second for a sequence after it. */
	set_escdelay(25);
	curs_set(0);
	start_colours(t);
	return 0;
}

static void screen_stop(struct tui *t)
{
	endwin();
	screen_up = 0;
	util_set_fatal_hook(NULL);
	delscreen(t->scr);
	if (t->tty)
		fclose(t->tty);
}

int tui_run(struct monitor *m, const struct tui_config *c, char *err, size_t errlen)
{
	struct tui t;
	int rc, saved;

	tui_init(&t, m, c);
	if (screen_start(&t, err, errlen) < 0) {
		saved = errno;
		tui_fini(&t);
		errno = saved;
		return -1;
	}
	rc = loop(&t, err, errlen);
	saved = errno;
	screen_stop(&t);
	tui_fini(&t);
	errno = saved;
	return rc;
}
