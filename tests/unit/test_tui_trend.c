/*
 * The monitor's rate history (src/tui_trend.c), without a terminal: rings
 * fed interval by interval, idle gaps, the sweep that frees rings, the
 * bound, clearing; the sparkline in block characters and in ASCII, scaled
 * per row; the graph's rows as text.
 */
#include "testutil.h"

#include <math.h>

#include "lsct.h"
#include "../../src/tui_trend.h"

static struct flow mkflow(const char *peer, uint16_t port, uint64_t in, uint64_t out)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.peer = tu_addr(peer);
	f.key.family = strchr(peer, ':') ? AF_INET6 : AF_INET;
	f.key.proto = IPPROTO_TCP;
	f.key.port = port;
	f.key.dir = FLOW_ACTIVE;
	f.d.in_bytes = in;
	f.d.out_bytes = out;
	return f;
}

/* A sample keeps 8 significant bits: within 0.4 %. */
static int near(double got, double want)
{
	return fabs(got - want) <= want * 0.004;
}

static void test_ring_feeds(void **state)
{
	struct trend *h = trend_new();
	struct flow f = mkflow("10.0.0.1", 443, 1000, 2000);
	double in[TREND_N], out[TREND_N];

	(void)state;
	/* Nothing yet. */
	assert_int_equal(trend_get(h, &f.key, in, out), 0);
	for (int i = 0; i < TREND_N; i++)
		assert_true(in[i] == 0 && out[i] == 0);
	/* Three intervals of 2 s: 500, 1000, 2000 bytes/s in; the newest is last. */
	for (int i = 1; i <= 3; i++) {
		f.d.in_bytes = 1000u << (i - 1);
		f.d.out_bytes = 4000;
		trend_feed(h, &f, 1, 2.0);
	}
	assert_int_equal(trend_get(h, &f.key, in, out), 1);
	assert_true(in[TREND_N - 1] == 2000 && in[TREND_N - 2] == 1000 && in[TREND_N - 3] == 500);
	assert_true(out[TREND_N - 1] == 2000 && out[TREND_N - 3] == 2000);
	/* Before its history: zeros. */
	for (int i = 0; i < TREND_N - 3; i++)
		assert_true(in[i] == 0 && out[i] == 0);
	assert_int_equal(trend_count(h), 1);
	assert_int_equal(trend_ticks(h), 3);
	/* A zero interval is no interval. */
	trend_feed(h, &f, 1, 0);
	assert_int_equal(trend_ticks(h), 3);
	trend_free(h);
}

static void test_ring_idle_and_wrap(void **state)
{
	struct trend *h = trend_new();
	struct flow f = mkflow("10.0.0.1", 443, 100, 0), quiet = f;
	double in[TREND_N], out[TREND_N];

	(void)state;
	quiet.d.in_bytes = 0;
	trend_feed(h, &f, 1, 1.0);
	/* Two idle intervals (the flow without bytes, or absent), then traffic. */
	trend_feed(h, &quiet, 1, 1.0);
	trend_feed(h, NULL, 0, 1.0);
	f.d.in_bytes = 300;
	trend_feed(h, &f, 1, 1.0);
	assert_int_equal(trend_get(h, &f.key, in, out), 1);
	assert_true(in[TREND_N - 1] == 300 && in[TREND_N - 2] == 0 && in[TREND_N - 3] == 0 &&
		    in[TREND_N - 4] == 100);
	/* Around the ring several times: the newest TREND_N stay, in order. */
	for (int i = 0; i < 3 * TREND_N + 5; i++) {
		f.d.in_bytes = 10u * (unsigned)(i + 1);
		trend_feed(h, &f, 1, 1.0);
	}
	assert_int_equal(trend_get(h, &f.key, in, out), 1);
	for (int i = 0; i < TREND_N; i++)
		assert_true(near(in[i], 10.0 * (3 * TREND_N + 5 - (TREND_N - 1) + i)));
	/* An old slot written long ago is not read back after a long gap. */
	for (int i = 0; i < TREND_N - 1; i++)
		trend_feed(h, NULL, 0, 1.0);
	assert_int_equal(trend_get(h, &f.key, in, out), 1);
	assert_true(near(in[0], 10.0 * (3 * TREND_N + 5)));
	for (int i = 1; i < TREND_N; i++)
		assert_true(in[i] == 0);
	f.d.in_bytes = 7;
	trend_feed(h, &f, 1, 1.0);
	trend_get(h, &f.key, in, out);
	for (int i = 0; i < TREND_N - 1; i++)
		assert_true(in[i] == 0);
	assert_true(in[TREND_N - 1] == 7);
	trend_free(h);
}

