/*
 * node-ctl: inspect and steer a running node over its control socket.
 *
 *   node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json] COMMAND [ARGS]
 *
 * -d reads a stopped node's store directly, read-only: status, mail ls,
 * mail cat (without marking read) and trace.
 *
 *   status                      name, version, uptime, store, counters
 *   peers                       links: state, checkpoints, lag, errors
 *   queue                       what each link still owes, per priority
 *   send --from ADDR [--subject S] [--receipt] [--expires SECONDS]
 *        [--priority urgent|normal|bulk] [--file FILE] TO...
 *                               submit a message (text from FILE or stdin)
 *   mail ls MAILBOX [--from SEQ] the messages of a local mailbox (1000
 *                               at a time; --json gives "next" if more)
 *   mail cat MAILBOX SEQ        one message, marked read
 *   mail rm MAILBOX SEQ         remove it (it is never delivered again)
 *   replicate [PEER]            reconnect down links now, send what waits
 *   trace ID                    custody of a record at this node
 *   route ADDRESS               which link mail for ADDRESS takes, and why
 *   metrics                     counters in the Prometheus text format
 *   cert issue NAME PUBKEY -o CHAINFILE [--days N]
 *                               certify a node below this one and write
 *                               its certificate chain file
 *   cert revoke CERTID [REASON] revoke a certificate this node may revoke
 *   cert ls [SUBTREE]           the certificates this node holds
 *
 * Human output by default; --json prints the node's reply as it is (one
 * JSON object; "ok" says whether the command succeeded). Exit status: 0
 * ok, 1 error, 2 usage. Errors are one line on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <zmq.h>

#include "cert.h"
#include "cfg.h"
#include "mail.h"
#include "store.h"
#include "view.h"

#define REPLY_TIMEOUT_MS	15000
#define TEXT_MAX		MAIL_MAX_TEXT

static int	json_out;

/* The usage text: on stdout with exit 0 when asked for (--help), on
 * stderr with exit 2 after a usage error. */
static void
help(FILE *f, int status)
{
	fprintf(f,
	    "usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json] "
	    "COMMAND [ARGS]\n"
	    "commands:\n"
	    "  status\n"
	    "  peers\n"
	    "  queue\n"
	    "  send --from ADDR [--subject S] [--receipt] [--expires SECONDS]\n"
	    "       [--priority urgent|normal|bulk] [--file FILE] TO...\n"
	    "  mail ls MAILBOX [--from SEQ]\n"
	    "  mail cat MAILBOX SEQ\n"
	    "  mail rm MAILBOX SEQ\n"
	    "  replicate [PEER]\n"
	    "  trace ID\n"
	    "  route ADDRESS\n"
	    "  metrics\n"
	    "  cert issue NAME PUBKEY -o CHAINFILE [--days N]\n"
	    "  cert revoke CERTID [REASON]\n"
	    "  cert ls [SUBTREE]\n"
	    "Human tables by default; --json prints the node's reply. Exit: 0 "
	    "ok, 1 error, 2 usage.\n");
	exit(status);
}

static void
usage(void)
{
	help(stderr, 2);
}

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "node-ctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static const char	*data_dir;	/* -d: read a stopped node's store */

/* 1 if something accepts connections on the unix socket at path. */
static int
listening(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd, err;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 1;	/* cannot tell: let ZeroMQ try */
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		return 1;
	}
	err = errno;
	close(fd);
	if (err == EACCES)
		die("%s: permission denied: only the node's own user may use "
		    "its control socket", path);
	return err != ECONNREFUSED && err != ENOENT;
}

/* Prints the reply with --json; dies if it says the command failed. */
static json_t *
checked(json_t *reply)
{
	if (json_out) {
		char	*text = json_dumps(reply, JSON_INDENT(2));

		printf("%s\n", text);
		free(text);
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *e = json_string_value(json_object_get(reply,
		    "error"));

		if (json_out)
			exit(1);
		die("%s", e != NULL ? e : "the command failed");
	}
	return reply;
}

/*
 * The same replies from a stopped node's store, opened read-only: the
 * commands that only read it. mail cat does not mark a message read.
 */
