/*
 * ctl: control requests, one JSON object in, one JSON object out.
 *
 * SECURITY: the socket file is created 0600 under a 077 umask, so only
 * the node's user can connect; even so every request is untrusted: its
 * size is bounded, it must parse as a JSON object, and every field is
 * type- and bounds-checked by the handler before use. A bad request gets
 * an error reply, a counter and a log line; the node keeps running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <zmq.h>

#include "clock.h"
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
#include "submit.h"
#include "trace.h"
#include "trust.h"
#include "turn.h"
#include "view.h"
#include "writes.h"
#include "xmem.h"

/* The marker a command returns when it answers later (ctl_answer()). */
static json_t	later;

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

int
ctl_key(json_t *req, const char **key, char *err, size_t errlen)
{
	json_t	*v = json_object_get(req, "key");

	*key = NULL;
	if (v != NULL && ((*key = json_string_value(v)) == NULL ||
	    !submit_key_valid(*key))) {
		snprintf(err, errlen, "key: 1 to %d printable ASCII characters",
		    STORE_MAX_SUBMIT_KEY);
		return -1;
	}
	return 0;
}

int
ctl_key_seen(struct node *n, const char *key, uint8_t id[WIRE_ID_BYTES],
    char *err, size_t errlen)
{
	store_txn_t	*txn;
	int		 rc;

	if (key == NULL)
		return 0;
	if ((txn = node_txn(n)) == NULL || (rc = submit_seen(txn, key,
	    id)) < 0) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	return rc;
}

int
ctl_key_remember(struct node *n, const char *key,
    const uint8_t id[WIRE_ID_BYTES], const char *undone, char *err,
    size_t errlen)
{
	if (key == NULL || submit_remember(node_txn(n), key, id) == 0)
		return 0;
	/* Not the record without its key: a retry would write it twice. */
	node_abort(n);
	snprintf(err, errlen, "could not store the key: %s", undone);
	return -1;
}

/* The official of this node whose certificate binds key, into out. */
static int
person_of(struct node *n, const uint8_t key[KEY_PUBLIC_BYTES], char *out,
    size_t outlen)
{
	struct store_cert	 c = { .subject = "" };
	store_txn_t		*txn;
	const char		*office;
	uint8_t			 curve[32];

	if ((txn = node_txn(n)) == NULL || key_curve_public(key, curve) != 0)
		return -1;
	while (store_cert_next(txn, curve, NULL, &c) == 0)
		if (sodium_memcmp(c.key, key, KEY_PUBLIC_BYTES) == 0 &&
		    name_person(c.subject, &office) &&
		    strcmp(office, n->n_conf->name) == 0) {
			snprintf(out, outlen, "%s", c.subject);
			return 0;
		}
	return -1;
}

int
ctl_signed_by(struct node *n, json_t *req, struct ctl_psig *out, char *err,
    size_t errlen)
{
	json_t		*sb = json_object_get(req, "signed_by"), *v;
	json_t		*fields;
	const char	*key, *sig, *person;
	size_t		 i, len;

	if (sb == NULL)
		return 0;
	key = json_string_value(json_object_get(sb, "key"));
	sig = json_string_value(json_object_get(sb, "signature"));
	person = json_string_value(json_object_get(sb, "person"));
	fields = json_object_get(sb, "fields");
	memset(out, 0, sizeof(*out));
	nodenet__person_signature__init(&out->ps);
	if (key == NULL || sig == NULL || key_parse_hex(key, out->key) != 0 ||
	    sodium_hex2bin(out->sig, sizeof(out->sig), sig, strlen(sig),
	    NULL, &len, NULL) != 0 || len != sizeof(out->sig) ||
	    (fields != NULL && (!json_is_array(fields) ||
	    json_array_size(fields) > CTL_PSIG_FIELDS))) {
		snprintf(err, errlen, "signed_by: {key: 64 hex digits, "
		    "signature: 128, person?, fields?}");
		return -1;
	}
	if (person != NULL && !name_person(person, NULL)) {
		snprintf(err, errlen, "signed_by: person: NAME@NODE, at most "
		    "%d bytes", NAME_PERSON_MAX);
		return -1;
	}
	if (person != NULL)
		snprintf(out->person, sizeof(out->person), "%s", person);
	else if (person_of(n, out->key, out->person,
	    sizeof(out->person)) != 0) {
		snprintf(err, errlen, "signed_by: no official of this node "
		    "is certified for that key (cert issue NAME@%s KEY)",
		    n->n_conf->name);
		return -1;
	}
	json_array_foreach(fields, i, v)
		if ((out->fields[i] = (char *)(uintptr_t)json_string_value(
		    v)) == NULL) {
			snprintf(err, errlen, "signed_by: fields: names");
			return -1;
		}
	out->ps.person = out->person;
	out->ps.key.data = out->key;
	out->ps.key.len = sizeof(out->key);
	out->ps.signature.data = out->sig;
	out->ps.signature.len = sizeof(out->sig);
	out->ps.fields = out->fields;
	out->ps.n_fields = json_array_size(fields);
	return 1;
}

