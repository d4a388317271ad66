/*
 * test_wire: signed records (node/lib/wire.c).
 *
 * What must hold: a record made by wire_record_make opens to what was put
 * in; any changed bit, a body naming another key, a field out of bounds
 * or any buffer that is not a record is refused with a code and never
 * crashes; the id is BLAKE2b-256 of the body bytes and depends on nothing
 * else. tests/vectors/record.exp pins the encoding, the id and the key of
 * one record made from a fixed seed (RFC 8032's first test key), so that
 * a change of encoding cannot pass unnoticed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "key.h"
#include "wire.h"

#define VECTORS_FILE	"record.exp"
#define PREFIX_LEN	sizeof(WIRE_SIGN_PREFIX)	/* with its NUL */

/* RFC 8032, 7.1, TEST 1: the secret seed and the public key it gives. */
#define GOLDEN_SEED \
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define GOLDEN_PUBLIC \
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define GOLDEN_CREATED	UINT64_C(1700000000000)

#define RANDOM_SEED	UINT64_C(0x6e6f64656e657431)	/* "nodenet1" */

struct keys {
	key_pair_t	*kp;		/* signs most records */
	key_pair_t	*other;		/* another node's key */
};

/* A mail body with storage for all it points to. */
struct mail {
	Nodenet__RecordBody	rb;
	Nodenet__MailMessage	mm;
	char			 origin[64];
	char			 from[64];
	char			 to0[64], to1[64];
	char			*to[2];
	char			 subject[64];
	uint8_t			 text[64];
};

static int
group_setup(void **state)
{
	struct keys	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	k->kp = key_generate();
	k->other = key_generate();
	if (k->kp == NULL || k->other == NULL)
		return -1;
	*state = k;
	return 0;
}

static int
group_teardown(void **state)
{
	struct keys	*k = *state;

	key_free(&k->kp);
	key_free(&k->other);
	free(k);
	return 0;
}

static void
mail_init(struct mail *m, uint64_t seq)
{
	static const char text[] = "Xin chao, ban co khoe khong?";

	memset(m, 0, sizeof(*m));
	nodenet__record_body__init(&m->rb);
	nodenet__mail_message__init(&m->mm);
	snprintf(m->origin, sizeof(m->origin), "tanthanh.bacquang.hagiang");
	snprintf(m->from, sizeof(m->from), "an@tanthanh.bacquang.hagiang");
	snprintf(m->to0, sizeof(m->to0), "binh@bacquang.hagiang");
	snprintf(m->to1, sizeof(m->to1), "chi@hagiang");
	snprintf(m->subject, sizeof(m->subject), "hop ngay mai");
	memcpy(m->text, text, sizeof(text) - 1);

	m->to[0] = m->to0;
	m->to[1] = m->to1;
	m->mm.from = m->from;
	m->mm.n_to = 2;
	m->mm.to = m->to;
	m->mm.subject = m->subject;
	m->mm.text.data = m->text;
	m->mm.text.len = sizeof(text) - 1;
	m->mm.priority = NODENET__PRIORITY__PRIORITY_URGENT;

	m->rb.origin = m->origin;
	m->rb.origin_seq = seq;
	m->rb.created_ms = GOLDEN_CREATED + seq;
	m->rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	m->rb.mail = &m->mm;
}

/* Makes a mail record; *buf is free()d by the caller. */
static void
make_mail(const key_pair_t *kp, uint64_t seq, uint8_t **buf, size_t *len,
    uint8_t id[WIRE_ID_BYTES])
{
	struct mail	m;

	mail_init(&m, seq);
	assert_int_equal(wire_record_make(kp, &m.rb, buf, len, id), 0);
	assert_non_null(*buf);
}

/* Signs body bytes the way the origin does: prefix, NUL, id. */
static void
sign_body(const key_pair_t *kp, const uint8_t *body, size_t len,
    uint8_t sig[KEY_SIGNATURE_BYTES])
{
	uint8_t	msg[PREFIX_LEN + WIRE_ID_BYTES];

	memcpy(msg, WIRE_SIGN_PREFIX, PREFIX_LEN);
	crypto_generichash(msg + PREFIX_LEN, WIRE_ID_BYTES, body, len, NULL, 0);
	key_sign(kp, msg, sizeof(msg), sig);
}

/* Serializes a SignedRecord around body and sig; free() the result. */
static uint8_t *
pack_signed(const uint8_t *body, size_t body_len, const uint8_t *sig,
    size_t sig_len, size_t *len)
{
	Nodenet__SignedRecord	 sr = NODENET__SIGNED_RECORD__INIT;
	uint8_t			*buf;

	sr.body.data = (uint8_t *)(uintptr_t)body;
	sr.body.len = body_len;
	sr.signature.data = (uint8_t *)(uintptr_t)sig;
	sr.signature.len = sig_len;
	*len = nodenet__signed_record__get_packed_size(&sr);
	buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(nodenet__signed_record__pack(&sr, buf), *len);
	return buf;
}

/* Serializes rb as it is (origin_key untouched); free() the result. */
static uint8_t *
pack_body(const Nodenet__RecordBody *rb, size_t *len)
{
	uint8_t	*body;

	*len = nodenet__record_body__get_packed_size(rb);
	body = malloc(*len == 0 ? 1 : *len);
	assert_non_null(body);
	assert_int_equal(nodenet__record_body__pack(rb, body), *len);
	return body;
}

static void
assert_empty(const struct wire_record *out)
{
	assert_null(out->rb);
	assert_null(out->sr);
	assert_null(out->body);
	assert_null(out->sig);
	assert_int_equal(out->body_len, 0);
}

/* wire_record_open, and on failure a check that out was left empty. */
static int
open_rc(const uint8_t *buf, size_t len)
{
	struct wire_record	out;
	int			rc;

	rc = wire_record_open(buf, len, &out);
	if (rc != 0)
		assert_empty(&out);
	wire_record_clear(&out);
	return rc;
}

/*
 * Packs rb as it stands, signs it correctly with kp, and returns what
 * both wire_record_check and wire_record_open make of it (they must
 * agree), so that only the fields of rb can be at fault.
 */
static int
signed_body_rc(const key_pair_t *kp, const Nodenet__RecordBody *rb)
{
	struct wire_record	 out;
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			*body, *buf;
	size_t			 body_len, len;
	int			 rc, rc_open;

	body = pack_body(rb, &body_len);
	sign_body(kp, body, body_len, sig);
	rc = wire_record_check(body, body_len, sig, &out);
	if (rc != 0)
		assert_empty(&out);
	wire_record_clear(&out);
	buf = pack_signed(body, body_len, sig, sizeof(sig), &len);
	rc_open = open_rc(buf, len);
	assert_int_equal(rc, rc_open);
	free(buf);
	free(body);
	return rc;
}

