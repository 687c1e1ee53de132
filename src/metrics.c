/* metrics.c - cumulative series of host flows, with bounded cardinality. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsct.h"
#include "util.h"

/* A flow's place in the ranking of one frame. */
struct item {
	uint64_t bytes;		/* what it is ranked by */
	uint32_t flow;		/* index in the frame */
	uint32_t group;		/* port level: the group's index */
};

struct group {
	uint64_t bytes;
	uint32_t first;		/* its first item (items sorted by group key) */
	uint8_t folded;
};

struct metrics {
	struct metrics_opts o;
	struct metrics_series **buckets;
	size_t nbuckets, count;
	struct metrics_series *lru_head, *lru_tail;	/* head: most recent */
	uint64_t frame;
	/* The last frame's series, sorted. */
	const struct metrics_series **shown;
	size_t nshown, shown_cap;
	/* Per-frame scratch, reused. */
	struct item *items;
	struct group *groups;
	uint8_t *peer_folded, *port_folded;
	size_t scratch_cap;
	struct metrics_table tab;
};

struct metrics *metrics_new(const struct metrics_opts *o)
{
	struct metrics *mx = xcalloc(1, sizeof *mx);

	mx->o = *o;
	if (!mx->o.top)
		mx->o.top = METRICS_TOP_DEFAULT;
	if (!mx->o.keep) {
		mx->o.keep = (size_t)mx->o.top * 16;
		if (mx->o.keep < 65536)
			mx->o.keep = 65536;
	}
	if (mx->o.retain <= 0)
		mx->o.retain = METRICS_RETAIN;
	mx->nbuckets = 1024;
	mx->buckets = xcalloc(mx->nbuckets, sizeof *mx->buckets);
	mx->tab.count = mx->tab.max = -1;
	return mx;
}

void metrics_free(struct metrics *mx)
{
	struct metrics_series *s, *next;

	if (!mx)
		return;
	for (s = mx->lru_head; s; s = next) {
		next = s->lru_next;
		free(s);
	}
	free(mx->buckets);
	free(mx->shown);
	free(mx->items);
	free(mx->groups);
	free(mx->peer_folded);
	free(mx->port_folded);
	free(mx);
}

size_t metrics_series_bytes(void)
{
	/* The node, its bucket pointer (the table keeps a load of 1 at most). */
	return sizeof(struct metrics_series) + sizeof(struct metrics_series *);
}

size_t metrics_kept(const struct metrics *mx)
{
	return mx->count;
}

const struct metrics_table *metrics_table(const struct metrics *mx)
{
	return &mx->tab;
}

const struct metrics_opts *metrics_opts(const struct metrics *mx)
{
	return &mx->o;
}

static uint64_t key_hash(const struct metrics_key *k)
{
	uint64_t w[sizeof *k / 8];

	_Static_assert(sizeof *k % 8 == 0, "metrics_key is hashed as words");
	memcpy(w, k, sizeof w);
	return hash_words(w, ARRAY_LEN(w));
}

static void lru_unlink(struct metrics *mx, struct metrics_series *s)
{
	if (s->lru_prev)
		s->lru_prev->lru_next = s->lru_next;
	else
		mx->lru_head = s->lru_next;
	if (s->lru_next)
		s->lru_next->lru_prev = s->lru_prev;
	else
		mx->lru_tail = s->lru_prev;
	s->lru_prev = s->lru_next = NULL;
}

static void lru_push(struct metrics *mx, struct metrics_series *s)
{
	s->lru_next = mx->lru_head;
	s->lru_prev = NULL;
	if (mx->lru_head)
		mx->lru_head->lru_prev = s;
	mx->lru_head = s;
	if (!mx->lru_tail)
		mx->lru_tail = s;
}

static void grow(struct metrics *mx)
{
	size_t n = mx->nbuckets * 2;
	struct metrics_series **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < mx->nbuckets; i++) {
		struct metrics_series *s = mx->buckets[i], *next;

		for (; s; s = next) {
			size_t h = (size_t)(key_hash(&s->key) & (n - 1));

			next = s->next;
			s->next = b[h];
			b[h] = s;
		}
	}
	free(mx->buckets);
	mx->buckets = b;
	mx->nbuckets = n;
}

