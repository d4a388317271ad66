/*
 * ctl_admin: the control commands that inspect and steer the node
 * (proto/control.md): status, peers, queue, network, route, trace,
 * replicate, metrics and certificates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "ctl.h"
#include "log.h"
#include "mail.h"
#include "metrics.h"
#include "name.h"
#include "node.h"
#include "peer.h"
#include "record.h"
#include "repair.h"
#include "repl.h"
#include "route.h"
#include "status.h"
#include "trace.h"
#include "trust.h"
#include "turn.h"
#include "view.h"
#include "writes.h"
#include "xmem.h"

/* The tier of a node: names are not tiered, so it is the depth. */
static const char *
tier(const struct node *n)
{
	static const char *const tiers[] = { "central", "province",
	    "district", "commune" };
	unsigned	 depth = 1;

	if (strcmp(n->n_conf->name, n->n_conf->root_name) == 0)
		return tiers[0];
	for (const char *c = n->n_conf->name; *c != '\0'; c++)
		depth += *c == '.';
	return depth < 4 ? tiers[depth] : "below commune";
}

/*
 * Whether the store takes writes: refused, since when (wall clock), how
 * many commits, why, when intake tries again; and the disk's free bytes
 * (-1: unknown).
 */
static json_t *
writes_json(struct node *n)
{
	const struct writes	*w = &n->n_writes;
	uint64_t		 free_bytes, since = 0;
	char			 why[120] = "";

	if (w->wr_refusing) {
		since = clock_wall_ms() - (clock_mono_ms() - w->wr_since_ms);
		writes_why(n, why, sizeof(why));
	}
	return json_pack("{s:b, s:s, s:I, s:I, s:I, s:I}",
	    "refused", w->wr_refusing, "error", why,
	    "since_ms", (json_int_t)since,
	    "refused_commits", (json_int_t)w->wr_refused,
	    "retry_ms", (json_int_t)writes_hold_left(n),
	    "disk_free", store_disk_free(n->n_store, &free_bytes) == 0 ?
	    (json_int_t)free_bytes : (json_int_t)-1);
}

static json_t *
cmd_status(struct node *n, json_t *req, char *err, size_t errlen)
{
	const struct counters	*c = &n->n_cnt;
	json_t			*store, *counters;
	size_t			 up = 0;

	(void)req;
	if ((store = view_store(n->n_store)) == NULL) {
		snprintf(err, errlen, "cannot read the store");
		return NULL;
	}
	for (size_t i = 0; i < n->n_npeers; i++)
		up += n->n_peers[i]->pr_state == PEER_UP;
	counters = json_object();
	for (size_t i = 0; i < metrics_ncounters; i++)
		json_object_set_new(counters, metrics_counters[i].mc_name,
		    json_integer((json_int_t)metrics_value(c,
		    &metrics_counters[i])));
	/* The key: a client that makes document ids naming it (db import). */
	return json_pack("{s:s, s:o, s:s, s:s, s:b, s:I, s:o, s:o, s:I, s:I, "
	    "s:{s:I}, s:{s:I, s:I}, s:o}",
	    "name", n->n_conf->name, "key", view_hex(key_public(n->n_key),
	    32), "tier", tier(n), "version", NODE_VERSION,
	    "running", 1,
	    "uptime_s", (json_int_t)((clock_mono_ms() - n->n_started_ms) / 1000),
	    "store", store, "writes", writes_json(n),
	    "peers", (json_int_t)n->n_npeers, "peers_up", (json_int_t)up,
	    "loop", "longest_turn_ms",
	    (json_int_t)loop_longest_turn_ms(n->n_loop),
	    "damaged", "sought", (json_int_t)repair_wanted(n), "lost",
	    (json_int_t)repair_lost(n),
	    "counters", counters);
}

static const char *
state_name(enum peer_state s)
{
	switch (s) {
	case PEER_DOWN:
		return "down";
	case PEER_CONNECTED:
		return "connected";
	case PEER_UP:
		return "up";
	}
	return "?";
}

