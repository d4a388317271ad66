/*
 * doc_flood: writes many documents to a running node, fast, for
 * bench/bench_docs.sh.
 *
 *   doc_flood SOCKET DB N [FIELD_BYTES]
 *
 * Connects a ZeroMQ REQ socket to ipc://SOCKET (a node's control socket)
 * and sends N "doc_put" requests for database DB, one new document each,
 * each waiting for its reply (the node commits each revision durably
 * before it replies). Document i (1..N) has the fields so = i (a number)
 * and ten, a text of FIELD_BYTES bytes (default 100, 1..DOC_MAX_VALUE)
 * that names it, padded with filler. Prints "ID REV" for each document
 * the node accepted (its document id and its revision's record id, in
 * hex as the node gives them), one line each, in order. Exit: 0 if all N
 * were accepted, 1 on the first error reply (printed on stderr), no reply
 * in time or a socket error, 2 on bad usage.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zmq.h>

#include "doc.h"

#define REPLY_TIMEOUT_MS	60000
#define N_MAX			10000000L

static void
usage(void)
{
	fprintf(stderr, "usage: doc_flood SOCKET DB N [FIELD_BYTES]\n");
	exit(2);
}

/* A positive decimal no greater than max, or usage(). */
static long
number(const char *s, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 1 || v > max)
		usage();
	return v;
}

/*
 * Sends document i and waits for its reply: 0 if the node accepted it
 * (its "ID REV" printed), -1 (said on stderr) otherwise.
 */
static int
put(void *s, const char *db, long i, char *text, size_t cap)
{
	static const char filler[] = "the quick brown fox jumps over the "
	    "lazy dog ";
	char		*out;
	size_t		 len;
	json_t		*req, *reply;
	json_error_t	 jerr;
	zmq_msg_t	 msg;
	const char	*id, *rev, *e;
	int		 rc = -1;

	/* text holds cap bytes and a NUL; the name is cut to fit. */
	len = (size_t)snprintf(text, cap + 1, "document %ld ", i);
	for (size_t k = len; k < cap; k++)
		text[k] = filler[(k - len) % (sizeof(filler) - 1)];
	text[cap] = '\0';
	req = json_pack("{s:s, s:s, s:{s:I, s:s}}", "cmd", "doc_put", "db",
	    db, "fields", "so", (json_int_t)i, "ten", text);
	if (req == NULL) {
		fprintf(stderr, "doc_flood: cannot build request %ld (is DB "
		    "UTF-8?)\n", i);
		return -1;
	}
	out = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (out == NULL) {
		fprintf(stderr, "doc_flood: out of memory\n");
		return -1;
	}
	if (zmq_send(s, out, strlen(out), 0) == -1) {
		fprintf(stderr, "doc_flood: send %ld: %s\n", i,
		    zmq_strerror(errno));
		free(out);
		return -1;
	}
	free(out);
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, s, 0) == -1) {
		fprintf(stderr, "doc_flood: no reply to document %ld within "
		    "%d s: %s\n", i, REPLY_TIMEOUT_MS / 1000,
		    zmq_strerror(errno));
		zmq_msg_close(&msg);
		return -1;
	}
	reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	zmq_msg_close(&msg);
	if (reply == NULL || !json_is_object(reply)) {
		fprintf(stderr, "doc_flood: reply to document %ld is not a "
		    "JSON object\n", i);
		goto out;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		e = json_string_value(json_object_get(reply, "error"));
		fprintf(stderr, "doc_flood: document %ld refused: %s\n", i,
		    e != NULL ? e : "(no error given)");
		goto out;
	}
	id = json_string_value(json_object_get(reply, "id"));
	rev = json_string_value(json_object_get(reply, "rev"));
	if (id == NULL || rev == NULL) {
		fprintf(stderr, "doc_flood: reply to document %ld has no id "
		    "or rev\n", i);
		goto out;
	}
	printf("%s %s\n", id, rev);
	rc = 0;
out:
	json_decref(reply);
	return rc;
}

int
main(int argc, char **argv)
{
	char		*ep, *text;
	size_t		 cap = 100, eplen;
	void		*ctx, *s;
	long		 n;
	int		 timeout = REPLY_TIMEOUT_MS, linger = 0, status = 0;
	struct stat	 sb;

	if (argc < 4 || argc > 5)
		usage();
	n = number(argv[3], N_MAX);
	if (argc == 5)
		cap = (size_t)number(argv[4], (long)DOC_MAX_VALUE);
	if (stat(argv[1], &sb) == -1 || !S_ISSOCK(sb.st_mode)) {
		fprintf(stderr, "doc_flood: no node listening on %s\n",
		    argv[1]);
		return 1;
	}
	eplen = strlen(argv[1]) + sizeof("ipc://");
	if ((ep = malloc(eplen)) == NULL || (text = malloc(cap + 1)) ==
	    NULL) {
		fprintf(stderr, "doc_flood: out of memory\n");
		return 1;
	}
	snprintf(ep, eplen, "ipc://%s", argv[1]);
	if ((ctx = zmq_ctx_new()) == NULL || (s = zmq_socket(ctx,
	    ZMQ_REQ)) == NULL) {
		fprintf(stderr, "doc_flood: zmq: %s\n", zmq_strerror(errno));
		return 1;
	}
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(s, ep) != 0) {
		fprintf(stderr, "doc_flood: %s: %s\n", argv[1],
		    zmq_strerror(errno));
		status = 1;
	}
	for (long i = 1; status == 0 && i <= n; i++)
		if (put(s, argv[2], i, text, cap) != 0)
			status = 1;
	if (fflush(stdout) != 0)
		status = 1;
	zmq_close(s);
	zmq_ctx_term(ctx);
	free(ep);
	free(text);
	return status;
}
