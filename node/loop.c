/*
 * loop: a small reactor on zmq_poll (libzmq's stable polling API; its
 * zmq_poller is still a draft in Debian's build).
 *
 * Owns the watch list and the timers, nothing it watches. Invariants:
 * a watch removed during dispatch is never called again (it is marked
 * dead and swept after the round); timers fire in deadline order, each
 * at most once, and one set while timers fire waits for the next turn;
 * the turn hook runs after every turn, and once more, idle, whenever
 * nothing is ready before the loop sleeps. It keeps the longest turn it
 * has run (from the poll's return to the end of the turn hook), the
 * node's worst stall.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "xmem.h"

struct watch {
	void		*w_sock;
	int		 w_fd;
	loop_io_fn	 w_fn;
	void		*w_arg;
	int		 w_dead;
};

struct timer {
	uint64_t	 t_id;
	uint64_t	 t_when;
	loop_timer_fn	 t_fn;
	void		*t_arg;
};

struct loop {
	struct watch	*l_watch;
	size_t		 l_nwatch, l_capwatch;
	struct timer	*l_timer;
	size_t		 l_ntimer, l_captimer;
	uint64_t	 l_next_id;
	loop_turn_fn	 l_turn_end;
	void		*l_turn_arg;
	int		 l_stop;
	uint64_t	 l_longest_ms;	/* the longest turn so far */
	uint64_t	 l_turn_start;	/* when this turn began */
};

loop_t *
loop_new(void)
{
	loop_t	*l = xcalloc(1, sizeof(*l));

	l->l_next_id = 1;
	return l;
}

void
loop_free(loop_t **lp)
{
	if (*lp == NULL)
		return;
	free((*lp)->l_watch);
	free((*lp)->l_timer);
	free(*lp);
	*lp = NULL;
}

void
loop_add(loop_t *l, void *sock, int fd, loop_io_fn fn, void *arg)
{
	if (l->l_nwatch == l->l_capwatch) {
		l->l_capwatch = l->l_capwatch ? 2 * l->l_capwatch : 8;
		l->l_watch = xrealloc(l->l_watch, l->l_capwatch,
		    sizeof(*l->l_watch));
	}
	l->l_watch[l->l_nwatch++] = (struct watch){ sock, fd, fn, arg, 0 };
}

void
loop_remove(loop_t *l, void *sock, int fd)
{
	for (size_t i = 0; i < l->l_nwatch; i++) {
		struct watch	*w = &l->l_watch[i];

		if (sock != NULL ? w->w_sock == sock :
		    (w->w_sock == NULL && w->w_fd == fd))
			w->w_dead = 1;
	}
}

static void
sweep(loop_t *l)
{
	size_t	n = 0;

	for (size_t i = 0; i < l->l_nwatch; i++)
		if (!l->l_watch[i].w_dead)
			l->l_watch[n++] = l->l_watch[i];
	l->l_nwatch = n;
}

uint64_t
loop_timer(loop_t *l, uint64_t delay_ms, loop_timer_fn fn, void *arg)
{
	if (l->l_ntimer == l->l_captimer) {
		l->l_captimer = l->l_captimer ? 2 * l->l_captimer : 8;
		l->l_timer = xrealloc(l->l_timer, l->l_captimer,
		    sizeof(*l->l_timer));
	}
	l->l_timer[l->l_ntimer++] = (struct timer){ l->l_next_id,
	    clock_mono_ms() + delay_ms, fn, arg };
	return l->l_next_id++;
}

void
loop_timer_cancel(loop_t *l, uint64_t id)
{
	for (size_t i = 0; i < l->l_ntimer; i++)
		if (l->l_timer[i].t_id == id) {
			l->l_timer[i] = l->l_timer[--l->l_ntimer];
			return;
		}
}

void
loop_on_turn_end(loop_t *l, loop_turn_fn fn, void *arg)
{
	l->l_turn_end = fn;
	l->l_turn_arg = arg;
}

void
loop_stop(loop_t *l)
{
	l->l_stop = 1;
}

/*
 * Fires the earliest timer due by now that was set before id before;
 * returns 1 if one fired.
 */
