/*
 * doc_view: databases and documents as control-protocol replies; see
 * doc_view.h. Revisions shown are verified again as they are read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "doc.h"
#include "doc_sealed.h"
#include "doc_view.h"
#include "name.h"
#include "view.h"
#include "xmem.h"

const char *
doc_view_db(json_t *req, char *err, size_t errlen)
{
	const char	*db = json_string_value(json_object_get(req, "db"));

	if (db == NULL || !doc_db_name_valid(db)) {
		snprintf(err, errlen, "a database name is 1 to %d of "
		    "[a-z0-9._-]", STORE_MAX_DB);
		return NULL;
	}
	return db;
}

int
doc_view_doc_id(json_t *req, const char *key, uint8_t *doc)
{
	const char	*s = json_string_value(json_object_get(req, key));
	size_t		 len;

	return s != NULL && strlen(s) == 2 * STORE_DOC_ID_BYTES &&
	    sodium_hex2bin(doc, STORE_DOC_ID_BYTES, s, strlen(s), NULL, &len,
	    NULL) == 0 && len == STORE_DOC_ID_BYTES ? 0 : -1;
}

/* A sealed revision opened with the node's keys: doc_view_load(). */
static int
doc_view_open(struct wire_record *wr)
{
	const struct seal_keyring	*kr = view_keyring_of(NULL);
	char				 why[200];
	int				 key;

	/* A delete stub seals no content: anyone may see it deleted. */
	if (wr->rb->doc->sealed == NULL || wr->rb->doc->deleted)
		return 0;
	if (kr == NULL)
		return SEAL_ENOKEY;
	return doc_sealed_open(kr, wr->rb, &key, why, sizeof(why));
}

int
doc_view_load(store_txn_t *txn, const char *db, const uint8_t *id,
    struct wire_record *out)
{
	struct store_record	rec;

	memset(out, 0, sizeof(*out));
	if (store_get(txn, id, &rec) != 0 ||
	    wire_record_check(rec.body, rec.body_len, rec.sig, out) != 0)
		return -1;
	if (out->rb->kind_case != NODENET__RECORD_BODY__KIND_DOC ||
	    strcmp(out->rb->doc->db, db) != 0) {
		wire_record_clear(out);
		return -1;
	}
	return doc_view_open(out);
}

void
doc_view_field_free(Nodenet__Field *f)
{
	if (f->value_case == NODENET__FIELD__VALUE_TEXT)
		free(f->text);
	else if (f->value_case == NODENET__FIELD__VALUE_LIST) {
		for (size_t i = 0; i < f->list->n_items; i++)
			free(f->list->items[i]);
		free(f->list->items);
		free(f->list);
	} else if (f->value_case == NODENET__FIELD__VALUE_DATA)
		free(f->data.data);
	free(f->name);
	free(f);
}

