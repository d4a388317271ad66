/*
 * fuzz_record: libFuzzer target for wire_record_open(), the door every
 * record from a peer or a file comes in by: the SignedRecord and
 * RecordBody decoding, the bounds and field checks and the signature
 * check. Any input must give 0 or a code, never a crash, a leak or
 * undefined behaviour; a record that opens must be one whose fields pass
 * the checks. A sealed mail is also opened (seal_open(), what a
 * recipient's node does as it reads it) with RFC 8032's first test key,
 * from a decoding that does not verify the signature, so that changed
 * ciphertexts, keys and envelopes reach the opening at all, and the
 * official's signature it may hold is checked; and so is a sealed
 * revision (doc_sealed_open(), what a reader does as it takes one in
 * and as it shows it). Seeds: tests/fuzz/corpus/fuzz_record/ (records
 * of several kinds signed with that key; sealed-mail and sealed-doc are
 * sealed for it).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "doc_sealed.h"
#include "name.h"
#include "seal.h"
#include "wire.h"

/* RFC 8032, 7.1, TEST 1: the secret seed. */
static const uint8_t	seed[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A sealed mail in data, signature unchecked, opened with the test key:
 * a code or its content, never a crash. */
static void
open_sealed(const uint8_t *data, size_t size)
{
	static struct seal_keyring	 ring;
	static key_pair_t		*kp;
	struct wire_record		 own;
	Nodenet__MailContent		*c;
	char				 why[512];
	int				 rc, key;

	if (kp == NULL) {
		char	path[] = "/tmp/fuzz_record.XXXXXX";
		char	line[24 + 64 + 2];
		int	fd;

		/* key.c reads keys from files only. */
		if ((fd = mkstemp(path)) == -1)
			abort();
		memcpy(line, "node-ed25519-secret-v1 ", 23);
		sodium_bin2hex(line + 23, 65, seed, sizeof(seed));
		line[87] = '\n';
		if (write(fd, line, 88) != 88 || close(fd) != 0 ||
		    key_load(&kp, path) != 0)
			abort();
		unlink(path);
		ring.current = kp;
	}
	if (wire_record_open_own(data, size, &own) != 0)
		return;
	if (own.rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL &&
	    own.rb->mail->sealed != NULL) {
		rc = seal_open(&ring, own.rb, &c, &key);
		if (rc == 0) {
			if (c == NULL || key != 0)
				abort();
			/* What a recipient checks next, as it shows it. */
			(void)seal_signed(own.rb, c, why, sizeof(why));
			nodenet__mail_content__free_unpacked(c, NULL);
		} else if (c != NULL)
			abort();
		(void)seal_why(own.rb->mail, rc, why, sizeof(why));
	}
	if (own.rb->kind_case == NODENET__RECORD_BODY__KIND_DOC &&
	    own.rb->doc->sealed != NULL) {
		rc = doc_sealed_open(&ring, own.rb, &key, why, sizeof(why));
		if (rc != 0)
			(void)doc_sealed_why(own.rb->doc, rc, why, sizeof(why));
	}
	wire_record_clear(&own);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct wire_record	 out;
	uint8_t			 id[WIRE_ID_BYTES];

	if (!ready) {
		if (sodium_init() == -1)
			abort();
		ready = 1;
	}
	if (wire_record_open(data, size, &out) == 0) {
		/* What opened is what the checks promise. */
		if (out.rb == NULL || out.body == NULL || out.sig == NULL ||
		    out.rb->origin_seq == 0 || !name_valid(out.rb->origin) ||
		    out.rb->origin_key.len != KEY_PUBLIC_BYTES ||
		    out.rb->kind_case == NODENET__RECORD_BODY__KIND__NOT_SET)
			abort();
		wire_record_id(out.body, out.body_len, id);
		if (memcmp(id, out.id, sizeof(id)) != 0)
			abort();
	} else if (out.rb != NULL || out.sr != NULL)
		abort();	/* a failure leaves out empty */
	wire_record_clear(&out);
	wire_record_clear(&out);
	open_sealed(data, size);
	return 0;
}
