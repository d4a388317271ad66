/*
 * purge: deleted documents go for good once every peer holding their
 * database holds their delete stub.
 */
#ifndef PURGE_H
#define PURGE_H

struct node;

/* One pass now: the number purged, or -1. */
int	purge_run(struct node *n);
/* A pass every few seconds from now on. */
void	purge_start(struct node *n);

#endif
