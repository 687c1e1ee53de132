/*
 * ctgen.c - synthetic entries in this network namespace's conntrack table,
 * through ctnetlink: a table filled once (the benchmark, bench/run.sh and
 * bench/tui.sh) or steady churn (the soak test, tests/soak.sh).
 *
 *   ctgen fill [-S server|busy] [-F FLOWS] [-s FIRST] [-n COUNT] [-t TIMEOUT]
 *   ctgen churn -l LOCAL4 -L LOCAL6 [-r RATE] [-k KEEP] [-s SECONDS] [-t TIMEOUT]
 *
 * fill creates entries number FIRST .. FIRST+COUNT-1 (default 0, 10000) of
 * one fixed, deterministic sequence, so filling 10k and then 90k more gives
 * the same table as filling 100k at once.  The table looks like a busy
 * server whose addresses are 198.18.0.1 and 2001:2::1 (the benchmarking
 * ranges of RFC 2544 / RFC 5180; bench/run.sh puts them on the namespace's
 * lo):
 *
 *   30%  TCP/IPv4 active:  198.18.0.1:eph -> 300 peers on service ports
 *   40%  TCP/IPv4 passive: 40000 clients -> 198.18.0.1:80 and :443
 *    5%  TCP/IPv6 active:  2001:2::1:eph -> 100 peers on service ports
 *   10%  TCP/IPv6 passive: 20000 clients -> [2001:2::1]:443
 *   10%  UDP/IPv4 active:  198.18.0.1:eph -> 20 resolvers, NTP, statsd
 *    5%  UDP/IPv6 passive: 20000 clients -> [2001:2::1]:443 (QUIC)
 *
 * TCP entries are ESTABLISHED, one in five TIME_WAIT; TIMEOUT defaults to
 * 7200 s.
 *
 * -S busy is another shape (the memory benchmark, bench/busy.sh): entries
 * spread over FLOWS flows (default 300000) with a peer each, so a reader
 * keeps many small flows.  Entry i belongs to flow f = i % FLOWS, as its
 * (i / FLOWS)-th connection; the flow's kind is f % 20:
 *
 *    5%  UDP/IPv4 active:  198.18.0.1:eph -> 10.(f):53
 *    5%  TCP/IPv6 active:  2001:2::1:eph -> 2001:2:0:4::f, service ports
 *    5%  TCP/IPv6 passive: 2001:2:0:5::f -> [2001:2::1]:443
 *   45%  TCP/IPv4 active:  198.18.0.1:eph -> 10.(f), service ports
 *   40%  TCP/IPv4 passive: 100.64.0.0 + f -> 198.18.0.1:80 or :443
 *
 * (10.(f) is 10.0.0.0 + f + 1.)  1M entries over 300000 flows: 3 or 4
 * connections a flow, 10% IPv6, 5% UDP.  FIRST and COUNT work as for the
 * server shape, with the same FLOWS.  It stops at the first batch the kernel refused anything of;
 * entries already in the table (EEXIST) are counted and skipped, so a failed
 * fill can be rerun.  Prints "created=N existing=N seconds=S".
 *
 * churn creates RATE entries a second (default 4000); once KEEP (default
 * 8000) exist, each creation also deletes the oldest one, so the table holds
 * KEEP of them and RATE come and go each second.  Entry i is one of four
 * kinds (i % 4):
 *
 *   TCP/IPv4 active:  LOCAL4:eph -> 200 peers in 10.205.0.0/16, service ports
 *   UDP/IPv4 active:  LOCAL4:eph -> 20 resolvers 10.205.9.x:53
 *   TCP/IPv4 passive: 1900 regular clients in 10.64.0.0/16 -> LOCAL4:80 or
 *                     :443; one connection in 20 from a client never seen
 *                     before, counting up from 10.1.0.0 (2^22 of them)
 *   TCP/IPv6 passive: the same into [LOCAL6]:443, regular clients
 *                     fd00:206::/112, new ones counting up in fd00:206:1::/64
 *
 * With KEEP >= 8000 every regular client always has a connection: those
 * flows stay while their connections churn, so the number of flows does not
 * depend on how often a reader looks.  The new clients are flows that come
 * and go (RATE/80 a second per family) with ever new peer addresses, as a
 * public server sees them; their addresses sort before the regular ones.
 * LOCAL4 and LOCAL6 must be addresses of the namespace, so the entries are
 * host flows.  Any KEEP/4 consecutive entries of a kind have distinct tuples
 * (KEEP < 112000).  TIMEOUT (default 60 s) only bounds what a killed run
 * leaves behind.  Runs for SECONDS (0, the default: until SIGINT or
 * SIGTERM), then prints "created N deleted N refused N", the first
 * refusal's error, and "seconds S".
 *
 * No packet is sent: the entries only exist in the table, and their
 * counters are zero (the kernel ignores counters in create requests).
 * libnetfilter_conntrack builds each request; many go out in one sendmsg,
 * without acks, and the kernel's error answers are read after each batch.
 * Needs CAP_NET_ADMIN.  Exit status 0, 1 on a failure (with the kernel's
 * error), 2 usage.
 */
