/*
 * writes: whether the store takes writes, as the last commits went. A
 * refused commit (a full disk, a full map, a failing disk) begins a run
 * of refusals: logged once, with its cause, and followed by a hold in
 * which no batch is taken in; a refusal in the run doubles the hold,
 * from WRITES_HOLD_MIN_MS to WRITES_HOLD_MAX_MS. A hold for want of
 * space ends early once the filesystem has WRITES_ROOM_BYTES more free
 * than it had at the refusal: looked at every WRITES_POLL_MS. The run
 * ends, logged once with how many commits it refused, when a commit
 * that stores records succeeds after a hold; one of the peers' records
 * if theirs were refused; and, if for want of space, once there is room
 * again. A few small writes fit where the peers' batches do not: they
 * end no run, or the log would say "refused", "works" over and over.
 */
#ifndef WRITES_H
#define WRITES_H

#include <stddef.h>
#include <stdint.h>

struct node;

#define WRITES_HOLD_MIN_MS	250
#define WRITES_HOLD_MAX_MS	16000
#define WRITES_POLL_MS		250
#define WRITES_ROOM_BYTES	((uint64_t)1 << 20)

/*
 * The store refused a write (rc: its code) of a transaction that took in
 * records from peers or not (took_in): counted in the run, the first of
 * a run and a change of cause logged, the hold begun again.
 */
void	writes_refused(struct node *n, int rc, int took_in);
/*
 * A commit succeeded; stored: it stored records; took_in: some came from
 * peers. After a hold, one that stored records ends the run; if the run
 * refused the peers' batches, one that took in records from them.
 */
void	writes_committed(struct node *n, int stored, int took_in);
/* 1 while a hold lasts: batches are not taken in. */
int	writes_held(const struct node *n);
/* Why the last refusal was, for a client or a log line: "disk full (No
 * space left on device)", or the store's error; into buf. */
const char *writes_why(const struct node *n, char *buf, size_t len);
/* Milliseconds until the hold ends; 0 if none. */
uint64_t writes_hold_left(const struct node *n);

#endif
