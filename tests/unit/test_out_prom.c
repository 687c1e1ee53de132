/* out_prom.c: both dialects byte for byte, escaping, promtool, the atomic textfile. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "out_prom.h"

/*
 * One active TCP flow and one passive UDP flow after one frame, with the
 * table's classes, sysctls and events: the whole exposition, as checked
 * by hand against the text format 0.0.4 and OpenMetrics 1.0.
 */
static const char exp004[] =
	"# HELP lsconntrack_flow_connections Open connections of the flows in the series at the last snapshot.\n"
	"# TYPE lsconntrack_flow_connections gauge\n"
	"lsconntrack_flow_connections{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 1\n"
	"lsconntrack_flow_connections{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 0\n"
	"# HELP lsconntrack_flow_connections_opened_total Connections opened, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_connections_opened_total counter\n"
	"lsconntrack_flow_connections_opened_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 2\n"
	"lsconntrack_flow_connections_opened_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 0\n"
	"# HELP lsconntrack_flow_connections_closed_total Connections closed, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_connections_closed_total counter\n"
	"lsconntrack_flow_connections_closed_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 1\n"
	"lsconntrack_flow_connections_closed_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 0\n"
	"# HELP lsconntrack_flow_received_bytes_total Layer-3 bytes sent by the peer to this host, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_received_bytes_total counter\n"
	"lsconntrack_flow_received_bytes_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 1000\n"
	"lsconntrack_flow_received_bytes_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 80\n"
	"# HELP lsconntrack_flow_sent_bytes_total Layer-3 bytes sent by this host to the peer, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_sent_bytes_total counter\n"
	"lsconntrack_flow_sent_bytes_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 200\n"
	"lsconntrack_flow_sent_bytes_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 160\n"
	"# HELP lsconntrack_flow_received_packets_total Packets sent by the peer to this host, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_received_packets_total counter\n"
	"lsconntrack_flow_received_packets_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 4\n"
	"lsconntrack_flow_received_packets_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 1\n"
	"# HELP lsconntrack_flow_sent_packets_total Packets sent by this host to the peer, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_sent_packets_total counter\n"
	"lsconntrack_flow_sent_packets_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 3\n"
	"lsconntrack_flow_sent_packets_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 1\n"
	"# HELP lsconntrack_entries Conntrack entries of the last snapshot by class: active, passive, both (local to local), forwarded, routed (-R), owned (other namespaces'), ambiguous, excluded.\n"
	"# TYPE lsconntrack_entries gauge\n"
	"lsconntrack_entries{class=\"active\"} 2\n"
	"lsconntrack_entries{class=\"passive\"} 1\n"
	"lsconntrack_entries{class=\"both\"} 1\n"
	"lsconntrack_entries{class=\"forwarded\"} 4\n"
	"lsconntrack_entries{class=\"routed\"} 0\n"
	"lsconntrack_entries{class=\"owned\"} 0\n"
	"lsconntrack_entries{class=\"ambiguous\"} 0\n"
	"lsconntrack_entries{class=\"excluded\"} 5\n"
	"# HELP lsconntrack_snapshot_duration_seconds Seconds the last snapshot of the table took.\n"
	"# TYPE lsconntrack_snapshot_duration_seconds gauge\n"
	"lsconntrack_snapshot_duration_seconds 0.25\n"
	"# HELP lsconntrack_table_entries Entries in the conntrack table (nf_conntrack_count).\n"
	"# TYPE lsconntrack_table_entries gauge\n"
	"lsconntrack_table_entries 12\n"
	"# HELP lsconntrack_table_max Size of the conntrack table (nf_conntrack_max).\n"
	"# TYPE lsconntrack_table_max gauge\n"
	"lsconntrack_table_max 65536\n"
	"# HELP lsconntrack_events_lost_total Conntrack DESTROY events lost (receive buffer overrun).\n"
	"# TYPE lsconntrack_events_lost_total counter\n"
	"lsconntrack_events_lost_total 3\n"
	"# HELP lsconntrack_snapshots_total Snapshots of the table taken.\n"
	"# TYPE lsconntrack_snapshots_total counter\n"
	"lsconntrack_snapshots_total 1\n"
	"# HELP lsconntrack_folded_peers Flows of the last snapshot beyond the top N by bytes, shown as peer=\"other\".\n"
	"# TYPE lsconntrack_folded_peers gauge\n"
	"lsconntrack_folded_peers{direction=\"active\"} 0\n"
	"lsconntrack_folded_peers{direction=\"passive\"} 0\n"
	"# HELP lsconntrack_folded_ports Ports of folded flows beyond the top N by bytes, shown as port \"other\".\n"
	"# TYPE lsconntrack_folded_ports gauge\n"
	"lsconntrack_folded_ports{direction=\"active\"} 0\n"
	"lsconntrack_folded_ports{direction=\"passive\"} 0\n"
	"# HELP lsconntrack_series_kept Series kept in memory, shown or not, so that their counters continue.\n"
	"# TYPE lsconntrack_series_kept gauge\n"
	"lsconntrack_series_kept 2\n"
	"# HELP lsconntrack_series_dropped_total Series dropped from memory, least recently shown first.\n"
	"# TYPE lsconntrack_series_dropped_total counter\n"
	"lsconntrack_series_dropped_total 0\n"
	"# HELP lsconntrack_build_info The lsconntrack build.\n"
	"# TYPE lsconntrack_build_info gauge\n"
	"lsconntrack_build_info{version=\"1.2\\\"x\"} 1\n";

