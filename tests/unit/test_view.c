/*
 * view.c: sorting (every key against a hand-written order, and the packed-key
 * sort against view_cmp), port filters, and the monitor's host filter.
 */
#include "testutil.h"

#include "lsct.h"

#include "fmt.h"
#include "view.h"

static void peer_of(const struct flow *f, char *buf, size_t len)
{
	fmt_flow_peer(f, NULL, buf, len);
}

static void assert_order(struct tu_fixture *fx, size_t n, const char *const *want)
{
	char buf[FMT_ENDPOINT_MAX];

	for (size_t i = 0; i < n; i++) {
		peer_of(fx->rows[i], buf, sizeof buf);
		assert_string_equal(buf, want[i]);
	}
}

static void test_default_sort(void **state)
{
	struct tu_fixture *fx = *state;
	static const char *const want[] = {
		"10.0.1.10:3306", "[fd00::20]:6379", "10.0.1.9:11211", "10.0.1.11:11211",
		"10.0.2.11:many", "10.0.2.10:many",
	};
	size_t n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);

	assert_int_equal(n, 6);
	/* Active first, each group by total bytes, ties by address. */
	assert_order(fx, n, want);
}

static void test_sort_keys(void **state)
{
	struct tu_fixture *fx = *state;
	static const char *const conns[] = {
		"10.0.1.10:3306", "10.0.1.9:11211", "10.0.1.11:11211", "[fd00::20]:6379",
	};
	static const char *const port[] = {
		"10.0.1.10:3306", "[fd00::20]:6379", "10.0.1.9:11211", "10.0.1.11:11211",
	};
	static const char *const peer_rev[] = {
		"[fd00::20]:6379", "10.0.1.11:11211", "10.0.1.10:3306", "10.0.1.9:11211",
	};
	static const char *const pk[] = {
		"[fd00::20]:6379", "10.0.1.10:3306", "10.0.1.9:11211", "10.0.1.11:11211",
	};
	size_t n;

	n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_CONNS, 0, NULL, NULL);
	assert_int_equal(n, 4);
	assert_order(fx, n, conns);
	n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_PORT, 0, NULL, NULL);
	assert_order(fx, n, port);
	n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_PEER, 1, NULL, NULL);
	assert_order(fx, n, peer_rev);
	n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_PACKETS, 0, NULL, NULL);
	assert_order(fx, n, pk);
	assert_int_equal(view_sort_parse("conns"), VIEW_SORT_CONNS);
	assert_int_equal(view_sort_parse("Connections"), VIEW_SORT_CONNS);
	assert_int_equal(view_sort_parse("nope"), -1);
	for (int s = 0; s < VIEW_SORT_MAX; s++)
		assert_int_equal(view_sort_parse(view_sort_name((enum view_sort)s)), s);
}

static void test_build_agrees_with_view_cmp(void **state)
{
	struct tu_fixture *fx = *state;

	for (int s = 0; s < VIEW_SORT_MAX; s++) {
		for (int rev = 0; rev < 2; rev++) {
			size_t n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, (enum view_sort)s, rev,
					 NULL, NULL);

			assert_int_equal(n, 6);
			for (size_t i = 0; i + 1 < n; i++)
				assert_true(view_cmp(NULL, fx->rows[i], fx->rows[i + 1],
						     (enum view_sort)s, rev) < 0);
		}
	}
}

/*
 * view_build_array() sorts packed keys with its own sort; view_cmp()
 * compares flows field by field.  On 40,000 random flows full of ties (few
 * distinct counter values, peers and ports) and both families and
 * directions, every sort key, both ways, must come out strictly ordered by
 * view_cmp() and hold every matching flow once.  A direction of about
 * 20,000 rows is sorted in runs of 16,384 and merged (view.c), or with
 * whole in one piece, which must give the same rows.
 */
