/*
 * trace: custody along the path; see trace.h.
 *
 * A wait is one question this node sent on: to whom (the nodes it handed
 * the record to), for whom (the control socket, or a peer and its qid),
 * and the hops gathered so far (this node's first). It ends when every
 * asked node answered, or at its deadline; then it is answered upward.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node.h"
#include "peer.h"
#include "trace.h"
#include "view.h"
#include "xmem.h"

struct trace_wait {
	struct node	*n;
	trace_done_fn	 done;		/* for ctl: who answers it */
	uint64_t	 qid;		/* ours, in the queries we sent */
	char		*up;		/* the asking peer; NULL: ctl */
	uint64_t	 up_qid;
	json_t		*hops;		/* ours first, then the answers */
	char		**asked;	/* who has not answered yet */
	size_t		 nasked;
	uint64_t	 timer;
	json_t		*reply;		/* for ctl: the local trace */
};

/* The traces in progress here (n_trace). */
struct trace_state {
	struct trace_wait	**waits;
	size_t			  n;
	uint64_t		  qid;	/* the last we sent */
};

static struct trace_state *
state(struct node *n)
{
	if (n->n_trace == NULL)
		n->n_trace = xcalloc(1, sizeof(*n->n_trace));
	return n->n_trace;
}

/* own_hop()'s walk over the custody events. */
struct hop {
	const char	  *from;
	json_t		  *events;
	char		***next;
	size_t		  *nnext;
};

static int
hop_event(const struct store_custody *ev, void *arg)
{
	struct hop	*h = arg;
	int		 dup = 0;

	json_array_append_new(h->events, view_custody_event(ev));
	if (ev->event != STORE_CUSTODY_SENT || (h->from != NULL &&
	    strcmp(ev->peer, h->from) == 0))
		return 0;
	for (size_t k = 0; k < *h->nnext; k++)
		dup |= strcmp((*h->next)[k], ev->peer) == 0;
	if (!dup) {
		*h->next = xrealloc(*h->next, *h->nnext + 1,
		    sizeof(**h->next));
		(*h->next)[(*h->nnext)++] = xstrdup(ev->peer);
	}
	return 0;
}

/*
 * This node's hop for record id, and the peers it handed it to (up at
 * most once each, not `from`).
 */
static json_t *
own_hop(struct node *n, const uint8_t *id, const char *from, char ***next,
    size_t *nnext)
{
	store_txn_t	*txn = NULL;
	struct hop	 h = { from, json_array(), next, nnext };

	*next = NULL;
	*nnext = 0;
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) == 0) {
		if (store_custody_walk(txn, id, WIRE_MAX_TRACE_EVENTS,
		    hop_event, &h) != 0)
			log_warnx("event=custody_unreadable");
		store_txn_abort(&txn);
	}
	return json_pack("{s:s, s:o}", "node", n->n_conf->name, "events",
	    h.events);
}

static struct peer *
peer_up(struct node *n, const char *name)
{
	for (size_t i = 0; i < n->n_npeers; i++)
		if (n->n_peers[i]->pr_name != NULL &&
		    n->n_peers[i]->pr_state == PEER_UP &&
		    strcmp(n->n_peers[i]->pr_name, name) == 0)
			return n->n_peers[i];
	return NULL;
}

static void
hops_to_proto(json_t *hops, Nodenet__TraceAnswer *a)
{
	json_t	*h, *e;
	size_t	 i, j;

	a->hops = xcalloc(json_array_size(hops) + 1, sizeof(*a->hops));
	json_array_foreach(hops, i, h) {
		Nodenet__TraceHop	*th = xcalloc(1, sizeof(*th));
		json_t			*evs = json_object_get(h, "events");

		nodenet__trace_hop__init(th);
		th->node = (char *)(uintptr_t)json_string_value(
		    json_object_get(h, "node"));
		th->note = json_string_value(json_object_get(h, "note")) !=
		    NULL ? (char *)(uintptr_t)json_string_value(
		    json_object_get(h, "note")) : (char *)(uintptr_t)"";
		th->events = xcalloc(json_array_size(evs) + 1,
		    sizeof(*th->events));
		json_array_foreach(evs, j, e) {
			Nodenet__TraceEvent	*te = xcalloc(1, sizeof(*te));

			nodenet__trace_event__init(te);
			te->time_ms = (uint64_t)json_integer_value(
			    json_object_get(e, "time_ms"));
			te->event = (char *)(uintptr_t)json_string_value(
			    json_object_get(e, "event"));
			te->peer = (char *)(uintptr_t)json_string_value(
			    json_object_get(e, "peer"));
			th->events[th->n_events++] = te;
		}
		a->hops[a->n_hops++] = th;
	}
}

