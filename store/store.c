/*
 * store: the LMDB environment, its transactions and its meta data.
 *
 * Owns the MDB_env and the handles of every sub-database, opened once at
 * store_open() and valid until store_close(). Invariants: the meta
 * sub-database holds the schema version and the store instance id from
 * the first commit on; a store whose schema we do not know is refused,
 * never written. Durability is LMDB's default: every commit is fsync'd.
 *
 * Schema versions. A change older builds could not read (a sub-database's
 * keys or values laid out anew) raises STORE_SCHEMA_VERSION, with a step
 * in meta_load() that migrates a store of the version before it, in the
 * opening transaction. A store of a version above ours was written by a
 * later release: it is refused (STORE_NEWER; store_open_why() names both
 * versions), so a package downgraded over it stops at start with that
 * message. Additive changes keep the version, so that a node can be
 * downgraded again: a new sub-database is made at open (a read-only open
 * goes without it), and an index laid out anew carries its own version
 * in meta and is rebuilt from the records at start (store_index_current(),
 * the daemon's reindex.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <sodium.h>

#include "store_int.h"

#define STORE_DEFAULT_MAP	((size_t)1 << 30)
/* A commit that failed with less than this free was refused for space. */
#define STORE_LOW_SPACE		((uint64_t)1 << 20)

/* The last generation handed out, by any store of this process: a
 * cache keyed to one can never mistake one store's for another's. */
static uint64_t	generations;

static const char *const db_names[DB_COUNT] = {
	[DB_RECORDS] = "records",
	[DB_LOG] = "log",
	[DB_LANES] = "lanes",
	[DB_MBOX] = "mbox",
	[DB_MBOX_INDEX] = "mbox_index",
	[DB_PEERS] = "peers",
	[DB_CERTS] = "certs",
	[DB_REVOKED] = "revoked",
	[DB_CUSTODY] = "custody",
	[DB_DB_ACLS] = "db_acls",
	[DB_DOC_HEADS] = "doc_heads",
	[DB_DOC_REVS] = "doc_revs",
	[DB_DOC_STUBS] = "doc_stubs",
	[DB_DOC_CHUNKS] = "doc_chunks",
	[DB_STATUS] = "status",
	[DB_SUBMIT] = "submit_keys",
	[DB_DAMAGED] = "damaged",
	[DB_TRANSIT] = "transit",
	[DB_CERT_NAMES] = "cert_names",
	[DB_META] = "meta",
};

int
store_mdb_rc(int rc)
{
	switch (rc) {
	case MDB_NOTFOUND:
		return STORE_NOTFOUND;
	case MDB_MAP_FULL:
		return STORE_FULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return STORE_CORRUPT;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return STORE_SCHEMA;
	default:
		return rc;
	}
}

int
store_text_key(MDB_val *k, const char *s, size_t max)
{
	size_t	n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return STORE_INVAL;
	k->mv_size = n;
	k->mv_data = (void *)(uintptr_t)s;
	return 0;
}

size_t
store_prefix_key(uint8_t *key, const char *name, size_t max,
    const void *tail, size_t tail_len)
{
	size_t	n = strnlen(name, max + 1);

	if (n == 0 || n > max)
		return 0;
	memcpy(key, name, n);
	key[n] = '\0';
	if (tail_len > 0)
		memcpy(key + n + 1, tail, tail_len);
	return n + 1 + tail_len;
}

int
store_id_get(store_txn_t *t, enum store_db db, const MDB_val *k,
    size_t vlen, uint8_t id[STORE_ID_BYTES])
{
	MDB_val	key = *k, v;
	int	rc;

	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[db], &key, &v)) != 0)
		return store_mdb_rc(rc);
	if (v.mv_size != vlen)
		return STORE_CORRUPT;
	memcpy(id, v.mv_data, STORE_ID_BYTES);
	return 0;
}

