/*
 * The monitor's geometry (src/tui_layout.c), without a terminal: the
 * "too small" rule, the split of the screen into lines, which flow columns
 * go first as the width shrinks, the connection list's columns and the
 * header's segments.
 */
#include "testutil.h"

#include "../../src/tui_layout.h"
#include "../../src/tui_trend.h"

/* Cells a flow row takes with this layout. */
static int row_width(const struct flow_layout *l)
{
	int end = 0;

	for (int c = 0; c < COL_MAX; c++)
		if (l->shown[c] && l->x[c] + l->w[c] > end)
			end = l->x[c] + l->w[c];
	return end;
}

static void test_too_small(void **state)
{
	(void)state;
	assert_false(layout_too_small(80, 24));
	assert_false(layout_too_small(LAYOUT_MIN_COLS, LAYOUT_MIN_LINES));
	/* Either dimension alone is enough. */
	assert_true(layout_too_small(LAYOUT_MIN_COLS - 1, 24));
	assert_true(layout_too_small(80, LAYOUT_MIN_LINES - 1));
	assert_true(layout_too_small(LAYOUT_MIN_COLS - 1, LAYOUT_MIN_LINES - 1));
	assert_true(layout_too_small(0, 0));
}

static void test_screen_two_panes(void **state)
{
	struct screen_layout s;

	(void)state;
	/* 24 lines: 2 header lines, the hints, 21 lines for the panes (11 + 10). */
	layout_screen(&s, 24, 2);
	assert_int_equal(s.head_lines, 2);
	assert_int_equal(s.foot_lines, 1);
	assert_true(s.colhdr);
	assert_int_equal(s.pane_y[0], 2);
	assert_int_equal(s.list_y[0], 4);
	assert_int_equal(s.list_h[0], 9);
	assert_int_equal(s.pane_y[1], 13);
	assert_int_equal(s.list_y[1], 15);
	assert_int_equal(s.list_h[1], 8);

	/* Below LAYOUT_FULL_LINES: one header line, no hints. */
	layout_screen(&s, LAYOUT_FULL_LINES - 1, 2);
	assert_int_equal(s.head_lines, 1);
	assert_int_equal(s.foot_lines, 0);
	assert_true(s.colhdr);
	assert_int_equal(s.pane_y[0], 1);
	assert_int_equal(s.list_h[0], 2);
	assert_int_equal(s.pane_y[1], 5);
	assert_int_equal(s.list_h[1], 2);

	/* The smallest screen: no column titles, one row per pane. */
	layout_screen(&s, LAYOUT_MIN_LINES, 2);
	assert_false(s.colhdr);
	assert_int_equal(s.list_y[0], 2);
	assert_int_equal(s.list_h[0], 1);
	assert_int_equal(s.pane_y[1], 3);
	assert_int_equal(s.list_h[1], 1);
}

static void test_screen_one_pane(void **state)
{
	struct screen_layout s;

	(void)state;
	layout_screen(&s, 24, 1);
	assert_int_equal(s.pane_y[0], 2);
	assert_int_equal(s.list_y[0], 4);
	assert_int_equal(s.list_h[0], 19);
}

static void test_flows_wide(void **state)
{
	struct flow_layout l;

	(void)state;
	layout_flows(&l, 200, 14, 20);
	/*
	 * Every column but Owner, which needs a flow of another namespace,
	 * and Trend and the columns of -P, which layout_flows() leaves off.
	 */
	for (int c = 0; c < COL_MAX; c++)
		assert_int_equal(l.shown[c], c != COL_OWNER && c != COL_TREND && c != COL_PROC &&
				 c != COL_RTT && c != COL_RETR);
	assert_false(l.tight);
	assert_int_equal(l.x[COL_LOCAL], 0);
	assert_int_equal(l.w[COL_LOCAL], 14);
	assert_int_equal(l.x[COL_ARROW], 14);
	assert_int_equal(l.x[COL_PEER], 19);
	assert_int_equal(l.w[COL_PEER], 20);	/* all it wants, no more */
	assert_int_equal(l.x[COL_CONNS], 40);	/* one blank before a number */
	assert_int_equal(row_width(&l), 85);
}

