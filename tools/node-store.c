/*
 * node-store: inspect and check a node's store directly, as mdb_stat
 * and mdb_dump do for LMDB, and write a signed mail record into it.
 *
 *   node-store ls DATADIR [SEQ]     list the change log from SEQ on,
 *                                   verifying every record's signature
 *   node-store check DATADIR        verify every record and the log's
 *                                   integrity; exit 1 on any fault
 *   node-store mail DATADIR KEYFILE FROM TO SUBJECT
 *                                   sign a mail message (text on stdin)
 *                                   as FROM's node and store it
 *
 * ls and check open the store read-only. Exit: 0 ok, 1 error, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "key.h"
#include "name.h"
#include "store.h"
#include "wire.h"
#include "xmem.h"
#include "log.h"

#define MAX_TEXT	(64 * 1024)

static int
usage(void)
{
	fprintf(stderr, "usage: node-store ls DATADIR [SEQ]\n"
	    "       node-store check DATADIR\n"
	    "       node-store mail DATADIR KEYFILE FROM TO SUBJECT < TEXT\n");
	return 2;
}

/* Prints s from an untrusted record with control characters made '?'. */
static void
print_safe(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static const char *
kind_name(const Nodenet__RecordBody *rb)
{
	switch (rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_MAIL:
		return "mail";
	case NODENET__RECORD_BODY__KIND_DOC:
		return "doc";
	case NODENET__RECORD_BODY__KIND_REPORT:
		return "report";
	case NODENET__RECORD_BODY__KIND_CERT:
		return "cert";
	case NODENET__RECORD_BODY__KIND_REVOCATION:
		return "revocation";
	case NODENET__RECORD_BODY__KIND_ACL:
		return "acl";
	case NODENET__RECORD_BODY__KIND_STATUS:
		return "status";
	default:
		return "?";
	}
}

static int
open_store(store_t **st, const char *dir, int read_only)
{
	struct store_opts	opts = { .read_only = read_only };
	int			rc;

	if ((rc = store_open(st, dir, &opts)) != 0)
		fprintf(stderr, "node-store: %s: %s\n", dir, store_strerror(rc));
	return rc;
}

/*
 * Walks the change log from seq `from`, verifying each record; prints a
 * line per record when verbose. Returns the number of faults found.
 */
static unsigned long
walk_log(store_t *st, uint64_t from, int verbose, uint64_t *count)
{
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	struct wire_record	 wr;
	uint8_t			 id[STORE_ID_BYTES];
	char			 hex[2 * STORE_ID_BYTES + 1];
	uint64_t		 seq, expect = from == 0 ? 1 : from;
	unsigned long		 faults = 0;
	int			 rc;

	*count = 0;
	if ((rc = store_txn_begin(st, STORE_RDONLY, &txn)) != 0) {
		fprintf(stderr, "node-store: %s\n", store_strerror(rc));
		return 1;
	}
	while ((rc = store_log_next(txn, expect, &seq, id)) == 0) {
		sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
		if (seq != expect && from == 0) {
			printf("FAULT log hole: seqs %" PRIu64 "..%" PRIu64
			    " missing\n", expect, seq - 1);
			faults++;
		}
		expect = seq + 1;
		(*count)++;
		if ((rc = store_get(txn, id, &rec)) != 0) {
			printf("FAULT seq=%" PRIu64 " id=%.16s: %s\n", seq, hex,
			    store_strerror(rc));
			faults++;
			continue;
		}
		if ((rc = wire_record_check(rec.body, rec.body_len, rec.sig,
		    &wr)) != 0) {
			printf("FAULT seq=%" PRIu64 " id=%.16s: %s\n", seq, hex,
			    wire_strerror(rc));
			faults++;
			continue;
		}
		if (rec.seq != seq) {
			printf("FAULT seq=%" PRIu64 " id=%.16s: record says seq "
			    "%" PRIu64 "\n", seq, hex, rec.seq);
			faults++;
		}
		if (verbose) {
			const Nodenet__MailMessage *m = wr.rb->mail;

			/* origin passed name_valid(): printable. */
			printf("%6" PRIu64 "  %.16s  %-10s %-24s #%-5" PRIu64
			    " verified", seq, hex, kind_name(wr.rb),
			    wr.rb->origin, wr.rb->origin_seq);
			if (m != NULL) {
				printf("  ");
				print_safe(m->from);
				printf(" -> %zu recipient(s): ", m->n_to);
				print_safe(m->subject);
			}
			printf("\n");
		}
		wire_record_clear(&wr);
	}
	if (rc != STORE_NOTFOUND) {
		printf("FAULT reading the log: %s\n", store_strerror(rc));
		faults++;
	}
	store_txn_abort(&txn);
	return faults;
}

static int
cmd_ls(const char *dir, const char *from_arg)
{
	store_t		*st = NULL;
	uint64_t	 from = 1, n;
	unsigned long	 faults;
	char		*end;

	if (from_arg != NULL) {
		errno = 0;
		from = strtoull(from_arg, &end, 10);
		if (errno != 0 || *end != '\0' || end == from_arg || from == 0) {
			fprintf(stderr, "node-store: bad SEQ: %s\n", from_arg);
			return 2;
		}
	}
	if (open_store(&st, dir, 1) != 0)
		return 1;
	printf("%6s  %-16s  %-10s %-24s %-6s\n", "SEQ", "ID", "KIND", "ORIGIN",
	    "#OSEQ");
	faults = walk_log(st, from, 1, &n);
	store_close(&st);
	return faults == 0 ? 0 : 1;
}

static int
cmd_check(const char *dir)
{
	store_t			*st = NULL;
	struct store_stat	 ss;
	uint64_t		 n;
	unsigned long		 faults;
	int			 rc;

	if (open_store(&st, dir, 1) != 0)
		return 1;
	faults = walk_log(st, 0, 0, &n);
	if ((rc = store_stat(st, &ss)) != 0) {
		printf("FAULT stat: %s\n", store_strerror(rc));
		faults++;
	} else if (ss.records != n) {
		printf("FAULT %" PRIu64 " records but %" PRIu64
		    " log entries\n", ss.records, n);
		faults++;
	}
	store_close(&st);
	printf("%s: %" PRIu64 " records, %lu fault(s)\n", dir, n, faults);
	return faults == 0 ? 0 : 1;
}

/* "user@node": 1 if valid, with the node name in *node. */
static int
address_node(const char *addr, const char **node)
{
	const char	*at = strchr(addr, '@');

	if (at == NULL || at == addr || !name_valid(at + 1))
		return 0;
	*node = at + 1;
	return 1;
}

static int
cmd_mail(const char *dir, const char *keyfile, const char *from,
    const char *to, const char *subject)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage	 mail = NODENET__MAIL_MESSAGE__INIT;
	struct store_record	 rec;
	struct wire_record	 wr;
	struct timespec		 now;
	store_t			*st = NULL;
	store_txn_t		*txn = NULL;
	key_pair_t		*kp = NULL;
	const char		*origin, *to_node;
	char			*text, *tov[1] = { (char *)(uintptr_t)to };
	char			 hex[2 * STORE_ID_BYTES + 1];
	uint8_t			*buf = NULL;
	size_t			 len, text_len;
	int			 rc, status = 1;

	if (!address_node(from, &origin) || !address_node(to, &to_node)) {
		fprintf(stderr, "node-store: addresses are user@node-name\n");
		return 2;
	}
	text = xmalloc(MAX_TEXT + 1);
	text_len = fread(text, 1, MAX_TEXT + 1, stdin);
	if (text_len > MAX_TEXT) {
		fprintf(stderr, "node-store: text over %d bytes\n", MAX_TEXT);
		goto out;
	}
	if ((rc = key_load(&kp, keyfile)) != 0) {
		fprintf(stderr, "node-store: %s: %s\n", keyfile,
		    key_strerror(rc));
		goto out;
	}
	if (open_store(&st, dir, 0) != 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &now);
	mail.from = (char *)(uintptr_t)from;
	mail.n_to = 1;
	mail.to = tov;
	mail.subject = (char *)(uintptr_t)subject;
	mail.text.data = (uint8_t *)text;
	mail.text.len = text_len;
	rb.origin = (char *)(uintptr_t)origin;
	rb.created_ms = (uint64_t)now.tv_sec * 1000 +
	    (uint64_t)now.tv_nsec / 1000000;
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = &mail;

	/* Sequence, record and log entry commit together or not at all. */
	if ((rc = store_txn_begin(st, 0, &txn)) != 0 ||
	    (rc = store_origin_seq_next(txn, &rb.origin_seq)) != 0) {
		fprintf(stderr, "node-store: %s\n", store_strerror(rc));
		goto out;
	}
	if ((rc = wire_record_make(kp, &rb, &buf, &len, rec.id)) != 0 ||
	    (rc = wire_record_open(buf, len, &wr)) != 0) {
		fprintf(stderr, "node-store: %s\n", wire_strerror(rc));
		goto out;
	}
	rec.body = wr.body;
	rec.body_len = wr.body_len;
	rec.lane = 1;		/* normal */
	memcpy(rec.sig, wr.sig, sizeof(rec.sig));
	rc = store_put(txn, &rec);
	wire_record_clear(&wr);
	if (rc == 0)
		rc = store_txn_commit(&txn);
	if (rc != 0) {
		fprintf(stderr, "node-store: %s\n", store_strerror(rc));
		goto out;
	}
	sodium_bin2hex(hex, sizeof(hex), rec.id, sizeof(rec.id));
	printf("stored seq=%" PRIu64 " id=%s\n", rec.seq, hex);
	status = 0;
out:
	store_txn_abort(&txn);
	store_close(&st);
	key_free(&kp);
	free(buf);
	free(text);
	return status;
}

int
main(int argc, char **argv)
{
	if (sodium_init() == -1) {
		fprintf(stderr, "node-store: libsodium failed to initialise\n");
		return 1;
	}
	log_init("node-store", LOG_LEVEL_WARN);
	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "ls") == 0)
		return cmd_ls(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2]);
	if (argc == 7 && strcmp(argv[1], "mail") == 0)
		return cmd_mail(argv[2], argv[3], argv[4], argv[5], argv[6]);
	return usage();
}
