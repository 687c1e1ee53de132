/*
 * test_ct_events.c - DESTROY events without a kernel: the event parser on
 * hand-built messages, and the reader thread, queue, drain and loss
 * accounting fed through a fake socket.
 *
 * The fake: socket(AF_NETLINK, ...) below returns one end of a datagram
 * socket pair (the binary's definitions win over the C library's for
 * ct_events.c's calls), and the test writes event datagrams into the other
 * end.  recv() and getsockopt(SO_MEMINFO) can be told to report ENOBUFS and
 * a kernel drop count.  The same code against the real kernel (a real
 * subscription, a tiny receive buffer and a burst) is a root case of
 * tests/integration/live.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "ct.h"
#include "ct_events.h"
#include "ct_source_netlink.h"
#include "ctmsg.h"

/* ---- the fake socket ----------------------------------------------------- */

static struct {
	int fd;			/* ct_events.c's end, -1 when none */
	int peer;		/* the test's end */
	int join_errno;		/* NETLINK_ADD_MEMBERSHIP fails with this, 0 succeeds */
	int groups;		/* groups joined */
	int group;		/* the last one */
	int no_meminfo;		/* SO_MEMINFO fails */
	uint32_t drops;		/* what SO_MEMINFO reports as SK_MEMINFO_DROPS */
	int enobufs;		/* the next this many recv() fail with ENOBUFS */
	pthread_mutex_t lock;	/* the reader thread reads these */
} fake = { .fd = -1, .peer = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

int socket(int domain, int type, int protocol)
{
	int sv[2];

	if (domain != AF_NETLINK)
		return (int)syscall(SYS_socket, domain, type, protocol);
	assert_int_equal(protocol, NETLINK_NETFILTER);
	if (socketpair(AF_UNIX, SOCK_DGRAM | (type & (SOCK_CLOEXEC | SOCK_NONBLOCK)), 0, sv) < 0)
		return -1;
	fake.fd = sv[0];
	fake.peer = sv[1];
	fake.groups = 0;
	return sv[0];
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (fd == fake.fd && fd >= 0)
		return sa->sa_family == AF_NETLINK ? 0 : -1;
	return (int)syscall(SYS_bind, fd, sa, len);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (fd == fake.fd && fd >= 0 && level == SOL_NETLINK) {
		assert_int_equal(name, NETLINK_ADD_MEMBERSHIP);
		if (fake.join_errno) {
			errno = fake.join_errno;
			return -1;
		}
		memcpy(&fake.group, val, sizeof fake.group);
		fake.groups++;
		return 0;
	}
	/* Never reliable delivery, never silence about loss. */
	if (fd == fake.fd && fd >= 0)
		assert_int_equal(level, SOL_SOCKET);
	return (int)syscall(SYS_setsockopt, fd, level, name, val, len);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	if (fd == fake.fd && fd >= 0 && level == SOL_SOCKET && name == SO_MEMINFO) {
		uint32_t mi[SK_MEMINFO_VARS] = { 0 };

		pthread_mutex_lock(&fake.lock);
		mi[SK_MEMINFO_DROPS] = fake.drops;
		pthread_mutex_unlock(&fake.lock);
		if (fake.no_meminfo) {
			errno = ENOPROTOOPT;
			return -1;
		}
		if (*len > sizeof mi)
			*len = sizeof mi;
		memcpy(val, mi, *len);
		return 0;
	}
	return (int)syscall(SYS_getsockopt, fd, level, name, val, len);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (fd == fake.fd && fd >= 0) {
		int fail;

		pthread_mutex_lock(&fake.lock);
		fail = fake.enobufs > 0;
		if (fail)
			fake.enobufs--;
		pthread_mutex_unlock(&fake.lock);
		if (fail) {
			errno = ENOBUFS;
			return -1;
		}
	}
	return syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

static void fake_reset(void)
{
	fake.fd = fake.peer = -1;
	fake.join_errno = 0;
	fake.no_meminfo = 0;
	fake.drops = 0;
	fake.enobufs = 0;
	fake.groups = 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* A DESTROY event for connection i: v4 TCP, ports from i, id i. */
static struct mspec event_spec(unsigned i)
{
	struct mspec m = v4_tcp;

	m.delete = 1;
	m.id = i;
	m.orig.sport = (uint16_t)(1024 + i % 60000);
	m.reply.dport = m.orig.sport;
	m.tcp_state = CT_TCP_TIME_WAIT;
	return m;
}

/* Appends the event for i at buf + *len (buf holds cap bytes). */
static void put_event(char *buf, size_t *len, size_t cap, unsigned i)
{
	struct mspec m = event_spec(i);
	union msgbuf mb;
	struct nlmsghdr *nlh;

	/* libmnl leaves attribute padding as it was; the kernel's is zero. */
	memset(&mb, 0, sizeof mb);
	nlh = build_msg(mb.b, &m);
	assert_true(*len + NLMSG_ALIGN(nlh->nlmsg_len) <= cap);
	memset(buf + *len, 0, NLMSG_ALIGN(nlh->nlmsg_len));
	memcpy(buf + *len, nlh, nlh->nlmsg_len);
	*len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Sends events first..first+n-1, per messages to a datagram. */
static void send_events(unsigned first, unsigned n, unsigned per)
{
	static union { char b[60000]; struct nlmsghdr align; } dg;

	for (unsigned i = 0; i < n; ) {
		size_t len = 0;

		for (unsigned k = 0; k < per && i < n; k++, i++)
			put_event(dg.b, &len, sizeof dg.b, first + i);
		for (;;) {
			ssize_t w = send(fake.peer, dg.b, len, 0);

			if (w == (ssize_t)len)
				break;
			/* The pair's buffer is full until the reader catches up. */
			assert_true(w < 0 && (errno == EAGAIN || errno == ENOBUFS));
			usleep(1000);
		}
	}
}

/* Waits (5 s at most) until received + bad + lost reaches want. */
static void wait_for(struct ct_events *ev, uint64_t want, struct ct_events_stats *st)
{
	for (int t = 0; t < 5000; t++) {
		ct_events_stats(ev, st);
		if (st->received + st->bad_msgs + st->lost >= want)
			return;
		usleep(1000);
	}
	fail_msg("waited 5 s for %llu events: received %llu, lost %llu, bad %llu",
		 (unsigned long long)want, (unsigned long long)st->received,
		 (unsigned long long)st->lost, (unsigned long long)st->bad_msgs);
}

struct collect {
	struct ct_entry *e;
	size_t n, cap;
	unsigned calls;
};

static int collect_add(const struct ct_entry *e, void *arg)
{
	struct collect *c = arg;

	c->calls++;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->e = realloc(c->e, c->cap * sizeof *c->e);
		assert_non_null(c->e);
	}
	c->e[c->n++] = *e;
	/* The return value is ignored: the event is consumed either way. */
	return c->calls % 2 ? -1 : 0;
}

static struct ct_events *open_fake(void)
{
	struct ct_events *ev;

	fake_reset();
	ev = ct_events_open(0);
	assert_non_null(ev);
	assert_true(fake.fd >= 0);
	assert_int_equal(fake.groups, 1);
	assert_int_equal(fake.group, NFNLGRP_CONNTRACK_DESTROY);
	return ev;
}

/* ---- the parser ---------------------------------------------------------- */

static void assert_event(const struct ct_entry *e, const struct mspec *m)
{
	struct ct_addr a;

	assert_int_equal(e->family, m->family);
	assert_int_equal(e->proto, m->proto);
	assert_int_equal(ct_addr_parse(m->orig.src, strlen(m->orig.src), &a), m->family);
	assert_memory_equal(e->orig.src.b, a.b, sizeof a.b);
	assert_int_equal(ct_addr_parse(m->reply.src, strlen(m->reply.src), &a), m->family);
	assert_memory_equal(e->reply.src.b, a.b, sizeof a.b);
	assert_int_equal(e->orig.sport, m->orig.sport);
	/* ICMP: type and code in dport (ct.h). */
	assert_int_equal(e->orig.dport, ct_proto_is_icmp(m->proto) ?
			 CT_ICMP_TC(m->orig.icmp_type, 0) : m->orig.dport);
	assert_int_equal(e->zone, m->zone);
	assert_int_equal(e->id, m->id);
	assert_true(e->flags & CT_F_ID);
	assert_int_equal(!!(e->flags & CT_F_COUNTERS), m->counters != 0);
	if (m->counters) {
		assert_true(e->orig.packets == m->opk && e->orig.bytes == m->oby);
		assert_true(e->reply.packets == m->rpk && e->reply.bytes == m->rby);
	} else {
		assert_true(e->orig.packets == 0 && e->orig.bytes == 0);
		assert_true(e->reply.packets == 0 && e->reply.bytes == 0);
	}
	assert_int_equal(!!(e->flags & CT_F_TSTAMP), m->start_ns != 0);
	assert_true(e->start_ns == m->start_ns);
	assert_int_equal(!!(e->flags & CT_F_ZONE_ORIG), m->zone && (m->zone_dir & ZONE_DIR_ORIG));
	assert_int_equal(!!(e->flags & CT_F_ZONE_REPLY), m->zone && (m->zone_dir & ZONE_DIR_REPLY));
}

static void test_parse_delete(void **state)
{
	static const struct {
		int counters;
		uint64_t start, stop;
		uint16_t zone;
		unsigned dir;
	} cases[] = {
		{ 64, 0, 0, 0, 0 },
		{ 0, 0, 0, 0, 0 },
		{ 32, 0, 0, 7, 0 },
		{ 64, 1764474150000000001ull, 1764474155000000002ull, 0, 0 },
		{ 64, 1764474150000000001ull, 0, 12, ZONE_DIR_ORIG },
		{ 0, 0, 0, 13, ZONE_DIR_REPLY },
	};
	static const struct mspec *const bases[] = { &v4_tcp, &v6_udp, &v4_icmp };

	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
			struct mspec m = *bases[b];
			union msgbuf mb;
			struct nlmsghdr *nlh;
			struct ct_entry e, plain;

			m.delete = 1;
			m.counters = cases[c].counters;
			if (m.counters == 32)
				m.opk = 3, m.oby = 4000000000u, m.rpk = 2, m.rby = 99;
			else if (m.counters == 64)
				m.opk = 12, m.oby = 5000000000ull, m.rpk = 10, m.rby = 777;
			m.start_ns = cases[c].start;
			m.stop_ns = cases[c].stop;
			m.zone = cases[c].zone;
			m.zone_dir = cases[c].dir;
			if (m.proto == IPPROTO_ICMP)
				m.orig.sport = m.orig.dport = 0;
			nlh = build_msg(mb.b, &m);
			memset(&e, 0xa5, sizeof e);
			assert_int_equal(ct_events_parse(nlh, nlh->nlmsg_len, &e), 0);
			assert_event(&e, &m);
			assert_true(e.flags & CT_F_EVENT);
			assert_true(e.flags & CT_F_DESTROYED);
			/* The entry a dump would give, plus the two event flags. */
			assert_int_equal(ct_nl_parse_msg(nlh, nlh->nlmsg_len, &plain), 0);
			plain.flags |= CT_F_EVENT | CT_F_DESTROYED;
			assert_memory_equal(&e, &plain, sizeof e);
		}
	}
}

/* A NEW message is an event, but nothing was destroyed. */
static void test_parse_new_is_not_destroyed(void **state)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = build_msg(mb.b, &v4_tcp);
	struct ct_entry e;

	assert_int_equal(ct_events_parse(nlh, nlh->nlmsg_len, &e), 0);
	assert_true(e.flags & CT_F_EVENT);
	assert_false(e.flags & CT_F_DESTROYED);
}

