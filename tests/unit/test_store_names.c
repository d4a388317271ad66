/*
 * test_store_names: what the store keeps by a name: peers' sync state,
 * each node's newest status report and submission keys
 * (store/store_peer.c, store/store_status.c, store/store_submit.c).
 *
 * What must hold: listings go in name order, once each, resuming after
 * the name given (held or not), a name that starts another's never
 * hiding it; a status report replaces the one before; the sweep of old
 * submission keys reads at most its budget per call, resumes where it
 * stopped (also after a key it removed), forgets keys seen before the
 * cut-off and only those, and clears damaged entries; a store of the
 * release before submission keys still opens read-only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

/* Peers in name order, resuming after a name held or not. */
static void
test_peer_next(void **state)
{
	struct fixture		*f = *state;
	const char		*put[] = { "peer-a", "peer", "z.y", "peer-ab",
				    "a" };
	const char		*want[] = { "a", "peer", "peer-a", "peer-ab",
				    "z.y" };
	struct store_peer	 p;
	char			 name[STORE_MAX_PEER + 1];
	char			 longname[STORE_MAX_PEER + 2];
	size_t			 n = 0;
	int			 rc;

	memset(longname, 'p', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_peer_next(f->txn, "", name), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	begin(f, 0);
	for (size_t i = 0; i < 5; i++) {
		peer_random(&p);
		assert_rc(store_peer_put(f->txn, put[i], &p), 0);
	}
	assert_rc(store_peer_put(f->txn, "peer", &p), 0);	/* again */
	commit(f);

	begin(f, STORE_RDONLY);
	name[0] = '\0';
	while ((rc = store_peer_next(f->txn, name, name)) == 0) {
		assert_true(n < 5);
		assert_string_equal(name, want[n]);
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 5);
	assert_rc(store_peer_next(f->txn, "peer-", name), 0);
	assert_string_equal(name, "peer-a");
	assert_rc(store_peer_next(f->txn, "b", name), 0);
	assert_string_equal(name, "peer");
	assert_rc(store_peer_next(f->txn, longname, name), STORE_INVAL);
	store_txn_abort(&f->txn);
}

/*
 * Status: the newest report per node, replaced by the next, listed in
 * name order.
 */
static void
test_status(void **state)
{
	struct fixture	*f = *state;
	const char	*put[] = { "hagiang", "bacquang.hagiang", "hagiang2",
			    "a", "hagian" };
	const char	*want[] = { "a", "bacquang.hagiang", "hagian",
			    "hagiang", "hagiang2" };
	uint8_t		 id[STORE_ID_BYTES], got[STORE_ID_BYTES];
	char		 name[STORE_MAX_PEER + 1];
	char		 longname[STORE_MAX_PEER + 2];
	size_t		 n = 0;
	int		 rc;

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_status_get(f->txn, "hagiang", got), STORE_NOTFOUND);
	name[0] = '\0';
	assert_rc(store_status_next(f->txn, "", name, got), STORE_NOTFOUND);
	for (size_t i = 0; i < 5; i++) {
		memset(id, (int)i + 1, sizeof(id));
		assert_rc(store_status_put(f->txn, put[i], id), 0);
	}
	memset(id, 0xee, sizeof(id));
	assert_rc(store_status_put(f->txn, "hagiang", id), 0);	/* newer */
	commit(f);

	reopen_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_status_get(f->txn, "hagiang", got), 0);
	assert_memory_equal(got, id, sizeof(id));
	assert_rc(store_status_get(f->txn, "hagiang.x", got), STORE_NOTFOUND);
	name[0] = '\0';
	while ((rc = store_status_next(f->txn, name, name, got)) == 0) {
		assert_true(n < 5);
		assert_string_equal(name, want[n]);
		if (strcmp(name, "hagiang") == 0)
			memset(id, 0xee, sizeof(id));
		else
			for (size_t i = 0; i < 5; i++)
				if (strcmp(put[i], name) == 0)
					memset(id, (int)i + 1, sizeof(id));
		assert_memory_equal(got, id, sizeof(id));
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 5);
	assert_rc(store_status_next(f->txn, "b", name, got), 0);
	assert_string_equal(name, "bacquang.hagiang");
	assert_rc(store_status_next(f->txn, longname, name, got), STORE_INVAL);
	assert_rc(store_status_get(f->txn, "", got), STORE_INVAL);
	assert_rc(store_status_get(f->txn, longname, got), STORE_INVAL);
	assert_rc(store_status_put(f->txn, "a", id), EROFS);
	store_txn_abort(&f->txn);
	begin(f, 0);
	assert_rc(store_status_put(f->txn, "", id), STORE_INVAL);
	assert_rc(store_status_put(f->txn, longname, id), STORE_INVAL);
	store_txn_abort(&f->txn);
}

/*
 * The sweep reads at most max keys a call, resumes after the last it
 * read (removed or not), forgets those first seen before the cut-off
 * and keeps one seen at it; at the end `after` is "" again.
 */
