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
/* A node's state in the network view, from its newest report. */
#define STATUS_UP	0	/* fresh, every link of its up */
#define STATUS_DEGRADED	1	/* fresh, a link of its down */
#define STATUS_STALE	2	/* no report for two of its intervals */
/* "up", "degraded", "stale"; and back (-1: none of them). */
const char *status_state_name(int state);
int	status_state_parse(const char *s);

/* What a network request asks for (proto/control.md, "network"). */
struct status_query {
	const char	*self;		/* this node */
	int		 root;		/* it is the root: every node */
	const char	*under;		/* a subtree of it; NULL: all */
	int		 state;		/* STATUS_*; -1: any */
	const char	*from;		/* the name to start at; NULL: first */
	size_t		 limit;		/* nodes listed, at most */
	int		 summary;	/* counts per group, no list */
	uint64_t	 now_ms;	/* ages are at this time */
};

/*
 * {"nodes": [...], "next"?, "partial", "scanned"}: the newest report of
 * node self and of every node below it (every node, at the root), those
 * under q->under and in state q->state alone, by name from q->from on,
 * with their age and state at q->now_ms; at most q->limit of them, and
 * as many as the reading budget (view.h) reads, "next" the name to go
 * on from. With q->summary, {"groups": [...], ...} instead: per node one
 * label below q->under (or self; at the root, per province), the nodes
 * counted by state and the oldest report.
 */
json_t	*status_network(store_txn_t *txn, const struct status_query *q,
	    char *err, size_t errlen);

#endif
