/* out_json.c: the original's JSON schema, escaping, and the NDJSON stream. */
#include "testutil.h"

#include "out.h"
#include "outbuf.h"

static void test_json(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = tu_capture(out_json_write, fx->rows, n, &o);
	const char *first = "[{\"direction\":\"active\",\"local\":{\"addr\":\"localhost\",\"port\":\"many\"},"
		"\"peer\":{\"addr\":\"10.0.1.10\",\"port\":\"3306\"},\"stat\":{\"total_inbound_packets\":30,"
		"\"total_inbound_bytes\":6000,\"total_outbound_packets\":30,\"total_outbound_bytes\":3000},"
		"\"proto\":\"tcp\",\"connections\":3},";

	assert_memory_equal(text, first, strlen(first));
	assert_non_null(strstr(text, "{\"direction\":\"passive\",\"local\":{\"addr\":\"localhost\",\"port\":\"80\"},"
			    "\"peer\":{\"addr\":\"10.0.2.10\",\"port\":\"many\"}"));
	assert_non_null(strstr(text, "\"peer\":{\"addr\":\"fd00::20\",\"port\":\"6379\"}"));
	/* A real parser agrees: the schema's types and the values. */
	assert_int_equal(tu_pipe_to("jq -e 'length == 6 and (.[0].stat.total_inbound_bytes == 6000) and "
				 "(.[0].peer.port == \"3306\") and (.[5].local.port == \"80\") and "
				 "(.[5].connections == 2) and all(.[]; (.stat.total_outbound_bytes|type) == \"number\")' "
				 ">/dev/null", text), 0);
	assert_int_equal(tu_pipe_to("python3 -c 'import json,sys; d=json.load(sys.stdin); "
				 "assert [f[\"direction\"] for f in d] == [\"active\"]*4 + [\"passive\"]*2; "
				 "assert set(d[0]) == {\"direction\",\"local\",\"peer\",\"stat\",\"proto\",\"connections\"}; "
				 "assert all(set(f[\"peer\"]) == {\"addr\",\"port\"} for f in d)'",
				 text), 0);
	free(text);

	text = tu_capture(out_json_write, fx->rows, 0, &o);
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
	struct tu_fixture *fx = *state;
	struct out_opts o = { .name_of = evil_name };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = tu_capture(out_json_write, fx->rows, n, &o);

	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\x07'));
	assert_non_null(strstr(text, "\"bad\\\"\\\\\\u001b[31m\\u0007name\""));
	/* The name goes in "name", last in the peer object; "addr" stays numeric. */
	assert_non_null(strstr(text, "\"peer\":{\"addr\":\"10.0.1.10\",\"port\":\"3306\","
			    "\"name\":\"bad"));
	assert_int_equal(tu_pipe_to("jq -e '(.[0].peer.name | test(\"^bad\")) and "
				    "(.[0].peer.addr == \"10.0.1.10\") and "
				    "all(.[]; (.peer | keys_unsorted) == [\"addr\",\"port\",\"name\"])' "
				    ">/dev/null", text), 0);
	free(text);
}

/* Names for some peers only: "name" is there exactly when one is known. */
static const char *some_names(void *arg, int family, const struct ct_addr *a)
{
	struct ct_addr db = tu_addr("10.0.1.10");

	(void)arg;
	return family == AF_INET && ct_addr_equal(a, &db) ? "db1.example" : NULL;
}

