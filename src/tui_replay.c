/*
 * tui_replay.c - the screen over a recording: a feed of frames from
 * replay.h instead of the monitor, the position in the recording, what
 * the replay keys do (the rows of tui_keys.c's table call replay_key())
 * and the header's words about it; also the header's words about a
 * recording being written live (--record).
 */
#include "tui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define PLAY_GAP_MAX	10.0	/* s; playing never waits longer for the next snapshot */
#define PLAY_GAP_MIN	0.05	/* s */

static const int speeds[] = { 1, 10, 60 };

struct tui_replay {
	struct tui *t;
	struct replay *r;
	size_t pos;		/* the snapshot wanted on screen */
	size_t shown;		/* the one handed to the screen; SIZE_MAX none yet */
	int playing;
	size_t speed;		/* index into speeds[] */
	double due;		/* playing: monotonic time of the next step */
};

static double gap_after(const struct tui_replay *p, size_t i)
{
	struct timespec a = replay_time(p->r, i), b = replay_time(p->r, i + 1);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

	s /= speeds[p->speed];
	return s < PLAY_GAP_MIN ? PLAY_GAP_MIN : s > PLAY_GAP_MAX ? PLAY_GAP_MAX : s;
}

/* Playing: steps on when due; stops at the end. */
static void tick(struct tui_replay *p)
{
	double now = mono_now();

	if (!p->playing || now < p->due)
		return;
	if (p->pos + 1 >= replay_count(p->r)) {
		p->playing = 0;
		cell_set_msg(p->t, "end of the recording");
		return;
	}
	p->pos++;
	p->due = now + gap_after(p, p->pos);
}

static int rp_fd(void *arg)
{
	return -1;
}

static struct mon_frame *rp_take(void *arg, struct mon_frame *spare)
{
	struct tui_replay *p = arg;
	struct mon_frame *f;

	tick(p);
	if (p->pos == p->shown)
		return NULL;
	f = replay_frame(p->r, p->pos);
	p->shown = p->pos;
	if (!f)
		cell_set_msg(p->t, "snapshot %zu cannot be read: skipped", p->pos + 1);
	return f;
}

static int rp_busy(void *arg, double *since)
{
	return 0;
}

static double rp_period(void *arg)
{
	const struct tui_replay *p = arg;

	return p->t->f ? p->t->f->period : 0;
}

static void rp_set_period(void *arg, double s)
{
}

static void rp_nothing(void *arg)
{
}

static void rp_show(void *arg, const struct flow_key *keys, size_t n)
{
}

static void rp_watch(void *arg, const struct flow_key *k)
{
}

static void rp_server_ports(void *arg, const struct port_filter *pf)
{
}

static int rp_owner(void *arg, uint32_t id, struct owner_label *out)
{
	const struct tui_replay *p = arg;

	return replay_owner(p->r, id, out);
}

static int rp_route(void *arg, uint32_t id, struct flow_route *out)
{
	const struct tui_replay *p = arg;

	return replay_route(p->r, id, out);
}

void replay_feed_init(struct tui *t, struct replay *r)
{
	struct tui_replay *p = xcalloc(1, sizeof *p);

	p->t = t;
	p->r = r;
	p->shown = SIZE_MAX;
	t->rp = p;
	t->feed = (struct tui_feed){ rp_fd, rp_take, rp_busy, rp_period, rp_set_period,
				     rp_nothing, rp_show, rp_watch, rp_server_ports, rp_owner, rp_route,
				     p };
}

void replay_feed_fini(struct tui *t)
{
	free(t->rp);
	t->rp = NULL;
}

