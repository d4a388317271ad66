/*
 * status: the health of the network, seen from above. Every node writes a
 * signed status report of itself every status_s seconds; feeds carry
 * reports only to the parent, which passes them on, so the root holds
 * every node's. Each store keeps only a node's newest report: the one it
 * replaces is purged, log entry and all.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"
#include "wire.h"

struct node;

/* Writes a report every status_s from now on (a restart that changes
 * nothing else sends nothing at once). */
void	status_start(struct node *n);
/* Keeps status record wr (just stored) if it is its node's newest, and
 * purges the older one. 0, or a store error. */
int	status_apply(store_txn_t *txn, const struct wire_record *wr);
/*
 * {"nodes": [...], "next"?, "partial", "scanned"}: the newest report of
 * node self and of every node below it (every node, at the root), by
 * name from node name from on (NULL: the first), with its age at now_ms
 * and "stale" once no report came for twice its interval (and a second);
 * as many as the reading budget (view.h) reads, "next" the name to go on
 * from.
 */
json_t	*status_network(store_txn_t *txn, const char *self, int root,
	    const char *from, uint64_t now_ms, char *err, size_t errlen);

#endif
