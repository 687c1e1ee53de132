/*
 * main.c - wire sources, flows, views and writers together; the only place
 * that prints errors and chooses exit codes (0 ok, 1 runtime, 2 usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ct_source_netlink.h"
#include "ct_source_text.h"
#include "flow.h"
#include "host.h"
#include "monitor.h"
#include "out.h"
#include "priv.h"
#include "resolve.h"
#include "tui.h"
#include "util.h"
#include "view.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define PROC_CONNTRACK "/proc/net/nf_conntrack"
/* Names kept by a monitor or a stream: a screenful many times over. */
#define RESOLVER_MAX_NAMES 4096

static const char prog[] = "lsconntrack";

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* The hint a failed read of the table deserves, by errno. */
static const char *hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return " (run as root or with CAP_NET_ADMIN)";
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
	case ENOENT:
		return " (conntrack is not available: modprobe nf_conntrack_netlink)";
	default:
		return "";
	}
}

struct source_result {
	uint64_t skipped;	/* text lines skipped */
	uint64_t first_bad;	/* line number of the first */
	uint64_t malformed;	/* netlink messages that did not parse */
	int live;		/* read from this host's kernel */
};

static struct ct_nl *open_netlink(void)
{
	struct ct_nl *nl = ct_nl_open();

	if (!nl)
		die(EXIT_RUNTIME, "cannot open a netlink socket: %s%s", strerror(errno), hint(errno));
	return nl;
}

/* What the kernel can leave out of the dump: results stay the same. */
static void nl_filter(const struct cli_opts *o, struct ct_nl_filter *f)
{
	memset(f, 0, sizeof *f);
	if (o->families == FLOW_FAM_V4)
		f->family = AF_INET;
	else if (o->families == FLOW_FAM_V6)
		f->family = AF_INET6;
	if (o->protos == FLOW_PROTO_TCP)
		f->proto = IPPROTO_TCP;
	else if (o->protos == FLOW_PROTO_UDP)
		f->proto = IPPROTO_UDP;
}

static void read_netlink(struct ct_nl *nl, const struct cli_opts *o, struct flow_table *t,
			 struct source_result *r)
{
	struct ct_nl_filter filter = { 0 };
	struct ct_nl_stats st;
	struct ct_sink sink = flow_table_sink(t);

	nl_filter(o, &filter);
	flow_table_begin(t);
	if (ct_nl_dump(nl, &filter, &sink, &st) < 0) {
		int err = errno;

		die(EXIT_RUNTIME, "cannot read the conntrack table: %s%s", strerror(err), hint(err));
	}
	flow_table_end(t);
	r->malformed = st.malformed;
	r->live = 1;
}

static void read_text(int fd, const char *what, struct flow_table *t, struct source_result *r)
{
	struct ct_text_stats st;
	struct ct_sink sink = flow_table_sink(t);

	memset(&st, 0, sizeof st);
	flow_table_begin(t);
	if (ct_text_read_fd(fd, &sink, &st) < 0)
		die(EXIT_RUNTIME, "cannot read %s: %s", what, strerror(errno));
	flow_table_end(t);
	r->skipped = ct_text_skipped(&st);
	r->first_bad = st.first_bad;
}

static int open_proc(const struct cli_opts *o)
{
	const char *path = o->proc_file ? o->proc_file : PROC_CONNTRACK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		if (err == ENOENT && !o->proc_file)
			die(EXIT_RUNTIME, "%s does not exist: load the nf_conntrack module, or "
			    "use the default netlink source (the kernel may lack "
			    "CONFIG_NF_CONNTRACK_PROCFS)", path);
		if (err == EACCES && !o->proc_file)
			die(EXIT_RUNTIME, "cannot open %s: %s (run as root)", path, strerror(err));
		die(EXIT_RUNTIME, "cannot open %s: %s", path, strerror(err));
	}
	return fd;
}

static const char *name_of(void *arg, int family, const struct ct_addr *a)
{
	return resolver_name(arg, family, a);
}

