/*
 * feed: what goes out on each link (repl.h). A link's feed is our log
 * filtered by what belongs on that link, sent in batches from the peer's
 * checkpoint within the credit it granted; custody passes with its acks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mail.h"
#include "node.h"
#include "peer.h"
#include "record.h"
#include "repair.h"
#include "repl.h"
#include "repl_int.h"
#include "turn.h"
#include "xmem.h"

#define SCAN_MAX	4096		/* lane entries read per batch */
#define BATCH_BYTES	(WIRE_MAX_FRAME / 2)
#define COVER_AFTER	256	/* log positions a link's lane may trail */

void
repl_ack(struct node *n, struct peer *p, const Nodenet__Ack *a)
{
	store_txn_t	*txn;
	unsigned	 lane = a->lane;
	size_t		 keep = 0;

	p->pr_blocked = 0;	/* it reads: there may be room again */
	if (a->seq < p->pr_acked[lane] || a->seq > p->pr_sent[lane]) {
		/* Of batches from before a restart of the feed: stale. */
		log_debug("event=ack_stale peer=%s lane=%u seq=%llu sent=%llu",
		    p->pr_name, lane, (unsigned long long)a->seq,
		    (unsigned long long)p->pr_sent[lane]);
		return;
	}
	p->pr_acked[lane] = a->seq;
	p->pr_credit += a->credit;
	log_debug("event=ack_in peer=%s lane=%u seq=%llu credit=%u",
	    p->pr_name, lane, (unsigned long long)a->seq, p->pr_credit);
	/* Never above what a Hello may grant (restart_feed()). */
	if (p->pr_credit > n->n_conf->credit)
		p->pr_credit = n->n_conf->credit;
	if ((txn = node_txn(n)) == NULL)
		return;
	/* Custody of what they now hold durably passes to them. */
	for (size_t i = 0; i < p->pr_ninflight; i++) {
		struct inflight	*f = &p->pr_inflight[i];

		if (f->lane == lane && f->seq <= a->seq)
			record_custody(txn, f->id, STORE_CUSTODY_SENT, p->pr_name);
		else
			p->pr_inflight[keep++] = *f;
	}
	p->pr_ninflight = keep;
	repl_save_state(txn, p);
}

/*
 * Does this record belong on the link to p? 0 also for one that would,
 * but p's session is of a version too old to carry it (*old set, if
 * old is not NULL).
 */
static int
feed_wants(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb, int *old)
{
	const struct record_kind	*k;
	uint32_t			 v = wire_record_version(rb);

	if (v == 0)
		return 0;
	/* What p gave us is not sent back (came_from()); what p wrote and
	 * we got another way is, once: a replaced store needs it. */
	k = record_kind_of(n, (int)rb->kind_case);
	if (k == NULL || k->wants == NULL || !k->wants(n, p, txn, rb))
		return 0;
	/* Newer than the session: p could neither use nor pass it on.
	 * The batch covers it like any record not for p. (No session, no
	 * version: node-ctl queue counts it as owed.) */
	if (p->pr_version != 0 && v > p->pr_version) {
		if (old != NULL)
			*old = 1;
		return 0;
	}
	return 1;
}

/*
 * 1 if p gave us this record: no need to send it back. Only if it came
 * from the store p has now: a replaced store gets everything again.
 */
static int
came_from(store_txn_t *txn, const struct peer *p, const uint8_t *id)
{
	struct store_custody	first;

	return store_custody_get(txn, id, 0, &first) == 0 &&
	    first.event == STORE_CUSTODY_RECEIVED &&
	    first.time_ms >= p->pr_since_ms &&
	    strcmp(first.peer, p->pr_name) == 0;
}