static const char expom[] =
	"# HELP lsconntrack_flow_connections Open connections of the flows in the series at the last snapshot.\n"
	"# TYPE lsconntrack_flow_connections gauge\n"
	"lsconntrack_flow_connections{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 1\n"
	"lsconntrack_flow_connections{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 0\n"
	"# HELP lsconntrack_flow_connections_opened Connections opened, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_connections_opened counter\n"
	"lsconntrack_flow_connections_opened_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 2\n"
	"lsconntrack_flow_connections_opened_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 0\n"
	"# HELP lsconntrack_flow_connections_closed Connections closed, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_connections_closed counter\n"
	"lsconntrack_flow_connections_closed_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 1\n"
	"lsconntrack_flow_connections_closed_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 0\n"
	"# HELP lsconntrack_flow_received_bytes Layer-3 bytes sent by the peer to this host, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_received_bytes counter\n"
	"lsconntrack_flow_received_bytes_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 1000\n"
	"lsconntrack_flow_received_bytes_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 80\n"
	"# HELP lsconntrack_flow_sent_bytes Layer-3 bytes sent by this host to the peer, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_sent_bytes counter\n"
	"lsconntrack_flow_sent_bytes_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 200\n"
	"lsconntrack_flow_sent_bytes_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 160\n"
	"# HELP lsconntrack_flow_received_packets Packets sent by the peer to this host, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_received_packets counter\n"
	"lsconntrack_flow_received_packets_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 4\n"
	"lsconntrack_flow_received_packets_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 1\n"
	"# HELP lsconntrack_flow_sent_packets Packets sent by this host to the peer, since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_sent_packets counter\n"
	"lsconntrack_flow_sent_packets_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 3\n"
	"lsconntrack_flow_sent_packets_total{direction=\"passive\",proto=\"udp\",local_port=\"53\"} 1\n"
	"# HELP lsconntrack_entries Conntrack entries of the last snapshot by class: active, passive, both (local to local), forwarded, routed (-R), owned (other namespaces'), ambiguous, excluded.\n"
	"# TYPE lsconntrack_entries gauge\n"
	"lsconntrack_entries{class=\"active\"} 2\n"
	"lsconntrack_entries{class=\"passive\"} 1\n"
	"lsconntrack_entries{class=\"both\"} 1\n"
	"lsconntrack_entries{class=\"forwarded\"} 4\n"
	"lsconntrack_entries{class=\"routed\"} 0\n"
	"lsconntrack_entries{class=\"owned\"} 0\n"
	"lsconntrack_entries{class=\"ambiguous\"} 0\n"
	"lsconntrack_entries{class=\"excluded\"} 5\n"
	"# HELP lsconntrack_snapshot_duration_seconds Seconds the last snapshot of the table took.\n"
	"# TYPE lsconntrack_snapshot_duration_seconds gauge\n"
	"lsconntrack_snapshot_duration_seconds 0.25\n"
	"# HELP lsconntrack_table_entries Entries in the conntrack table (nf_conntrack_count).\n"
	"# TYPE lsconntrack_table_entries gauge\n"
	"lsconntrack_table_entries 12\n"
	"# HELP lsconntrack_table_max Size of the conntrack table (nf_conntrack_max).\n"
	"# TYPE lsconntrack_table_max gauge\n"
	"lsconntrack_table_max 65536\n"
	"# HELP lsconntrack_events_lost Conntrack DESTROY events lost (receive buffer overrun).\n"
	"# TYPE lsconntrack_events_lost counter\n"
	"lsconntrack_events_lost_total 3\n"
	"# HELP lsconntrack_snapshots Snapshots of the table taken.\n"
	"# TYPE lsconntrack_snapshots counter\n"
	"lsconntrack_snapshots_total 1\n"
	"# HELP lsconntrack_folded_peers Flows of the last snapshot beyond the top N by bytes, shown as peer=\\\"other\\\".\n"
	"# TYPE lsconntrack_folded_peers gauge\n"
	"lsconntrack_folded_peers{direction=\"active\"} 0\n"
	"lsconntrack_folded_peers{direction=\"passive\"} 0\n"
	"# HELP lsconntrack_folded_ports Ports of folded flows beyond the top N by bytes, shown as port \\\"other\\\".\n"
	"# TYPE lsconntrack_folded_ports gauge\n"
	"lsconntrack_folded_ports{direction=\"active\"} 0\n"
	"lsconntrack_folded_ports{direction=\"passive\"} 0\n"
	"# HELP lsconntrack_series_kept Series kept in memory, shown or not, so that their counters continue.\n"
	"# TYPE lsconntrack_series_kept gauge\n"
	"lsconntrack_series_kept 2\n"
	"# HELP lsconntrack_series_dropped Series dropped from memory, least recently shown first.\n"
	"# TYPE lsconntrack_series_dropped counter\n"
	"lsconntrack_series_dropped_total 0\n"
	"# HELP lsconntrack_build The lsconntrack build.\n"
	"# TYPE lsconntrack_build info\n"
	"lsconntrack_build_info{version=\"1.2\\\"x\"} 1\n"
	"# EOF\n";