Nodenet__Field *
doc_view_field(const char *name, json_t *v, char *err, size_t errlen)
{
	Nodenet__Field	*f = xcalloc(1, sizeof(*f));
	json_t		*t;
	const char	*s;
	size_t		 i, len;

	nodenet__field__init(f);
	f->name = xstrdup(name);
	if (json_is_string(v)) {
		f->value_case = NODENET__FIELD__VALUE_TEXT;
		f->text = xstrdup(json_string_value(v));
	} else if (json_is_number(v)) {
		f->value_case = NODENET__FIELD__VALUE_NUMBER;
		f->number = json_number_value(v);
	} else if (json_is_array(v)) {
		f->value_case = NODENET__FIELD__VALUE_LIST;
		f->list = xcalloc(1, sizeof(*f->list));
		nodenet__text_list__init(f->list);
		f->list->items = xcalloc(json_array_size(v) + 1,
		    sizeof(char *));
		json_array_foreach(v, i, t) {
			if ((s = json_string_value(t)) == NULL)
				goto bad;
			f->list->items[f->list->n_items++] = xstrdup(s);
		}
	} else if (json_is_integer(t = json_object_get(v, "time_ms")) &&
	    json_integer_value(t) >= 0) {
		f->value_case = NODENET__FIELD__VALUE_TIME_MS;
		f->time_ms = (uint64_t)json_integer_value(t);
	} else if ((s = json_string_value(json_object_get(v, "b64"))) !=
	    NULL) {
		f->value_case = NODENET__FIELD__VALUE_DATA;
		f->data.data = xmalloc(strlen(s) + 1);
		if (sodium_base642bin(f->data.data, strlen(s) + 1, s,
		    strlen(s), NULL, &len, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0)
			goto bad;
		f->data.len = len;
	} else
		goto bad;
	return f;
bad:
	snprintf(err, errlen, "field %.64s: a string, number, list of "
	    "strings, {\"time_ms\": N} or {\"b64\": \"...\"}", name);
	doc_view_field_free(f);
	return NULL;
}

json_t *
doc_view_value(const Nodenet__Field *f)
{
	json_t	*list;
	char	*b64;
	size_t	 n;

	switch (f->value_case) {
	case NODENET__FIELD__VALUE_TEXT:
		return json_string(f->text);
	case NODENET__FIELD__VALUE_NUMBER:
		return json_real(f->number);
	case NODENET__FIELD__VALUE_TIME_MS:
		return json_pack("{s:I}", "time_ms", (json_int_t)f->time_ms);
	case NODENET__FIELD__VALUE_LIST:
		list = json_array();
		for (size_t i = 0; i < f->list->n_items; i++)
			json_array_append_new(list,
			    json_string(f->list->items[i]));
		return list;
	case NODENET__FIELD__VALUE_DATA:
		n = sodium_base64_encoded_len(f->data.len,
		    sodium_base64_VARIANT_ORIGINAL);
		b64 = xmalloc(n);
		sodium_bin2base64(b64, n, f->data.data, f->data.len,
		    sodium_base64_VARIANT_ORIGINAL);
		list = json_pack("{s:s}", "b64", b64);
		free(b64);
		return list;
	default:
		return json_null();
	}
}

static json_t *
strings(char **s, size_t n)
{
	json_t	*a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(s[i]));
	return a;
}

/* The origin of a database's first ACL: its creator. */
static json_t *
creator(store_txn_t *txn, const struct doc_acl *acl)
{
	struct store_record	 rec;
	Nodenet__RecordBody	*rb;
	json_t			*s;

	if (store_get(txn, acl->index.creation, &rec) != 0 ||
	    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return json_string("?");
	s = json_string(rb->origin);
	nodenet__record_body__free_unpacked(rb, NULL);
	return s;
}

static json_t *
acl_json(store_txn_t *txn, const char *db, const struct doc_acl *acl)
{
	json_t	*entries = json_array();

	for (size_t i = 0; i < acl->acl->n_entries; i++)
		json_array_append_new(entries, json_pack("{s:s, s:s}",
		    "pattern", acl->acl->entries[i]->pattern, "level",
		    doc_level_name(acl->acl->entries[i]->level)));
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "db", db, "scope",
	    acl->acl->scope, "acl_id", view_hex_id(acl->id), "creator",
	    creator(txn, acl), "entries", entries);
}

