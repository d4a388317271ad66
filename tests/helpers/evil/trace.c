/*
 * evil/trace.c: evil_peer's trace modes (proto/README.md, "Trace"): a
 * child that asks its parent as a node from before pages would, and as
 * one of this version; and a child that answers its parent's questions
 * with pages that never end, of small hops or of frames near the size
 * limit, each page sent twice (the second unasked). The modes are
 * documented at the top of evil_peer.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "xmem.h"

#include "evil.h"

#define FLOOD_TOTAL	4000000000u	/* the hops a flood says it has */
#define FLOOD_QUIET_MS	2000		/* no query this long: it gave up */
#define HUGE_PAGE	(7u * 1024 * 1024)	/* bytes of a huge page */

/* The parent's answer to our question, page by page. */
void
evil_on_trace_answer(struct evil *e, const Nodenet__TraceAnswer *a)
{
	e->traced++;
	if (!e->trace_asking)
		return;		/* send mode's -q: counted only */
	if (a->qid != e->trace_qid || a->from != e->ans_hops) {
		printf("evil_peer: trace answer ignored (qid %" PRIu64 ", from "
		    "%u)\n", a->qid, a->from);
		return;
	}
	e->ans_pages++;
	e->ans_hops += a->n_hops;
	e->ans_total = a->total;
	e->ans_more = a->more;
	e->ans_note[0] = '\0';
	if (a->n_hops > 0)
		snprintf(e->ans_note, sizeof(e->ans_note), "%s",
		    a->hops[a->n_hops - 1]->note);
}

void
evil_send_trace(struct evil *e, const uint8_t *id, int paged, uint32_t from)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__TraceQuery	q = NODENET__TRACE_QUERY__INIT;

	q.qid = e->trace_qid;
	q.id.data = (uint8_t *)(uintptr_t)id;
	q.id.len = WIRE_ID_BYTES;
	q.ttl = WIRE_MAX_TRACE_HOPS;
	q.paged = paged;
	q.from = from;
	f.kind_case = NODENET__FRAME__KIND_TRACE_QUERY;
	f.trace_query = &q;
	evil_send_frame(e, &f);
}

/* Waits for the pages of one answer: 1 once it came whole. */
static int
answer(struct evil *e, int paged)
{
	e->trace_qid++;
	e->ans_hops = e->ans_pages = 0;
	e->ans_more = 1;
	evil_send_trace(e, e->want[0], paged, 0);
	while (clock_mono_ms() < e->deadline_ms) {
		uint64_t	pages = e->ans_pages;

		evil_pump(e, 100);
		if (e->ans_pages == pages)
			continue;
		if (!e->ans_more)
			return 1;
		evil_send_trace(e, e->want[0], paged,
		    (uint32_t)e->ans_hops);
	}
	printf("evil_peer: no whole answer in time\n");
	return 0;
}

/*
 * trace-ask: as a node from before pages (one frame), then as one of
 * this version (paged, every page asked for).
 */
int
evil_mode_trace_ask(struct evil *e)
{
	int	ok;

	e->trace_asking = 1;
	if (!(ok = answer(e, 0)))
		return 0;
	printf("evil_peer: trace answer hops=%zu note=\"%s\"\n", e->ans_hops,
	    e->ans_note);
	ok = answer(e, 1);
	printf("evil_peer: paged answer pages=%zu hops=%zu total=%u\n",
	    e->ans_pages, e->ans_hops, e->ans_total);
	return ok;
}

/* A string of len bytes of c (a new one). */
static char *
filled(char c, size_t len)
{
	char	*s = xmalloc(len + 1);

	memset(s, c, len);
	s[len] = '\0';
	return s;
}

/*
 * The hops of one flood page from hop `from` on: small ones (a name),
 * or huge ones (WIRE_MAX_TRACE_EVENTS events of the longest strings)
 * up to about HUGE_PAGE bytes. Free with page_free().
 */
static void
page_make(const struct evil *e, uint32_t from, Nodenet__TraceAnswer *a)
{
	static Nodenet__TraceEvent	 ev = NODENET__TRACE_EVENT__INIT;
	static Nodenet__TraceEvent	*evs[WIRE_MAX_TRACE_EVENTS];
	size_t				 bytes = 0;

	if (ev.event == NULL || ev.event[0] == '\0') {
		ev.event = filled('e', WIRE_MAX_TRACE_TEXT);
		ev.peer = filled('p', WIRE_MAX_TRACE_TEXT);
		ev.time_ms = clock_wall_ms();
		for (size_t i = 0; i < WIRE_MAX_TRACE_EVENTS; i++)
			evs[i] = &ev;
	}
	a->hops = xcalloc(WIRE_MAX_TRACE_PAGE, sizeof(*a->hops));
	for (a->n_hops = 0; a->n_hops < WIRE_MAX_TRACE_PAGE &&
	    bytes < HUGE_PAGE; a->n_hops++) {
		Nodenet__TraceHop	*h = xcalloc(1, sizeof(*h));

		nodenet__trace_hop__init(h);
		h->node = xasprintf("h%zu.%s", from + a->n_hops, e->name);
		if (e->trace_huge) {
			h->events = evs;
			h->n_events = WIRE_MAX_TRACE_EVENTS;
			h->note = filled('n', WIRE_MAX_TRACE_TEXT);
		}
		a->hops[a->n_hops] = h;
		bytes += nodenet__trace_hop__get_packed_size(h);
	}
	a->from = from;
	a->total = FLOOD_TOTAL;
	a->more = 1;
}

static void
page_free(Nodenet__TraceAnswer *a)
{
	for (size_t i = 0; i < a->n_hops; i++) {
		free(a->hops[i]->node);
		if (a->hops[i]->n_events > 0)
			free(a->hops[i]->note);
		free(a->hops[i]);
	}
	free(a->hops);
}

/* A question from the parent, in a flood mode: the page it asks for,
 * then the same again, unasked. */
void
evil_on_trace_query(struct evil *e, const Nodenet__TraceQuery *q)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__TraceAnswer	a = NODENET__TRACE_ANSWER__INIT;
	size_t			len;

	if (!e->trace_flood)
		return;
	e->trace_q_in++;
	e->trace_q_ms = clock_mono_ms();
	page_make(e, q->from, &a);
	a.qid = q->qid;
	f.kind_case = NODENET__FRAME__KIND_TRACE_ANSWER;
	f.trace_answer = &a;
	len = nodenet__frame__get_packed_size(&f);
	evil_send_frame(e, &f);
	evil_send_frame(e, &f);
	e->trace_pages_out++;
	e->trace_hops_out += a.n_hops;
	e->trace_bytes_out += len;
	page_free(&a);
}

/*
 * trace-endless and trace-huge: answers every question until none came
 * for FLOOD_QUIET_MS after the first (or -t runs out).
 */
int
evil_mode_trace_flood(struct evil *e)
{
	e->trace_flood = 1;
	while (clock_mono_ms() < e->deadline_ms && (e->trace_q_in == 0 ||
	    clock_mono_ms() - e->trace_q_ms < FLOOD_QUIET_MS))
		evil_pump(e, 100);
	printf("evil_peer: answered %" PRIu64 " trace queries: %" PRIu64
	    " pages, %" PRIu64 " hops, %" PRIu64 " bytes, each twice\n",
	    e->trace_q_in, e->trace_pages_out, e->trace_hops_out,
	    e->trace_bytes_out);
	return e->trace_q_in > 0;
}
