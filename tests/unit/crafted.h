/*
 * crafted.h - keys chosen against the unkeyed hash lsconntrack used before
 * (review M1): the C twin of tools/crafted.py, for the unit tests of the
 * flow index and the store.  The old hash_words() chained the splitmix64
 * finaliser, a bijection, from a fixed start; so whoever fixes all words of
 * a key but one can solve for that one to get any hash they like.  Here it
 * is the interface identifier of an IPv6 peer in one /64.
 */
#ifndef LSCT_TEST_CRAFTED_H
#define LSCT_TEST_CRAFTED_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CR_GOLD 0x9e3779b97f4a7c15ull
#define CR_C1 0xbf58476d1ce4e5b9ull
#define CR_C2 0x94d049bb133111ebull

static inline uint64_t cr_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= CR_C1;
	x ^= x >> 27;
	x *= CR_C2;
	x ^= x >> 31;
	return x;
}

/* The multiplicative inverse of an odd c modulo 2^64 (Newton's iteration). */
static inline uint64_t cr_inverse(uint64_t c)
{
	uint64_t x = c;

	for (int i = 0; i < 6; i++)
		x *= 2 - c * x;
	return x;
}

/* Inverts y = x ^ (x >> s). */
static inline uint64_t cr_unshift(uint64_t y, unsigned s)
{
	uint64_t x = y;

	for (unsigned i = 0; i < 64 / s + 1; i++)
		x = y ^ (x >> s);
	return x;
}

static inline uint64_t cr_unmix(uint64_t y)
{
	y = cr_unshift(y, 31);
	y *= cr_inverse(CR_C2);
	y = cr_unshift(y, 27);
	y *= cr_inverse(CR_C1);
	return cr_unshift(y, 30);
}

/* The old, unkeyed hash_words(). */
static inline uint64_t cr_old_hash(const uint64_t *w, size_t n)
{
	uint64_t h = CR_GOLD;

	for (size_t i = 0; i < n; i++)
		h = cr_mix(h ^ w[i]);
	return h;
}

/*
 * The second word w1 of the key { w0, w1, later[0..n-1] } whose old hash is
 * target.
 */
static inline uint64_t cr_solve(uint64_t target, uint64_t w0, const uint64_t *later, size_t n)
{
	uint64_t h = target;

	while (n--)
		h = cr_unmix(h) ^ later[n];
	return cr_unmix(h) ^ cr_mix(CR_GOLD ^ w0);
}

/*
 * The probes of n crafted keys (pc) against n random ones (pr) in one
 * table: the crafted keys may not cost more than a random key's mean probe
 * length plus half a probe, nor cluster beyond a few times the random
 * maximum.  what names the table; max_mean bounds the random mean.
 * (cmocka's asserts: include <cmocka.h> before this header.)
 */
static inline void cr_assert_like_random(const char *what, size_t n, struct probe_stats pr,
					 struct probe_stats pc, double max_mean)
{
	double mr, mc;

	assert_int_equal(pr.keys, n);
	assert_int_equal(pc.keys, n);
	mr = (double)pr.total / (double)pr.keys;
	mc = (double)pc.total / (double)pc.keys;
	print_message("%s, %zu keys: mean probe random %.3f crafted %.3f; max %zu, %zu\n",
		      what, n, mr, mc, pr.max, pc.max);
	assert_true(mr >= 1.0 && mr < max_mean);
	assert_true(mc <= mr + 0.5);
	assert_true(pc.max <= 3 * pr.max + 8);
}

#endif
