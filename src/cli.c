/* cli.c - parse the command line, and open the source it names. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ct_events.h"
#include "flow.h"
#include "host.h"
#include "http.h"
#include "fmt.h"
#include "lsct.h"
#include "monitor.h"
#include "priv.h"
#include "util.h"

enum opt_id {
	O_ACTIVE, O_PASSIVE, O_APORT, O_PPORT, O_NUMERIC, O_NAMES, O_STDIN, O_PROC,
	O_JSON, O_VERSION, O_HELP, O_TCP, O_UDP, O_PROTO, O_IPV4, O_IPV6, O_SORT,
	O_REVERSE, O_LOCAL, O_BATCH, O_DNS_TIMEOUT, O_COUNT, O_DELAY, O_MAX_CPU,
	O_NO_EVENTS, O_EVENT_BUFFER, O_NETNS, O_ZONE, O_MARK, O_OWNER, O_NO_OWNERS,
	O_RECORD, O_REPLAY,
	O_ROUTED,
	O_DELETE, O_YES,
	O_LISTEN,
	O_STATS,
	O_PROCESSES,
};

enum arg_kind { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct opt {
	const char *name;	/* without dashes */
	enum opt_id id;
	enum arg_kind arg;
};

/*
 * Every spelling the Go original accepted, the plural forms its README used,
 * and ours.  Single letters are entries like any other name.
 */
static const struct opt opts[] = {
	{ "a", O_ACTIVE, ARG_NONE },		{ "active", O_ACTIVE, ARG_NONE },
	{ "p", O_PASSIVE, ARG_NONE },		{ "passive", O_PASSIVE, ARG_NONE },
	{ "aport", O_APORT, ARG_REQUIRED },	{ "active-port", O_APORT, ARG_REQUIRED },
	{ "active-ports", O_APORT, ARG_REQUIRED },
	{ "pport", O_PPORT, ARG_REQUIRED },	{ "passive-port", O_PPORT, ARG_REQUIRED },
	{ "passive-ports", O_PPORT, ARG_REQUIRED },
	{ "n", O_NUMERIC, ARG_NONE },		{ "numeric", O_NUMERIC, ARG_NONE },
	{ "names", O_NAMES, ARG_NONE },
	{ "stdin", O_STDIN, ARG_NONE },
	{ "proc", O_PROC, ARG_OPTIONAL },
	{ "json", O_JSON, ARG_NONE },
	{ "v", O_VERSION, ARG_NONE },		{ "version", O_VERSION, ARG_NONE },
	{ "h", O_HELP, ARG_NONE },		{ "help", O_HELP, ARG_NONE },
	{ "t", O_TCP, ARG_NONE },		{ "tcp", O_TCP, ARG_NONE },
	{ "u", O_UDP, ARG_NONE },		{ "udp", O_UDP, ARG_NONE },
	{ "proto", O_PROTO, ARG_REQUIRED },
	{ "4", O_IPV4, ARG_NONE },		{ "ipv4", O_IPV4, ARG_NONE },
	{ "6", O_IPV6, ARG_NONE },		{ "ipv6", O_IPV6, ARG_NONE },
	{ "s", O_SORT, ARG_REQUIRED },		{ "sort", O_SORT, ARG_REQUIRED },
	{ "r", O_REVERSE, ARG_NONE },		{ "reverse", O_REVERSE, ARG_NONE },
	{ "local", O_LOCAL, ARG_REQUIRED },
	{ "b", O_BATCH, ARG_NONE },		{ "batch", O_BATCH, ARG_NONE },
	{ "dns-timeout", O_DNS_TIMEOUT, ARG_REQUIRED },
	{ "c", O_COUNT, ARG_REQUIRED },		{ "count", O_COUNT, ARG_REQUIRED },
	{ "d", O_DELAY, ARG_REQUIRED },		{ "delay", O_DELAY, ARG_REQUIRED },
	{ "max-cpu", O_MAX_CPU, ARG_REQUIRED },
	{ "no-events", O_NO_EVENTS, ARG_NONE },
	{ "event-buffer", O_EVENT_BUFFER, ARG_REQUIRED },
	{ "netns", O_NETNS, ARG_REQUIRED },
	{ "zone", O_ZONE, ARG_REQUIRED },
	{ "mark", O_MARK, ARG_REQUIRED },
	{ "owner", O_OWNER, ARG_REQUIRED },
	{ "no-owners", O_NO_OWNERS, ARG_NONE },
	{ "record", O_RECORD, ARG_REQUIRED },
	{ "replay", O_REPLAY, ARG_REQUIRED },
	{ "R", O_ROUTED, ARG_NONE },		{ "routed", O_ROUTED, ARG_NONE },
	{ "delete", O_DELETE, ARG_NONE },
	{ "yes", O_YES, ARG_NONE },
	{ "listen", O_LISTEN, ARG_REQUIRED },
	{ "stats", O_STATS, ARG_NONE },
	{ "P", O_PROCESSES, ARG_NONE },		{ "processes", O_PROCESSES, ARG_NONE },
};

