/*
 * gw_cfg: the mail gateway's config file, read by libinih and checked
 * against one table of keywords (section, key, type, range, default,
 * where it goes), as node/lib/cfg.c does for the node.
 *
 * The handler keeps only the first error it meets; inih returns the
 * first error's line, so messages read "path:line: message". Checks not
 * about one line (a missing key, rules between keys) run after the parse
 * and name the section instead of a line.
 *
 * Invariants: a struct gw_conf leaves this file only when every check
 * passed; on failure the partial one is freed here and *out is NULL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ini.h>

#include "ctl_proto.h"
#include "gw_cfg.h"
#include "log.h"
#include "name.h"
#include "smtp.h"
#include "xmem.h"

#define GW_MAX_LINE	(INI_MAX_LINE - 3)	/* see node/lib/cfg.c */
#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

enum gw_sect { GS_GATEWAY, GS_OUTBOUND };

enum gw_type {
	GT_PATH,	/* non-empty, shorter than PATH_MAX */
	GT_SOCK,	/* a path that fits a unix socket address */
	GT_ENDPOINT,	/* gw_cfg_endpoint() */
	GT_LISTEN,	/* the same, on loopback or a unix socket only */
	GT_DOMAIN,	/* a DNS name in lower case (name_valid) */
	GT_HOST,	/* a host name for HELO and the greeting */
	GT_ADDRESS,	/* a node address, user@node-name */
	GT_MAILBOX,	/* a mailbox name: 1..64 of [a-z0-9._-] */
	GT_RCPTS,	/* Internet addresses, separated by spaces */
	GT_UINT,	/* digits, in [min, max] */
	GT_LEVEL,	/* log_level_parse() */
};

static const struct gw_key {
	enum gw_sect	 sect;
	const char	*key;
	enum gw_type	 type;
	unsigned	 min, max;
	size_t		 off;
} gw_keys[] = {
#define G(k, t, lo, hi, f) { GS_GATEWAY, k, t, lo, hi, \
	offsetof(struct gw_conf, f) }
#define O(k, t, lo, hi, f) { GS_OUTBOUND, k, t, lo, hi, \
	offsetof(struct gw_outbound, f) }
	G("control", GT_SOCK, 0, 0, control),
	G("domain", GT_DOMAIN, 0, 0, domain),
	G("sender", GT_ADDRESS, 0, 0, sender),
	G("listen_lmtp", GT_LISTEN, 0, 0, listen_lmtp),
	G("listen_smtp", GT_LISTEN, 0, 0, listen_smtp),
	G("hostname", GT_HOST, 0, 0, hostname),
	G("max_size", GT_UINT, 1024, MAIL_MAX_TEXT, max_size),
	G("max_clients", GT_UINT, 1, 1024, max_clients),
	G("timeout_s", GT_UINT, 1, 3600, timeout_s),
	G("ctl_timeout_ms", GT_UINT, 100, 600000, ctl_timeout_ms),
	G("log_level", GT_LEVEL, 0, 0, log_level),
	O("mailbox", GT_MAILBOX, 0, 0, mailbox),
	O("maildir", GT_PATH, 0, 0, maildir),
	O("smarthost", GT_ENDPOINT, 0, 0, smarthost),
	O("rcpt", GT_RCPTS, 0, 0, rcpt),
	O("journal", GT_PATH, 0, 0, journal),
	O("helo", GT_HOST, 0, 0, helo),
	O("poll_ms", GT_UINT, 50, 3600000, poll_ms),
	O("retry_min_ms", GT_UINT, 10, 86400000, retry_min_ms),
	O("retry_max_ms", GT_UINT, 10, 86400000, retry_max_ms),
#undef G
#undef O
};
#define N_KEYS	(sizeof(gw_keys) / sizeof(gw_keys[0]))

struct parse {
	struct gw_conf	*p_gc;
	int		 p_failed;
	char		 p_msg[256];
	/* Which keys were set: per section instance, to refuse repeats. */
	unsigned char	 p_seen[1 + GW_MAX_OUTBOUND][N_KEYS];
	char		 p_title[64];	/* the outbound section being read */
	size_t		 p_cur;		/* its index in p_gc->out */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parse *p, const char *fmt, ...)
{
	va_list	ap;

	if (!p->p_failed) {
		va_start(ap, fmt);
		vsnprintf(p->p_msg, sizeof(p->p_msg), fmt, ap);
		va_end(ap);
		p->p_failed = 1;
	}
	return 0;
}

