/*
 * node-ctl/docs.c: the db and doc commands: typed field arguments and
 * patterns checked before anything is sent, the replies as tables.
 */
#include "node-ctl.h"
#include "psig.h"
#include "doc.h"

static int
is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F')))
			return 0;
	return 1;
}

static void
check_id(const char *what, const char *s)
{
	if (!is_hex(s, 32))
		bad("%s: a document id is 32 hex digits: %s", what, s);
}

static void
check_rev(const char *what, const char *s)
{
	if (!is_hex(s, 64))
		bad("%s: a revision is 64 hex digits: %s", what, s);
}

/* json_string, or exit 2 if s is not UTF-8. */
static json_t *
utf8(const char *what, const char *s)
{
	json_t	*v = json_string(s);

	if (v == NULL)
		bad("%s: not UTF-8", what);
	return v;
}

/* "a,b,c" -> ["a", "b", "c"]; "" -> []. Empty items only if allowed. */
static json_t *
split_list(const char *what, const char *s, int allow_empty)
{
	json_t		*a = json_array();
	const char	*p = s, *c;
	char		*item;

	while (*s != '\0') {
		c = strchr(p, ',');
		if ((item = strndup(p, c != NULL ? (size_t)(c - p) :
		    strlen(p))) == NULL)
			die("out of memory");
		if (item[0] == '\0' && !allow_empty)
			bad("%s: an empty item in \"%s\"", what, s);
		json_array_append_new(a, utf8(what, item));
		free(item);
		if (c == NULL)
			break;
		p = c + 1;
	}
	return a;
}

static const char *const levels[] = {
	"none", "depositor", "reader", "author", "editor", "manager"
};

/* PATTERN=LEVEL arguments -> [{pattern, level}]; "remove" if allowed. */
static json_t *
parse_acl(int argc, char **argv, int allow_remove)
{
	json_t	*a = json_array();
	char	*eq, *pat;
	int	 ok;

	for (int i = 0; i < argc; i++) {
		if ((eq = strrchr(argv[i], '=')) == NULL || eq == argv[i])
			bad("%s: an ACL entry is PATTERN=LEVEL", argv[i]);
		ok = allow_remove && strcmp(eq + 1, "remove") == 0;
		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++)
			ok |= strcmp(eq + 1, levels[l]) == 0;
		if (!ok)
			bad("%s: LEVEL is none, depositor, reader, author, "
			    "editor%s manager%s", argv[i], allow_remove ? "," :
			    " or", allow_remove ? " or remove" : "");
		if ((pat = strndup(argv[i], (size_t)(eq - argv[i]))) == NULL)
			die("out of memory");
		json_array_append_new(a, json_pack("{s:o, s:s}", "pattern",
		    utf8(argv[i], pat), "level", eq + 1));
		free(pat);
	}
	return a;
}

/* "12", "-3", "12.5", "1e3": an integer if it is one, else a double. */
static json_t *
parse_number(const char *arg, const char *v)
{
	char		*end;
	long long	 i;
	double		 d;

	/* strtod would also take hex, "inf" and "nan". */
	if (v[0] == '\0' || strspn(v, "0123456789+-.eE") != strlen(v))
		bad("%s: not a number", arg);
	errno = 0;
	i = strtoll(v, &end, 10);
	if (errno == 0 && *end == '\0')
		return json_integer(i);
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d))
		bad("%s: not a number", arg);
	return json_real(d);
}

