/*
 * reindex: indexes of a store an older release wrote in another layout.
 */
#ifndef REINDEX_H
#define REINDEX_H

struct node;

/*
 * Rebuilds, from the records, the indexes of a store an older release
 * wrote in another layout (certificates, ACLs): once, at start, in one
 * transaction. 0, or -1 (logged).
 */
int	node_reindex(struct node *n);

#endif
