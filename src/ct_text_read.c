/*
 * ct_text_read.c - a descriptor of conntrack text, line by line, into a sink.
 *
 * The reading half of the text source (ct_source_text.c parses one line).
 * Reads in large blocks, moves only a partial line, skips and counts
 * over-long lines without buffering them.  Also the merging of an event
 * log's lines into connections (struct ct_text_history).
 */
#include "ct_source_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Large reads: a 1M-entry /proc file is ~250 MB. */
#define TEXT_READ_SIZE (256u * 1024)

#define UTF8_BOM "\xef\xbb\xbf"

static void note_bad(struct ct_text_stats *st)
{
	if (st->first_bad == 0)
		st->first_bad = st->lines;
}

/* One complete line, without its newline.  -1 when the sink said stop. */
static int text_line(const char *s, size_t len, const struct ct_sink *sink,
		     struct ct_text_stats *st)
{
	struct ct_entry e;
	size_t text_len = len;

	st->lines++;
	if (text_len > 0 && s[text_len - 1] == '\r')
		text_len--;
	if (text_len > CT_TEXT_LINE_MAX) {
		st->overlong++;
		note_bad(st);
		return 0;
	}
	switch (ct_text_parse_line(s, len, &e)) {
	case CT_TEXT_ENTRY:
		if (sink->add(&e, sink->arg) < 0)
			return -1;
		st->entries++;
		break;
	case CT_TEXT_IGNORED:
		st->ignored++;
		break;
	case CT_TEXT_MALFORMED:
		st->malformed++;
		note_bad(st);
		break;
	case CT_TEXT_BINARY:
		st->binary++;
		note_bad(st);
		break;
	}
	return 0;
}

int ct_text_read_fd(int fd, const struct ct_sink *sink, struct ct_text_stats *st)
{
	char *buf = xmalloc(TEXT_READ_SIZE);
	size_t head = 0;	/* buf[head, tail) is not parsed yet */
	size_t tail = 0;
	bool skipping = false;	/* dropping an over-long line up to its newline */
	bool bom = true;	/* the start may still be a byte-order mark */
	int ret = 0;
	int saved;

	for (;;) {
		size_t scan;
		ssize_t n;
		char *nl;

		/* Only a partial line (at most CT_TEXT_LINE_MAX + 1 bytes) moves. */
		if (head > 0) {
			memmove(buf, buf + head, tail - head);
			tail -= head;
			head = 0;
		}
		n = read(fd, buf + tail, TEXT_READ_SIZE - tail);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		/* The bytes before tail were searched already. */
		scan = tail;
		tail += (size_t)n;
		/*
		 * A UTF-8 byte-order mark (an editor's save of a dump) is not
		 * a line's text.  Its bytes hold no newline, so until three
		 * bytes are in nothing has been parsed.
		 */
		if (bom && (tail >= 3 || memcmp(buf, UTF8_BOM, tail) != 0)) {
			bom = false;
			if (tail >= 3 && memcmp(buf, UTF8_BOM, 3) == 0)
				head = scan = 3;
		}
		while ((nl = memchr(buf + scan, '\n', tail - scan)) != NULL) {
			size_t eol = (size_t)(nl - buf);

			if (skipping) {
				skipping = false;
			} else if (text_line(buf + head, eol - head, sink, st) < 0) {
				ret = -1;
				goto out;
			}
			head = scan = eol + 1;
		}
		if (skipping) {
			head = tail;
		} else if (tail - head > CT_TEXT_LINE_MAX + 1) {
			/*
			 * Over-long even if it ends in "\r\n" (hence + 1):
			 * count it now and drop its bytes up to its newline.
			 */
			st->lines++;
			st->overlong++;
			note_bad(st);
			skipping = true;
			head = tail;
		}
	}
	/* A last line without a newline. */
	if (ret == 0 && !skipping && tail > head)
		ret = text_line(buf + head, tail - head, sink, st);
out:
	saved = errno;
	free(buf);
	errno = saved;
	return ret;
}

uint64_t ct_text_skipped(const struct ct_text_stats *st)
{
	return st->malformed + st->binary + st->overlong;
}

/* ---- an event log's connections ---- */

struct ct_text_history {
	struct ct_sink down;
	struct ct_entry *conns;	/* dense, in the order of their first line */
	uint64_t *hash;		/* hist_hash() of conns[i] */
	size_t n, cap;
	uint32_t *index;	/* open addressing: conns number + 1, 0 = empty */
	size_t index_size;	/* power of two, at least 2 * cap */
	uint64_t delivered;
};

#define HIST_MIN 16

static uint64_t hist_hash(const struct ct_entry *e)
{
	uint64_t w[6];

	memcpy(w, e->orig.src.b, 16);
	memcpy(w + 2, e->orig.dst.b, 16);
	w[4] = (uint64_t)e->orig.sport << 48 | (uint64_t)e->orig.dport << 32 |
	       (uint64_t)e->zone << 16 | (uint64_t)e->proto << 8 | e->family;
	w[5] = (uint64_t)e->id << 8 |
	       (e->flags & (CT_F_ID | CT_F_ZONE_ORIG | CT_F_ZONE_REPLY));
	return hash_words(w, 6);
}

