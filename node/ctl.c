/*
 * ctl: control requests, one JSON object in, one JSON object out.
 *
 * SECURITY: the socket file is created 0600 under a 077 umask, so only
 * the node's user can connect; even so every request is untrusted: its
 * size is bounded, it must parse as a JSON object, and every field is
 * type- and bounds-checked by the handler before use. A bad request gets
 * an error reply, a counter and a log line; the node keeps running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "ctl.h"
#include "log.h"
#include "node.h"
#include "submit.h"
#include "turn.h"
#include "view.h"
#include "writes.h"
#include "xmem.h"

/* The marker a command returns when it answers later (ctl_answer()). */
static json_t	later;

int
ctl_key(json_t *req, const char **key, char *err, size_t errlen)
{
	json_t	*v = json_object_get(req, "key");

	*key = NULL;
	if (v != NULL && ((*key = json_string_value(v)) == NULL ||
	    !submit_key_valid(*key))) {
		snprintf(err, errlen, "key: 1 to %d printable ASCII characters",
		    STORE_MAX_SUBMIT_KEY);
		return -1;
	}
	return 0;
}

int
ctl_key_seen(struct node *n, const char *key, uint8_t id[WIRE_ID_BYTES],
    char *err, size_t errlen)
{
	store_txn_t	*txn;
	int		 rc;

	if (key == NULL)
		return 0;
	if ((txn = node_txn(n)) == NULL || (rc = submit_seen(txn, key,
	    id)) < 0) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	return rc;
}

int
ctl_key_remember(struct node *n, const char *key,
    const uint8_t id[WIRE_ID_BYTES], const char *undone, char *err,
    size_t errlen)
{
	if (key == NULL || submit_remember(node_txn(n), key, id) == 0)
		return 0;
	/* Not the record without its key: a retry would write it twice. */
	node_abort(n);
	snprintf(err, errlen, "could not store the key: %s", undone);
	return -1;
}

json_t *
ctl_batch(struct node *n, json_t *req, const char *what, ctl_fn fn,
    char *err, size_t errlen)
{
	json_t		*items = json_object_get(req, "items"), *item, *r;
	json_t		*results;
	uint64_t	 ends = n->n_txn_ends;
	size_t		 i;
	char		 e[256];

	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > CTL_MAX_BATCH) {
		snprintf(err, errlen, "%s_batch needs items: 1 to %d %s "
		    "requests", what, CTL_MAX_BATCH, what);
		return NULL;
	}
	results = json_array();
	json_array_foreach(items, i, item) {
		e[0] = '\0';
		r = json_is_object(item) ? fn(n, item, e, sizeof(e)) : NULL;
		if (r == NULL && e[0] == '\0')
			snprintf(e, sizeof(e), "an item is an object of %s's "
			    "fields", what);
		if (r == NULL)
			r = json_pack("{s:s}", "error", e);
		json_array_append_new(results, r);
		if (n->n_txn_broken || n->n_txn_ends != ends)
			break;	/* the transaction is lost: so is the batch */
	}
	return json_pack("{s:o}", "results", results);
}

/* Every command, by the file that serves it. */
static const struct ctl_command *const tables[] = {
	ctl_admin_commands, ctl_mail_commands, ctl_doc_commands,
};

static ctl_fn
lookup(const char *cmd)
{
	if (cmd == NULL)
		return NULL;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; tables[t][i].name != NULL; i++)
			if (strcmp(cmd, tables[t][i].name) == 0)
				return tables[t][i].fn;
	return NULL;
}

/*
 * 1 if request req writes: its reply waits for the commit that makes the
 * write durable (proto/control.md, "Writes"). mail_cat's mark of a
 * message as read is not waited for: it is only logged if it fails.
 */
static int
writes(const char *cmd, json_t *req)
{
	static const char *const w[] = { "send", "send_batch", "mail_rm",
	    "mail_fail", "cert_issue", "cert_revoke", "db_create", "doc_put",
	    "doc_put_batch", "doc_rm", "doc_resolve" };

	if (cmd != NULL && strcmp(cmd, "db_acl") == 0)
		return json_object_get(req, "set") != NULL;
	for (size_t i = 0; cmd != NULL && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(cmd, w[i]) == 0)
			return 1;
	return 0;
}

#define CTL_GROUP	64	/* requests answered after one commit */