/* A flow idle for TREND_N intervals has nothing to show; the sweep frees its ring. */
static void test_ring_sweep(void **state)
{
	struct trend *h = trend_new();
	struct flow fl[600];
	double in[TREND_N], out[TREND_N];
	char peer[32];
	size_t big;

	(void)state;
	for (int i = 0; i < 600; i++) {
		snprintf(peer, sizeof peer, "10.1.%d.%d", i / 250, i % 250 + 1);
		fl[i] = mkflow(peer, 80, 1, 1);
	}
	trend_feed(h, fl, 600, 1.0);
	assert_int_equal(trend_count(h), 600);
	big = trend_bytes(h);
	/* Per flow: a ring of 100 bytes and at most 2 buckets of 4. */
	assert_true(big <= 600 * 2 * (100 + 8) + 64);
	for (int i = 0; i < 600; i++)
		assert_int_equal(trend_get(h, &fl[i].key, in, out), 1);
	/* Only the first 10 go on; the rest leave the frames. */
	for (int k = 0; k < 2 * TREND_N; k++)
		trend_feed(h, fl, 10, 1.0);
	assert_int_equal(trend_count(h), 10);
	assert_true(trend_bytes(h) < big);
	assert_int_equal(trend_get(h, &fl[599].key, in, out), 0);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(trend_get(h, &fl[i].key, in, out), 1);
		assert_true(in[TREND_N - 1] == 1 && in[0] == 1);
	}
	/* A flow back after its ring was freed starts afresh. */
	trend_feed(h, &fl[599], 1, 1.0);
	assert_int_equal(trend_get(h, &fl[599].key, in, out), 1);
	assert_true(in[TREND_N - 1] == 1 && in[TREND_N - 2] == 0);
	trend_clear(h);
	assert_int_equal(trend_count(h), 0);
	assert_int_equal(trend_ticks(h), 0);
	assert_int_equal(trend_get(h, &fl[0].key, in, out), 0);
	trend_free(h);
}

/* Keys differ by each field: no two flows share a ring. */
static void test_ring_keys(void **state)
{
	struct trend *h = trend_new();
	struct flow a = mkflow("10.0.0.1", 443, 1, 0), b[5];
	double in[TREND_N], out[TREND_N];

	(void)state;
	for (int i = 0; i < 5; i++)
		b[i] = a;
	b[0].key.port = 444;
	b[1].key.dir = FLOW_PASSIVE;
	b[2].key.proto = IPPROTO_UDP;
	b[3].key.owner = 7;
	b[4] = mkflow("fd00::1", 443, 1, 0);
	for (int i = 0; i < 5; i++)
		b[i].d.in_bytes = (uint64_t)(i + 2);
	trend_feed(h, &a, 1, 1.0);
	trend_feed(h, b, 5, 1.0);
	assert_int_equal(trend_count(h), 6);
	trend_get(h, &a.key, in, out);
	assert_true(in[TREND_N - 2] == 1 && in[TREND_N - 1] == 0);
	for (int i = 0; i < 5; i++) {
		trend_get(h, &b[i].key, in, out);
		assert_true(in[TREND_N - 1] == i + 2 && in[TREND_N - 2] == 0);
	}
	trend_free(h);
}

/* Within 0.4 % over the whole range. */
static void test_ring_precision(void **state)
{
	static const double rates[] = { 0.5, 1, 3, 999, 123456.7, 9.9e9, 1.2e15 };
	struct trend *h = trend_new();
	struct flow f = mkflow("10.0.0.1", 443, 0, 0);
	double in[TREND_N], out[TREND_N];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rates); i++) {
		f.d.in_bytes = (uint64_t)(rates[i] * 2);
		f.d.out_bytes = UINT64_MAX;
		trend_feed(h, &f, 1, 2.0);
		trend_get(h, &f.key, in, out);
		assert_true(near(in[TREND_N - 1], (double)f.d.in_bytes / 2));
		assert_true(out[TREND_N - 1] > 9e18);
	}
	trend_free(h);
}

