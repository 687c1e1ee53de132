/*
 * tui_keys.c - what keys do: one table of commands drives both dispatch
 * and the help screen.  Handlers change state and return K_* flags; they
 * never draw.  Also the prompts (a, p, /) and their line editor.
 */
#include "tui_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

#define KEY_BS_BYTE	8	/* Backspace as some terminals send it */
#define KEY_DEL_BYTE	127	/* Backspace as most terminals send it */
#define HELP_KEY_X	2	/* help screen: where the keys start */
#define HELP_TEXT_X	17	/* help screen: where their meaning starts */
#define PRINT_FIRST	0x20
#define PRINT_END	0x7f

/* Where a command works. */
#define IN_MAIN   1u
#define IN_DETAIL 2u
#define IN_REPLAY 4u	/* only while replaying a recording (found before the others) */
#define IN_LIVE   8u	/* not while replaying: the monitor's schedule */

struct key_cmd {
	int keys[8];		/* 0 ends the list early */
	unsigned where;		/* IN_MAIN, IN_DETAIL */
	const char *name;	/* as the help shows it; NULL: told by the entry before */
	const char *help;
	unsigned (*fn)(struct tui *t, const struct key_cmd *k);
	long arg;		/* for fn: a direction, a prompt, a count of rows or pages */
	enum pane_move move;	/* k_move, k_scroll */
};

static struct tpane *focused(struct tui *t)
{
	return &t->panes[t->focus];
}

static unsigned k_quit(struct tui *t, const struct key_cmd *k)
{
	return K_QUIT;
}

static unsigned k_help(struct tui *t, const struct key_cmd *k)
{
	t->under_help = t->mode;
	t->mode = MODE_HELP;
	return 0;
}

static unsigned k_focus(struct tui *t, const struct key_cmd *k)
{
	if (t->npanes > 1)
		t->focus = (t->focus + t->npanes + (int)k->arg) % t->npanes;
	return 0;
}

static unsigned k_move(struct tui *t, const struct key_cmd *k)
{
	struct tpane *p = focused(t);

	pane_move(&p->p, k->move, k->arg, tui_flows(t), p->rows, p->n, p->list_h);
	/* Back on the first row, the pane goes back to showing the top. */
	p->follow = p->p.cursor != 0;
	return 0;
}

static unsigned k_sort(struct tui *t, const struct key_cmd *k)
{
	struct tpane *p = focused(t);
	enum view_sort s = flows_sort_next(t, p, (int)k->arg);

	if (s == COL_NO_SORT)
		return 0;
	p->sort = s;
	/* As in htop: a re-sort asked for keeps the selected flow in view. */
	p->follow |= p->p.has_sel;
	return K_REBUILD;
}

static unsigned k_reverse(struct tui *t, const struct key_cmd *k)
{
	struct tpane *p = focused(t);

	p->reverse = !p->reverse;
	p->follow |= p->p.has_sel;
	return K_REBUILD;
}

static unsigned k_prompt(struct tui *t, const struct key_cmd *k)
{
	char text[LINEEDIT_MAX];

	t->prompt = (enum prompt_kind)k->arg;
	if (t->prompt == PROMPT_APORT)
		port_filter_str(&t->aport, text, sizeof text);
	else if (t->prompt == PROMPT_PPORT)
		port_filter_str(&t->pport, text, sizeof text);
	else if (t->prompt == PROMPT_OWNER)
		owner_filter_text(&t->owner, text, sizeof text);
	else
		fmt_escape(t->host.kind != HOST_FILTER_NONE ? t->host.text : "", text,
			   sizeof text);
	lineedit_set(&t->ed, text);
	t->perr[0] = '\0';
	return 0;
}

static unsigned k_clear(struct tui *t, const struct key_cmd *k)
{
	port_filter_clear(&t->aport);
	port_filter_clear(&t->pport);
	t->feed.server_ports(t->feed.arg, &t->pport);
	memset(&t->host, 0, sizeof t->host);
	memset(&t->owner, 0, sizeof t->owner);
	t->owner.kind = -1;
	cell_set_msg(t, "filters cleared");
	return K_REBUILD;
}

static unsigned k_names(struct tui *t, const struct key_cmd *k)
{
	if (!t->c->resolver) {
		cell_set_msg(t, "no names: the resolver could not start");
		return 0;
	}
	t->names = !t->names;
	cell_set_msg(t, "%s", t->names ? "peer names" : "numeric addresses");
	return K_REBUILD;
}