static json_t *
local_call(json_t *req)
{
	const char		*cmd = json_string_value(json_object_get(req,
	    "cmd"));
	struct store_opts	 opts = { .read_only = 1 };
	store_t			*st = NULL;
	store_txn_t		*txn = NULL;
	json_t			*r = NULL;
	char			 err[256] = "";
	uint64_t		 seq;
	int			 rc;

	if ((rc = store_open(&st, data_dir, &opts)) != 0)
		die("%s: cannot open the store read-only: %s", data_dir,
		    store_strerror(rc));
	if (strcmp(cmd, "status") == 0) {
		r = json_pack("{s:s, s:b, s:o, s:o}", "name", data_dir,
		    "running", 0, "store", view_store(st), "instance",
		    view_hex(store_instance(st), STORE_INSTANCE_BYTES));
	} else if (strcmp(cmd, "mail_ls") == 0 || strcmp(cmd, "mail_cat") == 0 ||
	    strcmp(cmd, "trace") == 0) {
		if ((rc = store_txn_begin(st, STORE_RDONLY, &txn)) != 0)
			die("%s: %s", data_dir, store_strerror(rc));
		if (strcmp(cmd, "mail_ls") == 0)
			r = view_mail_ls(txn, req, err, sizeof(err));
		else if (strcmp(cmd, "mail_cat") == 0)
			r = view_mail_cat(txn, req, &seq, err, sizeof(err));
		else if ((r = view_trace(txn, req, err, sizeof(err))) != NULL)
			json_object_set_new(r, "node", json_string(data_dir));
		store_txn_abort(&txn);
	} else
		snprintf(err, sizeof(err), "%s needs a running node; -d reads "
		    "a stopped node's store (status, mail ls, mail cat, trace)",
		    cmd);
	store_close(&st);
	json_decref(req);
	if (r == NULL)
		r = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	else
		json_object_set_new(r, "ok", json_true());
	return checked(r);
}

/* Sends req (consumed) and returns the reply object; dies on failure. */
static json_t *
call(const char *sock_path, json_t *req)
{
	struct stat	 sb;
	void		*ctx, *s;
	char		*ep, *out;
	int		 timeout = REPLY_TIMEOUT_MS, linger = 0;
	zmq_msg_t	 msg;
	json_t		*reply;
	json_error_t	 jerr;

	if (data_dir != NULL)
		return local_call(req);
	if (stat(sock_path, &sb) == -1 && errno == EACCES)
		die("%s: permission denied: only the node's own user may use "
		    "its control socket", sock_path);
	if (stat(sock_path, &sb) == -1 || !S_ISSOCK(sb.st_mode) ||
	    !listening(sock_path))
		die("no node listening on %s: start it, or use -d DATADIR to "
		    "read its store", sock_path);
	out = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (out == NULL)
		die("out of memory");
	if (asprintf(&ep, "ipc://%s", sock_path) == -1)
		die("out of memory");
	ctx = zmq_ctx_new();
	s = zmq_socket(ctx, ZMQ_REQ);
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(s, ep) != 0)
		die("%s: %s", sock_path, zmq_strerror(errno));
	if (zmq_send(s, out, strlen(out), 0) == -1)
		die("%s: %s", sock_path, zmq_strerror(errno));
	free(out);
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, s, 0) == -1)
		die("no answer from the node on %s within %d s: is it running "
		    "(and yours)?", sock_path, REPLY_TIMEOUT_MS / 1000);
	reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	zmq_msg_close(&msg);
	zmq_close(s);
	zmq_ctx_term(ctx);
	free(ep);
	if (reply == NULL || !json_is_object(reply))
		die("the node sent a reply that is not JSON");
	return checked(reply);
}

static const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static long long
num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Prints untrusted text with control characters shown as '?'. */
static void
print_safe(const char *s, int keep_newlines)
{
	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c < 0x20 && !(keep_newlines && (c == '\n' ||
		    c == '\t'))) || c == 0x7f)
			c = '?';
		putchar(c);
	}
}

static void
print_time(long long ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s.%03lldZ", buf, ms % 1000);
}