/* The furthest of a peer's per-lane positions. */
static uint64_t
lanes_max(const uint64_t v[WIRE_LANES])
{
	uint64_t	m = 0;

	for (int i = 0; i < WIRE_LANES; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static json_t *
cmd_peers(struct node *n, json_t *req, char *err, size_t errlen)
{
	json_t		*list = json_array();
	uint64_t	 now = clock_mono_ms();

	(void)req;
	(void)err;
	(void)errlen;
	for (size_t i = 0; i < n->n_npeers; i++) {
		const struct peer	*p = n->n_peers[i];
		char			 key[KEY_HEX_BYTES];

		key_hex(p->pr_key, key);
		uint64_t		 got = lanes_max(p->pr_received);

		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s,"
		    " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		    " s:I, s:I, s:I, s:I, s:b, s:s}",
		    "name", p->pr_name != NULL ? p->pr_name : "",
		    "key", key,
		    "direction", p->pr_link == NULL ? "in" : "out",
		    "state", state_name(p->pr_state),
		    "version", (json_int_t)p->pr_version,
		    "sent", (json_int_t)lanes_max(p->pr_sent),
		    "acked", (json_int_t)lanes_max(p->pr_acked),
		    "lag_out", (json_int_t)repl_lag(n, p),
		    "received", (json_int_t)got,
		    "lag_in", (json_int_t)(p->pr_their_head > got ?
		    p->pr_their_head - got : 0),
		    "bytes_in", (json_int_t)p->pr_bytes_in,
		    "bytes_out", (json_int_t)p->pr_bytes_out,
		    "backoff_ms", (json_int_t)p->pr_backoff_ms,
		    "records_in", (json_int_t)p->pr_records_in,
		    "records_out", (json_int_t)p->pr_records_out,
		    "rejected", (json_int_t)p->pr_rejected,
		    "credit", (json_int_t)p->pr_credit,
		    "last_rx_ms_ago", (json_int_t)(p->pr_last_rx_ms == 0 ? -1 :
		    (json_int_t)(now - p->pr_last_rx_ms)),
		    "clock_offset_ms", (json_int_t)p->pr_clock_offset_ms,
		    "clock_skewed", p->pr_clock_skewed,
		    "error", p->pr_error));
	}
	return json_pack("{s:o}", "peers", list);
}

/* Custody here, then along the path (trace.c): the reply comes later. */
static json_t *
cmd_trace(struct node *n, json_t *req, char *err, size_t errlen)
{
	json_t	*now = NULL;

	switch (trace_start(n, req, ctl_answer, &now, err, errlen)) {
	case 0:
		return now;
	case 1:
		return ctl_later();
	default:
		return NULL;
	}
}

#define CERT_DAYS_MAX	3650

/* Certifies a node below us; replies with its chain, leaf first, in hex. */
static json_t *
cmd_cert_issue(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char	*subject = json_string_value(json_object_get(req,
	    "subject"));
	const char	*keyhex = json_string_value(json_object_get(req, "key"));
	json_t		*daysv = json_object_get(req, "days"), *chain;
	uint8_t		 key[KEY_PUBLIC_BYTES], id[WIRE_ID_BYTES], *buf = NULL;
	uint64_t	 seq, now = clock_wall_ms();
	store_txn_t	*txn;
	size_t		 len;
	char		 why[160];
	json_int_t	 days = 365;
	int		 rc;

	if (subject == NULL || keyhex == NULL ||
	    key_parse_hex(keyhex, key) != 0) {
		snprintf(err, errlen, "cert issue needs a subject name and a "
		    "public key of 64 hex digits");
		return NULL;
	}
	if (daysv != NULL && (!json_is_integer(daysv) ||
	    (days = json_integer_value(daysv)) < 1 || days > CERT_DAYS_MAX)) {
		snprintf(err, errlen, "days: 1 to %d", CERT_DAYS_MAX);
		return NULL;
	}
	if ((txn = node_txn(n)) == NULL ||
	    store_origin_seq_next(txn, &seq) != 0) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	/* Back-dated: a clock behind ours must not find it not yet valid. */
	rc = cert_issue(n->n_key, n->n_conf->name, seq, subject, key,
	    now > CERT_BACKDATE_MS ? now - CERT_BACKDATE_MS : 0,
	    now + (uint64_t)days * 86400000, &n->n_trust, &buf, &len, id);
	if (rc != 0) {
		snprintf(err, errlen, "cannot certify %.64s: %s", subject,
		    cert_strerror(rc));
		return NULL;
	}
	/* Stored and indexed: ZAP now vouches for the key, and the
	 * certificate replicates to every node. */
	if (record_write_signed(n, txn, buf, len, id, why, sizeof(why)) != 0) {
		free(buf);
		snprintf(err, errlen, "could not store the certificate");
		return NULL;
	}
	chain = json_array();
	json_array_append_new(chain, view_hex(buf, len));
	free(buf);
	for (size_t i = 0; i < n->n_chain.n; i++)
		json_array_append_new(chain, view_hex(n->n_chain.certs[i],
		    n->n_chain.lens[i]));
	log_info("event=cert_issued subject=%s days=%lld", subject,
	    (long long)days);
	return json_pack("{s:o, s:o}", "id", view_hex_id(id), "chain", chain);
}

