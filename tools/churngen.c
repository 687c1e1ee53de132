/*
 * churngen.c - real short connections at a steady rate, with exact counts,
 * for the churn benchmark (bench/churn.sh): TCP connections of a known size
 * that close with FIN or with RST, and one-datagram UDP exchanges.
 *
 *   churngen serve -l ADDR -p PORT [-t THREADS] [-s SECONDS]
 *   churngen client -c SERVER -p PORT -L FIRST_SOURCE [-N SOURCES]
 *            [-r RATE] [-d SECONDS] [-t THREADS] [-u UDP_PCT] [-x RST_PCT]
 *            [-q REQUEST_BYTES] [-a ANSWER_BYTES] [-o OFFSET] [-T TIMEOUT_MS]
 *
 * serve listens on ADDR:PORT for TCP and UDP (each thread has its own
 * sockets, SO_REUSEPORT spreads the load).  A request starts with 8 bytes:
 * its own length and the length of the answer wanted (two 32-bit numbers,
 * network order), then filler.  TCP: the server reads the whole request,
 * writes the answer and closes (it sends the first FIN).  UDP: one datagram
 * in, one out.  It runs until SIGINT or SIGTERM (or SECONDS), then prints
 * its counts.
 *
 * client starts RATE exchanges a second (default 2000, spread over the
 * threads) for SECONDS (default 10): UDP_PCT percent (default 25) are UDP,
 * the rest TCP, of which RST_PCT percent (default 25) end with an RST
 * (SO_LINGER 0) once the answer is read, the others with a FIN after the
 * server's.  Each exchange has a source tuple of its own: source address
 * FIRST_SOURCE + k % SOURCES, port 20000 + k / SOURCES % 40000, k counting
 * up from OFFSET (one sequence for TCP, one for UDP), so no two exchanges
 * of a run share a conntrack entry (SOURCES x 40000 of each before the
 * first repeat; give the next run OFFSET = this run's "next_offset").  A
 * source the kernel refuses to bind (EADDRINUSE) is skipped and counted.
 * An exchange not done after TIMEOUT_MS (default 2000) is aborted.
 *
 * Both print one JSON line on stdout at the end; the client's:
 *
 *   {"mode":"client","threads":T,"rate":R,"seconds":S,"rate_reached":R',
 *    "tcp":{"opened":N,"fin":N,"rst":N,"failed":N,"timeouts":N,
 *           "bytes_sent":N,"bytes_received":N},
 *    "udp":{"opened":N,"answered":N,"lost":N,"failed":N,
 *           "bytes_sent":N,"bytes_received":N},
 *    "bind_skips":N,"slow":N,"max_ms":M,"max_in_flight":N,"next_offset":N}
 *
 * "opened" counts connect() calls that sent a SYN (TCP) and datagrams sent
 * (UDP): each made one conntrack entry.  fin + rst + failed + timeouts =
 * opened.  Bytes are the application's (payload).  "slow" counts exchanges
 * that took more than 100 ms, max_ms the longest.  rate_reached is opened
 * (both protocols) over the seconds spent starting them.
 *
 * Non-blocking sockets, one epoll loop per thread.  Exit status 0, 1 on a
 * failure, 2 usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_THREADS	16
#define HDR		8
#define MAX_MSG		65536	/* request and answer sizes */
#define PORT_FIRST	20000
#define PORT_COUNT	40000
#define MAX_IN_FLIGHT	32768	/* per client thread */
#define BURST		256	/* starts per loop turn at most, when behind */
#define SLOW_S		0.1

static volatile sig_atomic_t stop;
static char zeros[MAX_MSG];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* As many descriptors as allowed: thousands of exchanges are in flight. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static int parse_addr(const char *s, uint16_t port, union addr *a, socklen_t *len)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, &a->in.sin_addr) == 1) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		*len = sizeof a->in;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		*len = sizeof a->in6;
		return 0;
	}
	return -1;
}

