/* record.c - a recording's lines: keyframes and what changed between them. */
#include "record.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "lsct.h"
#include "out.h"
#include "outbuf.h"
#include "util.h"

/* A flow of the last line: its id and what the next line compares with. */
struct wslot {
	struct flow_key k;
	uint32_t id;
	uint8_t used, dead;
	uint32_t conns;
	uint64_t seen;			/* the line it was last in */
	struct flow_counters c;
};

struct rec_writer {
	int fd;
	struct rec_opts o;
	char *host, *source;
	int failed;
	uint64_t lines, bytes;
	uint32_t next_id;		/* ids given since the keyframe */
	int since_key;			/* lines since the keyframe */
	struct wslot *slots;
	size_t cap, used;		/* used counts dead slots too */
	char *line;			/* the line being built */
	size_t len, room;
};

/* ---- the line being built ---- */

static void put_mem(struct rec_writer *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->room) {
		w->room = (w->len + n + 1) * 2;
		w->line = xrealloc(w->line, w->room);
	}
	memcpy(w->line + w->len, s, n);
	w->len += n;
}

static void put(struct rec_writer *w, const char *s)
{
	put_mem(w, s, strlen(s));
}

static void LSCT_PRINTF(2, 3) putf(struct rec_writer *w, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put_mem(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_u64(struct rec_writer *w, uint64_t v)
{
	char d[20];

	put_mem(w, d, outbuf_dec(d, v));
}

/* A JSON string of printable text (the host name and source are escaped). */
static void put_str(struct rec_writer *w, const char *s)
{
	put(w, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			put_mem(w, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			putf(w, "\\u%04x", c);
		} else {
			put_mem(w, (const char *)&c, 1);
		}
	}
	put(w, "\"");
}

/* ---- flows of the last line, by key ---- */

static uint64_t key_hash(const struct flow_key *k)
{
	uint64_t wds[3];

	memcpy(&wds[0], k->peer.b, 8);
	memcpy(&wds[1], k->peer.b + 8, 8);
	wds[2] = (uint64_t)k->port | (uint64_t)k->family << 16 | (uint64_t)k->proto << 24 |
		 (uint64_t)k->dir << 32 | (uint64_t)(k->owner & 0xffffff) << 40;
	return hash_words(wds, 3);
}

static struct wslot *slot_find(struct rec_writer *w, const struct flow_key *k)
{
	size_t i = (size_t)key_hash(k) & (w->cap - 1);

	for (;; i = (i + 1) & (w->cap - 1)) {
		struct wslot *s = &w->slots[i];

		if (!s->used || flow_key_equal(&s->k, k))
			return s;
	}
}

static void slots_reset(struct rec_writer *w, size_t want)
{
	size_t cap = 64;

	while (cap < want * 2 + 2)
		cap *= 2;
	free(w->slots);
	w->slots = xcalloc(cap, sizeof *w->slots);
	w->cap = cap;
	w->used = 0;
}

static void slots_grow(struct rec_writer *w)
{
	struct wslot *old = w->slots;
	size_t ocap = w->cap;

	w->slots = NULL;
	slots_reset(w, w->used * 2);
	for (size_t i = 0; i < ocap; i++)
		if (old[i].used && !old[i].dead) {
			*slot_find(w, &old[i].k) = old[i];
			w->used++;
		}
	free(old);
}

static struct wslot *slot_add(struct rec_writer *w, const struct flow *f, uint64_t line)
{
	struct wslot *s;

	if ((w->used + 1) * 2 > w->cap)
		slots_grow(w);
	s = slot_find(w, &f->key);
	if (!s->used)
		w->used++;
	s->used = 1;
	s->dead = 0;
	s->k = f->key;
	s->id = w->next_id++;
	s->c = f->c;
	s->conns = f->conns;
	s->seen = line;
	return s;
}

/* ---- writing ---- */

struct rec_writer *rec_new(int fd, const struct rec_opts *o)
{
	struct rec_writer *w = xcalloc(1, sizeof *w);

	w->fd = fd;
	w->o = *o;
	if (w->o.keyframe_every <= 0)
		w->o.keyframe_every = REC_KEYFRAME_EVERY;
	w->host = xstrdup(o->hostname ? o->hostname : "");
	w->source = xstrdup(o->source ? o->source : "");
	w->o.hostname = w->host;
	w->o.source = w->source;
	slots_reset(w, 0);
	/*
	 * A file that ends in a partial line (a crash of an earlier run): a
	 * newline first, so that line stays one bad line a reader skips.
	 */
	{
		struct stat sb;
		char last = '\n';

		if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
		    pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n' &&
		    write(fd, "\n", 1) != 1)
			w->failed = errno ? errno : EIO;
	}
	return w;
}

void rec_free(struct rec_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->slots);
	free(w->line);
	free(w->host);
	free(w->source);
	free(w);
}

