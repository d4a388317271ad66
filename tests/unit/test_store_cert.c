/*
 * test_store_cert: the certificate index and revocations
 * (store/store_cert.c); test_store.c's test_cert_index has the basics.
 *
 * What must hold: listings go in (CURVE key, subject, id) order with every
 * field, resume after the entry they were given (or, for one not held,
 * at the next above it) and keep to their key and subject; a certificate
 * revoked by id and a key revoked by one revoker are told apart from
 * every other; a reset of an older index empties the certificates but
 * keeps the revocations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

#define PROV	"hagiang"
#define DIST	"bacquang.hagiang"

/* A certificate of subject whose key, id and issuer key are bytes k, i. */
static void
cert_fill(struct store_cert *c, const char *subject, uint8_t k, uint8_t i)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->subject, sizeof(c->subject), "%s", subject);
	snprintf(c->issuer, sizeof(c->issuer), "issuer-%u", i);
	memset(c->key, k, sizeof(c->key));
	memset(c->cert_id, i, sizeof(c->cert_id));
	memset(c->issuer_key, k ^ i, sizeof(c->issuer_key));
	c->not_before_ms = UINT64_C(1700000000000) + i;
	c->not_after_ms = UINT64_MAX - i;
}

static void
cert_equal(const struct store_cert *a, const struct store_cert *b)
{
	assert_string_equal(a->subject, b->subject);
	assert_memory_equal(a->cert_id, b->cert_id, STORE_ID_BYTES);
	assert_memory_equal(a->key, b->key, 32);
	assert_int_equal(a->not_before_ms, b->not_before_ms);
	assert_int_equal(a->not_after_ms, b->not_after_ms);
	assert_memory_equal(a->issuer_key, b->issuer_key, 32);
	assert_string_equal(a->issuer, b->issuer);
}

/*
 * The entries put below, as listed: curve byte, subject, id byte. "a.b"
 * sorts after every "a" entry (NUL ends a subject), "b" after both.
 */
static const struct {
	uint8_t		 curve;
	const char	*subject;
	uint8_t		 id;
} entries[] = {
	{ 0x01, "a", 0x01 }, { 0x01, "a", 0x09 }, { 0x01, "a.b", 0x05 },
	{ 0x01, "b", 0x02 }, { 0x02, "a", 0x03 }, { 0xfe, "z", 0xff },
};
#define NENTRIES	(sizeof(entries) / sizeof(entries[0]))

static void
put_entries(struct fixture *f)
{
	struct store_cert	c;
	uint8_t			curve[32];

	begin(f, 0);
	/* In reverse: the order listed is the index's, not the puts'. */
	for (size_t i = NENTRIES; i-- > 0;) {
		memset(curve, entries[i].curve, sizeof(curve));
		cert_fill(&c, entries[i].subject, (uint8_t)(0x40 + i),
		    entries[i].id);
		assert_rc(store_cert_put(f->txn, curve, &c), 0);
	}
	commit(f);
}