/* Built standalone or with the Makefile's CPPFLAGS, which define it too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "common.h"

/* One message is < 256 bytes; a batch is bounded by bytes. */
#define MSG_ROOM	1024
#define ANSWERS		(MNL_SOCKET_BUFFER_SIZE * 4)

static const uint16_t services[10] = {
	3306, 5432, 6379, 11211, 9092, 443, 80, 8080, 9200, 2379,
};

struct entry {
	uint8_t family, proto, tcp_state;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* ---------------------------------------------------------------------
 * Requests: one create and one delete template per family and protocol;
 * every attribute that varies is set again for each entry.
 */

struct requests {
	struct nf_conntrack *create[2][2];	/* [IPv6][UDP]: status, timeout preset */
	struct nf_conntrack *tuple[2][2];	/* the tuple only, for deletes */
};

static int requests_init(struct requests *r, uint32_t timeout)
{
	memset(r, 0, sizeof *r);
	for (int v6 = 0; v6 < 2; v6++)
		for (int udp = 0; udp < 2; udp++) {
			struct nf_conntrack *c = nfct_new(), *t = nfct_new();

			r->create[v6][udp] = c;
			r->tuple[v6][udp] = t;
			if (!c || !t)
				return -1;
			for (struct nf_conntrack *ct = c; ct; ct = ct == c ? t : NULL) {
				nfct_set_attr_u8(ct, ATTR_L3PROTO, v6 ? AF_INET6 : AF_INET);
				nfct_set_attr_u8(ct, ATTR_L4PROTO, udp ? IPPROTO_UDP : IPPROTO_TCP);
			}
			/* CONFIRMED is required to create (EBUSY otherwise), as conntrack -I sends it. */
			nfct_set_attr_u32(c, ATTR_STATUS, IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED);
			nfct_set_attr_u32(c, ATTR_TIMEOUT, timeout);
		}
	return 0;
}

static void requests_fini(struct requests *r)
{
	for (int v6 = 0; v6 < 2; v6++)
		for (int udp = 0; udp < 2; udp++) {
			if (r->create[v6][udp])
				nfct_destroy(r->create[v6][udp]);
			if (r->tuple[v6][udp])
				nfct_destroy(r->tuple[v6][udp]);
		}
}

/* Builds the create (or, with del, the delete) request for e at nlh; returns its aligned length. */
static size_t request_build(struct requests *r, void *at, const struct entry *e, uint32_t seq,
			    int del)
{
	int v6 = e->family == AF_INET6, udp = e->proto == IPPROTO_UDP;
	struct nf_conntrack *ct = del ? r->tuple[v6][udp] : r->create[v6][udp];
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (!v6) {
		uint32_t a;

		memcpy(&a, e->src, 4);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, a);
		memcpy(&a, e->dst, 4);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, a);
	} else {
		nfct_set_attr(ct, ATTR_IPV6_SRC, e->src);
		nfct_set_attr(ct, ATTR_IPV6_DST, e->dst);
	}
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(e->sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(e->dport));
	if (!del) {
		/* The kernel wants the reply tuple, protocols included (EINVAL otherwise). */
		nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
		if (!udp)
			nfct_set_attr_u8(ct, ATTR_TCP_STATE, e->tcp_state);
	}
	nlh = mnl_nlmsg_put_header(at);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (del ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	/* No NLM_F_ACK: only failures are answered. */
	nlh->nlmsg_flags = NLM_F_REQUEST | (del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	/* The sequence number names the entry in an error answer. */
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = e->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	nfct_nlmsg_build(nlh, ct);
	return NLMSG_ALIGN(nlh->nlmsg_len);
}

/* A ctnetlink socket for batches; error answers carry only the failed request's header. */
static struct mnl_socket *batch_socket(int sndbuf, int rcvbuf)
{
	struct mnl_socket *nl = tool_socket(sndbuf, rcvbuf);
	int one = 1;

	if (nl)
		(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof one);
	return nl;
}

/* ---------------------------------------------------------------------
 * fill: the benchmark's server table.
 */

#define FILL_BATCH	(192 * 1024)
#define FILL_SNDBUF	(4 << 20)
#define FILL_RCVBUF	(8 << 20)

#define N_PEERS4	300
#define N_PEERS6	100
#define N_UDP_PEERS	20
#define N_CLIENTS4	40000
#define N_CLIENTS6	20000
#define FILL_EPH_FIRST	32768	/* Linux's default ip_local_port_range */
#define FILL_EPH_COUNT	28232
#define CLIENT_PORTS	64000	/* client source ports 1024.. */

enum fill_kind { ACT4, PAS4, ACT6, PAS6, UDP4, UDP6, N_FILL_KINDS };

/* Entry i has kind slot[i % 20]; the shares are in the header comment. */
static const uint8_t slot[20] = {
	PAS4, ACT4, PAS4, ACT4, PAS6, UDP4, PAS4, ACT4, PAS4, ACT6,
	PAS4, ACT4, PAS6, UDP4, PAS4, ACT4, PAS4, UDP6, PAS4, ACT4,
};

struct fill_seq {
	unsigned per_kind[N_FILL_KINDS];	/* slots of each kind in one round of 20 */
	unsigned rank[20];			/* this slot's rank among its kind's slots */
};

static void v4(uint8_t *a, unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
	a[0] = (uint8_t)b0;
	a[1] = (uint8_t)b1;
	a[2] = (uint8_t)b2;
	a[3] = (uint8_t)b3;
}

/* 2001:2:0:NET::host (host < 2^32). */
static void v6(uint8_t *a, unsigned net, uint32_t host)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[3] = 0x02;
	a[6] = (uint8_t)(net >> 8);
	a[7] = (uint8_t)net;
	a[12] = (uint8_t)(host >> 24);
	a[13] = (uint8_t)(host >> 16);
	a[14] = (uint8_t)(host >> 8);
	a[15] = (uint8_t)host;
}

