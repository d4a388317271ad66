/*
 * key: a node's Ed25519 identity (libsodium).
 *
 * The secret half lives in guarded sodium_malloc memory, is wiped when the
 * key is freed and is never logged or printed. Key files are written 0600
 * and a key file that others can read is refused at load.
 */
#ifndef KEY_H
#define KEY_H

#include <stddef.h>
#include <stdint.h>

#define KEY_PUBLIC_BYTES	32
#define KEY_SIGNATURE_BYTES	64
#define KEY_SEED_BYTES		32
#define KEY_HEX_BYTES		(2 * KEY_PUBLIC_BYTES + 1)	/* with NUL */

enum key_error {
	KEY_EFORMAT = -2001,	/* the file is not a key file */
	KEY_EPERM = -2002,	/* not our file, or group/others may read it */
	KEY_EEXIST = -2003,	/* key_save would overwrite a file */
};

typedef struct key_pair key_pair_t;	/* opaque: holds a secret */

/* A fresh key pair; release with key_free(). */
key_pair_t *key_generate(void);
/* Writes the secret to a new file (mode 0600, fsync'd); never overwrites. */
int	key_save(const key_pair_t *kp, const char *path)
	    __attribute__((warn_unused_result));
/* Reads a key file written by key_save(): 0, an errno or a KEY_E code. */
int	key_load(key_pair_t **out, const char *path)
	    __attribute__((warn_unused_result));
/* The key pair of a 32-byte seed (a personal key file's: pkey.c);
 * NULL if out of memory. */
key_pair_t *key_from_seed(const uint8_t seed[KEY_SEED_BYTES]);
/* Copies kp's seed, its secret, into seed: wipe it after use. */
void	key_seed(const key_pair_t *kp, uint8_t seed[KEY_SEED_BYTES]);
/* NULL-safe; wipes and frees the key, sets *kp = NULL. */
void	key_free(key_pair_t **kp);

/* The public key, KEY_PUBLIC_BYTES; valid until key_free(). */
const uint8_t *key_public(const key_pair_t *kp);
void	key_sign(const key_pair_t *kp, const void *msg, size_t len,
	    uint8_t sig[KEY_SIGNATURE_BYTES]);
/* 0 if sig is pk's signature over msg, -1 otherwise. */
int	key_verify(const uint8_t pk[KEY_PUBLIC_BYTES], const void *msg,
	    size_t len, const uint8_t sig[KEY_SIGNATURE_BYTES])
	    __attribute__((warn_unused_result));

/*
 * The X25519 (CURVE) form of an Ed25519 key, for ZeroMQ's CURVE mechanism:
 * one identity serves signatures and the encrypted link. 0, or -1 for a
 * public key that has no such form. key_curve_secret writes a secret:
 * wipe it with sodium_memzero once the socket option is set.
 */
int	key_curve_public(const uint8_t pk[KEY_PUBLIC_BYTES], uint8_t out[32])
	    __attribute__((warn_unused_result));
void	key_curve_secret(const key_pair_t *kp, uint8_t out[32]);

/* Lower-case hex of a public key into out[KEY_HEX_BYTES]. */
void	key_hex(const uint8_t pk[KEY_PUBLIC_BYTES], char out[KEY_HEX_BYTES]);
/* Parses exactly 64 hex digits: 0, or -1 if s is anything else. */
int	key_parse_hex(const char *s, uint8_t pk[KEY_PUBLIC_BYTES])
	    __attribute__((warn_unused_result));

const char *key_strerror(int rc);

#endif
