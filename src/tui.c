/*
 * tui.c - the full-screen monitor: two panes of flows, a connection list,
 * a help screen and one-line prompts.  This file is the screen manager:
 * the loop, frames from the collector, drawing the screen from its parts,
 * colours, and taking over and giving back the terminal.
 *
 * One loop waits in poll() for a key, a frame from the collector, a signal
 * or a redraw tick; it never waits for a snapshot.  All state lives in
 * struct tui (tui_int.h).  Key handlers (tui_keys.c) change it and return
 * what must follow (K_REBUILD, K_QUIT) but never draw; tui_draw() alone
 * writes, into curses' virtual screen, so each refresh sends the terminal
 * only what changed.
 */
#include "tui_int.h"

#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "util.h"

#define POLL_FAST_MS	250	/* names arriving, a snapshot under way, a message */
#define POLL_SLOW_MS	2000	/* nothing changes on screen without a frame or key */
#define ESC_DELAY_MS	25	/* Esc closes things: not the default second's wait */
#define TOO_SMALL_LONG	"terminal too small"

static volatile sig_atomic_t screen_up;

/* Out of memory aborts: util.c calls this first so the shell gets its terminal back. */
static void restore_terminal(void)
{
	if (screen_up)
		endwin();
}

/* ---- drawing ---- */

/*
 * Splits the screen (layout_screen), then re-finds each pane's selection
 * for its new height and fits the columns to the rows on screen.
 */
static void place(struct tui *t)
{
	struct screen_layout s;
	int local_want, peer_want;

	layout_screen(&s, LINES, t->npanes);
	t->head_lines = s.head_lines;
	t->foot_lines = s.foot_lines;
	for (int i = 0; i < t->npanes; i++) {
		struct tpane *p = &t->panes[i];

		p->y = s.pane_y[i];
		p->colhdr = s.colhdr;
		p->list_y = s.list_y[i];
		p->list_h = s.list_h[i];
		pane_sync(&p->p, tui_flows(t), p->rows, p->n, p->list_h);
	}
	flows_want_widths(t, &local_want, &peer_want);
	layout_flows_ext(&t->lay, COLS, local_want, peer_want, flows_owner_want(t),
			 flows_proc_want(t), t->show_health, t->trend_on);
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
			const struct flow_key *k = &tpane_row(t, p, r)->key;
			struct flow_route fr;

			/* A routed flow's client is named too. */
			if (k->dir == FLOW_ROUTED && t->feed.route(t->feed.arg, k->owner, &fr) == 0 &&
			    !resolver_name(t->c->resolver, k->family, &fr.client)) {
				resolver_want(t->c->resolver, k->family, &fr.client);
				t->names_pending = 1;
			}
			if (resolver_name(t->c->resolver, k->family, &k->peer))
				continue;
			resolver_want(t->c->resolver, k->family, &k->peer);
			t->names_pending = 1;
		}
	}
}

/*
 * Tells the monitor which flows are on screen when that changes: while the
 * CPU budget holds dumps back, it reads their connections again, so the
 * rows the user looks at stay current.  Only from the flow panes: under the
 * connection list or the help they stay what they were.
 */
static void show_rows(struct tui *t)
{
	struct flow_key *tmp;
	size_t n = 0, need = 0;
	int same;

	for (int i = 0; i < t->npanes; i++)
		need += t->panes[i].list_h;
	if (need > t->shown_cap) {
		t->shown_cap = need;
		t->shown = xrealloc(t->shown, need * sizeof *t->shown);
		t->shown_next = xrealloc(t->shown_next, need * sizeof *t->shown_next);
	}
	for (int i = 0; i < t->npanes; i++) {
		const struct tpane *p = &t->panes[i];

		for (size_t r = p->p.top; r < p->n && r < p->p.top + p->list_h; r++)
			t->shown_next[n++] = tpane_row(t, p, r)->key;
	}
	same = n == t->nshown;
	for (size_t i = 0; same && i < n; i++)
		same = flow_key_equal(&t->shown[i], &t->shown_next[i]);
	if (same)
		return;
	t->feed.show(t->feed.arg, t->shown_next, n);
	tmp = t->shown;
	t->shown = t->shown_next;
	t->shown_next = tmp;
	t->nshown = n;
}

