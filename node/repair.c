/*
 * repair: damaged records fetched again from the neighbours (repair.h).
 *
 * The store is the truth: its damage entries say what is sought and what
 * was lost. Every REPAIR_ROUND_MS while something is sought (and at once
 * when something new is, or a neighbour links), a round
 *  - calls lost what every neighbour asked in the last round said it has
 *    no copy of, once sought for repair_wait_ms (a neighbour is counted
 *    by name, once a round: neither a second Found, nor an id listed
 *    twice, nor a new session of the same neighbour says it again);
 *  - reads the next REPAIR_ASK sought ids from the store, and the counts;
 *  - asks every neighbour linked at version 2 or later for them.
 * A copy that comes back (in a Found, or in any batch) goes through the
 * record door, which stores it again (record.c); the next round no
 * longer finds it sought.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mail.h"
#include "node.h"
#include "peer.h"
#include "record.h"
#include "repair.h"
#include "turn.h"
#include "xmem.h"

#define REPAIR_ROUND_MS	5000	/* between rounds while something is sought */
#define REPAIR_ASK	WIRE_MAX_WANT	/* ids asked for in one round */
#define REPAIR_SCAN	65536	/* damage entries a round counts at most */
#define FOUND_BYTES	(4u * 1024 * 1024)	/* of records in one Found */
#define REPAIR_VERSION	2	/* the session version with Want and Found */

/* An id asked for in the round, and what the neighbours said. */
struct sought {
	uint8_t		id[WIRE_ID_BYTES];
	unsigned	asked, missing;	/* neighbours */
};

/* A neighbour asked in the round, by name: its sessions come and go. */
struct neighbour {
	char		*name;
	int		 answered;	/* its Found was counted */
};

struct repair_state {
	struct sought	 ask[REPAIR_ASK];
	size_t		 n_ask;
	struct neighbour *who;		/* the neighbours asked */
	size_t		 linked;	/* how many: who[0 .. linked) */
	uint64_t	 next_ms;	/* the next round (clock_mono_ms) */
	int		 due;		/* a round at the next turn's end */
	uint8_t		 after[WIRE_ID_BYTES];	/* the last id asked */
	uint64_t	 wanted, lost;	/* counted in the last round */
};

static int
session_repairs(const struct peer *p)
{
	return p->pr_state == PEER_UP && p->pr_version >= REPAIR_VERSION;
}

void
repair_init(struct node *n)
{
	n->n_repair = xcalloc(1, sizeof(*n->n_repair));
	n->n_repair->due = 1;
}

static void
who_clear(struct repair_state *r)
{
	for (size_t i = 0; i < r->linked; i++)
		free(r->who[i].name);
	free(r->who);
	r->who = NULL;
	r->linked = 0;
}

void
repair_shutdown(struct node *n)
{
	if (n->n_repair != NULL)
		who_clear(n->n_repair);
	free(n->n_repair);
	n->n_repair = NULL;
}

int
repair_damaged(struct node *n, store_txn_t *txn, const uint8_t *id,
    uint64_t seq)
{
	char	hex[WIRE_ID_HEX];
	int	rc;

	if ((rc = store_damage_mark(txn, id, seq, clock_wall_ms())) ==
	    STORE_NOTFOUND)
		return 0;	/* gone already */
	if (rc != 0) {
		log_warnx("event=store_refused reason=\"%s\"",
		    store_strerror(rc));
		return -1;
	}
	record_custody(txn, id, STORE_CUSTODY_DAMAGED, n->n_conf->name);
	n->n_cnt.records_damaged++;
	log_warnx("event=record_damaged id=%s seq=%llu action=\"set aside, "
	    "a copy is sought from the neighbours\"", wire_id_hex(id, hex),
	    (unsigned long long)seq);
	n->n_repair->due = 1;
	return 0;
}

/* The neighbour called name if it was asked in the round, or NULL. */
static struct neighbour *
asked_in_round(struct repair_state *r, const char *name)
{
	for (size_t i = 0; name != NULL && i < r->linked; i++)
		if (strcmp(r->who[i].name, name) == 0)
			return &r->who[i];
	return NULL;
}

/* Does f say id is missing? (However many times: it counts once.) */
static int
listed(const Nodenet__Found *f, const uint8_t *id)
{
	for (size_t i = 0; i < f->n_missing; i++)
		if (memcmp(f->missing[i].data, id, WIRE_ID_BYTES) == 0)
			return 1;
	return 0;
}

