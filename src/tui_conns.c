/*
 * tui_conns.c - the connection list (Enter on a flow): the conntrack
 * entries of the watched flow, one per line, as the monitor's second mode.
 * Connections that have ended (a TCP, SCTP or DCCP close under way, or
 * destroyed: ct_entry_ended()) but are still in the table are listed with
 * their state, dimmed.
 */
#include "tui_int.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define CONN_TEXT_MAX	(2 * FMT_ENDPOINT_MAX + 8)	/* "a -> b", "from a to b" */
/* An established TCP entry lives 5 days: hours read better than 431999s. */
#define TIMEOUT_SECS_BELOW	1000	/* s: shown in seconds below this */
#define TIMEOUT_MINS_BELOW	60000	/* s: in minutes below this, then in hours */
#define HEADER_MIN_LINES	3	/* lines from which the list has column titles */
#define GRAPH_ROWS	4	/* the graph's bars; a line of labels above them */
#define GRAPH_CELLS_MAX	512	/* cells of one graph (half the width) at most */
/* The graph only when the list keeps its titles and a few connections under it. */
#define GRAPH_MIN_LINES	(1 + GRAPH_ROWS + HEADER_MIN_LINES + 2)

/* An address, with its port for the protocols that have ports (ICMP's id is in State). */
static void endpoint_text(char *buf, size_t len, const struct ct_entry *e,
			  const struct ct_addr *a, uint16_t port)
{
	char ps[8];

	snprintf(ps, sizeof ps, "%u", port);
	fmt_endpoint(buf, len, e->family, a, NULL, ct_proto_has_ports(e->proto) ? ps : NULL);
}

static void tuple_text(char *buf, size_t len, const struct ct_entry *e, const struct ct_tuple *tu)
{
	char a[FMT_ENDPOINT_MAX], b[FMT_ENDPOINT_MAX];

	endpoint_text(a, sizeof a, e, &tu->src, tu->sport);
	endpoint_text(b, sizeof b, e, &tu->dst, tu->dport);
	snprintf(buf, len, "%s -> %s", a, b);
}

/*
 * NAT shows as a reply that is not the mirror of the original direction;
 * port-less protocols by their addresses only (an ICMP reply's type differs).
 */
static int reply_src_moved(const struct ct_entry *e)
{
	return !ct_addr_equal(&e->reply.src, &e->orig.dst) ||
	       (ct_proto_has_ports(e->proto) && e->reply.sport != e->orig.dport);
}

static int reply_dst_moved(const struct ct_entry *e)
{
	return !ct_addr_equal(&e->reply.dst, &e->orig.src) ||
	       (ct_proto_has_ports(e->proto) && e->reply.dport != e->orig.sport);
}

static int is_natted(const struct ct_entry *e)
{
	return reply_src_moved(e) || reply_dst_moved(e);
}

/* "from B:80" (DNAT: the reply comes from elsewhere), "to A:1024" (SNAT), or both. */
static void nat_text(char *buf, size_t len, const struct ct_entry *e)
{
	char from[FMT_ENDPOINT_MAX], to[FMT_ENDPOINT_MAX];

	endpoint_text(from, sizeof from, e, &e->reply.src, e->reply.sport);
	endpoint_text(to, sizeof to, e, &e->reply.dst, e->reply.dport);
	if (reply_src_moved(e) && reply_dst_moved(e))
		snprintf(buf, len, "from %s to %s", from, to);
	else if (reply_src_moved(e))
		snprintf(buf, len, "from %s", from);
	else if (reply_dst_moved(e))
		snprintf(buf, len, "to %s", to);
	else
		buf[0] = '\0';
}

/*
 * TCP's, SCTP's and DCCP's state; ICMP's type and id ("echo id 4711",
 * "type 13 id 7"); UNREPLIED or ASSURED for the other protocols without
 * states.
 */
static void state_text(char *buf, size_t len, const struct ct_entry *e)
{
	const char *st = ct_entry_state_name(e);
	int stateless = e->proto == IPPROTO_UDP || e->proto == IPPROTO_UDPLITE ||
			e->proto == IPPROTO_GRE;

	if (st) {
		snprintf(buf, len, "%s", st);
	} else if (ct_proto_is_icmp(e->proto)) {
		unsigned type = CT_ICMP_TYPE(e->orig.dport);

		if (type == (e->proto == IPPROTO_ICMP ? 8u : 128u))
			snprintf(buf, len, "echo id %u", e->orig.sport);
		else
			snprintf(buf, len, "type %u id %u", type, e->orig.sport);
	} else if (stateless && !(e->status & CT_STATUS_SEEN_REPLY)) {
		snprintf(buf, len, "UNREPLIED");
	} else if (stateless && (e->status & CT_STATUS_ASSURED)) {
		snprintf(buf, len, "ASSURED");
	} else {
		cell_dash(buf, len);
	}
}

static void pair_text(char *buf, size_t len, const struct ct_entry *e, uint64_t o, uint64_t r)
{
	char a[16], b[16];

	if (!(e->flags & CT_F_COUNTERS)) {
		cell_dash(buf, len);
		return;
	}
	fmt_human(a, sizeof a, (double)o);
	fmt_human(b, sizeof b, (double)r);
	snprintf(buf, len, "%s/%s", a, b);
}

