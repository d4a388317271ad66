/*
 * fuzz_record: libFuzzer target for wire_record_open(), the door every
 * record from a peer or a file comes in by: the SignedRecord and
 * RecordBody decoding, the bounds and field checks and the signature
 * check. Any input must give 0 or a code, never a crash, a leak or
 * undefined behaviour; a record that opens must be one whose fields pass
 * the checks. Seeds: tests/fuzz/corpus/fuzz_record/ (records of several
 * kinds signed with RFC 8032's first test key).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "name.h"
#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct wire_record	 out;
	uint8_t			 id[WIRE_ID_BYTES];

	if (!ready) {
		if (sodium_init() == -1)
			abort();
		ready = 1;
	}
	if (wire_record_open(data, size, &out) == 0) {
		/* What opened is what the checks promise. */
		if (out.rb == NULL || out.body == NULL || out.sig == NULL ||
		    out.rb->origin_seq == 0 || !name_valid(out.rb->origin) ||
		    out.rb->origin_key.len != KEY_PUBLIC_BYTES ||
		    out.rb->kind_case == NODENET__RECORD_BODY__KIND__NOT_SET)
			abort();
		wire_record_id(out.body, out.body_len, id);
		if (memcmp(id, out.id, sizeof(id)) != 0)
			abort();
	} else if (out.rb != NULL || out.sr != NULL)
		abort();	/* a failure leaves out empty */
	wire_record_clear(&out);
	wire_record_clear(&out);
	return 0;
}
