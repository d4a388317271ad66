/*
 * test_doc_sealed: sealed revisions (node/view/doc_sealed.c, and
 * wire.c's bounds on them; proto/README.md, "Sealed documents").
 *
 * What must hold: a revision sealed for a reader's key opens there
 * into the revision as it would be clear, fields, attachment names and
 * official's signature back in place, and with no other key; its
 * record holds none of its content; a change of its clear part (its
 * readers, its parents), even signed again, makes it not open; content
 * that does not fit its clear part (another count of attachments) opens
 * to DOC_SEAL_EINVALID; a sealed attachment's pieces open back into
 * its bytes, and a changed byte of its ciphertext does not; a sealed
 * revision or chunk is of version 5, and one with content beside its
 * seal, or without readers, is out of bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "doc.h"
#include "doc_sealed.h"
#include "key.h"
#include "seal.h"
#include "wire.h"

#define SECRET		"bao cao mat SECRET-MARKER"
#define ATT_NAME	"phuluc-NAME-MARKER.txt"
#define ATT_BYTES	150000	/* three pieces */

struct fix {
	key_pair_t	*origin;
	key_pair_t	*reader;
	key_pair_t	*stranger;
	struct seal_to	 to;
	uint8_t		*att;		/* ATT_BYTES of plaintext */
	uint8_t		*ct;		/* its ciphertext */
	size_t		 ctlen;
};

/* A revision with one field and one attachment, and what it points to. */
struct rev {
	Nodenet__RecordBody	 rb;
	Nodenet__DocRevision	 d;
	Nodenet__Field		 f, *fp[1];
	Nodenet__PayloadRef	 clear, *clearp[1];	/* the ciphertext's */
	Nodenet__PayloadRef	 in, *inp[1];		/* in the content */
	Nodenet__PayloadSeal	 ps;
	ProtobufCBinaryData	 chunks[3];
	uint8_t			 hashes[3][STORE_ID_BYTES];
	uint8_t			 cthash[STORE_ID_BYTES];
	uint8_t			 plainhash[STORE_ID_BYTES];
	uint8_t			 key[SEAL_KEY_BYTES];
	uint8_t			 doc[STORE_DOC_ID_BYTES];
	uint8_t			 parent[STORE_ID_BYTES];
	ProtobufCBinaryData	 parents[1];
	char			*readers[1];
	uint8_t			*buf;	/* the SignedRecord, once made */
	size_t			 len;
};

static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));

	if (f == NULL || sodium_init() == -1)
		return -1;
	f->origin = key_generate();
	f->reader = key_generate();
	f->stranger = key_generate();
	memcpy(f->to.ed, key_public(f->reader), KEY_PUBLIC_BYTES);
	if (key_curve_public(f->to.ed, f->to.curve) != 0)
		return -1;
	f->att = malloc(ATT_BYTES);
	randombytes_buf(f->att, ATT_BYTES);
	memcpy(f->att, ATT_NAME, strlen(ATT_NAME));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	key_free(&f->origin);
	key_free(&f->reader);
	key_free(&f->stranger);
	free(f->att);
	free(f->ct);
	free(f);
	return 0;
}

/* Seals f's attachment under r's key into f->ct, as attach.c does. */
static void
seal_att(struct fix *f, struct rev *r)
{
	size_t	off, n, i;

	randombytes_buf(r->key, sizeof(r->key));
	f->ctlen = doc_sealed_size(ATT_BYTES);
	free(f->ct);
	f->ct = malloc(f->ctlen);
	for (off = 0, i = 0; off < ATT_BYTES; off += n, i++) {
		n = ATT_BYTES - off < DOC_SEAL_PIECE ? ATT_BYTES - off :
		    DOC_SEAL_PIECE;
		seal_piece(r->key, i, f->att + off, n,
		    f->ct + i * DOC_CHUNK_BYTES);
	}
	for (i = 0; i * DOC_CHUNK_BYTES < f->ctlen; i++) {
		n = f->ctlen - i * DOC_CHUNK_BYTES < DOC_CHUNK_BYTES ?
		    f->ctlen - i * DOC_CHUNK_BYTES : DOC_CHUNK_BYTES;
		crypto_generichash(r->hashes[i], STORE_ID_BYTES,
		    f->ct + i * DOC_CHUNK_BYTES, n, NULL, 0);
		r->chunks[i].data = r->hashes[i];
		r->chunks[i].len = STORE_ID_BYTES;
	}
	assert_int_equal(i, 3);
	crypto_generichash(r->cthash, STORE_ID_BYTES, f->ct, f->ctlen, NULL,
	    0);
	crypto_generichash(r->plainhash, STORE_ID_BYTES, f->att, ATT_BYTES,
	    NULL, 0);
}

