/*
 * test_store: unit tests for the store's public interface (store/store.h):
 * records, the change log, mailboxes, peers, epochs, durability and
 * damage. The fixture is store_fixture.h's; the indexes have their own
 * test_store_*.c.
 *
 * Nothing here looks inside the store except the corruption test, which
 * flips a bit of a record body in DIR/data.mdb and expects STORE_CORRUPT,
 * and the tests that write values of an older release with LMDB.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lmdb.h>
#include <sodium.h>

#include "store.h"
#include "store_fixture.h"

#define MAILBOX		"vanthu@bacquang.hagiang"
#define OTHER_MAILBOX	"kythuat@bacquang.hagiang"

/*
 * Walks the change log from seq `from` in one read transaction; returns
 * the number of entries (at most max) and checks the walk ends with
 * STORE_NOTFOUND.
 */
static size_t
log_collect(struct fixture *f, uint64_t from, uint64_t *seqs,
    uint8_t (*ids)[STORE_ID_BYTES], size_t max)
{
	uint64_t	 seq;
	uint8_t		 id[STORE_ID_BYTES];
	size_t		 n = 0;
	int		 rc;

	begin(f, STORE_RDONLY);
	while ((rc = store_log_next(f->txn, from, &seq, id)) == 0) {
		if (n == max)
			fail_msg("change log has more than %zu entries", max);
		if (seq < from)
			fail_msg("store_log_next(%" PRIu64 ") gave seq %"
			    PRIu64, from, seq);
		seqs[n] = seq;
		memcpy(ids[n], id, STORE_ID_BYTES);
		n++;
		from = seq + 1;
	}
	assert_rc(rc, STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	return n;
}

static size_t
mbox_collect(struct fixture *f, const char *mailbox,
    struct store_mbox_entry *out, size_t max)
{
	uint64_t	 from = 1;
	size_t		 n = 0;
	int		 rc;

	begin(f, STORE_RDONLY);
	while ((rc = store_mbox_next(f->txn, mailbox, from, &out[n])) == 0) {
		if (out[n].seq < from)
			fail_msg("store_mbox_next(%s, %" PRIu64 ") gave seq %"
			    PRIu64, mailbox, from, out[n].seq);
		from = out[n].seq + 1;
		if (++n == max)
			fail_msg("mailbox %s has more than %zu entries",
			    mailbox, max - 1);
	}
	assert_rc(rc, STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	return n;
}

/* put, then get: body, signature and seq come back as they went in. */
static void
test_put_get(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[6], unknown;
	const size_t		 lens[6] = { 1, 100, 4000, 70000, 333,
				    STORE_MAX_BODY };
	struct store_record	 got;

	open_store(f, NULL);
	for (size_t i = 0; i < 6; i++)
		rec_random(f, &r[i], lens[i]);

	/* Two with store_put in one transaction, read back before commit. */
	begin(f, 0);
	assert_rc(store_put(f->txn, &r[0]), 0);
	assert_int_equal(r[0].seq, 1);
	assert_rc(store_put(f->txn, &r[1]), 0);
	assert_int_equal(r[1].seq, 2);
	assert_rc(store_get(f->txn, r[0].id, &got), 0);
	assert_int_equal(got.body_len, r[0].body_len);
	assert_memory_equal(got.body, r[0].body, r[0].body_len);
	commit(f);

	/* The rest as a batch, including one of the maximum size. */
	put_batch(f, &r[2], 4, NULL);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(r[i].seq, i + 1);
		check_get(f, &r[i]);
	}

	rec_random(f, &unknown, 64);
	check_absent(f, unknown.id);
}

/* An aborted transaction leaves nothing, and uses up no seq. */
static void
test_txn_abort(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 a, b;
	struct store_stat	 s;

	open_store(f, NULL);
	rec_random(f, &a, 200);
	rec_random(f, &b, 200);

	begin(f, 0);
	assert_rc(store_put(f->txn, &a), 0);
	store_txn_abort(&f->txn);
	assert_null(f->txn);
	store_txn_abort(&f->txn);	/* NULL-safe */
	check_absent(f, a.id);
	get_stat(f, &s);
	assert_int_equal(s.records, 0);
	assert_int_equal(s.last_seq, 0);

	/* A read transaction does not write. */
	begin(f, STORE_RDONLY);
	assert_fails(store_put(f->txn, &b));
	store_txn_abort(&f->txn);
	check_absent(f, b.id);

	put_batch(f, &b, 1, NULL);
	assert_int_equal(b.seq, 1);
	check_get(f, &b);
	get_stat(f, &s);
	assert_int_equal(s.records, 1);
	assert_int_equal(s.last_seq, 1);
}

/* The same record put twice is stored once, with one change-log entry. */
static void
test_dedup(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r, dup, b1[3], b2[4], all[5];
	uint8_t			 held[4];
	uint64_t		 seqs[16];
	uint8_t			 ids[16][STORE_ID_BYTES];
	struct store_stat	 s;
	size_t			 n;

	open_store(f, NULL);

	/* Twice with store_put in one transaction. */
	rec_random(f, &r, 300);
	dup = r;
	dup.seq = 777;
	begin(f, 0);
	assert_rc(store_put(f->txn, &r), 0);
	assert_int_equal(r.seq, 1);
	assert_rc(store_put(f->txn, &dup), STORE_HELD);
	assert_int_equal(dup.seq, 1);
	commit(f);

	/* Again in a later transaction. */
	dup.seq = 777;
	begin(f, 0);
	assert_rc(store_put(f->txn, &dup), STORE_HELD);
	assert_int_equal(dup.seq, 1);
	commit(f);

	/* Within one batch: b1[2] is b1[0] again. */
	recs_random(f, b1, 2, 500);
	b1[2] = b1[0];
	memset(held, 0xaa, sizeof(held));
	put_batch(f, b1, 3, held);
	assert_int_equal(held[0], 0);
	assert_int_equal(held[1], 0);
	assert_int_equal(held[2], 1);
	assert_int_equal(b1[0].seq, 2);
	assert_int_equal(b1[1].seq, 3);
	assert_int_equal(b1[2].seq, b1[0].seq);

	/* Across batches: b2[1] is b1[1], b2[3] is r. */
	rec_random(f, &b2[0], 700);
	b2[1] = b1[1];
	b2[1].seq = 0;
	rec_random(f, &b2[2], 700);
	b2[3] = r;
	b2[3].seq = 0;
	memset(held, 0xaa, sizeof(held));
	put_batch(f, b2, 4, held);
	assert_int_equal(held[0], 0);
	assert_int_equal(held[1], 1);
	assert_int_equal(held[2], 0);
	assert_int_equal(held[3], 1);
	assert_int_equal(b2[0].seq, 4);
	assert_int_equal(b2[1].seq, b1[1].seq);
	assert_int_equal(b2[2].seq, 5);
	assert_int_equal(b2[3].seq, r.seq);

	/* One log entry per distinct record, in put order. */
	all[0] = r;
	all[1] = b1[0];
	all[2] = b1[1];
	all[3] = b2[0];
	all[4] = b2[2];
	n = log_collect(f, 1, seqs, ids, 16);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(seqs[i], i + 1);
		assert_memory_equal(ids[i], all[i].id, STORE_ID_BYTES);
		check_get(f, &all[i]);
	}
	get_stat(f, &s);
	assert_int_equal(s.records, 5);
	assert_int_equal(s.last_seq, 5);
}