/* Every neighbour asked last round has no copy, and it has been long
 * enough: lost, until a copy comes after all. */
static void
settle(struct node *n, store_txn_t *txn)
{
	struct repair_state	*r = n->n_repair;
	struct store_damage	 d;
	uint64_t		 now = clock_wall_ms();
	char			 hex[WIRE_ID_HEX];

	for (size_t i = 0; i < r->n_ask; i++) {
		struct sought	*s = &r->ask[i];

		if (s->asked == 0 || s->missing < s->asked ||
		    store_damage_get(txn, s->id, &d) != 0 ||
		    d.state != STORE_DAMAGE_WANTED ||
		    now - d.found_ms < n->n_conf->repair_wait_ms)
			continue;
		mail_lost(n, txn, s->id, d.body, d.body_len);
		if (store_damage_set_state(txn, s->id, STORE_DAMAGE_LOST) != 0)
			return;
		n->n_cnt.records_lost++;
		log_warnx("event=record_lost id=%s reason=\"none of the %u "
		    "neighbours linked has a copy\"", wire_id_hex(s->id, hex),
		    s->asked);
	}
}

/*
 * The round's ids: the first REPAIR_ASK sought after r->after, then from
 * the start, so that every one is asked in turn; and the counts.
 */
static void
gather(struct repair_state *r, store_txn_t *txn)
{
	struct store_damage	 d;
	const uint8_t		*after = NULL;
	uint8_t			 last[WIRE_ID_BYTES];
	uint8_t			 head[REPAIR_ASK][WIRE_ID_BYTES];
	size_t			 seen = 0, n_head = 0;

	r->n_ask = 0;
	r->wanted = r->lost = 0;
	while (seen++ < REPAIR_SCAN &&
	    store_damage_next(txn, after, &d) == 0) {
		memcpy(last, d.id, sizeof(last));
		after = last;
		if (d.state == STORE_DAMAGE_LOST) {
			r->lost++;
			continue;
		}
		r->wanted++;
		if (memcmp(d.id, r->after, WIRE_ID_BYTES) > 0) {
			if (r->n_ask < REPAIR_ASK)
				memcpy(r->ask[r->n_ask++].id, d.id,
				    WIRE_ID_BYTES);
		} else if (n_head < REPAIR_ASK)
			memcpy(head[n_head++], d.id, WIRE_ID_BYTES);
	}
	for (size_t i = 0; i < n_head && r->n_ask < REPAIR_ASK; i++)
		memcpy(r->ask[r->n_ask++].id, head[i], WIRE_ID_BYTES);
	if (r->n_ask > 0)
		memcpy(r->after, r->ask[r->n_ask - 1].id, WIRE_ID_BYTES);
}

/* Asks every neighbour that can answer for the round's ids. */
static void
ask(struct node *n)
{
	struct repair_state	*r = n->n_repair;
	Nodenet__Frame		 f = NODENET__FRAME__INIT;
	Nodenet__Want		 w = NODENET__WANT__INIT;
	ProtobufCBinaryData	 ids[REPAIR_ASK];

	for (size_t i = 0; i < r->n_ask; i++) {
		ids[i].data = r->ask[i].id;
		ids[i].len = WIRE_ID_BYTES;
	}
	w.ids = ids;
	w.n_ids = r->n_ask;
	f.kind_case = NODENET__FRAME__KIND_WANT;
	f.want = &w;
	who_clear(r);
	r->who = xcalloc(n->n_npeers + 1, sizeof(*r->who));
	for (size_t i = 0; i < n->n_npeers; i++)
		if (session_repairs(n->n_peers[i]) &&
		    peer_send(n, n->n_peers[i], &f) == 0)
			r->who[r->linked++].name =
			    xstrdup(n->n_peers[i]->pr_name);
	for (size_t i = 0; i < r->n_ask; i++) {
		r->ask[i].asked = (unsigned)r->linked;
		r->ask[i].missing = 0;
	}
}

static size_t
linked(const struct node *n)
{
	size_t	k = 0;

	for (size_t i = 0; i < n->n_npeers; i++)
		k += session_repairs(n->n_peers[i]);
	return k;
}

void
repair_turn(struct node *n)
{
	struct repair_state	*r = n->n_repair;
	store_txn_t		*txn;
	uint64_t		 now = clock_mono_ms();

	if (r == NULL)
		return;
	if (!r->due && (r->wanted == 0 && r->lost == 0))
		return;		/* nothing sought, nothing to count */
	if (!r->due && now < r->next_ms && linked(n) <= r->linked)
		return;
	if ((txn = node_txn(n)) == NULL)
		return;		/* the store refuses writes: later */
	settle(n, txn);
	gather(r, txn);
	r->due = 0;
	r->next_ms = now + REPAIR_ROUND_MS;
	if (r->n_ask > 0)
		ask(n);
}

