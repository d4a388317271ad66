/*
 * cert: certificates, chains to the pinned root, and revocations.
 *
 * A certificate is a record of kind cert: its origin (the issuer) binds
 * a subject name to a subject key for a window of time. A chain proves
 * that a name holds a key: the name's own certificate first, then its
 * issuer's, up to one the root signed. The root is pinned by name and key
 * in struct cert_trust and needs no certificate. An issuer other than the
 * root may certify only names strictly inside its own subtree. The rules
 * are written out at cert_chain_verify() and in proto/README.md.
 */
#ifndef CERT_H
#define CERT_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "wire.h"

#define CERT_MAX_CHAIN		WIRE_MAX_CHAIN	/* certificates in a chain */
#define CERT_MAX_FILE		(64u * 1024)	/* bytes in a chain file */
#define CERT_MAX_REASON		256		/* bytes in a revocation reason */

/*
 * Clocks a little apart must agree on a certificate (proto/README.md,
 * "Certificates"). An issuer starts a new certificate CERT_BACKDATE_MS
 * before its own clock, so that a verifier whose clock is behind the
 * issuer's (or an issuer whose clock is ahead) does not find it not yet
 * valid; a verifier holds a certificate from CERT_SKEW_MS before its
 * start to CERT_SKEW_MS past its end. Starting early grants nothing a
 * key did not have (the issuer could have certified it then); ending
 * late keeps an expired key working that long, so that tolerance is
 * small: revocation, not the end of a window, is how a key is cut off.
 */
#define CERT_BACKDATE_MS	(2 * UINT64_C(86400000))	/* 2 days */
#define CERT_SKEW_MS		UINT64_C(3600000)		/* 1 hour */

enum cert_error {
	CERT_EDECODE = -4001,	/* not a record, or not a well-formed cert */
	CERT_EKIND = -4002,	/* a record of another kind */
	CERT_ESUBJECT = -4003,	/* subject or key is not the one asked for */
	CERT_EISSUER = -4004,	/* issuer chain broken, or not the root at the end */
	CERT_ENAME = -4005,	/* a subject outside its issuer's subtree */
	CERT_EEXPIRED = -4006,	/* now is past a certificate's window */
	CERT_EREVOKED = -4007,	/* a certificate or its key is revoked */
	CERT_ETOOLONG = -4008,	/* more than CERT_MAX_CHAIN certificates */
	CERT_ETOOBIG = -4009,	/* a chain file over CERT_MAX_FILE bytes */
	CERT_EINVAL = -4010,	/* a bad argument to cert_issue/cert_revoke */
	CERT_EREVOKER = -4011,	/* the revoker may not revoke this cert */
	CERT_ENOTYET = -4012,	/* now is before a certificate's window */
	CERT_EUNKNOWN = -4013,	/* no certificate held for this name and key */
};

struct cert_trust {
	const char	*root_name;		/* pinned root, e.g. "tw" */
	uint8_t		 root_key[KEY_PUBLIC_BYTES];
	/*
	 * 1 if the certificate (by record id) or its key is revoked, 0 if
	 * not; may be NULL (nothing is revoked). subject is the name the
	 * certificate binds: a key revocation must count only for subjects
	 * within the revoker's subtree (everywhere if the root revoked it),
	 * or any node could revoke any key by certifying it under a name of
	 * its own and revoking that. See cert_revocation_check().
	 */
	int		(*revoked)(void *arg, const uint8_t cert_id[WIRE_ID_BYTES],
			    const uint8_t key[KEY_PUBLIC_BYTES],
			    const char *subject);
	void		*arg;
};

/*
 * 1 if name and key are trust's pinned root (both: the root's name with
 * another key is not the root); 0 if not, or if trust is NULL.
 */
int	cert_is_root(const struct cert_trust *trust, const char *name,
	    const uint8_t key[KEY_PUBLIC_BYTES]);