static void test_json_name_key(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { .name_of = some_names };
	size_t n = tu_build(fx, VIEW_ACTIVE | VIEW_PASSIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text = tu_capture(out_json_write, fx->rows, n, &o);

	assert_non_null(strstr(text, "\"peer\":{\"addr\":\"10.0.1.10\",\"port\":\"3306\","
			    "\"name\":\"db1.example\"},\"stat\""));
	assert_non_null(strstr(text, "\"peer\":{\"addr\":\"10.0.2.10\",\"port\":\"many\"},"));
	assert_int_equal(tu_pipe_to("jq -e '([.[] | select(.peer | has(\"name\"))] | length) == 1 "
				    "and all(.[]; .peer.addr | test(\"^[0-9a-f.:]+$\"))' >/dev/null",
				    text), 0);
	free(text);
}

/*
 * A stream: one object per line.  The first snapshot has "interval":null and
 * every flow "delta":null; later ones the interval and each delta field from
 * its own counter.
 */
static void test_json_stream(void **state)
{
	struct flow f[2];
	const struct flow *rows[2] = { &f[0], &f[1] };
	struct out_opts o = { .stream = 1, .time = "2026-01-02T03:04:05Z", .period = 2 };
	char *text;
	static const char flow0[] =
		"{\"direction\":\"active\",\"local\":{\"addr\":\"localhost\",\"port\":\"many\"},"
		"\"peer\":{\"addr\":\"10.0.1.10\",\"port\":\"3306\"},\"stat\":{\"total_inbound_packets\":30,"
		"\"total_inbound_bytes\":6000,\"total_outbound_packets\":31,\"total_outbound_bytes\":3000},"
		"\"proto\":\"tcp\",\"connections\":3";
	static const char flow1[] =
		"{\"direction\":\"passive\",\"local\":{\"addr\":\"localhost\",\"port\":\"80\"},"
		"\"peer\":{\"addr\":\"10.0.2.10\",\"port\":\"many\"},\"stat\":{\"total_inbound_packets\":24,"
		"\"total_inbound_bytes\":6476,\"total_outbound_packets\":26,\"total_outbound_bytes\":25500},"
		"\"proto\":\"tcp\",\"connections\":2";
	char want[2048];

	(void)state;
	tu_stream_flows(f);
	text = tu_capture(out_json_write, rows, 2, &o);
	snprintf(want, sizeof want,
		 "{\"time\":\"2026-01-02T03:04:05Z\",\"interval\":null,\"period\":2.000,"
		 "\"budget_held\":false,\"events_lost\":null,\"flows\":["
		 "%s,\"delta\":null},%s,\"delta\":null}]}\n", flow0, flow1);
	assert_string_equal(text, want);
	assert_int_equal(tu_pipe_to("jq -e '.interval == null and (.flows | length == 2) and "
				    "all(.flows[]; .delta == null)' >/dev/null", text), 0);
	free(text);

	/* Events feed it, one was lost, and the budget held this snapshot back. */
	o.interval = 2.5;
	o.events = 1;
	o.events_lost = 7;
	o.budget_held = 1;
	text = tu_capture(out_json_write, rows, 2, &o);
	snprintf(want, sizeof want,
		 "{\"time\":\"2026-01-02T03:04:05Z\",\"interval\":2.500,\"period\":2.000,"
		 "\"budget_held\":true,\"events_lost\":7,\"flows\":["
		 "%s,\"delta\":{\"inbound_packets\":11,\"inbound_bytes\":3000,"
		 "\"outbound_packets\":7,\"outbound_bytes\":1001,\"new_connections\":2,"
		 "\"closed_connections\":1}},"
		 "%s,\"delta\":{\"inbound_packets\":5,\"inbound_bytes\":500,"
		 "\"outbound_packets\":3,\"outbound_bytes\":12345,\"new_connections\":0,"
		 "\"closed_connections\":4}}]}\n", flow0, flow1);
	assert_string_equal(text, want);
	assert_int_equal(tu_pipe_to("jq -e '.interval == 2.5 and .period == 2 and .budget_held and "
				    ".events_lost == 7 and .flows[1].delta.outbound_bytes == 12345 "
				    "and (.flows[0].delta | keys == [\"closed_connections\",\"inbound_bytes\","
				    "\"inbound_packets\",\"new_connections\",\"outbound_bytes\","
				    "\"outbound_packets\"])' >/dev/null", text), 0);
	free(text);

	/* No flows: still one line with an empty array. */
	text = tu_capture(out_json_write, rows, 0, &o);
	assert_string_equal(text, "{\"time\":\"2026-01-02T03:04:05Z\",\"interval\":2.500,"
			    "\"period\":2.000,\"budget_held\":true,\"events_lost\":7,\"flows\":[]}\n");
	free(text);
}

static void test_json_write_error(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { 0 };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	FILE *fp = fopen("/dev/full", "w");

	assert_non_null(fp);
	assert_int_equal(out_json_write(fp, fx->rows, n, &o), -1);
	fclose(fp);
}

static int fake_owner(void *arg, uint32_t id, struct owner_label *l)
{
	(void)arg;
	if (id > 1)
		return -1;
	memset(l, 0, sizeof *l);
	l->kind = id ? OWNER_POD : OWNER_HOST;
	/* Sanitized labels are printable, but quotes and backslashes need escaping. */
	strcpy(l->name, id ? "ns/we\"b\\" : "myhost");
	strcpy(l->id, id ? "uid-1" : "netns:[1]");
	return 0;
}

/* "owner" on every flow when owners are on; absent when off. */
static void test_json_owner(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts plain = { 0 }, o = { .owners = 1, .owner_of = fake_owner };
	struct flow fl[3];
	const struct flow *rows[3] = { &fl[0], &fl[1], &fl[2] };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text;

	assert_true(n >= 3);
	for (int i = 0; i < 3; i++) {
		fl[i] = *fx->rows[i];
		fl[i].key.owner = (uint32_t)i;
	}
	text = tu_capture(out_json_write, rows, 3, &plain);
	assert_null(strstr(text, "owner"));
	free(text);
	text = tu_capture(out_json_write, rows, 3, &o);
	assert_non_null(strstr(text, "\"connections\":3,\"owner\":{\"kind\":\"host\",\"name\":\"myhost\","
			    "\"id\":\"netns:[1]\"}}"));
	assert_non_null(strstr(text, "\"owner\":{\"kind\":\"pod\",\"name\":\"ns/we\\\"b\\\\\","
			    "\"id\":\"uid-1\"}"));
	assert_int_equal(tu_pipe_to("jq -e 'length == 3 and all(.[]; .owner | has(\"kind\") and "
				    "has(\"name\") and has(\"id\")) and .[1].owner.name == \"ns/we\\\"b\\\\\" "
				    "and .[2].owner.name == \"?\"' >/dev/null", text), 0);
	free(text);
	/* NDJSON too, with the delta after it. */
	o.stream = 1;
	o.time = "2026-01-01T00:00:00Z";
	o.interval = 1;
	text = tu_capture(out_json_write, rows, 1, &o);
	assert_non_null(strstr(text, "\"id\":\"netns:[1]\"},\"delta\":{"));
	free(text);
}

/*
 * Owners 0-39: a name that says the number, kind by the number's parity;
 * 40 and up unknown.  Counts its calls.
 */
static int many_owner_of(void *arg, uint32_t id, struct owner_label *l)
{
	++*(int *)arg;
	if (id >= 40)
		return -1;
	memset(l, 0, sizeof *l);
	l->kind = id & 1 ? OWNER_CONTAINER : OWNER_NETNS;
	snprintf(l->name, sizeof l->name, "owner-%u", id);
	snprintf(l->id, sizeof l->id, "id-%u", id);
	return 0;
}

/*
 * The writer keeps the last owners' objects as text, eight slots by the
 * owner's number: numbers that share a slot (1, 9, 17, ...) and come in
 * turns must each keep their own label, and an owner met again is not
 * looked up again.  jq checks every row against its flow's number.
 */
static void test_json_owner_cache(void **state)
{
	struct tu_fixture *fx = *state;
	enum { N = 200 };
	static struct flow fl[N];
	static const struct flow *rows[N];
	int calls = 0;
	struct out_opts o = { .owners = 1, .owner_of = many_owner_of, .owner_arg = &calls };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	char *text, cmd[512];

	assert_true(n >= 1);
	for (int i = 0; i < N; i++) {
		fl[i] = *fx->rows[0];
		fl[i].conns = (uint32_t)i;
		/* 1, 9, 17, 25, 33 share slot 1; 41 and 49 are unknown. */
		fl[i].key.owner = (uint32_t)(1 + 8 * (i % 7));
		if (i % 5 == 0)
			fl[i].key.owner = 0;
		rows[i] = &fl[i];
	}
	text = tu_capture(out_json_write, rows, N, &o);
	snprintf(cmd, sizeof cmd,
		 "jq -e 'length == %d and all(.[]; .connections as $i | "
		 "(if $i %% 5 == 0 then 0 else 1 + 8 * ($i %% 7) end) as $o | "
		 "if $o >= 40 then .owner == {\"kind\":\"netns\",\"name\":\"?\",\"id\":\"?\"} "
		 "else .owner == {\"kind\": (if $o %% 2 == 1 then \"container\" else \"netns\" end), "
		 "\"name\": \"owner-\\($o)\", \"id\": \"id-\\($o)\"} end)' >/dev/null", N);
	assert_int_equal(tu_pipe_to(cmd, text), 0);
	free(text);
	/* Owner 0 alone: looked up once for all its rows. */
	for (int i = 0; i < N; i++)
		fl[i].key.owner = 0;
	calls = 0;
	text = tu_capture(out_json_write, rows, N, &o);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(text, "\"owner\":{\"kind\":\"netns\",\"name\":\"owner-0\",\"id\":\"id-0\"}"));
	free(text);
}

