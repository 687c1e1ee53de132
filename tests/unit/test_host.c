/* host.c: local addresses, and listening sockets read from /proc/net text. */
#include "testutil.h"

#include "host.h"

static void test_proc_tcp_listeners(void **state)
{
	/* Captured from /proc/net/tcp and tcp6 (little-endian host). */
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
		"   1: 0100CB0A:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n"
		"   2: 0100CB0A:D431 0200CB0A:0CEA 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n"
		"   3: garbage\n";
	static const char tcp6[] =
		"  sl  local_address                         remote_address                        st\n"
		"   0: 00000000000000000000000000000000:18EB 00000000000000000000000000000000:0000 0A 0\n"
		"   1: 0000FFFD000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 0\n"
		"   2: 0000000000000000FFFF00000500000A:2383 00000000000000000000000000000000:0000 0A 0\n";
	static const char udp[] =
		"   sl  local_address rem_address   st\n"
		"  1: 00000000:14E9 00000000:0000 07 0\n"
		"  2: 0100CB0A:9C40 0200CB0A:0035 01 0\n";
	struct host_info h;
	struct ct_addr a1 = tu_addr("10.203.0.1"), a2 = tu_addr("10.203.0.2");
	struct ct_addr v6 = tu_addr("fdff::1"), v6b = tu_addr("fdff::2");
	struct ct_addr mapped = tu_addr("10.0.0.5");
	int fd;

	host_init(&h);
	fd = tu_text_fd(tcp);
	assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_TCP, AF_INET), 0);
	close(fd);
	fd = tu_text_fd(tcp6);
	assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_TCP, AF_INET6), 0);
	close(fd);
	fd = tu_text_fd(udp);
	assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_UDP, AF_INET), 0);
	close(fd);
	host_finish(&h);

	/* 0.0.0.0:80 listens on every address. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 80));
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a2, 80));
	/* 10.203.0.1:9090, bound to one address: the original missed these. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 9090));
	assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a2, 9090));
	/* An established socket is not a listener. */
	assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 54321));
	/* [::]:6379 is dual-stack: IPv4 too. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &a1, 6379));
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET6, &v6, 6379));
	/* [fdff::1]:8080 only. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET6, &v6, 8080));
	assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET6, &v6b, 8080));
	/* [::ffff:10.0.0.5]:9091 is an IPv4 listener. */
	assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &mapped, 9091));
	/* UDP: bound and unconnected only; protocols stay apart. */
	assert_true(host_is_listener(&h, IPPROTO_UDP, AF_INET, &a1, 5353));
	assert_false(host_is_listener(&h, IPPROTO_UDP, AF_INET, &a1, 40000));
	assert_false(host_is_listener(&h, IPPROTO_UDP, AF_INET, &a1, 80));
	host_fini(&h);
}

/*
 * Lines cut at the 511-byte limit, exactly after a port (the review's L2
 * reproducer: 496 'x' then ": 0100007F:0CEA").  Nothing may be read past
 * the cut (ASan would see it) and nothing half-parsed may count.
 */
static void test_proc_line_cut_at_port(void **state)
{
	static const char head[] = "  sl  local_address rem_address   st\n";
	static const char *const tails[] = {
		": 0100007F:0CEA",			/* cut after the local port */
		": 0100007F:0CEA 0200007F:0035",	/* after the remote port */
		": 0100007F:0CEA 0200007F:",		/* inside the remote port */
		": 0100007F:0C",			/* inside the local port */
	};
	struct ct_addr lo = tu_addr("127.0.0.1");

	for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
		char text[1024];
		size_t pad = 511 - strlen(tails[t]), n = 0;
		struct host_info h;
		int fd;

		n += (size_t)snprintf(text, sizeof text, "%s", head);
		memset(text + n, 'x', pad);
		n += pad;
		n += (size_t)snprintf(text + n, sizeof text - n, "%s 0A 0\n", tails[t]);
		/* A good line after it still counts. */
		snprintf(text + n, sizeof text - n, "   1: 0100007F:1F90 00000000:0000 0A 0\n");
		host_init(&h);
		fd = tu_text_fd(text);
		assert_int_equal(host_read_proc_sockets(&h, fd, IPPROTO_TCP, AF_INET), 0);
		close(fd);
		host_finish(&h);
		assert_int_equal(h.nls, 1);
		assert_false(host_is_listener(&h, IPPROTO_TCP, AF_INET, &lo, 0x0cea));
		assert_true(host_is_listener(&h, IPPROTO_TCP, AF_INET, &lo, 8080));
		host_fini(&h);
	}
}