static void
rev_init(struct fix *f, struct rev *r)
{
	memset(r, 0, sizeof(*r));
	nodenet__record_body__init(&r->rb);
	nodenet__doc_revision__init(&r->d);
	nodenet__field__init(&r->f);
	nodenet__payload_ref__init(&r->clear);
	nodenet__payload_ref__init(&r->in);
	nodenet__payload_seal__init(&r->ps);
	seal_att(f, r);
	r->f.name = (char *)(uintptr_t)"noidung";
	r->f.value_case = NODENET__FIELD__VALUE_TEXT;
	r->f.text = (char *)(uintptr_t)SECRET;
	r->fp[0] = &r->f;
	r->clear.name = (char *)(uintptr_t)"";
	r->clear.media_type = (char *)(uintptr_t)"";
	r->clear.size = f->ctlen;
	r->clear.hash.data = r->cthash;
	r->clear.hash.len = STORE_ID_BYTES;
	r->clear.chunk_size = DOC_CHUNK_BYTES;
	r->clear.chunks = r->chunks;
	r->clear.n_chunks = 3;
	r->clearp[0] = &r->clear;
	r->ps.key.data = r->key;
	r->ps.key.len = sizeof(r->key);
	r->ps.size = ATT_BYTES;
	r->ps.hash.data = r->plainhash;
	r->ps.hash.len = STORE_ID_BYTES;
	r->in.name = (char *)(uintptr_t)ATT_NAME;
	r->in.media_type = (char *)(uintptr_t)"text/plain";
	r->in.sealed = &r->ps;
	r->inp[0] = &r->in;
	doc_id_new(key_public(f->origin), r->doc);
	randombytes_buf(r->parent, sizeof(r->parent));
	r->parents[0].data = r->parent;
	r->parents[0].len = sizeof(r->parent);
	r->readers[0] = (char *)(uintptr_t)"hagiang";
	r->d.db = (char *)(uintptr_t)"baocao";
	r->d.doc_id.data = r->doc;
	r->d.doc_id.len = sizeof(r->doc);
	r->d.parents = r->parents;
	r->d.n_parents = 1;
	r->d.readers = r->readers;
	r->d.n_readers = 1;
	r->d.attachments = r->clearp;
	r->d.n_attachments = 1;
	r->rb.origin = (char *)(uintptr_t)"tanthanh.bacquang.hagiang";
	r->rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(f->origin);
	r->rb.origin_key.len = KEY_PUBLIC_BYTES;
	r->rb.origin_seq = 3;
	r->rb.created_ms = 1700000000000;
	r->rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
	r->rb.doc = &r->d;
}

/* Seals r's content (n_in of its attachments) for f's reader. */
static void
seal_rev(struct fix *f, struct rev *r, size_t n_in)
{
	Nodenet__DocContent	 c = NODENET__DOC_CONTENT__INIT;
	struct seal_ad		 ad;
	uint8_t			*plain;
	size_t			 plen;

	c.fields = r->fp;
	c.n_fields = 1;
	c.attachments = r->inp;
	c.n_attachments = n_in;
	plen = nodenet__doc_content__get_packed_size(&c);
	plain = malloc(plen + 1);
	nodenet__doc_content__pack(&c, plain);
	doc_sealed_ad(&r->rb, &ad);
	assert_int_equal(seal_bytes(plain, plen, ad.buf, ad.len, &f->to, 1,
	    NULL, &r->d.sealed), 0);
	seal_ad_free(&ad);
	free(plain);
}

