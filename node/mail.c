/*
 * mail: submission, once-only local delivery, and reports.
 *
 * Delivery happens in the transaction that stores the record, and the
 * store's mailbox index refuses a second delivery of the same record to
 * the same mailbox, so a message is delivered exactly once however often
 * it arrives. Recipients that cannot be served (unknown node or mailbox,
 * expired) get a signed failure report addressed to the sender, one per
 * reason listing them all; a sender that asked for one gets a delivery
 * receipt. The sender is a mailbox at the mail's origin (wire.c checks
 * it), so reports go to the office that sent the mail and nowhere else.
 * Reports are records like any other: they route back hop by hop, and
 * are never themselves reported on (no report storms).
 *
 * A subtree address ("vanthu@*.bacquang.hagiang", name.h) is delivered
 * at each node of its subtree that has the mailbox, and only by what
 * that node does itself: the record names no other node, so no office
 * learns another's address from it. A node without the mailbox is no
 * recipient (no report); a node's receipt or failure names its own
 * address, so a sender learns which offices it reached.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mail.h"
#include "mail_seal.h"
#include "name.h"
#include "node.h"
#include "record.h"
#include "route.h"
#include "trust.h"
#include "turn.h"
#include "xmem.h"

uint64_t
mail_age(store_txn_t *txn, const uint8_t *id, const Nodenet__RecordBody *rb,
    uint64_t now_ms)
{
	struct store_custody	first;
	uint64_t		born = rb->created_ms;

	/* Without its birth here: from its arrival if it came over a link
	 * that did not say its age (an older node), never from another
	 * node's clock; from created_ms if it was written here. */
	if (store_transit_get(txn, id, &born) != 0 &&
	    store_custody_get(txn, id, 0, &first) == 0 &&
	    first.event == STORE_CUSTODY_RECEIVED)
		born = first.time_ms;
	return now_ms > born ? now_ms - born : 0;
}

int
mail_expired(store_txn_t *txn, const uint8_t *id,
    const Nodenet__RecordBody *rb, uint64_t now_ms)
{
	uint64_t	expires, created = rb->created_ms;

	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL ||
	    (expires = rb->mail->expires_ms) == 0)
		return 0;
	return expires <= created ||
	    mail_age(txn, id, rb, now_ms) >= expires - created;
}

int
mail_mailbox_known(const struct node *n, const char *user, size_t len)
{
	const struct cfg_list	*mb = &n->n_conf->mailboxes;

	for (size_t i = 0; i < mb->n; i++)
		if (strlen(mb->items[i]) == len &&
		    memcmp(mb->items[i], user, len) == 0)
			return 1;
	return 0;
}

/*
 * The recipients one report covers, in the mail's order: at most a
 * mail's cap (a mail stored before the cap may name more; the report
 * lists the first). Not made distinct: a recipient the mail names twice
 * is listed twice, within the same bound.
 */
struct rcpts {
	const char	*r[WIRE_MAX_RECIPIENTS];
	size_t		 n;
};

static void
rcpts_add(struct rcpts *l, const char *addr)
{
	if (l->n < WIRE_MAX_RECIPIENTS)
		l->r[l->n++] = addr;
}

/*
 * Writes one report about message msg, covering the recipients of l,
 * back to its sender; a failure also leaves a custody event naming who
 * (the first recipient, or the next hop the mail expired on the way
 * to). Only to a sender the contract allows: a mailbox at the mail's
 * origin (a mail stored before that rule gets no report). 0, or -1 if
 * it could not be stored.
 */
static int
report(struct node *n, store_txn_t *txn, const struct wire_record *msg,
    const struct rcpts *l, Nodenet__Report__Kind kind,
    Nodenet__Report__Reason reason, const char *detail, const char *who)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	Nodenet__Report		r = NODENET__REPORT__INIT;
	uint8_t			id[WIRE_ID_BYTES];
	char			why[160];
	int			rc;

	if (l->n == 0)
		return 0;
	if ((rc = wire_mail_check(msg->rb)) != 0) {
		log_warnx("event=report_skipped reason=\"%s\"",
		    wire_strerror(rc));
		return 0;
	}
	r.kind = kind;
	r.message_id.data = (uint8_t *)(uintptr_t)msg->id;
	r.message_id.len = WIRE_ID_BYTES;
	r.recipient = (char *)(uintptr_t)l->r[0];
	r.recipients = (char **)(uintptr_t)l->r;
	r.n_recipients = l->n;
	r.reason = reason;
	r.detail = (char *)(uintptr_t)detail;
	r.to = msg->rb->mail->from;
	rb.kind_case = NODENET__RECORD_BODY__KIND_REPORT;
	rb.report = &r;
	if (record_write(n, txn, &rb, id, why, sizeof(why)) != 0)
		return -1;
	n->n_cnt.reports_sent++;
	if (kind == NODENET__REPORT__KIND__FAILED)
		record_custody(txn, msg->id, STORE_CUSTODY_FAILED,
		    who != NULL ? who : l->r[0]);
	log_info("event=report kind=%s to=%s recipients=%zu first=%s "
	    "reason=%d", kind == NODENET__REPORT__KIND__FAILED ? "failed" :
	    "delivered", r.to, l->n, l->r[0], (int)reason);
	return 0;
}

