/*
 * ct_churn.c - steady churn in this network namespace's conntrack table:
 * entries created and destroyed through ctnetlink at a fixed rate, with the
 * table holding a fixed number of them, for the soak test (tests/soak.sh).
 *
 *   ct_churn -l LOCAL4 -L LOCAL6 [-r RATE] [-k KEEP] [-s SECONDS] [-t TIMEOUT]
 *
 * Every second RATE entries are created; once KEEP exist, each creation
 * also deletes the oldest one, so the table holds KEEP of them and RATE come
 * and go each second.  Entry i is one of four kinds (i % 4):
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
 *
 * LOCAL4 and LOCAL6 must be addresses of the namespace, so the entries are
 * host flows.  No packet is sent and the counters stay zero.  Any KEEP/4
 * consecutive entries of a kind have distinct tuples (KEEP < 112000).
 * Requests go out batched, without acks; the kernel's error answers are
 * read after each batch and counted.  TIMEOUT (default 60 s) only bounds
 * what a killed run leaves behind.
 *
 * Runs for SECONDS (0, the default: until SIGINT or SIGTERM), then prints
 * "created N deleted N refused N" and the first refusal's error on stdout.
 * Needs CAP_NET_ADMIN.  Exit status 0, 1 on a failure, 2 usage.
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

/* One message is < 256 bytes; a batch is bounded by bytes. */
#define BATCH_BYTES	(128 * 1024)
#define MSG_ROOM	1024
#define SOCKBUF		(4 << 20)
#define TICK_NS		5000000L	/* 5 ms between batches when ahead */

#define N_PEERS		200
#define N_RESOLVERS	20
#define N_CLIENTS	2000		/* regular; 1900 of them are used */
#define NEW_EVERY	20		/* a new client for one passive connection in 20 */
#define EPH_FIRST	32768
#define EPH_COUNT	28000
#define KEEP_MAX	(4 * EPH_COUNT)

enum kind { ACT4, PAS4, PAS6, UDP4, N_KINDS };

static const uint16_t services[10] = {
	3306, 5432, 6379, 11211, 9092, 443, 80, 8080, 9200, 2379,
};

