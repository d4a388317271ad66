/*
 * ctl: the node's control socket, for node-ctl.
 *
 * A ZeroMQ ROUTER socket on ipc://CONTROL (owner-only: the file is
 * 0600), for REQ clients. Each request is one JSON object {"cmd": NAME,
 * ...}; each reply is one JSON object, {"ok": true, ...} or {"ok": false,
 * "error": "one line"}. The writes of the requests read in one loop turn
 * share one commit, and their replies follow it.
 * The commands, their fields and errors: proto/control.md.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "store.h"
#include "wire.h"

#define CTL_PSIG_FIELDS	256	/* PSIG_MAX_FIELDS */

struct node;

/* A command: the reply without "ok", or NULL with err set. */
typedef json_t *(*ctl_fn)(struct node *, json_t *req, char *err,
    size_t errlen);
struct ctl_command {
	const char	*name;
	ctl_fn		 fn;
};
/*
 * A command that can answer only later (it asked other nodes) returns
 * ctl_later(); the node reads no other request until it calls
 * ctl_answer() with the reply (without "ok"), or NULL and err.
 */
json_t	*ctl_later(void);
void	 ctl_answer(struct node *n, json_t *reply, const char *err);
/*
 * Idempotency keys (submit.h), one way for every command that takes
 * one. ctl_key: the request's "key" into *key (NULL if it has none): 0,
 * or -1 with err if it is not one.
 */
int	 ctl_key(json_t *req, const char **key, char *err, size_t errlen);
/* Was a request with key (NULL: none) done already? 1 with the id of
 * its record, 0 if not, -1 with err if the store cannot tell. */
int	 ctl_key_seen(struct node *n, const char *key,
	    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen);
/*
 * Remembers key (NULL: none) for record id in the write transaction: 0,
 * or -1 with err ("could not store the key: UNDONE") once the
 * transaction is given up, record and all.
 */
int	 ctl_key_remember(struct node *n, const char *key,
	    const uint8_t id[WIRE_ID_BYTES], const char *undone, char *err,
	    size_t errlen);
/*
 * A batch of requests of command what in one (its "items": 1 to
 * CTL_MAX_BATCH objects, each the fields of one what request): fn for
 * each, in order, a result each. They share the request's transaction:
 * if an item fails in the store, the transaction is lost, the items
 * after it are not tried, and the whole request fails (the group's
 * commit refuses it); any other failure is that item's result alone.
 */
json_t	*ctl_batch(struct node *n, json_t *req, const char *what, ctl_fn fn,
	    char *err, size_t errlen);
/*
 * A request's personal signature (proto/control.md, "Personal
 * signatures"): "signed_by": {"key", "signature", "person"?, "fields"?}.
 * The person, if not named, is the official of this node whose
 * certificate held here binds the key. Points into req: valid while it
 * is.
 */
struct ctl_psig {
	Nodenet__PersonSignature	 ps;
	uint8_t				 key[KEY_PUBLIC_BYTES];
	uint8_t				 sig[KEY_SIGNATURE_BYTES];
	char				 person[STORE_MAX_PEER + 1];
	char				*fields[CTL_PSIG_FIELDS];
};
/* 0 if req has none, 1 with *out filled in, -1 with err. */
int	 ctl_signed_by(struct node *n, json_t *req, struct ctl_psig *out,
	    char *err, size_t errlen);
/*
 * Adds to every "signed_by" object in reply r (view_signed_by()) whether
 * the person's certificate held when it was signed ("when_signed") and
 * holds now ("now"): "valid", or why not. A record is stored only if
 * it held on arrival, so a revocation found now was made after that.
 */
void	 ctl_signed_state(struct node *n, store_txn_t *txn, json_t *r);
/* The commands, NULL-terminated: the node's (ctl_admin.c), mail's
 * (ctl_mail.c), databases' and documents' (ctl_doc.c). */
extern const struct ctl_command ctl_admin_commands[];
extern const struct ctl_command ctl_mail_commands[];
extern const struct ctl_command ctl_doc_commands[];

int	ctl_init(struct node *n);
void	ctl_shutdown(struct node *n);

#endif
