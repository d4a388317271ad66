/*
 * http: the metrics endpoint. One listening TCP socket on a loopback
 * address and at most HTTP_MAX_CONNS connections, all non-blocking and
 * driven by the node's loop: no thread, no call that waits.
 *
 * A connection goes READ -> WRITE -> DRAIN -> closed. READ collects the
 * request head (at most HTTP_MAX_HEAD bytes) and answers as soon as the
 * head is complete or known to be bad. WRITE sends the answer; the loop
 * watches only readability, so a full socket buffer is retried on a
 * short timer, and the fd is not watched meanwhile. DRAIN half-closes
 * and reads what the client still sends until it closes (at most
 * HTTP_DRAIN_MAX bytes): closing with unread bytes would reset the
 * connection, and the client could lose the answer. Whatever its state,
 * a connection is closed HTTP_DEADLINE_MS after it was accepted.
 *
 * Invariants: h_conns[] holds every open connection, each with a pending
 * deadline timer; a connection is freed only by conn_close(), which
 * cancels its timers and its watch.
 *
 * SECURITY: every byte read here is untrusted. A bad request gets a 4xx
 * and one log line, never more memory than the fixed buffer and never
 * fatal(). cfg.c allows only loopback addresses: there is no
 * authentication, and the answer holds only counters and node names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "xmem.h"

#define HTTP_MAX_HEAD		4096	/* request line and headers */
#define HTTP_MAX_CONNS		16
#define HTTP_DEADLINE_MS	5000	/* a connection's whole life */
#define HTTP_RETRY_MS		20	/* send again after EAGAIN */
#define HTTP_DRAIN_MAX		(64 * 1024)
#define HTTP_ACCEPT_BURST	64	/* accepts per loop turn */
#define HTTP_ACCEPT_PAUSE_MS	1000	/* out of descriptors: wait */

enum conn_state {
	CONN_READ,
	CONN_WRITE,
	CONN_DRAIN,
};

struct conn {
	struct http	*c_http;
	int		 c_fd;
	enum conn_state	 c_state;
	int		 c_watched;	/* in the loop's watch list */
	uint64_t	 c_deadline;	/* timer id, 0: fired */
	uint64_t	 c_retry;	/* timer id, 0: none */
	char		 c_peer[INET6_ADDRSTRLEN + 8];	/* for logs */
	char		 c_head[HTTP_MAX_HEAD];
	size_t		 c_len;
	char		*c_out;		/* the answer, while writing */
	size_t		 c_outlen, c_outoff;
	size_t		 c_drained;
};

struct http {
	struct node	*h_node;
	loop_t		*h_loop;
	int		 h_fd;
	int		 h_watched;
	uint64_t	 h_resume;	/* timer id, 0: none */
	struct conn	*h_conns[HTTP_MAX_CONNS];
	size_t		 h_nconns;
};

static int	on_conn(loop_t *, void *);

static void
conn_watch(struct conn *c, int on)
{
	if (on && !c->c_watched)
		loop_add(c->c_http->h_loop, NULL, c->c_fd, on_conn, c);
	else if (!on && c->c_watched)
		loop_remove(c->c_http->h_loop, NULL, c->c_fd);
	c->c_watched = on;
}

/* Frees c: the caller must not touch it afterwards. */
static void
conn_close(struct conn *c)
{
	struct http	*h = c->c_http;

	conn_watch(c, 0);
	if (c->c_deadline != 0)
		loop_timer_cancel(h->h_loop, c->c_deadline);
	if (c->c_retry != 0)
		loop_timer_cancel(h->h_loop, c->c_retry);
	/* A socket: close cannot lose data we care about. */
	close(c->c_fd);
	for (size_t i = 0; i < h->h_nconns; i++)
		if (h->h_conns[i] == c) {
			h->h_conns[i] = h->h_conns[--h->h_nconns];
			break;
		}
	free(c->c_out);
	free(c);
}

static void	conn_write(struct conn *);

static void
on_retry(loop_t *l, void *arg)
{
	struct conn	*c = arg;

	(void)l;
	c->c_retry = 0;
	conn_write(c);
}

static void
on_deadline(loop_t *l, void *arg)
{
	struct conn	*c = arg;

	(void)l;
	c->c_deadline = 0;
	switch (c->c_state) {
	case CONN_READ:
		log_warnx("event=metrics_http_refused peer=%s reason=\"no "
		    "complete request in %d ms\"", c->c_peer, HTTP_DEADLINE_MS);
		break;
	case CONN_WRITE:
		log_warnx("event=metrics_http_refused peer=%s reason=\"answer "
		    "not read in %d ms\"", c->c_peer, HTTP_DEADLINE_MS);
		break;
	case CONN_DRAIN:
		log_debug("event=metrics_http_closed peer=%s reason=\"client "
		    "kept the connection open\"", c->c_peer);
		break;
	}
	conn_close(c);
}

