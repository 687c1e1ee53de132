/*
 * nldump_count.c - the floor for a conntrack dump: ask ctnetlink for the
 * table and only count the messages that come back (no attribute parsing).
 *
 *   cc -O2 -o nldump_count tests/tools/nldump_count.c -lmnl
 *   nldump_count [-4|-6] [-n REPEAT]
 *
 * Prints one line per dump: messages, payload bytes, socket reads, seconds
 * (CLOCK_MONOTONIC), and whether the kernel flagged the dump interrupted.
 * Needs CAP_NET_ADMIN.  Exit status 0, or 1 with a message on failure.
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

/* Dump skbs are at most 32 KiB; libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE. */
#define BUFSIZE (64 * 1024)

struct count {
	uint64_t messages, bytes, reads;
	int intr;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dump_count(struct mnl_socket *nl, unsigned portid, uint32_t seq,
		      uint8_t family, void *buf, struct count *c)
{
	union {
		char b[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg))];
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
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;

	memset(c, 0, sizeof *c);
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
	uint8_t family = AF_UNSPEC;
	unsigned repeat = 1, portid;
	struct mnl_socket *nl;
	int opt, rcvbuf = 1 << 20;
	void *buf;

	while ((opt = getopt(argc, argv, "46n:")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'n': repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [-4|-6] [-n REPEAT]\n", argv[0]);
			return 2;
		}
	}
	buf = malloc(BUFSIZE);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nldump_count: netlink socket");
		return 1;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof rcvbuf) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
				 &rcvbuf, sizeof rcvbuf);
	portid = mnl_socket_get_portid(nl);

	for (unsigned i = 0; i < repeat; i++) {
		struct count c;
		double t0 = now();

		if (dump_count(nl, portid, (uint32_t)time(NULL) + i, family, buf, &c) < 0) {
			perror("nldump_count: dump");
			return 1;
		}
		printf("messages=%llu bytes=%llu reads=%llu seconds=%.6f intr=%d\n",
		       (unsigned long long)c.messages, (unsigned long long)c.bytes,
		       (unsigned long long)c.reads, now() - t0, c.intr);
	}
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
