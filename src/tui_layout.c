/*
 * tui_layout.c - the monitor's geometry without curses: the one table of
 * flow columns, and the fitting of columns, header segments and lines.
 */
#include "tui_layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui_trend.h"

/*
 * Adding a column is this one row (and its name in enum col): its titles,
 * width, when it drops, the sorts < > step through on it, and its text.
 * The < > steps run left to right: a column's pair sort (it and the next
 * column), then its own.  Every enum view_sort value appears once.
 */
const struct col_def layout_cols[COL_MAX] = {
	[COL_LOCAL] = { "Local", "Local", 14, 0, 0, DROP_NEVER, 0,
			VIEW_SORT_PORT, VIEW_SORT_PORT, COL_NO_SORT, COL_NO_SORT,
			flows_local_text },
	[COL_ARROW] = { "", "", 5, 0, 0, DROP_NEVER, 0,
			COL_NO_SORT, COL_NO_SORT, COL_NO_SORT, COL_NO_SORT,
			flows_arrow_text },
	[COL_PEER] = { "Peer", "Peer", 4, 0, 0, DROP_NEVER, 0,
		       VIEW_SORT_PEER, VIEW_SORT_PEER, COL_NO_SORT, COL_NO_SORT,
		       flows_peer_cell },
	[COL_CONNS] = { "Conns", "Conns", 5, 1, 1, DROP_EARLY, 7,
			VIEW_SORT_CONNS, VIEW_SORT_CONNS, COL_NO_SORT, COL_NO_SORT,
			flows_conns_text },
	[COL_IN] = { "In/s", "In", 4, 1, 1, DROP_LATE, 8,
		     VIEW_SORT_INRATE, VIEW_SORT_INBYTES, VIEW_SORT_RATE, VIEW_SORT_BYTES,
		     flows_in_text },
	[COL_OUT] = { "Out/s", "Out", 5, 1, 1, DROP_LATE, 7,
		      VIEW_SORT_OUTRATE, VIEW_SORT_OUTBYTES, COL_NO_SORT, COL_NO_SORT,
		      flows_out_text },
	[COL_INPKT] = { "InPkt/s", "InPkt", 7, 1, 1, DROP_EARLY, 4,
			VIEW_SORT_INPPS, VIEW_SORT_INPKTS, VIEW_SORT_PPS, VIEW_SORT_PACKETS,
			flows_inpkt_text },
	[COL_OUTPKT] = { "OutPkt/s", "OutPkt", 8, 1, 1, DROP_EARLY, 3,
			 VIEW_SORT_OUTPPS, VIEW_SORT_OUTPKTS, COL_NO_SORT, COL_NO_SORT,
			 flows_outpkt_text },
	[COL_NEW] = { "New", "New", 4, 1, 1, DROP_EARLY, 6,
		      VIEW_SORT_NEW, VIEW_SORT_NEW, COL_NO_SORT, COL_NO_SORT,
		      flows_new_text },
	[COL_CLOSED] = { "Closed", "Closed", 6, 1, 1, DROP_EARLY, 5,
			 VIEW_SORT_CLOSED, VIEW_SORT_CLOSED, COL_NO_SORT, COL_NO_SORT,
			 flows_closed_text },
	/* A sparkline of TREND_N intervals (tui_trend.h); only when on (T). */
	[COL_TREND] = { "Trend", "Trend", TREND_N, 1, 0, DROP_EARLY, 0,
			COL_NO_SORT, COL_NO_SORT, COL_NO_SORT, COL_NO_SORT,
			flows_trend_text },
	/* -P, with H: TCP health (layout_flows_ext()). */
	[COL_RTT] = { "RTT", "RTT", 7, 1, 1, DROP_EARLY, 2,
		      VIEW_SORT_RTT, VIEW_SORT_RTT, COL_NO_SORT, COL_NO_SORT,
		      flows_rtt_text },
	[COL_RETR] = { "Retr/s", "Retr/s", 6, 1, 1, DROP_EARLY, 2,
		       VIEW_SORT_RETRANS, VIEW_SORT_RETRANS, COL_NO_SORT, COL_NO_SORT,
		       flows_retr_text },
	/* Only when some flow is another namespace's (layout_flows_owner()). */
	[COL_OWNER] = { "Owner", "Owner", 5, 2, 0, DROP_EARLY, 2,
			COL_NO_SORT, COL_NO_SORT, COL_NO_SORT, COL_NO_SORT,
			flows_owner_text },
	/* -P: last, and the first to go (layout_flows_ext()). */
	[COL_PROC] = { "Process", "Process", 7, 2, 0, DROP_EARLY, 1,
		       COL_NO_SORT, COL_NO_SORT, COL_NO_SORT, COL_NO_SORT,
		       flows_proc_text },
};

