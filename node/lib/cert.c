/*
 * cert: issuing and verifying certificate chains, chain files, and
 * revocations.
 *
 * Everything a peer shows (a chain in its Hello, a revocation that
 * replicated here) comes in as bytes and goes through wire_record_open()
 * first, so the signature over every element is checked before any of
 * its fields is believed. Verification holds nothing between calls: the
 * pinned root and the revocation lookup come in struct cert_trust.
 * Issuing refuses what every verifier would refuse, so that a node cannot
 * hand out a certificate that only fails later, at its child's peers.
 * Chain files are replaced atomically (temporary file, fsync, rename,
 * fsync of the directory), so a crash leaves the old chain or the new.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cert.h"
#include "clock.h"
#include "esc.h"
#include "file.h"
#include "name.h"
#include "xmem.h"

static int
key_eq(const uint8_t *a, const uint8_t *b)
{
	return sodium_memcmp(a, b, KEY_PUBLIC_BYTES) == 0;
}

int
cert_is_root(const struct cert_trust *trust, const char *name,
    const uint8_t key[KEY_PUBLIC_BYTES])
{
	return trust != NULL && strcmp(name, trust->root_name) == 0 &&
	    key_eq(key, trust->root_key);
}

/*
 * The certificate in an opened record, if it is a well-formed one: of a
 * node, or also of a person if persons (a person's certificate is in no
 * node's chain, so a person's key never links or writes records).
 */
static int
cert_of(const struct wire_record *r, const Nodenet__Certificate **out,
    int persons)
{
	const Nodenet__Certificate	*c;

	*out = NULL;
	if (r->rb->kind_case != NODENET__RECORD_BODY__KIND_CERT)
		return CERT_EKIND;
	c = r->rb->cert;
	if (c == NULL || c->subject == NULL || !(name_valid(c->subject) ||
	    (persons && name_person(c->subject, NULL))) ||
	    c->subject_key.len != KEY_PUBLIC_BYTES)
		return CERT_EDECODE;
	*out = c;
	return 0;
}

int
cert_issue(const key_pair_t *issuer, const char *issuer_name,
    uint64_t origin_seq, const char *subject,
    const uint8_t subject_key[KEY_PUBLIC_BYTES], uint64_t not_before_ms,
    uint64_t not_after_ms, const struct cert_trust *trust, uint8_t **out,
    size_t *out_len, uint8_t id[WIRE_ID_BYTES])
{
	Nodenet__RecordBody	rb;
	Nodenet__Certificate	c;
	const uint8_t		*ik = key_public(issuer);
	int			 root;

	*out = NULL;
	if (!name_valid(issuer_name) || !(name_valid(subject) ||
	    name_person(subject, NULL)) || not_before_ms >= not_after_ms)
		return CERT_EINVAL;
	root = cert_is_root(trust, issuer_name, ik);
	if (trust != NULL && !root && (strcmp(issuer_name,
	    trust->root_name) == 0 || key_eq(ik, trust->root_key)))
		return CERT_EISSUER;
	if (trust != NULL && strcmp(subject, trust->root_name) == 0)
		return CERT_ENAME;
	/* The root certifies any node, but only its own officials. */
	if ((!root || name_person(subject, NULL)) &&
	    !name_may_certify(subject, issuer_name))
		return CERT_ENAME;
	if (trust != NULL && key_eq(subject_key, trust->root_key))
		return CERT_ESUBJECT;

	nodenet__record_body__init(&rb);
	nodenet__certificate__init(&c);
	c.subject = (char *)(uintptr_t)subject;
	c.subject_key.data = (uint8_t *)(uintptr_t)subject_key;
	c.subject_key.len = KEY_PUBLIC_BYTES;
	c.not_before_ms = not_before_ms;
	c.not_after_ms = not_after_ms;
	rb.origin = (char *)(uintptr_t)issuer_name;
	rb.origin_seq = origin_seq;
	rb.created_ms = clock_wall_ms();
	rb.kind_case = NODENET__RECORD_BODY__KIND_CERT;
	rb.cert = &c;
	return wire_record_make(issuer, &rb, out, out_len, id);
}

/* Does the name constraint hold for issuer certifying subject? */
static int
name_ok(const struct cert_trust *trust, const char *issuer,
    const char *subject, int by_root)
{
	if (strcmp(subject, trust->root_name) == 0)
		return 0;
	return by_root || name_strictly_within(subject, issuer);
}

int
cert_window(uint64_t not_before_ms, uint64_t not_after_ms, uint64_t now_ms)
{
	if (not_before_ms > CERT_SKEW_MS &&
	    now_ms < not_before_ms - CERT_SKEW_MS)
		return CERT_ENOTYET;
	if (now_ms >= cert_window_end(not_after_ms))
		return CERT_EEXPIRED;
	return 0;
}

