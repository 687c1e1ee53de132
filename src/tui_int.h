/*
 * tui_int.h - what the files of the monitor share, private to src/tui*.c:
 * the state (struct tui, struct tpane), the enums and the functions each
 * file offers the others, grouped by file.  Function prefixes name the
 * file: tui_ (tui.c), cell_, header_, flows_, conns_, keys_, layout_.
 */
#ifndef LSCT_TUI_INT_H
#define LSCT_TUI_INT_H

#include <curses.h>
#include <stddef.h>

#include "fmt.h"
#include "lineedit.h"
#include "lsct.h"
#include "pane.h"
#include "tui.h"
#include "tui_layout.h"
#include "replay.h"
#include "tui_trend.h"

#define MSG_SECS	3.0	/* a note on the bottom line stays this long */
#define MIN_RATE_INTERVAL 0.05	/* s; shorter (after mon_wake) is noise, not a rate */
#define MIN_PERIOD	0.1	/* s; the shortest refresh period of the screen (-d, + -) */
#define KEY_ESC		27
#define KEY_CTRL(c)	((c) & 0x1f)

/* Colours only decorate: the attributes alone must tell everything. */
enum role { R_PLAIN, R_HOST, R_WARN, R_FLAG, R_TITLE, R_FOCUS, R_COLS, R_SORTED,
	    R_CLOSED, R_KEY, R_MAX };

struct role_def {
	short fg;	/* -1: no colour */
	attr_t attr;
};

enum tui_mode { MODE_MAIN, MODE_DETAIL, MODE_HELP };
enum prompt_kind { PROMPT_NONE, PROMPT_APORT, PROMPT_PPORT, PROMPT_HOST, PROMPT_OWNER,
		   PROMPT_TIME };

/* How put_cell cuts a text too long for its cell. */
enum trunc { TR_END, TR_START, TR_PORT };

/*
 * Where frames come from: the live monitor (tui.c, over monitor.h) or a
 * recording (tui_replay.c, over replay.h).  The screen asks only this.
 */
struct tui_feed {
	int (*fd)(void *arg);		/* readable when a frame waits; -1: ask take() each turn */
	struct mon_frame *(*take)(void *arg, struct mon_frame *spare);
	int (*busy)(void *arg, double *since);
	double (*period)(void *arg);
	void (*set_period)(void *arg, double seconds);
	void (*wake)(void *arg);
	void (*show)(void *arg, const struct flow_key *keys, size_t n);
	void (*watch)(void *arg, const struct flow_key *k);
	void (*server_ports)(void *arg, const struct port_filter *pf);
	int (*owner)(void *arg, uint32_t id, struct owner_label *out);
	int (*route)(void *arg, uint32_t id, struct flow_route *out);
	void *arg;
};

struct tui_replay;

/* A pane of flows of one direction (struct pane is its cursor). */
struct tpane {
	const char *name;	/* "Active", "Passive", "Routed" */
	unsigned dir;		/* VIEW_ACTIVE, VIEW_PASSIVE or VIEW_ROUTED */
	enum view_sort sort;
	int reverse;
	/*
	 * Numbers of the shown frame's flows (view_build_index(): 4 bytes a
	 * row, not a pointer's 8); tpane_row() gives the flow.
	 */
	uint32_t *rows;
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
	struct monitor *m;	/* live; NULL when replaying */
	struct tui_feed feed;
	struct tui_replay *rp;	/* replaying: its position and keys (tui_replay.c); else NULL */
	const struct tui_config *c;
	struct mon_frame *f;	/* shown; NULL before the first */
	struct mon_frame *list_frame; /* newest with the watched flow's connections */
	int err;		/* errno of the newest snapshot, 0 when it worked */
	int mon_gone;		/* the frame pipe hung up: stop polling it */
	struct port_filter aport, pport;
	struct host_filter host;
	struct owner_filter owner;	/* o, --owner */
	/*
	 * The Routed pane, when there is one, is the last of all (panes[npanes_all
	 * - 1]); npanes counts the panes on screen, so a hidden Routed pane is
	 * just past them, still rebuilt with every frame (tui_rebuild()).
	 */
	struct tpane panes[3];
	int npanes, focus;
	int npanes_all;
	int routed;		/* a Routed pane exists */
	int routed_show;	/* -1: when it has flows; 0: hidden; 1: shown (the R key) */
	int names, totals, paused;
	int show_procs, show_health;	/* -P: the Process column (P), RTT and Retr/s (T) */
	enum tui_mode mode, under_help;
	struct flow_key watched;	/* MODE_DETAIL: the flow whose connections are listed */
	size_t list_top;	/* first connection shown */
	size_t list_rows;	/* connections the list shows at once */
	enum prompt_kind prompt;
	struct lineedit ed;
	char perr[200];		/* why the prompt's text was refused; until a key */
	char msg[160];		/* a short note on the bottom line */
	/* D: the question asked (y/n), then the request under way (mon_delete()). */
	int confirm;		/* the question is on the bottom line */
	int del_flow;		/* del_key's entries; else the connection del_conn */
	struct flow_key del_key;
	struct ct_entry del_conn;
	char del_q[2 * FMT_ENDPOINT_MAX + 64];
	int del_pending;	/* asked of the monitor, its answer not seen yet */
	double msg_until;
	int names_pending;	/* shown peers without a name yet: poll fast */
	int utf8, colour;
	int head_lines, foot_lines;
	struct flow_layout lay;	/* of the last draw: which columns < > can pick */
	/* Rates of the last TREND_N dumps shown (tui_trend.h); the Trend column (T). */
	struct trend *trend;
	int trend_on;
	uint64_t trend_seq;	/* the frame fed last */
	/* The flows on screen the monitor was last told of (mon_show), and spare room. */
	struct flow_key *shown, *shown_next;
	size_t nshown, shown_cap;
	SCREEN *scr;
};