/* a with n added to its last 32 bits, and port. */
static void addr_step(union addr *a, const union addr *base, uint32_t n, uint16_t port)
{
	uint32_t v;

	*a = *base;
	if (a->sa.sa_family == AF_INET) {
		a->in.sin_addr.s_addr = htonl(ntohl(base->in.sin_addr.s_addr) + n);
		a->in.sin_port = htons(port);
	} else {
		memcpy(&v, &a->in6.sin6_addr.s6_addr[12], 4);
		v = htonl(ntohl(v) + n);
		memcpy(&a->in6.sin6_addr.s6_addr[12], &v, 4);
		a->in6.sin6_port = htons(port);
	}
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *v > max ? -1 : 0;
}

/* ---------------------------------------------------------------------
 * serve
 */

struct serve_stats {
	uint64_t tcp_accepted, tcp_served, tcp_aborted, tcp_in, tcp_out;
	uint64_t udp_in_msgs, udp_out_msgs, udp_bad, udp_in, udp_out;
};

struct sconn {
	int fd;
	uint32_t got, need, answer, written;
	uint8_t hdr[HDR];
};

struct serve_thread {
	pthread_t tid;
	union addr addr;
	socklen_t alen;
	double until;
	int err;
	struct serve_stats st;
};

static int reuse_socket(const union addr *a, socklen_t alen, int type)
{
	int one = 1, fd = socket(a->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
	    bind(fd, &a->sa, alen) < 0 || (type == SOCK_STREAM && listen(fd, 4096) < 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void hdr_get(const uint8_t *h, uint32_t *len, uint32_t *answer)
{
	uint32_t v;

	memcpy(&v, h, 4);
	*len = ntohl(v);
	memcpy(&v, h + 4, 4);
	*answer = ntohl(v);
}

static void hdr_put(uint8_t *h, uint32_t len, uint32_t answer)
{
	uint32_t v = htonl(len);

	memcpy(h, &v, 4);
	v = htonl(answer);
	memcpy(h + 4, &v, 4);
}

static void sconn_end(int ep, struct sconn *c, struct serve_stats *st, int served)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (served)
		st->tcp_served++;
	else
		st->tcp_aborted++;
	free(c);
}

/* Reads what the connection has; writes the answer and closes once the request is in. */
static void sconn_read(int ep, struct sconn *c, struct serve_stats *st)
{
	static _Thread_local char buf[MAX_MSG];

	for (;;) {
		if (c->need && c->got >= c->need)
			break;
		ssize_t n = read(c->fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			sconn_end(ep, c, st, 0);
			return;
		}
		st->tcp_in += (uint64_t)n;
		for (ssize_t i = 0; i < n && c->got + i < HDR; i++)
			c->hdr[c->got + i] = (uint8_t)buf[i];
		c->got += (uint32_t)n;
		if (c->need == 0 && c->got >= HDR) {
			hdr_get(c->hdr, &c->need, &c->answer);
			if (c->need < HDR || c->need > MAX_MSG || c->answer > MAX_MSG) {
				sconn_end(ep, c, st, 0);
				return;
			}
		}
		if (c->need && c->got > c->need) {	/* more than asked: not ours */
			sconn_end(ep, c, st, 0);
			return;
		}
	}
	while (c->written < c->answer) {
		ssize_t n = write(c->fd, zeros, c->answer - c->written);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			return;
		}
		if (n < 0) {
			sconn_end(ep, c, st, 0);
			return;
		}
		st->tcp_out += (uint64_t)n;
		c->written += (uint32_t)n;
	}
	/* The whole request was read, so close() sends a FIN, not an RST. */
	sconn_end(ep, c, st, 1);
}

static void *serve_thread(void *arg)
{
	struct serve_thread *t = arg;
	static _Thread_local char buf[MAX_MSG];
	struct epoll_event evs[256], ev;
	int ep, lfd, ufd;

	ep = epoll_create1(EPOLL_CLOEXEC);
	lfd = reuse_socket(&t->addr, t->alen, SOCK_STREAM);
	ufd = reuse_socket(&t->addr, t->alen, SOCK_DGRAM);
	if (ep < 0 || lfd < 0 || ufd < 0) {
		t->err = errno;
		stop = 1;
		return NULL;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.ptr = &ufd;
	epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &ev);
	while (!stop && (t->until == 0 || now() < t->until)) {
		int n = epoll_wait(ep, evs, 256, 100);

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &lfd) {
				for (;;) {
					int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					struct sconn *c;

					if (fd < 0)
						break;
					t->st.tcp_accepted++;
					c = calloc(1, sizeof *c);
					if (!c) {
						close(fd);
						t->st.tcp_aborted++;
						continue;
					}
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					sconn_read(ep, c, &t->st);
				}
			} else if (p == &ufd) {
				for (;;) {
					union addr from;
					socklen_t fl = sizeof from;
					ssize_t m = recvfrom(ufd, buf, sizeof buf, 0, &from.sa, &fl);
					uint32_t len, answer;

					if (m < 0)
						break;
					t->st.udp_in_msgs++;
					t->st.udp_in += (uint64_t)m;
					if (m < HDR) {
						t->st.udp_bad++;
						continue;
					}
					hdr_get((uint8_t *)buf, &len, &answer);
					if (len != (uint32_t)m || answer > MAX_MSG) {
						t->st.udp_bad++;
						continue;
					}
					m = sendto(ufd, zeros, answer, 0, &from.sa, fl);
					if (m >= 0) {
						t->st.udp_out_msgs++;
						t->st.udp_out += (uint64_t)m;
					}
				}
			} else {
				sconn_read(ep, p, &t->st);
			}
		}
	}
	close(lfd);
	close(ufd);
	close(ep);
	return NULL;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: churngen serve -l ADDR -p PORT [-t THREADS] [-s SECONDS]\n"
		"       churngen client -c SERVER -p PORT -L FIRST_SOURCE [-N SOURCES] [-r RATE]\n"
		"                [-d SECONDS] [-t THREADS] [-u UDP_PCT] [-x RST_PCT] [-q REQUEST_BYTES]\n"
		"                [-a ANSWER_BYTES] [-o OFFSET] [-T TIMEOUT_MS]\n");
	return 2;
}