/* The change log lists records in put order, and a scan resumes exactly. */
static void
test_log_order(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 recs[12];
	const size_t		 sizes[3] = { 3, 5, 4 };
	uint64_t		 seqs[32], seq;
	uint8_t			 ids[32][STORE_ID_BYTES], id[STORE_ID_BYTES];
	struct store_stat	 s;
	size_t			 n, off = 0;

	open_store(f, NULL);
	get_stat(f, &s);
	assert_int_equal(s.last_seq, 0);
	assert_int_equal(s.records, 0);
	begin(f, STORE_RDONLY);
	assert_rc(store_log_next(f->txn, 1, &seq, id), STORE_NOTFOUND);
	store_txn_abort(&f->txn);

	for (size_t b = 0; b < 3; b++) {
		recs_random(f, &recs[off], sizes[b], 128 + 64 * b);
		put_batch(f, &recs[off], sizes[b], NULL);
		off += sizes[b];
	}
	assert_int_equal(off, 12);

	n = log_collect(f, 1, seqs, ids, 32);
	assert_int_equal(n, 12);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(seqs[i], i + 1);
		assert_int_equal(recs[i].seq, i + 1);
		assert_memory_equal(ids[i], recs[i].id, STORE_ID_BYTES);
	}

	/* Resume after seq 5: exactly 6..12. */
	n = log_collect(f, 5 + 1, seqs, ids, 32);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(seqs[i], 6 + i);
		assert_memory_equal(ids[i], recs[5 + i].id, STORE_ID_BYTES);
	}

	/* Each seq is found on its own; 0 means "from the start". */
	begin(f, STORE_RDONLY);
	for (uint64_t k = 1; k <= 12; k++) {
		assert_rc(store_log_next(f->txn, k, &seq, id), 0);
		assert_int_equal(seq, k);
		assert_memory_equal(id, recs[k - 1].id, STORE_ID_BYTES);
	}
	assert_rc(store_log_next(f->txn, 0, &seq, id), 0);
	assert_int_equal(seq, 1);
	assert_rc(store_log_next(f->txn, 13, &seq, id), STORE_NOTFOUND);
	assert_rc(store_log_next(f->txn, 1000, &seq, id), STORE_NOTFOUND);
	assert_rc(store_log_next(f->txn, UINT64_MAX, &seq, id),
	    STORE_NOTFOUND);
	store_txn_abort(&f->txn);

	get_stat(f, &s);
	assert_int_equal(s.records, 12);
	assert_int_equal(s.last_seq, 12);
}

/* Deliveries are listed in order per mailbox, once, with read flags. */
static void
test_mbox(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[4];
	struct store_mbox_entry	 e[8];
	uint64_t		 seq;
	size_t			 n;

	open_store(f, NULL);
	recs_random(f, r, 4, 256);
	put_batch(f, r, 4, NULL);

	/* Two deliveries in one transaction, the third in another. */
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[0].id, &seq), 0);
	assert_int_equal(seq, 1);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[1].id, &seq), 0);
	assert_int_equal(seq, 2);
	assert_rc(store_mbox_deliver(f->txn, OTHER_MAILBOX, r[3].id, &seq), 0);
	assert_int_equal(seq, 1);
	commit(f);
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[2].id, &seq), 0);
	assert_int_equal(seq, 3);
	commit(f);

	n = mbox_collect(f, MAILBOX, e, 8);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(e[i].seq, i + 1);
		assert_memory_equal(e[i].id, r[i].id, STORE_ID_BYTES);
		assert_int_equal(e[i].flags, 0);
	}
	n = mbox_collect(f, OTHER_MAILBOX, e, 8);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].seq, 1);
	assert_memory_equal(e[0].id, r[3].id, STORE_ID_BYTES);
	assert_int_equal(e[0].flags, 0);
	assert_int_equal(mbox_collect(f, "nobody@bacquang.hagiang", e, 8), 0);

	/* Delivered once: a second delivery is held and names the first. */
	begin(f, 0);
	seq = 0;
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[1].id, &seq),
	    STORE_HELD);
	assert_int_equal(seq, 2);
	/* The same record may still go to another mailbox. */
	assert_rc(store_mbox_deliver(f->txn, OTHER_MAILBOX, r[1].id, &seq), 0);
	assert_int_equal(seq, 2);
	commit(f);
	assert_int_equal(mbox_collect(f, MAILBOX, e, 8), 3);

	/* mark_read sets the flag on that entry only. */
	begin(f, 0);
	assert_rc(store_mbox_mark_read(f->txn, MAILBOX, 2), 0);
	assert_rc(store_mbox_mark_read(f->txn, MAILBOX, 99), STORE_NOTFOUND);
	assert_rc(store_mbox_mark_read(f->txn, MAILBOX, 0), STORE_NOTFOUND);
	assert_rc(store_mbox_mark_read(f->txn, OTHER_MAILBOX, 3),
	    STORE_NOTFOUND);
	assert_rc(store_mbox_mark_read(f->txn, "nobody@bacquang.hagiang", 1),
	    STORE_NOTFOUND);
	commit(f);

	n = mbox_collect(f, MAILBOX, e, 8);
	assert_int_equal(n, 3);
	assert_int_equal(e[0].flags, 0);
	assert_int_equal(e[1].flags, STORE_MBOX_READ);
	assert_int_equal(e[2].flags, 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(e[i].seq, i + 1);
		assert_memory_equal(e[i].id, r[i].id, STORE_ID_BYTES);
	}
	n = mbox_collect(f, OTHER_MAILBOX, e, 8);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].flags, 0);
	assert_int_equal(e[1].flags, 0);
	assert_memory_equal(e[1].id, r[1].id, STORE_ID_BYTES);

	/* Resuming a listing from the middle. */
	begin(f, STORE_RDONLY);
	assert_rc(store_mbox_next(f->txn, MAILBOX, 3, &e[0]), 0);
	assert_int_equal(e[0].seq, 3);
	assert_memory_equal(e[0].id, r[2].id, STORE_ID_BYTES);
	assert_rc(store_mbox_next(f->txn, MAILBOX, 4, &e[0]), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/* A removed message is gone from the list, its seq is never given again,
 * and the same message arriving again is still not delivered twice. */
static void
test_mbox_remove(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[5];
	struct store_mbox_entry	 e;
	uint64_t		 seq;

	open_store(f, NULL);
	recs_random(f, r, 5, 128);
	put_batch(f, r, 5, NULL);
	begin(f, 0);
	for (int i = 0; i < 3; i++)
		assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[i].id, &seq),
		    0);
	assert_rc(store_mbox_remove(f->txn, MAILBOX, 2), 0);
	assert_rc(store_mbox_remove(f->txn, MAILBOX, 2), STORE_NOTFOUND);
	assert_rc(store_mbox_remove(f->txn, MAILBOX, 99), STORE_NOTFOUND);
	commit(f);

	begin(f, STORE_RDONLY);
	assert_rc(store_mbox_next(f->txn, MAILBOX, 1, &e), 0);
	assert_int_equal(e.seq, 1);
	assert_rc(store_mbox_next(f->txn, MAILBOX, 2, &e), 0);
	assert_int_equal(e.seq, 3);		/* 2 is gone */
	assert_memory_equal(e.id, r[2].id, STORE_ID_BYTES);
	store_txn_abort(&f->txn);

	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[1].id, &seq),
	    STORE_HELD);			/* removed, not forgotten */
	assert_rc(store_mbox_remove(f->txn, MAILBOX, 3), 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[3].id, &seq), 0);
	assert_int_equal(seq, 4);		/* not 3 again */
	commit(f);
	reopen_store(f, NULL);
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[4].id, &seq), 0);
	assert_int_equal(seq, 5);
	commit(f);
}

