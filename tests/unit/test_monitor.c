/*
 * The monitor without root: a scripted source (ct_source_new) and a pipe.
 * One table, stream deltas, the schedule (no drift, the overrun rule), frame
 * ownership from the collector thread, the watched flow, server ports set
 * at run time, a read-once source that ends.
 */
#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

#include "ct_source.h"
#include "lsct.h"
#include "monitor.h"
#include "util.h"

#define MAX_SCRIPT 8

/* A source that delivers what the test put in it, and notes when. */
struct script {
	struct ct_entry e[MAX_SCRIPT];
	size_t n;
	double delay;		/* seconds each dump takes */
	double delay_once;	/* added to the next dump only */
	double burn;		/* CPU seconds each dump spends */
	double at[16];		/* monotonic start of each dump */
	size_t dumps;
	int closed;
	/* Deletions: each asked entry's source port, and the answer the test wants. */
	uint16_t del_sport[MAX_SCRIPT];
	size_t ndel, del_calls;
	int del_answer[MAX_SCRIPT];	/* by position in the script: 0, ENOENT, EPERM */
};

static void nap(double s)
{
	struct timespec ts = ts_of_seconds(s);

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Spends seconds of this thread's CPU. */
static void burn(double seconds)
{
	struct timespec a, b;

	if (seconds <= 0)
		return;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
}

static int script_dump(void *state, const struct ct_sink *sink, struct ct_source_stats *st)
{
	struct script *sc = state;

	if (sc->dumps < ARRAY_LEN(sc->at))
		sc->at[sc->dumps] = mono_now();
	sc->dumps++;
	nap(sc->delay + sc->delay_once);
	burn(sc->burn);
	sc->delay_once = 0;
	for (size_t i = 0; i < sc->n; i++) {
		if (sink->add(&sc->e[i], sink->arg) < 0)
			return -1;
		st->entries++;
	}
	return 0;
}

static void script_close(void *state)
{
	((struct script *)state)->closed++;
}

static const struct ct_source_ops script_ops = { script_dump, script_close, NULL, NULL, NULL };

/* Answers as del_answer says; a deleted entry leaves the script. */
static int script_del(void *state, const struct ct_entry *e, size_t n, int *errs)
{
	struct script *sc = state;

	sc->del_calls++;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (sc->ndel < MAX_SCRIPT)
			sc->del_sport[sc->ndel++] = e[i].orig.sport;
		for (k = 0; k < sc->n; k++)
			if (sc->e[k].orig.sport == e[i].orig.sport && sc->e[k].id == e[i].id)
				break;
		if (k == sc->n) {
			errs[i] = ENOENT;
			continue;
		}
		errs[i] = sc->del_answer[k];
		if (errs[i] == 0) {
			memmove(&sc->e[k], &sc->e[k + 1], (sc->n - k - 1) * sizeof *sc->e);
			memmove(&sc->del_answer[k], &sc->del_answer[k + 1],
				(sc->n - k - 1) * sizeof *sc->del_answer);
			sc->n--;
		}
	}
	return 0;
}

static const struct ct_source_ops script_del_ops = { script_dump, script_close, NULL,
						     NULL, script_del };

/*
 * The same source with the kernel's statistics: each read gives the next
 * of stat_drop[] as the drop counter (a negative value: the read fails).
 */
static int64_t stat_drop[4];
static size_t stat_reads;

static int script_stats(void *state, struct ct_stats *out)
{
	int64_t v = stat_drop[stat_reads < ARRAY_LEN(stat_drop) ? stat_reads : 3];

	(void)state;
	stat_reads++;
	if (v < 0) {
		errno = EPERM;
		return -1;
	}
	out->cpus = 2;
	out->have = (1u << CT_STAT_DROP) | (1u << CT_STAT_INVALID);
	out->v[CT_STAT_DROP] = (uint64_t)v;
	out->v[CT_STAT_INVALID] = 4;
	return 0;
}

static const struct ct_source_ops stats_ops = { script_dump, script_close, NULL, script_stats,
						 NULL };

