/*
 * doc_sealed: opening sealed revisions (doc_sealed.h; proto/README.md,
 * "Sealed documents", is the contract).
 *
 * The content opens into the decoded revision itself: its fields, its
 * attachments and its signed_by move over from the opened DocContent,
 * and each attachment takes from the clear one its ciphertext's size,
 * hash and chunks. So every reader of a revision (doc get, doc put's
 * base, the official's signature check) reads an opened one as a clear
 * one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "doc_sealed.h"
#include "store.h"
#include "wire.h"
#include "xmem.h"

static void
ad_data(struct seal_ad *a, const ProtobufCBinaryData *b)
{
	seal_ad_num(a, b->len, 4);
	seal_ad_bytes(a, b->data, b->len);
}

void
doc_sealed_ad(const Nodenet__RecordBody *rb, struct seal_ad *a)
{
	const Nodenet__DocRevision	*d = rb->doc;

	seal_ad_init(a, DOC_SEAL_AD_PREFIX);
	seal_ad_str(a, rb->origin);
	ad_data(a, &rb->origin_key);
	seal_ad_str(a, d->db);
	ad_data(a, &d->doc_id);
	seal_ad_num(a, d->n_parents, 4);
	for (size_t i = 0; i < d->n_parents; i++)
		ad_data(a, &d->parents[i]);
	seal_ad_num(a, d->deleted ? 1 : 0, 1);
	seal_ad_num(a, d->n_readers, 4);
	for (size_t i = 0; i < d->n_readers; i++)
		seal_ad_str(a, d->readers[i]);
	seal_ad_num(a, d->n_attachments, 4);
	for (size_t i = 0; i < d->n_attachments; i++) {
		seal_ad_num(a, d->attachments[i]->size, 8);
		ad_data(a, &d->attachments[i]->hash);
	}
}

uint64_t
doc_sealed_size(uint64_t size)
{
	return size + SEAL_MAC_BYTES * ((size + DOC_SEAL_PIECE - 1) /
	    DOC_SEAL_PIECE);
}

/* 1 if attachment c of the content fits clear attachment x. */
static int
seal_fits(const Nodenet__PayloadRef *c, const Nodenet__PayloadRef *x)
{
	const Nodenet__PayloadSeal	*s = c->sealed;

	return s != NULL && s->key.len == SEAL_KEY_BYTES &&
	    s->hash.len == STORE_ID_BYTES && s->size > 0 &&
	    s->size <= DOC_SEAL_MAX_ATTACHMENT &&
	    x->chunk_size == DOC_CHUNK_BYTES &&
	    x->size == doc_sealed_size(s->size) && c->n_chunks == 0;
}

/* Attachment c takes x's ciphertext (size, hash, chunks); x is freed. */
static void
take_chunks(Nodenet__PayloadRef *c, Nodenet__PayloadRef *x)
{
	ProtobufCBinaryData	 h = c->hash;

	c->size = x->size;
	c->chunk_size = x->chunk_size;
	c->hash = x->hash;
	x->hash = h;
	c->chunks = x->chunks;
	c->n_chunks = x->n_chunks;
	x->chunks = NULL;
	x->n_chunks = 0;
	nodenet__payload_ref__free_unpacked(x, NULL);
}

/* Moves content c into revision d, as if d were clear; frees c. */
static void
splice(Nodenet__DocRevision *d, Nodenet__DocContent *c)
{
	free(d->fields);
	d->fields = c->fields;
	d->n_fields = c->n_fields;
	c->fields = NULL;
	c->n_fields = 0;
	for (size_t i = 0; i < d->n_attachments; i++) {
		take_chunks(c->attachments[i], d->attachments[i]);
		d->attachments[i] = c->attachments[i];
		c->attachments[i] = NULL;
	}
	free(c->attachments);
	c->attachments = NULL;
	c->n_attachments = 0;
	d->signed_by = c->signed_by;
	c->signed_by = NULL;
	nodenet__doc_content__free_unpacked(c, NULL);
}