/* A mailbox whose name is a prefix of another's sees only its own. */
static void
test_mbox_prefix(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[5];
	struct store_mbox_entry	 e[8];
	uint64_t		 seq;

	open_store(f, NULL);
	recs_random(f, r, 5, 100);
	put_batch(f, r, 5, NULL);

	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, "a@xy", r[0].id, &seq), 0);
	assert_int_equal(seq, 1);
	assert_rc(store_mbox_deliver(f->txn, "a@x", r[1].id, &seq), 0);
	assert_int_equal(seq, 1);
	assert_rc(store_mbox_deliver(f->txn, "a@xy", r[2].id, &seq), 0);
	assert_int_equal(seq, 2);
	assert_rc(store_mbox_deliver(f->txn, "a@xyz", r[3].id, &seq), 0);
	assert_int_equal(seq, 1);
	assert_rc(store_mbox_deliver(f->txn, "a@", r[4].id, &seq), 0);
	assert_int_equal(seq, 1);
	/* Held is per mailbox: r[1] is not in "a@xy" yet. */
	assert_rc(store_mbox_deliver(f->txn, "a@xy", r[1].id, &seq), 0);
	assert_int_equal(seq, 3);
	commit(f);

	assert_int_equal(mbox_collect(f, "a@x", e, 8), 1);
	assert_int_equal(e[0].seq, 1);
	assert_memory_equal(e[0].id, r[1].id, STORE_ID_BYTES);

	assert_int_equal(mbox_collect(f, "a@xy", e, 8), 3);
	assert_memory_equal(e[0].id, r[0].id, STORE_ID_BYTES);
	assert_memory_equal(e[1].id, r[2].id, STORE_ID_BYTES);
	assert_memory_equal(e[2].id, r[1].id, STORE_ID_BYTES);

	assert_int_equal(mbox_collect(f, "a@xyz", e, 8), 1);
	assert_memory_equal(e[0].id, r[3].id, STORE_ID_BYTES);
	assert_int_equal(mbox_collect(f, "a@", e, 8), 1);
	assert_memory_equal(e[0].id, r[4].id, STORE_ID_BYTES);
	assert_int_equal(mbox_collect(f, "a", e, 8), 0);

	/* Marking seq 1 read in "a@x" leaves "a@xy"'s seq 1 alone. */
	begin(f, 0);
	assert_rc(store_mbox_mark_read(f->txn, "a@x", 1), 0);
	assert_rc(store_mbox_mark_read(f->txn, "a@x", 2), STORE_NOTFOUND);
	commit(f);
	assert_int_equal(mbox_collect(f, "a@x", e, 8), 1);
	assert_int_equal(e[0].flags, STORE_MBOX_READ);
	assert_int_equal(mbox_collect(f, "a@xy", e, 8), 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(e[i].flags, 0);
	assert_int_equal(mbox_collect(f, "a@", e, 8), 1);
	assert_int_equal(e[0].flags, 0);
}

/*
 * A mailbox of a store from before the per-mailbox counter goes on from
 * its newest entry, whatever mailboxes sort beside it (or none after).
 */
static void
test_mbox_no_counter(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[5];
	const char		*boxes[] = { "a@x", "a@xy", "zz@x" };
	uint64_t		 seq;

	open_store(f, NULL);
	recs_random(f, r, 5, 100);
	put_batch(f, r, 5, NULL);
	begin(f, 0);
	for (size_t b = 0; b < 3; b++)
		for (size_t i = 0; i <= b; i++)
			assert_rc(store_mbox_deliver(f->txn, boxes[b], r[i].id,
			    &seq), 0);
	commit(f);
	store_close(&f->st);
	for (size_t b = 0; b < 3; b++)
		raw_set(f, "mbox_index", boxes[b], strlen(boxes[b]) + 1, NULL,
		    0);

	open_store(f, NULL);
	begin(f, 0);
	for (size_t b = 0; b < 3; b++) {
		assert_rc(store_mbox_deliver(f->txn, boxes[b], r[4].id, &seq),
		    0);
		assert_int_equal(seq, b + 2);
		/* Delivered once still holds: the index kept the ids. */
		assert_rc(store_mbox_deliver(f->txn, boxes[b], r[0].id, &seq),
		    STORE_HELD);
		assert_int_equal(seq, 1);
	}
	assert_rc(store_mbox_deliver(f->txn, "a@", r[4].id, &seq), 0);
	assert_int_equal(seq, 1);
	commit(f);
}

