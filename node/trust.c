/*
 * trust: who may act as which name, now (see trust.h).
 *
 * SECURITY: everything here is about input from other nodes. A
 * certificate binds (subject, key) only through a chain of certificates
 * held here, each checked at use, never at arrival alone: a certificate
 * that was fine when it came is worthless once any element above it is
 * revoked or out of its window. The index keeps every certificate apart
 * (store_cert.c), so one certificate never hides another, and the key a
 * connection speaks for is the one its Hello's chain proves, checked
 * against the X25519 key the handshake authenticated: Ed25519 keys A and
 * -A share an X25519 form, so the X25519 key alone names no one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cert.h"
#include "clock.h"
#include "log.h"
#include "name.h"
#include "node.h"
#include "psig.h"
#include "trust.h"
#include "turn.h"
#include "xmem.h"

#define MEMO_SLOTS	64

/* What trust keeps between questions (n_trust_state). */
struct trust_state {
	/* Answers, for the transactions that see what they were read in
	 * (store_txn_generation()), until a certificate is applied. */
	struct trust_memo {
		char		name[STORE_MAX_PEER + 1];
		uint8_t		key[KEY_PUBLIC_BYTES];
		int		rc;
		uint64_t	until;
		uint64_t	txn_gen;
		int		used;
	}		memo[MEMO_SLOTS];
	/* Ed25519 -> X25519 costs as much as a verify: remembered. */
	struct curve_memo {
		uint8_t	ed[KEY_PUBLIC_BYTES];
		uint8_t	curve[32];
		int	valid;
	}		curve[256];
};

/* key_curve_public() through a small cache; 0 or -1 as it returns. */
static int
curve_of(struct node *n, const uint8_t ed[KEY_PUBLIC_BYTES],
    uint8_t curve[32])
{
	struct curve_memo	*m = &n->n_trust_state->curve[ed[0] ^ ed[31]];

	if (!m->valid || memcmp(m->ed, ed, KEY_PUBLIC_BYTES) != 0) {
		if (key_curve_public(ed, m->curve) != 0) {
			m->valid = 0;
			return -1;
		}
		memcpy(m->ed, ed, KEY_PUBLIC_BYTES);
		m->valid = 1;
	}
	memcpy(curve, m->curve, 32);
	return 0;
}

/*
 * 1 if the certificate cert_id, or key for subject, is revoked here: a
 * key revocation counts for subjects within its revoker's subtree (the
 * root's everywhere), since anyone may certify a key under a name of its
 * own and revoke that.
 */
static int
revoked(struct node *n, store_txn_t *txn, const uint8_t cert_id[WIRE_ID_BYTES],
    const uint8_t key[KEY_PUBLIC_BYTES], const char *subject)
{
	const char	*s;

	if (store_is_revoked(txn, cert_id) != 0)
		return 1;
	/*
	 * Only the revokers that count: the root, the subject and each of
	 * its ancestors, looked up by name; so however many nodes revoked
	 * the same key under names of their own, this reads a few entries.
	 */
	if (store_is_key_revoked(txn, key, n->n_conf->root_name) != 0)
		return 1;
	/* A person's revokers are its office and the offices above. */
	if (!name_person(subject, &s))
		s = subject;
	for (; s != NULL; s = strchr(s, '.') != NULL ?
	    strchr(s, '.') + 1 : NULL)
		if (store_is_key_revoked(txn, key, s) != 0)
			return 1;	/* or unreadable: refuse */
	return 0;
}

/* The revocation check of cert_chain_verify(), from the store. */
static int
chain_revoked(void *arg, const uint8_t cert_id[WIRE_ID_BYTES],
    const uint8_t key[KEY_PUBLIC_BYTES], const char *subject)
{
	struct node	*n = arg;
	store_txn_t	*txn = n->n_txn;
	int		 rc;

	if (n->n_store == NULL)
		return 0;	/* checking our own chain before the store */
	if (txn == NULL && store_txn_begin(n->n_store, STORE_RDONLY, &txn))
		return 1;	/* cannot tell: refuse */
	rc = revoked(n, txn, cert_id, key, subject);
	if (txn != n->n_txn)
		store_txn_abort(&txn);
	return rc != 0;
}

void
trust_init(struct node *n)
{
	n->n_trust.root_name = n->n_conf->root_name;
	memcpy(n->n_trust.root_key, n->n_conf->root_key, KEY_PUBLIC_BYTES);
	n->n_trust.revoked = chain_revoked;
	n->n_trust.arg = n;
	n->n_trust_state = xcalloc(1, sizeof(*n->n_trust_state));
}

