/*
 * trace: custody along the path; see trace.h.
 *
 * A wait is one question this node sent on: what, to whom (the nodes it
 * handed the record to), for whom (the control socket, or a peer and its
 * qid), and how far each asked node's answer came. It gathers until every
 * asked node answered whole, or until its deadline; then its hops (this
 * node's first, then each asked node's answer, in the order asked) go
 * up: to the control socket at once, or to the asking peer a page at a
 * time, the wait held meanwhile (serving) until the last page went or
 * none was asked for TRACE_HOLD_MS.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "peer.h"
#include "trace.h"
#include "trace_hops.h"
#include "view.h"
#include "xmem.h"

/* One node asked, and how far its answer came. */
struct asked {
	char			*name;
	struct trace_hops	 hops;		/* its answer so far, notes */
	uint32_t		 got;		/* hops of its answer taken */
	uint32_t		 total;		/* of its answer, as it said */
	int			 open;		/* more of it is awaited */
	int			 unsent;	/* its query found the link full */
};

struct trace_wait {
	struct node		*n;
	uint8_t			 id[WIRE_ID_BYTES];
	uint32_t		 ttl;		/* in the queries we send */
	uint64_t		 qid;		/* ours, in those queries */
	uint64_t		 deadline;	/* mono ms: gathering ends */
	struct asked		*asked;
	size_t			 nasked, nopen;
	struct trace_hops	 hops;		/* ours, then the answers */
	size_t			 bytes, nhops;	/* held, in all */
	uint64_t		 timer;
	uint64_t		 retry;		/* queries that found links full */
	trace_done_fn		 done;		/* for ctl: who answers it */
	json_t			*reply;		/* for ctl: the local trace */
	char			*up;		/* the asking peer; NULL: ctl */
	uint64_t		 up_qid;
	int			 paged;		/* it takes pages */
	int			 serving;	/* gathered: pages go up */
	int			 resending;	/* a page found its link full */
	size_t			 served;	/* hops sent up so far */
	uint64_t		 hold_until;	/* mono ms: then forgotten */
};

/* The traces in progress here (n_trace). */
struct trace_state {
	struct trace_wait	**waits;
	size_t			  n;
	uint64_t		  qid;	/* the last we sent */
	size_t			  bytes;	/* of hops, all waits */
};

static struct trace_state *
state(struct node *n)
{
	if (n->n_trace == NULL)
		n->n_trace = xcalloc(1, sizeof(*n->n_trace));
	return n->n_trace;
}

/* Counts bytes of hops more as held by w (and this node). */
static void
held(struct node *n, struct trace_wait *w, size_t bytes, size_t hops)
{
	w->bytes += bytes;
	w->nhops += hops;
	state(n)->bytes += bytes;
}

/*
 * Adds a hop of asked node k to its answer whose note says what is
 * missing. Held beyond the bounds: a gap is never left unsaid.
 */
static void __attribute__((format(printf, 4, 5)))
note(struct node *n, struct trace_wait *w, struct asked *k,
    const char *fmt, ...)
{
	char	text[WIRE_MAX_TRACE_TEXT + 1];
	size_t	before = k->hops.len;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	trace_hops_note(&k->hops, k->name, "%s", text);
	held(n, w, k->hops.len - before, 1);
}

/* own_hop()'s walk over the custody events. */
struct own {
	const char		 *from;
	Nodenet__TraceEvent	 *ev;		/* WIRE_MAX_TRACE_EVENTS */
	Nodenet__TraceEvent	**evp;
	size_t			  nev;
	char			**next;
	size_t			  nnext;
};