static const char usage[] =
"Usage: lsconntrack [options]\n"
"       lsconntrack -a|-p [options] PORT...   (older releases' form)\n"
"\n"
"  Host flows between localhost and other hosts, from the kernel's\n"
"  connection tracking table: connections this host opened (active,\n"
"  localhost:many --> peer:port) and connections peers opened to it\n"
"  (passive, localhost:port <-- peer:many).  On a terminal it runs as a\n"
"  full-screen monitor (press ? for its keys); otherwise, or with -b, -c\n"
"  or --json, it prints snapshots.\n"
"\n"
"Options (-name and --name are the same):\n"
"  -a, --active              show active-open flows only (this host opened them)\n"
"  -p, --passive             show passive-open flows only (peers opened them)\n"
"                            ports after -a or -p filter that side: -a 3306 11211\n"
"                            is -a --aport 3306,11211\n"
"      --aport, --active-port PORTS\n"
"                            active flows to these peer ports only\n"
"      --pport, --passive-port PORTS\n"
"                            passive flows to these local ports only; they also\n"
"                            count as server ports when classifying\n"
"                            PORTS: 3306,11211 or 8000-8099 or !22 (repeatable)\n"
"  -t, --tcp                 TCP flows (the default)\n"
"  -u, --udp                 UDP flows (with -t: both)\n"
"      --proto LIST          protocols, comma-separated: tcp, udp, udplite,\n"
"                            sctp, dccp, icmp (with icmpv6), icmpv6, gre;\n"
"                            all: every one\n"
"  -4, --ipv4                IPv4 only\n"
"  -6, --ipv6                IPv6 only\n"
"      --zone N              connections of conntrack zone N only (0 to 65535;\n"
"                            a zone of one direction counts as the entry's)\n"
"      --mark M[/MASK]       connections whose mark, ANDed with MASK (default\n"
"                            all ones), is M: --mark 0x10/0xff (decimal or 0x)\n"
"  -n, --numeric             do not resolve peer addresses to names\n"
"      --names               resolve names in --json output too\n"
"      --dns-timeout SECS    total wait for names, then numeric (default 2)\n"
"  -s, --sort KEY            bytes (default), packets, inbytes, outbytes,\n"
"                            inpkts, outpkts, conns, peer, port; per interval:\n"
"                            rate, inrate, outrate, pps, inpps, outpps, new,\n"
"                            closed (the monitor's default is rate); with -P:\n"
"                            rtt, retrans\n"
"  -r, --reverse             reverse the sort order\n"
"      --json                print a JSON array instead of a table\n"
"  -b, --batch               print snapshots instead of the full-screen monitor\n"
"  -c, --count N             snapshots to print (default 1; 0: until interrupted);\n"
"                            from the second on, rates per interval are added\n"
"  -d, --delay SECS          seconds between snapshots (default 1; 0 to 86400;\n"
"                            0: back to back in streams, 0.1 in the monitor)\n"
"      --max-cpu PCT         CPU budget of lsconntrack, % of one core\n"
"                            (default 10; 0: none): on a big table dumps come\n"
"                            further apart than -d, and events fill the gaps\n"
"      --no-events           do not subscribe to conntrack DESTROY events\n"
"                            (connections that open and close between two\n"
"                            snapshots are then not counted)\n"
"      --event-buffer BYTES  receive buffer for events (default 16M; K, M, G)\n"
"      --stdin               read conntrack -L or /proc/net/nf_conntrack text\n"
"                            or conntrack -E events from standard input\n"
"      --proc[=FILE]         read /proc/net/nf_conntrack (or FILE) instead of\n"
"                            asking the kernel over netlink\n"
"      --local ADDR[,ADDR]   these are the local addresses (for --stdin input\n"
"                            taken on another host); listening sockets are then\n"
"                            not read from this host.  Networks too:\n"
"                            --local 10.0.0.0/8,fd00::/8,192.0.2.1\n"
"      --netns NAME|PID|PATH\n"
"                            the view from inside another network namespace:\n"
"                            /run/netns/NAME, the one of process PID, or a\n"
"                            namespace file (a PATH has a '/')\n"
"      --owner [KIND:]TEXT   flows of matching owners only: TEXT is a part of\n"
"                            the name or the start of the id (any case); KIND\n"
"                            is host, container, pod or netns (pod:, host:)\n"
"      --no-owners           do not look at other namespaces of this machine\n"
"                            (containers, pods): their flows stay forwarded\n"
"      --record FILE         append every snapshot of the monitor or of a\n"
"                            stream (-c) to FILE, a recording (NDJSON)\n"
"      --replay FILE         play a recording in the monitor, without root;\n"
"                            with -b or --json print its snapshots (- : stdin)\n"
"  -R, --routed              also routed flows: connections with no end on\n"
"                            this machine, client:many --> server:port, with\n"
"                            the address NAT translated (the monitor shows\n"
"                            them in a Routed pane when it has some)\n"
"      --delete              delete the conntrack entries of the flows the\n"
"                            filters select (netlink source only); asks first\n"
"      --yes                 delete without asking (needed when standard\n"
"                            input is not a terminal)\n"
"      --listen [ADDR:]PORT  serve the last snapshot's metrics over HTTP at\n"
"                            /metrics (ADDR default 127.0.0.1; [::1]:PORT\n"
"                            for IPv6; 0.0.0.0 or [::] for every address)\n"
"      --stats               print the table's size and the kernel's conntrack\n"
"                            statistics (conntrack -S, summed over CPUs) once\n"
"  -P, --processes           the process behind each flow (pid, name, user,\n"
"                            unit) and, for TCP, its RTT and retransmissions;\n"
"                            other users' processes need root\n"
"  -v, --version             print the version\n"
"  -h, --help                print this help\n"
"\n"
"Exit status: 0 ok (also after q, SIGINT, SIGTERM, SIGHUP or a closed pipe),\n"
"1 runtime failure (--delete: an entry not deleted for a reason other than\n"
"being gone already), 2 usage error.\n"
"Packet and byte counters need: sysctl -w net.netfilter.nf_conntrack_acct=1\n";