static int
cmd_status(const char *sock)
{
	json_t	*r = call(sock, json_pack("{s:s}", "cmd", "status"));
	json_t	*st = json_object_get(r, "store"), *c, *v;
	const char *k;

	if (!json_out && !json_is_true(json_object_get(r, "running"))) {
		printf("store     %s (node stopped; read-only)\n"
		    "instance  %s\n", str(r, "name"), str(r, "instance"));
		printf("records   %lld, log at %lld, map %lld of %lld bytes "
		    "used\n", num(st, "records"), num(st, "last_seq"),
		    num(st, "map_used"), num(st, "map_size"));
	} else if (!json_out) {
		printf("name      %s\nversion   %s\nuptime    %lld s\n",
		    str(r, "name"), str(r, "version"), num(r, "uptime_s"));
		printf("store     %lld records, log at %lld, map %lld of %lld "
		    "bytes used\n", num(st, "records"), num(st, "last_seq"),
		    num(st, "map_used"), num(st, "map_size"));
		printf("peers     %lld up of %lld\n", num(r, "peers_up"),
		    num(r, "peers"));
		c = json_object_get(r, "counters");
		json_object_foreach(c, k, v)
			printf("  %-14s %lld\n", k, json_integer_value(v));
	}
	json_decref(r);
	return 0;
}

static int
cmd_peers(const char *sock)
{
	json_t	*r = call(sock, json_pack("{s:s}", "cmd", "peers"));
	json_t	*p;
	size_t	 i;

	if (!json_out) {
		printf("%-28s %-3s %-9s %8s %8s %6s %8s %7s %7s %4s %7s  %s\n",
		    "PEER", "DIR", "STATE", "SENT", "ACKED", "LAG", "RECEIVED",
		    "IN", "OUT", "REJ", "IDLE_S", "LAST ERROR");
		json_array_foreach(json_object_get(r, "peers"), i, p) {
			char	idle[24] = "-";

			if (num(p, "last_rx_ms_ago") >= 0)
				snprintf(idle, sizeof(idle), "%lld",
				    num(p, "last_rx_ms_ago") / 1000);
			printf("%-28s %-3s %-9s %8lld %8lld %6lld %8lld %7lld "
			    "%7lld %4lld %7s  %s\n", str(p, "name")[0] ?
			    str(p, "name") : "(unnamed)", str(p, "direction"),
			    str(p, "state"), num(p, "sent"), num(p, "acked"),
			    num(p, "lag_out"), num(p, "received"),
			    num(p, "records_in"), num(p, "records_out"),
			    num(p, "rejected"), idle, str(p, "error"));
		}
	}
	json_decref(r);
	return 0;
}

static int
cmd_queue(const char *sock)
{
	static const char *const lanes[] = { "urgent", "normal", "bulk" };
	json_t	*r = call(sock, json_pack("{s:s}", "cmd", "queue")), *p, *q;
	size_t	 i;

	if (!json_out) {
		printf("%-28s %-9s %17s %17s %17s\n", "PEER", "STATE",
		    "URGENT", "NORMAL", "BULK");
		json_array_foreach(json_object_get(r, "links"), i, p) {
			printf("%-28s %-9s", str(p, "peer"), str(p, "state"));
			for (int l = 0; l < 3; l++) {
				char	cell[40];

				q = json_object_get(p, lanes[l]);
				snprintf(cell, sizeof(cell), "%lld%s / %lldB",
				    num(q, "records"), json_is_true(
				    json_object_get(q, "partial")) ? "+" : "",
				    num(q, "bytes"));
				printf(" %17s", cell);
			}
			printf("\n");
		}
	}
	json_decref(r);
	return 0;
}

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
		die("text over %u bytes; send it as an attachment", TEXT_MAX);
	if (f != stdin)
		fclose(f);
	buf[*len] = '\0';
	return buf;
}

