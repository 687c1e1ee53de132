/* flow.c - classification and aggregation of conntrack entries. */
#include "flow.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow_int.h"
#include "store.h"
#include "util.h"

static int addr_is_local(const struct host_info *h, int family, const struct ct_addr *a)
{
	/* All of 127/8 and ::1 are this host, whatever lo lists. */
	return ct_addr_is_loopback(family, a) || host_is_local(h, family, a);
}

static int is_server_port(const struct host_info *h, const struct flow_opts *o,
			  int proto, int family, const struct ct_addr *a, uint16_t port)
{
	if (o->server_ports && port_filter_names(o->server_ports, port))
		return 1;
	return host_is_listener(h, proto, family, a, port);
}

static void hit_set(struct flow_hit *hit, const struct ct_entry *e, enum flow_dir dir,
		    const struct ct_addr *peer, uint16_t port,
		    const struct ct_tuple *in, const struct ct_tuple *out)
{
	memset(&hit->key, 0, sizeof hit->key);
	hit->key.peer = *peer;
	hit->key.port = port;
	hit->key.family = e->family;
	hit->key.proto = e->proto;
	hit->key.dir = (uint8_t)dir;
	hit->key.owner = 0;
	hit->c.in_packets = in->packets;
	hit->c.in_bytes = in->bytes;
	hit->c.out_packets = out->packets;
	hit->c.out_bytes = out->bytes;
	hit->in_orig = in == &e->orig;
}

unsigned flow_proto_bit(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return FLOW_PROTO_TCP;
	case IPPROTO_UDP:
		return FLOW_PROTO_UDP;
	case IPPROTO_UDPLITE:
		return FLOW_PROTO_UDPLITE;
	case IPPROTO_SCTP:
		return FLOW_PROTO_SCTP;
	case IPPROTO_DCCP:
		return FLOW_PROTO_DCCP;
	case IPPROTO_ICMP:
		return FLOW_PROTO_ICMP;
	case IPPROTO_ICMPV6:
		return FLOW_PROTO_ICMPV6;
	case IPPROTO_GRE:
		return FLOW_PROTO_GRE;
	default:
		return 0;
	}
}

/*
 * No end in the viewed namespace: "local" is now an address of another
 * namespace of this machine.  The client (original source) owned by C
 * gives C's active flow to the address and port it used (or, picked up
 * mid-stream from one of C's listening ports, C's passive flow); the
 * server (reply source, after DNAT) owned by S gives S's passive flow on
 * its real port; both give both.  An end held by several namespaces is
 * not guessed.
 */
static enum flow_class classify_owners(const struct owner_table *ot, const struct ct_entry *e,
				       uint16_t akey, uint16_t pkey, struct flow_hit hits[2],
				       unsigned *nhits)
{
	const struct ct_tuple *orig = &e->orig, *reply = &e->reply;
	const struct owner *c = owner_lookup(ot, e->family, &orig->src);
	const struct owner *s = owner_lookup(ot, e->family, &reply->src);
	unsigned n = 0;

	if (c) {
		if (!s && ct_proto_has_ports(e->proto) &&
		    owner_is_listener(ot, c, e->proto, e->family, orig->sport))
			hit_set(&hits[n], e, FLOW_PASSIVE, &orig->dst, orig->sport, reply, orig);
		else
			hit_set(&hits[n], e, FLOW_ACTIVE, &orig->dst, akey, reply, orig);
		hits[n++].key.owner = c->tag;
	}
	if (s) {
		hit_set(&hits[n], e, FLOW_PASSIVE, &orig->src, pkey, orig, reply);
		hits[n++].key.owner = s->tag;
	}
	*nhits = n;
	if (n)
		return FLOW_CLASS_OWNER;
	if (owner_ambiguous(ot, e->family, &orig->src) ||
	    owner_ambiguous(ot, e->family, &reply->src))
		return FLOW_CLASS_AMBIGUOUS;
	return FLOW_CLASS_FORWARDED;
}

/*
 * An entry that ends on no namespace of this machine: the client's address
 * and what NAT changed go into the route registry, the key keeps the
 * server as the client addressed it (before DNAT) and its port.  Counters
 * as for an active flow: out = the client's packets, in = the server's.
 */