/* Delivers record id to the local mailbox user (len bytes). */
static int
deliver(struct node *n, store_txn_t *txn, const uint8_t *id,
    const char *user, size_t len)
{
	char		mbox[NAME_MAILBOX_MAX + 1];
	uint64_t	seq;
	int		rc;

	memcpy(mbox, user, len);
	mbox[len] = '\0';
	rc = store_mbox_deliver(txn, mbox, id, &seq);
	if (rc == STORE_HELD)
		return 0;
	if (rc != 0) {
		log_warnx("event=deliver_failed mailbox=%s reason=\"%s\"", mbox,
		    store_strerror(rc));
		return -1;
	}
	n->n_cnt.delivered++;
	record_custody(txn, id, STORE_CUSTODY_DELIVERED, mbox);
	log_debug("event=delivered mailbox=%s seq=%llu", mbox,
	    (unsigned long long)seq);
	return 1;
}

/* What a mail that arrives here can come to, each with its own report. */
enum outcome {
	O_NO_MAILBOX,
	O_NO_NODE,
	O_NO_SUBTREE,	/* a subtree address reaches no node from here */
	O_EXPIRED,
	O_DELIVERED,	/* a receipt, if the sender asked for one */
	O_UNREADABLE,	/* delivered, sealed to none of our keys */
	O_N
};

static const struct {
	Nodenet__Report__Kind	kind;
	Nodenet__Report__Reason	reason;
	const char		*detail;
} outcomes[O_N] = {
	{ NODENET__REPORT__KIND__FAILED,
	  NODENET__REPORT__REASON__UNKNOWN_MAILBOX, "no such mailbox" },
	{ NODENET__REPORT__KIND__FAILED,
	  NODENET__REPORT__REASON__UNKNOWN_NODE, "no route to node" },
	{ NODENET__REPORT__KIND__FAILED,
	  NODENET__REPORT__REASON__UNKNOWN_NODE,
	  "no node of the subtree known here" },
	{ NODENET__REPORT__KIND__FAILED,
	  NODENET__REPORT__REASON__EXPIRED, "expired before delivery" },
	{ NODENET__REPORT__KIND__DELIVERED,
	  NODENET__REPORT__REASON__NONE, "" },
	{ NODENET__REPORT__KIND__FAILED,
	  NODENET__REPORT__REASON__NONE, "sealed to none of this node's "
	  "keys, so it cannot be read here (its key changed?): send it "
	  "again" },
};

/*
 * What becomes here of a new mail's recipient to, a mailbox address at
 * node (user: its first ulen bytes), in the outcome lists l.
 */
static void
accept_one(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    int expired, const char *to, size_t ulen, const char *node,
    struct rcpts *l)
{
	const char	*via;

	switch (route_next(n, node, &via)) {
	case ROUTE_LOCAL:
		if (expired)
			rcpts_add(&l[O_EXPIRED], to);
		else if (!mail_mailbox_known(n, to, ulen))
			rcpts_add(&l[O_NO_MAILBOX], to);
		else if (deliver(n, txn, wr->id, to, ulen) == 1)
			rcpts_add(&l[O_DELIVERED], to);
		break;
	case ROUTE_NONE:
		rcpts_add(&l[O_NO_NODE], to);
		break;
	case ROUTE_PEER:
		break;	/* the feed of that link carries it on */
	}
}

/*
 * The same for a subtree address: delivered here if this node is in the
 * subtree and has the mailbox, its outcome listed under our own address
 * (made in *mine); the feeds carry it down. A node outside it that
 * leads into none of it reports the address itself.
 */
