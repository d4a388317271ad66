/*
 * purge: forgets a deleted document once every peer that replicates its
 * database holds its delete stub (proto/README.md, "Databases and
 * documents").
 *
 * Not after a fixed time: a peer offline for months still gets the stub
 * before the history goes, so it cannot bring the document back, and a
 * purge is never lost. Each node asks only its own peers (their durable
 * acks); they in turn keep the stub until their peers hold it.
 *
 * What goes is the revisions' records: the bulk. The revision tree stays
 * (an id, a depth and two flags per revision), so that an edit made
 * offline, concurrently with the delete, still finds its parents and
 * wins or loses here exactly as on a replica that has not purged yet:
 * replicas converge whenever each purges. A late copy of a purged
 * revision is known by its id and dropped.
 */
#include <string.h>

#include "doc.h"
#include "log.h"
#include "node.h"
#include "purge.h"
#include "turn.h"

#define PURGE_EVERY_MS	2000
#define PURGE_MAX	256	/* stubs looked at in one pass */

/* 1 if peer q (state sp) holds the stub or need not: it came from q, or
 * q's feed would not carry it. */
static int
peer_holds(struct node *n, store_txn_t *txn, const char *q,
    const struct store_peer *sp, const struct store_record *rec,
    const Nodenet__RecordBody *rb)
{
	struct store_custody	first;

	if (store_custody_get(txn, rec->id, 0, &first) == 0 &&
	    first.event == STORE_CUSTODY_RECEIVED && first.time_ms >=
	    sp->since_ms && strcmp(first.peer, q) == 0)
		return 1;
	if (!doc_feed_wants(txn, n->n_conf->name, q, n->n_conf->root_name,
	    rb))
		return 1;
	return rec->lane < STORE_LANES && sp->acked[rec->lane] >= rec->seq;
}

/* Drops the records of every revision of the document; marks it purged. */
static int
purge_doc(store_txn_t *txn, const char *db, struct store_head *h)
{
	struct store_rev	r;
	int			rc;

	for (rc = store_rev_next(txn, db, h->doc, NULL, &r); rc == 0;
	    rc = store_rev_next(txn, db, h->doc, r.id, &r))
		if ((rc = store_purge(txn, r.id)) != 0 && rc != STORE_NOTFOUND)
			return rc;
	if (rc != STORE_NOTFOUND)
		return rc;
	h->flags |= STORE_HEAD_PURGED;
	if ((rc = store_head_put(txn, db, h)) != 0)
		return rc;
	return store_stub_set(txn, db, h->doc, 0);
}

/* 1 if every peer we ever synced with holds the stub of head h. */
static int
all_hold(struct node *n, store_txn_t *txn, const struct store_head *h)
{
	struct store_record	 rec;
	struct store_peer	 sp;
	Nodenet__RecordBody	*rb;
	char			 q[STORE_MAX_PEER + 1] = "";
	int			 all = 1;

	if (store_get(txn, h->winner, &rec) != 0 ||
	    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return 0;
	while (all && store_peer_next(txn, q, q) == 0)
		all = store_peer_get(txn, q, &sp) == 0 &&
		    peer_holds(n, txn, q, &sp, &rec, rb);
	nodenet__record_body__free_unpacked(rb, NULL);
	return all;
}

/* 1 if a stub of the first PURGE_MAX can go now. */
static int
purgeable(struct node *n, store_txn_t *txn)
{
	struct store_head	 h;
	char			 db[STORE_MAX_DB + 1] = "";
	uint8_t			 doc[STORE_DOC_ID_BYTES];

	for (int i = 0; i < PURGE_MAX && store_stub_next(txn, db, doc) == 0;
	    i++)
		if (store_head_get(txn, db, doc, &h) == 0 &&
		    (h.flags & STORE_HEAD_DELETED) && all_hold(n, txn, &h))
			return 1;
	return 0;
}

int
purge_run(struct node *n)
{
	store_txn_t		*txn;
	struct store_head	 h;
	char			 db[STORE_MAX_DB + 1] = "";
	uint8_t			 doc[STORE_DOC_ID_BYTES];
	int			 purged = 0, rc;

	/* Looked for in a read-only transaction first: a node with nothing
	 * to purge begins no write, so it commits nothing (an empty commit
	 * costs no disk write, but counts, and holds the writer's lock). */
	if (n->n_txn == NULL) {
		if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
			return -1;
		rc = purgeable(n, txn);
		store_txn_abort(&txn);
		if (rc == 0)
			return 0;
	}
	if ((txn = node_txn(n)) == NULL)
		return -1;
	for (int i = 0; i < PURGE_MAX && store_stub_next(txn, db, doc) == 0;
	    i++) {
		if (store_head_get(txn, db, doc, &h) != 0 ||
		    !(h.flags & STORE_HEAD_DELETED) || !all_hold(n, txn, &h))
			continue;
		if ((rc = purge_doc(txn, db, &h)) != 0) {
			log_warnx("event=purge_failed db=%s reason=\"%s\"", db,
			    store_strerror(rc));
			node_abort(n);
			return -1;
		}
		purged++;
	}
	if (purged > 0)
		log_info("event=purged stubs=%d", purged);
	return purged;
}

static void
tick(loop_t *l, void *arg)
{
	purge_run(arg);
	loop_timer(l, PURGE_EVERY_MS, tick, arg);
}

void
purge_start(struct node *n)
{
	loop_timer(n->n_loop, PURGE_EVERY_MS, tick, n);
}
