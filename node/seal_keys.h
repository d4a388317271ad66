/*
 * seal_keys: the node keys something written here is sealed for, from
 * the certificates this node holds, as trust.h judges them now. Mail
 * (mail_seal.h) and revisions with readers (doc_seal.h) gather them
 * alike, within the same bounds.
 */
#ifndef SEAL_KEYS_H
#define SEAL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"
#include "store.h"

struct node;

/* Certificates one sealing reads at most: bounds the work a subtree of
 * many nodes (or of many certificates) costs. */
#define SEAL_KEYS_SCAN_MAX	1024

struct seal_keys {
	struct seal_to	*keys;		/* SEAL_MAX_KEYS of room */
	size_t		 n;
	unsigned	 budget;	/* certificates still to read */
	uint64_t	 now;
	const char	*who;		/* "the recipients' nodes" */
	const char	*advice;	/* ends an error: what to do */
	/* NULL, or 1 if a node of that name may be sealed for */
	int		(*want)(const char *name, void *arg);
	void		*arg;
};

/* Starts a gathering for who, advice ending its errors ("; send it
 * clear"). */
void	seal_keys_init(struct seal_keys *g, const char *who,
	    const char *advice);
void	seal_keys_free(struct seal_keys *g);
/* Adds Ed25519 key ed once (none if it has no X25519 form); -1 past
 * SEAL_MAX_KEYS. */
int	seal_keys_add(struct seal_keys *g, const uint8_t *ed);
/*
 * Adds the keys of the certificates held for node name (subtree 0), or
 * for every name strictly below it (subtree 1; "" every name), that hold
 * now and that g->want wants, for addr (as errors name it). The number
 * that held, or -1 past a bound with why in err.
 */
int	seal_keys_named(struct node *n, store_txn_t *txn,
	    struct seal_keys *g, const char *addr, const char *name,
	    int subtree, char *err, size_t errlen);

#endif
