/*
 * cfg: the node's INI file, read by libinih and checked against one table
 * of keywords (section, key, type, default, range, where it goes), as
 * Postfix's typed parameter tables do; there is no chain of strcmp calls.
 *
 * inih calls cfg_handler for each key = value line with its section
 * title; the handler looks the key up in cfg_table, runs the typed parser
 * and stores the value. It keeps only the first error it meets, and inih
 * returns the first error's line, so messages read "path:line: message".
 * Checks not about one line (missing keys, defaults, rules between keys)
 * run after the parse and report line 0. inih never shows us a section
 * with no keys, so an empty or misspelt empty section goes unnoticed.
 *
 * Invariants: a struct node_conf leaves this file only when every check
 * passed; on failure the partial one is freed here and *out is NULL.
 * This file changes no libinih setting (they are process globals).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ini.h>

#include "cfg.h"
#include "key.h"
#include "log.h"
#include "name.h"
#include "xmem.h"

/*
 * libinih reads a line into a buffer of INI_MAX_LINE bytes and parses
 * what does not fit as the next line, which would turn the tail of a long
 * comment into a key. Longer lines are refused before inih sees them;
 * the 3 bytes are inih's own margin for '\r', '\n' and the NUL.
 */
#define CFG_MAX_LINE	(INI_MAX_LINE - 3)
/*
 * inih keeps 49 bytes of a section title and silently drops the rest, so
 * a 49-byte title may have been cut: refuse it, or "[link NAME]" with a
 * long NAME could name another node.
 */
#define CFG_MAX_TITLE	48
/* Bounds the work a hostile file can cause; a node has a few links. */
#define CFG_MAX_LINKS	1024
/* "[link NAME]" as messages print it. */
#define TITLE_BUF	(CFG_MAX_TITLE + 8)
/* Names a listener admits besides its children ("accept"). */
#define CFG_MAX_PATTERNS	64
#define CFG_STR_(x)	#x
#define CFG_STR(x)	CFG_STR_(x)
#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

#define NOSECT		((size_t)-1)

enum cfg_sect {
	CS_NONE,
	CS_NODE,
	CS_LIMITS,
	CS_LINK,
};

enum cfg_type {
	CT_PATH,	/* non-empty, shorter than PATH_MAX */
	CT_SOCK,	/* a path short enough for a unix socket address */
	CT_NAME,	/* name_valid() */
	CT_ENDPOINT,	/* tcp://HOST:PORT or ipc:///path */
	CT_KEY,		/* 64 hex digits: an Ed25519 public key */
	CT_LEVEL,	/* log_level_parse() */
	CT_UINT,	/* decimal digits only, in [min, max], then * scale */
	CT_BOOL,	/* yes/no/true/false/1/0 */
	CT_MAILBOXES,	/* mailbox names, separated by spaces or commas */
	CT_PATTERNS,	/* node names or *.NAME, the same way */
	CT_LOOPBACK,	/* cfg_loopback_parse(): a loopback ADDRESS:PORT */
};

#define KW_REQUIRED	0x1	/* no default: the file must set it */
#define KW_IN_DATA_DIR	0x2	/* the default is a file name in data_dir */
#define KW_ONE_LINK	0x4	/* CT_BOOL: true in at most one link */

struct cfg_kw {
	enum cfg_sect	 kw_sect;
	const char	*kw_key;
	enum cfg_type	 kw_type;
	int		 kw_flags;
	const char	*kw_dflt;	/* parsed as if read from the file */
	uint64_t	 kw_min;	/* CT_UINT, in the file's unit */
	uint64_t	 kw_max;
	uint64_t	 kw_scale;	/* CT_UINT: stored = read * scale */
	size_t		 kw_off;	/* in struct node_conf or cfg_link */
	size_t		 kw_size;
};

#define NC(f)	offsetof(struct node_conf, f), sizeof(((struct node_conf *)0)->f)
#define LK(f)	offsetof(struct cfg_link, f), sizeof(((struct cfg_link *)0)->f)
#define MiB	(1024ULL * 1024)

/*
 * Every key the file may hold. min and max are in the file's unit; the
 * rules between keys (link_timeout_s > heartbeat_s, retry_max_ms >=
 * retry_min_ms, batch_max <= credit) are in finish().
 */
