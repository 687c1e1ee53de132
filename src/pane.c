/* pane.c - cursor and scroll of a list whose rows re-sort under it. */
#include "pane.h"

#include <string.h>

void pane_init(struct pane *p)
{
	memset(p, 0, sizeof *p);
}

/*
 * Clamps the cursor, remembers the flow under it and scrolls as little as
 * possible to show it.  A list that shrank is scrolled back so the window
 * stays full rather than showing empty rows below the last one.
 */
static void settle(struct pane *p, const struct flow *const *rows, size_t n, size_t height)
{
	if (height == 0)
		height = 1;
	if (n == 0) {
		p->cursor = 0;
		p->top = 0;
		p->has_sel = 0;
		return;
	}
	if (p->cursor >= n)
		p->cursor = n - 1;
	p->sel = rows[p->cursor]->key;
	p->has_sel = 1;
	if (n <= height)
		p->top = 0;
	else if (p->top > n - height)
		p->top = n - height;
	if (p->cursor < p->top)
		p->top = p->cursor;
	else if (p->cursor >= p->top + height)
		p->top = p->cursor - height + 1;
}

void pane_sync(struct pane *p, const struct flow *const *rows, size_t n, size_t height)
{
	if (p->has_sel) {
		for (size_t i = 0; i < n; i++) {
			if (flow_key_equal(&rows[i]->key, &p->sel)) {
				p->cursor = i;
				break;
			}
		}
	}
	settle(p, rows, n, height);
}

void pane_move(struct pane *p, long delta, const struct flow *const *rows, size_t n,
	       size_t height)
{
	long long to;

	if (n == 0) {
		settle(p, rows, n, height);
		return;
	}
	if (delta <= PANE_HOME)
		to = 0;
	else if (delta >= PANE_END)
		to = (long long)n - 1;
	else
		to = (long long)p->cursor + delta;
	if (to < 0)
		to = 0;
	if (to > (long long)n - 1)
		to = (long long)n - 1;
	p->cursor = (size_t)to;
	settle(p, rows, n, height);
}
