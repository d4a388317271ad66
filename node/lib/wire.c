/*
 * wire: encoding, decoding and checking of signed records.
 *
 * Everything from outside (peer frames, files on disk) comes in through
 * wire_record_open() or wire_record_check(): sizes are checked before
 * decoding, fields after, and the signature last, before anyone uses the
 * record. The body bytes are never re-encoded: the id and the signature
 * are over the bytes the origin produced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "name.h"
#include "utf8.h"
#include "wire.h"

#define PREFIX_LEN	sizeof(WIRE_SIGN_PREFIX)	/* with its NUL */

/* The message that is signed: the prefix, its NUL, then the id. */
static void
signed_message(const uint8_t id[WIRE_ID_BYTES],
    uint8_t msg[PREFIX_LEN + WIRE_ID_BYTES])
{
	memcpy(msg, WIRE_SIGN_PREFIX, PREFIX_LEN);
	memcpy(msg + PREFIX_LEN, id, WIRE_ID_BYTES);
}

void
wire_record_id(const uint8_t *body, size_t len, uint8_t id[WIRE_ID_BYTES])
{
	crypto_generichash(id, WIRE_ID_BYTES, body, len, NULL, 0);
}

#define MAX_DEPTH	16	/* nesting of messages in a body */

static int
varint(const uint8_t **p, size_t *len, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *len > 0; shift += 7) {
		uint8_t	b = **p;

		(*p)++;
		(*len)--;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return 1;
	}
	return 0;
}

/*
 * Walks the encoding of a message of type desc and checks that every
 * string in it, at any depth, is valid UTF-8 without NUL. protobuf-c
 * hands strings over as C strings, so a NUL would silently cut a name
 * short ("hagi\0ng" read as "hagi"). Unknown fields are skipped.
 */
static int
strings_valid(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
    size_t len, int depth)
{
	const ProtobufCFieldDescriptor	*fd;
	uint64_t			 tag, n;

	if (depth > MAX_DEPTH)
		return 0;
	while (len > 0) {
		if (!varint(&p, &len, &tag))
			return 0;
		switch (tag & 7) {
		case 0:		/* varint */
			if (!varint(&p, &len, &n))
				return 0;
			continue;
		case 1:		/* 64-bit */
			n = 8;
			break;
		case 5:		/* 32-bit */
			n = 4;
			break;
		case 2:		/* length-delimited */
			if (!varint(&p, &len, &n) || n > len)
				return 0;
			fd = protobuf_c_message_descriptor_get_field(desc,
			    (unsigned)(tag >> 3));
			if (fd != NULL && fd->type == PROTOBUF_C_TYPE_STRING &&
			    (memchr(p, 0, n) != NULL ||
			    !utf8_valid(p, n)))
				return 0;
			if (fd != NULL && fd->type == PROTOBUF_C_TYPE_MESSAGE &&
			    !strings_valid(fd->descriptor, p, n, depth + 1))
				return 0;
			break;
		default:	/* groups: not used by this contract */
			return 0;
		}
		if (n > len)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

int
wire_strings_valid(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
    size_t len)
{
	return strings_valid(desc, p, len, 0);
}

/*
 * Every record kind this node knows: its name, as tools show it, and the
 * oldest link protocol version that carries it, mirrored in
 * proto/README.md ("Versions"). A kind added in version N gets N here,
 * and feeds hold it back from older sessions.
 */
static const struct {
	Nodenet__RecordBody__KindCase	kind;
	uint32_t			version;
	const char			*name;
} kinds[] = {
	{ NODENET__RECORD_BODY__KIND_MAIL,		1, "mail" },
	{ NODENET__RECORD_BODY__KIND_DOC,		1, "doc" },
	{ NODENET__RECORD_BODY__KIND_REPORT,		1, "report" },
	{ NODENET__RECORD_BODY__KIND_CERT,		1, "cert" },
	{ NODENET__RECORD_BODY__KIND_REVOCATION,	1, "revocation" },
	{ NODENET__RECORD_BODY__KIND_ACL,		1, "acl" },
	{ NODENET__RECORD_BODY__KIND_STATUS,		1, "status" },
	{ NODENET__RECORD_BODY__KIND_CHUNK,		1, "chunk" },
};

static size_t
kind_index(Nodenet__RecordBody__KindCase kind)
{
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			break;
	return i;
}

uint32_t
wire_kind_version(Nodenet__RecordBody__KindCase kind)
{
	size_t	i = kind_index(kind);

	return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i].version : 0;
}

const char *
wire_kind_name(Nodenet__RecordBody__KindCase kind)
{
	size_t	i = kind_index(kind);

	return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i].name : "?";
}

