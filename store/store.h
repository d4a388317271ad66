/*
 * store: the node's LMDB environment, one per data directory. No networking.
 *
 * Sub-databases: records (id -> record), log (local seq -> id), lanes
 * (lane, seq -> id: the log split by feed priority), mbox and
 * mbox_index (mailbox, seq -> id; mailbox, id -> seq), peers (name -> sync
 * state), certs (CURVE key -> certificate), revoked, custody (id -> who
 * had a record when), db_acls, doc_heads, doc_revs, doc_stubs, doc_chunks
 * (databases and documents, below), status (each node's newest status
 * report), transit (when a record that came with its age was born, by
 * this node's clock) and meta (schema version, store instance id, this
 * node's own record sequence, the epochs of its log). It is a plain LMDB
 * environment: mdb_stat -a DATADIR lists them and mdb_dump reads them.
 *
 * Promises:
 *  - store_txn_commit() returns 0 only once the transaction is on disk
 *    (fsync'd); acknowledge nothing before that.
 *  - A transaction that fails (map full, disk full) leaves the store as it
 *    was before it began, and the store stays usable.
 *  - A commit the filesystem had no room for fails with ENOSPC, also
 *    where LMDB saw only a short write (which it reports as EIO).
 *  - A record read back is checked against its id: a flipped bit on disk
 *    is reported as STORE_CORRUPT, never served. store_damage_mark() sets
 *    it aside, and a good copy stored later replaces it.
 *
 * Errors: 0 for success, a positive errno passed through, or a negative
 * code below; store_strerror() names any of them.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_ID_BYTES		32	/* BLAKE2b-256 of the record body */
#define STORE_SIG_BYTES		64	/* Ed25519 signature */
#define STORE_INSTANCE_BYTES	16	/* random, made when a store is created */
#define STORE_EPOCH_BYTES	16	/* random, made when a node starts */
#define STORE_MAX_BODY		(1u << 20)
#define STORE_MAX_MAILBOX	255	/* bytes of a mailbox name */
#define STORE_MAX_PEER		255	/* bytes of a peer name */
#define STORE_LANES		3	/* feed lanes: 0 urgent, 1 normal, 2 bulk */

enum store_error {
	STORE_NOTFOUND = -1001,	/* no such record, entry or peer */
	STORE_HELD = -1002,	/* not a failure: already held, nothing written */
	STORE_FULL = -1003,	/* the map is full: the transaction was refused */
	STORE_CORRUPT = -1004,	/* a value failed its check on read */
	STORE_SCHEMA = -1005,	/* not a node store, or an unknown schema */
	STORE_INVAL = -1006,	/* an argument is out of bounds */
	STORE_REPAIRED = -1007,	/* not a failure: a damaged copy replaced */
	STORE_NEWER = -1008,	/* a later release's store: its schema
				   version is above STORE_SCHEMA_VERSION */
};

/*
 * The layout of the store this build reads and writes, stamped in meta
 * from a store's first commit on (store.c says when it changes). A store
 * of a later version is refused with STORE_NEWER, read-only too.
 */
#define STORE_SCHEMA_VERSION	1u

typedef struct store store_t;		/* an open environment */
typedef struct store_txn store_txn_t;	/* one transaction on it */

struct store_opts {
	size_t	map_size;	/* bytes; 0: 1 GiB. Grows a map, never shrinks */
	int	read_only;	/* open for inspection (e.g. a stopped node) */
};

/* A record as stored: the signed body bytes and their signature. */
struct store_record {
	uint8_t		 id[STORE_ID_BYTES];
	const uint8_t	*body;		/* from store_get: borrowed until txn end */
	size_t		 body_len;	/* 1 .. STORE_MAX_BODY */
	uint8_t		 sig[STORE_SIG_BYTES];
	unsigned	 lane;		/* its feed lane, < STORE_LANES */
	uint64_t	 seq;		/* output: its change-log sequence */
};

