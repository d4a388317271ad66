/*
 * test_doc: the rules of databases and documents (node/view/doc.c), as
 * proto/README.md "Databases and documents" states them.
 *
 * A tree of real keys: the pinned root "tw", the province "hagiang", two
 * districts "bacquang.hagiang" and "vixuyen.hagiang", the commune
 * "tanthanh.bacquang.hagiang", and a rogue key that signs as "tw". Records
 * are made and signed as a node makes them (wire_record_make) and offered
 * to a store as a peer's batch is taken in (node/repl.c): doc_admit(),
 * then store_put() and doc_apply(), one committed transaction each.
 *
 * What must hold: who may create and replace an ACL, and who may write
 * which document; which creation and which replacement is in force, the
 * same whatever order the ACLs came in (the root outranking all, then
 * fewer labels, then the name); a proven first revision fixing a
 * document's author, also over unproven ones that came before it; the
 * winner and conflicts of a document; what a feed sends where; and that
 * two stores given the same records in another order agree.
 *
 * doc.c keeps the ACL in force in a cache that lives as long as the
 * process, keyed to what a transaction sees (store_txn_generation()):
 * nothing here clears it, so an answer that outlived its store (two
 * stores of a test hold the same database names) or its transaction
 * would fail a test.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "doc.h"
#include "key.h"
#include "store.h"
#include "wire.h"
#include "store_fixture.h"

#define ROOT	"tw"
#define PROV	"hagiang"
#define DIST	"bacquang.hagiang"
#define DIST2	"vixuyen.hagiang"
#define COMM	"tanthanh.bacquang.hagiang"
#define DB	"hoso"
#define T0	UINT64_C(1700000000000)

static key_pair_t	*k_root, *k_prov, *k_dist, *k_dist2, *k_comm, *k_rogue;

/* The records a test made, cleared by its teardown. */
#define MAX_MADE	256
static struct wire_record	made[MAX_MADE];
static size_t			nmade;
static uint64_t			origin_seq;

/* Why doc_admit() refused the last record offered. */
static char	why[256];

static int
keys_setup(void **state)
{
	(void)state;
	k_root = key_generate();
	k_prov = key_generate();
	k_dist = key_generate();
	k_dist2 = key_generate();
	k_comm = key_generate();
	k_rogue = key_generate();
	return k_root == NULL || k_prov == NULL || k_dist == NULL ||
	    k_dist2 == NULL || k_comm == NULL || k_rogue == NULL ? -1 : 0;
}

static int
keys_teardown(void **state)
{
	(void)state;
	key_free(&k_root);
	key_free(&k_prov);
	key_free(&k_dist);
	key_free(&k_dist2);
	key_free(&k_comm);
	key_free(&k_rogue);
	return 0;
}

static int
doc_teardown(void **state)
{
	while (nmade > 0)
		wire_record_clear(&made[--nmade]);
	return teardown(state);
}

/* Signs rb as origin with kp, as a node writes a record. */
static const struct wire_record *
sign(key_pair_t *kp, const char *origin, Nodenet__RecordBody *rb)
{
	struct wire_record	*wr;
	uint8_t			*buf, id[WIRE_ID_BYTES];
	size_t			 len;

	assert_true(nmade < MAX_MADE);
	wr = &made[nmade];
	rb->origin = (char *)(uintptr_t)origin;
	rb->origin_seq = ++origin_seq;		/* every record its own id */
	rb->created_ms = T0 + origin_seq;
	assert_int_equal(wire_record_make(kp, rb, &buf, &len, id), 0);
	assert_int_equal(wire_record_open(buf, len, wr), 0);
	free(buf);
	nmade++;
	assert_memory_equal(wr->id, id, sizeof(id));
	return wr;
}

/*
 * An ACL of db for scope, replacing prev (NULL: a creation), with the
 * entries "PATTERN=LEVEL ..." (a level by name, or by number).
 */
static const struct wire_record *
acl(key_pair_t *kp, const char *origin, const char *db, const char *scope,
    const struct wire_record *prev, const char *entries)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__Acl		 a = NODENET__ACL__INIT;
	Nodenet__Acl__Entry	 e[DOC_MAX_PATTERNS + 1];
	Nodenet__Acl__Entry	*ep[DOC_MAX_PATTERNS + 1];
	char			 buf[(DOC_MAX_PATTERNS + 1) * 16], *p, *tok;
	char			*save, *eq;
	size_t			 n = 0;
	int			 level;

	assert_true(strlen(entries) < sizeof(buf));
	snprintf(buf, sizeof(buf), "%s", entries);
	for (p = buf; (tok = strtok_r(p, " ", &save)) != NULL; p = NULL) {
		assert_true(n < DOC_MAX_PATTERNS + 1);
		eq = strchr(tok, '=');
		assert_non_null(eq);
		*eq = '\0';
		if ((level = doc_level_parse(eq + 1)) < 0)
			level = atoi(eq + 1);
		nodenet__acl__entry__init(&e[n]);
		e[n].pattern = tok;
		e[n].level = (Nodenet__Acl__Level)level;
		ep[n] = &e[n];
		n++;
	}
	a.db = (char *)(uintptr_t)db;
	a.scope = (char *)(uintptr_t)scope;
	a.entries = ep;
	a.n_entries = n;
	if (prev != NULL) {
		a.previous.data = (uint8_t *)(uintptr_t)prev->id;
		a.previous.len = STORE_ID_BYTES;
	}
	rb.kind_case = NODENET__RECORD_BODY__KIND_ACL;
	rb.acl = &a;
	return sign(kp, origin, &rb);
}

/* A revision being made: one text field, no parents, until changed. */
struct draft {
	Nodenet__RecordBody	 rb;
	Nodenet__DocRevision	 d;
	Nodenet__Field		 f, *fp[2];
	ProtobufCBinaryData	 parents[DOC_MAX_PARENTS + 1];
};

static void
draft_init(struct draft *dr, const char *db, const uint8_t *doc,
    const char *text)
{
	memset(dr, 0, sizeof(*dr));
	nodenet__record_body__init(&dr->rb);
	nodenet__doc_revision__init(&dr->d);
	nodenet__field__init(&dr->f);
	dr->f.name = (char *)(uintptr_t)"text";
	dr->f.value_case = NODENET__FIELD__VALUE_TEXT;
	dr->f.text = (char *)(uintptr_t)text;
	dr->fp[0] = &dr->f;
	dr->d.db = (char *)(uintptr_t)db;
	dr->d.doc_id.data = (uint8_t *)(uintptr_t)doc;
	dr->d.doc_id.len = STORE_DOC_ID_BYTES;
	dr->d.fields = dr->fp;
	dr->d.n_fields = 1;
	dr->d.parents = dr->parents;
	dr->rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
	dr->rb.doc = &dr->d;
}

static void
draft_parent(struct draft *dr, const struct wire_record *p)
{
	assert_true(dr->d.n_parents < DOC_MAX_PARENTS + 1);
	dr->parents[dr->d.n_parents].data = (uint8_t *)(uintptr_t)p->id;
	dr->parents[dr->d.n_parents++].len = STORE_ID_BYTES;
}

/*
 * A revision of doc in db with the parents given (NULL-terminated), a
 * delete stub if deleted.
 */
static const struct wire_record *
rev(key_pair_t *kp, const char *origin, const uint8_t *doc, int deleted,
    ...)
{
	struct draft			 dr;
	const struct wire_record	*p;
	va_list				 ap;

	draft_init(&dr, DB, doc, origin);
	va_start(ap, deleted);
	while ((p = va_arg(ap, const struct wire_record *)) != NULL)
		draft_parent(&dr, p);
	va_end(ap);
	if (deleted) {
		dr.d.deleted = 1;
		dr.d.n_fields = 0;
	}
	return sign(kp, origin, &dr.rb);
}

/* A chunk of db holding data, its hash given (NULL: the right one). */
static const struct wire_record *
chunk(key_pair_t *kp, const char *origin, const char *db, const char *data,
    const uint8_t *hash)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	Nodenet__Chunk		c = NODENET__CHUNK__INIT;
	uint8_t			h[STORE_ID_BYTES];

	crypto_generichash(h, sizeof(h), (const uint8_t *)data, strlen(data),
	    NULL, 0);
	c.db = (char *)(uintptr_t)db;
	c.data.data = (uint8_t *)(uintptr_t)data;
	c.data.len = strlen(data);
	c.hash.data = hash != NULL ? (uint8_t *)(uintptr_t)hash : h;
	c.hash.len = STORE_ID_BYTES;
	rb.kind_case = NODENET__RECORD_BODY__KIND_CHUNK;
	rb.chunk = &c;
	return sign(kp, origin, &rb);
}

