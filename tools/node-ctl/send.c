/*
 * node-ctl/send.c: send, the one write a client may repeat safely.
 *
 * Every request carries an idempotency key: the user's --key, or a
 * random one made here. A reply lost to a timeout, a broken connection
 * or a node that is down (restarting) is asked for again with the same
 * key, until --retry seconds have passed since the first attempt: a node
 * that holds the key answers with the first message's id and writes
 * nothing (proto/control.md, "Retries"), so the message is stored once
 * however often it is asked. When no attempt got an answer and one may
 * have reached the node, the outcome is not known: send says so, with
 * the key that finds it out, and exits EXIT_UNKNOWN.
 */
#include "ctl_client.h"
#include "esc.h"
#include "node-ctl.h"
#include "psig.h"

#define RETRY_S_MAX	86400
#define TIMEOUT_S_MAX	3600	/* --timeout */
#define BACKOFF_MIN_MS	100	/* between attempts, doubling */
#define BACKOFF_MAX_MS	2000
#define KEY_PREFIX	"node-ctl:"
#define KEY_RANDOM	16	/* bytes, as hex after the prefix */
#define KEY_MAX		128	/* the node's limit (SUBMIT key) */

/* What the command line asked for. */
struct send_args {
	const char	*from, *subject, *file, *key, *batch, *sign_as;
	long long	 expires_s;
	int		 receipt, clear, prio, retry_s, timeout_s;
	int		 first;		/* argv index of the first TO */
};


static char *
read_text(const char *path, size_t *len)
{
	FILE	*f = path == NULL ? stdin : fopen(path, "rb");
	char	*buf;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if ((buf = malloc(TEXT_MAX + 2)) == NULL)
		die("out of memory");
	*len = fread(buf, 1, TEXT_MAX + 1, f);
	if (ferror(f))
		die("%s: read error", path != NULL ? path : "stdin");
	if (*len > TEXT_MAX)
		die("text over %u bytes; put a larger file in a document "
		    "(doc put --attach)", TEXT_MAX);
	if (f != stdin)
		fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* A whole number of seconds from lo to hi, or a usage error. */
static long long
seconds(const char *opt, const char *v, long long lo, long long hi)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || v[0] == '\0' || n < lo || n > hi)
		bad("%s: seconds, %lld to %lld: %s", opt, lo, hi, v);
	return n;
}

/* The key as the node takes it: 1 to 128 of 0x21 to 0x7e. */
static void
check_key(const char *key)
{
	size_t	n = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			n = 0;
	if (n == 0 || n > KEY_MAX)
		bad("--key: 1 to %d printable ASCII characters, no space",
		    KEY_MAX);
}

static void
send_options(int argc, char **argv, struct send_args *a)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "subject", required_argument, NULL, 'S' },
		{ "receipt", no_argument, NULL, 'r' },
		{ "clear", no_argument, NULL, 'C' },
		{ "expires", required_argument, NULL, 'e' },
		{ "priority", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'F' },
		{ "key", required_argument, NULL, 'k' },
		{ "retry", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "batch", required_argument, NULL, 'b' },
		{ "sign-as", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const prios[] = { "normal", "urgent", "bulk" };
	int	ch;

	memset(a, 0, sizeof(*a));
	a->subject = "";
	a->retry_s = RETRY_S_DEFAULT;
	a->timeout_s = REPLY_TIMEOUT_MS / 1000;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			a->from = optarg;
			break;
		case 'S':
			a->subject = optarg;
			break;
		case 'r':
			a->receipt = 1;
			break;
		case 'C':
			a->clear = 1;
			break;
		case 'e':
			a->expires_s = seconds("--expires", optarg, 1,
			    10LL * 365 * 86400);
			break;
		case 'p':
			for (a->prio = 0; a->prio < 3 &&
			    strcmp(optarg, prios[a->prio]) != 0; a->prio++)
				;
			if (a->prio == 3)
				bad("--priority: urgent, normal or bulk");
			break;
		case 'F':
			a->file = optarg;
			break;
		case 'k':
			check_key(a->key = optarg);
			break;
		case 'R':
			a->retry_s = (int)seconds("--retry", optarg, 0,
			    RETRY_S_MAX);
			break;
		case 'T':
			a->timeout_s = (int)seconds("--timeout", optarg, 1,
			    TIMEOUT_S_MAX);
			break;
		case 'b':
			a->batch = optarg;
			break;
		case 's':
			a->sign_as = optarg;
			break;
		default:
			usage();
		}
	}
	/* --batch: the file's lines say all, and nothing else may. */
	if (a->batch != NULL ? a->from != NULL || a->key != NULL ||
	    a->file != NULL || a->sign_as != NULL || a->clear ||
	    optind != argc : a->from == NULL)
		usage();
	if (a->batch == NULL && optind == argc)
		usage();		/* no recipient */
	if (a->batch == NULL)
		cmd_operands(argc - optind);
	a->first = optind;
}

