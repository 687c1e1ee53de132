/* netns.c: the --netns argument, the deduplicated list, opening namespace files. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "netns.h"

static void test_arg_path(void **state)
{
	char path[64], err[128];

	assert_int_equal(netns_arg_path("web", "/run/netns", path, sizeof path, err, sizeof err), 0);
	assert_string_equal(path, "/run/netns/web");
	assert_int_equal(netns_arg_path("1234", "/run/netns", path, sizeof path, err, sizeof err), 0);
	assert_string_equal(path, "/proc/1234/ns/net");
	assert_int_equal(netns_arg_path("/var/run/docker/netns/abc", "/run/netns", path, sizeof path,
					err, sizeof err), 0);
	assert_string_equal(path, "/var/run/docker/netns/abc");
	/* A '/' makes a path even when the rest is digits; letters make a name. */
	assert_int_equal(netns_arg_path("./12", "/run/netns", path, sizeof path, err, sizeof err), 0);
	assert_string_equal(path, "./12");
	assert_int_equal(netns_arg_path("12a", "/run/netns", path, sizeof path, err, sizeof err), 0);
	assert_string_equal(path, "/run/netns/12a");
	/* Nothing, ".", "..": neither a name nor a path. */
	assert_int_equal(netns_arg_path("", "/run/netns", path, sizeof path, err, sizeof err), -1);
	assert_int_equal(netns_arg_path(".", "/run/netns", path, sizeof path, err, sizeof err), -1);
	assert_int_equal(netns_arg_path("..", "/run/netns", path, sizeof path, err, sizeof err), -1);
	assert_string_equal(err, "'..' is not a namespace name, PID or path");
	/* Too long for the buffer. */
	assert_int_equal(netns_arg_path("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef",
					"/run/netns", path, sizeof path, err, sizeof err), -1);
	assert_string_equal(err, "the namespace path is too long");
}

static void test_list_dedup(void **state)
{
	struct netns_list l;
	size_t i;

	netns_list_init(&l);
	assert_int_equal(netns_list_find(&l, 4, 100), -1);
	/* Seen through /proc first, by two processes; then by its name. */
	i = netns_list_add(&l, 4, 100, NETNS_SRC_PROC, NULL, 900);
	assert_int_equal(i, 0);
	assert_int_equal(netns_list_add(&l, 4, 100, NETNS_SRC_PROC, NULL, 800), 0);
	assert_int_equal(netns_list_add(&l, 4, 100, NETNS_SRC_PROC, NULL, 950), 0);
	assert_int_equal(l.v[0].pid, 800);
	assert_int_equal(netns_list_add(&l, 4, 100, NETNS_SRC_DOCKER, "sandbox1", 0), 0);
	assert_string_equal(l.v[0].name, "sandbox1");
	assert_int_equal(l.v[0].src, NETNS_SRC_DOCKER);
	/* A more specific source's name wins; a less specific one does not. */
	assert_int_equal(netns_list_add(&l, 4, 100, NETNS_SRC_RUN, "web", 0), 0);
	assert_string_equal(l.v[0].name, "web");
	assert_int_equal(netns_list_add(&l, 4, 100, NETNS_SRC_DOCKER, "other", 0), 0);
	assert_string_equal(l.v[0].name, "web");
	assert_int_equal(l.v[0].pid, 800);
	/* Same inode on another device: another namespace. */
	assert_int_equal(netns_list_add(&l, 5, 100, NETNS_SRC_RUN, "x", 0), 1);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].pid, 0);
	/* Names are bounded. */
	{
		char longname[400];

		memset(longname, 'n', sizeof longname - 1);
		longname[sizeof longname - 1] = '\0';
		i = netns_list_add(&l, 4, 101, NETNS_SRC_RUN, longname, 0);
		assert_int_equal(strlen(l.v[i].name), NETNS_NAME_MAX - 1);
	}
	/* Many: the index grows, every one is found at its place. */
	for (uint64_t k = 0; k < 1000; k++)
		netns_list_add(&l, 4, 5000 + k, NETNS_SRC_PROC, NULL, (pid_t)(k + 1));
	assert_int_equal(l.n, 1003);
	for (uint64_t k = 0; k < 1000; k++) {
		long at = netns_list_find(&l, 4, 5000 + k);

		assert_true(at >= 0);
		assert_int_equal(l.v[at].ino, 5000 + k);
		assert_int_equal(l.v[at].pid, (pid_t)(k + 1));
	}
	assert_int_equal(netns_list_find(&l, 4, 100), 0);
	netns_list_clear(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(netns_list_find(&l, 4, 100), -1);
	netns_list_fini(&l);
}

static void test_open(void **state)
{
	int fd;

	fd = netns_open("/proc/self/ns/net");
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(netns_open("/nonexistent/lsct"), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(netns_open("/etc/passwd"), -1);
	assert_int_equal(errno, EINVAL);
	/* A namespace, but not a network one. */
	assert_int_equal(netns_open("/proc/self/ns/uts"), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_scan_and_self(void **state)
{
	struct netns_roots r;
	struct netns_list l;
	uint64_t dev, ino;
	struct stat st;

	assert_int_equal(netns_self(&dev, &ino), 0);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(ino, (uint64_t)st.st_ino);
	netns_roots_default(&r);
	netns_list_init(&l);
	/* Without the skip our own namespace is found, with our PID or a lower one. */
	assert_int_equal(netns_scan(&l, &r, 0, 0), 0);
	{
		long at = netns_list_find(&l, dev, ino);

		assert_true(at >= 0);
		assert_true(l.v[at].pid > 0 && l.v[at].pid <= getpid());
	}
	assert_int_equal(netns_scan(&l, &r, dev, ino), 0);
	assert_int_equal(netns_list_find(&l, dev, ino), -1);
	/* A /proc that does not exist is an error; missing named dirs are not. */
	r.run = r.docker = "/nonexistent/lsct";
	assert_int_equal(netns_scan(&l, &r, dev, ino), 0);
	r.proc = "/nonexistent/lsct";
	assert_int_equal(netns_scan(&l, &r, dev, ino), -1);
	netns_list_fini(&l);
}

static void test_load_addrs(void **state)
{
	struct host_info h;
	struct ct_addr lo = tu_addr("127.0.0.1");

	host_init(&h);
	assert_int_equal(netns_load_addrs(&h), 0);
	host_finish(&h);
	assert_true(host_is_local(&h, AF_INET, &lo));
	host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arg_path),
		cmocka_unit_test(test_list_dedup),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_scan_and_self),
		cmocka_unit_test(test_load_addrs),
	};

	return cmocka_run_group_tests_name("netns", tests, NULL, NULL);
}
