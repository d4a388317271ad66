/*
 * test_name: the one mailbox-name rule (name_mailbox_valid()) at its
 * edges, and the mailbox address built on it (name_mailbox()). The
 * config, the gateway's config and the SMTP recipient mapping all call
 * the same function, so what holds here holds for each of them. Then
 * subtree addresses: their syntax, which nodes a subtree holds, which
 * links lead into it, and who may address it.
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

/* What the address's subtree is ("" for the whole network), or NULL. */
static const char *
subtree_of(const char *addr)
{
	const char	*sub = NULL;

	return name_subtree_address(addr, &sub) ? sub : NULL;
}

static void
test_subtree_address(void **state)
{
	static const char *const not_subtree[] = {
		"vanthu@bacquang.hagiang",	/* a mailbox address */
		"vanthu@*.", "vanthu@*..hagiang", "vanthu@*.-x",
		"vanthu@*hagiang", "vanthu@**", "vanthu@*.*.hagiang",
		"vanthu@x.*.hagiang", "vanthu@*.Hagiang", "vanthu@* ",
		"vanthu@*.hagiang\n", "vanthu@*.hagiang.", "@*.hagiang",
		"Vanthu@*.hagiang", "van thu@*", "*.hagiang", "vanthu*.hagiang",
		"vanthu@", "a@b@*.hagiang", "",
	};
	char	addr[NAME_MAILBOX_MAX + 300], label[64];

	(void)state;
	assert_string_equal(subtree_of("vanthu@*.bacquang.hagiang"),
	    "bacquang.hagiang");
	assert_string_equal(subtree_of("vanthu@*.hagiang"), "hagiang");
	assert_string_equal(subtree_of("chu.tich_2@*"), "");
	assert_true(name_subtree_address("vanthu@*.tw", NULL));
	for (size_t i = 0; i < sizeof(not_subtree) / sizeof(*not_subtree);
	    i++)
		if (subtree_of(not_subtree[i]) != NULL)
			fail_msg("taken as a subtree address: %s",
			    not_subtree[i]);
	/* Never both kinds: a mailbox address is not a subtree one. */
	assert_false(name_mailbox("vanthu@*.hagiang", NULL));
	assert_false(name_mailbox("vanthu@*", NULL));
	/* The mailbox and the name have their own bounds. */
	assert_non_null(subtree_of(run(addr, NAME_MAILBOX_MAX, 'a', "@*.tw")));
	assert_null(subtree_of(run(addr, NAME_MAILBOX_MAX + 1, 'a', "@*.tw")));
	/* A name of 253 bytes, the longest; then one too long. */
	run(label, 63, 'b', "");
	snprintf(addr, sizeof(addr), "v@*.%s.%s.%s.%.61s", label, label,
	    label, label);
	assert_int_equal(strlen(addr) - 4, NAME_MAX_LEN);
	assert_non_null(subtree_of(addr));
	strcat(addr, "c");
	assert_null(subtree_of(addr));
}

static void
test_subtree_nodes(void **state)
{
	const char	*bq = "bacquang.hagiang";

	(void)state;
	/* Strictly below, whole labels: not the subtree's own node. */
	assert_true(name_in_subtree("tanthanh.bacquang.hagiang", bq, "tw"));
	assert_true(name_in_subtree("thon.tanthanh.bacquang.hagiang", bq,
	    "tw"));
	assert_false(name_in_subtree(bq, bq, "tw"));
	assert_false(name_in_subtree("hagiang", bq, "tw"));
	assert_false(name_in_subtree("x.xbacquang.hagiang", bq, "tw"));
	assert_false(name_in_subtree("tanthanh.vixuyen.hagiang", bq, "tw"));
	assert_false(name_in_subtree("tw", bq, "tw"));
	assert_false(name_in_subtree("Tanthanh.bacquang.hagiang", bq, "tw"));
	/* "*": every node but the root, whatever its name. */
	assert_true(name_in_subtree("hagiang", "", "tw"));
	assert_true(name_in_subtree("tanthanh.bacquang.hagiang", "", "tw"));
	assert_false(name_in_subtree("tw", "", "tw"));
	assert_false(name_in_subtree("", "", "tw"));
	assert_false(name_in_subtree("a..b", "", "tw"));
	/* "*.tw": by name, like any other; not the network. */
	assert_false(name_in_subtree("hagiang", "tw", "tw"));
	assert_true(name_in_subtree("x.tw", "tw", "tw"));
}

static void
test_subtree_links(void **state)
{
	const char	*bq = "bacquang.hagiang";

	(void)state;
	/* A link leads into it if its node is in it or above it. */
	assert_true(name_meets_subtree("tanthanh.bacquang.hagiang", bq, "tw"));
	assert_true(name_meets_subtree(bq, bq, "tw"));
	assert_true(name_meets_subtree("hagiang", bq, "tw"));
	assert_true(name_meets_subtree("tw", bq, "tw"));
	assert_false(name_meets_subtree("vixuyen.hagiang", bq, "tw"));
	assert_false(name_meets_subtree("xbacquang.hagiang", bq, "tw"));
	assert_false(name_meets_subtree("otherprovince", bq, "tw"));
	assert_false(name_meets_subtree("a.otherprovince", bq, "tw"));
	/* Deeper than a commune's children: still above it. */
	assert_true(name_meets_subtree(bq, "tanthanh.bacquang.hagiang",
	    "tw"));
	assert_false(name_meets_subtree("quyetthang.bacquang.hagiang",
	    "tanthanh.bacquang.hagiang", "tw"));
	/* The whole network: every node leads into it. */
	assert_true(name_meets_subtree("hagiang", "", "tw"));
	assert_true(name_meets_subtree("tw", "", "tw"));
	assert_true(name_meets_subtree("a.b.c", "", "tw"));
	assert_false(name_meets_subtree("a..b", "", "tw"));
}

static void
test_subtree_authority(void **state)
{
	const char	*bq = "bacquang.hagiang";

	(void)state;
	/* An office at or above the subtree, and the root. */
	assert_true(name_may_address(bq, bq, "tw"));
	assert_true(name_may_address("hagiang", bq, "tw"));
	assert_true(name_may_address("hagiang", "hagiang", "tw"));
	assert_true(name_may_address(bq, "tanthanh.bacquang.hagiang", "tw"));
	assert_true(name_may_address("tw", bq, "tw"));
	assert_true(name_may_address("tw", "", "tw"));
	assert_true(name_may_address("tw", "otherprovince", "tw"));
	/* No one else: not below, not a sibling, not the network. */
	assert_false(name_may_address("tanthanh.bacquang.hagiang", bq,
	    "tw"));
	assert_false(name_may_address("tanthanh.bacquang.hagiang",
	    "hagiang", "tw"));
	assert_false(name_may_address("vixuyen.hagiang", bq, "tw"));
	assert_false(name_may_address("quyetthang.bacquang.hagiang",
	    "tanthanh.bacquang.hagiang", "tw"));
	assert_false(name_may_address("xbacquang.hagiang",
	    "a.xbacquang.hagiangx", "tw"));
	assert_false(name_may_address("hagiang", "", "tw"));
	assert_false(name_may_address(bq, "", "tw"));
	assert_false(name_may_address("bacquang", bq, "tw"));
	assert_false(name_may_address("agiang", "hagiang", "tw"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailbox_name),
		cmocka_unit_test(test_mailbox_address),
		cmocka_unit_test(test_subtree_address),
		cmocka_unit_test(test_subtree_nodes),
		cmocka_unit_test(test_subtree_links),
		cmocka_unit_test(test_subtree_authority),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
