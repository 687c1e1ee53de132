/*
 * out_stats.c: the table's health as --stats prints it (lines, one JSON
 * object) and as the "table" key that ends each NDJSON line; what is
 * unknown is "-" or null, never 0.
 */
#include "testutil.h"

#include "ct_stats.h"

/* Every counter, as a kernel of 5.15 or later sends them. */
static void stats_all(struct ct_stats *ct)
{
	memset(ct, 0, sizeof *ct);
	ct->cpus = 2;
	ct->have = (1u << CT_STAT_MAX) - 1;
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		ct->v[s] = 10 * s + 1;	/* found 1, invalid 11, insert 21, ... */
}

static char *health_json(const struct out_health *h, int rates)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(out_health_json(fp, h, rates), 0);
	fclose(fp);
	return buf;
}

static char *stats_text(const struct out_health *h, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(out_stats_write(fp, h, json), 0);
	fclose(fp);
	return buf;
}

static void test_object(void **state)
{
	struct ct_stats ct;
	struct ct_stats_rate r;
	struct out_health h = { .entries = 13, .max = 262144, .ct = &ct, .rate = &r };
	char *text;

	(void)state;
	stats_all(&ct);
	memset(&r, 0, sizeof r);
	text = health_json(&h, 0);
	assert_string_equal(text,
		"{\"entries\":13,\"max\":262144,\"drop\":41,\"early_drop\":51,\"insert_failed\":31,"
		"\"invalid\":11,\"found\":1,\"insert\":21,\"error\":61,\"search_restart\":71,"
		"\"clash_resolve\":81,\"chaintoolong\":91}");
	free(text);
	/* With rates, before a second read: null. */
	text = health_json(&h, 1);
	assert_non_null(strstr(text, ",\"chaintoolong\":91,\"rates\":null}"));
	assert_int_equal(tu_pipe_to("jq -e '.rates == null and .drop == 41' >/dev/null", text), 0);
	free(text);
	/* Rates, and a counter the kernel did not send (an older kernel). */
	r.seconds = 2;
	r.have = ct.have & ~(1u << CT_STAT_CHAIN_TOOLONG);
	ct.have &= ~(1u << CT_STAT_CHAIN_TOOLONG);
	r.v[CT_STAT_DROP] = 25.5;
	r.v[CT_STAT_INVALID] = 0.25;
	text = health_json(&h, 1);
	assert_non_null(strstr(text, "\"clash_resolve\":81,\"chaintoolong\":null,\"rates\":"
				     "{\"drop\":25.500,\"early_drop\":0.000,\"insert_failed\":0.000,"
				     "\"invalid\":0.250,\"found\":0.000,\"insert\":0.000,"
				     "\"error\":0.000,\"search_restart\":0.000,"
				     "\"clash_resolve\":0.000,\"chaintoolong\":null}}"));
	assert_int_equal(tu_pipe_to("jq -e '.rates.drop == 25.5 and .chaintoolong == null' "
				    ">/dev/null", text), 0);
	free(text);
}

/* A text source: its size maybe (--proc), statistics never. */
static void test_object_absent(void **state)
{
	struct ct_stats ct;
	struct out_health h = { .entries = 7, .max = 100, .ct = NULL, .rate = NULL };
	char *text;

	(void)state;
	text = health_json(&h, 1);
	assert_string_equal(text,
		"{\"entries\":7,\"max\":100,\"drop\":null,\"early_drop\":null,"
		"\"insert_failed\":null,\"invalid\":null,\"found\":null,\"insert\":null,"
		"\"error\":null,\"search_restart\":null,\"clash_resolve\":null,"
		"\"chaintoolong\":null,\"rates\":null}");
	free(text);
	/* An empty sum (cpus 0) is the same as none; unknown sizes are null. */
	memset(&ct, 0, sizeof ct);
	ct.have = 1u << CT_STAT_DROP;
	h.ct = &ct;
	h.entries = h.max = -1;
	text = health_json(&h, 0);
	assert_non_null(strstr(text, "{\"entries\":null,\"max\":null,\"drop\":null,"));
	free(text);
}

static void test_stats_lines(void **state)
{
	struct ct_stats ct;
	struct out_health h = { .entries = 240000, .max = 262144, .ct = &ct };
	char *text;

	(void)state;
	stats_all(&ct);
	text = stats_text(&h, 0);
	assert_string_equal(text,
		"entries         240000\n"
		"max             262144\n"
		"used            91%\n"
		"drop            41\n"
		"early_drop      51\n"
		"insert_failed   31\n"
		"invalid         11\n"
		"found           1\n"
		"insert          21\n"
		"error           61\n"
		"search_restart  71\n"
		"clash_resolve   81\n"
		"chaintoolong    91\n");
	free(text);
	/* Unknown: a dash. */
	ct.have &= ~(1u << CT_STAT_CLASH_RESOLVE);
	h.max = -1;
	text = stats_text(&h, 0);
	assert_non_null(strstr(text, "max             -\nused            -\n"));
	assert_non_null(strstr(text, "clash_resolve   -\n"));
	free(text);
	/* --json: the object, no rates, a newline. */
	h.max = 262144;
	text = stats_text(&h, 1);
	assert_string_equal(text,
		"{\"entries\":240000,\"max\":262144,\"drop\":41,\"early_drop\":51,"
		"\"insert_failed\":31,\"invalid\":11,\"found\":1,\"insert\":21,\"error\":61,"
		"\"search_restart\":71,\"clash_resolve\":null,\"chaintoolong\":91}\n");
	free(text);
}

/* The NDJSON line: the older keys as they were, "table" last. */
static void test_stream_line(void **state)
{
	struct ct_stats ct;
	struct ct_stats_rate r;
	struct out_health h = { .entries = 13, .max = 262144, .ct = &ct, .rate = &r };
	struct out_opts o = { .stream = 1, .time = "2026-01-02T03:04:05Z", .period = 2,
			      .interval = 2, .events = 1 };
	char *plain, *with;
	size_t n;

	(void)state;
	stats_all(&ct);
	memset(&r, 0, sizeof r);
	r.seconds = 2;
	r.have = ct.have;
	r.v[CT_STAT_DROP] = 3;
	plain = tu_capture(out_json_write, NULL, 0, &o);
	o.health = &h;
	with = tu_capture(out_json_write, NULL, 0, &o);
	/* The line without the key, up to its closing brace, is the start of the new one. */
	n = strlen(plain) - 2;
	assert_string_equal(plain + n, "}\n");
	assert_memory_equal(plain, with, n);
	assert_non_null(strstr(with, "\"flows\":[],\"table\":{\"entries\":13,\"max\":262144,"
				     "\"drop\":41,"));
	assert_string_equal(with + strlen(with) - 3, "}}\n");
	assert_int_equal(tu_pipe_to("jq -e '(keys_unsorted | last) == \"table\" and "
				    ".table.rates.drop == 3 and .events_lost == 0' >/dev/null",
				    with), 0);
	free(plain);
	free(with);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_object_absent),
		cmocka_unit_test(test_stats_lines),
		cmocka_unit_test(test_stream_line),
	};

	return cmocka_run_group_tests_name("out_stats", tests, NULL, NULL);
}