static int
load_acl(store_txn_t *txn, const char *db, struct doc_acl *acl, char *err,
    size_t errlen)
{
	int	rc;

	if ((rc = doc_acl_current(txn, db, acl)) != 0) {
		snprintf(err, errlen, rc == STORE_NOTFOUND ? "no database %s "
		    "here (db ls lists them)" : "database %s: %s", db,
		    store_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * The databases by name, from the request's "from" on (that one
 * included), each with its documents counted within the budget: the one
 * it runs out in shows floors ("partial"), and the list stops there.
 */
json_t *
doc_view_db_ls(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char		*self = json_string_value(json_object_get(req,
	    "self"));
	const char		*from = json_string_value(json_object_get(req,
	    "from"));
	char			 db[STORE_MAX_DB + 1] = "";
	json_t			*list, *r;
	struct doc_acl		 acl;
	struct store_acl	 a;
	struct store_head	 h;
	struct view_scan	 s;
	int			 rc;

	if (json_object_get(req, "from") != NULL && (from == NULL ||
	    !doc_db_name_valid(from))) {
		snprintf(err, errlen, "from: a database name");
		return NULL;
	}
	if (from != NULL && store_acl_next(txn, from, NULL, &a) == 0) {
		snprintf(db, sizeof(db), "%s", from);
		rc = 0;
	} else
		rc = store_db_next(txn, from != NULL ? from : "", db);
	view_scan_start(&s);
	list = json_array();
	for (; rc == 0; rc = store_db_next(txn, db, db)) {
		uint64_t	docs = 0, deleted = 0, conflicts = 0;
		uint8_t		last[STORE_DOC_ID_BYTES];
		const uint8_t	*after = NULL;
		json_t		*o;

		/* db: where the next request starts. */
		if (!view_scan_take(&s))
			break;
		if (load_acl(txn, db, &acl, err, errlen) != 0)
			goto fail;
		while (store_head_next(txn, db, after, &h) == 0 &&
		    view_scan_take(&s)) {
			memcpy(last, h.doc, sizeof(last));
			after = last;
			if (h.flags & STORE_HEAD_DELETED)
				deleted++;
			else
				docs++;
			conflicts += h.conflicts > 0;
		}
		o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:b}", "db",
		    db, "scope", acl.acl->scope, "acl_id", view_hex_id(acl.id),
		    "creator", creator(txn, &acl), "docs", (json_int_t)docs,
		    "deleted", (json_int_t)deleted, "conflicts",
		    (json_int_t)conflicts, "partial", s.vs_cut);
		if (self != NULL) {
			json_object_set_new(o, "replica", json_boolean(
			    doc_scope_covers(acl.acl->scope, self)));
			json_object_set_new(o, "level", json_string(
			    doc_level_name(doc_acl_level(acl.acl, self))));
		}
		doc_acl_clear(&acl);
		json_array_append_new(list, o);
		if (s.vs_cut) {
			/* Its count stops here; the next request goes on
			 * with the database after it. */
			rc = store_db_next(txn, db, db);
			break;
		}
	}
	if (rc != 0 && rc != STORE_NOTFOUND) {
		snprintf(err, errlen, "store: %s", store_strerror(rc));
		goto fail;
	}
	r = json_pack("{s:o}", "dbs", list);
	if (rc == 0)
		json_object_set_new(r, "next", json_string(db));
	return view_scan_reply(r, &s);
fail:
	json_decref(list);
	return NULL;
}

json_t *
doc_view_db_acl(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char	*db;
	struct doc_acl	 acl;
	json_t		*r;

	if ((db = doc_view_db(req, err, errlen)) == NULL ||
	    load_acl(txn, db, &acl, err, errlen) != 0)
		return NULL;
	r = acl_json(txn, db, &acl);
	doc_acl_clear(&acl);
	return r;
}

json_t *
doc_view_db_digest(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char	*db;
	struct doc_acl	 acl;
	uint8_t		 digest[STORE_ID_BYTES];
	uint64_t	 docs, conflicts;
	struct view_scan s;
	int		 rc;

	if ((db = doc_view_db(req, err, errlen)) == NULL ||
	    load_acl(txn, db, &acl, err, errlen) != 0)
		return NULL;
	doc_acl_clear(&acl);
	/* All or nothing: a digest of a part would not compare. */
	view_scan_start(&s);
	rc = doc_digest(txn, db, s.vs_max, digest, &docs, &conflicts);
	if (rc == DOC_TOO_MANY) {
		snprintf(err, errlen, "database %s is over the %llu entries "
		    "one request reads: no digest (one of a part would not "
		    "compare)", db, (unsigned long long)s.vs_max);
		return NULL;
	}
	if (rc != 0) {
		snprintf(err, errlen, "store: %s", store_strerror(rc));
		return NULL;
	}
	return json_pack("{s:s, s:o, s:I, s:I}", "db", db, "digest",
	    view_hex_id(digest), "docs", (json_int_t)docs, "conflicts",
	    (json_int_t)conflicts);
}

/* The head of the request's document, or -1 with err set. */
static int
find_doc(store_txn_t *txn, json_t *req, const char **db,
    struct store_head *h, char *err, size_t errlen)
{
	uint8_t	doc[STORE_DOC_ID_BYTES];

