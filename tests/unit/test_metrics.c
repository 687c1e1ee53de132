/* metrics.c: cumulative series from deltas, folding, monotonic counters, the bounds. */
#include "testutil.h"

#include <arpa/inet.h>

#include "metrics.h"
#include "monitor.h"

static struct flow mkflow(unsigned dir, const char *peer, unsigned port, uint64_t bytes,
			  uint64_t din, uint64_t dout, uint32_t conns)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.dir = (uint8_t)dir;
	f.key.proto = IPPROTO_TCP;
	f.key.family = strchr(peer, ':') ? AF_INET6 : AF_INET;
	f.key.peer = tu_addr(peer);
	f.key.port = (uint16_t)port;
	f.c.in_bytes = bytes;
	f.d.in_bytes = din;
	f.d.out_bytes = dout;
	f.d.in_packets = din ? 1 : 0;
	f.d.new_conns = din ? 1 : 0;
	f.conns = conns;
	return f;
}

/* pr: the flows' -P records (NULL: none). */
static void feed_procs(struct metrics *mx, const struct flow *fl, const struct flow_proc *pr,
		       size_t n)
{
	struct mon_frame f;

	memset(&f, 0, sizeof f);
	f.dumped = 1;
	f.sysctl.count = f.sysctl.max = -1;
	metrics_feed(mx, &f, fl, pr, n);
}

static void feed(struct metrics *mx, const struct flow *fl, size_t n)
{
	feed_procs(mx, fl, NULL, n);
}

/* The shown series with this peer ("other" for folded) and port (-1: "other"). */
static const struct metrics_series *find(struct metrics *mx, unsigned dir, const char *peer,
					 long port)
{
	const struct metrics_series *const *ss;
	size_t n = metrics_series(mx, &ss);

	for (size_t i = 0; i < n; i++) {
		const struct metrics_key *k = &ss[i]->key;
		uint32_t p = port < 0 ? METRICS_OTHER : (uint32_t)port;

		if (k->dir != dir || k->port != p)
			continue;
		if (!peer && !k->has_peer)
			return ss[i];
		if (peer && k->has_peer && strcmp(peer, "other") == 0 && k->peer_other)
			return ss[i];
		if (peer && k->has_peer && !k->peer_other && strcmp(peer, "other") != 0) {
			struct ct_addr a = tu_addr(peer);

			if (memcmp(&a, &k->peer, sizeof a) == 0)
				return ss[i];
		}
	}
	return NULL;
}

static void test_accumulate(void **state)
{
	struct metrics_opts o = { .top = 10 };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[2] = {
		mkflow(FLOW_ACTIVE, "10.0.0.1", 443, 1000, 100, 50, 2),
		mkflow(FLOW_PASSIVE, "10.0.0.2", 80, 10, 7, 3, 1),
	};
	const struct metrics_series *s;

	(void)state;
	feed(mx, fl, 2);
	fl[0].d.in_bytes = 30;
	fl[0].conns = 1;
	feed(mx, fl, 2);
	s = find(mx, FLOW_ACTIVE, "10.0.0.1", 443);
	assert_non_null(s);
	assert_int_equal(s->in_bytes, 130);
	assert_int_equal(s->out_bytes, 100);
	assert_int_equal(s->opened, 2);
	assert_int_equal(s->open, 1);	/* a gauge: the last frame's */
	/* Passive: no peer label, by local port. */
	s = find(mx, FLOW_PASSIVE, NULL, 80);
	assert_non_null(s);
	assert_int_equal(s->in_bytes, 14);
	assert_int_equal(metrics_table(mx)->frames, 2);
	metrics_free(mx);
}

