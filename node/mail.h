/*
 * mail: messages in and out of this node's mailboxes, and the reports
 * (failure, delivery receipt) that go back to a sender.
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "store.h"
#include "wire.h"

struct node;

#define MAIL_MAX_RECIPIENTS	WIRE_MAX_RECIPIENTS	/* sent or received */

struct mail_submit {
	const char	*from;		/* "user@this-node" */
	char		**to;		/* "user@node-name" each */
	size_t		 n_to;
	const char	*subject;
	const uint8_t	*text;
	size_t		 text_len;
	int		 want_receipt;
	uint64_t	 expires_ms;	/* 0: never */
	int		 priority;	/* Nodenet__Priority */
	/* An official's signature over it (psig.h), or NULL. */
	const Nodenet__PersonSignature *signed_by;
	int		 clear;		/* 1: not sealed, readable on the way */
};

/*
 * Signs and stores a new message from a local mailbox in the node's write
 * transaction; it is durable once that commits. Sealed for its
 * recipients' nodes (mail_seal.h) unless it is to be clear. 0 with its
 * id, or -1 with a one-line reason in err.
 */
int	mail_submit(struct node *n, const struct mail_submit *m,
	    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen);
/*
 * A mail or report record new to this store: delivers it once to the
 * local mailboxes it names and reports what cannot be delivered.
 */
void	mail_accept(struct node *n, store_txn_t *txn,
	    const struct wire_record *wr);
/*
 * A message that cannot go on towards via (it expired, or via's session
 * does not carry it): reports the failure (reason, detail) for each
 * recipient routed that way, once per next hop.
 */
void	mail_held_back(struct node *n, store_txn_t *txn, const uint8_t *id,
	    const Nodenet__RecordBody *rb, const char *via,
	    Nodenet__Report__Reason reason, const char *detail);
/*
 * The rules for subtree addresses (proto/README.md, "Subtree
 * addresses"): 0 if a mail of origin to the n_to recipients to names
 * only subtrees origin may address (name_may_address()) and, if it
 * names one, came from a node above this one (from: the peer that sent
 * it, NULL if written here): such mail only ever goes down, so no
 * office below hands one up for its parent to store and work on. -1
 * with why if not.
 */
int	mail_subtree_check(const struct node *n, const char *origin,
	    char *const *to, size_t n_to, const char *from, char *why,
	    size_t whylen);
/*
 * A gateway could not deliver message seq of local mailbox mbox: writes
 * a signed failure report (reason, detail) to its sender for recipient
 * mbox@this-node and removes the message from the mailbox, both in this
 * turn's transaction. A report in the mailbox is removed without one.
 * 0, or -1 with a one-line reason in err.
 */
int	mail_fail(struct node *n, const char *mbox, uint64_t seq,
	    Nodenet__Report__Reason reason, const char *detail, char *err,
	    size_t errlen);
/*
 * A mail here was damaged and no neighbour had a copy (repair.h): body
 * is what was found of it. If it still reads as a mail whose sender the
 * contract allows, and it had not gone on from here, its sender gets a
 * failure report for its recipients: best effort, as the bytes are
 * damaged.
 */
void	mail_lost(struct node *n, store_txn_t *txn, const uint8_t *id,
	    const uint8_t *body, size_t len);
/* 1 if user[0..len) is one of this node's mailboxes (its config). */
int	mail_mailbox_known(const struct node *n, const char *user,
	    size_t len);
/*
 * How long mail record id (body rb) has been in the network at now_ms
 * (proto/README.md, "Mail in transit"): the time since its birth by
 * this node's clock, which is its arrival less the age its link gave
 * (store_transit), its arrival if the link gave none, or its created_ms
 * if it was written here. Only our own clock is read, and only for
 * differences: how far it is from anyone else's does not count.
 */
uint64_t mail_age(store_txn_t *txn, const uint8_t *id,
	    const Nodenet__RecordBody *rb, uint64_t now_ms);
/*
 * 1 if mail record id (body rb) has lived its lifetime at now_ms: its
 * age has reached expires_ms - created_ms (both by its origin's clock,
 * so what its sender meant); 0 if not, or if it has no expiry.
 */
int	mail_expired(store_txn_t *txn, const uint8_t *id,
	    const Nodenet__RecordBody *rb, uint64_t now_ms);

#endif