/* Where the body and the signature sit inside a serialized record. */
static void
locate(const uint8_t *buf, size_t len, size_t *body_at, size_t *body_len,
    size_t *sig_at)
{
	struct wire_record	 out;
	const uint8_t		*p;

	assert_int_equal(wire_record_open(buf, len, &out), 0);
	p = memmem(buf, len, out.body, out.body_len);
	assert_non_null(p);
	*body_at = (size_t)(p - buf);
	*body_len = out.body_len;
	p = memmem(buf, len, out.sig, KEY_SIGNATURE_BYTES);
	assert_non_null(p);
	*sig_at = (size_t)(p - buf);
	wire_record_clear(&out);
	/* Apart, and inside the buffer. */
	assert_true(*body_at + *body_len <= len);
	assert_true(*sig_at + KEY_SIGNATURE_BYTES <= len);
	assert_true(*body_at + *body_len <= *sig_at ||
	    *sig_at + KEY_SIGNATURE_BYTES <= *body_at);
}

/* xorshift64*: a fixed-seed generator, so that failures replay. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void
to_hex(const uint8_t *bin, size_t len, char **hex)
{
	*hex = malloc(2 * len + 1);
	assert_non_null(*hex);
	sodium_bin2hex(*hex, 2 * len + 1, bin, len);
}

static void
test_round_trip(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 out;
	struct mail		 m;
	uint8_t			 id[WIRE_ID_BYTES], hash[WIRE_ID_BYTES];
	uint8_t			 msg[PREFIX_LEN + WIRE_ID_BYTES];
	uint8_t			*buf;
	size_t			 len;

	mail_init(&m, 1);
	assert_int_equal(wire_record_make(k->kp, &m.rb, &buf, &len, id), 0);
	/* make fills in the origin key and nothing else. */
	assert_int_equal(m.rb.origin_key.len, KEY_PUBLIC_BYTES);
	assert_memory_equal(m.rb.origin_key.data, key_public(k->kp),
	    KEY_PUBLIC_BYTES);
	assert_true(len <= WIRE_MAX_RECORD);

	assert_int_equal(wire_record_open(buf, len, &out), 0);
	assert_non_null(out.rb);
	assert_non_null(out.sr);
	assert_string_equal(out.rb->origin, "tanthanh.bacquang.hagiang");
	assert_int_equal(out.rb->origin_seq, 1);
	assert_int_equal(out.rb->created_ms, GOLDEN_CREATED + 1);
	assert_int_equal(out.rb->origin_key.len, KEY_PUBLIC_BYTES);
	assert_memory_equal(out.rb->origin_key.data, key_public(k->kp),
	    KEY_PUBLIC_BYTES);
	assert_int_equal(out.rb->kind_case, NODENET__RECORD_BODY__KIND_MAIL);
	assert_non_null(out.rb->mail);
	assert_string_equal(out.rb->mail->from, m.from);
	assert_int_equal(out.rb->mail->n_to, 2);
	assert_string_equal(out.rb->mail->to[0], m.to0);
	assert_string_equal(out.rb->mail->to[1], m.to1);
	assert_string_equal(out.rb->mail->subject, m.subject);
	assert_int_equal(out.rb->mail->text.len, m.mm.text.len);
	assert_memory_equal(out.rb->mail->text.data, m.text, m.mm.text.len);
	assert_int_equal(out.rb->mail->priority,
	    NODENET__PRIORITY__PRIORITY_URGENT);
	assert_false(out.rb->mail->want_receipt);
	assert_int_equal(out.rb->mail->n_attachments, 0);

	/* The id is the one make gave, and BLAKE2b-256 of the body. */
	assert_memory_equal(out.id, id, WIRE_ID_BYTES);
	assert_non_null(out.body);
	crypto_generichash(hash, sizeof(hash), out.body, out.body_len,
	    NULL, 0);
	assert_memory_equal(out.id, hash, WIRE_ID_BYTES);
	wire_record_id(out.body, out.body_len, hash);
	assert_memory_equal(out.id, hash, WIRE_ID_BYTES);

	/* The signature is over the prefix, its NUL and the id. */
	memcpy(msg, "nodenet-record-v1", 18);
	memcpy(msg + 18, id, WIRE_ID_BYTES);
	assert_int_equal(PREFIX_LEN, 18);
	assert_int_equal(msg[17], '\0');
	assert_non_null(out.sig);
	assert_int_equal(key_verify(key_public(k->kp), msg, sizeof(msg),
	    out.sig), 0);

	wire_record_clear(&out);
	assert_empty(&out);
	wire_record_clear(&out);	/* twice is fine */
	free(buf);
}

static void
test_other_kinds(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 out;
	Nodenet__RecordBody	 rb;
	Nodenet__Certificate	 cert;
	Nodenet__NodeStatus	 st;
	Nodenet__DocRevision	 doc;
	Nodenet__Report		 rep;
	uint8_t			 id[WIRE_ID_BYTES], doc_id[16];
	uint8_t			*buf;
	size_t			 len;
	char			 origin[] = "bacquang.hagiang";
	char			 subject[] = "tanthanh.bacquang.hagiang";
	char			 version[] = "0.1";
	char			 db[] = "danhba";
	char			 recipient[] = "binh@bacquang.hagiang";

	/*
	 * The _init functions, not the INIT macros: those cast away the
	 * const of protobuf_c_empty_string, which clang's -Wcast-qual sees.
	 */
	nodenet__certificate__init(&cert);
	nodenet__node_status__init(&st);
	nodenet__doc_revision__init(&doc);
	nodenet__report__init(&rep);
	memset(doc_id, 7, sizeof(doc_id));
	cert.subject = subject;
	cert.subject_key.data = (uint8_t *)(uintptr_t)key_public(k->other);
	cert.subject_key.len = KEY_PUBLIC_BYTES;
	cert.not_after_ms = UINT64_MAX;
	st.version = version;
	st.uptime_s = 3600;
	doc.db = db;
	doc.doc_id.data = doc_id;
	doc.doc_id.len = sizeof(doc_id);
	rep.kind = NODENET__REPORT__KIND__FAILED;
	rep.reason = NODENET__REPORT__REASON__EXPIRED;
	rep.recipient = recipient;
	rep.message_id.data = doc_id;
	rep.message_id.len = sizeof(doc_id);

	for (int i = 0; i < 4; i++) {
		nodenet__record_body__init(&rb);
		rb.origin = origin;
		rb.origin_seq = (uint64_t)i + 1;
		switch (i) {
		case 0:
			rb.kind_case = NODENET__RECORD_BODY__KIND_CERT;
			rb.cert = &cert;
			break;
		case 1:
			rb.kind_case = NODENET__RECORD_BODY__KIND_STATUS;
			rb.status = &st;
			break;
		case 2:
			rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
			rb.doc = &doc;
			break;
		default:
			rb.kind_case = NODENET__RECORD_BODY__KIND_REPORT;
			rb.report = &rep;
			break;
		}
		assert_int_equal(wire_record_make(k->kp, &rb, &buf, &len, id),
		    0);
		assert_int_equal(wire_record_open(buf, len, &out), 0);
		assert_int_equal(out.rb->kind_case, rb.kind_case);
		assert_int_equal(out.rb->origin_seq, (uint64_t)i + 1);
		assert_memory_equal(out.id, id, WIRE_ID_BYTES);
		wire_record_clear(&out);
		free(buf);
	}
}

