/*
 * node-ctl/dxlimport.c: db import DB FILE... [--names MAPFILE]: Notes
 * databases, exported as DXL, into a database of the network (README.md,
 * "Importing from Notes").
 *
 * Two passes. The first reads every file whole (dxl.c) and writes
 * nothing: a document that is not DXL we read, or a Readers name the
 * mapping file does not map, stops the import there, with every such
 * document and name listed. The second reads the files again and sends
 * each document as a whole doc_put (batch.c): in doc_put_batch requests
 * of many, or, with attachments, one doc_put of its own whose files the
 * parser has just written. Each document's id is made from its UNID, the
 * database and the node's key (so the same document lands on the same
 * id every time, and its first revision names its writer), and its key
 * from what it sends: a run after a crash, or the same export again, or
 * a later export with some documents changed writes only what is new.
 */
#include <limits.h>

#include "doc.h"
#include "dxl.h"
#include "esc.h"
#include "node-ctl.h"

#define READ_BYTES	(256 * 1024)
#define REQ_ROOM	4096		/* a request's own members */

/* --names MAPFILE: a Notes name (as name_key() makes it) to patterns. */
struct names {
	json_t		*map;		/* key -> [pattern...], [] for "-" */
	json_t		*unmapped;	/* key -> the name as written */
};

struct import {
	const char	*db;
	const char	*names_path;
	struct names	 names;
	const char	*self;		/* the node's name */
	uint8_t		 key[32];	/* and its key: ids name it */
	int		 skip_bad, check;
	/* the first pass */
	size_t		 docs, bad, bad_files, atts;
	uint64_t	 bytes;
	json_t		*errors;
	/* the second */
	struct batch	*b;
	uint64_t	 done_before;	/* bytes of the files before this */
	size_t		 n;
};

/*
 * A Notes name as the map and the documents are compared: no space
 * around it, its components without CN=, OU=, O= and C= (a canonical
 * name and its abbreviated form are one name), ASCII case folded (Notes
 * names are not case-sensitive).
 */
static char *
name_key(const char *s)
{
	char	*k = xmalloc(strlen(s) + 1), *o = k;
	int	 start = 1;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0') {
		if (start && (strncasecmp(s, "CN=", 3) == 0 ||
		    strncasecmp(s, "OU=", 3) == 0 || strncasecmp(s, "O=", 2) == 0 ||
		    strncasecmp(s, "C=", 2) == 0))
			s = strchr(s, '=') + 1;
		start = *s == '/';
		*o++ = (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s);
		s++;
	}
	while (o > k && (o[-1] == ' ' || o[-1] == '\t'))
		o--;
	*o = '\0';
	return k;
}

/* One "NAME = PATTERN[, PATTERN...]" or "NAME = -" line. */
static void
names_line(struct names *nm, const char *path, size_t n, char *line)
{
	char	*eq = strrchr(line, '='), *k, *p, *save = NULL;
	json_t	*pats = json_array();

	if (eq == NULL || eq == line)
		die("%s:%zu: expected NOTES NAME = PATTERN", path, n);
	*eq = '\0';
	k = name_key(line);
	if (k[0] == '\0')
		die("%s:%zu: no Notes name before =", path, n);
	if (json_object_get(nm->map, k) != NULL)
		die("%s:%zu: %s is mapped twice", path, n, line);
	for (p = strtok_r(eq + 1, ", \t", &save); p != NULL;
	    p = strtok_r(NULL, ", \t", &save)) {
		if (strcmp(p, "-") == 0)
			continue;
		if (!doc_pattern_valid(p))
			die("%s:%zu: %s: a pattern is NAME, *.NAME or * (or - "
			    "for no office)", path, n, p);
		json_array_append_new(pats, json_string(p));
	}
	if (json_object_set_new(nm->map, k, pats) != 0)
		die("%s:%zu: not UTF-8", path, n);
	free(k);
}

