/*
 * smtp: parsing for the mail gateway, no I/O.
 *
 * Everything here reads bytes from an SMTP client or a stored message,
 * so everything is bounded by the caller's buffers and by the limits in
 * smtp.h, and every function returns a result for any input (no assert
 * on data). Command lines follow RFC 5321 section 4.1 with the SMTPUTF8
 * (RFC 6531) extension of the path grammar; the DATA reader recognises
 * only CRLF "." CRLF as the end (a bare LF never ends a line, so a
 * message cannot smuggle a second one past a stricter MTA in front).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "name.h"
#include "smtp.h"
#include "utf8.h"

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The length of the valid UTF-8 character at p (n bytes left), or 0. */
static size_t
utf8_char(const uint8_t *p, size_t n)
{
	size_t	len = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 :
	    p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ?
	    4 : 0;

	if (len == 0 || len > n || !utf8_valid(p, len))
		return 0;
	return len;
}

/* RFC 5322 atext, plus any byte of a UTF-8 sequence (checked as a whole
 * line before). */
static int
atext(int c)
{
	return is_alpha(c) || is_digit(c) || c >= 0x80 ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * A mailbox inside a path: Local-part "@" (Domain / address-literal).
 * p[*i] is its first byte; on success *i is past it. 0 or -1.
 */
static int
parse_mailbox(const char *p, size_t len, size_t *i)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 k = *i, label;

	if (k < len && s[k] == '"') {
		for (k++; k < len && s[k] != '"'; k++) {
			if (s[k] == '\\') {
				if (++k >= len || s[k] < 32 || s[k] == 127)
					return -1;
			} else if (s[k] < 32 || s[k] == 127)
				return -1;
		}
		if (k >= len)
			return -1;
		k++;
	} else {
		/* Dot-string: atoms separated by single dots. */
		size_t	atom = 0;

		for (; k < len && (atext(s[k]) || s[k] == '.'); k++) {
			if (s[k] == '.') {
				if (atom == 0)
					return -1;
				atom = 0;
			} else
				atom++;
		}
		if (atom == 0)
			return -1;
	}
	if (k >= len || s[k] != '@')
		return -1;
	k++;
	if (k < len && s[k] == '[') {
		for (k++; k < len && s[k] != ']'; k++)
			if (s[k] < 33 || s[k] > 126 || s[k] == '[' ||
			    s[k] == '\\')
				return -1;
		if (k >= len)
			return -1;
		*i = k + 1;
		return 0;
	}
	for (label = 0; k < len && (is_alpha(s[k]) || is_digit(s[k]) ||
	    s[k] == '-' || s[k] == '.' || s[k] >= 0x80); k++) {
		if (s[k] == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (++label > 63)
			return -1;
	}
	if (label == 0)
		return -1;
	*i = k;
	return 0;
}

/*
 * A path at p[*i]: "<" [A-d-l ":"] Mailbox ">" or "<>" if null_ok, or
 * "<Postmaster>" if pm_ok. The mailbox is copied into out.
 */
static int
parse_path(const char *p, size_t len, size_t *i, int null_ok, int pm_ok,
    struct smtp_cmd *out)
{
	size_t	k = *i, start;

	if (k >= len || p[k] != '<')
		return SMTP_EPATH;
	k++;
	if (null_ok && k < len && p[k] == '>') {
		out->null_path = 1;
		out->arg[0] = '\0';
		*i = k + 1;
		return 0;
	}
	if (pm_ok && len - k >= 11 && strncasecmp(p + k, "postmaster>", 11) ==
	    0) {
		memcpy(out->arg, p + k, 10);
		out->arg[10] = '\0';
		*i = k + 11;
		return 0;
	}
	if (k < len && p[k] == '@') {
		/* A source route: obsolete, parsed loosely and ignored. */
		while (k < len && p[k] != ':' && p[k] != '>')
			k++;
		if (k >= len || p[k] != ':')
			return SMTP_EPATH;
		k++;
	}
	start = k;
	if (parse_mailbox(p, len, &k) != 0 || k >= len || p[k] != '>' ||
	    k - start > SMTP_PATH_MAX)
		return SMTP_EPATH;
	memcpy(out->arg, p + start, k - start);
	out->arg[k - start] = '\0';
	*i = k + 1;
	return 0;
}

/* The ESMTP parameters after a path: " KEY[=VALUE]" repeated. */
static int
parse_params(const char *p, size_t len, size_t k, int allow,
    struct smtp_cmd *out)
{
	while (k < len) {
		size_t		 kw, kwlen, v = 0, vlen = 0;

		if (p[k] != ' ')
			return SMTP_ESYNTAX;
		while (k < len && p[k] == ' ')
			k++;
		if (k == len)
			break;
		kw = k;
		if (!is_alpha(p[k]) && !is_digit(p[k]))
			return SMTP_ESYNTAX;
		while (k < len && (is_alpha(p[k]) || is_digit(p[k]) ||
		    p[k] == '-'))
			k++;
		kwlen = k - kw;
		if (k < len && p[k] == '=') {
			v = ++k;
			while (k < len && p[k] != ' ' && p[k] != '=')
				k++;
			if ((vlen = k - v) == 0 || (k < len && p[k] == '='))
				return SMTP_ESYNTAX;
		}
		if (!allow)
			return SMTP_EPARAM;
		if (kwlen == 4 && strncasecmp(p + kw, "SIZE", 4) == 0) {
			uint64_t	n = 0;

			if (out->has_size || vlen == 0 || vlen > 19)
				return SMTP_ESYNTAX;
			for (size_t j = v; j < v + vlen; j++) {
				if (!is_digit(p[j]))
					return SMTP_ESYNTAX;
				n = n * 10 + (uint64_t)(p[j] - '0');
			}
			out->has_size = 1;
			out->size = n;
		} else if (kwlen == 4 && strncasecmp(p + kw, "BODY", 4) == 0) {
			if (out->body != SMTP_BODY_NONE)
				return SMTP_ESYNTAX;
			if (vlen == 4 && strncasecmp(p + v, "7BIT", 4) == 0)
				out->body = SMTP_BODY_7BIT;
			else if (vlen == 8 && strncasecmp(p + v, "8BITMIME",
			    8) == 0)
				out->body = SMTP_BODY_8BITMIME;
			else
				return SMTP_EPARAM;
		} else if (kwlen == 8 && strncasecmp(p + kw, "SMTPUTF8",
		    8) == 0) {
			if (out->smtputf8 || vlen != 0)
				return SMTP_ESYNTAX;
			out->smtputf8 = 1;
		} else
			return SMTP_EPARAM;
	}
	return 0;
}

/* BDAT's arguments at p[k]: " SIZE [LAST]" (RFC 3030), spaces loosely. */
static int
parse_bdat(const char *p, size_t len, size_t k, struct smtp_cmd *out)
{
	size_t	digits = 0;

	if (k >= len || p[k] != ' ')
		return SMTP_ESYNTAX;
	while (k < len && p[k] == ' ')
		k++;
	for (; k < len && is_digit(p[k]); k++) {
		if (++digits > 19)	/* the most a uint64_t always holds */
			return SMTP_ESYNTAX;
		out->chunk = out->chunk * 10 + (uint64_t)(p[k] - '0');
	}
	if (digits == 0 || (k < len && p[k] != ' '))
		return SMTP_ESYNTAX;
	while (k < len && p[k] == ' ')
		k++;
	if (len - k >= 4 && strncasecmp(p + k, "LAST", 4) == 0) {
		out->last = 1;
		k += 4;
	}
	while (k < len && p[k] == ' ')
		k++;
	return k == len ? 0 : SMTP_ESYNTAX;
}

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} verbs[] = {
	{ "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "LHLO", SMTP_LHLO },
	{ "MAIL", SMTP_MAIL }, { "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA },
	{ "RSET", SMTP_RSET }, { "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT },
	{ "VRFY", SMTP_VRFY }, { "HELP", SMTP_HELP },
	{ "BDAT", SMTP_BDAT }, { "STARTTLS", SMTP_NOTIMPL },
	{ "AUTH", SMTP_NOTIMPL }, { "ETRN", SMTP_NOTIMPL },
	{ "EXPN", SMTP_NOTIMPL }, { "TURN", SMTP_NOTIMPL },
};

int
smtp_parse(const char *line, size_t len, struct smtp_cmd *out)
{
	size_t	 vlen, k;
	int	 rc;

	memset(out, 0, sizeof(*out));
	if (len > SMTP_LINE_MAX - 2)
		return SMTP_ETOOLONG;
	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == vlen &&
		    strncasecmp(line, verbs[i].name, vlen) == 0)
			out->verb = verbs[i].verb;
	if (out->verb == 0)
		return SMTP_EUNKNOWN;
	/* Control bytes and broken UTF-8 are refused whatever the verb. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 32 || line[i] == 127)
			return SMTP_ESYNTAX;
	if (!utf8_valid((const uint8_t *)line, len))
		return SMTP_ESYNTAX;
	k = vlen;
	switch (out->verb) {
	case SMTP_HELO:
	case SMTP_EHLO:
	case SMTP_LHLO:
		while (k < len && line[k] == ' ')
			k++;
		while (len > k && line[len - 1] == ' ')
			len--;
		if (k == len || memchr(line + k, ' ', len - k) != NULL)
			return SMTP_ESYNTAX;
		memcpy(out->arg, line + k, len - k);
		out->arg[len - k] = '\0';
		return 0;
	case SMTP_MAIL:
	case SMTP_RCPT: {
		const char	*kw = out->verb == SMTP_MAIL ? " FROM:" : " TO:";
		size_t		 kwlen = strlen(kw);

		if (len - k < kwlen || strncasecmp(line + k, kw, kwlen) != 0)
			return SMTP_ESYNTAX;
		k += kwlen;
		/* RFC 5321 allows no space here; many clients send one. */
		while (k < len && line[k] == ' ')
			k++;
		if ((rc = parse_path(line, len, &k, out->verb == SMTP_MAIL,
		    out->verb == SMTP_RCPT, out)) != 0)
			return rc;
		return parse_params(line, len, k, out->verb == SMTP_MAIL, out);
	}
	case SMTP_BDAT:
		return parse_bdat(line, len, k, out);
	case SMTP_DATA:
	case SMTP_RSET:
	case SMTP_QUIT:
		while (k < len && line[k] == ' ')
			k++;
		return k == len ? 0 : SMTP_ESYNTAX;
	default:
		return 0;	/* NOOP, HELP, VRFY: arguments ignored */
	}
}

