/*
 * monitor_int.h - the monitor's state, shared by monitor.c (schedule,
 * snapshots, frames, the collector) and monitor_reread.c (the flows on
 * screen and their rereads between budgeted dumps).  Not for other files.
 */
#ifndef LSCT_MONITOR_INT_H
#define LSCT_MONITOR_INT_H

#include <pthread.h>

#include "monitor.h"

#define WATCH_MAX_DEFAULT 10000
/* Connections read again between budgeted dumps, at most, each period. */
#define REREAD_MAX 4096
#define VIS_BITS 4096			/* the on-screen flows' prefilter */
#define COLLECTOR_NICE 10	/* added to the process's nice value */

struct monitor {
	struct mon_config cfg;
	struct flow_table *t;
	struct owner_reg *reg;		/* with cfg.owners: the flow keys' owner numbers */
	struct route_reg *routes;	/* with cfg.routed: routed flows' client ends */
	double owner_cost;		/* seconds, the last refresh */
	/*
	 * With cfg.owners: set (atomically) once the dumping thread has built
	 * them, on the first entry that needed them (owners_ready());
	 * owners_stuck: that build left the thread in another namespace.
	 */
	int owners_built;
	int owners_stuck;
	struct port_filter sports;	/* the table's server ports (fo points here) */
	double prev_start;		/* monotonic start of the last good snapshot; <0 none */
	double prev_frame;		/* monotonic time of the last frame; <0 none */
	uint64_t seq;
	uint64_t events_seen;		/* applied since the last frame */
	struct ct_entry *wconns;	/* the last dump's list of the watched flow */
	size_t nwconns, wtotal;
	struct flow_key wkey;
	/* The flows on screen, for the dump; their connections for the rereads. */
	struct flow_key *vis;
	size_t nvis;
	uint64_t vis_bits[VIS_BITS / 64];
	struct ct_entry *vconns, *vnext, *reread;
	size_t nvconns, nvnext;
	double dump_cpu;		/* CPU seconds of the last dump */
	double dump_tick_cpu;		/* CPU seconds of the last dump's tick, all of it */
	double dump_start;		/* monotonic start of the last dump */
	double dump_proc;		/* the process's CPU seconds then */
	double get_cpu;			/* CPU seconds one GET cost lately (0: not measured) */
	int held;			/* the budget holds the next dump past its deadline */
	struct ct_source_stats input;	/* text counts summed; first_bad the first */
	struct ct_stats ct;		/* the kernel's statistics at the last dump; cpus 0 none */
	double ct_at;			/* monotonic time they were read */
	struct ct_stats_rate ct_rate;	/* from the read before it */

	/* Shared with the collector thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	pthread_t thread;
	int running;
	int stop;			/* also read without the lock by the sink */
	int wake;
	int busy;
	double busy_since;
	double period;
	double next;			/* monotonic deadline of the next snapshot or tick */
	double next_dump;		/* monotonic: the budget allows a dump from then */
	int watching;
	struct flow_key watch;
	struct flow_key *show;		/* mon_show(): copied to vis by the next dump */
	size_t nshow;
	int show_new;
	int sports_new;			/* sports_next waits to replace sports */
	struct port_filter sports_next;
	struct mon_frame *ready;	/* taken by mon_take() */
	double ready_at;		/* when ready was set (monotonic) */
	/* mon_delete()'s request and its result (monitor_delete.c). */
	int del_state;			/* enum mon_del_state */
	int del_flow;			/* del_key's entries, not the one del_conn */
	struct flow_key del_key;
	struct ct_entry del_conn;
	struct mon_del del_res;
	int pipe[2];			/* a byte while ready is set */
};

/*
 * The collector's side of the rereads (monitor_reread.c).  mon_vis_take():
 * at a dump's start, with the lock held, the screen's newest rows become
 * the ones the dump looks for; mon_vis_note(): a dump's entry, kept when
 * one of its flows is on screen; mon_vis_dump_done(): the dump is complete,
 * its list is the one to reread; mon_reread(): between dumps, the watched
 * flow's and the on-screen flows' connections read again.  Returns how
 * many changed a flow.
 */
void mon_vis_take(struct monitor *m);
void mon_vis_note(struct monitor *m, const struct ct_entry *e, const struct flow_hit *hits,
		  unsigned n);
void mon_vis_dump_done(struct monitor *m);
size_t mon_reread(struct monitor *m, int watching, const struct flow_key *watch);
enum mon_del_state { MON_DEL_NONE = 0, MON_DEL_ASKED, MON_DEL_RUNNING, MON_DEL_DONE };
/*
 * The collector's side of mon_delete() (monitor_delete.c): with the lock
 * held, at a tick, carries out an asked request (the lock is let go
 * meanwhile) and asks for a dump right after.  Returns 1 when it did.
 */
int mon_del_tick(struct monitor *m);
/* CPU seconds (user + system) the calling thread has used. */
double mon_thread_cpu(void);
/* CPU seconds (user + system) of the whole process, every thread. */
double mon_process_cpu(void);

#endif