struct fixture {
	struct host_info host;
	struct script sc;
	struct monitor *m;
	double max_cpu;		/* the next monitor_of()'s CPU budget */
};

static int setup(void **state)
{
	static struct fixture fx;
	struct ct_addr a = tu_addr("10.0.0.1");

	memset(&fx, 0, sizeof fx);
	host_init(&fx.host);
	host_add_addr(&fx.host, AF_INET, &a);
	host_add_listener(&fx.host, IPPROTO_TCP, 0, NULL, 80);
	host_finish(&fx.host);
	/* An active flow to 10.0.2.10:3306 (two connections), a passive one to :80. */
	fx.sc.e[0] = tu_plain(IPPROTO_TCP, "10.0.0.1", 40000, "10.0.2.10", 3306, 3, 300, 2, 200);
	fx.sc.e[1] = tu_plain(IPPROTO_TCP, "10.0.0.1", 40001, "10.0.2.10", 3306, 1, 100, 1, 50);
	fx.sc.e[2] = tu_plain(IPPROTO_TCP, "10.0.2.11", 50000, "10.0.0.1", 80, 4, 400, 4, 4000);
	fx.sc.n = 3;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	mon_free(fx->m);
	host_fini(&fx->host);
	return 0;
}

static struct monitor *monitor_of(struct fixture *fx, int track, double period)
{
	struct mon_config mc;

	memset(&mc, 0, sizeof mc);
	mc.src = ct_source_new(&script_ops, &fx->sc, "script", 0);
	mc.host = &fx->host;
	mc.fo.protos = FLOW_PROTO_TCP | FLOW_PROTO_UDP;
	mc.fo.families = FLOW_FAM_V4 | FLOW_FAM_V6;
	mc.period = period;
	mc.track = track;
	mc.max_cpu = fx->max_cpu;
	fx->m = mon_new(&mc);
	return fx->m;
}

/* monitor_of() with a source that can delete. */
static struct monitor *deleting_monitor_of(struct fixture *fx, int track, double period)
{
	struct mon_config mc;

	memset(&mc, 0, sizeof mc);
	mc.src = ct_source_new(&script_del_ops, &fx->sc, "script", 0);
	mc.host = &fx->host;
	mc.fo.protos = FLOW_PROTO_TCP | FLOW_PROTO_UDP;
	mc.fo.families = FLOW_FAM_V4 | FLOW_FAM_V6;
	mc.period = period;
	mc.track = track;
	fx->m = mon_new(&mc);
	return fx->m;
}

static const struct flow *find(const struct mon_frame *f, enum flow_dir dir, unsigned port)
{
	for (size_t i = 0; i < f->nflows; i++)
		if (f->flows[i].key.dir == dir && f->flows[i].key.port == port)
			return &f->flows[i];
	return NULL;
}

static void test_one_table(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 0, 1);
	struct mon_frame *f = mon_snapshot(m);
	const struct flow *a, *p;

	assert_non_null(f);
	assert_int_equal(f->seq, 1);
	assert_true(f->interval == 0);
	assert_int_equal(f->nflows, 2);
	assert_int_equal(f->stats.entries, 3);
	assert_int_equal(f->input.entries, 3);
	assert_int_equal(f->live, 0);
	assert_int_equal(f->sysctl.count, -1);
	a = find(f, FLOW_ACTIVE, 3306);
	p = find(f, FLOW_PASSIVE, 80);
	assert_non_null(a);
	assert_non_null(p);
	assert_int_equal(a->conns, 2);
	assert_int_equal(a->c.out_bytes, 400);
	assert_int_equal(a->c.in_bytes, 250);
	assert_int_equal(p->c.in_bytes, 400);
	mon_frame_free(f);
	mon_free(m);
	fx->m = NULL;
	/* The monitor owned the source: it closed it. */
	assert_int_equal(fx->sc.closed, 1);
}