static void test_build_large_agrees_with_view_cmp(void **state)
{
	enum { N = 40000 };
	static const uint64_t vals[] = { 0, 1, 2, 1000, UINT64_MAX };
	struct flow *flows = calloc(N, sizeof *flows);
	struct flow_proc *procs = calloc(N, sizeof *procs);
	const struct flow **rows = calloc(N, sizeof *rows);
	uint32_t *idx = calloc(N, sizeof *idx);
	unsigned char *seen = calloc(N, 1);
	struct flow_side side = { flows, procs };
	uint64_t x = 7;

	(void)state;
	assert_non_null(flows);
	assert_non_null(procs);
	assert_non_null(idx);
	assert_non_null(rows);
	assert_non_null(seen);
	for (size_t i = 0; i < N; i++) {
		struct flow *f = &flows[i];
		uint64_t *c = &f->c.in_packets;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		/* The index spread over the key keeps keys unique; the rest of
		 * the key is shared, so that every field decides some ties. */
		f->key.port = (uint16_t)((i & 3) * 1000);
		/* ICMP too: port-less, sorted by port after every port. */
		f->key.proto = i >> 2 & 1 ? IPPROTO_UDP : x >> 40 & 1 ? IPPROTO_ICMP : IPPROTO_TCP;
		f->key.dir = (uint8_t)(i >> 3 & 1);
		f->key.peer.b[3] = (uint8_t)(i >> 4);
		f->key.peer.b[2] = (uint8_t)(i >> 12);
		f->key.peer.b[0] = (uint8_t)(x >> 32 & 1);
		f->key.family = x >> 59 & 1 ? AF_INET6 : AF_INET;
		if (f->key.family == AF_INET6)
			f->key.peer.b[15] = (uint8_t)(x >> 36 & 3);
		for (int k = 0; k < 4; k++)
			c[k] = vals[(x >> (8 * k)) % 5];
		f->conns = vals[(x >> 20) % 5];
		f->d.in_bytes = vals[(x >> 24) % 5];
		f->d.out_bytes = vals[(x >> 28) % 3];
		f->d.in_packets = vals[(x >> 44) % 3];
		f->d.out_packets = vals[(x >> 48) % 5];
		f->d.new_conns = vals[(x >> 52) % 3];
		f->d.closed_conns = vals[(x >> 56) % 3];
		/* -P's records, beside the flows: the RTT and retransmission sorts. */
		procs[i].rtt_us = (uint32_t)vals[(x >> 12) % 4];
		procs[i].retrans = (uint32_t)vals[(x >> 16) % 3];
	}
	for (int s = 0; s < VIEW_SORT_MAX; s++) {
		for (int rev = 0; rev < 2; rev++) {
			struct view_opts o = { .dirs = VIEW_ACTIVE | VIEW_PASSIVE,
					       .sort = (enum view_sort)s, .reverse = rev,
					       .procs = procs };
			size_t n;

			/* One-shot runs sort each direction in one piece: the same order. */
			o.whole = 1;
			assert_int_equal(view_build_index(flows, N, &o, idx), N);
			o.whole = 0;
			n = view_build_array(flows, N, &o, rows);
			assert_int_equal(n, N);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(idx[i], (size_t)(rows[i] - flows));
			/* The panes' form: the same rows as flow numbers. */
			assert_int_equal(view_build_index(flows, N, &o, idx), N);
			memset(seen, 0, N);
			for (size_t i = 0; i < n; i++) {
				size_t k = (size_t)(rows[i] - flows);

				assert_true(k < N);
				assert_int_equal(idx[i], k);
				assert_int_equal(seen[k], 0);
				seen[k] = 1;
				if (i + 1 < n)
					assert_true(view_cmp(&side, rows[i], rows[i + 1],
							     (enum view_sort)s, rev) < 0);
			}
		}
	}
	/*
	 * A pane with no rows yet passes none: nothing matches, nothing is
	 * written, and the order's own buffer is given back (the leak check
	 * of the sanitized run fails otherwise).
	 */
	{
		struct view_opts none = { .dirs = 0 };

		assert_int_equal(view_build_index(flows, N, &none, NULL), 0);
		assert_int_equal(view_build_array(flows, N, &none, NULL), 0);
	}
	free(seen);
	free(idx);
	free(rows);
	free(procs);
	free(flows);
}

/*
 * The sort's hard cases for a quicksort: 20,000 flows already in order,
 * in reverse order, all equal but for the tie-break, and in an organ-pipe
 * order (up, then down), for a metric and for the peer both ways; each
 * must come out ordered by view_cmp() with every flow once.
 */