static void test_local_addresses(void **state)
{
	struct host_info h;
	struct ct_addr lo = tu_addr("127.0.0.1"), x = tu_addr("10.0.0.9"), v6 = tu_addr("fd00::9");
	char err[128];

	host_init(&h);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.9,[fd00::9],fd00::9", err, sizeof err), 0);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.9,nope", err, sizeof err), -1);
	assert_string_equal(err, "'nope' is not an IPv4 or IPv6 address");
	/* The argument is echoed escaped: no raw ESC or BEL reaches stderr. */
	assert_int_equal(host_parse_addrs(&h, "10.0.0.9,\033]0;x\a", err, sizeof err), -1);
	assert_string_equal(err, "'\\x1b]0;x\\x07' is not an IPv4 or IPv6 address");
	assert_int_equal(host_parse_addrs(&h, "", err, sizeof err), -1);
	host_finish(&h);
	assert_int_equal(h.naddrs, 2);
	assert_true(host_is_local(&h, AF_INET, &x));
	assert_true(host_is_local(&h, AF_INET6, &v6));
	assert_false(host_is_local(&h, AF_INET, &lo));
	host_fini(&h);

	/* This namespace's own interfaces include loopback. */
	host_init(&h);
	assert_int_equal(host_load_addrs(&h), 0);
	host_finish(&h);
	assert_true(host_is_local(&h, AF_INET, &lo));
	host_fini(&h);
}

