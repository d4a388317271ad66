/*
 * mailgw/inbound.c: one SMTP or LMTP session, in a child process. Lines
 * and the message are bounded; a message is submitted to the node only
 * after its final dot (DATA) or its last chunk (BDAT, RFC 3030), and
 * each recipient hears 250 only once the node has stored it.
 *
 * A client that pipelines (BDAT makes that possible across messages)
 * has its completed messages queued while more of its input is already
 * here; when the input runs dry, the queue is full (BATCH_MAX messages,
 * or BATCH_BYTES of the request) or its first message has waited
 * BATCH_HOLD_MS, they go to the node in one send_batch, one commit for
 * all, and the replies held meanwhile go out in order, each message's
 * own in its place. RFC 2920 asks no more: a server may hold its
 * replies as long as it does not wait for input while holding them.
 */
#include "mailgw.h"

/* ------------------------------------------------------------------ */
/* Inbound: one SMTP or LMTP session, in a child process.              */

#define IN_MAX		(64 * 1024)	/* bytes read ahead of the parser */
#define PATHS_MAX	(WIRE_MAX_RECIPIENTS * (SMTP_PATH_MAX + 1))
#define BATCH_MAX	CTL_MAX_BATCH
/* What one send_batch may hold: its items as JSON (the node takes up to
 * CTL_MAX_REQUEST), and the recipients' paths kept for the replies. It
 * bounds what a session keeps queued to about 1 MiB. */
#define BATCH_BYTES	(CTL_MAX_REQUEST - 64)
#define BATCH_HOLD_MS	200

/* A complete message whose reply waits for its batch's commit. */
struct pend {
	json_t		*p_item;	/* send's fields */
	char		*p_paths;	/* its recipients (see s_paths) */
	size_t		 p_n_rcpt;
	size_t		 p_len;		/* bytes */
	size_t		 p_out;		/* its reply goes at s_out[p_out] */
	char		 p_from[SMTP_PATH_MAX + 1];
};

struct sess {
	int		 s_fd;
	int		 s_lmtp;
	char		 s_peer[80];
	uint8_t		 s_in[IN_MAX];
	size_t		 s_in_off;	/* the next byte to parse */
	size_t		 s_in_len;	/* the end of what was read */
	char		 s_out[16384];	/* replies not yet written */
	size_t		 s_out_len;
	int		 s_deaf;	/* a write failed: no more are tried */
	int		 s_helo;	/* 0, or 1 after HELO/EHLO/LHLO */
	int		 s_mail;	/* inside a transaction */
	int		 s_bdat;	/* its message comes in BDAT chunks */
	uint64_t	 s_bdat_len;	/* bytes of them so far, kept or not */
	char		 s_from[SMTP_PATH_MAX + 1];
	/* The recipients: their paths as the client sent them, each with
	 * its NUL, and their node addresses (user@node). */
	char		 s_paths[PATHS_MAX];
	size_t		 s_paths_len;
	char		 s_nodes[WIRE_MAX_RECIPIENTS][NODE_ADDR_MAX];
	size_t		 s_n_rcpt;
	unsigned	 s_errors;
	uint8_t		*s_msg;		/* conf->max_size bytes */
	struct pend	 s_pend[BATCH_MAX];	/* queued, in order */
	size_t		 s_n_pend;
	size_t		 s_pend_bytes;	/* of BATCH_BYTES */
	uint64_t	 s_pend_since;	/* when the first was queued */
};

static void	batch_submit(struct sess *);

/* Writes all of buf; -1 on error (the client went away). */
int
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

/* Writes the replies buffered. A client that went away, or stopped
 * reading for timeout_s (SO_SNDTIMEO), gets no more: see sess_fill. */
static void
sess_flush(struct sess *s)
{
	if (s->s_out_len > 0 && !s->s_deaf &&
	    write_all(s->s_fd, s->s_out, s->s_out_len) != 0) {
		log_debug("event=client_write_failed peer=%s", s->s_peer);
		s->s_deaf = 1;
	}
	s->s_out_len = 0;
}

/* Bytes for the client, after those buffered; written when the buffer
 * is full (so only while no reply waits for a batch: see reply()). */
static void
out_put(struct sess *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t	k;

		if (s->s_out_len == sizeof(s->s_out))
			sess_flush(s);
		k = sizeof(s->s_out) - s->s_out_len;
		k = k < n ? k : n;
		memcpy(s->s_out + s->s_out_len, p, k);
		s->s_out_len += k;
		p += k;
		n -= k;
	}
}

