/*
 * procscost.c - what -P's attribution costs (procs_attribute(), CPU only):
 * a fake /proc of NPROC processes holding NSOCK sockets in all, then
 *   first   the first call (the full walk of every descriptor),
 *   steady  a call with the same sockets (nothing to look for),
 *   burst   a call with BURST new sockets of BURST/20 new processes
 *           (no cgroup ids: the new-PID scan), then steady again.
 * Usage: build/bench/procscost [NPROC [NSOCK [BURST]]]   (5000 100000 1000)
 * The tree is built under /tmp and removed at the end.  Prints one line
 * per phase: seconds (median of 5 steady calls), processes and
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
		procs_attribute(p, s, 100.0 + i);
		procs_stats(p, &b);
		t[i] = b.cost;
	}
	qsort(t, (size_t)reps, sizeof t[0], cmp_d);
	printf("%-7s %9.6f s  %6llu processes  %8llu descriptors  %llu unknown\n", name,
	       t[reps / 2], (unsigned long long)(b.scans - a.scans),
	       (unsigned long long)(b.fds - a.fds), (unsigned long long)b.unknown);
}

int main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 5000;
	unsigned nsock = argc > 2 ? (unsigned)atoi(argv[2]) : 100000;
	unsigned burst = argc > 3 ? (unsigned)atoi(argv[3]) : 1000;
	unsigned per = nsock / (unsigned)nproc, inode = 1000;
	struct sock_rec *r = xmalloc((nsock + burst) * sizeof *r);
	struct socks *s = socks_new();
	struct procs *p;
	char path[128], cg[128], cmd[128];

	snprintf(root, sizeof root, "/tmp/lsct-procscost.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(path, sizeof path, "%s/proc", root);
	snprintf(cg, sizeof cg, "%s/cg", root);
	mkdir(path, 0755);
	mkdir(cg, 0755);
	for (int i = 0; i < nproc; i++, inode += per)
		make_pid(100 + i, inode, per);
	for (unsigned i = 0; i < nproc * per; i++)
		r[i] = rec(1000 + i);
	p = procs_new(path, cg);
	socks_set(s, r, nproc * per, 0);
	phase("first", p, s, 1);
	phase("steady", p, s, 5);
	for (unsigned i = 0; i < burst / 20; i++, inode += 20)
		make_pid(100 + nproc + (int)i, inode, 20);
	for (unsigned i = 0; i < burst; i++)
		r[nproc * per + i] = rec(1000 + nproc * per + i);
	socks_set(s, r, nproc * per + burst, 0);
	phase("burst", p, s, 1);
	phase("steady", p, s, 5);
	procs_free(p);
	socks_free(s);
	free(r);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : 1;
}