static void test_build_ordered_input(void **state)
{
	enum { N = 20000 };
	struct flow *flows = calloc(N, sizeof *flows);
	const struct flow **rows = calloc(N, sizeof *rows);
	unsigned char *seen = calloc(N, 1);

	(void)state;
	assert_non_null(flows);
	assert_non_null(rows);
	assert_non_null(seen);
	for (int shape = 0; shape < 4; shape++) {
		for (size_t i = 0; i < N; i++) {
			struct flow *f = &flows[i];
			uint64_t v = shape == 0 ? i : shape == 1 ? N - i : shape == 2 ? 7 :
				     i < N / 2 ? i : N - i;

			memset(f, 0, sizeof *f);
			f->key.family = AF_INET;
			f->key.proto = IPPROTO_TCP;
			f->key.port = 443;
			f->key.peer.b[0] = 10;
			f->key.peer.b[1] = (uint8_t)(v >> 16);
			f->key.peer.b[2] = (uint8_t)(v >> 8);
			f->key.peer.b[3] = (uint8_t)v;
			f->c.in_bytes = v;
		}
		for (int k = 0; k < 4; k++) {
			enum view_sort sort = k < 2 ? VIEW_SORT_BYTES : VIEW_SORT_PEER;
			int rev = k & 1;
			struct view_opts o = { .dirs = VIEW_ACTIVE | VIEW_PASSIVE, .sort = sort,
					       .reverse = rev };
			size_t n = view_build_array(flows, N, &o, rows);

			assert_int_equal(n, N);
			memset(seen, 0, N);
			for (size_t i = 0; i < n; i++) {
				size_t at = (size_t)(rows[i] - flows);

				assert_true(at < N);
				assert_int_equal(seen[at], 0);
				seen[at] = 1;
				if (i + 1 < n)
					assert_true(view_cmp(NULL, rows[i], rows[i + 1], sort, rev) <= 0);
			}
		}
	}
	free(seen);
	free(rows);
	free(flows);
}

static void test_filters(void **state)
{
	struct tu_fixture *fx = *state;
	struct port_filter ap, pp;
	char err[64];
	size_t n;

	port_filter_init(&ap);
	port_filter_init(&pp);
	port_filter_parse(&ap, "3306,6379", err, sizeof err);
	port_filter_parse(&pp, "443", err, sizeof err);
	n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, &ap, &pp);
	assert_int_equal(n, 3);
	assert_int_equal(fx->rows[0]->key.port, 3306);
	assert_int_equal(fx->rows[1]->key.port, 6379);
	assert_int_equal(fx->rows[2]->key.port, 443);
	n = tu_build(fx, VIEW_PASSIVE, VIEW_SORT_BYTES, 0, &ap, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(fx->rows[0]->key.dir, FLOW_PASSIVE);
	port_filter_fini(&ap);
	port_filter_fini(&pp);
}

/*
 * Every metric sort key against an order written out by hand.  Five active
 * flows whose fields are set so that each key orders them differently: a key
 * that read the wrong field, or one half of a sum, gives another order.
 */
