/*
 * procsgen.c - real processes holding real TCP connections, for -P's
 * bench on the kernel (bench/procs.sh).  Two modes:
 *
 *   procsgen serve PORT
 *       listens on 0.0.0.0:PORT; SERVE_WORKERS processes accept, keeping
 *       every connection open, each up to its RLIMIT_NOFILE (raised to the
 *       hard limit).  Prints "listening ..." once bound; SIGTERM ends it
 *       and its workers.
 *
 *   procsgen clients -n NPROC -k CONNS -b BASE -o MAPFILE
 *       forks NPROC children; child i (comm "pg<BASE+i>") opens CONNS
 *       connections to 10.9.(1 + j / 200).(1 + j % 200):80, j = BASE + i, so
 *       that each child is one flow of its own.  MAPFILE gets "PID ADDR"
 *       per child; then "ready N" on standard output.  SIGUSR1: the first
 *       1000 children (or all, if fewer) open one more connection each, and
 *       "more N" follows on standard output.  SIGTERM or SIGINT: the
 *       children are killed (by PID) and reaped, then it exits.  Children
 *       also die with it (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MORE_MAX 1000
#define SERVE_WORKERS 12

static volatile sig_atomic_t got_more, got_term;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		got_more = 1;
	else
		got_term = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "procsgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Accepts until its descriptors run out, then only holds them. */
static _Noreturn void worker(int fd, long room)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (long held = 0; held < room;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			held++;
		else if (errno != EINTR && errno != ECONNABORTED)
			die("accept");
	}
	close(fd);
	for (;;)
		pause();
}

/*
 * Workers share the listening socket, each holding as many connections as
 * its RLIMIT_NOFILE allows (raised to its hard limit: a container's root
 * may not go beyond).  Workers die with this process.
 */
static _Noreturn void serve(int port)
{
	struct rlimit rl;
	struct sockaddr_in a;
	int one = 1, fd;
	pid_t w[SERVE_WORKERS];
	struct sigaction sa;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("bind");
	if (listen(fd, 65535) < 0)
		die("listen");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < SERVE_WORKERS; i++) {
		w[i] = fork();
		if (w[i] < 0)
			die("fork");
		if (w[i] == 0)
			worker(fd, (long)rl.rlim_cur - 16);
	}
	printf("listening %d workers x %ld\n", SERVE_WORKERS, (long)rl.rlim_cur - 16);
	fflush(stdout);
	while (!got_term)
		pause();
	for (int i = 0; i < SERVE_WORKERS; i++)
		kill(w[i], SIGKILL);
	for (int i = 0; i < SERVE_WORKERS; i++)
		while (waitpid(w[i], NULL, 0) < 0 && errno == EINTR)
			;
	exit(0);
}

static int dial(int j)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(80);
	a.sin_addr.s_addr = htonl(0x0a090000u | (uint32_t)(1 + j / 200) << 8 | (uint32_t)(1 + j % 200));
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A child: CONNS connections, a line on the pipe, then one more per SIGUSR1. */
static void child(int j, int conns, int wfd)
{
	char name[16], line[64];
	sigset_t block, old;
	int n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(name, sizeof name, "pg%d", j);
	prctl(PR_SET_NAME, name);
	for (int i = 0; i < conns; i++)
		if (dial(j) < 0) {
			n = snprintf(line, sizeof line, "fail %d %d\n", (int)getpid(), errno);
			(void)!write(wfd, line, (size_t)n);
			_exit(1);
		}
	n = snprintf(line, sizeof line, "%d 10.9.%d.%d\n", (int)getpid(), 1 + j / 200, 1 + j % 200);
	(void)!write(wfd, line, (size_t)n);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	for (;;) {
		sigprocmask(SIG_BLOCK, &block, &old);
		while (!got_more && !got_term)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (got_term)
			_exit(0);
		if (got_more) {
			got_more = 0;
			n = dial(j) < 0 ? snprintf(line, sizeof line, "fail %d %d\n", (int)getpid(), errno) :
				snprintf(line, sizeof line, "more %d\n", (int)getpid());
			(void)!write(wfd, line, (size_t)n);
		}
	}
}

/* n lines from the pipe (each is written whole: < PIPE_BUF), to out if set. */
static int read_lines(FILE *in, int n, FILE *out)
{
	char line[128];

	for (int i = 0; i < n; i++) {
		if (!fgets(line, sizeof line, in)) {
			if (errno == EINTR && !got_term) {
				clearerr(in);
				i--;
				continue;
			}
			return -1;
		}
		if (strncmp(line, "fail", 4) == 0) {
			fprintf(stderr, "procsgen: a child could not connect: %s", line);
			return -1;
		}
		if (out)
			fputs(line, out);
	}
	return 0;
}

static int clients(int nproc, int conns, int base, const char *map)
{
	struct sigaction sa;
	pid_t *pids = calloc((size_t)nproc, sizeof *pids);
	int p[2], rc = 0;
	FILE *in, *out;
	sigset_t block, old;

	if (!pids || pipe(p) < 0)
		die("pipe");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			rc = 1;
			nproc = i;
			fprintf(stderr, "procsgen: fork: %s\n", strerror(errno));
			break;
		}
		if (pids[i] == 0) {
			close(p[0]);
			child(base + i, conns, p[1]);
		}
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	out = fopen(map, "w");
	if (!in || !out)
		die("map");
	if (!rc && read_lines(in, nproc, out) < 0)
		rc = 1;
	fclose(out);
	if (!rc) {
		printf("ready %d\n", nproc);
		fflush(stdout);
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	while (!rc && !got_term) {
		sigprocmask(SIG_BLOCK, &block, &old);
		while (!got_more && !got_term)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (got_more && !got_term) {
			int n = nproc < MORE_MAX ? nproc : MORE_MAX;

			got_more = 0;
			for (int i = 0; i < n; i++)
				kill(pids[i], SIGUSR1);
			if (read_lines(in, n, NULL) < 0) {
				rc = 1;
				break;
			}
			printf("more %d\n", n);
			fflush(stdout);
		}
	}
	for (int i = 0; i < nproc; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < nproc; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	return rc;
}

int main(int argc, char **argv)
{
	int nproc = 0, conns = 20, base = 0, c;
	const char *map = NULL;

	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		serve(atoi(argv[2]));
	if (argc < 2 || strcmp(argv[1], "clients") != 0)
		goto usage;
	optind = 2;
	while ((c = getopt(argc, argv, "n:k:b:o:")) != -1) {
		switch (c) {
		case 'n': nproc = atoi(optarg); break;
		case 'k': conns = atoi(optarg); break;
		case 'b': base = atoi(optarg); break;
		case 'o': map = optarg; break;
		default: goto usage;
		}
	}
	if (nproc <= 0 || conns <= 0 || base < 0 || !map)
		goto usage;
	return clients(nproc, conns, base, map);
usage:
	fprintf(stderr, "usage: procsgen serve PORT | procsgen clients -n NPROC -k CONNS -b BASE -o MAPFILE\n");
	return 2;
}
