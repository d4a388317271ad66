/*
 * store_doc: the index of databases and documents.
 *
 * Keys start with the database name and a NUL, so one database's entries
 * are contiguous and sorted by document id:
 *   db_acls    db NUL acl-id            -> u8 format 2, creation id[32],
 *                                          previous id[32], le32 depth,
 *                                          le32 signer rank, signer name
 *   doc_heads  db NUL doc-id[16]        -> u8 format, u8 flags, winner[32],
 *                                          le32 depth, le32 conflicts, author
 *   doc_revs   db NUL doc-id rev-id     -> u8 format, u8 flags, le32 depth
 *   doc_stubs  db NUL doc-id            -> "" (deleted, not purged yet)
 *   doc_chunks db NUL chunk-hash[32]    -> id of a chunk record
 * Values are checked for their size and format byte on every read. An
 * ACL entry of format 1 (from before ACLs kept their previous one and
 * their signer) reads as corrupt: the node could not rank it, and
 * rebuilds the index of such a store from its ACL records at start
 * (meta "acl_index", store_acl_reset()).
 */
#include <string.h>

#include "store_int.h"

#define DOC_FORMAT	1
#define ACL_FORMAT	2
#define ACL_FIXED	(1 + 2 * STORE_ID_BYTES + 8)
#define HEAD_FIXED	(2 + STORE_ID_BYTES + 8)
#define REV_VALUE	6
#define KEY_MAX		(STORE_MAX_DB + 1 + STORE_DOC_ID_BYTES + STORE_ID_BYTES)

/* db NUL, then tail_len bytes of tail; the key's length or 0 if db is bad. */
static size_t
doc_key(uint8_t key[KEY_MAX], const char *db, const uint8_t *tail,
    size_t tail_len)
{
	return store_prefix_key(key, db, STORE_MAX_DB, tail, tail_len);
}

static MDB_dbi
dbi(store_txn_t *t, enum store_db which)
{
	return t->tx_store->st_dbi[which];
}

static int
put(store_txn_t *t, enum store_db which, const uint8_t *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_val	k = { klen, (void *)(uintptr_t)key };
	MDB_val	v = { vlen, (void *)(uintptr_t)val };

	if (t->tx_read_only)
		return EROFS;
	return store_mdb_rc(mdb_put(t->tx_txn, dbi(t, which), &k, &v, 0));
}

/*
 * The first entry of `which` after key[0..klen) that shares its first
 * plen bytes: 0 with *k and *v set, or STORE_NOTFOUND.
 */
