/*
 * verify: opens the records of a batch on every core.
 *
 * Signature verification is what bounds a hop (bench/bench_hop.sh holds
 * a hop against one core's verify rate), so a batch's records are
 * decoded and verified by a few worker threads and the loop thread
 * together; the loop thread waits for them and then, on its own, stores
 * what passed. Workers never touch the store.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stddef.h>

#include "wire.h"

typedef struct verify_pool verify_pool_t;

/* A pool of nworkers threads (0: the caller does all the work). */
verify_pool_t	*verify_pool_new(unsigned nworkers);
/* NULL-safe; joins the workers and sets *pp = NULL. */
void		 verify_pool_free(verify_pool_t **pp);
/*
 * wire_record_open() for each of the n serialized records in recs:
 * out[i] and rc[i] as it would set them. Returns when all are done.
 */
void		 verify_batch(verify_pool_t *pool,
		    const ProtobufCBinaryData *const *recs, size_t n,
		    struct wire_record *out, int *rc);

#endif
