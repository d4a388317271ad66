/*
 * mail_flood: submits many messages to a running node, fast, for the
 * integration tests (tests/integration/kill_receiver.sh).
 *
 *   mail_flood SOCKET FROM TO N [PREFIX [SIZE]]
 *
 * Connects a ZeroMQ REQ socket to ipc://SOCKET (a node's control socket)
 * and sends N "send" requests, one JSON object per message as node-ctl
 * does, each waiting for its reply (the node commits each message
 * durably before it replies). Message i (1..N) has the subject
 * "PREFIX-%06d" (PREFIX defaults to "flood"), so every subject is unique
 * and a checker can tell which ones arrived. Its text is one line that
 * names it; with SIZE (1..MAIL_MAX_TEXT) the text is exactly SIZE bytes,
 * that line padded with filler or cut, for bench/bench_hop.sh. With
 * MAIL_FLOOD_PRIORITY=urgent|normal|bulk in the environment the messages
 * go at that priority (tests/integration/priority.sh). With
 * MAIL_FLOOD_KEYS=1 each request carries its subject as its idempotency
 * key, MAIL_FLOOD_FIRST=K starts at message K instead of 1, and
 * MAIL_FLOOD_TIMEOUT_MS=T waits T ms for a reply instead of 60 s
 * (tests/integration/submit_crash.sh: a node killed mid-run). The
 * messages go clear (the request's "clear"), so a test may read them
 * from a stopped store with mdb_dump (kill_receiver.sh); with
 * MAIL_FLOOD_SEALED=1 they are sealed, as a node seals by default
 * (bench/bench_seal.sh). Prints
 * the number of messages the node accepted on stdout. Exit: 0 if all N
 * were accepted, 1 on an error reply, no reply in time or a socket error
 * (after printing how many were accepted before it), 2 on bad usage.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zmq.h>

#include "ctl_proto.h"

#define REPLY_TIMEOUT_MS	60000
#define N_MAX			10000000L

/* A positive number from the environment, or def. */
static long
env_long(const char *name, long def)
{
	const char	*v = getenv(name);
	char		*end;
	long		 l;

	if (v == NULL)
		return def;
	errno = 0;
	l = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v || l < 1 || l > N_MAX) {
		fprintf(stderr, "mail_flood: bad %s: %s\n", name, v);
		exit(2);
	}
	return l;
}

/* The request's priority from MAIL_FLOOD_PRIORITY: 0 normal, 1, 2. */
static int
priority(void)
{
	const char	*p = getenv("MAIL_FLOOD_PRIORITY");

	if (p != NULL && strcmp(p, "urgent") == 0)
		return 1;
	if (p != NULL && strcmp(p, "bulk") == 0)
		return 2;
	return 0;
}


static void
usage(void)
{
	fprintf(stderr, "usage: mail_flood SOCKET FROM TO N [PREFIX [SIZE]]\n");
	exit(2);
}

/*
 * Sends request i and waits for its reply: 0 if the node accepted the
 * message, -1 (said on stderr) otherwise.
 */
