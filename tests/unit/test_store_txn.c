/*
 * test_store_txn: transactions across every index of the store.
 *
 * What must hold: a read transaction writes nothing anywhere (EROFS from
 * every writer); a reopened store holds, in every index, what was
 * committed and nothing of what was given up; a write that finds the map
 * full says STORE_FULL whichever index it was for, and the store stays
 * as it was and usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

#define DB	"hoso"
#define MAILBOX	"vanthu@bacquang.hagiang"

/*
 * One entry in every index, each made from byte b (so two calls with
 * other bytes write other entries), on record r.
 */
struct everything {
	struct store_record	 r;
	uint64_t		 mseq;		/* its delivery to MAILBOX */
	uint8_t			 id[STORE_ID_BYTES];
	uint8_t			 doc[STORE_DOC_ID_BYTES];
	uint8_t			 curve[32];
	char			 name[32];
	struct store_peer	 peer;
	struct store_cert	 cert;
	struct store_custody	 ev;
	struct store_acl	 acl;
	struct store_rev	 rev;
	struct store_head	 head;
};

static void
everything_fill(struct fixture *f, struct everything *e, uint8_t b)
{
	memset(e, 0, sizeof(*e));
	rec_random(f, &e->r, 64);
	memset(e->id, b, sizeof(e->id));
	memset(e->doc, b, sizeof(e->doc));
	memset(e->curve, b, sizeof(e->curve));
	snprintf(e->name, sizeof(e->name), "node%02x.hagiang", b);
	peer_random(&e->peer);
	snprintf(e->cert.subject, sizeof(e->cert.subject), "%s", e->name);
	snprintf(e->cert.issuer, sizeof(e->cert.issuer), "hagiang");
	memset(e->cert.cert_id, b, sizeof(e->cert.cert_id));
	e->ev.time_ms = b;
	e->ev.event = STORE_CUSTODY_RECEIVED;
	snprintf(e->ev.peer, sizeof(e->ev.peer), "%s", e->name);
	memcpy(e->acl.id, e->id, STORE_ID_BYTES);
	memcpy(e->acl.creation, e->id, STORE_ID_BYTES);
	e->acl.depth = 1;
	snprintf(e->acl.signer, sizeof(e->acl.signer), "%s", e->name);
	memcpy(e->rev.id, e->id, STORE_ID_BYTES);
	e->rev.depth = 1;
	e->rev.flags = STORE_REV_LEAF;
	memcpy(e->head.doc, e->doc, STORE_DOC_ID_BYTES);
	memcpy(e->head.winner, e->id, STORE_ID_BYTES);
	snprintf(e->head.author, sizeof(e->head.author), "%s", e->name);
}

/* Writes e everywhere; want is what every write must return. */
static void
everything_put(store_txn_t *t, struct everything *e, int want)
{
	uint64_t	seq;

	assert_rc(store_put(t, &e->r), want);
	assert_rc(store_mbox_deliver(t, MAILBOX, e->r.id, &e->mseq), want);
	assert_rc(store_peer_put(t, e->name, &e->peer), want);
	assert_rc(store_cert_put(t, e->curve, &e->cert), want);
	assert_rc(store_revoke(t, e->id, e->id), want);
	assert_rc(store_revoke_key(t, e->curve, e->name, e->id), want);
	assert_rc(store_submit_put(t, e->name, e->id, 1), want);
	assert_rc(store_custody_add(t, e->r.id, &e->ev), want);
	assert_rc(store_acl_put(t, DB, &e->acl), want);
	assert_rc(store_rev_put(t, DB, e->doc, &e->rev), want);
	assert_rc(store_head_put(t, DB, &e->head), want);
	assert_rc(store_stub_set(t, DB, e->doc, 1), want);
	assert_rc(store_chunk_put(t, DB, e->id, e->r.id), want);
	assert_rc(store_status_put(t, e->name, e->r.id), want);
	assert_rc(store_origin_seq_next(t, &seq), want);
}

