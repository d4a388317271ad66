/*
 * doc: the rules of databases and documents; see doc.h.
 *
 * Which ACL is in force: the chain whose creator is highest in the tree
 * (fewest labels) wins, then the higher creation id; within it the
 * deepest ACL, then the higher id. A chain so depends only on records,
 * never on arrival order, and no node can take over a database by
 * creating one of the same name lower down.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "doc.h"
#include "name.h"

static const char *const level_names[] = {
	"none", "depositor", "reader", "author", "editor", "manager",
};

const char *
doc_level_name(int level)
{
	if (level < DOC_NONE || level > DOC_MANAGER)
		return "?";
	return level_names[level];
}

int
doc_level_parse(const char *s)
{
	for (int i = DOC_NONE; i <= DOC_MANAGER; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

int
doc_db_name_valid(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > STORE_MAX_DB)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
doc_pattern_valid(const char *p)
{
	if (strcmp(p, "*") == 0)
		return 1;
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	return name_valid(p);
}

int
doc_pattern_match(const char *p, const char *name)
{
	if (strcmp(p, "*") == 0)
		return 1;
	if (strncmp(p, "*.", 2) == 0)
		return name_strictly_within(name, p + 2) ? 2 + (int)strlen(p) :
		    0;
	return strcmp(p, name) == 0 ? 2 + NAME_MAX_LEN + 2 : 0;
}

int
doc_scope_valid(const char *scope)
{
	return strcmp(scope, "*") == 0 || name_valid(scope);
}

int
doc_scope_covers(const char *scope, const char *name)
{
	return strcmp(scope, "*") == 0 || name_within(name, scope);
}

int
doc_acl_level(const Nodenet__Acl *acl, const char *name)
{
	int	best = 0, level = DOC_NONE;

	for (size_t i = 0; i < acl->n_entries; i++) {
		int	m = doc_pattern_match(acl->entries[i]->pattern, name);

		if (m > best) {
			best = m;
			level = acl->entries[i]->level;
		}
	}
	return level;
}

/* Decodes a stored record (verified when it came in). */
static Nodenet__RecordBody *
load_body(store_txn_t *txn, const uint8_t id[STORE_ID_BYTES], int *rc)
{
	struct store_record	 rec;
	Nodenet__RecordBody	*rb;

	if ((*rc = store_get(txn, id, &rec)) != 0)
		return NULL;
	if ((rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		*rc = STORE_CORRUPT;
	return rb;
}

/* 1 if ACL a takes precedence over b (see the top of this file). */
static int
acl_before(const struct store_acl *a, const struct store_acl *b)
{
	int	c;

	if (a->creator_rank != b->creator_rank)
		return a->creator_rank < b->creator_rank;
	if ((c = memcmp(a->creation, b->creation, STORE_ID_BYTES)) != 0)
		return c > 0;
	if (a->depth != b->depth)
		return a->depth > b->depth;
	return memcmp(a->id, b->id, STORE_ID_BYTES) > 0;
}

/*
 * The ACL in force per database, as last read. An entry holds while
 * acl_gen stays: it moves on every ACL applied and at the end of every
 * write transaction (the node's turn), committed or given up, so what a
 * reader saw before a commit, or in a write that was undone, does not
 * outlive it. One process, one thread (the node's loop, or node-ctl).
 */
#define ACL_CACHE	8
static struct {
	char		db[STORE_MAX_DB + 1];
	uint64_t	gen;
	struct doc_acl	acl;
} acl_cache[ACL_CACHE];
static uint64_t	acl_gen = 1;
static unsigned	acl_next;

void
doc_acl_forget(void)
{
	acl_gen++;
}

void
doc_acl_clear(struct doc_acl *a)
{
	if (a->rb != NULL && !a->cached)
		nodenet__record_body__free_unpacked(a->rb, NULL);
	memset(a, 0, sizeof(*a));
}

static int	acl_load(store_txn_t *, const char *, struct doc_acl *);

int
doc_acl_current(store_txn_t *txn, const char *db, struct doc_acl *out)
{
	unsigned	i;
	int		rc;

	for (i = 0; i < ACL_CACHE; i++)
		if (acl_cache[i].gen == acl_gen &&
		    strcmp(acl_cache[i].db, db) == 0) {
			*out = acl_cache[i].acl;
			return 0;
		}
	if ((rc = acl_load(txn, db, out)) != 0 ||
	    strlen(db) > STORE_MAX_DB)
		return rc;
	i = acl_next++ % ACL_CACHE;
	acl_cache[i].acl.cached = 0;
	doc_acl_clear(&acl_cache[i].acl);
	snprintf(acl_cache[i].db, sizeof(acl_cache[i].db), "%s", db);
	acl_cache[i].gen = acl_gen;
	acl_cache[i].acl = *out;
	acl_cache[i].acl.cached = 1;
	out->cached = 1;
	return 0;
}

static int
acl_load(store_txn_t *txn, const char *db, struct doc_acl *out)
{
	struct store_acl	a, best;
	const uint8_t		*after = NULL;
	int			 rc, found = 0;

	memset(out, 0, sizeof(*out));
	while ((rc = store_acl_next(txn, db, after, &a)) == 0) {
		if (!found || acl_before(&a, &best))
			best = a;
		found = 1;
		after = a.id;	/* read into the key before a is written */
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	if (!found)
		return STORE_NOTFOUND;
	memcpy(out->id, best.id, STORE_ID_BYTES);
	out->index = best;
	if ((out->rb = load_body(txn, best.id, &rc)) == NULL)
		return rc;
	if (out->rb->kind_case != NODENET__RECORD_BODY__KIND_ACL) {
		doc_acl_clear(out);
		return STORE_CORRUPT;
	}
	out->acl = out->rb->acl;
	return 0;
}

static unsigned
labels(const char *name)
{
	unsigned	n = 1;

	for (; *name != '\0'; name++)
		n += *name == '.';
	return n;
}

static int
patterns_valid(char **p, size_t n, char *why, size_t whylen,
    const char *what)
{
	if (n > DOC_MAX_PATTERNS) {
		snprintf(why, whylen, "more than %d %s", DOC_MAX_PATTERNS,
		    what);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!doc_pattern_valid(p[i])) {
			snprintf(why, whylen, "%s: not a pattern", what);
			return 0;
		}
	return 1;
}

static enum doc_verdict
admit_acl(store_txn_t *txn, const struct wire_record *wr, const char *root,
    char *why, size_t whylen)
{
	const Nodenet__RecordBody	*rb = wr->rb;
	const Nodenet__Acl		*acl = rb->acl;
	struct store_acl		 prev;
	Nodenet__RecordBody		*pb;
	enum doc_verdict		 v = DOC_REFUSE;
	int				 rc;

	if (!doc_db_name_valid(acl->db)) {
		snprintf(why, whylen, "ACL: bad database name");
		return DOC_REFUSE;
	}
	if (!doc_scope_valid(acl->scope)) {
		snprintf(why, whylen, "ACL of %s: bad scope", acl->db);
		return DOC_REFUSE;
	}
	if (acl->n_entries > DOC_MAX_PATTERNS) {
		snprintf(why, whylen, "ACL of %s: over %d entries", acl->db,
		    DOC_MAX_PATTERNS);
		return DOC_REFUSE;
	}
	for (size_t i = 0; i < acl->n_entries; i++)
		if (!doc_pattern_valid(acl->entries[i]->pattern) ||
		    (int)acl->entries[i]->level < DOC_NONE ||
		    (int)acl->entries[i]->level > DOC_MANAGER) {
			snprintf(why, whylen, "ACL of %s: bad entry %zu",
			    acl->db, i);
			return DOC_REFUSE;
		}
	if (acl->previous.len == 0) {
		if (strcmp(rb->origin, root) != 0 &&
		    !name_within(acl->scope, rb->origin)) {
			snprintf(why, whylen, "ACL of %s: %s may not create a "
			    "database for %s", acl->db, rb->origin,
			    acl->scope);
			return DOC_REFUSE;
		}
		return DOC_ACCEPT;
	}
	if (acl->previous.len != STORE_ID_BYTES ||
	    store_acl_get(txn, acl->db, acl->previous.data, &prev) != 0) {
		snprintf(why, whylen, "ACL of %s: the ACL it replaces is not "
		    "held", acl->db);
		return DOC_REFUSE;
	}
	if ((pb = load_body(txn, acl->previous.data, &rc)) == NULL) {
		snprintf(why, whylen, "ACL of %s: %s", acl->db,
		    store_strerror(rc));
		return DOC_REFUSE;
	}
	if (pb->kind_case != NODENET__RECORD_BODY__KIND_ACL ||
	    strcmp(pb->acl->scope, acl->scope) != 0)
		snprintf(why, whylen, "ACL of %s: the scope cannot change",
		    acl->db);
	else if (doc_acl_level(pb->acl, rb->origin) < DOC_MANAGER)
		snprintf(why, whylen, "ACL of %s: %s is not a manager",
		    acl->db, rb->origin);
	else
		v = DOC_ACCEPT;
	nodenet__record_body__free_unpacked(pb, NULL);
	return v;
}

static int
fields_valid(const Nodenet__DocRevision *d, char *why, size_t whylen)
{
	if (d->n_fields > DOC_MAX_FIELDS) {
		snprintf(why, whylen, "more than %d fields", DOC_MAX_FIELDS);
		return 0;
	}
	for (size_t i = 0; i < d->n_fields; i++) {
		const Nodenet__Field	*f = d->fields[i];
		size_t			 size = 0;

		if (f->name[0] == '\0' || strlen(f->name) >
		    DOC_MAX_FIELD_NAME) {
			snprintf(why, whylen, "field %zu: bad name", i);
			return 0;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->fields[j]->name, f->name) == 0) {
				snprintf(why, whylen, "field %s twice",
				    f->name);
				return 0;
			}
		switch (f->value_case) {
		case NODENET__FIELD__VALUE_TEXT:
			size = strlen(f->text);
			break;
		case NODENET__FIELD__VALUE_NUMBER:
			if (!isfinite(f->number)) {
				snprintf(why, whylen, "field %s: not a finite "
				    "number", f->name);
				return 0;
			}
			break;
		case NODENET__FIELD__VALUE_TIME_MS:
			break;
		case NODENET__FIELD__VALUE_LIST:
			for (size_t j = 0; j < f->list->n_items; j++)
				size += strlen(f->list->items[j]) + 1;
			break;
		case NODENET__FIELD__VALUE_DATA:
			size = f->data.len;
			break;
		default:
			snprintf(why, whylen, "field %s: no value of a known "
			    "kind", f->name);
			return 0;
		}
		if (size > DOC_MAX_VALUE) {
			snprintf(why, whylen, "field %s: over %u bytes",
			    f->name, DOC_MAX_VALUE);
			return 0;
		}
	}
	return 1;
}

static int
attachments_valid(const Nodenet__DocRevision *d, char *why, size_t whylen)
{
	if (d->n_attachments > DOC_MAX_ATTACHMENTS) {
		snprintf(why, whylen, "more than %d attachments",
		    DOC_MAX_ATTACHMENTS);
		return 0;
	}
	for (size_t i = 0; i < d->n_attachments; i++) {
		const Nodenet__PayloadRef	*a = d->attachments[i];
		uint64_t			 n;

		if (a->name[0] == '\0' || strlen(a->name) > 255 ||
		    strlen(a->media_type) > 255) {
			snprintf(why, whylen, "attachment %zu: bad name", i);
			return 0;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->attachments[j]->name, a->name) == 0) {
				snprintf(why, whylen, "attachment %s twice",
				    a->name);
				return 0;
			}
		if (a->size == 0 || a->size > DOC_MAX_ATTACHMENT) {
			snprintf(why, whylen, "attachment %s: 1 to %u bytes",
			    a->name, DOC_MAX_ATTACHMENT);
			return 0;
		}
		n = a->chunk_size == 0 ? 0 : (a->size + a->chunk_size - 1) /
		    a->chunk_size;
		if (a->chunk_size == 0 || a->chunk_size > DOC_CHUNK_BYTES ||
		    a->hash.len != STORE_ID_BYTES || n != a->n_chunks) {
			snprintf(why, whylen, "attachment %s: bad chunking",
			    a->name);
			return 0;
		}
		for (size_t j = 0; j < a->n_chunks; j++)
			if (a->chunks[j].len != STORE_ID_BYTES) {
				snprintf(why, whylen, "attachment %s: bad chunk "
				    "hash", a->name);
				return 0;
			}
	}
	return 1;
}

/* What the writer's level lets it do to this document. */
static int
allowed(int level, const Nodenet__DocRevision *d, const struct store_head *h,
    int exists, const char *origin, char *why, size_t whylen)
{
	int	own = !exists || strcmp(h->author, origin) == 0;

	if (level >= DOC_EDITOR)
		return 1;
	if (level == DOC_AUTHOR && own)
		return 1;
	if (level == DOC_DEPOSITOR && !exists && d->n_parents == 0 &&
	    !d->deleted)
		return 1;
	if (level == DOC_AUTHOR)
		snprintf(why, whylen, "%s: an author cannot change another's "
		    "document", origin);
	else if (level == DOC_DEPOSITOR)
		snprintf(why, whylen, "%s: a depositor can only add "
		    "documents", origin);
	else
		snprintf(why, whylen, "%s: %s may not write here", origin,
		    doc_level_name(level));
	return 0;
}

static enum doc_verdict
admit_rev(store_txn_t *txn, const struct wire_record *wr, char *why,
    size_t whylen)
{
	const Nodenet__DocRevision	*d = wr->rb->doc;
	struct doc_acl			 acl;
	struct store_head		 h;
	struct store_rev		 r;
	int				 exists, rc, ok;

	if (!doc_db_name_valid(d->db)) {
		snprintf(why, whylen, "revision: bad database name");
		return DOC_REFUSE;
	}
	if (d->doc_id.len != STORE_DOC_ID_BYTES) {
		snprintf(why, whylen, "revision: a document id is %d bytes",
		    STORE_DOC_ID_BYTES);
		return DOC_REFUSE;
	}
	if ((rc = store_head_get(txn, d->db, d->doc_id.data, &h)) != 0 &&
	    rc != STORE_NOTFOUND) {
		snprintf(why, whylen, "revision: %s", store_strerror(rc));
		return DOC_REFUSE;
	}
	exists = rc == 0;
	/* Known by id: a copy of a revision whose record was purged. */
	if (exists && store_rev_get(txn, d->db, d->doc_id.data, wr->id,
	    &r) == 0)
		return DOC_DROP;
	if (d->n_parents > DOC_MAX_PARENTS) {
		snprintf(why, whylen, "revision: over %d parents",
		    DOC_MAX_PARENTS);
		return DOC_REFUSE;
	}
	for (size_t i = 0; i < d->n_parents; i++)
		if (d->parents[i].len != STORE_ID_BYTES || store_rev_get(txn,
		    d->db, d->doc_id.data, d->parents[i].data, &r) != 0) {
			snprintf(why, whylen, "revision: bad parent reference "
			    "%zu (not a revision of this document here)", i);
			return DOC_REFUSE;
		}
	if (!fields_valid(d, why, whylen) || !attachments_valid(d, why,
	    whylen) || !patterns_valid(d->readers, d->n_readers, why, whylen,
	    "readers"))
		return DOC_REFUSE;
	if ((rc = doc_acl_current(txn, d->db, &acl)) != 0) {
		snprintf(why, whylen, "revision: %s", rc == STORE_NOTFOUND ?
		    "unknown database" : store_strerror(rc));
		return DOC_REFUSE;
	}
	ok = allowed(doc_acl_level(acl.acl, wr->rb->origin), d, &h, exists,
	    wr->rb->origin, why, whylen);
	doc_acl_clear(&acl);
	return ok ? DOC_ACCEPT : DOC_REFUSE;
}

static enum doc_verdict
admit_chunk(store_txn_t *txn, const struct wire_record *wr, char *why,
    size_t whylen)
{
	const Nodenet__Chunk	*c = wr->rb->chunk;
	struct doc_acl		 acl;
	uint8_t			 hash[STORE_ID_BYTES];
	int			 level, rc;

	if (!doc_db_name_valid(c->db)) {
		snprintf(why, whylen, "chunk: bad database name");
		return DOC_REFUSE;
	}
	if (c->data.len == 0 || c->data.len > DOC_CHUNK_BYTES ||
	    c->hash.len != STORE_ID_BYTES) {
		snprintf(why, whylen, "chunk: 1 to %u bytes and a hash",
		    DOC_CHUNK_BYTES);
		return DOC_REFUSE;
	}
	crypto_generichash(hash, sizeof(hash), c->data.data, c->data.len,
	    NULL, 0);
	if (sodium_memcmp(hash, c->hash.data, sizeof(hash)) != 0) {
		snprintf(why, whylen, "chunk: its bytes do not match its hash");
		return DOC_REFUSE;
	}
	if (!patterns_valid(c->readers, c->n_readers, why, whylen, "readers"))
		return DOC_REFUSE;
	if ((rc = doc_acl_current(txn, c->db, &acl)) != 0) {
		snprintf(why, whylen, "chunk: %s", rc == STORE_NOTFOUND ?
		    "unknown database" : store_strerror(rc));
		return DOC_REFUSE;
	}
	level = doc_acl_level(acl.acl, wr->rb->origin);
	doc_acl_clear(&acl);
	if (level < DOC_DEPOSITOR || level == DOC_READER) {
		snprintf(why, whylen, "%s: %s may not write here",
		    wr->rb->origin, doc_level_name(level));
		return DOC_REFUSE;
	}
	return DOC_ACCEPT;
}

enum doc_verdict
doc_admit(store_txn_t *txn, const struct wire_record *wr, const char *root,
    char *why, size_t whylen)
{
	switch (wr->rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_ACL:
		return admit_acl(txn, wr, root, why, whylen);
	case NODENET__RECORD_BODY__KIND_DOC:
		return admit_rev(txn, wr, why, whylen);
	case NODENET__RECORD_BODY__KIND_CHUNK:
		return admit_chunk(txn, wr, why, whylen);
	default:
		return DOC_ACCEPT;
	}
}

static int
apply_acl(store_txn_t *txn, const struct wire_record *wr)
{
	const Nodenet__Acl	*acl = wr->rb->acl;
	struct store_acl	 a, prev;
	int			 rc;

	doc_acl_forget();
	memcpy(a.id, wr->id, STORE_ID_BYTES);
	if (acl->previous.len == 0) {
		memcpy(a.creation, wr->id, STORE_ID_BYTES);
		a.depth = 1;
		a.creator_rank = labels(wr->rb->origin);
	} else {
		if ((rc = store_acl_get(txn, acl->db, acl->previous.data,
		    &prev)) != 0)
			return rc;
		memcpy(a.creation, prev.creation, STORE_ID_BYTES);
		a.depth = prev.depth + 1;
		a.creator_rank = prev.creator_rank;
	}
	return store_acl_put(txn, acl->db, &a);
}

/* 1 if revision a wins over b: live, then deeper, then higher id. */
static int
rev_before(const struct store_rev *a, const struct store_rev *b)
{
	int	ad = a->flags & STORE_REV_DELETED, bd = b->flags &
	    STORE_REV_DELETED;

	if (ad != bd)
		return !ad;
	if (a->depth != b->depth)
		return a->depth > b->depth;
	return memcmp(a->id, b->id, STORE_ID_BYTES) > 0;
}

/* Picks the document's winner among its leaves again. */
static int
settle(store_txn_t *txn, const char *db, struct store_head *h)
{
	struct store_rev	r, win;
	uint32_t		live = 0;
	int			rc, found = 0;

	for (rc = store_rev_next(txn, db, h->doc, NULL, &r); rc == 0;
	    rc = store_rev_next(txn, db, h->doc, r.id, &r)) {
		if (!(r.flags & STORE_REV_LEAF))
			continue;
		live += !(r.flags & STORE_REV_DELETED);
		if (!found || rev_before(&r, &win))
			win = r;
		found = 1;
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	if (!found)
		return STORE_CORRUPT;	/* a tree always has a leaf */
	h->flags = win.flags & STORE_REV_DELETED ? STORE_HEAD_DELETED |
	    (memcmp(h->winner, win.id, STORE_ID_BYTES) == 0 ? h->flags &
	    STORE_HEAD_PURGED : 0) : 0;
	memcpy(h->winner, win.id, STORE_ID_BYTES);
	h->depth = win.depth;
	h->conflicts = live - (live > 0 && !(win.flags & STORE_REV_DELETED) ?
	    1 : 0);
	if ((rc = store_head_put(txn, db, h)) != 0)
		return rc;
	return store_stub_set(txn, db, h->doc, h->flags & STORE_HEAD_DELETED);
}

static int
apply_rev(store_txn_t *txn, const struct wire_record *wr)
{
	const Nodenet__DocRevision	*d = wr->rb->doc;
	struct store_head		 h;
	struct store_rev		 r, p;
	int				 rc;

	memcpy(r.id, wr->id, STORE_ID_BYTES);
	r.depth = 1;
	r.flags = STORE_REV_LEAF | (d->deleted ? STORE_REV_DELETED : 0);
	for (size_t i = 0; i < d->n_parents; i++) {
		if ((rc = store_rev_get(txn, d->db, d->doc_id.data,
		    d->parents[i].data, &p)) != 0)
			return rc;
		if (p.depth + 1 > r.depth)
			r.depth = p.depth + 1;
		if (p.flags & STORE_REV_LEAF) {
			p.flags &= ~STORE_REV_LEAF;
			if ((rc = store_rev_put(txn, d->db, d->doc_id.data,
			    &p)) != 0)
				return rc;
		}
	}
	if ((rc = store_rev_put(txn, d->db, d->doc_id.data, &r)) != 0)
		return rc;
	if ((rc = store_head_get(txn, d->db, d->doc_id.data, &h)) ==
	    STORE_NOTFOUND) {
		memset(&h, 0, sizeof(h));
		memcpy(h.doc, d->doc_id.data, STORE_DOC_ID_BYTES);
		snprintf(h.author, sizeof(h.author), "%s", wr->rb->origin);
	} else if (rc != 0)
		return rc;
	return settle(txn, d->db, &h);
}

int
doc_apply(store_txn_t *txn, const struct wire_record *wr)
{
	int	rc;

	switch (wr->rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_ACL:
		return apply_acl(txn, wr);
	case NODENET__RECORD_BODY__KIND_DOC:
		return apply_rev(txn, wr);
	case NODENET__RECORD_BODY__KIND_CHUNK:
		rc = store_chunk_put(txn, wr->rb->chunk->db,
		    wr->rb->chunk->hash.data, wr->id);
		return rc == STORE_HELD ? 0 : rc;
	default:
		return 0;
	}
}

static int
readers_match(char **readers, size_t n, const char *name)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (doc_pattern_match(readers[i], name))
			return 1;
	return 0;
}

int
doc_feed_wants(store_txn_t *txn, const char *self, const char *peer,
    const Nodenet__RecordBody *rb)
{
	struct doc_acl	 acl;
	const char	*db;
	char		**readers;
	size_t		 n_readers;
	int		 want;

	switch (rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_ACL:
		/* To replicas, and down the way to the scope. */
		return doc_scope_covers(rb->acl->scope, peer) ||
		    (name_within(rb->acl->scope, peer) &&
		    name_is_child(peer, self));
	case NODENET__RECORD_BODY__KIND_DOC:
		db = rb->doc->db;
		readers = rb->doc->readers;
		n_readers = rb->doc->n_readers;
		break;
	case NODENET__RECORD_BODY__KIND_CHUNK:
		db = rb->chunk->db;
		readers = rb->chunk->readers;
		n_readers = rb->chunk->n_readers;
		break;
	default:
		return 0;
	}
	if (!readers_match(readers, n_readers, peer) ||
	    doc_acl_current(txn, db, &acl) != 0)
		return 0;
	want = doc_scope_covers(acl.acl->scope, peer) &&
	    doc_acl_level(acl.acl, peer) >= DOC_READER;
	doc_acl_clear(&acl);
	return want;
}

size_t
doc_chunks_held(store_txn_t *txn, const char *db, const Nodenet__PayloadRef *a)
{
	uint8_t	id[STORE_ID_BYTES];
	size_t	held = 0;

	for (size_t i = 0; i < a->n_chunks; i++)
		held += a->chunks[i].len == STORE_ID_BYTES &&
		    store_chunk_get(txn, db, a->chunks[i].data, id) == 0;
	return held;
}

int
doc_conflict_next(store_txn_t *txn, const char *db, const struct store_head *h,
    const uint8_t *after, struct store_rev *out)
{
	int	rc;

	while ((rc = store_rev_next(txn, db, h->doc, after, out)) == 0) {
		if ((out->flags & (STORE_REV_LEAF | STORE_REV_DELETED)) ==
		    STORE_REV_LEAF && memcmp(out->id, h->winner,
		    STORE_ID_BYTES) != 0)
			return 0;
		after = out->id;
	}
	return rc;
}

int
doc_digest(store_txn_t *txn, const char *db, uint8_t out[STORE_ID_BYTES],
    uint64_t *docs, uint64_t *conflicts)
{
	crypto_generichash_state	 st;
	struct store_head		 h;
	struct store_rev		 r;
	const uint8_t			*after = NULL;
	uint8_t				 last[STORE_DOC_ID_BYTES];
	int				 rc;

	*docs = *conflicts = 0;
	crypto_generichash_init(&st, (const uint8_t *)"nodenet-digest-v1", 17,
	    STORE_ID_BYTES);
	while ((rc = store_head_next(txn, db, after, &h)) == 0) {
		memcpy(last, h.doc, sizeof(last));
		after = last;
		if (h.flags & STORE_HEAD_DELETED)
			continue;	/* deleted or purged: the same */
		(*docs)++;
		crypto_generichash_update(&st, h.doc, STORE_DOC_ID_BYTES);
		crypto_generichash_update(&st, h.winner, STORE_ID_BYTES);
		for (rc = doc_conflict_next(txn, db, &h, NULL, &r); rc == 0;
		    rc = doc_conflict_next(txn, db, &h, r.id, &r)) {
			(*conflicts)++;
			crypto_generichash_update(&st, (const uint8_t *)"c", 1);
			crypto_generichash_update(&st, r.id, STORE_ID_BYTES);
		}
		if (rc != STORE_NOTFOUND)
			return rc;
		crypto_generichash_update(&st, (const uint8_t *)";", 1);
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	crypto_generichash_final(&st, out, STORE_ID_BYTES);
	return 0;
}
