/* monitor.c - scheduled snapshots, frames and the collector thread. */
#include "monitor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ct_events.h"
#include "priv.h"
#include "store.h"
#include "util.h"

/* The sink of one snapshot: the flow table, plus the watched flow's list. */
struct snap_sink {
	struct monitor *m;
	int watching;
	struct flow_key watch;
	struct ct_entry *conns;
	size_t n, cap, total;
};

static void snap_watch(struct snap_sink *s, const struct ct_entry *e,
		       const struct flow_hit *hits, unsigned n)
{
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
		return;
	}
}

static int snap_add(const struct ct_entry *e, void *arg)
{
	struct snap_sink *s = arg;
	struct flow_hit hits[2];
	unsigned n;

	if (__atomic_load_n(&s->m->stop, __ATOMIC_RELAXED)) {
		errno = ECANCELED;
		return -1;
	}
	/* The table classifies the entry; the watch reuses its hits. */
	if (flow_table_add_hits(s->m->t, e, hits, &n) < 0)
		return -1;
	if (s->watching && n)
		snap_watch(s, e, hits, n);
	if (s->m->nvis && n)
		mon_vis_note(s->m, e, hits, n);
	return 0;
}

static void snap_reset(void *arg)
{
	struct snap_sink *s = arg;
	struct ct_sink inner = flow_table_sink(s->m->t);

	s->n = 0;
	s->total = 0;
	s->m->nvnext = 0;
	inner.reset(inner.arg);
}

static int owners_ready(void *arg);

struct monitor *mon_new(const struct mon_config *c)
{
	struct monitor *m = xcalloc(1, sizeof *m);
	pthread_condattr_t ca;
	struct host_ct_sysctl sc;
	size_t expect = 0;

	m->cfg = *c;
	if (!m->cfg.watch_max)
		m->cfg.watch_max = WATCH_MAX_DEFAULT;
	m->period = c->period;
	m->next = mono_now();
	m->next_dump = m->next;
	m->prev_start = -1;
	m->prev_frame = -1;
	m->pipe[0] = m->pipe[1] = -1;
	port_filter_copy(&m->sports, c->fo.server_ports);
	port_filter_init(&m->sports_next);
	m->cfg.fo.server_ports = &m->sports;
	m->cfg.fo.owners = c->owners;
	if (c->owners) {
		m->cfg.fo.owners_ready = owners_ready;
		m->cfg.fo.owners_arg = m;
	}
	m->cfg.fo.socks = c->socks;
	if (c->owners) {
		m->reg = owner_reg_new();
		owner_reg_sync(m->reg, c->owners);
	}
	if (c->routed)
		m->routes = route_reg_new(0);
	m->cfg.fo.routes = m->routes;
	m->t = flow_table_new(c->host, &m->cfg.fo);
	if (ct_source_live(c->src)) {
		host_read_ct_sysctl(&sc);
		if (sc.count > 0)
			expect = (size_t)sc.count;
	}
	flow_table_expect(m->t, expect);
	if (c->track) {
		flow_table_track(m->t, expect);
		flow_table_events(m->t, c->ev != NULL);
	}
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
	huge_free(f->own_flows, f->own_cap * sizeof *f->own_flows);
	huge_free(f->own_procs, f->own_procs ? f->own_cap * sizeof *f->own_procs : 0);
	free(f->conns);
	free(f);
}

double mon_process_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double mon_thread_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The screen gets frames between budgeted dumps when something can tell
 * it more than the last dump did: events, or rereads.
 */
static int between_frames(const struct monitor *m)
{
	return m->cfg.track && (m->cfg.ev || ct_source_can_get(m->cfg.src));
}

static int event_add(const struct ct_entry *e, void *arg)
{
	struct monitor *m = arg;

	(void)flow_table_event(m->t, e);
	m->events_seen++;
	return 0;
}

/* Applies the events waiting in the queue to the flows and the store. */
static void drain_events(struct monitor *m)
{
	struct ct_sink sink = { event_add, NULL, m };

	if (m->cfg.ev && m->cfg.track)
		(void)ct_events_drain(m->cfg.ev, &sink);
}

