/*
 * trendcost.c - what the Trend column adds to a refresh of the monitor at
 * many flows: the screen's own work for one frame (the copy of every flow
 * into the frame, both panes' views built and sorted, the cell texts of
 * the rows on screen) timed without and with the Trend column (the
 * history fed from the frame, the sparklines of the rows on screen).
 *
 *   trendcost [-n FLOWS] [-a PERCENT] [-r REFRESHES]
 *
 * FLOWS (default 100000) synthetic flows, half of each direction; PERCENT
 * (default 100) of them move bytes in every interval (the worst case: a
 * ring written per flow per frame); 40 rows on screen (80x24: two panes of
 * about 20).  Prints the median CPU time of the thread per refresh of
 * each kind over 5 rounds of REFRESHES (default 20), the difference in
 * per cent, and the history's memory.  Linked with build/liblsct.a; no
 * terminal, no root.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../src/tui_int.h"

#define ROWS_SHOWN	20	/* per pane */
#define ROUNDS		5

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void make_flows(struct flow *fl, size_t n, uint64_t *seed)
{
	memset(fl, 0, n * sizeof *fl);
	for (size_t i = 0; i < n; i++) {
		struct flow *f = &fl[i];
		uint32_t a = (uint32_t)rnd(seed);

		f->key.family = AF_INET;
		f->key.proto = IPPROTO_TCP;
		f->key.dir = (uint8_t)(i & 1);
		f->key.port = (uint16_t)(1 + rnd(seed) % 65535);
		f->key.peer.b[10] = 0xff;
		f->key.peer.b[11] = 0xff;
		memcpy(&f->key.peer.b[12], &a, 4);
		f->conns = 1;
		f->entries = 1;
	}
}

/* One interval's traffic: pct % of the flows move bytes. */
static void traffic(struct flow *fl, size_t n, unsigned pct, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		int moves = rnd(seed) % 100 < pct;

		fl[i].d.in_bytes = moves ? rnd(seed) % 100000 : 0;
		fl[i].d.out_bytes = moves ? rnd(seed) % 100000 : 0;
		fl[i].c.in_bytes += fl[i].d.in_bytes;
		fl[i].c.out_bytes += fl[i].d.out_bytes;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One refresh as the screen does it; with trend, the Trend column's work too. */
static void one_refresh(struct tui *t, struct mon_frame *fr, const struct flow *src, size_t n,
		    struct flow *copy, const struct flow **rows, int trend)
{
	static const unsigned dirs[2] = { VIEW_ACTIVE, VIEW_PASSIVE };
	char buf[400];
	volatile size_t sink = 0;

	memcpy(copy, src, n * sizeof *copy);
	fr->seq++;
	fr->flows = copy;
	fr->nflows = n;
	t->f = fr;
	t->trend_on = trend;
	if (trend)
		flows_trend_take(t, fr);
	for (int p = 0; p < 2; p++) {
		struct view_opts vo;
		size_t k;

		memset(&vo, 0, sizeof vo);
		vo.dirs = dirs[p];
		vo.sort = VIEW_SORT_RATE;
		k = view_build_array(copy, n, &vo, rows);
		for (size_t r = 0; r < ROWS_SHOWN && r < k; r++)
			for (int c = 0; c < COL_MAX; c++) {
				if (c == COL_OWNER || (c == COL_TREND && !trend))
					continue;
				layout_cols[c].text(t, rows[r], &t->lay, buf, sizeof buf);
				sink += strlen(buf);
			}
	}
	(void)sink;
}

int main(int argc, char **argv)
{
	size_t n = 100000, nref = 20;
	unsigned pct = 100;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct tui_config cfg;
	struct mon_frame fr;
	struct tui t;
	struct flow *fl, *copy;
	const struct flow **rows;
	double base[ROUNDS], with[ROUNDS];
	int opt;

	while ((opt = getopt(argc, argv, "n:a:r:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'a')
			pct = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			nref = strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: trendcost [-n FLOWS] [-a PERCENT] [-r REFRESHES]\n");
			return 2;
		}
	}
	if (!n || !nref) {
		fprintf(stderr, "trendcost: FLOWS and REFRESHES must be above 0\n");
		return 2;
	}
	fl = xcalloc(n, sizeof *fl);
	copy = xcalloc(n, sizeof *copy);
	rows = xcalloc(n, sizeof *rows);
	make_flows(fl, n, &seed);
	memset(&cfg, 0, sizeof cfg);
	cfg.numeric = 1;
	memset(&t, 0, sizeof t);
	t.c = &cfg;
	t.utf8 = t.colour = 1;
	memset(&fr, 0, sizeof fr);
	fr.dumped = 1;
	fr.interval = 1.0;
	fr.seq = 1;
	/* Warm up: the history full, the memory touched. */
	for (int i = 0; i < TREND_N + 2; i++) {
		traffic(fl, n, pct, &seed);
		one_refresh(&t, &fr, fl, n, copy, rows, 1);
	}
	for (int r = 0; r < ROUNDS; r++) {
		double t0, t1, t2;

		t0 = cpu_now();
		for (size_t i = 0; i < nref; i++) {
			traffic(fl, n, pct, &seed);
			one_refresh(&t, &fr, fl, n, copy, rows, 0);
		}
		t1 = cpu_now();
		for (size_t i = 0; i < nref; i++) {
			traffic(fl, n, pct, &seed);
			one_refresh(&t, &fr, fl, n, copy, rows, 1);
		}
		t2 = cpu_now();
		base[r] = (t1 - t0) / (double)nref;
		with[r] = (t2 - t1) / (double)nref;
	}
	/* traffic() is in both: take it out by timing it alone. */
	{
		double t0 = cpu_now(), tr;

		for (size_t i = 0; i < nref; i++)
			traffic(fl, n, pct, &seed);
		tr = (cpu_now() - t0) / (double)nref;
		for (int r = 0; r < ROUNDS; r++) {
			base[r] -= tr;
			with[r] -= tr;
		}
	}
	qsort(base, ROUNDS, sizeof *base, cmp_double);
	qsort(with, ROUNDS, sizeof *with, cmp_double);
	printf("flows %zu, moving bytes %u%%, refreshes %zu x %d\n", n, pct, nref, ROUNDS);
	printf("refresh without Trend: %.2f ms CPU\n", base[ROUNDS / 2] * 1e3);
	printf("refresh with Trend:    %.2f ms CPU (+%.1f%%)\n", with[ROUNDS / 2] * 1e3,
	       (with[ROUNDS / 2] / base[ROUNDS / 2] - 1) * 100);
	printf("history: %zu rings, %zu bytes (%.1f bytes a flow)\n", trend_count(t.trend),
	       trend_bytes(t.trend), (double)trend_bytes(t.trend) / (double)n);
	trend_free(t.trend);
	free(fl);
	free(copy);
	free(rows);
	return 0;
}