/*
 * What a flipped bit of a body may bring: the signature no longer
 * verifies, or a check before it refuses the body (a flipped origin or
 * address no longer matches the mail's sender, or is no address).
 */
static int
body_flip_rc(int rc)
{
	return rc == WIRE_ESIG || rc == WIRE_EDECODE || rc == WIRE_EFIELD ||
	    rc == WIRE_EKIND || rc == WIRE_EFROM || rc == WIRE_ERCPT;
}

static void
test_bit_flips(void **state)
{
	struct keys		*k = *state;
	uint8_t			 id[WIRE_ID_BYTES];
	uint8_t			*buf;
	size_t			 len, body_at, body_len, sig_at;
	int			 rc;

	make_mail(k->kp, 1, &buf, &len, id);
	locate(buf, len, &body_at, &body_len, &sig_at);
	assert_int_equal(open_rc(buf, len), 0);

	/* Every bit of every byte: the framing, the body, the signature. */
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			rc = open_rc(buf, len);
			if (rc == 0)
				fail_msg("record with byte %zu bit %d flipped "
				    "opened", i, b);
			if (i >= sig_at && i < sig_at + KEY_SIGNATURE_BYTES &&
			    rc != WIRE_ESIG)
				fail_msg("sig byte %zu bit %d: rc %d, want "
				    "WIRE_ESIG", i, b, rc);
			if (i >= body_at && i < body_at + body_len &&
			    !body_flip_rc(rc))
				fail_msg("body byte %zu bit %d: rc %d", i, b,
				    rc);
			buf[i] ^= (uint8_t)(1u << b);
		}
	assert_int_equal(open_rc(buf, len), 0);
	free(buf);
}

static void
test_bit_flips_check(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 rec, out;
	uint8_t			 id[WIRE_ID_BYTES];
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			*buf, *body;
	size_t			 len, body_len;
	int			 rc;

	make_mail(k->kp, 2, &buf, &len, id);
	assert_int_equal(wire_record_open(buf, len, &rec), 0);
	body_len = rec.body_len;
	body = malloc(body_len);
	assert_non_null(body);
	memcpy(body, rec.body, body_len);
	memcpy(sig, rec.sig, sizeof(sig));
	wire_record_clear(&rec);

	assert_int_equal(wire_record_check(body, body_len, sig, &out), 0);
	assert_memory_equal(out.id, id, WIRE_ID_BYTES);
	assert_ptr_equal(out.body, body);
	assert_ptr_equal(out.sig, sig);
	assert_null(out.sr);
	wire_record_clear(&out);

	for (size_t i = 0; i < body_len; i++)
		for (int b = 0; b < 8; b++) {
			body[i] ^= (uint8_t)(1u << b);
			rc = wire_record_check(body, body_len, sig, &out);
			if (!body_flip_rc(rc))
				fail_msg("body byte %zu bit %d: rc %d", i, b,
				    rc);
			assert_empty(&out);
			body[i] ^= (uint8_t)(1u << b);
		}
	for (size_t i = 0; i < sizeof(sig); i++)
		for (int b = 0; b < 8; b++) {
			sig[i] ^= (uint8_t)(1u << b);
			rc = wire_record_check(body, body_len, sig, &out);
			if (rc != WIRE_ESIG)
				fail_msg("sig byte %zu bit %d: rc %d", i, b,
				    rc);
			assert_empty(&out);
			sig[i] ^= (uint8_t)(1u << b);
		}
	/* A body cut short, or with a byte added, is another body. */
	assert_int_not_equal(wire_record_check(body, body_len - 1, sig, &out),
	    0);
	assert_int_equal(wire_record_check(body, 0, sig, &out), WIRE_EFIELD);
	assert_int_equal(wire_record_check(body, body_len, sig, &out), 0);
	wire_record_clear(&out);
	free(body);
	free(buf);
}

static void
test_wrong_key(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 rec, out;
	Nodenet__RecordBody	*rb;
	uint8_t			 id[WIRE_ID_BYTES];
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			 sig2[KEY_SIGNATURE_BYTES];
	uint8_t			*buf, *body, *wire;
	size_t			 len, body_len, wire_len;

	make_mail(k->kp, 3, &buf, &len, id);
	assert_int_equal(wire_record_open(buf, len, &rec), 0);
	memcpy(sig, rec.sig, sizeof(sig));

	/* The same body naming another key, with the original signature. */
	rb = nodenet__record_body__unpack(NULL, rec.body_len, rec.body);
	assert_non_null(rb);
	assert_int_equal(rb->origin_key.len, KEY_PUBLIC_BYTES);
	memcpy(rb->origin_key.data, key_public(k->other), KEY_PUBLIC_BYTES);
	body = pack_body(rb, &body_len);
	assert_int_equal(body_len, rec.body_len);
	assert_int_equal(wire_record_check(body, body_len, sig, &out),
	    WIRE_ESIG);
	assert_empty(&out);
	wire = pack_signed(body, body_len, sig, sizeof(sig), &wire_len);
	assert_int_equal(open_rc(wire, wire_len), WIRE_ESIG);
	free(wire);

	/* Signed correctly over the new body, but by the wrong key. */
	sign_body(k->kp, body, body_len, sig2);
	assert_int_equal(wire_record_check(body, body_len, sig2, &out),
	    WIRE_ESIG);
	assert_empty(&out);
	/* ...and by the key it names, it is fine. */
	sign_body(k->other, body, body_len, sig2);
	assert_int_equal(wire_record_check(body, body_len, sig2, &out), 0);
	assert_memory_equal(out.rb->origin_key.data, key_public(k->other),
	    KEY_PUBLIC_BYTES);
	wire_record_clear(&out);
	free(body);

	/* A key that is not a point on the curve, or is all zero. */
	memset(rb->origin_key.data, 0, KEY_PUBLIC_BYTES);
	body = pack_body(rb, &body_len);
	assert_int_equal(wire_record_check(body, body_len, sig, &out),
	    WIRE_ESIG);
	free(body);
	memset(rb->origin_key.data, 0xff, KEY_PUBLIC_BYTES);
	body = pack_body(rb, &body_len);
	assert_int_equal(wire_record_check(body, body_len, sig, &out),
	    WIRE_ESIG);
	free(body);

	nodenet__record_body__free_unpacked(rb, NULL);
	wire_record_clear(&rec);
	free(buf);
}