static void test_stream_deltas(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 0.05);
	struct mon_frame *f;
	const struct flow *a;

	f = mon_snapshot(m);
	assert_non_null(f);
	a = find(f, FLOW_ACTIVE, 3306);
	assert_int_equal(a->d.out_bytes, 0);	/* a first snapshot has no interval */
	assert_true(f->interval == 0);
	mon_frame_free(f);

	fx->sc.e[0].orig.bytes += 1000;
	fx->sc.e[0].reply.bytes += 7;
	fx->sc.n = 2;				/* the passive connection closed */
	assert_int_equal(mon_sleep(m, &(volatile sig_atomic_t){ 0 }), 0);
	f = mon_snapshot(m);
	assert_non_null(f);
	assert_int_equal(f->seq, 2);
	assert_true(f->interval >= 0.04);
	a = find(f, FLOW_ACTIVE, 3306);
	assert_int_equal(a->d.out_bytes, 1000);
	assert_int_equal(a->d.in_bytes, 7);
	assert_int_equal(a->d.new_conns, 0);
	assert_int_equal(find(f, FLOW_PASSIVE, 80)->d.closed_conns, 1);
	mon_frame_free(f);
}

/*
 * The kernel's statistics ride in each dump's frame, read right after the
 * dump, with rates from the read before; a sum that shrinks (a CPU went
 * offline) is a rate of 0, a failed read leaves them absent and restarts
 * the rates.  A one-shot table and a text source read none.
 */
static void test_table_stats(void **state)
{
	struct fixture *fx = *state;
	struct mon_config mc;
	struct mon_frame *f;
	struct ct_stats st;
	volatile sig_atomic_t no = 0;
	struct monitor *m;

	memset(&mc, 0, sizeof mc);
	mc.src = ct_source_new(&stats_ops, &fx->sc, "script", 1);
	mc.host = &fx->host;
	mc.fo.protos = FLOW_PROTO_TCP;
	mc.fo.families = FLOW_FAM_V4 | FLOW_FAM_V6;
	mc.period = 0.1;
	mc.track = 1;
	m = fx->m = mon_new(&mc);
	stat_reads = 0;
	stat_drop[0] = 100;
	stat_drop[1] = 150;
	stat_drop[2] = 120;
	stat_drop[3] = -1;

	f = mon_snapshot(m);
	assert_non_null(f);
	assert_int_equal(stat_reads, 1);
	assert_int_equal(f->ct.cpus, 2);
	assert_int_equal(f->ct.v[CT_STAT_DROP], 100);
	assert_true(f->ct_rate.seconds == 0);	/* one read: no rate yet */
	mon_frame_free(f);

	assert_int_equal(mon_sleep(m, &no), 0);
	f = mon_snapshot(m);
	assert_int_equal(f->ct.v[CT_STAT_DROP], 150);
	assert_true(f->ct_rate.seconds >= 0.08 && f->ct_rate.seconds < 1);
	/* 50 drops over about a tenth of a second. */
	assert_true(f->ct_rate.v[CT_STAT_DROP] > 50 && f->ct_rate.v[CT_STAT_DROP] <= 50 / 0.08);
	assert_true(f->ct_rate.v[CT_STAT_INVALID] == 0);
	assert_int_equal(f->ct_rate.have, (1u << CT_STAT_DROP) | (1u << CT_STAT_INVALID));
	mon_frame_free(f);

	assert_int_equal(mon_sleep(m, &no), 0);
	f = mon_snapshot(m);
	assert_int_equal(f->ct.v[CT_STAT_DROP], 120);
	assert_true(f->ct_rate.seconds > 0);
	assert_true(f->ct_rate.v[CT_STAT_DROP] == 0);
	mon_frame_free(f);

	/* The read fails: no statistics and no rates, but the frame is fine. */
	assert_int_equal(mon_sleep(m, &no), 0);
	f = mon_snapshot(m);
	assert_non_null(f);
	assert_int_equal(f->ct.cpus, 0);
	assert_true(f->ct_rate.seconds == 0);
	assert_int_equal(f->nflows, 2);
	mon_frame_free(f);

	/* --stats reads them on its own, now. */
	stat_drop[3] = 7;
	assert_int_equal(mon_table_stats(m, &st), 0);
	assert_int_equal(st.v[CT_STAT_DROP], 7);
	mon_free(m);

	/* A one-shot table does not ask. */
	mc.src = ct_source_new(&stats_ops, &fx->sc, "script", 1);
	mc.track = 0;
	mc.one_dump = 1;
	m = fx->m = mon_new(&mc);
	stat_reads = 0;
	f = mon_snapshot(m);
	assert_non_null(f);
	assert_int_equal(stat_reads, 0);
	assert_int_equal(f->ct.cpus, 0);
	mon_frame_free(f);
	mon_free(m);

	/* A source without statistics: none, and --stats fails with EOPNOTSUPP. */
	m = fx->m = monitor_of(fx, 1, 0.1);
	f = mon_snapshot(m);
	assert_int_equal(f->ct.cpus, 0);
	assert_true(f->ct_rate.seconds == 0);
	mon_frame_free(f);
	errno = 0;
	assert_int_equal(mon_table_stats(m, &st), -1);
	assert_int_equal(errno, EOPNOTSUPP);
}

