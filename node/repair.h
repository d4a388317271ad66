/*
 * repair: records found damaged on disk are set aside and fetched again
 * from the neighbours (proto/README.md, "Repair"). A damaged record's id
 * is the hash of its body, so any neighbour's copy can be checked; the
 * neighbours are asked with a Want, and answer with a Found of the
 * copies they hold and would send on that link. A record no neighbour
 * linked has, sought for [limits] repair_wait_s, is called lost: counted,
 * logged and shown in status until a copy comes after all.
 */
#ifndef REPAIR_H
#define REPAIR_H

#include <stdint.h>

#include "link.pb-c.h"
#include "store.h"

struct node;
struct peer;

/* The first round, at the first turn's end, counts what a run before
 * left sought or lost. */
void	repair_init(struct node *n);
void	repair_shutdown(struct node *n);
/*
 * Record id, found damaged at log seq (0: unknown), is set aside in txn
 * and sought. 0, or -1 if the store failed (the transaction must be
 * given up).
 */
int	repair_damaged(struct node *n, store_txn_t *txn, const uint8_t *id,
	    uint64_t seq);
/* A copy of a sought record was stored (STORE_REPAIRED), sent by peer. */
void	repair_done(struct node *n, store_txn_t *txn, const uint8_t *id,
	    const char *peer);
/* The link frames. */
void	repair_want(struct node *n, struct peer *p, const Nodenet__Want *w);
void	repair_found(struct node *n, struct peer *p,
	    const Nodenet__Found *f);
/* At a turn's end: asks the neighbours, when a round is due. */
void	repair_turn(struct node *n);
/* What is sought and what was lost, for status. */
uint64_t repair_wanted(const struct node *n);
uint64_t repair_lost(const struct node *n);

#endif