static const struct cfg_kw cfg_table[] = {
/*	  section    key               type         flags           default         min  max      scale  field */
	{ CS_NODE,   "name",           CT_NAME,     KW_REQUIRED,    NULL,           0,   0,       0,     NC(name) },
	{ CS_NODE,   "data_dir",       CT_PATH,     KW_REQUIRED,    NULL,           0,   0,       0,     NC(data_dir) },
	{ CS_NODE,   "listen",         CT_ENDPOINT, 0,              NULL,           0,   0,       0,     NC(listen) },
	{ CS_NODE,   "control",        CT_SOCK,     KW_IN_DATA_DIR, "control.sock", 0,   0,       0,     NC(control) },
	{ CS_NODE,   "key_file",       CT_PATH,     KW_IN_DATA_DIR, "node.key",     0,   0,       0,     NC(key_file) },
	{ CS_NODE,   "chain_file",     CT_PATH,     KW_IN_DATA_DIR, "node.chain",   0,   0,       0,     NC(chain_file) },
	{ CS_NODE,   "old_keys",       CT_PATH,     KW_IN_DATA_DIR, "old-keys",     0,   0,       0,     NC(old_keys) },
	{ CS_NODE,   "root_name",      CT_NAME,     KW_REQUIRED,    NULL,           0,   0,       0,     NC(root_name) },
	{ CS_NODE,   "root_key",       CT_KEY,      KW_REQUIRED,    NULL,           0,   0,       0,     NC(root_key) },
	{ CS_NODE,   "log_level",      CT_LEVEL,    0,              "info",         0,   0,       0,     NC(log_level) },
	{ CS_NODE,   "mailboxes",      CT_MAILBOXES, 0,             "",             0,   0,       0,     NC(mailboxes) },
	{ CS_NODE,   "accept",         CT_PATTERNS, 0,              "",             0,   0,       0,     NC(accept) },
	{ CS_NODE,   "metrics_listen", CT_LOOPBACK, 0,              NULL,           0,   0,       0,     NC(metrics_listen) },
	{ CS_LIMITS, "map_size_mb",    CT_UINT,     0,              "1024",         16,  1048576, MiB,   NC(map_size) },
	{ CS_LIMITS, "heartbeat_s",    CT_UINT,     0,              "10",           1,   3600,    1000,  NC(heartbeat_ms) },
	{ CS_LIMITS, "link_timeout_s", CT_UINT,     0,              "30",           2,   86400,   1000,  NC(link_timeout_ms) },
	{ CS_LIMITS, "retry_min_ms",   CT_UINT,     0,              "200",          10,  60000,   1,     NC(retry_min_ms) },
	{ CS_LIMITS, "retry_max_ms",   CT_UINT,     0,              "30000",        10,  3600000, 1,     NC(retry_max_ms) },
	{ CS_LIMITS, "credit",         CT_UINT,     0,              "4096",         1,   65536,   1,     NC(credit) },
	{ CS_LIMITS, "batch_max",      CT_UINT,     0,              "256",          1,   4096,    1,     NC(batch_max) },
	{ CS_LIMITS, "status_s",       CT_UINT,     0,              "60",           1,   86400,   1000,  NC(status_ms) },
	{ CS_LIMITS, "ctl_scan_max",   CT_UINT,     0,              "100000",       1,   100000000, 1,     NC(ctl_scan_max) },
	{ CS_LIMITS, "trace_page_hops", CT_UINT,    0,              "1024",         1,   4096,    1,     NC(trace_page_hops) },
	{ CS_LIMITS, "scrub_h",        CT_UINT,     0,              "24",           1,   8760,    3600000, NC(scrub_ms) },
	{ CS_LIMITS, "repair_wait_s",  CT_UINT,     0,              "3600",         1,   2592000, 1000,  NC(repair_wait_ms) },
	{ CS_LINK,   "endpoint",       CT_ENDPOINT, KW_REQUIRED,    NULL,           0,   0,       0,     LK(endpoint) },
	{ CS_LINK,   "key",            CT_KEY,      KW_REQUIRED,    NULL,           0,   0,       0,     LK(key) },
	{ CS_LINK,   "parent",         CT_BOOL,     KW_ONE_LINK,    "no",           0,   0,       0,     LK(parent) },
};
#define CFG_NKW	(sizeof(cfg_table) / sizeof(cfg_table[0]))

/* Which keys a section has set: one bit per cfg_table row. */
typedef uint32_t kwset_t;
_Static_assert(CFG_NKW <= 32, "kwset_t has a bit per keyword");

