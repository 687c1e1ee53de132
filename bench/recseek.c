/*
 * recseek.c - what opening and seeking a recording costs (replay.h):
 * the time replay_open() takes (the index), then the slowest and the
 * median of SEEKS jumps to random times, each replay_find() and a cold
 * replay_frame() (the state of another keyframe span, so every jump reads
 * its keyframe and the change lines up to the time), and the peak memory.
 *
 *   recseek [-n SEEKS] FILE
 *
 * Prints one line of "key=value" words for bench/recording.sh.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "replay.h"
#include "util.h"

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = 50, opt, fd;
	struct replay *r;
	struct rusage ru;
	char err[256];
	double t0, open_s, *dt;
	size_t count, flows = 0;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: recseek [-n SEEKS] FILE\n");
			return 2;
		}
		n = atoi(optarg);
	}
	if (optind + 1 != argc || n < 1) {
		fprintf(stderr, "usage: recseek [-n SEEKS] FILE\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	t0 = wall();
	r = replay_open(fd, err, sizeof err);
	open_s = wall() - t0;
	if (!r || !replay_count(r)) {
		fprintf(stderr, "recseek: %s\n", r ? "no snapshots" : err);
		return 1;
	}
	count = replay_count(r);
	dt = calloc((size_t)n, sizeof *dt);
	srand(1);
	for (int i = 0; i < n; i++) {
		struct timespec a = replay_time(r, 0), b = replay_time(r, count - 1), to;
		struct mon_frame *f;

		to.tv_sec = a.tv_sec + (time_t)((double)rand() / RAND_MAX * (double)(b.tv_sec - a.tv_sec));
		to.tv_nsec = 0;
		t0 = wall();
		f = replay_frame(r, replay_find(r, &to));
		dt[i] = wall() - t0;
		if (f)
			flows = f->nflows;
		mon_frame_free(f);
	}
	qsort(dt, (size_t)n, sizeof *dt, cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("snapshots=%zu flows=%zu open_ms=%.1f seek_median_ms=%.1f seek_max_ms=%.1f "
	       "maxrss_kb=%ld skipped=%llu\n", count, flows, open_s * 1000, dt[n / 2] * 1000,
	       dt[n - 1] * 1000, ru.ru_maxrss,
	       (unsigned long long)replay_skipped(replay_stats(r)));
	replay_free(r);
	free(dt);
	return 0;
}
