/*
 * store_mbox: mailboxes, each an ordered list of delivered record ids.
 *
 * mbox:       mailbox NUL be64 seq -> id[32] flags[1]
 * mbox_index: mailbox NUL id[32]   -> be64 seq
 *             mailbox NUL           -> be64 last seq given (never reused,
 *                                      even after store_mbox_remove)
 * The index is what makes delivery happen once: a record already in the
 * index of a mailbox is not delivered to it again. Both entries are
 * written in the same transaction. Seqs run from 1 in each mailbox.
 */
#include <string.h>

#include "store_int.h"

#define MBOX_KEY_MAX	(STORE_MAX_MAILBOX + 1 + STORE_ID_BYTES)

/* Builds "mailbox NUL tail" into key; returns its length, or 0 if invalid. */
static size_t
mbox_key(uint8_t key[MBOX_KEY_MAX], const char *mailbox, const void *tail,
    size_t tail_len)
{
	return store_prefix_key(key, mailbox, STORE_MAX_MAILBOX, tail,
	    tail_len);
}

/* The key of entry seq of mailbox into key and *k: 0, or STORE_INVAL. */
static int
entry_key(uint8_t key[MBOX_KEY_MAX], const char *mailbox, uint64_t seq,
    MDB_val *k)
{
	uint8_t	seqb[8];

	store_be64_put(seqb, seq);
	if ((k->mv_size = mbox_key(key, mailbox, seqb, sizeof(seqb))) == 0)
		return STORE_INVAL;
	k->mv_data = key;
	return 0;
}

/* The last seq used in mailbox, 0 if it is empty. */
static int
mbox_last(store_txn_t *t, const uint8_t *key, size_t prefix, uint64_t *seq)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 probe[MBOX_KEY_MAX];
	int		 rc;

	/* Seek past the highest possible seq, then step back one entry. */
	memcpy(probe, key, prefix);
	memset(probe + prefix, 0xff, 8);
	k.mv_size = prefix + 8;
	k.mv_data = probe;
	*seq = 0;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_MBOX],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == prefix + 8 &&
	    memcmp(k.mv_data, key, prefix) == 0)
		*seq = store_be64_get((uint8_t *)k.mv_data + prefix);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_rc(rc);
}

int
store_mbox_deliver(store_txn_t *t, const char *mailbox,
    const uint8_t id[STORE_ID_BYTES], uint64_t *seq)
{
	MDB_dbi		*dbi = t->tx_store->st_dbi;
	MDB_val		 k, v;
	uint8_t		 ikey[MBOX_KEY_MAX], key[MBOX_KEY_MAX];
	uint8_t		 seqb[8], val[STORE_ID_BYTES + 1];
	size_t		 ilen, prefix;
	int		 rc;

	if (t->tx_read_only)
		return EROFS;
	if ((ilen = mbox_key(ikey, mailbox, id, STORE_ID_BYTES)) == 0)
		return STORE_INVAL;
	prefix = ilen - STORE_ID_BYTES;
	k.mv_size = ilen;
	k.mv_data = ikey;
	if ((rc = mdb_get(t->tx_txn, dbi[DB_MBOX_INDEX], &k, &v)) == 0) {
		if (v.mv_size != 8)
			return STORE_CORRUPT;
		*seq = store_be64_get(v.mv_data);
		return STORE_HELD;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_rc(rc);

	/* The mailbox's counter; without one, its newest entry. */
	k.mv_size = prefix;
	k.mv_data = ikey;
	if ((rc = mdb_get(t->tx_txn, dbi[DB_MBOX_INDEX], &k, &v)) == 0) {
		if (v.mv_size != 8)
			return STORE_CORRUPT;
		*seq = store_be64_get(v.mv_data);
	} else if (rc != MDB_NOTFOUND ||
	    (rc = mbox_last(t, ikey, prefix, seq)) != 0)
		return store_mdb_rc(rc);
	(*seq)++;
	store_be64_put(seqb, *seq);
	v.mv_size = sizeof(seqb);
	v.mv_data = seqb;
	if ((rc = mdb_put(t->tx_txn, dbi[DB_MBOX_INDEX], &k, &v, 0)) != 0)
		return store_mdb_rc(rc);
	mbox_key(key, mailbox, seqb, sizeof(seqb));
	memcpy(val, id, STORE_ID_BYTES);
	val[STORE_ID_BYTES] = 0;
	k.mv_size = prefix + sizeof(seqb);
	k.mv_data = key;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	if ((rc = mdb_put(t->tx_txn, dbi[DB_MBOX], &k, &v, 0)) != 0)
		return store_mdb_rc(rc);
	k.mv_size = ilen;
	k.mv_data = ikey;
	v.mv_size = sizeof(seqb);
	v.mv_data = seqb;
	return store_mdb_rc(mdb_put(t->tx_txn, dbi[DB_MBOX_INDEX], &k, &v, 0));
}

int
store_mbox_next(store_txn_t *t, const char *mailbox, uint64_t from,
    struct store_mbox_entry *out)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[MBOX_KEY_MAX];
	const uint8_t	*val;
	size_t		 len;
	int		 rc;

	if ((rc = entry_key(key, mailbox, from == 0 ? 1 : from, &k)) != 0)
		return rc;
	len = k.mv_size;
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_MBOX],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size != len ||
	    memcmp(k.mv_data, key, len - 8) != 0))
		rc = MDB_NOTFOUND;	/* the next mailbox's entries */
	if (rc == 0 && v.mv_size != STORE_ID_BYTES + 1)
		rc = STORE_CORRUPT;
	if (rc == 0) {
		val = v.mv_data;
		out->seq = store_be64_get((uint8_t *)k.mv_data + len - 8);
		memcpy(out->id, val, STORE_ID_BYTES);
		out->flags = val[STORE_ID_BYTES];
	}
	mdb_cursor_close(c);
	return store_mdb_rc(rc);
}

int
store_mbox_mark_read(store_txn_t *t, const char *mailbox, uint64_t seq)
{
	MDB_dbi	 mbox = t->tx_store->st_dbi[DB_MBOX];
	MDB_val	 k, v;
	uint8_t	 key[MBOX_KEY_MAX], val[STORE_ID_BYTES + 1];
	int	 rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = entry_key(key, mailbox, seq, &k)) != 0)
		return rc;
	if ((rc = mdb_get(t->tx_txn, mbox, &k, &v)) != 0)
		return store_mdb_rc(rc);
	if (v.mv_size != sizeof(val))
		return STORE_CORRUPT;
	memcpy(val, v.mv_data, sizeof(val));
	val[STORE_ID_BYTES] |= STORE_MBOX_READ;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	return store_mdb_rc(mdb_put(t->tx_txn, mbox, &k, &v, 0));
}

int
store_mbox_remove(store_txn_t *t, const char *mailbox, uint64_t seq)
{
	MDB_val	k;
	uint8_t	key[MBOX_KEY_MAX];
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = entry_key(key, mailbox, seq, &k)) != 0)
		return rc;
	return store_mdb_rc(mdb_del(t->tx_txn, t->tx_store->st_dbi[DB_MBOX],
	    &k, NULL));
}