struct store_mbox_entry {
	uint64_t	seq;		/* per-mailbox, from 1 */
	uint8_t		id[STORE_ID_BYTES];
	unsigned	flags;		/* STORE_MBOX_READ */
};
#define STORE_MBOX_READ	0x1

/*
 * Per-peer sync state, per lane. Checkpoints are only meaningful for the
 * named store, and each only for the epoch of its log it was taken in.
 */
struct store_peer {
	uint8_t		instance[STORE_INSTANCE_BYTES];	/* peer's store id */
	uint64_t	acked[STORE_LANES];	/* our seqs the peer holds */
	uint64_t	received[STORE_LANES];	/* the peer's seqs we hold */
	/* The peer's log epoch each received[] was taken in; all zero:
	 * not known (a peer or a value from before epochs). */
	uint8_t		received_epoch[STORE_LANES][STORE_EPOCH_BYTES];
	uint64_t	last_contact_ms;
	int32_t		last_error;
	uint64_t	since_ms;	/* when we first met this instance */
};

struct store_stat {
	uint64_t	records;
	uint64_t	last_seq;	/* 0: empty log */
	uint64_t	map_size;	/* bytes */
	uint64_t	map_used;	/* bytes of the map in use */
};

/*
 * Opens (creating if needed) the environment in directory dir; opts may be
 * NULL. On success *out is a handle to release with store_close().
 */
int	store_open(store_t **out, const char *dir, const struct store_opts *opts)
	    __attribute__((warn_unused_result));
/*
 * Why store_open() on dir failed with rc, in buf (len bytes) if it needs
 * more than store_strerror(rc): for STORE_NEWER, the store's schema
 * version and ours. Returns buf or a static string.
 */
const char *store_open_why(const char *dir, int rc, char *buf, size_t len);
/* The schema version stamped in the store in dir, read-only: 0 and
 * *version set, STORE_SCHEMA if there is none, or an error. */
int	store_schema_of(const char *dir, uint32_t *version)
	    __attribute__((warn_unused_result));
/* NULL-safe; sets *sp = NULL. No transaction may still be open. */
void	store_close(store_t **sp);
/* This store's instance id, STORE_INSTANCE_BYTES long; valid until close. */
const uint8_t *store_instance(const store_t *st);
int	store_stat(store_t *st, struct store_stat *out);

/*
 * The bytes free, to this process, on the filesystem of the store's
 * directory (statvfs): 0 and *bytes set, or an errno.
 */
int	store_disk_free(store_t *st, uint64_t *bytes)
	    __attribute__((warn_unused_result));

/* flags: 0 for a write transaction (one at a time), STORE_RDONLY to read. */
#define STORE_RDONLY	0x1
int	store_txn_begin(store_t *st, unsigned flags, store_txn_t **out)
	    __attribute__((warn_unused_result));
/*
 * After an error other than STORE_HELD or STORE_NOTFOUND a write
 * transaction can only be aborted. Commit is durable on return 0; it
 * consumes *tp either way and sets it to NULL.
 */
int	store_txn_commit(store_txn_t **tp) __attribute__((warn_unused_result));
/* NULL-safe; discards all the transaction wrote and sets *tp = NULL. */
void	store_txn_abort(store_txn_t **tp);
/*
 * What txn sees, as a number: two transactions share it only if they
 * see the same state (read-only ones of one store begun between the same
 * two ends of write transactions). What was read in one holds for all
 * that share its number: a cache keyed to it needs no clearing.
 */
uint64_t store_txn_generation(const store_txn_t *txn);

/*
 * Stores rec, which the caller has checked (rec->id is the hash of the
 * body, the signature verified), and appends it to the change log.
 * Returns 0 and sets rec->seq, or STORE_HELD (rec->seq set to the copy's
 * seq) when a record with that id is already held. STORE_REPAIRED when
 * it replaces a copy found damaged (set aside, or held and failing its
 * check): stored as new, at a new seq, its damage entry gone.
 */