static struct metrics *small(void)
{
	struct metrics_opts o = { .top = 10, .version = "1.2\"x" };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[2];
	struct mon_frame f;

	memset(fl, 0, sizeof fl);
	memset(&f, 0, sizeof f);
	fl[0].key.dir = FLOW_ACTIVE;
	fl[0].key.proto = IPPROTO_TCP;
	fl[0].key.family = AF_INET;
	fl[0].key.peer = tu_addr("192.0.2.1");
	fl[0].key.port = 443;
	fl[0].d = (struct flow_delta){ .in_bytes = 1000, .out_bytes = 200, .in_packets = 4,
				       .out_packets = 3, .new_conns = 2, .closed_conns = 1 };
	fl[0].conns = 1;
	fl[1].key.dir = FLOW_PASSIVE;
	fl[1].key.proto = IPPROTO_UDP;
	fl[1].key.family = AF_INET6;
	fl[1].key.peer = tu_addr("2001:db8::1");
	fl[1].key.port = 53;
	fl[1].d = (struct flow_delta){ .in_bytes = 80, .out_bytes = 160, .in_packets = 1,
				       .out_packets = 1 };
	f.dumped = 1;
	f.cost = 0.25;
	f.sysctl.count = 12;
	f.sysctl.max = 65536;
	f.events = 1;
	f.events_lost = 3;
	f.stats.active = 3;
	f.stats.passive = 2;
	f.stats.local = 1;
	f.stats.forwarded = 4;
	f.stats.excluded = 5;
	metrics_feed(mx, &f, fl, NULL, 2);
	return mx;
}

static void test_dialects_exact(void **state)
{
	struct metrics *mx = small();
	char *t;
	size_t n;

	(void)state;
	prom_render(mx, PROM_TEXT004, &t, &n);
	assert_int_equal(n, sizeof exp004 - 1);
	assert_memory_equal(t, exp004, n);
	free(t);
	prom_render(mx, PROM_OPENMETRICS, &t, &n);
	assert_int_equal(n, sizeof expom - 1);
	assert_memory_equal(t, expom, n);
	free(t);
	metrics_free(mx);
}

/* The real parsers: promtool's 0.0.4 linter, and its OpenMetrics backfill parser. */
static void test_promtool(void **state)
{
	struct metrics *mx = small();
	char *t, *z;
	size_t n;

	(void)state;
	if (system("command -v promtool >/dev/null") != 0) {
		print_message("promtool missing (apt-get install prometheus)\n");
		fail();
	}
	prom_render(mx, PROM_TEXT004, &t, &n);
	z = strndup(t, n);
	assert_int_equal(tu_pipe_to("promtool check metrics", z), 0);
	free(z);
	free(t);
	prom_render(mx, PROM_OPENMETRICS, &t, &n);
	z = strndup(t, n);
	/* The backfill parser wants timestamps, which the exposition never has: add them. */
	assert_int_equal(tu_pipe_to("d=$(mktemp -d) && sed -E '/^#/!s/$/ 1700000000/' >$d/om && "
				    "promtool tsdb create-blocks-from openmetrics $d/om $d/b >/dev/null; "
				    "r=$?; rm -rf $d; exit $r", z), 0);
	free(z);
	free(t);
	metrics_free(mx);
}

