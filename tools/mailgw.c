/*
 * mailgw: the mail gateway between Internet mail and the node network.
 *
 *   mailgw [-n] [-v] -c CONFIG
 *
 * Inbound, it is an LMTP server (for an MTA such as Postfix in front of
 * it) and a plain SMTP server, on loopback TCP or unix sockets. Mail for
 * user@NODE.DOMAIN is submitted to the local node as one message to the
 * node addresses user@NODE, with the message bytes as received (dot-
 * unstuffed) as its text and the decoded Subject as its subject. A
 * recipient gets 250 only once the node has answered that the message is
 * stored durably; 4xx when the node is down, does not answer or cannot
 * store it, so the MTA keeps the mail and retries; 5xx for addresses
 * outside the domain, oversized mail and malformed commands.
 *
 * Outbound, it watches mailboxes of its node ([outbound] sections): each
 * message is written into a Maildir (tmp/, fsync, rename into new/, under
 * a name made from the record id, so a retry after a crash finds it
 * there) or handed to an SMTP smarthost (the record id goes into a
 * journal, fsynced, before the message leaves the mailbox, so a crash
 * between the smarthost's 250 and the removal does not send it twice);
 * then it is removed from the mailbox. A permanent failure (5xx) becomes
 * a signed failure report to the sender (the node's mail_fail); a
 * temporary one is retried with exponential backoff.
 *
 * One process accepts connections; each connection is served by a child
 * process (fork), so a slow client never holds up another, and a child
 * that dies takes nothing with it: a message is submitted only after its
 * final "." arrived. Each [outbound] section runs in a child of its own
 * (restarted if it dies), so a slow smarthost holds up nothing else.
 *
 * SECURITY: every byte from a client is untrusted: lines are bounded
 * (SMTP_LINE_MAX), the message is bounded (max_size), every command is
 * parsed by node/smtp.c, a client gets an error reply and never reaches
 * fatal(); too many errors or an idle client end its connection. Listen
 * on loopback or a unix socket only: there is no TLS and no AUTH. The
 * node's control socket admits only the node's own user, so mailgw runs
 * as that user.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <zmq.h>

#include "gw_cfg.h"
#include "log.h"
#include "mail.h"
#include "name.h"
#include "smtp.h"
#include "utf8.h"
#include "xmem.h"

#define MAX_ERRORS		20	/* bad commands before we hang up */
#define NODE_ADDR_MAX		(64 + 1 + NAME_MAX_LEN + 1)
#define SMARTHOST_TIMEOUT_MS	60000
#define RETRY_SLOTS		1024	/* in backoff, per outbound */
#define TICK_MAX		100	/* messages per outbound tick */
#define DATA_DRAIN_MAX		(16u * 1024 * 1024)	/* then hang up */

static const struct gw_conf	*conf;		/* read-only */
static char			 hostname[256];
static volatile sig_atomic_t	 got_term;

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* ------------------------------------------------------------------ */
/* The node's control socket.                                          */

/* 1 if something accepts connections on the unix socket at path. */
static int
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
static json_t *
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
static const char *
node_error(json_t *reply)
{
	const char	*e;

	e = json_string_value(json_object_get(reply, "error"));

	return e != NULL ? e : "the node refused the request";
}

static char *
b64_encode(const uint8_t *p, size_t n)
{
	size_t	 len = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL);
	char	*s = xmalloc(len);

	sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* ------------------------------------------------------------------ */
/* Inbound: one SMTP or LMTP session, in a child process.              */

struct rcpt {
	char	r_path[SMTP_PATH_MAX + 1];	/* as the client sent it */
	char	r_node[NODE_ADDR_MAX];		/* user@node */
};

struct sess {
	int		 s_fd;
	int		 s_lmtp;
	char		 s_peer[80];
	uint8_t		 s_in[4 * SMTP_LINE_MAX];
	size_t		 s_in_len;
	char		 s_out[8192];
	size_t		 s_out_len;
	int		 s_helo;	/* 0, or 1 after HELO/EHLO/LHLO */
	int		 s_mail;	/* inside a transaction */
	char		 s_from[SMTP_PATH_MAX + 1];
	struct rcpt	 s_rcpt[MAIL_MAX_RECIPIENTS];
	size_t		 s_n_rcpt;
	unsigned	 s_errors;
	uint8_t		*s_msg;		/* conf->max_size bytes */
};

