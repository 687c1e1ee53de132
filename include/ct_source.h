/*
 * ct_source.h - where snapshots come from: the input-side twin of struct
 * ct_sink.
 *
 * A source is opaque.  Each constructor opens what it needs (so callers
 * can open sources while privileged and drop privileges afterwards) and
 * the source owns it from then on: ct_source_close() closes the netlink
 * socket or the file it opened.  A descriptor handed to ct_source_fd_once()
 * stays the caller's.
 *
 * One dump is one snapshot: every entry of the table, delivered to the sink
 * in the order the source reads them.  A dump can restart (the sink's
 * reset() is called first, see ct.h); when it fails the sink has seen part
 * of a snapshot.  The kinds:
 *   netlink  the kernel's table of this network namespace, dumped afresh
 *            each time;
 *   file     a text table read again from its start each time
 *            (/proc/net/nf_conntrack, or a saved "conntrack -L" output);
 *   once     a descriptor read to its end by the first dump (standard
 *            input); later dumps fail with ENODATA.
 * The text kinds deliver table lines as they read them, and the lines of a
 * conntrack -E log merged, each connection once, at the end of the dump
 * (struct ct_text_history, ct_source_text.h).
 *
 * A new kind needs a constructor declared here and a file of its own that
 * fills a struct ct_source_ops and calls ct_source_new().
 *
 * Nothing here prints or exits.
 */
#ifndef LSCT_CT_SOURCE_H
#define LSCT_CT_SOURCE_H

#include <stdint.h>
#include "ct.h"
#include "ct_source_netlink.h"
#include "ct_stats.h"

/* The kernel's table as text (needs CONFIG_NF_CONNTRACK_PROCFS). */
#define CT_SOURCE_PROC_PATH "/proc/net/nf_conntrack"

/* What one dump skipped.  Dumps overwrite it. */
struct ct_source_stats {
	uint64_t entries;	/* delivered to the sink */
	uint64_t bad_msgs;	/* netlink messages that did not parse */
	uint64_t malformed;	/* text lines: bad syntax, truncated, out of range */
	uint64_t overlong;	/* text lines over CT_TEXT_LINE_MAX */
	uint64_t binary;	/* text lines with NUL or other non-text bytes */
	uint64_t first_bad;	/* line number of the first skipped line; 0 none */
};

/* Text lines the dump skipped, for any reason. */
static inline uint64_t ct_source_skipped(const struct ct_source_stats *st)
{
	return st->malformed + st->overlong + st->binary;
}

struct ct_source;

/* For implementers of a kind: the operations and their private state. */
struct ct_source_ops {
	int (*dump)(void *state, const struct ct_sink *sink, struct ct_source_stats *st);
	void (*close)(void *state);
	/* Optional: reads some connections again (ct_source_get()). */
	int (*get)(void *state, const struct ct_entry *e, size_t n, const struct ct_sink *sink,
		   size_t *found);
	/* Optional: the kernel's statistics (ct_source_table_stats()). */
	int (*table_stats)(void *state, struct ct_stats *out);
	/* Optional: deletes connections from the table (ct_source_delete()). */
	int (*del)(void *state, const struct ct_entry *e, size_t n, int *errs);
};

/* Takes state (freed by ops->close); name is copied.  Never fails (OOM is fatal). */
struct ct_source *ct_source_new(const struct ct_source_ops *ops, void *state,
				const char *name, int live);

/*
 * This network namespace's table over ctnetlink.  filter (copied; NULL for
 * everything) says what the kernel may leave out.  NULL with errno: EPERM
 * without CAP_NET_ADMIN, EPROTONOSUPPORT etc. without nf_conntrack_netlink.
 */
struct ct_source *ct_source_netlink(const struct ct_nl_filter *filter);
/*
 * The text file at path, opened now and read again from offset 0 on every
 * dump.  live: it is this host's table (/proc/net/nf_conntrack), so the
 * nf_conntrack_* sysctls describe it.  Opened with the caller's rights,
 * O_NONBLOCK and O_NOCTTY, and only if it is a regular file or a procfs
 * file: anything else (a directory, a device, a FIFO) is refused before it
 * is opened for reading, with EINVAL.  NULL with errno.
 */
struct ct_source *ct_source_file(const char *path, int live);
/* The text on fd (borrowed), read once; name is for messages ("standard input"). */
struct ct_source *ct_source_fd_once(int fd, const char *name);

/* One snapshot into sink; *st overwritten.  0, or -1 with errno (ENODATA: nothing more). */
int ct_source_dump(struct ct_source *s, const struct ct_sink *sink, struct ct_source_stats *st);
/*
 * Reads the n connections e again, without a dump, and hands each one that
 * is still there to sink->add() in the order asked (*found counts them).
 * Only the netlink source can (a GET request per connection): others fail
 * with EOPNOTSUPP.  0, or -1 with errno.
 */
int ct_source_get(struct ct_source *s, const struct ct_entry *e, size_t n,
		  const struct ct_sink *sink, size_t *found);
/*
 * The kernel's conntrack statistics of the source's table, summed over
 * CPUs (ct_stats.h), read now.  Only the netlink source has them: others
 * fail with EOPNOTSUPP.  Needs CAP_NET_ADMIN in the calling thread, as a
 * dump does.  0, or -1 with errno.
 */
int ct_source_table_stats(struct ct_source *s, struct ct_stats *out);
/* True when ct_source_table_stats() works for this source. */
int ct_source_has_table_stats(const struct ct_source *s);
/*
 * Deletes the n connections e from the kernel's table; errs[i] gets 0 or
 * the errno of e[i] (ENOENT: already gone; EPERM: no CAP_NET_ADMIN in the
 * calling thread).  Only the netlink source can (ct_nl_delete()): others
 * fail with EOPNOTSUPP.  0, or -1 with errno when the requests could not be
 * sent or answered (errs then says which were not).
 */
int ct_source_delete(struct ct_source *s, const struct ct_entry *e, size_t n, int *errs);
/* True when ct_source_delete() works for this source. */
int ct_source_can_delete(const struct ct_source *s);
/* True when ct_source_get() works for this source. */
int ct_source_can_get(const struct ct_source *s);
/* "netlink", a path, "standard input". */
const char *ct_source_name(const struct ct_source *s);
/* True when this is this host's live table: its sysctls and counters apply. */
int ct_source_live(const struct ct_source *s);
/* NULL is fine. */
void ct_source_close(struct ct_source *s);

/*
 * What an operator can do about err from opening or dumping the netlink
 * source: " (run as root or with CAP_NET_ADMIN)", ...; "" when nothing.
 */
const char *ct_source_hint(int err);

#endif