static void show(struct metrics *mx, const struct metrics_series *s)
{
	if (mx->nshown == mx->shown_cap) {
		mx->shown_cap = mx->shown_cap ? 2 * mx->shown_cap : 256;
		mx->shown = xrealloc(mx->shown, mx->shown_cap * sizeof *mx->shown);
	}
	mx->shown[mx->nshown++] = s;
}

/*
 * Series of earlier frames seen less than retain seconds ago, the most
 * recent first (the LRU list's order behind this frame's), N per direction.
 */
static void show_retained(struct metrics *mx, double now)
{
	size_t extra[3] = { 0, 0, 0 };

	for (struct metrics_series *s = mx->lru_head; s; s = s->lru_next) {
		if (s->last == mx->frame)
			continue;
		if (now - s->seen > mx->o.retain)
			break;
		if (extra[s->key.dir % 3] >= mx->o.top)
			continue;
		extra[s->key.dir % 3]++;
		s->open = 0;
		s->rtt_us = 0;
		show(mx, s);
	}
}

/* The series of k, made if new; it becomes part of this frame. */
static struct metrics_series *touch(struct metrics *mx, const struct metrics_key *k, double now)
{
	size_t h = (size_t)(key_hash(k) & (mx->nbuckets - 1));
	struct metrics_series *s;

	for (s = mx->buckets[h]; s; s = s->next)
		if (memcmp(&s->key, k, sizeof *k) == 0)
			break;
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->key = *k;
		s->next = mx->buckets[h];
		mx->buckets[h] = s;
		mx->count++;
		lru_push(mx, s);
		if (mx->count > mx->nbuckets)
			grow(mx);
	} else if (s->last != mx->frame) {
		lru_unlink(mx, s);
		lru_push(mx, s);
	}
	if (s->last != mx->frame) {
		s->last = mx->frame;
		s->seen = now;
		s->open = 0;
		s->rtt_us = 0;
		s->proc = 0;
		s->proc_state = 0;
		show(mx, s);
	}
	return s;
}

static void drop(struct metrics *mx, struct metrics_series *s)
{
	size_t h = (size_t)(key_hash(&s->key) & (mx->nbuckets - 1));
	struct metrics_series **pp;

	for (pp = &mx->buckets[h]; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	lru_unlink(mx, s);
	mx->count--;
	mx->tab.dropped++;
	free(s);
}

/* A routed key's owner field is its route (client and NAT), not an owner. */
static uint32_t key_owner(const struct flow_key *k)
{
	return k->dir == FLOW_ROUTED ? 0 : k->owner;
}

static uint64_t flow_rank_bytes(const struct flow *fl)
{
	return u64_add_sat(u64_add_sat(fl->c.in_bytes, fl->c.out_bytes),
			   u64_add_sat(fl->d.in_bytes, fl->d.out_bytes));
}

static const struct flow *rank_flows;	/* qsort has no argument: set around each sort */

static int key_cmp(const struct flow_key *a, const struct flow_key *b)
{
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->peer, &b->peer, sizeof a->peer);
}

/* Bytes down, then the flow key: a total order, the same every run. */
static int by_bytes(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return key_cmp(&rank_flows[a->flow].key, &rank_flows[b->flow].key);
}

