/*
 * store_damage: records found damaged on disk, set aside until a good
 * copy comes (store.h). A damaged value leaves DB_RECORDS, so nothing
 * serves it or counts it as held, and its log and lane entries go, so a
 * good copy stored later takes a new seq and every feed offers it again.
 * DB_DAMAGED keeps, by id:
 *   0 u8 state   1..7 zero   8 le64 found_ms   16 le64 seq (0: unknown)
 *   24 the value as found
 * seq is its log entry's, which stays if it was the newest (seqs are
 * never reused) until the good copy's entry follows it.
 * What was found is kept for the admin and for a best guess at who wrote
 * it; it is never served as the record.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define DMG_HEAD	24
#define REC_BODY_OFF	88	/* store_record.c's layout */

static int
damage_entry(const MDB_val *k, const MDB_val *v, struct store_damage *out)
{
	const uint8_t	*p = v->mv_data;

	if (k->mv_size != STORE_ID_BYTES || v->mv_size < DMG_HEAD ||
	    (p[0] != STORE_DAMAGE_WANTED && p[0] != STORE_DAMAGE_LOST))
		return STORE_CORRUPT;
	memcpy(out->id, k->mv_data, STORE_ID_BYTES);
	out->state = p[0];
	out->found_ms = store_le64_get(p + 8);
	out->seq = store_le64_get(p + 16);
	/* The body, if the value was long enough to have one. */
	out->body = v->mv_size > DMG_HEAD + REC_BODY_OFF ?
	    p + DMG_HEAD + REC_BODY_OFF : NULL;
	out->body_len = out->body != NULL ?
	    v->mv_size - DMG_HEAD - REC_BODY_OFF : 0;
	return 0;
}

int
store_damage_mark(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    uint64_t seq, uint64_t now_ms)
{
	MDB_dbi		*dbi = t->tx_store->st_dbi;
	MDB_val		 k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v, dv;
	uint8_t		*p;
	uint64_t	 hseq;
	int		 rc, lane = -1;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = mdb_get(t->tx_txn, dbi[DB_RECORDS], &k, &v)) != 0)
		return store_mdb_rc(rc);
	/* Its header, if whole, says where it is in the log. */
	if (store_rec_header(&v, &hseq, &lane) == 0 &&
	    (seq == 0 || seq == hseq))
		seq = hseq;
	else
		lane = -1;
	/* v is valid only until the next write: copied first. */
	if ((p = malloc(DMG_HEAD + v.mv_size)) == NULL)
		return ENOMEM;
	memset(p, 0, DMG_HEAD);
	p[0] = STORE_DAMAGE_WANTED;
	store_le64_put(p + 8, now_ms);
	store_le64_put(p + 16, seq);
	memcpy(p + DMG_HEAD, v.mv_data, v.mv_size);
	dv.mv_size = DMG_HEAD + v.mv_size;
	dv.mv_data = p;
	rc = mdb_put(t->tx_txn, dbi[DB_DAMAGED], &k, &dv, 0);
	free(p);
	if (rc != 0)
		return store_mdb_rc(rc);
	if (seq != 0 && (rc = store_unlog(t, id, seq, lane)) != 0)
		return rc;
	return store_mdb_rc(mdb_del(t->tx_txn, dbi[DB_RECORDS], &k, NULL));
}

int
store_damage_get(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    struct store_damage *out)
{
	MDB_val	k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v;
	int	rc;

	if (t->tx_store->st_dbi[DB_DAMAGED] == 0)
		return STORE_NOTFOUND;	/* a read-only look at an old store */
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_DAMAGED], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	return damage_entry(&k, &v, out);
}

int
store_damage_next(store_txn_t *t, const uint8_t *after,
    struct store_damage *out)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	if (t->tx_store->st_dbi[DB_DAMAGED] == 0)
		return STORE_NOTFOUND;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_DAMAGED],
	    &c)) != 0)
		return store_mdb_rc(rc);
	k.mv_size = STORE_ID_BYTES;
	k.mv_data = (void *)(uintptr_t)after;
	if (after == NULL)
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	else if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) == 0 &&
	    memcmp(k.mv_data, after, STORE_ID_BYTES) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	if (rc == 0)
		rc = damage_entry(&k, &v, out);
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

int
store_damage_set_state(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    int state)
{
	MDB_val	k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v;
	uint8_t	*copy;
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	if (state != STORE_DAMAGE_WANTED && state != STORE_DAMAGE_LOST)
		return STORE_INVAL;
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_DAMAGED], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	if (v.mv_size < DMG_HEAD)
		return STORE_CORRUPT;
	/* LMDB's pages are read-only: write a changed copy back. */
	if ((copy = malloc(v.mv_size)) == NULL)
		return ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	copy[0] = (uint8_t)state;
	v.mv_data = copy;
	rc = mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_DAMAGED], &k, &v, 0);
	free(copy);
	return store_mdb_rc(rc);
}
