/*
 * seal: sealing and opening mail (seal.h; proto/README.md, "Sealed
 * mail", is the contract).
 *
 * A sender's X25519 key pair, its own and not its node key, boxes each
 * mail's content key to every recipient key; it is replaced every
 * SEAL_SENDER_MAILS mails and SEAL_SENDER_MS, so the box key it shares
 * with a recipient (one X25519 operation) serves the many mails a node
 * sends one office in a minute, and what any one key pair could open is
 * a minute's mail. A box's nonce is BLAKE2b-192 of that key pair's
 * public key, the recipient's and the mail's random content nonce: no two
 * boxes share a key and a nonce. The
 * content is bound to its envelope (associated data), so a sealed body
 * copied into another mail, even one its copier signed, does not open.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "name.h"
#include "psig.h"
#include "seal.h"
#include "xmem.h"

/* The contract's sizes are libsodium's. */
_Static_assert(SEAL_CURVE_BYTES == crypto_box_PUBLICKEYBYTES &&
    SEAL_CURVE_BYTES == crypto_box_SECRETKEYBYTES, "X25519 key size");
_Static_assert(SEAL_NONCE_BYTES ==
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "content nonce size");
_Static_assert(SEAL_MAC_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES &&
    SEAL_MAC_BYTES == crypto_box_MACBYTES, "MAC size");
_Static_assert(SEAL_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "a content key");
_Static_assert(SEAL_BOX_BYTES ==
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES + crypto_box_MACBYTES,
    "a wrapped content key");

/* What seal_mail() allocates, in one block: m->sealed is its sc. */
struct sealed {
	Nodenet__SealedContent	  sc;		/* first: m->sealed points here */
	uint8_t			  epk[SEAL_CURVE_BYTES];
	uint8_t			  nonce[SEAL_NONCE_BYTES];
	Nodenet__WrappedKey	**keys;
	struct wrap {
		Nodenet__WrappedKey	wk;
		uint8_t			hint[SEAL_HINT_BYTES];
		uint8_t			box[SEAL_BOX_BYTES];
	}			 *wraps;
	uint8_t			 *ct;
};

void
seal_ad_init(struct seal_ad *a, const char *prefix)
{
	memset(a, 0, sizeof(*a));
	seal_ad_bytes(a, prefix, strlen(prefix) + 1);
}

void
seal_ad_bytes(struct seal_ad *a, const void *p, size_t len)
{
	if (a->len + len > a->cap) {
		a->cap = 2 * (a->len + len) + 64;
		a->buf = xrealloc(a->buf, a->cap, 1);
	}
	if (len > 0)
		memcpy(a->buf + a->len, p, len);
	a->len += len;
}

