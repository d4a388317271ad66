/*
 * view: the control protocol's read-only replies, built from a store.
 * Every record shown is verified again as it is read (the disk is not
 * trusted): a record that fails shows as "unreadable or corrupt". A
 * sealed mail is opened here, as it is read, with the node's keys: the
 * store holds it as it travelled, the signed record, and never its
 * content in clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "name.h"
#include "seal.h"
#include "view.h"
#include "wire.h"
#include "xmem.h"

static uint64_t	scan_max = VIEW_SCAN_MAX;
static const struct seal_keyring *keyring;	/* view_keyring() */
static const char *keyring_why = "this node's keys were not read";

void
view_keyring(const struct seal_keyring *kr, const char *why)
{
	keyring = kr;
	if (why != NULL)
		keyring_why = why;
}

const struct seal_keyring *
view_keyring_of(const char **why)
{
	if (why != NULL)
		*why = keyring_why;
	return keyring;
}

void
view_scan_limit(uint64_t max)
{
	scan_max = max;
}

void
view_scan_start(struct view_scan *s)
{
	s->vs_max = scan_max;
	s->vs_read = 0;
	s->vs_cut = 0;
}

int
view_scan_take(struct view_scan *s)
{
	if (s->vs_read >= s->vs_max) {
		s->vs_cut = 1;
		return 0;
	}
	s->vs_read++;
	return 1;
}

json_t *
view_scan_reply(json_t *r, const struct view_scan *s)
{
	json_object_set_new(r, "partial", json_boolean(s->vs_cut));
	json_object_set_new(r, "scanned", json_integer((json_int_t)s->vs_read));
	return r;
}

json_t *
view_hex(const uint8_t *p, size_t len)
{
	char	*hex = xmalloc(2 * len + 1);
	json_t	*s;

	sodium_bin2hex(hex, 2 * len + 1, p, len);
	s = json_string(hex);
	free(hex);
	return s;
}

const char *
view_unreadable(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES])
{
	struct store_damage	d;

	if (store_damage_get(txn, id, &d) != 0)
		return "unreadable or corrupt";
	return d.state == STORE_DAMAGE_LOST ? "damaged on disk here, and no "
	    "neighbour had a copy" : "damaged on disk here: a copy is being "
	    "fetched from the neighbours";
}

json_t *
view_hex_id(const uint8_t id[STORE_ID_BYTES])
{
	return view_hex(id, STORE_ID_BYTES);
}

int
view_parse_id(json_t *v, uint8_t id[STORE_ID_BYTES])
{
	const char	*s = json_string_value(v);
	size_t		 len;

	return s != NULL && strlen(s) == 2 * STORE_ID_BYTES &&
	    sodium_hex2bin(id, STORE_ID_BYTES, s, strlen(s), NULL, &len,
	    NULL) == 0 && len == STORE_ID_BYTES ? 0 : -1;
}

json_t *
view_store(store_t *st)
{
	struct store_stat	ss;

	if (store_stat(st, &ss) != 0)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:I}", "records",
	    (json_int_t)ss.records, "last_seq", (json_int_t)ss.last_seq,
	    "map_size", (json_int_t)ss.map_size, "map_used",
	    (json_int_t)ss.map_used);
}

/* Opens a stored record (verified again: the disk is not trusted). */
static int
open_stored(store_txn_t *txn, const uint8_t *id, struct wire_record *wr)
{
	struct store_record	rec;

	if (store_get(txn, id, &rec) != 0)
		return -1;
	return wire_record_check(rec.body, rec.body_len, rec.sig, wr) == 0 ?
	    0 : -1;
}

/* signed_by of a record written at created_ms whose signature is ps. */
static json_t *
person_json(const Nodenet__PersonSignature *ps, uint64_t created_ms)
{
	const char	*office;
	json_t		*o, *fields;

	if (ps == NULL || ps->person == NULL ||
	    !name_person(ps->person, &office) ||
	    ps->key.len != KEY_PUBLIC_BYTES)
		return NULL;
	o = json_pack("{s:s, s:s, s:o, s:I}", "person", ps->person, "office",
	    office, "key", view_hex(ps->key.data, ps->key.len), "signed_ms",
	    (json_int_t)created_ms);
	if (ps->n_fields > 0) {
		fields = json_array();
		for (size_t i = 0; i < ps->n_fields; i++)
			json_array_append_new(fields,
			    json_string(ps->fields[i]));
		json_object_set_new(o, "fields", fields);
	}
	return o;
}

json_t *
view_signed_by(const Nodenet__RecordBody *rb)
{
	const Nodenet__PersonSignature	*ps = NULL;

	if (rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL)
		ps = rb->mail->signed_by;
	else if (rb->kind_case == NODENET__RECORD_BODY__KIND_DOC)
		ps = rb->doc->signed_by;
	return person_json(ps, rb->created_ms);
}