int rec_failed(const struct rec_writer *w)
{
	return w->failed;
}

uint64_t rec_lines(const struct rec_writer *w)
{
	return w->lines;
}

uint64_t rec_bytes(const struct rec_writer *w)
{
	return w->bytes;
}

/*
 * The stream line of out_json.c for flows (pointers), in a malloc'd
 * buffer: a keyframe is that line; "add" takes its array of flows.
 */
static char *stream_text(const struct rec_writer *w, const struct mon_frame *f,
			 const struct flow *const *rows, size_t n, size_t *len, int health)
{
	struct out_health h = { .entries = f->sysctl.count, .max = f->sysctl.max, .ct = &f->ct,
				.rate = &f->ct_rate };
	struct out_opts oo;
	char when[48], *buf = NULL;
	FILE *mf;

	memset(&oo, 0, sizeof oo);
	fmt_rfc3339(&f->when, when, sizeof when);
	oo.stream = 1;
	oo.time = when;
	oo.interval = f->interval;
	oo.period = f->period;
	oo.budget_held = f->budget_held;
	oo.events = f->events;
	oo.events_lost = f->events_lost;
	oo.owners = w->o.owners;
	oo.owner_of = w->o.owner_of;
	oo.owner_arg = w->o.owner_arg;
	oo.route_of = w->o.route_of;
	oo.route_arg = w->o.route_arg;
	/* The table's health, as the stream's lines end (out_stats.c). */
	if (health)
		oo.health = &h;
	mf = open_memstream(&buf, len);
	if (!mf)
		return NULL;
	(void)out_json_write(mf, rows, n, &oo);
	fclose(mf);
	return buf;
}

