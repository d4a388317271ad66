/*
 * doc_seal: sealing revisions written here, and checking those that
 * come sealed for this node (doc_seal.h).
 *
 * Whom for is asked as the revision is written: the certificates held
 * here (every node holds every certificate) of the nodes its readers
 * match, that hold now, inside the database's scope and at least READER
 * in the ACL in force; and this node, so that its writer reads back
 * what it wrote. A node enrolled later, or whose certificate had not
 * reached the writer, holds it sealed and cannot read it: the next
 * revision is sealed for it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "doc.h"
#include "doc_seal.h"
#include "doc_sealed.h"
#include "node.h"
#include "seal_keys.h"
#include "trust.h"
#include "xmem.h"

/* A reader's node may hold and read the database. */
static int
reads(const char *name, void *arg)
{
	const Nodenet__Acl	*acl = arg;

	return doc_scope_covers(acl->scope, name) &&
	    doc_acl_level(acl, name) >= DOC_READER;
}

/* The keys of the nodes pattern p matches, as reads() wants them. */
static int
add_pattern(struct node *n, store_txn_t *txn, struct seal_keys *g,
    const char *p, char *err, size_t errlen)
{
	const struct node_conf	*c = n->n_conf;

	if (doc_pattern_match(p, c->root_name) && reads(c->root_name, g->arg) &&
	    seal_keys_add(g, c->root_key) != 0) {
		snprintf(err, errlen, "cannot seal for %.64s: %s have more "
		    "than %d keys%s", p, g->who, SEAL_MAX_KEYS, g->advice);
		return -1;
	}
	if (strcmp(p, "*") == 0)
		return seal_keys_named(n, txn, g, p, "", 1, err, errlen);
	if (strncmp(p, "*.", 2) == 0)
		return seal_keys_named(n, txn, g, p, p + 2, 1, err, errlen);
	return seal_keys_named(n, txn, g, p, p, 0, err, errlen);
}

/* The keys revision d is sealed for, into g (seal_keys_free() it). */
static int
keys(struct node *n, store_txn_t *txn, const Nodenet__DocRevision *d,
    struct seal_keys *g, char *err, size_t errlen)
{
	struct doc_acl	acl;
	int		rc = 0;

	seal_keys_init(g, "its readers' nodes", "; name fewer readers");
	if (doc_acl_current(txn, d->db, &acl) != 0) {
		snprintf(err, errlen, "no database %s here", d->db);
		return -1;
	}
	g->want = reads;
	g->arg = (void *)(uintptr_t)acl.acl;
	(void)seal_keys_add(g, key_public(n->n_key));
	for (size_t i = 0; rc == 0 && i < d->n_readers; i++)
		rc = add_pattern(n, txn, g, d->readers[i], err, errlen) < 0 ?
		    -1 : 0;
	doc_acl_clear(&acl);
	return rc;
}

/*
 * The content of d as it is sealed: its fields, its attachments' names,
 * media types and seals (their chunks are in the clear ones) and its
 * signed_by, serialized into a new buffer (*len bytes).
 */
static uint8_t *
content_pack(const Nodenet__DocRevision *d, size_t *len)
{
	Nodenet__DocContent	 c = NODENET__DOC_CONTENT__INIT;
	Nodenet__PayloadRef	*in, **inp;
	uint8_t			*p;

	in = xcalloc(d->n_attachments + 1, sizeof(*in));
	inp = xcalloc(d->n_attachments + 1, sizeof(*inp));
	for (size_t i = 0; i < d->n_attachments; i++) {
		nodenet__payload_ref__init(&in[i]);
		in[i].name = d->attachments[i]->name;
		in[i].media_type = d->attachments[i]->media_type;
		in[i].sealed = d->attachments[i]->sealed;
		inp[i] = &in[i];
	}
	c.fields = d->fields;
	c.n_fields = d->n_fields;
	c.attachments = inp;
	c.n_attachments = d->n_attachments;
	c.signed_by = d->signed_by;
	*len = nodenet__doc_content__get_packed_size(&c);
	p = xmalloc(*len + 1);
	nodenet__doc_content__pack(&c, p);
	free(in);
	free(inp);
	return p;
}