static int read_source(struct monitor *m, const struct ct_sink *sink, struct mon_frame *f)
{
	struct ct_source_stats st;
	double cpu = mon_thread_cpu();
	int r = ct_source_dump(m->cfg.src, sink, &st);

	m->dump_cpu = mon_thread_cpu() - cpu;
	if (r < 0)
		return -1;
	if (ct_source_skipped(&st) && !ct_source_skipped(&m->input))
		m->input.first_bad = st.first_bad;
	m->input.entries = st.entries;
	m->input.bad_msgs = st.bad_msgs;
	m->input.malformed += st.malformed;
	m->input.overlong += st.overlong;
	m->input.binary += st.binary;
	return 0;
}

/*
 * The kernel's statistics, read right after a dump by the thread that
 * dumps (it holds CAP_NET_ADMIN: priv.h), with their rates since the
 * previous read.  A failed read leaves them absent, and the next good one
 * starts the rates afresh.
 */
static void read_table_stats(struct monitor *m)
{
	struct ct_stats cur;
	double at;

	if (m->cfg.one_dump || !ct_source_has_table_stats(m->cfg.src))
		return;
	at = mono_now();
	if (ct_source_table_stats(m->cfg.src, &cur) < 0) {
		memset(&m->ct, 0, sizeof m->ct);
		memset(&m->ct_rate, 0, sizeof m->ct_rate);
		return;
	}
	ct_stats_rate(&m->ct_rate, &m->ct, &cur, at - m->ct_at);
	m->ct = cur;
	m->ct_at = at;
}

int mon_table_stats(struct monitor *m, struct ct_stats *out)
{
	return ct_source_table_stats(m->cfg.src, out);
}

/*
 * The CPU budget: the next dump may start once the whole process (the
 * dump, the frames between dumps, events, the screen or the printing) has
 * used no more than max_cpu of the time since the last dump began.  What
 * the rest costs can push dumps back to 4 times what the dump alone would
 * (so that a busy screen cannot starve them).
 */
static double budget_next(const struct monitor *m)
{
	double p, d = m->dump_tick_cpu;

	if (m->cfg.max_cpu <= 0 || !m->cfg.track)
		return m->dump_start;
	p = mon_process_cpu() - m->dump_proc;
	if (p > 4 * d)
		p = 4 * d;
	if (p < d)
		p = d;
	return m->dump_start + p / m->cfg.max_cpu;
}

/*
 * The schedule's rule (monitor.h), after a snapshot that began at start:
 * one period after the deadline it was taken for (after start when it was
 * taken early: the first, or woken), or now when that has passed; the
 * budget may hold the next dump back further.
 */
static void schedule_next(struct monitor *m, double start)
{
	double now = mono_now(), b;

	m->next = (start < m->next ? start : m->next) + m->period;
	if (m->next < now)
		m->next = now;
	b = budget_next(m);
	m->next_dump = b > m->next ? b : m->next;
	/* A wait under a millisecond is no news (a tiny dump right after an overrun). */
	m->held = m->next_dump > m->next + 0.001;
}

/*
 * Copies the table's flows into f, a frame of the collector's last tick,
 * reusing spare's memory when it has some.  Call with the lock held, while
 * the collector waits for its next tick: the table is as that tick left it.
 */
