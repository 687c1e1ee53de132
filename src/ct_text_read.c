/*
 * ct_text_read.c - a descriptor of conntrack text, line by line, into a sink.
 *
 * The reading half of the text source (ct_source_text.c parses one line).
 * Reads in large blocks, moves only a partial line, skips and counts
 * over-long lines without buffering them.
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