static void timeout_text(char *buf, size_t len, unsigned secs)
{
	if (secs < TIMEOUT_SECS_BELOW)
		snprintf(buf, len, "%us", secs);
	else if (secs < TIMEOUT_MINS_BELOW)
		snprintf(buf, len, "%um", secs / 60);
	else
		snprintf(buf, len, "%uh", secs / 3600);
}

/* How long ago the kernel created it, at the snapshot (now_ns, CLOCK_REALTIME). */
static void age_text(char *buf, size_t len, const struct ct_entry *e, uint64_t now_ns)
{
	if (!(e->flags & CT_F_TSTAMP)) {
		cell_dash(buf, len);
		return;
	}
	/* A clock stepped back, or an entry born during the dump: not negative. */
	fmt_duration(buf, len, now_ns > e->start_ns ? (now_ns - e->start_ns) / 1000000000u : 0);
}

static uint64_t frame_ns(const struct mon_frame *f)
{
	if (f->when.tv_sec < 0)
		return 0;
	return (uint64_t)f->when.tv_sec * 1000000000u + (uint64_t)f->when.tv_nsec;
}

static void conn_text(const struct ct_entry *e, enum conn_col c, uint64_t now_ns, char *buf,
		      size_t len)
{
	char tmp[8];

	switch (c) {
	case CONN_PROTO:
		snprintf(buf, len, "%s", fmt_proto(e->proto, tmp, sizeof tmp));
		return;
	case CONN_ORIG:
		tuple_text(buf, len, e, &e->orig);
		return;
	case CONN_ZONE:
		/* A zone of one direction says which (zone-orig=, zone-reply=). */
		snprintf(buf, len, "%u%s", e->zone, (e->flags & CT_F_ZONE_ORIG) ? " orig" :
			 (e->flags & CT_F_ZONE_REPLY) ? " reply" : "");
		return;
	case CONN_REPLY:
		nat_text(buf, len, e);
		return;
	case CONN_STATE:
		state_text(buf, len, e);
		return;
	case CONN_PKTS:
		pair_text(buf, len, e, e->orig.packets, e->reply.packets);
		return;
	case CONN_BYTES:
		pair_text(buf, len, e, e->orig.bytes, e->reply.bytes);
		return;
	case CONN_AGE:
		age_text(buf, len, e, now_ns);
		return;
	case CONN_TIMEOUT:
		timeout_text(buf, len, e->timeout);
		return;
	case CONN_ID:
		if (e->flags & CT_F_ID)
			snprintf(buf, len, "%u", e->id);
		else
			cell_dash(buf, len);
		return;
	default:
		buf[0] = '\0';
	}
}

/*
 * Widths from the n rows on screen; the NAT column only when one of them is
 * NATed, Age only when one of them has its creation time, Zone only when
 * one of them is in a zone other than 0.
 */
static void lay_out(struct conn_layout *l, const struct ct_entry *e, size_t n, uint64_t now_ns,
		    int width)
{
	char buf[CONN_TEXT_MAX];
	int want[CONN_MAX] = { 0 }, nat = 0, ages = 0, zones = 0;

	for (size_t i = 0; i < n; i++) {
		nat |= is_natted(&e[i]);
		ages |= (e[i].flags & CT_F_TSTAMP) != 0;
		zones |= e[i].zone != 0;
		for (int c = 0; c < CONN_MAX; c++) {
			int len;

			conn_text(&e[i], (enum conn_col)c, now_ns, buf, sizeof buf);
			len = (int)strlen(buf);
			if (len > want[c])
				want[c] = len;
		}
	}
	if (!zones)
		want[CONN_ZONE] = 0;
	layout_conns(l, want, nat, ages, width);
}

static void draw_title(const struct tui *t, int y)
{
	struct flow fl;
	char local[64], peer[FMT_ENDPOINT_MAX], buf[FMT_ENDPOINT_MAX + 160], tmp[24];
	const struct mon_frame *lf = t->list_frame;
	int x;

	memset(&fl, 0, sizeof fl);
	fl.key = t->watched;
	fmt_flow_local(&fl, local, sizeof local);
	fmt_flow_peer(&fl, NULL, peer, sizeof peer);
	if (fl.key.dir == FLOW_ROUTED) {
		struct flow_route r;
		int known = t->feed.route(t->feed.arg, fl.key.owner, &r) == 0;

		fmt_route_client(&fl, known ? &r : NULL, NULL, local, sizeof local);
	}
	cell_rule(t, y);
	snprintf(buf, sizeof buf, " Connections of %s %s %s (%s) ", local,
		 fl.key.dir == FLOW_PASSIVE ? "<--" : "-->", peer,
		 fmt_flow_proto(&fl.key, tmp, sizeof tmp));
	x = cell_put(y, 1, COLS - 1, buf, cell_attr(t, R_FOCUS));
	if (!lf)
		return;
	if (lf->conns_total > lf->nconns)
		snprintf(buf, sizeof buf, " %zu more not listed ", lf->conns_total - lf->nconns);
	else
		snprintf(buf, sizeof buf, " %zu ", lf->nconns);
	cell_put(y, x + 1, COLS - x - 1, buf, A_NORMAL);
}