static void copy_due(struct monitor *m, struct mon_frame *f, struct mon_frame *spare)
{
	size_t n = f->nflows ? f->nflows : 1;
	const struct flow_proc *procs = flow_table_procs(m->t);
	int with_procs = m->cfg.fo.socks != NULL;

	if (spare && spare->own_flows) {
		f->own_flows = spare->own_flows;
		f->own_procs = spare->own_procs;
		f->own_cap = spare->own_cap;
		spare->own_flows = NULL;
		spare->own_procs = NULL;
		spare->flows = NULL;
		spare->procs = NULL;
		spare->nflows = spare->own_cap = 0;
	}
	if (f->own_cap < n) {
		/*
		 * Pages of their own, given back when freed (malloc may keep a
		 * freed block of this size in its heap), and freed before the
		 * new ones are touched: never two copies at once.
		 */
		huge_free(f->own_flows, f->own_cap * sizeof *f->own_flows);
		huge_free(f->own_procs, f->own_procs ? f->own_cap * sizeof *f->own_procs : 0);
		f->own_flows = huge_alloc(n * sizeof *f->own_flows);
		f->own_procs = with_procs ? huge_alloc(n * sizeof *f->own_procs) : NULL;
		f->own_cap = n;
	}
	if (f->nflows) {
		memcpy(f->own_flows, flow_table_flows(m->t), f->nflows * sizeof *f->own_flows);
		if (procs && f->own_procs)
			memcpy(f->own_procs, procs, f->nflows * sizeof *f->own_procs);
	}
	f->flows = f->own_flows;
	f->procs = procs ? f->own_procs : NULL;
	f->flows_due = 0;
}

/*
 * The frame's flows (a copy when own, else borrowed from the table), their
 * counts and what the source and its sysctls say.
 */
static void frame_table(struct monitor *m, struct mon_frame *f, int own)
{
	f->nflows = flow_table_count(m->t);
	if (own) {
		struct mon_frame *stale;

		/*
		 * The flows are copied when the screen takes the frame
		 * (copy_due()).  This frame replaces one the screen has not
		 * taken: free that.
		 */
		pthread_mutex_lock(&m->lock);
		stale = m->ready;
		m->ready = NULL;
		pthread_mutex_unlock(&m->lock);
		mon_frame_free(stale);
		f->flows = NULL;
		f->flows_due = 1;
	} else {
		f->flows = flow_table_flows(m->t);
		f->procs = flow_table_procs(m->t);
	}
	f->stats = *flow_table_stats(m->t);
	f->tracked = flow_table_tracked(m->t, &f->store_bytes);
	f->input = m->input;
	f->live = ct_source_live(m->cfg.src);
	f->sysctl.acct = f->sysctl.events = f->sysctl.timestamp = -1;
	f->sysctl.count = f->sysctl.max = -1;
	if (f->live)
		host_read_ct_sysctl(&f->sysctl);
}

/* Seconds from now to the monotonic time t; 0 when it has passed. */
static double till(double t)
{
	double now = mono_now();

	return t > now ? t - now : 0;
}

/* The header fields every frame shares; call with the frame's flows in place. */
static void frame_common(struct monitor *m, struct mon_frame *f, double now)
{
	f->period = m->period;
	f->dump_cpu = m->dump_cpu;
	f->ct = m->ct;
	f->ct_rate = m->ct_rate;
	f->events = m->cfg.ev != NULL && m->cfg.track;
	f->events_seen = m->events_seen;
	m->events_seen = 0;
	if (m->cfg.ev) {
		struct ct_events_stats es;

		ct_events_stats(m->cfg.ev, &es);
		f->events_lost = es.lost;
	}
	if (m->cfg.procs)
		f->procs_partial = procs_partial(m->cfg.procs);
	m->prev_frame = now;
}

/* The frame is complete: the caller's hook sees it before anyone takes it. */
static void frame_done(struct monitor *m, struct mon_frame *f)
{
	if (m->cfg.on_frame)
		m->cfg.on_frame(m->cfg.frame_arg, f, flow_table_flows(m->t), flow_table_procs(m->t),
				flow_table_count(m->t));
}

/*
 * The owners, refreshed by the thread that dumps, before the dump.  A
 * failed scan keeps the last table; -1 only when the thread is stuck in
 * another namespace (EDEADLK): it must not dump from there.
 */
static int owners_refresh(struct monitor *m)
{
	double t0 = mono_now();

	if (owner_table_refresh(m->cfg.owners, t0, NULL) < 0 && errno == EDEADLK)
		return -1;
	owner_reg_sync(m->reg, m->cfg.owners);
	m->owner_cost = mono_now() - t0;
	return 0;
}