void
seal_ad_num(struct seal_ad *a, uint64_t v, int bytes)
{
	uint8_t	le[8];

	for (int i = 0; i < bytes && i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	seal_ad_bytes(a, le, (size_t)bytes);
}

void
seal_ad_str(struct seal_ad *a, const char *s)
{
	seal_ad_num(a, strlen(s), 4);
	seal_ad_bytes(a, s, strlen(s));
}

void
seal_ad_free(struct seal_ad *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

/*
 * A mail's associated data: the prefix and its NUL, then origin,
 * origin_key, from, the number of recipients and each, expires_ms,
 * want_receipt and priority; a string as its le32 length and bytes, a
 * number little endian (le64, one byte, le32).
 */
static void
envelope(struct seal_ad *a, const Nodenet__MailMessage *m, const char *origin,
    const uint8_t origin_key[KEY_PUBLIC_BYTES])
{
	seal_ad_init(a, SEAL_AD_PREFIX);
	seal_ad_str(a, origin);
	seal_ad_bytes(a, origin_key, KEY_PUBLIC_BYTES);
	seal_ad_str(a, m->from);
	seal_ad_num(a, m->n_to, 4);
	for (size_t i = 0; i < m->n_to; i++)
		seal_ad_str(a, m->to[i]);
	seal_ad_num(a, m->expires_ms, 8);
	seal_ad_num(a, m->want_receipt ? 1 : 0, 1);
	seal_ad_num(a, (uint32_t)m->priority, 4);
}

/*
 * A box's nonce: BLAKE2b-192 of the sending key pair's public key, the
 * recipient's Ed25519 key (the one the wrap names) and the mail's
 * content nonce. The content nonce is random for each mail, so two boxes
 * under one shared key (one sending key pair, one recipient) never share
 * a nonce; keys A and -A share an X25519 form, not an Ed25519 key. And a
 * recipient needs no X25519 form of its own public key (as costly as a
 * signature check) to open its box.
 */
static void
box_nonce(const uint8_t epk[SEAL_CURVE_BYTES],
    const uint8_t rcpt[KEY_PUBLIC_BYTES],
    const uint8_t content_nonce[SEAL_NONCE_BYTES],
    uint8_t nonce[crypto_box_NONCEBYTES])
{
	crypto_generichash_state	st;

	crypto_generichash_init(&st, NULL, 0, crypto_box_NONCEBYTES);
	crypto_generichash_update(&st, epk, SEAL_CURVE_BYTES);
	crypto_generichash_update(&st, rcpt, KEY_PUBLIC_BYTES);
	crypto_generichash_update(&st, content_nonce, SEAL_NONCE_BYTES);
	crypto_generichash_final(&st, nonce, crypto_box_NONCEBYTES);
}

/*
 * What a sender keeps (seal.h): its sending key pair, and the box key
 * it shares with each recipient key it sealed for lately, found by the
 * first bytes of that key, SENDER_PROBE slots from there.
 */
#define SENDER_SLOTS	512	/* a power of 2, more than SEAL_MAX_KEYS */
#define SENDER_PROBE	8

struct seal_sender {
	uint8_t		epk[SEAL_CURVE_BYTES], esk[SEAL_CURVE_BYTES];
	int		set;
	uint64_t	born_ms;	/* clock_mono_ms() */
	unsigned	uses;		/* mails sealed with it */
	struct shared {
		uint8_t	ed[KEY_PUBLIC_BYTES];
		uint8_t	k[crypto_box_BEFORENMBYTES];
		int	used;
	}		slot[SENDER_SLOTS];
};

struct seal_sender *
seal_sender_new(void)
{
	struct seal_sender	*ss = sodium_malloc(sizeof(*ss));

	if (ss != NULL)
		sodium_memzero(ss, sizeof(*ss));
	return ss;
}

void
seal_sender_free(struct seal_sender **ss)
{
	if (*ss == NULL)
		return;
	sodium_free(*ss);	/* wipes it */
	*ss = NULL;
}

void
seal_sender_tick(struct seal_sender *ss, uint64_t now_ms)
{
	if (ss->set && now_ms - ss->born_ms >= SEAL_SENDER_MS)
		sodium_memzero(ss, sizeof(*ss));
}

/* A key pair not used too long nor too often: a new one if need be. */
static void
sender_ready(struct seal_sender *ss)
{
	seal_sender_tick(ss, clock_mono_ms());
	if (ss->set && ss->uses < SEAL_SENDER_MAILS)
		return;
	sodium_memzero(ss, sizeof(*ss));
	crypto_box_keypair(ss->epk, ss->esk);
	ss->born_ms = clock_mono_ms();
	ss->set = 1;
}

/* The box key ss shares with recipient t: NULL for a key of small order
 * (no certificate holds one: it has no X25519 form). */
static const uint8_t *
shared_key(struct seal_sender *ss, const struct seal_to *t)
{
	size_t		 h = ((size_t)t->ed[0] | (size_t)t->ed[1] << 8);
	struct shared	*sl = NULL;

	for (size_t i = 0; i < SENDER_PROBE; i++) {
		struct shared	*c = &ss->slot[(h + i) & (SENDER_SLOTS - 1)];

		if (c->used && memcmp(c->ed, t->ed, KEY_PUBLIC_BYTES) == 0)
			return c->k;
		if (sl == NULL && !c->used)
			sl = c;
	}
	if (sl == NULL)
		sl = &ss->slot[h & (SENDER_SLOTS - 1)];	/* the oldest, roughly */
	if (crypto_box_beforenm(sl->k, t->curve, ss->esk) != 0) {
		sodium_memzero(sl, sizeof(*sl));
		return NULL;
	}
	memcpy(sl->ed, t->ed, KEY_PUBLIC_BYTES);
	sl->used = 1;
	return sl->k;
}

void
seal_free(Nodenet__SealedContent **sc)
{
	struct sealed	*s = (struct sealed *)(void *)*sc;

	if (s == NULL)
		return;
	free(s->keys);
	free(s->wraps);
	free(s->ct);
	free(s);
	*sc = NULL;
}

void
seal_clear(Nodenet__MailMessage *m)
{
	seal_free(&m->sealed);
}

void
seal_plain_free(uint8_t *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}

/*
 * The content of m, serialized into a new buffer (*len bytes; free it
 * with seal_plain_free()). Not sodium_malloc()'s guarded pages: their three
 * system calls would cost a mail more than its encryption.
 */
static uint8_t *
content_pack(const Nodenet__MailMessage *m, size_t *len)
{
	Nodenet__MailContent	 c = NODENET__MAIL_CONTENT__INIT;
	uint8_t			*p;

	c.subject = m->subject;
	c.text = m->text;
	c.attachments = m->attachments;
	c.n_attachments = m->n_attachments;
	c.signed_by = m->signed_by;
	*len = nodenet__mail_content__get_packed_size(&c);
	if ((p = malloc(*len + 1)) != NULL)
		nodenet__mail_content__pack(&c, p);
	return p;
}

/* Encrypts plain into s under key k, for the envelope ad. */
static int
encrypt(struct sealed *s, const uint8_t *plain, size_t len, const uint8_t *ad,
    size_t adlen, const uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
	unsigned long long	ctlen;

	if ((s->ct = malloc(len + SEAL_MAC_BYTES)) == NULL)
		return ENOMEM;
	randombytes_buf(s->nonce, sizeof(s->nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(s->ct, &ctlen, plain, len,
	    ad, adlen, NULL, s->nonce, k);
	s->sc.nonce.data = s->nonce;
	s->sc.nonce.len = sizeof(s->nonce);
	s->sc.ciphertext.data = s->ct;
	s->sc.ciphertext.len = (size_t)ctlen;
	return 0;
}

/* Boxes content key k from ss's key pair to each of the n keys to. */
static int
wrap_all(struct sealed *s, const struct seal_to *to, size_t n,
    struct seal_sender *ss,
    const uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
	uint8_t		 bn[crypto_box_NONCEBYTES];
	const uint8_t	*bk;

	s->keys = calloc(n + 1, sizeof(*s->keys));
	s->wraps = calloc(n + 1, sizeof(*s->wraps));
	if (s->keys == NULL || s->wraps == NULL)
		return ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct wrap	*w = &s->wraps[i];

		nodenet__wrapped_key__init(&w->wk);
		memcpy(w->hint, to[i].ed, SEAL_HINT_BYTES);
		if ((bk = shared_key(ss, &to[i])) == NULL)
			return EINVAL;
		box_nonce(ss->epk, to[i].ed, s->nonce, bn);
		crypto_box_easy_afternm(w->box, k,
		    crypto_aead_xchacha20poly1305_ietf_KEYBYTES, bn, bk);
		w->wk.recipient.data = w->hint;
		w->wk.recipient.len = SEAL_HINT_BYTES;
		w->wk.box.data = w->box;
		w->wk.box.len = SEAL_BOX_BYTES;
		s->keys[i] = &w->wk;
	}
	s->sc.keys = s->keys;
	s->sc.n_keys = n;
	return 0;
}

int
seal_bytes(const uint8_t *plain, size_t len, const uint8_t *ad, size_t adlen,
    const struct seal_to *to, size_t n, struct seal_sender *ss,
    Nodenet__SealedContent **out)
{
	uint8_t			 k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	struct seal_sender	*own = NULL;
	struct sealed		*s;
	int			 rc;

	*out = NULL;
	if (n > SEAL_MAX_KEYS)
		return SEAL_ETOOMANY;
	if (ss == NULL && (ss = own = seal_sender_new()) == NULL)
		return ENOMEM;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		seal_sender_free(&own);
		return ENOMEM;
	}
	nodenet__sealed_content__init(&s->sc);
	*out = &s->sc;
	sender_ready(ss);
	ss->uses++;
	memcpy(s->epk, ss->epk, sizeof(s->epk));
	s->sc.ephemeral_key.data = s->epk;
	s->sc.ephemeral_key.len = sizeof(s->epk);
	crypto_aead_xchacha20poly1305_ietf_keygen(k);
	if ((rc = encrypt(s, plain, len, ad, adlen, k)) == 0)
		rc = wrap_all(s, to, n, ss, k);
	sodium_memzero(k, sizeof(k));
	seal_sender_free(&own);
	if (rc != 0)
		seal_free(out);
	return rc;
}

int
seal_mail(Nodenet__MailMessage *m, const char *origin,
    const uint8_t origin_key[KEY_PUBLIC_BYTES], const struct seal_to *to,
    size_t n, struct seal_sender *ss)
{
	struct seal_ad	 ad;
	uint8_t		*plain;
	size_t		 plen = 0;
	int		 rc;

	if ((plain = content_pack(m, &plen)) == NULL)
		return ENOMEM;
	envelope(&ad, m, origin, origin_key);
	rc = seal_bytes(plain, plen, ad.buf, ad.len, to, n, ss, &m->sealed);
	seal_plain_free(plain, plen);
	seal_ad_free(&ad);
	if (rc != 0)
		return rc;
	/* What the envelope no longer shows. */
	m->subject = (char *)(uintptr_t)"";
	m->text.data = NULL;
	m->text.len = 0;
	m->attachments = NULL;
	m->n_attachments = 0;
	m->signed_by = NULL;
	return 0;
}

/*
 * The next wrap of s after index *at that may be for key pk (its hint
 * is pk's first bytes), or NULL; *at is its index. A hint names no key
 * for sure: a key made to share another's first bytes costs that key's
 * holder one box that does not open, no more.
 */
static const Nodenet__WrappedKey *
wrap_next(const Nodenet__SealedContent *s, const uint8_t *pk, size_t *at)
{
	for (; *at < s->n_keys; (*at)++)
		if (s->keys[*at]->recipient.len == SEAL_HINT_BYTES &&
		    memcmp(s->keys[*at]->recipient.data, pk,
		    SEAL_HINT_BYTES) == 0)
			return s->keys[(*at)++];
	return NULL;
}

/* kr's key i (seal_find()'s numbering). */
static const key_pair_t *
ring_key(const struct seal_keyring *kr, int i)
{
	return i == 0 ? kr->current : kr->old[i - 1];
}

int
seal_hinted(const struct seal_keyring *kr, const Nodenet__SealedContent *s)
{
	size_t	at;

	if (s == NULL)
		return SEAL_ECLEAR;
	for (int i = 0; i <= (int)kr->n_old; i++) {
		at = 0;
		if (ring_key(kr, i) != NULL && wrap_next(s,
		    key_public(ring_key(kr, i)), &at) != NULL)
			return i;
	}
	return SEAL_ENOKEY;
}

int
seal_find(const struct seal_keyring *kr, const Nodenet__MailMessage *m)
{
	return seal_hinted(kr, m->sealed);
}

/* The content key of s from its wrap w for kp, into k: 0 or SEAL_EBOX. */
static int
unwrap(const Nodenet__SealedContent *s, const Nodenet__WrappedKey *w,
    const key_pair_t *kp, uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
	uint8_t	xsk[SEAL_CURVE_BYTES], bn[crypto_box_NONCEBYTES];
	int	rc = SEAL_EBOX;

	if (w->box.len != SEAL_BOX_BYTES ||
	    s->ephemeral_key.len != SEAL_CURVE_BYTES ||
	    s->nonce.len != SEAL_NONCE_BYTES)
		return SEAL_EBOX;
	key_curve_secret(kp, xsk);
	box_nonce(s->ephemeral_key.data, key_public(kp), s->nonce.data, bn);
	if (crypto_box_open_easy(k, w->box.data, SEAL_BOX_BYTES, bn,
	    s->ephemeral_key.data, xsk) == 0)
		rc = 0;
	sodium_memzero(xsk, sizeof(xsk));
	return rc;
}

/*
 * The content key of s for one of kr's keys, into k: 0 with its index
 * (seal_find()'s) in *key, SEAL_ENOKEY if no wrap's hint is any of
 * theirs, SEAL_EBOX if none of those that are opens.
 */
static int
unwrap_any(const struct seal_keyring *kr, const Nodenet__SealedContent *s,
    uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], int *key)
{
	const Nodenet__WrappedKey	*w;
	size_t				 at;
	int				 rc = SEAL_ENOKEY;

	for (int i = 0; i <= (int)kr->n_old; i++) {
		if (ring_key(kr, i) == NULL)
			continue;
		at = 0;
		while ((w = wrap_next(s, key_public(ring_key(kr, i)),
		    &at)) != NULL)
			if ((rc = unwrap(s, w, ring_key(kr, i), k)) == 0) {
				*key = i;
				return 0;
			}
	}
	return rc;
}

/* Decrypts s with k for associated data ad: the plaintext in *plain. */
static int
decrypt(const Nodenet__SealedContent *s, const uint8_t *ad, size_t adlen,
    const uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES],
    uint8_t **plain, size_t *len)
{
	unsigned long long	 plen;
	size_t			 cap;

	/* Sizes before any work: the record's own bounds hold them. */
	if (s->nonce.len != SEAL_NONCE_BYTES ||
	    s->ciphertext.len < SEAL_MAC_BYTES ||
	    s->ciphertext.len > WIRE_MAX_BODY)
		return SEAL_EOPEN;
	cap = s->ciphertext.len - SEAL_MAC_BYTES;
	if ((*plain = malloc(cap + 1)) == NULL)
		return ENOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(*plain, &plen, NULL,
	    s->ciphertext.data, s->ciphertext.len, ad, adlen,
	    s->nonce.data, k) != 0) {
		seal_plain_free(*plain, cap);
		*plain = NULL;
		return SEAL_EOPEN;
	}
	*len = (size_t)plen;
	return 0;
}