static void
names_load(struct names *nm, const char *path)
{
	FILE	*f;
	char	*line = NULL, *s;
	size_t	 cap = 0, n = 0;
	ssize_t	 len;

	nm->map = json_object();
	nm->unmapped = json_object();
	if (path == NULL)
		return;
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) != -1) {
		n++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s != '\0' && *s != '#')
			names_line(nm, path, n, s);
	}
	if (ferror(f))
		die("%s: read error", path);
	free(line);
	fclose(f);
}

/*
 * The readers list of d: a notes:readers item's patterns as they are
 * (an export of this network), else, if it has a Readers item, the
 * patterns its Readers and Authors names map to (in Notes an author of
 * a document with readers reads it too), or this node alone if they map
 * to no office; NULL if a name has no mapping (noted in unmapped).
 */
static json_t *
readers_of(struct import *im, const struct dxl_doc *d, const char **why)
{
	json_t		*out = json_array(), *v, *pats, *p;
	const json_t	*lists[2] = { d->names, d->authors };
	size_t		 i, j, k;
	int		 missing = 0;
	char		*key;

	if (d->patterns != NULL) {
		json_array_foreach(d->patterns, i, v)
			if (!json_is_string(v) ||
			    !doc_pattern_valid(json_string_value(v))) {
				*why = "item notes:readers: patterns (NAME, "
				    "*.NAME or *)";
				json_decref(out);
				return NULL;
			}
		json_decref(out);
		return json_incref(d->patterns);
	}
	if (!d->has_readers)
		return out;
	for (k = 0; k < 2; k++)
		json_array_foreach(lists[k], i, v) {
			key = name_key(json_string_value(v));
			if ((pats = json_object_get(im->names.map, key)) ==
			    NULL) {
				json_object_set(im->names.unmapped, key, v);
				missing = 1;
			}
			json_array_foreach(pats, j, p) {
				size_t	m;

				for (m = 0; m < json_array_size(out) &&
				    !json_equal(json_array_get(out, m), p); m++)
					;
				if (m == json_array_size(out))
					json_array_append(out, p);
			}
			free(key);
		}
	if (missing) {
		*why = "a Readers or Authors name has no mapping";
		json_decref(out);
		return NULL;
	}
	if (json_array_size(out) == 0)	/* never readable by all */
		json_array_append_new(out, json_string(im->self));
	if (json_array_size(out) > DOC_MAX_PATTERNS) {
		*why = "its Readers names map to over 128 patterns";
		json_decref(out);
		return NULL;
	}
	return out;
}

/*
 * The id of the document whose UNID is unid, in db, written by the node
 * of key: its first 8 bytes from the UNID and db, the rest its tag.
 */
static void
unid_id(const struct import *im, const char *unid, char hex[33])
{
	crypto_generichash_state	st;
	uint8_t				n[8], id[STORE_DOC_ID_BYTES];
	char				up[DXL_UNID_HEX + 1];

	for (size_t i = 0; i <= DXL_UNID_HEX; i++)
		up[i] = (char)((unid[i] >= 'a' && unid[i] <= 'f') ?
		    unid[i] - 32 : unid[i]);
	crypto_generichash_init(&st, (const uint8_t *)"nodenet-dxl-unid-v1",
	    19, sizeof(n));
	crypto_generichash_update(&st, (const uint8_t *)im->db,
	    strlen(im->db) + 1);
	crypto_generichash_update(&st, (const uint8_t *)up, DXL_UNID_HEX);
	crypto_generichash_final(&st, n, sizeof(n));
	doc_id_named(im->key, n, id);
	sodium_bin2hex(hex, 33, id, sizeof(id));
}

/* A document the first pass refuses: noted, to list them all. */
static void
refused(struct import *im, const struct dxl_doc *d, const char *err,
    const char *why)
{
	char	msg[DXL_ERR_MAX + 128], safe[ESC_SIZE(sizeof(msg))];

	if (err != NULL)
		snprintf(msg, sizeof(msg), "%s%s%s%s", err, d->unid[0] ?
		    " (document " : "", d->unid, d->unid[0] ? ")" : "");
	else
		snprintf(msg, sizeof(msg), "%s:%lu: document %s: %s", d->file,
		    d->line, d->unid, why);
	im->bad++;
	json_array_append_new(im->errors, json_string(esc_str(safe,
	    sizeof(safe), msg, 0)));
}

