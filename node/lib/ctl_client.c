/*
 * ctl_client: one request at a time to a node's control socket, the
 * reply awaited until a deadline on the monotonic clock (ctl_client.h).
 * The socket is watched (a ZeroMQ socket monitor) for a connection that
 * breaks while a reply is due: a node killed then never answers, and a
 * client told so at once can try again at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

#include "clock.h"
#include "ctl_proto.h"
#include "ctl_client.h"
#include "xmem.h"

struct ctl_client {
	char	*c_path;
	char	*c_endpoint;	/* ipc://PATH */
	int	 c_timeout_ms;
	void	*c_ctx;
	void	*c_sock;	/* NULL until a call opens it */
	void	*c_mon;		/* c_sock's broken connections, or NULL */
	unsigned c_nmon;	/* monitors made: each its own inproc name */
};

ctl_client_t *
ctl_client_new(const char *path, int timeout_ms)
{
	ctl_client_t	*c = xcalloc(1, sizeof(*c));

	c->c_path = xstrdup(path);
	c->c_endpoint = xasprintf("ipc://%s", path);
	c->c_timeout_ms = timeout_ms;
	return c;
}

/* Closes the socket: after a lost reply a REQ socket is stuck. */
static void
drop(ctl_client_t *c)
{
	if (c->c_mon != NULL) {
		zmq_socket_monitor(c->c_sock, NULL, 0);
		zmq_close(c->c_mon);
	}
	if (c->c_sock != NULL)
		zmq_close(c->c_sock);
	c->c_sock = c->c_mon = NULL;
}

void
ctl_client_free(ctl_client_t **cp)
{
	ctl_client_t	*c = *cp;

	if (c == NULL)
		return;
	drop(c);
	if (c->c_ctx != NULL)
		zmq_ctx_term(c->c_ctx);
	free(c->c_endpoint);
	free(c->c_path);
	free(c);
	*cp = NULL;
}