void
repair_want(struct node *n, struct peer *p, const Nodenet__Want *w)
{
	Nodenet__Frame		 f = NODENET__FRAME__INIT;
	Nodenet__Found		 fd = NODENET__FOUND__INIT;
	ProtobufCBinaryData	 recs[WIRE_MAX_WANT], missing[WIRE_MAX_WANT];
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	Nodenet__RecordBody	*rb;
	const struct record_kind *k;
	size_t			 bytes = 0;
	int			 rc, send;

	if (p->pr_version < REPAIR_VERSION ||
	    store_txn_begin(n->n_store, STORE_RDONLY, &txn) != 0)
		return;
	fd.records = recs;
	fd.missing = missing;
	for (size_t i = 0; i < w->n_ids; i++) {
		const uint8_t	*id = w->ids[i].data;

		if ((rc = store_get(txn, id, &rec)) == 0 &&
		    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
		    rec.body)) != NULL) {
			k = record_kind_of(n, (int)rb->kind_case);
			send = k != NULL && k->wants != NULL &&
			    wire_record_version(rb) <= p->pr_version &&
			    k->wants(n, p, txn, rb);
			nodenet__record_body__free_unpacked(rb, NULL);
			if (send && bytes + rec.body_len > FOUND_BYTES)
				continue;	/* in a later round */
			if (send && (recs[fd.n_records].data =
			    wire_record_pack(rec.body, rec.body_len, rec.sig,
			    &recs[fd.n_records].len)) != NULL) {
				bytes += recs[fd.n_records++].len;
				continue;
			}
		} else if (rc == STORE_CORRUPT && node_txn(n) != NULL)
			(void)repair_damaged(n, node_txn(n), id, 0);
		missing[fd.n_missing++] = w->ids[i];
	}
	store_txn_abort(&txn);
	f.kind_case = NODENET__FRAME__KIND_FOUND;
	f.found = &fd;
	(void)peer_send(n, p, &f);
	for (size_t i = 0; i < fd.n_records; i++)
		free(recs[i].data);
}

/*
 * Takes in the records of f that are sought here (a Found brings nothing
 * else in): how many, or -1 if the store failed.
 */
static int
take_sought(struct node *n, struct peer *p, store_txn_t *txn,
    const Nodenet__Found *f)
{
	struct wire_record	 wr;
	struct store_damage	 d;
	char			 why[160];
	int			 taken = 0, rc;

	for (size_t i = 0; i < f->n_records; i++) {
		if (wire_record_open(f->records[i].data, f->records[i].len,
		    &wr) != 0) {
			n->n_cnt.records_bad++;
			continue;
		}
		rc = store_damage_get(txn, wr.id, &d) != 0 ? 1 :
		    record_take(n, txn, &wr, p->pr_name, 0, why, sizeof(why));
		wire_record_clear(&wr);
		if (rc < 0)
			return -1;
		taken += rc == 0;
	}
	return taken;
}

void
repair_found(struct node *n, struct peer *p, const Nodenet__Found *f)
{
	struct repair_state	*r = n->n_repair;
	struct neighbour	*a;
	store_txn_t		*txn;
	int			 taken;

	if (p->pr_version < REPAIR_VERSION || (txn = node_txn(n)) == NULL ||
	    (taken = take_sought(n, p, txn, f)) < 0)
		return;
	/* Count again now that copies came; not for a Found that repaired
	 * nothing, or each one would make us ask every neighbour again. */
	if (taken > 0)
		r->due = 1;
	/* One answer a neighbour a round: it cannot say "missing" twice,
	 * not from a new session either; one not asked says nothing. */
	if ((a = asked_in_round(r, p->pr_name)) == NULL || a->answered)
		return;
	a->answered = 1;
	for (size_t i = 0; i < r->n_ask; i++) {
		struct sought	*s = &r->ask[i];

		if (s->missing < s->asked && listed(f, s->id))
			s->missing++;
	}
}

uint64_t
repair_wanted(const struct node *n)
{
	return n->n_repair != NULL ? n->n_repair->wanted : 0;
}

uint64_t
repair_lost(const struct node *n)
{
	return n->n_repair != NULL ? n->n_repair->lost : 0;
}
