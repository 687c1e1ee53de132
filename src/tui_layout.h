/*
 * tui_layout.h - the monitor's geometry, private to src/tui*.c: the flow
 * columns (one table), and how columns, header segments and the screen's
 * lines are fitted into a width and height.  Pure arithmetic on widths: no
 * curses, so tests/unit/test_tui_layout.c tests it without a terminal.
 */
#ifndef LSCT_TUI_LAYOUT_H
#define LSCT_TUI_LAYOUT_H

#include <stddef.h>

#include "lsct.h"
#include "view.h"

#define LAYOUT_MIN_COLS		20	/* below either: "terminal too small" */
#define LAYOUT_MIN_LINES	5
#define LAYOUT_FULL_LINES	10	/* from here: two header lines and the key hints */
#define LAYOUT_PEER_CAP		32	/* Peer width that optional columns make room for */
#define LAYOUT_PEER_FLOOR	16	/* Peer narrows to this before In/s and Out/s go */
#define LAYOUT_TIGHT_ARROW	3	/* the arrow without its spaces */
#define LAYOUT_LOCAL_FLOOR	6	/* Local keeps this much on a very narrow screen */
#define LAYOUT_SEG_GAP		2	/* blanks between header segments */
#define LAYOUT_CONN_GAP		2	/* blanks between columns of the connection list */
#define LAYOUT_OWNER_CAP	24	/* Owner's widest: longer names are cut */
#define LAYOUT_PROC_CAP		24	/* Process's widest (-P) */

struct tui;
struct flow;
struct flow_layout;

/* Columns of a flow row, in screen order; each one row of layout_cols[]. */
enum col { COL_LOCAL, COL_ARROW, COL_PEER, COL_CONNS, COL_IN, COL_OUT,
	   COL_INPKT, COL_OUTPKT, COL_NEW, COL_CLOSED, COL_RTT, COL_RETR, COL_TREND, COL_OWNER,
	   COL_PROC, COL_MAX };

/*
 * When a column goes as the screen narrows: DROP_EARLY ones before Peer
 * narrows to LAYOUT_PEER_FLOOR, DROP_LATE ones after; within a stage, by
 * drop_rank, lowest first (Trend's 0 before every other).
 */
enum col_drop { DROP_NEVER, DROP_EARLY, DROP_LATE };

/* No sort of its own (the arrow). */
#define COL_NO_SORT	VIEW_SORT_MAX

struct col_def {
	const char *title;	/* with rates */
	const char *total_title; /* with totals (t) */
	int width;		/* cells; Local and Peer grow with their text */
	int sep;		/* blank cells before it */
	int right;		/* numbers are right-aligned */
	enum col_drop drop;
	int drop_rank;
	/* The < > sort steps it marks, as a rate and as a total (t pairs them). */
	enum view_sort sort_rate, sort_total;	/* this column alone */
	enum view_sort pair_rate, pair_total;	/* with the next one, before its own */
	/* The cell's text (tui_flows.c). */
	void (*text)(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len);
};

extern const struct col_def layout_cols[COL_MAX];

/* tui_flows.c: the texts of layout_cols (curses-free too). */
void flows_local_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len);
void flows_arrow_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len);
void flows_peer_cell(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len);
void flows_conns_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len);
void flows_in_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		   char *buf, size_t len);
void flows_out_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		    char *buf, size_t len);
void flows_inpkt_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len);
void flows_outpkt_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		       char *buf, size_t len);
void flows_new_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		    char *buf, size_t len);
void flows_closed_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		       char *buf, size_t len);
void flows_owner_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len);
/* UTF-8 block characters when t->utf8 and colour: drawn by cells, not bytes. */
void flows_trend_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		      char *buf, size_t len);
void flows_rtt_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		    char *buf, size_t len);
void flows_retr_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len);
void flows_proc_text(const struct tui *t, const struct flow *f, const struct flow_layout *l,
		     char *buf, size_t len);

struct flow_layout {
	int shown[COL_MAX];
	int x[COL_MAX], w[COL_MAX];
	int tight;		/* arrow without its spaces: the screen is very narrow */
};

/* Nonzero when the screen cannot hold the monitor at all. */
int layout_too_small(int cols, int lines);

/*
 * Fits the flow columns in width, given the natural widths of Local and
 * Peer over the rows on screen.
 */
void layout_flows(struct flow_layout *l, int width, int local_want, int peer_want);
/*
 * The same with the Owner column when owner_want > 0 (the widest owner
 * text on screen; 0 when every flow is the viewed namespace's): it is last,
 * at most LAYOUT_OWNER_CAP wide, and goes first on a narrow screen.
 */
void layout_flows_owner(struct flow_layout *l, int width, int local_want, int peer_want,
			int owner_want);
/*
 * The same with the optional columns: Trend when trend (the T key:
 * TREND_N cells, before Owner, the first column to go on a narrow screen);
 * with -P the Process column when proc_want > 0 (the widest process text on
 * screen, at most LAYOUT_PROC_CAP; it is last and goes next) and the RTT
 * and Retr/s columns when health (they go before In/s and Out/s).
 */
void layout_flows_ext(struct flow_layout *l, int width, int local_want, int peer_want,
		      int owner_want, int proc_want, int health, int trend);

/* Lines of the screen: header, panes (title, column titles, rows) and bottom line. */
struct screen_layout {
	int head_lines, foot_lines;
	int colhdr;		/* panes have a line of column titles */
	int pane_y[3], list_y[3];
	size_t list_h[3];	/* rows shown, at least 1 */
};

void layout_screen(struct screen_layout *s, int lines, int npanes);

/* Columns of the connection list. */
enum conn_col { CONN_PROTO, CONN_ORIG, CONN_ZONE, CONN_REPLY, CONN_STATE, CONN_PKTS,
		CONN_BYTES, CONN_AGE, CONN_TIMEOUT, CONN_ID, CONN_MAX };

extern const char *const layout_conn_titles[CONN_MAX];

struct conn_layout {
	int shown[CONN_MAX];
	int x[CONN_MAX], w[CONN_MAX];
};

/*
 * Fits the connection list in width: want[c] is the widest text of column c
 * on screen (the titles count too); the NAT column only when nat, the Age
 * column only when ages (a row on screen has its creation time), the Zone
 * column only when want[CONN_ZONE] > 0 (the caller leaves it 0 when every
 * row on screen is in zone 0).
 */
void layout_conns(struct conn_layout *l, const int *want, int nat, int ages, int width);

/* ---- the header: segments that drop by priority as the width shrinks ---- */

#define SEG_TEXT_MAX	200
#define SEG_BRIEF_MAX	48
#define SEGS_MAX	24	/* every segment the header can have at once: 23 */

struct seg {
	char text[SEG_TEXT_MAX];
	char brief[SEG_BRIEF_MAX];	/* shorter text tried before it goes; "" none */
	int role;	/* enum role of tui_int.h */
	int line;	/* 0 or 1 of a two-line header */
	int prio;	/* 0 stays longest */
	int shown;
};

struct segs {
	struct seg s[SEGS_MAX];
	int n;
};

void layout_seg_add(struct segs *ss, int line, int prio, int role, const char *fmt, ...)
	LSCT_PRINTF(5, 6);
/* A shorter text for the segment added last (cut to SEG_BRIEF_MAX - 1). */
void layout_seg_brief(struct segs *ss, const char *text);
/*
 * Fits the segments of line (-1: all) in width by dropping the least
 * important (highest prio; of equals, the last) one at a time; before one
 * goes, the segments of its prio that have a brief text take it.
 */
void layout_seg_fit(struct segs *ss, int line, int width);

#endif
