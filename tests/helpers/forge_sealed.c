/*
 * forge_sealed: sealed revisions (proto/README.md, "Sealed documents")
 * as an office would write them, and as a hostile one or a relay would
 * spoil them, for tests/integration/sealed_docs.sh.
 *
 *   forge_sealed [-f | -i] KEYFILE ORIGIN DB READER READERKEY OUTFILE
 *
 * Writes to OUTFILE, as a CertChain (what evil_peer push -f sends), a
 * new document of DB by ORIGIN (signed with KEYFILE) whose readers are
 * READER, sealed for READERKEY (64 hex digits) with one field, text =
 * "forged-sealed"; before it, with -f, another such revision with one
 * byte of its ciphertext flipped after it was signed (as a relay would
 * change it), or with -i, one sealed rightly whose content is invalid
 * (a field of no value: only a reader can tell). Prints the id of each
 * record and of its document, the faulty one first. Exit 0, 1 on an
 * error, 2 on usage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "doc.h"
#include "doc_sealed.h"
#include "file.h"
#include "key.h"
#include "seal.h"
#include "wire.h"
#include "xmem.h"

enum fault { NONE, FLIP, INVALID };

static void __attribute__((noreturn))
die(const char *what, const char *why)
{
	fprintf(stderr, "forge_sealed: %s: %s\n", what, why);
	exit(1);
}

/*
 * One sealed revision of db by origin for reader (key to), with fault f:
 * its signed record in *len bytes.
 */
static uint8_t *
make(const key_pair_t *kp, char *origin, char *db, char *reader,
    const struct seal_to *to, enum fault f, size_t *len)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__DocRevision	 d = NODENET__DOC_REVISION__INIT;
	Nodenet__DocContent	 c = NODENET__DOC_CONTENT__INIT;
	Nodenet__Field		 fl = NODENET__FIELD__INIT;
	Nodenet__Field		*fields[1] = { &fl };
	struct seal_ad		 ad;
	struct timespec		 ts;
	uint8_t			 doc[STORE_DOC_ID_BYTES], id[WIRE_ID_BYTES];
	uint8_t			*plain, *buf;
	size_t			 plen;
	int			 rc;

	doc_id_new(key_public(kp), doc);
	d.db = db;
	d.doc_id.data = doc;
	d.doc_id.len = sizeof(doc);
	d.readers = &reader;
	d.n_readers = 1;
	fl.name = (char *)(uintptr_t)"text";
	fl.value_case = f == INVALID ? NODENET__FIELD__VALUE__NOT_SET :
	    NODENET__FIELD__VALUE_TEXT;
	fl.text = (char *)(uintptr_t)"forged-sealed";
	c.fields = fields;
	c.n_fields = 1;
	plen = nodenet__doc_content__get_packed_size(&c);
	plain = xmalloc(plen + 1);
	nodenet__doc_content__pack(&c, plain);
	rb.origin = origin;
	rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(kp);
	rb.origin_key.len = KEY_PUBLIC_BYTES;
	rb.origin_seq = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	rb.created_ms = (uint64_t)ts.tv_sec * 1000;
	rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
	rb.doc = &d;
	doc_sealed_ad(&rb, &ad);
	if ((rc = seal_bytes(plain, plen, ad.buf, ad.len, to, 1, NULL,
	    &d.sealed)) != 0)
		die("seal", seal_strerror(rc));
	if ((rc = wire_record_make(kp, &rb, &buf, len, id)) != 0)
		die("record", wire_strerror(rc));
	if (f == FLIP) {
		/* The ciphertext's last byte: its tag, wherever it lies in
		 * the body, is in the signed bytes. */
		uint8_t	*p = memmem(buf, *len, d.sealed->ciphertext.data,
		    d.sealed->ciphertext.len);

		if (p == NULL)
			die("flip", "ciphertext not found");
		p[d.sealed->ciphertext.len - 1] ^= 0x01;
	}
	seal_free(&d.sealed);
	seal_ad_free(&ad);
	free(plain);
	return buf;
}

/* The ids of signed revision buf (len bytes) and its document, in hex. */
static void
print_id(const uint8_t *buf, size_t len)
{
	Nodenet__SignedRecord	*sr;
	Nodenet__RecordBody	*rb;
	uint8_t			 id[WIRE_ID_BYTES];
	char			 hex[2 * WIRE_ID_BYTES + 1];
	char			 dhex[2 * STORE_DOC_ID_BYTES + 1];

	if ((sr = nodenet__signed_record__unpack(NULL, len, buf)) == NULL ||
	    (rb = nodenet__record_body__unpack(NULL, sr->body.len,
	    sr->body.data)) == NULL)
		die("record", "does not decode");
	wire_record_id(sr->body.data, sr->body.len, id);
	printf("%s %s\n", sodium_bin2hex(hex, sizeof(hex), id, sizeof(id)),
	    sodium_bin2hex(dhex, sizeof(dhex), rb->doc->doc_id.data,
	    STORE_DOC_ID_BYTES));
	nodenet__record_body__free_unpacked(rb, NULL);
	nodenet__signed_record__free_unpacked(sr, NULL);
}

int
main(int argc, char **argv)
{
	Nodenet__CertChain	 cc = NODENET__CERT_CHAIN__INIT;
	ProtobufCBinaryData	 recs[2];
	struct seal_to		 to;
	key_pair_t		*kp = NULL;
	enum fault		 f = NONE;
	uint8_t			*out;
	size_t			 olen;
	int			 ch, fd, rc;

	while ((ch = getopt(argc, argv, "fi")) != -1) {
		if (ch != 'f' && ch != 'i')
			argc = 0;	/* usage */
		f = ch == 'f' ? FLIP : INVALID;
	}
	argc -= optind;
	argv += optind;
	if (argc != 6) {
		fprintf(stderr, "usage: forge_sealed [-f | -i] KEYFILE ORIGIN "
		    "DB READER READERKEY OUTFILE\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("libsodium", "cannot initialise");
	if ((rc = key_load(&kp, argv[0])) != 0)
		die(argv[0], key_strerror(rc));
	if (key_parse_hex(argv[4], to.ed) != 0 ||
	    key_curve_public(to.ed, to.curve) != 0)
		die(argv[4], "not a key");
	if (f != NONE) {
		recs[0].data = make(kp, argv[1], argv[2], argv[3], &to, f,
		    &recs[0].len);
		cc.n_certs = 1;
	}
	recs[cc.n_certs].data = make(kp, argv[1], argv[2], argv[3], &to, NONE,
	    &recs[cc.n_certs].len);
	cc.n_certs++;
	cc.certs = recs;
	for (size_t i = 0; i < cc.n_certs; i++)
		print_id(recs[i].data, recs[i].len);
	olen = nodenet__cert_chain__get_packed_size(&cc);
	out = xmalloc(olen + 1);
	nodenet__cert_chain__pack(&cc, out);
	if ((fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || file_write_all(fd, out, olen) != 0 ||
	    close(fd) != 0)
		die(argv[5], "cannot write");
	free(out);
	for (size_t i = 0; i < cc.n_certs; i++)
		free(recs[i].data);
	key_free(&kp);
	return 0;
}
