/* flow.c - classification and aggregation of conntrack entries. */
#include "flow.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/*
 * Aggregation is bound by two cache misses per entry (the index slot, then
 * the flow).  Hits wait in a short ring: the slot is prefetched when a hit
 * enters, its flow half way through, and the hit is counted when it leaves.
 */
#define FLOW_RING 16

struct pending {
	struct flow_hit hit;
	uint64_t hash;
};

struct flow_table {
	const struct host_info *host;	/* borrowed */
	struct flow_opts opts;		/* server_ports borrowed */
	struct flow *flows;		/* dense, nflows used */
	size_t nflows, cap;
	uint32_t *index;		/* open addressing: flow number + 1, 0 = empty */
	size_t index_size;		/* power of two, at least 2 * cap */
	struct flow_stats stats;
	struct pending ring[FLOW_RING];	/* hits not counted yet */
	unsigned ring_head, ring_len;	/* oldest at ring[ring_head % FLOW_RING] */
};

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
	hit->c.in_packets = in->packets;
	hit->c.in_bytes = in->bytes;
	hit->c.out_packets = out->packets;
	hit->c.out_bytes = out->bytes;
}

enum flow_class flow_classify(const struct host_info *h, const struct flow_opts *o,
			      const struct ct_entry *e, struct flow_hit hits[2],
			      unsigned *nhits)
{
	unsigned pbit = e->proto == IPPROTO_TCP ? FLOW_PROTO_TCP :
			e->proto == IPPROTO_UDP ? FLOW_PROTO_UDP : 0;
	unsigned fbit = e->family == AF_INET ? FLOW_FAM_V4 :
			e->family == AF_INET6 ? FLOW_FAM_V6 : 0;
	const struct ct_tuple *orig = &e->orig, *reply = &e->reply;
	int client_local, server_local;

	*nhits = 0;
	if (!(pbit & o->protos) || !(fbit & o->families))
		return FLOW_CLASS_EXCLUDED;

	/*
	 * The client socket is the original source (before any SNAT); the
	 * server socket is the reply source (after any DNAT or REDIRECT).
	 * A connection is this host's when one of those sockets is here.
	 */
	client_local = addr_is_local(h, e->family, &orig->src);
	server_local = addr_is_local(h, e->family, &reply->src);

	if (client_local && server_local) {
		hit_set(&hits[0], e, FLOW_ACTIVE, &orig->dst, orig->dport, reply, orig);
		hit_set(&hits[1], e, FLOW_PASSIVE, &orig->src, reply->sport, orig, reply);
		*nhits = 2;
		return FLOW_CLASS_HOST;
	}
	if (client_local) {
		/*
		 * Picked up mid-stream (nf_conntrack_tcp_loose), the first packet
		 * seen may be a server's answer: a local listening port as the
		 * source means the peer opened this connection.
		 */
		if (is_server_port(h, o, e->proto, e->family, &orig->src, orig->sport))
			hit_set(&hits[0], e, FLOW_PASSIVE, &orig->dst, orig->sport, reply, orig);
		else
			hit_set(&hits[0], e, FLOW_ACTIVE, &orig->dst, orig->dport, reply, orig);
		*nhits = 1;
		return FLOW_CLASS_HOST;
	}
	if (server_local) {
		hit_set(&hits[0], e, FLOW_PASSIVE, &orig->src, reply->sport, orig, reply);
		*nhits = 1;
		return FLOW_CLASS_HOST;
	}
	return FLOW_CLASS_FORWARDED;
}

struct flow_table *flow_table_new(const struct host_info *h, const struct flow_opts *o)
{
	struct flow_table *t = xcalloc(1, sizeof *t);

	t->host = h;
	t->opts = *o;
	t->cap = 256;
	t->flows = xmalloc(t->cap * sizeof *t->flows);
	t->index_size = 512;
	t->index = xcalloc(t->index_size, sizeof *t->index);
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->flows);
	free(t->index);
	free(t);
}

void flow_table_begin(struct flow_table *t)
{
	t->ring_len = 0;
	t->nflows = 0;
	memset(t->index, 0, t->index_size * sizeof *t->index);
	memset(&t->stats, 0, sizeof t->stats);
}

static void ring_pop(struct flow_table *t);

