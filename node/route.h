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
/* Remembers a peer name as reachable through itself (a child that said
 * Hello, or one we hold sync state for). */
void	route_learn(struct node *n, const char *peer);
/* Learns every peer the store holds sync state for; 0 or a store code. */
int	route_load(struct node *n);
void	route_free(struct node *n);

#endif