static int
own_event(const struct store_custody *ev, void *arg)
{
	struct own		*o = arg;
	Nodenet__TraceEvent	*te = &o->ev[o->nev];
	int			 dup = 0;

	nodenet__trace_event__init(te);
	te->time_ms = ev->time_ms;
	te->event = (char *)(uintptr_t)view_custody_name(ev->event);
	te->peer = xstrdup(ev->peer);
	o->evp[o->nev++] = te;
	if (ev->event != STORE_CUSTODY_SENT || (o->from != NULL &&
	    strcmp(ev->peer, o->from) == 0))
		return 0;
	for (size_t k = 0; k < o->nnext; k++)
		dup |= strcmp(o->next[k], ev->peer) == 0;
	if (!dup) {
		o->next = xrealloc(o->next, o->nnext + 1, sizeof(*o->next));
		o->next[o->nnext++] = xstrdup(ev->peer);
	}
	return 0;
}

/*
 * Adds this node's hop for record id to h, and returns the peers it
 * handed the record to (up at most once each, not `from`), *nnext of
 * them.
 */
static char **
own_hop(struct node *n, const uint8_t *id, const char *from,
    struct trace_hops *h, size_t *nnext)
{
	Nodenet__TraceHop	 th = NODENET__TRACE_HOP__INIT;
	store_txn_t		*txn = NULL;
	struct own		 o = { .from = from };

	o.ev = xcalloc(WIRE_MAX_TRACE_EVENTS, sizeof(*o.ev));
	o.evp = xcalloc(WIRE_MAX_TRACE_EVENTS, sizeof(*o.evp));
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) == 0) {
		if (store_custody_walk(txn, id, WIRE_MAX_TRACE_EVENTS,
		    own_event, &o) != 0)
			log_warnx("event=custody_unreadable");
		store_txn_abort(&txn);
	}
	th.node = n->n_conf->name;
	th.events = o.evp;
	th.n_events = o.nev;
	trace_hops_add(h, &th);
	for (size_t i = 0; i < o.nev; i++)
		free(o.ev[i].peer);
	free(o.ev);
	free(o.evp);
	*nnext = o.nnext;
	return o.next;
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

/* Drops w, and what it holds. */
static void
forget(struct node *n, struct trace_wait *w)
{
	struct trace_state	*st = state(n);

	for (size_t i = 0; i < st->n; i++)
		if (st->waits[i] == w) {
			st->waits[i] = st->waits[--st->n];
			break;
		}
	st->bytes -= w->bytes;
	if (w->timer != 0)
		loop_timer_cancel(n->n_loop, w->timer);
	if (w->retry != 0)
		loop_timer_cancel(n->n_loop, w->retry);
	for (size_t i = 0; i < w->nasked; i++) {
		trace_hops_free(&w->asked[i].hops);
		free(w->asked[i].name);
	}
	free(w->asked);
	trace_hops_free(&w->hops);
	json_decref(w->reply);
	free(w->up);
	free(w);
}

static uint64_t
left_ms(const struct trace_wait *w)
{
	uint64_t	now = clock_mono_ms();

	return w->deadline > now ? w->deadline - now : 0;
}

/* Asks peer p about w's record, for its answer from hop `from` on. */
static int
query(struct node *n, struct trace_wait *w, struct peer *p, uint32_t from)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__TraceQuery	q = NODENET__TRACE_QUERY__INIT;

	q.qid = w->qid;
	q.id.data = w->id;
	q.id.len = WIRE_ID_BYTES;
	q.ttl = w->ttl;
	q.paged = 1;
	q.from = from;
	q.wait_ms = (uint32_t)left_ms(w);
	f.kind_case = NODENET__FRAME__KIND_TRACE_QUERY;
	f.trace_query = &q;
	return peer_send(n, p, &f);
}

static void	gathered(struct node *, struct trace_wait *);
static void	serve(struct node *, struct trace_wait *);

static void
expired(loop_t *l, void *arg)
{
	struct trace_wait	*w = arg;

	(void)l;
	w->timer = 0;
	gathered(w->n, w);
}

static void	close_asked(struct trace_wait *, struct asked *);
static void	retry(loop_t *, void *);

/*
 * Sends asked node k its query (the page after what came of its
 * answer); a link that is full now is tried again shortly, until the
 * deadline. One that is not up closes k, noted.
 */
