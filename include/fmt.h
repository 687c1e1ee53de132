/*
 * fmt.h - numbers, addresses and untrusted text turned into printable text.
 * Every function writes into a caller's buffer and never allocates.
 */
#ifndef LSCT_FMT_H
#define LSCT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"
#include "flow.h"

/* Room for any endpoint: a 253-byte name or bracketed IPv6, ':' and a port. */
#define FMT_ENDPOINT_MAX 300

/*
 * "10.0.0.1:3306", "[fd00::1]:80", "name:80".  port is a decimal string or
 * "many", or NULL for a port-less end: "10.0.0.1", "fd00::1", "name".
 * name (already checked by fmt_is_peer_name) replaces the address when
 * non-NULL.
 */
void fmt_endpoint(char *buf, size_t len, int family, const struct ct_addr *a,
		  const char *name, const char *port);

/*
 * The two sides of a flow as the table prints them ("localhost:many"); a
 * port-less flow (ICMP, GRE: flow_has_port()) has none: "localhost",
 * "10.0.0.1".
 */
void fmt_flow_local(const struct flow *f, char *buf, size_t len);
void fmt_flow_peer(const struct flow *f, const char *name, char *buf, size_t len);
/*
 * A routed flow's (FLOW_ROUTED) client side, in place of fmt_flow_local():
 * "10.0.0.5:many", "[fd00::5]:many", "10.0.0.5" (port-less), name for the
 * address when given; r NULL (unknown number): "?:many".
 */
void fmt_route_client(const struct flow *f, const struct flow_route *r, const char *name,
		      char *buf, size_t len);
/*
 * What NAT changed on a routed flow, "" when nothing: "dnat 10.0.1.10:8443"
 * (where the server really is), "snat 198.51.100.1" (the address the client
 * was given), or both, "dnat 10.0.1.10:8443, snat 198.51.100.1".
 */
void fmt_route_nat(const struct flow *f, const struct flow_route *r, char *buf, size_t len);
/*
 * The flow on one line, numeric, as deletions name it:
 * "localhost:many --> 10.0.1.10:3306 tcp", "localhost:53 <-- 10.0.0.2:many udp".
 */
void fmt_flow_line(const struct flow_key *k, char *buf, size_t len);
/* The port strings of the JSON schema: "3306" or "many". */
void fmt_flow_ports(const struct flow *f, char *local, char *peer, size_t len);

/* "tcp", "udp", "udplite", "sctp", "dccp", "icmp", "icmpv6", "gre", or the number. */
const char *fmt_proto(int proto, char *buf, size_t len);
/*
 * A port-less flow's key is the usual one: ICMP echo (type 8, ICMPv6 128),
 * GRE key 0.  True for every protocol with ports.
 */
int fmt_flow_key_is_plain(const struct flow_key *k);
/*
 * The Proto column: fmt_proto(), with the key of a port-less flow when it
 * is not the usual one: "icmp:13" (the request's type), "gre:0x1f".
 */
const char *fmt_flow_proto(const struct flow_key *k, char *buf, size_t len);

/*
 * True if s is a plausible DNS name: 1..253 bytes of letters, digits, '-',
 * '_' and '.', no empty label.  Names from reverse DNS are untrusted; anything
 * else (control bytes, spaces, UTF-8) is rejected rather than printed.
 */
int fmt_is_hostname(const char *s);

/*
 * True if a name from reverse DNS may stand for a peer in place of its
 * address: fmt_is_hostname() accepts it and it cannot pass for an address or
 * for this host.  Refused: what ct_addr_parse() reads as an address
 * ("10.0.0.5"), an all-digit last label (no top-level domain is one; this
 * catches "10.1" and "0x7f.1", which inet_aton() reads as addresses),
 * "localhost", "localhost.localdomain", names under ".localhost", and
 * Debian's "ip6-localhost" and "ip6-loopback", in any case.  A PTR record is
 * whatever the peer's zone says, so a peer must not look like another host.
 */
int fmt_is_peer_name(const char *s);

/* Copies s, writing bytes outside printable ASCII as \xNN; always terminates. */
void fmt_escape(const char *s, char *out, size_t len);

/* Decimal, right-aligned in width, no allocation. */
int fmt_u64(char *buf, size_t len, uint64_t v);

/*
 * A byte or packet count (or rate) in at most 4 characters: "0", "980",
 * "1.2K", "34K", "5.6M", "1.1G" (units of 1024).  Below 10 a fraction
 * keeps one decimal ("0.5"), so a slow but non-zero rate does not read 0.
 */
void fmt_human(char *buf, size_t len, double v);

/*
 * A duration in two units at most, the larger first: "42s", "3m12s",
 * "5h03m", "2d05h".  For ages of connections (a few seconds to weeks).
 */
void fmt_duration(char *buf, size_t len, uint64_t secs);

/* A time in UTC as RFC 3339 with milliseconds: "2026-11-30T03:00:00.123Z". */
struct timespec;
void fmt_rfc3339(const struct timespec *ts, char *buf, size_t len);

#endif