/* The clear attachments of d: their ciphertext alone. */
static int
clear_atts(Nodenet__DocRevision *d, struct doc_seal_undo *u, char *err,
    size_t errlen)
{
	u->clear = xcalloc(d->n_attachments + 1, sizeof(*u->clear));
	u->clear_p = xcalloc(d->n_attachments + 1, sizeof(*u->clear_p));
	for (size_t i = 0; i < d->n_attachments; i++) {
		const Nodenet__PayloadRef	*a = d->attachments[i];

		if (a->sealed == NULL) {
			snprintf(err, errlen, "attachment %.64s was attached "
			    "clear: attach it again to seal it", a->name);
			return -1;
		}
		u->clear[i] = *a;
		u->clear[i].name = (char *)(uintptr_t)"";
		u->clear[i].media_type = (char *)(uintptr_t)"";
		u->clear[i].sealed = NULL;
		u->clear_p[i] = &u->clear[i];
	}
	return 0;
}

int
doc_seal(struct node *n, store_txn_t *txn, Nodenet__RecordBody *rb,
    struct doc_seal_undo *u, char *err, size_t errlen)
{
	Nodenet__DocRevision	*d = rb->doc;
	struct seal_keys	 g;
	struct seal_ad		 ad;
	uint8_t			*plain;
	size_t			 plen;
	int			 rc;

	memset(u, 0, sizeof(*u));
	u->fields = d->fields;
	u->n_fields = d->n_fields;
	u->atts = d->attachments;
	u->n_atts = d->n_attachments;
	u->signed_by = d->signed_by;
	rb->origin = n->n_conf->name;
	rb->origin_key.data = (uint8_t *)(uintptr_t)key_public(n->n_key);
	rb->origin_key.len = KEY_PUBLIC_BYTES;
	if (clear_atts(d, u, err, errlen) != 0)
		return -1;
	if (keys(n, txn, d, &g, err, errlen) != 0) {
		seal_keys_free(&g);
		return -1;
	}
	plain = content_pack(d, &plen);
	d->attachments = u->clear_p;
	d->fields = NULL;
	d->n_fields = 0;
	d->signed_by = NULL;
	doc_sealed_ad(rb, &ad);
	rc = seal_bytes(plain, plen, ad.buf, ad.len, g.keys, g.n,
	    n->n_sealer, &d->sealed);
	seal_plain_free(plain, plen);
	seal_ad_free(&ad);
	seal_keys_free(&g);
	if (rc != 0) {
		snprintf(err, errlen, "cannot seal it: %s", seal_strerror(rc));
		return -1;
	}
	return 0;
}

void
doc_seal_undo(Nodenet__RecordBody *rb, struct doc_seal_undo *u)
{
	Nodenet__DocRevision	*d = rb->doc;

	seal_free(&d->sealed);
	d->fields = u->fields;
	d->n_fields = u->n_fields;
	d->attachments = u->atts;
	d->n_attachments = u->n_atts;
	d->signed_by = u->signed_by;
	free(u->clear);
	free(u->clear_p);
	memset(u, 0, sizeof(*u));
}

int
doc_seal_check(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    char *why, size_t whylen)
{
	Nodenet__RecordBody	*rb;
	char			 bad[300];
	int			 key, rc;

	if (wr->rb->kind_case != NODENET__RECORD_BODY__KIND_DOC ||
	    seal_hinted(&n->n_keyring, wr->rb->doc->sealed) < 0)
		return 0;
	/* A copy to open: wr stays as it travelled, to be stored so. */
	if ((rb = nodenet__record_body__unpack(NULL, wr->body_len,
	    wr->body)) == NULL) {
		snprintf(why, whylen, "sealed revision: out of memory");
		return -1;
	}
	bad[0] = '\0';
	if ((rc = doc_sealed_open(&n->n_keyring, rb, &key, bad,
	    sizeof(bad))) != 0) {
		if (rc != DOC_SEAL_EINVALID)
			doc_sealed_why(rb->doc, rc, bad, sizeof(bad));
		snprintf(why, whylen, "sealed revision refused by its reader "
		    "%s: %s", n->n_conf->name, bad);
	} else if (trust_person(n, txn, rb, clock_wall_ms(), bad,
	    sizeof(bad)) != 0) {
		snprintf(why, whylen, "sealed revision: %s", bad);
		rc = -1;
	}
	nodenet__record_body__free_unpacked(rb, NULL);
	return rc == 0 ? 0 : -1;
}