static void
ask_one(struct node *n, struct trace_wait *w, struct asked *k)
{
	struct peer	*p = peer_up(n, k->name);

	k->unsent = 0;
	if (p != NULL && query(n, w, p, k->got) == 0)
		return;
	if (p != NULL) {
		k->unsent = 1;
		if (w->retry == 0)
			w->retry = loop_timer(n->n_loop, TRACE_RESEND_MS,
			    retry, w);
		return;
	}
	if (k->got == 0)
		note(n, w, k, "not connected now: not asked");
	else
		note(n, w, k, "answer cut: %u of its %u hops came; its link "
		    "went down", k->got, k->total);
	close_asked(w, k);
}

static void
retry(loop_t *l, void *arg)
{
	struct trace_wait	*w = arg;

	(void)l;
	w->retry = 0;
	for (size_t i = 0; i < w->nasked; i++)
		if (w->asked[i].open && w->asked[i].unsent)
			ask_one(w->n, w, &w->asked[i]);
	if (w->nopen == 0)
		gathered(w->n, w);
}

/*
 * Asks the nodes in next (taking the list) about w's record, and holds
 * w until they answered or its deadline (answered on the next loop turn
 * if there is nobody to ask).
 */
static void
ask(struct node *n, struct trace_wait *w, char **next, size_t nnext)
{
	struct trace_state	*st = state(n);

	w->n = n;
	w->qid = ++st->qid;
	w->asked = xcalloc(nnext + 1, sizeof(*w->asked));
	for (size_t i = 0; i < nnext; i++) {
		struct asked	*k = &w->asked[w->nasked++];

		k->name = next[i];
		k->open = 1;
		w->nopen++;
		ask_one(n, w, k);
	}
	free(next);
	st->waits = xrealloc(st->waits, st->n + 1, sizeof(*st->waits));
	st->waits[st->n++] = w;
	/*
	 * Never answered from here, even with nobody to ask: the control
	 * socket takes its answer only once trace_start() has returned.
	 */
	w->timer = loop_timer(n->n_loop, w->nopen == 0 ? 0 : left_ms(w),
	    expired, w);
}

static void
close_asked(struct trace_wait *w, struct asked *k)
{
	k->open = 0;
	w->nopen--;
}

/* Why asked node k's answer is not whole, at the end of the wait. */
static void
note_unfinished(struct node *n, struct trace_wait *w, struct asked *k)
{
	if (k->got == 0 && k->unsent)
		note(n, w, k, "not asked: its link was full until the wait "
		    "ended");
	else if (k->got == 0)
		note(n, w, k, "did not answer");
	else if (k->total != 0)
		note(n, w, k, "answer cut: %u of its %u hops came in time",
		    k->got, k->total);
	else
		note(n, w, k, "answer cut: %u of its hops came in time",
		    k->got);
	close_asked(w, k);
}

/*
 * The gathering is over: each asked node's answer after ours, then up
 * to the control socket, or a page at a time to the asking peer.
 */
static void
gathered(struct node *n, struct trace_wait *w)
{
	json_t	*hops;
	int	 complete;

	if (w->timer != 0)
		loop_timer_cancel(n->n_loop, w->timer);
	if (w->retry != 0)
		loop_timer_cancel(n->n_loop, w->retry);
	w->timer = w->retry = 0;
	for (size_t i = 0; i < w->nasked; i++) {
		if (w->asked[i].open)
			note_unfinished(n, w, &w->asked[i]);
		trace_hops_move(&w->hops, &w->asked[i].hops);
	}
	if (w->up == NULL) {
		hops = trace_hops_json(&w->hops, &complete);
		json_object_set_new(w->reply, "hops", hops);
		json_object_set_new(w->reply, "complete",
		    json_boolean(complete));
		w->done(n, w->reply, NULL);
		w->reply = NULL;
		forget(n, w);
		return;
	}
	w->serving = 1;
	w->hold_until = clock_mono_ms() + TRACE_HOLD_MS;
	serve(n, w);
}

