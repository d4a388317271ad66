/*
 * test_store_log: feed lanes, the log's head, purging and custody
 * (store/store_record.c, store/store_custody.c).
 *
 * What must hold: a lane lists its own records alone, in log order; a
 * purged record is gone with its log and lane entries and its custody,
 * leaving a hole, except that the newest log entry stays so that no seq
 * is ever given twice, also across a reopen; custody events come back
 * oldest first by time, and a walk sees at most its budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

/* The lanes of the records put by put_laned(), in log order. */
static const unsigned lanes[] = { 2, 0, 1, 2, 2, 0, 1, 0, 2 };
#define NRECS	(sizeof(lanes) / sizeof(lanes[0]))

static void
put_laned(struct fixture *f, struct store_record *r)
{
	recs_random(f, r, NRECS, 200);
	for (size_t i = 0; i < NRECS; i++)
		r[i].lane = lanes[i];
	put_batch(f, r, NRECS, NULL);
	for (size_t i = 0; i < NRECS; i++)
		assert_int_equal(r[i].seq, i + 1);
}

/* Each lane lists its own records in log order; a record keeps its lane. */
static void
test_lanes(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS], got;
	uint8_t			 id[STORE_ID_BYTES];
	uint64_t		 seq;
	size_t			 n;
	int			 rc;

	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_lane_next(f->txn, 0, 0, &seq, id), STORE_NOTFOUND);
	assert_rc(store_log_last(f->txn, &seq, id), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	put_laned(f, r);

	begin(f, STORE_RDONLY);
	for (unsigned lane = 0; lane < STORE_LANES; lane++) {
		n = 0;
		for (seq = 0; (rc = store_lane_next(f->txn, lane, seq + 1,
		    &seq, id)) == 0; n++) {
			assert_int_equal(lanes[seq - 1], lane);
			assert_memory_equal(id, r[seq - 1].id, STORE_ID_BYTES);
		}
		assert_rc(rc, STORE_NOTFOUND);
		for (size_t i = 0; i < NRECS; i++)
			n -= lanes[i] == lane;
		assert_int_equal(n, 0);
	}
	/* From a seq of another lane: that lane's next after it. */
	assert_rc(store_lane_next(f->txn, 1, 4, &seq, id), 0);
	assert_int_equal(seq, 7);
	assert_rc(store_lane_next(f->txn, 0, 9, &seq, id), STORE_NOTFOUND);
	assert_rc(store_lane_next(f->txn, STORE_LANES, 1, &seq, id),
	    STORE_INVAL);
	for (size_t i = 0; i < NRECS; i++) {
		assert_rc(store_get(f->txn, r[i].id, &got), 0);
		assert_int_equal(got.lane, lanes[i]);
	}
	assert_rc(store_log_last(f->txn, &seq, id), 0);
	assert_int_equal(seq, NRECS);
	assert_memory_equal(id, r[NRECS - 1].id, STORE_ID_BYTES);
	store_txn_abort(&f->txn);

	/* A lane out of bounds is refused, and nothing is stored. */
	rec_random(f, &got, 10);
	got.lane = STORE_LANES;
	assert_rc(store_put_batch(f->st, &got, 1, NULL), STORE_INVAL);
	check_absent(f, got.id);
}

static int
count_events(const struct store_custody *ev, void *arg)
{
	(void)ev;
	++*(unsigned *)arg;
	return 0;
}

/*
 * A purge takes the record, its log and lane entries and its custody,
 * and leaves a hole in the log.
 */