/* A dump that takes 30 ms every 50 ms: deadlines stay 50 ms apart. */
static void test_schedule_does_not_drift(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 0.05);
	volatile sig_atomic_t stop = 0;

	fx->sc.delay = 0.03;
	for (int i = 0; i < 6; i++) {
		if (i)
			assert_int_equal(mon_sleep(m, &stop), 0);
		mon_frame_free(mon_snapshot(m));
	}
	for (int k = 1; k < 6; k++)
		assert_true(fx->sc.at[k] - fx->sc.at[0] >= 0.05 * k - 0.002);
	/* Deadlines counted from each end would put the sixth at 0.40 s. */
	assert_true(fx->sc.at[5] - fx->sc.at[0] < 0.33);
}

/* A snapshot that overruns is followed at once; the schedule restarts there. */
static void test_overrun_is_followed_at_once(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 0.05);
	volatile sig_atomic_t stop = 0;
	double t;

	mon_frame_free(mon_snapshot(m));
	fx->sc.delay_once = 0.15;
	assert_int_equal(mon_sleep(m, &stop), 0);
	mon_frame_free(mon_snapshot(m));	/* ends ~0.1 s after the next deadline */
	t = mono_now();
	assert_int_equal(mon_sleep(m, &stop), 0);
	assert_true(mono_now() - t < 0.03);
	mon_frame_free(mon_snapshot(m));
	assert_int_equal(mon_sleep(m, &stop), 0);
	mon_frame_free(mon_snapshot(m));
	assert_true(fx->sc.at[3] - fx->sc.at[2] >= 0.048);
}

/*
 * The CPU budget: a dump that cost c CPU seconds is followed no sooner than
 * c / max_cpu after its start, and the frame says the budget held it.
 */
static void test_budget_spaces_dumps(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m;
	volatile sig_atomic_t stop = 0;
	struct mon_frame *f;
	double cost0;

	fx->max_cpu = 0.25;
	m = monitor_of(fx, 1, 0.02);
	fx->sc.burn = 0.03;
	f = mon_snapshot(m);
	assert_non_null(f);
	cost0 = f->cost;
	assert_true(f->dump_cpu >= 0.029);
	assert_false(f->budget_held);
	/* 0.12 s from its start; the dump itself took f->cost of them (more on a busy machine). */
	assert_true(f->next_dump >= 0.12 - f->cost - 0.01);
	assert_true(f->next_dump <= 0.12);
	assert_true(f->period == 0.02);
	mon_frame_free(f);
	assert_int_equal(mon_sleep(m, &stop), 0);
	f = mon_snapshot(m);
	assert_non_null(f);
	/*
	 * Held past the period, unless the first dump took longer than the
	 * budget's wait by the wall clock (a loaded machine): then it follows
	 * at once.
	 */
	if (cost0 < 0.08)
		assert_true(f->budget_held);
	else if (cost0 > 0.13)
		assert_false(f->budget_held);
	assert_true(f->dumped);
	mon_frame_free(f);
	/* 0.03 / 0.25 = 0.12 s from the first start, not the period's 0.02. */
	assert_true(fx->sc.at[1] - fx->sc.at[0] >= 0.119);
	/* A cheap dump fits again: the period rules. */
	fx->sc.burn = 0;
	assert_int_equal(mon_sleep(m, &stop), 0);
	mon_frame_free(mon_snapshot(m));
	assert_int_equal(mon_sleep(m, &stop), 0);
	f = mon_snapshot(m);
	assert_false(f->budget_held);
	mon_frame_free(f);
}

