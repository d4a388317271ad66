/*
 * view: read-only views of a node's store, shaped as the control
 * protocol's replies, so the running node (ctl.c) and node-ctl -d on a
 * stopped node's store (opened read-only) answer alike.
 */
#ifndef VIEW_H
#define VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "record.pb-c.h"
#include "store.h"

#define VIEW_LIST_MAX	1000	/* entries in one listing reply */

/*
 * The reading budget of one control request (proto/control.md, "Bounds
 * on work"): the node serves a request inside its one event loop, so a
 * command that steps through the store (databases, document heads,
 * revisions, status reports, certificates: each counts one) stops after
 * so many, and its reply says so: "partial": true, with "next" where a
 * list can go on. The node's [limits] ctl_scan_max sets it.
 */
#define VIEW_SCAN_MAX	100000

struct view_scan {
	uint64_t	vs_max;		/* entries it may read */
	uint64_t	vs_read;	/* read so far */
	int		vs_cut;		/* one more was wanted */
};

/* The budget of every scan started from now on (default VIEW_SCAN_MAX;
 * UINT64_MAX: none). */
void	view_scan_limit(uint64_t max);
void	view_scan_start(struct view_scan *s);
/* Counts one entry read: 1 if it was within the budget, 0 if the budget
 * is spent (the scan is then cut: stop, and do not use that entry). */
int	view_scan_take(struct view_scan *s);
/* Sets "partial" (cut) and "scanned" (entries read) in reply r. */
json_t	*view_scan_reply(json_t *r, const struct view_scan *s);

struct seal_keyring;
/*
 * The keys sealed mail is opened with from now on (seal.h): the node's
 * own and those it held before. NULL: none could be read, and why says
 * why (a sealed mail then shows "sealed, and WHY").
 */
void	view_keyring(const struct seal_keyring *kr, const char *why);
/* Those keys (NULL: none, and *why says why). */
const struct seal_keyring *view_keyring_of(const char **why);

/* {"mailbox", "messages": [...], "next"?} for req {"mailbox", "from"?}. */
json_t	*view_mail_ls(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
/* One message with its text for req {"mailbox", "seq"}; sets *seq. It
 * does not mark the message read: that is a write, the caller's. */
json_t	*view_mail_cat(store_txn_t *txn, json_t *req, uint64_t *seq,
	    char *err, size_t errlen);
/* {"id", "events": [...]} for req {"id"}: custody here, oldest first. */
json_t	*view_trace(store_txn_t *txn, json_t *req, char *err, size_t errlen);
/* A custody event's name, as trace shows it: "submitted", "sent", ... */
const char *view_custody_name(int event);
/* One custody event as trace shows it: {"time_ms", "event", "peer"}. */
json_t	*view_custody_event(const struct store_custody *ev);
/* {"records", "last_seq", "map_size", "map_used"}, or NULL. */
json_t	*view_store(store_t *st);

/*
 * The official's signature a mail or revision carries (psig.h), as
 * {"person", "office", "key", "signed_ms", "fields"?}, or NULL if none.
 * Whether it held is for the node to add (ctl_psig.c): the record is stored
 * only if it held on arrival.
 */
json_t	*view_signed_by(const Nodenet__RecordBody *rb);
json_t	*view_hex(const uint8_t *p, size_t len);
json_t	*view_hex_id(const uint8_t id[STORE_ID_BYTES]);
/* Why record id does not read: "unreadable or corrupt", or that it was
 * found damaged and is sought, or lost (repair). */
const char *view_unreadable(store_txn_t *txn,
	    const uint8_t id[STORE_ID_BYTES]);
/* 0 if v is a string of 64 hex digits (an id), -1 otherwise. */
int	 view_parse_id(json_t *v, uint8_t id[STORE_ID_BYTES]);

#endif