static void test_sort_every_metric(void **state)
{
	/* in_packets, in_bytes, out_packets, out_bytes, conns; the deltas:
	 * in_packets, in_bytes, out_packets, out_bytes, new, closed. */
	static const uint64_t v[5][13] = {
		{ 20, 300, 11, 110, 5, 40, 1000, 34, 5600, 3, 4, 900, 7 },
		{ 50, 400, 22, 330, 2, 30, 5000, 23, 3400, 5, 1, 300, 0 },
		{ 30, 200, 44, 550, 3, 50, 2000, 12, 4500, 1, 2, 0, 9 },
		{ 10, 100, 33, 220, 1, 20, 4000, 56, 1200, 2, 5, 450000, 1 },
		{ 40, 500, 55, 440, 4, 10, 3000, 45, 2300, 4, 3, 1200, 3 },
	};
	/* Biggest first: flow numbers in the expected order. */
	static const struct {
		enum view_sort s;
		const char *order;
	} want[] = {
		{ VIEW_SORT_BYTES, "42103" },	/* 940 750 730 410 320 */
		{ VIEW_SORT_PACKETS, "42130" },	/* 95 74 72 43 31 */
		{ VIEW_SORT_INBYTES, "41023" },
		{ VIEW_SORT_OUTBYTES, "24130" },
		{ VIEW_SORT_INPKTS, "14203" },
		{ VIEW_SORT_OUTPKTS, "42310" },
		{ VIEW_SORT_CONNS, "04213" },
		{ VIEW_SORT_RATE, "10243" },	/* 8400 6600 6500 5300 5200 */
		{ VIEW_SORT_INRATE, "13420" },
		{ VIEW_SORT_OUTRATE, "02143" },
		{ VIEW_SORT_PPS, "30241" },	/* 76 74 62 55 53 */
		{ VIEW_SORT_INPPS, "20134" },
		{ VIEW_SORT_OUTPPS, "34012" },
		{ VIEW_SORT_NEW, "14032" },
		{ VIEW_SORT_CLOSED, "30421" },
		{ VIEW_SORT_RTT, "34012" },	/* -P: microseconds */
		{ VIEW_SORT_RETRANS, "20431" },
	};
	struct flow flows[5];
	struct flow_proc procs[5];
	const struct flow *rows[5];
	unsigned seen = 0;

	(void)state;
	memset(flows, 0, sizeof flows);
	memset(procs, 0, sizeof procs);
	for (int i = 0; i < 5; i++) {
		struct flow *f = &flows[i];

		f->key.family = AF_INET;
		f->key.proto = IPPROTO_TCP;
		f->key.dir = FLOW_ACTIVE;
		f->key.port = 443;
		f->key.peer = tu_addr("10.0.0.1");
		f->key.peer.b[3] = (uint8_t)(i + 1);
		f->c.in_packets = v[i][0];
		f->c.in_bytes = v[i][1];
		f->c.out_packets = v[i][2];
		f->c.out_bytes = v[i][3];
		f->conns = v[i][4];
		f->d.in_packets = v[i][5];
		f->d.in_bytes = v[i][6];
		f->d.out_packets = v[i][7];
		f->d.out_bytes = v[i][8];
		f->d.new_conns = v[i][9];
		f->d.closed_conns = v[i][10];
		procs[i].rtt_us = (uint32_t)v[i][11];
		procs[i].retrans = (uint32_t)v[i][12];
	}
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		for (int rev = 0; rev < 2; rev++) {
			struct view_opts o = { .dirs = VIEW_ACTIVE, .sort = want[k].s,
					       .reverse = rev, .procs = procs };
			char got[6];

			assert_int_equal(view_build_array(flows, 5, &o, rows), 5);
			for (int i = 0; i < 5; i++)
				got[rev ? 4 - i : i] = (char)('0' + (rows[i] - flows));
			got[5] = '\0';
			if (strcmp(got, want[k].order) != 0)
				fail_msg("sort %s%s: got %s, want %s", view_sort_name(want[k].s),
					 rev ? " reversed" : "", got, want[k].order);
		}
		seen |= 1u << want[k].s;
	}
	/* Every key but the two ascending ones (peer, port: above) is here. */
	assert_int_equal(seen | 1u << VIEW_SORT_PEER | 1u << VIEW_SORT_PORT,
			 (1u << VIEW_SORT_MAX) - 1);
}

/* ---- host filter ---------------------------------------------------------- */

static int match(const char *filter, const char *addr, const char *name)
{
	struct host_filter f;
	struct ct_addr a = tu_addr(addr);
	char err[128];

	assert_int_equal(host_filter_parse(&f, filter, err, sizeof err), 0);
	return host_filter_match(&f, strchr(addr, ':') ? AF_INET6 : AF_INET, &a, name);
}

static void test_prefixes(void **state)
{
	(void)state;
	assert_true(match("10.0.0.0/8", "10.200.3.4", NULL));
	assert_false(match("10.0.0.0/8", "11.0.0.1", NULL));
	assert_true(match("192.168.1.128/25", "192.168.1.200", NULL));
	assert_false(match("192.168.1.128/25", "192.168.1.100", NULL));
	/* Host bits in the filter are ignored, as ip route does. */
	assert_true(match("10.1.2.3/16", "10.1.99.1", NULL));
	assert_true(match("fd00::/8", "fd12:3456::1", NULL));
	assert_false(match("fd00::/8", "fe80::1", NULL));
	assert_true(match("0.0.0.0/0", "1.2.3.4", NULL));
	/* A family never matches the other. */
	assert_false(match("0.0.0.0/0", "::1", NULL));
	assert_false(match("::/0", "1.2.3.4", NULL));
}

static void test_addresses(void **state)
{
	(void)state;
	assert_true(match("10.0.0.1", "10.0.0.1", NULL));
	assert_false(match("10.0.0.1", "10.0.0.10", NULL));
	assert_true(match("fd00::1", "fd00::1", NULL));
	assert_false(match("fd00::1", "fd00::2", NULL));
}

static void test_substrings(void **state)
{
	(void)state;
	assert_true(match("10.0.0", "10.0.0.17", NULL));
	assert_true(match("db", "10.0.0.1", "DB1.example.com"));
	assert_false(match("web", "10.0.0.1", "db1.example.com"));
	assert_false(match("web", "10.0.0.1", NULL));
	assert_true(match("  fd00:  ", "fd00::5", NULL));
	/* Empty text matches everything (the filter is cleared). */
	assert_true(match("", "1.2.3.4", NULL));
}

