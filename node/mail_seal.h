/*
 * mail_seal: whom a mail written here is sealed for (proto/README.md,
 * "Sealed mail"): the keys of its recipients' nodes, from the
 * certificates this node holds, as trust.h judges them now.
 */
#ifndef MAIL_SEAL_H
#define MAIL_SEAL_H

#include <stddef.h>

#include "seal.h"
#include "store.h"

struct node;

/*
 * The node keys a mail from here to the n_to recipients to is sealed
 * for: for a mailbox address, the keys of every certificate held for
 * its node that holds now (the pinned key for the root, ours for this
 * node); for a subtree address, those of every node below it that a
 * certificate held names, none if it names none. Each key once, at most
 * SEAL_MAX_KEYS. 0 with *out (free() it) and *nout, or -1 with why in
 * err: a recipient's node without a certificate that holds here, too
 * many keys, too many certificates to read.
 */
int	mail_seal_keys(struct node *n, store_txn_t *txn, char *const *to,
	    size_t n_to, struct seal_to **out, size_t *nout, char *err,
	    size_t errlen);
/*
 * The node's sending key pair (seal.h: n->n_sealer), made as the first
 * mail is sealed and wiped once its minute is over, even if no other
 * mail comes; freed by mail_seal_shutdown().
 */
void	mail_seal_start(struct node *n);
void	mail_seal_shutdown(struct node *n);

#endif
