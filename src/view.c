/* view.c - filter and sort flows for output. */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *const sort_names[VIEW_SORT_MAX] = {
	"bytes", "packets", "inbytes", "outbytes", "inpkts", "outpkts",
	"conns", "peer", "port",
};

const char *view_sort_name(enum view_sort s)
{
	return (unsigned)s < VIEW_SORT_MAX ? sort_names[s] : NULL;
}

int view_sort_parse(const char *s)
{
	static const struct {
		const char *alias;
		enum view_sort sort;
	} aliases[] = {
		{ "total", VIEW_SORT_BYTES },
		{ "pkts", VIEW_SORT_PACKETS },
		{ "inpackets", VIEW_SORT_INPKTS },
		{ "outpackets", VIEW_SORT_OUTPKTS },
		{ "connections", VIEW_SORT_CONNS },
		{ "addr", VIEW_SORT_PEER },
		{ "address", VIEW_SORT_PEER },
		{ "host", VIEW_SORT_PEER },
	};

	for (int i = 0; i < VIEW_SORT_MAX; i++)
		if (strcasecmp(s, sort_names[i]) == 0)
			return i;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcasecmp(s, aliases[i].alias) == 0)
			return (int)aliases[i].sort;
	return -1;
}

int view_match(const struct view_opts *o, const struct flow *f)
{
	const struct port_filter *pf;

	if (!(o->dirs & (1u << f->key.dir)))
		return 0;
	pf = f->key.dir == FLOW_ACTIVE ? o->aport : o->pport;
	return !pf || port_filter_match(pf, f->key.port);
}

static uint64_t metric(const struct flow *f, enum view_sort s)
{
	switch (s) {
	case VIEW_SORT_BYTES:
		return f->c.in_bytes + f->c.out_bytes < f->c.in_bytes ?
			UINT64_MAX : f->c.in_bytes + f->c.out_bytes;
	case VIEW_SORT_PACKETS:
		return f->c.in_packets + f->c.out_packets < f->c.in_packets ?
			UINT64_MAX : f->c.in_packets + f->c.out_packets;
	case VIEW_SORT_INBYTES:
		return f->c.in_bytes;
	case VIEW_SORT_OUTBYTES:
		return f->c.out_bytes;
	case VIEW_SORT_INPKTS:
		return f->c.in_packets;
	case VIEW_SORT_OUTPKTS:
		return f->c.out_packets;
	case VIEW_SORT_CONNS:
		return f->conns;
	default:
		return 0;
	}
}

/*
 * Rows are sorted as flat records holding everything the comparison reads:
 * comparing through the flow pointers costs a cache miss per compare, and
 * was most of the sort's time on 100k flows.
 */
struct sort_rec {
	uint64_t metric;	/* bigger first, or 0 for the peer/port sorts */
	uint8_t peer[16];
	uint16_t port;
	uint8_t dir, family, proto;
	const struct flow *f;
};

static int cmp_keys(const struct sort_rec *a, const struct sort_rec *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->peer, b->peer, 16);
	if (c)
		return c < 0 ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return 0;
}

struct sort_ctx {
	enum view_sort sort;
	int reverse;
};

static int cmp_recs(const void *x, const void *y, void *arg)
{
	const struct sort_rec *a = x, *b = y;
	const struct sort_ctx *ctx = arg;
	int c = 0;

	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	if (ctx->sort == VIEW_SORT_PEER) {
		c = cmp_keys(a, b);
	} else if (ctx->sort == VIEW_SORT_PORT) {
		if (a->port != b->port)
			c = a->port < b->port ? -1 : 1;
	} else if (a->metric != b->metric) {
		c = a->metric > b->metric ? -1 : 1;
	}
	if (ctx->reverse)
		c = -c;
	return c ? c : cmp_keys(a, b);
}

static void rec_fill(struct sort_rec *r, const struct flow *f, enum view_sort s)
{
	r->metric = metric(f, s);
	memcpy(r->peer, f->key.peer.b, 16);
	r->port = f->key.port;
	r->dir = f->key.dir;
	r->family = f->key.family;
	r->proto = f->key.proto;
	r->f = f;
}

int view_cmp(const struct flow *a, const struct flow *b, enum view_sort s, int reverse)
{
	struct sort_rec ra, rb;
	struct sort_ctx ctx = { s, reverse };

	rec_fill(&ra, a, s);
	rec_fill(&rb, b, s);
	return cmp_recs(&ra, &rb, &ctx);
}

size_t view_build(const struct flow_table *t, const struct view_opts *o,
		  const struct flow **rows)
{
	size_t n = 0, total = flow_table_count(t);
	struct sort_ctx ctx = { o->sort, o->reverse };
	struct sort_rec *recs = xmalloc((total ? total : 1) * sizeof *recs);

	for (size_t i = 0; i < total; i++) {
		const struct flow *f = flow_table_at(t, i);

		if (!view_match(o, f))
			continue;
		rec_fill(&recs[n++], f, o->sort);
	}
	qsort_r(recs, n, sizeof *recs, cmp_recs, &ctx);
	for (size_t i = 0; i < n; i++)
		rows[i] = recs[i].f;
	free(recs);
	return n;
}
