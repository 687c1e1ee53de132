/*
 * main.c - wire sources, flows, views and writers together; the only place
 * that prints errors and chooses exit codes (0 ok, 1 runtime, 2 usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "ct_source_netlink.h"
#include "ct_source_text.h"
#include "flow.h"
#include "host.h"
#include "out.h"
#include "priv.h"
#include "resolve.h"
#include "util.h"
#include "view.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define PROC_CONNTRACK "/proc/net/nf_conntrack"

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

static void read_netlink(struct ct_nl *nl, const struct cli_opts *o, struct flow_table *t,
			 struct source_result *r)
{
	struct ct_nl_filter filter = { 0 };
	struct ct_nl_stats st;
	struct ct_sink sink = flow_table_sink(t);

	if (o->families == FLOW_FAM_V4)
		filter.family = AF_INET;
	else if (o->families == FLOW_FAM_V6)
		filter.family = AF_INET6;
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
	int r, fd = -1;

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

	memset(&vo, 0, sizeof vo);
	vo.dirs = o.dirs;
	vo.aport = &o.aport;
	vo.pport = &o.pport;
	vo.sort = o.sort;
	vo.reverse = o.reverse;
	rows = xcalloc(flow_table_count(t) + 1, sizeof *rows);
	n = view_build(t, &vo, rows);

	memset(&oo, 0, sizeof oo);
	oo.show_proto = o.protos != FLOW_PROTO_TCP;
	if (!o.numeric && (!o.json || o.names) && n) {
		resolver = resolver_new(16);
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
