/*
 * store_cert: the certificates a node holds, and which are revoked.
 *
 * certs:   X25519 key[32] subject NUL cert id[32]
 *              -> Ed25519 key[32] le64 not_before_ms le64 not_after_ms
 *                 issuer key[32] issuer name
 * revoked: cert id -> id of the revocation record
 *          Ed25519 key[32] revoker name -> id of the revocation record
 * cert_names: subject, its labels root first, NUL cert id[32]
 *              -> X25519 key[32] (the entry's in certs)
 * Keyed by the CURVE form of the key because that is all a ZeroMQ
 * handshake shows before the peer has said anything; then by subject and
 * certificate id, so that every certificate has its own entry: a
 * renewal, a second issuer or a certificate for the negated key (the
 * same X25519 form) never hides another. The issuer's name and key are
 * kept so that a chain can be walked to the root without decoding
 * records. cert_names finds a name's certificates, and those of every
 * name below it, without knowing their keys (whom to seal mail for):
 * "tanthanh.bacquang.hagiang" is kept as "hagiang.bacquang.tanthanh", so
 * a subtree's names share a prefix.
 *
 * Stores made before the issuer was kept have entries of another shape,
 * and those before cert_names none there; meta "cert_index" marks an
 * index of this shape, and the node rebuilds an older one from its
 * certificate records (store_cert_reset()).
 */
#include <string.h>

#include "store_int.h"

#define CERT_KEY_MAX	(32 + STORE_MAX_PEER + 1 + STORE_ID_BYTES)
#define NAME_KEY_MAX	(STORE_MAX_PEER + 1 + STORE_ID_BYTES)
#define CERT_FIXED	(32 + 8 + 8 + 32)	/* value before the issuer */
#define CERT_VALUE_MAX	(CERT_FIXED + STORE_MAX_PEER)

/* key || name, as the revoked keys are keyed: 0 if name is too long. */
static size_t
key_name(uint8_t buf[32 + STORE_MAX_PEER], const uint8_t key[32],
    const char *name)
{
	size_t	n = strnlen(name, STORE_MAX_PEER + 1);

	if (n > STORE_MAX_PEER)
		return 0;
	memcpy(buf, key, 32);
	memcpy(buf + 32, name, n);
	return 32 + n;
}

/* curve || subject || NUL, the prefix of every entry for subject. */
static size_t
cert_prefix(uint8_t key[CERT_KEY_MAX], const uint8_t curve[32],
    const char *subject)
{
	size_t	n = strnlen(subject, STORE_MAX_PEER + 1);

	if (n == 0 || n > STORE_MAX_PEER)
		return 0;
	memcpy(key, curve, 32);
	memcpy(key + 32, subject, n);
	key[32 + n] = 0;
	return 32 + n + 1;
}

/*
 * name with its labels in the other order, into out (len bytes, len
 * <= STORE_MAX_PEER): "c.b.a" -> "a.b.c".
 */
static void
labels_reversed(const char *name, size_t len, char *out)
{
	size_t	end = len, at = 0;

	while (end > 0) {
		size_t	start = end;

		while (start > 0 && name[start - 1] != '.')
			start--;
		if (at > 0)
			out[at++] = '.';
		memcpy(out + at, name + start, end - start);
		at += end - start;
		end = start > 0 ? start - 1 : 0;
	}
}

/* subject root first, NUL, id: a cert_names key; 0 if too long. */
static size_t
name_key(uint8_t key[NAME_KEY_MAX], const char *subject,
    const uint8_t id[STORE_ID_BYTES])
{
	size_t	n = strnlen(subject, STORE_MAX_PEER + 1);

	if (n == 0 || n > STORE_MAX_PEER)
		return 0;
	labels_reversed(subject, n, (char *)key);
	key[n] = 0;
	memcpy(key + n + 1, id, STORE_ID_BYTES);
	return n + 1 + STORE_ID_BYTES;
}

static int
cert_value(const MDB_val *k, const MDB_val *v, struct store_cert *out)
{
	const uint8_t	*kp = k->mv_data, *p = v->mv_data;
	size_t		 sublen, isslen;

	if (k->mv_size < 32 + 2 + STORE_ID_BYTES || k->mv_size > CERT_KEY_MAX ||
	    v->mv_size <= CERT_FIXED || v->mv_size > CERT_VALUE_MAX)
		return STORE_CORRUPT;
	sublen = k->mv_size - 32 - 1 - STORE_ID_BYTES;
	if (kp[32 + sublen] != 0 || memchr(kp + 32, 0, sublen) != NULL)
		return STORE_CORRUPT;
	isslen = v->mv_size - CERT_FIXED;
	if (memchr(p + CERT_FIXED, 0, isslen) != NULL)
		return STORE_CORRUPT;
	memcpy(out->subject, kp + 32, sublen);
	out->subject[sublen] = '\0';
	memcpy(out->cert_id, kp + 32 + sublen + 1, STORE_ID_BYTES);
	memcpy(out->key, p, 32);
	out->not_before_ms = store_le64_get(p + 32);
	out->not_after_ms = store_le64_get(p + 40);
	memcpy(out->issuer_key, p + 48, 32);
	memcpy(out->issuer, p + CERT_FIXED, isslen);
	out->issuer[isslen] = '\0';
	return 0;
}

