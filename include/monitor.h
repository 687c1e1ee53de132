/*
 * monitor.h - snapshots of a source on a schedule, with per-interval deltas.
 *
 * A monitor owns one source (ct_source.h) and a flow table.  Each snapshot
 * becomes a frame: the flows with their deltas, plus what the header of a
 * screen or a stream needs.  Frames are owned by whoever takes them and
 * freed with mon_frame_free().
 *
 * Words: the period is what was asked (seconds between snapshot starts);
 * the interval is what was measured between two snapshots.
 *
 * The schedule, one rule for every caller: snapshot k + 1 is due one period
 * after snapshot k was due (CLOCK_MONOTONIC, so no drift); a snapshot that
 * ends after its successor's deadline is followed at once, and the schedule
 * restarts from then; mon_wake() restarts it from now.  A period of 0 takes
 * snapshots back to back.
 *
 * Three ways to drive it:
 *  - one table: mon_snapshot() once, on a monitor without tracking;
 *  - a stream: mon_sleep() then mon_snapshot(), in the caller's thread;
 *  - the screen: mon_start() runs a collector thread; mon_fd() becomes
 *    readable when a frame is ready and mon_take() hands over the newest.
 *    No call made by the screen's thread waits for a snapshot.
 *
 * Nothing here prints.  The collector thread blocks every signal and runs
 * 10 nice levels below the process, so the screen's thread gets the CPU
 * first.
 */
#ifndef LSCT_MONITOR_H
#define LSCT_MONITOR_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "ct.h"
#include "ct_source.h"
#include "ct_stats.h"
#include "flow.h"
#include "host.h"
#include "owner.h"
#include "ports.h"
#include "procs.h"
#include "socks.h"

/* The longest period: a day. */
#define MON_PERIOD_MAX 86400.0

struct mon_frame;

struct mon_config {
	struct ct_source *src;		/* owned by the monitor from mon_new() */
	const struct host_info *host;	/* borrowed */
	struct flow_opts fo;		/* server_ports copied */
	double period;			/* 0 .. MON_PERIOD_MAX seconds */
	int track;			/* per-connection deltas: streams and the screen */
	size_t watch_max;		/* most connections a detail frame lists (0: 10000) */
	/*
	 * One snapshot only (a one-shot table): the thread that takes it gives
	 * up its capabilities right after the dump (priv.h's thread rule).
	 */
	int one_dump;
	/*
	 * DESTROY events (ct_events.h), owned by the monitor from mon_new(),
	 * already started; NULL without.  Drained before each sweep, and
	 * between dumps so that the queue stays short.
	 */
	struct ct_events *ev;
	/*
	 * The CPU budget of dumping, a fraction of one core (0.1 = 10%; 0 = no
	 * limit): after a dump that cost c CPU seconds, the next one starts no
	 * sooner than c / max_cpu seconds after it.  The first dump is never
	 * held back.
	 */
	double max_cpu;
	/*
	 * The other namespaces' owners (owner.h), owned by the monitor from
	 * mon_new(), empty; NULL: owners off.  The thread that dumps builds it
	 * when an entry first needs it (no end in the namespace viewed), then
	 * refreshes it before each dump, and numbers its owners for the flow
	 * keys (owner_reg_sync(); mon_owner()).
	 */
	struct owner_table *owners;
	/*
	 * Called by the thread that makes frames, for every frame it makes
	 * (dumps and frames between them; not failed ones), before the frame
	 * is handed out, with the table's flows and their -P records (procs,
	 * NULL without -P; borrowed for the call: the frame may not have its
	 * copy yet).  It may set f->out_err.  NULL:
	 * none.  Metrics (metrics.h) are fed here, so that none of a frame
	 * the screen drops is lost.
	 */
	void (*on_frame)(void *arg, struct mon_frame *f, const struct flow *flows,
			 const struct flow_proc *procs, size_t n);
	void *frame_arg;
	/*
	 * Classify routed entries as FLOW_ROUTED flows (flow.h): the monitor
	 * owns their route registry (route_reg.h; mon_route()).  0: they stay
	 * forwarded.
	 */
	int routed;
	/*
	 * -P: this namespace's sockets (socks.h, opened in it) and their
	 * processes (procs.h), both owned by the monitor from mon_new(); NULL:
	 * off.  The thread that dumps reads the sockets and attributes them
	 * before each conntrack dump.
	 */
	struct socks *socks;
	struct procs *procs;
};