/* Peer state comes back as it was put; unknown peers are not found. */
static void
test_peer(void **state)
{
	struct fixture		*f = *state;
	struct store_peer	 a, b, got;

	open_store(f, NULL);
	peer_random(&a);
	peer_random(&b);

	begin(f, STORE_RDONLY);
	assert_rc(store_peer_get(f->txn, "peer-a", &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);

	begin(f, 0);
	assert_rc(store_peer_put(f->txn, "peer-a", &a), 0);
	assert_rc(store_peer_put(f->txn, "peer-ab", &b), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	memset(&got, 0, sizeof(got));
	assert_rc(store_peer_get(f->txn, "peer-a", &got), 0);
	peer_equal(&got, &a);
	assert_rc(store_peer_get(f->txn, "peer-ab", &got), 0);
	peer_equal(&got, &b);
	assert_rc(store_peer_get(f->txn, "peer-b", &got), STORE_NOTFOUND);
	assert_rc(store_peer_get(f->txn, "peer", &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);

	/* An update replaces the state. */
	a.acked[STORE_LANES - 1] += 10;
	a.last_error = 0;
	a.last_contact_ms++;
	begin(f, 0);
	assert_rc(store_peer_put(f->txn, "peer-a", &a), 0);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_peer_get(f->txn, "peer-a", &got), 0);
	peer_equal(&got, &a);
	assert_rc(store_peer_get(f->txn, "peer-ab", &got), 0);
	peer_equal(&got, &b);
	store_txn_abort(&f->txn);
}

/* Counts the events walked; stops at the event numbered stop_at. */
struct walk {
	unsigned	n, stop_at;
	int		in_order;
	uint64_t	last_ms;
};

static int
walk_count(const struct store_custody *ev, void *arg)
{
	struct walk	*w = arg;
	char		 want[32];

	snprintf(want, sizeof(want), "peer-%u", w->n);
	if (strcmp(ev->peer, want) != 0 || ev->time_ms < w->last_ms)
		w->in_order = 0;
	w->last_ms = ev->time_ms;
	return ++w->n == w->stop_at;
}

/*
 * A record's custody events come back oldest first, two in the same
 * millisecond in the order they were added; a walk reads them in one
 * pass, stops where its function says or at max, and never strays into
 * the next record's events.
 */
static void
test_custody(void **state)
{
	struct fixture		*f = *state;
	struct store_custody	 ev = { .event = STORE_CUSTODY_FAILED };
	struct walk		 w;
	uint8_t			 id[STORE_ID_BYTES], next[STORE_ID_BYTES];
	unsigned		 i;

	open_store(f, NULL);
	memset(id, 0x41, sizeof(id));
	memcpy(next, id, sizeof(next));
	next[STORE_ID_BYTES - 1]++;
	begin(f, 0);
	for (i = 0; i < 600; i++) {
		ev.time_ms = 1000 + i / 7;	/* several per millisecond */
		snprintf(ev.peer, sizeof(ev.peer), "peer-%u", i);
		assert_rc(store_custody_add(f->txn, id, &ev), 0);
		assert_rc(store_custody_add(f->txn, next, &ev), 0);
	}
	commit(f);

	begin(f, STORE_RDONLY);
	w = (struct walk){ .in_order = 1 };
	assert_rc(store_custody_walk(f->txn, id, 100000, walk_count, &w), 0);
	assert_int_equal(w.n, 600);
	assert_true(w.in_order);
	w = (struct walk){ .in_order = 1 };
	assert_rc(store_custody_walk(f->txn, id, 10, walk_count, &w), 0);
	assert_int_equal(w.n, 10);
	w = (struct walk){ .in_order = 1, .stop_at = 42 };
	assert_rc(store_custody_walk(f->txn, id, 100000, walk_count, &w), 0);
	assert_int_equal(w.n, 42);
	assert_true(w.in_order);
	memset(id, 0x40, sizeof(id));
	w = (struct walk){ .in_order = 1 };
	assert_rc(store_custody_walk(f->txn, id, 100000, walk_count, &w), 0);
	assert_int_equal(w.n, 0);
	memset(id, 0x41, sizeof(id));

	assert_rc(store_custody_get(f->txn, id, 0, &ev), 0);
	assert_string_equal(ev.peer, "peer-0");
	assert_rc(store_custody_get(f->txn, id, 599, &ev), 0);
	assert_string_equal(ev.peer, "peer-599");
	assert_int_equal(ev.time_ms, 1000 + 599 / 7);
	assert_int_equal(ev.event, STORE_CUSTODY_FAILED);
	assert_rc(store_custody_get(f->txn, id, 600, &ev), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/* Fills a certificate entry: subject, Ed25519 key byte k, id byte i. */
static void
cert_fill(struct store_cert *c, const char *subject, uint8_t k, uint8_t i)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->subject, sizeof(c->subject), "%s", subject);
	snprintf(c->issuer, sizeof(c->issuer), "hagiang");
	memset(c->key, k, sizeof(c->key));
	memset(c->cert_id, i, sizeof(c->cert_id));
	memset(c->issuer_key, 0x77, sizeof(c->issuer_key));
	c->not_before_ms = 1000 + i;
	c->not_after_ms = 2000 + i;
}

/*
 * Every certificate has its own entry: two for one subject and X25519
 * key (a renewal, or the negated key) are both found, in id order, and
 * a subject that sorts first never hides another.
 */
static void
test_cert_index(void **state)
{
	struct fixture		*f = *state;
	struct store_cert	 a, b, other, got = { .subject = "" };
	uint8_t			 curve[32], curve2[32], scan[32] = { 0 };
	int			 n;

	memset(curve, 0xc1, sizeof(curve));
	memset(curve2, 0xc2, sizeof(curve2));
	cert_fill(&a, "vixuyen.hagiang", 0x0a, 2);
	cert_fill(&b, "vixuyen.hagiang", 0x0b, 1);	/* same form */
	cert_fill(&other, "0.bacquang.hagiang", 0x0b, 3);
	open_store(f, NULL);
	begin(f, 0);
	assert_int_equal(store_cert_index_current(f->txn), 1);
	assert_rc(store_cert_put(f->txn, curve, &a), 0);
	assert_rc(store_cert_put(f->txn, curve, &b), 0);
	assert_rc(store_cert_put(f->txn, curve, &other), 0);
	assert_rc(store_cert_put(f->txn, curve2, &a), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	/* For one subject: both entries, lowest id first, all fields. */
	assert_rc(store_cert_next(f->txn, curve, "vixuyen.hagiang", &got), 0);
	assert_memory_equal(got.cert_id, b.cert_id, sizeof(b.cert_id));
	assert_memory_equal(got.key, b.key, sizeof(b.key));
	assert_rc(store_cert_next(f->txn, curve, "vixuyen.hagiang", &got), 0);
	assert_memory_equal(got.cert_id, a.cert_id, sizeof(a.cert_id));
	assert_string_equal(got.issuer, "hagiang");
	assert_memory_equal(got.issuer_key, a.issuer_key, 32);
	assert_int_equal(got.not_before_ms, a.not_before_ms);
	assert_int_equal(got.not_after_ms, a.not_after_ms);
	assert_rc(store_cert_next(f->txn, curve, "vixuyen.hagiang", &got),
	    STORE_NOTFOUND);
	/* A subject that is a prefix of another finds none of the other's. */
	got.subject[0] = '\0';
	assert_rc(store_cert_next(f->txn, curve, "vixuyen.hagian", &got),
	    STORE_NOTFOUND);
	/* Any subject of one form: three, the other form's not among them. */
	got.subject[0] = '\0';
	for (n = 0; store_cert_next(f->txn, curve, NULL, &got) == 0; n++)
		;
	assert_int_equal(n, 3);
	/* Every entry of every form. */
	got.subject[0] = '\0';
	for (n = 0; store_cert_scan(f->txn, scan, &got) == 0; n++)
		;
	assert_int_equal(n, 4);
	store_txn_abort(&f->txn);

	/* A reset empties the index and marks it current. */
	begin(f, 0);
	assert_rc(store_cert_reset(f->txn), 0);
	got.subject[0] = '\0';
	assert_rc(store_cert_next(f->txn, curve, NULL, &got), STORE_NOTFOUND);
	assert_int_equal(store_cert_index_current(f->txn), 1);
	commit(f);
}

/* The names test_cert_named() reads from store_cert_named(). */
static int
named(store_txn_t *txn, const char *name, int subtree, const char **want,
    size_t nwant)
{
	struct store_cert	got = { .subject = "" };
	uint8_t			curve[32];
	size_t			n = 0;
	int			rc;

	while ((rc = store_cert_named(txn, name, subtree, curve, &got)) == 0) {
		if (n >= nwant || strcmp(got.subject, want[n]) != 0 ||
		    curve[0] != (uint8_t)(0xc0 + got.key[0]))
			return -1;
		n++;
	}
	return rc == STORE_NOTFOUND && n == nwant ? 0 : -1;
}

/*
 * Certificates by name, and by subtree: a name's own, in id order;
 * every name below one, whole labels compared, the name itself not
 * among them; a name that starts another's never finds its.
 */
static void
test_cert_named(void **state)
{
	struct fixture		*f = *state;
	static const char	*subj[] = { "hagiang", "bacquang.hagiang",
				    "tanthanh.bacquang.hagiang",
				    "xbacquang.hagiang",
				    "a.tanthanh.bacquang.hagiang",
				    "tanthanh.vixuyen.hagiang",
				    "tanthanh.bacquang.hagiang" };
	static const char	*own[] = { "tanthanh.bacquang.hagiang",
				    "tanthanh.bacquang.hagiang" };
	static const char	*below[] = { "tanthanh.bacquang.hagiang",
				    "tanthanh.bacquang.hagiang",
				    "a.tanthanh.bacquang.hagiang" };
	static const char	*all[] = { "hagiang", "bacquang.hagiang",
				    "tanthanh.bacquang.hagiang",
				    "tanthanh.bacquang.hagiang",
				    "a.tanthanh.bacquang.hagiang",
				    "tanthanh.vixuyen.hagiang",
				    "xbacquang.hagiang" };
	struct store_cert	 c;
	uint8_t			 curve[32];

	open_store(f, NULL);
	begin(f, 0);
	for (size_t i = 0; i < sizeof(subj) / sizeof(subj[0]); i++) {
		cert_fill(&c, subj[i], (uint8_t)i, (uint8_t)(10 - i));
		memset(curve, 0xc0 + (int)i, sizeof(curve));
		assert_rc(store_cert_put(f->txn, curve, &c), 0);
	}
	commit(f);
	begin(f, STORE_RDONLY);
	assert_int_equal(named(f->txn, "tanthanh.bacquang.hagiang", 0, own, 2),
	    0);
	assert_int_equal(named(f->txn, "bacquang.hagiang", 1, below, 3), 0);
	assert_int_equal(named(f->txn, "", 1, all, 7), 0);
	assert_int_equal(named(f->txn, "bacquang.hagian", 0, NULL, 0), 0);
	assert_int_equal(named(f->txn, "acquang.hagiang", 1, NULL, 0), 0);
	assert_int_equal(named(f->txn, "a.tanthanh.bacquang.hagiang", 1, NULL,
	    0), 0);
	c.subject[0] = '\0';
	assert_rc(store_cert_named(f->txn, "", 0, curve, &c), STORE_INVAL);
	store_txn_abort(&f->txn);
	begin(f, 0);
	assert_rc(store_cert_reset(f->txn), 0);
	assert_int_equal(named(f->txn, "", 1, NULL, 0), 0);
	commit(f);
}

/* Submission keys: remembered once, found again, forgotten when old. */
static void
test_submit_keys(void **state)
{
	struct fixture	*f = *state;
	uint8_t		 a[STORE_ID_BYTES], b[STORE_ID_BYTES], got[STORE_ID_BYTES];
	char		 after[STORE_MAX_SUBMIT_KEY + 1] = "", longkey[200];
	int		 gone, total = 0;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_submit_get(f->txn, "smtp:1", got), STORE_NOTFOUND);
	assert_rc(store_submit_put(f->txn, "smtp:1", a, 1000), 0);
	assert_rc(store_submit_put(f->txn, "smtp:1", b, 2000), STORE_HELD);
	assert_rc(store_submit_put(f->txn, "smtp:2", b, 5000), 0);
	assert_rc(store_submit_put(f->txn, longkey, b, 5000), STORE_INVAL);
	assert_rc(store_submit_put(f->txn, "", b, 5000), STORE_INVAL);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_submit_get(f->txn, "smtp:1", got), 0);
	assert_memory_equal(got, a, sizeof(a));
	store_txn_abort(&f->txn);
	/* One key a slice: the old one goes, the newer stays. */
	begin(f, 0);
	do {
		gone = store_submit_expire(f->txn, after, 3000, 1);
		assert_true(gone >= 0);
		total += gone;
	} while (after[0] != '\0');
	assert_int_equal(total, 1);
	assert_rc(store_submit_get(f->txn, "smtp:1", got), STORE_NOTFOUND);
	assert_rc(store_submit_get(f->txn, "smtp:2", got), 0);
	commit(f);
}

/*
 * Transit: a record's birth by our clock, kept once (the first stays),
 * read back after commit, and gone with the record when it is purged.
 */
static void
test_transit(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r, other;
	uint64_t		 born = 0;

	open_store(f, NULL);
	rec_random(f, &r, 100);
	rec_random(f, &other, 100);
	begin(f, 0);
	assert_rc(store_put(f->txn, &r), 0);
	assert_rc(store_transit_get(f->txn, r.id, &born), STORE_NOTFOUND);
	assert_rc(store_transit_put(f->txn, r.id, 1700000000000), 0);
	assert_rc(store_transit_put(f->txn, r.id, 5), 0);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_transit_get(f->txn, r.id, &born), 0);
	assert_int_equal(born, 1700000000000);
	assert_rc(store_transit_get(f->txn, other.id, &born), STORE_NOTFOUND);
	assert_rc(store_transit_put(f->txn, other.id, 1), EROFS);
	store_txn_abort(&f->txn);
	begin(f, 0);
	assert_rc(store_purge(f->txn, r.id), 0);
	assert_rc(store_transit_get(f->txn, r.id, &born), STORE_NOTFOUND);
	commit(f);
}