static void
test_purge(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS];
	struct store_custody	 ev = { .time_ms = 5,
				    .event = STORE_CUSTODY_RECEIVED,
				    .peer = "hagiang" };
	struct store_stat	 s;
	uint8_t			 id[STORE_ID_BYTES];
	uint64_t		 seq;
	unsigned		 n;

	open_store(f, NULL);
	put_laned(f, r);
	begin(f, 0);
	for (int i = 0; i < 3; i++) {
		assert_rc(store_custody_add(f->txn, r[3].id, &ev), 0);
		assert_rc(store_custody_add(f->txn, r[4].id, &ev), 0);
	}
	assert_rc(store_purge(f->txn, r[3].id), 0);	/* seq 4, lane 2 */
	assert_rc(store_purge(f->txn, r[3].id), STORE_NOTFOUND);
	commit(f);

	check_absent(f, r[3].id);
	check_get(f, &r[4]);
	begin(f, STORE_RDONLY);
	assert_rc(store_log_next(f->txn, 4, &seq, id), 0);
	assert_int_equal(seq, 5);
	assert_rc(store_lane_next(f->txn, 2, 2, &seq, id), 0);
	assert_int_equal(seq, 5);
	n = 0;
	assert_rc(store_custody_walk(f->txn, r[3].id, 100, count_events, &n),
	    0);
	assert_int_equal(n, 0);
	assert_rc(store_custody_walk(f->txn, r[4].id, 100, count_events, &n),
	    0);
	assert_int_equal(n, 3);
	assert_rc(store_purge(f->txn, r[4].id), EROFS);
	store_txn_abort(&f->txn);
	get_stat(f, &s);
	assert_int_equal(s.records, NRECS - 1);
	assert_int_equal(s.last_seq, NRECS);
}

/*
 * Purging the newest record leaves its log entry, dangling, so that its
 * seq is not given again, also after a reopen; the same record put again
 * is new, with a new seq.
 */
