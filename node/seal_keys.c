/*
 * seal_keys: the keys something written here is sealed for
 * (seal_keys.h).
 *
 * Every node holds every certificate (they replicate on every link), so
 * the origin knows the keys of any node it can name, and of every node
 * below a name, as far as their certificates have reached it. A
 * certificate counts only if it holds now (trust_check(): its window,
 * its chain to the root, no revocation): a revoked or expired key is
 * sealed for no more. Several that hold for one name (a renewal, a
 * re-keyed node whose old certificate was not revoked) each get the
 * content key. A person's certificate (an official's, NAME@OFFICE) is
 * found below its office's name too, and gets nothing: content is
 * sealed for offices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "name.h"
#include "node.h"
#include "seal_keys.h"
#include "trust.h"
#include "xmem.h"

void
seal_keys_init(struct seal_keys *g, const char *who, const char *advice)
{
	memset(g, 0, sizeof(*g));
	g->keys = xcalloc(SEAL_MAX_KEYS, sizeof(*g->keys));
	g->budget = SEAL_KEYS_SCAN_MAX;
	g->now = clock_wall_ms();
	g->who = who;
	g->advice = advice;
}

void
seal_keys_free(struct seal_keys *g)
{
	free(g->keys);
	g->keys = NULL;
	g->n = 0;
}

/* Adds ed (X25519 form curve) once; -1 past SEAL_MAX_KEYS. */
static int
add(struct seal_keys *g, const uint8_t *ed, const uint8_t *curve)
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

int
seal_keys_add(struct seal_keys *g, const uint8_t *ed)
{
	uint8_t	curve[SEAL_CURVE_BYTES];

	if (key_curve_public(ed, curve) != 0)
		return 0;	/* no node could open it: none to add */
	return add(g, ed, curve);
}

int
seal_keys_named(struct node *n, store_txn_t *txn, struct seal_keys *g,
    const char *addr, const char *name, int subtree, char *err,
    size_t errlen)
{
	struct store_cert	c = { .subject = "" };
	uint8_t			curve[SEAL_CURVE_BYTES];
	int			held = 0;

	while (store_cert_named(txn, name, subtree, curve, &c) == 0) {
		if (g->budget-- == 0) {
			snprintf(err, errlen, "cannot seal for %.64s: more "
			    "than %d certificates to read for %s%s", addr,
			    SEAL_KEYS_SCAN_MAX, g->who, g->advice);
			return -1;
		}
		/* An official's key opens no office's content; nor does one
		 * whose certificate does not hold now. */
		if (!name_valid(c.subject) ||
		    (g->want != NULL && !g->want(c.subject, g->arg)) ||
		    trust_check(n, txn, c.subject, c.key, g->now, NULL) != 0)
			continue;
		if (add(g, c.key, curve) != 0) {
			snprintf(err, errlen, "cannot seal for %.64s: %s "
			    "have more than %d keys%s%s", addr, g->who,
			    SEAL_MAX_KEYS, subtree ? " (a subtree of too many "
			    "nodes?)" : "", g->advice);
			return -1;
		}
		held++;
	}
	return held;
}
