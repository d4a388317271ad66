/*
 * test_cert: certificates, chains, chain files and revocations
 * (node/lib/cert.c), and the subtree tests of node names (node/lib/name.c).
 *
 * A four-tier tree with real keys: the root "tw" (pinned, no certificate),
 * the province "hagiang", the district "bacquang.hagiang" and the commune
 * "tanthanh.bacquang.hagiang", plus a sibling district
 * "otherdistrict.hagiang" and a rogue key that belongs to nobody. What
 * must hold: a good chain for each tier verifies; every broken rule of
 * cert_chain_verify() is refused with its own code; certificates that
 * cert_issue() refuses to make are built by hand with wire_record_make()
 * to show that verification refuses them too. Tests that write files get
 * their own mkdtemp directory, removed in teardown.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "tmp_dir.h"

#include <sodium.h>

#include "cert.h"
#include "clock.h"
#include "key.h"
#include "name.h"
#include "wire.h"

#define T0		UINT64_C(1700000000000)		/* 2023-11-14 */
#define DAY_MS		UINT64_C(86400000)
#define YEAR_MS		(365 * DAY_MS)
#define NOW		(T0 + DAY_MS)

#define ROOT		"tw"
#define PROV		"hagiang"
#define DIST		"bacquang.hagiang"
#define COMM		"tanthanh.bacquang.hagiang"
#define OTHER		"otherdistrict.hagiang"

struct member {
	const char	*name;
	key_pair_t	*kp;
	uint8_t		*cert;		/* NULL for the root */
	size_t		 len;
	uint8_t		 id[WIRE_ID_BYTES];
};

struct tree {
	struct cert_trust	 trust;
	struct member		 root, prov, dist, comm, other;
	key_pair_t		*rogue;
	/* What the revoked() callback calls revoked; NULL: nothing. */
	const uint8_t		*revoked_id;
	const uint8_t		*revoked_key;
	unsigned		 revoked_calls;
};

struct fixture {
	struct tree	*t;
	char		 dir[PATH_MAX];
};

static int
revoked_cb(void *arg, const uint8_t id[WIRE_ID_BYTES],
    const uint8_t key[KEY_PUBLIC_BYTES], const char *subject)
{
	struct tree	*t = arg;

	t->revoked_calls++;
	if (subject == NULL || !name_valid(subject))
		return 1;	/* the callback is owed a valid name */
	if (t->revoked_id != NULL && memcmp(t->revoked_id, id,
	    WIRE_ID_BYTES) == 0)
		return 1;
	return t->revoked_key != NULL && memcmp(t->revoked_key, key,
	    KEY_PUBLIC_BYTES) == 0;
}

static void
issue(struct tree *t, const struct member *by, struct member *m,
    uint64_t seq)
{
	int	rc;

	rc = cert_issue(by->kp, by->name, seq, m->name, key_public(m->kp), T0,
	    T0 + YEAR_MS, &t->trust, &m->cert, &m->len, m->id);
	assert_int_equal(rc, 0);
}

static int
group_setup(void **state)
{
	struct tree	*t;
	struct member	*all[5];

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->root.name = ROOT;
	t->prov.name = PROV;
	t->dist.name = DIST;
	t->comm.name = COMM;
	t->other.name = OTHER;
	all[0] = &t->root, all[1] = &t->prov, all[2] = &t->dist;
	all[3] = &t->comm, all[4] = &t->other;
	for (size_t i = 0; i < 5; i++)
		if ((all[i]->kp = key_generate()) == NULL)
			return -1;
	if ((t->rogue = key_generate()) == NULL)
		return -1;
	t->trust.root_name = ROOT;
	memcpy(t->trust.root_key, key_public(t->root.kp), KEY_PUBLIC_BYTES);
	t->trust.revoked = revoked_cb;
	t->trust.arg = t;

	issue(t, &t->root, &t->prov, 1);
	issue(t, &t->prov, &t->dist, 1);
	issue(t, &t->prov, &t->other, 2);
	issue(t, &t->dist, &t->comm, 1);
	*state = t;
	return 0;
}

static int
group_teardown(void **state)
{
	struct tree	*t = *state;
	struct member	*all[5] = { &t->root, &t->prov, &t->dist, &t->comm,
			    &t->other };

	for (size_t i = 0; i < 5; i++) {
		key_free(&all[i]->kp);
		free(all[i]->cert);
	}
	key_free(&t->rogue);
	free(t);
	return 0;
}

/* Every test starts with nothing revoked. */
static int
reset(void **state)
{
	struct tree	*t = *state;

	t->revoked_id = NULL;
	t->revoked_key = NULL;
	t->revoked_calls = 0;
	return 0;
}