/* The port level's group: protocol, owner, port. */
static int by_group(const void *pa, const void *pb)
{
	const struct flow_key *a = &rank_flows[((const struct item *)pa)->flow].key;
	const struct flow_key *b = &rank_flows[((const struct item *)pb)->flow].key;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (key_owner(a) != key_owner(b))
		return key_owner(a) < key_owner(b) ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static const struct group *rank_groups;
static const struct item *mx_items_of_rank;	/* the items rank_groups' first point into */

static int group_by_bytes(const void *pa, const void *pb)
{
	const uint32_t *a = pa, *b = pb;
	const struct group *ga = &rank_groups[*a], *gb = &rank_groups[*b];

	if (ga->bytes != gb->bytes)
		return ga->bytes > gb->bytes ? -1 : 1;
	return by_group(&mx_items_of_rank[ga->first], &mx_items_of_rank[gb->first]);
}

static void scratch(struct metrics *mx, size_t n)
{
	if (n <= mx->scratch_cap)
		return;
	mx->scratch_cap = n;
	mx->items = xrealloc(mx->items, n * sizeof *mx->items);
	mx->groups = xrealloc(mx->groups, n * sizeof *mx->groups);
	mx->peer_folded = xrealloc(mx->peer_folded, n);
	mx->port_folded = xrealloc(mx->port_folded, n);
}

static int with_peer(const struct metrics *mx, unsigned dir)
{
	return dir != FLOW_PASSIVE || mx->o.passive_peers;
}

/* The flow's part in its series' -P values: p is its record (flow_proc()). */
static void add_health(struct metrics_series *s, const struct flow_proc *p)
{
	s->retrans = u64_add_sat(s->retrans, p->retrans);
	if (p->rtt_us > s->rtt_us)
		s->rtt_us = p->rtt_us;
	if (!p->proc || s->proc_state == 2)
		return;
	if (p->nprocs > 1 || (s->proc_state == 1 && s->proc != p->proc)) {
		s->proc_state = 2;
		s->proc = 0;
	} else {
		s->proc_state = 1;
		s->proc = p->proc;
	}
}

/* The routed key's labels: the server (peer) and the client, by the route's number. */
static void routed_key(const struct metrics *mx, const struct flow *fl, struct metrics_key *k)
{
	struct flow_route r;

	k->family = fl->key.family;
	k->peer = fl->key.peer;
	if (mx->o.route_of && mx->o.route_of(mx->o.route_arg, fl->key.owner, &r) == 0)
		k->client = r.client;
	else
		k->client_unknown = 1;
}

/*
 * Decides, for one direction, which flows keep their peer and which
 * folded ones keep their port (the bound in metrics.h).
 */
/*
 * Puts the top items (by_bytes' order) into it[0..top), in any order:
 * quickselect, O(k) expected whatever the bytes are (the pivot is picked
 * at random; by_bytes is a total order, so the set is always the same).
 */
static void select_top(struct item *it, size_t k, size_t top)
{
	size_t lo = 0, hi = k;	/* the answer's boundary is in [lo, hi) */
	uint64_t r = 0x9e3779b97f4a7c15u ^ k;

	while (hi - lo > 1) {
		struct item pivot, tmp;
		size_t i = lo, j;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		pivot = it[lo + r % (hi - lo)];
		/* Lomuto with three parts: before pivot | equal | after. */
		for (j = lo; j < hi; j++)
			if (by_bytes(&it[j], &pivot) < 0) {
				tmp = it[i];
				it[i] = it[j];
				it[j] = tmp;
				i++;
			}
		/* it[lo..i) come before the pivot; the pivot itself is unique (total order). */
		for (j = i; j < hi; j++)
			if (by_bytes(&it[j], &pivot) == 0) {
				tmp = it[i];
				it[i] = it[j];
				it[j] = tmp;
				break;
			}
		if (top <= i)
			hi = i;
		else if (top == i + 1)
			return;
		else
			lo = i + 1;
	}
}

/* The port level's groups: an open-addressing index from a group key to its number. */
struct gindex {
	uint64_t *keys;
	uint32_t *num;		/* UINT32_MAX: empty */
	size_t cap;
};

static uint64_t group_key(const struct flow_key *k)
{
	return (uint64_t)k->proto << 48 | (uint64_t)key_owner(k) << 16 | k->port;
}

static size_t gindex_slot(const struct gindex *g, uint64_t key)
{
	size_t h = (size_t)hash_words(&key, 1) & (g->cap - 1);

	while (g->num[h] != UINT32_MAX && g->keys[h] != key)
		h = (h + 1) & (g->cap - 1);
	return h;
}

static void gindex_init(struct gindex *g, size_t cap)
{
	g->cap = cap;
	g->keys = xmalloc(cap * sizeof *g->keys);
	g->num = xmalloc(cap * sizeof *g->num);
	memset(g->num, 0xff, cap * sizeof *g->num);
}

static void gindex_grow(struct gindex *g)
{
	struct gindex n;

	gindex_init(&n, g->cap * 2);
	for (size_t i = 0; i < g->cap; i++)
		if (g->num[i] != UINT32_MAX) {
			size_t h = gindex_slot(&n, g->keys[i]);

			n.keys[h] = g->keys[i];
			n.num[h] = g->num[i];
		}
	free(g->keys);
	free(g->num);
	*g = n;
}

/*
 * Decides, for one direction, which flows keep their peer and which
 * folded ones keep their port (the bound in metrics.h).  Linear in the
 * flows: the top N by selection, the ports by a hash index.
 */
static void rank(struct metrics *mx, const struct flow *flows, size_t n, unsigned dir)
{
	struct item *it = mx->items;
	size_t k = 0, ng = 0, top = mx->o.top;
	struct gindex gi;

	rank_flows = flows;
	if (with_peer(mx, dir)) {
		for (size_t i = 0; i < n; i++)
			if (flows[i].key.dir == dir)
				it[k++] = (struct item){ flow_rank_bytes(&flows[i]), (uint32_t)i, 0 };
		if (k > top) {
			select_top(it, k, top);
			for (size_t j = top; j < k; j++)
				mx->peer_folded[it[j].flow] = 1;
			mx->tab.folded_peers[dir] = k - top;
		}
	}
	/* The port level: the folded flows, or every flow without peers. */
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (flows[i].key.dir == dir && (!with_peer(mx, dir) || mx->peer_folded[i]))
			it[k++] = (struct item){ flow_rank_bytes(&flows[i]), (uint32_t)i, 0 };
	if (k <= top)
		return;
	gindex_init(&gi, 1024);
	for (size_t j = 0; j < k; j++) {
		uint64_t key = group_key(&flows[it[j].flow].key);
		size_t h = gindex_slot(&gi, key);

		if (gi.num[h] == UINT32_MAX) {
			gi.keys[h] = key;
			gi.num[h] = (uint32_t)ng;
			mx->groups[ng++] = (struct group){ 0, (uint32_t)j, 0 };
			if (2 * ng > gi.cap)
				gindex_grow(&gi);
		}
		h = gindex_slot(&gi, key);
		it[j].group = gi.num[h];
		mx->groups[it[j].group].bytes = u64_add_sat(mx->groups[it[j].group].bytes,
							    it[j].bytes);
	}
	free(gi.keys);
	free(gi.num);
	if (ng <= top)
		return;
	{
		/* Group numbers ranked by bytes. */
		uint32_t *order = xmalloc(ng * sizeof *order);

		for (size_t g = 0; g < ng; g++)
			order[g] = (uint32_t)g;
		rank_groups = mx->groups;
		mx_items_of_rank = it;
		if (ng > 1)
			qsort(order, ng, sizeof *order, group_by_bytes);
		for (size_t g = top; g < ng; g++)
			mx->groups[order[g]].folded = 1;
		free(order);
	}
	mx->tab.folded_ports[dir] = ng - top;
	for (size_t j = 0; j < k; j++)
		if (mx->groups[it[j].group].folded)
			mx->port_folded[it[j].flow] = 1;
}

static int series_cmp(const void *pa, const void *pb)
{
	const struct metrics_key *a = &(*(const struct metrics_series *const *)pa)->key;
	const struct metrics_key *b = &(*(const struct metrics_series *const *)pb)->key;

	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->peer_other != b->peer_other)
		return a->peer_other < b->peer_other ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	{
		int c = memcmp(&a->peer, &b->peer, sizeof a->peer);

		if (c)
			return c;
	}
	if (a->client_unknown != b->client_unknown)
		return a->client_unknown < b->client_unknown ? -1 : 1;
	return memcmp(&a->client, &b->client, sizeof a->client);
}

