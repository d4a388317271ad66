/*
 * record: the one door for every record, ours or a peer's. A verified
 * record is admitted by its kind's rules, stored (new, or found held),
 * its custody noted, and, if new, handed to its kind's handler: mail is
 * delivered or routed, a certificate indexed, a document revision
 * applied. The kinds' handlers come from a table the daemon fills in
 * (handlers.c), so this file names none of them.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "wire.h"

struct node;
struct peer;

/* A kind's rules, effects and travel; see each member for NULL. */
struct record_kind {
	/* 0 to store, 1 to drop it quietly, -1 refused (why says why);
	 * from: the peer that sent it, NULL for our own. NULL: stored. */
	int	(*admit)(struct node *, store_txn_t *,
		    const struct wire_record *, const char *from, char *why,
		    size_t whylen);
	/* A record new to this store: 0, or -1 if the store failed (the
	 * write transaction must be given up). NULL: nothing to do. */
	int	(*apply)(struct node *, store_txn_t *,
		    const struct wire_record *);
	/* Its feed lane (WIRE_LANE_*). NULL: the normal lane. */
	unsigned (*lane)(const Nodenet__RecordBody *);
	/* 1 if it belongs on the link to p. NULL: on no link. */
	int	(*wants)(struct node *, struct peer *, store_txn_t *,
		    const Nodenet__RecordBody *);
};

/* The table, by RecordBody kind (its field number). */
#define RECORD_KINDS	18

/* The kind k's entry of n's table, or NULL if k is none we know. */
const struct record_kind *record_kind_of(const struct node *n, int k);
/*
 * Takes in a record a peer sent (verified): its origin must be
 * certified, and so must an official's signature it carries
 * (trust_person()), then as above, custody "received" from peer, and, if the
 * link gave its age (age_ms, 0 if not: Transfer.age_ms), its birth by
 * our clock (store_transit) before any handler sees it. 0 if taken
 * (new, held, or dropped by its rules), 1 if refused for good (why),
 * -1 if the store failed (the write transaction was given up).
 */
int	record_take(struct node *n, store_txn_t *txn,
	    const struct wire_record *wr, const char *peer, uint64_t age_ms,
	    char *why, size_t whylen);
/*
 * Stores a verified record that needs no admission (a certificate of a
 * Hello's chain) and applies it if new: 1 new, 0 held, -1 store failed.
 */
int	record_keep(struct node *n, store_txn_t *txn,
	    const struct wire_record *wr);
/*
 * Writes a record of our own into txn: fills in origin, sequence and
 * time, signs, stores, and applies it here (a message to a local mailbox
 * is delivered). 0 with its id, or -1 with why it failed in err (a
 * document or ACL the database's rules refuse, a full store: then the
 * write transaction was given up).
 */
int	record_write(struct node *n, store_txn_t *txn, Nodenet__RecordBody *rb,
	    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen);
/* The same for a record we signed already (buf: a SignedRecord). */
int	record_write_signed(struct node *n, store_txn_t *txn,
	    const uint8_t *buf, size_t len, uint8_t id[WIRE_ID_BYTES],
	    char *err, size_t errlen);
/* Records a custody event (enum store_custody_event) for record id. */
void	record_custody(store_txn_t *txn, const uint8_t *id, int event,
	    const char *who);

#endif