/* Revokes a certificate (by record id) of a node below us. */
static json_t *
cmd_cert_revoke(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char		*reason = json_string_value(json_object_get(req,
	    "reason"));
	struct store_record	 rec;
	store_txn_t		*txn;
	uint8_t			 cid[WIRE_ID_BYTES], id[WIRE_ID_BYTES];
	uint8_t			*buf = NULL, *cert;
	uint64_t		 seq;
	size_t			 len, cert_len;
	char			 why[160];
	int			 rc;

	if (view_parse_id(json_object_get(req, "id"), cid) != 0) {
		snprintf(err, errlen, "cert revoke needs a certificate id "
		    "(64 hex digits)");
		return NULL;
	}
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if (store_get(txn, cid, &rec) != 0) {
		snprintf(err, errlen, "no certificate with that id here");
		return NULL;
	}
	/* Serialized as a SignedRecord for cert_revoke. */
	if ((cert = wire_record_pack(rec.body, rec.body_len, rec.sig,
	    &cert_len)) == NULL)
		fatalx("out of memory");
	if (store_origin_seq_next(txn, &seq) != 0) {
		free(cert);
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	rc = cert_revoke(n->n_key, n->n_conf->name, seq, &n->n_trust, cert,
	    cert_len, reason, &buf, &len, id);
	free(cert);
	if (rc != 0) {
		snprintf(err, errlen, "cannot revoke: %s", cert_strerror(rc));
		return NULL;
	}
	rc = record_write_signed(n, txn, buf, len, id, why, sizeof(why));
	free(buf);
	if (rc != 0) {
		snprintf(err, errlen, "could not store the revocation");
		return NULL;
	}
	return json_pack("{s:o}", "id", view_hex_id(id));
}

static json_t *
cmd_metrics(struct node *n, json_t *req, char *err, size_t errlen)
{
	char	*text = metrics_text(n);
	json_t	*r;

	(void)req;
	(void)err;
	(void)errlen;
	r = json_pack("{s:s}", "text", text);
	free(text);
	return r;
}

/* The peer named name, or NULL. */
static const struct peer *
peer_named(struct node *n, const char *name)
{
	for (size_t i = 0; i < n->n_npeers; i++)
		if (n->n_peers[i]->pr_name != NULL &&
		    strcmp(n->n_peers[i]->pr_name, name) == 0)
			return n->n_peers[i];
	return NULL;
}

/* The state of the peer named name, as route shows a next hop's. */
static const char *
link_state(struct node *n, const char *name)
{
	const struct peer	*p = peer_named(n, name);

	return p != NULL ? state_name(p->pr_state) : "not connected yet";
}

/*
 * Where mail for a subtree address goes from here (cmd_route()):
 * delivered here (local: this node is in the subtree and has the
 * mailbox), and down each link into it.
 */
static json_t *
route_subtree(struct node *n, const char *addr, const char *subtree)
{
	const struct node_conf	*c = n->n_conf;
	size_t			 k = route_subtree_links(n, subtree, NULL, 0);
	const char		**via = xcalloc(k + 1, sizeof(*via));
	int			 in = name_in_subtree(c->name, subtree,
	    c->root_name), local;
	json_t			*links = json_array();

	local = in && mail_mailbox_known(n, addr,
	    (size_t)(strchr(addr, '@') - addr));
	k = route_subtree_links(n, subtree, via, k);
	for (size_t i = 0; i < k; i++) {
		const struct peer	*p = peer_named(n, via[i]);
		uint32_t		 v = p != NULL ? p->pr_version : 0;

		/* A session of an older version does not carry it (feed.c:
		 * its sender is told instead); none yet, the next may. */
		json_array_append_new(links, json_pack("{s:s, s:s, s:I, s:b, "
		    "s:b}", "peer", via[i], "link", link_state(n, via[i]),
		    "version", (json_int_t)v, "carried", v == 0 ||
		    v >= WIRE_SEAL_VERSION, "carried_clear", v == 0 ||
		    v >= WIRE_SUBTREE_VERSION));
	}
	free(via);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "address",
	    addr, "next", k > 0 ? "down" : local ? "local" : "none", "why",
	    k > 0 ? "a subtree address: down each link into the subtree" :
	    in ? "a subtree address: this node is in the subtree, and "
	    "no node below it is known" : "a subtree address: no node of "
	    "the subtree is known here", "link", "", "node",
	    strchr(addr, '@') + 1, "local", local, "links", links);
}

