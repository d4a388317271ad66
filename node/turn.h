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
 *
 * A backlog waits longer: while every ack the transaction owes is of a
 * lane whose sender said another batch follows (Batch.more), or a batch
 * is being taken in and no ack is owed, the commit waits for
 * NODE_COMMIT_RECORDS records or NODE_HOLD_MS, idle or not (while the
 * records held are under NODE_HOLD_BYTES). A peer catching up 1,000
 * records costs one or two commits, not one per batch and slice; a
 * lone record, whose batch says no more follows, waits for none.
 *
 * A stream waits a little: records taken in by a transaction begun
 * within NODE_STREAM_MS of the last commit (a link that keeps sending)
 * are committed, idle or not, once the transaction is NODE_STREAM_MS
 * old. A relay under a steady flow commits about every NODE_STREAM_MS,
 * not once per batch, and leaves the disk and the cores to the rest; a
 * lone record, coming after a quiet spell, waits for none.
 *
 * A transaction that owes no ack and takes nothing in (the node's own
 * bookkeeping: acks it took, custody, its reports) is committed once it
 * is NODE_COMMIT_MS old, idle or not: the acks of a relay's many
 * children, coming in one after another, cost it one commit. What a
 * client's read wrote (n_txn_asked: mail cat's mark) is committed once
 * the loop is idle, so the client's next request sees it.
 */
#define NODE_TURN_MS		5
#define NODE_COMMIT_MS		50
#define NODE_COMMIT_RECORDS	1024
#define NODE_HOLD_MS		1000
#define NODE_HOLD_BYTES		(8u << 20)
#define NODE_STREAM_MS		3

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
/*
 * After a loop turn (idle: the loop sleeps next): commits if a commit is
 * due, else, idle, sets a timer for when it will be. acks_held is
 * repl_acks_held()'s: -1 no ack owed, 1 every one owed may wait for
 * the batch its sender said follows, 0 not.
 */
void		 node_turn_commit(struct node *n, int idle, int acks_held);
/* n_head: our newest committed log seq, which feeds read up to. */
void		 node_refresh_head(struct node *n);

#endif