/* A key of our own: random, so no other send has it. */
static void
make_key(char key[sizeof(KEY_PREFIX) + 2 * KEY_RANDOM])
{
	uint8_t	r[KEY_RANDOM];

	if (sodium_init() == -1)
		die("libsodium would not start");
	randombytes_buf(r, sizeof(r));
	memcpy(key, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
	sodium_bin2hex(key + sizeof(KEY_PREFIX) - 1, 2 * KEY_RANDOM + 1, r,
	    sizeof(r));
}

/* The request, the same for every attempt: its expiry is fixed now. */
static json_t *
send_request(int argc, char **argv, const struct send_args *a,
    const char *key)
{
	json_t	*to = json_array(), *req, *signed_by = NULL;
	uint8_t	 digest[PSIG_DIGEST_BYTES];
	char	*text;
	size_t	 len;

	for (int i = a->first; i < argc; i++)
		json_array_append_new(to, json_string(argv[i]));
	text = read_text(a->file, &len);
	if (a->sign_as != NULL) {
		psig_mail_digest(a->from, argv + a->first, (size_t)(argc -
		    a->first), a->subject, (const uint8_t *)text, len, digest);
		signed_by = sign_as(a->sign_as, digest);
	}
	req = json_pack("{s:s, s:s, s:o, s:s, s:s%, s:b, s:i, s:s}", "cmd",
	    "send", "from", a->from, "to", to, "subject", a->subject, "text",
	    text, len, "receipt", a->receipt, "priority", a->prio, "key", key);
	/* Only when asked: a request as before is sealed. */
	if (req != NULL && a->clear)
		json_object_set_new(req, "clear", json_true());
	free(text);
	if (req == NULL)
		die("subject and text must be UTF-8");
	if (signed_by != NULL)
		json_object_set_new(req, "signed_by", signed_by);
	if (a->expires_s > 0)
		json_object_set_new(req, "expires_ms", json_integer(
		    (json_int_t)clock_wall_ms() + a->expires_s * 1000));
	return req;
}

/* A failure after which the same request may be sent again. */
static int
retryable(int rc)
{
	return rc == CTL_CLIENT_DOWN || rc == CTL_CLIENT_TIMEOUT ||
	    rc == CTL_CLIENT_LOST || rc == CTL_CLIENT_BAD_REPLY ||
	    rc == CTL_CLIENT_FAILED;
}

/*
 * A refusal that says nothing of an earlier attempt: the node's store
 * failed this one (the message is not stored now, the first may be).
 */
static int
refusal_unsure(json_t *r)
{
	return !json_is_true(json_object_get(r, "ok")) &&
	    strstr(str(r, "error"), "store") != NULL;
}

static void
pause_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * The node's answer to req, asked again with the same key while replies
 * are lost and a->until is ahead; NULL if none came (a->err: the last
 * failure). A refusal is an answer, unless an earlier attempt may have
 * been stored and this one's store failed.
 */
json_t *
send_attempt(json_t *req, struct attempts *a)
{
	json_t	*r;
	int	 rc, wait_ms = BACKOFF_MIN_MS;

	for (;;) {
		rc = a->client != NULL ? ctl_client_call(a->client,
		    json_incref(req), &r, a->err, sizeof(a->err)) :
		    call_once(json_incref(req), a->timeout_ms, &r, a->err,
		    sizeof(a->err));
		if (rc == CTL_CLIENT_OK && !(a->maybe && refusal_unsure(r)))
			return r;
		if (rc == CTL_CLIENT_OK) {
			/* Shown on a terminal: one safe line. */
			esc_str(a->err, sizeof(a->err), str(r, "error"), 0);
			json_decref(r);
		} else if (!retryable(rc))
			call_die(rc, a->timeout_ms, a->err);
		else
			a->maybe |= rc != CTL_CLIENT_DOWN;
		if (clock_mono_ms() + (uint64_t)wait_ms > a->until)
			return NULL;
		fprintf(stderr, "node-ctl: %s; trying again with key %s\n",
		    a->err, a->key);
		pause_ms(wait_ms);
		wait_ms = wait_ms * 2 < BACKOFF_MAX_MS ? wait_ms * 2 :
		    BACKOFF_MAX_MS;
	}
}

/* No answer: what is known, and how to learn the rest; exits. */
static void __attribute__((noreturn))
no_answer(const struct attempts *a)
{
	char	msg[1024];

	if (!a->maybe)
		die("no node listening on %s: nothing was sent; start it, "
		    "and send again", sock_path);
	snprintf(msg, sizeof(msg), "no reply from the node (%s): the message "
	    "may or may not have been stored; run the same command with "
	    "--key %s to find out without sending twice", a->err, a->key);
	if (json_out) {
		json_t	*o = json_pack("{s:b, s:s, s:s, s:b}", "ok", 0,
		    "error", msg, "key", a->key, "maybe_stored", 1);
		char	*text = json_dumps(o, JSON_INDENT(2));

		printf("%s\n", text);
		free(text);
		json_decref(o);
	} else
		fprintf(stderr, "node-ctl: %s\n", msg);
	exit(EXIT_UNKNOWN);
}

int
cmd_send(int argc, char **argv)
{
	struct send_args	 sa;
	struct attempts		 a = { 0 };
	char			 own[sizeof(KEY_PREFIX) + 2 * KEY_RANDOM];
	json_t			*req, *r;

	send_options(argc, argv, &sa);
	if (sa.batch != NULL)
		return send_batch_file(sa.batch, sa.retry_s, sa.timeout_s);
	if (sa.key == NULL)
		make_key(own);
	a.key = sa.key != NULL ? sa.key : own;
	a.timeout_ms = sa.timeout_s * 1000;
	req = send_request(argc, argv, &sa, a.key);
	if (data_dir != NULL) {
		json_decref(call(req));	/* -d only reads: refused */
		return 0;
	}
	a.until = clock_mono_ms() + (uint64_t)sa.retry_s * 1000;
	if ((r = send_attempt(req, &a)) == NULL) {
		json_decref(req);	/* no_answer() exits */
		no_answer(&a);
	}
	json_decref(req);
	checked(r);
	if (!json_out)
		printf("%s\n", str(r, "id"));
	/* Stored by an earlier run with this key, not by this one. */
	if (!json_out && !a.maybe && json_is_true(json_object_get(r,
	    "duplicate")))
		fprintf(stderr, "node-ctl: key %s was used before: the message "
		    "stored then has this id; nothing was sent now\n", a.key);
	json_decref(r);
	return 0;
}