/* Where mail for an address goes from here, and why. */
static json_t *
cmd_route(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char		*addr = json_string_value(json_object_get(req,
	    "address"));
	const char		*node, *via = NULL, *why, *state = "";
	const struct peer	*p;
	enum route_kind		 k;
	uint32_t		 v = 0;
	json_t			*r;

	if (addr != NULL && name_subtree_address(addr, &node))
		return route_subtree(n, addr, node);
	if (addr == NULL || !name_mailbox(addr, &node)) {
		snprintf(err, errlen, "route needs an address, user@node-name "
		    "or user@*.node-name");
		return NULL;
	}
	switch ((k = route_next(n, node, &via))) {
	case ROUTE_LOCAL:
		why = "this node";
		break;
	case ROUTE_NONE:
		why = strcmp(n->n_conf->name, n->n_conf->root_name) == 0 ?
		    "no node below the root covers it" :
		    "inside this node's subtree, and no node below covers it";
		break;
	default:
		why = name_within(node, via) ? "longest suffix match" :
		    "default route: the parent";
		state = link_state(n, via);
		p = peer_named(n, via);
		v = p != NULL ? p->pr_version : 0;
	}
	r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "address", addr, "next",
	    k == ROUTE_LOCAL ? "local" : k == ROUTE_NONE ? "none" : via,
	    "why", why, "link", state, "node", node);
	/* Sealed mail (the default) needs a session of its version. */
	if (k == ROUTE_PEER)
		json_object_update_new(r, json_pack("{s:I, s:b}", "version",
		    (json_int_t)v, "carried", v == 0 || v >= WIRE_SEAL_VERSION));
	return r;
}

/* Replicate now: links that are down reconnect at once, links that are up
 * send what they have. */
static json_t *
cmd_replicate(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char	*only = json_string_value(json_object_get(req, "peer"));
	json_t		*done = json_array();

	for (size_t i = 0; i < n->n_npeers; i++) {
		struct peer	*p = n->n_peers[i];

		if (p->pr_name == NULL || (only != NULL &&
		    strcmp(p->pr_name, only) != 0))
			continue;
		if (p->pr_state != PEER_UP)
			peer_kick(n, p);	/* one up is pumped as this turn ends */
		json_array_append_new(done, json_pack("{s:s, s:s}", "peer",
		    p->pr_name, "action", p->pr_state == PEER_UP ? "sent" :
		    p->pr_link != NULL ? "reconnecting" : "waiting for it"));
	}
	if (only != NULL && json_array_size(done) == 0) {
		json_decref(done);
		snprintf(err, errlen, "no peer named %.64s", only);
		return NULL;
	}
	return json_pack("{s:o}", "peers", done);
}

#define QUEUE_SCAN		16384	/* log entries one queue reads */
#define QUEUE_SCAN_LANE_MIN	256

/* What each link still owes, per lane; a floor ("partial") past the
 * entries a request may read. */