/*
 * The budget is the whole process's: what the caller does between
 * snapshots (printing them) pushes the next dump back too, up to 4 times
 * what the dump alone would.
 */
static void test_budget_counts_the_process(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m;
	volatile sig_atomic_t stop = 0;

	double t;

	fx->max_cpu = 0.25;
	m = monitor_of(fx, 1, 0.02);
	fx->sc.burn = 0.02;
	mon_frame_free(mon_snapshot(m));
	burn(0.02);			/* 0.04 s since the dump began: 0.16 s of budget */
	assert_int_equal(mon_sleep(m, &stop), 0);
	mon_frame_free(mon_snapshot(m));
	assert_true(fx->sc.at[1] - fx->sc.at[0] >= 0.159);
	burn(0.5);			/* capped at 4 x 0.02: 0.32 s, not 2 s */
	t = mono_now();
	assert_int_equal(mon_sleep(m, &stop), 0);
	mon_frame_free(mon_snapshot(m));
	assert_true(fx->sc.at[2] - fx->sc.at[1] >= 0.319);
	assert_true(fx->sc.at[2] - t < 0.1 || fx->sc.at[2] - fx->sc.at[1] < 0.319 + 0.1);
}

/* Without a budget (0) the same dumps keep the period. */
static void test_no_budget_keeps_period(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m;
	volatile sig_atomic_t stop = 0;
	struct mon_frame *f;
	double cost0;

	fx->max_cpu = 0;
	m = monitor_of(fx, 1, 0.02);
	fx->sc.burn = 0.03;
	f = mon_snapshot(m);
	cost0 = f->cost;
	mon_frame_free(f);
	assert_int_equal(mon_sleep(m, &stop), 0);
	f = mon_snapshot(m);
	assert_false(f->budget_held);
	assert_true(f->next_dump < 0.001);
	assert_false(f->events);
	mon_frame_free(f);
	/* The dump overran its 0.02 s period: the next followed at once. */
	assert_true(fx->sc.at[1] - fx->sc.at[0] < cost0 + 0.05);
}

static void test_sleep_stops_on_flag(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 30);
	volatile sig_atomic_t stop = 1;
	double t;

	mon_frame_free(mon_snapshot(m));
	t = mono_now();
	errno = 0;
	assert_int_equal(mon_sleep(m, &stop), -1);
	assert_int_equal(errno, EINTR);
	assert_true(mono_now() - t < 1);
}

/* Frames from the collector own their flows: they outlive the monitor. */
static void test_collector_frames_are_owned(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 0.02);
	struct pollfd pfd;
	struct mon_frame *f = NULL;

	assert_int_equal(mon_start(m), 0);
	pfd.fd = mon_fd(m);
	pfd.events = POLLIN;
	for (int i = 0; i < 100 && !f; i++) {
		if (poll(&pfd, 1, 50) > 0)
			f = mon_take(m, NULL);
	}
	assert_non_null(f);
	assert_true(f->seq >= 1);
	mon_free(m);
	fx->m = NULL;
	assert_int_equal(f->nflows, 2);
	assert_non_null(find(f, FLOW_ACTIVE, 3306));
	assert_int_equal(find(f, FLOW_ACTIVE, 3306)->conns, 2);
	mon_frame_free(f);
}