static int run_serve(int argc, char **argv)
{
	struct serve_thread th[MAX_THREADS];
	struct serve_stats s = { 0 };
	const char *addr = NULL;
	unsigned long port = 0, threads = 2, v;
	double secs = 0, t0;
	int opt, err = 0;

	while ((opt = getopt(argc, argv, "l:p:t:s:")) != -1) {
		switch (opt) {
		case 'l': addr = optarg; break;
		case 'p': if (parse_uint(optarg, 65535, &port) < 0) return usage(); break;
		case 't': if (parse_uint(optarg, MAX_THREADS, &threads) < 0) return usage(); break;
		case 's': if (parse_uint(optarg, 1u << 30, &v) < 0) return usage(); secs = (double)v; break;
		default: return usage();
		}
	}
	if (optind != argc || !addr || port == 0 || threads == 0)
		return usage();
	memset(th, 0, sizeof th);
	t0 = now();
	for (unsigned long i = 0; i < threads; i++) {
		if (parse_addr(addr, (uint16_t)port, &th[i].addr, &th[i].alen) < 0)
			return usage();
		th[i].until = secs > 0 ? t0 + secs : 0;
		if (pthread_create(&th[i].tid, NULL, serve_thread, &th[i]) != 0) {
			perror("churngen: pthread_create");
			return 1;
		}
	}
	fprintf(stderr, "churngen: serving on %s port %lu\n", addr, port);
	for (unsigned long i = 0; i < threads; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].err)
			err = th[i].err;
		s.tcp_accepted += th[i].st.tcp_accepted;
		s.tcp_served += th[i].st.tcp_served;
		s.tcp_aborted += th[i].st.tcp_aborted;
		s.tcp_in += th[i].st.tcp_in;
		s.tcp_out += th[i].st.tcp_out;
		s.udp_in_msgs += th[i].st.udp_in_msgs;
		s.udp_out_msgs += th[i].st.udp_out_msgs;
		s.udp_bad += th[i].st.udp_bad;
		s.udp_in += th[i].st.udp_in;
		s.udp_out += th[i].st.udp_out;
	}
	if (err) {
		fprintf(stderr, "churngen: serve on %s port %lu: %s\n", addr, port, strerror(err));
		return 1;
	}
	printf("{\"mode\":\"serve\",\"seconds\":%.3f,"
	       "\"tcp\":{\"accepted\":%" PRIu64 ",\"served\":%" PRIu64 ",\"aborted\":%" PRIu64
	       ",\"bytes_received\":%" PRIu64 ",\"bytes_sent\":%" PRIu64 "},"
	       "\"udp\":{\"received\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"bad\":%" PRIu64
	       ",\"bytes_received\":%" PRIu64 ",\"bytes_sent\":%" PRIu64 "}}\n",
	       now() - t0, s.tcp_accepted, s.tcp_served, s.tcp_aborted, s.tcp_in, s.tcp_out,
	       s.udp_in_msgs, s.udp_out_msgs, s.udp_bad, s.udp_in, s.udp_out);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------------
 * client
 */

