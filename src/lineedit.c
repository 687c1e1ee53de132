/* lineedit.c - the monitor's one-line editor, without a terminal. */
#include "lineedit.h"

#include <stdio.h>
#include <string.h>

#define CTRL(c)		((c) & 0x1f)
#define BYTE_ESC	27
#define BYTE_BS		8	/* Backspace as some terminals send it */
#define BYTE_DEL	127	/* Backspace as most terminals send it */
#define PRINT_FIRST	0x20
#define PRINT_END	0x7f	/* DEL and up: not printable ASCII */

void lineedit_set(struct lineedit *e, const char *text)
{
	snprintf(e->buf, sizeof e->buf, "%s", text);
	e->len = e->pos = strlen(e->buf);
}

static void erase_at(struct lineedit *e, size_t at)
{
	memmove(e->buf + at, e->buf + at + 1, e->len - at);
	e->len--;
}

enum lineedit_result lineedit_key(struct lineedit *e, int key)
{
	switch (key) {
	case BYTE_ESC:
		return LINEEDIT_CANCEL;
	case '\r':
	case '\n':
	case LINEEDIT_ENTER:
		return LINEEDIT_DONE;
	case LINEEDIT_BACKSPACE:
	case BYTE_DEL:
	case BYTE_BS:
		if (e->pos == 0)
			break;
		e->pos--;
		erase_at(e, e->pos);
		break;
	case LINEEDIT_DELETE:
		if (e->pos < e->len)
			erase_at(e, e->pos);
		break;
	case LINEEDIT_LEFT:
		e->pos -= e->pos > 0;
		break;
	case LINEEDIT_RIGHT:
		e->pos += e->pos < e->len;
		break;
	case LINEEDIT_HOME:
	case CTRL('a'):
		e->pos = 0;
		break;
	case LINEEDIT_END:
	case CTRL('e'):
		e->pos = e->len;
		break;
	case CTRL('u'):
		/* Deletes what is left of the cursor, as in a shell. */
		memmove(e->buf, e->buf + e->pos, e->len - e->pos + 1);
		e->len -= e->pos;
		e->pos = 0;
		break;
	default:
		/* Filters are ASCII; multibyte input arrives as bytes >= 0x80 and is refused. */
		if (key < PRINT_FIRST || key >= PRINT_END || e->len + 1 >= sizeof e->buf)
			break;
		memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos + 1);
		e->buf[e->pos++] = (char)key;
		e->len++;
	}
	return LINEEDIT_GOING;
}