static unsigned k_trend(struct tui *t, const struct key_cmd *k)
{
	t->trend_on = !t->trend_on;
	cell_set_msg(t, "%s", t->trend_on ? "Trend on: rates from the next snapshot" :
					    "Trend off: no column, no graph, no history");
	return 0;
}

/* -P: the Process column (arg 0) or the RTT and Retr/s columns (arg 1). */
static unsigned k_procs(struct tui *t, const struct key_cmd *k)
{
	if (!t->c->processes) {
		cell_set_msg(t, "no processes: start lsconntrack with -P");
		return 0;
	}
	if (k->arg) {
		t->show_health = !t->show_health;
		cell_set_msg(t, "%s", t->show_health ? "RTT and retransmissions shown" :
			     "RTT and retransmissions hidden");
	} else {
		t->show_procs = !t->show_procs;
		cell_set_msg(t, "%s", t->show_procs ? "processes shown" : "processes hidden");
	}
	return K_REBUILD;
}

static unsigned k_totals(struct tui *t, const struct key_cmd *k)
{
	t->totals = !t->totals;
	for (int i = 0; i < t->npanes_all; i++)
		t->panes[i].sort = flows_sort_for_mode(t->panes[i].sort, t->totals);
	focused(t)->follow |= focused(t)->p.has_sel;
	cell_set_msg(t, "%s", t->totals ? "totals since each connection began" :
					 "rates per second");
	return K_REBUILD;
}

static unsigned k_pause(struct tui *t, const struct key_cmd *k)
{
	t->paused = !t->paused;
	/* A fresh frame at once, not one period later. */
	if (!t->paused)
		t->feed.wake(t->feed.arg);
	return 0;
}

static unsigned k_period(struct tui *t, const struct key_cmd *k)
{
	static const double steps[] = { MIN_PERIOD, 0.2, 0.5, 1, 2, 5, 10, 30, 60 };
	double cur = t->feed.period(t->feed.arg), to = cur;
	char txt[32];

	if (k->arg > 0) {
		for (size_t i = 0; i < ARRAY_LEN(steps) && to == cur; i++)
			if (steps[i] > cur + 1e-9)
				to = steps[i];
	} else {
		for (size_t i = ARRAY_LEN(steps); i-- > 0 && to == cur;)
			if (steps[i] < cur - 1e-9)
				to = steps[i];
	}
	if (to != cur) {
		t->feed.set_period(t->feed.arg, to);
		t->feed.wake(t->feed.arg);
	}
	cell_period_text(txt, sizeof txt, to);
	cell_set_msg(t, "every %s", txt);
	return 0;
}

static unsigned k_open(struct tui *t, const struct key_cmd *k)
{
	struct tpane *p = focused(t);

	if (p->n == 0)
		return 0;
	tui_drop_list(t);
	t->watched = tpane_row(t, p, p->p.cursor)->key;
	t->list_top = 0;
	t->mode = MODE_DETAIL;
	t->feed.watch(t->feed.arg, &t->watched);
	t->feed.wake(t->feed.arg);
	return 0;
}

static unsigned k_close(struct tui *t, const struct key_cmd *k)
{
	t->feed.watch(t->feed.arg, NULL);
	t->mode = MODE_MAIN;
	tui_drop_list(t);
	return 0;
}

static unsigned k_scroll(struct tui *t, const struct key_cmd *k)
{
	long d = k->arg;

	if (k->move == PANE_PAGES)
		d *= (long)pane_page(t->list_rows);
	if (k->move == PANE_FIRST)
		t->list_top = 0;
	else if (k->move == PANE_LAST)
		t->list_top = SIZE_MAX;	/* clamped when drawn */
	else if (d < 0)
		t->list_top = (size_t)-d > t->list_top ? 0 : t->list_top - (size_t)-d;
	else
		t->list_top += (size_t)d;
	if (t->list_frame && t->list_top > t->list_frame->nconns)
		t->list_top = t->list_frame->nconns;
	return 0;
}

/* The replay rows: arg is the command, move's sign the direction. */
static unsigned k_replay(struct tui *t, const struct key_cmd *k)
{
	return replay_key(t, (enum replay_cmd)k->arg, k->move == PANE_ROWS ? 1 : -1);
}