/* Unix ms, or 2026-11-26T10:00:00[.mmm](Z|+HH:MM|-HH:MM). */
static json_t *
parse_time(const char *arg, const char *v)
{
	struct tm	 tm = { 0 }, chk;
	const char	*p;
	char		*end;
	long long	 ms = 0, off = 0;
	time_t		 t;
	int		 digits = 0, oh, om;

	if (v[0] != '\0' && strspn(v + (v[0] == '-'), "0123456789") ==
	    strlen(v + (v[0] == '-'))) {
		errno = 0;
		ms = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || v[v[0] == '-'] == '\0')
			bad("%s: a time is Unix milliseconds or "
			    "2026-11-26T10:00:00Z", arg);
		return json_pack("{s:I}", "time_ms", (json_int_t)ms);
	}
	if ((p = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		goto malformed;
	if (*p == '.') {	/* milliseconds; finer digits are dropped */
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (digits == 0)
			goto malformed;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (p[0] == 'Z' && p[1] == '\0')
		off = 0;
	else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 &&
	    sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && p[3] == ':' &&
	    oh <= 23 && om <= 59)
		off = (p[0] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
	else
		goto malformed;
	chk = tm;
	t = timegm(&tm);
	/* timegm takes 2026-02-30 as 2026-03-02: refuse what it moved. */
	if (tm.tm_mday != chk.tm_mday ||
	    tm.tm_mon != chk.tm_mon || tm.tm_hour != chk.tm_hour)
		goto malformed;
	return json_pack("{s:I}", "time_ms",
	    (json_int_t)(((long long)t - off) * 1000 + ms));
malformed:
	bad("%s: a time is Unix milliseconds or 2026-11-26T10:00:00Z", arg);
}

/* The whole of a file, at most what one request can carry. */
static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	unsigned char	*buf;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if ((buf = malloc(CTL_MAX_REQUEST + 1)) == NULL)
		die("out of memory");
	*len = fread(buf, 1, CTL_MAX_REQUEST + 1, f);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	/* Base64 takes 4 bytes for 3: the request must stay under 1 MiB. */
	if (*len > CTL_MAX_REQUEST / 4 * 3 - 4096)
		die("%s: over %d bytes, the most one request carries", path,
		    CTL_MAX_REQUEST / 4 * 3 - 4096);
	return buf;
}

/* NAME=VALUE or NAME:TYPE=VALUE -> adds it to fields. */
static void
parse_field(json_t *fields, const char *arg)
{
	const char	*eq = strchr(arg, '='), *colon, *v, *type = "text";
	char		 name[DOC_MAX_FIELD_NAME + 1], *b64;
	unsigned char	*buf;
	size_t		 len, b64len, nlen;
	json_t		*val;

	if (eq == NULL || eq == arg)
		bad("%s: a field is NAME=VALUE or NAME:TYPE=VALUE", arg);
	v = eq + 1;
	colon = memchr(arg, ':', (size_t)(eq - arg));
	/* On the stack: a bad value below exits, and leaks nothing. */
	nlen = (size_t)((colon != NULL ? colon : eq) - arg);
	if (nlen >= sizeof(name))
		bad("%s: a field name is at most %d bytes", arg,
		    DOC_MAX_FIELD_NAME);
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (name[0] == '\0')
		bad("%s: a field needs a name", arg);
	if (colon != NULL)
		type = colon + 1;
#define IS_TYPE(t)	(strncmp(type, t, strlen(t)) == 0 && \
			    type + strlen(t) == eq)
	if (colon == NULL || IS_TYPE("text"))
		val = utf8(arg, v);
	else if (IS_TYPE("number"))
		val = parse_number(arg, v);
	else if (IS_TYPE("time"))
		val = parse_time(arg, v);
	else if (IS_TYPE("list"))
		val = split_list(arg, v, 1);
	else if (IS_TYPE("null")) {
		if (v[0] != '\0')
			bad("%s: a null field (removing it) takes no value",
			    arg);
		val = json_null();
	} else if (IS_TYPE("bytes")) {
		if (v[0] != '@' || v[1] == '\0')
			bad("%s: bytes come from a file: NAME:bytes=@FILE",
			    arg);
		buf = read_file(v + 1, &len);
		b64len = sodium_base64_encoded_len(len,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = malloc(b64len)) == NULL)
			die("out of memory");
		sodium_bin2base64(b64, b64len, buf, len,
		    sodium_base64_VARIANT_ORIGINAL);
		val = json_pack("{s:s}", "b64", b64);
		free(b64);
		free(buf);
	} else
		bad("%s: TYPE is text, number, time, list, bytes or null", arg);
#undef IS_TYPE
	if (json_object_get(fields, name) != NULL) {
		json_decref(val);
		bad("%s: the field %s is given twice", arg, name);
	}
	if (json_object_set_new(fields, name, val) != 0)
		bad("%s: the name is not UTF-8", arg);
}

