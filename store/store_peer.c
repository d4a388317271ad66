/*
 * store_peer: per-peer sync state, one fixed-layout value per peer name:
 *   0 u8 format (2)   1 instance[16]   17 le64 acked[3]   41 le64
 *   received[3]   65 le64 last_contact_ms   73 le32 last_error
 *   77 le64 since_ms   85 received_epoch[3][16]
 * Format 1, written before log epochs, is the same without the epochs
 * (85 bytes); it reads as epochs not known.
 */
#include <string.h>

#include "store_int.h"

#define PEER_FORMAT	2
#define PEER_FORMAT_1	1
#define PEER_VALUE_1	(PEER_SINCE + 8)
#define PEER_VALUE	(PEER_EPOCHS + STORE_LANES * STORE_EPOCH_BYTES)
#define PEER_ACKED	17
#define PEER_RECEIVED	(PEER_ACKED + 8 * STORE_LANES)
#define PEER_CONTACT	(PEER_RECEIVED + 8 * STORE_LANES)
#define PEER_ERROR	(PEER_CONTACT + 8)
#define PEER_SINCE	(PEER_ERROR + 4)
#define PEER_EPOCHS	(PEER_SINCE + 8)

int
store_peer_get(store_txn_t *t, const char *name, struct store_peer *out)
{
	MDB_val		 k, v;
	const uint8_t	*p;
	int		 rc;

	if ((rc = store_text_key(&k, name, STORE_MAX_PEER)) != 0)
		return rc;
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_PEERS], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	p = v.mv_data;
	if (!(v.mv_size == PEER_VALUE && p[0] == PEER_FORMAT) &&
	    !(v.mv_size == PEER_VALUE_1 && p[0] == PEER_FORMAT_1))
		return STORE_CORRUPT;
	memcpy(out->instance, p + 1, STORE_INSTANCE_BYTES);
	for (int i = 0; i < STORE_LANES; i++) {
		out->acked[i] = store_le64_get(p + PEER_ACKED + 8 * i);
		out->received[i] = store_le64_get(p + PEER_RECEIVED + 8 * i);
	}
	out->last_contact_ms = store_le64_get(p + PEER_CONTACT);
	out->last_error = (int32_t)store_le32_get(p + PEER_ERROR);
	out->since_ms = store_le64_get(p + PEER_SINCE);
	if (p[0] == PEER_FORMAT)
		memcpy(out->received_epoch, p + PEER_EPOCHS,
		    sizeof(out->received_epoch));
	else
		memset(out->received_epoch, 0, sizeof(out->received_epoch));
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
	if ((rc = store_text_key(&k, name, STORE_MAX_PEER)) != 0)
		return rc;
	p[0] = PEER_FORMAT;
	memcpy(p + 1, in->instance, STORE_INSTANCE_BYTES);
	for (int i = 0; i < STORE_LANES; i++) {
		store_le64_put(p + PEER_ACKED + 8 * i, in->acked[i]);
		store_le64_put(p + PEER_RECEIVED + 8 * i, in->received[i]);
	}
	store_le64_put(p + PEER_CONTACT, in->last_contact_ms);
	store_le32_put(p + PEER_ERROR, (uint32_t)in->last_error);
	store_le64_put(p + PEER_SINCE, in->since_ms);
	memcpy(p + PEER_EPOCHS, in->received_epoch, sizeof(in->received_epoch));
	v.mv_size = sizeof(p);
	v.mv_data = p;
	return store_mdb_rc(mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_PEERS],
	    &k, &v, 0));
}

int
store_peer_next(store_txn_t *t, const char *after,
    char out[STORE_MAX_PEER + 1])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	char		 key[STORE_MAX_PEER + 2];
	size_t		 n = strnlen(after, STORE_MAX_PEER + 1);
	int		 rc;

	if (n > STORE_MAX_PEER)
		return STORE_INVAL;
	/* The least key above `after`: after NUL (or "" itself, for none). */
	memcpy(key, after, n);
	key[n] = '\0';
	k.mv_size = n == 0 ? 1 : n + 1;
	k.mv_data = key;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_PEERS],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size == 0 || k.mv_size > STORE_MAX_PEER))
		rc = STORE_CORRUPT;
	if (rc == 0) {
		memcpy(out, k.mv_data, k.mv_size);
		out[k.mv_size] = '\0';
	}
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}
