/*
 * record: the one door for every record (record.h). Whether a record
 * came from a peer (record_take()) or is our own (record_write()), it is
 * admitted by its kind's rules, stored in its feed lane, its custody
 * noted and, if new, handed to its kind's handler, in the node's write
 * transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "record.h"
#include "trust.h"
#include "turn.h"
#include "writes.h"

const struct record_kind *
record_kind_of(const struct node *n, int k)
{
	return k >= 0 && k < RECORD_KINDS ? &n->n_kinds[k] : NULL;
}

/* 0 to store it, 1 to drop it quietly, -1 refused (why says why). */
static int
admit(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    const char *from, char *why, size_t whylen)
{
	const struct record_kind	*k = record_kind_of(n, (int)wr->rb->kind_case);

	if (k == NULL || k->admit == NULL)
		return 0;
	return k->admit(n, txn, wr, from, why, whylen);
}

/* What a record new to this store sets in motion here; -1 if the store
 * failed (the transaction must be given up). */
static int
apply(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	const struct record_kind	*k = record_kind_of(n, (int)wr->rb->kind_case);

	if (k == NULL || k->apply == NULL)
		return 0;
	return k->apply(n, txn, wr);
}

void
record_custody(store_txn_t *txn, const uint8_t *id, int event,
    const char *who)
{
	struct store_custody	ev = { .time_ms = clock_wall_ms(),
	    .event = event };

	snprintf(ev.peer, sizeof(ev.peer), "%s", who);
	if (store_custody_add(txn, id, &ev) != 0)
		log_warnx("event=custody_unrecorded");
}

/*
 * Stores an opened record; 1 if new, 0 if held, 2 if it replaced a copy
 * found damaged (from: who sent it), -1 on a store error (its code in
 * *src, if not NULL).
 */
static int
store_record(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    const char *from, int *src)
{
	const struct record_kind	*k;
	struct store_record		 rec;
	int				 rc;

	memcpy(rec.id, wr->id, sizeof(rec.id));
	rec.body = wr->body;
	rec.body_len = wr->body_len;
	memcpy(rec.sig, wr->sig, sizeof(rec.sig));
	k = record_kind_of(n, (int)wr->rb->kind_case);
	rec.lane = k != NULL && k->lane != NULL ? k->lane(wr->rb) :
	    WIRE_LANE_NORMAL;
	rc = store_put(txn, &rec);
	if (rc == STORE_HELD) {
		n->n_cnt.records_dup++;
		return 0;
	}
	if (rc == STORE_REPAIRED) {
		char	hex[WIRE_ID_HEX];

		/* The same bytes as before: their effects are here. */
		record_custody(txn, wr->id, STORE_CUSTODY_REPAIRED, from);
		n->n_cnt.records_repaired++;
		log_info("event=record_repaired id=%s from=%s",
		    wire_id_hex(wr->id, hex), from);
		return 2;
	}
	if (rc != 0) {
		writes_refused(n, rc, n->n_txn_records > 0);
		if (src != NULL)
			*src = rc;
		n->n_txn_broken = 1;
		return -1;
	}
	n->n_cnt.records_new++;
	return 1;
}

/*
 * The birth by our clock of a record that came with its age: its
 * arrival less that age. 0, or -1 if the store failed.
 */
static int
record_born(store_txn_t *txn, const struct wire_record *wr, uint64_t age_ms,
    uint64_t now)
{
	int	rc;

	if (age_ms == 0)
		return 0;	/* the link did not say */
	if ((rc = store_transit_put(txn, wr->id, now > age_ms ? now - age_ms :
	    0)) != 0) {
		log_warnx("event=store_refused reason=\"%s\"",
		    store_strerror(rc));
		return -1;
	}
	return 0;
}