	if ((*db = doc_view_db(req, err, errlen)) == NULL)
		return -1;
	if (doc_view_doc_id(req, "id", doc) != 0) {
		snprintf(err, errlen, "a document id is %d hex digits",
		    2 * STORE_DOC_ID_BYTES);
		return -1;
	}
	if (store_head_get(txn, *db, doc, h) != 0) {
		snprintf(err, errlen, "no document %s in %s here",
		    json_string_value(json_object_get(req, "id")), *db);
		return -1;
	}
	return 0;
}

/*
 * The revisions in conflict with h's winner, in id order, as far as the
 * budget reads (cut: a part of them). h.conflicts says how many there
 * are: none is read past the last.
 */
static json_t *
conflicts_json(store_txn_t *txn, const char *db, const struct store_head *h,
    struct view_scan *s)
{
	struct store_rev	 r;
	const uint8_t		*after = NULL;
	json_t			*list = json_array();

	while (json_array_size(list) < h->conflicts &&
	    store_rev_next(txn, db, h->doc, after, &r) == 0 &&
	    view_scan_take(s)) {
		after = r.id;
		if (doc_rev_conflicts(h, &r))
			json_array_append_new(list, view_hex_id(r.id));
	}
	return list;
}

/*
 * The start of a listing of the request's database (*db, which must
 * exist): its first document head, into h: the request's "from" (a
 * document id: that one, or the first after it), else db's first. 0; 1
 * if there is none; -1 with err set.
 */
static int
first_head(store_txn_t *txn, json_t *req, const char **db,
    struct store_head *h, char *err, size_t errlen)
{
	struct doc_acl	acl;
	uint8_t		from[STORE_DOC_ID_BYTES];

	if ((*db = doc_view_db(req, err, errlen)) == NULL ||
	    load_acl(txn, *db, &acl, err, errlen) != 0)
		return -1;
	doc_acl_clear(&acl);
	if (json_object_get(req, "from") == NULL)
		return store_head_next(txn, *db, NULL, h) == 0 ? 0 : 1;
	if (doc_view_doc_id(req, "from", from) != 0) {
		snprintf(err, errlen, "from: a document id");
		return -1;
	}
	return store_head_get(txn, *db, from, h) == 0 ||
	    store_head_next(txn, *db, from, h) == 0 ? 0 : 1;
}

/* A listing's reply: its documents, and where the next request starts
 * (h) if rc says there is more. */
static json_t *
heads_reply(const char *db, json_t *list, int rc,
    const struct store_head *h, struct view_scan *s)
{
	json_t	*r = json_pack("{s:s, s:o}", "db", db, "docs", list);

	if (rc == 0)
		json_object_set_new(r, "next", view_hex(h->doc,
		    STORE_DOC_ID_BYTES));
	return view_scan_reply(r, s);
}

/*
 * doc get of a purged document: what its revision tree still knows of
 * the revision asked (default the winner), its depth and whether it is a
 * delete stub; nothing of the records that are gone.
 */
static json_t *
purged_get(store_txn_t *txn, json_t *req, const char *db,
    const struct store_head *h, char *err, size_t errlen)
{
	struct store_rev	r;

	memcpy(r.id, h->winner, sizeof(r.id));
	if ((json_object_get(req, "rev") != NULL && view_parse_id(
	    json_object_get(req, "rev"), r.id) != 0) ||
	    store_rev_get(txn, db, h->doc, r.id, &r) != 0) {
		snprintf(err, errlen, "no such revision of this document");
		return NULL;
	}
	return json_pack("{s:s, s:O, s:o, s:I, s:b, s:b}", "db", db, "id",
	    json_object_get(req, "id"), "rev", view_hex_id(r.id), "depth",
	    (json_int_t)r.depth, "deleted", (r.flags & STORE_REV_DELETED) !=
	    0, "purged", 1);
}

/*
 * Revision id, loaded and opened for a reply that shows its content: 0,
 * or -1 with err (unreadable, or sealed and why it does not open here).
 */