/*
 * outbuf.h, which both writers build their text with: a piece that fits is
 * copied whole, a literal or a string that would pass the end is cut at
 * it, and nothing is written past it (the guard bytes stay).
 */
static void test_outbuf(void **state)
{
	/* The buffer ends at 16; the bytes after it are guards. */
	char mem[32];
	struct outbuf b = { mem, mem + 16 };
	char guard[16];

	(void)state;
	memset(mem, '#', sizeof mem);
	memset(guard, '#', sizeof guard);
	OUTBUF_LIT(&b, "{\"a\":");
	outbuf_u64(&b, 18446744073709551615ull);
	assert_int_equal(b.p - mem, 16);
	assert_memory_equal(mem, "{\"a\":18446744073", 16);
	OUTBUF_LIT(&b, "more");
	outbuf_str(&b, "more");
	outbuf_char(&b, 'x');
	assert_int_equal(b.p - mem, 16);
	assert_memory_equal(mem + 16, guard, 16);
	/* Exactly the room left, then a cut in the middle of a literal. */
	b.p = mem + 10;
	OUTBUF_LIT(&b, "abcdef");
	assert_int_equal(b.p - mem, 16);
	assert_memory_equal(mem + 10, "abcdef", 6);
	b.p = mem + 12;
	OUTBUF_LIT(&b, "0123456789");
	outbuf_u64(&b, 0);
	assert_int_equal(b.p - mem, 16);
	assert_memory_equal(mem + 12, "0123", 4);
	assert_memory_equal(mem + 16, guard, 16);
}

