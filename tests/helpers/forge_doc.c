/*
 * forge_doc: writes a document revision straight into a stopped node's
 * store, past every rule the node applies to its own writes, as a
 * hostile or broken office would. The node sends it on when it starts;
 * its peers must refuse it. For tests/integration/docs_acl.sh.
 *
 *   forge_doc DATADIR KEYFILE ORIGIN DB DOCID PARENT|- KIND
 *
 * KIND: "text" (one field, text=forged), "bad-parent" (PARENT ignored: a
 * parent id nobody holds), "oversize" (a 70 KiB text field), "no-value"
 * (a field without a value of any kind). Prints the revision's id.
 * Exit 0, 1 on an error, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "doc.h"
#include "key.h"
#include "store.h"
#include "wire.h"
#include "xmem.h"

static void __attribute__((noreturn))
die(const char *what, const char *why)
{
	fprintf(stderr, "forge_doc: %s: %s\n", what, why);
	exit(1);
}

static void
hex_in(const char *s, uint8_t *out, size_t len)
{
	size_t	got;

	if (strlen(s) != 2 * len || sodium_hex2bin(out, len, s, strlen(s),
	    NULL, &got, NULL) != 0 || got != len)
		die(s, "bad hex id");
}

int
main(int argc, char **argv)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__DocRevision	 d = NODENET__DOC_REVISION__INIT;
	Nodenet__Field		 f = NODENET__FIELD__INIT, *fields[1] = { &f };
	ProtobufCBinaryData	 parent;
	struct store_record	 rec;
	struct wire_record	 wr;
	struct timespec		 ts;
	key_pair_t		*kp = NULL;
	store_t			*st = NULL;
	store_txn_t		*txn = NULL;
	uint8_t			 doc[STORE_DOC_ID_BYTES], pid[STORE_ID_BYTES];
	uint8_t			 id[WIRE_ID_BYTES], *buf;
	char			 hex[2 * WIRE_ID_BYTES + 1], *big = NULL;
	const char		*kind;
	size_t			 len;
	int			 rc;

	if (argc != 8) {
		fprintf(stderr, "usage: forge_doc DATADIR KEYFILE ORIGIN DB "
		    "DOCID PARENT|- text|bad-parent|oversize|no-value\n");
		return 2;
	}
	kind = argv[7];
	if (sodium_init() < 0)
		die("libsodium", "cannot initialise");
	if ((rc = key_load(&kp, argv[2])) != 0)
		die(argv[2], key_strerror(rc));
	hex_in(argv[5], doc, sizeof(doc));
	d.db = argv[4];
	d.doc_id.data = doc;
	d.doc_id.len = sizeof(doc);
	if (strcmp(kind, "bad-parent") == 0) {
		randombytes_buf(pid, sizeof(pid));
		parent.data = pid;
		parent.len = sizeof(pid);
		d.parents = &parent;
		d.n_parents = 1;
	} else if (strcmp(argv[6], "-") != 0) {
		hex_in(argv[6], pid, sizeof(pid));
		parent.data = pid;
		parent.len = sizeof(pid);
		d.parents = &parent;
		d.n_parents = 1;
	}
	f.name = (char *)(uintptr_t)"text";
	f.value_case = NODENET__FIELD__VALUE_TEXT;
	f.text = (char *)(uintptr_t)"forged";
	if (strcmp(kind, "oversize") == 0) {
		big = xmalloc(DOC_MAX_VALUE + 4096);
		memset(big, 'x', DOC_MAX_VALUE + 4095);
		big[DOC_MAX_VALUE + 4095] = '\0';
		f.text = big;
	} else if (strcmp(kind, "no-value") == 0)
		f.value_case = NODENET__FIELD__VALUE__NOT_SET;
	else if (strcmp(kind, "text") != 0 && strcmp(kind, "bad-parent") != 0)
		die(kind, "unknown kind");
	d.fields = fields;
	d.n_fields = 1;
	rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
	rb.doc = &d;
	rb.origin = argv[3];
	clock_gettime(CLOCK_REALTIME, &ts);
	rb.created_ms = (uint64_t)ts.tv_sec * 1000;

	if ((rc = store_open(&st, argv[1], NULL)) != 0 ||
	    (rc = store_txn_begin(st, 0, &txn)) != 0 ||
	    (rc = store_origin_seq_next(txn, &rb.origin_seq)) != 0)
		die(argv[1], store_strerror(rc));
	if ((rc = wire_record_make(kp, &rb, &buf, &len, id)) != 0)
		die("record", wire_strerror(rc));
	if ((rc = wire_record_open(buf, len, &wr)) != 0)
		die("record", wire_strerror(rc));
	memcpy(rec.id, wr.id, sizeof(rec.id));
	rec.body = wr.body;
	rec.body_len = wr.body_len;
	memcpy(rec.sig, wr.sig, sizeof(rec.sig));
	rec.lane = 1;
	if ((rc = store_put(txn, &rec)) != 0 ||
	    (rc = store_txn_commit(&txn)) != 0)
		die(argv[1], store_strerror(rc));
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	printf("%s\n", hex);
	wire_record_clear(&wr);
	free(buf);
	free(big);
	store_close(&st);
	key_free(&kp);
	return 0;
}