static void test_escaping(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	n = prom_escape_label(out, "a\\b\"c\nd", 7);
	assert_int_equal(n, 10);
	assert_memory_equal(out, "a\\\\b\\\"c\\nd", 10);
	n = prom_escape_help(out, "a\\b\"c\nd", 7, PROM_TEXT004);
	assert_memory_equal(out, "a\\\\b\"c\\nd", n);
	assert_int_equal(n, 9);
	n = prom_escape_help(out, "a\\b\"c\nd", 7, PROM_OPENMETRICS);
	assert_memory_equal(out, "a\\\\b\\\"c\\nd", n);
	assert_int_equal(n, 10);
}

/*
 * -P and -R: what the series of a TCP flow with retransmissions, RTT and
 * one process, a passive TCP flow of two processes (no RTT: no info, no
 * RTT sample), and a routed flow (no retransmissions: no local socket)
 * add, byte for byte in both dialects; the routed class and direction.
 */
static const char exp_health004[] =
	"# HELP lsconntrack_flow_retransmits_total TCP segments retransmitted by this host's sockets of the series' flows (-P), since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_retransmits_total counter\n"
	"lsconntrack_flow_retransmits_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 12\n"
	"lsconntrack_flow_retransmits_total{direction=\"passive\",proto=\"tcp\",local_port=\"22\"} 0\n"
	"# HELP lsconntrack_flow_rtt_seconds The largest smoothed round-trip time of the live TCP sockets of the series' flows at the last snapshot (-P).\n"
	"# TYPE lsconntrack_flow_rtt_seconds gauge\n"
	"lsconntrack_flow_rtt_seconds{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 0.0305\n"
	"# HELP lsconntrack_flow_process_info The process behind the series' flows (-P), when it is one: its name, systemd unit or container, and user id.\n"
	"# TYPE lsconntrack_flow_process_info gauge\n"
	"lsconntrack_flow_process_info{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\",comm=\"cu\\\"rl\",unit=\"app.service\",uid=\"1000\"} 1\n"
	"# HELP lsconntrack_entries ";

static const char exp_healthom[] =
	"# HELP lsconntrack_flow_retransmits TCP segments retransmitted by this host's sockets of the series' flows (-P), since lsconntrack started.\n"
	"# TYPE lsconntrack_flow_retransmits counter\n"
	"lsconntrack_flow_retransmits_total{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 12\n"
	"lsconntrack_flow_retransmits_total{direction=\"passive\",proto=\"tcp\",local_port=\"22\"} 0\n"
	"# HELP lsconntrack_flow_rtt_seconds The largest smoothed round-trip time of the live TCP sockets of the series' flows at the last snapshot (-P).\n"
	"# TYPE lsconntrack_flow_rtt_seconds gauge\n"
	"lsconntrack_flow_rtt_seconds{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\"} 0.0305\n"
	"# HELP lsconntrack_flow_process The process behind the series' flows (-P), when it is one: its name, systemd unit or container, and user id.\n"
	"# TYPE lsconntrack_flow_process info\n"
	"lsconntrack_flow_process_info{direction=\"active\",proto=\"tcp\",peer=\"192.0.2.1\",peer_port=\"443\",comm=\"cu\\\"rl\",unit=\"app.service\",uid=\"1000\"} 1\n"
	"# HELP lsconntrack_entries ";

static int one_proc(void *arg, uint32_t id, struct proc_info *out)
{
	(void)arg;
	if (id != 7)
		return -1;
	memset(out, 0, sizeof *out);
	out->pid = 4242;
	out->uid = 1000;
	snprintf(out->comm, sizeof out->comm, "cu\"rl");
	snprintf(out->unit, sizeof out->unit, "app.service");
	return 0;
}

static int one_route(void *arg, uint32_t id, struct flow_route *out)
{
	(void)arg;
	if (id != 3)
		return -1;
	memset(out, 0, sizeof *out);
	out->family = AF_INET;
	out->client = tu_addr("10.9.0.2");
	return 0;
}