static void
test_id_stable(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 out, again;
	Nodenet__SignedRecord	*sr;
	uint8_t			 id1[WIRE_ID_BYTES], id2[WIRE_ID_BYTES];
	uint8_t			 id3[WIRE_ID_BYTES];
	uint8_t			*buf1, *buf2, *buf3, *re;
	size_t			 len1, len2, len3, re_len;
	struct mail		 m;

	make_mail(k->kp, 5, &buf1, &len1, id1);
	make_mail(k->kp, 5, &buf2, &len2, id2);
	/* The same body: the same id, and (Ed25519 being deterministic) the
	 * same bytes. */
	assert_memory_equal(id1, id2, WIRE_ID_BYTES);
	assert_int_equal(len1, len2);
	assert_memory_equal(buf1, buf2, len1);

	/* Decoded and encoded again, it is the same record. */
	sr = nodenet__signed_record__unpack(NULL, len1, buf1);
	assert_non_null(sr);
	re_len = nodenet__signed_record__get_packed_size(sr);
	re = malloc(re_len);
	assert_non_null(re);
	nodenet__signed_record__pack(sr, re);
	assert_int_equal(re_len, len1);
	assert_memory_equal(re, buf1, len1);
	assert_int_equal(wire_record_open(re, re_len, &out), 0);
	assert_memory_equal(out.id, id1, WIRE_ID_BYTES);
	/* Held apart, as the store holds them: the same id again. */
	assert_int_equal(wire_record_check(out.body, out.body_len, out.sig,
	    &again), 0);
	assert_memory_equal(again.id, id1, WIRE_ID_BYTES);
	wire_record_clear(&again);
	wire_record_clear(&out);
	nodenet__signed_record__free_unpacked(sr, NULL);
	free(re);

	/* The same body signed by another key is another body: its
	 * origin_key differs. */
	make_mail(k->other, 5, &buf3, &len3, id3);
	assert_memory_not_equal(id1, id3, WIRE_ID_BYTES);
	free(buf3);

	/* Another origin_seq, another id; another created_ms too. */
	make_mail(k->kp, 6, &buf3, &len3, id3);
	assert_memory_not_equal(id1, id3, WIRE_ID_BYTES);
	free(buf3);
	mail_init(&m, 5);
	m.rb.created_ms++;
	assert_int_equal(wire_record_make(k->kp, &m.rb, &buf3, &len3, id3), 0);
	assert_memory_not_equal(id1, id3, WIRE_ID_BYTES);
	free(buf3);

	free(buf1);
	free(buf2);
}

static void
test_truncated(void **state)
{
	struct keys	*k = *state;
	uint8_t		 id[WIRE_ID_BYTES];
	uint8_t		*buf, *cut;
	size_t		 len;

	make_mail(k->kp, 7, &buf, &len, id);
	/* Each prefix in a buffer of its own size, so ASan sees overreads. */
	for (size_t n = 0; n < len; n++) {
		cut = malloc(n == 0 ? 1 : n);
		assert_non_null(cut);
		memcpy(cut, buf, n);
		if (open_rc(cut, n) == 0)
			fail_msg("record cut to %zu of %zu bytes opened", n,
			    len);
		free(cut);
	}
	assert_int_not_equal(open_rc(NULL, 0), 0);
	free(buf);
}

static void
test_too_big(void **state)
{
	struct keys	*k = *state;
	uint8_t		 id[WIRE_ID_BYTES];
	uint8_t		*buf, *big;
	size_t		 len, pad;

	big = calloc(1, WIRE_MAX_RECORD + 1);
	assert_non_null(big);
	assert_int_equal(open_rc(big, WIRE_MAX_RECORD + 1), WIRE_ETOOBIG);
	memset(big, 0xff, WIRE_MAX_RECORD + 1);
	assert_int_equal(open_rc(big, WIRE_MAX_RECORD + 1), WIRE_ETOOBIG);
	assert_int_equal(open_rc(big, SIZE_MAX), WIRE_ETOOBIG);

	/*
	 * A good record padded with an unknown field (15, length-delimited)
	 * to exactly the limit is not too big; one byte more is.
	 */
	make_mail(k->kp, 8, &buf, &len, id);
	for (size_t total = WIRE_MAX_RECORD; total <= WIRE_MAX_RECORD + 1;
	    total++) {
		pad = total - len - 4;	/* tag byte, 3-byte length */
		assert_true(pad >= (1u << 14) && pad < (1u << 21));
		memcpy(big, buf, len);
		big[len] = (15 << 3) | 2;
		big[len + 1] = (uint8_t)(0x80 | (pad & 0x7f));
		big[len + 2] = (uint8_t)(0x80 | ((pad >> 7) & 0x7f));
		big[len + 3] = (uint8_t)(pad >> 14);
		memset(big + len + 4, 'p', pad);
		if (total == WIRE_MAX_RECORD)
			assert_int_not_equal(open_rc(big, total),
			    WIRE_ETOOBIG);
		else
			assert_int_equal(open_rc(big, total), WIRE_ETOOBIG);
	}
	free(buf);
	free(big);
}

static void
test_body_limit(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 out;
	struct mail		 m;
	uint8_t			 id[WIRE_ID_BYTES];
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			*text, *buf, *body;
	size_t			 len, body_len, tlen;

	text = calloc(1, WIRE_MAX_BODY + 1);
	assert_non_null(text);
	mail_init(&m, 9);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;
	m.mm.text.data = text;

	/* Find the text length that makes the body exactly the limit. */
	tlen = WIRE_MAX_BODY - 200;
	for (int i = 0; i < 4; i++) {
		m.mm.text.len = tlen;
		body_len = nodenet__record_body__get_packed_size(&m.rb);
		tlen += WIRE_MAX_BODY - body_len;
	}
	m.mm.text.len = tlen;
	assert_int_equal(nodenet__record_body__get_packed_size(&m.rb),
	    WIRE_MAX_BODY);
	assert_int_equal(wire_record_make(k->kp, &m.rb, &buf, &len, id), 0);
	assert_true(len <= WIRE_MAX_RECORD);
	assert_int_equal(wire_record_open(buf, len, &out), 0);
	assert_int_equal(out.body_len, WIRE_MAX_BODY);
	wire_record_clear(&out);
	free(buf);

	/* One byte more is refused by make, check and open. */
	m.mm.text.len = tlen + 1;
	assert_int_equal(wire_record_make(k->kp, &m.rb, &buf, &len, id),
	    WIRE_ETOOBIG);
	assert_null(buf);
	body = pack_body(&m.rb, &body_len);
	assert_int_equal(body_len, WIRE_MAX_BODY + 1);
	sign_body(k->kp, body, body_len, sig);
	assert_int_equal(wire_record_check(body, body_len, sig, &out),
	    WIRE_ETOOBIG);
	assert_empty(&out);
	buf = pack_signed(body, body_len, sig, sizeof(sig), &len);
	assert_true(len <= WIRE_MAX_RECORD);
	assert_int_equal(open_rc(buf, len), WIRE_ETOOBIG);
	free(buf);
	free(body);
	free(text);
}

