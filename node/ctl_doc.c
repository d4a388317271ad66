/*
 * ctl_doc: the control socket's database and document commands.
 *
 * Reads are the views of doc_view.c (node-ctl -d shows the same); writes
 * build a record and go through record_write(), so a local edit obeys the
 * very rules (doc.c) a revision from a peer does. The request and reply
 * fields: proto/control.md.
 *
 * Field values in JSON: a string is text, a number a number, an array of
 * strings a list, {"time_ms": N} a time, {"b64": "..."} bytes; on an edit
 * null removes a field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "attach.h"
#include "ctl.h"
#include "doc.h"
#include "doc_seal.h"
#include "doc_sealed.h"
#include "doc_view.h"
#include "name.h"
#include "node.h"
#include "record.h"
#include "turn.h"
#include "view.h"
#include "xmem.h"

/*
 * A read-only command: its view (doc_view_find()) in a read transaction.
 * db ls learns which node it is asked at.
 */
static json_t *
cmd_read(struct node *n, json_t *req, char *err, size_t errlen)
{
	doc_view_fn	 view = doc_view_find(json_string_value(
	    json_object_get(req, "cmd")));
	store_txn_t	*txn = NULL;
	json_t		*r;

	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	json_object_set_new(req, "self", json_string(n->n_conf->name));
	if ((r = view(txn, req, err, errlen)) != NULL)
		ctl_signed_state(n, txn, r);
	store_txn_abort(&txn);
	return r;
}

/* Entries of an ACL as we build them: owned copies. */
struct entries {
	Nodenet__Acl__Entry	**e;
	size_t			  n;
};

static void
entries_set(struct entries *es, const char *pattern, int level)
{
	for (size_t i = 0; i < es->n; i++)
		if (strcmp(es->e[i]->pattern, pattern) == 0) {
			if (level >= 0) {
				es->e[i]->level = level;
				return;
			}
			free(es->e[i]->pattern);
			free(es->e[i]);
			es->e[i] = es->e[--es->n];
			return;
		}
	if (level < 0)
		return;
	es->e = xrealloc(es->e, es->n + 1, sizeof(*es->e));
	es->e[es->n] = xcalloc(1, sizeof(**es->e));
	nodenet__acl__entry__init(es->e[es->n]);
	es->e[es->n]->pattern = xstrdup(pattern);
	es->e[es->n]->level = level;
	es->n++;
}

static void
entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->e[i]->pattern);
		free(es->e[i]);
	}
	free(es->e);
}

/* Applies [{pattern, level}] (level "remove" drops an entry); -1 on bad. */
static int
entries_apply(struct entries *es, json_t *list, int allow_remove, char *err,
    size_t errlen)
{
	json_t	*v;
	size_t	 i;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > DOC_MAX_PATTERNS) {
		snprintf(err, errlen, "acl: a list of at most %d "
		    "{pattern, level}", DOC_MAX_PATTERNS);
		return -1;
	}
	json_array_foreach(list, i, v) {
		const char	*p = json_string_value(json_object_get(v,
		    "pattern"));
		const char	*l = json_string_value(json_object_get(v,
		    "level"));
		int		 level;

		if (p == NULL || !doc_pattern_valid(p)) {
			snprintf(err, errlen, "acl entry %zu: not a pattern "
			    "(NAME, *.NAME or *)", i);
			return -1;
		}
		if (l != NULL && allow_remove && strcmp(l, "remove") == 0)
			level = -1;
		else if (l == NULL || (level = doc_level_parse(l)) < 0) {
			snprintf(err, errlen, "acl entry %zu: level is none, "
			    "depositor, reader, author, editor or manager%s",
			    i, allow_remove ? " (or remove)" : "");
			return -1;
		}
		entries_set(es, p, level);
	}
	if (es->n > DOC_MAX_PATTERNS) {
		snprintf(err, errlen, "acl: over %d entries", DOC_MAX_PATTERNS);
		return -1;
	}
	return 0;
}

static int
write_acl(struct node *n, store_txn_t *txn, const char *db, const char *scope,
    struct entries *es, const uint8_t *previous, uint8_t id[WIRE_ID_BYTES],
    char *err, size_t errlen)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	Nodenet__Acl		acl = NODENET__ACL__INIT;
	char			why[160];

	acl.db = (char *)(uintptr_t)db;
	acl.scope = (char *)(uintptr_t)scope;
	acl.entries = es->e;
	acl.n_entries = es->n;
	if (previous != NULL) {
		acl.previous.data = (uint8_t *)(uintptr_t)previous;
		acl.previous.len = STORE_ID_BYTES;
	}
	rb.kind_case = NODENET__RECORD_BODY__KIND_ACL;
	rb.acl = &acl;
	if (record_write(n, txn, &rb, id, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "refused: %s", why);
		return -1;
	}
	return 0;
}

