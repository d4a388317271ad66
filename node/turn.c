/*
 * turn: the node's write transaction and the loop turn's budget (turn.h).
 * What a transaction did is counted in n_cnt as it goes, and taken back
 * if the transaction is: a record the store could not keep is counted
 * once it is kept, not each time it comes again.
 */

#include "clock.h"
#include "log.h"
#include "node.h"
#include "turn.h"
#include "writes.h"

int
node_turn_full(const struct node *n)
{
	return n->n_txn_records >= NODE_COMMIT_RECORDS ||
	    loop_turn_ms(n->n_loop) >= NODE_TURN_MS;
}

store_txn_t *
node_txn(struct node *n)
{
	int	rc;

	if (n->n_txn != NULL)
		return n->n_txn;
	if ((rc = store_txn_begin(n->n_store, 0, &n->n_txn)) != 0)
		writes_refused(n, rc, 0);
	n->n_txn_ms = clock_mono_ms();
	n->n_cnt_txn = n->n_cnt;
	return n->n_txn;
}

void
node_refresh_head(struct node *n)
{
	store_txn_t	*txn;
	uint8_t		 id[STORE_ID_BYTES];

	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) == 0) {
		if (store_log_last(txn, &n->n_head, id) != 0)
			n->n_head = 0;
		store_txn_abort(&txn);
	}
}

/*
 * The write transaction was given up: what it counted of records,
 * repairs and deliveries did not happen (frames, sessions, commits and
 * requests did), and the records it took in were not stored: their
 * senders send them again.
 */
static void
uncount(struct node *n)
{
	struct counters		*c = &n->n_cnt;
	const struct counters	*then = &n->n_cnt_txn;

	c->records_unstored += c->records_in - then->records_in;
	c->records_in = then->records_in;
	c->records_new = then->records_new;
	c->records_dup = then->records_dup;
	c->records_bad = then->records_bad;
	c->records_refused = then->records_refused;
	c->records_damaged = then->records_damaged;
	c->records_repaired = then->records_repaired;
	c->records_lost = then->records_lost;
	c->chunks_written = then->chunks_written;
	c->chunks_reused = then->chunks_reused;
	c->delivered = then->delivered;
	c->reports_sent = then->reports_sent;
}

/* The write transaction ended: whoever keeps what it read hears. */
static void
ended(struct node *n, int committed)
{
	n->n_txn_ends++;
	n->n_txn_broken = 0;
	n->n_txn_asked = 0;
	/* A wake for this transaction's commit: the next one sets its own. */
	if (n->n_commit_timer != 0) {
		loop_timer_cancel(n->n_loop, n->n_commit_timer);
		n->n_commit_timer = 0;
	}
	if (!committed)
		n->n_txn_failed_at = n->n_txn_ends;
	if (n->n_after_commit != NULL)
		n->n_after_commit(n, committed);
}

void
node_commit(struct node *n)
{
	uint64_t	start;
	int		rc, took_in;

	if (n->n_txn == NULL)
		return;
	took_in = n->n_txn_records > 0;
	n->n_txn_records = n->n_txn_bytes = 0;
	start = clock_mono_ms();
	rc = store_txn_commit(&n->n_txn);
	log_debug("event=committed rc=%d took_ms=%llu", rc,
	    (unsigned long long)(clock_mono_ms() - start));
	if (rc != 0) {
		n->n_cnt.commit_failed++;
		uncount(n);
		writes_refused(n, rc, took_in);
	} else {
		n->n_cnt.commits++;
		n->n_commit_ms = clock_mono_ms();
		writes_committed(n, n->n_cnt.records_new !=
		    n->n_cnt_txn.records_new, took_in);
	}
	node_refresh_head(n);
	ended(n, rc == 0);
}

void
node_abort(struct node *n)
{
	n->n_txn_records = n->n_txn_bytes = 0;
	if (n->n_txn != NULL)
		uncount(n);
	store_txn_abort(&n->n_txn);
	ended(n, 0);
}

static void
commit_wake(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	n->n_commit_timer = 0;	/* the turn's end commits (node_turn_commit) */
}

void
node_turn_commit(struct node *n, int idle, int acks_held)
{
	uint64_t	age, wait;
	int		hold, keep, stream;

	if (n->n_txn == NULL)
		return;
	age = clock_mono_ms() - n->n_txn_ms;
	/* A backlog coming in: every ack owed waits for a batch that its
	 * sender said follows, or a batch is open and nothing is owed. */
	hold = (acks_held == 1 || (acks_held == -1 && n->n_intake != NULL)) &&
	    n->n_txn_bytes < NODE_HOLD_BYTES;
	/* Nothing owed, nothing coming in: the node's own bookkeeping (the
	 * acks it took, custody, its reports) waits NODE_COMMIT_MS even
	 * idle, so a burst of acks from many peers costs one commit; what
	 * a client's request wrote (mail cat's mark) does not wait. */
	keep = !hold && acks_held == -1 && n->n_intake == NULL &&
	    !n->n_txn_asked;
	/* Records kept coming since the last commit: a few ms more. */
	stream = !hold && acks_held == 0 && n->n_txn_records > 0 &&
	    n->n_commit_ms != 0 && n->n_txn_ms < n->n_commit_ms +
	    NODE_STREAM_MS && age < NODE_STREAM_MS;
	if (n->n_txn_records >= NODE_COMMIT_RECORDS ||
	    age >= (hold ? NODE_HOLD_MS : NODE_COMMIT_MS) ||
	    (idle && !hold && !keep && !stream)) {
		log_debug("event=commit_due idle=%d hold=%d records=%zu "
		    "bytes=%zu ms=%llu", idle, hold, n->n_txn_records,
		    n->n_txn_bytes, (unsigned long long)age);
		node_commit(n);
		return;
	}
	/* Held while the loop sleeps: woken when the hold is over. */
	if (idle && n->n_commit_timer == 0) {
		wait = (hold ? NODE_HOLD_MS : stream ? NODE_STREAM_MS :
		    NODE_COMMIT_MS) - age;
		n->n_commit_timer = loop_timer(n->n_loop, wait, commit_wake, n);
	}
}
