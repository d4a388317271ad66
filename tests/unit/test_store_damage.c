/*
 * test_store_damage: records found damaged, set aside and repaired
 * (store/store_damage.c, store_put() in store/store_record.c).
 *
 * What must hold: a record set aside is no longer held, listed in the
 * log or its lane, or counted, and its damage entry says what and when;
 * a good copy stored later is new again (STORE_REPAIRED) at a new seq,
 * and the entry goes; the newest log entry stays while it is the newest
 * and goes once the copy follows it; a held copy that fails its check is
 * replaced by a good one put over it; a damage entry moves to lost and
 * back only to the states there are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

#define NRECS	3

static void
put_three(struct fixture *f, struct store_record *r)
{
	open_store(f, NULL);
	recs_random(f, r, NRECS, 300);
	for (size_t i = 0; i < NRECS; i++)
		r[i].lane = 1;
	put_batch(f, r, NRECS, NULL);
}

static void
mark(struct fixture *f, const uint8_t *id, uint64_t seq, uint64_t now)
{
	begin(f, 0);
	assert_rc(store_damage_mark(f->txn, id, seq, now), 0);
	commit(f);
}

/* The id at log seq, or STORE_NOTFOUND if seq has no entry. */
static int
log_at(struct fixture *f, uint64_t seq, uint8_t id[STORE_ID_BYTES])
{
	uint64_t	at;
	int		rc;

	begin(f, STORE_RDONLY);
	rc = store_log_next(f->txn, seq, &at, id);
	store_txn_abort(&f->txn);
	return rc == 0 && at != seq ? STORE_NOTFOUND : rc;
}

static void
test_mark_and_repair(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS];
	struct store_damage	 d;
	struct store_stat	 s;
	uint8_t			 id[STORE_ID_BYTES];
	uint64_t		 seq;

	put_three(f, r);
	mark(f, r[1].id, 2, 1234);
	check_absent(f, r[1].id);
	get_stat(f, &s);
	assert_int_equal(s.records, 2);
	assert_rc(log_at(f, 2, id), STORE_NOTFOUND);
	begin(f, STORE_RDONLY);
	assert_rc(store_lane_next(f->txn, 1, 2, &seq, id), 0);
	assert_int_equal(seq, 3);	/* its lane entry went too */
	assert_rc(store_damage_get(f->txn, r[1].id, &d), 0);
	assert_int_equal(d.state, STORE_DAMAGE_WANTED);
	assert_int_equal(d.found_ms, 1234);
	assert_int_equal(d.seq, 2);
	assert_int_equal(d.body_len, r[1].body_len);
	assert_memory_equal(d.body, r[1].body, r[1].body_len);
	store_txn_abort(&f->txn);

	begin(f, 0);
	assert_rc(store_put(f->txn, &r[1]), STORE_REPAIRED);
	assert_int_equal(r[1].seq, 4);
	assert_rc(store_damage_get(f->txn, r[1].id, &d), STORE_NOTFOUND);
	commit(f);
	check_get(f, &r[1]);
	assert_rc(log_at(f, 4, id), 0);
	assert_memory_equal(id, r[1].id, STORE_ID_BYTES);
	begin(f, 0);
	assert_rc(store_put(f->txn, &r[1]), STORE_HELD);
	commit(f);
}

/* The newest entry stays (seqs are never reused) until the copy's. */
static void
test_newest(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS];
	uint8_t			 id[STORE_ID_BYTES];

	put_three(f, r);
	mark(f, r[2].id, 3, 1);
	check_absent(f, r[2].id);
	assert_rc(log_at(f, 3, id), 0);
	begin(f, 0);
	assert_rc(store_put(f->txn, &r[2]), STORE_REPAIRED);
	assert_int_equal(r[2].seq, 4);
	commit(f);
	assert_rc(log_at(f, 3, id), STORE_NOTFOUND);
	check_get(f, &r[2]);
}

/* A held copy whose body fails its check: a good copy put replaces it. */
static void
test_put_over_damage(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS], got;
	struct store_damage	 d;
	uint8_t			 id[STORE_ID_BYTES], *v;
	size_t			 len;

	put_three(f, r);
	/* Its value as stored (header, signature, body), a body byte
	 * flipped. */
	begin(f, STORE_RDONLY);
	assert_rc(store_get(f->txn, r[0].id, &got), 0);
	len = 88 + got.body_len;
	v = talloc(f, len);
	memcpy(v, got.body - 88, len);
	store_txn_abort(&f->txn);
	v[88 + 7] ^= 0x40;
	store_close(&f->st);
	raw_set(f, "records", r[0].id, STORE_ID_BYTES, v, len);
	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_get(f->txn, r[0].id, &got), STORE_CORRUPT);
	store_txn_abort(&f->txn);

	begin(f, 0);
	assert_rc(store_put(f->txn, &r[0]), STORE_REPAIRED);
	assert_rc(store_damage_get(f->txn, r[0].id, &d), STORE_NOTFOUND);
	commit(f);
	check_get(f, &r[0]);
	assert_rc(log_at(f, 1, id), STORE_NOTFOUND);
	assert_rc(log_at(f, 4, id), 0);
	assert_memory_equal(id, r[0].id, STORE_ID_BYTES);
}

static void
test_states(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS];
	struct store_damage	 d;
	uint8_t			 last[STORE_ID_BYTES];
	const uint8_t		*after = NULL;
	size_t			 n = 0;

	put_three(f, r);
	mark(f, r[0].id, 0, 5);
	mark(f, r[2].id, 0, 6);
	begin(f, 0);
	assert_rc(store_damage_mark(f->txn, r[0].id, 0, 7), STORE_NOTFOUND);
	assert_rc(store_damage_set_state(f->txn, r[2].id, STORE_DAMAGE_LOST),
	    0);
	assert_rc(store_damage_set_state(f->txn, r[2].id, 9), STORE_INVAL);
	assert_rc(store_damage_set_state(f->txn, r[1].id, STORE_DAMAGE_LOST),
	    STORE_NOTFOUND);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_damage_get(f->txn, r[2].id, &d), 0);
	assert_int_equal(d.state, STORE_DAMAGE_LOST);
	assert_int_equal(d.seq, 3);	/* from its header */
	while (store_damage_next(f->txn, after, &d) == 0) {
		assert_true(after == NULL ||
		    memcmp(d.id, after, STORE_ID_BYTES) > 0);
		memcpy(last, d.id, sizeof(last));
		after = last;
		n++;
	}
	assert_int_equal(n, 2);
	store_txn_abort(&f->txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mark_and_repair, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_over_damage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
