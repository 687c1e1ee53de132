/*
 * ct_events.c - conntrack DESTROY events: the socket, its reader thread and
 * the queue the monitor drains.
 *
 * One NETLINK_NETFILTER socket joins NFNLGRP_CONNTRACK_DESTROY only (NEW and
 * UPDATE would cost a message per packet-state change for nothing the flow
 * layer needs).  Each event is one netlink message in an skb of its own;
 * the reader still walks every message of a datagram.  Parsed entries are
 * gathered in a small local batch and appended to the queue under the
 * mutex once per batch, so a burst takes the lock a few times, not once per
 * event.
 *
 * How loss is counted, from the kernel's netlink code (af_netlink.c, 4.x to
 * 6.x): a multicast message that finds the receive queue over sk_rcvbuf, or
 * the socket marked congested, is not queued, and netlink_overrun() adds
 * one to sk_drops for it, every time; only the first overrun of an episode
 * also sets the socket error (our one ENOBUFS), and the episode lasts until
 * a read empties the queue.  A failed copy of the message for this socket
 * is counted the same way, and nothing else is ever sent to this socket.
 * So SO_MEMINFO's SK_MEMINFO_DROPS is exactly the number of events lost to
 * overruns, and it is what we report; it is read at each ENOBUFS and at
 * each ct_events_stats(), since the kernel goes on counting after its one
 * error.  Not counted: an event the kernel could not even build (an atomic
 * allocation failure; ctnetlink then sets ENOBUFS on every listener through
 * nfnetlink_set_err() without touching sk_drops).  A drop count cannot be
 * split between such an error and an overrun whose drops were read already,
 * so guessing would over-count in a race; ENOBUFS reports are in overruns.
 * Without SO_MEMINFO (before 4.12) each ENOBUFS counts one lost event.
 *
 * We set neither NETLINK_BROADCAST_ERROR (reliable delivery: the kernel
 * would keep every undelivered dying entry until we read it) nor
 * NETLINK_NO_ENOBUFS (we want to hear about loss).
 *
 * The reader stops on a byte written to a pipe it polls beside the socket
 * (netlink sockets do not implement shutdown()).  After sandbox_enter()
 * the reader makes poll, recvfrom, getsockopt, futex, nanosleep and (at
 * its start) capset and rt_sigprocmask calls, ct_events_stats() a
 * getsockopt, ct_events_close() a write and close: all in sandbox.c's
 * lists for SANDBOX_NETLINK (getsockopt and recvfrom come with it).
 */
#include "ct_events.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "ct_source_netlink.h"
#include "priv.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Events are a few hundred bytes each; a datagram never comes near this. */
#define EV_BUFSIZE	(64 * 1024)
/* Entries parsed between two takings of the lock. */
#define EV_BATCH	64
/*
 * Each half of the queue starts with room for this many events (37 KiB)
 * and doubles when a drain's worth does not fit, up to CT_EVENTS_QUEUE_MAX:
 * a quiet host never pays for the room a busy one needs (a busy host's
 * drains, 5,000 destroys a second drained every 0.5 to 1 s, grow it to
 * 8192 entries, 1.1 MiB a half).
 */
#define EV_QUEUE_MIN	256
/* After a burst a half shrinks back to this (not below: a busy host's steady size). */
#define EV_QUEUE_KEEP	8192

struct ev_queue {
	struct ct_entry *e;
	size_t n, cap;
};

struct ct_events {
	int fd;
	int wake[2];		/* pipe: a byte in wake[0] stops the reader */
	pthread_t thread;
	int started;
	char *buf;		/* EV_BUFSIZE bytes, the reader's */

	pthread_mutex_t lock;	/* guards q and the counters below it */
	struct ev_queue q;	/* filled by the reader */
	uint64_t received, refused, overruns, bad_msgs;
	uint64_t drops;		/* SK_MEMINFO_DROPS since the open, widened to 64 bits */
	uint32_t drops_raw;	/* its 32-bit value when last read */
	uint64_t enobufs_lost;	/* without SO_MEMINFO: one per ENOBUFS */
	int meminfo_ok;		/* SO_MEMINFO works on this kernel */
	size_t rcvbuf;

	/* The drainer's own: the other half of the double buffer. */
	struct ev_queue spare;

	struct ct_entry batch[EV_BATCH];	/* the reader's, between two lockings */
};

/* ---- parsing ------------------------------------------------------------- */

int ct_events_parse(const void *msg, size_t len, struct ct_entry *out)
{
	struct nlmsghdr nlh;

	if (ct_nl_parse_msg(msg, len, out) < 0)
		return -1;
	/* ct_nl_parse_msg() checked the header: at least its size is there. */
	memcpy(&nlh, msg, sizeof nlh);
	out->flags |= CT_F_EVENT;
	if (NFNL_MSG_TYPE(nlh.nlmsg_type) == IPCTNL_MSG_CT_DELETE)
		out->flags |= CT_F_DESTROYED;
	return 0;
}

