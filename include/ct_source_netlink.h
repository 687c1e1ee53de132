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

/* Tuple fields a port can be matched against (struct ct_nl_port.field). */
enum ct_nl_port_field {
	CT_NL_ORIG_SPORT = 1,	/* original tuple's source port */
	CT_NL_ORIG_DPORT,	/* original tuple's destination port */
	CT_NL_REPLY_SPORT,	/* reply tuple's source port */
};

/* One port condition: the entry's field equals port (host byte order). */
struct ct_nl_port {
	uint8_t field;		/* enum ct_nl_port_field */
	uint16_t port;
};

#define CT_NL_PORTS_MAX 2

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
	/*
	 * nports > 0: only entries where at least one of ports[] holds (an
	 * OR).  The kernel matches ports only within one family and one
	 * protocol, so the dump becomes one request per family (AF_UNSPEC:
	 * IPv4 then IPv6), per protocol (proto 0: TCP then UDP; entries of
	 * other protocols are left out) and per condition, each walking the
	 * whole table (about 10% of a full dump's cost); past
	 * CT_NL_PASSES_MAX requests the ports are not used.  Every entry is
	 * delivered once, and only if it matches: the same entries whether or
	 * not the kernel applied the filter (before 5.8 it ignores it).  A
	 * kernel that refuses it (EINVAL, EOPNOTSUPP) gets the one request
	 * of family and protocol above from then on.
	 *
	 * cli_open_source() fills it from the command line only where it is
	 * a superset of what is shown; LSCT_NO_KFILTER=1 in a trusted
	 * environment (not a setuid or setcap copy) leaves the protocol and
	 * the ports out, for tests that compare.
	 */
	uint8_t nports;
	struct ct_nl_port ports[CT_NL_PORTS_MAX];
	/*
	 * has_zone: only entries of zone (CTA_ZONE: dumps filter by it from
	 * Linux 6.8; earlier kernels ignore it).  has_mark: only entries
	 * with (mark & mark_mask) == mark_val (CTA_MARK and CTA_MARK_MASK,
	 * Linux 2.6.34 and later).  Both go into every request of the dump,
	 * whatever its family, protocol and ports; a kernel that refuses them
	 * (EINVAL, EOPNOTSUPP: built without zones or marks) gets the
	 * requests without them from then on.  Entries of other zones and
	 * marks may still come: the consumer keeps filtering.
	 */
	uint8_t has_zone, has_mark;
	uint16_t zone;
	uint32_t mark_val, mark_mask;
};

/* One request of a dump (a pass over the table). */
struct ct_nl_pass {
	uint8_t family;		/* the request header's family */
	uint8_t proto;		/* 0: no CTA_FILTER */
	struct ct_nl_port port;	/* field 0: no port condition */
	uint8_t has_zone, has_mark;	/* CTA_ZONE, CTA_MARK + CTA_MARK_MASK */
	uint16_t zone;
	uint32_t mark_val, mark_mask;
};

#define CT_NL_PASSES_MAX 4

/*
 * The requests a dump with filter (not NULL) sends, into out; returns
 * their number (at least 1).  use_ports 0 (or a plan longer than
 * CT_NL_PASSES_MAX) gives the one request of family and protocol;
 * use_proto 0 leaves the protocol out of that one.  Every request carries
 * the filter's zone and mark.  Exposed for tests.
 */
unsigned ct_nl_plan(const struct ct_nl_filter *filter, int use_proto, int use_ports,
		    struct ct_nl_pass out[CT_NL_PASSES_MAX]);

/*
 * True if e is one pass i of plan delivers: it matches pass i and no
 * earlier pass (so that each entry comes once).  Exposed for tests.
 */
int ct_nl_pass_keeps(const struct ct_nl_pass *plan, unsigned i, const struct ct_entry *e);

/*
 * Builds the request of pass p into buf, which holds CT_NL_REQ_MAX bytes.
 * Returns its length, or 0 on failure.  Exposed for tests.
 */
#define CT_NL_REQ_MAX 128
size_t ct_nl_build_pass(void *buf, uint32_t seq, const struct ct_nl_pass *p);

/*
 * Builds the dump request for filter (NULL: everything) into buf, which
 * holds CT_NL_REQ_MAX bytes; use_proto 0 leaves the protocol out; the
 * ports are not used.  Returns its length, or 0 on failure.  Exposed for
 * tests.
 */
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

/*
 * Deletes n connections from the kernel's table, one IPCTNL_MSG_CT_DELETE
 * each (in datagrams of 64) for its original tuple, its zone (unless the
 * zone is the reply direction's only) and, when known (CT_F_ID), its id:
 * a later connection with the same tuple is left alone.  errs[i] gets
 * what the kernel answered for e[i]: 0 deleted, ENOENT already gone (or
 * the tuple now holds another connection), EPERM without CAP_NET_ADMIN,
 * EINVAL for an entry of no known family (never sent: a DELETE without a
 * tuple would flush the table).  0, or -1 with errno when the socket
 * failed (the entries not answered get that errno).
 */
int ct_nl_delete(struct ct_nl *nl, const struct ct_entry *e, size_t n, int *errs);
/*
 * One DELETE request for e into buf (192 bytes); its length, or 0 when e
 * has no family the kernel can look up.  Exposed for tests.
 */
size_t ct_nl_build_delete(void *buf, uint32_t seq, const struct ct_entry *e);
/*
 * The kernel's conntrack statistics of the socket's network namespace
 * (IPCTNL_MSG_CT_GET_STATS_CPU, what conntrack -S prints), summed over
 * CPUs into *out (ct_stats.h; messages that do not parse are left out).
 * 0, or -1 with errno: EPERM without CAP_NET_ADMIN, EPROTO when no CPU's
 * message parsed.
 */
struct ct_stats;
int ct_nl_table_stats(struct ct_nl *nl, struct ct_stats *out);

#endif
