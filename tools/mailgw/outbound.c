/*
 * mailgw/outbound.c: what arrives in a watched mailbox leaves into a
 * Maildir or to a smarthost, never twice (a Maildir name from the record
 * id; for a smarthost, journal.c: a message whose end was handed over
 * with no answer seen is reported to its sender, not sent again); a
 * permanent refusal becomes a failure report to the sender, a temporary
 * one is retried with backoff.
 */
#include "mailgw.h"
#include "name.h"

/* ------------------------------------------------------------------ */
/* Outbound.                                                           */

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

/* DLV_UNSURE: the end of the message went, its answer never came. */
enum result { DLV_OK, DLV_TEMP, DLV_PERM, DLV_UNSURE };

int
id_parse(const char *hex, uint8_t id[32])
{
	size_t	len;

	return hex != NULL && strlen(hex) == 64 && sodium_hex2bin(id, 32, hex,
	    64, NULL, &len, NULL) == 0 && len == 32 ? 0 : -1;
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
	size_t		 i, shown = 0;
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
		/* Only what cannot break the header line. */
		if (json_string_value(v) == NULL ||
		    !name_mailbox(json_string_value(v), NULL))
			continue;
		buf_printf(b, "%s", shown++ > 0 ? ",\r\n " : "");
		buf_addr(b, json_string_value(v));
	}
	buf_printf(b, "%s\r\n", shown == 0 ? "undisclosed-recipients:;" : "");
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
int
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
	uint64_t	deadline = clock_mono_ms() + SMARTHOST_TIMEOUT_MS;

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
		if (clock_mono_ms() >= deadline || poll(&pfd, 1,
		    (int)(deadline - clock_mono_ms())) != 1)
			return -1;
		r = recv(c->sc_fd, c->sc_in + c->sc_len,
		    sizeof(c->sc_in) - c->sc_len, 0);
		if (r <= 0)
			return -1;
		c->sc_len += (size_t)r;
	}
}

