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
#include "flow.h"
#include "procs.h"

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
	/*
	 * -P: the table's last column is Process (procs_label()); JSON gives
	 * every flow "process", "processes", "rtt_ms" and, in a stream's
	 * delta, "retransmits".  proc_of gives a flow.proc number's process
	 * (-1: unknown).
	 */
	int processes;
	int (*proc_of)(void *arg, uint32_t id, struct proc_info *out);
	void *proc_arg;
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
 * "events_lost" null when no events feed the stream.
 */

#endif
