/*
 * dxl.c: the DXL reader (dxl.h). libxml2's SAX2 push parser hands us
 * elements and text in pieces; a stack says where each piece is (which
 * item of which document), and a document is built up as doc_put fields
 * until its end tag, then handed out. The text of a value goes into a
 * buffer of at most one field's size; an attachment's base64 is decoded
 * as it comes, into a file; a richtext item is written out again as XML
 * as it comes (its original, for db export) beside its plain text. So
 * nothing grows with the input but by one document's limits.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <sodium.h>

#include "dxl.h"

#define DEPTH_MAX	256	/* elements open at once */
#define VALUE_MAX	DOC_MAX_VALUE

/* What an open element is to us. */
enum ctx {
	C_DB,		/* <database>: documents and design, which we skip */
	C_SKIP,		/* a subtree we leave out */
	C_DOC,
	C_NOTEINFO,
	C_WHEN,		/* noteinfo's created or modified */
	C_UPDATEDBY,
	C_REVISIONS,
	C_ITEM,
	C_VALUE,	/* text, number, datetime, name: its text wanted */
	C_LIST,
	C_PAIR,		/* a datetimepair of a datetimelist */
	C_BREAK,	/* a line break inside a text */
	C_RICH,		/* inside a richtext item */
	C_OBJECT,
	C_FILE,
	C_FILEDATA,
	C_RAW,		/* rawitemdata: base64 of a value */
};

/* An item's value, by its element. */
enum kind {
	K_NONE, K_TEXT, K_NUMBER, K_DATETIME, K_TEXTLIST, K_NUMBERLIST,
	K_DATETIMELIST, K_RICHTEXT, K_OBJECT, K_RAW
};
static const char *const kind_names[] = {
	"", "text", "number", "datetime", "textlist", "numberlist",
	"datetimelist", "richtext", "object", "rawitemdata"
};

/* The flags of <item> kept in notes:items, in this order. */
static const char *const item_flags[] = {
	"summary", "sign", "seal", "sealed", "authors", "names", "readers",
	"protected", "placeholder"
};
#define N_FLAGS	(sizeof(item_flags) / sizeof(item_flags[0]))

/* Elements inside richtext whose text is not the document's words. */
static const char *const rich_binary[] = {
	"picture", "gif", "jpeg", "png", "notesbitmap", "cgm", "imageref",
	"attachmentref", "objectref", "embeddedcontrol", "fileitemref",
	"svg", "imagemap", "rawitemdata", NULL
};

struct buf {
	char	*s;
	size_t	 len, cap, max;
};

/* A base64 text decoded as it comes: into a file, or a buffer. */
struct b64 {
	uint8_t				 q[4];
	int				 n, pad;
	FILE				*f;
	struct buf			*out;
	uint64_t			 size, max;
	crypto_generichash_state	 h;
};

struct dxl {
	xmlParserCtxtPtr	 ctxt;
	const char		*name, *tmpdir;
	dxl_doc_fn		 fn;
	void			*arg;
	char			 err[DXL_ERR_MAX];
	int			 stopped, ending;
	enum ctx		 st[DEPTH_MAX];
	int			 depth, seen_root;

	/* The document being read. */
	struct dxl_doc		 d;
	int			 in_doc, bad, doc_depth;
	char			 derr[DXL_ERR_MAX];
	json_t			*entries;	/* notes:items */
	json_t			*revisions, *updatedby;
	json_t			*created, *modified;
	char			 form[256];

	/* The item being read. */
	char			 item[DOC_MAX_FIELD_NAME + 1];
	int			 flags[N_FLAGS];
	enum kind		 kind;
	int			 nvalues, when;	/* when: 1 created, 2 modified */
	char			 extra[96];	/* notes:items: more of its kind */
	json_t			*list;
	size_t			 list_bytes;
	struct buf		 val, pair, rich, plain;
	int			 rich_skip, rich_par, pair_n;
	struct b64		 b64;
	struct buf		 raw;
	char			 rawtype[16];
	struct dxl_att		 att;
	int64_t			 att_declared;	/* its size attribute, or -1 */
};

/* ---- buffers and errors ------------------------------------------ */