/*
 * Takes what this node may hold of page a of asked node k's answer: the
 * hops taken, all unless a bound of trace.h was reached (*mine: this
 * node's, for all traces; else the one trace's).
 */
static size_t
take(struct node *n, struct trace_wait *w, struct asked *k,
    const Nodenet__TraceAnswer *a, int *mine)
{
	size_t	i, size;

	*mine = 0;
	for (i = 0; i < a->n_hops; i++) {
		size = trace_hops_measure(a->hops[i]);
		if (w->bytes + size > TRACE_MAX_BYTES ||
		    w->nhops >= TRACE_MAX_HOPS)
			break;
		if (state(n)->bytes + size > TRACE_MEM_MAX) {
			*mine = 1;
			break;
		}
		trace_hops_add(&k->hops, a->hops[i]);
		held(n, w, size, 1);
	}
	k->got += (uint32_t)i;
	return i;
}

/* Why take() stopped short, as a note. */
static void
note_cut(struct node *n, struct trace_wait *w, struct asked *k, int mine)
{
	char	of[32] = "";

	if (k->total != 0)
		snprintf(of, sizeof(of), " of %u", k->total);
	if (mine)
		note(n, w, k, "answer cut: %u%s of its hops taken, as many as "
		    "this node holds for all traces now (%u bytes)", k->got,
		    of, TRACE_MEM_MAX);
	else
		note(n, w, k, "answer cut: %u%s of its hops taken, as many as "
		    "one trace holds here (%u hops, %u bytes of them)", k->got,
		    of, TRACE_MAX_HOPS, TRACE_MAX_BYTES);
}

/* Page a of asked node k's answer came: take it, and ask for the next. */
static void
page_in(struct node *n, struct trace_wait *w, struct asked *k,
    const Nodenet__TraceAnswer *a)
{
	int	mine;

	if (k->got == 0)
		k->total = a->total;
	if (take(n, w, k, a, &mine) < a->n_hops) {
		note_cut(n, w, k, mine);
		close_asked(w, k);
	} else if (a->more)
		ask_one(n, w, k);	/* the next page */
	else {
		if (k->total > k->got)
			note(n, w, k, "answer cut: %u of its %u hops came; it "
			    "no longer held the rest", k->got, k->total);
		close_asked(w, k);
	}
}

/*
 * The answer as a node from before pages takes it: one frame of at most
 * WIRE_OLD_TRACE_HOPS hops, the last saying how many more there were.
 */
static void
old_page(struct node *n, struct trace_wait *w, Nodenet__TraceAnswer *a,
    Nodenet__TraceHop *more, char *note, size_t len)
{
	size_t	k = trace_hops_fit(&w->hops, 0, WIRE_OLD_TRACE_HOPS,
	    TRACE_PAGE_BYTES);

	if (k < w->hops.n && k == WIRE_OLD_TRACE_HOPS)
		k--;
	trace_hops_page(&w->hops, 0, k, a);
	if (k == w->hops.n)
		return;
	snprintf(note, len, "%zu more hops not sent: the asker takes at "
	    "most %d in an answer (an older version)", w->hops.n - k,
	    WIRE_OLD_TRACE_HOPS);
	more->node = n->n_conf->name;
	more->note = note;
	a->hops[a->n_hops++] = more;	/* trace_hops_page() left room */
}

