/*
 * store_transit: when each record that came with its age came into
 * being, by this node's clock, so that the time it spends here adds to
 * that age when it goes on (the daemon's mail expiry, proto/README.md
 * "Mail in transit"). Kept only for records that came with an age; a
 * record has at most one entry, the first.
 *
 * transit: id[32] -> le64 born_ms
 */
#include "store_int.h"

int
store_transit_put(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    uint64_t born_ms)
{
	MDB_val	k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v;
	uint8_t	val[8];
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	store_le64_put(val, born_ms);
	v.mv_size = sizeof(val);
	v.mv_data = val;
	rc = mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_TRANSIT], &k, &v,
	    MDB_NOOVERWRITE);
	return rc == MDB_KEYEXIST ? 0 : store_mdb_rc(rc);
}

int
store_transit_get(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    uint64_t *born_ms)
{
	MDB_val	k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v;
	int	rc;

	if (t->tx_store->st_dbi[DB_TRANSIT] == 0)
		return STORE_NOTFOUND;	/* an older store, read-only */
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_TRANSIT], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	if (v.mv_size != 8)
		return STORE_CORRUPT;
	*born_ms = store_le64_get(v.mv_data);
	return 0;
}
