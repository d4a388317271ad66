/*
 * ctl_mail: the control commands of mail (proto/control.md): send,
 * send_batch, mail_ls, mail_cat, mail_rm and mail_fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "log.h"
#include "mail.h"
#include "node.h"
#include "turn.h"
#include "view.h"
#include "xmem.h"

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
	/* The mark is not waited for, but committed once the loop is
	 * idle: the client's next request sees it (turn.h). */
	if (r != NULL && store_mbox_mark_read(txn, json_string_value(
	    json_object_get(req, "mailbox")), seq) != 0)
		log_warnx("event=mark_read_failed");
	n->n_txn_asked = 1;
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

const struct ctl_command ctl_mail_commands[] = {
	{ "send", cmd_send },
	{ "send_batch", cmd_send_batch },
	{ "mail_ls", cmd_mail_ls },
	{ "mail_cat", cmd_mail_cat },
	{ "mail_rm", cmd_mail_rm },
	{ "mail_fail", cmd_mail_fail },
	{ NULL, NULL },
};
