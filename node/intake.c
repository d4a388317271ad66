/*
 * intake: batches in (repl.h). A batch is verified and taken in record
 * by record through the door (record.c), in slices of a loop turn; its
 * checkpoint is committed with its last record, and acked after that
 * commit. A commit the store refused is asked of the peers again, once
 * the hold after it ends (writes.h); meanwhile batches are dropped. A
 * peer's records count in its figures once committed: a resend of what
 * the store refused is not counted again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "esc.h"
#include "log.h"
#include "node.h"
#include "peer.h"
#include "record.h"
#include "repl.h"
#include "repl_int.h"
#include "trust.h"
#include "turn.h"
#include "verify.h"
#include "writes.h"
#include "xmem.h"

/*
 * A record of p's batch at seq refused for good (the batch's ack covers
 * it): counted, kept as p's last error, logged within p's budget. why
 * may quote the peer: it is logged through esc().
 */
static void
refused(struct node *n, struct peer *p, uint64_t seq, const char *origin,
    const char *why)
{
	char	shown[ESC_SIZE(256)];

	n->n_cnt.records_bad++;
	p->pr_txn_rejected++;
	snprintf(p->pr_error, sizeof(p->pr_error), "record refused: %.236s",
	    why);
	if (peer_may_log(n, p))
		log_warnx("event=record_refused peer=%s seq=%llu origin=%s "
		    "reason=\"%s\"", p->pr_name, (unsigned long long)seq,
		    origin, esc_str(shown, sizeof(shown), why, ESC_QUOTED));
}

/*
 * A batch being taken in. Its records are verified a chunk at a time
 * (on every core) and stored one by one until the turn is full; a 0 ms
 * timer goes on with the rest in the next turn, after the loop has
 * served the control socket and its timers. Meanwhile a frame of the
 * same peer, or another batch, waits (repl_frame_waits()), so frames
 * keep their order and one batch at most is open. The batch is acked
 * only once its last record is stored; records of slices committed
 * before a crash or a reset come again and are found held.
 */
struct intake {
	struct peer		 *in_peer;
	Nodenet__Frame		 *in_frame;	/* owned; its batch */
	const ProtobufCBinaryData **in_recs;
	struct wire_record	 *in_opened;
	int			 *in_rcs;
	size_t			  in_verified;	/* opened: [0, in_verified) */
	size_t			  in_next;	/* the next to store */
	uint64_t		  in_timer;
};

#define VERIFY_CHUNK	64		/* records verified at a time */

static void
intake_end(struct node *n)
{
	struct intake	*in = n->n_intake;

	n->n_intake = NULL;
	if (in->in_timer != 0)
		loop_timer_cancel(n->n_loop, in->in_timer);
	for (size_t i = 0; i < in->in_verified; i++)
		wire_record_clear(&in->in_opened[i]);
	nodenet__frame__free_unpacked(in->in_frame, NULL);
	free(in->in_opened);
	free(in->in_rcs);
	free(in->in_recs);
	free(in);
}

int
repl_frame_waits(const struct node *n, const struct peer *p,
    const Nodenet__Frame *f)
{
	if (n->n_intake == NULL)
		return 0;
	if (p == n->n_intake->in_peer)
		return 1;
	switch (f->kind_case) {
	case NODENET__FRAME__KIND_HELLO:
	case NODENET__FRAME__KIND_HEARTBEAT:
	case NODENET__FRAME__KIND_ACK:
		return 0;
	default:
		return 1;
	}
}

void
repl_intake_drop(struct node *n, struct peer *p)
{
	if (n->n_intake != NULL && n->n_intake->in_peer == p)
		intake_end(n);
	p->pr_retry_owed = 0;	/* its next session starts from scratch */
	p->pr_rx_more = 0;
	memset(p->pr_backlog_ms, 0, sizeof(p->pr_backlog_ms));
}

/*
 * Asks p to send again from our durable checkpoints: now, or once the
 * hold after a refused commit ends (repl_retry()). Its batches are
 * dropped until its answer.
 */
static void
resend(struct node *n, struct peer *p)
{
	char	why[120];

	if (n->n_writes.wr_refusing)
		snprintf(p->pr_error, sizeof(p->pr_error), "our store "
		    "refused a batch: %s", writes_why(n, why, sizeof(why)));
	if (!writes_held(n)) {
		repl_resync(n, p, 1);
		return;
	}
	p->pr_resync = 1;
	p->pr_retry_owed = 1;
}

void
repl_retry(struct node *n)
{
	if (writes_held(n))
		return;
	for (size_t i = 0; i < n->n_npeers; i++) {
		struct peer	*p = n->n_peers[i];

		if (!p->pr_retry_owed)
			continue;
		p->pr_retry_owed = 0;
		if (p->pr_state == PEER_UP)
			repl_resync(n, p, 1);
	}
}

