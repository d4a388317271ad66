/*
 * store_submit: idempotent submission. A client that may send the same
 * request twice (a gateway whose MTA retries after a timeout) names it
 * with a key; the record written for the first is the answer to every
 * repeat.
 *
 * submit_keys: key (1..STORE_MAX_SUBMIT_KEY bytes) -> record id[32]
 *              le64 time_ms (when the key was first seen)
 */
#include <string.h>

#include "store_int.h"

#define SUBMIT_VALUE	(STORE_ID_BYTES + 8)

int
store_submit_get(store_txn_t *t, const char *key, uint8_t id[STORE_ID_BYTES])
{
	MDB_val	k;
	int	rc;

	if ((rc = store_text_key(&k, key, STORE_MAX_SUBMIT_KEY)) != 0)
		return rc;
	if (t->tx_store->st_dbi[DB_SUBMIT] == 0)
		return STORE_NOTFOUND;	/* an older store, read-only */
	return store_id_get(t, DB_SUBMIT, &k, SUBMIT_VALUE, id);
}

int
store_submit_put(store_txn_t *t, const char *key,
    const uint8_t id[STORE_ID_BYTES], uint64_t time_ms)
{
	MDB_val	k, v;
	uint8_t	val[SUBMIT_VALUE];
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = store_text_key(&k, key, STORE_MAX_SUBMIT_KEY)) != 0)
		return rc;
	memcpy(val, id, STORE_ID_BYTES);
	store_le64_put(val + STORE_ID_BYTES, time_ms);
	v.mv_size = sizeof(val);
	v.mv_data = val;
	rc = mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_SUBMIT], &k, &v,
	    MDB_NOOVERWRITE);
	return rc == MDB_KEYEXIST ? STORE_HELD : store_mdb_rc(rc);
}

int
store_submit_expire(store_txn_t *t, char after[STORE_MAX_SUBMIT_KEY + 1],
    uint64_t before_ms, size_t max)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = strnlen(after, STORE_MAX_SUBMIT_KEY + 1), seen = 0;
	int		 rc, gone = 0;

	if (t->tx_read_only)
		return EROFS;
	if (n > STORE_MAX_SUBMIT_KEY)
		return STORE_INVAL;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_SUBMIT],
	    &c)) != 0)
		return store_mdb_rc(rc);
	k.mv_size = n;
	k.mv_data = after;
	rc = n == 0 ? mdb_cursor_get(c, &k, &v, MDB_FIRST) :
	    mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	/* SET_RANGE lands on `after` itself if it is still there. */
	if (rc == 0 && n > 0 && k.mv_size == n && memcmp(k.mv_data, after,
	    n) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	for (; rc == 0 && seen < max; seen++) {
		if (k.mv_size > STORE_MAX_SUBMIT_KEY) {
			rc = STORE_CORRUPT;
			break;
		}
		memcpy(after, k.mv_data, k.mv_size);
		after[k.mv_size] = '\0';
		if (v.mv_size != SUBMIT_VALUE || store_le64_get((uint8_t *)
		    v.mv_data + STORE_ID_BYTES) < before_ms) {
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				break;
			gone++;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		after[0] = '\0';	/* the end: start again next time */
		rc = 0;
	}
	return rc == 0 ? gone : store_mdb_rc(rc);
}
