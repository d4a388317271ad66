/*
 * doc_seal: a revision written here with readers is sealed for the
 * nodes its readers list names that hold the database (proto/README.md,
 * "Sealed documents"), and one that comes here sealed for this node is
 * opened and checked as it is taken in.
 */
#ifndef DOC_SEAL_H
#define DOC_SEAL_H

#include <stddef.h>

#include "record.pb-c.h"
#include "store.h"
#include "wire.h"

struct node;

/* What doc_seal() set aside, for doc_seal_undo(). */
struct doc_seal_undo {
	Nodenet__Field			**fields;
	size_t				  n_fields;
	Nodenet__PayloadRef		**atts;
	size_t				  n_atts;
	Nodenet__PersonSignature	 *signed_by;
	Nodenet__PayloadRef		 *clear;	/* the clear ones */
	Nodenet__PayloadRef		**clear_p;
};

/*
 * Seals the revision of rb (its readers set; each attachment with its
 * seal, attach.h) for the keys of every node whose certificate holds
 * here, that its readers match, inside its database's scope and at
 * least READER there, and for ours: its fields, its attachments' names
 * and keys and its signed_by go into rb->doc->sealed, bound to the
 * rest, and are emptied. Sets rb->origin and origin_key (ours, as
 * record_write() does). 0, or -1 with err (too many keys or
 * certificates, an attachment written clear); undo with doc_seal_undo()
 * either way.
 */
int	doc_seal(struct node *n, store_txn_t *txn, Nodenet__RecordBody *rb,
	    struct doc_seal_undo *u, char *err, size_t errlen);
/* Puts back what doc_seal() took from rb and frees what it made. */
void	doc_seal_undo(Nodenet__RecordBody *rb, struct doc_seal_undo *u);
/*
 * A sealed revision taken in here (ours too): if one of our keys is
 * hinted at, it must open to valid content whose official's signature
 * holds, as every node checks a clear one's. 0 if so or not ours to
 * open, -1 with why.
 */
int	doc_seal_check(struct node *n, store_txn_t *txn,
	    const struct wire_record *wr, char *why, size_t whylen);

#endif
