/*
 * ct_source_text.h - conntrack entries from text.
 *
 * Two layouts are understood, detected per line:
 *   conntrack -L:         "tcp      6 117 TIME_WAIT src=... [ASSURED] mark=0 use=1"
 *   /proc/net/nf_conntrack and conntrack -o extended:
 *                         "ipv4     2 tcp      6 117 TIME_WAIT src=..."
 * Fields after the protocol header are read by key=value, not by position:
 * the first src= starts the original tuple, the second the reply tuple.
 * "-o id" (id=N) and zone=N are read when present.
 *
 * Nothing is allocated per line; the parser writes into a caller-owned
 * struct ct_entry.  Lines that cannot be parsed are counted, never fatal.
 */
#ifndef LSCT_CT_SOURCE_TEXT_H
#define LSCT_CT_SOURCE_TEXT_H

#include <stdint.h>
#include <stddef.h>
#include "ct.h"

/* Lines longer than this (without the newline) are skipped as over-long. */
#define CT_TEXT_LINE_MAX 4096

enum ct_text_result {
	CT_TEXT_ENTRY = 0,	/* *out holds a parsed entry */
	CT_TEXT_IGNORED,	/* blank line, conntrack's own messages ("conntrack v1.4.7
				 * (conntrack-tools): N flow entries have been shown."),
				 * [DESTROY] event lines */
	CT_TEXT_MALFORMED,	/* bad syntax, truncated, out-of-range value */
	CT_TEXT_BINARY		/* NUL or other non-text bytes */
};

struct ct_text_stats {
	uint64_t lines;		/* lines seen, including skipped ones */
	uint64_t entries;	/* lines delivered to the sink */
	uint64_t ignored;	/* CT_TEXT_IGNORED lines */
	uint64_t malformed;	/* CT_TEXT_MALFORMED lines */
	uint64_t binary;	/* CT_TEXT_BINARY lines */
	uint64_t overlong;	/* lines over CT_TEXT_LINE_MAX */
	uint64_t first_bad;	/* value of lines at the first skipped line, 0 if none */
};

/*
 * Parses one line (len bytes; a trailing LF or CR LF is tolerated).  On CT_TEXT_ENTRY *out is fully written; otherwise its content
 * is unspecified.
 */
enum ct_text_result ct_text_parse_line(const char *line, size_t len,
				       struct ct_entry *out);

/*
 * Reads fd to end of file, parsing each line and passing entries to sink.
 * Adds to *st (the caller zeroes it).  Returns 0, or -1 with errno set on a
 * read error or when the sink stopped the read.
 */
int ct_text_read_fd(int fd, const struct ct_sink *sink, struct ct_text_stats *st);

/* Number of lines skipped for any reason. */
uint64_t ct_text_skipped(const struct ct_text_stats *st);

#endif