/* The facts of the header: "rec":{"v":1,"kind":...,...  (left open). */
static void put_rec(struct rec_writer *w, const struct mon_frame *f, int key)
{
	const struct flow_stats *s = &f->stats;
	const struct ct_source_stats *in = &f->input;

	putf(w, ",\"rec\":{\"v\":%d,\"kind\":\"%s\",\"seq\":", REC_VERSION,
	     key ? "key" : "delta");
	put_u64(w, f->seq);
	/* The stream rounds to ms; rates replayed must be the ones shown. */
	putf(w, ",\"iv\":%.9f,\"pd\":%.9f", f->interval, f->period);
	putf(w, ",\"dumped\":%d,\"cost\":%.4f,\"next_dump\":%.3f,\"dump_cpu\":%.4f",
	     f->dumped ? 1 : 0, f->cost, f->next_dump, f->dump_cpu);
	putf(w, ",\"live\":%d,\"events\":%d,\"events_seen\":", f->live ? 1 : 0,
	     f->events ? 1 : 0);
	put_u64(w, f->events_seen);
	putf(w, ",\"sysctl\":[%lld,%lld,%d,%d,%d]", (long long)f->sysctl.count,
	     (long long)f->sysctl.max, f->sysctl.acct, f->sysctl.events, f->sysctl.timestamp);
	put(w, ",\"stats\":[");
	{
		const uint64_t v[] = { s->entries, s->active, s->passive, s->local, s->forwarded,
				       s->owned, s->ambiguous, s->excluded, s->counters,
				       s->routed };

		for (size_t i = 0; i < ARRAY_LEN(v); i++) {
			if (i)
				put(w, ",");
			put_u64(w, v[i]);
		}
	}
	put(w, "],\"input\":[");
	{
		const uint64_t v[] = { in->entries, in->bad_msgs, in->malformed, in->overlong,
				       in->binary, in->first_bad };

		for (size_t i = 0; i < ARRAY_LEN(v); i++) {
			if (i)
				put(w, ",");
			put_u64(w, v[i]);
		}
	}
	put(w, "],\"ct\":[");
	/* The kernel's statistics and their rates, exactly (the header and "table"). */
	putf(w, "%u,%u", f->ct.cpus, f->ct.have);
	for (size_t i = 0; i < CT_STAT_MAX; i++) {
		put(w, ",");
		put_u64(w, f->ct.v[i]);
	}
	putf(w, "],\"ctr\":[%.17g,%u", f->ct_rate.seconds, f->ct_rate.have);
	for (size_t i = 0; i < CT_STAT_MAX; i++)
		putf(w, ",%.17g", f->ct_rate.v[i]);
	put(w, "]");
	if (key) {
		put(w, ",\"host\":");
		put_str(w, w->host);
		put(w, ",\"source\":");
		put_str(w, w->source);
		putf(w, ",\"owners\":%d,\"every\":%d", w->o.owners ? 1 : 0, w->o.keyframe_every);
	}
}

/*
 * A change line's "table": the stream line's last key, as out_stats.c
 * writes it, so that the jq transform has it without the counters' names.
 */
static void put_health(struct rec_writer *w, const struct mon_frame *f)
{
	struct out_health h = { .entries = f->sysctl.count, .max = f->sysctl.max, .ct = &f->ct,
				.rate = &f->ct_rate };
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	if (!mf)
		return;
	(void)out_health_json(mf, &h, 1);
	fclose(mf);
	put(w, ",\"table\":");
	put_mem(w, buf, len);
	free(buf);
}

/* "idle":[[id,n],...],"stale":[id,...] of the flows that are so now. */
static void put_marks(struct rec_writer *w, const struct mon_frame *f, const uint32_t *ids)
{
	int first = 1;

	put(w, ",\"idle\":[");
	for (size_t i = 0; i < f->nflows; i++)
		if (f->flows[i].idle) {
			putf(w, "%s[%u,%u]", first ? "" : ",", ids[i], f->flows[i].idle);
			first = 0;
		}
	put(w, "],\"stale\":[");
	first = 1;
	for (size_t i = 0; i < f->nflows; i++)
		if (f->flows[i].stale) {
			putf(w, "%s%u", first ? "" : ",", ids[i]);
			first = 0;
		}
	put(w, "]");
}

/* Cuts what part of a line reached the file; the file keeps whole lines. */
static int write_line(struct rec_writer *w)
{
	struct stat sb;
	off_t start = fstat(w->fd, &sb) == 0 ? sb.st_size : -1;
	size_t off = 0;

	while (off < w->len) {
		ssize_t r = write(w->fd, w->line + off, w->len - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : ENOSPC;

			/* Appending: the next write goes to the (cut) end again. */
			if (off && start >= 0 && ftruncate(w->fd, start) < 0)
				e = errno;	/* the line stays cut short: say why */
			w->failed = e;
			errno = e;
			return -1;
		}
		off += (size_t)r;
	}
	w->lines++;
	w->bytes += w->len;
	return 0;
}

