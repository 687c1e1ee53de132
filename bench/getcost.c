/*
 * getcost.c - what the screen's "visible first" reread costs: N
 * connections of this namespace's table read again with one ctnetlink GET
 * each (ct_nl_get(), as the monitor does between budgeted dumps).
 *
 *   getcost [-n N] [-r RUNS]
 *
 * Dumps the table once to pick N connections spread over it (every k-th),
 * then times RUNS rereads of all N on the thread's CPU clock and the
 * monotonic clock, and prints one line:
 *   entries=E gets=N found=F best_ms=T cpu_ms=C per_get_us=U
 * Needs CAP_NET_ADMIN (bench/visible.sh runs it in its namespace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct_source_netlink.h"

struct pick {
	struct ct_entry *e;
	size_t n, cap, seen, step;
};

static int pick_add(const struct ct_entry *e, void *arg)
{
	struct pick *p = arg;

	if (p->step && p->seen++ % p->step == 0 && p->n < p->cap)
		p->e[p->n++] = *e;
	else if (!p->step)
		p->seen++;
	return 0;
}

static void pick_reset(void *arg)
{
	struct pick *p = arg;

	p->n = 0;
	p->seen = 0;
}

static int count_add(const struct ct_entry *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
	return 0;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ct_nl_filter all;
	struct ct_nl_stats st;
	struct pick p;
	struct ct_nl *nl;
	size_t want = 4096, found = 0, got = 0;
	int runs = 5, c;
	double best = 1e9, best_cpu = 1e9;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		if (c == 'n')
			want = strtoul(optarg, NULL, 10);
		else if (c == 'r')
			runs = atoi(optarg);
		else
			return 2;
	}
	if (!want || runs < 1)
		return 2;
	memset(&all, 0, sizeof all);
	memset(&p, 0, sizeof p);
	nl = ct_nl_open();
	if (!nl) {
		fprintf(stderr, "getcost: %s\n", strerror(errno));
		return 1;
	}
	{
		struct ct_sink sink = { pick_add, pick_reset, &p };

		if (ct_nl_dump(nl, &all, &sink, &st) < 0)
			goto fail;
	}
	p.cap = want;
	p.step = p.seen / want ? p.seen / want : 1;
	p.e = calloc(want, sizeof *p.e);
	if (!p.e)
		return 1;
	{
		size_t total = p.seen;
		struct ct_sink sink = { pick_add, pick_reset, &p };

		p.seen = 0;
		if (ct_nl_dump(nl, &all, &sink, &st) < 0)
			goto fail;
		p.seen = total;
	}
	for (int r = 0; r < runs; r++) {
		struct ct_sink sink = { count_add, NULL, &got };
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

		got = 0;
		if (ct_nl_get(nl, p.e, p.n, &sink, &found) < 0)
			goto fail;
		if (clock_s(CLOCK_MONOTONIC) - t0 < best)
			best = clock_s(CLOCK_MONOTONIC) - t0;
		if (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0 < best_cpu)
			best_cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
	printf("entries=%zu gets=%zu found=%zu best_ms=%.2f cpu_ms=%.2f per_get_us=%.2f\n",
	       p.seen, p.n, found, best * 1e3, best_cpu * 1e3, best * 1e6 / (double)p.n);
	ct_nl_close(nl);
	free(p.e);
	return 0;
fail:
	fprintf(stderr, "getcost: %s\n", strerror(errno));
	return 1;
}
