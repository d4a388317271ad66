/*
 * forge_person: writes a mail with an official's signature straight into
 * a stopped office's store, past every check the office makes of its own
 * writes, as a hostile office or a relay that re-signed a record would.
 * The office sends it on when it starts; its peers must refuse what is
 * forged. For tests/integration/person_sign.sh.
 *
 *   forge_person DATADIR KEYFILE ORIGIN MODE PERSON TO SUBJECT [PKEYFILE]
 *
 * MODE:
 *   signed   PKEYFILE's key signs the mail, as node-ctl send --sign-as
 *            would (a key revoked since: the office no longer would)
 *   moved    PKEYFILE's signature of another mail (subject "SUBJECT,
 *            first") put on this one: a signature moved to other content
 *   expired  a new personal key, certified by ORIGIN for PERSON for a day
 *            that ended two days ago (that certificate is written too),
 *            signs the mail
 * A personal key file's passphrase is read from the descriptor
 * NODE_PASSPHRASE_FD names. The mail is from vanthu@ORIGIN to TO, text
 * "forged". Prints the mail's record id.
 * Exit 0, 1 on an error, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cert.h"
#include "clock.h"
#include "key.h"
#include "pkey.h"
#include "psig.h"
#include "store.h"
#include "wire.h"

#define DAY_MS	UINT64_C(86400000)

static void __attribute__((noreturn))
die(const char *what, const char *why)
{
	fprintf(stderr, "forge_person: %s: %s\n", what, why);
	exit(1);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: forge_person DATADIR KEYFILE ORIGIN "
	    "signed|moved|expired PERSON TO SUBJECT [PKEYFILE]\n");
	exit(2);
}

static key_pair_t *
person_key(const char *path)
{
	key_pair_t	*kp = NULL;
	char		*pass = NULL;
	size_t		 len;
	int		 rc;

	if ((rc = pkey_pass_read("", 0, &pass, &len)) != 0)
		die("passphrase", pkey_strerror(rc));
	rc = pkey_load(&kp, path, pass, len);
	pkey_pass_free(&pass);
	if (rc != 0)
		die(path, pkey_strerror(rc));
	return kp;
}

/* Stores a signed record in lane; its id into id. */
static void
put(store_txn_t *txn, const uint8_t *buf, size_t len, unsigned lane,
    uint8_t id[WIRE_ID_BYTES])
{
	struct store_record	rec;
	struct wire_record	wr;
	int			rc;

	if ((rc = wire_record_open(buf, len, &wr)) != 0)
		die("record", wire_strerror(rc));
	memcpy(rec.id, wr.id, sizeof(rec.id));
	rec.body = wr.body;
	rec.body_len = wr.body_len;
	memcpy(rec.sig, wr.sig, sizeof(rec.sig));
	rec.lane = lane;
	if ((rc = store_put(txn, &rec)) != 0)
		die("store", store_strerror(rc));
	memcpy(id, wr.id, WIRE_ID_BYTES);
	wire_record_clear(&wr);
}

int
main(int argc, char **argv)
{
	Nodenet__RecordBody		 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage		 m = NODENET__MAIL_MESSAGE__INIT;
	Nodenet__PersonSignature	 ps = NODENET__PERSON_SIGNATURE__INIT;
	key_pair_t			*kp = NULL, *pk = NULL;
	store_t				*st = NULL;
	store_txn_t			*txn = NULL;
	uint8_t				 digest[PSIG_DIGEST_BYTES];
	uint8_t				 sig[KEY_SIGNATURE_BYTES];
	uint8_t				 id[WIRE_ID_BYTES], *buf;
	char				 from[300], first[300];
	char				 hex[2 * WIRE_ID_BYTES + 1];
	const char			*mode;
	uint64_t			 now = clock_wall_ms();
	size_t				 len;
	int				 rc;

	if (argc < 8 || argc > 9)
		usage();
	mode = argv[4];
	if (sodium_init() < 0)
		die("libsodium", "cannot initialise");
	if ((rc = key_load(&kp, argv[2])) != 0)
		die(argv[2], key_strerror(rc));
	if ((rc = store_open(&st, argv[1], NULL)) != 0 ||
	    (rc = store_txn_begin(st, 0, &txn)) != 0)
		die(argv[1], store_strerror(rc));

	snprintf(from, sizeof(from), "vanthu@%s", argv[3]);
	m.from = from;
	m.to = &argv[6];
	m.n_to = 1;
	m.subject = argv[7];
	m.text.data = (uint8_t *)(uintptr_t)"forged";
	m.text.len = strlen("forged");
	if (strcmp(mode, "expired") == 0) {
		uint64_t	seq;

		if (argc != 8 || (pk = key_generate()) == NULL)
			usage();
		if ((rc = store_origin_seq_next(txn, &seq)) != 0)
			die("store", store_strerror(rc));
		if ((rc = cert_issue(kp, argv[3], seq, argv[5], key_public(pk),
		    now - 3 * DAY_MS, now - 2 * DAY_MS, NULL, &buf, &len,
		    id)) != 0)
			die("certificate", cert_strerror(rc));
		put(txn, buf, len, 0, id);
		free(buf);
		psig_mail_digest(m.from, m.to, m.n_to, m.subject, m.text.data,
		    m.text.len, digest);
	} else if (strcmp(mode, "signed") == 0 || strcmp(mode, "moved") == 0) {
		if (argc != 9)
			usage();
		pk = person_key(argv[8]);
		snprintf(first, sizeof(first), "%s, first", argv[7]);
		psig_mail_digest(m.from, m.to, m.n_to, *mode == 'm' ? first :
		    m.subject, m.text.data, m.text.len, digest);
	} else
		usage();
	psig_sign(pk, digest, sig);
	ps.person = argv[5];
	ps.key.data = (uint8_t *)(uintptr_t)key_public(pk);
	ps.key.len = KEY_PUBLIC_BYTES;
	ps.signature.data = sig;
	ps.signature.len = sizeof(sig);
	m.signed_by = &ps;

	rb.origin = argv[3];
	rb.created_ms = now;
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = &m;
	if ((rc = store_origin_seq_next(txn, &rb.origin_seq)) != 0)
		die("store", store_strerror(rc));
	if ((rc = wire_record_make(kp, &rb, &buf, &len, id)) != 0)
		die("record", wire_strerror(rc));
	put(txn, buf, len, 1, id);
	free(buf);
	if ((rc = store_txn_commit(&txn)) != 0)
		die(argv[1], store_strerror(rc));
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	printf("%s\n", hex);
	store_close(&st);
	key_free(&pk);
	key_free(&kp);
	return 0;
}
