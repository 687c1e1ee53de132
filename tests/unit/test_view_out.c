/* Sorting and filtering views; the plain table and the JSON writer. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "flow.h"
#include "fmt.h"
#include "host.h"
#include "out.h"
#include "view.h"

struct fixture {
	struct host_info host;
	struct flow_opts opts;
	struct flow_table *t;
	const struct flow *rows[64];
};

static int setup(void **state)
{
	static struct fixture fx;
	struct ct_addr a = tu_addr("10.0.0.1");
	struct ct_entry es[] = {
		/* active 10.0.1.10:3306: 3 conns, 5523+ bytes */
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40001, "10.0.1.10", 3306, 10, 1000, 10, 2000),
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40002, "10.0.1.10", 3306, 10, 1000, 10, 2000),
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40003, "10.0.1.10", 3306, 10, 1000, 10, 2000),
		/* active [fd00::20]:6379: 1 conn, 6020 bytes */
		tu_plain(IPPROTO_TCP, "fd00::1", 40004, "fd00::20", 6379, 38, 2900, 40, 3120),
		/* active 10.0.1.9:11211 and 10.0.1.11:11211: same bytes, tie on address */
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40005, "10.0.1.11", 11211, 1, 100, 1, 100),
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40006, "10.0.1.9", 11211, 1, 100, 1, 100),
		/* passive :80 from 10.0.2.10 (2 conns), :443 from 10.0.2.11 */
		tu_plain(IPPROTO_TCP, "10.0.2.10", 50000, "10.0.0.1", 80, 23, 6416, 25, 25460),
		tu_plain(IPPROTO_TCP, "10.0.2.10", 50001, "10.0.0.1", 80, 1, 60, 1, 40),
		tu_plain(IPPROTO_TCP, "10.0.2.11", 50002, "10.0.0.1", 443, 100, 90000, 90, 100000),
	};

	host_init(&fx.host);
	host_add_addr(&fx.host, AF_INET, &a);
	a = tu_addr("fd00::1");
	host_add_addr(&fx.host, AF_INET6, &a);
	host_finish(&fx.host);
	memset(&fx.opts, 0, sizeof fx.opts);
	fx.opts.protos = FLOW_PROTO_TCP | FLOW_PROTO_UDP;
	fx.opts.families = FLOW_FAM_V4 | FLOW_FAM_V6;
	fx.t = flow_table_new(&fx.host, &fx.opts);
	flow_table_begin(fx.t);
	for (size_t i = 0; i < sizeof es / sizeof es[0]; i++)
		flow_table_add(fx.t, &es[i]);
	flow_table_end(fx.t);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	flow_table_free(fx->t);
	host_fini(&fx->host);
	return 0;
}

static size_t build(struct fixture *fx, unsigned dirs, enum view_sort s, int rev,
		    const struct port_filter *ap, const struct port_filter *pp)
{
	struct view_opts o = { .dirs = dirs, .aport = ap, .pport = pp, .sort = s, .reverse = rev };

	return view_build(fx->t, &o, fx->rows);
}

static void peer_of(const struct flow *f, char *buf, size_t len)
{
	fmt_flow_peer(f, NULL, buf, len);
}

static void assert_order(struct fixture *fx, size_t n, const char *const *want)
{
	char buf[FMT_ENDPOINT_MAX];

	for (size_t i = 0; i < n; i++) {
		peer_of(fx->rows[i], buf, sizeof buf);
		assert_string_equal(buf, want[i]);
	}
}

static void test_default_sort(void **state)
{
	struct fixture *fx = *state;
	static const char *const want[] = {
		"10.0.1.10:3306", "[fd00::20]:6379", "10.0.1.9:11211", "10.0.1.11:11211",
		"10.0.2.11:many", "10.0.2.10:many",
	};
	size_t n = build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);

	assert_int_equal(n, 6);
	/* Active first, each group by total bytes, ties by address. */
	assert_order(fx, n, want);
}

static void test_sort_keys(void **state)
{
	struct fixture *fx = *state;
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

	n = build(fx, VIEW_ACTIVE, VIEW_SORT_CONNS, 0, NULL, NULL);
	assert_int_equal(n, 4);
	assert_order(fx, n, conns);
	n = build(fx, VIEW_ACTIVE, VIEW_SORT_PORT, 0, NULL, NULL);
	assert_order(fx, n, port);
	n = build(fx, VIEW_ACTIVE, VIEW_SORT_PEER, 1, NULL, NULL);
	assert_order(fx, n, peer_rev);
	n = build(fx, VIEW_ACTIVE, VIEW_SORT_PACKETS, 0, NULL, NULL);
	assert_order(fx, n, pk);
	assert_int_equal(view_sort_parse("conns"), VIEW_SORT_CONNS);
	assert_int_equal(view_sort_parse("Connections"), VIEW_SORT_CONNS);
	assert_int_equal(view_sort_parse("nope"), -1);
	for (int s = 0; s < VIEW_SORT_MAX; s++)
		assert_int_equal(view_sort_parse(view_sort_name((enum view_sort)s)), s);
}

