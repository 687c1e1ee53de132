/* out_table.c - the plain, space-aligned table. */
#include "out.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fmt.h"
#include "outbuf.h"
#include "view.h"

enum { COL_INPKTS, COL_INBYTES, COL_OUTPKTS, COL_OUTBYTES, COL_CONNS, NUM_COLS };

static const char *const num_heads[NUM_COLS] = {
	"Inpkts", "Inbytes", "Outpkts", "Outbytes", "Conns",
};

static uint64_t num_value(const struct flow *f, int col)
{
	switch (col) {
	case COL_INPKTS:
		return f->c.in_packets;
	case COL_INBYTES:
		return f->c.in_bytes;
	case COL_OUTPKTS:
		return f->c.out_packets;
	case COL_OUTBYTES:
		return f->c.out_bytes;
	default:
		return f->conns;
	}
}

/* Per-interval columns of a stream, after the original ones. */
enum { RATE_IN, RATE_OUT, RATE_INPKT, RATE_OUTPKT, RATE_NEW, RATE_CLOSED, NUM_RATES };

static const char *const rate_heads[NUM_RATES] = {
	"In/s", "Out/s", "InPkt/s", "OutPkt/s", "New", "Closed",
};

/* Rates with one decimal; the counts of connections as they are. */
static void rate_cell(char *buf, size_t len, const struct flow *f, int col, double secs)
{
	const struct flow_delta *d = &f->d;
	uint64_t v[NUM_RATES] = {
		d->in_bytes, d->out_bytes, d->in_packets, d->out_packets,
		d->new_conns, d->closed_conns,
	};

	if (col >= RATE_NEW)
		fmt_u64(buf, len, v[col]);
	else
		snprintf(buf, len, "%.1f", (double)v[col] / secs);
}

static const char *peer_name(const struct out_opts *o, const struct flow *f)
{
	return o->name_of ? o->name_of(o->name_arg, f->key.family, &f->key.peer) : NULL;
}

/*
 * Each line is built in a buffer and written with one fwrite, as in
 * out_json.c: a row through fprintf cell by cell, with the endpoints first
 * formatted by snprintf (twice: once for the widths), took six times the
 * instructions.  The pieces stop at the end of the buffer rather than
 * overflow it; a line's longest possible content fits with room to spare.
 */
static void put_spaces(struct outbuf *l, size_t n)
{
	if (n > (size_t)(l->end - l->p))
		n = (size_t)(l->end - l->p);
	memset(l->p, ' ', n);
	l->p += n;
}

/* s (n bytes) padded to width, as printf's "%-*s" and "%*s". */
static void put_left(struct outbuf *l, const char *s, size_t n, size_t width)
{
	outbuf_mem(l, s, n);
	if (n < width)
		put_spaces(l, width - n);
}

static void put_right(struct outbuf *l, const char *s, size_t n, size_t width)
{
	if (n < width)
		put_spaces(l, width - n);
	outbuf_mem(l, s, n);
}

/* A Peer cell: an endpoint, and for a routed flow its NAT. */
#define TEXT_MAX	(2 * FMT_ENDPOINT_MAX)

/* The flow's port, or "many" for the side that has many (fmt_flow_ports()). */
static void put_port(struct outbuf *l, const struct flow *f, int local)
{
	if ((f->key.dir != FLOW_PASSIVE) == local)
		outbuf_mem(l, "many", 4);
	else
		outbuf_u64(l, f->key.port);
}

/*
 * fmt_flow_local() and fmt_flow_peer() into buf (FMT_ENDPOINT_MAX bytes,
 * unterminated, cut where their snprintf would cut); return the length.
 * IPv4 addresses are written here, the way inet_ntop() writes them: it
 * costs a few percent of a call to it.
 */
static size_t local_text(const struct out_opts *o, const struct flow *f, char *buf)
{
	struct outbuf l = { buf, buf + FMT_ENDPOINT_MAX - 1 };

	if (f->key.dir == FLOW_ROUTED) {
		/* A routed flow's left side is its client. */
		struct flow_route r;
		int known = o->route_of && o->route_of(o->route_arg, f->key.owner, &r) == 0;
		const char *name = known && o->name_of ?
			o->name_of(o->name_arg, f->key.family, &r.client) : NULL;

		fmt_route_client(f, known ? &r : NULL, name, buf, FMT_ENDPOINT_MAX);
		return strlen(buf);
	}
	if (!flow_has_port(&f->key)) {
		outbuf_mem(&l, "localhost", 9);
		return (size_t)(l.p - buf);
	}
	outbuf_mem(&l, "localhost:", 10);
	put_port(&l, f, 1);
	return (size_t)(l.p - buf);
}

