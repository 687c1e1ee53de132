/*
 * tui.h - the full-screen monitor (ncurses).  Only src/tui*.c include curses.
 *
 * tui_run() takes over the terminal (keys from stdin, which must be the
 * terminal), shows the frames of a started monitor until the user quits or
 * a signal arrives, and always restores the terminal before it returns.
 * A screen is not refreshed more often than every 0.1 s: a shorter period
 * of the monitor is raised to that at start.  It never prints to stdout/stderr itself:
 * errors come back as a one-line message in err.
 */
#ifndef LSCT_TUI_H
#define LSCT_TUI_H

#include <signal.h>
#include <stddef.h>
#include "monitor.h"
#include "record.h"
#include "replay.h"
#include "ports.h"
#include "resolve.h"
#include "view.h"

struct tui_config {
	unsigned dirs;			/* VIEW_ACTIVE | VIEW_PASSIVE panes shown */
	/*
	 * A Routed pane (the monitor classifies routed flows: mon_config.routed);
	 * routed_auto: it is on screen whenever it has flows (-R, or owners on),
	 * else only after the R key.
	 */
	int routed_pane, routed_auto;
	const struct port_filter *aport; /* initial filters (copied) */
	const struct port_filter *pport;
	enum view_sort sort;		/* initial sort of both panes */
	int reverse;
	int numeric;			/* start with numeric addresses (-n) */
	int show_proto;			/* UDP is shown too: mark it */
	/* Names; n toggles them whenever there is one (after -n too).  NULL: none. */
	struct resolver *resolver;
	const struct owner_filter *owner;	/* --owner; NULL: none (copied) */
	const char *source;		/* "netlink", "/proc/net/nf_conntrack", ... */
	const char *hostname;
	/* The monitor's CPU budget (mon_config.max_cpu), named in the header; 0: not named. */
	double max_cpu;
	/* Owners were wanted but lsconntrack is not root: the header says so. */
	int owners_off;
	/* -P: flows carry processes (mon_proc()): the Process column, P and T. */
	int processes;
	/* Set by main's SIGINT/SIGTERM/SIGHUP handler; sig_fd becomes readable. */
	volatile sig_atomic_t *signalled;
	int sig_fd;
	/* --record: every frame shown live is appended there (NULL: none). */
	struct rec_writer *rec;
};

/*
 * Returns 0 when the user quit or a signal ended it, -1 with a one-line
 * reason in err (the first snapshot failed: errno set; no terminal; ...).
 */
int tui_run(struct monitor *m, const struct tui_config *c, char *err, size_t errlen);
/*
 * The same screen over a recording (replay.h, a regular file): no
 * monitor, no kernel.  Keys step, jump, seek and play; the header shows
 * the recording's time.
 */
int tui_replay_run(struct replay *r, const struct tui_config *c, char *err, size_t errlen);

/*
 * Whether the terminal on standard output can draw the monitor: TERM set,
 * known to terminfo, with cursor addressing and not a hardcopy or generic
 * ("dumb") terminal.  1, or 0 with a one-line reason in why.  What top -b
 * gives is then the better answer: main prints the table instead.
 */
int tui_terminal_usable(char *why, size_t whylen);

#endif
