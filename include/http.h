/*
 * http.h - the /metrics endpoint (--listen): a small HTTP/1.1 server.
 *
 * One thread, nonblocking sockets and poll(), fixed limits.  It serves the
 * last exposition it was handed and nothing else: it never renders, never
 * asks for a snapshot and never waits for one.
 *
 * Lifetime, in main.c's order:
 *   - http_open() while privileged: parses the address, creates, binds
 *     and listens (a port below 1024 needs CAP_NET_BIND_SERVICE, which is
 *     then not kept);
 *   - http_start() after the privilege drop: starts the server thread,
 *     which gives up every capability first (the thread rule of priv.h);
 *   - http_publish() from any thread, after each snapshot;
 *   - http_free() stops the thread and closes everything.
 *
 * Bodies are shared, not copied: http_publish() takes ownership of two
 * malloc'd buffers; every response that started with them keeps its own
 * reference, so a new publish never changes a body a client is still
 * reading.  The only lock is held for a pointer swap (publish) or a
 * reference count (a request): a scraping client never blocks the
 * collector and the collector never blocks a client.
 *
 * Hostile clients: each connection has a fixed request buffer
 * (HTTP_HEAD_MAX); a request line longer than HTTP_LINE_MAX gets 414, a
 * head longer than HTTP_HEAD_MAX 431, both then closed.  At most
 * max_conns connections: beyond that the oldest one that has not sent a
 * complete request is closed to make room (slowloris cannot fill the
 * slots for long), or, if none is, the rest wait in the kernel's backlog.
 * A head must arrive within header_ms, a response leave within write_ms,
 * an idle keep-alive connection is closed after idle_ms, and one
 * connection serves at most max_requests requests.
 */
#ifndef LSCT_HTTP_H
#define LSCT_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTP_LINE_MAX 4096	/* bytes of a request line, its end included */
#define HTTP_HEAD_MAX 8192	/* bytes of a request head: line, headers, blank line */

/* ---- The server ---- */

struct http_limits {
	unsigned max_conns;	/* connections served at once */
	unsigned max_requests;	/* per connection, then Connection: close */
	int header_ms;		/* from accept (or the first byte after idle) to a whole head */
	int idle_ms;		/* a keep-alive connection waiting for its next request */
	int write_ms;		/* to send one whole response */
};

/* 64 connections, 100 requests each, 5 s, 30 s, 10 s. */
void http_limits_default(struct http_limits *l);

struct http_server;

/*
 * Parses spec (http_listen_parse()), creates the socket, binds and listens.
 * Returns the server, or NULL with errno and a one-line message in err
 * (a spec that does not parse: EINVAL; a port in use: EADDRINUSE; a port
 * below 1024 without CAP_NET_BIND_SERVICE: EACCES).  limits NULL: the
 * defaults (and port 0 refused); tests pass theirs, and may ask for port 0.
 */
struct http_server *http_open(const char *spec, const struct http_limits *limits, char *err,
			      size_t errlen);

/* The port bound (for port 0: the one the kernel chose). */
unsigned http_port(const struct http_server *s);

/* Starts the server thread.  0, or -1 with errno. */
int http_start(struct http_server *s);

/*
 * Hands the server the expositions of one snapshot: text (format 0.0.4)
 * and openmetrics (OpenMetrics 1.0), each malloc'd, owned by the server
 * from here on (freed by it, never changed).  Later requests get them;
 * requests in flight keep what they started with.  Until the first
 * publish, /metrics answers 503.  A NULL body keeps that dialect at 503.
 * Thread-safe; never blocks on a client.
 */
void http_publish(struct http_server *s, char *text, size_t text_len, char *openmetrics,
		  size_t om_len);

/* Stops the thread (if started), closes every socket, frees the bodies.  NULL is fine. */
void http_free(struct http_server *s);

/* ---- Pure parts (no sockets; unit-tested and fuzzed) ---- */

/*
 * --listen's value: PORT, ADDR:PORT or [V6ADDR]:PORT, numeric addresses
 * only; PORT alone listens on 127.0.0.1.  Port 0 only with allow_zero (the
 * kernel then picks one: tests).  0 with *sa and *salen set, or -1 with a
 * one-line reason in err.
 */
int http_listen_parse(const char *spec, int allow_zero, struct sockaddr_storage *sa,
		      socklen_t *salen, char *err, size_t errlen);

enum http_method { HTTP_GET = 0, HTTP_HEAD, HTTP_OTHER };

struct http_req {
	enum http_method method;
	int metrics;		/* the path is /metrics (a query is ignored) */
	int keep_alive;		/* the connection may serve another request */
	int openmetrics;	/* Accept prefers OpenMetrics 1.0 to text 0.0.4 */
	size_t head_len;	/* bytes of the head, the blank line included */
};

enum http_parse_result {
	HTTP_PARSE_MORE = 0,	/* incomplete: read more (len < HTTP_HEAD_MAX) */
	HTTP_PARSE_OK = 1,	/* a whole head: *r is set */
	/* Otherwise the status to answer before closing: 400, 414, 431, 505. */
};

/*
 * Parses the request head at the start of buf[0..len) (no NUL needed).
 * Bytes after the head are not looked at; a request with a body
 * (Content-Length > 0, Transfer-Encoding) is answered and the connection
 * closed (keep_alive 0): its body is never read.  An HTTP/1.1 request
 * needs exactly one Host.  Returns an enum http_parse_result or a status.
 */
int http_parse(const char *buf, size_t len, struct http_req *r);

/*
 * One Accept header's value: does it prefer OpenMetrics 1.0 to text 0.0.4?
 * Each media range counts with its q (default 1); for each format the
 * most specific ranges that match decide (type and subtype, then a whole
 * type, then any type); a version parameter must be ours (1.0.0, 0.0.4) to match.
 * OpenMetrics only when its q is higher than text's: text is what every
 * client understands, so it wins ties and a header that matches neither.
 */
int http_prefers_openmetrics(const char *accept, size_t len);

#endif
