/*
 * replay.h - reading a recording (record.h, doc/recording.md) back into
 * frames, without the kernel: what --replay shows and prints.
 *
 * A regular file is indexed when opened: one pass that reads each line's
 * first bytes (time, version, keyframe or not) and keeps 16 bytes per
 * snapshot, at most REPLAY_INDEX_MAX of them; flows are parsed only when a
 * snapshot is asked for, from the keyframe before it.  Memory: the index,
 * the flows of one snapshot (twice: the state and the frame handed out)
 * and one line (at most REPLAY_LINE_MAX bytes).  A pipe (--replay -) is
 * read once, line by line (replay_next() only).
 *
 * Lines that cannot be used are skipped and counted by reason (struct
 * replay_stats): not a recording line (not JSON, no time), a newer
 * version, a time earlier than the line before, a last line without its
 * newline, a change line before any keyframe, over-long, or bad inside
 * (found when parsed; that snapshot then keeps the flows of the one
 * before).  Plain stream lines (--json -c, doc/json.md) count as
 * keyframes without the header's facts.
 *
 * Nothing here prints.  Frames are the caller's (mon_frame_free()); they
 * own their flows.  Owner numbers in flow keys are the replay's own:
 * replay_owner() gives their labels.
 */
#ifndef LSCT_REPLAY_H
#define LSCT_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "monitor.h"
#include "owner.h"

#define REPLAY_LINE_MAX  (64u << 20)	/* bytes; a longer line is skipped */
#define REPLAY_INDEX_MAX (1u << 22)	/* snapshots indexed; later ones are not */

struct replay_stats {
	uint64_t lines;			/* lines read (indexed or streamed) */
	uint64_t snapshots;		/* usable ones */
	uint64_t not_json;		/* not a recording or stream line */
	uint64_t newer;			/* a version newer than REC_VERSION */
	uint64_t out_of_order;		/* earlier than the line before */
	uint64_t truncated;		/* the last line, without its newline */
	uint64_t no_keyframe;		/* changes before any keyframe */
	uint64_t overlong;		/* over REPLAY_LINE_MAX */
	uint64_t bad;			/* found bad when parsed */
	uint64_t not_indexed;		/* past REPLAY_INDEX_MAX */
};

static inline uint64_t replay_skipped(const struct replay_stats *s)
{
	return s->not_json + s->newer + s->out_of_order + s->truncated + s->no_keyframe +
	       s->overlong + s->bad + s->not_indexed;
}

struct replay;

/*
 * Takes fd (closed by replay_free()).  A regular file is indexed now.
 * NULL with errno and a one-line reason in err.
 */
struct replay *replay_open(int fd, char *err, size_t errlen);
void replay_free(struct replay *r);
const struct replay_stats *replay_stats(const struct replay *r);
/* A line saying why lines were skipped ("3 lines skipped: 2 not JSON, ..."); "" when none. */
void replay_skip_text(const struct replay *r, char *buf, size_t len);

/* Indexed (seekable): a regular file. */
int replay_seekable(const struct replay *r);
/* Snapshots indexed. */
size_t replay_count(const struct replay *r);
/* The time of snapshot i (CLOCK_REALTIME of its start). */
struct timespec replay_time(const struct replay *r, size_t i);
/* The last snapshot that started at or before t (0 when t is before all). */
size_t replay_find(const struct replay *r, const struct timespec *t);
/*
 * Snapshot i (< replay_count()) as a frame.  NULL with errno when the file
 * cannot be read (EIO) or the keyframe before i is bad (EBADMSG).
 */
struct mon_frame *replay_frame(struct replay *r, size_t i);
/*
 * The next snapshot in file order (both kinds of input): a frame; NULL at
 * the end (errno 0) or on a read error (errno set).
 */
struct mon_frame *replay_next(struct replay *r);

/* The header facts of the keyframe last read: host name and source ("" unknown). */
const char *replay_host(const struct replay *r);
const char *replay_source(const struct replay *r);
/* Flows carry owners (the recording had them on). */
int replay_owners(const struct replay *r);
/* The label of a replay owner number: 0, or -1 when unknown. */
int replay_owner(const struct replay *r, uint32_t id, struct owner_label *out);
/* A routed flow's (FLOW_ROUTED) client and NAT, by its key.owner: 0, or -1. */
struct flow_route;
int replay_route(const struct replay *r, uint32_t id, struct flow_route *out);

/*
 * The line parser, for tests and the fuzzer: applies one line (without
 * its newline) to r's state.  1 a snapshot, 0 skipped (counted), never
 * more.  A frame of the state: replay_state_frame().
 */
int replay_parse_line(struct replay *r, const char *line, size_t len);
struct mon_frame *replay_state_frame(const struct replay *r);
/* An empty replay for replay_parse_line() alone (no file). */
struct replay *replay_new_parser(void);

/*
 * Reads a time the user typed: "03:00", "03:00:30" (the day of ref, local
 * time), "2026-11-30T03:00[:SS]" or with a space (local), "...Z" (UTC).
 * 0, or -1 with a reason in err.
 */
int replay_parse_time(const char *s, const struct timespec *ref, struct timespec *out,
		      char *err, size_t errlen);

#endif
