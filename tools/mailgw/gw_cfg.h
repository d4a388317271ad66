/*
 * gw_cfg: the mail gateway's INI file (tools/mailgw), read with libinih
 * and checked against one keyword table, as node/lib/cfg.c does for the
 * node. The shape:
 *
 *   [gateway]
 *   control = /var/lib/node/control.sock   ; the node's control socket
 *   domain = example                       ; user@N.example <-> user@N
 *   sender = postmaster@bacquang.hagiang   ; who inbound mail is from
 *   listen_lmtp = 127.0.0.1:2424           ; or unix:/path; and/or
 *   listen_smtp = 127.0.0.1:2525
 *   ; hostname, max_size, max_clients, timeout_s, ctl_timeout_ms, log_level
 *
 *   [outbound]                             ; or [outbound NAME], several
 *   mailbox = gw                           ; a mailbox of this node
 *   maildir = /var/mail/gw                 ; or smarthost = HOST:PORT,
 *   ; rcpt = a@x.example b@y.example, journal = PATH (with a smarthost)
 *   ; helo, poll_ms, retry_min_ms, retry_max_ms
 */
#ifndef GW_CFG_H
#define GW_CFG_H

#include <stddef.h>
#include <sys/socket.h>

#define GW_MAX_OUTBOUND	16
#define GW_MAX_RCPT	64

struct gw_outbound {
	char		*name;		/* "outbound" or "outbound NAME" */
	char		*mailbox;	/* a mailbox of this node */
	char		*maildir;	/* exactly one of maildir, smarthost */
	char		*smarthost;	/* HOST:PORT or unix:/path */
	char		*rcpt[GW_MAX_RCPT];	/* smarthost: envelope rcpts */
	size_t		 n_rcpt;
	char		*journal;	/* smarthost: delivered record ids */
	char		*helo;		/* NULL: the gateway's hostname */
	unsigned	 poll_ms;
	unsigned	 retry_min_ms;
	unsigned	 retry_max_ms;
};

struct gw_conf {
	char			*path;
	char			*control;
	char			*domain;
	char			*sender;
	char			*listen_lmtp;	/* NULL if not listening */
	char			*listen_smtp;
	char			*hostname;	/* NULL: gethostname() */
	unsigned		 max_size;
	unsigned		 max_clients;
	unsigned		 timeout_s;
	unsigned		 ctl_timeout_ms;
	int			 log_level;	/* enum log_level */
	struct gw_outbound	 out[GW_MAX_OUTBOUND];
	size_t			 n_out;
};

/*
 * Reads and checks the file at path. 0 with *out (free with
 * gw_cfg_free), or -1 with *out NULL and "path:line: message" in err.
 */
int	gw_cfg_load(const char *path, struct gw_conf **out, char *err,
	    size_t errlen);
/* The same for a file's text in buf (a C string); path names it. */
int	gw_cfg_parse_buf(const char *buf, const char *path,
	    struct gw_conf **out, char *err, size_t errlen);
/* NULL-safe; sets *cp to NULL. */
void	gw_cfg_free(struct gw_conf **cp);

/*
 * An endpoint "HOST:PORT" (an IPv4 literal, "[IPv6]" or "localhost") or
 * "unix:/path" into *sa and *len. 0, or -1 if malformed.
 */
int	gw_cfg_endpoint(const char *s, struct sockaddr_storage *sa,
	    socklen_t *len);

#endif