static enum flow_class classify_routed(struct route_reg *reg, const struct ct_entry *e,
				       uint16_t akey, struct flow_hit *hit, unsigned *nhits)
{
	const struct ct_tuple *orig = &e->orig, *reply = &e->reply;
	struct flow_route r;
	uint32_t id;

	memset(&r, 0, sizeof r);
	r.family = e->family;
	r.client = orig->src;
	if (memcmp(&reply->src, &orig->dst, sizeof reply->src) != 0 ||
	    (ct_proto_has_ports(e->proto) && reply->sport != orig->dport)) {
		r.nat |= ROUTE_DNAT;
		r.dnat = reply->src;
		r.dnat_port = ct_proto_has_ports(e->proto) ? reply->sport : 0;
	}
	if (memcmp(&reply->dst, &orig->src, sizeof reply->dst) != 0) {
		r.nat |= ROUTE_SNAT;
		r.snat = reply->dst;
	}
	id = route_reg_intern(reg, &r);
	if (!id)
		return FLOW_CLASS_FORWARDED;	/* the registry is full */
	hit_set(hit, e, FLOW_ROUTED, &orig->dst, akey, reply, orig);
	hit->key.owner = id;
	*nhits = 1;
	return FLOW_CLASS_ROUTED;
}

enum flow_class flow_classify(const struct host_info *h, const struct flow_opts *o,
			      const struct ct_entry *e, struct flow_hit hits[2],
			      unsigned *nhits)
{
	unsigned pbit = flow_proto_bit(e->proto);
	unsigned fbit = e->family == AF_INET ? FLOW_FAM_V4 :
			e->family == AF_INET6 ? FLOW_FAM_V6 : 0;
	const struct ct_tuple *orig = &e->orig, *reply = &e->reply;
	int client_local, server_local;
	uint16_t akey, pkey;	/* the active and the passive flow's port (flow.h) */

	*nhits = 0;
	if (!(pbit & o->protos) || !(fbit & o->families))
		return FLOW_CLASS_EXCLUDED;
	/* --zone, --mark: the same test for dumps, text and events. */
	if ((o->zone_set && e->zone != o->zone) || (e->mark & o->mark_mask) != o->mark_val)
		return FLOW_CLASS_EXCLUDED;

	/*
	 * The client socket is the original source (before any SNAT); the
	 * server socket is the reply source (after any DNAT or REDIRECT).
	 * A connection is this host's when one of those sockets is here.
	 * Port-less protocols alike: the sender of the first packet (an
	 * echo request, GRE's first packet) is the client.
	 */
	client_local = addr_is_local(h, e->family, &orig->src);
	server_local = addr_is_local(h, e->family, &reply->src);
	if (ct_proto_is_icmp(e->proto)) {
		/* Both directions of one exchange under the request's type. */
		akey = pkey = CT_ICMP_TYPE(orig->dport);
	} else {
		/* Ports, or GRE's keys in their place. */
		akey = orig->dport;
		pkey = reply->sport;
	}

	if (client_local && server_local) {
		hit_set(&hits[0], e, FLOW_ACTIVE, &orig->dst, akey, reply, orig);
		hit_set(&hits[1], e, FLOW_PASSIVE, &orig->src, pkey, orig, reply);
		*nhits = 2;
		return FLOW_CLASS_HOST;
	}
	if (client_local) {
		/*
		 * Picked up mid-stream (nf_conntrack_tcp_loose), the first packet
		 * seen may be a server's answer: a local listening port as the
		 * source means the peer opened this connection.  Only where
		 * there are ports.
		 */
		if (ct_proto_has_ports(e->proto) &&
		    is_server_port(h, o, e->proto, e->family, &orig->src, orig->sport))
			hit_set(&hits[0], e, FLOW_PASSIVE, &orig->dst, orig->sport, reply, orig);
		else
			hit_set(&hits[0], e, FLOW_ACTIVE, &orig->dst, akey, reply, orig);
		*nhits = 1;
		return FLOW_CLASS_HOST;
	}
	if (server_local) {
		hit_set(&hits[0], e, FLOW_PASSIVE, &orig->src, pkey, orig, reply);
		*nhits = 1;
		return FLOW_CLASS_HOST;
	}
	if (host_is_broadcast(h, e->family, &orig->dst)) {
		/*
		 * A peer's broadcast or multicast, received here: a passive
		 * flow of the receiving port (what this host sends to such an
		 * address is active, above).
		 */
		hit_set(&hits[0], e, FLOW_PASSIVE, &orig->src, orig->dport, orig, reply);
		*nhits = 1;
		return FLOW_CLASS_HOST;
	}
	if (o->owners && (!o->owners_ready || o->owners_ready(o->owners_arg))) {
		enum flow_class c = classify_owners(o->owners, e, akey, pkey, hits, nhits);

		if (c != FLOW_CLASS_FORWARDED)
			return c;
	}
	if (o->routes)
		return classify_routed(o->routes, e, akey, &hits[0], nhits);
	return FLOW_CLASS_FORWARDED;
}