static void local4(uint8_t *a)
{
	v4(a, 198, 18, 0, 1);
}

static void local6(uint8_t *a)
{
	v6(a, 0, 1);
}

static void fill_seq_init(struct fill_seq *g)
{
	unsigned seen[N_FILL_KINDS] = { 0 };

	memset(g, 0, sizeof *g);
	for (unsigned s = 0; s < 20; s++) {
		g->rank[s] = seen[slot[s]]++;
		g->per_kind[slot[s]]++;
	}
}

/* The largest number of entries whose tuples are all distinct. */
static uint64_t fill_capacity(const struct fill_seq *g)
{
	static const uint64_t distinct[N_FILL_KINDS] = {
		[ACT4] = (uint64_t)N_PEERS4 * FILL_EPH_COUNT,
		[PAS4] = 2ull * N_CLIENTS4 * CLIENT_PORTS,
		[ACT6] = (uint64_t)N_PEERS6 * FILL_EPH_COUNT,
		[PAS6] = (uint64_t)N_CLIENTS6 * CLIENT_PORTS,
		[UDP4] = (uint64_t)N_UDP_PEERS * FILL_EPH_COUNT,
		[UDP6] = (uint64_t)N_CLIENTS6 * CLIENT_PORTS,
	};
	uint64_t cap = UINT64_MAX;

	for (unsigned k = 0; k < N_FILL_KINDS; k++)
		if (distinct[k] / g->per_kind[k] * 20 < cap)
			cap = distinct[k] / g->per_kind[k] * 20;
	return cap;
}

