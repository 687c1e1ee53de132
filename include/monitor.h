/*
 * monitor.h - snapshots on a schedule, with per-interval deltas.
 *
 * A monitor owns one source (a netlink socket, or a text file read again
 * from its start each time) and a tracking flow table.  Each snapshot
 * becomes a frame: a copy of every flow with its deltas, plus what the
 * header of a screen or a stream needs.  Frames are owned by whoever takes
 * them and freed with mon_frame_free().
 *
 * Two ways to drive it:
 *  - synchronously (batch streams): mon_snapshot() takes one now;
 *  - with a collector thread (the screen): mon_start() runs snapshots every
 *    interval on CLOCK_MONOTONIC, deadlines k * interval apart (no drift;
 *    a snapshot that overruns its interval is followed at once and the
 *    schedule restarts from it).  mon_fd() becomes readable when a frame is
 *    ready; mon_take() hands over the newest one.  No call made by the
 *    screen's thread waits for a snapshot.
 *
 * Nothing here prints.  The collector thread blocks every signal and runs
 * 10 nice levels below the process, so the screen's thread gets the CPU
 * first.
 */
#ifndef LSCT_MONITOR_H
#define LSCT_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "ct.h"
#include "ct_source_netlink.h"
#include "flow.h"
#include "host.h"

enum mon_source { MON_SRC_NETLINK = 0, MON_SRC_FILE, MON_SRC_STDIN };

struct mon_config {
	enum mon_source source;
	struct ct_nl *nl;		/* MON_SRC_NETLINK: owned by the monitor from mon_new() */
	struct ct_nl_filter filter;
	int fd;				/* MON_SRC_FILE/STDIN: owned; files are re-read from 0 */
	int live;			/* the table is this host's: read nf_conntrack_* sysctls */
	const struct host_info *host;	/* borrowed */
	struct flow_opts fo;		/* server_ports borrowed */
	double period;			/* seconds asked between snapshot starts (>= 0) */
	size_t watch_max;		/* most connections a detail frame lists (0: 10000) */
};

struct mon_frame {
	uint64_t seq;			/* 1 for the first snapshot */
	struct timespec when;		/* CLOCK_REALTIME at the snapshot's start */
	double interval;		/* seconds since the previous snapshot's start; 0 first */
	double cost;			/* seconds the snapshot took */
	int err;			/* 0, or the errno of a failed snapshot (no flows then) */
	struct flow *flows;		/* owned; every flow, including closed ones */
	size_t nflows;
	struct flow_stats stats;
	struct host_ct_sysctl sysctl;	/* -1 fields when not live or unreadable */
	uint64_t skipped, first_bad;	/* text lines skipped (cumulative), first one */
	uint64_t malformed;		/* netlink messages that did not parse */
	size_t tracked, store_bytes;	/* connections in the delta store, its size */
	/* With a watch set: that flow's connections in this snapshot. */
	int watching;
	struct flow_key watch;
	struct ct_entry *conns;		/* owned, nconns of them */
	size_t nconns, conns_total;	/* listed, and found (more than listed if capped) */
};

struct monitor;

struct monitor *mon_new(const struct mon_config *c);
/* Stops the collector if it runs, closes the source, frees everything. */
void mon_free(struct monitor *m);
void mon_frame_free(struct mon_frame *f);

/*
 * Synchronous: takes one snapshot now.  Returns a frame, or NULL when the
 * snapshot failed (errno set; also when a text source ended: ENODATA).
 */
struct mon_frame *mon_snapshot(struct monitor *m);

/* Starts the collector thread; the first snapshot begins at once.  -1/errno. */
int mon_start(struct monitor *m);
/* Readable (a byte in a pipe) while a frame waits to be taken. */
int mon_fd(const struct monitor *m);
/* The newest frame not yet taken (older ones are dropped), or NULL. */
struct mon_frame *mon_take(struct monitor *m);
/* The period asked for: seconds between snapshot starts from now on. */
void mon_set_period(struct monitor *m, double seconds);
double mon_period(struct monitor *m);
/*
 * The --pport ports from the next snapshot on (copied; NULL or empty: none):
 * they count as server ports when classifying, as on the command line.
 */
void mon_set_server_ports(struct monitor *m, const struct port_filter *pf);
/* Lists the connections of flow k in the next frames; NULL stops. */
void mon_watch(struct monitor *m, const struct flow_key *k);
/* Starts the next snapshot now instead of at its deadline. */
void mon_wake(struct monitor *m);
/* True while a snapshot is being taken; *since gets its start (monotonic s). */
int mon_busy(struct monitor *m, double *since);

#endif