/* The parse in progress; everything in it is freed by parse_clear(). */
struct parse {
	struct node_conf	*p_nc;
	kwset_t			 p_seen;	/* [node] and [limits] keys */
	kwset_t			*p_link_seen;	/* one per p_nc->links[] */
	char			**p_titles;	/* section titles met, in order */
	size_t			 p_ntitles;
	size_t			 p_cur;		/* index in p_titles, or NOSECT */
	enum cfg_sect		 p_kind;	/* of the current section */
	size_t			 p_link;	/* current link, for CS_LINK */
	const struct cfg_kw	*p_last;	/* the key set by the last line */
	int			 p_failed;
	char			 p_msg[512];	/* the first error, no prefix */
};

static void	perr(struct parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	seterr(char *, size_t, const char *, int, const char *, ...)
		    __attribute__((format(printf, 5, 6)));

static void
perr(struct parse *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(p->p_msg, sizeof(p->p_msg), fmt, ap);
	va_end(ap);
	p->p_failed = 1;
}

static void
seterr(char *err, size_t errlen, const char *path, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s:%d: ", path, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Text from the file as it may appear in a message: at most 40 bytes,
 * control and non-ASCII bytes as '?', so that an error line stays one
 * short printable line.
 */
static const char *
show(const char *s, char out[48])
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < 40; i++)
		out[i] = (s[i] < 0x20 || s[i] > 0x7e) ? '?' : s[i];
	out[i] = '\0';
	if (s[i] != '\0')
		strcat(out, "...");
	return out;
}

/*
 * strtonum for unsigned values: digits only (no sign, no space, no
 * "0x"), no overflow, within [min, max]. 0, or -1 with why set.
 */