static void draw(struct tui *t)
{
	erase();
	if (layout_too_small(COLS, LINES)) {
		cell_put(0, 0, COLS, COLS >= (int)strlen(TOO_SMALL_LONG) ? TOO_SMALL_LONG :
			 "too small", A_NORMAL);
	} else if (t->mode == MODE_HELP) {
		keys_draw_help(t);
	} else {
		place(t);
		want_names(t);
		if (t->mode == MODE_MAIN && t->f)
			show_rows(t);
		header_draw(t);
		if (t->mode == MODE_DETAIL) {
			conns_draw(t);
		} else {
			for (int i = 0; i < t->npanes; i++)
				flows_draw_pane(t, &t->panes[i], i == t->focus);
		}
		header_draw_bottom(t);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/*
 * Puts the Routed pane on screen or takes it off: shown by the R key,
 * hidden by it, or (routed_show -1) whenever the frame has routed flows,
 * whatever the filters leave of them.
 */
void tui_place_routed(struct tui *t)
{
	int base = t->npanes_all - t->routed, show;

	show = t->routed && (t->routed_show > 0 ||
			     (t->routed_show < 0 && t->panes[base].total > 0));
	t->npanes = base + show;
	if (t->focus >= t->npanes)
		t->focus = t->npanes - 1;
}

void tui_rebuild(struct tui *t)
{
	for (int i = 0; i < t->npanes_all; i++)
		flows_rebuild_pane(t, &t->panes[i]);
	tui_place_routed(t);
}

/* ---- frames ---- */

/* Frees fr unless the screen still shows it. */
static void release(struct tui *t, struct mon_frame *fr)
{
	if (fr && fr != t->f && fr != t->list_frame)
		mon_frame_free(fr);
}

/* The connection list is open (perhaps under the help screen). */
int tui_listing(const struct tui *t)
{
	return t->mode == MODE_DETAIL || (t->mode == MODE_HELP && t->under_help == MODE_DETAIL);
}

/* Forgets the connection list's frame (freed unless it is also the one shown). */
void tui_drop_list(struct tui *t)
{
	struct mon_frame *lf = t->list_frame;

	t->list_frame = NULL;
	release(t, lf);
}

/*
 * A good frame replaces the shown one unless paused (the first is always
 * shown), and feeds the connection list when it carries the watched flow.
 */
static void accept_frame(struct tui *t, struct mon_frame *nf)
{
	struct mon_frame *old_f = t->f, *old_lf = t->list_frame;

	if (nf->watching && tui_listing(t) && flow_key_equal(&nf->watch, &t->watched) &&
	    (!t->paused || !t->list_frame)) {
		conns_sort(nf);
		t->list_frame = nf;
	}
	if (!t->paused || !t->f) {
		t->f = nf;
		flows_trend_take(t, nf);
		tui_rebuild(t);
	}
	release(t, old_f);
	if (old_lf != old_f)
		release(t, old_lf);
	release(t, nf);
}

/* --record: every good frame, before the screen may drop it. */
static void record(struct tui *t, const struct mon_frame *nf)
{
	if (t->c->rec && !rec_failed(t->c->rec))
		(void)rec_write(t->c->rec, nf);
}

static int take_frame(struct tui *t, char *err, size_t errlen)
{
	/*
	 * Unless paused, the shown frame is replaced by the new one: its
	 * flows' memory can take the copy (the panes are rebuilt at once).
	 */
	struct mon_frame *nf = t->feed.take(t->feed.arg, t->paused ? NULL : t->f);

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
	record(t, nf);
	accept_frame(t, nf);
	return 0;
}

/* ---- the loop ---- */

/* Every key waiting, each acted on at once so the next one sees its effect. */
static unsigned drain_keys(struct tui *t)
{
	unsigned r = 0;
	int ch;

	while (!*t->c->signalled && (ch = getch()) != ERR) {
		unsigned k = keys_on(t, ch);

		if (k & K_REBUILD)
			tui_rebuild(t);
		r |= k;
		if (r & K_QUIT)
			break;
	}
	return r;
}

static int poll_timeout(struct tui *t)
{
	double since;

	int ms = t->rp ? replay_wait_ms(t) : -1;

	if (!t->f || t->names_pending || t->msg[0] || t->feed.busy(t->feed.arg, &since))
		return ms >= 0 && ms < POLL_FAST_MS ? ms : POLL_FAST_MS;
	return ms >= 0 && ms < POLL_SLOW_MS ? ms : POLL_SLOW_MS;
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
		/* A feed without a descriptor (a replay) is asked every turn. */
		if (t->feed.fd(t->feed.arg) < 0 && take_frame(t, err, errlen) < 0)
			return -1;
		draw(t);
		fds[n].fd = STDIN_FILENO;
		fds[n++].events = POLLIN;
		if (!t->mon_gone && t->feed.fd(t->feed.arg) >= 0) {
			mon_at = (int)n;
			fds[n].fd = t->feed.fd(t->feed.arg);
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
			keys_delete_done(t);
			if (fds[mon_at].revents & (POLLHUP | POLLERR | POLLNVAL))
				t->mon_gone = 1;
		}
		if (drain_keys(t) & K_QUIT)
			return 0;
	}
}

/* ---- the live feed: the monitor ---- */

static int live_fd(void *arg)
{
	return mon_fd(arg);
}

static struct mon_frame *live_take(void *arg, struct mon_frame *spare)
{
	return mon_take(arg, spare);
}

static int live_busy(void *arg, double *since)
{
	return mon_busy(arg, since);
}

static double live_period(void *arg)
{
	return mon_period(arg);
}

static void live_set_period(void *arg, double s)
{
	mon_set_period(arg, s);
}

static void live_wake(void *arg)
{
	mon_wake(arg);
}

static void live_show(void *arg, const struct flow_key *keys, size_t n)
{
	mon_show(arg, keys, n);
}

static void live_watch(void *arg, const struct flow_key *k)
{
	mon_watch(arg, k);
}

static void live_server_ports(void *arg, const struct port_filter *pf)
{
	mon_set_server_ports(arg, pf);
}

static int live_owner(void *arg, uint32_t id, struct owner_label *out)
{
	return mon_owner(arg, id, out);
}

static int live_route(void *arg, uint32_t id, struct flow_route *out)
{
	return mon_route(arg, id, out);
}

/* ---- setup and teardown ---- */

static void init(struct tui *t, struct monitor *m, struct replay *r,
		 const struct tui_config *c)
{
	static const struct {
		const char *name;
		unsigned dir;
	} kinds[] = { { "Active", VIEW_ACTIVE }, { "Passive", VIEW_PASSIVE },
		      { "Routed", VIEW_ROUTED } };

	memset(t, 0, sizeof *t);
	t->m = m;
	t->c = c;
	if (m)
		t->feed = (struct tui_feed){ live_fd, live_take, live_busy, live_period,
					     live_set_period, live_wake, live_show, live_watch,
					     live_server_ports, live_owner, live_route, m };
	else
		replay_feed_init(t, r);
	port_filter_copy(&t->aport, c->aport);
	port_filter_copy(&t->pport, c->pport);
	t->show_procs = c->processes;
	if (c->owner)
		t->owner = *c->owner;
	t->names = !c->numeric && c->resolver;
	t->trend_on = 1;
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		struct tpane *p;

		/* -a and -p choose the first two; the Routed pane is always there (R). */
		if (kinds[i].dir != VIEW_ROUTED && !(c->dirs & kinds[i].dir) &&
		    (c->dirs & (VIEW_ACTIVE | VIEW_PASSIVE)))
			continue;
		if (kinds[i].dir == VIEW_ROUTED && !c->routed_pane)
			continue;
		p = &t->panes[t->npanes++];
		p->name = kinds[i].name;
		p->dir = kinds[i].dir;
		p->sort = c->sort;
		p->reverse = c->reverse;
		p->list_h = 1;
		pane_init(&p->p);
	}
	t->npanes_all = t->npanes;
	t->routed = c->routed_pane;
	t->routed_show = c->routed_auto ? -1 : 0;
	tui_place_routed(t);
	/* A screen is not redrawn back to back: -d 0 means as often as it can be read. */
	if (m && mon_period(m) < MIN_PERIOD)
		mon_set_period(m, MIN_PERIOD);
}