/* Every cut of a DELETE is refused, and leaves the entry zeroed. */
static void test_parse_truncated(void **state)
{
	struct mspec m = event_spec(5);
	union msgbuf mb;
	struct nlmsghdr *nlh;
	const struct ct_entry zero = { 0 };

	m.start_ns = 77;
	m.zone = 3;
	m.zone_dir = ZONE_DIR_ORIG;
	nlh = build_msg(mb.b, &m);
	for (size_t cut = 0; cut < nlh->nlmsg_len; cut++) {
		char *copy = malloc(cut ? cut : 1);
		struct ct_entry e;

		assert_non_null(copy);
		memcpy(copy, nlh, cut);
		memset(&e, 0xa5, sizeof e);
		assert_int_equal(ct_events_parse(copy, cut, &e), -1);
		assert_memory_equal(&e, &zero, sizeof e);
		free(copy);
	}
	/* Not a conntrack message at all. */
	nlh->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(ct_events_parse(nlh, nlh->nlmsg_len, &(struct ct_entry){ 0 }), -1);
}

/* ---- the reader, the queue and the drain --------------------------------- */

static void test_open_errors(void **state)
{
	fake_reset();
	fake.join_errno = EPERM;
	errno = 0;
	assert_null(ct_events_open(0));
	assert_int_equal(errno, EPERM);
	/* Nothing leaks: the fake's descriptors are closed. */
	assert_int_equal(fcntl(fake.fd, F_GETFD), -1);
	close(fake.peer);
	ct_events_close(NULL);
}