/* The first pass: can every document be written? */
static int
check_doc(const struct dxl_doc *d, const char *err, void *arg)
{
	struct import	*im = arg;
	const char	*why = NULL;
	json_t		*r;
	char		*dump;
	size_t		 len;
	uint64_t	 span;

	im->docs++;
	span = im->done_before + d->offset - im->bytes;
	im->bytes = im->done_before + d->offset;
	if (err != NULL) {
		refused(im, d, err, NULL);
		return 0;
	}
	/* Its fields as JSON take at most twice its bytes of DXL (a
	 * richtext's original goes in base64 beside its words): only a
	 * large document is measured. */
	len = 0;
	if (span > (CTL_MAX_REQUEST - REQ_ROOM) / 2) {
		dump = json_dumps(d->fields, JSON_COMPACT);
		len = dump != NULL ? strlen(dump) : SIZE_MAX;
		free(dump);
	}
	if (len > CTL_MAX_REQUEST - REQ_ROOM)
		refused(im, d, NULL, "its fields are over the 1 MiB one "
		    "request carries");
	else if ((r = readers_of(im, d, &why)) != NULL)
		json_decref(r);
	else if (json_object_size(im->names.unmapped) == 0)
		refused(im, d, NULL, why);	/* else listed at the end */
	im->atts += d->natts;
	return 0;
}

/*
 * The key of the document sent as item: the same for the same document
 * sent the same way (its database, id, fields, readers, the hashes of
 * its attachments), led by its number in the import, so that the node
 * writes the keys of one run in order.
 */
static void
doc_key(const struct import *im, const struct dxl_doc *d, json_t *item,
    char key[BATCH_KEY_MAX])
{
	crypto_generichash_state	st;
	uint8_t				h[16];
	char				*dump;
	int				n;

	/* Its members come in the order they were read: no need to sort. */
	dump = json_dumps(item, JSON_COMPACT);
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	if (dump != NULL)
		crypto_generichash_update(&st, (const uint8_t *)dump,
		    strlen(dump));
	for (size_t i = 0; i < d->natts; i++) {
		crypto_generichash_update(&st, (const uint8_t *)d->atts[i].name,
		    strlen(d->atts[i].name) + 1);
		crypto_generichash_update(&st, d->atts[i].hash, 32);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	free(dump);
	n = snprintf(key, BATCH_KEY_MAX, "dxl:%010zu:", im->n);
	sodium_bin2hex(key + n, BATCH_KEY_MAX - (size_t)n, h, sizeof(h));
}

/* The second pass: each document as a whole doc_put. */
static int
send_doc(const struct dxl_doc *d, const char *err, void *arg)
{
	struct import		*im = arg;
	struct batch_meter	*m = batch_meter(im->b);
	json_t			*item, *readers, *att;
	const char		*why = NULL;
	char			 id[33], pid[33], key[BATCH_KEY_MAX];
	char			 where[PATH_MAX + 64];
	uint64_t		 at = im->done_before + d->offset;
	size_t			 len = (size_t)(at - m->bytes);

	im->n++;
	m->bytes = at;
	snprintf(where, sizeof(where), "%s:%lu: document %s", d->file,
	    d->line, d->unid);
	if (err != NULL) {		/* --skip-bad: refused, named */
		batch_fail(im->b, im->n, where, err);
		return 0;
	}
	if ((readers = readers_of(im, d, &why)) == NULL) {
		batch_fail(im->b, im->n, where, why);
		return 0;
	}
	if (d->id[0] != '\0')
		snprintf(id, sizeof(id), "%s", d->id);
	else
		unid_id(im, d->unid, id);
	if (d->parent[0] != '\0' && json_object_get(d->fields,
	    DXL_PREFIX "parent_id") == NULL) {
		unid_id(im, d->parent, pid);
		json_object_set_new(d->fields, DXL_PREFIX "parent_id",
		    json_string(pid));
	}
	item = json_pack("{s:s, s:s, s:O, s:o, s:b}", "db", im->db, "id", id,
	    "fields", d->fields, "readers", readers, "whole", 1);
	doc_key(im, d, item, key);
	json_object_set_new(item, "key", json_string(key));
	if (d->natts == 0) {
		batch_add(im->b, im->n, where, item, len);
		return 0;
	}
	att = json_array();
	for (size_t i = 0; i < d->natts; i++)
		json_array_append_new(att, json_pack("{s:s, s:s, s:s}", "name",
		    d->atts[i].name, "path", d->atts[i].path, "media_type",
		    d->atts[i].media_type));
	json_object_set_new(item, "attach", att);
	json_object_set_new(item, "cmd", json_string("doc_put"));
	m->atts += d->natts;
	/* Sent before the parser goes on, which removes the files. */
	batch_single(im->b, im->n, where, item);
	return 0;
}

/* Reads path through a parser whose callback is fn. */
static void
read_file_dxl(struct import *im, const char *path, const char *tmpdir,
    dxl_doc_fn fn)
{
	static char	 buf[READ_BYTES];
	struct dxl	*p;
	struct stat	 sb;
	ssize_t		 n;
	int		 fd, rc = 0;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		die("%s: %s", path, strerror(errno));
	if ((p = dxl_new(path, tmpdir, fn, im)) == NULL)
		die("out of memory");
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1)
			die("%s: %s", path, strerror(errno));
		rc = dxl_feed(p, buf, (size_t)n);
	}
	if (rc == 0)
		rc = dxl_end(p);
	if (rc != 0) {
		/* Not well-formed, or truncated: the rest is not read. */
		char	safe[ESC_SIZE(DXL_ERR_MAX)];

		if (im->b != NULL)	/* the rest of the file is not sent */
			batch_fail(im->b, 0, dxl_error(p), "the rest of the "
			    "file is not read");
		else {
			im->bad_files++;
			json_array_append_new(im->errors, json_string(esc_str(
			    safe, sizeof(safe), dxl_error(p), 0)));
		}
	}
	dxl_free(p);
	close(fd);
	im->done_before += (uint64_t)sb.st_size;
}

