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
	assert_string_equal(fmt_proto(99, pb, sizeof pb), "99");
	assert_string_equal(fmt_proto(255, pb, sizeof pb), "255");
}

static void test_protocols(void **state)
{
	static const struct {
		int proto;
		const char *name;
	} names[] = {
		{ IPPROTO_UDPLITE, "udplite" }, { IPPROTO_SCTP, "sctp" }, { IPPROTO_DCCP, "dccp" },
		{ IPPROTO_ICMP, "icmp" }, { IPPROTO_ICMPV6, "icmpv6" }, { IPPROTO_GRE, "gre" },
	};
	char pb[16];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_string_equal(fmt_proto(names[i].proto, pb, sizeof pb), names[i].name);
}

/* A flow's key as fmt shows it: ports, or none for ICMP and GRE. */
static struct flow key_flow(int family, const char *peer, int proto, int dir, uint16_t port)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.family = (uint8_t)family;
	f.key.peer = tu_addr(peer);
	f.key.proto = (uint8_t)proto;
	f.key.dir = (uint8_t)dir;
	f.key.port = port;
	return f;
}

static void test_portless_flows(void **state)
{
	struct flow f;
	char local[64], peer[FMT_ENDPOINT_MAX], pb[24];
	struct ct_addr a6 = tu_addr("fd00::20");

	/* Ports as before. */
	f = key_flow(AF_INET, "10.0.0.1", IPPROTO_SCTP, FLOW_ACTIVE, 38412);
	fmt_flow_local(&f, local, sizeof local);
	fmt_flow_peer(&f, NULL, peer, sizeof peer);
	assert_string_equal(local, "localhost:many");
	assert_string_equal(peer, "10.0.0.1:38412");
	assert_string_equal(fmt_flow_proto(&f.key, pb, sizeof pb), "sctp");
	/* ICMP echo: no ports, the plain name. */
	f = key_flow(AF_INET, "10.0.0.1", IPPROTO_ICMP, FLOW_ACTIVE, 8);
	fmt_flow_local(&f, local, sizeof local);
	fmt_flow_peer(&f, NULL, peer, sizeof peer);
	assert_string_equal(local, "localhost");
	assert_string_equal(peer, "10.0.0.1");
	assert_string_equal(fmt_flow_proto(&f.key, pb, sizeof pb), "icmp");
	assert_true(fmt_flow_key_is_plain(&f.key));
	/* Another request type is named with its type. */
	f.key.port = 13;
	assert_string_equal(fmt_flow_proto(&f.key, pb, sizeof pb), "icmp:13");
	assert_false(fmt_flow_key_is_plain(&f.key));
	/* ICMPv6 echo is 128; IPv6 without brackets when there is no port. */
	f = key_flow(AF_INET6, "fd00::20", IPPROTO_ICMPV6, FLOW_PASSIVE, 128);
	fmt_flow_local(&f, local, sizeof local);
	fmt_flow_peer(&f, NULL, peer, sizeof peer);
	assert_string_equal(local, "localhost");
	assert_string_equal(peer, "fd00::20");
	assert_string_equal(fmt_flow_proto(&f.key, pb, sizeof pb), "icmpv6");
	fmt_flow_peer(&f, "gw.example", peer, sizeof peer);
	assert_string_equal(peer, "gw.example");
	/* GRE: key 0 plain, a PPTP key in hex. */
	f = key_flow(AF_INET, "10.0.0.1", IPPROTO_GRE, FLOW_ACTIVE, 0);
	assert_string_equal(fmt_flow_proto(&f.key, pb, sizeof pb), "gre");
	f.key.port = 0x1f;
	assert_string_equal(fmt_flow_proto(&f.key, pb, sizeof pb), "gre:0x1f");
	fmt_flow_peer(&f, NULL, peer, sizeof peer);
	assert_string_equal(peer, "10.0.0.1");
	/* fmt_endpoint with no port. */
	fmt_endpoint(peer, sizeof peer, AF_INET6, &a6, NULL, NULL);
	assert_string_equal(peer, "fd00::20");
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

/* A routed flow's client and NAT texts, with ports and without. */
static void test_routed_texts(void **state)
{
	struct flow f = key_flow(AF_INET, "203.0.113.7", IPPROTO_TCP, FLOW_ROUTED, 443);
	struct flow_route r;
	char buf[FMT_ENDPOINT_MAX + 80], lp[8], pp[8];

	memset(&r, 0, sizeof r);
	r.family = AF_INET;
	r.client = tu_addr("10.0.0.5");
	fmt_route_client(&f, &r, NULL, buf, sizeof buf);
	assert_string_equal(buf, "10.0.0.5:many");
	fmt_route_client(&f, &r, "laptop.lan", buf, sizeof buf);
	assert_string_equal(buf, "laptop.lan:many");
	fmt_route_client(&f, NULL, NULL, buf, sizeof buf);
	assert_string_equal(buf, "?:many");
	fmt_flow_ports(&f, lp, pp, sizeof lp);
	assert_string_equal(lp, "many");
	assert_string_equal(pp, "443");
	fmt_route_nat(&f, &r, buf, sizeof buf);
	assert_string_equal(buf, "");
	r.nat = ROUTE_DNAT;
	r.dnat = tu_addr("10.0.1.10");
	r.dnat_port = 8443;
	fmt_route_nat(&f, &r, buf, sizeof buf);
	assert_string_equal(buf, "dnat 10.0.1.10:8443");
	r.nat |= ROUTE_SNAT;
	r.snat = tu_addr("198.51.100.1");
	fmt_route_nat(&f, &r, buf, sizeof buf);
	assert_string_equal(buf, "dnat 10.0.1.10:8443, snat 198.51.100.1");
	/* ICMP: no ports anywhere. */
	f = key_flow(AF_INET, "203.0.113.7", IPPROTO_ICMP, FLOW_ROUTED, 8);
	fmt_route_client(&f, &r, NULL, buf, sizeof buf);
	assert_string_equal(buf, "10.0.0.5");
	fmt_route_nat(&f, &r, buf, sizeof buf);
	assert_string_equal(buf, "dnat 10.0.1.10, snat 198.51.100.1");
	/* IPv6 in brackets where a port follows. */
	f = key_flow(AF_INET6, "fd00::7", IPPROTO_TCP, FLOW_ROUTED, 443);
	memset(&r, 0, sizeof r);
	r.family = AF_INET6;
	r.client = tu_addr("fd00::5");
	r.nat = ROUTE_DNAT | ROUTE_SNAT;
	r.dnat = tu_addr("fd00::99");
	r.dnat_port = 443;
	r.snat = tu_addr("fd00::1");
	fmt_route_client(&f, &r, NULL, buf, sizeof buf);
	assert_string_equal(buf, "[fd00::5]:many");
	fmt_route_nat(&f, &r, buf, sizeof buf);
	assert_string_equal(buf, "dnat [fd00::99]:443, snat fd00::1");
}

/* fmt_flow_line(): how deletions name a flow, numeric, with its protocol. */
static void test_flow_line(void **state)
{
	struct flow f;
	char buf[FMT_ENDPOINT_MAX * 2 + 32];

	(void)state;
	f = key_flow(AF_INET, "10.0.1.10", IPPROTO_TCP, FLOW_ACTIVE, 3306);
	fmt_flow_line(&f.key, buf, sizeof buf);
	assert_string_equal(buf, "localhost:many --> 10.0.1.10:3306 tcp");
	f = key_flow(AF_INET6, "fd00::2", IPPROTO_UDP, FLOW_PASSIVE, 53);
	fmt_flow_line(&f.key, buf, sizeof buf);
	assert_string_equal(buf, "localhost:53 <-- [fd00::2]:many udp");
	f = key_flow(AF_INET, "10.0.0.9", IPPROTO_ICMP, FLOW_ACTIVE, 8);
	fmt_flow_line(&f.key, buf, sizeof buf);
	assert_string_equal(buf, "localhost --> 10.0.0.9 icmp");
}

/* fmt_rfc3339(): UTC, milliseconds cut (not rounded), as the streams print it. */
static void test_rfc3339(void **state)
{
	struct timespec ts = { 1764471600, 987654321 };
	char buf[40];

	(void)state;
	fmt_rfc3339(&ts, buf, sizeof buf);
	assert_string_equal(buf, "2025-11-30T03:00:00.987Z");
	ts.tv_nsec = 0;
	fmt_rfc3339(&ts, buf, sizeof buf);
	assert_string_equal(buf, "2025-11-30T03:00:00.000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_portless_flows),
		cmocka_unit_test(test_routed_texts),
		cmocka_unit_test(test_flow_line),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_hostname_check_and_escape),
		cmocka_unit_test(test_peer_name_not_an_address),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