const char *cli_usage(void)
{
	return usage;
}

void cli_init(struct cli_opts *o)
{
	memset(o, 0, sizeof *o);
	port_filter_init(&o->aport);
	port_filter_init(&o->pport);
	o->protos = FLOW_PROTO_TCP;
	o->families = FLOW_FAM_V4 | FLOW_FAM_V6;
	o->sort = VIEW_SORT_BYTES;
	o->dns_timeout = 2.0;
	o->count = 1;
	o->delay = 1.0;
	o->max_cpu = 10.0;
	o->events = 1;
	o->owners = 1;
	o->owner.kind = -1;
}

void cli_fini(struct cli_opts *o)
{
	port_filter_fini(&o->aport);
	port_filter_fini(&o->pport);
}

static const struct opt *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* Go's strconv.ParseBool, which its flag package uses for "--json=false". */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return 1;
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* A 32-bit mark or mask, decimal or 0x hex, as nft and iptables print them. */
static int parse_mark_num(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (len > 10)
			return -1;
		for (size_t i = 2; i < len; i++) {
			int c = (unsigned char)s[i], d;

			d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + (uint64_t)d;
		}
	} else if (parse_u64(s, len, UINT32_MAX, &v) < 0) {
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * "tcp,udp,icmp" into FLOW_PROTO_* bits, added to *protos (all or
 * nothing).  icmp means ICMP for IPv4 and ICMPv6 for IPv6: with -4 or -6
 * it is the one the family has; icmpv6 alone is ICMPv6 only.  Names in
 * any case; no empty item.
 */
static int proto_list_parse(const char *val, unsigned *protos)
{
	static const struct {
		const char *name;
		unsigned bits;
	} names[] = {
		{ "tcp", FLOW_PROTO_TCP }, { "udp", FLOW_PROTO_UDP },
		{ "udplite", FLOW_PROTO_UDPLITE }, { "sctp", FLOW_PROTO_SCTP },
		{ "dccp", FLOW_PROTO_DCCP },
		{ "icmp", FLOW_PROTO_ICMP | FLOW_PROTO_ICMPV6 },
		{ "icmpv6", FLOW_PROTO_ICMPV6 }, { "gre", FLOW_PROTO_GRE },
		{ "all", FLOW_PROTO_ALL },
	};
	unsigned bits = 0;
	const char *p = val;

	for (;;) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < ARRAY_LEN(names); i++)
			if (strlen(names[i].name) == len && strncasecmp(p, names[i].name, len) == 0)
				break;
		if (i == ARRAY_LEN(names))
			return -1;
		bits |= names[i].bits;
		if (!p[len])
			break;
		p += len + 1;
	}
	*protos |= bits;
	return 0;
}

