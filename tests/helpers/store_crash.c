/*
 * store_crash: a writer to kill -9 and a checker to run afterwards, for
 * tests/integration/store_crash.sh.
 *
 *   store_crash write DIR	puts batches of K records for ever, one
 *				store_put_batch (one transaction) per batch,
 *				continuing after the highest batch held
 *				(the batch of the last record logged)
 *   store_crash check DIR	checks the store a killed writer left
 *
 * Record j of batch k has a body made only from (k, j), so the checker can
 * tell what each record must be. The invariants checked: the change log
 * is 1..last without holes, each logged record reads back with the body
 * and signature of some (k, j), and batches are all-or-nothing and form a
 * prefix 0..m. The check prints "batches=M records=N" and exits 0 when they
 * hold; otherwise it says what is wrong and exits 1.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store.h"

#define K		10		/* records per batch */
#define BODY_LEN	1024
#define HDR_FMT		"batch %08u rec %02u "

struct counts {
	uint8_t		*c_seen;	/* c_seen[k * K + j]: times logged */
	size_t		 c_nbatch;	/* room for this many batches */
};

static void
usage(void)
{
	fprintf(stderr, "usage: store_crash write|check DIR\n");
	exit(2);
}

/* The body of record j of batch k: a header, then a pattern of (k, j). */
static void
make_body(uint32_t k, uint32_t j, uint8_t body[BODY_LEN])
{
	int	 h;

	h = snprintf((char *)body, BODY_LEN, HDR_FMT, k, j);
	for (size_t i = (size_t)h; i < BODY_LEN; i++)
		body[i] = (uint8_t)((k * 2654435761u) >> (i % 24) ^
		    (j * 40503u + i * 131u));
}

static void
make_sig(uint32_t k, uint32_t j, uint8_t sig[STORE_SIG_BYTES])
{
	for (size_t i = 0; i < STORE_SIG_BYTES; i++)
		sig[i] = (uint8_t)(k * 7u + j * 13u + i);
}

/*
 * Finds (k, j) for a body read back; -1 unless the body is exactly what
 * make_body() gives for them.
 */