int layout_too_small(int cols, int lines)
{
	return cols < LAYOUT_MIN_COLS || lines < LAYOUT_MIN_LINES;
}

static int flows_width(const struct flow_layout *l)
{
	int s = 0;

	for (int c = 0; c < COL_MAX; c++)
		if (l->shown[c])
			s += l->w[c] + layout_cols[c].sep;
	return s;
}

/* Drops the columns of one stage, lowest rank first, until the row fits. */
static void drop_stage(struct flow_layout *l, enum col_drop stage, int width)
{
	for (int rank = 0; rank <= COL_MAX && flows_width(l) > width; rank++)
		for (int c = 0; c < COL_MAX; c++)
			if (layout_cols[c].drop == stage && layout_cols[c].drop_rank == rank)
				l->shown[c] = 0;
}

/*
 * Optional columns go first (Trend, Process, then Owner, RTT and Retr/s, OutPkt/s,
 * InPkt/s, Closed, New, Conns) while
 * Peer wants up to LAYOUT_PEER_CAP; then Peer narrows to LAYOUT_PEER_FLOOR
 * before Out/s and In/s go; on a very narrow screen the arrow loses its
 * spaces and Local its head; Peer takes what is left, last.
 */
void layout_flows(struct flow_layout *l, int width, int local_want, int peer_want)
{
	layout_flows_owner(l, width, local_want, peer_want, 0);
}

void layout_flows_owner(struct flow_layout *l, int width, int local_want, int peer_want,
			int owner_want)
{
	layout_flows_ext(l, width, local_want, peer_want, owner_want, 0, 0, 0);
}

void layout_flows_ext(struct flow_layout *l, int width, int local_want, int peer_want,
		      int owner_want, int proc_want, int health, int trend)
{
	int spare, x = 0;

	memset(l, 0, sizeof *l);
	for (int c = 0; c < COL_MAX; c++) {
		l->shown[c] = 1;
		l->w[c] = layout_cols[c].width;
	}
	l->shown[COL_OWNER] = owner_want > 0;
	l->shown[COL_TREND] = trend;
	l->shown[COL_PROC] = proc_want > 0;
	if (proc_want > l->w[COL_PROC])
		l->w[COL_PROC] = proc_want < LAYOUT_PROC_CAP ? proc_want : LAYOUT_PROC_CAP;
	l->shown[COL_RTT] = l->shown[COL_RETR] = health;
	if (owner_want > l->w[COL_OWNER])
		l->w[COL_OWNER] = owner_want < LAYOUT_OWNER_CAP ? owner_want : LAYOUT_OWNER_CAP;
	l->w[COL_LOCAL] = local_want;
	l->w[COL_PEER] = peer_want < LAYOUT_PEER_CAP ? peer_want : LAYOUT_PEER_CAP;
	drop_stage(l, DROP_EARLY, width);
	if (l->w[COL_PEER] > LAYOUT_PEER_FLOOR && flows_width(l) > width)
		l->w[COL_PEER] = LAYOUT_PEER_FLOOR;
	drop_stage(l, DROP_LATE, width);
	if (flows_width(l) > width) {
		l->tight = 1;
		l->w[COL_ARROW] = LAYOUT_TIGHT_ARROW;
		spare = width - flows_width(l);
		l->w[COL_LOCAL] += spare;
		if (l->w[COL_LOCAL] < LAYOUT_LOCAL_FLOOR)
			l->w[COL_LOCAL] = LAYOUT_LOCAL_FLOOR;
	}
	spare = width - flows_width(l);
	if (spare > peer_want - l->w[COL_PEER])
		spare = peer_want - l->w[COL_PEER];
	l->w[COL_PEER] += spare;
	if (l->w[COL_PEER] < 1)
		l->w[COL_PEER] = 1;
	for (int c = 0; c < COL_MAX; c++) {
		if (!l->shown[c])
			continue;
		x += layout_cols[c].sep;
		l->x[c] = x;
		x += l->w[c];
	}
}

/*
 * Header (2 lines, 1 when short), the panes in halves (each a title line,
 * column titles when there is room, rows), and the bottom line for hints
 * from LAYOUT_FULL_LINES up.
 */