static int
dir_setup(void **state)
{
	struct fixture	*f;

	reset(state);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->t = *state;
	if (tmp_dir_make(f->dir, sizeof(f->dir), "test_cert") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
dir_teardown(void **state)
{
	struct fixture	*f = *state;
	int		 rc = tmp_dir_remove(f->dir);

	*state = f->t;
	free(f);
	return rc;
}

static void
path_in(const struct fixture *f, const char *name, char *out, size_t size)
{
	int	n = snprintf(out, size, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < size);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd != -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* A chain of up to CERT_MAX_CHAIN + 1 records, as cert_chain_verify takes it. */
struct chain {
	const uint8_t	*c[CERT_MAX_CHAIN + 1];
	size_t		 l[CERT_MAX_CHAIN + 1];
	size_t		 n;
};

static void
push(struct chain *ch, const uint8_t *buf, size_t len)
{
	assert_true(ch->n < CERT_MAX_CHAIN + 1);
	ch->c[ch->n] = buf;
	ch->l[ch->n] = len;
	ch->n++;
}

static void
push_m(struct chain *ch, const struct member *m)
{
	push(ch, m->cert, m->len);
}

static int
verify(const struct tree *t, const char *name, const uint8_t *key,
    const struct chain *ch, uint64_t now)
{
	return cert_chain_verify(&t->trust, name, key, ch->c, ch->l, ch->n,
	    now);
}

/* The commune's good chain: commune, district, province. */
static void
comm_chain(const struct tree *t, struct chain *ch)
{
	memset(ch, 0, sizeof(*ch));
	push_m(ch, &t->comm);
	push_m(ch, &t->dist);
	push_m(ch, &t->prov);
}

/*
 * A certificate record built by hand, so that it can break the rules
 * cert_issue() keeps: kp signs, claiming origin; free() the result.
 */
static uint8_t *
raw_cert(const key_pair_t *kp, const char *origin, const char *subject,
    const uint8_t *subject_key, uint64_t nb, uint64_t na, size_t *len,
    uint8_t id[WIRE_ID_BYTES])
{
	Nodenet__RecordBody	 rb;
	Nodenet__Certificate	 c;
	char			 o[256], s[256];
	uint8_t			 k[KEY_PUBLIC_BYTES];
	uint8_t			*out;

	snprintf(o, sizeof(o), "%s", origin);
	snprintf(s, sizeof(s), "%s", subject);
	memcpy(k, subject_key, sizeof(k));
	nodenet__record_body__init(&rb);
	nodenet__certificate__init(&c);
	c.subject = s;
	c.subject_key.data = k;
	c.subject_key.len = sizeof(k);
	c.not_before_ms = nb;
	c.not_after_ms = na;
	rb.origin = o;
	rb.origin_seq = 7;
	rb.created_ms = T0;
	rb.kind_case = NODENET__RECORD_BODY__KIND_CERT;
	rb.cert = &c;
	assert_int_equal(wire_record_make(kp, &rb, &out, len, id), 0);
	return out;
}

/* A revocation record built by hand; free() the result. */
static uint8_t *
raw_revocation(const key_pair_t *kp, const char *origin,
    const uint8_t cert_id[WIRE_ID_BYTES], const uint8_t *subject_key,
    size_t *len)
{
	Nodenet__RecordBody	 rb;
	Nodenet__Revocation	 rv;
	char			 o[256], reason[] = "test";
	uint8_t			 cid[WIRE_ID_BYTES], k[KEY_PUBLIC_BYTES];
	uint8_t			 id[WIRE_ID_BYTES];
	uint8_t			*out;

	snprintf(o, sizeof(o), "%s", origin);
	memcpy(cid, cert_id, sizeof(cid));
	memcpy(k, subject_key, sizeof(k));
	nodenet__record_body__init(&rb);
	nodenet__revocation__init(&rv);
	rv.certificate_id.data = cid;
	rv.certificate_id.len = sizeof(cid);
	rv.subject_key.data = k;
	rv.subject_key.len = sizeof(k);
	rv.reason = reason;
	rb.origin = o;
	rb.origin_seq = 9;
	rb.created_ms = T0;
	rb.kind_case = NODENET__RECORD_BODY__KIND_REVOCATION;
	rb.revocation = &rv;
	assert_int_equal(wire_record_make(kp, &rb, &out, len, id), 0);
	return out;
}

/* ---- names ---- */

static void
test_name_within(void **state)
{
	(void)state;
	assert_true(name_within(DIST, DIST));			/* equal */
	assert_true(name_within(COMM, DIST));			/* child */
	assert_true(name_within(COMM, PROV));			/* grandchild */
	assert_true(name_within("a.b", "b"));
	assert_false(name_within("xbacquang.hagiang", DIST));	/* misaligned */
	assert_true(name_within("x" COMM, DIST));	/* another child */
	assert_false(name_within("hagiang", DIST));		/* above */
	assert_false(name_within(DIST, COMM));
	assert_false(name_within(OTHER, DIST));			/* sibling */
	assert_false(name_within("bacquang", DIST));
	assert_false(name_within("", DIST));			/* empty */
	assert_false(name_within(DIST, ""));
	assert_false(name_within("", ""));
	assert_false(name_within(".bacquang.hagiang", DIST));	/* invalid */
	assert_false(name_within("x..hagiang", ".hagiang"));
	assert_false(name_within("a.HAGIANG", "HAGIANG"));

	assert_false(name_strictly_within(DIST, DIST));
	assert_true(name_strictly_within(COMM, DIST));
	assert_true(name_strictly_within(COMM, PROV));
	assert_false(name_strictly_within("xbacquang.hagiang", DIST));
	assert_false(name_strictly_within("", ""));
	assert_false(name_strictly_within(PROV, COMM));

	assert_true(name_is_child(COMM, DIST));
	assert_true(name_is_child(DIST, PROV));
	assert_false(name_is_child(COMM, PROV));	/* a grandchild */
	assert_false(name_is_child(DIST, DIST));
	assert_false(name_is_child("xbacquang.hagiang", DIST));
	assert_false(name_is_child(PROV, COMM));
}

/* ---- good chains ---- */

static void
test_good_chain_each_tier(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };

	assert_int_equal(verify(t, ROOT, t->trust.root_key, &ch, NOW), 0);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, PROV, key_public(t->prov.kp), &ch, NOW), 0);

	memset(&ch, 0, sizeof(ch));
	push_m(&ch, &t->dist);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, DIST, key_public(t->dist.kp), &ch, NOW), 0);

	memset(&ch, 0, sizeof(ch));
	push_m(&ch, &t->other);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, OTHER, key_public(t->other.kp), &ch, NOW),
	    0);

	comm_chain(t, &ch);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW), 0);
	/* Every element was asked about. */
	assert_int_equal(t->revoked_calls, 1 + 2 + 2 + 3);

	/* No callback: nothing is revoked. */
	struct cert_trust	tr = t->trust;

	tr.revoked = NULL;
	assert_int_equal(cert_chain_verify(&tr, COMM, key_public(t->comm.kp),
	    ch.c, ch.l, ch.n, NOW), 0);
}

static void
test_root_needs_no_cert(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };

	assert_int_equal(verify(t, ROOT, key_public(t->root.kp), &ch, NOW), 0);
	/* The root key under another name, and the root name with another key. */
	assert_int_equal(verify(t, PROV, key_public(t->root.kp), &ch, NOW),
	    CERT_ESUBJECT);
	assert_int_equal(verify(t, "x" ROOT, key_public(t->root.kp), &ch,
	    NOW), CERT_ESUBJECT);
	assert_int_equal(verify(t, ROOT, key_public(t->rogue), &ch, NOW),
	    CERT_ESUBJECT);
	/* Anybody else needs a chain. */
	assert_int_equal(verify(t, PROV, key_public(t->prov.kp), &ch, NOW),
	    CERT_ESUBJECT);
	/* The root is its name and its key together, and only where pinned. */
	assert_true(cert_is_root(&t->trust, ROOT, key_public(t->root.kp)));
	assert_false(cert_is_root(&t->trust, ROOT, key_public(t->rogue)));
	assert_false(cert_is_root(&t->trust, PROV, key_public(t->root.kp)));
	assert_false(cert_is_root(NULL, ROOT, key_public(t->root.kp)));
}

