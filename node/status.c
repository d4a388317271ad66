/*
 * status: status reports up the tree, and the network view; see status.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "name.h"
#include "node.h"
#include "record.h"
#include "repl.h"
#include "status.h"
#include "turn.h"
#include "view.h"
#include "xmem.h"

/* Decodes a stored status record; NULL if it is not one. */
static Nodenet__RecordBody *
load(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES])
{
	struct store_record	 rec;
	Nodenet__RecordBody	*rb;

	if (store_get(txn, id, &rec) != 0 ||
	    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return NULL;
	if (rb->kind_case != NODENET__RECORD_BODY__KIND_STATUS) {
		nodenet__record_body__free_unpacked(rb, NULL);
		return NULL;
	}
	return rb;
}

int
status_apply(store_txn_t *txn, const struct wire_record *wr)
{
	Nodenet__RecordBody	*old;
	uint8_t			 id[STORE_ID_BYTES];
	int			 newer = 1, rc;

	if ((rc = store_status_get(txn, wr->rb->origin, id)) == 0 &&
	    (old = load(txn, id)) != NULL) {
		newer = wr->rb->origin_seq > old->origin_seq;
		nodenet__record_body__free_unpacked(old, NULL);
	} else if (rc != 0 && rc != STORE_NOTFOUND)
		return rc;
	if (!newer)
		return store_purge(txn, wr->id);	/* late: drop it */
	if (rc == 0 && (rc = store_purge(txn, id)) != 0 &&
	    rc != STORE_NOTFOUND)
		return rc;
	return store_status_put(txn, wr->rb->origin, wr->id);
}

/* Writes this node's report. */
static void
report(struct node *n)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__NodeStatus	 st = NODENET__NODE_STATUS__INIT;
	const struct counters	*c = &n->n_cnt;
	struct store_stat	 ss;
	store_txn_t		*txn;
	uint64_t		 now = clock_mono_ms(), last_rx = 0;
	uint8_t			 id[WIRE_ID_BYTES];
	char			 why[160] = "no write transaction";

	st.version = (char *)(uintptr_t)NODE_VERSION;
	st.uptime_s = (now - n->n_started_ms) / 1000;
	if (store_stat(n->n_store, &ss) == 0)
		st.store_bytes = ss.map_used;
	st.errors = c->frames_bad + c->records_bad + c->auth_failed +
	    c->hello_bad + c->commit_failed;
	st.last_error = (char *)(uintptr_t)"";
	for (size_t i = 0; i < n->n_npeers; i++) {
		const struct peer	*p = n->n_peers[i];

		if (p->pr_name == NULL)
			continue;
		st.peers++;
		st.peers_up += p->pr_state == PEER_UP;
		st.backlog += repl_lag(n, p);
		if (p->pr_last_rx_ms > last_rx)
			last_rx = p->pr_last_rx_ms;
		if (p->pr_state != PEER_UP && p->pr_error[0] != '\0')
			st.last_error = (char *)(uintptr_t)p->pr_error;
	}
	if (last_rx != 0)
		st.last_sync_ms = clock_wall_ms() - (now - last_rx);
	st.interval_s = n->n_conf->status_ms / 1000;
	rb.kind_case = NODENET__RECORD_BODY__KIND_STATUS;
	rb.status = &st;
	if ((txn = node_txn(n)) == NULL ||
	    record_write(n, txn, &rb, id, why, sizeof(why)) != 0)
		log_warnx("event=status_unwritten reason=\"%s\"", why);
}

static void
tick(loop_t *l, void *arg)
{
	struct node	*n = arg;

	report(n);
	loop_timer(l, n->n_conf->status_ms, tick, n);
}

void
status_start(struct node *n)
{
	loop_timer(n->n_loop, n->n_conf->status_ms, tick, n);
}

const char *
status_state_name(int state)
{
	switch (state) {
	case STATUS_UP:
		return "up";
	case STATUS_DEGRADED:
		return "degraded";
	case STATUS_STALE:
		return "stale";
	}
	return "?";
}

int
status_state_parse(const char *s)
{
	for (int st = STATUS_UP; st <= STATUS_STALE; st++)
		if (strcmp(s, status_state_name(st)) == 0)
			return st;
	return -1;
}

/* A report's state at now_ms: stale once two of its intervals (and a
 * second) passed without a newer one; else degraded if it says a link
 * of its is down. */
static int
report_state(const Nodenet__RecordBody *rb, uint64_t now_ms)
{
	uint64_t	age = now_ms > rb->created_ms ? now_ms - rb->created_ms : 0;

	if (age > 2000 * (uint64_t)rb->status->interval_s + 1000)
		return STATUS_STALE;
	return rb->status->peers_up < rb->status->peers ? STATUS_DEGRADED :
	    STATUS_UP;
}

static json_t *
node_json(const char *name, const Nodenet__RecordBody *rb, int state,
    uint64_t now_ms)
{
	const Nodenet__NodeStatus	*st = rb->status;
	uint64_t			 age;

	age = now_ms > rb->created_ms ? now_ms - rb->created_ms : 0;
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:s, s:I, s:b, s:s}", "name", name, "version", st->version,
	    "uptime_s", (json_int_t)st->uptime_s, "store_bytes",
	    (json_int_t)st->store_bytes, "backlog", (json_int_t)st->backlog,
	    "last_sync_ms", (json_int_t)st->last_sync_ms, "errors",
	    (json_int_t)st->errors, "peers", (json_int_t)st->peers,
	    "peers_up", (json_int_t)st->peers_up, "reported_ms",
	    (json_int_t)rb->created_ms, "last_error", st->last_error,
	    "age_s", (json_int_t)(age / 1000), "stale",
	    state == STATUS_STALE, "state", status_state_name(state));
}

