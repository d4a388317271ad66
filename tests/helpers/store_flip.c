/*
 * store_flip: bit rot, for tests/integration/repair.sh. In a stopped
 * node's store, flips two bytes in the middle of the body of each record
 * whose id starts with one of the hex prefixes given (as node-store ls
 * shows them), as a failing disk would: the record value stays where it
 * is, its length and header unchanged.
 *
 *   store_flip DIR HEXPREFIX...
 *
 * Prints the number of records flipped; exit 0 if every prefix named
 * one, 1 if not or on an error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#define ID		32
#define BODY_OFF	88	/* store/store_record.c's value layout */

static void __attribute__((noreturn))
die(const char *what, int rc)
{
	fprintf(stderr, "store_flip: %s: %s\n", what, mdb_strerror(rc));
	exit(1);
}

/* 1 if id, in hex, starts with prefix. */
static int
id_matches(const uint8_t *id, const char *prefix)
{
	char	hex[2 * ID + 1];

	for (int i = 0; i < ID; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return strncmp(hex, prefix, strlen(prefix)) == 0;
}

/* Flips the record named by prefix, if there is one: 1, else 0. */
static int
flip(MDB_txn *txn, MDB_dbi records, const char *prefix)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 id[ID], *copy = NULL;
	size_t		 len = 0;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, records, &c)) != 0)
		die("cursor", rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ID || v.mv_size < BODY_OFF + 4 ||
		    !id_matches(k.mv_data, prefix))
			continue;
		if ((copy = malloc(v.mv_size)) == NULL)
			die("malloc", ENOMEM);
		memcpy(id, k.mv_data, ID);
		memcpy(copy, v.mv_data, v.mv_size);
		len = v.mv_size;
		break;
	}
	mdb_cursor_close(c);
	if (copy == NULL)
		return 0;
	copy[BODY_OFF + (len - BODY_OFF) / 2] ^= 0x20;
	copy[BODY_OFF + (len - BODY_OFF) / 2 + 1] ^= 0x01;
	k.mv_size = ID;
	k.mv_data = id;
	v.mv_size = len;
	v.mv_data = copy;
	if ((rc = mdb_put(txn, records, &k, &v, 0)) != 0)
		die("put", rc);
	free(copy);
	return 1;
}

int
main(int argc, char **argv)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 records;
	int	 rc, n = 0, missed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: store_flip DIR HEXPREFIX...\n");
		return 1;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 64)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0600)) != 0)
		die(argv[1], rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "records", 0, &records)) != 0)
		die("records", rc);
	for (int i = 2; i < argc; i++) {
		if (flip(txn, records, argv[i]))
			n++;
		else {
			fprintf(stderr, "store_flip: no record %s\n", argv[i]);
			missed = 1;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		die("commit", rc);
	mdb_env_close(env);
	printf("%d\n", n);
	return missed;
}
