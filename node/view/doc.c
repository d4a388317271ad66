/*
 * doc: the rules of databases and documents; see doc.h.
 *
 * Signers are ranked: the pinned root (its name and key) first, then
 * fewer labels, then the name, bytewise. Which ACL is in force depends
 * only on the ACLs held, never on the order they came in:
 * - the chain is the creation whose creator ranks first, then the one
 *   with the higher id; a creation that ranks below one held is refused,
 *   as is every replacement in a chain not in force;
 * - in it, from the creation on, each ACL's best replacement, until one
 *   has none. Of two replacements of one ACL, the better is the one in
 *   whose subtree (it and all that replace it, directly or not) the
 *   best-ranked signer signed; then the deeper subtree; then the higher
 *   id. So a branch from an older ACL wins only if someone in it
 *   outranks everyone who signed what it would undo.
 * Nothing ever outranks the root: a replacement that branches off where
 * the root has signed a replacement since can never be in force, and is
 * refused (it could be, were it kept, only if the root signed below it).
 *
 * A document's id may name the key of its first revision's writer
 * (doc_id_new()). Such a proven first revision fixes the author: no other
 * first revision is taken once it is held, and unproven ones held before
 * it are forgotten when it comes, so that replicas converge on it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "doc.h"
#include "name.h"
#include "xmem.h"

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

static unsigned
labels(const char *name)
{
	unsigned	n = 1;

	for (; *name != '\0'; name++)
		n += *name == '.';
	return n;
}

/* A signer's rank: 0 for the pinned root, else its name's labels. */
static uint32_t
rank_of(const char *origin, const ProtobufCBinaryData *key, const char *root,
    const uint8_t *root_key)
{
	if (strcmp(origin, root) == 0 && key->len == 32 &&
	    memcmp(key->data, root_key, 32) == 0)
		return 0;
	return labels(origin);
}

/* < 0 if signer (ra, na) ranks above (rb, nb), 0 if they are one. */
static int
rank_cmp(uint32_t ra, const char *na, uint32_t rb, const char *nb)
{
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(na, nb);
}

/* 1 if creation a takes precedence over creation b. */
static int
creation_before(const struct store_acl *a, const struct store_acl *b)
{
	int	c = rank_cmp(a->rank, a->signer, b->rank, b->signer);

	return c != 0 ? c < 0 : memcmp(a->id, b->id, STORE_ID_BYTES) > 0;
}

/*
 * Every ACL of a database held, as a forest (see the top of this file):
 * for each its parent, its best replacement, and over its subtree the
 * best-ranked signer and the greatest depth.
 */
struct acl_node {
	struct store_acl	 a;
	long			 parent;	/* -1: a creation (or orphan) */
	long			 best;		/* best replacement, or -1 */
	uint32_t		 auth_rank;	/* best signer of the subtree */
	const char		*auth_name;
	uint32_t		 height;	/* deepest depth in the subtree */
	uint32_t		 root_kids;	/* replacements the root is in */
};

struct acl_tree {
	struct acl_node	*n;		/* in id order */
	size_t		 len;
	long		 chain;		/* the creation in force, or -1 */
	long		 head;		/* the ACL in force, or -1 */
};

static void
tree_free(struct acl_tree *t)
{
	free(t->n);
	memset(t, 0, sizeof(*t));
}

