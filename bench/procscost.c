/*
 * procscost.c - what -P's attribution costs (procs_attribute(), CPU only):
 * a fake /proc of NPROC processes holding NSOCK sockets in all, then
 *   first   the first call (the full walk of every descriptor),
 *   steady  a call with the same sockets (nothing to look for),
 *   burst   a call with BURST new sockets of BURST/20 new processes
 *           (in the root cgroup: the new-PID scan), spread among the
 *           others as the kernel's hash order puts them, then steady
 *           again;
 *   shuffled the same sockets in another order (the worst case for the
 *           previous call's order that a steady call follows);
 *   nocg-first, nocg-steady  first and steady again, for a new struct
 *           procs whose cgroup tree is not there (as under `ip netns
 *           exec`, which mounts a sysfs of its own): no socket's cgroup
 *           is found.
 * Usage: build/bench/procscost [NPROC [NSOCK [BURST [OTHER]]]]
 * (5000 100000 1000 135000).  As on a real host (bench/procs.sh): OTHER
 * more socket descriptors in 12 processes whose sockets are not in the
 * dump (another namespace's, unix sockets: the first walk sees 235,000
 * in all), every socket in the root cgroup (its id, no unit), and before
 * each call 64 MiB written, as the socket dump before it evicts the
 * caches.  The tree is built under /tmp and removed at the end.  Prints
 * one line per phase: seconds (median of 5 steady calls), processes and
 * descriptors read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "procs.h"
#include "socks.h"
#include "util.h"

static char root[64];
static uint64_t cgroot;
static unsigned char *evict;
#define EVICT_BYTES (64u << 20)

static void make_pid(int pid, unsigned first, unsigned n)
{
	char p[256], t[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/proc/%d", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/proc/%d/fd", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/proc/%d/stat", root, pid);
	f = fopen(p, "w");
	if (!f)
		exit(1);
	fprintf(f, "%d (srv%d) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n", pid, pid, pid);
	fclose(f);
	for (unsigned i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/proc/%d/fd/%u", root, pid, i + 3);
		snprintf(t, sizeof t, "socket:[%u]", first + i);
		if (symlink(t, p) < 0)
			exit(1);
	}
}

static struct sock_rec rec(unsigned inode)
{
	struct sock_rec r;

	memset(&r, 0, sizeof r);
	r.family = AF_INET;
	r.proto = IPPROTO_TCP;
	r.laddr.b[0] = 10;
	r.laddr.b[3] = 1;
	r.raddr.b[0] = 10;
	r.raddr.b[1] = (uint8_t)(inode >> 16);
	r.raddr.b[2] = (uint8_t)(inode >> 8);
	r.raddr.b[3] = (uint8_t)inode;
	r.lport = (uint16_t)(1024 + inode % 60000);
	r.rport = 443;
	r.inode = inode;
	r.cookie = inode;
	r.cgroup = cgroot;
	return r;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void phase(const char *name, struct procs *p, struct socks *s, int reps)
{
	double t[9];
	struct procs_stats a, b;

	procs_stats(p, &a);
	for (int i = 0; i < reps; i++) {
		for (size_t k = 0; k < EVICT_BYTES; k += 64)
			evict[k] = (unsigned char)(evict[k] + 1);
		procs_attribute(p, s, 100.0 + i);
		procs_stats(p, &b);
		t[i] = b.cost;
	}
	qsort(t, (size_t)reps, sizeof t[0], cmp_d);
	printf("%-11s %9.6f s  %6llu processes  %8llu descriptors  %llu unknown\n", name,
	       t[reps / 2], (unsigned long long)(b.scans - a.scans),
	       (unsigned long long)(b.fds - a.fds), (unsigned long long)b.unknown);
}

int main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 5000;
	unsigned nsock = argc > 2 ? (unsigned)atoi(argv[2]) : 100000;
	unsigned burst = argc > 3 ? (unsigned)atoi(argv[3]) : 1000;
	unsigned other = argc > 4 ? (unsigned)atoi(argv[4]) : 135000;
	unsigned per = nsock / (unsigned)nproc, inode = 1000;
	struct sock_rec *r = xmalloc((nsock + burst) * sizeof *r);
	struct socks *s = socks_new();
	struct procs *p;
	char path[128], cg[128], cmd[128];
	struct stat sb;

	snprintf(root, sizeof root, "/tmp/lsct-procscost.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(path, sizeof path, "%s/proc", root);
	snprintf(cg, sizeof cg, "%s/cg", root);
	mkdir(path, 0755);
	mkdir(cg, 0755);
	if (stat(cg, &sb) == 0)
		cgroot = (uint64_t)sb.st_ino;
	evict = xcalloc(EVICT_BYTES, 1);
	for (int i = 0; i < nproc; i++, inode += per)
		make_pid(100 + i, inode, per);
	/* Sockets not in the dump: above every inode the dump will have. */
	for (unsigned i = 0; i < 12 && other; i++)
		make_pid(90000 + (int)i, 50000000 + i * (other / 12 + 1), other / 12);
	for (unsigned i = 0; i < nproc * per; i++)
		r[i] = rec(1000 + i);
	p = procs_new(path, cg);
	socks_set(s, r, nproc * per, 0);
	phase("first", p, s, 1);
	phase("steady", p, s, 5);
	for (unsigned i = 0; i < burst / 20; i++, inode += 20)
		make_pid(100 + nproc + (int)i, inode, 20);
	{
		/* One new socket after every (old / burst)-th old one. */
		unsigned old = nproc * per, step = burst ? old / burst : 1, k = 0, b = 0;
		struct sock_rec *m = xmalloc((old + burst) * sizeof *m);

		for (unsigned i = 0; i < old; i++) {
			m[k++] = r[i];
			if (b < burst && step && (i + 1) % step == 0)
				m[k++] = rec(1000 + old + b++);
		}
		while (b < burst)
			m[k++] = rec(1000 + old + b++);
		memcpy(r, m, k * sizeof *r);
		free(m);
	}
	socks_set(s, r, nproc * per + burst, 0);
	phase("burst", p, s, 1);
	phase("steady", p, s, 5);
	srand(1);
	for (unsigned i = nproc * per + burst - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1);
		struct sock_rec t = r[i];

		r[i] = r[j];
		r[j] = t;
	}
	socks_set(s, r, nproc * per + burst, 0);
	phase("shuffled", p, s, 1);
	procs_free(p);
	snprintf(cg, sizeof cg, "%s/no-cgroups", root);
	p = procs_new(path, cg);
	phase("nocg-first", p, s, 1);
	phase("nocg-steady", p, s, 5);
	procs_free(p);
	socks_free(s);
	free(r);
	free(evict);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : 1;
}
