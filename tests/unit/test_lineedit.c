/* The monitor's one-line editor (lineedit.c): cursor keys, deletion, limits. */
#include "testutil.h"

#include "lineedit.h"
#include "lsct.h"

#define CTRL(c)	((c) & 0x1f)

static void type(struct lineedit *e, const char *s)
{
	for (; *s; s++)
		assert_int_equal(lineedit_key(e, (unsigned char)*s), LINEEDIT_GOING);
}

static void assert_line(const struct lineedit *e, const char *text, size_t pos)
{
	assert_string_equal(e->buf, text);
	assert_int_equal(e->len, strlen(text));
	assert_int_equal(e->pos, pos);
}

static void test_set_puts_cursor_at_end(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "443,80");
	assert_line(&e, "443,80", 6);
	lineedit_set(&e, "");
	assert_line(&e, "", 0);
}

static void test_insert_at_cursor(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "");
	type(&e, "4480");
	lineedit_key(&e, LINEEDIT_LEFT);
	lineedit_key(&e, LINEEDIT_LEFT);
	type(&e, "3,");
	assert_line(&e, "443,80", 4);
}

static void test_left_right_stop_at_ends(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "ab");
	lineedit_key(&e, LINEEDIT_RIGHT);
	assert_line(&e, "ab", 2);
	for (int i = 0; i < 5; i++)
		lineedit_key(&e, LINEEDIT_LEFT);
	assert_line(&e, "ab", 0);
	lineedit_key(&e, LINEEDIT_RIGHT);
	assert_line(&e, "ab", 1);
}

static void test_home_end_and_ctrl(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "10.0.0.1");
	lineedit_key(&e, LINEEDIT_HOME);
	assert_line(&e, "10.0.0.1", 0);
	lineedit_key(&e, LINEEDIT_END);
	assert_line(&e, "10.0.0.1", 8);
	lineedit_key(&e, CTRL('a'));
	assert_line(&e, "10.0.0.1", 0);
	lineedit_key(&e, CTRL('e'));
	assert_line(&e, "10.0.0.1", 8);
}

static void test_backspace_and_delete(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "abcd");
	lineedit_key(&e, LINEEDIT_BACKSPACE);
	assert_line(&e, "abc", 3);
	lineedit_key(&e, 127);	/* Backspace as most terminals send it */
	assert_line(&e, "ab", 2);
	lineedit_key(&e, 8);	/* and as some others do */
	assert_line(&e, "a", 1);
	lineedit_key(&e, LINEEDIT_DELETE);	/* nothing under the cursor */
	assert_line(&e, "a", 1);

	lineedit_set(&e, "abcd");
	lineedit_key(&e, LINEEDIT_HOME);
	lineedit_key(&e, LINEEDIT_BACKSPACE);	/* nothing before the cursor */
	assert_line(&e, "abcd", 0);
	lineedit_key(&e, LINEEDIT_RIGHT);
	lineedit_key(&e, LINEEDIT_DELETE);
	assert_line(&e, "acd", 1);
	lineedit_key(&e, LINEEDIT_BACKSPACE);
	assert_line(&e, "cd", 0);
}

static void test_ctrl_u_deletes_left_of_cursor(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "443,80");
	lineedit_key(&e, LINEEDIT_LEFT);
	lineedit_key(&e, LINEEDIT_LEFT);
	lineedit_key(&e, CTRL('u'));
	assert_line(&e, "80", 0);
	lineedit_key(&e, LINEEDIT_END);
	lineedit_key(&e, CTRL('u'));
	assert_line(&e, "", 0);
}

static void test_printable_only(void **state)
{
	static const int refused[] = { 0x02, '\t', 0x1f, 0x80, 0xc3, 0xff, 0x1234 };
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "x");
	for (size_t i = 0; i < ARRAY_LEN(refused); i++)
		assert_int_equal(lineedit_key(&e, refused[i]), LINEEDIT_GOING);
	assert_line(&e, "x", 1);
	type(&e, " ~!");
	assert_line(&e, "x ~!", 4);
}

static void test_enter_and_escape(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "22");
	assert_int_equal(lineedit_key(&e, '\r'), LINEEDIT_DONE);
	assert_int_equal(lineedit_key(&e, '\n'), LINEEDIT_DONE);
	assert_int_equal(lineedit_key(&e, LINEEDIT_ENTER), LINEEDIT_DONE);
	assert_int_equal(lineedit_key(&e, 27), LINEEDIT_CANCEL);
	assert_line(&e, "22", 2);
}

static void test_full_buffer(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_set(&e, "");
	for (int i = 0; i < LINEEDIT_MAX + 10; i++)
		lineedit_key(&e, '1');
	assert_int_equal(e.len, LINEEDIT_MAX - 1);
	assert_int_equal(e.pos, LINEEDIT_MAX - 1);
	assert_int_equal(e.buf[LINEEDIT_MAX - 1], '\0');
	/* Full in the middle too: nothing shifts past the end. */
	lineedit_key(&e, LINEEDIT_HOME);
	lineedit_key(&e, '2');
	assert_int_equal(e.buf[0], '1');
	assert_int_equal(e.len, LINEEDIT_MAX - 1);
	/* One out, one in. */
	lineedit_key(&e, LINEEDIT_DELETE);
	lineedit_key(&e, '2');
	assert_int_equal(e.buf[0], '2');
	assert_int_equal(e.len, LINEEDIT_MAX - 1);
	assert_int_equal(e.pos, 1);

	/* A longer text is cut to fit. */
	{
		char big[LINEEDIT_MAX + 20];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		lineedit_set(&e, big);
		assert_int_equal(e.len, LINEEDIT_MAX - 1);
		assert_int_equal(e.pos, LINEEDIT_MAX - 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_puts_cursor_at_end),
		cmocka_unit_test(test_insert_at_cursor),
		cmocka_unit_test(test_left_right_stop_at_ends),
		cmocka_unit_test(test_home_end_and_ctrl),
		cmocka_unit_test(test_backspace_and_delete),
		cmocka_unit_test(test_ctrl_u_deletes_left_of_cursor),
		cmocka_unit_test(test_printable_only),
		cmocka_unit_test(test_enter_and_escape),
		cmocka_unit_test(test_full_buffer),
	};

	return cmocka_run_group_tests_name("lineedit", tests, NULL, NULL);
}