/* Whether sb's certificate holds at t; revoked_ok: a revocation counts
 * as none (it came after the record was admitted). */
static json_t *
signed_state(struct node *n, store_txn_t *txn, json_t *sb, uint64_t t,
    int revoked_ok)
{
	const char	*person = json_string_value(json_object_get(sb,
	    "person"));
	const char	*hex = json_string_value(json_object_get(sb, "key"));
	uint8_t		 key[KEY_PUBLIC_BYTES];
	int		 rc;

	if (person == NULL || hex == NULL || key_parse_hex(hex, key) != 0)
		return json_string("unknown");
	rc = trust_check_at(n, txn, person, key, t);
	if (rc == 0 || (revoked_ok && rc == CERT_EREVOKED))
		return json_string("valid");
	return json_string(cert_strerror(rc));
}

void
ctl_signed_state(struct node *n, store_txn_t *txn, json_t *r)
{
	const char	*k;
	json_t		*v, *t;
	size_t		 i;

	if (json_is_array(r))
		json_array_foreach(r, i, v)
			ctl_signed_state(n, txn, v);
	if (!json_is_object(r))
		return;
	json_object_foreach(r, k, v) {
		if (strcmp(k, "signed_by") != 0 || !json_is_object(v)) {
			ctl_signed_state(n, txn, v);
			continue;
		}
		t = json_object_get(v, "signed_ms");
		json_object_set_new(v, "when_signed", signed_state(n, txn, v,
		    json_is_integer(t) ? (uint64_t)json_integer_value(t) : 0,
		    1));
		json_object_set_new(v, "now", signed_state(n, txn, v,
		    clock_wall_ms(), 0));
	}
}

