/*
 * test_route: next hops by longest-suffix match at a district: itself,
 * its communes (known from links below or certified), its parent as the
 * default, an extra link, and names inside its subtree nobody covers.
 * Then subtree addresses: down every link that leads into the subtree,
 * never up or sideways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node.h"
#include "route.h"

static struct cfg_link links[] = {
	{ .name = (char *)(uintptr_t)"hagiang", .parent = 1 },
	{ .name = (char *)(uintptr_t)"vixuyen.hagiang", .parent = 0 },
};

static struct node_conf conf = {
	.name = (char *)(uintptr_t)"bacquang.hagiang",
	.root_name = (char *)(uintptr_t)"tw",
	.links = links,
	.n_links = 2,
};

static struct node_conf root = {
	.name = (char *)(uintptr_t)"tw",
	.root_name = (char *)(uintptr_t)"tw",
};

/* n, a node of configuration c that knows no route yet. */
static void
at(struct node *n, struct node_conf *c)
{
	memset(n, 0, sizeof(*n));
	n->n_conf = c;
}

static const char *
next(struct node *n, const char *dest)
{
	const char	*via = NULL;

	switch (route_next(n, dest, &via)) {
	case ROUTE_LOCAL:
		return "local";
	case ROUTE_NONE:
		return "none";
	case ROUTE_PEER:
		return via;
	}
	return "?";
}

static void
test_district(void **state)
{
	struct node	n;

	(void)state;
	at(&n, &conf);
	route_learn(&n, "tanthanh.bacquang.hagiang");
	route_learn(&n, "tanthanh.bacquang.hagiang");	/* once is enough */
	/* Only our subtree is ours to route: a sibling that linked here
	 * sideways, our parent or ourselves are never learnt. */
	route_learn(&n, "vixuyen.hagiang");
	route_learn(&n, "sib.hagiang");
	route_learn(&n, "hagiang");
	route_learn(&n, "bacquang.hagiang");
	assert_string_equal(next(&n, "x.sib.hagiang"), "hagiang");

	assert_string_equal(next(&n, "bacquang.hagiang"), "local");
	assert_string_equal(next(&n, "tanthanh.bacquang.hagiang"),
	    "tanthanh.bacquang.hagiang");
	/* Below a child: through that child. */
	assert_string_equal(next(&n, "thon1.tanthanh.bacquang.hagiang"),
	    "tanthanh.bacquang.hagiang");
	/* In our subtree, no child covers it: unknown, never up. */
	assert_string_equal(next(&n, "nosuch.bacquang.hagiang"), "none");
	/* The extra link wins for its own subtree over the parent. */
	assert_string_equal(next(&n, "x.vixuyen.hagiang"), "vixuyen.hagiang");
	/* Everything else goes up, the root included. */
	assert_string_equal(next(&n, "hagiang"), "hagiang");
	assert_string_equal(next(&n, "tw"), "hagiang");
	assert_string_equal(next(&n, "otherprovince"), "hagiang");
	/* Label-aligned: xbacquang is not below bacquang. */
	assert_string_equal(next(&n, "xbacquang.hagiang"), "hagiang");
	assert_string_equal(next(&n, "g"), "hagiang");
	assert_string_equal(next(&n, "ng"), "hagiang");
	assert_string_equal(next(&n, ".bacquang.hagiang"), "hagiang");
	/* Not a name: within no subtree, so it goes up, as any other. */
	assert_string_equal(next(&n, "Tanthanh.bacquang.hagiang"), "hagiang");
	assert_string_equal(next(&n, "a..tanthanh.bacquang.hagiang"),
	    "hagiang");
	assert_string_equal(next(&n, "-x.vixuyen.hagiang"), "hagiang");
	assert_string_equal(next(&n, ""), "hagiang");
	route_free(&n);
	assert_null(n.n_routes);
	/* Forgotten: below the child is ours, and nobody covers it. */
	assert_string_equal(next(&n, "thon1.tanthanh.bacquang.hagiang"),
	    "none");
	route_free(&n);
}

static void
test_root(void **state)
{
	struct node	n;

	(void)state;
	at(&n, &root);
	route_learn(&n, "hagiang");
	route_learn(&n, "tw");		/* itself: never */
	assert_string_equal(next(&n, "tw"), "local");
	assert_string_equal(next(&n, "bacquang.hagiang"), "hagiang");
	/* The root has nowhere further to send a name nobody covers. */
	assert_string_equal(next(&n, "otherprovince"), "none");
	assert_string_equal(next(&n, "x.tw"), "none");
	route_free(&n);
}

/* route_subtree_links() into got; how many. */
static const char	*got[8];