/* A scan lists every entry in order, with its CURVE key and fields. */
static void
test_cert_scan(void **state)
{
	struct fixture		*f = *state;
	struct store_cert	 c = { .subject = "" }, want;
	uint8_t			 curve[32] = { 0 }, wcurve[32];
	size_t			 n = 0;
	int			 rc;

	open_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_rc(store_cert_scan(f->txn, curve, &c), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
	put_entries(f);
	reopen_store(f, NULL);

	begin(f, STORE_RDONLY);
	while ((rc = store_cert_scan(f->txn, curve, &c)) == 0) {
		assert_true(n < NENTRIES);
		memset(wcurve, entries[n].curve, sizeof(wcurve));
		assert_memory_equal(curve, wcurve, sizeof(curve));
		cert_fill(&want, entries[n].subject, (uint8_t)(0x40 + n),
		    entries[n].id);
		cert_equal(&c, &want);
		n++;
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, NENTRIES);

	/* From a CURVE key on: its first entry, or the next key's. */
	memset(curve, 0x02, sizeof(curve));
	c.subject[0] = '\0';
	assert_rc(store_cert_scan(f->txn, curve, &c), 0);
	assert_string_equal(c.subject, "a");
	assert_int_equal(c.cert_id[0], 0x03);
	memset(curve, 0x03, sizeof(curve));
	c.subject[0] = '\0';
	assert_rc(store_cert_scan(f->txn, curve, &c), 0);
	assert_int_equal(curve[0], 0xfe);
	assert_string_equal(c.subject, "z");
	/* From a position not held: the next entry above it. */
	memset(curve, 0x01, sizeof(curve));
	snprintf(c.subject, sizeof(c.subject), "a");
	memset(c.cert_id, 0x05, sizeof(c.cert_id));
	assert_rc(store_cert_scan(f->txn, curve, &c), 0);
	assert_string_equal(c.subject, "a");
	assert_int_equal(c.cert_id[0], 0x09);
	store_txn_abort(&f->txn);
}

/*
 * store_cert_next keeps to one CURVE key, and with a subject to that
 * subject alone; it resumes after the entry it was given.
 */
static void
test_cert_next(void **state)
{
	struct fixture		*f = *state;
	struct store_cert	 c;
	uint8_t			 curve[32];
	const char		*want[] = { "a", "a", "a.b", "b" };
	size_t			 n;
	int			 rc;

	open_store(f, NULL);
	put_entries(f);
	begin(f, STORE_RDONLY);
	memset(curve, 0x01, sizeof(curve));
	memset(&c, 0, sizeof(c));
	for (n = 0; (rc = store_cert_next(f->txn, curve, NULL, &c)) == 0;
	    n++) {
		assert_true(n < 4);
		assert_string_equal(c.subject, want[n]);
		assert_int_equal(c.cert_id[0], entries[n].id);
	}
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 4);

	/* One subject: not the longer one that starts with it. */
	memset(&c, 0, sizeof(c));
	for (n = 0; (rc = store_cert_next(f->txn, curve, "a", &c)) == 0; n++)
		assert_string_equal(c.subject, "a");
	assert_rc(rc, STORE_NOTFOUND);
	assert_int_equal(n, 2);
	memset(&c, 0, sizeof(c));
	assert_rc(store_cert_next(f->txn, curve, "a.b", &c), 0);
	assert_int_equal(c.cert_id[0], 0x05);
	assert_rc(store_cert_next(f->txn, curve, "a.b", &c), STORE_NOTFOUND);
	memset(&c, 0, sizeof(c));
	assert_rc(store_cert_next(f->txn, curve, "c", &c), STORE_NOTFOUND);

	/* The last entry of a key does not lead into the next key's. */
	memset(curve, 0x02, sizeof(curve));
	memset(&c, 0, sizeof(c));
	assert_rc(store_cert_next(f->txn, curve, NULL, &c), 0);
	assert_rc(store_cert_next(f->txn, curve, NULL, &c), STORE_NOTFOUND);
	memset(curve, 0x03, sizeof(curve));
	memset(&c, 0, sizeof(c));
	assert_rc(store_cert_next(f->txn, curve, NULL, &c), STORE_NOTFOUND);

	/* From a position not held within the subject: the next above. */
	memset(curve, 0x01, sizeof(curve));
	snprintf(c.subject, sizeof(c.subject), "a");
	memset(c.cert_id, 0x02, sizeof(c.cert_id));
	assert_rc(store_cert_next(f->txn, curve, "a", &c), 0);
	assert_int_equal(c.cert_id[0], 0x09);
	store_txn_abort(&f->txn);
}

/* Names out of bounds are refused; a read transaction writes nothing. */
static void
test_cert_bad_args(void **state)
{
	struct fixture		*f = *state;
	struct store_cert	 c, got;
	uint8_t			 curve[32];

	memset(curve, 0x01, sizeof(curve));
	open_store(f, NULL);
	begin(f, 0);
	cert_fill(&c, "", 1, 1);
	assert_rc(store_cert_put(f->txn, curve, &c), STORE_INVAL);
	memset(c.subject, 's', sizeof(c.subject));	/* no NUL */
	assert_rc(store_cert_put(f->txn, curve, &c), STORE_INVAL);
	cert_fill(&c, DIST, 1, 1);
	c.issuer[0] = '\0';
	assert_rc(store_cert_put(f->txn, curve, &c), STORE_INVAL);
	memset(c.issuer, 'i', sizeof(c.issuer));
	assert_rc(store_cert_put(f->txn, curve, &c), STORE_INVAL);
	memset(&got, 0, sizeof(got));
	assert_rc(store_cert_next(f->txn, curve, "", &got), STORE_INVAL);
	store_txn_abort(&f->txn);

	cert_fill(&c, DIST, 1, 1);
	begin(f, STORE_RDONLY);
	assert_rc(store_cert_put(f->txn, curve, &c), EROFS);
	store_txn_abort(&f->txn);
	begin(f, STORE_RDONLY);
	memset(&got, 0, sizeof(got));
	assert_rc(store_cert_next(f->txn, curve, NULL, &got), STORE_NOTFOUND);
	store_txn_abort(&f->txn);
}

/*
 * A certificate revoked by id is revoked, and no other; a key revoked by
 * one revoker is revoked for that revoker alone; the two kinds never
 * answer for each other.
 */