static void
accept_subtree(struct node *n, store_txn_t *txn, const struct wire_record *wr,
    int expired, const char *to, const char *subtree, char **mine,
    struct rcpts *l)
{
	const struct node_conf	*c = n->n_conf;
	size_t			 ulen = (size_t)(strchr(to, '@') - to);

	if (!name_in_subtree(c->name, subtree, c->root_name)) {
		if (route_subtree_links(n, subtree, NULL, 0) == 0)
			rcpts_add(&l[O_NO_SUBTREE], to);
		return;
	}
	if (!mail_mailbox_known(n, to, ulen))
		return;		/* not a recipient: no mailbox of that name */
	*mine = xasprintf("%.*s@%s", (int)ulen, to, c->name);
	accept_one(n, txn, wr, expired, *mine, ulen, c->name, l);
}

/*
 * A sealed mail delivered here that none of our keys opens: it stays in
 * the mailboxes (a key file put back in old_keys opens it; mail cat
 * says why not till then), and its sender hears, instead of a receipt,
 * that it cannot be read here.
 */
static void
unreadable(const struct wire_record *wr, struct rcpts *delivered,
    struct rcpts *out)
{
	char	hex[WIRE_ID_HEX];

	*out = *delivered;
	delivered->n = 0;
	log_warnx("event=mail_unreadable id=%s origin=%s mailboxes=%zu "
	    "reason=\"sealed to none of this node's keys\"",
	    wire_id_hex(wr->id, hex), wr->rb->origin, out->n);
}

/*
 * Delivers a new mail to the local mailboxes it names, and writes at
 * most one report per outcome, each listing its recipients: however
 * many recipients fail, one mail costs its sender's office a few
 * reports, not one each.
 */
static void
accept_mail(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	const Nodenet__MailMessage	*m = wr->rb->mail;
	struct rcpts			*l = xcalloc(O_N, sizeof(*l));
	char				**mine = xcalloc(m->n_to, sizeof(*mine));
	const char			*node;
	int				 expired;

	expired = mail_expired(txn, wr->id, wr->rb, clock_wall_ms());
	for (size_t i = 0; i < m->n_to; i++) {
		const char	*to = m->to[i];

		if (name_subtree_address(to, &node))
			accept_subtree(n, txn, wr, expired, to, node, &mine[i],
			    l);
		else if (name_mailbox(to, &node))
			accept_one(n, txn, wr, expired, to,
			    (size_t)(node - 1 - to), node, l);
		/* else not a valid mail (wire_mail_check) */
	}
	if (l[O_DELIVERED].n > 0 && m->sealed != NULL &&
	    seal_find(&n->n_keyring, m) < 0)
		unreadable(wr, &l[O_DELIVERED], &l[O_UNREADABLE]);
	for (int o = 0; o < O_N; o++)
		if (o != O_DELIVERED || m->want_receipt)
			report(n, txn, wr, &l[o], outcomes[o].kind,
			    outcomes[o].reason, outcomes[o].detail, NULL);
	for (size_t i = 0; i < m->n_to; i++)
		free(mine[i]);
	free(mine);
	free(l);
}

int
mail_subtree_check(const struct node *n, const char *origin,
    char *const *to, size_t n_to, const char *from, char *why,
    size_t whylen)
{
	const struct node_conf	*c = n->n_conf;
	const char		*subtree;
	int			 down;

	/* Written here, or from above: the root, or an ancestor. */
	down = from == NULL || strcmp(from, c->root_name) == 0 ||
	    (strcmp(c->name, c->root_name) != 0 &&
	    name_strictly_within(c->name, from));
	for (size_t i = 0; i < n_to; i++) {
		if (!name_subtree_address(to[i], &subtree))
			continue;
		if (name_may_address(origin, subtree, c->root_name)) {
			if (down)
				continue;
			snprintf(why, whylen, "mail to %s from %s, which is not "
			    "above this node: a subtree address only comes "
			    "down", to[i], from);
		} else if (subtree[0] == '\0')
			snprintf(why, whylen, "mail to %s: only the root may "
			    "address every node", to[i]);
		else
			snprintf(why, whylen, "mail to %s: only the root or "
			    "an office at or above %s may address that "
			    "subtree", to[i], subtree);
		return -1;
	}
	return 0;
}