static void test_passive_merge_and_peers(void **state)
{
	struct metrics_opts o = { .top = 10 };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[2] = {
		mkflow(FLOW_PASSIVE, "10.0.0.2", 80, 10, 7, 3, 1),
		mkflow(FLOW_PASSIVE, "10.0.0.3", 80, 10, 5, 1, 2),
	};
	const struct metrics_series *const *ss;

	(void)state;
	feed(mx, fl, 2);
	assert_int_equal(metrics_series(mx, &ss), 1);
	assert_int_equal(ss[0]->in_bytes, 12);
	assert_int_equal(ss[0]->open, 3);
	metrics_free(mx);

	o.passive_peers = 1;
	mx = metrics_new(&o);
	feed(mx, fl, 2);
	assert_int_equal(metrics_series(mx, &ss), 2);
	assert_non_null(find(mx, FLOW_PASSIVE, "10.0.0.3", 80));
	metrics_free(mx);
}

/* A flow's entries vanish (it leaves the frame) and come back: the series goes on. */
static void test_restart_monotonic(void **state)
{
	struct metrics_opts o = { .top = 10 };
	struct metrics *mx = metrics_new(&o);
	struct flow a = mkflow(FLOW_ACTIVE, "10.0.0.1", 443, 1000, 100, 0, 1);
	struct flow b = mkflow(FLOW_ACTIVE, "10.0.0.9", 22, 10, 1, 0, 1);

	(void)state;
	feed(mx, &a, 1);
	feed(mx, &b, 1);
	/* Not in this frame: still shown (retained), unchanged, no connection open. */
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 443)->in_bytes, 100);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 443)->open, 0);
	a.d.in_bytes = 5;
	feed(mx, &a, 1);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 443)->in_bytes, 105);
	metrics_free(mx);
}

/* Retained series: only for retain seconds, and N per direction at most. */
static void test_retain(void **state)
{
	struct metrics_opts o = { .top = 2, .retain = 10 };
	struct metrics *mx = metrics_new(&o);
	struct mon_frame f;
	struct flow fl[3] = {
		mkflow(FLOW_ACTIVE, "10.0.0.1", 1, 10, 1, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.2", 2, 10, 1, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.3", 3, 10, 1, 0, 1),
	};
	struct flow z = mkflow(FLOW_ACTIVE, "10.0.0.9", 9, 10, 1, 0, 1);
	const struct metrics_series *const *ss;

	(void)state;
	memset(&f, 0, sizeof f);
	f.dumped = 1;
	f.when.tv_sec = 1000;
	metrics_feed(mx, &f, fl, NULL, 3);	/* 2 peers and one other */
	f.when.tv_sec = 1005;
	metrics_feed(mx, &f, &z, NULL, 1);
	/* z, and 2 of the 3 earlier series (the bound), open 0. */
	assert_int_equal(metrics_series(mx, &ss), 3);
	f.when.tv_sec = 1012;
	metrics_feed(mx, &f, &z, NULL, 1);
	/* The earlier ones are 12 s old: gone from the exposition, kept in memory. */
	assert_int_equal(metrics_series(mx, &ss), 1);
	assert_int_equal(metrics_kept(mx), 4);
	metrics_free(mx);
}

/*
 * Top 2 of 4 keep their peer; the others are peer="other" with their port.
 * When the ranking changes, every series still only grows, and the sum of
 * all series is the sum of all deltas.
 */
