/*
 * metrics.h - Prometheus metrics of host flows: cumulative counters fed by
 * every frame's deltas, gauges, and a bounded set of series.
 *
 * Pure: no I/O.  The monitor's frame thread feeds every frame it makes
 * (dump and event frames, struct mon_config's on_frame) with
 * metrics_feed(); out_prom.h renders what metrics_series() lists.
 *
 * Routed flows (FLOW_ROUTED) are series only with metrics_opts.routed
 * (-R); otherwise their entries count as forwarded in the class gauge.
 *
 * A series is one label set: direction, proto, owner and owner_id (with
 * owners on; owner_id only for other namespaces),
 * and for active flows peer + peer_port, for passive flows local_port
 * (and peer with passive_peers), for routed flows client + server +
 * server_port (the NAT is not a label: flows that differ only by it share
 * a series).  Routed flows are ranked and folded like active ones, with
 * the same N: a folded routed flow has client="other" and server="other".
 *
 * With processes on (-P), each series also sums its flows' TCP
 * retransmissions (a counter, like the bytes), keeps the largest RTT of
 * its flows in the frame (a gauge) and the process behind them when they
 * all have the same one (an info series beside the flow series).  Its counters are sums of the deltas of
 * the flows mapped to it, so they only grow: a flow whose entries vanish
 * and come back adds to the same series, and a flow that moves between a
 * peer of its own and peer="other" leaves both series where they were.
 *
 * Cardinality, per direction and per frame: the top N flows by bytes
 * (their live connections' counters, in + out) keep their peer; the other
 * flows fold into peer="other" with their port; when more than N such
 * ports are folded, the ports beyond the top N by bytes fold into
 * port="other" as well.  Passive flows without passive_peers have only
 * the port level.  So a frame exports at most 2N + (protocols x owners)
 * flow series per direction (three directions with routed).
 *
 * A series whose flows are gone is shown a while longer (retain below), so
 * a frame exports at most 4N + (protocols x owners) series per direction.
 * Series not shown stay in memory (so that a peer that comes back
 * continues its counters), the least recently used first out once more
 * than keep of them exist: a peer dropped that way and seen again later
 * restarts at 0, a counter reset that rate() and increase() handle.
 */
#ifndef LSCT_METRICS_H
#define LSCT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"
#include "monitor.h"
#include "owner.h"
#include "procs.h"
#include "route_reg.h"

#define METRICS_TOP_DEFAULT 100
#define METRICS_TOP_MAX 100000
/* port or peer folded: the label's value is "other". */
#define METRICS_OTHER 0xffffffffu
#define METRICS_RETAIN 300.0

struct metrics_opts {
	unsigned top;		/* N above, 1 .. METRICS_TOP_MAX (0: the default) */
	int passive_peers;	/* passive series carry peer too (--metrics-passive-peers) */
	/*
	 * Owners on: every series has an owner label, "host" for this
	 * namespace.  owner_of gives the label of a flow key's owner number;
	 * -1 (unknown) gives "unknown".
	 */
	int owners;
	int (*owner_of)(void *arg, uint32_t id, struct owner_label *out);
	void *owner_arg;
	size_t keep;		/* series kept in memory at most (0: 16 N, at least 65536) */
	/*
	 * A series whose flows left the table is still shown this many
	 * seconds after its last frame (0: METRICS_RETAIN), with open 0; at
	 * most N of them per direction, the most recent first.  So a short
	 * connection's series is scraped more than once, and a peer that
	 * comes and goes keeps one series.
	 */
	double retain;
	/*
	 * -P: retransmissions, RTT and the process of each series.  proc_of
	 * gives a flow_proc.proc number's process (procs.h), -1 when unknown.
	 */
	int processes;
	int (*proc_of)(void *arg, uint32_t id, struct proc_info *out);
	void *proc_arg;
	/*
	 * -R: routed flows are series (direction="routed").  route_of gives a
	 * routed flow key's client (its owner field, route_reg.h), -1 when
	 * unknown (client="unknown").
	 */
	int routed;
	int (*route_of)(void *arg, uint32_t id, struct flow_route *out);
	void *route_arg;
	const char *version;	/* build info; borrowed */
};

