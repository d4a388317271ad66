/*
 * repl: the sync engine's sessions (repl.h): Hellos, first and
 * mid-session, and the checkpoints they carry. Batches in are intake.c's,
 * feeds and acks out feed.c's.
 *
 * Every record we hold is in our change log. Each link has a feed: the
 * log filtered by what belongs on that link. A session starts with a
 * Hello each way (names, certificate chains, store ids, checkpoints);
 * then each side streams Batch frames from the other's checkpoint on,
 * within the credit the receiver granted. The receiver verifies every
 * record, stores the batch and its new checkpoint in the node's one
 * write transaction, and acks only after that commit; custody passes
 * with the ack. A checkpoint names the store it refers to, so a peer
 * whose store was replaced starts again from zero instead of being
 * skipped, whether it says so in its first Hello or mid-session, and
 * the epoch of that store's log it was taken in, so a store restored
 * from a backup (its log wound back under the same id) is not skipped
 * either. A Hello that asks for our feed again restarts it, at most once
 * per REPL_RESTART_MS. Resent records are deduplicated by id.
 *
 * Invariants: pr_received is durable (committed with the records it
 * covers); pr_rx_upto >= pr_received and only differs until a commit
 * (but for a lane the peer restarted from 0); each checkpoint is a
 * position of the peer's log as it was in the epoch beside it;
 * pr_acked <= pr_sent <= n_head.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "peer.h"
#include "record.h"
#include "repl.h"
#include "repl_int.h"
#include "route.h"
#include "skew.h"
#include "trust.h"
#include "turn.h"
#include "xmem.h"

void
repl_save_state(store_txn_t *txn, struct peer *p)
{
	struct store_peer	sp = { .last_contact_ms = clock_wall_ms(),
	    .since_ms = p->pr_since_ms };

	memcpy(sp.instance, p->pr_instance, sizeof(sp.instance));
	memcpy(sp.acked, p->pr_acked, sizeof(sp.acked));
	memcpy(sp.received, p->pr_rx_upto, sizeof(sp.received));
	memcpy(sp.received_epoch, p->pr_rx_epoch, sizeof(sp.received_epoch));
	if (store_peer_put(txn, p->pr_name, &sp) != 0)
		log_warnx("event=peer_state_unsaved peer=%s", p->pr_name);
}

void
repl_send_hello(struct node *n, struct peer *p, int reply)
{
	Nodenet__Frame		 f = NODENET__FRAME__INIT;
	Nodenet__Hello		 h = NODENET__HELLO__INIT;
	ProtobufCBinaryData	*chain, epochs[WIRE_LANES];

	chain = xcalloc(n->n_chain.n + 1, sizeof(*chain));
	for (size_t i = 0; i < n->n_chain.n; i++) {
		chain[i].data = n->n_chain.certs[i];
		chain[i].len = n->n_chain.lens[i];
	}
	/* Oldest in the old field: nodes from before the range read it. */
	h.protocol_version = WIRE_PROTOCOL_MIN;
	h.max_protocol_version = WIRE_PROTOCOL_VERSION;
	h.name = n->n_conf->name;
	h.cert_chain = chain;
	h.n_cert_chain = n->n_chain.n;
	h.store_id.data = (uint8_t *)(uintptr_t)store_instance(n->n_store);
	h.store_id.len = STORE_INSTANCE_BYTES;
	if (!sodium_is_zero(p->pr_instance, sizeof(p->pr_instance))) {
		h.peer_store_id.data = p->pr_instance;
		h.peer_store_id.len = STORE_INSTANCE_BYTES;
	}
	/* Including batches not yet committed: if that commit fails, we
	 * ask again. */
	h.checkpoints = p->pr_rx_upto;
	h.n_checkpoints = WIRE_LANES;
	h.log_epoch.data = n->n_epoch;
	h.log_epoch.len = sizeof(n->n_epoch);
	for (int l = 0; l < WIRE_LANES; l++) {
		int	known = !sodium_is_zero(p->pr_rx_epoch[l],
		    WIRE_EPOCH_BYTES);

		epochs[l].data = known ? p->pr_rx_epoch[l] : NULL;
		epochs[l].len = known ? WIRE_EPOCH_BYTES : 0;
	}
	h.checkpoint_epochs = epochs;
	h.n_checkpoint_epochs = WIRE_LANES;
	h.credit = n->n_conf->credit;
	h.reply = reply;
	h.log_rewound = p->pr_tell_rewound;
	f.kind_case = NODENET__FRAME__KIND_HELLO;
	f.hello = &h;
	if (peer_send(n, p, &f) == 0) {
		p->pr_hello_sent = 1;
		p->pr_tell_rewound = 0;
		p->pr_hello_owed &= reply ? ~REPL_HELLO_REPLY : ~REPL_HELLO_ASK;
	} else
		p->pr_hello_owed |= reply ? REPL_HELLO_REPLY : REPL_HELLO_ASK;
	free(chain);
}