/*
 * A peer value written before log epochs (format 1, 85 bytes) still
 * reads, with its epochs not known; the next put writes the new format.
 */
static void
test_peer_format1(void **state)
{
	struct fixture		*f = *state;
	struct store_peer	 got, want;
	uint8_t			 old[85] = { 1 };

	open_store(f, NULL);
	store_close(&f->st);
	memset(&want, 0, sizeof(want));
	for (int i = 0; i < 16; i++)
		want.instance[i] = old[1 + i] = (uint8_t)(0xa0 + i);
	for (int l = 0; l < STORE_LANES; l++) {
		want.acked[l] = old[17 + 8 * l] = (uint8_t)(10 + l);
		want.received[l] = old[41 + 8 * l] = (uint8_t)(20 + l);
	}
	want.last_contact_ms = old[65] = 30;
	want.last_error = old[73] = 4;
	want.since_ms = old[77] = 50;
	raw_set(f, "peers", "peer-a", 6, old, sizeof(old));

	open_store(f, NULL);
	begin(f, 0);
	memset(&got, 0xff, sizeof(got));
	assert_rc(store_peer_get(f->txn, "peer-a", &got), 0);
	peer_equal(&got, &want);
	randombytes_buf(want.received_epoch, sizeof(want.received_epoch));
	assert_rc(store_peer_put(f->txn, "peer-a", &want), 0);
	assert_rc(store_peer_get(f->txn, "peer-a", &got), 0);
	peer_equal(&got, &want);
	commit(f);
}

/*
 * Each epoch begun ends where the log's head is when the next begins; an
 * epoch the store never had is not found. A copy of the store taken
 * during an epoch (a backup) ends that epoch at the copy's head when it
 * begins its own, and knows nothing of the epochs after the copy.
 */
static void
test_epochs(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[5];
	uint8_t			 e1[STORE_EPOCH_BYTES], e2[STORE_EPOCH_BYTES];
	uint8_t			 e3[STORE_EPOCH_BYTES], e4[STORE_EPOCH_BYTES];
	uint8_t			 e5[STORE_EPOCH_BYTES];
	uint64_t		 end;
	char			*copy;
	MDB_env			*env;
	store_txn_t		*t = NULL;

	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_epoch_begin(f->txn, e1), EROFS);
	store_txn_abort(&f->txn);
	begin(f, 0);
	assert_rc(store_epoch_begin(f->txn, e1), 0);
	assert_rc(store_epoch_end(f->txn, e1, &end), 0);
	assert_true(end == UINT64_MAX);
	commit(f);

	recs_random(f, r, 5, 100);
	put_batch(f, r, 2, NULL);
	begin(f, 0);
	assert_rc(store_epoch_begin(f->txn, e2), 0);
	commit(f);
	assert_memory_not_equal(e1, e2, sizeof(e1));
	put_batch(f, &r[2], 1, NULL);

	/* A copy now holds 3 records, in epoch e2 (as mdb_copy would). */
	store_close(&f->st);
	copy = tpath(f, "copy");
	assert_int_equal(mkdir(copy, 0700), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_env_copy(env, copy), 0);
	mdb_env_close(env);
	open_store(f, NULL);

	put_batch(f, &r[3], 2, NULL);
	reopen_store(f, NULL);
	begin(f, 0);
	assert_rc(store_epoch_begin(f->txn, e3), 0);
	assert_rc(store_epoch_end(f->txn, e1, &end), 0);
	assert_int_equal(end, 2);
	assert_rc(store_epoch_end(f->txn, e2, &end), 0);
	assert_int_equal(end, 5);
	assert_rc(store_epoch_end(f->txn, e3, &end), 0);
	assert_true(end == UINT64_MAX);
	commit(f);

	/* The copy, put back: e2 ends at its head, e3 it never had. */
	assert_rc(store_open(&f->st2, copy, NULL), 0);
	assert_rc(store_txn_begin(f->st2, 0, &t), 0);
	assert_rc(store_epoch_begin(t, e4), 0);
	assert_rc(store_epoch_end(t, e1, &end), 0);
	assert_int_equal(end, 2);
	assert_rc(store_epoch_end(t, e2, &end), 0);
	assert_int_equal(end, 3);
	assert_rc(store_epoch_end(t, e3, &end), STORE_NOTFOUND);
	memset(e5, 0x5a, sizeof(e5));
	assert_rc(store_epoch_end(t, e5, &end), STORE_NOTFOUND);
	assert_rc(store_txn_commit(&t), 0);
	store_close(&f->st2);
	assert_memory_not_equal(e3, e4, sizeof(e3));
}

