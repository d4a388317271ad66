/*
 * node-ctl: what its files share. main.c reads the command line;
 * client.c talks to the node (or, with -d, reads its store) and prints
 * safely; help.c holds every command's synopsis and help; commands.c the
 * node and mail commands; docs.c the db and doc commands.
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
#include "ctl.h"
#include "doc_view.h"
#include "mail.h"
#include "name.h"
#include "store.h"
#include "view.h"
#include "xmem.h"
#include "wire.h"

#define REPLY_TIMEOUT_MS	15000
#define TEXT_MAX		MAIL_MAX_TEXT

extern int		 json_out;	/* --json */
extern const char	*data_dir;	/* -d: read a stopped node's store */
extern const char	*self_name;	/* -c: the node's name */

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
json_t	*call(const char *sock_path, json_t *req);
/* o[k] as a string ("" if none) or a number (0 if none). */
const char *str(json_t *o, const char *k);
long long num(json_t *o, const char *k);
/* Prints s with control characters escaped. */
void	 print_safe(const char *s, int keep_newlines);
/* print_safe(s), cut to width columns, then spaces up to width. */
void	 print_cell(const char *s, int width);
/* Prints a Unix millisecond time as ISO 8601 UTC. */
void	 print_time(long long ms);

/* help.c: the synopsis and help of every command. */
struct subcmd {
	const char	*sc_group, *sc_name, *sc_args, *sc_about;
};
/* The general usage on f; exit with status. */
void	 help(FILE *f, int status) __attribute__((noreturn));
/* The general usage on stderr; exit 2. */
void	 usage(void) __attribute__((noreturn));
/* The command name of group ("" for a top-level one), or NULL. */
const struct subcmd *subcmd_find(const char *group, const char *name);
/* --help: its synopsis and paragraph on stdout, exit 0. */
void	 subcmd_help(const char *group, const char *name)
	    __attribute__((noreturn));
/* A wrong command line: its synopsis on stderr, exit 2. */
void	 subcmd_usage(const char *group, const char *name)
	    __attribute__((noreturn));

/* commands.c and docs.c: one command each; 0, or they exit. */
int	 cmd_status(const char *sock);
int	 cmd_peers(const char *sock);
int	 cmd_queue(const char *sock);
int	 cmd_send(const char *sock, int argc, char **argv);
int	 cmd_mail(const char *sock, int argc, char **argv);
int	 cmd_replicate(const char *sock, const char *peer);
int	 cmd_trace(const char *sock, const char *id);
int	 cmd_cert(const char *sock, int argc, char **argv);
int	 cmd_route(const char *sock, const char *addr);
int	 cmd_network(const char *sock);
int	 cmd_metrics(const char *sock);
int	 cmd_db(const char *sock, int argc, char **argv);
int	 cmd_doc(const char *sock, int argc, char **argv);

#endif
