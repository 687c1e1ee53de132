/*
 * run_batch.h - the batch modes: one table, or a stream of snapshots.
 *
 * Both take their snapshots from a monitor (monitor.h), build the view,
 * wait a bounded time for names and hand the rows to a writer (out.h).
 * They write the output to out and warnings (what the input skipped,
 * counters that are off, an empty table) to warn; they never exit.  A
 * closed pipe on out is a quiet, successful end.
 */
#ifndef LSCT_RUN_BATCH_H
#define LSCT_RUN_BATCH_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "monitor.h"
#include "record.h"
#include "resolve.h"
#include "view.h"

struct batch_opts {
	const struct view_opts *view;
	int json;
	int show_proto;			/* table: a Proto column */
	struct resolver *resolver;	/* names for the peers; NULL: numeric */
	double dns_timeout;		/* seconds, the longest wait for names per snapshot */
	uint64_t count;			/* streams: snapshots (0: until stopped) */
	const volatile sig_atomic_t *stop; /* streams end when set (a signal) */
	FILE *out, *warn;
	const char *prog;		/* warnings start with it */
	int owners;			/* owners on: flows carry an owner (mon_owner()) */
	int owners_off;			/* wanted but not root: the forwarded count says so */
	/* Owner labels from elsewhere than the monitor (a replay); NULL: mon_owner(). */
	int (*owner_of)(void *arg, uint32_t id, struct owner_label *out);
	void *owner_arg;
	/* Routed flows' clients from elsewhere than the monitor (a replay); NULL: mon_route(). */
	int (*route_of)(void *arg, uint32_t id, struct flow_route *out);
	void *route_arg;
	/* run_frames(): whether flows carry owners, asked at each frame (owner_arg). */
	int (*owners_on)(void *arg);
	/* --record: each snapshot of a stream is also appended there (NULL: none). */
	struct rec_writer *rec;
	int processes;			/* -P: flows carry a process (mon_proc()) */
	/*
	 * No table nor JSON (the metrics daemon): snapshots feed the
	 * monitor's on_frame only; warnings and failed outputs still go to warn.
	 */
	int quiet;
};

/* What failed when a run returns -1 (errno says why). */
enum batch_fail { BATCH_OK = 0, BATCH_READ, BATCH_WRITE };

/* One snapshot, written as a table or a JSON array. */
int run_once(struct monitor *m, const struct batch_opts *b, enum batch_fail *why);
/*
 * -c other than 1: snapshots on the monitor's schedule, written as a
 * table stream or NDJSON, until the count is reached, *stop is set or the
 * reader goes away.
 */
int run_stream(struct monitor *m, const struct batch_opts *b, enum batch_fail *why);
/*
 * --stats: the table's size (its sysctls) and the kernel's statistics of
 * the monitor's source, read once in the calling thread, written as lines
 * or (json) one object (out_stats_write()).  No snapshot is taken.
 */
int run_stats(struct monitor *m, const struct batch_opts *b, enum batch_fail *why);

/*
 * --delete: one snapshot; the flows the view selects (with entries) are
 * listed, then, when ask is set, "Delete N entries of F flows? [y/N]" is
 * asked on warn and a line read from in (y or yes, any case, goes on;
 * anything else, or end of input, deletes nothing); then every entry of
 * those flows is deleted (mon_delete_flows(): a dump of its own) and each
 * flow's line says how many, a last line the totals.  *total gets them
 * (all zero when nothing was deleted).  0, or -1 with *why: BATCH_READ
 * (a dump failed, errno) or BATCH_WRITE.  Refusals are counts, not -1.
 */
int run_delete(struct monitor *m, const struct batch_opts *b, int ask, FILE *in,
	       struct mon_del *total, enum batch_fail *why);
/*
 * A stream of frames that come from elsewhere (a replay): each one from
 * next(arg), until it returns NULL (errno 0: the end; else BATCH_READ),
 * the count is reached or *stop is set; written as run_stream() writes.
 */
int run_frames(struct mon_frame *(*next)(void *arg), void *arg, const struct batch_opts *b,
	       enum batch_fail *why);

#endif