static int
buf_add(struct buf *b, const char *s, size_t len)
{
	char	*n;

	if (b->len + len > b->max)
		return -1;
	if (b->len + len + 1 > b->cap) {
		size_t	cap = b->cap < 256 ? 256 : b->cap;

		while (cap < b->len + len + 1)
			cap *= 2;
		if ((n = realloc(b->s, cap)) == NULL)
			return -1;
		b->s = n;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

static void
buf_reset(struct buf *b, size_t max)
{
	b->len = 0;
	b->max = max;
	if (b->s != NULL)
		b->s[0] = '\0';
}

static const char *
buf_str(const struct buf *b)
{
	return b->s != NULL ? b->s : "";
}

static unsigned long
line_now(const struct dxl *p)
{
	return (unsigned long)xmlSAX2GetLineNumber(p->ctxt);
}

static unsigned long
col_now(const struct dxl *p)
{
	return (unsigned long)xmlSAX2GetColumnNumber(p->ctxt);
}

/* "FILE:LINE:COL: " and what fmt says, into out. */
static void
where(const struct dxl *p, char *out, size_t len, const char *fmt,
    va_list ap)
{
	int	n = snprintf(out, len, "%s:%lu:%lu: ", p->name, line_now(p),
		    col_now(p));

	if (n >= 0 && (size_t)n < len)
		vsnprintf(out + n, len - (size_t)n, fmt, ap);
}

/* The document is bad: why, with where, the first time. */
static void
bad(struct dxl *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
bad(struct dxl *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->bad || !p->in_doc)
		return;
	p->bad = 1;
	va_start(ap, fmt);
	where(p, p->derr, sizeof(p->derr), fmt, ap);
	va_end(ap);
}

/* The parse cannot go on: why, with where. */
static void
fatal(struct dxl *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
fatal(struct dxl *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->stopped)
		return;
	p->stopped = 1;
	va_start(ap, fmt);
	where(p, p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	xmlStopParser(p->ctxt);
}

/* ---- values -------------------------------------------------------- */

/* s without the white space around it, in place. */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* "THHMMSS[,f]": the ms into the day; s past it in *end. */
static int
time_of_day(const char *s, int64_t *ms, const char **end)
{
	int	h, m, sec, f = 0, n = 0;

	if (s[0] != 'T' || digits(s + 1, 2, &h) || digits(s + 3, 2, &m) ||
	    digits(s + 5, 2, &sec) || h > 23 || m > 59 || sec > 60)
		return -1;
	s += 7;
	if (*s == ',' || *s == '.') {
		for (s++; *s >= '0' && *s <= '9' && n < 3; s++, n++)
			f = f * 10 + (*s - '0');
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			f *= 10;
	}
	*ms = ((int64_t)h * 3600 + m * 60 + sec) * 1000 + f;
	*end = s;
	return 0;
}

int
dxl_datetime(const char *s, int64_t *ms, int *form, char *zone)
{
	struct tm	 tm = { 0 };
	const char	*z;
	int64_t		 day, t;
	int		 y, mo, d, zh = 0, zm = 0, sign;
	time_t		 tt;

	if (zone != NULL)
		zone[0] = '\0';
	if (s[0] == 'T') {
		if (time_of_day(s, ms, &z) != 0 || *z != '\0')
			return -1;
		*form = 2;
		return 0;
	}
	if (digits(s, 4, &y) || digits(s + 4, 2, &mo) || digits(s + 6, 2, &d) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tt = timegm(&tm);
	/* timegm takes 2010-02-30 as 2010-03-02: refuse what it moved. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1 || tt < 0)
		return -1;
	day = (int64_t)tt * 1000;
	if (s[8] == '\0') {
		*ms = day;
		*form = 1;
		return 0;
	}
	if (time_of_day(s + 8, &t, &z) != 0)
		return -1;
	/* The zone: Z, +HH, +HHMM or +HH:MM (DXL writes +HH). */
	if (z[0] == 'Z' && z[1] == '\0')
		;
	else if ((z[0] == '+' || z[0] == '-') && !digits(z + 1, 2, &zh) &&
	    (z[3] == '\0' || (!digits(z + 3, 2, &zm) && z[5] == '\0') ||
	    (z[3] == ':' && !digits(z + 4, 2, &zm) && z[6] == '\0')) &&
	    zh <= 14 && zm <= 59)
		;
	else
		return -1;
	if (zone != NULL)
		snprintf(zone, 8, "%s", z);
	sign = z[0] == '-' ? -1 : 1;
	*ms = day + t - sign * ((int64_t)zh * 3600 + zm * 60) * 1000;
	*form = 0;
	return *ms < 0 ? -1 : 0;
}

const char *
dxl_media_type(const char *name)
{
	static const char *const types[][2] = {
		{ "pdf", "application/pdf" },
		{ "doc", "application/msword" },
		{ "docx", "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document" },
		{ "xls", "application/vnd.ms-excel" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet" },
		{ "ppt", "application/vnd.ms-powerpoint" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "txt", "text/plain" }, { "htm", "text/html" },
		{ "html", "text/html" }, { "xml", "application/xml" },
		{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "png", "image/png" }, { "gif", "image/gif" },
		{ "tif", "image/tiff" }, { "tiff", "image/tiff" },
		{ "zip", "application/zip" }, { "rar", "application/vnd.rar" },
	};
	const char	*dot = strrchr(name, '.');

	if (dot != NULL)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

/* A DXL number, as strtod reads it but without hex, inf or nan. */
static int
number(const char *s, double *d)
{
	char	*end;

	if (s[0] == '\0' || strspn(s, "0123456789+-.eE") != strlen(s))
		return -1;
	errno = 0;
	*d = strtod(s, &end);
	return errno != 0 || *end != '\0' || !isfinite(*d) ? -1 : 0;
}

static int
is_unid(const char *s)
{
	if (strlen(s) != DXL_UNID_HEX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The value's text without the white space around it. */
static char *
val_trimmed(struct dxl *p)
{
	static char	empty[1];

	return p->val.s != NULL ? trim(p->val.s) : empty;
}

/* ---- base64, as it comes ----------------------------------------- */

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static void
b64_begin(struct b64 *b, FILE *f, struct buf *out, uint64_t max)
{
	memset(b, 0, sizeof(*b));
	b->f = f;
	b->out = out;
	b->max = max;
	crypto_generichash_init(&b->h, NULL, 0, 32);
}

static int
b64_emit(struct dxl *p, struct b64 *b, const uint8_t *o, size_t n)
{
	if (b->size + n > b->max) {
		bad(p, "over %" PRIu64 " bytes decoded, the most it may hold",
		    b->max);
		return -1;
	}
	b->size += n;
	crypto_generichash_update(&b->h, o, n);
	if (b->f != NULL && fwrite(o, 1, n, b->f) != n) {
		bad(p, "cannot write the attachment: %s", strerror(errno));
		return -1;
	}
	if (b->out != NULL && buf_add(b->out, (const char *)o, n) != 0) {
		bad(p, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The text s[0..len) just read has a bad character at i: the parser is
 * past the text, so its line and column are counted back from there.
 */
static void
bad_at(struct dxl *p, const char *s, size_t len, size_t i, const char *why)
{
	unsigned long	line = line_now(p), col = 1;
	size_t		k;

	for (k = i; k < len; k++)
		line -= s[k] == '\n';
	for (k = i; k > 0 && s[k - 1] != '\n'; k--)
		col++;
	if (k == 0)	/* its line began before this piece */
		col = 0;
	if (p->bad || !p->in_doc)
		return;
	p->bad = 1;
	if (col > 0)
		snprintf(p->derr, sizeof(p->derr), "%s:%lu:%lu: %s", p->name,
		    line, col, why);
	else
		snprintf(p->derr, sizeof(p->derr), "%s:%lu: %s", p->name,
		    line, why);
}

static int
b64_feed(struct dxl *p, struct b64 *b, const char *s, size_t len)
{
	uint8_t	o[3];
	int	v;

	for (size_t i = 0; i < len; i++) {
		int	c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			/* xx== or xxx=: then nothing but more padding. */
			if (b->n < 2) {
				bad_at(p, s, len, i, "broken base64: '=' too "
				    "early");
				return -1;
			}
			b->pad++;
			b->q[b->n++] = 0;
		} else if ((v = b64_val(c)) < 0 || b->pad > 0) {
			bad_at(p, s, len, i, v < 0 ? "broken base64: a "
			    "character that is not base64" : "broken base64: "
			    "text after its padding");
			return -1;
		} else
			b->q[b->n++] = (uint8_t)v;
		if (b->n < 4)
			continue;
		o[0] = (uint8_t)(b->q[0] << 2 | b->q[1] >> 4);
		o[1] = (uint8_t)(b->q[1] << 4 | b->q[2] >> 2);
		o[2] = (uint8_t)(b->q[2] << 6 | b->q[3]);
		b->n = 0;
		if (b64_emit(p, b, o, (size_t)(3 - b->pad)) != 0)
			return -1;
		if (b->pad > 0)
			b->pad = 3;	/* done: nothing may follow */
	}
	return 0;
}

static int
b64_end(struct dxl *p, struct b64 *b, uint8_t hash[32])
{
	if (b->n != 0) {
		bad(p, "broken base64: it ends in the middle of a group");
		return -1;
	}
	crypto_generichash_final(&b->h, hash, 32);
	return 0;
}

/* ---- the document -------------------------------------------------- */

static void
att_clear(struct dxl_att *a)
{
	if (a->path != NULL)
		unlink(a->path);
	free(a->path);
	free(a->name);
	free(a->media_type);
	memset(a, 0, sizeof(*a));
}

static void
doc_clear(struct dxl *p)
{
	for (size_t i = 0; i < p->d.natts; i++)
		att_clear(&p->d.atts[i]);
	if (p->att.path != NULL || p->att.name != NULL) {
		if (p->b64.f != NULL)
			fclose(p->b64.f);
		p->b64.f = NULL;
		att_clear(&p->att);
	}
	json_decref(p->d.fields);
	json_decref(p->d.names);
	json_decref(p->d.authors);
	json_decref(p->d.patterns);
	json_decref(p->entries);
	json_decref(p->revisions);
	json_decref(p->updatedby);
	json_decref(p->created);
	json_decref(p->modified);
	json_decref(p->list);
	p->list = NULL;
	p->created = p->modified = NULL;
	p->revisions = p->updatedby = p->entries = NULL;
	memset(&p->d, 0, sizeof(p->d));
	p->in_doc = p->bad = 0;
	p->form[0] = '\0';
}

static void
doc_begin(struct dxl *p, const char *form, const char *parent)
{
	doc_clear(p);
	p->in_doc = 1;
	p->doc_depth = p->depth;
	p->d.file = p->name;
	p->d.line = line_now(p);
	p->d.fields = json_object();
	p->d.names = json_array();
	p->d.authors = json_array();
	p->entries = json_array();
	snprintf(p->form, sizeof(p->form), "%s", form != NULL ? form : "");
	if (strlen(p->form) > VALUE_MAX)
		bad(p, "form: over %u bytes", VALUE_MAX);
	if (parent != NULL) {
		if (!is_unid(parent))
			bad(p, "parent: a UNID is 32 hex digits");
		else
			snprintf(p->d.parent, sizeof(p->d.parent), "%s",
			    parent);
	}
}

/* Sets field name of the document, once. */
static void
field(struct dxl *p, const char *name, json_t *v)
{
	if (v == NULL) {
		bad(p, "item %s: not UTF-8", name);
		return;
	}
	if (json_object_get(p->d.fields, name) != NULL) {
		json_decref(v);
		bad(p, "item %s: given twice", name);
		return;
	}
	json_object_set_new(p->d.fields, name, v);
}

static json_t *
time_json(int64_t ms)
{
	return json_pack("{s:I}", "time_ms", (json_int_t)ms);
}

/* Its own fields, then the document to the callback. */
static void
doc_end(struct dxl *p)
{
	p->d.offset = (uint64_t)xmlByteConsumed(p->ctxt);
	if (!p->bad && p->d.unid[0] == '\0')
		bad(p, "the document has no UNID (noteinfo unid)");
	if (!p->bad) {
		/* A document of this network, come back: its id is it. */
		if (strcasecmp(p->d.id, p->d.unid) != 0)
			field(p, DXL_PREFIX "unid", json_string(p->d.unid));
		if (p->form[0] != '\0')
			field(p, DXL_PREFIX "form", json_string(p->form));
		if (p->created != NULL)
			field(p, DXL_PREFIX "created", json_incref(p->created));
		if (p->modified != NULL)
			field(p, DXL_PREFIX "modified",
			    json_incref(p->modified));
		if (p->revisions != NULL)
			field(p, DXL_PREFIX "revisions",
			    json_incref(p->revisions));
		if (p->updatedby != NULL)
			field(p, DXL_PREFIX "updatedby",
			    json_incref(p->updatedby));
		if (p->d.parent[0] != '\0')
			field(p, DXL_PREFIX "parent",
			    json_string(p->d.parent));
		if (json_array_size(p->entries) > 0)
			field(p, DXL_PREFIX "items", json_incref(p->entries));
	}
	/* notes:parent_id is the importer's to add: one more. */
	if (!p->bad && json_object_size(p->d.fields) + 1 > DOC_MAX_FIELDS)
		bad(p, "over %d items (the most fields a document has, with "
		    "those the import adds)", DOC_MAX_FIELDS - 12);
	if (p->fn(&p->d, p->bad ? p->derr : NULL, p->arg) != 0)
		fatal(p, "stopped");
	doc_clear(p);
}

/* ---- items ----------------------------------------------------------- */

/* The notes:items entry of the item ending: "KIND[,FLAG...] NAME", or
 * nothing if it is what db export writes for its field by default. */
static void
entry(struct dxl *p, const char *extra, int is_default)
{
	char	e[256];
	size_t	i;
	int	any = 0;

	snprintf(e, sizeof(e), "%s", kind_names[p->kind]);
	for (i = 0; i < N_FLAGS; i++)
		if (p->flags[i]) {
			snprintf(e + strlen(e), sizeof(e) - strlen(e), ",%s",
			    item_flags[i]);
			any = 1;
		}
	if (extra[0] != '\0')
		snprintf(e + strlen(e), sizeof(e) - strlen(e), ",%s", extra);
	if (is_default && !any && extra[0] == '\0')
		return;
	snprintf(e + strlen(e), sizeof(e) - strlen(e), " %s", p->item);
	json_array_append_new(p->entries, json_string(e));
}

static void
item_begin(struct dxl *p, const char *name, const char **flagv)
{
	p->kind = K_NONE;
	p->nvalues = 0;
	p->extra[0] = '\0';
	json_decref(p->list);
	p->list = NULL;
	p->list_bytes = 0;
	for (size_t i = 0; i < N_FLAGS; i++)
		p->flags[i] = flagv[i] != NULL && strcmp(flagv[i], "true") == 0;
	if (name == NULL || name[0] == '\0') {
		bad(p, "an item without a name");
		return;
	}
	if (strlen(name) > DOC_MAX_FIELD_NAME) {
		bad(p, "item %.64s...: a name is at most %d bytes", name,
		    DOC_MAX_FIELD_NAME);
		return;
	}
	snprintf(p->item, sizeof(p->item), "%s", name);
	if (strncmp(name, DXL_PREFIX, strlen(DXL_PREFIX)) == 0 &&
	    strcmp(name, DXL_PREFIX "id") != 0 &&
	    strcmp(name, DXL_PREFIX "parent_id") != 0 &&
	    strcmp(name, DXL_PREFIX "author") != 0 &&
	    strcmp(name, DXL_PREFIX "readers") != 0)
		bad(p, "item %s: a name beginning notes: is the import's own",
		    name);
}

/* A text or list value's own items: the names and ids db import reads. */
static int
item_special(struct dxl *p, const char *s)
{
	/* Who wrote it first here: the import's node, wherever it goes. */
	if (strcmp(p->item, DXL_PREFIX "author") == 0)
		return 1;
	if (strcmp(p->item, DXL_PREFIX "id") == 0) {
		if (p->kind != K_TEXT || !is_unid(s))
			bad(p, "item notes:id: a document id, 32 hex digits");
		else
			snprintf(p->d.id, sizeof(p->d.id), "%s", s);
		return 1;
	}
	if (strcmp(p->item, DXL_PREFIX "parent_id") == 0 &&
	    (p->kind != K_TEXT || !is_unid(s))) {
		bad(p, "item notes:parent_id: a document id, 32 hex digits");
		return 1;
	}
	if (strcmp(p->item, "$REF") == 0 && p->kind == K_TEXT) {
		if (!is_unid(s))
			bad(p, "item $REF: the parent's UNID, 32 hex digits");
		else if (p->d.parent[0] == '\0')
			snprintf(p->d.parent, sizeof(p->d.parent), "%s", s);
		return 1;
	}
	return 0;
}

/* The value of a datetime item, its form kept in the item's entry. */
static void
datetime_item(struct dxl *p, char *s)
{
	char	zone[8];
	int64_t	ms;
	int	form;

	if (dxl_datetime(s, &ms, &form, zone) != 0) {
		/* Before 1970 (a time field cannot): kept as it is written. */
		if (s[0] >= '0' && s[0] <= '1' && strlen(s) >= 8) {
			snprintf(p->extra + strlen(p->extra),
			    sizeof(p->extra) - strlen(p->extra), "%sastext",
			    p->extra[0] ? "," : "");
			field(p, p->item, json_string(s));
			entry(p, p->extra, 0);
			return;
		}
		bad(p, "item %s: not a DXL datetime: %.40s", p->item, s);
		return;
	}
	if (form == 1 || form == 2)
		snprintf(p->extra + strlen(p->extra), sizeof(p->extra) -
		    strlen(p->extra), "%s%s", p->extra[0] ? "," : "",
		    form == 1 ? "date" : "time");
	else if (strcmp(zone, "+00") != 0)
		snprintf(p->extra + strlen(p->extra), sizeof(p->extra) -
		    strlen(p->extra), "%szone=%s", p->extra[0] ? "," : "",
		    zone);
	field(p, p->item, time_json(ms));
	entry(p, p->extra, 1);
}

/* Field name, of b's bytes. */
static void
bytes_field(struct dxl *p, const char *name, const struct buf *b)
{
	size_t	 cap = sodium_base64_encoded_len(b->len,
		    sodium_base64_VARIANT_ORIGINAL);
	char	*b64 = malloc(cap);

	if (b64 == NULL) {
		bad(p, "out of memory");
		return;
	}
	sodium_bin2base64(b64, cap, (const uint8_t *)buf_str(b), b->len,
	    sodium_base64_VARIANT_ORIGINAL);
	field(p, name, json_pack("{s:s}", "b64", b64));
	free(b64);
}

/* A richtext item ends: its plain text, and its original beside it. */
static void
richtext_item(struct dxl *p)
{
	char		 name[DOC_MAX_FIELD_NAME + 1];
	size_t		 n = p->plain.len;
	FILE		*f;
	int		 fd;

	while (n > 0 && p->plain.s[n - 1] == '\n')
		n--;
	if (p->plain.s != NULL)
		p->plain.s[n] = '\0';
	field(p, p->item, json_string(buf_str(&p->plain)));
	entry(p, p->extra, 0);
	if (p->bad)
		return;
	/* The original: a field if it fits one, else an attachment. */
	if (snprintf(name, sizeof(name), DXL_RT_PREFIX "%s", p->item) <
	    (int)sizeof(name) && p->rich.len <= VALUE_MAX) {
		bytes_field(p, name, &p->rich);
		return;
	}
	if (p->d.natts == DOC_MAX_ATTACHMENTS) {
		bad(p, "over %d attachments (a large richtext is one)",
		    DOC_MAX_ATTACHMENTS);
		return;
	}
	struct dxl_att	*a = &p->d.atts[p->d.natts];

	if (asprintf(&a->name, DXL_RT_PREFIX "%s", p->item) == -1)
		a->name = NULL;
	a->media_type = strdup("application/xml");
	a->size = p->rich.len;
	crypto_generichash(a->hash, 32, (const uint8_t *)p->rich.s,
	    p->rich.len, NULL, 0);
	p->d.natts++;
	if (p->tmpdir == NULL)
		return;
	if (asprintf(&a->path, "%s/dxl.XXXXXX", p->tmpdir) == -1 ||
	    (fd = mkstemp(a->path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		bad(p, "cannot make a file in %s: %s", p->tmpdir,
		    strerror(errno));
		return;
	}
	if (fwrite(p->rich.s, 1, p->rich.len, f) != p->rich.len ||
	    fclose(f) != 0)
		bad(p, "cannot write in %s: %s", p->tmpdir, strerror(errno));
}

static void
raw_item(struct dxl *p)
{
	uint8_t	hash[32];

	if (b64_end(p, &p->b64, hash) != 0)
		return;
	bytes_field(p, p->item, &p->raw);
	snprintf(p->extra, sizeof(p->extra), "type=%s", p->rawtype);
	entry(p, strcmp(p->rawtype, "0") == 0 ? "" : p->extra, 1);
}

static void
item_end(struct dxl *p)
{
	char	*s = val_trimmed(p);
	double	 d;

	if (p->bad)
		return;
	if (p->kind == K_NONE) {
		bad(p, "item %s: no value", p->item);
		return;
	}
	if (p->kind == K_TEXT && item_special(p, buf_str(&p->val)))
		return;
	switch (p->kind) {
	case K_TEXT:
		/* Text is taken as it is: its spaces are its own. */
		field(p, p->item, json_string(buf_str(&p->val)));
		entry(p, "", 1);
		break;
	case K_NUMBER:
		if (number(s, &d) != 0) {
			bad(p, "item %s: not a number: %.40s", p->item, s);
			return;
		}
		field(p, p->item, json_real(d));
		entry(p, "", 1);
		break;
	case K_DATETIME:
		datetime_item(p, s);
		break;
	case K_TEXTLIST:
	case K_NUMBERLIST:
	case K_DATETIMELIST:
		if (strcmp(p->item, DXL_PREFIX "readers") == 0) {
			p->d.patterns = p->list;
			p->list = NULL;
			return;
		}
		if (strcmp(p->item, "$Revisions") == 0 &&
		    p->kind == K_DATETIMELIST && p->revisions == NULL) {
			p->revisions = p->list;
			p->list = NULL;
			return;
		}
		if (p->flags[6] || p->flags[4])	/* readers, authors */
			json_array_extend(p->flags[6] ? p->d.names :
			    p->d.authors, p->list);
		p->d.has_readers |= p->flags[6];
		field(p, p->item, p->list);
		p->list = NULL;
		entry(p, "", p->kind == K_TEXTLIST);
		break;
	case K_RICHTEXT:
		richtext_item(p);
		break;
	case K_RAW:
		raw_item(p);
		break;
	case K_OBJECT:
	case K_NONE:
		break;
	}
	if (p->kind != K_TEXTLIST && p->kind != K_NUMBERLIST &&
	    p->kind != K_DATETIMELIST && (p->flags[6] || p->flags[4]) &&
	    p->kind == K_TEXT) {
		json_array_append_new(p->flags[6] ? p->d.names :
		    p->d.authors, json_string(buf_str(&p->val)));
		p->d.has_readers |= p->flags[6];
	}
}

/* ---- elements -------------------------------------------------------- */

/* The value of attribute name (NULL if absent), in buf of len. */
static const char *
attr(const xmlChar **attrs, int n, const char *name, char *buf, size_t len)
{
	for (int i = 0; i < n; i++, attrs += 5) {
		size_t	vlen = (size_t)(attrs[4] - attrs[3]);

		if (strcmp((const char *)attrs[0], name) != 0)
			continue;
		if (vlen >= len)
			vlen = len - 1;
		memcpy(buf, attrs[3], vlen);
		buf[vlen] = '\0';
		return buf;
	}
	return NULL;
}

/* The rest of s[0..len) that fits b, cut at a character. */
static void
buf_add_cut(struct buf *b, const char *s, size_t len)
{
	if (b->len + len > b->max) {
		len = b->max - b->len;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	(void)buf_add(b, s, len);
}

/* Text in XML: what must be escaped, escaped. */
static int
xml_add(struct buf *b, const char *s, size_t len, int in_attr)
{
	size_t	i, from = 0;
	int	rc = 0;

	for (i = 0; i < len && rc == 0; i++) {
		const char	*e = s[i] == '&' ? "&amp;" : s[i] == '<' ?
		    "&lt;" : s[i] == '>' ? "&gt;" : s[i] == '"' && in_attr ?
		    "&quot;" : NULL;

		if (e == NULL)
			continue;
		rc = buf_add(b, s + from, i - from) | buf_add(b, e, strlen(e));
		from = i + 1;
	}
	return rc | buf_add(b, s + from, len - from);
}

static int
rich_binary_el(const char *name)
{
	for (size_t i = 0; rich_binary[i] != NULL; i++)
		if (strcmp(name, rich_binary[i]) == 0)
			return 1;
	return 0;
}

/* An element inside richtext: written out again, as it came. */
static void
rich_start(struct dxl *p, const char *name, const xmlChar **attrs, int n)
{
	int	rc;

	rc = buf_add(&p->rich, "<", 1) | buf_add(&p->rich, name,
	    strlen(name));
	for (int i = 0; i < n && rc == 0; i++, attrs += 5)
		rc = buf_add(&p->rich, " ", 1) | buf_add(&p->rich,
		    (const char *)attrs[0], strlen((const char *)attrs[0])) |
		    buf_add(&p->rich, "=\"", 2) | xml_add(&p->rich,
		    (const char *)attrs[3], (size_t)(attrs[4] - attrs[3]), 1) |
		    buf_add(&p->rich, "\"", 1);
	if ((rc | buf_add(&p->rich, ">", 1)) != 0)
		bad(p, "item %s: richtext over %u bytes", p->item,
		    DXL_RICH_MAX);
	if (rich_binary_el(name))
		p->rich_skip++;
	else if (strcmp(name, "par") == 0)
		p->rich_par++;
	if (strcmp(name, "break") == 0 && p->rich_skip == 0)
		buf_add_cut(&p->plain, "\n", 1);
}

static void
rich_end(struct dxl *p, const char *name)
{
	if (buf_add(&p->rich, "</", 2) | buf_add(&p->rich, name,
	    strlen(name)) | buf_add(&p->rich, ">", 1))
		bad(p, "item %s: richtext over %u bytes", p->item,
		    DXL_RICH_MAX);
	if (rich_binary_el(name))
		p->rich_skip--;
	else if (strcmp(name, "par") == 0) {
		p->rich_par--;
		if (p->rich_skip == 0)
			buf_add_cut(&p->plain, "\n", 1);
	}
}

static void
rich_text(struct dxl *p, const char *s, size_t len)
{
	if (xml_add(&p->rich, s, len, 0) != 0)
		bad(p, "item %s: richtext over %u bytes", p->item,
		    DXL_RICH_MAX);
	/* The words are in paragraphs; the rest is layout. */
	if (p->rich_skip == 0 && p->rich_par > 0)
		buf_add_cut(&p->plain, s, len);
}

/* The first element inside an item: its value, by its kind. */
static enum ctx
value_begin(struct dxl *p, const char *name, const xmlChar **attrs, int n)
{
	static const struct {
		const char	*el;
		enum kind	 k;
		enum ctx	 c;
	} v[] = {
		{ "text", K_TEXT, C_VALUE }, { "number", K_NUMBER, C_VALUE },
		{ "datetime", K_DATETIME, C_VALUE },
		{ "textlist", K_TEXTLIST, C_LIST },
		{ "numberlist", K_NUMBERLIST, C_LIST },
		{ "datetimelist", K_DATETIMELIST, C_LIST },
		{ "richtext", K_RICHTEXT, C_RICH },
		{ "object", K_OBJECT, C_OBJECT },
		{ "rawitemdata", K_RAW, C_RAW },
	};
	char	a[16];
	size_t	i;

	if (p->kind != K_NONE) {
		bad(p, "item %s: more than one value", p->item);
		return C_SKIP;
	}
	for (i = 0; i < sizeof(v) / sizeof(v[0]) && strcmp(name, v[i].el);
	    i++)
		;
	if (i == sizeof(v) / sizeof(v[0])) {
		bad(p, "item %s: unknown item type <%.40s>", p->item, name);
		return C_SKIP;
	}
	p->kind = v[i].k;
	switch (v[i].c) {
	case C_VALUE:
		buf_reset(&p->val, VALUE_MAX);
		if (attr(attrs, n, "dst", a, sizeof(a)) != NULL &&
		    strcmp(a, "true") == 0)
			snprintf(p->extra, sizeof(p->extra), "dst");
		break;
	case C_LIST:
		p->list = json_array();
		break;
	case C_RICH:
		buf_reset(&p->rich, DXL_RICH_MAX);
		buf_reset(&p->plain, VALUE_MAX);
		p->rich_skip = p->rich_par = 0;
		rich_start(p, name, attrs, n);
		break;
	case C_RAW:
		if (attr(attrs, n, "type", p->rawtype,
		    sizeof(p->rawtype)) == NULL)
			snprintf(p->rawtype, sizeof(p->rawtype), "0");
		if (strspn(p->rawtype, "0123456789abcdefABCDEF") !=
		    strlen(p->rawtype) || p->rawtype[0] == '\0')
			bad(p, "item %s: rawitemdata type: hex digits",
			    p->item);
		buf_reset(&p->raw, VALUE_MAX);
		b64_begin(&p->b64, NULL, &p->raw, VALUE_MAX);
		break;
	default:
		break;
	}
	return v[i].c;
}

/* An element inside a list: a value of the list's kind, or a pair. */
static enum ctx
list_begin(struct dxl *p, const char *name)
{
	static const char *const el[] = { "text", "number", "datetime" };
	const char	*want = el[p->kind - K_TEXTLIST];

	if (strcmp(name, want) == 0) {
		buf_reset(&p->val, VALUE_MAX);
		return C_VALUE;
	}
	if (p->kind == K_DATETIMELIST && strcmp(name, "datetimepair") == 0) {
		p->pair_n = 0;
		buf_reset(&p->pair, VALUE_MAX);
		return C_PAIR;
	}
	bad(p, "item %s: <%.40s> in a %s", p->item, name,
	    kind_names[p->kind]);
	return C_SKIP;
}

static void
list_add(struct dxl *p, const char *s)
{
	double	d;
	int64_t	ms;
	int	form;

	if ((p->kind == K_NUMBERLIST && number(s, &d) != 0) ||
	    (p->kind == K_DATETIMELIST && strchr(s, '/') == NULL &&
	    dxl_datetime(s, &ms, &form, NULL) != 0 && strlen(s) < 8)) {
		bad(p, "item %s: not a %s: %.40s", p->item,
		    p->kind == K_NUMBERLIST ? "number" : "datetime", s);
		return;
	}
	p->list_bytes += strlen(s) + 1;
	if (p->list_bytes > VALUE_MAX) {
		bad(p, "item %s: over %u bytes", p->item, VALUE_MAX);
		return;
	}
	json_array_append_new(p->list, json_string(s));
}

/* A noteinfo list (revisions, updatedby), kept within a field's size. */
static void
list_keep(struct dxl *p, json_t **l, const char *s)
{
	size_t	bytes = 0;

	if (*l == NULL)
		*l = json_array();
	for (size_t i = 0; i < json_array_size(*l); i++)
		bytes += strlen(json_string_value(json_array_get(*l, i))) + 1;
	if (bytes + strlen(s) + 1 > VALUE_MAX)
		bad(p, "revisions or updatedby: over %u bytes", VALUE_MAX);
	else
		json_array_append_new(*l, json_string(s));
}

/* A value's text is complete: where it goes depends on its parent. */
static void
value_end(struct dxl *p, enum ctx parent)
{
	char	*s = val_trimmed(p);
	int64_t	 ms;
	int	 form;

	if (p->bad)
		return;
	switch (parent) {
	case C_LIST:
		/* A text list's items keep their spaces, as a text does. */
		list_add(p, p->kind == K_TEXTLIST ? buf_str(&p->val) : s);
		break;
	case C_PAIR:
		if (p->pair_n++ > 0)
			(void)buf_add(&p->pair, "/", 1);
		(void)buf_add(&p->pair, s, strlen(s));
		break;
	case C_WHEN:
		if (dxl_datetime(s, &ms, &form, NULL) == 0 && form == 0) {
			json_t	**t = p->when == 1 ? &p->created :
			    &p->modified;

			json_decref(*t);
			*t = time_json(ms);
		} else
			bad(p, "noteinfo: not a DXL datetime: %.40s", s);
		break;
	case C_REVISIONS:
	case C_UPDATEDBY:
		list_keep(p, parent == C_REVISIONS ? &p->revisions :
		    &p->updatedby, s);
		break;
	default:
		break;
	}
}

static void
file_begin(struct dxl *p, const xmlChar **attrs, int n)
{
	char	name[300], a[32];
	char	*end;

	memset(&p->att, 0, sizeof(p->att));
	p->att_declared = -1;
	if (attr(attrs, n, "name", name, sizeof(name)) == NULL ||
	    name[0] == '\0' || strlen(name) > 255) {
		bad(p, "file: a name of 1 to 255 bytes is needed");
		return;
	}
	for (size_t i = 0; i < p->d.natts; i++)
		if (strcmp(p->d.atts[i].name, name) == 0) {
			bad(p, "file %s: attached twice", name);
			return;
		}
	if (strncmp(name, DXL_RT_PREFIX, strlen(DXL_RT_PREFIX)) == 0) {
		bad(p, "file %s: a name beginning notes:rt: is the import's "
		    "own", name);
		return;
	}
	if (attr(attrs, n, "compression", a, sizeof(a)) != NULL &&
	    strcmp(a, "none") != 0) {
		bad(p, "file %s: compressed (%s): export with the "
		    "attachments uncompressed", name, a);
		return;
	}
	if (attr(attrs, n, "encoding", a, sizeof(a)) != NULL &&
	    strcmp(a, "none") != 0) {
		bad(p, "file %s: encoding %s: only none is read", name, a);
		return;
	}
	if (attr(attrs, n, "size", a, sizeof(a)) != NULL) {
		errno = 0;
		p->att_declared = (int64_t)strtoll(a, &end, 10);
		if (errno != 0 || *end != '\0' || a[0] == '\0' ||
		    p->att_declared < 0) {
			bad(p, "file %s: size: not a number of bytes", name);
			return;
		}
	}
	p->att.name = strdup(name);
	p->att.media_type = strdup(dxl_media_type(name));
}

static void
filedata_begin(struct dxl *p)
{
	FILE	*f = NULL;
	int	 fd;

	if (p->att.name == NULL || p->b64.f != NULL) {
		bad(p, "file: its data twice");
		return;
	}
	if (p->d.natts == DOC_MAX_ATTACHMENTS) {
		bad(p, "over %d attachments", DOC_MAX_ATTACHMENTS);
		return;
	}
	if (p->tmpdir != NULL && (asprintf(&p->att.path, "%s/dxl.XXXXXX",
	    p->tmpdir) == -1 || (fd = mkstemp(p->att.path)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)) {
		bad(p, "cannot make a file in %s: %s", p->tmpdir,
		    strerror(errno));
		return;
	}
	b64_begin(&p->b64, f, NULL, DOC_MAX_ATTACHMENT);
	p->att.size = UINT64_MAX;	/* begun */
}

static void
filedata_end(struct dxl *p)
{
	int	rc = 0;

	if (p->b64.f != NULL) {
		rc = fclose(p->b64.f);
		p->b64.f = NULL;
	}
	if (p->bad || p->att.size != UINT64_MAX)
		return;
	if (rc != 0) {
		bad(p, "cannot write in %s: %s", p->tmpdir, strerror(errno));
		return;
	}
	if (b64_end(p, &p->b64, p->att.hash) != 0)
		return;
	p->att.size = p->b64.size;
	if (p->att_declared >= 0 && (uint64_t)p->att_declared != p->att.size)
		bad(p, "file %s: size says %" PRId64 " bytes, its data holds "
		    "%" PRIu64, p->att.name, p->att_declared, p->att.size);
}

static void
file_end(struct dxl *p)
{
	char	e[300];

	if (p->bad)
		return;
	if (p->att.name == NULL || p->att.size == UINT64_MAX ||
	    (p->att.size == 0 && p->att.path == NULL && p->tmpdir != NULL)) {
		bad(p, "file %s: no filedata", p->att.name != NULL ?
		    p->att.name : "");
		return;
	}
	if (p->att.size == 0) {
		/* No attachment is empty: its name is kept, to export. */
		snprintf(e, sizeof(e), "file,empty %s", p->att.name);
		json_array_append_new(p->entries, json_string(e));
		att_clear(&p->att);
		return;
	}
	p->d.atts[p->d.natts++] = p->att;
	memset(&p->att, 0, sizeof(p->att));
}

static enum ctx
doc_child(struct dxl *p, const char *name, const xmlChar **attrs, int n)
{
	const char	*flagv[N_FLAGS];
	char		 fv[N_FLAGS][8], a[300];

	if (strcmp(name, "noteinfo") == 0) {
		if (attr(attrs, n, "unid", a, sizeof(a)) == NULL ||
		    !is_unid(a))
			bad(p, "noteinfo: unid is 32 hex digits");
		else
			memcpy(p->d.unid, a, sizeof(p->d.unid));
		return C_NOTEINFO;
	}
	if (strcmp(name, "updatedby") == 0)
		return C_UPDATEDBY;
	if (strcmp(name, "revisions") == 0)
		return C_REVISIONS;
	if (strcmp(name, "item") != 0)
		return C_SKIP;
	for (size_t i = 0; i < N_FLAGS; i++)
		flagv[i] = attr(attrs, n, item_flags[i], fv[i], sizeof(fv[i]));
	item_begin(p, attr(attrs, n, "name", a, sizeof(a)), flagv);
	return C_ITEM;
}

/* What a child element called name of an element of ours is. */
static enum ctx
child(struct dxl *p, enum ctx parent, const char *name,
    const xmlChar **attrs, int n)
{
	char	a[300], b[40];

	switch (parent) {
	case C_DB:
		if (strcmp(name, "document") != 0)
			return C_SKIP;	/* design, ACL, database info */
		doc_begin(p, attr(attrs, n, "form", a, sizeof(a)),
		    attr(attrs, n, "parent", b, sizeof(b)));
		return C_DOC;
	case C_DOC:
		return doc_child(p, name, attrs, n);
	case C_NOTEINFO:
		p->when = strcmp(name, "created") == 0 ? 1 :
		    strcmp(name, "modified") == 0 ? 2 : 0;
		return p->when != 0 ? C_WHEN : C_SKIP;
	case C_WHEN:
	case C_REVISIONS:
		if (strcmp(name, "datetime") != 0)
			return C_SKIP;
		buf_reset(&p->val, VALUE_MAX);
		return C_VALUE;
	case C_UPDATEDBY:
		if (strcmp(name, "name") != 0)
			return C_SKIP;
		buf_reset(&p->val, VALUE_MAX);
		return C_VALUE;
	case C_ITEM:
		return value_begin(p, name, attrs, n);
	case C_LIST:
		return list_begin(p, name);
	case C_PAIR:
		if (strcmp(name, "datetime") == 0) {
			buf_reset(&p->val, VALUE_MAX);
			return C_VALUE;
		}
		break;
	case C_VALUE:
		if (strcmp(name, "break") == 0 && p->kind == K_TEXT) {
			if (buf_add(&p->val, "\n", 1) != 0)
				bad(p, "item %s: over %u bytes", p->item,
				    VALUE_MAX);
			return C_BREAK;
		}
		break;
	case C_RICH:
		rich_start(p, name, attrs, n);
		return C_RICH;
	case C_OBJECT:
		if (strcmp(name, "file") == 0) {
			file_begin(p, attrs, n);
			return C_FILE;
		}
		break;
	case C_FILE:
		if (strcmp(name, "filedata") != 0)
			return C_SKIP;	/* its created and modified */
		filedata_begin(p);
		return C_FILEDATA;
	case C_SKIP:
		return C_SKIP;
	default:
		break;
	}
	bad(p, "<%.40s> is not expected here", name);
	return C_SKIP;
}

static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int n, int ndef,
    const xmlChar **attrs)
{
	struct dxl	*p = ctx;
	const char	*name = (const char *)local;
	enum ctx	 c;

	(void)prefix;
	(void)uri;
	(void)nns;
	(void)ns;
	(void)ndef;
	if (p->stopped)
		return;
	if (p->depth == DEPTH_MAX) {
		fatal(p, "elements nested deeper than %d", DEPTH_MAX);
		return;
	}
	if (p->depth == 0) {
		p->seen_root = 1;
		if (strcmp(name, "database") == 0)
			c = C_DB;
		else if (strcmp(name, "document") == 0) {
			doc_begin(p, attr(attrs, n, "form", (char[300]){ 0 },
			    300), attr(attrs, n, "parent", (char[40]){ 0 },
			    40));
			c = C_DOC;
		} else {
			fatal(p, "not a DXL export: the root element is "
			    "<%.40s>, not <database> or <document>", name);
			return;
		}
	} else if (p->in_doc && p->bad && p->depth > p->doc_depth)
		c = C_SKIP;	/* the rest of a bad document */
	else
		c = child(p, p->st[p->depth - 1], name, attrs, n);
	p->st[p->depth++] = c;
}

static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct dxl	*p = ctx;
	enum ctx	 c, parent;

	(void)prefix;
	(void)uri;
	if (p->stopped || p->depth == 0)
		return;
	c = p->st[--p->depth];
	parent = p->depth > 0 ? p->st[p->depth - 1] : C_SKIP;
	switch (c) {
	case C_DOC:
		doc_end(p);
		break;
	case C_ITEM:
		item_end(p);
		break;
	case C_VALUE:
		value_end(p, parent);
		break;
	case C_PAIR:
		if (!p->bad && p->pair_n != 2)
			bad(p, "item %s: a datetimepair holds two datetimes",
			    p->item);
		else if (!p->bad)
			list_add(p, buf_str(&p->pair));
		break;
	case C_RICH:
		if (!p->bad)
			rich_end(p, (const char *)local);
		break;
	case C_FILEDATA:
		filedata_end(p);
		break;
	case C_FILE:
		file_end(p);
		break;
	default:
		break;
	}
}

static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct dxl	*p = ctx;
	const char	*s = (const char *)ch;

	if (p->stopped || p->depth == 0 || p->bad)
		return;
	switch (p->st[p->depth - 1]) {
	case C_VALUE:
		if (buf_add(&p->val, s, (size_t)len) != 0)
			bad(p, "a value over %u bytes", VALUE_MAX);
		break;
	case C_RICH:
		rich_text(p, s, (size_t)len);
		break;
	case C_FILEDATA:
		if (p->att.size == UINT64_MAX)
			(void)b64_feed(p, &p->b64, s, (size_t)len);
		break;
	case C_RAW:
		(void)b64_feed(p, &p->b64, s, (size_t)len);
		break;
	default:
		break;	/* white space between elements */
	}
}

/* No entity but XML's own: a DXL file declares none (and so no
 * billion laughs, and no file read through an external one). */
static xmlEntityPtr
on_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name);
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *public, const xmlChar *system, xmlChar *content)
{
	(void)type;
	(void)public;
	(void)system;
	(void)content;
	fatal(ctx, "an entity declaration (%.40s): DXL has none",
	    (const char *)name);
}

static void
on_reference(void *ctx, const xmlChar *name)
{
	fatal(ctx, "a reference to the entity %.40s: DXL has none",
	    (const char *)name);
}

static void
on_error(void *ctx, xmlErrorPtr e)
{
	struct dxl	*p = ctx;
	char		 msg[300];
	size_t		 n;

	if (e->level < XML_ERR_ERROR || p->stopped)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message != NULL ? e->message :
	    "not XML");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	p->stopped = 1;
	/* At the end of the input, inside an element: cut short. */
	snprintf(p->err, sizeof(p->err), "%s:%d:%d: %s: %s", p->name,
	    e->line, e->int2, p->ending && p->depth > 0 ? "the file ends "
	    "inside <document> or <database> (truncated?)" : "bad XML", msg);
	xmlStopParser(p->ctxt);
}

struct dxl *
dxl_new(const char *name, const char *tmpdir, dxl_doc_fn fn, void *arg)
{
	xmlSAXHandler	 sax;
	struct dxl	*p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.cdataBlock = on_chars;
	sax.getEntity = on_entity;
	sax.entityDecl = on_entity_decl;
	sax.reference = on_reference;
	sax.serror = on_error;
	p->name = name;
	p->tmpdir = tmpdir;
	p->fn = fn;
	p->arg = arg;
	if ((p->ctxt = xmlCreatePushParserCtxt(&sax, p, NULL, 0, name)) ==
	    NULL) {
		free(p);
		return NULL;
	}
	xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET);
	return p;
}

int
dxl_feed(struct dxl *p, const char *buf, size_t len)
{
	while (len > 0 && !p->stopped) {
		int	n = len > (1 << 20) ? 1 << 20 : (int)len;

		if (xmlParseChunk(p->ctxt, buf, n, 0) != 0 && !p->stopped) {
			p->stopped = 1;
			snprintf(p->err, sizeof(p->err), "%s:%lu:%lu: bad "
			    "XML", p->name, line_now(p), col_now(p));
		}
		buf += n;
		len -= (size_t)n;
	}
	return p->stopped ? -1 : 0;
}

int
dxl_end(struct dxl *p)
{
	p->ending = 1;
	if (!p->stopped && xmlParseChunk(p->ctxt, NULL, 0, 1) != 0 &&
	    !p->stopped) {
		p->stopped = 1;
		snprintf(p->err, sizeof(p->err), "%s:%lu:%lu: bad XML",
		    p->name, line_now(p), col_now(p));
	}
	if (!p->stopped && (!p->seen_root || p->depth != 0)) {
		p->stopped = 1;
		snprintf(p->err, sizeof(p->err), "%s:%lu:%lu: %s", p->name,
		    line_now(p), col_now(p), p->seen_root ? "the file ends "
		    "inside an element (truncated?)" : "no XML in the file");
	}
	return p->stopped ? -1 : 0;
}

const char *
dxl_error(const struct dxl *p)
{
	return p->err;
}

void
dxl_free(struct dxl *p)
{
	if (p == NULL)
		return;
	doc_clear(p);
	xmlFreeParserCtxt(p->ctxt);
	free(p->val.s);
	free(p->pair.s);
	free(p->rich.s);
	free(p->plain.s);
	free(p->raw.s);
	free(p);
}
