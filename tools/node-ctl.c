/*
 * node-ctl: inspect and steer a running node over its control socket.
 *
 *   node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json] COMMAND [ARGS]
 *
 * -d reads a stopped node's store directly, read-only: status, mail ls,
 * mail cat (without marking read), trace, db ls, db acl (showing it),
 * db digest, doc get, doc ls, doc history and doc conflicts.
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
 *   trace ID                    custody of a record here and at each
 *                               node it was handed on to (asked along
 *                               the path; -d: this store only)
 *   route ADDRESS               which link mail for ADDRESS takes, and why
 *   metrics                     counters in the Prometheus text format
 *   network                     every node below this one: version,
 *                               uptime, backlog, errors, report age
 *   cert issue NAME PUBKEY -o CHAINFILE [--days N]
 *                               certify a node below this one and write
 *                               its certificate chain file
 *   cert revoke CERTID [REASON] revoke a certificate this node may revoke
 *   cert ls [SUBTREE]           the certificates this node holds
 *   db create DB SCOPE [PATTERN=LEVEL...]
 *                               a database replicated to the subtree
 *                               SCOPE, with its ACL (this node: manager)
 *   db ls                       the databases, this node's level, counts
 *   db acl DB [PATTERN=LEVEL...]
 *                               show the ACL, or change entries (LEVEL
 *                               "remove" deletes one); managers only
 *   db digest DB                state digest: equal on converged replicas
 *   doc put DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]
 *                               write a document (new without ID); TYPE
 *                               text, number, time, list, bytes (=@FILE)
 *                               or null (removes it); no fields: a JSON
 *                               {"fields": {...}, "readers": [...]} on
 *                               stdin
 *   doc get DB ID [--rev REV]   its fields, winning revision, conflicts
 *   doc attachment DB ID NAME -o FILE   an attachment, once all here
 *   doc ls DB [--from ID] [--deleted]
 *                               the documents (1000 at a time)
 *   doc rm DB ID                delete it (a stub that replicates)
 *   doc history DB ID           its revision tree, oldest first
 *   doc conflicts DB            documents with conflicting revisions
 *   doc resolve DB ID [--keep REV]
 *                               merge every live leaf, keeping the fields
 *                               of REV (default: the winner)
 *
 * Human output by default; --json prints the node's reply as it is (one
 * JSON object; "ok" says whether the command succeeded). Exit status: 0
 * ok, 1 error, 2 usage. Errors are one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
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
#include "ctl.h"
#include "doc_view.h"
#include "mail.h"
#include "name.h"
#include "store.h"
#include "view.h"
#include "xmem.h"
#include "wire.h"

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
	    "  network\n"
	    "  metrics\n"
	    "  cert issue NAME PUBKEY -o CHAINFILE [--days N]\n"
	    "  cert revoke CERTID [REASON]\n"
	    "  cert ls [SUBTREE]\n"
	    "  db create DB SCOPE [PATTERN=LEVEL...]\n"
	    "  db ls\n"
	    "  db acl DB [PATTERN=LEVEL...]\n"
	    "  db digest DB\n"
	    "  doc put DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]\n"
	    "  doc get DB ID [--rev REV]\n"
	    "  doc attachment DB ID NAME -o FILE\n"
	    "  doc ls DB [--from ID] [--deleted]\n"
	    "  doc rm DB ID\n"
	    "  doc history DB ID\n"
	    "  doc conflicts DB\n"
	    "  doc resolve DB ID [--keep REV]\n"
	    "node-ctl db|doc COMMAND --help says more about each.\n"
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

/* A malformed argument: one line on stderr, exit 2 (nothing was sent). */
static void __attribute__((format(printf, 1, 2), noreturn))
bad(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "node-ctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static const char	*data_dir;	/* -d: read a stopped node's store */
static const char	*self_name;	/* -c: the node's name, from its config */

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
		char	*line;

		if (json_out)
			exit(1);
		if (e == NULL || (line = strdup(e)) == NULL)
			die("the command failed");
		/* It may quote what came from the network: one safe line. */
		for (char *c = line; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		die("%s", line);
	}
	return reply;
}

/*
 * The name of the node whose store -d reads: from its config (-c), else
 * the subject of the first certificate of DATADIR/node.chain; NULL for
 * the root or if neither says. The store does not know its node's name.
 */