/* Routed flows: 1 plain, 2 DNAT and SNAT (IPv6, as the fixture's second row). */
static int fake_route(void *arg, uint32_t id, struct flow_route *r)
{
	(void)arg;
	if (id < 1 || id > 2)
		return -1;
	memset(r, 0, sizeof *r);
	r->family = id == 2 ? AF_INET6 : AF_INET;
	r->client = tu_addr(id == 1 ? "192.168.1.5" : "fd00::5");
	if (id == 2) {
		r->nat = ROUTE_DNAT | ROUTE_SNAT;
		r->dnat = tu_addr("fd00::99");
		r->dnat_port = 8443;
		r->snat = tu_addr("fd00::1");
	}
	return 0;
}

/* "direction":"routed" with client, server and nat; no local, peer or owner. */
static void test_json_routed(void **state)
{
	struct tu_fixture *fx = *state;
	struct out_opts o = { .owners = 1, .owner_of = fake_owner, .route_of = fake_route };
	size_t n = tu_build(fx, VIEW_ACTIVE, VIEW_SORT_BYTES, 0, NULL, NULL);
	struct flow fl[3];
	const struct flow *rows[3] = { &fl[0], &fl[1], &fl[2] };
	char *text;

	assert_true(n >= 3);
	for (int i = 0; i < 3; i++) {
		fl[i] = *fx->rows[i];
		fl[i].key.dir = FLOW_ROUTED;
		fl[i].key.owner = (uint32_t)i + 1;
	}
	text = tu_capture(out_json_write, rows, 3, &o);
	assert_non_null(strstr(text, "{\"direction\":\"routed\",\"client\":{\"addr\":\"192.168.1.5\","
			    "\"port\":\"many\"},\"server\":{\"addr\":\"10.0.1.10\",\"port\":\"3306\"},"
			    "\"stat\":{\"total_inbound_packets\":30,\"total_inbound_bytes\":6000,"
			    "\"total_outbound_packets\":30,\"total_outbound_bytes\":3000},"
			    "\"proto\":\"tcp\",\"connections\":3,\"nat\":{\"dnat\":null,\"snat\":null}}"));
	assert_non_null(strstr(text, "\"nat\":{\"dnat\":{\"addr\":\"fd00::99\",\"port\":\"8443\"},"
			    "\"snat\":{\"addr\":\"fd00::1\"}}"));
	assert_null(strstr(text, "\"owner\""));
	assert_null(strstr(text, "\"local\""));
	assert_int_equal(tu_pipe_to("jq -e 'length == 3 and all(.[]; .direction == \"routed\") "
				    "and .[1].client.addr == \"fd00::5\" and .[1].server.port == \"6379\" "
				    "and .[2].client.addr == \"?\" and .[2].nat.dnat == null' >/dev/null",
				    text), 0);
	free(text);
	/* NDJSON: the delta before nat. */
	o.stream = 1;
	o.time = "2026-01-01T00:00:00Z";
	o.interval = 1;
	text = tu_capture(out_json_write, rows, 1, &o);
	assert_non_null(strstr(text, "\"connections\":3,\"delta\":{"));
	assert_non_null(strstr(text, "},\"nat\":{\"dnat\":null,\"snat\":null}}]}\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_owner),
		cmocka_unit_test(test_json_owner_cache),
		cmocka_unit_test(test_outbuf),
		cmocka_unit_test(test_json_routed),
		cmocka_unit_test(test_json_name_key),
		cmocka_unit_test(test_json_stream),
		cmocka_unit_test(test_json_write_error),
	};

	return cmocka_run_group_tests_name("out_json", tests, tu_fixture_setup,
					   tu_fixture_teardown);
}