/*
 * Set in the thread that dumps (the collector, or the caller of
 * mon_snapshot()) by its first take(): it holds the owners' rights.
 */
static _Thread_local int is_dumper;

/*
 * flow_opts.owners_ready: the owners are built when an entry first needs
 * them (no end in the namespace viewed), by the thread that dumps, in the
 * middle of its dump; a snapshot whose entries all have an end here never
 * enters another namespace.  Other threads (a key's delete) wait for that.
 */
static int owners_ready(void *arg)
{
	struct monitor *m = arg;

	if (__atomic_load_n(&m->owners_built, __ATOMIC_ACQUIRE))
		return !m->owners_stuck;
	if (!is_dumper)
		return 0;
	if (owners_refresh(m) < 0)
		m->owners_stuck = 1;
	__atomic_store_n(&m->owners_built, 1, __ATOMIC_RELEASE);
	return !m->owners_stuck;
}

int mon_proc(struct monitor *m, uint32_t id, struct proc_info *out)
{
	return m->cfg.procs ? procs_get(m->cfg.procs, id, out) : -1;
}

/*
 * -P: this namespace's sockets and their processes, by the thread that
 * dumps, before the conntrack dump (so that every entry finds its socket).
 * A failed socket dump leaves no sockets: flows keep their last owners.
 */
static void socks_refresh(struct monitor *m, struct mon_frame *f)
{
	double now = mono_now();

	if (socks_dump(m->cfg.socks, now) < 0)
		f->sock_err = errno ? errno : EIO;
	procs_attribute(m->cfg.procs, m->cfg.socks, now);
	socks_remember(m->cfg.socks, now);
}

int mon_owner(struct monitor *m, uint32_t id, struct owner_label *out)
{
	return m->reg ? owner_reg_get(m->reg, id, out) : -1;
}

int mon_route(struct monitor *m, uint32_t id, struct flow_route *out)
{
	return m->routes ? route_reg_get(m->routes, id, out) : -1;
}

double mon_owner_cost(const struct monitor *m)
{
	return m->owner_cost;
}

/* One snapshot; the frame carries err instead of flows when it failed. */
static struct mon_frame *take(struct monitor *m, int watching, const struct flow_key *watch,
			      int own_flows, double start)
{
	struct mon_frame *f = xcalloc(1, sizeof *f);
	struct snap_sink ss;
	struct ct_sink sink = { snap_add, snap_reset, &ss };

	is_dumper = 1;
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
	mon_vis_take(m);
	pthread_mutex_unlock(&m->lock);
	ss.watching = watching;
	if (watching)
		ss.watch = *watch;
	clock_gettime(CLOCK_REALTIME, &f->when);
	/* Once an entry has needed them (owners_ready()), before every dump. */
	if (m->cfg.owners && __atomic_load_n(&m->owners_built, __ATOMIC_ACQUIRE) &&
	    (m->owners_stuck || owners_refresh(m) < 0)) {
		f->err = EDEADLK;
		free(ss.conns);
		return f;
	}

	if (m->cfg.socks)
		socks_refresh(m, f);
	flow_table_begin(m->t);
	f->budget_held = m->held;
	if (read_source(m, &sink, f) < 0) {
		/*
		 * The store is left as the partial snapshot made it; the next
		 * interval's deltas may then be short, never negative.
		 */
		f->err = errno ? errno : EIO;
		free(ss.conns);
		return f;
	}
	if (m->owners_stuck) {
		/* The owners' first build left this thread in another namespace. */
		f->err = EDEADLK;
		free(ss.conns);
		return f;
	}
	read_table_stats(m);
	/* Events up to now, before the sweep decides what has closed. */
	drain_events(m);
	flow_table_end(m->t);
	mon_vis_dump_done(m);

	f->dumped = 1;
	f->seq = ++m->seq;
	f->interval = m->prev_start < 0 ? 0 : start - m->prev_start;
	m->prev_start = start;
	frame_table(m, f, own_flows);
	f->watching = watching;
	if (watching) {
		f->watch = *watch;
		f->conns = ss.conns;
		f->nconns = ss.n;
		f->conns_total = ss.total;
		if (own_flows && between_frames(m)) {
			/* Frames between dumps show this list again. */
			free(m->wconns);
			m->wconns = xmalloc((ss.n ? ss.n : 1) * sizeof *m->wconns);
			if (ss.n)
				memcpy(m->wconns, ss.conns, ss.n * sizeof *m->wconns);
			m->nwconns = ss.n;
			m->wtotal = ss.total;
			m->wkey = *watch;
		}
	}
	f->cost = mono_now() - start;
	frame_common(m, f, start);
	frame_done(m, f);
	return f;
}

