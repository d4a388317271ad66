/*
 * trace_hops: the hops a trace gathers, kept as they travel: each a
 * packed TraceHop, one after the other in one buffer. What a trace holds
 * is then counted in the bytes it would send (the bounds of trace.h),
 * and a page of them for a TraceAnswer is cut by those bytes.
 */
#ifndef TRACE_HOPS_H
#define TRACE_HOPS_H

#include <stddef.h>

#include <jansson.h>

#include "link.pb-c.h"

struct trace_hops {
	uint8_t		*buf;
	size_t		 len, cap;	/* bytes */
	size_t		*off;		/* where hop i starts in buf */
	size_t		 n, ncap;	/* hops */
};

/* The bytes hop th takes here (and in a frame, less its tag). */
size_t	 trace_hops_measure(const Nodenet__TraceHop *th);
void	 trace_hops_add(struct trace_hops *h, const Nodenet__TraceHop *th);
/* A hop of node without events, its note made as printf() does. */
void	 trace_hops_note(struct trace_hops *h, const char *node,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends src's hops to h, and empties src. */
void	 trace_hops_move(struct trace_hops *h, struct trace_hops *src);
/*
 * How many hops from index from on go in a page of at most max hops and
 * about max_bytes: at least one, if any are left.
 */
size_t	 trace_hops_fit(const struct trace_hops *h, size_t from, size_t max,
	    size_t max_bytes);
/* Sets a's hops to [from, from + k), decoded; trace_hops_unpage() them. */
void	 trace_hops_page(const struct trace_hops *h, size_t from, size_t k,
	    Nodenet__TraceAnswer *a);
void	 trace_hops_unpage(Nodenet__TraceAnswer *a);
/*
 * The hops as the control socket's trace shows them, {"node", "events",
 * "note"?} each; *complete is 1 if none has a note (a hop not asked, not
 * answered or cut).
 */
json_t	*trace_hops_json(const struct trace_hops *h, int *complete);
void	 trace_hops_free(struct trace_hops *h);

#endif