struct mon_frame {
	uint64_t seq;			/* 1 for the first snapshot */
	struct timespec when;		/* CLOCK_REALTIME at the snapshot's start */
	double interval;		/* measured: seconds since the previous snapshot's start; 0 first */
	double cost;			/* seconds the snapshot took */
	int err;			/* 0, or the errno of a failed snapshot (no flows then) */
	/*
	 * Every flow, including closed ones.  Owned by the frame when it came
	 * from the collector; from mon_snapshot() borrowed from the monitor,
	 * valid until its next snapshot.
	 */
	const struct flow *flows;
	size_t nflows;
	/* -P: the flows' records (flow_proc(), mon_frame_side()), owned alike; else NULL. */
	const struct flow_proc *procs;
	struct flow *own_flows;		/* private: flows when the frame owns them */
	struct flow_proc *own_procs;	/* private: procs when the frame owns them */
	size_t own_cap;			/* private: room in own_flows (and own_procs) */
	int flows_due;			/* private: flows still to copy from the table */
	struct flow_stats stats;
	struct host_ct_sysctl sysctl;	/* -1 fields when not live or unreadable */
	/* Text lines skipped, summed over every snapshot so far; bad_msgs of this one. */
	struct ct_source_stats input;
	int live;			/* the source is this host's table */
	size_t tracked, store_bytes;	/* connections in the delta store, its size */
	/*
	 * The kernel's statistics (ct_stats.h), read by the thread that dumps
	 * right after each dump of a tracking monitor (frames between dumps
	 * repeat them): ct.cpus 0 when the source has none (text) or the read
	 * failed.  ct_rate: per second between this dump's read and the one
	 * before (ct_rate.seconds 0 for the first, or after a failed read).
	 */
	struct ct_stats ct;
	struct ct_stats_rate ct_rate;
	/*
	 * Dumps and events.  A frame is either a dump of the whole table
	 * (dumped 1) or, on the screen while the CPU budget holds the next
	 * dump back, what events said since the previous frame (dumped 0: the
	 * flows keep the last dump's totals; deltas hold only new and closed
	 * connections and the final counters of closed ones).  In a dump frame
	 * interval is the time since the previous dump.
	 */
	int dumped;
	double period;			/* asked, at this frame */
	int budget_held;		/* this dump came later than the period: CPU budget */
	double dump_cpu;		/* CPU seconds (user + system) the last dump took */
	double next_dump;		/* seconds from this frame to the next dump; 0 now */
	int events;			/* DESTROY events feed this monitor */
	uint64_t events_seen;		/* events applied since the previous frame */
	uint64_t events_lost;		/* events lost since the start */
	size_t reread;			/* between dumps: connections read again (GET) */
	/*
	 * -P: some processes' descriptors were unreadable (permissions), so
	 * some owners are partial (uid and unit only); sock_err: the errno of
	 * a failed socket dump (no processes this snapshot), 0 ok.
	 */
	int procs_partial;
	int sock_err;
	/* With a watch set: that flow's connections in this snapshot. */
	int watching;
	struct flow_key watch;
	struct ct_entry *conns;		/* owned, nconns of them */
	size_t nconns, conns_total;	/* listed, and found (more than listed if capped) */
	/* An output of this frame failed (--prometheus): one line, or "". */
	char out_err[160];
};

/* The frame's flows with their -P records, for flow_proc(). */
static inline struct flow_side mon_frame_side(const struct mon_frame *f)
{
	struct flow_side s = { f->flows, f->procs };

	return s;
}

struct monitor;

struct monitor *mon_new(const struct mon_config *c);
/*
 * The label of a flow key's owner number, from any thread: 0 and *out, or
 * -1 when owners are off or the number is unknown.
 */
int mon_owner(struct monitor *m, uint32_t id, struct owner_label *out);
/*
 * The kernel's statistics of the source's table, read now in the calling
 * thread (which needs CAP_NET_ADMIN): ct_source_table_stats().  For a run
 * that prints them once (--stats) and takes no snapshot.  0, or -1 with
 * errno (EOPNOTSUPP: a text source).
 */
int mon_table_stats(struct monitor *m, struct ct_stats *out);
/*
 * A routed flow key's client and NAT (its owner field), from any thread:
 * 0 and *out, or -1 when routed flows are off or the number is unknown.
 */
int mon_route(struct monitor *m, uint32_t id, struct flow_route *out);
/*
 * -P: the process behind a flow_proc.proc number, from any thread: 0 and *out,
 * or -1 when -P is off or the number is unknown.
 */
int mon_proc(struct monitor *m, uint32_t id, struct proc_info *out);
/* Seconds the last owner refresh took (0 with owners off). */
double mon_owner_cost(const struct monitor *m);
/* Stops the collector if it runs, closes the source, frees everything. */
void mon_free(struct monitor *m);
void mon_frame_free(struct mon_frame *f);