static void
free_proto(Nodenet__TraceAnswer *a)
{
	for (size_t i = 0; i < a->n_hops; i++) {
		for (size_t j = 0; j < a->hops[i]->n_events; j++)
			free(a->hops[i]->events[j]);
		free(a->hops[i]->events);
		free(a->hops[i]);
	}
	free(a->hops);
}

/* Sends hops to the asking peer as the answer to its qid. */
static void
answer_peer(struct node *n, const char *name, uint64_t qid, json_t *hops)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__TraceAnswer	a = NODENET__TRACE_ANSWER__INIT;
	struct peer		*p = peer_up(n, name);

	if (p == NULL)
		return;		/* gone meanwhile: nobody to tell */
	a.qid = qid;
	hops_to_proto(hops, &a);
	f.kind_case = NODENET__FRAME__KIND_TRACE_ANSWER;
	f.trace_answer = &a;
	peer_send(n, p, &f);
	free_proto(&a);
}

/* The wait is over: answer upward and forget it. */
static void
finish(struct node *n, struct trace_wait *w)
{
	for (size_t i = 0; i < w->nasked; i++) {
		json_array_append_new(w->hops, json_pack("{s:s, s:[], s:s}",
		    "node", w->asked[i], "events", "note", "did not answer"));
		free(w->asked[i]);
	}
	if (w->timer != 0)
		loop_timer_cancel(n->n_loop, w->timer);
	if (w->up == NULL) {
		json_object_set(w->reply, "hops", w->hops);
		w->done(n, w->reply, NULL);
		w->reply = NULL;
	} else
		answer_peer(n, w->up, w->up_qid, w->hops);
	for (size_t i = 0; i < state(n)->n; i++)
		if (state(n)->waits[i] == w) {
			state(n)->waits[i] = state(n)->waits[--state(n)->n];
			break;
		}
	json_decref(w->hops);
	json_decref(w->reply);
	free(w->asked);
	free(w->up);
	free(w);
}

static void
expired(loop_t *l, void *arg)
{
	struct trace_wait	*w = arg;

	(void)l;
	w->timer = 0;
	finish(w->n, w);
}

/*
 * Asks the nodes in next (taking the list) about record id, for wait w
 * (answered on the next loop turn if there is nobody to ask). Consumes
 * next.
 */
static void
ask(struct node *n, struct trace_wait *w, const uint8_t *id, uint32_t ttl,
    char **next, size_t nnext)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__TraceQuery	q = NODENET__TRACE_QUERY__INIT;

	w->n = n;
	w->qid = ++state(n)->qid;
	q.qid = w->qid;
	q.id.data = (uint8_t *)(uintptr_t)id;
	q.id.len = WIRE_ID_BYTES;
	q.ttl = ttl;
	f.kind_case = NODENET__FRAME__KIND_TRACE_QUERY;
	f.trace_query = &q;
	w->asked = xcalloc(nnext + 1, sizeof(*w->asked));
	for (size_t i = 0; i < nnext; i++) {
		struct peer	*p = peer_up(n, next[i]);

		if (p != NULL && peer_send(n, p, &f) == 0)
			w->asked[w->nasked++] = next[i];
		else {
			json_array_append_new(w->hops, json_pack("{s:s, s:[],"
			    " s:s}", "node", next[i], "events", "note",
			    "not connected now: not asked"));
			free(next[i]);
		}
	}
	free(next);
	state(n)->waits = xrealloc(state(n)->waits, state(n)->n + 1,
	    sizeof(*state(n)->waits));
	state(n)->waits[state(n)->n++] = w;
	/*
	 * Never answered from here, even with nobody to ask: the control
	 * socket takes its answer only once trace_start() has returned.
	 */
	w->timer = loop_timer(n->n_loop, w->nasked == 0 ? 0 : TRACE_WAIT_MS,
	    expired, w);
}

