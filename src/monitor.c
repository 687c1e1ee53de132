/* monitor.c - scheduled snapshots, frames and the collector thread. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ct_source_text.h"
#include "util.h"

#define WATCH_MAX_DEFAULT 10000
#define COLLECTOR_NICE 10	/* added to the process's nice value */

struct monitor {
	struct mon_config cfg;
	struct flow_table *t;
	struct port_filter sports;	/* the table's server ports (fo points here) */
	int stdin_done;			/* MON_SRC_STDIN was read */
	double prev_start;		/* monotonic start of the last good snapshot; <0 none */
	uint64_t seq;
	uint64_t skipped, first_bad;

	/* Shared with the collector thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	pthread_t thread;
	int running;
	int stop;			/* also read without the lock by the sink */
	int wake;
	int busy;
	double busy_since;
	double interval;
	int watching;
	struct flow_key watch;
	int sports_new;			/* sports_next waits to replace sports */
	struct port_filter sports_next;
	struct mon_frame *ready;	/* taken by mon_take() */
	int pipe[2];			/* a byte while ready is set */
};

/* The sink of one snapshot: the flow table, plus the watched flow's list. */
struct snap_sink {
	struct monitor *m;
	struct ct_sink inner;
	int watching;
	struct flow_key watch;
	struct ct_entry *conns;
	size_t n, cap, total;
};

static int snap_add(const struct ct_entry *e, void *arg)
{
	struct snap_sink *s = arg;

	if (__atomic_load_n(&s->m->stop, __ATOMIC_RELAXED)) {
		errno = ECANCELED;
		return -1;
	}
	if (s->watching) {
		struct flow_hit hits[2];
		unsigned n;

		if (flow_classify(s->m->cfg.host, &s->m->cfg.fo, e, hits, &n) == FLOW_CLASS_HOST)
			for (unsigned i = 0; i < n; i++) {
				if (!flow_key_equal(&hits[i].key, &s->watch))
					continue;
				s->total++;
				if (s->n < s->m->cfg.watch_max) {
					if (s->n == s->cap) {
						s->cap = s->cap ? s->cap * 2 : 64;
						s->conns = xrealloc(s->conns, s->cap * sizeof *s->conns);
					}
					s->conns[s->n++] = *e;
				}
				break;
			}
	}
	return s->inner.add(e, s->inner.arg);
}

static void snap_reset(void *arg)
{
	struct snap_sink *s = arg;

	s->n = 0;
	s->total = 0;
	s->inner.reset(s->inner.arg);
}

struct monitor *mon_new(const struct mon_config *c)
{
	struct monitor *m = xcalloc(1, sizeof *m);
	pthread_condattr_t ca;
	struct host_ct_sysctl sc;
	size_t expect = 0;

	m->cfg = *c;
	if (!m->cfg.watch_max)
		m->cfg.watch_max = WATCH_MAX_DEFAULT;
	m->interval = c->period;
	m->prev_start = -1;
	m->pipe[0] = m->pipe[1] = -1;
	port_filter_copy(&m->sports, c->fo.server_ports);
	port_filter_init(&m->sports_next);
	m->cfg.fo.server_ports = &m->sports;
	if (c->live) {
		host_read_ct_sysctl(&sc);
		if (sc.count > 0)
			expect = (size_t)sc.count;
	}
	m->t = flow_table_new(c->host, &m->cfg.fo);
	flow_table_track(m->t, expect);
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	return m;
}

void mon_frame_free(struct mon_frame *f)
{
	if (!f)
		return;
	free(f->flows);
	free(f->conns);
	free(f);
}

static int read_source(struct monitor *m, const struct ct_sink *sink, struct mon_frame *f)
{
	struct ct_nl_stats ns;
	struct ct_text_stats ts;

	switch (m->cfg.source) {
	case MON_SRC_NETLINK:
		if (ct_nl_dump(m->cfg.nl, &m->cfg.filter, sink, &ns) < 0)
			return -1;
		f->malformed = ns.malformed;
		return 0;
	case MON_SRC_STDIN:
		if (m->stdin_done) {
			errno = ENODATA;
			return -1;
		}
		m->stdin_done = 1;
		break;
	case MON_SRC_FILE:
		if (lseek(m->cfg.fd, 0, SEEK_SET) < 0)
			return -1;
		break;
	}
	memset(&ts, 0, sizeof ts);
	if (ct_text_read_fd(m->cfg.fd, sink, &ts) < 0)
		return -1;
	if (ct_text_skipped(&ts) && !m->skipped)
		m->first_bad = ts.first_bad;
	m->skipped += ct_text_skipped(&ts);
	return 0;
}

/* One snapshot; the frame carries err instead of flows when it failed. */
static struct mon_frame *take(struct monitor *m, int watching, const struct flow_key *watch)
{
	struct mon_frame *f = xcalloc(1, sizeof *f);
	struct snap_sink ss;
	struct ct_sink sink = { snap_add, snap_reset, &ss };
	double start = mono_now();

	memset(&ss, 0, sizeof ss);
	ss.m = m;
	pthread_mutex_lock(&m->lock);
	if (m->sports_new) {
		/* Only this thread reads sports: swap in the new ports. */
		struct port_filter old = m->sports;

		m->sports = m->sports_next;
		m->sports_next = old;
		m->sports_new = 0;
	}
	pthread_mutex_unlock(&m->lock);
	ss.inner = flow_table_sink(m->t);
	ss.watching = watching;
	if (watching)
		ss.watch = *watch;
	clock_gettime(CLOCK_REALTIME, &f->when);