static void
test_root_key_or_name_in_a_cert(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };
	uint8_t		*buf, *out, id[WIRE_ID_BYTES];
	size_t		 len, out_len;

	/* The root certifying its own key under a province's name. */
	buf = raw_cert(t->root.kp, ROOT, PROV, t->trust.root_key, T0,
	    T0 + YEAR_MS, &len, id);
	push(&ch, buf, len);
	assert_int_equal(verify(t, PROV, t->trust.root_key, &ch, NOW),
	    CERT_ESUBJECT);
	free(buf);
	assert_int_equal(cert_issue(t->root.kp, ROOT, 2, PROV,
	    t->trust.root_key, T0, T0 + YEAR_MS, &t->trust, &out, &out_len,
	    id), CERT_ESUBJECT);
	assert_null(out);

	/* The root certifying another key for its own name. */
	memset(&ch, 0, sizeof(ch));
	buf = raw_cert(t->root.kp, ROOT, ROOT, key_public(t->rogue), T0,
	    T0 + YEAR_MS, &len, id);
	push(&ch, buf, len);
	assert_int_equal(verify(t, ROOT, key_public(t->rogue), &ch, NOW),
	    CERT_ENAME);
	free(buf);
	assert_int_equal(cert_issue(t->root.kp, ROOT, 2, ROOT,
	    key_public(t->rogue), T0, T0 + YEAR_MS, &t->trust, &out,
	    &out_len, id), CERT_ENAME);
}

/* ---- broken chains ---- */

static void
test_wrong_leaf(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch;

	comm_chain(t, &ch);
	assert_int_equal(verify(t, COMM, key_public(t->dist.kp), &ch, NOW),
	    CERT_ESUBJECT);
	assert_int_equal(verify(t, COMM, key_public(t->rogue), &ch, NOW),
	    CERT_ESUBJECT);
	assert_int_equal(verify(t, DIST, key_public(t->comm.kp), &ch, NOW),
	    CERT_ESUBJECT);
	assert_int_equal(verify(t, "xa.bacquang.hagiang",
	    key_public(t->comm.kp), &ch, NOW), CERT_ESUBJECT);
	assert_int_equal(verify(t, "", key_public(t->comm.kp), &ch, NOW),
	    CERT_ESUBJECT);
}

static void
test_out_of_order(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };

	/* Leaf not first. */
	push_m(&ch, &t->dist);
	push_m(&ch, &t->comm);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_ESUBJECT);
	/* Leaf first, the rest swapped. */
	memset(&ch, 0, sizeof(ch));
	push_m(&ch, &t->comm);
	push_m(&ch, &t->prov);
	push_m(&ch, &t->dist);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EISSUER);
	/* Root first. */
	memset(&ch, 0, sizeof(ch));
	push_m(&ch, &t->prov);
	push_m(&ch, &t->dist);
	push_m(&ch, &t->comm);
	assert_int_equal(verify(t, PROV, key_public(t->prov.kp), &ch, NOW),
	    CERT_EISSUER);
}

static void
test_missing_middle(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };

	push_m(&ch, &t->comm);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EISSUER);
	/* Missing the top: the district's certificate alone is not signed by the root. */
	memset(&ch, 0, sizeof(ch));
	push_m(&ch, &t->comm);
	push_m(&ch, &t->dist);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EISSUER);
	/* A repeated element. */
	memset(&ch, 0, sizeof(ch));
	push_m(&ch, &t->comm);
	push_m(&ch, &t->dist);
	push_m(&ch, &t->dist);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EISSUER);
}

static void
test_name_constraint(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };
	uint8_t		 k[KEY_PUBLIC_BYTES], id[WIRE_ID_BYTES];
	uint8_t		*buf, *out;
	size_t		 len, out_len;
	const char	*outside[] = { "xa.otherdistrict.hagiang",
			    "xbacquang.hagiang", DIST, PROV, "xa.hagiang",
			    "quangninh" };

	memcpy(k, key_public(t->rogue), sizeof(k));
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		/* cert_issue will not make it ... */
		out = (uint8_t *)&out;
		assert_int_equal(cert_issue(t->dist.kp, DIST, 5, outside[i],
		    k, T0, T0 + YEAR_MS, &t->trust, &out, &out_len, id),
		    CERT_ENAME);
		assert_null(out);
		/* ... and made by hand it does not verify. */
		buf = raw_cert(t->dist.kp, DIST, outside[i], k, T0,
		    T0 + YEAR_MS, &len, id);
		memset(&ch, 0, sizeof(ch));
		push(&ch, buf, len);
		push_m(&ch, &t->dist);
		push_m(&ch, &t->prov);
		assert_int_equal(verify(t, outside[i], k, &ch, NOW),
		    CERT_ENAME);
		free(buf);
	}
	/* The commune cannot certify its district either. */
	assert_int_equal(cert_issue(t->comm.kp, COMM, 5, DIST, k, T0,
	    T0 + YEAR_MS, &t->trust, &out, &out_len, id), CERT_ENAME);
	/* The root may certify any name but its own, the district below its subtree. */
	assert_int_equal(cert_issue(t->root.kp, ROOT, 5, "quangninh", k, T0,
	    T0 + YEAR_MS, &t->trust, &out, &out_len, id), 0);
	free(out);
	assert_int_equal(cert_issue(t->dist.kp, DIST, 5, "xa." COMM, k, T0,
	    T0 + YEAR_MS, &t->trust, &out, &out_len, id), 0);
	free(out);
}

static void
test_issuer_wrong_key(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };
	uint8_t		*buf, id[WIRE_ID_BYTES];
	size_t		 len;

	/* The issuer's name is right; the rogue key signed it. */
	buf = raw_cert(t->rogue, DIST, COMM, key_public(t->comm.kp), T0,
	    T0 + YEAR_MS, &len, id);
	push(&ch, buf, len);
	push_m(&ch, &t->dist);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EISSUER);
	free(buf);

	/* The right key, a wrong issuer name. */
	memset(&ch, 0, sizeof(ch));
	buf = raw_cert(t->dist.kp, "xa." DIST, COMM, key_public(t->comm.kp),
	    T0, T0 + YEAR_MS, &len, id);
	push(&ch, buf, len);
	push_m(&ch, &t->dist);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EISSUER);
	free(buf);

	/* A self-made "root" at the top. */
	memset(&ch, 0, sizeof(ch));
	buf = raw_cert(t->rogue, ROOT, PROV, key_public(t->prov.kp), T0,
	    T0 + YEAR_MS, &len, id);
	push(&ch, buf, len);
	assert_int_equal(verify(t, PROV, key_public(t->prov.kp), &ch, NOW),
	    CERT_EISSUER);
	free(buf);

	/* The root's key under another origin name. */
	memset(&ch, 0, sizeof(ch));
	buf = raw_cert(t->root.kp, "quangninh", PROV, key_public(t->prov.kp),
	    T0, T0 + YEAR_MS, &len, id);
	push(&ch, buf, len);
	assert_int_equal(verify(t, PROV, key_public(t->prov.kp), &ch, NOW),
	    CERT_EISSUER);
	free(buf);
}