static void summary(const struct flow_stats *fs, const struct source_result *r)
{
	char line[512];
	size_t off = 0;

	if (fs->forwarded)
		off += (size_t)snprintf(line + off, sizeof line - off,
			"%s%llu forwarded through this host (not shown)", off ? "; " : "",
			(unsigned long long)fs->forwarded);
	if (r->skipped)
		off += (size_t)snprintf(line + off, sizeof line - off,
			"%s%llu input line%s skipped as malformed (first: line %llu)",
			off ? "; " : "", (unsigned long long)r->skipped,
			r->skipped == 1 ? "" : "s", (unsigned long long)r->first_bad);
	if (r->malformed)
		off += (size_t)snprintf(line + off, sizeof line - off,
			"%s%llu netlink message%s did not parse", off ? "; " : "",
			(unsigned long long)r->malformed, r->malformed == 1 ? "" : "s");
	if (off)
		fprintf(stderr, "%s: %llu entries: %s\n", prog,
			(unsigned long long)fs->entries, line);
}

static void check_counters(const struct flow_stats *fs, const struct source_result *r)
{
	struct host_ct_sysctl sc;

	if (r->live) {
		host_read_ct_sysctl(&sc);
		if (sc.acct == 0)
			fprintf(stderr, "%s: warning: packet and byte counters are zero because "
				"accounting is off; enable it with: sysctl -w "
				"net.netfilter.nf_conntrack_acct=1 (new connections only)\n", prog);
		return;
	}
	if (fs->active + fs->passive && !fs->counters)
		fprintf(stderr, "%s: warning: the input has no packet or byte counters "
			"(net.netfilter.nf_conntrack_acct was 0 where it was taken)\n", prog);
}