/* Writes all of buf; -1 on error (the client went away). */
static int
write_all(int fd, const void *buf, size_t n)
{
	const char	*p = buf;

	while (n > 0) {
		ssize_t	w = send(fd, p, n, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
sess_flush(struct sess *s)
{
	if (s->s_out_len > 0 && write_all(s->s_fd, s->s_out, s->s_out_len))
		log_debug("event=client_write_failed peer=%s", s->s_peer);
	s->s_out_len = 0;
}

/* Queues one reply line (buffered: PIPELINING sends them together). */
static void __attribute__((format(printf, 2, 3)))
reply(struct sess *s, const char *fmt, ...)
{
	char	line[600];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	if (s->s_out_len + (size_t)n > sizeof(s->s_out))
		sess_flush(s);
	memcpy(s->s_out + s->s_out_len, line, (size_t)n);
	s->s_out_len += (size_t)n;
}

static void __attribute__((noreturn))
sess_end(struct sess *s, const char *why)
{
	sess_flush(s);
	close(s->s_fd);
	log_info("event=session_end peer=%s reason=\"%s\"", s->s_peer, why);
	free(s->s_msg);
	free(s);
	exit(0);
}

/*
 * Reads more bytes into the input buffer, after flushing what we owe the
 * client. Ends the session on EOF, a timeout or SIGTERM; in_data says
 * whether a message was being received (logged: nothing was stored).
 */
static void
sess_fill(struct sess *s, int in_data)
{
	uint64_t	deadline = now_ms() + (uint64_t)conf->timeout_s * 1000;
	struct pollfd	pfd = { .fd = s->s_fd, .events = POLLIN };
	ssize_t		n;

	sess_flush(s);
	for (;;) {
		uint64_t	now = now_ms();
		int		rc;

		if (got_term) {
			reply(s, "421 4.3.2 %s shutting down", hostname);
			sess_end(s, in_data ? "shutdown during DATA, nothing "
			    "stored" : "shutdown");
		}
		if (now >= deadline) {
			reply(s, "421 4.4.2 %s timeout, closing", hostname);
			sess_end(s, in_data ? "timeout during DATA, nothing "
			    "stored" : "timeout");
		}
		rc = poll(&pfd, 1, (int)(deadline - now));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1)
			sess_end(s, "poll failed");
		if (rc == 0)
			continue;
		n = recv(s->s_fd, s->s_in + s->s_in_len,
		    sizeof(s->s_in) - s->s_in_len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			sess_end(s, in_data ? "connection lost during DATA, "
			    "nothing stored" : "connection closed");
		s->s_in_len += (size_t)n;
		return;
	}
}

static void
consume(struct sess *s, size_t n)
{
	memmove(s->s_in, s->s_in + n, s->s_in_len - n);
	s->s_in_len -= n;
}

/*
 * The next command line into line (without CR LF, NUL-terminated), its
 * length in *len. -1 if it was too long (it has been skipped).
 */
static int
sess_line(struct sess *s, char *line, size_t *len)
{
	int	toolong = 0;

	for (;;) {
		uint8_t	*nl = memchr(s->s_in, '\n', s->s_in_len);

		if (nl != NULL) {
			size_t	n = (size_t)(nl - s->s_in);

			if (toolong || n + 1 > SMTP_LINE_MAX) {
				consume(s, n + 1);
				return -1;
			}
			*len = n > 0 && s->s_in[n - 1] == '\r' ? n - 1 : n;
			memcpy(line, s->s_in, *len);
			line[*len] = '\0';
			consume(s, n + 1);
			return 0;
		}
		if (s->s_in_len >= SMTP_LINE_MAX) {
			toolong = 1;	/* skip to the end of the line */
			s->s_in_len = 0;
		}
		sess_fill(s, 0);
	}
}

static void
sess_reset(struct sess *s)
{
	s->s_mail = 0;
	s->s_from[0] = '\0';
	s->s_n_rcpt = 0;
}

/* One reply per accepted recipient (LMTP) or one for all (SMTP). */
static void __attribute__((format(printf, 2, 3)))
reply_all(struct sess *s, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!s->s_lmtp) {
		reply(s, "%s", line);
		return;
	}
	for (size_t i = 0; i < s->s_n_rcpt; i++)
		reply(s, "%s <%s>", line, s->s_rcpt[i].r_path);
}

/* The message is in s_msg (len bytes): submit it, answer. */
static void
sess_submit(struct sess *s, size_t len)
{
	char		 subject[SMTP_SUBJECT_MAX + 1], err[256];
	json_t		*to = json_array(), *r;
	char		*b64 = b64_encode(s->s_msg, len);
	const char	*id;

	smtp_subject(s->s_msg, len, subject, sizeof(subject));
	for (size_t i = 0; i < s->s_n_rcpt; i++) {
		int	dup = 0;

		for (size_t j = 0; j < i; j++)
			dup |= strcmp(s->s_rcpt[i].r_node,
			    s->s_rcpt[j].r_node) == 0;
		if (!dup)
			json_array_append_new(to,
			    json_string(s->s_rcpt[i].r_node));
	}
	r = node_call(json_pack("{s:s, s:s, s:o, s:s, s:s}", "cmd", "send",
	    "from", conf->sender, "to", to, "subject", subject, "text_b64",
	    b64), err, sizeof(err));
	free(b64);
	if (r == NULL) {
		log_warnx("event=deferred peer=%s from=<%s> rcpts=%zu size=%zu "
		    "reason=\"%s\"", s->s_peer, s->s_from, s->s_n_rcpt, len,
		    err);
		reply_all(s, "451 4.4.1 node unavailable (%s); try again later",
		    err);
		return;
	}
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char	*e = node_error(r);

		log_warnx("event=deferred peer=%s from=<%s> rcpts=%zu size=%zu "
		    "reason=\"%s\"", s->s_peer, s->s_from, s->s_n_rcpt, len, e);
		/* Whatever the node refuses here is its state (store full
		 * or failing, config), not the message: we checked the
		 * addresses and the size. So the MTA keeps it. */
		if (strstr(e, "store") != NULL)
			reply_all(s, "452 4.3.1 node cannot store it now "
			    "(%.200s); try again later", e);
		else
			reply_all(s, "451 4.3.0 node refused it (%.200s); try "
			    "again later", e);
		json_decref(r);
		return;
	}
	id = json_string_value(json_object_get(r, "id"));
	log_info("event=accepted peer=%s from=<%s> rcpts=%zu size=%zu id=%s",
	    s->s_peer, s->s_from, s->s_n_rcpt, len, id != NULL ? id : "?");
	reply_all(s, "250 2.0.0 Ok: stored as %.64s", id != NULL ? id : "?");
	json_decref(r);
}

static void
sess_data(struct sess *s)
{
	struct smtp_data	d;
	size_t			used;
	int			done;

	if (!s->s_mail) {
		reply(s, "503 5.5.1 MAIL first");
		return;
	}
	if (s->s_n_rcpt == 0) {
		reply(s, s->s_lmtp ? "503 5.5.1 RCPT first" :
		    "554 5.5.1 no valid recipients");
		return;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	smtp_data_init(&d, s->s_msg, conf->max_size);
	for (;;) {
		done = smtp_data_feed(&d, s->s_in, s->s_in_len, &used);
		consume(s, used);
		if (done)
			break;
		/* Past the limit the rest is read and dropped, but not
		 * without end. */
		if (d.sd_total > DATA_DRAIN_MAX) {
			reply(s, "552 5.3.4 message size exceeds fixed maximum "
			    "message size (%u)", conf->max_size);
			sess_end(s, "message far over max_size, nothing "
			    "stored");
		}
		sess_fill(s, 1);
	}
	if (smtp_data_over(&d)) {
		log_warnx("event=refused peer=%s from=<%s> reason=\"message of "
		    "%" PRIu64 " bytes over max_size %u\"", s->s_peer,
		    s->s_from, d.sd_total, conf->max_size);
		reply_all(s, "552 5.3.4 message size exceeds fixed maximum "
		    "message size (%u)", conf->max_size);
	} else
		sess_submit(s, d.sd_len);
	sess_reset(s);
}

static void
sess_rcpt(struct sess *s, const struct smtp_cmd *c)
{
	struct rcpt	*r;
	int		 rc;

	if (!s->s_mail) {
		reply(s, "503 5.5.1 MAIL first");
		return;
	}
	if (s->s_n_rcpt == MAIL_MAX_RECIPIENTS) {
		reply(s, "452 4.5.3 too many recipients");
		return;
	}
	r = &s->s_rcpt[s->s_n_rcpt];
	rc = smtp_map_rcpt(c->arg, conf->domain, r->r_node,
	    sizeof(r->r_node));
	if (rc == SMTP_MAP_DOMAIN) {
		log_info("event=rcpt_refused peer=%s rcpt=<%s> reason=\"not in "
		    "domain %s\"", s->s_peer, c->arg, conf->domain);
		reply(s, "550 5.1.2 <%s>: not a mail domain of this network "
		    "(*.%s)", c->arg, conf->domain);
		return;
	}
	if (rc != SMTP_MAP_OK) {
		log_info("event=rcpt_refused peer=%s rcpt=<%s> reason=\"not a "
		    "mailbox name\"", s->s_peer, c->arg);
		reply(s, "550 5.1.1 <%s>: no such mailbox (names are "
		    "[a-z0-9._-])", c->arg);
		return;
	}
	snprintf(r->r_path, sizeof(r->r_path), "%.256s", c->arg);
	s->s_n_rcpt++;
	reply(s, "250 2.1.5 Ok");
}

static void
sess_mail(struct sess *s, const struct smtp_cmd *c)
{
	if (!s->s_helo) {
		reply(s, "503 5.5.1 %s first", s->s_lmtp ? "LHLO" :
		    "EHLO/HELO");
		return;
	}
	if (s->s_mail) {
		reply(s, "503 5.5.1 nested MAIL command");
		return;
	}
	if (c->has_size && c->size > conf->max_size) {
		log_info("event=refused peer=%s from=<%s> reason=\"SIZE=%"
		    PRIu64 " over max_size %u\"", s->s_peer, c->arg, c->size,
		    conf->max_size);
		reply(s, "552 5.3.4 message size exceeds fixed maximum message "
		    "size (%u)", conf->max_size);
		return;
	}
	snprintf(s->s_from, sizeof(s->s_from), "%.256s", c->arg);
	s->s_mail = 1;
	s->s_n_rcpt = 0;
	reply(s, "250 2.1.0 Ok");
}

static void
sess_helo(struct sess *s, const struct smtp_cmd *c)
{
	if ((c->verb == SMTP_LHLO) != s->s_lmtp) {
		reply(s, "500 5.5.1 this is an %s server: %s", s->s_lmtp ?
		    "LMTP" : "SMTP", s->s_lmtp ? "LHLO" : "EHLO or HELO");
		return;
	}
	sess_reset(s);
	s->s_helo = 1;
	if (c->verb == SMTP_HELO) {
		reply(s, "250 %s", hostname);
		return;
	}
	reply(s, "250-%s", hostname);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %u", conf->max_size);
	reply(s, "250-8BITMIME");
	reply(s, "250-SMTPUTF8");
	reply(s, "250 ENHANCEDSTATUSCODES");
}

static void __attribute__((noreturn))
sess_run(int fd, int lmtp, const char *peer)
{
	struct sess	*s = xcalloc(1, sizeof(*s));
	struct smtp_cmd	 c;
	char		 line[SMTP_LINE_MAX + 1];
	size_t		 len;
	int		 rc;

	s->s_fd = fd;
	s->s_lmtp = lmtp;
	snprintf(s->s_peer, sizeof(s->s_peer), "%s", peer);
	s->s_msg = xmalloc(conf->max_size);
	log_info("event=session peer=%s proto=%s", peer, lmtp ? "lmtp" :
	    "smtp");
	reply(s, "220 %s %s mailgw ready", hostname, lmtp ? "LMTP" : "ESMTP");
	for (;;) {
		if (s->s_errors >= MAX_ERRORS) {
			reply(s, "421 4.7.0 too many errors, closing");
			sess_end(s, "too many errors");
		}
		if (sess_line(s, line, &len) != 0) {
			s->s_errors++;
			reply(s, "500 5.5.2 line too long (at most %d bytes)",
			    SMTP_LINE_MAX);
			continue;
		}
		if ((rc = smtp_parse(line, len, &c)) != 0) {
			s->s_errors++;
			switch (rc) {
			case SMTP_EUNKNOWN:
				reply(s, "500 5.5.2 command not recognized");
				break;
			case SMTP_EPATH:
				reply(s, "501 5.1.3 bad address syntax");
				break;
			case SMTP_EPARAM:
				reply(s, "555 5.5.4 parameter not recognized");
				break;
			case SMTP_ETOOLONG:
				reply(s, "500 5.5.2 line too long");
				break;
			default:
				reply(s, "501 5.5.4 syntax error in arguments");
			}
			continue;
		}
		switch (c.verb) {
		case SMTP_HELO:
		case SMTP_EHLO:
		case SMTP_LHLO:
			sess_helo(s, &c);
			break;
		case SMTP_MAIL:
			sess_mail(s, &c);
			break;
		case SMTP_RCPT:
			sess_rcpt(s, &c);
			break;
		case SMTP_DATA:
			sess_data(s);
			break;
		case SMTP_RSET:
			sess_reset(s);
			reply(s, "250 2.0.0 Ok");
			break;
		case SMTP_NOOP:
			reply(s, "250 2.0.0 Ok");
			break;
		case SMTP_VRFY:
			reply(s, "252 2.5.0 cannot verify; send some mail");
			break;
		case SMTP_HELP:
			reply(s, "214 2.0.0 see RFC 5321 and RFC 2033");
			break;
		case SMTP_QUIT:
			reply(s, "221 2.0.0 Bye");
			sess_end(s, "quit");
		case SMTP_NOTIMPL:
			s->s_errors++;
			reply(s, "502 5.5.1 command not implemented");
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Outbound.                                                           */

struct retry {
	uint8_t		rt_id[32];
	uint64_t	rt_next_ms;
	unsigned	rt_delay_ms;
	int		rt_used;
};

struct outq {
	const struct gw_outbound *oq_conf;
	uint64_t	 oq_next_ms;	/* next poll of the mailbox */
	uint8_t		(*oq_journal)[32];	/* sent to the smarthost */
	size_t		 oq_n_journal;
	struct retry	 oq_retry[RETRY_SLOTS];
	int		 oq_node_down;	/* logged once till it is back */
};

/* A message read back from the node. */
struct outmsg {
	uint64_t	 om_seq;
	uint8_t		 om_id[32];
	char		 om_idhex[65];
	const char	*om_from;
	json_t		*om_to;
	const char	*om_subject;
	uint64_t	 om_created_ms;
	uint8_t		*om_text;
	size_t		 om_len;
};

enum result { DLV_OK, DLV_TEMP, DLV_PERM };

static int
id_parse(const char *hex, uint8_t id[32])
{
	size_t	len;

	return hex != NULL && strlen(hex) == 64 && sodium_hex2bin(id, 32, hex,
	    64, NULL, &len, NULL) == 0 && len == 32 ? 0 : -1;
}

static int
journal_has(const struct outq *q, const uint8_t id[32])
{
	for (size_t i = 0; i < q->oq_n_journal; i++)
		if (memcmp(q->oq_journal[i], id, 32) == 0)
			return 1;
	return 0;
}

static void
journal_load(struct outq *q)
{
	FILE	*f;
	char	 line[128];

	if ((f = fopen(q->oq_conf->journal, "r")) == NULL) {
		if (errno != ENOENT)
			fatal("%s", q->oq_conf->journal);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		uint8_t	id[32];

		line[strcspn(line, "\r\n")] = '\0';
		if (id_parse(line, id) != 0)
			continue;	/* a torn last line after a crash */
		q->oq_journal = xrealloc(q->oq_journal,
		    q->oq_n_journal + 1, sizeof(*q->oq_journal));
		memcpy(q->oq_journal[q->oq_n_journal++], id, 32);
	}
	fclose(f);
	log_info("event=journal_loaded outbound=\"%s\" ids=%zu",
	    q->oq_conf->name, q->oq_n_journal);
}

/* Appends an id, durably (fsync), before the message leaves the mailbox. */
static int
journal_add(struct outq *q, const struct outmsg *m)
{
	char	line[66];
	int	fd, rc = 0;

	if ((fd = open(q->oq_conf->journal, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", q->oq_conf->journal);
		return -1;
	}
	snprintf(line, sizeof(line), "%s\n", m->om_idhex);
	if (write(fd, line, 65) != 65 || fsync(fd) != 0) {
		log_warn("%s", q->oq_conf->journal);
		rc = -1;
	}
	if (close(fd) != 0 && rc == 0) {
		log_warn("%s", q->oq_conf->journal);
		rc = -1;
	}
	if (rc == 0) {
		q->oq_journal = xrealloc(q->oq_journal,
		    q->oq_n_journal + 1, sizeof(*q->oq_journal));
		memcpy(q->oq_journal[q->oq_n_journal++], m->om_id, 32);
	}
	return rc;
}

/* A growing byte buffer. */
struct buf {
	uint8_t	*b;
	size_t	 n, cap;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->b = xrealloc(b->b, b->cap, 1);
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	char	*s;
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vasprintf");
	buf_add(b, s, (size_t)n);
	free(s);
}

/* p (n bytes) with every bare LF made CRLF. */
static void
buf_add_crlf(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_add(b, "\r", 1);
		buf_add(b, p + i, 1);
	}
}

/* "user@node" as an Internet address: "user@node.DOMAIN". */
static void
buf_addr(struct buf *b, const char *node_addr)
{
	buf_printf(b, "%s.%s", node_addr, conf->domain);
}

/* Subject: raw if printable ASCII, else RFC 2047 encoded words of whole
 * UTF-8 characters, folded. Control characters become spaces (a subject
 * must not be able to add header lines). */
static void
buf_subject(struct buf *b, const char *subj)
{
	size_t	 n = strlen(subj), i, start;
	char	*s = xstrdup(subj);
	int	 ascii = n <= 900;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 32 || s[i] == 127)
			s[i] = ' ';
		if ((unsigned char)s[i] >= 128)
			ascii = 0;
	}
	buf_printf(b, "Subject: ");
	if (ascii) {
		buf_printf(b, "%s\r\n", s);
		free(s);
		return;
	}
	for (start = 0; start < n;) {
		size_t	 end = start, len;
		char	*b64;

		/* At most 45 bytes (60 of base64), cut before a byte that
		 * continues a character. */
		while (end < n && end - start < 45)
			end++;
		while (end < n && end > start + 1 &&
		    ((unsigned char)s[end] & 0xc0) == 0x80)
			end--;
		len = end - start;
		b64 = b64_encode((const uint8_t *)s + start, len);
		buf_printf(b, "%s=?UTF-8?B?%s?=", start == 0 ? "" : "\r\n ",
		    b64);
		free(b64);
		start = end;
	}
	buf_printf(b, "\r\n");
	free(s);
}

/*
 * The bytes that leave for message m, CRLF line ends: the text as it is
 * if it is an RFC 5322 message, else the text under minimal headers.
 */
static void
out_bytes(const struct outmsg *m, struct buf *b)
{
	char		 date[64];
	time_t		 t = (time_t)(m->om_created_ms / 1000);
	struct tm	 tm;
	const char	*origin;
	json_t		*v;
	size_t		 i;
	int		 eight = 0;

	if (smtp_is_message(m->om_text, m->om_len)) {
		buf_add_crlf(b, m->om_text, m->om_len);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	origin = strchr(m->om_from, '@');
	buf_printf(b, "From: ");
	buf_addr(b, m->om_from);
	buf_printf(b, "\r\nTo: ");
	json_array_foreach(m->om_to, i, v) {
		if (json_string_value(v) == NULL)
			continue;
		buf_printf(b, "%s", i > 0 ? ",\r\n " : "");
		buf_addr(b, json_string_value(v));
	}
	buf_printf(b, "\r\n");
	buf_subject(b, m->om_subject);
	buf_printf(b, "Date: %s\r\nMessage-ID: <%s@%s.%s>\r\n", date,
	    m->om_idhex, origin != NULL ? origin + 1 : "node", conf->domain);
	for (i = 0; i < m->om_len; i++)
		eight |= m->om_text[i] >= 0x80;
	buf_printf(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; "
	    "charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n",
	    !eight || utf8_valid(m->om_text, m->om_len) ? "UTF-8" :
	    "unknown-8bit", eight ? "8bit" : "7bit");
	buf_add_crlf(b, m->om_text, m->om_len);
	if (b->n < 2 || b->b[b->n - 2] != '\r' || b->b[b->n - 1] != '\n')
		buf_add(b, "\r\n", 2);
}

static int
mkdir_ok(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Creates DIR, DIR/tmp, DIR/new and DIR/cur as needed; -1 with errno. */
static int
maildir_make(const char *dir)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	char	path[PATH_MAX];

	if (mkdir_ok(dir) != 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (mkdir_ok(path) != 0)
			return -1;
	}
	return 0;
}

/* 1 if the message is already in new/ or cur/ (cur/ names gain ":2,"). */
static int
maildir_has(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	size_t		 len = strlen(name);
	int		 found = 0;

	snprintf(path, sizeof(path), "%s/new/%s", dir, name);
	if (stat(path, &st) == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/cur", dir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, name, len) == 0 &&
		    (de->d_name[len] == '\0' || de->d_name[len] == ':');
	closedir(d);
	return found;
}

static enum result
deliver_maildir(const struct gw_outbound *o, const struct outmsg *m,
    const struct buf *b, char *why, size_t whylen)
{
	char		 name[128], tmp[PATH_MAX], dst[PATH_MAX];
	struct buf	 lf = { 0 };
	int		 fd, dfd;

	/* The name comes from the record, so a retry finds it. */
	snprintf(name, sizeof(name), "%" PRIu64 ".%s.mailgw",
	    m->om_created_ms / 1000, m->om_idhex);
	if (maildir_make(o->maildir) != 0) {
		snprintf(why, whylen, "%s: %s", o->maildir, strerror(errno));
		return DLV_TEMP;
	}
	if (maildir_has(o->maildir, name)) {
		log_info("event=already_delivered outbound=\"%s\" id=%s "
		    "file=%s", o->name, m->om_idhex, name);
		return DLV_OK;
	}
	/* Maildir files hold lines ending in LF, as local delivery does. */
	for (size_t i = 0; i < b->n; i++)
		if (!(b->b[i] == '\r' && i + 1 < b->n && b->b[i + 1] == '\n'))
			buf_add(&lf, b->b + i, 1);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", o->maildir, name);
	snprintf(dst, sizeof(dst), "%s/new/%s", o->maildir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		goto fail;
	if ((lf.n > 0 && write(fd, lf.b, lf.n) != (ssize_t)lf.n) ||
	    fsync(fd) != 0) {
		int	e = errno;

		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, dst) != 0) {
		int	e = errno;

		unlink(tmp);
		errno = e;
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), "%s/new", o->maildir);
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) != 0) {
		if (dfd != -1)
			close(dfd);
		goto fail;
	}
	close(dfd);
	free(lf.b);
	log_info("event=delivered outbound=\"%s\" id=%s maildir=%s file=%s "
	    "size=%zu", o->name, m->om_idhex, o->maildir, name, lf.n);
	return DLV_OK;
fail:
	snprintf(why, whylen, "maildir %s: %s", o->maildir, strerror(errno));
	free(lf.b);
	return DLV_TEMP;
}

/* An SMTP client connection to the smarthost. */
struct smtpc {
	int		sc_fd;
	uint8_t		sc_in[2048];
	size_t		sc_len;
	char		sc_last[256];	/* the last reply line */
	int		sc_8bitmime;
	int		sc_smtputf8;
};

static int
sc_connect(struct smtpc *c, const char *spec, char *why, size_t whylen)
{
	struct sockaddr_storage	 sa;
	socklen_t		 sl, el = sizeof(int);
	struct pollfd		 pfd;
	struct timeval		 tv = { SMARTHOST_TIMEOUT_MS / 1000, 0 };
	int			 fd, err = 0;

	if (gw_cfg_endpoint(spec, &sa, &sl) != 0 ||
	    (fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		snprintf(why, whylen, "smarthost %s: %s", spec,
		    strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sl) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, SMARTHOST_TIMEOUT_MS) != 1)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &el) != 0)
				err = errno;
		}
	}
	if (err != 0) {
		close(fd);
		snprintf(why, whylen, "smarthost %s: connect: %s", spec,
		    strerror(err));
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->sc_fd = fd;
	return 0;
}