int
record_take(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    const char *peer, uint64_t age_ms, char *why, size_t whylen)
{
	struct store_damage	d;
	uint64_t		now = clock_wall_ms();
	char			cwhy[200];
	int			rc;

	/* A copy of one found damaged here: it was admitted once, and its
	 * id proves it is the same. */
	if (store_damage_get(txn, wr->id, &d) == 0) {
		if (store_record(n, txn, wr, peer, NULL) >= 0)
			return 0;
		node_abort(n);
		return -1;
	}
	if ((rc = trust_check(n, txn, wr->rb->origin,
	    wr->rb->origin_key.data, now, NULL)) != 0) {
		snprintf(why, whylen, "origin not certified: %s",
		    trust_why(n, txn, wr->rb->origin, wr->rb->origin_key.data,
		    now, rc, cwhy, sizeof(cwhy)));
		return 1;
	}
	/* An official's signature counts like the origin's own. */
	if (trust_person(n, txn, wr->rb, now, why, whylen) != 0)
		return 1;
	if ((rc = admit(n, txn, wr, peer, why, whylen)) != 0) {
		if (rc == 1) {
			n->n_cnt.records_dup++;	/* of a purged doc */
			return 0;
		}
		n->n_cnt.records_refused++;
		return 1;
	}
	if ((rc = store_record(n, txn, wr, peer, NULL)) == 1) {
		record_custody(txn, wr->id, STORE_CUSTODY_RECEIVED, peer);
		if (record_born(txn, wr, age_ms, now) != 0 ||
		    apply(n, txn, wr) != 0)
			rc = -1;
	}
	if (rc == -1) {
		/* Full: refuse the whole transaction; peers keep their
		 * copies and send them again. */
		node_abort(n);
		return -1;
	}
	return 0;
}

int
record_keep(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	int	rc;

	if ((rc = store_record(n, txn, wr, n->n_conf->name, NULL)) == 1 &&
	    apply(n, txn, wr) != 0)
		return -1;
	return rc == 2 ? 0 : rc;
}

/* Writes our own opened record wr (record_write_signed()); clears it. */
static int
write_opened(struct node *n, store_txn_t *txn, struct wire_record *wr,
    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen)
{
	int	rc, src = 0;

	memcpy(id, wr->id, WIRE_ID_BYTES);
	err[0] = '\0';
	if (trust_person(n, txn, wr->rb, clock_wall_ms(), err, errlen) != 0 ||
	    admit(n, txn, wr, NULL, err, errlen) != 0) {
		wire_record_clear(wr);
		return -1;
	}
	if ((rc = store_record(n, txn, wr, n->n_conf->name, &src)) == 2)
		rc = 0;		/* held again */
	if (rc == -1)
		snprintf(err, errlen, "the store refused it: %s",
		    store_strerror(src));
	if (rc == 1) {
		record_custody(txn, wr->id, STORE_CUSTODY_SUBMITTED,
		    n->n_conf->name);
		if (apply(n, txn, wr) != 0) {
			/* Half applied: give up the whole transaction. */
			node_abort(n);
			rc = -1;
		}
	}
	if (rc != 1 && err[0] == '\0')
		snprintf(err, errlen, rc == 0 ? "already held" :
		    "the store refused it");
	wire_record_clear(wr);
	return rc == 1 ? 0 : -1;
}

int
record_write_signed(struct node *n, store_txn_t *txn, const uint8_t *buf,
    size_t len, uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen)
{
	struct wire_record	wr;
	int			rc;

	if ((rc = wire_record_open(buf, len, &wr)) != 0) {
		log_warnx("event=write_failed reason=\"%s\"",
		    wire_strerror(rc));
		snprintf(err, errlen, "%s", wire_strerror(rc));
		return -1;
	}
	return write_opened(n, txn, &wr, id, err, errlen);
}

int
record_write(struct node *n, store_txn_t *txn, Nodenet__RecordBody *rb,
    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen)
{
	struct wire_record	 wr;
	uint8_t			*buf = NULL;
	size_t			 len;
	int			 rc;

	rb->origin = n->n_conf->name;
	rb->created_ms = clock_wall_ms();
	if ((rc = store_origin_seq_next(txn, &rb->origin_seq)) != 0) {
		log_warnx("event=write_failed reason=\"%s\"",
		    store_strerror(rc));
		snprintf(err, errlen, "%s", store_strerror(rc));
		return -1;
	}
	if ((rc = wire_record_make(n->n_key, rb, &buf, &len, id)) != 0) {
		log_warnx("event=write_failed reason=\"%s\"",
		    wire_strerror(rc));
		snprintf(err, errlen, "%s", wire_strerror(rc));
		return -1;
	}
	/* Signed just now with our key: not verified again. */
	if ((rc = wire_record_open_own(buf, len, &wr)) != 0) {
		free(buf);
		log_warnx("event=write_failed reason=\"%s\"",
		    wire_strerror(rc));
		snprintf(err, errlen, "%s", wire_strerror(rc));
		return -1;
	}
	rc = write_opened(n, txn, &wr, id, err, errlen);
	free(buf);
	return rc;
}