static void test_folding(void **state)
{
	struct metrics_opts o = { .top = 2 };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[4] = {
		mkflow(FLOW_ACTIVE, "10.0.0.1", 443, 4000, 10, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.2", 443, 3000, 10, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.3", 443, 2000, 10, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.4", 443, 1000, 10, 0, 1),
	};
	const struct metrics_series *const *ss;
	uint64_t before_other, before_3;

	(void)state;
	feed(mx, fl, 4);
	assert_int_equal(metrics_series(mx, &ss), 3);
	assert_non_null(find(mx, FLOW_ACTIVE, "10.0.0.1", 443));
	assert_non_null(find(mx, FLOW_ACTIVE, "10.0.0.2", 443));
	assert_null(find(mx, FLOW_ACTIVE, "10.0.0.3", 443));
	assert_int_equal(find(mx, FLOW_ACTIVE, "other", 443)->in_bytes, 20);
	assert_int_equal(find(mx, FLOW_ACTIVE, "other", 443)->open, 2);
	assert_int_equal(metrics_table(mx)->folded_peers[FLOW_ACTIVE], 2);
	before_other = 20;

	/* 10.0.0.3 becomes the biggest: its own series starts; "other" keeps its 20. */
	fl[2].c.in_bytes = 9000;
	feed(mx, fl, 4);
	before_3 = find(mx, FLOW_ACTIVE, "10.0.0.3", 443)->in_bytes;
	assert_int_equal(before_3, 10);
	assert_int_equal(find(mx, FLOW_ACTIVE, "other", 443)->in_bytes, before_other + 20);
	/* 10.0.0.2 folded: its own series is shown unchanged (retained). */
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.2", 443)->in_bytes, 10);

	/* Back to the first ranking: 10.0.0.2 continues from where it was (20). */
	fl[2].c.in_bytes = 2000;
	feed(mx, fl, 4);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.2", 443)->in_bytes, 20);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 443)->in_bytes, 30);
	assert_int_equal(find(mx, FLOW_ACTIVE, "other", 443)->in_bytes, 60);
	/* Every delta counted once: 4 flows x 10 x 3 frames. */
	assert_int_equal(30 + 20 + 60 + before_3, 120);
	metrics_free(mx);
}

/* Folded flows on more than N ports: the smallest ports become port="other". */
static void test_port_fold(void **state)
{
	struct metrics_opts o = { .top = 1 };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[4] = {
		mkflow(FLOW_ACTIVE, "10.0.0.1", 1, 4000, 1, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.2", 2, 3000, 1, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.3", 3, 2000, 1, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.4", 4, 1000, 1, 0, 1),
	};
	const struct metrics_series *const *ss;

	(void)state;
	feed(mx, fl, 4);
	/* 10.0.0.1 itself, other on port 2, other on port other (3 and 4). */
	assert_int_equal(metrics_series(mx, &ss), 3);
	assert_non_null(find(mx, FLOW_ACTIVE, "10.0.0.1", 1));
	assert_int_equal(find(mx, FLOW_ACTIVE, "other", 2)->in_bytes, 1);
	assert_int_equal(find(mx, FLOW_ACTIVE, "other", -1)->in_bytes, 2);
	assert_int_equal(metrics_table(mx)->folded_ports[FLOW_ACTIVE], 2);
	metrics_free(mx);
}

/* 100,000 peers on as many ports, both directions: within 2N + 2 series per direction. */
static void test_cardinality(void **state)
{
	size_t n = 100000;
	struct flow *fl = calloc(n, sizeof *fl);
	struct metrics_opts o = { .top = 100 };
	struct metrics *mx = metrics_new(&o);
	const struct metrics_series *const *ss;
	uint64_t sum = 0;
	size_t shown;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char a[32];

		snprintf(a, sizeof a, "10.%zu.%zu.%zu", i >> 16, (i >> 8) & 255, i & 255);
		fl[i] = mkflow(i & 1 ? FLOW_PASSIVE : FLOW_ACTIVE, a, 1 + i % 60000, i, 1, 0, 1);
	}
	feed(mx, fl, n);
	shown = metrics_series(mx, &ss);
	assert_true(shown <= 2 * (2 * 100 + 1));
	for (size_t i = 0; i < shown; i++)
		sum += ss[i]->in_bytes;
	assert_int_equal(sum, n);
	assert_int_equal(metrics_table(mx)->folded_peers[FLOW_ACTIVE], n / 2 - 100);
	metrics_free(mx);
	free(fl);
}

/* Memory: at most keep series, the least recently shown dropped first. */
static void test_keep_bound(void **state)
{
	struct metrics_opts o = { .top = 1, .keep = 8 };
	struct metrics *mx = metrics_new(&o);

	(void)state;
	for (unsigned i = 0; i < 50; i++) {
		char a[32];
		struct flow f;

		snprintf(a, sizeof a, "10.0.0.%u", i + 1);
		f = mkflow(FLOW_ACTIVE, a, 443, 10, 1, 0, 1);
		feed(mx, &f, 1);
		assert_true(metrics_kept(mx) <= 8);
	}
	assert_int_equal(metrics_table(mx)->dropped, 42);
	assert_true(metrics_series_bytes() >= sizeof(struct metrics_series));
	metrics_free(mx);
}

static int owner_stub(void *arg, uint32_t id, struct owner_label *out)
{
	(void)arg;
	if (id != 7)
		return -1;
	memset(out, 0, sizeof *out);
	out->kind = OWNER_CONTAINER;
	snprintf(out->name, sizeof out->name, "web");
	snprintf(out->id, sizeof out->id, "0123abcd");
	return 0;
}

/*
 * -P: retransmissions add up like bytes (also across folding), the RTT is
 * the largest of the frame's flows and gone when they are, the process is
 * kept only when every flow of the series has the same one.
 */
static void test_health(void **state)
{
	struct metrics_opts o = { .top = 1, .processes = 1 };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[3] = {
		mkflow(FLOW_ACTIVE, "10.0.0.1", 5432, 9000, 10, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.2", 5432, 100, 10, 0, 1),
		mkflow(FLOW_ACTIVE, "10.0.0.3", 5432, 50, 10, 0, 1),
	};
	struct flow_proc pr[3];
	const struct metrics_series *s, *other;

	(void)state;
	memset(pr, 0, sizeof pr);
	pr[0].retrans = 4;
	pr[0].rtt_us = 2000;
	pr[0].proc = 9;
	pr[0].nprocs = 1;
	pr[1].retrans = 1;
	pr[1].rtt_us = 7000;
	pr[1].proc = 9;
	pr[1].nprocs = 1;
	pr[2].retrans = 2;
	pr[2].rtt_us = 3000;
	pr[2].proc = 11;
	pr[2].nprocs = 1;
	feed_procs(mx, fl, pr, 3);
	s = find(mx, FLOW_ACTIVE, "10.0.0.1", 5432);
	other = find(mx, FLOW_ACTIVE, "other", 5432);
	assert_int_equal(s->retrans, 4);
	assert_int_equal(s->rtt_us, 2000);
	assert_int_equal(s->proc_state, 1);
	assert_int_equal(s->proc, 9);
	/* "other": 1 + 2 retransmissions, the larger RTT, two processes. */
	assert_int_equal(other->retrans, 3);
	assert_int_equal(other->rtt_us, 7000);
	assert_int_equal(other->proc_state, 2);

	/* Next frame: counters grow, the RTT is this frame's, never negative deltas. */
	pr[0].retrans = 6;
	pr[0].rtt_us = 0;
	pr[1].retrans = 0;
	pr[1].rtt_us = 1000;
	pr[2].retrans = 0;
	pr[2].proc = 0;
	pr[1].proc = 0;
	feed_procs(mx, fl, pr, 3);
	s = find(mx, FLOW_ACTIVE, "10.0.0.1", 5432);
	other = find(mx, FLOW_ACTIVE, "other", 5432);
	assert_int_equal(s->retrans, 10);
	assert_int_equal(s->rtt_us, 0);
	assert_int_equal(other->retrans, 3);
	assert_int_equal(other->rtt_us, 3000);
	/* No process known this frame: none (not the last frame's mix). */
	assert_int_equal(other->proc_state, 0);

	/* A flow of several processes makes its series' process unknown. */
	pr[0].nprocs = 2;
	feed_procs(mx, fl, pr, 3);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 5432)->proc_state, 2);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 5432)->retrans, 16);
	/*
	 * The flows gone: a retained series (N = 1: the most recent one,
	 * "other") keeps its counters, loses the RTT.
	 */
	feed_procs(mx, fl, pr, 0);
	s = find(mx, FLOW_ACTIVE, "other", 5432);
	assert_non_null(s);
	assert_int_equal(s->retrans, 3);
	assert_int_equal(s->rtt_us, 0);
	metrics_free(mx);

	/* Processes off: nothing of it is summed. */
	o.processes = 0;
	mx = metrics_new(&o);
	pr[0].retrans = 5;
	feed_procs(mx, fl, pr, 1);
	assert_int_equal(find(mx, FLOW_ACTIVE, "10.0.0.1", 5432)->retrans, 0);
	metrics_free(mx);
}