static void
inflight_add(struct peer *p, uint64_t seq, unsigned lane, const uint8_t *id)
{
	if (p->pr_ninflight == p->pr_capinflight) {
		p->pr_capinflight = p->pr_capinflight ? 2 * p->pr_capinflight :
		    64;
		p->pr_inflight = xrealloc(p->pr_inflight, p->pr_capinflight,
		    sizeof(*p->pr_inflight));
	}
	p->pr_inflight[p->pr_ninflight].seq = seq;
	p->pr_inflight[p->pr_ninflight].lane = lane;
	memcpy(p->pr_inflight[p->pr_ninflight].id, id, WIRE_ID_BYTES);
	p->pr_ninflight++;
}

/*
 * Transfer.age_ms of a record: a mail with an expiry says how long it
 * has been in the network (at least 1), so the next hop goes on from
 * there; anything else says nothing (0).
 */
static uint64_t
transfer_age(store_txn_t *txn, const uint8_t *id,
    const Nodenet__RecordBody *rb)
{
	uint64_t	age;

	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL ||
	    rb->mail->expires_ms == 0)
		return 0;
	age = mail_age(txn, id, rb, clock_wall_ms());
	return age > 0 ? age : 1;
}

/* Appends record (seq, id) to the batch if it belongs on p's link. */
static void
feed_one(struct node *n, struct peer *p, store_txn_t *txn, unsigned lane,
    uint64_t seq, const uint8_t *id, Nodenet__Batch *b,
    Nodenet__Transfer *t, size_t *bytes)
{
	Nodenet__RecordBody	*rb;
	struct store_record	 rec;
	store_txn_t		*wtxn;
	char			 why[120];
	int			 want, old = 0, rc;

	/* Never back to the link it came over (and no need to decode). */
	if (came_from(txn, p, id))
		return;
	if ((rc = store_get(txn, id, &rec)) != 0) {
		/* Not purged: damaged. Set aside, it takes a new seq when a
		 * good copy comes, and this feed offers it then. */
		if (rc == STORE_CORRUPT && ((wtxn = node_txn(n)) == NULL ||
		    repair_damaged(n, wtxn, id, seq) != 0))
			node_abort(n);
		return;
	}
	/* Stored records were verified on the way in: decode only. */
	if ((rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return;
	want = feed_wants(n, p, txn, rb, &old);
	if (old && (wtxn = node_txn(n)) != NULL) {
		/* Never sent on that link: its sender hears why. */
		snprintf(why, sizeof(why), "not carried: %s runs protocol "
		    "version %u, this mail needs %u", p->pr_name, p->pr_version,
		    wire_record_version(rb));
		mail_held_back(n, wtxn, id, rb, p->pr_name,
		    NODENET__REPORT__REASON__NONE, why);
	} else if (want && mail_expired(txn, id, rb, clock_wall_ms())) {
		/* Not sent on: its sender hears why. */
		if ((wtxn = node_txn(n)) != NULL)
			mail_held_back(n, wtxn, id, rb, p->pr_name,
			    NODENET__REPORT__REASON__EXPIRED,
			    "expired in transit");
	} else if (want) {
		nodenet__transfer__init(t);
		t->seq = seq;
		t->age_ms = transfer_age(txn, id, rb);
		if ((t->record.data = wire_record_pack(rec.body, rec.body_len,
		    rec.sig, &t->record.len)) == NULL)
			fatalx("out of memory");
		*bytes += t->record.len;
		b->items[b->n_items++] = t;
		if (rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL ||
		    rb->kind_case == NODENET__RECORD_BODY__KIND_REPORT)
			inflight_add(p, seq, lane, id);
	}
	nodenet__record_body__free_unpacked(rb, NULL);
}

int
repl_backlog(struct node *n, struct peer *p, unsigned lane, uint64_t max,
    uint64_t *records, uint64_t *bytes)
{
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	Nodenet__RecordBody	*rb;
	uint64_t		 seq = p->pr_acked[lane], scanned = 0;
	uint8_t			 id[STORE_ID_BYTES];
	int			 rc;

	*records = *bytes = 0;
	if (p->pr_name == NULL ||
	    store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
		return -1;
	while (scanned < max &&
	    store_lane_next(txn, lane, seq + 1, &seq, id) == 0) {
		scanned++;
		if (came_from(txn, p, id) || store_get(txn, id, &rec) != 0)
			continue;
		if ((rb = nodenet__record_body__unpack(NULL, rec.body_len,
		    rec.body)) == NULL)
			continue;
		if (feed_wants(n, p, txn, rb, NULL) &&
		    !mail_expired(txn, id, rb, clock_wall_ms())) {
			(*records)++;
			*bytes += rec.body_len + KEY_SIGNATURE_BYTES;
		}
		nodenet__record_body__free_unpacked(rb, NULL);
	}
	rc = scanned == max && store_lane_next(txn, lane, seq + 1, &seq,
	    id) == 0;
	store_txn_abort(&txn);
	return rc;
}

/*
 * Sends one batch from lane if it has anything for p, reading the lane
 * until deadline at most: 1 if one went, 0 if the lane is caught up, -1
 * if the send failed, 2 if time ran out before anything was found.
 */
static int
pump_lane(struct node *n, struct peer *p, unsigned lane, uint64_t deadline)
{
	Nodenet__Frame		  f = NODENET__FRAME__INIT;
	Nodenet__Batch		  b = NODENET__BATCH__INIT;
	Nodenet__Transfer	 *items;
	store_txn_t		 *txn = NULL;
	uint64_t		  seq = p->pr_scanned[lane], scanned = 0;
	size_t			  bytes = 0, max, ninflight = p->pr_ninflight;
	uint8_t			  id[STORE_ID_BYTES];
	unsigned		  restarted = p->pr_restarted & (1u << lane);
	unsigned		  promised = p->pr_more_sent & (1u << lane);
	uint32_t		  used;
	int			  sent = 0, late = 0;

	/* A batch that said more follows is followed by one, if need be
	 * empty: its receiver holds its commit until then. */
	if (p->pr_scanned[lane] >= n->n_head && !restarted && !promised)
		return 0;
	max = n->n_conf->batch_max < p->pr_credit ? n->n_conf->batch_max :
	    p->pr_credit;
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
		return -1;
	items = xcalloc(max, sizeof(*items));
	b.items = xcalloc(max, sizeof(*b.items));
	while (b.n_items < max && scanned < SCAN_MAX && bytes < BATCH_BYTES &&
	    !(late = clock_mono_ms() >= deadline) &&
	    store_lane_next(txn, lane, seq + 1, &seq, id) == 0) {
		scanned++;
		feed_one(n, p, txn, lane, seq, id, &b, &items[b.n_items],
		    &bytes);
	}
	store_txn_abort(&txn);
	if (b.n_items == 0 && !restarted && late) {
		/* Nothing for p in what we read: the next batch covers it. */
		p->pr_scanned[lane] = seq;
		sent = 2;
		goto out;
	}
	if (b.n_items == 0 && scanned < SCAN_MAX && !restarted &&
	    !promised) {
		/* Caught up, nothing for p: remember how far we read. The
		 * next batch covers this stretch; past COVER_AFTER an empty
		 * one does, so p's checkpoint (and what queue counts behind
		 * it) never trails far where nothing goes to p. */
		p->pr_scanned[lane] = n->n_head;
		if (n->n_head - p->pr_sent[lane] < COVER_AFTER)
			goto out;
	}
	b.after = p->pr_sent[lane];
	b.upto = b.n_items == max || bytes >= BATCH_BYTES ||
	    scanned == SCAN_MAX || late ? seq : n->n_head;
	b.lane = lane;
	/* Stopped short of our head with over half the window left: the
	 * next batch of this lane goes without waiting for an ack, and the
	 * receiver may hold its commit for it (turn.h). With less, its ack
	 * is what keeps the link busy: no promise, so it is not held. */
	used = b.n_items > 0 ? (uint32_t)b.n_items : 1;
	b.more = b.upto < n->n_head &&
	    p->pr_credit - used > p->pr_restart_credit / 2;
	f.kind_case = NODENET__FRAME__KIND_BATCH;
	f.batch = &b;
	if (peer_send(n, p, &f) == 0) {
		log_debug("event=batch_out peer=%s lane=%u after=%llu upto=%llu"
		    " records=%zu more=%d", p->pr_name, lane,
		    (unsigned long long)b.after, (unsigned long long)b.upto,
		    b.n_items, b.more);
		p->pr_sent[lane] = p->pr_scanned[lane] = b.upto;
		p->pr_restarted &= ~restarted;
		if (b.more)
			p->pr_more_sent |= 1u << lane;
		else
			p->pr_more_sent &= ~(1u << lane);
		p->pr_credit -= used;
		p->pr_records_out += b.n_items;
		n->n_cnt.records_out += b.n_items;
		sent = 1;
	} else {
		p->pr_ninflight = ninflight;	/* not sent after all */
		sent = -1;
	}
out:
	for (size_t i = 0; i < b.n_items; i++)
		free(items[i].record.data);
	free(items);
	free(b.items);
	return sent;
}

/*
 * Sends p what it is owed and batches while its credit lasts, until
 * deadline: 1 if that stopped it with more to send.
 */
static int
pump(struct node *n, struct peer *p, uint64_t deadline)
{
	/* Its pipe was full: a probe that gets through or an ack from it
	 * says when to try again (peer.c). */
	if (p->pr_blocked)
		return 0;
	/* What is owed goes first: a reply tells the peer that what
	 * follows it is of the restarted feed. */
	if (p->pr_hello_owed & REPL_HELLO_REPLY)
		repl_send_hello(n, p, 1);
	if ((p->pr_hello_owed & REPL_HELLO_ASK) && !p->pr_blocked)
		repl_send_hello(n, p, 0);
	if (p->pr_ack_owed && !p->pr_blocked)
		repl_send_acks(n, p);
	/* Highest lane with something to send first, while credit lasts;
	 * nothing while a restart waits for its turn. */
	while (p->pr_state == PEER_UP && p->pr_credit > 0 &&
	    !p->pr_restart_due && p->pr_hello_owed == 0 && !p->pr_blocked) {
		int	rc = 0;

		if (clock_mono_ms() >= deadline)
			return 1;
		for (unsigned l = 0; l < WIRE_LANES && rc == 0; l++)
			rc = pump_lane(n, p, l, deadline);
		if (rc == 2)
			return 1;
		if (rc != 1)
			return 0;
	}
	return 0;
}

static void
pump_wake(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	n->n_pump_timer = 0;	/* the turn's end pumps (handlers_turn_end()) */
}

void
repl_pump(struct node *n)
{
	uint64_t	deadline = clock_mono_ms() + NODE_TURN_MS;
	size_t		np = n->n_npeers;

	/* Round the peers from where the last turn's share ended. */
	for (size_t k = 0; k < np; k++) {
		size_t	i = (n->n_pump_from + k) % np;

		if (pump(n, n->n_peers[i], deadline)) {
			n->n_pump_from = i;
			if (n->n_pump_timer == 0)
				n->n_pump_timer = loop_timer(n->n_loop, 0,
				    pump_wake, n);
			return;
		}
	}
}

/*
 * How far behind our log the peer is, in log positions: per lane, from
 * what it has acked if something is in flight, else from how far its
 * feed has read (it is owed nothing before that); the worst lane.
 */
uint64_t
repl_lag(const struct node *n, const struct peer *p)
{
	uint64_t	lag = 0, acked = 0;

	for (int l = 0; l < WIRE_LANES; l++)
		if (p->pr_acked[l] > acked)
			acked = p->pr_acked[l];
	if (p->pr_state != PEER_UP)
		return n->n_head > acked ? n->n_head - acked : 0;
	for (int l = 0; l < WIRE_LANES; l++) {
		uint64_t	from = p->pr_sent[l] > p->pr_acked[l] ?
		    p->pr_acked[l] : p->pr_scanned[l];

		if (from < n->n_head && n->n_head - from > lag)
			lag = n->n_head - from;
	}
	return lag;
}