static int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    char *why, size_t len)
{
	char			 sh[48];
	unsigned long long	 v;
	char			*end;

	if (*s == '\0') {
		snprintf(why, len, "empty value, expected a number %llu..%llu",
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	for (const char *c = s; *c != '\0'; c++)
		if (*c < '0' || *c > '9') {
			snprintf(why, len, "\"%s\" is not a whole number",
			    show(s, sh));
			return -1;
		}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > max) {
		snprintf(why, len, "%s is above the maximum %llu", show(s, sh),
		    (unsigned long long)max);
		return -1;
	}
	if (v < min) {
		snprintf(why, len, "%s is below the minimum %llu", show(s, sh),
		    (unsigned long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

static int
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/*
 * tcp://HOST:PORT, where HOST is a name, an address, "*" or an IPv6
 * address in brackets, and PORT is 1..65535; or ipc:// and an absolute
 * path that fits a unix socket address.
 */
static int
endpoint_ok(const char *s, char *why, size_t len)
{
	const char	*host, *colon;
	char		 tmp[128], hb[48];
	size_t		 hl;
	uint64_t	 v;

	if (strncmp(s, "ipc://", 6) == 0) {
		if (s[6] != '/') {
			snprintf(why, len, "ipc:// needs an absolute path");
			return -1;
		}
		if (strlen(s + 6) > SUN_PATH_MAX) {
			snprintf(why, len, "ipc path is longer than %zu bytes",
			    SUN_PATH_MAX);
			return -1;
		}
		return 0;
	}
	if (strncmp(s, "tcp://", 6) != 0) {
		snprintf(why, len,
		    "expected tcp://HOST:PORT or ipc:///absolute/path");
		return -1;
	}
	host = s + 6;
	if ((colon = strrchr(host, ':')) == NULL) {
		snprintf(why, len, "expected tcp://HOST:PORT, there is no port");
		return -1;
	}
	hl = (size_t)(colon - host);
	if (hl == 0) {
		snprintf(why, len, "expected tcp://HOST:PORT, there is no host");
		return -1;
	}
	if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			goto badhost;
		for (size_t i = 1; i < hl - 1; i++)
			if (!host_char(host[i]) && host[i] != ':')
				goto badhost;
	} else if (!(hl == 1 && host[0] == '*')) {
		for (size_t i = 0; i < hl; i++)
			if (!host_char(host[i]))
				goto badhost;
	}
	if (parse_uint(colon + 1, 1, 65535, &v, tmp, sizeof(tmp)) == -1) {
		snprintf(why, len, "port \"%s\" is not a number 1..65535",
		    show(colon + 1, tmp));
		return -1;
	}
	return 0;
badhost:
	snprintf(hb, sizeof(hb), "%.*s", (int)(hl > 40 ? 40 : hl), host);
	snprintf(why, len, "\"%s\" is not a host name or address",
	    show(hb, tmp));
	return -1;
}

/*
 * metrics_listen. Only numeric loopback addresses: the endpoint has no
 * authentication, so it must not be reachable from another machine, and
 * a name could resolve to anything.
 */
int
cfg_loopback_parse(const char *s, struct sockaddr_storage *ss,
    socklen_t *sslen, char *why, size_t len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)ss;
	const char		*colon, *host = s;
	char			 addr[INET6_ADDRSTRLEN], sh[48];
	size_t			 hl;
	uint64_t		 port;

	memset(ss, 0, sizeof(*ss));
	if (strstr(s, "://") != NULL) {
		snprintf(why, len, "expected 127.0.0.1:PORT or [::1]:PORT, "
		    "with no scheme");
		return -1;
	}
	if (s[0] == '[') {
		const char	*rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':') {
			snprintf(why, len, "expected [::1]:PORT");
			return -1;
		}
		host = s + 1;
		hl = (size_t)(rb - host);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			snprintf(why, len, "expected 127.0.0.1:PORT or "
			    "[::1]:PORT, there is no port");
			return -1;
		}
		hl = (size_t)(colon - s);
		if (memchr(s, ':', hl) != NULL) {
			snprintf(why, len, "an IPv6 address goes in brackets: "
			    "[::1]:PORT");
			return -1;
		}
	}
	if (hl == 0 || hl >= sizeof(addr)) {
		snprintf(why, len, "expected 127.0.0.1:PORT or [::1]:PORT");
		return -1;
	}
	memcpy(addr, host, hl);
	addr[hl] = '\0';
	if (parse_uint(colon + 1, 1, 65535, &port, sh, sizeof(sh)) == -1) {
		snprintf(why, len, "port \"%s\" is not a number 1..65535",
		    show(colon + 1, sh));
		return -1;
	}
	if (host != s && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			goto notloop;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*sin6);
		return 0;
	}
	if (host == s && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			goto notloop;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*sin);
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	if (host != s)
		snprintf(why, len, "\"%s\" is not an IPv6 address: write "
		    "[::1]", show(addr, sh));
	else
		snprintf(why, len, "\"%s\" is not an IPv4 address: write "
		    "127.0.0.1 (or [::1])", show(addr, sh));
	return -1;
notloop:
	memset(ss, 0, sizeof(*ss));
	snprintf(why, len, "%s is not a loopback address (127.0.0.0/8 or "
	    "::1): the endpoint has no authentication", show(addr, sh));
	return -1;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * Parses value as kw says and stores it in the struct at base. 0, or -1
 * with the reason, naming the key, in why.
 */
#define MAILBOXES_MAX		10000

static void
list_free(struct cfg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int
mailbox_ok(const char *item)
{
	return name_mailbox_valid(item, strlen(item));
}

/* NAME or *.NAME: a node, or every node strictly below it. */
static int
pattern_ok(const char *item)
{
	return name_valid(strncmp(item, "*.", 2) == 0 ? item + 2 : item);
}

/* How each kind of list is checked: its items, their number. */
static const struct list_kind {
	int		(*ok)(const char *);
	const char	*what;
	size_t		 max;
} list_kinds[] = {
	[CT_MAILBOXES] = { mailbox_ok, "a mailbox name (a-z 0-9 . _ -, at "
	    "most " CFG_STR(NAME_MAILBOX_MAX) ")", MAILBOXES_MAX },
	[CT_PATTERNS] = { pattern_ok, "a node name or *.NAME",
	    CFG_MAX_PATTERNS },
};

/* "a b,c": words separated by spaces or commas, each at most once. */
static int
parse_list(const struct cfg_kw *kw, const char *value, struct cfg_list *out,
    char *why, size_t len)
{
	const struct list_kind	*lk = &list_kinds[kw->kw_type];
	struct cfg_list		 l = { NULL, 0 };
	const char		*p = value;
	char			 sh[48];

	while (*p != '\0') {
		size_t	n = strcspn(p, " \t,");
		char	*item;

		if (n == 0) {
			p++;
			continue;
		}
		item = xmalloc(n + 1);
		memcpy(item, p, n);
		item[n] = '\0';
		p += n;
		if (!lk->ok(item))
			snprintf(why, len, "%s: \"%s\" is not %s", kw->kw_key,
			    show(item, sh), lk->what);
		else if (l.n == lk->max)
			snprintf(why, len, "%s: more than %zu", kw->kw_key,
			    lk->max);
		else {
			for (size_t i = 0; i < l.n && item != NULL; i++)
				if (strcmp(l.items[i], item) == 0) {
					snprintf(why, len, "%s: \"%s\" is "
					    "listed twice", kw->kw_key, item);
					free(item);
					item = NULL;
				}
			if (item != NULL) {
				l.items = xrealloc(l.items, l.n + 1,
				    sizeof(*l.items));
				l.items[l.n++] = item;
				continue;
			}
		}
		free(item);
		list_free(&l);
		return -1;
	}
	list_free(out);
	*out = l;
	return 0;
}

static int
kw_set(const struct cfg_kw *kw, void *base, const char *value, char *why,
    size_t len)
{
	char		*field = (char *)base + kw->kw_off;
	char		 sh[48], r[256];
	uint64_t	 v;
	int		 i;

	switch (kw->kw_type) {
	case CT_PATH:
	case CT_SOCK:
		if (*value == '\0') {
			snprintf(why, len, "%s: empty path", kw->kw_key);
			return -1;
		}
		if (strlen(value) >= PATH_MAX) {
			snprintf(why, len, "%s: path is longer than %d bytes",
			    kw->kw_key, PATH_MAX - 1);
			return -1;
		}
		if (kw->kw_type == CT_SOCK && strlen(value) > SUN_PATH_MAX) {
			snprintf(why, len, "%s: \"%s\" is longer than the %zu "
			    "bytes a socket path may have", kw->kw_key,
			    show(value, sh), SUN_PATH_MAX);
			return -1;
		}
		break;
	case CT_NAME:
		if (!name_valid(value)) {
			snprintf(why, len, "%s: \"%s\" is not a valid node name",
			    kw->kw_key, show(value, sh));
			return -1;
		}
		break;
	case CT_ENDPOINT:
		if (endpoint_ok(value, r, sizeof(r)) == -1) {
			snprintf(why, len, "%s: \"%s\": %s", kw->kw_key,
			    show(value, sh), r);
			return -1;
		}
		break;
	case CT_KEY:
		assert(kw->kw_size == KEY_PUBLIC_BYTES);
		if (key_parse_hex(value, (uint8_t *)field) != 0) {
			snprintf(why, len, "%s: not a public key of 64 hex "
			    "digits", kw->kw_key);
			return -1;
		}
		return 0;
	case CT_LEVEL:
		assert(kw->kw_size == sizeof(int));
		if ((i = log_level_parse(value)) == -1) {
			snprintf(why, len, "%s: \"%s\" is not error, warn, info "
			    "or debug", kw->kw_key, show(value, sh));
			return -1;
		}
		*(int *)(void *)field = i;
		return 0;
	case CT_BOOL:
		assert(kw->kw_size == sizeof(int));
		if (parse_bool(value, &i) == -1) {
			snprintf(why, len, "%s: \"%s\" is not yes or no",
			    kw->kw_key, show(value, sh));
			return -1;
		}
		*(int *)(void *)field = i;
		return 0;
	case CT_MAILBOXES:
	case CT_PATTERNS:
		assert(kw->kw_size == sizeof(struct cfg_list));
		return parse_list(kw, value, (struct cfg_list *)(void *)field,
		    why, len);
	case CT_LOOPBACK: {
		struct sockaddr_storage	ss;
		socklen_t		sl;

		if (cfg_loopback_parse(value, &ss, &sl, r, sizeof(r)) == -1) {
			snprintf(why, len, "%s: \"%s\": %s", kw->kw_key,
			    show(value, sh), r);
			return -1;
		}
		break;
	}
	case CT_UINT:
		if (parse_uint(value, kw->kw_min, kw->kw_max, &v, r,
		    sizeof(r)) == -1) {
			snprintf(why, len, "%s: %s", kw->kw_key, r);
			return -1;
		}
		v *= kw->kw_scale;
		if (kw->kw_size == sizeof(uint64_t))
			*(uint64_t *)(void *)field = v;
		else {
			/* The table's max * scale must fit the field. */
			assert(kw->kw_size == sizeof(unsigned) && v <= UINT_MAX);
			*(unsigned *)(void *)field = (unsigned)v;
		}
		return 0;
	}
	/* The string types, checked above. */
	assert(kw->kw_size == sizeof(char *));
	free(*(char **)(void *)field);
	*(char **)(void *)field = xstrdup(value);
	return 0;
}

static const struct cfg_kw *
kw_find(enum cfg_sect sect, const char *key)
{
	for (size_t i = 0; i < CFG_NKW; i++)
		if (cfg_table[i].kw_sect == sect &&
		    strcmp(cfg_table[i].kw_key, key) == 0)
			return &cfg_table[i];
	return NULL;
}

static kwset_t
kw_bit(const struct cfg_kw *kw)
{
	return (kwset_t)1 << (kw - cfg_table);
}

/* "[node]", "[link NAME]": the section as messages name it. */
static const char *
sect_title(const struct parse *p, enum cfg_sect sect, size_t link,
    char buf[TITLE_BUF])
{
	switch (sect) {
	case CS_NODE:
		return "[node]";
	case CS_LIMITS:
		return "[limits]";
	case CS_LINK:
		snprintf(buf, TITLE_BUF, "[link %s]", p->p_nc->links[link].name);
		return buf;
	case CS_NONE:
		break;
	}
	return "[]";
}

/* A new [link NAME] section: NAME checked, a zeroed link added. */
static int
link_begin(struct parse *p, const char *title)
{
	struct node_conf	*nc = p->p_nc;
	struct cfg_link		*lk;
	const char		*name = title + 4;
	char			 sh[48], sn[48];

	while (*name == ' ' || *name == '\t')
		name++;
	if (*name == '\0') {
		perr(p, "[%s] needs the peer's node name: [link NAME]",
		    show(title, sh));
		return -1;
	}
	if (!name_valid(name)) {
		perr(p, "[%s]: \"%s\" is not a valid node name",
		    show(title, sh), show(name, sn));
		return -1;
	}
	for (size_t i = 0; i < nc->n_links; i++)
		if (strcmp(nc->links[i].name, name) == 0) {
			perr(p, "duplicate section [link %s]", name);
			return -1;
		}
	if (nc->n_links == CFG_MAX_LINKS) {
		perr(p, "more than %d [link] sections", CFG_MAX_LINKS);
		return -1;
	}
	nc->links = xrealloc(nc->links, nc->n_links + 1, sizeof(*nc->links));
	p->p_link_seen = xrealloc(p->p_link_seen, nc->n_links + 1,
	    sizeof(*p->p_link_seen));
	lk = &nc->links[nc->n_links];
	memset(lk, 0, sizeof(*lk));
	lk->name = xstrdup(name);
	p->p_link_seen[nc->n_links] = 0;
	p->p_link = nc->n_links++;
	return 0;
}

/*
 * Called with the section of every key = value line. inih reports only
 * the title on each line, so a section is new when its title differs from
 * the previous line's; a title met before is then a second section of
 * that name. (Two sections of one name with nothing between them reach
 * us as one section; a key set in both is still a duplicate key.)
 */
static int
section_enter(struct parse *p, const char *title, const char *key)
{
	char	sh[48], sk[48];

	if (p->p_cur != NOSECT && strcmp(p->p_titles[p->p_cur], title) == 0)
		return 0;
	if (*title == '\0') {
		perr(p, "\"%s\" comes before any [section]", show(key, sk));
		return -1;
	}
	if (strlen(title) > CFG_MAX_TITLE) {
		perr(p, "section title [%s] is longer than %d bytes",
		    show(title, sh), CFG_MAX_TITLE);
		return -1;
	}
	for (size_t i = 0; i < p->p_ntitles; i++)
		if (strcmp(p->p_titles[i], title) == 0) {
			perr(p, "duplicate section [%s]", show(title, sh));
			return -1;
		}

	if (strcmp(title, "node") == 0)
		p->p_kind = CS_NODE;
	else if (strcmp(title, "limits") == 0)
		p->p_kind = CS_LIMITS;
	else if (strncmp(title, "link", 4) == 0 && (title[4] == '\0' ||
	    title[4] == ' ' || title[4] == '\t')) {
		if (link_begin(p, title) == -1)
			return -1;
		p->p_kind = CS_LINK;
	} else {
		perr(p, "unknown section [%s]", show(title, sh));
		return -1;
	}
	p->p_titles = xrealloc(p->p_titles, p->p_ntitles + 1,
	    sizeof(*p->p_titles));
	p->p_titles[p->p_ntitles] = xstrdup(title);
	p->p_cur = p->p_ntitles++;
	p->p_last = NULL;
	return 0;
}

static int
key_set(struct parse *p, const char *key, const char *value)
{
	const struct cfg_kw	*kw;
	kwset_t			*seen;
	void			*base;
	char			 tb[TITLE_BUF], sk[48], why[512];
	const char		*title = sect_title(p, p->p_kind, p->p_link, tb);

	if ((kw = kw_find(p->p_kind, key)) == NULL) {
		perr(p, "unknown key \"%s\" in %s", show(key, sk), title);
		return -1;
	}
	if (p->p_kind == CS_LINK) {
		seen = &p->p_link_seen[p->p_link];
		base = &p->p_nc->links[p->p_link];
	} else {
		seen = &p->p_seen;
		base = p->p_nc;
	}
	if (*seen & kw_bit(kw)) {
		/* inih hands an indented line on as more of the key above. */
		perr(p, "duplicate key \"%s\" in %s%s", kw->kw_key, title,
		    p->p_last == kw ? " (an indented line continues the value "
		    "above it; do not indent keys)" : "");
		return -1;
	}
	*seen |= kw_bit(kw);
	p->p_last = kw;
	if (kw_set(kw, base, value, why, sizeof(why)) == -1) {
		perr(p, "%s", why);
		return -1;
	}
	if ((kw->kw_flags & KW_ONE_LINK) && *(int *)(void *)((char *)base +
	    kw->kw_off)) {
		for (size_t i = 0; i < p->p_nc->n_links; i++)
			if (i != p->p_link && *(int *)(void *)((char *)
			    &p->p_nc->links[i] + kw->kw_off)) {
				perr(p, "%s: [link %s] already has %s = yes; at "
				    "most one link may", kw->kw_key,
				    p->p_nc->links[i].name, kw->kw_key);
				return -1;
			}
	}
	return 0;
}

static int
cfg_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct parse	*p = user;

	/* Only the first error is kept; inih returns that one's line. */
	if (p->p_failed)
		return 1;
	if (section_enter(p, section, key) == -1 ||
	    key_set(p, key, value) == -1) {
		p->p_failed = 1;
		return 0;
	}
	return 1;
}

static int
accept_all(void *user, const char *section, const char *key,
    const char *value)
{
	(void)user;
	(void)section;
	(void)key;
	(void)value;
	return 1;
}

/* Unset keys from their defaults, which go through the same parsers. */
static int
defaults_apply(struct parse *p, enum cfg_sect sect, void *base, kwset_t seen)
{
	const struct cfg_kw	*kw;
	const char		*dir = p->p_nc->data_dir;
	char			*v, why[512], tb[TITLE_BUF];
	int			 rc;

	for (kw = cfg_table; kw < cfg_table + CFG_NKW; kw++) {
		if (kw->kw_sect != sect || (seen & kw_bit(kw)) ||
		    kw->kw_dflt == NULL)
			continue;
		if (kw->kw_flags & KW_IN_DATA_DIR) {
			size_t	dl = strlen(dir);

			v = xasprintf("%s%s%s", dir,
			    dl > 0 && dir[dl - 1] == '/' ? "" : "/",
			    kw->kw_dflt);
		} else
			v = xstrdup(kw->kw_dflt);
		rc = kw_set(kw, base, v, why, sizeof(why));
		free(v);
		if (rc == -1) {
			perr(p, "%s (the default; set %s in %s)", why,
			    kw->kw_key, sect_title(p, sect, 0, tb));
			return -1;
		}
	}
	return 0;
}

static int
required_check(struct parse *p, enum cfg_sect sect, size_t link,
    kwset_t seen)
{
	char	tb[TITLE_BUF];

	for (const struct cfg_kw *kw = cfg_table; kw < cfg_table + CFG_NKW;
	    kw++)
		if (kw->kw_sect == sect && (kw->kw_flags & KW_REQUIRED) &&
		    !(seen & kw_bit(kw))) {
			perr(p, "missing key \"%s\" in %s", kw->kw_key,
			    sect_title(p, sect, link, tb));
			return -1;
		}
	return 0;
}

/* The checks after the parse; their messages are about no one line. */
static int
finish(struct parse *p)
{
	struct node_conf	*nc = p->p_nc;

	if (required_check(p, CS_NODE, 0, p->p_seen) == -1)
		return -1;
	for (size_t i = 0; i < nc->n_links; i++)
		if (required_check(p, CS_LINK, i, p->p_link_seen[i]) == -1)
			return -1;
	if (defaults_apply(p, CS_NODE, nc, p->p_seen) == -1 ||
	    defaults_apply(p, CS_LIMITS, nc, p->p_seen) == -1)
		return -1;
	for (size_t i = 0; i < nc->n_links; i++)
		if (defaults_apply(p, CS_LINK, &nc->links[i],
		    p->p_link_seen[i]) == -1)
			return -1;

	if (nc->link_timeout_ms <= nc->heartbeat_ms) {
		perr(p, "link_timeout_s (%u) must be greater than heartbeat_s "
		    "(%u)", nc->link_timeout_ms / 1000, nc->heartbeat_ms / 1000);
		return -1;
	}
	if (nc->retry_max_ms < nc->retry_min_ms) {
		perr(p, "retry_max_ms (%u) is below retry_min_ms (%u)",
		    nc->retry_max_ms, nc->retry_min_ms);
		return -1;
	}
	if (nc->batch_max > nc->credit) {
		perr(p, "batch_max (%u) is above credit (%u)", nc->batch_max,
		    nc->credit);
		return -1;
	}
	for (size_t i = 0; i < nc->n_links; i++)
		if (strcmp(nc->links[i].name, nc->name) == 0) {
			perr(p, "[link %s] is a link to this node itself",
			    nc->links[i].name);
			return -1;
		}
	return 0;
}

static void
parse_clear(struct parse *p)
{
	for (size_t i = 0; i < p->p_ntitles; i++)
		free(p->p_titles[i]);
	free(p->p_titles);
	free(p->p_link_seen);
	cfg_free(&p->p_nc);
}

int
cfg_parse_buf(const char *buf, const char *path, struct node_conf **out,
    char *err, size_t errlen)
{
	struct parse	 p;
	const char	*s, *nl;
	int		 line, rc = -1;

	assert(buf != NULL && path != NULL && out != NULL);
	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.p_cur = NOSECT;
	p.p_kind = CS_NONE;

	/* Lines inih would cut in two (see CFG_MAX_LINE). */
	for (s = buf, line = 1; *s != '\0'; s = nl + 1, line++) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s);
		if (nl - s > CFG_MAX_LINE) {
			seterr(err, errlen, path, line,
			    "line is longer than %d bytes", CFG_MAX_LINE);
			return -1;
		}
		if (*nl == '\0')
			break;
	}

	p.p_nc = xcalloc(1, sizeof(*p.p_nc));
	p.p_nc->path = xstrdup(path);
	if ((line = ini_parse_string(buf, cfg_handler, &p)) != 0) {
		/*
		 * inih returns the first error's line, ours or its own (a
		 * line with no '=', a '[' with no ']'). If we failed too,
		 * a second pass that accepts every key tells the two apart:
		 * it fails on the same line only if that line is malformed.
		 */
		if (line < 0)
			seterr(err, errlen, path, 0, "libinih error %d", line);
		else if (!p.p_failed ||
		    ini_parse_string(buf, accept_all, NULL) == line)
			seterr(err, errlen, path, line, "malformed line: "
			    "expected \"key = value\" or \"[section]\"");
		else
			seterr(err, errlen, path, line, "%s", p.p_msg);
		goto out;
	}
	if (finish(&p) == -1) {
		seterr(err, errlen, path, 0, "%s", p.p_msg);
		goto out;
	}
	*out = p.p_nc;
	p.p_nc = NULL;
	rc = 0;
