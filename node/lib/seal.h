/*
 * seal: mail only its recipients' nodes can read (proto/README.md,
 * "Sealed mail").
 *
 * A mail's subject, text and attachments are encrypted with a content
 * key made for that mail alone (XChaCha20-Poly1305), its clear envelope
 * as associated data; the content key is boxed once for each recipient
 * node key (crypto_box, from a sending X25519 key pair of the sender's,
 * new every minute, to the X25519 form of the node's Ed25519 key). The envelope stays
 * clear: relays route, verify and report on it without reading, and the
 * origin signs the sealed form. A node opens with its own key, or with
 * one it held before it was re-keyed: a keyring.
 *
 * Every secret here (content keys, X25519 secrets, the plaintext's
 * buffer) is wiped after use; nothing here logs.
 */
#ifndef SEAL_H
#define SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "wire.h"

#define SEAL_CURVE_BYTES	WIRE_SEAL_CURVE	/* an X25519 key */
#define SEAL_NONCE_BYTES	WIRE_SEAL_NONCE	/* the content's, XChaCha20 */
#define SEAL_MAC_BYTES		WIRE_SEAL_MAC	/* of the content, of a box */
#define SEAL_BOX_BYTES		WIRE_SEAL_BOX	/* a wrapped content key */
#define SEAL_HINT_BYTES		WIRE_SEAL_HINT	/* a wrap's recipient */
#define SEAL_KEY_BYTES		32	/* a content or attachment key */
#define SEAL_MAX_KEYS		WIRE_MAX_RECIPIENTS	/* wraps in a mail */
#define SEAL_MAX_OLD		16	/* keys a node held before */
#define SEAL_AD_PREFIX		"nodenet-seal-v1"	/* with its NUL */

enum seal_error {
	SEAL_ENOKEY = -6001,	/* sealed to no key held here */
	SEAL_EBOX = -6002,	/* our wrapped key does not open */
	SEAL_EOPEN = -6003,	/* the content does not open with its envelope */
	SEAL_EDECODE = -6004,	/* it opened, but holds no valid content */
	SEAL_ETOOMANY = -6005,	/* over SEAL_MAX_KEYS recipient keys */
	SEAL_ECLEAR = -6006,	/* not a sealed mail */
	SEAL_EOLDKEYS = -6007,	/* over SEAL_MAX_OLD old key files */
};

/*
 * A sending key pair is replaced after this many mails, and this long
 * (monotonic clock): what one could open is bounded, and so is what a
 * sender pays a recipient key (one X25519 operation per key pair).
 */
#define SEAL_SENDER_MAILS	1024
#define SEAL_SENDER_MS		60000

/* A recipient node's key: its Ed25519 key (a wrap names its first
 * SEAL_HINT_BYTES), and its X25519 form. */
struct seal_to {
	uint8_t	ed[KEY_PUBLIC_BYTES];
	uint8_t	curve[SEAL_CURVE_BYTES];
};

/*
 * A sender's state: its sending key pair (in guarded memory) and the box
 * keys it shares with the recipient keys it sealed for under it.
 */
struct seal_sender;
/* A sender with no key pair yet; NULL if out of memory. */
struct seal_sender *seal_sender_new(void);
/* Wipes and frees it; NULL-safe, sets *ss = NULL. */
void	seal_sender_free(struct seal_sender **ss);
/* Wipes a key pair past its time, so an idle node holds none long. */
void	seal_sender_tick(struct seal_sender *ss, uint64_t now_ms);

/*
 * Seals m for the n keys to (0 to SEAL_MAX_KEYS): its subject, text and
 * attachments go encrypted into a new m->sealed, bound to the envelope
 * m has now (from, to, expiry, receipt, priority) and to the record's
 * origin and origin_key, which must be those the record will carry;
 * they are left empty here. Boxed with ss's key pair (NULL: one made
 * for this mail alone). 0, SEAL_ETOOMANY, EINVAL (a key of small order),
 * or ENOMEM. Release what it made with seal_clear(m).
 */
int	seal_mail(Nodenet__MailMessage *m, const char *origin,
	    const uint8_t origin_key[KEY_PUBLIC_BYTES], const struct seal_to *to,
	    size_t n, struct seal_sender *ss)
	    __attribute__((warn_unused_result));
/* Frees what seal_mail() put in m; NULL-safe, sets m->sealed NULL. */
void	seal_clear(Nodenet__MailMessage *m);

/*
 * Seals plain (len bytes) for the n keys to, bound to associated data
 * ad, as seal_mail() seals a mail's content (sealed documents use it
 * too): 0 with a new *out (free with seal_free()), SEAL_ETOOMANY,
 * EINVAL or ENOMEM.
 */
int	seal_bytes(const uint8_t *plain, size_t len, const uint8_t *ad,
	    size_t adlen, const struct seal_to *to, size_t n,
	    struct seal_sender *ss, Nodenet__SealedContent **out)
	    __attribute__((warn_unused_result));