static void
test_window(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch;
	uint8_t		*buf, id[WIRE_ID_BYTES];
	size_t		 len;
	const uint8_t	*k = key_public(t->comm.kp);

	/* The tree's certificates are for [T0, T0 + YEAR_MS), and hold
	 * CERT_SKEW_MS either side of it. */
	comm_chain(t, &ch);
	assert_int_equal(verify(t, COMM, k, &ch, T0), 0);
	assert_int_equal(verify(t, COMM, k, &ch, T0 + YEAR_MS - 1), 0);
	assert_int_equal(verify(t, COMM, k, &ch, T0 - 1), 0);
	assert_int_equal(verify(t, COMM, k, &ch, T0 - CERT_SKEW_MS), 0);
	assert_int_equal(verify(t, COMM, k, &ch, T0 - CERT_SKEW_MS - 1),
	    CERT_ENOTYET);
	assert_int_equal(verify(t, COMM, k, &ch, T0 + YEAR_MS), 0);
	assert_int_equal(verify(t, COMM, k, &ch,
	    T0 + YEAR_MS + CERT_SKEW_MS - 1), 0);
	assert_int_equal(verify(t, COMM, k, &ch, T0 + YEAR_MS + CERT_SKEW_MS),
	    CERT_EEXPIRED);

	/* An expired leaf, and one not yet valid, inside good parents. */
	buf = raw_cert(t->dist.kp, DIST, COMM, k, T0 - 2 * DAY_MS, T0 +
	    DAY_MS / 2, &len, id);
	ch.c[0] = buf;
	ch.l[0] = len;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EEXPIRED);
	free(buf);
	buf = raw_cert(t->dist.kp, DIST, COMM, k, NOW + CERT_SKEW_MS + 1,
	    T0 + YEAR_MS, &len, id);
	ch.c[0] = buf;
	ch.l[0] = len;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_ENOTYET);
	assert_int_equal(verify(t, COMM, k, &ch, NOW + 1), 0);
	free(buf);

	/* A good leaf under an expired middle. */
	comm_chain(t, &ch);
	buf = raw_cert(t->prov.kp, PROV, DIST, key_public(t->dist.kp), T0,
	    NOW, &len, id);
	ch.c[1] = buf;
	ch.l[1] = len;
	assert_int_equal(verify(t, COMM, k, &ch, NOW + CERT_SKEW_MS - 1), 0);
	assert_int_equal(verify(t, COMM, k, &ch, NOW + CERT_SKEW_MS),
	    CERT_EEXPIRED);
	free(buf);
}

/* The bounds with the skew tolerated, at the edges of uint64_t too. */
static void
test_window_bounds(void **state)
{
	(void)state;
	assert_int_equal(cert_window(T0, T0 + DAY_MS, T0 - CERT_SKEW_MS), 0);
	assert_int_equal(cert_window(T0, T0 + DAY_MS, T0 - CERT_SKEW_MS - 1),
	    CERT_ENOTYET);
	assert_int_equal(cert_window(T0, T0 + DAY_MS,
	    T0 + DAY_MS + CERT_SKEW_MS - 1), 0);
	assert_int_equal(cert_window(T0, T0 + DAY_MS,
	    T0 + DAY_MS + CERT_SKEW_MS), CERT_EEXPIRED);
	/* A start within the skew of 0, an end that would overflow. */
	assert_int_equal(cert_window(1, UINT64_MAX, 0), 0);
	assert_int_equal(cert_window(0, UINT64_MAX, UINT64_MAX - 1), 0);
	assert_int_equal(cert_window_end(T0), T0 + CERT_SKEW_MS);
	assert_int_equal(cert_window_end(UINT64_MAX - 1), UINT64_MAX);
	/* The issuer's margin is more than the 1 day of the issue. */
	assert_true(CERT_BACKDATE_MS > DAY_MS);
}

/* Contains needle? (cmocka has no such assertion.) */
static void
assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* What an error about a window says: the bound, how far, the skew,
 * that a clock may be wrong; and whose certificate, in a chain. */
static void
test_window_why(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch;
	uint8_t		*buf, id[WIRE_ID_BYTES];
	size_t		 len;
	char		 why[256];
	const uint8_t	*k = key_public(t->comm.kp);
	const uint64_t	 hour = CERT_SKEW_MS;

	cert_window_why(why, sizeof(why), CERT_ENOTYET, COMM, T0 + 3 * hour,
	    T0 + DAY_MS, T0 - 5 * 60000);
	assert_has(why, "certificate not yet valid: " COMM "'s starts in "
	    "3h05m by our clock, 1h00m tolerated");
	assert_has(why, "a clock may be wrong");
	cert_window_why(why, sizeof(why), CERT_EEXPIRED, COMM, T0, T0 + DAY_MS,
	    T0 + 3 * DAY_MS + 4 * hour);
	assert_has(why, "certificate expired: " COMM "'s ended 2d04h ago by "
	    "our clock, 1h00m tolerated");
	assert_has(why, "our clock may be wrong");
	/* Anything else is its plain message; so is a short buffer cut. */
	cert_window_why(why, sizeof(why), CERT_EREVOKED, COMM, T0, T0 + 1, T0);
	assert_string_equal(why, cert_strerror(CERT_EREVOKED));
	cert_window_why(why, 12, CERT_EEXPIRED, COMM, T0, T0 + 1, T0 + DAY_MS);
	assert_string_equal(why, "certificate");

	/* In a chain: the district's certificate ended, 2 h past the skew. */
	comm_chain(t, &ch);
	buf = raw_cert(t->prov.kp, PROV, DIST, key_public(t->dist.kp), T0,
	    NOW, &len, id);
	ch.c[1] = buf;
	ch.l[1] = len;
	assert_int_equal(verify(t, COMM, k, &ch, NOW + 3 * hour),
	    CERT_EEXPIRED);
	cert_chain_why(why, sizeof(why), CERT_EEXPIRED, ch.c, ch.l, ch.n,
	    NOW + 3 * hour);
	assert_has(why, DIST "'s ended 3h00m ago");
	/* Another code says only what it is. */
	cert_chain_why(why, sizeof(why), CERT_ENAME, ch.c, ch.l, ch.n, NOW);
	assert_string_equal(why, cert_strerror(CERT_ENAME));
	free(buf);
}