static const char *
verdict_name(enum doc_verdict v)
{
	return v == DOC_ACCEPT ? "accepted" : v == DOC_DROP ? "dropped" :
	    "refused";
}

/*
 * Offers wr to st as a peer's batch is taken in: admitted, then stored
 * and applied in one committed transaction. Fails unless the verdict is
 * want; a refusal must say why, and because (if not NULL) is in it: a
 * record refused for another reason than the rule under test would pass
 * unnoticed otherwise.
 */
static void
offer_at(struct fixture *f, store_t *st, const struct wire_record *wr,
    enum doc_verdict want, const char *because, int line)
{
	struct store_record	rec;
	enum doc_verdict	v;
	int			rc;

	assert_rc(store_txn_begin(st, 0, &f->txn), 0);
	why[0] = '\0';
	v = doc_admit(f->txn, wr, ROOT, key_public(k_root), why, sizeof(why));
	if (v != want)
		fail_msg("line %d: %s (%s), want %s", line, verdict_name(v),
		    why, verdict_name(want));
	if (v == DOC_REFUSE && why[0] == '\0')
		fail_msg("line %d: refused without a reason", line);
	if (because != NULL && strstr(why, because) == NULL)
		fail_msg("line %d: refused as \"%s\", not for \"%s\"", line,
		    why, because);
	if (v == DOC_ACCEPT) {
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.id, wr->id, STORE_ID_BYTES);
		rec.body = wr->body;
		rec.body_len = wr->body_len;
		memcpy(rec.sig, wr->sig, STORE_SIG_BYTES);
		rec.lane = wr->rb->kind_case == NODENET__RECORD_BODY__KIND_ACL ?
		    0 : wr->rb->kind_case == NODENET__RECORD_BODY__KIND_DOC ?
		    1 : 2;
		if ((rc = store_put(f->txn, &rec)) == 0)
			assert_rc(doc_apply(f->txn, wr, ROOT,
			    key_public(k_root)), 0);
		else
			assert_rc(rc, STORE_HELD);
		assert_rc(store_txn_commit(&f->txn), 0);
	} else
		store_txn_abort(&f->txn);
}
#define offer(f, st, wr, want)	offer_at(f, st, wr, want, NULL, __LINE__)
#define refused(f, st, wr, because)					\
	offer_at(f, st, wr, DOC_REFUSE, because, __LINE__)

static void
read_begin(struct fixture *f, store_t *st)
{
	assert_rc(store_txn_begin(st, STORE_RDONLY, &f->txn), 0);
}

static void
read_end(struct fixture *f)
{
	store_txn_abort(&f->txn);
}

/* Fails unless the ACL in force for db in st is want (NULL: none). */
static void
in_force_at(struct fixture *f, store_t *st, const char *db,
    const struct wire_record *want, int line)
{
	struct doc_acl	a;
	int		rc;

	read_begin(f, st);
	rc = doc_acl_current(f->txn, db, &a);
	if (want == NULL && rc != STORE_NOTFOUND)
		fail_msg("line %d: an ACL of %s is in force (%d)", line, db,
		    rc);
	if (want != NULL && (rc != 0 || memcmp(a.id, want->id,
	    STORE_ID_BYTES) != 0))
		fail_msg("line %d: another ACL of %s in force (%d)", line, db,
		    rc);
	if (want != NULL)
		assert_memory_equal(a.index.id, want->id, STORE_ID_BYTES);
	doc_acl_clear(&a);
	read_end(f);
}
#define in_force(f, st, db, want)	in_force_at(f, st, db, want, __LINE__)

static int
may_create(struct fixture *f, const char *db, const char *name,
    key_pair_t *kp)
{
	int	may;

	read_begin(f, f->st);
	may = doc_may_create(f->txn, db, name, key_public(kp), ROOT,
	    key_public(k_root));
	read_end(f);
	return may;
}

static void
head_of(struct fixture *f, store_t *st, const uint8_t *doc,
    struct store_head *h)
{
	read_begin(f, st);
	assert_rc(store_head_get(f->txn, DB, doc, h), 0);
	read_end(f);
}

/* The revision of the two with the greater id. */
static const struct wire_record *
higher(const struct wire_record *a, const struct wire_record *b)
{
	return memcmp(a->id, b->id, STORE_ID_BYTES) > 0 ? a : b;
}

/* The root's creation of DB for every node, with entries. */
static const struct wire_record *
db_create(struct fixture *f, store_t *st, const char *entries)
{
	const struct wire_record	*a;

	a = acl(k_root, ROOT, DB, "*", NULL, entries);
	offer(f, st, a, DOC_ACCEPT);
	return a;
}

/* Names, scopes, patterns and levels, and which entry gives the level. */
static void
test_names(void **state)
{
	Nodenet__Acl		 a = NODENET__ACL__INIT;
	Nodenet__Acl__Entry	 e[4], *ep[4];
	const char		*pat[4] = { "*", "*.hagiang",
				    "*.bacquang.hagiang", DIST };
	const int		 lvl[4] = { DOC_READER, DOC_AUTHOR,
				    DOC_EDITOR, DOC_MANAGER };
	char			 name[STORE_MAX_DB + 2];

	(void)state;
	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_false(doc_db_name_valid(name));
	name[STORE_MAX_DB] = '\0';
	assert_true(doc_db_name_valid(name));
	assert_true(doc_db_name_valid("ho_so-2024.v1"));
	assert_false(doc_db_name_valid(""));
	assert_false(doc_db_name_valid("Hoso"));
	assert_false(doc_db_name_valid("ho so"));
	assert_false(doc_db_name_valid("ho/so"));

	assert_true(doc_scope_valid("*"));
	assert_true(doc_scope_valid(DIST));
	assert_false(doc_scope_valid("*.hagiang"));
	assert_false(doc_scope_valid(""));
	assert_true(doc_scope_covers("*", COMM));
	assert_true(doc_scope_covers(DIST, DIST));
	assert_true(doc_scope_covers(DIST, COMM));
	assert_false(doc_scope_covers(DIST, PROV));
	assert_false(doc_scope_covers(DIST, "xbacquang.hagiang"));

	assert_true(doc_pattern_valid("*"));
	assert_true(doc_pattern_valid("*.hagiang"));
	assert_true(doc_pattern_valid(DIST));
	assert_false(doc_pattern_valid("*hagiang"));
	assert_false(doc_pattern_valid("*.*"));
	assert_false(doc_pattern_valid(""));
	/* Exact, then the longest suffix, then "*"; none below itself. */
	assert_true(doc_pattern_match(DIST, DIST) >
	    doc_pattern_match("*.bacquang.hagiang", COMM));
	assert_true(doc_pattern_match("*.bacquang.hagiang", COMM) >
	    doc_pattern_match("*.hagiang", COMM));
	assert_true(doc_pattern_match("*.hagiang", COMM) >
	    doc_pattern_match("*", COMM));
	assert_true(doc_pattern_match("*", COMM) > 0);
	assert_int_equal(doc_pattern_match("*.hagiang", PROV), 0);
	assert_int_equal(doc_pattern_match(DIST, COMM), 0);

	for (int l = DOC_NONE; l <= DOC_MANAGER; l++)
		assert_int_equal(doc_level_parse(doc_level_name(l)), l);
	assert_int_equal(doc_level_parse("admin"), -1);
	assert_string_equal(doc_level_name(DOC_MANAGER + 1), "?");
	assert_string_equal(doc_level_name(-1), "?");

	/* The most specific entry counts, in whatever order they stand. */
	for (int rev_order = 0; rev_order < 2; rev_order++) {
		for (int i = 0; i < 4; i++) {
			int	j = rev_order ? 3 - i : i;

			nodenet__acl__entry__init(&e[i]);
			e[i].pattern = (char *)(uintptr_t)pat[j];
			e[i].level = (Nodenet__Acl__Level)lvl[j];
			ep[i] = &e[i];
		}
		a.entries = ep;
		a.n_entries = 4;
		assert_int_equal(doc_acl_level(&a, DIST), DOC_MANAGER);
		assert_int_equal(doc_acl_level(&a, COMM), DOC_EDITOR);
		assert_int_equal(doc_acl_level(&a, DIST2), DOC_AUTHOR);
		assert_int_equal(doc_acl_level(&a, PROV), DOC_READER);
		assert_int_equal(doc_acl_level(&a, ROOT), DOC_READER);
	}
	a.n_entries = 3;	/* without "*" (in reverse order: last) */
	assert_int_equal(doc_acl_level(&a, ROOT), DOC_NONE);
	assert_int_equal(doc_acl_level(&a, COMM), DOC_EDITOR);
	a.n_entries = 0;
	assert_int_equal(doc_acl_level(&a, DIST), DOC_NONE);
}

/*
 * A creation's origin must be the root or hold the scope in its subtree;
 * a name, scope or entry out of bounds is refused. Nothing refused is
 * held.
 */
