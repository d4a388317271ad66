/*
 * scrub: the store checked against itself (scrub.h). A pass walks the
 * change log in order; each turn reads for SCRUB_SLICE_MS at most, and
 * sets aside what fails its check (repair_damaged()). A 0 ms timer keeps
 * the turns coming while a pass is under way.
 */
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "repair.h"
#include "scrub.h"
#include "turn.h"
#include "xmem.h"

#define SCRUB_SLICE_MS	2	/* of a turn */
#define SCRUB_FOUND	16	/* damaged records set aside per turn */

struct scrub_state {
	int		on;		/* a pass is under way */
	uint64_t	from;		/* the next log seq to check */
	uint64_t	started_ms, checked, damaged;
	uint64_t	timer;		/* the next pass, or a turn to go on */
};

static void
wake(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	n->n_scrub->timer = 0;
	if (!n->n_scrub->on) {
		n->n_scrub->on = 1;	/* the next pass */
		n->n_scrub->from = 1;
		n->n_scrub->started_ms = clock_mono_ms();
		n->n_scrub->checked = n->n_scrub->damaged = 0;
	}
}

void
scrub_start(struct node *n)
{
	n->n_scrub = xcalloc(1, sizeof(*n->n_scrub));
	wake(n->n_loop, n);
}

void
scrub_shutdown(struct node *n)
{
	if (n->n_scrub == NULL)
		return;
	loop_timer_cancel(n->n_loop, n->n_scrub->timer);
	free(n->n_scrub);
	n->n_scrub = NULL;
}

static void
pass_done(struct node *n)
{
	struct scrub_state	*s = n->n_scrub;

	log_info("event=scrub_done records=%llu damaged=%llu ms=%llu",
	    (unsigned long long)s->checked, (unsigned long long)s->damaged,
	    (unsigned long long)(clock_mono_ms() - s->started_ms));
	s->on = 0;
	s->timer = loop_timer(n->n_loop, n->n_conf->scrub_ms, wake, n);
}

void
scrub_turn(struct node *n)
{
	struct scrub_state	*s = n->n_scrub;
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	uint8_t			 id[SCRUB_FOUND][STORE_ID_BYTES];
	uint64_t		 seq[SCRUB_FOUND], at;
	uint64_t		 deadline = clock_mono_ms() + SCRUB_SLICE_MS;
	size_t			 found = 0;
	int			 rc = 0;

	if (s == NULL || !s->on || s->timer != 0)
		return;
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
		return;
	while (found < SCRUB_FOUND && clock_mono_ms() < deadline &&
	    (rc = store_log_next(txn, s->from, &at, id[found])) == 0) {
		s->from = at + 1;
		s->checked++;
		if (store_get(txn, id[found], &rec) == STORE_CORRUPT)
			seq[found++] = at;
	}
	store_txn_abort(&txn);
	for (size_t i = 0; i < found; i++) {
		if ((txn = node_txn(n)) == NULL ||
		    repair_damaged(n, txn, id[i], seq[i]) != 0) {
			node_abort(n);
			s->from = seq[i];	/* again, next turn */
			break;
		}
		s->damaged++;
	}
	if (rc == 0)
		s->timer = loop_timer(n->n_loop, 0, wake, n);
	else {
		if (rc != STORE_NOTFOUND)
			log_warnx("event=scrub_stopped seq=%llu reason=\"%s\"",
			    (unsigned long long)s->from, store_strerror(rc));
		pass_done(n);
	}
}