static void
sign(struct fix *f, struct rev *r)
{
	uint8_t	id[WIRE_ID_BYTES];

	free(r->buf);
	assert_int_equal(wire_record_make(f->origin, &r->rb, &r->buf, &r->len,
	    id), 0);
}

static void
rev_free(struct rev *r)
{
	seal_free(&r->d.sealed);
	free(r->buf);
	r->buf = NULL;
}

/* Opens r's record with key kp: doc_sealed_open()'s code; *out the
 * opened record if 0 (wire_record_clear() it). */
static int
open_as(struct rev *r, key_pair_t *kp, struct wire_record *out)
{
	struct seal_keyring	ring = { .current = kp };
	char			why[200];
	int			key, rc;

	assert_int_equal(wire_record_open(r->buf, r->len, out), 0);
	rc = doc_sealed_open(&ring, out->rb, &key, why, sizeof(why));
	if (rc != 0)
		wire_record_clear(out);
	return rc;
}

/* Signs r as it is now: what opening it with f's reader key gives.
 * Frees it. */
static int
opened(struct fix *f, struct rev *r)
{
	struct wire_record	wr;
	int			rc;

	sign(f, r);
	if ((rc = open_as(r, f->reader, &wr)) == 0)
		wire_record_clear(&wr);
	rev_free(r);
	return rc;
}

static void
test_round_trip(void **state)
{
	struct fix		*f = *state;
	struct rev		 r;
	struct wire_record	 wr;
	const Nodenet__DocRevision *d;
	uint8_t			*plain;
	char			 err[200];

	rev_init(f, &r);
	seal_rev(f, &r, 1);
	sign(f, &r);
	/* The record holds nothing of its content. */
	assert_null(memmem(r.buf, r.len, "SECRET-MARKER", 13));
	assert_null(memmem(r.buf, r.len, "NAME-MARKER", 11));
	assert_null(memmem(r.buf, r.len, "noidung", 7));
	assert_int_equal(open_as(&r, f->reader, &wr), 0);
	d = wr.rb->doc;
	assert_int_equal(d->n_fields, 1);
	assert_string_equal(d->fields[0]->name, "noidung");
	assert_string_equal(d->fields[0]->text, SECRET);
	assert_int_equal(d->n_attachments, 1);
	assert_string_equal(d->attachments[0]->name, ATT_NAME);
	/* The ciphertext's chunks, and the plaintext's own size. */
	assert_int_equal(d->attachments[0]->n_chunks, 3);
	assert_int_equal(d->attachments[0]->size, f->ctlen);
	assert_int_equal(d->attachments[0]->sealed->size, ATT_BYTES);
	assert_non_null(plain = doc_sealed_attachment(d->attachments[0],
	    f->ct, err, sizeof(err)));
	assert_memory_equal(plain, f->att, ATT_BYTES);
	free(plain);
	/* A changed byte of a piece does not open. */
	f->ct[DOC_CHUNK_BYTES + 5] ^= 1;
	assert_null(doc_sealed_attachment(d->attachments[0], f->ct, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "piece 1 does not open"));
	wire_record_clear(&wr);
	assert_int_equal(open_as(&r, f->stranger, &wr), SEAL_ENOKEY);
	rev_free(&r);
}

