/*
 * test_esc: the one escaping path for strings from other nodes: what
 * passes, what is escaped, and cutting that never splits a character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esc.h"

static const char *
e(const char *s, int flags)
{
	static char	buf[256];

	return esc(buf, sizeof(buf), s, strlen(s), flags);
}

static void
test_passes(void **state)
{
	(void)state;
	assert_string_equal(e("vanthu@tanthanh.bacquang.hagiang", 0),
	    "vanthu@tanthanh.bacquang.hagiang");
	/* Vietnamese stays readable. */
	assert_string_equal(e("Giấy mời họp", 0), "Giấy mời họp");
	assert_string_equal(e("", 0), "");
	assert_string_equal(esc_str((char[8]){ 0 }, 8, NULL, 0), "");
}

static void
test_escapes(void **state)
{
	(void)state;
	/* A forged log line, a terminal escape, DEL. */
	assert_string_equal(e("a\r\nevent=x", 0), "a\\r\\nevent=x");
	assert_string_equal(e("\x1b[2J", 0), "\\x1b[2J");
	assert_string_equal(e("x\x7fy", 0), "x\\x7fy");
	/* C1 controls in UTF-8 (NEL, CSI), and bytes that are not UTF-8. */
	assert_string_equal(e("a\xc2\x85" "b\xc2\x9b", 0), "a\\x85b\\x9b");
	assert_string_equal(e("\xff\xc3", 0), "\\xff\\xc3");
	assert_string_equal(e("\xc0\xaf", 0), "\\xc0\\xaf");	/* overlong */
	assert_string_equal(e("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");
	/* Text that reorders itself, and line separators. */
	assert_string_equal(e("abc\xe2\x80\xae" "fdp.exe", 0),
	    "abc\\u202efdp.exe");
	assert_string_equal(e("a\xe2\x80\xa8" "b", 0), "a\\u2028b");
	/* A letter keeps its lines; a log field keeps its quotes closed. */
	assert_string_equal(e("l1\n\tl2\r", ESC_NEWLINES), "l1\n\tl2\\r");
	assert_string_equal(e("a\"b\\c", ESC_QUOTED), "a\\\"b\\\\c");
	assert_string_equal(e("a\"b", 0), "a\"b");
}

static void
test_cut(void **state)
{
	char	small[8];

	(void)state;
	assert_string_equal(esc_str(small, sizeof(small), "abcdefghij", 0),
	    "abcd...");
	/* "ấ" is 3 bytes: never half of it before the dots. */
	assert_string_equal(esc_str(small, sizeof(small), "aấấấ", 0),
	    "aấ...");
	assert_string_equal(esc_str(small, 7, "aấấấ", 0), "a...");
	/* An escape is never cut in the middle either. */
	assert_string_equal(esc_str(small, sizeof(small), "ab\x01\x02", 0),
	    "ab...");
	assert_string_equal(esc_str(small, 4, "abcdef", 0), "...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
