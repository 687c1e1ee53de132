/* The monitor's host filter: addresses, prefixes, substrings, bad input. */
#include "testutil.h"

#include "view.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_substrings),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
