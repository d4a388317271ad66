/*
 * doc_view: read-only views of databases and documents, shaped as the
 * control protocol's replies (node/ctl_doc.c, tools/node-ctl/docs.c), so a
 * running node and node-ctl -d on a stopped node's store answer alike.
 * Each takes the request object and returns the reply without "ok", or
 * NULL with err set.
 */
#ifndef DOC_VIEW_H
#define DOC_VIEW_H

#include <stddef.h>

#include <jansson.h>

#include "record.pb-c.h"
#include "store.h"
#include "wire.h"

json_t	*doc_view_db_ls(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
json_t	*doc_view_db_acl(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
json_t	*doc_view_db_digest(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
json_t	*doc_view_doc_get(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
json_t	*doc_view_doc_ls(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
json_t	*doc_view_doc_history(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
json_t	*doc_view_doc_conflicts(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
/* {db, name, media_type, size, b64} for req {db, id, name}: the winner's
 * attachment, once every chunk of it is here. */
json_t	*doc_view_doc_attachment(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);

typedef json_t *(*doc_view_fn)(store_txn_t *txn, json_t *req, char *err,
    size_t errlen);
/*
 * The view that answers read-only command cmd ("db_ls", "doc_get", ...),
 * or NULL: one list for the node and node-ctl -d. "db_acl" with "set"
 * is a write, not a view.
 */
doc_view_fn doc_view_find(const char *cmd);

/*
 * How an error about a purged document begins: a delete stub, once
 * every peer holds it, takes the records of the document's revisions
 * with it (node/purge.c); the revision tree stays. Not "unreadable":
 * nothing is damaged.
 */
#define DOC_VIEW_PURGED	"that document is deleted, and purged here"

/* The request's "db": a valid name, or NULL with err set. */
const char *doc_view_db(json_t *req, char *err, size_t errlen);
/* The request's key (a 32-hex-digit document id) into doc: 0 or -1. */
int	doc_view_doc_id(json_t *req, const char *key, uint8_t *doc);
/*
 * A field from a JSON value (a string, number, list of strings,
 * {"time_ms": N} or {"b64": "..."}): the node's doc put and a client
 * signing a revision's fields (psig.h) make the same one. NULL with err
 * set if v is none of these. Free it with doc_view_field_free().
 */
Nodenet__Field *doc_view_field(const char *name, json_t *v, char *err,
	    size_t errlen);
void	doc_view_field_free(Nodenet__Field *f);
/* A field's value as JSON (see the contract in ctl_doc.c). */
json_t	*doc_view_value(const Nodenet__Field *f);
/*
 * Opens stored record id, verified again (the disk is not trusted): 0 if
 * it is a revision of database db (clear out with wire_record_clear),
 * opened with the node's keys if sealed (doc_sealed.h), -1 if not. A
 * sealed revision that does not open here: its code (SEAL_E...,
 * DOC_SEAL_EINVALID; doc_sealed_why() says it), out as it travelled.
 */
int	doc_view_load(store_txn_t *txn, const char *db, const uint8_t *id,
	    struct wire_record *out);

#endif
