/*
 * http.c and http_parse.c: --listen's value, the request parser, Accept
 * negotiation, and the server end to end on 127.0.0.1 (a port the kernel
 * picks): bodies, status codes, keep-alive, timeouts, hostile clients.
 * No root.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include "http.h"
#include "lsct.h"

static int parse_str(const char *s, struct http_req *r)
{
	return http_parse(s, strlen(s), r);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- --listen ---- */

static void test_listen_parse(void **state)
{
	static const char *const bad[] = {
		"", ":", "abc", "1.2.3.4:", "[::1]9100", "[::1", "localhost:9100", "65536",
		"0", "1.2.3.4:5:6", "::1:9100", "[1.2.3.4]:80", "999.1.1.1:80", "+80", "-1",
		"123456", "[]:80", ":80x",
	};
	struct sockaddr_storage sa;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
	char err[200], a[INET6_ADDRSTRLEN];
	socklen_t len;

	(void)state;
	/* A port alone is loopback: listening on every address is asked for. */
	assert_int_equal(http_listen_parse("9100", 0, &sa, &len, err, sizeof err), 0);
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 9100);
	assert_int_equal(len, sizeof *s4);
	assert_string_equal(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a), "127.0.0.1");
	assert_int_equal(http_listen_parse("0.0.0.0:80", 0, &sa, &len, err, sizeof err), 0);
	assert_string_equal(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a), "0.0.0.0");
	assert_int_equal(ntohs(s4->sin_port), 80);
	assert_int_equal(http_listen_parse("[::1]:65535", 0, &sa, &len, err, sizeof err), 0);
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(len, sizeof *s6);
	assert_int_equal(ntohs(s6->sin6_port), 65535);
	assert_string_equal(inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a), "::1");
	assert_int_equal(http_listen_parse("[::]:1", 0, &sa, &len, err, sizeof err), 0);
	assert_string_equal(inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a), "::");
	/* Port 0 only for tests. */
	assert_int_equal(http_listen_parse("127.0.0.1:0", 1, &sa, &len, err, sizeof err), 0);
	assert_int_equal(ntohs(s4->sin_port), 0);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		if (http_listen_parse(bad[i], 0, &sa, &len, err, sizeof err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(strlen(err) > 10);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(http_listen_parse("::1:9100", 0, &sa, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "brackets"));
}

/* ---- the request parser ---- */

static void test_parse_basic(void **state)
{
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_req r;

	(void)state;
	assert_int_equal(parse_str(get, &r), HTTP_PARSE_OK);
	assert_int_equal(r.method, HTTP_GET);
	assert_true(r.metrics);
	assert_true(r.keep_alive);
	assert_false(r.openmetrics);
	assert_int_equal(r.head_len, strlen(get));
	/* Every proper prefix needs more. */
	for (size_t n = 0; n < strlen(get); n++)
		assert_int_equal(http_parse(get, n, &r), HTTP_PARSE_MORE);
	/* Bytes after the head are the next request's, not looked at. */
	assert_int_equal(http_parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\x01", 41, &r),
			 HTTP_PARSE_OK);
	assert_int_equal(r.head_len, strlen(get));

	assert_int_equal(parse_str("HEAD /metrics?x=1&y HTTP/1.1\r\nhost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.method, HTTP_HEAD);
	assert_true(r.metrics);
	assert_int_equal(parse_str("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_int_equal(r.method, HTTP_OTHER);
	assert_true(r.keep_alive);
	assert_int_equal(parse_str("get /metrics HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.method, HTTP_OTHER);	/* methods are case-sensitive */
	/* Bare LF ends lines too. */
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\nHost: a\n\n", &r), HTTP_PARSE_OK);
	/* Absolute form. */
	assert_int_equal(parse_str("GET http://h:9100/metrics?a HTTP/1.1\r\nHost: h\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.metrics);
	/* Other paths. */
	static const char *const others[] = { "/", "/metrics/", "/metricsx", "/Metrics",
					      "/%6detrics", "//metrics", "http://h", "*" };
	for (size_t i = 0; i < ARRAY_LEN(others); i++) {
		char buf[128];

		snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", others[i]);
		assert_int_equal(parse_str(buf, &r), HTTP_PARSE_OK);
		if (r.metrics)
			fail_msg("%s taken for /metrics", others[i]);
	}
}

static void test_parse_connection(void **state)
{
	struct http_req r;

	(void)state;
	/* 1.0: close unless asked; 1.1: keep unless asked. */
	assert_int_equal(parse_str("GET /metrics HTTP/1.0\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse_str("GET /metrics HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.keep_alive);
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: TE, CLOSE \r\n\r\n",
				   &r), HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.keep_alive);
	/* A body is never read: the connection closes after the answer. */
	assert_int_equal(parse_str("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
				   &r), HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse_str("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
				   &r), HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	/* Later minor versions are 1.1. */
	assert_int_equal(parse_str("GET /metrics HTTP/1.9\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_true(r.keep_alive);
}

static void test_parse_errors(void **state)
{
	static const struct { const char *req; int status; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\n\r\n", 400 },			/* no Host */
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "GET /metrics HTTP/0.9\r\n\r\n", 505 },
		{ "GET /metrics http/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ " GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "G(T /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /met\rrics HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n", 400 },	/* space before colon */
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400 },
	};
	struct http_req r;
	char *big;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int got = parse_str(cases[i].req, &r);

		if (got != cases[i].status)
			fail_msg("case %zu: %d, not %d", i, got, cases[i].status);
	}
	/* A NUL in a header value. */
	assert_int_equal(http_parse("GET /metrics HTTP/1.1\r\nHost: a\0b\r\n\r\n", 34, &r), 400);
	/* A request line that does not end within HTTP_LINE_MAX: 414 at once. */
	big = malloc(1 << 20);
	memset(big, 'a', 1 << 20);
	memcpy(big, "GET /", 5);
	assert_int_equal(http_parse(big, HTTP_LINE_MAX - 1, &r), HTTP_PARSE_MORE);
	assert_int_equal(http_parse(big, HTTP_LINE_MAX, &r), 414);
	assert_int_equal(http_parse(big, 1 << 20, &r), 414);
	/* ... or that ends, too long. */
	memcpy(big + 5000, " HTTP/1.1\r\nHost: a\r\n\r\n", 22);
	assert_int_equal(http_parse(big, 5022, &r), 414);
	/* A head that does not end within HTTP_HEAD_MAX: 431. */
	memset(big, 'a', 1 << 20);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	assert_int_equal(http_parse(big, HTTP_HEAD_MAX - 1, &r), HTTP_PARSE_MORE);
	assert_int_equal(http_parse(big, HTTP_HEAD_MAX, &r), 431);
	assert_int_equal(http_parse(big, 1 << 20, &r), 431);
	/* Many short headers count the same. */
	{
		size_t n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\n");

		while (n < HTTP_HEAD_MAX + 100)
			n += (size_t)sprintf(big + n, "X-A: b\r\n");
		sprintf(big + n, "\r\n");
		assert_int_equal(http_parse(big, n + 2, &r), 431);
	}
	free(big);
}

/* ---- Accept ---- */

static int om(const char *accept)
{
	return http_prefers_openmetrics(accept, strlen(accept));
}

static void test_accept(void **state)
{
	static const struct { const char *accept; int om; } cases[] = {
		/* Prometheus 2.x. */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", 1 },
		/* Prometheus 3.x, with the escaping parameter. */
		{ "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
		  "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;"
		  "escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1", 1 },
		/* scrape_protocols: [PrometheusText0.0.4] */
		{ "text/plain;version=0.0.4;q=1,*/*;q=0.1", 0 },
		{ "", 0 },
		{ "*/*", 0 },
		{ "text/plain", 0 },
		{ "application/openmetrics-text", 1 },
		{ "Application/OpenMetrics-Text; Version=\"1.0.0\"", 1 },
		{ "application/openmetrics-text; version=0.0.1", 0 },	/* not the version we write */
		{ "application/openmetrics-text;q=0, */*", 0 },
		{ "application/openmetrics-text;q=0.5, text/plain;q=0.6", 0 },
		{ "application/openmetrics-text;q=0.5, text/plain;q=0.5", 0 },	/* text wins ties */
		{ "application/openmetrics-text;q=0.501, text/plain;q=0.5", 1 },
		{ "text/plain;q=0, */*;q=0.1", 1 },
		{ "text/*;q=0.2, application/*;q=0.3", 1 },
		{ "application/*;q=0.3, text/*;q=0.3", 0 },
		{ "application/json", 0 },				/* neither: text */
		{ "application/openmetrics-text;q=2", 0 },		/* a bad q drops the range */
		{ "application/openmetrics-text;q=1.0001", 0 },
		{ "application/openmetrics-text;q=\"1\"", 0 },
		{ "application/openmetrics-text;q=0.9;x=\"a,b\";y=1, text/plain;q=0.8", 1 },
		{ ",,, application/openmetrics-text ,", 1 },
		{ "text/plain;version=1.0.0, application/openmetrics-text;q=0.1", 1 },
		{ "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=1,*/*;q=1", 0 },
		{ "garbage;;;,,==, application/openmetrics-text", 1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		if (om(cases[i].accept) != cases[i].om)
			fail_msg("'%s': %d, not %d", cases[i].accept, !cases[i].om, cases[i].om);
}

static void test_parse_accept_headers(void **state)
{
	struct http_req r;

	(void)state;
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: "
				   "application/openmetrics-text;version=1.0.0\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_true(r.openmetrics);
	/* Several Accept lines are one list. */
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: text/plain;q=0.5\r\n"
				   "accept: application/openmetrics-text;q=0.6\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_true(r.openmetrics);
	assert_int_equal(parse_str("GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: text/plain;q=0.7\r\n"
				   "accept: application/openmetrics-text;q=0.6\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_false(r.openmetrics);
}

/* ---- end to end ---- */

struct resp {
	int status;
	char head[2048];
	size_t body_len;	/* what was read */
	char *body;		/* malloc'd */
	long content_length;
};

/* rcvbuf: a receive buffer in bytes (a slow reader), or 0. */
static int dial_rcvbuf(unsigned port, int rcvbuf)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static int dial(unsigned port)
{
	return dial_rcvbuf(port, 0);
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* One response: 0, or -1 at EOF before a status line. head_only: a HEAD's answer. */
static int read_resp(int fd, struct resp *rp, int head_only)
{
	size_t have = 0;
	char *end = NULL, *cl;

	memset(rp, 0, sizeof *rp);
	rp->content_length = -1;
	/* Byte by byte up to the blank line: the body (or the next response) stays queued. */
	while (!end) {
		ssize_t n;

		assert_true(have < sizeof rp->head - 1);
		n = recv(fd, rp->head + have, 1, 0);
		if (n <= 0) {
			assert_int_equal(have, 0);
			return -1;
		}
		have++;
		rp->head[have] = '\0';
		end = strstr(rp->head, "\r\n\r\n");
	}
	assert_int_equal(sscanf(rp->head, "HTTP/1.1 %d ", &rp->status), 1);
	cl = strstr(rp->head, "\r\nContent-Length: ");
	assert_non_null(cl);
	rp->content_length = strtol(cl + 18, NULL, 10);
	if (head_only)
		return 0;
	rp->body = malloc((size_t)rp->content_length + 1);
	while (rp->body_len < (size_t)rp->content_length) {
		ssize_t n = recv(fd, rp->body + rp->body_len,
				 (size_t)rp->content_length - rp->body_len, 0);

		assert_true(n > 0);
		rp->body_len += (size_t)n;
	}
	rp->body[rp->body_len] = '\0';
	return 0;
}

static int has_header(const struct resp *rp, const char *line)
{
	char want[256];

	snprintf(want, sizeof want, "\r\n%s\r\n", line);
	return strstr(rp->head, want) != NULL;
}

/* EOF (or a reset) next on fd, within its receive timeout. */
static void expect_eof(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	if (n < 0)
		assert_int_equal(errno, ECONNRESET);
	else
		assert_int_equal(n, 0);
}

static struct http_server *server(const struct http_limits *lim)
{
	struct http_limits l;
	char err[256];
	struct http_server *s;

	if (!lim) {
		http_limits_default(&l);
		lim = &l;
	}
	s = http_open("127.0.0.1:0", lim, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	assert_true(http_port(s) > 0);
	assert_int_equal(http_start(s), 0);
	return s;
}

static void publish_str(struct http_server *s, const char *text, const char *om_text)
{
	http_publish(s, strdup(text), strlen(text), strdup(om_text), strlen(om_text));
}

static const char prom_accept[] =
	"Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
	"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n";

static void test_e2e_before_and_after_publish(void **state)
{
	struct http_server *s = server(NULL);
	struct resp rp;
	char req[512];
	int fd = dial(http_port(s));

	(void)state;
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 503);
	assert_string_equal(rp.body, "no snapshot yet\n");
	assert_true(has_header(&rp, "Content-Type: text/plain; charset=utf-8"));
	free(rp.body);

	publish_str(s, "a_metric 1\n", "a_metric 1\n# EOF\n");
	/* Same connection (keep-alive), no Accept: text 0.0.4. */
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 200);
	assert_true(has_header(&rp, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	assert_true(has_header(&rp, "Content-Length: 11"));
	assert_string_equal(rp.body, "a_metric 1\n");
	assert_null(strstr(rp.head, "Connection: close"));
	assert_non_null(strstr(rp.head, "\r\nDate: "));
	assert_non_null(strstr(rp.head, " GMT\r\n"));
	free(rp.body);
	/* Prometheus's Accept: OpenMetrics. */
	snprintf(req, sizeof req, "GET /metrics?x=y HTTP/1.1\r\nHost: t\r\n%s\r\n", prom_accept);
	send_str(fd, req);
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 200);
	assert_true(has_header(&rp, "Content-Type: application/openmetrics-text; version=1.0.0; "
			       "charset=utf-8"));
	assert_string_equal(rp.body, "a_metric 1\n# EOF\n");
	assert_int_equal(rp.content_length, 17);
	free(rp.body);
	/* HEAD: the headers of a GET, no body (the next answer follows at once). */
	send_str(fd, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 1), 0);
	assert_int_equal(rp.status, 200);
	assert_true(has_header(&rp, "Content-Length: 11"));
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 404);
	free(rp.body);
	/* Connection: close is honoured. */
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 200);
	assert_true(has_header(&rp, "Connection: close"));
	free(rp.body);
	expect_eof(fd);
	close(fd);
	http_free(s);
}

static void test_e2e_status_codes(void **state)
{
	static const struct { const char *req; int status; int closes; } cases[] = {
		{ "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 404, 0 },
		{ "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 405, 0 },
		{ "DELETE /metrics HTTP/1.1\r\nHost: t\r\n\r\n", 405, 0 },
		{ "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 405, 1 },
		{ "GET /metrics HTTP/1.1\r\n\r\n", 400, 1 },
		{ "GET /metrics HTTP/3.0\r\nHost: t\r\n\r\n", 505, 1 },
		{ "GET /metrics HTTP/1.0\r\n\r\n", 200, 1 },
	};
	struct http_server *s = server(NULL);
	struct resp rp;

	(void)state;
	publish_str(s, "m 1\n", "m 1\n# EOF\n");
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int fd = dial(http_port(s));

		send_str(fd, cases[i].req);
		assert_int_equal(read_resp(fd, &rp, 0), 0);
		if (rp.status != cases[i].status)
			fail_msg("case %zu: %d, not %d", i, rp.status, cases[i].status);
		assert_int_equal(rp.body_len, (size_t)rp.content_length);
		if (cases[i].status == 405)
			assert_true(has_header(&rp, "Allow: GET, HEAD"));
		free(rp.body);
		if (cases[i].closes) {
			assert_true(has_header(&rp, "Connection: close"));
			expect_eof(fd);
		} else {
			/* Still open: a second request is answered. */
			send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
			assert_int_equal(read_resp(fd, &rp, 0), 0);
			assert_int_equal(rp.status, 200);
			free(rp.body);
		}
		close(fd);
	}
	http_free(s);
}

/* A sender of n bytes of a request line, on its own thread: the server answers first. */
struct flood {
	int fd;
	size_t n;
};

static void *flood_send(void *arg)
{
	struct flood *f = arg;
	char *b = malloc(f->n);

	memset(b, 'a', f->n);
	memcpy(b, "GET /", 5);
	for (size_t off = 0; off < f->n;) {
		ssize_t w = send(f->fd, b + off, f->n - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;	/* the server closed: expected */
		off += (size_t)w;
	}
	free(b);
	return NULL;
}

static void test_e2e_long_requests(void **state)
{
	struct http_server *s = server(NULL);
	struct mallinfo2 before, after;
	struct flood f;
	struct resp rp;
	pthread_t t;
	char *hdrs;
	size_t n;
	int fd;

	(void)state;
	publish_str(s, "m 1\n", "m 1\n# EOF\n");
	/* Warm up what the C library allocates once (thread stacks, stdio). */
	fd = dial(http_port(s));
	send_str(fd, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	free(rp.body);
	close(fd);

	/* A 1 MB request line: 414 after HTTP_LINE_MAX bytes, no memory grows. */
	before = mallinfo2();
	fd = dial(http_port(s));
	f = (struct flood){ .fd = fd, .n = 1 << 20 };
	assert_int_equal(pthread_create(&t, NULL, flood_send, &f), 0);
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 414);
	assert_true(has_header(&rp, "Connection: close"));
	free(rp.body);
	shutdown(fd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(fd);
	after = mallinfo2();
	/* The flood thread's 1 MB is freed; the server holds no copy of anything. */
	assert_true(after.uordblks < before.uordblks + 64 * 1024);

	/* A head of many headers: 431. */
	hdrs = malloc(HTTP_HEAD_MAX * 2);
	n = (size_t)sprintf(hdrs, "GET /metrics HTTP/1.1\r\nHost: t\r\n");
	while (n < HTTP_HEAD_MAX + 200)
		n += (size_t)sprintf(hdrs + n, "X-Filler: 0123456789\r\n");
	n += (size_t)sprintf(hdrs + n, "\r\n");
	fd = dial(http_port(s));
	send_all(fd, hdrs, n);
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 431);
	free(rp.body);
	expect_eof(fd);
	close(fd);
	free(hdrs);

	/* The server is fine afterwards. */
	fd = dial(http_port(s));
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 200);
	free(rp.body);
	close(fd);
	http_free(s);
}

static void test_e2e_keepalive_bound_and_pipelining(void **state)
{
	struct http_limits lim;
	struct http_server *s;
	struct resp rp;
	int fd;

	(void)state;
	http_limits_default(&lim);
	lim.max_requests = 3;
	s = server(&lim);
	publish_str(s, "m 1\n", "m 1\n# EOF\n");
	fd = dial(http_port(s));
	/* Three pipelined in one write: answered in order, the third closes. */
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
		     "GET /x HTTP/1.1\r\nHost: t\r\n\r\n"
		     "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 200);
	assert_string_equal(rp.body, "m 1\n");
	assert_null(strstr(rp.head, "Connection: close"));
	free(rp.body);
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 404);
	free(rp.body);
	assert_int_equal(read_resp(fd, &rp, 1), 0);
	assert_int_equal(rp.status, 200);
	assert_true(has_header(&rp, "Connection: close"));
	expect_eof(fd);
	close(fd);
	http_free(s);
}

static void test_e2e_slowloris(void **state)
{
	struct http_limits lim;
	struct http_server *s;
	struct resp rp;
	double t0, t;
	int fd, idle;

	(void)state;
	http_limits_default(&lim);
	lim.header_ms = 300;
	lim.idle_ms = 600;
	s = server(&lim);
	publish_str(s, "m 1\n", "m 1\n# EOF\n");
	/* Half a request line, then nothing: closed after header_ms. */
	fd = dial(http_port(s));
	idle = dial(http_port(s));
	t0 = now_s();
	send_str(fd, "GET /metr");
	expect_eof(fd);
	t = now_s() - t0;
	assert_true(t >= 0.25 && t < 2.0);
	close(fd);
	/* A byte at a time does not push the deadline. */
	fd = dial(http_port(s));
	t0 = now_s();
	for (const char *p = "GET /metrics HTTP/1.1\r\nHost: t\r\n"; *p; p++) {
		if (send(fd, p, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(50 * 1000);
		if (now_s() - t0 > 1.0)
			break;
	}
	expect_eof(fd);
	assert_true(now_s() - t0 < 2.0);
	close(fd);
	/* A connection that never sent anything is closed too. */
	expect_eof(idle);
	close(idle);
	/* An idle keep-alive connection gets idle_ms, not header_ms. */
	fd = dial(http_port(s));
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	free(rp.body);
	t0 = now_s();
	expect_eof(fd);
	t = now_s() - t0;
	assert_true(t >= 0.5 && t < 2.0);
	close(fd);
	http_free(s);
}

static void test_e2e_many_connections(void **state)
{
	enum { N = 1000 };
	struct http_server *s = server(NULL);
	struct rlimit rl;
	struct resp rp;
	int *fds, fd, opened = 0;
	double t0;

	(void)state;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < N + 200) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < N + 200)
		skip();
	publish_str(s, "m 1\n", "m 1\n# EOF\n");
	fds = malloc(N * sizeof *fds);
	/* 1,000 clients that connect and say nothing, half of them half a line. */
	for (int i = 0; i < N; i++) {
		fds[i] = dial(http_port(s));
		if (i % 2)
			send_str(fds[i], "GET /met");
		opened++;
	}
	/* A good scrape still gets its answer at once. */
	t0 = now_s();
	fd = dial(http_port(s));
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.status, 200);
	assert_string_equal(rp.body, "m 1\n");
	free(rp.body);
	assert_true(now_s() - t0 < 1.0);
	close(fd);
	for (int i = 0; i < opened; i++)
		close(fds[i]);
	free(fds);
	http_free(s);
}

static void test_e2e_publish_while_reading(void **state)
{
	enum { BIG = 4 << 20 };
	struct http_server *s = server(NULL);
	char *a = malloc(BIG), *b = malloc(BIG), head[1024], *got;
	int fd;
	size_t have = 0, hl = 0;
	struct resp rp;

	(void)state;
	memset(a, 'a', BIG);
	memset(b, 'b', BIG);
	http_publish(s, a, BIG, strdup("x\n# EOF\n"), 8);
	/* A slow reader: a small window, so the server is mid-body when we publish. */
	fd = dial_rcvbuf(http_port(s), 4096);
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	/* The head and the first bytes of the body. */
	while (hl == 0) {
		ssize_t n = recv(fd, head + have, sizeof head - 1 - have, 0);
		char *e;

		assert_true(n > 0);
		have += (size_t)n;
		head[have] = '\0';
		if ((e = strstr(head, "\r\n\r\n")))
			hl = (size_t)(e + 4 - head);
	}
	assert_non_null(strstr(head, "Content-Length: 4194304\r\n"));
	/* Replaced while this client is still reading the old one. */
	http_publish(s, b, BIG, strdup("y\n# EOF\n"), 8);
	got = malloc(BIG);
	memcpy(got, head + hl, have - hl);
	have -= hl;
	while (have < BIG) {
		ssize_t n = recv(fd, got + have, BIG - have, 0);

		assert_true(n > 0);
		have += (size_t)n;
	}
	for (size_t i = 0; i < BIG; i += 4093)
		assert_int_equal(got[i], 'a');
	assert_int_equal(got[BIG - 1], 'a');
	/* The next request on the same connection gets the new one. */
	send_str(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_resp(fd, &rp, 0), 0);
	assert_int_equal(rp.body_len, BIG);
	assert_int_equal(rp.body[0], 'b');
	assert_int_equal(rp.body[BIG - 1], 'b');
	free(rp.body);
	free(got);
	close(fd);
	http_free(s);
}

static void test_open_errors(void **state)
{
	struct http_limits lim;
	struct http_server *s, *t;
	char err[256], spec[64];

	(void)state;
	http_limits_default(&lim);
	s = http_open("127.0.0.1:0", &lim, err, sizeof err);
	assert_non_null(s);
	/* The same port again: in use. */
	snprintf(spec, sizeof spec, "127.0.0.1:%u", http_port(s));
	t = http_open(spec, NULL, err, sizeof err);
	assert_null(t);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, spec));
	assert_null(strchr(err, '\n'));
	/* A bad spec. */
	assert_null(http_open("nope", NULL, err, sizeof err));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "--listen"));
	/* Port 0 only with explicit limits (tests). */
	assert_null(http_open("127.0.0.1:0", NULL, err, sizeof err));
	/* Never started: freeing is fine, and so is NULL. */
	http_free(s);
	http_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_connection),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_parse_accept_headers),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_e2e_before_and_after_publish),
		cmocka_unit_test(test_e2e_status_codes),
		cmocka_unit_test(test_e2e_long_requests),
		cmocka_unit_test(test_e2e_keepalive_bound_and_pipelining),
		cmocka_unit_test(test_e2e_slowloris),
		cmocka_unit_test(test_e2e_many_connections),
		cmocka_unit_test(test_e2e_publish_while_reading),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
