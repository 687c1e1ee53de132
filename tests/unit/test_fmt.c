/* fmt.c: endpoints, protocol names, host-name checks and escaping. */
#include "testutil.h"

#include "fmt.h"

static void test_endpoints(void **state)
{
	struct ct_addr a4 = tu_addr("10.0.1.10"), a6 = tu_addr("fd00::20");
	char buf[FMT_ENDPOINT_MAX], pb[8];

	fmt_endpoint(buf, sizeof buf, AF_INET, &a4, NULL, "3306");
	assert_string_equal(buf, "10.0.1.10:3306");
	fmt_endpoint(buf, sizeof buf, AF_INET6, &a6, NULL, "many");
	assert_string_equal(buf, "[fd00::20]:many");
	fmt_endpoint(buf, sizeof buf, AF_INET6, &a6, "db.example", "6379");
	assert_string_equal(buf, "db.example:6379");
	assert_string_equal(fmt_proto(IPPROTO_TCP, pb, sizeof pb), "tcp");
	assert_string_equal(fmt_proto(IPPROTO_UDP, pb, sizeof pb), "udp");
	assert_string_equal(fmt_proto(132, pb, sizeof pb), "132");
}

static void test_hostname_check_and_escape(void **state)
{
	char out[64];

	assert_true(fmt_is_hostname("db-1.example.com"));
	assert_true(fmt_is_hostname("_srv.x"));
	assert_false(fmt_is_hostname(""));
	assert_false(fmt_is_hostname("a..b"));
	assert_false(fmt_is_hostname(".a"));
	assert_false(fmt_is_hostname("evil\x1b[2Jname"));
	assert_false(fmt_is_hostname("bell\a"));
	assert_false(fmt_is_hostname("sp ace"));
	assert_false(fmt_is_hostname("caf\xc3\xa9"));
	assert_false(fmt_is_hostname("a\x9b" "31m"));
	fmt_escape("ok\x1b[1m\x07\xff", out, sizeof out);
	assert_string_equal(out, "ok\\x1b[1m\\x07\\xff");
	fmt_escape("\x01\x02\x03\x04\x05", out, 12);
	assert_string_equal(out, "\\x01\\x02");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_hostname_check_and_escape),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