void
mail_accept(struct node *n, store_txn_t *txn, const struct wire_record *wr)
{
	const char	*node, *via;
	const char	*to;

	if (wr->rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL) {
		accept_mail(n, txn, wr);
		return;
	}
	/* A report: into the sender's mailbox if the sender is here. */
	to = wr->rb->report->to;
	if (!name_mailbox(to, &node) ||
	    route_next(n, node, &via) != ROUTE_LOCAL)
		return;
	if (mail_mailbox_known(n, to, (size_t)(node - 1 - to)))
		deliver(n, txn, wr->id, to, (size_t)(node - 1 - to));
}

struct failed_seen {
	const char	*via;
	int		 found;
};

static int
failed_event(const struct store_custody *ev, void *arg)
{
	struct failed_seen	*e = arg;

	if (ev->event == STORE_CUSTODY_FAILED && strcmp(ev->peer, e->via) == 0)
		e->found = 1;
	return e->found;
}

void
mail_held_back(struct node *n, store_txn_t *txn, const uint8_t *id,
    const Nodenet__RecordBody *rb, const char *via,
    Nodenet__Report__Reason reason, const char *detail)
{
	const Nodenet__MailMessage	*m = rb->mail;
	struct wire_record		 wr = { .rb = (Nodenet__RecordBody *)
	    (uintptr_t)rb };
	struct failed_seen		 seen = { via, 0 };
	struct rcpts			*l;

	/* Reported once per next hop: a feed that reads the mail again
	 * (a new session, a restart) finds the custody event it left.
	 * One pass over the events; unreadable counts as reported. */
	if (rb->kind_case != NODENET__RECORD_BODY__KIND_MAIL ||
	    store_custody_walk(txn, id, UINT_MAX, failed_event, &seen) != 0 ||
	    seen.found)
		return;
	memcpy(wr.id, id, WIRE_ID_BYTES);
	l = xcalloc(1, sizeof(*l));
	for (size_t i = 0; i < m->n_to; i++)
		if (route_addr_via(n, m->to[i], via))
			rcpts_add(l, m->to[i]);
	report(n, txn, &wr, l, NODENET__REPORT__KIND__FAILED, reason, detail,
	    via);
	free(l);
}

/*
 * Seals m, written here, for its recipients' nodes (proto/README.md,
 * "Sealed mail"): 0, or -1 with why in err. An official's signature goes
 * sealed with what it signs, so it is checked first, as every node
 * checks a clear mail's: once sealed, only its recipients could.
 */
static int
seal(struct node *n, store_txn_t *txn, Nodenet__MailMessage *m, char *err,
    size_t errlen)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	struct seal_to		*keys;
	size_t			 nkeys;
	char			 why[200];
	int			 rc;

	rb.origin = n->n_conf->name;
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = m;
	if (trust_person(n, txn, &rb, clock_wall_ms(), why, sizeof(why)) != 0) {
		snprintf(err, errlen, "could not store the message: %s", why);
		return -1;
	}

	if (mail_seal_keys(n, txn, m->to, m->n_to, &keys, &nkeys, err,
	    errlen) != 0)
		return -1;
	rc = seal_mail(m, n->n_conf->name, key_public(n->n_key), keys, nkeys,
	    n->n_sealer);
	free(keys);
	if (rc != 0) {
		snprintf(err, errlen, "cannot seal it: %s", seal_strerror(rc));
		return -1;
	}
	return 0;
}

int
mail_submit(struct node *n, const struct mail_submit *s,
    uint8_t id[WIRE_ID_BYTES], char *err, size_t errlen)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage	 m = NODENET__MAIL_MESSAGE__INIT;
	store_txn_t		*txn;
	const char		*node;
	char			 why[160];
	int			 rc;

	if (!name_mailbox(s->from, &node) || strcmp(node, n->n_conf->name) ||
	    !mail_mailbox_known(n, s->from, (size_t)(node - 1 - s->from))) {
		snprintf(err, errlen, "from: %s is not a mailbox of this node",
		    s->from);
		return -1;
	}
	if (s->n_to == 0 || s->n_to > MAIL_MAX_RECIPIENTS) {
		snprintf(err, errlen, "1 to %d recipients, please",
		    MAIL_MAX_RECIPIENTS);
		return -1;
	}
	for (size_t i = 0; i < s->n_to; i++)
		if (!name_mailbox(s->to[i], &node) &&
		    !name_subtree_address(s->to[i], &node)) {
			snprintf(err, errlen, "not an address: %.64s",
			    s->to[i]);
			return -1;
		}
	/* Every node would refuse it. */
	if (mail_subtree_check(n, n->n_conf->name, s->to, s->n_to, NULL, err,
	    errlen) != 0)
		return -1;
	if (s->text_len > MAIL_MAX_TEXT) {
		snprintf(err, errlen, "text over %u bytes; put a larger "
		    "file in a document (doc put --attach)", MAIL_MAX_TEXT);
		return -1;
	}
	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	m.from = (char *)(uintptr_t)s->from;
	m.to = s->to;
	m.n_to = s->n_to;
	m.subject = (char *)(uintptr_t)s->subject;
	m.text.data = (uint8_t *)(uintptr_t)s->text;
	m.text.len = s->text_len;
	m.want_receipt = s->want_receipt;
	m.expires_ms = s->expires_ms;
	m.priority = s->priority;
	m.signed_by = (Nodenet__PersonSignature *)(uintptr_t)s->signed_by;
	if (!s->clear && seal(n, txn, &m, err, errlen) != 0)
		return -1;
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = &m;
	rc = record_write(n, txn, &rb, id, why, sizeof(why));
	seal_clear(&m);
	if (rc != 0) {
		snprintf(err, errlen, "could not store the message: %s", why);
		return -1;
	}
	return 0;
}

