/*
 * node-ctl/batch.c: a file of JSON lines sent to the node in batch
 * requests: send --batch (a message a line) and doc import (a document
 * a line).
 *
 * FILE (or - for stdin) holds one JSON object a line; the command's
 * batch_kind makes each into an item of its batch request (send_batch,
 * doc_put_batch), and the items go in requests of up to CTL_MAX_BATCH
 * items and about a quarter of the request limit, each committed once
 * for all its items. Each item has its idempotency key: the line's
 * "key", or one made of the line's number and bytes (batch_line_key()),
 * so the same file sent again stores nothing twice; a lost reply is
 * asked for again as send's are (send_attempt()).
 * A terminal sees progress; the end, a summary, and the lines that
 * failed on stderr. Exit 0 if every line was taken (now or before), 1
 * if any failed, EXIT_UNKNOWN if the node's answer for some is unknown.
 */
#include "esc.h"
#include "node-ctl.h"

#define CHUNK_BYTES	(CTL_MAX_REQUEST / 4)
#define LINE_MAX_BYTES	(CTL_MAX_REQUEST / 2)	/* with room for the rest */
#define ERRORS_SHOWN	100	/* failed lines listed */

struct batch {
	const struct batch_kind	*k;
	json_t		*items;		/* the request being filled */
	size_t		 bytes;		/* its items, as JSON */
	size_t		 lines[CTL_MAX_BATCH];	/* each item's line */
	char		*wheres[CTL_MAX_BATCH];	/* or what names it */
	size_t		 done, before, same, failed, shown;
	int		 unknown;	/* a request got no answer */
	struct attempts	 a;
	int		 retry_s;
	uint64_t	 t0, shown_ms;
	json_t		*errors;	/* --json: {"line", "error"} */
	struct batch_meter m;
};

/* Item line (or where, if not NULL) failed: counted, and said why. */
void
batch_fail(struct batch *b, size_t line, const char *where, const char *why)
{
	char	safe[256], wsafe[256];

	b->failed++;
	esc_str(safe, sizeof(safe), why, 0);
	if (where != NULL)
		esc_str(wsafe, sizeof(wsafe), where, 0);
	if (json_out)
		json_array_append_new(b->errors, where != NULL ?
		    json_pack("{s:s, s:s}", "where", wsafe, "error", safe) :
		    json_pack("{s:I, s:s}", "line", (json_int_t)line, "error",
		    safe));
	else if (b->shown++ < ERRORS_SHOWN && where != NULL)
		fprintf(stderr, "node-ctl: %s: %s\n", wsafe, safe);
	else if (b->shown <= ERRORS_SHOWN)	/* counted just above */
		fprintf(stderr, "node-ctl: line %zu: %s\n", line, safe);
}

void
batch_line_key(const char *prefix, size_t n, const char *buf, size_t len,
    const char *also, char key[BATCH_KEY_MAX])
{
	crypto_generichash_state	st;
	uint8_t				h[16];
	char				num[24];
	size_t				plen = strnlen(prefix,
					    BATCH_KEY_MAX - 33);

	snprintf(num, sizeof(num), "%zu:", n);
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)num, strlen(num));
	crypto_generichash_update(&st, (const uint8_t *)buf, len);
	if (also != NULL) {
		/* After the bytes, NUL-led: no line's bytes end that way. */
		crypto_generichash_update(&st, (const uint8_t *)"", 1);
		crypto_generichash_update(&st, (const uint8_t *)also,
		    strlen(also));
	}
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(key, prefix, plen);
	sodium_bin2hex(key + plen, 2 * sizeof(h) + 1, h, sizeof(h));
}

/* Line n, buf[0..len), as an item, or NULL with why. */
static json_t *
line_item(const struct batch *b, size_t n, const char *buf, size_t len,
    const char **why)
{
	static char	 msg[200];
	json_error_t	 jerr;
	json_t		*o, *item;

	if (len > LINE_MAX_BYTES) {
		snprintf(msg, sizeof(msg), "over %d bytes, more than one "
		    "request carries with others", LINE_MAX_BYTES);
		*why = msg;
		return NULL;
	}
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(msg, sizeof(msg), "not a JSON object: %s (column %d)",
		    jerr.text, jerr.column);
		*why = msg;
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		*why = "not a JSON object";
		return NULL;
	}
	item = b->k->bk_item(n, buf, len, o, b->k->bk_arg, why);
	json_decref(o);
	return item;
}

struct batch_meter *
batch_meter(struct batch *b)
{
	return &b->m;
}

/*
 * On a terminal: what is done, the rate, and with a meter's totals the
 * bytes and the time left, at most every 0.2 s (and at the end, last).
 */
