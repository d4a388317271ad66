/*
 * test_psig: the bytes an official signs (node/lib/psig.c).
 *
 * The digests of one mail and one revision are pinned to values
 * computed from proto/README.md's words alone ("Personal signatures"),
 * outside this code, so the code and the contract cannot drift apart.
 * Then: every part of the content counts, field names must ascend, a
 * signature holds over its digest only, and psig_of() finds and checks
 * what a record carries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "key.h"
#include "psig.h"

#define FROM	"vanthu@tanthanh.bacquang.hagiang"
/* A literal where protobuf-c wants a char * (-Wwrite-strings). */
#define S(x)	((char *)(uintptr_t)(x))
#define MAIL_DIGEST \
	"4d229971372846a6c6ecb96bccd11d6a1256c2d875c7e18841a94340846ce067"
#define DOC_DIGEST \
	"fb9f18ebc3411c0dc7ad3769e44f4b0ad7a95967468c1ef0d538452e42169074"

static char	*to[] = { S("chutich@tw"), S("vanthu@hagiang") };

static void
hex_of(const uint8_t d[PSIG_DIGEST_BYTES], char out[2 * PSIG_DIGEST_BYTES + 1])
{
	sodium_bin2hex(out, 2 * PSIG_DIGEST_BYTES + 1, d, PSIG_DIGEST_BYTES);
}

static void
mail_digest(const char *from, size_t n_to, const char *subject,
    const char *text, uint8_t d[PSIG_DIGEST_BYTES])
{
	psig_mail_digest(from, to, n_to, subject, (const uint8_t *)text,
	    strlen(text), d);
}

static void
test_mail_vector(void **state)
{
	uint8_t	d[PSIG_DIGEST_BYTES], e[PSIG_DIGEST_BYTES];
	char	hex[2 * PSIG_DIGEST_BYTES + 1];

	(void)state;
	mail_digest(FROM, 2, "Quyết định 5", "Nội dung", d);
	hex_of(d, hex);
	assert_string_equal(hex, MAIL_DIGEST);
	/* Each part counts, and where one ends. */
	mail_digest(FROM, 1, "Quyết định 5", "Nội dung", e);
	assert_memory_not_equal(d, e, sizeof(d));
	mail_digest("vanthu@bacquang.hagiang", 2, "Quyết định 5", "Nội dung",
	    e);
	assert_memory_not_equal(d, e, sizeof(d));
	mail_digest(FROM, 2, "Quyết định 6", "Nội dung", e);
	assert_memory_not_equal(d, e, sizeof(d));
	mail_digest(FROM, 2, "Quyết định 5N", "ội dung", e);
	assert_memory_not_equal(d, e, sizeof(d));
}

/* The revision of the vector: fields so, tags, title (and gone absent). */
struct rev {
	Nodenet__Field		 so, tags, title, *f[3];
	Nodenet__TextList	 list;
	char			*items[2];
};

static void
rev_init(struct rev *r)
{
	nodenet__field__init(&r->so);
	nodenet__field__init(&r->tags);
	nodenet__field__init(&r->title);
	nodenet__text_list__init(&r->list);
	r->so.name = S("so");
	r->so.value_case = NODENET__FIELD__VALUE_NUMBER;
	r->so.number = 6.0;
	r->items[0] = S("a");
	r->items[1] = S("b");
	r->list.items = r->items;
	r->list.n_items = 2;
	r->tags.name = S("tags");
	r->tags.value_case = NODENET__FIELD__VALUE_LIST;
	r->tags.list = &r->list;
	r->title.name = S("title");
	r->title.value_case = NODENET__FIELD__VALUE_TEXT;
	r->title.text = S("Quyết định 6");
	/* In no particular order: the names signed decide. */
	r->f[0] = &r->title;
	r->f[1] = &r->so;
	r->f[2] = &r->tags;
}