void layout_screen(struct screen_layout *s, int lines, int npanes)
{
	int avail, y;

	memset(s, 0, sizeof *s);
	if (npanes < 1)
		npanes = 1;
	if (npanes > (int)ARRAY_LEN(s->pane_y))
		npanes = (int)ARRAY_LEN(s->pane_y);
	s->head_lines = lines >= LAYOUT_FULL_LINES ? 2 : 1;
	s->foot_lines = lines >= LAYOUT_FULL_LINES ? 1 : 0;
	avail = lines - s->head_lines - s->foot_lines;
	s->colhdr = avail >= 3 * npanes;
	y = s->head_lines;
	for (int i = 0; i < npanes; i++) {
		int h = avail / npanes + (i == 0 ? avail % npanes : 0);

		s->pane_y[i] = y;
		s->list_y[i] = y + 1 + s->colhdr;
		s->list_h[i] = (size_t)(h - 1 - s->colhdr > 1 ? h - 1 - s->colhdr : 1);
		y += h;
	}
}

const char *const layout_conn_titles[CONN_MAX] = {
	"Proto", "Connection", "Zone", "NAT reply", "State", "Pkts o/r", "Bytes o/r", "Age",
	"Timeout", "Id",
};

static int conns_width(const struct conn_layout *l)
{
	int s = 0, n = 0;

	for (int c = 0; c < CONN_MAX; c++)
		if (l->shown[c])
			s += l->w[c] + (n++ ? LAYOUT_CONN_GAP : 0);
	return s;
}

/*
 * Proto goes first when narrow: the title names the flow's protocol.  Age
 * outlasts Pkts: how long a connection has lasted tells more than packets.
 */
void layout_conns(struct conn_layout *l, const int *want, int nat, int ages, int width)
{
	static const enum conn_col drops[] = { CONN_PROTO, CONN_ID, CONN_ZONE, CONN_TIMEOUT,
					       CONN_PKTS, CONN_AGE, CONN_BYTES, CONN_REPLY,
					       CONN_STATE };
	int x = 0, k = 0;

	memset(l, 0, sizeof *l);
	for (int c = 0; c < CONN_MAX; c++) {
		int title = (int)strlen(layout_conn_titles[c]);

		l->shown[c] = 1;
		l->w[c] = want[c] > title ? want[c] : title;
	}
	l->shown[CONN_REPLY] = nat;
	l->shown[CONN_AGE] = ages;
	l->shown[CONN_ZONE] = want[CONN_ZONE] > 0;
	for (size_t i = 0; i < ARRAY_LEN(drops) && conns_width(l) > width; i++)
		l->shown[drops[i]] = 0;
	if (conns_width(l) > width)
		l->w[CONN_ORIG] -= conns_width(l) - width;
	if (l->w[CONN_ORIG] < 1)
		l->w[CONN_ORIG] = 1;
	for (int c = 0; c < CONN_MAX; c++) {
		if (!l->shown[c])
			continue;
		x += k++ ? LAYOUT_CONN_GAP : 0;
		l->x[c] = x;
		x += l->w[c];
	}
}

void layout_seg_add(struct segs *ss, int line, int prio, int role, const char *fmt, ...)
{
	struct seg *s;
	va_list ap;

	if (ss->n >= (int)ARRAY_LEN(ss->s))
		return;
	s = &ss->s[ss->n++];
	va_start(ap, fmt);
	vsnprintf(s->text, sizeof s->text, fmt, ap);
	va_end(ap);
	s->brief[0] = '\0';
	s->role = role;
	s->line = line;
	s->prio = prio;
	s->shown = 1;
}

void layout_seg_brief(struct segs *ss, const char *text)
{
	if (ss->n > 0)
		snprintf(ss->s[ss->n - 1].brief, sizeof ss->s[0].brief, "%s", text);
}

void layout_seg_fit(struct segs *ss, int line, int width)
{
	for (;;) {
		int total = 0, n = 0, worst = -1, brief = -1;

		for (int i = 0; i < ss->n; i++) {
			struct seg *s = &ss->s[i];

			if (!s->shown || (line >= 0 && s->line != line))
				continue;
			total += (int)strlen(s->text) + (n ? LAYOUT_SEG_GAP : 0);
			n++;
			if (worst < 0 || s->prio >= ss->s[worst].prio)
				worst = i;
		}
		if (total <= width || n <= 1)
			return;
		/* Before one of the least important goes, those of them that can shrink do. */
		for (int i = 0; i < ss->n; i++) {
			const struct seg *s = &ss->s[i];

			if (s->shown && (line < 0 || s->line == line) && s->brief[0] &&
			    s->prio == ss->s[worst].prio)
				brief = i;
		}
		if (brief >= 0) {
			memcpy(ss->s[brief].text, ss->s[brief].brief, sizeof ss->s[brief].brief);
			ss->s[brief].brief[0] = '\0';
			continue;
		}
		ss->s[worst].shown = 0;
	}
}