static int apply(struct cli_opts *o, const struct opt *op, const char *shown,
		 const char *val, int on, char *err, size_t errlen)
{
	char why[160];
	char *end;
	int s;

	switch (op->id) {
	case O_ACTIVE:
		o->dirs = on ? o->dirs | VIEW_ACTIVE : o->dirs & ~VIEW_ACTIVE;
		break;
	case O_PASSIVE:
		o->dirs = on ? o->dirs | VIEW_PASSIVE : o->dirs & ~VIEW_PASSIVE;
		break;
	case O_APORT:
	case O_PPORT:
		if (port_filter_parse(op->id == O_APORT ? &o->aport : &o->pport,
				      val, why, sizeof why) < 0) {
			snprintf(err, errlen, "invalid value for %s: %s", shown, why);
			return -1;
		}
		break;
	case O_NUMERIC:
		o->numeric = on;
		break;
	case O_NAMES:
		o->names = on;
		break;
	case O_STDIN:
	case O_PROC:
		if (!on)
			break;
		if (o->source != CLI_SRC_NETLINK &&
		    o->source != (op->id == O_STDIN ? CLI_SRC_STDIN : CLI_SRC_PROC)) {
			snprintf(err, errlen, "--stdin and --proc cannot be used together");
			return -1;
		}
		o->source = op->id == O_STDIN ? CLI_SRC_STDIN : CLI_SRC_PROC;
		if (op->id == O_STDIN)
			break;
		o->proc_file = val;
		if (val && !*val) {
			snprintf(err, errlen, "%s: empty file name", shown);
			return -1;
		}
		break;
	case O_JSON:
		o->json = on;
		break;
	case O_VERSION:
		if (on)
			o->action = CLI_VERSION;
		break;
	case O_HELP:
		if (on)
			o->action = CLI_HELP;
		break;
	case O_TCP:
	case O_UDP:
		if (on)
			o->protos |= op->id == O_TCP ? FLOW_PROTO_TCP : FLOW_PROTO_UDP;
		break;
	case O_PROTO:
		if (proto_list_parse(val, &o->protos) < 0) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (a list of tcp, udp, "
				 "udplite, sctp, dccp, icmp, icmpv6, gre; or all)", shown, val);
			return -1;
		}
		break;
	case O_IPV4:
	case O_IPV6:
		if (on)
			o->families |= op->id == O_IPV4 ? FLOW_FAM_V4 : FLOW_FAM_V6;
		break;
	case O_SORT:
		s = view_sort_parse(val);
		if (s < 0) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (bytes, packets, "
				 "inbytes, outbytes, inpkts, outpkts, conns, peer, port, rate, inrate, "
				 "outrate, pps, inpps, outpps, new, closed)", shown, val);
			return -1;
		}
		o->sort = (enum view_sort)s;
		o->sort_set = 1;
		break;
	case O_REVERSE:
		o->reverse = on;
		break;
	case O_LOCAL:
		o->local = val;
		break;
	case O_BATCH:
		o->batch = on;
		break;
	case O_COUNT: {
		uint64_t v;

		if (parse_u64(val, strlen(val), 1000000000, &v) < 0) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (a number of snapshots, "
				 "0 for no end)", shown, val);
			return -1;
		}
		o->count = v;
		o->count_set = 1;
		break;
	}
	case O_DELAY:
		o->delay_set = 1;
		o->delay = strtod(val, &end);
		if (end == val || *end || !isfinite(o->delay) || o->delay < 0 ||
		    o->delay > MON_PERIOD_MAX) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (seconds, 0 to %g)",
				 shown, val, MON_PERIOD_MAX);
			return -1;
		}
		break;
	case O_MAX_CPU:
		o->max_cpu = strtod(val, &end);
		if (end != val && *end == '%' && !end[1])
			end++;
		if (end == val || *end || !isfinite(o->max_cpu) || o->max_cpu < 0 ||
		    o->max_cpu > 100) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (percent of one core, "
				 "0 to 100; 0: no limit)", shown, val);
			return -1;
		}
		break;
	case O_NO_EVENTS:
		o->events = !on;
		break;
	case O_NO_OWNERS:
		o->owners = !on;
		break;
	case O_DELETE:
		o->del = on;
		break;
	case O_YES:
		o->yes = on;
		break;
	case O_STATS:
		o->stats = on;
		break;
	case O_ROUTED:
		o->dirs = on ? o->dirs | VIEW_ROUTED : o->dirs & ~VIEW_ROUTED;
		o->routed = on;
		break;
	case O_PROCESSES:
		o->processes = on;
		break;
	case O_OWNER: {
		char reason[160];

		if (owner_filter_parse(&o->owner, val, reason, sizeof reason) < 0) {
			snprintf(err, errlen, "invalid value for %s: %s", shown, reason);
			return -1;
		}
		if (!o->owner.set) {
			snprintf(err, errlen, "invalid value for %s: '' ([KIND:]TEXT)", shown);
			return -1;
		}
		break;
	}
	case O_RECORD:
	case O_REPLAY:
		if (!*val) {
			snprintf(err, errlen, "invalid value for %s: '' (a file)", shown);
			return -1;
		}
		if (op->id == O_RECORD)
			o->record = val;
		else
			o->replay = val;
		break;
	case O_LISTEN: {
		struct sockaddr_storage sa;
		socklen_t salen;
		char reason[160];

		if (http_listen_parse(val, 0, &sa, &salen, reason, sizeof reason) < 0) {
			snprintf(err, errlen, "invalid value for %s: %s", shown, reason);
			return -1;
		}
		o->listen = val;
		break;
	}
	case O_NETNS:
		if (!*val) {
			snprintf(err, errlen, "invalid value for %s: '' (a namespace name, PID or "
				 "path)", shown);
			return -1;
		}
		o->netns = val;
		break;
	case O_EVENT_BUFFER: {
		uint64_t v, mul = 1;
		size_t len = strlen(val);

		if (len && strchr("kKmMgG", val[len - 1])) {
			mul = strchr("kK", val[len - 1]) ? 1u << 10 :
			      strchr("mM", val[len - 1]) ? 1u << 20 : 1u << 30;
			len--;
		}
		if (parse_u64(val, len, 1u << 30, &v) < 0 || v * mul < 4096 ||
		    v * mul > (1u << 30)) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (bytes, 4096 to 1G; "
				 "K, M, G allowed)", shown, val);
			return -1;
		}
		o->event_buffer = (size_t)(v * mul);
		break;
	}
	case O_ZONE: {
		uint64_t v;

		if (parse_u64(val, strlen(val), UINT16_MAX, &v) < 0) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (a zone, 0 to 65535)",
				 shown, val);
			return -1;
		}
		o->zone = (uint16_t)v;
		o->zone_set = 1;
		break;
	}
	case O_MARK: {
		const char *slash = strchr(val, '/');
		uint32_t m, mask = UINT32_MAX;

		if (parse_mark_num(val, slash ? (size_t)(slash - val) : strlen(val), &m) < 0 ||
		    (slash && parse_mark_num(slash + 1, strlen(slash + 1), &mask) < 0)) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (MARK or MARK/MASK, "
				 "each 0 to 0xffffffff, decimal or 0x hex)", shown, val);
			return -1;
		}
		o->mark_val = m & mask;
		o->mark_mask = mask;
		o->mark_set = 1;
		break;
	}
	case O_DNS_TIMEOUT:
		o->dns_timeout = strtod(val, &end);
		if (end == val || *end || !isfinite(o->dns_timeout) ||
		    o->dns_timeout < 0 || o->dns_timeout > 3600) {
			snprintf(err, errlen, "invalid value for %s: '%.40s' (seconds, 0 to 3600)",
				 shown, val);
			return -1;
		}
		break;
	}
	return 0;
}

