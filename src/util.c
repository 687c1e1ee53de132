/* util.c - allocation, number parsing, clocks, the keyed hash. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static void (*fatal_hook)(void);

void util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void oom(void)
{
	if (fatal_hook)
		fatal_hook();
	/* The one place a module writes to stderr: there is nobody left to tell. */
	fputs("lsconntrack: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom();
	return q;
}

/*
 * Blocks of 2 MiB and more are aligned to 2 MiB and marked for transparent
 * huge pages: the flow index, the flows and the store are read at random,
 * one cache miss per connection, and with 4 KiB pages most of those misses
 * also miss the TLB (a two-level page walk in a VM).
 */
#define HUGE_SIZE ((size_t)2 << 20)

static size_t page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

/* An aligned, private, anonymous range of len bytes (page-rounded). */
static void *map_aligned(size_t len)
{
	uint8_t *p, *a;

	if (len > SIZE_MAX - HUGE_SIZE)
		oom();
	p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		oom();
	a = (uint8_t *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + len + HUGE_SIZE > a + len)
		munmap(a + len, (size_t)(p + len + HUGE_SIZE - (a + len)));
#ifdef MADV_HUGEPAGE
	/* Only a hint: without THP the range is still ordinary memory. */
	(void)madvise(a, len, MADV_HUGEPAGE);
#endif
	return a;
}

void *huge_alloc(size_t n)
{
	if (n < HUGE_SIZE)
		return xcalloc(1, n);
	return map_aligned(page_round(n));
}

void *huge_realloc(void *p, size_t old, size_t n)
{
	void *q;

	if (!p)
		return huge_alloc(n);
	if (n < HUGE_SIZE) {
		if (old >= HUGE_SIZE) {
			q = xcalloc(1, n);
			memcpy(q, p, n < old ? n : old);
			huge_free(p, old);
			return q;
		}
		q = xrealloc(p, n);
		if (n > old)
			memset((uint8_t *)q + old, 0, n - old);
		return q;
	}
	if (old < HUGE_SIZE) {
		q = huge_alloc(n);
		memcpy(q, p, old < n ? old : n);
		free(p);
		return q;
	}
	/*
	 * Move the pages into a new aligned range (the kernel remaps them,
	 * nothing is copied); the part beyond the old end is fresh zero pages.
	 */
	q = map_aligned(page_round(n));
	if (mremap(p, page_round(old), page_round(n), MREMAP_MAYMOVE | MREMAP_FIXED, q) ==
	    MAP_FAILED)
		oom();
	return q;
}

size_t huge_cap(size_t n, size_t elem)
{
	size_t bytes;

	if (!elem || n > (SIZE_MAX - HUGE_SIZE) / elem || n * elem < HUGE_SIZE / 2)
		return n;
	bytes = (n * elem + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	return bytes / elem;
}

void huge_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < HUGE_SIZE)
		free(p);
	else
		munmap(p, page_round(n));
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int read_u64_file(const char *path, uint64_t *out)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (parse_u64(buf, (size_t)n, UINT64_MAX, out) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec ts_of_seconds(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (ts.tv_nsec < 0)
		ts.tv_nsec = 0;
	return ts;
}

/* ---- the keyed hash --------------------------------------------------- */

struct util_hash_key util_hash_key;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Fills buf from the kernel's CSPRNG; 0, or -1 when nothing answers. */
static int random_bytes(unsigned char *buf, size_t len)
{
	size_t got = 0;
	int fd;

	/*
	 * GRND_NONBLOCK: early in boot, before the pool is seeded, a monitor
	 * must still start; /dev/urandom then answers at once.
	 */
	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, GRND_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return 0;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got == len ? 0 : -1;
}

/*
 * The last resort, when neither getrandom() nor /dev/urandom answers (an old
 * kernel in a chroot without /dev): what differs between runs and is hard to
 * guess from outside, the clocks in nanoseconds, the pid and, with ASLR, the
 * addresses of the stack, the heap and this code, folded by SipHash.
 */
static void weak_key(unsigned char key[16])
{
	struct timespec rt, mono;
	uint64_t w[6], k0, k1;
	void *heap = malloc(1);
	int local;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	w[0] = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	w[1] = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	w[2] = (uint64_t)getpid() << 32 | (uint64_t)getppid();
	w[3] = (uint64_t)(uintptr_t)&local;
	w[4] = (uint64_t)(uintptr_t)heap;
	w[5] = (uint64_t)(uintptr_t)&weak_key;
	free(heap);
	k0 = util_siphash(w[0], w[1], w, sizeof w);
	k1 = util_siphash(w[3], w[4] ^ w[5], w, sizeof w);
	for (int i = 0; i < 8; i++) {
		key[i] = (unsigned char)(k0 >> (8 * i));
		key[8 + i] = (unsigned char)(k1 >> (8 * i));
	}
}

static void hash_draw_key(void)
{
	unsigned char key[16];

	if (random_bytes(key, sizeof key) < 0)
		weak_key(key);
	util_hash_key.k0 = le64(key);
	util_hash_key.k1 = le64(key + 8);
	atomic_store_explicit(&util_hash_key.ready, 1, memory_order_release);
}

void util_hash_init(void)
{
	(void)pthread_once(&hash_once, hash_draw_key);
}

/* Keyed at startup, so no hash ever draws the key inside a sandbox. */
__attribute__((constructor)) static void hash_init_at_start(void)
{
	util_hash_init();
}

void util_hash_set_key(uint64_t k0, uint64_t k1)
{
	util_hash_init();
	util_hash_key.k0 = k0;
	util_hash_key.k1 = k1;
}

uint64_t util_siphash_cd(int c, int d, uint64_t k0, uint64_t k1, const void *msg,
			 size_t len)
{
	const unsigned char *p = msg;
	uint64_t v[4], last;
	size_t i;

	util_sip_start(v, k0, k1);
	for (i = 0; i + 8 <= len; i += 8)
		util_sip_word(v, le64(p + i), c);
	/* The last block: the 0-7 bytes left, the length's low byte on top. */
	last = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	util_sip_word(v, last, c);
	return util_sip_end(v, d);
}

uint64_t util_siphash(uint64_t k0, uint64_t k1, const void *msg, size_t len)
{
	return util_siphash_cd(UTIL_SIP_C, UTIL_SIP_D, k0, k1, msg, len);
}