static int __attribute__((format(printf, 4, 5)))
failed(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * Whether a node is there, asked of the kernel: ZeroMQ would wait for a
 * socket nobody listens on, or that we may not use, until the timeout.
 */
static int
probe(const ctl_client_t *c, char *err, size_t errlen)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	struct stat		sb;
	int			fd, rc, saved;

	if (stat(c->c_path, &sb) == -1 && errno == EACCES)
		goto denied;
	if (stat(c->c_path, &sb) == -1 || !S_ISSOCK(sb.st_mode))
		goto down;
	if (strlen(c->c_path) >= sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return CTL_CLIENT_OK;	/* cannot tell: let ZeroMQ try */
	memcpy(sun.sun_path, c->c_path, strlen(c->c_path) + 1);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	close(fd);
	if (rc == 0 || (saved != EACCES && saved != ECONNREFUSED &&
	    saved != ENOENT))
		return CTL_CLIENT_OK;
	if (saved != EACCES)
		goto down;
denied:
	return failed(CTL_CLIENT_DENIED, err, errlen, "%s: permission denied: "
	    "only the node's own user may use its control socket", c->c_path);
down:
	return failed(CTL_CLIENT_DOWN, err, errlen, "no node listening on %s",
	    c->c_path);
}

/*
 * Watches c_sock for a connection that breaks (c_mon). Best effort:
 * without it, a lost reply is only known by the timeout.
 */
static void
watch(ctl_client_t *c)
{
	char	ep[64];
	int	linger = 0;

	snprintf(ep, sizeof(ep), "inproc://ctl-client-%p-%u", (void *)c,
	    c->c_nmon++);
	if (zmq_socket_monitor(c->c_sock, ep, ZMQ_EVENT_DISCONNECTED) != 0 ||
	    (c->c_mon = zmq_socket(c->c_ctx, ZMQ_PAIR)) == NULL)
		return;
	zmq_setsockopt(c->c_mon, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(c->c_mon, ep) != 0) {
		zmq_socket_monitor(c->c_sock, NULL, 0);
		zmq_close(c->c_mon);
		c->c_mon = NULL;
	}
}

/* Forgets the breaks seen before this call: each event is two parts. */
static void
forget_breaks(ctl_client_t *c)
{
	zmq_msg_t	msg;

	if (c->c_mon == NULL)
		return;
	zmq_msg_init(&msg);
	while (zmq_msg_recv(&msg, c->c_mon, ZMQ_DONTWAIT) != -1)
		;
	zmq_msg_close(&msg);
}

static int
open_socket(ctl_client_t *c, char *err, size_t errlen)
{
	int	linger = 0;

	if (c->c_ctx == NULL && (c->c_ctx = zmq_ctx_new()) == NULL)
		goto fail;
	if ((c->c_sock = zmq_socket(c->c_ctx, ZMQ_REQ)) == NULL)
		goto fail;
	zmq_setsockopt(c->c_sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(c->c_sock, ZMQ_SNDTIMEO, &c->c_timeout_ms,
	    sizeof(c->c_timeout_ms));
	watch(c);
	if (zmq_connect(c->c_sock, c->c_endpoint) == 0)
		return CTL_CLIENT_OK;
fail:
	return failed(CTL_CLIENT_FAILED, err, errlen, "%s: %s", c->c_path,
	    zmq_strerror(errno));
}

/*
 * Waits for the reply until the deadline, whatever signals come: the
 * answer is due; unless the connection breaks first. A reply that came
 * just before the break is still taken.
 */
static int
await(ctl_client_t *c, uint64_t deadline, char *err, size_t errlen)
{
	zmq_pollitem_t	pi[2] = {
		{ .socket = c->c_sock, .events = ZMQ_POLLIN },
		{ .socket = c->c_mon, .events = ZMQ_POLLIN },
	};
	uint64_t	now;
	int		rc;

	while ((now = clock_mono_ms()) < deadline) {
		rc = zmq_poll(pi, c->c_mon != NULL ? 2 : 1,
		    (long)(deadline - now));
		if (rc > 0 && (pi[0].revents & ZMQ_POLLIN))
			return CTL_CLIENT_OK;
		if (rc > 0 && zmq_poll(pi, 1, 0) == 1)
			return CTL_CLIENT_OK;
		if (rc > 0)
			return failed(CTL_CLIENT_LOST, err, errlen, "the "
			    "connection to the node broke before it answered "
			    "(was it stopped?)");
		if (rc == -1 && errno != EINTR)
			return failed(CTL_CLIENT_FAILED, err, errlen, "%s: %s",
			    c->c_path, zmq_strerror(errno));
	}
	return failed(CTL_CLIENT_TIMEOUT, err, errlen, "the node did not "
	    "answer within %d ms", c->c_timeout_ms);
}

static int
exchange(ctl_client_t *c, const char *out, json_t **reply, char *err,
    size_t errlen)
{
	uint64_t	 deadline = clock_mono_ms() + (uint64_t)c->c_timeout_ms;
	zmq_msg_t	 msg;
	json_error_t	 jerr;
	int		 rc;

	if (c->c_sock == NULL &&
	    (rc = open_socket(c, err, errlen)) != CTL_CLIENT_OK)
		return rc;
	forget_breaks(c);
	if (zmq_send(c->c_sock, out, strlen(out), 0) == -1)
		return errno == EAGAIN ? failed(CTL_CLIENT_TIMEOUT, err, errlen,
		    "the node did not take the request within %d ms",
		    c->c_timeout_ms) : failed(CTL_CLIENT_FAILED, err, errlen,
		    "%s: %s", c->c_path, zmq_strerror(errno));
	if ((rc = await(c, deadline, err, errlen)) != CTL_CLIENT_OK)
		return rc;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, c->c_sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&msg);
		return failed(CTL_CLIENT_FAILED, err, errlen, "%s: %s",
		    c->c_path, zmq_strerror(errno));
	}
	*reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	zmq_msg_close(&msg);
	if (*reply != NULL && json_is_object(*reply))
		return CTL_CLIENT_OK;
	json_decref(*reply);
	*reply = NULL;
	return failed(CTL_CLIENT_BAD_REPLY, err, errlen,
	    "the node's reply is not a JSON object");
}

int
ctl_client_call(ctl_client_t *c, json_t *req, json_t **reply, char *err,
    size_t errlen)
{
	char	*out = json_dumps(req, JSON_COMPACT);
	int	 rc;

	json_decref(req);
	*reply = NULL;
	if (out == NULL)
		return failed(CTL_CLIENT_FAILED, err, errlen, "out of memory");
	if ((rc = probe(c, err, errlen)) == CTL_CLIENT_OK) {
		if (strlen(out) > CTL_MAX_REQUEST)
			rc = failed(CTL_CLIENT_TOO_BIG, err, errlen, "the "
			    "request is over %d bytes, the most the control "
			    "socket takes", CTL_MAX_REQUEST);
		else
			rc = exchange(c, out, reply, err, errlen);
	}
	free(out);
	/* Whatever went wrong, the next call starts on a new socket. */
	if (rc != CTL_CLIENT_OK)
		drop(c);
	return rc;
}