static void
test_creation_rules(void **state)
{
	struct fixture		*f = *state;
	struct store_acl	 a;
	char			 many[(DOC_MAX_PATTERNS + 1) * 9 + 1];

	open_store(f, NULL);
	offer(f, f->st, acl(k_dist, DIST, "a", DIST, NULL, ""), DOC_ACCEPT);
	offer(f, f->st, acl(k_dist, DIST, "b", COMM, NULL, ""), DOC_ACCEPT);
	offer(f, f->st, acl(k_prov, PROV, "c", DIST2, NULL, ""), DOC_ACCEPT);
	offer(f, f->st, acl(k_root, ROOT, "d", "*", NULL, ""), DOC_ACCEPT);
	offer(f, f->st, acl(k_root, ROOT, "e", COMM, NULL, ""), DOC_ACCEPT);
	/* Above its subtree, beside it, or everywhere. */
	refused(f, f->st, acl(k_dist, DIST, "f", PROV, NULL, ""),
	    "may not create a database for");
	refused(f, f->st, acl(k_dist, DIST, "f", DIST2, NULL, ""),
	    "may not create a database for");
	refused(f, f->st, acl(k_prov, PROV, "f", "*", NULL, ""),
	    "may not create a database for");
	/* "tw" with another key is not the root. */
	refused(f, f->st, acl(k_rogue, ROOT, "f", "*", NULL, ""),
	    "may not create a database for");
	refused(f, f->st, acl(k_rogue, ROOT, "f", DIST, NULL, ""),
	    "may not create a database for");
	/* Out of bounds. */
	refused(f, f->st, acl(k_root, ROOT, "F", "*", NULL, ""),
	    "bad database name");
	refused(f, f->st, acl(k_root, ROOT, "f", "*.hagiang", NULL, ""),
	    "bad scope");
	refused(f, f->st, acl(k_root, ROOT, "f", "*", NULL, "*x=reader"),
	    "bad entry");
	refused(f, f->st, acl(k_root, ROOT, "f", "*", NULL, "*=6"),
	    "bad entry");
	refused(f, f->st, acl(k_root, ROOT, "f", "*", NULL, "*=-1"),
	    "bad entry");
	/* At most DOC_MAX_PATTERNS entries. */
	for (int i = 0; i <= DOC_MAX_PATTERNS; i++)
		memcpy(many + 9 * i, "*=reader ", 9);
	many[9 * (DOC_MAX_PATTERNS + 1)] = '\0';
	refused(f, f->st, acl(k_root, ROOT, "f", "*", NULL, many),
	    "over 128 entries");
	many[9 * DOC_MAX_PATTERNS] = '\0';
	offer(f, f->st, acl(k_root, ROOT, "f", "*", NULL, many), DOC_ACCEPT);
	in_force(f, f->st, "f", &made[nmade - 1]);
	in_force(f, f->st, "a", &made[0]);
	in_force(f, f->st, "g", NULL);
	/* Of all offered for "f", the one accepted alone is indexed. */
	read_begin(f, f->st);
	assert_rc(store_acl_next(f->txn, "f", NULL, &a), 0);
	assert_memory_equal(a.id, made[nmade - 1].id, STORE_ID_BYTES);
	assert_rc(store_acl_next(f->txn, "f", a.id, &a), STORE_NOTFOUND);
	read_end(f);
}

/*
 * The creation in force is its creator's that ranks first: the root
 * (name and key), then fewer labels, then the name. One ranking below
 * the one held is refused, whichever came first.
 */
static void
test_creator_rank(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*dist, *prov, *root, *rogue;

	open_store(f, NULL);
	assert_true(may_create(f, DB, DIST, k_dist));
	dist = acl(k_dist, DIST, DB, DIST, NULL, DIST "=manager");
	offer(f, f->st, dist, DOC_ACCEPT);
	in_force(f, f->st, DB, dist);
	assert_false(may_create(f, DB, DIST, k_dist));
	assert_false(may_create(f, DB, DIST2, k_dist2));
	assert_false(may_create(f, DB, COMM, k_comm));
	assert_true(may_create(f, DB, PROV, k_prov));
	assert_true(may_create(f, "other", DIST, k_dist));

	/* Fewer labels rank first: the province takes the name. */
	prov = acl(k_prov, PROV, DB, PROV, NULL, PROV "=manager");
	offer(f, f->st, prov, DOC_ACCEPT);
	in_force(f, f->st, DB, prov);
	refused(f, f->st, acl(k_dist, DIST, DB, DIST, NULL, ""),
	    "who ranks above");
	refused(f, f->st, acl(k_dist2, DIST2, DB, DIST2, NULL, ""),
	    "who ranks above");
	/* "tw" signed with another key ranks as a one-label name, and
	 * "hagiang" sorts before "tw". */
	rogue = acl(k_rogue, ROOT, DB, ROOT, NULL, "");
	refused(f, f->st, rogue, "who ranks above");
	assert_false(may_create(f, DB, ROOT, k_rogue));
	assert_true(may_create(f, DB, ROOT, k_root));

	/* The root outranks all; no one takes its database back. */
	root = acl(k_root, ROOT, DB, "*", NULL, PROV "=manager");
	offer(f, f->st, root, DOC_ACCEPT);
	in_force(f, f->st, DB, root);
	refused(f, f->st, acl(k_prov, PROV, DB, PROV, NULL, ""),
	    "who ranks above");
	refused(f, f->st, acl(k_dist, DIST, DB, DIST, NULL, ""),
	    "who ranks above");
	assert_false(may_create(f, DB, PROV, k_prov));
	assert_false(may_create(f, DB, ROOT, k_root));

	/* The other order, in another store: the same one in force. */
	assert_rc(store_open(&f->st2, tpath(f, "second"), NULL), 0);
	offer(f, f->st2, root, DOC_ACCEPT);
	refused(f, f->st2, prov, "who ranks above");
	refused(f, f->st2, dist, "who ranks above");
	in_force(f, f->st2, DB, root);
}

/* Of two districts, the name that sorts first; of one creator's
 * creations, the greater id. */
static void
test_creator_tie(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*b, *v, *c1, *c2, *hi, *lo;

	open_store(f, NULL);
	assert_rc(store_open(&f->st2, tpath(f, "second"), NULL), 0);
	v = acl(k_dist2, DIST2, DB, DIST2, NULL, "");
	b = acl(k_dist, DIST, DB, DIST, NULL, "");
	offer(f, f->st, v, DOC_ACCEPT);
	offer(f, f->st, b, DOC_ACCEPT);		/* "bacquang" < "vixuyen" */
	in_force(f, f->st, DB, b);
	offer(f, f->st2, b, DOC_ACCEPT);
	refused(f, f->st2, v, "who ranks above");
	in_force(f, f->st2, DB, b);

	c1 = acl(k_prov, PROV, "kho", PROV, NULL, PROV "=manager");
	c2 = acl(k_prov, PROV, "kho", PROV, NULL, PROV "=editor");
	hi = higher(c1, c2);
	lo = hi == c1 ? c2 : c1;
	offer(f, f->st, lo, DOC_ACCEPT);
	offer(f, f->st, hi, DOC_ACCEPT);
	in_force(f, f->st, "kho", hi);
	offer(f, f->st2, hi, DOC_ACCEPT);
	refused(f, f->st2, lo, "created it already");
	in_force(f, f->st2, "kho", hi);
}

/*
 * A replacement: by a manager of the ACL it replaces, which must be
 * held, with the same scope, of the creation in force; it extends the
 * chain, one deeper.
 */
