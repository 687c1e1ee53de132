/*
 * pane.h - a scrolling list whose selection follows a flow, not a row.
 *
 * The monitor's panes re-sort on every refresh.  A pane remembers the key
 * of the selected flow; after the rows change, pane_sync() finds that flow
 * again and moves the cursor to it (or, if it is gone, keeps the row
 * number, clamped), then scrolls so the cursor is visible.  Pure: no curses.
 */
#ifndef LSCT_PANE_H
#define LSCT_PANE_H

#include <stddef.h>
#include "flow.h"

struct pane {
	struct flow_key sel;	/* the selected flow, when has_sel */
	int has_sel;
	size_t cursor;		/* row of the selection */
	size_t top;		/* first row shown */
};

void pane_init(struct pane *p);
/* After rows (n of them, height shown) changed. */
void pane_sync(struct pane *p, const struct flow *const *rows, size_t n, size_t height);
/*
 * Moves the selection by delta rows (negative: up), clamped; PANE_HOME and
 * PANE_END as delta go to the first and last row.
 */
#define PANE_HOME (-((long)1 << 40))
#define PANE_END  ((long)1 << 40)
void pane_move(struct pane *p, long delta, const struct flow *const *rows, size_t n,
	       size_t height);

#endif