/* doc put without fields: {"fields": {...}, "readers": [...]} on stdin. */
static void
read_put_json(json_t *req)
{
	json_error_t	 jerr;
	json_t		*in, *v;
	const char	*k;

	if ((in = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		die("stdin: not JSON: line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(in))
		die("stdin: expected {\"fields\": {...}, \"readers\": [...]}");
	json_object_foreach(in, k, v) {
		if (strcmp(k, "fields") == 0 && json_is_object(v))
			continue;
		if (strcmp(k, "readers") == 0 && json_is_array(v))
			continue;
		die("stdin: expected {\"fields\": {...}, \"readers\": [...]}, "
		    "not \"%s\" here", k);
	}
	if ((v = json_object_get(in, "fields")) != NULL)
		json_object_set(req, "fields", v);
	if ((v = json_object_get(in, "readers")) != NULL)
		json_object_set(req, "readers", v);
	json_decref(in);
}

/* 2026-11-26T10:00:00Z, or with .mmm when there are milliseconds;
 * returns the characters printed. */
static int
print_iso(long long ms)
{
	long long	 sec = ms / 1000, frac = ms % 1000;
	time_t		 t;
	struct tm	 tm;
	char		 buf[40];

	if (frac < 0) {	/* before 1970: floor, not toward zero */
		frac += 1000;
		sec--;
	}
	t = (time_t)sec;
	if (gmtime_r(&t, &tm) == NULL)
		return printf("%lld ms", ms);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac != 0)
		return printf("%s.%03lldZ", buf, frac);
	return printf("%sZ", buf);
}

/* A field's value as text: see doc get --help. */
static void
print_value(json_t *v)
{
	json_t		*e;
	const char	*s;
	char		*dump, buf[40];
	size_t		 i, n;

	if (json_is_string(v))
		print_safe(json_string_value(v), 0);
	else if (json_is_integer(v))
		printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v)) {
		/* The shortest form that reads back the same. */
		snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
		if (strtod(buf, NULL) != json_real_value(v))
			snprintf(buf, sizeof(buf), "%.17g",
			    json_real_value(v));
		printf("%s", buf);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			printf(i ? ", " : "");
			print_value(e);
		}
	} else if (json_is_integer(e = json_object_get(v, "time_ms")))
		print_iso(json_integer_value(e));
	else if ((s = json_string_value(json_object_get(v, "b64"))) != NULL) {
		n = strlen(s);
		while (n > 0 && s[n - 1] == '=')
			n--;
		printf("<%zu bytes>", n * 3 / 4);
	} else if ((dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) !=
	    NULL) {
		print_safe(dump, 0);
		free(dump);
	}
}

/* The ACL as db acl shows it. */
static void
print_acl(json_t *r)
{
	json_t	*e;
	size_t	 i;

	printf("db       ");
	print_safe(str(r, "db"), 0);
	printf("\nscope    ");
	print_safe(str(r, "scope"), 0);
	printf("\ncreator  ");
	print_safe(str(r, "creator"), 0);
	printf("\nacl      %s\n", str(r, "acl_id"));
	printf("%-32s %s\n", "PATTERN", "LEVEL");
	json_array_foreach(json_object_get(r, "entries"), i, e) {
		print_cell(str(e, "pattern"), 32);
		printf(" ");
		print_safe(str(e, "level"), 0);
		printf("\n");
	}
}

/* The words of a db command: operands only, none that looks like an
 * option. */
static void
db_words(int argc, char **argv)
{
	for (int k = 1; k < argc; k++)
		if (argv[k][0] == '-' && argv[k][1] != '\0')
			bad("%s: %s takes no options", argv[k],
			    cur_cmd->cc_name);
	cmd_operands(argc - 1);
}

int
cmd_db_create(int argc, char **argv)
{
	json_t	*r;

	db_words(argc, argv);
	r = call(json_pack("{s:s, s:o, s:o, s:o}", "cmd", "db_create", "db",
	    utf8("DB", argv[1]), "scope", utf8("SCOPE", argv[2]), "acl",
	    parse_acl(argc - 3, argv + 3, 0)));
	if (!json_out) {
		printf("created ");
		print_safe(str(r, "db"), 0);
		printf(" (acl %s)\n", str(r, "acl_id"));
	}
	json_decref(r);
	return 0;
}