static void
test_replacement_rules(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*x, *p1, *d1, *dx, *py, *ghost;
	struct store_acl		 a;

	open_store(f, NULL);
	x = db_create(f, f->st, PROV "=manager " DIST "=editor");
	/* An editor is no manager; the scope stays; previous is held. */
	refused(f, f->st, acl(k_dist, DIST, DB, "*", x, DIST "=manager"),
	    "is not a manager");
	refused(f, f->st, acl(k_prov, PROV, DB, PROV, x, PROV "=manager"),
	    "scope cannot change");
	ghost = acl(k_root, ROOT, "nowhere", "*", NULL, "");
	refused(f, f->st, acl(k_prov, PROV, DB, "*", ghost, ""),
	    "replaces is not held");
	in_force(f, f->st, DB, x);

	p1 = acl(k_prov, PROV, DB, "*", x, PROV "=manager " DIST "=manager");
	offer(f, f->st, p1, DOC_ACCEPT);
	in_force(f, f->st, DB, p1);
	d1 = acl(k_dist, DIST, DB, "*", p1, DIST "=manager");
	offer(f, f->st, d1, DOC_ACCEPT);
	in_force(f, f->st, DB, d1);
	read_begin(f, f->st);
	assert_rc(store_acl_get(f->txn, DB, d1->id, &a), 0);
	assert_int_equal(a.depth, 3);
	assert_memory_equal(a.creation, x->id, STORE_ID_BYTES);
	assert_memory_equal(a.previous, p1->id, STORE_ID_BYTES);
	assert_string_equal(a.signer, DIST);
	assert_int_equal(a.rank, 2);
	assert_rc(store_acl_get(f->txn, DB, x->id, &a), 0);
	assert_int_equal(a.rank, 0);		/* the root */
	read_end(f);
	/* The same record again is admitted, held already: no change. */
	offer(f, f->st, p1, DOC_ACCEPT);
	in_force(f, f->st, DB, d1);

	/* A replacement in a chain not in force could never be in force. */
	dx = acl(k_dist, DIST, "kho", DIST, NULL, DIST "=manager");
	offer(f, f->st, dx, DOC_ACCEPT);
	offer(f, f->st, acl(k_prov, PROV, "kho", PROV, NULL, PROV "=manager"),
	    DOC_ACCEPT);
	py = acl(k_dist, DIST, "kho", DIST, dx, DIST "=manager");
	refused(f, f->st, py, "creation not in force");
}

/*
 * Two replacements of one ACL: the one whose subtree holds the better
 * signer, whatever its depth; then the deeper subtree; then the greater
 * id. The same in force whatever order they came in.
 */
static void
test_fork_choice(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*x, *d, *p, *d2, *c1, *c2, *c3;
	const struct wire_record	*e1, *e2;
	const char			*all = PROV "=manager " DIST "=manager "
					    DIST2 "=manager";

	open_store(f, NULL);
	assert_rc(store_open(&f->st2, tpath(f, "second"), NULL), 0);
	x = acl(k_prov, PROV, DB, PROV, NULL, all);
	d = acl(k_dist, DIST, DB, PROV, x, all);
	p = acl(k_prov, PROV, DB, PROV, x, all);
	d2 = acl(k_dist, DIST, DB, PROV, d, all);
	offer(f, f->st, x, DOC_ACCEPT);
	offer(f, f->st, d, DOC_ACCEPT);
	in_force(f, f->st, DB, d);
	offer(f, f->st, p, DOC_ACCEPT);
	in_force(f, f->st, DB, p);
	offer(f, f->st, d2, DOC_ACCEPT);	/* deeper, yet ranks below */
	in_force(f, f->st, DB, p);
	offer(f, f->st2, x, DOC_ACCEPT);
	offer(f, f->st2, p, DOC_ACCEPT);
	offer(f, f->st2, d, DOC_ACCEPT);
	offer(f, f->st2, d2, DOC_ACCEPT);
	in_force(f, f->st2, DB, p);

	/* One signer twice: the deeper subtree, whatever the ids. */
	x = acl(k_prov, PROV, "kho", PROV, NULL, all);
	c1 = acl(k_dist, DIST, "kho", PROV, x, all);
	c2 = acl(k_dist, DIST, "kho", PROV, x, all);
	c3 = acl(k_dist, DIST, "kho", PROV, c1, all);
	offer(f, f->st, x, DOC_ACCEPT);
	offer(f, f->st, c1, DOC_ACCEPT);
	offer(f, f->st, c2, DOC_ACCEPT);
	in_force(f, f->st, "kho", higher(c1, c2));
	offer(f, f->st, c3, DOC_ACCEPT);
	in_force(f, f->st, "kho", c3);
	offer(f, f->st2, x, DOC_ACCEPT);
	offer(f, f->st2, c1, DOC_ACCEPT);
	offer(f, f->st2, c3, DOC_ACCEPT);
	offer(f, f->st2, c2, DOC_ACCEPT);
	in_force(f, f->st2, "kho", c3);

	/* Signers of one rank (two districts): the name first. */
	x = acl(k_prov, PROV, "so", PROV, NULL, all);
	e1 = acl(k_dist2, DIST2, "so", PROV, x, all);
	e2 = acl(k_dist, DIST, "so", PROV, x, all);
	offer(f, f->st, x, DOC_ACCEPT);
	offer(f, f->st, e2, DOC_ACCEPT);
	offer(f, f->st, e1, DOC_ACCEPT);
	in_force(f, f->st, "so", e2);
}

/*
 * No one sets the root aside: a branch from an ACL the root replaced
 * since is refused, at any height. A manager demoted by one who ranks
 * above it cannot take the database back by branching.
 */
static void
test_branches(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*x, *r1, *p1, *r2, *rb, *p2, *y, *z;
	const char			*pm = PROV "=manager " ROOT "=manager";

	open_store(f, NULL);
	x = db_create(f, f->st, pm);
	r1 = acl(k_root, ROOT, DB, "*", x, pm);
	offer(f, f->st, r1, DOC_ACCEPT);
	refused(f, f->st, acl(k_prov, PROV, DB, "*", x, pm),
	    "root has replaced since");
	p1 = acl(k_prov, PROV, DB, "*", r1, pm);
	offer(f, f->st, p1, DOC_ACCEPT);
	in_force(f, f->st, DB, p1);
	r2 = acl(k_root, ROOT, DB, "*", p1, pm);
	offer(f, f->st, r2, DOC_ACCEPT);
	in_force(f, f->st, DB, r2);
	refused(f, f->st, acl(k_prov, PROV, DB, "*", p1, pm),
	    "root has replaced since");
	refused(f, f->st, acl(k_prov, PROV, DB, "*", r1, pm),
	    "root has replaced since");
	refused(f, f->st, acl(k_prov, PROV, DB, "*", x, pm),
	    "root has replaced since");
	/* The root may branch too; both subtrees hold the root, so the
	 * deeper stays in force. On top of the root's, the province may. */
	rb = acl(k_root, ROOT, DB, "*", x, pm);
	offer(f, f->st, rb, DOC_ACCEPT);
	in_force(f, f->st, DB, r2);
	p2 = acl(k_prov, PROV, DB, "*", r2, pm);
	offer(f, f->st, p2, DOC_ACCEPT);
	in_force(f, f->st, DB, p2);

	/* The province demotes the district; the district branches. */
	x = acl(k_prov, PROV, "kho", PROV, NULL, PROV "=manager " DIST
	    "=manager");
	y = acl(k_prov, PROV, "kho", PROV, x, PROV "=manager " DIST "=reader");
	z = acl(k_dist, DIST, "kho", PROV, x, DIST "=manager");
	offer(f, f->st, x, DOC_ACCEPT);
	offer(f, f->st, y, DOC_ACCEPT);
	offer(f, f->st, z, DOC_ACCEPT);
	in_force(f, f->st, "kho", y);
	refused(f, f->st, acl(k_dist, DIST, "kho", PROV, y, DIST "=manager"),
	    "is not a manager");		/* no manager under y */
	/* The root too replaces only an ACL it is a manager of. */
	refused(f, f->st, acl(k_root, ROOT, "kho", PROV, y, ROOT "=manager"),
	    "is not a manager");
	offer(f, f->st, acl(k_dist, DIST, "kho", PROV, z, DIST "=manager"),
	    DOC_ACCEPT);		/* deeper, and still not in force */
	in_force(f, f->st, "kho", y);
}

/*
 * Who may write what: an editor anything, an author its own documents,
 * a depositor new documents only, a reader and anyone unlisted nothing.
 */
