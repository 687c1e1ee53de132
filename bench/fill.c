/*
 * fill.c - put synthetic entries into this network namespace's conntrack
 * table through ctnetlink, for the benchmark (bench/run.sh).
 *
 *   fill [-s FIRST] [-n COUNT] [-t TIMEOUT]
 *
 * Creates entries number FIRST .. FIRST+COUNT-1 of one fixed, deterministic
 * sequence, so filling 10k and then 90k more gives the same table as filling
 * 100k at once.  The table looks like a busy server whose addresses are
 * 198.18.0.1 and 2001:2::1 (the benchmarking ranges of RFC 2544 / RFC 5180;
 * bench/run.sh puts them on the namespace's lo):
 *
 *   30%  TCP/IPv4 active:  198.18.0.1:eph -> 300 peers on service ports
 *   40%  TCP/IPv4 passive: 40000 clients -> 198.18.0.1:80 and :443
 *    5%  TCP/IPv6 active:  2001:2::1:eph -> 100 peers on service ports
 *   10%  TCP/IPv6 passive: 20000 clients -> [2001:2::1]:443
 *   10%  UDP/IPv4 active:  198.18.0.1:eph -> 20 resolvers, NTP, statsd
 *    5%  UDP/IPv6 passive: 20000 clients -> [2001:2::1]:443 (QUIC)
 *
 * TCP entries are ESTABLISHED, one in five TIME_WAIT.  No packet is sent:
 * the entries only exist in the table, and their counters are zero (the
 * kernel ignores counters in create requests).  libnetfilter_conntrack
 * builds each create message; many go out in one sendmsg, without acks, and
 * the kernel's error answers are read after each batch.  Entries already in
 * the table (EEXIST) are counted and skipped, so a failed fill can be rerun.
 *
 * Exit status 0, 1 on a failure (with the kernel's error), 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

/* Messages per sendmsg are bounded by bytes; one message is < 256 bytes. */
#define BATCH_BYTES	(192 * 1024)
#define MSG_ROOM	1024
#define SNDBUF		(4 << 20)
#define RCVBUF		(8 << 20)

#define N_PEERS4	300
#define N_PEERS6	100
#define N_UDP_PEERS	20
#define N_CLIENTS4	40000
#define N_CLIENTS6	20000
#define EPH_FIRST	32768	/* Linux's default ip_local_port_range */
#define EPH_COUNT	28232
#define CLIENT_PORTS	64000	/* client source ports 1024.. */

enum kind { ACT4, PAS4, ACT6, PAS6, UDP4, UDP6, N_KINDS };

/* Entry i has kind slot[i % 20]; the shares are in the header comment. */
static const uint8_t slot[20] = {
	PAS4, ACT4, PAS4, ACT4, PAS6, UDP4, PAS4, ACT4, PAS4, ACT6,
	PAS4, ACT4, PAS6, UDP4, PAS4, ACT4, PAS4, UDP6, PAS4, ACT4,
};

static const uint16_t services[10] = {
	3306, 5432, 6379, 11211, 9092, 443, 80, 8080, 9200, 2379,
};

struct gen {
	unsigned per_kind[N_KINDS];	/* slots of each kind in one round of 20 */
	unsigned rank[20];		/* this slot's rank among its kind's slots */
	struct nf_conntrack *tmpl[N_KINDS];
};