int
mail_fail(struct node *n, const char *mbox, uint64_t seq,
    Nodenet__Report__Reason reason, const char *detail, char *err,
    size_t errlen)
{
	struct store_mbox_entry	 e;
	struct store_record	 rec;
	struct wire_record	 wr = { .rb = NULL };
	store_txn_t		*txn;
	char			*recipient = NULL;
	int			 rc = -1;

	if ((txn = node_txn(n)) == NULL) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	if (store_mbox_next(txn, mbox, seq, &e) != 0 || e.seq != seq) {
		snprintf(err, errlen, "no message %llu in mailbox %.64s",
		    (unsigned long long)seq, mbox);
		return -1;
	}
	/* Verified again: the disk is not trusted. */
	if (store_get(txn, e.id, &rec) != 0 || wire_record_check(rec.body,
	    rec.body_len, rec.sig, &wr) != 0) {
		snprintf(err, errlen, "message %llu is unreadable or corrupt",
		    (unsigned long long)seq);
		goto out;
	}
	if (wr.rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL) {
		struct rcpts	one = { .n = 1 };

		recipient = xasprintf("%s@%s", mbox, n->n_conf->name);
		one.r[0] = recipient;
		if (report(n, txn, &wr, &one, NODENET__REPORT__KIND__FAILED,
		    reason, detail, NULL) != 0) {
			snprintf(err, errlen, "could not store the report");
			goto out;
		}
	}
	if (store_mbox_remove(txn, mbox, seq) != 0) {
		snprintf(err, errlen, "cannot remove message %llu from %.64s",
		    (unsigned long long)seq, mbox);
		goto out;
	}
	log_info("event=mail_failed mailbox=%s seq=%llu reason=%d", mbox,
	    (unsigned long long)seq, (int)reason);
	rc = 0;
out:
	free(recipient);
	wire_record_clear(&wr);
	return rc;
}

/* Stops a custody walk at the first "sent": it went on from here. */
static int
sent_event(const struct store_custody *ev, void *arg)
{
	if (ev->event != STORE_CUSTODY_SENT)
		return 0;
	*(int *)arg = 1;
	return 1;
}

void
mail_lost(struct node *n, store_txn_t *txn, const uint8_t *id,
    const uint8_t *body, size_t len)
{
	struct wire_record	 wr = { .rb = NULL };
	struct rcpts		*l;
	char			 detail[MAIL_MAX_DETAIL + 1];
	int			 sent = 0;

	if (body == NULL ||
	    (wr.rb = nodenet__record_body__unpack(NULL, len, body)) == NULL)
		return;
	if (wr.rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL &&
	    store_custody_walk(txn, id, UINT_MAX, sent_event, &sent) == 0 &&
	    !sent) {
		memcpy(wr.id, id, WIRE_ID_BYTES);
		l = xcalloc(1, sizeof(*l));
		for (size_t i = 0; i < wr.rb->mail->n_to; i++)
			rcpts_add(l, wr.rb->mail->to[i]);
		snprintf(detail, sizeof(detail), "damaged on disk at %s "
		    "before it went on, and no neighbour had a copy: send it "
		    "again", n->n_conf->name);
		(void)report(n, txn, &wr, l, NODENET__REPORT__KIND__FAILED,
		    NODENET__REPORT__REASON__NONE, detail, NULL);
		free(l);
	}
	nodenet__record_body__free_unpacked(wr.rb, NULL);
}