int replay_wait_ms(struct tui *t)
{
	double left;

	if (!t->rp || !t->rp->playing)
		return -1;
	left = t->rp->due - mono_now();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static double secs_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * The snapshot nearest to t: snapshots start a little late (a dump takes
 * time), so "a minute on" means the one closest to it, not the one before.
 */
static size_t nearest(const struct tui_replay *p, const struct timespec *t)
{
	size_t i = replay_find(p->r, t);
	struct timespec a = replay_time(p->r, i), b;

	if (i + 1 < replay_count(p->r)) {
		b = replay_time(p->r, i + 1);
		if (secs_between(t, &b) < (secs_between(&a, t) < 0 ? 1e18 : secs_between(&a, t)))
			return i + 1;
	}
	return i;
}

/* The snapshot dir * secs seconds from the shown one, at least one step. */
static size_t jump(const struct tui_replay *p, int dir, long secs)
{
	struct timespec at = replay_time(p->r, p->pos);
	size_t to;

	at.tv_sec += dir * secs;
	to = nearest(p, &at);
	if (dir < 0 && to >= p->pos)
		to = p->pos ? p->pos - 1 : 0;
	if (dir > 0 && to <= p->pos)
		to = p->pos + 1 < replay_count(p->r) ? p->pos + 1 : p->pos;
	return to;
}

unsigned replay_key(struct tui *t, enum replay_cmd what, int dir)
{
	struct tui_replay *p = t->rp;
	size_t n = replay_count(p->r);

	switch (what) {
	case RP_STEP:
		if (dir < 0 && p->pos == 0)
			cell_set_msg(t, "the first snapshot");
		else if (dir > 0 && p->pos + 1 >= n)
			cell_set_msg(t, "the last snapshot");
		else
			p->pos = dir < 0 ? p->pos - 1 : p->pos + 1;
		break;
	case RP_MINUTE:
		p->pos = jump(p, dir, 60);
		break;
	case RP_TEN:
		p->pos = jump(p, dir, 600);
		break;
	case RP_GOTO:
		t->prompt = PROMPT_TIME;
		lineedit_set(&t->ed, "");
		t->perr[0] = '\0';
		return 0;
	case RP_PLAY:
		p->playing = !p->playing && p->pos + 1 < n;
		if (p->playing)
			p->due = mono_now() + gap_after(p, p->pos);
		cell_set_msg(t, p->playing ? "playing at %dx" : "stopped", speeds[p->speed]);
		break;
	case RP_SPEED:
		p->speed = (p->speed + 1) % ARRAY_LEN(speeds);
		if (p->playing)
			p->due = mono_now() + gap_after(p, p->pos);
		cell_set_msg(t, "speed %dx", speeds[p->speed]);
		break;
	}
	return 0;
}

unsigned replay_prompt_apply(struct tui *t, char *err, size_t errlen)
{
	struct tui_replay *p = t->rp;
	struct timespec ref = replay_time(p->r, p->pos), to;
	size_t n = replay_count(p->r);

	if (replay_parse_time(t->ed.buf, &ref, &to, err, errlen) < 0)
		return (unsigned)-1;
	p->pos = nearest(p, &to);
	if (to.tv_sec < replay_time(p->r, 0).tv_sec)
		cell_set_msg(t, "before the recording: its first snapshot");
	else if (n && to.tv_sec > replay_time(p->r, n - 1).tv_sec + 1)
		cell_set_msg(t, "after the recording: its last snapshot");
	return 0;
}

void replay_header(const struct tui *t, struct segs *ss)
{
	const struct tui_replay *p = t->rp;
	const struct replay_stats *st = replay_stats(p->r);
	char day[16];
	struct tm tm;

	layout_seg_add(ss, 0, 0, R_FLAG, "REPLAY %zu/%zu", p->pos + 1, replay_count(p->r));
	layout_seg_brief(ss, "REPLAY");
	if (p->playing)
		layout_seg_add(ss, 1, 0, R_FLAG, "playing %dx", speeds[p->speed]);
	if (t->f) {
		localtime_r(&t->f->when.tv_sec, &tm);
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
		layout_seg_add(ss, 0, 1, R_PLAIN, "%s", day);
	}
	if (replay_skipped(st))
		layout_seg_add(ss, 1, 2, R_WARN, "%llu recording lines skipped",
			       (unsigned long long)replay_skipped(st));
}

void record_header(const struct tui *t, struct segs *ss)
{
	int e = rec_failed(t->c->rec);

	if (e) {
		layout_seg_add(ss, 1, 1, R_WARN, "recording stopped: %s", strerror(e));
		layout_seg_brief(ss, "recording stopped");
	} else {
		layout_seg_add(ss, 0, 2, R_FLAG, "REC");
	}
}