const struct flow_proc flow_proc_none;

struct flow_table *flow_table_new(const struct host_info *h, const struct flow_opts *o)
{
	struct flow_table *t = xcalloc(1, sizeof *t);

	t->host = h;
	t->opts = *o;
	t->cap = 256;
	t->flows = huge_alloc(t->cap * sizeof *t->flows);
	if (o->socks)
		t->procs = huge_alloc(t->cap * sizeof *t->procs);
	t->hashes = huge_alloc(t->cap * sizeof *t->hashes);
	t->index_bits = 9;
	t->index_size = (size_t)1 << t->index_bits;
	t->index = huge_alloc(t->index_size * sizeof *t->index);
	t->clock = mono_now;
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	conn_store_free(t->store);
	free(t->reread);
	free(t->pairs);
	huge_free(t->flows, t->cap * sizeof *t->flows);
	huge_free(t->procs, t->procs ? t->cap * sizeof *t->procs : 0);
	huge_free(t->hashes, t->cap * sizeof *t->hashes);
	huge_free(t->index, t->index_size * sizeof *t->index);
	free(t);
}

/* A record in limbo (store.h) gives its room rather than make the store grow. */
static int in_limbo(const struct conn_rec *r, void *arg)
{
	(void)arg;
	return (r->flow[0] & CONN_LIMBO) == CONN_LIMBO;
}

/*
 * Room for a flow per two entries before the first dump (most tables have
 * far fewer flows; more grow the arrays as before).  The arrays are mapped,
 * not touched, so what goes unused costs address space, not memory, and
 * the flows land in huge pages from the start instead of growing through
 * malloc's copies and 4 KiB pages.  At most 2^20 flows (112 MiB of address
 * space) are reserved.
 */
#define EXPECT_MAX ((size_t)1 << 20)

void flow_table_expect(struct flow_table *t, size_t entries)
{
	size_t expect = entries / 2;

	if (expect > EXPECT_MAX)
		expect = EXPECT_MAX;
	if (t->nflows || expect <= t->cap)
		return;
	expect = huge_cap(expect, sizeof *t->flows);
	huge_free(t->flows, t->cap * sizeof *t->flows);
	t->flows = huge_alloc(expect * sizeof *t->flows);
	if (t->procs) {
		huge_free(t->procs, t->cap * sizeof *t->procs);
		t->procs = huge_alloc(expect * sizeof *t->procs);
	}
	huge_free(t->hashes, t->cap * sizeof *t->hashes);
	t->hashes = huge_alloc(expect * sizeof *t->hashes);
	t->cap = expect;
}

void flow_table_track(struct flow_table *t, size_t expect)
{
	if (!t->store) {
		t->store = conn_store_new(expect);
		conn_store_expendable(t->store, in_limbo, NULL);
	}
}

/*
 * A tracking table keeps its flows: only what one snapshot sums is zeroed.
 * keep_delta is for a source restarting an interrupted dump: the store has
 * already moved on for the entries seen, so their deltas must stay.
 */
static void restart(struct flow_table *t, int keep_delta)
{
	t->ring_len = 0;
	t->npairs = 0;
	memset(&t->stats, 0, sizeof t->stats);
	if (!t->store) {
		t->nflows = 0;
		memset(t->index, 0, t->index_size * sizeof *t->index);
		return;
	}
	for (size_t i = 0; i < t->nflows; i++) {
		struct flow *f = &t->flows[i];

		memset(&f->c, 0, sizeof f->c);
		f->conns = 0;
		f->entries = 0;
		f->stale = 0;
		if (!keep_delta)
			memset(&f->d, 0, sizeof f->d);
		if (t->procs) {
			t->procs[i].rtt_us = 0;
			if (!keep_delta)
				t->procs[i].retrans = 0;
		}
	}
	if (!keep_delta)
		t->delta_shown = 0;
}