static struct metrics *health_routed(void)
{
	struct metrics_opts o = { .top = 10, .processes = 1, .proc_of = one_proc,
				  .routed = 1, .route_of = one_route };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[3];
	struct flow_proc pr[3];
	struct mon_frame f;

	memset(fl, 0, sizeof fl);
	memset(pr, 0, sizeof pr);
	memset(&f, 0, sizeof f);
	fl[0].key.dir = FLOW_ACTIVE;
	fl[0].key.proto = IPPROTO_TCP;
	fl[0].key.family = AF_INET;
	fl[0].key.peer = tu_addr("192.0.2.1");
	fl[0].key.port = 443;
	pr[0].retrans = 12;
	pr[0].rtt_us = 30500;
	pr[0].proc = 7;
	pr[0].nprocs = 1;
	fl[0].conns = 1;
	fl[1].key.dir = FLOW_PASSIVE;
	fl[1].key.proto = IPPROTO_TCP;
	fl[1].key.family = AF_INET;
	fl[1].key.peer = tu_addr("192.0.2.9");
	fl[1].key.port = 22;
	pr[1].proc = 7;
	pr[1].nprocs = 2;
	fl[2].key.dir = FLOW_ROUTED;
	fl[2].key.proto = IPPROTO_TCP;
	fl[2].key.family = AF_INET;
	fl[2].key.peer = tu_addr("198.51.100.7");
	fl[2].key.port = 80;
	fl[2].key.owner = 3;
	fl[2].d.in_bytes = 500;
	f.dumped = 1;
	f.stats.forwarded = 4;
	f.stats.routed = 6;
	metrics_feed(mx, &f, fl, pr, 3);
	return mx;
}

static void test_health_routed_exact(void **state)
{
	struct metrics *mx = health_routed();
	char *t, *z, *from;
	size_t n;

	(void)state;
	prom_render(mx, PROM_TEXT004, &t, &n);
	z = strndup(t, n);
	from = strstr(z, "# HELP lsconntrack_flow_retransmits");
	assert_non_null(from);
	assert_memory_equal(from, exp_health004, sizeof exp_health004 - 1);
	assert_non_null(strstr(z, "lsconntrack_flow_received_bytes_total{direction=\"routed\","
			       "proto=\"tcp\",client=\"10.9.0.2\",server=\"198.51.100.7\","
			       "server_port=\"80\"} 500\n"));
	assert_non_null(strstr(z, "lsconntrack_entries{class=\"forwarded\"} 4\n"
			       "lsconntrack_entries{class=\"routed\"} 6\n"));
	assert_non_null(strstr(z, "lsconntrack_folded_peers{direction=\"routed\"} 0\n"));
	assert_non_null(strstr(z, "lsconntrack_folded_ports{direction=\"routed\"} 0\n"));
	assert_int_equal(tu_pipe_to("promtool check metrics", z), 0);
	free(z);
	free(t);
	prom_render(mx, PROM_OPENMETRICS, &t, &n);
	z = strndup(t, n);
	from = strstr(z, "# HELP lsconntrack_flow_retransmits");
	assert_non_null(from);
	assert_memory_equal(from, exp_healthom, sizeof exp_healthom - 1);
	assert_int_equal(tu_pipe_to("d=$(mktemp -d) && sed -E '/^#/!s/$/ 1700000000/' >$d/om && "
				    "promtool tsdb create-blocks-from openmetrics $d/om $d/b >/dev/null; "
				    "r=$?; rm -rf $d; exit $r", z), 0);
	free(z);
	free(t);
	metrics_free(mx);
}

/* Without -R the monitor's routed entries are forwarded ones, and no routed series. */
static void test_routed_off(void **state)
{
	struct metrics *mx;
	struct metrics_opts o = { .top = 10 };
	struct flow fl;
	struct flow_proc pr;
	struct mon_frame f;
	char *t, *z;
	size_t n;

	(void)state;
	mx = metrics_new(&o);
	memset(&fl, 0, sizeof fl);
	memset(&pr, 0, sizeof pr);
	memset(&f, 0, sizeof f);
	fl.key.dir = FLOW_ROUTED;
	fl.key.proto = IPPROTO_TCP;
	fl.key.family = AF_INET;
	fl.key.port = 80;
	pr.retrans = 3;
	f.dumped = 1;
	f.stats.forwarded = 4;
	f.stats.routed = 6;
	metrics_feed(mx, &f, &fl, &pr, 1);
	prom_render(mx, PROM_TEXT004, &t, &n);
	z = strndup(t, n);
	assert_null(strstr(z, "direction=\"routed\""));
	assert_null(strstr(z, "lsconntrack_flow_"));
	assert_null(strstr(z, "retransmits"));
	assert_non_null(strstr(z, "lsconntrack_entries{class=\"forwarded\"} 10\n"
			       "lsconntrack_entries{class=\"routed\"} 0\n"));
	free(z);
	free(t);
	metrics_free(mx);
}