static size_t
down(struct node *n, const char *subtree)
{
	size_t	k = route_subtree_links(n, subtree, got, 8);

	/* Counting alone counts the same. */
	assert_int_equal(route_subtree_links(n, subtree, NULL, 0), k);
	return k;
}

static void
test_subtree_district(void **state)
{
	const char	*bq = "bacquang.hagiang", *tt, *qt, *hg = "hagiang";
	const char	*vx = "vixuyen.hagiang";
	struct node	 n;

	(void)state;
	at(&n, &conf);
	tt = "tanthanh.bacquang.hagiang";
	qt = "quyetthang.bacquang.hagiang";
	route_learn(&n, tt);
	route_learn(&n, qt);
	/* Its own subtree: down to each commune, not up, not sideways. */
	assert_true(route_subtree_via(&n, bq, tt));
	assert_true(route_subtree_via(&n, bq, qt));
	assert_false(route_subtree_via(&n, bq, hg));
	assert_false(route_subtree_via(&n, bq, vx));
	assert_int_equal(down(&n, bq), 2);
	assert_string_equal(got[0], tt);
	assert_string_equal(got[1], qt);
	/* The province's, or the network: still only down. */
	assert_true(route_subtree_via(&n, hg, tt));
	assert_false(route_subtree_via(&n, hg, hg));
	assert_false(route_subtree_via(&n, hg, vx));
	assert_true(route_subtree_via(&n, "", qt));
	assert_false(route_subtree_via(&n, "", hg));
	/* Below one commune: to that commune only. */
	assert_true(route_subtree_via(&n, tt, tt));
	assert_false(route_subtree_via(&n, tt, qt));
	assert_int_equal(down(&n, tt), 1);
	assert_string_equal(got[0], tt);
	/* Inside the district, below no commune it knows: nowhere. */
	assert_false(route_subtree_via(&n, "nosuch.bacquang.hagiang", tt));
	assert_int_equal(down(&n, "nosuch.bacquang.hagiang"), 0);
	/* A sibling's subtree: no link here leads into it (a broadcast
	 * never comes to a node outside and above none of it). */
	assert_int_equal(down(&n, vx), 0);
	/* Addresses: a subtree address by its subtree, a mailbox
	 * address by its route, anything else nowhere. */
	assert_true(route_addr_via(&n, "vanthu@*.bacquang.hagiang", tt));
	assert_false(route_addr_via(&n, "vanthu@*.bacquang.hagiang", hg));
	assert_true(route_addr_via(&n, "vanthu@*", tt));
	assert_true(route_addr_via(&n, "vanthu@tw", hg));
	assert_true(route_addr_via(&n, "vanthu@x.vixuyen.hagiang", vx));
	assert_false(route_addr_via(&n, "vanthu@x.vixuyen.hagiang", hg));
	assert_false(route_addr_via(&n, "vanthu@*..hagiang", tt));
	assert_false(route_addr_via(&n, "vanthu", hg));
	assert_true(route_mailbox_via(&n, "vanthu@tw", hg));
	assert_false(route_mailbox_via(&n, "vanthu@*.bacquang.hagiang", tt));
	route_free(&n);
	/* No commune known: the district's own subtree reaches none. */
	assert_int_equal(down(&n, bq), 0);
	route_free(&n);
}

static void
test_subtree_root(void **state)
{
	struct node	n;

	(void)state;
	at(&n, &root);
	route_learn(&n, "hagiang");
	route_learn(&n, "hanoi");
	route_learn(&n, "tanthanh.bacquang.hagiang");	/* linked directly */
	/* Every node is below the root, though none by name. */
	assert_true(route_subtree_via(&n, "", "hagiang"));
	assert_true(route_subtree_via(&n, "", "hanoi"));
	assert_true(route_subtree_via(&n, "bacquang.hagiang", "hagiang"));
	assert_false(route_subtree_via(&n, "bacquang.hagiang", "hanoi"));
	assert_true(route_subtree_via(&n, "bacquang.hagiang",
	    "tanthanh.bacquang.hagiang"));
	assert_false(route_subtree_via(&n, "", "tw"));
	assert_int_equal(down(&n, "bacquang.hagiang"), 2);
	assert_string_equal(got[0], "hagiang");
	assert_string_equal(got[1], "tanthanh.bacquang.hagiang");
	assert_int_equal(down(&n, ""), 3);
	assert_int_equal(down(&n, "otherprovince"), 0);
	assert_int_equal(down(&n, "tw"), 0);
	route_free(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_district),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_subtree_district),
		cmocka_unit_test(test_subtree_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