/* Sends what is left of the answer; may free c. */
static void
conn_write(struct conn *c)
{
	ssize_t	w;

	while (c->c_outoff < c->c_outlen) {
		w = send(c->c_fd, c->c_out + c->c_outoff,
		    c->c_outlen - c->c_outoff, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->c_retry = loop_timer(c->c_http->h_loop,
			    HTTP_RETRY_MS, on_retry, c);
			return;
		}
		if (w == -1) {
			log_debug("event=metrics_http_closed peer=%s "
			    "reason=\"send: %s\"", c->c_peer, strerror(errno));
			conn_close(c);
			return;
		}
		c->c_outoff += (size_t)w;
	}
	free(c->c_out);
	c->c_out = NULL;
	if (shutdown(c->c_fd, SHUT_WR) == -1) {
		conn_close(c);
		return;
	}
	c->c_state = CONN_DRAIN;
	conn_watch(c, 1);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	}
	return "Error";
}

/* Answers with status and starts sending; may free c. */
static void
respond(struct conn *c, int status)
{
	const char	*type = "text/plain; charset=utf-8";
	char		*body;

	switch (status) {
	case 200:
		body = metrics_text(c->c_http->h_node);
		type = "text/plain; version=0.0.4";
		log_debug("event=metrics_http peer=%s status=200 bytes=%zu",
		    c->c_peer, strlen(body));
		break;
	case 404:
	case 405:
		/* Ordinary client mistakes (a browser asks for /favicon.ico). */
		body = xasprintf("%d %s\n", status, status_text(status));
		log_debug("event=metrics_http_refused peer=%s status=%d",
		    c->c_peer, status);
		break;
	default:
		body = xasprintf("%d %s\n", status, status_text(status));
		log_warnx("event=metrics_http_refused peer=%s status=%d "
		    "reason=\"%s\"", c->c_peer, status, status == 431 ?
		    "request head too long" : "malformed request");
		break;
	}
	c->c_out = xasprintf("HTTP/1.0 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "%s"
	    "Connection: close\r\n"
	    "\r\n"
	    "%s", status, status_text(status), type, strlen(body),
	    status == 405 ? "Allow: GET\r\n" : "", body);
	free(body);
	c->c_outlen = strlen(c->c_out);
	c->c_outoff = 0;
	c->c_state = CONN_WRITE;
	conn_watch(c, 0);
	conn_write(c);
}

static int
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * The length of the line at p without its CR LF (or bare LF), with *next
 * set to the line after it; -1 if the line has no LF yet.
 */
