/*
 * node-ctl: what its files share. main.c reads the command line;
 * table.c registers every command (name, handler, synopsis, help, option
 * shape, -d); client.c talks to the node (or, with -d, reads its store)
 * and prints safely; commands.c holds the node, mail and cert commands;
 * send.c send, with its key and retries; batch.c files of JSON lines
 * in batch requests (send --batch, doc import); network.c network;
 * docs.c the db and doc commands; sign.c --sign-as.
 */
#ifndef NODE_CTL_H
#define NODE_CTL_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <zmq.h>

#include "cert.h"
#include "cfg.h"
#include "clock.h"
#include "ctl_client.h"
#include "ctl_proto.h"
#include "doc_view.h"
#include "name.h"
#include "seal.h"
#include "store.h"
#include "view.h"
#include "wire.h"
#include "xmem.h"

#define REPLY_TIMEOUT_MS	15000
/* Exit status of a send whose outcome is not known: no attempt got an
 * answer, and one may have reached the node (send.c). */
#define EXIT_UNKNOWN		3

/* The attempts of one send request so far (send.c). */
struct attempts {
	const char	*key;
	uint64_t	 until;		/* mono ms: no attempt starts after */
	int		 timeout_ms;	/* each attempt's wait for its reply */
	int		 maybe;		/* one may have reached the node */
	char		 err[512];	/* why the last one got no answer */
	/* The client of every attempt, kept from request to request (a
	 * batch's); NULL: a new one each. */
	ctl_client_t	*client;
};
/*
 * The node's answer to req, asked again (the same request: the same
 * keys) while replies are lost and a->until is ahead; NULL if none came
 * (a->err: the last failure).
 */
json_t	*send_attempt(json_t *req, struct attempts *a);
/*
 * A file of JSON lines sent in batch requests (batch.c): what a command
 * makes of each line, and the words its progress and summary use.
 */
struct batch_kind {
	const char	*bk_what;	/* the command: "doc import" */
	const char	*bk_cmd;	/* the request: "doc_put_batch" */
	const char	*bk_done;	/* "imported": also --json's count */
	const char	*bk_failed;	/* "refused": likewise */
	const char	*bk_unit;	/* "docs", per second */
	/*
	 * Line n, buf[0..len), parsed as object o, as an item with its
	 * key (the line's, or batch_line_key()), or NULL with *why.
	 */
	json_t		*(*bk_item)(size_t n, const char *buf, size_t len,
			    json_t *o, void *arg, const char **why);
	void		*bk_arg;
	/* Its items are whole documents (doc_put's "whole"): the summary
	 * tells those written from those unchanged, and the bytes. */
	int		 bk_whole;
};
/* Sends the lines of path (- for stdin): returns the exit status. */
int	 batch_file(const struct batch_kind *k, const char *path,
	    int retry_s, int timeout_s);
/*
 * The same, item by item, for a command that makes its items itself
 * (db import): items gathered into batch requests, each named by its
 * line, or by where if that is not NULL ("FILE:LINE").
 */
struct batch;
struct batch *batch_new(const struct batch_kind *k, int retry_s,
	    int timeout_s);
/* Adds item (taken), of len bytes of input; sends the request when full. */
void	 batch_add(struct batch *b, size_t line, const char *where,
	    json_t *item, size_t len);
/* Sends req (taken), a request of one item of its own (a doc_put with
 * attachments), after the items gathered before it. */
void	 batch_single(struct batch *b, size_t line, const char *where,
	    json_t *req);
/* An item that is not sent: counted as refused, and why said. */
void	 batch_fail(struct batch *b, size_t line, const char *where,
	    const char *why);
/* What the progress line shows besides the counts: totals (0: unknown),
 * the input's bytes done and the attachments sent. */
struct batch_meter {
	size_t		 total, atts;
	uint64_t	 bytes, total_bytes;
};
struct batch_meter *batch_meter(struct batch *b);
/* Sends what is left, prints the summary, frees b: the exit status. */
int	 batch_end(struct batch *b);
#define BATCH_KEY_MAX	64	/* a prefix of at most 31, 32 hex, NUL */
/*
 * The key of line n whose bytes are buf[0..len), the same every run:
 * prefix and a hash of the number, the bytes and also (NULL: nothing),
 * what else decides where the line goes.
 */
