/*
 * test_name: the one mailbox-name rule (name_mailbox_valid()) at its
 * edges, and the mailbox address built on it (name_mailbox()). The
 * config, the gateway's config and the SMTP recipient mapping all call
 * the same function, so what holds here holds for each of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"

/* Names the rule takes: its characters anywhere, dots with no structure. */
static const char *const good[] = {
	"a", "vanthu", "chu.tich_2", "0", ".a", "a.", "a..b", "-", "_",
};

/* Names it refuses, a class of bytes at a time. */
static const char *const bad[] = {
	"",					/* empty */
	"Vanthu", "vanthU",			/* upper case: never folded */
	"van thu", "\"vanthu\"", "van'thu",	/* what would break an */
	"<vanthu>", "van,thu", "van;thu",	/* SMTP command or a */
	"van:thu", "van\\thu", "a+b", "a/b",	/* header line */
	"@", "van@thu", "vanthu@tw",		/* the address separator */
	"van\tthu", "vanthu\r\n", "\x1b[31m",	/* control characters */
	"van\x7fthu",				/* DEL */
	"nguyễn", "vănthư", "\xc3", "\xff",	/* UTF-8, whole or not */
};

static int
valid(const char *s)
{
	return name_mailbox_valid(s, strlen(s));
}

/* n copies of c followed by tail, in buf. */
static const char *
run(char *buf, size_t n, char c, const char *tail)
{
	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

static void
test_mailbox_name(void **state)
{
	static const char	allowed[] =
	    "abcdefghijklmnopqrstuvwxyz0123456789._-";
	char			buf[NAME_MAILBOX_MAX + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(valid(bad[i]));

	/* 1 to 64 bytes, and only the len bytes asked about count. */
	assert_int_equal(NAME_MAILBOX_MAX, 64);
	assert_true(valid(run(buf, NAME_MAILBOX_MAX, 'a', "")));
	assert_false(valid(run(buf, NAME_MAILBOX_MAX + 1, 'a', "")));
	assert_false(name_mailbox_valid("vanthu", 0));
	assert_true(name_mailbox_valid("vanthu@tw", 6));
	assert_false(name_mailbox_valid("vanthu@tw", 7));
	assert_false(name_mailbox_valid("van\0thu", 7));

	/* Every byte value alone and inside a name: exactly the 39 pass. */
	for (int c = 0; c < 256; c++) {
		char	one[1] = { (char)c };
		char	mid[3] = { 'a', (char)c, 'b' };
		int	ok = c != 0 && strchr(allowed, c) != NULL;

		assert_int_equal(name_mailbox_valid(one, 1), ok);
		assert_int_equal(name_mailbox_valid(mid, 3), ok);
	}
}

static void
test_mailbox_address(void **state)
{
	const char	*node = NULL;
	char		 addr[NAME_MAILBOX_MAX + 16];

	(void)state;
	assert_true(name_mailbox("vanthu@bacquang.hagiang", &node));
	assert_string_equal(node, "bacquang.hagiang");
	assert_true(name_mailbox("vanthu@tw", NULL));
	assert_true(name_mailbox(run(addr, NAME_MAILBOX_MAX, 'a', "@tw"),
	    NULL));
	assert_false(name_mailbox(run(addr, NAME_MAILBOX_MAX + 1, 'a', "@tw"),
	    NULL));
	/* The user part is the rule above, whatever the node part. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strchr(bad[i], '@') != NULL)
			continue;	/* the user part would end earlier */
		snprintf(addr, sizeof(addr), "%s@tw", bad[i]);
		assert_false(name_mailbox(addr, NULL));
	}
	assert_false(name_mailbox("vanthu", NULL));
	assert_false(name_mailbox("vanthu@", NULL));
	assert_false(name_mailbox("vanthu@TW", NULL));
	assert_false(name_mailbox("vanthu@tw\n", NULL));
	/* The first '@' ends the user; a second is in the node part. */
	assert_false(name_mailbox("a@b@tw", NULL));
	/* A refused address leaves *node alone. */
	node = NULL;
	assert_false(name_mailbox("Vanthu@tw", &node));
	assert_null(node);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailbox_name),
		cmocka_unit_test(test_mailbox_address),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