uint32_t
wire_session_version(uint32_t their_min, uint32_t their_max)
{
	uint32_t	v;

	if (their_max == 0)
		their_max = their_min;
	if (their_min == 0 || their_min > their_max)
		return 0;
	v = their_max < WIRE_PROTOCOL_VERSION ? their_max :
	    WIRE_PROTOCOL_VERSION;
	return v >= WIRE_PROTOCOL_MIN && v >= their_min ? v : 0;
}

/*
 * A sealed mail's shape ("Sealed mail"): nothing of its content in
 * clear beside the seal (an official's signature of it neither: no
 * relay could check it, nor tell what it signs), each key, nonce and wrap of its size, at most
 * one wrap per recipient the cap allows; so a relay refuses a
 * malformed one at the first hop, and a recipient reads no more than
 * these bounds before it decrypts.
 */
static int
sealed_valid(const Nodenet__SealedContent *s)
{
	if (s->ephemeral_key.len != WIRE_SEAL_CURVE ||
	    s->nonce.len != WIRE_SEAL_NONCE ||
	    s->ciphertext.len < WIRE_SEAL_MAC ||
	    s->n_keys > WIRE_MAX_RECIPIENTS)
		return 0;
	for (size_t i = 0; i < s->n_keys; i++)
		if (s->keys[i]->recipient.len != WIRE_SEAL_HINT ||
		    s->keys[i]->box.len != WIRE_SEAL_BOX)
			return 0;
	return 1;
}

static int
seal_bounds(const Nodenet__MailMessage *m)
{
	if (m->subject[0] != '\0' || m->text.len != 0 ||
	    m->n_attachments != 0 || m->signed_by != NULL)
		return WIRE_ESEAL;
	return sealed_valid(m->sealed) ? 0 : WIRE_ESEAL;
}

/*
 * A sealed revision's shape ("Sealed documents"): readers to seal for,
 * no field nor official's signature beside the seal, its attachments
 * nameless (their names, media types and keys are sealed), and a seal
 * of the sizes a mail's has. What its attachments' chunks hash to, and
 * the rest of a revision's rules, are doc.c's.
 */
int
wire_doc_check(const Nodenet__RecordBody *rb)
{
	const Nodenet__DocRevision	*d;

	if (rb->kind_case != NODENET__RECORD_BODY__KIND_DOC ||
	    rb->doc->sealed == NULL)
		return 0;
	d = rb->doc;
	if (d->n_readers == 0 || d->n_fields != 0 || d->signed_by != NULL ||
	    !sealed_valid(d->sealed))
		return WIRE_ESEALDOC;
	for (size_t i = 0; i < d->n_attachments; i++)
		if (d->attachments[i]->name[0] != '\0' ||
		    d->attachments[i]->media_type[0] != '\0' ||
		    d->attachments[i]->sealed != NULL)
			return WIRE_ESEALDOC;
	return 0;
}