void	 batch_line_key(const char *prefix, size_t n, const char *buf,
	    size_t len, const char *also, char key[BATCH_KEY_MAX]);
/* send --batch FILE: returns the exit status. */
int	 send_batch_file(const char *path, int retry_s, int timeout_s);
#define RETRY_S_DEFAULT	30	/* --retry: how long a lost reply is asked */
#define TEXT_MAX		MAIL_MAX_TEXT

extern int		 json_out;	/* --json */
extern const char	*sock_path;	/* -s, or -c's control socket */
extern const char	*data_dir;	/* -d: read a stopped node's store */
extern const char	*self_name;	/* -c: the node's name */
extern const char	*node_dir;	/* -c: its data directory */
extern const struct node_conf *self_conf;	/* -c: its config */

/*
 * A command, registered once in table.c. Dispatch (main.c), the usage
 * text, --help and -d's refusal are all made from that table. A handler
 * is called as a main() would be: argv[0] the last word of the name,
 * argv[1..] the words after it. It returns 0, or exits.
 */
struct ctl_cmd {
	const char	*cc_name;	/* "status", or two words: "doc put" */
	int		(*cc_run)(int argc, char **argv);
	const char	*cc_args;	/* the synopsis after the name */
	/*
	 * The option shape. cc_opts NULL: no options, every word is an
	 * operand, counted before the handler runs. Otherwise the letters
	 * of the options it takes (in its handler's getopt table; "" for
	 * none): the handler reads them, then counts the operands left
	 * with cmd_operands().
	 */
	const char	*cc_opts;
	int		 cc_min, cc_max;	/* operands; cc_max -1: any */
	/* -d: its reply from a stopped node's store, read-only; NULL if
	 * it needs a running node. */
	doc_view_fn	 cc_local;
	int		 cc_flags;
	const char	*cc_about;	/* the paragraph of its --help */
};
/* A wrong command line shows the command's own synopsis (and its group's
 * list), not the general usage; a word that looks like an option but is
 * not one of its own is a usage error. */
#define CC_STRICT	0x1

extern const struct ctl_cmd	 ctl_cmds[];	/* NULL-terminated */
extern const struct ctl_cmd	*cur_cmd;	/* the one being run */

/* table.c: looking commands up, and the texts made from the table. */
/* The command named by the first one or two of words, or NULL. */
const struct ctl_cmd *cmd_find(int n, char **words);
/* The general usage on f; exit with status. */
void	 help(FILE *f, int status) __attribute__((noreturn));
/* The general usage on stderr; exit 2. */
void	 usage(void) __attribute__((noreturn));
/* --help after words: the command's synopsis and paragraph, a group's
 * list, or the general usage; on stdout, exit 0. */
void	 cmd_help(int n, char **words) __attribute__((noreturn));
/* No command starts with word: a usage error (exit 2), with the list
 * of its group if it is a strict one. */
void	 cmd_unknown(const char *word) __attribute__((noreturn));
/* A wrong command line for cur_cmd: a usage error (exit 2). */
void	 cmd_usage(void) __attribute__((noreturn));
/* cmd_usage() unless cur_cmd takes n operands. */
void	 cmd_operands(int n);
/* The commands -d answers, as "status, mail ls, ...", into buf. */
void	 cmd_local_list(char *buf, size_t len);

/*
 * commands.c: an official's signature as the node reported it
 * (view_signed_by(), ctl_signed_state()), after lead, on one line
 * with no end: who, which office certified them, whether that held
 * when signed and holds now.
 */
void	 print_signed(const char *lead, json_t *sb);
/*
 * sign.c: signs digest (psig.h) with the personal key file at path,
 * asking its passphrase (pkey_pass_read()): the request's "signed_by"
 * object. Exits on a wrong passphrase, with words that name no key.
 */
json_t	*sign_as(const char *path, const uint8_t digest[32]);

/* client.c: errors (die: exit 1; bad: a usage error, exit 2), the node's
 * replies (call; local_call with -d), values out of them, and safe
 * printing of what the network sent. */
