/*
 * store_fixture: what the store's unit tests share (test_store*.c,
 * test_doc.c), in a header so that each test stays one file.
 *
 * Each test gets a fresh mkdtemp directory under /tmp and opens its own
 * store there; teardown aborts any open transaction, closes the stores and
 * removes the directory, and fails the test if anything is left behind.
 * Records are random bodies with id = BLAKE2b-256(body), as the node makes
 * them, and a random 64-byte signature (the store does not verify it).
 * Include it after cmocka.h.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "store.h"

/* Memory a test hands out, freed by teardown even when the test fails. */
struct alloc {
	struct alloc	*next;
	unsigned char	 data[];
};

struct fixture {
	char		 dir[64];
	store_t		*st;
	store_t		*st2;		/* a second store, where a test needs one */
	store_txn_t	*txn;		/* aborted by teardown if left open */
	struct alloc	*allocs;
};

/* Compares two return codes and names both on a mismatch. */
#define assert_rc(expr, want) do {					\
	int	rc_ = (expr), want_ = (want);				\
	if (rc_ != want_)						\
		fail_msg("%s: got %d (%s), want %d (%s)", #expr,	\
		    rc_, store_strerror(rc_), want_,			\
		    store_strerror(want_));				\
} while (0)

/* Fails unless expr returns an error (non-zero), and it is not STORE_HELD. */
#define assert_fails(expr) do {						\
	int	rc_ = (expr);						\
	if (rc_ == 0 || rc_ == STORE_HELD)				\
		fail_msg("%s: got %d (%s), want an error", #expr,	\
		    rc_, store_strerror(rc_));				\
} while (0)

static inline void *
talloc(struct fixture *f, size_t n)
{
	struct alloc	*a;

	a = calloc(1, sizeof(*a) + n);
	assert_non_null(a);
	a->next = f->allocs;
	f->allocs = a;
	return a->data;
}

static inline int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) == -1) {
		print_error("remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static inline int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		print_error("mkdtemp: %s\n", strerror(errno));
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static inline int
teardown(void **state)
{
	struct fixture	*f = *state;
	struct alloc	*a;
	struct stat	 sb;
	int		 rc = 0;

	store_txn_abort(&f->txn);
	store_close(&f->st);
	store_close(&f->st2);
	if (nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		print_error("cannot remove %s\n", f->dir);
		rc = -1;
	} else if (stat(f->dir, &sb) == 0 || errno != ENOENT) {
		print_error("%s is left behind\n", f->dir);
		rc = -1;
	}
	while ((a = f->allocs) != NULL) {
		f->allocs = a->next;
		free(a);
	}
	free(f);
	return rc;
}

/* A path inside the test's directory, owned by the fixture. */
static inline char *
tpath(struct fixture *f, const char *name)
{
	size_t	 n = strlen(f->dir) + 1 + strlen(name) + 1;
	char	*p = talloc(f, n);

	snprintf(p, n, "%s/%s", f->dir, name);
	return p;
}

static inline void
open_store(struct fixture *f, const struct store_opts *opts)
{
	assert_null(f->st);
	assert_rc(store_open(&f->st, f->dir, opts), 0);
	assert_non_null(f->st);
}

static inline void
reopen_store(struct fixture *f, const struct store_opts *opts)
{
	store_close(&f->st);
	assert_null(f->st);
	open_store(f, opts);
}

static inline void
begin(struct fixture *f, unsigned flags)
{
	assert_null(f->txn);
	assert_rc(store_txn_begin(f->st, flags, &f->txn), 0);
	assert_non_null(f->txn);
}

static inline void
commit(struct fixture *f)
{
	assert_rc(store_txn_commit(&f->txn), 0);
	assert_null(f->txn);
}

static inline void
rec_set(struct store_record *r, const uint8_t *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->body = body;
	r->body_len = len;
	crypto_generichash(r->id, sizeof(r->id), body, len, NULL, 0);
	randombytes_buf(r->sig, sizeof(r->sig));
}

/* A record with a random body of len bytes, owned by the fixture. */
static inline void
rec_random(struct fixture *f, struct store_record *r, size_t len)
{
	uint8_t	*body = talloc(f, len);

	randombytes_buf(body, len);
	rec_set(r, body, len);
}

static inline void
recs_random(struct fixture *f, struct store_record *r, size_t n, size_t len)
{
	for (size_t i = 0; i < n; i++)
		rec_random(f, &r[i], len);
}

static inline void
put_batch(struct fixture *f, struct store_record *recs, size_t n,
    uint8_t *held)
{
	assert_rc(store_put_batch(f->st, recs, n, held), 0);
}

/* Reads want->id in its own transaction and compares all fields. */
static inline void
check_get(struct fixture *f, const struct store_record *want)
{
	struct store_record	 got;

	begin(f, STORE_RDONLY);
	memset(&got, 0, sizeof(got));
	assert_rc(store_get(f->txn, want->id, &got), 0);
	assert_memory_equal(got.id, want->id, STORE_ID_BYTES);
	assert_int_equal(got.body_len, want->body_len);
	assert_non_null(got.body);
	assert_memory_equal(got.body, want->body, want->body_len);
	assert_memory_equal(got.sig, want->sig, STORE_SIG_BYTES);
	assert_int_equal(got.seq, want->seq);
	store_txn_abort(&f->txn);
}

static inline void
check_absent(struct fixture *f, const uint8_t id[STORE_ID_BYTES])
{
	struct store_record	 got;

	begin(f, STORE_RDONLY);
	assert_rc(store_get(f->txn, id, &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

static inline void
get_stat(struct fixture *f, struct store_stat *s)
{
	memset(s, 0, sizeof(*s));
	assert_rc(store_stat(f->st, s), 0);
}

static inline void
peer_equal(const struct store_peer *a, const struct store_peer *b)
{
	assert_memory_equal(a->instance, b->instance, STORE_INSTANCE_BYTES);
	for (int i = 0; i < STORE_LANES; i++) {
		assert_int_equal(a->acked[i], b->acked[i]);
		assert_int_equal(a->received[i], b->received[i]);
	}
	assert_int_equal(a->last_contact_ms, b->last_contact_ms);
	assert_int_equal(a->last_error, b->last_error);
	assert_int_equal(a->since_ms, b->since_ms);
	assert_memory_equal(a->received_epoch, b->received_epoch,
	    sizeof(a->received_epoch));
}

static inline void
peer_random(struct store_peer *p)
{
	memset(p, 0, sizeof(*p));
	randombytes_buf(p->instance, sizeof(p->instance));
	for (int i = 0; i < STORE_LANES; i++) {
		p->acked[i] = randombytes_uniform(1000000) + 1;
		p->received[i] = ((uint64_t)1 << 40) + randombytes_uniform(1000);
	}
	p->last_contact_ms = UINT64_C(1700000000000) + randombytes_uniform(1000);
	p->last_error = -(int32_t)randombytes_uniform(100) - 1;
	p->since_ms = UINT64_C(1600000000000) + randombytes_uniform(1000);
	randombytes_buf(p->received_epoch, sizeof(p->received_epoch));
}

/*
 * Writes (val not NULL) or deletes (val NULL) one entry of sub-database
 * name straight with LMDB, as an older release or damage would leave it;
 * the store must be closed.
 */
static inline void
raw_set(struct fixture *f, const char *name, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k = { klen, (void *)(uintptr_t)key };
	MDB_val	 v = { vlen, (void *)(uintptr_t)val };

	assert_null(f->st);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	if (val != NULL)
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	else
		assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

#endif