enum cstate { C_CONNECTING, C_READING, C_UDP };

struct cconn {
	int fd;
	uint8_t state, rst;
	uint32_t sent, got;
	double t0;
	struct cconn *prev, *next;	/* in start order: the oldest times out first */
};

struct client_stats {
	uint64_t tcp_opened, tcp_fin, tcp_rst, tcp_failed, tcp_timeouts, tcp_out, tcp_in;
	uint64_t udp_opened, udp_answered, udp_lost, udp_failed, udp_out, udp_in;
	uint64_t bind_skips, slow, max_in_flight;
	double max_s;
};

struct client_cfg {
	union addr server, source;
	socklen_t alen;
	uint32_t sources, request, answer;
	unsigned udp_pct, rst_pct, threads;
	double rate, secs, timeout;
};

static atomic_uint_fast64_t tcp_next, udp_next;

struct client_thread {
	pthread_t tid;
	const struct client_cfg *cfg;
	unsigned index;
	double t0, started_until;
	int err;
	struct client_stats st;
	struct cconn *head, *tail;
	uint64_t in_flight;
	int ep;
};

static void list_add(struct client_thread *t, struct cconn *c)
{
	c->next = NULL;
	c->prev = t->tail;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
	t->in_flight++;
	if (t->in_flight > t->st.max_in_flight)
		t->st.max_in_flight = t->in_flight;
}

enum cend { E_FIN, E_RST, E_FAILED, E_TIMEOUT, E_ANSWERED, E_LOST, E_UFAILED };

