/* out_table.c: the plain table, one-shot and as a stream with rate columns. */
#include "testutil.h"

#include "out.h"

static void test_table(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = tu_capture(out_table_write, fx->rows, n, &o);
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
	text = tu_capture(out_table_write, fx->rows, 0, &o);
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
	struct tu_fixture *fx = *state;
	struct out_opts o = { .name_of = fake_name, .show_proto = 1 };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = tu_capture(out_table_write, fx->rows, n, &o);

	assert_non_null(strstr(text, "Conns  Proto\n"));
	assert_non_null(strstr(text, "localhost:many       -->    db1.example:3306       30     6000       30      3000      3  tcp\n"));
	free(text);
}

/*
 * A stream: a time line before each snapshot; rate columns only once there
 * is an interval, each the delta divided by the interval's seconds.
 */
static void test_table_stream(void **state)
{
	struct flow f[2];
	const struct flow *rows[2] = { &f[0], &f[1] };
	struct out_opts o = { .stream = 1, .time = "2026-01-02T03:04:05Z" };
	char *text;
	static const char first[] =
		"# time 2026-01-02T03:04:05Z interval -\n"
		"Local Address:Port   <-->   Peer Address:Port  Inpkts  Inbytes  Outpkts  Outbytes  Conns\n"
		"localhost:many       -->    10.0.1.10:3306         30     6000       31      3000      3\n"
		"localhost:80         <--    10.0.2.10:many         24     6476       26     25500      2\n";
	/* In/s 3000/2 and 500/2, Out/s 1001/2 and 12345/2, packets 11/2 7/2 5/2 3/2. */
	static const char later[] =
		"# time 2026-01-02T03:04:05Z interval 2.000\n"
		"Local Address:Port   <-->   Peer Address:Port  Inpkts  Inbytes  Outpkts  Outbytes  Conns    In/s   Out/s  InPkt/s  OutPkt/s  New  Closed\n"
		"localhost:many       -->    10.0.1.10:3306         30     6000       31      3000      3  1500.0   500.5      5.5       3.5    2       1\n"
		"localhost:80         <--    10.0.2.10:many         24     6476       26     25500      2   250.0  6172.5      2.5       1.5    0       4\n";

	(void)state;
	tu_stream_flows(f);
	/* The first snapshot has no interval: no rates, whatever the deltas hold. */
	text = tu_capture(out_table_write, rows, 2, &o);
	assert_string_equal(text, first);
	free(text);
	o.interval = 2.0;
	text = tu_capture(out_table_write, rows, 2, &o);
	assert_string_equal(text, later);
	free(text);
	/* A quarter second: rates four times the deltas. */
	o.interval = 0.25;
	o.show_proto = 1;
	text = tu_capture(out_table_write, rows, 1, &o);
	assert_non_null(strstr(text, "  Conns  Proto     In/s   Out/s  InPkt/s  OutPkt/s  New  Closed\n"));
	assert_non_null(strstr(text, "      3  tcp    12000.0  4004.0     44.0      28.0    2       1\n"));
	free(text);
}

static void test_table_write_error(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	FILE *fp = fopen("/dev/full", "w");

	assert_non_null(fp);
	assert_int_equal(out_table_write(fp, fx->rows, n, &o), -1);
	fclose(fp);
}

static int fake_owner(void *arg, uint32_t id, struct owner_label *l)
{
	(void)arg;
	if (id > 1)
		return -1;
	memset(l, 0, sizeof *l);
	l->kind = id ? OWNER_CONTAINER : OWNER_HOST;
	strcpy(l->name, id ? "web" : "myhost");
	strcpy(l->id, id ? "0123456789ab" : "netns:[1]");
	return 0;
}