/* Entry number i of the sequence.  Distinct i give distinct tuples. */
static void fill_entry(const struct fill_seq *g, uint64_t i, struct entry *e)
{
	unsigned s = (unsigned)(i % 20);
	enum fill_kind kind = slot[s];
	uint64_t k = i / 20 * g->per_kind[kind] + g->rank[s];
	unsigned p, c;

	memset(e, 0, sizeof *e);
	e->proto = IPPROTO_TCP;
	e->tcp_state = k % 5 == 4 ? TCP_CONNTRACK_TIME_WAIT : TCP_CONNTRACK_ESTABLISHED;
	switch (kind) {
	case ACT4:
		p = (unsigned)(k % N_PEERS4);
		e->family = AF_INET;
		local4(e->src);
		v4(e->dst, 198, 18, 1 + p / 250, 1 + p % 250);
		e->sport = (uint16_t)(FILL_EPH_FIRST + k / N_PEERS4 % FILL_EPH_COUNT);
		e->dport = services[p % 10];
		break;
	case PAS4:
		c = (unsigned)(k / 2 % N_CLIENTS4);
		e->family = AF_INET;
		v4(e->src, 198, 19, c / 250, 1 + c % 250);
		local4(e->dst);
		e->sport = (uint16_t)(1024 + k / 2 / N_CLIENTS4 % CLIENT_PORTS);
		e->dport = k % 2 ? 443 : 80;
		break;
	case ACT6:
		p = (unsigned)(k % N_PEERS6);
		e->family = AF_INET6;
		local6(e->src);
		v6(e->dst, 1, 1 + p);
		e->sport = (uint16_t)(FILL_EPH_FIRST + k / N_PEERS6 % FILL_EPH_COUNT);
		e->dport = services[p % 10];
		break;
	case PAS6:
		c = (unsigned)(k % N_CLIENTS6);
		e->family = AF_INET6;
		v6(e->src, 2, 1 + c);
		local6(e->dst);
		e->sport = (uint16_t)(1024 + k / N_CLIENTS6 % CLIENT_PORTS);
		e->dport = 443;
		break;
	case UDP4:
		p = (unsigned)(k % N_UDP_PEERS);
		e->family = AF_INET;
		e->proto = IPPROTO_UDP;
		local4(e->src);
		v4(e->dst, 198, 18, 3, 1 + p);
		e->sport = (uint16_t)(FILL_EPH_FIRST + k / N_UDP_PEERS % FILL_EPH_COUNT);
		e->dport = p < 10 ? 53 : p < 15 ? 123 : 8125;
		break;
	case UDP6:
	default:
		c = (unsigned)(k % N_CLIENTS6);
		e->family = AF_INET6;
		e->proto = IPPROTO_UDP;
		v6(e->src, 3, 1 + c);
		local6(e->dst);
		e->sport = (uint16_t)(1024 + k / N_CLIENTS6 % CLIENT_PORTS);
		e->dport = 443;
		break;
	}
}

#define BUSY_FLOWS_MAX	(1u << 22)	/* 10.0.0.0/8 and 100.64.0.0/10 hold them */

