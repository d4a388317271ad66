/*
 * node-key: make and show a node's Ed25519 key pair.
 *
 *   node-key generate FILE   write a new key to FILE (0600, never
 *                            overwriting) and print its public key
 *   node-key public FILE     print the public key of the key in FILE
 *
 * The public key prints as 64 hex digits; the secret is never printed.
 * Exit status: 0 ok, 1 error, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "key.h"

static int
usage(void)
{
	fprintf(stderr, "usage: node-key generate FILE\n"
	    "       node-key public FILE\n");
	return 2;
}

int
main(int argc, char **argv)
{
	key_pair_t	*kp = NULL;
	char		 hex[KEY_HEX_BYTES];
	int		 rc;

	if (argc != 3)
		return usage();
	if (sodium_init() == -1) {
		fprintf(stderr, "node-key: libsodium failed to initialise\n");
		return 1;
	}
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