/* 14 + 5 + 32 (Peer capped) + 46 of numbers and blanks = 97 cells. */
static void test_flows_drop_order(void **state)
{
	static const struct {
		int width;
		enum col gone;	/* went last at this width */
	} steps[] = {
		{ 96, COL_OUTPKT }, { 87, COL_INPKT }, { 79, COL_CLOSED },
		{ 72, COL_NEW }, { 67, COL_CONNS }, { 45, COL_OUT }, { 39, COL_IN },
	};
	struct flow_layout l;

	(void)state;
	layout_flows(&l, 97, 14, 40);
	for (int c = 0; c < COL_MAX; c++)
		assert_int_equal(l.shown[c], c != COL_OWNER && c != COL_TREND && c != COL_PROC &&
				 c != COL_RTT && c != COL_RETR);
	assert_int_equal(l.w[COL_PEER], LAYOUT_PEER_CAP);
	for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
		layout_flows(&l, steps[i].width, 14, 40);
		assert_false(l.shown[steps[i].gone]);
		/* The columns still to go are all there. */
		for (size_t k = i + 1; k < ARRAY_LEN(steps); k++)
			assert_true(l.shown[steps[k].gone]);
		assert_true(l.shown[COL_LOCAL] && l.shown[COL_ARROW] && l.shown[COL_PEER]);
		assert_true(row_width(&l) <= steps[i].width);
		/* One cell more and it would still be there. */
		layout_flows(&l, steps[i].width + 1, 14, 40);
		assert_true(l.shown[steps[i].gone]);
	}
}

/* Peer narrows to LAYOUT_PEER_FLOOR before In/s and Out/s go. */
static void test_flows_peer_narrows_before_rates_go(void **state)
{
	struct flow_layout l;

	(void)state;
	/* Optional columns gone: 14 + 5 + 32 + 5 + 6 = 62 > 61. */
	layout_flows(&l, 61, 14, 40);
	assert_false(l.shown[COL_CONNS]);
	assert_true(l.shown[COL_IN] && l.shown[COL_OUT]);
	/* Narrowed to the floor, then given back what is spare. */
	assert_int_equal(l.w[COL_PEER], 31);
	assert_int_equal(row_width(&l), 61);

	/* Out/s gone: 14 + 5 + 16 + 5 = 40, and Peer takes the 5 left over. */
	layout_flows(&l, 45, 14, 40);
	assert_true(l.shown[COL_IN] && !l.shown[COL_OUT]);
	assert_int_equal(l.w[COL_PEER], LAYOUT_PEER_FLOOR + 5);
}

static void test_flows_very_narrow(void **state)
{
	struct flow_layout l;

	(void)state;
	layout_flows(&l, LAYOUT_MIN_COLS, 14, 40);
	assert_true(l.tight);
	assert_int_equal(l.w[COL_ARROW], LAYOUT_TIGHT_ARROW);
	assert_int_equal(l.w[COL_LOCAL], LAYOUT_LOCAL_FLOOR);
	assert_true(l.w[COL_PEER] >= 1);
	assert_int_equal(row_width(&l), LAYOUT_MIN_COLS);
	for (int c = COL_CONNS; c < COL_MAX; c++)
		assert_false(l.shown[c]);
}

/* Every width from the smallest screen up: the row fits, columns in order. */
static void test_flows_always_fit(void **state)
{
	(void)state;
	for (int width = LAYOUT_MIN_COLS; width <= 140; width++) {
		struct flow_layout l, wider;
		int x = -1;

		layout_flows(&l, width, 21, 45);
		layout_flows(&wider, width + 1, 21, 45);
		assert_true(row_width(&l) <= width);
		for (int c = 0; c < COL_MAX; c++) {
			if (!l.shown[c])
				continue;
			assert_true(l.x[c] > x);
			assert_true(l.w[c] >= 1);
			x = l.x[c];
			/* A wider screen never hides a column a narrower one shows. */
			assert_true(wider.shown[c]);
		}
	}
}

