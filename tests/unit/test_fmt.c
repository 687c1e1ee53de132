/* fmt.c: endpoints, protocol names, host-name checks, escaping and durations. */
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

/* L1: a PTR name must not pass for an address or for this host. */
static void test_peer_name_not_an_address(void **state)
{
	static const char *const refused[] = {
		"10.0.0.5", "127.0.0.1", "203.0.113.5",	/* ct_addr_parse reads them */
		"::1", "fe80::1", "2001:db8::99",	/* not even hostnames (':') */
		"10.1", "3232235777", "0x7f.1",		/* inet_aton forms */
		"example.123", "010.000.000.005", "x127.0.0.1",	/* an all-digit last label */
		"localhost", "LOCALHOST", "localhost.localdomain", "LocalHost.LocalDomain",
		"x.localhost", "a.b.LOCALHOST", "ip6-localhost", "ip6-loopback",
		"evil\x1b[2Jname", "",			/* fmt_is_hostname refuses */
	};
	static const char *const accepted[] = {
		"db-1.example.com", "host", "10.0.0.5.example.net", "127-0-0-1.isp.example",
		"localhost.example.com", "mylocalhost", "notlocalhost", "a.localhost-x",
		"1.0.0.10.in-addr.arpa", "123abc", "0x7f",
	};

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		if (fmt_is_peer_name(refused[i]))
			fail_msg("accepted '%s'", refused[i]);
	}
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		if (!fmt_is_peer_name(accepted[i]))
			fail_msg("refused '%s'", accepted[i]);
	}
}

static void test_duration(void **state)
{
	static const struct {
		uint64_t secs;
		const char *text;
	} cases[] = {
		{ 0, "0s" }, { 59, "59s" }, { 60, "1m00s" }, { 192, "3m12s" },
		{ 3599, "59m59s" }, { 3600, "1h00m" }, { 18180, "5h03m" },
		{ 86399, "23h59m" }, { 86400, "1d00h" }, { 190800, "2d05h" },
		{ 400 * 86400ull, "400d00h" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fmt_duration(buf, sizeof buf, cases[i].secs);
		assert_string_equal(buf, cases[i].text);
	}
	/* The largest value fits in 32 bytes and a short buffer still terminates. */
	fmt_duration(buf, sizeof buf, UINT64_MAX);
	assert_string_equal(buf, "213503982334601d07h");
	fmt_duration(buf, 4, 192);
	assert_string_equal(buf, "3m1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_hostname_check_and_escape),
		cmocka_unit_test(test_peer_name_not_an_address),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