static int write_key(struct rec_writer *w, const struct mon_frame *f)
{
	const struct flow **rows = xcalloc(f->nflows + 1, sizeof *rows);
	uint32_t *ids = xcalloc(f->nflows + 1, sizeof *ids);
	size_t n;
	char *text, *at;

	slots_reset(w, f->nflows);
	w->next_id = 0;
	for (size_t i = 0; i < f->nflows; i++) {
		rows[i] = &f->flows[i];
		ids[i] = slot_add(w, &f->flows[i], w->lines)->id;
	}
	text = stream_text(w, f, rows, f->nflows, &n, 1);
	if (!text) {
		free(rows);
		free(ids);
		return -1;
	}
	/* The rec object goes before "flows", the stream line's last key. */
	at = strstr(text, ",\"flows\":");
	if (!at)
		at = text + (n ? n - 1 : 0);
	put_mem(w, text, (size_t)(at - text));
	put_rec(w, f, 1);
	put_marks(w, f, ids);
	put(w, "}");
	put_mem(w, at, (size_t)(text + n - at));
	free(text);
	free(rows);
	free(ids);
	return 0;
}

/* A flow of this line that was in the last one: its id, and where it is. */
struct seen {
	uint32_t id;
	uint32_t i;		/* in the frame's flows */
	struct wslot *s;
};

