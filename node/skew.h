/*
 * skew: how far each peer's clock is from ours, as its heartbeats show
 * (proto/README.md, "Heartbeats and silence"). A peer whose clock is
 * more than SKEW_MS off is marked skewed, shown so by node-ctl peers
 * and logged once when that starts and once when it ends, not at every
 * heartbeat.
 */
#ifndef SKEW_H
#define SKEW_H

#include <stdint.h>

struct peer;

/* Marked skewed past this offset, either way... */
#define SKEW_MS		60000
/* ...and no longer once back within this: an offset near the mark, read
 * a little differently by each heartbeat, is not a change each time. */
#define SKEW_CLEAR_MS	30000

/*
 * A heartbeat from p said its wall clock was their_ms (0: it did not
 * say): p's offset from our clock now, and its state, logged if that
 * changed.
 */
void	skew_heard(struct peer *p, uint64_t their_ms);
/*
 * p's new session replaces old's (a node below that connected again):
 * what was known of its clock goes on, so that it is not logged again.
 */
void	skew_inherit(struct peer *p, const struct peer *old);

#endif
