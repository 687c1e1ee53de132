/*
 * recgen - writes a made-up recording (record.h) without a kernel or
 * waiting: N flows, S snapshots INTERVAL seconds apart, each flow with
 * traffic in every snapshot, some flows closing (they linger, then
 * leave) and new ones coming.  With -s FILE it also writes the plain
 * NDJSON stream of the same frames (out_json.c), the truth a replay must
 * print again.  For bench/replay.sh and tests/tui_replay.sh.
 *
 * usage: recgen [-n FLOWS] [-S SNAPSHOTS] [-i SECONDS] [-k EVERY] [-c CHURN]
 *               [-t START_EPOCH] [-s STREAM] OUT
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "record.h"
#include "util.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

static void make_flow(struct flow *f, uint32_t k)
{
	uint32_t a = htonl(0x0a000000u + k);

	memset(f, 0, sizeof *f);
	f->key.family = AF_INET;
	memcpy(f->key.peer.b, &a, 4);
	f->key.proto = k % 7 == 3 ? IPPROTO_UDP : IPPROTO_TCP;
	f->key.dir = k % 3 == 2 ? FLOW_PASSIVE : FLOW_ACTIVE;
	f->key.port = (uint16_t)(k % 3 == 2 ? 8000 + k % 50 : 443 + k % 20);
	f->conns = (uint32_t)(1 + rnd(4));
	f->entries = f->conns;
	f->d.new_conns = f->conns;
}

int main(int argc, char **argv)
{
	unsigned long nflows = 1000, snaps = 8640, every = 0, churn = 2;
	double interval = 10;
	long start = 1764460800;	/* 2025-11-30T00:00:00Z */
	const char *stream = NULL;
	struct rec_opts ro = { .hostname = "recgen", .source = "netlink" };
	struct rec_writer *w;
	struct flow *fl;
	size_t n, cap;
	uint32_t next_key;
	FILE *sf = NULL;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:S:i:k:c:t:s:")) != -1) {
		switch (opt) {
		case 'n': nflows = strtoul(optarg, NULL, 10); break;
		case 'S': snaps = strtoul(optarg, NULL, 10); break;
		case 'i': interval = strtod(optarg, NULL); break;
		case 'k': every = strtoul(optarg, NULL, 10); break;
		case 'c': churn = strtoul(optarg, NULL, 10); break;
		case 't': start = strtol(optarg, NULL, 10); break;
		case 's': stream = optarg; break;
		default:
			fprintf(stderr, "usage: recgen [-n FLOWS] [-S SNAPSHOTS] [-i SECONDS] "
				"[-k EVERY] [-c CHURN] [-t START] [-s STREAM] OUT\n");
			return 2;
		}
	}
	if (optind + 1 != argc || !nflows || interval <= 0) {
		fprintf(stderr, "recgen: one output file, flows > 0, interval > 0\n");
		return 2;
	}
	util_hash_init();
	fd = open(argv[optind], O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	if (stream && !(sf = fopen(stream, "w"))) {
		perror(stream);
		return 1;
	}
	ro.keyframe_every = (int)every;
	w = rec_new(fd, &ro);
	cap = nflows * 2 + 16;
	fl = xcalloc(cap, sizeof *fl);
	for (n = 0; n < nflows; n++)
		make_flow(&fl[n], (uint32_t)n);
	next_key = (uint32_t)nflows;
	for (unsigned long s = 0; s < snaps; s++) {
		struct mon_frame f;
		const struct flow **rows;

		memset(&f, 0, sizeof f);
		f.seq = s + 1;
		f.when.tv_sec = start + (time_t)(s * interval);
		f.when.tv_nsec = (long)(s % 1000) * 1000000;
		f.interval = s ? interval : 0;
		f.period = interval;
		f.dumped = 1;
		f.cost = 0.01;
		f.live = 1;
		f.events = 1;
		f.sysctl = (struct host_ct_sysctl){ 1, 0, 262144, 1, 0 };
		if (s) {
			size_t keep = 0;

			/* Traffic on every open flow; a few close; lingering ones leave. */
			for (size_t i = 0; i < n; i++) {
				struct flow *x = &fl[i];

				memset(&x->d, 0, sizeof x->d);
				if (x->idle) {
					if (++x->idle > FLOW_LINGER)
						continue;
				} else if (rnd(1000) < 2) {
					x->d.closed_conns = x->conns;
					x->conns = x->entries = 0;
					x->c = (struct flow_counters){ 0, 0, 0, 0 };
					x->idle = 1;
				} else {
					x->d.in_packets = 1 + rnd(50);
					x->d.in_bytes = x->d.in_packets * (40 + rnd(1400));
					x->d.out_packets = 1 + rnd(50);
					x->d.out_bytes = x->d.out_packets * (40 + rnd(1400));
					x->c.in_packets += x->d.in_packets;
					x->c.in_bytes += x->d.in_bytes;
					x->c.out_packets += x->d.out_packets;
					x->c.out_bytes += x->d.out_bytes;
					if (rnd(100) < 3) {
						x->d.new_conns = 1;
						x->conns++;
						x->entries++;
					}
				}
				fl[keep++] = *x;
			}
			n = keep;
			for (unsigned long c = 0; c < churn && n < cap; c++)
				make_flow(&fl[n++], next_key++);
		}
		f.flows = fl;
		f.nflows = n;
		f.stats.entries = n;
		f.stats.active = n;
		f.stats.counters = n;
		f.sysctl.count = (int64_t)n;
		if (rec_write(w, &f) < 0) {
			perror("recgen: write");
			return 1;
		}
		if (sf) {
			struct out_health h = { .entries = f.sysctl.count, .max = f.sysctl.max,
						.ct = &f.ct, .rate = &f.ct_rate };
			struct out_opts oo = { .stream = 1, .interval = f.interval,
					       .period = f.period, .events = 1, .health = &h };
			char when[48], day[32];
			struct tm tm;

			gmtime_r(&f.when.tv_sec, &tm);
			strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(when, sizeof when, "%s.%03ldZ", day, f.when.tv_nsec / 1000000);
			oo.time = when;
			rows = xcalloc(n + 1, sizeof *rows);
			for (size_t i = 0; i < n; i++)
				rows[i] = &fl[i];
			out_json_write(sf, rows, n, &oo);
			free(rows);
		}
	}
	printf("%llu lines, %llu bytes\n", (unsigned long long)rec_lines(w),
	       (unsigned long long)rec_bytes(w));
	rec_free(w);
	if (sf)
		fclose(sf);
	free(fl);
	return 0;
}