static void fini(struct tui *t)
{
	struct mon_frame *f = t->f, *lf = t->list_frame;

	t->f = t->list_frame = NULL;
	if (f)
		mon_frame_free(f);
	if (lf && lf != f)
		mon_frame_free(lf);
	for (int i = 0; i < t->npanes_all; i++)
		free(t->panes[i].rows);
	free(t->shown);
	free(t->shown_next);
	trend_free(t->trend);
	port_filter_fini(&t->aport);
	port_filter_fini(&t->pport);
	replay_feed_fini(t);
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
		if (cell_roles[r].fg >= 0)
			init_pair((short)r, cell_roles[r].fg, bg);
	t->colour = 1;
}

/* TERM's value for a message: printable ASCII only, at most 40 bytes. */
static void term_shown(const char *term, char *out, size_t n)
{
	size_t i;

	for (i = 0; term[i] && i < 40 && i + 1 < n; i++)
		out[i] = term[i] > ' ' && term[i] < 0x7f ? term[i] : '?';
	out[i] = '\0';
}

int tui_terminal_usable(char *why, size_t whylen)
{
	const char *term = getenv("TERM");
	char shown[48];
	const char *cup;
	int e = 0, generic, hardcopy;

	if (!term || !*term) {
		snprintf(why, whylen, "TERM is not set");
		return 0;
	}
	term_shown(term, shown, sizeof shown);
	if (setupterm(term, STDOUT_FILENO, &e) != OK) {
		snprintf(why, whylen, "TERM=%s is not a terminal type terminfo knows", shown);
		return 0;
	}
	cup = tigetstr("cup");
	generic = tigetflag("gn") > 0;
	hardcopy = tigetflag("hc") > 0;
	if (!cup || cup == (char *)-1 || generic || hardcopy) {
		snprintf(why, whylen, "TERM=%s cannot move the cursor", shown);
		(void)del_curterm(cur_term);
		return 0;
	}
	(void)del_curterm(cur_term);
	return 1;
}