struct metrics_key {
	uint8_t dir;		/* enum flow_dir */
	uint8_t proto;		/* IPPROTO_* */
	uint8_t family;		/* AF_INET, AF_INET6; 0 with peer folded or absent */
	uint8_t has_peer;	/* the series has a peer label (peer or "other") */
	uint32_t owner;		/* flow key owner number */
	uint32_t port;		/* peer port (active) or local port; or METRICS_OTHER */
	uint16_t peer_other;	/* has_peer: 1 for peer="other" (routed: client too) */
	uint16_t client_unknown; /* routed, not peer_other: the client was not found */
	struct ct_addr peer;	/* with has_peer and not peer_other; routed: the server */
	struct ct_addr client;	/* routed, not peer_other nor client_unknown */
};

struct metrics_series {
	struct metrics_key key;
	uint64_t in_bytes, out_bytes, in_packets, out_packets;	/* since the start */
	uint64_t opened, closed;	/* connections, since the start */
	uint64_t open;			/* gauge: open connections in the last frame */
	uint64_t retrans;		/* -P: TCP retransmissions, since the start */
	uint32_t rtt_us;		/* -P: the largest RTT of its flows, this frame; 0 none */
	/*
	 * -P: the process of its flows (procs.h number) when proc_state is
	 * 1 (one process); 0 none known, 2 several.  A retained series keeps
	 * its last one.
	 */
	uint32_t proc;
	uint8_t proc_state;
	uint64_t last;			/* frame number this series was last in */
	double seen;			/* CLOCK_REALTIME seconds of that frame */
	struct metrics_series *next;	/* private: hash chain */
	struct metrics_series *lru_prev, *lru_next;	/* private */
};

/* The table-level values of the last frame. */
struct metrics_table {
	uint64_t frames, dumps;		/* fed so far */
	struct flow_stats stats;	/* the last dump's classes */
	long long count, max;		/* nf_conntrack_count/max; -1 unknown */
	int events;			/* events feed the monitor */
	uint64_t events_lost;		/* since the start */
	double snapshot_seconds;	/* the last dump's cost */
	uint64_t folded_peers[3];	/* flows folded into peer="other", per direction */
	uint64_t folded_ports[3];	/* folded ports that became port="other" */
	uint64_t dropped;		/* series dropped from memory (keep) so far */
};

struct metrics;

struct metrics *metrics_new(const struct metrics_opts *o);
void metrics_free(struct metrics *mx);

/*
 * Adds a frame: flows[0..n) are the frame's flows (the table's, borrowed
 * for the call), procs their -P records (NULL: none).  f gives the table-level values.  Not thread-safe: one
 * thread feeds, and renders between feeds.
 */
void metrics_feed(struct metrics *mx, const struct mon_frame *f, const struct flow *flows,
		  const struct flow_proc *procs, size_t n);

/*
 * The series of the last frame, sorted by key (direction, proto, owner,
 * port, peer), into *out (owned by mx, valid until the next feed); their
 * number.
 */
size_t metrics_series(struct metrics *mx, const struct metrics_series *const **out);
const struct metrics_table *metrics_table(const struct metrics *mx);
const struct metrics_opts *metrics_opts(const struct metrics *mx);
/* Series in memory (exported or kept), and the bytes one of them costs. */
size_t metrics_kept(const struct metrics *mx);
size_t metrics_series_bytes(void);
/*
 * The owner label's value of a number: "host" for 0, else KIND:NAME
 * (container:web, pod:ns/name, netns:blue), "unknown" if none.
 */
void metrics_owner_value(const struct metrics *mx, uint32_t id, char *buf, size_t len);
/*
 * The owner_id label's value of a number other than 0: the owner's ID
 * (container ID, pod UID, netns:[INODE]), or #NUMBER when unknown.  Two
 * owners may share a name; never an ID, so series never collide.
 */
void metrics_owner_id(const struct metrics *mx, uint32_t id, char *buf, size_t len);

/*
 * Where rendered expositions go after each frame (the --listen server):
 * publish takes ownership of both malloc'd buffers (0.0.4 text, and
 * OpenMetrics 1.0), not NUL-terminated.
 */
struct metrics_sink {
	void (*publish)(void *arg, char *text004, size_t n004, char *openmetrics, size_t nom);
	void *arg;
};

#endif