static void
test_random_buffers(void **state)
{
	struct keys	*k = *state;
	uint64_t	 s = RANDOM_SEED;
	uint8_t		 id[WIRE_ID_BYTES];
	uint8_t		*rec, *buf;
	size_t		 rec_len, len;

	print_message("# random seed 0x%016llx\n", (unsigned long long)s);
	for (int i = 0; i < 1000; i++) {
		len = (size_t)(rng_next(&s) % 2048);
		buf = malloc(len == 0 ? 1 : len);
		assert_non_null(buf);
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)(rng_next(&s) >> 56);
		/* Half of them look like a record from the first byte on. */
		if (len > 0 && i % 2 == 1)
			buf[0] = 0x0a;
		if (open_rc(buf, len) == 0)
			fail_msg("random buffer %d (%zu bytes) opened", i,
			    len);
		free(buf);
	}

	/* A good record with a few random bytes changed. */
	make_mail(k->kp, 10, &rec, &rec_len, id);
	buf = malloc(rec_len);
	assert_non_null(buf);
	for (int i = 0; i < 1000; i++) {
		int	n = 1 + (int)(rng_next(&s) % 8);

		memcpy(buf, rec, rec_len);
		for (int j = 0; j < n; j++)
			buf[rng_next(&s) % rec_len] =
			    (uint8_t)(rng_next(&s) >> 56);
		if (memcmp(buf, rec, rec_len) == 0)
			continue;
		if (open_rc(buf, rec_len) == 0)
			fail_msg("mutation %d of a record opened", i);
	}
	free(buf);
	free(rec);
}

static void
test_bad_fields(void **state)
{
	struct keys	*k = *state;
	static const char *bad_origins[] = { "Bad_Name", "", "a..b", "-a",
	    "a.", ".a", "a-", "A.b", "a b" };
	struct mail	 m;
	uint8_t		 key33[KEY_PUBLIC_BYTES + 1];
	uint8_t		 sig[KEY_SIGNATURE_BYTES + 1], *body, *buf;
	size_t		 body_len, len;
	char		 long_name[300], long_from[310];

	memcpy(key33, key_public(k->kp), KEY_PUBLIC_BYTES);
	key33[KEY_PUBLIC_BYTES] = 0;

	/* The control: correctly signed and every field right, it opens. */
	mail_init(&m, 11);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), 0);

	/* No kind. */
	m.rb.kind_case = NODENET__RECORD_BODY__KIND__NOT_SET;
	m.rb.mail = NULL;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EKIND);
	mail_init(&m, 11);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;

	/* origin_seq 0. */
	m.rb.origin_seq = 0;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	m.rb.origin_seq = 11;

	/* Bad origin names, and a name one byte too long. */
	for (size_t i = 0; i < sizeof(bad_origins) / sizeof(bad_origins[0]);
	    i++) {
		snprintf(m.origin, sizeof(m.origin), "%s", bad_origins[i]);
		if (signed_body_rc(k->kp, &m.rb) != WIRE_EFIELD)
			fail_msg("origin \"%s\" not refused", bad_origins[i]);
	}
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 63; i < 254; i += 64)
		long_name[i] = '.';
	long_name[254] = '\0';
	m.rb.origin = long_name;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	long_name[253] = '\0';	/* 253 bytes: the longest name there is */
	snprintf(long_from, sizeof(long_from), "a@%s", long_name);
	m.mm.from = long_from;	/* mail comes from a mailbox at its origin */
	assert_int_equal(signed_body_rc(k->kp, &m.rb), 0);
	m.rb.origin = m.origin;
	m.mm.from = m.from;
	snprintf(m.origin, sizeof(m.origin), "tanthanh.bacquang.hagiang");

	/* An origin key of 31, 33 and 0 bytes. */
	m.rb.origin_key.len = 31;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	m.rb.origin_key.data = key33;
	m.rb.origin_key.len = sizeof(key33);
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	m.rb.origin_key.data = NULL;
	m.rb.origin_key.len = 0;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);

	/* A signature of the wrong length, around a good body. */
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;
	body = pack_body(&m.rb, &body_len);
	sign_body(k->kp, body, body_len, sig);
	sig[KEY_SIGNATURE_BYTES] = 0;
	buf = pack_signed(body, body_len, sig, KEY_SIGNATURE_BYTES, &len);
	assert_int_equal(open_rc(buf, len), 0);
	free(buf);
	for (size_t n = 0; n <= KEY_SIGNATURE_BYTES + 1; n++) {
		if (n == KEY_SIGNATURE_BYTES)
			continue;
		buf = pack_signed(body, body_len, sig, n, &len);
		assert_int_equal(open_rc(buf, len), WIRE_EFIELD);
		free(buf);
	}
	/* No body at all. */
	buf = pack_signed(body, 0, sig, KEY_SIGNATURE_BYTES, &len);
	assert_int_equal(open_rc(buf, len), WIRE_EFIELD);
	free(buf);
	free(body);
}

/* Packs rb, overwrites the byte at needle+off with c, signs it, checks it. */
static int
patched_body_rc(const key_pair_t *kp, const Nodenet__RecordBody *rb,
    const char *needle, size_t off, uint8_t c)
{
	struct wire_record	 out;
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			*body, *at;
	size_t			 body_len;
	int			 rc;

	body = pack_body(rb, &body_len);
	at = memmem(body, body_len, needle, strlen(needle));
	assert_non_null(at);
	at[off] = c;
	sign_body(kp, body, body_len, sig);
	rc = wire_record_check(body, body_len, sig, &out);
	wire_record_clear(&out);
	free(body);
	return rc;
}

/*
 * Strings must be UTF-8 without NUL at any depth: protobuf-c would hand a
 * NUL-cut C string on ("hagi\0ng" read as "hagi").
 */
static void
test_bad_strings(void **state)
{
	struct keys	*k = *state;
	struct mail	 m;
	char		 viet[] = "B\xc3\xa1o c\xc3\xa1o th\xc3\xa1ng 11";

	mail_init(&m, 12);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;
	/* The control: patching a byte to itself changes nothing. */
	assert_int_equal(patched_body_rc(k->kp, &m.rb, "bacquang", 4, 'u'),
	    0);
	assert_int_equal(patched_body_rc(k->kp, &m.rb, "bacquang", 4, 0),
	    WIRE_EFIELD);
	/* A NUL inside a nested message's string (the mail subject). */
	assert_int_equal(patched_body_rc(k->kp, &m.rb, "hop ngay", 3, 0),
	    WIRE_EFIELD);
	/* Vietnamese UTF-8 is fine; a broken sequence, an overlong form,
	 * and a surrogate are not. */
	m.mm.subject = viet;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), 0);
	viet[2] = 0x28;			/* C3 28: not a continuation byte */
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	m.mm.subject = (char *)(uintptr_t)"\xc0\xaf";
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	m.mm.subject = (char *)(uintptr_t)"\xed\xa0\x80";
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
	m.mm.subject = (char *)(uintptr_t)"\xc3";	/* cut short */
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFIELD);
}

/*
 * A mail's sender is a mailbox at the record's origin, and it goes to 1
 * to WIRE_MAX_RECIPIENTS mailbox addresses (proto/README.md, "Mail"):
 * signed or not, a body that breaks this does not open, and the origin's
 * own code will not make one.
 */
