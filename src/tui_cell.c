/*
 * tui_cell.c - the monitor's smallest pieces: colour roles, writing text
 * into cells without wrapping, number texts, and the bottom-line note.
 */
#include "tui_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "util.h"

const struct role_def cell_roles[R_MAX] = {
	[R_PLAIN]  = { -1, A_NORMAL },
	[R_HOST]   = { COLOR_CYAN, A_BOLD },
	[R_WARN]   = { COLOR_RED, A_BOLD },
	[R_FLAG]   = { COLOR_YELLOW, A_REVERSE | A_BOLD },
	[R_TITLE]  = { COLOR_CYAN, A_BOLD },
	[R_FOCUS]  = { -1, A_REVERSE | A_BOLD },
	[R_COLS]   = { -1, A_BOLD },
	[R_SORTED] = { COLOR_CYAN, A_BOLD | A_UNDERLINE },
	[R_CLOSED] = { -1, A_DIM },
	[R_KEY]    = { -1, A_BOLD },
};

attr_t cell_attr(const struct tui *t, enum role r)
{
	if (t->colour && cell_roles[r].fg >= 0)
		return cell_roles[r].attr | COLOR_PAIR(r);
	return cell_roles[r].attr;
}

void cell_set_msg(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_until = mono_now() + MSG_SECS;
}

/*
 * A first frame has no deltas; a frame taken moments after the one before
 * (mon_wake) has deltas too small to mean a rate.
 */
int cell_rates_known(const struct mon_frame *f)
{
	return f && f->seq > 1 && f->interval >= MIN_RATE_INTERVAL;
}

/* A count in decimal while it fits in width cells, then in human units. */
void cell_count_text(char *buf, size_t len, uint64_t v, int width)
{
	char dec[24];

	fmt_u64(dec, sizeof dec, v);
	if ((int)strlen(dec) <= width)
		snprintf(buf, len, "%s", dec);
	else
		fmt_human(buf, len, (double)v);
}

void cell_period_text(char *buf, size_t len, double seconds)
{
	snprintf(buf, len, "%gs", seconds);
}

void cell_dash(char *buf, size_t len)
{
	snprintf(buf, len, "-");
}

/* Writes at most w cells of s at (y, x), never past the right edge (curses would wrap). */
int cell_put(int y, int x, int w, const char *s, attr_t a)
{
	int n;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return x;
	if (w > COLS - x)
		w = COLS - x;
	n = (int)strnlen(s, (size_t)w);
	attrset(a);
	mvaddnstr(y, x, s, n);
	return x + n;
}

/*
 * At most w cells of s, UTF-8 whose characters are one cell wide each (the
 * Trend column's blocks), never past the right edge.
 */
int cell_put_wide(int y, int x, int w, const char *s, attr_t a)
{
	int cells = 0;
	size_t n = 0;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return x;
	if (w > COLS - x)
		w = COLS - x;
	while (s[n]) {
		if (((unsigned char)s[n] & 0xc0) != 0x80 && cells++ == w)
			break;
		n++;
	}
	attrset(a);
	mvaddnstr(y, x, s, (int)n);
	return x + (cells < w ? cells : w);
}

/* One cell: a UTF-8 symbol, or its ASCII stand-in outside a UTF-8 locale. */
int cell_put_sym(const struct tui *t, int y, int x, const char *utf8, char ascii, attr_t a)
{
	char one[2] = { ascii, '\0' };

	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return x;
	attrset(a);
	mvaddstr(y, x, t->utf8 ? utf8 : one);
	return x + 1;
}

static int put_ellipsis(const struct tui *t, int y, int x, attr_t a)
{
	return cell_put_sym(t, y, x, "\u2026", '~', a);
}

/*
 * s (ASCII) in a cell of w, aligned, cut with an ellipsis if too long:
 * TR_PORT keeps the ":port" end of an endpoint, TR_START the end of s.
 */
void cell_put_cut(const struct tui *t, int y, int x, int w, const char *s, int right,
		  enum trunc tr, attr_t a)
{
	int len = (int)strlen(s), head, tail = 0;

	if (w <= 0)
		return;
	if (len <= w) {
		cell_put(y, right ? x + w - len : x, len, s, a);
		return;
	}
	head = w - 1;
	if (tr == TR_START) {
		head = 0;
		tail = w - 1;
	} else if (tr == TR_PORT) {
		const char *colon = strrchr(s, ':');
		int keep = colon ? len - (int)(colon - s) : 0;

		/* Room for the port, the ellipsis and at least one cell of address. */
		if (keep > 0 && keep <= w - 2) {
			tail = keep;
			head = w - 1 - keep;
		}
	}
	x = cell_put(y, x, head, s, a);
	x = put_ellipsis(t, y, x, a);
	cell_put(y, x, tail, s + len - tail, a);
}

void cell_blank_line(int y, attr_t a)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(A_NORMAL);
	mvhline(y, 0, (chtype)' ' | a, COLS);
}

void cell_rule(const struct tui *t, int y)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(A_NORMAL);
	mvhline(y, 0, t->utf8 ? ACS_HLINE : (chtype)'-', COLS);
}