/* Opened and closed without a start; stats of a fresh subscription. */
static void test_open_close_unstarted(void **state)
{
	struct ct_events *ev = open_fake();
	struct ct_events_stats st;
	struct collect c = { 0 };

	ct_events_stats(ev, &st);
	assert_true(st.received == 0 && st.lost == 0 && st.overruns == 0 && st.bad_msgs == 0);
	assert_int_equal(st.queued, 0);
	/* The kernel's size, doubled from what was asked (or the cap without FORCE). */
	assert_true(st.rcvbuf > 0);
	assert_int_equal(ct_events_drain(ev, &(struct ct_sink){ collect_add, NULL, &c }), 0);
	assert_int_equal(c.calls, 0);
	ct_events_close(ev);
	close(fake.peer);
}

static void test_drain_order_and_empty(void **state)
{
	struct ct_events *ev = open_fake();
	struct ct_events_stats st;
	struct collect c = { 0 };
	const struct ct_sink sink = { collect_add, NULL, &c };

	assert_int_equal(ct_events_start(ev), 0);
	/* An empty queue: nothing handed over. */
	assert_int_equal(ct_events_drain(ev, &sink), 0);
	assert_int_equal(c.calls, 0);

	/* One message a datagram, then several in one. */
	send_events(0, 10, 1);
	send_events(10, 290, 7);
	wait_for(ev, 300, &st);
	assert_int_equal(st.received, 300);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.bad_msgs, 0);
	assert_int_equal(st.queued, 300);
	assert_int_equal(ct_events_drain(ev, &sink), 300);
	assert_int_equal(c.n, 300);
	for (unsigned i = 0; i < 300; i++) {
		struct mspec m = event_spec(i);

		assert_event(&c.e[i], &m);
		assert_int_equal(c.e[i].flags & (CT_F_EVENT | CT_F_DESTROYED),
				 CT_F_EVENT | CT_F_DESTROYED);
	}
	ct_events_stats(ev, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(ct_events_drain(ev, &sink), 0);

	/* Drains interleaved with arrivals: the next ones, in order, none twice. */
	c.n = 0;
	for (unsigned round = 0; round < 20; round++) {
		send_events(300 + round * 50, 50, 3);
		if (round % 3 == 0)
			(void)ct_events_drain(ev, &sink);
	}
	wait_for(ev, 1300, &st);
	(void)ct_events_drain(ev, &sink);
	assert_int_equal(c.n, 1000);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(c.e[i].id, 300 + i);
	ct_events_stats(ev, &st);
	assert_int_equal(st.received, 1300);
	assert_int_equal(st.lost, 0);
	ct_events_close(ev);
	close(fake.peer);
	free(c.e);
}