static int
cmd_send(const char *sock, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "subject", required_argument, NULL, 'S' },
		{ "receipt", no_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ "priority", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*from = NULL, *subject = "", *file = NULL;
	long long	 expires_s = 0;
	int		 ch, receipt = 0, prio = 0;
	char		*text, *end;
	size_t		 len;
	json_t		*to, *req, *r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 'S':
			subject = optarg;
			break;
		case 'r':
			receipt = 1;
			break;
		case 'e':
			errno = 0;
			expires_s = strtoll(optarg, &end, 10);
			if (errno || *end || expires_s <= 0 ||
			    expires_s > 10LL * 365 * 86400)
				die("--expires: seconds, 1 to 10 years: %s",
				    optarg);
			break;
		case 'p':
			if (strcmp(optarg, "normal") == 0)
				prio = 0;
			else if (strcmp(optarg, "urgent") == 0)
				prio = 1;
			else if (strcmp(optarg, "bulk") == 0)
				prio = 2;
			else
				die("--priority: urgent, normal or bulk");
			break;
		case 'F':
			file = optarg;
			break;
		default:
			usage();
		}
	}
	if (from == NULL || optind >= argc)
		usage();
	to = json_array();
	for (int i = optind; i < argc; i++)
		json_array_append_new(to, json_string(argv[i]));
	text = read_text(file, &len);
	req = json_pack("{s:s, s:s, s:o, s:s, s:s%, s:b, s:i}", "cmd", "send",
	    "from", from, "to", to, "subject", subject, "text", text, len,
	    "receipt", receipt, "priority", prio);
	free(text);
	if (req == NULL)
		die("subject and text must be UTF-8");
	if (expires_s > 0) {
		struct timespec	ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		json_object_set_new(req, "expires_ms", json_integer(
		    (json_int_t)ts.tv_sec * 1000 + expires_s * 1000));
	}
	r = call(sock, req);
	if (!json_out)
		printf("%s\n", str(r, "id"));
	json_decref(r);
	return 0;
}

static int
cmd_mail(const char *sock, int argc, char **argv)
{
	json_t		*r, *m;
	size_t		 i;
	char		*end;
	long long	 seq;

	if ((argc == 3 || (argc == 5 && strcmp(argv[3], "--from") == 0)) &&
	    strcmp(argv[1], "ls") == 0) {
		seq = 1;
		if (argc == 5) {
			errno = 0;
			seq = strtoll(argv[4], &end, 10);
			if (errno || *end || seq < 1)
				die("--from: a message number: %s", argv[4]);
		}
		r = call(sock, json_pack("{s:s, s:s, s:I}", "cmd", "mail_ls",
		    "mailbox", argv[2], "from", (json_int_t)seq));
		if (!json_out) {
			printf("%5s %-4s %-32s %-12s %s\n", "SEQ", "READ",
			    "FROM", "ID", "SUBJECT");
			json_array_foreach(json_object_get(r, "messages"), i,
			    m) {
				printf("%5lld %-4s %-32.32s %-12.12s ",
				    num(m, "seq"), json_is_true(
				    json_object_get(m, "read")) ? "yes" : "",
				    str(m, "from"), str(m, "id"));
				print_safe(str(m, "subject"), 0);
				printf("\n");
			}
			if (json_object_get(r, "next") != NULL)
				printf("(more: node-ctl mail ls %s --from %lld)\n",
				    argv[2], num(r, "next"));
		}
	} else if (argc == 4 && strcmp(argv[1], "cat") == 0) {
		errno = 0;
		seq = strtoll(argv[3], &end, 10);
		if (errno || *end || seq < 1)
			die("SEQ: a message number from mail ls: %s", argv[3]);
		r = call(sock, json_pack("{s:s, s:s, s:I}", "cmd", "mail_cat",
		    "mailbox", argv[2], "seq", (json_int_t)seq));
		if (!json_out) {
			printf("Id:      %s\nFrom:    ", str(r, "id"));
			print_safe(str(r, "from"), 0);
			printf("\nTo:      ");
			json_array_foreach(json_object_get(r, "to"), i, m) {
				printf(i ? ", " : "");
				print_safe(json_string_value(m) ?
				    json_string_value(m) : "", 0);
			}
			printf("\nDate:    ");
			print_time(num(r, "created_ms"));
			printf("\nSubject: ");
			print_safe(str(r, "subject"), 0);
			if ((m = json_object_get(r, "report")) != NULL)
				printf("\nReport:  %s for %s (reason %lld) %s",
				    str(m, "result"), str(m, "recipient"),
				    num(m, "reason"), str(m, "message_id"));
			printf("\n\n");
			print_safe(str(r, "text"), 1);
			printf("\n");
		}
	} else if (argc == 4 && strcmp(argv[1], "rm") == 0) {
		errno = 0;
		seq = strtoll(argv[3], &end, 10);
		if (errno || *end || seq < 1)
			die("SEQ: a message number from mail ls: %s", argv[3]);
		r = call(sock, json_pack("{s:s, s:s, s:I}", "cmd", "mail_rm",
		    "mailbox", argv[2], "seq", (json_int_t)seq));
		if (!json_out)
			printf("removed %s %lld\n", argv[2], seq);
	} else
		usage();
	json_decref(r);
	return 0;
}

