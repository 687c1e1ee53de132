/* util.h - small helpers with no project knowledge. */
#ifndef LSCT_UTIL_H
#define LSCT_UTIL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Out of memory is fatal; the hook (set by main) restores the terminal first. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/*
 * Big arrays read at random (the flow index, the flows, the store): blocks
 * of 2 MiB and more are mapped on their own, aligned for huge pages, and
 * zero-filled by the kernel as they are touched (untouched pages cost
 * nothing).  The caller keeps the size: huge_realloc() moves the pages
 * instead of copying them, so growing never holds two copies, and
 * huge_free() needs it.  Smaller blocks come from malloc.
 */
void *huge_alloc(size_t n);				/* zeroed */
void *huge_realloc(void *p, size_t old, size_t n);	/* the new part zeroed */
void huge_free(void *p, size_t n);				/* NULL is fine */
/*
 * How many elements of elem bytes to allocate for n of them so that an
 * array of 1 MiB or more ends on a 2 MiB boundary: all of it then lies in
 * huge pages, where a last part short of one would fault in 4 KiB pages
 * (400 faults for 1.6 MiB).  Smaller arrays: n.
 */
size_t huge_cap(size_t n, size_t elem);
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

/*
 * The one hash of the project's tables: n 64-bit words in, 64 bits out.
 * Every table that outside data fills (the flow index, the per-connection
 * store, the name cache) hashes with it, so it is a keyed PRF: SipHash-1-3
 * (Aumasson and Bernstein) under a 128-bit key drawn once per process from
 * getrandom() (util_hash_init()).  Without the key nobody can choose inputs
 * that collide, so lookups stay O(1) expected whatever the peers' addresses
 * are (doc/performance.md, "Hash flooding").  hash_words(w, n) is SipHash of
 * the 8n bytes that are the words in little-endian order (on a little-endian
 * host, the words' own bytes), as util_siphash() computes it.
 */
#ifndef UTIL_SIP_C
#define UTIL_SIP_C 1	/* compression rounds per word */
#define UTIL_SIP_D 3	/* finalisation rounds */
#endif

struct util_hash_key {
	uint64_t k0, k1;	/* the key's bytes 0-7 and 8-15, little-endian */
	atomic_int ready;	/* set (release) once k0, k1 hold the key */
};
extern struct util_hash_key util_hash_key;

/*
 * Draws the key if no one has yet: getrandom(), else /dev/urandom, else a
 * mix of clocks, pid and addresses (never fails, never blocks).  Thread-safe
 * and idempotent; hash_words() calls it on first use, and it also runs at
 * startup (a constructor), before any sandbox could refuse getrandom().
 */
void util_hash_init(void);
/*
 * Tests only: fixes the key (bytes 0-7 and 8-15, little-endian), so hashes
 * are reproducible.  Not safe while another thread hashes.
 */
void util_hash_set_key(uint64_t k0, uint64_t k1);
/* SipHash (the variant above) of len bytes under an explicit key. */
uint64_t util_siphash(uint64_t k0, uint64_t k1, const void *msg, size_t len);
/* SipHash-c-d of len bytes: any variant, for tests against published vectors. */
uint64_t util_siphash_cd(int c, int d, uint64_t k0, uint64_t k1, const void *msg,
			 size_t len);

static inline uint64_t util_rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* One SipRound on the state v[0..3]. */
#define UTIL_SIPROUND(v) do {						\
		(v)[0] += (v)[1]; (v)[1] = util_rotl64((v)[1], 13);	\
		(v)[1] ^= (v)[0]; (v)[0] = util_rotl64((v)[0], 32);	\
		(v)[2] += (v)[3]; (v)[3] = util_rotl64((v)[3], 16);	\
		(v)[3] ^= (v)[2];					\
		(v)[0] += (v)[3]; (v)[3] = util_rotl64((v)[3], 21);	\
		(v)[3] ^= (v)[0];					\
		(v)[2] += (v)[1]; (v)[1] = util_rotl64((v)[1], 17);	\
		(v)[1] ^= (v)[2]; (v)[2] = util_rotl64((v)[2], 32);	\
	} while (0)

static inline void util_sip_start(uint64_t v[4], uint64_t k0, uint64_t k1)
{
	/* "somepseudorandomlygeneratedbytes", the constants of the spec. */
	v[0] = k0 ^ 0x736f6d6570736575ull;
	v[1] = k1 ^ 0x646f72616e646f6dull;
	v[2] = k0 ^ 0x6c7967656e657261ull;
	v[3] = k1 ^ 0x7465646279746573ull;
}

/* One 8-byte block m, with c compression rounds. */
static inline void util_sip_word(uint64_t v[4], uint64_t m, int c)
{
	v[3] ^= m;
	for (int r = 0; r < c; r++)
		UTIL_SIPROUND(v);
	v[0] ^= m;
}

/* Finalisation with d rounds: the 64-bit result. */
static inline uint64_t util_sip_end(uint64_t v[4], int d)
{
	v[2] ^= 0xff;
	for (int r = 0; r < d; r++)
		UTIL_SIPROUND(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static inline uint64_t hash_words(const uint64_t *w, size_t n)
{
	uint64_t v[4];

	if (!atomic_load_explicit(&util_hash_key.ready, memory_order_acquire))
		util_hash_init();
	util_sip_start(v, util_hash_key.k0, util_hash_key.k1);
	for (size_t i = 0; i < n; i++)
		util_sip_word(v, w[i], UTIL_SIP_C);
	/* The last block: only the length (a multiple of 8) in its top byte. */
	util_sip_word(v, (uint64_t)(n * 8) << 56, UTIL_SIP_C);
	return util_sip_end(v, UTIL_SIP_D);
}

/*
 * How long lookups are in an open-addressing table, measured on demand (a
 * walk over the table, nothing counted on the lookup path): keys held, and
 * the slots a lookup of each reads (1 = found in its home slot), summed and
 * at most.  Tests and the hash-flooding bench compare crafted and random keys.
 */
struct probe_stats {
	size_t keys;
	uint64_t total;
	size_t max;
};

static inline void probe_stats_add(struct probe_stats *ps, size_t len)
{
	ps->keys++;
	ps->total += len;
	if (len > ps->max)
		ps->max = len;
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
