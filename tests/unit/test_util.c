/* util.c: huge-page allocations, number parsing, saturating arithmetic, the keyed hash. */
#include "testutil.h"

#include "util.h"

#include <stdlib.h>

/*
 * Big arrays: 2 MiB-aligned (so huge pages can back them) and zeroed;
 * growing keeps the contents (moved, not copied) and zeroes the new part,
 * across the small/big boundary both ways; small ones are malloc's.
 */
static void test_alloc_huge(void **state)
{
	size_t n = (size_t)5 << 20;
	unsigned char *p = huge_alloc(n);
	unsigned char *q = huge_alloc(n + 1);
	char *small = huge_alloc(100);

	(void)state;
	assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
	assert_int_equal((uintptr_t)q % ((uintptr_t)2 << 20), 0);
	for (size_t i = 0; i < n; i += 4093)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[n - 1], 0);
	memset(q, 0xab, n + 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(small[i], 0);
	/* Big to bigger: the bytes stay, the rest is zero, still aligned. */
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	p = huge_realloc(p, n, 2 * n + 12345);
	assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
	for (size_t i = 0; i < n; i += 997)
		assert_int_equal(p[i], (unsigned char)(i * 7 + 1));
	assert_int_equal(p[n - 1], (unsigned char)((n - 1) * 7 + 1));
	for (size_t i = n; i < 2 * n + 12345; i += 4001)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[2 * n + 12344], 0);
	/* Small to big and back. */
	memset(small, 0x5a, 100);
	small = huge_realloc(small, 100, n);
	assert_int_equal((uintptr_t)small % ((uintptr_t)2 << 20), 0);
	assert_int_equal(small[99], 0x5a);
	assert_int_equal(small[100], 0);
	assert_int_equal(small[n - 1], 0);
	small = huge_realloc(small, n, 200);
	assert_int_equal(small[0], 0x5a);
	assert_int_equal(small[150], 0);
	huge_free(small, 200);
	huge_free(q, n + 1);
	huge_free(p, 2 * n + 12345);
	huge_free(NULL, n);
}

/*
 * huge_cap(): arrays of 1 MiB and more end on a 2 MiB boundary, with at
 * least the elements asked for; smaller ones, a zero size and a count
 * that would overflow are left as asked.
 */
