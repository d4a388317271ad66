/*
 * wire: signed records as they travel and as they are checked.
 *
 * A record is a serialized RecordBody and the origin's signature. Its id
 * is BLAKE2b-256 of the body bytes; the signature is Ed25519 over
 * WIRE_SIGN_PREFIX (with its NUL) followed by the id. proto/README.md is
 * the contract; this is its one implementation here.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "link.pb-c.h"
#include "record.pb-c.h"

/*
 * The link protocol versions this node speaks, newest and oldest
 * (proto/README.md, "Versions"): a session runs at the newest both ends
 * speak. A release that raises the newest keeps the one before it.
 */
#define WIRE_PROTOCOL_VERSION	5
#define WIRE_PROTOCOL_MIN	1
#define WIRE_SUBTREE_VERSION	3	/* subtree addresses in mail */
#define WIRE_SEAL_VERSION	4	/* sealed mail */
#define WIRE_SEALDOC_VERSION	5	/* sealed revisions, their chunks */
#define WIRE_ID_BYTES		32
#define WIRE_SIGN_PREFIX	"nodenet-record-v1"	/* signed with its NUL */
#define WIRE_MAX_RECORD		(256u * 1024)	/* serialized SignedRecord */
#define WIRE_MAX_BODY		(WIRE_MAX_RECORD - 128)
#define WIRE_MAX_FRAME		(8u * 1024 * 1024)	/* one link frame */
#define WIRE_MAX_BATCH		4096	/* records in one batch frame */
#define WIRE_MAX_CHAIN		16	/* certificates in a chain */
#define WIRE_MAX_CREDIT		65536
#define WIRE_MAX_TRACE_HOPS	16	/* a TraceQuery's ttl */
#define WIRE_MAX_TRACE_EVENTS	256	/* per hop in a TraceAnswer */
#define WIRE_MAX_TRACE_PAGE	4096	/* hops in one TraceAnswer */
#define WIRE_MAX_TRACE_TEXT	255	/* bytes of each string of a hop */
/* Hops in the one TraceAnswer a node from before pages takes. */
#define WIRE_OLD_TRACE_HOPS	64
#define WIRE_STORE_ID_BYTES	16
#define WIRE_EPOCH_BYTES	16	/* a log epoch id */
#define WIRE_LANES		3
#define WIRE_LANE_URGENT	0
#define WIRE_LANE_NORMAL	1
#define WIRE_LANE_BULK		2
#define WIRE_MAX_RECIPIENTS	256	/* of a mail, and so of its reports */
#define WIRE_MAX_WANT		64	/* ids in a Want, records in a Found */
#define WIRE_ID_HEX		(2 * WIRE_ID_BYTES + 1)	/* with its NUL */
/* A sealed mail's parts (proto/README.md, "Sealed mail"; seal.h). */
#define WIRE_SEAL_CURVE		32	/* its X25519 public key */
#define WIRE_SEAL_NONCE		24	/* its content's nonce */
#define WIRE_SEAL_MAC		16	/* of the content and of a box */
#define WIRE_SEAL_BOX		48	/* a wrapped content key */
#define WIRE_SEAL_HINT		8	/* a wrap's recipient: its key's first bytes */

enum wire_error {
	WIRE_EDECODE = -3001,	/* not a valid encoding */
	WIRE_ETOOBIG = -3002,	/* over WIRE_MAX_RECORD */
	WIRE_EFIELD = -3003,	/* a field missing or out of bounds */
	WIRE_ESIG = -3004,	/* the signature does not verify */
	WIRE_EKIND = -3005,	/* no record kind this node knows */
	WIRE_EFROM = -3006,	/* a mail's sender is not at its origin */
	WIRE_ERCPT = -3007,	/* a mail to no one, or to a non-address */
	WIRE_ERCPTMAX = -3008,	/* a mail over WIRE_MAX_RECIPIENTS */
	WIRE_ESEAL = -3009,	/* a sealed mail out of its bounds */
	WIRE_ESEALDOC = -3010,	/* a sealed revision out of its bounds */
};

/* A decoded, verified record. */
struct wire_record {
	uint8_t			 id[WIRE_ID_BYTES];
	const uint8_t		*body;		/* valid until wire_record_clear */
	size_t			 body_len;
	const uint8_t		*sig;		/* KEY_SIGNATURE_BYTES, likewise */
	Nodenet__RecordBody	*rb;		/* the decoded body, likewise */
	Nodenet__SignedRecord	*sr;		/* owns body and sig */
};

/* id = BLAKE2b-256(body). */
void	wire_record_id(const uint8_t *body, size_t len,
	    uint8_t id[WIRE_ID_BYTES]);
/*
 * Sets rb->origin_key to kp's public key, serializes and signs rb, and
 * returns the serialized SignedRecord in *out (free() it) and its id.
 */
int	wire_record_make(const key_pair_t *kp, Nodenet__RecordBody *rb,
	    uint8_t **out, size_t *out_len, uint8_t id[WIRE_ID_BYTES])
	    __attribute__((warn_unused_result));
