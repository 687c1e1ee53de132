/*
 * lineedit.h - one line of printable ASCII being edited, as the monitor's
 * prompts use it.  Pure: no curses, no terminal.  The caller turns its
 * terminal's key codes into the LINEEDIT_* codes below; plain bytes (the
 * control keys C-a, C-e, C-u, Backspace as 8 or 127, Enter, Esc) are
 * understood as they are.
 */
#ifndef LSCT_LINEEDIT_H
#define LSCT_LINEEDIT_H

#include <stddef.h>

#define LINEEDIT_MAX	256	/* bytes of buf, with the terminating NUL */

struct lineedit {
	char buf[LINEEDIT_MAX];	/* always NUL-terminated */
	size_t len, pos;	/* bytes; pos is the cursor, 0 .. len */
};

/* Keys that are not bytes: above any byte value. */
enum lineedit_key {
	LINEEDIT_LEFT = 0x100,
	LINEEDIT_RIGHT,
	LINEEDIT_HOME,
	LINEEDIT_END,
	LINEEDIT_DELETE,	/* the character under the cursor */
	LINEEDIT_BACKSPACE,	/* the character before the cursor */
	LINEEDIT_ENTER,
};

enum lineedit_result { LINEEDIT_GOING, LINEEDIT_DONE, LINEEDIT_CANCEL };

/* Starts editing text (cut to fit), the cursor at its end. */
void lineedit_set(struct lineedit *e, const char *text);
/*
 * Acts on one key: a byte or an enum lineedit_key.  Printable ASCII is
 * inserted at the cursor while there is room; other bytes (and multibyte
 * input, which arrives as bytes >= 0x80) are refused.  Enter gives
 * LINEEDIT_DONE, Esc LINEEDIT_CANCEL, everything else LINEEDIT_GOING.
 */
enum lineedit_result lineedit_key(struct lineedit *e, int key);

#endif
