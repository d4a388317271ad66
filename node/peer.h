/*
 * peer: links, authentication and frames, the transport. It hands each
 * frame of a session up through the node's table (struct peer_proto,
 * filled in by handlers.c) and names no protocol module above it.
 */
#ifndef PEER_H
#define PEER_H

#include "link.pb-c.h"

struct node;
struct peer;

/* Frame kinds the table below can hold: field numbers 0 to 15. */
#define PEER_FRAME_KINDS	16

/* What the transport hands up. */
struct peer_proto {
	/*
	 * By Frame kind (its field number): only a Hello reaches a session
	 * not yet up. 1 if the handler kept f (it frees it then), 0 if not.
	 * NULL: the transport's own (Heartbeat), or none.
	 */
	int	(*frame[PEER_FRAME_KINDS])(struct node *, struct peer *, Nodenet__Frame *f);
	/* A link's transport is up: its session may begin. */
	void	(*connected)(struct node *, struct peer *);
	/* p's session ended, or p is about to be freed. */
	void	(*ended)(struct node *, struct peer *);
	/*
	 * 1 if frame f of p must wait, and what comes after it in its
	 * socket with it, until this says 0 (a batch being taken in). It
	 * is held aside meanwhile (one a socket), then handed up first.
	 */
	int	(*waits)(const struct node *, const struct peer *,
		    const Nodenet__Frame *f);
};

int	peer_init(struct node *n);
void	peer_shutdown(struct node *n);
/*
 * Queues f for p: 0, or -1 if it cannot go now (its pipe is full or
 * gone: p->pr_blocked is set until a send gets through, which a timer
 * keeps trying with a heartbeat).
 */
int	peer_send(struct node *n, struct peer *p, const Nodenet__Frame *f);
/* Ends p's session (a link reconnects; a node below stays listed). */
void	peer_fail(struct node *n, struct peer *p, const char *why);
/* Ends every session whose peer's chain no longer holds (a revocation,
 * an expiry); each counts in sessions_cut. */
void	peer_recheck(struct node *n);
/* A link that is down: reconnect now instead of after its backoff. */
void	peer_kick(struct node *n, struct peer *p);
/*
 * Drops a node below us from the peer list (a newer session replaced
 * it) and closes its connection.
 */
void	peer_forget(struct node *n, struct peer *p);
/*
 * 1 if a line p caused (NULL: a sender not yet named) may be logged now,
 * 0 if it is over its share; lines held back are counted and summed up
 * in one line when the window ends. Counters are kept regardless.
 */
int	peer_may_log(struct node *n, struct peer *p);

#endif