static void
test_revoke(void **state)
{
	struct fixture	*f = *state;
	uint8_t		 cert[STORE_ID_BYTES], other[STORE_ID_BYTES];
	uint8_t		 key[32], key2[32], rev[STORE_ID_BYTES];
	char		 longname[STORE_MAX_PEER + 2];

	memset(cert, 0xc0, sizeof(cert));
	memset(other, 0xc1, sizeof(other));
	memset(key, 0x4b, sizeof(key));
	memset(key2, 0x4c, sizeof(key2));
	memset(rev, 0x7e, sizeof(rev));
	memset(longname, 'r', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	open_store(f, NULL);
	begin(f, 0);
	assert_int_equal(store_is_revoked(f->txn, cert), 0);
	assert_int_equal(store_is_key_revoked(f->txn, key, PROV), 0);
	assert_rc(store_revoke(f->txn, cert, rev), 0);
	assert_rc(store_revoke_key(f->txn, key, PROV, rev), 0);
	commit(f);
	/* Revoked in a transaction given up: not revoked. */
	begin(f, 0);
	assert_rc(store_revoke(f->txn, other, rev), 0);
	assert_rc(store_revoke_key(f->txn, key2, PROV, rev), 0);
	assert_int_equal(store_is_revoked(f->txn, other), 1);
	store_txn_abort(&f->txn);
	reopen_store(f, NULL);

	begin(f, STORE_RDONLY);
	assert_int_equal(store_is_revoked(f->txn, cert), 1);
	assert_int_equal(store_is_revoked(f->txn, other), 0);
	assert_int_equal(store_is_key_revoked(f->txn, key2, PROV), 0);
	assert_int_equal(store_is_key_revoked(f->txn, key, PROV), 1);
	/* Another revoker, one whose name starts alike, or a longer one. */
	assert_int_equal(store_is_key_revoked(f->txn, key, DIST), 0);
	assert_int_equal(store_is_key_revoked(f->txn, key, "hagian"), 0);
	assert_int_equal(store_is_key_revoked(f->txn, key, "hagiang2"), 0);
	assert_int_equal(store_is_key_revoked(f->txn, key, "tw"), 0);
	/* A key is no certificate id, and a certificate id no key. */
	assert_int_equal(store_is_revoked(f->txn, key), 0);
	assert_int_equal(store_is_key_revoked(f->txn, cert, PROV), 0);
	/* No revoker, or a name too long, is no question. */
	assert_rc(store_is_key_revoked(f->txn, key, ""), STORE_INVAL);
	assert_rc(store_is_key_revoked(f->txn, key, longname), STORE_INVAL);
	store_txn_abort(&f->txn);

	begin(f, 0);
	assert_rc(store_revoke_key(f->txn, key, "", rev), STORE_INVAL);
	assert_rc(store_revoke_key(f->txn, key, longname, rev), STORE_INVAL);
	store_txn_abort(&f->txn);
	begin(f, STORE_RDONLY);
	assert_rc(store_revoke(f->txn, other, rev), EROFS);
	assert_rc(store_revoke_key(f->txn, key2, DIST, rev), EROFS);
	assert_int_equal(store_is_revoked(f->txn, other), 0);
	store_txn_abort(&f->txn);
}

/*
 * An index without the layout mark (an older store) is not current; the
 * reset that rebuilds it empties the certificates and keeps every
 * revocation, which no certificate record brings back.
 */
static void
test_cert_index_layout(void **state)
{
	struct fixture		*f = *state;
	struct store_cert	 c = { .subject = "" };
	uint8_t			 curve[32] = { 0 }, cert[STORE_ID_BYTES];
	uint8_t			 key[32], rev[STORE_ID_BYTES];

	memset(cert, 0xc0, sizeof(cert));
	memset(key, 0x4b, sizeof(key));
	memset(rev, 0x7e, sizeof(rev));
	open_store(f, NULL);
	put_entries(f);
	begin(f, 0);
	assert_rc(store_revoke(f->txn, cert, rev), 0);
	assert_rc(store_revoke_key(f->txn, key, DIST, rev), 0);
	commit(f);
	store_close(&f->st);
	raw_set(f, "meta", "cert_index", 10, NULL, 0);

	open_store(f, NULL);
	begin(f, 0);
	assert_int_equal(store_cert_index_current(f->txn), 0);
	assert_rc(store_cert_scan(f->txn, curve, &c), 0);	/* still held */
	assert_rc(store_cert_reset(f->txn), 0);
	assert_int_equal(store_cert_index_current(f->txn), 1);
	c.subject[0] = '\0';
	memset(curve, 0, sizeof(curve));
	assert_rc(store_cert_scan(f->txn, curve, &c), STORE_NOTFOUND);
	assert_int_equal(store_is_revoked(f->txn, cert), 1);
	assert_int_equal(store_is_key_revoked(f->txn, key, DIST), 1);
	commit(f);
	reopen_store(f, NULL);
	begin(f, STORE_RDONLY);
	assert_int_equal(store_cert_index_current(f->txn), 1);
	assert_rc(store_cert_reset(f->txn), EROFS);
	store_txn_abort(&f->txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cert_scan, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_next, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_bad_args, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_index_layout, setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