/*
 * Reads one (multi-line) reply: its code, or -1 on a broken connection,
 * a timeout or a malformed line. With ehlo, notes the extensions.
 */
static int
sc_reply(struct smtpc *c, int ehlo)
{
	uint64_t	deadline = now_ms() + SMARTHOST_TIMEOUT_MS;

	for (;;) {
		uint8_t		*nl = memchr(c->sc_in, '\n', c->sc_len);
		struct pollfd	 pfd = { .fd = c->sc_fd, .events =
		    POLLIN };
		size_t		 n;
		ssize_t		 r;
		int		 code, last;

		if (nl != NULL) {
			n = (size_t)(nl - c->sc_in);
			if (n > 0 && c->sc_in[n - 1] == '\r')
				n--;
			if (smtp_reply_parse((char *)c->sc_in, n, &code,
			    &last) != 0)
				return -1;
			if (ehlo && n > 4) {
				if (n - 4 >= 8 && strncasecmp((char *)c->sc_in +
				    4, "8BITMIME", 8) == 0)
					c->sc_8bitmime = 1;
				if (n - 4 >= 8 && strncasecmp((char *)c->sc_in +
				    4, "SMTPUTF8", 8) == 0)
					c->sc_smtputf8 = 1;
			}
			snprintf(c->sc_last, sizeof(c->sc_last), "%.*s",
			    (int)n, (char *)c->sc_in);
			for (size_t i = 0; c->sc_last[i] != '\0'; i++)
				if ((unsigned char)c->sc_last[i] < 32 ||
				    (unsigned char)c->sc_last[i] >= 127)
					c->sc_last[i] = '?';
			memmove(c->sc_in, nl + 1, c->sc_len - (size_t)(nl + 1 -
			    c->sc_in));
			c->sc_len -= (size_t)(nl + 1 - c->sc_in);
			if (last)
				return code;
			continue;
		}
		if (c->sc_len == sizeof(c->sc_in))
			return -1;	/* a reply line over 2 KiB */
		if (now_ms() >= deadline || poll(&pfd, 1,
		    (int)(deadline - now_ms())) != 1)
			return -1;
		r = recv(c->sc_fd, c->sc_in + c->sc_len,
		    sizeof(c->sc_in) - c->sc_len, 0);
		if (r <= 0)
			return -1;
		c->sc_len += (size_t)r;
	}
}

