/*
 * test_loop: the reactor: timer order and cancellation, fd readiness,
 * removal from inside a handler, the turn hook (idle only when nothing
 * is ready), 0 ms timers one turn apart, and the longest turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "loop.h"

struct rec {
	int	order[8];
	int	n;
	int	turns;
	int	idle;
};

static void
note(loop_t *l, void *arg, int v)
{
	struct rec	*r = arg;

	(void)l;
	if (r->n < 8)
		r->order[r->n++] = v;
}

static void t1(loop_t *l, void *a) { note(l, a, 1); }
static void t2(loop_t *l, void *a) { note(l, a, 2); }
static void t3(loop_t *l, void *a) { note(l, a, 3); }
static void stop(loop_t *l, void *a) { (void)a; loop_stop(l); }

static void
test_timers(void **state)
{
	loop_t		*l = loop_new();
	struct rec	 r = { .n = 0 };
	uint64_t	 id, start = clock_mono_ms();

	(void)state;
	loop_timer(l, 30, t3, &r);
	loop_timer(l, 10, t1, &r);
	id = loop_timer(l, 20, t2, &r);
	loop_timer(l, 40, stop, NULL);
	loop_timer_cancel(l, id);
	loop_timer_cancel(l, 9999);	/* unknown ids are ignored */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 3);
	assert_true(clock_mono_ms() - start >= 40);
	loop_free(&l);
	assert_null(l);
}

struct pipe_ctx {
	int	fd[2];
	int	reads;
	int	remove_self;
};

static int
on_read(loop_t *l, void *arg)
{
	struct pipe_ctx	*p = arg;
	char		 c;

	assert_int_equal(read(p->fd[0], &c, 1), 1);
	p->reads++;
	if (p->remove_self)
		loop_remove(l, NULL, p->fd[0]);
	else if (p->reads == 2)
		return -1;
	return 0;
}

static void
on_turn(loop_t *l, void *arg, int idle)
{
	struct rec	*r = arg;

	(void)l;
	r->turns++;
	r->idle += idle;
}

static void
test_fd_and_idle(void **state)
{
	loop_t		*l = loop_new();
	struct pipe_ctx	 p = { .reads = 0 };
	struct rec	 r = { .turns = 0 };

	(void)state;
	assert_int_equal(pipe(p.fd), 0);
	assert_int_equal(write(p.fd[1], "ab", 2), 2);
	loop_add(l, NULL, p.fd[0], on_read, &p);
	loop_on_turn_end(l, on_turn, &r);
	/* A handler returning -1 stops the loop. One byte a turn, and
	 * never idle while a byte waits. */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(p.reads, 2);
	assert_int_equal(r.turns, 2);
	assert_int_equal(r.idle, 0);

	/* Removed from inside its handler, it is not called again; with
	 * nothing ready the hook runs idle before the loop sleeps. */
	p.remove_self = 1;
	p.reads = 0;
	assert_int_equal(write(p.fd[1], "cd", 2), 2);
	loop_timer(l, 50, stop, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(p.reads, 1);
	assert_true(r.idle >= 1);
	close(p.fd[0]);
	close(p.fd[1]);
	loop_free(&l);
}

struct chain {
	struct rec	r;
	int		left;
};

static void
again(loop_t *l, void *a)
{
	struct chain	*c = a;

	if (--c->left > 0)
		loop_timer(l, 0, again, c);
	else
		loop_stop(l);
}

/* Work that goes on by a 0 ms timer takes one turn a step: the loop
 * polls (and the hook runs) between steps. */
static void
test_zero_timers(void **state)
{
	loop_t		*l = loop_new();
	struct chain	 c = { .left = 5 };

	(void)state;
	loop_on_turn_end(l, on_turn, &c.r);
	loop_timer(l, 0, again, &c);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(c.left, 0);
	assert_true(c.r.turns >= 5);
	loop_free(&l);
}

static void
busy(loop_t *l, void *a)
{
	(void)l;
	(void)a;
	usleep(60 * 1000);	/* a handler that holds the loop */
}

/* The longest turn is kept: a slow handler shows in it. */
static void
test_longest_turn(void **state)
{
	loop_t	*l = loop_new();

	(void)state;
	assert_int_equal(loop_longest_turn_ms(l), 0);
	loop_timer(l, 1, busy, NULL);
	loop_timer(l, 5, stop, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_true(loop_longest_turn_ms(l) >= 60);
	loop_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_fd_and_idle),
		cmocka_unit_test(test_zero_timers),
		cmocka_unit_test(test_longest_turn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