/* Entry number i of the busy shape over flows flows.  Distinct i give distinct tuples. */
static void busy_entry(uint32_t flows, uint64_t i, struct entry *e)
{
	uint32_t f = (uint32_t)(i % flows), a = f + 1;
	uint64_t c = i / flows;		/* this flow's c-th connection */
	unsigned kind = f % 20;

	memset(e, 0, sizeof *e);
	e->proto = IPPROTO_TCP;
	e->family = AF_INET;
	e->tcp_state = c % 5 == 4 ? TCP_CONNTRACK_TIME_WAIT : TCP_CONNTRACK_ESTABLISHED;
	if (kind == 0) {
		e->proto = IPPROTO_UDP;
		local4(e->src);
		v4(e->dst, 10, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff);
		e->sport = (uint16_t)(FILL_EPH_FIRST + c % FILL_EPH_COUNT);
		e->dport = 53;
	} else if (kind == 1) {
		e->family = AF_INET6;
		local6(e->src);
		v6(e->dst, 4, a);
		e->sport = (uint16_t)(FILL_EPH_FIRST + c % FILL_EPH_COUNT);
		e->dport = services[f / 20 % 10];
	} else if (kind == 2) {
		e->family = AF_INET6;
		v6(e->src, 5, a);
		local6(e->dst);
		e->sport = (uint16_t)(1024 + c % CLIENT_PORTS);
		e->dport = 443;
	} else if (kind < 12) {
		local4(e->src);
		v4(e->dst, 10, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff);
		e->sport = (uint16_t)(FILL_EPH_FIRST + c % FILL_EPH_COUNT);
		e->dport = services[f / 20 % 10];
	} else {
		v4(e->src, 100, 64 + (a >> 16 & 0x3f), a >> 8 & 0xff, a & 0xff);
		local4(e->dst);
		e->sport = (uint16_t)(1024 + c % CLIENT_PORTS);
		e->dport = f % 2 ? 443 : 80;
	}
}

static int usage_fill(void)
{
	fprintf(stderr, "usage: ctgen fill [-S server|busy] [-F FLOWS] [-s FIRST] [-n COUNT] "
		"[-t TIMEOUT_SECONDS]\n");
	return 2;
}

static int run_fill(int argc, char **argv)
{
	uint64_t first = 0, count = 10000, cap;
	uint32_t timeout = 7200, flows = 300000;
	int busy = 0;
	struct mnl_socket *nl;
	struct errs er = { 0 };
	struct requests req;
	struct fill_seq g;
	char *out, *in;
	size_t len = 0;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "S:F:s:n:t:")) != -1) {
		switch (opt) {
		case 'S':
			if (strcmp(optarg, "busy") == 0)
				busy = 1;
			else if (strcmp(optarg, "server") != 0)
				return usage_fill();
			break;
		case 'F': flows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': first = strtoull(optarg, NULL, 10); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 't': timeout = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: return usage_fill();
		}
	}
	if (optind != argc || timeout == 0 || flows == 0 || flows > BUSY_FLOWS_MAX)
		return usage_fill();
	fill_seq_init(&g);
	out = malloc(FILL_BATCH + MSG_ROOM);
	in = malloc(ANSWERS);
	if (!out || !in || requests_init(&req, timeout) < 0) {
		fprintf(stderr, "ctgen: out of memory\n");
		return 1;
	}
	/* Busy: a flow's connections differ by port (28232 ephemeral ports). */
	cap = busy ? (uint64_t)flows * FILL_EPH_COUNT : fill_capacity(&g);
	if (first + count > cap) {
		fprintf(stderr, "ctgen: at most %llu entries have distinct tuples\n",
			(unsigned long long)cap);
		return 2;
	}
	nl = batch_socket(FILL_SNDBUF, FILL_RCVBUF);
	if (!nl) {
		perror("ctgen: netlink socket");
		return 1;
	}

	t0 = now();
	for (uint64_t i = first; i < first + count; i++) {
		struct entry e;

		if (busy)
			busy_entry(flows, i, &e);
		else
			fill_entry(&g, i, &e);
		len += request_build(&req, out + len, &e, (uint32_t)i, 0);
		if (len >= FILL_BATCH || i + 1 == first + count) {
			if (mnl_socket_sendto(nl, out, len) < 0) {
				perror("ctgen: sendmsg");
				return 1;
			}
			len = 0;
			if (read_errors(nl, in, ANSWERS, &er) < 0) {
				perror("ctgen: reading answers");
				return 1;
			}
			if (er.count)
				break;
		}
	}
	if (er.count) {
		fprintf(stderr, "ctgen: the kernel refused %llu entries, first entry %u: %s%s\n",
			(unsigned long long)er.count, er.first_seq, strerror(er.first),
			er.first == ENOMEM ? " (table full: raise net.netfilter.nf_conntrack_max)" :
			"");
		return 1;
	}
	printf("created=%llu existing=%llu seconds=%.3f\n",
	       (unsigned long long)(count - er.existing), (unsigned long long)er.existing,
	       now() - t0);
	mnl_socket_close(nl);
	requests_fini(&req);
	free(out);
	free(in);
	return 0;
}

