/*
 * http.c - the /metrics server: one thread, poll(), fixed buffers, shared
 * bodies.  The contract and the limits are in http.h.
 */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "util.h"

#define ACCEPT_BATCH 16		/* new connections per loop turn */
#define LINGER_MS 1000		/* draining a request we refused, before close */
#define LINGER_BYTES (256 * 1024)
#define EMFILE_PAUSE_MS 100	/* out of descriptors: accept again after this */

static const char type_text[] = "text/plain; version=0.0.4; charset=utf-8";
static const char type_om[] =
	"application/openmetrics-text; version=1.0.0; charset=utf-8";
static const char type_plain[] = "text/plain; charset=utf-8";

/* A published exposition, shared by every response that uses it. */
struct http_body {
	unsigned refs;		/* atomic */
	size_t len;
	char *data;		/* owned */
};

enum conn_state {
	C_FREE = 0,
	C_READ,		/* waiting for (the rest of) a request head */
	C_WRITE,	/* sending a response */
	C_LINGER,	/* response sent, write side shut: reading what is left, then close */
};

struct conn {
	int fd;
	enum conn_state state;
	int idle;		/* C_READ with no byte of the next request yet */
	int close_after;	/* close once this response is out */
	unsigned served;	/* requests on this connection */
	uint64_t seq;		/* accept order: the oldest reader goes first when full */
	int64_t deadline;	/* monotonic ms */
	size_t have;		/* bytes in buf */
	size_t drained;		/* C_LINGER: bytes thrown away */
	char buf[HTTP_HEAD_MAX];
	char head[384];		/* the response's status line and headers */
	size_t head_len;
	const char *body;	/* ref's data, or a static text */
	size_t body_len;
	struct http_body *ref;	/* a reference held, or NULL */
	size_t sent;		/* of head_len + body_len */
};

struct http_server {
	int lfd;
	int wake[2];		/* http_free() writes a byte: the thread stops */
	unsigned port;
	struct http_limits lim;
	pthread_t thread;
	int started;
	pthread_mutex_t lock;	/* text and om only */
	struct http_body *text, *om;
	struct conn *conns;	/* lim.max_conns */
	struct pollfd *pfd;	/* lim.max_conns + 2 */
	unsigned nconns;	/* not C_FREE */
	uint64_t seq;
	int64_t accept_pause;	/* until then, no accept (EMFILE) */
};

void http_limits_default(struct http_limits *l)
{
	*l = (struct http_limits){ .max_conns = 64, .max_requests = 100, .header_ms = 5000,
				   .idle_ms = 30000, .write_ms = 10000 };
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct http_body *body_new(char *data, size_t len)
{
	struct http_body *b;

	if (!data)
		return NULL;
	b = xmalloc(sizeof *b);
	b->refs = 1;
	b->data = data;
	b->len = len;
	return b;
}

static void body_unref(struct http_body *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(b->data);
		free(b);
	}
}

