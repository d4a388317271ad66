/*
 * mail_seal: the keys a mail written here is sealed for (mail_seal.h).
 *
 * Every node holds every certificate (they replicate on every link), so
 * the origin knows the keys of any node it can name, and of every node
 * below a subtree address, as far as their certificates have reached it.
 * A certificate counts only if it holds now (trust_check(): its window,
 * its chain to the root, no revocation): a revoked or expired key is
 * sealed for no more. Several that hold for one name (a renewal, a
 * re-keyed node whose old certificate was not revoked) each get the
 * mail's key. A person's certificate (an official's, NAME@OFFICE) is
 * found below its office's name too, and gets nothing: mail is sealed
 * for offices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mail_seal.h"
#include "name.h"
#include "node.h"
#include "trust.h"
#include "xmem.h"

/* What one mail's keys are gathered in. */
struct gather {
	struct seal_to	*keys;
	size_t		 n;
	unsigned	 budget;	/* certificates still to read */
	uint64_t	 now;
};

/* Adds ed (X25519 form curve) once; -1 past SEAL_MAX_KEYS. */
static int
add(struct gather *g, const uint8_t *ed, const uint8_t *curve)
{
	for (size_t i = 0; i < g->n; i++)
		if (memcmp(g->keys[i].ed, ed, KEY_PUBLIC_BYTES) == 0)
			return 0;
	if (g->n == SEAL_MAX_KEYS)
		return -1;
	memcpy(g->keys[g->n].ed, ed, KEY_PUBLIC_BYTES);
	memcpy(g->keys[g->n].curve, curve, SEAL_CURVE_BYTES);
	g->n++;
	return 0;
}

/* A key named in the config (the root's, ours): its X25519 form too. */
static int
add_key(struct gather *g, const uint8_t *ed)
{
	uint8_t	curve[SEAL_CURVE_BYTES];

	if (key_curve_public(ed, curve) != 0)
		return 0;	/* no node could open it: none to add */
	return add(g, ed, curve);
}

/*
 * Adds the keys of the certificates held for name (subtree 0), or for
 * every name below it (subtree 1), that hold now, for recipient addr.
 * The number that held, or -1 past a bound (why in err).
 */
static int
add_named(struct node *n, store_txn_t *txn, struct gather *g,
    const char *addr, const char *name, int subtree, char *err,
    size_t errlen)
{
	struct store_cert	c = { .subject = "" };
	uint8_t			curve[SEAL_CURVE_BYTES];
	int			held = 0;

	while (store_cert_named(txn, name, subtree, curve, &c) == 0) {
		if (g->budget-- == 0) {
			snprintf(err, errlen, "cannot seal for %.64s: more "
			    "than %d certificates to read for the recipients' "
			    "nodes; send it clear", addr,
			    MAIL_SEAL_SCAN_MAX);
			return -1;
		}
		/* An official's key opens no office's mail; nor does one
		 * whose certificate does not hold now. */
		if (!name_valid(c.subject) ||
		    trust_check(n, txn, c.subject, c.key, g->now, NULL) != 0)
			continue;
		if (add(g, c.key, curve) != 0) {
			snprintf(err, errlen, "cannot seal for %.64s: the "
			    "recipients' nodes have more than %d keys (a "
			    "subtree of too many nodes?); send it clear",
			    addr, SEAL_MAX_KEYS);
			return -1;
		}
		held++;
	}
	return held;
}

/* The keys of the node of mailbox address addr (node part node). */
static int
add_node(struct node *n, store_txn_t *txn, struct gather *g, const char *addr,
    const char *node, char *err, size_t errlen)
{
	const struct node_conf	*c = n->n_conf;
	int			 held;

	if (strcmp(node, c->name) == 0)
		return add_key(g, key_public(n->n_key));
	if (strcmp(node, c->root_name) == 0)
		return add_key(g, c->root_key);
	if ((held = add_named(n, txn, g, addr, node, 0, err, errlen)) != 0)
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
	struct gather	 g = { .budget = MAIL_SEAL_SCAN_MAX,
	    .now = clock_wall_ms() };
	const char	*node;
	int		 rc = 0;

	g.keys = xcalloc(SEAL_MAX_KEYS, sizeof(*g.keys));
	for (size_t i = 0; rc == 0 && i < n_to; i++) {
		if (name_subtree_address(to[i], &node))
			rc = add_named(n, txn, &g, to[i], node, 1, err,
			    errlen) < 0 ? -1 : 0;
		else if (name_mailbox(to[i], &node))
			rc = add_node(n, txn, &g, to[i], node, err, errlen);
	}
	if (rc != 0) {
		free(g.keys);
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