int
store_cert_put(store_txn_t *t, const uint8_t curve[32],
    const struct store_cert *c)
{
	MDB_val	 k, v;
	uint8_t	 key[CERT_KEY_MAX], val[CERT_VALUE_MAX];
	size_t	 isslen = strnlen(c->issuer, STORE_MAX_PEER + 1);
	int	 rc;

	if (t->tx_read_only)
		return EROFS;
	if ((k.mv_size = cert_prefix(key, curve, c->subject)) == 0 ||
	    isslen == 0 || isslen > STORE_MAX_PEER)
		return STORE_INVAL;
	memcpy(key + k.mv_size, c->cert_id, STORE_ID_BYTES);
	k.mv_size += STORE_ID_BYTES;
	k.mv_data = key;
	memcpy(val, c->key, 32);
	store_le64_put(val + 32, c->not_before_ms);
	store_le64_put(val + 40, c->not_after_ms);
	memcpy(val + 48, c->issuer_key, 32);
	memcpy(val + CERT_FIXED, c->issuer, isslen);
	v.mv_size = CERT_FIXED + isslen;
	v.mv_data = val;
	if ((rc = mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_CERTS], &k, &v,
	    0)) != 0)
		return store_mdb_rc(rc);
	if ((k.mv_size = name_key(key, c->subject, c->cert_id)) == 0)
		return STORE_INVAL;
	v.mv_size = 32;
	v.mv_data = (void *)(uintptr_t)curve;
	return store_mdb_rc(mdb_put(t->tx_txn,
	    t->tx_store->st_dbi[DB_CERT_NAMES], &k, &v, 0));
}

/*
 * The entry after position (curve, c->subject, c->cert_id), or, when
 * c->subject is "", the first at or after key from (flen bytes): 0 with
 * *k and *v set, STORE_NOTFOUND past the last entry, or another error.
 */
static int
cert_seek(store_txn_t *t, const uint8_t curve[32], const struct store_cert *c,
    const uint8_t *from, size_t flen, MDB_val *k, MDB_val *v)
{
	MDB_cursor	*cur;
	MDB_val		 at;
	uint8_t		 key[CERT_KEY_MAX];
	int		 rc;

	if (c->subject[0] == '\0') {
		memcpy(key, from, flen);
		k->mv_size = flen;
	} else {
		if ((k->mv_size = cert_prefix(key, curve, c->subject)) == 0)
			return STORE_INVAL;
		memcpy(key + k->mv_size, c->cert_id, STORE_ID_BYTES);
		k->mv_size += STORE_ID_BYTES;
	}
	k->mv_data = key;
	at = *k;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_CERTS],
	    &cur)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (rc == 0 && c->subject[0] != '\0' && k->mv_size == at.mv_size &&
	    memcmp(k->mv_data, at.mv_data, at.mv_size) == 0)
		rc = mdb_cursor_get(cur, k, v, MDB_NEXT);	/* past it */
	mdb_cursor_close(cur);
	return store_mdb_rc(rc);
}

/*
 * The entry after position (curve, c->subject, c->cert_id), or the first
 * of curve when c->subject is "", into c. With subject set, only entries
 * for that subject count.
 */
int
store_cert_next(store_txn_t *t, const uint8_t curve[32], const char *subject,
    struct store_cert *c)
{
	MDB_val		 k, v;
	uint8_t		 prefix[CERT_KEY_MAX];
	size_t		 plen = 32;
	int		 rc;

	memcpy(prefix, curve, 32);
	if (subject != NULL && (plen = cert_prefix(prefix, curve, subject)) == 0)
		return STORE_INVAL;
	if ((rc = cert_seek(t, curve, c, prefix, plen, &k, &v)) != 0)
		return rc;
	if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
		return STORE_NOTFOUND;
	return cert_value(&k, &v, c);
}

int
store_cert_scan(store_txn_t *t, uint8_t curve[32], struct store_cert *c)
{
	MDB_val		 k, v;
	int		 rc;

	if ((rc = cert_seek(t, curve, c, curve, 32, &k, &v)) != 0 ||
	    (rc = cert_value(&k, &v, c)) != 0)
		return rc;
	memcpy(curve, k.mv_data, 32);
	return 0;
}

int
store_cert_index_current(store_txn_t *t)
{
	return store_index_current(t, CERT_INDEX_KEY, CERT_INDEX_VERSION);
}

