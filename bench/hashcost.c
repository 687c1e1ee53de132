/*
 * hashcost.c - what one hash_words() call costs: the keyed SipHash the
 * tables use, against SipHash-2-4 and against the unkeyed splitmix64 chain
 * lsconntrack used before (kept here only as the yardstick).
 *
 *   hashcost [-n CALLS]
 *
 * For 3 words (the flow index, the name cache) and 6 (the per-connection
 * store) it prints nanoseconds per call two ways: "throughput", independent
 * inputs as the flow table's ring of pending entries hashes them, and
 * "latency", each input depending on the previous hash.  Minimum of 5 runs
 * of CALLS (default 10^7) calls each, CPU time of the thread.  Linked with
 * build/liblsct.a.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The unkeyed hash_words() of before the security review (M1). */
static inline uint64_t old_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static inline uint64_t old_hash(const uint64_t *w, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < n; i++)
		h = old_mix(h ^ w[i]);
	return h;
}

static inline uint64_t sip24_words(const uint64_t *w, size_t n)
{
	uint64_t v[4];

	util_sip_start(v, util_hash_key.k0, util_hash_key.k1);
	for (size_t i = 0; i < n; i++)
		util_sip_word(v, w[i], 2);
	util_sip_word(v, (uint64_t)(n * 8) << 56, 2);
	return util_sip_end(v, 4);
}

enum kind { OLD, KEYED, SIP24 };

static inline uint64_t hash_of(enum kind k, const uint64_t *w, size_t n)
{
	return k == OLD ? old_hash(w, n) : k == KEYED ? hash_words(w, n) : sip24_words(w, n);
}

static volatile uint64_t sink;

static double run(enum kind k, size_t n, long calls, int dependent)
{
	uint64_t w[6] = { 0x20010db800000001ull, 0x1234, 443, 7, 9, 0 }, acc = 0;
	double best = 1e9;

	for (int rep = 0; rep < 5; rep++) {
		double t0 = cpu_now(), t;

		for (long i = 0; i < calls; i++) {
			uint64_t h;

			w[1] = dependent ? acc : (uint64_t)i;
			h = hash_of(k, w, n);
			acc = dependent ? h : acc + h;
		}
		t = cpu_now() - t0;
		if (t < best)
			best = t;
	}
	sink = acc;
	return best * 1e9 / (double)calls;
}

int main(int argc, char **argv)
{
	static const char *const name[] = { "old unkeyed splitmix64 chain", NULL,
		"SipHash-2-4" };
	long calls = 10000000;
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: hashcost [-n CALLS]\n");
			return 2;
		}
		calls = atol(optarg);
	}
	util_hash_init();
	for (size_t n = 3; n <= 6; n += 3)
		for (int k = OLD; k <= SIP24; k++) {
			if (k == KEYED)
				printf("words=%zu hash=\"hash_words (SipHash-%d-%d)\"", n,
				       UTIL_SIP_C, UTIL_SIP_D);
			else
				printf("words=%zu hash=\"%s\"", n, name[k]);
			printf(" throughput_ns=%.2f latency_ns=%.2f\n",
			       run((enum kind)k, n, calls, 0), run((enum kind)k, n, calls, 1));
		}
	return 0;
}