/* Sends w's next page to the asking peer: 0, or -1 if it did not go. */
static int
send_page(struct node *n, struct trace_wait *w, struct peer *p)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__TraceAnswer	a = NODENET__TRACE_ANSWER__INIT;
	Nodenet__TraceHop	more = NODENET__TRACE_HOP__INIT;
	char			note[WIRE_MAX_TRACE_TEXT + 1];
	size_t			k, extra = 0;
	int			rc;

	a.qid = w->up_qid;
	if (!w->paged) {
		old_page(n, w, &a, &more, note, sizeof(note));
		k = w->hops.n - w->served;	/* all it will get */
		extra = a.n_hops > 0 && a.hops[a.n_hops - 1] == &more;
	} else {
		k = trace_hops_fit(&w->hops, w->served,
		    n->n_conf->trace_page_hops, TRACE_PAGE_BYTES);
		a.from = (uint32_t)w->served;
		a.total = (uint32_t)w->hops.n;
		a.more = w->served + k < w->hops.n;
		trace_hops_page(&w->hops, w->served, k, &a);
	}
	f.kind_case = NODENET__FRAME__KIND_TRACE_ANSWER;
	f.trace_answer = &a;
	rc = peer_send(n, p, &f);
	a.n_hops -= extra;		/* ours, not decoded */
	trace_hops_unpage(&a);
	if (rc == 0)
		w->served += k;
	return rc;
}

static void
serve_timer(loop_t *l, void *arg)
{
	struct trace_wait	*w = arg;

	(void)l;
	w->timer = 0;
	if (!w->resending) {
		forget(w->n, w);	/* no page asked in time */
		return;
	}
	w->resending = 0;
	serve(w->n, w);
}

/*
 * Sends the asking peer w's next page, then holds w for the page after
 * it, or forgets it: all sent, the peer gone. A link that is full now is
 * tried again shortly, as long as w is held.
 */
static void
serve(struct node *n, struct trace_wait *w)
{
	struct peer	*p = peer_up(n, w->up);
	uint64_t	 now = clock_mono_ms();

	if (p == NULL) {		/* gone meanwhile: nobody to tell */
		forget(n, w);
		return;
	}
	if (send_page(n, w, p) != 0) {
		if (now >= w->hold_until) {
			forget(n, w);
			return;
		}
		w->resending = 1;
		w->timer = loop_timer(n->n_loop, TRACE_RESEND_MS, serve_timer,
		    w);
		return;
	}
	if (w->served == w->hops.n) {
		forget(n, w);
		return;
	}
	w->hold_until = now + TRACE_HOLD_MS;
	w->timer = loop_timer(n->n_loop, TRACE_HOLD_MS, serve_timer, w);
}

int
trace_start(struct node *n, json_t *req, trace_done_fn done, json_t **now,
    char *err, size_t errlen)
{
	struct trace_wait	*w;
	struct trace_hops	 own = { 0 };
	uint8_t			 id[WIRE_ID_BYTES];
	char			**next;
	size_t			 nnext;
	json_t			*hops, *reply;
	int			 complete;

	if (view_parse_id(json_object_get(req, "id"), id) != 0) {
		snprintf(err, errlen, "trace needs a message id (64 hex "
		    "digits)");
		return -1;
	}
	next = own_hop(n, id, NULL, &own, &nnext);
	hops = trace_hops_json(&own, &complete);
	reply = json_pack("{s:o, s:s, s:O}", "id", view_hex_id(id), "node",
	    n->n_conf->name, "events", json_object_get(json_array_get(hops,
	    0), "events"));
	if (nnext == 0 || state(n)->n >= TRACE_MAX_WAITS ||
	    json_is_false(json_object_get(req, "path"))) {
		for (size_t i = 0; i < nnext; i++)
			free(next[i]);
		free(next);
		trace_hops_free(&own);
		json_object_set_new(reply, "hops", hops);
		json_object_set_new(reply, "complete", json_true());
		*now = reply;
		return 0;
	}
	json_decref(hops);
	w = xcalloc(1, sizeof(*w));
	memcpy(w->id, id, sizeof(w->id));
	w->ttl = WIRE_MAX_TRACE_HOPS;
	w->deadline = clock_mono_ms() + TRACE_WAIT_MS;
	w->hops = own;
	held(n, w, own.len, own.n);
	w->reply = reply;
	w->done = done;
	ask(n, w, next, nnext);
	return 1;
}

/*
 * How long a node asked waits for its own peers: less than its asker
 * waits for it (wait_ms, or TRACE_WAIT_MS if not said), so that its
 * answer is in before the asker's wait ends.
 */