uint64_t
cert_window_end(uint64_t not_after_ms)
{
	return not_after_ms > UINT64_MAX - CERT_SKEW_MS ? UINT64_MAX :
	    not_after_ms + CERT_SKEW_MS;
}

const char *
cert_window_why(char *buf, size_t len, int rc, const char *subject,
    uint64_t not_before_ms, uint64_t not_after_ms, uint64_t now_ms)
{
	char	who[ESC_SIZE(64)], gap[24], skew[24];

	/* A checked name needs no escaping; it goes through esc() all the
	 * same, as everything from another node does. */
	esc_str(who, sizeof(who), subject, ESC_QUOTED);
	clock_span(skew, sizeof(skew), CERT_SKEW_MS);
	if (rc == CERT_ENOTYET && now_ms < not_before_ms)
		snprintf(buf, len, "%s: %s's starts in %s by our clock, %s "
		    "tolerated (a clock may be wrong)", cert_strerror(rc), who,
		    clock_span(gap, sizeof(gap), not_before_ms - now_ms),
		    skew);
	else if (rc == CERT_EEXPIRED && now_ms >= not_after_ms)
		snprintf(buf, len, "%s: %s's ended %s ago by our clock, %s "
		    "tolerated (renew it, or our clock may be wrong)",
		    cert_strerror(rc), who,
		    clock_span(gap, sizeof(gap), now_ms - not_after_ms), skew);
	else
		snprintf(buf, len, "%s", cert_strerror(rc));
	return buf;
}

int
cert_chain_verify(const struct cert_trust *trust, const char *name,
    const uint8_t key[KEY_PUBLIC_BYTES], const uint8_t *const *certs,
    const size_t *lens, size_t n, uint64_t now)
{
	struct wire_record		 r[CERT_MAX_CHAIN];
	const Nodenet__Certificate	*c[CERT_MAX_CHAIN];
	size_t				 opened = 0, i;
	int				 rc;

	assert(trust != NULL && trust->root_name != NULL);
	assert(name != NULL && key != NULL);
	if (n > CERT_MAX_CHAIN)
		return CERT_ETOOLONG;
	if (n == 0)
		return cert_is_root(trust, name, key) ? 0 : CERT_ESUBJECT;

	for (i = 0; i < n; i++) {
		if (certs[i] == NULL ||
		    wire_record_open(certs[i], lens[i], &r[i]) != 0) {
			rc = CERT_EDECODE;
			goto out;
		}
		opened++;
		if ((rc = cert_of(&r[i], &c[i], 0)) != 0)
			goto out;
	}

	rc = CERT_ESUBJECT;
	if (strcmp(c[0]->subject, name) != 0 ||
	    !key_eq(c[0]->subject_key.data, key))
		goto out;
	for (i = 0; i < n; i++) {
		if (key_eq(c[i]->subject_key.data, trust->root_key))
			goto out;
	}

	rc = CERT_EISSUER;
	for (i = 0; i < n; i++) {
		const char	*iname = i + 1 < n ? c[i + 1]->subject :
				    trust->root_name;
		const uint8_t	*ikey = i + 1 < n ?
				    c[i + 1]->subject_key.data :
				    trust->root_key;

		if (strcmp(r[i].rb->origin, iname) != 0 ||
		    !key_eq(r[i].rb->origin_key.data, ikey))
			goto out;
	}

	rc = CERT_ENAME;
	for (i = 0; i < n; i++) {
		if (!name_ok(trust, r[i].rb->origin, c[i]->subject,
		    i + 1 == n))
			goto out;
	}

	for (i = 0; i < n; i++) {
		rc = cert_window(c[i]->not_before_ms, c[i]->not_after_ms, now);
		if (rc != 0)
			goto out;
	}

	rc = CERT_EREVOKED;
	for (i = 0; trust->revoked != NULL && i < n; i++) {
		if (trust->revoked(trust->arg, r[i].id,
		    c[i]->subject_key.data, c[i]->subject) != 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < opened; i++)
		wire_record_clear(&r[i]);
	return rc;
}

const char *
cert_chain_why(char *buf, size_t len, int rc, const uint8_t *const *certs,
    const size_t *lens, size_t n, uint64_t now)
{
	snprintf(buf, len, "%s", cert_strerror(rc));
	if (rc != CERT_ENOTYET && rc != CERT_EEXPIRED)
		return buf;
	/* The first element out of its window is the one verify found. */
	for (size_t i = 0; i < n && i < CERT_MAX_CHAIN; i++) {
		const Nodenet__Certificate	*c;
		struct wire_record		 r;
		int				 found;

		if (certs[i] == NULL ||
		    wire_record_open(certs[i], lens[i], &r) != 0)
			break;
		found = cert_of(&r, &c, 0) == 0 && cert_window(c->not_before_ms,
		    c->not_after_ms, now) == rc;
		if (found)
			cert_window_why(buf, len, rc, c->subject,
			    c->not_before_ms, c->not_after_ms, now);
		wire_record_clear(&r);
		if (found)
			break;
	}
	return buf;
}

int
cert_chain_check(const struct cert_trust *trust, const char *name,
    const uint8_t key[KEY_PUBLIC_BYTES], const struct cert_chain *c,
    uint64_t now)
{
	/* C will not add the inner const by itself. */
	return cert_chain_verify(trust, name, key,
	    (const uint8_t *const *)(uintptr_t)c->certs, c->lens, c->n, now);
}

void
cert_chain_free(struct cert_chain *c)
{
	for (size_t i = 0; c->certs != NULL && i < c->n; i++)
		free(c->certs[i]);
	free(c->certs);
	free(c->lens);
	memset(c, 0, sizeof(*c));
}

int
cert_chain_load(const char *path, struct cert_chain *out)
{
	Nodenet__CertChain	*cc = NULL;
	struct stat		 sb;
	uint8_t			*buf = NULL;
	size_t			 len = 0;
	ssize_t			 nr;
	int			 fd, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = file_open_regular(path, &fd, &sb)) != 0)
		return rc == FILE_ENOTREG ? CERT_EDECODE : rc;
	if (sb.st_size > (off_t)CERT_MAX_FILE) {
		rc = CERT_ETOOBIG;
		goto out;
	}
	/* Read up to one byte more than allowed: the file may have grown. */
	buf = xmalloc(CERT_MAX_FILE + 1);
	while (len < CERT_MAX_FILE + 1) {
		nr = read(fd, buf + len, CERT_MAX_FILE + 1 - len);
		if (nr == -1 && errno == EINTR)
			continue;
		if (nr == -1) {
			rc = errno;
			goto out;
		}
		if (nr == 0)
			break;
		len += (size_t)nr;
	}
	if (len > CERT_MAX_FILE) {
		rc = CERT_ETOOBIG;
		goto out;
	}
	if ((cc = nodenet__cert_chain__unpack(NULL, len, buf)) == NULL) {
		rc = CERT_EDECODE;
		goto out;
	}
	if (cc->n_certs > CERT_MAX_CHAIN) {
		rc = CERT_ETOOLONG;
		goto out;
	}
	out->n = cc->n_certs;
	out->certs = xcalloc(out->n + 1, sizeof(*out->certs));
	out->lens = xcalloc(out->n + 1, sizeof(*out->lens));
	for (size_t i = 0; i < out->n; i++) {
		out->certs[i] = xmalloc(cc->certs[i].len + 1);
		if (cc->certs[i].len > 0)
			memcpy(out->certs[i], cc->certs[i].data,
			    cc->certs[i].len);
		out->lens[i] = cc->certs[i].len;
	}
	rc = 0;