/* Writes a message; with a key, once: a repeat gets the first one's id. */
static json_t *
cmd_send(struct node *n, json_t *req, char *err, size_t errlen)
{
	struct mail_submit	 m = { 0 };
	struct ctl_psig		 ps;
	json_t			*to = json_object_get(req, "to"), *v;
	const char		*text, *b64, *key;
	uint8_t			 id[WIRE_ID_BYTES], *bin = NULL;
	size_t			 i;
	int			 rc;

	if (ctl_key(req, &key, err, errlen) != 0 ||
	    (rc = ctl_signed_by(n, req, &ps, err, errlen)) < 0)
		return NULL;
	if (rc == 1 && ps.ps.n_fields > 0) {
		snprintf(err, errlen, "signed_by: fields are a revision's");
		return NULL;
	}
	m.signed_by = rc == 1 ? &ps.ps : NULL;
	m.from = json_string_value(json_object_get(req, "from"));
	m.subject = json_string_value(json_object_get(req, "subject"));
	text = json_string_value(json_object_get(req, "text"));
	b64 = json_string_value(json_object_get(req, "text_b64"));
	if (m.from == NULL || m.subject == NULL || (text == NULL) ==
	    (b64 == NULL) || !json_is_array(to) || json_array_size(to) == 0 ||
	    json_array_size(to) > MAIL_MAX_RECIPIENTS) {
		snprintf(err, errlen, "send needs from, to (1 to %d), subject "
		    "and text or text_b64", MAIL_MAX_RECIPIENTS);
		return NULL;
	}
	if (b64 != NULL) {
		/* Bytes that are not UTF-8 (8BITMIME mail) come in base64. */
		size_t	b64_len = strlen(b64), cap = b64_len / 4 * 3 + 3;

		if (b64_len > sodium_base64_ENCODED_LEN(MAIL_MAX_TEXT,
		    sodium_base64_VARIANT_ORIGINAL)) {
			snprintf(err, errlen, "text over %u bytes",
			    MAIL_MAX_TEXT);
			return NULL;
		}
		bin = xmalloc(cap);
		if (sodium_base642bin(bin, cap, b64, b64_len, NULL,
		    &m.text_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			free(bin);
			snprintf(err, errlen, "text_b64: not base64");
			return NULL;
		}
		m.text = bin;
	} else {
		m.text = (const uint8_t *)text;
		m.text_len = json_string_length(json_object_get(req, "text"));
	}
	m.n_to = json_array_size(to);
	m.to = xcalloc(m.n_to, sizeof(*m.to));
	json_array_foreach(to, i, v)
		if ((m.to[i] = (char *)(uintptr_t)json_string_value(v)) ==
		    NULL) {
			snprintf(err, errlen, "to: strings, please");
			free(m.to);
			free(bin);
			return NULL;
		}
	m.want_receipt = json_is_true(json_object_get(req, "receipt"));
	m.clear = json_is_true(json_object_get(req, "clear"));
	v = json_object_get(req, "expires_ms");
	m.expires_ms = json_is_integer(v) && json_integer_value(v) > 0 ?
	    (uint64_t)json_integer_value(v) : 0;
	v = json_object_get(req, "priority");
	m.priority = json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 2 ? (int)json_integer_value(v) : 0;
	if ((rc = ctl_key_seen(n, key, id, err, errlen)) == 0) {
		rc = mail_submit(n, &m, id, err, errlen);
		if (rc == 0 && ctl_key_remember(n, key, id, "nothing was sent",
		    err, errlen) != 0)
			rc = -1;
	}
	free(m.to);
	free(bin);
	if (rc < 0)
		return NULL;
	return json_pack("{s:o, s:b}", "id", view_hex_id(id), "duplicate",
	    rc == 1);
}

json_t *
ctl_batch(struct node *n, json_t *req, const char *what, ctl_fn fn,
    char *err, size_t errlen)
{
	json_t		*items = json_object_get(req, "items"), *item, *r;
	json_t		*results;
	uint64_t	 ends = n->n_txn_ends;
	size_t		 i;
	char		 e[256];

	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > CTL_MAX_BATCH) {
		snprintf(err, errlen, "%s_batch needs items: 1 to %d %s "
		    "requests", what, CTL_MAX_BATCH, what);
		return NULL;
	}
	results = json_array();
	json_array_foreach(items, i, item) {
		e[0] = '\0';
		r = json_is_object(item) ? fn(n, item, e, sizeof(e)) : NULL;
		if (r == NULL && e[0] == '\0')
			snprintf(e, sizeof(e), "an item is an object of %s's "
			    "fields", what);
		if (r == NULL)
			r = json_pack("{s:s}", "error", e);
		json_array_append_new(results, r);
		if (n->n_txn_broken || n->n_txn_ends != ends)
			break;	/* the transaction is lost: so is the batch */
	}
	return json_pack("{s:o}", "results", results);
}

/* Many sends in one request (a client with many messages): ctl_batch(). */
static json_t *
cmd_send_batch(struct node *n, json_t *req, char *err, size_t errlen)
{
	return ctl_batch(n, req, "send", cmd_send, err, errlen);
}

static json_t *
cmd_mail_ls(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char	*mbox = json_string_value(json_object_get(req,
	    "mailbox"));
	store_txn_t	*txn = NULL;
	json_t		*r;

	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	r = view_mail_ls(txn, req, err, errlen);
	store_txn_abort(&txn);
	/* r: mbox is a string. None here and none configured: a typo. */
	if (r != NULL && json_array_size(json_object_get(r, "messages")) == 0 &&
	    !mail_mailbox_known(n, mbox, strlen(mbox))) {
		json_decref(r);
		snprintf(err, errlen, "no mailbox %.64s here (see mailboxes in "
		    "the node's config)", mbox);
		return NULL;
	}
	return r;
}