static uint64_t
own_wait(uint32_t wait_ms)
{
	uint64_t	given = wait_ms == 0 || wait_ms > TRACE_WAIT_MS ?
	    TRACE_WAIT_MS : wait_ms;

	return given * 4 / 5 > TRACE_MIN_WAIT_MS ? given * 4 / 5 :
	    TRACE_MIN_WAIT_MS;
}

/* The asking peer p wants the page from q->from of its answer. */
static void
page_asked(struct node *n, struct peer *p, const Nodenet__TraceQuery *q)
{
	Nodenet__Frame		 f = NODENET__FRAME__INIT;
	Nodenet__TraceAnswer	 a = NODENET__TRACE_ANSWER__INIT;
	struct trace_state	*st = state(n);
	struct trace_wait	*w = NULL;

	for (size_t i = 0; i < st->n && w == NULL; i++)
		if (st->waits[i]->serving && st->waits[i]->up_qid == q->qid &&
		    strcmp(st->waits[i]->up, p->pr_name) == 0)
			w = st->waits[i];
	if (w != NULL && (w->resending || q->from != w->served)) {
		log_debug("event=trace_page_ignored peer=%s", p->pr_name);
		return;		/* not the page it is owed */
	}
	if (w != NULL) {
		loop_timer_cancel(n->n_loop, w->timer);
		w->timer = 0;
		serve(n, w);
		return;
	}
	/* Forgotten (held too long, or we restarted): nothing more. */
	a.qid = q->qid;
	a.from = q->from;
	f.kind_case = NODENET__FRAME__KIND_TRACE_ANSWER;
	f.trace_answer = &a;
	peer_send(n, p, &f);
}

void
trace_query(struct node *n, struct peer *p, const Nodenet__TraceQuery *q)
{
	struct trace_wait	*w;
	char			**next;
	size_t			 nnext;

	if (q->from != 0) {
		page_asked(n, p, q);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	memcpy(w->id, q->id.data, sizeof(w->id));
	next = own_hop(n, q->id.data, p->pr_name, &w->hops, &nnext);
	held(n, w, w->hops.len, w->hops.n);
	w->up = xstrdup(p->pr_name);
	w->up_qid = q->qid;
	w->paged = q->paged;
	w->ttl = q->ttl > 0 ? q->ttl - 1 : 0;
	w->deadline = clock_mono_ms() + own_wait(q->wait_ms);
	if (q->ttl == 0 || state(n)->n >= TRACE_MAX_WAITS) {
		for (size_t i = 0; i < nnext; i++)
			free(next[i]);
		free(next);
		nnext = 0;
		next = NULL;
	}
	ask(n, w, next, nnext);
}

void
trace_answer(struct node *n, struct peer *p, const Nodenet__TraceAnswer *a)
{
	struct trace_state	*st = state(n);
	struct trace_wait	*w = NULL;
	struct asked		*k = NULL;

	for (size_t i = 0; i < st->n && w == NULL; i++)
		if (!st->waits[i]->serving && st->waits[i]->qid == a->qid)
			w = st->waits[i];
	for (size_t i = 0; w != NULL && i < w->nasked && k == NULL; i++)
		if (w->asked[i].open &&
		    strcmp(w->asked[i].name, p->pr_name) == 0)
			k = &w->asked[i];
	/* Late, not asked, or not the page it was asked for: ignored. */
	if (k == NULL || a->from != k->got) {
		log_debug("event=trace_answer_ignored peer=%s", p->pr_name);
		return;
	}
	page_in(n, w, k, a);
	if (w->nopen == 0)
		gathered(n, w);
}

void
trace_shutdown(struct node *n)
{
	struct trace_wait	*w;

	if (n->n_trace == NULL)
		return;
	while (n->n_trace->n > 0) {
		w = n->n_trace->waits[0];
		if (w->up == NULL)
			gathered(n, w);	/* with what came so far */
		else
			forget(n, w);
	}
	free(n->n_trace->waits);
	free(n->n_trace);
	n->n_trace = NULL;
}
