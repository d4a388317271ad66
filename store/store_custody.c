/*
 * store_custody: who had a record when, so an admin can trace a message.
 *
 * custody: id[32] be64 time_ms be32 n -> u8 event, peer name
 * Keys sort by record, then time, then n (a counter that keeps two events
 * of the same millisecond apart and in order), so one cursor range lists
 * a record's history oldest first: store_custody_walk() reads it in one
 * pass, whatever its length.
 */
#include <string.h>

#include "store_int.h"

#define CUST_KEY	(STORE_ID_BYTES + 8 + 4)
#define CUSTODY_LAST	STORE_CUSTODY_REPAIRED	/* the newest kind of event */

static void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
store_custody_add(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    const struct store_custody *ev)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[CUST_KEY], val[1 + STORE_MAX_PEER];
	size_t		 n = strnlen(ev->peer, STORE_MAX_PEER + 1);
	uint32_t	 seq = 0;
	int		 rc;

	if (t->tx_read_only)
		return EROFS;
	if (n > STORE_MAX_PEER || ev->event < STORE_CUSTODY_SUBMITTED ||
	    ev->event > CUSTODY_LAST)
		return STORE_INVAL;
	memcpy(key, id, STORE_ID_BYTES);
	store_be64_put(key + STORE_ID_BYTES, ev->time_ms);
	memset(key + STORE_ID_BYTES + 8, 0xff, 4);
	/* n = one past the last event of this record in this millisecond. */
	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_CUSTODY],
	    &c)) != 0)
		return store_mdb_rc(rc);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) :
	    mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == CUST_KEY &&
	    memcmp(k.mv_data, key, STORE_ID_BYTES + 8) == 0) {
		const uint8_t *p = (const uint8_t *)k.mv_data +
		    STORE_ID_BYTES + 8;

		seq = ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]) + 1;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_rc(rc);
	be32_put(key + STORE_ID_BYTES + 8, seq);
	val[0] = (uint8_t)ev->event;
	memcpy(val + 1, ev->peer, n);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	v.mv_size = 1 + n;
	v.mv_data = val;
	return store_mdb_rc(mdb_put(t->tx_txn, t->tx_store->st_dbi[DB_CUSTODY],
	    &k, &v, 0));
}

/* The event at the cursor (key k, value v) into *out; 0 or an error. */
static int
custody_read(const MDB_val *k, const MDB_val *v, struct store_custody *out)
{
	if (v->mv_size < 1 || v->mv_size > 1 + STORE_MAX_PEER)
		return STORE_CORRUPT;
	out->time_ms = store_be64_get((uint8_t *)k->mv_data + STORE_ID_BYTES);
	out->event = ((uint8_t *)v->mv_data)[0];
	memcpy(out->peer, (uint8_t *)v->mv_data + 1, v->mv_size - 1);
	out->peer[v->mv_size - 1] = '\0';
	return 0;
}

int
store_custody_walk(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    unsigned max, store_custody_fn fn, void *arg)
{
	struct store_custody	 ev;
	MDB_cursor		*c;
	MDB_val			 k = { STORE_ID_BYTES, (void *)(uintptr_t)id }, v;
	unsigned		 n = 0;
	int			 rc;

	if ((rc = mdb_cursor_open(t->tx_txn, t->tx_store->st_dbi[DB_CUSTODY],
	    &c)) != 0)
		return store_mdb_rc(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && n++ < max) {
		if (k.mv_size != CUST_KEY ||
		    memcmp(k.mv_data, id, STORE_ID_BYTES) != 0)
			break;
		if ((rc = custody_read(&k, &v, &ev)) != 0 ||
		    fn(&ev, arg) != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_rc(rc);
}

/* store_custody_get(): keeps the event at index from. */
struct custody_at {
	unsigned		 at, i;
	struct store_custody	*out;
	int			 found;
};

static int
custody_at(const struct store_custody *ev, void *arg)
{
	struct custody_at	*a = arg;

	if (a->i++ < a->at)
		return 0;
	*a->out = *ev;
	a->found = 1;
	return 1;
}

int
store_custody_get(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
    unsigned from, struct store_custody *out)
{
	struct custody_at	a = { .at = from, .out = out };
	int			rc;

	if ((rc = store_custody_walk(t, id, from + 1, custody_at, &a)) != 0)
		return rc;
	return a.found ? 0 : STORE_NOTFOUND;
}
