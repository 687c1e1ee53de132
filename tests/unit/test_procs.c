/* procs.c: attribution over a fake /proc and cgroup tree, PID reuse, units. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "lsct.h"
#include "procs.h"
#include "socks.h"

static char root[256];
static int root_mounted;	/* root is a tmpfs of the test's own (private_tmpfs()) */

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* /proc/PID with comm, start time and socket descriptors fd -> inode. */
static void fake_pid(int pid, const char *comm, unsigned long long start,
		     const unsigned *inodes, size_t n)
{
	char p[512], t[512];

	snprintf(p, sizeof p, "%s/proc/%d", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/proc/%d/fd", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/proc/%d/stat", root, pid);
	/* Field 22 is the start time; a name with spaces and ")" as comm allows. */
	snprintf(t, sizeof t, "%d (%s) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0\n",
		 pid, comm, start);
	put_file(p, t);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/proc/%d/fd/%zu", root, pid, i + 3);
		snprintf(t, sizeof t, "socket:[%u]", inodes[i]);
		assert_int_equal(symlink(t, p), 0);
	}
	/* Not a socket: skipped. */
	snprintf(p, sizeof p, "%s/proc/%d/fd/0", root, pid);
	assert_int_equal(symlink("/dev/null", p), 0);
}

/*
 * PID's directory replaced by another: a new inode, as procfs gives a new
 * process.  The old one is kept aside, so that its inode number is not
 * reused (real procfs numbers never come back so soon).
 */
static void replace_pid(int pid, const char *comm, unsigned long long start,
			const unsigned *inodes, size_t n)
{
	static int gen;
	char cmd[1200];

	snprintf(cmd, sizeof cmd, "mv '%s/proc/%d' '%s/old-%d-%d'", root, pid, root, pid, gen++);
	assert_int_equal(system(cmd), 0);
	fake_pid(pid, comm, start, inodes, n);
}

static void rm_pid(int pid)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s/proc/%d'", root, pid);
	assert_int_equal(system(cmd), 0);
}

/*
 * A new temporary directory in dir into root whose directories grow by a
 * few bytes an entry (tmpfs, btrfs, xfs), as /proc/PID/fd counts
 * descriptors, not by 4 KiB blocks (ext4) that pass PROCS_CHANGED_FDS at
 * once; 0, or -1 (nothing made) when dir is not writable or not such.
 */
static int small_dirs_in(const char *dir)
{
	char sub[600];
	struct stat sb;
	int ok;

	if (!dir || !*dir || snprintf(root, sizeof root, "%s/lsct-test-procs.XXXXXX", dir) >=
				     (int)sizeof root || !mkdtemp(root))
		return -1;
	snprintf(sub, sizeof sub, "%s/probe", root);
	ok = mkdir(sub, 0755) == 0 && stat(sub, &sb) == 0 && sb.st_size < 1024;
	rmdir(sub);
	if (!ok) {
		rmdir(root);
		return -1;
	}
	return 0;
}

static int put_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * None of those: a tmpfs of the test's own over a new directory of /tmp,
 * in a mount namespace of its own (and, when not root, a user namespace
 * where it has the same uid and gid), so that nothing mounted reaches the
 * host.  -1 when the system does not allow it.
 */
static int private_tmpfs(void)
{
	static int unshared;
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();
	char map[64];

	if (!unshared) {
		if (unshare(CLONE_NEWNS | (uid ? CLONE_NEWUSER : 0)) < 0)
			return -1;
		if (uid) {
			snprintf(map, sizeof map, "%u %u 1", uid, uid);
			if (put_text("/proc/self/uid_map", map) < 0 ||
			    put_text("/proc/self/setgroups", "deny") < 0)
				return -1;
			snprintf(map, sizeof map, "%u %u 1", gid, gid);
			if (put_text("/proc/self/gid_map", map) < 0)
				return -1;
		}
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return -1;
		unshared = 1;
	}
	snprintf(root, sizeof root, "/tmp/lsct-test-procs.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	if (mount("lsct-test", root, "tmpfs", 0, "mode=0700") < 0) {
		rmdir(root);
		return -1;
	}
	root_mounted = 1;
	return 0;
}