static int __attribute__((format(printf, 3, 4)))
sc_cmd(struct smtpc *c, int ehlo, const char *fmt, ...)
{
	char	line[SMTP_LINE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return -1;
	memcpy(line + n, "\r\n", 2);
	if (write_all(c->sc_fd, line, (size_t)n + 2) != 0)
		return -1;
	return sc_reply(c, ehlo);
}

/* The class of a reply code as a delivery result. */
static enum result
code_result(int code)
{
	return code >= 200 && code < 400 ? DLV_OK : code >= 500 ? DLV_PERM :
	    DLV_TEMP;
}

static enum result
deliver_smarthost(const struct gw_outbound *o, const struct outmsg *m,
    const struct buf *b, char *why, size_t whylen)
{
	struct smtpc	 c = { .sc_fd = -1 };
	struct buf	 data = { 0 };
	char		 from[NODE_ADDR_MAX + 256];
	const char	*what = "greeting";
	size_t		 ok = 0, i;
	int		 code, eight = 0, temp = 0;
	enum result	 res = DLV_TEMP;

	if (sc_connect(&c, o->smarthost, why, whylen) != 0)
		return DLV_TEMP;
	if ((code = sc_reply(&c, 0)) != 220)
		goto bad;
	what = "EHLO";
	if ((code = sc_cmd(&c, 1, "EHLO %s", o->helo != NULL ? o->helo :
	    hostname)) != 250) {
		what = "HELO";
		if (code < 0 || (code = sc_cmd(&c, 0, "HELO %s",
		    o->helo != NULL ? o->helo : hostname)) != 250)
			goto bad;
	}
	for (i = 0; i < b->n; i++)
		eight |= b->b[i] >= 0x80;
	snprintf(from, sizeof(from), "%s.%s", m->om_from, conf->domain);
	what = "MAIL FROM";
	code = sc_cmd(&c, 0, "MAIL FROM:<%s> SIZE=%zu%s%s", from, b->n,
	    eight && c.sc_8bitmime ? " BODY=8BITMIME" : "",
	    eight && c.sc_smtputf8 ? " SMTPUTF8" : "");
	if (code_result(code) != DLV_OK)
		goto bad;
	what = "RCPT TO";
	for (i = 0; i < o->n_rcpt; i++) {
		int	rc = sc_cmd(&c, 0, "RCPT TO:<%s>", o->rcpt[i]);

		if (code_result(rc) == DLV_OK)
			ok++;
		else if (code_result(rc) == DLV_PERM)
			log_warnx("event=rcpt_refused outbound=\"%s\" id=%s "
			    "rcpt=<%s> reply=\"%s\"", o->name, m->om_idhex,
			    o->rcpt[i], c.sc_last);
		else {
			temp = 1;
			code = rc;
		}
		if (rc < 0)
			goto bad;
		if (code_result(rc) != DLV_OK)
			code = rc;
	}
	/* Any recipient deferred: all are tried again later (nothing has
	 * been sent yet, so nothing doubles). */
	if (temp || ok == 0)
		goto bad;
	what = "DATA";
	if ((code = sc_cmd(&c, 0, "DATA")) != 354)
		goto bad;
	for (i = 0; i < b->n;) {
		const uint8_t	*nl = memchr(b->b + i, '\n', b->n - i);
		size_t		 end = nl != NULL ? (size_t)(nl - b->b) + 1 :
		    b->n;

		if (b->b[i] == '.')
			buf_add(&data, ".", 1);
		buf_add(&data, b->b + i, end - i);
		i = end;
	}
	if (data.n < 2 || data.b[data.n - 1] != '\n')
		buf_add(&data, "\r\n", 2);
	buf_add(&data, ".\r\n", 3);
	what = "end of data";
	if (write_all(c.sc_fd, data.b, data.n) != 0 ||
	    (code = sc_reply(&c, 0)) < 0 || code_result(code) != DLV_OK)
		goto bad;
	res = DLV_OK;
	(void)sc_cmd(&c, 0, "QUIT");
	log_info("event=delivered outbound=\"%s\" id=%s smarthost=%s "
	    "rcpts=%zu size=%zu reply=\"%s\"", o->name, m->om_idhex,
	    o->smarthost, ok, b->n, c.sc_last);
	goto out;
bad:
	res = code < 0 ? DLV_TEMP : code_result(code) == DLV_OK ? DLV_TEMP :
	    code_result(code);
	if (code < 0)
		snprintf(why, whylen, "smarthost %s: connection lost or timed "
		    "out at %s", o->smarthost, what);
	else
		snprintf(why, whylen, "smarthost %s said at %s: %s",
		    o->smarthost, what, c.sc_last);
	if (code >= 0)
		(void)sc_cmd(&c, 0, "QUIT");
out:
	free(data.b);
	close(c.sc_fd);
	return res;
}

/* The retry slot of id, or a free (or the soonest due) one. */
static struct retry *
retry_slot(struct outq *q, const uint8_t id[32], int create)
{
	struct retry	*free_slot = NULL;

	for (size_t i = 0; i < RETRY_SLOTS; i++) {
		struct retry	*r = &q->oq_retry[i];

		if (r->rt_used && memcmp(r->rt_id, id, 32) == 0)
			return r;
		if (!r->rt_used && free_slot == NULL)
			free_slot = r;
	}
	if (!create)
		return NULL;
	if (free_slot == NULL) {
		free_slot = &q->oq_retry[0];
		for (size_t i = 1; i < RETRY_SLOTS; i++)
			if (q->oq_retry[i].rt_next_ms < free_slot->rt_next_ms)
				free_slot = &q->oq_retry[i];
	}
	memset(free_slot, 0, sizeof(*free_slot));
	memcpy(free_slot->rt_id, id, 32);
	free_slot->rt_used = 1;
	return free_slot;
}

static void
retry_clear(struct outq *q, const uint8_t id[32])
{
	struct retry	*r = retry_slot(q, id, 0);

	if (r != NULL)
		r->rt_used = 0;
}

/* mail_rm; 0, or -1 (logged: the message stays and is found again). */
static int
out_remove(struct outq *q, uint64_t seq, const char *idhex)
{
	char	 err[256];
	json_t	*r = node_call(json_pack("{s:s, s:s, s:I}", "cmd", "mail_rm",
	    "mailbox", q->oq_conf->mailbox, "seq", (json_int_t)seq), err,
	    sizeof(err));
	int	 rc = 0;

	if (r == NULL || !json_is_true(json_object_get(r, "ok"))) {
		log_warnx("event=remove_failed outbound=\"%s\" id=%s seq=%"
		    PRIu64 " reason=\"%s\"", q->oq_conf->name, idhex, seq,
		    r == NULL ? err : node_error(r));
		rc = -1;
	}
	json_decref(r);
	return rc;
}

/* The reason a permanent SMTP failure gives the failure report. */
static const char *
perm_reason(const char *why)
{
	const char	*p = strstr(why, " 5.");

	if (p != NULL && strncmp(p, " 5.1.", 5) == 0)
		return "unknown_mailbox";
	if ((p != NULL && (strncmp(p, " 5.2.2", 6) == 0 ||
	    strncmp(p, " 5.3.4", 6) == 0)) || strstr(why, ": 552") != NULL)
		return "over_quota";
	return "refused";
}

/* One message: read it back, deliver it, then remove or report it. */
static void
out_one(struct outq *q, uint64_t seq, const uint8_t id[32], const char *hex)
{
	const struct gw_outbound	*o = q->oq_conf;
	struct outmsg			 m = { .om_seq = seq };
	struct buf			 b = { 0 };
	char				 err[512] = "";
	const char			*b64;
	json_t				*r, *f;
	struct retry			*rt;
	enum result			 res;
	size_t				 b64_len;

	memcpy(m.om_id, id, 32);
	snprintf(m.om_idhex, sizeof(m.om_idhex), "%s", hex);
	r = node_call(json_pack("{s:s, s:s, s:I}", "cmd", "mail_cat",
	    "mailbox", o->mailbox, "seq", (json_int_t)seq), err, sizeof(err));
	if (r == NULL || !json_is_true(json_object_get(r, "ok"))) {
		log_warnx("event=read_failed outbound=\"%s\" id=%s reason="
		    "\"%s\"", o->name, hex, r == NULL ? err : node_error(r));
		json_decref(r);
		return;
	}
	m.om_from = json_string_value(json_object_get(r, "from"));
	m.om_to = json_object_get(r, "to");
	m.om_subject = json_string_value(json_object_get(r, "subject"));
	m.om_created_ms = (uint64_t)json_integer_value(json_object_get(r,
	    "created_ms"));
	b64 = json_string_value(json_object_get(r, "text_b64"));
	if (m.om_from == NULL || !json_is_array(m.om_to) ||
	    m.om_subject == NULL || b64 == NULL) {
		log_warnx("event=read_failed outbound=\"%s\" id=%s reason="
		    "\"reply without from, to, subject or text_b64\"", o->name,
		    hex);
		json_decref(r);
		return;
	}
	b64_len = strlen(b64);
	m.om_text = xmalloc(b64_len / 4 * 3 + 3);
	if (sodium_base642bin(m.om_text, b64_len / 4 * 3 + 3, b64, b64_len,
	    NULL, &m.om_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		log_warnx("event=read_failed outbound=\"%s\" id=%s reason="
		    "\"text_b64 is not base64\"", o->name, hex);
		goto out;
	}
	out_bytes(&m, &b);
	if (o->maildir != NULL)
		res = deliver_maildir(o, &m, &b, err, sizeof(err));
	else
		res = deliver_smarthost(o, &m, &b, err, sizeof(err));
	switch (res) {
	case DLV_OK:
		if (o->smarthost != NULL && journal_add(q, &m) != 0) {
			/* Sent, but not noted: keep it in the mailbox and
			 * stop, rather than risk sending it twice. */
			log_warnx("event=journal_failed outbound=\"%s\" id=%s",
			    o->name, hex);
			rt = retry_slot(q, id, 1);
			rt->rt_delay_ms = o->retry_max_ms;
			rt->rt_next_ms = now_ms() + o->retry_max_ms;
			break;
		}
		retry_clear(q, id);
		out_remove(q, seq, hex);
		break;
	case DLV_PERM:
		log_warnx("event=bounced outbound=\"%s\" id=%s from=%s reason="
		    "\"%s\"", o->name, hex, m.om_from, err);
		f = node_call(json_pack("{s:s, s:s, s:I, s:s, s:s}", "cmd",
		    "mail_fail", "mailbox", o->mailbox, "seq", (json_int_t)seq,
		    "reason", perm_reason(err), "detail", err), err,
		    sizeof(err));
		if (f == NULL || !json_is_true(json_object_get(f, "ok")))
			log_warnx("event=report_failed outbound=\"%s\" id=%s "
			    "reason=\"%s\"", o->name, hex, f == NULL ? err :
			    node_error(f));
		else
			retry_clear(q, id);
		json_decref(f);
		break;
	case DLV_TEMP:
		rt = retry_slot(q, id, 1);
		rt->rt_delay_ms = rt->rt_delay_ms == 0 ? o->retry_min_ms :
		    rt->rt_delay_ms >= o->retry_max_ms / 2 ? o->retry_max_ms :
		    rt->rt_delay_ms * 2;
		rt->rt_next_ms = now_ms() + rt->rt_delay_ms;
		log_warnx("event=deferred outbound=\"%s\" id=%s retry_ms=%u "
		    "reason=\"%s\"", o->name, hex, rt->rt_delay_ms, err);
		break;
	}
out:
	free(b.b);
	free(m.om_text);
	json_decref(r);
}

/* Rewrites the journal with only the ids still in the mailbox (listing
 * is the whole mailbox): the others have left it for good. */
static void
journal_compact(struct outq *q, json_t *listing)
{
	char	 tmp[PATH_MAX];
	FILE	*f;
	size_t	 kept = 0;
	json_t	*v;
	size_t	 i;

	snprintf(tmp, sizeof(tmp), "%s.new", q->oq_conf->journal);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return;
	}
	for (size_t j = 0; j < q->oq_n_journal; j++) {
		char	hex[65];
		int	present = 0;

		sodium_bin2hex(hex, sizeof(hex), q->oq_journal[j], 32);
		json_array_foreach(listing, i, v) {
			const char *s = json_string_value(json_object_get(v,
			    "id"));

			present |= s != NULL && strcmp(s, hex) == 0;
		}
		if (present) {
			fprintf(f, "%s\n", hex);
			memmove(q->oq_journal[kept], q->oq_journal[j], 32);
			kept++;
		}
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp, q->oq_conf->journal) != 0) {
		log_warn("%s", q->oq_conf->journal);
		return;
	}
	log_info("event=journal_compacted outbound=\"%s\" ids=%zu->%zu",
	    q->oq_conf->name, q->oq_n_journal, kept);
	q->oq_n_journal = kept;
}