static void
progress(struct batch *b, int last)
{
	uint64_t	now = clock_mono_ms();
	double		s = (double)(now - b->t0) / 1000.0, left;
	size_t		n = b->done + b->failed;

	if (json_out || !isatty(STDERR_FILENO) ||
	    (!last && now - b->shown_ms < 200))
		return;
	b->shown_ms = now;
	fprintf(stderr, "\r%s %zu, %s %zu, %.0f %s/s", b->k->bk_done,
	    b->done, b->k->bk_failed, b->failed, s > 0 ? (double)b->done / s :
	    0.0, b->k->bk_unit);
	if (b->m.total > 0) {
		fprintf(stderr, ", %zu of %zu, %zu attachments, %.1f of %.1f "
		    "MB, %.1f MB/s", n, b->m.total, b->m.atts,
		    (double)b->m.bytes / 1e6, (double)b->m.total_bytes / 1e6,
		    s > 0 ? (double)b->m.bytes / 1e6 / s : 0.0);
		/* By bytes: an attachment takes long, a small document not. */
		if (b->m.bytes > 0 && b->m.bytes < b->m.total_bytes) {
			left = s * (double)(b->m.total_bytes - b->m.bytes) /
			    (double)b->m.bytes;
			fprintf(stderr, ", %.0f s left", left);
		}
	}
	fprintf(stderr, " \033[K");
}

/* Counts the reply o to item i (NULL: none came for it). */
static void
tally(struct batch *b, size_t i, json_t *o)
{
	/* Both replies have an id: a message's, a document's. */
	if (json_object_get(o, "id") == NULL) {
		batch_fail(b, b->lines[i], b->wheres[i], o == NULL ?
		    "not tried: an item before it failed" : str(o, "error"));
		return;
	}
	b->done++;
	b->before += json_is_true(json_object_get(o, "duplicate"));
	b->same += json_is_true(json_object_get(o, "unchanged"));
}

/* Sends req, whose n items are those gathered, then counts the replies:
 * batch is 1 if req is the kind's batch request, 0 for one item. */
static void
send_counted(struct batch *b, json_t *req, size_t n, int batch)
{
	json_t	*r;
	size_t	 i;

	b->a.until = clock_mono_ms() + (uint64_t)b->retry_s * 1000;
	if ((r = send_attempt(req, &b->a)) == NULL) {
		/* Safe to run again: every line has its key. */
		b->unknown = 1;
		for (i = 0; i < n; i++)
			batch_fail(b, b->lines[i], b->wheres[i], "no reply "
			    "from the node: it may or may not be stored; run "
			    "the same command again to find out without "
			    "storing twice");
	} else if (!json_is_true(json_object_get(r, "ok")))
		for (i = 0; i < n; i++)
			batch_fail(b, b->lines[i], b->wheres[i],
			    str(r, "error"));
	else
		for (i = 0; i < n; i++)
			tally(b, i, batch ? json_array_get(json_object_get(r,
			    "results"), i) : r);
	json_decref(r);
	json_decref(req);
	for (i = 0; i < n; i++) {
		free(b->wheres[i]);
		b->wheres[i] = NULL;
	}
	progress(b, 0);
}

/* Sends the items gathered, then counts what came back. */
static void
flush(struct batch *b)
{
	size_t	 n = json_array_size(b->items);

	if (n == 0)
		return;
	send_counted(b, json_pack("{s:s, s:o}", "cmd", b->k->bk_cmd, "items",
	    b->items), n, 1);
	b->items = json_array();
	b->bytes = 0;
}

void
batch_add(struct batch *b, size_t line, const char *where, json_t *item,
    size_t len)
{
	size_t	i = json_array_size(b->items);

	b->lines[i] = line;
	b->wheres[i] = where != NULL ? xstrdup(where) : NULL;
	b->bytes += len;
	json_array_append_new(b->items, item);
	if (i + 1 == CTL_MAX_BATCH || b->bytes >= CHUNK_BYTES)
		flush(b);
}

void
batch_single(struct batch *b, size_t line, const char *where, json_t *req)
{
	flush(b);	/* in order: a later item may be of the same document */
	b->lines[0] = line;
	b->wheres[0] = where != NULL ? xstrdup(where) : NULL;
	send_counted(b, req, 1, 0);
}

/*
 * The last line. A kind whose items are whole documents (bk_whole) says
 * which were written now and which were there already (unchanged: the
 * same again, or a key seen before).
 */