/* Every sort is reachable from one column: the < > steps come from the table. */
/* Owner: last, only with owner_want, capped, and the first to go. */
static void test_flows_owner(void **state)
{
	struct flow_layout l, plain;

	(void)state;
	layout_flows(&plain, 200, 14, 20);
	layout_flows_owner(&l, 200, 14, 20, 0);
	assert_memory_equal(&l, &plain, sizeof l);
	layout_flows_owner(&l, 200, 14, 20, 9);
	assert_true(l.shown[COL_OWNER]);
	assert_int_equal(l.w[COL_OWNER], 9);
	/* After Closed, two blanks before it, the rest where they were. */
	assert_int_equal(l.x[COL_OWNER], plain.x[COL_CLOSED] + plain.w[COL_CLOSED] + 2);
	for (int c = 0; c < COL_OWNER; c++)
		assert_int_equal(l.x[c], plain.x[c]);
	assert_int_equal(row_width(&l), 85 + 2 + 9);
	layout_flows_owner(&l, 200, 14, 20, 100);
	assert_int_equal(l.w[COL_OWNER], LAYOUT_OWNER_CAP);
	/* Narrower than the whole row: Owner goes, OutPkt/s stays. */
	layout_flows_owner(&l, 85 + 2 + 9 - 1, 14, 20, 9);
	assert_false(l.shown[COL_OWNER]);
	assert_true(l.shown[COL_OUTPKT]);
	assert_true(row_width(&l) <= 85 + 2 + 9 - 1);
}

/* Trend (TREND_N cells and a blank) is after Closed, and the first to go. */
static void test_flows_trend(void **state)
{
	struct flow_layout l;

	(void)state;
	layout_flows_ext(&l, 200, 14, LAYOUT_PEER_CAP, 0, 0, 0, 1);
	for (int c = 0; c < COL_MAX; c++)
		assert_int_equal(l.shown[c], c != COL_OWNER && c != COL_PROC && c != COL_RTT &&
				 c != COL_RETR);
	assert_int_equal(l.w[COL_TREND], TREND_N);
	assert_int_equal(l.x[COL_TREND], l.x[COL_CLOSED] + l.w[COL_CLOSED] + 1);
	assert_int_equal(row_width(&l), 97 + 1 + TREND_N);
	/* One cell short: Trend goes, every other column stays. */
	layout_flows_ext(&l, 97 + TREND_N, 14, LAYOUT_PEER_CAP, 0, 0, 0, 1);
	for (int c = 0; c < COL_MAX; c++)
		assert_int_equal(l.shown[c], c != COL_OWNER && c != COL_TREND && c != COL_PROC &&
				 c != COL_RTT && c != COL_RETR);
	assert_int_equal(l.w[COL_PEER], LAYOUT_PEER_CAP);
	/* At 80: gone, and the rest as without it. */
	{
		struct flow_layout plain;

		layout_flows_ext(&l, 80, 14, 19, 0, 0, 0, 1);
		layout_flows(&plain, 80, 14, 19);
		assert_memory_equal(&l, &plain, sizeof l);
	}
	/* Off (T): never shown. */
	layout_flows_ext(&l, 200, 14, 40, 0, 0, 0, 0);
	assert_false(l.shown[COL_TREND]);
	/* It goes before Owner: 97 + 2 + 10 (Owner) fits, with Trend 17 more does not. */
	layout_flows_ext(&l, 97 + 2 + 10, 14, 40, 10, 0, 0, 1);
	assert_false(l.shown[COL_TREND]);
	assert_true(l.shown[COL_OWNER] && l.shown[COL_OUTPKT]);
	layout_flows_ext(&l, 97 + 2 + 10 + 1 + TREND_N, 14, 40, 10, 0, 0, 1);
	assert_true(l.shown[COL_TREND] && l.shown[COL_OWNER]);
	assert_true(l.x[COL_TREND] < l.x[COL_OWNER]);
}