static int
parse_body(const uint8_t *body, size_t len, uint32_t *k, uint32_t *j)
{
	uint8_t		 want[BODY_LEN];
	char		 hdr[40];
	unsigned	 uk, uj;

	if (len != BODY_LEN)
		return -1;
	memcpy(hdr, body, sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	if (sscanf(hdr, "batch %8u rec %2u ", &uk, &uj) != 2 || uj >= K)
		return -1;
	make_body(uk, uj, want);
	if (memcmp(want, body, BODY_LEN) != 0)
		return -1;
	*k = uk;
	*j = uj;
	return 0;
}

static void
counts_add(struct counts *c, uint32_t k, uint32_t j)
{
	size_t	 n;

	if (k >= c->c_nbatch) {
		n = c->c_nbatch ? c->c_nbatch : 1024;
		while (n <= k)
			n *= 2;
		c->c_seen = realloc(c->c_seen, n * K);
		if (c->c_seen == NULL) {
			perror("realloc");
			exit(1);
		}
		memset(c->c_seen + c->c_nbatch * K, 0,
		    (n - c->c_nbatch) * K);
		c->c_nbatch = n;
	}
	if (c->c_seen[(size_t)k * K + j] < UINT8_MAX)
		c->c_seen[(size_t)k * K + j]++;
}

/*
 * Walks the change log and checks every record on it. Returns the number
 * of problems found (each printed); *nbatch gets the highest batch seen
 * plus one, *nrec the number of log entries.
 */
static int
scan(store_t *st, struct counts *c, uint64_t *nbatch, uint64_t *nrec)
{
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	struct store_stat	 ss;
	uint8_t			 id[STORE_ID_BYTES], hash[STORE_ID_BYTES];
	uint8_t			 sig[STORE_SIG_BYTES];
	uint64_t		 from = 1, seq, want = 1;
	uint32_t		 k, j;
	int			 rc, bad = 0;

	*nbatch = 0;
	*nrec = 0;
	if ((rc = store_stat(st, &ss)) != 0) {
		printf("store_stat: %s\n", store_strerror(rc));
		return 1;
	}
	if ((rc = store_txn_begin(st, STORE_RDONLY, &txn)) != 0) {
		printf("store_txn_begin: %s\n", store_strerror(rc));
		return 1;
	}
	while ((rc = store_log_next(txn, from, &seq, id)) == 0) {
		if (seq != want) {
			printf("log: seq %" PRIu64 " follows %" PRIu64
			    " (hole or disorder)\n", seq, want - 1);
			bad++;
		}
		want = seq + 1;
		from = seq + 1;
		(*nrec)++;
		memset(&rec, 0, sizeof(rec));
		if ((rc = store_get(txn, id, &rec)) != 0) {
			printf("seq %" PRIu64 ": store_get: %s\n", seq,
			    store_strerror(rc));
			bad++;
			continue;
		}
		crypto_generichash(hash, sizeof(hash), rec.body,
		    rec.body_len, NULL, 0);
		if (memcmp(hash, id, sizeof(id)) != 0 ||
		    memcmp(rec.id, id, sizeof(id)) != 0) {
			printf("seq %" PRIu64 ": id does not match body\n",
			    seq);
			bad++;
			continue;
		}
		if (parse_body(rec.body, rec.body_len, &k, &j) == -1) {
			printf("seq %" PRIu64 ": body is not one of ours "
			    "(len %zu)\n", seq, rec.body_len);
			bad++;
			continue;
		}
		make_sig(k, j, sig);
		if (memcmp(sig, rec.sig, sizeof(sig)) != 0) {
			printf("seq %" PRIu64 ": batch %u rec %u: wrong "
			    "signature\n", seq, k, j);
			bad++;
		}
		if (rec.seq != seq) {
			printf("seq %" PRIu64 ": batch %u rec %u: store_get "
			    "says seq %" PRIu64 "\n", seq, k, j, rec.seq);
			bad++;
		}
		counts_add(c, k, j);
		if (k + (uint64_t)1 > *nbatch)
			*nbatch = k + (uint64_t)1;
	}
	if (rc != STORE_NOTFOUND) {
		printf("log: store_log_next(%" PRIu64 "): %s\n", from,
		    store_strerror(rc));
		bad++;
	}
	store_txn_abort(&txn);
	if (ss.last_seq != *nrec || ss.records != *nrec) {
		printf("store_stat: records=%" PRIu64 " last_seq=%" PRIu64
		    ", but the log has %" PRIu64 " entries\n", ss.records,
		    ss.last_seq, *nrec);
		bad++;
	}
	return bad;
}

static int
check(const char *dir)
{
	const struct store_opts	 ro = { .read_only = 1 };
	store_t			*st = NULL;
	struct counts		 c = { NULL, 0 };
	struct stat		 sb;
	char			 path[4096];
	uint64_t		 nbatch, nrec, partial = 0, missing = 0;
	size_t			 have;
	int			 rc, bad;

	if ((rc = store_open(&st, dir, &ro)) != 0) {
		/* Killed before the data file held anything: nothing lost. */
		snprintf(path, sizeof(path), "%s/data.mdb", dir);
		if (stat(path, &sb) == -1 && errno == ENOENT) {
			printf("batches=0 records=0\n");
			return 0;
		}
		/*
		 * Killed while the store was being created, before its
		 * first commit: a read-only open refuses the bare LMDB
		 * environment, but the node opens it read-write and must
		 * find it empty. Anything else is a failure.
		 */
		printf("# read-only open: %s; trying read-write\n",
		    store_strerror(rc));
		if ((rc = store_open(&st, dir, NULL)) != 0) {
			printf("cannot open %s: %s\n", dir,
			    store_strerror(rc));
			return 1;
		}
		bad = scan(st, &c, &nbatch, &nrec);
		store_close(&st);
		free(c.c_seen);
		if (bad != 0 || nrec != 0) {
			printf("the store holds %" PRIu64 " records but does "
			    "not open read-only\n", nrec);
			return 1;
		}
		printf("batches=0 records=0\n");
		return 0;
	}
	bad = scan(st, &c, &nbatch, &nrec);
	store_close(&st);

	for (uint64_t k = 0; k < nbatch; k++) {
		have = 0;
		for (size_t j = 0; j < K; j++) {
			if (c.c_seen[k * K + j] > 1) {
				printf("batch %" PRIu64 " rec %zu: logged %u "
				    "times\n", k, j, c.c_seen[k * K + j]);
				bad++;
			}
			if (c.c_seen[k * K + j] > 0)
				have++;
		}
		if (have == 0)
			missing++;
		else if (have != K) {
			printf("batch %" PRIu64 ": %zu of %d records\n", k,
			    have, K);
			partial++;
		}
	}
	if (missing > 0) {
		printf("%" PRIu64 " of batches 0..%" PRIu64 " missing: "
		    "not a prefix\n", missing, nbatch - 1);
		bad++;
	}
	if (partial > 0) {
		printf("%" PRIu64 " batches partly present\n", partial);
		bad++;
	}
	free(c.c_seen);
	printf("batches=%" PRIu64 " records=%" PRIu64 "\n", nbatch, nrec);
	return bad ? 1 : 0;
}

/*
 * Where the writer carries on: after the batch of the last record logged.
 * Batches go in in order and each is one transaction, so that is the
 * highest batch held; the last record must close its batch. Reading only
 * the last entry keeps restarts quick as the store grows, so the kills
 * land in writes; check() reads everything.
 */
static int
resume_point(store_t *st, uint32_t *next)
{
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	struct store_stat	 ss;
	uint8_t			 id[STORE_ID_BYTES];
	uint64_t		 seq;
	uint32_t		 k, j;
	int			 rc;

	*next = 0;
	if ((rc = store_stat(st, &ss)) != 0) {
		fprintf(stderr, "store_crash: store_stat: %s\n",
		    store_strerror(rc));
		return -1;
	}
	if (ss.last_seq == 0)
		return 0;
	if ((rc = store_txn_begin(st, STORE_RDONLY, &txn)) != 0 ||
	    (rc = store_log_next(txn, ss.last_seq, &seq, id)) != 0 ||
	    (rc = store_get(txn, id, &rec)) != 0) {
		fprintf(stderr, "store_crash: reading seq %" PRIu64 ": %s\n",
		    ss.last_seq, store_strerror(rc));
		store_txn_abort(&txn);
		return -1;
	}
	rc = parse_body(rec.body, rec.body_len, &k, &j);
	store_txn_abort(&txn);
	if (rc == -1 || seq != ss.last_seq || j != K - 1) {
		fprintf(stderr, "store_crash: seq %" PRIu64 " does not end "
		    "a batch\n", ss.last_seq);
		return -1;
	}
	*next = k + 1;
	return 0;
}

static int
write_forever(const char *dir)
{
	static uint8_t		 bodies[K][BODY_LEN];
	store_t			*st = NULL;
	struct store_record	 recs[K];
	uint8_t			 held[K];
	uint32_t		 k;
	int			 rc;

	if ((rc = store_open(&st, dir, NULL)) != 0) {
		fprintf(stderr, "store_crash: open %s: %s\n", dir,
		    store_strerror(rc));
		return 1;
	}
	if (resume_point(st, &k) == -1) {
		store_close(&st);
		return 1;
	}
	fprintf(stderr, "store_crash: starting at batch %u\n", k);

	for (;; k++) {
		for (uint32_t j = 0; j < K; j++) {
			make_body(k, j, bodies[j]);
			memset(&recs[j], 0, sizeof(recs[j]));
			recs[j].body = bodies[j];
			recs[j].body_len = BODY_LEN;
			crypto_generichash(recs[j].id, sizeof(recs[j].id),
			    bodies[j], BODY_LEN, NULL, 0);
			make_sig(k, j, recs[j].sig);
		}
		memset(held, 0, sizeof(held));
		if ((rc = store_put_batch(st, recs, K, held)) != 0) {
			fprintf(stderr, "store_crash: batch %u: %s\n", k,
			    store_strerror(rc));
			break;
		}
		for (uint32_t j = 0; j < K; j++)
			if (held[j]) {
				fprintf(stderr, "store_crash: batch %u rec "
				    "%u was already held\n", k, j);
				rc = 1;
			}
		if (rc != 0)
			break;
	}
	store_close(&st);
	return 1;
}

int
main(int argc, char *argv[])
{
	if (argc != 3)
		usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "store_crash: sodium_init failed\n");
		return 1;
	}
	if (strcmp(argv[1], "write") == 0)
		return write_forever(argv[2]);
	if (strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	usage();
	return 2;
}
