/*
 * mailgw: what the gateway's files share. main.c runs the program
 * (listeners, children, signals); node.c talks to the node's control
 * socket; inbound.c serves one SMTP or LMTP session; outbound.c delivers
 * what arrives in watched mailboxes. See main.c for the whole story.
 */
#ifndef MAILGW_H
#define MAILGW_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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

#include "clock.h"
#include "ctl_client.h"
#include "ctl_proto.h"
#include "gw_cfg.h"
#include "log.h"
#include "name.h"
#include "smtp.h"
#include "utf8.h"
#include "wire.h"
#include "xmem.h"

#define MAX_ERRORS		20	/* bad commands before we hang up */
#define NODE_ADDR_MAX		(64 + 1 + NAME_MAX_LEN + 1)
#define SMARTHOST_TIMEOUT_MS	60000
#define RETRY_SLOTS		1024	/* in backoff, per outbound */
#define TICK_MAX		100	/* messages per outbound tick */
#define DATA_DRAIN_MAX		(16u * 1024 * 1024)	/* then hang up */

extern const struct gw_conf	*conf;		/* read-only, from main.c */
extern char			 hostname[256];
extern volatile sig_atomic_t	 got_term;	/* SIGTERM came */

/* node.c: one request to the node (consumed): its reply (ok or not), or
 * NULL with err set when the node is down or does not answer in time. */
json_t		*node_call(json_t *req, char *err, size_t errlen);
/* Closes the process's connection to the node (before it exits). */
void		 node_close(void);
/* The error a reply carries. */
const char	*node_error(json_t *reply);
/* Base64 (standard alphabet) of p[0..n), to free(). */
char		*b64_encode(const uint8_t *p, size_t n);

/* inbound.c: serves the connection fd (LMTP if lmtp) to its end. */
/* Writes all of buf to the socket fd; -1 if the peer went away. */
int		 write_all(int fd, const void *buf, size_t n);
void		 sess_run(int fd, int lmtp, const char *peer)
		    __attribute__((noreturn));

/* outbound.c: one [outbound] section's queue. */
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
	/* Handed to the smarthost, its answer never seen (journal.c): not
	 * sent again, reported to the sender. */
	uint8_t		(*oq_unsure)[32];
	size_t		 oq_n_unsure;
	struct retry	 oq_retry[RETRY_SLOTS];
	int		 oq_node_down;	/* logged once till it is back */
};

/* Makes the Maildir dir (cur, new, tmp) if missing: 0 or -1. */
int		 maildir_make(const char *dir);
/* A record id in hex (64 digits) into id: 0, or -1. */
int		 id_parse(const char *hex, uint8_t id[32]);
/* The smarthost journal (journal.c): what kind of line says what. */
#define JOURNAL_SENDING		'?'	/* the end of the message goes now */
#define JOURNAL_DELIVERED	'D'	/* written as the bare id */
#define JOURNAL_REFUSED		'-'	/* refused at the end after all */
void		 journal_load(struct outq *q);
/* Notes kind for id, durably (fsync): 0, or -1 (logged). */
int		 journal_note(struct outq *q, char kind, const uint8_t id[32]);
/* 1 if id was delivered / handed over with no answer seen. */
int		 journal_has(const struct outq *q, const uint8_t id[32]);
int		 journal_unsure(const struct outq *q, const uint8_t id[32]);
/* Rewrites the journal with only the ids still in the mailbox (listing
 * is the whole mailbox): the others have left it for good. */
void		 journal_compact(struct outq *q, json_t *listing);
/* Delivers what is due; sets q->oq_next_ms. */
void		 out_tick(struct outq *q);
/* Runs the queue in this process until SIGTERM. */
void		 out_run(struct outq *q) __attribute__((noreturn));

#endif
