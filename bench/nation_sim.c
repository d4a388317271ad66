/*
 * nation_sim: the provinces of a nation, played against a real root for
 * bench/bench_nation.sh. A benchmark's load generator, not a node: it
 * stores nothing and checks nothing, but what it sends is what real
 * provinces would send, signed and certified as the contract says.
 *
 *   nation_sim [-n NODES] [-s STATUS_S] [-m MAIL_PER_S] [-b MAIL_BYTES]
 *       [-H HEARTBEAT_MS] [-L FILE] ENDPOINT ROOTKEY DIR NAME...
 *
 * Each NAME is a province certified by the root: its key in DIR/NAME.key,
 * its chain in DIR/NAME.chain (node-ctl cert issue at the root). Each is
 * a child of the root (tests/helpers/child) with a DEALER of its own to
 * ENDPOINT, whose Ed25519 key is ROOTKEY (64 hex digits), and a subtree
 * of NODES offices (190) named as bench/bench_province.sh names its own:
 * the province, 3 agencies (soA.NAME), and about one district
 * (huyenD.NAME) per 16 communes (xaC.huyenD.NAME), the communes spread
 * evenly. The subtree's keys are made here; the province certifies its
 * agencies and districts, each district its communes, and those
 * certificates go to the root first, in the urgent lane, as a real
 * province's log would have them.
 *
 * Every office reports its status every STATUS_S seconds (60), spread
 * evenly over the interval, each report signed by its own key and
 * relayed by its province in the bulk lane, as a province passes its
 * children's reports up. MAIL_PER_S times a second (10) a random
 * commune somewhere writes a mail of MAIL_BYTES (1,024) in the normal
 * lane: half to vanthu at the root (the issuer of the chains), half to
 * vanthu at a random commune of another province, which the root routes
 * there. Everything the root sends is acked at once: a province holds
 * what it gets (it counts it, and how long a mail of ours took from its
 * commune to the other province).
 *
 * A province's log lives in memory until the root acks it, at most
 * HELD_MAX records (past that, reports and mail are not made, and
 * counted); it resumes from the root's checkpoints in its Hello after a
 * reconnect, as a node does. Our Hello grants the root a credit of
 * CREDIT; ours is the root's.
 *
 * Commands on standard input, one a line (end of input: quit):
 *
 *   watch SUBJECT   from now, a mail of that subject counts for every
 *                   commune of ours it names (vanthu@COMMUNE, or a
 *                   subtree address over it: vanthu@*, vanthu@*.NAME);
 *                   once every commune has been named, one line says
 *                   when the last copy came (wall clock, ms)
 *   down NAME       close NAME's connection (as a cut cable would, but
 *                   at once); its offices go on writing
 *   up NAME         connect it again: lines say when its session is up
 *                   and when the root has acked all it held
 *   mail NAME       how many mails NAME got, and how many since up
 *   stats           one line of figures (also at the end); the mail
 *                   latencies are those since the last stats
 *   quit
 *
 * -L FILE writes the name of every commune, one a line, at the start.
 * Lines on standard output start "nation_sim: ". Exit 0 after quit,
 * SIGTERM or SIGINT; 2 on a usage or setup error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "cert.h"
#include "clock.h"
#include "key.h"
#include "name.h"
#include "wire.h"
#include "xmem.h"

#include "child/child.h"

#define AGENCIES	3	/* offices of a province beside its districts */
#define COMMUNES	16	/* of a district */
#define CREDIT		4096	/* granted to the root, as a node does */
#define BATCH_MAX	256	/* records in a batch, as a node's batch_max */
#define HELD_MAX	65536	/* records a province holds unacked */
#define TAKE_MAX	64	/* frames read from one province in a turn */
#define CERT_DAYS	365
#define LAT_MAX_MS	10000	/* latencies counted to the ms up to this */
#define TICK_MS		10	/* the longest poll */

struct office {
	char			*name;
	const key_pair_t	*kp;	/* the province: its key file */
	uint8_t			 pk[KEY_PUBLIC_BYTES];
	uint8_t			 sk[crypto_sign_SECRETKEYBYTES];
	uint64_t		 seq;	/* its records' origin_seq */
	uint32_t		 peers;	/* links, as its status says */
	int			 reached; /* by the mail watched */
};

struct held {
	uint64_t	 seq;
	uint8_t		*rec;
	size_t		 len;
};

/* One lane of a province's log: a ring of the records not yet acked,
 * the first `sent` of them sent in this session. */
struct lane {
	struct held	*q;
	size_t		 cap, head, n, sent;
	uint64_t	 after;		/* the upto of our last batch */
	uint64_t	 acked;		/* the root's last ack */
};