static json_t *
cmd_queue(struct node *n, json_t *req, char *err, size_t errlen)
{
	static const char *const lanes[WIRE_LANES] = { "urgent", "normal",
	    "bulk" };
	json_t		*list = json_array();
	uint64_t	 each = QUEUE_SCAN / (WIRE_LANES * (n->n_npeers + 1));

	/* Every entry read is decoded inside the loop: one request reads
	 * about QUEUE_SCAN of them, shared by the links and lanes. */
	if (each < QUEUE_SCAN_LANE_MIN)
		each = QUEUE_SCAN_LANE_MIN;
	(void)req;
	for (size_t i = 0; i < n->n_npeers; i++) {
		struct peer	*p = n->n_peers[i];
		json_t		*o;
		uint64_t	 recs, bytes;
		int		 rc;

		if (p->pr_name == NULL)
			continue;
		o = json_pack("{s:s, s:s}", "peer", p->pr_name, "state",
		    state_name(p->pr_state));
		for (unsigned l = 0; l < WIRE_LANES; l++) {
			if ((rc = repl_backlog(n, p, l, each, &recs,
			    &bytes)) < 0) {
				json_decref(o);
				json_decref(list);
				snprintf(err, errlen, "cannot read the store");
				return NULL;
			}
			json_object_set_new(o, lanes[l], json_pack("{s:I, s:I,"
			    " s:b}", "records", (json_int_t)recs, "bytes",
			    (json_int_t)bytes, "partial", rc == 1));
		}
		json_array_append_new(list, o);
	}
	return json_pack("{s:o}", "links", list);
}

/* What cert ls shows for a trust_cert_state() answer. */
static const char *
cert_state_name(int rc)
{
	switch (rc) {
	case 0:
		return "valid";
	case CERT_EREVOKED:
		return "revoked";
	case CERT_EEXPIRED:
		return "expired";
	case CERT_ENOTYET:
		return "not yet valid";
	default:
		return "untrusted";	/* its issuer's chain does not hold */
	}
}

/*
 * Where cert ls starts: at certificate id v, by its place in the index
 * (the X25519 form of its key, its subject, its id). 0 with *curve and *c
 * set so that store_cert_scan() reads that one next; -1 if the store
 * holds no certificate of that id.
 */
static int
cert_from(store_txn_t *txn, json_t *v, uint8_t curve[32],
    struct store_cert *c)
{
	const Nodenet__Certificate	*cert;
	struct store_record		 rec;
	Nodenet__RecordBody		*rb;
	uint8_t				 id[STORE_ID_BYTES];
	int				 i, ok;

	if (view_parse_id(v, id) != 0 || store_get(txn, id, &rec) != 0 ||
	    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return -1;
	cert = rb->kind_case == NODENET__RECORD_BODY__KIND_CERT ? rb->cert :
	    NULL;
	ok = cert != NULL && cert->subject != NULL &&
	    name_valid(cert->subject) &&
	    cert->subject_key.len == KEY_PUBLIC_BYTES &&
	    key_curve_public(cert->subject_key.data, curve) == 0;
	if (ok)
		snprintf(c->subject, sizeof(c->subject), "%s", cert->subject);
	nodenet__record_body__free_unpacked(rb, NULL);
	/* The scan reads the first entry after (curve, subject, id): the
	 * id one less is just before this one. */
	for (i = STORE_ID_BYTES - 1; ok && i >= 0 && id[i]-- == 0; i--)
		;
	if (!ok || i < 0)
		return -1;
	memcpy(c->cert_id, id, sizeof(c->cert_id));
	return 0;
}

/*
 * The certificates this node holds, within a subtree (default: all), in
 * index order from the request's "from" (a certificate id) on: at most
 * VIEW_LIST_MAX, as far as the reading budget goes; "next" goes on.
 */
static json_t *
cmd_cert_ls(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char		*under = json_string_value(json_object_get(req,
	    "under"));
	struct store_cert	 c = { .subject = "" };
	struct view_scan	 s;
	store_txn_t		*txn = NULL;
	const char		*office;
	uint8_t			 curve[32] = { 0 };
	char			 key[KEY_HEX_BYTES];
	json_t			*list, *r;
	uint64_t		 now = clock_wall_ms();
	int			 rc;

	if (under != NULL && !name_valid(under)) {
		snprintf(err, errlen, "not a node name: %.64s", under);
		return NULL;
	}
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if (json_object_get(req, "from") != NULL && cert_from(txn,
	    json_object_get(req, "from"), curve, &c) != 0) {
		store_txn_abort(&txn);
		snprintf(err, errlen, "from: the id of a certificate held "
		    "here");
		return NULL;
	}
	view_scan_start(&s);
	list = json_array();
	while ((rc = store_cert_scan(txn, curve, &c)) == 0) {
		/* c: where the next request starts. */
		if (json_array_size(list) == VIEW_LIST_MAX ||
		    !view_scan_take(&s))
			break;
		/* An official is within the subtree of their office. */
		if (under != NULL && !name_within(name_person(c.subject,
		    &office) ? office : c.subject, under))
			continue;
		key_hex(c.key, key);
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:s,"
		    " s:I, s:I, s:s}", "subject", c.subject, "key", key, "id",
		    view_hex_id(c.cert_id), "issuer", c.issuer,
		    "not_before_ms", (json_int_t)c.not_before_ms,
		    "not_after_ms", (json_int_t)c.not_after_ms, "state",
		    cert_state_name(trust_cert_state(n, txn, &c, now))));
	}
	store_txn_abort(&txn);
	r = json_pack("{s:o}", "certs", list);
	if (rc == 0)
		json_object_set_new(r, "next", view_hex_id(c.cert_id));
	return view_scan_reply(r, &s);
}

