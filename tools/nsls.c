/*
 * nsls.c - the owner table (include/owner.h) as lsconntrack builds it: every
 * other network namespace of this machine with its label, addresses and
 * listeners.  A debug tool for tests/integration/netns.sh and the timer of
 * bench/netns.sh.
 *
 *   nsls [-n NETNS] [-T TTL] [-U] [-D DIR] [-P DIR]   one table, TSV
 *   nsls -b N [-T TTL] [-U]                          time it: the build, then N refreshes
 *
 * TSV columns: kind, name, id, inode, member PID (0 none), addresses
 * (comma-separated, "-" none), listeners ("tcp/80,udp/53", "-" none),
 * "failed" or "ok".  Then one line "# namespaces=N addrs=N ambiguous=N".
 * -n views from inside NETNS (a name, PID or path, as lsconntrack --netns):
 * that namespace is skipped and the caller's own is listed.  -U: no UTS
 * hostname tier.  With -b it also compares, on the namespaces that have a
 * member, the two ways to learn what is inside: netns_load() (setns,
 * RTM_GETADDR, sock_diag, back) against only reading the member's
 * /proc/PID/net/{fib_trie,if_inet6,tcp,tcp6,udp,udp6} (no parsing: a floor
 * for that way): setns_us=... proc_us=... per namespace, compared=N.
 * -D: Docker's containers directory (default
 * /var/lib/docker/containers), -P: the pod logs directory (/var/log/pods),
 * for tests with made-up ones.  -b prints one line: build_ms=... refresh_best_ms=...
 * refresh_median_ms=... namespaces=N (the refreshes find nothing new: the
 * steady-state cost, TTL default 30 s so none ages).  Needs root.
 * Exit status 0, 1 with a message on failure, 2 usage.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "owner.h"
#include "util.h"

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static void print_owner(const struct owner *o)
{
	char buf[64];

	printf("%s\t%s\t%s\t%llu\t%d\t", owner_kind_name(o->kind), o->name, o->id,
	       (unsigned long long)o->ino, (int)o->pid);
	if (!o->host.naddrs)
		putchar('-');
	for (size_t i = 0; i < o->host.naddrs; i++)
		printf("%s%s", i ? "," : "",
		       ct_addr_str(o->host.addrs[i].family, &o->host.addrs[i].a, buf, sizeof buf));
	putchar('\t');
	if (!o->host.nls)
		putchar('-');
	for (size_t i = 0; i < o->host.nls; i++)
		printf("%s%s/%u", i ? "," : "", o->host.ls[i].proto == IPPROTO_TCP ? "tcp" : "udp",
		       o->host.ls[i].port);
	printf("\t%s\n", o->load_failed ? "failed" : "ok");
}

/* Seconds to read the member's /proc/PID/net tables whole (no parsing). */
static double proc_read(pid_t pid)
{
	static const char *const files[] = { "fib_trie", "if_inet6", "tcp", "tcp6", "udp", "udp6" };
	static char buf[65536];
	double t0 = mono_now();

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[64];
		FILE *f;

		snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fread(buf, 1, sizeof buf, f) > 0)
			;
		fclose(f);
	}
	return mono_now() - t0;
}

/* The two ways on every owner with a member; prints the means per namespace. */
static void compare_ways(const struct owner_table *t, const struct netns_roots *roots)
{
	double tset = 0, tproc = 0;
	size_t n = 0;

	for (size_t i = 0; i < owner_count(t); i++) {
		const struct owner *o = owner_at(t, i);
		struct netns_ref r;
		struct host_info h;
		double s;

		if (o->pid <= 0)
			continue;
		memset(&r, 0, sizeof r);
		r.dev = o->dev;
		r.ino = o->ino;
		r.pid = o->pid;
		r.src = NETNS_SRC_PROC;
		host_init(&h);
		s = mono_now();
		if (netns_load(&r, roots, &h) < 0) {
			host_fini(&h);
			continue;
		}
		host_finish(&h);
		tset += mono_now() - s;
		host_fini(&h);
		tproc += proc_read(o->pid);
		n++;
	}
	printf("setns_us=%.1f proc_us=%.1f compared=%zu\n", n ? tset / (double)n * 1e6 : 0,
	       n ? tproc / (double)n * 1e6 : 0, n);
}

int main(int argc, char **argv)
{
	struct owner_config c;
	struct owner_stats st;
	struct owner_table *t;
	const char *netns = NULL;
	char host[256];
	long bench = 0;
	double t0, build;
	int opt, back = -1;

	owner_config_default(&c);
	while ((opt = getopt(argc, argv, "b:D:n:P:T:U")) != -1) {
		switch (opt) {
		case 'b': bench = strtol(optarg, NULL, 10); break;
		case 'D': c.docker_dir = optarg; break;
		case 'n': netns = optarg; break;
		case 'P': c.pods_dir = optarg; break;
		case 'T': c.ttl = strtod(optarg, NULL); break;
		case 'U': c.uts = 0; break;
		default:
			fprintf(stderr, "usage: nsls [-n NETNS] [-T TTL] [-U] [-D DIR] [-P DIR] [-b N]\n");
			return 2;
		}
	}
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	c.host_name = host;
	if (netns) {
		char path[4096], err[256];
		int fd;

		if (netns_arg_path(netns, c.roots.run, path, sizeof path, err, sizeof err) < 0) {
			fprintf(stderr, "nsls: %s\n", err);
			return 1;
		}
		fd = netns_open(path);
		if (fd < 0 || (back = netns_enter(fd)) < 0) {
			fprintf(stderr, "nsls: %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
		if (netns_self(&c.self_dev, &c.self_ino) < 0) {
			fprintf(stderr, "nsls: %s\n", strerror(errno));
			return 1;
		}
	}
	t = owner_table_new(&c);
	t0 = mono_now();
	if (owner_table_refresh(t, t0, &st) < 0) {
		fprintf(stderr, "nsls: cannot list the namespaces: %s\n", strerror(errno));
		return 1;
	}
	build = mono_now() - t0;
	if (bench > 0) {
		double *d = xmalloc((size_t)bench * sizeof *d);

		for (long i = 0; i < bench; i++) {
			double s = mono_now();

			if (owner_table_refresh(t, s, &st) < 0) {
				fprintf(stderr, "nsls: refresh: %s\n", strerror(errno));
				return 1;
			}
			d[i] = mono_now() - s;
		}
		qsort(d, (size_t)bench, sizeof *d, cmp_double);
		printf("build_ms=%.2f refresh_best_ms=%.3f refresh_median_ms=%.3f namespaces=%zu "
		       "addrs=%zu failed=%zu reloaded=%zu\n", build * 1e3, d[0] * 1e3,
		       d[bench / 2] * 1e3, st.namespaces, st.addrs, st.failed, st.reloaded);
		free(d);
		compare_ways(t, &c.roots);
	} else {
		for (size_t i = 0; i < owner_count(t); i++)
			print_owner(owner_at(t, i));
		printf("# namespaces=%zu addrs=%zu ambiguous=%zu failed=%zu\n", st.namespaces,
		       st.addrs, st.ambiguous, st.failed);
	}
	owner_table_free(t);
	if (back >= 0 && netns_leave(back) < 0)
		return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}