static void
test_levels(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*d1, *d1b, *e, *d2, *w;
	struct store_head		 h;
	uint8_t				 doc1[16], doc2[16], doc3[16];
	char				 db[STORE_MAX_DB + 1] = "";
	uint8_t				 sdoc[STORE_DOC_ID_BYTES];

	randombytes_buf(doc1, sizeof(doc1));
	randombytes_buf(doc2, sizeof(doc2));
	randombytes_buf(doc3, sizeof(doc3));
	open_store(f, NULL);
	/* No database yet. */
	refused(f, f->st, rev(k_prov, PROV, doc1, 0, NULL), "unknown database");
	db_create(f, f->st, PROV "=editor " DIST "=author " DIST2
	    "=depositor " COMM "=reader");

	d1 = rev(k_dist, DIST, doc1, 0, NULL);
	offer(f, f->st, d1, DOC_ACCEPT);
	head_of(f, f->st, doc1, &h);
	assert_string_equal(h.author, DIST);
	d1b = rev(k_dist, DIST, doc1, 0, d1, NULL);
	offer(f, f->st, d1b, DOC_ACCEPT);
	e = rev(k_prov, PROV, doc1, 0, d1b, NULL);
	offer(f, f->st, e, DOC_ACCEPT);
	refused(f, f->st, rev(k_dist2, DIST2, doc1, 0, e, NULL),
	    "depositor can only add");
	refused(f, f->st, rev(k_comm, COMM, doc1, 0, e, NULL),
	    "may not write here");
	/* The root writes only as its entry says (it has none here). */
	refused(f, f->st, rev(k_root, ROOT, doc1, 0, e, NULL),
	    "may not write here");

	d2 = rev(k_dist2, DIST2, doc2, 0, NULL);
	offer(f, f->st, d2, DOC_ACCEPT);
	refused(f, f->st, rev(k_dist2, DIST2, doc2, 0, d2, NULL),
	    "depositor can only add");
	refused(f, f->st, rev(k_dist, DIST, doc2, 0, d2, NULL),
	    "cannot change another's");
	refused(f, f->st, rev(k_dist2, DIST2, doc3, 1, NULL),
	    "depositor can only add");
	refused(f, f->st, rev(k_comm, COMM, doc3, 0, NULL),
	    "may not write here");
	refused(f, f->st, rev(k_root, ROOT, doc3, 0, NULL),
	    "may not write here");

	/* An author deletes its own, also after an editor's change: the
	 * head says so, and the stub waits to be purged. */
	w = rev(k_dist, DIST, doc1, 1, e, NULL);
	offer(f, f->st, w, DOC_ACCEPT);
	head_of(f, f->st, doc1, &h);
	assert_true(h.flags & STORE_HEAD_DELETED);
	assert_memory_equal(h.winner, w->id, STORE_ID_BYTES);
	assert_string_equal(h.author, DIST);
	read_begin(f, f->st);
	assert_rc(store_stub_next(f->txn, db, sdoc), 0);
	assert_string_equal(db, DB);
	assert_memory_equal(sdoc, doc1, sizeof(sdoc));
	read_end(f);
}

/* A revision's shape: id, parents, fields and readers in bounds. */
static void
test_rev_shape(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*r1, *other, *kids[DOC_MAX_PARENTS];
	struct draft			 dr;
	struct store_head		 h;
	Nodenet__Field			 g = NODENET__FIELD__INIT;
	uint8_t				 doc[16], doc2[16];
	uint8_t				 junk[DOC_MAX_PARENTS + 1][32];
	char				*big, name[DOC_MAX_FIELD_NAME + 2];
	char				*readers[1];

	randombytes_buf(doc, sizeof(doc));
	randombytes_buf(doc2, sizeof(doc2));
	open_store(f, NULL);
	db_create(f, f->st, "*=editor");
	r1 = rev(k_prov, PROV, doc, 0, NULL);
	offer(f, f->st, r1, DOC_ACCEPT);
	other = rev(k_prov, PROV, doc2, 0, NULL);
	offer(f, f->st, other, DOC_ACCEPT);

	draft_init(&dr, DB, doc, "x");
	dr.d.doc_id.len = 8;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb),
	    "document id is 16 bytes");
	draft_init(&dr, "Hoso", doc, "x");
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "bad database name");
	/* Parents: held, of this document, at most 32. */
	draft_init(&dr, DB, doc, "x");
	draft_parent(&dr, other);
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "bad parent reference");
	draft_init(&dr, DB, doc, "x");
	randombytes_buf(junk, sizeof(junk));
	dr.parents[0].data = junk[0];
	dr.parents[0].len = 32;
	dr.d.n_parents = 1;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "bad parent reference");
	draft_init(&dr, DB, doc, "x");
	dr.parents[0].data = (uint8_t *)(uintptr_t)r1->id;
	dr.parents[0].len = 16;
	dr.d.n_parents = 1;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "bad parent reference");
	/* 32 conflicting leaves: one revision naming them all resolves
	 * them; naming one more is over the bound. */
	for (int i = 0; i < DOC_MAX_PARENTS; i++) {
		kids[i] = rev(k_prov, PROV, doc, 0, r1, NULL);
		offer(f, f->st, kids[i], DOC_ACCEPT);
	}
	head_of(f, f->st, doc, &h);
	assert_int_equal(h.conflicts, DOC_MAX_PARENTS - 1);
	draft_init(&dr, DB, doc, "x");
	for (int i = 0; i < DOC_MAX_PARENTS; i++)
		draft_parent(&dr, kids[i]);
	draft_parent(&dr, r1);
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "over 32 parents");
	dr.d.n_parents = DOC_MAX_PARENTS;
	offer(f, f->st, sign(k_prov, PROV, &dr.rb), DOC_ACCEPT);
	head_of(f, f->st, doc, &h);
	assert_int_equal(h.conflicts, 0);
	assert_int_equal(h.depth, 3);

	/* Fields: named, each once, with a value of a known kind. */
	draft_init(&dr, DB, doc2, "x");
	draft_parent(&dr, other);
	dr.f.name = (char *)(uintptr_t)"";
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "bad name");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	dr.f.name = name;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "bad name");
	name[DOC_MAX_FIELD_NAME] = '\0';
	offer(f, f->st, sign(k_prov, PROV, &dr.rb), DOC_ACCEPT);
	draft_init(&dr, DB, doc2, "x");
	draft_parent(&dr, other);
	g.name = (char *)(uintptr_t)"text";
	g.value_case = NODENET__FIELD__VALUE_TIME_MS;
	g.time_ms = T0;
	dr.fp[1] = &g;
	dr.d.n_fields = 2;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "twice");
	g.name = (char *)(uintptr_t)"when";
	offer(f, f->st, sign(k_prov, PROV, &dr.rb), DOC_ACCEPT);
	g.value_case = NODENET__FIELD__VALUE_NUMBER;
	g.number = NAN;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "not a finite number");
	g.number = INFINITY;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "not a finite number");
	g.value_case = NODENET__FIELD__VALUE__NOT_SET;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb),
	    "no value of a known kind");
	/* A value of at most 65,536 bytes. */
	big = calloc(1, DOC_MAX_VALUE + 2);
	assert_non_null(big);
	memset(big, 'v', DOC_MAX_VALUE + 1);
	draft_init(&dr, DB, doc2, big);
	draft_parent(&dr, other);
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "over 65536 bytes");
	big[DOC_MAX_VALUE] = '\0';
	offer(f, f->st, sign(k_prov, PROV, &dr.rb), DOC_ACCEPT);
	free(big);
	/* Readers: patterns. */
	readers[0] = (char *)(uintptr_t)"*x";
	draft_init(&dr, DB, doc2, "x");
	draft_parent(&dr, other);
	dr.d.readers = readers;
	dr.d.n_readers = 1;
	refused(f, f->st, sign(k_prov, PROV, &dr.rb), "not a pattern");
	readers[0] = (char *)(uintptr_t)"*.hagiang";
	offer(f, f->st, sign(k_prov, PROV, &dr.rb), DOC_ACCEPT);
}

/*
 * A proven first revision fixes the author: another first revision is
 * refused unless proven by that author, and an editor's change keeps
 * the author.
 */
static void
test_author_proven(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*first, *again, *edit;
	struct store_head		 h;
	uint8_t				 doc[STORE_DOC_ID_BYTES];

	doc_id_new(key_public(k_dist), doc);
	open_store(f, NULL);
	db_create(f, f->st, "*=editor");
	first = rev(k_dist, DIST, doc, 0, NULL);
	offer(f, f->st, first, DOC_ACCEPT);
	head_of(f, f->st, doc, &h);
	assert_string_equal(h.author, DIST);
	assert_true(h.flags & STORE_HEAD_PROVEN);

	refused(f, f->st, rev(k_prov, PROV, doc, 0, NULL),
	    "may not start it again");
	refused(f, f->st, rev(k_root, ROOT, doc, 0, NULL),
	    "may not start it again");
	/* The author's key under another name proves nothing either. */
	refused(f, f->st, rev(k_dist, DIST2, doc, 0, NULL),
	    "may not start it again");
	again = rev(k_dist, DIST, doc, 0, NULL);
	offer(f, f->st, again, DOC_ACCEPT);
	edit = rev(k_prov, PROV, doc, 0, first, NULL);
	offer(f, f->st, edit, DOC_ACCEPT);
	head_of(f, f->st, doc, &h);
	assert_string_equal(h.author, DIST);
	assert_true(h.flags & STORE_HEAD_PROVEN);
	assert_memory_equal(h.winner, edit->id, STORE_ID_BYTES);
	assert_int_equal(h.conflicts, 1);	/* `again` */
}

/*
 * A document without a proven first revision keeps the origin of the
 * first that came as its author; one that comes later takes the
 * document: what was held of it before is forgotten, records too.
 */