/* ---------------------------------------------------------------------
 * churn: the soak test's busy server.
 */

#define CHURN_BATCH	(128 * 1024)
#define CHURN_SOCKBUF	(4 << 20)
#define TICK_NS		5000000L	/* 5 ms between batches when ahead */

#define N_PEERS		200
#define N_RESOLVERS	20
#define N_CLIENTS	2000		/* regular; 1900 of them are used */
#define NEW_EVERY	20		/* a new client for one passive connection in 20 */
#define EPH_FIRST	32768
#define EPH_COUNT	28000
#define KEEP_MAX	(4 * EPH_COUNT)

enum churn_kind { C_ACT4, C_PAS4, C_PAS6, C_UDP4, N_CHURN_KINDS };

struct churn_seq {
	uint8_t local4[4], local6[16];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Entry number i.  Any KEEP_MAX consecutive numbers give distinct tuples. */
static void churn_entry(const struct churn_seq *c, uint64_t i, struct entry *e)
{
	uint64_t k = i / N_CHURN_KINDS;
	unsigned p, cl;

	memset(e, 0, sizeof *e);
	e->proto = IPPROTO_TCP;
	e->tcp_state = TCP_CONNTRACK_ESTABLISHED;
	e->family = AF_INET;
	switch ((enum churn_kind)(i % N_CHURN_KINDS)) {
	case C_ACT4:
		p = (unsigned)(k % N_PEERS);
		memcpy(e->src, c->local4, 4);
		e->dst[0] = 10, e->dst[1] = 205, e->dst[2] = (uint8_t)(p / 250);
		e->dst[3] = (uint8_t)(1 + p % 250);
		e->sport = (uint16_t)(EPH_FIRST + k % EPH_COUNT);
		e->dport = services[p % 10];
		break;
	case C_PAS4:
		memcpy(e->dst, c->local4, 4);
		e->src[0] = 10;
		if (k % NEW_EVERY == NEW_EVERY - 1) {
			/* 10.1.0.0 + n: a client not seen before (for 2^22 of them) */
			uint32_t n = (uint32_t)(k / NEW_EVERY % (1u << 22)) + (1u << 16);

			e->src[1] = (uint8_t)(n >> 16), e->src[2] = (uint8_t)(n >> 8);
			e->src[3] = (uint8_t)n;
			e->sport = 40000;
			e->dport = 80;
			break;
		}
		cl = (unsigned)(k % N_CLIENTS);
		e->src[1] = 64, e->src[2] = (uint8_t)(cl >> 8), e->src[3] = (uint8_t)cl;
		e->sport = (uint16_t)(1024 + k / N_CLIENTS % 60000);
		e->dport = cl % 3 ? 80 : 443;
		break;
	case C_PAS6:
		e->family = AF_INET6;
		memcpy(e->dst, c->local6, 16);
		e->src[0] = 0xfd, e->src[2] = 0x02, e->src[3] = 0x06;	/* fd00:206:: */
		e->dport = 443;
		if (k % NEW_EVERY == NEW_EVERY - 1) {
			uint64_t n = k / NEW_EVERY;	/* fd00:206:1::n */

			e->src[5] = 1;
			for (int b = 0; b < 8; b++)
				e->src[15 - b] = (uint8_t)(n >> (8 * b));
			e->sport = 40000;
			break;
		}
		cl = (unsigned)(k % N_CLIENTS);
		e->src[14] = (uint8_t)(cl >> 8), e->src[15] = (uint8_t)cl;
		e->sport = (uint16_t)(1024 + k / N_CLIENTS % 60000);
		break;
	case C_UDP4:
	default:
		p = (unsigned)(k % N_RESOLVERS);
		e->proto = IPPROTO_UDP;
		memcpy(e->src, c->local4, 4);
		e->dst[0] = 10, e->dst[1] = 205, e->dst[2] = 9, e->dst[3] = (uint8_t)(1 + p);
		e->sport = (uint16_t)(EPH_FIRST + k % EPH_COUNT);
		e->dport = 53;
		break;
	}
}

static int usage_churn(void)
{
	fprintf(stderr, "usage: ctgen churn -l LOCAL4 -L LOCAL6 [-r RATE] [-k KEEP] [-s SECONDS] "
		"[-t TIMEOUT]\n");
	return 2;
}

static int run_churn(int argc, char **argv)
{
	struct churn_seq c;
	struct requests req;
	struct mnl_socket *nl;
	struct errs er = { 0 };
	struct sigaction sa;
	uint64_t created = 0, deleted = 0, keep = 8000, refused;
	double rate = 4000, secs = 0, t0;
	uint32_t timeout = 60;
	int opt, have4 = 0, have6 = 0;
	char *out, *in;

	memset(&c, 0, sizeof c);
	while ((opt = getopt(argc, argv, "l:L:r:k:s:t:")) != -1) {
		switch (opt) {
		case 'l': have4 = inet_pton(AF_INET, optarg, c.local4) == 1; break;
		case 'L': have6 = inet_pton(AF_INET6, optarg, c.local6) == 1; break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 'k': keep = strtoull(optarg, NULL, 10); break;
		case 's': secs = strtod(optarg, NULL); break;
		case 't': timeout = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: return usage_churn();
		}
	}
	if (optind != argc || !have4 || !have6 || rate <= 0 || keep == 0 || keep >= KEEP_MAX ||
	    timeout == 0)
		return usage_churn();
	out = malloc(CHURN_BATCH + 2 * MSG_ROOM);
	in = malloc(ANSWERS);
	if (!out || !in || requests_init(&req, timeout) < 0) {
		fprintf(stderr, "ctgen: out of memory\n");
		return 1;
	}
	nl = batch_socket(CHURN_SOCKBUF, CHURN_SOCKBUF);
	if (!nl) {
		perror("ctgen: netlink socket");
		return 1;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	t0 = now();
	while (!stop) {
		double t = now() - t0;
		uint64_t target = (uint64_t)(t * rate);
		size_t len = 0;

		if (secs > 0 && t >= secs)
			break;
		/* Deletes go first in a batch, so the table never holds more than keep. */
		while (created < target && len < CHURN_BATCH) {
			struct entry e;

			if (created - deleted >= keep) {
				churn_entry(&c, deleted, &e);
				len += request_build(&req, out + len, &e, (uint32_t)deleted, 1);
				deleted++;
			}
			churn_entry(&c, created, &e);
			len += request_build(&req, out + len, &e, (uint32_t)created, 0);
			created++;
		}
		if (len) {
			if (mnl_socket_sendto(nl, out, len) < 0 && errno != EINTR) {
				perror("ctgen: sendmsg");
				return 1;
			}
			if (read_errors(nl, in, ANSWERS, &er) < 0 && errno != ENOBUFS) {
				perror("ctgen: reading answers");
				return 1;
			}
		}
		if (created >= target) {
			struct timespec ts = { 0, TICK_NS };

			nanosleep(&ts, NULL);
		}
	}
	/* A tuple already there is a refusal too: churn never repeats one it has. */
	refused = er.count + er.existing;
	printf("created %llu deleted %llu refused %llu", (unsigned long long)created,
	       (unsigned long long)deleted, (unsigned long long)refused);
	if (refused)
		printf(" (first: %s)", strerror(er.count ? er.first : EEXIST));
	printf(" seconds %.1f\n", now() - t0);
	mnl_socket_close(nl);
	requests_fini(&req);
	free(out);
	free(in);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "fill") == 0)
		return run_fill(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "churn") == 0)
		return run_churn(argc - 1, argv + 1);
	fprintf(stderr, "usage: ctgen fill [-S server|busy] [-F FLOWS] [-s FIRST] [-n COUNT] "
		"[-t TIMEOUT]\n"
		"       ctgen churn -l LOCAL4 -L LOCAL6 [-r RATE] [-k KEEP] [-s SECONDS] "
		"[-t TIMEOUT]\n");
	return 2;
}
