/*
 * test_generation: store_txn_generation(), the key the node's caches of
 * what was read (ACLs, trust answers) hold by: shared by transactions
 * that see the same state, never by two that may not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

static void
rmstore(const char *dir)
{
	char	path[128];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static uint64_t
gen_of(store_t *st, unsigned flags, store_txn_t **keep)
{
	store_txn_t	*t;
	uint64_t	 g;

	assert_int_equal(store_txn_begin(st, flags, &t), 0);
	g = store_txn_generation(t);
	if (keep != NULL)
		*keep = t;
	else
		store_txn_abort(&t);
	return g;
}

static void
test_generations(void **state)
{
	char		 d1[] = "/tmp/test_gen.XXXXXX", d2[] = "/tmp/test_gen.XXXXXX";
	store_t		*a, *b;
	store_txn_t	*w, *old;
	uint64_t	 r0, r1, wg;

	(void)state;
	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	assert_int_equal(store_open(&a, d1, NULL), 0);
	assert_int_equal(store_open(&b, d2, NULL), 0);

	/* Two readers between the same writes see the same state. */
	r0 = gen_of(a, STORE_RDONLY, &old);
	assert_int_equal(gen_of(a, STORE_RDONLY, NULL), r0);
	/* Another store never shares one. */
	assert_int_not_equal(gen_of(b, STORE_RDONLY, NULL), r0);

	/* A write sees its own writes: not what readers see meanwhile. */
	wg = gen_of(a, 0, &w);
	assert_int_not_equal(wg, r0);
	assert_int_equal(gen_of(a, STORE_RDONLY, NULL), r0);
	assert_int_equal(store_txn_commit(&w), 0);

	/* After a commit, new readers see another state; a reader begun
	 * before still has the old one. */
	r1 = gen_of(a, STORE_RDONLY, NULL);
	assert_int_not_equal(r1, r0);
	assert_int_not_equal(r1, wg);
	assert_int_equal(store_txn_generation(old), r0);
	store_txn_abort(&old);

	/* A write given up moves it too: what it read is gone. */
	wg = gen_of(a, 0, &w);
	store_txn_abort(&w);
	assert_int_not_equal(gen_of(a, 0, &w), wg);
	store_txn_abort(&w);
	assert_int_not_equal(gen_of(a, STORE_RDONLY, NULL), r1);

	store_close(&a);
	store_close(&b);
	rmstore(d1);
	rmstore(d2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