/*
 * The group name falls in for a summary: the node one label below base
 * that name is or lies under (base itself for base), or with no base
 * (the root's whole network) its last label: the province. Into buf.
 */
static const char *
group_of(const char *name, const char *base, char *buf, size_t len)
{
	const char	*g = strrchr(name, '.');
	size_t		 nl = strlen(name), bl;

	g = g != NULL ? g + 1 : name;
	if (base != NULL && (bl = strlen(base)) < nl) {
		/* name ends ".base": the label before that dot, and on. */
		for (g = name + nl - bl - 1; g > name && g[-1] != '.'; g--)
			;
	} else if (base != NULL)
		g = name;
	snprintf(buf, len, "%s", g);
	return buf;
}

/* Counts a report of the given state in its group of sum. */
static void
group_add(json_t *sum, const char *group, const char *name,
    const Nodenet__RecordBody *rb, int state)
{
	json_t	*g = json_object_get(sum, group);

	if (g == NULL) {
		g = json_pack("{s:s, s:i, s:i, s:i, s:i, s:I, s:s}", "name",
		    group, "nodes", 0, "up", 0, "degraded", 0, "stale", 0,
		    "oldest_ms", (json_int_t)rb->created_ms, "oldest", name);
		json_object_set_new(sum, group, g);
	}
	json_object_set_new(g, "nodes", json_integer(json_integer_value(
	    json_object_get(g, "nodes")) + 1));
	json_object_set_new(g, status_state_name(state), json_integer(
	    json_integer_value(json_object_get(g, status_state_name(state))) +
	    1));
	if ((json_int_t)rb->created_ms < json_integer_value(json_object_get(g,
	    "oldest_ms"))) {
		json_object_set_new(g, "oldest_ms",
		    json_integer((json_int_t)rb->created_ms));
		json_object_set_new(g, "oldest", json_string(name));
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The groups of sum (consumed) as an array, by name. */
static json_t *
groups_sorted(json_t *sum)
{
	const char	**keys = xcalloc(json_object_size(sum) + 1,
			    sizeof(*keys));
	const char	 *k;
	json_t		 *list = json_array(), *g;
	size_t		  n = 0;

	json_object_foreach(sum, k, g)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++)
		json_array_append(list, json_object_get(sum, keys[i]));
	free(keys);
	json_decref(sum);
	return list;
}

/* Does node name fall inside this node's subtree, and q->under? */
static int
wanted(const struct status_query *q, const char *name)
{
	if (!q->root && !name_within(name, q->self))
		return 0;
	return q->under == NULL || name_within(name, q->under);
}

json_t *
status_network(store_txn_t *txn, const struct status_query *q, char *err,
    size_t errlen)
{
	char			 name[STORE_MAX_PEER + 1] = "", gbuf[256];
	uint8_t			 id[STORE_ID_BYTES];
	struct view_scan	 s;
	json_t			*list, *sum, *r;
	const char		*base = q->under != NULL ? q->under :
				    q->root ? NULL : q->self;
	int			 rc, state, matches;

	/* From that name on, that one included. */
	if (q->from != NULL && store_status_get(txn, q->from, id) == 0) {
		snprintf(name, sizeof(name), "%s", q->from);
		rc = 0;
	} else
		rc = store_status_next(txn, q->from != NULL ? q->from : "",
		    name, id);
	view_scan_start(&s);
	list = json_array();
	sum = json_object();
	for (; rc == 0; rc = store_status_next(txn, name, name, id)) {
		Nodenet__RecordBody	*rb;

		/* name: where the next request starts. */
		if (!view_scan_take(&s))
			break;
		if (!wanted(q, name) || (rb = load(txn, id)) == NULL)
			continue;
		state = report_state(rb, q->now_ms);
		matches = q->state < 0 || q->state == state;
		/* A full page ends at the next node it would list. */
		if (matches && !q->summary &&
		    json_array_size(list) >= q->limit) {
			nodenet__record_body__free_unpacked(rb, NULL);
			break;
		}
		if (matches && q->summary)
			group_add(sum, group_of(name, base, gbuf, sizeof(gbuf)),
			    name, rb, state);
		else if (matches)
			json_array_append_new(list, node_json(name, rb, state,
			    q->now_ms));
		nodenet__record_body__free_unpacked(rb, NULL);
	}
	if (rc != 0 && rc != STORE_NOTFOUND) {
		snprintf(err, errlen, "store: %s", store_strerror(rc));
		json_decref(list);
		json_decref(sum);
		return NULL;
	}
	if (q->summary) {
		json_decref(list);
		r = json_pack("{s:o}", "groups", groups_sorted(sum));
	} else {
		json_decref(sum);
		r = json_pack("{s:o}", "nodes", list);
	}
	if (rc == 0)
		json_object_set_new(r, "next", json_string(name));
	return view_scan_reply(r, &s);
}