int
cmd_db_ls(int argc, char **argv)
{
	const char	*from = opt_from(&argc, argv);
	json_t		*req, *r, *d;
	size_t		 i;

	db_words(argc, argv);
	req = json_pack("{s:s}", "cmd", "db_ls");
	if (from != NULL)
		json_object_set_new(req, "from", utf8("--from", from));
	r = call(req);
	if (json_out)
		goto done;
	printf("%-24s %-28s %-9s %-7s %7s %7s %9s  %s\n", "DB", "SCOPE",
	    "LEVEL", "REPLICA", "DOCS", "DELETED", "CONFLICTS", "CREATOR");
	json_array_foreach(json_object_get(r, "dbs"), i, d) {
		/* Counts the node stopped in: floors, marked +. */
		const char	*floor = json_is_true(json_object_get(d,
		    "partial")) ? "+" : "";
		char		 docs[24], deleted[24], conflicts[24];

		snprintf(docs, sizeof(docs), "%lld%s", num(d, "docs"), floor);
		snprintf(deleted, sizeof(deleted), "%lld%s", num(d, "deleted"),
		    floor);
		snprintf(conflicts, sizeof(conflicts), "%lld%s",
		    num(d, "conflicts"), floor);
		print_cell(str(d, "db"), 24);
		printf(" ");
		print_cell(str(d, "scope"), 28);
		printf(" ");
		/* -d on the root's store cannot tell. */
		print_cell(json_object_get(d, "level") ? str(d, "level") : "-",
		    9);
		printf(" %-7s %7s %7s %9s  ",
		    json_object_get(d, "replica") == NULL ? "-" :
		    json_is_true(json_object_get(d, "replica")) ? "yes" : "no",
		    docs, deleted, conflicts);
		print_safe(str(d, "creator"), 0);
		printf("\n");
	}
	print_more(r, "db ls", "", "a count with + is a floor");
done:
	json_decref(r);
	return 0;
}

int
cmd_db_acl(int argc, char **argv)
{
	json_t	*req, *r;

	db_words(argc, argv);
	req = json_pack("{s:s, s:o}", "cmd", "db_acl", "db",
	    utf8("DB", argv[1]));
	if (argc > 2)
		json_object_set_new(req, "set", parse_acl(argc - 2, argv + 2,
		    1));
	r = call(req);
	if (!json_out)
		print_acl(r);
	json_decref(r);
	return 0;
}

int
cmd_db_digest(int argc, char **argv)
{
	json_t	*r;

	db_words(argc, argv);
	r = call(json_pack("{s:s, s:o}", "cmd", "db_digest", "db",
	    utf8("DB", argv[1])));
	if (!json_out) {
		printf("%s  ", str(r, "digest"));
		print_safe(str(r, "db"), 0);
		printf("  docs %lld, conflicts %lld\n", num(r, "docs"),
		    num(r, "conflicts"));
	}
	json_decref(r);
	return 0;
}

/* Revisions as "abcd..., ef01..." (16 digits each), "-" if none. */
static void
print_revs(json_t *a, int full)
{
	json_t	*e;
	size_t	 i;

	if (json_array_size(a) == 0)
		printf("%s", full ? "none" : "-");
	json_array_foreach(a, i, e)
		printf("%s%.*s", i ? ", " : "", full ? 64 : 16,
		    json_string_value(e) != NULL ? json_string_value(e) : "?");
}

/* --attach NAME=FILE: {name, path} with FILE made absolute (the node,
 * which reads it, runs elsewhere). */
static json_t *
attachment_arg(const char *arg)
{
	const char	*eq = strchr(arg, '=');
	char		*name, *path;
	json_t		*o;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		bad("--attach %s: expected NAME=FILE", arg);
	name = xmalloc((size_t)(eq - arg) + 1);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if ((path = realpath(eq + 1, NULL)) == NULL)
		die("%s: %s", eq + 1, strerror(errno));
	o = json_pack("{s:o, s:s}", "name", utf8("--attach", name), "path",
	    path);
	free(name);
	free(path);
	return o;
}