static void
out_tick(struct outq *q)
{
	const struct gw_outbound	*o = q->oq_conf;
	char				 err[256];
	json_t				*r, *list, *v;
	size_t				 i, handled = 0;
	uint64_t			 now = now_ms();

	q->oq_next_ms = now + o->poll_ms;
	r = node_call(json_pack("{s:s, s:s}", "cmd", "mail_ls", "mailbox",
	    o->mailbox), err, sizeof(err));
	if (r == NULL) {
		if (!q->oq_node_down)
			log_warnx("event=node_down outbound=\"%s\" reason="
			    "\"%s\"", o->name, err);
		q->oq_node_down = 1;
		return;
	}
	if (q->oq_node_down)
		log_info("event=node_back outbound=\"%s\"", o->name);
	q->oq_node_down = 0;
	if (!json_is_true(json_object_get(r, "ok"))) {
		log_warnx("event=list_failed outbound=\"%s\" reason=\"%s\"",
		    o->name, node_error(r));
		json_decref(r);
		return;
	}
	list = json_object_get(r, "messages");
	json_array_foreach(list, i, v) {
		const char	*hex = json_string_value(json_object_get(v,
		    "id"));
		const char	*kind = json_string_value(json_object_get(v,
		    "kind"));
		json_t		*seqv = json_object_get(v, "seq");
		struct retry	*rt;
		uint8_t		 id[32];
		uint64_t	 seq;

		if (handled >= TICK_MAX || got_term)
			break;
		if (id_parse(hex, id) != 0 || !json_is_integer(seqv))
			continue;
		seq = (uint64_t)json_integer_value(seqv);
		if ((rt = retry_slot(q, id, 0)) != NULL &&
		    rt->rt_next_ms > now_ms())
			continue;
		handled++;
		if (kind == NULL) {
			/* Unreadable in the store: the node says so. */
			log_warnx("event=unreadable outbound=\"%s\" id=%s seq=%"
			    PRIu64, o->name, hex, seq);
			rt = retry_slot(q, id, 1);
			rt->rt_delay_ms = o->retry_max_ms;
			rt->rt_next_ms = now_ms() + o->retry_max_ms;
			continue;
		}
		if (strcmp(kind, "mail") != 0) {
			/* A report about mail sent through us (the sender
			 * address is our mailbox): there is no Internet
			 * sender to bounce it to here. */
			log_info("event=report_dropped outbound=\"%s\" id=%s "
			    "report=\"%s\"", o->name, hex,
			    json_string_value(json_object_get(v, "subject")));
			out_remove(q, seq, hex);
			continue;
		}
		if (journal_has(q, id)) {
			log_info("event=already_delivered outbound=\"%s\" "
			    "id=%s", o->name, hex);
			out_remove(q, seq, hex);
			continue;
		}
		out_one(q, seq, id, hex);
	}
	if (q->oq_n_journal > 1000 && json_object_get(r, "next") == NULL)
		journal_compact(q, list);
	json_decref(r);
}

