/*
 * node-ctl/client.c: one request to the node over its control socket
 * (owner-only ipc; a reply or a one-line error that says what to do), or
 * with -d the same reply read from a stopped node's store, read-only;
 * and printing what came back without letting it steer the terminal.
 */
#include "ctl_client.h"
#include "esc.h"
#include "node-ctl.h"

/* One line on stderr, then exit with status. */
static void __attribute__((format(printf, 2, 0), noreturn))
fail(int status, const char *fmt, va_list ap)
{
	fprintf(stderr, "node-ctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	exit(status);
}

void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fail(1, fmt, ap);
}

/* A malformed argument: one line on stderr, exit 2 (nothing was sent). */
void __attribute__((format(printf, 1, 2), noreturn))
bad(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fail(2, fmt, ap);
}

const char	*sock_path;	/* -s, or -c's control socket */
const char	*data_dir;	/* -d: read a stopped node's store */
const char	*self_name;	/* -c: the node's name, from its config */
const char	*node_dir;	/* -c: its data directory */
const struct node_conf *self_conf;	/* -c: the node's config */

/* Prints the reply with --json; dies if it says the command failed. */
json_t *
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
		char	line[1024];

		if (json_out)
			exit(1);
		if (e == NULL)
			die("the command failed");
		/* It may quote what came from the network: one safe line. */
		die("%s", esc_str(line, sizeof(line), e, 0));
	}
	return reply;
}

/*
 * The name of the node whose store -d reads: from its config (-c), else
 * the subject of the first certificate of DATADIR/node.chain; NULL for
 * the root or if neither says. The store does not know its node's name.
 */
char *
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

/* The store -d opened, for status, which reads more than a transaction. */
static store_t	*local_store;

json_t *
local_status(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	char	*self = local_self();
	json_t	*r;

	(void)txn;
	(void)req;
	(void)err;
	(void)errlen;
	/* The root has no chain: its name is in its config alone. */
	r = json_pack("{s:s, s:s, s:b, s:o, s:o}", "name", self != NULL ?
	    self : "", "path", data_dir, "running", 0, "store",
	    view_store(local_store), "instance", view_hex(store_instance(
	    local_store), STORE_INSTANCE_BYTES));
	free(self);
	return r;
}

/* mail cat without marking the message read. */
json_t *
local_mail_cat(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	uint64_t	seq;

	return view_mail_cat(txn, req, &seq, err, errlen);
}

/* The custody here: the one hop -d can tell, named by its store. */
json_t *
local_trace(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	json_t	*r = view_trace(txn, req, err, errlen);

	if (r != NULL)
		json_object_set_new(r, "node", json_string(data_dir));
	return r;
}

/* db ls says this node's level and whether it holds a replica when the
 * view knows which node it is (as ctl.c tells it). */
json_t *
local_db_ls(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	char	*self = local_self();

	if (self != NULL)
		json_object_set_new(req, "self", json_string(self));
	free(self);
	return doc_view_db_ls(txn, req, err, errlen);
}

/*
 * The keys -d opens sealed mail with: the node's key file and its
 * old_keys, as -c's config names them (else DATADIR/node.key and
 * DATADIR/old-keys). One that cannot be read (not ours, say) leaves
 * sealed mail unopened, saying why; clear mail reads all the same.
 */
static void
local_keys(key_pair_t **kp, struct seal_keyring *kr)
{
	static char	 why[600];
	char		*kf, *old, path[512];
	int		 rc;

	if (self_conf != NULL) {
		kf = xstrdup(self_conf->key_file);
		old = xstrdup(self_conf->old_keys);
	} else {
		kf = xasprintf("%s/node.key", data_dir);
		old = xasprintf("%s/old-keys", data_dir);
	}
	if ((rc = key_load(kp, kf)) != 0)
		snprintf(why, sizeof(why), "this node's key was not read "
		    "(%s: %s)", kf, key_strerror(rc));
	else {
		kr->current = *kp;
		if ((rc = seal_keyring_load(kr, old, path, sizeof(path))) != 0)
			snprintf(why, sizeof(why), "an old key was not read "
			    "(%s: %s)", path, seal_strerror(rc));
	}
	view_keyring(rc == 0 ? kr : NULL, rc == 0 ? NULL : why);
	free(kf);
	free(old);
}

