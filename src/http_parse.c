/*
 * http_parse.c - the pure parts of the /metrics server: --listen's value,
 * a request head, Accept negotiation.  No sockets, no allocation.
 */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int http_listen_parse(const char *spec, int allow_zero, struct sockaddr_storage *sa,
		      socklen_t *salen, char *err, size_t errlen)
{
	static const char form[] = "PORT, ADDR:PORT or [IPV6ADDR]:PORT, numeric";
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = spec, *colon;
	unsigned long p = 0;
	size_t hlen = 0;
	int v6 = 0;

	memset(sa, 0, sizeof *sa);
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%.60s' (%s)", spec, form);
			return -1;
		}
		hlen = (size_t)(close - spec - 1);
		if (hlen >= sizeof host) {
			snprintf(err, errlen, "'%.60s' (%s)", spec, form);
			return -1;
		}
		memcpy(host, spec + 1, hlen);
		v6 = 1;
		port = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if (strchr(spec, ':') != colon) {
			snprintf(err, errlen, "'%.60s' (an IPv6 address goes in brackets: "
				 "[::1]:9100)", spec);
			return -1;
		}
		hlen = (size_t)(colon - spec);
		if (hlen >= sizeof host) {
			snprintf(err, errlen, "'%.60s' (%s)", spec, form);
			return -1;
		}
		memcpy(host, spec, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    (p = strtoul(port, NULL, 10)) > 65535 || (p == 0 && !allow_zero)) {
		snprintf(err, errlen, "'%.60s' (the port is 1 to 65535; %s)", spec, form);
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(err, errlen, "'%.60s' (not a numeric IPv6 address: %s)", spec, form);
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*salen = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		/* The default is loopback: every other address must be asked for. */
		if (inet_pton(AF_INET, hlen ? host : "127.0.0.1", &s4->sin_addr) != 1) {
			snprintf(err, errlen, "'%.60s' (not a numeric IPv4 address: %s)", spec, form);
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*salen = sizeof *s4;
	}
	return 0;
}