int
seal_unseal(const struct seal_keyring *kr, const Nodenet__SealedContent *s,
    const uint8_t *ad, size_t adlen, uint8_t **plain, size_t *len, int *key)
{
	uint8_t	k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	int	i = 0, rc;

	*plain = NULL;
	*len = 0;
	if (s == NULL)
		return SEAL_ECLEAR;
	if ((rc = unwrap_any(kr, s, k, &i)) == 0)
		rc = decrypt(s, ad, adlen, k, plain, len);
	sodium_memzero(k, sizeof(k));
	if (rc == 0 && key != NULL)
		*key = i;
	return rc;
}

int
seal_open(const struct seal_keyring *kr, const Nodenet__RecordBody *rb,
    Nodenet__MailContent **out, int *key)
{
	struct seal_ad	 ad;
	uint8_t		*plain;
	size_t		 plen;
	int		 rc;

	*out = NULL;
	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL ||
	    rb->mail->sealed == NULL)
		return SEAL_ECLEAR;
	if (rb->origin_key.len != KEY_PUBLIC_BYTES)
		return SEAL_EOPEN;
	envelope(&ad, rb->mail, rb->origin, rb->origin_key.data);
	rc = seal_unseal(kr, rb->mail->sealed, ad.buf, ad.len, &plain, &plen,
	    key);
	seal_ad_free(&ad);
	if (rc != 0)
		return rc;
	/* Its strings are shown and logged: held to what a clear mail's
	 * are. */
	if (!wire_strings_valid(&nodenet__mail_content__descriptor, plain,
	    plen) || (*out = nodenet__mail_content__unpack(NULL, plen,
	    plain)) == NULL)
		rc = SEAL_EDECODE;
	seal_plain_free(plain, plen);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's entries but dot files, sorted: *n of them. */