/* -P: Process last (after Owner), capped, the first to go; T adds RTT and Retr/s. */
static void test_flows_processes(void **state)
{
	struct flow_layout l, plain;

	(void)state;
	layout_flows(&plain, 200, 14, 20);
	layout_flows_ext(&l, 200, 14, 20, 0, 0, 0, 0);
	assert_memory_equal(&l, &plain, sizeof l);
	layout_flows_ext(&l, 200, 14, 20, 9, 12, 0, 0);
	assert_true(l.shown[COL_PROC]);
	assert_int_equal(l.w[COL_PROC], 12);
	assert_int_equal(l.x[COL_PROC], l.x[COL_OWNER] + l.w[COL_OWNER] + 2);
	assert_int_equal(row_width(&l), 85 + 2 + 9 + 2 + 12);
	layout_flows_ext(&l, 200, 14, 20, 0, 100, 0, 0);
	assert_int_equal(l.w[COL_PROC], LAYOUT_PROC_CAP);
	/* One cell short: Process goes, Owner stays. */
	layout_flows_ext(&l, 85 + 2 + 9 + 2 + 12 - 1, 14, 20, 9, 12, 0, 0);
	assert_false(l.shown[COL_PROC]);
	assert_true(l.shown[COL_OWNER]);
	/* Health: RTT and Retr/s after Closed, before Process. */
	layout_flows_ext(&l, 200, 14, 20, 0, 12, 1, 0);
	assert_true(l.shown[COL_RTT] && l.shown[COL_RETR]);
	assert_int_equal(l.x[COL_RTT], plain.x[COL_CLOSED] + plain.w[COL_CLOSED] + 1);
	assert_true(l.x[COL_RETR] > l.x[COL_RTT] && l.x[COL_PROC] > l.x[COL_RETR]);
	assert_int_equal(row_width(&l), 85 + 1 + 7 + 1 + 6 + 2 + 12);
}

static void test_cols_cover_every_sort(void **state)
{
	int seen[VIEW_SORT_MAX] = { 0 };

	(void)state;
	for (int c = 0; c < COL_MAX; c++) {
		const struct col_def *d = &layout_cols[c];
		const enum view_sort s[] = { d->sort_rate, d->sort_total, d->pair_rate,
					     d->pair_total };

		assert_non_null(d->text);
		for (size_t i = 0; i < ARRAY_LEN(s); i++)
			if (s[i] != COL_NO_SORT)
				seen[s[i]] = 1;
		/* Trend alone has rank 0: the first to go. */
		if (c == COL_TREND)
			assert_true(d->drop == DROP_EARLY && d->drop_rank == 0);
		else if (d->drop != DROP_NEVER)
			assert_true(d->drop_rank >= 1 && d->drop_rank <= COL_MAX);
	}
	for (int s = 0; s < VIEW_SORT_MAX; s++)
		assert_true(seen[s]);
}

static void test_conns(void **state)
{
	int want[CONN_MAX] = { 0 };
	struct conn_layout l;

	(void)state;
	want[CONN_PROTO] = 3;
	want[CONN_ORIG] = 40;
	want[CONN_REPLY] = 20;
	want[CONN_STATE] = 11;
	/* Titles are the minimum widths; no NAT: no NAT column. */
	layout_conns(&l, want, 0, 0, 200);
	assert_false(l.shown[CONN_REPLY]);
	assert_true(l.shown[CONN_PROTO]);
	assert_int_equal(l.w[CONN_PROTO], 5);	/* "Proto" */
	assert_int_equal(l.w[CONN_ORIG], 40);
	assert_int_equal(l.x[CONN_ORIG], 5 + LAYOUT_CONN_GAP);

	layout_conns(&l, want, 1, 0, 200);
	assert_true(l.shown[CONN_REPLY]);
	assert_int_equal(l.w[CONN_REPLY], 20);

	/* Narrower: Proto goes first, then Id. */
	layout_conns(&l, want, 1, 0, l.x[CONN_ID] + l.w[CONN_ID] - 1);
	assert_false(l.shown[CONN_PROTO]);
	assert_true(l.shown[CONN_ID]);
	assert_int_equal(l.x[CONN_ORIG], 0);

	/* Very narrow: only the connection, cut to the width. */
	layout_conns(&l, want, 1, 1, 30);
	for (int c = 0; c < CONN_MAX; c++)
		assert_int_equal(l.shown[c], c == CONN_ORIG);
	assert_int_equal(l.w[CONN_ORIG], 30);
	layout_conns(&l, want, 1, 1, 0);
	assert_int_equal(l.w[CONN_ORIG], 1);
}

