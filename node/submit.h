/*
 * submit: idempotent submission. A control request may carry a key its
 * client chose (a gateway derives it from the message, so an MTA's retry
 * after a timeout brings the same key); the node writes the record once
 * and answers every repeat with the same id. Keys are kept SUBMIT_KEEP_MS,
 * longer than any MTA retries a message.
 */
#ifndef SUBMIT_H
#define SUBMIT_H

#include <stdint.h>

#include "store.h"
#include "wire.h"

struct node;

#define SUBMIT_KEEP_MS	(7ull * 24 * 3600 * 1000)

/* 1 if key is 1 to STORE_MAX_SUBMIT_KEY bytes of printable ASCII. */
int	submit_key_valid(const char *key);
/* 1 with the id written for key, 0 if key is new, -1 if unreadable. */
int	submit_seen(store_txn_t *txn, const char *key,
	    uint8_t id[WIRE_ID_BYTES]);
/* Remembers key for id in txn: 0, or -1 (logged). */
int	submit_remember(store_txn_t *txn, const char *key,
	    const uint8_t id[WIRE_ID_BYTES]);
/* Forgets old keys a slice at a time, every few seconds. */
void	submit_start(struct node *n);

#endif