static int route_client(void *arg, uint32_t id, struct flow_route *out)
{
	(void)arg;
	memset(out, 0, sizeof *out);
	out->family = AF_INET;
	/* Routes 1 and 2: the same client through different NATs; 3: another client. */
	out->client = tu_addr(id == 3 ? "10.9.0.3" : "10.9.0.2");
	return id >= 1 && id <= 3 ? 0 : -1;
}

/*
 * -R: routed flows fold with the same N as active ones (client and server
 * "other"), keep their port, and flows that differ only by their NAT
 * share a series; without -R they make no series.
 */
static void test_routed(void **state)
{
	struct metrics_opts o = { .top = 1, .routed = 1, .route_of = route_client };
	struct metrics *mx = metrics_new(&o);
	struct flow fl[4] = {
		mkflow(FLOW_ROUTED, "198.51.100.7", 80, 9000, 10, 0, 1),
		mkflow(FLOW_ROUTED, "198.51.100.7", 80, 9000, 5, 0, 1),
		mkflow(FLOW_ROUTED, "198.51.100.8", 80, 10, 7, 0, 1),
		mkflow(FLOW_ROUTED, "198.51.100.9", 80, 5, 1, 0, 1),
	};
	const struct metrics_series *const *ss;
	size_t n;
	struct ct_addr c2 = tu_addr("10.9.0.2");

	(void)state;
	fl[0].key.owner = 1;
	fl[1].key.owner = 2;
	fl[2].key.owner = 3;
	fl[3].key.owner = 99;	/* unknown route */
	/* top 1: route 2 is folded (same bytes, a later key); 3 and 99 too. */
	feed(mx, fl, 4);
	n = metrics_series(mx, &ss);
	assert_int_equal(n, 2);
	assert_int_equal(ss[0]->key.dir, FLOW_ROUTED);
	assert_int_equal(ss[0]->key.peer_other, 0);
	assert_memory_equal(&ss[0]->key.client, &c2, sizeof c2);
	assert_int_equal(ss[0]->key.owner, 0);
	assert_int_equal(ss[0]->in_bytes, 10);
	assert_int_equal(ss[1]->key.peer_other, 1);
	assert_int_equal(ss[1]->in_bytes, 13);
	assert_int_equal(metrics_table(mx)->folded_peers[FLOW_ROUTED], 3);
	metrics_free(mx);

	/* With room for all: routes 1 and 2 (one client, one server) are one series. */
	o.top = 10;
	mx = metrics_new(&o);
	feed(mx, fl, 4);
	n = metrics_series(mx, &ss);
	assert_int_equal(n, 3);
	assert_int_equal(ss[0]->in_bytes, 15);
	assert_int_equal(ss[2]->key.client_unknown, 1);
	metrics_free(mx);

	o.routed = 0;
	mx = metrics_new(&o);
	feed(mx, fl, 4);
	assert_int_equal(metrics_series(mx, &ss), 0);
	metrics_free(mx);
}

static void test_owner_values(void **state)
{
	struct metrics_opts o = { .owners = 1, .owner_of = owner_stub };
	struct metrics *mx = metrics_new(&o);
	char v[160];

	(void)state;
	metrics_owner_value(mx, 0, v, sizeof v);
	assert_string_equal(v, "host");
	metrics_owner_value(mx, 7, v, sizeof v);
	assert_string_equal(v, "container:web");
	metrics_owner_value(mx, 8, v, sizeof v);
	assert_string_equal(v, "unknown");
	/* owner_id: the ID, or the number when unknown (never two series alike). */
	metrics_owner_id(mx, 7, v, sizeof v);
	assert_string_equal(v, "0123abcd");
	metrics_owner_id(mx, 8, v, sizeof v);
	assert_string_equal(v, "#8");
	metrics_free(mx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accumulate),
		cmocka_unit_test(test_passive_merge_and_peers),
		cmocka_unit_test(test_restart_monotonic),
		cmocka_unit_test(test_retain),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_port_fold),
		cmocka_unit_test(test_cardinality),
		cmocka_unit_test(test_keep_bound),
		cmocka_unit_test(test_owner_values),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_routed),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