/*
 * Whether e is found in every index (1), as it was written, or in none
 * (0): a mix is a failure.
 */
static void
everything_held(store_txn_t *t, const struct everything *e, int held)
{
	struct everything	 got;
	struct store_mbox_entry	 m;
	char			 db[STORE_MAX_DB + 1] = DB;
	int			 want = held ? 0 : STORE_NOTFOUND;

	memset(&got, 0, sizeof(got));
	assert_rc(store_get(t, e->r.id, &got.r), want);
	assert_rc(store_mbox_next(t, MAILBOX, e->mseq, &m), want);
	assert_rc(store_peer_get(t, e->name, &got.peer), want);
	assert_rc(store_cert_next(t, e->curve, e->name, &got.cert), want);
	assert_int_equal(store_is_revoked(t, e->id), held);
	assert_int_equal(store_is_key_revoked(t, e->curve, e->name), held);
	assert_rc(store_submit_get(t, e->name, got.id), want);
	assert_rc(store_custody_get(t, e->r.id, 0, &got.ev), want);
	assert_rc(store_acl_get(t, DB, e->id, &got.acl), want);
	assert_rc(store_rev_get(t, DB, e->doc, e->id, &got.rev), want);
	assert_rc(store_head_get(t, DB, e->doc, &got.head), want);
	/* The pending stub just before e's, if any, leads to e's. */
	memcpy(got.doc, e->doc, sizeof(got.doc));
	got.doc[STORE_DOC_ID_BYTES - 1]--;
	if (store_stub_next(t, db, got.doc) == 0 && strcmp(db, DB) == 0 &&
	    memcmp(got.doc, e->doc, sizeof(got.doc)) == 0)
		assert_true(held);
	else
		assert_false(held);
	if (!held) {
		assert_rc(store_chunk_get(t, DB, e->id, got.id), want);
		assert_rc(store_status_get(t, e->name, got.id), want);
		return;
	}
	assert_int_equal(got.r.seq, e->r.seq);
	assert_memory_equal(m.id, e->r.id, STORE_ID_BYTES);
	peer_equal(&got.peer, &e->peer);
	assert_memory_equal(got.cert.cert_id, e->cert.cert_id, STORE_ID_BYTES);
	assert_memory_equal(got.id, e->id, STORE_ID_BYTES);
	assert_string_equal(got.ev.peer, e->ev.peer);
	assert_string_equal(got.acl.signer, e->acl.signer);
	assert_int_equal(got.rev.flags, e->rev.flags);
	assert_string_equal(got.head.author, e->head.author);
	assert_rc(store_chunk_get(t, DB, e->id, got.id), 0);
	assert_memory_equal(got.id, e->r.id, STORE_ID_BYTES);
	assert_rc(store_status_get(t, e->name, got.id), 0);
	assert_memory_equal(got.id, e->r.id, STORE_ID_BYTES);
}

/* A read transaction writes nothing, in any index. */
static void
test_read_txn(void **state)
{
	struct fixture		*f = *state;
	struct everything	 e;
	char			 after[STORE_MAX_SUBMIT_KEY + 1] = "";
	uint8_t			 epoch[STORE_EPOCH_BYTES];

	everything_fill(f, &e, 0x10);
	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	everything_put(f->txn, &e, EROFS);
	assert_rc(store_mbox_mark_read(f->txn, MAILBOX, 1), EROFS);
	assert_rc(store_mbox_remove(f->txn, MAILBOX, 1), EROFS);
	assert_rc(store_purge(f->txn, e.r.id), EROFS);
	assert_rc(store_rev_del(f->txn, DB, e.doc, e.id), EROFS);
	assert_rc(store_stub_set(f->txn, DB, e.doc, 0), EROFS);
	assert_rc(store_submit_expire(f->txn, after, 10, 10), EROFS);
	assert_rc(store_cert_reset(f->txn), EROFS);
	assert_rc(store_acl_reset(f->txn), EROFS);
	assert_rc(store_origin_seq_raise(f->txn, 10), EROFS);
	assert_rc(store_epoch_begin(f->txn, epoch), EROFS);
	everything_held(f->txn, &e, 0);
	store_txn_abort(&f->txn);
}