static long
line_len(const unsigned char *p, const unsigned char *end,
    const unsigned char **next)
{
	const unsigned char	*nl = memchr(p, '\n', (size_t)(end - p));
	long			 n;

	if (nl == NULL)
		return -1;
	*next = nl + 1;
	n = nl - p;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/*
 * What the head read so far asks for: 0 if it is not complete yet, else
 * the status to answer with. "METHOD SP TARGET SP HTTP/1.x", then header
 * lines "name: value" up to an empty line (CR LF or a bare LF).
 */
static int
parse_head(const char *buf, size_t len)
{
	const unsigned char	*b = (const unsigned char *)buf;
	const unsigned char	*end = b + len, *p, *next;
	size_t			 i, mlen, t, tlen;
	long			 ll, hl;

	if (memchr(b, '\0', len) != NULL)
		return 400;
	if ((ll = line_len(b, end, &next)) == -1)
		return len == HTTP_MAX_HEAD ? 431 : 0;
	for (i = 0; i < (size_t)ll && is_tchar(b[i]); i++)
		;
	if (i == 0 || i >= (size_t)ll || b[i] != ' ')
		return 400;
	mlen = i;
	for (t = ++i; i < (size_t)ll && b[i] > 0x20 && b[i] < 0x7f; i++)
		;
	if (i == t || i >= (size_t)ll || b[i] != ' ')
		return 400;
	tlen = i - t;
	i++;
	if ((size_t)ll - i != 8 || memcmp(b + i, "HTTP/1.", 7) != 0 ||
	    b[i + 7] < '0' || b[i + 7] > '9')
		return 400;

	for (p = next; (hl = line_len(p, end, &next)) != 0; p = next) {
		if (hl == -1)
			return len == HTTP_MAX_HEAD ? 431 : 0;
		for (i = 0; i < (size_t)hl && is_tchar(p[i]); i++)
			;
		if (i == 0 || i >= (size_t)hl || p[i] != ':')
			return 400;
	}

	if (mlen != 3 || memcmp(b, "GET", 3) != 0)
		return 405;
	for (i = 0; i < tlen && b[t + i] != '?'; i++)
		;
	if (i == 8 && memcmp(b + t, "/metrics", 8) == 0)
		return 200;
	return 404;
}

static int
on_conn(loop_t *l, void *arg)
{
	struct conn	*c = arg;
	char		 sink[4096];
	ssize_t		 r;
	int		 status;

	(void)l;
	if (c->c_state == CONN_DRAIN) {
		r = recv(c->c_fd, sink, sizeof(sink), 0);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return 0;
		if (r > 0)
			c->c_drained += (size_t)r;
		if (r <= 0 || c->c_drained > HTTP_DRAIN_MAX)
			conn_close(c);
		return 0;
	}
	/* CONN_READ: the buffer is never full here (respond() ran then). */
	r = recv(c->c_fd, c->c_head + c->c_len, sizeof(c->c_head) - c->c_len,
	    0);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (r <= 0) {
		log_debug("event=metrics_http_closed peer=%s reason=\"%s\"",
		    c->c_peer, r == 0 ? "closed before a complete request" :
		    strerror(errno));
		conn_close(c);
		return 0;
	}
	c->c_len += (size_t)r;
	if ((status = parse_head(c->c_head, c->c_len)) != 0)
		respond(c, status);
	return 0;
}

/* "127.0.0.1:40000" or "[::1]:40000", for logs. */
static void
peer_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;
	char				 a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		snprintf(out, len, "%s:%u", a, ntohs(sin->sin_port));
	else if (ss->ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		snprintf(out, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	else
		snprintf(out, len, "unknown");
}

static int	on_accept(loop_t *, void *);

static void
on_resume(loop_t *l, void *arg)
{
	struct http	*h = arg;

	h->h_resume = 0;
	loop_add(l, NULL, h->h_fd, on_accept, h);
	h->h_watched = 1;
}

static int
on_accept(loop_t *l, void *arg)
{
	struct http		*h = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct conn		*c;
	char			 peer[INET6_ADDRSTRLEN + 8];
	int			 fd;

	for (int i = 0; i < HTTP_ACCEPT_BURST; i++) {
		sl = sizeof(ss);
		fd = accept4(h->h_fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The listener would stay readable: pause. */
				log_warn("event=metrics_http_paused ms=%d",
				    HTTP_ACCEPT_PAUSE_MS);
				loop_remove(l, NULL, h->h_fd);
				h->h_watched = 0;
				h->h_resume = loop_timer(l,
				    HTTP_ACCEPT_PAUSE_MS, on_resume, h);
				return 0;
			}
			/* The failed connection is gone; try the next. */
			continue;
		}
		peer_text(&ss, peer, sizeof(peer));
		if (h->h_nconns == HTTP_MAX_CONNS) {
			log_warnx("event=metrics_http_refused peer=%s "
			    "reason=\"%d connections open\"", peer,
			    HTTP_MAX_CONNS);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->c_http = h;
		c->c_fd = fd;
		c->c_state = CONN_READ;
		memcpy(c->c_peer, peer, sizeof(c->c_peer));
		c->c_deadline = loop_timer(l, HTTP_DEADLINE_MS, on_deadline, c);
		h->h_conns[h->h_nconns++] = c;
		conn_watch(c, 1);
	}
	return 0;
}

int
http_init(struct node *n, http_t **out)
{
	const struct node_conf	*conf = n->n_conf;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct http		*h;
	char			 why[256];
	int			 fd, one = 1;

	*out = NULL;
	if (conf->metrics_listen == NULL)
		return 0;
	/* cfg.c checked it; parsed again here for the address. */
	if (cfg_loopback_parse(conf->metrics_listen, &ss, &sl, why,
	    sizeof(why)) == -1) {
		log_warnx("%s: metrics_listen: %s", conf->path, why);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: metrics_listen: socket", conf->path);
		return -1;
	}
	/* SO_REUSEADDR: a restart need not wait out TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, HTTP_MAX_CONNS) == -1) {
		log_warn("%s: cannot listen for metrics on %s", conf->path,
		    conf->metrics_listen);
		close(fd);
		return -1;
	}
	h = xcalloc(1, sizeof(*h));
	h->h_node = n;
	h->h_loop = n->n_loop;
	h->h_fd = fd;
	loop_add(h->h_loop, NULL, fd, on_accept, h);
	h->h_watched = 1;
	log_info("event=metrics_listen address=%s", conf->metrics_listen);
	*out = h;
	return 0;
}

void
http_shutdown(http_t **hp)
{
	struct http	*h;

	if (hp == NULL || (h = *hp) == NULL)
		return;
	while (h->h_nconns > 0)
		conn_close(h->h_conns[h->h_nconns - 1]);
	if (h->h_watched)
		loop_remove(h->h_loop, NULL, h->h_fd);
	if (h->h_resume != 0)
		loop_timer_cancel(h->h_loop, h->h_resume);
	close(h->h_fd);
	free(h);
	*hp = NULL;
}