/* Loads what we kept of a peer's session: its store id and checkpoints. */
static void
load_peer_state(struct node *n, struct peer *p)
{
	struct store_peer	 sp;
	store_txn_t		*txn = NULL;

	memset(p->pr_instance, 0, sizeof(p->pr_instance));
	p->pr_since_ms = 0;
	memset(p->pr_received, 0, sizeof(p->pr_received));
	memset(p->pr_received_epoch, 0, sizeof(p->pr_received_epoch));
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) == 0 &&
	    store_peer_get(txn, p->pr_name, &sp) == 0) {
		memcpy(p->pr_instance, sp.instance, sizeof(p->pr_instance));
		memcpy(p->pr_received, sp.received, sizeof(p->pr_received));
		memcpy(p->pr_received_epoch, sp.received_epoch,
		    sizeof(p->pr_received_epoch));
		memcpy(p->pr_acked, sp.acked, sizeof(p->pr_acked));
		p->pr_since_ms = sp.since_ms;
	}
	store_txn_abort(&txn);
	memcpy(p->pr_rx_upto, p->pr_received, sizeof(p->pr_rx_upto));
	memcpy(p->pr_rx_epoch, p->pr_received_epoch, sizeof(p->pr_rx_epoch));
}

void
repl_connected(struct node *n, struct peer *p)
{
	load_peer_state(n, p);
	repl_send_hello(n, p, 0);
}

void
repl_resync(struct node *n, struct peer *p, int again)
{
	if (p->pr_resync && !again)
		return;
	p->pr_resync = 1;
	repl_send_hello(n, p, 0);
}

/* Stores the certificates of a verified chain, so they replicate. */
static void
keep_chain(struct node *n, store_txn_t *txn, const Nodenet__Hello *h)
{
	for (size_t i = 0; i < h->n_cert_chain; i++) {
		struct wire_record	wr;

		if (wire_record_open(h->cert_chain[i].data,
		    h->cert_chain[i].len, &wr) != 0)
			continue;
		(void)record_keep(n, txn, &wr);	/* a cert: never fails */
		wire_record_clear(&wr);
	}
}

/*
 * Why checkpoint cp of lane l, which p's Hello h holds of this store's
 * log, is not of our log as it is now (the store was restored from a
 * backup, or copied), or NULL if it is. A checkpoint without an epoch
 * (a peer from before epochs) is checked against our head alone.
 */
static const char *
checkpoint_stale(struct node *n, const Nodenet__Hello *h, int l,
    uint64_t cp)
{
	store_txn_t	*txn;
	uint64_t	 end;
	int		 rc;

	if (cp > n->n_head)
		return "past our log's head";
	if ((size_t)l >= h->n_checkpoint_epochs ||
	    h->checkpoint_epochs[l].len != WIRE_EPOCH_BYTES)
		return NULL;
	if ((txn = node_txn(n)) == NULL)
		return "our log's epochs are unreadable";
	rc = store_epoch_end(txn, h->checkpoint_epochs[l].data, &end);
	if (rc == STORE_NOTFOUND)
		return "of an epoch of our log this store never had";
	if (rc != 0)
		return "our log's epochs are unreadable";
	if (cp > end)
		return "past where that epoch of our log ended in this store";
	return NULL;
}

/*
 * 1 if h may speak for p; otherwise p's session ends (p may be freed),
 * counted in hello_bad. A first Hello must share a protocol version with
 * us, name the node we expect (a listener admits its children and its
 * accept list only: trust_may_link()) and prove, with a chain to our
 * root, an Ed25519 key whose X25519 form passed the handshake; that key
 * goes into *key. A later one must repeat the name and the very chain
 * the session began with: who a session speaks for does not change (a
 * renewed certificate takes a new session), and a digest compares in no
 * time where verifying the chain again would cost us signature checks
 * as often as the peer likes to say Hello.
 */
