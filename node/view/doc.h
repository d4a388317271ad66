/*
 * doc: replicated databases and documents, the rules every replica
 * applies alike, whatever order records arrive in (proto/README.md,
 * "Databases and documents").
 *
 * A database is a tree of signed ACL records: a creation (its writer's
 * subtree must hold the scope) and replacements, each naming the one it
 * replaces and signed by a manager of that one. Which creation and which
 * of its replacements are in force depends on the ACLs held alone, and
 * the root outranks every other signer (doc.c). A document is a tree of
 * revision records; the winner among its leaves is the live one before a
 * delete stub, then the deeper, then the higher id; the other live
 * leaves are its conflicts. A document's id may name its first revision's
 * key (doc_id_new()); such a first revision fixes its author everywhere.
 * Nothing here needs the clock.
 *
 * Everything works on a store transaction alone, so the node, its
 * control socket and node-ctl -d on a stopped node agree.
 */
#ifndef DOC_H
#define DOC_H

#include <stddef.h>
#include <stdint.h>

#include "record.pb-c.h"
#include "store.h"
#include "wire.h"

#define DOC_MAX_FIELDS		256
#define DOC_MAX_FIELD_NAME	64
#define DOC_MAX_VALUE		(64u * 1024)	/* text, list or bytes */
#define DOC_MAX_PARENTS		32
#define DOC_MAX_PATTERNS	128	/* ACL entries, readers */
#define DOC_CHUNK_BYTES		(64u * 1024)	/* an attachment's pieces */
#define DOC_MAX_ATTACHMENT	(16u * 1024 * 1024)
#define DOC_MAX_ATTACHMENTS	16	/* per revision */

enum doc_level {
	DOC_NONE = NODENET__ACL__LEVEL__NO_ACCESS,
	DOC_DEPOSITOR = NODENET__ACL__LEVEL__DEPOSITOR,
	DOC_READER = NODENET__ACL__LEVEL__READER,
	DOC_AUTHOR = NODENET__ACL__LEVEL__AUTHOR,
	DOC_EDITOR = NODENET__ACL__LEVEL__EDITOR,
	DOC_MANAGER = NODENET__ACL__LEVEL__MANAGER,
};

/* What doc_admit() says of a record. */
enum doc_verdict {
	DOC_ACCEPT = 0,
	DOC_DROP = 1,		/* a purged revision again: ignore, no error */
	DOC_REFUSE = -1,	/* invalid or not allowed: why says which */
};

/* The ACL in force for a database, decoded. */
struct doc_acl {
	uint8_t			 id[STORE_ID_BYTES];
	struct store_acl	 index;
	const Nodenet__Acl	*acl;		/* in rb */
	Nodenet__RecordBody	*rb;		/* decoded from the store */
	int			 cached;	/* rb is the cache's */
};

/* 1 if s is a database name: 1..64 bytes of [a-z0-9._-]. */
int	doc_db_name_valid(const char *s);
/* 1 if s is a scope: a node name (its subtree) or "*" (every node). */
int	doc_scope_valid(const char *s);
/* 1 if node name lies within scope. */
int	doc_scope_covers(const char *scope, const char *name);
/* 1 if p is a pattern: a node name, "*." and a node name, or "*". */
int	doc_pattern_valid(const char *p);
/* How closely p matches name: 0 not at all, more for more specific. */
int	doc_pattern_match(const char *p, const char *name);
const char *doc_level_name(int level);
/* The level called s, or -1. */
int	doc_level_parse(const char *s);

/*
 * Loads the ACL in force for db: 0, STORE_NOTFOUND, or another error.
 * Answers come from a small cache, for transactions that see the same
 * state and while no ACL was applied; every revision a feed sends or a
 * replica admits asks. Release with doc_acl_clear() before asking again.
 */
int	doc_acl_current(store_txn_t *txn, const char *db, struct doc_acl *out);
void	doc_acl_clear(struct doc_acl *a);
/* The level the ACL gives node name: its most specific matching entry. */
int	doc_acl_level(const Nodenet__Acl *acl, const char *name);

/*
 * Decides whether a verified ACL, revision or chunk record may be stored,
 * before it is: its fields in bounds, its parents held, its writer
 * allowed, a chunk's bytes matching its hash, an ACL able to be in force.
 * root and root_key (32 bytes) are the pinned root's.
 */
enum doc_verdict doc_admit(store_txn_t *txn, const struct wire_record *wr,
	    const char *root, const uint8_t *root_key, char *why,
	    size_t whylen);
/* Indexes an admitted record just stored. 0, or a store error. */
int	doc_apply(store_txn_t *txn, const struct wire_record *wr,
	    const char *root, const uint8_t *root_key);
/*
 * 1 if node name, with key, may create database db here: none is held,
 * or a creation by name would outrank the one in force.
 */
int	doc_may_create(store_txn_t *txn, const char *db, const char *name,
	    const uint8_t key[32], const char *root, const uint8_t *root_key);
/* A new document id, random but for a tag that names key (doc.c). */
void	doc_id_new(const uint8_t key[32], uint8_t out[STORE_DOC_ID_BYTES]);
/*
 * The id that names key whose first 8 bytes are n: a client that makes
 * them from something of its own (an imported document's old id) finds
 * the same id again, and it still names the key that writes it.
 */
void	doc_id_named(const uint8_t key[32], const uint8_t n[8],
	    uint8_t out[STORE_DOC_ID_BYTES]);

/*
 * 1 if the ACL, revision or chunk record rb belongs on the link from node
 * self to node peer: the peer holds a replica (or is the way down to the
 * scope), may read, and is on the readers list if there is one; a
 * sealed revision or chunk also to such a peer that is the way toward
 * one on the list (proto/README.md, "Sealed documents"), in the tree
 * whose root is root.
 */
int	doc_feed_wants(store_txn_t *txn, const char *self, const char *peer,
	    const char *root, const Nodenet__RecordBody *rb);

/*
 * 1 if a revision written here with these readers is sealed: it has
 * some, and "*" is not one (every replica may read it: nothing to keep
 * from the nodes that carry it).
 */
int	doc_readers_sealed(char **readers, size_t n);
/*
 * 1 if revision d's fields and attachments are in bounds and named, as
 * doc_admit() checks a clear revision's; for a sealed one's content,
 * where it is opened. 0 with why if not.
 */
int	doc_content_valid(const Nodenet__DocRevision *d, char *why,
	    size_t whylen);

/* 1 if revision r of document h is one of its conflicts: a live leaf
 * that lost. h->conflicts says how many there are. */
int	doc_rev_conflicts(const struct store_head *h,
	    const struct store_rev *r);
/*
 * How many of an attachment's chunks this store holds (all: complete).
 */
size_t	doc_chunks_held(store_txn_t *txn, const char *db,
	    const Nodenet__PayloadRef *a);

/*
 * The state digest of a database: BLAKE2b-256 over its live documents in
 * id order, each as its id, its winner and its conflicts in id order.
 * Equal digests: the same documents, winners and conflicts, and the
 * same of them found damaged and not yet repaired. It reads at
 * most max entries (document heads, and the revisions of those with
 * conflicts): past them it stops with DOC_TOO_MANY, out unset, as a
 * digest of a part would not compare. 0, or a store error.
 */
#define DOC_TOO_MANY	(-2001)		/* no store code */
int	doc_digest(store_txn_t *txn, const char *db, uint64_t max,
	    uint8_t out[STORE_ID_BYTES], uint64_t *docs, uint64_t *conflicts);

#endif
