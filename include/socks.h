/*
 * socks.h - the viewed namespace's TCP and UDP sockets, from one sock_diag
 * dump per snapshot: who holds each connection's local end (inode, uid,
 * cgroup), and for TCP the kernel's tcp_info (RTT, retransmissions).
 *
 * A struct socks is opened (socks_open()) in the namespace it is to see,
 * before the privilege drop: a NETLINK_SOCK_DIAG socket answers for the
 * namespace it was created in, wherever its reader runs.  socks_dump() is
 * then called by the thread that dumps conntrack, before each dump; the
 * records stay valid until the next socks_dump().
 *
 * Lookups take a connection's local end as the socket sees it (flow.c
 * knows which conntrack tuple that is, doc/classification.md): the exact
 * 4-tuple first; sockets without a peer (listeners, unconnected UDP) by
 * their bound address, then by the wildcard address, a dual-stack "::"
 * socket counting for IPv4 too.  IPv4-mapped IPv6 addresses are keyed as
 * IPv4.
 *
 * Each record carries proc, the process that holds it (procs.h), 0 when
 * not known: socks_dump() leaves it 0 and procs_attribute() fills it.  A
 * connection whose socket lost its owner (TIME_WAIT, closed, the process
 * exited) keeps the last one known for its 4-tuple for SOCKS_REMEMBER
 * seconds (socks_remember()).
 */
#ifndef LSCT_SOCKS_H
#define LSCT_SOCKS_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"

/* Seconds a 4-tuple keeps the last owner its socket had. */
#define SOCKS_REMEMBER 120

struct sock_rec {
	struct ct_addr laddr, raddr;	/* local and remote; IPv4-mapped stored as IPv4 */
	uint16_t lport, rport;		/* host byte order; rport 0: no peer */
	uint8_t family;			/* AF_INET or AF_INET6 (dual-stack "::": AF_INET6) */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state;			/* TCP_* of linux/tcp.h; UDP: TCP_CLOSE or TCP_ESTABLISHED */
	uint8_t has_info;		/* the tcp_info fields below are the kernel's */
	uint32_t inode;			/* 0: no file (TIME_WAIT, request sockets) */
	uint32_t uid;
	uint64_t cgroup;		/* cgroup v2 id (the directory's inode), 0 unknown */
	uint64_t cookie;		/* the kernel's socket id, stable for its life */
	uint32_t rtt_us;		/* smoothed RTT (tcpi_rtt), microseconds */
	uint32_t total_retrans;		/* tcpi_total_retrans, since the socket was made */
	uint32_t lost, unacked;		/* tcpi_lost, tcpi_unacked: segments now */
	uint32_t retrans_delta;		/* total_retrans since the previous dump, never negative */
	uint32_t proc;			/* procs.h number; 0 unknown */
};

/*
 * Parses one SOCK_DIAG_BY_FAMILY answer (the netlink message, header
 * included, len bytes).  0, or -1 with a one-line reason in err when it is
 * not a well-formed inet_diag message.  Pure.
 */
int socks_parse_msg(const void *msg, size_t len, struct sock_rec *out, char *err,
		    size_t errlen);

/*
 * One inet_diag dump (SOCK_DIAG_BY_FAMILY, NLM_F_DUMP) on a bound
 * NETLINK_SOCK_DIAG socket nl of port id portid, *seq bumped for the
 * request: sockets of family and proto in the states of the bit mask
 * (1 << TCP_*; the kernel filters), with the INET_DIAG_* extensions of the
 * bit mask ext.  Each answer goes to fn, borrowed for the call.  buf (len
 * bytes, SOCKS_DIAG_BUFSIZE: a dump's parts are at most 32 KiB, the
 * kernel's max_recvmsg_len cap) is the receive buffer, aligned for a
 * nlmsghdr.  0, or -1 with errno (ENOENT: no inet_diag, tcp_diag or
 * udp_diag module); host.c's listener dump uses it too.
 */
#define SOCKS_DIAG_BUFSIZE	(32 * 1024)
struct mnl_socket;
struct nlmsghdr;
int socks_diag_dump(struct mnl_socket *nl, unsigned portid, uint32_t *seq, void *buf,
		    size_t len, int family, int proto, uint32_t states, uint8_t ext,
		    void (*fn)(const struct nlmsghdr *m, void *arg), void *arg);

struct socks;

struct socks *socks_new(void);
void socks_free(struct socks *s);
/* The sock_diag socket, in this thread's network namespace now.  -1/errno. */
int socks_open(struct socks *s);
/*
 * Every TCP socket but request sockets, and every UDP socket, of both
 * families; TCP with tcp_info.  Replaces the records.  now: seconds on the
 * monotonic clock, for the remembered owners.  -1/errno, the old records
 * gone (a lookup then finds nothing).
 */
int socks_dump(struct socks *s, double now);
/*
 * Tests and the dump: replaces the records with n given ones (copied), as
 * socks_dump() would have read them (retrans_delta computed here).
 */
void socks_set(struct socks *s, const struct sock_rec *r, size_t n, double now);

size_t socks_count(const struct socks *s);
/* Record i, writable for procs_attribute(). */
struct sock_rec *socks_at(struct socks *s, size_t i);
/*
 * After the procs are set: every record with an owner refreshes what its
 * 4-tuple remembers; records without one take what it remembered, if not
 * older than SOCKS_REMEMBER seconds.
 */
void socks_remember(struct socks *s, double now);

/* The socket of a connection's local end; NULL when none. */
const struct sock_rec *socks_find(const struct socks *s, int proto, int family,
				  const struct ct_addr *l, uint16_t lport,
				  const struct ct_addr *r, uint16_t rport);
/*
 * The socket without a peer bound to l:lport (TCP: listening), else to the
 * wildcard address; NULL when none.
 */
const struct sock_rec *socks_find_bound(const struct socks *s, int proto, int family,
					const struct ct_addr *l, uint16_t lport);

/*
 * The owner remembered for a 4-tuple whose socket is gone from the dump
 * (closed, its process exited); 0 none.
 */
uint32_t socks_remembered(const struct socks *s, int proto, int family,
			  const struct ct_addr *l, uint16_t lport,
			  const struct ct_addr *r, uint16_t rport);

#endif