int	store_put(store_txn_t *txn, struct store_record *rec)
	    __attribute__((warn_unused_result));
/*
 * store_put() for n records in one durable write transaction (group
 * commit). held, if not NULL, gets n flags: 1 where a record was already
 * held. On failure nothing of the batch is stored.
 */
int	store_put_batch(store_t *st, struct store_record *recs, size_t n,
	    uint8_t *held) __attribute__((warn_unused_result));
/* Fills out; out->body is borrowed until the transaction ends. */
int	store_get(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    struct store_record *out) __attribute__((warn_unused_result));
/*
 * The first change-log entry with sequence >= from: sets *seq and id.
 * STORE_NOTFOUND past the end. Resume a scan with from = *seq + 1.
 */
int	store_log_next(store_txn_t *txn, uint64_t from, uint64_t *seq,
	    uint8_t id[STORE_ID_BYTES]) __attribute__((warn_unused_result));
/*
 * The same within one lane: the first entry of lane with seq >= from.
 * Feeds read lanes, so urgent records overtake a bulk backlog.
 */
int	store_lane_next(store_txn_t *txn, unsigned lane, uint64_t from,
	    uint64_t *seq, uint8_t id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));
/* The newest change-log entry; STORE_NOTFOUND when the log is empty. */
int	store_log_last(store_txn_t *txn, uint64_t *seq,
	    uint8_t id[STORE_ID_BYTES]) __attribute__((warn_unused_result));

/*
 * The next sequence number for a record this node writes itself (1, 2,
 * ...); kept with the transaction, so a rolled-back one is reused.
 */
int	store_origin_seq_next(store_txn_t *txn, uint64_t *seq)
	    __attribute__((warn_unused_result));
/*
 * Makes the next origin sequence at least floor + 1 (never lowers it):
 * for a store restored from a backup, whose sequence went back with it.
 */
int	store_origin_seq_raise(store_txn_t *txn, uint64_t floor)
	    __attribute__((warn_unused_result));

/*
 * Log epochs: each run of a node over this store is one epoch of its log,
 * named by a random id. A peer's checkpoint of our log says which epoch
 * it was taken in; a store restored from a backup lacks the epochs that
 * came after the backup, and ends the one the backup was taken in at the
 * backup's head, so a checkpoint of what it no longer holds is noticed.
 *
 * store_epoch_begin() ends the current epoch (if any) at the log's head
 * and begins a new one, its id into out; commit it before the log is
 * offered to any peer. store_epoch_end() sets *end to where epoch id of
 * this store's log ended (UINT64_MAX: it is the current one), or returns
 * STORE_NOTFOUND if this store never had that epoch.
 */
int	store_epoch_begin(store_txn_t *txn, uint8_t out[STORE_EPOCH_BYTES])
	    __attribute__((warn_unused_result));
int	store_epoch_end(store_txn_t *txn, const uint8_t id[STORE_EPOCH_BYTES],
	    uint64_t *end) __attribute__((warn_unused_result));

/*
 * Delivers record id to mailbox once: 0 and *seq set, or STORE_HELD when
 * it was delivered there before (*seq set to that delivery).
 */
int	store_mbox_deliver(store_txn_t *txn, const char *mailbox,
	    const uint8_t id[STORE_ID_BYTES], uint64_t *seq)
	    __attribute__((warn_unused_result));
/* The first entry of mailbox with seq >= from; STORE_NOTFOUND past the end. */
int	store_mbox_next(store_txn_t *txn, const char *mailbox, uint64_t from,
	    struct store_mbox_entry *out) __attribute__((warn_unused_result));
int	store_mbox_mark_read(store_txn_t *txn, const char *mailbox,
	    uint64_t seq) __attribute__((warn_unused_result));