/* Writes the attachment in reply r into a new file out. */
static void
write_attachment(json_t *r, const char *out)
{
	const char	*b64 = str(r, "b64");
	size_t		 cap = strlen(b64) / 4 * 3 + 3, len;
	uint8_t		*buf = xmalloc(cap);
	FILE		*f;
	int		 fd;

	if (sodium_base642bin(buf, cap, b64, strlen(b64), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		die("the node's reply is not base64");
	if ((fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		die("%s: %s", out, strerror(errno));
	if (fwrite(buf, 1, len, f) != len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0 || fclose(f) != 0)
		die("%s: %s", out, strerror(errno));
	if (!json_out)
		printf("wrote %zu bytes to %s\n", len, out);
	free(buf);
}

/* What a doc command's options said, and its operands (DB first). */
struct doc_args {
	int		 argc;
	char		**argv;
	const char	*readers, *rev, *from, *keep, *type, *out, *db;
	const char	*sign_as;	/* doc put --sign-as KEYFILE */
	int		 deleted;
	json_t		*attach, *detach;	/* NULL if none */
};

/*
 * Reads the options of cur_cmd (those of cc_opts; -o, where it is one,
 * is needed) and counts its operands.
 */
static void
doc_args(int argc, char **argv, struct doc_args *a)
{
	static const struct option opts[] = {
		{ "readers", required_argument, NULL, 'r' },
		{ "rev", required_argument, NULL, 'v' },
		{ "from", required_argument, NULL, 'f' },
		{ "deleted", no_argument, NULL, 'D' },
		{ "keep", required_argument, NULL, 'k' },
		{ "attach", required_argument, NULL, 'a' },
		{ "type", required_argument, NULL, 't' },
		{ "detach", required_argument, NULL, 'x' },
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'b' },
		{ "sign-as", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*name = cur_cmd->cc_name;
	int		 ch, li;

	memset(a, 0, sizeof(*a));
	/* getopt over "SUB ARGS...": argv[0] plays the program name. */
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, &li)) != -1) {
		if (ch == '?' || strchr(cur_cmd->cc_opts, ch) == NULL)
			bad("%s%s: not an option of %s, or without its value "
			    "(usage: %s %s)", ch == '?' ? "" : ch == 'o' ? "-" :
			    "--", ch == '?' ? argv[optind - 1] : ch == 'o' ?
			    "o" : opts[li].name, name, name, cur_cmd->cc_args);
		switch (ch) {
		case 'r':
			a->readers = optarg;
			break;
		case 'v':
			check_rev("--rev", a->rev = optarg);
			break;
		case 'f':
			/* doc history goes on from a revision. */
			if (strcmp(name, "doc history") == 0)
				check_rev("--from", a->from = optarg);
			else
				check_id("--from", a->from = optarg);
			break;
		case 'D':
			a->deleted = 1;
			break;
		case 'k':
			check_rev("--keep", a->keep = optarg);
			break;
		case 'a':
			if (a->attach == NULL)
				a->attach = json_array();
			json_array_append_new(a->attach,
			    attachment_arg(optarg));
			break;
		case 't':
			a->type = optarg;
			break;
		case 'x':
			if (a->detach == NULL)
				a->detach = json_array();
			json_array_append_new(a->detach, utf8("--detach",
			    optarg));
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'b':
			a->db = optarg;
			break;
		case 's':
			a->sign_as = optarg;
			break;
		}
	}
	if (strchr(cur_cmd->cc_opts, 'o') != NULL && a->out == NULL)
		bad("%s needs -o FILE (usage: %s %s)", name, name,
		    cur_cmd->cc_args);
	a->argc = argc - optind;
	a->argv = argv + optind;
	cmd_operands(a->argc);
}

/*
 * The reply to a doc command other than put: {cmd, db, id, name} from
 * its operands, and its options.
 */
static json_t *
doc_call(int argc, char **argv, struct doc_args *a)
{
	json_t	*req;
	char	 cmd[32];

	doc_args(argc, argv, a);
	req = json_pack("{s:o}", "db", utf8("DB", a->argv[0]));
	/* "doc get" -> "doc_get", the request's name. */
	snprintf(cmd, sizeof(cmd), "%s", cur_cmd->cc_name);
	cmd[strcspn(cmd, " ")] = '_';
	json_object_set_new(req, "cmd", json_string(cmd));
	if (a->argc > 1) {
		check_id("ID", a->argv[1]);
		json_object_set_new(req, "id", json_string(a->argv[1]));
	}
	if (a->argc > 2)
		json_object_set_new(req, "name", utf8("NAME", a->argv[2]));
	if (a->rev != NULL)
		json_object_set_new(req, "rev", json_string(a->rev));
	if (a->keep != NULL)
		json_object_set_new(req, "keep", json_string(a->keep));
	if (a->from != NULL)
		json_object_set_new(req, "from", json_string(a->from));
	if (a->deleted)
		json_object_set_new(req, "deleted", json_true());
	return call(req);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The signed_by of a doc put whose fields are req's, signed with the
 * personal key at path: every field the request sets or removes is
 * signed, as the revision will hold it (psig.h).
 */
static json_t *
doc_signed_by(json_t *req, const char *path)
{
	json_t		*fields = json_object_get(req, "fields"), *v, *sb;
	json_t		*list = json_array();
	Nodenet__Field	*f[PSIG_MAX_FIELDS];
	char		*names[PSIG_MAX_FIELDS], err[160];
	const char	*k;
	uint8_t		 digest[PSIG_DIGEST_BYTES];
	size_t		 n = 0, nf = 0;

	json_object_foreach(fields, k, v) {
		if (n == PSIG_MAX_FIELDS)
			bad("--sign-as: at most %d fields", PSIG_MAX_FIELDS);
		names[n++] = (char *)(uintptr_t)k;
	}
	if (n == 0)
		bad("--sign-as: no fields to sign");
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(list, json_string(names[i]));
		v = json_object_get(fields, names[i]);
		if (json_is_null(v))
			continue;	/* removed: signed as absent */
		if ((f[nf] = doc_view_field(names[i], v, err,
		    sizeof(err))) == NULL)
			bad("%s", err);
		nf++;
	}
	if (psig_doc_digest(json_string_value(json_object_get(req, "db")), f,
	    nf, names, n, digest) != 0)
		bad("--sign-as: field names must differ");
	for (size_t i = 0; i < nf; i++)
		doc_view_field_free(f[i]);
	sb = sign_as(path, digest);
	json_object_set_new(sb, "fields", list);
	return sb;
}

int
cmd_doc_put(int argc, char **argv)
{
	struct doc_args	 a;
	json_t		*req, *r, *fields = json_object();
	int		 k = 1;

	doc_args(argc, argv, &a);
	req = json_pack("{s:o, s:s}", "db", utf8("DB", a.argv[0]), "cmd",
	    "doc_put");
	if (a.argc > 1 && strchr(a.argv[1], '=') == NULL) {
		check_id("ID", a.argv[1]);
		json_object_set_new(req, "id", json_string(a.argv[1]));
		k = 2;
	}
	for (; k < a.argc; k++)
		parse_field(fields, a.argv[k]);
	json_object_set_new(req, "fields", fields);
	if (json_object_size(fields) == 0 && json_array_size(a.attach) == 0 &&
	    json_array_size(a.detach) == 0)
		read_put_json(req);
	for (size_t i = 0; a.type != NULL && i < json_array_size(a.attach);
	    i++)
		json_object_set_new(json_array_get(a.attach, i), "media_type",
		    utf8("--type", a.type));
	if (json_array_size(a.attach) > 0)
		json_object_set_new(req, "attach", a.attach);
	if (json_array_size(a.detach) > 0)
		json_object_set_new(req, "detach", a.detach);
	if (a.readers != NULL)
		json_object_set_new(req, "readers", split_list("--readers",
		    a.readers, 0));
	if (a.sign_as != NULL)
		json_object_set_new(req, "signed_by", doc_signed_by(req,
		    a.sign_as));
	r = call(req);
	if (!json_out)
		printf("%s %s\n", str(r, "id"), str(r, "rev"));
	json_decref(r);
	return 0;
}

/* Written into a new file, with --json as well. */
int
cmd_doc_attachment(int argc, char **argv)
{
	struct doc_args	 a;
	json_t		*r = doc_call(argc, argv, &a);

	write_attachment(r, a.out);
	json_decref(r);
	return 0;
}

int
cmd_doc_get(int argc, char **argv)
{
	struct doc_args	 a;
	json_t		*r = doc_call(argc, argv, &a), *v;
	const char	*k;
	size_t		 i;

	if (json_out)
		goto done;
	json_object_foreach(json_object_get(r, "fields"), k, v) {
		print_safe(k, 0);
		printf(": ");
		print_value(v);
		printf("\n");
	}
	printf("rev: %s\n", str(r, "rev"));
	if ((v = json_object_get(r, "signed_by")) != NULL) {
		print_signed("signed: ", v);
		printf("\n");
	}
	if (json_array_size(json_object_get(r, "readers")) > 0) {
		printf("readers: ");
		json_array_foreach(json_object_get(r, "readers"), i, v) {
			printf(i ? ", " : "");
			print_safe(json_string_value(v) != NULL ?
			    json_string_value(v) : "?", 0);
		}
		printf("\n");
	}
	json_array_foreach(json_object_get(r, "attachments"), i, v) {
		printf("attachment: ");
		print_safe(str(v, "name"), 0);
		printf(" (");
		print_safe(str(v, "media_type"), 0);
		printf(", %lld bytes, %lld of %lld chunks here)\n",
		    num(v, "size"), num(v, "held"), num(v, "chunks"));
	}
	if (json_is_true(json_object_get(r, "sealed")))
		printf("sealed: yes, opened here\n");
	if (json_is_true(json_object_get(r, "deleted")))
		printf("deleted: yes%s\n", json_is_true(json_object_get(r,
		    "purged")) ? " (purged)" : "");
	if (json_is_true(json_object_get(r, "purged"))) {
		printf("depth: %lld\n(the document is deleted, and purged "
		    "here: the records of its revisions are gone, with their "
		    "fields; doc history shows the tree that is left)\n",
		    num(r, "depth"));
		goto done;
	}
	printf("conflicts: ");
	print_revs(json_object_get(r, "conflicts"), 1);
	printf("\n");
	print_more(r, NULL, "", "the conflicts shown are those read");
done:
	json_decref(r);
	return 0;
}

/* print_more() for a doc command: "doc ls DB" (and ID). */
static void
doc_more(json_t *r, const struct doc_args *a, const char *tail,
    const char *what)
{
	char	cmd[160];

	snprintf(cmd, sizeof(cmd), "%s %s%s%s", cur_cmd->cc_name, a->argv[0],
	    a->argc > 1 ? " " : "", a->argc > 1 ? a->argv[1] : "");
	print_more(r, cmd, tail, what);
}

/* A page of doc ls, and where the next one starts. */
static void
print_page(json_t *r, const struct doc_args *a)
{
	json_t	*d;
	size_t	 i;

	printf("%-32s %-16s %5s %9s %-7s  %s\n", "ID", "REV", "DEPTH",
	    "CONFLICTS", "DELETED", "AUTHOR");
	json_array_foreach(json_object_get(r, "docs"), i, d) {
		printf("%-32s %-16.16s %5lld %9lld %-7s  ", str(d, "id"),
		    str(d, "rev"), num(d, "depth"), num(d, "conflicts"),
		    json_is_true(json_object_get(d, "deleted")) ? "yes" : "");
		print_safe(str(d, "author"), 0);
		printf("\n");
	}
	doc_more(r, a, a->deleted ? " --deleted" : "", NULL);
}

int
cmd_doc_ls(int argc, char **argv)
{
	struct doc_args	 a;
	json_t		*r = doc_call(argc, argv, &a);

	if (!json_out)
		print_page(r, &a);
	json_decref(r);
	return 0;
}

/* A revision's FLAGS column: "winner,leaf,deleted,purged", or "-". */
static void
history_flags(json_t *v, char *buf, size_t len)
{
	static const char *const names[] = {
		"winner", "leaf", "deleted", "purged"
	};

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_is_true(json_object_get(v, names[i])))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] != '\0' ? "," : "", names[i]);
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

