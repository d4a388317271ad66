/*
 * psig: an official's personal signature over a record's content
 * (proto/README.md, "Personal signatures"). The client that holds the
 * personal key and every node that checks it compute the same bytes
 * here, so the two cannot drift apart.
 *
 * The signature is Ed25519 over
 *
 *	"nodenet-person-v1" || 0x00 || BLAKE2b-256(content)
 *
 * where content is a sequence of items, each a 4-byte big-endian length
 * then that many bytes (a number: its 8 bytes, big-endian):
 *
 *	mail:     "mail", from, the number of recipients, each
 *	          recipient, subject, text
 *	revision: "doc", db, the number of fields signed, then for each
 *	          signed name, in strictly ascending byte order: the name,
 *	          and its value in the revision: "" if the revision has no
 *	          such field, else 33 bytes: one of type (1 text, 2 number,
 *	          3 time_ms, 4 list, 5 data), then the BLAKE2b-256 of the
 *	          value's own items (text or data: one item; a number: its
 *	          IEEE 754 binary64 bits as a number; time_ms: a number; a
 *	          list: the number of items, then each)
 *
 * So a signature moved to other content, another record or another
 * database no longer verifies.
 */
#ifndef PSIG_H
#define PSIG_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "record.pb-c.h"

#define PSIG_DIGEST_BYTES	32
#define PSIG_MAX_FIELDS		256	/* names a revision's signature lists */

/* The digest of a mail's content, as above. */
void	psig_mail_digest(const char *from, char *const *to, size_t n_to,
	    const char *subject, const uint8_t *text, size_t text_len,
	    uint8_t out[PSIG_DIGEST_BYTES]);
/*
 * The digest of a revision's content (db, its n_fields fields) for the
 * n_names field names signed: 0, or -1 if the names are not strictly
 * ascending, or more than PSIG_MAX_FIELDS, or none.
 */
int	psig_doc_digest(const char *db, Nodenet__Field *const *fields,
	    size_t n_fields, char *const *names, size_t n_names,
	    uint8_t out[PSIG_DIGEST_BYTES]) __attribute__((warn_unused_result));
/* Signs a digest with a personal key. */
void	psig_sign(const key_pair_t *kp, const uint8_t digest[PSIG_DIGEST_BYTES],
	    uint8_t sig[KEY_SIGNATURE_BYTES]);
/* 0 if sig is pk's signature over digest, -1 if not. */
int	psig_verify(const uint8_t pk[KEY_PUBLIC_BYTES],
	    const uint8_t digest[PSIG_DIGEST_BYTES],
	    const uint8_t sig[KEY_SIGNATURE_BYTES])
	    __attribute__((warn_unused_result));

/*
 * The personal signature a record body carries, if any (its mail's or
 * revision's signed_by), into *ps, and the digest of the content it
 * covers. 0 if none, 1 if one, -1 if it is malformed (why says how: a
 * static string).
 */
int	psig_of(const Nodenet__RecordBody *rb,
	    const Nodenet__PersonSignature **ps,
	    uint8_t digest[PSIG_DIGEST_BYTES], const char **why);

#endif
