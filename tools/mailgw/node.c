/*
 * mailgw/node.c: the node's control socket, as the gateway uses it: one
 * REQ socket per call, a deadline (ctl_timeout_ms), and a node that is
 * down told apart from one that refused.
 */
#include "mailgw.h"

/* ------------------------------------------------------------------ */
/* The node's control socket.                                          */

/* 1 if something accepts connections on the unix socket at path. */
int
node_listening(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 1;	/* cannot tell: let ZeroMQ try */
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc == 0 || (errno != ECONNREFUSED && errno != ENOENT);
}

/*
 * One request (consumed) to the node; its reply object, which the caller
 * frees and whose "ok" it checks. NULL with err set if the node is not
 * there or did not answer within ctl_timeout_ms: a temporary failure.
 * A fresh ZeroMQ context each time: children of a fork never touch the
 * parent's, and a REQ socket that timed out is not reused.
 */
json_t *
node_call(json_t *req, char *err, size_t errlen)
{
	void		*ctx = NULL, *s = NULL;
	char		*out = json_dumps(req, JSON_COMPACT), *ep = NULL;
	int		 timeout = (int)conf->ctl_timeout_ms, linger = 0;
	zmq_msg_t	 msg;
	json_t		*reply = NULL;
	json_error_t	 jerr;

	json_decref(req);
	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!node_listening(conf->control)) {
		snprintf(err, errlen, "no node listening on %s", conf->control);
		goto out;
	}
	ep = xasprintf("ipc://%s", conf->control);
	if ((ctx = zmq_ctx_new()) == NULL ||
	    (s = zmq_socket(ctx, ZMQ_REQ)) == NULL) {
		snprintf(err, errlen, "zmq: %s", zmq_strerror(errno));
		goto out;
	}
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(s, ep) != 0 ||
	    zmq_send(s, out, strlen(out), 0) == -1) {
		snprintf(err, errlen, "node: %s", zmq_strerror(errno));
		goto out;
	}
	zmq_msg_init(&msg);
	for (;;) {
		if (zmq_msg_recv(&msg, s, 0) != -1)
			break;
		if (errno == EINTR)
			continue;	/* even SIGTERM: the answer is due */
		zmq_msg_close(&msg);
		snprintf(err, errlen, "the node did not answer within %u ms",
		    conf->ctl_timeout_ms);
		goto out;
	}
	reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	zmq_msg_close(&msg);
	if (reply == NULL || !json_is_object(reply)) {
		json_decref(reply);
		reply = NULL;
		snprintf(err, errlen, "the node's reply is not a JSON object");
	}
out:
	if (s != NULL)
		zmq_close(s);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	free(ep);
	free(out);
	return reply;
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