static void
test_mail_rule(void **state)
{
	struct keys	*k = *state;
	struct mail	 m;
	static const char *bad_from[] = {
	    "an@bacquang.hagiang",		/* another office */
	    "an@hagiang",			/* its parent */
	    "an@x.tanthanh.bacquang.hagiang",	/* a node below it */
	    "an@tanthanh.bacquang.hagiang>\r\nRCPT TO:<x@y.example>",
	    "an@tanthanh.bacquang.hagiang\n",
	    "An@tanthanh.bacquang.hagiang", "@tanthanh.bacquang.hagiang",
	    "an tanthanh.bacquang.hagiang", "",
	};
	static const char *bad_to[] = { "binh", "binh@", "binh@Hagiang",
	    "bi\r\nnh@hagiang", "binh@hagiang\r\nDATA", "<binh@hagiang>",
	    "binh@*.", "binh@*.Hagiang", "binh@**", "binh@x.*.hagiang",
	    "binh@*.hagiang\r\nDATA", "" };
	/* Subtree addresses pass here, whoever the origin: the node
	 * judges that (it knows the root's name). */
	static const char *subtree_to[] = { "binh@*.bacquang.hagiang",
	    "binh@*.hagiang", "binh@*", "binh@*.vixuyen.hagiang" };
	char		*many[WIRE_MAX_RECIPIENTS + 2];
	uint8_t		*buf, id[WIRE_ID_BYTES];
	size_t		 len;

	mail_init(&m, 13);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), 0);
	assert_int_equal(wire_mail_check(&m.rb), 0);
	for (size_t i = 0; i < sizeof(bad_from) / sizeof(bad_from[0]); i++) {
		m.mm.from = (char *)(uintptr_t)bad_from[i];
		if (signed_body_rc(k->kp, &m.rb) != WIRE_EFROM)
			fail_msg("from \"%s\" not refused", bad_from[i]);
		assert_int_equal(wire_record_make(k->kp, &m.rb, &buf, &len,
		    id), WIRE_EFROM);
		assert_null(buf);
	}
	m.mm.from = m.from;

	for (size_t i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		m.to[1] = (char *)(uintptr_t)bad_to[i];
		if (signed_body_rc(k->kp, &m.rb) != WIRE_ERCPT)
			fail_msg("to \"%s\" not refused", bad_to[i]);
	}
	for (size_t i = 0; i < sizeof(subtree_to) / sizeof(*subtree_to);
	    i++) {
		m.to[1] = (char *)(uintptr_t)subtree_to[i];
		if (signed_body_rc(k->kp, &m.rb) != 0)
			fail_msg("to \"%s\" refused", subtree_to[i]);
		/* Only for sessions that carry subtree addresses. */
		assert_int_equal(wire_record_version(&m.rb),
		    WIRE_SUBTREE_VERSION);
	}
	m.to[1] = m.to1;
	assert_int_equal(wire_record_version(&m.rb), 1);
	m.mm.n_to = 0;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_ERCPT);

	/* The cap: as many as a node's own submission allows, no more. */
	for (size_t i = 0; i < WIRE_MAX_RECIPIENTS + 1; i++)
		many[i] = m.to0;
	m.mm.to = many;
	m.mm.n_to = WIRE_MAX_RECIPIENTS;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), 0);
	m.mm.n_to = WIRE_MAX_RECIPIENTS + 1;
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_ERCPTMAX);
	assert_int_equal(wire_record_make(k->kp, &m.rb, &buf, &len, id),
	    WIRE_ERCPTMAX);
	/* The sender is checked first: a forgery is named as such. */
	m.mm.from = (char *)(uintptr_t)bad_from[0];
	assert_int_equal(signed_body_rc(k->kp, &m.rb), WIRE_EFROM);
	assert_string_equal(wire_strerror(WIRE_ERCPTMAX),
	    "mail to more than 256 recipients");
}

static void
test_strerror(void **state)
{
	static const int codes[] = { WIRE_EDECODE, WIRE_ETOOBIG, WIRE_EFIELD,
	    WIRE_ESIG, WIRE_EKIND, WIRE_EFROM, WIRE_ERCPT, WIRE_ERCPTMAX };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(wire_strerror(codes[i]),
			    wire_strerror(codes[j]));
	assert_string_equal(wire_strerror(ENOMEM), strerror(ENOMEM));
}

/*
 * The version rule (proto/README.md, "Versions"): a session runs at the
 * newest version both ends speak, and fails only if their ranges do not
 * overlap. A Hello's protocol_version is the sender's oldest version,
 * max_protocol_version its newest; a node from before that field sends
 * none (0), and speaks protocol_version only.
 */
static void
test_session_version(void **state)
{
	const uint32_t	lo = WIRE_PROTOCOL_MIN, hi = WIRE_PROTOCOL_VERSION;

	(void)state;
	assert_true(lo >= 1 && lo <= hi);
	/* A node like us, and one from before max_protocol_version. */
	assert_int_equal(wire_session_version(lo, hi), hi);
	assert_int_equal(wire_session_version(hi, 0), hi);
	/* One version ahead, still speaking ours: ours. */
	assert_int_equal(wire_session_version(hi, hi + 1), hi);
	assert_int_equal(wire_session_version(lo, hi + 1), hi);
	/* One version ahead and not ours, or far ahead: none. */
	assert_int_equal(wire_session_version(hi + 1, hi + 1), 0);
	assert_int_equal(wire_session_version(hi + 1, 0), 0);
	assert_int_equal(wire_session_version(hi + 1, hi + 3), 0);
	/* Behind our oldest; version 0; an empty range. */
	if (lo > 1)
		assert_int_equal(wire_session_version(1, lo - 1), 0);
	assert_int_equal(wire_session_version(0, 0), 0);
	assert_int_equal(wire_session_version(0, hi), 0);
	assert_int_equal(wire_session_version(hi + 1, hi), 0);
	/* Behind our newest but within our range: theirs. */
	if (lo < hi)
		assert_int_equal(wire_session_version(lo, hi - 1), hi - 1);
}

/* Every kind in record.proto has a version this node speaks. */
static void
test_kind_versions(void **state)
{
	const ProtobufCMessageDescriptor *d = &nodenet__record_body__descriptor;
	unsigned	kinds = 0;

	(void)state;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor	*f = &d->fields[i];
		uint32_t			 v;

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) == 0)
			continue;
		kinds++;
		v = wire_kind_version((Nodenet__RecordBody__KindCase)f->id);
		if (v < WIRE_PROTOCOL_MIN || v > WIRE_PROTOCOL_VERSION)
			fail_msg("kind %s: version %u", f->name, v);
	}
	assert_int_equal(kinds, 8);
	assert_true(WIRE_SUBTREE_VERSION <= WIRE_PROTOCOL_VERSION);
	assert_int_equal(wire_kind_version(
	    NODENET__RECORD_BODY__KIND__NOT_SET), 0);
	assert_int_equal(wire_kind_version(
	    (Nodenet__RecordBody__KindCase)99), 0);
}