int
wire_mail_check(const Nodenet__RecordBody *rb)
{
	const Nodenet__MailMessage	*m;
	const char			*node;

	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL)
		return 0;
	m = rb->mail;
	/* A node writes mail from its own mailboxes only: a sender
	 * elsewhere is a forgery, and its reports would go to a third
	 * party. The syntax also keeps CR LF out of what gateways copy
	 * into SMTP commands and headers. */
	if (rb->origin == NULL || !name_mailbox(m->from, &node) ||
	    strcmp(node, rb->origin) != 0)
		return WIRE_EFROM;
	/* The cap a node's own submission has: one record cannot make a
	 * receiver route, deliver and report for more. */
	if (m->n_to > WIRE_MAX_RECIPIENTS)
		return WIRE_ERCPTMAX;
	if (m->n_to == 0)
		return WIRE_ERCPT;
	for (size_t i = 0; i < m->n_to; i++)
		if (!name_mailbox(m->to[i], &node) &&
		    !name_subtree_address(m->to[i], &node))
			return WIRE_ERCPT;
	return m->sealed != NULL ? seal_bounds(m) : 0;
}

uint32_t
wire_record_version(const Nodenet__RecordBody *rb)
{
	uint32_t	v = wire_kind_version(rb->kind_case);

	if (v == 0)
		return v;
	/* An older node would take a sealed revision for an empty one,
	 * and send it and its chunks to readers only. */
	if ((rb->kind_case == NODENET__RECORD_BODY__KIND_DOC &&
	    rb->doc->sealed != NULL) ||
	    (rb->kind_case == NODENET__RECORD_BODY__KIND_CHUNK &&
	    rb->chunk->sealed))
		return WIRE_SEALDOC_VERSION;
	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL)
		return v;
	/* An older node would deliver a sealed mail as an empty one. */
	if (rb->mail->sealed != NULL)
		return WIRE_SEAL_VERSION;
	/* It refuses a subtree address as no address at all: such mail
	 * must not reach one. */
	for (size_t i = 0; i < rb->mail->n_to; i++)
		if (name_subtree_address(rb->mail->to[i], NULL))
			return WIRE_SUBTREE_VERSION;
	return v;
}

/*
 * Bounds and fields every record kind must satisfy: 0, WIRE_EFIELD, or
 * WIRE_EKIND when no kind is set that this node knows (protobuf-c keeps
 * a kind from a newer contract as an unknown field and sets none); a
 * mail also wire_mail_check().
 */
static int
body_valid(const Nodenet__RecordBody *rb)
{
	int	rc;

	if (rb->origin == NULL || !name_valid(rb->origin))
		return WIRE_EFIELD;
	if (rb->origin_key.len != KEY_PUBLIC_BYTES)
		return WIRE_EFIELD;
	if (rb->origin_seq == 0)
		return WIRE_EFIELD;
	if (wire_kind_version(rb->kind_case) == 0)
		return WIRE_EKIND;
	if ((rc = wire_doc_check(rb)) != 0)
		return rc;
	return wire_mail_check(rb);
}

int
wire_record_make(const key_pair_t *kp, Nodenet__RecordBody *rb,
    uint8_t **out, size_t *out_len, uint8_t id[WIRE_ID_BYTES])
{
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			 msg[PREFIX_LEN + WIRE_ID_BYTES];
	uint8_t			*body, *buf;
	size_t			 body_len, len;
	int			 rc;

	*out = NULL;
	rb->origin_key.data = (uint8_t *)(uintptr_t)key_public(kp);
	rb->origin_key.len = KEY_PUBLIC_BYTES;
	if ((rc = body_valid(rb)) != 0)
		return rc;	/* every receiver would refuse it */
	body_len = nodenet__record_body__get_packed_size(rb);
	if (body_len > WIRE_MAX_BODY)
		return WIRE_ETOOBIG;
	if ((body = malloc(body_len == 0 ? 1 : body_len)) == NULL)
		return ENOMEM;
	nodenet__record_body__pack(rb, body);
	if (!strings_valid(&nodenet__record_body__descriptor, body, body_len,
	    0)) {
		free(body);
		return WIRE_EFIELD;
	}

	wire_record_id(body, body_len, id);
	signed_message(id, msg);
	key_sign(kp, msg, sizeof(msg), sig);
	buf = wire_record_pack(body, body_len, sig, &len);
	free(body);
	if (buf == NULL)
		return ENOMEM;
	*out = buf;
	*out_len = len;
	return 0;
}

