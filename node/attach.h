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

/*
 * 0 with *out (free with attach_free), or -1 with err set. With readers
 * (doc_readers_sealed()) the bytes are sealed first (doc_sealed.h), and
 * chunks hold ciphertext; unless prev (the attachment of that name the
 * revision has now, or NULL) is sealed and holds the same bytes: it is
 * copied then, its chunks written already (sealing again would make
 * other ciphertext, and chunks no revision names).
 */
int	attach_file(struct node *n, store_txn_t *txn, const char *db,
	    char **readers, size_t n_readers, const char *name,
	    const char *media_type, const char *path,
	    const Nodenet__PayloadRef *prev, Nodenet__PayloadRef **out,
	    char *err, size_t errlen);
void	attach_free(Nodenet__PayloadRef *a);

#endif