int
smtp_map_rcpt(const char *addr, const char *domain, char *out,
    size_t outlen)
{
	const char	*at = strrchr(addr, '@');
	char		 node[NAME_MAX_LEN + 2];
	size_t		 dlen, nlen, ulen, dom = strlen(domain);

	if (at == NULL)
		return SMTP_MAP_DOMAIN;
	dlen = strlen(at + 1);
	if (dlen > 0 && at[dlen] == '.')
		dlen--;		/* a fully qualified "example." */
	if (dom == 0 || dlen < dom + 2 || at[1 + dlen - dom - 1] != '.' ||
	    strncasecmp(at + 1 + dlen - dom, domain, dom) != 0)
		return SMTP_MAP_DOMAIN;
	nlen = dlen - dom - 1;
	if (nlen > NAME_MAX_LEN)
		return SMTP_MAP_DOMAIN;
	for (size_t i = 0; i < nlen; i++)
		node[i] = (char)lower((unsigned char)at[1 + i]);
	node[nlen] = '\0';
	if (!name_valid(node))
		return SMTP_MAP_DOMAIN;
	ulen = (size_t)(at - addr);
	if (ulen + 1 + nlen + 1 > outlen)
		return SMTP_MAP_USER;
	/* Fold letters first (a client may write Vanthu@...), then check. */
	for (size_t i = 0; i < ulen; i++)
		out[i] = (char)lower((unsigned char)addr[i]);
	if (!name_mailbox_valid(out, ulen))
		return SMTP_MAP_USER;
	out[ulen] = '@';
	memcpy(out + ulen + 1, node, nlen + 1);
	return SMTP_MAP_OK;
}