static int
cmd_replicate(const char *sock, const char *peer)
{
	json_t	*req = json_pack("{s:s}", "cmd", "replicate"), *r, *p;
	size_t	 i;

	if (peer != NULL)
		json_object_set_new(req, "peer", json_string(peer));
	r = call(sock, req);
	if (!json_out)
		json_array_foreach(json_object_get(r, "peers"), i, p)
			printf("%-28s %s\n", str(p, "peer"), str(p, "action"));
	json_decref(r);
	return 0;
}

static int
cmd_trace(const char *sock, const char *id)
{
	json_t	*r = call(sock, json_pack("{s:s, s:s}", "cmd", "trace", "id",
	    id));
	json_t	*e;
	size_t	 i;

	if (!json_out) {
		printf("at %s:\n", str(r, "node"));
		json_array_foreach(json_object_get(r, "events"), i, e) {
			printf("  ");
			print_time(num(e, "time_ms"));
			printf("  %-10s %s\n", str(e, "event"), str(e, "peer"));
		}
		if (json_array_size(json_object_get(r, "events")) == 0)
			printf("  (no custody record here)\n");
	}
	json_decref(r);
	return 0;
}

static int
cmd_cert(const char *sock, int argc, char **argv)
{
	const char		*out = NULL;
	long long		 days = 365;
	struct cert_chain	 c = { 0 };
	json_t			*r, *v;
	char			*end;
	size_t			 i, len;
	int			 rc;

	if ((argc == 3 || argc == 4) && strcmp(argv[1], "revoke") == 0) {
		r = call(sock, json_pack("{s:s, s:s, s:s}", "cmd",
		    "cert_revoke", "id", argv[2], "reason", argc == 4 ?
		    argv[3] : ""));
		if (!json_out)
			printf("revoked by %s\n", str(r, "id"));
		json_decref(r);
		return 0;
	}
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "ls") == 0) {
		json_t	*req = json_pack("{s:s}", "cmd", "cert_ls"), *ce;

		if (argc == 3)
			json_object_set_new(req, "under", json_string(argv[2]));
		r = call(sock, req);
		if (!json_out) {
			printf("%-32s %-8s %-24s %-16s %s\n", "SUBJECT", "STATE",
			    "NOT AFTER", "KEY", "ID");
			json_array_foreach(json_object_get(r, "certs"), i,
			    ce) {
				printf("%-32s %-8s ", str(ce, "subject"),
				    str(ce, "state"));
				print_time(num(ce, "not_after_ms"));
				printf(" %.16s %s\n", str(ce, "key"),
				    str(ce, "id"));
			}
		}
		json_decref(r);
		return 0;
	}
	if (argc < 4 || strcmp(argv[1], "issue") != 0)
		usage();
	for (int k = 4; k < argc; k++) {
		if (strcmp(argv[k], "-o") == 0 && k + 1 < argc)
			out = argv[++k];
		else if (strcmp(argv[k], "--days") == 0 && k + 1 < argc) {
			errno = 0;
			days = strtoll(argv[++k], &end, 10);
			if (errno || *end || days < 1)
				die("--days: a positive number of days");
		} else
			usage();
	}
	if (out == NULL)
		usage();
	r = call(sock, json_pack("{s:s, s:s, s:s, s:I}", "cmd", "cert_issue",
	    "subject", argv[2], "key", argv[3], "days", (json_int_t)days));
	c.n = json_array_size(json_object_get(r, "chain"));
	if (c.n == 0 || c.n > CERT_MAX_CHAIN)
		die("the node sent a chain of %zu certificates", c.n);
	c.certs = calloc(c.n, sizeof(*c.certs));
	c.lens = calloc(c.n, sizeof(*c.lens));
	if (c.certs == NULL || c.lens == NULL)
		die("out of memory");
	json_array_foreach(json_object_get(r, "chain"), i, v) {
		const char	*hex = json_string_value(v);

		if (hex == NULL || (c.certs[i] = malloc(strlen(hex) / 2 +
		    1)) == NULL || sodium_hex2bin(c.certs[i], strlen(hex) / 2 +
		    1, hex, strlen(hex), NULL, &len, NULL) != 0)
			die("the node sent a chain that is not hex");
		c.lens[i] = len;
	}
	if ((rc = cert_chain_save(out, &c)) != 0)
		die("%s: %s", out, cert_strerror(rc));
	if (!json_out)
		printf("%s: certificate %s for %s (%zu in chain)\n", out,
		    str(r, "id"), argv[2], c.n);
	cert_chain_free(&c);
	json_decref(r);
	return 0;
}