/* The same connection: the key of hist_hash(), compared in full. */
static bool hist_same(const struct ct_entry *a, const struct ct_entry *b)
{
	const uint8_t kf = CT_F_ID | CT_F_ZONE_ORIG | CT_F_ZONE_REPLY;

	return a->family == b->family && a->proto == b->proto && a->zone == b->zone &&
	       (a->flags & kf) == (b->flags & kf) &&
	       (!(a->flags & CT_F_ID) || a->id == b->id) &&
	       a->orig.sport == b->orig.sport && a->orig.dport == b->orig.dport &&
	       ct_addr_equal(&a->orig.src, &b->orig.src) &&
	       ct_addr_equal(&a->orig.dst, &b->orig.dst);
}

static void hist_index_rebuild(struct ct_text_history *h)
{
	size_t mask = h->index_size - 1;

	memset(h->index, 0, h->index_size * sizeof *h->index);
	for (size_t n = 0; n < h->n; n++) {
		size_t i;

		/* A reused tuple's newer connection comes later and wins. */
		for (i = (size_t)h->hash[n] & mask; h->index[i]; i = (i + 1) & mask) {
			if (h->hash[h->index[i] - 1] == h->hash[n] &&
			    hist_same(&h->conns[h->index[i] - 1], &h->conns[n]))
				break;
		}
		h->index[i] = (uint32_t)(n + 1);
	}
}

static void hist_grow(struct ct_text_history *h)
{
	h->cap = h->cap ? h->cap * 2 : HIST_MIN;
	h->conns = xrealloc(h->conns, h->cap * sizeof *h->conns);
	h->hash = xrealloc(h->hash, h->cap * sizeof *h->hash);
	h->index_size = 2 * h->cap;
	free(h->index);
	h->index = xcalloc(h->index_size, sizeof *h->index);
	hist_index_rebuild(h);
}

/* Folds the event line e into the connection c already has. */
static void hist_merge(struct ct_entry *c, const struct ct_entry *e)
{
	struct ct_entry m = *e;

	if (!(e->flags & CT_F_COUNTERS)) {
		m.orig.packets = c->orig.packets;
		m.orig.bytes = c->orig.bytes;
		m.reply.packets = c->reply.packets;
		m.reply.bytes = c->reply.bytes;
		m.flags |= c->flags & CT_F_COUNTERS;
	}
	if (!(e->flags & CT_F_STATE) && (c->flags & CT_F_STATE)) {
		m.tcp_state = c->tcp_state;
		m.state = c->state;
		m.flags |= CT_F_STATE;
	}
	*c = m;
}

static int hist_add(const struct ct_entry *e, void *arg)
{
	struct ct_text_history *h = arg;
	uint64_t hash;
	size_t mask, i;

	if (!(e->flags & CT_F_EVENT)) {
		if (h->down.add(e, h->down.arg) < 0)
			return -1;
		h->delivered++;
		return 0;
	}
	if (h->n == h->cap)
		hist_grow(h);
	hash = hist_hash(e);
	mask = h->index_size - 1;
	for (i = (size_t)hash & mask; h->index[i]; i = (i + 1) & mask) {
		struct ct_entry *c = &h->conns[h->index[i] - 1];

		if (h->hash[h->index[i] - 1] != hash || !hist_same(c, e))
			continue;
		/*
		 * A conntrack is destroyed once and never updated after:
		 * any event for a destroyed connection is its tuple used
		 * again (no id to tell them apart), another connection,
		 * which the index points at from now on.
		 */
		if (c->flags & CT_F_DESTROYED)
			break;
		hist_merge(c, e);
		return 0;
	}
	h->conns[h->n] = *e;
	h->hash[h->n] = hash;
	h->index[i] = (uint32_t)++h->n;
	return 0;
}

static void hist_reset(void *arg)
{
	struct ct_text_history *h = arg;

	h->n = 0;
	if (h->index)
		memset(h->index, 0, h->index_size * sizeof *h->index);
	if (h->down.reset)
		h->down.reset(h->down.arg);
}

struct ct_text_history *ct_text_history_new(const struct ct_sink *down)
{
	struct ct_text_history *h = xcalloc(1, sizeof *h);

	h->down = *down;
	return h;
}

struct ct_sink ct_text_history_sink(struct ct_text_history *h)
{
	struct ct_sink s = { hist_add, hist_reset, h };

	return s;
}

int ct_text_history_flush(struct ct_text_history *h)
{
	size_t n = h->n;

	h->n = 0;
	if (h->index)
		memset(h->index, 0, h->index_size * sizeof *h->index);
	for (size_t i = 0; i < n; i++) {
		/* What the sink sees of an event is the connection, not the line. */
		struct ct_entry e = h->conns[i];

		e.flags &= (uint8_t)~CT_F_EVENT;
		if (h->down.add(&e, h->down.arg) < 0)
			return -1;
		h->delivered++;
	}
	return 0;
}

uint64_t ct_text_history_delivered(const struct ct_text_history *h)
{
	return h->delivered;
}

size_t ct_text_history_count(const struct ct_text_history *h)
{
	return h->n;
}

void ct_text_history_free(struct ct_text_history *h)
{
	if (!h)
		return;
	free(h->conns);
	free(h->hash);
	free(h->index);
	free(h);
}
