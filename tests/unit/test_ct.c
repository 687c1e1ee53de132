/* ct.c: addresses as text, against the C library's inet_ntop(). */
#include "testutil.h"

#include <arpa/inet.h>

/* The hand-written IPv4 path of ct_addr_str() against inet_ntop(). */
static void test_addr_str(void **state)
{
	static const char *const v4[] = {
		"0.0.0.0", "255.255.255.255", "10.0.100.9", "1.20.199.200", "100.10.0.1",
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		struct ct_addr a = tu_addr(v4[i]);

		assert_string_equal(ct_addr_str(AF_INET, &a, buf, sizeof buf), v4[i]);
	}
	for (unsigned v = 0; v < 256; v++) {
		struct ct_addr a;
		char want[16];

		memset(&a, 0, sizeof a);
		a.b[0] = a.b[3] = (uint8_t)v;
		a.b[1] = (uint8_t)(255 - v);
		snprintf(want, sizeof want, "%u.%u.0.%u", v, 255 - v, v);
		assert_string_equal(ct_addr_str(AF_INET, &a, buf, sizeof buf), want);
	}
	{
		struct ct_addr a = tu_addr("fd00::1");

		assert_string_equal(ct_addr_str(AF_INET6, &a, buf, sizeof buf), "fd00::1");
	}
}

/*
 * The hand-written IPv6 path against the C library's inet_ntop(): every
 * pattern of zero and non-zero groups (the "::" choice), group values with
 * 1-4 digits, the IPv4-compatible and -mapped forms, and random addresses.
 */
static void check_v6(const struct ct_addr *a)
{
	char want[64], got[64];

	assert_non_null(inet_ntop(AF_INET6, a->b, want, sizeof want));
	assert_string_equal(ct_addr_str(AF_INET6, a, got, sizeof got), want);
}

static void test_addr_str_v6(void **state)
{
	static const uint16_t vals[] = { 0x1, 0xa, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff };
	static const char *const fixed[] = {
		"::", "::1", "1::", "::ffff:10.1.2.3", "::10.1.2.3", "::ffff:0.0.0.0",
		"::1:0:0:0", "1:0:0:2:0:0:0:3", "1:0:0:2:0:0:3:4", "1:2:3:4:5:6:7:8",
		"fe80::1:2", "2001:db8::", "0:1::", "::0.1.0.0",
	};
	uint64_t x = 42;
	struct ct_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		a = tu_addr(fixed[i]);
		check_v6(&a);
	}
	for (unsigned mask = 0; mask < 256; mask++) {
		for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
			memset(&a, 0, sizeof a);
			for (int g = 0; g < 8; g++) {
				uint16_t w = (uint16_t)(mask >> g & 1 ? vals[(v + (size_t)g) % 8] : 0);

				a.b[2 * g] = (uint8_t)(w >> 8);
				a.b[2 * g + 1] = (uint8_t)w;
			}
			check_v6(&a);
			a.b[10] = a.b[11] = 0xff;	/* word 5: the mapped form's marker */
			check_v6(&a);
		}
	}
	for (int i = 0; i < 100000; i++) {
		for (int k = 0; k < 16; k += 8) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			memcpy(a.b + k, &x, 8);
		}
		/* Zero some groups so that "::" runs of every length turn up. */
		for (int g = 0; g < 8; g++)
			if (a.b[g] & 1)
				a.b[2 * g] = a.b[2 * g + 1] = 0;
		check_v6(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_addr_str_v6),
	};

	return cmocka_run_group_tests_name("ct", tests, NULL, NULL);
}
