/*
 * test_skew: a peer's clock as its heartbeats show it. Past a minute
 * either way it is marked skewed, and the mark clears only back within
 * 30 s; each change is logged once, however many heartbeats come. The
 * log (stderr, while skew_heard() runs) goes to a temporary file whose
 * lines are counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "skew.h"

#define HOUR_MS		UINT64_C(3600000)
#define DAY_MS		(24 * HOUR_MS)

static FILE	*logfile;		/* what the node logged */
static int	 saved_err = -1;	/* our stderr, for cmocka */

static int
setup(void **state)
{
	(void)state;
	if ((logfile = tmpfile()) == NULL || (saved_err = dup(2)) == -1)
		return -1;
	log_init("test_skew", LOG_LEVEL_INFO);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (saved_err != -1)
		close(saved_err);
	if (logfile != NULL)
		fclose(logfile);
	return 0;
}

/* skew_heard(), its log lines into logfile. */
static void
hear(struct peer *p, uint64_t their_ms)
{
	fflush(stderr);
	assert_int_not_equal(dup2(fileno(logfile), 2), -1);
	skew_heard(p, their_ms);
	fflush(stderr);
	assert_int_not_equal(dup2(saved_err, 2), -1);
}

/* Lines of the log so far that contain s. */
static int
logged(const char *s)
{
	char	line[512];
	int	n = 0;

	rewind(logfile);
	while (fgets(line, sizeof(line), logfile) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fseek(logfile, 0, SEEK_END);
	return n;
}

/* A heartbeat that says the peer's clock is off ms from ours. */
static void
heard(struct peer *p, int64_t off)
{
	hear(p, (uint64_t)((int64_t)clock_wall_ms() + off));
}

/* Is the offset shown within 5 s of want? (The test takes time too.) */
static int
near(const struct peer *p, int64_t want)
{
	int64_t	d = p->pr_clock_offset_ms - want;

	return d > -5000 && d < 5000;
}

static void
test_ahead_then_back(void **state)
{
	struct peer	p = { .pr_name = (char *)(uintptr_t)"bacquang.hagiang" };

	(void)state;
	heard(&p, 2000);
	assert_false(p.pr_clock_skewed);
	assert_true(near(&p, 2000));
	for (int i = 0; i < 20; i++)
		heard(&p, 2 * HOUR_MS);
	assert_true(p.pr_clock_skewed);
	assert_true(near(&p, 2 * HOUR_MS));
	assert_int_equal(logged("event=clock_skew peer=bacquang.hagiang "), 1);
	assert_int_equal(logged("its clock is 2h00m ahead of ours"), 1);
	/* Near the mark, either side: no change, nothing logged. */
	heard(&p, 45000);
	heard(&p, 65000);
	heard(&p, 45000);
	assert_true(p.pr_clock_skewed);
	heard(&p, 1000);
	heard(&p, 1000);
	assert_false(p.pr_clock_skewed);
	assert_int_equal(logged("event=clock_skew_gone peer=bacquang.hagiang"),
	    1);
	assert_int_equal(logged("event=clock_skew peer="), 1);
}

static void
test_behind(void **state)
{
	struct peer	p = { .pr_name = (char *)(uintptr_t)"ngocha.vixuyen" };

	(void)state;
	heard(&p, -(int64_t)DAY_MS);
	heard(&p, -(int64_t)DAY_MS);
	assert_true(p.pr_clock_skewed);
	assert_true(near(&p, -(int64_t)DAY_MS));
	assert_int_equal(logged("its clock is 1d00h behind ours"), 1);
	/* 0: the sender did not say; nothing changes. */
	hear(&p, 0);
	assert_true(near(&p, -(int64_t)DAY_MS));
	assert_true(p.pr_clock_skewed);
}

/* A node below that connects again: its new session knows its clock. */
static void
test_inherit(void **state)
{
	struct peer	old = { .pr_name = (char *)(uintptr_t)"c.d.p" };
	struct peer	p = { .pr_name = (char *)(uintptr_t)"c.d.p" };

	(void)state;
	heard(&old, 3 * HOUR_MS);
	skew_inherit(&p, &old);
	assert_true(p.pr_clock_skewed);
	assert_true(near(&p, 3 * HOUR_MS));
	heard(&p, 3 * HOUR_MS);
	assert_int_equal(logged("event=clock_skew peer=c.d.p "), 1);
}

static void
test_extremes(void **state)
{
	struct peer	p = { .pr_name = (char *)(uintptr_t)"x" };

	(void)state;
	hear(&p, UINT64_MAX);
	assert_true(p.pr_clock_skewed);
	assert_true(p.pr_clock_offset_ms > 0);
	hear(&p, 1);
	assert_true(p.pr_clock_skewed);
	assert_true(p.pr_clock_offset_ms < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ahead_then_back),
		cmocka_unit_test(test_behind),
		cmocka_unit_test(test_inherit),
		cmocka_unit_test(test_extremes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
