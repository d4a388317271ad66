/*
 * mailgw/node.c: the node's control socket, as the gateway uses it
 * (node/lib/ctl_client.c): a client per call, a deadline (ctl_timeout_ms),
 * and a node that is down told apart from one that refused.
 */
#include "mailgw.h"

/*
 * One request (consumed) to the node; its reply object, which the caller
 * frees and whose "ok" it checks. NULL with err set if the node is not
 * there or did not answer within ctl_timeout_ms: a temporary failure.
 * A client of its own each time: children of a fork never touch the
 * parent's.
 */
json_t *
node_call(json_t *req, char *err, size_t errlen)
{
	ctl_client_t	*c = ctl_client_new(conf->control,
	    (int)conf->ctl_timeout_ms);
	json_t		*reply;

	ctl_client_call(c, req, &reply, err, errlen);
	ctl_client_free(&c);
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
