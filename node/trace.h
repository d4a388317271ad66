/*
 * trace: where a record went, asked along its path (node-ctl trace).
 *
 * A node answers with its own custody events of the record; if it handed
 * the record on, it first asks each node it handed it to (a TraceQuery
 * over the link, ttl one less) and adds their answers after its own. A
 * hop that does not answer in time (a link down, an old node) is noted
 * "did not answer"; the trace never waits longer than TRACE_WAIT_MS, and
 * a node asked gives its own peers less than its asker gives it, so that
 * their answers are in before its own must go.
 *
 * An answer may hold the hops of a whole province or nation: it goes up
 * in pages of about TRACE_PAGE_BYTES, each asked for by the asker, which
 * takes at most TRACE_MAX_BYTES of hops for one trace (and a node at
 * most TRACE_MEM_MAX for all): what it does not take, or what does not
 * come in time, is a hop with a note that says so, never left out
 * silently. An asker from before pages gets one frame of at most
 * WIRE_OLD_TRACE_HOPS hops, the last saying how many more there were.
 */
#ifndef TRACE_H
#define TRACE_H

#include <jansson.h>

#include "link.pb-c.h"

struct node;
struct peer;

#define TRACE_WAIT_MS	3000	/* the longest wait: the control socket's */
#define TRACE_MIN_WAIT_MS 100	/* a node asked waits at least this */
#define TRACE_MAX_WAITS	64	/* traces in progress at one node */
#define TRACE_PAGE_BYTES (1024 * 1024)	/* of hops in a page, about */
#define TRACE_MAX_BYTES	(8 * 1024 * 1024) /* of hops one trace holds */
#define TRACE_MAX_HOPS	32768	/* hops one trace holds */
#define TRACE_MEM_MAX	(32 * 1024 * 1024) /* of hops all traces hold */
#define TRACE_HOLD_MS	3000	/* an answer waits this for a page asked */
#define TRACE_RESEND_MS	100	/* a page that found the link full */

/* How the control socket's trace is answered once the path is in. */
typedef void	(*trace_done_fn)(struct node *n, json_t *reply,
		    const char *err);

/*
 * Starts a trace for the control socket: 0 with its reply in *now, 1 if
 * done(n, reply, NULL) answers it later, -1 with err set on a bad
 * request.
 */
int	 trace_start(struct node *n, json_t *req, trace_done_fn done,
	    json_t **now, char *err, size_t errlen);
void	 trace_query(struct node *n, struct peer *p,
	    const Nodenet__TraceQuery *q);
void	 trace_answer(struct node *n, struct peer *p,
	    const Nodenet__TraceAnswer *a);
/* Ends every trace in progress (answering with what came so far). */
void	 trace_shutdown(struct node *n);

#endif
