/*
 * cli.h - the command line, a drop-in for the Go original's.
 *
 * As with Go's flag package, "-name" and "--name" are the same option and a
 * value may follow as "--name=value" or as the next argument.  Single-letter
 * options may also be bundled ("-tn") or take an attached value ("-sconns").
 * --proc takes its optional file only attached: --proc=FILE.  Arguments
 * that are not options are ports for the side -a or -p named last, as in
 * older releases of the original ("--active 3306 11211").
 * cli_parse() never prints: it returns -1 with a one-line reason in err,
 * control bytes of the arguments it quotes escaped.
 */
#ifndef LSCT_CLI_H
#define LSCT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include "ct_source.h"
#include "ports.h"
#include "view.h"

enum cli_action { CLI_RUN = 0, CLI_HELP, CLI_VERSION };
enum cli_source { CLI_SRC_NETLINK = 0, CLI_SRC_PROC, CLI_SRC_STDIN };

struct cli_opts {
	enum cli_action action;
	enum cli_source source;
	const char *proc_file;		/* --proc=FILE; NULL: /proc/net/nf_conntrack */
	unsigned dirs;			/* VIEW_ACTIVE | VIEW_PASSIVE, VIEW_ROUTED with -R */
	struct port_filter aport;	/* owned */
	struct port_filter pport;	/* owned */
	unsigned protos;		/* FLOW_PROTO_* */
	unsigned families;		/* FLOW_FAM_* */
	int numeric;			/* -n: no reverse DNS */
	int names;			/* --names: names in JSON too */
	int json;
	int batch;
	enum view_sort sort;		/* VIEW_SORT_BYTES unless -s */
	int sort_set;			/* -s was given: the monitor keeps it */
	int reverse;
	const char *local;		/* --local ADDR[,ADDR...], borrowed from argv */
	double dns_timeout;		/* seconds, total wait for names */
	uint64_t count;			/* -c: snapshots (0: no end); default 1 */
	int count_set;			/* -c was given (it implies batch) */
	double delay;			/* -d: the period, 0 .. MON_PERIOD_MAX seconds */
	int delay_set;			/* -d was given */
	double max_cpu;			/* --max-cpu: percent of one core, 0 none */
	int zone_set;			/* --zone was given */
	uint16_t zone;			/* --zone N */
	int mark_set;			/* --mark was given */
	uint32_t mark_val, mark_mask;	/* --mark M[/MASK]: val already masked */
	int events;			/* 0 with --no-events */
	size_t event_buffer;		/* --event-buffer bytes; 0 the default */
	const char *netns;		/* --netns NAME|PID|PATH, borrowed from argv */
	int owners;			/* 0 with --no-owners (or a source other than netlink) */
	int stats;			/* --stats: the table's size and statistics, once */
	int routed;			/* -R: routed flows asked for (dirs has VIEW_ROUTED) */
	struct owner_filter owner;	/* --owner KIND:TEXT|TEXT */
	int del;			/* --delete: the selected flows' entries */
	int yes;			/* --yes: delete without asking */
	const char *record;		/* --record FILE, borrowed from argv */
	const char *replay;		/* --replay FILE ("-": stdin), borrowed from argv */
	const char *listen;		/* --listen [ADDR:]PORT, borrowed from argv; checked */
	int processes;			/* -P: the process behind each flow (procs.h) */
};

void cli_init(struct cli_opts *o);
void cli_fini(struct cli_opts *o);
/* 0, or -1 with a one-line reason in err (a usage error: exit 2). */
int cli_parse(struct cli_opts *o, int argc, char **argv, char *err, size_t errlen);
/* The --help text. */
const char *cli_usage(void);

/*
 * When a source is opened: what needs privilege (the netlink socket, the
 * fixed /proc/net/nf_conntrack) and standard input before the privilege
 * drop; a path the user names (--proc=FILE) after it, with the rights of
 * the user we dropped to.
 */
enum cli_phase { CLI_PHASE_PRIVILEGED = 0, CLI_PHASE_USER };

/*
 * Opens the source the options name if it belongs to this phase: the
 * netlink socket (with the kernel filter cli_kernel_filter() allows), the --proc
 * file, or standard input.  0 with *src set, or NULL when the source opens
 * in the other phase; -1 with errno and a one-line reason in err (a file
 * that is not a regular or procfs file: EINVAL).  A new kind of source is
 * one more flag here and one more branch below.
 */
int cli_open_source(const struct cli_opts *o, enum cli_phase phase, struct ct_source **src,
		    char *err, size_t errlen);

/*
 * Opens the DESTROY events subscription the run wants (ct_events.h): a
 * netlink source, a run that tracks connections (tracking: streams and the
 * screen), events not turned off.  Call it while privileged; start the
 * reader (ct_events_start()) after the privilege drop.  Returns the
 * subscription, or NULL with a one-line warning in why ("" when there is
 * nothing to say: none was wanted): events off in the kernel
 * (nf_conntrack_events=0) or a subscription that failed.  Without events
 * the run goes on: connections that open and close between two snapshots
 * are then not counted, and the warning says so.
 */
struct ct_events;
struct ct_events *cli_open_events(const struct cli_opts *o, int tracking, char *why,
				  size_t whylen);

/*
 * The netlink dump's kernel filter for o into *f: the family and protocol
 * (-4/-6/-t/-u), --zone and --mark, and with batch (no monitor, whose keys
 * change the filters) one port of -a --aport or -p --pport, only where what
 * the kernel sends is a superset of what is shown.  off
 * (LSCT_NO_KFILTER=1): the family only.
 */
struct ct_nl_filter;
void cli_kernel_filter(const struct cli_opts *o, int batch, int off, struct ct_nl_filter *f);

#endif