/* DATA reader states. */
enum {
	SD_BOL,		/* at the start of a line */
	SD_MID,		/* inside a line */
	SD_CR,		/* just after a CR inside a line */
	SD_DOT,		/* a line started with '.', removed */
	SD_DOTCR,	/* ".\r" at the start of a line */
	SD_END,
};

void
smtp_data_init(struct smtp_data *d, uint8_t *buf, size_t max)
{
	d->sd_buf = buf;
	d->sd_max = max;
	d->sd_len = 0;
	d->sd_total = 0;
	d->sd_state = SD_BOL;
}

static void
keep(struct smtp_data *d, uint8_t c)
{
	if (d->sd_len < d->sd_max)
		d->sd_buf[d->sd_len++] = c;
	d->sd_total++;
}

int
smtp_data_feed(struct smtp_data *d, const uint8_t *p, size_t n,
    size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t	c = p[i];

		switch (d->sd_state) {
		case SD_BOL:
			if (c == '.') {
				d->sd_state = SD_DOT;
				break;
			}
			keep(d, c);
			d->sd_state = c == '\r' ? SD_CR : SD_MID;
			break;
		case SD_DOT:
			if (c == '\r') {
				d->sd_state = SD_DOTCR;
				break;
			}
			keep(d, c);	/* a stuffed dot: the dot is gone */
			d->sd_state = SD_MID;
			break;
		case SD_DOTCR:
			if (c == '\n') {
				d->sd_state = SD_END;
				*used = i + 1;
				return 1;
			}
			/* ".\r" then something else: the line ".\rX". */
			keep(d, '\r');
			keep(d, c);
			d->sd_state = c == '\r' ? SD_CR : SD_MID;
			break;
		case SD_MID:
			keep(d, c);
			if (c == '\r')
				d->sd_state = SD_CR;
			break;
		case SD_CR:
			keep(d, c);
			d->sd_state = c == '\n' ? SD_BOL : c == '\r' ? SD_CR :
			    SD_MID;
			break;
		default:	/* SD_END: fed after the end; nothing more */
			*used = i;
			return 1;
		}
	}
	*used = n;
	return d->sd_state == SD_END;
}