/* What is not a conntrack event is counted, not queued; control messages are skipped. */
static void test_bad_messages(void **state)
{
	struct ct_events *ev = open_fake();
	union { char b[4096]; struct nlmsghdr align; } dg;
	struct ct_events_stats st;
	struct collect c = { 0 };
	struct nlmsghdr *nlh;
	size_t len = 0;

	memset(dg.b, 0, sizeof dg.b);
	assert_int_equal(ct_events_start(ev), 0);
	/* A NOOP, an event, an expectation message, an event, a message cut short. */
	nlh = (struct nlmsghdr *)(void *)dg.b;
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = NLMSG_NOOP;
	len = NLMSG_HDRLEN;
	put_event(dg.b, &len, sizeof dg.b, 1);
	nlh = (struct nlmsghdr *)(void *)(dg.b + len);
	put_event(dg.b, &len, sizeof dg.b, 2);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_EXP_DELETE;
	put_event(dg.b, &len, sizeof dg.b, 3);
	nlh = (struct nlmsghdr *)(void *)(dg.b + len);
	put_event(dg.b, &len, sizeof dg.b, 4);
	nlh->nlmsg_len += 100;
	assert_int_equal(send(fake.peer, dg.b, len, 0), (ssize_t)len);
	wait_for(ev, 4, &st);
	assert_int_equal(st.received, 2);
	assert_int_equal(st.bad_msgs, 2);
	assert_int_equal(st.lost, 0);
	assert_int_equal(ct_events_drain(ev, &(struct ct_sink){ collect_add, NULL, &c }), 2);
	assert_int_equal(c.e[0].id, 1);
	assert_int_equal(c.e[1].id, 3);
	ct_events_close(ev);
	close(fake.peer);
	free(c.e);
}

