/*
 * The seccomp sandbox: each case forks, enters the sandbox for a mode and
 * reports back through its exit status.  The calls a mode needs still
 * work; execve and ptrace kill the process with SIGSYS; other calls
 * outside the list (socket(AF_INET) without names, a second process, a
 * file opened for writing, a signal to another process) fail with EPERM.
 * No root needed.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>

#include <dirent.h>
#include <sched.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include "sandbox.h"

/* Exit codes of a child: 0 all good, else the number of the failed check. */
#define CHECK(n, cond) do { if (!(cond)) _exit(n); } while (0)

static int sandboxed;	/* the filter is on in this build and environment */

/* quiet: the child's stderr goes to /dev/null (the SIGSYS line). */
static pid_t enter(unsigned needs, int quiet)
{
	char err[256];
	pid_t pid = fork();
	int r, devnull;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	if (quiet && (devnull = open("/dev/null", O_WRONLY)) >= 0)
		dup2(devnull, STDERR_FILENO);
	r = sandbox_enter(needs, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		_exit(100);
	}
	if (r != SANDBOX_ON)
		_exit(101);
	return 0;
}

static int wait_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void expect_exit0(pid_t pid)
{
	int st = wait_status(pid);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child: %s %d", WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* NoNewPrivs of /proc/self/status (prctl itself is outside the list). */
static int no_new_privs(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "NoNewPrivs:");
	return p ? atoi(p + strlen("NoNewPrivs:")) : -1;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static int setup(void **state)
{
	char err[256];
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(sandbox_enter(0, err, sizeof err) == SANDBOX_ON ? 0 : 1);
	waitpid(pid, &st, 0);
	sandboxed = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return 0;
}

/* What every mode does: read and write its descriptors, memory, threads, time. */
static void test_common_calls_work(void **state)
{
	int p[2], fd;
	pid_t pid;

	if (!sandboxed)
		skip();
	assert_int_equal(pipe(p), 0);
	pid = enter(0, 0);
	if (pid == 0) {
		char buf[8];
		struct timespec ts = { 0, 1000000 };
		pthread_t t;
		void *ret, *mem;

		CHECK(1, no_new_privs() == 1);
		CHECK(2, write(p[1], "x", 1) == 1 && read(p[0], buf, 1) == 1);
		mem = malloc(1 << 20);	/* mmap */
		CHECK(3, mem != NULL);
		CHECK(4, pthread_create(&t, NULL, thread_fn, mem) == 0);
		CHECK(5, pthread_join(t, &ret) == 0 && ret == mem);
		free(mem);
		CHECK(6, clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
		/* Read-only opens: a sysctl, terminfo, /etc/hosts. */
		fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		CHECK(7, fd >= 0 && read(fd, buf, sizeof buf) > 0 && lseek(fd, 0, SEEK_SET) == 0);
		close(fd);
		CHECK(8, isatty(p[0]) == 0 && errno == ENOTTY);	/* ioctl(TCGETS) */
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	expect_exit0(pid);
}

/* Outside the list: EPERM (clone3: ENOSYS, so the C library uses clone). */
static void test_refused_with_eperm(void **state)
{
	pid_t pid;

	if (!sandboxed)
		skip();
	pid = enter(SANDBOX_NETLINK | SANDBOX_SCREEN, 0);
	if (pid == 0) {
		errno = 0;
		CHECK(1, socket(AF_INET, SOCK_DGRAM, 0) < 0 && errno == EPERM);
		errno = 0;
		CHECK(2, socket(AF_NETLINK, SOCK_RAW, 0) < 0 && errno == EPERM);
		errno = 0;
		CHECK(3, fork() < 0 && errno == EPERM);
		errno = 0;
		CHECK(4, open("/tmp/lsct-sandbox-w", O_WRONLY | O_CREAT, 0600) < 0 && errno == EPERM);
		errno = 0;
		CHECK(5, open("/proc/self/status", O_RDWR) < 0 && errno == EPERM);
		errno = 0;
		CHECK(6, kill(getppid(), 0) < 0 && errno == EPERM);
		errno = 0;
		CHECK(7, syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
		errno = 0;
		errno = 0;
		CHECK(8, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
}

/* Names: DNS sockets are allowed, other families still are not. */
static void test_names_mode_sockets(void **state)
{
	pid_t pid;

	if (!sandboxed)
		skip();
	pid = enter(SANDBOX_NAMES, 0);
	if (pid == 0) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int fd6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int fdu = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };

		CHECK(1, fd >= 0);
		CHECK(2, fd6 >= 0 || errno == EAFNOSUPPORT);
		CHECK(3, fdu >= 0);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK(4, connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
		CHECK(5, send(fd, "x", 1, 0) == 1);
		errno = 0;
		CHECK(6, socket(AF_NETLINK, SOCK_RAW, 0) < 0 && errno == EPERM);
		errno = 0;
		CHECK(7, socket(AF_PACKET, SOCK_RAW, 0) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
}

/* A socket opened before (the netlink source) stays usable without names. */
static void test_netlink_mode_open_socket(void **state)
{
	int sv[2];
	pid_t pid;

	if (!sandboxed)
		skip();
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	pid = enter(SANDBOX_NETLINK, 0);
	if (pid == 0) {
		char buf[4];
		int big = 1 << 20;

		CHECK(1, sendto(sv[0], "abc", 3, 0, NULL, 0) == 3);
		CHECK(2, recvfrom(sv[1], buf, sizeof buf, 0, NULL, NULL) == 3);
		CHECK(3, setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big) == 0);
		_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	expect_exit0(pid);
}

/* Owners: setns (network and UTS only), netlink route and diag sockets, readdir. */
static void test_owners_mode(void **state)
{
	pid_t pid;

	if (!sandboxed)
		skip();
	pid = enter(SANDBOX_NETLINK | SANDBOX_OWNERS, 0);
	if (pid == 0) {
		int net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		int uts = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
		int mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
		int rt = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		int diag = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		DIR *d = opendir("/proc");
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

		CHECK(1, net >= 0 && uts >= 0 && mnt >= 0);
		/* Our own namespaces: allowed calls (EPERM only without the privilege). */
		CHECK(2, setns(net, CLONE_NEWNET) == 0 || (geteuid() != 0 && errno == EPERM));
		CHECK(3, setns(uts, CLONE_NEWUTS) == 0 || (geteuid() != 0 && errno == EPERM));
		errno = 0;
		CHECK(4, setns(mnt, CLONE_NEWNS) < 0 && errno == EPERM);
		errno = 0;
		CHECK(5, setns(net, 0) < 0 && errno == EPERM);
		CHECK(6, rt >= 0 && diag >= 0);
		CHECK(7, bind(rt, (struct sockaddr *)&sa, sizeof sa) == 0);
		errno = 0;
		CHECK(8, socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER) < 0 && errno == EPERM);
		errno = 0;
		CHECK(9, socket(AF_INET, SOCK_DGRAM, 0) < 0 && errno == EPERM);
		CHECK(10, d && readdir(d));
		_exit(0);
	}
	expect_exit0(pid);
	/* Without SANDBOX_OWNERS, setns is refused. */
	pid = enter(SANDBOX_NETLINK, 0);
	if (pid == 0) {
		int net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

		errno = 0;
		CHECK(1, net >= 0 && setns(net, CLONE_NEWNET) < 0 && errno == EPERM);
		errno = 0;
		CHECK(2, socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
}

/*
 * --listen: accepting on a socket bound before, reading, writing, shutting
 * down; no new socket, bind or connect.  Without SANDBOX_HTTP, no accept4.
 */
static void test_http_mode(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int lfd, cl;
	pid_t pid;

	if (!sandboxed)
		skip();
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(cl, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(send(cl, "GET", 3, 0), 3);
	pid = enter(SANDBOX_HTTP, 0);
	if (pid == 0) {
		struct iovec iov = { .iov_base = (void *)(uintptr_t)"ok", .iov_len = 2 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		char buf[4];
		int one = 1, fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		CHECK(1, fd >= 0);
		CHECK(2, recv(fd, buf, sizeof buf, 0) == 3);
		CHECK(3, sendmsg(fd, &mh, MSG_NOSIGNAL) == 2);
		CHECK(4, setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
		CHECK(5, shutdown(fd, SHUT_WR) == 0);
		errno = 0;
		CHECK(6, socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EPERM);
		errno = 0;
		CHECK(7, connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
	pid = enter(0, 0);
	if (pid == 0) {
		errno = 0;
		CHECK(1, accept4(lfd, NULL, NULL, SOCK_NONBLOCK) < 0 && errno == EPERM);
		errno = 0;
		CHECK(2, shutdown(cl, SHUT_WR) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
	close(cl);
	close(lfd);
}

/*
 * -P: a sock_diag dump on a socket opened before, directory reads of /proc,
 * readlink of descriptors; no new sockets, no setns.
 */
static void test_procs_mode(void **state)
{
	int diag;
	pid_t pid;

	if (!sandboxed)
		skip();
	diag = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	assert_true(diag >= 0);
	pid = enter(SANDBOX_PROCS, 0);
	if (pid == 0) {
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
		DIR *d = opendir("/proc/self/fd");
		char link[64];
		int net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

		CHECK(1, d && readdir(d));
		CHECK(2, readlink("/proc/self/fd/0", link, sizeof link) > 0);
		CHECK(3, sendto(diag, "", 0, 0, (struct sockaddr *)&sa, sizeof sa) >= 0 ||
			 errno != EPERM);
		errno = 0;
		CHECK(4, socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG) < 0 && errno == EPERM);
		errno = 0;
		CHECK(5, net >= 0 && setns(net, CLONE_NEWNET) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
	/* Without it (the screen alone): no directory reads. */
	pid = enter(SANDBOX_SCREEN, 0);
	if (pid == 0) {
		DIR *d = opendir("/proc/self/fd");

		errno = 0;
		CHECK(1, !d || (!readdir(d) && errno == EPERM));
		_exit(0);
	}
	expect_exit0(pid);
	close(diag);
}

static void expect_sigsys(pid_t pid)
{
	int st = wait_status(pid);

	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("child: %s %d, not killed by SIGSYS", WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* Before it dies, the process says which call the sandbox stopped. */
static void test_sigsys_says_why(void **state)
{
	char buf[512], want[64];
	ssize_t n, len = 0;
	int p[2];
	pid_t pid;

	if (!sandboxed)
		skip();
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256], *argv[] = { (char *)"true", NULL };

		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		if (sandbox_enter(0, err, sizeof err) != SANDBOX_ON)
			_exit(100);
		execve("/bin/true", argv, argv + 1);
		_exit(1);
	}
	close(p[1]);
	while (len < (ssize_t)sizeof buf - 1 && (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += n;
	close(p[0]);
	buf[len] = '\0';
	expect_sigsys(pid);
	snprintf(want, sizeof want, "system call %d is not allowed", (int)SYS_execve);
	assert_non_null(strstr(buf, "lsconntrack: stopped by the sandbox: "));
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "LSCT_NO_SECCOMP"));
}

/* execve and ptrace end the process, whatever the mode. */
static void test_execve_and_ptrace_kill(void **state)
{
	static const unsigned modes[] = { 0, SANDBOX_NETLINK | SANDBOX_NAMES | SANDBOX_SCREEN };
	pid_t pid;

	if (!sandboxed)
		skip();
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		pid = enter(modes[i], 1);
		if (pid == 0) {
			char *argv[] = { (char *)"true", NULL };

			execve("/bin/true", argv, argv + 1);
			_exit(1);
		}
		expect_sigsys(pid);
		pid = enter(modes[i], 1);
		if (pid == 0) {
			ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			_exit(1);
		}
		expect_sigsys(pid);
	}
}

/* LSCT_NO_SECCOMP=1 from a trusted environment: no filter, no_new_privs still. */
static void test_debug_variable_loosens_only(void **state)
{
	char err[256];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("LSCT_NO_SECCOMP", "1", 1);
		CHECK(1, sandbox_enter(0, err, sizeof err) != SANDBOX_ON);
		CHECK(2, no_new_privs() == 1);
		_exit(0);
	}
	expect_exit0(pid);
	/* Any other value is not a request. */
	if (!sandboxed)
		skip();
	pid = fork();
	if (pid == 0) {
		setenv("LSCT_NO_SECCOMP", "yes", 1);
		CHECK(1, sandbox_enter(0, err, sizeof err) == SANDBOX_ON);
		errno = 0;
		CHECK(2, socket(AF_INET, SOCK_DGRAM, 0) < 0 && errno == EPERM);
		_exit(0);
	}
	expect_exit0(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_calls_work),
		cmocka_unit_test(test_refused_with_eperm),
		cmocka_unit_test(test_names_mode_sockets),
		cmocka_unit_test(test_netlink_mode_open_socket),
		cmocka_unit_test(test_owners_mode),
		cmocka_unit_test(test_http_mode),
		cmocka_unit_test(test_procs_mode),
		cmocka_unit_test(test_execve_and_ptrace_kill),
		cmocka_unit_test(test_sigsys_says_why),
		cmocka_unit_test(test_debug_variable_loosens_only),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
