/*
 * test_store_doc: the index of databases and documents (store/store_doc.c):
 * ACLs, databases, revisions, heads, pending delete stubs and attachment
 * chunks.
 *
 * What must hold: every value comes back with all its fields; a listing
 * keeps to its database (and document), whatever names sort beside it,
 * goes in key order and resumes after the entry it was given; a name or
 * field out of bounds is STORE_INVAL; a value of an older or damaged
 * shape reads as STORE_CORRUPT, never as something else; an ACL index of
 * an older store is noticed, and a reset empties it alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

#define DB	"hoso"

/* An ACL entry whose ids are all byte b, at depth d, signed by signer. */
static void
acl_fill(struct store_acl *a, uint8_t b, uint32_t depth, uint32_t rank,
    const char *signer)
{
	memset(a, 0, sizeof(*a));
	memset(a->id, b, sizeof(a->id));
	memset(a->creation, b ^ 0xf0, sizeof(a->creation));
	if (depth > 1)
		memset(a->previous, b ^ 0x0f, sizeof(a->previous));
	a->depth = depth;
	a->rank = rank;
	snprintf(a->signer, sizeof(a->signer), "%s", signer);
}

static void
acl_equal(const struct store_acl *a, const struct store_acl *b)
{
	assert_memory_equal(a->id, b->id, STORE_ID_BYTES);
	assert_memory_equal(a->creation, b->creation, STORE_ID_BYTES);
	assert_memory_equal(a->previous, b->previous, STORE_ID_BYTES);
	assert_int_equal(a->depth, b->depth);
	assert_int_equal(a->rank, b->rank);
	assert_string_equal(a->signer, b->signer);
}

static void
doc_fill(uint8_t doc[STORE_DOC_ID_BYTES], uint8_t b)
{
	memset(doc, 0x5d, STORE_DOC_ID_BYTES);
	doc[STORE_DOC_ID_BYTES - 1] = b;
}

/* An ACL comes back with every field; the longest signer fits. */
static void
test_acl_round_trip(void **state)
{
	struct fixture		*f = *state;
	struct store_acl	 a, b, got;
	char			 longest[STORE_MAX_PEER + 1];

	memset(longest, 'x', STORE_MAX_PEER);
	longest[STORE_MAX_PEER] = '\0';
	acl_fill(&a, 0x11, 1, 0, "tw");
	acl_fill(&b, 0x22, 7, 3, longest);
	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_acl_get(f->txn, DB, a.id, &got), STORE_NOTFOUND);
	assert_rc(store_acl_put(f->txn, DB, &a), 0);
	assert_rc(store_acl_put(f->txn, DB, &b), 0);
	commit(f);

	reopen_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_acl_get(f->txn, DB, a.id, &got), 0);
	acl_equal(&got, &a);
	assert_rc(store_acl_get(f->txn, DB, b.id, &got), 0);
	acl_equal(&got, &b);
	/* The same id in another database is another entry. */
	assert_rc(store_acl_get(f->txn, "hoso2", a.id, &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);

	/* A put of the same id replaces the entry. */
	b.rank = 9;
	snprintf(b.signer, sizeof(b.signer), "bacquang.hagiang");
	begin(f, 0);
	assert_rc(store_acl_put(f->txn, DB, &b), 0);
	assert_rc(store_acl_get(f->txn, DB, b.id, &got), 0);
	acl_equal(&got, &b);
	commit(f);
}