struct http_server *http_open(const char *spec, const struct http_limits *limits, char *err,
			      size_t errlen)
{
	struct sockaddr_storage sa;
	struct http_server *s;
	socklen_t salen;
	char why[200];
	int fd, one = 1, e;

	if (http_listen_parse(spec, limits != NULL, &sa, &salen, why, sizeof why) < 0) {
		snprintf(err, errlen, "invalid value for --listen: %s", why);
		errno = EINVAL;
		return NULL;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(e));
		errno = e;
		return NULL;
	}
	/* A restart must not wait for the last run's TIME_WAIT connections. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, SOMAXCONN) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(e));
		errno = e;
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->lfd = fd;
	s->wake[0] = s->wake[1] = -1;
	if (limits)
		s->lim = *limits;
	else
		http_limits_default(&s->lim);
	if (!s->lim.max_conns)
		s->lim.max_conns = 1;
	if (!s->lim.max_requests)
		s->lim.max_requests = 1;
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
		s->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
					       : ((struct sockaddr_in *)&sa)->sin_port);
	pthread_mutex_init(&s->lock, NULL);
	s->conns = xcalloc(s->lim.max_conns, sizeof *s->conns);
	for (unsigned i = 0; i < s->lim.max_conns; i++)
		s->conns[i].fd = -1;
	s->pfd = xcalloc(s->lim.max_conns + 2, sizeof *s->pfd);
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot create a pipe: %s", strerror(e));
		http_free(s);
		errno = e;
		return NULL;
	}
	return s;
}

unsigned http_port(const struct http_server *s)
{
	return s->port;
}

void http_publish(struct http_server *s, char *text, size_t text_len, char *openmetrics,
		  size_t om_len)
{
	struct http_body *t = body_new(text, text_len), *o = body_new(openmetrics, om_len);
	struct http_body *old_t, *old_o;

	pthread_mutex_lock(&s->lock);
	old_t = s->text;
	old_o = s->om;
	s->text = t;
	s->om = o;
	pthread_mutex_unlock(&s->lock);
	/* Responses still sending them hold their own references. */
	body_unref(old_t);
	body_unref(old_o);
}

static void conn_close(struct http_server *s, struct conn *c)
{
	close(c->fd);
	body_unref(c->ref);
	c->ref = NULL;
	c->fd = -1;
	c->state = C_FREE;
	s->nconns--;
}

/* The Date header (RFC 9110 5.6.7), from the civil calendar: no time zone files. */
static void http_date(char *out, size_t n)
{
	static const char days[][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct timespec ts;
	int64_t t, d, secs, z, era, doe, yoe, y, doy, mp, day, mon;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec < 0 ? 0 : ts.tv_sec;
	d = t / 86400;
	secs = t % 86400;
	/* Days since 1970-01-01 to year, month, day (proleptic Gregorian). */
	z = d + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = doy - (153 * mp + 2) / 5 + 1;
	mon = mp < 10 ? mp + 3 : mp - 9;
	y += mon <= 2;
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[d % 7], (int)day,
		 months[mon - 1], (int)y, (int)(secs / 3600), (int)(secs / 60 % 60),
		 (int)(secs % 60));
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Sets c's response: status, type, body (ref: a reference passed to c). */
static void set_response(struct conn *c, int status, const char *type, const char *body,
			 size_t body_len, struct http_body *ref, int head_only)
{
	char date[40];
	int n;

	http_date(date, sizeof date);
	n = snprintf(c->head, sizeof c->head,
		     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "%s%s%s\r\n",
		     status, reason(status), date, type, body_len,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "",
		     status == 503 ? "Retry-After: 1\r\n" : "",
		     c->close_after ? "Connection: close\r\n" : "");
	c->head_len = n > 0 && (size_t)n < sizeof c->head ? (size_t)n : 0;
	c->body = head_only ? NULL : body;
	c->body_len = head_only ? 0 : body_len;
	c->ref = ref;
	c->sent = 0;
}

static void respond_error(struct conn *c, int status, int head_only)
{
	/* Static texts: the pointers outlive the connection. */
	static const char t400[] = "bad request\n", t404[] = "not found: the metrics are at /metrics\n",
		t405[] = "method not allowed: GET or HEAD\n", t414[] = "request line too long\n",
		t431[] = "request head too long\n", t505[] = "HTTP/1.x only\n",
		t503[] = "no snapshot yet\n";
	const char *b = status == 404 ? t404 : status == 405 ? t405 : status == 414 ? t414 :
			status == 431 ? t431 : status == 505 ? t505 : status == 503 ? t503 : t400;

	set_response(c, status, type_plain, b, strlen(b), NULL, head_only);
}

static void start_write(struct conn *c, const struct http_limits *lim, int64_t now)
{
	c->state = C_WRITE;
	c->deadline = now + lim->write_ms;
}

/* Answers the request at the start of c->buf (or its parse error). */
static void answer(struct http_server *s, struct conn *c, int pr, const struct http_req *r,
		   int64_t now)
{
	int head = pr == HTTP_PARSE_OK && r->method == HTTP_HEAD;

	c->served++;
	if (pr != HTTP_PARSE_OK) {
		c->close_after = 1;
		respond_error(c, pr, 0);
	} else {
		c->close_after = !r->keep_alive || c->served >= s->lim.max_requests;
		if (!r->metrics) {
			respond_error(c, 404, head);
		} else if (r->method == HTTP_OTHER) {
			respond_error(c, 405, 0);
		} else {
			struct http_body *b;

			pthread_mutex_lock(&s->lock);
			b = r->openmetrics ? s->om : s->text;
			if (b)
				__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
			pthread_mutex_unlock(&s->lock);
			if (b)
				set_response(c, 200, r->openmetrics ? type_om : type_text, b->data,
					     b->len, b, head);
			else
				respond_error(c, 503, head);
		}
	}
	start_write(c, &s->lim, now);
}

static void after_response(struct http_server *s, struct conn *c, int64_t now);

static void do_write(struct http_server *s, struct conn *c, int64_t now)
{
	while (c->sent < c->head_len + c->body_len) {
		struct iovec iov[2];
		struct msghdr mh;
		int n = 0;
		ssize_t w;

		if (c->sent < c->head_len) {
			iov[n].iov_base = c->head + c->sent;
			iov[n++].iov_len = c->head_len - c->sent;
		}
		if (c->body_len) {
			size_t off = c->sent > c->head_len ? c->sent - c->head_len : 0;

			iov[n].iov_base = (void *)(uintptr_t)(c->body + off);
			iov[n++].iov_len = c->body_len - off;
		}
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			conn_close(s, c);
			return;
		}
		c->sent += (size_t)w;
	}
	after_response(s, c, now);
}

