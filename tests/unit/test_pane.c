/* The monitor's panes: a selection that follows its flow, scrolling, moves. */
#include "testutil.h"

#include "flow.h"
#include "pane.h"

#define NFLOWS 20

static struct flow flows[NFLOWS];

/* Flow i: active, TCP, to 10.0.0.<i+1>:443; distinct keys. */
static int setup(void **state)
{
	char addr[32];

	memset(flows, 0, sizeof flows);
	for (int i = 0; i < NFLOWS; i++) {
		snprintf(addr, sizeof addr, "10.0.0.%d", i + 1);
		flows[i].key.peer = tu_addr(addr);
		flows[i].key.port = 443;
		flows[i].key.family = AF_INET;
		flows[i].key.proto = IPPROTO_TCP;
		flows[i].key.dir = FLOW_ACTIVE;
	}
	*state = NULL;
	return 0;
}

/* Row k is flows[order[k]]. */
static void arrange(uint32_t *rows, const int *order, size_t n)
{
	for (size_t k = 0; k < n; k++)
		rows[k] = (uint32_t)order[k];
}

static void identity(uint32_t *rows, size_t n)
{
	for (size_t k = 0; k < n; k++)
		rows[k] = (uint32_t)k;
}

static void assert_selected(const struct pane *p, const struct flow *f)
{
	assert_true(p->has_sel);
	assert_true(flow_key_equal(&p->sel, &f->key));
}

/* The cursor row is one of the height rows shown from top. */
static void assert_visible(const struct pane *p, size_t height)
{
	assert_true(p->cursor >= p->top);
	assert_true(p->cursor < p->top + height);
}

static void test_init(void **state)
{
	struct pane p;

	(void)state;
	memset(&p, 0x5a, sizeof p);
	pane_init(&p);
	assert_int_equal(p.cursor, 0);
	assert_int_equal(p.top, 0);
	assert_false(p.has_sel);
}

static void test_first_sync_selects_first_row(void **state)
{
	uint32_t rows[4];
	struct pane p;

	(void)state;
	identity(rows, 4);
	pane_init(&p);
	pane_sync(&p, flows, rows, 4, 10);
	assert_int_equal(p.cursor, 0);
	assert_int_equal(p.top, 0);
	assert_selected(&p, &flows[0]);
}

static void test_selection_follows_resort(void **state)
{
	static const int before[] = { 0, 1, 2, 3 }, after[] = { 3, 2, 1, 0 };
	static const int again[] = { 2, 0, 3, 1 };
	uint32_t rows[4];
	struct pane p;

	(void)state;
	arrange(rows, before, 4);
	pane_init(&p);
	pane_sync(&p, flows, rows, 4, 10);
	pane_move(&p, PANE_ROWS, 2, flows, rows, 4, 10);
	assert_int_equal(p.cursor, 2);
	assert_selected(&p, &flows[2]);

	arrange(rows, after, 4);
	pane_sync(&p, flows, rows, 4, 10);
	assert_int_equal(p.cursor, 1);
	assert_selected(&p, &flows[2]);

	arrange(rows, again, 4);
	pane_sync(&p, flows, rows, 4, 10);
	assert_int_equal(p.cursor, 0);
	assert_selected(&p, &flows[2]);
}

/*
 * A flow reappearing with a different protocol or direction is another flow.
 * passive_udp differs from the selected udp row in direction only.
 */
static void test_key_includes_proto_and_dir(void **state)
{
	/* tcp, udp, passive, passive_udp */
	struct flow fl[4] = { flows[5], flows[5], flows[5], flows[5] };
	static const int before[] = { 0, 1, 2, 3 }, after[] = { 3, 2, 0, 1 };
	uint32_t rows[4];
	struct pane p;

	(void)state;
	fl[1].key.proto = IPPROTO_UDP;
	fl[2].key.dir = FLOW_PASSIVE;
	fl[3].key.proto = IPPROTO_UDP;
	fl[3].key.dir = FLOW_PASSIVE;
	arrange(rows, before, 4);
	pane_init(&p);
	pane_sync(&p, fl, rows, 4, 10);
	pane_move(&p, PANE_ROWS, 1, fl, rows, 4, 10);
	assert_selected(&p, &fl[1]);

	arrange(rows, after, 4);
	pane_sync(&p, fl, rows, 4, 10);
	assert_int_equal(p.cursor, 3);
	assert_selected(&p, &fl[1]);
	assert_int_equal(p.sel.dir, FLOW_ACTIVE);
}

