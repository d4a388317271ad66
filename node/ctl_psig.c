/*
 * ctl_psig: a request's personal signature, and whether the
 * signatures a reply shows held (ctl.h: ctl_signed_by(),
 * ctl_signed_state()).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "name.h"
#include "node.h"
#include "trust.h"
#include "turn.h"

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