void flow_table_end(struct flow_table *t)
{
	while (t->ring_len)
		ring_pop(t);
}

static uint64_t key_hash(const struct flow_key *k)
{
	uint64_t x, y;

	memcpy(&x, k->peer.b, 8);
	memcpy(&y, k->peer.b + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ull;
	x ^= ((uint64_t)k->port << 24) | ((uint64_t)k->proto << 8) |
	     ((uint64_t)k->family << 16) | k->dir;
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static int key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return a->port == b->port && a->dir == b->dir && a->proto == b->proto &&
	       a->family == b->family && ct_addr_equal(&a->peer, &b->peer);
}

static void index_insert(struct flow_table *t, size_t n)
{
	size_t mask = t->index_size - 1;
	size_t i = (size_t)key_hash(&t->flows[n].key) & mask;

	while (t->index[i])
		i = (i + 1) & mask;
	t->index[i] = (uint32_t)(n + 1);
}

static void grow(struct flow_table *t)
{
	t->cap *= 2;
	t->flows = xrealloc(t->flows, t->cap * sizeof *t->flows);
	t->index_size *= 2;
	free(t->index);
	t->index = xcalloc(t->index_size, sizeof *t->index);
	for (size_t n = 0; n < t->nflows; n++)
		index_insert(t, n);
}

static void account(struct flow_table *t, const struct flow_hit *hit, uint64_t h)
{
	size_t mask = t->index_size - 1, i;
	struct flow *f;

	for (i = (size_t)h & mask; t->index[i]; i = (i + 1) & mask) {
		f = &t->flows[t->index[i] - 1];
		if (key_equal(&f->key, &hit->key))
			goto found;
	}
	if (t->nflows == t->cap) {
		grow(t);
		mask = t->index_size - 1;
		for (i = (size_t)h & mask; t->index[i]; i = (i + 1) & mask)
			;
	}
	f = &t->flows[t->nflows];
	memset(f, 0, sizeof *f);
	f->key = hit->key;
	t->index[i] = (uint32_t)++t->nflows;
found:
	f->conns++;
	f->c.in_packets = u64_add_sat(f->c.in_packets, hit->c.in_packets);
	f->c.in_bytes = u64_add_sat(f->c.in_bytes, hit->c.in_bytes);
	f->c.out_packets = u64_add_sat(f->c.out_packets, hit->c.out_packets);
	f->c.out_bytes = u64_add_sat(f->c.out_bytes, hit->c.out_bytes);
}

static void ring_pop(struct flow_table *t)
{
	const struct pending *p = &t->ring[t->ring_head++ % FLOW_RING];

	t->ring_len--;
	account(t, &p->hit, p->hash);
}

static void ring_push(struct flow_table *t, const struct flow_hit *hit)
{
	size_t mask = t->index_size - 1;
	struct pending *p;

	if (t->ring_len == FLOW_RING)
		ring_pop(t);
	p = &t->ring[(t->ring_head + t->ring_len++) % FLOW_RING];
	p->hit = *hit;
	p->hash = key_hash(&hit->key);
	__builtin_prefetch(&t->index[p->hash & mask]);
	if (t->ring_len > FLOW_RING / 2) {
		/* Its slot was prefetched a while ago: now fetch its flow. */
		const struct pending *mid =
			&t->ring[(t->ring_head + t->ring_len - 1 - FLOW_RING / 2) % FLOW_RING];
		uint32_t slot = t->index[mid->hash & mask];

		if (slot)
			__builtin_prefetch(&t->flows[slot - 1]);
	}
}

int flow_table_add(struct flow_table *t, const struct ct_entry *e)
{
	struct flow_hit hits[2];
	unsigned n;

	t->stats.entries++;
	switch (flow_classify(t->host, &t->opts, e, hits, &n)) {
	case FLOW_CLASS_EXCLUDED:
		t->stats.excluded++;
		return 0;
	case FLOW_CLASS_FORWARDED:
		t->stats.forwarded++;
		return 0;
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
		else
			t->stats.passive++;
		ring_push(t, &hits[i]);
	}
	return 0;
}

static int sink_add(const struct ct_entry *e, void *arg)
{
	return flow_table_add(arg, e);
}

static void sink_reset(void *arg)
{
	flow_table_begin(arg);
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

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->stats;
}
