/*
 * out.h - the batch writers: the original's plain table and its JSON.
 *
 * Both read a view (an array of borrowed flow pointers) and write to a
 * stdio stream owned by the caller.  They return 0, or -1 with errno when
 * the stream failed (EPIPE for a closed pipe): the caller decides what that
 * means.
 */
#ifndef LSCT_OUT_H
#define LSCT_OUT_H

#include <stdio.h>
#include <stddef.h>
#include "ct_stats.h"
#include "flow.h"
#include "procs.h"

/*
 * The table's health: what --stats prints once and each NDJSON line's
 * "table" (out_stats.c).  Every pointer is borrowed.
 */
struct out_health {
	int64_t entries, max;			/* nf_conntrack_count and _max; -1: unknown */
	const struct ct_stats *ct;		/* NULL, or cpus 0: no statistics (text) */
	const struct ct_stats_rate *rate;	/* NULL, or seconds 0: no rates (yet) */
};

struct out_opts {
	/* Returns a printable name for a peer, or NULL for the numeric form. */
	const char *(*name_of)(void *arg, int family, const struct ct_addr *a);
	void *name_arg;
	int show_proto;		/* table: append a Proto column */
	/*
	 * A stream of snapshots (-c other than 1): the table gets a line with
	 * the time and interval before each snapshot, and rate columns once
	 * there is an interval; JSON becomes one object per line (NDJSON).
	 */
	int stream;
	const char *time;	/* RFC 3339 */
	double interval;	/* seconds since the previous snapshot; 0 for the first */
	double period;		/* seconds asked between snapshots */
	int budget_held;	/* the CPU budget made this interval longer than the period */
	int events;		/* DESTROY events feed the stream */
	/*
	 * Owners on: JSON gives every flow an "owner" object; the table gets
	 * an Owner column when some row's owner is not the host.  owner_of
	 * gives a flow key's owner label (NULL, or -1: "?" for an unknown one).
	 */
	int owners;
	int (*owner_of)(void *arg, uint32_t id, struct owner_label *out);
	void *owner_arg;
	uint64_t events_lost;	/* since the start */
	/* Streams: the table's health, the last key of each JSON line; NULL: none. */
	const struct out_health *health;
	/*
	 * A routed flow's (FLOW_ROUTED) client and NAT, from its key's owner
	 * number (mon_route()); NULL, or -1: the client is "?".
	 */
	int (*route_of)(void *arg, uint32_t id, struct flow_route *out);
	void *route_arg;
	/*
	 * -P: the table's last column is Process (procs_label()); JSON gives
	 * every flow "process", "processes", "rtt_ms" and, in a stream's
	 * delta, "retransmits".  proc_of gives a flow_proc.proc number's
	 * process (-1: unknown).  side: the flows the rows point into and
	 * their -P records (flow_proc()).
	 */
	int processes;
	int (*proc_of)(void *arg, uint32_t id, struct proc_info *out);
	void *proc_arg;
	struct flow_side side;
};

int out_table_write(FILE *fp, const struct flow *const *rows, size_t n,
		    const struct out_opts *o);

/*
 * The original's schema, one compact array and a newline:
 * [{"direction","local":{"addr","port"},"peer":{"addr","port"[,"name"]},
 *   "stat":{"total_inbound_packets",...},"proto","connections"}]
 * "peer.addr" is always numeric; "name" is there when name_of gave one.
 */
int out_json_write(FILE *fp, const struct flow *const *rows, size_t n,
		   const struct out_opts *o);

/*
 * With o->stream, out_json_write() writes instead one line per snapshot:
 * {"time","interval","period","budget_held","events_lost","flows":[...each
 *   flow as above plus "delta":
 *   {"inbound_packets","inbound_bytes","outbound_packets","outbound_bytes",
 *    "new_connections","closed_connections"}]}
 * with "interval" and every "delta" null for the first snapshot, and
 * "events_lost" null when no events feed the stream; with o->health, a
 * last key "table": out_health_json() with its "rates".
 */

/*
 * The table's health as one JSON object, without a newline:
 * {"entries","max","drop","early_drop","insert_failed","invalid","found",
 *  "insert","error","search_restart","clash_resolve","chaintoolong"[,"rates"]}
 * where what is unknown is null; with rates, "rates" holds the same
 * counters per second (null before a second read).
 */
int out_health_json(FILE *fp, const struct out_health *h, int rates);
/*
 * --stats: the health once, as "name value" lines (a small table) or, with
 * json, as the object above (without rates) and a newline.
 */
int out_stats_write(FILE *fp, const struct out_health *h, int json);

#endif