static int
load_shown(store_txn_t *txn, const char *db, const uint8_t *id,
    struct wire_record *wr, const char *unreadable, char *err, size_t errlen)
{
	int	rc;

	if ((rc = doc_view_load(txn, db, id, wr)) == 0)
		return 0;
	if (rc == -1)
		snprintf(err, errlen, "%s", unreadable);
	else
		doc_sealed_why(wr->rb->doc, rc, err, errlen);
	wire_record_clear(wr);
	return -1;
}

json_t *
doc_view_doc_get(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char			*db;
	const Nodenet__DocRevision	*d;
	struct store_head		 h;
	struct store_rev		 r;
	struct wire_record		 wr;
	struct view_scan		 s;
	uint8_t				 rev[STORE_ID_BYTES];
	json_t				*o, *fields, *atts;

	if (find_doc(txn, req, &db, &h, err, errlen) != 0)
		return NULL;
	if (h.flags & STORE_HEAD_PURGED)
		return purged_get(txn, req, db, &h, err, errlen);
	memcpy(rev, h.winner, sizeof(rev));
	r.depth = h.depth;
	if (json_object_get(req, "rev") != NULL && (view_parse_id(
	    json_object_get(req, "rev"), rev) != 0 ||
	    store_rev_get(txn, db, h.doc, rev, &r) != 0)) {
		snprintf(err, errlen, "no such revision of this document");
		return NULL;
	}
	if (load_shown(txn, db, rev, &wr, "revision is unreadable or corrupt",
	    err, errlen) != 0)
		return NULL;
	d = wr.rb->doc;
	fields = json_object();
	for (size_t i = 0; i < d->n_fields; i++)
		json_object_set_new(fields, d->fields[i]->name,
		    doc_view_value(d->fields[i]));
	atts = json_array();
	for (size_t i = 0; i < d->n_attachments; i++) {
		const Nodenet__PayloadRef	*a = d->attachments[i];
		/* A sealed one's plaintext, as its readers read it. */
		const ProtobufCBinaryData	*ph = a->sealed != NULL ?
		    &a->sealed->hash : &a->hash;

		json_array_append_new(atts, json_pack("{s:s, s:s, s:I, s:o, "
		    "s:I, s:I}", "name", a->name, "media_type", a->media_type,
		    "size", (json_int_t)(a->sealed != NULL ? a->sealed->size :
		    a->size), "hash", ph->len == STORE_ID_BYTES ?
		    view_hex_id(ph->data) : json_null(),
		    "chunks", (json_int_t)a->n_chunks, "held",
		    (json_int_t)doc_chunks_held(txn, db, a)));
	}
	view_scan_start(&s);
	o = json_pack("{s:s, s:O, s:o, s:I, s:b, s:b, s:s, s:I, s:o, s:o,"
	    " s:o, s:o}", "db", db, "id", json_object_get(req, "id"), "rev",
	    view_hex_id(rev), "depth", (json_int_t)r.depth, "deleted",
	    d->deleted, "purged", 0, "origin", wr.rb->origin, "created_ms",
	    (json_int_t)wr.rb->created_ms, "readers", strings(d->readers,
	    d->n_readers), "fields", fields, "attachments", atts, "conflicts",
	    conflicts_json(txn, db, &h, &s));
	if ((fields = view_signed_by(wr.rb)) != NULL)
		json_object_set_new(o, "signed_by", fields);
	json_object_set_new(o, "sealed", json_boolean(d->sealed != NULL));
	wire_record_clear(&wr);
	return view_scan_reply(o, &s);
}