/* Frees what seal_bytes() made; NULL-safe, sets *sc NULL. */
void	seal_free(Nodenet__SealedContent **sc);
/* Wipes and frees a plaintext of len bytes; NULL-safe. */
void	seal_plain_free(uint8_t *p, size_t len);

/*
 * Associated data as the contract spells it: a prefix with its NUL,
 * then strings (le32 length, bytes), numbers (little endian) and bytes.
 */
struct seal_ad {
	uint8_t	*buf;
	size_t	 len, cap;
};
void	seal_ad_init(struct seal_ad *a, const char *prefix);
void	seal_ad_str(struct seal_ad *a, const char *s);
void	seal_ad_num(struct seal_ad *a, uint64_t v, int bytes);
void	seal_ad_bytes(struct seal_ad *a, const void *p, size_t len);
void	seal_ad_free(struct seal_ad *a);

/*
 * Piece i of a sealed attachment: XChaCha20-Poly1305 under key (random
 * for that attachment alone) with nonce i (le64, then zeros), no
 * associated data. out holds len + SEAL_MAC_BYTES bytes.
 */
void	seal_piece(const uint8_t key[SEAL_KEY_BYTES], uint64_t i,
	    const uint8_t *in, size_t len, uint8_t *out);
/* Opens one (len bytes, its MAC included) into out: 0 or SEAL_EOPEN. */
int	seal_piece_open(const uint8_t key[SEAL_KEY_BYTES], uint64_t i,
	    const uint8_t *in, size_t len, uint8_t *out)
	    __attribute__((warn_unused_result));

/* A node's keys: its own (borrowed), and those it held before (owned). */
struct seal_keyring {
	const key_pair_t	*current;
	key_pair_t		*old[SEAL_MAX_OLD];
	size_t			 n_old;
};

/*
 * Adds every file of directory dir to kr as an old key (key_load(): the
 * owner's, mode 0600), in name order; a dir that does not exist holds
 * none. 0, or a code (key_strerror(), SEAL_EOLDKEYS) with the file it
 * is about in path (pathlen bytes).
 */
int	seal_keyring_load(struct seal_keyring *kr, const char *dir, char *path,
	    size_t pathlen) __attribute__((warn_unused_result));
/* Frees the old keys (not current). */
void	seal_keyring_free(struct seal_keyring *kr);
/*
 * Which of kr's keys sealed mail m has a wrap for: 0 for the current
 * key, 1 + i for old key i, SEAL_ENOKEY for none, SEAL_ECLEAR if m is
 * not sealed. Cheap: compares keys, opens nothing.
 */
int	seal_find(const struct seal_keyring *kr, const Nodenet__MailMessage *m);
/* The same for any sealed content s (NULL: SEAL_ECLEAR). */
int	seal_hinted(const struct seal_keyring *kr,
	    const Nodenet__SealedContent *s);
/*
 * Opens s with kr for associated data ad: 0 with the plaintext in
 * *plain, *len bytes (free with seal_plain_free()), and in *key (if not
 * NULL) which key opened it; or a SEAL_E code.
 */
int	seal_unseal(const struct seal_keyring *kr,
	    const Nodenet__SealedContent *s, const uint8_t *ad, size_t adlen,
	    uint8_t **plain, size_t *len, int *key)
	    __attribute__((warn_unused_result));
/*
 * Opens the sealed mail of record body rb with kr: 0 with its content
 * in *out (free with nodenet__mail_content__free_unpacked()) and in
 * *key which key opened it (seal_find()'s), or a SEAL_E code.
 */
int	seal_open(const struct seal_keyring *kr, const Nodenet__RecordBody *rb,
	    Nodenet__MailContent **out, int *key)
	    __attribute__((warn_unused_result));
/*
 * Checks the official's signature a sealed mail's content c (rb's,
 * opened) carries, as every node checks a clear mail's (psig.h): the
 * person an official of the mail's origin, the signature over the
 * content as it would be clear. 0 if it carries none, 1 if it holds, -1
 * with why (whylen bytes) if not. Whether the person's certificate held
 * is the node's to ask (trust.h).
 */
int	seal_signed(const Nodenet__RecordBody *rb, const Nodenet__MailContent *c,
	    char *why, size_t whylen) __attribute__((warn_unused_result));
/*
 * Why sealed mail m did not open here (rc from seal_open()), in a line
 * for a person, into buf; for SEAL_ENOKEY it names the first keys it
 * was sealed to. Returns buf.
 */
const char *seal_why(const Nodenet__MailMessage *m, int rc, char *buf,
	    size_t len);
/* The same for any sealed content s. */
const char *seal_why_sealed(const Nodenet__SealedContent *s, int rc,
	    char *buf, size_t len);
const char *seal_strerror(int rc);

#endif