/*
 * One line of doc history. A revision whose record is gone (purged) or
 * does not read back shows what the tree knows, and no time, origin or
 * parents: those were in the record.
 */
static void
history_line(json_t *v)
{
	char	flags[40];
	int	w;

	history_flags(v, flags, sizeof(flags));
	printf("%5lld %-64s %-26s ", num(v, "depth"), str(v, "rev"), flags);
	if (json_object_get(v, "created_ms") == NULL) {
		printf("%-24s %-20s %s\n", "-", "-", json_is_true(
		    json_object_get(v, "purged")) ? "? (record purged)" :
		    "? (record unreadable)");
		return;
	}
	w = print_iso(num(v, "created_ms"));
	printf("%*s", w < 25 ? 25 - w : 1, "");
	print_cell(str(v, "origin"), 20);
	printf(" ");
	print_revs(json_object_get(v, "parents"), 0);
	printf("\n");
	if (json_object_get(v, "signed_by") != NULL) {
		print_signed("      signed: ", json_object_get(v, "signed_by"));
		printf("\n");
	}
	/* Its content is for its readers: opened here, or why not. */
	if (json_object_get(v, "sealed") != NULL) {
		printf("      ");
		print_safe(strcmp(str(v, "sealed"), "opened") == 0 ?
		    "sealed, opened here" : str(v, "sealed"), 0);
		printf("\n");
	}
}

