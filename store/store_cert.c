/*
 * store_cert: the certificates a node holds, and which are revoked.
 *
 * certs:   X25519 key[32] subject -> Ed25519 key[32] cert id[32]
 *                                    le64 not_after_ms
 * revoked: cert id -> id of the revocation record
 *          Ed25519 key[32] revoker name -> id of the revocation record
 * Keyed by the CURVE form of the key because that is all a ZeroMQ
 * handshake shows before the peer has said anything; then by subject, so
 * that every name a key is certified for has its own entry.
 */
#include <string.h>

#include "store_int.h"

#define CERT_KEY_MAX	(32 + STORE_MAX_PEER)
#define CERT_VALUE	(32 + STORE_ID_BYTES + 8)

static size_t
cert_key(uint8_t key[CERT_KEY_MAX], const uint8_t curve[32],
    const char *subject)
{
	size_t	n = strnlen(subject, STORE_MAX_PEER + 1);

	if (n > STORE_MAX_PEER)
		return 0;
	memcpy(key, curve, 32);
	memcpy(key + 32, subject, n);
	return 32 + n;
}

static int
cert_value(const MDB_val *k, const MDB_val *v, struct store_cert *out)
{
	const uint8_t	*p = v->mv_data;

	if (k->mv_size <= 32 || k->mv_size > CERT_KEY_MAX ||
	    v->mv_size != CERT_VALUE)
		return STORE_CORRUPT;
	memcpy(out->key, p, 32);
	memcpy(out->cert_id, p + 32, STORE_ID_BYTES);
	out->not_after_ms = store_le64_get(p + 32 + STORE_ID_BYTES);
	memcpy(out->subject, (uint8_t *)k->mv_data + 32, k->mv_size - 32);
	out->subject[k->mv_size - 32] = '\0';
	return 0;
}

int
store_cert_put(store_txn_t *t, const uint8_t curve[32],
    const struct store_cert *c)
{
	MDB_val	 k, v;
	uint8_t	 key[CERT_KEY_MAX], val[CERT_VALUE];

	if (t->tx_read_only)
		return EROFS;
	if (c->subject[0] == '\0' ||
	    (k.mv_size = cert_key(key, curve, c->subject)) == 0)
		return STORE_INVAL;
	k.mv_data = key;
	memcpy(val, c->key, 32);
	memcpy(val + 32, c->cert_id, STORE_ID_BYTES);
	store_le64_put(val + 32 + STORE_ID_BYTES, c->not_after_ms);
	v.mv_size = sizeof(val);
	v.mv_data = val;
	return store_mdb_rc(mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_CERTS],
	    &k, &v, 0));
}

int
store_cert_get(store_txn_t *t, const uint8_t curve[32], const char *subject,
    struct store_cert *out)
{
	MDB_val	 k, v;
	uint8_t	 key[CERT_KEY_MAX];
	int	 rc;

	if (subject[0] == '\0' ||
	    (k.mv_size = cert_key(key, curve, subject)) == 0)
		return STORE_INVAL;
	k.mv_data = key;
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_CERTS], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	return cert_value(&k, &v, out);
}

int
store_cert_next(store_txn_t *t, const uint8_t curve[32], const char *after,
    struct store_cert *out)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[CERT_KEY_MAX + 1];
	int		 rc;

	/* The least key above curve||after: curve||after||NUL (or, for
	 * "", curve itself, which no entry equals). */
	if ((k.mv_size = cert_key(key, curve, after)) == 0)
		return STORE_INVAL;
	if (after[0] != '\0')
		key[k.mv_size++] = 0;
	k.mv_data = key;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_CERTS],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size < 32 || memcmp(k.mv_data, curve, 32) != 0))
		rc = MDB_NOTFOUND;
	if (rc == 0)
		rc = cert_value(&k, &v, out);
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

int
store_cert_scan(store_txn_t *t, uint8_t curve[32], struct store_cert *out)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[CERT_KEY_MAX + 1];
	int		 rc;

	/* The least key above curve||subject: append a NUL. */
	if ((k.mv_size = cert_key(key, curve, out->subject)) == 0)
		return STORE_INVAL;
	key[k.mv_size++] = 0;
	k.mv_data = key;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_CERTS],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (rc = cert_value(&k, &v, out)) == 0)
		memcpy(curve, k.mv_data, 32);
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

int
store_revoke(store_txn_t *t, const uint8_t cert_id[STORE_ID_BYTES],
    const uint8_t rev_id[STORE_ID_BYTES])
{
	MDB_val	k = { STORE_ID_BYTES, (void *)(uintptr_t)cert_id };
	MDB_val	v = { STORE_ID_BYTES, (void *)(uintptr_t)rev_id };

	if (t->tx_read_only)
		return EROFS;
	return store_mdb_rc(mdb_put(t->tx_txn,
	    t->tx_store->st_dbi[DB_REVOKED], &k, &v, 0));
}

int
store_is_revoked(store_txn_t *t, const uint8_t cert_id[STORE_ID_BYTES])
{
	MDB_val	k = { STORE_ID_BYTES, (void *)(uintptr_t)cert_id }, v;
	int	rc;

	rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_REVOKED], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc == 0 ? 1 : store_mdb_rc(rc);
}

int
store_revoke_key(store_txn_t *t, const uint8_t key[32], const char *revoker,
    const uint8_t rev_id[STORE_ID_BYTES])
{
	MDB_val	k, v = { STORE_ID_BYTES, (void *)(uintptr_t)rev_id };
	uint8_t	buf[CERT_KEY_MAX];

	if (t->tx_read_only)
		return EROFS;
	if (revoker[0] == '\0' || (k.mv_size = cert_key(buf, key, revoker)) == 0)
		return STORE_INVAL;
	k.mv_data = buf;
	return store_mdb_rc(mdb_put(t->tx_txn,
	    t->tx_store->st_dbi[DB_REVOKED], &k, &v, 0));
}

int
store_key_revoker_next(store_txn_t *t, const uint8_t key[32],
    const char *after, char out[STORE_MAX_PEER + 1])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 buf[CERT_KEY_MAX + 1];
	int		 rc;

	if ((k.mv_size = cert_key(buf, key, after)) == 0)
		return STORE_INVAL;
	buf[k.mv_size++] = 0;	/* the least key above key||after */
	k.mv_data = buf;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_REVOKED],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	/* A 32-byte entry is a certificate id, not a key's. */
	while (rc == 0 && k.mv_size == 32 && memcmp(k.mv_data, key, 32) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	if (rc == 0 && (k.mv_size <= 32 || k.mv_size > CERT_KEY_MAX ||
	    memcmp(k.mv_data, key, 32) != 0))
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		memcpy(out, (uint8_t *)k.mv_data + 32, k.mv_size - 32);
		out[k.mv_size - 32] = '\0';
	}
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}