static char *
local_self(void)
{
	struct cert_chain	 c = { 0 };
	struct wire_record	 r = { 0 };
	char			*path, *name = NULL;

	if (self_name != NULL)
		return strdup(self_name);
	if (asprintf(&path, "%s/node.chain", data_dir) == -1)
		die("out of memory");
	if (sodium_init() != -1 && cert_chain_load(path, &c) == 0 &&
	    c.n > 0 && wire_record_open(c.certs[0], c.lens[0], &r) == 0 &&
	    r.rb->kind_case == NODENET__RECORD_BODY__KIND_CERT &&
	    r.rb->cert != NULL && r.rb->cert->subject != NULL &&
	    name_valid(r.rb->cert->subject))
		name = strdup(r.rb->cert->subject);
	wire_record_clear(&r);
	cert_chain_free(&c);
	free(path);
	return name;
}

/* The database and document commands a stopped node's store answers. */
static const struct {
	const char	*name;
	json_t		*(*fn)(store_txn_t *, json_t *, char *, size_t);
} doc_views[] = {
	{ "db_ls", doc_view_db_ls },
	{ "db_acl", doc_view_db_acl },
	{ "db_digest", doc_view_db_digest },
	{ "doc_get", doc_view_doc_get },
	{ "doc_ls", doc_view_doc_ls },
	{ "doc_history", doc_view_doc_history },
	{ "doc_conflicts", doc_view_doc_conflicts },
	{ "doc_attachment", doc_view_doc_attachment },
};

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
	char			 err[512] = "";
	uint64_t		 seq;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(doc_views) / sizeof(doc_views[0]); i++)
		if (strcmp(cmd, doc_views[i].name) == 0)
			break;
	/* db acl with entries changes the ACL: a write. */
	if (json_object_get(req, "set") != NULL)
		i = sizeof(doc_views) / sizeof(doc_views[0]);
	if ((rc = store_open(&st, data_dir, &opts)) != 0)
		die("%s: cannot open the store read-only: %s", data_dir,
		    store_strerror(rc));
	if (strcmp(cmd, "status") == 0) {
		char	*self = local_self();

		/* The root has no chain: its name is in its config alone. */
		r = json_pack("{s:s, s:s, s:b, s:o, s:o}", "name", self !=
		    NULL ? self : "", "path", data_dir, "running", 0, "store",
		    view_store(st), "instance", view_hex(store_instance(st),
		    STORE_INSTANCE_BYTES));
		free(self);
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
	} else if (i < sizeof(doc_views) / sizeof(doc_views[0])) {
		char	*self;

		/* db ls says this node's level and whether it holds a replica
		 * when the view knows which node it is (as ctl.c tells it). */
		if (strcmp(cmd, "db_ls") == 0 && (self = local_self()) != NULL) {
			json_object_set_new(req, "self", json_string(self));
			free(self);
		}
		if ((rc = store_txn_begin(st, STORE_RDONLY, &txn)) != 0)
			die("%s: %s", data_dir, store_strerror(rc));
		r = doc_views[i].fn(txn, req, err, sizeof(err));
		store_txn_abort(&txn);
	} else {
		char	name[64];

		/* "db_create" -> "db create", as the user typed it. */
		snprintf(name, sizeof(name), "%s", cmd);
		for (char *c = name; *c != '\0'; c++)
			if (*c == '_')
				*c = ' ';
		snprintf(err, sizeof(err), "%s%s needs a running node; -d reads "
		    "a stopped node's store (status, mail ls, mail cat, trace, "
		    "db ls, db acl, db digest, doc get, doc ls, doc history, "
		    "doc conflicts, doc attachment)", name, strcmp(cmd, "db_acl") == 0 ?
		    " with entries" : "");
	}
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
	if (strlen(out) > CTL_MAX_REQUEST)
		die("the request is over %d bytes, the most the control socket "
		    "takes", CTL_MAX_REQUEST);
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
		printf("name      %s\nstore     %s (node stopped; read-only)\n"
		    "instance  %s\n", str(r, "name")[0] != '\0' ?
		    str(r, "name") : "(unknown: no node.chain; the root?)",
		    str(r, "path"), str(r, "instance"));
		printf("records   %lld, log at %lld, map %lld of %lld bytes "
		    "used\n", num(st, "records"), num(st, "last_seq"),
		    num(st, "map_used"), num(st, "map_size"));
	} else if (!json_out) {
		printf("name      %s\ntier      %s\nversion   %s\n"
		    "uptime    %lld s\n", str(r, "name"), str(r, "tier"),
		    str(r, "version"), num(r, "uptime_s"));
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
		printf("%-28s %-3s %-9s %8s %8s %6s %8s %6s %7s %7s %4s %6s "
		    "%7s  %s\n", "PEER", "DIR", "STATE", "SENT", "ACKED", "LAG",
		    "RECEIVED", "LAG_IN", "IN", "OUT", "REJ", "IDLE_S",
		    "RETRY_S", "LAST ERROR");
		json_array_foreach(json_object_get(r, "peers"), i, p) {
			char	idle[24] = "-", retry[24] = "-";

			if (num(p, "last_rx_ms_ago") >= 0)
				snprintf(idle, sizeof(idle), "%lld",
				    num(p, "last_rx_ms_ago") / 1000);
			if (num(p, "backoff_ms") > 0)
				snprintf(retry, sizeof(retry), "%.1f",
				    (double)num(p, "backoff_ms") / 1000);
			printf("%-28s %-3s %-9s %8lld %8lld %6lld %8lld %6lld "
			    "%7lld %7lld %4lld %6s %7s  ", str(p, "name")[0] ?
			    str(p, "name") : "(unnamed)", str(p, "direction"),
			    str(p, "state"), num(p, "sent"), num(p, "acked"),
			    num(p, "lag_out"), num(p, "received"),
			    num(p, "lag_in"), num(p, "records_in"),
			    num(p, "records_out"), num(p, "rejected"), idle,
			    retry);
			print_safe(str(p, "error"), 0);
			printf("\n");
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
				bad("--expires: seconds, 1 to 10 years: %s",
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
				bad("--priority: urgent, normal or bulk");
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
				bad("--from: a message number: %s", argv[4]);
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
			bad("SEQ: a message number from mail ls: %s", argv[3]);
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
			bad("SEQ: a message number from mail ls: %s", argv[3]);
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

/* One hop of a trace: the node, its custody events, a note. */
static void
print_hop(json_t *h)
{
	json_t	*e;
	size_t	 i;

	printf("at ");
	print_safe(str(h, "node"), 0);
	printf(":\n");
	json_array_foreach(json_object_get(h, "events"), i, e) {
		printf("  ");
		print_time(num(e, "time_ms"));
		printf("  %-10s ", str(e, "event"));
		print_safe(str(e, "peer"), 0);
		printf("\n");
	}
	if (str(h, "note")[0] != '\0') {
		printf("  (");
		print_safe(str(h, "note"), 0);
		printf(")\n");
	} else if (json_array_size(json_object_get(h, "events")) == 0)
		printf("  (no custody record here)\n");
}

/* Custody of a record here and, from a running node, along its path. */
static int
cmd_trace(const char *sock, const char *id)
{
	json_t	*r = call(sock, json_pack("{s:s, s:s}", "cmd", "trace", "id",
	    id));
	json_t	*h;
	size_t	 i;

	if (!json_out) {
		if (json_object_get(r, "hops") == NULL) {
			/* -d: this store alone */
			if (json_object_get(r, "node") == NULL)
				json_object_set_new(r, "node",
				    json_string("(this store)"));
			print_hop(r);
		} else
			json_array_foreach(json_object_get(r, "hops"), i, h)
				print_hop(h);
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
				bad("--days: a positive number of days");
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

/* Every node below this one, from the status reports each sends up. */
static int
cmd_network(const char *sock)
{
	json_t	*r = call(sock, json_pack("{s:s}", "cmd", "network")), *o;
	size_t	 i;

	if (!json_out) {
		printf("%-32s %-8s %9s %6s %8s %7s %7s  %s\n", "NODE",
		    "VERSION", "UPTIME", "PEERS", "BACKLOG", "ERRORS", "AGE",
		    "STATE");
		json_array_foreach(json_object_get(r, "nodes"), i, o) {
			char	peers[24], age[24];

			snprintf(peers, sizeof(peers), "%lld/%lld",
			    num(o, "peers_up"), num(o, "peers"));
			snprintf(age, sizeof(age), "%llds", num(o, "age_s"));
			printf("%-32s %-8s %8llds %6s %8lld %7lld %7s  ",
			    str(o, "name"), str(o, "version"),
			    num(o, "uptime_s"), peers, num(o, "backlog"),
			    num(o, "errors"), age);
			printf("%s", json_is_true(json_object_get(o,
			    "stale")) ? "STALE" : "ok");
			if (str(o, "last_error")[0] != '\0') {
				printf(" (");
				print_safe(str(o, "last_error"), 0);
				printf(")");
			}
			printf("\n");
		}
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

/*
 * db and doc: databases and their documents. Each command has a synopsis
 * and a paragraph for "node-ctl db|doc COMMAND --help"; a wrong number of
 * arguments prints the synopsis (exit 2), a malformed value says which
 * one (exit 2 too: nothing was sent).
 */
static const struct subcmd {
	const char	*sc_group, *sc_name, *sc_args, *sc_about;
} subcmds[] = {
	{ "", "status", "",
	    "This node: name, tier, version, uptime, store size and map use,\n"
	    "links up, and its counters (-d: a stopped node's store).\n" },
	{ "", "peers", "",
	    "Each link: direction, state (up, connected, down), how far the\n"
	    "peer has our log (SENT, ACKED, LAG) and we theirs (RECEIVED,\n"
	    "LAG_IN), records in and out, refused records, seconds since it\n"
	    "was heard, seconds to the next reconnect, the last error.\n" },
	{ "", "queue", "",
	    "What each link still owes its peer, per priority lane (urgent,\n"
	    "normal, bulk), in records and bytes.\n" },
	{ "", "route", "ADDRESS",
	    "Which link mail for ADDRESS (user@node) takes, and why: local,\n"
	    "down the tree by the longest known suffix, or up to the parent.\n" },
	{ "", "trace", "ID",
	    "Custody of record ID: here, then at each node it was handed on\n"
	    "to, asked along the path (-d: this store only).\n" },
	{ "", "send", "--from ADDR [--subject S] [--receipt] [--expires SECONDS]\n"
	    "       [--priority urgent|normal|bulk] [--file FILE] TO...",
	    "Submit a message from a local mailbox to one or more addresses;\n"
	    "the text is FILE or standard input. Prints its id once stored.\n" },
	{ "", "replicate", "[PEER]",
	    "Reconnect the links that are down now (or PEER's) and send what\n"
	    "waits on the others.\n" },
	{ "", "metrics", "",
	    "The node's counters in the Prometheus text format.\n" },
	{ "", "network", "",
	    "Every node below this one (all, at the root) from the status\n"
	    "reports each sends up the tree: version, uptime, links, backlog,\n"
	    "errors, the report's age; STALE when two reports are missing.\n" },
	{ "mail", "ls", "MAILBOX [--from SEQ]",
	    "The messages of a local mailbox, 1000 at a time.\n" },
	{ "mail", "cat", "MAILBOX SEQ",
	    "One message with its text; marks it read.\n" },
	{ "mail", "rm", "MAILBOX SEQ",
	    "Remove a message; it is never delivered again.\n" },
	{ "cert", "issue", "NAME PUBKEY -o CHAINFILE [--days N]",
	    "Certify node NAME (below this one) for its public key and write\n"
	    "the chain file it needs into CHAINFILE.\n" },
	{ "cert", "revoke", "CERTID [REASON]",
	    "Revoke a certificate this node may revoke; the revocation\n"
	    "replicates on the urgent lane.\n" },
	{ "cert", "ls", "[SUBTREE]",
	    "The certificates this node holds: valid, expired or revoked.\n" },
	{ "db", "create", "DB SCOPE [PATTERN=LEVEL...]",
	    "Create the database DB (1 to 64 of a-z 0-9 . _ -), replicated to\n"
	    "every node of the subtree SCOPE: this node or a node below it.\n"
	    "Each PATTERN=LEVEL is an ACL entry; this node is always manager.\n"
	    "PATTERN: NAME (that node), *.NAME (every node below NAME) or *.\n"
	    "LEVEL: none, depositor, reader, author, editor or manager.\n"
	    "Prints the database and its ACL record's id.\n" },
	{ "db", "ls", "",
	    "The databases this node knows: scope, this node's level, whether\n"
	    "it holds a replica, documents (live and deleted), conflicts and\n"
	    "the creator.\n" },
	{ "db", "acl", "DB [PATTERN=LEVEL...]",
	    "Without entries: the ACL of DB, one PATTERN LEVEL line each. With\n"
	    "entries: change it (managers only) and show the result. An entry\n"
	    "replaces the one with the same pattern or is added; LEVEL remove\n"
	    "deletes it. The changed ACL is a signed record that replicates.\n" },
	{ "db", "digest", "DB",
	    "The state digest of this replica of DB, its documents and its\n"
	    "conflicts. Replicas with the same documents, winners and\n"
	    "conflicts print the same line.\n" },
	{ "doc", "put", "DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]\n"
	    "       [--attach NAME=FILE]... [--type MEDIA-TYPE] [--detach NAME]...",
	    "Write a document: a new one (random id) without ID, else a new\n"
	    "revision of ID that starts from its winner's fields. Fields:\n"
	    "  NAME=VALUE              text\n"
	    "  NAME:number=12.5        a number\n"
	    "  NAME:time=MS            a time: Unix milliseconds, or ISO 8601\n"
	    "  NAME:time=2026-11-26T10:00:00Z   (Z or +HH:MM)\n"
	    "  NAME:list=a,b,c         a list of text (empty: no items)\n"
	    "  NAME:bytes=@FILE        the contents of FILE\n"
	    "  NAME:null=              removes the field\n"
	    "Without fields it reads one JSON object from standard input:\n"
	    "  {\"fields\": {NAME: VALUE, ...}, \"readers\": [PATTERN, ...]}\n"
	    "with a value as in the control protocol: a string, a number, an\n"
	    "array of strings, {\"time_ms\": MS}, {\"b64\": BASE64} or null.\n"
	    "--readers: the nodes that may hold the document (node-name\n"
	    "patterns, comma-separated; \"\" clears the list).\n"
	    "--attach NAME=FILE: attach FILE (up to 16 MiB; the node reads\n"
	    "it) as NAME, replacing an attachment of that name; --type: its\n"
	    "media type; --detach NAME: drop one. Attachments travel in 64 KiB\n"
	    "chunks after the revision; doc get shows how many are here.\n"
	    "Prints the document's id and its new revision.\n" },
	{ "doc", "attachment", "DB ID NAME -o FILE",
	    "Write the winner's attachment NAME into FILE (a new file), once\n"
	    "every chunk of it has arrived here; each chunk and the whole are\n"
	    "checked against their hashes.\n" },
	{ "doc", "get", "DB ID [--rev REV]",
	    "The document's fields, one NAME: VALUE line each (list items\n"
	    "comma-separated, bytes as <N bytes>, times in ISO 8601 UTC), then\n"
	    "its revision, readers, whether it is deleted, and the revisions\n"
	    "in conflict with it. --rev: that revision instead of the winner.\n" },
	{ "doc", "ls", "DB [--from ID] [--deleted]",
	    "The documents of DB in id order, 1000 at a time (the last line\n"
	    "says where the next page starts): winning revision, depth,\n"
	    "conflicts, author. --deleted lists deleted documents too.\n" },
	{ "doc", "rm", "DB ID",
	    "Delete the document: a stub revision naming every live leaf,\n"
	    "which replicates like any other.\n" },
	{ "doc", "history", "DB ID",
	    "Every revision of the document this replica holds, oldest first:\n"
	    "depth, revision, flags (winner, leaf, deleted), when and where\n"
	    "it was written, and its parents.\n" },
	{ "doc", "conflicts", "DB",
	    "The documents of DB with conflicting revisions: the winner every\n"
	    "replica picks and the revisions in conflict with it.\n" },
	{ "doc", "resolve", "DB ID [--keep REV]",
	    "Resolve a conflict: a merge revision whose parents are every live\n"
	    "leaf, with the fields of REV (default: the winner).\n" },
};

#define NSUBCMDS	(sizeof(subcmds) / sizeof(subcmds[0]))

static const struct subcmd *
subcmd_find(const char *group, const char *name)
{
	for (size_t i = 0; name != NULL && i < NSUBCMDS; i++)
		if (strcmp(subcmds[i].sc_group, group) == 0 &&
		    strcmp(subcmds[i].sc_name, name) == 0)
			return &subcmds[i];
	return NULL;
}

/*
 * --help after a command: its synopsis and paragraph, or for db, doc,
 * mail and cert without a command the group's synopses. On stdout,
 * exit 0.
 */
static void __attribute__((noreturn))
subcmd_help(const char *group, const char *name)
{
	const struct subcmd	*sc = subcmd_find(group, name);

	if (sc != NULL) {
		printf("usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
		    "[--json] %s%s%s%s%s\n\n%s", group, group[0] ? " " : "",
		    name, sc->sc_args[0] ? " " : "", sc->sc_args,
		    sc->sc_about);
		printf("Human output by default; --json prints the node's "
		    "reply. Exit: 0 ok, 1 error, 2 usage.\n");
		exit(0);
	}
	printf("usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
	    "[--json] %s COMMAND [ARGS]\n", group);
	for (size_t i = 0; i < NSUBCMDS; i++)
		if (strcmp(subcmds[i].sc_group, group) == 0)
			printf("  %s %s%s%s\n", group, subcmds[i].sc_name,
			    subcmds[i].sc_args[0] ? " " : "",
			    subcmds[i].sc_args);
	printf("node-ctl %s COMMAND --help says more.\n", group);
	exit(0);
}

/* A wrong db or doc command line: its synopsis on stderr, exit 2. */
static void __attribute__((noreturn))
subcmd_usage(const char *group, const char *name)
{
	const struct subcmd	*sc = subcmd_find(group, name);

	if (sc == NULL) {
		fprintf(stderr, "usage: node-ctl [-s SOCKET | -c CONFIG | "
		    "-d DATADIR] [--json] %s COMMAND [ARGS]\n", group);
		for (size_t i = 0; i < NSUBCMDS; i++)
			if (strcmp(subcmds[i].sc_group, group) == 0)
				fprintf(stderr, "  %s %s%s%s\n", group,
				    subcmds[i].sc_name, subcmds[i].sc_args[0] ?
				    " " : "", subcmds[i].sc_args);
	} else
		fprintf(stderr, "usage: node-ctl %s %s%s%s\n", group, name,
		    sc->sc_args[0] ? " " : "", sc->sc_args);
	exit(2);
}


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
	char		*name, *b64;
	unsigned char	*buf;
	size_t		 len, b64len;
	json_t		*val;

	if (eq == NULL || eq == arg)
		bad("%s: a field is NAME=VALUE or NAME:TYPE=VALUE", arg);
	v = eq + 1;
	colon = memchr(arg, ':', (size_t)(eq - arg));
	if ((name = strndup(arg, (size_t)((colon != NULL ? colon : eq) -
	    arg))) == NULL)
		die("out of memory");
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
	if (json_object_get(fields, name) != NULL)
		bad("%s: the field %s is given twice", arg, name);
	if (json_object_set_new(fields, name, val) != 0)
		bad("%s: the name is not UTF-8", arg);
	free(name);
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

/* Prints s with control characters as '?', padded to width columns. */
static void
print_cell(const char *s, int width)
{
	print_safe(s, 0);
	for (int n = (int)strlen(s); n < width; n++)
		putchar(' ');
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

static int
cmd_db(const char *sock, int argc, char **argv)
{
	const char	*sub = argc > 1 ? argv[1] : NULL;
	json_t		*r, *d;
	size_t		 i;

	if (subcmd_find("db", sub) == NULL)
		subcmd_usage("db", sub);
	for (int k = 2; k < argc; k++)
		if (argv[k][0] == '-' && argv[k][1] != '\0')
			bad("%s: db %s takes no options", argv[k], sub);
	if (strcmp(sub, "create") == 0) {
		if (argc < 4)
			subcmd_usage("db", sub);
		r = call(sock, json_pack("{s:s, s:o, s:o, s:o}", "cmd",
		    "db_create", "db", utf8("DB", argv[2]), "scope",
		    utf8("SCOPE", argv[3]), "acl",
		    parse_acl(argc - 4, argv + 4, 0)));
		if (!json_out) {
			printf("created ");
			print_safe(str(r, "db"), 0);
			printf(" (acl %s)\n", str(r, "acl_id"));
		}
	} else if (strcmp(sub, "ls") == 0) {
		if (argc != 2)
			subcmd_usage("db", sub);
		r = call(sock, json_pack("{s:s}", "cmd", "db_ls"));
		if (!json_out) {
			printf("%-24s %-28s %-9s %-7s %7s %7s %9s  %s\n", "DB",
			    "SCOPE", "LEVEL", "REPLICA", "DOCS", "DELETED",
			    "CONFLICTS", "CREATOR");
			json_array_foreach(json_object_get(r, "dbs"), i, d) {
				print_cell(str(d, "db"), 24);
				printf(" ");
				print_cell(str(d, "scope"), 28);
				printf(" ");
				/* -d on the root's store cannot tell. */
				print_cell(json_object_get(d, "level") ?
				    str(d, "level") : "-", 9);
				printf(" %-7s %7lld %7lld %9lld  ",
				    json_object_get(d, "replica") == NULL ? "-" :
				    json_is_true(json_object_get(d,
				    "replica")) ? "yes" : "no", num(d, "docs"),
				    num(d, "deleted"), num(d, "conflicts"));
				print_safe(str(d, "creator"), 0);
				printf("\n");
			}
		}
	} else if (strcmp(sub, "acl") == 0) {
		json_t	*req;

		if (argc < 3)
			subcmd_usage("db", sub);
		req = json_pack("{s:s, s:o}", "cmd", "db_acl", "db",
		    utf8("DB", argv[2]));
		if (argc > 3)
			json_object_set_new(req, "set",
			    parse_acl(argc - 3, argv + 3, 1));
		r = call(sock, req);
		if (!json_out)
			print_acl(r);
	} else {	/* digest */
		if (argc != 3)
			subcmd_usage("db", sub);
		r = call(sock, json_pack("{s:s, s:o}", "cmd", "db_digest",
		    "db", utf8("DB", argv[2])));
		if (!json_out) {
			printf("%s  ", str(r, "digest"));
			print_safe(str(r, "db"), 0);
			printf("  docs %lld, conflicts %lld\n", num(r, "docs"),
			    num(r, "conflicts"));
		}
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

static void
doc_get_human(json_t *r)
{
	json_t		*v;
	const char	*k;
	size_t		 i;

	json_object_foreach(json_object_get(r, "fields"), k, v) {
		print_safe(k, 0);
		printf(": ");
		print_value(v);
		printf("\n");
	}
	printf("rev: %s\n", str(r, "rev"));
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
	if (json_is_true(json_object_get(r, "deleted")))
		printf("deleted: yes%s\n", json_is_true(json_object_get(r,
		    "purged")) ? " (purged)" : "");
	printf("conflicts: ");
	print_revs(json_object_get(r, "conflicts"), 1);
	printf("\n");
}

static void
doc_ls_human(json_t *r, const char *db, int deleted)
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
	if (json_object_get(r, "next") != NULL) {
		printf("(more: node-ctl doc ls ");
		print_safe(db, 0);
		printf(" --from %s%s)\n", str(r, "next"), deleted ?
		    " --deleted" : "");
	}
}

static void
doc_history_human(json_t *r)
{
	json_t	*v;
	size_t	 i;

	printf("%5s %-64s %-20s %-24s %-20s %s\n", "DEPTH", "REV", "FLAGS",
	    "CREATED", "ORIGIN", "PARENTS");
	json_array_foreach(json_object_get(r, "revs"), i, v) {
		char	flags[32] = "";
		int	w;

		if (json_is_true(json_object_get(v, "winner")))
			strcat(flags, ",winner");
		if (json_is_true(json_object_get(v, "leaf")))
			strcat(flags, ",leaf");
		if (json_is_true(json_object_get(v, "deleted")))
			strcat(flags, ",deleted");
		printf("%5lld %-64s %-20s ", num(v, "depth"), str(v, "rev"),
		    flags[0] ? flags + 1 : "-");
		w = print_iso(num(v, "created_ms"));
		printf("%*s", w < 25 ? 25 - w : 1, "");
		print_cell(str(v, "origin"), 20);
		printf(" ");
		print_revs(json_object_get(v, "parents"), 0);
		printf("\n");
	}
}

static void
doc_conflicts_human(json_t *r)
{
	json_t	*d, *c;
	size_t	 i, j;

	printf("%-32s %-64s %s\n", "ID", "REV", "STATUS");
	json_array_foreach(json_object_get(r, "docs"), i, d) {
		printf("%-32s %-64s winner\n", str(d, "id"), str(d, "rev"));
		json_array_foreach(json_object_get(d, "conflicts"), j, c)
			printf("%-32s %-64s conflict\n", "",
			    json_string_value(c) != NULL ?
			    json_string_value(c) : "?");
	}
	if (json_array_size(json_object_get(r, "docs")) == 0)
		printf("(no conflicts)\n");
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

static int
cmd_doc(const char *sock, int argc, char **argv)
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
		{ NULL, 0, NULL, 0 }
	};
	/* Which options each command takes. */
	static const struct {
		const char	*name, *takes;
		int		 min, max;	/* arguments after the name */
	} shapes[] = {
		{ "put", "ratx", 1, -1 }, { "get", "v", 2, 2 },
		{ "attachment", "o", 3, 3 },
		{ "ls", "fD", 1, 1 }, { "rm", "", 2, 2 },
		{ "history", "", 2, 2 }, { "conflicts", "", 1, 1 },
		{ "resolve", "k", 2, 2 },
	};
	const char	*sub = argc > 1 ? argv[1] : NULL, *readers = NULL;
	const char	*rev = NULL, *from = NULL, *keep = NULL, *db;
	const char	*type = NULL, *out = NULL;
	int		 ch, deleted = 0, nargs, li;
	size_t		 s;
	json_t		*req, *r, *attach = json_array(), *detach = json_array();

	if (subcmd_find("doc", sub) == NULL)
		subcmd_usage("doc", sub);
	for (s = 0; strcmp(shapes[s].name, sub) != 0; s++)
		;
	/* getopt over "SUB ARGS...": argv[0] plays the program name. */
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, &li)) != -1) {
		if (ch == '?' || strchr(shapes[s].takes, ch) == NULL)
			bad("%s%s: not an option of doc %s, or without its "
			    "value (usage: doc %s %s)", ch == '?' ? "" :
			    ch == 'o' ? "-" : "--", ch == '?' ?
			    argv[optind - 1] : ch == 'o' ? "o" : opts[li].name,
			    sub, sub, subcmd_find("doc", sub)->sc_args);
		switch (ch) {
		case 'r':
			readers = optarg;
			break;
		case 'v':
			check_rev("--rev", rev = optarg);
			break;
		case 'f':
			check_id("--from", from = optarg);
			break;
		case 'D':
			deleted = 1;
			break;
		case 'k':
			check_rev("--keep", keep = optarg);
			break;
		case 'a':
			json_array_append_new(attach, attachment_arg(optarg));
			break;
		case 't':
			type = optarg;
			break;
		case 'x':
			json_array_append_new(detach, utf8("--detach",
			    optarg));
			break;
		case 'o':
			out = optarg;
			break;
		}
	}
	if (strcmp(sub, "attachment") == 0 && out == NULL)
		bad("doc attachment needs -o FILE (usage: doc attachment "
		    "DB ID NAME -o FILE)");
	nargs = argc - optind;
	if (nargs < shapes[s].min || (shapes[s].max >= 0 &&
	    nargs > shapes[s].max))
		subcmd_usage("doc", sub);
	argv += optind;
	db = argv[0];
	req = json_pack("{s:o}", "db", utf8("DB", db));
	if (strcmp(sub, "put") == 0) {
		json_t	*fields = json_object();
		int	 k = 1;

		json_object_set_new(req, "cmd", json_string("doc_put"));
		if (nargs > 1 && strchr(argv[1], '=') == NULL) {
			check_id("ID", argv[1]);
			json_object_set_new(req, "id", json_string(argv[1]));
			k = 2;
		}
		for (; k < nargs; k++)
			parse_field(fields, argv[k]);
		json_object_set_new(req, "fields", fields);
		if (json_object_size(fields) == 0 &&
		    json_array_size(attach) == 0 && json_array_size(detach) == 0)
			read_put_json(req);
		for (size_t a = 0; type != NULL && a < json_array_size(attach);
		    a++)
			json_object_set_new(json_array_get(attach, a),
			    "media_type", utf8("--type", type));
		if (json_array_size(attach) > 0)
			json_object_set(req, "attach", attach);
		if (json_array_size(detach) > 0)
			json_object_set(req, "detach", detach);
		if (readers != NULL)
			json_object_set_new(req, "readers",
			    split_list("--readers", readers, 0));
	} else {
		char	cmd[32];

		snprintf(cmd, sizeof(cmd), "doc_%s", sub);
		json_object_set_new(req, "cmd", json_string(cmd));
		if (nargs > 1) {
			check_id("ID", argv[1]);
			json_object_set_new(req, "id", json_string(argv[1]));
		}
		if (nargs > 2)
			json_object_set_new(req, "name", utf8("NAME",
			    argv[2]));
	}
	json_decref(attach);
	json_decref(detach);
	if (rev != NULL)
		json_object_set_new(req, "rev", json_string(rev));
	if (keep != NULL)
		json_object_set_new(req, "keep", json_string(keep));
	if (from != NULL)
		json_object_set_new(req, "from", json_string(from));
	if (deleted)
		json_object_set_new(req, "deleted", json_true());
	r = call(sock, req);
	if (json_out)
		;
	else if (strcmp(sub, "put") == 0)
		printf("%s %s\n", str(r, "id"), str(r, "rev"));
	else if (strcmp(sub, "get") == 0)
		doc_get_human(r);
	else if (strcmp(sub, "ls") == 0)
		doc_ls_human(r, db, deleted);
	else if (strcmp(sub, "rm") == 0)
		printf("deleted %s rev %s\n", str(r, "id"), str(r, "rev"));
	else if (strcmp(sub, "attachment") == 0)
		;	/* written below, in both forms */
	else if (strcmp(sub, "history") == 0)
		doc_history_human(r);
	else if (strcmp(sub, "conflicts") == 0)
		doc_conflicts_human(r);
	else
		printf("resolved %s rev %s\n", str(r, "id"), str(r, "rev"));
	if (strcmp(sub, "attachment") == 0)
		write_attachment(r, out);
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
	for (int k = i; k < argc; k++) {
		if (strcmp(argv[k], "--help") != 0)
			continue;
		if (subcmd_find("", argv[i]) != NULL)
			subcmd_help("", argv[i]);
		if (strcmp(argv[i], "db") == 0 || strcmp(argv[i], "doc") == 0 ||
		    strcmp(argv[i], "mail") == 0 || strcmp(argv[i], "cert") == 0)
			subcmd_help(argv[i], i + 1 < k ? argv[i + 1] : NULL);
		help(stdout, 0);
	}
	if (sock == NULL && conf_path != NULL) {
		if (cfg_load(conf_path, &conf, err, sizeof(err)) != 0)
			die("%s", err);
		sock = conf->control;
		self_name = conf->name;
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
	else if (strcmp(argv[0], "network") == 0 && argc == 1)
		rc = cmd_network(sock);
	else if (strcmp(argv[0], "replicate") == 0 && argc <= 2)
		rc = cmd_replicate(sock, argc == 2 ? argv[1] : NULL);
	else if (strcmp(argv[0], "db") == 0)
		rc = cmd_db(sock, argc, argv);
	else if (strcmp(argv[0], "doc") == 0)
		rc = cmd_doc(sock, argc, argv);
	else
		usage();
	cfg_free(&conf);
	return rc;
}
