/*
 * nldump.c - the floor for a conntrack dump: ask ctnetlink for the table
 * and only count the messages that come back (no attribute parsing).
 *
 *   nldump [-4|-6] [-p PROTO] [-n REPEAT]
 *
 * Without -p the request is the plainest there is: a header, the family
 * (default AF_UNSPEC, both) and nothing else.  -p asks the kernel
 * (CTA_FILTER, Linux 5.8+) for entries of that protocol only, to measure how
 * much of a dump it can skip when one L4 protocol is wanted (lsconntrack's
 * default is TCP only).  That request is lsconntrack's own
 * (ct_nl_build_request(), from build/liblsct.a).  The kernel accepts a tuple
 * filter only together with one address family, so -p without -4/-6 makes
 * two dumps, IPv4 then IPv6, as a program wanting both families must.
 *
 * Prints one line per repetition: messages, payload bytes, dumps, socket
 * reads, seconds (CLOCK_MONOTONIC), and whether the kernel flagged a dump
 * interrupted.  Needs CAP_NET_ADMIN.  Exit status 0, 1 with a message on
 * failure (EOPNOTSUPP with -p: the kernel has no CTA_FILTER), 2 usage.
 */
/* Built standalone or with the Makefile's CPPFLAGS, which define it too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

#include "common.h"
#include "ct_source_netlink.h"

/* Dump skbs are at most 32 KiB; libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE. */
#define BUFSIZE (64 * 1024)

struct count {
	uint64_t messages, bytes, reads;
	int intr;
};

/* The dump request into req (CT_NL_REQ_MAX bytes); its length, 0 on failure. */
static size_t build_request(void *req, uint32_t seq, uint8_t family, int proto)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (proto > 0) {
		/* The request lsconntrack sends for the same family and protocol. */
		struct ct_nl_filter f = { .family = family, .proto = (uint8_t)proto };

		return ct_nl_build_request(req, seq, &f, 1);
	}
	memset(req, 0, CT_NL_REQ_MAX);
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh->nlmsg_len;
}

/* One dump, added to c.  0, or -1 with errno. */
static int dump(struct mnl_socket *nl, unsigned portid, uint32_t seq, uint8_t family,
		int proto, void *buf, struct count *c)
{
	union {
		char b[CT_NL_REQ_MAX];
		struct nlmsghdr align;
	} req;
	size_t len = build_request(req.b, seq, family, proto);

	if (!len) {
		errno = ENOMEM;
		return -1;
	}
	if (mnl_socket_sendto(nl, req.b, len) < 0)
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
		c->reads++;
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				c->intr = 1;
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
	static const uint8_t both[] = { AF_INET, AF_INET6 };
	uint8_t family = AF_UNSPEC;
	unsigned repeat = 1, portid;
	struct mnl_socket *nl;
	int opt, proto = -1;
	void *buf;

	while ((opt = getopt(argc, argv, "46p:n:")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'p':
			proto = atoi(optarg);
			if (proto < 1 || proto > 255) {
				fprintf(stderr, "nldump: -p wants a protocol number 1-255\n");
				return 2;
			}
			break;
		case 'n': repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [-4|-6] [-p PROTO] [-n REPEAT]\n", argv[0]);
			return 2;
		}
	}
	buf = malloc(BUFSIZE);
	nl = tool_socket(0, 1 << 20);
	if (!buf || !nl) {
		perror("nldump: netlink socket");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);

	for (unsigned i = 0; i < repeat; i++) {
		/* A tuple filter needs one family: both means two dumps. */
		const uint8_t *fams = &family;
		unsigned nfams = 1;
		struct count c = { 0, 0, 0, 0 };
		double t0 = now();

		if (proto > 0 && family == AF_UNSPEC) {
			fams = both;
			nfams = 2;
		}
		for (unsigned f = 0; f < nfams; f++)
			if (dump(nl, portid, (uint32_t)time(NULL) + i * 2 + f, fams[f], proto,
				 buf, &c) < 0) {
				perror("nldump: dump");
				return 1;
			}
		printf("messages=%llu bytes=%llu dumps=%u reads=%llu seconds=%.6f intr=%d\n",
		       (unsigned long long)c.messages, (unsigned long long)c.bytes, nfams,
		       (unsigned long long)c.reads, now() - t0, c.intr);
	}
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
