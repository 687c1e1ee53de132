/*
 * ct_source_netlink.h - conntrack entries from a ctnetlink dump.
 *
 * One netlink socket is opened by ct_nl_open() and kept for every later
 * dump.  Each dump asks the kernel for IPv4 and IPv6 entries at once
 * (or one family, when the filter says so) and parses every message's
 * attributes directly into a struct ct_entry on the stack: no libnetfilter
 * object and no allocation per entry.
 *
 * When the kernel marks a dump interrupted (the table changed under it) the
 * whole snapshot is retried after calling the sink's reset(); when the
 * socket overflows (ENOBUFS) its receive buffer is grown and the dump
 * retried.  Both are bounded; past the bound the dump fails with EINTR or
 * ENOBUFS.
 *
 * This header deliberately includes no netfilter header.
 */
#ifndef LSCT_CT_SOURCE_NETLINK_H
#define LSCT_CT_SOURCE_NETLINK_H

#include <stdint.h>
#include <stddef.h>
#include "ct.h"

struct ct_nl;

struct ct_nl_filter {
	uint8_t family;		/* AF_UNSPEC (both), AF_INET or AF_INET6 */
	/*
	 * 0 (all), or IPPROTO_TCP/IPPROTO_UDP: only entries of that protocol.
	 * The kernel (5.8+, CTA_FILTER) takes it only together with a family,
	 * so it is sent only then; a kernel that refuses it gets the request
	 * without it from then on.  Entries may still come of any protocol:
	 * the consumer keeps filtering.
	 */
	uint8_t proto;
};

/*
 * Builds the dump request for filter (NULL: everything) into buf, which
 * holds CT_NL_REQ_MAX bytes; use_proto 0 leaves the protocol out.  Returns
 * its length, or 0 on failure.  Exposed for tests.
 */
#define CT_NL_REQ_MAX 128
size_t ct_nl_build_request(void *buf, uint32_t seq, const struct ct_nl_filter *filter,
			   int use_proto);

struct ct_nl_stats {
	uint64_t messages;	/* netlink messages received in the last dump */
	uint64_t entries;	/* entries delivered to the sink */
	uint64_t malformed;	/* messages whose attributes did not parse */
	unsigned retries;	/* interrupted dumps restarted */
	unsigned enobufs;	/* receive buffer overflows */
	size_t rcvbuf;		/* receive buffer size in bytes now */
};

/* Opens and binds the socket.  NULL with errno set on failure. */
struct ct_nl *ct_nl_open(void);
void ct_nl_close(struct ct_nl *nl);

/*
 * Dumps the table once.  Overwrites *st.  Returns 0, or -1 with errno:
 * EPERM (no CAP_NET_ADMIN), ENOENT/EOPNOTSUPP/EPROTONOSUPPORT (ctnetlink
 * not available), EINTR/ENOBUFS after too many retries, or what the sink set.
 */
int ct_nl_dump(struct ct_nl *nl, const struct ct_nl_filter *filter,
	       const struct ct_sink *sink, struct ct_nl_stats *st);

/*
 * Parses one ctnetlink message (a struct nlmsghdr and its payload, len
 * bytes) into *out.  Returns 0, or -1 if it is not a well-formed conntrack
 * entry.  Exposed for tests and fuzzing.
 */
int ct_nl_parse_msg(const void *msg, size_t len, struct ct_entry *out);

/*
 * Reads n connections again, one GET request each for its original tuple
 * and zone (in datagrams of 64), and hands each one the kernel still has
 * to sink->add() (its result is ignored), in the order asked; *found
 * counts them.  A connection that is gone is skipped.  0, or -1 with errno
 * (EPERM without CAP_NET_ADMIN).
 */
int ct_nl_get(struct ct_nl *nl, const struct ct_entry *e, size_t n,
	      const struct ct_sink *sink, size_t *found);
/* One GET request for e into buf (192 bytes); its length.  Exposed for tests. */
size_t ct_nl_build_get(void *buf, uint32_t seq, const struct ct_entry *e);

#endif