out:
	if (cc != NULL)
		nodenet__cert_chain__free_unpacked(cc, NULL);
	free(buf);
	close(fd);
	return rc;
}

int
cert_chain_save(const char *path, const struct cert_chain *c)
{
	Nodenet__CertChain	 cc;
	ProtobufCBinaryData	 bd[CERT_MAX_CHAIN];
	uint8_t			*buf = NULL;
	char			*tmp = NULL;
	size_t			 len;
	int			 fd = -1, rc;

	if (c->n > CERT_MAX_CHAIN)
		return CERT_ETOOLONG;
	nodenet__cert_chain__init(&cc);
	for (size_t i = 0; i < c->n; i++) {
		bd[i].data = c->certs[i];
		bd[i].len = c->lens[i];
	}
	cc.n_certs = c->n;
	cc.certs = bd;
	if ((len = nodenet__cert_chain__get_packed_size(&cc)) > CERT_MAX_FILE)
		return CERT_ETOOBIG;
	buf = xmalloc(len + 1);
	nodenet__cert_chain__pack(&cc, buf);

	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		rc = errno;
		goto out;
	}
	/* mkstemp makes it 0600; a chain is public, others may read it. */
	if (fchmod(fd, 0644) == -1) {
		rc = errno;
		goto out;
	}
	if ((rc = file_write_all(fd, buf, len)) != 0)
		goto out;
	if (fsync(fd) == -1) {
		rc = errno;
		goto out;
	}
	rc = close(fd) == -1 ? errno : 0;
	fd = -1;
	if (rc != 0)
		goto out;
	if (rename(tmp, path) == -1) {
		rc = errno;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = file_sync_dir(path);
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(buf);
	return rc;
}