static json_t *
cmd_mail_cat(struct node *n, json_t *req, char *err, size_t errlen)
{
	store_txn_t	*txn;
	json_t		*r;
	uint64_t	 seq;

	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if ((r = view_mail_cat(txn, req, &seq, err, errlen)) != NULL)
		ctl_signed_state(n, txn, r);
	if (r != NULL && store_mbox_mark_read(txn, json_string_value(json_object_get(req,
	    "mailbox")), seq) != 0)
		log_warnx("event=mark_read_failed");
	return r;
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

/* Removes a message from a local mailbox (it is never delivered again). */
static json_t *
cmd_mail_rm(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char	*mbox = json_string_value(json_object_get(req,
	    "mailbox"));
	json_t		*seqv = json_object_get(req, "seq");
	store_txn_t	*txn;
	int		 rc;

	if (mbox == NULL || !json_is_integer(seqv) ||
	    json_integer_value(seqv) < 1) {
		snprintf(err, errlen, "mail rm needs a mailbox and a seq");
		return NULL;
	}
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	rc = store_mbox_remove(txn, mbox, (uint64_t)json_integer_value(seqv));
	if (rc != 0) {
		snprintf(err, errlen, rc == STORE_NOTFOUND ? "no message %lld "
		    "in mailbox %s" : "cannot remove message %lld from %s",
		    (long long)json_integer_value(seqv), mbox);
		return NULL;
	}
	log_info("event=mail_removed mailbox=%s seq=%lld", mbox,
	    (long long)json_integer_value(seqv));
	return json_pack("{s:s, s:O}", "mailbox", mbox, "seq", seqv);
}

/*
 * A gateway gives up on a message of a local mailbox: the sender gets a
 * signed failure report and the message leaves the mailbox, in one
 * transaction (the gateway's retry after a crash finds it gone).
 */
static json_t *
cmd_mail_fail(struct node *n, json_t *req, char *err, size_t errlen)
{
	static const struct {
		const char		*name;
		Nodenet__Report__Reason	 reason;
	} reasons[] = {
		{ "refused", NODENET__REPORT__REASON__REFUSED_ACL },
		{ "unknown_mailbox", NODENET__REPORT__REASON__UNKNOWN_MAILBOX },
		{ "over_quota", NODENET__REPORT__REASON__OVER_QUOTA },
		{ "expired", NODENET__REPORT__REASON__EXPIRED },
	};
	const char	*mbox = json_string_value(json_object_get(req,
	    "mailbox"));
	const char	*why = json_string_value(json_object_get(req, "reason"));
	const char	*detail = json_string_value(json_object_get(req,
	    "detail"));
	json_t		*seqv = json_object_get(req, "seq");
	int		 reason = -1;

	for (size_t i = 0; why != NULL &&
	    i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(why, reasons[i].name) == 0)
			reason = (int)reasons[i].reason;
	if (mbox == NULL || !json_is_integer(seqv) ||
	    json_integer_value(seqv) < 1 || reason == -1 || detail == NULL ||
	    strlen(detail) > MAIL_MAX_DETAIL) {
		snprintf(err, errlen, "mail fail needs a mailbox, a seq, a "
		    "reason (refused, unknown_mailbox, over_quota, expired) "
		    "and a detail of at most %d bytes", MAIL_MAX_DETAIL);
		return NULL;
	}
	if (mail_fail(n, mbox, (uint64_t)json_integer_value(seqv),
	    (Nodenet__Report__Reason)reason, detail, err, errlen) != 0)
		return NULL;
	return json_pack("{s:s, s:O}", "mailbox", mbox, "seq", seqv);
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

static const struct ctl_command commands[] = {
	{ "cert_ls", cmd_cert_ls },
	{ "queue", cmd_queue },
	{ "mail_rm", cmd_mail_rm },
	{ "mail_fail", cmd_mail_fail },
	{ "replicate", cmd_replicate },
	{ "metrics", cmd_metrics },
	{ "route", cmd_route },
	{ "cert_issue", cmd_cert_issue },
	{ "cert_revoke", cmd_cert_revoke },
	{ "status", cmd_status },
	{ "peers", cmd_peers },
	{ "send", cmd_send },
	{ "send_batch", cmd_send_batch },
	{ "mail_ls", cmd_mail_ls },
	{ "mail_cat", cmd_mail_cat },
	{ "trace", cmd_trace },
	{ "network", cmd_network },
};

static ctl_fn
lookup(const char *cmd)
{
	if (cmd == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn;
	for (size_t i = 0; ctl_doc_commands[i].name != NULL; i++)
		if (strcmp(cmd, ctl_doc_commands[i].name) == 0)
			return ctl_doc_commands[i].fn;
	return NULL;
}

/*
 * 1 if request req writes: its reply waits for the commit that makes the
 * write durable (proto/control.md, "Writes"). mail_cat's mark of a
 * message as read is not waited for: it is only logged if it fails.
 */
static int
writes(const char *cmd, json_t *req)
{
	static const char *const w[] = { "send", "send_batch", "mail_rm",
	    "mail_fail", "cert_issue", "cert_revoke", "db_create", "doc_put",
	    "doc_put_batch", "doc_rm", "doc_resolve" };

	if (cmd != NULL && strcmp(cmd, "db_acl") == 0)
		return json_object_get(req, "set") != NULL;
	for (size_t i = 0; cmd != NULL && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(cmd, w[i]) == 0)
			return 1;
	return 0;
}

#define CTL_GROUP	64	/* requests answered after one commit */

/* One request in, one reply out; never fails the node. */
static json_t *
handle(struct node *n, const char *buf, size_t len, int *wrote)
{
	json_t		*req, *reply = NULL;
	json_error_t	 jerr;
	const char	*cmd;
	char		 err[256] = "";
	ctl_fn		 fn;

	n->n_cnt.ctl_requests++;
	if (len > CTL_MAX_REQUEST) {
		snprintf(err, sizeof(err), "request over %d bytes",
		    CTL_MAX_REQUEST);
		goto bad;
	}
	req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL || !json_is_object(req)) {
		snprintf(err, sizeof(err), "request is not a JSON object");
		json_decref(req);
		goto bad;
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	*wrote = writes(cmd, req);
	if ((fn = lookup(cmd)) != NULL)
		reply = fn(n, req, err, sizeof(err));
	if (reply == NULL && err[0] == '\0')
		snprintf(err, sizeof(err), "unknown command: %.64s",
		    cmd != NULL ? cmd : "(none)");
	json_decref(req);
	if (reply == &later)
		return reply;
	if (reply == NULL)
		goto bad;
	json_object_set_new(reply, "ok", json_true());
	return reply;
bad:
	n->n_cnt.ctl_bad++;
	log_warnx("event=ctl_refused reason=\"%s\"", err);
	return json_pack("{s:b, s:s}", "ok", 0, "error", err);
}

static int
more_parts(void *sock)
{
	int	more = 0;
	size_t	len = sizeof(more);

	return zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more;
}

json_t *
ctl_later(void)
{
	return &later;
}

/* A request read this turn, and its reply, sent once the group's writes
 * are durable. */
struct held {
	uint8_t		 id[CTL_ID_MAX];	/* the client's routing id */
	size_t		 id_len;
	json_t		*reply;
	int		 wrote;		/* a write command */
	uint64_t	 ends;		/* n_txn_ends when it began */
};

static void
send_to(struct node *n, const uint8_t *id, size_t id_len, json_t *reply)
{
	char	*out = json_dumps(reply, JSON_COMPACT);

	json_decref(reply);
	if (out == NULL)
		return;
	if (zmq_send(n->n_ctl, id, id_len, ZMQ_SNDMORE) != -1 &&
	    zmq_send(n->n_ctl, "", 0, ZMQ_SNDMORE) != -1)
		zmq_send(n->n_ctl, out, strlen(out), 0);
	free(out);
}

/*
 * Commits the group's writes once, then answers each request: a write
 * whose transaction did not commit (the store refused it, or a later
 * write in it) is an error, never "ok".
 */
static void
answer_group(struct node *n, struct held *h, size_t nh)
{
	char	why[120], err[200];
	int	wrote = 0;

	for (size_t i = 0; i < nh; i++)
		wrote |= h[i].wrote;
	if (wrote)
		node_commit(n);
	for (size_t i = 0; i < nh; i++) {
		if (h[i].wrote && n->n_txn_failed_at > h[i].ends &&
		    json_is_true(json_object_get(h[i].reply, "ok"))) {
			json_decref(h[i].reply);
			snprintf(err, sizeof(err), "the store refused the "
			    "write: %s; nothing was done", writes_why(n, why,
			    sizeof(why)));
			h[i].reply = json_pack("{s:b, s:s}", "ok", 0, "error",
			    err);
		}
		send_to(n, h[i].id, h[i].id_len, h[i].reply);
	}
}

/* Receives the next part of a message into m: 0, or -1 if none. */
static int
next_part(void *sock, zmq_msg_t *m)
{
	if (!more_parts(sock))
		return -1;
	zmq_msg_close(m);
	zmq_msg_init(m);
	return zmq_msg_recv(m, sock, 0) == -1 ? -1 : 0;
}

/*
 * The next request, as a REQ client sends it: its routing id, an empty
 * delimiter, one body part. 1 with h's id, reply (or &later) and wrote
 * set; 0 if there is none.
 */
static int
next_request(struct node *n, struct held *h)
{
	zmq_msg_t	id, delim, body;
	int		ok;

	zmq_msg_init(&id);
	if (zmq_msg_recv(&id, n->n_ctl, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&id);
		return 0;
	}
	zmq_msg_init(&delim);
	zmq_msg_init(&body);
	ok = next_part(n->n_ctl, &delim) == 0 && zmq_msg_size(&delim) == 0 &&
	    next_part(n->n_ctl, &body) == 0 && !more_parts(n->n_ctl) &&
	    zmq_msg_size(&id) <= sizeof(h->id);
	while (next_part(n->n_ctl, &delim) == 0)
		;	/* the rest of a message refused whole */
	h->id_len = zmq_msg_size(&id) <= sizeof(h->id) ? zmq_msg_size(&id) :
	    0;
	memcpy(h->id, zmq_msg_data(&id), h->id_len);
	h->wrote = 0;
	if (!ok) {
		n->n_cnt.ctl_bad++;
		log_warnx("event=ctl_refused reason=\"multipart\"");
		h->reply = json_pack("{s:b, s:s}", "ok", 0, "error",
		    "a request is one message");
	} else
		h->reply = handle(n, zmq_msg_data(&body), zmq_msg_size(&body),
		    &h->wrote);
	zmq_msg_close(&id);
	zmq_msg_close(&delim);
	zmq_msg_close(&body);
	return 1;
}

/*
 * Reads the requests waiting, up to CTL_GROUP while the turn has time
 * (one at least), and answers them together: their writes share one
 * transaction and one commit, so clients that send at once pay one
 * fsync between them.
 */
static int
on_ctl(loop_t *l, void *arg)
{
	struct node	*n = arg;
	struct held	*h = n->n_ctl_held;
	size_t		 nh = 0;

	(void)l;
	while (nh < CTL_GROUP && !n->n_ctl_waiting &&
	    (nh == 0 || !node_turn_full(n))) {
		h[nh].ends = n->n_txn_ends;
		if (!next_request(n, &h[nh]))
			break;
		/* Its write failed in the store: the next ones get a new
		 * transaction; the group's writes before it are refused. */
		if (n->n_txn_broken)
			node_abort(n);
		if (h[nh].reply == &later) {
			/* It answers later (ctl_answer()): none read till then. */
			memcpy(n->n_ctl_later, h[nh].id, h[nh].id_len);
			n->n_ctl_later_len = h[nh].id_len;
			n->n_ctl_waiting = 1;
			break;
		}
		nh++;
	}
	if (nh > 0)
		answer_group(n, h, nh);
	return 0;
}

void
ctl_answer(struct node *n, json_t *reply, const char *err)
{
	if (!n->n_ctl_waiting) {
		json_decref(reply);
		return;
	}
	n->n_ctl_waiting = 0;
	if (reply == NULL)
		reply = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	else
		json_object_set_new(reply, "ok", json_true());
	send_to(n, n->n_ctl_later, n->n_ctl_later_len, reply);
	on_ctl(n->n_loop, n);	/* requests that came meanwhile */
}

int
ctl_init(struct node *n)
{
	char	*ep = xasprintf("ipc://%s", n->n_conf->control);
	int64_t	 max = 4 * (int64_t)CTL_MAX_REQUEST;
	int	 linger = 0;
	mode_t	 old;

	n->n_ctl_held = xcalloc(CTL_GROUP, sizeof(struct held));
	if ((n->n_ctl = zmq_socket(n->n_zctx, ZMQ_ROUTER)) == NULL) {
		free(ep);
		return -1;
	}
	zmq_setsockopt(n->n_ctl, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	zmq_setsockopt(n->n_ctl, ZMQ_LINGER, &linger, sizeof(linger));
	old = umask(077);
	if (zmq_bind(n->n_ctl, ep) != 0) {
		umask(old);
		log_warn("%s: cannot bind control socket %s", n->n_conf->path,
		    n->n_conf->control);
		free(ep);
		return -1;
	}
	umask(old);
	if (chmod(n->n_conf->control, 0600) == -1) {
		log_warn("%s: chmod", n->n_conf->control);
		free(ep);
		return -1;
	}
	free(ep);
	view_scan_limit(n->n_conf->ctl_scan_max);
	loop_add(n->n_loop, n->n_ctl, -1, on_ctl, n);
	return 0;
}

void
ctl_shutdown(struct node *n)
{
	free(n->n_ctl_held);
	n->n_ctl_held = NULL;
	if (n->n_ctl != NULL) {
		zmq_close(n->n_ctl);
		/* A socket file left behind reads as a node that hangs. */
		if (unlink(n->n_conf->control) == -1)
			log_warn("%s: unlink", n->n_conf->control);
	}
	n->n_ctl = NULL;
}
