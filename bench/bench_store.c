/*
 * bench_store: what storing a record costs us next to what this machine
 * can do, measured in one run.
 *
 * "machine" rows are the limits, taken with the libraries alone: Ed25519
 * sign and verify of the 50 bytes a record's signature covers (the
 * WIRE_SIGN_PREFIX, its NUL, a 32-byte id), BLAKE2b-256 of 1 KiB, and
 * LMDB durable commits: plain mdb_put of 1 KiB values under random 32-byte
 * keys, default (durable) environment flags, one commit per batch.
 * "ours" rows do the same work through wire_record_make, wire_record_open
 * and store_put_batch, on mail records with a 1 KiB body that are made
 * before the clock starts. Every LMDB run gets a fresh environment in a
 * mkdtemp directory, the same map size and the same record count; each is
 * run 3 to 5 times (fewer when the disk is slow), raw and ours
 * alternating, and the median is shown.
 *
 * Reading it: "per s" is operations (for LMDB rows, records) a second on
 * one thread, "us/op" the time each. Batch 1 is bound by fsync latency,
 * larger batches by the pages each commit writes. The last table divides
 * our time per record by raw LMDB's at the same batch size; the target is
 * at most 1.25. MISS is reported, not failed: only errors exit non-zero.
 *
 * usage: bench_store [parent-dir]	(default $TMPDIR, else /tmp)
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "key.h"
#include "store.h"
#include "wire.h"

#define MAP_SIZE	((size_t)1 << 30)	/* raw and ours alike */
#define VALUE_BYTES	1024		/* raw LMDB value */
#define BODY_BYTES	1024		/* our record body, near enough */
#define N_RECORDS	30000		/* made, opened, stored at 100, 1000 */
#define N_SINGLE	1000		/* at batch 1: a durable commit each */
#define ROUNDS_MIN	3
#define ROUNDS_MAX	5
#define LMDB_SECS	25.0		/* later rounds are skipped past this */
#define SIGN_SECS	1.0
#define HASH_SECS	0.5
#define TARGET_RATIO	1.25
#define SIGNED_BYTES	(sizeof(WIRE_SIGN_PREFIX) + WIRE_ID_BYTES)

static const size_t	batches[] = { 1, 100, 1000 };
#define N_BATCHES	(sizeof(batches) / sizeof(batches[0]))

enum side { RAW, OURS };

static char	top_dir[PATH_MAX];	/* removed on every way out */

static void	die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) == -1)
		fprintf(stderr, "bench_store: remove %s: %s\n", path,
		    strerror(errno));
	return 0;
}

static void
rm_rf(const char *path)
{
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
	    errno != ENOENT)
		fprintf(stderr, "bench_store: nftw %s: %s\n", path,
		    strerror(errno));
}

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "bench_store: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (top_dir[0] != '\0')
		rm_rf(top_dir);
	exit(1);
}

static void
mdb_check(int rc, const char *what)
{
	if (rc != 0)
		die("%s: %s", what, mdb_strerror(rc));
}

static double
now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One measured figure: n operations took secs. */
struct result {
	uint64_t	n;
	double		secs;
};

/* Calls fn(arg) in chunks until secs have passed. */
static struct result
run_for(void (*fn)(void *), void *arg, double secs)
{
	struct result	r = { 0, 0 };
	double		t0 = now(), t;

	do {
		for (int i = 0; i < 64; i++)
			fn(arg);
		r.n += 64;
	} while ((t = now()) - t0 < secs);
	r.secs = t - t0;
	return r;
}

struct sign_arg {
	uint8_t	pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t	sk[crypto_sign_SECRETKEYBYTES];
	uint8_t	msg[SIGNED_BYTES];
	uint8_t	sig[crypto_sign_BYTES];
};

static void
op_sign(void *arg)
{
	struct sign_arg	*a = arg;

	a->msg[SIGNED_BYTES - 1]++;	/* a new id each time, as in use */
	crypto_sign_detached(a->sig, NULL, a->msg, sizeof(a->msg), a->sk);
}

static void
op_verify(void *arg)
{
	struct sign_arg	*a = arg;

	if (crypto_sign_verify_detached(a->sig, a->msg, sizeof(a->msg),
	    a->pk) != 0)
		die("crypto_sign_verify_detached: a good signature failed");
}

struct hash_arg {
	uint8_t	in[1024];
	uint8_t	out[32];
};

static void
op_hash(void *arg)
{
	struct hash_arg	*a = arg;

	crypto_generichash(a->out, sizeof(a->out), a->in, sizeof(a->in),
	    NULL, 0);
	a->in[0] = a->out[0];
}