int
smtp_data_over(const struct smtp_data *d)
{
	return d->sd_total > d->sd_max;
}

/*
 * The header section, line by line: *line and *llen (without CR LF) of
 * the line at *pos, *pos moved past it. 0 at the end of the section (an
 * empty line, or the end of msg).
 */
static int
header_line(const uint8_t *msg, size_t len, size_t *pos,
    const uint8_t **line, size_t *llen)
{
	const uint8_t	*nl;
	size_t		 n;

	if (*pos >= len)
		return 0;
	nl = memchr(msg + *pos, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - (msg + *pos)) : len - *pos;
	*line = msg + *pos;
	*pos += n + (nl != NULL);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*llen = n;
	return n > 0;
}

/* The length of a header field name at the start of line, then ':';
 * 0 if the line does not start a field. */
static size_t
field_name(const uint8_t *line, size_t n)
{
	size_t	i;

	for (i = 0; i < n && line[i] > 32 && line[i] < 127 && line[i] != ':';
	    i++)
		;
	return i > 0 && i < n && line[i] == ':' ? i : 0;
}

int
smtp_is_message(const uint8_t *msg, size_t len)
{
	const uint8_t	*line;
	size_t		 pos = 0, n, name;
	int		 from = 0, first = 1;

	while (header_line(msg, len, &pos, &line, &n)) {
		if (line[0] == ' ' || line[0] == '\t') {
			if (first)
				return 0;
			continue;
		}
		if ((name = field_name(line, n)) == 0)
			return 0;
		if (name == 4 && strncasecmp((const char *)line, "From", 4) == 0)
			from = 1;
		first = 0;
	}
	return from;
}

