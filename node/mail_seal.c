/*
 * mail_seal: the keys a mail written here is sealed for (mail_seal.h),
 * gathered as seal_keys.h says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mail_seal.h"
#include "name.h"
#include "node.h"
#include "seal_keys.h"

/* The keys of the node of mailbox address addr (node part node). */
static int
add_node(struct node *n, store_txn_t *txn, struct seal_keys *g,
    const char *addr, const char *node, char *err, size_t errlen)
{
	const struct node_conf	*c = n->n_conf;
	int			 held;

	if (strcmp(node, c->name) == 0)
		return seal_keys_add(g, key_public(n->n_key));
	if (strcmp(node, c->root_name) == 0)
		return seal_keys_add(g, c->root_key);
	if ((held = seal_keys_named(n, txn, g, addr, node, 0, err,
	    errlen)) != 0)
		return held < 0 ? -1 : 0;
	snprintf(err, errlen, "cannot seal for %.64s: no certificate of %.64s "
	    "holds here (not enrolled, not yet known here, revoked or "
	    "expired); check the address, or send it clear", addr,
	    node);
	return -1;
}

int
mail_seal_keys(struct node *n, store_txn_t *txn, char *const *to,
    size_t n_to, struct seal_to **out, size_t *nout, char *err,
    size_t errlen)
{
	struct seal_keys g;
	const char	*node;
	int		 rc = 0;

	seal_keys_init(&g, "the recipients' nodes", "; send it clear");
	for (size_t i = 0; rc == 0 && i < n_to; i++) {
		if (name_subtree_address(to[i], &node))
			rc = seal_keys_named(n, txn, &g, to[i], node, 1, err,
			    errlen) < 0 ? -1 : 0;
		else if (name_mailbox(to[i], &node))
			rc = add_node(n, txn, &g, to[i], node, err, errlen);
	}
	if (rc != 0) {
		seal_keys_free(&g);
		return -1;
	}
	*out = g.keys;
	*nout = g.n;
	return 0;
}

/* How often an idle sending key pair is looked at: it is wiped once its
 * time is over, not held until the next mail. */
#define TICK_MS		(SEAL_SENDER_MS / 6)

static void
tick(loop_t *l, void *arg)
{
	struct node	*n = arg;

	seal_sender_tick(n->n_sealer, clock_mono_ms());
	loop_timer(l, TICK_MS, tick, n);
}

void
mail_seal_start(struct node *n)
{
	if ((n->n_sealer = seal_sender_new()) == NULL)
		fatalx("out of memory");
	loop_timer(n->n_loop, TICK_MS, tick, n);
}

void
mail_seal_shutdown(struct node *n)
{
	seal_sender_free(&n->n_sealer);
}
