/*
 * test_seal: sealed mail (node/lib/seal.c, and wire.c's bounds on it).
 *
 * What must hold: a mail sealed for some node keys opens, whole, with
 * each of them and with no other; the record shows none of its content;
 * it opens with a key a node held before it was re-keyed (a keyring's
 * old key) and says which; a change of its envelope, its ciphertext, a
 * wrapped key or its ephemeral key makes it not open, with a code that
 * says which; a sealed mail out of its bounds is refused as a record;
 * the sealer refuses more than 256 keys; a sender's key pair serves its
 * share of mails and its time, no more; a keyring loads a directory of
 * key files, refusing one others may read, and too many.
 */
#include <errno.h>
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

#include "clock.h"
#include "key.h"
#include "psig.h"
#include "seal.h"
#include "wire.h"

#define SUBJECT		"giay moi hop SUBJECT-MARKER"
#define TEXT		"noi dung thu TEXT-MARKER, hop luc 8 gio"
#define NKEYS		3

struct fix {
	key_pair_t	*origin;
	key_pair_t	*node[NKEYS];	/* recipient nodes */
	key_pair_t	*stranger;
	struct seal_to	 to[NKEYS];
	char		 dir[256];	/* mkdtemp's */
};

/* A mail body with storage for what it points to. */
struct mail {
	Nodenet__RecordBody	rb;
	Nodenet__MailMessage	mm;
	char			*to[2];
	uint8_t			*buf;	/* the SignedRecord, once made */
	size_t			 len;
};

static void
to_of(const key_pair_t *kp, struct seal_to *t)
{
	memcpy(t->ed, key_public(kp), KEY_PUBLIC_BYTES);
	assert_int_equal(key_curve_public(t->ed, t->curve), 0);
}

static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));

	if (f == NULL || sodium_init() == -1)
		return -1;
	f->origin = key_generate();
	f->stranger = key_generate();
	for (int i = 0; i < NKEYS; i++) {
		f->node[i] = key_generate();
		to_of(f->node[i], &f->to[i]);
	}
	if (tmp_dir_make(f->dir, sizeof(f->dir), "test_seal") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;
	int		 rc = tmp_dir_remove(f->dir);

	key_free(&f->origin);
	key_free(&f->stranger);
	for (int i = 0; i < NKEYS; i++)
		key_free(&f->node[i]);
	free(f);
	return rc;
}

static void
mail_init(struct mail *m)
{
	memset(m, 0, sizeof(*m));
	nodenet__record_body__init(&m->rb);
	nodenet__mail_message__init(&m->mm);
	m->to[0] = (char *)(uintptr_t)"vanthu@tanthanh.vixuyen.hagiang";
	m->to[1] = (char *)(uintptr_t)"chutich@bacquang.hagiang";
	m->mm.from = (char *)(uintptr_t)"vanthu@tanthanh.bacquang.hagiang";
	m->mm.to = m->to;
	m->mm.n_to = 2;
	m->mm.subject = (char *)(uintptr_t)SUBJECT;
	m->mm.text.data = (uint8_t *)(uintptr_t)TEXT;
	m->mm.text.len = strlen(TEXT);
	m->mm.expires_ms = 1700000600000;
	m->mm.want_receipt = 1;
	m->rb.origin = (char *)(uintptr_t)"tanthanh.bacquang.hagiang";
	m->rb.origin_seq = 7;
	m->rb.created_ms = 1700000000000;
	m->rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	m->rb.mail = &m->mm;
}

/* Seals m for the first n keys of f, as its origin will sign it. */
static int
seal(struct fix *f, struct mail *m, size_t n)
{
	return seal_mail(&m->mm, m->rb.origin, key_public(f->origin), f->to, n,
	    NULL);
}

/* Signs m (sealed or not) into m->buf; 0 or wire_record_make()'s code. */
static int
sign(struct fix *f, struct mail *m)
{
	uint8_t	id[WIRE_ID_BYTES];

	return wire_record_make(f->origin, &m->rb, &m->buf, &m->len, id);
}

static void
mail_free(struct mail *m)
{
	seal_clear(&m->mm);
	free(m->buf);
	m->buf = NULL;
}

/* Opens record buf (verified) with ring: seal_open()'s code, the
 * content in *c if 0. */