/*
 * The same replies from a stopped node's store, opened read-only: the
 * commands of the table with a reader (cc_local). db acl with entries
 * changes the ACL: a write.
 */
json_t *
local_call(json_t *req)
{
	struct store_opts	 opts = { .read_only = 1 };
	struct seal_keyring	 kr = { 0 };
	key_pair_t		*kp = NULL;
	store_txn_t		*txn = NULL;
	json_t			*r = NULL;
	char			 err[512] = "", list[256];
	int			 rc, set = json_object_get(req, "set") != NULL;

	/* No loop to hold up here: the views read to the end. */
	view_scan_limit(UINT64_MAX);
	if (sodium_init() == -1)
		die("libsodium would not start");
	local_keys(&kp, &kr);
	if ((rc = store_open(&local_store, data_dir, &opts)) != 0)
		die("%s: cannot open the store read-only: %s", data_dir,
		    store_open_why(data_dir, rc, err, sizeof(err)));
	if (cur_cmd->cc_local != NULL && !set) {
		if ((rc = store_txn_begin(local_store, STORE_RDONLY,
		    &txn)) != 0)
			die("%s: %s", data_dir, store_strerror(rc));
		r = cur_cmd->cc_local(txn, req, err, sizeof(err));
		store_txn_abort(&txn);
	} else {
		cmd_local_list(list, sizeof(list));
		snprintf(err, sizeof(err), "%s%s needs a running node; -d "
		    "reads a stopped node's store (%s)", cur_cmd->cc_name,
		    set ? " with entries" : "", list);
	}
	store_close(&local_store);
	view_keyring(NULL, NULL);
	seal_keyring_free(&kr);
	key_free(&kp);
	json_decref(req);
	if (r == NULL)
		r = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	else
		json_object_set_new(r, "ok", json_true());
	return checked(r);
}

int
call_once(json_t *req, int timeout_ms, json_t **reply, char *err,
    size_t errlen)
{
	ctl_client_t	*c = ctl_client_new(sock_path, timeout_ms);
	int		 rc;

	rc = ctl_client_call(c, req, reply, err, errlen);
	ctl_client_free(&c);
	return rc;
}

void
call_die(int rc, int timeout_ms, const char *err)
{
	switch (rc) {
	case CTL_CLIENT_DOWN:
		die("no node listening on %s: start it, or use -d DATADIR to "
		    "read its store", sock_path);
	case CTL_CLIENT_TIMEOUT:
		die("no answer from the node on %s within %d s: is it running "
		    "(and yours)?", sock_path, timeout_ms / 1000);
	case CTL_CLIENT_LOST:
		die("the node on %s stopped before it answered: the command "
		    "may have been done; look before repeating it", sock_path);
	case CTL_CLIENT_BAD_REPLY:
		die("the node sent a reply that is not JSON");
	default:	/* denied, too big, ZeroMQ: err says it all */
		die("%s", err);
	}
}

/*
 * Sends req (consumed) and returns the reply object; dies on failure,
 * saying what to do in node-ctl's words.
 */
json_t *
call(json_t *req)
{
	json_t	*reply;
	char	 err[512];
	int	 rc;

	if (data_dir != NULL)
		return local_call(req);
	rc = call_once(req, REPLY_TIMEOUT_MS, &reply, err, sizeof(err));
	if (rc != CTL_CLIENT_OK)
		call_die(rc, REPLY_TIMEOUT_MS, err);
	return checked(reply);
}

/* -d for a command of many requests: one store, one read transaction,
 * the node's keys read once (sealed documents open with them). */
static store_txn_t		*ask_txn;
static struct seal_keyring	 ask_kr;
static key_pair_t		*ask_kp;

static void
ask_close(void)
{
	store_txn_abort(&ask_txn);
	store_close(&local_store);
	view_keyring(NULL, NULL);
	seal_keyring_free(&ask_kr);
	key_free(&ask_kp);
}