struct province {
	struct child		 c;
	key_pair_t		*kp;
	struct cert_chain	 chain;
	struct office		*off;	/* [0] the province */
	size_t			 n_off, first_district, first_commune;
	size_t			 n_districts;
	size_t			*dist_first;	/* a district's communes */
	struct lane		 lane[WIRE_LANES];
	uint64_t		 head;		/* our log's newest seq */
	uint32_t		 credit;	/* the root lets us send */
	int			 up;		/* the root's Hello came */
	int			 cut;		/* down by command */
	int			 hello_due;	/* 1 ask, 2 answer */
	int			 resync;	/* asked: drop batches */
	uint64_t		 ack_seq[WIRE_LANES];
	uint32_t		 ack_credit[WIRE_LANES];
	unsigned		 ack_due;	/* bit per lane */
	uint64_t		 hb_ms, status_ms;
	size_t			 status_i;
	/* After "up": when, the backlog then, the mail got before. */
	uint64_t		 back_ms;
	size_t			 backlog;
	uint64_t		 mail_before;
	int			 catching_up;
	/* Counted. */
	uint64_t		 in_certs, in_mail, resyncs;
};

struct sim {
	void			*ctx;
	struct province		*pv;
	size_t			 n_pv, n_offices, n_communes;
	const char		*endpoint;
	char			*root;		/* its name */
	uint8_t			 root_key[KEY_PUBLIC_BYTES];
	uint64_t		 status_ms, hb_ms, start_ms, mail_ms;
	long			 mail_per_s, mail_bytes;
	uint8_t			*text;
	uint64_t		 mail_made;
	/* Counted. */
	uint64_t		 out[WIRE_LANES], acked_n, not_made;
	uint64_t		 eagain, bad_in;
	uint64_t		 lat[LAT_MAX_MS + 2], n_lat, lat_max;
	int			 all_up, all_certs;
	/* The mail watched. */
	char			*watch;
	uint64_t		 watch_ms, watch_first, watch_last, copies;
	size_t			 reached;
	const char		*watch_pv;
};

static volatile sig_atomic_t	stop;

static void
usage(void)
{
	fprintf(stderr, "usage: nation_sim [-n NODES] [-s STATUS_S] "
	    "[-m MAIL_PER_S] [-b MAIL_BYTES]\n    [-H HEARTBEAT_MS] [-L FILE] "
	    "ENDPOINT ROOTKEY DIR NAME...\n");
	exit(2);
}

static void
fail(const char *what, const char *why)
{
	fprintf(stderr, "nation_sim: %s: %s\n", what, why);
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long
num(const char *s, long lo, long hi)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static void
sign_office(const void *arg, const uint8_t *msg, size_t len, uint8_t *sig)
{
	const struct office	*o = arg;

	if (o->kp != NULL)
		key_sign(o->kp, msg, len, sig);
	else
		crypto_sign_detached(sig, NULL, msg, len, o->sk);
}

/* Appends rec to lane l of p's log as its next seq; takes rec. */
static void
hold(struct sim *s, struct province *p, unsigned l, uint8_t *rec,
    size_t len)
{
	struct lane	*q = &p->lane[l];

	if (q->n == q->cap) {
		struct held	*nq = xcalloc(q->cap ? 2 * q->cap : 256,
				    sizeof(*nq));

		for (size_t i = 0; i < q->n; i++)
			nq[i] = q->q[(q->head + i) % q->cap];
		free(q->q);
		q->q = nq;
		q->head = 0;
		q->cap = q->cap ? 2 * q->cap : 256;
	}
	q->q[(q->head + q->n++) % q->cap] = (struct held){ ++p->head, rec,
	    len };
	s->out[l]++;
}

static size_t
held(const struct province *p)
{
	return p->lane[0].n + p->lane[1].n + p->lane[2].n;
}

/* A record of office o, origin_seq its next: signed, held in lane l. */
static void
write_record(struct sim *s, struct province *p, struct office *o,
    Nodenet__RecordBody *rb, unsigned l)
{
	uint8_t	 id[WIRE_ID_BYTES], *rec;
	size_t	 len;

	rb->origin = o->name;
	rb->origin_key.data = o->pk;
	rb->origin_key.len = sizeof(o->pk);
	rb->origin_seq = ++o->seq;
	rb->created_ms = clock_wall_ms();
	rec = child_seal(rb, sign_office, o, id, &len);
	hold(s, p, l, rec, len);
}

/* issuer certifies o, as node-ctl cert issue would. */
static void
certify(struct sim *s, struct province *p, struct office *issuer,
    const struct office *o)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	Nodenet__Certificate	ct = NODENET__CERTIFICATE__INIT;
	uint64_t		now = clock_wall_ms();

	ct.subject = o->name;
	ct.subject_key.data = (uint8_t *)(uintptr_t)o->pk;
	ct.subject_key.len = sizeof(o->pk);
	ct.not_before_ms = now - CERT_BACKDATE_MS;
	ct.not_after_ms = now + CERT_DAYS * UINT64_C(86400000);
	rb.kind_case = NODENET__RECORD_BODY__KIND_CERT;
	rb.cert = &ct;
	write_record(s, p, issuer, &rb, WIRE_LANE_URGENT);
}

