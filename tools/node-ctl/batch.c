/*
 * node-ctl/batch.c: send --batch FILE, many messages at once.
 *
 * FILE (or - for stdin) holds one JSON object a line, send's fields:
 * "from", "to" (an address or a list of them), "subject", "text", and
 * optionally "key", "receipt" (true), "priority" ("urgent", "normal",
 * "bulk") and "expires" (seconds). They go to the node in send_batch
 * requests of up to CTL_MAX_BATCH items and about a quarter of the
 * request limit, each committed once for all its messages. Each item
 * has its idempotency key: the line's "key", or one made of the line's
 * number and bytes, so the same file sent again stores nothing twice; a
 * lost reply is asked for again as send's are (send_attempt()).
 * A terminal sees progress; the end, a summary, and the lines that
 * failed on stderr. Exit 0 if every line was sent (now or before), 1 if
 * any failed, EXIT_UNKNOWN if the node's answer for some is unknown.
 */
#include "esc.h"
#include "node-ctl.h"

#define CHUNK_BYTES	(CTL_MAX_REQUEST / 4)
#define ERRORS_SHOWN	100	/* failed lines listed */

struct batch {
	json_t		*items;		/* the request being filled */
	size_t		 bytes;		/* its items, as JSON */
	size_t		 first_line;	/* of its first item */
	size_t		 lines[CTL_MAX_BATCH];	/* each item's line */
	size_t		 sent, before, failed, shown;
	int		 unknown;	/* a request got no answer */
	struct attempts	 a;
	int		 retry_s;
	uint64_t	 t0;
	json_t		*errors;	/* --json: {"line", "error"} */
};

static void
line_failed(struct batch *b, size_t line, const char *why)
{
	char	safe[256];

	b->failed++;
	esc_str(safe, sizeof(safe), why, 0);
	if (json_out)
		json_array_append_new(b->errors, json_pack("{s:I, s:s}",
		    "line", (json_int_t)line, "error", safe));
	else if (b->shown++ < ERRORS_SHOWN)
		fprintf(stderr, "node-ctl: line %zu: %s\n", line, safe);
}

/* The key of line n whose bytes are buf[0..len): the same every run. */
static void
line_key(size_t n, const char *buf, size_t len, char key[48])
{
	crypto_generichash_state	st;
	uint8_t				h[16];
	char				num[24];

	snprintf(num, sizeof(num), "%zu:", n);
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)num, strlen(num));
	crypto_generichash_update(&st, (const uint8_t *)buf, len);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(key, "batch:", 6);
	sodium_bin2hex(key + 6, 33, h, sizeof(h));
}

/* Line n as a send item, or NULL with why. */
static json_t *
line_item(size_t n, const char *buf, size_t len, const char **why)
{
	static const char *const prios[] = { "normal", "urgent", "bulk" };
	json_t		*o, *item, *to, *v;
	char		 key[48];
	int		 prio = 0;

	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(o)) {
		json_decref(o);
		*why = "not a JSON object";
		return NULL;
	}
	to = json_object_get(o, "to");
	to = json_is_string(to) ? json_pack("[O]", to) : json_incref(to);
	if ((v = json_object_get(o, "priority")) != NULL)
		for (prio = 0; prio < 3 && (!json_is_string(v) ||
		    strcmp(json_string_value(v), prios[prio]) != 0); prio++)
			;
	line_key(n, buf, len, key);
	item = json_pack("{s:O?, s:o?, s:O?, s:O?, s:b, s:i, s:s}", "from",
	    json_object_get(o, "from"), "to", to, "subject",
	    json_object_get(o, "subject"), "text", json_object_get(o, "text"),
	    "receipt", json_is_true(json_object_get(o, "receipt")),
	    "priority", prio, "key", key);
	if (item != NULL && json_is_string(json_object_get(o, "key")))
		json_object_set(item, "key", json_object_get(o, "key"));
	if (item != NULL && json_is_integer(v = json_object_get(o,
	    "expires")) && json_integer_value(v) > 0)
		json_object_set_new(item, "expires_ms", json_integer(
		    (json_int_t)clock_wall_ms() + json_integer_value(v) * 1000));
	json_decref(o);
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