int
gw_cfg_endpoint(const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
	const char	*colon;
	char		 host[64], *end;
	unsigned long	 port;
	size_t		 hl;

	memset(sa, 0, sizeof(*sa));
	if (strncmp(s, "unix:", 5) == 0) {
		struct sockaddr_un	*sun = (struct sockaddr_un *)sa;
		size_t			 pl = strlen(s + 5);

		if (s[5] != '/' || pl > SUN_PATH_MAX)
			return -1;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, s + 5, pl + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pl +
		    1);
		return 0;
	}
	if ((colon = strrchr(s, ':')) == NULL || colon[1] < '1' ||
	    colon[1] > '9')
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port < 1 || port > 65535)
		return -1;
	hl = (size_t)(colon - s);
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[') {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)sa;

		if (hl < 3 || host[hl - 1] != ']')
			return -1;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	} else {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)sa;

		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
}

static int
host_name(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* "a@x.example b@y.example": each must parse as a RCPT TO path. */
static int
parse_rcpts(struct parse *p, struct gw_outbound *o, const char *v)
{
	char	*copy = xstrdup(v), *tok, *save = NULL;

	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		struct smtp_cmd	 c;
		char		 line[SMTP_LINE_MAX];
		int		 n;

		n = snprintf(line, sizeof(line), "RCPT TO:<%s>", tok);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    smtp_parse(line, (size_t)n, &c) != 0 ||
		    strchr(tok, '@') == NULL) {
			fail(p, "rcpt: \"%.64s\" is not an e-mail address", tok);
			break;
		}
		if (o->n_rcpt == GW_MAX_RCPT) {
			fail(p, "rcpt: at most %d addresses", GW_MAX_RCPT);
			break;
		}
		o->rcpt[o->n_rcpt++] = xstrdup(tok);
	}
	free(copy);
	if (!p->p_failed && o->n_rcpt == 0)
		fail(p, "rcpt: no address");
	return !p->p_failed;
}