/* Database names and signers out of bounds are refused. */
static void
test_acl_bad_args(void **state)
{
	struct fixture		*f = *state;
	struct store_acl	 a, got;
	char			 longdb[STORE_MAX_DB + 2];
	char			 maxdb[STORE_MAX_DB + 1];
	char			 rest[STORE_MAX_DB + 1];

	memset(longdb, 'd', sizeof(longdb) - 1);
	longdb[sizeof(longdb) - 1] = '\0';
	memset(maxdb, 'd', sizeof(maxdb) - 1);
	maxdb[sizeof(maxdb) - 1] = '\0';
	acl_fill(&a, 0x11, 1, 1, "hagiang");
	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_acl_put(f->txn, "", &a), STORE_INVAL);
	assert_rc(store_acl_put(f->txn, longdb, &a), STORE_INVAL);
	assert_rc(store_acl_get(f->txn, longdb, a.id, &got), STORE_INVAL);
	assert_rc(store_acl_next(f->txn, "", NULL, &got), STORE_INVAL);
	assert_rc(store_db_next(f->txn, longdb, rest), STORE_INVAL);
	a.signer[0] = '\0';
	assert_rc(store_acl_put(f->txn, DB, &a), STORE_INVAL);
	memset(a.signer, 's', sizeof(a.signer));	/* no NUL */
	assert_rc(store_acl_put(f->txn, DB, &a), STORE_INVAL);
	store_txn_abort(&f->txn);

	/* Exactly STORE_MAX_DB bytes is a name. */
	acl_fill(&a, 0x11, 1, 1, "hagiang");
	begin(f, 0);
	assert_rc(store_acl_put(f->txn, maxdb, &a), 0);
	commit(f);
	begin(f, STORE_RDONLY);
	assert_rc(store_db_next(f->txn, "", rest), 0);
	assert_string_equal(rest, maxdb);
	assert_rc(store_acl_next(f->txn, DB, NULL, &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/*
 * A database's ACLs are listed in id order, each once, resuming after
 * the id given, and never one of a database whose name starts alike.
 */
static void
test_acl_next(void **state)
{
	struct fixture		*f = *state;
	const uint8_t		 ids[5] = { 0x90, 0x10, 0xff, 0x00, 0x44 };
	const uint8_t		 sorted[5] = { 0x00, 0x10, 0x44, 0x90, 0xff };
	struct store_acl	 a, got;
	uint8_t			 after[STORE_ID_BYTES];
	size_t			 n;
	int			 rc;

	open_store(f, NULL);
	begin(f, 0);
	for (size_t i = 0; i < 5; i++) {
		acl_fill(&a, ids[i], 1 + (uint32_t)i, (uint32_t)i, "hagiang");
		assert_rc(store_acl_put(f->txn, DB, &a), 0);
	}
	/* Neighbours: a longer name, and one that sorts just before. */
	acl_fill(&a, 0x01, 1, 1, "hagiang");
	assert_rc(store_acl_put(f->txn, DB ".cu", &a), 0);
	assert_rc(store_acl_put(f->txn, DB "o", &a), 0);
	assert_rc(store_acl_put(f->txn, "hos", &a), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	n = 0;
	for (rc = store_acl_next(f->txn, DB, NULL, &got); rc == 0;
	    rc = store_acl_next(f->txn, DB, got.id, &got)) {
		assert_true(n < 5);
		memset(after, sorted[n], sizeof(after));
		assert_memory_equal(got.id, after, STORE_ID_BYTES);
		acl_fill(&a, sorted[n], 0, 0, "");
		assert_memory_equal(got.creation, a.creation, STORE_ID_BYTES);
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 5);

	/* After an id that is not held: the next one above it. */
	memset(after, 0x20, sizeof(after));
	assert_rc(store_acl_next(f->txn, DB, after, &got), 0);
	memset(after, 0x44, sizeof(after));
	assert_memory_equal(got.id, after, STORE_ID_BYTES);
	memset(after, 0xff, sizeof(after));
	assert_rc(store_acl_next(f->txn, DB, after, &got), STORE_NOTFOUND);

	/* The neighbours hold one each. */
	assert_rc(store_acl_next(f->txn, "hos", NULL, &got), 0);
	assert_rc(store_acl_next(f->txn, "hos", got.id, &got), STORE_NOTFOUND);
	assert_rc(store_acl_next(f->txn, DB ".cu", NULL, &got), 0);
	assert_rc(store_acl_next(f->txn, DB ".cu", got.id, &got),
	    STORE_NOTFOUND);
	assert_rc(store_acl_next(f->txn, "ho", NULL, &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/* Every database with an ACL, once each, in name order. */
static void
test_db_next(void **state)
{
	struct fixture		*f = *state;
	const char		*put[] = { "z", DB ".2024", "a", DB, DB "-cu",
				    "a0" };
	const char		*want[] = { "a", "a0", DB, DB "-cu",
				    DB ".2024", "z" };
	struct store_acl	 a;
	char			 name[STORE_MAX_DB + 1];
	size_t			 n = 0;
	int			 rc;

	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_db_next(f->txn, "", name), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	begin(f, 0);
	for (size_t i = 0; i < 6; i++)
		for (uint8_t b = 1; b <= 3; b++) {	/* three ACLs each */
			acl_fill(&a, (uint8_t)(b * 0x40), b, 1, "hagiang");
			assert_rc(store_acl_put(f->txn, put[i], &a), 0);
		}
	commit(f);

	begin(f, STORE_RDONLY);
	name[0] = '\0';
	while ((rc = store_db_next(f->txn, name, name)) == 0) {
		assert_true(n < 6);
		assert_string_equal(name, want[n]);
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 6);
	/* After a name not held: the next held above it. */
	assert_rc(store_db_next(f->txn, DB "-a", name), 0);
	assert_string_equal(name, DB "-cu");
	assert_rc(store_db_next(f->txn, "b", name), 0);
	assert_string_equal(name, DB);
	store_txn_abort(&f->txn);
}

/*
 * A new store's ACL index is of the current layout; one without the mark
 * (an older store) is not, and a reset empties the ACLs alone and marks
 * it. An entry of the older format reads as corrupt, not as an ACL.
 */
static void
test_acl_index_layout(void **state)
{
	struct fixture		*f = *state;
	struct store_acl	 a, got;
	struct store_head	 h, hgot;
	uint8_t			 key[sizeof(DB) + STORE_ID_BYTES];
	uint8_t			 old[1 + STORE_ID_BYTES + 4];
	char			 name[STORE_MAX_DB + 1];

	acl_fill(&a, 0x33, 1, 1, "hagiang");
	memset(&h, 0, sizeof(h));
	doc_fill(h.doc, 1);
	memset(h.winner, 0x77, sizeof(h.winner));
	h.depth = 1;
	open_store(f, NULL);
	begin(f, 0);
	assert_int_equal(store_acl_index_current(f->txn), 1);
	assert_rc(store_acl_put(f->txn, DB, &a), 0);
	assert_rc(store_head_put(f->txn, DB, &h), 0);
	commit(f);
	store_close(&f->st);

	/* Format 1: format, creation, le32 depth; no previous, no signer. */
	memcpy(key, DB, sizeof(DB));
	memset(key + sizeof(DB), 0x44, STORE_ID_BYTES);
	memset(old, 0, sizeof(old));
	old[0] = 1;
	raw_set(f, "db_acls", key, sizeof(key), old, sizeof(old));
	raw_set(f, "meta", "acl_index", 9, NULL, 0);

	open_store(f, NULL);
	begin(f, 0);
	assert_int_equal(store_acl_index_current(f->txn), 0);
	assert_rc(store_acl_get(f->txn, DB, key + sizeof(DB), &got),
	    STORE_CORRUPT);
	assert_rc(store_acl_get(f->txn, DB, a.id, &got), 0);
	assert_rc(store_acl_next(f->txn, DB, a.id, &got), STORE_CORRUPT);
	assert_rc(store_acl_reset(f->txn), 0);
	assert_int_equal(store_acl_index_current(f->txn), 1);
	assert_rc(store_acl_get(f->txn, DB, a.id, &got), STORE_NOTFOUND);
	assert_rc(store_db_next(f->txn, "", name), STORE_NOTFOUND);
	/* The documents stay: only the ACLs are rebuilt. */
	assert_rc(store_head_get(f->txn, DB, h.doc, &hgot), 0);
	assert_memory_equal(hgot.winner, h.winner, STORE_ID_BYTES);
	commit(f);
	reopen_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_int_equal(store_acl_index_current(f->txn), 1);
	store_txn_abort(&f->txn);
}

/* Revisions: every field back, in id order per document, deletable. */
static void
test_revs(void **state)
{
	struct fixture		*f = *state;
	struct store_rev	 r, got;
	uint8_t			 doc[STORE_DOC_ID_BYTES];
	uint8_t			 next[STORE_DOC_ID_BYTES];
	uint8_t			 want[STORE_ID_BYTES];
	const uint8_t		 ids[4] = { 0xc0, 0x0c, 0x80, 0x08 };
	const uint8_t		 sorted[4] = { 0x08, 0x0c, 0x80, 0xc0 };
	size_t			 n;
	int			 rc;

	doc_fill(doc, 0x10);
	doc_fill(next, 0x11);
	open_store(f, NULL);
	begin(f, 0);
	for (size_t i = 0; i < 4; i++) {
		memset(r.id, ids[i], sizeof(r.id));
		r.depth = 100000 + (uint32_t)i;
		r.flags = i == 0 ? STORE_REV_LEAF | STORE_REV_DELETED :
		    i == 1 ? STORE_REV_LEAF : 0;
		assert_rc(store_rev_put(f->txn, DB, doc, &r), 0);
	}
	/* Neighbours: the next document, the same one in another db. */
	memset(r.id, 0x01, sizeof(r.id));
	r.flags = STORE_REV_LEAF;
	assert_rc(store_rev_put(f->txn, DB, next, &r), 0);
	assert_rc(store_rev_put(f->txn, DB "o", doc, &r), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	memset(want, 0xc0, sizeof(want));
	assert_rc(store_rev_get(f->txn, DB, doc, want, &got), 0);
	assert_memory_equal(got.id, want, STORE_ID_BYTES);
	assert_int_equal(got.depth, 100000);
	assert_int_equal(got.flags, STORE_REV_LEAF | STORE_REV_DELETED);
	memset(want, 0x01, sizeof(want));
	assert_rc(store_rev_get(f->txn, DB, doc, want, &got), STORE_NOTFOUND);
	n = 0;
	for (rc = store_rev_next(f->txn, DB, doc, NULL, &got); rc == 0;
	    rc = store_rev_next(f->txn, DB, doc, got.id, &got)) {
		assert_true(n < 4);
		memset(want, sorted[n], sizeof(want));
		assert_memory_equal(got.id, want, STORE_ID_BYTES);
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 4);
	store_txn_abort(&f->txn);

	/* A put replaces (a leaf is named as a parent); a delete forgets. */
	begin(f, 0);
	memset(r.id, 0x0c, sizeof(r.id));
	r.depth = 5;
	r.flags = 0;
	assert_rc(store_rev_put(f->txn, DB, doc, &r), 0);
	assert_rc(store_rev_get(f->txn, DB, doc, r.id, &got), 0);
	assert_int_equal(got.flags, 0);
	assert_int_equal(got.depth, 5);
	memset(want, 0x80, sizeof(want));
	assert_rc(store_rev_del(f->txn, DB, doc, want), 0);
	assert_rc(store_rev_del(f->txn, DB, doc, want), STORE_NOTFOUND);
	assert_rc(store_rev_get(f->txn, DB, doc, want, &got), STORE_NOTFOUND);
	memset(want, 0x0c, sizeof(want));
	assert_rc(store_rev_next(f->txn, DB, doc, want, &got), 0);
	memset(want, 0xc0, sizeof(want));
	assert_memory_equal(got.id, want, STORE_ID_BYTES);
	assert_rc(store_rev_next(f->txn, DB, doc, want, &got), STORE_NOTFOUND);
	assert_rc(store_rev_next(f->txn, DB, next, NULL, &got), 0);
	assert_rc(store_rev_next(f->txn, DB, next, got.id, &got),
	    STORE_NOTFOUND);
	commit(f);
	begin(f, 0);
	assert_rc(store_rev_put(f->txn, "", doc, &r), STORE_INVAL);
	assert_rc(store_rev_del(f->txn, "", doc, r.id), STORE_INVAL);
	assert_rc(store_rev_get(f->txn, "", doc, r.id, &got), STORE_INVAL);
	store_txn_abort(&f->txn);
}

static void
head_equal(const struct store_head *a, const struct store_head *b)
{
	assert_memory_equal(a->doc, b->doc, STORE_DOC_ID_BYTES);
	assert_memory_equal(a->winner, b->winner, STORE_ID_BYTES);
	assert_int_equal(a->depth, b->depth);
	assert_int_equal(a->conflicts, b->conflicts);
	assert_int_equal(a->flags, b->flags);
	assert_string_equal(a->author, b->author);
}

/* Heads: every field back, in document order per database. */
static void
test_heads(void **state)
{
	struct fixture		*f = *state;
	struct store_head	 h[3], got;
	const uint8_t		 docs[3] = { 0x30, 0x10, 0x20 };
	size_t			 n;
	int			 rc;

	for (size_t i = 0; i < 3; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		doc_fill(h[i].doc, docs[i]);
		randombytes_buf(h[i].winner, sizeof(h[i].winner));
		h[i].depth = 40 + (uint32_t)i;
		h[i].conflicts = 7 * (uint32_t)i;
		h[i].flags = i == 0 ? STORE_HEAD_PROVEN :
		    STORE_HEAD_DELETED | STORE_HEAD_PURGED;
	}
	snprintf(h[0].author, sizeof(h[0].author), "bacquang.hagiang");
	memset(h[1].author, 'a', STORE_MAX_PEER);	/* the longest */
	h[1].author[STORE_MAX_PEER] = '\0';
	/* h[2]: no author (a document from before authors were kept). */

	open_store(f, NULL);
	begin(f, 0);
	for (size_t i = 0; i < 3; i++)
		assert_rc(store_head_put(f->txn, DB, &h[i]), 0);
	assert_rc(store_head_put(f->txn, DB "o", &h[0]), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	for (size_t i = 0; i < 3; i++) {
		assert_rc(store_head_get(f->txn, DB, h[i].doc, &got), 0);
		head_equal(&got, &h[i]);
	}
	n = 0;
	for (rc = store_head_next(f->txn, DB, NULL, &got); rc == 0;
	    rc = store_head_next(f->txn, DB, got.doc, &got)) {
		assert_true(n < 3);
		assert_int_equal(got.doc[STORE_DOC_ID_BYTES - 1],
		    0x10 * (n + 1));
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 3);
	store_txn_abort(&f->txn);

	/* A put replaces the head; an author too long is refused. */
	h[0].conflicts = 0;
	h[0].flags |= STORE_HEAD_DELETED;
	snprintf(h[0].author, sizeof(h[0].author), "hagiang");
	begin(f, 0);
	assert_rc(store_head_put(f->txn, DB, &h[0]), 0);
	assert_rc(store_head_get(f->txn, DB, h[0].doc, &got), 0);
	head_equal(&got, &h[0]);
	commit(f);
	begin(f, 0);
	memset(got.author, 'a', sizeof(got.author));	/* no NUL */
	assert_rc(store_head_put(f->txn, DB, &got), STORE_INVAL);
	assert_rc(store_head_get(f->txn, "", h[0].doc, &got), STORE_INVAL);
	assert_rc(store_head_next(f->txn, "", NULL, &got), STORE_INVAL);
	store_txn_abort(&f->txn);
}

/*
 * Pending delete stubs across databases, in (database, document) order;
 * clearing one not pending is no error.
 */
static void
test_stubs(void **state)
{
	struct fixture	*f = *state;
	struct {
		const char	*db;
		uint8_t		 doc;
	} const		 set[] = { { "b", 2 }, { "a.b", 0 }, { "a", 3 },
			    { "b", 1 }, { "a", 1 } },
			 want[] = { { "a", 1 }, { "a.b", 0 }, { "b", 1 },
			    { "b", 2 } };
	uint8_t		 doc[STORE_DOC_ID_BYTES];
	char		 db[STORE_MAX_DB + 1];
	size_t		 n = 0;
	int		 rc;

	open_store(f, NULL);
	begin(f, 0);
	db[0] = '\0';
	assert_rc(store_stub_next(f->txn, db, doc), STORE_NOTFOUND);
	for (size_t i = 0; i < 5; i++) {
		doc_fill(doc, set[i].doc);
		assert_rc(store_stub_set(f->txn, set[i].db, doc, 1), 0);
	}
	doc_fill(doc, 3);
	assert_rc(store_stub_set(f->txn, "a", doc, 0), 0);
	assert_rc(store_stub_set(f->txn, "a", doc, 0), 0);
	assert_rc(store_stub_set(f->txn, "c", doc, 0), 0);
	commit(f);

	begin(f, STORE_RDONLY);
	db[0] = '\0';
	while ((rc = store_stub_next(f->txn, db, doc)) == 0) {
		assert_true(n < 4);
		assert_string_equal(db, want[n].db);
		assert_int_equal(doc[STORE_DOC_ID_BYTES - 1], want[n].doc);
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 4);
	/* Setting one pending twice keeps one entry. */
	store_txn_abort(&f->txn);
	begin(f, 0);
	doc_fill(doc, 1);
	assert_rc(store_stub_set(f->txn, "b", doc, 1), 0);
	snprintf(db, sizeof(db), "a.b");
	doc_fill(doc, 0);
	assert_rc(store_stub_next(f->txn, db, doc), 0);
	assert_string_equal(db, "b");
	assert_int_equal(doc[STORE_DOC_ID_BYTES - 1], 1);
	assert_rc(store_stub_next(f->txn, db, doc), 0);
	assert_int_equal(doc[STORE_DOC_ID_BYTES - 1], 2);
	assert_rc(store_stub_next(f->txn, db, doc), STORE_NOTFOUND);
	commit(f);
	begin(f, 0);
	assert_rc(store_stub_set(f->txn, "", doc, 1), STORE_INVAL);
	assert_rc(store_stub_set(f->txn, "", doc, 0), STORE_INVAL);
	store_txn_abort(&f->txn);
}

/* Chunks: the first record indexed for a hash stays, per database. */
static void
test_chunks(void **state)
{
	struct fixture	*f = *state;
	uint8_t		 hash[STORE_ID_BYTES], other[STORE_ID_BYTES];
	uint8_t		 a[STORE_ID_BYTES], b[STORE_ID_BYTES];
	uint8_t		 got[STORE_ID_BYTES];

	memset(hash, 0x48, sizeof(hash));
	memset(other, 0x49, sizeof(other));
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	open_store(f, NULL);
	begin(f, 0);
	assert_rc(store_chunk_get(f->txn, DB, hash, got), STORE_NOTFOUND);
	assert_rc(store_chunk_put(f->txn, DB, hash, a), 0);
	assert_rc(store_chunk_put(f->txn, DB, hash, b), STORE_HELD);
	assert_rc(store_chunk_put(f->txn, DB "o", hash, b), 0);
	commit(f);
	begin(f, 0);
	assert_rc(store_chunk_put(f->txn, "", hash, b), STORE_INVAL);
	assert_rc(store_chunk_get(f->txn, "", hash, got), STORE_INVAL);
	store_txn_abort(&f->txn);

	begin(f, STORE_RDONLY);
	assert_rc(store_chunk_get(f->txn, DB, hash, got), 0);
	assert_memory_equal(got, a, sizeof(a));
	assert_rc(store_chunk_get(f->txn, DB "o", hash, got), 0);
	assert_memory_equal(got, b, sizeof(b));
	assert_rc(store_chunk_get(f->txn, DB, other, got), STORE_NOTFOUND);
	assert_rc(store_chunk_get(f->txn, "hos", hash, got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/* Values of the wrong size or format read as corrupt. */
static void
test_doc_corrupt(void **state)
{
	struct fixture		*f = *state;
	struct store_rev	 r;
	struct store_head	 h;
	uint8_t			 doc[STORE_DOC_ID_BYTES], id[STORE_ID_BYTES];
	uint8_t			 key[sizeof(DB) + STORE_DOC_ID_BYTES +
				    STORE_ID_BYTES];
	uint8_t			 val[64];

	doc_fill(doc, 1);
	memset(id, 0x21, sizeof(id));
	memcpy(key, DB, sizeof(DB));
	memcpy(key + sizeof(DB), doc, sizeof(doc));
	memcpy(key + sizeof(DB) + sizeof(doc), id, sizeof(id));
	memset(val, 0, sizeof(val));
	open_store(f, NULL);
	store_close(&f->st);
	val[0] = 2;			/* an unknown format */
	raw_set(f, "doc_revs", key, sizeof(key), val, 6);
	val[0] = 1;			/* a head too short */
	raw_set(f, "doc_heads", key, sizeof(DB) + sizeof(doc), val, 10);
	/* A chunk entry that is not an id. */
	raw_set(f, "doc_chunks", key, sizeof(DB) + STORE_ID_BYTES, val, 31);
	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_rev_get(f->txn, DB, doc, id, &r), STORE_CORRUPT);
	assert_rc(store_rev_next(f->txn, DB, doc, NULL, &r), STORE_CORRUPT);
	assert_rc(store_head_get(f->txn, DB, doc, &h), STORE_CORRUPT);
	assert_rc(store_head_next(f->txn, DB, NULL, &h), STORE_CORRUPT);
	assert_rc(store_chunk_get(f->txn, DB, key + sizeof(DB), id),
	    STORE_CORRUPT);
	store_txn_abort(&f->txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acl_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_acl_bad_args, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_acl_next, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_db_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_index_layout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_revs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stubs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doc_corrupt, setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