/* Zone: only when a row is in a zone other than 0 (want > 0), after Connection. */
static void test_conns_zone(void **state)
{
	int want[CONN_MAX] = { 0 };
	struct conn_layout l;

	(void)state;
	want[CONN_PROTO] = 3;
	want[CONN_ORIG] = 40;
	want[CONN_STATE] = 11;
	layout_conns(&l, want, 0, 0, 200);
	assert_false(l.shown[CONN_ZONE]);
	assert_int_equal(l.x[CONN_STATE], l.x[CONN_ORIG] + 40 + LAYOUT_CONN_GAP);
	want[CONN_ZONE] = 2;	/* "42" */
	layout_conns(&l, want, 0, 0, 200);
	assert_true(l.shown[CONN_ZONE]);
	assert_int_equal(l.w[CONN_ZONE], 4);	/* "Zone" */
	assert_int_equal(l.x[CONN_ZONE], l.x[CONN_ORIG] + 40 + LAYOUT_CONN_GAP);
	assert_int_equal(l.x[CONN_STATE], l.x[CONN_ZONE] + 4 + LAYOUT_CONN_GAP);
	/* Narrower: it goes after Proto and Id, before Timeout. */
	layout_conns(&l, want, 0, 0, l.x[CONN_ID] + l.w[CONN_ID] - 1);
	assert_false(l.shown[CONN_PROTO]);
	assert_true(l.shown[CONN_ZONE]);
	layout_conns(&l, want, 0, 0, l.x[CONN_ID] + l.w[CONN_ID] - 1 - 2 - LAYOUT_CONN_GAP);
	assert_false(l.shown[CONN_ID]);
	assert_false(l.shown[CONN_ZONE]);
	assert_true(l.shown[CONN_TIMEOUT]);
}

/* Age: only with creation times, between Bytes and Timeout; it outlasts Pkts. */
static void test_conns_age(void **state)
{
	int want[CONN_MAX] = { 0 };
	struct conn_layout l;
	int rest;

	(void)state;
	want[CONN_ORIG] = 40;
	want[CONN_STATE] = 11;
	want[CONN_AGE] = 5;	/* "3m12s" */
	layout_conns(&l, want, 0, 0, 200);
	assert_false(l.shown[CONN_AGE]);
	assert_int_equal(l.x[CONN_TIMEOUT], l.x[CONN_BYTES] + l.w[CONN_BYTES] + LAYOUT_CONN_GAP);

	layout_conns(&l, want, 0, 1, 200);
	assert_true(l.shown[CONN_AGE]);
	assert_int_equal(l.w[CONN_AGE], 5);
	assert_int_equal(l.x[CONN_AGE], l.x[CONN_BYTES] + l.w[CONN_BYTES] + LAYOUT_CONN_GAP);
	assert_int_equal(l.x[CONN_TIMEOUT], l.x[CONN_AGE] + 5 + LAYOUT_CONN_GAP);
	/* The width without Proto, Id, Timeout and Pkts (titles 5, 2, 7, 8), each with a gap. */
	rest = l.x[CONN_ID] + l.w[CONN_ID] - (5 + 2 + 7 + 8 + 4 * LAYOUT_CONN_GAP);

	/* Those four go before Age ... */
	layout_conns(&l, want, 0, 1, rest);
	assert_false(l.shown[CONN_PROTO] || l.shown[CONN_ID] || l.shown[CONN_TIMEOUT] ||
		     l.shown[CONN_PKTS]);
	assert_true(l.shown[CONN_AGE] && l.shown[CONN_BYTES]);
	/* ... and Age before Bytes. */
	layout_conns(&l, want, 0, 1, rest - 1);
	assert_false(l.shown[CONN_AGE]);
	assert_true(l.shown[CONN_BYTES] && l.shown[CONN_STATE]);
}

static int segs_shown(const struct segs *ss)
{
	int mask = 0;

	for (int i = 0; i < ss->n; i++)
		mask |= ss->s[i].shown << i;
	return mask;
}