/*
 * Sends one command line and reads its reply: the code, or -1. A line
 * with a control character in it is not sent (-1): CR LF inside would
 * start another command, or a whole message, in the session.
 */
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
	for (int i = 0; i < n; i++)
		if ((unsigned char)line[i] < 32 || line[i] == 127) {
			log_warnx("event=command_refused reason=\"a control "
			    "character in an SMTP command\"");
			return -1;
		}
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
deliver_smarthost(struct outq *q, const struct outmsg *m, const struct buf *b,
    char *why, size_t whylen)
{
	const struct gw_outbound *o = q->oq_conf;
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
	/*
	 * From the final dot on, the smarthost may have it whatever we see
	 * next: note so first, durably, or send nothing.
	 */
	if (journal_note(q, JOURNAL_SENDING, m->om_id) != 0) {
		code = -1;
		what = "the journal, before the end of data";
		goto bad;
	}
	if (write_all(c.sc_fd, data.b, data.n) != 0 ||
	    (code = sc_reply(&c, 0)) < 0) {
		snprintf(why, whylen, "smarthost %s: connection lost or timed "
		    "out after the end of the message", o->smarthost);
		res = DLV_UNSURE;
		goto out;
	}
	if (code_result(code) != DLV_OK) {
		if (journal_note(q, JOURNAL_REFUSED, m->om_id) != 0) {
			snprintf(why, whylen, "smarthost %s refused it, and "
			    "the journal cannot say so", o->smarthost);
			res = DLV_UNSURE;
			goto out;
		}
		goto bad;
	}
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

/*
 * Turns the message at seq into a failure report to its sender (the
 * node's mail_fail), which takes it out of the mailbox. If the report
 * cannot be written, it stays, and is tried again at the next poll.
 */
static void
out_fail(struct outq *q, uint64_t seq, const uint8_t id[32], const char *hex,
    const char *reason, const char *detail)
{
	const struct gw_outbound	*o = q->oq_conf;
	char				 err[256];
	json_t				*f;

	f = node_call(json_pack("{s:s, s:s, s:I, s:s, s:s}", "cmd",
	    "mail_fail", "mailbox", o->mailbox, "seq", (json_int_t)seq,
	    "reason", reason, "detail", detail), err, sizeof(err));
	if (f == NULL || !json_is_true(json_object_get(f, "ok")))
		log_warnx("event=report_failed outbound=\"%s\" id=%s "
		    "reason=\"%s\"", o->name, hex, f == NULL ? err :
		    node_error(f));
	else
		retry_clear(q, id);
	json_decref(f);
}

/*
 * A message the smarthost was handed without our seeing its answer: it
 * may have been delivered. Not sent again (that could deliver it twice):
 * its sender gets a failure report that says so.
 */
static void
out_unsure(struct outq *q, uint64_t seq, const uint8_t id[32],
    const char *hex, const char *why)
{
	char	detail[512];

	snprintf(detail, sizeof(detail), "delivery uncertain: %s; the "
	    "smarthost may have it, so it was not sent again (ask the "
	    "recipient before sending it once more)", why);
	log_warnx("event=delivery_uncertain outbound=\"%s\" id=%s reason="
	    "\"%s\"", q->oq_conf->name, hex, why);
	out_fail(q, seq, id, hex, "refused", detail);
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
	json_t				*r;
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
	/* It goes into MAIL FROM and the From: header as it is. A node
	 * holds no such mail since the sender rule (proto/README.md,
	 * "Mail"); one from an older store stays here, unsent, and the
	 * admin removes it (node-ctl mail rm). */
	if (!name_mailbox(m.om_from, NULL)) {
		log_warnx("event=unsendable outbound=\"%s\" id=%s reason="
		    "\"sender is not a mailbox address\"", o->name, hex);
		rt = retry_slot(q, id, 1);
		rt->rt_delay_ms = o->retry_max_ms;
		rt->rt_next_ms = clock_mono_ms() + o->retry_max_ms;
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
		res = deliver_smarthost(q, &m, &b, err, sizeof(err));
	switch (res) {
	case DLV_OK:
		if (o->smarthost != NULL &&
		    journal_note(q, JOURNAL_DELIVERED, m.om_id) != 0) {
			/* Sent, but not noted: keep it in the mailbox and
			 * stop, rather than risk sending it twice. */
			log_warnx("event=journal_failed outbound=\"%s\" id=%s",
			    o->name, hex);
			rt = retry_slot(q, id, 1);
			rt->rt_delay_ms = o->retry_max_ms;
			rt->rt_next_ms = clock_mono_ms() + o->retry_max_ms;
			break;
		}
		retry_clear(q, id);
		out_remove(q, seq, hex);
		break;
	case DLV_PERM:
		log_warnx("event=bounced outbound=\"%s\" id=%s from=%s reason="
		    "\"%s\"", o->name, hex, m.om_from, err);
		out_fail(q, seq, id, hex, perm_reason(err), err);
		break;
	case DLV_UNSURE:
		out_unsure(q, seq, id, hex, err);
		break;
	case DLV_TEMP:
		rt = retry_slot(q, id, 1);
		rt->rt_delay_ms = rt->rt_delay_ms == 0 ? o->retry_min_ms :
		    rt->rt_delay_ms >= o->retry_max_ms / 2 ? o->retry_max_ms :
		    rt->rt_delay_ms * 2;
		rt->rt_next_ms = clock_mono_ms() + rt->rt_delay_ms;
		log_warnx("event=deferred outbound=\"%s\" id=%s retry_ms=%u "
		    "reason=\"%s\"", o->name, hex, rt->rt_delay_ms, err);
		break;
	}
out:
	free(b.b);
	free(m.om_text);
	json_decref(r);
}

void
out_tick(struct outq *q)
{
	const struct gw_outbound	*o = q->oq_conf;
	char				 err[256];
	json_t				*r, *list, *v;
	size_t				 i, handled = 0;
	uint64_t			 now = clock_mono_ms();

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
		    rt->rt_next_ms > clock_mono_ms())
			continue;
		handled++;
		if (kind == NULL || json_object_get(v, "error") != NULL) {
			/* Unreadable in the store, or sealed to no key of
			 * the node (re-keyed: an old key file put back opens
			 * it): the node says so. Looked at again later. */
			log_warnx("event=unreadable outbound=\"%s\" id=%s seq=%"
			    PRIu64 " reason=\"%s\"", o->name, hex, seq,
			    node_error(v));
			rt = retry_slot(q, id, 1);
			rt->rt_delay_ms = o->retry_max_ms;
			rt->rt_next_ms = clock_mono_ms() + o->retry_max_ms;
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
		if (journal_unsure(q, id)) {
			out_unsure(q, seq, id, hex, "the gateway stopped "
			    "after handing it to the smarthost, before its "
			    "answer");
			continue;
		}
		out_one(q, seq, id, hex);
	}
	if (q->oq_n_journal > 1000 && json_object_get(r, "next") == NULL)
		journal_compact(q, list);
	json_decref(r);
}

/* One outbound section, in its own process: poll the mailbox, deliver,
 * until SIGTERM (a delivery under way is finished first). */
void
out_run(struct outq *q)
{
	if (q->oq_conf->journal != NULL)
		journal_load(q);
	while (!got_term) {
		uint64_t	now;

		out_tick(q);
		while (!got_term && (now = clock_mono_ms()) < q->oq_next_ms)
			poll(NULL, 0, (int)(q->oq_next_ms - now));
	}
	free(q->oq_journal);
	free(q->oq_unsure);
	node_close();
	exit(0);
}