static void
summary(struct batch *b)
{
	double	s = (double)(clock_mono_ms() - b->t0) / 1000.0;
	size_t	new = b->done - b->before - b->same;
	json_t	*o;
	char	*text;

	progress(b, 1);
	if (!json_out && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	if (!json_out && b->k->bk_whole)
		printf("%zu %s, %zu unchanged (%zu of them by their key), "
		    "%zu %s, %zu attachments, %.1f MB, %.1f s, %.0f %s/s, "
		    "%.1f MB/s\n", new, b->k->bk_done, b->before + b->same,
		    b->before, b->failed, b->k->bk_failed, b->m.atts,
		    (double)b->m.bytes / 1e6, s, s > 0 ? (double)(b->done +
		    b->failed) / s : 0.0, b->k->bk_unit, s > 0 ?
		    (double)b->m.bytes / 1e6 / s : 0.0);
	else if (!json_out)
		printf("%zu %s (%zu of them before, not again), %zu %s, "
		    "%.1f s, %.0f %s/s\n", b->done, b->k->bk_done, b->before,
		    b->failed, b->k->bk_failed, s, s > 0 ? (double)b->done /
		    s : 0.0, b->k->bk_unit);
	if (!json_out)
		return;
	o = json_pack("{s:b, s:I, s:I, s:I, s:O}", "ok", b->failed == 0,
	    b->k->bk_done, (json_int_t)(b->k->bk_whole ? new :
	    b->done), "before", (json_int_t)b->before, b->k->bk_failed,
	    (json_int_t)b->failed, "errors", b->errors);
	if (b->k->bk_whole) {
		json_object_set_new(o, "unchanged", json_integer(
		    (json_int_t)(b->before + b->same)));
		json_object_set_new(o, "attachments", json_integer(
		    (json_int_t)b->m.atts));
		json_object_set_new(o, "bytes", json_integer(
		    (json_int_t)b->m.bytes));
		json_object_set_new(o, "seconds", json_real(s));
	}
	text = json_dumps(o, JSON_INDENT(2));
	printf("%s\n", text);
	free(text);
	json_decref(o);
}

struct batch *
batch_new(const struct batch_kind *k, int retry_s, int timeout_s)
{
	struct batch	*b = xcalloc(1, sizeof(*b));

	if (data_dir != NULL)
		die("%s writes: it needs a running node, not -d", k->bk_what);
	if (sodium_init() == -1)
		die("libsodium would not start");
	b->k = k;
	b->retry_s = retry_s;
	b->items = json_array();
	b->errors = json_array();
	b->a.key = "(one a line)";
	b->a.timeout_ms = timeout_s * 1000;
	b->a.client = ctl_client_new(sock_path, b->a.timeout_ms);
	b->t0 = clock_mono_ms();
	return b;
}

int
batch_end(struct batch *b)
{
	int	rc;

	flush(b);
	summary(b);
	rc = b->unknown ? EXIT_UNKNOWN : b->failed > 0;
	ctl_client_free(&b->a.client);
	json_decref(b->items);
	json_decref(b->errors);
	free(b);
	return rc;
}

int
batch_file(const struct batch_kind *k, const char *path, int retry_s,
    int timeout_s)
{
	struct batch	*b;
	FILE		*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char		*line = NULL;
	size_t		 cap = 0, n = 0;
	ssize_t		 len;
	json_t		*item;
	const char	*why;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	b = batch_new(k, retry_s, timeout_s);
	while ((len = getline(&line, &cap, f)) != -1) {
		n++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((item = line_item(b, n, line, (size_t)len, &why)) == NULL)
			batch_fail(b, n, NULL, why);
		else
			batch_add(b, n, NULL, item, (size_t)len);
	}
	if (ferror(f))
		die("%s: read error", path);
	free(line);
	if (f != stdin)
		fclose(f);
	return batch_end(b);
}

/* A line of send --batch as a send item, or NULL with why. */
static json_t *
send_item(size_t n, const char *buf, size_t len, json_t *o, void *arg,
    const char **why)
{
	static const char *const prios[] = { "normal", "urgent", "bulk" };
	json_t		*item, *to, *v;
	char		 key[BATCH_KEY_MAX];
	int		 prio = 0;

	(void)arg;
	to = json_object_get(o, "to");
	to = json_is_string(to) ? json_pack("[O]", to) : json_incref(to);
	if ((v = json_object_get(o, "priority")) != NULL)
		for (prio = 0; prio < 3 && (!json_is_string(v) ||
		    strcmp(json_string_value(v), prios[prio]) != 0); prio++)
			;
	batch_line_key("batch:", n, buf, len, NULL, key);
	item = json_pack("{s:O?, s:o?, s:O?, s:O?, s:b, s:b, s:i, s:s}",
	    "from", json_object_get(o, "from"), "to", to, "subject",
	    json_object_get(o, "subject"), "text", json_object_get(o, "text"),
	    "receipt", json_is_true(json_object_get(o, "receipt")),
	    "clear", json_is_true(json_object_get(o, "clear")),
	    "priority", prio, "key", key);
	if (item != NULL && json_is_string(json_object_get(o, "key")))
		json_object_set(item, "key", json_object_get(o, "key"));
	if (item != NULL && json_is_integer(v = json_object_get(o,
	    "expires")) && json_integer_value(v) > 0)
		json_object_set_new(item, "expires_ms", json_integer(
		    (json_int_t)clock_wall_ms() + json_integer_value(v) * 1000));
	*why = prio == 3 ? "priority: urgent, normal or bulk" :
	    "from, to, subject and text are needed";
	if (item != NULL && prio < 3 && json_is_string(json_object_get(item,
	    "from")) && json_is_array(json_object_get(item, "to")) &&
	    json_is_string(json_object_get(item, "subject")) &&
	    json_is_string(json_object_get(item, "text")))
		return item;
	json_decref(item);
	return NULL;
}

int
send_batch_file(const char *path, int retry_s, int timeout_s)
{
	static const struct batch_kind	k = { "send --batch", "send_batch",
	    "sent", "failed", "messages", send_item, NULL, 0 };

	return batch_file(&k, path, retry_s, timeout_s);
}