/*
 * Between dumps the budget held back: what events said since the last
 * frame, on the last dump's flows.
 */
static struct mon_frame *take_events(struct monitor *m, int watching,
				     const struct flow_key *watch, double now)
{
	struct mon_frame *f = xcalloc(1, sizeof *f);

	is_dumper = 1;
	clock_gettime(CLOCK_REALTIME, &f->when);
	drain_events(m);
	f->reread = mon_reread(m, watching, watch);
	f->watching = watching;
	if (watching) {
		f->watch = *watch;
		if (m->wconns && flow_key_equal(&m->wkey, watch)) {
			f->conns = xmalloc((m->nwconns ? m->nwconns : 1) * sizeof *f->conns);
			if (m->nwconns)
				memcpy(f->conns, m->wconns, m->nwconns * sizeof *f->conns);
			f->nconns = m->nwconns;
			f->conns_total = m->wtotal;
		}
	}
	f->seq = ++m->seq;
	f->interval = m->prev_frame < 0 ? 0 : now - m->prev_frame;
	frame_table(m, f, 1);
	flow_table_interval_done(m->t);
	f->cost = mono_now() - now;
	frame_common(m, f, now);
	frame_done(m, f);
	return f;
}

struct mon_frame *mon_snapshot(struct monitor *m)
{
	struct mon_frame *f;
	int watching;
	struct flow_key watch;
	double start = mono_now(), cpu;

	pthread_mutex_lock(&m->lock);
	watching = m->watching;
	watch = m->watch;
	pthread_mutex_unlock(&m->lock);
	cpu = mon_thread_cpu();
	m->dump_start = start;
	m->dump_proc = mon_process_cpu();
	f = take(m, watching, &watch, 0, start);
	m->dump_tick_cpu = mon_thread_cpu() - cpu;
	schedule_next(m, start);
	f->next_dump = till(m->next_dump);
	/* No more requests to the kernel: nothing from here on needs CAP_NET_ADMIN. */
	if (m->cfg.one_dump && priv_thread_drop() < 0 && !f->err)
		f->err = errno;
	if (f->err) {
		errno = f->err;
		mon_frame_free(f);
		return NULL;
	}
	return f;
}

/* Events wait in the queue no longer than this while a stream sleeps. */
#define DRAIN_EVERY 1.0