static int
submit(void *s, const char *from, const char *to, const char *prefix,
    long i, char *text, size_t cap, int pad)
{
	static const char filler[] = "the quick brown fox jumps over the "
	    "lazy dog\n";
	char		 subject[256];
	char		*out;
	size_t		 len;
	json_t		*req, *reply;
	json_error_t	 jerr;
	zmq_msg_t	 msg;
	int		 rc;

	snprintf(subject, sizeof(subject), "%s-%06ld", prefix, i);
	/* text holds cap bytes and a NUL; the line is cut to fit. */
	len = (size_t)snprintf(text, cap + 1, "Message %ld of a flood "
	    "(%s).\n", i, subject);
	if (pad) {
		for (size_t k = len; k < cap; k++)
			text[k] = filler[(k - len) % (sizeof(filler) - 1)];
		text[cap] = '\0';
	}
	req = json_pack("{s:s, s:s, s:[s], s:s, s:s, s:i}", "cmd", "send",
	    "from", from, "to", to, "subject", subject, "text", text,
	    "priority", priority());
	if (req != NULL && getenv("MAIL_FLOOD_KEYS") != NULL)
		json_object_set_new(req, "key", json_string(subject));
	if (req != NULL && getenv("MAIL_FLOOD_SEALED") == NULL)
		json_object_set_new(req, "clear", json_true());
	if (req == NULL) {
		fprintf(stderr, "mail_flood: cannot build request %ld (are "
		    "FROM, TO and PREFIX UTF-8?)\n", i);
		return -1;
	}
	out = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (out == NULL) {
		fprintf(stderr, "mail_flood: out of memory\n");
		return -1;
	}
	rc = zmq_send(s, out, strlen(out), 0);
	free(out);
	if (rc == -1) {
		fprintf(stderr, "mail_flood: send %ld: %s\n", i,
		    zmq_strerror(errno));
		return -1;
	}
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, s, 0) == -1) {
		fprintf(stderr, "mail_flood: no reply to message %ld: %s\n",
		    i, zmq_strerror(errno));
		zmq_msg_close(&msg);
		return -1;
	}
	reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	zmq_msg_close(&msg);
	if (reply == NULL || !json_is_object(reply)) {
		fprintf(stderr, "mail_flood: reply to message %ld is not a "
		    "JSON object\n", i);
		json_decref(reply);
		return -1;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char	*e = json_string_value(json_object_get(reply,
		    "error"));

		fprintf(stderr, "mail_flood: message %ld refused: %s\n", i,
		    e != NULL ? e : "(no error given)");
		json_decref(reply);
		return -1;
	}
	json_decref(reply);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*prefix = "flood";
	char		*ep, *end, *text;
	size_t		 cap = 319;
	int		 pad = 0;
	void		*ctx, *s;
	long		 n, accepted = 0;
	int		 timeout, linger = 0, status = 0;
	size_t		 eplen;
	struct stat	 sb;

	if (argc < 5 || argc > 7)
		usage();
	errno = 0;
	n = strtol(argv[4], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[4] || n < 1 ||
	    n > N_MAX)
		usage();
	if (argc >= 6)
		prefix = argv[5];
	if (argc == 7) {
		long	v;

		errno = 0;
		v = strtol(argv[6], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[6] || v < 1 ||
		    v > (long)MAIL_MAX_TEXT)
			usage();
		cap = (size_t)v;
		pad = 1;
	}
	/* Without SIZE the line is cut at 319 bytes, as it always was. */
	if ((text = malloc(cap + 1)) == NULL) {
		fprintf(stderr, "mail_flood: out of memory\n");
		return 1;
	}
	if (stat(argv[1], &sb) == -1 || !S_ISSOCK(sb.st_mode)) {
		fprintf(stderr, "mail_flood: no node listening on %s\n",
		    argv[1]);
		printf("0\n");
		return 1;
	}
	eplen = strlen(argv[1]) + sizeof("ipc://");
	if ((ep = malloc(eplen)) == NULL) {
		fprintf(stderr, "mail_flood: out of memory\n");
		return 1;
	}
	snprintf(ep, eplen, "ipc://%s", argv[1]);
	if ((ctx = zmq_ctx_new()) == NULL || (s = zmq_socket(ctx,
	    ZMQ_REQ)) == NULL) {
		fprintf(stderr, "mail_flood: zmq: %s\n", zmq_strerror(errno));
		free(ep);
		return 1;
	}
	timeout = (int)env_long("MAIL_FLOOD_TIMEOUT_MS", REPLY_TIMEOUT_MS);
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(s, ep) != 0) {
		fprintf(stderr, "mail_flood: %s: %s\n", argv[1],
		    zmq_strerror(errno));
		status = 1;
	}
	for (long i = env_long("MAIL_FLOOD_FIRST", 1); status == 0 && i <= n;
	    i++) {
		if (submit(s, argv[2], argv[3], prefix, i, text, cap,
		    pad) != 0)
			status = 1;
		else
			accepted++;
	}
	printf("%ld\n", accepted);
	zmq_close(s);
	zmq_ctx_term(ctx);
	free(ep);
	free(text);
	return status;
}