static void
test_submit_sweep(void **state)
{
	struct fixture	*f = *state;
	const int	 gone_per_call[4] = { 2, 1, 2, 0 };
	const char	*after_call[4] = { "k02", "k05", "k08", "" };
	uint8_t		 id[STORE_ID_BYTES], got[STORE_ID_BYTES];
	char		 key[16], after[STORE_MAX_SUBMIT_KEY + 1] = "";
	char		 longkey[STORE_MAX_SUBMIT_KEY + 2];
	char		 maxkey[STORE_MAX_SUBMIT_KEY + 1];

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	memset(maxkey, 'z', sizeof(maxkey) - 1);
	maxkey[sizeof(maxkey) - 1] = '\0';
	open_store(f, NULL);
	begin(f, 0);
	assert_int_equal(store_submit_expire(f->txn, after, 3000, 10), 0);
	assert_string_equal(after, "");
	/* Even keys old, odd ones new. */
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		memset(id, i, sizeof(id));
		assert_rc(store_submit_put(f->txn, key, id,
		    i % 2 == 0 ? 1000 : 5000), 0);
	}
	memset(id, 0x3e, sizeof(id));
	assert_rc(store_submit_put(f->txn, maxkey, id, 3000), 0);
	commit(f);

	begin(f, 0);
	/* A budget of 0 reads nothing and stays where it was. */
	assert_int_equal(store_submit_expire(f->txn, after, 3000, 0), 0);
	assert_string_equal(after, "");
	for (int c = 0; c < 4; c++) {
		assert_int_equal(store_submit_expire(f->txn, after, 3000, 3),
		    gone_per_call[c]);
		assert_string_equal(after, after_call[c]);
	}
	commit(f);

	begin(f, STORE_RDONLY);
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		assert_rc(store_submit_get(f->txn, key, got),
		    i % 2 == 0 ? STORE_NOTFOUND : 0);
		memset(id, i, sizeof(id));
		if (i % 2 == 1)
			assert_memory_equal(got, id, sizeof(id));
	}
	assert_rc(store_submit_get(f->txn, maxkey, got), 0);
	assert_rc(store_submit_expire(f->txn, after, 3000, 3), EROFS);
	store_txn_abort(&f->txn);

	begin(f, 0);
	assert_rc(store_submit_get(f->txn, longkey, got), STORE_INVAL);
	assert_rc(store_submit_expire(f->txn, longkey, 3000, 3), STORE_INVAL);
	store_txn_abort(&f->txn);
	/* A later cut-off takes the rest, the one at 3000 too. */
	begin(f, 0);
	after[0] = '\0';
	assert_int_equal(store_submit_expire(f->txn, after, 5001, 100), 6);
	assert_string_equal(after, "");
	assert_rc(store_submit_get(f->txn, maxkey, got), STORE_NOTFOUND);
	commit(f);
}

/* A damaged entry reads as corrupt, and the next sweep clears it. */
static void
test_submit_damaged(void **state)
{
	struct fixture	*f = *state;
	uint8_t		 id[STORE_ID_BYTES], short_value[STORE_ID_BYTES];
	char		 after[STORE_MAX_SUBMIT_KEY + 1] = "";

	memset(id, 0x11, sizeof(id));
	memset(short_value, 0x22, sizeof(short_value));
	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_submit_put(f->txn, "smtp:new", id, UINT64_MAX), 0);
	commit(f);
	store_close(&f->st);
	raw_set(f, "submit_keys", "smtp:bad", 8, short_value,
	    sizeof(short_value));

	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_submit_get(f->txn, "smtp:bad", id), STORE_CORRUPT);
	assert_rc(store_submit_put(f->txn, "smtp:bad", id, 1), STORE_HELD);
	assert_int_equal(store_submit_expire(f->txn, after, 0, 10), 1);
	assert_rc(store_submit_get(f->txn, "smtp:bad", id), STORE_NOTFOUND);
	assert_rc(store_submit_get(f->txn, "smtp:new", id), 0);
	commit(f);
}

/*
 * A store of the release before submission keys (no such sub-database)
 * opens read-only, where no key is known; opened to write, it gets one.
 */
static void
test_submit_older_store(void **state)
{
	struct fixture		*f = *state;
	const struct store_opts	 ro = { .read_only = 1 };
	struct store_record	 r;
	uint8_t			 id[STORE_ID_BYTES];
	MDB_env			*env;
	MDB_txn			*txn;
	MDB_dbi			 dbi;

	open_store(f, NULL);
	rec_random(f, &r, 100);
	put_batch(f, &r, 1, NULL);
	store_close(&f->st);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "submit_keys", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	open_store(f, &ro);
	check_get(f, &r);
	begin(f, STORE_RDONLY);
	assert_rc(store_submit_get(f->txn, "smtp:1", id), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	store_close(&f->st);

	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_submit_put(f->txn, "smtp:1", r.id, 1), 0);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_submit_get(f->txn, "smtp:1", id), 0);
	assert_memory_equal(id, r.id, sizeof(id));
	store_txn_abort(&f->txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_next, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_sweep, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_submit_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_submit_older_store, setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
