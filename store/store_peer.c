/*
 * store_peer: per-peer sync state, one fixed-layout value per peer name:
 *   0 u8 format (1)   1 instance[16]   17 le64 acked   25 le64 received
 *   33 le64 last_contact_ms   41 le32 last_error
 */
#include <string.h>

#include "store_int.h"

#define PEER_FORMAT	1
#define PEER_VALUE	45

static int
peer_key(MDB_val *k, const char *name)
{
	size_t	n = strnlen(name, STORE_MAX_PEER + 1);

	if (n == 0 || n > STORE_MAX_PEER)
		return STORE_INVAL;
	k->mv_size = n;
	k->mv_data = (void *)(uintptr_t)name;
	return 0;
}

int
store_peer_get(store_txn_t *t, const char *name, struct store_peer *out)
{
	MDB_val		 k, v;
	const uint8_t	*p;
	int		 rc;

	if ((rc = peer_key(&k, name)) != 0)
		return rc;
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_PEERS], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	p = v.mv_data;
	if (v.mv_size != PEER_VALUE || p[0] != PEER_FORMAT)
		return STORE_CORRUPT;
	memcpy(out->instance, p + 1, STORE_INSTANCE_BYTES);
	out->acked = store_le64_get(p + 17);
	out->received = store_le64_get(p + 25);
	out->last_contact_ms = store_le64_get(p + 33);
	out->last_error = (int32_t)store_le32_get(p + 41);
	return 0;
}

int
store_peer_put(store_txn_t *t, const char *name, const struct store_peer *in)
{
	MDB_val		k, v;
	uint8_t		p[PEER_VALUE];
	int		rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = peer_key(&k, name)) != 0)
		return rc;
	p[0] = PEER_FORMAT;
	memcpy(p + 1, in->instance, STORE_INSTANCE_BYTES);
	store_le64_put(p + 17, in->acked);
	store_le64_put(p + 25, in->received);
	store_le64_put(p + 33, in->last_contact_ms);
	store_le32_put(p + 41, (uint32_t)in->last_error);
	v.mv_size = sizeof(p);
	v.mv_data = p;
	return store_mdb_rc(mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_PEERS],
	    &k, &v, 0));
}