struct entry {
	uint8_t family, proto, tcp_state;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
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

/* The largest number of entries whose tuples are all distinct. */
static uint64_t gen_capacity(const struct gen *g)
{
	static const uint64_t distinct[N_KINDS] = {
		[ACT4] = (uint64_t)N_PEERS4 * EPH_COUNT,
		[PAS4] = 2ull * N_CLIENTS4 * CLIENT_PORTS,
		[ACT6] = (uint64_t)N_PEERS6 * EPH_COUNT,
		[PAS6] = (uint64_t)N_CLIENTS6 * CLIENT_PORTS,
		[UDP4] = (uint64_t)N_UDP_PEERS * EPH_COUNT,
		[UDP6] = (uint64_t)N_CLIENTS6 * CLIENT_PORTS,
	};
	uint64_t cap = UINT64_MAX;

	for (unsigned k = 0; k < N_KINDS; k++)
		if (distinct[k] / g->per_kind[k] * 20 < cap)
			cap = distinct[k] / g->per_kind[k] * 20;
	return cap;
}

/* Entry number i of the sequence.  Distinct i give distinct tuples. */
static void gen_entry(const struct gen *g, uint64_t i, struct entry *e)
{
	unsigned s = (unsigned)(i % 20);
	enum kind kind = slot[s];
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
		e->sport = (uint16_t)(EPH_FIRST + k / N_PEERS4 % EPH_COUNT);
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
		e->sport = (uint16_t)(EPH_FIRST + k / N_PEERS6 % EPH_COUNT);
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
		e->sport = (uint16_t)(EPH_FIRST + k / N_UDP_PEERS % EPH_COUNT);
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

static int gen_init(struct gen *g, uint32_t timeout)
{
	unsigned seen[N_KINDS] = { 0 };

	memset(g, 0, sizeof *g);
	for (unsigned s = 0; s < 20; s++) {
		g->rank[s] = seen[slot[s]]++;
		g->per_kind[slot[s]]++;
	}
	/* One object per kind: every attribute that varies is set again each time. */
	for (unsigned k = 0; k < N_KINDS; k++) {
		struct nf_conntrack *ct = nfct_new();
		struct entry e;

		if (!ct)
			return -1;
		/* The first entry of this kind fixes family and protocol. */
		for (uint64_t i = 0; i < 20; i++)
			if (slot[i] == k) {
				gen_entry(g, i, &e);
				break;
			}
		nfct_set_attr_u8(ct, ATTR_L3PROTO, e.family);
		nfct_set_attr_u8(ct, ATTR_L4PROTO, e.proto);
		/* CONFIRMED is required (EBUSY otherwise), as conntrack -I sends it. */
		nfct_set_attr_u32(ct, ATTR_STATUS,
				  IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED);
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, timeout);
		g->tmpl[k] = ct;
	}
	return 0;
}

static void gen_fini(struct gen *g)
{
	for (unsigned k = 0; k < N_KINDS; k++)
		if (g->tmpl[k])
			nfct_destroy(g->tmpl[k]);
}

/* Appends the create request for entry i at nlh. */
static void build_create(struct gen *g, struct nlmsghdr *nlh, uint64_t i, uint32_t seq)
{
	struct nf_conntrack *ct;
	struct nfgenmsg *nfg;
	struct entry e;

	gen_entry(g, i, &e);
	ct = g->tmpl[slot[i % 20]];
	if (e.family == AF_INET) {
		uint32_t a;

		memcpy(&a, e.src, 4);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, a);
		memcpy(&a, e.dst, 4);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, a);
	} else {
		nfct_set_attr(ct, ATTR_IPV6_SRC, e.src);
		nfct_set_attr(ct, ATTR_IPV6_DST, e.dst);
	}
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(e.sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(e.dport));
	/* The kernel wants the reply tuple, protocols included (EINVAL otherwise). */
	nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
	if (e.proto == IPPROTO_TCP)
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, e.tcp_state);

	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	/* No NLM_F_ACK: only failures are answered. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = e.family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	nfct_nlmsg_build(nlh, ct);
}

struct errs {
	uint64_t count;		/* refused, other than EEXIST */
	uint64_t existing;	/* already in the table: fine, a refill */
	int first;		/* errno of the first failure */
	uint32_t first_seq;	/* and the entry (sequence number) it was for */
};

/*
 * Reads the error answers queued so far.  The kernel handles a sendmsg's
 * messages before the call returns, so after it everything is queued.
 */
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
			if (me->error == -EEXIST) {
				er->existing++;
				continue;
			}
			if (er->count++ == 0) {
				er->first = -me->error;
				er->first_seq = nlh->nlmsg_seq;
			}
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
	fprintf(stderr, "usage: %s [-s FIRST] [-n COUNT] [-t TIMEOUT_SECONDS]\n", prog);
}

int main(int argc, char **argv)
{
	uint64_t first = 0, count = 10000;
	uint32_t timeout = 7200;
	struct mnl_socket *nl;
	struct errs er = { 0 };
	struct gen g;
	char *out, *in;
	size_t len = 0;
	double t0;
	int opt, one = 1, sz;

	while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (opt) {
		case 's': first = strtoull(optarg, NULL, 10); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 't': timeout = (uint32_t)strtoul(optarg, NULL, 10); break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind != argc || timeout == 0) {
		usage(argv[0]);
		return 2;
	}
	out = malloc(BATCH_BYTES + MSG_ROOM);
	in = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	if (!out || !in || gen_init(&g, timeout) < 0) {
		fprintf(stderr, "fill: out of memory\n");
		return 1;
	}
	if (first + count > gen_capacity(&g)) {
		fprintf(stderr, "fill: at most %llu entries have distinct tuples\n",
			(unsigned long long)gen_capacity(&g));
		return 2;
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("fill: netlink socket");
		return 1;
	}
	/* Error answers then carry only the header of the failed request. */
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof one);
	sz = SNDBUF;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	sz = RCVBUF;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);

	t0 = now();
	for (uint64_t i = first; i < first + count; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)(out + len);

		/* The sequence number names the entry in an error answer. */
		build_create(&g, nlh, i, (uint32_t)i);
		len += NLMSG_ALIGN(nlh->nlmsg_len);
		if (len >= BATCH_BYTES || i + 1 == first + count) {
			if (mnl_socket_sendto(nl, out, len) < 0) {
				perror("fill: sendmsg");
				return 1;
			}
			len = 0;
			if (read_errors(nl, in, MNL_SOCKET_BUFFER_SIZE * 4, &er) < 0) {
				perror("fill: reading answers");
				return 1;
			}
			if (er.count)
				break;
		}
	}
	if (er.count) {
		fprintf(stderr, "fill: the kernel refused %llu entries, first entry %u: %s%s\n",
			(unsigned long long)er.count, er.first_seq, strerror(er.first),
			er.first == ENOMEM ? " (table full: raise net.netfilter.nf_conntrack_max)" :
			"");
		return 1;
	}
	printf("created=%llu existing=%llu seconds=%.3f\n",
	       (unsigned long long)(count - er.existing), (unsigned long long)er.existing,
	       now() - t0);
	mnl_socket_close(nl);
	gen_fini(&g);
	free(out);
	free(in);
	return 0;
}