json_t *
doc_view_doc_ls(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char		*db;
	struct store_head	 h;
	struct view_scan	 s;
	uint8_t			 last[STORE_DOC_ID_BYTES];
	int			 deleted = json_is_true(json_object_get(req,
	    "deleted")), rc;
	json_t			*list;

	if ((rc = first_head(txn, req, &db, &h, err, errlen)) < 0)
		return NULL;
	view_scan_start(&s);
	list = json_array();
	for (; rc == 0; rc = store_head_next(txn, db, last, &h)) {
		/* Deleted ones skipped are read too: the budget counts
		 * them. h: where the next request starts. */
		if (!view_scan_take(&s))
			break;
		memcpy(last, h.doc, sizeof(last));
		if ((h.flags & STORE_HEAD_DELETED) && !deleted)
			continue;
		if (json_array_size(list) == VIEW_LIST_MAX)
			break;
		json_array_append_new(list, json_pack("{s:o, s:o, s:I, s:b, "
		    "s:b, s:I, s:s}", "id", view_hex(h.doc,
		    STORE_DOC_ID_BYTES), "rev", view_hex_id(h.winner), "depth",
		    (json_int_t)h.depth, "deleted", (h.flags &
		    STORE_HEAD_DELETED) != 0, "purged", (h.flags &
		    STORE_HEAD_PURGED) != 0, "conflicts",
		    (json_int_t)h.conflicts, "author", h.author));
	}
	return heads_reply(db, list, rc, &h, &s);
}

/* Oldest first: by depth, then id, as every replica sorts them. */
static int
older_first(const void *a, const void *b)
{
	const struct store_rev	*x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return memcmp(x->id, y->id, STORE_ID_BYTES);
}

static json_t *
history_rev(store_txn_t *txn, const char *db, const struct store_head *h,
    const struct store_rev *r)
{
	struct wire_record	 wr;
	json_t			*o, *parents;
	char			 why[300];
	int			 rc;

	o = json_pack("{s:o, s:I, s:b, s:b, s:b}", "rev", view_hex_id(r->id),
	    "depth", (json_int_t)r->depth, "deleted", (r->flags &
	    STORE_REV_DELETED) != 0, "leaf", (r->flags & STORE_REV_LEAF) != 0,
	    "winner", memcmp(r->id, h->winner, STORE_ID_BYTES) == 0);
	/* Without its record, who wrote it, when, and on which parents is
	 * not known here: none of it is shown. */
	if ((rc = doc_view_load(txn, db, r->id, &wr)) == -1) {
		json_object_set_new(o, (h->flags & STORE_HEAD_PURGED) ?
		    "purged" : "error", (h->flags & STORE_HEAD_PURGED) ?
		    json_true() : json_string("unreadable or corrupt"));
		return o;
	}
	parents = json_array();
	for (size_t i = 0; i < wr.rb->doc->n_parents; i++)
		json_array_append_new(parents, view_hex_id(
		    wr.rb->doc->parents[i].data));
	json_object_set_new(o, "origin", json_string(wr.rb->origin));
	json_object_set_new(o, "created_ms",
	    json_integer((json_int_t)wr.rb->created_ms));
	json_object_set_new(o, "parents", parents);
	if ((parents = view_signed_by(wr.rb)) != NULL)
		json_object_set_new(o, "signed_by", parents);
	/* Sealed: opened here, or why not (its clear part is shown). */
	if (wr.rb->doc->sealed != NULL && !wr.rb->doc->deleted)
		json_object_set_new(o, "sealed", rc == 0 ?
		    json_string("opened") : json_string(doc_sealed_why(
		    wr.rb->doc, rc, why, sizeof(why))));
	wire_record_clear(&wr);
	return o;
}

/*
 * The revisions as far as the budget reads (kept in id order), sorted
 * oldest first; from the request's "from" (a revision) on, at most
 * VIEW_LIST_MAX of them opened and shown.
 */