/*
 * Synchronous: takes one snapshot now.  Returns a frame, or NULL when the
 * snapshot failed (errno set; also when a read-once source ended: ENODATA).
 */
struct mon_frame *mon_snapshot(struct monitor *m);
/*
 * Sleeps until the next snapshot is due.  0, or -1 with EINTR as soon as
 * *stop is set (by a signal handler: the sleep is interrupted).
 */
int mon_sleep(struct monitor *m, const volatile sig_atomic_t *stop);

/* Starts the collector thread; the first snapshot begins at once.  -1/errno. */
int mon_start(struct monitor *m);
/* Readable (a byte in a pipe) while a frame waits to be taken. */
int mon_fd(const struct monitor *m);
/*
 * The newest frame not yet taken (older ones are dropped), or NULL.  Its
 * flows are copied from the table here, in the caller's thread, while the
 * collector waits for its next tick (or by the collector at that tick if
 * nobody took the frame): a big table's flows then exist twice, not three
 * times.  spare (may be NULL) is a frame the caller frees once it has the
 * new one: the copy may reuse its flows' memory, and spare is then left
 * without flows (nflows 0).  Pass a frame nothing will draw again.
 */
struct mon_frame *mon_take(struct monitor *m, struct mon_frame *spare);
/* The period asked for: seconds between snapshot starts from now on. */
void mon_set_period(struct monitor *m, double seconds);
double mon_period(struct monitor *m);
/*
 * The --pport ports from the next snapshot on (copied; NULL or empty: none):
 * they count as server ports when classifying, as on the command line.
 */
void mon_set_server_ports(struct monitor *m, const struct port_filter *pf);
/*
 * The flows on screen (copied; n 0: none), from the next dump on.  While
 * the CPU budget holds dumps back, the frames between them read these
 * flows' connections again (and the watched flow's), a GET request each,
 * a few thousand at most, so what the user looks at stays current.
 */
void mon_show(struct monitor *m, const struct flow_key *keys, size_t n);
/* Lists the connections of flow k in the next frames; NULL stops. */
void mon_watch(struct monitor *m, const struct flow_key *k);
/* Starts the next snapshot now instead of at its deadline. */
void mon_wake(struct monitor *m);
/* True while a snapshot is being taken; *since gets its start (monotonic s). */
int mon_busy(struct monitor *m, double *since);

/*
 * Deleting from the kernel's table (the netlink source only; the thread
 * that does it needs CAP_NET_ADMIN: priv.h's thread rule).  Which entries
 * a flow has is decided as a snapshot decides it: a dump of the source,
 * each entry classified (flow_classify(), with the server ports, zone,
 * mark and owners of the snapshots); an entry of two chosen flows (local
 * to local) is deleted once, counted in the first.
 */
struct mon_del {
	uint64_t found;			/* entries asked to delete */
	uint64_t deleted;
	uint64_t gone;			/* already gone (ENOENT): not a failure */
	uint64_t refused;		/* EPERM, EACCES: no CAP_NET_ADMIN */
	uint64_t failed;		/* any other answer */
	int err;			/* errno of the first refusal or failure; 0 none */
};

/*
 * Synchronous, in the calling thread, for batch runs: one dump, then every
 * entry of the n flows keys deleted.  per (may be NULL, else n of them)
 * gets each flow's counts, *total their sum.  0, or -1 with errno when the
 * dump failed (nothing deleted) or the source cannot delete (EOPNOTSUPP).
 * Refusals and failures are counts in *total, not a -1.
 */
int mon_delete_flows(struct monitor *m, const struct flow_key *keys, size_t n,
		     struct mon_del *per, struct mon_del *total);
/*
 * For the screen: asks the collector to delete every entry of flow k (a
 * dump of its own, then the deletions, then at once the next snapshot),
 * or, with k NULL, the one connection c (by its tuple, zone and id).  One
 * request at a time: -1 with EBUSY while one is under way; EOPNOTSUPP when
 * the source cannot delete.  The screen's thread never sends a request
 * itself.
 */
int mon_delete(struct monitor *m, const struct flow_key *k, const struct ct_entry *c);
/*
 * 1 and *out, once, when the request has finished (the frames from then on
 * were taken after it); 0 while none has finished since the last call.
 * A dump that failed has found 0 and err set.
 */
int mon_delete_done(struct monitor *m, struct mon_del *out);
/* True when this monitor's source can delete (the netlink source). */
int mon_can_delete(const struct monitor *m);

#endif
