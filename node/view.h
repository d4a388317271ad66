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

#include "store.h"

#define VIEW_LIST_MAX	1000	/* entries in one listing reply */

/* {"mailbox", "messages": [...], "next"?} for req {"mailbox", "from"?}. */
json_t	*view_mail_ls(store_txn_t *txn, json_t *req, char *err,
	    size_t errlen);
/* One message with its text for req {"mailbox", "seq"}; sets *seq. It
 * does not mark the message read: that is a write, the caller's. */
json_t	*view_mail_cat(store_txn_t *txn, json_t *req, uint64_t *seq,
	    char *err, size_t errlen);
/* {"id", "events": [...]} for req {"id"}: custody here, oldest first. */
json_t	*view_trace(store_txn_t *txn, json_t *req, char *err, size_t errlen);
/* One custody event as trace shows it: {"time_ms", "event", "peer"}. */
json_t	*view_custody_event(const struct store_custody *ev);
/* {"records", "last_seq", "map_size", "map_used"}, or NULL. */
json_t	*view_store(store_t *st);

json_t	*view_hex(const uint8_t *p, size_t len);
json_t	*view_hex_id(const uint8_t id[STORE_ID_BYTES]);
/* 0 if v is a string of 64 hex digits (an id), -1 otherwise. */
int	 view_parse_id(json_t *v, uint8_t id[STORE_ID_BYTES]);

#endif
