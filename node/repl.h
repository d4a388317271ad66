/*
 * repl: the sync engine, one for mail and documents: sessions (Hello),
 * batches in (intake.c), feeds and acks out (feed.c). proto/README.md
 * "Links" is its contract.
 */
#ifndef REPL_H
#define REPL_H

#include <stdint.h>

#include "link.pb-c.h"

struct node;
struct peer;

#define REPL_RESTART_MS		1000	/* a feed restarts at most this often */
#define REPL_HELLO_REPLY	1u	/* pr_hello_owed bits */
#define REPL_HELLO_ASK		2u

void	repl_hello(struct node *n, struct peer *p, const Nodenet__Hello *h);
/* A link's transport is up: load its checkpoints and say Hello. */
void	repl_connected(struct node *n, struct peer *p);
/*
 * Takes in a Batch frame from p, and f with it (freed when done). A
 * batch too long for one turn goes on in the next ones; meanwhile
 * another batch, and any frame of p, waits (repl_frame_waits()).
 */
void	repl_batch(struct node *n, struct peer *p, Nodenet__Frame *f);
/*
 * 1 if frame f of p must wait for the batch being taken in: a batch (one
 * is open at most), or any frame of that batch's peer (its frames keep
 * their order). Another peer's Hello, Heartbeat or Ack goes on: a child
 * relinks and a feed is acked while a parent's backlog comes in.
 */
int	repl_frame_waits(const struct node *n, const struct peer *p,
	    const Nodenet__Frame *f);
/* Drops what p's batch still had to take in (its session ended). */
void	repl_intake_drop(struct node *n, struct peer *p);
/*
 * What the acks the write transaction owes wait for: -1 none is owed;
 * 1 each is of a lane whose last batch said more follows (Batch.more),
 * so the commit may wait a little for it (turn.h); 0 one is not.
 */
int	repl_acks_held(const struct node *n);
/* The write transaction ended: acks of what it covered, or a restart. */
void	repl_after_commit(struct node *n, int committed);
/* Asks the peers whose batches a refused commit lost to send them
 * again, once the hold after it has ended (writes.h); each turn's end. */
void	repl_retry(struct node *n);
void	repl_ack(struct node *n, struct peer *p, const Nodenet__Ack *a);
/*
 * Sends every peer what it is owed and what its credit allows, for at
 * most NODE_TURN_MS; the next turns go on where it stopped.
 */
void	repl_pump(struct node *n);
/* How far behind our log peer p is, in log positions (0: owed nothing). */
uint64_t repl_lag(const struct node *n, const struct peer *p);
/*
 * What lane of our log still owes p, beyond what it acked: records and
 * bytes. Reads at most max log entries (each is decoded, inside the
 * loop): 1 if it stopped there (the figures are a floor), 0 if exact,
 * -1 if the store is unreadable.
 */
int	repl_backlog(struct node *n, struct peer *p, unsigned lane,
	    uint64_t max, uint64_t *records, uint64_t *bytes);

#endif
