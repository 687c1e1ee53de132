/*
 * promrender.c - what the Prometheus exposition costs (issue 14): the
 * render of 10,000 flow series in both dialects (best of 20 runs each,
 * after the model was fed), and the memory one series kept for a folded
 * peer takes (malloc'd bytes, from mallinfo2, over 100,000 of them).
 *
 *   promrender [SERIES]     (default 10000)
 *
 * Prints "render_004_ms=... render_om_ms=... bytes=... series=..." and
 * "bytes_per_kept_series=..."; exits 1 when a render takes more than 10 ms.
 * CPU only: no root, no kernel table.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "metrics.h"
#include "out_prom.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n active flows to distinct peers on 1,000 ports, with deltas. */
static struct flow *flows(size_t n, uint32_t base)
{
	struct flow *fl = calloc(n, sizeof *fl);

	for (size_t i = 0; i < n; i++) {
		uint32_t a = htonl(0x0a000000u + base + (uint32_t)i);

		fl[i].key.dir = FLOW_ACTIVE;
		fl[i].key.proto = IPPROTO_TCP;
		fl[i].key.family = AF_INET;
		memcpy(fl[i].key.peer.b, &a, 4);
		fl[i].key.port = (uint16_t)(1 + i % 1000);
		fl[i].c.in_bytes = 1000000 + i;
		fl[i].d.in_bytes = 123456789 + i;
		fl[i].d.out_bytes = 98765 + i;
		fl[i].d.in_packets = 1000 + i;
		fl[i].d.new_conns = 3;
		fl[i].conns = 2;
	}
	return fl;
}

static double best_render(struct metrics *mx, enum prom_dialect d, size_t *bytes)
{
	double best = 1e9;

	for (int r = 0; r < 20; r++) {
		char *t;
		double t0 = now(), dt;

		prom_render(mx, d, &t, bytes);
		dt = now() - t0;
		free(t);
		if (dt < best)
			best = dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, b004, bom, kept = 100000;
	struct metrics_opts o = { .top = (unsigned)(n < METRICS_TOP_MAX ? n : METRICS_TOP_MAX),
				  .version = "bench" };
	struct metrics *mx = metrics_new(&o);
	struct mon_frame f;
	struct flow *fl = flows(n, 1);
	const struct metrics_series *const *ss;
	double t004, tom;
	struct mallinfo2 m0, m1;

	memset(&f, 0, sizeof f);
	f.dumped = 1;
	f.sysctl.count = f.sysctl.max = -1;
	metrics_feed(mx, &f, fl, NULL, n);
	t004 = best_render(mx, PROM_TEXT004, &b004);
	tom = best_render(mx, PROM_OPENMETRICS, &bom);
	printf("render_004_ms=%.3f render_om_ms=%.3f bytes_004=%zu bytes_om=%zu series=%zu\n",
	       t004 * 1e3, tom * 1e3, b004, bom, metrics_series(mx, &ss));
	metrics_free(mx);
	free(fl);

	/* Memory per kept series: 100,000 peers that each had a series of their own. */
	o.top = METRICS_TOP_MAX;
	fl = flows(kept, 0x100000);
	m0 = mallinfo2();
	mx = metrics_new(&o);
	metrics_feed(mx, &f, fl, NULL, kept);
	m1 = mallinfo2();
	printf("bytes_per_kept_series=%.1f (node %zu bytes + bucket; %zu kept, scratch and "
	       "the frame's list included)\n",
	       (double)((m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd)) / (double)kept,
	       metrics_series_bytes(), metrics_kept(mx));
	metrics_free(mx);
	free(fl);

	/* Feeding a big table every frame: 1,000,000 flows, the default top 100. */
	{
		size_t big = 1000000;
		struct metrics_opts d = { .top = METRICS_TOP_DEFAULT };
		double best = 1e9;

		fl = flows(big, 0x2000000);
		mx = metrics_new(&d);
		for (int r = 0; r < 5; r++) {
			double t0 = now(), dt;

			metrics_feed(mx, &f, fl, NULL, big);
			dt = now() - t0;
			if (dt < best)
				best = dt;
		}
		printf("feed_1m_flows_ms=%.1f series=%zu\n", best * 1e3, metrics_series(mx, &ss));
		metrics_free(mx);
		free(fl);
	}
	return t004 > 0.010 || tom > 0.010 ? 1 : 0;
}