/* The side the last -a or -p chose, for port arguments after it. */
static void note_side(unsigned *side, const struct opt *op, int on)
{
	if (on && (op->id == O_ACTIVE || op->id == O_PASSIVE))
		*side = op->id == O_ACTIVE ? VIEW_ACTIVE : VIEW_PASSIVE;
}

/*
 * Older releases of the original took ports as arguments: "--active 3306
 * 11211", "-p 80 443".  They filter the side named last.
 */
static int port_argument(struct cli_opts *o, unsigned side, const char *arg,
			 char *err, size_t errlen)
{
	char why[160];

	if (!side) {
		snprintf(err, errlen, "unexpected argument '%.60s' (see lsconntrack --help)", arg);
		return -1;
	}
	if (port_filter_parse(side == VIEW_ACTIVE ? &o->aport : &o->pport, arg, why,
			      sizeof why) < 0) {
		snprintf(err, errlen, "invalid port argument after %s: %s",
			 side == VIEW_ACTIVE ? "--active" : "--passive", why);
		return -1;
	}
	return 0;
}

static int parse(struct cli_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	/* Protocols and families: the first -t/-u/-4/-6 replaces the default. */
	unsigned protos = o->protos, families = o->families, side = 0;
	int i;

	o->protos = 0;
	o->families = 0;
	o->dirs = 0;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct opt *op;
		size_t len;
		int dashes, on = 1;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (port_argument(o, side, arg, err, errlen) < 0)
				return -1;
			continue;
		}
		dashes = arg[1] == '-' ? 2 : 1;
		name = arg + dashes;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		op = len ? find_opt(name, len) : NULL;
		if (op) {
			char shown[64];

			snprintf(shown, sizeof shown, "%.*s%.*s", dashes, "--", (int)len, name);
			if (op->arg == ARG_REQUIRED) {
				if (eq)
					val = eq + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else {
					snprintf(err, errlen, "option %s needs a value", shown);
					return -1;
				}
			} else if (op->arg == ARG_OPTIONAL) {
				val = eq ? eq + 1 : NULL;
			} else if (eq) {
				on = parse_bool(eq + 1);
				if (on < 0) {
					snprintf(err, errlen, "invalid value for %s: '%.40s' (true or false)",
						 shown, eq + 1);
					return -1;
				}
			}
			if (apply(o, op, shown, val, on, err, errlen) < 0)
				return -1;
			note_side(&side, op, on);
			continue;
		}
		/* A bundle of single letters: "-tn", "-c3", "-sconns". */
		if (dashes == 1 && !eq) {
			size_t k;

			for (k = 0; k < len; k++) {
				const struct opt *sp = find_opt(name + k, 1);
				char shown[3] = { '-', name[k], '\0' };

				if (!sp)
					break;
				if (sp->arg == ARG_REQUIRED) {
					if (name[k + 1])
						val = name + k + 1;
					else if (i + 1 < argc)
						val = argv[++i];
					else {
						snprintf(err, errlen, "option %s needs a value", shown);
						return -1;
					}
					if (apply(o, sp, shown, val, 1, err, errlen) < 0)
						return -1;
					k = len;
					break;
				}
				if (apply(o, sp, shown, NULL, 1, err, errlen) < 0)
					return -1;
				note_side(&side, sp, 1);
			}
			if (k >= len)
				continue;
		}
		snprintf(err, errlen, "unknown option '%.*s' (see lsconntrack --help)",
			 (int)(dashes + len > 60 ? 60 : dashes + len), arg);
		return -1;
	}
	/* After "--" everything is an argument. */
	for (; i < argc; i++)
		if (port_argument(o, side, argv[i], err, errlen) < 0)
			return -1;
	if (!o->protos)
		o->protos = protos;
	if (!o->families)
		o->families = families;
	/* -R adds routed flows; -a and -p choose among this host's. */
	if (!(o->dirs & (VIEW_ACTIVE | VIEW_PASSIVE)))
		o->dirs |= VIEW_ACTIVE | VIEW_PASSIVE;
	if (o->netns && o->source != CLI_SRC_NETLINK) {
		snprintf(err, errlen, "--netns needs the netlink source (not --%s)",
			 o->source == CLI_SRC_STDIN ? "stdin" : "proc");
		return -1;
	}
	if (o->owner.set && !o->owners) {
		snprintf(err, errlen, "--owner and --no-owners exclude each other");
		return -1;
	}
	if (o->owner.set && o->source != CLI_SRC_NETLINK) {
		snprintf(err, errlen, "--owner needs the netlink source: owners are this "
			 "machine's other namespaces (not --%s)",
			 o->source == CLI_SRC_STDIN ? "stdin" : "proc");
		return -1;
	}
	if (o->del && o->source != CLI_SRC_NETLINK) {
		snprintf(err, errlen, "--delete needs the netlink source: it deletes from the "
			 "kernel's table (not --%s)", o->source == CLI_SRC_STDIN ? "stdin" : "proc");
		return -1;
	}
	if (o->del && (o->json || o->count_set || o->listen || o->stats || o->replay)) {
		snprintf(err, errlen, "--delete prints what it deleted: not with %s",
			 o->json ? "--json" : o->count_set ? "-c" : o->listen ? "--listen" :
			 o->stats ? "--stats" : "--replay");
		return -1;
	}
	/* --yes --help is help: the completion's check of each flag relies on it. */
	if (o->yes && !o->del && o->action == CLI_RUN) {
		snprintf(err, errlen, "--yes only confirms --delete");
		return -1;
	}
	if (o->replay && (o->source != CLI_SRC_NETLINK || o->netns || o->record ||
			  o->zone_set || o->mark_set)) {
		snprintf(err, errlen, "--replay reads a recording: not with --stdin, --proc, "
			 "--netns, --zone, --mark or --record");
		return -1;
	}
	if (o->record && !o->replay && (o->batch || o->json) && o->count == 1) {
		snprintf(err, errlen, "--record needs the monitor or a stream (-c N, N other "
			 "than 1)");
		return -1;
	}
	if (o->stats && o->source != CLI_SRC_NETLINK) {
		snprintf(err, errlen, "--stats needs the netlink source: the kernel's statistics "
			 "come over ctnetlink (not --%s)", o->source == CLI_SRC_STDIN ? "stdin" : "proc");
		return -1;
	}
	if (o->stats && o->listen) {
		snprintf(err, errlen, "--stats prints once: not with --listen");
		return -1;
	}
	if (o->stats && o->count != 1) {
		snprintf(err, errlen, "--stats prints once: not with -c (streams carry the "
			 "statistics in --json lines)");
		return -1;
	}
	if (o->source != CLI_SRC_NETLINK || o->stats)
		o->owners = 0;
	if (o->processes && o->source == CLI_SRC_STDIN) {
		snprintf(err, errlen, "--processes needs this host's table: its sockets are "
			 "read from this host (not --stdin)");
		return -1;
	}
	if (o->source == CLI_SRC_STDIN && o->count != 1) {
		snprintf(err, errlen, "--stdin is read once: -c needs the netlink or --proc source");
		return -1;
	}
	return 0;
}

