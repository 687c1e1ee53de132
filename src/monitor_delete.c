/*
 * monitor_delete.c - deleting flows' entries from the kernel's table: the
 * batch run's synchronous call, and the screen's request that the
 * collector carries out (the thread that keeps CAP_NET_ADMIN).
 */
#include "monitor_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A flow asked for, and its index in the caller's list. */
struct del_key {
	struct flow_key key;
	size_t idx;
};

/* The flows asked for, sorted for bsearch; what the dump found of them. */
struct del_sink {
	struct monitor *m;
	struct del_key *keys;		/* sorted */
	size_t nkeys;
	struct ct_entry *e;		/* found */
	size_t *of;			/* e[i] belongs to the caller's key of[i] */
	size_t n, cap;
};

static int key_cmp(const struct flow_key *a, const struct flow_key *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	return memcmp(a->peer.b, b->peer.b, sizeof a->peer.b);
}

/* By key, then by the caller's index: a duplicate key finds its first. */
static int key_qcmp(const void *a, const void *b)
{
	const struct del_key *x = a, *y = b;
	int c = key_cmp(&x->key, &y->key);

	return c ? c : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The caller's index of key k, or -1. */
static long find_key(const struct del_sink *s, const struct flow_key *k)
{
	size_t lo = 0, hi = s->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(k, &s->keys[mid].key);

		if (c <= 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < s->nkeys && key_cmp(k, &s->keys[lo].key) == 0)
		return (long)s->keys[lo].idx;
	return -1;
}

static int del_add(const struct ct_entry *e, void *arg)
{
	struct del_sink *s = arg;
	struct flow_hit hits[2];
	unsigned n = 0;

	if (__atomic_load_n(&s->m->stop, __ATOMIC_RELAXED)) {
		errno = ECANCELED;
		return -1;
	}
	if (!flow_class_shown(flow_classify(s->m->cfg.host, &s->m->cfg.fo, e, hits, &n)))
		return 0;
	/* Once, in the first chosen flow of its hits. */
	for (unsigned i = 0; i < n; i++) {
		long k = find_key(s, &hits[i].key);

		if (k < 0)
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->e = xrealloc(s->e, s->cap * sizeof *s->e);
			s->of = xrealloc(s->of, s->cap * sizeof *s->of);
		}
		s->e[s->n] = *e;
		s->of[s->n++] = (size_t)k;
		return 0;
	}
	return 0;
}

static void del_reset(void *arg)
{
	((struct del_sink *)arg)->n = 0;
}

/* One answer into the counts. */
static void del_count(struct mon_del *d, int err)
{
	d->found++;
	if (err == 0)
		d->deleted++;
	else if (err == ENOENT)
		d->gone++;
	else if (err == EPERM || err == EACCES)
		d->refused++;
	else
		d->failed++;
	if (err && err != ENOENT && !d->err)
		d->err = err;
}

static void del_sum(struct mon_del *total, const struct mon_del *d)
{
	total->found += d->found;
	total->deleted += d->deleted;
	total->gone += d->gone;
	total->refused += d->refused;
	total->failed += d->failed;
	if (!total->err)
		total->err = d->err;
}

int mon_delete_flows(struct monitor *m, const struct flow_key *keys, size_t n,
		     struct mon_del *per, struct mon_del *total)
{
	struct del_sink s;
	struct ct_sink sink = { del_add, del_reset, &s };
	struct ct_source_stats st;
	int *errs;

	memset(total, 0, sizeof *total);
	if (per)
		memset(per, 0, n * sizeof *per);
	if (!ct_source_can_delete(m->cfg.src)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!n)
		return 0;
	memset(&s, 0, sizeof s);
	s.m = m;
	s.nkeys = n;
	s.keys = xmalloc(n * sizeof *s.keys);
	for (size_t i = 0; i < n; i++) {
		s.keys[i].key = keys[i];
		s.keys[i].idx = i;
	}
	if (n > 1)
		qsort(s.keys, n, sizeof *s.keys, key_qcmp);
	if (ct_source_dump(m->cfg.src, &sink, &st) < 0) {
		int e = errno;

		free(s.keys);
		free(s.e);
		free(s.of);
		errno = e;
		return -1;
	}
	errs = xcalloc(s.n ? s.n : 1, sizeof *errs);
	/* A socket failure leaves its errno in errs: counted as failures. */
	(void)ct_source_delete(m->cfg.src, s.e, s.n, errs);
	for (size_t i = 0; i < s.n; i++) {
		struct mon_del one;

		memset(&one, 0, sizeof one);
		del_count(&one, errs[i]);
		if (per)
			del_sum(&per[s.of[i]], &one);
		del_sum(total, &one);
	}
	free(errs);
	free(s.keys);
	free(s.e);
	free(s.of);
	return 0;
}

int mon_can_delete(const struct monitor *m)
{
	return ct_source_can_delete(m->cfg.src);
}

int mon_delete(struct monitor *m, const struct flow_key *k, const struct ct_entry *c)
{
	if (!ct_source_can_delete(m->cfg.src)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	pthread_mutex_lock(&m->lock);
	if (m->del_state == MON_DEL_ASKED || m->del_state == MON_DEL_RUNNING) {
		pthread_mutex_unlock(&m->lock);
		errno = EBUSY;
		return -1;
	}
	m->del_flow = k != NULL;
	if (k)
		m->del_key = *k;
	else
		m->del_conn = *c;
	m->del_state = MON_DEL_ASKED;
	m->wake = 1;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int mon_delete_done(struct monitor *m, struct mon_del *out)
{
	int done;

	pthread_mutex_lock(&m->lock);
	done = m->del_state == MON_DEL_DONE;
	if (done) {
		*out = m->del_res;
		m->del_state = MON_DEL_NONE;
	}
	pthread_mutex_unlock(&m->lock);
	return done;
}

int mon_del_tick(struct monitor *m)
{
	struct mon_del res;
	struct flow_key k;
	struct ct_entry c;
	int flow, err;

	if (m->del_state != MON_DEL_ASKED)
		return 0;
	m->del_state = MON_DEL_RUNNING;
	flow = m->del_flow;
	k = m->del_key;
	c = m->del_conn;
	m->busy = 1;
	m->busy_since = mono_now();
	pthread_mutex_unlock(&m->lock);

	memset(&res, 0, sizeof res);
	if (flow) {
		if (mon_delete_flows(m, &k, 1, NULL, &res) < 0)
			res.err = errno ? errno : EIO;
	} else {
		(void)ct_source_delete(m->cfg.src, &c, 1, &err);
		del_count(&res, err);
	}

	pthread_mutex_lock(&m->lock);
	m->busy = 0;
	m->del_res = res;
	m->del_state = MON_DEL_DONE;
	/* The next snapshot at once: it shows what is left. */
	m->wake = 1;
	return 1;
}
