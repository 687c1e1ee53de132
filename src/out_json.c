/* out_json.c - the original's JSON array, plus "proto" and "connections". */
#include "out.h"

#include <errno.h>
#include <string.h>

#include "fmt.h"

/*
 * Each object is built in a buffer and written with one fwrite: formatting
 * through stdio call by call costs twice as much on 100k flows.
 */
struct buf {
	char *p, *end;
};

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)(b->end - b->p))
		n = (size_t)(b->end - b->p);
	memcpy(b->p, s, n);
	b->p += n;
}

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

	put(b, "\"");
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
	put(b, "\"");
}

static void put_delta(struct buf *b, const struct flow_delta *d)
{
	put(b, ",\"delta\":{\"inbound_packets\":");
	put_u64(b, d->in_packets);
	put(b, ",\"inbound_bytes\":");
	put_u64(b, d->in_bytes);
	put(b, ",\"outbound_packets\":");
	put_u64(b, d->out_packets);
	put(b, ",\"outbound_bytes\":");
	put_u64(b, d->out_bytes);
	put(b, ",\"new_connections\":");
	put_u64(b, d->new_conns);
	put(b, ",\"closed_connections\":");
	put_u64(b, d->closed_conns);
	put(b, "}");
}

int out_json_write(FILE *fp, const struct flow *const *rows, size_t n,
		   const struct out_opts *o)
{
	/* A name is at most 253 bytes; escaped, six times that, plus the rest. */
	char line[2048];

	if (o->stream) {
		struct buf b = { line, line + sizeof line };

		put(&b, "{\"time\":");
		put_string(&b, o->time ? o->time : "");
		fwrite(line, 1, (size_t)(b.p - line), fp);
		if (o->interval > 0)
			fprintf(fp, ",\"interval\":%.3f,\"flows\":", o->interval);
		else
			fputs(",\"interval\":null,\"flows\":", fp);
	}
	fputc('[', fp);
	for (size_t i = 0; i < n && !ferror(fp); i++) {
		const struct flow *f = rows[i];
		const char *name = o->name_of ?
			o->name_of(o->name_arg, f->key.family, &f->key.peer) : NULL;
		char addr[64], pb[16];
		struct buf b = { line, line + sizeof line };
		int active = f->key.dir == FLOW_ACTIVE;

		if (!name)
			name = ct_addr_str(f->key.family, &f->key.peer, addr, sizeof addr);
		if (i)
			put(&b, ",");
		put(&b, "{\"direction\":\"");
		put(&b, active ? "active" : "passive");
		put(&b, "\",\"local\":{\"addr\":\"localhost\",\"port\":\"");
		if (active)
			put(&b, "many");
		else
			put_u64(&b, f->key.port);
		put(&b, "\"},\"peer\":{\"addr\":");
		put_string(&b, name);
		put(&b, ",\"port\":\"");
		if (active)
			put_u64(&b, f->key.port);
		else
			put(&b, "many");
		put(&b, "\"},\"stat\":{\"total_inbound_packets\":");
		put_u64(&b, f->c.in_packets);
		put(&b, ",\"total_inbound_bytes\":");
		put_u64(&b, f->c.in_bytes);
		put(&b, ",\"total_outbound_packets\":");
		put_u64(&b, f->c.out_packets);
		put(&b, ",\"total_outbound_bytes\":");
		put_u64(&b, f->c.out_bytes);
		put(&b, "},\"proto\":\"");
		put(&b, fmt_proto(f->key.proto, pb, sizeof pb));
		put(&b, "\",\"connections\":");
		put_u64(&b, f->conns);
		if (o->stream) {
			if (o->interval > 0)
				put_delta(&b, &f->d);
			else
				put(&b, ",\"delta\":null");
		}
		put(&b, "}");
		fwrite(line, 1, (size_t)(b.p - line), fp);
	}
	fputs(o->stream ? "]}\n" : "]\n", fp);
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