static void cconn_end(struct client_thread *t, struct cconn *c, enum cend how)
{
	double took = now() - c->t0;

	if (how == E_RST || how == E_TIMEOUT || how == E_FAILED) {
		/* SO_LINGER 0: close() resets an established connection. */
		struct linger lg = { 1, 0 };

		if (c->state != C_UDP)
			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(c->fd);	/* also leaves the epoll set */
	switch (how) {
	case E_FIN: t->st.tcp_fin++; break;
	case E_RST: t->st.tcp_rst++; break;
	case E_FAILED: t->st.tcp_failed++; break;
	case E_TIMEOUT: c->state == C_UDP ? t->st.udp_lost++ : t->st.tcp_timeouts++; break;
	case E_ANSWERED: t->st.udp_answered++; break;
	case E_LOST: t->st.udp_lost++; break;
	case E_UFAILED: t->st.udp_failed++; break;
	}
	if (took > SLOW_S)
		t->st.slow++;
	if (took > t->st.max_s)
		t->st.max_s = took;
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	t->in_flight--;
	free(c);
}

/* A socket bound to the k-th source tuple; -1 (errno EADDRINUSE: try the next k). */
static int bound_socket(const struct client_cfg *cfg, int type, uint64_t k)
{
	union addr src;
	int fd = socket(cfg->server.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	addr_step(&src, &cfg->source, (uint32_t)(k % cfg->sources),
		  (uint16_t)(PORT_FIRST + k / cfg->sources % PORT_COUNT));
	if (bind(fd, &src.sa, cfg->alen) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void request_fill(uint8_t *buf, uint32_t len, uint32_t answer)
{
	memset(buf, 0, len);
	hdr_put(buf, len, answer);
}

/* Writes the rest of the request; -1 on a failure. */
static int cconn_send(struct client_thread *t, struct cconn *c)
{
	static _Thread_local uint8_t req[MAX_MSG];
	const struct client_cfg *cfg = t->cfg;

	if (c->sent == 0)
		request_fill(req, cfg->request, cfg->answer);
	while (c->sent < cfg->request) {
		ssize_t n = send(c->fd, req + c->sent, cfg->request - c->sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		c->sent += (uint32_t)n;
		if (c->state == C_UDP)
			t->st.udp_out += (uint64_t)n;
		else
			t->st.tcp_out += (uint64_t)n;
		if (c->state == C_UDP)
			break;
	}
	return 0;
}

static void start_one(struct client_thread *t, uint64_t j)
{
	const struct client_cfg *cfg = t->cfg;
	int udp = (j * 37 % 100) < cfg->udp_pct;
	struct epoll_event ev;
	struct cconn *c;
	uint64_t k;
	int fd;

	for (;;) {
		k = atomic_fetch_add(udp ? &udp_next : &tcp_next, 1);
		fd = bound_socket(cfg, udp ? SOCK_DGRAM : SOCK_STREAM, k);
		if (fd >= 0)
			break;
		if (errno != EADDRINUSE) {
			t->err = errno;
			return;
		}
		t->st.bind_skips++;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		t->err = ENOMEM;
		return;
	}
	c->fd = fd;
	c->t0 = now();
	if (udp) {
		c->state = C_UDP;
		if (connect(fd, &cfg->server.sa, cfg->alen) < 0 || cconn_send(t, c) < 0 ||
		    c->sent != cfg->request) {
			/* Nothing went out: no conntrack entry, not opened. */
			t->st.udp_failed++;
			close(fd);
			free(c);
			return;
		}
		t->st.udp_opened++;
		ev.events = EPOLLIN;
	} else {
		uint64_t m = t->st.tcp_opened;
		int one = 1;

		c->state = C_CONNECTING;
		c->rst = (m * 53 % 100) < cfg->rst_pct;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, &cfg->server.sa, cfg->alen) < 0 && errno != EINPROGRESS) {
			t->st.tcp_failed++;	/* no SYN went out */
			close(fd);
			free(c);
			return;
		}
		t->st.tcp_opened++;
		ev.events = EPOLLOUT;
	}
	ev.data.ptr = c;
	list_add(t, c);
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		cconn_end(t, c, udp ? E_UFAILED : E_FAILED);
}

static void cconn_io(struct client_thread *t, struct cconn *c, uint32_t events)
{
	static _Thread_local char buf[MAX_MSG];
	const struct client_cfg *cfg = t->cfg;

	if (c->state == C_UDP) {
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			cconn_end(t, c, E_UFAILED);
			return;
		}
		t->st.udp_in += (uint64_t)n;
		cconn_end(t, c, (uint32_t)n == cfg->answer ? E_ANSWERED : E_UFAILED);
		return;
	}
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err ||
		    (events & (EPOLLERR | EPOLLHUP)) || cconn_send(t, c) < 0) {
			cconn_end(t, c, E_FAILED);
			return;
		}
		if (c->sent < cfg->request)
			return;	/* EPOLLOUT again for the rest */
		c->state = C_READING;
		epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			cconn_end(t, c, E_FAILED);
			return;
		}
		if (n == 0) {
			/* The server's FIN. */
			if (c->got != cfg->answer)
				cconn_end(t, c, E_FAILED);
			else
				cconn_end(t, c, c->rst ? E_RST : E_FIN);
			return;
		}
		t->st.tcp_in += (uint64_t)n;
		c->got += (uint32_t)n;
		if (c->got > cfg->answer) {
			cconn_end(t, c, E_FAILED);
			return;
		}
		if (c->got == cfg->answer && c->rst) {
			cconn_end(t, c, E_RST);
			return;
		}
	}
}

