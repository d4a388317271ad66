/*
 * store_record: records by id and the change log.
 *
 * A record value is a 24-byte header, the signature, then the body:
 *   0 u8 format (1)   1 u8 lane   2 u16 zero   4 le32 body length
 *   8 le64 change-log seq   16 check[8]   24 signature[64]   88 body
 * check is BLAKE2b-64 of bytes 0..16 and the signature: the body is
 * checked against the id, everything else against check.
 * The change log maps be64 seq -> id, so LMDB keeps it in sequence order
 * and appends cheaply. Invariants: every record has exactly one log entry
 * and the log's seqs run 1..last with no holes (both written in the same
 * transaction), but for purged and damaged records (store_purge(),
 * store_damage_mark()): they leave a hole, or, the newest, an entry
 * naming a record no longer held, so that seqs never repeat; a value
 * whose body does not hash to its key is corrupt.
 */
#include <string.h>

#include <sodium.h>

#include "store_int.h"

#define REC_FORMAT	1
#define REC_CHECK_OFF	16
#define REC_CHECK_LEN	8
#define REC_SIG_OFF	24
#define REC_BODY_OFF	(REC_SIG_OFF + STORE_SIG_BYTES)

/* BLAKE2b-64 of the header fields and the signature of value p. */
static void
rec_check(const uint8_t *p, uint8_t out[REC_CHECK_LEN])
{
	crypto_generichash_state	st;

	crypto_generichash_init(&st, NULL, 0, REC_CHECK_LEN);
	crypto_generichash_update(&st, p, REC_CHECK_OFF);
	crypto_generichash_update(&st, p + REC_SIG_OFF, STORE_SIG_BYTES);
	crypto_generichash_final(&st, out, REC_CHECK_LEN);
}

/* 0 if value v is whole and its body hashes to id, else STORE_CORRUPT. */
static int
rec_valid(const MDB_val *v, const uint8_t id[STORE_ID_BYTES])
{
	const uint8_t	*p = v->mv_data;
	uint8_t		 hash[STORE_ID_BYTES], check[REC_CHECK_LEN];
	size_t		 len;

	if (v->mv_size < REC_BODY_OFF || p[0] != REC_FORMAT)
		return STORE_CORRUPT;
	len = store_le32_get(p + 4);
	if (len == 0 || len > STORE_MAX_BODY || len != v->mv_size - REC_BODY_OFF)
		return STORE_CORRUPT;
	rec_check(p, check);
	if (memcmp(check, p + REC_CHECK_OFF, REC_CHECK_LEN) != 0)
		return STORE_CORRUPT;
	crypto_generichash(hash, sizeof(hash), p + REC_BODY_OFF, len, NULL, 0);
	return memcmp(hash, id, STORE_ID_BYTES) == 0 ? 0 : STORE_CORRUPT;
}

int
store_rec_header(const MDB_val *v, uint64_t *seq, int *lane)
{
	const uint8_t	*p = v->mv_data;
	uint8_t		 check[REC_CHECK_LEN];

	if (v->mv_size < REC_BODY_OFF)
		return STORE_CORRUPT;
	rec_check(p, check);
	if (memcmp(check, p + REC_CHECK_OFF, REC_CHECK_LEN) != 0)
		return STORE_CORRUPT;
	*seq = store_le64_get(p + 8);
	*lane = p[1];
	return 0;
}

/* Deletes key k of db if it maps to id: 0, or a store error. */
static int
del_if_id(store_txn_t *t, enum store_db db, MDB_val *k,
    const uint8_t id[STORE_ID_BYTES])
{
	MDB_val	v;
	int	rc;

	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[db], k, &v)) != 0)
		return rc == MDB_NOTFOUND ? 0 : store_mdb_rc(rc);
	if (v.mv_size != STORE_ID_BYTES || memcmp(v.mv_data, id,
	    STORE_ID_BYTES) != 0)
		return 0;
	return store_mdb_rc(mdb_del(t->tx_txn, t->tx_store->st_dbi[db], k,
	    NULL));
}

int
store_unlog(store_txn_t *t, const uint8_t id[STORE_ID_BYTES], uint64_t seq,
    int lane)
{
	MDB_val		k;
	uint8_t		key[9], last_id[STORE_ID_BYTES];
	uint64_t	last;
	int		rc;

	if ((rc = store_log_last(t, &last, last_id)) != 0)
		return rc == STORE_NOTFOUND ? 0 : rc;
	store_be64_put(key + 1, seq);
	/* The newest entry stays, dangling: seqs are never reused. */
	k.mv_size = 8;
	k.mv_data = key + 1;
	if (seq != last && (rc = del_if_id(t, DB_LOG, &k, id)) != 0)
		return rc;
	k.mv_size = sizeof(key);
	k.mv_data = key;
	for (int l = 0; l < STORE_LANES; l++) {
		if (lane >= 0 && l != lane)
			continue;
		key[0] = (uint8_t)l;
		if ((rc = del_if_id(t, DB_LANES, &k, id)) != 0)
			return rc;
	}
	return 0;
}

