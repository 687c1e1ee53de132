/*
 * The privilege drop: per-thread capability drop (the rule in priv.h),
 * the environment check, and priv_drop() itself in a child (root: to an
 * unprivileged uid with no way back; not root: nothing to do).
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "priv.h"

#define CHECK(n, cond) do { if (!(cond)) _exit(n); } while (0)

/* A field of /proc/self/task/TID/status as a number (hex for Cap*), or -1. */
static long long task_field(pid_t tid, const char *field, int base)
{
	char path[64], buf[4096], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, field);
	return p ? strtoll(p + strlen(field), NULL, base) : -1;
}

static void expect_exit0(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child: %s %d", WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

struct other {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	pid_t tid;
};

static void *other_thread(void *arg)
{
	struct other *o = arg;

	pthread_mutex_lock(&o->lock);
	o->tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&o->cond);
	while (!o->stop)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* Only the calling thread loses its capabilities; a thread it creates later has none. */
static void test_thread_drop_is_per_thread(void **state)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct other o = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
		struct other later = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
		pid_t self = (pid_t)syscall(SYS_gettid);
		long long before = task_field(self, "CapEff:", 16);
		long long prm = task_field(self, "CapPrm:", 16);
		pthread_t t, t2;

		CHECK(1, before >= 0 && prm >= 0);
		CHECK(2, pthread_create(&t, NULL, other_thread, &o) == 0);
		pthread_mutex_lock(&o.lock);
		while (!o.tid)
			pthread_cond_wait(&o.cond, &o.lock);
		pthread_mutex_unlock(&o.lock);

		CHECK(3, priv_thread_drop() == 0);
		CHECK(4, task_field(self, "CapEff:", 16) == 0);
		CHECK(5, task_field(self, "CapPrm:", 16) == 0);
		CHECK(6, task_field(o.tid, "CapEff:", 16) == before);
		CHECK(7, task_field(o.tid, "CapPrm:", 16) == prm);

		CHECK(8, pthread_create(&t2, NULL, other_thread, &later) == 0);
		pthread_mutex_lock(&later.lock);
		while (!later.tid)
			pthread_cond_wait(&later.cond, &later.lock);
		pthread_mutex_unlock(&later.lock);
		CHECK(9, task_field(later.tid, "CapPrm:", 16) == 0);

		pthread_mutex_lock(&o.lock);
		o.stop = 1;
		pthread_cond_broadcast(&o.cond);
		pthread_mutex_unlock(&o.lock);
		pthread_mutex_lock(&later.lock);
		later.stop = 1;
		pthread_cond_broadcast(&later.cond);
		pthread_mutex_unlock(&later.lock);
		pthread_join(t, NULL);
		pthread_join(t2, NULL);
		_exit(0);
	}
	expect_exit0(pid);
}

/* Started by a plain user or by root: the environment is ours, nothing is removed. */
static void test_trusted_environment_is_kept(void **state)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("TERMINFO", "/tmp/lsct-terminfo", 1);
		setenv("HOME", "/tmp", 1);
		CHECK(1, priv_env_untrusted() == 0);
		priv_scrub_env();
		CHECK(2, getenv("TERMINFO") && strcmp(getenv("TERMINFO"), "/tmp/lsct-terminfo") == 0);
		CHECK(3, getenv("HOME") != NULL);
		_exit(0);
	}
	expect_exit0(pid);
}

/* Root: an unprivileged uid, no capability, no way back.  Not root: nothing to drop. */
static void test_drop(void **state)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t self = (pid_t)syscall(SYS_gettid);
		int root = geteuid() == 0 && getuid() == 0;
		int r = priv_drop(PRIV_KEEP_NONE);

		if (!root) {
			CHECK(1, r == 0 || r == 1);
			CHECK(2, task_field(self, "CapEff:", 16) == 0);
			_exit(0);
		}
		CHECK(3, r == 1);
		CHECK(4, getuid() != 0 && geteuid() != 0 && getgid() != 0);
		CHECK(5, setuid(0) < 0);
		CHECK(6, task_field(self, "CapEff:", 16) == 0);
		CHECK(7, task_field(self, "CapPrm:", 16) == 0);
		CHECK(8, task_field(self, "CapBnd:", 16) == 0);
		_exit(0);
	}
	expect_exit0(pid);
}

/* Root keeping CAP_NET_ADMIN: that one bit, in effective and permitted. */
static void test_drop_keeps_net_admin(void **state)
{
	pid_t pid;

	if (geteuid() != 0 || getuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t self = (pid_t)syscall(SYS_gettid);

		CHECK(1, priv_drop(PRIV_KEEP_NET_ADMIN) == 1);
		CHECK(2, getuid() != 0 && geteuid() != 0);
		CHECK(3, task_field(self, "CapEff:", 16) == 0x1000);
		CHECK(4, task_field(self, "CapPrm:", 16) == 0x1000);
		CHECK(5, priv_thread_drop() == 0 && task_field(self, "CapPrm:", 16) == 0);
		_exit(0);
	}
	expect_exit0(pid);
}

/*
 * Root keeping what owners need too: CAP_NET_ADMIN, CAP_SYS_ADMIN,
 * CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH; priv_can_see_owners() says yes
 * before the drop and after it, no once the thread dropped them.
 */
static void test_drop_keeps_owner_caps(void **state)
{
	pid_t pid;

	if (geteuid() != 0 || getuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t self = (pid_t)syscall(SYS_gettid);

		CHECK(1, priv_can_see_owners());
		CHECK(2, priv_drop(PRIV_KEEP_NET_ADMIN | PRIV_KEEP_OWNERS) == 1);
		CHECK(3, getuid() != 0 && geteuid() != 0);
		CHECK(4, task_field(self, "CapEff:", 16) == 0x281004);
		CHECK(5, task_field(self, "CapPrm:", 16) == 0x281004);
		CHECK(6, task_field(self, "CapBnd:", 16) == 0);
		CHECK(7, priv_can_see_owners());
		CHECK(8, priv_thread_drop() == 0 && !priv_can_see_owners());
		_exit(0);
	}
	expect_exit0(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_drop_is_per_thread),
		cmocka_unit_test(test_trusted_environment_is_kept),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_keeps_net_admin),
		cmocka_unit_test(test_drop_keeps_owner_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
