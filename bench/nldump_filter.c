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
 * The request is lsconntrack's own (ct_nl_build_request(), from
 * build/liblsct.a), so this measures what lsconntrack would ask for.
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

#include "ct_source_netlink.h"

#define BUFSIZE (64 * 1024)

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
		char b[CT_NL_REQ_MAX];
		struct nlmsghdr align;
	} req;
	/* The request lsconntrack sends for the same family and protocol. */
	struct ct_nl_filter f = { .family = family, .proto = proto > 0 ? (uint8_t)proto : 0 };
	size_t len = ct_nl_build_request(req.b, seq, &f, 1);

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
		case 'p':
			proto = atoi(optarg);
			if (proto < 1 || proto > 255) {
				fprintf(stderr, "nldump_filter: -p wants a protocol number 1-255\n");
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
