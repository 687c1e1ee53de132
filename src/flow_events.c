/*
 * flow_events.c - what reaches a tracking table between and beside dumps:
 * DESTROY events (flow_table_event()) and connections read again
 * (flow_table_refresh()), under the same lifecycle rules as a dump's
 * entries (flow.h, store.h).
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "flow_int.h"
#include "store.h"
#include "util.h"

/* Adds what a destroyed connection did to flow f's deltas. */
static void event_delta(struct flow *f, int in_orig, uint64_t dop, uint64_t dob,
			uint64_t drp, uint64_t drb)
{
	struct flow_delta *d = &f->d;

	d->in_packets = u64_add_sat(d->in_packets, in_orig ? dop : drp);
	d->in_bytes = u64_add_sat(d->in_bytes, in_orig ? dob : drb);
	d->out_packets = u64_add_sat(d->out_packets, in_orig ? drp : dop);
	d->out_bytes = u64_add_sat(d->out_bytes, in_orig ? drb : dob);
}

int flow_table_event(struct flow_table *t, const struct ct_entry *e)
{
	struct flow_hit hits[2];
	struct conn_rec *r;
	unsigned n;
	int added, counters = !!(e->flags & CT_F_COUNTERS);

	if (!t->store)
		return 0;
	/* Entries of the dump in progress first: the event comes after them. */
	flow_flush(t);
	flow_delta_fresh(t);
	r = conn_store_get(t->store, conn_key(e), &added);
	if (!added) {
		uint32_t st = r->flow[0];
		/* In the flows' conns now: found by this dump, or by the last one. */
		int counted = !(st & (CONN_ENDED | CONN_TOMB)) &&
			      (t->in_snapshot ? (st & CONN_SEEN) : !(st & CONN_GRACE));
		uint64_t dop = 0, dob = 0, drp = 0, drb = 0;

		/*
		 * A duplicate; but one in limbo (store.h) is a late DESTROY: its
		 * final counters count, the connection was counted closed.
		 */
		if ((st & CONN_LIMBO) == CONN_TOMB)
			return 0;
		r->flow[0] = (st & CONN_FLOW_MASK) | CONN_TOMB;
		if ((st & CONN_LIMBO) == CONN_LIMBO)
			r->flow[1] = CONN_FLOW_NONE;	/* it held a time */
		if (counters) {
			struct conn_counts now = { e->orig.packets, e->orig.bytes,
						   e->reply.packets, e->reply.bytes }, d;

			conn_counts_advance(r, &now, &d);
			dop = d.op, dob = d.ob, drp = d.rp, drb = d.rb;
		}
		if (t->snapshots == 0 ||
		    !flow_class_shown(flow_classify(t->host, &t->opts, e, hits, &n)))
			return 0;
		for (unsigned i = 0; i < n; i++) {
			struct flow *f = flow_find_add(t, &hits[i].key);

			event_delta(f, hits[i].in_orig, dop, dob, drp, drb);
			if (!(st & CONN_ENDED))
				f->d.closed_conns++;
			if (counted && f->conns)
				f->conns--;
		}
		return 1;
	}
	/* Born and gone between two dumps. */
	r->flow[0] = CONN_FLOW_NONE | CONN_TOMB;
	r->flow[1] = CONN_FLOW_NONE;
	if (t->snapshots == 0 ||
	    !flow_class_shown(flow_classify(t->host, &t->opts, e, hits, &n)))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct flow *f = flow_find_add(t, &hits[i].key);

		f->d.new_conns++;
		f->d.closed_conns++;
		if (counters)
			event_delta(f, hits[i].in_orig, e->orig.packets, e->orig.bytes,
				    e->reply.packets, e->reply.bytes);
	}
	return 1;
}

void flow_table_refresh_begin(struct flow_table *t)
{
	t->nreread = 0;
}

/* One more entry of flow k read again. */
static void reread_add(struct flow_table *t, size_t k)
{
	if (t->nreread == t->reread_cap) {
		t->reread_cap = t->reread_cap ? 2 * t->reread_cap : 1024;
		t->reread = xrealloc(t->reread, t->reread_cap * sizeof *t->reread);
	}
	t->reread[t->nreread++] = (uint32_t)k;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int flow_table_refresh(struct flow_table *t, const struct ct_entry *e)
{
	struct flow_hit hits[2];
	struct conn_rec *r;
	unsigned n;
	uint32_t st;
	uint64_t dop = 0, dob = 0, drp = 0, drb = 0;
	int closed, counted;

	if (!t->store)
		return 0;
	flow_flush(t);
	flow_delta_fresh(t);
	r = conn_store_lookup(t->store, conn_key(e));
	if (!r || (r->flow[0] & CONN_TOMB))
		return 0;
	if (!flow_class_shown(flow_classify(t->host, &t->opts, e, hits, &n)))
		return 0;
	st = r->flow[0];
	if (e->flags & CT_F_COUNTERS) {
		struct conn_counts now = { e->orig.packets, e->orig.bytes,
					   e->reply.packets, e->reply.bytes }, d;

		conn_counts_advance(r, &now, &d);
		dop = d.op, dob = d.ob, drp = d.rp, drb = d.rb;
	}
	closed = ct_entry_ended(e) && !(st & CONN_ENDED);
	/* In conns since the last dump: found by it and open then. */
	counted = !(st & (CONN_ENDED | CONN_GRACE));
	if (closed)
		r->flow[0] |= CONN_ENDED;
	for (unsigned i = 0; i < n; i++) {
		struct flow *f = flow_find_add(t, &hits[i].key);
		size_t k = (size_t)(f - t->flows);
		int in_orig = hits[i].in_orig;

		event_delta(f, in_orig, dop, dob, drp, drb);
		f->c.in_packets = u64_add_sat(f->c.in_packets, in_orig ? dop : drp);
		f->c.in_bytes = u64_add_sat(f->c.in_bytes, in_orig ? dob : drb);
		f->c.out_packets = u64_add_sat(f->c.out_packets, in_orig ? drp : dop);
		f->c.out_bytes = u64_add_sat(f->c.out_bytes, in_orig ? drb : dob);
		if (closed) {
			f->d.closed_conns++;
			if (counted && f->conns)
				f->conns--;
		}
		reread_add(t, k);
	}
	return 1;
}

void flow_table_refresh_end(struct flow_table *t)
{
	size_t j = 0;

	/* Flow numbers in order: each flow's count of rereads is a run. */
	if (t->nreread > 1)
		qsort(t->reread, t->nreread, sizeof *t->reread, cmp_u32);
	for (size_t i = 0; i < t->nflows; i++) {
		struct flow *f = &t->flows[i];
		uint32_t read = 0;

		while (j < t->nreread && t->reread[j] == i) {
			read++;
			j++;
		}
		f->stale = f->entries && read < f->entries;
	}
}