/*
 * Queues one reply line (buffered: PIPELINING sends them together).
 * While messages wait for their batch, the replies after theirs are
 * held; if they fill the buffer, the batch goes now.
 */
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
	if (s->s_n_pend > 0 && s->s_out_len + (size_t)n > sizeof(s->s_out))
		batch_submit(s);
	out_put(s, line, (size_t)n);
}

/* Ends the session; the messages it received whole are submitted and
 * answered first (a client may half-close and still read). */
static void __attribute__((noreturn))
sess_end(struct sess *s, const char *why)
{
	if (s->s_n_pend > 0)
		batch_submit(s);
	sess_flush(s);
	close(s->s_fd);
	log_info("event=session_end peer=%s reason=\"%s\"", s->s_peer, why);
	free(s->s_msg);
	free(s);
	node_close();
	exit(0);
}

/* Bytes read and not yet parsed. */
static size_t
avail(const struct sess *s)
{
	return s->s_in_len - s->s_in_off;
}

static void
consume(struct sess *s, size_t n)
{
	s->s_in_off += n;
	if (s->s_in_off == s->s_in_len)
		s->s_in_off = s->s_in_len = 0;
}

/* Ends the session for why; in names the message being received, if
 * any (see sess_fill). */
static void __attribute__((noreturn))
sess_lost(struct sess *s, const char *why, const char *in)
{
	char	line[80];

	if (in == NULL)
		sess_end(s, why);
	snprintf(line, sizeof(line), "%s during %s, nothing stored", why, in);
	sess_end(s, line);
}

/* 1 if the client has sent more than we read (or closed). */
static int
readable(const struct sess *s)
{
	struct pollfd	pfd = { .fd = s->s_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/*
 * Reads more bytes into the input buffer, after flushing what we owe the
 * client: the queued messages are submitted first, unless more input is
 * here already (and they have not waited BATCH_HOLD_MS). Ends the
 * session on EOF, a timeout or SIGTERM; in names what was being
 * received ("DATA", "BDAT": logged, that message is not stored), NULL
 * between commands.
 */
static void
sess_fill(struct sess *s, const char *in)
{
	struct pollfd	pfd = { .fd = s->s_fd, .events = POLLIN };
	uint64_t	deadline;
	ssize_t		n;

	if (s->s_n_pend > 0 && (clock_mono_ms() - s->s_pend_since >=
	    BATCH_HOLD_MS || !readable(s)))
		batch_submit(s);
	if (s->s_n_pend == 0)
		sess_flush(s);
	if (s->s_deaf)
		sess_lost(s, "cannot write to the client", in);
	/* The client's time starts once it has its replies. */
	deadline = clock_mono_ms() + (uint64_t)conf->timeout_s * 1000;
	memmove(s->s_in, s->s_in + s->s_in_off, avail(s));
	s->s_in_len -= s->s_in_off;
	s->s_in_off = 0;
	for (;;) {
		uint64_t	now = clock_mono_ms();
		int		rc;

		if (got_term) {
			reply(s, "421 4.3.2 %s shutting down", hostname);
			sess_lost(s, "shutdown", in);
		}
		if (now >= deadline) {
			reply(s, "421 4.4.2 %s timeout, closing", hostname);
			sess_lost(s, "timeout", in);
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
			sess_lost(s, in != NULL ? "connection lost" :
			    "connection closed", in);
		s->s_in_len += (size_t)n;
		return;
	}
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
		uint8_t	*p = s->s_in + s->s_in_off;
		uint8_t	*nl = memchr(p, '\n', avail(s));

		if (nl != NULL) {
			size_t	n = (size_t)(nl - p);

			if (toolong || n + 1 > SMTP_LINE_MAX) {
				consume(s, n + 1);
				return -1;
			}
			*len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
			memcpy(line, p, *len);
			line[*len] = '\0';
			consume(s, n + 1);
			return 0;
		}
		if (avail(s) >= SMTP_LINE_MAX) {
			toolong = 1;	/* skip to the end of the line */
			s->s_in_off = s->s_in_len = 0;
		}
		sess_fill(s, NULL);
	}
}

static void
sess_reset(struct sess *s)
{
	s->s_mail = 0;
	s->s_bdat = 0;
	s->s_bdat_len = 0;
	s->s_from[0] = '\0';
	s->s_paths_len = 0;
	s->s_n_rcpt = 0;
}

/*
 * One reply per recipient (LMTP: paths holds n of them, each with its
 * NUL) or one for all (SMTP).
 */
static void __attribute__((format(printf, 4, 5)))
reply_all(struct sess *s, const char *paths, size_t n, const char *fmt, ...)
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
	for (size_t i = 0; i < n; i++, paths += strlen(paths) + 1)
		reply(s, "%s <%s>", line, paths);
}

/*
 * The submission key of the message: a hash of its envelope and bytes.
 * An MTA that retries after our 451 (the node stored it, but answered
 * after ctl_timeout_ms) sends the same message again, so the node
 * answers the repeat with the first copy's id and stores nothing twice.
 */
static void
submit_key(const struct sess *s, size_t len, char key[5 + 2 * 16 + 1])
{
	crypto_generichash_state	st;
	uint8_t				h[16];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)s->s_from,
	    strlen(s->s_from) + 1);
	crypto_generichash_update(&st, (const uint8_t *)s->s_paths,
	    s->s_paths_len);
	crypto_generichash_update(&st, s->s_msg, len);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(key, "smtp:", 5);
	sodium_bin2hex(key + 5, 2 * sizeof(h) + 1, h, sizeof(h));
}

