/*
 * psig: the bytes an official signs, and the signature (psig.h).
 */
#include <string.h>

#include <sodium.h>

#include "name.h"
#include "psig.h"

#define PSIG_PREFIX	"nodenet-person-v1"
#define PSIG_MSG_BYTES	(sizeof(PSIG_PREFIX) + PSIG_DIGEST_BYTES)

enum { T_TEXT = 1, T_NUMBER, T_TIME, T_LIST, T_DATA };

static void
item(crypto_generichash_state *st, const void *p, size_t len)
{
	uint8_t	be[4];

	be[0] = (uint8_t)(len >> 24);
	be[1] = (uint8_t)(len >> 16);
	be[2] = (uint8_t)(len >> 8);
	be[3] = (uint8_t)len;
	crypto_generichash_update(st, be, sizeof(be));
	if (len > 0)
		crypto_generichash_update(st, p, len);
}

static void
item_str(crypto_generichash_state *st, const char *s)
{
	item(st, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

static void
be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static void
item_num(crypto_generichash_state *st, uint64_t v)
{
	uint8_t	b[8];

	be64(b, v);
	item(st, b, sizeof(b));
}

void
psig_mail_digest(const char *from, char *const *to, size_t n_to,
    const char *subject, const uint8_t *text, size_t text_len,
    uint8_t out[PSIG_DIGEST_BYTES])
{
	crypto_generichash_state	st;

	crypto_generichash_init(&st, NULL, 0, PSIG_DIGEST_BYTES);
	item_str(&st, "mail");
	item_str(&st, from);
	item_num(&st, n_to);
	for (size_t i = 0; i < n_to; i++)
		item_str(&st, to[i]);
	item_str(&st, subject);
	item(&st, text, text_len);
	crypto_generichash_final(&st, out, PSIG_DIGEST_BYTES);
}

/* A field's value as one item: its type byte, then the value. */
static void
item_field(crypto_generichash_state *st, const Nodenet__Field *f)
{
	crypto_generichash_state	v;
	uint8_t				t, b[8], h[1 + PSIG_DIGEST_BYTES];
	double				d;
	uint64_t			bits;

	/*
	 * The value is hashed apart and its hash is the item, so that a
	 * list's items need no length known in advance.
	 */
	crypto_generichash_init(&v, NULL, 0, PSIG_DIGEST_BYTES);
	switch (f->value_case) {
	case NODENET__FIELD__VALUE_TEXT:
		t = T_TEXT;
		item_str(&v, f->text);
		break;
	case NODENET__FIELD__VALUE_NUMBER:
		t = T_NUMBER;
		d = f->number;
		memcpy(&bits, &d, sizeof(bits));
		be64(b, bits);
		item(&v, b, sizeof(b));
		break;
	case NODENET__FIELD__VALUE_TIME_MS:
		t = T_TIME;
		item_num(&v, f->time_ms);
		break;
	case NODENET__FIELD__VALUE_LIST:
		t = T_LIST;
		item_num(&v, f->list != NULL ? f->list->n_items : 0);
		for (size_t i = 0; f->list != NULL && i < f->list->n_items; i++)
			item_str(&v, f->list->items[i]);
		break;
	case NODENET__FIELD__VALUE_DATA:
		t = T_DATA;
		item(&v, f->data.data, f->data.len);
		break;
	default:
		item(st, "", 0);	/* no value: as if absent */
		return;
	}
	crypto_generichash_final(&v, h + 1, PSIG_DIGEST_BYTES);
	h[0] = t;
	item(st, h, sizeof(h));
}

int
psig_doc_digest(const char *db, Nodenet__Field *const *fields,
    size_t n_fields, char *const *names, size_t n_names,
    uint8_t out[PSIG_DIGEST_BYTES])
{
	crypto_generichash_state	st;
	const Nodenet__Field		*f;

	if (n_names == 0 || n_names > PSIG_MAX_FIELDS)
		return -1;
	for (size_t i = 0; i < n_names; i++)
		if (names[i] == NULL || (i > 0 && strcmp(names[i - 1],
		    names[i]) >= 0))
			return -1;
	crypto_generichash_init(&st, NULL, 0, PSIG_DIGEST_BYTES);
	item_str(&st, "doc");
	item_str(&st, db);
	item_num(&st, n_names);
	for (size_t i = 0; i < n_names; i++) {
		item_str(&st, names[i]);
		f = NULL;
		for (size_t j = 0; j < n_fields && f == NULL; j++)
			if (fields[j]->name != NULL &&
			    strcmp(fields[j]->name, names[i]) == 0)
				f = fields[j];
		if (f == NULL)
			item(&st, "", 0);
		else
			item_field(&st, f);
	}
	crypto_generichash_final(&st, out, PSIG_DIGEST_BYTES);
	return 0;
}

static void
message(const uint8_t digest[PSIG_DIGEST_BYTES], uint8_t msg[PSIG_MSG_BYTES])
{
	memcpy(msg, PSIG_PREFIX, sizeof(PSIG_PREFIX));	/* with its NUL */
	memcpy(msg + sizeof(PSIG_PREFIX), digest, PSIG_DIGEST_BYTES);
}

void
psig_sign(const key_pair_t *kp, const uint8_t digest[PSIG_DIGEST_BYTES],
    uint8_t sig[KEY_SIGNATURE_BYTES])
{
	uint8_t	msg[PSIG_MSG_BYTES];

	message(digest, msg);
	key_sign(kp, msg, sizeof(msg), sig);
}

int
psig_verify(const uint8_t pk[KEY_PUBLIC_BYTES],
    const uint8_t digest[PSIG_DIGEST_BYTES],
    const uint8_t sig[KEY_SIGNATURE_BYTES])
{
	uint8_t	msg[PSIG_MSG_BYTES];

	message(digest, msg);
	return key_verify(pk, msg, sizeof(msg), sig);
}

int
psig_of(const Nodenet__RecordBody *rb, const Nodenet__PersonSignature **ps,
    uint8_t digest[PSIG_DIGEST_BYTES], const char **why)
{
	const Nodenet__PersonSignature	*s = NULL;
	const Nodenet__MailMessage	*m;
	const Nodenet__DocRevision	*d;

	*ps = NULL;
	if (rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL)
		s = rb->mail->signed_by;
	else if (rb->kind_case == NODENET__RECORD_BODY__KIND_DOC)
		s = rb->doc->signed_by;
	if (s == NULL)
		return 0;
	*ps = s;
	*why = "personal signature malformed: person, 32-byte key and "
	    "64-byte signature";
	if (s->person == NULL || !name_person(s->person, NULL) ||
	    s->key.len != KEY_PUBLIC_BYTES ||
	    s->signature.len != KEY_SIGNATURE_BYTES)
		return -1;
	if (rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL) {
		m = rb->mail;
		if (s->n_fields != 0)
			return -1;
		psig_mail_digest(m->from, m->to, m->n_to, m->subject,
		    m->text.data, m->text.len, digest);
		return 1;
	}
	d = rb->doc;
	*why = "personal signature malformed: its field names (1 to 256, "
	    "ascending)";
	if (psig_doc_digest(d->db, d->fields, d->n_fields, s->fields,
	    s->n_fields, digest) != 0)
		return -1;
	return 1;
}