/*
 * Removes entry seq from mailbox. The delivery index keeps the record
 * id, so the same message arriving again is still not delivered twice.
 */
int	store_mbox_remove(store_txn_t *txn, const char *mailbox, uint64_t seq)
	    __attribute__((warn_unused_result));

int	store_peer_get(store_txn_t *txn, const char *name,
	    struct store_peer *out) __attribute__((warn_unused_result));
int	store_peer_put(store_txn_t *txn, const char *name,
	    const struct store_peer *p) __attribute__((warn_unused_result));
/*
 * The peers we hold state for, in name order: the first whose name sorts
 * after `after` ("" for the first) into out. STORE_NOTFOUND past the last.
 */
int	store_peer_next(store_txn_t *txn, const char *after,
	    char out[STORE_MAX_PEER + 1]) __attribute__((warn_unused_result));

/*
 * A certificate the node holds, found by the X25519 form of its key (all
 * a ZeroMQ handshake shows), its subject and its id: every certificate
 * has its own entry, so a renewal, a second issuer or a certificate of
 * the negated key (the same X25519 form) never hides another.
 */
struct store_cert {
	uint8_t		key[32];		/* the subject's Ed25519 key */
	uint8_t		cert_id[STORE_ID_BYTES];
	char		subject[STORE_MAX_PEER + 1];
	uint64_t	not_before_ms, not_after_ms;
	uint8_t		issuer_key[32];		/* the record's origin_key */
	char		issuer[STORE_MAX_PEER + 1];	/* its origin */
};

int	store_cert_put(store_txn_t *txn, const uint8_t curve_key[32],
	    const struct store_cert *c) __attribute__((warn_unused_result));
/*
 * The certificates of curve_key in (subject, id) order: the first after
 * *c (c->subject "" for the first) into *c; with subject not NULL, only
 * those for that subject. STORE_NOTFOUND past the last.
 */
int	store_cert_next(store_txn_t *txn, const uint8_t curve_key[32],
	    const char *subject, struct store_cert *c)
	    __attribute__((warn_unused_result));
/*
 * Every certificate held, in (CURVE key, subject, id) order: the first
 * after *curve and *c (c->subject "" for the first); sets both.
 * STORE_NOTFOUND past the last.
 */
int	store_cert_scan(store_txn_t *txn, uint8_t curve[32],
	    struct store_cert *c) __attribute__((warn_unused_result));
/*
 * The certificates held for name (subtree 0), or for every name strictly
 * below it (subtree 1; name "" for every name), in order of their names
 * read root first ("hagiang.bacquang.tanthanh"), then of id: the first
 * after *c (c->subject "" for the first) into *c, and its X25519 key
 * into curve. STORE_NOTFOUND past the last; STORE_INVAL for a name that
 * is empty (subtree 0) or too long.
 */
int	store_cert_named(store_txn_t *txn, const char *name, int subtree,
	    uint8_t curve[32], struct store_cert *c)
	    __attribute__((warn_unused_result));
/*
 * 1 if the certificate index has this layout, 0 if it is of an older
 * store (rebuild it: store_cert_reset(), then store_cert_put() of every
 * certificate record, in one transaction), < 0 on an error.
 */
int	store_cert_index_current(store_txn_t *txn);
/* Empties the certificate index and marks it of the current layout. */
int	store_cert_reset(store_txn_t *txn) __attribute__((warn_unused_result));
/* Marks a certificate revoked by record rev_id (everywhere). */
int	store_revoke(store_txn_t *txn, const uint8_t cert_id[STORE_ID_BYTES],
	    const uint8_t rev_id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));
/* 1 if the certificate is revoked, 0 if not, or < 0 on an error. */
int	store_is_revoked(store_txn_t *txn,
	    const uint8_t cert_id[STORE_ID_BYTES]);