/* The origin sequence is raised, never lowered, and carries on. */
static void
test_origin_seq_raise(void **state)
{
	struct fixture	*f = *state;
	uint64_t	 seq;

	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_origin_seq_raise(f->txn, 100), 0);
	assert_rc(store_origin_seq_next(f->txn, &seq), 0);
	assert_int_equal(seq, 101);
	assert_rc(store_origin_seq_raise(f->txn, 50), 0);
	assert_rc(store_origin_seq_next(f->txn, &seq), 0);
	assert_int_equal(seq, 102);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_origin_seq_raise(f->txn, 500), EROFS);
	store_txn_abort(&f->txn);
}

/* Everything survives close and reopen; instance ids are per store. */
static void
test_persist(void **state)
{
	struct fixture		*f = *state;
	struct store_record	 r[8], more;
	struct store_peer	 p, got;
	struct store_mbox_entry	 e1[8], e2[8];
	struct store_stat	 s1, s2;
	uint8_t			 inst[STORE_INSTANCE_BYTES];
	uint8_t			 zero[STORE_INSTANCE_BYTES] = { 0 };
	uint64_t		 seqs1[16], seqs2[16], seq;
	uint8_t			 ids1[16][STORE_ID_BYTES];
	uint8_t			 ids2[16][STORE_ID_BYTES];
	const uint8_t		*i2;
	char			*second;
	size_t			 n1, n2;

	open_store(f, NULL);
	assert_non_null(store_instance(f->st));
	memcpy(inst, store_instance(f->st), sizeof(inst));
	assert_memory_not_equal(inst, zero, sizeof(inst));

	recs_random(f, r, 8, 1000);
	put_batch(f, r, 5, NULL);
	put_batch(f, &r[5], 3, NULL);
	peer_random(&p);
	begin(f, 0);
	for (size_t i = 0; i < 4; i++)
		assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[i * 2].id,
		    &seq), 0);
	assert_rc(store_mbox_mark_read(f->txn, MAILBOX, 3), 0);
	assert_rc(store_peer_put(f->txn, "peer-a", &p), 0);
	commit(f);

	n1 = log_collect(f, 1, seqs1, ids1, 16);
	assert_int_equal(n1, 8);
	assert_int_equal(mbox_collect(f, MAILBOX, e1, 8), 4);
	get_stat(f, &s1);

	reopen_store(f, NULL);

	assert_memory_equal(store_instance(f->st), inst, sizeof(inst));
	get_stat(f, &s2);
	assert_int_equal(s2.records, s1.records);
	assert_int_equal(s2.last_seq, s1.last_seq);
	assert_int_equal(s2.records, 8);
	assert_int_equal(s2.last_seq, 8);
	for (size_t i = 0; i < 8; i++)
		check_get(f, &r[i]);
	n2 = log_collect(f, 1, seqs2, ids2, 16);
	assert_int_equal(n2, n1);
	assert_memory_equal(seqs2, seqs1, n1 * sizeof(seqs1[0]));
	assert_memory_equal(ids2, ids1, n1 * STORE_ID_BYTES);
	assert_int_equal(mbox_collect(f, MAILBOX, e2, 8), 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(e2[i].seq, e1[i].seq);
		assert_int_equal(e2[i].seq, i + 1);
		assert_memory_equal(e2[i].id, e1[i].id, STORE_ID_BYTES);
		assert_memory_equal(e2[i].id, r[i * 2].id, STORE_ID_BYTES);
		assert_int_equal(e2[i].flags, i == 2 ? STORE_MBOX_READ : 0);
	}
	begin(f, STORE_RDONLY);
	assert_rc(store_peer_get(f->txn, "peer-a", &got), 0);
	peer_equal(&got, &p);
	store_txn_abort(&f->txn);

	/* Sequences carry on where they stopped. */
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[1].id, &seq), 0);
	assert_int_equal(seq, 5);
	commit(f);
	rec_random(f, &more, 50);
	put_batch(f, &more, 1, NULL);
	assert_int_equal(more.seq, 9);

	/* Another store has another instance id. */
	second = tpath(f, "second");
	assert_int_equal(mkdir(second, 0700), 0);
	assert_rc(store_open(&f->st2, second, NULL), 0);
	i2 = store_instance(f->st2);
	assert_non_null(i2);
	assert_memory_not_equal(i2, inst, sizeof(inst));
	assert_memory_not_equal(i2, zero, sizeof(inst));
	assert_memory_equal(store_instance(f->st), inst, sizeof(inst));
	store_close(&f->st2);
	assert_null(f->st2);
}

/*
 * A batch too big for the map is refused as a whole with STORE_FULL, and
 * the store stays as it was and usable, also after a reopen; reopening
 * with a larger map_size makes room.
 */
static void
test_map_full(void **state)
{
	struct fixture		*f = *state;
	const struct store_opts	 opts = { .map_size = 1u << 20 };
	const struct store_opts	 bigger = { .map_size = 8u << 20 };
	struct store_record	 pre[10], big[200], small[2], small2[2];
	struct store_record	 one;
	struct store_stat	 s0, s1;
	size_t			 i;
	int			 rc;

	open_store(f, &opts);
	recs_random(f, pre, 10, 8192);
	put_batch(f, pre, 5, NULL);
	put_batch(f, &pre[5], 5, NULL);
	get_stat(f, &s0);
	assert_int_equal(s0.records, 10);
	assert_int_equal(s0.last_seq, 10);

	/* 200 * 8 KiB cannot fit in a 1 MiB map. */
	recs_random(f, big, 200, 8192);
	assert_rc(store_put_batch(f->st, big, 200, NULL), STORE_FULL);
	get_stat(f, &s1);
	assert_int_equal(s1.records, s0.records);
	assert_int_equal(s1.last_seq, s0.last_seq);
	assert_true(s1.map_used <= s1.map_size);
	for (i = 0; i < 200; i++)
		check_absent(f, big[i].id);

	/* store_put in an open transaction runs into it as well. */
	begin(f, 0);
	for (i = 0, rc = 0; i < 200; i++)
		if ((rc = store_put(f->txn, &big[i])) != 0)
			break;
	assert_rc(rc, STORE_FULL);
	store_txn_abort(&f->txn);
	get_stat(f, &s1);
	assert_int_equal(s1.records, s0.records);
	assert_int_equal(s1.last_seq, s0.last_seq);
	check_absent(f, big[0].id);

	/* Still usable, and no seq was used up by the failures. */
	recs_random(f, small, 2, 1024);
	put_batch(f, small, 2, NULL);
	assert_int_equal(small[0].seq, s0.last_seq + 1);
	assert_int_equal(small[1].seq, s0.last_seq + 2);
	check_get(f, &small[0]);
	check_get(f, &small[1]);
	check_get(f, &pre[0]);
	check_get(f, &pre[9]);
	get_stat(f, &s1);
	assert_int_equal(s1.records, 12);
	assert_int_equal(s1.last_seq, 12);

	/* The same after reopening. */
	reopen_store(f, &opts);
	get_stat(f, &s1);
	assert_int_equal(s1.records, 12);
	assert_int_equal(s1.last_seq, 12);
	for (i = 0; i < 200; i++)
		check_absent(f, big[i].id);
	for (i = 0; i < 10; i++)
		check_get(f, &pre[i]);
	assert_rc(store_put_batch(f->st, big, 200, NULL), STORE_FULL);
	get_stat(f, &s1);
	assert_int_equal(s1.records, 12);
	assert_int_equal(s1.last_seq, 12);
	recs_random(f, small2, 2, 1024);
	put_batch(f, small2, 2, NULL);
	assert_int_equal(small2[0].seq, 13);
	assert_int_equal(small2[1].seq, 14);
	check_get(f, &small2[1]);
	rec_random(f, &one, 10);
	put_batch(f, &one, 1, NULL);
	assert_int_equal(one.seq, 15);

	/* A larger map_size grows the map: now the batch fits. */
	reopen_store(f, &bigger);
	get_stat(f, &s1);
	assert_true(s1.map_size >= bigger.map_size);
	assert_int_equal(s1.last_seq, 15);
	put_batch(f, big, 200, NULL);
	assert_int_equal(big[0].seq, 16);
	assert_int_equal(big[199].seq, 215);
	check_get(f, &big[0]);
	check_get(f, &big[199]);
	check_get(f, &pre[0]);
}