static void test_build_agrees_with_view_cmp(void **state)
{
	struct fixture *fx = *state;

	for (int s = 0; s < VIEW_SORT_MAX; s++) {
		for (int rev = 0; rev < 2; rev++) {
			size_t n = build(fx, VIEW_ACTIVE | VIEW_PASSIVE, (enum view_sort)s, rev,
					 NULL, NULL);

			assert_int_equal(n, 6);
			for (size_t i = 0; i + 1 < n; i++)
				assert_true(view_cmp(fx->rows[i], fx->rows[i + 1],
						     (enum view_sort)s, rev) < 0);
		}
	}
}

/*
 * view_build_array() sorts packed keys with its own merge sort; view_cmp()
 * compares flows field by field.  On 5,000 random flows full of ties (few
 * distinct counter values, peers and ports) and both families and
 * directions, every sort key, both ways, must come out strictly ordered by
 * view_cmp() and hold every matching flow once.
 */
static void test_build_large_agrees_with_view_cmp(void **state)
{
	enum { N = 5000 };
	static const uint64_t vals[] = { 0, 1, 2, 1000, UINT64_MAX };
	struct flow *flows = calloc(N, sizeof *flows);
	const struct flow **rows = calloc(N, sizeof *rows);
	unsigned char *seen = calloc(N, 1);
	uint64_t x = 7;

	(void)state;
	assert_non_null(flows);
	assert_non_null(rows);
	assert_non_null(seen);
	for (size_t i = 0; i < N; i++) {
		struct flow *f = &flows[i];
		uint64_t *c = &f->c.in_packets;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		/* The index spread over the key keeps keys unique; the rest of
		 * the key is shared, so that every field decides some ties. */
		f->key.port = (uint16_t)((i & 3) * 1000);
		f->key.proto = i >> 2 & 1 ? IPPROTO_UDP : IPPROTO_TCP;
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
	}
	for (int s = 0; s < VIEW_SORT_MAX; s++) {
		for (int rev = 0; rev < 2; rev++) {
			struct view_opts o = { .dirs = VIEW_ACTIVE | VIEW_PASSIVE,
					       .sort = (enum view_sort)s, .reverse = rev };
			size_t n = view_build_array(flows, N, &o, rows);

			assert_int_equal(n, N);
			memset(seen, 0, N);
			for (size_t i = 0; i < n; i++) {
				size_t k = (size_t)(rows[i] - flows);

				assert_true(k < N);
				assert_int_equal(seen[k], 0);
				seen[k] = 1;
				if (i + 1 < n)
					assert_true(view_cmp(rows[i], rows[i + 1],
							     (enum view_sort)s, rev) < 0);
			}
		}
	}
	free(seen);
	free(rows);
	free(flows);
}

static void test_filters(void **state)
{
	struct fixture *fx = *state;
	struct port_filter ap, pp;
	char err[64];
	size_t n;

	port_filter_init(&ap);
	port_filter_init(&pp);
	port_filter_parse(&ap, "3306,6379", err, sizeof err);
	port_filter_parse(&pp, "443", err, sizeof err);
	n = build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, &ap, &pp);
	assert_int_equal(n, 3);
	assert_int_equal(fx->rows[0]->key.port, 3306);
	assert_int_equal(fx->rows[1]->key.port, 6379);
	assert_int_equal(fx->rows[2]->key.port, 443);
	n = build(fx, VIEW_PASSIVE, VIEW_SORT_BYTES, 0, &ap, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(fx->rows[0]->key.dir, FLOW_PASSIVE);
	port_filter_fini(&ap);
	port_filter_fini(&pp);
}

/* Writes with fn into a memory stream and returns the text (caller frees). */
static char *capture(int (*fn)(FILE *, const struct flow *const *, size_t, const struct out_opts *),
		     struct fixture *fx, size_t n, const struct out_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(fn(fp, fx->rows, n, o), 0);
	fclose(fp);
	return buf;
}