static void
office_new(struct office *o, char *name, uint32_t peers)
{
	o->name = name;
	o->peers = peers;
	/* Status reports must be newer than any of a run before. */
	o->seq = clock_wall_ms();
	crypto_sign_keypair(o->pk, o->sk);
}

/*
 * p's subtree of n offices (at least 6): itself, AGENCIES agencies, and
 * about one district per COMMUNES communes, the communes spread evenly
 * over them. Each certified as it is made, so an issuer's certificate
 * goes before those it issued.
 */
static void
subtree(struct sim *s, struct province *p, const char *name, size_t n)
{
	size_t	d = (n - AGENCIES - 1 + COMMUNES / 2) / (COMMUNES + 1);
	size_t	communes, i = 0;

	if (d == 0)
		d = 1;
	communes = n - AGENCIES - 1 - d;
	p->n_off = n;
	p->off = xcalloc(n, sizeof(*p->off));
	p->n_districts = d;
	p->dist_first = xcalloc(d + 1, sizeof(*p->dist_first));
	p->off[0].kp = p->kp;
	p->off[0].name = xstrdup(name);
	p->off[0].peers = (uint32_t)(1 + AGENCIES + d);
	p->off[0].seq = clock_wall_ms();
	memcpy(p->off[0].pk, key_public(p->kp), KEY_PUBLIC_BYTES);
	for (size_t a = 1; a <= AGENCIES; a++) {
		office_new(&p->off[++i], xasprintf("so%zu.%s", a, name), 1);
		certify(s, p, &p->off[0], &p->off[i]);
	}
	p->first_district = i + 1;
	p->dist_first[0] = p->first_district + d;
	for (size_t k = 1; k <= d; k++) {
		size_t	mine = communes / d + (k <= communes % d);

		office_new(&p->off[++i], xasprintf("huyen%zu.%s", k, name),
		    (uint32_t)mine + 1);
		certify(s, p, &p->off[0], &p->off[i]);
		p->dist_first[k] = p->dist_first[k - 1] + mine;
	}
	for (size_t k = 1; k <= d; k++) {
		struct office	*dist = &p->off[p->first_district + k - 1];

		for (size_t c = 1; c <= p->dist_first[k] - p->dist_first[k - 1];
		    c++) {
			office_new(&p->off[++i], xasprintf("xa%zu.huyen%zu.%s",
			    c, k, name), 1);
			certify(s, p, dist, &p->off[i]);
		}
	}
	p->first_commune = p->dist_first[0];
	s->n_offices += n;
	s->n_communes += communes;
}

/* The commune of p named node (xaC.huyenD.P), or NULL. */
static struct office *
commune(struct province *p, const char *node)
{
	unsigned	c, d;
	size_t		i;

	if (sscanf(node, "xa%u.huyen%u.", &c, &d) != 2 || c == 0 || d == 0 ||
	    d > p->n_districts)
		return NULL;
	i = p->dist_first[d - 1] + c - 1;
	if (i >= p->dist_first[d] || strcmp(p->off[i].name, node) != 0)
		return NULL;
	return &p->off[i];
}

static void
reach(struct sim *s, struct province *p, struct office *o, uint64_t now)
{
	if (o->reached)
		return;
	o->reached = 1;
	if (s->reached++ == 0)
		s->watch_first = now;
	s->watch_last = now;
	s->watch_pv = p->off[0].name;
}

/* A mail watched came to p: the communes of ours it names. */
static void
watched(struct sim *s, struct province *p, const Nodenet__MailMessage *m)
{
	uint64_t	now = clock_wall_ms();

	s->copies++;
	for (size_t i = 0; i < m->n_to; i++) {
		const char	*at = strchr(m->to[i], '@');
		struct office	*o;

		if (at == NULL || strncmp(m->to[i], "vanthu@", 7) != 0)
			continue;
		if (strcmp(at + 1, "*") == 0 || (strncmp(at + 1, "*.", 2) == 0 &&
		    name_within(p->off[0].name, at + 3))) {
			for (size_t k = p->first_commune; k < p->n_off; k++)
				reach(s, p, &p->off[k], now);
		} else if (strncmp(at + 1, "*.", 2) == 0) {
			for (size_t k = p->first_commune; k < p->n_off; k++)
				if (name_strictly_within(p->off[k].name, at + 3))
					reach(s, p, &p->off[k], now);
		} else if ((o = commune(p, at + 1)) != NULL)
			reach(s, p, o, now);
	}
	if (s->reached == s->n_communes) {
		printf("nation_sim: watch %s: all %zu communes reached, the "
		    "first at %" PRIu64 ", the last at %" PRIu64 " (%s), %"
		    PRIu64 " ms after the watch began; %" PRIu64 " copies\n",
		    s->watch, s->n_communes, s->watch_first, s->watch_last,
		    s->watch_pv, s->watch_last - s->watch_ms, s->copies);
		free(s->watch);
		s->watch = NULL;
	}
}