/*
 * The screen's copy reuses the frame it replaces: the new frame gets the
 * spare's memory, the spare is left without flows.  A frame nobody takes
 * is copied by the collector before the table changes.
 */
static void test_take_reuses_spare(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 0.05);
	struct pollfd pfd;
	struct mon_frame *f = NULL, *g = NULL;
	const struct flow *mem;

	assert_int_equal(mon_start(m), 0);
	pfd.fd = mon_fd(m);
	pfd.events = POLLIN;
	for (int i = 0; i < 100 && !f; i++)
		if (poll(&pfd, 1, 50) > 0)
			f = mon_take(m, NULL);
	assert_non_null(f);
	assert_int_equal(f->nflows, 2);
	mem = f->flows;
	for (int i = 0; i < 100 && !g; i++)
		if (poll(&pfd, 1, 50) > 0)
			g = mon_take(m, f);
	assert_non_null(g);
	assert_true(g->seq > f->seq);
	assert_ptr_equal(g->flows, mem);
	assert_null(f->flows);
	assert_int_equal(f->nflows, 0);
	assert_int_equal(g->nflows, 2);
	assert_int_equal(find(g, FLOW_ACTIVE, 3306)->conns, 2);
	mon_frame_free(f);
	/* Left alone for several ticks, then taken: its flows are all there. */
	usleep(300 * 1000);
	f = mon_take(m, NULL);
	assert_non_null(f);
	assert_non_null(f->flows);
	assert_int_equal(f->nflows, 2);
	assert_int_equal(find(f, FLOW_ACTIVE, 3306)->conns, 2);
	mon_free(m);
	fx->m = NULL;
	mon_frame_free(f);
	mon_frame_free(g);
}

static void test_period_and_wake(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 60);
	struct pollfd pfd;
	struct mon_frame *f = NULL;

	assert_true(mon_period(m) == 60);
	assert_int_equal(mon_start(m), 0);
	pfd.fd = mon_fd(m);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	mon_frame_free(mon_take(m, NULL));
	/* The next is a minute away; a wake takes it now. */
	mon_set_period(m, 30);
	assert_true(mon_period(m) == 30);
	mon_wake(m);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	f = mon_take(m, NULL);
	assert_non_null(f);
	assert_int_equal(f->seq, 2);
	mon_frame_free(f);
	assert_null(mon_take(m, NULL));
}

static void test_watch_lists_connections(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 1);
	struct flow_key k;
	struct mon_frame *f = mon_snapshot(m);

	assert_int_equal(f->watching, 0);
	k = find(f, FLOW_ACTIVE, 3306)->key;
	mon_frame_free(f);
	mon_watch(m, &k);
	f = mon_snapshot(m);
	assert_int_equal(f->watching, 1);
	assert_int_equal(f->nconns, 2);
	assert_int_equal(f->conns_total, 2);
	assert_int_equal(f->conns[0].orig.sport, 40000);
	assert_int_equal(f->conns[1].orig.sport, 40001);
	assert_true(flow_key_equal(&f->watch, &k));
	mon_frame_free(f);
	mon_watch(m, NULL);
	f = mon_snapshot(m);
	assert_int_equal(f->watching, 0);
	assert_int_equal(f->nconns, 0);
	mon_frame_free(f);
}

static void test_server_ports_from_next_snapshot(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 1, 1);
	struct port_filter pf;
	struct mon_frame *f;
	char err[128];

	fx->sc.e[0] = tu_plain(IPPROTO_TCP, "10.0.0.1", 8443, "10.0.2.10", 45000, 1, 100, 1, 100);
	fx->sc.n = 1;
	f = mon_snapshot(m);
	assert_non_null(find(f, FLOW_ACTIVE, 45000));
	mon_frame_free(f);
	port_filter_init(&pf);
	assert_int_equal(port_filter_parse(&pf, "8443", err, sizeof err), 0);
	mon_set_server_ports(m, &pf);
	port_filter_fini(&pf);		/* copied */
	f = mon_snapshot(m);
	assert_non_null(find(f, FLOW_PASSIVE, 8443));
	mon_frame_free(f);
	mon_set_server_ports(m, NULL);
	f = mon_snapshot(m);
	assert_non_null(find(f, FLOW_ACTIVE, 45000));
	assert_int_equal(find(f, FLOW_ACTIVE, 45000)->idle, 0);
	mon_frame_free(f);
}

