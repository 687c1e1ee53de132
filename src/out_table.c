/* out_table.c - the plain, space-aligned table. */
#include "out.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

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

static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

int out_table_write(FILE *fp, const struct flow *const *rows, size_t n,
		    const struct out_opts *o)
{
	static const char head_local[] = "Local Address:Port";
	static const char head_peer[] = "Peer Address:Port";
	size_t wlocal = sizeof head_local - 1, wpeer = sizeof head_peer - 1;
	size_t wnum[NUM_COLS], wrate[NUM_RATES];
	char buf[FMT_ENDPOINT_MAX], pb[16], cell[32];
	int rates = o->stream && o->interval > 0;

	if (o->stream) {
		if (rates)
			fprintf(fp, "# time %s interval %.3f\n", o->time, o->interval);
		else
			fprintf(fp, "# time %s interval -\n", o->time);
	}
	for (int c = 0; c < NUM_COLS; c++)
		wnum[c] = strlen(num_heads[c]);
	for (int c = 0; c < NUM_RATES; c++)
		wrate[c] = strlen(rate_heads[c]);
	for (size_t i = 0; i < n; i++) {
		size_t l;

		fmt_flow_local(rows[i], buf, sizeof buf);
		if ((l = strlen(buf)) > wlocal)
			wlocal = l;
		fmt_flow_peer(rows[i], peer_name(o, rows[i]), buf, sizeof buf);
		if ((l = strlen(buf)) > wpeer)
			wpeer = l;
		for (int c = 0; c < NUM_COLS; c++)
			if ((l = digits(num_value(rows[i], c))) > wnum[c])
				wnum[c] = l;
		for (int c = 0; rates && c < NUM_RATES; c++) {
			rate_cell(cell, sizeof cell, rows[i], c, o->interval);
			if ((l = strlen(cell)) > wrate[c])
				wrate[c] = l;
		}
	}

	/* The original's first columns, in its order; new ones only appended. */
	fprintf(fp, "%-*s   %-4s   %-*s", (int)wlocal, head_local, "<-->", (int)wpeer, head_peer);
	for (int c = 0; c < NUM_COLS; c++)
		fprintf(fp, "  %*s", (int)wnum[c], num_heads[c]);
	if (o->show_proto)
		fputs("  Proto", fp);
	for (int c = 0; rates && c < NUM_RATES; c++)
		fprintf(fp, "  %*s", (int)wrate[c], rate_heads[c]);
	fputc('\n', fp);

	for (size_t i = 0; i < n; i++) {
		const struct flow *f = rows[i];

		fmt_flow_local(f, buf, sizeof buf);
		fprintf(fp, "%-*s   %-4s   ", (int)wlocal, buf,
			f->key.dir == FLOW_ACTIVE ? "-->" : "<--");
		fmt_flow_peer(f, peer_name(o, f), buf, sizeof buf);
		fprintf(fp, "%-*s", (int)wpeer, buf);
		for (int c = 0; c < NUM_COLS; c++) {
			char num[24];

			fmt_u64(num, sizeof num, num_value(f, c));
			fprintf(fp, "  %*s", (int)wnum[c], num);
		}
		if (o->show_proto)
			fprintf(fp, rates ? "  %-5s" : "  %s",
				fmt_proto(f->key.proto, pb, sizeof pb));
		for (int c = 0; rates && c < NUM_RATES; c++) {
			rate_cell(cell, sizeof cell, f, c, o->interval);
			fprintf(fp, "  %*s", (int)wrate[c], cell);
		}
		if (fputc('\n', fp) == EOF)
			break;
	}
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
