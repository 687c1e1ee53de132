/* The port filter language: parse, match, errors, canonical text. */
#include "testutil.h"

#include "ports.h"

static void test_list(void **state)
{
	struct port_filter f;
	char err[128], buf[128];

	port_filter_init(&f);
	assert_true(port_filter_empty(&f));
	assert_true(port_filter_match(&f, 22));
	assert_int_equal(port_filter_parse(&f, "3306,11211", err, sizeof err), 0);
	assert_true(port_filter_match(&f, 3306));
	assert_true(port_filter_match(&f, 11211));
	assert_false(port_filter_match(&f, 80));
	assert_true(port_filter_names(&f, 3306));
	/* Repeated flags add up. */
	assert_int_equal(port_filter_parse(&f, "80", err, sizeof err), 0);
	assert_true(port_filter_match(&f, 80));
	port_filter_str(&f, buf, sizeof buf);
	assert_string_equal(buf, "3306,11211,80");
	port_filter_fini(&f);
}

static void test_ranges_and_negation(void **state)
{
	struct port_filter f;
	char err[128], buf[128];

	port_filter_init(&f);
	assert_int_equal(port_filter_parse(&f, " 8000-8099 , !8080", err, sizeof err), 0);
	assert_true(port_filter_match(&f, 8000));
	assert_true(port_filter_match(&f, 8099));
	assert_false(port_filter_match(&f, 8080));
	assert_false(port_filter_match(&f, 7999));
	assert_false(port_filter_match(&f, 8100));
	port_filter_str(&f, buf, sizeof buf);
	assert_string_equal(buf, "8000-8099,!8080");
	port_filter_clear(&f);
	/* Only negations: everything else matches. */
	assert_int_equal(port_filter_parse(&f, "!22", err, sizeof err), 0);
	assert_false(port_filter_match(&f, 22));
	assert_true(port_filter_match(&f, 23));
	assert_false(port_filter_names(&f, 23));
	assert_int_equal(port_filter_parse(&f, "0,65535", err, sizeof err), 0);
	assert_true(port_filter_match(&f, 0));
	assert_true(port_filter_match(&f, 65535));
	port_filter_fini(&f);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "65536", "port 65536 is out of range (0-65535)" },
		{ "99999999999999999999999", "'99999999999999999999' is not a port number" },
		{ "abc", "'abc' is not a port number" },
		{ "-1", "'-1' is not a port number" },
		{ "+3306", "'+3306' is not a port number" },
		{ "5-3", "range 5-3 is backwards" },
		{ "", "missing port number" },
		{ "80,", "missing port number" },
		{ "!", "missing port number" },
		{ "1-", "missing port number" },
		{ "80,90x", "'90x' is not a port number" },
	};
	struct port_filter f;
	char err[128];

	port_filter_init(&f);
	assert_int_equal(port_filter_parse(&f, "22", err, sizeof err), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(port_filter_parse(&f, bad[i].text, err, sizeof err), -1);
		assert_string_equal(err, bad[i].msg);
		/* A failed parse leaves the filter as it was. */
		assert_int_equal(f.n, 1);
		assert_true(port_filter_match(&f, 22));
	}
	port_filter_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_ranges_and_negation),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("ports", tests, NULL, NULL);
}
