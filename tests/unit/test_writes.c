/*
 * test_writes: the run of refused commits (node/writes.c), on a node
 * with a store and a loop and nothing else.
 *
 * What must hold: the first refusal of a run, and a change of its cause,
 * log one line each, and no other refusal does; the hold after each
 * refusal doubles from WRITES_HOLD_MIN_MS to WRITES_HOLD_MAX_MS and no
 * further, and its timer ends it; no commit ends the run within a hold,
 * nor one that stored nothing, nor one of our own records alone once
 * the peers' were refused, nor one while a disk that was full has no
 * more room; the one that does logs one line and starts the backoff
 * again from the bottom; a hold for want of space ends early once the
 * disk has room; disk_free reads the store's filesystem.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "node.h"
#include "store.h"
#include "store_fixture.h"
#include "writes.h"

/* stderr, where the log goes, into a file while captured. */
static FILE	*captured;
static int	 saved_fd = -1;

static void
capture(void)
{
	fflush(stderr);
	assert_non_null(captured = tmpfile());
	assert_true((saved_fd = dup(2)) != -1);
	assert_true(dup2(fileno(captured), 2) != -1);
}

/* Ends the capture: the lines logged that contain what. */
static int
logged(const char *what)
{
	char	line[512];
	int	n = 0;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	saved_fd = -1;
	rewind(captured);
	while (fgets(line, sizeof(line), captured) != NULL)
		n += strstr(line, what) != NULL;
	fclose(captured);
	captured = NULL;
	return n;
}

static void
node_setup(struct fixture *f, struct node *n)
{
	memset(n, 0, sizeof(*n));
	open_store(f, NULL);
	n->n_store = f->st;
	n->n_loop = loop_new();
}

static void
stop(loop_t *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

/* Runs the loop for ms: the writes timer fires meanwhile. */
static void
run_for(struct node *n, uint64_t ms)
{
	loop_timer(n->n_loop, ms, stop, NULL);
	loop_run(n->n_loop);
}

static void
test_backoff(void **state)
{
	struct node	n;
	uint64_t	want = WRITES_HOLD_MIN_MS;

	node_setup(*state, &n);
	capture();
	for (int i = 0; i < 10; i++) {
		writes_refused(&n, EIO, 1);
		assert_true(writes_held(&n));
		assert_int_equal(n.n_writes.wr_hold_ms, want);
		assert_true(writes_hold_left(&n) <= want);
		want = want * 2 > WRITES_HOLD_MAX_MS ? WRITES_HOLD_MAX_MS :
		    want * 2;
	}
	writes_refused(&n, STORE_FULL, 1);
	assert_int_equal(logged("event=writes_refused"), 2);
	assert_int_equal(n.n_writes.wr_refused, 11);
	assert_int_equal(n.n_writes.wr_hold_ms, WRITES_HOLD_MAX_MS);
	loop_free(&n.n_loop);
}

static void
test_run_end(void **state)
{
	struct node	n;
	char		why[120];

	node_setup(*state, &n);
	capture();
	writes_refused(&n, EIO, 1);
	writes_committed(&n, 1, 1);	/* within the hold */
	assert_true(n.n_writes.wr_refusing);
	run_for(&n, WRITES_HOLD_MIN_MS + 100);
	assert_false(writes_held(&n));
	assert_int_equal(writes_hold_left(&n), 0);
	writes_committed(&n, 0, 1);	/* stored nothing */
	writes_committed(&n, 1, 0);	/* ours only: the peers' wait */
	assert_true(n.n_writes.wr_refusing);
	assert_string_equal(writes_why(&n, why, sizeof(why)),
	    "Input/output error");
	writes_committed(&n, 1, 1);
	assert_false(n.n_writes.wr_refusing);
	assert_int_equal(logged("event=writes_work_again refused_commits=1"),
	    1);
	assert_string_equal(writes_why(&n, why, sizeof(why)),
	    "a write failed");

	/* A new run starts from the bottom, and our own records end one
	 * that refused only ours. */
	capture();
	writes_refused(&n, EIO, 0);
	assert_int_equal(n.n_writes.wr_hold_ms, WRITES_HOLD_MIN_MS);
	run_for(&n, WRITES_HOLD_MIN_MS + 100);
	writes_committed(&n, 1, 0);
	assert_false(n.n_writes.wr_refusing);
	assert_int_equal(logged("event=writes_"), 2);
	loop_free(&n.n_loop);
}

static void
test_disk_full(void **state)
{
	struct fixture	*f = *state;
	struct node	 n;
	uint64_t	 free_bytes;
	char		 why[120];

	node_setup(f, &n);
	assert_rc(store_disk_free(f->st, &free_bytes), 0);
	capture();
	for (int i = 0; i < 8; i++)
		writes_refused(&n, ENOSPC, 1);
	(void)logged("");
	assert_string_equal(writes_why(&n, why, sizeof(why)),
	    "disk full (No space left on device)");
	assert_int_equal(n.n_writes.wr_hold_ms, WRITES_HOLD_MAX_MS);
	/* As much free as at the refusal, give or take: still full. */
	n.n_writes.wr_free = UINT64_C(1) << 62;
	n.n_writes.wr_hold_until = 0;	/* as if the hold had ended */
	writes_committed(&n, 1, 1);
	assert_true(n.n_writes.wr_refusing);
	/* Room again: a hold ends early, and the next commit ends the run. */
	if (free_bytes < WRITES_ROOM_BYTES) {
		loop_free(&n.n_loop);
		skip();
	}
	capture();
	writes_refused(&n, ENOSPC, 1);
	n.n_writes.wr_free = 0;
	run_for(&n, 4 * WRITES_POLL_MS);
	assert_false(writes_held(&n));
	writes_committed(&n, 1, 1);
	assert_false(n.n_writes.wr_refusing);
	assert_int_equal(logged("event=writes_work_again"), 1);
	loop_free(&n.n_loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