static int
open_with(const uint8_t *buf, size_t len, const struct seal_keyring *ring,
    Nodenet__MailContent **c, int *key)
{
	struct wire_record	wr;
	int			rc;

	assert_int_equal(wire_record_open(buf, len, &wr), 0);
	rc = seal_open(ring, wr.rb, c, key);
	wire_record_clear(&wr);
	return rc;
}

/* A mail of the fixture's, sealed for its NKEYS nodes. */
static void
sealed(struct fix *f, struct mail *m)
{
	mail_init(m);
	assert_int_equal(seal(f, m, NKEYS), 0);
}

/* m, signed as it is now, does not open with ring: want. Frees it. */
static void
opens_not(struct fix *f, struct mail *m, const struct seal_keyring *ring,
    int want)
{
	Nodenet__MailContent	*c;
	char			 why[512];

	assert_int_equal(sign(f, m), 0);
	assert_int_equal(open_with(m->buf, m->len, ring, &c, NULL), want);
	assert_null(c);
	/* Each says whose doing it is. */
	assert_non_null(strstr(seal_why(&m->mm, want, why, sizeof(why)),
	    "origin"));
	mail_free(m);
}

static void
test_round_trip(void **state)
{
	struct fix		*f = *state;
	struct mail		 m;
	struct seal_keyring	 ring = { 0 };
	struct wire_record	 wr;
	Nodenet__MailContent	*c;
	int			 key = -1;

	mail_init(&m);
	assert_int_equal(seal(f, &m, NKEYS), 0);
	assert_string_equal(m.mm.subject, "");
	assert_int_equal(m.mm.text.len, 0);
	assert_int_equal(m.mm.sealed->n_keys, NKEYS);
	assert_int_equal(sign(f, &m), 0);
	/* Nothing of the content in the record a relay stores. */
	assert_null(memmem(m.buf, m.len, "MARKER", 6));
	assert_int_equal(wire_record_open(m.buf, m.len, &wr), 0);
	assert_int_equal(wire_record_version(wr.rb), WIRE_SEAL_VERSION);
	assert_int_equal(wire_record_version(wr.rb), 4);
	wire_record_clear(&wr);
	/* Each recipient node opens it, whole. */
	for (int i = 0; i < NKEYS; i++) {
		ring.current = f->node[i];
		assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key), 0);
		assert_int_equal(key, 0);
		assert_string_equal(c->subject, SUBJECT);
		assert_int_equal(c->text.len, strlen(TEXT));
		assert_memory_equal(c->text.data, TEXT, strlen(TEXT));
		nodenet__mail_content__free_unpacked(c, NULL);
	}
	/* No other node, nor the origin itself. */
	ring.current = f->stranger;
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key),
	    SEAL_ENOKEY);
	assert_null(c);
	ring.current = f->origin;
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key),
	    SEAL_ENOKEY);
	mail_free(&m);
}

static void
test_clear_mail(void **state)
{
	struct fix		*f = *state;
	struct mail		 m;
	struct seal_keyring	 ring = { .current = f->node[0] };
	struct wire_record	 wr;
	Nodenet__MailContent	*c;

	mail_init(&m);
	m.to[1] = (char *)(uintptr_t)"vanthu@tw";	/* no subtree */
	assert_int_equal(sign(f, &m), 0);
	assert_non_null(memmem(m.buf, m.len, "MARKER", 6));
	assert_int_equal(wire_record_open(m.buf, m.len, &wr), 0);
	assert_int_equal(wire_record_version(wr.rb), 1);
	assert_int_equal(seal_find(&ring, wr.rb->mail), SEAL_ECLEAR);
	assert_int_equal(seal_open(&ring, wr.rb, &c, NULL), SEAL_ECLEAR);
	wire_record_clear(&wr);
	mail_free(&m);
}