	flow_table_begin(m->t);
	if (read_source(m, &sink, f) < 0) {
		/*
		 * The store is left as the partial snapshot made it; the next
		 * interval's deltas may then be short, never negative.
		 */
		f->err = errno ? errno : EIO;
		free(ss.conns);
		return f;
	}
	flow_table_end(m->t);

	f->seq = ++m->seq;
	f->interval = m->prev_start < 0 ? 0 : start - m->prev_start;
	m->prev_start = start;
	f->nflows = flow_table_count(m->t);
	f->flows = xmalloc((f->nflows ? f->nflows : 1) * sizeof *f->flows);
	if (f->nflows)
		memcpy(f->flows, flow_table_at(m->t, 0), f->nflows * sizeof *f->flows);
	f->stats = *flow_table_stats(m->t);
	f->tracked = flow_table_tracked(m->t, &f->store_bytes);
	f->skipped = m->skipped;
	f->first_bad = m->first_bad;
	f->sysctl.acct = -1;
	f->sysctl.count = f->sysctl.max = -1;
	if (m->cfg.live)
		host_read_ct_sysctl(&f->sysctl);
	f->watching = watching;
	if (watching) {
		f->watch = *watch;
		f->conns = ss.conns;
		f->nconns = ss.n;
		f->conns_total = ss.total;
	}
	f->cost = mono_now() - start;
	return f;
}

struct mon_frame *mon_snapshot(struct monitor *m)
{
	struct mon_frame *f;
	int watching;
	struct flow_key watch;

	pthread_mutex_lock(&m->lock);
	watching = m->watching;
	watch = m->watch;
	pthread_mutex_unlock(&m->lock);
	f = take(m, watching, &watch);
	if (f->err) {
		errno = f->err;
		mon_frame_free(f);
		return NULL;
	}
	return f;
}

static struct timespec ts_of(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *collector(void *arg)
{
	struct monitor *m = arg;
	double next = mono_now();

	/*
	 * Snapshots are background work: on a busy machine the screen's
	 * thread must win the CPU, or keys wait behind a dump of seconds.
	 * (Linux applies nice per thread; failing is harmless.)
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), COLLECTOR_NICE);

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		struct mon_frame *f;
		struct flow_key watch;
		int watching;
		double now = mono_now();

		if (!m->wake && now < next) {
			struct timespec ts = ts_of(next);

			pthread_cond_timedwait(&m->cond, &m->lock, &ts);
			continue;
		}
		/* Deadlines stay k intervals apart unless woken or overrun. */
		if (m->wake)
			next = now;
		m->wake = 0;
		m->busy = 1;
		m->busy_since = now;
		watching = m->watching;
		watch = m->watch;
		pthread_mutex_unlock(&m->lock);

		f = take(m, watching, &watch);

		pthread_mutex_lock(&m->lock);
		m->busy = 0;
		if (m->stop) {
			mon_frame_free(f);
			break;
		}
		if (!m->ready) {
			ssize_t w = write(m->pipe[1], "", 1);

			(void)w;
		}
		mon_frame_free(m->ready);
		m->ready = f;
		next += m->interval;
		if (next < mono_now())
			next = mono_now();
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int mon_start(struct monitor *m)
{
	sigset_t all, old;
	int err;

	if (pipe2(m->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	/* Signals belong to the screen's thread: the collector inherits a full mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&m->thread, NULL, collector, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	m->running = 1;
	return 0;
}

int mon_fd(const struct monitor *m)
{
	return m->pipe[0];
}

struct mon_frame *mon_take(struct monitor *m)
{
	struct mon_frame *f;
	char buf[16];

	pthread_mutex_lock(&m->lock);
	f = m->ready;
	m->ready = NULL;
	while (read(m->pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_unlock(&m->lock);
	return f;
}

void mon_set_period(struct monitor *m, double seconds)
{
	pthread_mutex_lock(&m->lock);
	m->interval = seconds;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

double mon_period(struct monitor *m)
{
	double v;

	pthread_mutex_lock(&m->lock);
	v = m->interval;
	pthread_mutex_unlock(&m->lock);
	return v;
}

void mon_set_server_ports(struct monitor *m, const struct port_filter *pf)
{
	pthread_mutex_lock(&m->lock);
	port_filter_fini(&m->sports_next);
	port_filter_copy(&m->sports_next, pf);
	m->sports_new = 1;
	pthread_mutex_unlock(&m->lock);
}

void mon_watch(struct monitor *m, const struct flow_key *k)
{
	pthread_mutex_lock(&m->lock);
	m->watching = k != NULL;
	if (k)
		m->watch = *k;
	pthread_mutex_unlock(&m->lock);
}

void mon_wake(struct monitor *m)
{
	pthread_mutex_lock(&m->lock);
	m->wake = 1;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

int mon_busy(struct monitor *m, double *since)
{
	int busy;

	pthread_mutex_lock(&m->lock);
	busy = m->busy;
	if (since)
		*since = m->busy_since;
	pthread_mutex_unlock(&m->lock);
	return busy;
}

void mon_free(struct monitor *m)
{
	if (!m)
		return;
	if (m->running) {
		pthread_mutex_lock(&m->lock);
		__atomic_store_n(&m->stop, 1, __ATOMIC_RELAXED);
		pthread_cond_signal(&m->cond);
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->thread, NULL);
	}
	mon_frame_free(m->ready);
	if (m->pipe[0] >= 0) {
		close(m->pipe[0]);
		close(m->pipe[1]);
	}
	if (m->cfg.nl)
		ct_nl_close(m->cfg.nl);
	if (m->cfg.fd > STDIN_FILENO)
		close(m->cfg.fd);
	flow_table_free(m->t);
	port_filter_fini(&m->sports);
	port_filter_fini(&m->sports_next);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
