/*
 * ct_source_text.h - conntrack entries from text.
 *
 * Two layouts are understood, detected per line:
 *   conntrack -L:         "tcp      6 117 TIME_WAIT src=... [ASSURED] mark=0 use=1"
 *   /proc/net/nf_conntrack and conntrack -o extended:
 *                         "ipv4     2 tcp      6 117 TIME_WAIT src=..."
 * Fields after the protocol header are read by key=value, not by position:
 * the first src= starts the original tuple, the second the reply tuple.
 * "-o id" (id=N) and zone=N (zone-orig=N, zone-reply=N: CT_F_ZONE_ORIG,
 * CT_F_ZONE_REPLY) are read when present.
 *   conntrack -E:         "[NEW] tcp 6 120 SYN_SENT src=...", [UPDATE],
 *                         [DESTROY], after "[1700000000.123456]" with
 *                         "-o timestamp": the entry with CT_F_EVENT
 *                         (and CT_F_DESTROYED for [DESTROY]).
 * A UTF-8 byte-order mark at the start of the input is skipped.
 *
 * An event log is a history, not a table: struct ct_text_history merges
 * its lines into one entry per connection (see below).
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
				 * (conntrack-tools): N flow entries have been shown.") */
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

/*
 * The connections of an event log, each once.  A sink between a reader
 * and the real sink: entries without CT_F_EVENT (table lines) pass
 * straight through, as read; event lines are merged by connection, and
 * ct_text_history_flush() delivers each merged connection once, in the
 * order of its first line.
 *
 * A connection is its original tuple, protocol, family, zone (with its
 * direction: zone=, zone-orig=, zone-reply= are three different keys) and
 * id= when the line has one.  Its entry is its last line's, except that
 * the counters are those of its last line that had any (a [DESTROY]'s are
 * the final ones) and the TCP state of its last line that had one; after a
 * [DESTROY] it has CT_F_DESTROYED.  Any event for the key of a destroyed
 * connection (a reused tuple, no id) starts another connection.  Table
 * lines are not merged with events: a saved "conntrack -L" followed by
 * "conntrack -E" counts a connection in both twice.
 *
 * Memory: one entry per distinct connection of the log, held until
 * ct_text_history_free().  The index hashes with hash_words() (util.h).
 */
struct ct_text_history;

/* down is copied; its arg must outlive the history. */
struct ct_text_history *ct_text_history_new(const struct ct_sink *down);
/* The sink to read into.  Its reset() forgets the merged lines and resets down. */
struct ct_sink ct_text_history_sink(struct ct_text_history *h);
/*
 * Delivers the merged connections to down, each once, and forgets them.
 * Returns 0, or -1 with errno when down's add() stopped it.
 */
int ct_text_history_flush(struct ct_text_history *h);
/* Entries down was given so far: table lines plus flushed connections. */
uint64_t ct_text_history_delivered(const struct ct_text_history *h);
/* Connections merged and not flushed yet. */
size_t ct_text_history_count(const struct ct_text_history *h);
/* NULL is fine. */
void ct_text_history_free(struct ct_text_history *h);

#endif