static int
next_in(store_txn_t *t, enum store_db which, const uint8_t *key, size_t klen,
    size_t plen, int after, MDB_val *k, MDB_val *v)
{
	MDB_cursor	*c;
	int		 rc;

	if ((rc = mdb_cursor_open(t->tx_txn, dbi(t, which), &c)) != 0)
		return store_mdb_rc(rc);
	k->mv_size = klen;
	k->mv_data = (void *)(uintptr_t)key;
	/* LMDB refuses an empty key: klen 0 means from the first. */
	rc = mdb_cursor_get(c, k, v, klen > 0 ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && after && k->mv_size == klen &&
	    memcmp(k->mv_data, key, klen) == 0)
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	if (rc == 0 && (k->mv_size < plen || memcmp(k->mv_data, key,
	    plen) != 0))
		rc = MDB_NOTFOUND;
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

/*
 * The entry of `which` at db NUL tail (tail_len bytes), its key built in
 * key: 0 with *k and *v set, STORE_INVAL for a bad db, or another error.
 */
static int
get_in(store_txn_t *t, enum store_db which, uint8_t key[KEY_MAX],
    const char *db, const uint8_t *tail, size_t tail_len, MDB_val *k,
    MDB_val *v)
{
	if ((k->mv_size = doc_key(key, db, tail, tail_len)) == 0)
		return STORE_INVAL;
	k->mv_data = key;
	return store_mdb_rc(mdb_get(t->tx_txn, dbi(t, which), k, v));
}

/*
 * The first entry of `which` under db NUL pre (pre_len bytes) after the
 * one whose key goes on with `after` (after_len bytes; NULL: the first
 * entry): 0 with *k, *v and *plen (the length of db NUL pre) set,
 * STORE_INVAL for a bad db, STORE_NOTFOUND past the last, or an error.
 */
static int
next_after(store_txn_t *t, enum store_db which, const char *db,
    const uint8_t *pre, size_t pre_len, const uint8_t *after,
    size_t after_len, MDB_val *k, MDB_val *v, size_t *plen)
{
	uint8_t	key[KEY_MAX];

	if ((*plen = doc_key(key, db, pre, pre_len)) == 0)
		return STORE_INVAL;
	if (after != NULL)
		memcpy(key + *plen, after, after_len);
	return next_in(t, which, key, after != NULL ? *plen + after_len :
	    *plen, *plen, after != NULL, k, v);
}

static int
acl_decode(const MDB_val *k, const MDB_val *v, size_t plen,
    struct store_acl *out)
{
	const uint8_t	*p = v->mv_data;
	size_t		 nlen;

	if (k->mv_size != plen + STORE_ID_BYTES || v->mv_size <= ACL_FIXED ||
	    (nlen = v->mv_size - ACL_FIXED) > STORE_MAX_PEER ||
	    p[0] != ACL_FORMAT)
		return STORE_CORRUPT;
	memcpy(out->id, (const uint8_t *)k->mv_data + plen, STORE_ID_BYTES);
	memcpy(out->creation, p + 1, STORE_ID_BYTES);
	memcpy(out->previous, p + 1 + STORE_ID_BYTES, STORE_ID_BYTES);
	out->depth = store_le32_get(p + 1 + 2 * STORE_ID_BYTES);
	out->rank = store_le32_get(p + 5 + 2 * STORE_ID_BYTES);
	memcpy(out->signer, p + ACL_FIXED, nlen);
	out->signer[nlen] = '\0';
	return 0;
}

int
store_acl_put(store_txn_t *t, const char *db, const struct store_acl *a)
{
	uint8_t	key[KEY_MAX], val[ACL_FIXED + STORE_MAX_PEER];
	size_t	klen = doc_key(key, db, a->id, STORE_ID_BYTES);
	size_t	nlen = strnlen(a->signer, STORE_MAX_PEER + 1);

	if (klen == 0 || nlen == 0 || nlen > STORE_MAX_PEER)
		return STORE_INVAL;
	val[0] = ACL_FORMAT;
	memcpy(val + 1, a->creation, STORE_ID_BYTES);
	memcpy(val + 1 + STORE_ID_BYTES, a->previous, STORE_ID_BYTES);
	store_le32_put(val + 1 + 2 * STORE_ID_BYTES, a->depth);
	store_le32_put(val + 5 + 2 * STORE_ID_BYTES, a->rank);
	memcpy(val + ACL_FIXED, a->signer, nlen);
	return put(t, DB_DB_ACLS, key, klen, val, ACL_FIXED + nlen);
}

int
store_acl_get(store_txn_t *t, const char *db, const uint8_t id[STORE_ID_BYTES],
    struct store_acl *out)
{
	uint8_t	key[KEY_MAX];
	MDB_val	k, v;
	int	rc;

	if ((rc = get_in(t, DB_DB_ACLS, key, db, id, STORE_ID_BYTES, &k,
	    &v)) != 0)
		return rc;
	return acl_decode(&k, &v, k.mv_size - STORE_ID_BYTES, out);
}

int
store_acl_next(store_txn_t *t, const char *db, const uint8_t *after,
    struct store_acl *out)
{
	MDB_val	k, v;
	size_t	plen;
	int	rc;

	if ((rc = next_after(t, DB_DB_ACLS, db, NULL, 0, after,
	    STORE_ID_BYTES, &k, &v, &plen)) != 0)
		return rc;
	return acl_decode(&k, &v, plen, out);
}

int
store_db_next(store_txn_t *t, const char *after, char out[STORE_MAX_DB + 1])
{
	uint8_t	 key[KEY_MAX];
	size_t	 n = strnlen(after, STORE_MAX_DB + 1), len;
	MDB_val	 k, v;
	uint8_t	*nul;
	int	 rc;

	if (n > STORE_MAX_DB)
		return STORE_INVAL;
	/* Past every key of `after`: its name then a byte above NUL. */
	memcpy(key, after, n);
	key[n] = 0x01;
	if ((rc = next_in(t, DB_DB_ACLS, key, n > 0 ? n + 1 : 0, 0, 0, &k,
	    &v)) != 0)
		return rc;
	nul = memchr(k.mv_data, '\0', k.mv_size);
	len = nul == NULL ? 0 : (size_t)(nul - (uint8_t *)k.mv_data);
	if (len == 0 || len > STORE_MAX_DB)
		return STORE_CORRUPT;
	memcpy(out, k.mv_data, len);
	out[len] = '\0';
	return 0;
}

static int
rev_decode(const MDB_val *k, const MDB_val *v, size_t plen,
    struct store_rev *out)
{
	const uint8_t	*p = v->mv_data;

	if (k->mv_size != plen + STORE_ID_BYTES || v->mv_size != REV_VALUE ||
	    p[0] != DOC_FORMAT)
		return STORE_CORRUPT;
	memcpy(out->id, (const uint8_t *)k->mv_data + plen, STORE_ID_BYTES);
	out->flags = p[1];
	out->depth = store_le32_get(p + 2);
	return 0;
}

int
store_rev_put(store_txn_t *t, const char *db, const uint8_t *doc,
    const struct store_rev *r)
{
	uint8_t	key[KEY_MAX], val[REV_VALUE];
	size_t	klen = doc_key(key, db, doc, STORE_DOC_ID_BYTES);

	if (klen == 0)
		return STORE_INVAL;
	memcpy(key + klen, r->id, STORE_ID_BYTES);
	val[0] = DOC_FORMAT;
	val[1] = (uint8_t)r->flags;
	store_le32_put(val + 2, r->depth);
	return put(t, DB_DOC_REVS, key, klen + STORE_ID_BYTES, val,
	    sizeof(val));
}

int
store_rev_get(store_txn_t *t, const char *db, const uint8_t *doc,
    const uint8_t id[STORE_ID_BYTES], struct store_rev *out)
{
	uint8_t	key[KEY_MAX];
	size_t	plen = doc_key(key, db, doc, STORE_DOC_ID_BYTES);
	MDB_val	k = { plen + STORE_ID_BYTES, key }, v;
	int	rc;

	if (plen == 0)
		return STORE_INVAL;
	memcpy(key + plen, id, STORE_ID_BYTES);
	if ((rc = mdb_get(t->tx_txn, dbi(t, DB_DOC_REVS), &k, &v)) != 0)
		return store_mdb_rc(rc);
	return rev_decode(&k, &v, plen, out);
}

int
store_rev_del(store_txn_t *t, const char *db, const uint8_t *doc,
    const uint8_t id[STORE_ID_BYTES])
{
	uint8_t	key[KEY_MAX];
	size_t	plen = doc_key(key, db, doc, STORE_DOC_ID_BYTES);
	MDB_val	k = { plen + STORE_ID_BYTES, key };

	if (plen == 0)
		return STORE_INVAL;
	if (t->tx_read_only)
		return EROFS;
	memcpy(key + plen, id, STORE_ID_BYTES);
	return store_mdb_rc(mdb_del(t->tx_txn, dbi(t, DB_DOC_REVS), &k, NULL));
}

int
store_rev_next(store_txn_t *t, const char *db, const uint8_t *doc,
    const uint8_t *after, struct store_rev *out)
{
	MDB_val	k, v;
	size_t	plen;
	int	rc;

	if ((rc = next_after(t, DB_DOC_REVS, db, doc, STORE_DOC_ID_BYTES,
	    after, STORE_ID_BYTES, &k, &v, &plen)) != 0)
		return rc;
	return rev_decode(&k, &v, plen, out);
}

static int
head_decode(const MDB_val *k, const MDB_val *v, size_t plen,
    struct store_head *out)
{
	const uint8_t	*p = v->mv_data;
	size_t		 alen;

	if (k->mv_size != plen + STORE_DOC_ID_BYTES ||
	    v->mv_size < HEAD_FIXED || p[0] != DOC_FORMAT ||
	    (alen = v->mv_size - HEAD_FIXED) > STORE_MAX_PEER)
		return STORE_CORRUPT;
	memcpy(out->doc, (const uint8_t *)k->mv_data + plen,
	    STORE_DOC_ID_BYTES);
	out->flags = p[1];
	memcpy(out->winner, p + 2, STORE_ID_BYTES);
	out->depth = store_le32_get(p + 2 + STORE_ID_BYTES);
	out->conflicts = store_le32_get(p + 6 + STORE_ID_BYTES);
	memcpy(out->author, p + HEAD_FIXED, alen);
	out->author[alen] = '\0';
	return 0;
}

int
store_head_put(store_txn_t *t, const char *db, const struct store_head *h)
{
	uint8_t	key[KEY_MAX], val[HEAD_FIXED + STORE_MAX_PEER];
	size_t	klen = doc_key(key, db, h->doc, STORE_DOC_ID_BYTES);
	size_t	alen = strnlen(h->author, STORE_MAX_PEER + 1);

	if (klen == 0 || alen > STORE_MAX_PEER)
		return STORE_INVAL;
	val[0] = DOC_FORMAT;
	val[1] = (uint8_t)h->flags;
	memcpy(val + 2, h->winner, STORE_ID_BYTES);
	store_le32_put(val + 2 + STORE_ID_BYTES, h->depth);
	store_le32_put(val + 6 + STORE_ID_BYTES, h->conflicts);
	memcpy(val + HEAD_FIXED, h->author, alen);
	return put(t, DB_DOC_HEADS, key, klen, val, HEAD_FIXED + alen);
}

int
store_head_get(store_txn_t *t, const char *db, const uint8_t *doc,
    struct store_head *out)
{
	uint8_t	key[KEY_MAX];
	MDB_val	k, v;
	int	rc;

	if ((rc = get_in(t, DB_DOC_HEADS, key, db, doc, STORE_DOC_ID_BYTES,
	    &k, &v)) != 0)
		return rc;
	return head_decode(&k, &v, k.mv_size - STORE_DOC_ID_BYTES, out);
}

int
store_head_next(store_txn_t *t, const char *db, const uint8_t *after,
    struct store_head *out)
{
	MDB_val	k, v;
	size_t	plen;
	int	rc;

	if ((rc = next_after(t, DB_DOC_HEADS, db, NULL, 0, after,
	    STORE_DOC_ID_BYTES, &k, &v, &plen)) != 0)
		return rc;
	return head_decode(&k, &v, plen, out);
}

int
store_stub_set(store_txn_t *t, const char *db, const uint8_t *doc,
    int pending)
{
	uint8_t	key[KEY_MAX];
	size_t	klen = doc_key(key, db, doc, STORE_DOC_ID_BYTES);
	MDB_val	k = { klen, key };
	int	rc;

	if (klen == 0)
		return STORE_INVAL;
	if (pending)
		return put(t, DB_DOC_STUBS, key, klen, "", 0);
	if (t->tx_read_only)
		return EROFS;
	rc = mdb_del(t->tx_txn, dbi(t, DB_DOC_STUBS), &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_rc(rc);
}

int
store_stub_next(store_txn_t *t, char db[STORE_MAX_DB + 1],
    uint8_t doc[STORE_DOC_ID_BYTES])
{
	uint8_t	 key[KEY_MAX];
	size_t	 klen = 0, len;
	MDB_val	 k, v;
	uint8_t	*nul;
	int	 rc;

	if (db[0] != '\0' && (klen = doc_key(key, db, doc,
	    STORE_DOC_ID_BYTES)) == 0)
		return STORE_INVAL;
	if ((rc = next_in(t, DB_DOC_STUBS, key, klen, 0, klen > 0, &k,
	    &v)) != 0)
		return rc;
	nul = memchr(k.mv_data, '\0', k.mv_size);
	len = nul == NULL ? 0 : (size_t)(nul - (uint8_t *)k.mv_data);
	if (len == 0 || len > STORE_MAX_DB ||
	    k.mv_size != len + 1 + STORE_DOC_ID_BYTES)
		return STORE_CORRUPT;
	memcpy(db, k.mv_data, len);
	db[len] = '\0';
	memcpy(doc, nul + 1, STORE_DOC_ID_BYTES);
	return 0;
}

int
store_chunk_put(store_txn_t *t, const char *db,
    const uint8_t hash[STORE_ID_BYTES], const uint8_t id[STORE_ID_BYTES])
{
	uint8_t	key[KEY_MAX];
	size_t	klen = doc_key(key, db, hash, STORE_ID_BYTES);
	MDB_val	k = { klen, key }, v = { STORE_ID_BYTES, (void *)(uintptr_t)id };
	int	rc;

	if (klen == 0)
		return STORE_INVAL;
	if (t->tx_read_only)
		return EROFS;
	rc = mdb_put(t->tx_txn, dbi(t, DB_DOC_CHUNKS), &k, &v, MDB_NOOVERWRITE);
	return rc == MDB_KEYEXIST ? STORE_HELD : store_mdb_rc(rc);
}

int
store_chunk_get(store_txn_t *t, const char *db,
    const uint8_t hash[STORE_ID_BYTES], uint8_t id[STORE_ID_BYTES])
{
	uint8_t	key[KEY_MAX];
	MDB_val	k = { doc_key(key, db, hash, STORE_ID_BYTES), key };

	if (k.mv_size == 0)
		return STORE_INVAL;
	return store_id_get(t, DB_DOC_CHUNKS, &k, STORE_ID_BYTES, id);
}

int
store_acl_index_current(store_txn_t *t)
{
	return store_index_current(t, ACL_INDEX_KEY, ACL_INDEX_VERSION);
}

int
store_acl_reset(store_txn_t *t)
{
	return store_index_reset(t, DB_DB_ACLS, ACL_INDEX_KEY,
	    ACL_INDEX_VERSION);
}
