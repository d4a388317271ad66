/*
 * ctl_client: a client of a node's control socket (ctl.c), for node-ctl
 * and the mail gateway: one JSON request, its reply within a timeout.
 * A REQ socket whose reply was lost cannot send again, so after any
 * failed call the client drops its socket and the next call opens a new
 * one. A client belongs to one process: a child of fork() makes its own.
 * After CTL_CLIENT_TIMEOUT, CTL_CLIENT_LOST or CTL_CLIENT_FAILED the node
 * may have carried the request out: only a repeat that cannot do harm
 * may follow (proto/control.md, "Retries").
 */
#ifndef CTL_CLIENT_H
#define CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* Why a call has no reply; err says it in words as well. */
#define CTL_CLIENT_OK		0
#define CTL_CLIENT_DENIED	1	/* the socket is another user's */
#define CTL_CLIENT_DOWN		2	/* no node listens on it */
#define CTL_CLIENT_TOO_BIG	3	/* over CTL_MAX_REQUEST: not sent */
#define CTL_CLIENT_TIMEOUT	4	/* no reply within the timeout */
#define CTL_CLIENT_BAD_REPLY	5	/* a reply, not a JSON object */
#define CTL_CLIENT_FAILED	6	/* ZeroMQ or memory */
#define CTL_CLIENT_LOST		7	/* the connection broke: no reply comes */

typedef struct ctl_client ctl_client_t;

/* A client of the socket at path; it connects at its first call. */
ctl_client_t	*ctl_client_new(const char *path, int timeout_ms);
/* NULL-safe; sets *cp = NULL. */
void		 ctl_client_free(ctl_client_t **cp);
/*
 * Sends req (consumed) and sets *reply to the node's reply object, "ok"
 * or not: the caller checks it and frees it. Returns CTL_CLIENT_OK, or
 * another CTL_CLIENT_* with *reply NULL and err set.
 */
int		 ctl_client_call(ctl_client_t *c, json_t *req, json_t **reply,
		    char *err, size_t errlen);

#endif