void
store_be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint64_t
store_be64_get(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void
store_le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

uint32_t
store_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
store_le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

uint64_t
store_le64_get(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int
index_put(MDB_txn *txn, MDB_dbi meta, const char *key, uint32_t version)
{
	MDB_val	k = { strlen(key), (void *)(uintptr_t)key }, v;
	uint8_t	ver[4];

	store_le32_put(ver, version);
	v.mv_size = sizeof(ver);
	v.mv_data = ver;
	return mdb_put(txn, meta, &k, &v, 0);
}

int
store_index_init(MDB_txn *txn, MDB_dbi meta)
{
	int	rc;

	if ((rc = index_put(txn, meta, CERT_INDEX_KEY,
	    CERT_INDEX_VERSION)) != 0)
		return rc;
	return index_put(txn, meta, ACL_INDEX_KEY, ACL_INDEX_VERSION);
}

int
store_index_current(store_txn_t *t, const char *key, uint32_t version)
{
	MDB_val	k = { strlen(key), (void *)(uintptr_t)key }, v;
	int	rc;

	rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_rc(rc);
	return v.mv_size == 4 && store_le32_get(v.mv_data) == version;
}

int
store_index_reset(store_txn_t *t, enum store_db db, const char *key,
    uint32_t version)
{
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = mdb_drop(t->tx_txn, t->tx_store->st_dbi[db], 0)) != 0)
		return store_mdb_rc(rc);
	return store_mdb_rc(index_put(t->tx_txn,
	    t->tx_store->st_dbi[DB_META], key, version));
}

/* Reads or, in a new store, writes the schema version and instance id. */
static int
meta_load(store_t *st, MDB_txn *txn)
{
	MDB_dbi	 meta = st->st_dbi[DB_META];
	MDB_val	 k = { 6, (void *)(uintptr_t)"schema" }, v;
	MDB_val	 ki = { 8, (void *)(uintptr_t)"instance" }, vi;
	uint8_t	 ver[4];
	uint32_t found;
	int	 rc;

	rc = mdb_get(txn, meta, &k, &v);
	if (rc == MDB_NOTFOUND && !st->st_read_only) {
		MDB_stat	ms;

		/* Data without meta is not a store we made: leave it alone. */
		if ((rc = mdb_stat(txn, st->st_dbi[DB_RECORDS], &ms)) != 0)
			return rc;
		if (ms.ms_entries != 0)
			return STORE_SCHEMA;
		store_le32_put(ver, STORE_SCHEMA_VERSION);
		v.mv_size = sizeof(ver);
		v.mv_data = ver;
		if ((rc = mdb_put(txn, meta, &k, &v, 0)) != 0)
			return rc;
		randombytes_buf(st->st_instance, sizeof(st->st_instance));
		vi.mv_size = sizeof(st->st_instance);
		vi.mv_data = st->st_instance;
		if ((rc = mdb_put(txn, meta, &ki, &vi, 0)) != 0)
			return rc;
		return store_index_init(txn, meta);
	}
	if (rc == MDB_NOTFOUND)
		return STORE_SCHEMA;
	if (rc != 0)
		return rc;
	if (v.mv_size != 4)
		return STORE_CORRUPT;
	found = store_le32_get(v.mv_data);
	if (found > STORE_SCHEMA_VERSION)
		return STORE_NEWER;
	if (found != STORE_SCHEMA_VERSION)
		return STORE_SCHEMA;	/* no release wrote it */
	if ((rc = mdb_get(txn, meta, &ki, &vi)) != 0)
		return rc == MDB_NOTFOUND ? STORE_CORRUPT : rc;
	if (vi.mv_size != sizeof(st->st_instance))
		return STORE_CORRUPT;
	memcpy(st->st_instance, vi.mv_data, sizeof(st->st_instance));
	return 0;
}