/* A re-keyed node opens with the key it held before, and says so. */
static void
test_old_key(void **state)
{
	struct fix		*f = *state;
	struct mail		 m;
	struct seal_keyring	 ring = { .current = f->stranger };
	Nodenet__MailContent	*c;
	int			 key = -1;

	mail_init(&m);
	assert_int_equal(seal(f, &m, 2), 0);
	assert_int_equal(sign(f, &m), 0);
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key),
	    SEAL_ENOKEY);
	ring.old[0] = f->node[2];	/* not a recipient */
	ring.old[1] = f->node[1];
	ring.n_old = 2;
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key), 0);
	assert_int_equal(key, 2);	/* old key 1 */
	assert_string_equal(c->subject, SUBJECT);
	nodenet__mail_content__free_unpacked(c, NULL);
	ring.n_old = 0;		/* the keys are the fixture's */
	mail_free(&m);
}

/*
 * The envelope is bound into the content: the same sealed content under
 * another envelope, signed by whoever signs it, does not open.
 */
static void
test_envelope_bound(void **state)
{
	struct fix		*f = *state;
	struct seal_keyring	 ring = { .current = f->node[0] };

	for (int change = 0; change < 7; change++) {
		struct mail	m;

		sealed(f, &m);
		switch (change) {
		case 0:
			m.to[1] = (char *)(uintptr_t)"vanthu@hagiang";
			break;
		case 1:
			m.mm.n_to = 1;
			break;
		case 2:
			m.mm.from = (char *)(uintptr_t)
			    "chutich@tanthanh.bacquang.hagiang";
			break;
		case 3:
			m.mm.expires_ms = 0;
			break;
		case 4:
			m.mm.want_receipt = 0;
			break;
		case 5:
			m.mm.priority = NODENET__PRIORITY__PRIORITY_BULK;
			break;
		case 6:	/* another office signs it as its own */
			m.rb.origin = (char *)(uintptr_t)"bacquang.hagiang";
			m.mm.from = (char *)(uintptr_t)
			    "vanthu@bacquang.hagiang";
			break;
		}
		opens_not(f, &m, &ring, SEAL_EOPEN);
	}
}

/* Bytes of the sealed parts changed, and the record signed again. */
static void
test_tampered(void **state)
{
	struct fix		*f = *state;
	struct seal_keyring	 ring = { .current = f->node[1] };

	for (int part = 0; part < 4; part++) {
		struct mail		 m;
		Nodenet__SealedContent	*s;
		int			 want = SEAL_EBOX;

		sealed(f, &m);
		s = m.mm.sealed;
		switch (part) {
		case 0:
			s->ciphertext.data[s->ciphertext.len / 2] ^= 1;
			want = SEAL_EOPEN;
			break;
		case 1:	/* in every box's nonce too */
			s->nonce.data[0] ^= 1;
			break;
		case 2:
			s->keys[1]->box.data[5] ^= 1;
			break;
		case 3:
			s->ephemeral_key.data[3] ^= 1;
			break;
		}
		opens_not(f, &m, &ring, want);
	}
}

/* A relay's check: a sealed mail out of its bounds is no valid record. */
static void
test_bounds(void **state)
{
	struct fix	*f = *state;

	for (int bad = 0; bad < 8; bad++) {
		struct mail		 m;
		Nodenet__SealedContent	*s;
		size_t			 keep = 0;

		sealed(f, &m);
		s = m.mm.sealed;
		switch (bad) {
		case 0:
			m.mm.subject = (char *)(uintptr_t)"in clear";
			break;
		case 1:
			m.mm.text.data = (uint8_t *)(uintptr_t)"x";
			m.mm.text.len = 1;
			break;
		case 2:
			s->nonce.len--;
			break;
		case 3:
			s->ephemeral_key.len = 31;
			break;
		case 4:
			s->keys[2]->box.len = 47;
			break;
		case 5:
			s->keys[0]->recipient.len = 33;
			break;
		case 6:
			keep = s->ciphertext.len;
			s->ciphertext.len = 15;
			break;
		case 7:	/* over the cap, by hand */
			s->n_keys = WIRE_MAX_RECIPIENTS + 1;
			break;
		}
		if (bad == 7) {
			Nodenet__WrappedKey	**many, **orig = s->keys;

			many = calloc(s->n_keys, sizeof(*many));
			assert_non_null(many);
			for (size_t i = 0; i < s->n_keys; i++)
				many[i] = orig[i % NKEYS];
			s->keys = many;
			assert_int_equal(wire_mail_check(&m.rb), WIRE_ESEAL);
			assert_int_equal(sign(f, &m), WIRE_ESEAL);
			s->keys = orig;
			s->n_keys = NKEYS;
			free(many);
		} else {
			assert_int_equal(wire_mail_check(&m.rb), WIRE_ESEAL);
			assert_int_equal(sign(f, &m), WIRE_ESEAL);
		}
		if (keep != 0)
			s->ciphertext.len = keep;
		mail_free(&m);
	}
}