/* One record the root sent p: counted, a mail looked at. */
static void
take_record(struct sim *s, struct province *p, const ProtobufCBinaryData *r)
{
	Nodenet__SignedRecord	*sr;
	Nodenet__RecordBody	*rb = NULL;
	uint64_t		 now, ms;

	if ((sr = nodenet__signed_record__unpack(NULL, r->len,
	    r->data)) != NULL)
		rb = nodenet__record_body__unpack(NULL, sr->body.len,
		    sr->body.data);
	if (rb == NULL)
		s->bad_in++;
	else if (rb->kind_case == NODENET__RECORD_BODY__KIND_CERT)
		p->in_certs++;
	else if (rb->kind_case == NODENET__RECORD_BODY__KIND_MAIL) {
		p->in_mail++;
		now = clock_wall_ms();
		/* Ours, from another province: commune to commune. */
		if (strncmp(rb->mail->subject, "sim ", 4) == 0) {
			ms = now > rb->created_ms ? now - rb->created_ms : 0;
			s->lat[ms <= LAT_MAX_MS ? ms : LAT_MAX_MS + 1]++;
			s->n_lat++;
			if (ms > s->lat_max)
				s->lat_max = ms;
		}
		if (s->watch != NULL &&
		    strcmp(rb->mail->subject, s->watch) == 0)
			watched(s, p, rb->mail);
	}
	if (rb != NULL)
		nodenet__record_body__free_unpacked(rb, NULL);
	if (sr != NULL)
		nodenet__signed_record__free_unpacked(sr, NULL);
}

/*
 * The root's checkpoints of our log (its Hello): what it holds is
 * dropped, the rest goes again from there.
 */
static void
restart(struct province *p)
{
	for (unsigned l = 0; l < WIRE_LANES; l++) {
		struct lane	*q = &p->lane[l];

		while (q->n > 0 && q->q[q->head].seq <= p->c.tx_from[l]) {
			free(q->q[q->head].rec);
			q->head = (q->head + 1) % q->cap;
			q->n--;
		}
		q->sent = 0;
		q->after = q->acked = p->c.tx_from[l];
	}
}

/* The root's Hello: our feed restarts from its checkpoints. */
static void
feed_from(struct province *p, const Nodenet__Hello *h)
{
	child_parent_hello(&p->c, h);
	restart(p);
	p->credit = h->credit < CREDIT ? h->credit : CREDIT;
}

static void
on_hello(struct province *p, const Nodenet__Hello *h)
{
	uint64_t	now = clock_mono_ms();

	if (!h->reply) {
		/* It asks for our feed again: restarted, then answered. */
		feed_from(p, h);
		p->hello_due = 2;
		return;
	}
	/* The answer to our ask asks nothing: its feed restarted. */
	p->resync = 0;
	if (p->up)
		return;
	feed_from(p, h);
	p->up = 1;
	p->hb_ms = now;
	if (p->back_ms != 0) {
		printf("nation_sim: %s session up %" PRIu64 " ms after up, "
		    "%zu records to send\n", p->off[0].name, now - p->back_ms,
		    held(p));
		p->backlog = held(p);
		p->catching_up = 1;
	}
}

static void
on_ack(struct sim *s, struct province *p, const Nodenet__Ack *a)
{
	struct lane	*q;

	if (a->lane >= WIRE_LANES)
		return;
	q = &p->lane[a->lane];
	/* Stale (from before a restart): ignored, credit and all. */
	if (a->seq < q->acked || a->seq > q->after)
		return;
	q->acked = a->seq;
	while (q->n > 0 && q->q[q->head].seq <= a->seq) {
		free(q->q[q->head].rec);
		q->head = (q->head + 1) % q->cap;
		q->n--;
		q->sent--;
		s->acked_n++;
	}
	p->credit = p->credit + a->credit > CREDIT ? CREDIT :
	    p->credit + a->credit;
}

static void
on_batch(struct sim *s, struct province *p, const Nodenet__Batch *b)
{
	unsigned	l = b->lane;

	if (l >= WIRE_LANES || p->resync)
		return;
	/* Not where we hold its log: ask for it again from there. */
	if (b->after != 0 && b->after != p->c.rx_upto[l]) {
		p->resync = 1;
		p->resyncs++;
		p->hello_due = 1;
		return;
	}
	for (size_t i = 0; i < b->n_items; i++)
		take_record(s, p, &b->items[i]->record);
	p->c.rx_upto[l] = b->upto;
	p->ack_seq[l] = b->upto;
	p->ack_credit[l] += b->n_items > 0 ? (uint32_t)b->n_items : 1;
	p->ack_due |= 1u << l;
}