/* ---- socket -------------------------------------------------------------- */

/* SK_MEMINFO_DROPS of fd in *drops; -1 if the kernel cannot tell. */
static int read_drops(int fd, uint32_t *drops)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t sl = sizeof mi;

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &sl) < 0 ||
	    sl < (socklen_t)((SK_MEMINFO_DROPS + 1) * sizeof mi[0]))
		return -1;
	*drops = mi[SK_MEMINFO_DROPS];
	return 0;
}

struct ct_events *ct_events_open(size_t rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct ct_events *ev;
	int group = NFNLGRP_CONNTRACK_DESTROY, v, e;
	socklen_t sl = sizeof v;
	uint32_t drops;

	ev = calloc(1, sizeof *ev);
	if (!ev)
		return NULL;
	ev->fd = ev->wake[0] = ev->wake[1] = -1;
	ev->buf = malloc(EV_BUFSIZE);
	if (!ev->buf || pthread_mutex_init(&ev->lock, NULL) != 0) {
		free(ev->buf);
		free(ev);
		errno = ENOMEM;
		return NULL;
	}
	for (int h = 0; h < 2; h++) {
		struct ev_queue *q = h ? &ev->spare : &ev->q;

		q->e = malloc(EV_QUEUE_MIN * sizeof *q->e);
		if (!q->e)
			goto fail;
		q->cap = EV_QUEUE_MIN;
	}
	ev->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (ev->fd < 0 || bind(ev->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		goto fail;
	/* Joining a netfilter group is where CAP_NET_ADMIN is checked (EPERM). */
	if (setsockopt(ev->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
		goto fail;
	if (rcvbuf == 0)
		rcvbuf = CT_EVENTS_RCVBUF_DEFAULT;
	/* The kernel doubles what it is given (for its overhead): ask for half the cap at most. */
	v = rcvbuf > INT_MAX / 2 ? INT_MAX / 2 : (int)rcvbuf;
	/* FORCE passes rmem_max with CAP_NET_ADMIN; plain SO_RCVBUF is capped by it. */
	if (setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) < 0 &&
	    setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) < 0)
		goto fail;
	if (getsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &v, &sl) == 0 && v > 0)
		ev->rcvbuf = (size_t)v;
	if (read_drops(ev->fd, &drops) == 0) {
		ev->meminfo_ok = 1;
		ev->drops_raw = drops;
	}
	if (pipe2(ev->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	return ev;
fail:
	e = errno;
	ct_events_close(ev);
	errno = e;
	return NULL;
}

/* ---- the reader ---------------------------------------------------------- */

/* Reads the kernel's drop count into ev->drops (the lock held). */
static void update_drops(struct ct_events *ev)
{
	uint32_t d;

	if (ev->meminfo_ok && read_drops(ev->fd, &d) == 0) {
		/* A 32-bit counter: the difference is right across a wrap. */
		ev->drops += (uint32_t)(d - ev->drops_raw);
		ev->drops_raw = d;
	}
}

static void on_enobufs(struct ct_events *ev)
{
	pthread_mutex_lock(&ev->lock);
	ev->overruns++;
	if (ev->meminfo_ok)
		update_drops(ev);
	else
		ev->enobufs_lost++;
	pthread_mutex_unlock(&ev->lock);
}

/* Appends n entries; what does not fit under the cap (or in memory) is refused. */
static void queue_batch(struct ct_events *ev, const struct ct_entry *b, size_t n,
			uint64_t bad)
{
	struct ev_queue *q = &ev->q;
	size_t fit;

	pthread_mutex_lock(&ev->lock);
	ev->bad_msgs += bad;
	if (q->cap - q->n < n && q->cap < CT_EVENTS_QUEUE_MAX) {
		size_t cap = q->cap ? q->cap : EV_QUEUE_MIN;
		struct ct_entry *e;

		while (cap - q->n < n && cap < CT_EVENTS_QUEUE_MAX)
			cap *= 2;
		if (cap > CT_EVENTS_QUEUE_MAX)
			cap = CT_EVENTS_QUEUE_MAX;
		e = realloc(q->e, cap * sizeof *e);
		if (e) {
			q->e = e;
			q->cap = cap;
		}
	}
	fit = q->cap - q->n < n ? q->cap - q->n : n;
	if (fit)
		memcpy(q->e + q->n, b, fit * sizeof *b);
	q->n += fit;
	ev->received += fit;
	ev->refused += n - fit;
	pthread_mutex_unlock(&ev->lock);
}

/*
 * Reads up to EV_BATCH datagrams, or until the socket is empty.  Returns 1
 * if there may be more (the caller polls again, which also looks at the
 * stop pipe), 0 if the socket is empty, -1 if it is unusable.
 */
static int read_some(struct ct_events *ev)
{
	struct ct_entry *batch = ev->batch;
	size_t n = 0;
	uint64_t bad = 0;
	int more = 1;

	for (unsigned reads = 0; reads < EV_BATCH; reads++) {
		ssize_t r = recv(ev->fd, ev->buf, EV_BUFSIZE, MSG_TRUNC);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)ev->buf;
		size_t left;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				on_enobufs(ev);
				continue;
			}
			more = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
			break;
		}
		if ((size_t)r > EV_BUFSIZE) {
			/* Cut short (MSG_TRUNC gives the real size): never from ctnetlink. */
			bad++;
			continue;
		}
		for (left = (size_t)r; left >= NLMSG_HDRLEN; ) {
			size_t len = nlh->nlmsg_len;

			if (len < NLMSG_HDRLEN || len > left) {
				bad++;
				break;
			}
			/* NLMSG_NOOP, _ERROR, _DONE, _OVERRUN: not events, not errors. */
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
				if (ct_events_parse(nlh, len, &batch[n]) == 0)
					n++;
				else
					bad++;
				if (n == EV_BATCH) {
					queue_batch(ev, batch, n, bad);
					n = 0;
					bad = 0;
				}
			}
			if (NLMSG_ALIGN(len) >= left)
				break;
			left -= NLMSG_ALIGN(len);
			nlh = (const struct nlmsghdr *)(const void *)((const char *)nlh +
								   NLMSG_ALIGN(len));
		}
	}
	if (n || bad)
		queue_batch(ev, batch, n, bad);
	return more;
}