static int
hello_trusted(struct node *n, struct peer *p, const Nodenet__Hello *h,
    int first, const uint8_t chain[WIRE_CHAIN_HASH_BYTES],
    uint8_t key[KEY_PUBLIC_BYTES])
{
	char	why[STORE_MAX_PEER + 128] = "", cwhy[STORE_MAX_PEER + 128];

	if (!first) {
		if (strcmp(h->name, p->pr_name) != 0)
			snprintf(why, sizeof(why), "Hello names another node "
			    "mid-session");
		else if (memcmp(chain, p->pr_chain, sizeof(p->pr_chain)))
			snprintf(why, sizeof(why), "certificate chain changed "
			    "mid-session");
	} else if ((p->pr_version = wire_session_version(h->protocol_version,
	    h->max_protocol_version)) == 0) {
		/* The name is as yet unproven: it only helps find the node. */
		snprintf(why, sizeof(why), "no protocol version in common: "
		    "ours %u-%u, theirs %u-%u", WIRE_PROTOCOL_MIN,
		    WIRE_PROTOCOL_VERSION, h->protocol_version,
		    h->max_protocol_version != 0 ? h->max_protocol_version :
		    h->protocol_version);
		if (peer_may_log(n, p))
			log_warnx("event=version_refused name=%s reason=\"%s\"",
			    h->name, why);
	} else if ((p->pr_link != NULL &&
	    strcmp(h->name, p->pr_link->name) != 0) ||
	    strcmp(h->name, n->n_conf->name) == 0)
		snprintf(why, sizeof(why), "Hello names an unexpected node");
	else if (p->pr_link == NULL && !trust_may_link(n, h->name))
		/* It would have us route its subtree through it. */
		snprintf(why, sizeof(why), "%s may not link here: neither our "
		    "child nor in accept", h->name);
	else if (trust_hello(n, h->name, h->cert_chain, h->n_cert_chain,
	    p->pr_curve, p->pr_link != NULL ? p->pr_link->key : NULL,
	    key, cwhy, sizeof(cwhy)) != 0)
		snprintf(why, sizeof(why), "certificate chain refused: %.300s",
		    cwhy);
	if (why[0] == '\0')
		return 1;
	n->n_cnt.hello_bad++;
	peer_fail(n, p, why);
	return 0;
}

/*
 * A node below us has one session, the newest: p, whose first Hello
 * names it, replaces older ones, whose connections are closed. What
 * limits that node (when its feed last restarted, its log lines) stays
 * with it, or a new connection would be a way around the limits.
 */
static void
take_over(struct node *n, struct peer *p, const char *name)
{
	int	replaced = 0;

	if (p->pr_name == NULL)
		p->pr_name = xstrdup(name);
	for (size_t i = n->n_npeers; i-- > 0;) {
		struct peer	*q = n->n_peers[i];

		if (q == p || q->pr_link != NULL || q->pr_name == NULL ||
		    strcmp(q->pr_name, name) != 0)
			continue;
		replaced |= q->pr_state == PEER_UP;
		if (q->pr_restart_ms > p->pr_restart_ms)
			p->pr_restart_ms = q->pr_restart_ms;
		p->pr_loglim = q->pr_loglim;
		skew_inherit(p, q);
		peer_forget(n, q);
	}
	if (replaced && peer_may_log(n, p))
		log_info("event=session_replaced peer=%s", name);
	route_learn(n, name);
}

/*
 * What we hold of p's log counts only for the store we synced: a store
 * we have not met, in a first Hello or mid-session, is a replaced one,
 * and its log starts from 0 here, as the peer will send it. 1 if new.
 */
static int
meet_store(struct node *n, struct peer *p, const Nodenet__Hello *h)
{
	if (memcmp(p->pr_instance, h->store_id.data,
	    STORE_INSTANCE_BYTES) == 0)
		return 0;
	if (!sodium_is_zero(p->pr_instance, STORE_INSTANCE_BYTES) &&
	    peer_may_log(n, p))
		log_warnx("event=peer_store_replaced peer=%s action=resync",
		    h->name);
	memcpy(p->pr_instance, h->store_id.data, STORE_INSTANCE_BYTES);
	p->pr_since_ms = clock_wall_ms();
	memset(p->pr_received, 0, sizeof(p->pr_received));
	memset(p->pr_rx_upto, 0, sizeof(p->pr_rx_upto));
	memset(p->pr_received_epoch, 0, sizeof(p->pr_received_epoch));
	memset(p->pr_rx_epoch, 0, sizeof(p->pr_rx_epoch));
	return 1;
}