/* Says why nothing was written: exit 1. */
static int
check_failed(struct import *im)
{
	const char	*k;
	json_t		*v, *names = json_array(), *o;
	char		*text, safe[ESC_SIZE(256)];
	size_t		 i;

	json_object_foreach(im->names.unmapped, k, v)
		json_array_append(names, v);
	if (json_out) {
		o = json_pack("{s:b, s:s, s:I, s:I, s:O, s:O}", "ok", 0,
		    "error", "nothing was written", "docs", (json_int_t)im->docs,
		    "refused", (json_int_t)im->bad, "errors", im->errors,
		    "unmapped", names);
		text = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", text);
		free(text);
		json_decref(o);
		json_decref(names);
		return 1;
	}
	json_array_foreach(im->errors, i, v)
		fprintf(stderr, "node-ctl: %s\n", json_string_value(v));
	if (json_array_size(names) > 0) {
		fprintf(stderr, "node-ctl: %zu Notes names of Readers and "
		    "Authors items have no mapping%s%s:\n",
		    json_array_size(names), im->names_path != NULL ? " in " :
		    " (give --names MAPFILE)", im->names_path != NULL ?
		    im->names_path : "");
		json_array_foreach(names, i, v)
			fprintf(stderr, "  %s\n", esc_str(safe, sizeof(safe),
			    json_string_value(v), 0));
	}
	fprintf(stderr, "node-ctl: nothing was written (%zu documents read): "
	    "%zu cannot be imported, %zu files not read to their end, %zu "
	    "names without a mapping\n", im->docs, im->bad, im->bad_files,
	    json_array_size(names));
	json_decref(names);
	return 1;
}

