/* ports.c - parse and match port filters. */
#include "ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void port_filter_init(struct port_filter *f)
{
	memset(f, 0, sizeof *f);
}

void port_filter_fini(struct port_filter *f)
{
	free(f->r);
	port_filter_init(f);
}

void port_filter_clear(struct port_filter *f)
{
	f->n = 0;
	f->npos = 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (len == 0) {
		snprintf(err, errlen, "missing port number");
		return -1;
	}
	if (parse_u64(s, len, UINT64_MAX, &v) < 0) {
		/* Keep the message short even for absurd input. */
		snprintf(err, errlen, "'%.*s' is not a port number", len > 20 ? 20 : (int)len, s);
		return -1;
	}
	if (v > 65535) {
		snprintf(err, errlen, "port %.*s is out of range (0-65535)", len > 20 ? 20 : (int)len, s);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

int port_filter_parse(struct port_filter *f, const char *text, char *err, size_t errlen)
{
	size_t n0 = f->n, npos0 = f->npos;
	const char *p = text;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *item = p, *dash;
		struct port_range r = { 0, 0, 0 };

		trim(&item, &len);
		if (len && *item == '!') {
			r.negate = 1;
			item++;
			len--;
			trim(&item, &len);
		}
		dash = memchr(item, '-', len);
		if (dash == item) {
			/* "-1" is a negative number to a user, not a range. */
			snprintf(err, errlen, "'%.*s' is not a port number", len > 20 ? 20 : (int)len, item);
			goto fail;
		}
		if (dash) {
			size_t l1 = (size_t)(dash - item);
			const char *s2 = dash + 1;
			size_t l2 = len - l1 - 1;

			trim(&item, &l1);
			trim(&s2, &l2);
			if (parse_port(item, l1, &r.lo, err, errlen) < 0 ||
			    parse_port(s2, l2, &r.hi, err, errlen) < 0)
				goto fail;
			if (r.lo > r.hi) {
				snprintf(err, errlen, "range %u-%u is backwards", r.lo, r.hi);
				goto fail;
			}
		} else {
			if (parse_port(item, len, &r.lo, err, errlen) < 0)
				goto fail;
			r.hi = r.lo;
		}
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 8;
			f->r = xrealloc(f->r, f->cap * sizeof *f->r);
		}
		f->r[f->n++] = r;
		if (!r.negate)
			f->npos++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
fail:
	f->n = n0;
	f->npos = npos0;
	return -1;
}

int port_filter_empty(const struct port_filter *f)
{
	return f->n == 0;
}

int port_filter_match(const struct port_filter *f, uint16_t port)
{
	int pos = f->npos == 0;

	for (size_t i = 0; i < f->n; i++) {
		const struct port_range *r = &f->r[i];

		if (port < r->lo || port > r->hi)
			continue;
		if (r->negate)
			return 0;
		pos = 1;
	}
	return pos;
}

int port_filter_names(const struct port_filter *f, uint16_t port)
{
	return f->npos && port_filter_match(f, port);
}

void port_filter_str(const struct port_filter *f, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < f->n && off < len; i++) {
		const struct port_range *r = &f->r[i];
		int w;

		if (r->lo == r->hi)
			w = snprintf(buf + off, len - off, "%s%s%u", i ? "," : "",
				     r->negate ? "!" : "", r->lo);
		else
			w = snprintf(buf + off, len - off, "%s%s%u-%u", i ? "," : "",
				     r->negate ? "!" : "", r->lo, r->hi);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

void port_filter_copy(struct port_filter *dst, const struct port_filter *src)
{
	port_filter_init(dst);
	if (!src || src->n == 0)
		return;
	dst->r = xmalloc(src->n * sizeof *dst->r);
	memcpy(dst->r, src->r, src->n * sizeof *dst->r);
	dst->n = dst->cap = src->n;
	dst->npos = src->npos;
}