int mon_sleep(struct monitor *m, const volatile sig_atomic_t *stop)
{
	double until;

	/* The budget counts what the caller did since the snapshot (printing it). */
	if (m->seq > 0) {
		double b = budget_next(m);

		if (b > m->next_dump)
			m->next_dump = b;
		m->held = m->next_dump > m->next + 0.001;
	}
	until = m->next_dump > m->next ? m->next_dump : m->next;

	while (!*stop) {
		double now = mono_now(), wake = until;
		struct timespec ts;

		if (now >= until)
			break;
		if (m->cfg.ev && m->cfg.track && wake > now + DRAIN_EVERY)
			wake = now + DRAIN_EVERY;
		ts = ts_of_seconds(wake);
		while (!*stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		if (!*stop)
			drain_events(m);
	}
	if (*stop) {
		errno = EINTR;
		return -1;
	}
	return 0;
}

/*
 * How long a tick waits for the screen to take the last frame before
 * copying its flows itself; the screen takes a frame within milliseconds
 * unless it is busy with a key (at most about 100 ms).
 */
#define TAKE_WAIT 0.5

static void *collector(void *arg)
{
	struct monitor *m = arg;

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
		int watching, dump;
		double now = mono_now(), cpu;


		if (!m->wake && now < m->next) {
			struct timespec ts = ts_of_seconds(m->next);

			pthread_cond_timedwait(&m->cond, &m->lock, &ts);
			continue;
		}
		/* A deletion asked for (D): done first, then a dump shows it. */
		if (mon_del_tick(m))
			continue;
		/*
		 * A tick: a dump when the budget allows one (or a key asked);
		 * otherwise, with events, a frame of what they said.
		 */
		dump = m->wake || now >= m->next_dump || m->seq == 0;
		if (!dump && !between_frames(m)) {
			m->next = m->next_dump;
			continue;
		}
		/*
		 * The table is about to change: a frame not taken gets its copy
		 * now, into new memory (the screen's copy is in use), so that the
		 * flows would exist three times.  A tick that comes right after
		 * the last (a dump that overran the period) first gives the
		 * screen TAKE_WAIT to take the frame, which copies into the
		 * memory of the frame it replaces (mon_take()).
		 */
		if (m->ready && m->ready->flows_due) {
			if (now < m->ready_at + TAKE_WAIT) {
				struct timespec ts = ts_of_seconds(m->ready_at + TAKE_WAIT);

				pthread_cond_timedwait(&m->cond, &m->lock, &ts);
				continue;
			}
			copy_due(m, m->ready, NULL);
		}
		m->wake = 0;
		m->busy = dump;
		m->busy_since = now;
		watching = m->watching;
		watch = m->watch;
		pthread_mutex_unlock(&m->lock);

		cpu = mon_thread_cpu();
		if (dump) {
			m->dump_start = now;
			m->dump_proc = mon_process_cpu();
			f = take(m, watching, &watch, 1, now);
			m->dump_tick_cpu = mon_thread_cpu() - cpu;
		} else {
			f = take_events(m, watching, &watch, now);
			f->budget_held = m->held;
		}

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
		if (dump) {
			schedule_next(m, now);
		} else {
			/* What the process did since the dump counts in the budget. */
			m->next_dump = budget_next(m);
			m->next += m->period;
			if (m->next < mono_now())
				m->next = mono_now();
			if (m->next > m->next_dump)
				m->next = m->next_dump;
		}
		f->next_dump = till(m->next_dump);
		mon_frame_free(m->ready);
		m->ready = f;
		m->ready_at = mono_now();
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

struct mon_frame *mon_take(struct monitor *m, struct mon_frame *spare)
{
	struct mon_frame *f;
	char buf[16];

	pthread_mutex_lock(&m->lock);
	f = m->ready;
	m->ready = NULL;
	if (f && f->flows_due)
		copy_due(m, f, spare);
	/* A collector waiting for the frame to go may go on (TAKE_WAIT). */
	if (f)
		pthread_cond_signal(&m->cond);
	while (read(m->pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_unlock(&m->lock);
	return f;
}

void mon_set_period(struct monitor *m, double seconds)
{
	pthread_mutex_lock(&m->lock);
	m->period = seconds;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

double mon_period(struct monitor *m)
{
	double v;

	pthread_mutex_lock(&m->lock);
	v = m->period;
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
	ct_events_close(m->cfg.ev);
	free(m->wconns);
	free(m->vis);
	free(m->show);
	free(m->vconns);
	free(m->vnext);
	free(m->reread);
	if (m->pipe[0] >= 0) {
		close(m->pipe[0]);
		close(m->pipe[1]);
	}
	ct_source_close(m->cfg.src);
	flow_table_free(m->t);
	owner_table_free(m->cfg.owners);
	owner_reg_free(m->reg);
	route_reg_free(m->routes);
	socks_free(m->cfg.socks);
	procs_free(m->cfg.procs);
	port_filter_fini(&m->sports);
	port_filter_fini(&m->sports_next);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