/*
 * Takes in record i of the open batch: 0, or -1 if the batch ended
 * with it (the transaction was refused, or the session was cut).
 */
static int
take_one(struct node *n, store_txn_t *txn, size_t i)
{
	struct intake		*in = n->n_intake;
	struct peer		*p = in->in_peer;
	uint64_t		 seq = in->in_frame->batch->items[i]->seq;
	struct wire_record	*wr = &in->in_opened[i];
	int			 rc = in->in_rcs[i];
	char			 why[256];

	n->n_cnt.records_in++;
	n->n_txn_records++;
	n->n_txn_bytes += in->in_recs[i]->len;
	p->pr_txn_in++;
	if (rc != 0) {
		snprintf(why, sizeof(why), "%s", wire_strerror(rc));
		refused(n, p, seq, "-", why);
		return 0;	/* refused for good: the ack covers it */
	}
	if ((rc = record_take(n, txn, wr, p->pr_name,
	    in->in_frame->batch->items[i]->age_ms, why, sizeof(why))) == 1)
		refused(n, p, seq, wr->rb->origin, why);
	if (rc == -1)
		return -1;	/* this one resends its batch */
	/* A revocation it carried may have cut the session (and the
	 * batch with it). */
	return n->n_intake == NULL ? -1 : 0;
}

/* The open batch has been taken in: its checkpoint, and its ack due. */
static void
intake_done(struct node *n, store_txn_t *txn)
{
	struct intake		*in = n->n_intake;
	struct peer		*p = in->in_peer;
	const Nodenet__Batch	*b = in->in_frame->batch;
	unsigned		 lane = b->lane;

	p->pr_rx_upto[lane] = b->upto;
	memcpy(p->pr_rx_epoch[lane], p->pr_epoch, WIRE_EPOCH_BYTES);
	log_debug("event=batch_in peer=%s lane=%u after=%llu upto=%llu "
	    "records=%zu more=%d", p->pr_name, lane,
	    (unsigned long long)b->after, (unsigned long long)b->upto,
	    b->n_items, b->more);
	repl_save_state(txn, p);
	p->pr_ack_credit[lane] += b->n_items > 0 ? (uint32_t)b->n_items : 1;
	p->pr_ack_due |= 1u << lane;
	if (b->more)
		p->pr_rx_more |= 1u << lane;
	else
		p->pr_rx_more &= ~(1u << lane);
	if (b->more && p->pr_backlog_ms[lane] == 0) {
		p->pr_backlog_ms[lane] = clock_mono_ms();
		p->pr_backlog_records[lane] = 0;
	}
	p->pr_backlog_records[lane] += b->n_items;
	intake_end(n);
}

static void	intake_resume(loop_t *, void *);

/* Takes in the open batch until it is done or the turn is full. */
static void
intake_run(struct node *n)
{
	struct intake		*in = n->n_intake;
	const Nodenet__Batch	*b = in->in_frame->batch;
	store_txn_t		*txn;

	if ((txn = node_txn(n)) == NULL) {
		/* No transaction, no progress: ask for the batch again. */
		struct peer	*p = in->in_peer;

		intake_end(n);
		resend(n, p);
		return;
	}
	while (in->in_next < b->n_items) {
		if (in->in_next == in->in_verified) {
			size_t	k = b->n_items - in->in_next;

			if (k > VERIFY_CHUNK)
				k = VERIFY_CHUNK;
			verify_batch(n->n_verify, in->in_recs + in->in_next,
			    k, in->in_opened + in->in_next,
			    in->in_rcs + in->in_next);
			in->in_verified += k;
		}
		if (take_one(n, txn, in->in_next++) != 0)
			return;		/* the batch ended */
		if (in->in_next < b->n_items && node_turn_full(n)) {
			in->in_timer = loop_timer(n->n_loop, 0, intake_resume,
			    n);
			return;
		}
	}
	intake_done(n, txn);
}

static void
intake_resume(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	n->n_intake->in_timer = 0;
	intake_run(n);
}