/* Keys come from stdin: main makes sure it is the terminal. */
static int screen_start(struct tui *t, char *err, size_t errlen)
{
	const char *cs = nl_langinfo(CODESET);

	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		snprintf(err, errlen, "the monitor needs a terminal on standard %s",
			 isatty(STDOUT_FILENO) ? "input" : "output");
		errno = ENOTTY;
		return -1;
	}
	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr) {
		snprintf(err, errlen, "cannot start the screen: unknown terminal type (TERM)");
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
	set_escdelay(ESC_DELAY_MS);
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
}

static int run(struct monitor *m, struct replay *r, const struct tui_config *c, char *err,
	       size_t errlen)
{
	struct tui t;
	int rc, saved;

	init(&t, m, r, c);
	if (screen_start(&t, err, errlen) < 0) {
		saved = errno;
		fini(&t);
		errno = saved;
		return -1;
	}
	rc = loop(&t, err, errlen);
	saved = errno;
	screen_stop(&t);
	fini(&t);
	errno = saved;
	return rc;
}

int tui_run(struct monitor *m, const struct tui_config *c, char *err, size_t errlen)
{
	return run(m, NULL, c, err, errlen);
}

int tui_replay_run(struct replay *r, const struct tui_config *c, char *err, size_t errlen)
{
	return run(NULL, r, c, err, errlen);
}