static void test_spark_blocks(void **state)
{
	double v[8] = { 0, 1, 2, 3, 4, 5, 6, 8 };
	double flat[4] = { 5, 5, 5, 5 }, zero[4] = { 0 };
	char buf[TREND_N * TREND_GLYPH_MAX + 1];

	(void)state;
	/* Scaled to the row's own maximum (8): a blank for 0. */
	trend_spark(buf, sizeof buf, v, 8, 1);
	assert_string_equal(buf, " ▁▂▃▄▅▆█");
	trend_spark(buf, sizeof buf, flat, 4, 1);
	assert_string_equal(buf, "████");
	trend_spark(buf, sizeof buf, zero, 4, 1);
	assert_string_equal(buf, "    ");
	/* A tiny value next to a huge one still shows. */
	v[1] = 1e-6;
	v[7] = 1e12;
	trend_spark(buf, sizeof buf, v, 8, 1);
	assert_string_equal(buf, " ▁▁▁▁▁▁█");
	/* Cut by whole characters when the buffer is short. */
	trend_spark(buf, 8, flat, 4, 1);
	assert_string_equal(buf, "██");
}

static void test_spark_ascii(void **state)
{
	double v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	char buf[TREND_N * TREND_GLYPH_MAX + 1];

	(void)state;
	trend_spark(buf, sizeof buf, v, 8, 0);
	assert_string_equal(buf, " .:-=+*#");
	/* Rounded up: a half step is the next one. */
	v[1] = 0.5;
	v[2] = 3.4;
	trend_spark(buf, sizeof buf, v, 8, 0);
	assert_string_equal(buf, " .=-=+*#");
	for (const char *p = buf; *p; p++)
		assert_true(strchr(TREND_ASCII_RAMP, *p) != NULL);
	trend_spark(buf, 1, v, 8, 0);
	assert_string_equal(buf, "");
}

static void test_graph(void **state)
{
	static char rows[3][64 * TREND_GLYPH_MAX + 1];
	double v[4] = { 0, 16, 24, 8 };

	(void)state;
	/* 3 rows of 8 steps (24) and 8 cells: two a value, the newest right. */
	trend_graph(rows[0], sizeof rows[0], 3, 8, v, 4, 24, 1);
	assert_string_equal(rows[0], "    ██  ");
	assert_string_equal(rows[1], "  ████  ");
	assert_string_equal(rows[2], "  ██████");
	/* A part of a row is a lower block. */
	v[3] = 7;
	trend_graph(rows[0], sizeof rows[0], 3, 8, v, 4, 24, 1);
	assert_string_equal(rows[1], "  ████  ");
	assert_string_equal(rows[2], "  ████▇▇");
	v[3] = 5;
	trend_graph(rows[0], sizeof rows[0], 3, 8, v, 4, 24, 1);
	assert_string_equal(rows[2], "  ████▅▅");
	/* ASCII: 7 steps a row, '#' full; 5 cells for 4 values: a blank leads. */
	trend_graph(rows[0], sizeof rows[0], 2, 5, v, 4, 24, 0);
	assert_string_equal(rows[0], "  -# ");
	assert_string_equal(rows[1], "  ##-");
	/* Narrower than the values: the newest ones. */
	trend_graph(rows[0], sizeof rows[0], 1, 2, v, 4, 24, 0);
	assert_string_equal(rows[0], "#:");
	/* Nothing to scale to: blank. */
	trend_graph(rows[0], sizeof rows[0], 1, 10, v, 4, 0, 0);
	assert_string_equal(rows[0], "          ");
	/* A row too short for its text is left alone. */
	strcpy(rows[0], "keep");
	trend_graph(rows[0], 8, 1, 10, v, 4, 24, 0);
	assert_string_equal(rows[0], "keep");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_feeds),
		cmocka_unit_test(test_ring_idle_and_wrap),
		cmocka_unit_test(test_ring_sweep),
		cmocka_unit_test(test_ring_keys),
		cmocka_unit_test(test_ring_precision),
		cmocka_unit_test(test_spark_blocks),
		cmocka_unit_test(test_spark_ascii),
		cmocka_unit_test(test_graph),
	};

	return cmocka_run_group_tests_name("tui_trend", tests, NULL, NULL);
}