const char *
wire_id_hex(const uint8_t *id, char buf[WIRE_ID_HEX])
{
	return sodium_bin2hex(buf, WIRE_ID_HEX, id, WIRE_ID_BYTES);
}

uint8_t *
wire_record_pack(const uint8_t *body, size_t body_len, const uint8_t *sig,
    size_t *len)
{
	Nodenet__SignedRecord	 sr = NODENET__SIGNED_RECORD__INIT;
	uint8_t			*buf;

	sr.body.data = (uint8_t *)(uintptr_t)body;
	sr.body.len = body_len;
	sr.signature.data = (uint8_t *)(uintptr_t)sig;
	sr.signature.len = KEY_SIGNATURE_BYTES;
	*len = nodenet__signed_record__get_packed_size(&sr);
	if ((buf = malloc(*len)) != NULL)
		nodenet__signed_record__pack(&sr, buf);
	return buf;
}

/* Decodes, checks and (if verify) verifies body and sig into out (whose
 * sr is set). */
static int
check_body(const uint8_t *body, size_t body_len, const uint8_t *sig,
    int verify, struct wire_record *out)
{
	uint8_t	msg[PREFIX_LEN + WIRE_ID_BYTES];
	int	rc;

	if (body_len == 0)
		return WIRE_EFIELD;
	if (body_len > WIRE_MAX_BODY)
		return WIRE_ETOOBIG;
	out->rb = nodenet__record_body__unpack(NULL, body_len, body);
	if (out->rb == NULL)
		return WIRE_EDECODE;
	if (!strings_valid(&nodenet__record_body__descriptor, body, body_len,
	    0))
		return WIRE_EFIELD;
	if ((rc = body_valid(out->rb)) != 0)
		return rc;
	wire_record_id(body, body_len, out->id);
	signed_message(out->id, msg);
	if (verify &&
	    key_verify(out->rb->origin_key.data, msg, sizeof(msg), sig) != 0)
		return WIRE_ESIG;
	out->body = body;
	out->body_len = body_len;
	out->sig = sig;
	return 0;
}

static int
open_record(const uint8_t *buf, size_t len, int verify,
    struct wire_record *out)
{
	int	rc;

	memset(out, 0, sizeof(*out));
	if (len > WIRE_MAX_RECORD)
		return WIRE_ETOOBIG;
	if ((out->sr = nodenet__signed_record__unpack(NULL, len, buf)) == NULL)
		return WIRE_EDECODE;
	if (out->sr->signature.len != KEY_SIGNATURE_BYTES)
		rc = WIRE_EFIELD;
	else
		rc = check_body(out->sr->body.data, out->sr->body.len,
		    out->sr->signature.data, verify, out);
	if (rc != 0)
		wire_record_clear(out);
	return rc;
}

int
wire_record_open(const uint8_t *buf, size_t len, struct wire_record *out)
{
	return open_record(buf, len, 1, out);
}

int
wire_record_open_own(const uint8_t *buf, size_t len, struct wire_record *out)
{
	return open_record(buf, len, 0, out);
}

int
wire_record_check(const uint8_t *body, size_t body_len,
    const uint8_t sig[KEY_SIGNATURE_BYTES], struct wire_record *out)
{
	int	rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_body(body, body_len, sig, 1, out)) != 0)
		wire_record_clear(out);
	return rc;
}

void
wire_record_clear(struct wire_record *out)
{
	if (out->rb != NULL)
		nodenet__record_body__free_unpacked(out->rb, NULL);
	if (out->sr != NULL)
		nodenet__signed_record__free_unpacked(out->sr, NULL);
	memset(out, 0, sizeof(*out));
}

