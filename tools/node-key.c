/*
 * node-key: make and show a node's Ed25519 key pair.
 *
 *   node-key generate FILE   write a new key to FILE (0600, never
 *                            overwriting) and print its public key
 *   node-key public FILE     print the public key of the key in FILE
 *   node-key person new FILE write an official's new personal key to
 *                            FILE, sealed with a passphrase asked twice
 *                            on the terminal (or read from the
 *                            descriptor NODE_PASSPHRASE_FD names, for
 *                            scripts), and print its public key
 *   node-key person public FILE   the public key of a personal key file
 *                            (no passphrase needed)
 *
 * The public key prints as 64 hex digits; the secret is never printed.
 * Exit status: 0 ok, 1 error, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "key.h"
#include "pkey.h"

static int
usage(void)
{
	fprintf(stderr, "usage: node-key generate FILE\n"
	    "       node-key public FILE\n"
	    "       node-key person new FILE\n"
	    "       node-key person public FILE\n");
	return 2;
}

/* node-key person new|public FILE. */
static int
person(const char *cmd, const char *path)
{
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES];
	char		 hex[KEY_HEX_BYTES], *pass = NULL;
	size_t		 len;
	int		 rc;

	if (strcmp(cmd, "public") == 0) {
		if ((rc = pkey_public(path, pk)) == 0)
			goto done;
		fprintf(stderr, "node-key: %s: %s\n", path,
		    pkey_strerror(rc));
		return 1;
	}
	if (strcmp(cmd, "new") != 0)
		return usage();
	if ((rc = pkey_pass_read("Passphrase for the new key: ", 1, &pass,
	    &len)) != 0) {
		fprintf(stderr, "node-key: %s\n", pkey_strerror(rc));
		return 1;
	}
	if ((kp = key_generate()) == NULL) {
		pkey_pass_free(&pass);
		fprintf(stderr, "node-key: out of memory\n");
		return 1;
	}
	rc = pkey_save(kp, path, pass, len);
	pkey_pass_free(&pass);
	memcpy(pk, key_public(kp), KEY_PUBLIC_BYTES);
	key_free(&kp);
	if (rc != 0) {
		fprintf(stderr, "node-key: %s: %s\n", path, pkey_strerror(rc));
		return 1;
	}
done:
	key_hex(pk, hex);
	printf("%s\n", hex);
	return 0;
}

int
main(int argc, char **argv)
{
	key_pair_t	*kp = NULL;
	char		 hex[KEY_HEX_BYTES];
	int		 rc;

	if (argc != 3 && !(argc == 4 && strcmp(argv[1], "person") == 0))
		return usage();
	if (sodium_init() == -1) {
		fprintf(stderr, "node-key: libsodium failed to initialise\n");
		return 1;
	}
	if (argc == 4)
		return person(argv[2], argv[3]);
	if (strcmp(argv[1], "generate") == 0) {
		if ((kp = key_generate()) == NULL) {
			fprintf(stderr, "node-key: out of memory\n");
			return 1;
		}
		rc = key_save(kp, argv[2]);
	} else if (strcmp(argv[1], "public") == 0)
		rc = key_load(&kp, argv[2]);
	else
		return usage();
	if (rc != 0) {
		fprintf(stderr, "node-key: %s: %s\n", argv[2], key_strerror(rc));
		key_free(&kp);
		return 1;
	}
	key_hex(key_public(kp), hex);
	printf("%s\n", hex);
	key_free(&kp);
	return 0;
}