static unsigned k_routed(struct tui *t, const struct key_cmd *k)
{
	if (!t->routed) {
		cell_set_msg(t, "no Routed pane");
		return 0;
	}
	t->routed_show = t->npanes == t->npanes_all ? 0 : 1;
	tui_place_routed(t);
	cell_set_msg(t, "%s", t->routed_show ? "Routed pane shown" : "Routed pane hidden");
	return K_REBUILD;
}

/* "10.0.0.1:40000 -> 10.0.0.2:3306 tcp": the connection D names. */
static void conn_line(const struct ct_entry *e, char *buf, size_t len)
{
	char a[FMT_ENDPOINT_MAX], b[FMT_ENDPOINT_MAX], sp[8], dp[8], pb[16];
	int ports = ct_proto_has_ports(e->proto);

	snprintf(sp, sizeof sp, "%u", e->orig.sport);
	snprintf(dp, sizeof dp, "%u", e->orig.dport);
	fmt_endpoint(a, sizeof a, e->family, &e->orig.src, NULL, ports ? sp : NULL);
	fmt_endpoint(b, sizeof b, e->family, &e->orig.dst, NULL, ports ? dp : NULL);
	snprintf(buf, len, "%s -> %s %s", a, b, fmt_proto(e->proto, pb, sizeof pb));
}

/*
 * D: asks y/n before deleting the selected flow's entries (how many the
 * last dump found) or, in the connection list, the connection on its top
 * line; confirm_key() sends the request to the monitor.
 */
static unsigned k_delete(struct tui *t, const struct key_cmd *k)
{
	char what[sizeof t->del_q - 32];

	if (!mon_can_delete(t->m)) {
		cell_set_msg(t, "D deletes from the kernel's table: not from %s", t->c->source);
		return 0;
	}
	if (t->del_pending) {
		cell_set_msg(t, "a deletion is under way");
		return 0;
	}
	if (t->mode == MODE_DETAIL) {
		const struct mon_frame *lf = t->list_frame;

		if (!lf || t->list_top >= lf->nconns) {
			cell_set_msg(t, "no connection to delete");
			return 0;
		}
		t->del_flow = 0;
		t->del_conn = lf->conns[t->list_top];
		conn_line(&t->del_conn, what, sizeof what);
		snprintf(t->del_q, sizeof t->del_q, "Delete the connection %s? y/n", what);
	} else {
		const struct tpane *p = focused(t);
		const struct flow *f;

		if (p->n == 0) {
			cell_set_msg(t, "no flow to delete");
			return 0;
		}
		f = tpane_row(t, p, p->p.cursor);
		if (!f->entries) {
			cell_set_msg(t, "no entries left in this flow");
			return 0;
		}
		t->del_flow = 1;
		t->del_key = f->key;
		if (f->key.dir == FLOW_ROUTED) {
			/* Its client is in the route registry: the row's own text. */
			char client[FMT_ENDPOINT_MAX], server[FMT_ENDPOINT_MAX], pb[16];

			flows_local_text(t, f, &t->lay, client, sizeof client);
			fmt_flow_peer(f, NULL, server, sizeof server);
			snprintf(what, sizeof what, "%s --> %s %s", client, server,
				 fmt_flow_proto(&f->key, pb, sizeof pb));
		} else {
			fmt_flow_line(&f->key, what, sizeof what);
		}
		snprintf(t->del_q, sizeof t->del_q, "Delete %u entr%s of %s? y/n", f->entries,
			 f->entries == 1 ? "y" : "ies", what);
	}
	t->confirm = 1;
	return 0;
}

/* The answer: y sends the request; n or Esc cancels; other keys wait. */
static unsigned confirm_key(struct tui *t, int ch)
{
	if (ch == 'n' || ch == 'N' || ch == KEY_ESC) {
		t->confirm = 0;
		cell_set_msg(t, "nothing deleted");
		return 0;
	}
	if (ch != 'y' && ch != 'Y')
		return 0;
	t->confirm = 0;
	if (mon_delete(t->m, t->del_flow ? &t->del_key : NULL, &t->del_conn) < 0) {
		cell_set_msg(t, "cannot delete: %s", strerror(errno));
		return 0;
	}
	t->del_pending = 1;
	cell_set_msg(t, "deleting...");
	return 0;
}

