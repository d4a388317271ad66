/*
 * fuzz_frame: libFuzzer target for wire_frame_unpack(), the door every
 * link frame from a peer comes in by (Hello, Batch, Ack, Heartbeat,
 * TraceQuery, TraceAnswer, Want, Found):
 * protobuf decoding, then the bounds of each kind. Any input gives 0 or a
 * code, never a crash, a leak or undefined behaviour; a frame that
 * passes is one whose bounds hold. Seeds: tests/fuzz/corpus/fuzz_frame/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* At most WIRE_MAX_WANT record ids, each of WIRE_ID_BYTES. */
static int
ids_ok(const ProtobufCBinaryData *ids, size_t n)
{
	if (n > WIRE_MAX_WANT)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i].len != WIRE_ID_BYTES)
			return 0;
	return 1;
}

/* Each string of a hop at most WIRE_MAX_TRACE_TEXT bytes. */
static int
text_ok(const char *s)
{
	return strlen(s) <= WIRE_MAX_TRACE_TEXT;
}

/* At most WIRE_MAX_TRACE_PAGE hops, each naming a node, with at most
 * WIRE_MAX_TRACE_EVENTS events; a page inside its total, and one that
 * says more follows has a hop and leaves some. */
static int
trace_answer_ok(const Nodenet__TraceAnswer *a)
{
	uint64_t	end = (uint64_t)a->from + a->n_hops;

	if (a->n_hops > WIRE_MAX_TRACE_PAGE ||
	    (a->total != 0 && end > a->total) ||
	    (a->more && (a->n_hops == 0 || end >= a->total)))
		return 0;
	for (size_t i = 0; i < a->n_hops; i++) {
		const Nodenet__TraceHop	*h = a->hops[i];

		if (!name_valid(h->node) || !text_ok(h->note) ||
		    h->n_events > WIRE_MAX_TRACE_EVENTS)
			return 0;
		for (size_t j = 0; j < h->n_events; j++)
			if (!text_ok(h->events[j]->event) ||
			    !text_ok(h->events[j]->peer))
				return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Nodenet__Frame	*f = NULL;

	if (wire_frame_unpack(data, size, &f) != 0) {
		if (f != NULL)
			abort();	/* a failure hands nothing out */
		return 0;
	}
	switch (f->kind_case) {
	case NODENET__FRAME__KIND_HELLO:
		if (!name_valid(f->hello->name) ||
		    f->hello->n_cert_chain > WIRE_MAX_CHAIN ||
		    f->hello->store_id.len != WIRE_STORE_ID_BYTES ||
		    (f->hello->log_epoch.len != 0 &&
		    f->hello->log_epoch.len != WIRE_EPOCH_BYTES) ||
		    f->hello->n_checkpoint_epochs > WIRE_LANES)
			abort();
		for (size_t i = 0; i < f->hello->n_checkpoint_epochs; i++)
			if (f->hello->checkpoint_epochs[i].len != 0 &&
			    f->hello->checkpoint_epochs[i].len !=
			    WIRE_EPOCH_BYTES)
				abort();
		break;
	case NODENET__FRAME__KIND_BATCH:
		if (f->batch->lane >= WIRE_LANES ||
		    f->batch->n_items > WIRE_MAX_BATCH ||
		    f->batch->upto < f->batch->after)
			abort();
		for (size_t i = 0; i < f->batch->n_items; i++)
			if (f->batch->items[i]->seq <= f->batch->after ||
			    f->batch->items[i]->seq > f->batch->upto)
				abort();
		break;
	case NODENET__FRAME__KIND_ACK:
		if (f->ack->lane >= WIRE_LANES)
			abort();
		break;
	case NODENET__FRAME__KIND_HEARTBEAT:
		break;
	case NODENET__FRAME__KIND_TRACE_QUERY:
		if (f->trace_query->id.len != WIRE_ID_BYTES ||
		    f->trace_query->ttl > WIRE_MAX_TRACE_HOPS)
			abort();
		break;
	case NODENET__FRAME__KIND_TRACE_ANSWER:
		if (!trace_answer_ok(f->trace_answer))
			abort();
		break;
	case NODENET__FRAME__KIND_WANT:
		if (f->want->n_ids == 0 || !ids_ok(f->want->ids,
		    f->want->n_ids))
			abort();
		break;
	case NODENET__FRAME__KIND_FOUND:
		if (f->found->n_records > WIRE_MAX_WANT ||
		    !ids_ok(f->found->missing, f->found->n_missing))
			abort();
		for (size_t i = 0; i < f->found->n_records; i++)
			if (f->found->records[i].len == 0 ||
			    f->found->records[i].len > WIRE_MAX_RECORD)
				abort();
		break;
	default:
		abort();
	}
	nodenet__frame__free_unpacked(f, NULL);
	return 0;
}