/* The content of plain (plen bytes) for d, checked, or NULL with why. */
static Nodenet__DocContent *
content(const Nodenet__DocRevision *d, const uint8_t *plain, size_t plen,
    char *why, size_t whylen)
{
	Nodenet__DocContent	*c;

	/* Its strings are shown and logged: held to what a record's are. */
	if (!wire_strings_valid(&nodenet__doc_content__descriptor, plain,
	    plen) || (c = nodenet__doc_content__unpack(NULL, plen,
	    plain)) == NULL) {
		snprintf(why, whylen, "it opens to no document content");
		return NULL;
	}
	if (c->n_attachments != d->n_attachments) {
		snprintf(why, whylen, "it opens to %zu attachments, and names "
		    "%zu", c->n_attachments, d->n_attachments);
		goto bad;
	}
	for (size_t i = 0; i < d->n_attachments; i++)
		if (!seal_fits(c->attachments[i], d->attachments[i])) {
			snprintf(why, whylen, "attachment %zu: its seal does "
			    "not fit its ciphertext", i);
			goto bad;
		}
	return c;
bad:
	nodenet__doc_content__free_unpacked(c, NULL);
	return NULL;
}

int
doc_sealed_open(const struct seal_keyring *kr, Nodenet__RecordBody *rb,
    int *key, char *why, size_t whylen)
{
	Nodenet__DocRevision	*d = rb->doc;
	Nodenet__DocContent	*c;
	struct seal_ad		 ad;
	uint8_t			*plain;
	size_t			 plen;
	char			 bad[160];
	int			 rc;

	if (rb->kind_case != NODENET__RECORD_BODY__KIND_DOC ||
	    d->sealed == NULL)
		return SEAL_ECLEAR;
	doc_sealed_ad(rb, &ad);
	rc = seal_unseal(kr, d->sealed, ad.buf, ad.len, &plain, &plen, key);
	seal_ad_free(&ad);
	if (rc != 0)
		return rc;
	c = content(d, plain, plen, bad, sizeof(bad));
	seal_plain_free(plain, plen);
	if (c == NULL) {
		snprintf(why, whylen, "%s", bad);
		return DOC_SEAL_EINVALID;
	}
	splice(d, c);
	if (!doc_content_valid(d, why, whylen))
		return DOC_SEAL_EINVALID;
	return 0;
}

uint8_t *
doc_sealed_attachment(const Nodenet__PayloadRef *a, const uint8_t *ct,
    char *err, size_t errlen)
{
	const Nodenet__PayloadSeal	*s = a->sealed;
	uint8_t				*buf = xmalloc(s->size);
	uint8_t				 hash[STORE_ID_BYTES];
	size_t				 off = 0, at = 0, n;

	for (uint64_t i = 0; off < s->size; i++) {
		n = s->size - off < DOC_SEAL_PIECE ? s->size - off :
		    DOC_SEAL_PIECE;
		if (seal_piece_open(s->key.data, i, ct + at, n + SEAL_MAC_BYTES,
		    buf + off) != 0) {
			snprintf(err, errlen, "attachment %s: piece %ju does "
			    "not open with its key", a->name, (uintmax_t)i);
			free(buf);
			return NULL;
		}
		off += n;
		at += n + SEAL_MAC_BYTES;
	}
	crypto_generichash(hash, sizeof(hash), buf, s->size, NULL, 0);
	if (sodium_memcmp(hash, s->hash.data, sizeof(hash)) != 0) {
		snprintf(err, errlen, "attachment %s does not match its hash",
		    a->name);
		free(buf);
		return NULL;
	}
	return buf;
}

const char *
doc_sealed_why(const Nodenet__DocRevision *d, int rc, char *buf, size_t len)
{
	char	why[400];

	if (rc == SEAL_ENOKEY)
		snprintf(buf, len, "sealed: this node is not among its "
		    "readers (sealed for %zu node key(s), none of them this "
		    "node's nor one it held before)", d->sealed != NULL ?
		    d->sealed->n_keys : 0);
	else if (rc == DOC_SEAL_EINVALID)
		snprintf(buf, len, "sealed, and opens here to no valid "
		    "content");
	else
		snprintf(buf, len, "sealed, and does not open here: %s",
		    seal_why_sealed(d->sealed, rc, why, sizeof(why)));
	return buf;
}
