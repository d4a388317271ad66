/*
 * attach: a file made into a document attachment. Its bytes are cut into
 * DOC_CHUNK_BYTES pieces, each written as a chunk record (bulk lane) in
 * the caller's transaction, unless this store holds those bytes for the
 * database already with the same readers list: identical content is
 * stored and sent once. The PayloadRef the revision carries names every
 * chunk's hash and the whole file's.
 */
#ifndef ATTACH_H
#define ATTACH_H

#include <stddef.h>

#include "record.pb-c.h"
#include "store.h"

struct node;

/* 0 with *out (free with attach_free), or -1 with err set. */
int	attach_file(struct node *n, store_txn_t *txn, const char *db,
	    char **readers, size_t n_readers, const char *name,
	    const char *media_type, const char *path,
	    Nodenet__PayloadRef **out, char *err, size_t errlen);
void	attach_free(Nodenet__PayloadRef *a);

#endif