/* Deltas shown in a frame are zeroed by the first thing that adds to them. */
void flow_delta_fresh(struct flow_table *t)
{
	if (!t->delta_shown)
		return;
	for (size_t i = 0; i < t->nflows; i++) {
		memset(&t->flows[i].d, 0, sizeof t->flows[i].d);
		if (t->procs)
			t->procs[i].retrans = 0;
	}
	t->delta_shown = 0;
}

void flow_table_begin(struct flow_table *t)
{
	/*
	 * Deltas events added since the last frame belong to this interval;
	 * deltas already shown do not.
	 */
	restart(t, !t->delta_shown);
	t->in_snapshot = 1;
}

void flow_table_interval_done(struct flow_table *t)
{
	t->delta_shown = 1;
}

void flow_table_events(struct flow_table *t, int on)
{
	t->events = on;
}

void flow_table_clock(struct flow_table *t, double (*clock)(void))
{
	t->clock = clock ? clock : mono_now;
}

static void ring_pop(struct flow_table *t);
static void pairs_apply(struct flow_table *t);
static void index_rebuild(struct flow_table *t);

/* One more closed connection in the flows of r. */
static void count_closed(struct flow_table *t, const struct conn_rec *r)
{
	uint32_t f0 = r->flow[0] & CONN_FLOW_MASK;

	if (t->snapshots == 0)
		return;
	if (f0 != CONN_FLOW_NONE)
		t->flows[f0].d.closed_conns++;
	if (r->flow[1] != CONN_FLOW_NONE)
		t->flows[r->flow[1]].d.closed_conns++;
}

/*
 * The sweep's rules for a record this dump did not find (store.h):
 * returns 1 when it goes.
 */
static int conn_gone(struct conn_rec *r, void *arg)
{
	struct flow_table *t = arg;
	uint32_t st = r->flow[0];

	if ((st & CONN_LIMBO) == CONN_LIMBO)
		return t->now_s - r->flow[1] >= CONN_LIMBO_SECS;
	if (st & CONN_TOMB) {
		/* Counted by its event; kept for one sweep against racing dumps. */
		if (st & CONN_GRACE)
			return 1;
		r->flow[0] |= CONN_GRACE;
		return 0;
	}
	if (!t->events) {
		/* Closed now, unless it was counted as closed when it ended. */
		if (!(st & CONN_ENDED))
			count_closed(t, r);
		return 1;
	}
	if (!(st & (CONN_ENDED | CONN_GRACE))) {
		/* Its DESTROY event may still come (or never, for old entries). */
		r->flow[0] |= CONN_GRACE;
		return 0;
	}
	/*
	 * Closed (now, or when it ended); its event may still come late, with
	 * the final counters: wait for it in limbo.
	 */
	if (!(st & CONN_ENDED))
		count_closed(t, r);
	r->flow[0] = CONN_FLOW_NONE | CONN_LIMBO;
	r->flow[1] = t->now_s;
	return 0;
}

/*
 * Flows without entries or activity (events) age; past FLOW_LINGER
 * snapshots they go, and
 * the store's flow numbers are renumbered in the same pass as its sweep.
 */
static void track_end(struct flow_table *t)
{
	uint32_t *remap = NULL;
	size_t kept = 0;

	for (size_t i = 0; i < t->nflows; i++) {
		struct flow *f = &t->flows[i];

		/* Connections born and gone (events) keep a flow alive too. */
		int busy = f->entries || f->d.new_conns || f->d.closed_conns ||
			   f->d.in_bytes || f->d.out_bytes;

		f->idle = busy ? 0 : f->idle + 1;
		if (f->idle > FLOW_LINGER && !remap)
			remap = xmalloc(t->nflows * sizeof *remap);
	}
	if (remap)
		for (size_t i = 0; i < t->nflows; i++)
			remap[i] = t->flows[i].idle > FLOW_LINGER ? CONN_FLOW_NONE :
				   (uint32_t)kept++;
	t->now_s = (uint32_t)t->clock();
	conn_store_sweep(t->store, remap, conn_gone, t);
	if (remap) {
		for (size_t i = 0; i < t->nflows; i++)
			if (remap[i] != CONN_FLOW_NONE) {
				t->flows[remap[i]] = t->flows[i];
				t->hashes[remap[i]] = t->hashes[i];
				if (t->procs)
					t->procs[remap[i]] = t->procs[i];
			}
		t->nflows = kept;
		index_rebuild(t);
		free(remap);
	}
}