/* Appends field `field` (wire type 2) holding len bytes of data. */
static uint8_t *
append_field(uint8_t *buf, size_t *len, unsigned field, const char *data)
{
	size_t	dlen = strlen(data);
	uint8_t	*p;

	assert_true(field < 2048 && dlen < 128);
	buf = realloc(buf, *len + 3 + dlen);
	assert_non_null(buf);
	p = buf + *len;
	*p++ = (uint8_t)(((field << 3) | 2) & 0x7f) | (field >= 16 ? 0x80 : 0);
	if (field >= 16)
		*p++ = (uint8_t)(field >> 4);
	*p++ = (uint8_t)dlen;
	memcpy(p, data, dlen);
	*len = (size_t)(p - buf) + dlen;
	return buf;
}

/*
 * A record of a kind from a newer contract: it decodes with no kind set
 * and is refused as such (WIRE_EKIND), signature or not. A field from a
 * newer contract inside a known kind is kept: the record opens, and its
 * id is over the bytes as they came, the new field with them.
 */
static void
test_unknown_kind_and_fields(void **state)
{
	struct keys		*k = *state;
	struct wire_record	 out;
	struct mail		 m;
	uint8_t			 sig[KEY_SIGNATURE_BYTES], id[WIRE_ID_BYTES];
	uint8_t			*body;
	size_t			 body_len;

	mail_init(&m, 21);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;

	/* No known kind, and kind 40 (a future oneof member) instead. */
	m.rb.kind_case = NODENET__RECORD_BODY__KIND__NOT_SET;
	m.rb.mail = NULL;
	body = pack_body(&m.rb, &body_len);
	body = append_field(body, &body_len, 40, "a kind from version 2");
	sign_body(k->kp, body, body_len, sig);
	assert_int_equal(wire_record_check(body, body_len, sig, &out),
	    WIRE_EKIND);
	assert_empty(&out);
	free(body);

	/* A mail with field 40 of RecordBody and field 30 of the mail. */
	mail_init(&m, 22);
	m.rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(k->kp);
	m.rb.origin_key.len = KEY_PUBLIC_BYTES;
	body = pack_body(&m.rb, &body_len);
	body = append_field(body, &body_len, 40, "new body field");
	sign_body(k->kp, body, body_len, sig);
	assert_int_equal(wire_record_check(body, body_len, sig, &out), 0);
	assert_int_equal(out.rb->kind_case, NODENET__RECORD_BODY__KIND_MAIL);
	assert_int_equal(out.rb->base.n_unknown_fields, 1);
	assert_int_equal(out.body_len, body_len);
	assert_memory_equal(out.body, body, body_len);
	crypto_generichash(id, sizeof(id), body, body_len, NULL, 0);
	assert_memory_equal(out.id, id, WIRE_ID_BYTES);
	wire_record_clear(&out);
	free(body);
}

/* Frames from a newer contract: new Hello fields pass, new kinds do not. */
static void
test_frame_versions(void **state)
{
	Nodenet__Frame	*got;
	Nodenet__Hello	 h;
	uint8_t		 store_id[WIRE_STORE_ID_BYTES] = { 1 };
	uint8_t		*hb, *buf;
	size_t		 hlen, len;
	char		 name[] = "bacquang.hagiang";

	(void)state;
	nodenet__hello__init(&h);
	h.protocol_version = WIRE_PROTOCOL_VERSION + 1;
	h.max_protocol_version = WIRE_PROTOCOL_VERSION + 2;
	h.name = name;
	h.store_id.data = store_id;
	h.store_id.len = sizeof(store_id);
	h.credit = 64;
	/* The Hello with a field of a later contract (25), as Frame field 1. */
	hlen = nodenet__hello__get_packed_size(&h);
	hb = malloc(hlen);
	assert_non_null(hb);
	assert_int_equal(nodenet__hello__pack(&h, hb), hlen);
	hb = append_field(hb, &hlen, 25, "later");
	assert_true(hlen < 128);
	len = hlen + 2;
	buf = malloc(len);
	assert_non_null(buf);
	buf[0] = (1 << 3) | 2;
	buf[1] = (uint8_t)hlen;
	memcpy(buf + 2, hb, hlen);
	free(hb);
	assert_int_equal(wire_frame_unpack(buf, len, &got), 0);
	assert_int_equal(got->kind_case, NODENET__FRAME__KIND_HELLO);
	assert_int_equal(got->hello->base.n_unknown_fields, 1);
	/* The range is the session's business, not the frame's. */
	assert_int_equal(wire_session_version(got->hello->protocol_version,
	    got->hello->max_protocol_version), 0);
	nodenet__frame__free_unpacked(got, NULL);
	free(buf);

	/* A frame kind of a later contract (field 20): no kind set here. */
	len = 0;
	buf = append_field(NULL, &len, 20, "a later frame");
	assert_int_equal(wire_frame_unpack(buf, len, &got), WIRE_EFIELD);
	assert_null(got);
	free(buf);
}

/* A TraceAnswer of n hops of node name, packed as a frame: its code. */
static int
trace_frame(size_t n, uint32_t from, uint32_t total, int more,
    const char *note, const char *peer)
{
	Nodenet__Frame		 f = NODENET__FRAME__INIT, *got = NULL;
	Nodenet__TraceAnswer	 a = NODENET__TRACE_ANSWER__INIT;
	Nodenet__TraceHop	 h = NODENET__TRACE_HOP__INIT, **hops;
	Nodenet__TraceEvent	 e = NODENET__TRACE_EVENT__INIT, *ep = &e;
	uint8_t			*buf;
	size_t			 len;
	int			 rc;

	hops = calloc(n + 1, sizeof(*hops));
	assert_non_null(hops);
	h.node = (char *)(uintptr_t)"bacquang.hagiang";
	h.note = (char *)(uintptr_t)note;
	e.event = (char *)(uintptr_t)"sent";
	e.peer = (char *)(uintptr_t)peer;
	h.events = &ep;
	h.n_events = 1;
	for (size_t i = 0; i < n; i++)
		hops[i] = &h;
	a.hops = hops;
	a.n_hops = n;
	a.from = from;
	a.total = total;
	a.more = more;
	f.kind_case = NODENET__FRAME__KIND_TRACE_ANSWER;
	f.trace_answer = &a;
	assert_int_equal(wire_frame_pack(&f, &buf, &len), 0);
	rc = wire_frame_unpack(buf, len, &got);
	assert_true(rc == 0 ? got != NULL : got == NULL);
	if (got != NULL)
		nodenet__frame__free_unpacked(got, NULL);
	free(buf);
	free(hops);
	return rc;
}

/*
 * Trace answers: more hops than the 64 of an answer from before pages,
 * up to a page's WIRE_MAX_TRACE_PAGE; strings of a hop up to
 * WIRE_MAX_TRACE_TEXT bytes; a page inside its total, and one that says
 * more has a hop and leaves some.
 */