/* 1 for a unix socket, 127.0.0.0/8 or ::1. */
static int
local_only(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	switch (ss->ss_family) {
	case AF_UNIX:
		return 1;
	case AF_INET:
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return 0;
}

static int
set_value(struct parse *p, const struct gw_key *k, void *base,
    const char *v)
{
	char		**sp = (char **)(void *)((char *)base + k->off);
	unsigned	 *up = (unsigned *)(void *)((char *)base + k->off);
	struct sockaddr_storage	 ss;
	socklen_t	 sl;
	char		*end;
	unsigned long	 n;
	int		 lv;

	switch (k->type) {
	case GT_PATH:
		if (*v == '\0' || strlen(v) >= PATH_MAX)
			return fail(p, "%s: a path, please", k->key);
		break;
	case GT_SOCK:
		if (*v != '/' || strlen(v) > SUN_PATH_MAX)
			return fail(p, "%s: an absolute path of at most %zu "
			    "bytes (a unix socket)", k->key, SUN_PATH_MAX);
		break;
	case GT_ENDPOINT:
	case GT_LISTEN:
		if (gw_cfg_endpoint(v, &ss, &sl) != 0)
			return fail(p, "%s: \"%.64s\" is not HOST:PORT (an IP "
			    "address, [IPv6] or localhost) or unix:/path",
			    k->key, v);
		/* No AUTH and no TLS: whoever reaches it may send as the
		 * gateway's sender, so only this machine may. */
		if (k->type == GT_LISTEN && !local_only(&ss))
			return fail(p, "%s: \"%.64s\" is not on loopback or a "
			    "unix socket: the gateway has no AUTH", k->key, v);
		break;
	case GT_DOMAIN:
		if (!name_valid(v))
			return fail(p, "%s: \"%.64s\" is not a domain name in "
			    "lower case", k->key, v);
		break;
	case GT_HOST:
		if (!host_name(v))
			return fail(p, "%s: \"%.64s\" is not a host name",
			    k->key, v);
		break;
	case GT_ADDRESS:
		if (!name_mailbox(v, NULL))
			return fail(p, "%s: \"%.64s\" is not a node address, "
			    "mailbox@node-name", k->key, v);
		break;
	case GT_MAILBOX:
		if (!name_mailbox_valid(v, strlen(v)))
			return fail(p, "%s: \"%.64s\" is not a mailbox name "
			    "([a-z0-9._-], at most 64)", k->key, v);
		break;
	case GT_RCPTS:
		return parse_rcpts(p, base, v);
	case GT_UINT:
		for (const char *c = v; *c != '\0'; c++)
			if (*c < '0' || *c > '9')
				return fail(p, "%s: \"%.32s\" is not a whole "
				    "number", k->key, v);
		errno = 0;
		n = strtoul(v, &end, 10);
		if (*v == '\0' || errno != 0 || n < k->min || n > k->max)
			return fail(p, "%s: %.32s is not in %u..%u", k->key, v,
			    k->min, k->max);
		*up = (unsigned)n;
		return 1;
	case GT_LEVEL:
		if ((lv = log_level_parse(v)) < 0)
			return fail(p, "%s: error, warn, info or debug",
			    k->key);
		*(int *)(void *)((char *)base + k->off) = lv;
		return 1;
	}
	*sp = xstrdup(v);
	return 1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse		*p = user;
	struct gw_conf		*gc = p->p_gc;
	enum gw_sect		 sect;
	void			*base;
	size_t			 inst;

	if (p->p_failed)
		return 0;
	if (strcmp(section, "gateway") == 0) {
		sect = GS_GATEWAY;
		base = gc;
		inst = 0;
		p->p_title[0] = '\0';	/* an [outbound] after this is new */
	} else if (strcmp(section, "outbound") == 0 ||
	    strncmp(section, "outbound ", 9) == 0) {
		sect = GS_OUTBOUND;
		if (strlen(section) >= sizeof(p->p_title) - 1)
			return fail(p, "[%.40s...]: section title too long",
			    section);
		if (strcmp(section, p->p_title) != 0) {
			/* A new outbound section (inih shows its keys in
			 * order, so one title is one run of keys). */
			for (size_t i = 0; i < gc->n_out; i++)
				if (strcmp(gc->out[i].name, section) == 0)
					return fail(p, "[%s] appears twice",
					    section);
			if (gc->n_out == GW_MAX_OUTBOUND)
				return fail(p, "at most %d [outbound] sections",
				    GW_MAX_OUTBOUND);
			p->p_cur = gc->n_out++;
			gc->out[p->p_cur].name = xstrdup(section);
			gc->out[p->p_cur].poll_ms = 1000;
			gc->out[p->p_cur].retry_min_ms = 1000;
			gc->out[p->p_cur].retry_max_ms = 300000;
			snprintf(p->p_title, sizeof(p->p_title), "%s",
			    section);
		}
		base = &gc->out[p->p_cur];
		inst = 1 + p->p_cur;
	} else
		return fail(p, "[%.48s]: unknown section (gateway, outbound)",
		    section);
	for (size_t i = 0; i < N_KEYS; i++) {
		if (gw_keys[i].sect != sect || strcmp(gw_keys[i].key, name))
			continue;
		if (p->p_seen[inst][i])
			return fail(p, "%s: set twice in [%s]", name, section);
		p->p_seen[inst][i] = 1;
		return set_value(p, &gw_keys[i], base, value);
	}
	return fail(p, "%.48s: unknown key in [%s]", name, section);
}

static int
accept_all(void *user, const char *section, const char *name,
    const char *value)
{
	(void)user;
	(void)section;
	(void)name;
	(void)value;
	return 1;
}

/* The rules between keys, after the parse. */
static int
finish(struct parse *p)
{
	struct gw_conf	*gc = p->p_gc;

	if (gc->control == NULL)
		return fail(p, "[gateway] control is missing (the node's "
		    "control socket)");
	if (gc->domain == NULL)
		return fail(p, "[gateway] domain is missing (the network's "
		    "mail domain)");
	if (gc->listen_lmtp == NULL && gc->listen_smtp == NULL &&
	    gc->n_out == 0)
		return fail(p, "nothing to do: no listen_lmtp, listen_smtp or "
		    "[outbound]");
	if ((gc->listen_lmtp != NULL || gc->listen_smtp != NULL) &&
	    gc->sender == NULL)
		return fail(p, "[gateway] sender is missing (the mailbox of "
		    "this node that inbound mail is sent as)");
	if (gc->listen_lmtp != NULL && gc->listen_smtp != NULL &&
	    strcmp(gc->listen_lmtp, gc->listen_smtp) == 0)
		return fail(p, "[gateway] listen_lmtp and listen_smtp are the "
		    "same");
	for (size_t i = 0; i < gc->n_out; i++) {
		struct gw_outbound	*o = &gc->out[i];

		if (o->mailbox == NULL)
			return fail(p, "[%s] mailbox is missing", o->name);
		if ((o->maildir == NULL) == (o->smarthost == NULL))
			return fail(p, "[%s] needs one of maildir and "
			    "smarthost", o->name);
		if (o->smarthost != NULL && (o->n_rcpt == 0 ||
		    o->journal == NULL))
			return fail(p, "[%s] a smarthost needs rcpt (where the "
			    "mail goes) and journal (a file)", o->name);
		if (o->maildir != NULL && (o->n_rcpt != 0 ||
		    o->journal != NULL))
			return fail(p, "[%s] rcpt and journal are for a "
			    "smarthost", o->name);
		if (o->retry_max_ms < o->retry_min_ms)
			return fail(p, "[%s] retry_max_ms is below "
			    "retry_min_ms", o->name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(gc->out[j].mailbox, o->mailbox) == 0)
				return fail(p, "[%s] mailbox %s is already "
				    "served by [%s]", o->name, o->mailbox,
				    gc->out[j].name);
	}
	return 0;
}

void
gw_cfg_free(struct gw_conf **cp)
{
	struct gw_conf	*gc;

	if (cp == NULL || (gc = *cp) == NULL)
		return;
	free(gc->path);
	free(gc->control);
	free(gc->domain);
	free(gc->sender);
	free(gc->listen_lmtp);
	free(gc->listen_smtp);
	free(gc->hostname);
	for (size_t i = 0; i < gc->n_out; i++) {
		struct gw_outbound	*o = &gc->out[i];

		free(o->name);
		free(o->mailbox);
		free(o->maildir);
		free(o->smarthost);
		for (size_t j = 0; j < o->n_rcpt; j++)
			free(o->rcpt[j]);
		free(o->journal);
		free(o->helo);
	}
	free(gc);
	*cp = NULL;
}

int
gw_cfg_parse_buf(const char *buf, const char *path, struct gw_conf **out,
    char *err, size_t errlen)
{
	struct parse	*p;
	const char	*s, *nl;
	int		 line, rc = -1;

	*out = NULL;
	for (s = buf, line = 1; *s != '\0'; s = nl + 1, line++) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s);
		if (nl - s > GW_MAX_LINE) {
			snprintf(err, errlen, "%s:%d: line is longer than %d "
			    "bytes", path, line, GW_MAX_LINE);
			return -1;
		}
		if (*nl == '\0')
			break;
	}
	p = xcalloc(1, sizeof(*p));
	p->p_gc = xcalloc(1, sizeof(*p->p_gc));
	p->p_gc->path = xstrdup(path);
	p->p_gc->max_size = MAIL_MAX_TEXT;
	p->p_gc->max_clients = 16;
	p->p_gc->timeout_s = 300;
	p->p_gc->ctl_timeout_ms = 10000;
	p->p_gc->log_level = LOG_LEVEL_INFO;
	if ((line = ini_parse_string(buf, handler, p)) != 0) {
		/* As node/lib/cfg.c: a second pass that accepts every key tells
		 * a malformed line from a refused one. */
		if (line < 0)
			snprintf(err, errlen, "%s: libinih error %d", path,
			    line);
		else if (!p->p_failed ||
		    ini_parse_string(buf, accept_all, NULL) == line)
			snprintf(err, errlen, "%s:%d: malformed line: expected "
			    "\"key = value\" or \"[section]\"", path, line);
		else
			snprintf(err, errlen, "%s:%d: %s", path, line,
			    p->p_msg);
		goto out;
	}
	if (finish(p) != 0 || p->p_failed) {
		snprintf(err, errlen, "%s: %s", path, p->p_msg);
		goto out;
	}
	*out = p->p_gc;
	p->p_gc = NULL;
	rc = 0;
out:
	gw_cfg_free(&p->p_gc);
	free(p);
	return rc;
}

int
gw_cfg_load(const char *path, struct gw_conf **out, char *err,
    size_t errlen)
{
	FILE	*f;
	char	*buf;
	size_t	 n;
	long	 size;
	int	 rc;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    size > 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: not a readable file under 1 MiB",
		    path);
		fclose(f);
		return -1;
	}
	buf = xmalloc((size_t)size + 1);
	n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: a NUL byte: not a text file", path);
		free(buf);
		return -1;
	}
	rc = gw_cfg_parse_buf(buf, path, out, err, errlen);
	free(buf);
	return rc;
}