/*
 * After a reopen every index holds what was committed, nothing of what
 * was given up, and the origin sequence goes on from the committed one.
 */
static void
test_commit_abort(void **state)
{
	struct fixture		*f = *state;
	struct everything	 kept, lost;
	uint64_t		 seq;

	everything_fill(f, &kept, 0x20);
	everything_fill(f, &lost, 0x21);
	open_store(f, NULL);
	begin(f, 0);
	everything_put(f->txn, &kept, 0);
	commit(f);
	begin(f, 0);
	everything_put(f->txn, &lost, 0);
	everything_held(f->txn, &lost, 1);
	store_txn_abort(&f->txn);

	reopen_store(f, NULL);
	begin(f, 0);
	everything_held(f->txn, &kept, 1);
	everything_held(f->txn, &lost, 0);
	assert_rc(store_origin_seq_next(f->txn, &seq), 0);
	assert_int_equal(seq, 2);
	store_txn_abort(&f->txn);
}

/*
 * Index writes that run out of map say STORE_FULL, whichever index they
 * are for; given up, they leave the store as it was, and usable.
 */
static void
test_index_full(void **state)
{
	struct fixture		*f = *state;
	const struct store_opts	 opts = { .map_size = 1u << 20 };
	struct everything	 before, after;
	struct store_custody	 ev = { .event = STORE_CUSTODY_SENT };
	struct store_head	 h;
	struct store_acl	 a;
	uint8_t			 id[STORE_ID_BYTES];
	char			 name[STORE_MAX_PEER + 1], num[16];
	unsigned		 i, which[4] = { 0 };
	int			 rc = 0;

	everything_fill(f, &before, 0x30);
	everything_fill(f, &after, 0x31);
	open_store(f, &opts);
	begin(f, 0);
	everything_put(f->txn, &before, 0);
	commit(f);

	/* Long names, so each entry costs much; four indexes in turn. */
	memset(ev.peer, 'p', STORE_MAX_PEER);
	memset(&h, 0, sizeof(h));
	memset(h.author, 'a', STORE_MAX_PEER);
	memset(&a, 0, sizeof(a));
	a.depth = 1;
	memset(a.signer, 's', STORE_MAX_PEER);
	memset(name, 'n', STORE_MAX_PEER);
	name[STORE_MAX_PEER] = '\0';
	begin(f, 0);
	for (i = 0; i < 100000 && rc == 0; i++) {
		memset(id, 0, sizeof(id));
		memcpy(id, &i, sizeof(i));
		switch (i % 4) {
		case 0:
			ev.time_ms = i;
			rc = store_custody_add(f->txn, id, &ev);
			break;
		case 1:
			memcpy(h.doc, id, sizeof(h.doc));
			rc = store_head_put(f->txn, DB, &h);
			break;
		case 2:
			memcpy(a.id, id, sizeof(a.id));
			rc = store_acl_put(f->txn, DB, &a);
			break;
		default:
			memcpy(name, num, (size_t)snprintf(num, sizeof(num),
			    "%u", i));
			rc = store_status_put(f->txn, name, id);
			break;
		}
		which[i % 4]++;
	}
	assert_rc(rc, STORE_FULL);
	store_txn_abort(&f->txn);
	for (i = 0; i < 4; i++)
		assert_true(which[i] > 10);	/* every index had its turn */

	begin(f, 0);
	everything_held(f->txn, &before, 1);
	everything_put(f->txn, &after, 0);
	commit(f);
	reopen_store(f, &opts);
	begin(f, STORE_RDONLY);
	everything_held(f->txn, &before, 1);
	everything_held(f->txn, &after, 1);
	/* Nothing of the transaction that ran out. */
	memset(id, 0, sizeof(id));
	assert_rc(store_custody_get(f->txn, id, 0, &ev), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_txn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_index_full, setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