static void
test_clear_part_bound(void **state)
{
	struct fix		*f = *state;
	struct rev		 r;

	/* Other readers, signed again: the content does not open. */
	rev_init(f, &r);
	seal_rev(f, &r, 1);
	r.readers[0] = (char *)(uintptr_t)"*.hagiang";
	assert_int_equal(opened(f, &r), SEAL_EOPEN);
	/* Another parent: neither. */
	rev_init(f, &r);
	seal_rev(f, &r, 1);
	r.parent[0] ^= 1;
	assert_int_equal(opened(f, &r), SEAL_EOPEN);
	/* Untouched, it does. */
	rev_init(f, &r);
	seal_rev(f, &r, 1);
	assert_int_equal(opened(f, &r), 0);
}

static void
test_content_fits(void **state)
{
	struct fix		*f = *state;
	struct rev		 r;

	/* The content names no attachment, the clear part one. */
	rev_init(f, &r);
	seal_rev(f, &r, 0);
	assert_int_equal(opened(f, &r), DOC_SEAL_EINVALID);
	/* A plaintext size its ciphertext cannot hold. */
	rev_init(f, &r);
	r.ps.size = ATT_BYTES - 1;
	seal_rev(f, &r, 1);
	assert_int_equal(opened(f, &r), DOC_SEAL_EINVALID);
	/* A field of no value: invalid as it would be clear. */
	rev_init(f, &r);
	r.f.value_case = NODENET__FIELD__VALUE__NOT_SET;
	seal_rev(f, &r, 1);
	assert_int_equal(opened(f, &r), DOC_SEAL_EINVALID);
}

static void
test_bounds(void **state)
{
	struct fix		*f = *state;
	struct rev		 r;
	Nodenet__RecordBody	 cb = NODENET__RECORD_BODY__INIT;
	Nodenet__Chunk		 c = NODENET__CHUNK__INIT;
	uint8_t			 id[WIRE_ID_BYTES], *buf;
	size_t			 len;

	rev_init(f, &r);
	seal_rev(f, &r, 1);
	assert_int_equal(wire_record_version(&r.rb), WIRE_SEALDOC_VERSION);
	assert_int_equal(wire_doc_check(&r.rb), 0);
	/* A field beside the seal. */
	r.d.fields = r.fp;
	r.d.n_fields = 1;
	assert_int_equal(wire_record_make(f->origin, &r.rb, &buf, &len, id),
	    WIRE_ESEALDOC);
	r.d.n_fields = 0;
	/* A named attachment. */
	r.clear.name = (char *)(uintptr_t)ATT_NAME;
	assert_int_equal(wire_doc_check(&r.rb), WIRE_ESEALDOC);
	r.clear.name = (char *)(uintptr_t)"";
	/* No readers. */
	r.d.n_readers = 0;
	assert_int_equal(wire_doc_check(&r.rb), WIRE_ESEALDOC);
	r.d.n_readers = 1;
	/* A seal's nonce of the wrong size. */
	r.d.sealed->nonce.len--;
	assert_int_equal(wire_doc_check(&r.rb), WIRE_ESEALDOC);
	r.d.sealed->nonce.len++;
	assert_int_equal(wire_doc_check(&r.rb), 0);
	/* Clear, with readers: as before. */
	seal_free(&r.d.sealed);
	assert_int_equal(wire_record_version(&r.rb), 1);
	rev_free(&r);
	/* A sealed chunk is of version 5, a clear one of 1. */
	cb.kind_case = NODENET__RECORD_BODY__KIND_CHUNK;
	cb.chunk = &c;
	assert_int_equal(wire_record_version(&cb), 1);
	c.sealed = 1;
	assert_int_equal(wire_record_version(&cb), WIRE_SEALDOC_VERSION);
}

static void
test_readers_sealed(void **state)
{
	char	*some[] = { (char *)(uintptr_t)"hagiang",
	    (char *)(uintptr_t)"*.bacquang.hagiang" };
	char	*all[] = { (char *)(uintptr_t)"hagiang",
	    (char *)(uintptr_t)"*" };

	(void)state;
	assert_true(doc_readers_sealed(some, 2));
	assert_false(doc_readers_sealed(all, 2));
	assert_false(doc_readers_sealed(some, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_clear_part_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_content_fits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test(test_readers_sealed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