int
cert_revoke(const key_pair_t *revoker, const char *revoker_name,
    uint64_t origin_seq, const struct cert_trust *trust, const uint8_t *cert,
    size_t cert_len, const char *reason, uint8_t **out, size_t *out_len,
    uint8_t id[WIRE_ID_BYTES])
{
	struct wire_record		 r;
	const Nodenet__Certificate	*c;
	Nodenet__RecordBody		 rb;
	Nodenet__Revocation		 rv;
	int				 rc;

	*out = NULL;
	if (!name_valid(revoker_name) || (reason != NULL &&
	    strnlen(reason, CERT_MAX_REASON + 1) > CERT_MAX_REASON))
		return CERT_EINVAL;
	if (wire_record_open(cert, cert_len, &r) != 0)
		return CERT_EDECODE;
	if ((rc = cert_of(&r, &c, 1)) != 0)
		goto out;
	if (!cert_is_root(trust, revoker_name, key_public(revoker)) &&
	    !name_may_revoke(c->subject, revoker_name)) {
		rc = CERT_EREVOKER;
		goto out;
	}

	nodenet__record_body__init(&rb);
	nodenet__revocation__init(&rv);
	rv.certificate_id.data = r.id;
	rv.certificate_id.len = WIRE_ID_BYTES;
	rv.subject_key.data = c->subject_key.data;
	rv.subject_key.len = KEY_PUBLIC_BYTES;
	rv.reason = (char *)(uintptr_t)(reason != NULL ? reason : "");
	rb.origin = (char *)(uintptr_t)revoker_name;
	rb.origin_seq = origin_seq;
	rb.created_ms = clock_wall_ms();
	rb.kind_case = NODENET__RECORD_BODY__KIND_REVOCATION;
	rb.revocation = &rv;
	/* A reason that is not UTF-8 is refused by make, as receivers would. */
	if ((rc = wire_record_make(revoker, &rb, out, out_len, id)) ==
	    WIRE_EFIELD)
		rc = CERT_EINVAL;
out:
	wire_record_clear(&r);
	return rc;
}

int
cert_revocation_check(const struct cert_trust *trust,
    const struct wire_record *rev, const struct wire_record *cert,
    const uint8_t *const *certs, const size_t *lens, size_t n, uint64_t now)
{
	const Nodenet__Revocation	*rv;
	const Nodenet__Certificate	*c;
	int				 rc;

	assert(trust != NULL && rev->rb != NULL && cert->rb != NULL);
	if (rev->rb->kind_case != NODENET__RECORD_BODY__KIND_REVOCATION ||
	    (rv = rev->rb->revocation) == NULL)
		return CERT_EKIND;
	if ((rc = cert_of(cert, &c, 1)) != 0)
		return rc;
	if (rv->certificate_id.len != WIRE_ID_BYTES ||
	    sodium_memcmp(rv->certificate_id.data, cert->id,
	    WIRE_ID_BYTES) != 0 || rv->subject_key.len != KEY_PUBLIC_BYTES ||
	    !key_eq(rv->subject_key.data, c->subject_key.data))
		return CERT_ESUBJECT;
	if ((rc = cert_chain_verify(trust, rev->rb->origin,
	    rev->rb->origin_key.data, certs, lens, n, now)) != 0)
		return rc;
	if (!cert_is_root(trust, rev->rb->origin, rev->rb->origin_key.data) &&
	    !name_may_revoke(c->subject, rev->rb->origin))
		return CERT_EREVOKER;
	return 0;
}

const char *
cert_strerror(int rc)
{
	switch (rc) {
	case CERT_EDECODE:
		return "certificate does not open or is malformed";
	case CERT_EKIND:
		return "record is not of the expected kind";
	case CERT_ESUBJECT:
		return "certificate subject or key is not the one presented";
	case CERT_EISSUER:
		return "certificate issuer chain is broken or does not end "
		    "at the pinned root";
	case CERT_ENAME:
		return "certificate subject is outside its issuer's subtree";
	case CERT_EEXPIRED:
		return "certificate expired";
	case CERT_ENOTYET:
		return "certificate not yet valid";
	case CERT_EUNKNOWN:
		return "no certificate held binds this name to this key";
	case CERT_EREVOKED:
		return "certificate or its key is revoked";
	case CERT_ETOOLONG:
		return "certificate chain too long";
	case CERT_ETOOBIG:
		return "certificate chain file too large";
	case CERT_EINVAL:
		return "invalid certificate name or validity window";
	case CERT_EREVOKER:
		return "revoker is neither the root nor an ancestor of the "
		    "certificate's subject";
	}
	return wire_strerror(rc);
}