int
cmd_doc_history(int argc, char **argv)
{
	struct doc_args	 a;
	json_t		*r = doc_call(argc, argv, &a), *v;
	size_t		 i;

	if (json_out)
		goto done;
	if (json_is_true(json_object_get(r, "purged")))
		printf("(deleted, and purged here: the records of its "
		    "revisions are gone, and with them who wrote each, when, "
		    "and its parents; the tree is left: ids, depths, flags)\n");
	printf("%5s %-64s %-26s %-24s %-20s %s\n", "DEPTH", "REV", "FLAGS",
	    "CREATED", "ORIGIN", "PARENTS");
	json_array_foreach(json_object_get(r, "revs"), i, v)
		history_line(v);
	doc_more(r, &a, "", "those not read are not shown");
done:
	json_decref(r);
	return 0;
}

/* doc rm and doc resolve: a new revision, "VERB ID rev REV". */
static int
doc_revised(int argc, char **argv, const char *verb)
{
	struct doc_args	 a;
	json_t		*r = doc_call(argc, argv, &a);

	if (!json_out)
		printf("%s %s rev %s\n", verb, str(r, "id"), str(r, "rev"));
	json_decref(r);
	return 0;
}

int
cmd_doc_rm(int argc, char **argv)
{
	return doc_revised(argc, argv, "deleted");
}