out:
	parse_clear(&p);
	return rc;
}

int
cfg_load(const char *path, struct node_conf **out, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL, *nul;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1, line;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, path, 0, "fstat: %s", strerror(errno));
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > CFG_MAX_FILE)
		goto toobig;
	/* Read one byte past the limit to see a file that grew. */
	buf = xmalloc(CFG_MAX_FILE + 2);
	while (len <= CFG_MAX_FILE) {
		n = read(fd, buf + len, CFG_MAX_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(err, errlen, path, 0, "cannot read: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CFG_MAX_FILE)
		goto toobig;
	buf[len] = '\0';
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		line = 1;
		for (const char *c = buf; c < nul; c++)
			line += *c == '\n';
		seterr(err, errlen, path, line, "NUL byte in the file");
		goto out;
	}
	rc = cfg_parse_buf(buf, path, out, err, errlen);
	goto out;
toobig:
	seterr(err, errlen, path, 0, "file is larger than %d bytes",
	    CFG_MAX_FILE);
out:
	free(buf);
	close(fd);	/* read-only: nothing to lose */
	return rc;
}

void
cfg_free(struct node_conf **cp)
{
	struct node_conf	*nc;

	if (cp == NULL || (nc = *cp) == NULL)
		return;
	for (size_t i = 0; i < nc->n_links; i++) {
		free(nc->links[i].name);
		free(nc->links[i].endpoint);
	}
	free(nc->links);
	free(nc->path);
	free(nc->name);
	free(nc->data_dir);
	free(nc->listen);
	free(nc->metrics_listen);
	free(nc->control);
	free(nc->key_file);
	free(nc->chain_file);
	free(nc->old_keys);
	free(nc->root_name);
	list_free(&nc->mailboxes);
	list_free(&nc->accept);
	free(nc);
	*cp = NULL;
}