/* Past CT_EVENTS_QUEUE_MAX undrained events, each further one is counted lost. */
static void test_queue_cap(void **state)
{
	struct ct_events *ev = open_fake();
	const unsigned more = 1000, total = CT_EVENTS_QUEUE_MAX + more;
	struct ct_events_stats st;
	struct collect c = { 0 };

	assert_int_equal(ct_events_start(ev), 0);
	send_events(0, total, 150);
	wait_for(ev, total, &st);
	assert_int_equal(st.received, CT_EVENTS_QUEUE_MAX);
	assert_int_equal(st.lost, more);
	assert_int_equal(st.queued, CT_EVENTS_QUEUE_MAX);
	assert_int_equal(st.overruns, 0);
	assert_int_equal(ct_events_drain(ev, &(struct ct_sink){ collect_add, NULL, &c }),
			 CT_EVENTS_QUEUE_MAX);
	/* The oldest were kept. */
	assert_int_equal(c.e[0].id, 0);
	assert_int_equal(c.e[CT_EVENTS_QUEUE_MAX - 1].id, CT_EVENTS_QUEUE_MAX - 1);
	/* Room again after the drain. */
	c.n = 0;
	send_events(total, 10, 10);
	wait_for(ev, total + 10, &st);
	assert_int_equal(st.received, CT_EVENTS_QUEUE_MAX + 10);
	assert_int_equal(st.lost, more);
	assert_int_equal(ct_events_drain(ev, &(struct ct_sink){ collect_add, NULL, &c }), 10);
	assert_int_equal(c.e[0].id, total);
	/* The big halves were given back; the queue still works. */
	c.n = 0;
	send_events(total + 10, 3000, 100);
	wait_for(ev, total + 3010, &st);
	assert_int_equal(ct_events_drain(ev, &(struct ct_sink){ collect_add, NULL, &c }), 3000);
	assert_int_equal(c.e[2999].id, total + 3009);
	ct_events_close(ev);
	close(fake.peer);
	free(c.e);
}