static void test_read_once_source_ends(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "tcp      6 117 ESTABLISHED src=10.0.0.1 dst=10.0.2.10 "
		"sport=40000 dport=3306 packets=3 bytes=300 src=10.0.2.10 dst=10.0.0.1 "
		"sport=3306 dport=40000 packets=2 bytes=200 [ASSURED] mark=0 use=1\nnot conntrack\n";
	struct mon_config mc;
	struct mon_frame *f;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(p[1]);
	memset(&mc, 0, sizeof mc);
	mc.src = ct_source_fd_once(p[0], "standard input");
	mc.host = &fx->host;
	mc.fo.protos = FLOW_PROTO_TCP;
	mc.fo.families = FLOW_FAM_V4;
	fx->m = mon_new(&mc);
	f = mon_snapshot(fx->m);
	assert_non_null(f);
	assert_int_equal(f->nflows, 1);
	assert_int_equal(ct_source_skipped(&f->input), 1);
	assert_int_equal(f->input.first_bad, 2);
	mon_frame_free(f);
	errno = 0;
	assert_null(mon_snapshot(fx->m));
	assert_int_equal(errno, ENODATA);
	close(p[0]);
}

/*
 * mon_delete_flows(): a dump of its own finds each chosen flow's entries,
 * classified as snapshots are; every one is asked once, and the answers
 * are counted per flow.
 */
static void test_delete_flows(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = deleting_monitor_of(fx, 0, 1);
	struct mon_frame *f;
	struct flow_key keys[3];
	struct mon_del per[3], total;
	size_t dumps;

	fx->sc.e[2].id = 7;
	fx->sc.e[2].flags |= CT_F_ID;
	f = mon_snapshot(m);
	assert_non_null(f);
	keys[0] = find(f, FLOW_PASSIVE, 80)->key;
	keys[1] = find(f, FLOW_ACTIVE, 3306)->key;
	keys[2] = keys[1];
	keys[2].port = 3307;		/* no such flow */
	mon_frame_free(f);
	/* The second of the 3306 flow's connections went away meanwhile. */
	fx->sc.del_answer[1] = ENOENT;
	dumps = fx->sc.dumps;
	assert_int_equal(mon_delete_flows(m, keys, 3, per, &total), 0);
	assert_int_equal(fx->sc.dumps, dumps + 1);
	assert_int_equal(fx->sc.ndel, 3);
	assert_int_equal(per[0].found, 1);
	assert_int_equal(per[0].deleted, 1);
	assert_int_equal(per[1].found, 2);
	assert_int_equal(per[1].deleted, 1);
	assert_int_equal(per[1].gone, 1);
	assert_int_equal(per[1].err, 0);	/* gone is not a failure */
	assert_int_equal(per[2].found, 0);
	assert_int_equal(total.found, 3);
	assert_int_equal(total.deleted, 2);
	assert_int_equal(total.gone, 1);
	assert_int_equal(total.refused + total.failed, 0);
	/* What is left: the one that was already gone. */
	assert_int_equal(fx->sc.n, 1);
	assert_int_equal(fx->sc.e[0].orig.sport, 40001);

	/* Refused: counted, with its errno; the entry stays. */
	fx->sc.del_answer[0] = EPERM;
	assert_int_equal(mon_delete_flows(m, &keys[1], 1, NULL, &total), 0);
	assert_int_equal(total.found, 1);
	assert_int_equal(total.refused, 1);
	assert_int_equal(total.deleted, 0);
	assert_int_equal(total.err, EPERM);
	assert_int_equal(fx->sc.n, 1);

	/* Nothing asked: no dump, no request. */
	dumps = fx->sc.dumps;
	assert_int_equal(mon_delete_flows(m, keys, 0, NULL, &total), 0);
	assert_int_equal(fx->sc.dumps, dumps);
	assert_int_equal(total.found, 0);
}