static void
test_author_takeover(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*u, *u2, *u3, *first, *x, *p1, *p2;
	struct store_head		 h, h2;
	struct store_rev		 r;
	struct store_record		 rec;
	uint8_t				 doc[STORE_DOC_ID_BYTES];
	uint8_t				 plain[STORE_DOC_ID_BYTES];
	uint8_t				 d1[STORE_ID_BYTES], d2[STORE_ID_BYTES];
	uint64_t			 docs1, docs2, c1, c2;

	doc_id_new(key_public(k_dist), doc);
	randombytes_buf(plain, sizeof(plain));
	open_store(f, NULL);
	assert_rc(store_open(&f->st2, tpath(f, "second"), NULL), 0);
	x = db_create(f, f->st, "*=editor");
	offer(f, f->st2, x, DOC_ACCEPT);

	/* An id naming nobody: the first to come is the author. */
	p1 = rev(k_dist2, DIST2, plain, 0, NULL);
	p2 = rev(k_prov, PROV, plain, 0, NULL);
	offer(f, f->st, p1, DOC_ACCEPT);
	offer(f, f->st, p2, DOC_ACCEPT);
	head_of(f, f->st, plain, &h);
	assert_string_equal(h.author, DIST2);
	assert_false(h.flags & STORE_HEAD_PROVEN);

	/* A relay's revisions, sent ahead of the real first one. */
	u = rev(k_dist2, DIST2, doc, 0, NULL);
	u2 = rev(k_dist2, DIST2, doc, 0, u, NULL);
	u3 = rev(k_prov, PROV, doc, 0, NULL);
	first = rev(k_dist, DIST, doc, 0, NULL);
	offer(f, f->st, u, DOC_ACCEPT);
	offer(f, f->st, u2, DOC_ACCEPT);
	offer(f, f->st, u3, DOC_ACCEPT);
	head_of(f, f->st, doc, &h);
	assert_string_equal(h.author, DIST2);
	offer(f, f->st, first, DOC_ACCEPT);
	head_of(f, f->st, doc, &h);
	assert_string_equal(h.author, DIST);
	assert_true(h.flags & STORE_HEAD_PROVEN);
	assert_memory_equal(h.winner, first->id, STORE_ID_BYTES);
	assert_int_equal(h.depth, 1);
	assert_int_equal(h.conflicts, 0);
	read_begin(f, f->st);
	assert_rc(store_rev_get(f->txn, DB, doc, u->id, &r), STORE_NOTFOUND);
	assert_rc(store_rev_get(f->txn, DB, doc, u2->id, &r), STORE_NOTFOUND);
	assert_rc(store_rev_get(f->txn, DB, doc, u3->id, &r), STORE_NOTFOUND);
	assert_rc(store_get(f->txn, u->id, &rec), STORE_NOTFOUND);
	assert_rc(store_get(f->txn, u2->id, &rec), STORE_NOTFOUND);
	assert_rc(store_get(f->txn, u3->id, &rec), STORE_NOTFOUND);
	assert_rc(store_rev_next(f->txn, DB, doc, first->id, &r),
	    STORE_NOTFOUND);
	read_end(f);
	/* Sent again, they are refused now. */
	refused(f, f->st, u, "may not start it again");
	refused(f, f->st, u3, "may not start it again");

	/* A store that had the first revision first agrees. */
	offer(f, f->st2, first, DOC_ACCEPT);
	refused(f, f->st2, u, "may not start it again");
	refused(f, f->st2, u3, "may not start it again");
	head_of(f, f->st2, doc, &h2);
	assert_memory_equal(h2.winner, h.winner, STORE_ID_BYTES);
	assert_string_equal(h2.author, h.author);
	read_begin(f, f->st);
	assert_rc(doc_digest(f->txn, DB, UINT64_MAX, d1, &docs1, &c1), 0);
	read_end(f);
	/* The other document, in the other order: the same digest. */
	offer(f, f->st2, p2, DOC_ACCEPT);
	offer(f, f->st2, p1, DOC_ACCEPT);
	read_begin(f, f->st2);
	assert_rc(doc_digest(f->txn, DB, UINT64_MAX, d2, &docs2, &c2), 0);
	read_end(f);
	assert_int_equal(docs1, 2);
	assert_int_equal(docs2, 2);
	assert_int_equal(c1, 1);
	assert_int_equal(c2, 1);
	assert_memory_equal(d1, d2, sizeof(d1));
}

/* The head and conflicts of doc in st, and the digest's counts. */
static void
check_head_at(struct fixture *f, const uint8_t *doc,
    const struct wire_record *winner, uint32_t depth, uint32_t conflicts,
    int deleted, int line)
{
	struct store_head	h;

	head_of(f, f->st, doc, &h);
	if (memcmp(h.winner, winner->id, STORE_ID_BYTES) != 0)
		fail_msg("line %d: another winner", line);
	if (h.depth != depth || h.conflicts != conflicts ||
	    !(h.flags & STORE_HEAD_DELETED) != !deleted)
		fail_msg("line %d: depth %u conflicts %u flags %#x", line,
		    h.depth, h.conflicts, h.flags);
}
#define check_head(f, doc, w, depth, c, del)				\
	check_head_at(f, doc, w, depth, c, del, __LINE__)

/*
 * The winner: a live leaf before a delete stub, then the deeper, then
 * the greater id; the other live leaves are its conflicts, until a
 * revision names them all.
 */

/* How many revisions of document h are its conflicts; the last in *r. */
static int
conflicts_of(struct fixture *f, const struct store_head *h,
    struct store_rev *r)
{
	struct store_rev	x;
	const uint8_t		*after = NULL;
	uint8_t			 last[STORE_ID_BYTES];
	int			 n = 0;

	while (store_rev_next(f->txn, DB, h->doc, after, &x) == 0) {
		memcpy(last, x.id, sizeof(last));
		after = last;
		if (doc_rev_conflicts(h, &x)) {
			*r = x;
			n++;
		}
	}
	return n;
}
static void
test_winner(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*r1, *a, *b, *a2, *m, *s, *late, *t;
	const struct wire_record	*lo;
	struct store_head		 h;
	struct store_rev		 r;
	uint8_t				 doc[STORE_DOC_ID_BYTES];
	uint8_t				 dg[STORE_ID_BYTES];
	char				 db[STORE_MAX_DB + 1];
	uint8_t				 sdoc[STORE_DOC_ID_BYTES];
	uint64_t			 docs, conflicts;

	randombytes_buf(doc, sizeof(doc));
	open_store(f, NULL);
	db_create(f, f->st, "*=editor");
	r1 = rev(k_dist, DIST, doc, 0, NULL);
	offer(f, f->st, r1, DOC_ACCEPT);
	check_head(f, doc, r1, 1, 0, 0);

	a = rev(k_dist, DIST, doc, 0, r1, NULL);
	b = rev(k_prov, PROV, doc, 0, r1, NULL);
	offer(f, f->st, a, DOC_ACCEPT);
	offer(f, f->st, b, DOC_ACCEPT);
	check_head(f, doc, higher(a, b), 2, 1, 0);
	lo = higher(a, b) == a ? b : a;
	head_of(f, f->st, doc, &h);
	read_begin(f, f->st);
	assert_int_equal(conflicts_of(f, &h, &r), 1);
	assert_memory_equal(r.id, lo->id, STORE_ID_BYTES);
	assert_rc(doc_digest(f->txn, DB, UINT64_MAX, dg, &docs, &conflicts), 0);
	assert_int_equal(docs, 1);
	assert_int_equal(conflicts, 1);
	read_end(f);

	a2 = rev(k_dist, DIST, doc, 0, lo, NULL);
	offer(f, f->st, a2, DOC_ACCEPT);		/* deeper wins */
	check_head(f, doc, a2, 3, 1, 0);
	m = rev(k_prov, PROV, doc, 0, a2, higher(a, b), NULL);
	offer(f, f->st, m, DOC_ACCEPT);
	check_head(f, doc, m, 4, 0, 0);

	/* A delete stub: the document is deleted, its stub pending. */
	s = rev(k_dist, DIST, doc, 1, m, NULL);
	offer(f, f->st, s, DOC_ACCEPT);
	check_head(f, doc, s, 5, 0, 1);
	read_begin(f, f->st);
	db[0] = '\0';
	assert_rc(store_stub_next(f->txn, db, sdoc), 0);
	assert_memory_equal(sdoc, doc, sizeof(sdoc));
	assert_rc(doc_digest(f->txn, DB, UINT64_MAX, dg, &docs, &conflicts), 0);
	assert_int_equal(docs, 0);
	read_end(f);

	/* A late edit from before the delete: live beats the deeper stub. */
	late = rev(k_prov, PROV, doc, 0, r1, NULL);
	offer(f, f->st, late, DOC_ACCEPT);
	check_head(f, doc, late, 2, 0, 0);
	read_begin(f, f->st);
	db[0] = '\0';
	assert_rc(store_stub_next(f->txn, db, sdoc), STORE_NOTFOUND);
	read_end(f);
	/* Deleted too: of two stubs the deeper. */
	t = rev(k_prov, PROV, doc, 1, late, NULL);
	offer(f, f->st, t, DOC_ACCEPT);
	check_head(f, doc, s, 5, 0, 1);
}

