/*
 * main.c - parse, learn the host, open the source, drop privileges, enter
 * the sandbox, pick the mode; the only place that prints errors and
 * chooses exit codes (0 ok, 1 runtime, 2 usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ct_events.h"
#include "ct_source.h"
#include "fmt.h"
#include "host.h"
#include "http.h"
#include "lsct.h"
#include "monitor.h"
#include "metrics.h"
#include "netns.h"
#include "out_prom.h"
#include "owner.h"
#include "procs.h"
#include "socks.h"
#include "priv.h"
#include "record.h"
#include "replay.h"
#include "resolve.h"
#include "run_batch.h"
#include "sandbox.h"
#include "tui.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define RESOLVER_THREADS 16	/* lookups in flight at once */
/* Names kept by a monitor or a stream: a screenful many times over. */
#define RESOLVER_MAX_NAMES 4096

static const char prog[] = "lsconntrack";

static void die(int code, const char *fmt, ...) LSCT_PRINTF(2, 3) LSCT_NORETURN;

static void die(int code, const char *fmt, ...)
{
	char msg[1024], shown[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Messages quote paths and arguments: their control bytes are escaped. */
	fmt_escape(msg, shown, sizeof shown);
	fprintf(stderr, "%s: %s\n", prog, shown);
	exit(code);
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
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * --netns: moves this thread into the namespace arg names; returns the
 * descriptor to come back with (leave_netns()).  Every socket opened until
 * then is the namespace's.
 */
static int enter_netns(const char *arg)
{
	char path[4096], err[256];
	int fd, back, e;

	if (netns_arg_path(arg, "/run/netns", path, sizeof path, err, sizeof err) < 0)
		die(EXIT_USAGE, "invalid value for --netns: %s", err);
	fd = netns_open(path);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			die(EXIT_RUNTIME, "no such network namespace: %s", path);
		if (e == EINVAL)
			die(EXIT_RUNTIME, "%s is not a network namespace", path);
		die(EXIT_RUNTIME, "cannot open the network namespace %s: %s%s", path,
		    strerror(e), e == EACCES || e == EPERM ? " (run as root)" : "");
	}
	back = netns_enter(fd);
	e = errno;
	close(fd);
	if (back < 0)
		die(EXIT_RUNTIME, "cannot enter the network namespace %s: %s%s", path, strerror(e),
		    e == EPERM ? " (run as root: entering a namespace needs CAP_SYS_ADMIN)" : "");
	return back;
}

static void leave_netns(int back)
{
	if (back >= 0 && netns_leave(back) < 0)
		die(EXIT_RUNTIME, "cannot return to this process's network namespace: %s",
		    strerror(errno));
}

/* For views and writers: the label of a flow's owner number. */
static int owner_of(void *arg, uint32_t id, struct owner_label *out)
{
	return mon_owner(arg, id, out);
}

static int owners_unprivileged;	/* wanted, but not root: off, said once */

/*
 * The other namespaces of this machine (owner.h), built in the namespace
 * being viewed, before the privilege drop; NULL when owners are off.
 * Without the privilege to enter namespaces they are off, said once.  A
 * user's setuid-root run gets the user's rights (priv.h), as a setcap
 * install with CAP_NET_ADMIN: no owners either.
 */
static struct owner_table *open_owners(const struct cli_opts *o)
{
	static char host[256];
	struct owner_config oc;

	if (!priv_can_see_owners() || (getuid() != 0 && geteuid() == 0)) {
		if (o->owner.set)
			die(EXIT_RUNTIME, "--owner needs root: seeing other network namespaces "
			    "needs CAP_SYS_ADMIN and CAP_SYS_PTRACE");
		/* Said where it matters: the header, a batch run's forwarded count. */
		owners_unprivileged = 1;
		return NULL;
	}
	owner_config_default(&oc);
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	oc.host_name = host;
	/*
	 * Empty: the thread that dumps builds it when an entry first needs it
	 * (monitor.c, owners_ready()), with the rights kept for it
	 * (PRIV_KEEP_OWNERS), so a host whose entries all have an end in the
	 * namespace viewed never enters another one.
	 */
	return owner_table_new(&oc);
}

/* The metrics daemon's period without -d: node_exporter's usual scrape interval. */
#define DAEMON_PERIOD 15.0

static struct monitor *the_monitor;	/* for metrics' owner labels */

/* --listen: each frame's expositions go to the server (it takes both buffers). */
static void publish_http(void *arg, char *text, size_t tn, char *om, size_t on)
{
	http_publish(arg, text, tn, om, on);
}

static int metrics_owner_of(void *arg, uint32_t id, struct owner_label *out)
{
	(void)arg;
	return the_monitor ? mon_owner(the_monitor, id, out) : -1;
}

static int metrics_proc_of(void *arg, uint32_t id, struct proc_info *out)
{
	(void)arg;
	return the_monitor ? mon_proc(the_monitor, id, out) : -1;
}

static int metrics_route_of(void *arg, uint32_t id, struct flow_route *out)
{
	(void)arg;
	return the_monitor ? mon_route(the_monitor, id, out) : -1;
}

/*
 * --prometheus: opens FILE's directory while privileged.  Root drops to an
 * unprivileged user (priv.h) who must be able to write there: as owner,
 * as other, or through the directory's group, which the drop then keeps
 * (never group 0).  Otherwise stop now rather than fail at every snapshot.
 */
static struct prom_file *open_textfile(const char *path)
{
	struct prom_file *pf;
	struct stat st;
	char err[512];
	uid_t uid;
	gid_t gid;

	if (prom_file_open(path, &pf, err, sizeof err) < 0)
		die(errno == EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "%s", err);
	if (getuid() != 0 || geteuid() != 0 || prom_file_dir_stat(pf, &st) < 0)
		return pf;
	priv_target(&uid, &gid);
	if ((st.st_uid == uid && (st.st_mode & S_IWUSR)) ||
	    (st.st_gid == gid && (st.st_mode & S_IWGRP)) || (st.st_mode & S_IWOTH))
		return pf;
	if ((st.st_mode & S_IWGRP) && st.st_gid != 0) {
		priv_keep_group(st.st_gid);
		return pf;
	}
	die(EXIT_RUNTIME, "cannot write --prometheus %s after dropping privileges (to uid %u): "
	    "its directory is owned by %u:%u, mode %03o; make it writable by a group "
	    "(chgrp GROUP DIR; chmod g+w DIR), which lsconntrack keeps (doc/prometheus.md)",
	    path, (unsigned)uid, (unsigned)st.st_uid, (unsigned)st.st_gid,
	    (unsigned)(st.st_mode & 07777));
}

/* Everything is open: from here on only the calls the mode needs. */
static void enter_sandbox(unsigned needs)
{
	char err[256];

	if (sandbox_enter(needs, err, sizeof err) < 0)
		die(EXIT_RUNTIME, "%s", err);
}

static int replay_owner_cb(void *arg, uint32_t id, struct owner_label *out)
{
	return replay_owner(arg, id, out);
}

static int replay_route_cb(void *arg, uint32_t id, struct flow_route *out)
{
	return replay_route(arg, id, out);
}

static int route_of_cb(void *arg, uint32_t id, struct flow_route *out)
{
	return mon_route(arg, id, out);
}

static int replay_owners_cb(void *arg)
{
	return replay_owners(arg);
}

static struct mon_frame *replay_next_cb(void *arg)
{
	return replay_next(arg);
}

/*
 * --replay: a recording, read with the user's rights, without the kernel:
 * the monitor over it, or its snapshots printed again (-b, --json, a pipe).
 */
static int run_replay(struct cli_opts *o)
{
	const char *path = strcmp(o->replay, "-") == 0 ? NULL : o->replay;
	struct replay *rp;
	struct view_opts vo;
	struct batch_opts b;
	enum batch_fail why;
	char err[256], skipped[400];
	int fd, r = 0, interactive;

	if (priv_drop(PRIV_KEEP_NONE) < 0)
		die(EXIT_RUNTIME, "cannot drop privileges: %s", strerror(errno));
	/* The screen takes its keys from stdin: a recording on stdin is printed. */
	interactive = path && !o->batch && !o->count_set && !o->json &&
		      isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (interactive && !tui_terminal_usable(err, sizeof err)) {
		fprintf(stderr, "%s: %s: printing the recording instead of the monitor\n", prog,
			err);
		interactive = 0;
	}
	if (interactive)
		setlocale(LC_ALL, "");
	fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : dup(STDIN_FILENO);
	if (fd < 0)
		die(EXIT_RUNTIME, "cannot open %s: %s", path ? path : "standard input",
		    strerror(errno));
	rp = replay_open(fd, err, sizeof err);
	if (!rp)
		die(EXIT_RUNTIME, "%s: %s", path ? path : "standard input", err);
	if (interactive && !replay_seekable(rp))
		interactive = 0;
	catch_signals();
	enter_sandbox(SANDBOX_REPLAY | (interactive ? SANDBOX_SCREEN : 0));
	if (interactive) {
		struct tui_config tc = {
			.dirs = o->dirs, .aport = &o->aport, .pport = &o->pport,
			.sort = o->sort_set ? o->sort : view_sort_default(1),
			.reverse = o->reverse, .numeric = 1,
			.show_proto = o->protos != FLOW_PROTO_TCP,
			.owner = o->owner.set ? &o->owner : NULL,
			.source = replay_source(rp), .hostname = replay_host(rp),
			.signalled = &signalled, .sig_fd = sig_pipe[0],
			/* Routed flows the recording has: their pane, R toggles it. */
			.routed_pane = 1, .routed_auto = 1,
		};

		if (replay_count(rp) == 0) {
			replay_skip_text(rp, skipped, sizeof skipped);
			die(EXIT_RUNTIME, "%s: no snapshots in the recording%s%s", path,
			    *skipped ? ": " : "", skipped);
		}
		if (tui_replay_run(rp, &tc, err, sizeof err) < 0)
			die(EXIT_RUNTIME, "%s", err);
	} else {
		vo = (struct view_opts){ .dirs = o->dirs, .aport = &o->aport, .pport = &o->pport,
					 .sort = o->sort_set ? o->sort : view_sort_default(0),
					 .reverse = o->reverse,
					 .owner = o->owner.set ? &o->owner : NULL,
					 .owner_of = replay_owner_cb, .owner_arg = rp,
					 .route_of = replay_route_cb, .route_arg = rp };
		b = (struct batch_opts){
			.view = &vo, .json = o->json, .show_proto = o->protos != FLOW_PROTO_TCP,
			.count = o->count_set ? o->count : 0, .stop = &signalled,
			.out = stdout, .warn = stderr, .prog = prog,
			.owner_of = replay_owner_cb, .owner_arg = rp,
			.route_of = replay_route_cb, .route_arg = rp,
		};
		/* Owners are known once a line has them: asked at each snapshot. */
		b.owners_on = replay_owners_cb;
		r = run_frames(replay_next_cb, rp, &b, &why);
		if (r < 0 && why == BATCH_WRITE)
			die(EXIT_RUNTIME, "cannot write the output: %s", strerror(errno));
		if (r < 0)
			die(EXIT_RUNTIME, "cannot read %s: %s", path ? path : "standard input",
			    strerror(errno));
	}
	replay_skip_text(rp, skipped, sizeof skipped);
	if (*skipped)
		fprintf(stderr, "%s: %s: %s\n", prog, path ? path : "standard input", skipped);
	if (!replay_stats(rp)->snapshots && !signalled) {
		replay_free(rp);
		die(EXIT_RUNTIME, "%s: no snapshots in the recording",
		    path ? path : "standard input");
	}
	replay_free(rp);
	return r;
}

/* --record FILE: opened with the user's rights, appended to. */
static struct rec_writer *open_record(const struct cli_opts *o, struct monitor *m,
				      const char *source, int owners)
{
	struct rec_opts ro = { .source = source, .owners = owners, .owner_of = owner_of,
			       .owner_arg = m, .route_of = route_of_cb, .route_arg = m };
	char host[256];
	int fd;

	if (!o->record)
		return NULL;
	fd = open(o->record, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		die(EXIT_RUNTIME, "cannot open %s to record: %s", o->record, strerror(errno));
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	ro.hostname = host;
	return rec_new(fd, &ro);
}

static void run_monitor(struct monitor *m, const struct cli_opts *o, struct resolver *r,
			const char *source, unsigned needs, struct rec_writer *rec)
{
	struct tui_config tc;
	char host[256], err[256], shown[320];

	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	/* The header names the namespace viewed (escaped there). */
	if (o->netns) {
		snprintf(shown, sizeof shown, "%s in netns %s", source, o->netns);
		source = shown;
	}
	tc = (struct tui_config){
		.dirs = o->dirs, .aport = &o->aport, .pport = &o->pport,
		.sort = o->sort_set ? o->sort : view_sort_default(1), .reverse = o->reverse,
		.numeric = o->numeric, .show_proto = o->protos != FLOW_PROTO_TCP,
		.resolver = r, .owner = o->owner.set ? &o->owner : NULL,
		.source = source, .hostname = host, .max_cpu = o->max_cpu / 100.0,
		.signalled = &signalled, .sig_fd = sig_pipe[0],
		.owners_off = owners_unprivileged, .rec = rec,
		/*
		 * Routed flows are whatever ends nowhere on this machine: with
		 * owners off that also means containers' flows, so their pane
		 * then waits for -R or the R key.
		 */
		.routed_pane = 1, .routed_auto = o->routed || o->owners,
		.processes = o->processes,
	};
	if (mon_start(m) < 0)
		die(EXIT_RUNTIME, "cannot start the collector: %s", strerror(errno));
	/* The collector keeps CAP_NET_ADMIN; the screen and its resolvers need none. */
	if (priv_thread_drop() < 0)
		die(EXIT_RUNTIME, "cannot drop privileges: %s", strerror(errno));
	enter_sandbox(needs | SANDBOX_SCREEN);
	if (tui_run(m, &tc, err, sizeof err) < 0) {
		int e = errno;

		mon_free(m);
		die(EXIT_RUNTIME, "%s%s", err, ct_source_hint(e));
	}
}

/*
 * --delete: what it did is printed by run_delete(); the entries it could
 * not delete (other than those already gone) make exit status 1.
 */
static int delete_flows(struct monitor *m, const struct batch_opts *b, int ask,
			enum batch_fail *why)
{
	struct mon_del d;
	uint64_t bad;

	if (run_delete(m, b, ask, stdin, &d, why) < 0)
		return -1;
	bad = d.refused + d.failed;
	if (!bad)
		return 0;
	fprintf(stderr, "%s: %llu entr%s not deleted: %s%s\n", prog, (unsigned long long)bad,
		bad == 1 ? "y" : "ies", strerror(d.err ? d.err : EIO), ct_source_hint(d.err));
	return EXIT_RUNTIME;
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	struct host_info host;
	struct mon_config mc;
	struct view_opts vo;
	struct batch_opts b;
	struct monitor *m;
	struct resolver *resolver = NULL;
	struct ct_source *src;
	struct ct_events *ev;
	struct owner_table *owners = NULL;
	struct rec_writer *rec;
	struct http_server *http = NULL;
	struct socks *socks = NULL;
	struct procs *procs = NULL;
	enum batch_fail why;
	char err[256];
	unsigned needs = 0;
	int r, interactive, was_root, tracking, daemon, ns_back = -1;
	struct prom_file *textfile = NULL;
	struct metrics *mx = NULL;
	static struct prom_out po;

	/* A setcap or setuid copy: the user's terminfo is not for us to parse. */
	priv_scrub_env();
	/*
	 * Blocks of 128 KiB and more (a frame's copy of the flows, the event
	 * queue after a burst) are mapped on their own and given back when
	 * freed.  Setting the threshold stops glibc from raising it after such
	 * a free, which would move the next ones onto the heap, where freed
	 * memory stays: the monitor's size then follows what it holds.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* A closed pipe shows up as EPIPE from the writers, handled below. */
	signal(SIGPIPE, SIG_IGN);

	cli_init(&o);
	if (cli_parse(&o, argc, argv, err, sizeof err) < 0)
		die(EXIT_USAGE, "%s", err);
	if (o.action != CLI_RUN) {
		if (o.action == CLI_HELP)
			fputs(cli_usage(), stdout);
		else
			printf("%s %s\n", prog, LSCT_VERSION);
		/* A reader that stopped early (| head) is not an error, as for tables. */
		return fflush(stdout) == 0 || errno == EPIPE ? 0 : EXIT_RUNTIME;
	}
	if (o.replay) {
		r = run_replay(&o);
		cli_fini(&o);
		return r;
	}

	/* Deleting asks first, on the terminal; a script says --yes. */
	if (o.del && !o.yes && !isatty(STDIN_FILENO))
		die(EXIT_USAGE, "--delete asks before it deletes, and standard input is not a "
		    "terminal: add --yes to delete without asking");
	/* The screen is for a terminal; scripts and pipes get snapshots. */
	interactive = !o.batch && !o.count_set && !o.json && !o.stats && o.source != CLI_SRC_STDIN &&
		      !o.del && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	/* Metrics alone: no table, no screen; a stream until a signal (stdin: once). */
	daemon = cli_metrics_daemon(&o, interactive);
	if (daemon) {
		interactive = 0;
		if (!o.count_set)
			o.count = o.source == CLI_SRC_STDIN ? 1 : 0;
		if (!o.delay_set)
			o.delay = DAEMON_PERIOD;
	}
	/* A terminal that cannot draw a screen gets what top -b gives. */
	if (interactive && !tui_terminal_usable(err, sizeof err)) {
		fprintf(stderr, "%s: %s: printing %s instead of the monitor\n", prog, err,
			o.delay_set ? "a table every -d seconds" : "the table");
		interactive = 0;
		if (o.delay_set)
			o.count = 0;
	}
	if (interactive)
		setlocale(LC_ALL, "");

	/*
	 * --netns: everything up to the privilege drop that talks to the
	 * network stack (addresses, listeners, sysctls, the dump and events
	 * sockets) is opened inside the namespace; the sockets stay there.
	 */
	if (o.netns)
		ns_back = enter_netns(o.netns);
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
	if (o.owners)
		owners = open_owners(&o);
	/*
	 * -P: the sock_diag socket answers for the namespace it is made in:
	 * the viewed one, before the drop.
	 */
	if (o.processes) {
		socks = socks_new();
		if (socks_open(socks) < 0)
			die(EXIT_RUNTIME, "cannot read this host's sockets (sock_diag) for "
			    "--processes: %s", strerror(errno));
		procs = procs_new(NULL, NULL);
	}
	if (o.prometheus)
		textfile = open_textfile(o.prometheus);

	/*
	 * Open what needs privilege, give the privilege up, then open what the
	 * user named, with the rights we dropped to.
	 */
	if (cli_open_source(&o, CLI_PHASE_PRIVILEGED, &src, err, sizeof err) < 0)
		die(EXIT_RUNTIME, "%s", err);
	tracking = interactive || o.count != 1;
	ev = cli_open_events(&o, tracking, err, sizeof err);
	if (*err && !interactive)
		fprintf(stderr, "%s: warning: %s\n", prog, err);
	if (o.netns) {
		host_ct_sysctl_pin();
		leave_netns(ns_back);
	}
	/*
	 * --listen: in this process's own namespace (not --netns's), while a
	 * port below 1024 can still be bound; the capability is not kept.
	 */
	if (o.listen && !(http = http_open(o.listen, NULL, err, sizeof err)))
		die(EXIT_RUNTIME, "%s%s", err, errno == EACCES ?
		    " (a port below 1024 needs root or CAP_NET_BIND_SERVICE)" : "");
	was_root = getuid() == 0 && geteuid() == 0;
	/*
	 * With owners, the dumping thread also refreshes them (priv.h); with
	 * -P it reads other users' descriptors, if we may (else owners are
	 * partial, and said so).
	 */
	if (priv_drop((o.source == CLI_SRC_NETLINK ? PRIV_KEEP_NET_ADMIN : PRIV_KEEP_NONE) |
		      (owners ? PRIV_KEEP_OWNERS : PRIV_KEEP_NONE) |
		      (procs && priv_can_see_processes() ? PRIV_KEEP_PROCS : PRIV_KEEP_NONE)) < 0)
		die(EXIT_RUNTIME, "cannot drop privileges: %s", strerror(errno));
	if (!src && cli_open_source(&o, CLI_PHASE_USER, &src, err, sizeof err) < 0)
		die(EXIT_RUNTIME, "%s%s", err, errno == EACCES && was_root ?
		    " (read as an unprivileged user: --stdin < FILE reads it with root's rights)" : "");
	if (textfile && prom_file_writable(textfile) < 0)
		die(EXIT_RUNTIME, "cannot write in the directory of --prometheus %s: %s",
		    prom_file_path(textfile), strerror(errno));
	/* The server thread gives up every capability first (priv.h). */
	if (http && http_start(http) < 0)
		die(EXIT_RUNTIME, "cannot start the --listen server: %s", strerror(errno));
	/* The reader thread starts unprivileged (and drops what it inherits). */
	if (ev && ct_events_start(ev) < 0) {
		if (!interactive)
			fprintf(stderr, "%s: warning: cannot read conntrack events: %s; connections "
				"that open and close between two snapshots are not counted\n",
				prog, strerror(errno));
		ct_events_close(ev);
		ev = NULL;
	}

	mc = (struct mon_config){
		.src = src, .host = &host, .period = o.delay,
		.fo = { .protos = o.protos, .families = o.families, .server_ports = &o.pport,
			.zone_set = (uint8_t)o.zone_set, .zone = o.zone,
			.mark_val = o.mark_val, .mark_mask = o.mark_mask },
		.track = tracking,
		/* --delete sends more requests after its snapshot. */
		.one_dump = !tracking && !o.del,
		.ev = ev, .max_cpu = o.max_cpu / 100.0,
		.owners = owners,
		/* The monitor's R key can show them whenever; batch runs with -R. */
		.routed = interactive || o.routed,
		.socks = socks, .procs = procs,
	};
	if (cli_metrics_asked(&o)) {
		struct metrics_opts mo = {
			.top = o.metrics_top, .passive_peers = o.metrics_passive_peers,
			.owners = owners != NULL, .owner_of = metrics_owner_of,
			.processes = procs != NULL, .proc_of = metrics_proc_of,
			.routed = o.routed, .route_of = metrics_route_of,
			.version = LSCT_VERSION,
		};
		const char *om = getenv("LSCT_PROM_OPENMETRICS");

		mx = metrics_new(&mo);
		po = (struct prom_out){ .mx = mx, .pf = textfile };
		/* A test hook: the textfile in OpenMetrics, for a scrape that checks that dialect. */
		po.file_openmetrics = om && strcmp(om, "1") == 0 && !priv_env_untrusted();
		if (http)
			po.sink = (struct metrics_sink){ publish_http, http };
		mc.on_frame = prom_out_frame;
		mc.frame_arg = &po;
	}
	m = mon_new(&mc);
	the_monitor = m;

	/* The monitor can turn names on after -n; batch runs ask only when shown. */
	if (!daemon && (interactive || (!o.stats && !o.del && !o.numeric && (!o.json || o.names))))
		resolver = resolver_new(RESOLVER_THREADS, o.count == 1 && !interactive ?
					0 : RESOLVER_MAX_NAMES);
	catch_signals();
	if (o.source == CLI_SRC_NETLINK)
		needs |= SANDBOX_NETLINK;
	if (resolver)
		needs |= SANDBOX_NAMES;
	if (owners)
		needs |= SANDBOX_OWNERS;
	rec = open_record(&o, m, ct_source_name(src), owners != NULL);
	if (rec)
		needs |= SANDBOX_RECORD;
	if (textfile) {
		sandbox_write_dir(prom_file_dirfd(textfile));
		needs |= SANDBOX_FILES;
	}
	if (http)
		needs |= SANDBOX_HTTP;
	if (procs)
		needs |= SANDBOX_PROCS;
	if (interactive) {
		run_monitor(m, &o, resolver, ct_source_name(src), needs, rec);
		r = 0;
	} else {
		vo = (struct view_opts){ .dirs = o.dirs, .aport = &o.aport, .pport = &o.pport,
					 .sort = o.sort_set ? o.sort : view_sort_default(0),
					 .reverse = o.reverse,
					 .owner = o.owner.set ? &o.owner : NULL,
					 .owner_of = owner_of, .owner_arg = m };
		b = (struct batch_opts){
			.view = &vo, .json = o.json, .show_proto = o.protos != FLOW_PROTO_TCP,
			.resolver = resolver, .dns_timeout = o.dns_timeout, .count = o.count,
			.stop = &signalled, .out = stdout, .warn = stderr, .prog = prog,
			.owners = owners != NULL, .owners_off = owners_unprivileged,
			.rec = rec,
			.processes = procs != NULL,
			.quiet = daemon,
		};
		/* This thread dumps (and keeps CAP_NET_ADMIN); resolvers drop it at their start. */
		enter_sandbox(needs);
		if (o.del)
			r = delete_flows(m, &b, !o.yes, &why);
		else
			r = o.stats ? run_stats(m, &b, &why) :
			    o.count == 1 ? run_once(m, &b, &why) : run_stream(m, &b, &why);
		if (r < 0 && why == BATCH_WRITE)
			die(EXIT_RUNTIME, "cannot write the output: %s", strerror(errno));
		if (r < 0 && o.stats)
			die(EXIT_RUNTIME, "cannot read the conntrack statistics: %s%s",
			    strerror(errno), ct_source_hint(errno));
		if (r < 0 && errno == EDEADLK && owners)
			die(EXIT_RUNTIME, "cannot return to this process's namespaces after reading "
			    "another one's");
		if (r < 0 && o.source == CLI_SRC_NETLINK)
			die(EXIT_RUNTIME, "cannot read the conntrack table: %s%s", strerror(errno),
			    ct_source_hint(errno));
		if (r < 0)
			die(EXIT_RUNTIME, "cannot read %s: %s", ct_source_name(src), strerror(errno));
	}
	http_free(http);
	mon_free(m);
	rec_free(rec);
	metrics_free(mx);
	prom_file_close(textfile);
	resolver_free(resolver);
	host_fini(&host);
	cli_fini(&o);
	return r;
}
