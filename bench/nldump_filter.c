/*
 * nldump_filter.c - the floor dumper (tests/tools/nldump_count.c) with a
 * kernel-side protocol filter: how much of a dump the kernel can skip when
 * only one L4 protocol is wanted (lsconntrack's default is TCP only).
 *
 *   nldump_filter [-4|-6] [-p PROTO] [-n REPEAT]
 *
 * -p asks the kernel (CTA_FILTER, Linux 5.8+) for entries of that protocol
 * only.  The kernel accepts a tuple filter only together with one address
 * family, so without -4/-6 it makes two dumps, IPv4 then IPv6, as a program
 * wanting both families must.  Prints per repetition: messages, bytes,
 * dumps, seconds (CLOCK_MONOTONIC).  Needs CAP_NET_ADMIN.  Exit status 0,
 * or 1 with a message on failure (EOPNOTSUPP: the kernel has no CTA_FILTER).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#define BUFSIZE (64 * 1024)
/*
 * CTA_FILTER_ORIG_FLAGS bit "match the L4 protocol number": the kernel's
 * net/netfilter/nf_internals.h, not exported to user space.  The flags are
 * in host byte order, and CTA_FILTER must carry NLA_F_NESTED (strict parse).
 */
#define FILTER_F_PROTO_NUM (1u << 3)

struct count {
	uint64_t messages, bytes;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dump(struct mnl_socket *nl, unsigned portid, uint32_t seq, uint8_t family,
		int proto, void *buf, struct count *c)
{
	union {
		char b[256];
		struct nlmsghdr align;
	} req;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req.b);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (proto >= 0) {
		struct nlattr *f, *t, *p;

		f = mnl_attr_nest_start(nlh, CTA_FILTER | NLA_F_NESTED);
		mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, FILTER_F_PROTO_NUM);
		mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, 0);
		mnl_attr_nest_end(nlh, f);
		t = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
		p = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, (uint8_t)proto);
		mnl_attr_nest_end(nlh, p);
		mnl_attr_nest_end(nlh, t);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, BUFSIZE);
		const struct nlmsghdr *m = buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				errno = e->error ? -e->error : EPROTO;
				return -1;
			}
			c->messages++;
			c->bytes += m->nlmsg_len;
		}
	}
}

int main(int argc, char **argv)
{
	uint8_t family = AF_UNSPEC;
	unsigned repeat = 1, portid;
	struct mnl_socket *nl;
	int opt, proto = -1, rcvbuf = 1 << 20;
	void *buf;

	while ((opt = getopt(argc, argv, "46p:n:")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'p': proto = atoi(optarg); break;
		case 'n': repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [-4|-6] [-p PROTO] [-n REPEAT]\n", argv[0]);
			return 2;
		}
	}
	buf = malloc(BUFSIZE);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nldump_filter: netlink socket");
		return 1;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof rcvbuf) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
				 &rcvbuf, sizeof rcvbuf);
	portid = mnl_socket_get_portid(nl);

	for (unsigned i = 0; i < repeat; i++) {
		/* A tuple filter needs one family: both means two dumps. */
		static const uint8_t both[] = { AF_INET, AF_INET6 };
		const uint8_t *fams = &family;
		unsigned nfams = 1;
		struct count c = { 0, 0 };
		double t0 = now();

		if (proto >= 0 && family == AF_UNSPEC) {
			fams = both;
			nfams = 2;
		}
		for (unsigned f = 0; f < nfams; f++)
			if (dump(nl, portid, (uint32_t)time(NULL) + i * 2 + f, fams[f], proto,
				 buf, &c) < 0) {
				perror("nldump_filter: dump");
				return 1;
			}
		printf("messages=%llu bytes=%llu dumps=%u seconds=%.6f\n",
		       (unsigned long long)c.messages, (unsigned long long)c.bytes, nfams,
		       now() - t0);
	}
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