static void
test_trace_pages(void **state)
{
	char	long_text[WIRE_MAX_TRACE_TEXT + 2];

	(void)state;
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	/* Unpaged, as a node from before pages sends: any count it may. */
	assert_int_equal(trace_frame(WIRE_OLD_TRACE_HOPS, 0, 0, 0, "", "tw"),
	    0);
	assert_int_equal(trace_frame(205, 0, 0, 0, "", "tw"), 0);
	assert_int_equal(trace_frame(WIRE_MAX_TRACE_PAGE, 0, 0, 0, "", "tw"),
	    0);
	assert_int_equal(trace_frame(WIRE_MAX_TRACE_PAGE + 1, 0, 0, 0, "",
	    "tw"), WIRE_EFIELD);
	/* Pages. */
	assert_int_equal(trace_frame(16, 0, 40, 1, "", "tw"), 0);
	assert_int_equal(trace_frame(16, 16, 40, 1, "", "tw"), 0);
	assert_int_equal(trace_frame(8, 32, 40, 0, "", "tw"), 0);
	assert_int_equal(trace_frame(0, 16, 0, 0, "", "tw"), 0); /* gone */
	assert_int_equal(trace_frame(8, 32, 40, 1, "", "tw"), WIRE_EFIELD);
	assert_int_equal(trace_frame(9, 32, 40, 0, "", "tw"), WIRE_EFIELD);
	assert_int_equal(trace_frame(0, 16, 40, 1, "", "tw"), WIRE_EFIELD);
	assert_int_equal(trace_frame(1, 0, 0, 1, "", "tw"), WIRE_EFIELD);
	assert_int_equal(trace_frame(1, UINT32_MAX, UINT32_MAX, 0, "", "tw"),
	    WIRE_EFIELD);
	/* Strings. */
	assert_int_equal(trace_frame(1, 0, 0, 0, long_text + 1, "tw"), 0);
	assert_int_equal(trace_frame(1, 0, 0, 0, long_text, "tw"),
	    WIRE_EFIELD);
	assert_int_equal(trace_frame(1, 0, 0, 0, "", long_text + 1), 0);
	assert_int_equal(trace_frame(1, 0, 0, 0, "", long_text), WIRE_EFIELD);
}

/* Reads "name HEX" from the vectors file into a malloc'd string. */
static char *
vector(const char *text, const char *name)
{
	size_t		 nlen = strlen(name), len;
	const char	*p = text, *end;
	char		*v;

	for (;;) {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == ' ')
			break;
		if ((p = strchr(p, '\n')) == NULL)
			fail_msg("%s: no \"%s\" line", VECTORS_FILE, name);
		p++;
	}
	p += nlen + 1;
	end = strchr(p, '\n');
	len = end == NULL ? strlen(p) : (size_t)(end - p);
	v = malloc(len + 1);
	assert_non_null(v);
	memcpy(v, p, len);
	v[len] = '\0';
	return v;
}

static char *
read_vectors(void)
{
	const char	*dir = getenv("VECTORS_DIR");
	char		 path[PATH_MAX], *text;
	FILE		*fp;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s",
	    dir != NULL && *dir != '\0' ? dir : "tests/vectors", VECTORS_FILE);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: %s (run from the repository root or set "
		    "VECTORS_DIR)", path, strerror(errno));
	text = calloc(1, 1 << 16);
	assert_non_null(text);
	n = fread(text, 1, (1 << 16) - 1, fp);
	assert_true(n > 0 && n < (1 << 16) - 1);
	fclose(fp);
	return text;
}

static void
test_golden(void **state)
{
	struct wire_record	 out;
	struct mail		 m;
	key_pair_t		*kp = NULL;
	uint8_t			 id[WIRE_ID_BYTES], *buf;
	char			 dir[] = "/tmp/test_wire.XXXXXX";
	char			 path[PATH_MAX], line[128];
	char			*hex_pk, *hex_id, *hex_rec, *text;
	char			*want;
	size_t			 len;
	int			 fd, rc;

	(void)state;
	/* The key file format of node/lib/key.c, with a seed we know. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/golden.key", dir);
	snprintf(line, sizeof(line), "node-ed25519-secret-v1 %s\n",
	    GOLDEN_SEED);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_true(write(fd, line, strlen(line)) == (ssize_t)strlen(line));
	assert_int_equal(close(fd), 0);
	rc = key_load(&kp, path);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rc, 0);

	mail_init(&m, 1);
	m.rb.created_ms = GOLDEN_CREATED;
	assert_int_equal(wire_record_make(kp, &m.rb, &buf, &len, id), 0);
	assert_int_equal(wire_record_open(buf, len, &out), 0);
	wire_record_clear(&out);

	to_hex(key_public(kp), KEY_PUBLIC_BYTES, &hex_pk);
	to_hex(id, WIRE_ID_BYTES, &hex_id);
	to_hex(buf, len, &hex_rec);
	/* The key is RFC 8032's, whatever the file says. */
	assert_string_equal(hex_pk, GOLDEN_PUBLIC);

	text = read_vectors();
	want = vector(text, "pubkey");
	if (strcmp(want, hex_pk) != 0)
		fail_msg("pubkey %s, want %s", hex_pk, want);
	free(want);
	want = vector(text, "id");
	if (strcmp(want, hex_id) != 0)
		fail_msg("id %s, want %s", hex_id, want);
	free(want);
	want = vector(text, "record");
	if (strcmp(want, hex_rec) != 0)
		fail_msg("record\n%s\nwant\n%s", hex_rec, want);
	free(want);

	free(text);
	free(hex_pk);
	free(hex_id);
	free(hex_rec);
	free(buf);
	key_free(&kp);
}

/*
 * wire_record_open_own(), for a record this node just signed, skips the
 * signature alone: a broken one passes there and fails
 * wire_record_open(); a body that does not decode fails both; and
 * wire_record_pack() makes the same bytes as wire_record_make().
 */
static void
test_open_own(void **state)
{
	key_pair_t		*kp = key_generate();
	struct wire_record	 wr;
	uint8_t			*buf, *again, id[WIRE_ID_BYTES];
	size_t			 len, len2;

	(void)state;
	assert_non_null(kp);
	make_mail(kp, 1, &buf, &len, id);
	assert_int_equal(wire_record_open_own(buf, len, &wr), 0);
	assert_memory_equal(wr.id, id, WIRE_ID_BYTES);
	again = wire_record_pack(wr.body, wr.body_len, wr.sig, &len2);
	assert_non_null(again);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);
	free(again);
	wire_record_clear(&wr);
	buf[len - 1] ^= 0x01;		/* the signature's last byte */
	assert_int_equal(wire_record_open(buf, len, &wr), WIRE_ESIG);
	assert_int_equal(wire_record_open_own(buf, len, &wr), 0);
	wire_record_clear(&wr);
	assert_int_equal(wire_record_open_own(buf, len / 2, &wr) != 0, 1);
	free(buf);
	key_free(&kp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_open_own),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_bit_flips_check),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_id_stable),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_random_buffers),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_trace_pages),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_mail_rule),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_session_version),
		cmocka_unit_test(test_kind_versions),
		cmocka_unit_test(test_unknown_kind_and_fields),
		cmocka_unit_test(test_frame_versions),
		cmocka_unit_test(test_golden),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_wire: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