static int
hello_valid(const Nodenet__Hello *h)
{
	if (h->protocol_version < 1 || h->name == NULL || !name_valid(h->name))
		return 0;
	if (h->n_cert_chain > WIRE_MAX_CHAIN)
		return 0;
	for (size_t i = 0; i < h->n_cert_chain; i++)
		if (h->cert_chain[i].len > WIRE_MAX_RECORD)
			return 0;
	if (h->store_id.len != WIRE_STORE_ID_BYTES)
		return 0;
	if (h->peer_store_id.len != 0 &&
	    h->peer_store_id.len != WIRE_STORE_ID_BYTES)
		return 0;
	if ((h->log_epoch.len != 0 && h->log_epoch.len != WIRE_EPOCH_BYTES) ||
	    h->n_checkpoint_epochs > WIRE_LANES)
		return 0;
	for (size_t i = 0; i < h->n_checkpoint_epochs; i++)
		if (h->checkpoint_epochs[i].len != 0 &&
		    h->checkpoint_epochs[i].len != WIRE_EPOCH_BYTES)
			return 0;
	return h->n_checkpoints <= WIRE_LANES && h->credit >= 1 &&
	    h->credit <= WIRE_MAX_CREDIT;
}

static int
batch_valid(const Nodenet__Batch *b)
{
	uint64_t	prev = b->after;

	if (b->upto < b->after || b->n_items > WIRE_MAX_BATCH ||
	    b->lane >= WIRE_LANES)
		return 0;
	for (size_t i = 0; i < b->n_items; i++) {
		const Nodenet__Transfer	*t = b->items[i];

		if (t->seq <= prev || t->seq > b->upto ||
		    t->record.len == 0 || t->record.len > WIRE_MAX_RECORD)
			return 0;
		prev = t->seq;
	}
	return 1;
}

/* A hop names a node, has at most WIRE_MAX_TRACE_EVENTS events, and
 * no string of it is over WIRE_MAX_TRACE_TEXT bytes. */
static int
trace_hop_valid(const Nodenet__TraceHop *h)
{
	if (!name_valid(h->node) || h->n_events > WIRE_MAX_TRACE_EVENTS ||
	    strlen(h->note) > WIRE_MAX_TRACE_TEXT)
		return 0;
	for (size_t i = 0; i < h->n_events; i++)
		if (strlen(h->events[i]->event) > WIRE_MAX_TRACE_TEXT ||
		    strlen(h->events[i]->peer) > WIRE_MAX_TRACE_TEXT)
			return 0;
	return 1;
}

/*
 * At most WIRE_MAX_TRACE_PAGE hops; a page lies inside its answer's
 * total, and one that says more follows has a hop and leaves some.
 */
static int
trace_answer_valid(const Nodenet__TraceAnswer *a)
{
	uint64_t	end = (uint64_t)a->from + a->n_hops;

	if (a->n_hops > WIRE_MAX_TRACE_PAGE ||
	    (a->total != 0 && end > a->total) ||
	    (a->more && (a->n_hops == 0 || end >= a->total)))
		return 0;
	for (size_t i = 0; i < a->n_hops; i++)
		if (!trace_hop_valid(a->hops[i]))
			return 0;
	return 1;
}

/* 1 if there are at most WIRE_MAX_WANT ids, each of WIRE_ID_BYTES. */
static int
ids_valid(const ProtobufCBinaryData *ids, size_t n)
{
	if (n > WIRE_MAX_WANT)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i].len != WIRE_ID_BYTES)
			return 0;
	return 1;
}

static int
found_valid(const Nodenet__Found *f)
{
	if (f->n_records > WIRE_MAX_WANT || !ids_valid(f->missing,
	    f->n_missing))
		return 0;
	for (size_t i = 0; i < f->n_records; i++)
		if (f->records[i].len == 0 ||
		    f->records[i].len > WIRE_MAX_RECORD)
			return 0;
	return 1;
}