/* 256 keys seal; 257 do not. A mail sealed for none is valid. */
static void
test_key_cap(void **state)
{
	struct fix		*f = *state;
	struct seal_to		*to = calloc(SEAL_MAX_KEYS + 1, sizeof(*to));
	struct seal_keyring	 ring = { .current = f->node[0] };
	Nodenet__MailContent	*c;
	struct mail		 m;
	int			 key;

	assert_non_null(to);
	for (size_t i = 0; i <= SEAL_MAX_KEYS; i++) {
		key_pair_t	*kp = i == 200 ? NULL : key_generate();

		to_of(kp != NULL ? kp : f->node[0], &to[i]);
		key_free(&kp);
	}
	mail_init(&m);
	assert_int_equal(seal_mail(&m.mm, m.rb.origin, key_public(f->origin),
	    to, SEAL_MAX_KEYS + 1, NULL), SEAL_ETOOMANY);
	assert_null(m.mm.sealed);
	assert_string_equal(m.mm.subject, SUBJECT);
	assert_int_equal(seal_mail(&m.mm, m.rb.origin, key_public(f->origin),
	    to, SEAL_MAX_KEYS, NULL), 0);
	assert_int_equal(sign(f, &m), 0);
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key), 0);
	nodenet__mail_content__free_unpacked(c, NULL);
	mail_free(&m);

	mail_init(&m);
	assert_int_equal(seal(f, &m, 0), 0);
	assert_int_equal(sign(f, &m), 0);
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, &key),
	    SEAL_ENOKEY);
	mail_free(&m);
	free(to);
}

/* Content that opens must hold strings as a clear mail's are. */
static void
test_bad_content(void **state)
{
	struct fix		*f = *state;
	struct seal_keyring	 ring = { .current = f->node[0] };
	Nodenet__MailContent	*c;
	struct mail		 m;

	mail_init(&m);
	m.mm.subject = (char *)(uintptr_t)"bad \xff\xfe utf-8";
	assert_int_equal(seal(f, &m, 1), 0);
	assert_int_equal(sign(f, &m), 0);
	assert_int_equal(open_with(m.buf, m.len, &ring, &c, NULL),
	    SEAL_EDECODE);
	assert_null(c);
	mail_free(&m);
}

