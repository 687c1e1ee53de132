/* util.h - small helpers with no project knowledge. */
#ifndef LSCT_UTIL_H
#define LSCT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Out of memory is fatal; the hook (set by main) restores the terminal first. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* The same for big arrays read at random: aligned for huge pages; free() frees. */
void *xmalloc_huge(size_t n);
void *xcalloc_huge(size_t n, size_t size);
void util_set_fatal_hook(void (*hook)(void));

/* a + b, stopping at UINT64_MAX instead of wrapping. */
static inline uint64_t u64_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* a - b, or 0 when b > a (counters that went backwards). */
static inline uint64_t u64_sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* A 64-bit mixing function (the splitmix64 finaliser), for hash keys. */
static inline uint64_t u64_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/*
 * The one hash of the project's tables: n 64-bit words in, a well-mixed
 * 64-bit value out (each word folded in by u64_mix).
 */
static inline uint64_t hash_words(const uint64_t *w, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < n; i++)
		h = u64_mix(h ^ w[i]);
	return h;
}

/*
 * Parses a decimal unsigned number of exactly len bytes (digits only, no sign,
 * no spaces).  Returns 0, or -1 if empty, not all digits, or above max.
 */
int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Reads a small text file (a sysctl) as an unsigned number; -1 with errno. */
int read_u64_file(const char *path, uint64_t *out);

/* Seconds on CLOCK_MONOTONIC. */
double mono_now(void);
/* Seconds (>= 0) as a timespec, nanoseconds carried into seconds. */
struct timespec ts_of_seconds(double s);

#endif