static json_t *
cmd_db_create(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char	*db, *scope;
	struct entries	 es = { 0 };
	store_txn_t	*txn;
	uint8_t		 id[WIRE_ID_BYTES];
	json_t		*r = NULL;

	if ((db = doc_view_db(req, err, errlen)) == NULL)
		return NULL;
	scope = json_string_value(json_object_get(req, "scope"));
	if (scope == NULL)
		scope = n->n_conf->name;
	if (strcmp(scope, "*") == 0 ? strcmp(n->n_conf->name,
	    n->n_conf->root_name) != 0 : !name_valid(scope) ||
	    !name_within(scope, n->n_conf->name)) {
		snprintf(err, errlen, "scope: a node name at or below %s%s",
		    n->n_conf->name, strcmp(n->n_conf->name,
		    n->n_conf->root_name) == 0 ? ", or * (every node)" : "");
		return NULL;
	}
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	/* Over a lower-ranked creator's database of that name too. */
	if (!doc_may_create(txn, db, n->n_conf->name, key_public(n->n_key),
	    n->n_conf->root_name, n->n_conf->root_key)) {
		snprintf(err, errlen, "database %s exists (db acl changes "
		    "its ACL)", db);
		return NULL;
	}
	if (entries_apply(&es, json_object_get(req, "acl"), 0, err,
	    errlen) == 0) {
		entries_set(&es, n->n_conf->name, DOC_MANAGER);
		if (write_acl(n, txn, db, scope, &es, NULL, id, err,
		    errlen) == 0)
			r = json_pack("{s:s, s:o}", "db", db, "acl_id",
			    view_hex_id(id));
	}
	entries_free(&es);
	return r;
}

static json_t *
cmd_db_acl(struct node *n, json_t *req, char *err, size_t errlen)
{
	const char	*db;
	struct entries	 es = { 0 };
	struct doc_acl	 acl;
	store_txn_t	*txn;
	uint8_t		 id[WIRE_ID_BYTES];
	int		 rc;

	if (json_object_get(req, "set") == NULL)
		return cmd_read(n, req, err, errlen);
	if ((db = doc_view_db(req, err, errlen)) == NULL)
		return NULL;
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if (doc_acl_current(txn, db, &acl) != 0) {
		snprintf(err, errlen, "no database %s here", db);
		return NULL;
	}
	if (doc_acl_level(acl.acl, n->n_conf->name) < DOC_MANAGER) {
		snprintf(err, errlen, "only a manager changes the ACL of %s",
		    db);
		doc_acl_clear(&acl);
		return NULL;
	}
	for (size_t i = 0; i < acl.acl->n_entries; i++)
		entries_set(&es, acl.acl->entries[i]->pattern,
		    acl.acl->entries[i]->level);
	rc = entries_apply(&es, json_object_get(req, "set"), 1, err, errlen);
	if (rc == 0)
		rc = write_acl(n, txn, db, acl.acl->scope, &es, acl.id, id,
		    err, errlen);
	entries_free(&es);
	doc_acl_clear(&acl);
	return rc == 0 ? doc_view_db_acl(txn, req, err, errlen) : NULL;
}

/* A revision being built: its fields point into `base` or are ours. */
struct draft {
	Nodenet__DocRevision	 d;
	Nodenet__Field		**fields;
	uint8_t			 *owned;	/* 1 where fields[i] is ours */
	Nodenet__PayloadRef	**atts;
	uint8_t			 *att_owned;	/* likewise */
	ProtobufCBinaryData	  parents[DOC_MAX_PARENTS];
	uint8_t			  pids[DOC_MAX_PARENTS][STORE_ID_BYTES];
	struct wire_record	  base;		/* the revision we start from */
	uint8_t			  doc[STORE_DOC_ID_BYTES];
	char			  closed[300];	/* base sealed, not ours */
};

static void
draft_free(struct draft *dr)
{
	for (size_t i = 0; i < dr->d.n_fields; i++)
		if (dr->owned[i])
			doc_view_field_free(dr->fields[i]);
	free(dr->fields);
	free(dr->owned);
	for (size_t i = 0; i < dr->d.n_attachments; i++)
		if (dr->att_owned[i])
			attach_free(dr->atts[i]);
	free(dr->atts);
	free(dr->att_owned);
	if (dr->d.readers != NULL && (dr->base.rb == NULL ||
	    dr->d.readers != dr->base.rb->doc->readers)) {
		for (size_t i = 0; i < dr->d.n_readers; i++)
			free(dr->d.readers[i]);
		free(dr->d.readers);
	}
	wire_record_clear(&dr->base);
}

