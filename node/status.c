/*
 * status: status reports up the tree, and the network view; see status.h.
 */
#include <stdio.h>
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

json_t *
status_network(store_txn_t *txn, const char *self, int root,
    const char *from, uint64_t now_ms, char *err, size_t errlen)
{
	char			 name[STORE_MAX_PEER + 1] = "";
	uint8_t			 id[STORE_ID_BYTES];
	struct view_scan	 s;
	json_t			*list, *r;
	int			 rc;

	/* From that name on, that one included. */
	if (from != NULL && store_status_get(txn, from, id) == 0) {
		snprintf(name, sizeof(name), "%s", from);
		rc = 0;
	} else
		rc = store_status_next(txn, from != NULL ? from : "", name, id);
	view_scan_start(&s);
	list = json_array();
	for (; rc == 0; rc = store_status_next(txn, name, name, id)) {
		Nodenet__RecordBody		*rb;
		const Nodenet__NodeStatus	*st;
		uint64_t			 age;

		/* name: where the next request starts. */
		if (!view_scan_take(&s))
			break;
		if ((!root && !name_within(name, self)) ||
		    (rb = load(txn, id)) == NULL)
			continue;
		st = rb->status;
		age = now_ms > rb->created_ms ? now_ms - rb->created_ms : 0;
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, "
		    "s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:b}", "name",
		    name, "version", st->version, "uptime_s",
		    (json_int_t)st->uptime_s, "store_bytes",
		    (json_int_t)st->store_bytes, "backlog",
		    (json_int_t)st->backlog, "last_sync_ms",
		    (json_int_t)st->last_sync_ms, "errors",
		    (json_int_t)st->errors, "peers", (json_int_t)st->peers,
		    "peers_up", (json_int_t)st->peers_up, "reported_ms",
		    (json_int_t)rb->created_ms, "last_error", st->last_error,
		    "age_s", (json_int_t)(age / 1000), "stale",
		    age > 2000 * (uint64_t)st->interval_s + 1000));
		nodenet__record_body__free_unpacked(rb, NULL);
	}
	if (rc != 0 && rc != STORE_NOTFOUND) {
		snprintf(err, errlen, "store: %s", store_strerror(rc));
		json_decref(list);
		return NULL;
	}
	r = json_pack("{s:o}", "nodes", list);
	if (rc == 0)
		json_object_set_new(r, "next", json_string(name));
	return view_scan_reply(r, &s);
}