int cli_parse(struct cli_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	char raw[256];

	if (parse(o, argc, argv, raw, sizeof raw) == 0)
		return 0;
	/*
	 * The message may quote an argument, which is outside text like a
	 * name from DNS: its control bytes must not reach the terminal.
	 */
	fmt_escape(raw, err, errlen);
	return -1;
}

/* The one port f matches, if it matches exactly one: 1 with *port set, or 0. */
static int single_port(const struct port_filter *f, uint16_t *port)
{
	int found = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (f->r[i].negate)
			continue;
		if (f->r[i].lo != f->r[i].hi || (found && f->r[i].lo != *port))
			return 0;
		*port = f->r[i].lo;
		found = 1;
	}
	return found && port_filter_match(f, *port);
}

void cli_kernel_filter(const struct cli_opts *o, int batch, int off, struct ct_nl_filter *f)
{
	uint16_t port;
	unsigned protos;

	memset(f, 0, sizeof *f);
	/* What the kernel can leave out of the dump: results stay the same. */
	if (o->families == FLOW_FAM_V4 || o->families == FLOW_FAM_V6)
		f->family = o->families == FLOW_FAM_V4 ? AF_INET : AF_INET6;
	if (off)
		return;
	/* No key of the monitor changes these: the monitor asks for them too. */
	f->has_zone = (uint8_t)o->zone_set;
	f->zone = o->zone;
	f->has_mark = (uint8_t)o->mark_set;
	f->mark_val = o->mark_val;
	f->mark_mask = o->mark_mask;
	/*
	 * One protocol: the kernel sends only its entries ("icmp" is one
	 * with one family).
	 */
	protos = o->protos;
	if (o->families == FLOW_FAM_V4 && protos != FLOW_PROTO_ICMPV6)
		protos &= ~FLOW_PROTO_ICMPV6;
	else if (o->families == FLOW_FAM_V6 && protos != FLOW_PROTO_ICMP)
		protos &= ~FLOW_PROTO_ICMP;
	for (int p = 1; p < 256; p++)
		if (flow_proto_bit(p) && flow_proto_bit(p) == protos)
			f->proto = (uint8_t)p;
	/*
	 * One port on one side: the kernel serializes only the entries that
	 * can make a row shown (doc/classification.md, flow_classify()):
	 * - -a --aport P: every active flow's peer port is the original
	 *   destination port, local-to-local entries included; entries made
	 *   passive (a server port as the original source) are not shown.
	 *   Original dport == P is a superset.
	 * - -p --pport P: a passive flow's local port is the reply's source
	 *   port, or for a mid-stream pickup the original source port.
	 *   Reply sport == P or original sport == P is a superset.
	 * Not with both sides (the other side's flows are all shown), several
	 * ports, ranges or negations.  There is no peer-address option to
	 * use.  Only in batch runs: the monitor's keys change the filters and
	 * the directions (c clears them), which must not hide what is then
	 * asked for.  The stderr summary then counts only what the kernel
	 * sent ("N entries: M forwarded").
	 */
	if (!batch)
		return;
	/*
	 * Port filters only over TCP and UDP: the kernel's plan dumps those
	 * two (ct_nl_plan()), and compares ports for nothing else.
	 */
	if (o->protos & ~(FLOW_PROTO_TCP | FLOW_PROTO_UDP))
		return;
	if (o->dirs == VIEW_ACTIVE && single_port(&o->aport, &port)) {
		f->ports[f->nports++] = (struct ct_nl_port){ CT_NL_ORIG_DPORT, port };
	} else if (o->dirs == VIEW_PASSIVE && single_port(&o->pport, &port)) {
		f->ports[f->nports++] = (struct ct_nl_port){ CT_NL_REPLY_SPORT, port };
		f->ports[f->nports++] = (struct ct_nl_port){ CT_NL_ORIG_SPORT, port };
	}
}