/* Names revision id as the next of dr's parents. */
static void
add_parent(struct draft *dr, const uint8_t *id)
{
	memcpy(dr->pids[dr->d.n_parents], id, STORE_ID_BYTES);
	dr->parents[dr->d.n_parents].data = dr->pids[dr->d.n_parents];
	dr->parents[dr->d.n_parents++].len = STORE_ID_BYTES;
}

/* Sets field name of the draft (v NULL: removes it); -1 on bad input. */
static int
draft_field(struct draft *dr, const char *name, json_t *v, char *err,
    size_t errlen)
{
	Nodenet__Field	*f = NULL;
	size_t		 i;

	if (name[0] == '\0' || strlen(name) > DOC_MAX_FIELD_NAME) {
		snprintf(err, errlen, "a field name is 1 to %d bytes",
		    DOC_MAX_FIELD_NAME);
		return -1;
	}
	if (!json_is_null(v) && (f = doc_view_field(name, v, err,
	    errlen)) == NULL)
		return -1;
	for (i = 0; i < dr->d.n_fields; i++)
		if (strcmp(dr->fields[i]->name, name) == 0)
			break;
	if (i < dr->d.n_fields && dr->owned[i])
		doc_view_field_free(dr->fields[i]);
	if (f == NULL) {
		if (i < dr->d.n_fields) {
			dr->d.n_fields--;
			dr->fields[i] = dr->fields[dr->d.n_fields];
			dr->owned[i] = dr->owned[dr->d.n_fields];
		}
		return 0;
	}
	if (i == dr->d.n_fields) {
		dr->fields = xrealloc(dr->fields, i + 1, sizeof(*dr->fields));
		dr->owned = xrealloc(dr->owned, i + 1, 1);
		dr->d.n_fields++;
	}
	dr->fields[i] = f;
	dr->owned[i] = 1;
	return 0;
}

/*
 * Starts a draft of db's document (req "id"; a new id if absent and
 * may_create) from revision `from` (NULL: the winner), with every live
 * leaf as a parent when all_leaves (none if all are deleted), else the
 * winner alone.
 */
static int
draft_begin(struct node *n, store_txn_t *txn, json_t *req, const char *db,
    int may_create, const uint8_t *from, int all_leaves, struct draft *dr,
    char *err, size_t errlen)
{
	struct store_head	 h;
	struct store_rev	 r;
	struct doc_acl		 acl;
	int			 exists, rc;

	memset(dr, 0, sizeof(*dr));
	nodenet__doc_revision__init(&dr->d);
	if ((rc = doc_acl_current(txn, db, &acl)) != 0) {
		snprintf(err, errlen, "no database %s here (db ls lists them)",
		    db);
		return -1;
	}
	rc = doc_scope_covers(acl.acl->scope, n->n_conf->name);
	doc_acl_clear(&acl);
	if (!rc) {
		snprintf(err, errlen, "this node holds no replica of %s", db);
		return -1;
	}
	if (json_object_get(req, "id") == NULL && may_create)
		doc_id_new(key_public(n->n_key), dr->doc);
	else if (doc_view_doc_id(req, "id", dr->doc) != 0) {
		snprintf(err, errlen, "a document id is %d hex digits",
		    2 * STORE_DOC_ID_BYTES);
		return -1;
	}
	exists = store_head_get(txn, db, dr->doc, &h) == 0;
	if (!exists && !may_create) {
		snprintf(err, errlen, "no document %s in %s here",
		    json_string_value(json_object_get(req, "id")), db);
		return -1;
	}
	if (exists && (h.flags & STORE_HEAD_DELETED) && !all_leaves) {
		snprintf(err, errlen, "%s (doc put without an id makes a new "
		    "one)", (h.flags & STORE_HEAD_PURGED) ? DOC_VIEW_PURGED :
		    "that document is deleted");
		return -1;
	}
	if (exists && (h.flags & STORE_HEAD_PURGED)) {
		/* doc rm once more: its stub went with the purge. */
		snprintf(err, errlen, "that document is deleted already, and "
		    "purged here (doc history shows what is left of it)");
		return -1;
	}
	dr->d.db = (char *)(uintptr_t)db;
	dr->d.doc_id.data = dr->doc;
	dr->d.doc_id.len = sizeof(dr->doc);
	if (!exists)
		return 0;
	if ((rc = doc_view_load(txn, db, from != NULL ? from : h.winner,
	    &dr->base)) < -1) {
		/* Sealed, not for us: a delete stub needs none of it. */
		doc_sealed_why(dr->base.rb->doc, rc, dr->closed,
		    sizeof(dr->closed));
	} else if (rc != 0) {
		/* A deleted document's stub goes with its purge. */
		snprintf(err, errlen, (h.flags & STORE_HEAD_DELETED) &&
		    from == NULL ? "that document is deleted already" :
		    "revision is unreadable or corrupt");
		return -1;
	}
	/* The readers list carries over: a stub reaches where it lives. */
	dr->d.readers = dr->base.rb->doc->readers;
	dr->d.n_readers = dr->base.rb->doc->n_readers;
	if (!dr->base.rb->doc->deleted && dr->closed[0] == '\0') {
		dr->fields = xcalloc(dr->base.rb->doc->n_fields + 1,
		    sizeof(*dr->fields));
		dr->owned = xcalloc(dr->base.rb->doc->n_fields + 1, 1);
		for (size_t i = 0; i < dr->base.rb->doc->n_fields; i++)
			dr->fields[i] = dr->base.rb->doc->fields[i];
		dr->d.n_fields = dr->base.rb->doc->n_fields;
		dr->atts = xcalloc(dr->base.rb->doc->n_attachments + 1,
		    sizeof(*dr->atts));
		dr->att_owned = xcalloc(dr->base.rb->doc->n_attachments + 1,
		    1);
		for (size_t i = 0; i < dr->base.rb->doc->n_attachments; i++)
			dr->atts[i] = dr->base.rb->doc->attachments[i];
		dr->d.n_attachments = dr->base.rb->doc->n_attachments;
	}
	/* The winner, or every live leaf: those read every revision. */
	if (!all_leaves)
		add_parent(dr, h.winner);
	else
		for (rc = store_rev_next(txn, db, dr->doc, NULL, &r); rc == 0 &&
		    dr->d.n_parents < DOC_MAX_PARENTS;
		    rc = store_rev_next(txn, db, dr->doc, r.id, &r))
			if ((r.flags & (STORE_REV_LEAF | STORE_REV_DELETED)) ==
			    STORE_REV_LEAF)
				add_parent(dr, r.id);
	dr->d.parents = dr->parents;
	return 0;
}

