/*
 * pane.h - a scrolling list whose selection follows a flow, not a row.
 *
 * The monitor's panes re-sort on every refresh.  A pane remembers the key
 * of the selected flow; after the rows change, pane_sync() finds that flow
 * again and moves the cursor to it (or, if it is gone, keeps the row
 * number, clamped), then scrolls so the cursor is visible.  Rows are
 * numbers of flows in an array (view_build_index()): row i is
 * flows[rows[i]].  Pure: no curses.
 */
#ifndef LSCT_PANE_H
#define LSCT_PANE_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"

struct pane {
	struct flow_key sel;	/* the selected flow, when has_sel */
	int has_sel;
	size_t cursor;		/* row of the selection */
	size_t top;		/* first row shown */
};

void pane_init(struct pane *p);
/* After rows (n of them, height shown) changed. */
void pane_sync(struct pane *p, const struct flow *flows, const uint32_t *rows, size_t n,
	       size_t height);
/* How pane_move() moves: by n rows or n pages (negative: up), or to an end. */
enum pane_move { PANE_ROWS, PANE_PAGES, PANE_FIRST, PANE_LAST };

/* Rows in one page of a list height rows tall: one row stays in view. */
size_t pane_page(size_t height);
/* Moves the selection, clamped to the rows; n is ignored for PANE_FIRST/LAST. */
void pane_move(struct pane *p, enum pane_move how, long n, const struct flow *flows,
	       const uint32_t *rows, size_t count, size_t height);

#endif