/* Flips one bit of every copy of marker in path; returns the copies. */
static size_t
flip_marker(const char *path, const uint8_t *marker, size_t mlen)
{
	struct stat	 sb;
	uint8_t		*map, *p, *end;
	size_t		 n = 0;
	int		 fd;

	fd = open(path, O_RDWR);
	if (fd == -1)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &sb), 0);
	assert_true(sb.st_size > 0);
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	p = map;
	end = map + sb.st_size;
	while (p < end && (p = memmem(p, (size_t)(end - p), marker, mlen))
	    != NULL) {
		p[mlen / 2] ^= 0x04;
		p += mlen;
		n++;
	}
	assert_int_equal(msync(map, (size_t)sb.st_size, MS_SYNC), 0);
	assert_int_equal(munmap(map, (size_t)sb.st_size), 0);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(close(fd), 0);
	return n;
}

/* A bit flipped on disk is reported as STORE_CORRUPT, never served. */
static void
test_corrupt(void **state)
{
	struct fixture		*f = *state;
	const struct store_opts	 opts = { .map_size = 8u << 20 };
	struct store_record	 before[4], after[4], bad;
	struct store_record	 got;
	uint8_t			 marker[32], *body;
	uint64_t		 seqs[16];
	uint8_t			 ids[16][STORE_ID_BYTES];
	const size_t		 blen = 600;

	open_store(f, &opts);
	recs_random(f, before, 4, 600);
	recs_random(f, after, 4, 600);
	body = talloc(f, blen);
	randombytes_buf(body, blen);
	randombytes_buf(marker, sizeof(marker));
	memcpy(body + 200, marker, sizeof(marker));
	rec_set(&bad, body, blen);

	put_batch(f, before, 4, NULL);
	put_batch(f, &bad, 1, NULL);
	put_batch(f, after, 4, NULL);
	check_get(f, &bad);
	store_close(&f->st);

	if (flip_marker(tpath(f, "data.mdb"), marker, sizeof(marker)) == 0)
		fail_msg("marker not found in data.mdb: body not stored "
		    "as is?");

	open_store(f, &opts);
	begin(f, STORE_RDONLY);
	memset(&got, 0, sizeof(got));
	assert_rc(store_get(f->txn, bad.id, &got), STORE_CORRUPT);
	store_txn_abort(&f->txn);
	for (size_t i = 0; i < 4; i++) {
		check_get(f, &before[i]);
		check_get(f, &after[i]);
	}
	/* The log still lists it: the damage is in the record alone. */
	assert_int_equal(log_collect(f, 1, seqs, ids, 16), 9);
	assert_memory_equal(ids[4], bad.id, STORE_ID_BYTES);
}

/*
 * The signature is part of the record as stored: a bit flipped in it on
 * disk must not be served either (store.h: "a flipped bit on disk is
 * reported as STORE_CORRUPT, never served"). A peer would reject the
 * record with a bad signature and blame us.
 */
static void
test_corrupt_sig(void **state)
{
	struct fixture		*f = *state;
	const struct store_opts	 opts = { .map_size = 8u << 20 };
	struct store_record	 other[3], bad, got;

	open_store(f, &opts);
	recs_random(f, other, 3, 300);
	rec_random(f, &bad, 300);
	put_batch(f, other, 3, NULL);
	put_batch(f, &bad, 1, NULL);
	store_close(&f->st);

	/* The random signature is as good a marker as any. */
	if (flip_marker(tpath(f, "data.mdb"), bad.sig, sizeof(bad.sig)) == 0)
		fail_msg("signature not found in data.mdb");

	open_store(f, &opts);
	begin(f, STORE_RDONLY);
	memset(&got, 0, sizeof(got));
	assert_rc(store_get(f->txn, bad.id, &got), STORE_CORRUPT);
	store_txn_abort(&f->txn);
	for (size_t i = 0; i < 3; i++)
		check_get(f, &other[i]);
}

/* A read-only store reads but does not write, and is never created. */
static void
test_read_only(void **state)
{
	struct fixture		*f = *state;
	const struct store_opts	 ro = { .read_only = 1 };
	struct store_record	 r[3], more;
	struct store_mbox_entry	 e[4];
	struct store_stat	 s;
	uint8_t			 inst[STORE_INSTANCE_BYTES];
	uint64_t		 seq;
	uint8_t			 id[STORE_ID_BYTES];
	char			*empty, *nope;
	store_txn_t		*w = NULL;
	int			 rc;

	open_store(f, NULL);
	memcpy(inst, store_instance(f->st), sizeof(inst));
	recs_random(f, r, 3, 400);
	put_batch(f, r, 3, NULL);
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, MAILBOX, r[1].id, &seq), 0);
	commit(f);
	store_close(&f->st);

	open_store(f, &ro);
	assert_memory_equal(store_instance(f->st), inst, sizeof(inst));
	for (size_t i = 0; i < 3; i++)
		check_get(f, &r[i]);
	begin(f, STORE_RDONLY);
	assert_rc(store_log_next(f->txn, 1, &seq, id), 0);
	assert_int_equal(seq, 1);
	assert_memory_equal(id, r[0].id, STORE_ID_BYTES);
	store_txn_abort(&f->txn);
	assert_int_equal(mbox_collect(f, MAILBOX, e, 4), 1);
	assert_memory_equal(e[0].id, r[1].id, STORE_ID_BYTES);
	get_stat(f, &s);
	assert_int_equal(s.records, 3);
	assert_int_equal(s.last_seq, 3);

	rc = store_txn_begin(f->st, 0, &w);
	if (rc == 0) {
		store_txn_abort(&w);
		fail_msg("a write transaction began on a read-only store");
	}
	rec_random(f, &more, 10);
	assert_fails(store_put_batch(f->st, &more, 1, NULL));
	store_close(&f->st);

	/* Nothing written behind our back. */
	open_store(f, NULL);
	check_absent(f, more.id);
	get_stat(f, &s);
	assert_int_equal(s.last_seq, 3);
	store_close(&f->st);

	/* No store to open: an empty directory, or none at all. */
	empty = tpath(f, "empty");
	assert_int_equal(mkdir(empty, 0700), 0);
	rc = store_open(&f->st2, empty, &ro);
	store_close(&f->st2);
	if (rc == 0)
		fail_msg("read-only open of an empty directory succeeded");
	nope = tpath(f, "nope");
	rc = store_open(&f->st2, nope, &ro);
	store_close(&f->st2);
	if (rc == 0)
		fail_msg("read-only open of a missing directory succeeded");
	if (access(nope, F_OK) == 0)
		fail_msg("read-only open created %s", nope);
}

