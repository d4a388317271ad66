/*
 * key: Ed25519 key pairs, their files, signing and verifying.
 *
 * A key file is one line: "node-ed25519-secret-v1 " then the 32-byte seed
 * in hex, then a newline (88 bytes). The seed is all that is secret; the
 * key pair is derived from it at load. Secrets are held only in
 * sodium_malloc'd memory and every buffer that held a secret is wiped on
 * every path out, failures included.
 */
#include <errno.h>
#include <fcntl.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "file.h"
#include "key.h"

#define KEY_FILE_TAG	"node-ed25519-secret-v1 "
#define KEY_TAG_LEN	(sizeof(KEY_FILE_TAG) - 1)
#define KEY_SEED_HEX	(2 * crypto_sign_SEEDBYTES)
#define KEY_FILE_LEN	(KEY_TAG_LEN + KEY_SEED_HEX + 1)

struct key_pair {
	uint8_t	kp_public[crypto_sign_PUBLICKEYBYTES];
	uint8_t	kp_secret[crypto_sign_SECRETKEYBYTES];	/* seed || public */
};

static key_pair_t *
key_alloc(void)
{
	key_pair_t	*kp = sodium_malloc(sizeof(*kp));

	if (kp == NULL)
		return NULL;
	sodium_memzero(kp, sizeof(*kp));
	return kp;
}

key_pair_t *
key_generate(void)
{
	key_pair_t	*kp = key_alloc();

	if (kp != NULL)
		crypto_sign_keypair(kp->kp_public, kp->kp_secret);
	return kp;
}

key_pair_t *
key_from_seed(const uint8_t seed[KEY_SEED_BYTES])
{
	key_pair_t	*kp = key_alloc();

	if (kp != NULL)
		crypto_sign_seed_keypair(kp->kp_public, kp->kp_secret, seed);
	return kp;
}

void
key_seed(const key_pair_t *kp, uint8_t seed[KEY_SEED_BYTES])
{
	memcpy(seed, kp->kp_secret, KEY_SEED_BYTES);	/* seed || public */
}

void
key_free(key_pair_t **kp)
{
	if (*kp == NULL)
		return;
	sodium_free(*kp);	/* wipes before it frees */
	*kp = NULL;
}

const uint8_t *
key_public(const key_pair_t *kp)
{
	return kp->kp_public;
}

int
key_save(const key_pair_t *kp, const char *path)
{
	char	*line;
	int	 rc;

	if ((line = sodium_malloc(KEY_FILE_LEN + 1)) == NULL)
		return ENOMEM;
	memcpy(line, KEY_FILE_TAG, KEY_TAG_LEN);
	sodium_bin2hex(line + KEY_TAG_LEN, KEY_SEED_HEX + 1, kp->kp_secret,
	    crypto_sign_SEEDBYTES);
	line[KEY_FILE_LEN - 1] = '\n';

	if ((rc = file_create_private(path, line, KEY_FILE_LEN)) == EEXIST)
		rc = KEY_EEXIST;
	sodium_free(line);
	return rc;
}

int
key_load(key_pair_t **out, const char *path)
{
	key_pair_t	*kp = NULL;
	struct stat	 sb;
	char		*buf = NULL;
	uint8_t		*seed = NULL;
	size_t		 seed_len;
	ssize_t		 n;
	int		 fd, rc;

	*out = NULL;
	if ((rc = file_open_regular(path, &fd, &sb)) != 0)
		return rc == FILE_ENOTREG ? KEY_EFORMAT : rc;
	if (!file_is_private(&sb)) {
		rc = KEY_EPERM;
		goto out;
	}
	buf = sodium_malloc(KEY_FILE_LEN + 1);
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	if (buf == NULL || seed == NULL || (kp = key_alloc()) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	/* Read one byte more than a key file has, to refuse a longer file. */
	do
		n = read(fd, buf, KEY_FILE_LEN + 1);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		rc = errno;
		goto out;
	}
	if ((size_t)n != KEY_FILE_LEN || memcmp(buf, KEY_FILE_TAG,
	    KEY_TAG_LEN) != 0 || buf[KEY_FILE_LEN - 1] != '\n' ||
	    sodium_hex2bin(seed, crypto_sign_SEEDBYTES, buf + KEY_TAG_LEN,
	    KEY_SEED_HEX, NULL, &seed_len, NULL) != 0 ||
	    seed_len != crypto_sign_SEEDBYTES) {
		rc = KEY_EFORMAT;
		goto out;
	}
	crypto_sign_seed_keypair(kp->kp_public, kp->kp_secret, seed);
	*out = kp;
	kp = NULL;
	rc = 0;
out:
	close(fd);
	if (buf != NULL)
		sodium_free(buf);
	if (seed != NULL)
		sodium_free(seed);
	key_free(&kp);
	return rc;
}

void
key_sign(const key_pair_t *kp, const void *msg, size_t len,
    uint8_t sig[KEY_SIGNATURE_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, kp->kp_secret);
}

int
key_verify(const uint8_t pk[KEY_PUBLIC_BYTES], const void *msg, size_t len,
    const uint8_t sig[KEY_SIGNATURE_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}

int
key_curve_public(const uint8_t pk[KEY_PUBLIC_BYTES], uint8_t out[32])
{
	return crypto_sign_ed25519_pk_to_curve25519(out, pk) == 0 ? 0 : -1;
}

void
key_curve_secret(const key_pair_t *kp, uint8_t out[32])
{
	crypto_sign_ed25519_sk_to_curve25519(out, kp->kp_secret);
}

void
key_hex(const uint8_t pk[KEY_PUBLIC_BYTES], char out[KEY_HEX_BYTES])
{
	sodium_bin2hex(out, KEY_HEX_BYTES, pk, KEY_PUBLIC_BYTES);
}

int
key_parse_hex(const char *s, uint8_t pk[KEY_PUBLIC_BYTES])
{
	size_t	len;

	if (strlen(s) != 2 * KEY_PUBLIC_BYTES)
		return -1;
	if (sodium_hex2bin(pk, KEY_PUBLIC_BYTES, s, 2 * KEY_PUBLIC_BYTES,
	    NULL, &len, NULL) != 0 || len != KEY_PUBLIC_BYTES)
		return -1;
	return 0;
}

const char *
key_strerror(int rc)
{
	switch (rc) {
	case KEY_EFORMAT:
		return "not a node key file";
	case KEY_EPERM:
		return "key file is not owned by us, or others may read it "
		    "(chown it, chmod 600)";
	case KEY_EEXIST:
		return "key file exists already; not overwriting it";
	}
	return strerror(rc);
}
