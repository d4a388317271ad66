/*
 * node-ctl/dxlexport.c: db export DB [--format dxl|jsonl] [-o FILE]:
 * every live document of a database, as DXL that db import reads back,
 * or as JSON lines. With -d, from a stopped node's store.
 *
 * A document is read with doc_ls, doc_get and doc_attachment, the
 * replies the node gives anyone. What an import from Notes kept of a
 * document beyond its fields (notes:unid, notes:form, notes:created,
 * notes:modified, notes:revisions, notes:updatedby, notes:parent; each
 * item's kind and flags in notes:items; a richtext item's original in
 * notes:rt:NAME) goes back where DXL has it, so that importing the export
 * again makes the same fields; the id, the author and the readers list
 * go in items of their own (notes:id, notes:author, notes:readers).
 */
#include <ctype.h>

#include "dxl.h"
#include "node-ctl.h"

#define B64_LINE	76

struct export {
	const char	*db;
	FILE		*out;
	int		 jsonl;
	size_t		 docs, atts;
	size_t		 sealed;	/* for other readers: left out */
};

/* ---- writing XML ------------------------------------------------------ */

/*
 * s as XML text (in_attr: an attribute's value). A line break in a text
 * item is DXL's <break/>; a carriage return is kept as a reference,
 * which parsing does not fold; other control characters cannot be in
 * XML at all and are left out.
 */
static void
xml_put(FILE *f, const char *s, int in_attr, int breaks)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs(in_attr ? "&quot;" : "\"", f);
			break;
		case '\'':
			fputs(in_attr ? "&apos;" : "'", f);
			break;
		case '\r':
			fputs("&#13;", f);
			break;
		case '\n':
			fputs(in_attr ? "&#10;" : breaks ? "<break/>" : "\n",
			    f);
			break;
		case '\t':
			fputs(in_attr ? "&#9;" : "\t", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
}

/* Base64 in lines, as DXL writes it. */
static void
b64_put(FILE *f, const char *b64)
{
	size_t	n = strlen(b64);

	for (size_t i = 0; i < n; i += B64_LINE)
		fprintf(f, "%.*s\n", (int)(n - i < B64_LINE ? n - i : B64_LINE),
		    b64 + i);
}

/* A DXL datetime of ms: zone NULL or "" in UTC (+00); form as
 * dxl_datetime() says it. */
