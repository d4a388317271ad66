/*
 * dxl: documents read from Domino XML (DXL), streaming, with libxml2's
 * SAX2 push parser: the input goes in pieces (dxl_feed), and memory is
 * bounded by one document's limits, not by the size of the export. Each
 * document is handed to a callback as the fields of a doc_put, with what
 * db import needs besides (its UNID, its readers' Notes names, its
 * attachments in files of their own). The mapping and the DXL accepted:
 * README.md, "Importing from Notes".
 *
 * Every byte is the file's: an error names the file, line and column,
 * and a bad document is reported and skipped whole (nothing of it is
 * handed out); XML that is not well-formed stops the parse.
 */
#ifndef DXL_H
#define DXL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "doc.h"

#define DXL_UNID_HEX	32
/* The fields db import adds itself, and the items db export writes that
 * Notes cannot have (no Notes item name holds a colon). */
#define DXL_PREFIX	"notes:"
#define DXL_RT_PREFIX	"notes:rt:"	/* a richtext item's original */
#define DXL_RICH_MAX	DOC_MAX_ATTACHMENT	/* its most, as XML */
#define DXL_ERR_MAX	512

struct dxl_att {
	char		*name;
	char		*path;		/* its bytes; NULL if only checked */
	char		*media_type;
	uint64_t	 size;
	uint8_t		 hash[32];	/* BLAKE2b-256 of the bytes */
};

struct dxl_doc {
	const char	*file;
	unsigned long	 line;		/* where <document> starts */
	char		 unid[DXL_UNID_HEX + 1];	/* "" if none */
	char		 id[DXL_UNID_HEX + 1];	/* a notes:id item, or "" */
	char		 parent[DXL_UNID_HEX + 1];	/* its parent's UNID */
	json_t		*fields;	/* name to value, as doc_put's */
	json_t		*names;		/* Notes names of its Readers items */
	json_t		*authors;	/* and of its Authors items */
	json_t		*patterns;	/* a notes:readers item, or NULL */
	int		 has_readers;	/* it has a Readers item */
	struct dxl_att	 atts[DOC_MAX_ATTACHMENTS];
	size_t		 natts;
	uint64_t	 offset;	/* bytes of the input, to its end */
};

/*
 * Called for each document: err NULL, or why it is bad ("FILE:LINE:COL:
 * ..."; d then has its line and its UNID if it was read). The document
 * and its files are gone when it returns. Returns 0 to go on, -1 to stop
 * the parse (dxl_feed() then fails with the error "stopped").
 */
typedef int	(*dxl_doc_fn)(const struct dxl_doc *d, const char *err,
		    void *arg);

struct dxl;
/*
 * A parser of the file called name (for errors). tmpdir: where each
 * attachment's bytes go, in a file of its own, while its document is
 * handed out; NULL: they are decoded and hashed, not kept.
 */
struct dxl	*dxl_new(const char *name, const char *tmpdir, dxl_doc_fn fn,
		    void *arg);
/* The next piece of input: 0, or -1 once the parse has stopped. */
int		 dxl_feed(struct dxl *p, const char *buf, size_t len);
/* The end of the input: 0, or -1 (a truncated file, say). */
int		 dxl_end(struct dxl *p);
/* Why the parse stopped: "FILE:LINE:COL: ...". */
const char	*dxl_error(const struct dxl *p);
void		 dxl_free(struct dxl *p);

/*
 * A DXL datetime (20100315T093012,45+07, 20100315, T093012,45) as Unix
 * ms: 0, or -1 if it is none or before 1970. *form: 0 full, 1 a date, 2
 * a time of day; zone (if not NULL, 8 bytes) the offset as written.
 */
int		 dxl_datetime(const char *s, int64_t *ms, int *form,
		    char *zone);
/* The media type an attachment name's extension suggests. */
const char	*dxl_media_type(const char *name);

#endif