json_t *
doc_view_doc_history(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	const char		*db;
	struct store_head	 h;
	struct store_rev	 r, from, *revs = NULL;
	struct view_scan	 s;
	size_t			 n = 0, cap = 0;
	json_t			*list, *o;
	int			 rc, have_from = 0;

	if (find_doc(txn, req, &db, &h, err, errlen) != 0)
		return NULL;
	if (json_object_get(req, "from") != NULL) {
		if (view_parse_id(json_object_get(req, "from"), from.id) !=
		    0 || store_rev_get(txn, db, h.doc, from.id, &from) != 0) {
			snprintf(err, errlen, "from: a revision of this "
			    "document (doc history lists them)");
			return NULL;
		}
		have_from = 1;
	}
	view_scan_start(&s);
	for (rc = store_rev_next(txn, db, h.doc, NULL, &r); rc == 0 &&
	    view_scan_take(&s); rc = store_rev_next(txn, db, h.doc, r.id,
	    &r)) {
		if (have_from && older_first(&r, &from) < 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			revs = xrealloc(revs, cap, sizeof(*revs));
		}
		revs[n++] = r;
	}
	if (n > 0)
		qsort(revs, n, sizeof(*revs), older_first);
	list = json_array();
	for (size_t i = 0; i < n && i < VIEW_LIST_MAX; i++)
		json_array_append_new(list, history_rev(txn, db, &h,
		    &revs[i]));
	o = json_pack("{s:s, s:O, s:b, s:b, s:o}", "db", db, "id",
	    json_object_get(req, "id"), "deleted", (h.flags &
	    STORE_HEAD_DELETED) != 0, "purged", (h.flags &
	    STORE_HEAD_PURGED) != 0, "revs", list);
	if (n > VIEW_LIST_MAX)
		json_object_set_new(o, "next",
		    view_hex_id(revs[VIEW_LIST_MAX].id));
	free(revs);
	return view_scan_reply(o, &s);
}

json_t *
doc_view_doc_conflicts(store_txn_t *txn, json_t *req, char *err,
    size_t errlen)
{
	const char		*db;
	struct store_head	 h;
	struct view_scan	 s;
	uint8_t			 last[STORE_DOC_ID_BYTES];
	json_t			*list, *c;
	int			 rc;

	if ((rc = first_head(txn, req, &db, &h, err, errlen)) < 0)
		return NULL;
	view_scan_start(&s);
	list = json_array();
	for (; rc == 0; rc = store_head_next(txn, db, last, &h)) {
		/* h: where the next request starts. */
		if (json_array_size(list) == VIEW_LIST_MAX ||
		    !view_scan_take(&s))
			break;
		memcpy(last, h.doc, sizeof(last));
		if (h.conflicts == 0)
			continue;
		c = conflicts_json(txn, db, &h, &s);
		if (s.vs_cut && json_array_size(list) > 0) {
			/* The next request shows it whole. */
			json_decref(c);
			break;
		}
		json_array_append_new(list, json_pack("{s:o, s:o, s:o}", "id",
		    view_hex(h.doc, STORE_DOC_ID_BYTES), "rev",
		    view_hex_id(h.winner), "conflicts", c));
		if (s.vs_cut) {
			/* One document's revisions are more than the budget:
			 * it shows what was read, and the next request goes
			 * on after it. */
			rc = store_head_next(txn, db, last, &h);
			break;
		}
	}
	return heads_reply(db, list, rc, &h, &s);
}

/* Puts the attachment's bytes together from its chunks, checking each
 * chunk and the whole against their hashes. */
static uint8_t *
assemble(store_txn_t *txn, const char *db, const Nodenet__PayloadRef *a,
    char *err, size_t errlen)
{
	uint8_t	*buf = xmalloc(a->size), hash[STORE_ID_BYTES];
	size_t	 off = 0;

	for (size_t i = 0; i < a->n_chunks; i++) {
		struct store_record	 rec;
		Nodenet__RecordBody	*rb = NULL;
		uint8_t			 id[STORE_ID_BYTES];
		int			 ok;

		if (store_chunk_get(txn, db, a->chunks[i].data, id) != 0 ||
		    store_get(txn, id, &rec) != 0 ||
		    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
		    rec.body)) == NULL ||
		    rb->kind_case != NODENET__RECORD_BODY__KIND_CHUNK) {
			snprintf(err, errlen, "attachment %s is not complete "
			    "here: %zu of %zu chunks held (the rest is on its "
			    "way)", a->name, doc_chunks_held(txn, db, a),
			    a->n_chunks);
			if (rb != NULL)
				nodenet__record_body__free_unpacked(rb, NULL);
			free(buf);
			return NULL;
		}
		crypto_generichash(hash, sizeof(hash), rb->chunk->data.data,
		    rb->chunk->data.len, NULL, 0);
		ok = memcmp(hash, a->chunks[i].data, sizeof(hash)) == 0 &&
		    rb->chunk->data.len <= a->size - off;
		if (ok) {
			memcpy(buf + off, rb->chunk->data.data,
			    rb->chunk->data.len);
			off += rb->chunk->data.len;
		}
		nodenet__record_body__free_unpacked(rb, NULL);
		if (!ok) {
			snprintf(err, errlen, "attachment %s: chunk %zu is "
			    "corrupt", a->name, i);
			free(buf);
			return NULL;
		}
	}
	crypto_generichash(hash, sizeof(hash), buf, off, NULL, 0);
	if (off != a->size || a->hash.len != STORE_ID_BYTES ||
	    memcmp(hash, a->hash.data, sizeof(hash)) != 0) {
		snprintf(err, errlen, "attachment %s does not match its hash",
		    a->name);
		free(buf);
		return NULL;
	}
	return buf;
}