static int
next_seq(store_txn_t *t, uint64_t *seq)
{
	uint8_t	id[STORE_ID_BYTES];
	int	rc;

	if (t->tx_next_seq == 0) {
		rc = store_log_last(t, &t->tx_next_seq, id);
		if (rc == STORE_NOTFOUND)
			t->tx_next_seq = 0;
		else if (rc != 0)
			return rc;
		t->tx_next_seq++;
	}
	*seq = t->tx_next_seq;
	return 0;
}

int
store_put(store_txn_t *t, struct store_record *rec)
{
	MDB_dbi			*dbi = t->tx_store->st_dbi;
	MDB_val			 k, v, lk, lv;
	struct store_damage	 d;
	uint8_t			*p, seqkey[8], lanekey[9];
	uint64_t		 seq;
	int			 rc, lane, damaged;

	if (t->tx_read_only)
		return EROFS;
	if (rec->body_len == 0 || rec->body_len > STORE_MAX_BODY ||
	    rec->lane >= STORE_LANES)
		return STORE_INVAL;
	k.mv_size = STORE_ID_BYTES;
	k.mv_data = rec->id;
	if ((rc = mdb_get(t->tx_txn, dbi[DB_RECORDS], &k, &v)) == 0) {
		if (rec_valid(&v, rec->id) == 0 &&
		    store_rec_header(&v, &rec->seq, &lane) == 0)
			return STORE_HELD;
		/* The copy we hold is damaged: this one replaces it. */
		if ((rc = store_damage_mark(t, rec->id, 0, 0)) != 0)
			return rc;
	} else if (rc != MDB_NOTFOUND)
		return store_mdb_rc(rc);
	if ((rc = store_damage_get(t, rec->id, &d)) != 0 &&
	    rc != STORE_NOTFOUND)
		return rc;
	damaged = rc == 0;
	if ((rc = next_seq(t, &seq)) != 0)
		return rc;
	v.mv_size = REC_BODY_OFF + rec->body_len;
	if ((rc = mdb_put(t->tx_txn, dbi[DB_RECORDS], &k, &v,
	    MDB_NOOVERWRITE | MDB_RESERVE)) != 0)
		return store_mdb_rc(rc);
	p = v.mv_data;
	memset(p, 0, REC_SIG_OFF);
	p[0] = REC_FORMAT;
	p[1] = (uint8_t)rec->lane;
	store_le32_put(p + 4, (uint32_t)rec->body_len);
	store_le64_put(p + 8, seq);
	memcpy(p + REC_SIG_OFF, rec->sig, STORE_SIG_BYTES);
	rec_check(p, p + REC_CHECK_OFF);
	memcpy(p + REC_BODY_OFF, rec->body, rec->body_len);

	store_be64_put(seqkey, seq);
	lk.mv_size = sizeof(seqkey);
	lk.mv_data = seqkey;
	lv.mv_size = STORE_ID_BYTES;
	lv.mv_data = rec->id;
	if ((rc = mdb_put(t->tx_txn, dbi[DB_LOG], &lk, &lv, MDB_APPEND)) != 0)
		return store_mdb_rc(rc);
	lanekey[0] = (uint8_t)rec->lane;
	memcpy(lanekey + 1, seqkey, sizeof(seqkey));
	lk.mv_size = sizeof(lanekey);
	lk.mv_data = lanekey;
	if ((rc = mdb_put(t->tx_txn, dbi[DB_LANES], &lk, &lv, 0)) != 0)
		return store_mdb_rc(rc);
	t->tx_next_seq++;
	rec->seq = seq;
	if (!damaged)
		return 0;
	/* Its old log entry, kept as the newest, is not any more. */
	if (d.seq != 0 && (rc = store_unlog(t, rec->id, d.seq, -1)) != 0)
		return rc;
	k.mv_size = STORE_ID_BYTES;
	k.mv_data = rec->id;
	if ((rc = mdb_del(t->tx_txn, dbi[DB_DAMAGED], &k, NULL)) != 0)
		return store_mdb_rc(rc);
	return STORE_REPAIRED;
}