int
store_open(store_t **out, const char *dir, const struct store_opts *opts)
{
	store_t		*st;
	MDB_txn		*txn = NULL;
	unsigned	 envflags = MDB_NOTLS, dbflags = MDB_CREATE;
	size_t		 map_size = STORE_DEFAULT_MAP;
	int		 rc;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return ENOMEM;
	st->st_gen = ++generations;
	if (opts != NULL) {
		st->st_read_only = opts->read_only;
		if (opts->map_size != 0)
			map_size = opts->map_size;
	}
	if (st->st_read_only) {
		envflags |= MDB_RDONLY;
		dbflags = 0;
	} else if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		rc = errno;
		goto fail;
	}
	if ((rc = mdb_env_create(&st->st_env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->st_env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_open(st->st_env, dir, envflags, 0600)) != 0)
		goto fail;
	/* Opened at the size the file has: grow it to map_size, never
	 * shrink it (a tool opening with defaults must not cut the map). */
	if (!st->st_read_only) {
		MDB_envinfo	info;

		if ((rc = mdb_env_info(st->st_env, &info)) != 0 ||
		    (info.me_mapsize < map_size && (rc =
		    mdb_env_set_mapsize(st->st_env, map_size)) != 0))
			goto fail;
	}
	if ((rc = mdb_txn_begin(st->st_env, NULL,
	    st->st_read_only ? MDB_RDONLY : 0, &txn)) != 0)
		goto fail;
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], dbflags, &st->st_dbi[i]);
		/* A read-only look at a store of an older release: the
		 * node alone uses what came later, and makes it. */
		if (rc == MDB_NOTFOUND && st->st_read_only && i >= DB_SUBMIT) {
			st->st_dbi[i] = 0;
			rc = 0;
		}
		if (rc == MDB_NOTFOUND)
			rc = STORE_SCHEMA;	/* not a node store */
		if (rc != 0)
			goto fail;
	}
	if ((rc = meta_load(st, txn)) != 0)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (st->st_env != NULL)
		mdb_env_close(st->st_env);
	free(st);
	return store_mdb_rc(rc);
}

int
store_schema_of(const char *dir, uint32_t *version)
{
	MDB_env	*env = NULL;
	MDB_txn	*txn = NULL;
	MDB_dbi	 meta;
	MDB_val	 k = { 6, (void *)(uintptr_t)"schema" }, v;
	int	 rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, db_names[DB_META], 0, &meta)) != 0 ||
	    (rc = mdb_get(txn, meta, &k, &v)) != 0)
		goto done;
	if (v.mv_size == 4)
		*version = store_le32_get(v.mv_data);
	else
		rc = STORE_CORRUPT;
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return rc == MDB_NOTFOUND ? STORE_SCHEMA : store_mdb_rc(rc);
}

const char *
store_open_why(const char *dir, int rc, char *buf, size_t len)
{
	uint32_t	found;

	if (rc != STORE_NEWER || store_schema_of(dir, &found) != 0)
		return store_strerror(rc);
	snprintf(buf, len, "its schema version is %lu, newer than this "
	    "build's %lu: a later release wrote it (run that release or a "
	    "later one)", (unsigned long)found,
	    (unsigned long)STORE_SCHEMA_VERSION);
	return buf;
}

void
store_close(store_t **sp)
{
	if (*sp == NULL)
		return;
	mdb_env_close((*sp)->st_env);
	free(*sp);
	*sp = NULL;
}

const uint8_t *
store_instance(const store_t *st)
{
	return st->st_instance;
}

int
store_stat(store_t *st, struct store_stat *out)
{
	store_txn_t	*txn = NULL;
	MDB_envinfo	 info;
	MDB_stat	 ms;
	uint8_t		 id[STORE_ID_BYTES];
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mdb_env_info(st->st_env, &info)) != 0 ||
	    (rc = mdb_env_stat(st->st_env, &ms)) != 0)
		return rc;
	out->map_size = info.me_mapsize;
	out->map_used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	if ((rc = store_txn_begin(st, STORE_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_stat(txn->tx_txn, st->st_dbi[DB_RECORDS], &ms)) != 0)
		goto out;
	out->records = ms.ms_entries;
	rc = store_log_last(txn, &out->last_seq, id);
	if (rc == STORE_NOTFOUND)
		rc = 0;
out:
	store_txn_abort(&txn);
	return store_mdb_rc(rc);
}

