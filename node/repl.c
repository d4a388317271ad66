/*
 * repl: the sync engine, one for mail and documents (DESIGN.md section 6).
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

#include "doc.h"
#include "esc.h"
#include "log.h"
#include "mail.h"
#include "name.h"
#include "node.h"
#include "route.h"
#include "status.h"
#include "trust.h"
#include "verify.h"
#include "xmem.h"

#define SCAN_MAX	4096		/* lane entries read per batch */
#define LANE_URGENT	0
#define LANE_NORMAL	1
#define LANE_BULK	2
#define BATCH_BYTES	(WIRE_MAX_FRAME / 2)

int
node_curve(struct node *n, const uint8_t ed[KEY_PUBLIC_BYTES],
    uint8_t curve[32])
{
	struct curve_memo	*m = &n->n_curve[ed[0] ^ ed[31]];

	if (!m->valid || memcmp(m->ed, ed, KEY_PUBLIC_BYTES) != 0) {
		if (key_curve_public(ed, m->curve) != 0) {
			m->valid = 0;
			return -1;
		}
		memcpy(m->ed, ed, KEY_PUBLIC_BYTES);
		m->valid = 1;
	}
	memcpy(curve, m->curve, 32);
	return 0;
}

/*
 * Whether a verified record may be stored here at all: documents and
 * ACLs must obey their database's rules (doc.c). 0 to store it, 1 to drop
 * it quietly, -1 refused (why says why).
 */
static int
admit(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    char *why, size_t whylen)
{
	switch (doc_admit(txn, wr, n->n_conf->root_name, n->n_conf->root_key,
	    why, whylen)) {
	case DOC_ACCEPT:
		return 0;
	case DOC_DROP:
		return 1;
	default:
		return -1;
	}
}

/* What a record new to this store sets in motion here; -1 if the store
 * failed (the transaction must be given up). */