/*
 * The head a store keeps after each revision is what reading the whole
 * tree gives: the best leaf (live, then deeper, then the greater id),
 * its depth, and the other live leaves as conflicts. doc.c settles most
 * revisions from the head alone; random trees (edits of any revision
 * held, merges, deletes, edits of deletes) find where it would not.
 */
static void
check_head_whole(struct fixture *f, const uint8_t *doc, int round)
{
	struct store_head	h;
	struct store_rev	r, best;
	const uint8_t		*after = NULL;
	uint8_t			 last[STORE_ID_BYTES];
	uint32_t		 live = 0;
	int			 found = 0, bd, rd;

	head_of(f, f->st, doc, &h);
	read_begin(f, f->st);
	while (store_rev_next(f->txn, DB, doc, after, &r) == 0) {
		memcpy(last, r.id, sizeof(last));
		after = last;
		if (!(r.flags & STORE_REV_LEAF))
			continue;
		rd = (r.flags & STORE_REV_DELETED) != 0;
		live += !rd;
		bd = found && (best.flags & STORE_REV_DELETED) != 0;
		if (!found || (bd && !rd) || (bd == rd && (r.depth >
		    best.depth || (r.depth == best.depth && memcmp(r.id,
		    best.id, STORE_ID_BYTES) > 0))))
			best = r;
		found = 1;
	}
	read_end(f);
	assert_true(found);
	bd = (best.flags & STORE_REV_DELETED) != 0;
	if (memcmp(h.winner, best.id, STORE_ID_BYTES) != 0 ||
	    h.depth != best.depth || h.conflicts != live - !bd ||
	    !(h.flags & STORE_HEAD_DELETED) != !bd)
		fail_msg("round %d: head depth %u conflicts %u flags %#x, the "
		    "tree's best depth %u of %u live leaves, %s", round,
		    h.depth, h.conflicts, h.flags, best.depth, live,
		    bd ? "deleted" : "live");
}

static void
test_winner_random(void **state)
{
	/* A delete in five, in three, in two: the more deletes, the more
	 * often nothing of the document lives when an edit comes. */
	static const uint32_t		 one_in[] = { 5, 3, 2 };
	struct fixture			*f = *state;
	const struct wire_record	*held[64], *p, *q;
	key_pair_t			*kp;
	uint8_t				 doc[STORE_DOC_ID_BYTES];
	size_t				 n;

	open_store(f, NULL);
	db_create(f, f->st, "*=editor");
	for (size_t k = 0; k < sizeof(one_in) / sizeof(one_in[0]); k++) {
		randombytes_buf(doc, sizeof(doc));
		n = 0;
		held[n++] = rev(k_dist, DIST, doc, 0, NULL);
		offer(f, f->st, held[0], DOC_ACCEPT);
		check_head_whole(f, doc, 0);
		for (int i = 1; i < 60; i++) {
			/* Mostly on a recent revision, as offices edit. */
			p = held[randombytes_uniform(4) == 0 ?
			    randombytes_uniform((uint32_t)n) :
			    n - 1 - randombytes_uniform(n < 3 ? (uint32_t)n :
			    3)];
			q = held[randombytes_uniform((uint32_t)n)];
			kp = randombytes_uniform(2) ? k_dist : k_prov;
			held[n] = rev(kp, kp == k_dist ? DIST : PROV, doc,
			    randombytes_uniform(one_in[k]) == 0, p,
			    randombytes_uniform(4) == 0 && q != p ? q : NULL,
			    NULL);
			offer(f, f->st, held[n++], DOC_ACCEPT);
			check_head_whole(f, doc, i);
		}
	}
}

/* A revision held by id whose record was purged is dropped, no error. */
static void
test_purged_again(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*r1, *s;
	uint8_t				 doc[STORE_DOC_ID_BYTES];

	randombytes_buf(doc, sizeof(doc));
	open_store(f, NULL);
	db_create(f, f->st, "*=editor");
	r1 = rev(k_dist, DIST, doc, 0, NULL);
	s = rev(k_dist, DIST, doc, 1, r1, NULL);
	offer(f, f->st, r1, DOC_ACCEPT);
	offer(f, f->st, s, DOC_ACCEPT);
	assert_rc(store_txn_begin(f->st, 0, &f->txn), 0);
	assert_rc(store_purge(f->txn, r1->id), 0);
	commit(f);
	offer(f, f->st, r1, DOC_DROP);
	offer(f, f->st, s, DOC_DROP);
}

/*
 * Chunks: their bytes match their hash, their writer may write; the
 * first record for a hash is the one indexed.
 */
static void
test_chunks(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*c1, *c2;
	Nodenet__PayloadRef		 pr = NODENET__PAYLOAD_REF__INIT;
	ProtobufCBinaryData		 hashes[3];
	uint8_t				 h[3][STORE_ID_BYTES];
	uint8_t				 id[STORE_ID_BYTES];
	char				*big;

	open_store(f, NULL);
	refused(f, f->st, chunk(k_prov, PROV, DB, "manh", NULL),
	    "unknown database");
	db_create(f, f->st, PROV "=editor " DIST "=depositor " DIST2
	    "=reader");
	memset(h[0], 0x68, sizeof(h[0]));
	refused(f, f->st, chunk(k_prov, PROV, DB, "manh", h[0]),
	    "do not match its hash");
	refused(f, f->st, chunk(k_prov, PROV, DB, "", NULL),
	    "1 to 65536 bytes");
	refused(f, f->st, chunk(k_prov, PROV, "Hoso", "manh", NULL),
	    "bad database name");
	refused(f, f->st, chunk(k_dist2, DIST2, DB, "manh", NULL),
	    "may not write here");
	refused(f, f->st, chunk(k_comm, COMM, DB, "manh", NULL),
	    "may not write here");
	big = calloc(1, DOC_CHUNK_BYTES + 2);
	assert_non_null(big);
	memset(big, 'b', DOC_CHUNK_BYTES + 1);
	refused(f, f->st, chunk(k_prov, PROV, DB, big, NULL),
	    "1 to 65536 bytes");
	big[DOC_CHUNK_BYTES] = '\0';
	offer(f, f->st, chunk(k_prov, PROV, DB, big, NULL), DOC_ACCEPT);
	free(big);

	c1 = chunk(k_dist, DIST, DB, "manh", NULL);
	c2 = chunk(k_prov, PROV, DB, "manh", NULL);
	offer(f, f->st, c1, DOC_ACCEPT);
	offer(f, f->st, c2, DOC_ACCEPT);
	offer(f, f->st, chunk(k_prov, PROV, DB, "khac", NULL), DOC_ACCEPT);
	crypto_generichash(h[0], 32, (const uint8_t *)"manh", 4, NULL, 0);
	crypto_generichash(h[1], 32, (const uint8_t *)"khac", 4, NULL, 0);
	crypto_generichash(h[2], 32, (const uint8_t *)"thieu", 5, NULL, 0);
	for (int i = 0; i < 3; i++) {
		hashes[i].data = h[i];
		hashes[i].len = STORE_ID_BYTES;
	}
	pr.chunks = hashes;
	pr.n_chunks = 3;
	read_begin(f, f->st);
	assert_rc(store_chunk_get(f->txn, DB, h[0], id), 0);
	assert_memory_equal(id, c1->id, sizeof(id));
	assert_int_equal(doc_chunks_held(f->txn, DB, &pr), 2);
	assert_int_equal(doc_chunks_held(f->txn, "kho", &pr), 0);
	hashes[1].len = 16;			/* not a hash: not held */
	assert_int_equal(doc_chunks_held(f->txn, DB, &pr), 1);
	read_end(f);
}

/* Feeds: an ACL to its scope and down the way there; a revision to
 * peers in scope that may read it and are among its readers. */