int cli_open_source(const struct cli_opts *o, enum cli_phase phase, struct ct_source **src,
		    char *err, size_t errlen)
{
	const char *path = o->proc_file ? o->proc_file : CT_SOURCE_PROC_PATH;
	struct ct_nl_filter filter = { 0 };
	int e;

	*src = NULL;
	/* A path the user names is opened with the user's rights, after the drop. */
	if ((o->source == CLI_SRC_PROC && o->proc_file) != (phase == CLI_PHASE_USER))
		return 0;
	if (o->source == CLI_SRC_STDIN) {
		*src = ct_source_fd_once(STDIN_FILENO, "standard input");
		return 0;
	}
	if (o->source == CLI_SRC_PROC) {
		*src = ct_source_file(path, !o->proc_file);
		if (*src)
			return 0;
		e = errno;
		if (e == ENOENT && !o->proc_file)
			snprintf(err, errlen, "%s does not exist: load the nf_conntrack module, or "
				 "use the default netlink source (the kernel may lack "
				 "CONFIG_NF_CONNTRACK_PROCFS)", path);
		else if (e == EINVAL)
			snprintf(err, errlen, "cannot read %s: not a regular file (give a saved "
				 "conntrack table, or use --stdin)", path);
		else
			snprintf(err, errlen, "cannot open %s: %s%s", path, strerror(e),
				 e == EACCES && !o->proc_file ? " (run as root)" : "");
		errno = e;
		return -1;
	}
	{
		/* Batch runs: see cli_kernel_filter(); the test is main()'s. */
		int batch = o->batch || o->count_set || o->json ||
			    !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO);
		const char *off = priv_env_untrusted() ? NULL : getenv("LSCT_NO_KFILTER");

		cli_kernel_filter(o, batch, off && strcmp(off, "1") == 0, &filter);
	}
	*src = ct_source_netlink(&filter);
	if (!*src) {
		e = errno;
		snprintf(err, errlen, "cannot open a netlink socket: %s%s", strerror(e),
			 ct_source_hint(e));
		errno = e;
		return -1;
	}
	return 0;
}

struct ct_events *cli_open_events(const struct cli_opts *o, int tracking, char *why,
				  size_t whylen)
{
	static const char missed[] = "connections that open and close between two "
				     "snapshots are not counted";
	struct host_ct_sysctl sc;
	struct ct_events *ev;

	*why = '\0';
	if (!tracking || !o->events || o->source != CLI_SRC_NETLINK)
		return NULL;
	host_read_ct_sysctl(&sc);
	if (sc.events == 0) {
		snprintf(why, whylen, "conntrack events are off (net.netfilter.nf_conntrack_events"
			 "=0): %s; turn them on with: sysctl -w net.netfilter.nf_conntrack_events=1",
			 missed);
		return NULL;
	}
	ev = ct_events_open(o->event_buffer);
	if (!ev) {
		int e = errno;

		snprintf(why, whylen, "cannot subscribe to conntrack events: %s%s; %s",
			 strerror(e), ct_source_hint(e), missed);
		return NULL;
	}
	return ev;
}
