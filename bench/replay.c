/*
 * replay.c - the user-space half of a snapshot, without the kernel: how
 * much CPU lsconntrack spends per entry on a dump it already has.
 *
 *   replay -w FILE           dump the conntrack table once, save the raw
 *                            netlink messages to FILE
 *   replay [-n REPEAT] [-t] FILE
 *                            parse, classify and aggregate every message
 *                            of FILE (the flow table of a one-shot snapshot,
 *                            or with -t the monitor's tracking table), sort
 *                            the flows as `lsconntrack -b` does and write
 *                            them as JSON to /dev/null, REPEAT times
 *
 * Prints per repetition the thread CPU time of each phase.  The kernel's
 * share of a snapshot (building the dump, the floor) is not in it, so the
 * numbers hold still on a machine whose neighbours make wall times noisy.
 * The local addresses and listeners are this namespace's, as for
 * lsconntrack: run it in the namespace the capture came from.  Linked with
 * build/liblsct.a.
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

#include "ct.h"
#include "ct_source_netlink.h"
#include "flow.h"
#include "host.h"
#include "out.h"
#include "util.h"
#include "view.h"

#define BUFSIZE (64 * 1024)

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int capture(const char *path)
{
	char *buf = malloc(BUFSIZE);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	FILE *fp;
	uint64_t msgs = 0;
	unsigned portid;
	int rcv = 1 << 20, done = 0;

	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("replay: netlink");
		return 1;
	}
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv);
	portid = mnl_socket_get_portid(nl);
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		return 1;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("replay: send");
		return 1;
	}
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, BUFSIZE);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			perror("replay: recv");
			return 1;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			fwrite(m, 1, m->nlmsg_len, fp);
			msgs++;
		}
	}
	if (fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	printf("messages=%llu\n", (unsigned long long)msgs);
	mnl_socket_close(nl);
	free(buf);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *p = NULL;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(fp);
	*len = (size_t)n;
	return p;
}

int main(int argc, char **argv)
{
	struct host_info host;
	struct flow_opts fo = { .protos = FLOW_PROTO_TCP, .families = FLOW_FAM_V4 | FLOW_FAM_V6 };
	struct view_opts vo = { .dirs = VIEW_ACTIVE | VIEW_PASSIVE, .sort = VIEW_SORT_BYTES };
	struct out_opts oo;
	struct flow_table *t = NULL;
	int repeat = 3, track = 0, c;
	size_t len;
	char *data;
	FILE *null;

	while ((c = getopt(argc, argv, "w:n:t")) != -1) {
		switch (c) {
		case 'w':
			return capture(optarg);
		case 'n':
			repeat = atoi(optarg);
			break;
		case 't':
			track = 1;
			break;
		default:
			fprintf(stderr, "usage: replay -w FILE | replay [-n REPEAT] [-t] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: replay -w FILE | replay [-n REPEAT] [-t] FILE\n");
		return 2;
	}
	data = slurp(argv[optind], &len);
	null = fopen("/dev/null", "w");
	host_init(&host);
	if (host_load_addrs(&host) < 0 || !null) {
		perror("replay: local addresses");
		return 1;
	}
	(void)host_load_listeners(&host);
	host_finish(&host);
	memset(&oo, 0, sizeof oo);
	if (track) {
		t = flow_table_new(&host, &fo);
		flow_table_track(t, len / 300);
	}
	for (int r = 0; r < repeat; r++) {
		double t0, t1, t2, t3;
		uint64_t entries = 0, bad = 0;
		const struct flow **rows;
		size_t n;

		t0 = cpu_now();
		if (!track)
			t = flow_table_new(&host, &fo);
		flow_table_begin(t);
		for (size_t off = 0; off + sizeof(struct nlmsghdr) <= len;) {
			const struct nlmsghdr *m = (const struct nlmsghdr *)(data + off);
			struct ct_entry e;

			if (ct_nl_parse_msg(m, m->nlmsg_len, &e) == 0) {
				flow_table_add(t, &e);
				entries++;
			} else {
				bad++;
			}
			off += NLMSG_ALIGN(m->nlmsg_len);
		}
		flow_table_end(t);
		t1 = cpu_now();
		rows = xcalloc(flow_table_count(t) + 1, sizeof *rows);
		n = view_build(t, &vo, rows);
		t2 = cpu_now();
		out_json_write(null, rows, n, &oo);
		t3 = cpu_now();
		printf("entries=%llu bad=%llu flows=%zu parse_aggregate=%.4f sort=%.4f json=%.4f "
		       "total=%.4f ns_per_entry=%.1f\n",
		       (unsigned long long)entries, (unsigned long long)bad, n, t1 - t0, t2 - t1,
		       t3 - t2, t3 - t0, entries ? (t3 - t0) * 1e9 / (double)entries : 0.0);
		free(rows);
		if (!track) {
			flow_table_free(t);
			t = NULL;
		}
	}
	flow_table_free(t);
	fclose(null);
	host_fini(&host);
	free(data);
	return 0;
}
