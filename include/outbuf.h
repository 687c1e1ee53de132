/*
 * outbuf.h - text appended to a fixed buffer, for the writers (out_table.c,
 * out_json.c), which build lines and objects in memory and hand them to
 * stdio in large pieces.  Pieces stop at the buffer's end rather than
 * overflow it; the writers size their buffers so that they never do.
 */
#ifndef LSCT_OUTBUF_H
#define LSCT_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct outbuf {
	char *p, *end;
};

static inline void outbuf_mem(struct outbuf *b, const char *s, size_t n)
{
	/*
	 * Two copies, so that the one taken (there is room) copies n bytes
	 * as given: a literal's length is known when compiling, and its copy
	 * becomes a few moves instead of a copy loop of unknown length.
	 */
	if (__builtin_expect(n <= (size_t)(b->end - b->p), 1)) {
		memcpy(b->p, s, n);
		b->p += n;
		return;
	}
	n = (size_t)(b->end - b->p);
	memcpy(b->p, s, n);
	b->p += n;
}

static inline void outbuf_str(struct outbuf *b, const char *s)
{
	outbuf_mem(b, s, strlen(s));
}

/* A string literal: its length known when compiling. */
#define OUTBUF_LIT(b, lit) outbuf_mem((b), "" lit, sizeof(lit) - 1)

static inline void outbuf_char(struct outbuf *b, char c)
{
	if (b->p < b->end)
		*b->p++ = c;
}

/* v in decimal into buf (20 bytes or more), unterminated; returns its length. */
static inline size_t outbuf_dec(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static inline void outbuf_u64(struct outbuf *b, uint64_t v)
{
	char d[20];

	outbuf_mem(b, d, outbuf_dec(d, v));
}

#endif