/* --local networks: whole ranges are local, after the exact addresses. */
static void test_local_networks(void **state)
{
	struct host_info h;
	struct ct_addr a;
	char err[160];

	host_init(&h);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/8,fd00::/8,192.0.2.1,[fe80::]/10,"
					  "198.51.100.7/32", err, sizeof err), 0);
	host_finish(&h);
	assert_int_equal(h.naddrs, 1);
	assert_int_equal(h.nnets, 4);
	a = tu_addr("10.0.0.0");
	assert_true(host_is_local(&h, AF_INET, &a));
	a = tu_addr("10.255.255.255");
	assert_true(host_is_local(&h, AF_INET, &a));
	a = tu_addr("10.1.2.3");
	assert_true(host_is_local(&h, AF_INET, &a));
	a = tu_addr("11.0.0.0");
	assert_false(host_is_local(&h, AF_INET, &a));
	a = tu_addr("9.255.255.255");
	assert_false(host_is_local(&h, AF_INET, &a));
	a = tu_addr("192.0.2.1");
	assert_true(host_is_local(&h, AF_INET, &a));
	a = tu_addr("192.0.2.2");
	assert_false(host_is_local(&h, AF_INET, &a));
	a = tu_addr("198.51.100.7");
	assert_true(host_is_local(&h, AF_INET, &a));
	a = tu_addr("198.51.100.6");
	assert_false(host_is_local(&h, AF_INET, &a));
	a = tu_addr("fd12:3456::1");
	assert_true(host_is_local(&h, AF_INET6, &a));
	a = tu_addr("fe00::1");
	assert_false(host_is_local(&h, AF_INET6, &a));
	a = tu_addr("febf:ffff::1");
	assert_true(host_is_local(&h, AF_INET6, &a));
	a = tu_addr("fec0::1");
	assert_false(host_is_local(&h, AF_INET6, &a));
	/* The family counts: 10.0.0.0/8's bytes as an IPv6 address are not in it. */
	a = tu_addr("10.1.2.3");
	assert_false(host_is_local(&h, AF_INET6, &a));
	host_fini(&h);

	/* 0.0.0.0/0 and ::/0: everything of that family. */
	host_init(&h);
	assert_int_equal(host_parse_addrs(&h, "0.0.0.0/0", err, sizeof err), 0);
	host_finish(&h);
	a = tu_addr("203.0.113.9");
	assert_true(host_is_local(&h, AF_INET, &a));
	a = tu_addr("2001:db8::1");
	assert_false(host_is_local(&h, AF_INET6, &a));
	host_fini(&h);

	/* Bad items: one line naming the item, escaped. */
	host_init(&h);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/33", err, sizeof err), -1);
	assert_string_equal(err, "'10.0.0.0/33': the prefix length must be 0 to 32");
	assert_int_equal(host_parse_addrs(&h, "fd00::/129", err, sizeof err), -1);
	assert_string_equal(err, "'fd00::/129': the prefix length must be 0 to 128");
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/", err, sizeof err), -1);
	assert_string_equal(err, "'10.0.0.0/': the prefix length must be 0 to 32");
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/8x", err, sizeof err), -1);
	assert_string_equal(err, "'10.0.0.0/8x': the prefix length must be 0 to 32");
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/-8", err, sizeof err), -1);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/0008", err, sizeof err), -1);
	assert_int_equal(host_parse_addrs(&h, "10.0.0.0/8/8", err, sizeof err), -1);
	assert_int_equal(host_parse_addrs(&h, "nope/8", err, sizeof err), -1);
	assert_string_equal(err, "'nope/8' is not an IPv4 or IPv6 address or network");
	assert_int_equal(host_parse_addrs(&h, "/8", err, sizeof err), -1);
	assert_int_equal(host_parse_addrs(&h, "\033/8", err, sizeof err), -1);
	assert_string_equal(err, "'\\x1b/8' is not an IPv4 or IPv6 address or network");
	/* An interface's address with its prefix is not its whole subnet. */
	assert_int_equal(host_parse_addrs(&h, "192.0.2.7/24", err, sizeof err), -1);
	assert_string_equal(err, "'192.0.2.7/24' has host bits set: give the network "
				 "(192.0.2.0/24) or the address alone");
	assert_int_equal(host_parse_addrs(&h, "fd00::1/64", err, sizeof err), -1);
	assert_string_equal(err, "'fd00::1/64' has host bits set: give the network "
				 "(fd00::/64) or the address alone");
	host_finish(&h);
	assert_int_equal(h.nnets, 0);
	host_fini(&h);
}

/* Broadcast and multicast: received here without being this host's. */
static void test_broadcast(void **state)
{
	struct host_info h;
	struct ct_addr a, b = tu_addr("10.1.0.255");

	host_init(&h);
	host_add_broadcast(&h, AF_INET, &b);
	host_finish(&h);
	a = tu_addr("255.255.255.255");
	assert_true(host_is_broadcast(&h, AF_INET, &a));
	a = tu_addr("224.0.0.251");
	assert_true(host_is_broadcast(&h, AF_INET, &a));
	a = tu_addr("239.255.255.250");
	assert_true(host_is_broadcast(&h, AF_INET, &a));
	a = tu_addr("240.0.0.1");
	assert_false(host_is_broadcast(&h, AF_INET, &a));
	a = tu_addr("223.255.255.255");
	assert_false(host_is_broadcast(&h, AF_INET, &a));
	assert_true(host_is_broadcast(&h, AF_INET, &b));
	a = tu_addr("10.2.0.255");
	assert_false(host_is_broadcast(&h, AF_INET, &a));
	a = tu_addr("ff02::1");
	assert_true(host_is_broadcast(&h, AF_INET6, &a));
	a = tu_addr("ff02::fb");
	assert_true(host_is_broadcast(&h, AF_INET6, &a));
	a = tu_addr("fe80::1");
	assert_false(host_is_broadcast(&h, AF_INET6, &a));
	/* Broadcast is not local: the rules tell them apart. */
	assert_false(host_is_local(&h, AF_INET, &b));
	host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_tcp_listeners),
		cmocka_unit_test(test_proc_line_cut_at_port),
		cmocka_unit_test(test_local_addresses),
		cmocka_unit_test(test_local_networks),
		cmocka_unit_test(test_broadcast),
	};

	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