/* SIGINT, SIGTERM and SIGHUP end streams and the monitor cleanly (exit 0). */
static volatile sig_atomic_t signalled;
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	ssize_t w;

	signalled = sig;
	w = write(sig_pipe[1], "", 1);
	(void)w;
	errno = saved;
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die(EXIT_RUNTIME, "cannot create a pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a sleep or a poll must notice the signal. */
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static void rfc3339(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char day[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", day, ts->tv_nsec / 1000000);
}

static struct monitor *monitor_for(const struct cli_opts *o, const struct host_info *host,
				   const struct flow_opts *fo, struct ct_nl *nl, int fd,
				   double interval)
{
	struct mon_config mc;

	memset(&mc, 0, sizeof mc);
	mc.host = host;
	mc.fo = *fo;
	mc.period = interval;
	mc.fd = fd;
	if (nl) {
		mc.source = MON_SRC_NETLINK;
		mc.nl = nl;
		mc.live = 1;
		nl_filter(o, &mc.filter);
	} else if (o->source == CLI_SRC_PROC) {
		mc.source = MON_SRC_FILE;
		mc.live = !o->proc_file;
	} else {
		mc.source = MON_SRC_STDIN;
	}
	return mon_new(&mc);
}

/* Sleeps until the monotonic deadline; returns early on a signal. */
static void sleep_until(double deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (!signalled && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * -c other than 1: snapshots every -d seconds, deadlines k * delay after the
 * first (a snapshot that overruns restarts the schedule), until the count
 * is reached, a signal arrives or the reader goes away.
 */
static void run_stream(struct monitor *m, const struct cli_opts *o, struct view_opts *vo,
		       struct out_opts *oo, struct resolver *resolver, int live)
{
	struct source_result res;
	struct mon_frame *f, *last = NULL;
	double deadline = mono_now();
	char when[48];

	memset(&res, 0, sizeof res);
	res.live = live;
	for (uint64_t i = 0; o->count == 0 || i < o->count; i++) {
		const struct flow **rows;
		size_t n;
		int r;

		if (i) {
			deadline += o->delay;
			sleep_until(deadline);
			if (mono_now() > deadline + o->delay)
				deadline = mono_now();
		}
		if (signalled)
			break;
		f = mon_snapshot(m);
		if (!f) {
			int err = errno;

			if (signalled)
				break;
			if (err == ENODATA)
				die(EXIT_RUNTIME, "the input ended after one snapshot");
			die(EXIT_RUNTIME, "cannot read the conntrack table: %s%s", strerror(err),
			    hint(err));
		}
		rows = xcalloc(f->nflows + 1, sizeof *rows);
		n = view_build_array(f->flows, f->nflows, vo, rows);
		if (resolver) {
			for (size_t k = 0; k < n; k++)
				resolver_want(resolver, rows[k]->key.family, &rows[k]->key.peer);
			resolver_wait(resolver, o->dns_timeout);
		}
		rfc3339(&f->when, when, sizeof when);
		oo->time = when;
		oo->interval = f->interval;
		errno = 0;
		r = o->json ? out_json_write(stdout, rows, n, oo) :
			      out_table_write(stdout, rows, n, oo);
		free(rows);
		if (r < 0 && errno != EPIPE)
			die(EXIT_RUNTIME, "cannot write the output: %s", strerror(errno));
		if (!last)
			check_counters(&f->stats, &res);
		mon_frame_free(last);
		last = f;
		if (r < 0) {
			mon_frame_free(last);
			return;		/* the reader is gone: a quiet end */
		}
	}
	if (last) {
		res.skipped = last->skipped;
		res.first_bad = last->first_bad;
		res.malformed = last->malformed;
		summary(&last->stats, &res);
	}
	mon_frame_free(last);
}

static void run_monitor(struct monitor *m, const struct cli_opts *o, struct resolver *resolver)
{
	struct tui_config tc;
	char host[256], err[256];

	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	memset(&tc, 0, sizeof tc);
	tc.dirs = o->dirs;
	tc.aport = &o->aport;
	tc.pport = &o->pport;
	tc.sort = o->sort_set ? o->sort : view_sort_default(1);
	tc.reverse = o->reverse;
	tc.numeric = o->numeric;
	tc.show_proto = o->protos != FLOW_PROTO_TCP;
	tc.resolver = resolver;
	tc.source = o->source == CLI_SRC_NETLINK ? "netlink" :
		    o->proc_file ? o->proc_file : PROC_CONNTRACK;
	tc.hostname = host;
	tc.signalled = &signalled;
	tc.sig_fd = sig_pipe[0];
	if (mon_start(m) < 0)
		die(EXIT_RUNTIME, "cannot start the collector: %s", strerror(errno));
	if (tui_run(m, &tc, err, sizeof err) < 0) {
		int e = errno;

		mon_free(m);
		die(EXIT_RUNTIME, "%s%s", err, hint(e));
	}
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	struct host_info host;
	struct flow_opts fo;
	struct flow_table *t;
	struct source_result res;
	struct view_opts vo;
	struct out_opts oo;
	struct resolver *resolver = NULL;
	const struct flow **rows;
	struct ct_nl *nl = NULL;
	size_t n;
	char err[256];
	int r, fd = -1, interactive;

	/* A closed pipe shows up as EPIPE from the writers, handled below. */
	signal(SIGPIPE, SIG_IGN);

	cli_init(&o);
	if (cli_parse(&o, argc, argv, err, sizeof err) < 0)
		die(EXIT_USAGE, "%s", err);
	if (o.action == CLI_HELP) {
		fputs(cli_usage(), stdout);
		return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
	}
	if (o.action == CLI_VERSION) {
		printf("%s %s\n", prog, LSCT_VERSION);
		return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
	}

	/* The screen is for a terminal; scripts and pipes get snapshots. */
	interactive = !o.batch && !o.count_set && !o.json && o.source != CLI_SRC_STDIN &&
		      isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (interactive)
		setlocale(LC_ALL, "");

	host_init(&host);
	if (o.local) {
		if (host_parse_addrs(&host, o.local, err, sizeof err) < 0)
			die(EXIT_USAGE, "invalid value for --local: %s", err);
	} else {
		if (host_load_addrs(&host) < 0)
			die(EXIT_RUNTIME, "cannot list this host's addresses: %s", strerror(errno));
		/* Missing /proc/net tables only mean fewer known listeners. */
		(void)host_load_listeners(&host);
	}
	host_finish(&host);

	memset(&fo, 0, sizeof fo);
	fo.protos = o.protos;
	fo.families = o.families;
	fo.server_ports = &o.pport;
	t = flow_table_new(&host, &fo);

	memset(&res, 0, sizeof res);
	/* Open what needs privilege, then give the privilege up before reading. */
	if (o.source == CLI_SRC_NETLINK)
		nl = open_netlink();
	else if (o.source == CLI_SRC_PROC)
		fd = open_proc(&o);
	if (priv_drop(nl ? PRIV_KEEP_NET_ADMIN : PRIV_KEEP_NONE) < 0)
		die(EXIT_RUNTIME, "cannot drop privileges: %s", strerror(errno));

	memset(&vo, 0, sizeof vo);
	vo.dirs = o.dirs;
	vo.aport = &o.aport;
	vo.pport = &o.pport;
	vo.sort = o.sort;
	vo.reverse = o.reverse;
	memset(&oo, 0, sizeof oo);
	oo.show_proto = o.protos != FLOW_PROTO_TCP;

	if (interactive || o.count != 1) {
		struct monitor *m;

		flow_table_free(t);
		m = monitor_for(&o, &host, &fo, nl, o.source == CLI_SRC_STDIN ? STDIN_FILENO : fd,
				o.delay);
		catch_signals();
		/* The monitor's n turns names on even after -n (tui_config.numeric). */
		if (interactive || (!o.numeric && (!o.json || o.names)))
			resolver = resolver_new(16, RESOLVER_MAX_NAMES);
		if (interactive) {
			run_monitor(m, &o, resolver);
		} else {
			oo.stream = 1;
			if (resolver) {
				oo.name_of = name_of;
				oo.name_arg = resolver;
			}
			run_stream(m, &o, &vo, &oo, resolver,
				   nl || (o.source == CLI_SRC_PROC && !o.proc_file));
		}
		mon_free(m);
		resolver_free(resolver);
		host_fini(&host);
		cli_fini(&o);
		return 0;
	}

	switch (o.source) {
	case CLI_SRC_NETLINK:
		read_netlink(nl, &o, t, &res);
		ct_nl_close(nl);
		break;
	case CLI_SRC_PROC:
		read_text(fd, o.proc_file ? o.proc_file : PROC_CONNTRACK, t, &res);
		close(fd);
		res.live = !o.proc_file;
		break;
	case CLI_SRC_STDIN:
		read_text(STDIN_FILENO, "standard input", t, &res);
		break;
	}

	rows = xcalloc(flow_table_count(t) + 1, sizeof *rows);
	n = view_build(t, &vo, rows);

	if (!o.numeric && (!o.json || o.names) && n) {
		resolver = resolver_new(16, 0);
		for (size_t i = 0; i < n; i++)
			resolver_want(resolver, rows[i]->key.family, &rows[i]->key.peer);
		resolver_wait(resolver, o.dns_timeout);
		oo.name_of = name_of;
		oo.name_arg = resolver;
	}

	errno = 0;
	r = o.json ? out_json_write(stdout, rows, n, &oo) : out_table_write(stdout, rows, n, &oo);
	if (r < 0 && errno != EPIPE)
		die(EXIT_RUNTIME, "cannot write the output: %s", strerror(errno));
	if (r == 0) {
		summary(flow_table_stats(t), &res);
		check_counters(flow_table_stats(t), &res);
	}

	resolver_free(resolver);
	free(rows);
	flow_table_free(t);
	host_fini(&host);
	cli_fini(&o);
	return 0;
}
