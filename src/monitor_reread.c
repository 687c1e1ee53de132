/* monitor_reread.c - the flows on screen, and their rereads between budgeted dumps. */
#include "monitor_int.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

static unsigned vis_bit(const struct flow_key *k)
{
	uint64_t w[2];

	memcpy(w, k->peer.b, 16);
	return (unsigned)(((w[0] ^ w[1] ^ ((uint64_t)k->port << 8 | k->dir)) *
			   0x9e3779b97f4a7c15ull) >> 52) % VIS_BITS;
}

/* Keeps e for the rereads when one of its flows is on screen. */
void mon_vis_note(struct monitor *m, const struct ct_entry *e, const struct flow_hit *hits,
		  unsigned n)
{
	if (!m->vnext)
		return;
	for (unsigned i = 0; i < n; i++) {
		unsigned b = vis_bit(&hits[i].key);

		if (!(m->vis_bits[b / 64] >> (b % 64) & 1))
			continue;
		for (size_t k = 0; k < m->nvis; k++)
			if (flow_key_equal(&m->vis[k], &hits[i].key)) {
				if (m->nvnext < REREAD_MAX)
					m->vnext[m->nvnext++] = *e;
				return;
			}
	}
}

void mon_vis_take(struct monitor *m)
{
	if (m->show_new) {
		/* Only the collector reads vis: take the screen's new rows. */
		struct flow_key *old = m->vis;

		m->vis = m->show;
		m->nvis = m->nshow;
		m->show = old;
		m->nshow = 0;
		m->show_new = 0;
		memset(m->vis_bits, 0, sizeof m->vis_bits);
		for (size_t k = 0; k < m->nvis; k++) {
			unsigned b = vis_bit(&m->vis[k]);

			m->vis_bits[b / 64] |= 1ull << (b % 64);
		}
	}
	m->nvnext = 0;
	if (m->nvis && !m->vnext)
		m->vnext = xmalloc(REREAD_MAX * sizeof *m->vnext);
}

void mon_vis_dump_done(struct monitor *m)
{
	struct ct_entry *t = m->vconns;

	m->vconns = m->vnext;
	m->nvconns = m->nvnext;
	m->vnext = t;
	m->nvnext = 0;
}

/* The reread's sink: a connection read again, into the flows and the list. */
struct reread_sink {
	struct monitor *m;
	size_t next;			/* the watched list's first entry not matched yet */
	size_t refreshed;
};

static int reread_add(const struct ct_entry *e, void *arg)
{
	struct reread_sink *rs = arg;
	struct monitor *m = rs->m;
	uint64_t key = conn_key(e);

	rs->refreshed += (size_t)flow_table_refresh(m->t, e);
	/* Answers come in the order asked: the watched list's first. */
	for (size_t k = rs->next; k < m->nwconns; k++)
		if (conn_key(&m->wconns[k]) == key) {
			m->wconns[k] = *e;
			rs->next = k + 1;
			break;
		}
	return 0;
}

/*
 * GETs a frame between dumps may send: REREAD_MAX, and no more than half
 * the CPU budget of one period at what a GET cost lately (the other half
 * is the dumps').
 */
static size_t reread_max(const struct monitor *m)
{
	double n;

	if (m->cfg.max_cpu <= 0 || m->get_cpu <= 0)
		return REREAD_MAX;
	n = m->cfg.max_cpu * m->period / 2 / m->get_cpu;
	if (n >= REREAD_MAX)
		return REREAD_MAX;
	return n < 64 ? 64 : (size_t)n;
}

/*
 * Reads again, with a GET each, the watched flow's connections and those
 * of the flows on screen (REREAD_MAX at most); their flows are then as
 * fresh as an event-only frame can be.
 */
size_t mon_reread(struct monitor *m, int watching, const struct flow_key *watch)
{
	struct reread_sink rs = { m, 0, 0 };
	struct ct_sink sink = { reread_add, NULL, &rs };
	size_t n = 0, found, max = reread_max(m);
	double cpu;

	flow_table_refresh_begin(m->t);
	if (ct_source_can_get(m->cfg.src)) {
		if (!m->reread)
			m->reread = xmalloc(REREAD_MAX * sizeof *m->reread);
		if (watching && m->wconns && flow_key_equal(&m->wkey, watch)) {
			n = m->nwconns < max ? m->nwconns : max;
			memcpy(m->reread, m->wconns, n * sizeof *m->reread);
		} else {
			m->nwconns = 0;
		}
		for (size_t k = 0; k < m->nvconns && n < max; k++)
			m->reread[n++] = m->vconns[k];
		/* A failed GET leaves the flows as the last dump left them. */
		cpu = mon_thread_cpu();
		(void)ct_source_get(m->cfg.src, m->reread, n, &sink, &found);
		if (n >= 64)
			m->get_cpu = (mon_thread_cpu() - cpu) / (double)n;
	}
	flow_table_refresh_end(m->t);
	return rs.refreshed;
}

void mon_show(struct monitor *m, const struct flow_key *keys, size_t n)
{
	if (n > REREAD_MAX)
		n = REREAD_MAX;
	pthread_mutex_lock(&m->lock);
	free(m->show);
	m->show = n ? xmalloc(n * sizeof *m->show) : NULL;
	if (n)
		memcpy(m->show, keys, n * sizeof *m->show);
	m->nshow = n;
	m->show_new = 1;
	pthread_mutex_unlock(&m->lock);
}

