/*
 * forge_doc: writes a document revision or an ACL straight into a stopped
 * node's store, past every rule the node applies to its own writes, as a
 * hostile or broken office would. The node sends it on when it starts;
 * its peers must refuse it. For tests/integration/docs_rules.sh and
 * docs_owner.sh.
 *
 *   forge_doc [-o FILE] [-g ID] DATADIR KEYFILE ORIGIN DB DOCID PARENT|- KIND
 *   forge_doc [-o FILE] [-g ID] DATADIR KEYFILE ORIGIN DB SCOPE PREVIOUS|- \
 *       acl [PATTERN=LEVEL...]
 *
 * KIND: "text" (one field, text=forged), "bad-parent" (PARENT ignored: a
 * parent id nobody holds), "oversize" (a 70 KiB text field), "no-value"
 * (a field without a value of any kind), "log-forge" (a field named
 * with a quote, a line break and a fake log line, over 64 KiB: its
 * refusal quotes that name). "acl" writes an ACL of database
 * DB for SCOPE with those entries, replacing ACL PREVIOUS ("-": creating
 * the database). -o also writes the record alone to FILE as a CertChain
 * (what evil_peer push -f sends); -g tries creation times until the
 * record's id sorts above ID (64 hex digits), as an office that wants
 * to win a tie by id would. Prints the record's id.
 * Exit 0, 1 on an error, 2 on usage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "doc.h"
#include "file.h"
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

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: forge_doc [-o FILE] [-g ID] DATADIR KEYFILE "
	    "ORIGIN DB DOCID PARENT|- text|bad-parent|oversize|no-value|\n"
	    "       log-forge\n"
	    "       forge_doc [-o FILE] [-g ID] DATADIR KEYFILE ORIGIN DB "
	    "SCOPE PREVIOUS|- acl [PATTERN=LEVEL...]\n");
	exit(2);
}

static void
hex_in(const char *s, uint8_t *out, size_t len)
{
	size_t	got;

	if (strlen(s) != 2 * len || sodium_hex2bin(out, len, s, strlen(s),
	    NULL, &got, NULL) != 0 || got != len)
		die(s, "bad hex id");
}

/* The ACL entries PATTERN=LEVEL of argv[0..n). */
static Nodenet__Acl__Entry **
entries_in(char **argv, size_t n)
{
	Nodenet__Acl__Entry	**es = xcalloc(n + 1, sizeof(*es));

	for (size_t i = 0; i < n; i++) {
		char	*eq = strchr(argv[i], '=');
		int	 level;

		if (eq == NULL || (level = doc_level_parse(eq + 1)) < 0)
			die(argv[i], "not PATTERN=LEVEL");
		*eq = '\0';
		es[i] = xcalloc(1, sizeof(**es));
		nodenet__acl__entry__init(es[i]);
		es[i]->pattern = argv[i];
		es[i]->level = (Nodenet__Acl__Level)level;
	}
	return es;
}

/* Writes the signed record buf alone as a CertChain file. */
static void
chain_out(const char *path, uint8_t *buf, size_t len)
{
	Nodenet__CertChain	 cc = NODENET__CERT_CHAIN__INIT;
	ProtobufCBinaryData	 one = { len, buf };
	uint8_t			*out;
	size_t			 olen;
	int			 fd;

	cc.certs = &one;
	cc.n_certs = 1;
	olen = nodenet__cert_chain__get_packed_size(&cc);
	out = xmalloc(olen + 1);
	nodenet__cert_chain__pack(&cc, out);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || file_write_all(fd, out, olen) != 0 ||
	    close(fd) != 0)
		die(path, "cannot write");
	free(out);
}