void flow_table_end(struct flow_table *t)
{
	while (t->ring_len)
		ring_pop(t);
	pairs_apply(t);
	if (t->store)
		track_end(t);
	t->snapshots++;
	t->in_snapshot = 0;
	t->delta_shown = 1;
}

uint64_t flow_table_snapshots(const struct flow_table *t)
{
	return t->snapshots;
}

size_t flow_table_tracked(const struct flow_table *t, size_t *bytes)
{
	if (bytes)
		*bytes = t->store ? conn_store_bytes(t->store) : 0;
	return t->store ? conn_store_count(t->store) : 0;
}

static uint64_t key_hash(const struct flow_key *k)
{
	uint64_t w[3];

	memcpy(w, k->peer.b, 16);
	/* port 48-63, proto 40-47, family 34-39 (AF_* < 64), dir 32-33, owner 0-31 */
	w[2] = ((uint64_t)k->port << 48) | ((uint64_t)k->proto << 40) |
	       ((uint64_t)k->family << 34) | ((uint64_t)(k->dir & 3) << 32) | k->owner;
	return hash_words(w, 3);
}

static int key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return a->port == b->port && a->dir == b->dir && a->proto == b->proto &&
	       a->family == b->family && a->owner == b->owner &&
	       ct_addr_equal(&a->peer, &b->peer);
}

int flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return key_equal(a, b);
}

/*
 * The index's slots.  Flow numbers stay below 3/4 of index_size, so n + 1
 * fits in index_bits bits; the other 32 - index_bits bits hold the same
 * bits of the key's hash (the slot's position comes from the bits below
 * them): 13 bits at 300,000 flows, so 8191 in 8192 probes that meet
 * another flow's slot end there, without the cache miss of reading that
 * flow's key.  The index can then be fuller (4 bytes a slot: 2 MB for
 * 300,000 flows, 4 MB at the half full it was kept at before).  Position
 * and tag both come from the hash's low 32 bits, which t->hashes keeps
 * for every flow: a bigger index is rebuilt from them alone, without
 * hashing every key again or reading any flow.
 */
static inline uint32_t slot_tag(const struct flow_table *t, uint64_t h)
{
	return t->index_bits >= 32 ? 0 : (uint32_t)h & ~(uint32_t)(t->index_size - 1);
}

static inline size_t slot_flow(const struct flow_table *t, uint32_t slot)
{
	return (slot & (uint32_t)(t->index_size - 1)) - 1;
}

struct probe_stats flow_table_probe_stats(const struct flow_table *t)
{
	struct probe_stats ps = { 0, 0, 0 };
	size_t mask = t->index_size - 1;

	for (size_t i = 0; i < t->index_size; i++) {
		size_t home;

		if (!t->index[i])
			continue;
		home = (size_t)t->hashes[slot_flow(t, t->index[i])] & mask;
		probe_stats_add(&ps, ((i - home) & mask) + 1);
	}
	return ps;
}

static void index_insert(struct flow_table *t, size_t n)
{
	size_t mask = t->index_size - 1;
	uint32_t h = t->hashes[n];
	size_t i = (size_t)h & mask;

	while (t->index[i])
		i = (i + 1) & mask;
	t->index[i] = (uint32_t)(n + 1) | slot_tag(t, h);
}

static void index_rebuild(struct flow_table *t)
{
	memset(t->index, 0, t->index_size * sizeof *t->index);
	for (size_t n = 0; n < t->nflows; n++)
		index_insert(t, n);
}

static void grow(struct flow_table *t)
{
	/* The flows' pages move; they are not copied (no second copy at the peak). */
	t->flows = huge_realloc(t->flows, t->cap * sizeof *t->flows,
				2 * t->cap * sizeof *t->flows);
	if (t->procs)
		t->procs = huge_realloc(t->procs, t->cap * sizeof *t->procs,
					2 * t->cap * sizeof *t->procs);
	t->hashes = huge_realloc(t->hashes, t->cap * sizeof *t->hashes,
				 2 * t->cap * sizeof *t->hashes);
	t->cap *= 2;
}

/* Twice the slots, one bit less of tag. */
static void index_grow(struct flow_table *t)
{
	huge_free(t->index, t->index_size * sizeof *t->index);
	t->index_bits++;
	t->index_size *= 2;
	t->index = huge_alloc(t->index_size * sizeof *t->index);
	index_rebuild(t);
}