/* ------------------------------------------------------------------ */
/* Listening, and the main loop.                                       */

struct lsn {
	int		 l_fd;
	int		 l_lmtp;
	const char	*l_spec;
};

static int
listen_on(const char *spec, int lmtp, struct lsn *l)
{
	struct sockaddr_storage	 sa;
	socklen_t		 sl;
	struct stat		 st;
	int			 fd, one = 1;

	if (gw_cfg_endpoint(spec, &sa, &sl) != 0)
		fatalx("%s: bad endpoint %s", conf->path, spec);
	if (sa.ss_family == AF_UNIX) {
		const char	*path = ((struct sockaddr_un *)&sa)->sun_path;

		/* A socket file left by a previous run, not any file. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	if ((fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (sa.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sl) != 0)
		fatal("%s: cannot listen on %s", conf->path, spec);
	if (listen(fd, 64) != 0)
		fatal("listen %s", spec);
	l->l_fd = fd;
	l->l_lmtp = lmtp;
	l->l_spec = spec;
	log_info("event=listening proto=%s on=%s", lmtp ? "lmtp" : "smtp",
	    spec);
	return 0;
}

static void
peer_name(const struct sockaddr_storage *sa, char *out, size_t len)
{
	char	ip[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else
		snprintf(out, len, "unix");
}

/* One outbound section, in its own process: poll the mailbox, deliver,
 * until SIGTERM (a delivery under way is finished first). */
static void __attribute__((noreturn))
out_run(struct outq *q)
{
	if (q->oq_conf->journal != NULL)
		journal_load(q);
	while (!got_term) {
		uint64_t	now;

		out_tick(q);
		while (!got_term && (now = now_ms()) < q->oq_next_ms)
			poll(NULL, 0, (int)(q->oq_next_ms - now));
	}
	free(q->oq_journal);
	exit(0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: mailgw [-n] [-v] -c CONFIG\n"
	    "  -c CONFIG  the gateway's config file\n"
	    "  -n         check the config and exit\n"
	    "  -v         log debug lines too\n");
	exit(2);
}

/* The processes this one started: sessions and outbound workers. */
struct kids {
	pid_t		*k_sess;
	size_t		 k_n_sess;
	pid_t		 k_out[GW_MAX_OUTBOUND];
	uint64_t	 k_out_start[GW_MAX_OUTBOUND];	/* (re)start at */
};

static void
reap(struct kids *k, const struct lsn *lsn, size_t n_lsn, struct outq *outq)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < k->k_n_sess; i++)
			if (k->k_sess[i] == pid) {
				k->k_sess[i] = k->k_sess[--k->k_n_sess];
				break;
			}
		for (size_t i = 0; i < conf->n_out; i++)
			if (k->k_out[i] == pid) {
				k->k_out[i] = 0;
				if (got_term)
					break;
				/* It should not end by itself: log, restart
				 * after a pause (no tight crash loop). */
				log_warnx("event=worker_exited outbound=\"%s\" "
				    "status=%d", conf->out[i].name, status);
				k->k_out_start[i] = now_ms() + 1000;
			}
	}
	for (size_t i = 0; !got_term && i < conf->n_out; i++) {
		if (k->k_out[i] != 0 || k->k_out_start[i] > now_ms())
			continue;
		if ((pid = fork()) == -1) {
			log_warn("fork");
			k->k_out_start[i] = now_ms() + 1000;
			continue;
		}
		if (pid == 0) {
			struct outq	q = outq[i];

			for (size_t j = 0; j < n_lsn; j++)
				close(lsn[j].l_fd);
			free(k->k_sess);
			free(outq);
			out_run(&q);
		}
		k->k_out[i] = pid;
	}
}