void	 die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 bad(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* The reply, printed as it is with --json; if it is not ok, its error
 * as one line on stderr (nothing more with --json) and exit 1. */
json_t	*checked(json_t *reply);
/* The node's name: -c's, or its certificate's in DATADIR (free it). */
char	*local_self(void);
/* The reply to req (consumed) from the store in data_dir (-d). */
json_t	*local_call(json_t *req);
/* The reply to req (consumed) from the node: checked(). */
json_t	*call(json_t *req);
/* The reply to req (consumed), printed by no one, even with --json: one
 * request of many a command makes (db import, db export). -d answers
 * them all from one read transaction. Dies on an error. */
json_t	*ask(json_t *req);
/* The same, but a refusal is a reply too ("ok" false, "error"). */
json_t	*ask_reply(json_t *req);
/* Reply r, unless it is a refusal: then dies, saying it. */
json_t	*ask_check(json_t *r);
/* -d: the view of req's command (db export's requests). */
json_t	*local_view(store_txn_t *, json_t *, char *, size_t);
/* One attempt at req (consumed): a CTL_CLIENT_* status (ctl_client.h);
 * CTL_CLIENT_OK with *reply, unchecked, which the caller frees. */
int	 call_once(json_t *req, int timeout_ms, json_t **reply, char *err,
	    size_t errlen);
/* The failure rc of call_once() as one line that says what to do; exit 1. */
void	 call_die(int rc, int timeout_ms, const char *err)
	    __attribute__((noreturn));
/* The -d readers that are more than a view of node/: their replies as
 * the node gives them. */
json_t	*local_status(store_txn_t *, json_t *, char *, size_t);
json_t	*local_mail_cat(store_txn_t *, json_t *, char *, size_t);
json_t	*local_trace(store_txn_t *, json_t *, char *, size_t);
json_t	*local_db_ls(store_txn_t *, json_t *, char *, size_t);
/* o[k] as a string ("" if none) or a number (0 if none). */
const char *str(json_t *o, const char *k);
long long num(json_t *o, const char *k);
/* Prints s with control characters escaped. */
void	 print_safe(const char *s, int keep_newlines);
/* print_safe(s), cut to width columns, then spaces up to width. */
void	 print_cell(const char *s, int width);
/* Prints a Unix millisecond time as ISO 8601 UTC. */
void	 print_time(long long ms);
/*
 * The line after a reply that stops early, if r does: "(partial: read N
 * entries, ...; WHAT; more: node-ctl CMD --from NEXT TAIL)", the first
 * part when the node stopped at its reading budget ("partial"), the
 * last when r has a "next" (and cmd is not NULL).
 */
void	 print_more(json_t *r, const char *cmd, const char *tail,
	    const char *what);
/* Takes "--from VALUE" out of argv[1..]: VALUE, or NULL if there is
 * none. Any other word that looks like an option is a usage error. */
const char *opt_from(int *argc, char **argv);

/* commands.c and docs.c: the handlers, one a command. */
int	 cmd_status(int, char **);
int	 cmd_peers(int, char **);
int	 cmd_queue(int, char **);
int	 cmd_send(int, char **);
int	 cmd_mail_ls(int, char **);
int	 cmd_mail_cat(int, char **);
int	 cmd_mail_rm(int, char **);
int	 cmd_replicate(int, char **);
int	 cmd_trace(int, char **);
int	 cmd_route(int, char **);
int	 cmd_network(int, char **);
int	 cmd_metrics(int, char **);
int	 cmd_cert_issue(int, char **);
int	 cmd_cert_revoke(int, char **);
int	 cmd_cert_ls(int, char **);
int	 cmd_db_create(int, char **);
int	 cmd_db_ls(int, char **);
int	 cmd_db_acl(int, char **);
int	 cmd_db_digest(int, char **);
int	 cmd_doc_put(int, char **);
int	 cmd_doc_get(int, char **);
int	 cmd_doc_attachment(int, char **);
int	 cmd_doc_ls(int, char **);
int	 cmd_doc_rm(int, char **);
int	 cmd_doc_history(int, char **);
int	 cmd_doc_conflicts(int, char **);
int	 cmd_doc_resolve(int, char **);
int	 cmd_doc_import(int, char **);
int	 cmd_db_import(int, char **);
int	 cmd_db_export(int, char **);

#endif
