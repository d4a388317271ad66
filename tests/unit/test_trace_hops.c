/*
 * test_trace_hops: a trace's hops kept as they travel (node/trace_hops.c):
 * they come back as they went in, in order, after a move too; a page
 * holds at most its hops and about its bytes, but always one hop; the
 * control socket's view says a trace is complete only if no hop has a
 * note.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_hops.h"

/* Adds hop "hN.tw" with n events (peer "p", time N). */
static void
add(struct trace_hops *h, unsigned i, size_t n)
{
	Nodenet__TraceHop	 th = NODENET__TRACE_HOP__INIT;
	Nodenet__TraceEvent	 e = NODENET__TRACE_EVENT__INIT;
	Nodenet__TraceEvent	**evs = calloc(n + 1, sizeof(*evs));
	char			 node[32];

	assert_non_null(evs);
	snprintf(node, sizeof(node), "h%u.tw", i);
	e.time_ms = i;
	e.event = (char *)(uintptr_t)"received";
	e.peer = (char *)(uintptr_t)"p";
	for (size_t k = 0; k < n; k++)
		evs[k] = &e;
	th.node = node;
	th.events = evs;
	th.n_events = n;
	trace_hops_add(h, &th);
	free(evs);
}

static void
test_round_trip(void **state)
{
	struct trace_hops	 h = { 0 }, more = { 0 };
	Nodenet__TraceAnswer	 a = NODENET__TRACE_ANSWER__INIT;
	char			 node[32];

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		add(&h, i, i % 4);
	for (unsigned i = 100; i < 150; i++)
		add(&more, i, 1);
	trace_hops_move(&h, &more);
	assert_int_equal(more.n, 0);
	assert_null(more.buf);
	assert_int_equal(h.n, 150);
	trace_hops_page(&h, 90, 60, &a);
	assert_int_equal(a.n_hops, 60);
	for (size_t i = 0; i < a.n_hops; i++) {
		snprintf(node, sizeof(node), "h%zu.tw", 90 + i);
		assert_string_equal(a.hops[i]->node, node);
		assert_int_equal(a.hops[i]->n_events, 90 + i < 100 ?
		    (90 + i) % 4 : 1);
		if (a.hops[i]->n_events > 0)
			assert_int_equal(a.hops[i]->events[0]->time_ms, 90 + i);
	}
	trace_hops_unpage(&a);
	assert_null(a.hops);
	trace_hops_free(&h);
}

static void
test_fit(void **state)
{
	struct trace_hops	h = { 0 };

	(void)state;
	for (unsigned i = 0; i < 40; i++)
		add(&h, i, 10);
	assert_int_equal(trace_hops_fit(&h, 0, 16, 1 << 20), 16);
	assert_int_equal(trace_hops_fit(&h, 32, 16, 1 << 20), 8);
	assert_int_equal(trace_hops_fit(&h, 40, 16, 1 << 20), 0);
	/* About 3 hops of bytes; never none while some are left. */
	assert_int_equal(trace_hops_fit(&h, 0, 16, 3 * (h.len / 40 + 8)), 3);
	assert_int_equal(trace_hops_fit(&h, 5, 16, 1), 1);
	trace_hops_free(&h);
}

static void
test_json(void **state)
{
	struct trace_hops	 h = { 0 };
	json_t			*j;
	int			 complete;

	(void)state;
	add(&h, 0, 2);
	add(&h, 1, 0);
	j = trace_hops_json(&h, &complete);
	assert_int_equal(json_array_size(j), 2);
	assert_true(complete);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j,
	    0), "node")), "h0.tw");
	assert_int_equal(json_array_size(json_object_get(json_array_get(j, 0),
	    "events")), 2);
	assert_null(json_object_get(json_array_get(j, 1), "note"));
	json_decref(j);
	trace_hops_note(&h, "h2.tw", "did not answer (%d)", 7);
	j = trace_hops_json(&h, &complete);
	assert_false(complete);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j,
	    2), "note")), "did not answer (7)");
	json_decref(j);
	trace_hops_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