static int by_id(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void put_sep(struct rec_writer *w, int *first)
{
	if (!*first)
		put(w, ",");
	*first = 0;
}

/*
 * "chg": traffic, five numbers a flow: the id as a step from the id
 * before (from 0), then the four deltas; totals grow by them.  "conn":
 * id, new, closed, open connections, where they changed.  "tot": id and
 * the four totals where they are not the last ones plus the deltas
 * (connections that left the table took their bytes with them).
 */
static void put_changes(struct rec_writer *w, const struct mon_frame *f, struct seen *sn,
			size_t n)
{
	uint32_t prev = 0;
	int first = 1;

	if (n > 1)
		qsort(sn, n, sizeof *sn, by_id);
	put(w, ",\"chg\":[");
	for (size_t k = 0; k < n; k++) {
		const struct flow_delta *d = &f->flows[sn[k].i].d;

		if (!d->in_packets && !d->in_bytes && !d->out_packets && !d->out_bytes)
			continue;
		put_sep(w, &first);
		put_u64(w, sn[k].id - prev);
		prev = sn[k].id;
		put(w, ",");
		put_u64(w, d->in_packets);
		put(w, ",");
		put_u64(w, d->in_bytes);
		put(w, ",");
		put_u64(w, d->out_packets);
		put(w, ",");
		put_u64(w, d->out_bytes);
	}
	put(w, "],\"conn\":[");
	first = 1;
	for (size_t k = 0; k < n; k++) {
		const struct flow *x = &f->flows[sn[k].i];

		if (!x->d.new_conns && !x->d.closed_conns && x->conns == sn[k].s->conns)
			continue;
		put_sep(w, &first);
		putf(w, "%u,%u,%u,%u", sn[k].id, x->d.new_conns, x->d.closed_conns, x->conns);
	}
	put(w, "],\"tot\":[");
	first = 1;
	for (size_t k = 0; k < n; k++) {
		const struct flow *x = &f->flows[sn[k].i];
		const struct wslot *s = sn[k].s;
		const struct flow_delta *d = &x->d;

		if (x->c.in_packets == u64_add_sat(s->c.in_packets, d->in_packets) &&
		    x->c.in_bytes == u64_add_sat(s->c.in_bytes, d->in_bytes) &&
		    x->c.out_packets == u64_add_sat(s->c.out_packets, d->out_packets) &&
		    x->c.out_bytes == u64_add_sat(s->c.out_bytes, d->out_bytes))
			continue;
		put_sep(w, &first);
		put_u64(w, sn[k].id);
		put(w, ",");
		put_u64(w, x->c.in_packets);
		put(w, ",");
		put_u64(w, x->c.in_bytes);
		put(w, ",");
		put_u64(w, x->c.out_packets);
		put(w, ",");
		put_u64(w, x->c.out_bytes);
	}
	put(w, "]");
	for (size_t k = 0; k < n; k++) {
		sn[k].s->c = f->flows[sn[k].i].c;
		sn[k].s->conns = f->flows[sn[k].i].conns;
	}
}

static int write_delta(struct rec_writer *w, const struct mon_frame *f)
{
	const struct flow **added = xcalloc(f->nflows + 1, sizeof *added);
	uint32_t *ids = xcalloc(f->nflows + 1, sizeof *ids);
	uint64_t line = w->lines;
	size_t nadd = 0;
	int first = 1;

	put_rec(w, f, 0);
	/* Which flows are new, and the ids of the others (marked seen). */
	for (size_t i = 0; i < f->nflows; i++) {
		struct wslot *s = slot_find(w, &f->flows[i].key);

		if (s->used && !s->dead) {
			ids[i] = s->id;
			s->seen = line;
		} else {
			added[nadd++] = &f->flows[i];
		}
	}
	put(w, ",\"del\":[");
	for (size_t i = 0; i < w->cap; i++) {
		struct wslot *s = &w->slots[i];

		if (s->used && !s->dead && s->seen != line) {
			putf(w, "%s%u", first ? "" : ",", s->id);
			first = 0;
			s->dead = 1;
		}
	}
	put(w, "]");
	{
		struct seen *sn = xcalloc(f->nflows + 1, sizeof *sn);
		size_t n = 0;

		for (size_t i = 0; i < f->nflows; i++) {
			struct wslot *s = slot_find(w, &f->flows[i].key);

			if (s->used && !s->dead && s->seen == line)
				sn[n++] = (struct seen){ s->id, (uint32_t)i, s };
		}
		put_changes(w, f, sn, n);
		free(sn);
	}
	put(w, ",\"add\":");
	if (nadd) {
		size_t n;
		char *text = stream_text(w, f, added, nadd, &n, 0);
		char *at = text ? strstr(text, ",\"flows\":") : NULL;

		/* The array only: from after "flows": to before "}\n". */
		if (at && n >= 2) {
			at += strlen(",\"flows\":");
			put_mem(w, at, (size_t)(text + n - 2 - at));
		} else {
			put(w, "[]");
		}
		free(text);
	} else {
		put(w, "[]");
	}
	/* Ids of the added flows, in the order of "add". */
	for (size_t a = 0; a < nadd; a++)
		slot_add(w, added[a], line);
	for (size_t i = 0; i < f->nflows; i++)
		ids[i] = slot_find(w, &f->flows[i].key)->id;
	put_marks(w, f, ids);
	put(w, "}");
	put_health(w, f);
	put(w, "}\n");
	free(added);
	free(ids);
	return 0;
}

int rec_write(struct rec_writer *w, const struct mon_frame *f)
{
	char when[48];
	int key;

	if (w->failed) {
		errno = w->failed;
		return -1;
	}
	if (f->err)
		return 0;
	key = w->since_key == 0 || w->since_key >= w->o.keyframe_every;
	w->len = 0;
	if (key) {
		w->since_key = 0;
		if (write_key(w, f) < 0) {
			w->failed = ENOMEM;
			errno = ENOMEM;
			return -1;
		}
	} else {
		fmt_rfc3339(&f->when, when, sizeof when);
		put(w, "{\"time\":");
		put_str(w, when);
		if (f->interval > 0)
			putf(w, ",\"interval\":%.3f", f->interval);
		else
			put(w, ",\"interval\":null");
		putf(w, ",\"period\":%.3f,\"budget_held\":%s", f->period,
		     f->budget_held ? "true" : "false");
		if (f->events)
			putf(w, ",\"events_lost\":%llu", (unsigned long long)f->events_lost);
		else
			put(w, ",\"events_lost\":null");
		write_delta(w, f);
	}
	w->since_key++;
	return write_line(w);
}