/* Out-of-bounds arguments are STORE_INVAL and write nothing. */
static void
test_bad_args(void **state)
{
	struct fixture		*f = *state;
	char			 longname[STORE_MAX_MAILBOX + 2];
	char			 maxname[STORE_MAX_MAILBOX + 1];
	char			 longpeer[STORE_MAX_PEER + 2];
	struct store_record	 r, empty, huge, batch[3];
	struct store_mbox_entry	 e;
	struct store_peer	 p;
	struct store_stat	 s;
	uint8_t			*hbody;
	uint64_t		 seq;

	open_store(f, NULL);
	memset(longname, 'm', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(strlen(longname), STORE_MAX_MAILBOX + 1);
	memset(maxname, 'm', sizeof(maxname) - 1);
	maxname[sizeof(maxname) - 1] = '\0';
	memset(longpeer, 'p', sizeof(longpeer) - 1);
	longpeer[sizeof(longpeer) - 1] = '\0';

	rec_random(f, &r, 100);
	put_batch(f, &r, 1, NULL);

	/* Bodies: empty, or one byte over the maximum. */
	rec_random(f, &empty, 1);
	empty.body_len = 0;
	hbody = talloc(f, STORE_MAX_BODY + 1);
	randombytes_buf(hbody, 64);
	rec_set(&huge, hbody, STORE_MAX_BODY + 1);
	begin(f, 0);
	assert_rc(store_put(f->txn, &empty), STORE_INVAL);
	assert_rc(store_put(f->txn, &huge), STORE_INVAL);
	store_txn_abort(&f->txn);
	assert_rc(store_put_batch(f->st, &empty, 1, NULL), STORE_INVAL);
	assert_rc(store_put_batch(f->st, &huge, 1, NULL), STORE_INVAL);

	/* A bad record in a batch: nothing of the batch is stored. */
	recs_random(f, batch, 3, 100);
	batch[1].body_len = 0;
	assert_rc(store_put_batch(f->st, batch, 3, NULL), STORE_INVAL);
	check_absent(f, batch[0].id);
	check_absent(f, batch[2].id);
	get_stat(f, &s);
	assert_int_equal(s.records, 1);
	assert_int_equal(s.last_seq, 1);

	/* Mailbox names: empty, or longer than STORE_MAX_MAILBOX. */
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, longname, r.id, &seq),
	    STORE_INVAL);
	assert_rc(store_mbox_deliver(f->txn, "", r.id, &seq), STORE_INVAL);
	assert_rc(store_mbox_mark_read(f->txn, longname, 1), STORE_INVAL);
	assert_rc(store_mbox_mark_read(f->txn, "", 1), STORE_INVAL);
	assert_rc(store_mbox_next(f->txn, longname, 1, &e), STORE_INVAL);
	assert_rc(store_mbox_next(f->txn, "", 1, &e), STORE_INVAL);
	store_txn_abort(&f->txn);	/* all a failed write txn is good for */
	/* Exactly STORE_MAX_MAILBOX bytes is allowed. */
	begin(f, 0);
	assert_rc(store_mbox_deliver(f->txn, maxname, r.id, &seq), 0);
	assert_int_equal(seq, 1);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_mbox_next(f->txn, maxname, 1, &e), 0);
	assert_memory_equal(e.id, r.id, STORE_ID_BYTES);
	store_txn_abort(&f->txn);

	/* Peer names longer than STORE_MAX_PEER. */
	peer_random(&p);
	begin(f, 0);
	assert_rc(store_peer_put(f->txn, longpeer, &p), STORE_INVAL);
	assert_rc(store_peer_get(f->txn, longpeer, &p), STORE_INVAL);
	store_txn_abort(&f->txn);
}

/*
 * The schema stamp. A store of a later release (a version above ours) is
 * refused, read-only too, untouched, and the refusal names both
 * versions; one of a version no release wrote is not a node store; with
 * our version back it opens as before.
 */
static void
test_schema(void **state)
{
	struct fixture		*f = *state;
	struct store_opts	 ro = { .read_only = 1 };
	const uint32_t		 ours = STORE_SCHEMA_VERSION;
	const uint8_t		 later[4] = { (uint8_t)(ours + 1) };
	const uint8_t		 none[4] = { 0 }, now[4] = { (uint8_t)ours };
	uint32_t		 found = 0;
	char			 buf[256], want[64];

	assert_true(ours < 255);
	open_store(f, NULL);
	store_close(&f->st);
	assert_rc(store_schema_of(f->dir, &found), 0);
	assert_int_equal(found, ours);

	raw_set(f, "meta", "schema", 6, later, sizeof(later));
	assert_rc(store_open(&f->st, f->dir, NULL), STORE_NEWER);
	assert_null(f->st);
	assert_rc(store_open(&f->st, f->dir, &ro), STORE_NEWER);
	assert_null(f->st);
	assert_rc(store_schema_of(f->dir, &found), 0);
	assert_int_equal(found, ours + 1);
	snprintf(want, sizeof(want), "schema version is %u, newer than this "
	    "build's %u", ours + 1, ours);
	assert_non_null(strstr(store_open_why(f->dir, STORE_NEWER, buf,
	    sizeof(buf)), want));
	assert_string_equal(store_open_why(f->dir, STORE_CORRUPT, buf,
	    sizeof(buf)), store_strerror(STORE_CORRUPT));

	raw_set(f, "meta", "schema", 6, none, sizeof(none));
	assert_rc(store_open(&f->st, f->dir, NULL), STORE_SCHEMA);
	assert_null(f->st);
	raw_set(f, "meta", "schema", 6, NULL, 0);
	assert_rc(store_schema_of(f->dir, &found), STORE_SCHEMA);

	raw_set(f, "meta", "schema", 6, now, sizeof(now));
	open_store(f, NULL);
	store_close(&f->st);
	assert_rc(store_open(&f->st, f->dir, &ro), 0);
}

/* Every code has a name. */
static void
test_strerror(void **state)
{
	const int	 own[] = { STORE_NOTFOUND, STORE_HELD, STORE_FULL,
			    STORE_CORRUPT, STORE_SCHEMA, STORE_INVAL,
			    STORE_REPAIRED, STORE_NEWER };
	const int	 other[] = { 0, ENOSPC, EIO, ENOENT, EACCES };
	const size_t	 nown = sizeof(own) / sizeof(own[0]);
	const char	*s[sizeof(own) / sizeof(own[0])];

	(void)state;
	for (size_t i = 0; i < nown; i++) {
		s[i] = store_strerror(own[i]);
		if (s[i] == NULL || s[i][0] == '\0')
			fail_msg("store_strerror(%d) is empty", own[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(s[i], s[j]) == 0)
				fail_msg("store_strerror(%d) and (%d) are "
				    "both \"%s\"", own[j], own[i], s[i]);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		const char	*t = store_strerror(other[i]);

		if (t == NULL || t[0] == '\0')
			fail_msg("store_strerror(%d) is empty", other[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbox_remove, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mbox_prefix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mbox_no_counter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custody, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_named, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_transit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_submit_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peer_format1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_epochs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin_seq_raise, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_sig, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strerror, setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