static void *reader(void *arg)
{
	struct ct_events *ev = arg;
	struct pollfd pf[2];

	/* Joining the group needed CAP_NET_ADMIN; reading does not (priv.h). */
	(void)priv_thread_drop();
	pf[0].fd = ev->fd;
	pf[0].events = POLLIN;
	pf[1].fd = ev->wake[0];
	pf[1].events = POLLIN;
	for (;;) {
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, -1) < 0) {
			/* EINTR, or ENOMEM: try again, without spinning on the latter. */
			if (errno != EINTR) {
				struct timespec ts = { 0, 10 * 1000 * 1000 };

				nanosleep(&ts, NULL);
			}
			continue;
		}
		if (pf[1].revents)
			break;
		/* An unusable socket (never seen): wait for the stop, do not spin. */
		if (pf[0].revents && read_some(ev) < 0)
			pf[0].fd = -1;
	}
	return NULL;
}

int ct_events_start(struct ct_events *ev)
{
	sigset_t all, old;
	int r;

	if (!ev || ev->started) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * The thread starts with every signal blocked (SIGINT/SIGTERM are the
	 * main loop's), except the ones a fault or the sandbox sends to the
	 * faulting thread itself.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&ev->thread, NULL, reader, ev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		errno = r;
		return -1;
	}
	ev->started = 1;
	return 0;
}

/* ---- the consumer's side ------------------------------------------------- */

size_t ct_events_drain(struct ct_events *ev, const struct ct_sink *sink)
{
	struct ev_queue t;
	size_t n;

	pthread_mutex_lock(&ev->lock);
	t = ev->q;
	ev->q = ev->spare;
	pthread_mutex_unlock(&ev->lock);
	for (size_t i = 0; i < t.n; i++)
		(void)sink->add(&t.e[i], sink->arg);
	n = t.n;
	t.n = 0;
	/*
	 * After a burst, give back what a quiet queue does not use (up to
	 * CT_EVENTS_QUEUE_MAX entries a half): back to EV_QUEUE_KEEP.
	 */
	if (t.cap > EV_QUEUE_KEEP && n < t.cap / 4) {
		struct ct_entry *e = realloc(t.e, EV_QUEUE_KEEP * sizeof *t.e);

		if (e) {
			t.e = e;
			t.cap = EV_QUEUE_KEEP;
		}
	}
	ev->spare = t;
	return n;
}

void ct_events_stats(struct ct_events *ev, struct ct_events_stats *st)
{
	pthread_mutex_lock(&ev->lock);
	update_drops(ev);
	st->received = ev->received;
	st->lost = ev->drops + ev->enobufs_lost + ev->refused;
	st->overruns = ev->overruns;
	st->bad_msgs = ev->bad_msgs;
	st->rcvbuf = ev->rcvbuf;
	st->queued = ev->q.n;
	pthread_mutex_unlock(&ev->lock);
}

void ct_events_close(struct ct_events *ev)
{
	if (!ev)
		return;
	if (ev->started) {
		char c = 1;
		ssize_t w;

		/* The pipe is empty and ours: one byte always fits. */
		w = write(ev->wake[1], &c, 1);
		(void)w;
		pthread_join(ev->thread, NULL);
	}
	if (ev->fd >= 0)
		close(ev->fd);
	if (ev->wake[0] >= 0)
		close(ev->wake[0]);
	if (ev->wake[1] >= 0)
		close(ev->wake[1]);
	pthread_mutex_destroy(&ev->lock);
	free(ev->q.e);
	free(ev->spare.e);
	free(ev->buf);
	free(ev);
}
