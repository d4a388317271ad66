/*
 * trace: where a record went, asked along its path (node-ctl trace).
 *
 * A node answers with its own custody events of the record; if it handed
 * the record on, it first asks each node it handed it to (a TraceQuery
 * over the link, ttl one less) and adds their answers after its own. A
 * hop that does not answer within TRACE_WAIT_MS (a link down, an old
 * node) is noted "did not answer"; the trace never waits longer.
 */
#ifndef TRACE_H
#define TRACE_H

#include <jansson.h>

#include "link.pb-c.h"

struct node;
struct peer;

#define TRACE_WAIT_MS	3000
#define TRACE_MAX_WAITS	64	/* traces in progress at one node */

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
