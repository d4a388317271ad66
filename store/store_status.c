/*
 * store_status: each node's newest status report, by node name:
 *   status   name -> id[32] of a status record held in records
 */
#include <string.h>

#include "store_int.h"

int
store_status_put(store_txn_t *t, const char *name,
    const uint8_t id[STORE_ID_BYTES])
{
	MDB_val	k, v = { STORE_ID_BYTES, (void *)(uintptr_t)id };
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = store_text_key(&k, name, STORE_MAX_PEER)) != 0)
		return rc;
	return store_mdb_rc(mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_STATUS],
	    &k, &v, 0));
}

int
store_status_get(store_txn_t *t, const char *name, uint8_t id[STORE_ID_BYTES])
{
	MDB_val	k;
	int	rc;

	if ((rc = store_text_key(&k, name, STORE_MAX_PEER)) != 0)
		return rc;
	return store_id_get(t, DB_STATUS, &k, STORE_ID_BYTES, id);
}

int
store_status_next(store_txn_t *t, const char *after,
    char name[STORE_MAX_PEER + 1], uint8_t id[STORE_ID_BYTES])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = strnlen(after, STORE_MAX_PEER + 1);
	int		 rc;

	if (n > STORE_MAX_PEER)
		return STORE_INVAL;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_STATUS],
	    &c)) != 0)
		return store_mdb_rc(rc);
	k.mv_size = n;
	k.mv_data = (void *)(uintptr_t)after;
	rc = mdb_cursor_get(c, &k, &v, n > 0 ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && n > 0 && k.mv_size == n && memcmp(k.mv_data, after,
	    n) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	if (rc == 0 && (k.mv_size == 0 || k.mv_size > STORE_MAX_PEER ||
	    v.mv_size != STORE_ID_BYTES))
		rc = STORE_CORRUPT;
	if (rc == 0) {
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		memcpy(id, v.mv_data, STORE_ID_BYTES);
	}
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}