int
trace_start(struct node *n, json_t *req, trace_done_fn done, json_t **now,
    char *err, size_t errlen)
{
	struct trace_wait	*w;
	uint8_t			 id[WIRE_ID_BYTES];
	char			**next;
	size_t			 nnext;
	json_t			*own, *reply;

	if (view_parse_id(json_object_get(req, "id"), id) != 0) {
		snprintf(err, errlen, "trace needs a message id (64 hex "
		    "digits)");
		return -1;
	}
	own = own_hop(n, id, NULL, &next, &nnext);
	reply = json_pack("{s:o, s:s, s:O, s:[O]}", "id", view_hex_id(id),
	    "node", n->n_conf->name, "events", json_object_get(own,
	    "events"), "hops", own);
	if (nnext == 0 || state(n)->n >= TRACE_MAX_WAITS ||
	    json_is_false(json_object_get(req, "path"))) {
		for (size_t i = 0; i < nnext; i++)
			free(next[i]);
		free(next);
		json_decref(own);
		*now = reply;
		return 0;
	}
	w = xcalloc(1, sizeof(*w));
	w->hops = json_array();
	json_array_append_new(w->hops, own);
	w->reply = reply;
	w->done = done;
	ask(n, w, id, WIRE_MAX_TRACE_HOPS, next, nnext);
	return 1;
}

void
trace_query(struct node *n, struct peer *p, const Nodenet__TraceQuery *q)
{
	struct trace_wait	*w;
	char			**next;
	size_t			 nnext;
	json_t			*own;

	own = own_hop(n, q->id.data, p->pr_name, &next, &nnext);
	w = xcalloc(1, sizeof(*w));
	w->hops = json_array();
	json_array_append_new(w->hops, own);
	w->up = xstrdup(p->pr_name);
	w->up_qid = q->qid;
	if (q->ttl == 0 || state(n)->n >= TRACE_MAX_WAITS) {
		for (size_t i = 0; i < nnext; i++)
			free(next[i]);
		free(next);
		nnext = 0;
		next = NULL;
	}
	ask(n, w, q->id.data, q->ttl > 0 ? q->ttl - 1 : 0, next, nnext);
}

void
trace_answer(struct node *n, struct peer *p, const Nodenet__TraceAnswer *a)
{
	struct trace_wait	*w = NULL;
	size_t			 k;

	for (size_t i = 0; i < state(n)->n && w == NULL; i++)
		if (state(n)->waits[i]->qid == a->qid)
			w = state(n)->waits[i];
	for (k = 0; w != NULL && k < w->nasked; k++)
		if (strcmp(w->asked[k], p->pr_name) == 0)
			break;
	if (w == NULL || k == w->nasked) {
		log_debug("event=trace_answer_ignored peer=%s", p->pr_name);
		return;	/* late, or not asked: its wait is over */
	}
	for (size_t i = 0; i < a->n_hops; i++) {
		const Nodenet__TraceHop	*h = a->hops[i];
		json_t			*evs = json_array();

		for (size_t j = 0; j < h->n_events; j++)
			json_array_append_new(evs, json_pack("{s:I, s:s, s:s}",
			    "time_ms", (json_int_t)h->events[j]->time_ms,
			    "event", h->events[j]->event, "peer",
			    h->events[j]->peer));
		json_array_append_new(w->hops, json_pack("{s:s, s:o}", "node",
		    h->node, "events", evs));
		if (h->note[0] != '\0')
			json_object_set_new(json_array_get(w->hops,
			    json_array_size(w->hops) - 1), "note",
			    json_string(h->note));
	}
	free(w->asked[k]);
	w->asked[k] = w->asked[--w->nasked];
	if (w->nasked == 0)
		finish(n, w);
}

void
trace_shutdown(struct node *n)
{
	if (n->n_trace == NULL)
		return;
	while (n->n_trace->n > 0)
		finish(n, n->n_trace->waits[0]); /* with what came so far */
	free(n->n_trace->waits);
	free(n->n_trace);
	n->n_trace = NULL;
}
