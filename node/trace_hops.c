/*
 * trace_hops: a trace's hops in their wire form; see trace_hops.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "trace_hops.h"
#include "wire.h"
#include "xmem.h"

size_t
trace_hops_measure(const Nodenet__TraceHop *th)
{
	return nodenet__trace_hop__get_packed_size(th);
}

void
trace_hops_add(struct trace_hops *h, const Nodenet__TraceHop *th)
{
	size_t	size = trace_hops_measure(th);

	if (h->n == h->ncap) {
		h->ncap = h->ncap == 0 ? 16 : 2 * h->ncap;
		h->off = xrealloc(h->off, h->ncap, sizeof(*h->off));
	}
	if (h->len + size > h->cap) {
		h->cap = h->cap == 0 ? 4096 : 2 * h->cap;
		if (h->cap < h->len + size)
			h->cap = h->len + size;
		h->buf = xrealloc(h->buf, h->cap, 1);
	}
	nodenet__trace_hop__pack(th, h->buf + h->len);
	h->off[h->n++] = h->len;
	h->len += size;
}

void
trace_hops_note(struct trace_hops *h, const char *node, const char *fmt,
    ...)
{
	Nodenet__TraceHop	th = NODENET__TRACE_HOP__INIT;
	char			note[WIRE_MAX_TRACE_TEXT + 1];
	va_list			ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	th.node = (char *)(uintptr_t)node;
	th.note = note;
	trace_hops_add(h, &th);
}

/* The bytes of hop i. */
static size_t
hop_len(const struct trace_hops *h, size_t i)
{
	return (i + 1 < h->n ? h->off[i + 1] : h->len) - h->off[i];
}

void
trace_hops_move(struct trace_hops *h, struct trace_hops *src)
{
	if (h->len + src->len > h->cap) {
		h->cap = h->len + src->len;
		h->buf = xrealloc(h->buf, h->cap, 1);
	}
	if (h->n + src->n > h->ncap) {
		h->ncap = h->n + src->n;
		h->off = xrealloc(h->off, h->ncap, sizeof(*h->off));
	}
	if (src->len > 0)
		memcpy(h->buf + h->len, src->buf, src->len);
	for (size_t i = 0; i < src->n; i++)
		h->off[h->n++] = h->len + src->off[i];
	h->len += src->len;
	trace_hops_free(src);
}

size_t
trace_hops_fit(const struct trace_hops *h, size_t from, size_t max,
    size_t max_bytes)
{
	size_t	k = 0, bytes = 0;

	for (; from + k < h->n && k < max; k++) {
		/* Each hop adds its tag and length, a few bytes more. */
		bytes += hop_len(h, from + k) + 8;
		if (k > 0 && bytes > max_bytes)
			break;
	}
	return k;
}

/* Hop i decoded (our own bytes: only memory can fail). */
static Nodenet__TraceHop *
hop_get(const struct trace_hops *h, size_t i)
{
	Nodenet__TraceHop	*th;

	th = nodenet__trace_hop__unpack(NULL, hop_len(h, i), h->buf +
	    h->off[i]);
	if (th == NULL)
		fatalx("trace: cannot decode a hop held (out of memory?)");
	return th;
}

void
trace_hops_page(const struct trace_hops *h, size_t from, size_t k,
    Nodenet__TraceAnswer *a)
{
	a->hops = xcalloc(k + 1, sizeof(*a->hops));
	for (a->n_hops = 0; a->n_hops < k; a->n_hops++)
		a->hops[a->n_hops] = hop_get(h, from + a->n_hops);
}

void
trace_hops_unpage(Nodenet__TraceAnswer *a)
{
	for (size_t i = 0; i < a->n_hops; i++)
		nodenet__trace_hop__free_unpacked(a->hops[i], NULL);
	free(a->hops);
	a->hops = NULL;
	a->n_hops = 0;
}

json_t *
trace_hops_json(const struct trace_hops *h, int *complete)
{
	json_t	*list = json_array(), *hop, *evs;

	*complete = 1;
	for (size_t i = 0; i < h->n; i++) {
		Nodenet__TraceHop	*th = hop_get(h, i);

		evs = json_array();
		for (size_t j = 0; j < th->n_events; j++)
			json_array_append_new(evs, json_pack("{s:I, s:s, s:s}",
			    "time_ms", (json_int_t)th->events[j]->time_ms,
			    "event", th->events[j]->event, "peer",
			    th->events[j]->peer));
		hop = json_pack("{s:s, s:o}", "node", th->node, "events", evs);
		if (th->note[0] != '\0') {
			json_object_set_new(hop, "note", json_string(th->note));
			*complete = 0;
		}
		json_array_append_new(list, hop);
		nodenet__trace_hop__free_unpacked(th, NULL);
	}
	return list;
}

void
trace_hops_free(struct trace_hops *h)
{
	free(h->buf);
	free(h->off);
	memset(h, 0, sizeof(*h));
}