/* Spans for people: two units, the last rounded. */
static void
test_span(void **state)
{
	char	b[24];

	(void)state;
	assert_string_equal(clock_span(b, sizeof(b), 0), "0s");
	assert_string_equal(clock_span(b, sizeof(b), 45400), "45s");
	assert_string_equal(clock_span(b, sizeof(b), 59600), "1m00s");
	assert_string_equal(clock_span(b, sizeof(b), 750000), "12m30s");
	assert_string_equal(clock_span(b, sizeof(b), 3599600), "1h00m");
	assert_string_equal(clock_span(b, sizeof(b), 7500000), "2h05m");
	assert_string_equal(clock_span(b, sizeof(b), 7199990), "2h00m");
	assert_string_equal(clock_span(b, sizeof(b), 86399000), "1d00h");
	assert_string_equal(clock_span(b, sizeof(b), 93600000), "1d02h");
	assert_string_equal(clock_span(b, sizeof(b), 273600000), "3d04h");
	/* No wrap to a small span, and room for the longest. */
	assert_string_equal(clock_span(b, sizeof(b), UINT64_MAX),
	    "213503982334d14h");
}

static void
test_revoked(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch, pch = { 0 };
	const uint8_t	*k = key_public(t->comm.kp);

	comm_chain(t, &ch);
	push_m(&pch, &t->prov);

	/* The district's certificate, by id: the commune's chain fails. */
	t->revoked_id = t->dist.id;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EREVOKED);
	assert_int_equal(verify(t, PROV, key_public(t->prov.kp), &pch, NOW),
	    0);
	t->revoked_id = NULL;

	/* The district's key. */
	t->revoked_key = key_public(t->dist.kp);
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EREVOKED);
	t->revoked_key = NULL;

	/* The leaf, and the top. */
	t->revoked_id = t->comm.id;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EREVOKED);
	t->revoked_id = t->prov.id;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EREVOKED);
	t->revoked_id = NULL;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), 0);
}

static void
test_too_long(void **state)
{
	struct tree	*t = *state;
	struct chain	 ch = { 0 };

	for (size_t i = 0; i < CERT_MAX_CHAIN + 1; i++)
		push_m(&ch, &t->comm);
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_ETOOLONG);
	/* Garbage, too: the length is refused before anything is read. */
	for (size_t i = 0; i < CERT_MAX_CHAIN + 1; i++) {
		ch.c[i] = (const uint8_t *)"x";
		ch.l[i] = 1;
	}
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_ETOOLONG);
	/* Sixteen is allowed as far as length goes. */
	ch.n = CERT_MAX_CHAIN;
	assert_int_equal(verify(t, COMM, key_public(t->comm.kp), &ch, NOW),
	    CERT_EDECODE);
}

static void
test_decode_and_kind(void **state)
{
	struct tree		*t = *state;
	struct chain		 ch;
	Nodenet__RecordBody	 rb;
	Nodenet__NodeStatus	 st;
	char			 origin[] = DIST;
	uint8_t			*buf, *bad, id[WIRE_ID_BYTES];
	size_t			 len;
	const uint8_t		*k = key_public(t->comm.kp);

	/* Garbage in the middle. */
	comm_chain(t, &ch);
	ch.c[1] = (const uint8_t *)"\x0a\x03" "abc";
	ch.l[1] = 5;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EDECODE);
	ch.l[1] = 0;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EDECODE);

	/* One flipped bit in the district's certificate. */
	comm_chain(t, &ch);
	bad = malloc(t->dist.len);
	assert_non_null(bad);
	memcpy(bad, t->dist.cert, t->dist.len);
	bad[t->dist.len / 2] ^= 0x10;
	ch.c[1] = bad;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EDECODE);
	free(bad);

	/* A good record of another kind. */
	nodenet__record_body__init(&rb);
	nodenet__node_status__init(&st);
	rb.origin = origin;
	rb.origin_seq = 3;
	rb.kind_case = NODENET__RECORD_BODY__KIND_STATUS;
	rb.status = &st;
	assert_int_equal(wire_record_make(t->dist.kp, &rb, &buf, &len, id), 0);
	comm_chain(t, &ch);
	ch.c[1] = buf;
	ch.l[1] = len;
	assert_int_equal(verify(t, COMM, k, &ch, NOW), CERT_EKIND);
	free(buf);

	/* A certificate whose subject is not a valid name. */
	buf = raw_cert(t->dist.kp, DIST, "Tanthanh." DIST, k, T0,
	    T0 + YEAR_MS, &len, id);
	comm_chain(t, &ch);
	ch.c[0] = buf;
	ch.l[0] = len;
	assert_int_equal(verify(t, "Tanthanh." DIST, k, &ch, NOW),
	    CERT_EDECODE);
	free(buf);
}

static void
test_issue_refuses(void **state)
{
	struct tree	*t = *state;
	uint8_t		*out, id[WIRE_ID_BYTES];
	size_t		 len;
	const uint8_t	*k = key_public(t->comm.kp);

	assert_int_equal(cert_issue(t->dist.kp, DIST, 2, "Xa." DIST, k, T0,
	    T0 + 1, &t->trust, &out, &len, id), CERT_EINVAL);
	assert_int_equal(cert_issue(t->dist.kp, "", 2, COMM, k, T0, T0 + 1,
	    &t->trust, &out, &len, id), CERT_EINVAL);
	assert_int_equal(cert_issue(t->dist.kp, DIST, 2, COMM, k, T0, T0,
	    &t->trust, &out, &len, id), CERT_EINVAL);
	/* Not the root: the root's name with another key, or its key with another name. */
	assert_int_equal(cert_issue(t->rogue, ROOT, 2, PROV, k, T0, T0 + 1,
	    &t->trust, &out, &len, id), CERT_EISSUER);
	assert_int_equal(cert_issue(t->root.kp, "quangninh", 2,
	    "xa.quangninh", k, T0, T0 + 1, &t->trust, &out, &len, id),
	    CERT_EISSUER);
	/* Without trust nobody is the root. */
	assert_int_equal(cert_issue(t->root.kp, ROOT, 2, PROV, k, T0, T0 + 1,
	    NULL, &out, &len, id), CERT_ENAME);
	assert_int_equal(cert_issue(t->dist.kp, DIST, 2, COMM, k, T0, T0 + 1,
	    NULL, &out, &len, id), 0);
	free(out);
	/* Sequence 0 is refused by wire_record_make. */
	assert_int_equal(cert_issue(t->dist.kp, DIST, 0, COMM, k, T0, T0 + 1,
	    &t->trust, &out, &len, id), WIRE_EFIELD);
	assert_null(out);

	/* What it makes opens as a record with the fields given. */
	struct wire_record	r;

	assert_int_equal(cert_issue(t->dist.kp, DIST, 42, COMM, k, T0,
	    T0 + 5, &t->trust, &out, &len, id), 0);
	assert_int_equal(wire_record_open(out, len, &r), 0);
	assert_memory_equal(r.id, id, WIRE_ID_BYTES);
	assert_string_equal(r.rb->origin, DIST);
	assert_int_equal(r.rb->origin_seq, 42);
	assert_memory_equal(r.rb->origin_key.data, key_public(t->dist.kp),
	    KEY_PUBLIC_BYTES);
	assert_int_equal(r.rb->kind_case, NODENET__RECORD_BODY__KIND_CERT);
	assert_string_equal(r.rb->cert->subject, COMM);
	assert_memory_equal(r.rb->cert->subject_key.data, k, KEY_PUBLIC_BYTES);
	assert_int_equal(r.rb->cert->not_before_ms, T0);
	assert_int_equal(r.rb->cert->not_after_ms, T0 + 5);
	wire_record_clear(&r);
	free(out);
}

