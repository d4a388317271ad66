/*
 * repl_int: what the sync engine's files (repl.c, intake.c, feed.c)
 * share and nothing else may use.
 */
#ifndef REPL_INT_H
#define REPL_INT_H

#include "store.h"

struct node;
struct peer;

/* Keeps p's checkpoints and store id in txn. */
void	repl_save_state(store_txn_t *txn, struct peer *p);
/*
 * Says Hello to p: reply set answers its ask; unset asks for its feed
 * again from our checkpoints. One that cannot go now (its pipe is full)
 * is owed, and goes before anything else when it can (repl_pump()).
 */
void	repl_send_hello(struct node *n, struct peer *p, int reply);
/*
 * Asks the peer to restart its feed to us from our checkpoints; its
 * batches already on the way are dropped until its reply comes. Not
 * again while one is asked, unless again.
 */
void	repl_resync(struct node *n, struct peer *p, int again);
/* Acks of committed batches that are not sent yet, until one fails. */
void	repl_send_acks(struct node *n, struct peer *p);

#endif
