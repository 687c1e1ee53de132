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
static void settle(struct pane *p, const struct flow *flows, const uint32_t *rows, size_t n,
		   size_t height)
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
	p->sel = flows[rows[p->cursor]].key;
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

void pane_sync(struct pane *p, const struct flow *flows, const uint32_t *rows, size_t n,
	       size_t height)
{
	if (p->has_sel) {
		for (size_t i = 0; i < n; i++) {
			if (flow_key_equal(&flows[rows[i]].key, &p->sel)) {
				p->cursor = i;
				break;
			}
		}
	}
	settle(p, flows, rows, n, height);
}

size_t pane_page(size_t height)
{
	return height > 1 ? height - 1 : 1;
}

void pane_move(struct pane *p, enum pane_move how, long n, const struct flow *flows,
	       const uint32_t *rows, size_t count, size_t height)
{
	long long to;

	if (count == 0) {
		settle(p, flows, rows, count, height);
		return;
	}
	switch (how) {
	case PANE_FIRST:
		to = 0;
		break;
	case PANE_LAST:
		to = (long long)count - 1;
		break;
	case PANE_PAGES:
		to = (long long)p->cursor + (long long)n * (long long)pane_page(height);
		break;
	default:
		to = (long long)p->cursor + n;
	}
	if (to < 0)
		to = 0;
	if (to > (long long)count - 1)
		to = (long long)count - 1;
	p->cursor = (size_t)to;
	settle(p, flows, rows, count, height);
}