/*
 * Issues a certificate record: issuer (named issuer_name, its own record
 * sequence origin_seq) binds subject to subject_key for [not_before_ms,
 * not_after_ms). *out is a serialized SignedRecord (free() it), id its
 * record id. The issuer is the root if its name and key are trust's (trust
 * may be NULL: not the root). subject is a node name or an official's,
 * NAME@OFFICE (name_person()). Refuses with CERT_ENAME a node subject not
 * strictly inside the issuer's subtree unless the issuer is the root, an
 * official of any office but the issuer itself (the root's included),
 * and the root's own name always; CERT_EISSUER the root's name with another
 * key or the root's key with another name; CERT_ESUBJECT the root's key as
 * subject_key; CERT_EINVAL an invalid name or an empty window. Otherwise
 * 0, or a wire_record_make() code.
 */
int	cert_issue(const key_pair_t *issuer, const char *issuer_name,
	    uint64_t origin_seq, const char *subject,
	    const uint8_t subject_key[KEY_PUBLIC_BYTES], uint64_t not_before_ms,
	    uint64_t not_after_ms, const struct cert_trust *trust,
	    uint8_t **out, size_t *out_len, uint8_t id[WIRE_ID_BYTES])
	    __attribute__((warn_unused_result));

/*
 * Verifies that certs (n serialized SignedRecords, leaf first, each
 * lens[i] bytes, from an untrusted source) prove that name holds key, up
 * to the pinned root, at time now_ms. Returns 0 or the CERT_E code of the
 * first rule broken:
 *  - n <= CERT_MAX_CHAIN (CERT_ETOOLONG, checked before anything is read).
 *  - n == 0 is valid only when name is trust->root_name and key is
 *    trust->root_key: the root needs no certificate. The root key under
 *    another name is refused (CERT_ESUBJECT).
 *  - Each element opens with wire_record_open (CERT_EDECODE), is of kind
 *    cert (CERT_EKIND), and has a valid node name as subject (not an
 *    official's: a personal key proves no node) and a 32-byte subject
 *    key (CERT_EDECODE).
 *  - certs[0] has subject == name and subject_key == key (CERT_ESUBJECT).
 *    No certificate binds the root key (CERT_ESUBJECT) or the root name
 *    (CERT_ENAME): they belong to the root alone.
 *  - certs[i] is signed by certs[i+1].subject_key and its origin (issuer
 *    name) is certs[i+1].subject; the last is signed by trust->root_key
 *    with origin trust->root_name (CERT_EISSUER).
 *  - Every issuer but the root certifies only names strictly inside its
 *    subtree, name_strictly_within(subject, issuer); the root may certify
 *    any name but its own (CERT_ENAME).
 *  - now_ms is inside every element's window, with the skew tolerated
 *    (cert_window()).
 *  - trust->revoked says no element is revoked, asked by each element's
 *    record id, subject key and subject (CERT_EREVOKED).
 */
int	cert_chain_verify(const struct cert_trust *trust, const char *name,
	    const uint8_t key[KEY_PUBLIC_BYTES], const uint8_t *const *certs,
	    const size_t *lens, size_t n, uint64_t now_ms)
	    __attribute__((warn_unused_result));

/*
 * 0 if not_before_ms - CERT_SKEW_MS <= now_ms < not_after_ms +
 * CERT_SKEW_MS, else CERT_ENOTYET or CERT_EEXPIRED.
 */
int	cert_window(uint64_t not_before_ms, uint64_t not_after_ms,
	    uint64_t now_ms);
/* When a window ending at not_after_ms stops holding: CERT_SKEW_MS
 * later (UINT64_MAX if that does not fit). */
uint64_t cert_window_end(uint64_t not_after_ms);
/*
 * Why a certificate of subject (a valid node name) with that window does
 * not hold at now_ms, as cert_window() answered rc, into buf (len
 * bytes): which bound, how far our clock is from it, the skew tolerated,
 * and that a clock may be wrong. Any other rc: cert_strerror(rc).
 * Returns buf.
 */
const char *cert_window_why(char *buf, size_t len, int rc,
	    const char *subject, uint64_t not_before_ms,
	    uint64_t not_after_ms, uint64_t now_ms);

/*
 * A chain as held in memory and in a chain file (a CertChain protobuf).
 * certs[i] is lens[i] bytes; all of it is owned by the struct.
 */
struct cert_chain {
	uint8_t		**certs;
	size_t		 *lens;
	size_t		  n;
};