static int
dir_names(const char *dir, char ***names, size_t *n)
{
	struct dirent	*de;
	DIR		*d;
	char		**v = NULL, **nv;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == SEAL_MAX_OLD) {
			closedir(d);
			*names = v;
			return SEAL_EOLDKEYS;
		}
		if ((nv = realloc(v, (*n + 1) * sizeof(*v))) == NULL ||
		    (nv[*n] = strdup(de->d_name)) == NULL) {
			closedir(d);
			*names = nv != NULL ? nv : v;
			return ENOMEM;
		}
		v = nv;
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_name);
	*names = v;
	return 0;
}

int
seal_keyring_load(struct seal_keyring *kr, const char *dir, char *path,
    size_t pathlen)
{
	char	**names;
	size_t	  n;
	int	  rc;

	snprintf(path, pathlen, "%s", dir);
	rc = dir_names(dir, &names, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(path, pathlen, "%s/%s", dir, names[i]);
		if (kr->n_old == SEAL_MAX_OLD)
			rc = SEAL_EOLDKEYS;
		else if ((rc = key_load(&kr->old[kr->n_old], path)) == 0)
			kr->n_old++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

void
seal_keyring_free(struct seal_keyring *kr)
{
	for (size_t i = 0; i < kr->n_old; i++)
		key_free(&kr->old[i]);
	kr->n_old = 0;
}

int
seal_signed(const Nodenet__RecordBody *rb, const Nodenet__MailContent *c,
    char *why, size_t whylen)
{
	Nodenet__RecordBody		 body = *rb;
	Nodenet__MailMessage		 m = *rb->mail;
	const Nodenet__PersonSignature	*ps;
	const char			*office, *bad;
	uint8_t				 digest[PSIG_DIGEST_BYTES];
	int				 rc;

	/* The mail as it would be clear: what the official signed. */
	m.subject = c->subject;
	m.text = c->text;
	m.signed_by = c->signed_by;
	m.sealed = NULL;
	body.mail = &m;
	if ((rc = psig_of(&body, &ps, digest, &bad)) == 0)
		return 0;
	if (rc < 0)
		snprintf(why, whylen, "%s", bad);
	else if (!name_person(ps->person, &office) ||
	    strcmp(office, rb->origin) != 0)
		snprintf(why, whylen, "personal signature of %.80s: not an "
		    "official of %.80s, the mail's origin", ps->person,
		    rb->origin);
	else if (psig_verify(ps->key.data, digest, ps->signature.data) != 0)
		snprintf(why, whylen, "personal signature of %.80s does not "
		    "verify over the content (forged by its origin)",
		    ps->person);
	else
		return 1;
	return -1;
}

const char *
seal_why(const Nodenet__MailMessage *m, int rc, char *buf, size_t len)
{
	return seal_why_sealed(m->sealed, rc, buf, len);
}

const char *
seal_why_sealed(const Nodenet__SealedContent *s, int rc, char *buf,
    size_t len)
{
	char				 hex[KEY_HEX_BYTES];
	size_t				 at;

	if (rc != SEAL_ENOKEY || s == NULL) {
		snprintf(buf, len, "%s", seal_strerror(rc));
		return buf;
	}
	at = (size_t)snprintf(buf, len, "sealed to %zu node key(s), none of "
	    "them this node's nor one it held before (old_keys)", s->n_keys);
	for (size_t i = 0; i < s->n_keys && i < 4 && at < len; i++) {
		sodium_bin2hex(hex, sizeof(hex), s->keys[i]->recipient.data,
		    s->keys[i]->recipient.len < SEAL_HINT_BYTES ?
		    s->keys[i]->recipient.len : SEAL_HINT_BYTES);
		at += (size_t)snprintf(buf + at, len - at, "%s%s...", i == 0 ?
		    ": " : ", ", hex);
	}
	if (at < len)
		snprintf(buf + at, len - at, "%s; if this node had one of "
		    "them before it was re-keyed, put that key file in its "
		    "old_keys directory, else ask the sender to send it again",
		    s->n_keys > 4 ? ", ..." : "");
	return buf;
}

/* Piece i's nonce: its number, le64, then zeros. */
static void
piece_nonce(uint64_t i, uint8_t nonce[SEAL_NONCE_BYTES])
{
	memset(nonce, 0, SEAL_NONCE_BYTES);
	for (int b = 0; b < 8; b++)
		nonce[b] = (uint8_t)(i >> (8 * b));
}

void
seal_piece(const uint8_t key[SEAL_KEY_BYTES], uint64_t i, const uint8_t *in,
    size_t len, uint8_t *out)
{
	uint8_t			nonce[SEAL_NONCE_BYTES];
	unsigned long long	outlen;

	piece_nonce(i, nonce);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, &outlen, in, len,
	    NULL, 0, NULL, nonce, key);
}

int
seal_piece_open(const uint8_t key[SEAL_KEY_BYTES], uint64_t i,
    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t			nonce[SEAL_NONCE_BYTES];
	unsigned long long	outlen;

	if (len < SEAL_MAC_BYTES)
		return SEAL_EOPEN;
	piece_nonce(i, nonce);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &outlen, NULL, in,
	    len, NULL, 0, nonce, key) != 0)
		return SEAL_EOPEN;
	return 0;
}

const char *
seal_strerror(int rc)
{
	switch (rc) {
	case SEAL_ENOKEY:
		return "sealed to no key this node holds";
	case SEAL_EBOX:
		return "the content key sealed to this node does not open "
		    "(forged or damaged by its origin)";
	case SEAL_EOPEN:
		return "the sealed content does not open with its envelope "
		    "(made for another mail, or forged or damaged by its "
		    "origin)";
	case SEAL_EDECODE:
		return "the sealed content opened but is no valid mail content";
	case SEAL_ETOOMANY:
		return "over 256 recipient node keys to seal for";
	case SEAL_ECLEAR:
		return "not a sealed mail";
	case SEAL_EOLDKEYS:
		return "more than 16 old key files";
	}
	return key_strerror(rc);
}