/* Row r of pane p: a flow of the shown frame (rows exist only while there is one). */
static inline const struct flow *tpane_row(const struct tui *t, const struct tpane *p, size_t r)
{
	return &t->f->flows[p->rows[r]];
}

/* The shown frame's flows, for pane_sync() and pane_move() (NULL before the first). */
static inline const struct flow *tui_flows(const struct tui *t)
{
	return t->f ? t->f->flows : NULL;
}

/* What a key handler asks of the loop. */
#define K_REBUILD 1u
#define K_QUIT    2u

/* tui_flows.c: owner labels for views (mon_owner()). */
int tui_owner_cb(void *arg, uint32_t id, struct owner_label *out);
/* A routed flow's client and NAT for views (mon_route()). */
int tui_route_cb(void *arg, uint32_t id, struct flow_route *out);
int flows_owner_want(const struct tui *t);
/* -P: the widest Process text on screen; 0 when the column is off. */
int flows_proc_want(const struct tui *t);

/* tui.c */
void tui_rebuild(struct tui *t);
void tui_place_routed(struct tui *t);
int tui_listing(const struct tui *t);
void tui_drop_list(struct tui *t);

/* tui_cell.c */
extern const struct role_def cell_roles[R_MAX];
attr_t cell_attr(const struct tui *t, enum role r);
void cell_set_msg(struct tui *t, const char *fmt, ...) LSCT_PRINTF(2, 3);
int cell_rates_known(const struct mon_frame *f);
void cell_count_text(char *buf, size_t len, uint64_t v, int width);
void cell_period_text(char *buf, size_t len, double seconds);
void cell_dash(char *buf, size_t len);
int cell_put(int y, int x, int w, const char *s, attr_t a);
int cell_put_wide(int y, int x, int w, const char *s, attr_t a);
int cell_put_sym(const struct tui *t, int y, int x, const char *utf8, char ascii, attr_t a);
void cell_put_cut(const struct tui *t, int y, int x, int w, const char *s, int right,
		  enum trunc tr, attr_t a);
void cell_blank_line(int y, attr_t a);
void cell_rule(const struct tui *t, int y);

/* tui_header.c */
void header_draw(const struct tui *t);
void header_draw_bottom(const struct tui *t);

/* tui_flows.c (and the cell texts in tui_layout.h) */
enum view_sort flows_sort_for_mode(enum view_sort s, int totals);
enum view_sort flows_sort_next(const struct tui *t, const struct tpane *p, int dir);
void flows_want_widths(const struct tui *t, int *local_want, int *peer_want);
void flows_rebuild_pane(struct tui *t, struct tpane *p);
void flows_draw_pane(const struct tui *t, const struct tpane *p, int has_focus);
void flows_trend_take(struct tui *t, const struct mon_frame *f);
int flows_trend_blocks(const struct tui *t);

/* tui_conns.c */
void conns_sort(struct mon_frame *f);
void conns_draw(struct tui *t);

/* The replay rows of the key table (replay_key()'s what). */
enum replay_cmd { RP_STEP = 1, RP_MINUTE, RP_TEN, RP_GOTO, RP_PLAY, RP_SPEED };

/* tui_replay.c: the feed of a recording, its keys and header */
void replay_feed_init(struct tui *t, struct replay *r);
void replay_feed_fini(struct tui *t);
int replay_wait_ms(struct tui *t);		/* ms until playing steps on; -1 none */
unsigned replay_key(struct tui *t, enum replay_cmd what, int dir);
unsigned replay_prompt_apply(struct tui *t, char *err, size_t errlen);
void replay_header(const struct tui *t, struct segs *ss);
/* Recording (--record) while live: what the header says. */
void record_header(const struct tui *t, struct segs *ss);

/* tui_keys.c */
unsigned keys_on(struct tui *t, int ch);
/* After a frame: what a deletion (D) did, into the bottom line's note. */
void keys_delete_done(struct tui *t);
void keys_draw_help(const struct tui *t);

#endif