static void *client_thread(void *arg)
{
	struct client_thread *t = arg;
	const struct client_cfg *cfg = t->cfg;
	double rate = cfg->rate / cfg->threads, end = t->t0 + cfg->secs;
	struct epoll_event evs[512];
	uint64_t started = 0;
	int starting = 1;

	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0) {
		t->err = errno;
		return NULL;
	}
	while (!t->err) {
		double tn = now();
		int wait_ms = 1, n;

		if (starting && (stop || tn >= end)) {
			starting = 0;
			t->started_until = tn < end ? tn : end;
		}
		if (starting) {
			uint64_t target = (uint64_t)((tn - t->t0) * rate);
			unsigned burst = 0;

			while (started < target && burst < BURST && t->in_flight < MAX_IN_FLIGHT &&
			       !t->err) {
				/* Thread i takes every threads-th number of one sequence. */
				start_one(t, started * cfg->threads + t->index);
				started++;
				burst++;
			}
			if (started < target)
				wait_ms = 0;
		} else if (!t->head) {
			break;
		}
		n = epoll_wait(t->ep, evs, 512, wait_ms);
		for (int i = 0; i < n; i++)
			cconn_io(t, evs[i].data.ptr, evs[i].events);
		tn = now();
		while (t->head && tn - t->head->t0 > cfg->timeout)
			cconn_end(t, t->head, E_TIMEOUT);
	}
	close(t->ep);
	return NULL;
}

