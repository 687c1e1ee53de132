/*
 * host.h - what this host is: its addresses, its listening sockets and its
 * conntrack settings.  Classification (flow.c) asks it "is this address
 * mine?" and "does a local socket listen on this address and port?".
 *
 * struct host_info is embedded by the caller (host_init/host_fini) and owns
 * its arrays.  Lookups are binary searches over sorted arrays, so call
 * host_finish() after adding and before looking anything up.
 */
#ifndef LSCT_HOST_H
#define LSCT_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"

struct host_addr {
	uint8_t family;
	struct ct_addr a;
};

/* A range of local addresses (--local 10.0.0.0/8): the network and its mask. */
struct host_net {
	uint8_t family;
	uint8_t len;		/* prefix length in bits */
	struct ct_addr net;	/* host bits zero */
	struct ct_addr mask;
};

struct host_listener {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	uint8_t family;		/* AF_INET, AF_INET6, or 0: both (dual-stack "::") */
	uint8_t any;		/* bound to the wildcard address of family */
	struct ct_addr a;	/* the bound address, unless any */
};

struct host_info {
	struct host_addr *addrs;
	size_t naddrs, addrs_cap;
	struct host_net *nets;	/* --local prefixes, checked after addrs */
	size_t nnets, nets_cap;
	struct host_addr *bcast; /* subnet broadcast addresses (IPv4) */
	size_t nbcast, bcast_cap;
	struct host_listener *ls;
	size_t nls, ls_cap;
};

void host_init(struct host_info *h);
void host_fini(struct host_info *h);

void host_add_addr(struct host_info *h, int family, const struct ct_addr *a);
/* Every address in net/len is local; host bits of net are ignored. */
void host_add_net(struct host_info *h, int family, const struct ct_addr *net, unsigned len);
/* A subnet's broadcast address: packets to it are received here. */
void host_add_broadcast(struct host_info *h, int family, const struct ct_addr *a);
/*
 * Parses "ITEM[,ITEM...]" (--local), each an address or a network in CIDR
 * form (10.0.0.0/8, fd00::/8; host bits must be zero, so that an
 * interface's "192.0.2.7/24" is not taken for its whole subnet).  -1 with
 * a one-line reason naming the bad item in err.
 */
int host_parse_addrs(struct host_info *h, const char *text, char *err, size_t errlen);
/*
 * Every address of every interface of this network namespace, and the
 * broadcast address of each IPv4 subnet. -1/errno.
 */
int host_load_addrs(struct host_info *h);

/* a NULL: the wildcard address; family 0 (with a NULL): both families. */
void host_add_listener(struct host_info *h, int proto, int family,
		       const struct ct_addr *a, uint16_t port);
/*
 * Reads one /proc/net/{tcp,tcp6,udp,udp6} table from fd: TCP sockets in
 * LISTEN, UDP sockets bound with no peer.  A wildcard IPv6 address counts for
 * both families (dual-stack sockets).  Returns 0, or -1 with errno.
 */
int host_read_proc_sockets(struct host_info *h, int fd, int proto, int family);
/* All four /proc/net tables; missing tables (no IPv6) are not an error. */
int host_load_listeners_proc(struct host_info *h);
/*
 * The same four tables from NETLINK_SOCK_DIAG (inet_diag dumps filtered by
 * state), counted exactly as host_read_proc_sockets() counts them.  Much
 * cheaper: /proc/net/tcp{,6} each walk every TCP connection of the host,
 * the dump only the listening sockets.  -1 with errno when a dump fails
 * (old kernel, no inet_diag or udp_diag module); what came before stays.
 */
int host_load_listeners_diag(struct host_info *h);
/* sock_diag, falling back to /proc from the first table it cannot dump. */
int host_load_listeners(struct host_info *h);

/* Sorts and deduplicates; call once after the adds. */
void host_finish(struct host_info *h);

/* An address of this host, or in a --local network. */
int host_is_local(const struct host_info *h, int family, const struct ct_addr *a);
/*
 * An address whose packets this host receives without it being its own:
 * IPv4 limited broadcast (255.255.255.255), a subnet broadcast address
 * of an interface, IPv4 multicast (224.0.0.0/4), IPv6 multicast (ff00::/8).
 */
int host_is_broadcast(const struct host_info *h, int family, const struct ct_addr *a);
int host_is_listener(const struct host_info *h, int proto, int family,
		     const struct ct_addr *a, uint16_t port);

/* conntrack sysctls of this namespace; -1 with errno when unreadable. */
struct host_ct_sysctl {
	int acct;		/* net.netfilter.nf_conntrack_acct, -1 unknown */
	int64_t count;		/* nf_conntrack_count, -1 unknown */
	int64_t max;		/* nf_conntrack_max, -1 unknown */
	int events;		/* nf_conntrack_events: 0 off, 1 on, 2 auto; -1 unknown */
	int timestamp;		/* nf_conntrack_timestamp, -1 unknown */
};
void host_read_ct_sysctl(struct host_ct_sysctl *s);
/*
 * From now on host_read_ct_sysctl() reads the sysctls of the namespace the
 * calling thread is in now, through files opened here and kept (--netns:
 * opened inside, read after going back; a sysctl file stays with the
 * namespace it was opened in).  Once, before the sandbox.
 */
void host_ct_sysctl_pin(void);

#endif