static void
on_frame(struct sim *s, struct province *p, const uint8_t *buf, size_t len)
{
	Nodenet__Frame	*f;

	if (wire_frame_unpack(buf, len, &f) != 0) {
		s->bad_in++;
		return;
	}
	switch (f->kind_case) {
	case NODENET__FRAME__KIND_HELLO:
		on_hello(p, f->hello);
		break;
	case NODENET__FRAME__KIND_BATCH:
		if (p->up)
			on_batch(s, p, f->batch);
		break;
	case NODENET__FRAME__KIND_ACK:
		if (p->up)
			on_ack(s, p, f->ack);
		break;
	default:
		break;	/* heartbeats, traces, repair: nothing to do */
	}
	nodenet__frame__free_unpacked(f, NULL);
}

static void
session_down(struct province *p)
{
	p->up = 0;
	p->resync = 0;
	p->ack_due = 0;
	memset(p->ack_credit, 0, sizeof(p->ack_credit));
}

static void
on_monitor(struct province *p)
{
	uint16_t	ev;

	while ((ev = child_monitor(&p->c)) != 0)
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			p->hello_due = 1;	/* a new connection */
		else if (ev == ZMQ_EVENT_DISCONNECTED)
			session_down(p);
}

static void
take(struct sim *s, struct province *p)
{
	for (int i = 0; i < TAKE_MAX; i++) {
		zmq_msg_t	m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, p->c.sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&m);
			return;
		}
		on_frame(s, p, zmq_msg_data(&m), zmq_msg_size(&m));
		zmq_msg_close(&m);
	}
}

/* 0 if sent; a full queue is tried again next turn. */
static int
sent(struct sim *s, int rc)
{
	if (rc != 0 && errno == EAGAIN)
		s->eagain++;
	return rc;
}

/* Up to BATCH_MAX unsent records of lane l, as the credit allows. */
static int
send_lane(struct sim *s, struct province *p, unsigned l)
{
	struct lane		*q = &p->lane[l];
	struct child_item	 it[BATCH_MAX];
	size_t			 n = 0, len;
	uint8_t			*buf;
	int			 rc;

	while (n < BATCH_MAX && n < p->credit && q->sent + n < q->n) {
		const struct held	*h = &q->q[(q->head + q->sent + n) %
					    q->cap];

		it[n++] = (struct child_item){ h->seq, h->rec, h->len };
	}
	if (n == 0)
		return -1;
	buf = child_batch(l, q->after, it[n - 1].seq, it, n, 0, &len);
	rc = sent(s, child_send_raw(&p->c, buf, len, ZMQ_DONTWAIT));
	free(buf);
	if (rc != 0)
		return -1;
	q->after = it[n - 1].seq;
	q->sent += n;
	p->credit -= (uint32_t)n;
	return 0;
}

/* What p owes the root now: Hello, acks, heartbeat, batches. */
static void
flush(struct sim *s, struct province *p, uint64_t now)
{
	if (p->cut)
		return;
	if (p->hello_due) {
		if (sent(s, child_send_hello(&p->c, p->hello_due == 2, CREDIT,
		    ZMQ_DONTWAIT)) != 0)
			return;
		p->hello_due = 0;
	}
	if (!p->up)
		return;
	for (unsigned l = 0; l < WIRE_LANES; l++)
		if ((p->ack_due & (1u << l)) && sent(s, child_send_ack(&p->c, l,
		    p->ack_seq[l], p->ack_credit[l], ZMQ_DONTWAIT)) == 0) {
			p->ack_due &= ~(1u << l);
			p->ack_credit[l] = 0;
		}
	if (now - p->hb_ms >= s->hb_ms &&
	    sent(s, child_send_heartbeat(&p->c, p->head, ZMQ_DONTWAIT)) == 0)
		p->hb_ms = now;
	/* The most urgent lane first, as a node sends. */
	for (unsigned l = 0; l < WIRE_LANES; l++)
		while (send_lane(s, p, l) == 0)
			;
	if (p->catching_up && held(p) == 0) {
		printf("nation_sim: %s caught up: the root acked its backlog "
		    "of %zu records %" PRIu64 " ms after up\n", p->off[0].name,
		    p->backlog, now - p->back_ms);
		p->catching_up = 0;
	}
}

/* Office o's status report, as node/status.c writes one. */
static void
report(struct sim *s, struct province *p, struct office *o, uint64_t now)
{
	Nodenet__RecordBody	rb = NODENET__RECORD_BODY__INIT;
	Nodenet__NodeStatus	st = NODENET__NODE_STATUS__INIT;

	st.version = (char *)(uintptr_t)"sim";
	st.uptime_s = (now - s->start_ms) / 1000;
	st.store_bytes = 1024 * 1024;
	st.last_sync_ms = clock_wall_ms();
	st.peers = st.peers_up = o->peers;
	/* The province's own link to the root is down while cut. */
	if (o == &p->off[0] && !p->up)
		st.peers_up--;
	st.last_error = (char *)(uintptr_t)"";
	st.interval_s = (uint32_t)(s->status_ms / 1000);
	rb.kind_case = NODENET__RECORD_BODY__KIND_STATUS;
	rb.status = &st;
	write_record(s, p, o, &rb, WIRE_LANE_BULK);
}