/*
 * The fields of a send request for the message in s_msg (len bytes),
 * and in *cost at least the bytes they take in the request, counted as
 * they are made (serializing the base64 text once more to measure it
 * would cost as much as sending it): the subject takes at most two a
 * byte (smtp_subject leaves no control characters), the base64 text,
 * the names and the key one.
 */
static json_t *
msg_item(const struct sess *s, size_t len, size_t *cost)
{
	char	 subject[SMTP_SUBJECT_MAX + 1], key[5 + 2 * 16 + 1];
	json_t	*to = json_array(), *item;
	char	*b64 = b64_encode(s->s_msg, len);
	size_t	 b64_len = strlen(b64);

	smtp_subject(s->s_msg, len, subject, sizeof(subject));
	submit_key(s, len, key);
	*cost = 96 + strlen(conf->sender) + 2 * strlen(subject) + b64_len +
	    strlen(key);
	for (size_t i = 0; i < s->s_n_rcpt; i++) {
		int	dup = 0;

		for (size_t j = 0; j < i; j++)
			dup |= strcmp(s->s_nodes[i], s->s_nodes[j]) == 0;
		if (dup)
			continue;
		json_array_append_new(to, json_string(s->s_nodes[i]));
		*cost += strlen(s->s_nodes[i]) + 3;
	}
	/* Base64 is ASCII: no need to check it is UTF-8. */
	item = json_pack("{s:s, s:o, s:s, s:o, s:s}", "from", conf->sender,
	    "to", to, "subject", subject, "text_b64",
	    json_stringn_nocheck(b64, b64_len), "key", key);
	free(b64);
	return item;
}

/*
 * The message in s_msg (len bytes) is complete: queue it for the next
 * batch. Its reply goes where the replies stand now.
 */
static void
sess_queue(struct sess *s, size_t len)
{
	size_t		 cost;
	json_t		*item = msg_item(s, len, &cost);
	struct pend	*p;

	cost += s->s_paths_len;
	if (s->s_n_pend > 0 && (s->s_n_pend == BATCH_MAX ||
	    s->s_pend_bytes + cost > BATCH_BYTES))
		batch_submit(s);
	if (s->s_n_pend == 0)
		s->s_pend_since = clock_mono_ms();
	p = &s->s_pend[s->s_n_pend++];
	p->p_item = item;
	p->p_paths = xmalloc(s->s_paths_len);
	memcpy(p->p_paths, s->s_paths, s->s_paths_len);
	p->p_n_rcpt = s->s_n_rcpt;
	p->p_len = len;
	p->p_out = s->s_out_len;
	snprintf(p->p_from, sizeof(p->p_from), "%s", s->s_from);
	s->s_pend_bytes += cost;
}

/*
 * Answers p, item i of a batch of n, from the node's reply r (NULL:
 * none came, err says why). Whatever the node refuses here is its state
 * (store full or failing, config), not the message: we checked the
 * addresses and the size. So the client keeps it and retries.
 */