static void
datetime_put(FILE *f, long long ms, int form, const char *zone)
{
	struct tm	 tm;
	time_t		 t;
	long long	 off = 0, frac;
	int		 zh = 0, zm = 0, sign = 1;

	if (zone != NULL && zone[0] != '\0' && zone[0] != 'Z') {
		sign = zone[0] == '-' ? -1 : 1;
		sscanf(zone + 1, "%2d", &zh);
		if (strlen(zone) >= 5)
			sscanf(zone + (zone[3] == ':' ? 4 : 3), "%2d", &zm);
		off = sign * (zh * 3600LL + zm * 60LL) * 1000;
	}
	ms += off;
	frac = ms % 1000;
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	if (form == 1) {
		fprintf(f, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday);
		return;
	}
	if (form == 0)
		fprintf(f, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday);
	/* Notes keeps hundredths: a finer time keeps its thousandths. */
	fprintf(f, "T%02d%02d%02d,", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (frac % 10 == 0)
		fprintf(f, "%02lld", frac / 10);
	else
		fprintf(f, "%03lld", frac);
	if (form == 0)
		fputs(zone != NULL && zone[0] != '\0' ? zone : "+00", f);
}

static void
number_put(FILE *f, double d)
{
	char	buf[40];

	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%.17g", d);
	fputs(buf, f);
}

/* ---- an item --------------------------------------------------------- */

/* An item's entry in notes:items, split: its kind and its words. */
struct entry {
	char	kind[16];
	char	words[160];	/* ",summary,zone=+07," */
};

/* The entry of item name in the document's notes:items, if any. */
static int
entry_of(json_t *fields, const char *name, struct entry *e)
{
	json_t		*v;
	const char	*s, *sp;
	size_t		 i, klen;

	json_array_foreach(json_object_get(fields, DXL_PREFIX "items"), i,
	    v) {
		if ((s = json_string_value(v)) == NULL ||
		    (sp = strchr(s, ' ')) == NULL || strcmp(sp + 1, name) != 0)
			continue;
		klen = strcspn(s, ", ");
		snprintf(e->kind, sizeof(e->kind), "%.*s", (int)klen, s);
		snprintf(e->words, sizeof(e->words), "%.*s,",
		    (int)(sp - s - klen), s + klen);
		return 1;
	}
	memset(e, 0, sizeof(*e));
	return 0;
}

static int
has_word(const struct entry *e, const char *w)
{
	char	pat[40];

	snprintf(pat, sizeof(pat), ",%s,", w);
	return strstr(e->words, pat) != NULL;
}

/* The value of word "key=" in e, into buf. */
static const char *
word_value(const struct entry *e, const char *key, char *buf, size_t len)
{
	char		 pat[24];
	const char	*p;

	snprintf(pat, sizeof(pat), ",%s=", key);
	if ((p = strstr(e->words, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	snprintf(buf, len, "%.*s", (int)strcspn(p, ","), p);
	return buf;
}

static void
item_open(FILE *f, const char *name, const struct entry *e)
{
	static const char *const flags[] = { "summary", "sign", "seal",
	    "sealed", "authors", "names", "readers", "protected",
	    "placeholder" };

	fputs("<item name='", f);
	xml_put(f, name, 1, 0);
	fputc('\'', f);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (has_word(e, flags[i]))
			fprintf(f, " %s='true'", flags[i]);
	fputc('>', f);
}

static int
list_is(json_t *a, int numbers)
{
	json_t	*v;
	size_t	 i;
	int64_t	 ms;
	int	 form;
	char	*end;

	json_array_foreach(a, i, v) {
		const char	*s = json_string_value(v);

		if (s == NULL)
			return 0;
		if (numbers && (strtod(s, &end), *end != '\0' || s[0] == '\0'))
			return 0;
		if (!numbers && strchr(s, '/') == NULL &&
		    dxl_datetime(s, &ms, &form, NULL) != 0 && strlen(s) < 8)
			return 0;
	}
	return 1;
}

static void
list_put(FILE *f, json_t *a, const struct entry *e)
{
	const char	*kind = "textlist", *el = "text";
	json_t		*v;
	size_t		 i;

	if (strcmp(e->kind, "numberlist") == 0 && list_is(a, 1))
		kind = "numberlist", el = "number";
	else if (strcmp(e->kind, "datetimelist") == 0 && list_is(a, 0))
		kind = "datetimelist", el = "datetime";
	fprintf(f, "<%s>", kind);
	json_array_foreach(a, i, v) {
		const char	*s = json_string_value(v), *slash;

		if (s == NULL)
			continue;
		if (el[0] == 'd' && (slash = strchr(s, '/')) != NULL) {
			fprintf(f, "<datetimepair><datetime>%.*s</datetime>"
			    "<datetime>", (int)(slash - s), s);
			xml_put(f, slash + 1, 0, 0);
			fputs("</datetime></datetimepair>", f);
			continue;
		}
		fprintf(f, "<%s>", el);
		xml_put(f, s, 0, 0);
		fprintf(f, "</%s>", el);
	}
	fprintf(f, "</%s>", kind);
}

/* A richtext item's original, from its field or, if large, its
 * attachment: NULL if it has none. */
static char *
richtext_of(struct export *ex, json_t *doc, const char *name, size_t *len)
{
	char		 key[DOC_MAX_FIELD_NAME + 16];
	const char	*b64;
	json_t		*a, *r;
	size_t		 i, cap;
	char		*out;

	snprintf(key, sizeof(key), DXL_RT_PREFIX "%s", name);
	b64 = json_string_value(json_object_get(json_object_get(
	    json_object_get(doc, "fields"), key), "b64"));
	if (b64 == NULL)
		json_array_foreach(json_object_get(doc, "attachments"), i, a)
			if (strcmp(str(a, "name"), key) == 0) {
				r = ask(json_pack("{s:s, s:s, s:s, s:s}",
				    "cmd", "doc_attachment", "db", ex->db,
				    "id", str(doc, "id"), "name", key));
				out = NULL;
				cap = strlen(str(r, "b64"));
				out = xmalloc(cap + 1);
				if (sodium_base642bin((uint8_t *)out, cap,
				    str(r, "b64"), cap, NULL, len, NULL,
				    sodium_base64_VARIANT_ORIGINAL) != 0)
					die("the node's reply is not base64");
				json_decref(r);
				return out;
			}
	if (b64 == NULL)
		return NULL;
	cap = strlen(b64);
	out = xmalloc(cap + 1);
	if (sodium_base642bin((uint8_t *)out, cap, b64, cap, NULL, len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Field name of doc as an item, its kind and flags from notes:items. */
static void
item_put(struct export *ex, json_t *doc, const char *name, json_t *v)
{
	FILE		*f = ex->out;
	json_t		*fields = json_object_get(doc, "fields"), *t;
	struct entry	 e;
	char		 buf[16], *rich;
	size_t		 len;

	entry_of(fields, name, &e);
	if (strcmp(e.kind, "richtext") == 0 && json_is_string(v) &&
	    (rich = richtext_of(ex, doc, name, &len)) != NULL) {
		item_open(f, name, &e);
		fwrite(rich, 1, len, f);
		free(rich);
	} else if (json_is_string(v) && strcmp(e.kind, "datetime") == 0 &&
	    has_word(&e, "astext")) {
		item_open(f, name, &e);
		fputs("<datetime>", f);
		xml_put(f, json_string_value(v), 0, 0);
		fputs("</datetime>", f);
	} else if (json_is_string(v)) {
		item_open(f, name, &e);
		fputs("<text>", f);
		xml_put(f, json_string_value(v), 0, 1);
		fputs("</text>", f);
	} else if (json_is_number(v)) {
		item_open(f, name, &e);
		fputs("<number>", f);
		number_put(f, json_number_value(v));
		fputs("</number>", f);
	} else if (json_is_integer(t = json_object_get(v, "time_ms"))) {
		int	form = has_word(&e, "date") ? 1 : has_word(&e, "time") ?
		    2 : 0;

		if (strcmp(e.kind, "datetime") != 0)
			memset(&e, 0, sizeof(e));
		item_open(f, name, &e);
		fprintf(f, "<datetime%s>", has_word(&e, "dst") ?
		    " dst='true'" : "");
		datetime_put(f, json_integer_value(t), form, word_value(&e,
		    "zone", buf, sizeof(buf)));
		fputs("</datetime>", f);
	} else if (json_is_array(v)) {
		item_open(f, name, &e);
		list_put(f, v, &e);
	} else if ((t = json_object_get(v, "b64")) != NULL) {
		item_open(f, name, &e);
		fprintf(f, "<rawitemdata type='%s'>\n", word_value(&e, "type",
		    buf, sizeof(buf)) != NULL ? buf : "0");
		b64_put(f, json_string_value(t));
		fputs("</rawitemdata>", f);
	} else
		return;		/* a kind this node does not know */
	fputs("</item>\n", f);
}

/* An item of text of ours: notes:id, notes:author. */
static void
own_item(FILE *f, const char *name, const char *s)
{
	fprintf(f, "<item name='%s'><text>", name);
	xml_put(f, s, 0, 1);
	fputs("</text></item>\n", f);
}

static void
file_put(FILE *f, const char *name, const char *b64, long long size,
    long long when)
{
	fputs("<item name='$FILE' summary='true' sign='true' seal='true'>"
	    "<object><file hosttype='msdos' compression='none' "
	    "flags='storedindoc' encoding='none' name='", f);
	xml_put(f, name, 1, 0);
	fprintf(f, "' size='%lld'><created><datetime>", size);
	datetime_put(f, when, 0, NULL);
	fputs("</datetime></created><modified><datetime>", f);
	datetime_put(f, when, 0, NULL);
	fputs("</datetime></modified><filedata>\n", f);
	b64_put(f, b64);
	fputs("</filedata></file></object></item>\n", f);
}

/* ---- a document -------------------------------------------------------- */

static const char *const own_fields[] = {
	DXL_PREFIX "unid", DXL_PREFIX "form", DXL_PREFIX "created",
	DXL_PREFIX "modified", DXL_PREFIX "revisions", DXL_PREFIX "updatedby",
	DXL_PREFIX "parent", DXL_PREFIX "items", NULL
};

static int
own_field(const char *name)
{
	for (size_t i = 0; own_fields[i] != NULL; i++)
		if (strcmp(name, own_fields[i]) == 0)
			return 1;
	return strncmp(name, DXL_RT_PREFIX, strlen(DXL_RT_PREFIX)) == 0;
}

/* A list field as <outer><inner>VALUE</inner>...</outer>, if any. */
static void
prolog_list(FILE *f, json_t *a, const char *outer, const char *inner)
{
	json_t	*v;
	size_t	 i;

	if (a == NULL)
		return;
	fprintf(f, "<%s>", outer);
	json_array_foreach(a, i, v) {
		fprintf(f, "<%s>", inner);
		xml_put(f, json_is_string(v) ? json_string_value(v) : "", 0, 0);
		fprintf(f, "</%s>", inner);
	}
	fprintf(f, "</%s>\n", outer);
}

/* <noteinfo> and the lists before the items. */
static void
prolog_put(FILE *f, json_t *doc)
{
	json_t		*fields = json_object_get(doc, "fields"), *v;
	const char	*unid = json_string_value(json_object_get(fields,
			    DXL_PREFIX "unid"));
	const char	*when[] = { "created", "modified" };
	char		 up[DXL_UNID_HEX + 1], key[32];
	size_t		 i;

	if (unid == NULL) {	/* a document of ours: its id is its UNID */
		snprintf(up, sizeof(up), "%s", str(doc, "id"));
		for (i = 0; up[i] != '\0'; i++)
			up[i] = (char)toupper((unsigned char)up[i]);
		unid = up;
	}
	fputs("<noteinfo unid='", f);
	xml_put(f, unid, 1, 0);
	fputs("'>", f);
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), DXL_PREFIX "%s", when[i]);
		if (!json_is_integer(v = json_object_get(json_object_get(
		    fields, key), "time_ms")))
			continue;
		fprintf(f, "<%s><datetime>", when[i]);
		datetime_put(f, json_integer_value(v), 0, NULL);
		fprintf(f, "</datetime></%s>", when[i]);
	}
	fputs("</noteinfo>\n", f);
	prolog_list(f, json_object_get(fields, DXL_PREFIX "updatedby"),
	    "updatedby", "name");
	prolog_list(f, json_object_get(fields, DXL_PREFIX "revisions"),
	    "revisions", "datetime");
}

/* The attachments, as $FILE items (a richtext's original is in its
 * item) and the empty files notes:items names. */
static void
files_put(struct export *ex, json_t *doc)
{
	json_t		*fields = json_object_get(doc, "fields"), *a, *r, *v;
	long long	 when = json_integer_value(json_object_get(
			    json_object_get(fields, DXL_PREFIX "modified"),
			    "time_ms"));
	const char	*s;
	size_t		 i;

	if (when == 0)
		when = num(doc, "created_ms");
	json_array_foreach(json_object_get(doc, "attachments"), i, a) {
		if (strncmp(str(a, "name"), DXL_RT_PREFIX,
		    strlen(DXL_RT_PREFIX)) == 0)
			continue;
		r = ask(json_pack("{s:s, s:s, s:s, s:s}", "cmd",
		    "doc_attachment", "db", ex->db, "id", str(doc, "id"),
		    "name", str(a, "name")));
		file_put(ex->out, str(a, "name"), str(r, "b64"),
		    num(r, "size"), when);
		json_decref(r);
		ex->atts++;
	}
	json_array_foreach(json_object_get(fields, DXL_PREFIX "items"), i, v)
		if ((s = json_string_value(v)) != NULL &&
		    strncmp(s, "file,empty ", 11) == 0)
			file_put(ex->out, s + 11, "", 0, when);
}

static void
dxl_doc_put(struct export *ex, json_t *doc, const char *author)
{
	FILE		*f = ex->out;
	json_t		*fields = json_object_get(doc, "fields"), *v;
	const char	*form = json_string_value(json_object_get(fields,
			    DXL_PREFIX "form"));
	const char	*parent = json_string_value(json_object_get(fields,
			    DXL_PREFIX "parent"));
	const char	*name;

	fputs("<document", f);
	if (form != NULL) {
		fputs(" form='", f);
		xml_put(f, form, 1, 0);
		fputc('\'', f);
	}
	if (parent != NULL) {
		fputs(" parent='", f);
		xml_put(f, parent, 1, 0);
		fputs("' response='true'", f);
	}
	fputs(">\n", f);
	prolog_put(f, doc);
	own_item(f, DXL_PREFIX "id", str(doc, "id"));
	own_item(f, DXL_PREFIX "author", author);
	if (json_array_size(json_object_get(doc, "readers")) > 0) {
		fprintf(f, "<item name='%sreaders'>", DXL_PREFIX);
		list_put(f, json_object_get(doc, "readers"),
		    &(struct entry){ "", "" });
		fputs("</item>\n", f);
	}
	json_object_foreach(fields, name, v)
		if (!own_field(name))
			item_put(ex, doc, name, v);
	files_put(ex, doc);
	fputs("</document>\n", f);
}

/* A document as one JSON line, its attachments' bytes in it. */
static void
jsonl_doc_put(struct export *ex, json_t *doc, const char *author)
{
	json_t	*o, *atts = json_array(), *a, *r;
	size_t	 i;
	char	*text;

	json_array_foreach(json_object_get(doc, "attachments"), i, a) {
		r = ask(json_pack("{s:s, s:s, s:s, s:s}", "cmd",
		    "doc_attachment", "db", ex->db, "id", str(doc, "id"),
		    "name", str(a, "name")));
		json_array_append_new(atts, json_pack("{s:O, s:O, s:O, s:O, "
		    "s:O}", "name", json_object_get(a, "name"), "media_type",
		    json_object_get(a, "media_type"), "size",
		    json_object_get(a, "size"), "hash", json_object_get(a,
		    "hash"), "b64", json_object_get(r, "b64")));
		json_decref(r);
		ex->atts++;
	}
	o = json_pack("{s:s, s:O, s:s, s:O, s:O, s:o}", "db", ex->db, "id",
	    json_object_get(doc, "id"), "author", author, "fields",
	    json_object_get(doc, "fields"), "readers", json_object_get(doc,
	    "readers"), "attachments", atts);
	text = json_dumps(o, JSON_COMPACT);
	fprintf(ex->out, "%s\n", text);
	free(text);
	json_decref(o);
}

/*
 * Document id as doc get has it, or NULL for one sealed for other
 * readers than this node (counted: not ours to export).
 */
static json_t *
get_doc(struct export *ex, const char *id)
{
	json_t	*r = ask_reply(json_pack("{s:s, s:s, s:s}", "cmd", "doc_get",
	    "db", ex->db, "id", id));

	if (json_is_true(json_object_get(r, "ok")) ||
	    strncmp(str(r, "error"), "sealed", 6) != 0)
		return ask_check(r);
	ex->sealed++;
	json_decref(r);
	return NULL;
}

/* Every live document, page by page of doc ls. */
static void
export_docs(struct export *ex)
{
	json_t		*r, *d, *doc;
	char		*from = NULL;
	size_t		 i;

	do {
		r = ask(json_pack("{s:s, s:s, s:s*}", "cmd", "doc_ls", "db",
		    ex->db, "from", from));
		free(from);
		from = NULL;
		json_array_foreach(json_object_get(r, "docs"), i, d) {
			if (json_is_true(json_object_get(d, "deleted")))
				continue;
			if ((doc = get_doc(ex, str(d, "id"))) == NULL)
				continue;
			if (ex->jsonl)
				jsonl_doc_put(ex, doc, str(d, "author"));
			else
				dxl_doc_put(ex, doc, str(d, "author"));
			json_decref(doc);
			ex->docs++;
		}
		if (json_is_string(json_object_get(r, "next")))
			from = xstrdup(str(r, "next"));
		json_decref(r);
	} while (from != NULL);
}

int
cmd_db_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct export	 ex = { 0 };
	const char	*out = NULL, *format = "dxl";
	int		 ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1)
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			bad("%s: not an option of db export, or without its "
			    "value (usage: db export %s)", argv[optind - 1],
			    cur_cmd->cc_args);
		}
	cmd_operands(argc - optind);
	ex.db = argv[optind];
	if (!doc_db_name_valid(ex.db))
		bad("DB: a database name is 1 to 64 of [a-z0-9._-]: %s", ex.db);
	if (strcmp(format, "dxl") != 0 && strcmp(format, "jsonl") != 0)
		bad("--format: dxl or jsonl");
	ex.jsonl = format[0] == 'j';
	/* The database exists (or say so) before a file is made. */
	json_decref(ask(json_pack("{s:s, s:s}", "cmd", "db_acl", "db",
	    ex.db)));
	ex.out = out == NULL || strcmp(out, "-") == 0 ? stdout :
	    fopen(out, "w");
	if (ex.out == NULL)
		die("%s: %s", out, strerror(errno));
	if (!ex.jsonl) {
		fputs("<?xml version='1.0' encoding='utf-8'?>\n"
		    "<!DOCTYPE database>\n<database "
		    "xmlns='http://www.lotus.com/dxl' version='9.0' title='",
		    ex.out);
		xml_put(ex.out, ex.db, 1, 0);
		fputs("'>\n", ex.out);
	}
	export_docs(&ex);
	if (!ex.jsonl)
		fputs("</database>\n", ex.out);
	if (fflush(ex.out) != 0 || ferror(ex.out) || (ex.out != stdout &&
	    (fsync(fileno(ex.out)) != 0 || fclose(ex.out) != 0)))
		die("%s: %s", out != NULL ? out : "stdout", strerror(errno));
	if (out != NULL && strcmp(out, "-") != 0 && !json_out)
		printf("exported %zu documents, %zu attachments, to %s%s\n",
		    ex.docs, ex.atts, out, ex.sealed > 0 ? " (and left out "
		    "those sealed for other readers than this node)" : "");
	else if (json_out && out != NULL && strcmp(out, "-") != 0)
		printf("{\"ok\": true, \"docs\": %zu, \"attachments\": %zu, "
		    "\"sealed\": %zu}\n", ex.docs, ex.atts, ex.sealed);
	return 0;
}
