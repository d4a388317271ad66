/*
 * submit: idempotent submission keys (see submit.h and store_submit.c).
 */
#include <string.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "submit.h"
#include "turn.h"

#define SWEEP_EVERY_MS	5000
#define SWEEP_MAX	1024	/* keys read in one slice */

int
submit_key_valid(const char *key)
{
	size_t	n = strnlen(key, STORE_MAX_SUBMIT_KEY + 1);

	if (n == 0 || n > STORE_MAX_SUBMIT_KEY)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return 1;
}

int
submit_seen(store_txn_t *txn, const char *key, uint8_t id[WIRE_ID_BYTES])
{
	int	rc = store_submit_get(txn, key, id);

	if (rc == 0)
		return 1;
	return rc == STORE_NOTFOUND ? 0 : -1;
}

int
submit_remember(store_txn_t *txn, const char *key,
    const uint8_t id[WIRE_ID_BYTES])
{
	int	rc = store_submit_put(txn, key, id, clock_wall_ms());

	if (rc != 0) {
		log_warnx("event=submit_key_unsaved reason=\"%s\"",
		    store_strerror(rc));
		return -1;
	}
	return 0;
}

static void
sweep(loop_t *l, void *arg)
{
	/* Where the last slice stopped: only an optimisation, so one
	 * position for the process is enough. */
	static char	 after[STORE_MAX_SUBMIT_KEY + 1];
	struct node	*n = arg;
	store_txn_t	*txn;
	uint64_t	 now = clock_wall_ms();
	int		 gone;

	if (now > SUBMIT_KEEP_MS && (txn = node_txn(n)) != NULL) {
		gone = store_submit_expire(txn, after, now - SUBMIT_KEEP_MS,
		    SWEEP_MAX);
		if (gone < 0) {
			log_warnx("event=submit_sweep_failed reason=\"%s\"",
			    store_strerror(gone));
			node_abort(n);	/* half done */
		} else if (gone > 0)
			log_debug("event=submit_keys_expired keys=%d", gone);
	}
	loop_timer(l, SWEEP_EVERY_MS, sweep, n);
}

void
submit_start(struct node *n)
{
	loop_timer(n->n_loop, SWEEP_EVERY_MS, sweep, n);
}