static int
cmd_route(const char *sock, const char *addr)
{
	json_t	*r = call(sock, json_pack("{s:s, s:s}", "cmd", "route",
	    "address", addr));

	if (!json_out) {
		printf("%s: %s", addr, str(r, "next"));
		if (str(r, "link")[0] != '\0')
			printf(" (link %s)", str(r, "link"));
		printf(": %s\n", str(r, "why"));
	}
	json_decref(r);
	return 0;
}

static int
cmd_metrics(const char *sock)
{
	json_t	*r = call(sock, json_pack("{s:s}", "cmd", "metrics"));

	if (!json_out)
		fputs(str(r, "text"), stdout);
	json_decref(r);
	return 0;
}

int
main(int argc, char **argv)
{
	const char		*sock = NULL, *conf_path = NULL;
	struct node_conf	*conf = NULL;
	char			 err[512];
	int			 i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json_out = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			data_dir = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			help(stdout, 0);
		else
			usage();
	}
	if (i >= argc)
		usage();
	for (int k = i; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0)
			help(stdout, 0);
	if (sock == NULL && conf_path != NULL) {
		if (cfg_load(conf_path, &conf, err, sizeof(err)) != 0)
			die("%s", err);
		sock = conf->control;
	}
	if (sock == NULL && data_dir == NULL)
		die("which node? give -s SOCKET, -c CONFIG, or -d DATADIR to "
		    "read a stopped node's store");
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "status") == 0 && argc == 1)
		rc = cmd_status(sock);
	else if (strcmp(argv[0], "peers") == 0 && argc == 1)
		rc = cmd_peers(sock);
	else if (strcmp(argv[0], "queue") == 0 && argc == 1)
		rc = cmd_queue(sock);
	else if (strcmp(argv[0], "send") == 0)
		rc = cmd_send(sock, argc, argv);
	else if (strcmp(argv[0], "mail") == 0)
		rc = cmd_mail(sock, argc, argv);
	else if (strcmp(argv[0], "trace") == 0 && argc == 2)
		rc = cmd_trace(sock, argv[1]);
	else if (strcmp(argv[0], "cert") == 0)
		rc = cmd_cert(sock, argc, argv);
	else if (strcmp(argv[0], "route") == 0 && argc == 2)
		rc = cmd_route(sock, argv[1]);
	else if (strcmp(argv[0], "metrics") == 0 && argc == 1)
		rc = cmd_metrics(sock);
	else if (strcmp(argv[0], "replicate") == 0 && argc <= 2)
		rc = cmd_replicate(sock, argc == 2 ? argv[1] : NULL);
	else
		usage();
	cfg_free(&conf);
	return rc;
}