/* One request in, one reply out; never fails the node. */
static json_t *
handle(struct node *n, const char *buf, size_t len, int *wrote)
{
	json_t		*req, *reply = NULL;
	json_error_t	 jerr;
	const char	*cmd;
	char		 err[256] = "";
	ctl_fn		 fn;

	n->n_cnt.ctl_requests++;
	if (len > CTL_MAX_REQUEST) {
		snprintf(err, sizeof(err), "request over %d bytes",
		    CTL_MAX_REQUEST);
		goto bad;
	}
	req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL || !json_is_object(req)) {
		snprintf(err, sizeof(err), "request is not a JSON object");
		json_decref(req);
		goto bad;
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	*wrote = writes(cmd, req);
	if ((fn = lookup(cmd)) != NULL)
		reply = fn(n, req, err, sizeof(err));
	if (reply == NULL && err[0] == '\0')
		snprintf(err, sizeof(err), "unknown command: %.64s",
		    cmd != NULL ? cmd : "(none)");
	json_decref(req);
	if (reply == &later)
		return reply;
	if (reply == NULL)
		goto bad;
	json_object_set_new(reply, "ok", json_true());
	return reply;
bad:
	n->n_cnt.ctl_bad++;
	log_warnx("event=ctl_refused reason=\"%s\"", err);
	return json_pack("{s:b, s:s}", "ok", 0, "error", err);
}

static int
more_parts(void *sock)
{
	int	more = 0;
	size_t	len = sizeof(more);

	return zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more;
}

json_t *
ctl_later(void)
{
	return &later;
}

/* A request read this turn, and its reply, sent once the group's writes
 * are durable. */
struct held {
	uint8_t		 id[CTL_ID_MAX];	/* the client's routing id */
	size_t		 id_len;
	json_t		*reply;
	int		 wrote;		/* a write command */
	uint64_t	 ends;		/* n_txn_ends when it began */
};

static void
send_to(struct node *n, const uint8_t *id, size_t id_len, json_t *reply)
{
	char	*out = json_dumps(reply, JSON_COMPACT);

	json_decref(reply);
	if (out == NULL)
		return;
	if (zmq_send(n->n_ctl, id, id_len, ZMQ_SNDMORE) != -1 &&
	    zmq_send(n->n_ctl, "", 0, ZMQ_SNDMORE) != -1)
		zmq_send(n->n_ctl, out, strlen(out), 0);
	free(out);
}

/*
 * Commits the group's writes once, then answers each request: a write
 * whose transaction did not commit (the store refused it, or a later
 * write in it) is an error, never "ok".
 */
static void
answer_group(struct node *n, struct held *h, size_t nh)
{
	char	why[120], err[200];
	int	wrote = 0;

	for (size_t i = 0; i < nh; i++)
		wrote |= h[i].wrote;
	if (wrote)
		node_commit(n);
	for (size_t i = 0; i < nh; i++) {
		if (h[i].wrote && n->n_txn_failed_at > h[i].ends &&
		    json_is_true(json_object_get(h[i].reply, "ok"))) {
			json_decref(h[i].reply);
			snprintf(err, sizeof(err), "the store refused the "
			    "write: %s; nothing was done", writes_why(n, why,
			    sizeof(why)));
			h[i].reply = json_pack("{s:b, s:s}", "ok", 0, "error",
			    err);
		}
		send_to(n, h[i].id, h[i].id_len, h[i].reply);
	}
}

/* Receives the next part of a message into m: 0, or -1 if none. */
static int
next_part(void *sock, zmq_msg_t *m)
{
	if (!more_parts(sock))
		return -1;
	zmq_msg_close(m);
	zmq_msg_init(m);
	return zmq_msg_recv(m, sock, 0) == -1 ? -1 : 0;
}

/*
 * The next request, as a REQ client sends it: its routing id, an empty
 * delimiter, one body part. 1 with h's id, reply (or &later) and wrote
 * set; 0 if there is none.
 */