/* One graph of rates (oldest first) at x, w cells wide, its label above. */
static void draw_graph(const struct tui *t, int y, int x, int w, const char *what,
		       const double *v)
{
	static char rows[GRAPH_ROWS][GRAPH_CELLS_MAX * TREND_GLYPH_MAX + 1];
	double max = trend_max(v, TREND_N);
	char label[64], h[16];

	if (w > GRAPH_CELLS_MAX)
		w = GRAPH_CELLS_MAX;
	if (w < 1)
		return;
	fmt_human(h, sizeof h, max);
	snprintf(label, sizeof label, "%s max %s", what, h);
	cell_put(y, x, w, label, cell_attr(t, R_COLS));
	trend_graph(rows[0], sizeof rows[0], GRAPH_ROWS, w, v, TREND_N, max,
		    flows_trend_blocks(t));
	for (int r = 0; r < GRAPH_ROWS; r++)
		cell_put_wide(y + 1 + r, x, w, rows[r], A_NORMAL);
}

/*
 * The watched flow's rates in (left) and out (right) over the last
 * TREND_N dumps, each scaled to its own maximum, which its label gives.
 * Returns the lines it took.
 */
static int draw_graphs(const struct tui *t, int y)
{
	double in[TREND_N], out[TREND_N];
	int half = (COLS - 1) / 2;

	if (!t->trend || !t->trend_on)
		return 0;
	trend_get(t->trend, &t->watched, in, out);
	draw_graph(t, y, 0, half, "In/s", in);
	draw_graph(t, y, half + 1, COLS - half - 1, "Out/s", out);
	return 1 + GRAPH_ROWS;
}

void conns_draw(struct tui *t)
{
	const struct mon_frame *lf = t->list_frame;
	int y = t->head_lines, bottom = LINES - t->foot_lines, hdr;
	struct conn_layout l;
	size_t n, maxtop;
	uint64_t now_ns;

	draw_title(t, y++);
	if (bottom - y >= GRAPH_MIN_LINES)
		y += draw_graphs(t, y);
	if (!lf) {
		cell_put(y, 2, COLS - 2, t->rp ? "a recording keeps flows, not their connections" :
			 "collecting...", cell_attr(t, R_CLOSED));
		return;
	}
	if (lf->nconns == 0) {
		cell_put(y, 2, COLS - 2, "no connections left: the flow has closed",
			 cell_attr(t, R_CLOSED));
		return;
	}
	hdr = bottom - y >= HEADER_MIN_LINES;
	t->list_rows = (size_t)(bottom - y - hdr > 1 ? bottom - y - hdr : 1);
	n = lf->nconns;
	maxtop = n > t->list_rows ? n - t->list_rows : 0;
	if (t->list_top > maxtop)
		t->list_top = maxtop;
	now_ns = frame_ns(lf);
	lay_out(&l, lf->conns + t->list_top,
		n - t->list_top < t->list_rows ? n - t->list_top : t->list_rows, now_ns, COLS);
	if (hdr) {
		for (int c = 0; c < CONN_MAX; c++)
			if (l.shown[c])
				cell_put_cut(t, y, l.x[c], l.w[c], layout_conn_titles[c], 0,
					     TR_END, cell_attr(t, R_COLS));
		y++;
	}
	for (size_t i = t->list_top; i < n && y < bottom; i++, y++) {
		const struct ct_entry *e = &lf->conns[i];
		attr_t a = ct_entry_ended(e) ? cell_attr(t, R_CLOSED) : A_NORMAL;
		char buf[CONN_TEXT_MAX];

		/* The connection D asks about. */
		if (t->confirm && !t->del_flow && i == t->list_top)
			a |= A_REVERSE;

		for (int c = 0; c < CONN_MAX; c++) {
			if (!l.shown[c])
				continue;
			conn_text(e, (enum conn_col)c, now_ns, buf, sizeof buf);
			cell_put_cut(t, y, l.x[c], l.w[c], buf, 0, TR_END, a);
		}
	}
}

static int conn_cmp(const void *x, const void *y)
{
	const struct ct_entry *a = x, *b = y;
	int c = memcmp(a->orig.src.b, b->orig.src.b, sizeof a->orig.src.b);

	if (c)
		return c;
	if (a->orig.sport != b->orig.sport)
		return a->orig.sport < b->orig.sport ? -1 : 1;
	c = memcmp(a->orig.dst.b, b->orig.dst.b, sizeof a->orig.dst.b);
	if (c)
		return c;
	if (a->orig.dport != b->orig.dport)
		return a->orig.dport < b->orig.dport ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Ordered by tuple so rows keep their place from one frame to the next. */
void conns_sort(struct mon_frame *f)
{
	if (f->nconns)
		qsort(f->conns, f->nconns, sizeof *f->conns, conn_cmp);
}