/*
 * 1 if a clear draft carries no attachment sealed for readers before:
 * its key would travel clear, its chunks where those readers were.
 */
static int
clear_atts(const struct draft *dr, char *err, size_t errlen)
{
	for (size_t i = 0; i < dr->d.n_attachments; i++)
		if (dr->atts[i]->sealed != NULL) {
			snprintf(err, errlen, "attachment %.64s was sealed for "
			    "the readers before: attach it again",
			    dr->atts[i]->name);
			return 0;
		}
	return 1;
}

/* Writes the draft as revision id; the reply, or NULL with err. */
static json_t *
draft_write(struct node *n, store_txn_t *txn, struct draft *dr,
    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	struct doc_seal_undo	u;
	char			why[300];
	int			rc, sealed;

	sealed = doc_readers_sealed(dr->d.readers, dr->d.n_readers);

	dr->d.fields = dr->fields;
	dr->d.attachments = dr->atts;
	rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
	rb.doc = &dr->d;
	if (!sealed && !clear_atts(dr, err, errlen))
		return NULL;
	/* With readers: sealed for them, and no relay reads it. */
	if (sealed && doc_seal(n, txn, &rb, &u, err, errlen) != 0) {
		doc_seal_undo(&rb, &u);
		return NULL;
	}
	rc = record_write(n, txn, &rb, id, why, sizeof(why));
	if (sealed)
		doc_seal_undo(&rb, &u);
	if (rc != 0) {
		snprintf(err, errlen, "refused: %s", why);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o}", "db", dr->d.db, "id",
	    view_hex(dr->doc, sizeof(dr->doc)), "rev", view_hex_id(id));
}

/* Attachment name of the n of atts, or NULL. */
static const Nodenet__PayloadRef *
att_named(Nodenet__PayloadRef *const *atts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(atts[i]->name, name) == 0)
			return atts[i];
	return NULL;
}

/* The attachment called name the draft, or else its base, holds. */
static const Nodenet__PayloadRef *
draft_att(const struct draft *dr, const char *name)
{
	const Nodenet__PayloadRef	*a;

	if ((a = att_named(dr->atts, dr->d.n_attachments, name)) == NULL &&
	    dr->base.rb != NULL && dr->closed[0] == '\0')
		a = att_named(dr->base.rb->doc->attachments,
		    dr->base.rb->doc->n_attachments, name);
	return a;
}