/*
 * Finds or adds the flow of hit; returns its number.  A connection that is
 * not open (destroyed, from an event log) adds its bytes but not to conns.
 */
static inline struct flow *flow_get(struct flow_table *t, const struct flow_key *key,
				   uint64_t h)
{
	size_t mask = t->index_size - 1, i;
	uint32_t tag = slot_tag(t, h), hi = ~(uint32_t)mask;
	struct flow *f;

	for (i = (size_t)h & mask; t->index[i]; i = (i + 1) & mask) {
		if ((t->index[i] & hi) != tag)
			continue;
		f = &t->flows[slot_flow(t, t->index[i])];
		if (key_equal(&f->key, key))
			return f;
	}
	if (t->nflows == t->cap)
		grow(t);
	if ((t->nflows + 1) * 4 > t->index_size * 3) {
		index_grow(t);
		mask = t->index_size - 1;
		tag = slot_tag(t, h);
		for (i = (size_t)h & mask; t->index[i]; i = (i + 1) & mask)
			;
	}
	f = &t->flows[t->nflows];
	memset(f, 0, sizeof *f);
	f->key = *key;
	if (t->procs)
		memset(&t->procs[t->nflows], 0, sizeof *t->procs);
	t->hashes[t->nflows] = (uint32_t)h;
	t->index[i] = (uint32_t)++t->nflows | tag;
	return f;
}

struct flow *flow_find_add(struct flow_table *t, const struct flow_key *key)
{
	return flow_get(t, key, key_hash(key));
}

void flow_flush(struct flow_table *t)
{
	while (t->ring_len)
		ring_pop(t);
}

/* -P: this dump's flow and process pairs, for flow_proc's proc and nprocs at the end. */
static void pair_add(struct flow_table *t, size_t flow, uint32_t proc)
{
	if (t->npairs == t->pairs_cap) {
		t->pairs_cap = t->pairs_cap ? 2 * t->pairs_cap : 256;
		t->pairs = xrealloc(t->pairs, t->pairs_cap * sizeof *t->pairs);
	}
	t->pairs[t->npairs++] = (struct flow_proc_pair){ (uint32_t)flow, proc };
}

static int cmp_pair(const void *a, const void *b)
{
	const struct flow_proc_pair *x = a, *y = b;

	if (x->flow != y->flow)
		return x->flow < y->flow ? -1 : 1;
	return x->proc < y->proc ? -1 : x->proc > y->proc;
}

/*
 * Each flow with sockets found this dump: its lowest process number and
 * how many distinct ones; the others keep what they had.
 */
static void pairs_apply(struct flow_table *t)
{
	size_t i = 0;

	if (!t->npairs)
		return;
	qsort(t->pairs, t->npairs, sizeof *t->pairs, cmp_pair);
	while (i < t->npairs) {
		uint32_t flow = t->pairs[i].flow;
		struct flow_proc *fp = &t->procs[flow];
		uint32_t distinct = 0, last = 0;

		fp->proc = t->pairs[i].proc;
		for (size_t j = i; j < t->npairs && t->pairs[j].flow == flow; j++) {
			if (t->pairs[j].proc != last)
				distinct++;
			last = t->pairs[j].proc;
		}
		fp->nprocs = distinct > UINT16_MAX ? UINT16_MAX : (uint16_t)distinct;
		while (i < t->npairs && t->pairs[i].flow == flow)
			i++;
	}
	t->npairs = 0;
}

static size_t account(struct flow_table *t, const struct flow_hit *hit, uint64_t h,
		      unsigned open, uint32_t proc, uint32_t rtt, uint32_t rtx)
{
	struct flow *f = flow_get(t, &hit->key, h);

	if (t->procs) {
		struct flow_proc *fp = &t->procs[f - t->flows];

		if (proc)
			pair_add(t, (size_t)(f - t->flows), proc);
		if (rtt > fp->rtt_us)
			fp->rtt_us = rtt;
		fp->retrans = fp->retrans > UINT32_MAX - rtx ? UINT32_MAX : fp->retrans + rtx;
	}

	f->conns += open;
	f->entries++;
	f->c.in_packets = u64_add_sat(f->c.in_packets, hit->c.in_packets);
	f->c.in_bytes = u64_add_sat(f->c.in_bytes, hit->c.in_bytes);
	f->c.out_packets = u64_add_sat(f->c.out_packets, hit->c.out_packets);
	f->c.out_bytes = u64_add_sat(f->c.out_bytes, hit->c.out_bytes);
	return (size_t)(f - t->flows);
}