int
wire_frame_unpack(const uint8_t *buf, size_t len, Nodenet__Frame **out)
{
	Nodenet__Frame	*f;
	int		 ok;

	*out = NULL;
	if (len > WIRE_MAX_FRAME)
		return WIRE_ETOOBIG;
	if ((f = nodenet__frame__unpack(NULL, len, buf)) == NULL)
		return WIRE_EDECODE;
	switch (f->kind_case) {
	case NODENET__FRAME__KIND_HELLO:
		ok = hello_valid(f->hello);
		break;
	case NODENET__FRAME__KIND_BATCH:
		ok = batch_valid(f->batch);
		break;
	case NODENET__FRAME__KIND_ACK:
		ok = f->ack->credit <= WIRE_MAX_CREDIT &&
		    f->ack->lane < WIRE_LANES;
		break;
	case NODENET__FRAME__KIND_HEARTBEAT:
		ok = 1;
		break;
	case NODENET__FRAME__KIND_TRACE_QUERY:
		ok = f->trace_query->id.len == WIRE_ID_BYTES &&
		    f->trace_query->ttl <= WIRE_MAX_TRACE_HOPS;
		break;
	case NODENET__FRAME__KIND_TRACE_ANSWER:
		ok = trace_answer_valid(f->trace_answer);
		break;
	case NODENET__FRAME__KIND_WANT:
		ok = f->want->n_ids > 0 && ids_valid(f->want->ids,
		    f->want->n_ids);
		break;
	case NODENET__FRAME__KIND_FOUND:
		ok = found_valid(f->found);
		break;
	default:
		ok = 0;
	}
	if (!ok || !strings_valid(&nodenet__frame__descriptor, buf, len, 0)) {
		nodenet__frame__free_unpacked(f, NULL);
		return WIRE_EFIELD;
	}
	*out = f;
	return 0;
}

int
wire_frame_pack(const Nodenet__Frame *f, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = nodenet__frame__get_packed_size(f);
	if (*len > WIRE_MAX_FRAME)
		return WIRE_ETOOBIG;
	if ((*out = malloc(*len == 0 ? 1 : *len)) == NULL)
		return ENOMEM;
	nodenet__frame__pack(f, *out);
	return 0;
}

const char *
wire_strerror(int rc)
{
	switch (rc) {
	case WIRE_EDECODE:
		return "malformed protobuf encoding";
	case WIRE_ETOOBIG:
		return "over the size limit";
	case WIRE_EFIELD:
		return "a field is missing or out of bounds";
	case WIRE_ESIG:
		return "signature does not verify";
	case WIRE_EKIND:
		return "record kind unknown here";
	case WIRE_EFROM:
		return "mail sender is not a mailbox at its origin";
	case WIRE_ERCPT:
		return "mail recipient missing or not a mailbox address";
	case WIRE_ERCPTMAX:
		/* WIRE_MAX_RECIPIENTS */
		return "mail to more than 256 recipients";
	case WIRE_ESEALDOC:
		return "sealed revision out of bounds (no readers, fields or "
		    "a personal signature in clear beside the seal, a named "
		    "attachment, a key, nonce, hint or wrapped key of the "
		    "wrong size, or over 256 wrapped keys)";
	case WIRE_ESEAL:
		return "sealed mail out of bounds (content in clear beside "
		    "the seal, a key, nonce, hint or wrapped key of the wrong "
		    "size, or over 256 wrapped keys)";
	}
	return strerror(rc);
}

void
wire_hello_chain_hash(const Nodenet__Hello *h,
    uint8_t out[WIRE_CHAIN_HASH_BYTES])
{
	crypto_generichash_state	st;
	uint8_t				len[8];

	crypto_generichash_init(&st, NULL, 0, WIRE_CHAIN_HASH_BYTES);
	for (size_t i = 0; i < h->n_cert_chain; i++) {
		/* Each length first, so that no two chains hash alike. */
		for (int b = 0; b < 8; b++)
			len[b] = (uint8_t)((uint64_t)h->cert_chain[i].len >>
			    (8 * b));
		crypto_generichash_update(&st, len, sizeof(len));
		crypto_generichash_update(&st, h->cert_chain[i].data,
		    h->cert_chain[i].len);
	}
	crypto_generichash_final(&st, out, WIRE_CHAIN_HASH_BYTES);
}