static void set_overrun(int enobufs, uint32_t drops)
{
	pthread_mutex_lock(&fake.lock);
	fake.enobufs = enobufs;
	fake.drops = drops;
	pthread_mutex_unlock(&fake.lock);
}

/*
 * ENOBUFS: the kernel's drop count since the open is what was lost, read at
 * the error and again at each stats call (the kernel goes on counting).
 */
static void test_overrun_accounting(void **state)
{
	struct ct_events *ev;
	struct ct_events_stats st;
	struct collect c = { 0 };

	fake_reset();
	fake.drops = 40;	/* before we subscribed: not ours */
	ev = ct_events_open(0);
	assert_non_null(ev);
	assert_int_equal(ct_events_start(ev), 0);

	/* An overrun that dropped 25 events, then one that arrived. */
	set_overrun(1, 65);
	send_events(0, 1, 1);
	wait_for(ev, 26, &st);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.overruns, 1);
	assert_int_equal(st.lost, 25);

	/* Drops the kernel counts after its ENOBUFS: seen by the next stats call. */
	set_overrun(0, 70);
	ct_events_stats(ev, &st);
	assert_int_equal(st.lost, 30);
	assert_int_equal(st.overruns, 1);

	/* A second overrun; the 32-bit counter wraps on the way. */
	set_overrun(1, 0xfffffff0u);
	send_events(1, 1, 1);
	wait_for(ev, 2 + 0xfffffff0u - 40, &st);
	assert_int_equal(st.overruns, 2);
	set_overrun(0, 5);
	ct_events_stats(ev, &st);
	assert_true(st.lost == 0xfffffff0ull - 40 + 21);
	assert_int_equal(st.received, 2);
	assert_int_equal(ct_events_drain(ev, &(struct ct_sink){ collect_add, NULL, &c }), 2);
	ct_events_close(ev);
	close(fake.peer);
	free(c.e);
}

/* A kernel without SO_MEMINFO: one lost per ENOBUFS. */
static void test_overrun_without_meminfo(void **state)
{
	struct ct_events *ev;
	struct ct_events_stats st;

	fake_reset();
	fake.no_meminfo = 1;
	ev = ct_events_open(0);
	assert_non_null(ev);
	assert_int_equal(ct_events_start(ev), 0);
	set_overrun(2, 500);
	send_events(0, 1, 1);
	wait_for(ev, 3, &st);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.overruns, 2);
	assert_int_equal(st.lost, 2);
	ct_events_close(ev);
	close(fake.peer);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* close() stops a reader waiting for events at once, and one in a burst. */
static void test_close_is_prompt(void **state)
{
	for (int busy = 0; busy < 2; busy++) {
		struct ct_events *ev = open_fake();
		double t;

		assert_int_equal(ct_events_start(ev), 0);
		/* A second start is refused. */
		assert_int_equal(ct_events_start(ev), -1);
		if (busy)
			send_events(0, 2000, 50);
		usleep(20000);
		t = now_s();
		ct_events_close(ev);
		assert_true(now_s() - t < 0.5);
		close(fake.peer);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_delete),
		cmocka_unit_test(test_parse_new_is_not_destroyed),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_close_unstarted),
		cmocka_unit_test(test_drain_order_and_empty),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_queue_cap),
		cmocka_unit_test(test_overrun_accounting),
		cmocka_unit_test(test_overrun_without_meminfo),
		cmocka_unit_test(test_close_is_prompt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
