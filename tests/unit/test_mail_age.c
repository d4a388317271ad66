/*
 * test_mail_age: when a mail has expired here (proto/README.md, "Mail in
 * transit"). Its lifetime is expires_ms - created_ms, both by its
 * origin's clock; its age is counted from its birth by this node's
 * clock: the arrival less the age its link gave, its arrival if the link
 * gave none, created_ms if it was written here. How far the origin's
 * clock is from ours never counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "mail.h"

#define S		UINT64_C(1000)
#define HOUR		(3600 * S)
#define DAY		(24 * HOUR)
#define NOW		(UINT64_C(1800000000000))	/* our clock */

/* A mail written at created (its origin's clock), expiring expires. */
struct mail {
	Nodenet__RecordBody	rb;
	Nodenet__MailMessage	m;
	uint8_t			id[STORE_ID_BYTES];
};

static void
mail_init(struct mail *x, uint64_t created, uint64_t expires, uint8_t tag)
{
	nodenet__record_body__init(&x->rb);
	nodenet__mail_message__init(&x->m);
	x->rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	x->rb.mail = &x->m;
	x->rb.created_ms = created;
	x->m.expires_ms = expires;
	memset(x->id, tag, sizeof(x->id));
}

static void
custody(struct fixture *f, const uint8_t *id, int event, uint64_t at)
{
	struct store_custody	ev = { .time_ms = at, .event = event };

	snprintf(ev.peer, sizeof(ev.peer), "hagiang");
	assert_rc(store_custody_add(f->txn, id, &ev), 0);
}

static int
expired(struct fixture *f, struct mail *x)
{
	return mail_expired(f->txn, x->id, &x->rb, NOW);
}

static void
test_no_expiry(void **state)
{
	struct fixture	*f = *state;
	struct mail	 x;

	open_store(f, NULL);
	begin(f, 0);
	mail_init(&x, NOW - 10 * DAY, 0, 1);
	assert_false(expired(f, &x));
	/* Only mail expires. */
	mail_init(&x, NOW - 10 * DAY, NOW - DAY, 2);
	x.rb.kind_case = NODENET__RECORD_BODY__KIND_REPORT;
	assert_false(expired(f, &x));
}

/* Written here: our clock both ends, as before the rule. */
static void
test_own(void **state)
{
	struct fixture	*f = *state;
	struct mail	 x;

	open_store(f, NULL);
	begin(f, 0);
	mail_init(&x, NOW - 500 * S, NOW + 100 * S, 1);
	custody(f, x.id, STORE_CUSTODY_SUBMITTED, NOW - 500 * S);
	assert_int_equal(mail_age(f->txn, x.id, &x.rb, NOW), 500 * S);
	assert_false(expired(f, &x));
	assert_true(mail_expired(f->txn, x.id, &x.rb, NOW + 100 * S));
	/* Expiring at or before its writing: at once. */
	mail_init(&x, NOW, NOW, 2);
	assert_true(expired(f, &x));
	mail_init(&x, NOW, NOW - 1000, 3);
	assert_true(expired(f, &x));
}

/* Its link said its age: an origin 2 h fast or a day slow is all one. */
static void
test_with_age(void **state)
{
	struct fixture	*f = *state;
	struct mail	 fast, slow;

	open_store(f, NULL);
	begin(f, 0);
	mail_init(&fast, NOW + 2 * HOUR, NOW + 2 * HOUR + 600 * S, 1);
	custody(f, fast.id, STORE_CUSTODY_RECEIVED, NOW - 40 * S);
	assert_rc(store_transit_put(f->txn, fast.id, NOW - 100 * S), 0);
	assert_int_equal(mail_age(f->txn, fast.id, &fast.rb, NOW), 100 * S);
	assert_false(expired(f, &fast));
	assert_true(mail_expired(f->txn, fast.id, &fast.rb, NOW + 500 * S));

	/* By our clock it expired a day ago: by its age, not yet. */
	mail_init(&slow, NOW - DAY, NOW - DAY + 600 * S, 2);
	custody(f, slow.id, STORE_CUSTODY_RECEIVED, NOW - 5 * S);
	assert_rc(store_transit_put(f->txn, slow.id, NOW - 599 * S), 0);
	assert_false(expired(f, &slow));
	assert_true(mail_expired(f->txn, slow.id, &slow.rb, NOW + S));
	/* A clock gone back since its arrival: age 0, not a wrap. */
	assert_int_equal(mail_age(f->txn, slow.id, &slow.rb, NOW - DAY), 0);
}

/* Its link did not say (an older node): from its arrival here. */
static void
test_without_age(void **state)
{
	struct fixture	*f = *state;
	struct mail	 x;

	open_store(f, NULL);
	begin(f, 0);
	mail_init(&x, NOW - DAY, NOW - DAY + 600 * S, 1);
	custody(f, x.id, STORE_CUSTODY_RECEIVED, NOW - 50 * S);
	custody(f, x.id, STORE_CUSTODY_SENT, NOW - 10 * S);
	assert_int_equal(mail_age(f->txn, x.id, &x.rb, NOW), 50 * S);
	assert_false(expired(f, &x));
	assert_true(mail_expired(f->txn, x.id, &x.rb, NOW + 550 * S));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_expiry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_with_age, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_without_age, setup,
		    teardown),
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