static int
fire_one(loop_t *l, uint64_t now, uint64_t before)
{
	struct timer	t;
	size_t		best = l->l_ntimer;

	for (size_t i = 0; i < l->l_ntimer; i++)
		if (l->l_timer[i].t_when <= now &&
		    l->l_timer[i].t_id < before && (best == l->l_ntimer ||
		    l->l_timer[i].t_when < l->l_timer[best].t_when))
			best = i;
	if (best == l->l_ntimer)
		return 0;
	t = l->l_timer[best];
	l->l_timer[best] = l->l_timer[--l->l_ntimer];
	t.t_fn(l, t.t_arg);
	return 1;
}

static long
next_timeout(loop_t *l, uint64_t now)
{
	uint64_t	soonest = UINT64_MAX;

	for (size_t i = 0; i < l->l_ntimer; i++)
		if (l->l_timer[i].t_when < soonest)
			soonest = l->l_timer[i].t_when;
	if (soonest == UINT64_MAX)
		return -1;
	return soonest <= now ? 0 : (long)(soonest - now);
}

/*
 * A turn (handlers, timers, the turn hook) took ms: nothing else was
 * answered meanwhile. Kept as the longest; a slow one is logged.
 */
static void
turn_done(loop_t *l, uint64_t ms)
{
	if (ms > l->l_longest_ms)
		l->l_longest_ms = ms;
	if (ms >= LOOP_SLOW_TURN_MS)
		log_warnx("event=slow_turn ms=%llu longest_ms=%llu",
		    (unsigned long long)ms,
		    (unsigned long long)l->l_longest_ms);
}

int
loop_run(loop_t *l)
{
	zmq_pollitem_t	*items = NULL;
	size_t		 cap = 0;
	uint64_t	 start;
	int		 idled = 0;

	l->l_stop = 0;
	while (!l->l_stop) {
		size_t	n = l->l_nwatch;
		int	rc;

		if (n > cap) {
			cap = n;
			items = xrealloc(items, cap, sizeof(*items));
		}
		for (size_t i = 0; i < n; i++)
			items[i] = (zmq_pollitem_t){ l->l_watch[i].w_sock,
			    l->l_watch[i].w_fd, ZMQ_POLLIN, 0 };
		rc = 0;
		if (!idled && l->l_turn_end != NULL) {
			/* Nothing ready, no timer due: the hook's idle turn
			 * first, then the loop sleeps. */
			rc = zmq_poll(items, (int)n, 0);
			if (rc == 0 && next_timeout(l, clock_mono_ms()) != 0) {
				start = l->l_turn_start = clock_mono_ms();
				l->l_turn_end(l, l->l_turn_arg, 1);
				sweep(l);
				turn_done(l, clock_mono_ms() - start);
				idled = 1;
				continue;
			}
		}
		idled = 0;
		if (rc <= 0)
			rc = zmq_poll(items, (int)n, next_timeout(l,
			    clock_mono_ms()));
		if (rc == -1 && errno != EINTR) {
			log_warn("loop: zmq_poll");
			free(items);
			return -1;
		}
		start = l->l_turn_start = clock_mono_ms();
		/* Handlers may add watches: only the first n were polled. */
		for (size_t i = 0; rc > 0 && i < n && !l->l_stop; i++) {
			struct watch	w = l->l_watch[i];

			if (w.w_dead || (items[i].revents & ZMQ_POLLIN) == 0)
				continue;
			if (w.w_fn(l, w.w_arg) == -1)
				l->l_stop = 1;
		}
		sweep(l);
		/* A timer set meanwhile waits for the next turn, so that
		 * work that goes on by a 0 ms timer lets the loop poll. */
		for (uint64_t now = clock_mono_ms(), before = l->l_next_id;
		    !l->l_stop && fire_one(l, now, before);)
			;
		if (l->l_turn_end != NULL)
			l->l_turn_end(l, l->l_turn_arg, 0);
		turn_done(l, clock_mono_ms() - start);
	}
	free(items);
	return 0;
}

uint64_t
loop_turn_ms(const loop_t *l)
{
	return clock_mono_ms() - l->l_turn_start;
}

uint64_t
loop_longest_turn_ms(const loop_t *l)
{
	return l->l_longest_ms;
}