static long
tree_find(const struct acl_tree *t, const uint8_t *id)
{
	size_t	lo = 0, hi = t->len;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;
		int	c = memcmp(t->n[mid].a.id, id, STORE_ID_BYTES);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* 1 if replacement x is better than its sibling y. */
static int
child_before(const struct acl_node *x, const struct acl_node *y)
{
	int	c = rank_cmp(x->auth_rank, x->auth_name, y->auth_rank,
	    y->auth_name);

	if (c != 0)
		return c < 0;
	if (x->height != y->height)
		return x->height > y->height;
	return memcmp(x->a.id, y->a.id, STORE_ID_BYTES) > 0;
}

struct by_depth {
	uint32_t	depth;
	long		i;
};

static int
deeper_first(const void *a, const void *b)
{
	const struct by_depth	*x = a, *y = b;

	return x->depth == y->depth ? 0 : x->depth > y->depth ? -1 : 1;
}

/* Reads db's ACLs into t: 0, STORE_NOTFOUND if it has none, or an error. */
static int
tree_load(store_txn_t *txn, const char *db, struct acl_tree *t)
{
	struct store_acl	 a;
	struct by_depth		*order;
	size_t			 cap = 0;
	long			 i, p;
	int			 rc;

	memset(t, 0, sizeof(*t));
	t->chain = t->head = -1;
	/* In key order, which is id order. */
	while ((rc = store_acl_next(txn, db, t->len > 0 ?
	    t->n[t->len - 1].a.id : NULL, &a)) == 0) {
		if (t->len == cap) {
			cap = cap == 0 ? 8 : 2 * cap;
			t->n = xrealloc(t->n, cap, sizeof(*t->n));
		}
		t->n[t->len].a = a;
		t->n[t->len].auth_rank = a.rank;
		t->n[t->len].height = a.depth;
		t->n[t->len].best = -1;
		t->n[t->len].root_kids = 0;
		t->len++;
	}
	if (rc != STORE_NOTFOUND || t->len == 0) {
		tree_free(t);
		return rc;
	}
	order = xcalloc(t->len, sizeof(*order));
	for (i = 0; i < (long)t->len; i++) {
		struct acl_node	*x = &t->n[i];

		x->auth_name = x->a.signer;
		x->parent = x->a.depth > 1 ? tree_find(t, x->a.previous) : -1;
		order[i].depth = x->a.depth;
		order[i].i = i;
	}
	/* Children before parents: a replacement is one deeper. */
	qsort(order, t->len, sizeof(*order), deeper_first);
	for (size_t k = 0; k < t->len; k++) {
		struct acl_node	*x = &t->n[order[k].i], *y;

		if (x->parent < 0)
			continue;
		y = &t->n[x->parent];
		if (rank_cmp(x->auth_rank, x->auth_name, y->auth_rank,
		    y->auth_name) < 0) {
			y->auth_rank = x->auth_rank;
			y->auth_name = x->auth_name;
		}
		if (x->height > y->height)
			y->height = x->height;
		y->root_kids += x->auth_rank == 0;
	}
	free(order);
	for (i = 0; i < (long)t->len; i++) {
		struct acl_node	*x = &t->n[i];

		if ((p = x->parent) >= 0) {
			if (t->n[p].best < 0 || child_before(x,
			    &t->n[t->n[p].best]))
				t->n[p].best = i;
		} else if (x->a.depth == 1 && (t->chain < 0 ||
		    creation_before(&x->a, &t->n[t->chain].a)))
			t->chain = i;
	}
	if (t->chain < 0) {
		tree_free(t);		/* replacements, and no creation */
		return STORE_CORRUPT;
	}
	for (t->head = t->chain; t->n[t->head].best >= 0;
	    t->head = t->n[t->head].best)
		;
	return 0;
}

/*
 * The ACL in force per database, as last read. An entry holds for the
 * transactions that see what it was read in (store_txn_generation()),
 * until an ACL is applied (acl_gen): what a reader saw before a commit,
 * or in a write that was undone, is never taken for what another sees.
 * One process, one thread (the node's loop, or node-ctl).
 */
#define ACL_CACHE	8
static struct {
	char		db[STORE_MAX_DB + 1];
	uint64_t	txn_gen;
	uint64_t	gen;
	struct doc_acl	acl;
} acl_cache[ACL_CACHE];
static uint64_t	acl_gen = 1;
static unsigned	acl_next;

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
		    acl_cache[i].txn_gen == store_txn_generation(txn) &&
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
	acl_cache[i].txn_gen = store_txn_generation(txn);
	acl_cache[i].acl = *out;
	acl_cache[i].acl.cached = 1;
	out->cached = 1;
	return 0;
}

static int
acl_load(store_txn_t *txn, const char *db, struct doc_acl *out)
{
	struct acl_tree	t;
	int		rc;

	memset(out, 0, sizeof(*out));
	if ((rc = tree_load(txn, db, &t)) != 0)
		return rc;
	out->index = t.n[t.head].a;
	memcpy(out->id, out->index.id, STORE_ID_BYTES);
	tree_free(&t);
	if ((out->rb = load_body(txn, out->id, &rc)) == NULL)
		return rc;
	if (out->rb->kind_case != NODENET__RECORD_BODY__KIND_ACL) {
		doc_acl_clear(out);
		return STORE_CORRUPT;
	}
	out->acl = out->rb->acl;
	return 0;
}