static void
write_key(const char *dir, const char *name, key_pair_t *kp, mode_t mode)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(key_save(kp, path), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_keyring_load(void **state)
{
	struct fix		*f = *state;
	struct seal_keyring	 ring = { .current = f->stranger };
	char			 dir[512], path[PATH_MAX];
	key_pair_t		*kp;

	snprintf(dir, sizeof(dir), "%s/none", f->dir);
	assert_int_equal(seal_keyring_load(&ring, dir, path, sizeof(path)), 0);
	assert_int_equal(ring.n_old, 0);

	snprintf(dir, sizeof(dir), "%s/old", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_key(dir, "2-second.key", f->node[1], 0600);
	write_key(dir, "1-first.key", f->node[0], 0600);
	assert_int_equal(seal_keyring_load(&ring, dir, path, sizeof(path)), 0);
	assert_int_equal(ring.n_old, 2);
	assert_memory_equal(key_public(ring.old[0]), key_public(f->node[0]),
	    KEY_PUBLIC_BYTES);
	assert_memory_equal(key_public(ring.old[1]), key_public(f->node[1]),
	    KEY_PUBLIC_BYTES);
	seal_keyring_free(&ring);
	assert_int_equal(ring.n_old, 0);

	/* One others may read: refused, named. */
	write_key(dir, "3-open.key", f->node[2], 0644);
	assert_int_equal(seal_keyring_load(&ring, dir, path, sizeof(path)),
	    KEY_EPERM);
	assert_non_null(strstr(path, "3-open.key"));
	seal_keyring_free(&ring);
	snprintf(path, sizeof(path), "%s/3-open.key", dir);
	assert_int_equal(unlink(path), 0);

	/* More than a node keeps. */
	for (int i = 0; i < SEAL_MAX_OLD; i++) {
		char	name[32];

		snprintf(name, sizeof(name), "k%02d.key", i);
		kp = key_generate();
		write_key(dir, name, kp, 0600);
		key_free(&kp);
	}
	assert_int_equal(seal_keyring_load(&ring, dir, path, sizeof(path)),
	    SEAL_EOLDKEYS);
	seal_keyring_free(&ring);
	assert_string_equal(seal_strerror(SEAL_EOLDKEYS),
	    "more than 16 old key files");
}

/*
 * A sender's key pair serves many mails, each with its own boxes (the
 * content nonce is in each box's nonce), until it has sealed its share
 * or its time is over; then it is another.
 */
static void
test_sender(void **state)
{
	struct fix		*f = *state;
	struct seal_sender	*ss = seal_sender_new();
	struct seal_keyring	 ring = { .current = f->node[1] };
	Nodenet__MailContent	*c;
	struct mail		 m1, m2;
	uint8_t			 epk[SEAL_CURVE_BYTES];

	assert_non_null(ss);
	mail_init(&m1);
	mail_init(&m2);
	assert_int_equal(seal_mail(&m1.mm, m1.rb.origin,
	    key_public(f->origin), f->to, NKEYS, ss), 0);
	assert_int_equal(seal_mail(&m2.mm, m2.rb.origin,
	    key_public(f->origin), f->to, NKEYS, ss), 0);
	memcpy(epk, m1.mm.sealed->ephemeral_key.data, sizeof(epk));
	assert_memory_equal(m2.mm.sealed->ephemeral_key.data, epk,
	    sizeof(epk));
	assert_memory_not_equal(m1.mm.sealed->keys[1]->box.data,
	    m2.mm.sealed->keys[1]->box.data, SEAL_BOX_BYTES);
	assert_int_equal(sign(f, &m1), 0);
	assert_int_equal(sign(f, &m2), 0);
	assert_int_equal(open_with(m1.buf, m1.len, &ring, &c, NULL), 0);
	nodenet__mail_content__free_unpacked(c, NULL);
	assert_int_equal(open_with(m2.buf, m2.len, &ring, &c, NULL), 0);
	nodenet__mail_content__free_unpacked(c, NULL);
	mail_free(&m1);
	mail_free(&m2);

	/* Its share sealed: the next mail has another key pair. */
	for (int i = 2; i < SEAL_SENDER_MAILS; i++) {
		mail_init(&m1);
		assert_int_equal(seal_mail(&m1.mm, m1.rb.origin,
		    key_public(f->origin), f->to, 1, ss), 0);
		assert_memory_equal(m1.mm.sealed->ephemeral_key.data, epk,
		    sizeof(epk));
		mail_free(&m1);
	}
	mail_init(&m1);
	assert_int_equal(seal_mail(&m1.mm, m1.rb.origin,
	    key_public(f->origin), f->to, 1, ss), 0);
	assert_memory_not_equal(m1.mm.sealed->ephemeral_key.data, epk,
	    sizeof(epk));
	memcpy(epk, m1.mm.sealed->ephemeral_key.data, sizeof(epk));
	mail_free(&m1);
	/* Its time over: wiped, and the next mail has another. */
	seal_sender_tick(ss, clock_mono_ms() + SEAL_SENDER_MS - 1000);
	mail_init(&m1);
	assert_int_equal(seal_mail(&m1.mm, m1.rb.origin,
	    key_public(f->origin), f->to, 1, ss), 0);
	assert_memory_equal(m1.mm.sealed->ephemeral_key.data, epk,
	    sizeof(epk));
	mail_free(&m1);
	seal_sender_tick(ss, clock_mono_ms() + SEAL_SENDER_MS);
	mail_init(&m1);
	assert_int_equal(seal_mail(&m1.mm, m1.rb.origin,
	    key_public(f->origin), f->to, 1, ss), 0);
	assert_memory_not_equal(m1.mm.sealed->ephemeral_key.data, epk,
	    sizeof(epk));
	assert_int_equal(sign(f, &m1), 0);
	ring.current = f->node[0];
	assert_int_equal(open_with(m1.buf, m1.len, &ring, &c, NULL), 0);
	nodenet__mail_content__free_unpacked(c, NULL);
	mail_free(&m1);
	seal_sender_free(&ss);
	assert_null(ss);
}

/*
 * mail m (its to[0], subject and text as now) signed by person with kp,
 * into ps: its signature is over subject s (NULL: m's own).
 */
static void
person_sign(struct mail *m, Nodenet__PersonSignature *ps, const char *person,
    const key_pair_t *kp, const char *s, uint8_t sig[KEY_SIGNATURE_BYTES])
{
	uint8_t	digest[PSIG_DIGEST_BYTES];

	nodenet__person_signature__init(ps);
	psig_mail_digest(m->mm.from, m->mm.to, m->mm.n_to,
	    s != NULL ? s : m->mm.subject, m->mm.text.data, m->mm.text.len,
	    digest);
	psig_sign(kp, digest, sig);
	ps->person = (char *)(uintptr_t)person;
	ps->key.data = (uint8_t *)(uintptr_t)key_public(kp);
	ps->key.len = KEY_PUBLIC_BYTES;
	ps->signature.data = sig;
	ps->signature.len = KEY_SIGNATURE_BYTES;
	m->mm.signed_by = ps;
}

/*
 * An official's signature goes sealed with what it signs: not in the
 * envelope (where it would be refused), checked by the recipient as
 * every node checks a clear mail's: over the content, by an official
 * of the origin.
 */
static void
test_signed(void **state)
{
	struct fix		*f = *state;
	struct seal_keyring	 ring = { .current = f->node[0] };
	static const char	*own = "chutich@tanthanh.bacquang.hagiang";
	struct wire_record	 wr;
	Nodenet__PersonSignature ps;
	Nodenet__MailContent	*c;
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	char			 why[256];

	for (int kind = 0; kind < 4; kind++) {
		struct mail	m;
		int		want = kind == 0 ? 1 : kind == 3 ? 0 : -1;

		mail_init(&m);
		if (kind < 3)
			person_sign(&m, &ps, kind == 2 ?
			    "chutich@bacquang.hagiang" : own, f->stranger,
			    kind == 1 ? "moved from another letter" : NULL,
			    sig);
		assert_int_equal(seal(f, &m, NKEYS), 0);
		assert_null(m.mm.signed_by);
		assert_int_equal(sign(f, &m), 0);
		/* Who signed is sealed too. */
		assert_null(memmem(m.buf, m.len, key_public(f->stranger),
		    KEY_PUBLIC_BYTES));
		assert_int_equal(wire_record_open(m.buf, m.len, &wr), 0);
		assert_int_equal(seal_open(&ring, wr.rb, &c, NULL), 0);
		assert_int_equal(seal_signed(wr.rb, c, why, sizeof(why)), want);
		if (kind == 1)
			assert_non_null(strstr(why, "does not verify"));
		if (kind == 2)
			assert_non_null(strstr(why, "not an official"));
		nodenet__mail_content__free_unpacked(c, NULL);
		wire_record_clear(&wr);
		mail_free(&m);
	}
	/* In the envelope of a sealed mail: no valid record. */
	{
		struct mail	m;

		sealed(f, &m);
		person_sign(&m, &ps, own, f->stranger, NULL, sig);
		assert_int_equal(wire_mail_check(&m.rb), WIRE_ESEAL);
		m.mm.signed_by = NULL;
		mail_free(&m);
	}
}

/* Why a mail does not open names the keys it was sealed to. */
static void
test_why(void **state)
{
	struct fix	*f = *state;
	struct mail	 m;
	char		 why[512], hex[KEY_HEX_BYTES];

	mail_init(&m);
	assert_int_equal(seal(f, &m, 2), 0);
	key_hex(key_public(f->node[1]), hex);
	hex[16] = '\0';
	seal_why(&m.mm, SEAL_ENOKEY, why, sizeof(why));
	assert_non_null(strstr(why, hex));
	assert_non_null(strstr(why, "old_keys"));
	/* Cut short, still a string. */
	seal_why(&m.mm, SEAL_ENOKEY, why, 20);
	assert_int_equal(strlen(why), 19);
	mail_free(&m);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_clear_mail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_envelope_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_content, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keyring_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
