/*
 * node-store: inspect and check a node's store directly, as mdb_stat
 * and mdb_dump do for LMDB (for a stopped node, or a copy of a store).
 *
 *   node-store ls DATADIR [SEQ]     list the change log from SEQ on,
 *                                   verifying every record's signature
 *   node-store check DATADIR        verify every record and the log's
 *                                   integrity (a record for every entry
 *                                   but purged ones); exit 1 on a fault
 *
 * Both open the store read-only. Exit: 0 ok, 1 error or fault, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store.h"
#include "wire.h"
#include "log.h"


static int
usage(void)
{
	fprintf(stderr, "usage: node-store ls DATADIR [SEQ]\n"
	    "       node-store check DATADIR\n");
	return 2;
}

/* Prints s from an untrusted record with control characters made '?'. */
static void
print_safe(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static int
open_store(store_t **st, const char *dir, int read_only)
{
	struct store_opts	opts = { .read_only = read_only };
	char			why[256];
	int			rc;

	if ((rc = store_open(st, dir, &opts)) != 0)
		fprintf(stderr, "node-store: %s: %s\n", dir,
		    store_open_why(dir, rc, why, sizeof(why)));
	return rc;
}

/* 1 if log entry seq was purged: no lane lists it any more. */
static int
purged(store_txn_t *txn, uint64_t seq)
{
	uint8_t		id[STORE_ID_BYTES];
	uint64_t	at;

	for (unsigned l = 0; l < STORE_LANES; l++)
		if (store_lane_next(txn, l, seq, &at, id) == 0 && at == seq)
			return 0;
	return 1;
}

/* What ls says of a mail, and whether a revision or chunk is sealed. */
static void
print_detail(const Nodenet__RecordBody *rb)
{
	const Nodenet__MailMessage	*m = rb->mail;

	if (rb->kind_case == NODENET__RECORD_BODY__KIND_DOC &&
	    rb->doc->sealed != NULL)
		printf("  (sealed for %zu node key(s))",
		    rb->doc->sealed->n_keys);
	if (rb->kind_case == NODENET__RECORD_BODY__KIND_CHUNK &&
	    rb->chunk->sealed)
		printf("  (sealed)");
	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL)
		return;
	printf("  ");
	print_safe(m->from);
	printf(" -> %zu recipient(s): ", m->n_to);
	/* Only its recipients' nodes read it. */
	if (m->sealed != NULL)
		printf("(sealed for %zu node key(s))", m->sealed->n_keys);
	else
		print_safe(m->subject);
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
		/* Holes are purged records (store_purge()). */
		expect = seq + 1;
		if ((rc = store_get(txn, id, &rec)) == STORE_NOTFOUND &&
		    purged(txn, seq)) {
			if (verbose)
				printf("%6" PRIu64 "  %.16s  purged\n", seq, hex);
			continue;
		}
		(*count)++;
		if (rc != 0) {
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
			/* origin passed name_valid(): printable. */
			printf("%6" PRIu64 "  %.16s  %-10s %-24s #%-5" PRIu64
			    " verified", seq, hex,
			    wire_kind_name(wr.rb->kind_case), wr.rb->origin,
			    wr.rb->origin_seq);
			print_detail(wr.rb);
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

/* Records set aside as damaged (store_damage_mark()): faults each. */
static unsigned long
damaged(store_t *st)
{
	store_txn_t		*txn = NULL;
	struct store_damage	 d;
	const uint8_t		*after = NULL;
	uint8_t			 last[STORE_ID_BYTES];
	char			 hex[2 * STORE_ID_BYTES + 1];
	unsigned long		 faults = 0;

	if (store_txn_begin(st, STORE_RDONLY, &txn) != 0)
		return 1;
	while (store_damage_next(txn, after, &d) == 0) {
		memcpy(last, d.id, sizeof(last));
		after = last;
		sodium_bin2hex(hex, sizeof(hex), d.id, sizeof(d.id));
		printf("FAULT id=%.16s: damaged, %s\n", hex,
		    d.state == STORE_DAMAGE_LOST ? "lost (no neighbour had a "
		    "copy)" : "a copy is sought from the neighbours");
		faults++;
	}
	store_txn_abort(&txn);
	return faults;
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
	faults = walk_log(st, 0, 0, &n) + damaged(st);
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
	return usage();
}