int
main(int argc, char **argv)
{
	struct gw_conf		*gc = NULL;
	struct lsn		 lsn[2];
	struct pollfd		 pfd[2];
	struct outq		*outq;
	struct kids		 k = { .k_n_sess = 0 };
	struct sigaction	 sa;
	const char		*path = NULL;
	char			 err[512];
	size_t			 n_lsn = 0, n_live;
	int			 ch, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "c:nvh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (path == NULL || optind != argc)
		usage();
	log_init("mailgw", LOG_LEVEL_INFO);
	if (sodium_init() == -1)
		fatalx("sodium_init failed");
	if (gw_cfg_load(path, &gc, err, sizeof(err)) != 0) {
		fprintf(stderr, "mailgw: %s\n", err);
		return 1;
	}
	conf = gc;
	if (check) {
		printf("ok\n");
		gw_cfg_free(&gc);
		return 0;
	}
	log_set_level(verbose ? LOG_LEVEL_DEBUG :
	    (enum log_level)conf->log_level);
	if (conf->hostname != NULL)
		snprintf(hostname, sizeof(hostname), "%s", conf->hostname);
	else if (gethostname(hostname, sizeof(hostname) - 1) != 0)
		snprintf(hostname, sizeof(hostname), "localhost");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: poll wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (conf->listen_lmtp != NULL)
		listen_on(conf->listen_lmtp, 1, &lsn[n_lsn++]);
	if (conf->listen_smtp != NULL)
		listen_on(conf->listen_smtp, 0, &lsn[n_lsn++]);
	outq = xcalloc(conf->n_out + 1, sizeof(*outq));
	for (size_t i = 0; i < conf->n_out; i++) {
		outq[i].oq_conf = &conf->out[i];
		if (conf->out[i].maildir != NULL &&
		    maildir_make(conf->out[i].maildir) != 0)
			fatal("%s: [%s] maildir %s", conf->path,
			    conf->out[i].name, conf->out[i].maildir);
		log_info("event=outbound name=\"%s\" mailbox=%s to=%s%s",
		    conf->out[i].name, conf->out[i].mailbox,
		    conf->out[i].maildir != NULL ? "maildir:" : "smtp:",
		    conf->out[i].maildir != NULL ? conf->out[i].maildir :
		    conf->out[i].smarthost);
	}
	k.k_sess = xcalloc(conf->max_clients, sizeof(*k.k_sess));
	log_info("event=started domain=%s control=%s listeners=%zu "
	    "outbound=%zu", conf->domain, conf->control, n_lsn, conf->n_out);

	while (!got_term) {
		int	rc;

		reap(&k, lsn, n_lsn, outq);
		for (size_t i = 0; i < n_lsn; i++) {
			pfd[i].fd = lsn[i].l_fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* Short enough to reap and restart children promptly. */
		if ((rc = poll(pfd, n_lsn, 200)) <= 0)
			continue;
		for (size_t i = 0; i < n_lsn; i++) {
			struct sockaddr_storage	 ss;
			socklen_t		 sl = sizeof(ss);
			char			 peer[80];
			pid_t			 pid;
			int			 fd;

			if (!(pfd[i].revents & POLLIN))
				continue;
			if ((fd = accept4(lsn[i].l_fd, (struct sockaddr *)&ss,
			    &sl, SOCK_CLOEXEC)) == -1)
				continue;
			peer_name(&ss, peer, sizeof(peer));
			if (k.k_n_sess == conf->max_clients) {
				static const char busy[] =
				    "421 4.3.2 too many connections, try "
				    "again later\r\n";

				log_warnx("event=busy peer=%s max_clients=%u",
				    peer, conf->max_clients);
				(void)write_all(fd, busy, sizeof(busy) - 1);
				close(fd);
				continue;
			}
			if ((pid = fork()) == -1) {
				log_warn("fork");
				close(fd);
				continue;
			}
			if (pid == 0) {
				for (size_t j = 0; j < n_lsn; j++)
					close(lsn[j].l_fd);
				free(k.k_sess);
				free(outq);
				sess_run(fd, lsn[i].l_lmtp, peer);
			}
			k.k_sess[k.k_n_sess++] = pid;
			close(fd);
		}
	}

	/*
	 * Stop: no new connections; every child gets SIGTERM. A session
	 * answers 421 between commands and stores nothing half-received; a
	 * node request or a delivery under way is finished first.
	 */
	log_info("event=stopping sessions=%zu", k.k_n_sess);
	for (size_t i = 0; i < n_lsn; i++) {
		struct sockaddr_storage	ss;
		socklen_t		sl;

		close(lsn[i].l_fd);
		if (gw_cfg_endpoint(lsn[i].l_spec, &ss, &sl) == 0 &&
		    ss.ss_family == AF_UNIX)
			unlink(((struct sockaddr_un *)&ss)->sun_path);
	}
	for (size_t i = 0; i < k.k_n_sess; i++)
		kill(k.k_sess[i], SIGTERM);
	for (size_t i = 0; i < conf->n_out; i++)
		if (k.k_out[i] != 0)
			kill(k.k_out[i], SIGTERM);
	for (int waited = 0; waited < 300; waited++) {
		reap(&k, lsn, 0, outq);
		n_live = k.k_n_sess;
		for (size_t i = 0; i < conf->n_out; i++)
			n_live += k.k_out[i] != 0;
		if (n_live == 0)
			break;
		usleep(50000);
	}
	for (size_t i = 0; i < k.k_n_sess; i++)
		kill(k.k_sess[i], SIGKILL);
	for (size_t i = 0; i < conf->n_out; i++)
		if (k.k_out[i] != 0)
			kill(k.k_out[i], SIGKILL);
	free(outq);
	free(k.k_sess);
	gw_cfg_free(&gc);
	log_info("event=stopped");
	return 0;
}