static int
next_request(struct node *n, struct held *h)
{
	zmq_msg_t	id, delim, body;
	int		ok;

	zmq_msg_init(&id);
	if (zmq_msg_recv(&id, n->n_ctl, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&id);
		return 0;
	}
	zmq_msg_init(&delim);
	zmq_msg_init(&body);
	ok = next_part(n->n_ctl, &delim) == 0 && zmq_msg_size(&delim) == 0 &&
	    next_part(n->n_ctl, &body) == 0 && !more_parts(n->n_ctl) &&
	    zmq_msg_size(&id) <= sizeof(h->id);
	while (next_part(n->n_ctl, &delim) == 0)
		;	/* the rest of a message refused whole */
	h->id_len = zmq_msg_size(&id) <= sizeof(h->id) ? zmq_msg_size(&id) :
	    0;
	memcpy(h->id, zmq_msg_data(&id), h->id_len);
	h->wrote = 0;
	if (!ok) {
		n->n_cnt.ctl_bad++;
		log_warnx("event=ctl_refused reason=\"multipart\"");
		h->reply = json_pack("{s:b, s:s}", "ok", 0, "error",
		    "a request is one message");
	} else
		h->reply = handle(n, zmq_msg_data(&body), zmq_msg_size(&body),
		    &h->wrote);
	zmq_msg_close(&id);
	zmq_msg_close(&delim);
	zmq_msg_close(&body);
	return 1;
}

/*
 * Reads the requests waiting, up to CTL_GROUP while the turn has time
 * (one at least), and answers them together: their writes share one
 * transaction and one commit, so clients that send at once pay one
 * fsync between them.
 */
static int
on_ctl(loop_t *l, void *arg)
{
	struct node	*n = arg;
	struct held	*h = n->n_ctl_held;
	size_t		 nh = 0;

	(void)l;
	while (nh < CTL_GROUP && !n->n_ctl_waiting &&
	    (nh == 0 || !node_turn_full(n))) {
		h[nh].ends = n->n_txn_ends;
		if (!next_request(n, &h[nh]))
			break;
		/* Its write failed in the store: the next ones get a new
		 * transaction; the group's writes before it are refused. */
		if (n->n_txn_broken)
			node_abort(n);
		if (h[nh].reply == &later) {
			/* It answers later (ctl_answer()): none read till then. */
			memcpy(n->n_ctl_later, h[nh].id, h[nh].id_len);
			n->n_ctl_later_len = h[nh].id_len;
			n->n_ctl_waiting = 1;
			break;
		}
		nh++;
	}
	if (nh > 0)
		answer_group(n, h, nh);
	return 0;
}

void
ctl_answer(struct node *n, json_t *reply, const char *err)
{
	if (!n->n_ctl_waiting) {
		json_decref(reply);
		return;
	}
	n->n_ctl_waiting = 0;
	if (reply == NULL)
		reply = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	else
		json_object_set_new(reply, "ok", json_true());
	send_to(n, n->n_ctl_later, n->n_ctl_later_len, reply);
	on_ctl(n->n_loop, n);	/* requests that came meanwhile */
}

int
ctl_init(struct node *n)
{
	char	*ep = xasprintf("ipc://%s", n->n_conf->control);
	int64_t	 max = 4 * (int64_t)CTL_MAX_REQUEST;
	int	 linger = 0;
	mode_t	 old;

	n->n_ctl_held = xcalloc(CTL_GROUP, sizeof(struct held));
	if ((n->n_ctl = zmq_socket(n->n_zctx, ZMQ_ROUTER)) == NULL) {
		free(ep);
		return -1;
	}
	zmq_setsockopt(n->n_ctl, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	zmq_setsockopt(n->n_ctl, ZMQ_LINGER, &linger, sizeof(linger));
	old = umask(077);
	if (zmq_bind(n->n_ctl, ep) != 0) {
		umask(old);
		log_warn("%s: cannot bind control socket %s", n->n_conf->path,
		    n->n_conf->control);
		free(ep);
		return -1;
	}
	umask(old);
	if (chmod(n->n_conf->control, 0600) == -1) {
		log_warn("%s: chmod", n->n_conf->control);
		free(ep);
		return -1;
	}
	free(ep);
	view_scan_limit(n->n_conf->ctl_scan_max);
	loop_add(n->n_loop, n->n_ctl, -1, on_ctl, n);
	return 0;
}

void
ctl_shutdown(struct node *n)
{
	free(n->n_ctl_held);
	n->n_ctl_held = NULL;
	if (n->n_ctl != NULL) {
		zmq_close(n->n_ctl);
		/* A socket file left behind reads as a node that hangs. */
		if (unlink(n->n_conf->control) == -1)
			log_warn("%s: unlink", n->n_conf->control);
	}
	n->n_ctl = NULL;
}