static void
test_feed_wants(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*a, *r, *only;
	struct draft			 dr;
	Nodenet__RecordBody		 status = NODENET__RECORD_BODY__INIT;
	uint8_t				 doc[STORE_DOC_ID_BYTES];
	char				*readers[1] = {
	    (char *)(uintptr_t)"*.bacquang.hagiang" };

	randombytes_buf(doc, sizeof(doc));
	open_store(f, NULL);
	a = acl(k_dist, DIST, "kho", COMM, NULL, "*=reader");
	read_begin(f, f->st);
	assert_true(doc_feed_wants(f->txn, PROV, COMM, ROOT, a->rb));
	assert_true(doc_feed_wants(f->txn, PROV, DIST, ROOT, a->rb));
	assert_false(doc_feed_wants(f->txn, PROV, DIST2, ROOT, a->rb));
	assert_false(doc_feed_wants(f->txn, ROOT, PROV, ROOT, a->rb));
	read_end(f);

	db_create(f, f->st, "*=reader " DIST2 "=none " DIST "=author");
	r = rev(k_dist, DIST, doc, 0, NULL);
	draft_init(&dr, DB, doc, "x");
	dr.d.readers = readers;
	dr.d.n_readers = 1;
	only = sign(k_dist, DIST, &dr.rb);
	offer(f, f->st, r, DOC_ACCEPT);
	offer(f, f->st, a, DOC_ACCEPT);
	read_begin(f, f->st);
	assert_true(doc_feed_wants(f->txn, PROV, DIST, ROOT, r->rb));
	assert_true(doc_feed_wants(f->txn, PROV, ROOT, ROOT, r->rb));
	assert_false(doc_feed_wants(f->txn, PROV, DIST2, ROOT, r->rb));
	assert_true(doc_feed_wants(f->txn, PROV, COMM, ROOT, only->rb));
	assert_false(doc_feed_wants(f->txn, PROV, DIST, ROOT, only->rb));
	assert_false(doc_feed_wants(f->txn, PROV, PROV, ROOT, only->rb));
	status.kind_case = NODENET__RECORD_BODY__KIND_STATUS;
	assert_false(doc_feed_wants(f->txn, PROV, DIST, ROOT, &status));
	read_end(f);

	/* "kho" is the commune's to hold: none of its revisions go
	 * elsewhere, and none of a database not held. */
	draft_init(&dr, "kho", doc, "x");
	only = sign(k_dist, DIST, &dr.rb);
	read_begin(f, f->st);
	assert_true(doc_feed_wants(f->txn, DIST, COMM, ROOT, only->rb));
	assert_false(doc_feed_wants(f->txn, COMM, DIST, ROOT, only->rb));
	draft_init(&dr, "nowhere", doc, "x");
	assert_false(doc_feed_wants(f->txn, DIST, COMM, ROOT,
	    sign(k_dist, DIST, &dr.rb)->rb));
	read_end(f);
}

/* 1 if a sealed (or clear) revision of DB with readers p goes from
 * self to peer. */
static int
sealed_goes(struct fixture *f, int sealed, const char *p, const char *self,
    const char *peer)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	Nodenet__DocRevision	d = NODENET__DOC_REVISION__INIT;
	Nodenet__SealedContent	sc = NODENET__SEALED_CONTENT__INIT;
	char			*readers[1] = { (char *)(uintptr_t)p };
	int			 want;

	d.db = (char *)(uintptr_t)DB;
	d.readers = readers;
	d.n_readers = 1;
	d.sealed = sealed ? &sc : NULL;
	rb.kind_case = NODENET__RECORD_BODY__KIND_DOC;
	rb.doc = &d;
	read_begin(f, f->st);
	want = doc_feed_wants(f->txn, self, peer, ROOT, &rb);
	read_end(f);
	return want;
}

/*
 * A sealed revision also goes along the tree toward its readers: to a
 * child whose subtree holds one, to the parent when one is outside
 * ours; never to a peer off the way, nor one that may not read. A
 * clear one goes to its readers alone, as before.
 */
static void
test_feed_wants_sealed(void **state)
{
	struct fixture	*f = *state;

	open_store(f, NULL);
	db_create(f, f->st, "*=reader " DIST2 "=none");
	/* A commune reader, from the root down, and from another district
	 * up. */
	assert_true(sealed_goes(f, 1, COMM, ROOT, PROV));
	assert_false(sealed_goes(f, 0, COMM, ROOT, PROV));
	assert_true(sealed_goes(f, 1, COMM, PROV, DIST));
	assert_true(sealed_goes(f, 1, COMM, DIST, COMM));
	assert_true(sealed_goes(f, 0, COMM, DIST, COMM));
	assert_false(sealed_goes(f, 1, COMM, PROV, DIST2));
	/* From the reader itself: none of it is outside it. */
	assert_false(sealed_goes(f, 1, COMM, COMM, DIST));
	/* The province from a commune: up, and up again. */
	assert_true(sealed_goes(f, 1, PROV, COMM, DIST));
	assert_true(sealed_goes(f, 1, PROV, DIST, PROV));
	assert_false(sealed_goes(f, 0, PROV, COMM, DIST));
	assert_false(sealed_goes(f, 1, PROV, PROV, DIST));
	/* A subtree: down into it, and never off the way. */
	assert_true(sealed_goes(f, 1, "*." DIST, PROV, DIST));
	assert_true(sealed_goes(f, 1, "*." DIST, ROOT, PROV));
	assert_false(sealed_goes(f, 1, "*." DIST, DIST, PROV));
	assert_true(sealed_goes(f, 1, "*." PROV, COMM, DIST));
	/* On the way, but no reader of the database. */
	assert_false(sealed_goes(f, 1, "*." DIST2, PROV, DIST2));
}

/*
 * Two stores given the same ACLs and revisions in other orders agree on
 * the ACL in force and on the digest of every document's state, also
 * where one had an unproven first revision before the proven one.
 */
static void
test_order_independent(void **state)
{
	struct fixture			*f = *state;
	const struct wire_record	*recs[13];
	const char			*all = PROV "=manager " DIST "=manager";
	uint8_t				 doc1[16], doc2[16];
	uint8_t				 d1[STORE_ID_BYTES], d2[STORE_ID_BYTES];
	uint64_t			 docs1, docs2, c1, c2;
	/* The second order: every parent still before its children. */
	const size_t			 order[13] = { 0, 2, 1, 3, 4, 12, 6, 5,
					    8, 7, 10, 9, 11 };
	/* 8 comes after the proven 7 to the first store: refused. */
	const enum doc_verdict		 first[13] = { [8] = DOC_REFUSE };

	randombytes_buf(doc1, sizeof(doc1));
	doc_id_new(key_public(k_dist), doc2);
	open_store(f, NULL);
	assert_rc(store_open(&f->st2, tpath(f, "second"), NULL), 0);
	recs[0] = acl(k_root, ROOT, DB, "*", NULL, all);
	recs[1] = acl(k_dist, DIST, DB, "*", recs[0], all);
	recs[2] = acl(k_prov, PROV, DB, "*", recs[0], all);
	recs[3] = acl(k_dist, DIST, DB, "*", recs[1], all);
	recs[4] = rev(k_dist, DIST, doc1, 0, NULL);
	recs[5] = rev(k_prov, PROV, doc1, 0, recs[4], NULL);
	recs[6] = rev(k_dist, DIST, doc1, 0, recs[4], NULL);
	recs[7] = rev(k_dist, DIST, doc2, 0, NULL);		/* proven */
	recs[8] = rev(k_prov, PROV, doc2, 0, NULL);
	recs[9] = rev(k_prov, PROV, doc2, 1, recs[7], NULL);
	recs[10] = rev(k_dist, DIST, doc1, 0, recs[6], NULL);
	recs[11] = rev(k_prov, PROV, doc1, 1, recs[5], NULL);
	recs[12] = rev(k_prov, PROV, doc1, 0, recs[4], NULL);
	for (size_t i = 0; i < 13; i++)
		offer(f, f->st, recs[i], first[i]);
	for (size_t i = 0; i < 13; i++)
		offer(f, f->st2, recs[order[i]], DOC_ACCEPT);
	in_force(f, f->st, DB, recs[2]);
	in_force(f, f->st2, DB, recs[2]);

	read_begin(f, f->st);
	assert_rc(doc_digest(f->txn, DB, UINT64_MAX, d1, &docs1, &c1), 0);
	read_end(f);
	read_begin(f, f->st2);
	assert_rc(doc_digest(f->txn, DB, UINT64_MAX, d2, &docs2, &c2), 0);
	read_end(f);
	assert_memory_equal(d1, d2, sizeof(d1));
	/* doc1: 10 wins over 12, its conflict (11 is a stub); doc2 is
	 * deleted. */
	assert_int_equal(docs1, 1);
	assert_int_equal(docs2, 1);
	assert_int_equal(c1, 1);
	assert_int_equal(c2, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_creation_rules,
		    setup, doc_teardown),
		cmocka_unit_test_setup_teardown(test_creator_rank, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_creator_tie, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_replacement_rules,
		    setup, doc_teardown),
		cmocka_unit_test_setup_teardown(test_fork_choice, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_branches, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_rev_shape, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_author_proven, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_author_takeover,
		    setup, doc_teardown),
		cmocka_unit_test_setup_teardown(test_winner, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_winner_random, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_purged_again, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_chunks, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_feed_wants_sealed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_feed_wants, setup,
		    doc_teardown),
		cmocka_unit_test_setup_teardown(test_order_independent,
		    setup, doc_teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