/* The view that answers req's command, for -d (db export). */
json_t *
local_view(store_txn_t *txn, json_t *req, char *err, size_t errlen)
{
	doc_view_fn	view = doc_view_find(str(req, "cmd"));

	if (view == NULL) {
		snprintf(err, errlen, "%s needs a running node", str(req,
		    "cmd"));
		return NULL;
	}
	return view(txn, req, err, errlen);
}

json_t *
ask_reply(json_t *req)
{
	struct store_opts	 opts = { .read_only = 1 };
	json_t			*r;
	char			 err[512] = "";
	int			 rc;

	if (data_dir == NULL) {
		rc = call_once(req, REPLY_TIMEOUT_MS, &r, err, sizeof(err));
		if (rc != CTL_CLIENT_OK)
			call_die(rc, REPLY_TIMEOUT_MS, err);
	} else {
		if (ask_txn == NULL) {
			view_scan_limit(UINT64_MAX);
			if (sodium_init() == -1)
				die("libsodium would not start");
			local_keys(&ask_kp, &ask_kr);
			if ((rc = store_open(&local_store, data_dir,
			    &opts)) != 0)
				die("%s: cannot open the store read-only: %s",
				    data_dir, store_open_why(data_dir, rc, err,
				    sizeof(err)));
			if ((rc = store_txn_begin(local_store, STORE_RDONLY,
			    &ask_txn)) != 0)
				die("%s: %s", data_dir, store_strerror(rc));
			atexit(ask_close);
		}
		if ((r = local_view(ask_txn, req, err, sizeof(err))) == NULL)
			r = json_pack("{s:b, s:s}", "ok", 0, "error", err);
		else
			json_object_set_new(r, "ok", json_true());
		json_decref(req);
	}
	return r;
}

json_t *
ask_check(json_t *r)
{
	char	line[1024];

	if (!json_is_true(json_object_get(r, "ok")))
		die("%s", esc_str(line, sizeof(line), str(r, "error"), 0));
	return r;
}

json_t *
ask(json_t *req)
{
	return ask_check(ask_reply(req));
}

const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

long long
num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Prints untrusted text through esc(), the one escaping path. */
void
print_safe(const char *s, int keep_newlines)
{
	size_t	 n = strlen(s);
	char	*buf = xmalloc(ESC_SIZE(n));

	fputs(esc(buf, ESC_SIZE(n), s, n, keep_newlines ? ESC_NEWLINES : 0),
	    stdout);
	free(buf);
}

/* print_safe(s), cut to width columns if longer, then spaces up to
 * width. */
void
print_cell(const char *s, int width)
{
	char	buf[512];
	int	n;

	esc_str(buf, (size_t)width + 1 < sizeof(buf) ? (size_t)width + 1 :
	    sizeof(buf), s, 0);
	fputs(buf, stdout);
	for (n = (int)strlen(buf); n < width; n++)
		putchar(' ');
}

void
print_more(json_t *r, const char *cmd, const char *tail, const char *what)
{
	const char	*next = json_string_value(json_object_get(r, "next"));
	int		 partial = json_is_true(json_object_get(r,
	    "partial"));

	if (!partial && (next == NULL || cmd == NULL))
		return;
	printf("(");
	if (partial)
		printf("partial: read %lld %s, the most the node reads for one "
		    "request%s%s", num(r, "scanned"), num(r, "scanned") == 1 ?
		    "entry" : "entries", what != NULL ? "; " : "",
		    what != NULL ? what : "");
	if (next != NULL && cmd != NULL) {
		printf("%smore: node-ctl ", partial ? "; " : "");
		print_safe(cmd, 0);
		printf(" --from ");
		print_safe(next, 0);
		printf("%s", tail);
	}
	printf(")\n");
}

const char *
opt_from(int *argc, char **argv)
{
	const char	*from = NULL;
	int		 k = 1;

	for (int i = 1; i < *argc; i++) {
		if (from == NULL && strcmp(argv[i], "--from") == 0 &&
		    i + 1 < *argc) {
			from = argv[++i];
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			bad("%s: not an option of %s, or without its value "
			    "(usage: %s %s)", argv[i], cur_cmd->cc_name,
			    cur_cmd->cc_name, cur_cmd->cc_args);
		argv[k++] = argv[i];
	}
	*argc = k;
	return from;
}

void
print_time(long long ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s.%03lldZ", buf, ms % 1000);
}
