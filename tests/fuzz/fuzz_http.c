/*
 * fuzz_http.c - libFuzzer target for the /metrics server's pure parts
 * (http_parse.c): the input as a request head to http_parse(), as an
 * Accept value to http_prefers_openmetrics(), and, NUL-ended, as --listen's
 * value to http_listen_parse().  Each gets an exact-size heap copy, so a
 * read past the end is an ASan error.
 *
 * Invariants (a violation traps): http_parse() returns need-more, a head,
 * or one of 400, 414, 431, 505; need-more only below HTTP_HEAD_MAX bytes;
 * nothing past HTTP_HEAD_MAX bytes changes the answer; a head ends with
 * '\n' within the input and HTTP_HEAD_MAX, parses the same from a copy
 * that ends there, and needs more without its last byte; the request's
 * fields are in range.  Accept negotiation answers 0 or 1, and 0 once
 * ", text/plain;q=1" follows a value without quotes (text wins ties).
 * --listen gives a socket address of the family and size it says, or an
 * error message.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int parse_copy(const uint8_t *data, size_t n, struct http_req *r)
{
	char *c = malloc(n ? n : 1);
	int st;

	memcpy(c, data, n);
	st = http_parse(c, n, r);
	free(c);
	return st;
}

static int same_req(const struct http_req *a, const struct http_req *b)
{
	return a->method == b->method && a->metrics == b->metrics &&
	       a->keep_alive == b->keep_alive && a->openmetrics == b->openmetrics &&
	       a->head_len == b->head_len;
}

static void check_parse(const uint8_t *data, size_t size)
{
	struct http_req r, r2;
	int st = parse_copy(data, size, &r);

	CHECK(st == HTTP_PARSE_MORE || st == HTTP_PARSE_OK || st == 400 || st == 414 ||
	      st == 431 || st == 505);
	if (st == HTTP_PARSE_MORE)
		CHECK(size < HTTP_HEAD_MAX);
	if (size > HTTP_HEAD_MAX) {
		CHECK(parse_copy(data, HTTP_HEAD_MAX, &r2) == st);
		if (st == HTTP_PARSE_OK)
			CHECK(same_req(&r, &r2));
	}
	if (st != HTTP_PARSE_OK)
		return;
	CHECK(r.method == HTTP_GET || r.method == HTTP_HEAD || r.method == HTTP_OTHER);
	CHECK(r.metrics == 0 || r.metrics == 1);
	CHECK(r.keep_alive == 0 || r.keep_alive == 1);
	CHECK(r.openmetrics == 0 || r.openmetrics == 1);
	CHECK(r.head_len >= 4 && r.head_len <= size && r.head_len <= HTTP_HEAD_MAX);
	CHECK(data[r.head_len - 1] == '\n');
	CHECK(parse_copy(data, r.head_len, &r2) == HTTP_PARSE_OK && same_req(&r, &r2));
	CHECK(parse_copy(data, r.head_len - 1, &r2) == HTTP_PARSE_MORE);
}

static void check_accept(const uint8_t *data, size_t size)
{
	static const char tail[] = ", text/plain;q=1";
	char *c = malloc(size + sizeof tail);
	int om;

	memcpy(c, data, size);
	om = http_prefers_openmetrics(c, size);
	CHECK(om == 0 || om == 1);
	if (!memchr(data, '"', size)) {
		memcpy(c + size, tail, sizeof tail - 1);
		CHECK(http_prefers_openmetrics(c, size + sizeof tail - 1) == 0);
	}
	free(c);
}

static void check_listen(const uint8_t *data, size_t size)
{
	struct sockaddr_storage sa;
	socklen_t len = 0;
	char err[200], *c;

	if (size > 100)
		return;
	c = malloc(size + 1);
	memcpy(c, data, size);
	c[size] = '\0';
	err[0] = '\0';
	if (http_listen_parse(c, size & 1, &sa, &len, err, sizeof err) == 0) {
		CHECK((sa.ss_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
		      (sa.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6)));
	} else {
		CHECK(err[0] && strnlen(err, sizeof err) < sizeof err);
	}
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_accept(data, size);
	check_listen(data, size);
	return 0;
}