/*
 * The epoch of p's log its batches of this session are of, and whether
 * its log went back: then what it sent us before is not in its store any
 * more, and it gets it again like a replaced store (came_from()). 1 if
 * it went back.
 */
static int
take_epoch(struct node *n, struct peer *p, const Nodenet__Hello *h)
{
	if (h->log_epoch.len == WIRE_EPOCH_BYTES)
		memcpy(p->pr_epoch, h->log_epoch.data, WIRE_EPOCH_BYTES);
	else
		memset(p->pr_epoch, 0, WIRE_EPOCH_BYTES);
	if (!h->log_rewound)
		return 0;
	if (peer_may_log(n, p))
		log_warnx("event=peer_log_rewound peer=%s action=resend",
		    p->pr_name);
	p->pr_since_ms = clock_wall_ms();
	return 1;
}

/* The restart p asked for, now: its checkpoints, its (capped) credit. */
static void
restart_now(struct node *n, struct peer *p)
{
	store_txn_t	*txn;

	for (int l = 0; l < WIRE_LANES; l++)
		p->pr_sent[l] = p->pr_acked[l] = p->pr_scanned[l] =
		    p->pr_restart_cp[l];
	/* Lanes restarted below its checkpoint get a batch at once, empty
	 * if need be, whose after = 0 tells the peer so. */
	p->pr_restarted = p->pr_restart_stale;
	p->pr_more_sent = 0;
	p->pr_credit = p->pr_restart_credit;
	p->pr_ninflight = 0;
	p->pr_restart_due = 0;
	p->pr_restart_ms = clock_mono_ms();
	n->n_cnt.feed_restarts++;
	if ((txn = node_txn(n)) != NULL)
		repl_save_state(txn, p);
	if (p->pr_restart_reply) {
		p->pr_restart_reply = 0;
		repl_send_hello(n, p, 1);
	}
}

static void
restart_fire(loop_t *l, void *arg)
{
	struct peer	*p = arg;

	(void)l;
	p->pr_restart_timer = 0;
	if (p->pr_restart_due && p->pr_state == PEER_UP)
		restart_now(p->pr_node, p);
}

/*
 * Our log went back (a restored backup): the peer holds records of ours
 * we no longer have, and what we write now takes their positions. Our
 * next Hello to it says so, to have those back. Our origin sequence may
 * have gone back too, and a report with a sequence already seen is
 * dropped as old: move it past any a run of ours can have reached (the
 * clock in ms).
 */
static void
log_went_back(struct node *n, struct peer *p, const uint64_t claimed[],
    const char *why)
{
	store_txn_t	*txn;

	n->n_cnt.log_rewinds++;
	p->pr_tell_rewound = 1;
	log_warnx("event=log_rewound peer=%s their_checkpoints=%llu/%llu/%llu"
	    " reason=\"%s\" action=resend", p->pr_name,
	    (unsigned long long)claimed[0], (unsigned long long)claimed[1],
	    (unsigned long long)claimed[2], why);
	if ((txn = node_txn(n)) == NULL ||
	    store_origin_seq_raise(txn, clock_wall_ms()) != 0)
		log_warnx("event=origin_seq_unraised");
}

/*
 * Restarts our feed to p from the checkpoints in its Hello, and answers
 * it once restarted if reply. They count only if they are of this store
 * and of our log as it is now (epoch, head); otherwise we start from 0
 * and the peer deduplicates. The credit it grants is capped at our own:
 * it is what we will queue for it unacked, and its 65,536 is no reason
 * to.
 *
 * A restart resends everything past those checkpoints, and a Hello costs
 * the peer a hundred bytes: at most one restart per REPL_RESTART_MS.
 * One asked sooner is not dropped (an honest resync must happen) but
 * deferred to its turn, sending nothing meanwhile; a Hello arriving while
 * one waits replaces it. Either way it counts in hello_throttled.
 */