/* Drops attachment name from the draft, if it has one. */
static void
draft_detach(struct draft *dr, const char *name)
{
	for (size_t i = 0; i < dr->d.n_attachments; i++)
		if (strcmp(dr->atts[i]->name, name) == 0) {
			if (dr->att_owned[i])
				attach_free(dr->atts[i]);
			dr->d.n_attachments--;
			dr->atts[i] = dr->atts[dr->d.n_attachments];
			dr->att_owned[i] = dr->att_owned[dr->d.n_attachments];
			return;
		}
}

/*
 * Applies "detach": [NAME...] and "attach": [{name, path, media_type?}]
 * (the node reads the file: the control socket is its owner's alone).
 */
static int
draft_attachments(struct node *n, store_txn_t *txn, struct draft *dr,
    json_t *req, char *err, size_t errlen)
{
	json_t	*detach = json_object_get(req, "detach");
	json_t	*attach = json_object_get(req, "attach"), *v;
	size_t	 i;

	if ((detach != NULL && !json_is_array(detach)) ||
	    (attach != NULL && !json_is_array(attach))) {
		snprintf(err, errlen, "attach: [{name, path, media_type}]; "
		    "detach: [name]");
		return -1;
	}
	json_array_foreach(detach, i, v)
		if (json_is_string(v))
			draft_detach(dr, json_string_value(v));
	json_array_foreach(attach, i, v) {
		const char		*name = json_string_value(
		    json_object_get(v, "name"));
		const char		*path = json_string_value(
		    json_object_get(v, "path"));
		const char		*type = json_string_value(
		    json_object_get(v, "media_type"));
		Nodenet__PayloadRef	*a;
		const Nodenet__PayloadRef *prev;

		if (name == NULL || path == NULL) {
			snprintf(err, errlen, "attach %zu: needs a name and "
			    "a path", i);
			return -1;
		}
		prev = draft_att(dr, name);
		if (att_named(dr->atts, dr->d.n_attachments, name) == NULL &&
		    dr->d.n_attachments == DOC_MAX_ATTACHMENTS) {
			snprintf(err, errlen, "at most %d attachments",
			    DOC_MAX_ATTACHMENTS);
			return -1;
		}
		if (attach_file(n, txn, dr->d.db, dr->d.readers,
		    dr->d.n_readers, name, type != NULL ? type :
		    "application/octet-stream", path, prev, &a, err,
		    errlen) != 0)
			return -1;
		draft_detach(dr, name);
		dr->atts = xrealloc(dr->atts, dr->d.n_attachments + 1,
		    sizeof(*dr->atts));
		dr->att_owned = xrealloc(dr->att_owned,
		    dr->d.n_attachments + 1, 1);
		dr->atts[dr->d.n_attachments] = a;
		dr->att_owned[dr->d.n_attachments++] = 1;
	}
	return 0;
}

/*
 * The reply to a request whose key was seen: the first one's, from the
 * revision rev its key names, with "duplicate". That record gone (its
 * document was deleted and purged since), the request's db and id, if it
 * names a document.
 */
static json_t *
key_reply(struct node *n, json_t *req, const uint8_t rev[WIRE_ID_BYTES],
    char *err, size_t errlen)
{
	struct store_record	 rec;
	Nodenet__RecordBody	*rb = NULL;
	uint8_t			 doc[STORE_DOC_ID_BYTES];
	json_t			*r = NULL;
	int			 rc;

	/* Ours, and checked against its id as it is read: no verify. */
	if ((rc = store_get(node_txn(n), rev, &rec)) == 0)
		rb = nodenet__record_body__unpack(NULL, rec.body_len,
		    rec.body);
	if (rb != NULL && rb->kind_case == NODENET__RECORD_BODY__KIND_DOC &&
	    rb->doc->doc_id.len == STORE_DOC_ID_BYTES)
		r = json_pack("{s:s, s:o}", "db", rb->doc->db, "id",
		    view_hex(rb->doc->doc_id.data, STORE_DOC_ID_BYTES));
	else if (rc == STORE_NOTFOUND && doc_view_doc_id(req, "id", doc) == 0)
		r = json_pack("{s:s, s:o}", "db", json_string_value(
		    json_object_get(req, "db")), "id", view_hex(doc,
		    sizeof(doc)));
	else if (rc == 0)
		snprintf(err, errlen, "key: used before for a record that is "
		    "not a document revision");
	else if (rc == STORE_NOTFOUND)
		snprintf(err, errlen, "key: used before for a revision no "
		    "longer held here (its document was purged)");
	else
		snprintf(err, errlen, "store unavailable");
	if (rb != NULL)
		nodenet__record_body__free_unpacked(rb, NULL);
	if (r != NULL) {
		json_object_set_new(r, "rev", view_hex_id(rev));
		json_object_set_new(r, "duplicate", json_true());
	}
	return r;
}