/*
 * Loopback: this host opened a flow to its own service, so an active and a
 * passive flow have the same peer, port and protocol.  The selection stays
 * on the one chosen.
 */
static void test_same_flow_both_directions(void **state)
{
	/* active, passive */
	struct flow fl[2] = { flows[7], flows[7] };
	uint32_t rows[2];
	struct pane p;

	(void)state;
	fl[1].key.dir = FLOW_PASSIVE;
	rows[0] = 0;
	rows[1] = 1;
	pane_init(&p);
	pane_sync(&p, fl, rows, 2, 10);
	pane_move(&p, PANE_ROWS, 1, fl, rows, 2, 10);
	assert_int_equal(p.sel.dir, FLOW_PASSIVE);

	rows[0] = 1;
	rows[1] = 0;
	pane_sync(&p, fl, rows, 2, 10);
	assert_int_equal(p.cursor, 0);
	rows[0] = 0;
	rows[1] = 1;
	pane_sync(&p, fl, rows, 2, 10);
	assert_int_equal(p.cursor, 1);
	assert_int_equal(p.sel.dir, FLOW_PASSIVE);

	/* And the other way: the active one stays selected. */
	pane_move(&p, PANE_FIRST, 0, fl, rows, 2, 10);
	rows[0] = 1;
	rows[1] = 0;
	pane_sync(&p, fl, rows, 2, 10);
	assert_int_equal(p.cursor, 1);
	assert_int_equal(p.sel.dir, FLOW_ACTIVE);
}

static void test_vanished_keeps_row_number(void **state)
{
	static const int before[] = { 0, 1, 2, 3 }, after[] = { 0, 2, 3 };
	uint32_t rows[4];
	struct pane p;

	(void)state;
	arrange(rows, before, 4);
	pane_init(&p);
	pane_sync(&p, flows, rows, 4, 10);
	pane_move(&p, PANE_ROWS, 1, flows, rows, 4, 10);
	assert_selected(&p, &flows[1]);

	/* flows[1] is gone: the cursor stays on row 1, now flows[2]. */
	arrange(rows, after, 3);
	pane_sync(&p, flows, rows, 3, 10);
	assert_int_equal(p.cursor, 1);
	assert_selected(&p, &flows[2]);
}

static void test_vanished_clamps_to_last(void **state)
{
	static const int before[] = { 0, 1, 2, 3, 4 }, after[] = { 1, 0 };
	uint32_t rows[5];
	struct pane p;

	(void)state;
	arrange(rows, before, 5);
	pane_init(&p);
	pane_sync(&p, flows, rows, 5, 3);
	pane_move(&p, PANE_LAST, 0, flows, rows, 5, 3);
	assert_int_equal(p.cursor, 4);
	assert_selected(&p, &flows[4]);

	arrange(rows, after, 2);
	pane_sync(&p, flows, rows, 2, 3);
	assert_int_equal(p.cursor, 1);
	assert_int_equal(p.top, 0);
	assert_selected(&p, &flows[0]);
}

