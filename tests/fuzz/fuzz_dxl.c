/*
 * fuzz_dxl: libFuzzer target for node-ctl's DXL reader
 * (tools/node-ctl/dxl.c). Each input is parsed twice: whole, and fed in
 * pieces whose sizes come from its first byte, as a file read in blocks
 * is. Beyond "no crash, no leak, no undefined behaviour" the promises
 * are checked: both ways find the same documents and the same error; a
 * document handed out keeps the store's limits (fields, names, value
 * sizes, attachments) and its UNID is 32 hex digits; an error names
 * the file, a line and a column. Attachments are hashed, not written.
 * Seeds: tests/fuzz/corpus/fuzz_dxl/ (exports written for the tests).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dxl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct seen {
	size_t		docs, bad;
	uint8_t		sum[32];	/* what each document held */
};

static void
check_doc(const struct dxl_doc *d)
{
	const char	*k;
	json_t		*v;
	char		*dump;

	if (strlen(d->unid) != DXL_UNID_HEX ||
	    json_object_size(d->fields) > DOC_MAX_FIELDS ||
	    d->natts > DOC_MAX_ATTACHMENTS)
		abort();
	json_object_foreach(d->fields, k, v) {
		if (k[0] == '\0' || strlen(k) > DOC_MAX_FIELD_NAME)
			abort();
		if (json_is_string(v) && strlen(json_string_value(v)) >
		    DOC_MAX_VALUE)
			abort();
	}
	for (size_t i = 0; i < d->natts; i++)
		if (d->atts[i].size == 0 || d->atts[i].size >
		    DOC_MAX_ATTACHMENT || d->atts[i].path != NULL)
			abort();
	if ((dump = json_dumps(d->fields, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL)
		abort();
	free(dump);
}

static int
on_doc(const struct dxl_doc *d, const char *err, void *arg)
{
	struct seen	*s = arg;

	s->docs++;
	if (err != NULL) {
		if (strncmp(err, "in.dxl:", 7) != 0)
			abort();
		s->bad++;
		return 0;
	}
	check_doc(d);
	s->sum[s->docs % 32] ^= (uint8_t)json_object_size(d->fields);
	return 0;
}

static int
parse(const uint8_t *data, size_t len, size_t piece, struct seen *s,
    char *err, size_t errlen)
{
	struct dxl	*p = dxl_new("in.dxl", NULL, on_doc, s);
	int		 rc = 0;

	if (p == NULL)
		abort();
	for (size_t at = 0; rc == 0 && at < len; at += piece)
		rc = dxl_feed(p, (const char *)data + at, len - at < piece ?
		    len - at : piece);
	if (rc == 0)
		rc = dxl_end(p);
	snprintf(err, errlen, "%s", rc != 0 ? dxl_error(p) : "");
	if (rc != 0 && strncmp(err, "in.dxl:", 7) != 0)
		abort();
	dxl_free(p);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct seen	a = { 0 }, b = { 0 };
	char		ea[DXL_ERR_MAX], eb[DXL_ERR_MAX];
	int		ra, rb;

	if (len == 0)
		return 0;
	ra = parse(data + 1, len - 1, len, &a, ea, sizeof(ea));
	rb = parse(data + 1, len - 1, 1 + data[0] % 64, &b, eb, sizeof(eb));
	/* The same documents, however the input is cut. A well-formedness
	 * error may be found at another column, so only its kind is held. */
	if (ra != rb || a.docs != b.docs || a.bad != b.bad ||
	    memcmp(a.sum, b.sum, sizeof(a.sum)) != 0)
		abort();
	return 0;
}