/*
 * Reply r of revision rev, written for key (NULL: none): the key is
 * remembered with it, in its transaction. NULL with err if it cannot be:
 * the transaction is given up, and the revision with it.
 */
static json_t *
key_keep(struct node *n, const char *key, const uint8_t rev[WIRE_ID_BYTES],
    json_t *r, char *err, size_t errlen)
{
	if (key == NULL)
		return r;
	if (ctl_key_remember(n, key, rev, "nothing was written", err,
	    errlen) != 0) {
		json_decref(r);
		return NULL;
	}
	json_object_set_new(r, "duplicate", json_false());
	return r;
}

/* A "whole" doc_put: what the request does not give is dropped. */
static void
draft_empty(struct draft *dr)
{
	while (dr->d.n_fields > 0)
		if (dr->owned[--dr->d.n_fields])
			doc_view_field_free(dr->fields[dr->d.n_fields]);
	while (dr->d.n_attachments > 0)
		if (dr->att_owned[--dr->d.n_attachments])
			attach_free(dr->atts[dr->d.n_attachments]);
}

static int
field_same(const Nodenet__Field *a, const Nodenet__Field *b)
{
	if (a->value_case != b->value_case)
		return 0;
	switch (a->value_case) {
	case NODENET__FIELD__VALUE_TEXT:
		return strcmp(a->text, b->text) == 0;
	case NODENET__FIELD__VALUE_NUMBER:
		return a->number == b->number;
	case NODENET__FIELD__VALUE_TIME_MS:
		return a->time_ms == b->time_ms;
	case NODENET__FIELD__VALUE_LIST:
		if (a->list->n_items != b->list->n_items)
			return 0;
		for (size_t i = 0; i < a->list->n_items; i++)
			if (strcmp(a->list->items[i], b->list->items[i]) != 0)
				return 0;
		return 1;
	case NODENET__FIELD__VALUE_DATA:
		return a->data.len == b->data.len && (a->data.len == 0 ||
		    memcmp(a->data.data, b->data.data, a->data.len) == 0);
	default:
		return 0;	/* a kind we do not know: not the same */
	}
}

/* The same bytes under the same name: of a sealed one, its plaintext's
 * (each sealing makes another ciphertext). */
static int
att_same(const Nodenet__PayloadRef *a, const Nodenet__PayloadRef *b)
{
	const ProtobufCBinaryData	*ha = a->sealed != NULL ?
	    &a->sealed->hash : &a->hash;
	const ProtobufCBinaryData	*hb = b->sealed != NULL ?
	    &b->sealed->hash : &b->hash;

	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->media_type, b->media_type) == 0 &&
	    (a->sealed != NULL) == (b->sealed != NULL) &&
	    (a->sealed != NULL ? a->sealed->size == b->sealed->size :
	    a->size == b->size) && ha->len == hb->len &&
	    memcmp(ha->data, hb->data, ha->len) == 0;
}

/*
 * 1 if the draft holds what the revision it starts from holds: the same
 * fields, readers and attachments, in any order (names are unique in
 * each; readers are a set).
 */
static int
draft_same(const struct draft *dr)
{
	const Nodenet__DocRevision	*b = dr->base.rb->doc;
	size_t				 i, j;

	if (b->deleted || dr->d.n_fields != b->n_fields ||
	    dr->d.n_readers != b->n_readers ||
	    dr->d.n_attachments != b->n_attachments)
		return 0;
	for (i = 0; i < dr->d.n_fields; i++) {
		for (j = 0; j < b->n_fields && strcmp(dr->fields[i]->name,
		    b->fields[j]->name) != 0; j++)
			;
		if (j == b->n_fields || !field_same(dr->fields[i],
		    b->fields[j]))
			return 0;
	}
	for (i = 0; i < dr->d.n_readers; i++) {
		for (j = 0; j < b->n_readers && strcmp(dr->d.readers[i],
		    b->readers[j]) != 0; j++)
			;
		if (j == b->n_readers)
			return 0;
	}
	for (i = 0; i < dr->d.n_attachments; i++) {
		for (j = 0; j < b->n_attachments && !att_same(dr->atts[i],
		    b->attachments[j]); j++)
			;
		if (j == b->n_attachments)
			return 0;
	}
	return 1;
}