/* ---- chain files ---- */

static void
test_file_round_trip(void **state)
{
	struct fixture		*f = *state;
	struct tree		*t = f->t;
	struct cert_chain	 c, in;
	struct stat		 sb;
	char			 path[PATH_MAX];
	uint8_t			*certs[3] = { t->comm.cert, t->dist.cert,
				    t->prov.cert };
	size_t			 lens[3] = { t->comm.len, t->dist.len,
				    t->prov.len };
	DIR			*d;

	path_in(f, "chain", path, sizeof(path));
	c.certs = certs;
	c.lens = lens;
	c.n = 3;
	assert_int_equal(cert_chain_save(path, &c), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);

	assert_int_equal(cert_chain_load(path, &in), 0);
	assert_int_equal(in.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(in.lens[i], lens[i]);
		assert_memory_equal(in.certs[i], certs[i], lens[i]);
	}
	assert_int_equal(cert_chain_check(&t->trust, COMM,
	    key_public(t->comm.kp), &in, NOW), 0);
	cert_chain_free(&in);
	assert_null(in.certs);
	assert_int_equal(in.n, 0);
	cert_chain_free(&in);	/* twice is harmless */

	/* Replacing it leaves the new chain and no temporary file. */
	c.certs = certs + 1;
	c.lens = lens + 1;
	c.n = 2;
	assert_int_equal(cert_chain_save(path, &c), 0);
	assert_int_equal(cert_chain_load(path, &in), 0);
	assert_int_equal(in.n, 2);
	assert_memory_equal(in.certs[0], t->dist.cert, t->dist.len);
	assert_int_equal(cert_chain_check(&t->trust, DIST,
	    key_public(t->dist.kp), &in, NOW), 0);
	cert_chain_free(&in);
	d = opendir(f->dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		assert_true(strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, "chain") == 0);
	closedir(d);

	/* The root's chain is empty, and so is its file. */
	c.n = 0;
	assert_int_equal(cert_chain_save(path, &c), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(cert_chain_load(path, &in), 0);
	assert_int_equal(in.n, 0);
	assert_int_equal(cert_chain_check(&t->trust, ROOT, t->trust.root_key,
	    &in, NOW), 0);
	cert_chain_free(&in);
}

static void
test_file_refused(void **state)
{
	struct fixture		*f = *state;
	struct tree		*t = f->t;
	struct cert_chain	 c, in;
	Nodenet__CertChain	 cc;
	ProtobufCBinaryData	 bd[CERT_MAX_CHAIN + 1];
	char			 path[PATH_MAX];
	uint8_t			*buf, *certs[CERT_MAX_CHAIN + 1];
	size_t			 len, lens[CERT_MAX_CHAIN + 1];

	path_in(f, "chain", path, sizeof(path));

	/* Missing. */
	assert_int_equal(cert_chain_load(path, &in), ENOENT);
	assert_null(in.certs);

	/* Garbage. */
	write_file(path, "\xff\xff\xff\xff garbage", 12);
	assert_int_equal(cert_chain_load(path, &in), CERT_EDECODE);
	assert_null(in.certs);
	assert_int_equal(in.n, 0);

	/* A directory, and a FIFO (which must not hang). */
	assert_int_equal(cert_chain_load(f->dir, &in), CERT_EDECODE);
	path_in(f, "fifo", path, sizeof(path));
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cert_chain_load(path, &in), CERT_EDECODE);
	path_in(f, "chain", path, sizeof(path));

	/* One byte over the limit, even if it would decode. */
	len = CERT_MAX_FILE + 1;
	buf = calloc(1, len);
	assert_non_null(buf);
	write_file(path, buf, len);
	assert_int_equal(cert_chain_load(path, &in), CERT_ETOOBIG);
	/* At the limit, zeros do not decode (field number 0). */
	write_file(path, buf, CERT_MAX_FILE);
	assert_int_equal(cert_chain_load(path, &in), CERT_EDECODE);
	free(buf);

	/* Seventeen certificates. */
	nodenet__cert_chain__init(&cc);
	for (size_t i = 0; i < CERT_MAX_CHAIN + 1; i++) {
		bd[i].data = t->comm.cert;
		bd[i].len = t->comm.len;
		certs[i] = t->comm.cert;
		lens[i] = t->comm.len;
	}
	cc.n_certs = CERT_MAX_CHAIN + 1;
	cc.certs = bd;
	len = nodenet__cert_chain__get_packed_size(&cc);
	buf = malloc(len);
	assert_non_null(buf);
	nodenet__cert_chain__pack(&cc, buf);
	write_file(path, buf, len);
	free(buf);
	assert_int_equal(cert_chain_load(path, &in), CERT_ETOOLONG);

	/* And save will not write one. */
	c.certs = certs;
	c.lens = lens;
	c.n = CERT_MAX_CHAIN + 1;
	assert_int_equal(cert_chain_save(path, &c), CERT_ETOOLONG);

	/* A save into a missing directory fails and leaves nothing. */
	path_in(f, "nodir/chain", path, sizeof(path));
	c.n = 1;
	assert_int_equal(cert_chain_save(path, &c), ENOENT);
}

/* ---- revocations ---- */

/* Opens buf into r, which the caller clears. */
static void
open_rec(const uint8_t *buf, size_t len, struct wire_record *r)
{
	assert_int_equal(wire_record_open(buf, len, r), 0);
}