#define ORIGIN_SEQ_KEY	"origin_seq"

/* Our own last record sequence (0 if none yet) into *seq. */
static int
origin_seq_get(store_txn_t *t, uint64_t *seq)
{
	MDB_val	k = { sizeof(ORIGIN_SEQ_KEY) - 1,
	    (void *)(uintptr_t)ORIGIN_SEQ_KEY }, v;
	int	rc;

	if (t->tx_read_only)
		return EROFS;
	rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		*seq = 0;
		return 0;
	}
	if (rc != 0)
		return store_mdb_rc(rc);
	if (v.mv_size != 8)
		return STORE_CORRUPT;
	*seq = store_le64_get(v.mv_data);
	return 0;
}

static int
origin_seq_put(store_txn_t *t, uint64_t seq)
{
	MDB_val	k = { sizeof(ORIGIN_SEQ_KEY) - 1,
	    (void *)(uintptr_t)ORIGIN_SEQ_KEY }, v;
	uint8_t	buf[8];

	store_le64_put(buf, seq);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	return store_mdb_rc(mdb_put(t->tx_txn,
	    t->tx_store->st_dbi[DB_META], &k, &v, 0));
}

int
store_origin_seq_next(store_txn_t *t, uint64_t *seq)
{
	int	rc;

	if ((rc = origin_seq_get(t, seq)) != 0)
		return rc;
	return origin_seq_put(t, ++*seq);
}

int
store_origin_seq_raise(store_txn_t *t, uint64_t floor)
{
	uint64_t	seq;
	int		rc;

	if ((rc = origin_seq_get(t, &seq)) != 0)
		return rc;
	return seq >= floor ? 0 : origin_seq_put(t, floor);
}

/* The meta key of epoch id: "epoch" and the id. */
#define EPOCH_KEY	(5 + STORE_EPOCH_BYTES)
static void
epoch_key(uint8_t key[EPOCH_KEY], const uint8_t id[STORE_EPOCH_BYTES])
{
	memcpy(key, "epoch", 5);
	memcpy(key + 5, id, STORE_EPOCH_BYTES);
}

int
store_epoch_begin(store_txn_t *t, uint8_t out[STORE_EPOCH_BYTES])
{
	MDB_dbi	 meta = t->tx_store->st_dbi[DB_META];
	MDB_val	 kc = { 5, (void *)(uintptr_t)"epoch" }, k, v;
	uint8_t	 key[EPOCH_KEY], end[8], id[STORE_ID_BYTES];
	uint64_t head;
	int	 rc;

	if (t->tx_read_only)
		return EROFS;
	if ((rc = store_log_last(t, &head, id)) == STORE_NOTFOUND)
		head = 0;
	else if (rc != 0)
		return rc;
	k.mv_size = sizeof(key);
	k.mv_data = key;
	/* The current epoch ends here: nothing after this head is of it. */
	if ((rc = mdb_get(t->tx_txn, meta, &kc, &v)) == 0) {
		if (v.mv_size != STORE_EPOCH_BYTES)
			return STORE_CORRUPT;
		epoch_key(key, v.mv_data);
		store_le64_put(end, head);
		v.mv_size = sizeof(end);
		v.mv_data = end;
		if ((rc = mdb_put(t->tx_txn, meta, &k, &v, 0)) != 0)
			return store_mdb_rc(rc);
	} else if (rc != MDB_NOTFOUND)
		return store_mdb_rc(rc);
	randombytes_buf(out, STORE_EPOCH_BYTES);
	epoch_key(key, out);
	store_le64_put(end, UINT64_MAX);
	v.mv_size = sizeof(end);
	v.mv_data = end;
	if ((rc = mdb_put(t->tx_txn, meta, &k, &v, 0)) != 0)
		return store_mdb_rc(rc);
	v.mv_size = STORE_EPOCH_BYTES;
	v.mv_data = out;
	return store_mdb_rc(mdb_put(t->tx_txn, meta, &kc, &v, 0));
}