void
trust_free(struct node *n)
{
	free(n->n_trust_state);
	n->n_trust_state = NULL;
}

static void
forget(struct node *n)
{
	memset(n->n_trust_state->memo, 0, sizeof(n->n_trust_state->memo));
}

/* May this certificate's issuer certify its subject at all? */
static int
issuer_may(const struct node *n, const struct store_cert *c)
{
	if (strcmp(c->subject, n->n_conf->root_name) == 0 ||
	    sodium_memcmp(c->key, n->n_conf->root_key, KEY_PUBLIC_BYTES) == 0)
		return 0;	/* the root's name and key are its own */
	/* The root certifies any node, but only its own officials. */
	if (cert_is_root(&n->n_trust, c->issuer, c->issuer_key) &&
	    !name_person(c->subject, NULL))
		return 1;
	return name_may_certify(c->subject, c->issuer);
}

/* Orders failures by how much they tell an admin: the most telling wins. */
static int
telling(int a, int b)
{
	static const int	order[] = { CERT_EUNKNOWN, CERT_ETOOLONG,
				    CERT_EISSUER, CERT_ENAME, CERT_ENOTYET,
				    CERT_EEXPIRED, CERT_EREVOKED };
	int			ra = -1, rb = -1;

	for (int i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

/*
 * The first certificate a walk found out of its window, for each way
 * out (trust_why()): [0] not yet valid, [1] expired.
 */
struct window_fault {
	struct {
		int		set;
		char		subject[STORE_MAX_PEER + 1];
		uint64_t	not_before_ms, not_after_ms;
	}	f[2];
};

static void
fault_note(struct window_fault *wf, int rc, const struct store_cert *c)
{
	int	i = rc == CERT_EEXPIRED;

	if (wf == NULL || wf->f[i].set)
		return;
	wf->f[i].set = 1;
	snprintf(wf->f[i].subject, sizeof(wf->f[i].subject), "%s", c->subject);
	wf->f[i].not_before_ms = c->not_before_ms;
	wf->f[i].not_after_ms = c->not_after_ms;
}

static int	walk(struct node *, store_txn_t *, const char *,
		    const uint8_t *, uint64_t, unsigned, unsigned *,
		    uint64_t *, struct window_fault *);

/* One certificate, and the chain above it: 0 with *until, or a code
 * (a window's noted in wf, which may be NULL). */
static int
cert_holds(struct node *n, store_txn_t *txn, const struct store_cert *c,
    uint64_t now, unsigned depth, unsigned *budget, uint64_t *until,
    struct window_fault *wf)
{
	uint64_t	above, end;
	int		rc;

	if (!issuer_may(n, c))
		return CERT_ENAME;
	if ((rc = cert_window(c->not_before_ms, c->not_after_ms, now)) != 0) {
		fault_note(wf, rc, c);
		return rc;
	}
	if (revoked(n, txn, c->cert_id, c->key, c->subject))
		return CERT_EREVOKED;
	if ((rc = walk(n, txn, c->issuer, c->issuer_key, now, depth + 1,
	    budget, &above, wf)) != 0)
		return rc == CERT_EUNKNOWN ? CERT_EISSUER : rc;
	end = cert_window_end(c->not_after_ms);
	*until = above < end ? above : end;
	return 0;
}

/* trust_check() without the memo; depth certificates below, budget
 * certificates left to read. */
static int
walk(struct node *n, store_txn_t *txn, const char *name, const uint8_t *key,
    uint64_t now, unsigned depth, unsigned *budget, uint64_t *until,
    struct window_fault *wf)
{
	struct store_cert	c = { .subject = "" };
	uint8_t			curve[32];
	int			best = CERT_EUNKNOWN, rc;

	if (cert_is_root(&n->n_trust, name, key)) {
		*until = UINT64_MAX;
		return 0;
	}
	if (depth >= CERT_MAX_CHAIN)
		return CERT_ETOOLONG;
	/* A person is never an issuer: only the first step may be one. */
	if (!(name_valid(name) || (depth == 0 && name_person(name, NULL))) ||
	    curve_of(n, key, curve) != 0)
		return CERT_EUNKNOWN;
	while (store_cert_next(txn, curve, name, &c) == 0) {
		if (*budget == 0)
			return telling(best, CERT_ETOOLONG);
		(*budget)--;
		/* The same X25519 form: a certificate of the negated key. */
		if (sodium_memcmp(c.key, key, KEY_PUBLIC_BYTES) != 0)
			continue;
		if ((rc = cert_holds(n, txn, &c, now, depth, budget,
		    until, wf)) == 0)
			return 0;
		best = telling(best, rc);
	}
	return best;
}

static struct trust_memo *
memo_slot(struct node *n, const char *name, const uint8_t *key)
{
	uint32_t	h = 2166136261u;

	for (const char *s = name; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	for (int i = 0; i < 8; i++)
		h = (h ^ key[i]) * 16777619u;
	return &n->n_trust_state->memo[h % MEMO_SLOTS];
}

int
trust_check(struct node *n, store_txn_t *txn, const char *name,
    const uint8_t key[KEY_PUBLIC_BYTES], uint64_t now_ms, uint64_t *until)
{
	struct trust_memo	*m = memo_slot(n, name, key);
	unsigned		 budget = TRUST_MAX_CERTS;
	uint64_t		 u = 0;
	int			 rc;

	if (m->used && m->txn_gen == store_txn_generation(txn) &&
	    strcmp(m->name, name) == 0 &&
	    memcmp(m->key, key, KEY_PUBLIC_BYTES) == 0 &&
	    (m->rc != 0 || now_ms < m->until)) {
		if (until != NULL)
			*until = m->until;
		return m->rc;
	}
	rc = walk(n, txn, name, key, now_ms, 0, &budget, &u, NULL);
	if (strlen(name) <= STORE_MAX_PEER) {
		snprintf(m->name, sizeof(m->name), "%s", name);
		memcpy(m->key, key, KEY_PUBLIC_BYTES);
		m->rc = rc;
		m->until = u;
		m->txn_gen = store_txn_generation(txn);
		m->used = 1;
	}
	if (until != NULL)
		*until = u;
	return rc;
}

int
trust_check_at(struct node *n, store_txn_t *txn, const char *name,
    const uint8_t key[KEY_PUBLIC_BYTES], uint64_t t_ms)
{
	unsigned	budget = TRUST_MAX_CERTS;
	uint64_t	until;

	return walk(n, txn, name, key, t_ms, 0, &budget, &until, NULL);
}

const char *
trust_why(struct node *n, store_txn_t *txn, const char *name,
    const uint8_t key[KEY_PUBLIC_BYTES], uint64_t now_ms, int rc, char *buf,
    size_t len)
{
	struct window_fault	wf;
	unsigned		budget = TRUST_MAX_CERTS;
	uint64_t		until;
	int			i = rc == CERT_EEXPIRED;

	snprintf(buf, len, "%s", cert_strerror(rc));
	if (rc != CERT_ENOTYET && rc != CERT_EEXPIRED)
		return buf;
	/* The same walk as trust_check()'s, noting what it passes by. */
	memset(&wf, 0, sizeof(wf));
	(void)walk(n, txn, name, key, now_ms, 0, &budget, &until, &wf);
	if (wf.f[i].set)
		cert_window_why(buf, len, rc, wf.f[i].subject,
		    wf.f[i].not_before_ms, wf.f[i].not_after_ms, now_ms);
	return buf;
}

int
trust_cert_state(struct node *n, store_txn_t *txn, const struct store_cert *c,
    uint64_t now_ms)
{
	unsigned	budget = TRUST_MAX_CERTS;
	uint64_t	until;
	int		rc;

	rc = cert_holds(n, txn, c, now_ms, 0, &budget, &until, NULL);
	/* Its own window and revocation first; then whatever broke above. */
	if (rc != 0 && cert_window(c->not_before_ms, c->not_after_ms,
	    now_ms) == 0 && !revoked(n, txn, c->cert_id, c->key, c->subject) &&
	    issuer_may(n, c))
		rc = CERT_EISSUER;
	return rc;
}

/* The transaction to read the store with: the node's write transaction,
 * or a read-only one (*own set: abort it after). NULL if the store is
 * unavailable. */
static store_txn_t *
reader(struct node *n, int *own)
{
	store_txn_t	*txn = NULL;

	*own = 0;
	if (n->n_txn != NULL)
		return n->n_txn;
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
		return NULL;
	*own = 1;
	return txn;
}

int
trust_admit(struct node *n, const uint8_t curve[32], const char **why)
{
	struct store_cert	 c = { .subject = "" };
	store_txn_t		*txn;
	uint8_t			 lk[32];
	uint64_t		 now = clock_wall_ms();
	unsigned		 seen = 0;
	int			 own, rc, ok = 0;

	for (size_t i = 0; i < n->n_conf->n_links; i++)
		if (curve_of(n, n->n_conf->links[i].key, lk) == 0 &&
		    sodium_memcmp(lk, curve, 32) == 0)
			return 1;
	if ((txn = reader(n, &own)) == NULL) {
		*why = "store unavailable";
		return 0;
	}
	*why = "no certificate known for this key";
	while (!ok && store_cert_next(txn, curve, NULL, &c) == 0) {
		/*
		 * Past so many, let the Hello decide: a flood of bad
		 * certificates for the same X25519 form must not lock out
		 * the key's owner.
		 */
		if (seen++ == TRUST_MAX_CERTS) {
			ok = 1;
			break;
		}
		/* An official's key signs records' content, never links. */
		if (name_person(c.subject, NULL))
			continue;
		if ((rc = trust_check(n, txn, c.subject, c.key, now, NULL)) == 0)
			ok = 1;
		else
			*why = cert_strerror(rc);
	}
	if (own)
		store_txn_abort(&txn);
	return ok;
}

/*
 * The key a Hello's chain names (its first certificate's, the root's
 * for none), into key, if the handshake proved it (curve) and it is the
 * configured one (want, if not NULL): 0 or a CERT_E code.
 */
static int
hello_key(struct node *n, const ProtobufCBinaryData *chain, size_t nchain,
    const uint8_t curve[32], const uint8_t *want,
    uint8_t key[KEY_PUBLIC_BYTES])
{
	struct wire_record	leaf;
	uint8_t			kc[32];
	int			rc;

	if (nchain == 0)
		memcpy(key, n->n_conf->root_key, KEY_PUBLIC_BYTES);
	else {
		if ((rc = wire_record_open(chain[0].data, chain[0].len,
		    &leaf)) != 0)
			return CERT_EDECODE;
		rc = leaf.rb->kind_case != NODENET__RECORD_BODY__KIND_CERT ?
		    CERT_EKIND : leaf.rb->cert->subject_key.len !=
		    KEY_PUBLIC_BYTES ? CERT_EDECODE : 0;
		if (rc == 0)
			memcpy(key, leaf.rb->cert->subject_key.data,
			    KEY_PUBLIC_BYTES);
		wire_record_clear(&leaf);
		if (rc != 0)
			return rc;
	}
	/* The key the handshake proved, and no other of the same form. */
	if (curve_of(n, key, kc) != 0 || sodium_memcmp(kc, curve, 32) != 0 ||
	    (want != NULL && sodium_memcmp(key, want, KEY_PUBLIC_BYTES) != 0))
		return CERT_ESUBJECT;
	return 0;
}

int
trust_hello(struct node *n, const char *name, const ProtobufCBinaryData *chain,
    size_t nchain, const uint8_t curve[32], const uint8_t *want,
    uint8_t key[KEY_PUBLIC_BYTES], char *why, size_t whylen)
{
	const uint8_t	**certs;
	size_t		 *lens;
	uint64_t	  now = clock_wall_ms();
	int		  rc;

	if (nchain > CERT_MAX_CHAIN)
		rc = CERT_ETOOLONG;
	else
		rc = hello_key(n, chain, nchain, curve, want, key);
	if (rc != 0) {
		snprintf(why, whylen, "%s", cert_strerror(rc));
		return rc;
	}
	certs = xcalloc(nchain + 1, sizeof(*certs));
	lens = xcalloc(nchain + 1, sizeof(*lens));
	for (size_t i = 0; i < nchain; i++) {
		certs[i] = chain[i].data;
		lens[i] = chain[i].len;
	}
	rc = cert_chain_verify(&n->n_trust, name, key, certs, lens, nchain,
	    now);
	if (rc != 0)
		cert_chain_why(why, whylen, rc, certs, lens, nchain, now);
	free(certs);
	free(lens);
	return rc;
}

int
trust_person(struct node *n, store_txn_t *txn, const Nodenet__RecordBody *rb,
    uint64_t now_ms, char *why, size_t whylen)
{
	const Nodenet__PersonSignature	*ps;
	const char			*office, *bad;
	uint8_t				 digest[PSIG_DIGEST_BYTES];
	char				 cwhy[200];
	int				 rc;

	if ((rc = psig_of(rb, &ps, digest, &bad)) == 0)
		return 0;
	if (rc < 0) {
		snprintf(why, whylen, "%s", bad);
		return -1;
	}
	/* An office speaks for its own officials only. */
	if (!name_person(ps->person, &office) ||
	    strcmp(office, rb->origin) != 0) {
		snprintf(why, whylen, "personal signature of %.80s: not an "
		    "official of %.80s, the record's origin", ps->person,
		    rb->origin);
		return -1;
	}
	if (psig_verify(ps->key.data, digest, ps->signature.data) != 0) {
		snprintf(why, whylen, "personal signature of %.80s does not "
		    "verify over the content", ps->person);
		return -1;
	}
	if ((rc = trust_check(n, txn, ps->person, ps->key.data, now_ms,
	    NULL)) != 0) {
		snprintf(why, whylen, "personal key of %.80s not certified: "
		    "%s", ps->person, trust_why(n, txn, ps->person,
		    ps->key.data, now_ms, rc, cwhy, sizeof(cwhy)));
		return -1;
	}
	return 0;
}

/* A certificate: indexed if its issuer may issue it. */
static void
apply_cert(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	const Nodenet__Certificate	*c = wr->rb->cert;
	struct store_cert		 sc;
	uint8_t				 curve[32];

	if (c->subject == NULL || !(name_valid(c->subject) ||
	    name_person(c->subject, NULL)) || c->subject_key.len != KEY_PUBLIC_BYTES ||
	    key_curve_public(c->subject_key.data, curve) != 0)
		return;
	memset(&sc, 0, sizeof(sc));
	memcpy(sc.key, c->subject_key.data, KEY_PUBLIC_BYTES);
	memcpy(sc.cert_id, wr->id, WIRE_ID_BYTES);
	snprintf(sc.subject, sizeof(sc.subject), "%s", c->subject);
	snprintf(sc.issuer, sizeof(sc.issuer), "%s", wr->rb->origin);
	memcpy(sc.issuer_key, wr->rb->origin_key.data, KEY_PUBLIC_BYTES);
	sc.not_before_ms = c->not_before_ms;
	sc.not_after_ms = c->not_after_ms;
	if (!issuer_may(n, &sc)) {
		log_warnx("event=cert_ignored subject=%s issuer=%s "
		    "reason=\"outside the issuer's subtree\"", c->subject,
		    wr->rb->origin);
		return;
	}
	if (store_cert_put(txn, curve, &sc) != 0)
		log_warnx("event=cert_unindexed subject=%s", c->subject);
}

/*
 * A revocation: honoured if the root or a node strictly above the
 * revoked certificate's subject signed it. 1 if honoured.
 */
static int
apply_revocation(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	const Nodenet__Revocation	*r = wr->rb->revocation;
	struct store_record		 rec;
	struct wire_record		 cert;
	int				 done = 0;

	if (r->certificate_id.len != WIRE_ID_BYTES ||
	    store_get(txn, r->certificate_id.data, &rec) != 0)
		return 0;
	if (wire_record_check(rec.body, rec.body_len, rec.sig, &cert) != 0)
		return 0;
	if (cert.rb->kind_case == NODENET__RECORD_BODY__KIND_CERT &&
	    (cert_is_root(&n->n_trust, wr->rb->origin,
	    wr->rb->origin_key.data) ||
	    name_may_revoke(cert.rb->cert->subject, wr->rb->origin)) &&
	    store_revoke(txn, cert.id, wr->id) == 0 &&
	    store_revoke_key(txn, cert.rb->cert->subject_key.data,
	    wr->rb->origin, wr->id) == 0) {
		log_info("event=revoked subject=%s by=%s",
		    cert.rb->cert->subject, wr->rb->origin);
		done = 1;
	}
	wire_record_clear(&cert);
	return done;
}

int
trust_apply(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	int	cut = 0;

	if (wr->rb->kind_case == NODENET__RECORD_BODY__KIND_CERT)
		apply_cert(n, txn, wr);
	else if (wr->rb->kind_case == NODENET__RECORD_BODY__KIND_REVOCATION)
		cut = apply_revocation(n, txn, wr);
	forget(n);
	return cut;
}

int
trust_may_link(const struct node *n, const char *name)
{
	const struct node_conf	*c = n->n_conf;
	const struct cfg_list	*a = &c->accept;

	if (strcmp(c->name, c->root_name) == 0 ?
	    strchr(name, '.') == NULL && strcmp(name, c->name) != 0 :
	    name_is_child(name, c->name))
		return 1;
	for (size_t i = 0; i < a->n; i++) {
		const char	*p = a->items[i];

		if (strncmp(p, "*.", 2) == 0 ?
		    name_strictly_within(name, p + 2) : strcmp(p, name) == 0)
			return 1;
	}
	return 0;
}
