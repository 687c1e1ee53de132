/* util.c: huge-page allocations, number parsing, saturating arithmetic. */
#include "testutil.h"

#include "util.h"

/* Big arrays: 2 MiB-aligned (so huge pages can back them), zeroed by the
 * calloc form, freed by free(); small ones are ordinary allocations. */
static void test_alloc_huge(void **state)
{
	size_t n = (size_t)5 << 20;
	unsigned char *p = xcalloc_huge(n / 8, 8);
	unsigned char *q = xmalloc_huge(n + 1);
	char *small = xcalloc_huge(10, 10);

	(void)state;
	assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
	assert_int_equal((uintptr_t)q % ((uintptr_t)2 << 20), 0);
	for (size_t i = 0; i < n; i += 4093)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[n - 1], 0);
	memset(q, 0xab, n + 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(small[i], 0);
	free(small);
	free(q);
	free(p);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	assert_int_equal(parse_u64("18446744073709551615", 20, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", 20, UINT64_MAX, &v), -1);
	assert_int_equal(parse_u64("65536", 5, 65535, &v), -1);
	assert_int_equal(parse_u64("", 0, 1, &v), -1);
	assert_int_equal(parse_u64("1a", 2, 100, &v), -1);
	assert_true(u64_add_sat(UINT64_MAX - 1, 5) == UINT64_MAX);
	assert_true(u64_sub_sat(3, 5) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_alloc_huge),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
