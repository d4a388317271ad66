/*
 * loop: the node's one event loop (Redis's ae, on zmq_poll).
 *
 * Readers are ZeroMQ sockets or file descriptors; timers fire once.
 * Handlers never block. A turn is a round of handlers, then the timers
 * due, then the turn hook; the hook runs once more, idle, before the loop
 * sleeps: where a busy loop's batched writes are committed at the latest.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

typedef struct loop loop_t;

/* Called when the socket or fd is readable; return -1 to stop the loop. */
typedef int	(*loop_io_fn)(loop_t *, void *arg);
typedef void	(*loop_timer_fn)(loop_t *, void *arg);
typedef void	(*loop_turn_fn)(loop_t *, void *arg, int idle);

loop_t	*loop_new(void);
/* NULL-safe; sets *lp = NULL. Closes nothing it was given. */
void	 loop_free(loop_t **lp);

/* Watches a ZeroMQ socket (sock) or, with sock NULL, a file descriptor. */
void	 loop_add(loop_t *l, void *sock, int fd, loop_io_fn fn, void *arg);
/* Stops watching; safe from inside a handler. */
void	 loop_remove(loop_t *l, void *sock, int fd);

/* Calls fn once, delay_ms from now; returns an id for loop_timer_cancel. */
uint64_t loop_timer(loop_t *l, uint64_t delay_ms, loop_timer_fn fn, void *arg);
/* Cancels a pending timer; ids of fired or cancelled timers are ignored. */
void	 loop_timer_cancel(loop_t *l, uint64_t id);

/*
 * fn runs after every turn (idle 0), and once more (idle 1) whenever
 * nothing is ready and no timer is due, before the loop sleeps.
 */
void	 loop_on_turn_end(loop_t *l, loop_turn_fn fn, void *arg);

/* Runs until a handler returns -1 or loop_stop(); -1 on a poll error. */
int	 loop_run(loop_t *l);
void	 loop_stop(loop_t *l);

/* Timers and turns run on clock_mono_ms() (clock.h). */

/* How long the turn now running has run, in ms. */
uint64_t loop_turn_ms(const loop_t *l);

/* A turn this long or longer is logged (event=slow_turn). */
#define LOOP_SLOW_TURN_MS	1000
/*
 * The longest turn so far, in ms: from zmq_poll's return to the end of
 * the turn hook, the longest the loop answered nothing.
 */
uint64_t loop_longest_turn_ms(const loop_t *l);

#endif
