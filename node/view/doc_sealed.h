/*
 * doc_sealed: sealed revisions as their readers see them
 * (proto/README.md, "Sealed documents").
 *
 * A revision with readers carries its fields, its attachments' names,
 * media types and keys and its official's signature sealed (seal.h) for
 * its readers' nodes, bound to what stays clear: origin, database,
 * document, parents, deleted flag, readers and its attachments'
 * ciphertext. Relays check and route the clear part; a reader opens
 * the rest here, into the revision as it would be clear, and reads an
 * attachment's bytes out of its ciphertext chunks.
 */
#ifndef DOC_SEALED_H
#define DOC_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "record.pb-c.h"
#include "seal.h"

#define DOC_SEAL_AD_PREFIX	"nodenet-seal-doc-v1"	/* and its NUL */
/* An attachment's plaintext in each piece: a piece and its MAC fill a
 * chunk. */
#define DOC_SEAL_PIECE		(DOC_CHUNK_BYTES - SEAL_MAC_BYTES)
/* A sealed attachment's plaintext at most: its ciphertext fits the
 * bound of any attachment. */
#define DOC_SEAL_MAX_ATTACHMENT	\
	(DOC_MAX_ATTACHMENT / DOC_CHUNK_BYTES * DOC_SEAL_PIECE)
#define DOC_SEAL_EINVALID	(-6101)	/* opened to no valid content */

/*
 * The associated data of revision rb (its clear part, as the contract
 * spells it) into ad (seal_ad_free() it).
 */
void	doc_sealed_ad(const Nodenet__RecordBody *rb, struct seal_ad *ad);
/*
 * The ciphertext size of a sealed attachment of size plaintext bytes.
 */
uint64_t doc_sealed_size(uint64_t size);
/*
 * Opens sealed revision rb (decoded from a verified record) with kr, in
 * place: its doc then holds its fields, attachments (named, each with
 * its seal and its ciphertext chunks) and signed_by as if clear, and
 * still its sealed. 0 (*key: which of kr's keys opened it, seal.h), a
 * SEAL_E code, or DOC_SEAL_EINVALID with why (whylen bytes). Whether its
 * official's signature holds is the caller's to ask (trust_person()).
 */
int	doc_sealed_open(const struct seal_keyring *kr,
	    Nodenet__RecordBody *rb, int *key, char *why, size_t whylen)
	    __attribute__((warn_unused_result));
/*
 * The plaintext of sealed attachment a (opened) from its ciphertext ct
 * (a->size bytes, checked against its hashes): a new buffer of
 * a->sealed->size bytes, or NULL with err.
 */
uint8_t	*doc_sealed_attachment(const Nodenet__PayloadRef *a,
	    const uint8_t *ct, char *err, size_t errlen);
/* Why a sealed revision did not open here (doc_sealed_open()'s rc). */
const char *doc_sealed_why(const Nodenet__DocRevision *d, int rc, char *buf,
	    size_t len);

#endif