static void test_scroll_follows_cursor(void **state)
{
	uint32_t rows[NFLOWS];
	struct pane p;

	(void)state;
	identity(rows, NFLOWS);
	pane_init(&p);
	pane_sync(&p, flows, rows, NFLOWS, 5);

	/* Down past the window: scrolled just enough. */
	pane_move(&p, PANE_ROWS, 7, flows, rows, NFLOWS, 5);
	assert_int_equal(p.cursor, 7);
	assert_int_equal(p.top, 3);
	/* Up inside the window: no scroll. */
	pane_move(&p, PANE_ROWS, -2, flows, rows, NFLOWS, 5);
	assert_int_equal(p.cursor, 5);
	assert_int_equal(p.top, 3);
	/* Up above it: the cursor becomes the top row. */
	pane_move(&p, PANE_ROWS, -4, flows, rows, NFLOWS, 5);
	assert_int_equal(p.cursor, 1);
	assert_int_equal(p.top, 1);
	assert_selected(&p, &flows[1]);
}

static void test_resort_scrolls_to_selection(void **state)
{
	uint32_t rows[NFLOWS];
	struct pane p;

	(void)state;
	identity(rows, NFLOWS);
	pane_init(&p);
	pane_sync(&p, flows, rows, NFLOWS, 4);
	pane_move(&p, PANE_ROWS, 2, flows, rows, NFLOWS, 4);
	assert_int_equal(p.top, 0);

	/* Reversed, flows[2] is row 17: the window moves down to it. */
	for (int k = 0; k < NFLOWS; k++)
		rows[k] = (uint32_t)(NFLOWS - 1 - k);
	pane_sync(&p, flows, rows, NFLOWS, 4);
	assert_int_equal(p.cursor, 17);
	assert_visible(&p, 4);
	assert_int_equal(p.top, 14);
	assert_selected(&p, &flows[2]);

	/* Back in order it is row 2 again, above the window: it moves up. */
	identity(rows, NFLOWS);
	pane_sync(&p, flows, rows, NFLOWS, 4);
	assert_int_equal(p.cursor, 2);
	assert_int_equal(p.top, 2);
}

static void test_shrinking_list_scrolls_back(void **state)
{
	uint32_t rows[NFLOWS];
	struct pane p;

	(void)state;
	identity(rows, NFLOWS);
	pane_init(&p);
	pane_sync(&p, flows, rows, NFLOWS, 5);
	pane_move(&p, PANE_LAST, 0, flows, rows, NFLOWS, 5);
	assert_int_equal(p.top, 15);
	pane_move(&p, PANE_ROWS, -2, flows, rows, NFLOWS, 5);
	assert_int_equal(p.cursor, 17);
	assert_selected(&p, &flows[17]);

	/* Eight rows left and the selection is gone: last row, window full. */
	pane_sync(&p, flows, rows, 8, 5);
	assert_int_equal(p.cursor, 7);
	assert_int_equal(p.top, 3);
	assert_visible(&p, 5);

	/* Fewer rows than the height: everything from the first. */
	pane_sync(&p, flows, rows, 3, 5);
	assert_int_equal(p.top, 0);
	assert_int_equal(p.cursor, 2);
}

static void test_taller_window_fills_from_top(void **state)
{
	uint32_t rows[NFLOWS];
	struct pane p;

	(void)state;
	identity(rows, NFLOWS);
	pane_init(&p);
	pane_sync(&p, flows, rows, NFLOWS, 5);
	pane_move(&p, PANE_LAST, 0, flows, rows, NFLOWS, 5);
	assert_int_equal(p.top, 15);
	/* The terminal grew: no blank rows below the last one. */
	pane_sync(&p, flows, rows, NFLOWS, 10);
	assert_int_equal(p.top, 10);
	assert_int_equal(p.cursor, 19);
}