/* RFC 9110 token characters. */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Case-insensitive: does s[0..n) equal the NUL-ended lit? */
static int eq_ci(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* ---- Accept ---- */

/* The best match so far for one format: how specific, and its q (0 to 1000). */
struct accept_match {
	int spec;	/* -1 none, 0 any type, 1 a whole type, 2 type and subtype */
	int q;
};

struct accept_state {
	struct accept_match om, text;
};

static void match_note(struct accept_match *m, int spec, int q)
{
	if (spec > m->spec) {
		m->spec = spec;
		m->q = q;
	} else if (spec == m->spec && q > m->q) {
		m->q = q;
	}
}

/* A qvalue (RFC 9110 12.4.2): "0", "1", "0.5", "1.000"; milli, or -1. */
static int parse_q(const char *s, size_t n)
{
	int q, scale = 100;

	if (n == 0 || n > 5 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.')
		return -1;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/*
 * One media range s[0..n) (no commas outside quotes): its matches go into
 * st.  A range that does not parse is skipped, as clients expect.
 */
static void accept_range(struct accept_state *st, const char *s, size_t n)
{
	const char *type, *sub, *ver = NULL;
	size_t i = 0, tlen, slen, vlen = 0;
	int q = 1000;

	type = s;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	tlen = i;
	if (!tlen || i >= n || s[i] != '/')
		return;
	sub = s + ++i;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	slen = (size_t)(s + i - sub);
	if (!slen)
		return;
	for (;;) {
		const char *pn, *pv;
		size_t pnl, pvl;
		int quoted = 0;

		while (i < n && is_ows((unsigned char)s[i]))
			i++;
		if (i == n)
			break;
		if (s[i] != ';')
			return;
		i++;
		while (i < n && is_ows((unsigned char)s[i]))
			i++;
		pn = s + i;
		while (i < n && is_tchar((unsigned char)s[i]))
			i++;
		pnl = (size_t)(s + i - pn);
		if (!pnl)
			continue;	/* "type/sub;" and ";;" are harmless */
		if (i >= n || s[i] != '=')
			return;
		i++;
		if (i < n && s[i] == '"') {
			quoted = 1;
			pv = s + ++i;
			while (i < n && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				i++;
			}
			if (i >= n)
				return;
			pvl = (size_t)(s + i - pv);
			i++;
		} else {
			pv = s + i;
			while (i < n && is_tchar((unsigned char)s[i]))
				i++;
			pvl = (size_t)(s + i - pv);
		}
		if (eq_ci(pn, pnl, "q")) {
			if (quoted || (q = parse_q(pv, pvl)) < 0)
				return;
		} else if (eq_ci(pn, pnl, "version")) {
			ver = pv;
			vlen = pvl;
		}
	}
	if (tlen == 1 && type[0] == '*') {
		if (slen != 1 || sub[0] != '*')
			return;
		match_note(&st->om, 0, q);
		match_note(&st->text, 0, q);
		return;
	}
	if (eq_ci(type, tlen, "application")) {
		if (slen == 1 && sub[0] == '*')
			match_note(&st->om, 1, q);
		else if (eq_ci(sub, slen, "openmetrics-text") &&
			 (!ver || (vlen == 5 && memcmp(ver, "1.0.0", 5) == 0)))
			match_note(&st->om, 2, q);
	} else if (eq_ci(type, tlen, "text")) {
		if (slen == 1 && sub[0] == '*')
			match_note(&st->text, 1, q);
		else if (eq_ci(sub, slen, "plain") &&
			 (!ver || (vlen == 5 && memcmp(ver, "0.0.4", 5) == 0)))
			match_note(&st->text, 2, q);
	}
}

static void accept_init(struct accept_state *st)
{
	st->om = (struct accept_match){ -1, 0 };
	st->text = (struct accept_match){ -1, 0 };
}

static void accept_add(struct accept_state *st, const char *s, size_t n)
{
	size_t start = 0, i;
	int quoted = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] == '"')
			quoted = !quoted;
		else if (i < n && quoted && s[i] == '\\' && i + 1 < n)
			i++;
		else if (i == n || (!quoted && s[i] == ',')) {
			size_t a = start, b = i;

			while (a < b && is_ows((unsigned char)s[a]))
				a++;
			while (b > a && is_ows((unsigned char)s[b - 1]))
				b--;
			if (a < b)
				accept_range(st, s + a, b - a);
			start = i + 1;
		}
	}
}

static int accept_openmetrics(const struct accept_state *st)
{
	int om = st->om.spec >= 0 ? st->om.q : 0, text = st->text.spec >= 0 ? st->text.q : 0;

	return om > text;
}

int http_prefers_openmetrics(const char *accept, size_t len)
{
	struct accept_state st;

	accept_init(&st);
	accept_add(&st, accept, len);
	return accept_openmetrics(&st);
}

/* ---- The request head ---- */

/* The path of a request target, without its query: /metrics? */
static int target_is_metrics(const char *t, size_t n)
{
	size_t plen;

	/* absolute-form (RFC 9112 3.2.2): http://authority/path */
	if (n >= 7 && strncasecmp(t, "http://", 7) == 0) {
		const char *slash = memchr(t + 7, '/', n - 7);

		if (!slash)
			return 0;
		n -= (size_t)(slash - t);
		t = slash;
	}
	if (t[0] != '/')
		return 0;
	for (plen = 0; plen < n && t[plen] != '?' && t[plen] != '#'; plen++)
		;
	return plen == 8 && memcmp(t, "/metrics", 8) == 0;
}

/* The request line s[0..n), its line end removed. */
static int parse_request_line(const char *s, size_t n, struct http_req *r, int *minor)
{
	size_t i = 0, m, t0, tn;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	m = i;
	if (!m || i >= n || s[i] != ' ')
		return 400;
	if (m == 3 && memcmp(s, "GET", 3) == 0)
		r->method = HTTP_GET;
	else if (m == 4 && memcmp(s, "HEAD", 4) == 0)
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	t0 = ++i;
	while (i < n && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f)
		i++;
	tn = i - t0;
	if (!tn || i >= n || s[i] != ' ')
		return 400;
	if (s[t0] != '/' && s[t0] != '*' && !(tn >= 7 && strncasecmp(s + t0, "http://", 7) == 0))
		return 400;
	r->metrics = target_is_metrics(s + t0, tn);
	i++;
	if (n - i != 8 || memcmp(s + i, "HTTP/", 5) != 0 || s[i + 5] < '0' || s[i + 5] > '9' ||
	    s[i + 6] != '.' || s[i + 7] < '0' || s[i + 7] > '9')
		return 400;
	if (s[i + 5] != '1')
		return 505;
	*minor = s[i + 7] - '0';
	return 0;
}

