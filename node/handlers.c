/*
 * handlers: the daemon's wiring (handlers.h). The frames a session
 * carries go to the sync engine and to trace; each kind of record to the
 * module that owns it.
 */
#include "clock.h"
#include <string.h>

#include "doc.h"
#include "doc_seal.h"
#include "handlers.h"
#include "log.h"
#include "mail.h"
#include "name.h"
#include "node.h"
#include "peer.h"
#include "record.h"
#include "repair.h"
#include "repl.h"
#include "route.h"
#include "scrub.h"
#include "status.h"
#include "trace.h"
#include "trust.h"
#include "turn.h"

static int
on_hello(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	repl_hello(n, p, f->hello);
	return 0;
}

static int
on_batch(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	repl_batch(n, p, f);
	return 1;		/* it keeps f */
}

static int
on_ack(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	repl_ack(n, p, f->ack);
	return 0;
}

static int
on_trace_query(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	trace_query(n, p, f->trace_query);
	return 0;
}

static int
on_trace_answer(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	trace_answer(n, p, f->trace_answer);
	return 0;
}

static int
on_want(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	repair_want(n, p, f->want);
	return 0;
}

static int
on_found(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	repair_found(n, p, f->found);
	return 0;
}

static const struct peer_proto proto = {
	.frame = {
		[NODENET__FRAME__KIND_HELLO] = on_hello,
		[NODENET__FRAME__KIND_BATCH] = on_batch,
		[NODENET__FRAME__KIND_ACK] = on_ack,
		[NODENET__FRAME__KIND_TRACE_QUERY] = on_trace_query,
		[NODENET__FRAME__KIND_TRACE_ANSWER] = on_trace_answer,
		[NODENET__FRAME__KIND_WANT] = on_want,
		[NODENET__FRAME__KIND_FOUND] = on_found,
	},
	.connected = repl_connected,
	.ended = repl_intake_drop,
	.waits = repl_frame_waits,
};

static int
cert_apply(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	int	rc = trust_apply(n, txn, wr);

	/* A child we certify is reachable through itself. */
	if (wr->rb->kind_case == NODENET__RECORD_BODY__KIND_CERT &&
	    name_is_child(wr->rb->cert->subject, n->n_conf->name) &&
	    wr->rb->cert->subject_key.len == KEY_PUBLIC_BYTES &&
	    trust_check(n, txn, wr->rb->cert->subject,
	    wr->rb->cert->subject_key.data, clock_wall_ms(), NULL) == 0)
		route_learn(n, wr->rb->cert->subject);
	if (rc == 1)
		peer_recheck(n);	/* cut it off now */
	return 0;
}

/*
 * A mail may address only subtrees its origin heads, and one that does
 * comes only from above (mail.h).
 */
static int
mail_admit(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    const char *from, char *why, size_t whylen)
{
	(void)txn;
	return mail_subtree_check(n, wr->rb->origin, wr->rb->mail->to,
	    wr->rb->mail->n_to, from, why, whylen);
}

static int
mail_apply(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	mail_accept(n, txn, wr);
	return 0;
}

static int
applied(int rc)
{
	if (rc == 0)
		return 0;
	log_warnx("event=store_refused reason=\"%s\"", store_strerror(rc));
	return -1;
}

static int
status_kind_apply(struct node *n, store_txn_t *txn,
    const struct wire_record *wr)
{
	(void)n;
	return applied(status_apply(txn, wr));
}

/* Documents and ACLs must obey their database's rules (doc.c). */
static int
doc_kind_admit(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    const char *from, char *why, size_t whylen)
{
	(void)from;
	switch (doc_admit(txn, wr, n->n_conf->root_name, n->n_conf->root_key,
	    why, whylen)) {
	case DOC_ACCEPT:
		/* Sealed for us: its content is ours to check. */
		return doc_seal_check(n, txn, wr, why, whylen);
	case DOC_DROP:
		return 1;
	default:
		return -1;
	}
}

static int
doc_kind_apply(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	return applied(doc_apply(txn, wr, n->n_conf->root_name,
	    n->n_conf->root_key));
}

/*
 * The lanes: trust and ACL changes and urgent mail first (a database's
 * ACL before its documents), bulk (large, low-priority traffic:
 * attachment chunks, status reports) last.
 */
static unsigned
urgent(const Nodenet__RecordBody *rb)
{
	(void)rb;
	return WIRE_LANE_URGENT;
}

static unsigned
bulk(const Nodenet__RecordBody *rb)
{
	(void)rb;
	return WIRE_LANE_BULK;
}

static unsigned
mail_lane(const Nodenet__RecordBody *rb)
{
	if (rb->mail->priority == NODENET__PRIORITY__PRIORITY_URGENT)
		return WIRE_LANE_URGENT;
	if (rb->mail->priority == NODENET__PRIORITY__PRIORITY_BULK)
		return WIRE_LANE_BULK;
	return WIRE_LANE_NORMAL;
}

/* Which links a record goes on. Trust replicates everywhere. */
static int
everywhere(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb)
{
	(void)n;
	(void)p;
	(void)txn;
	(void)rb;
	return 1;
}

/*
 * Mail goes toward the nodes of its recipients (down into the subtree
 * of a subtree address); a report toward its one mailbox address.
 */
static int
mail_wants(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb)
{
	(void)txn;
	for (size_t i = 0; i < rb->mail->n_to; i++)
		if (route_addr_via(n, rb->mail->to[i], p->pr_name))
			return 1;
	return 0;
}

static int
report_wants(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb)
{
	(void)txn;
	return route_mailbox_via(n, rb->report->to, p->pr_name);
}

/* Status reports go up to the parent. */
static int
status_wants(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb)
{
	(void)n;
	(void)txn;
	(void)rb;
	return p->pr_link != NULL && p->pr_link->parent;
}

/* A database's records go to the peers that replicate it. */
static int
doc_wants(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__RecordBody *rb)
{
	return doc_feed_wants(txn, n->n_conf->name, p->pr_name,
	    n->n_conf->root_name, rb);
}

#define K(kind)	[NODENET__RECORD_BODY__KIND_ ## kind]
static const struct record_kind kinds[RECORD_KINDS] = {
	K(CERT) = { NULL, cert_apply, urgent, everywhere },
	K(REVOCATION) = { NULL, cert_apply, urgent, everywhere },
	K(MAIL) = { mail_admit, mail_apply, mail_lane, mail_wants },
	K(REPORT) = { NULL, mail_apply, NULL, report_wants },
	K(STATUS) = { NULL, status_kind_apply, bulk, status_wants },
	K(ACL) = { doc_kind_admit, doc_kind_apply, urgent, doc_wants },
	K(DOC) = { doc_kind_admit, doc_kind_apply, NULL, doc_wants },
	K(CHUNK) = { doc_kind_admit, doc_kind_apply, bulk, doc_wants },
};
#undef K

void
handlers_install(struct node *n)
{
	n->n_proto = &proto;
	n->n_kinds = kinds;
	n->n_after_commit = repl_after_commit;
}

void
handlers_turn_end(struct node *n, int idle)
{
	scrub_turn(n);
	repair_turn(n);
	node_turn_commit(n, idle, repl_acks_held(n));
	repl_retry(n);
	repl_pump(n);
}