static int run_client(int argc, char **argv)
{
	struct client_thread th[MAX_THREADS];
	struct client_cfg cfg;
	struct client_stats s = { 0 };
	const char *server = NULL, *source = NULL;
	unsigned long port = 0, threads = 2, sources = 1, udp_pct = 25, rst_pct = 25;
	unsigned long request = 100, answer = 1000, timeout_ms = 2000;
	unsigned long long offset = 0;
	double rate = 2000, secs = 10, t0, spent = 0;
	socklen_t l2;
	union addr src;
	int opt, err = 0;
	char *end;

	while ((opt = getopt(argc, argv, "c:p:L:N:r:d:t:u:x:q:a:o:T:")) != -1) {
		switch (opt) {
		case 'c': server = optarg; break;
		case 'L': source = optarg; break;
		case 'p': if (parse_uint(optarg, 65535, &port) < 0) return usage(); break;
		case 'N': if (parse_uint(optarg, 1u << 20, &sources) < 0) return usage(); break;
		case 'r': rate = strtod(optarg, &end); if (*end || rate <= 0) return usage(); break;
		case 'd': secs = strtod(optarg, &end); if (*end || secs <= 0) return usage(); break;
		case 't': if (parse_uint(optarg, MAX_THREADS, &threads) < 0) return usage(); break;
		case 'u': if (parse_uint(optarg, 100, &udp_pct) < 0) return usage(); break;
		case 'x': if (parse_uint(optarg, 100, &rst_pct) < 0) return usage(); break;
		case 'q': if (parse_uint(optarg, MAX_MSG, &request) < 0) return usage(); break;
		case 'a': if (parse_uint(optarg, MAX_MSG, &answer) < 0) return usage(); break;
		case 'T': if (parse_uint(optarg, 600000, &timeout_ms) < 0) return usage(); break;
		case 'o':
			errno = 0;
			offset = strtoull(optarg, &end, 10);
			if (errno || *end)
				return usage();
			break;
		default: return usage();
		}
	}
	if (optind != argc || !server || !source || port == 0 || threads == 0 || sources == 0 ||
	    request < HDR || timeout_ms == 0)
		return usage();
	memset(&cfg, 0, sizeof cfg);
	if (parse_addr(server, (uint16_t)port, &cfg.server, &cfg.alen) < 0 ||
	    parse_addr(source, 0, &src, &l2) < 0 || src.sa.sa_family != cfg.server.sa.sa_family) {
		fprintf(stderr, "churngen: SERVER and FIRST_SOURCE must be addresses of one family\n");
		return 2;
	}
	cfg.source = src;
	cfg.sources = (uint32_t)sources;
	cfg.request = (uint32_t)request;
	cfg.answer = (uint32_t)answer;
	cfg.udp_pct = (unsigned)udp_pct;
	cfg.rst_pct = (unsigned)rst_pct;
	cfg.threads = (unsigned)threads;
	cfg.rate = rate;
	cfg.secs = secs;
	cfg.timeout = (double)timeout_ms / 1000;
	atomic_store(&tcp_next, offset);
	atomic_store(&udp_next, offset);
	raise_nofile();

	memset(th, 0, sizeof th);
	t0 = now();
	for (unsigned i = 0; i < threads; i++) {
		th[i].cfg = &cfg;
		th[i].index = i;
		th[i].t0 = t0;
		if (pthread_create(&th[i].tid, NULL, client_thread, &th[i]) != 0) {
			perror("churngen: pthread_create");
			return 1;
		}
	}
	for (unsigned i = 0; i < threads; i++) {
		const struct client_stats *q = &th[i].st;

		pthread_join(th[i].tid, NULL);
		if (th[i].err)
			err = th[i].err;
		s.tcp_opened += q->tcp_opened;
		s.tcp_fin += q->tcp_fin;
		s.tcp_rst += q->tcp_rst;
		s.tcp_failed += q->tcp_failed;
		s.tcp_timeouts += q->tcp_timeouts;
		s.tcp_out += q->tcp_out;
		s.tcp_in += q->tcp_in;
		s.udp_opened += q->udp_opened;
		s.udp_answered += q->udp_answered;
		s.udp_lost += q->udp_lost;
		s.udp_failed += q->udp_failed;
		s.udp_out += q->udp_out;
		s.udp_in += q->udp_in;
		s.bind_skips += q->bind_skips;
		s.slow += q->slow;
		s.max_in_flight += q->max_in_flight;
		if (q->max_s > s.max_s)
			s.max_s = q->max_s;
		if (th[i].started_until - t0 > spent)
			spent = th[i].started_until - t0;
	}
	if (err)
		fprintf(stderr, "churngen: %s\n", strerror(err));
	printf("{\"mode\":\"client\",\"threads\":%lu,\"rate\":%.0f,\"seconds\":%.3f,"
	       "\"rate_reached\":%.1f,"
	       "\"tcp\":{\"opened\":%" PRIu64 ",\"fin\":%" PRIu64 ",\"rst\":%" PRIu64
	       ",\"failed\":%" PRIu64 ",\"timeouts\":%" PRIu64 ",\"bytes_sent\":%" PRIu64
	       ",\"bytes_received\":%" PRIu64 "},"
	       "\"udp\":{\"opened\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"lost\":%" PRIu64
	       ",\"failed\":%" PRIu64 ",\"bytes_sent\":%" PRIu64 ",\"bytes_received\":%" PRIu64 "},"
	       "\"bind_skips\":%" PRIu64 ",\"slow\":%" PRIu64 ",\"max_ms\":%.1f,"
	       "\"max_in_flight\":%" PRIu64 ",\"next_offset\":%" PRIu64 "}\n",
	       threads, rate, spent,
	       spent > 0 ? (double)(s.tcp_opened + s.udp_opened) / spent : 0.0,
	       s.tcp_opened, s.tcp_fin, s.tcp_rst, s.tcp_failed, s.tcp_timeouts, s.tcp_out,
	       s.tcp_in, s.udp_opened, s.udp_answered, s.udp_lost, s.udp_failed, s.udp_out,
	       s.udp_in, s.bind_skips, s.slow, s.max_s * 1000, s.max_in_flight,
	       (uint64_t)(atomic_load(&tcp_next) > atomic_load(&udp_next) ?
			  atomic_load(&tcp_next) : atomic_load(&udp_next)));
	if (fflush(stdout) != 0)
		return 1;
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	signals();
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return run_serve(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "client") == 0)
		return run_client(argc - 1, argv + 1);
	return usage();
}