/* Reports due: each office once per status_ms, spread evenly. */
static void
reports(struct sim *s, struct province *p, uint64_t now)
{
	uint64_t	gap = s->status_ms / p->n_off;

	for (; now >= p->status_ms; p->status_ms += gap ? gap : 1) {
		if (held(p) >= HELD_MAX)
			s->not_made++;
		else
			report(s, p, &p->off[p->status_i], now);
		p->status_i = (p->status_i + 1) % p->n_off;
	}
}

static struct office *
any_commune(struct province *p)
{
	return &p->off[p->first_commune +
	    randombytes_uniform((uint32_t)(p->n_off - p->first_commune))];
}

/* One mail from a random commune: to the root or another province's. */
static void
mail(struct sim *s)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage	 m = NODENET__MAIL_MESSAGE__INIT;
	struct province		*p = &s->pv[randombytes_uniform(
				    (uint32_t)s->n_pv)], *q;
	struct office		*o = any_commune(p);
	char			*from, *to, *subject;

	if (held(p) >= HELD_MAX) {
		s->not_made++;
		return;
	}
	from = xasprintf("vanthu@%s", o->name);
	q = &s->pv[randombytes_uniform((uint32_t)s->n_pv)];
	if (s->n_pv == 1 || q == p || randombytes_uniform(2) == 0)
		to = xasprintf("vanthu@%s", s->root);
	else
		to = xasprintf("vanthu@%s", any_commune(q)->name);
	subject = xasprintf("sim %" PRIu64, ++s->mail_made);
	m.from = from;
	m.to = &to;
	m.n_to = 1;
	m.subject = subject;
	m.text.data = s->text;
	m.text.len = (size_t)s->mail_bytes;
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = &m;
	write_record(s, p, o, &rb, WIRE_LANE_NORMAL);
	free(from);
	free(to);
	free(subject);
}

static void
mails(struct sim *s, uint64_t now)
{
	uint64_t	due;

	if (s->mail_per_s == 0)
		return;
	due = (now - s->mail_ms) * (uint64_t)s->mail_per_s / 1000;
	for (uint64_t i = 0; i < due; i++)
		mail(s);
	s->mail_ms += due * 1000 / (uint64_t)s->mail_per_s;
}

static uint64_t
lat_pct(const struct sim *s, double pct)
{
	uint64_t	want = (uint64_t)(s->n_lat * pct + 0.5), seen = 0;

	if (want == 0)
		want = 1;
	for (size_t ms = 0; ms <= LAT_MAX_MS + 1; ms++)
		if ((seen += s->lat[ms]) >= want)
			return ms;
	return 0;
}