static void handle_head(struct http_server *s, struct conn *c, int64_t now)
{
	struct http_req r;
	int pr = http_parse(c->buf, c->have, &r);

	if (pr == HTTP_PARSE_MORE)
		return;
	if (pr == HTTP_PARSE_OK) {
		/* Pipelined bytes after the head wait for the next turn. */
		memmove(c->buf, c->buf + r.head_len, c->have - r.head_len);
		c->have -= r.head_len;
	}
	answer(s, c, pr, &r, now);
	do_write(s, c, now);
}

static void after_response(struct http_server *s, struct conn *c, int64_t now)
{
	body_unref(c->ref);
	c->ref = NULL;
	c->body = NULL;
	if (c->close_after) {
		/*
		 * Shut the write side and read what the client still sends for a
		 * moment: closing with unread bytes would reset the connection,
		 * and the client might lose the answer.
		 */
		shutdown(c->fd, SHUT_WR);
		c->state = C_LINGER;
		c->drained = 0;
		c->deadline = now + LINGER_MS;
		return;
	}
	c->state = C_READ;
	c->idle = c->have == 0;
	c->deadline = now + (c->idle ? s->lim.idle_ms : s->lim.header_ms);
	if (c->have)
		handle_head(s, c, now);
}

static void do_read(struct http_server *s, struct conn *c, int64_t now)
{
	ssize_t n;

	if (c->state == C_LINGER) {
		char sink[4096];

		n = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
		if (n > 0 && (c->drained += (size_t)n) < LINGER_BYTES)
			return;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(s, c);
		return;
	}
	n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(s, c);
		return;
	}
	c->have += (size_t)n;
	if (c->idle) {
		c->idle = 0;
		c->deadline = now + s->lim.header_ms;
	}
	handle_head(s, c, now);
}

/* A free slot, making one by closing the oldest reader if all are taken; or NULL. */
static struct conn *slot_for_new(struct http_server *s)
{
	struct conn *oldest = NULL;