static void
test_purge_newest(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[NRECS], more, again;
	uint8_t			 id[STORE_ID_BYTES];
	uint64_t		 seq;

	open_store(f, NULL);
	put_laned(f, r);
	begin(f, 0);
	assert_rc(store_purge(f->txn, r[NRECS - 1].id), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	assert_rc(store_log_last(f->txn, &seq, id), 0);
	assert_int_equal(seq, NRECS);
	assert_memory_equal(id, r[NRECS - 1].id, STORE_ID_BYTES);
	assert_rc(store_log_next(f->txn, NRECS, &seq, id), 0);
	assert_int_equal(seq, NRECS);
	assert_rc(store_lane_next(f->txn, lanes[NRECS - 1], NRECS, &seq, id),
	    STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	check_absent(f, r[NRECS - 1].id);

	reopen_store(f, NULL);
	rec_random(f, &more, 30);
	put_batch(f, &more, 1, NULL);
	assert_int_equal(more.seq, NRECS + 1);
	again = r[NRECS - 1];
	again.seq = 0;
	put_batch(f, &again, 1, NULL);		/* not STORE_HELD */
	assert_int_equal(again.seq, NRECS + 2);
	check_get(f, &again);
}

/* What a walk saw, in order. */
struct seen {
	unsigned		n, stop_after;
	struct store_custody	ev[8];
};

static int
keep_events(const struct store_custody *ev, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < 8);
	s->ev[s->n++] = *ev;
	return s->n == s->stop_after;
}

/*
 * Events come back by time, then in the order added; a walk reads at
 * most max of them, none for max 0, and a stop is no error.
 */
static void
test_custody_order(void **state)
{
	struct fixture		*f = *state;
	const uint64_t		 times[6] = { 300, 100, UINT64_MAX, 200, 100,
				    0 };
	const char		*want[6] = { "p5", "p1", "p4", "p3", "p0",
				    "p2" };
	struct store_custody	 ev;
	struct seen		 s;
	uint8_t			 id[STORE_ID_BYTES];

	memset(id, 0x3c, sizeof(id));
	open_store(f, NULL);
	begin(f, 0);
	for (int i = 0; i < 6; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.time_ms = times[i];
		ev.event = STORE_CUSTODY_SUBMITTED + i % 5;
		snprintf(ev.peer, sizeof(ev.peer), "p%d", i);
		assert_rc(store_custody_add(f->txn, id, &ev), 0);
	}
	commit(f);

	begin(f, STORE_RDONLY);
	s = (struct seen){ 0 };
	assert_rc(store_custody_walk(f->txn, id, 100, keep_events, &s), 0);
	assert_int_equal(s.n, 6);
	for (unsigned i = 0; i < 6; i++) {
		int	added = want[i][1] - '0';

		assert_string_equal(s.ev[i].peer, want[i]);
		assert_int_equal(s.ev[i].time_ms, times[added]);
		assert_int_equal(s.ev[i].event,
		    STORE_CUSTODY_SUBMITTED + added % 5);
	}
	s = (struct seen){ 0 };
	assert_rc(store_custody_walk(f->txn, id, 0, keep_events, &s), 0);
	assert_int_equal(s.n, 0);
	s = (struct seen){ 0 };
	assert_rc(store_custody_walk(f->txn, id, 4, keep_events, &s), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.ev[3].peer, "p3");
	s = (struct seen){ .stop_after = 1 };
	assert_rc(store_custody_walk(f->txn, id, 100, keep_events, &s), 0);
	assert_int_equal(s.n, 1);
	assert_rc(store_custody_get(f->txn, id, 2, &ev), 0);
	assert_string_equal(ev.peer, "p4");
	assert_rc(store_custody_get(f->txn, id, 6, &ev), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/* Events out of bounds are refused; the longest peer name comes back. */
static void
test_custody_bad_args(void **state)
{
	struct fixture		*f = *state;
	struct store_custody	 ev = { .time_ms = 1 }, got;
	uint8_t			 id[STORE_ID_BYTES];

	memset(id, 0x3d, sizeof(id));
	open_store(f, NULL);
	begin(f, 0);
	ev.event = 0;
	assert_rc(store_custody_add(f->txn, id, &ev), STORE_INVAL);
	ev.event = STORE_CUSTODY_REPAIRED + 1;
	assert_rc(store_custody_add(f->txn, id, &ev), STORE_INVAL);
	ev.event = STORE_CUSTODY_SENT;
	memset(ev.peer, 'p', sizeof(ev.peer));		/* no NUL */
	assert_rc(store_custody_add(f->txn, id, &ev), STORE_INVAL);
	store_txn_abort(&f->txn);

	ev.peer[STORE_MAX_PEER] = '\0';
	begin(f, STORE_RDONLY);
	assert_rc(store_custody_add(f->txn, id, &ev), EROFS);
	store_txn_abort(&f->txn);
	begin(f, 0);
	assert_rc(store_custody_get(f->txn, id, 0, &got), STORE_NOTFOUND);
	assert_rc(store_custody_add(f->txn, id, &ev), 0);
	ev.peer[0] = '\0';			/* no peer: allowed */
	ev.event = STORE_CUSTODY_FAILED;
	assert_rc(store_custody_add(f->txn, id, &ev), 0);
	ev.event = STORE_CUSTODY_DAMAGED;	/* the repair's two */
	assert_rc(store_custody_add(f->txn, id, &ev), 0);
	ev.event = STORE_CUSTODY_REPAIRED;
	assert_rc(store_custody_add(f->txn, id, &ev), 0);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_custody_get(f->txn, id, 0, &got), 0);
	assert_int_equal(strlen(got.peer), STORE_MAX_PEER);
	assert_int_equal(got.event, STORE_CUSTODY_SENT);
	assert_rc(store_custody_get(f->txn, id, 1, &got), 0);
	assert_string_equal(got.peer, "");
	assert_int_equal(got.event, STORE_CUSTODY_FAILED);
	assert_rc(store_custody_get(f->txn, id, 2, &got), 0);
	assert_int_equal(got.event, STORE_CUSTODY_DAMAGED);
	assert_rc(store_custody_get(f->txn, id, 3, &got), 0);
	assert_int_equal(got.event, STORE_CUSTODY_REPAIRED);
	store_txn_abort(&f->txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lanes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_newest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_custody_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_custody_bad_args, setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
