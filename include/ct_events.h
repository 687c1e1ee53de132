/*
 * ct_events.h - conntrack DESTROY events, read as they happen.
 *
 * Periodic dumps miss a connection that opens and closes between two of
 * them.  The kernel announces every destroyed entry on the ctnetlink
 * DESTROY multicast group, with both tuples, zone, id and, when accounting
 * (and timestamps) were on when the entry was created, its final counters
 * (and start and stop times).  This module subscribes to that group and
 * queues each event as a struct ct_entry with CT_F_EVENT | CT_F_DESTROYED
 * set, for the monitor to drain before each sweep of its store.
 *
 * Threads: ct_events_start() starts one reader thread, at the process's
 * normal priority (the monitor's collector runs niced, and a reader that
 * waits behind a dump lets the socket overflow).  The reader gives up its
 * capabilities first (priv.h's thread rule): joining the group needs
 * CAP_NET_ADMIN, which ct_events_open() uses while the process still has
 * it; reading does not.  The thread starts with the caller's nice value:
 * call ct_events_start() from a thread at normal priority.  It blocks
 * every signal but the synchronous ones (faults, the sandbox's SIGSYS).
 * ct_events_drain() may be called from one thread at a time (it keeps the
 * spare half of a double buffer), ct_events_stats() from any thread; both
 * are safe while the reader runs.  After sandbox_enter() the module needs
 * only what SANDBOX_NETLINK allows.
 *
 * Loss: when the receive buffer is full the kernel drops events (the
 * socket reports ENOBUFS once, and its drop count grows).  Every lost event
 * is counted (SO_MEMINFO's drops, or one per ENOBUFS when that is not
 * available), and so is every event the queue had no room for: over a
 * quiet moment, received + lost is the number of entries destroyed since
 * the open.  One loss the kernel does not count is not counted either: an
 * event it failed to allocate (its ENOBUFS is in overruns).  We never
 * ask for reliable delivery (NETLINK_BROADCAST_ERROR): it makes the kernel
 * keep dying entries around until we have read them.
 *
 * Only this file's implementation and ct_nl_parse.c include netfilter
 * headers; this header includes none.  Nothing here prints or exits.
 */
#ifndef LSCT_CT_EVENTS_H
#define LSCT_CT_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"

/* The receive buffer asked for by default (SO_RCVBUFFORCE, else SO_RCVBUF). */
#define CT_EVENTS_RCVBUF_DEFAULT (16u << 20)
/* Events the queue holds between drains; more are counted as lost. */
#define CT_EVENTS_QUEUE_MAX (1u << 18)

struct ct_events;

struct ct_events_stats {
	uint64_t received;	/* events parsed and queued since the start */
	uint64_t lost;		/* events the kernel dropped or the queue refused, since the open */
	uint64_t overruns;	/* ENOBUFS reports */
	uint64_t bad_msgs;	/* messages that did not parse */
	size_t rcvbuf;		/* receive buffer in bytes, as the kernel reports it (2x the ask) */
	size_t queued;		/* waiting to be drained now */
};

/*
 * Opens a NETLINK_NETFILTER socket in this network namespace subscribed to
 * conntrack DESTROY events, with a receive buffer of rcvbuf bytes (0: the
 * default).  Needs CAP_NET_ADMIN: call it before priv_drop().  NULL with
 * errno (EPERM without the capability; EPROTONOSUPPORT etc. without
 * nf_conntrack_netlink).
 */
struct ct_events *ct_events_open(size_t rcvbuf);
/* Starts the reader thread, once.  0, or -1 with errno (EINVAL: already started). */
int ct_events_start(struct ct_events *ev);
/*
 * Hands every queued event, oldest first, to sink->add() (its return value
 * is ignored: the event is consumed either way) and empties the queue.
 * The entries are borrowed for each call (ct.h).  sink->reset is not used.
 * The reader is never blocked by the sink: it queues into the other half
 * of the buffer meanwhile.  Returns how many it handed over.
 */
size_t ct_events_drain(struct ct_events *ev, const struct ct_sink *sink);
/* The counters now; reads the kernel's drop count (one getsockopt()). */
void ct_events_stats(struct ct_events *ev, struct ct_events_stats *st);
/*
 * Stops the reader at once (a byte on a pipe it polls), joins it, closes
 * the socket, frees the queue and whatever was still in it.  NULL is fine.
 */
void ct_events_close(struct ct_events *ev);

/*
 * Parses one event message (an IPCTNL_MSG_CT_DELETE, or any ctnetlink
 * conntrack message, as ct_nl_parse_msg() does) and sets the event flags:
 * CT_F_EVENT always, CT_F_DESTROYED for a DELETE only.  The entry is the
 * one ct_nl_parse_msg() gives otherwise (counters and start time when the
 * kernel sent them, directional zones flagged).  0, or -1 (*out zeroed)
 * when it is not a well-formed conntrack message.  Exposed for tests and
 * fuzzing.
 */
int ct_events_parse(const void *msg, size_t len, struct ct_entry *out);

#endif