/*
 * Persons (proto/README.md, "Personal signatures"): only the office
 * itself certifies its officials, the root included; a person's
 * certificate proves nothing in a node's chain; the office or an office
 * above it revokes one.
 */
static void
test_person(void **state)
{
	struct tree		*t = *state;
	struct wire_record	 cert, rev;
	struct chain		 ch = { 0 }, dch = { 0 };
	const uint8_t		*pk = key_public(t->rogue);
	uint8_t			*buf = NULL, *pc, id[WIRE_ID_BYTES];
	size_t			 len, pclen;
	const char		*office;

	assert_true(name_person("chairman@" COMM, &office));
	assert_string_equal(office, COMM);
	assert_false(name_person(COMM, NULL));
	assert_false(name_person("Chairman@" COMM, NULL));
	assert_true(name_may_certify("a@" DIST, DIST));
	assert_false(name_may_certify("a@" COMM, DIST));
	assert_false(name_may_certify("a@" DIST, COMM));
	assert_true(name_may_revoke("a@" COMM, COMM));
	assert_true(name_may_revoke("a@" COMM, PROV));
	assert_false(name_may_revoke("a@" COMM, OTHER));

	assert_int_equal(cert_issue(t->comm.kp, COMM, 9, "chairman@" COMM,
	    pk, T0, T0 + YEAR_MS, &t->trust, &pc, &pclen, id), 0);
	/* Not an ancestor's, not another office's, not the root's. */
	assert_int_equal(cert_issue(t->dist.kp, DIST, 9, "chairman@" COMM,
	    pk, T0, T0 + YEAR_MS, &t->trust, &buf, &len, id), CERT_ENAME);
	assert_int_equal(cert_issue(t->root.kp, ROOT, 9, "chairman@" COMM,
	    pk, T0, T0 + YEAR_MS, &t->trust, &buf, &len, id), CERT_ENAME);
	assert_int_equal(cert_issue(t->other.kp, OTHER, 9, "chairman@" COMM,
	    pk, T0, T0 + YEAR_MS, &t->trust, &buf, &len, id), CERT_ENAME);
	assert_int_equal(cert_issue(t->root.kp, ROOT, 9, "minister@" ROOT,
	    pk, T0, T0 + YEAR_MS, &t->trust, &buf, &len, id), 0);
	free(buf);
	buf = NULL;

	/* A chain with a person's certificate proves nothing. */
	push(&ch, pc, pclen);
	push_m(&ch, &t->comm);
	push_m(&ch, &t->dist);
	push_m(&ch, &t->prov);
	assert_int_equal(verify(t, "chairman@" COMM, pk, &ch, NOW),
	    CERT_EDECODE);

	/* Revoked by the district above the office, checked so. */
	push_m(&dch, &t->dist);
	push_m(&dch, &t->prov);
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 10, &t->trust, pc,
	    pclen, "left office", &buf, &len, id), 0);
	open_rec(pc, pclen, &cert);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    dch.c, dch.l, dch.n, NOW), 0);
	wire_record_clear(&rev);
	free(buf);
	assert_int_equal(cert_revoke(t->other.kp, OTHER, 10, &t->trust, pc,
	    pclen, NULL, &buf, &len, id), CERT_EREVOKER);
	wire_record_clear(&cert);
	free(pc);
}

static void
test_revocation_by_ancestors(void **state)
{
	struct tree		*t = *state;
	struct wire_record	 cert, rev;
	struct chain		 dch = { 0 }, pch = { 0 }, none = { 0 };
	uint8_t			*buf, id[WIRE_ID_BYTES];
	size_t			 len;

	push_m(&dch, &t->dist);
	push_m(&dch, &t->prov);
	push_m(&pch, &t->prov);
	open_rec(t->comm.cert, t->comm.len, &cert);

	/* The issuer. */
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 3, &t->trust,
	    t->comm.cert, t->comm.len, "key lost", &buf, &len, id), 0);
	open_rec(buf, len, &rev);
	assert_memory_equal(rev.id, id, WIRE_ID_BYTES);
	assert_int_equal(rev.rb->kind_case,
	    NODENET__RECORD_BODY__KIND_REVOCATION);
	assert_memory_equal(rev.rb->revocation->certificate_id.data,
	    t->comm.id, WIRE_ID_BYTES);
	assert_memory_equal(rev.rb->revocation->subject_key.data,
	    key_public(t->comm.kp), KEY_PUBLIC_BYTES);
	assert_string_equal(rev.rb->revocation->reason, "key lost");
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    dch.c, dch.l, dch.n, NOW), 0);
	/* ... but not without its own chain, nor with another's. */
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    none.c, none.l, 0, NOW), CERT_ESUBJECT);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    pch.c, pch.l, pch.n, NOW), CERT_ESUBJECT);
	/* ... nor once its own chain has expired, nor is revoked. */
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    dch.c, dch.l, dch.n, T0 + YEAR_MS + CERT_SKEW_MS), CERT_EEXPIRED);
	t->revoked_id = t->dist.id;
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    dch.c, dch.l, dch.n, NOW), CERT_EREVOKED);
	t->revoked_id = NULL;
	/* The revocation does not fit another certificate. */
	{
		struct wire_record	dcert;

		open_rec(t->dist.cert, t->dist.len, &dcert);
		assert_int_equal(cert_revocation_check(&t->trust, &rev,
		    &dcert, dch.c, dch.l, dch.n, NOW), CERT_ESUBJECT);
		/* Nor is a certificate a revocation. */
		assert_int_equal(cert_revocation_check(&t->trust, &dcert,
		    &cert, dch.c, dch.l, dch.n, NOW), CERT_EKIND);
		assert_int_equal(cert_revocation_check(&t->trust, &rev, &rev,
		    dch.c, dch.l, dch.n, NOW), CERT_EKIND);
		wire_record_clear(&dcert);
	}
	wire_record_clear(&rev);
	free(buf);

	/* The province, two levels up. */
	assert_int_equal(cert_revoke(t->prov.kp, PROV, 3, &t->trust,
	    t->comm.cert, t->comm.len, NULL, &buf, &len, id), 0);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    pch.c, pch.l, pch.n, NOW), 0);
	wire_record_clear(&rev);
	free(buf);

	/* The root, which needs no chain. */
	assert_int_equal(cert_revoke(t->root.kp, ROOT, 3, &t->trust,
	    t->comm.cert, t->comm.len, "", &buf, &len, id), 0);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    none.c, none.l, 0, NOW), 0);
	wire_record_clear(&rev);
	free(buf);
	wire_record_clear(&cert);

	/* The root revokes a province, which only it can. */
	open_rec(t->prov.cert, t->prov.len, &cert);
	assert_int_equal(cert_revoke(t->root.kp, ROOT, 4, &t->trust,
	    t->prov.cert, t->prov.len, NULL, &buf, &len, id), 0);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    none.c, none.l, 0, NOW), 0);
	wire_record_clear(&rev);
	free(buf);
	assert_int_equal(cert_revoke(t->prov.kp, PROV, 4, &t->trust,
	    t->prov.cert, t->prov.len, NULL, &buf, &len, id), CERT_EREVOKER);
	assert_null(buf);
	wire_record_clear(&cert);
}