int
main(int argc, char **argv)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__DocRevision	 d = NODENET__DOC_REVISION__INIT;
	Nodenet__Acl		 acl = NODENET__ACL__INIT;
	Nodenet__Field		 f = NODENET__FIELD__INIT, *fields[1] = { &f };
	ProtobufCBinaryData	 parent;
	struct store_record	 rec;
	struct wire_record	 wr;
	struct timespec		 ts;
	key_pair_t		*kp = NULL;
	store_t			*st = NULL;
	store_txn_t		*txn = NULL;
	uint8_t			 doc[STORE_DOC_ID_BYTES], pid[STORE_ID_BYTES];
	uint8_t			 above[WIRE_ID_BYTES], id[WIRE_ID_BYTES], *buf;
	char			 hex[2 * WIRE_ID_BYTES + 1], *big = NULL;
	const char		*kind, *chain = NULL;
	size_t			 len;
	int			 ch, grind = 0, rc;

	while ((ch = getopt(argc, argv, "o:g:")) != -1) {
		switch (ch) {
		case 'o':
			chain = optarg;
			break;
		case 'g':
			hex_in(optarg, above, sizeof(above));
			grind = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 7 || (argc > 7 && strcmp(argv[6], "acl") != 0))
		usage();
	kind = argv[6];
	if (sodium_init() < 0)
		die("libsodium", "cannot initialise");
	if ((rc = key_load(&kp, argv[1])) != 0)
		die(argv[1], key_strerror(rc));
	if (strcmp(kind, "acl") == 0) {
		acl.db = argv[3];
		acl.scope = argv[4];
		if (strcmp(argv[5], "-") != 0) {
			hex_in(argv[5], pid, sizeof(pid));
			acl.previous.data = pid;
			acl.previous.len = sizeof(pid);
		}
		acl.entries = entries_in(argv + 7, (size_t)argc - 7);
		acl.n_entries = (size_t)argc - 7;
		rb.kind_case = NODENET__RECORD_BODY__KIND_ACL;
		rb.acl = &acl;
	} else {
		hex_in(argv[4], doc, sizeof(doc));
		d.db = argv[3];
		d.doc_id.data = doc;
		d.doc_id.len = sizeof(doc);
		if (strcmp(kind, "bad-parent") == 0) {
			randombytes_buf(pid, sizeof(pid));
			parent.data = pid;
			parent.len = sizeof(pid);
			d.parents = &parent;
			d.n_parents = 1;
		} else if (strcmp(argv[5], "-") != 0) {
			hex_in(argv[5], pid, sizeof(pid));
			parent.data = pid;
			parent.len = sizeof(pid);
			d.parents = &parent;
			d.n_parents = 1;
		}
		f.name = (char *)(uintptr_t)"text";
		f.value_case = NODENET__FIELD__VALUE_TEXT;
		f.text = (char *)(uintptr_t)"forged";
		if (strcmp(kind, "log-forge") == 0)
			f.name = (char *)(uintptr_t)"x\" ok=1\n2026-01-01T00:00:00.000Z "
			    "node: info: event=forged";
		if (strcmp(kind, "oversize") == 0 ||
		    strcmp(kind, "log-forge") == 0) {
			big = xmalloc(DOC_MAX_VALUE + 4096);
			memset(big, 'x', DOC_MAX_VALUE + 4095);
			big[DOC_MAX_VALUE + 4095] = '\0';
			f.text = big;
		} else if (strcmp(kind, "no-value") == 0)
			f.value_case = NODENET__FIELD__VALUE__NOT_SET;
		else if (strcmp(kind, "text") != 0 &&
		    strcmp(kind, "bad-parent") != 0 &&
		    strcmp(kind, "log-forge") != 0)
			die(kind, "unknown kind");
		d.fields = fields;
		d.n_fields = 1;
		rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
		rb.doc = &d;
	}
	rb.origin = argv[2];
	clock_gettime(CLOCK_REALTIME, &ts);
	rb.created_ms = (uint64_t)ts.tv_sec * 1000;

	if ((rc = store_open(&st, argv[0], NULL)) != 0 ||
	    (rc = store_txn_begin(st, 0, &txn)) != 0 ||
	    (rc = store_origin_seq_next(txn, &rb.origin_seq)) != 0)
		die(argv[0], store_strerror(rc));
	for (;;) {
		if ((rc = wire_record_make(kp, &rb, &buf, &len, id)) != 0)
			die("record", wire_strerror(rc));
		if (!grind || memcmp(id, above, sizeof(id)) > 0)
			break;
		free(buf);
		rb.created_ms++;
	}
	if ((rc = wire_record_open(buf, len, &wr)) != 0)
		die("record", wire_strerror(rc));
	memcpy(rec.id, wr.id, sizeof(rec.id));
	rec.body = wr.body;
	rec.body_len = wr.body_len;
	memcpy(rec.sig, wr.sig, sizeof(rec.sig));
	/* Where a node would put it: ACLs urgent, revisions normal. */
	rec.lane = rb.kind_case == NODENET__RECORD_BODY__KIND_ACL ? 0 : 1;
	if ((rc = store_put(txn, &rec)) != 0 ||
	    (rc = store_txn_commit(&txn)) != 0)
		die(argv[0], store_strerror(rc));
	if (chain != NULL)
		chain_out(chain, buf, len);
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	printf("%s\n", hex);
	wire_record_clear(&wr);
	for (size_t i = 0; i < acl.n_entries; i++)
		free(acl.entries[i]);
	free(acl.entries);
	free(buf);
	free(big);
	store_close(&st);
	key_free(&kp);
	return 0;
}