/* After a routed flow's server: what NAT changed, " (dnat 10.0.1.10:8443)". */
static void put_nat(struct outbuf *l, const struct out_opts *o, const struct flow *f)
{
	struct flow_route r;
	char nat[FMT_ENDPOINT_MAX + 80];

	if (f->key.dir != FLOW_ROUTED || !o->route_of ||
	    o->route_of(o->route_arg, f->key.owner, &r) < 0)
		return;
	fmt_route_nat(f, &r, nat, sizeof nat);
	if (!nat[0])
		return;
	outbuf_mem(l, " (", 2);
	outbuf_str(l, nat);
	outbuf_char(l, ')');
}

static size_t peer_text(const struct out_opts *o, const struct flow *f, const char *name,
			char *buf)
{
	struct outbuf l = { buf, buf + TEXT_MAX - 1 };
	char addr[64];

	if (name) {
		outbuf_str(&l, name);
	} else if (f->key.family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				outbuf_char(&l, '.');
			outbuf_u64(&l, f->key.peer.b[i]);
		}
	} else {
		int brackets = f->key.family == AF_INET6 && flow_has_port(&f->key);

		ct_addr_str(f->key.family, &f->key.peer, addr, sizeof addr);
		if (brackets)
			outbuf_char(&l, '[');
		outbuf_str(&l, addr);
		if (brackets)
			outbuf_char(&l, ']');
	}
	/* A port-less flow (ICMP, GRE) is the bare address (fmt_flow_peer()). */
	if (flow_has_port(&f->key)) {
		outbuf_char(&l, ':');
		put_port(&l, f, 0);
	}
	put_nat(&l, o, f);
	return (size_t)(l.p - buf);
}

/* The Owner cell: the owner's name, "-" for the viewed namespace. */
static const char *owner_text(const struct out_opts *o, const struct flow *f,
			      struct owner_label *l)
{
	if (!f->key.owner || f->key.dir == FLOW_ROUTED)	/* routed: nobody's here */
		return "-";
	if (!o->owner_of || o->owner_of(o->owner_arg, f->key.owner, l) < 0)
		return "?";
	return l->name;
}

/* -P: the Process cell. */
static void proc_text(const struct out_opts *o, const struct flow *f, char *buf, size_t len)
{
	const struct flow_proc *fp = flow_proc(&o->side, f);
	struct proc_info pi;

	if (!fp->proc || !o->proc_of || o->proc_of(o->proc_arg, fp->proc, &pi) < 0)
		procs_label(NULL, 0, buf, len);
	else
		procs_label(&pi, fp->nprocs, buf, len);
}

static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Longer than any line: endpoints, 5 numbers, Proto, 6 rate cells, Owner, padded. */
#define LINE_MAX_BYTES	(2 * FMT_ENDPOINT_MAX + TEXT_MAX + OWNER_NAME_MAX + PROCS_LABEL_MAX + 1024)

