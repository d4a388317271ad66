/*
 * mailgw/node.c: the node's control socket, as the gateway uses it
 * (node/lib/ctl_client.c): one client per process, kept between calls, a
 * deadline (ctl_timeout_ms), and a node that is down told apart from one
 * that refused.
 */
#include "mailgw.h"

/*
 * The process's one client: a ZeroMQ context and a connection for every
 * message cost more than the message, and the node's group commit does
 * not care which connection a request came on. A child of fork never
 * uses its parent's (the parent makes none: main.c only forks).
 */
static ctl_client_t	*client;
static pid_t		 client_pid;

/*
 * One request (consumed) to the node; its reply object, which the caller
 * frees and whose "ok" it checks. NULL with err set if the node is not
 * there or did not answer within ctl_timeout_ms: a temporary failure.
 * After one, the client opens a new socket for the next call.
 */
json_t *
node_call(json_t *req, char *err, size_t errlen)
{
	json_t	*reply;

	if (client == NULL || client_pid != getpid()) {
		client = ctl_client_new(conf->control,
		    (int)conf->ctl_timeout_ms);
		client_pid = getpid();
	}
	ctl_client_call(client, req, &reply, err, errlen);
	return reply;
}

/* Closes this process's client, if it made one. */
void
node_close(void)
{
	if (client != NULL && client_pid == getpid())
		ctl_client_free(&client);
}

/* The "error" of a refusing reply, for log lines and SMTP replies. */
const char *
node_error(json_t *reply)
{
	const char	*e;

	e = json_string_value(json_object_get(reply, "error"));

	return e != NULL ? e : "the node refused the request";
}

char *
b64_encode(const uint8_t *p, size_t n)
{
	size_t	 len = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL);
	char	*s = xmalloc(len);

	sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}