static int setup(void **state)
{
	char p[300], run[64];
	const char *dirs[6];
	size_t i;

	(void)state;
	/* Wherever the tests run, as any user: the first that has such directories. */
	snprintf(run, sizeof run, "/run/user/%u", (unsigned)getuid());
	dirs[0] = getenv("TMPDIR");
	dirs[1] = getenv("XDG_RUNTIME_DIR");
	dirs[2] = "/dev/shm";
	dirs[3] = run;
	dirs[4] = "/tmp";
	dirs[5] = "/var/tmp";
	root_mounted = 0;
	for (i = 0; i < ARRAY_LEN(dirs) && small_dirs_in(dirs[i]) < 0; i++)
		;
	if (i == ARRAY_LEN(dirs) && private_tmpfs() < 0) {
		fprintf(stderr, "test_procs: no temporary directory whose directories grow by "
				"the entry (tmpfs), and no tmpfs of its own allowed (%s)\n",
			strerror(errno));
		return -1;
	}
	snprintf(p, sizeof p, "%s/proc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/cg", root);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	if (root_mounted) {
		/* What is in it goes with the tmpfs. */
		root_mounted = 0;
		return umount(root) == 0 && rmdir(root) == 0 ? 0 : -1;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct sock_rec sock(unsigned inode, unsigned lport, uint64_t cgroup)
{
	struct sock_rec s;

	memset(&s, 0, sizeof s);
	s.family = AF_INET;
	s.proto = IPPROTO_TCP;
	s.laddr = tu_addr("10.0.0.1");
	s.raddr = tu_addr("10.0.0.2");
	s.lport = (uint16_t)lport;
	s.rport = 5000;
	s.inode = inode;
	s.uid = 33;
	s.cgroup = cgroup;
	s.cookie = inode;
	return s;
}

static struct procs *new_procs(void)
{
	char p[300], c[300];

	snprintf(p, sizeof p, "%s/proc", root);
	snprintf(c, sizeof c, "%s/cg", root);
	return procs_new(p, c);
}

static void test_full_walk(void **state)
{
	static const unsigned a[] = { 100, 101 }, b[] = { 200 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r[] = { sock(100, 1, 0), sock(200, 2, 0), sock(300, 3, 0) };
	struct proc_info pi;
	struct procs_stats st;

	(void)state;
	fake_pid(10, "nginx", 500, a, 2);
	fake_pid(11, "my (odd) name", 600, b, 1);
	p = new_procs();
	socks_set(s, r, ARRAY_LEN(r), 0);
	procs_attribute(p, s, 1);
	assert_int_not_equal(socks_at(s, 0)->proc, 0);
	assert_int_equal(procs_get(p, socks_at(s, 0)->proc, &pi), 0);
	assert_int_equal(pi.pid, 10);
	assert_string_equal(pi.comm, "nginx");
	assert_int_equal(pi.start, 500);
	assert_int_equal(procs_get(p, socks_at(s, 1)->proc, &pi), 0);
	assert_int_equal(pi.pid, 11);
	assert_string_equal(pi.comm, "my (odd) name");
	/* Nobody holds 300: a number for its uid only. */
	assert_int_equal(procs_get(p, socks_at(s, 2)->proc, &pi), 0);
	assert_int_equal(pi.pid, 0);
	assert_int_equal(pi.uid, 33);
	procs_stats(p, &st);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.unknown, 1);
	assert_false(procs_partial(p));
	/* Steady state: nothing new, no process read again. */
	{
		uint64_t scans = st.scans;

		socks_set(s, r, ARRAY_LEN(r), 2);
		procs_attribute(p, s, 2);
		procs_stats(p, &st);
		assert_int_equal(st.scans, scans);
		assert_int_equal(st.walks, 1);
	}
	assert_int_equal(procs_get(p, 9999, &pi), -1);
	procs_free(p);
	socks_free(s);
	rm_pid(10);
	rm_pid(11);
}

static void test_targeted_and_reuse(void **state)
{
	static const unsigned a[] = { 100 }, a2[] = { 100, 110 }, c[] = { 400 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r1[] = { sock(100, 1, 0) };
	struct sock_rec r2[] = { sock(100, 1, 0), sock(110, 2, 0) };
	struct sock_rec r3[] = { sock(100, 1, 0), sock(400, 4, 0) };
	struct proc_info pi;
	struct procs_stats st;
	uint32_t old;
	char cg[600];
	struct stat sb;

	(void)state;
	fake_pid(20, "client-a", 1000, a, 1);
	p = new_procs();
	socks_set(s, r1, 1, 0);
	procs_attribute(p, s, 1);
	old = socks_at(s, 0)->proc;
	assert_int_equal(procs_get(p, old, &pi), 0);
	assert_string_equal(pi.comm, "client-a");

	/* A known process opens a new socket, in a cgroup: cgroup.procs is read. */
	snprintf(cg, sizeof cg, "%s/cg/system.slice", root);
	mkdir(cg, 0755);
	snprintf(cg, sizeof cg, "%s/cg/system.slice/web.service", root);
	mkdir(cg, 0755);
	assert_int_equal(stat(cg, &sb), 0);
	snprintf(cg, sizeof cg, "%s/cg/system.slice/web.service/cgroup.procs", root);
	put_file(cg, "20\n");
	replace_pid(20, "client-a", 1000, a2, 2);
	r2[1].cgroup = (uint64_t)sb.st_ino;
	socks_set(s, r2, 2, 2);
	procs_attribute(p, s, 2);
	assert_int_equal(socks_at(s, 1)->proc, old);
	assert_int_equal(procs_get(p, old, &pi), 0);
	assert_string_equal(pi.unit, "web.service");
	procs_stats(p, &st);
	assert_int_equal(st.walks, 1);

	/*
	 * PID reuse: 20 exits, a new process gets PID 20 (a later start time)
	 * and opens 400.  Its socket gets a new number; the old socket keeps
	 * the old one.
	 */
	replace_pid(20, "client-b", 2000, c, 1);
	socks_set(s, r3, 2, 3);
	procs_attribute(p, s, 3);
	assert_int_equal(socks_at(s, 0)->proc, old);
	assert_int_not_equal(socks_at(s, 1)->proc, old);
	assert_int_equal(procs_get(p, socks_at(s, 1)->proc, &pi), 0);
	assert_int_equal(pi.pid, 20);
	assert_string_equal(pi.comm, "client-b");
	assert_int_equal(pi.start, 2000);
	assert_int_equal(procs_get(p, old, &pi), 0);
	assert_string_equal(pi.comm, "client-a");
	procs_free(p);
	socks_free(s);
	rm_pid(20);
}

static void test_new_pids_and_negative(void **state)
{
	static const unsigned a[] = { 100 }, b[] = { 500 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r1[] = { sock(100, 1, 0) };
	struct sock_rec r2[] = { sock(100, 1, 0), sock(500, 5, 0), sock(600, 6, 0) };
	struct procs_stats st;
	struct proc_info pi;
	uint64_t scans;

	(void)state;
	fake_pid(30, "old", 10, a, 1);
	p = new_procs();
	socks_set(s, r1, 1, 0);
	procs_attribute(p, s, 1);
	/* A process that started since: only it is read. */
	fake_pid(31, "newcomer", 20, b, 1);
	procs_stats(p, &st);
	scans = st.scans;
	socks_set(s, r2, 3, 2);
	procs_attribute(p, s, 2);
	procs_stats(p, &st);
	assert_int_equal(st.scans, scans + 1);
	assert_int_equal(procs_get(p, socks_at(s, 1)->proc, &pi), 0);
	assert_string_equal(pi.comm, "newcomer");
	/* 600 was looked for and not found: not looked for again. */
	scans = st.scans;
	socks_set(s, r2, 3, 3);
	procs_attribute(p, s, 3);
	procs_stats(p, &st);
	assert_int_equal(st.scans, scans);
	procs_free(p);
	socks_free(s);
	rm_pid(30);
	rm_pid(31);
}

/*
 * A known process (no new PID, no cgroup to narrow it) opens a socket:
 * its descriptor directory changed, so it alone is read again, at once,
 * without a full walk; a process whose directory did not change is not.
 */
static void test_changed_pids(void **state)
{
	static const unsigned a[] = { 100 }, b[] = { 200 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r1[] = { sock(100, 1, 0), sock(200, 2, 0) };
	struct sock_rec r2[] = { sock(100, 1, 0), sock(200, 2, 0), sock(700, 7, 0) };
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };
	struct procs_stats st;
	struct proc_info pi;
	uint64_t scans;
	uint32_t id40;
	char fd[512];

	(void)state;
	fake_pid(40, "grows", 10, a, 1);
	fake_pid(41, "still", 11, b, 1);
	p = new_procs();
	socks_set(s, r1, 2, 0);
	procs_attribute(p, s, 1);
	id40 = socks_at(s, 0)->proc;
	assert_int_equal(procs_get(p, id40, &pi), 0);
	assert_string_equal(pi.comm, "grows");
	procs_stats(p, &st);
	scans = st.scans;

	/*
	 * 40 opens 700: a new descriptor; its directory's mtime moves (set, so
	 * that a coarse clock cannot hide it; procfs's size moves instead).
	 * 41 opens 100 files: it changed too, and is bigger, so it is left
	 * unread once 40 (the smaller, first) had the one socket looked for.
	 */
	snprintf(fd, sizeof fd, "%s/proc/40/fd/9", root);
	assert_int_equal(symlink("socket:[700]", fd), 0);
	snprintf(fd, sizeof fd, "%s/proc/40/fd", root);
	assert_int_equal(utimensat(AT_FDCWD, fd, ts, 0), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(fd, sizeof fd, "%s/proc/41/fd/%d", root, 100 + i);
		assert_int_equal(symlink("/dev/null", fd), 0);
	}
	snprintf(fd, sizeof fd, "%s/proc/41/fd", root);
	assert_int_equal(utimensat(AT_FDCWD, fd, ts, 0), 0);
	socks_set(s, r2, 3, 2);
	procs_attribute(p, s, 2);
	assert_int_equal(socks_at(s, 2)->proc, id40);
	procs_stats(p, &st);
	assert_int_equal(st.scans, scans + 1);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.unknown, 0);

	/* Nothing new: nobody is read (41's change is not looked at). */
	scans = st.scans;
	socks_set(s, r2, 3, 3);
	procs_attribute(p, s, 3);
	procs_stats(p, &st);
	assert_int_equal(st.scans, scans);
	assert_int_equal(socks_at(s, 2)->proc, id40);
	procs_free(p);
	socks_free(s);
	rm_pid(40);
	rm_pid(41);
}

/*
 * The previous call's numbers carried over (same cookie and inode): a
 * socket carried as not found gets its process once a scan finds it; a
 * dump in another order, with sockets gone, keeps every number; a PID
 * reused meanwhile gives the newcomer's socket a new number only.
 */
static void test_carried(void **state)
{
	static const unsigned a[] = { 100 }, b[] = { 600, 800 }, c[] = { 900 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r1[] = { sock(100, 1, 0), sock(600, 6, 0) };
	struct sock_rec r3[] = { sock(100, 1, 0), sock(600, 6, 0), sock(800, 8, 0) };
	struct sock_rec r4[] = { sock(800, 8, 0), sock(600, 6, 0) };
	struct sock_rec r5[] = { sock(900, 9, 0), sock(600, 6, 0), sock(800, 8, 0) };
	struct procs_stats st;
	struct proc_info pi;
	uint32_t id50, id51, none;

	(void)state;
	fake_pid(50, "first", 10, a, 1);
	p = new_procs();
	socks_set(s, r1, 2, 0);
	procs_attribute(p, s, 1);
	id50 = socks_at(s, 0)->proc;
	none = socks_at(s, 1)->proc;
	assert_int_equal(procs_get(p, none, &pi), 0);
	assert_int_equal(pi.pid, 0);
	/* Carried: the same numbers, 600 still without a process. */
	socks_set(s, r1, 2, 2);
	procs_attribute(p, s, 2);
	assert_int_equal(socks_at(s, 0)->proc, id50);
	assert_int_equal(socks_at(s, 1)->proc, none);
	procs_stats(p, &st);
	assert_int_equal(st.unknown, 1);

	/* 51 starts holding 600 and the new 800: reading it finds both. */
	fake_pid(51, "late", 20, b, 2);
	socks_set(s, r3, 3, 3);
	procs_attribute(p, s, 3);
	id51 = socks_at(s, 2)->proc;
	assert_int_equal(procs_get(p, id51, &pi), 0);
	assert_string_equal(pi.comm, "late");
	assert_int_equal(socks_at(s, 1)->proc, id51);
	assert_int_equal(socks_at(s, 0)->proc, id50);
	procs_stats(p, &st);
	assert_int_equal(st.unknown, 0);

	/* Another order, 100 gone. */
	socks_set(s, r4, 2, 4);
	procs_attribute(p, s, 4);
	assert_int_equal(socks_at(s, 0)->proc, id51);
	assert_int_equal(socks_at(s, 1)->proc, id51);

	/* 50 exits, a new 50 opens 900: a new number; 51's sockets keep theirs. */
	replace_pid(50, "reuser", 30, c, 1);
	socks_set(s, r5, 3, 5);
	procs_attribute(p, s, 5);
	assert_int_not_equal(socks_at(s, 0)->proc, id50);
	assert_int_equal(procs_get(p, socks_at(s, 0)->proc, &pi), 0);
	assert_int_equal(pi.pid, 50);
	assert_string_equal(pi.comm, "reuser");
	assert_int_equal(pi.start, 30);
	assert_int_equal(socks_at(s, 1)->proc, id51);
	assert_int_equal(socks_at(s, 2)->proc, id51);
	assert_int_equal(procs_get(p, id50, &pi), 0);
	assert_string_equal(pi.comm, "first");
	procs_free(p);
	socks_free(s);
	rm_pid(50);
	rm_pid(51);
}

/*
 * A socket whose cgroup is not in the tree (made since the walk, or a tree
 * not readable): its process without a unit, carried over from call to
 * call; once the cgroup is there and the tree is walked again (at most
 * every 10 s, on a miss), the process gets its unit.
 */
static void test_cgroup_later(void **state)
{
	static const unsigned a[] = { 100, 101 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r[] = { sock(100, 1, 0), sock(101, 2, 0) };
	struct proc_info pi;
	char from[600], to[600];
	struct stat sb;
	uint32_t id;
	double t;

	(void)state;
	/* Made outside the tree, moved in later: the same inode, the same id. */
	snprintf(from, sizeof from, "%s/app.service", root);
	assert_int_equal(mkdir(from, 0755), 0);
	assert_int_equal(stat(from, &sb), 0);
	r[0].cgroup = r[1].cgroup = (uint64_t)sb.st_ino;
	fake_pid(60, "svc", 10, a, 2);
	p = new_procs();
	for (t = 1; t <= 4; t++) {
		socks_set(s, r, ARRAY_LEN(r), t);
		procs_attribute(p, s, t);
		id = socks_at(s, 0)->proc;
		assert_int_equal(socks_at(s, 1)->proc, id);
		assert_int_equal(procs_get(p, id, &pi), 0);
		assert_int_equal(pi.pid, 60);
		assert_string_equal(pi.unit, "");
	}
	snprintf(to, sizeof to, "%s/cg/app.service", root);
	assert_int_equal(rename(from, to), 0);
	/* Less than 10 s since the tree was walked: not walked again yet. */
	socks_set(s, r, ARRAY_LEN(r), 5);
	procs_attribute(p, s, 5);
	assert_int_equal(procs_get(p, socks_at(s, 0)->proc, &pi), 0);
	assert_string_equal(pi.unit, "");
	for (t = 12; t <= 13; t++) {
		socks_set(s, r, ARRAY_LEN(r), t);
		procs_attribute(p, s, t);
		assert_int_equal(socks_at(s, 0)->proc, id);
		assert_int_equal(socks_at(s, 1)->proc, id);
		assert_int_equal(procs_get(p, id, &pi), 0);
		assert_int_equal(pi.pid, 60);
		assert_string_equal(pi.unit, "app.service");
	}
	procs_free(p);
	socks_free(s);
	rm_pid(60);
}

/*
 * New processes are read until every socket looked for is found; one left
 * unread is read when a socket of its shows up later (its descriptors
 * were never read, so they count as changed).
 */
static void test_new_pids_stop(void **state)
{
	static const unsigned a[] = { 100 }, b[] = { 500 }, c[] = { 510 };
	struct procs *p;
	struct socks *s = socks_new();
	struct sock_rec r1[] = { sock(100, 1, 0) };
	struct sock_rec r2[] = { sock(100, 1, 0), sock(500, 5, 0) };
	struct sock_rec r3[] = { sock(100, 1, 0), sock(500, 5, 0), sock(510, 7, 0) };
	struct procs_stats st;
	struct proc_info pi;
	uint64_t scans;

	(void)state;
	fake_pid(60, "old", 10, a, 1);
	p = new_procs();
	socks_set(s, r1, 1, 0);
	procs_attribute(p, s, 1);
	fake_pid(61, "one", 20, b, 1);
	fake_pid(62, "two", 21, c, 1);
	procs_stats(p, &st);
	scans = st.scans;
	socks_set(s, r2, 2, 2);
	procs_attribute(p, s, 2);
	procs_stats(p, &st);
	assert_int_equal(st.scans, scans + 1);
	assert_int_equal(procs_get(p, socks_at(s, 1)->proc, &pi), 0);
	assert_string_equal(pi.comm, "one");
	scans = st.scans;
	socks_set(s, r3, 3, 3);
	procs_attribute(p, s, 3);
	procs_stats(p, &st);
	assert_int_equal(st.scans, scans + 1);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(procs_get(p, socks_at(s, 2)->proc, &pi), 0);
	assert_string_equal(pi.comm, "two");
	assert_int_equal(pi.pid, 62);
	procs_free(p);
	socks_free(s);
	rm_pid(60);
	rm_pid(61);
	rm_pid(62);
}

static void test_partial(void **state)
{
	static const unsigned a[] = { 100 };
	struct procs *p;
	struct socks *s;
	struct sock_rec r1[] = { sock(100, 1, 0) };
	char fd[300];
	DIR *d;

	(void)state;
	fake_pid(40, "secret", 10, a, 1);
	snprintf(fd, sizeof fd, "%s/proc/40/fd", root);
	chmod(fd, 0);
	if ((d = opendir(fd))) {
		/*
		 * Root (or the owner of the user namespace of private_tmpfs())
		 * reads a mode-000 directory anyway: nothing to show.
		 */
		closedir(d);
		chmod(fd, 0755);
		rm_pid(40);
		skip();
	}
	s = socks_new();
	p = new_procs();
	socks_set(s, r1, 1, 0);
	procs_attribute(p, s, 1);
	assert_true(procs_partial(p));
	chmod(fd, 0755);
	procs_free(p);
	socks_free(s);
	rm_pid(40);
}

static void test_cgroup_unit(void **state)
{
	static const struct { const char *path, *unit; } cases[] = {
		{ "/system.slice/nginx.service", "nginx.service" },
		{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
		{ "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		  "docker:0123456789ab" },
		{ "/machine.slice/libpod-aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999.scope",
		  "podman:aaaabbbbcccc" },
		{ "/kubepods.slice/kubepods-pod1.slice/cri-containerd-0123456789abcdef0123456789abcdef.scope",
		  "containerd:0123456789ab" },
		{ "/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
		  "docker:fedcba987654" },
		{ "/system.slice/nginx.service/worker", "nginx.service" },
		{ "/", "" },
		{ "", "" },
		{ "/init.scope", "init.scope" },
		{ "/some/dir", "" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		procs_cgroup_unit(cases[i].path, out, sizeof out);
		assert_string_equal(out, cases[i].unit);
	}
	procs_cgroup_unit("/system.slice/a-very-long-name.service", out, 8);
	assert_int_equal(strlen(out), 7);
}

static void test_label(void **state)
{
	struct proc_info pi;
	char b[PROCS_LABEL_MAX];

	(void)state;
	memset(&pi, 0, sizeof pi);
	procs_label(NULL, 0, b, sizeof b);
	assert_string_equal(b, "-");
	pi.pid = 42;
	strcpy(pi.comm, "nginx");
	procs_label(&pi, 1, b, sizeof b);
	assert_string_equal(b, "nginx[42]");
	procs_label(&pi, 3, b, sizeof b);
	assert_string_equal(b, "nginx[42]+2");
	pi.pid = 0;
	pi.uid = 1000;
	procs_label(&pi, 1, b, sizeof b);
	assert_string_equal(b, "uid=1000");
	strcpy(pi.unit, "db.service");
	procs_label(&pi, 1, b, sizeof b);
	assert_string_equal(b, "db.service");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targeted_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_pids_and_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_pids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_carried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_pids_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial, setup, teardown),
		cmocka_unit_test(test_cgroup_unit),
		cmocka_unit_test(test_label),
	};

	return cmocka_run_group_tests_name("procs", tests, NULL, NULL);
}