/* A source that cannot delete says so, and nothing is dumped for it. */
static void test_delete_needs_a_deleting_source(void **state)
{
	struct fixture *fx = *state;
	struct monitor *m = monitor_of(fx, 0, 1);
	struct mon_frame *f = mon_snapshot(m);
	struct flow_key k = find(f, FLOW_ACTIVE, 3306)->key;
	struct mon_del total;
	size_t dumps = fx->sc.dumps;

	mon_frame_free(f);
	assert_int_equal(mon_can_delete(m), 0);
	errno = 0;
	assert_int_equal(mon_delete_flows(m, &k, 1, NULL, &total), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(mon_delete(m, &k, NULL), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(fx->sc.dumps, dumps);
}

/* Waits for the collector's next frame and takes it. */
static struct mon_frame *next_frame(struct monitor *m)
{
	struct pollfd pfd = { .fd = mon_fd(m), .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 3000), 1);
	return mon_take(m, NULL);
}

/*
 * The screen's request: the collector deletes (a flow's entries, or one
 * connection), the frame after it no longer has them, and the result is
 * handed over once.
 */
static void test_delete_request(void **state)
{
	struct fixture *fx = *state;
	/* A period far longer than the test: only the request makes frames. */
	struct monitor *m = deleting_monitor_of(fx, 1, 60);
	struct mon_frame *f;
	struct mon_del d;
	struct flow_key k;
	struct ct_entry c;

	assert_int_equal(mon_can_delete(m), 1);
	assert_int_equal(mon_start(m), 0);
	f = next_frame(m);
	assert_non_null(f);
	assert_int_equal(find(f, FLOW_ACTIVE, 3306)->entries, 2);
	k = find(f, FLOW_ACTIVE, 3306)->key;
	mon_frame_free(f);
	assert_int_equal(mon_delete_done(m, &d), 0);

	assert_int_equal(mon_delete(m, &k, NULL), 0);
	f = next_frame(m);
	assert_non_null(f);
	assert_int_equal(mon_delete_done(m, &d), 1);
	assert_int_equal(d.found, 2);
	assert_int_equal(d.deleted, 2);
	assert_int_equal(d.gone + d.refused + d.failed, 0);
	/* Handed over once. */
	assert_int_equal(mon_delete_done(m, &d), 0);
	/* The frame after the deletion: the flow has no entries left. */
	assert_true(find(f, FLOW_ACTIVE, 3306) == NULL ||
		    find(f, FLOW_ACTIVE, 3306)->entries == 0);
	assert_int_equal(find(f, FLOW_PASSIVE, 80)->entries, 1);
	mon_frame_free(f);

	/* One connection, by its tuple and id; then again: already gone. */
	c = fx->sc.e[0];
	assert_int_equal(mon_delete(m, NULL, &c), 0);
	f = next_frame(m);
	assert_int_equal(mon_delete_done(m, &d), 1);
	assert_int_equal(d.found, 1);
	assert_int_equal(d.deleted, 1);
	assert_int_equal(find(f, FLOW_PASSIVE, 80)->entries, 0);
	mon_frame_free(f);
	assert_int_equal(mon_delete(m, NULL, &c), 0);
	f = next_frame(m);
	mon_frame_free(f);
	assert_int_equal(mon_delete_done(m, &d), 1);
	assert_int_equal(d.found, 1);
	assert_int_equal(d.gone, 1);
	assert_int_equal(d.deleted, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_deltas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_does_not_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun_is_followed_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_spaces_dumps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_counts_the_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_budget_keeps_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_stops_on_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collector_frames_are_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_reuses_spare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_period_and_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_lists_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_ports_from_next_snapshot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_once_source_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_needs_a_deleting_source, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_request, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