static void
stats(struct sim *s)
{
	struct rusage	ru;
	size_t		up = 0, held_n = 0;
	uint64_t	certs = 0, mail_in = 0, resyncs = 0, cpu_ms;

	for (size_t i = 0; i < s->n_pv; i++) {
		up += s->pv[i].up;
		held_n += held(&s->pv[i]);
		certs += s->pv[i].in_certs;
		mail_in += s->pv[i].in_mail;
		resyncs += s->pv[i].resyncs;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu_ms = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	printf("nation_sim: stats: %zu of %zu provinces up, %zu offices; "
	    "made %" PRIu64 " certificates, %" PRIu64 " mail, %" PRIu64
	    " reports; %" PRIu64 " acked, %zu held; got %" PRIu64
	    " certificates, %" PRIu64 " mail, %" PRIu64 " bad; %" PRIu64
	    " mail between provinces since the last stats: p50 %" PRIu64
	    " ms, p99 %" PRIu64 " ms, max %" PRIu64 " ms; %" PRIu64
	    " not made, %" PRIu64 " resyncs, %" PRIu64 " sends waited; cpu %"
	    PRIu64 " ms, maxrss %ld KiB\n", up, s->n_pv, s->n_offices,
	    s->out[0], s->out[1], s->out[2], s->acked_n, held_n, certs,
	    mail_in, s->bad_in, s->n_lat, lat_pct(s, 0.5), lat_pct(s, 0.99),
	    s->lat_max, s->not_made, resyncs, s->eagain, cpu_ms,
	    ru.ru_maxrss);
	memset(s->lat, 0, sizeof(s->lat));
	s->n_lat = s->lat_max = 0;
}

static struct province *
province(struct sim *s, const char *name)
{
	for (size_t i = 0; i < s->n_pv; i++)
		if (strcmp(s->pv[i].off[0].name, name) == 0)
			return &s->pv[i];
	printf("nation_sim: no province %s\n", name);
	return NULL;
}

static void
connect_pv(struct sim *s, struct province *p)
{
	const char	*why;

	if (child_connect(&p->c, s->ctx, p->kp, s->root_key, s->endpoint,
	    CHILD_IMMEDIATE, 0, &why) != 0)
		fail(s->endpoint, why);
}

static void
command(struct sim *s, char *line)
{
	struct province	*p;
	char		*arg = strchr(line, ' ');

	if (arg != NULL)
		*arg++ = '\0';
	if (strcmp(line, "stats") == 0)
		stats(s);
	else if (strcmp(line, "quit") == 0)
		stop = 1;
	else if (strcmp(line, "watch") == 0 && arg != NULL) {
		free(s->watch);
		s->watch = xstrdup(arg);
		s->watch_ms = clock_wall_ms();
		s->reached = s->copies = 0;
		for (size_t i = 0; i < s->n_pv; i++)
			for (size_t k = 0; k < s->pv[i].n_off; k++)
				s->pv[i].off[k].reached = 0;
	} else if (strcmp(line, "down") == 0 && arg != NULL &&
	    (p = province(s, arg)) != NULL && !p->cut) {
		child_close(&p->c);
		session_down(p);
		p->cut = 1;
		printf("nation_sim: %s down, %zu records held\n", arg, held(p));
	} else if (strcmp(line, "up") == 0 && arg != NULL &&
	    (p = province(s, arg)) != NULL && p->cut) {
		p->cut = 0;
		p->back_ms = clock_mono_ms();
		p->mail_before = p->in_mail;
		connect_pv(s, p);
		printf("nation_sim: %s connecting, %zu records held\n", arg,
		    held(p));
	} else if (strcmp(line, "mail") == 0 && arg != NULL &&
	    (p = province(s, arg)) != NULL)
		printf("nation_sim: %s got %" PRIu64 " mails, %" PRIu64
		    " since up\n", arg, p->in_mail, p->in_mail - p->mail_before);
	else if (*line != '\0')
		printf("nation_sim: unknown command %s\n", line);
}

/* What standard input holds now, line by line; its end stops us. */
static void
input(struct sim *s)
{
	static char	 buf[4096];
	static size_t	 len;
	char		*nl;
	ssize_t		 got;

	if ((got = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len)) <= 0) {
		if (got == 0 || errno != EINTR)
			stop = 1;
		return;
	}
	len += (size_t)got;
	buf[len] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		command(s, buf);
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len + 1);
	}
	if (len == sizeof(buf) - 1)
		len = 0;	/* a line that long is no command */
}

/* Once: when every province is up, and when each holds every other's
 * certificates. */
static void
milestones(struct sim *s, uint64_t now)
{
	size_t	up = 0, certs = 0;

	for (size_t i = 0; i < s->n_pv; i++) {
		up += s->pv[i].up;
		certs += s->pv[i].in_certs >= s->n_offices - s->pv[i].n_off;
	}
	if (!s->all_up && up == s->n_pv) {
		s->all_up = 1;
		printf("nation_sim: all %zu provinces up %" PRIu64 " ms after "
		    "the start\n", s->n_pv, now - s->start_ms);
	}
	if (!s->all_certs && certs == s->n_pv) {
		s->all_certs = 1;
		printf("nation_sim: every province holds the others' %zu "
		    "certificates %" PRIu64 " ms after the start\n",
		    s->n_offices, now - s->start_ms);
	}
}

static void
run(struct sim *s)
{
	zmq_pollitem_t	*items = xcalloc(2 * s->n_pv + 1, sizeof(*items));

	while (!stop) {
		uint64_t	now;
		size_t		n = 0;

		for (size_t i = 0; i < s->n_pv; i++) {
			if (s->pv[i].cut)
				continue;
			items[n++] = (zmq_pollitem_t){ s->pv[i].c.sock, 0,
			    ZMQ_POLLIN, 0 };
			items[n++] = (zmq_pollitem_t){ s->pv[i].c.mon, 0,
			    ZMQ_POLLIN, 0 };
		}
		items[n++] = (zmq_pollitem_t){ NULL, STDIN_FILENO, ZMQ_POLLIN,
		    0 };
		if (zmq_poll(items, (int)n, TICK_MS) == -1 && errno != EINTR)
			fail("zmq_poll", zmq_strerror(errno));
		if (items[n - 1].revents & (ZMQ_POLLIN | ZMQ_POLLERR))
			input(s);
		now = clock_mono_ms();
		mails(s, now);
		for (size_t i = 0; i < s->n_pv; i++) {
			struct province	*p = &s->pv[i];

			reports(s, p, now);
			if (p->cut)
				continue;
			on_monitor(p);
			take(s, p);
			flush(s, p, now);
		}
		milestones(s, now);
	}
	free(items);
}

/* Who issued the last certificate of a province's chain: the root. */
static char *
issuer(const struct cert_chain *c, const char *file)
{
	struct wire_record	 wr;
	char			*name;

	if (c->n == 0 || wire_record_open(c->certs[c->n - 1],
	    c->lens[c->n - 1], &wr) != 0)
		fail(file, "not a chain up to the root");
	name = xstrdup(wr.rb->origin);
	wire_record_clear(&wr);
	return name;
}