/* A sealed attachment's plaintext from its ciphertext ct (freed). */
static uint8_t *
plain_of(const Nodenet__PayloadRef *a, uint8_t *ct, char *err, size_t errlen)
{
	uint8_t	*p = doc_sealed_attachment(a, ct, err, errlen);

	free(ct);
	return p;
}

json_t *
doc_view_doc_attachment(store_txn_t *txn, json_t *req, char *err,
    size_t errlen)
{
	const char		*db, *name = json_string_value(
	    json_object_get(req, "name"));
	const Nodenet__DocRevision *d;
	struct store_head	 h;
	struct wire_record	 wr;
	json_t			*r = NULL;

	if (name == NULL) {
		snprintf(err, errlen, "which attachment? (name)");
		return NULL;
	}
	if (find_doc(txn, req, &db, &h, err, errlen) != 0)
		return NULL;
	if (h.flags & STORE_HEAD_PURGED) {
		snprintf(err, errlen, DOC_VIEW_PURGED ": its attachments "
		    "are gone");
		return NULL;
	}
	if (load_shown(txn, db, h.winner, &wr, "the document's winner is not "
	    "readable here (deleted?)", err, errlen) != 0)
		return NULL;
	d = wr.rb->doc;
	for (size_t i = 0; i < d->n_attachments; i++) {
		const Nodenet__PayloadRef	*a = d->attachments[i];
		uint8_t				*buf;
		char				*b64;
		size_t				 n, size;

		if (strcmp(a->name, name) != 0)
			continue;
		if ((buf = assemble(txn, db, a, err, errlen)) == NULL ||
		    (a->sealed != NULL && (buf = plain_of(a, buf, err,
		    errlen)) == NULL))
			break;
		size = a->sealed != NULL ? a->sealed->size : a->size;
		n = sodium_base64_encoded_len(size,
		    sodium_base64_VARIANT_ORIGINAL);
		b64 = xmalloc(n);
		sodium_bin2base64(b64, n, buf, size,
		    sodium_base64_VARIANT_ORIGINAL);
		r = json_pack("{s:s, s:s, s:s, s:I, s:s}", "db", db, "name",
		    a->name, "media_type", a->media_type, "size",
		    (json_int_t)size, "b64", b64);
		free(b64);
		free(buf);
		break;
	}
	if (r == NULL && err[0] == '\0')
		snprintf(err, errlen, "no attachment %.64s on that document",
		    name);
	wire_record_clear(&wr);
	return r;
}

doc_view_fn
doc_view_find(const char *cmd)
{
	static const struct {
		const char	*name;
		doc_view_fn	 fn;
	} views[] = {
		{ "db_ls", doc_view_db_ls },
		{ "db_acl", doc_view_db_acl },
		{ "db_digest", doc_view_db_digest },
		{ "doc_get", doc_view_doc_get },
		{ "doc_ls", doc_view_doc_ls },
		{ "doc_history", doc_view_doc_history },
		{ "doc_conflicts", doc_view_doc_conflicts },
		{ "doc_attachment", doc_view_doc_attachment },
	};

	for (size_t i = 0; cmd != NULL && i < sizeof(views) /
	    sizeof(views[0]); i++)
		if (strcmp(cmd, views[i].name) == 0)
			return views[i].fn;
	return NULL;
}
