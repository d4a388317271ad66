/*
 * test_verify: the verification pool gives, record for record, what
 * wire_record_open() gives on its own, with any number of workers, over
 * many jobs in a row (the pool's hand-offs between jobs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "verify.h"

#define NREC	97

struct fixture {
	ProtobufCBinaryData	 bin[NREC];
	const ProtobufCBinaryData *ptr[NREC];
	uint8_t			 ids[NREC][WIRE_ID_BYTES];
	int			 tampered[NREC];
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	key_pair_t	*kp = key_generate();

	if (f == NULL || kp == NULL)
		return -1;
	for (int i = 0; i < NREC; i++) {
		Nodenet__RecordBody	rb;
		Nodenet__NodeStatus	st;
		size_t			len;

		nodenet__record_body__init(&rb);
		nodenet__node_status__init(&st);
		st.uptime_s = (uint64_t)i;
		rb.origin = (char *)(uintptr_t)"hagiang";
		rb.origin_seq = (uint64_t)i + 1;
		rb.kind_case = NODENET__RECORD_BODY__KIND_STATUS;
		rb.status = &st;
		if (wire_record_make(kp, &rb, &f->bin[i].data, &len,
		    f->ids[i]) != 0)
			return -1;
		f->bin[i].len = len;
		f->ptr[i] = &f->bin[i];
		/* Every seventh record has a flipped byte. */
		if (i % 7 == 3) {
			f->bin[i].data[len / 2] ^= 0x20;
			f->tampered[i] = 1;
		}
	}
	key_free(&kp);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	for (int i = 0; i < NREC; i++)
		free(f->bin[i].data);
	free(f);
	return 0;
}

static void
run_pool(struct fixture *f, unsigned workers, int jobs)
{
	verify_pool_t		*vp = verify_pool_new(workers);
	struct wire_record	 out[NREC];
	int			 rc[NREC];

	for (int job = 0; job < jobs; job++) {
		size_t	n = (size_t)(job % NREC) + 1;	/* 1 .. NREC */

		memset(rc, 0x55, sizeof(rc));
		verify_batch(vp, f->ptr, n, out, rc);
		for (size_t i = 0; i < n; i++) {
			if (f->tampered[i])
				assert_int_not_equal(rc[i], 0);
			else {
				assert_int_equal(rc[i], 0);
				assert_memory_equal(out[i].id, f->ids[i],
				    WIRE_ID_BYTES);
			}
			wire_record_clear(&out[i]);
		}
	}
	verify_pool_free(&vp);
	assert_null(vp);
}

static void
test_no_workers(void **state)
{
	run_pool(*state, 0, 20);
}

static void
test_workers(void **state)
{
	run_pool(*state, 1, 300);
	run_pool(*state, 3, 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_workers),
		cmocka_unit_test(test_workers),
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
