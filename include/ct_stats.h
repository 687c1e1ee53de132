/*
 * ct_stats.h - the kernel's conntrack statistics (what `conntrack -S`
 * prints), summed over CPUs, and their rates.
 *
 * The kernel keeps these counters per CPU and per network namespace, from
 * the namespace's start; ctnetlink hands them out as one message per
 * possible CPU (IPCTNL_MSG_CT_GET_STATS_CPU).  ct_stats.c parses those
 * messages (with ct_source_netlink.c, which sends the request, a netlink
 * file: it alone includes netfilter headers for this); the rest of the
 * program sees struct ct_stats, a plain sum.  The text sources have no
 * statistics: their struct stays empty (cpus 0), which every consumer
 * shows as "absent", never as zeros.
 *
 * A counter the kernel did not send (an older kernel without it) is not
 * in have and reads 0: consumers check have first.
 *
 * Nothing here prints or exits.
 */
#ifndef LSCT_CT_STATS_H
#define LSCT_CT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The counters, in conntrack -S's order. */
enum ct_stat {
	CT_STAT_FOUND,		/* lookups that found an entry */
	CT_STAT_INVALID,	/* packets conntrack could not track */
	CT_STAT_INSERT,		/* entries inserted (by ctnetlink, for instance) */
	CT_STAT_INSERT_FAILED,	/* new entries not inserted (a clash on their tuple): packet dropped */
	CT_STAT_DROP,		/* packets dropped because no entry could be made (a full table) */
	CT_STAT_EARLY_DROP,	/* entries evicted to make room in a full table */
	CT_STAT_ERROR,		/* packets with errors (ICMP errors that matched nothing, ...) */
	CT_STAT_SEARCH_RESTART,	/* lookups restarted: the table changed under them */
	CT_STAT_CLASH_RESOLVE,	/* insert clashes resolved without a drop (Linux 5.6+) */
	CT_STAT_CHAIN_TOOLONG,	/* inserts refused: a hash chain too long (Linux 5.15+) */
	CT_STAT_MAX
};

struct ct_stats {
	uint64_t v[CT_STAT_MAX];	/* events since the namespace began, summed over CPUs */
	uint32_t have;			/* 1u << stat for each counter some CPU sent */
	unsigned cpus;			/* CPU messages summed; 0: no statistics */
};

struct ct_stats_rate {
	double v[CT_STAT_MAX];	/* per second; never negative */
	uint32_t have;		/* 1u << stat: both reads had the counter */
	double seconds;		/* between the two reads; 0: no rate (yet) */
};

/* conntrack -S's name of s: "found", "insert_failed", ...; "" out of range. */
const char *ct_stat_name(unsigned s);

/*
 * Builds the dump request for every CPU's statistics into buf, which holds
 * CT_STATS_REQ_MAX bytes; returns its length.  Exposed for tests.
 */
#define CT_STATS_REQ_MAX 32
size_t ct_stats_build_request(void *buf, uint32_t seq);

/*
 * Adds one reply message (a struct nlmsghdr and its payload, len bytes; one
 * CPU's counters) to *acc.  Returns 0, or -1 when it is not a well-formed
 * statistics message (acc unchanged).  Sums saturate at 2^64-1.  Exposed
 * for tests and fuzzing.
 */
int ct_stats_add_msg(struct ct_stats *acc, const void *msg, size_t len);

/*
 * The rates from prev to cur, seconds apart (seconds > 0 and both with
 * statistics, else r->seconds is 0 and no counter is had).  A counter that
 * went down (a CPU gone offline takes its share out of the sum; a
 * namespace's restart) counts 0 for this interval.
 */
void ct_stats_rate(struct ct_stats_rate *r, const struct ct_stats *prev,
		   const struct ct_stats *cur, double seconds);

#endif