/* Raw LMDB: n values under keys[i], batch puts a commit; returns secs. */
static double
raw_run(const char *dir, const uint8_t *keys, size_t n, size_t batch)
{
	static uint8_t	 val[VALUE_BYTES];
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	MDB_stat	 ms;
	double		 t0, secs;

	randombytes_buf(val, sizeof(val));
	if (mkdir(dir, 0700) == -1)
		die("mkdir %s: %s", dir, strerror(errno));
	mdb_check(mdb_env_create(&env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(env, MAP_SIZE), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(env, dir, 0, 0600), "mdb_env_open");
	mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");

	t0 = now();
	for (size_t i = 0; i < n;) {
		mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		for (size_t j = 0; j < batch && i < n; j++, i++) {
			k.mv_size = WIRE_ID_BYTES;
			k.mv_data = (void *)(uintptr_t)(keys +
			    i * WIRE_ID_BYTES);
			v.mv_size = sizeof(val);
			v.mv_data = val;
			mdb_check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
		}
		mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
	}
	secs = now() - t0;

	mdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	mdb_check(mdb_stat(txn, dbi, &ms), "mdb_stat");
	mdb_txn_abort(txn);
	if (ms.ms_entries != n)
		die("raw LMDB holds %zu records, not %zu", ms.ms_entries, n);
	mdb_env_close(env);
	rm_rf(dir);
	return secs;
}

/* Ours: store_put_batch of recs[0..n) in batches; returns secs. */
static double
ours_run(const char *dir, struct store_record *recs, size_t n, size_t batch)
{
	static uint8_t		 held[1000];
	struct store_opts	 opts = { .map_size = MAP_SIZE };
	struct store_stat	 ss;
	store_t			*st;
	double			 t0, secs;
	size_t			 m;
	int			 rc;

	if (batch > sizeof(held))
		die("batch %zu is over %zu", batch, sizeof(held));
	if ((rc = store_open(&st, dir, &opts)) != 0)
		die("store_open %s: %s", dir, store_strerror(rc));

	t0 = now();
	for (size_t i = 0; i < n; i += m) {
		m = n - i < batch ? n - i : batch;
		if ((rc = store_put_batch(st, recs + i, m, held)) != 0)
			die("store_put_batch: %s", store_strerror(rc));
		for (size_t j = 0; j < m; j++)
			if (held[j])
				die("record %zu was held already", i + j);
	}
	secs = now() - t0;

	if ((rc = store_stat(st, &ss)) != 0)
		die("store_stat: %s", store_strerror(rc));
	if (ss.records != n || ss.last_seq != n)
		die("store holds %llu records, last seq %llu, not %zu",
		    (unsigned long long)ss.records,
		    (unsigned long long)ss.last_seq, n);
	store_close(&st);
	rm_rf(dir);
	return secs;
}

/* Records stored at batch size batches[b]. */
static size_t
n_for(size_t b)
{
	return batches[b] == 1 ? N_SINGLE : N_RECORDS;
}

/*
 * Round r of the durable stores: raw and ours at each batch size, taking
 * turns at going first so that drift in the disk's speed (or a
 * neighbour's load) falls on both sides alike.
 */
static void
lmdb_round(int r, const uint8_t *keys, struct store_record *recs,
    double secs[2][N_BATCHES][ROUNDS_MAX])
{
	char	dir[PATH_MAX + 64];

	for (size_t b = 0; b < N_BATCHES; b++) {
		for (int k = 0; k < 2; k++) {
			enum side	s = (k + r) % 2 ? OURS : RAW;

			snprintf(dir, sizeof(dir), "%s/%s-%zu-%d", top_dir,
			    s == RAW ? "raw" : "ours", batches[b], r);
			secs[s][b][r] = s == RAW ?
			    raw_run(dir, keys, n_for(b), batches[b]) :
			    ours_run(dir, recs, n_for(b), batches[b]);
		}
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, size_t n)
{
	double	s[ROUNDS_MAX];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
row(const char *label, uint64_t n, double secs)
{
	printf("  %-42s %8llu %11.0f %10.2f\n", label, (unsigned long long)n,
	    (double)n / secs, secs * 1e6 / (double)n);
}

/* A mail record body of about BODY_BYTES; text is sized to get there. */
static void
mail_init(Nodenet__RecordBody *rb, Nodenet__MailMessage *mail,
    const key_pair_t *kp, uint8_t *text, size_t text_max)
{
	static char	 origin[] = "edge.bench";
	static char	 from[] = "alice@edge.bench";
	static char	 to0[] = "bob@hub.bench";
	static char	*to[] = { to0 };
	static char	 subject[] = "bench: a one-kilobyte message";
	size_t		 len;

	for (size_t i = 0; i < text_max; i++)
		text[i] = (uint8_t)"the quick brown fox jumps over the lazy "
		    "dog\n"[i % 44];
	mail->from = from;
	mail->n_to = 1;
	mail->to = to;
	mail->subject = subject;
	mail->text.data = text;
	mail->text.len = text_max;
	rb->origin = origin;
	rb->origin_key.data = (uint8_t *)(uintptr_t)key_public(kp);
	rb->origin_key.len = KEY_PUBLIC_BYTES;
	rb->origin_seq = 1;
	rb->created_ms = (uint64_t)time(NULL) * 1000;
	rb->kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb->mail = mail;
	/* A byte less text is a byte less body, give or take a varint. */
	while ((len = nodenet__record_body__get_packed_size(rb)) > BODY_BYTES &&
	    mail->text.len > 0)
		mail->text.len -= len - BODY_BYTES < mail->text.len ?
		    len - BODY_BYTES : mail->text.len;
}

int
main(int argc, char *argv[])
{
	static struct sign_arg	 sa;
	static struct hash_arg	 ha;
	static uint8_t		 text[BODY_BYTES];
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage	 mail = NODENET__MAIL_MESSAGE__INIT;
	struct result		 r_sign, r_verify, r_hash;
	struct wire_record	*w;
	struct store_record	*recs;
	key_pair_t		*kp;
	uint8_t			**bufs, *keys, id[WIRE_ID_BYTES];
	size_t			*lens, body_total = 0;
	double			 t0, t_make, t_open;
	double			 secs[2][N_BATCHES][ROUNDS_MAX];
	double			 med[2][N_BATCHES], t_lmdb;
	const char		*parent;
	char			 label[64], tmpl[PATH_MAX];
	int			 rc, rounds;

	if (argc > 2) {
		fprintf(stderr, "usage: bench_store [parent-dir]\n");
		return 2;
	}
	if (sodium_init() == -1)
		die("sodium_init failed");
	if (argc == 2)
		parent = argv[1];
	else if ((parent = getenv("TMPDIR")) == NULL || *parent == '\0')
		parent = "/tmp";
	/* top_dir is set only once it is ours: die() removes what it names. */
	if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/bench_store.XXXXXX",
	    parent) >= sizeof(tmpl))
		die("%s: path too long", parent);
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp %s: %s", tmpl, strerror(errno));
	memcpy(top_dir, tmpl, sizeof(top_dir));
	fprintf(stderr, "bench_store: measuring in %s (30-60 s)\n",
	    top_dir);

	/* Machine limits: the crypto. */
	crypto_sign_keypair(sa.pk, sa.sk);
	memcpy(sa.msg, WIRE_SIGN_PREFIX, sizeof(WIRE_SIGN_PREFIX));
	randombytes_buf(sa.msg + sizeof(WIRE_SIGN_PREFIX), WIRE_ID_BYTES);
	r_sign = run_for(op_sign, &sa, SIGN_SECS);
	r_verify = run_for(op_verify, &sa, SIGN_SECS);
	randombytes_buf(ha.in, sizeof(ha.in));
	r_hash = run_for(op_hash, &ha, HASH_SECS);

	/* Ours: make (serialize, hash, sign) and open (decode, check). */
	if ((kp = key_generate()) == NULL)
		die("key_generate failed");
	mail_init(&rb, &mail, kp, text, sizeof(text));
	bufs = calloc(N_RECORDS, sizeof(*bufs));
	lens = calloc(N_RECORDS, sizeof(*lens));
	w = calloc(N_RECORDS, sizeof(*w));
	recs = calloc(N_RECORDS, sizeof(*recs));
	keys = malloc((size_t)N_RECORDS * WIRE_ID_BYTES);
	if (bufs == NULL || lens == NULL || w == NULL || recs == NULL ||
	    keys == NULL)
		die("out of memory");
	t0 = now();
	for (size_t i = 0; i < N_RECORDS; i++) {
		rb.origin_seq = i + 1;
		if ((rc = wire_record_make(kp, &rb, &bufs[i], &lens[i],
		    id)) != 0)
			die("wire_record_make: %s", wire_strerror(rc));
	}
	t_make = now() - t0;
	t0 = now();
	for (size_t i = 0; i < N_RECORDS; i++)
		if ((rc = wire_record_open(bufs[i], lens[i], &w[i])) != 0)
			die("wire_record_open: %s", wire_strerror(rc));
	t_open = now() - t0;
	for (size_t i = 0; i < N_RECORDS; i++) {
		memcpy(recs[i].id, w[i].id, STORE_ID_BYTES);
		recs[i].body = w[i].body;
		recs[i].body_len = w[i].body_len;
		memcpy(recs[i].sig, w[i].sig, STORE_SIG_BYTES);
		body_total += w[i].body_len;
	}
	randombytes_buf(keys, (size_t)N_RECORDS * WIRE_ID_BYTES);

	/* Durable stores: ROUNDS_MIN rounds, more while time allows. */
	t_lmdb = now();
	for (rounds = 0; rounds < ROUNDS_MAX; rounds++) {
		if (rounds >= ROUNDS_MIN && now() - t_lmdb > LMDB_SECS)
			break;
		lmdb_round(rounds, keys, recs, secs);
	}
	for (int s = 0; s < 2; s++)
		for (size_t b = 0; b < N_BATCHES; b++)
			med[s][b] = median(secs[s][b], (size_t)rounds);

	printf("bench_store: LMDB %d.%d.%d, libsodium %s, map %zu MiB, "
	    "%ld CPUs, in %s\n", MDB_VERSION_MAJOR, MDB_VERSION_MINOR,
	    MDB_VERSION_PATCH, sodium_version_string(), MAP_SIZE >> 20,
	    sysconf(_SC_NPROCESSORS_ONLN), parent);
	printf("LMDB rows: median of %d fresh runs each, raw and ours "
	    "alternating\n\n", rounds);
	printf("  %-42s %8s %11s %10s\n", "", "count", "per s", "us/op");
	printf("machine limits\n");
	snprintf(label, sizeof(label), "crypto_sign_detached, %zu B",
	    SIGNED_BYTES);
	row(label, r_sign.n, r_sign.secs);
	snprintf(label, sizeof(label), "crypto_sign_verify_detached, %zu B",
	    SIGNED_BYTES);
	row(label, r_verify.n, r_verify.secs);
	row("BLAKE2b-256, 1 KiB", r_hash.n, r_hash.secs);
	for (size_t b = 0; b < N_BATCHES; b++) {
		size_t	n = n_for(b);

		snprintf(label, sizeof(label), "LMDB mdb_put %d B, batch %zu",
		    VALUE_BYTES, batches[b]);
		row(label, n, med[RAW][b]);
	}
	printf("ours\n");
	snprintf(label, sizeof(label), "wire_record_make, mail ~%zu B body",
	    (body_total + N_RECORDS / 2) / N_RECORDS);
	row(label, N_RECORDS, t_make);
	row("wire_record_open", N_RECORDS, t_open);
	for (size_t b = 0; b < N_BATCHES; b++) {
		size_t	n = n_for(b);

		snprintf(label, sizeof(label), "store_put_batch, batch %zu",
		    batches[b]);
		row(label, n, med[OURS][b]);
	}

	printf("\ntarget: store_put_batch time per record <= %.2f x raw "
	    "LMDB, same batch size\n", TARGET_RATIO);
	printf("  %8s %12s %12s %8s %6s  %s\n", "batch", "raw us/rec",
	    "ours us/rec", "ratio", "", "rounds' ratios, lo-hi");
	for (size_t b = 0; b < N_BATCHES; b++) {
		size_t	n = n_for(b);
		double	raw = med[RAW][b] * 1e6 / (double)n;
		double	ours = med[OURS][b] * 1e6 / (double)n;
		double	lo = 0, hi = 0, q;

		/* The spread says how far to trust a ratio near the target. */
		for (int round = 0; round < rounds; round++) {
			q = secs[OURS][b][round] / secs[RAW][b][round];
			if (round == 0 || q < lo)
				lo = q;
			if (round == 0 || q > hi)
				hi = q;
		}
		printf("  %8zu %12.2f %12.2f %8.2f %6s  %.2f-%.2f\n",
		    batches[b], raw, ours, ours / raw,
		    ours / raw <= TARGET_RATIO ? "PASS" : "MISS", lo, hi);
	}

	for (size_t i = 0; i < N_RECORDS; i++) {
		wire_record_clear(&w[i]);
		free(bufs[i]);
	}
	free(bufs);
	free(lens);
	free(w);
	free(recs);
	free(keys);
	key_free(&kp);
	rm_rf(top_dir);
	return 0;
}