/* "text" (only if it is UTF-8) and "text_b64" (always) of text. */
static void
text_json(json_t *o, const ProtobufCBinaryData *text)
{
	size_t	 b64_len = sodium_base64_ENCODED_LEN(text->len,
	    sodium_base64_VARIANT_ORIGINAL);
	char	*b64 = xmalloc(b64_len);
	json_t	*t = json_stringn((const char *)text->data, text->len);

	if (t != NULL)
		json_object_set_new(o, "text", t);
	sodium_bin2base64(b64, b64_len, text->data, text->len,
	    sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(o, "text_b64", json_string(b64));
	free(b64);
}

/*
 * A sealed mail's subject (and text, and who signed it), opened with the
 * node's keys; one that does not open here, or whose official's
 * signature does not hold over what it opens to (every node would
 * refuse that clear), gets "error" saying why instead.
 */
static void
sealed_json(json_t *o, const Nodenet__RecordBody *rb, int with_text)
{
	Nodenet__MailContent	*c = NULL;
	char			 why[512];
	int			 rc, key = 0;

	if (keyring == NULL) {
		json_object_set_new(o, "subject", json_string(""));
		json_object_set_new(o, "error", json_sprintf("sealed, and %s",
		    keyring_why));
		return;
	}
	if ((rc = seal_open(keyring, rb, &c, &key)) == 0 &&
	    seal_signed(rb, c, why, sizeof(why)) < 0)
		rc = -1;
	else if (rc != 0)
		seal_why(rb->mail, rc, why, sizeof(why));
	if (rc != 0) {
		json_object_set_new(o, "subject", json_string(""));
		json_object_set_new(o, "error", json_sprintf("sealed, and does "
		    "not open here: %s", why));
	} else {
		json_object_set_new(o, "subject", json_string(c->subject));
		if (key > 0)	/* one this node held before a re-key */
			json_object_set_new(o, "old_key", json_true());
		if (c->signed_by != NULL)
			json_object_set_new(o, "signed_by",
			    person_json(c->signed_by, rb->created_ms));
		if (with_text)
			text_json(o, &c->text);
	}
	if (c != NULL)
		nodenet__mail_content__free_unpacked(c, NULL);
}

/* A mail's subject (and text): as it travelled, or opened here. */
static void
content_json(json_t *o, const Nodenet__RecordBody *rb, int with_text)
{
	const Nodenet__MailMessage	*m = rb->mail;

	json_object_set_new(o, "sealed", json_boolean(m->sealed != NULL));
	if (m->sealed != NULL) {
		sealed_json(o, rb, with_text);
		return;
	}
	json_object_set_new(o, "subject", json_string(m->subject));
	if (with_text)
		text_json(o, &m->text);
}

static json_t *
message_json(const struct wire_record *wr, int with_text)
{
	const Nodenet__RecordBody	*rb = wr->rb;
	json_t				*o, *to;

	o = json_pack("{s:o, s:s, s:I}", "id", view_hex_id(wr->id),
	    "origin", rb->origin, "created_ms", (json_int_t)rb->created_ms);
	if (rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL) {
		to = json_array();
		for (size_t i = 0; i < rb->mail->n_to; i++)
			json_array_append_new(to,
			    json_string(rb->mail->to[i]));
		json_object_set_new(o, "kind", json_string("mail"));
		json_object_set_new(o, "from", json_string(rb->mail->from));
		json_object_set_new(o, "to", to);
		content_json(o, rb, with_text);
		if ((to = view_signed_by(rb)) != NULL)
			json_object_set_new(o, "signed_by", to);
	} else if (rb->kind_case == NODENET__RECORD_BODY__KIND_REPORT) {
		const Nodenet__Report	*r = rb->report;
		json_t			*rcpts;

		json_object_set_new(o, "kind", json_string("report"));
		json_object_set_new(o, "from", json_string(rb->origin));
		json_object_set_new(o, "subject", json_string(
		    r->kind == NODENET__REPORT__KIND__FAILED ?
		    "delivery failed" : "delivered"));
		/* recipients: all the report covers (a report from before
		 * the list names one, in recipient). */
		rcpts = json_array();
		for (size_t i = 0; i < r->n_recipients; i++)
			json_array_append_new(rcpts,
			    json_string(r->recipients[i]));
		if (r->n_recipients == 0 && r->recipient[0] != '\0')
			json_array_append_new(rcpts,
			    json_string(r->recipient));
		json_object_set_new(o, "report", json_pack("{s:s, s:s, s:o,"
		    " s:i, s:s}", "result", r->kind ==
		    NODENET__REPORT__KIND__FAILED ? "failed" : "delivered",
		    "recipient", r->recipient, "recipients", rcpts, "reason",
		    (int)r->reason, "detail", r->detail));
		if (r->message_id.len == WIRE_ID_BYTES)
			json_object_set_new(json_object_get(o, "report"),
			    "message_id", view_hex_id(r->message_id.data));
	}
	return o;
}

json_t *
view_mail_ls(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char		*mbox;
	struct store_mbox_entry	 e;
	json_t			*list, *fromv = json_object_get(req, "from"), *r;
	uint64_t		 from = 1;

	mbox = json_string_value(json_object_get(req, "mailbox"));
	if (fromv != NULL && (!json_is_integer(fromv) ||
	    json_integer_value(fromv) < 1)) {
		snprintf(err, errlen, "from: a message number, 1 or more");
		return NULL;
	}
	if (fromv != NULL)
		from = (uint64_t)json_integer_value(fromv);
	if (mbox == NULL) {
		snprintf(err, errlen, "mail ls needs a mailbox");
		return NULL;
	}
	list = json_array();
	while (json_array_size(list) < VIEW_LIST_MAX &&
	    store_mbox_next(txn, mbox, from, &e) == 0) {
		struct wire_record	 wr;
		json_t			*o;

		from = e.seq + 1;
		if (open_stored(txn, e.id, &wr) != 0) {
			o = json_pack("{s:o, s:s}", "id", view_hex_id(e.id),
			    "error", view_unreadable(txn, e.id));
		} else {
			o = message_json(&wr, 0);
			wire_record_clear(&wr);
		}
		json_object_set_new(o, "seq", json_integer((json_int_t)e.seq));
		json_object_set_new(o, "read",
		    json_boolean(e.flags & STORE_MBOX_READ));
		json_array_append_new(list, o);
	}
	r = json_pack("{s:s, s:o}", "mailbox", mbox, "messages", list);
	/* Cut at VIEW_LIST_MAX: say where the next page starts. */
	if (json_array_size(list) == VIEW_LIST_MAX &&
	    store_mbox_next(txn, mbox, from, &e) == 0)
		json_object_set_new(r, "next", json_integer((json_int_t)e.seq));
	return r;
}

json_t *
view_mail_cat(store_txn_t *txn, json_t *req, uint64_t *seqp, char *err,
    size_t errlen)
{
	const char		*mbox;
	json_t			*seqv = json_object_get(req, "seq"), *o;
	struct store_mbox_entry	 e;
	struct wire_record	 wr;
	uint64_t		 seq;

	mbox = json_string_value(json_object_get(req, "mailbox"));
	if (mbox == NULL || !json_is_integer(seqv) ||
	    json_integer_value(seqv) < 1) {
		snprintf(err, errlen, "mail cat needs a mailbox and a seq");
		return NULL;
	}
	seq = (uint64_t)json_integer_value(seqv);
	if (store_mbox_next(txn, mbox, seq, &e) != 0 || e.seq != seq) {
		snprintf(err, errlen, "no message %llu in mailbox %s",
		    (unsigned long long)seq, mbox);
		return NULL;
	}
	if (open_stored(txn, e.id, &wr) != 0) {
		snprintf(err, errlen, "message %llu is %s",
		    (unsigned long long)seq, view_unreadable(txn, e.id));
		return NULL;
	}
	o = message_json(&wr, 1);
	wire_record_clear(&wr);
	if (json_object_get(o, "error") != NULL) {
		snprintf(err, errlen, "message %llu is %s",
		    (unsigned long long)seq, json_string_value(
		    json_object_get(o, "error")));
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	*seqp = seq;
	return o;
}

const char *
view_custody_name(int ev)
{
	switch (ev) {
	case STORE_CUSTODY_SUBMITTED:
		return "submitted";
	case STORE_CUSTODY_RECEIVED:
		return "received";
	case STORE_CUSTODY_SENT:
		return "sent";
	case STORE_CUSTODY_DELIVERED:
		return "delivered";
	case STORE_CUSTODY_FAILED:
		return "failed";
	case STORE_CUSTODY_DAMAGED:
		return "damaged";
	case STORE_CUSTODY_REPAIRED:
		return "repaired";
	}
	return "?";
}

json_t *
view_custody_event(const struct store_custody *ev)
{
	return json_pack("{s:I, s:s, s:s}", "time_ms", (json_int_t)ev->time_ms,
	    "event", view_custody_name(ev->event), "peer", ev->peer);
}

static int
trace_event(const struct store_custody *ev, void *arg)
{
	json_array_append_new(arg, view_custody_event(ev));
	return 0;
}

json_t *
view_trace(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	uint8_t	 id[STORE_ID_BYTES];
	json_t	*list;

	if (view_parse_id(json_object_get(req, "id"), id) != 0) {
		snprintf(err, errlen, "trace needs a message id (64 hex "
		    "digits)");
		return NULL;
	}
	list = json_array();
	if (store_custody_walk(txn, id, VIEW_LIST_MAX, trace_event, list) !=
	    0) {
		json_decref(list);
		snprintf(err, errlen, "cannot read the custody of that record");
		return NULL;
	}
	return json_pack("{s:o, s:o}", "id", view_hex_id(id), "events", list);
}

