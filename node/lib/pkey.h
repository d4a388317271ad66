/*
 * pkey: an official's personal Ed25519 key, in a file sealed with a
 * passphrase (proto/README.md, "Personal signatures").
 *
 * The file holds the key's seed in crypto_secretbox under a key that
 * Argon2id (crypto_pwhash) derives from the passphrase and a random
 * salt; the passphrase is never stored. A wrong passphrase and a damaged
 * file are refused alike (PKEY_EPASS), after the same work: one pwhash
 * and one MAC check, so the refusal tells nothing of the key.
 */
#ifndef PKEY_H
#define PKEY_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"

#define PKEY_PASS_MAX	1024	/* bytes of a passphrase */
#define PKEY_PASS_MIN	8

enum pkey_error {
	PKEY_EFORMAT = -2101,	/* not a personal key file */
	PKEY_EPASS = -2102,	/* wrong passphrase, or a damaged file */
	PKEY_ESHORT = -2103,	/* a passphrase under PKEY_PASS_MIN bytes */
	PKEY_EMATCH = -2104,	/* asked twice, the two differ */
};

/*
 * Writes kp's secret to a new file at path (mode 0600, fsync'd, never
 * overwriting), sealed with pass (len bytes). 0, PKEY_ESHORT, KEY_EEXIST
 * or an errno.
 */
int	pkey_save(const key_pair_t *kp, const char *path, const char *pass,
	    size_t len) __attribute__((warn_unused_result));
/*
 * Opens a file pkey_save() wrote with pass: 0 with *out (key_free() it),
 * PKEY_EPASS, PKEY_EFORMAT, KEY_EPERM (others may read it) or an errno.
 */
int	pkey_load(key_pair_t **out, const char *path, const char *pass,
	    size_t len) __attribute__((warn_unused_result));
/* The public key a file names, without its passphrase: 0 or as above. */
int	pkey_public(const char *path, uint8_t pk[KEY_PUBLIC_BYTES])
	    __attribute__((warn_unused_result));

/*
 * Reads a passphrase into a sodium_malloc'd buffer (*out, NUL-ended;
 * pkey_pass_free() it): from the descriptor named by the environment's
 * NODE_PASSPHRASE_FD, if set (its first line; for scripts), else from
 * the terminal without echo, prompt first, asked twice if confirm. 0,
 * PKEY_ESHORT, PKEY_EMATCH or an errno (ENOTTY:
 * no terminal and no descriptor).
 */
int	pkey_pass_read(const char *prompt, int confirm, char **out,
	    size_t *len) __attribute__((warn_unused_result));
void	pkey_pass_free(char **pass);

const char *pkey_strerror(int rc);

#endif
