/*
 * smtp: the pure parsing half of the mail gateway (tools/mailgw): SMTP
 * and LMTP command lines (BDAT's chunk size too), paths and their
 * parameters, the DATA stream
 * (dot-unstuffing up to CRLF.CRLF), mapping Internet addresses to node
 * addresses, the Subject header (RFC 2047) and server replies. Nothing
 * here does I/O or allocates behind the caller's back; every input is
 * untrusted and bounded, so libFuzzer drives it (tests/fuzz/fuzz_smtp.c).
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>
#include <stdint.h>

/* A command line, CRLF included (RFC 5321 4.5.3.1.4 says 512; paths
 * with SMTPUTF8 and parameters get room). Longer lines are refused. */
#define SMTP_LINE_MAX		1000
#define SMTP_PATH_MAX		256	/* RFC 5321 4.5.3.1.3 */
#define SMTP_SUBJECT_MAX	998	/* bytes of decoded UTF-8 */

enum smtp_verb {
	SMTP_HELO = 1,
	SMTP_EHLO,
	SMTP_LHLO,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_RSET,
	SMTP_NOOP,
	SMTP_QUIT,
	SMTP_VRFY,
	SMTP_HELP,
	SMTP_BDAT,		/* RFC 3030 CHUNKING */
	SMTP_NOTIMPL,		/* known, not offered: STARTTLS, AUTH... */
};

enum smtp_body {
	SMTP_BODY_NONE,
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
};

/* What smtp_parse refuses, each with its reply (see smtp_parse). */
enum smtp_err {
	SMTP_EUNKNOWN = -1,	/* 500 5.5.2 no such command */
	SMTP_ESYNTAX = -2,	/* 501 5.5.4 bad arguments */
	SMTP_EPATH = -3,	/* 501 5.1.3 / 5.1.7 bad address syntax */
	SMTP_EPARAM = -4,	/* 555 5.5.4 parameter not recognized */
	SMTP_ETOOLONG = -5,	/* 500 5.5.2 line too long */
};

struct smtp_cmd {
	enum smtp_verb	 verb;
	char		 arg[SMTP_LINE_MAX];	/* HELO domain; the path's
						   mailbox, "" for <> */
	int		 null_path;		/* MAIL FROM:<> */
	int		 has_size;
	uint64_t	 size;			/* SIZE=, when has_size */
	enum smtp_body	 body;			/* BODY= */
	int		 smtputf8;		/* SMTPUTF8 */
	uint64_t	 chunk;			/* BDAT: bytes that follow */
	int		 last;			/* BDAT: LAST */
};

/*
 * Parses one command line (without its CRLF; len bytes, no NUL needed)
 * into *out. 0, or an enum smtp_err. NUL and control bytes, a path
 * without angle brackets, a malformed mailbox and unknown parameters are
 * refused; UTF-8 in paths is allowed (SMTPUTF8) if well formed. BDAT is
 * "BDAT SIZE [LAST]", SIZE 1 to 19 digits: a refused BDAT line leaves
 * the caller no way to tell where its chunk ends (c.verb says BDAT).
 */
int	smtp_parse(const char *line, size_t len, struct smtp_cmd *out);

/* Results of smtp_map_rcpt. */
enum smtp_map {
	SMTP_MAP_OK = 0,
	SMTP_MAP_DOMAIN = -1,	/* not below the network's mail domain */
	SMTP_MAP_USER = -2,	/* the local part is not a mailbox name */
};

/*
 * Maps an Internet address "user@NODE.DOMAIN" to the node address
 * "user@NODE" (ASCII letters folded to lower case) into out. NODE must be
 * a valid node name and user, folded, a mailbox name
 * (name_mailbox_valid()). enum smtp_map.
 */
int	smtp_map_rcpt(const char *addr, const char *domain, char *out,
	    size_t outlen);


/*
 * The DATA stream: bytes in, the message out (dot-unstuffed, CRLF kept,
 * the final CRLF.CRLF removed but the CRLF ending the last line kept).
 * Only CRLF ends a line, so a bare LF followed by "." never ends it.
 */
struct smtp_data {
	uint8_t		*sd_buf;	/* caller's, sd_max bytes */
	size_t		 sd_max;
	size_t		 sd_len;	/* bytes kept in sd_buf */
	uint64_t	 sd_total;	/* message bytes seen, kept or not */
	int		 sd_state;
};

/* Starts a message into buf (max bytes); whatever is over is counted,
 * not kept. */
void	smtp_data_init(struct smtp_data *d, uint8_t *buf, size_t max);
/*
 * Feeds n bytes. 1 when the end-of-data line was seen: *used says how
 * many bytes of p belong to the message (the rest are the next
 * commands); 0 when it wants more (all n used).
 */
int	smtp_data_feed(struct smtp_data *d, const uint8_t *p, size_t n,
	    size_t *used);
/* 1 if the message ran over its buffer (sd_total > sd_max). */
int	smtp_data_over(const struct smtp_data *d);

/*
 * The Subject of a message (its header section only): unfolded, RFC 2047
 * encoded words in UTF-8, US-ASCII or ISO-8859-1 decoded, raw UTF-8 kept,
 * invalid bytes and control characters replaced, cut at a character
 * boundary to fit out (outlen >= 1). 1 if there was one, 0 if not (out
 * is then "").
 */
int	smtp_subject(const uint8_t *msg, size_t len, char *out, size_t outlen);

/* 1 if msg starts with an RFC 5322 header section holding a From:, so it
 * can leave as it is; 0 for plain text that needs headers added. */
int	smtp_is_message(const uint8_t *msg, size_t len);

/*
 * One line of a server's reply, without CRLF: "250-text" or "250 text".
 * 0 with *code (200..599) and *last (1 for the final line), -1 if
 * malformed.
 */
int	smtp_reply_parse(const char *line, size_t len, int *code, int *last);

#endif
