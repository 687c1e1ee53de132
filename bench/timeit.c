/*
 * timeit.c - run a command several times and report, per run, its wall time
 * and its peak resident set size.  Meant to run inside the benchmark's
 * network namespace (`ip netns exec NS timeit ...`), so that entering the
 * namespace (~1 ms) is not timed.
 *
 *   timeit [-w WARMUP] [-r RUNS] [-q] [-i FILE] -- COMMAND [ARG...]
 *
 * -w runs the command that many times first, untimed; -q sends the
 * command's standard output to /dev/null; -i gives it FILE as standard
 * input.  Prints one line per timed run:
 *
 *   seconds=0.123456 user=0.010 sys=0.100 maxrss_kib=2048 status=0
 *
 * Wall time is CLOCK_MONOTONIC from fork to reaping; CPU times and peak
 * RSS are the child's rusage from wait4().  Exit status: 0 when every run exited 0,
 * 1 otherwise (the runs are still all reported), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run {
	double seconds;
	double user, sys;	/* CPU seconds of the child */
	long maxrss_kib;
	int status;		/* exit status, or 128 + signal */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int redirect(const char *path, int flags, int fd)
{
	int f = open(path, flags | O_CLOEXEC);

	if (f < 0 || dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

static int run_once(char **argv, int quiet, const char *input, struct run *r)
{
	struct rusage ru;
	double t0;
	pid_t pid;
	int st;

	fflush(NULL);
	t0 = now();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet && redirect("/dev/null", O_WRONLY, STDOUT_FILENO) < 0)
			_exit(127);
		if (input && redirect(input, O_RDONLY, STDIN_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	r->seconds = now() - t0;
	r->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->maxrss_kib = ru.ru_maxrss;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-w WARMUP] [-r RUNS] [-q] [-i FILE] -- COMMAND [ARG...]\n",
		prog);
}

int main(int argc, char **argv)
{
	unsigned warmup = 0, runs = 1;
	const char *input = NULL;
	int opt, quiet = 0, failed = 0;
	struct run r;

	while ((opt = getopt(argc, argv, "+w:r:qi:")) != -1) {
		switch (opt) {
		case 'w': warmup = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': runs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q': quiet = 1; break;
		case 'i': input = optarg; break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind >= argc || runs == 0) {
		usage(argv[0]);
		return 2;
	}
	for (unsigned i = 0; i < warmup + runs; i++) {
		if (run_once(argv + optind, quiet, input, &r) < 0) {
			perror("timeit");
			return 1;
		}
		if (r.status)
			failed = 1;
		if (i < warmup)
			continue;
		printf("seconds=%.6f user=%.3f sys=%.3f maxrss_kib=%ld status=%d\n",
		       r.seconds, r.user, r.sys, r.maxrss_kib, r.status);
	}
	return failed;
}