/* The reply to a whole doc_put that changes nothing: the winner's. */
static json_t *
unchanged_reply(const struct draft *dr, const char *key)
{
	json_t	*r = json_pack("{s:s, s:o, s:o, s:b}", "db", dr->d.db, "id",
	    view_hex(dr->doc, sizeof(dr->doc)), "rev",
	    view_hex_id(dr->base.id), "unchanged", 1);

	if (key != NULL)
		json_object_set_new(r, "duplicate", json_false());
	return r;
}

static json_t *
cmd_doc_put(struct node *n, json_t *req, char *err, size_t errlen)
{
	struct draft	 dr;
	const char	*db, *name, *key;
	json_t		*fields = json_object_get(req, "fields");
	json_t		*readers = json_object_get(req, "readers"), *v, *r = NULL;
	json_t		*empty = NULL;
	store_txn_t	*txn;
	uint8_t		 rev[WIRE_ID_BYTES];
	struct ctl_psig	 ps;
	size_t		 i;
	int		 chunks, seen, signed_by;
	int		 whole = json_is_true(json_object_get(req, "whole"));

	if (ctl_key(req, &key, err, errlen) != 0 ||
	    (db = doc_view_db(req, err, errlen)) == NULL)
		return NULL;
	if (!json_is_object(fields) || json_object_size(fields) >
	    DOC_MAX_FIELDS || (readers != NULL && (!json_is_array(readers) ||
	    json_array_size(readers) > DOC_MAX_PATTERNS))) {
		snprintf(err, errlen, "doc put needs fields (an object of at "
		    "most %d) and maybe readers (a list of patterns)",
		    DOC_MAX_FIELDS);
		return NULL;
	}
	/* A repeat: nothing is read or written again, attachments neither. */
	if ((seen = ctl_key_seen(n, key, rev, err, errlen)) != 0)
		return seen < 0 ? NULL : key_reply(n, req, rev, err, errlen);
	/*
	 * Chunks are written before the revision that names them: with
	 * some to write, what the write transaction holds is committed
	 * first, so that it can be given up if the revision is refused.
	 * The key goes in the revision's transaction: it names the
	 * revision and its chunks, all stored or none.
	 */
	if ((chunks = json_array_size(json_object_get(req, "attach")) > 0))
		node_commit(n);
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if (draft_begin(n, txn, req, db, 1, NULL, 0, &dr, err, errlen) != 0)
		goto out;
	if (dr.closed[0] != '\0') {
		snprintf(err, errlen, "%s; only its readers can edit it",
		    dr.closed);
		goto out;
	}
	if (whole) {
		draft_empty(&dr);
		if (readers == NULL)
			readers = empty = json_array();
	}
	json_object_foreach(fields, name, v)
		if (draft_field(&dr, name, v, err, errlen) != 0)
			goto out;
	if (readers != NULL) {
		dr.d.readers = xcalloc(json_array_size(readers) + 1,
		    sizeof(char *));
		dr.d.n_readers = 0;
		json_array_foreach(readers, i, v) {
			const char	*p = json_string_value(v);

			if (p == NULL || !doc_pattern_valid(p)) {
				snprintf(err, errlen, "readers: patterns "
				    "(NAME, *.NAME or *)");
				goto out;
			}
			dr.d.readers[dr.d.n_readers++] = xstrdup(p);
		}
	}
	/* Signed last: over the fields as the revision holds them. */
	if ((signed_by = ctl_signed_by(n, req, &ps, err, errlen)) < 0)
		goto out;
	if (signed_by == 1)
		dr.d.signed_by = &ps.ps;
	/* After the readers: chunks go where the revision goes. */
	if (draft_attachments(n, txn, &dr, req, err, errlen) != 0)
		goto undo;
	/*
	 * The same document again (an import run anew after its keys
	 * expired): no revision, and no key, which would name none. Its
	 * attachments are the winner's, hash for hash: a chunk written now
	 * is one of the winner's that was missing here, and stays.
	 */
	if (whole && dr.base.rb != NULL && draft_same(&dr)) {
		r = unchanged_reply(&dr, key);
		goto out;
	}
	if ((r = draft_write(n, txn, &dr, rev, err, errlen)) != NULL) {
		r = key_keep(n, key, rev, r, err, errlen); /* fails whole */
		goto out;
	}
undo:
	if (chunks)
		node_abort(n);	/* this request's chunks, and only them */
out:
	json_decref(empty);
	draft_free(&dr);
	return r;
}

