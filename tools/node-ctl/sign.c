/*
 * node-ctl/sign.c: --sign-as, an official's signature made here, on the
 * client's side: the personal key is opened with its passphrase in this
 * process and never reaches the node, which is sent the signature and
 * the key's public half (proto/control.md, "Personal signatures").
 */
#include "node-ctl.h"
#include "pkey.h"
#include "psig.h"

json_t *
sign_as(const char *path, const uint8_t digest[PSIG_DIGEST_BYTES])
{
	key_pair_t	*kp = NULL;
	uint8_t		 sig[KEY_SIGNATURE_BYTES];
	char		 prompt[300], hex[KEY_HEX_BYTES];
	char		 sighex[2 * KEY_SIGNATURE_BYTES + 1], *pass = NULL;
	size_t		 len;
	int		 rc;

	if (sodium_init() == -1)
		die("libsodium would not start");
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
	if ((rc = pkey_pass_read(prompt, 0, &pass, &len)) != 0)
		die("--sign-as: %s", pkey_strerror(rc));
	rc = pkey_load(&kp, path, pass, len);
	pkey_pass_free(&pass);
	/* The same words for every wrong passphrase: nothing of the key. */
	if (rc != 0)
		die("--sign-as %s: %s", path, pkey_strerror(rc));
	psig_sign(kp, digest, sig);
	key_hex(key_public(kp), hex);
	key_free(&kp);
	sodium_bin2hex(sighex, sizeof(sighex), sig, sizeof(sig));
	return json_pack("{s:s, s:s}", "key", hex, "signature", sighex);
}