void metrics_feed(struct metrics *mx, const struct mon_frame *f, const struct flow *flows,
		  const struct flow_proc *procs, size_t n)
{
	struct metrics_table *t = &mx->tab;
	struct flow_side side = { flows, procs };
	double now = (double)f->when.tv_sec + (double)f->when.tv_nsec / 1e9;

	mx->frame++;
	mx->nshown = 0;
	t->frames++;
	if (f->dumped) {
		t->dumps++;
		t->stats = f->stats;
		t->snapshot_seconds = f->cost;
		t->count = f->sysctl.count;
		t->max = f->sysctl.max;
	}
	t->events = f->events;
	t->events_lost = f->events_lost;

	scratch(mx, n ? n : 1);
	memset(mx->peer_folded, 0, n);
	memset(mx->port_folded, 0, n);
	t->folded_peers[0] = t->folded_peers[1] = 0;
	t->folded_ports[0] = t->folded_ports[1] = 0;
	t->folded_peers[2] = t->folded_ports[2] = 0;
	rank(mx, flows, n, FLOW_ACTIVE);
	rank(mx, flows, n, FLOW_PASSIVE);
	if (mx->o.routed)
		rank(mx, flows, n, FLOW_ROUTED);

	for (size_t i = 0; i < n; i++) {
		const struct flow *fl = &flows[i];
		struct metrics_key k;
		struct metrics_series *s;

		if (fl->key.dir > FLOW_ROUTED || (fl->key.dir == FLOW_ROUTED && !mx->o.routed))
			continue;
		memset(&k, 0, sizeof k);
		k.dir = fl->key.dir;
		k.proto = fl->key.proto;
		k.owner = mx->o.owners ? key_owner(&fl->key) : 0;
		k.port = mx->port_folded[i] ? METRICS_OTHER : fl->key.port;
		if (with_peer(mx, fl->key.dir)) {
			k.has_peer = 1;
			if (mx->peer_folded[i]) {
				k.peer_other = 1;
			} else if (fl->key.dir == FLOW_ROUTED) {
				routed_key(mx, fl, &k);
			} else {
				k.family = fl->key.family;
				k.peer = fl->key.peer;
			}
		}
		s = touch(mx, &k, now);
		s->in_bytes = u64_add_sat(s->in_bytes, fl->d.in_bytes);
		s->out_bytes = u64_add_sat(s->out_bytes, fl->d.out_bytes);
		s->in_packets = u64_add_sat(s->in_packets, fl->d.in_packets);
		s->out_packets = u64_add_sat(s->out_packets, fl->d.out_packets);
		s->opened = u64_add_sat(s->opened, fl->d.new_conns);
		s->closed = u64_add_sat(s->closed, fl->d.closed_conns);
		s->open += fl->conns;
		if (mx->o.processes)
			add_health(s, flow_proc(&side, fl));
	}
	/* Memory: the least recently shown series go first, never this frame's. */
	while (mx->count > mx->o.keep && mx->lru_tail && mx->lru_tail->last != mx->frame)
		drop(mx, mx->lru_tail);
	show_retained(mx, now);
	/* qsort() wants an array even for none (UBSan: nonnull). */
	if (mx->nshown > 1)
		qsort(mx->shown, mx->nshown, sizeof *mx->shown, series_cmp);
}

size_t metrics_series(struct metrics *mx, const struct metrics_series *const **out)
{
	*out = mx->shown;
	return mx->nshown;
}

void metrics_owner_id(const struct metrics *mx, uint32_t id, char *buf, size_t len)
{
	struct owner_label l;

	if (mx->o.owner_of && mx->o.owner_of(mx->o.owner_arg, id, &l) == 0 && l.id[0])
		snprintf(buf, len, "%s", l.id);
	else
		snprintf(buf, len, "#%u", (unsigned)id);
}

void metrics_owner_value(const struct metrics *mx, uint32_t id, char *buf, size_t len)
{
	struct owner_label l;

	if (id == 0) {
		snprintf(buf, len, "host");
		return;
	}
	if (!mx->o.owner_of || mx->o.owner_of(mx->o.owner_arg, id, &l) < 0) {
		snprintf(buf, len, "unknown");
		return;
	}
	snprintf(buf, len, "%s:%s", owner_kind_name(l.kind), l.name);
}