/*
 * Marks an Ed25519 key revoked by revoker. It counts only for subjects
 * within the revoker's subtree (everywhere for the root), which the
 * caller decides: anyone may certify a key under a name of its own and
 * then revoke that, and must not cut off the key's real owner.
 */
int	store_revoke_key(store_txn_t *txn, const uint8_t key[32],
	    const char *revoker, const uint8_t rev_id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));
/* 1 if revoker revoked key (store_revoke_key()), 0 if not, < 0 on an
 * error. */
int	store_is_key_revoked(store_txn_t *txn, const uint8_t key[32],
	    const char *revoker);

/*
 * Idempotent submission: the record written for a client's key, so a
 * repeat of the request is answered with it, not written again. A key is
 * 1 to STORE_MAX_SUBMIT_KEY bytes.
 */
#define STORE_MAX_SUBMIT_KEY	128
/* The id written for key; STORE_NOTFOUND if the key is new. */
int	store_submit_get(store_txn_t *txn, const char *key,
	    uint8_t id[STORE_ID_BYTES]) __attribute__((warn_unused_result));
/* Remembers key for id, first seen at time_ms; STORE_HELD if known. */
int	store_submit_put(store_txn_t *txn, const char *key,
	    const uint8_t id[STORE_ID_BYTES], uint64_t time_ms)
	    __attribute__((warn_unused_result));
/*
 * Forgets keys first seen before before_ms, reading at most max keys
 * after `after` ("" for the first; updated to the last read, and to ""
 * at the end). The number forgotten, or < 0 on an error.
 */
int	store_submit_expire(store_txn_t *txn,
	    char after[STORE_MAX_SUBMIT_KEY + 1], uint64_t before_ms,
	    size_t max);

/* Custody: who had a record when, for tracing. */
enum store_custody_event {
	STORE_CUSTODY_SUBMITTED = 1,	/* written here; peer: the writer */
	STORE_CUSTODY_RECEIVED,		/* peer: the link it came over */
	STORE_CUSTODY_SENT,		/* peer acknowledged holding it */
	STORE_CUSTODY_DELIVERED,	/* peer: the local mailbox */
	STORE_CUSTODY_FAILED,		/* a report went; peer: its first
					 * recipient, or the next hop it
					 * expired on the way to */
	STORE_CUSTODY_DAMAGED,		/* found damaged here; peer: us */
	STORE_CUSTODY_REPAIRED,		/* a good copy came; peer: from */
};
struct store_custody {
	uint64_t	time_ms;
	int		event;
	char		peer[STORE_MAX_PEER + 1];
};
int	store_custody_add(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    const struct store_custody *ev) __attribute__((warn_unused_result));
/*
 * The event of record id at index `from` (0: the first, oldest first):
 * sets *out and returns 0, or STORE_NOTFOUND past the last. It steps
 * over the `from` events before it: to read them all, walk them.
 */
int	store_custody_get(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    unsigned from, struct store_custody *out)
	    __attribute__((warn_unused_result));
/*
 * Calls fn(ev, arg) for the events of record id, oldest first, in one
 * pass: until fn returns non-zero (stop), max events were seen, or they
 * ran out. 0, or a store error. ev is valid during the call only.
 */
typedef int	(*store_custody_fn)(const struct store_custody *ev, void *arg);
int	store_custody_walk(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    unsigned max, store_custody_fn fn, void *arg)
	    __attribute__((warn_unused_result));

/*
 * Records found damaged on disk (store_damage.c). store_damage_mark()
 * sets the held copy of id aside: its value leaves the records, its log
 * entry at seq (the one it was found at, or 0: the one its header names)
 * and lane entry go as a purge's do, and an entry keeps what was found
 * and when. store_put() of a good copy ends it (STORE_REPAIRED).
 * STORE_NOTFOUND if id is not held.
 */
