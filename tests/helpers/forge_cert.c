/*
 * forge_cert: certificate chains a correct node must refuse, made by
 * building certificate records directly with wire_record_make(), past
 * every check cert_issue() makes. For tests/integration/auth.sh.
 *
 *   forge_cert outside ISSUER_KEY ISSUER_NAME ISSUER_CHAIN SUBJECT PUBKEY OUT
 *	a certificate by ISSUER (its real key and name) for SUBJECT, a name
 *	outside the issuer's subtree, followed by the issuer's real chain
 *	(ISSUER_CHAIN, or - for none)
 *   forge_cert expired ISSUER_KEY ISSUER_NAME ISSUER_CHAIN SUBJECT PUBKEY OUT
 *	the same for any SUBJECT, valid for one hour that ended a day ago
 *   forge_cert window FROM TO ISSUER_KEY ISSUER_NAME ISSUER_CHAIN SUBJECT
 *	PUBKEY OUT
 *	the same for any SUBJECT, valid from now + FROM to now + TO seconds
 *	(either may be negative): a certificate that is not valid yet, or
 *	one that ends while its session is up
 *   forge_cert self SIGNER_KEY SIGNER_NAME SUBJECT PUBKEY OUT
 *	a one-certificate chain signed by SIGNER, a key nobody certified
 *	(for example a made-up root: SIGNER_NAME the root's name)
 *
 * OUT is written as a chain file (a CertChain); the forged certificate's
 * record id is printed in hex. Exit 0, 1 on an error, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cert.h"
#include "clock.h"
#include "key.h"
#include "wire.h"
#include "xmem.h"

#define HOUR_MS		(3600ull * 1000)
#define DAY_MS		(24 * HOUR_MS)

static void
usage(void)
{
	fprintf(stderr,
	    "usage: forge_cert outside|expired ISSUER_KEY ISSUER_NAME "
	    "ISSUER_CHAIN|- SUBJECT PUBKEY OUT\n"
	    "       forge_cert window FROM_S TO_S ISSUER_KEY ISSUER_NAME "
	    "ISSUER_CHAIN|- SUBJECT PUBKEY OUT\n"
	    "       forge_cert self SIGNER_KEY SIGNER_NAME SUBJECT PUBKEY "
	    "OUT\n");
	exit(2);
}

static void __attribute__((noreturn))
die(const char *what, const char *why)
{
	fprintf(stderr, "forge_cert: %s: %s\n", what, why);
	exit(1);
}

int
main(int argc, char **argv)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__Certificate	 c = NODENET__CERTIFICATE__INIT;
	struct cert_chain	 issuer_chain = { 0 }, out = { 0 };
	key_pair_t		*kp = NULL;
	const char		*keyfile, *issuer, *chainfile = "-";
	const char		*subject, *pubhex, *outfile;
	uint8_t			 pub[KEY_PUBLIC_BYTES], id[WIRE_ID_BYTES];
	uint8_t			*rec = NULL;
	char			 hex[2 * WIRE_ID_BYTES + 1];
	uint64_t		 now = clock_wall_ms();
	size_t			 len;
	int			 rc, expired = 0, window = 0;
	long long		 from_s = 0, to_s = 0;
	char			*end1, *end2;

	if (argc == 8 && (strcmp(argv[1], "outside") == 0 ||
	    (expired = strcmp(argv[1], "expired") == 0))) {
		keyfile = argv[2];
		issuer = argv[3];
		chainfile = argv[4];
		subject = argv[5];
		pubhex = argv[6];
		outfile = argv[7];
	} else if (argc == 10 && strcmp(argv[1], "window") == 0) {
		window = 1;
		from_s = strtoll(argv[2], &end1, 10);
		to_s = strtoll(argv[3], &end2, 10);
		if (*end1 != '\0' || *end2 != '\0' || from_s >= to_s ||
		    (long long)(now / 1000) + from_s < 0)
			usage();
		keyfile = argv[4];
		issuer = argv[5];
		chainfile = argv[6];
		subject = argv[7];
		pubhex = argv[8];
		outfile = argv[9];
	} else if (argc == 7 && strcmp(argv[1], "self") == 0) {
		keyfile = argv[2];
		issuer = argv[3];
		subject = argv[4];
		pubhex = argv[5];
		outfile = argv[6];
	} else
		usage();
	if (sodium_init() == -1)
		die("libsodium", "cannot initialise");
	if ((rc = key_load(&kp, keyfile)) != 0)
		die(keyfile, key_strerror(rc));
	if (key_parse_hex(pubhex, pub) != 0)
		die(pubhex, "not a public key of 64 hex digits");
	if (strcmp(chainfile, "-") != 0 &&
	    (rc = cert_chain_load(chainfile, &issuer_chain)) != 0)
		die(chainfile, cert_strerror(rc));
	if (issuer_chain.n + 1 > CERT_MAX_CHAIN)
		die(chainfile, "chain too long to extend");

	c.subject = (char *)(uintptr_t)subject;
	c.subject_key.data = pub;
	c.subject_key.len = KEY_PUBLIC_BYTES;
	if (window) {
		c.not_before_ms = (uint64_t)((long long)now + from_s * 1000);
		c.not_after_ms = (uint64_t)((long long)now + to_s * 1000);
	} else if (expired) {
		c.not_before_ms = now - DAY_MS - HOUR_MS;
		c.not_after_ms = now - DAY_MS;
	} else {
		c.not_before_ms = now - HOUR_MS;
		c.not_after_ms = now + 30 * DAY_MS;
	}
	rb.origin = (char *)(uintptr_t)issuer;
	rb.origin_seq = now;	/* nobody orders by it; unique enough */
	rb.created_ms = now;
	rb.kind_case = NODENET__RECORD_BODY__KIND_CERT;
	rb.cert = &c;
	if ((rc = wire_record_make(kp, &rb, &rec, &len, id)) != 0)
		die("wire_record_make", wire_strerror(rc));

	out.n = issuer_chain.n + 1;
	out.certs = xcalloc(out.n, sizeof(*out.certs));
	out.lens = xcalloc(out.n, sizeof(*out.lens));
	out.certs[0] = rec;
	out.lens[0] = len;
	for (size_t i = 0; i < issuer_chain.n; i++) {
		out.certs[i + 1] = issuer_chain.certs[i];
		out.lens[i + 1] = issuer_chain.lens[i];
		issuer_chain.certs[i] = NULL;	/* now out's */
	}
	if ((rc = cert_chain_save(outfile, &out)) != 0)
		die(outfile, cert_strerror(rc));
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	printf("%s\n", hex);
	cert_chain_free(&out);
	cert_chain_free(&issuer_chain);
	key_free(&kp);
	return 0;
}
