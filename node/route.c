/*
 * route: next hops by longest-suffix match.
 *
 * A peer named P reaches every name within P's subtree (P itself,
 * x.P, y.x.P, ...). The candidates are the configured links, every node
 * below us that has linked to us (remembered in the store's peers table,
 * so mail for a child that is down waits in our log for it), the
 * children we certify, and we ourselves: the longest match wins, so a
 * name inside our own subtree that no child covers is unknown rather
 * than sent up to an ancestor's link. Any other name goes to the parent
 * link, and from the root nowhere.
 *
 * A subtree address (name.h) is not routed to one next hop: it goes
 * down every link to a node below us whose own subtree meets the
 * subtree it names, and never up or sideways. Only an office at or
 * above a subtree may address it, so a broadcast starts above its
 * subtree and only ever moves away from the root: each hop is to a
 * longer name, no record can loop, and each node sends it down each of
 * its links at most once.
 */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "node.h"
#include "route.h"
#include "xmem.h"

/* The peer names routes can use (n_routes). */
struct route_state {
	char	**names;
	size_t	  n;
};

static struct route_state *
known(struct node *n)
{
	if (n->n_routes == NULL)
		n->n_routes = xcalloc(1, sizeof(*n->n_routes));
	return n->n_routes;
}

void
route_learn(struct node *n, const char *peer)
{
	const struct node_conf	*c = n->n_conf;

	/* Only our subtree is ours to route: a node outside it that links
	 * here (an accepted sideways link) is reached the usual way. */
	if (strcmp(c->name, c->root_name) == 0 ? strcmp(peer, c->name) == 0 :
	    !name_strictly_within(peer, c->name))
		return;
	for (size_t i = 0; i < known(n)->n; i++)
		if (strcmp(known(n)->names[i], peer) == 0)
			return;
	known(n)->names = xrealloc(known(n)->names, known(n)->n + 1,
	    sizeof(*known(n)->names));
	known(n)->names[known(n)->n++] = xstrdup(peer);
}

int
route_load(struct node *n)
{
	store_txn_t	*txn = NULL;
	char		 name[STORE_MAX_PEER + 1] = "";
	int		 rc;

	if ((rc = store_txn_begin(n->n_store, STORE_RDONLY, &txn)) != 0)
		return rc;
	while ((rc = store_peer_next(txn, name, name)) == 0)
		if (name_valid(name))
			route_learn(n, name);
	store_txn_abort(&txn);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

void
route_free(struct node *n)
{
	if (n->n_routes == NULL)
		return;
	for (size_t i = 0; i < n->n_routes->n; i++)
		free(n->n_routes->names[i]);
	free(n->n_routes->names);
	free(n->n_routes);
	n->n_routes = NULL;
}

/*
 * name_within() for a dest of dlen bytes that is a valid name, and a
 * subtree that is one (our own, a link's, a learnt peer's): the labels
 * are not checked again, for every candidate of every recipient.
 */
static int
within(const char *dest, size_t dlen, const char *subtree, size_t slen)
{
	if (dlen == slen)
		return memcmp(dest, subtree, dlen) == 0;
	return dlen >= slen + 2 && dest[dlen - slen - 1] == '.' &&
	    memcmp(dest + dlen - slen, subtree, slen) == 0;
}

enum route_kind
route_next(struct node *n, const char *dest, const char **via)
{
	const struct node_conf	*c = n->n_conf;
	const char		*best = NULL;
	size_t			 best_len = 0, dlen = strlen(dest);
	size_t			 own = strlen(c->name);
	int			 valid, ours;

	if (strcmp(dest, c->name) == 0)
		return ROUTE_LOCAL;
	/* Checked once: an invalid name is within nothing. */
	valid = name_valid(dest);
	if ((ours = valid && within(dest, dlen, c->name, own)))
		best_len = own;		/* ours, unless a child's */
	for (size_t i = 0; valid && i < c->n_links; i++) {
		size_t	len = strlen(c->links[i].name);

		if (len > best_len &&
		    within(dest, dlen, c->links[i].name, len)) {
			best = c->links[i].name;
			best_len = len;
		}
	}
	for (size_t i = 0; valid && i < known(n)->n; i++) {
		size_t	len = strlen(known(n)->names[i]);

		if (len > best_len && within(dest, dlen, known(n)->names[i], len)) {
			best = known(n)->names[i];
			best_len = len;
		}
	}
	if (best != NULL) {
		*via = best;
		return ROUTE_PEER;
	}
	if (ours || strcmp(c->name, c->root_name) == 0)
		return ROUTE_NONE;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].parent) {
			*via = c->links[i].name;
			return ROUTE_PEER;
		}
	return ROUTE_NONE;
}

/* The subtree of the nodes below us, as name_in_subtree() takes it. */
static const char *
below_us(const struct node_conf *c)
{
	return strcmp(c->name, c->root_name) == 0 ? "" : c->name;
}

int
route_subtree_via(struct node *n, const char *subtree, const char *peer)
{
	const struct node_conf	*c = n->n_conf;

	return name_in_subtree(peer, below_us(c), c->root_name) &&
	    name_meets_subtree(peer, subtree, c->root_name);
}

/* Adds name to out (of *got, max at most) once; counts it in *got. */
static void
subtree_link(const char *name, const char **out, size_t max, size_t *got)
{
	for (size_t i = 0; out != NULL && i < *got && i < max; i++)
		if (strcmp(out[i], name) == 0)
			return;
	if (out != NULL && *got < max)
		out[*got] = name;
	(*got)++;
}

size_t
route_subtree_links(struct node *n, const char *subtree, const char **out,
    size_t max)
{
	const struct node_conf	*c = n->n_conf;
	size_t			 got = 0;

	for (size_t i = 0; i < c->n_links; i++)
		if (route_subtree_via(n, subtree, c->links[i].name))
			subtree_link(c->links[i].name, out, max, &got);
	for (size_t i = 0; i < known(n)->n; i++)
		if (route_subtree_via(n, subtree, known(n)->names[i]))
			subtree_link(known(n)->names[i], out, max, &got);
	return got;
}

int
route_mailbox_via(struct node *n, const char *addr, const char *peer)
{
	const char	*node, *via;

	return name_mailbox(addr, &node) &&
	    route_next(n, node, &via) == ROUTE_PEER && strcmp(via, peer) == 0;
}

int
route_addr_via(struct node *n, const char *addr, const char *peer)
{
	const char	*subtree;

	if (name_subtree_address(addr, &subtree))
		return route_subtree_via(n, subtree, peer);
	return route_mailbox_via(n, addr, peer);
}
