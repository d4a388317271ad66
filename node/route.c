/*
 * route: next hops by longest-suffix match.
 *
 * A peer named P reaches every name within P's subtree (P itself,
 * x.P, y.x.P, ...). The candidates are the configured links and every
 * node that has linked to us (remembered in the store's peers table, so
 * mail for a child that is down waits in our log for it). A name inside
 * our own subtree that no child covers is unknown; any other name goes to
 * the parent link, and from the root nowhere.
 */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "node.h"
#include "route.h"
#include "xmem.h"

void
route_learn(struct node *n, const char *peer)
{
	for (size_t i = 0; i < n->n_nknown; i++)
		if (strcmp(n->n_known[i], peer) == 0)
			return;
	n->n_known = xrealloc(n->n_known, n->n_nknown + 1,
	    sizeof(*n->n_known));
	n->n_known[n->n_nknown++] = xstrdup(peer);
}

void
route_free(struct node *n)
{
	for (size_t i = 0; i < n->n_nknown; i++)
		free(n->n_known[i]);
	free(n->n_known);
	n->n_known = NULL;
	n->n_nknown = 0;
}

enum route_kind
route_next(struct node *n, const char *dest, const char **via)
{
	const struct node_conf	*c = n->n_conf;
	const char		*best = NULL;
	size_t			 best_len = 0;

	if (strcmp(dest, c->name) == 0)
		return ROUTE_LOCAL;
	for (size_t i = 0; i < c->n_links; i++) {
		size_t	len = strlen(c->links[i].name);

		if (name_within(dest, c->links[i].name) && len > best_len) {
			best = c->links[i].name;
			best_len = len;
		}
	}
	for (size_t i = 0; i < n->n_nknown; i++) {
		size_t	len = strlen(n->n_known[i]);

		if (name_within(dest, n->n_known[i]) && len > best_len) {
			best = n->n_known[i];
			best_len = len;
		}
	}
	if (best != NULL) {
		*via = best;
		return ROUTE_PEER;
	}
	if (name_within(dest, c->name) || strcmp(c->name, c->root_name) == 0)
		return ROUTE_NONE;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].parent) {
			*via = c->links[i].name;
			return ROUTE_PEER;
		}
	return ROUTE_NONE;
}
