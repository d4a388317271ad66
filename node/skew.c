/*
 * skew: peers' clocks against ours (see skew.h).
 *
 * A heartbeat carries its sender's wall clock; the offset is that minus
 * ours when it is read. It reads low by the time the frame took to come
 * (a few ms on a live link; a frame late by more than link_timeout_s
 * ends the session first), so a minute is far above what a true clock
 * shows. Owns the pr_clock_* fields of struct peer; they outlive
 * sessions (a link's struct stays; a node below that connects again
 * gets a new one, which inherits them), so a peer that links again with
 * the same clock is not logged again.
 */
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "skew.h"

/* their - ours, within int64_t. */
static int64_t
offset_of(uint64_t their, uint64_t ours)
{
	if (their >= ours)
		return their - ours > INT64_MAX ? INT64_MAX :
		    (int64_t)(their - ours);
	return ours - their > INT64_MAX ? -INT64_MAX :
	    -(int64_t)(ours - their);
}

void
skew_inherit(struct peer *p, const struct peer *old)
{
	p->pr_clock_offset_ms = old->pr_clock_offset_ms;
	p->pr_clock_skewed = old->pr_clock_skewed;
}

void
skew_heard(struct peer *p, uint64_t their_ms)
{
	int64_t		off;
	uint64_t	mag;
	char		span[24];

	/* Only a session that is up hears heartbeats: p has a name. */
	if (their_ms == 0)
		return;
	off = offset_of(their_ms, clock_wall_ms());
	mag = off < 0 ? (uint64_t)-off : (uint64_t)off;
	p->pr_clock_offset_ms = off;
	if (!p->pr_clock_skewed && mag > SKEW_MS) {
		p->pr_clock_skewed = 1;
		log_warnx("event=clock_skew peer=%s offset_ms=%lld "
		    "reason=\"its clock is %s %s ours: one of them is "
		    "wrong\"", p->pr_name, (long long)off,
		    clock_span(span, sizeof(span), mag),
		    off > 0 ? "ahead of" : "behind");
	} else if (p->pr_clock_skewed && mag <= SKEW_CLEAR_MS) {
		p->pr_clock_skewed = 0;
		log_info("event=clock_skew_gone peer=%s offset_ms=%lld",
		    p->pr_name, (long long)off);
	}
}