/*
 * What one connection did since the previous snapshot, added to its flows.
 * The first snapshot only fills the store: it has no interval.
 */
static void track(struct flow_table *t, const struct pending *p, struct conn_rec *r,
		  int added, const size_t fl[2])
{
	uint64_t dop, dob, drp, drb;
	int first = t->snapshots == 0;
	uint32_t was = added ? 0 : r->flow[0];
	int opened, closed;

	/* An ended connection that is open again is a new one on the same tuple. */
	opened = added || (p->open && (was & CONN_ENDED));
	closed = !p->open && (opened || !(was & CONN_ENDED));
	{
		struct conn_counts now = { p->op, p->ob, p->rp, p->rb }, d;

		if (opened) {
			d = now;
			conn_counts_set(r, &now);
		} else {
			conn_counts_advance(r, &now, &d);
		}
		dop = d.op, dob = d.ob, drp = d.rp, drb = d.rb;
	}
	r->flow[0] = (uint32_t)fl[0] | CONN_SEEN | (p->open ? 0 : CONN_ENDED);
	r->flow[1] = p->nhits == 2 ? (uint32_t)fl[1] : CONN_FLOW_NONE;
	if (first)
		return;
	for (unsigned i = 0; i < p->nhits; i++) {
		struct flow_delta *d = &t->flows[fl[i]].d;
		int in_orig = p->hit[i].in_orig;

		d->new_conns += (uint64_t)opened;
		d->closed_conns += (uint64_t)closed;
		d->in_packets = u64_add_sat(d->in_packets, in_orig ? dop : drp);
		d->in_bytes = u64_add_sat(d->in_bytes, in_orig ? dob : drb);
		d->out_packets = u64_add_sat(d->out_packets, in_orig ? drp : dop);
		d->out_bytes = u64_add_sat(d->out_bytes, in_orig ? drb : dob);
	}
}

static void ring_pop(struct flow_table *t)
{
	const struct pending *p = &t->ring[t->ring_head++ % FLOW_RING];
	size_t fl[2] = { 0, 0 };
	struct conn_rec *r = NULL;
	int added = 0;

	t->ring_len--;
	if (t->store) {
		r = conn_store_get(t->store, p->conn, &added);
		/*
		 * Destroyed (its event was counted): a dump that raced it.  One
		 * in limbo is alive after all (a dump missed it): it counts as
		 * ended, so an open one is opened again (store.h).
		 */
		if (!added && (r->flow[0] & CONN_LIMBO) == CONN_TOMB)
			return;
	}
	for (unsigned i = 0; i < p->nhits; i++)
		fl[i] = account(t, &p->hit[i], p->hash[i], p->open, p->proc[i], p->rtt[i],
				p->rtx[i]);
	if (r)
		track(t, p, r, added, fl);
}

/* Socket states (include/net/tcp_states.h) that hold no live connection. */
#define SK_TIME_WAIT	6
#define SK_CLOSE	7

/*
 * -P: what a hit's local socket says.  The local end is the source of the
 * tuple the peer did not send (doc/classification.md: the original source
 * for an active flow, the reply source, after DNAT, for a passive one).  A
 * passive flow's process is its listener's (or, for UDP, the bound
 * socket's), else the connected socket's, else what its 4-tuple
 * remembers.  RTT and retransmissions come from a live TCP socket only.
 */
static void hit_sock(const struct socks *s, const struct ct_entry *e,
		     const struct flow_hit *h, uint32_t *proc, uint32_t *rtt, uint32_t *rtx)
{
	const struct ct_tuple *lt = h->in_orig ? &e->reply : &e->orig;
	const struct sock_rec *r, *l = NULL;

	*proc = *rtt = *rtx = 0;
	if (!s || h->key.owner || (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP))
		return;
	r = socks_find(s, e->proto, e->family, &lt->src, lt->sport, &lt->dst, lt->dport);
	if (h->key.dir == FLOW_PASSIVE || (!r && e->proto == IPPROTO_UDP))
		l = socks_find_bound(s, e->proto, e->family, &lt->src, lt->sport);
	if (r && r->has_info && r->state != SK_TIME_WAIT && r->state != SK_CLOSE) {
		*rtt = r->rtt_us;
		*rtx = r->retrans_delta;
	}
	if (l && l->proc)
		*proc = l->proc;
	else if (r && r->proc)
		*proc = r->proc;
	else
		*proc = socks_remembered(s, e->proto, e->family, &lt->src, lt->sport,
					 &lt->dst, lt->dport);
}