static void test_table(void **state)
{
	struct fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = capture(out_table_write, fx, n, &o);
	static const char want[] =
		"Local Address:Port   <-->   Peer Address:Port  Inpkts  Inbytes  Outpkts  Outbytes  Conns\n"
		"localhost:many       -->    10.0.1.10:3306         30     6000       30      3000      3\n"
		"localhost:many       -->    [fd00::20]:6379        40     3120       38      2900      1\n"
		"localhost:many       -->    10.0.1.9:11211          1      100        1       100      1\n"
		"localhost:many       -->    10.0.1.11:11211         1      100        1       100      1\n"
		"localhost:443        <--    10.0.2.11:many        100    90000       90    100000      1\n"
		"localhost:80         <--    10.0.2.10:many         24     6476       26     25500      2\n";

	assert_string_equal(text, want);
	free(text);

	/* No rows: just the header, as the original. */
	text = capture(out_table_write, fx, 0, &o);
	assert_string_equal(text, "Local Address:Port   <-->   Peer Address:Port  Inpkts  Inbytes  Outpkts  Outbytes  Conns\n");
	free(text);
}

static const char *fake_name(void *arg, int family, const struct ct_addr *a)
{
	(void)arg;
	return family == AF_INET && a->b[3] == 10 ? "db1.example" : NULL;
}

static void test_table_names_and_proto(void **state)
{
	struct fixture *fx = *state;
	struct out_opts o = { .name_of = fake_name, .show_proto = 1 };
	size_t n = build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = capture(out_table_write, fx, n, &o);

	assert_non_null(strstr(text, "Conns  Proto\n"));
	assert_non_null(strstr(text, "localhost:many       -->    db1.example:3306       30     6000       30      3000      3  tcp\n"));
	free(text);
}

/* Feeds text to a command's stdin; returns its exit status. */
static int pipe_to(const char *cmd, const char *text)
{
	FILE *p = popen(cmd, "w");
	int st;

	assert_non_null(p);
	fputs(text, p);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_json(void **state)
{
	struct fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = capture(out_json_write, fx, n, &o);
	const char *first = "[{\"direction\":\"active\",\"local\":{\"addr\":\"localhost\",\"port\":\"many\"},"
		"\"peer\":{\"addr\":\"10.0.1.10\",\"port\":\"3306\"},\"stat\":{\"total_inbound_packets\":30,"
		"\"total_inbound_bytes\":6000,\"total_outbound_packets\":30,\"total_outbound_bytes\":3000},"
		"\"proto\":\"tcp\",\"connections\":3},";

	assert_memory_equal(text, first, strlen(first));
	assert_non_null(strstr(text, "{\"direction\":\"passive\",\"local\":{\"addr\":\"localhost\",\"port\":\"80\"},"
			    "\"peer\":{\"addr\":\"10.0.2.10\",\"port\":\"many\"}"));
	assert_non_null(strstr(text, "\"peer\":{\"addr\":\"fd00::20\",\"port\":\"6379\"}"));
	/* A real parser agrees: the schema's types and the values. */
	assert_int_equal(pipe_to("jq -e 'length == 6 and (.[0].stat.total_inbound_bytes == 6000) and "
				 "(.[0].peer.port == \"3306\") and (.[5].local.port == \"80\") and "
				 "(.[5].connections == 2) and all(.[]; (.stat.total_outbound_bytes|type) == \"number\")' "
				 ">/dev/null", text), 0);
	assert_int_equal(pipe_to("python3 -c 'import json,sys; d=json.load(sys.stdin); "
				 "assert [f[\"direction\"] for f in d] == [\"active\"]*4 + [\"passive\"]*2; "
				 "assert set(d[0]) == {\"direction\",\"local\",\"peer\",\"stat\",\"proto\",\"connections\"}'",
				 text), 0);
	free(text);

	text = capture(out_json_write, fx, 0, &o);
	assert_string_equal(text, "[]\n");
	free(text);
}

static const char *evil_name(void *arg, int family, const struct ct_addr *a)
{
	(void)arg;
	(void)family;
	(void)a;
	return "bad\"\\\x1b[31m\x07name";
}

static void test_json_escapes(void **state)
{
	struct fixture *fx = *state;
	struct out_opts o = { .name_of = evil_name };
	size_t n = build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = capture(out_json_write, fx, n, &o);

	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\x07'));
	assert_non_null(strstr(text, "\"bad\\\"\\\\\\u001b[31m\\u0007name\""));
	assert_int_equal(pipe_to("jq -e '.[0].peer.addr | test(\"^bad\")' >/dev/null", text), 0);
	free(text);
}

static void test_write_error(void **state)
{
	struct fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	FILE *fp = fopen("/dev/full", "w");

	assert_non_null(fp);
	assert_int_equal(out_table_write(fp, fx->rows, n, &o), -1);
	clearerr(fp);
	assert_int_equal(out_json_write(fp, fx->rows, n, &o), -1);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_sort),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_build_agrees_with_view_cmp),
		cmocka_unit_test(test_build_large_agrees_with_view_cmp),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_names_and_proto),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests_name("view_out", tests, setup, teardown);
}
