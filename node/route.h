/*
 * route: where a node name is reached from here. Longest-suffix match
 * over the names reachable through each link; the parent is the default.
 */
#ifndef ROUTE_H
#define ROUTE_H

struct node;

enum route_kind {
	ROUTE_LOCAL,		/* this node */
	ROUTE_PEER,		/* through the peer named in *via */
	ROUTE_NONE,		/* nowhere: an unknown node */
};

/*
 * Where mail for node name dest goes next. For ROUTE_PEER, *via is the
 * peer's name, valid until the peer set changes (the end of this turn).
 */
enum route_kind route_next(struct node *n, const char *dest, const char **via);
/*
 * 1 if mail for a subtree address whose subtree is subtree
 * (name_subtree_address()) goes on the link to peer: a node below this
 * one whose own subtree meets it (name_meets_subtree()). Never up.
 */
int	route_subtree_via(struct node *n, const char *subtree,
	    const char *peer);
/*
 * The nodes this one routes to (its links, the names learnt) that
 * route_subtree_via() sends such mail to: the first max of them in out
 * (NULL: none), valid as *via is, and how many. Each counts once if out
 * has room for all (otherwise one both a link and learnt may count
 * twice). 0: it reaches no node of the subtree from here.
 */
size_t	route_subtree_links(struct node *n, const char *subtree,
	    const char **out, size_t max);
/* 1 if mail for mailbox address addr goes on the link to peer. */
int	route_mailbox_via(struct node *n, const char *addr, const char *peer);
/*
 * The same for addr a mailbox address or a subtree address (a mail's
 * recipient); 0 if addr is neither.
 */
int	route_addr_via(struct node *n, const char *addr, const char *peer);
/* Remembers a peer name as reachable through itself (a child that said
 * Hello, or one we hold sync state for). */
void	route_learn(struct node *n, const char *peer);
/* Learns every peer the store holds sync state for; 0 or a store code. */
int	route_load(struct node *n);
void	route_free(struct node *n);

#endif
