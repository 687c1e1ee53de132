/*
 * record.h - writing a recording: one NDJSON line per snapshot (--record).
 *
 * The format is in doc/recording.md.  In short: a keyframe line is a
 * stream line of out_json.c (doc/json.md) with one more key, "rec" (what
 * the screen's header needs, and the version); between keyframes a line
 * carries only what changed, flows named by their position ("id") in the
 * keyframe or in the "add" lists after it.  A keyframe comes every
 * keyframe_every lines.
 *
 * Each line goes out with one write() of the whole line.  When that fails
 * (a full disk, a quota, an I/O error) the part written, if any, is cut
 * off again (ftruncate to the line's start), so the file never ends in a
 * partial line followed by more; the writer then stops for good and
 * rec_failed() says why.  Nothing here prints.
 */
#ifndef LSCT_RECORD_H
#define LSCT_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "monitor.h"
#include "owner.h"

/* The version in every line's "rec.v"; a reader skips lines of a newer one. */
#define REC_VERSION 1
/* Lines from one keyframe to the next (the last one included), by default. */
#define REC_KEYFRAME_EVERY 360

struct rec_opts {
	int keyframe_every;		/* 0: REC_KEYFRAME_EVERY */
	const char *hostname;		/* in keyframes; copied */
	const char *source;		/* "netlink", a path, ...; copied */
	/* Owners on: flows carry an "owner" (the label of key.owner). */
	int owners;
	int (*owner_of)(void *arg, uint32_t id, struct owner_label *out);
	void *owner_arg;
	/* Routed flows' clients and NAT (mon_route()); NULL: their client is "?". */
	int (*route_of)(void *arg, uint32_t id, struct flow_route *out);
	void *route_arg;
};

struct rec_writer;

/*
 * Writes to fd, opened O_RDWR | O_APPEND (owned by the writer from here:
 * closed by rec_free()).  A file that ends in a partial line gets a newline
 * first.
 */
struct rec_writer *rec_new(int fd, const struct rec_opts *o);
/*
 * Appends the line of frame f.  0; -1 with errno when the write failed
 * (the writer has stopped: every later call returns -1 with the same
 * errno at once).  A frame with err set is not written (0).
 */
int rec_write(struct rec_writer *w, const struct mon_frame *f);
/* 0 while recording; the errno that stopped it. */
int rec_failed(const struct rec_writer *w);
/* Lines and bytes written. */
uint64_t rec_lines(const struct rec_writer *w);
uint64_t rec_bytes(const struct rec_writer *w);
void rec_free(struct rec_writer *w);

#endif