static void test_bad_input(void **state)
{
	struct host_filter f;
	char err[128], longer[200];

	(void)state;
	f.kind = HOST_FILTER_TEXT;
	strcpy(f.text, "keep");
	assert_int_equal(host_filter_parse(&f, "10.0.0.0/33", err, sizeof err), -1);
	assert_non_null(strstr(err, "0-32"));
	assert_int_equal(host_filter_parse(&f, "fd00::/129", err, sizeof err), -1);
	assert_int_equal(host_filter_parse(&f, "nothost/8", err, sizeof err), -1);
	assert_int_equal(host_filter_parse(&f, "10.0.0.0/x", err, sizeof err), -1);
	assert_int_equal(host_filter_parse(&f, "two words", err, sizeof err), -1);
	assert_int_equal(host_filter_parse(&f, "bell\a", err, sizeof err), -1);
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(host_filter_parse(&f, longer, err, sizeof err), -1);
	/* A refused filter leaves the old one in place. */
	assert_int_equal(f.kind, HOST_FILTER_TEXT);
	assert_string_equal(f.text, "keep");
}

static int labels(void *arg, uint32_t id, struct owner_label *l)
{
	static const struct owner_label ls[] = {
		{ OWNER_HOST, "myhost", "netns:[4026531840]" },
		{ OWNER_CONTAINER, "web-frontend", "0123456789abcdef" },
		{ OWNER_POD, "default/db", "7c1e-uid" },
		{ OWNER_NETNS, "lab", "netns:[4026532003]" },
	};

	(void)arg;
	if (id >= ARRAY_LEN(ls))
		return -1;
	*l = ls[id];
	return 0;
}

/* Which of owners 0..4 (4: unknown) the filter keeps, as "01234" digits. */
static void owner_keeps(struct tu_fixture *fx, const char *text, const char *want)
{
	struct owner_filter of;
	struct view_opts o = { .dirs = VIEW_ACTIVE | VIEW_PASSIVE, .owner = &of,
			       .owner_of = labels };
	char err[160], got[8] = "";
	struct flow f;

	assert_int_equal(owner_filter_parse(&of, text, err, sizeof err), 0);
	f = flow_table_flows(fx->t)[0];
	for (uint32_t id = 0; id < 5; id++) {
		f.key.owner = id;
		if (view_match(&o, &f))
			got[strlen(got)] = (char)('0' + id);
	}
	if (strcmp(got, want) != 0)
		fail_msg("--owner '%s': kept '%s', want '%s'", text, got, want);
}

