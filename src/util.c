/* util.c - allocation, number parsing, clocks. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

void *xmalloc_huge(size_t n)
{
	void *p;

	if (n < HUGE_SIZE)
		return xmalloc(n);
	if (posix_memalign(&p, HUGE_SIZE, n) != 0)
		oom();
#ifdef MADV_HUGEPAGE
	/* Only a hint: without THP the block is still ordinary memory. */
	(void)madvise(p, (n + 4095) & ~(size_t)4095, MADV_HUGEPAGE);
#endif
	return p;
}

void *xcalloc_huge(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		oom();
	if (n * size < HUGE_SIZE)
		return xcalloc(n, size);
	p = xmalloc_huge(n * size);
	memset(p, 0, n * size);
	return p;
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