static void test_huge_cap(void **state)
{
	const size_t mib = (size_t)1 << 20;

	(void)state;
	assert_int_equal(huge_cap(0, 112), 0);
	assert_int_equal(huge_cap(1000, 112), 1000);
	assert_int_equal(huge_cap(mib / 32 - 1, 32), mib / 32 - 1);
	assert_int_equal(huge_cap(mib / 32, 32), 2 * mib / 32);
	assert_int_equal(huge_cap(50000, 32), 2 * mib / 32);
	/* 50,000 flows of 112 bytes: 5.3 MiB, to 6 MiB. */
	assert_int_equal(huge_cap(50000, 112), 6 * mib / 112);
	assert_true(huge_cap(50000, 112) >= 50000);
	assert_int_equal(huge_cap(2 * mib / 8, 8), 2 * mib / 8);
	assert_int_equal(huge_cap(2 * mib / 8 + 1, 8), 4 * mib / 8);
	assert_int_equal(huge_cap(12345, 0), 12345);
	assert_int_equal(huge_cap(SIZE_MAX / 2, 16), SIZE_MAX / 2);
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

/* The SipHash test key 00 01 .. 0f, as util_hash_set_key() takes it. */
#define TK0 0x0706050403020100ull
#define TK1 0x0f0e0d0c0b0a0908ull

/*
 * Published SipHash-2-4 outputs (the paper's test key, message 00 01 ..
 * n-1, n = 0..15): checks the round, the constants and the padding.
 */
static void test_siphash24_published(void **state)
{
	static const uint64_t want[16] = {
		0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
		0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
		0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
		0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
	};
	unsigned char msg[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		msg[i] = (unsigned char)i;
	for (size_t n = 0; n < 16; n++)
		assert_true(util_siphash_cd(2, 4, TK0, TK1, msg, n) == want[n]);
}

/*
 * The variant hash_words() uses, SipHash-1-3, on the same key and messages
 * of 0..63 bytes.  The table is the output of tests/unit/siphash_ref.py, a
 * Python SipHash written apart from this C that first checks itself on the
 * published 2-4 vectors above; the CLI suite checks the table against it.
 */
/* siphash13 table begin */
static const uint64_t sip13_want[64] = {
	0xabac0158050fc4dc, 0xc9f49bf37d57ca93, 0x82cb9b024dc7d44d, 0x8bf80ab8e7ddf7fb,
	0xcf75576088d38328, 0xdef9d52f49533b67, 0xc50d2b50c59f22a7, 0xd3927d989bb11140,
	0x369095118d299a8e, 0x25a48eb36c063de4, 0x79de85ee92ff097f, 0x70c118c1f94dc352,
	0x78a384b157b4d9a2, 0x306f760c1229ffa7, 0x605aa111c0f95d34, 0xd320d86d2a519956,
	0xcc4fdd1a7d908b66, 0x9cf2689063dbd80c, 0x8ffc389cb473e63e, 0xf21f9de58d297d1c,
	0xc0dc2f46a6cce040, 0xb992abfe2b45f844, 0x7ffe7b9ba320872e, 0x525a0e7fdae6c123,
	0xf464aeb267349c8c, 0x45cd5928705b0979, 0x3a3e35e3ca9913a5, 0xa91dc74e4ade3b35,
	0xfb0bed02ef6cd00d, 0x88d93cb44ab1e1f4, 0x540f11d643c5e663, 0x2370dd1f8c21d1bc,
	0x81157b6c16a7b60d, 0x4d54b9e57a8ff9bf, 0x759f12781f2a753e, 0xcea1a3bebf186b91,
	0x2cf508d3ada26206, 0xb6101c2da3c33057, 0xb3f47496ae3a36a1, 0x626b57547b108392,
	0xc1d2363299e41531, 0x667cc1923f1ad944, 0x65704ffec8138825, 0x24f280d1c28949a6,
	0xc2ca1cedfaf8876b, 0xc2164bfc9f042196, 0xa16e9c9368b1d623, 0x49fb169c8b5114fd,
	0x9f3143f8df074c46, 0xc6fdaf2412cc86b3, 0x7eaf49d10a52098f, 0x1cf313559d292f9a,
	0xc44a30dda2f41f12, 0x36fae98943a71ed0, 0x318fb34c73f0bce6, 0xa27abf3670a7e980,
	0xb4bcc0db243c6d75, 0x23f8d852fdb71513, 0x8f035f4da67d8a08, 0xd89cd0e5b7e8f148,
	0xf6f4e6bcf7a644ee, 0xaec59ad80f1837f2, 0xc3b2f6154b6694e0, 0x9d199062b7bbb3a8
};
/* siphash13 table end */

static void test_siphash13_reference(void **state)
{
	unsigned char msg[64];

	(void)state;
	assert_int_equal(UTIL_SIP_C, 1);
	assert_int_equal(UTIL_SIP_D, 3);
	for (int i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	for (size_t n = 0; n < 64; n++) {
		assert_true(util_siphash_cd(1, 3, TK0, TK1, msg, n) == sip13_want[n]);
		assert_true(util_siphash(TK0, TK1, msg, n) == sip13_want[n]);
	}
}

/* Key bytes in, words as little-endian bytes: what hash_words() hashes. */
static void put_le(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * The process draws its own key at startup (the test changes it only
 * below); hash_words(w, n) is SipHash of the words' little-endian bytes
 * under the key util_hash_set_key() fixes.
 */
static void test_hash_words_is_keyed_siphash(void **state)
{
	uint64_t w[8];
	unsigned char b[64];

	(void)state;
	assert_true(atomic_load(&util_hash_key.ready));
	/* 2^-128 to fail by chance. */
	assert_false(util_hash_key.k0 == 0 && util_hash_key.k1 == 0);
	assert_false(util_hash_key.k0 == TK0 && util_hash_key.k1 == TK1);
	srand(11);
	for (int round = 0; round < 50; round++) {
		uint64_t k0 = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand();
		uint64_t k1 = (uint64_t)rand() << 35 ^ (uint64_t)rand() << 3 ^ (uint64_t)rand();

		util_hash_set_key(k0, k1);
		for (size_t n = 0; n <= 8; n++) {
			for (size_t i = 0; i < n; i++) {
				w[i] = (uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^ (uint64_t)rand();
				put_le(b + 8 * i, w[i]);
			}
			assert_true(hash_words(w, n) == util_siphash(k0, k1, b, 8 * n));
		}
	}
	util_hash_set_key(TK0, TK1);
	w[0] = 0;
	w[1] = 1;
	w[2] = 2;
	assert_true(hash_words(w, 3) == util_siphash(TK0, TK1, (const unsigned char[24]){
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 }, 24));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Other keys, other hashes: under keys that differ in one bit the same
 * input hashes apart (no two of 128 keys agree on any of 64 inputs); and
 * inputs that differ in one bit hash apart under one key: 65536 inputs,
 * no 64-bit collision, and their low 12 bits (a table's home slot) spread
 * evenly: no one of 4096 buckets gets more than 3 times the mean of 16.
 */
static void test_hash_keys_and_inputs_differ(void **state)
{
	enum { KEYS = 128, INPUTS = 65536, BUCKETS = 4096 };
	uint64_t *h = malloc(KEYS * sizeof *h), w[3];
	uint64_t *all = malloc(INPUTS * sizeof *all);
	unsigned *load = calloc(BUCKETS, sizeof *load), most = 0;

	(void)state;
	assert_non_null(h);
	assert_non_null(all);
	assert_non_null(load);
	for (uint64_t in = 0; in < 64; in++) {
		w[0] = 0x20010db8;
		w[1] = in;
		w[2] = 443;
		for (int k = 0; k < KEYS; k++) {
			util_hash_set_key(TK0 ^ ((k & 64) ? 1ull << (k & 63) : 0),
					  TK1 ^ ((k & 64) ? 0 : 1ull << (k & 63)));
			h[k] = hash_words(w, 3);
		}
		qsort(h, KEYS, sizeof *h, cmp_u64);
		for (int k = 1; k < KEYS; k++)
			assert_true(h[k] != h[k - 1]);
	}
	util_hash_set_key(TK0, TK1);
	for (uint64_t i = 0; i < INPUTS; i++) {
		/* One bit of the 192 set, or a counter in the peer's low word. */
		w[0] = i < 64 ? 1ull << i : 0x20010db8;
		w[1] = i >= 64 && i < 128 ? 1ull << (i - 64) : i >= 192 ? i : 0;
		w[2] = i >= 128 && i < 192 ? 1ull << (i - 128) : i >= 192 ? 444 : 443;
		all[i] = hash_words(w, 3);
		if (++load[all[i] % BUCKETS] > most)
			most = load[all[i] % BUCKETS];
	}
	assert_true(most <= 3 * INPUTS / BUCKETS);
	qsort(all, INPUTS, sizeof *all, cmp_u64);
	for (size_t i = 1; i < INPUTS; i++)
		assert_true(all[i] != all[i - 1]);
	free(load);
	free(all);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_alloc_huge),
		cmocka_unit_test(test_huge_cap),
		/* Before any other changes the key: it checks the drawn one. */
		cmocka_unit_test(test_hash_words_is_keyed_siphash),
		cmocka_unit_test(test_siphash24_published),
		cmocka_unit_test(test_siphash13_reference),
		cmocka_unit_test(test_hash_keys_and_inputs_differ),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