enum store_damage_state {
	STORE_DAMAGE_WANTED = 1,	/* a good copy is sought */
	STORE_DAMAGE_LOST,		/* no neighbour had one */
};
struct store_damage {
	uint8_t		 id[STORE_ID_BYTES];
	int		 state;
	uint64_t	 found_ms;
	uint64_t	 seq;		/* its log entry's; 0: unknown */
	const uint8_t	*body;		/* what was found of the body; */
	size_t		 body_len;	/* borrowed until the txn ends */
};
int	store_damage_mark(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    uint64_t seq, uint64_t now_ms) __attribute__((warn_unused_result));
int	store_damage_get(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    struct store_damage *out) __attribute__((warn_unused_result));
/* The entry after `after` (NULL: the first), by id. */
int	store_damage_next(store_txn_t *txn, const uint8_t *after,
	    struct store_damage *out) __attribute__((warn_unused_result));
int	store_damage_set_state(store_txn_t *txn,
	    const uint8_t id[STORE_ID_BYTES], int state)
	    __attribute__((warn_unused_result));

/*
 * Transit: when a record that came over a link with its age (how long
 * it had been in the network) came into being, by this node's clock:
 * its arrival less that age. 0, STORE_NOTFOUND if none is kept (also
 * in an older store opened read-only), or a store error.
 */
int	store_transit_put(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    uint64_t born_ms) __attribute__((warn_unused_result));
int	store_transit_get(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES],
	    uint64_t *born_ms) __attribute__((warn_unused_result));

/*
 * Removes a record, its log and lane entries, its custody and its
 * transit entry (a purged delete stub's document history, a superseded
 * status report). The log keeps a hole; the newest entry stays,
 * dangling, so that seqs are never reused: store_get() of it says
 * STORE_NOTFOUND.
 */
int	store_purge(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));

/*
 * Databases and documents (proto/README.md, "Databases and documents"):
 * the index the node keeps beside the revision records themselves. The
 * node decides what is valid and which revision wins; the store only
 * keeps its answers.
 */
#define STORE_MAX_DB		64	/* bytes of a database name */
#define STORE_DOC_ID_BYTES	16

/* One ACL record of a database; the node picks the one in force. */
struct store_acl {
	uint8_t		id[STORE_ID_BYTES];
	uint8_t		creation[STORE_ID_BYTES]; /* first ACL of its chain */
	uint8_t		previous[STORE_ID_BYTES]; /* the one it replaces;
						     zeros for a creation */
	uint32_t	depth;			/* 1 for a creation */
	uint32_t	rank;			/* its signer's, as the node
						   ranks them (lower first) */
	char		signer[STORE_MAX_PEER + 1];
};
int	store_acl_put(store_txn_t *txn, const char *db,
	    const struct store_acl *a) __attribute__((warn_unused_result));
int	store_acl_get(store_txn_t *txn, const char *db,
	    const uint8_t id[STORE_ID_BYTES], struct store_acl *out)
	    __attribute__((warn_unused_result));
/*
 * 1 if the ACL index has this layout, 0 if it is of an older store
 * (rebuild it: store_acl_reset(), then store_acl_put() of every ACL
 * record in log order, in one transaction), < 0 on an error.
 */
int	store_acl_index_current(store_txn_t *txn);
/* Empties the ACL index and marks it of the current layout. */
int	store_acl_reset(store_txn_t *txn) __attribute__((warn_unused_result));
/* The ACLs of db in id order: the first after `after` (NULL: the first). */
int	store_acl_next(store_txn_t *txn, const char *db, const uint8_t *after,
	    struct store_acl *out) __attribute__((warn_unused_result));
/* The databases with an ACL, in name order: the first after `after`. */
int	store_db_next(store_txn_t *txn, const char *after,
	    char out[STORE_MAX_DB + 1]) __attribute__((warn_unused_result));

