/*
 * store_age: turns a stopped node's store back into the layout of the
 * release before the certificate index kept issuers, for
 * tests/integration/upgrade.sh.
 *
 *   store_age DIR
 *
 * Each certificate index entry, X25519 key || subject || NUL || id ->
 * key, not_before, not_after, issuer key, issuer, becomes the old
 * X25519 key || subject -> key, id, le64 not_after (the last one of a
 * subject wins, as it did); each ACL index entry (format 2: creation,
 * previous, depth, rank, signer) becomes format 1 (creation, depth,
 * rank); meta "cert_index" and "acl_index" are removed. Prints the
 * number of entries rewritten; exit 0, or 1 on an error.
 *
 *   store_age --schema N|+N DIR
 *
 * Stamps the store's schema version N (+N: N above its own), as a
 * store of another release; prints the version it had and the new one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#define ID	32

static void __attribute__((noreturn))
die(const char *what, int rc)
{
	fprintf(stderr, "store_age: %s: %s\n", what, mdb_strerror(rc));
	exit(1);
}

/* Format 2 ACL entries back to format 1, in place; how many. */
static size_t
age_acls(MDB_txn *txn)
{
	MDB_dbi		 acls;
	MDB_cursor	*c;
	MDB_val		 k, v, nv;
	uint8_t		 old[1 + ID + 8];
	size_t		 n = 0;
	int		 rc;

	if ((rc = mdb_dbi_open(txn, "db_acls", 0, &acls)) != 0 ||
	    (rc = mdb_cursor_open(txn, acls, &c)) != 0)
		die("db_acls", rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t	*p = v.mv_data;

		if (v.mv_size < 1 + 2 * ID + 8 || p[0] != 2)
			die("an ACL entry of another layout", MDB_CORRUPTED);
		old[0] = 1;
		memcpy(old + 1, p + 1, ID);			/* creation */
		memcpy(old + 1 + ID, p + 1 + 2 * ID, 8);	/* depth, rank */
		nv.mv_size = sizeof(old);
		nv.mv_data = old;
		if ((rc = mdb_cursor_put(c, &k, &nv, MDB_CURRENT)) != 0)
			die("db_acls put", rc);
		n++;
	}
	mdb_cursor_close(c);
	return n;
}

/* store_age --schema N|+N DIR */
static int
schema(const char *arg, const char *dir)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 meta;
	MDB_val		 k = { 6, (void *)(uintptr_t)"schema" }, v;
	const uint8_t	*p;
	uint8_t		 ver[4];
	unsigned long	 n, was;
	char		*end;
	int		 rc;

	errno = 0;
	n = strtoul(arg + (arg[0] == '+'), &end, 10);
	if (errno != 0 || *end != '\0' || end == arg + (arg[0] == '+') ||
	    n > UINT32_MAX) {
		fprintf(stderr, "store_age: bad schema version: %s\n", arg);
		return 2;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, dir, 0, 0600)) != 0)
		die(dir, rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)) != 0 ||
	    (rc = mdb_get(txn, meta, &k, &v)) != 0)
		die("meta schema", rc);
	if (v.mv_size != 4)
		die("meta schema", MDB_CORRUPTED);
	p = v.mv_data;
	was = (unsigned long)p[0] | (unsigned long)p[1] << 8 |
	    (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
	if (arg[0] == '+')
		n += was;
	for (int i = 0; i < 4; i++)
		ver[i] = (uint8_t)(n >> (8 * i));
	v.mv_size = sizeof(ver);
	v.mv_data = ver;
	if ((rc = mdb_put(txn, meta, &k, &v, 0)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		die("meta schema", rc);
	mdb_env_close(env);
	printf("%lu %lu\n", was, n & 0xffffffffUL);
	return 0;
}

int
main(int argc, char **argv)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 certs, meta;
	MDB_cursor	*c;
	MDB_val		 k, v, ok, ov;
	MDB_val		 mk = { 10, (void *)(uintptr_t)"cert_index" };
	MDB_val		 ak = { 9, (void *)(uintptr_t)"acl_index" };
	uint8_t		(*keys)[32 + 256], (*vals)[32 + ID + 8];
	size_t		*klen, n = 0, cap = 0;
	int		 rc;

	if (argc == 4 && strcmp(argv[1], "--schema") == 0)
		return schema(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: store_age DIR\n"
		    "       store_age --schema N|+N DIR\n");
		return 2;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0600)) != 0)
		die(argv[1], rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "certs", 0, &certs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)) != 0 ||
	    (rc = mdb_cursor_open(txn, certs, &c)) != 0)
		die("open", rc);
	keys = NULL;
	vals = NULL;
	klen = NULL;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t	*kp = k.mv_data, *vp = v.mv_data;
		size_t		 sub = k.mv_size - 32 - 1 - ID;

		if (k.mv_size < 32 + 2 + ID || sub > 255 || v.mv_size < 80)
			die("an entry of another layout", MDB_CORRUPTED);
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			keys = realloc(keys, cap * sizeof(*keys));
			vals = realloc(vals, cap * sizeof(*vals));
			klen = realloc(klen, cap * sizeof(*klen));
			if (keys == NULL || vals == NULL || klen == NULL)
				die("memory", ENOMEM);
		}
		memcpy(keys[n], kp, 32 + sub);
		klen[n] = 32 + sub;
		memcpy(vals[n], vp, 32);			/* key */
		memcpy(vals[n] + 32, kp + 32 + sub + 1, ID);	/* id */
		memcpy(vals[n] + 32 + ID, vp + 40, 8);		/* not_after */
		n++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		die("read", rc);
	if ((rc = mdb_drop(txn, certs, 0)) != 0)
		die("drop", rc);
	for (size_t i = 0; i < n; i++) {
		ok.mv_size = klen[i];
		ok.mv_data = keys[i];
		ov.mv_size = sizeof(vals[i]);
		ov.mv_data = vals[i];
		if ((rc = mdb_put(txn, certs, &ok, &ov, 0)) != 0)
			die("put", rc);
	}
	if ((rc = mdb_del(txn, meta, &mk, NULL)) != 0)
		die("meta", rc);
	n += age_acls(txn);
	if ((rc = mdb_del(txn, meta, &ak, NULL)) != 0)
		die("meta", rc);
	if ((rc = mdb_txn_commit(txn)) != 0)
		die("commit", rc);
	mdb_env_close(env);
	printf("%zu\n", n);
	free(keys);
	free(vals);
	free(klen);
	return 0;
}
