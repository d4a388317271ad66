/*
 * store_int: what the store's own files share; nothing outside store/
 * includes this.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <errno.h>

#include <lmdb.h>

#include "store.h"

enum store_db {
	DB_RECORDS,		/* id -> record value (see store_record.c) */
	DB_LOG,			/* be64 seq -> id */
	DB_LANES,		/* u8 lane be64 seq -> id */
	DB_MBOX,		/* mailbox NUL be64 seq -> id, flags */
	DB_MBOX_INDEX,		/* mailbox NUL id -> be64 seq */
	DB_PEERS,		/* peer name -> peer value (see store_peer.c) */
	DB_CERTS,		/* X25519 key -> cert value (store_cert.c) */
	DB_REVOKED,		/* cert id or Ed25519 key -> revocation id */
	DB_CUSTODY,		/* id be64 ms be32 n -> event (store_custody.c) */
	DB_DB_ACLS,		/* db NUL acl id -> acl value (store_doc.c) */
	DB_DOC_HEADS,		/* db NUL doc id -> head value (store_doc.c) */
	DB_DOC_REVS,		/* db NUL doc id rev id -> rev value */
	DB_DOC_STUBS,		/* db NUL doc id -> "": deleted, not purged */
	DB_DOC_CHUNKS,		/* db NUL chunk hash -> id of a chunk record */
	DB_STATUS,		/* node name -> id of its newest status report */
	DB_SUBMIT,		/* submission key -> id, time (store_submit.c) */
	DB_DAMAGED,		/* id -> damaged record (store_damage.c) */
	DB_TRANSIT,		/* id -> le64 born (store_transit.c) */
	DB_CERT_NAMES,		/* name root first NUL cert id -> X25519 key */
	DB_META,		/* "schema" -> le32, "instance" -> 16 bytes,
			   "origin_seq" -> le64, "cert_index" -> le32,
			   "epoch" -> the current epoch id[16],
			   "epoch" id[16] -> le64 end */
	DB_COUNT
};

/*
 * Indexes the node rebuilds from its records when their layout changes:
 * meta KEY holds the layout's version (store_index_current()).
 */
#define CERT_INDEX_KEY		"cert_index"	/* DB_CERTS and DB_CERT_NAMES */
#define CERT_INDEX_VERSION	3
#define ACL_INDEX_KEY		"acl_index"	/* DB_DB_ACLS, store_doc.c */
#define ACL_INDEX_VERSION	2

struct store {
	MDB_env		*st_env;
	MDB_dbi		 st_dbi[DB_COUNT];
	uint8_t		 st_instance[STORE_INSTANCE_BYTES];
	int		 st_read_only;
	uint64_t	 st_gen;	/* moves when a write transaction ends */
};

struct store_txn {
	store_t		*tx_store;
	MDB_txn		*tx_txn;
	int		 tx_read_only;
	uint64_t	 tx_next_seq;	/* 0: not looked up yet */
	uint64_t	 tx_gen;	/* store_txn_generation() */
};

/*
 * s as a key, if it is 1..max bytes (a node name: STORE_MAX_PEER): 0, or
 * STORE_INVAL.
 */
int	store_text_key(MDB_val *k, const char *s, size_t max);
/*
 * name (1..max bytes), a NUL, then tail_len bytes of tail into key: the
 * key's length, or 0 if name is out of bounds. A name's entries sort
 * together, before those of any longer name that starts with it.
 */
size_t	store_prefix_key(uint8_t *key, const char *name, size_t max,
	    const void *tail, size_t tail_len);
/*
 * The record id that key k maps to in sub-database db, at the start of a
 * value of vlen bytes: 0, STORE_CORRUPT for a value of another size, or
 * a store error.
 */
int	store_id_get(store_txn_t *t, enum store_db db, const MDB_val *k,
	    size_t vlen, uint8_t id[STORE_ID_BYTES]);

/* Record value v's header, if it passes its check: its log seq and lane.
 * 0, or STORE_CORRUPT. */
int	store_rec_header(const MDB_val *v, uint64_t *seq, int *lane);
/* Removes the log entry seq (unless the newest) and the lane entry (lane,
 * or, if lane < 0, any) at seq, each only if it maps to id. */
int	store_unlog(store_txn_t *t, const uint8_t id[STORE_ID_BYTES],
	    uint64_t seq, int lane);

/* 1 if meta key says version, 0 if not (an older store), < 0 on an
 * error. */
int	store_index_current(store_txn_t *t, const char *key, uint32_t version);
/* Empties sub-database db and sets meta key to version. */
int	store_index_reset(store_txn_t *t, enum store_db db, const char *key,
	    uint32_t version);
/* A new store's indexes: every meta key of the current versions. */
int	store_index_init(MDB_txn *txn, MDB_dbi meta);

/* LMDB's codes turned into ours; errno and 0 pass through. */
int	store_mdb_rc(int rc);

void	store_be64_put(uint8_t *p, uint64_t v);
uint64_t store_be64_get(const uint8_t *p);
void	store_le32_put(uint8_t *p, uint32_t v);
uint32_t store_le32_get(const uint8_t *p);
void	store_le64_put(uint8_t *p, uint64_t v);
uint64_t store_le64_get(const uint8_t *p);

#endif
