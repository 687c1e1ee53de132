/* out_json.c - the original's JSON array, plus "proto" and "connections". */
#include "out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "view.h"
#include "util.h"

/*
 * Objects are built in one 64 KiB buffer that goes out with one fwrite when
 * it may not hold another: formatting through stdio call by call cost twice
 * as much on 100k flows, and a fwrite per object another quarter.
 */
struct buf {
	char *p, *end;
};

static void put_n(struct buf *b, const char *s, size_t n)
{
	if (n > (size_t)(b->end - b->p))
		n = (size_t)(b->end - b->p);
	memcpy(b->p, s, n);
	b->p += n;
}

static void put(struct buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

/* A string literal: its length known when compiling. */
#define PUT(b, lit) put_n((b), "" lit, sizeof(lit) - 1)

static void put_u64(struct buf *b, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (n > b->end - b->p)
		return;
	while (n)
		*b->p++ = tmp[--n];
}

/* A JSON string, quotes included, escaping what JSON requires. */
static void put_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	PUT(b, "\"");
	for (; *s && b->end - b->p >= 6; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*b->p++ = '\\';
			*b->p++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(b->p, "\\u00", 4);
			b->p[4] = hex[c >> 4];
			b->p[5] = hex[c & 15];
			b->p += 6;
		} else {
			*b->p++ = (char)c;
		}
	}
	PUT(b, "\"");
}

static void put_delta(struct buf *b, const struct flow_delta *d)
{
	PUT(b, ",\"delta\":{\"inbound_packets\":");
	put_u64(b, d->in_packets);
	PUT(b, ",\"inbound_bytes\":");
	put_u64(b, d->in_bytes);
	PUT(b, ",\"outbound_packets\":");
	put_u64(b, d->out_packets);
	PUT(b, ",\"outbound_bytes\":");
	put_u64(b, d->out_bytes);
	PUT(b, ",\"new_connections\":");
	put_u64(b, d->new_conns);
	PUT(b, ",\"closed_connections\":");
	put_u64(b, d->closed_conns);
	PUT(b, "}");
}

/* Room one object may need: a name is at most 253 bytes, escaped six
 * times that, plus ~600 bytes of keys and numbers. */
#define OBJ_MAX 2560
#define OUT_BUF (64 * 1024)

static void flush(FILE *fp, char *start, struct buf *b)
{
	fwrite(start, 1, (size_t)(b->p - start), fp);
	b->p = start;
}

int out_json_write(FILE *fp, const struct flow *const *rows, size_t n,
		   const struct out_opts *o)
{
	char *out = xmalloc(OUT_BUF);
	struct buf b = { out, out + OUT_BUF };

	if (o->stream) {
		PUT(&b, "{\"time\":");
		put_string(&b, o->time ? o->time : "");
		flush(fp, out, &b);
		if (o->interval > 0)
			fprintf(fp, ",\"interval\":%.3f,\"flows\":", o->interval);
		else
			fputs(",\"interval\":null,\"flows\":", fp);
	}
	PUT(&b, "[");
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = rows[i];
		const char *name = o->name_of ?
			o->name_of(o->name_arg, f->key.family, &f->key.peer) : NULL;
		char addr[64], pb[16];
		int active = f->key.dir == FLOW_ACTIVE;

		view_prefetch(rows, i, n);
		if (b.end - b.p < OBJ_MAX) {
			flush(fp, out, &b);
			if (ferror(fp))
				break;
		}
		if (!name)
			name = ct_addr_str(f->key.family, &f->key.peer, addr, sizeof addr);
		if (i)
			PUT(&b, ",");
		PUT(&b, "{\"direction\":\"");
		if (active)
			PUT(&b, "active");
		else
			PUT(&b, "passive");
		PUT(&b, "\",\"local\":{\"addr\":\"localhost\",\"port\":\"");
		if (active)
			PUT(&b, "many");
		else
			put_u64(&b, f->key.port);
		PUT(&b, "\"},\"peer\":{\"addr\":");
		put_string(&b, name);
		PUT(&b, ",\"port\":\"");
		if (active)
			put_u64(&b, f->key.port);
		else
			PUT(&b, "many");
		PUT(&b, "\"},\"stat\":{\"total_inbound_packets\":");
		put_u64(&b, f->c.in_packets);
		PUT(&b, ",\"total_inbound_bytes\":");
		put_u64(&b, f->c.in_bytes);
		PUT(&b, ",\"total_outbound_packets\":");
		put_u64(&b, f->c.out_packets);
		PUT(&b, ",\"total_outbound_bytes\":");
		put_u64(&b, f->c.out_bytes);
		PUT(&b, "},\"proto\":\"");
		put(&b, fmt_proto(f->key.proto, pb, sizeof pb));
		PUT(&b, "\",\"connections\":");
		put_u64(&b, f->conns);
		if (o->stream) {
			if (o->interval > 0)
				put_delta(&b, &f->d);
			else
				PUT(&b, ",\"delta\":null");
		}
		PUT(&b, "}");
	}
	if (o->stream)
		PUT(&b, "]}\n");
	else
		PUT(&b, "]\n");
	flush(fp, out, &b);
	free(out);
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