void
repl_batch(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	const Nodenet__Batch	*b = f->batch;
	unsigned		 lane = b->lane;
	struct intake		*in;

	if (p->pr_resync)
		goto drop;	/* sent before our Hello reached the peer */
	if (writes_held(n)) {
		resend(n, p);	/* the store refused a commit: wait */
		goto drop;
	}
	if (b->after == 0 && p->pr_rx_upto[lane] != 0) {
		/* Its log is not the one our checkpoint was of (restored
		 * from a backup): it starts again, and we take it all. */
		log_warnx("event=feed_restarted peer=%s lane=%u checkpoint=%llu"
		    " action=accept", p->pr_name, lane,
		    (unsigned long long)p->pr_rx_upto[lane]);
		p->pr_rx_upto[lane] = 0;
	}
	if (b->after != p->pr_rx_upto[lane]) {
		/* A gap: restart the feed from what we hold. */
		if (peer_may_log(n, p))
			log_warnx("event=batch_out_of_order peer=%s lane=%u "
			    "after=%llu expected=%llu action=resync",
			    p->pr_name, lane, (unsigned long long)b->after,
			    (unsigned long long)p->pr_rx_upto[lane]);
		n->n_cnt.frames_bad++;
		repl_resync(n, p, 0);
		goto drop;
	}
	in = xcalloc(1, sizeof(*in));
	in->in_peer = p;
	in->in_frame = f;
	in->in_recs = xcalloc(b->n_items + 1, sizeof(*in->in_recs));
	in->in_opened = xcalloc(b->n_items + 1, sizeof(*in->in_opened));
	in->in_rcs = xcalloc(b->n_items + 1, sizeof(*in->in_rcs));
	for (size_t i = 0; i < b->n_items; i++)
		in->in_recs[i] = &b->items[i]->record;
	n->n_intake = in;
	intake_run(n);
	return;
drop:
	nodenet__frame__free_unpacked(f, NULL);
}

int
repl_acks_held(const struct node *n)
{
	int	held = -1;

	for (size_t i = 0; i < n->n_npeers; i++) {
		const struct peer	*p = n->n_peers[i];

		if (p->pr_ack_due & ~p->pr_rx_more)
			return 0;
		if (p->pr_ack_due)
			held = 1;
	}
	return held;
}

void
repl_send_acks(struct node *n, struct peer *p)
{
	for (unsigned l = 0; l < WIRE_LANES; l++) {
		Nodenet__Frame	f = NODENET__FRAME__INIT;
		Nodenet__Ack	a = NODENET__ACK__INIT;

		if ((p->pr_ack_owed & (1u << l)) == 0)
			continue;
		a.seq = p->pr_received[l];
		a.credit = p->pr_ack_credit[l];
		a.lane = l;
		f.kind_case = NODENET__FRAME__KIND_ACK;
		f.ack = &a;
		/* A lost ack would be credit the peer never gets back: one
		 * that cannot go now waits, and later batches add to it. */
		if (peer_send(n, p, &f) != 0)
			return;
		p->pr_ack_owed &= ~(1u << l);
		p->pr_ack_credit[l] = 0;
	}
}

/*
 * Lane l of p is committed: if a backlog came in on it (batches that
 * said more) and its last batch said no more, it is over: one line,
 * the operator's "caught up" after an outage.
 */
static void
backlog_done(struct peer *p, unsigned l)
{
	if (p->pr_backlog_ms[l] == 0 || (p->pr_rx_more & (1u << l)))
		return;
	log_info("event=caught_up peer=%s lane=%u upto=%llu records=%llu "
	    "ms=%llu", p->pr_name, l, (unsigned long long)p->pr_received[l],
	    (unsigned long long)p->pr_backlog_records[l],
	    (unsigned long long)(clock_mono_ms() - p->pr_backlog_ms[l]));
	p->pr_backlog_ms[l] = 0;
}

void
repl_after_commit(struct node *n, int committed)
{
	if (!committed && n->n_intake != NULL) {
		/* Its batch is taken in again from the start. */
		struct peer	*p = n->n_intake->in_peer;

		intake_end(n);
		if (!p->pr_ack_due) {	/* else as those below */
			snprintf(p->pr_error, sizeof(p->pr_error),
			    "our store refused a batch");
			resend(n, p);
		}
	}
	for (size_t i = 0; i < n->n_npeers; i++) {
		struct peer	*p = n->n_peers[i];

		if (committed) {
			p->pr_records_in += p->pr_txn_in;
			p->pr_rejected += p->pr_txn_rejected;
		}
		p->pr_txn_in = p->pr_txn_rejected = 0;
		if (!p->pr_ack_due)
			continue;
		if (!committed) {
			/* Nothing of theirs is ours: they resend from here. */
			p->pr_ack_due = p->pr_ack_owed = 0;
			memcpy(p->pr_rx_upto, p->pr_received,
			    sizeof(p->pr_rx_upto));
			memcpy(p->pr_rx_epoch, p->pr_received_epoch,
			    sizeof(p->pr_rx_epoch));
			memset(p->pr_ack_credit, 0, sizeof(p->pr_ack_credit));
			snprintf(p->pr_error, sizeof(p->pr_error),
			    "our store refused a batch");
			resend(n, p);	/* from the older checkpoints */
			continue;
		}
		for (unsigned l = 0; l < WIRE_LANES; l++)
			if (p->pr_ack_due & (1u << l)) {
				p->pr_received[l] = p->pr_rx_upto[l];
				memcpy(p->pr_received_epoch[l],
				    p->pr_rx_epoch[l], WIRE_EPOCH_BYTES);
				p->pr_ack_owed |= 1u << l;
				backlog_done(p, l);
			}
		p->pr_ack_due = 0;
		repl_send_acks(n, p);
	}
}