static void test_move_home_end_pages(void **state)
{
	uint32_t rows[NFLOWS];
	struct pane p;

	(void)state;
	identity(rows, NFLOWS);
	pane_init(&p);
	pane_sync(&p, flows, rows, NFLOWS, 6);

	pane_move(&p, PANE_LAST, 0, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, NFLOWS - 1);
	assert_int_equal(p.top, NFLOWS - 6);
	assert_selected(&p, &flows[NFLOWS - 1]);

	pane_move(&p, PANE_FIRST, 0, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 0);
	assert_int_equal(p.top, 0);
	assert_selected(&p, &flows[0]);

	/* A page is height - 1 rows: one row stays in view. */
	assert_int_equal(pane_page(6), 5);
	assert_int_equal(pane_page(1), 1);
	assert_int_equal(pane_page(0), 1);
	pane_move(&p, PANE_PAGES, 1, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 5);
	pane_move(&p, PANE_PAGES, 2, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 15);
	pane_move(&p, PANE_PAGES, 1, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, NFLOWS - 1);
	pane_move(&p, PANE_PAGES, -1, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, NFLOWS - 6);
	pane_move(&p, PANE_PAGES, -10, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 0);
	assert_int_equal(p.top, 0);

	/* Row steps, clamped at both ends. */
	pane_move(&p, PANE_ROWS, 5, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 5);
	assert_int_equal(p.top, 0);
	pane_move(&p, PANE_ROWS, 5, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 10);
	assert_int_equal(p.top, 5);
	pane_move(&p, PANE_ROWS, 1000, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, NFLOWS - 1);
	pane_move(&p, PANE_ROWS, -5, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 14);
	assert_int_equal(p.top, 14);
	pane_move(&p, PANE_ROWS, -1000, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 0);
	assert_int_equal(p.top, 0);
	pane_move(&p, PANE_ROWS, -1, flows, rows, NFLOWS, 6);
	assert_int_equal(p.cursor, 0);
}

static void test_empty_rows(void **state)
{
	uint32_t rows[3];
	struct pane p;

	(void)state;
	identity(rows, 3);
	pane_init(&p);
	pane_sync(&p, flows, rows, 0, 5);
	assert_int_equal(p.cursor, 0);
	assert_int_equal(p.top, 0);
	assert_false(p.has_sel);
	pane_move(&p, PANE_ROWS, 1, flows, rows, 0, 5);
	pane_move(&p, PANE_LAST, 0, flows, rows, 0, 5);
	assert_int_equal(p.cursor, 0);
	assert_false(p.has_sel);

	/* Selected, then everything goes, then rows come back: the first row. */
	pane_sync(&p, flows, rows, 3, 5);
	pane_move(&p, PANE_ROWS, 2, flows, rows, 3, 5);
	assert_selected(&p, &flows[2]);
	pane_sync(&p, flows, rows, 0, 5);
	assert_false(p.has_sel);
	assert_int_equal(p.cursor, 0);
	pane_sync(&p, flows, rows, 3, 5);
	assert_int_equal(p.cursor, 0);
	assert_selected(&p, &flows[0]);
}

/* A zero height (a collapsed pane) still keeps the cursor on the one row shown. */
static void test_zero_height(void **state)
{
	uint32_t rows[NFLOWS];
	struct pane p;

	(void)state;
	identity(rows, NFLOWS);
	pane_init(&p);
	pane_sync(&p, flows, rows, NFLOWS, 0);
	pane_move(&p, PANE_ROWS, 3, flows, rows, NFLOWS, 0);
	assert_int_equal(p.cursor, 3);
	assert_int_equal(p.top, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_first_sync_selects_first_row),
		cmocka_unit_test(test_selection_follows_resort),
		cmocka_unit_test(test_key_includes_proto_and_dir),
		cmocka_unit_test(test_same_flow_both_directions),
		cmocka_unit_test(test_vanished_keeps_row_number),
		cmocka_unit_test(test_vanished_clamps_to_last),
		cmocka_unit_test(test_scroll_follows_cursor),
		cmocka_unit_test(test_resort_scrolls_to_selection),
		cmocka_unit_test(test_shrinking_list_scrolls_back),
		cmocka_unit_test(test_taller_window_fills_from_top),
		cmocka_unit_test(test_move_home_end_pages),
		cmocka_unit_test(test_empty_rows),
		cmocka_unit_test(test_zero_height),
	};

	return cmocka_run_group_tests_name("pane", tests, setup, NULL);
}