int
doc_may_create(store_txn_t *txn, const char *db, const char *name,
    const uint8_t key[32], const char *root, const uint8_t *root_key)
{
	ProtobufCBinaryData	 k = { 32, (uint8_t *)(uintptr_t)key };
	struct acl_tree		 t;
	uint32_t		 rank = rank_of(name, &k, root, root_key);
	int			 may;

	if (tree_load(txn, db, &t) != 0)
		return 1;
	may = rank_cmp(t.n[t.chain].a.rank, t.n[t.chain].a.signer, rank,
	    name) > 0;
	tree_free(&t);
	return may;
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

/*
 * Whether creation wr may be stored: refused if a creation held ranks
 * above it (it could never be in force).
 */
static enum doc_verdict
admit_creation(store_txn_t *txn, const struct wire_record *wr,
    uint32_t rank, char *why, size_t whylen)
{
	const Nodenet__RecordBody	*rb = wr->rb;
	struct store_acl		 me;
	struct acl_tree			 t;
	enum doc_verdict		 v = DOC_ACCEPT;
	int				 rc;

	if ((rc = tree_load(txn, rb->acl->db, &t)) == STORE_NOTFOUND)
		return DOC_ACCEPT;
	if (rc != 0) {
		snprintf(why, whylen, "ACL of %s: %s", rb->acl->db,
		    store_strerror(rc));
		return DOC_REFUSE;
	}
	memcpy(me.id, wr->id, STORE_ID_BYTES);
	me.rank = rank;
	snprintf(me.signer, sizeof(me.signer), "%s", rb->origin);
	if (creation_before(&t.n[t.chain].a, &me)) {
		if (strcmp(t.n[t.chain].a.signer, rb->origin) == 0)
			snprintf(why, whylen, "ACL of %s: %s created it "
			    "already", rb->acl->db, rb->origin);
		else
			snprintf(why, whylen, "ACL of %s: a creation by %s, "
			    "who ranks above %s, is held", rb->acl->db,
			    t.n[t.chain].a.signer, rb->origin);
		v = DOC_REFUSE;
	}
	tree_free(&t);
	return v;
}

/*
 * Whether replacement wr of ACL prev may be stored (its signer already
 * known to be a manager of prev): refused if it could never be in force.
 * That is so if prev is not in the chain in force, or if at prev or at
 * any ACL above it, a sibling of the way down to wr has a subtree the
 * root signed in and that way has none: the root outranks everyone, and
 * never signs below two siblings (it signs only below the ACL in force
 * at the root, which a subtree it is in always holds).
 */
static enum doc_verdict
admit_branch(store_txn_t *txn, const struct wire_record *wr, uint32_t rank,
    char *why, size_t whylen)
{
	const Nodenet__Acl	*acl = wr->rb->acl;
	struct acl_tree		 t;
	enum doc_verdict	 v = DOC_ACCEPT;
	long			 cur, up;
	int			 rc;

	if ((rc = tree_load(txn, acl->db, &t)) != 0) {
		snprintf(why, whylen, "ACL of %s: %s", acl->db,
		    store_strerror(rc));
		return DOC_REFUSE;
	}
	if ((cur = tree_find(&t, acl->previous.data)) < 0) {
		snprintf(why, whylen, "ACL of %s: the ACL it replaces is not "
		    "held", acl->db);
		v = DOC_REFUSE;
	} else if (memcmp(t.n[cur].a.creation, t.n[t.chain].a.id,
	    STORE_ID_BYTES) != 0) {
		snprintf(why, whylen, "ACL of %s: it replaces an ACL of a "
		    "creation not in force (%s's ranks above)", acl->db,
		    t.n[t.chain].a.signer);
		v = DOC_REFUSE;
	} else if (rank != 0) {
		if (t.n[cur].root_kids > 0)
			v = DOC_REFUSE;
		for (; v == DOC_ACCEPT && (up = t.n[cur].parent) >= 0;
		    cur = up)
			if (t.n[cur].auth_rank != 0 && t.n[up].root_kids > 0)
				v = DOC_REFUSE;
		if (v == DOC_REFUSE)
			snprintf(why, whylen, "ACL of %s: it branches from an "
			    "ACL the root has replaced since", acl->db);
	}
	tree_free(&t);
	return v;
}

static enum doc_verdict
admit_acl(store_txn_t *txn, const struct wire_record *wr, const char *root,
    const uint8_t *root_key, char *why, size_t whylen)
{
	const Nodenet__RecordBody	*rb = wr->rb;
	const Nodenet__Acl		*acl = rb->acl;
	struct store_acl		 prev;
	Nodenet__RecordBody		*pb;
	enum doc_verdict		 v = DOC_REFUSE;
	uint32_t			 rank;
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
	rank = rank_of(rb->origin, &rb->origin_key, root, root_key);
	if (acl->previous.len == 0) {
		if (rank != 0 && !name_within(acl->scope, rb->origin)) {
			snprintf(why, whylen, "ACL of %s: %s may not create a "
			    "database for %s", acl->db, rb->origin,
			    acl->scope);
			return DOC_REFUSE;
		}
		return admit_creation(txn, wr, rank, why, whylen);
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
	if (v == DOC_ACCEPT)
		v = admit_branch(txn, wr, rank, why, whylen);
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

/*
 * A sealed revision's attachments are nameless where relays see them
 * (wire_doc_check()): their names are checked where they are opened.
 */
static int
attachments_valid(const Nodenet__DocRevision *d, int named, char *why,
    size_t whylen)
{
	if (d->n_attachments > DOC_MAX_ATTACHMENTS) {
		snprintf(why, whylen, "more than %d attachments",
		    DOC_MAX_ATTACHMENTS);
		return 0;
	}
	for (size_t i = 0; i < d->n_attachments; i++) {
		const Nodenet__PayloadRef	*a = d->attachments[i];
		uint64_t			 n;

		if (named && (a->name[0] == '\0' || strlen(a->name) > 255 ||
		    strlen(a->media_type) > 255)) {
			snprintf(why, whylen, "attachment %zu: bad name", i);
			return 0;
		}
		for (size_t j = 0; named && j < i; j++)
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

int
doc_content_valid(const Nodenet__DocRevision *d, char *why, size_t whylen)
{
	return fields_valid(d, why, whylen) && attachments_valid(d, 1, why,
	    whylen);
}

/*
 * The tag a document id made by key ends with: the first 8 bytes of
 * BLAKE2b-256, keyed with "nodenet-doc-id-v1", of key and the id's first
 * 8 bytes.
 */
static void
id_tag(const uint8_t key[32], const uint8_t *doc, uint8_t tag[8])
{
	uint8_t	in[32 + 8], h[32];

	memcpy(in, key, 32);
	memcpy(in + 32, doc, 8);
	crypto_generichash(h, sizeof(h), in, sizeof(in),
	    (const uint8_t *)"nodenet-doc-id-v1", 17);
	memcpy(tag, h, 8);
}

void
doc_id_new(const uint8_t key[32], uint8_t out[STORE_DOC_ID_BYTES])
{
	uint8_t	n[8];

	randombytes_buf(n, sizeof(n));
	doc_id_named(key, n, out);
}

void
doc_id_named(const uint8_t key[32], const uint8_t n[8],
    uint8_t out[STORE_DOC_ID_BYTES])
{
	memmove(out, n, 8);
	id_tag(key, out, out + 8);
}

/* 1 if revision rb is a first revision its document's id names. */
static int
proves(const Nodenet__RecordBody *rb)
{
	const Nodenet__DocRevision	*d = rb->doc;
	uint8_t				 tag[8];

	if (d->n_parents != 0 || d->doc_id.len != STORE_DOC_ID_BYTES ||
	    rb->origin_key.len != 32)
		return 0;
	id_tag(rb->origin_key.data, d->doc_id.data, tag);
	return memcmp(tag, d->doc_id.data + 8, sizeof(tag)) == 0;
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
	if (!fields_valid(d, why, whylen) || !attachments_valid(d,
	    d->sealed == NULL, why, whylen) || !patterns_valid(d->readers,
	    d->n_readers, why, whylen, "readers"))
		return DOC_REFUSE;
	/*
	 * A first revision the id names fixes the author, wherever it goes:
	 * none other is taken for its document, and what was taken before
	 * it (first revisions the id does not name, and theirs) gives way.
	 */
	if (exists && d->n_parents == 0) {
		if ((h.flags & STORE_HEAD_PROVEN) && (!proves(wr->rb) ||
		    strcmp(h.author, wr->rb->origin) != 0)) {
			snprintf(why, whylen, "revision: document started by "
			    "%s; %s may not start it again", h.author,
			    wr->rb->origin);
			return DOC_REFUSE;
		}
		if (!(h.flags & STORE_HEAD_PROVEN) && proves(wr->rb))
			exists = 0;
	}
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
    const uint8_t *root_key, char *why, size_t whylen)
{
	switch (wr->rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_ACL:
		return admit_acl(txn, wr, root, root_key, why, whylen);
	case NODENET__RECORD_BODY__KIND_DOC:
		return admit_rev(txn, wr, why, whylen);
	case NODENET__RECORD_BODY__KIND_CHUNK:
		return admit_chunk(txn, wr, why, whylen);
	default:
		return DOC_ACCEPT;
	}
}

static int
apply_acl(store_txn_t *txn, const struct wire_record *wr, const char *root,
    const uint8_t *root_key)
{
	const Nodenet__Acl	*acl = wr->rb->acl;
	struct store_acl	 a, prev;
	int			 rc;

	acl_gen++;	/* what was read of the ACLs may be stale */
	memset(&a, 0, sizeof(a));
	memcpy(a.id, wr->id, STORE_ID_BYTES);
	a.rank = rank_of(wr->rb->origin, &wr->rb->origin_key, root, root_key);
	snprintf(a.signer, sizeof(a.signer), "%s", wr->rb->origin);
	if (acl->previous.len == 0) {
		memcpy(a.creation, wr->id, STORE_ID_BYTES);
		a.depth = 1;
	} else {
		if ((rc = store_acl_get(txn, acl->db, acl->previous.data,
		    &prev)) != 0)
			return rc;
		memcpy(a.creation, prev.creation, STORE_ID_BYTES);
		memcpy(a.previous, prev.id, STORE_ID_BYTES);
		a.depth = prev.depth + 1;
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

/*
 * Writes head h with win as its winner and live live leaves, and the
 * document's stub as win leaves it.
 */
static int
head_set(store_txn_t *txn, const char *db, struct store_head *h,
    const struct store_rev *win, uint32_t live)
{
	int	rc;

	h->flags = (h->flags & STORE_HEAD_PROVEN) | (win->flags &
	    STORE_REV_DELETED ? STORE_HEAD_DELETED | (memcmp(h->winner,
	    win->id, STORE_ID_BYTES) == 0 ? h->flags & STORE_HEAD_PURGED :
	    0) : 0);
	memcpy(h->winner, win->id, STORE_ID_BYTES);
	h->depth = win->depth;
	h->conflicts = live - (live > 0 && !(win->flags & STORE_REV_DELETED) ?
	    1 : 0);
	if ((rc = store_head_put(txn, db, h)) != 0)
		return rc;
	return store_stub_set(txn, db, h->doc, h->flags & STORE_HEAD_DELETED);
}

/* Picks the document's winner among all its leaves again. */
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
	return head_set(txn, db, h, &win, live);
}

/*
 * Settles h after its new leaf r, whose parents took live_gone live
 * leaves from the tree, winner_gone if the winner among them. Each
 * revision would cost a read of all the document's revisions (settle())
 * and a document edited for years holds tens of thousands; the answer
 * mostly follows from the head alone. The winner is the best live leaf,
 * which no other live leaf is deeper than: a live r, one deeper than
 * its parents, is better than every live leaf if it replaced the
 * winner, wins alone if nothing lived, and else is weighed against the
 * winner alone. A deleted r leaves a live winner that is not its parent
 * as it was. Only a delete of the winner (or of a document nothing of
 * which lives) reads them all, for the best leaf left may be any stub.
 */
static int
settle_after(store_txn_t *txn, const char *db, struct store_head *h,
    const struct store_rev *r, uint32_t live_gone, int winner_gone)
{
	static const uint8_t	 none[STORE_ID_BYTES];
	struct store_rev	 win;
	int			 winner_live;
	uint32_t		 live;

	winner_live = memcmp(h->winner, none, sizeof(none)) != 0 &&
	    !(h->flags & STORE_HEAD_DELETED);
	live = winner_live ? h->conflicts + 1 : 0;
	if (live_gone > live || ((r->flags & STORE_REV_DELETED) &&
	    (!winner_live || winner_gone)))
		return settle(txn, db, h);
	memcpy(win.id, h->winner, STORE_ID_BYTES);
	win.depth = h->depth;
	win.flags = STORE_REV_LEAF;
	live -= live_gone;
	if (!(r->flags & STORE_REV_DELETED)) {
		live++;
		if (!winner_live || winner_gone || rev_before(r, &win))
			win = *r;
	}
	return head_set(txn, db, h, &win, live);
}

/*
 * Forgets every revision held of document h (none of which its id
 * names): a first revision the id names came. Their records go too, so
 * that they are sent no further.
 */
static int
void_doc(store_txn_t *txn, const char *db, struct store_head *h)
{
	struct store_rev	r;
	int			rc;

	while ((rc = store_rev_next(txn, db, h->doc, NULL, &r)) == 0) {
		if ((rc = store_rev_del(txn, db, h->doc, r.id)) != 0 ||
		    ((rc = store_purge(txn, r.id)) != 0 &&
		    rc != STORE_NOTFOUND))
			return rc;
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	memset(h->winner, 0, sizeof(h->winner));
	h->flags = 0;
	return 0;
}

static int
apply_rev(store_txn_t *txn, const struct wire_record *wr)
{
	const Nodenet__DocRevision	*d = wr->rb->doc;
	struct store_head		 h;
	struct store_rev		 r, p;
	uint32_t			 live_gone = 0;
	int				 rc, winner_gone = 0;
	int				 proven = proves(wr->rb);

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
			live_gone += !(p.flags & STORE_REV_DELETED);
			p.flags &= ~STORE_REV_LEAF;
			if ((rc = store_rev_put(txn, d->db, d->doc_id.data,
			    &p)) != 0)
				return rc;
		}
	}
	if ((rc = store_head_get(txn, d->db, d->doc_id.data, &h)) ==
	    STORE_NOTFOUND) {
		memset(&h, 0, sizeof(h));
		memcpy(h.doc, d->doc_id.data, STORE_DOC_ID_BYTES);
		snprintf(h.author, sizeof(h.author), "%s", wr->rb->origin);
	} else if (rc != 0)
		return rc;
	else if (proven && !(h.flags & STORE_HEAD_PROVEN)) {
		if ((rc = void_doc(txn, d->db, &h)) != 0)
			return rc;
		snprintf(h.author, sizeof(h.author), "%s", wr->rb->origin);
	}
	if (proven)
		h.flags |= STORE_HEAD_PROVEN;
	if ((rc = store_rev_put(txn, d->db, d->doc_id.data, &r)) != 0)
		return rc;
	for (size_t i = 0; i < d->n_parents; i++)
		winner_gone |= memcmp(d->parents[i].data, h.winner,
		    STORE_ID_BYTES) == 0;
	return settle_after(txn, d->db, &h, &r, live_gone, winner_gone);
}

int
doc_apply(store_txn_t *txn, const struct wire_record *wr, const char *root,
    const uint8_t *root_key)
{
	int	rc;

	switch (wr->rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_ACL:
		return apply_acl(txn, wr, root, root_key);
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
doc_readers_sealed(char **readers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(readers[i], "*") == 0)
			return 0;
	return n > 0;
}

/* 1 if a node that the patterns match lies in sub's subtree. */
static int
readers_below(char **readers, size_t n, const char *sub)
{
	for (size_t i = 0; i < n; i++) {
		const char	*p = readers[i];
		int		 star = strncmp(p, "*.", 2) == 0;

		if (strcmp(p, "*") == 0 || name_within(star ? p + 2 : p, sub) ||
		    (star && name_strictly_within(sub, p + 2)))
			return 1;
	}
	return 0;
}

/* 1 if a node that the patterns match lies outside self's subtree. */
static int
readers_outside(char **readers, size_t n, const char *self)
{
	for (size_t i = 0; i < n; i++) {
		const char	*p = readers[i];

		if (strcmp(p, "*") == 0 || !name_within(strncmp(p, "*.", 2) ==
		    0 ? p + 2 : p, self))
			return 1;
	}
	return 0;
}

/* 1 if parent is name's parent in the tree: the root a one-label
 * name's. */
static int
parent_of(const char *parent, const char *name, const char *root)
{
	if (strcmp(parent, root) == 0)
		return strcmp(name, root) != 0 && strchr(name, '.') == NULL;
	return name_is_child(name, parent);
}

/*
 * 1 if peer is on a way from self toward a node the readers match: a
 * child whose subtree holds one, the parent if one is outside ours.
 * Only sealed records go so: no relay reads them.
 */
static int
readers_via(char **readers, size_t n, const char *self, const char *peer,
    const char *root)
{
	if (parent_of(self, peer, root))
		return readers_below(readers, n, peer);
	if (parent_of(peer, self, root))
		return readers_outside(readers, n, self);
	return 0;
}

int
doc_feed_wants(store_txn_t *txn, const char *self, const char *peer,
    const char *root, const Nodenet__RecordBody *rb)
{
	struct doc_acl	 acl;
	const char	*db;
	char		**readers;
	size_t		 n_readers;
	int		 want, sealed;

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
		sealed = rb->doc->sealed != NULL;
		break;
	case NODENET__RECORD_BODY__KIND_CHUNK:
		db = rb->chunk->db;
		readers = rb->chunk->readers;
		n_readers = rb->chunk->n_readers;
		sealed = rb->chunk->sealed;
		break;
	default:
		return 0;
	}
	if (!readers_match(readers, n_readers, peer) && (!sealed ||
	    !readers_via(readers, n_readers, self, peer, root)))
		return 0;
	if (doc_acl_current(txn, db, &acl) != 0)
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
doc_rev_conflicts(const struct store_head *h, const struct store_rev *r)
{
	return (r->flags & (STORE_REV_LEAF | STORE_REV_DELETED)) ==
	    STORE_REV_LEAF && memcmp(r->id, h->winner, STORE_ID_BYTES) != 0;
}

/* A revision whose record is damaged here counts apart: replicas agree
 * only once it is repaired. */
static void
digest_damage(crypto_generichash_state *st, store_txn_t *txn,
    const uint8_t *rev)
{
	struct store_damage	d;

	if (store_damage_get(txn, rev, &d) == 0)
		crypto_generichash_update(st, (const uint8_t *)"!", 1);
}

int
doc_digest(store_txn_t *txn, const char *db, uint64_t max,
    uint8_t out[STORE_ID_BYTES], uint64_t *docs, uint64_t *conflicts)
{
	crypto_generichash_state	 st;
	struct store_head		 h;
	struct store_rev		 r;
	const uint8_t			*after = NULL, *rev;
	uint8_t				 last[STORE_DOC_ID_BYTES];
	uint64_t			 read = 0, found;
	int				 rc;

	*docs = *conflicts = 0;
	crypto_generichash_init(&st, (const uint8_t *)"nodenet-digest-v1", 17,
	    STORE_ID_BYTES);
	while ((rc = store_head_next(txn, db, after, &h)) == 0) {
		if (read++ == max)
			return DOC_TOO_MANY;
		memcpy(last, h.doc, sizeof(last));
		after = last;
		if (h.flags & STORE_HEAD_DELETED)
			continue;	/* deleted or purged: the same */
		(*docs)++;
		crypto_generichash_update(&st, h.doc, STORE_DOC_ID_BYTES);
		crypto_generichash_update(&st, h.winner, STORE_ID_BYTES);
		digest_damage(&st, txn, h.winner);
		/* In id order, up to the last of h.conflicts. */
		for (found = 0, rev = NULL; found < h.conflicts &&
		    (rc = store_rev_next(txn, db, h.doc, rev, &r)) == 0;
		    rev = r.id) {
			if (read++ == max)
				return DOC_TOO_MANY;
			if (!doc_rev_conflicts(&h, &r))
				continue;
			found++;
			crypto_generichash_update(&st, (const uint8_t *)"c", 1);
			crypto_generichash_update(&st, r.id, STORE_ID_BYTES);
			digest_damage(&st, txn, r.id);
		}
		if (found < h.conflicts && rc != STORE_NOTFOUND)
			return rc;
		*conflicts += found;
		crypto_generichash_update(&st, (const uint8_t *)";", 1);
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	crypto_generichash_final(&st, out, STORE_ID_BYTES);
	return 0;
}