static void
progress(const struct batch *b)
{
	double	s = (double)(clock_mono_ms() - b->t0) / 1000.0;

	if (json_out || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rsent %zu, failed %zu, %.0f messages/s ", b->sent,
	    b->failed, s > 0 ? (double)b->sent / s : 0.0);
}

/* Sends the items gathered, then counts what came back. */
static void
flush(struct batch *b)
{
	json_t	*req, *r, *res;
	size_t	 n = json_array_size(b->items), i;

	if (n == 0)
		return;
	req = json_pack("{s:s, s:o}", "cmd", "send_batch", "items", b->items);
	b->items = json_array();
	b->bytes = 0;
	b->a.until = clock_mono_ms() + (uint64_t)b->retry_s * 1000;
	if ((r = send_attempt(req, &b->a)) == NULL) {
		/* Safe to run again: every line has its key. */
		b->unknown = 1;
		for (i = 0; i < n; i++)
			line_failed(b, b->lines[i], "no reply from the node: "
			    "it may or may not be stored; run the same command "
			    "again to find out without sending twice");
	} else if (!json_is_true(json_object_get(r, "ok"))) {
		for (i = 0; i < n; i++)
			line_failed(b, b->lines[i], str(r, "error"));
	} else {
		res = json_object_get(r, "results");
		for (i = 0; i < n; i++) {
			json_t	*o = json_array_get(res, i);

			if (json_object_get(o, "id") == NULL)
				line_failed(b, b->lines[i], o == NULL ?
				    "not tried: an item before it failed" :
				    str(o, "error"));
			else {
				b->sent++;
				b->before += json_is_true(json_object_get(o,
				    "duplicate"));
			}
		}
	}
	json_decref(r);
	json_decref(req);
	progress(b);
}

static void
summary(struct batch *b)
{
	double	s = (double)(clock_mono_ms() - b->t0) / 1000.0;
	json_t	*o;
	char	*text;

	if (!json_out && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	if (!json_out) {
		printf("%zu sent (%zu of them before, not again), %zu failed, "
		    "%.1f s, %.0f messages/s\n", b->sent, b->before, b->failed,
		    s, s > 0 ? (double)b->sent / s : 0.0);
		return;
	}
	o = json_pack("{s:b, s:I, s:I, s:I, s:O}", "ok", b->failed == 0,
	    "sent", (json_int_t)b->sent, "before", (json_int_t)b->before,
	    "failed", (json_int_t)b->failed, "errors", b->errors);
	text = json_dumps(o, JSON_INDENT(2));
	printf("%s\n", text);
	free(text);
	json_decref(o);
}

int
send_batch_file(const char *path, int retry_s, int timeout_s)
{
	struct batch	 b = { .retry_s = retry_s };
	FILE		*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char		*line = NULL;
	size_t		 cap = 0, n = 0;
	ssize_t		 len;
	json_t		*item;
	const char	*why;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if (data_dir != NULL)
		die("send --batch writes: it needs a running node, not -d");
	b.items = json_array();
	b.errors = json_array();
	b.a.key = "(one a line)";
	b.a.timeout_ms = timeout_s * 1000;
	b.t0 = clock_mono_ms();
	while ((len = getline(&line, &cap, f)) != -1) {
		n++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((item = line_item(n, line, (size_t)len, &why)) == NULL) {
			line_failed(&b, n, why);
			continue;
		}
		b.lines[json_array_size(b.items)] = n;
		b.bytes += (size_t)len;
		json_array_append_new(b.items, item);
		if (json_array_size(b.items) == CTL_MAX_BATCH ||
		    b.bytes >= CHUNK_BYTES)
			flush(&b);
	}
	if (ferror(f))
		die("%s: read error", path);
	flush(&b);
	summary(&b);
	free(line);
	json_decref(b.items);
	json_decref(b.errors);
	if (f != stdin)
		fclose(f);
	return b.unknown ? EXIT_UNKNOWN : b.failed > 0;
}