static void test_owner_filter(void **state)
{
	struct tu_fixture *fx = *state;
	struct owner_filter of;
	char err[160], text[200];

	owner_keeps(fx, "", "01234");
	owner_keeps(fx, "web", "1");
	owner_keeps(fx, "WEB-F", "1");		/* any case */
	owner_keeps(fx, "frontend", "1");	/* a part of the name */
	owner_keeps(fx, "0123456", "1");	/* the start of the id */
	owner_keeps(fx, "456789", "");		/* not a part of the id */
	owner_keeps(fx, "container:", "1");
	owner_keeps(fx, "pod:", "2");
	owner_keeps(fx, "pod:default/", "2");
	owner_keeps(fx, "pod:web", "");
	owner_keeps(fx, "host:", "0");
	owner_keeps(fx, "netns:", "3");
	owner_keeps(fx, "netns:[4026532003]", "3");
	owner_keeps(fx, "netns:4026532003", "3");
	owner_keeps(fx, "4026532003", "3");	/* the inode of a netns:[N] id */
	owner_keeps(fx, "402653", "03");	/* the start of both inodes */
	owner_keeps(fx, "  lab ", "3");
	owner_keeps(fx, "Pod:DB", "2");

	assert_int_equal(owner_filter_parse(&of, "vm:x", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown kind 'vm'"));
	assert_int_equal(owner_filter_parse(&of, "a\033b", err, sizeof err), -1);
	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	assert_int_equal(owner_filter_parse(&of, text, err, sizeof err), -1);
	/* The prompt's text gives the same filter back. */
	assert_int_equal(owner_filter_parse(&of, "pod:db", err, sizeof err), 0);
	owner_filter_text(&of, text, sizeof text);
	assert_string_equal(text, "pod:db");
	assert_int_equal(owner_filter_parse(&of, "", err, sizeof err), 0);
	assert_false(of.set);
	owner_filter_text(&of, text, sizeof text);
	assert_string_equal(text, "");
}

/* Routed flows 1..3: clients 192.168.1.1 .. .3. */
static int routes_of(void *arg, uint32_t id, struct flow_route *r)
{
	(void)arg;
	if (id < 1 || id > 3)
		return -1;
	memset(r, 0, sizeof *r);
	r->family = AF_INET;
	r->client = tu_addr("192.168.1.0");
	r->client.b[3] = (uint8_t)id;
	return 0;
}

/*
 * Routed flows come after the passive ones, in their own sort order; -a's
 * port filter takes their server port, -p's does not; the owner filter
 * passes none; the host filter matches their server or their client.
 */
static void test_routed_group(void **state)
{
	struct tu_fixture *fx = *state;
	size_t base = flow_table_count(fx->t), n;
	struct flow flows[16];
	const struct flow *rows[16];
	struct port_filter ap, pp;
	struct host_filter hf;
	struct owner_filter of;
	struct view_opts o = { .dirs = VIEW_ACTIVE | VIEW_PASSIVE | VIEW_ROUTED,
			       .sort = VIEW_SORT_BYTES, .route_of = routes_of };
	char err[160];

	assert_true(base + 3 <= ARRAY_LEN(flows));
	memcpy(flows, flow_table_flows(fx->t), base * sizeof *flows);
	for (uint32_t i = 0; i < 3; i++) {
		struct flow *f = &flows[base + i];

		memset(f, 0, sizeof *f);
		f->key.family = AF_INET;
		f->key.proto = IPPROTO_TCP;
		f->key.dir = FLOW_ROUTED;
		f->key.owner = i + 1;
		f->key.peer = tu_addr("198.51.100.7");
		f->key.port = (uint16_t)(i == 2 ? 22 : 443);
		f->c.in_bytes = 1000 * (i + 1);	/* the third is the biggest */
	}
	n = view_build_array(flows, base + 3, &o, rows);
	assert_int_equal(n, base + 3);
	for (size_t i = 0; i < n; i++) {
		unsigned want = i < 4 ? FLOW_ACTIVE : i < base ? FLOW_PASSIVE : FLOW_ROUTED;

		assert_int_equal(rows[i]->key.dir, want);
	}
	assert_int_equal(rows[base]->key.owner, 3);
	assert_int_equal(rows[base + 2]->key.owner, 1);
	/* Not asked for: not there. */
	o.dirs = VIEW_ACTIVE | VIEW_PASSIVE;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), base);
	o.dirs = VIEW_ROUTED;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 3);

	port_filter_init(&ap);
	port_filter_init(&pp);
	assert_int_equal(port_filter_parse(&ap, "22", err, sizeof err), 0);
	assert_int_equal(port_filter_parse(&pp, "443", err, sizeof err), 0);
	o.aport = &ap;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 1);
	assert_int_equal(rows[0]->key.port, 22);
	o.aport = NULL;
	o.pport = &pp;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 3);
	o.pport = NULL;

	assert_int_equal(owner_filter_parse(&of, "host:", err, sizeof err), 0);
	o.owner = &of;
	o.owner_of = labels;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 0);
	o.owner = NULL;

	assert_int_equal(host_filter_parse(&hf, "192.168.1.2", err, sizeof err), 0);
	o.host = &hf;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 1);
	assert_int_equal(rows[0]->key.owner, 2);
	assert_int_equal(host_filter_parse(&hf, "198.51.100.0/24", err, sizeof err), 0);
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 3);
	/* Without route_of, only the server can match. */
	assert_int_equal(host_filter_parse(&hf, "192.168.1.0/24", err, sizeof err), 0);
	o.route_of = NULL;
	assert_int_equal(view_build_array(flows, base + 3, &o, rows), 0);
	port_filter_fini(&ap);
	port_filter_fini(&pp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_sort),
		cmocka_unit_test(test_owner_filter),
		cmocka_unit_test(test_routed_group),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_sort_every_metric),
		cmocka_unit_test(test_build_agrees_with_view_cmp),
		cmocka_unit_test(test_build_large_agrees_with_view_cmp),
		cmocka_unit_test(test_build_ordered_input),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_substrings),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("view", tests, tu_fixture_setup, tu_fixture_teardown);
}