static void
test_revocation_by_others(void **state)
{
	struct tree		*t = *state;
	struct wire_record	 cert, rev;
	struct chain		 och = { 0 }, cch, dch = { 0 };
	uint8_t			*buf, *out, id[WIRE_ID_BYTES];
	size_t			 len, out_len;
	char			 reason[CERT_MAX_REASON + 2];

	push_m(&och, &t->other);
	push_m(&och, &t->prov);
	push_m(&dch, &t->dist);
	push_m(&dch, &t->prov);
	comm_chain(t, &cch);
	open_rec(t->comm.cert, t->comm.len, &cert);

	/* A sibling district: cert_revoke refuses to make it ... */
	assert_int_equal(cert_revoke(t->other.kp, OTHER, 3, &t->trust,
	    t->comm.cert, t->comm.len, NULL, &buf, &len, id), CERT_EREVOKER);
	assert_null(buf);
	/* ... and made by hand, with a good chain of its own, it fails. */
	buf = raw_revocation(t->other.kp, OTHER, t->comm.id,
	    key_public(t->comm.kp), &len);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    och.c, och.l, och.n, NOW), CERT_EREVOKER);
	wire_record_clear(&rev);
	free(buf);

	/* The commune revoking its own certificate, or its district's. */
	assert_int_equal(cert_revoke(t->comm.kp, COMM, 3, &t->trust,
	    t->comm.cert, t->comm.len, NULL, &buf, &len, id), CERT_EREVOKER);
	buf = raw_revocation(t->comm.kp, COMM, t->comm.id,
	    key_public(t->comm.kp), &len);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    cch.c, cch.l, cch.n, NOW), CERT_EREVOKER);
	wire_record_clear(&rev);
	free(buf);
	wire_record_clear(&cert);
	open_rec(t->dist.cert, t->dist.len, &cert);
	buf = raw_revocation(t->comm.kp, COMM, t->dist.id,
	    key_public(t->dist.kp), &len);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    cch.c, cch.l, cch.n, NOW), CERT_EREVOKER);
	wire_record_clear(&rev);
	free(buf);
	wire_record_clear(&cert);

	/* The district's name with a rogue key, showing the district's chain. */
	open_rec(t->comm.cert, t->comm.len, &cert);
	buf = raw_revocation(t->rogue, DIST, t->comm.id,
	    key_public(t->comm.kp), &len);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    dch.c, dch.l, dch.n, NOW), CERT_ESUBJECT);
	wire_record_clear(&rev);
	free(buf);
	/* The root's name with a rogue key. */
	buf = raw_revocation(t->rogue, ROOT, t->comm.id,
	    key_public(t->comm.kp), &len);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    NULL, NULL, 0, NOW), CERT_ESUBJECT);
	wire_record_clear(&rev);
	free(buf);
	/* The issuer naming a key the certificate does not bind. */
	buf = raw_revocation(t->dist.kp, DIST, t->comm.id,
	    key_public(t->other.kp), &len);
	open_rec(buf, len, &rev);
	assert_int_equal(cert_revocation_check(&t->trust, &rev, &cert,
	    dch.c, dch.l, dch.n, NOW), CERT_ESUBJECT);
	wire_record_clear(&rev);
	free(buf);
	wire_record_clear(&cert);

	/* Bad arguments to cert_revoke. */
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 3, &t->trust,
	    t->comm.cert, t->comm.len, reason, &buf, &len, id), CERT_EINVAL);
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 3, &t->trust,
	    (const uint8_t *)"junk", 4, NULL, &buf, &len, id), CERT_EDECODE);
	buf = raw_revocation(t->dist.kp, DIST, t->comm.id,
	    key_public(t->comm.kp), &len);
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 3, &t->trust, buf,
	    len, NULL, &out, &out_len, id), CERT_EKIND);
	assert_null(out);
	free(buf);
	/* A reason every receiver would refuse (not UTF-8). */
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 3, &t->trust,
	    t->comm.cert, t->comm.len, "caf\xe9", &out, &out_len, id),
	    CERT_EINVAL);
	assert_null(out);
	/* Exactly CERT_MAX_REASON bytes is allowed. */
	reason[CERT_MAX_REASON] = '\0';
	assert_int_equal(cert_revoke(t->dist.kp, DIST, 3, &t->trust,
	    t->comm.cert, t->comm.len, reason, &out, &out_len, id), 0);
	free(out);
}

static void
test_strerror(void **state)
{
	static const int	codes[] = { CERT_EDECODE, CERT_EKIND,
				    CERT_ESUBJECT, CERT_EISSUER, CERT_ENAME,
				    CERT_EEXPIRED, CERT_ENOTYET, CERT_EREVOKED,
				    CERT_ETOOLONG, CERT_ETOOBIG, CERT_EINVAL,
				    CERT_EREVOKER, CERT_EUNKNOWN };
	const size_t		n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(cert_strerror(codes[i]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(cert_strerror(codes[i]),
			    cert_strerror(codes[j]));
	}
	assert_string_equal(cert_strerror(WIRE_ESIG), wire_strerror(WIRE_ESIG));
	assert_string_equal(cert_strerror(ENOENT), strerror(ENOENT));
}

#define T(f)	cmocka_unit_test_setup(f, reset)
#define TD(f)	cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_name_within),
		T(test_good_chain_each_tier),
		T(test_root_needs_no_cert),
		T(test_root_key_or_name_in_a_cert),
		T(test_wrong_leaf),
		T(test_out_of_order),
		T(test_missing_middle),
		T(test_name_constraint),
		T(test_issuer_wrong_key),
		T(test_window),
		T(test_window_bounds),
		T(test_window_why),
		T(test_span),
		T(test_revoked),
		T(test_too_long),
		T(test_decode_and_kind),
		T(test_issue_refuses),
		TD(test_file_round_trip),
		TD(test_file_refused),
		T(test_revocation_by_ancestors),
		T(test_revocation_by_others),
		T(test_person),
		T(test_strerror),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_cert: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