static int evil_owner(void *arg, uint32_t id, struct owner_label *out)
{
	(void)arg;
	(void)id;
	memset(out, 0, sizeof *out);
	out->kind = OWNER_CONTAINER;
	snprintf(out->name, sizeof out->name, "we\"b\\1");
	return 0;
}

/* Owners on: every series has owner, "host" here, escaped for another namespace. */
static void test_owner_label(void **state)
{
	struct metrics_opts o = { .owners = 1, .owner_of = evil_owner };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[2];
	struct mon_frame f;
	char *t, *z;
	size_t n;

	(void)state;
	memset(fl, 0, sizeof fl);
	memset(&f, 0, sizeof f);
	for (int i = 0; i < 2; i++) {
		fl[i].key.dir = FLOW_ACTIVE;
		fl[i].key.proto = IPPROTO_TCP;
		fl[i].key.family = AF_INET;
		fl[i].key.peer = tu_addr("192.0.2.1");
		fl[i].key.port = 443;
		fl[i].key.owner = (uint32_t)i * 5;
	}
	metrics_feed(mx, &f, fl, NULL, 2);
	prom_render(mx, PROM_TEXT004, &t, &n);
	z = strndup(t, n);
	assert_non_null(strstr(z, "lsconntrack_flow_sent_bytes_total{direction=\"active\",proto=\"tcp\","
			       "owner=\"host\",peer=\"192.0.2.1\",peer_port=\"443\"} 0\n"));
	assert_non_null(strstr(z, "owner=\"container:we\\\"b\\\\1\",owner_id=\"#5\",peer="));
	assert_int_equal(tu_pipe_to("promtool check metrics", z), 0);
	free(z);
	free(t);
	metrics_free(mx);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(fp);
	assert_true(fread(buf, 1, (1 << 16) - 1, fp) > 0);
	fclose(fp);
	return buf;
}

/* FILE is replaced whole; a failure leaves it as it was and no temporary file. */
static void test_textfile(void **state)
{
	char dir[] = "/tmp/lsct-prom-XXXXXX", path[256], tmp[256], err[256];
	struct prom_file *pf;
	char *got;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/flows.prom", dir);
	snprintf(tmp, sizeof tmp, "%s/.flows.prom.tmp", dir);
	assert_int_equal(prom_file_open(path, &pf, err, sizeof err), 0);
	assert_string_equal(prom_file_path(pf), path);
	assert_int_equal(prom_file_writable(pf), 0);
	assert_int_equal(prom_file_write(pf, "a 1\n", 4), 0);
	got = slurp(path);
	assert_string_equal(got, "a 1\n");
	free(got);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(prom_file_write(pf, "b 2\n", 4), 0);
	got = slurp(path);
	assert_string_equal(got, "b 2\n");
	free(got);
	/* The temporary name taken by a directory: the write fails, FILE stays. */
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(prom_file_write(pf, "c 3\n", 4), -1);
	got = slurp(path);
	assert_string_equal(got, "b 2\n");
	free(got);
	assert_int_equal(rmdir(tmp), 0);
	/* The directory removed: ENOENT, and nothing left behind. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(prom_file_write(pf, "d 4\n", 4), -1);
	assert_int_equal(errno, ENOENT);
	prom_file_close(pf);

	/* Bad names: usage errors. */
	assert_int_equal(prom_file_open("/tmp/", &pf, err, sizeof err), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(prom_file_open("/tmp/x.tmp", &pf, err, sizeof err), -1);
	assert_int_equal(prom_file_open("/nonexistent-lsct/x.prom", &pf, err, sizeof err), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent-lsct"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dialects_exact),
		cmocka_unit_test(test_promtool),
		cmocka_unit_test(test_health_routed_exact),
		cmocka_unit_test(test_routed_off),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_owner_label),
		cmocka_unit_test(test_textfile),
	};

	return cmocka_run_group_tests_name("out_prom", tests, NULL, NULL);
}