/* The node's name and key: the ids of the documents name the key. */
static void
node_identity(struct import *im)
{
	json_t		*r = ask(json_pack("{s:s}", "cmd", "status"));
	const char	*hex = str(r, "key");

	if (sodium_hex2bin(im->key, sizeof(im->key), hex, strlen(hex), NULL,
	    NULL, NULL) != 0 || strlen(hex) != 64)
		die("the node does not say its key (a node of an older "
		    "release?): db import needs it");
	im->self = xstrdup(str(r, "name"));
	json_decref(r);
}

/* Where the attachments' files go: a directory of our own in --tmp, the
 * node's data directory (-c), TMPDIR or /tmp. The node reads them: a
 * unit with PrivateTmp does not see our /tmp. */
static char *
tmp_dir(const char *opt)
{
	const char	*base = opt != NULL ? opt : node_dir != NULL ? node_dir :
			    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char		*dir, *abs;

	if ((abs = realpath(base, NULL)) == NULL)
		die("%s: %s", base, strerror(errno));
	if (asprintf(&dir, "%s/dxl-import.XXXXXX", abs) == -1 ||
	    mkdtemp(dir) == NULL)
		die("cannot make a directory in %s: %s", abs, strerror(errno));
	free(abs);
	return dir;
}

int
cmd_db_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "names", required_argument, NULL, 'n' },
		{ "tmp", required_argument, NULL, 't' },
		{ "skip-bad", no_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct batch_kind	k = { "db import", "doc_put_batch",
	    "imported", "refused", "docs", NULL, NULL, 1 };
	struct import	 im = { 0 };
	const char	*tmp_opt = NULL;
	char		*tmp;
	int		 ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'n':
			im.names_path = optarg;
			break;
		case 't':
			tmp_opt = optarg;
			break;
		case 's':
			im.skip_bad = 1;
			break;
		case 'c':
			im.check = 1;
			break;
		default:
			bad("%s: not an option of db import, or without its "
			    "value (usage: db import %s)", argv[optind - 1],
			    cur_cmd->cc_args);
		}
	argc -= optind;
	argv += optind;
	cmd_operands(argc);
	im.db = argv[0];
	if (!doc_db_name_valid(im.db))
		bad("DB: a database name is 1 to 64 of [a-z0-9._-]: %s", im.db);
	if (data_dir != NULL && !im.check)
		die("db import writes: it needs a running node, not -d "
		    "(--check reads the files alone)");
	if (sodium_init() == -1)
		die("libsodium would not start");
	names_load(&im.names, im.names_path);
	im.errors = json_array();
	for (int i = 1; i < argc; i++)
		read_file_dxl(&im, argv[i], NULL, check_doc);
	if (json_object_size(im.names.unmapped) > 0 ||
	    ((im.bad > 0 || im.bad_files > 0) && !im.skip_bad)) {
		rc = check_failed(&im);
		goto out;
	}
	if (im.check) {
		if (json_out)
			printf("{\"ok\": true, \"docs\": %zu, \"bad\": %zu, "
			    "\"attachments\": %zu, \"bytes\": %" PRIu64 "}\n",
			    im.docs, im.bad, im.atts, im.bytes);
		else
			printf("%zu documents, %zu attachments, %.1f MB: they "
			    "can be imported%s\n", im.docs - im.bad, im.atts,
			    (double)im.bytes / 1e6, im.bad > 0 ? " (but those "
			    "above)" : "");
		rc = 0;
		goto out;
	}
	node_identity(&im);
	tmp = tmp_dir(tmp_opt);
	im.b = batch_new(&k, RETRY_S_DEFAULT, REPLY_TIMEOUT_MS / 1000);
	batch_meter(im.b)->total = im.docs;
	batch_meter(im.b)->total_bytes = im.bytes;
	im.done_before = 0;
	for (int i = 1; i < argc; i++)
		read_file_dxl(&im, argv[i], tmp, send_doc);
	rc = batch_end(im.b);
	if (rmdir(tmp) == -1)
		fprintf(stderr, "node-ctl: %s: %s\n", tmp, strerror(errno));
	free(tmp);
out:
	json_decref(im.errors);
	json_decref(im.names.map);
	json_decref(im.names.unmapped);
	free((char *)(uintptr_t)im.self);
	return rc;
}