static void
pend_answer(struct sess *s, const struct pend *p, json_t *r, size_t i,
    size_t n, const char *err)
{
	json_t		*res = json_array_get(json_object_get(r, "results"), i);
	const char	*e = NULL, *id;

	if (r == NULL) {
		log_warnx("event=deferred peer=%s from=<%s> rcpts=%zu size=%zu "
		    "batch=%zu reason=\"%s\"", s->s_peer, p->p_from,
		    p->p_n_rcpt, p->p_len, n, err);
		reply_all(s, p->p_paths, p->p_n_rcpt, "451 4.4.1 node "
		    "unavailable (%s); try again later", err);
		return;
	}
	if (!json_is_true(json_object_get(r, "ok")))
		e = node_error(r);
	else if (!json_is_object(res))
		e = "the node gave no result for it";
	else if (json_object_get(res, "error") != NULL)
		e = node_error(res);
	if (e != NULL) {
		log_warnx("event=deferred peer=%s from=<%s> rcpts=%zu size=%zu "
		    "batch=%zu reason=\"%s\"", s->s_peer, p->p_from,
		    p->p_n_rcpt, p->p_len, n, e);
		if (strstr(e, "store") != NULL)
			reply_all(s, p->p_paths, p->p_n_rcpt, "452 4.3.1 "
			    "node cannot store it now (%.200s); try again "
			    "later", e);
		else
			reply_all(s, p->p_paths, p->p_n_rcpt, "451 4.3.0 "
			    "node refused it (%.200s); try again later", e);
		return;
	}
	id = json_string_value(json_object_get(res, "id"));
	log_info("event=accepted peer=%s from=<%s> rcpts=%zu size=%zu "
	    "batch=%zu id=%s duplicate=%d", s->s_peer, p->p_from, p->p_n_rcpt,
	    p->p_len, n, id != NULL ? id : "?",
	    json_is_true(json_object_get(res, "duplicate")));
	reply_all(s, p->p_paths, p->p_n_rcpt, "250 2.0.0 Ok: stored as %.64s",
	    id != NULL ? id : "?");
}

/*
 * Submits the queued messages in one send_batch (one commit at the
 * node, however many), then writes the replies held since the first of
 * them, each message's own in its place. A request that fails, or gets
 * no answer, fails each of its messages with a 4xx.
 */
static void
batch_submit(struct sess *s)
{
	size_t	 n = s->s_n_pend, held_len = s->s_out_len, at = 0;
	json_t	*items = json_array(), *r;
	char	*held = xmalloc(held_len + 1), err[256];

	for (size_t i = 0; i < n; i++) {
		json_array_append_new(items, s->s_pend[i].p_item);
		s->s_pend[i].p_item = NULL;
	}
	r = node_call(json_pack("{s:s, s:o}", "cmd", "send_batch", "items",
	    items), err, sizeof(err));
	/* From here the replies go out as they come. */
	memcpy(held, s->s_out, held_len);
	s->s_out_len = 0;
	s->s_n_pend = 0;
	s->s_pend_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		struct pend	*p = &s->s_pend[i];

		out_put(s, held + at, p->p_out - at);
		at = p->p_out;
		pend_answer(s, p, r, i, n, err);
		free(p->p_paths);
	}
	out_put(s, held + at, held_len - at);
	free(held);
	json_decref(r);
	sess_flush(s);
}

/* The reply to DATA or BDAT out of order; NULL if it may come now. */
static const char *
sess_no_data(const struct sess *s)
{
	if (!s->s_mail)
		return "503 5.5.1 MAIL first";
	if (s->s_n_rcpt == 0)
		return s->s_lmtp ? "503 5.5.1 RCPT first" :
		    "554 5.5.1 no valid recipients";
	return NULL;
}

#define TOO_BIG	"552 5.3.4 message size exceeds fixed maximum message size"

/* The transaction's message, total bytes, is complete: queue it, or
 * refuse it if it ran over max_size. */
static void
sess_message(struct sess *s, uint64_t total)
{
	if (total > conf->max_size) {
		log_warnx("event=refused peer=%s from=<%s> reason=\"message of "
		    "%" PRIu64 " bytes over max_size %u\"", s->s_peer,
		    s->s_from, total, conf->max_size);
		reply_all(s, s->s_paths, s->s_n_rcpt, TOO_BIG " (%u)",
		    conf->max_size);
	} else
		sess_queue(s, (size_t)total);
	sess_reset(s);
}