static void test_segments(void **state)
{
	struct segs ss = { .n = 0 };

	(void)state;
	layout_seg_add(&ss, 0, 0, 0, "%s", "host-name");	/* 9 */
	layout_seg_add(&ss, 0, 2, 0, "every %gs", 0.5);		/* 10 */
	layout_seg_add(&ss, 0, 1, 0, "%s", "12:00:00");		/* 8 */
	layout_seg_add(&ss, 1, 3, 0, "%s", "rates");		/* 5, other line */
	assert_int_equal(ss.n, 4);
	assert_string_equal(ss.s[1].text, "every 0.5s");

	/* 9 + 2 + 10 + 2 + 8 = 31: it fits, the other line does not count. */
	layout_seg_fit(&ss, 0, 31);
	assert_int_equal(segs_shown(&ss), 0xf);
	/* One cell less: the least important (highest prio) goes. */
	layout_seg_fit(&ss, 0, 30);
	assert_int_equal(segs_shown(&ss), 0xd);
	/* The last one always stays, even when it does not fit. */
	layout_seg_fit(&ss, 0, 3);
	assert_int_equal(segs_shown(&ss), 0x9);
	/* -1: all lines on one. */
	layout_seg_fit(&ss, -1, 9);
	assert_int_equal(segs_shown(&ss), 0x1);
}

/* Segments with a brief text are shortened before one of their prio goes. */
static void test_segments_brief(void **state)
{
	struct segs ss = { .n = 0 };

	(void)state;
	layout_seg_add(&ss, 1, 3, 0, "%s", "rates");				/* 5 */
	layout_seg_add(&ss, 1, 3, 0, "%s", "caveat: thirty characters long");	/* 30 */
	layout_seg_brief(&ss, "short one");					/* 9 */
	layout_seg_fit(&ss, 1, 37);
	assert_int_equal(segs_shown(&ss), 0x3);
	assert_string_equal(ss.s[1].text, "caveat: thirty characters long");
	/* 36 cells: the brief text (5 + 2 + 9). */
	layout_seg_fit(&ss, 1, 36);
	assert_int_equal(segs_shown(&ss), 0x3);
	assert_string_equal(ss.s[1].text, "short one");
	assert_string_equal(ss.s[1].brief, "");
	/* Then it goes as any other. */
	layout_seg_fit(&ss, 1, 15);
	assert_int_equal(segs_shown(&ss), 0x1);
	/* A less important one goes before a more important one is shortened ... */
	ss.n = 0;
	layout_seg_add(&ss, 1, 1, 0, "%s", "warning: sysctl -w x=1");		/* 22 */
	layout_seg_brief(&ss, "warning: x=0");					/* 12 */
	layout_seg_add(&ss, 1, 1, 0, "%s", "events lost 9");			/* 13 */
	layout_seg_add(&ss, 1, 3, 0, "%s", "rates");				/* 5 */
	layout_seg_fit(&ss, 1, 40);
	assert_int_equal(segs_shown(&ss), 0x3);
	assert_string_equal(ss.s[0].text, "warning: sysctl -w x=1");
	/* ... but is shortened before one of its own prio goes. */
	layout_seg_fit(&ss, 1, 36);
	assert_int_equal(segs_shown(&ss), 0x3);
	assert_string_equal(ss.s[0].text, "warning: x=0");
	/* A brief text longer than its room is cut, not overflowed. */
	layout_seg_add(&ss, 0, 1, 0, "%s", "x");
	layout_seg_brief(&ss, "0123456789012345678901234567890123456789012345678901234567890");
	assert_int_equal((int)strlen(ss.s[3].brief), SEG_BRIEF_MAX - 1);
}

static void test_segments_full(void **state)
{
	struct segs ss = { .n = 0 };

	(void)state;
	for (int i = 0; i < SEGS_MAX + 3; i++)
		layout_seg_add(&ss, 0, i, 0, "s%d", i);
	assert_int_equal(ss.n, SEGS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_screen_two_panes),
		cmocka_unit_test(test_screen_one_pane),
		cmocka_unit_test(test_flows_wide),
		cmocka_unit_test(test_flows_drop_order),
		cmocka_unit_test(test_flows_peer_narrows_before_rates_go),
		cmocka_unit_test(test_flows_very_narrow),
		cmocka_unit_test(test_flows_always_fit),
		cmocka_unit_test(test_flows_owner),
		cmocka_unit_test(test_flows_trend),
		cmocka_unit_test(test_flows_processes),
		cmocka_unit_test(test_cols_cover_every_sort),
		cmocka_unit_test(test_conns),
		cmocka_unit_test(test_conns_zone),
		cmocka_unit_test(test_conns_age),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_segments_brief),
		cmocka_unit_test(test_segments_full),
	};

	return cmocka_run_group_tests_name("tui_layout", tests, NULL, NULL);
}