static int
apply(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	int	rc;

	switch (wr->rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_CERT:
	case NODENET__RECORD_BODY__KIND_REVOCATION:
		rc = trust_apply(n, txn, wr);
		/* A child we certify is reachable through itself. */
		if (wr->rb->kind_case == NODENET__RECORD_BODY__KIND_CERT &&
		    name_is_child(wr->rb->cert->subject, n->n_conf->name) &&
		    wr->rb->cert->subject_key.len == KEY_PUBLIC_BYTES &&
		    trust_check(n, txn, wr->rb->cert->subject,
		    wr->rb->cert->subject_key.data, node_wall_ms(), NULL) == 0)
			route_learn(n, wr->rb->cert->subject);
		if (rc == 1)
			peer_recheck(n);	/* cut it off now */
		break;
	case NODENET__RECORD_BODY__KIND_MAIL:
	case NODENET__RECORD_BODY__KIND_REPORT:
		mail_accept(n, txn, wr);
		break;
	case NODENET__RECORD_BODY__KIND_STATUS:
		if ((rc = status_apply(txn, wr)) != 0) {
			log_warnx("event=store_refused reason=\"%s\"",
			    store_strerror(rc));
			return -1;
		}
		break;
	case NODENET__RECORD_BODY__KIND_ACL:
	case NODENET__RECORD_BODY__KIND_DOC:
	case NODENET__RECORD_BODY__KIND_CHUNK:
		if ((rc = doc_apply(txn, wr, n->n_conf->root_name,
		    n->n_conf->root_key)) != 0) {
			log_warnx("event=store_refused reason=\"%s\"",
			    store_strerror(rc));
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

void
node_custody(store_txn_t *txn, const uint8_t *id, int event, const char *who)
{
	struct store_custody	ev = { .time_ms = node_wall_ms(),
	    .event = event };

	snprintf(ev.peer, sizeof(ev.peer), "%s", who);
	if (store_custody_add(txn, id, &ev) != 0)
		log_warnx("event=custody_unrecorded");
}

/*
 * The feed lane a record travels in: trust and ACL changes and urgent
 * mail first (a database's ACL before its documents),
 * bulk (large, low-priority traffic: attachment chunks, status reports)
 * last.
 */
static unsigned
lane_of(const Nodenet__RecordBody *rb)
{
	switch (rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_CERT:
	case NODENET__RECORD_BODY__KIND_REVOCATION:
	case NODENET__RECORD_BODY__KIND_ACL:
		return LANE_URGENT;
	case NODENET__RECORD_BODY__KIND_MAIL:
		if (rb->mail->priority == NODENET__PRIORITY__PRIORITY_URGENT)
			return LANE_URGENT;
		if (rb->mail->priority == NODENET__PRIORITY__PRIORITY_BULK)
			return LANE_BULK;
		return LANE_NORMAL;
	case NODENET__RECORD_BODY__KIND_STATUS:
	case NODENET__RECORD_BODY__KIND_CHUNK:
		return LANE_BULK;
	default:
		return LANE_NORMAL;
	}
}

/* Stores an opened record; 1 if new, 0 if held, -1 on a store error. */
static int
store_record(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	struct store_record	rec;
	int			rc;

	memcpy(rec.id, wr->id, sizeof(rec.id));
	rec.body = wr->body;
	rec.body_len = wr->body_len;
	memcpy(rec.sig, wr->sig, sizeof(rec.sig));
	rec.lane = lane_of(wr->rb);
	rc = store_put(txn, &rec);
	if (rc == STORE_HELD) {
		n->n_cnt.records_dup++;
		return 0;
	}
	if (rc != 0) {
		log_warnx("event=store_refused reason=\"%s\"",
		    store_strerror(rc));
		return -1;
	}
	n->n_cnt.records_new++;
	return 1;
}

int
node_write_signed(struct node *n, store_txn_t *txn, const uint8_t *buf,
    size_t len, uint8_t id[WIRE_ID_BYTES])
{
	struct wire_record	wr;
	int			rc;

	if ((rc = wire_record_open(buf, len, &wr)) != 0) {
		log_warnx("event=write_failed reason=\"%s\"",
		    wire_strerror(rc));
		return -1;
	}
	memcpy(id, wr.id, WIRE_ID_BYTES);
	n->n_write_error[0] = '\0';
	if (admit(n, txn, &wr, n->n_write_error, sizeof(n->n_write_error)) != 0) {
		wire_record_clear(&wr);
		return -1;
	}
	rc = store_record(n, txn, &wr);
	if (rc == 1) {
		node_custody(txn, wr.id, STORE_CUSTODY_SUBMITTED, n->n_conf->name);
		if (apply(n, txn, &wr) != 0) {
			/* Half applied: give up the whole transaction. */
			node_abort(n);
			rc = -1;
		}
	}
	if (rc != 1 && n->n_write_error[0] == '\0')
		snprintf(n->n_write_error, sizeof(n->n_write_error),
		    rc == 0 ? "already held" : "the store refused it");
	wire_record_clear(&wr);
	return rc == 1 ? 0 : -1;
}

int
node_write(struct node *n, store_txn_t *txn, Nodenet__RecordBody *rb,
    uint8_t id[WIRE_ID_BYTES])
{
	uint8_t	*buf = NULL;
	size_t	 len;
	int	 rc;

	rb->origin = n->n_conf->name;
	rb->created_ms = node_wall_ms();
	if ((rc = store_origin_seq_next(txn, &rb->origin_seq)) != 0) {
		log_warnx("event=write_failed reason=\"%s\"",
		    store_strerror(rc));
		return -1;
	}
	if ((rc = wire_record_make(n->n_key, rb, &buf, &len, id)) != 0) {
		log_warnx("event=write_failed reason=\"%s\"",
		    wire_strerror(rc));
		return -1;
	}
	rc = node_write_signed(n, txn, buf, len, id);
	free(buf);
	return rc;
}

static void
save_peer_state(store_txn_t *txn, struct peer *p)
{
	struct store_peer	sp = { .last_contact_ms = node_wall_ms(),
	    .since_ms = p->pr_since_ms };

	memcpy(sp.instance, p->pr_instance, sizeof(sp.instance));
	memcpy(sp.acked, p->pr_acked, sizeof(sp.acked));
	memcpy(sp.received, p->pr_rx_upto, sizeof(sp.received));
	memcpy(sp.received_epoch, p->pr_rx_epoch, sizeof(sp.received_epoch));
	if (store_peer_put(txn, p->pr_name, &sp) != 0)
		log_warnx("event=peer_state_unsaved peer=%s", p->pr_name);
}

/*
 * Says Hello to p: reply set answers its ask; unset asks for its feed
 * again from our checkpoints. One that cannot go now (its pipe is full)
 * is owed, and goes before anything else when it can (repl_pump()).
 */
static void
send_hello(struct node *n, struct peer *p, int reply)
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
	send_hello(n, p, 0);
}

/*
 * Asks the peer to restart its feed to us from our checkpoints; its
 * batches already on the way are dropped until its reply comes.
 */
static void
resync(struct node *n, struct peer *p, int again)
{
	if (p->pr_resync && !again)
		return;
	p->pr_resync = 1;
	send_hello(n, p, 0);
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
		if (store_record(n, txn, &wr) == 1)
			(void)apply(n, txn, &wr);	/* a cert: never fails */
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
	char	why[STORE_MAX_PEER + 128] = "";
	int	rc;

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
	else if ((rc = trust_hello(n, h->name, h->cert_chain, h->n_cert_chain,
	    p->pr_curve, p->pr_link != NULL ? p->pr_link->key : NULL,
	    key)) != 0)
		snprintf(why, sizeof(why), "certificate chain refused: %s",
		    cert_strerror(rc));
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
	p->pr_since_ms = node_wall_ms();
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
	p->pr_since_ms = node_wall_ms();
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
	p->pr_credit = p->pr_restart_credit;
	p->pr_ninflight = 0;
	p->pr_restart_due = 0;
	p->pr_restart_ms = loop_now_ms();
	n->n_cnt.feed_restarts++;
	if ((txn = node_txn(n)) != NULL)
		save_peer_state(txn, p);
	if (p->pr_restart_reply) {
		p->pr_restart_reply = 0;
		send_hello(n, p, 1);
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
	    store_origin_seq_raise(txn, node_wall_ms()) != 0)
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
	uint64_t	 now = loop_now_ms(), claimed[WIRE_LANES];
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
		if ((rc = trust_check(n, txn, h->name, key, node_wall_ms(),
		    &p->pr_trust_until)) != 0) {
			char	why[128];

			n->n_cnt.hello_bad++;
			snprintf(why, sizeof(why), "certificate chain refused: "
			    "%s", cert_strerror(rc));
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
		save_peer_state(txn, p);
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
		send_hello(n, p, 1);
	else if (p->pr_tell_rewound)
		resync(n, p, 1);	/* its feed to us began: begin it again */
}

/*
 * A record of p's batch at seq refused for good (the batch's ack covers
 * it): counted, kept as p's last error, logged within p's budget. why
 * may quote the peer: it is logged through esc().
 */
static void
refused(struct node *n, struct peer *p, uint64_t seq, const char *origin,
    const char *why)
{
	char	shown[ESC_SIZE(160)];

	n->n_cnt.records_bad++;
	p->pr_rejected++;
	snprintf(p->pr_error, sizeof(p->pr_error), "record refused: %.140s",
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
 * served the control socket and its timers. No frame
 * is read meanwhile, from any peer, so frames keep their order and one
 * batch at most is open. The batch is acked only once its last record is
 * stored; records of slices committed before a crash or a reset come
 * again and are found held.
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
repl_intake_busy(const struct node *n)
{
	return n->n_intake != NULL;
}

void
repl_intake_drop(struct node *n, struct peer *p)
{
	if (n->n_intake != NULL && n->n_intake->in_peer == p)
		intake_end(n);
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
	char			 why[160];

	n->n_cnt.records_in++;
	n->n_txn_records++;
	p->pr_records_in++;
	if (rc != 0)
		snprintf(why, sizeof(why), "%s", wire_strerror(rc));
	else if ((rc = trust_check(n, txn, wr->rb->origin,
	    wr->rb->origin_key.data, node_wall_ms(), NULL)) != 0)
		snprintf(why, sizeof(why), "origin not certified: %s",
		    cert_strerror(rc));
	if (rc != 0) {
		refused(n, p, seq, in->in_rcs[i] != 0 ? "-" : wr->rb->origin,
		    why);
		return 0;	/* refused for good: the ack covers it */
	}
	if ((rc = admit(n, txn, wr, why, sizeof(why))) != 0) {
		if (rc == 1) {
			n->n_cnt.records_dup++;	/* of a purged doc */
			return 0;
		}
		n->n_cnt.records_refused++;
		refused(n, p, seq, wr->rb->origin, why);
		return 0;	/* refused for good: the ack covers it */
	}
	if ((rc = store_record(n, txn, wr)) == 1) {
		node_custody(txn, wr->id, STORE_CUSTODY_RECEIVED, p->pr_name);
		if (apply(n, txn, wr) != 0)
			rc = -1;
	}
	if (rc == -1) {
		/* Full: refuse the whole transaction; peers keep their
		 * copies, and this one resends its batch. */
		node_abort(n);
		return -1;
	}
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
	    "records=%zu", p->pr_name, lane, (unsigned long long)b->after,
	    (unsigned long long)b->upto, b->n_items);
	save_peer_state(txn, p);
	p->pr_ack_credit[lane] += b->n_items > 0 ? (uint32_t)b->n_items : 1;
	p->pr_ack_due |= 1u << lane;
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
		resync(n, p, 1);
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
		resync(n, p, 0);
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

/* Acks of committed batches that are not sent yet, until one fails. */
static void
send_acks(struct node *n, struct peer *p)
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

void
repl_after_commit(struct node *n, int committed)
{
	/* ACLs read in the write transaction may be gone (aborted),
	 * those read before it stale (committed): read them again. The
	 * same for trust's answers. */
	doc_acl_forget();
	trust_forget(n);
	if (!committed && n->n_intake != NULL) {
		/* Its batch is taken in again from the start. */
		struct peer	*p = n->n_intake->in_peer;

		intake_end(n);
		if (!p->pr_ack_due) {	/* else as those below */
			snprintf(p->pr_error, sizeof(p->pr_error),
			    "our store refused a batch");
			resync(n, p, 1);
		}
	}
	for (size_t i = 0; i < n->n_npeers; i++) {
		struct peer	*p = n->n_peers[i];

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
			resync(n, p, 1);	/* from the older checkpoints */
			continue;
		}
		for (unsigned l = 0; l < WIRE_LANES; l++)
			if (p->pr_ack_due & (1u << l)) {
				p->pr_received[l] = p->pr_rx_upto[l];
				memcpy(p->pr_received_epoch[l],
				    p->pr_rx_epoch[l], WIRE_EPOCH_BYTES);
				p->pr_ack_owed |= 1u << l;
			}
		p->pr_ack_due = 0;
		send_acks(n, p);
	}
}

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
			node_custody(txn, f->id, STORE_CUSTODY_SENT, p->pr_name);
		else
			p->pr_inflight[keep++] = *f;
	}
	p->pr_ninflight = keep;
	save_peer_state(txn, p);
}

/* Does this record belong on the link to p? */
static int
feed_wants(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb)
{
	const char	*node, *via;
	uint32_t	 v = wire_kind_version(rb->kind_case);

	/* A kind newer than the session: p could neither use nor pass it
	 * on. The batch covers it like any record not for p. (No session,
	 * no version: node-ctl queue counts it as owed.) */
	if (v == 0 || (p->pr_version != 0 && v > p->pr_version))
		return 0;
	/* What p gave us is not sent back (came_from()); what p wrote and
	 * we got another way is, once: a replaced store needs it. */
	switch (rb->kind_case) {
	case NODENET__RECORD_BODY__KIND_CERT:
	case NODENET__RECORD_BODY__KIND_REVOCATION:
		return 1;	/* trust replicates everywhere */
	case NODENET__RECORD_BODY__KIND_MAIL:
		for (size_t i = 0; i < rb->mail->n_to; i++)
			if (mail_address(rb->mail->to[i], &node) &&
			    route_next(n, node, &via) == ROUTE_PEER &&
			    strcmp(via, p->pr_name) == 0)
				return 1;
		return 0;
	case NODENET__RECORD_BODY__KIND_REPORT:
		return mail_address(rb->report->to, &node) &&
		    route_next(n, node, &via) == ROUTE_PEER &&
		    strcmp(via, p->pr_name) == 0;
	case NODENET__RECORD_BODY__KIND_STATUS:
		return p->pr_link != NULL && p->pr_link->parent;
	case NODENET__RECORD_BODY__KIND_ACL:
	case NODENET__RECORD_BODY__KIND_DOC:
	case NODENET__RECORD_BODY__KIND_CHUNK:
		return doc_feed_wants(txn, n->n_conf->name, p->pr_name, rb);
	default:
		return 0;
	}
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

/* Appends record (seq, id) to the batch if it belongs on p's link. */
static void
feed_one(struct node *n, struct peer *p, store_txn_t *txn, unsigned lane,
    uint64_t seq, const uint8_t *id, Nodenet__Batch *b,
    Nodenet__Transfer *t, size_t *bytes)
{
	Nodenet__SignedRecord	 sr = NODENET__SIGNED_RECORD__INIT;
	Nodenet__RecordBody	*rb;
	struct store_record	 rec;
	int			 want, rc;

	/* Never back to the link it came over (and no need to decode). */
	if (came_from(txn, p, id))
		return;
	if ((rc = store_get(txn, id, &rec)) != 0) {
		if (rc != STORE_NOTFOUND)	/* not purged: broken */
			log_warnx("event=record_unreadable seq=%llu "
			    "reason=\"%s\"", (unsigned long long)seq,
			    store_strerror(rc));
		return;
	}
	/* Stored records were verified on the way in: decode only. */
	if ((rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return;
	want = feed_wants(n, p, txn, rb);
	if (want && mail_expired(rb, node_wall_ms())) {
		/* Not sent on: its sender hears why. */
		store_txn_t	*wtxn = node_txn(n);

		if (wtxn != NULL)
			mail_expire(n, wtxn, id, rb, p->pr_name);
	} else if (want) {
		sr.body.data = (uint8_t *)(uintptr_t)rec.body;
		sr.body.len = rec.body_len;
		sr.signature.data = rec.sig;
		sr.signature.len = sizeof(rec.sig);
		nodenet__transfer__init(t);
		t->seq = seq;
		t->record.len = nodenet__signed_record__get_packed_size(&sr);
		t->record.data = xmalloc(t->record.len);
		nodenet__signed_record__pack(&sr, t->record.data);
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
		if (feed_wants(n, p, txn, rb) && !mail_expired(rb, node_wall_ms())) {
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
	int			  sent = 0, late = 0;

	if (p->pr_scanned[lane] >= n->n_head && !restarted)
		return 0;
	max = n->n_conf->batch_max < p->pr_credit ? n->n_conf->batch_max :
	    p->pr_credit;
	if (store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
		return -1;
	items = xcalloc(max, sizeof(*items));
	b.items = xcalloc(max, sizeof(*b.items));
	while (b.n_items < max && scanned < SCAN_MAX && bytes < BATCH_BYTES &&
	    !(late = loop_now_ms() >= deadline) &&
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
	if (b.n_items == 0 && scanned < SCAN_MAX && !restarted) {
		/* Caught up, nothing for p: remember how far we read. The
		 * next batch covers this stretch. */
		p->pr_scanned[lane] = n->n_head;
		goto out;
	}
	b.after = p->pr_sent[lane];
	b.upto = b.n_items == max || bytes >= BATCH_BYTES ||
	    scanned == SCAN_MAX || late ? seq : n->n_head;
	b.lane = lane;
	f.kind_case = NODENET__FRAME__KIND_BATCH;
	f.batch = &b;
	if (peer_send(n, p, &f) == 0) {
		log_debug("event=batch_out peer=%s lane=%u after=%llu upto=%llu"
		    " records=%zu", p->pr_name, lane,
		    (unsigned long long)b.after, (unsigned long long)b.upto,
		    b.n_items);
		p->pr_sent[lane] = p->pr_scanned[lane] = b.upto;
		p->pr_restarted &= ~restarted;
		p->pr_credit -= b.n_items > 0 ? (uint32_t)b.n_items : 1;
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
		send_hello(n, p, 1);
	if ((p->pr_hello_owed & REPL_HELLO_ASK) && !p->pr_blocked)
		send_hello(n, p, 0);
	if (p->pr_ack_owed && !p->pr_blocked)
		send_acks(n, p);
	/* Highest lane with something to send first, while credit lasts;
	 * nothing while a restart waits for its turn. */
	while (p->pr_state == PEER_UP && p->pr_credit > 0 &&
	    !p->pr_restart_due && p->pr_hello_owed == 0 && !p->pr_blocked) {
		int	rc = 0;

		if (loop_now_ms() >= deadline)
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
	n->n_pump_timer = 0;	/* the turn's end pumps (node_turn_end()) */
}

void
repl_pump(struct node *n)
{
	uint64_t	deadline = loop_now_ms() + NODE_TURN_MS;
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
