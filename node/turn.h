/*
 * turn: the node's write transaction and the loop turn's budget. Writes
 * share one transaction, begun on first use and kept over loop turns
 * until a commit is due or a control request needs its write durable
 * before it answers; what a commit covered is acked only after it.
 */
#ifndef TURN_H
#define TURN_H

#include <stdint.h>

#include "clock.h"
#include "store.h"

struct node;

/*
 * A loop turn takes in records for NODE_TURN_MS at most, then lets the
 * loop answer everything else. The write transaction stays open from
 * turn to turn: it is committed, and what it took in acked, once it
 * holds NODE_COMMIT_RECORDS records or is NODE_COMMIT_MS old, or as soon
 * as the loop has nothing else to do. A busy link costs few commits; a
 * quiet one waits for none.
 */
#define NODE_TURN_MS		5
#define NODE_COMMIT_MS		50
#define NODE_COMMIT_RECORDS	1024

/* 1 once this turn has taken in its share. */
int		 node_turn_full(const struct node *n);
/* The write transaction, begun on first use; NULL and logged if it
 * cannot be begun. */
store_txn_t	*node_txn(struct node *n);
/* Commits the write transaction, if any, then sends the acks it owes;
 * a refused commit counts in writes.h's run, and holds intake off. */
void		 node_commit(struct node *n);
/* Throws the write transaction away (a write in it failed): peers send
 * again what it took in, and what it counted is taken back. */
void		 node_abort(struct node *n);
/* 1 if a commit is due after a loop turn (idle: the loop sleeps next). */
int		 node_commit_due(const struct node *n, int idle);
/* n_head: our newest committed log seq, which feeds read up to. */
void		 node_refresh_head(struct node *n);

#endif