/*
 * Why cert_chain_verify() of certs (n elements, lens[i] bytes each)
 * answered rc at now_ms, into buf (len bytes): for a window, the
 * cert_window_why() of the first element out of its window; else
 * cert_strerror(rc). Returns buf.
 */
const char *cert_chain_why(char *buf, size_t len, int rc,
	    const uint8_t *const *certs, const size_t *lens, size_t n,
	    uint64_t now_ms);

/* cert_chain_verify() on a loaded chain. */
int	cert_chain_check(const struct cert_trust *trust, const char *name,
	    const uint8_t key[KEY_PUBLIC_BYTES], const struct cert_chain *c,
	    uint64_t now_ms) __attribute__((warn_unused_result));
/*
 * Reads a chain file into out (release with cert_chain_free()). Refuses a
 * file over CERT_MAX_FILE (CERT_ETOOBIG), with more than CERT_MAX_CHAIN
 * certificates (CERT_ETOOLONG), that does not decode or is not a regular
 * file (CERT_EDECODE); an errno if it cannot be read. The certificates
 * are not verified: call cert_chain_check(). On failure out is empty.
 */
int	cert_chain_load(const char *path, struct cert_chain *out)
	    __attribute__((warn_unused_result));
/*
 * Writes c to path atomically: a temporary file beside it, fsync, rename
 * over path, fsync of the directory; mode 0644. 0, CERT_ETOOLONG,
 * CERT_ETOOBIG, or an errno; on failure path is as it was.
 */
int	cert_chain_save(const char *path, const struct cert_chain *c)
	    __attribute__((warn_unused_result));
/* Frees what c holds and empties it; safe on an empty chain. */
void	cert_chain_free(struct cert_chain *c);

/*
 * Makes a revocation record for cert (a serialized certificate record):
 * revoker, named revoker_name, with its own sequence origin_seq, revokes
 * the certificate's id and the key it certified, giving reason (NULL: none;
 * at most CERT_MAX_REASON bytes of UTF-8). The revoker must be the root
 * (by trust, which may be NULL) or a strict ancestor of the certificate's
 * subject (an official's: the office or an ancestor of it,
 * name_may_revoke()); a certificate's issuer always is one of these. *out is a
 * serialized SignedRecord (free() it), id its record id. 0, CERT_EDECODE
 * or CERT_EKIND (cert is not a certificate), CERT_EREVOKER, CERT_EINVAL,
 * or a wire_record_make() code.
 */
int	cert_revoke(const key_pair_t *revoker, const char *revoker_name,
	    uint64_t origin_seq, const struct cert_trust *trust,
	    const uint8_t *cert, size_t cert_len, const char *reason,
	    uint8_t **out, size_t *out_len, uint8_t id[WIRE_ID_BYTES])
	    __attribute__((warn_unused_result));
/*
 * Checks that rev, a revocation record opened by wire_record_open(), is
 * one trust should honour for cert, the opened certificate record it
 * names. The revoker is rev's origin; certs/lens/n is the revoker's own
 * chain (n == 0 for the root), verified at now_ms as cert_chain_verify()
 * does, since a name in a record proves nothing by itself. Returns 0 if
 *  - rev is of kind revocation and cert of kind cert (CERT_EKIND), and
 *    the certificate is well formed (CERT_EDECODE);
 *  - rev's certificate_id is cert's record id and its subject_key the
 *    key cert binds (CERT_ESUBJECT);
 *  - the revoker's chain verifies (its cert_chain_verify() code);
 *  - the revoker is the root, or its name is a strict ancestor of cert's
 *    subject (CERT_EREVOKER).
 * The caller then records the certificate id as revoked everywhere, and
 * the key as revoked for subjects within rev's origin (everywhere if the
 * revoker is the root): see struct cert_trust.
 */
int	cert_revocation_check(const struct cert_trust *trust,
	    const struct wire_record *rev, const struct wire_record *cert,
	    const uint8_t *const *certs, const size_t *lens, size_t n,
	    uint64_t now_ms) __attribute__((warn_unused_result));

/* A message for a CERT_E code, a wire code or an errno; never NULL. */
const char *cert_strerror(int rc);

#endif