/*
 * Reads network's filters into q: 0, or -1 with err set. A subtree that
 * is the root's own name is the whole network.
 */
static int
network_query(struct node *n, json_t *req, struct status_query *q,
    char *err, size_t errlen)
{
	json_t	*v;

	q->from = json_string_value(json_object_get(req, "from"));
	if (json_object_get(req, "from") != NULL && (q->from == NULL ||
	    !name_valid(q->from))) {
		snprintf(err, errlen, "from: a node name");
		return -1;
	}
	q->under = json_string_value(json_object_get(req, "under"));
	if (json_object_get(req, "under") != NULL && (q->under == NULL ||
	    !name_valid(q->under))) {
		snprintf(err, errlen, "under: a node name");
		return -1;
	}
	if (q->under != NULL && !q->root && !name_within(q->under, q->self)) {
		snprintf(err, errlen, "under: %.64s is neither this node nor "
		    "below it", q->under);
		return -1;
	}
	if (q->under != NULL && strcmp(q->under, n->n_conf->root_name) == 0)
		q->under = NULL;
	q->state = -1;
	if ((v = json_object_get(req, "state")) != NULL &&
	    (!json_is_string(v) ||
	    (q->state = status_state_parse(json_string_value(v))) < 0)) {
		snprintf(err, errlen, "state: up, degraded or stale");
		return -1;
	}
	q->limit = VIEW_LIST_MAX;
	if ((v = json_object_get(req, "limit")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > VIEW_LIST_MAX)) {
		snprintf(err, errlen, "limit: 1 to %d", VIEW_LIST_MAX);
		return -1;
	}
	if (v != NULL)
		q->limit = (size_t)json_integer_value(v);
	q->summary = json_is_true(json_object_get(req, "summary"));
	return 0;
}

/* Every node below this one (and this one), from their status reports:
 * filtered, paged, or summed up per group. */
static json_t *
cmd_network(struct node *n, json_t *req, char *err, size_t errlen)
{
	struct status_query	 q = { .self = n->n_conf->name,
	    .now_ms = clock_wall_ms() };
	store_txn_t		*txn = NULL;
	json_t			*r;

	q.root = strcmp(n->n_conf->name, n->n_conf->root_name) == 0;
	if (network_query(n, req, &q, err, errlen) != 0)
		return NULL;
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	r = status_network(txn, &q, err, errlen);
	store_txn_abort(&txn);
	return r;
}

const struct ctl_command ctl_admin_commands[] = {
	{ "status", cmd_status },
	{ "peers", cmd_peers },
	{ "trace", cmd_trace },
	{ "cert_issue", cmd_cert_issue },
	{ "cert_revoke", cmd_cert_revoke },
	{ "metrics", cmd_metrics },
	{ "route", cmd_route },
	{ "replicate", cmd_replicate },
	{ "queue", cmd_queue },
	{ "cert_ls", cmd_cert_ls },
	{ "network", cmd_network },
	{ NULL, NULL },
};