	for (unsigned i = 0; i < s->lim.max_conns; i++) {
		struct conn *c = &s->conns[i];

		if (c->state == C_FREE)
			return c;
		if (c->state == C_READ && (!oldest || c->seq < oldest->seq))
			oldest = c;
	}
	if (oldest)
		conn_close(s, oldest);
	return oldest;
}

static int can_accept(const struct http_server *s, int64_t now)
{
	if (now < s->accept_pause)
		return 0;
	if (s->nconns < s->lim.max_conns)
		return 1;
	for (unsigned i = 0; i < s->lim.max_conns; i++)
		if (s->conns[i].state == C_READ)
			return 1;
	return 0;
}

static void do_accept(struct http_server *s, int64_t now)
{
	for (int k = 0; k < ACCEPT_BATCH && can_accept(s, now); k++) {
		struct conn *c;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				s->accept_pause = now + EMFILE_PAUSE_MS;
			return;
		}
		c = slot_for_new(s);
		c->fd = fd;
		c->state = C_READ;
		c->idle = 1;
		c->close_after = 0;
		c->served = 0;
		c->have = 0;
		c->seq = ++s->seq;
		c->deadline = now + s->lim.header_ms;
		s->nconns++;
	}
}

static void *serve(void *arg)
{
	struct http_server *s = arg;
	sigset_t all;

	/* Signals are for the main thread; capabilities are for nobody here. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (priv_thread_drop() < 0)
		return NULL;
	for (;;) {
		int64_t now = now_ms(), next = -1;
		unsigned n = 0;
		int timeout, listening;

		s->pfd[n++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		listening = can_accept(s, now);
		s->pfd[n++] = (struct pollfd){ .fd = listening ? s->lfd : -1, .events = POLLIN };
		if (!listening && now < s->accept_pause)
			next = s->accept_pause;
		for (unsigned i = 0; i < s->lim.max_conns; i++) {
			struct conn *c = &s->conns[i];

			s->pfd[2 + i] = (struct pollfd){ .fd = -1 };
			if (c->state == C_FREE)
				continue;
			s->pfd[2 + i].fd = c->fd;
			s->pfd[2 + i].events = c->state == C_WRITE ? POLLOUT : POLLIN;
			if (next < 0 || c->deadline < next)
				next = c->deadline;
		}
		timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
		if (poll(s->pfd, 2 + s->lim.max_conns, timeout) < 0 && errno != EINTR)
			break;
		if (s->pfd[0].revents)
			break;
		now = now_ms();
		for (unsigned i = 0; i < s->lim.max_conns; i++) {
			struct conn *c = &s->conns[i];
			short re = s->pfd[2 + i].revents;

			if (c->state == C_FREE || !re || s->pfd[2 + i].fd != c->fd)
				continue;
			if (c->state == C_WRITE)
				do_write(s, c, now);
			else
				do_read(s, c, now);
		}
		for (unsigned i = 0; i < s->lim.max_conns; i++) {
			struct conn *c = &s->conns[i];

			if (c->state != C_FREE && c->deadline <= now)
				conn_close(s, c);
		}
		if (s->pfd[1].revents & POLLIN)
			do_accept(s, now);
	}
	return NULL;
}

int http_start(struct http_server *s)
{
	int e = pthread_create(&s->thread, NULL, serve, s);

	if (e) {
		errno = e;
		return -1;
	}
	s->started = 1;
	return 0;
}

void http_free(struct http_server *s)
{
	if (!s)
		return;
	if (s->started) {
		ssize_t w = write(s->wake[1], "", 1);

		(void)w;
		pthread_join(s->thread, NULL);
	}
	for (unsigned i = 0; i < s->lim.max_conns; i++)
		if (s->conns[i].state != C_FREE)
			conn_close(s, &s->conns[i]);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	close(s->lfd);
	body_unref(s->text);
	body_unref(s->om);
	pthread_mutex_destroy(&s->lock);
	free(s->conns);
	free(s->pfd);
	free(s);
}