static int
hexval(int c)
{
	return is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int
b64val(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ?
	    c - 'a' + 26 : is_digit(c) ? c - '0' + 52 : c == '+' ? 62 :
	    c == '/' ? 63 : -1;
}

/* Bytes being decoded, bounded; what does not fit is dropped. */
struct sbuf {
	uint8_t	b[2 * SMTP_SUBJECT_MAX];
	size_t	n;
};

static void
sb_put(struct sbuf *s, uint8_t c)
{
	if (s->n < sizeof(s->b))
		s->b[s->n++] = c;
}

enum charset { CS_NONE, CS_UTF8, CS_LATIN1 };

/*
 * An encoded word at v[*i] (RFC 2047 "=?charset?B|Q?text?="): decoded
 * into s, *i moved past it; 0. -1 (nothing written) if it is not one or
 * its charset is not one we know.
 */
static int
encoded_word(const uint8_t *v, size_t n, size_t *i, struct sbuf *s)
{
	size_t		 k = *i + 2, cs, cslen, t, end, save = s->n;
	enum charset	 set;
	int		 enc;

	if (n - *i < 8 || v[*i] != '=' || v[*i + 1] != '?')
		return -1;
	for (cs = k; k < n && v[k] != '?' && v[k] > 32 && v[k] < 127; k++)
		;
	if (k >= n || v[k] != '?')
		return -1;
	cslen = k - cs;
	/* RFC 2231: "charset*language". */
	for (size_t j = cs; j < k; j++)
		if (v[j] == '*') {
			cslen = j - cs;
			break;
		}
	if ((cslen == 5 && strncasecmp((const char *)v + cs, "utf-8", 5) ==
	    0) || (cslen == 8 && strncasecmp((const char *)v + cs, "us-ascii",
	    8) == 0))
		set = CS_UTF8;
	else if ((cslen == 10 && strncasecmp((const char *)v + cs,
	    "iso-8859-1", 10) == 0) || (cslen == 6 &&
	    strncasecmp((const char *)v + cs, "latin1", 6) == 0))
		set = CS_LATIN1;
	else
		return -1;
	if (++k + 2 > n || v[k + 1] != '?')
		return -1;
	enc = lower(v[k]);
	if (enc != 'b' && enc != 'q')
		return -1;
	t = k += 2;
	while (k + 1 < n && !(v[k] == '?' && v[k + 1] == '=') && v[k] > 32 &&
	    v[k] < 127)
		k++;
	if (k + 1 >= n || v[k] != '?' || v[k + 1] != '=')
		return -1;
	end = k;
	if (enc == 'b') {
		uint32_t	acc = 0;
		int		bits = 0;

		for (k = t; k < end && v[k] != '='; k++) {
			int	x = b64val(v[k]);

			if (x < 0)
				goto bad;
			acc = (acc << 6) | (uint32_t)x;
			if ((bits += 6) >= 8) {
				bits -= 8;
				sb_put(s, (uint8_t)(acc >> bits));
				acc &= (1u << bits) - 1;
			}
		}
	} else {
		for (k = t; k < end; k++) {
			int	hi, lo;

			if (v[k] == '_')
				sb_put(s, ' ');
			else if (v[k] == '=') {
				if (k + 2 >= end || (hi = hexval(v[k + 1])) < 0 ||
				    (lo = hexval(v[k + 2])) < 0)
					goto bad;
				sb_put(s, (uint8_t)(hi << 4 | lo));
				k += 2;
			} else
				sb_put(s, v[k]);
		}
	}
	if (set == CS_LATIN1) {
		/* Widen in place, from the end: each byte >= 0x80 takes 2. */
		size_t	extra = 0, from = save, to;

		for (size_t j = from; j < s->n; j++)
			extra += s->b[j] >= 0x80;
		if (s->n + extra > sizeof(s->b)) {
			s->n = save;	/* does not fit: dropped */
			extra = 0;
		}
		to = s->n + extra;
		for (size_t j = s->n; extra > 0 && j-- > from;) {
			uint8_t	c = s->b[j];

			if (c >= 0x80) {
				s->b[--to] = (uint8_t)(0x80 | (c & 0x3f));
				s->b[--to] = (uint8_t)(0xc0 | (c >> 6));
			} else
				s->b[--to] = c;
		}
		s->n += extra;
	}
	*i = end + 2;
	return 0;
bad:
	s->n = save;
	return -1;
}

int
smtp_subject(const uint8_t *msg, size_t len, char *out, size_t outlen)
{
	static const uint8_t	 fffd[3] = { 0xef, 0xbf, 0xbd };
	struct sbuf		 raw = { .n = 0 }, dec = { .n = 0 };
	const uint8_t		*line;
	size_t			 pos = 0, n, name, o = 0, i, ws;
	int			 found = 0, in = 0, last_ew = 0;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	/* The first Subject field, unfolded. */
	while (header_line(msg, len, &pos, &line, &n)) {
		if (line[0] == ' ' || line[0] == '\t') {
			for (i = 0; in && i < n; i++)
				sb_put(&raw, line[i]);
			continue;
		}
		if (found) {
			in = 0;
			continue;
		}
		if ((name = field_name(line, n)) == 0)
			break;
		if (name == 7 && strncasecmp((const char *)line, "Subject",
		    7) == 0) {
			found = in = 1;
			for (i = name + 1; i < n; i++)
				sb_put(&raw, line[i]);
		}
	}
	if (!found)
		return 0;
	/* Encoded words; the white space between two of them goes. */
	for (i = 0; i < raw.n;) {
		if (raw.b[i] == ' ' || raw.b[i] == '\t') {
			size_t	save, j;

			for (ws = i; i < raw.n && (raw.b[i] == ' ' ||
			    raw.b[i] == '\t'); i++)
				;
			save = dec.n;
			j = i;
			if (last_ew && encoded_word(raw.b, raw.n, &j, &dec) ==
			    0) {
				i = j;
				continue;
			}
			dec.n = save;
			for (size_t k = ws; k < i; k++)
				sb_put(&dec, ' ');
			last_ew = 0;
			continue;
		}
		if (encoded_word(raw.b, raw.n, &i, &dec) == 0) {
			last_ew = 1;
			continue;
		}
		sb_put(&dec, raw.b[i++]);
		last_ew = 0;
	}
	/* Valid UTF-8 out, no control characters, trimmed. */
	for (i = 0; i < dec.n && dec.b[i] == ' '; i++)
		;
	while (i < dec.n) {
		size_t		 cl = utf8_char(dec.b + i, dec.n - i);
		const uint8_t	*src = dec.b + i;
		uint8_t		 sp = ' ';

		if (cl == 0) {
			src = fffd;
			cl = 3;
			i++;
		} else {
			if (cl == 1 && (src[0] < 32 || src[0] == 127))
				src = &sp;
			i += cl;
		}
		if (o + cl > outlen - 1 || o + cl > SMTP_SUBJECT_MAX)
			break;
		memcpy(out + o, src, cl);
		o += cl;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return 1;
}

int
smtp_reply_parse(const char *line, size_t len, int *code, int *last)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || !is_digit(line[1]) ||
	    !is_digit(line[2]))
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	*last = len == 3 || line[3] == ' ';
	return 0;
}