int
cmd_doc_resolve(int argc, char **argv)
{
	return doc_revised(argc, argv, "resolved");
}

int
cmd_doc_conflicts(int argc, char **argv)
{
	struct doc_args	 a;
	json_t		*r = doc_call(argc, argv, &a), *d, *c;
	size_t		 i, j;

	if (json_out)
		goto done;
	printf("%-32s %-64s %s\n", "ID", "REV", "STATUS");
	json_array_foreach(json_object_get(r, "docs"), i, d) {
		printf("%-32s %-64s winner\n", str(d, "id"), str(d, "rev"));
		json_array_foreach(json_object_get(d, "conflicts"), j, c)
			printf("%-32s %-64s conflict\n", "",
			    json_string_value(c) != NULL ?
			    json_string_value(c) : "?");
	}
	if (json_array_size(json_object_get(r, "docs")) == 0 &&
	    json_object_get(r, "next") == NULL)
		printf("(no conflicts)\n");
	doc_more(r, &a, "", NULL);
done:
	json_decref(r);
	return 0;
}

/*
 * A line of doc import as a doc_put item: {"db", "id", "fields",
 * "readers", "key"}, db and key optional (arg: --db, or NULL). What the
 * node checks (names, ids, values) it says itself, with the line.
 */
static json_t *
import_item(size_t n, const char *buf, size_t len, json_t *o, void *arg,
    const char **why)
{
	static const char *const members[] = { "db", "id", "fields",
	    "readers", "key" };
	static char	 msg[128];
	const char	*name;
	json_t		*db = json_object_get(o, "db"), *v, *item;
	char		 key[BATCH_KEY_MAX], prefix[32];
	size_t		 i;

	json_object_foreach(o, name, v) {
		for (i = 0; i < sizeof(members) / sizeof(members[0]) &&
		    strcmp(name, members[i]) != 0; i++)
			;
		if (i == sizeof(members) / sizeof(members[0])) {
			snprintf(msg, sizeof(msg), "%.64s: not a member of a "
			    "line (db, id, fields, readers, key)", name);
			*why = msg;
			return NULL;
		}
	}
	if ((db != NULL && !json_is_string(db)) || (db == NULL &&
	    arg == NULL)) {
		*why = "db is needed, a string (or --db for the lines "
		    "without one)";
		return NULL;
	}
	if (!json_is_object(json_object_get(o, "fields"))) {
		*why = "fields is needed, an object";
		return NULL;
	}
	if ((v = json_object_get(o, "key")) != NULL && !json_is_string(v)) {
		*why = "key: a string";
		return NULL;
	}
	/*
	 * --db decides where a line without db goes: so it is in the key.
	 * The line's number leads, so that the keys of one file come in
	 * order and the node's key index is written in one place, not one
	 * page a line.
	 */
	snprintf(prefix, sizeof(prefix), "import:%010zu:", n);
	batch_line_key(prefix, n, buf, len, db == NULL ? arg : NULL, key);
	item = json_pack("{s:s, s:O, s:s}", "db", db != NULL ?
	    json_string_value(db) : (const char *)arg, "fields",
	    json_object_get(o, "fields"), "key", v != NULL ?
	    json_string_value(v) : key);
	if (item == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if ((v = json_object_get(o, "id")) != NULL)
		json_object_set(item, "id", v);
	if ((v = json_object_get(o, "readers")) != NULL)
		json_object_set(item, "readers", v);
	return item;
}

int
cmd_doc_import(int argc, char **argv)
{
	struct doc_args		a;
	struct batch_kind	k = { "doc import", "doc_put_batch",
	    "imported", "refused", "docs", import_item, NULL, 0 };

	doc_args(argc, argv, &a);
	if (a.db != NULL && !doc_db_name_valid(a.db))
		bad("--db: a database name is 1 to 64 of [a-z0-9._-]: %s",
		    a.db);
	k.bk_arg = (void *)(uintptr_t)a.db;
	return batch_file(&k, a.argv[0], RETRY_S_DEFAULT,
	    REPLY_TIMEOUT_MS / 1000);
}
