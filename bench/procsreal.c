/*
 * procsreal.c - what -P's attribution costs on the real kernel: the
 * namespace's sockets through sock_diag (socks_dump()) and their
 * processes from the real /proc (procs_attribute()), as the dumping
 * thread does each refresh (bench/procs.sh runs it inside the bench's
 * namespace).  Each argument is a phase, in order:
 *
 *   once:LABEL    one refresh
 *   steady:N      N refreshes with nothing new (the median is printed)
 *   sync:PATH     creates PATH.wait, then waits (up to 120 s) for PATH.go:
 *                 the caller makes new sockets meanwhile
 *
 * Per refresh phase it prints one line:
 *   LABEL attr_ms=... dump_ms=... sockets=N scans=N fds=N unknown=N walks=N
 * attr_ms is procs_attribute()'s own clock (procs_stats().cost); dump_ms
 * the socket dump's; scans, fds and walks are what that phase read (for
 * steady: the sum over its refreshes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procs.h"
#include "socks.h"
#include "util.h"

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void refresh(struct procs *p, struct socks *s, double *attr, double *dump)
{
	double t0 = mono_now(), now;
	struct procs_stats st;

	if (socks_dump(s, t0) < 0) {
		fprintf(stderr, "procsreal: socket dump: %s\n", strerror(errno));
		exit(1);
	}
	now = mono_now();
	*dump = now - t0;
	procs_attribute(p, s, now);
	socks_remember(s, now);
	procs_stats(p, &st);
	*attr = st.cost;
}

static void phase(const char *label, int reps, struct procs *p, struct socks *s)
{
	double a[64], d[64];
	struct procs_stats before, after;

	if (reps < 1 || reps > 64)
		reps = 1;
	procs_stats(p, &before);
	for (int i = 0; i < reps; i++)
		refresh(p, s, &a[i], &d[i]);
	procs_stats(p, &after);
	qsort(a, (size_t)reps, sizeof a[0], cmp_d);
	qsort(d, (size_t)reps, sizeof d[0], cmp_d);
	printf("%s attr_ms=%.3f dump_ms=%.3f sockets=%zu scans=%llu fds=%llu unknown=%llu walks=%llu\n",
	       label, a[reps / 2] * 1e3, d[reps / 2] * 1e3, socks_count(s),
	       (unsigned long long)(after.scans - before.scans),
	       (unsigned long long)(after.fds - before.fds), (unsigned long long)after.unknown,
	       (unsigned long long)(after.walks - before.walks));
	fflush(stdout);
}

static void sync_on(const char *path)
{
	char w[4096], g[4096];
	struct stat sb;
	FILE *f;

	snprintf(w, sizeof w, "%s.wait", path);
	snprintf(g, sizeof g, "%s.go", path);
	if (!(f = fopen(w, "w"))) {
		fprintf(stderr, "procsreal: %s: %s\n", w, strerror(errno));
		exit(1);
	}
	fclose(f);
	for (int i = 0; i < 12000; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (stat(g, &sb) == 0)
			return;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "procsreal: no %s after 120 s\n", g);
	exit(1);
}

int main(int argc, char **argv)
{
	struct socks *s = socks_new();
	struct procs *p = procs_new(NULL, NULL);

	if (argc < 2) {
		fprintf(stderr, "usage: procsreal once:LABEL|steady:N|sync:PATH...\n");
		return 2;
	}
	if (socks_open(s) < 0) {
		fprintf(stderr, "procsreal: sock_diag: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "once:", 5) == 0)
			phase(argv[i] + 5, 1, p, s);
		else if (strncmp(argv[i], "steady:", 7) == 0)
			phase("steady", atoi(argv[i] + 7), p, s);
		else if (strncmp(argv[i], "sync:", 5) == 0)
			sync_on(argv[i] + 5);
		else {
			fprintf(stderr, "procsreal: unknown phase %s\n", argv[i]);
			return 2;
		}
	}
	procs_free(p);
	socks_free(s);
	return 0;
}