/* Connection's value: is "close" or "keep-alive" among its tokens? */
static void connection_tokens(const char *v, size_t n, int *close, int *keep)
{
	size_t i = 0;

	while (i < n) {
		size_t a, b;

		while (i < n && (is_ows((unsigned char)v[i]) || v[i] == ','))
			i++;
		a = i;
		while (i < n && v[i] != ',')
			i++;
		b = i;
		while (b > a && is_ows((unsigned char)v[b - 1]))
			b--;
		if (eq_ci(v + a, b - a, "close"))
			*close = 1;
		else if (eq_ci(v + a, b - a, "keep-alive"))
			*keep = 1;
	}
}

int http_parse(const char *buf, size_t len, struct http_req *r)
{
	struct accept_state acc;
	const char *nl, *p, *end;
	size_t line, limit = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	int minor = 0, st, hosts = 0, close = 0, keep = 0, body = 0, saw_cl = 0;
	unsigned long long cl = 0;

	memset(r, 0, sizeof *r);
	nl = memchr(buf, '\n', limit < HTTP_LINE_MAX ? limit : HTTP_LINE_MAX);
	if (!nl)
		return limit >= HTTP_LINE_MAX ? 414 : len >= HTTP_HEAD_MAX ? 431 : HTTP_PARSE_MORE;
	line = (size_t)(nl - buf);
	if (line && buf[line - 1] == '\r')
		line--;
	if (memchr(buf, '\r', line))
		return 400;
	st = parse_request_line(buf, line, r, &minor);
	if (st)
		return st;
	accept_init(&acc);
	p = nl + 1;
	end = buf + limit;
	for (;;) {
		const char *v, *ve;
		size_t n, name;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return len >= HTTP_HEAD_MAX ? 431 : HTTP_PARSE_MORE;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		/* No folded lines (RFC 9112 5.2), no bare CR, no NUL or other controls. */
		for (name = 0; name < n && is_tchar((unsigned char)p[name]); name++)
			;
		if (!name || name >= n || p[name] != ':')
			return 400;
		v = p + name + 1;
		ve = p + n;
		for (const char *c = v; c < ve; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
				return 400;
		while (v < ve && is_ows((unsigned char)*v))
			v++;
		while (ve > v && is_ows((unsigned char)ve[-1]))
			ve--;
		if (eq_ci(p, name, "host")) {
			hosts++;
		} else if (eq_ci(p, name, "connection")) {
			connection_tokens(v, (size_t)(ve - v), &close, &keep);
		} else if (eq_ci(p, name, "accept")) {
			accept_add(&acc, v, (size_t)(ve - v));
		} else if (eq_ci(p, name, "content-length")) {
			unsigned long long x = 0;
			size_t dn = (size_t)(ve - v);

			if (!dn || dn > 18)
				return 400;
			for (size_t k = 0; k < dn; k++) {
				if (v[k] < '0' || v[k] > '9')
					return 400;
				x = x * 10 + (unsigned)(v[k] - '0');
			}
			/* Two that differ: which one frames the body is ambiguous. */
			if (saw_cl && x != cl)
				return 400;
			saw_cl = 1;
			cl = x;
			if (x)
				body = 1;
		} else if (eq_ci(p, name, "transfer-encoding")) {
			body = 1;
		}
		p = nl + 1;
	}
	r->head_len = (size_t)(nl + 1 - buf);
	if (minor >= 1 && hosts != 1)
		return 400;
	if (hosts > 1)
		return 400;
	r->keep_alive = !body && !close && (minor >= 1 || keep);
	r->openmetrics = accept_openmetrics(&acc);
	return HTTP_PARSE_OK;
}
