/*
 * trust: the one place that answers "may this key act as this name now",
 * for the CURVE handshake (ZAP), the Hello and the origin of every
 * record, and that keeps the index of certificates and revocations it
 * answers from. The rules are proto/README.md's "Certificates".
 *
 * An answer walks a chain of certificates held here up to the pinned
 * root: every element must be inside both ends of its window, unrevoked,
 * and issued by the root or by a node strictly above its subject (an
 * official's, NAME@OFFICE, by OFFICE alone: proto/README.md, "Personal
 * signatures"). Answers are kept for the transactions that see the same
 * store.
 */
#ifndef TRUST_H
#define TRUST_H

#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "key.h"
#include "store.h"
#include "wire.h"

struct node;

/* Certificates read to answer one question: bounds the work a flood of
 * certificates could cause. */
#define TRUST_MAX_CERTS		64

/* Sets up n->n_trust (the pinned root; revocations from the store). */
void	trust_init(struct node *n);
void	trust_free(struct node *n);

/*
 * 0 if key may act as name at now_ms: they are the pinned root's, or a
 * certificate held here binds them and it and every certificate above it
 * up to the root is valid at now_ms (window, revocation, issuer). Else
 * the CERT_E code of why not (CERT_EUNKNOWN: no certificate for them).
 * *until (may be NULL): when to ask again, the earliest end of a window
 * in the chain that holds (UINT64_MAX for the root).
 */
int	trust_check(struct node *n, store_txn_t *txn, const char *name,
	    const uint8_t key[KEY_PUBLIC_BYTES], uint64_t now_ms,
	    uint64_t *until);
/* trust_check() at a time of another clock (a record's signing), so
 * neither kept as an answer nor taken from one. */
int	trust_check_at(struct node *n, store_txn_t *txn, const char *name,
	    const uint8_t key[KEY_PUBLIC_BYTES], uint64_t t_ms);
/*
 * Why trust_check() answered rc for name and key at now_ms, into buf
 * (len bytes): for a window, whose certificate, which bound and by how
 * much (cert_window_why()); else cert_strerror(rc). Returns buf.
 */
const char *trust_why(struct node *n, store_txn_t *txn, const char *name,
	    const uint8_t key[KEY_PUBLIC_BYTES], uint64_t now_ms, int rc,
	    char *buf, size_t len);
/* The state of one certificate held: 0 if valid at now_ms, else the
 * CERT_E code (CERT_EISSUER: its issuer's own chain does not hold). */
int	trust_cert_state(struct node *n, store_txn_t *txn,
	    const struct store_cert *c, uint64_t now_ms);
/*
 * ZAP: 1 if a connection whose CURVE key is curve may go on to say Hello:
 * the key of a configured link, or of a certificate that holds. 0 with
 * *why (static text) if not. Identity is bound at the Hello, not here.
 */
int	trust_admit(struct node *n, const uint8_t curve[32], const char **why);
/*
 * Hello: the key that chain (n elements, leaf first) proves name holds,
 * into key. It must have curve as its X25519 form (the connection's) and,
 * if want is not NULL, be want (a configured link's key). 0 or a CERT_E
 * code, with why it failed in why (whylen bytes; cert_chain_why()). The
 * chain is checked as it came (cert_chain_verify()); store it, then ask
 * trust_check() for the answer that lasts.
 */
int	trust_hello(struct node *n, const char *name,
	    const ProtobufCBinaryData *chain, size_t nchain,
	    const uint8_t curve[32], const uint8_t *want,
	    uint8_t key[KEY_PUBLIC_BYTES], char *why, size_t whylen);
/*
 * The personal signature rb carries (psig.h), if any: 0 if none, or if
 * it holds at now_ms: its person is an official of rb's origin
 * ("user@ORIGIN"), it verifies over the content, and trust_check()
 * answers 0 for the person and key (a person's certificate, issued by
 * the origin, whose own chain holds). Else -1, with why in why (whylen
 * bytes; it may quote the record: log it through esc).
 */
int	trust_person(struct node *n, store_txn_t *txn,
	    const Nodenet__RecordBody *rb, uint64_t now_ms, char *why,
	    size_t whylen);
/*
 * A certificate or revocation record new to this store (its origin
 * already trusted): indexed if it follows the rules, else logged and
 * ignored. 1 if it revoked something (sessions must be checked again),
 * 0 otherwise.
 */
int	trust_apply(struct node *n, store_txn_t *txn,
	    const struct wire_record *wr);
/*
 * May a node named name link to our listener? Our children (for the
 * root: every one-label name), and the names and *.NAME patterns of the
 * config's accept list. Anyone else would make us route its subtree.
 */
int	trust_may_link(const struct node *n, const char *name);

#endif
