/*
 * writes: whether the store takes writes (writes.h). Owns n_writes: the
 * run of refused commits, its hold and the timer that ends the hold.
 * Invariants: wr_hold_until != 0 only while wr_refusing, and a timer
 * is then pending; the log has one line where a run begins (or its
 * cause changes) and one where it ends, however many commits it
 * refused.
 */
#include <errno.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "store.h"
#include "writes.h"

static void	tick(loop_t *, void *);

static void
arm(struct node *n, uint64_t now)
{
	struct writes	*w = &n->n_writes;
	uint64_t	 left = w->wr_hold_until - now;

	if (w->wr_timer != 0)
		loop_timer_cancel(n->n_loop, w->wr_timer);
	w->wr_timer = loop_timer(n->n_loop, left < WRITES_POLL_MS ? left :
	    WRITES_POLL_MS, tick, n);
}

/*
 * After a refusal for want of space: 1 if the filesystem has room again
 * (WRITES_ROOM_BYTES more free than then), 0 if not, -1 if that cannot
 * be told (another cause; statvfs failed; a quota, which it does not
 * show).
 */
static int
room(struct node *n)
{
	struct writes	*w = &n->n_writes;
	uint64_t	 free_bytes;

	if (w->wr_error != ENOSPC || w->wr_free == UINT64_MAX ||
	    store_disk_free(n->n_store, &free_bytes) != 0)
		return -1;
	return free_bytes >= w->wr_free + WRITES_ROOM_BYTES;
}

/* The hold ends when it is over, or sooner when there is room again:
 * the turn's end then asks the peers to resend (repl_retry()). */
static void
tick(loop_t *l, void *arg)
{
	struct node	*n = arg;
	struct writes	*w = &n->n_writes;
	uint64_t	 now = clock_mono_ms();

	(void)l;
	w->wr_timer = 0;
	if (w->wr_hold_until == 0)
		return;
	if (now >= w->wr_hold_until || room(n) == 1) {
		log_debug("event=writes_retry refused_commits=%llu",
		    (unsigned long long)w->wr_refused);
		w->wr_hold_until = 0;
		return;
	}
	arm(n, now);
}

static const char *
why(int rc, char *buf, size_t len)
{
	if (rc == 0)
		snprintf(buf, len, "a write failed");
	else if (rc == ENOSPC || rc == EDQUOT)
		snprintf(buf, len, "disk full (%s)", store_strerror(rc));
	else
		snprintf(buf, len, "%s", store_strerror(rc));
	return buf;
}

const char *
writes_why(const struct node *n, char *buf, size_t len)
{
	return why(n->n_writes.wr_error, buf, len);
}

void
writes_refused(struct node *n, int rc, int took_in)
{
	struct writes	*w = &n->n_writes;
	uint64_t	 now = clock_mono_ms();
	char		 text[160];

	if (!w->wr_refusing || rc != w->wr_error)
		log_warnx("event=writes_refused reason=\"%s\" action=retry",
		    why(rc, text, sizeof(text)));
	if (!w->wr_refusing) {
		w->wr_refusing = 1;
		w->wr_since_ms = now;
		w->wr_refused = 0;
		w->wr_hold_ms = 0;
		w->wr_intake = 0;
	}
	w->wr_intake |= took_in;
	w->wr_error = rc;
	w->wr_refused++;
	w->wr_hold_ms = w->wr_hold_ms == 0 ? WRITES_HOLD_MIN_MS :
	    w->wr_hold_ms >= WRITES_HOLD_MAX_MS / 2 ? WRITES_HOLD_MAX_MS :
	    2 * w->wr_hold_ms;
	w->wr_hold_until = now + w->wr_hold_ms;
	if (store_disk_free(n->n_store, &w->wr_free) != 0)
		w->wr_free = UINT64_MAX;	/* never "room again" */
	arm(n, now);
}

void
writes_committed(struct node *n, int stored, int took_in)
{
	struct writes	*w = &n->n_writes;

	if (!w->wr_refusing || !stored || w->wr_hold_until != 0 ||
	    (w->wr_intake && !took_in) || room(n) == 0)
		return;
	log_info("event=writes_work_again refused_commits=%llu "
	    "refused_ms=%llu", (unsigned long long)w->wr_refused,
	    (unsigned long long)(clock_mono_ms() - w->wr_since_ms));
	w->wr_refusing = 0;
	w->wr_error = 0;
	w->wr_refused = 0;
	w->wr_hold_ms = 0;
}

int
writes_held(const struct node *n)
{
	return n->n_writes.wr_hold_until != 0;
}

uint64_t
writes_hold_left(const struct node *n)
{
	uint64_t	until = n->n_writes.wr_hold_until, now = clock_mono_ms();

	return until > now ? until - now : 0;
}