static void
sess_data(struct sess *s)
{
	struct smtp_data	 d;
	const char		*no = sess_no_data(s);
	size_t			 used;

	if (no == NULL && s->s_bdat)
		no = "503 5.5.1 BDAT and DATA cannot be mixed in a message";
	if (no != NULL) {
		reply(s, "%s", no);
		return;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	smtp_data_init(&d, s->s_msg, conf->max_size);
	for (;;) {
		int	done = smtp_data_feed(&d, s->s_in + s->s_in_off,
		    avail(s), &used);

		consume(s, used);
		if (done)
			break;
		/* Past the limit the rest is read and dropped, but not
		 * without end. */
		if (d.sd_total > DATA_DRAIN_MAX) {
			reply(s, TOO_BIG " (%u)", conf->max_size);
			sess_end(s, "message far over max_size, nothing "
			    "stored");
		}
		sess_fill(s, "DATA");
	}
	sess_message(s, smtp_data_over(&d) ? d.sd_total : d.sd_len);
}

/*
 * Reads n bytes of a BDAT chunk: into the message at s_bdat_len if keep
 * (those past max_size are dropped), else all dropped.
 */
static void
bdat_read(struct sess *s, uint64_t n, int keep)
{
	uint64_t	at = s->s_bdat_len;

	while (n > 0) {
		size_t	k = avail(s) < n ? avail(s) : (size_t)n;

		if (k == 0) {
			sess_fill(s, "BDAT");
			continue;
		}
		if (keep && at < conf->max_size)
			memcpy(s->s_msg + at, s->s_in + s->s_in_off,
			    conf->max_size - at < k ? conf->max_size - at : k);
		consume(s, k);
		at += k;
		n -= k;
	}
}

/*
 * BDAT SIZE [LAST] (RFC 3030): SIZE bytes follow the line at once,
 * pipelined, whatever the reply will be; they are read (or dropped) so
 * that none is taken for a command. A chunk that would take the message
 * past DATA_DRAIN_MAX is not read: the session ends.
 */
static void
sess_bdat(struct sess *s, const struct smtp_cmd *c)
{
	const char	*no = sess_no_data(s);
	uint64_t	 total = s->s_bdat_len + c->chunk;

	if (c->chunk > DATA_DRAIN_MAX || total > DATA_DRAIN_MAX) {
		if (no != NULL)
			reply(s, "%s", no);
		else
			reply(s, TOO_BIG " (%u)", conf->max_size);
		sess_end(s, "BDAT chunk far over max_size, nothing stored");
	}
	bdat_read(s, c->chunk, no == NULL);
	if (no != NULL) {
		reply(s, "%s", no);
		return;
	}
	s->s_bdat = 1;
	s->s_bdat_len = total;
	if (c->last)
		sess_message(s, total);
	else if (total > conf->max_size)
		reply(s, TOO_BIG " (%u)", conf->max_size);
	else
		reply(s, "250 2.0.0 %" PRIu64 " bytes received", c->chunk);
}

static void
sess_rcpt(struct sess *s, const struct smtp_cmd *c)
{
	char	*node;
	int	 rc;

	if (!s->s_mail) {
		reply(s, "503 5.5.1 MAIL first");
		return;
	}
	if (s->s_n_rcpt == WIRE_MAX_RECIPIENTS) {
		reply(s, "452 4.5.3 too many recipients");
		return;
	}
	node = s->s_nodes[s->s_n_rcpt];
	rc = smtp_map_rcpt(c->arg, conf->domain, node, NODE_ADDR_MAX);
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
	/* c->arg is a path: at most SMTP_PATH_MAX bytes (smtp.h). */
	s->s_paths_len += (size_t)snprintf(s->s_paths + s->s_paths_len,
	    sizeof(s->s_paths) - s->s_paths_len, "%.256s", c->arg) + 1;
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
	s->s_n_rcpt = s->s_paths_len = 0;
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
	reply(s, "250-CHUNKING");
	reply(s, "250-SIZE %u", conf->max_size);
	reply(s, "250-8BITMIME");
	reply(s, "250-SMTPUTF8");
	reply(s, "250 ENHANCEDSTATUSCODES");
}

void
sess_run(int fd, int lmtp, const char *peer)
{
	struct sess	*s = xcalloc(1, sizeof(*s));
	struct timeval	 tv = { .tv_sec = conf->timeout_s };
	struct smtp_cmd	 c;
	char		 line[SMTP_LINE_MAX + 1];
	size_t		 len;
	int		 rc;

	/* A client that stops reading its replies cannot hold this process
	 * (and a max_clients slot) for ever: a write gives up after
	 * timeout_s. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
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
		if ((rc = smtp_parse(line, len, &c)) != 0 &&
		    c.verb == SMTP_BDAT) {
			/* Where its chunk ends, and the next command begins,
			 * cannot be known. */
			reply(s, "501 5.5.4 syntax error in BDAT, closing");
			sess_end(s, "malformed BDAT");
		}
		if (rc != 0) {
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
		case SMTP_BDAT:
			sess_bdat(s, &c);
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