int
store_epoch_end(store_txn_t *t, const uint8_t id[STORE_EPOCH_BYTES],
    uint64_t *end)
{
	MDB_val	 k, v;
	uint8_t	 key[EPOCH_KEY];
	int	 rc;

	epoch_key(key, id);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	if ((rc = mdb_get(t->tx_txn, t->tx_store->st_dbi[DB_META], &k,
	    &v)) != 0)
		return store_mdb_rc(rc);
	if (v.mv_size != 8)
		return STORE_CORRUPT;
	*end = store_le64_get(v.mv_data);
	return 0;
}

int
store_txn_begin(store_t *st, unsigned flags, store_txn_t **out)
{
	store_txn_t	*t;
	int		 rc, ro = (flags & STORE_RDONLY) != 0;

	*out = NULL;
	if (st->st_read_only && !ro)
		return EROFS;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ENOMEM;
	if ((rc = mdb_txn_begin(st->st_env, NULL, ro ? MDB_RDONLY : 0,
	    &t->tx_txn)) != 0) {
		free(t);
		return store_mdb_rc(rc);
	}
	t->tx_store = st;
	t->tx_read_only = ro;
	t->tx_gen = st->st_gen * 2 + !ro;
	*out = t;
	return 0;
}

uint64_t
store_txn_generation(const store_txn_t *txn)
{
	return txn->tx_gen;
}

/* A write transaction ended: what any transaction read may be stale. */
static void
write_ended(const store_txn_t *t)
{
	if (!t->tx_read_only)
		t->tx_store->st_gen = ++generations;
}

int
store_disk_free(store_t *st, uint64_t *bytes)
{
	struct statvfs	 sv;
	const char	*dir;
	int		 rc;

	if ((rc = mdb_env_get_path(st->st_env, &dir)) != 0)
		return rc;
	if (statvfs(dir, &sv) == -1)
		return errno;
	*bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

/*
 * LMDB reports a write that stopped short as EIO, though the filesystem
 * had only run out of room (ENOSPC alone says so only when not a byte
 * fitted): a failed commit on a filesystem that is now all but full
 * was refused for space, and says so.
 */
static int
commit_error(store_t *st, int rc)
{
	uint64_t	free_bytes;

	if (rc == EIO && store_disk_free(st, &free_bytes) == 0 &&
	    free_bytes < STORE_LOW_SPACE)
		return ENOSPC;
	return rc;
}

int
store_txn_commit(store_txn_t **tp)
{
	int	rc;

	rc = commit_error((*tp)->tx_store, mdb_txn_commit((*tp)->tx_txn));
	write_ended(*tp);
	free(*tp);
	*tp = NULL;
	return store_mdb_rc(rc);
}

void
store_txn_abort(store_txn_t **tp)
{
	if (*tp == NULL)
		return;
	mdb_txn_abort((*tp)->tx_txn);
	write_ended(*tp);
	free(*tp);
	*tp = NULL;
}

const char *
store_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "success";
	case STORE_NOTFOUND:
		return "not found";
	case STORE_HELD:
		return "already held";
	case STORE_FULL:
		return "store map is full (raise map_size)";
	case STORE_CORRUPT:
		return "stored data failed its check (corrupt)";
	case STORE_SCHEMA:
		return "not a node store, or an unknown schema version";
	case STORE_INVAL:
		return "invalid argument";
	case STORE_REPAIRED:
		return "a damaged record stored again";
	case STORE_NEWER:
		return "a later release's store (its schema version is above "
		    "this build's)";
	}
	if (rc < 0)
		return mdb_strerror(rc);	/* LMDB's own codes */
	return strerror(rc);
}