/*
 * Decodes a serialized SignedRecord from an untrusted buffer, checks its
 * bounds and fields (a mail's sender and recipients: wire_mail_check()),
 * and verifies its signature. On success out holds the record; release it
 * with wire_record_clear(). On failure out is empty.
 */
int	wire_record_open(const uint8_t *buf, size_t len,
	    struct wire_record *out) __attribute__((warn_unused_result));
/* id as 64 lowercase hex digits, in buf; returns buf. */
const char *wire_id_hex(const uint8_t *id, char buf[WIRE_ID_HEX]);
/*
 * A SignedRecord of body and sig (KEY_SIGNATURE_BYTES), as a record
 * travels: a new buffer of *len bytes, or NULL if out of memory.
 */
uint8_t	*wire_record_pack(const uint8_t *body, size_t body_len,
	    const uint8_t *sig, size_t *len);
/*
 * The same for a record this node has just made and signed
 * (wire_record_make()): everything but the signature is checked.
 */
int	wire_record_open_own(const uint8_t *buf, size_t len,
	    struct wire_record *out) __attribute__((warn_unused_result));
/* The same for a body and signature held apart (as the store holds them). */
int	wire_record_check(const uint8_t *body, size_t body_len,
	    const uint8_t sig[KEY_SIGNATURE_BYTES], struct wire_record *out)
	    __attribute__((warn_unused_result));
/* Releases what out holds; safe on an empty or cleared record. */
void	wire_record_clear(struct wire_record *out);
/*
 * The contract's rule for a mail body (proto/README.md, "Mail"): its
 * `from` is a mailbox address at the record's origin, and it has 1 to
 * WIRE_MAX_RECIPIENTS recipients, each a mailbox address or a subtree
 * address (name.h); a sealed one keeps nothing of its content in clear,
 * and its keys, nonce and wrapped keys have their sizes ("Sealed
 * mail"). 0 (also for any other kind), WIRE_EFROM, WIRE_ERCPT,
 * WIRE_ERCPTMAX or WIRE_ESEAL. Who may address a subtree is the node's
 * to judge (it needs the root's name).
 */
int	wire_mail_check(const Nodenet__RecordBody *rb);
/*
 * The contract's bounds of a sealed revision ("Sealed documents"):
 * readers, nothing of its content in clear beside the seal, nameless
 * attachments, a seal of its sizes. 0 (also for any other record),
 * WIRE_ESEALDOC.
 */
int	wire_doc_check(const Nodenet__RecordBody *rb);
/*
 * 1 if every string of the encoding of a message of type desc (len
 * bytes at p), at any depth, is UTF-8 without NUL, as every record's
 * must be; for what comes out of a sealed mail.
 */
int	wire_strings_valid(const ProtobufCMessageDescriptor *desc,
	    const uint8_t *p, size_t len);

/*
 * Decodes one link frame from an untrusted buffer and checks its bounds:
 * exactly one kind; in a Hello a valid name, store ids and log epochs of
 * the right size, at most WIRE_MAX_CHAIN certificates; in a Batch at most
 * WIRE_MAX_BATCH items with increasing seqs inside (after, upto]. Records
 * inside are not opened here. On success free *out with
 * nodenet__frame__free_unpacked.
 */
int	wire_frame_unpack(const uint8_t *buf, size_t len, Nodenet__Frame **out)
	    __attribute__((warn_unused_result));
/* Serializes f into a new buffer (free() it). WIRE_ETOOBIG past the cap. */
int	wire_frame_pack(const Nodenet__Frame *f, uint8_t **out, size_t *len)
	    __attribute__((warn_unused_result));
/* A digest of a Hello's certificate chain, to compare chains cheaply. */
#define WIRE_CHAIN_HASH_BYTES	32
void	wire_hello_chain_hash(const Nodenet__Hello *h,
	    uint8_t out[WIRE_CHAIN_HASH_BYTES]);

/*
 * The version a session runs at, given the range the peer's Hello states
 * (their_max 0: a node from before the range, speaking their_min only):
 * the newest version both speak, or 0 if the ranges do not overlap.
 */
uint32_t wire_session_version(uint32_t their_min, uint32_t their_max);
/*
 * The oldest protocol version a session must run at for a record of this
 * kind to be sent on it; 0 for a kind this node does not know.
 */
uint32_t wire_kind_version(Nodenet__RecordBody__KindCase kind);
/*
 * The same for one record: its kind's version, or a later one for what
 * an older node would refuse or misread (WIRE_SUBTREE_VERSION for a mail
 * with a subtree address, WIRE_SEAL_VERSION for a sealed one).
 */
uint32_t wire_record_version(const Nodenet__RecordBody *rb);
/* "mail", "doc", ...: a kind's name; "?" for one this node does not know. */
const char *wire_kind_name(Nodenet__RecordBody__KindCase kind);

const char *wire_strerror(int rc);

#endif