static void
restart_feed(struct node *n, struct peer *p, const Nodenet__Hello *h,
    int reply)
{
	const char	*why = NULL;
	uint64_t	 now = clock_mono_ms(), claimed[WIRE_LANES];
	int		 ours = h->peer_store_id.len == STORE_INSTANCE_BYTES &&
	    memcmp(h->peer_store_id.data, store_instance(n->n_store),
	    STORE_INSTANCE_BYTES) == 0;

	p->pr_restart_stale = 0;
	for (int l = 0; l < WIRE_LANES; l++) {
		uint64_t	 cp = ours && (size_t)l < h->n_checkpoints ?
		    h->checkpoints[l] : 0;
		const char	*stale = cp > 0 ?
		    checkpoint_stale(n, h, l, cp) : NULL;

		claimed[l] = cp;
		if (stale != NULL) {
			why = why != NULL ? why : stale;
			p->pr_restart_stale |= 1u << l;
			cp = 0;
		}
		p->pr_restart_cp[l] = cp;
	}
	if (why != NULL)
		log_went_back(n, p, claimed, why);
	p->pr_restart_credit = h->credit < n->n_conf->credit ? h->credit :
	    n->n_conf->credit;
	p->pr_restart_reply |= reply;
	if (p->pr_restart_due) {
		n->n_cnt.hello_throttled++;
		return;
	}
	p->pr_restart_due = 1;
	if (p->pr_restart_ms != 0 && now - p->pr_restart_ms < REPL_RESTART_MS) {
		n->n_cnt.hello_throttled++;
		p->pr_restart_timer = loop_timer(n->n_loop, p->pr_restart_ms +
		    REPL_RESTART_MS - now, restart_fire, p);
		return;
	}
	restart_now(n, p);
}

/*
 * A Hello: the first of a session, or one mid-session (contract: proto/
 * README.md, Links) that asks for our feed again (reply unset), answers
 * our ask (set), or says that the peer's store was replaced or its log
 * went back. Both take the same path: checked, the peer's store met, our
 * feed restarted.
 */
void
repl_hello(struct node *n, struct peer *p, const Nodenet__Hello *h)
{
	uint8_t		 chain[WIRE_CHAIN_HASH_BYTES];
	uint8_t		 key[KEY_PUBLIC_BYTES];
	store_txn_t	*txn;
	uint64_t	 now = clock_wall_ms();
	int		 first = p->pr_state != PEER_UP, met, rc;

	wire_hello_chain_hash(h, chain);
	if (!hello_trusted(n, p, h, first, chain, key))
		return;
	if ((txn = node_txn(n)) == NULL) {
		peer_fail(n, p, "store unavailable");
		return;
	}
	if (first) {
		keep_chain(n, txn, h);
		/* What lasts: a chain held here, asked again when its first
		 * window ends and at every revocation (peer.c). */
		if ((rc = trust_check(n, txn, h->name, key, now,
		    &p->pr_trust_until)) != 0) {
			char	why[sizeof(p->pr_error)], cwhy[200];

			n->n_cnt.hello_bad++;
			snprintf(why, sizeof(why), "certificate chain refused: "
			    "%s", trust_why(n, txn, h->name, key, now, rc, cwhy,
			    sizeof(cwhy)));
			peer_fail(n, p, why);
			return;
		}
		memcpy(p->pr_key, key, KEY_PUBLIC_BYTES);
		if (p->pr_link == NULL) {
			take_over(n, p, h->name);
			load_peer_state(n, p);
		}
		memcpy(p->pr_chain, chain, sizeof(p->pr_chain));
		p->pr_resync = 0;   /* what comes after this Hello is current */
		p->pr_ack_due = p->pr_ack_owed = 0;
		memset(p->pr_ack_credit, 0, sizeof(p->pr_ack_credit));
	} else if (h->reply)
		p->pr_resync = 0;	/* it answers our ask */
	met = meet_store(n, p, h);
	met |= take_epoch(n, p, h);
	if (first || !h->reply)
		restart_feed(n, p, h, !first);
	if (first || met)
		repl_save_state(txn, p);
	if (!first)
		return;
	log_info("event=link_up peer=%s version=%u"
	    " their_checkpoints=%llu/%llu/%llu"
	    " our_checkpoints=%llu/%llu/%llu", h->name, p->pr_version,
	    (unsigned long long)p->pr_restart_cp[0],
	    (unsigned long long)p->pr_restart_cp[1],
	    (unsigned long long)p->pr_restart_cp[2],
	    (unsigned long long)p->pr_received[0],
	    (unsigned long long)p->pr_received[1],
	    (unsigned long long)p->pr_received[2]);
	p->pr_state = PEER_UP;
	p->pr_error[0] = '\0';
	p->pr_backoff_ms = 0;
	if (p->pr_hello_timer != 0) {
		loop_timer_cancel(n->n_loop, p->pr_hello_timer);
		p->pr_hello_timer = 0;
	}
	/* At once, even if our feed waits for its turn: the session is up. */
	if (!h->reply)
		repl_send_hello(n, p, 1);
	else if (p->pr_tell_rewound)
		repl_resync(n, p, 1);	/* its feed to us began: begin it again */
}