int
store_cert_reset(store_txn_t *t)
{
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = mdb_drop(t->tx_txn, t->tx_store->st_dbi[DB_CERT_NAMES],
	    0)) != 0)
		return store_mdb_rc(rc);
	return store_index_reset(t, DB_CERTS, CERT_INDEX_KEY,
	    CERT_INDEX_VERSION);
}

/*
 * The cert_names prefix of name's certificates (subtree 0), or of those
 * of every name strictly below it (subtree 1; every name for ""), into
 * p: its length, or -1 if name is empty (subtree 0) or too long.
 */
static int
named_prefix(uint8_t p[STORE_MAX_PEER + 1], const char *name, int subtree)
{
	size_t	n = strnlen(name, STORE_MAX_PEER + 1);

	if (n > STORE_MAX_PEER || (n == 0 && !subtree))
		return -1;
	if (n == 0)
		return 0;
	labels_reversed(name, n, (char *)p);
	p[n] = subtree ? '.' : 0;
	return (int)n + 1;
}

int
store_cert_named(store_txn_t *t, const char *name, int subtree,
    uint8_t curve[32], struct store_cert *c)
{
	MDB_cursor	*cur;
	MDB_val		 k, v, at;
	uint8_t		 prefix[STORE_MAX_PEER + 1], key[NAME_KEY_MAX];
	uint8_t		 ck[CERT_KEY_MAX];
	size_t		 plen, sublen;
	int		 rc;

	if ((rc = named_prefix(prefix, name, subtree)) < 0)
		return STORE_INVAL;
	plen = (size_t)rc;
	if (t->tx_store->st_dbi[DB_CERT_NAMES] == 0)
		return STORE_NOTFOUND;	/* a read-only older store */
	if (c->subject[0] == '\0') {
		k.mv_size = plen;
		k.mv_data = prefix;
	} else if ((k.mv_size = name_key(key, c->subject, c->cert_id)) == 0)
		return STORE_INVAL;
	else
		k.mv_data = key;
	at = k;
	if ((rc = mdb_cursor_open(t->tx_txn,
	    t->tx_store->st_dbi[DB_CERT_NAMES], &cur)) != 0)
		return store_mdb_rc(rc);
	/* LMDB seeks no empty key: every name's prefix is the first. */
	rc = mdb_cursor_get(cur, &k, &v, k.mv_size == 0 ? MDB_FIRST :
	    MDB_SET_RANGE);
	if (rc == 0 && c->subject[0] != '\0' && k.mv_size == at.mv_size &&
	    memcmp(k.mv_data, at.mv_data, at.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);	/* past it */
	mdb_cursor_close(cur);
	if (rc != 0)
		return store_mdb_rc(rc);
	if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
		return STORE_NOTFOUND;
	if (k.mv_size <= 1 + STORE_ID_BYTES || v.mv_size != 32 ||
	    ((const uint8_t *)k.mv_data)[k.mv_size - 1 - STORE_ID_BYTES] != 0)
		return STORE_CORRUPT;
	/* The certs entry it names: curve, subject as it is, id. */
	sublen = k.mv_size - 1 - STORE_ID_BYTES;
	memcpy(curve, v.mv_data, 32);
	memcpy(ck, curve, 32);
	labels_reversed(k.mv_data, sublen, (char *)ck + 32);
	ck[32 + sublen] = 0;
	memcpy(ck + 32 + sublen + 1, (const uint8_t *)k.mv_data + sublen + 1,
	    STORE_ID_BYTES);
	k.mv_size = 32 + sublen + 1 + STORE_ID_BYTES;
	k.mv_data = ck;
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_CERTS], &k,
	    &v)) != 0)
		return rc == MDB_NOTFOUND ? STORE_CORRUPT : store_mdb_rc(rc);
	return cert_value(&k, &v, c);
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
	uint8_t	buf[32 + STORE_MAX_PEER];

	if (t->tx_read_only)
		return EROFS;
	if (revoker[0] == '\0' || (k.mv_size = key_name(buf, key, revoker)) == 0)
		return STORE_INVAL;
	k.mv_data = buf;
	return store_mdb_rc(mdb_put(t->tx_txn,
	    t->tx_store->st_dbi[DB_REVOKED], &k, &v, 0));
}

int
store_is_key_revoked(store_txn_t *t, const uint8_t key[32],
    const char *revoker)
{
	MDB_val	k, v;
	uint8_t	buf[32 + STORE_MAX_PEER];
	int	rc;

	if (revoker[0] == '\0' || (k.mv_size = key_name(buf, key, revoker)) == 0)
		return STORE_INVAL;
	k.mv_data = buf;
	rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_REVOKED], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc == 0 ? 1 : store_mdb_rc(rc);
}