int out_table_write(FILE *fp, const struct flow *const *rows, size_t n,
		    const struct out_opts *o)
{
	static const char head_local[] = "Local Address:Port";
	static const char head_peer[] = "Peer Address:Port";
	size_t wlocal = sizeof head_local - 1, wpeer = sizeof head_peer - 1;
	size_t wnum[NUM_COLS], wrate[NUM_RATES];
	char buf[TEXT_MAX], pb[16], cell[32], line[LINE_MAX_BYTES];
	int rates = o->stream && o->interval > 0, owners = 0;
	size_t wowner = 5;	/* "Owner", padded only when Process follows */
	char pt[PROCS_LABEL_MAX];
	struct owner_label ol;
	struct outbuf l;

	if (o->stream) {
		if (rates)
			fprintf(fp, "# time %s interval %.3f%s\n", o->time, o->interval,
				o->budget_held ? " (held back by the CPU budget)" : "");
		else
			fprintf(fp, "# time %s interval -\n", o->time);
	}
	for (int c = 0; c < NUM_COLS; c++)
		wnum[c] = strlen(num_heads[c]);
	for (int c = 0; c < NUM_RATES; c++)
		wrate[c] = strlen(rate_heads[c]);
	for (size_t i = 0; i < n; i++) {
		size_t w;

		view_prefetch(rows, i, n);
		/* Only where some row is another namespace's: a plain host looks as before. */
		owners |= o->owners && rows[i]->key.owner != 0 && rows[i]->key.dir != FLOW_ROUTED;
		if (o->processes && o->owners) {
			w = strlen(owner_text(o, rows[i], &ol));
			if (w > wowner)
				wowner = w;
		}
		if ((w = local_text(o, rows[i], buf)) > wlocal)
			wlocal = w;
		if ((w = peer_text(o, rows[i], peer_name(o, rows[i]), buf)) > wpeer)
			wpeer = w;
		for (int c = 0; c < NUM_COLS; c++)
			if ((w = digits(num_value(rows[i], c))) > wnum[c])
				wnum[c] = w;
		for (int c = 0; rates && c < NUM_RATES; c++) {
			rate_cell(cell, sizeof cell, rows[i], c, o->interval);
			if ((w = strlen(cell)) > wrate[c])
				wrate[c] = w;
		}
	}

	/* The original's first columns, in its order; new ones only appended. */
	l = (struct outbuf){ line, line + sizeof line };
	put_left(&l, head_local, sizeof head_local - 1, wlocal);
	outbuf_mem(&l, "   <-->   ", 10);
	put_left(&l, head_peer, sizeof head_peer - 1, wpeer);
	for (int c = 0; c < NUM_COLS; c++) {
		outbuf_mem(&l, "  ", 2);
		put_right(&l, num_heads[c], strlen(num_heads[c]), wnum[c]);
	}
	if (o->show_proto)
		outbuf_mem(&l, "  Proto", 7);
	for (int c = 0; rates && c < NUM_RATES; c++) {
		outbuf_mem(&l, "  ", 2);
		put_right(&l, rate_heads[c], strlen(rate_heads[c]), wrate[c]);
	}
	if (owners) {
		outbuf_mem(&l, "  ", 2);
		put_left(&l, "Owner", 5, o->processes ? wowner : 0);
	}
	if (o->processes)
		outbuf_mem(&l, "  Process", 9);
	outbuf_char(&l, '\n');
	fwrite(line, 1, (size_t)(l.p - line), fp);

	for (size_t i = 0; i < n && !ferror(fp); i++) {
		const struct flow *f = rows[i];

		view_prefetch(rows, i, n);
		l = (struct outbuf){ line, line + sizeof line };
		put_left(&l, buf, local_text(o, f, buf), wlocal);
		outbuf_mem(&l, f->key.dir == FLOW_PASSIVE ? "   <--    " : "   -->    ", 10);
		put_left(&l, buf, peer_text(o, f, peer_name(o, f), buf), wpeer);
		for (int c = 0; c < NUM_COLS; c++) {
			char d[20];

			outbuf_mem(&l, "  ", 2);
			put_right(&l, d, outbuf_dec(d, num_value(f, c)), wnum[c]);
		}
		if (o->show_proto) {
			const char *p = fmt_flow_proto(&f->key, pb, sizeof pb);

			outbuf_mem(&l, "  ", 2);
			put_left(&l, p, strlen(p), rates ? 5 : 0);
		}
		for (int c = 0; rates && c < NUM_RATES; c++) {
			rate_cell(cell, sizeof cell, f, c, o->interval);
			outbuf_mem(&l, "  ", 2);
			put_right(&l, cell, strlen(cell), wrate[c]);
		}
		if (owners) {
			if (o->show_proto && !rates) {
				const char *p = fmt_proto(f->key.proto, pb, sizeof pb);

				/* Proto was the last column, unpadded: line the owners up. */
				if (strlen(p) < 5)
					put_spaces(&l, 5 - strlen(p));
			}
			const char *ot = owner_text(o, f, &ol);

			outbuf_mem(&l, "  ", 2);
			put_left(&l, ot, strlen(ot), o->processes ? wowner : 0);
		}
		if (o->processes) {
			if (!owners && o->show_proto && !rates) {
				const char *p = fmt_proto(f->key.proto, pb, sizeof pb);

				if (strlen(p) < 5)
					put_spaces(&l, 5 - strlen(p));
			}
			proc_text(o, f, pt, sizeof pt);
			outbuf_mem(&l, "  ", 2);
			outbuf_str(&l, pt);
		}
		outbuf_char(&l, '\n');
		fwrite(line, 1, (size_t)(l.p - line), fp);
	}
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