/* A revision of a document, as the revision tree needs it. */
struct store_rev {
	uint8_t		id[STORE_ID_BYTES];
	uint32_t	depth;		/* 1 + the deepest parent's; 1: none */
	unsigned	flags;
};
#define STORE_REV_LEAF		0x1	/* no revision we hold names it */
#define STORE_REV_DELETED	0x2	/* a delete stub */
int	store_rev_put(store_txn_t *txn, const char *db, const uint8_t *doc,
	    const struct store_rev *r) __attribute__((warn_unused_result));
int	store_rev_get(store_txn_t *txn, const char *db, const uint8_t *doc,
	    const uint8_t id[STORE_ID_BYTES], struct store_rev *out)
	    __attribute__((warn_unused_result));
/* Forgets a revision of a document (STORE_NOTFOUND if it had none). */
int	store_rev_del(store_txn_t *txn, const char *db, const uint8_t *doc,
	    const uint8_t id[STORE_ID_BYTES]) __attribute__((warn_unused_result));
/* The revisions of a document in id order: the first after `after`. */
int	store_rev_next(store_txn_t *txn, const char *db, const uint8_t *doc,
	    const uint8_t *after, struct store_rev *out)
	    __attribute__((warn_unused_result));

/* A document's state: its winning revision and how many conflict. */
struct store_head {
	uint8_t		doc[STORE_DOC_ID_BYTES];
	uint8_t		winner[STORE_ID_BYTES];
	uint32_t	depth;		/* the winner's */
	uint32_t	conflicts;	/* live leaves that lost */
	unsigned	flags;
	char		author[STORE_MAX_PEER + 1]; /* who created it */
};
#define STORE_HEAD_DELETED	0x1	/* the winner is a delete stub */
#define STORE_HEAD_PURGED	0x2	/* and its revisions' records are gone */
#define STORE_HEAD_PROVEN	0x4	/* a first revision its id names is held */
int	store_head_put(store_txn_t *txn, const char *db,
	    const struct store_head *h) __attribute__((warn_unused_result));
int	store_head_get(store_txn_t *txn, const char *db, const uint8_t *doc,
	    struct store_head *out) __attribute__((warn_unused_result));
/* The documents of db in id order: the first after `after` (NULL). */
int	store_head_next(store_txn_t *txn, const char *db, const uint8_t *after,
	    struct store_head *out) __attribute__((warn_unused_result));

/* Deleted documents waiting for every peer to hold their stub. */
int	store_stub_set(store_txn_t *txn, const char *db, const uint8_t *doc,
	    int pending) __attribute__((warn_unused_result));
/* The first pending stub after (*db, doc) (db "" for the first). */
int	store_stub_next(store_txn_t *txn, char db[STORE_MAX_DB + 1],
	    uint8_t doc[STORE_DOC_ID_BYTES]) __attribute__((warn_unused_result));

/* Attachment chunks: (db, BLAKE2b-256 of the bytes) -> a record holding
 * them. Put keeps the first: STORE_HELD if one is indexed already. */
int	store_chunk_put(store_txn_t *txn, const char *db,
	    const uint8_t hash[STORE_ID_BYTES], const uint8_t id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));
int	store_chunk_get(store_txn_t *txn, const char *db,
	    const uint8_t hash[STORE_ID_BYTES], uint8_t id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));

/* The newest status report of each node (by name) this store holds. */
int	store_status_put(store_txn_t *txn, const char *name,
	    const uint8_t id[STORE_ID_BYTES]) __attribute__((warn_unused_result));
int	store_status_get(store_txn_t *txn, const char *name,
	    uint8_t id[STORE_ID_BYTES]) __attribute__((warn_unused_result));
/* In name order: the first after `after` ("" first) into name and id. */
int	store_status_next(store_txn_t *txn, const char *after,
	    char name[STORE_MAX_PEER + 1], uint8_t id[STORE_ID_BYTES])
	    __attribute__((warn_unused_result));

/* A static string for any code these functions return. */
const char *store_strerror(int rc);

#endif