/* Owner: last, only when some row is another namespace's. */
static void test_table_owner_column(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts plain = { 0 }, o = { .owners = 1, .owner_of = fake_owner };
	size_t n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *want = tu_capture(out_table_write, fx->rows, n, &plain);
	char *text = tu_capture(out_table_write, fx->rows, n, &o);
	struct flow fl[3];
	const struct flow *rows[3] = { &fl[0], &fl[1], &fl[2] };

	/* A plain host with owners on looks exactly as before. */
	assert_string_equal(text, want);
	free(text);
	free(want);
	for (int i = 0; i < 3; i++) {
		fl[i] = *fx->rows[i];
		fl[i].key.owner = (uint32_t)i;
	}
	text = tu_capture(out_table_write, rows, 3, &o);
	assert_string_equal(text,
		"Local Address:Port   <-->   Peer Address:Port  Inpkts  Inbytes  Outpkts  Outbytes  Conns  Owner\n"
		"localhost:many       -->    10.0.1.10:3306         30     6000       30      3000      3  -\n"
		"localhost:many       -->    [fd00::20]:6379        40     3120       38      2900      1  web\n"
		"localhost:many       -->    10.0.1.9:11211          1      100        1       100      1  ?\n");
	free(text);
	/* Owners off: no column even with owners in the keys. */
	text = tu_capture(out_table_write, rows, 3, &plain);
	assert_null(strstr(text, "Owner"));
	free(text);
	/* After the Proto column, lined up. */
	o.show_proto = 1;
	text = tu_capture(out_table_write, rows, 2, &o);
	assert_non_null(strstr(text, "Conns  Proto  Owner\n"));
	assert_non_null(strstr(text, "      3  tcp    -\n"));
	free(text);
}

/*
 * Routed flows' clients and NAT, in the family of the fixture's rows:
 * 1 plain (IPv4), 2 DNAT (IPv6), 3 SNAT (IPv4), others unknown.
 */
static int fake_route(void *arg, uint32_t id, struct flow_route *r)
{
	(void)arg;
	if (id < 1 || id > 3)
		return -1;
	memset(r, 0, sizeof *r);
	r->family = id == 2 ? AF_INET6 : AF_INET;
	r->client = tu_addr(id == 1 ? "192.168.1.5" : id == 2 ? "fd00::5" : "192.168.1.6");
	if (id == 2) {
		r->nat = ROUTE_DNAT;
		r->dnat = tu_addr("fd00::99");
		r->dnat_port = 8443;
	} else if (id == 3) {
		r->nat = ROUTE_SNAT;
		r->snat = tu_addr("198.51.100.1");
	}
	return 0;
}

/* Routed rows: the client on the left, the server and its NAT on the right; no owner. */
static void test_table_routed(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { .owners = 1, .owner_of = fake_owner, .route_of = fake_route };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	struct flow fl[4];
	const struct flow *rows[4] = { &fl[0], &fl[1], &fl[2], &fl[3] };
	char *text;

	assert_true(n >= 3);
	for (int i = 0; i < 4; i++) {
		fl[i] = *fx->rows[i < 3 ? i : 0];
		fl[i].key.dir = FLOW_ROUTED;
		fl[i].key.owner = (uint32_t)i + 1;
	}
	text = tu_capture(out_table_write, rows, 4, &o);
	assert_string_equal(text,
		"Local Address:Port   <-->   Peer Address:Port                       Inpkts  Inbytes  Outpkts  Outbytes  Conns\n"
		"192.168.1.5:many     -->    10.0.1.10:3306                              30     6000       30      3000      3\n"
		"[fd00::5]:many       -->    [fd00::20]:6379 (dnat [fd00::99]:8443)      40     3120       38      2900      1\n"
		"192.168.1.6:many     -->    10.0.1.9:11211 (snat 198.51.100.1)           1      100        1       100      1\n"
		"?:many               -->    10.0.1.10:3306                              30     6000       30      3000      3\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_names_and_proto),
		cmocka_unit_test(test_table_stream),
		cmocka_unit_test(test_table_write_error),
		cmocka_unit_test(test_table_owner_column),
		cmocka_unit_test(test_table_routed),
	};

	return cmocka_run_group_tests_name("out_table", tests, tu_fixture_setup,
					   tu_fixture_teardown);
}
