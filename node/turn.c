/*
 * turn: the write transaction of a loop turn (node.h). Writes made
 * while handling a turn share one transaction, begun on first use;
 * the loop's idle hook commits it, and only then are acks sent and
 * feeds pumped.
 */
#include <time.h>

#include "log.h"
#include "node.h"

uint64_t
node_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

store_txn_t *
node_txn(struct node *n)
{
	int	rc;

	if (n->n_txn == NULL &&
	    (rc = store_txn_begin(n->n_store, 0, &n->n_txn)) != 0)
		log_warnx("store: begin: %s", store_strerror(rc));
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

void
node_commit(struct node *n)
{
	int	rc, committed = 0;

	n->n_turn_records = 0;
	if (n->n_txn != NULL) {
		rc = store_txn_commit(&n->n_txn);
		if (rc != 0) {
			n->n_cnt.commit_failed++;
			log_warnx("store: commit refused: %s",
			    store_strerror(rc));
		} else {
			n->n_cnt.commits++;
			committed = 1;
		}
		node_refresh_head(n);
		repl_after_commit(n, committed);
	}
	for (size_t i = 0; i < n->n_npeers; i++)
		repl_pump(n, n->n_peers[i]);
}