static void
load(struct sim *s, struct province *p, const char *dir, const char *name,
    size_t nodes)
{
	char	*path;
	int	 rc;

	if (!name_valid(name) || strchr(name, '.') != NULL)
		fail(name, "not a province's name (one label)");
	path = xasprintf("%s/%s.key", dir, name);
	if ((rc = key_load(&p->kp, path)) != 0)
		fail(path, key_strerror(rc));
	free(path);
	path = xasprintf("%s/%s.chain", dir, name);
	if ((rc = cert_chain_load(path, &p->chain)) != 0)
		fail(path, cert_strerror(rc));
	if (s->root == NULL)
		s->root = issuer(&p->chain, path);
	free(path);
	subtree(s, p, name, nodes);
	p->c.name = p->off[0].name;
	p->c.chain = &p->chain;
	p->c.version = WIRE_PROTOCOL_VERSION;
	p->c.min_version = WIRE_PROTOCOL_MIN;
	randombytes_buf(p->c.store_id, sizeof(p->c.store_id));
	/* The reports of the first round spread over the interval. */
	p->status_ms = s->start_ms + randombytes_uniform(
	    (uint32_t)(s->status_ms / p->n_off) + 1);
}

static void
list_communes(const struct sim *s, const char *file)
{
	FILE	*f;

	if ((f = fopen(file, "w")) == NULL)
		fail(file, strerror(errno));
	for (size_t i = 0; i < s->n_pv; i++)
		for (size_t k = s->pv[i].first_commune; k < s->pv[i].n_off; k++)
			fprintf(f, "%s\n", s->pv[i].off[k].name);
	if (fclose(f) != 0)
		fail(file, strerror(errno));
}

static void
done(struct sim *s)
{
	for (size_t i = 0; i < s->n_pv; i++) {
		struct province	*p = &s->pv[i];

		if (!p->cut)
			child_close(&p->c);
		for (unsigned l = 0; l < WIRE_LANES; l++) {
			for (size_t k = 0; k < p->lane[l].n; k++)
				free(p->lane[l].q[(p->lane[l].head + k) %
				    p->lane[l].cap].rec);
			free(p->lane[l].q);
		}
		for (size_t k = 0; k < p->n_off; k++) {
			free(p->off[k].name);
			sodium_memzero(p->off[k].sk, sizeof(p->off[k].sk));
		}
		free(p->off);
		free(p->dist_first);
		cert_chain_free(&p->chain);
		key_free(&p->kp);
	}
	free(s->pv);
	free(s->text);
	free(s->watch);
	free(s->root);
	zmq_ctx_term(s->ctx);
}

int
main(int argc, char **argv)
{
	struct sim	 s = { 0 };
	const char	*list = NULL;
	long		 nodes = 190;
	int		 ch;

	s.status_ms = 60000;
	s.hb_ms = 5000;
	s.mail_per_s = 10;
	s.mail_bytes = 1024;
	while ((ch = getopt(argc, argv, "n:s:m:b:H:L:")) != -1) {
		switch (ch) {
		case 'n':
			nodes = num(optarg, AGENCIES + 3, 100000);
			break;
		case 's':
			s.status_ms = 1000 * (uint64_t)num(optarg, 1, 86400);
			break;
		case 'm':
			s.mail_per_s = num(optarg, 0, 100000);
			break;
		case 'b':
			s.mail_bytes = num(optarg, 1, 128 * 1024);
			break;
		case 'H':
			s.hb_ms = (uint64_t)num(optarg, 100, 3600000);
			break;
		case 'L':
			list = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 4)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() == -1)
		fail("libsodium", "cannot initialise");
	if (key_parse_hex(argv[optind + 1], s.root_key) != 0)
		fail("ROOTKEY", "not 64 hex digits");
	s.endpoint = argv[optind];
	s.n_pv = (size_t)(argc - optind - 3);
	s.pv = xcalloc(s.n_pv, sizeof(*s.pv));
	s.start_ms = s.mail_ms = clock_mono_ms();
	s.text = xmalloc((size_t)s.mail_bytes);
	memset(s.text, 'x', (size_t)s.mail_bytes);
	for (size_t i = 0; i < s.n_pv; i++)
		load(&s, &s.pv[i], argv[optind + 2], argv[optind + 3 + i],
		    (size_t)nodes);
	if (list != NULL)
		list_communes(&s, list);
	printf("nation_sim: %zu provinces, %zu offices (%zu communes), "
	    "certificates made in %" PRIu64 " ms\n", s.n_pv, s.n_offices,
	    s.n_communes, clock_mono_ms() - s.start_ms);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if ((s.ctx = zmq_ctx_new()) == NULL)
		fail("zmq", zmq_strerror(errno));
	for (size_t i = 0; i < s.n_pv; i++)
		connect_pv(&s, &s.pv[i]);
	run(&s);
	stats(&s);
	done(&s);
	return 0;
}