void keys_delete_done(struct tui *t)
{
	struct mon_del d;

	if (!t->del_pending || !mon_delete_done(t->m, &d))
		return;
	t->del_pending = 0;
	if (!d.found && d.err) {
		cell_set_msg(t, "cannot delete: %s", strerror(d.err));
		return;
	}
	if (d.failed)
		cell_set_msg(t, "deleted %llu, %llu already gone, %llu refused, %llu failed: %s",
			     (unsigned long long)d.deleted, (unsigned long long)d.gone,
			     (unsigned long long)d.refused, (unsigned long long)d.failed,
			     strerror(d.err));
	else
		cell_set_msg(t, "deleted %llu, %llu already gone, %llu refused%s",
			     (unsigned long long)d.deleted, (unsigned long long)d.gone,
			     (unsigned long long)d.refused,
			     d.refused ? " (needs CAP_NET_ADMIN)" : "");
}

static unsigned k_repaint(struct tui *t, const struct key_cmd *k)
{
	clearok(curscr, TRUE);
	return 0;
}

static const struct key_cmd key_cmds[] = {
	/*
	 * Replaying: move through the recording (PANE_FIRST marks the way back).
	 * Two help lines, as many as the live-only keys they stand in for.
	 */
	{ { ',' }, IN_MAIN | IN_DETAIL | IN_REPLAY, ", . [ ] { }",
	  "replay: back / forward a snapshot, 1 minute, 10 minutes", k_replay, RP_STEP,
	  PANE_FIRST },
	{ { '.' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_STEP, PANE_ROWS },
	{ { '[' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_MINUTE, PANE_FIRST },
	{ { ']' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_MINUTE, PANE_ROWS },
	{ { '{' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_TEN, PANE_FIRST },
	{ { '}' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_TEN, PANE_ROWS },
	{ { 'g' }, IN_MAIN | IN_REPLAY, "g space *",
	  "replay: go to a time (03:00); play / stop; speed 1x 10x 60x", k_replay, RP_GOTO,
	  PANE_ROWS },
	{ { ' ' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_PLAY, PANE_ROWS },
	{ { '*' }, IN_MAIN | IN_DETAIL | IN_REPLAY, NULL, NULL, k_replay, RP_SPEED, PANE_ROWS },
	{ { 'q' }, IN_MAIN | IN_DETAIL, "q", "quit", k_quit, 0, PANE_ROWS },
	{ { '?', 'h' }, IN_MAIN | IN_DETAIL, "? h", "this help", k_help, 0, PANE_ROWS },
	{ { '\t' }, IN_MAIN, "Tab", "switch between the Active and Passive panes (and Routed)",
	  k_focus, 1, PANE_ROWS },
	{ { KEY_BTAB }, IN_MAIN, NULL, NULL, k_focus, -1, PANE_ROWS },
	{ { KEY_UP, 'k' }, IN_MAIN, "Up Down k j", "select the previous / next flow",
	  k_move, -1, PANE_ROWS },
	{ { KEY_DOWN, 'j' }, IN_MAIN, NULL, NULL, k_move, 1, PANE_ROWS },
	{ { KEY_PPAGE }, IN_MAIN, "PgUp PgDn", "a page up / down", k_move, -1, PANE_PAGES },
	{ { KEY_NPAGE }, IN_MAIN, NULL, NULL, k_move, 1, PANE_PAGES },
	{ { KEY_HOME, 'g' }, IN_MAIN, "Home End", "the first / last flow",
	  k_move, 0, PANE_FIRST },
	{ { KEY_END, 'G' }, IN_MAIN, NULL, NULL, k_move, 0, PANE_LAST },
	{ { '<' }, IN_MAIN, "< > s", "sort by the column on the left / right",
	  k_sort, -1, PANE_ROWS },
	{ { '>', 's' }, IN_MAIN, NULL, NULL, k_sort, 1, PANE_ROWS },
	{ { 'r' }, IN_MAIN, "r", "reverse the order", k_reverse, 0, PANE_ROWS },
	{ { 'a' }, IN_MAIN, "a", "Active: only these peer ports (443,8000-8099,!22)",
	  k_prompt, PROMPT_APORT, PANE_ROWS },
	{ { 'p' }, IN_MAIN, "p", "Passive: only these local ports; also server ports",
	  k_prompt, PROMPT_PPORT, PANE_ROWS },
	/* One help line for both: 80x24 holds the whole help. */
	{ { '/' }, IN_MAIN, "/ o", "only peers: address, prefix or text / owners: [kind:]name, id",
	  k_prompt, PROMPT_HOST, PANE_ROWS },
	{ { 'o' }, IN_MAIN, NULL, NULL, k_prompt, PROMPT_OWNER, PANE_ROWS },
	/* One line for two, as / o: 80x24 holds the whole help. */
	{ { 'c' }, IN_MAIN, "c R", "clear all filters / show or hide the Routed pane",
	  k_clear, 0, PANE_ROWS },
	{ { 'R' }, IN_MAIN, NULL, NULL, k_routed, 0, PANE_ROWS },
	/* One help line for both: 80x24 holds the whole help. */
	{ { 'n' }, IN_MAIN, "n T", "peer names / numeric addresses; T: the Trend column",
	  k_names, 0, PANE_ROWS },
	{ { 'T' }, IN_MAIN, NULL, NULL, k_trend, 0, PANE_ROWS },
	{ { 't' }, IN_MAIN, "t", "totals since each connection began / rates per second",
	  k_totals, 0, PANE_ROWS },
	/* -P: P the Process column, H the TCP health columns (T is Trend). */
	{ { 'P' }, IN_MAIN, "P H", "-P: the Process column / TCP RTT and retransmits",
	  k_procs, 0, PANE_ROWS },
	{ { 'H' }, IN_MAIN, NULL, NULL, k_procs, 1, PANE_ROWS },
	{ { ' ' }, IN_MAIN | IN_DETAIL | IN_LIVE, "space", "pause / resume the display", k_pause,
	  0, PANE_ROWS },
	{ { '+', '=' }, IN_MAIN | IN_DETAIL | IN_LIVE, "+ -", "refresh less / more often",
	  k_period, 1, PANE_ROWS },
	{ { '-' }, IN_MAIN | IN_DETAIL | IN_LIVE, NULL, NULL, k_period, -1, PANE_ROWS },
	/* One help line for both: 80x24 holds the whole help. */
	{ { '\r', '\n', KEY_ENTER }, IN_MAIN, "Enter D",
	  "list the connections of the flow / delete its entries (y/n)", k_open, 0, PANE_ROWS },
	{ { 'D' }, IN_MAIN | IN_DETAIL | IN_LIVE, NULL, NULL, k_delete, 0, PANE_ROWS },
	{ { KEY_CTRL('l') }, IN_MAIN | IN_DETAIL, "Ctrl-L", "repaint the screen", k_repaint, 0,
	  PANE_ROWS },
	{ { KEY_ESC, '\r', '\n', KEY_ENTER, KEY_BACKSPACE, KEY_DEL_BYTE, KEY_BS_BYTE,
	    KEY_LEFT }, IN_DETAIL, "Esc Left", "back to the flows (also Enter, Backspace)",
	  k_close, 0, PANE_ROWS },
	{ { KEY_UP, 'k' }, IN_DETAIL, "Up Down k j",
	  "scroll (also PgUp PgDn Home End); D deletes the top one", k_scroll, -1, PANE_ROWS },
	{ { KEY_DOWN, 'j' }, IN_DETAIL, NULL, NULL, k_scroll, 1, PANE_ROWS },
	{ { KEY_PPAGE }, IN_DETAIL, NULL, NULL, k_scroll, -1, PANE_PAGES },
	{ { KEY_NPAGE }, IN_DETAIL, NULL, NULL, k_scroll, 1, PANE_PAGES },
	{ { KEY_HOME, 'g' }, IN_DETAIL, NULL, NULL, k_scroll, 0, PANE_FIRST },
	{ { KEY_END, 'G' }, IN_DETAIL, NULL, NULL, k_scroll, 0, PANE_LAST },
};

static const struct key_cmd *find_cmd(const struct tui *t, int ch)
{
	unsigned where = t->mode == MODE_DETAIL ? IN_DETAIL : IN_MAIN;

	for (size_t i = 0; i < ARRAY_LEN(key_cmds); i++) {
		if (!(key_cmds[i].where & where) || ((key_cmds[i].where & IN_REPLAY) && !t->rp) ||
		    ((key_cmds[i].where & IN_LIVE) && t->rp))
			continue;
		for (size_t k = 0; k < ARRAY_LEN(key_cmds[i].keys) && key_cmds[i].keys[k]; k++)
			if (key_cmds[i].keys[k] == ch)
				return &key_cmds[i];
	}
	return NULL;
}

void keys_draw_help(const struct tui *t)
{
	static const char *const legend[] = {
		"Active: flows this host opened; Passive: flows peers opened to a local port.",
		"In: what the peer sent, Out: what this host sent; -x> <x-: a closed flow.",
	};
	int y = 0;

	/* 80x24 holds it all, so no line is spent on spacing. */
	cell_put(y++, 0, COLS, "lsconntrack monitor - Keys (any key returns)",
		 cell_attr(t, R_TITLE));
	for (unsigned pass = IN_MAIN; pass <= IN_DETAIL; pass <<= 1) {
		if (pass == IN_DETAIL)
			cell_put(y++, 0, COLS, "In the connection list (Enter):",
				 cell_attr(t, R_TITLE));
		for (size_t i = 0; i < ARRAY_LEN(key_cmds); i++) {
			const struct key_cmd *k = &key_cmds[i];

			/* Keys that work in both places are listed once, with the flows. */
			if (!k->name || ((k->where & IN_REPLAY) && !t->rp) ||
			    ((k->where & IN_LIVE) && t->rp) ||
			    (pass == IN_MAIN && !(k->where & IN_MAIN)) ||
			    (pass == IN_DETAIL && k->where != IN_DETAIL))
				continue;
			/* P T only with -P: without it 80x24 holds the whole help. */
			if (k->fn == k_procs && !t->c->processes)
				continue;
			cell_put(y, HELP_KEY_X, COLS - HELP_KEY_X, k->name, cell_attr(t, R_KEY));
			cell_put(y++, HELP_TEXT_X, COLS - HELP_TEXT_X, k->help, A_NORMAL);
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(legend); i++)
		cell_put(y++, 0, COLS, legend[i], cell_attr(t, R_CLOSED));
}

/* ---- the prompt ---- */

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

	if (t->prompt == PROMPT_APORT) {
		rc = apply_ports(t, &t->aport, err, sizeof err);
	} else if (t->prompt == PROMPT_PPORT) {
		rc = apply_ports(t, &t->pport, err, sizeof err);
		/* --pport also names server ports when classifying: p does both. */
		if (rc == 0)
			t->feed.server_ports(t->feed.arg, &t->pport);
	} else if (t->prompt == PROMPT_OWNER) {
		rc = owner_filter_parse(&t->owner, t->ed.buf, err, sizeof err);
	} else if (t->prompt == PROMPT_TIME) {
		rc = replay_prompt_apply(t, err, sizeof err) == 0 ? 0 : -1;
	} else {
		rc = apply_host(t, err, sizeof err);
	}
	if (rc < 0) {
		fmt_escape(err[0] ? err : "invalid filter", t->perr, sizeof t->perr);
		return 0;
	}
	t->prompt = PROMPT_NONE;
	return K_REBUILD;
}

/* The editor's code for a curses key; bytes pass as they are. */
static int edit_code(int ch)
{
	switch (ch) {
	case KEY_LEFT:
		return LINEEDIT_LEFT;
	case KEY_RIGHT:
		return LINEEDIT_RIGHT;
	case KEY_HOME:
		return LINEEDIT_HOME;
	case KEY_END:
		return LINEEDIT_END;
	case KEY_DC:
		return LINEEDIT_DELETE;
	case KEY_BACKSPACE:
		return LINEEDIT_BACKSPACE;
	case KEY_ENTER:
		return LINEEDIT_ENTER;
	default:
		/* Other curses keys are not text: never let one pass as a byte. */
		return ch > 0xff ? -1 : ch;
	}
}

static unsigned prompt_key(struct tui *t, int ch)
{
	switch (lineedit_key(&t->ed, edit_code(ch))) {
	case LINEEDIT_CANCEL:
		t->prompt = PROMPT_NONE;
		return 0;
	case LINEEDIT_DONE:
		return prompt_apply(t);
	default:
		return 0;
	}
}

unsigned keys_on(struct tui *t, int ch)
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
	if (t->confirm)
		return confirm_key(t, ch);
	if (t->prompt)
		return prompt_key(t, ch);
	k = find_cmd(t, ch);
	if (k)
		return k->fn(t, k);
	if (ch >= PRINT_FIRST && ch < PRINT_END)
		cell_set_msg(t, "? for help");
	return 0;
}