static json_t *
cmd_doc_rm(struct node *n, json_t *req, char *err, size_t errlen)
{
	struct draft	 dr;
	const char	*db, *key;
	store_txn_t	*txn;
	uint8_t		 rev[WIRE_ID_BYTES];
	json_t		*r = NULL;
	int		 seen;

	if (ctl_key(req, &key, err, errlen) != 0 ||
	    (db = doc_view_db(req, err, errlen)) == NULL)
		return NULL;
	if ((seen = ctl_key_seen(n, key, rev, err, errlen)) != 0)
		return seen < 0 ? NULL : key_reply(n, req, rev, err, errlen);
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if (draft_begin(n, txn, req, db, 0, NULL, 1, &dr, err, errlen) != 0)
		goto out;
	if (dr.d.n_parents == 0) {
		snprintf(err, errlen, "that document is deleted already");
		goto out;
	}
	/* A stub: no fields, every live leaf ended. */
	for (size_t i = 0; i < dr.d.n_fields; i++)
		if (dr.owned[i])
			doc_view_field_free(dr.fields[i]);
	dr.d.n_fields = 0;
	for (size_t i = 0; i < dr.d.n_attachments; i++)
		if (dr.att_owned[i])
			attach_free(dr.atts[i]);
	dr.d.n_attachments = 0;
	dr.d.deleted = 1;
	if ((r = draft_write(n, txn, &dr, rev, err, errlen)) != NULL)
		r = key_keep(n, key, rev, r, err, errlen);
out:
	draft_free(&dr);
	return r;
}

static json_t *
cmd_doc_resolve(struct node *n, json_t *req, char *err, size_t errlen)
{
	struct draft	 dr;
	struct store_head h;
	struct store_rev rv;
	const char	*db;
	store_txn_t	*txn;
	uint8_t		 keep[STORE_ID_BYTES], doc[STORE_DOC_ID_BYTES];
	uint8_t		 rev[WIRE_ID_BYTES];
	json_t		*r = NULL, *keepv = json_object_get(req, "keep");

	if ((db = doc_view_db(req, err, errlen)) == NULL)
		return NULL;
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return NULL;
	}
	if (doc_view_doc_id(req, "id", doc) != 0 ||
	    store_head_get(txn, db, doc, &h) != 0) {
		snprintf(err, errlen, "no such document in %s here", db);
		return NULL;
	}
	if (h.flags & STORE_HEAD_PURGED) {
		snprintf(err, errlen, DOC_VIEW_PURGED ": nothing to resolve");
		return NULL;
	}
	if (h.conflicts == 0) {
		snprintf(err, errlen, "that document has no conflicts");
		return NULL;
	}
	memcpy(keep, h.winner, sizeof(keep));
	if (keepv != NULL && (view_parse_id(keepv, keep) != 0 ||
	    store_rev_get(txn, db, doc, keep, &rv) != 0 ||
	    (rv.flags & STORE_REV_DELETED))) {
		snprintf(err, errlen, "keep: a live revision of this "
		    "document (doc history lists them)");
		return NULL;
	}
	if (draft_begin(n, txn, req, db, 0, keep, 1, &dr, err, errlen) == 0) {
		if (dr.closed[0] != '\0')
			snprintf(err, errlen, "%s; only its readers can "
			    "resolve it", dr.closed);
		else
			r = draft_write(n, txn, &dr, rev, err, errlen);
	}
	draft_free(&dr);
	return r;
}

/*
 * One item of doc_put_batch: a doc_put without attachments, whose chunks
 * would be committed before it, apart from the rest of the batch.
 */
static json_t *
doc_put_item(struct node *n, json_t *item, char *err, size_t errlen)
{
	if (json_array_size(json_object_get(item, "attach")) > 0) {
		snprintf(err, errlen, "attach: not in a batch (a doc_put of "
		    "its own takes attachments)");
		return NULL;
	}
	return cmd_doc_put(n, item, err, errlen);
}

/* Many documents in one request and one commit: ctl_batch(). */
static json_t *
cmd_doc_put_batch(struct node *n, json_t *req, char *err, size_t errlen)
{
	return ctl_batch(n, req, "doc_put", doc_put_item, err, errlen);
}

const struct ctl_command ctl_doc_commands[] = {
	{ "db_create", cmd_db_create },
	{ "db_ls", cmd_read },
	{ "db_acl", cmd_db_acl },
	{ "db_digest", cmd_read },
	{ "doc_put", cmd_doc_put },
	{ "doc_put_batch", cmd_doc_put_batch },
	{ "doc_get", cmd_read },
	{ "doc_ls", cmd_read },
	{ "doc_rm", cmd_doc_rm },
	{ "doc_history", cmd_read },
	{ "doc_attachment", cmd_read },
	{ "doc_conflicts", cmd_read },
	{ "doc_resolve", cmd_doc_resolve },
	{ NULL, NULL },
};