static void
test_doc_vector(void **state)
{
	struct rev	 r;
	char		*names[] = { S("gone"), S("so"), S("tags"), S("title") };
	char		*bad[] = { S("so"), S("gone") }, *dup[] = { S("so"), S("so") };
	uint8_t		 d[PSIG_DIGEST_BYTES], e[PSIG_DIGEST_BYTES];
	char		 hex[2 * PSIG_DIGEST_BYTES + 1];

	(void)state;
	rev_init(&r);
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, names, 4, d), 0);
	hex_of(d, hex);
	assert_string_equal(hex, DOC_DIGEST);
	/* A value changed, a type changed, another database. */
	r.so.number = 6.5;
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, names, 4, e), 0);
	assert_memory_not_equal(d, e, sizeof(d));
	r.so.value_case = NODENET__FIELD__VALUE_TIME_MS;
	r.so.time_ms = 6;
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, names, 4, e), 0);
	assert_memory_not_equal(d, e, sizeof(d));
	rev_init(&r);
	assert_int_equal(psig_doc_digest("congvan2", r.f, 3, names, 4, e), 0);
	assert_memory_not_equal(d, e, sizeof(d));
	/* A field present where the signature says absent. */
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, names + 1, 3, e),
	    0);
	assert_memory_not_equal(d, e, sizeof(d));
	/* Names out of order, twice, or none. */
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, bad, 2, e), -1);
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, dup, 2, e), -1);
	assert_int_equal(psig_doc_digest("congvan", r.f, 3, names, 0, e), -1);
}

static void
test_sign_verify(void **state)
{
	key_pair_t	*kp = key_generate(), *other = key_generate();
	uint8_t		 d[PSIG_DIGEST_BYTES], sig[KEY_SIGNATURE_BYTES];
	uint8_t		 rec[KEY_SIGNATURE_BYTES];

	(void)state;
	mail_digest(FROM, 2, "s", "t", d);
	psig_sign(kp, d, sig);
	assert_int_equal(psig_verify(key_public(kp), d, sig), 0);
	assert_int_equal(psig_verify(key_public(other), d, sig), -1);
	d[0] ^= 1;
	assert_int_equal(psig_verify(key_public(kp), d, sig), -1);
	d[0] ^= 1;
	/* Not a signature over the bare digest (the prefix separates). */
	key_sign(kp, d, sizeof(d), rec);
	assert_int_equal(psig_verify(key_public(kp), d, rec), -1);
	key_free(&kp);
	key_free(&other);
}

static void
test_psig_of(void **state)
{
	Nodenet__RecordBody		 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage		 m = NODENET__MAIL_MESSAGE__INIT;
	Nodenet__PersonSignature	 ps = NODENET__PERSON_SIGNATURE__INIT;
	const Nodenet__PersonSignature	*got;
	const char			*why = NULL;
	uint8_t				 key[KEY_PUBLIC_BYTES] = { 1 };
	uint8_t				 sig[KEY_SIGNATURE_BYTES] = { 2 };
	uint8_t				 d[PSIG_DIGEST_BYTES], e[PSIG_DIGEST_BYTES];
	char				*fields[] = { S("x") };

	(void)state;
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = &m;
	m.from = S(FROM);
	m.to = to;
	m.n_to = 2;
	m.subject = S("Quyết định 5");
	m.text.data = (uint8_t *)(uintptr_t)"Nội dung";
	m.text.len = strlen("Nội dung");
	assert_int_equal(psig_of(&rb, &got, d, &why), 0);
	assert_null(got);
	m.signed_by = &ps;
	ps.person = S("chutich@tanthanh.bacquang.hagiang");
	ps.key.data = key;
	ps.key.len = sizeof(key);
	ps.signature.data = sig;
	ps.signature.len = sizeof(sig);
	assert_int_equal(psig_of(&rb, &got, d, &why), 1);
	mail_digest(FROM, 2, "Quyết định 5", "Nội dung", e);
	assert_memory_equal(d, e, sizeof(d));
	/* Malformed: a node's name, a short key, fields on a mail. */
	ps.person = S("tanthanh.bacquang.hagiang");
	assert_int_equal(psig_of(&rb, &got, d, &why), -1);
	assert_non_null(why);
	ps.person = S("chutich@tanthanh.bacquang.hagiang");
	ps.key.len = 31;
	assert_int_equal(psig_of(&rb, &got, d, &why), -1);
	ps.key.len = sizeof(key);
	ps.fields = fields;
	ps.n_fields = 1;
	assert_int_equal(psig_of(&rb, &got, d, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_vector),
		cmocka_unit_test(test_doc_vector),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_psig_of),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_psig: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