int
store_put_batch(store_t *st, struct store_record *recs, size_t n,
    uint8_t *held)
{
	store_txn_t	*txn = NULL;
	int		 rc;

	if ((rc = store_txn_begin(st, 0, &txn)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = store_put(txn, &recs[i]);
		if (held != NULL)
			held[i] = rc == STORE_HELD;
		if (rc != 0 && rc != STORE_HELD)
			goto out;
	}
	rc = store_txn_commit(&txn);
out:
	store_txn_abort(&txn);
	return rc;
}

int
store_get(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    struct store_record *out)
{
	MDB_val		 k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v;
	const uint8_t	*p;
	int		 rc;

	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_RECORDS], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	if ((rc = rec_valid(&v, id)) != 0)
		return rc;
	p = v.mv_data;
	memcpy(out->id, id, STORE_ID_BYTES);
	out->body = p + REC_BODY_OFF;
	out->body_len = v.mv_size - REC_BODY_OFF;
	memcpy(out->sig, p + REC_SIG_OFF, STORE_SIG_BYTES);
	out->seq = store_le64_get(p + 8);
	out->lane = p[1];
	return 0;
}

int
store_purge(store_txn_t *t, const uint8_t id[STORE_ID_BYTES])
{
	MDB_dbi			*dbi = t->tx_store->st_dbi;
	MDB_cursor		*c;
	MDB_val			 k, v;
	struct store_record	 rec;
	int			 rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = store_get(t, id, &rec)) != 0 ||
	    (rc = store_unlog(t, id, rec.seq, rec.lane)) != 0)
		return rc;
	k.mv_size = STORE_ID_BYTES;
	k.mv_data = (void *)(uintptr_t)id;
	if ((rc = mdb_del(t->tx_txn, dbi[DB_RECORDS], &k, NULL)) != 0)
		return store_mdb_rc(rc);
	if ((rc = mdb_del(t->tx_txn, dbi[DB_TRANSIT], &k, NULL)) != 0 &&
	    rc != MDB_NOTFOUND)
		return store_mdb_rc(rc);
	/* Its custody events go with it. */
	if ((rc = mdb_cursor_open(t->tx_txn, dbi[DB_CUSTODY], &c)) != 0)
		return store_mdb_rc(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    k.mv_size > STORE_ID_BYTES && memcmp(k.mv_data, id,
	    STORE_ID_BYTES) == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_rc(rc);
}

static int
log_entry(MDB_val *k, MDB_val *v, uint64_t *seq, uint8_t id[STORE_ID_BYTES])
{
	if (k->mv_size != 8 || v->mv_size != STORE_ID_BYTES)
		return STORE_CORRUPT;
	*seq = store_be64_get(k->mv_data);
	memcpy(id, v->mv_data, STORE_ID_BYTES);
	return 0;
}

static int
log_seek(store_txn_t *t, MDB_cursor_op op, uint64_t from, uint64_t *seq,
    uint8_t id[STORE_ID_BYTES])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[8];
	int		 rc;

	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_LOG],
	    &c)) != 0)
		return store_mdb_rc(rc);
	store_be64_put(key, from);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, op);
	if (rc == 0)
		rc = log_entry(&k, &v, seq, id);
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

int
store_log_next(store_txn_t *t, uint64_t from, uint64_t *seq,
    uint8_t id[STORE_ID_BYTES])
{
	return log_seek(t, MDB_SET_RANGE, from, seq, id);
}

int
store_lane_next(store_txn_t *t, unsigned lane, uint64_t from, uint64_t *seq,
    uint8_t id[STORE_ID_BYTES])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[9];
	int		 rc;

	if (lane >= STORE_LANES)
		return STORE_INVAL;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_LANES],
	    &c)) != 0)
		return store_mdb_rc(rc);
	key[0] = (uint8_t)lane;
	store_be64_put(key + 1, from);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size != sizeof(key) ||
	    ((uint8_t *)k.mv_data)[0] != lane))
		rc = MDB_NOTFOUND;	/* the next lane's entries */
	if (rc == 0 && v.mv_size != STORE_ID_BYTES)
		rc = STORE_CORRUPT;
	if (rc == 0) {
		*seq = store_be64_get((uint8_t *)k.mv_data + 1);
		memcpy(id, v.mv_data, STORE_ID_BYTES);
	}
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

int
store_log_last(store_txn_t *t, uint64_t *seq, uint8_t id[STORE_ID_BYTES])
{
	return log_seek(t, MDB_LAST, 0, seq, id);
}
