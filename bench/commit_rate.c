/*
 * commit_rate: how many durable LMDB commits this machine's disk takes in
 * a second, one after another; what a client that waits for each reply
 * is held against (bench/bench_submit.sh).
 *
 * Each commit puts one 1 KiB value under a random 32-byte key in a fresh
 * environment with the default (durable) flags, as the node's store
 * opens it, until SECONDS of wall time have passed. Prints one line:
 *
 *   commit_rate: LMDB durable commit, 1 KiB, one after another: N/s (...)
 *
 * usage: commit_rate [SECONDS [DIR]]	(default 1 s, 0.1 to 60; DIR: a
 * directory on the disk to measure, default $TMPDIR, else /tmp: the
 * environment is made in a new directory there and removed after)
 * Exit: 0, 1 if LMDB fails, 2 on bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#define VALUE_BYTES	1024
#define MAP_BYTES	(256u << 20)

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "commit_rate: %s: %s\n", what, mdb_strerror(rc));
	return 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: commit_rate [SECONDS [DIR]]\n");
	exit(2);
}

/* Removes the environment's files and its directory. */
static void
cleanup(const char *dir)
{
	static const char *const f[] = { "data.mdb", "lock.mdb" };
	char	path[4096];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

int
main(int argc, char *argv[])
{
	static uint8_t	value[VALUE_BYTES];
	uint8_t		key[32];
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k = { sizeof(key), key }, v = { sizeof(value), value };
	double		 secs = 1.0, t0, t;
	uint64_t	 n = 0;
	const char	*parent = getenv("TMPDIR");
	char		*end, dir[4096];
	int		 rc;

	if (argc > 3)
		usage();
	if (argc >= 2) {
		errno = 0;
		secs = strtod(argv[1], &end);
		if (errno != 0 || *end != '\0' || end == argv[1] ||
		    !(secs >= 0.1 && secs <= 60))
			usage();
	}
	if (argc == 3)
		parent = argv[2];
	if (parent == NULL || *parent == '\0')
		parent = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/commit_rate.XXXXXX",
	    parent) >= sizeof(dir) || mkdtemp(dir) == NULL) {
		fprintf(stderr, "commit_rate: cannot make a directory in %s\n",
		    parent);
		return 1;
	}
	if (sodium_init() == -1)
		return fail("sodium_init", 0);
	randombytes_buf(value, sizeof(value));
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, MAP_BYTES)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_NOTLS, 0600)) != 0) {
		cleanup(dir);
		return fail(dir, rc);
	}
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		goto out;
	t0 = now();
	do {
		randombytes_buf(key, sizeof(key));
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
		    (rc = mdb_put(txn, dbi, &k, &v, 0)) != 0 ||
		    (rc = mdb_txn_commit(txn)) != 0)
			goto out;
		n++;
	} while ((t = now()) - t0 < secs);
	t -= t0;
	printf("commit_rate: LMDB durable commit, 1 KiB, one after another: "
	    "%.0f/s (%llu in %.2f s, %.0f us each, in %s)\n", (double)n / t,
	    (unsigned long long)n, t, t * 1e6 / (double)n, parent);
out:
	mdb_env_close(env);
	cleanup(dir);
	return rc == 0 ? 0 : fail("commit", rc);
}