struct entry {
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

struct churn {
	uint8_t local4[4], local6[16];
	struct nf_conntrack *create[N_KINDS];	/* status, timeout, state preset */
	struct nf_conntrack *tuple[N_KINDS];	/* the tuple only, for deletes */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Entry number i.  Any KEEP_MAX consecutive numbers give distinct tuples. */
static void entry_of(const struct churn *c, uint64_t i, struct entry *e)
{
	uint64_t k = i / N_KINDS;
	unsigned p, cl;

	memset(e, 0, sizeof *e);
	e->proto = IPPROTO_TCP;
	e->family = AF_INET;
	switch ((enum kind)(i % N_KINDS)) {
	case ACT4:
		p = (unsigned)(k % N_PEERS);
		memcpy(e->src, c->local4, 4);
		e->dst[0] = 10, e->dst[1] = 205, e->dst[2] = (uint8_t)(p / 250);
		e->dst[3] = (uint8_t)(1 + p % 250);
		e->sport = (uint16_t)(EPH_FIRST + k % EPH_COUNT);
		e->dport = services[p % 10];
		break;
	case PAS4:
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
	case PAS6:
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
	case UDP4:
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

static void set_tuple(struct nf_conntrack *ct, const struct entry *e)
{
	if (e->family == AF_INET) {
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
}

static int churn_init(struct churn *c, uint32_t timeout)
{
	for (uint64_t i = 0; i < N_KINDS; i++) {
		struct entry e;

		entry_of(c, i, &e);
		c->create[i] = nfct_new();
		c->tuple[i] = nfct_new();
		if (!c->create[i] || !c->tuple[i])
			return -1;
		for (int t = 0; t < 2; t++) {
			struct nf_conntrack *ct = t ? c->tuple[i] : c->create[i];

			nfct_set_attr_u8(ct, ATTR_L3PROTO, e.family);
			nfct_set_attr_u8(ct, ATTR_L4PROTO, e.proto);
		}
		/* CONFIRMED is required to create (EBUSY otherwise), as conntrack -I sends it. */
		nfct_set_attr_u32(c->create[i], ATTR_STATUS,
				  IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED);
		nfct_set_attr_u32(c->create[i], ATTR_TIMEOUT, timeout);
	}
	return 0;
}

static void churn_fini(struct churn *c)
{
	for (unsigned k = 0; k < N_KINDS; k++) {
		if (c->create[k])
			nfct_destroy(c->create[k]);
		if (c->tuple[k])
			nfct_destroy(c->tuple[k]);
	}
}

/* Appends a create (or, with del, a delete) request for entry i at nlh. */
static void build(struct churn *c, struct nlmsghdr *nlh, uint64_t i, int del)
{
	struct nf_conntrack *ct = del ? c->tuple[i % N_KINDS] : c->create[i % N_KINDS];
	struct nfgenmsg *nfg;
	struct entry e;

	entry_of(c, i, &e);
	set_tuple(ct, &e);
	if (!del) {
		/* The kernel wants the reply tuple, protocols included (EINVAL otherwise). */
		nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
		if (e.proto == IPPROTO_TCP)
			nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	}
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (del ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	/* No NLM_F_ACK: only failures are answered. */
	nlh->nlmsg_flags = NLM_F_REQUEST | (del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	nlh->nlmsg_seq = (uint32_t)i;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = e.family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	nfct_nlmsg_build(nlh, ct);
}

struct errs {
	uint64_t count;
	int first;
};

/* The kernel handles a sendmsg's requests before it returns: read what it answered. */
static int read_errors(struct mnl_socket *nl, char *buf, size_t size, struct errs *er)
{
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, size, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR || me->error == 0)
				continue;
			if (er->count++ == 0)
				er->first = -me->error;
		}
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s -l LOCAL4 -L LOCAL6 [-r RATE] [-k KEEP] [-s SECONDS] "
		"[-t TIMEOUT]\n", prog);
}

int main(int argc, char **argv)
{
	struct churn c;
	struct mnl_socket *nl;
	struct errs er = { 0, 0 };
	struct sigaction sa;
	uint64_t created = 0, deleted = 0, keep = 8000;
	double rate = 4000, secs = 0, t0;
	uint32_t timeout = 60;
	int opt, one = 1, sz, have4 = 0, have6 = 0;
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
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind != argc || !have4 || !have6 || rate <= 0 || keep == 0 || keep >= KEEP_MAX ||
	    timeout == 0) {
		usage(argv[0]);
		return 2;
	}
	out = malloc(BATCH_BYTES + 2 * MSG_ROOM);
	in = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	if (!out || !in || churn_init(&c, timeout) < 0) {
		fprintf(stderr, "ct_churn: out of memory\n");
		return 1;
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ct_churn: netlink socket");
		return 1;
	}
	/* Error answers then carry only the header of the failed request. */
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof one);
	sz = SOCKBUF;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);

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
		while (created < target && len < BATCH_BYTES) {
			struct nlmsghdr *nlh;

			if (created - deleted >= keep) {
				nlh = (struct nlmsghdr *)(void *)(out + len);
				build(&c, nlh, deleted++, 1);
				len += NLMSG_ALIGN(nlh->nlmsg_len);
			}
			nlh = (struct nlmsghdr *)(void *)(out + len);
			build(&c, nlh, created++, 0);
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		if (len) {
			if (mnl_socket_sendto(nl, out, len) < 0 && errno != EINTR) {
				perror("ct_churn: sendmsg");
				return 1;
			}
			if (read_errors(nl, in, MNL_SOCKET_BUFFER_SIZE * 4, &er) < 0 &&
			    errno != ENOBUFS) {
				perror("ct_churn: reading answers");
				return 1;
			}
		}
		if (created >= target) {
			struct timespec ts = { 0, TICK_NS };

			nanosleep(&ts, NULL);
		}
	}
	printf("created %llu deleted %llu refused %llu", (unsigned long long)created,
	       (unsigned long long)deleted, (unsigned long long)er.count);
	if (er.count)
		printf(" (first: %s)", strerror(er.first));
	printf(" seconds %.1f\n", now() - t0);
	mnl_socket_close(nl);
	churn_fini(&c);
	free(out);
	free(in);
	return fflush(stdout) == 0 ? 0 : 1;
}