static void ring_push(struct flow_table *t, const struct ct_entry *e,
		      const struct flow_hit *hits, unsigned n)
{
	size_t mask = t->index_size - 1;
	struct pending *p;

	if (t->ring_len == FLOW_RING)
		ring_pop(t);
	p = &t->ring[(t->ring_head + t->ring_len++) % FLOW_RING];
	p->nhits = n;
	p->open = !ct_entry_ended(e);
	for (unsigned i = 0; i < n; i++) {
		hit_sock(t->opts.socks, e, &hits[i], &p->proc[i], &p->rtt[i], &p->rtx[i]);
		p->hit[i] = hits[i];
		p->hash[i] = key_hash(&hits[i].key);
		__builtin_prefetch(&t->index[p->hash[i] & mask]);
	}
	if (t->store) {
		p->conn = conn_key(e);
		p->op = e->orig.packets;
		p->ob = e->orig.bytes;
		p->rp = e->reply.packets;
		p->rb = e->reply.bytes;
		conn_store_prefetch(t->store, p->conn);
	}
	if (t->ring_len > FLOW_RING / 2) {
		/* Its slot was prefetched a while ago: now fetch its flow. */
		const struct pending *mid =
			&t->ring[(t->ring_head + t->ring_len - 1 - FLOW_RING / 2) % FLOW_RING];
		uint32_t slot = t->index[mid->hash[0] & mask];

		if (slot)
			__builtin_prefetch(&t->flows[slot_flow(t, slot)]);
	}
}

int flow_table_add_hits(struct flow_table *t, const struct ct_entry *e,
			struct flow_hit hits[2], unsigned *nhits)
{
	unsigned n;

	t->stats.entries++;
	switch (flow_classify(t->host, &t->opts, e, hits, &n)) {
	case FLOW_CLASS_EXCLUDED:
		t->stats.excluded++;
		*nhits = 0;
		return 0;
	case FLOW_CLASS_AMBIGUOUS:
		t->stats.ambiguous++;
		__attribute__((fallthrough));	/* it is forwarded too */
	case FLOW_CLASS_FORWARDED:
		t->stats.forwarded++;
		*nhits = 0;
		return 0;
	case FLOW_CLASS_OWNER:
		t->stats.owned++;
		break;
	case FLOW_CLASS_ROUTED:
		t->stats.routed++;
		break;
	case FLOW_CLASS_HOST:
		break;
	}
	if (e->flags & CT_F_COUNTERS)
		t->stats.counters++;
	if (n == 2)
		t->stats.local++;
	for (unsigned i = 0; i < n; i++) {
		if (hits[i].key.dir == FLOW_ACTIVE)
			t->stats.active++;
		else if (hits[i].key.dir == FLOW_PASSIVE)
			t->stats.passive++;
	}
	ring_push(t, e, hits, n);
	*nhits = n;
	return 0;
}

int flow_table_add(struct flow_table *t, const struct ct_entry *e)
{
	struct flow_hit hits[2];
	unsigned n;

	return flow_table_add_hits(t, e, hits, &n);
}

static int sink_add(const struct ct_entry *e, void *arg)
{
	return flow_table_add(arg, e);
}

static void sink_reset(void *arg)
{
	restart(arg, 1);
}

struct ct_sink flow_table_sink(struct flow_table *t)
{
	struct ct_sink s = { sink_add, sink_reset, t };

	return s;
}

size_t flow_table_count(const struct flow_table *t)
{
	return t->nflows;
}

const struct flow *flow_table_at(const struct flow_table *t, size_t i)
{
	return i < t->nflows ? &t->flows[i] : NULL;
}

const struct flow *flow_table_flows(const struct flow_table *t)
{
	return t->nflows ? t->flows : NULL;
}

const struct flow_proc *flow_table_procs(const struct flow_table *t)
{
	return t->nflows ? t->procs : NULL;
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->stats;
}
