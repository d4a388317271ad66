/*
 * evil_peer: a child node that speaks the link protocol and then
 * misbehaves, for tests/integration/auth.sh, hello_flood.sh,
 * repair_abuse.sh, trace_wide.sh, sealed_mail.sh and batch_more.sh.
 *
 *   evil_peer [-t SECS] [-o ORIGIN] [-k SIGNKEY] [-T ADDR] [-s SUBJECT]
 *       [-f CHAINFILE] [-V VERSION] [-M MIN] [-F FROM] [-n RCPTS]
 *       [-e EXPIRES] [-r RECORDS] [-b BATCH] [-q QUERIES] [-l LINGER]
 *       [-S STATEFILE] [-w ID,...] [-R RECFILE] [-G GOFILE] [-P KEY] [-m]
 *       KEYFILE CHAINFILE NAME ENDPOINT PARENTKEY MODE
 *
 * It connects a DEALER to ENDPOINT with CURVE (its own key from KEYFILE,
 * the server key the X25519 form of PARENTKEY, 64 hex digits), says Hello
 * as NAME with the chain in CHAINFILE (a fresh random store id,
 * checkpoints 0, credit 64, protocol versions MIN to VERSION: -M and -V,
 * by default this build's; -V 0 leaves the newest out, as a node from
 * before that field), waits for the parent's Hello (a refused handshake
 * ends that wait at once), then plays MODE. With -S STATEFILE it keeps
 * its store id and both logs' positions there from one run to the next,
 * as a node would (hello and send modes): the parent resumes its feed
 * instead of sending everything again, and send mode goes on from where
 * the parent holds its log. The modes:
 *
 *   hello          nothing more: only the Hello exchange
 *   send           one good record in batch (0,1] (-r: RECORDS of them,
 *                  in batches of -b BATCH, default 64); wait for the
 *                  last ack; then -q QUERIES trace queries (ttl 16) for
 *                  each record sent, their answers counted until none
 *                  came for 3 s
 *   bad-from       a record from FROM (-F) in (0,1], then a good record
 *                  in (1,2]; wait for ack 2
 *   tamper         a record with one byte of its body flipped in (0,1]
 *                  (of its ciphertext, with -P), then a good record in
 *                  (1,2]; wait for ack 2
 *   garbage        a batch before the Hello, then (after the Hello)
 *                  random bytes, a truncated batch frame, a frame over
 *                  WIRE_MAX_FRAME, a multipart message, then a good
 *                  record in (0,1]; wait for ack 1
 *   replay         one good record R in (0,1], wait for ack 1; then R
 *                  twice more in (1,3]; wait for ack 3
 *   forged-origin  a record signed by our key that names ORIGIN (-o,
 *                  another node) in (0,1], then a good record of our own
 *                  in (1,2]; wait for ack 2
 *   push           the certificates of -f CHAINFILE as records in
 *                  (0,n]; wait for ack n
 *   hello-flood    restart Hellos (reply unset, credit 65,536), one a
 *                  millisecond for -t seconds, never reading the socket
 *                  again; prints how many went
 *   new-store      one good record in (0,1], wait for ack 1; then a
 *                  Hello with a new store id mid-session, and the new
 *                  store's log from 0: that record again and a second
 *                  one in (0,2]; wait for ack 2. A Hello from the parent
 *                  asking for a resync is answered as a node would: a
 *                  reply, and the log again from the checkpoint it gave
 *                  (0 if that is of another store)
 *   supersede      a second connection with the same key says Hello;
 *                  wait until the parent closes the first, then one good
 *                  record on the second in (0,1]; wait for ack 1
 *   rename         a Hello mid-session naming another node; wait until
 *                  the parent closes the connection
 *   junk           JUNK_FRAMES frames of random bytes, then one good
 *                  record in (0,1]; wait for ack 1
 *
 * The repair modes (proto/README.md, "Repair"; their code is in
 * evil/repair.c) each end with one good record in a batch, as send mode
 * sends it, and wait for its ack: the session still carries honest
 * traffic. The parent takes a link's frames in order, so whatever it
 * answers to what came before comes before that ack.
 *
 *   want           a Want of the -w ids (64 hex digits each, separated by
 *                  commas, -w repeatable, at most 64); exit 0 only if a
 *                  Found answered it before the ack. With -R RECFILE the
 *                  records found are appended to it, one hex line each
 *   want-bad       Wants the parent must refuse: of 65 ids, of an id of
 *                  31 bytes, of one of 33, of none; exit 0 only if no
 *                  Found answered any
 *   found          a Found nobody asked for: a good record (subject
 *                  SUBJECT-unasked), one whose signature does not verify
 *                  (SUBJECT-badsig), FOUND_JUNK random ids in missing
 *   forge          waits for a Want naming a record of -R RECFILE, then
 *                  answers FORGE_FOUNDS times, FORGE_GAP_MS apart, with
 *                  those records' bodies under a flipped signature and a
 *                  record nobody asked for (SUBJECT-forged); prints how
 *                  many Wants came meanwhile
 *   missing        waits for a Want naming the first -w id (at most 62
 *                  of them), then says every -w id is missing, more
 *                  often than a neighbour counts: the first thrice in
 *                  one Found, then all in MISSING_FOUNDS more Founds;
 *                  then a second connection with the same key (the
 *                  parent closes the first) says the last id is missing
 *                  again. After its ack, waits for the next Want (the
 *                  next round: the parent has counted this one); exit 0
 *                  if it came
 *   slow           a neighbour that holds good copies (-R RECFILE) but
 *                  answers no Want until -G GOFILE exists; then it
 *                  answers the next Want with the copies it names
 *
 * The sealed mail modes (proto/README.md, "Sealed mail"; evil/seal.c).
 * With -P KEY (an Ed25519 key, 64 hex digits; up to 8 of them) every
 * mail is sealed for those node keys, as its origin's node would seal
 * it. Each mode sends one bad record in (0,1], signed, then a good one
 * in (1,2], and waits for ack 2:
 *
 *   seal-bad       its subject in clear too, beside the seal (SUBJECT-bad)
 *   seal-moved     its envelope changed after it was sealed: it asks for
 *                  a receipt its content was not sealed with
 *                  (SUBJECT-moved)
 *
 * The trace modes (proto/README.md, "Trace"; evil/trace.c):
 *
 *   trace-ask      asks the parent about the record -w ID as a node from
 *                  before pages (one answer frame): "trace answer hops=N
 *                  note=NOTE", NOTE the last hop's; then as a node of
 *                  this version, asking for every page: "paged answer
 *                  pages=P hops=H total=T"; exit 0 if both came whole
 *   trace-endless  answers each trace query of the parent (about a record
 *                  it sent us) with the page it asks for, of 4,096 small
 *                  hops, and always more to come (4,000,000,000 in all),
 *                  each page sent twice (the second unasked), until no
 *                  query came for 2 s: "answered Q trace queries: P
 *                  pages, H hops, B bytes, each twice"
 *   trace-huge     the same with pages of about 7 MiB: hops of 256 events
 *                  whose strings are as long as a hop's may be
 *
 * Mail batches go in lane 1 (normal), pushed certificates in lane 0
 * (urgent), as a node would send them; acks are awaited in that lane.
 * Records are mail from vanthu@ORIGIN (or FROM, -F, in send mode) to
 * ADDR (-T, default chutich@tw), signed by SIGNKEY (-k, default KEYFILE),
 * origin ORIGIN (-o, default NAME; in forged-origin mode only the forged
 * record uses it). With -n RCPTS (0 to 100,000) a mail goes to RCPTS
 * recipients: ADDR itself if 1, else rI-ADDR for I = 1..RCPTS. With -e
 * EXPIRES (milliseconds, may be negative) it expires that long after it
 * is made (a negative one has expired already); without, never. With -m
 * every batch says another follows (Batch.more) and none does: the
 * parent must end its hold by itself (batch_more.sh). The good
 * record's subject is SUBJECT (-s, default the mode); the refused ones are
 * SUBJECT-bad, SUBJECT-early and SUBJECT-truncated.
 *
 * Records the parent sends are printed ("evil_peer: got report failed
 * reason=R to=ADDR recipients=N msg=ID", or "got kind K"), and trace
 * answers are counted. So are its Wants ("got want ids=N"), and its
 * Founds: "got found records=N missing=M", then "found record ID kind
 * K" and "found missing ID" for each.
 * After the last expected ack it lingers -l LINGER milliseconds (default
 * 200) to see what the parent sends then.
 *
 * It prints what it sees (handshake failures, the parent's Hello, acks)
 * and exits 0 if the expected acks (for hello: the parent's Hello)
 * arrived within -t seconds (default 15), 1 if not, 2 on a usage or
 * setup error. The parent's own batches are acked as a child would.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "cert.h"
#include "clock.h"
#include "key.h"
#include "wire.h"
#include "xmem.h"

#include "evil/evil.h"

#define HEARTBEAT_MS	1000
#define LANE_CERT	0	/* urgent: where certificates travel */
#define LANE_MAIL	1	/* normal: mail of normal priority */
#define OVERSIZE	(WIRE_MAX_FRAME + 1024 * 1024)	/* < 16 MiB */
#define JUNK_FRAMES	1000
#define TRACE_QUIET_MS	3000	/* no more trace answers: stop waiting */

static void
usage(void)
{
	fprintf(stderr, "usage: evil_peer [-t SECS] [-o ORIGIN] [-k SIGNKEY] "
	    "[-T ADDR] [-s SUBJECT] [-f CHAINFILE] [-V VERSION] [-M MIN]\n"
	    "    [-F FROM] [-n RCPTS] [-e EXPIRES] [-r RECORDS] [-b BATCH] "
	    "[-q QUERIES]\n    [-l LINGER] [-S STATEFILE] [-w ID,...] "
	    "[-R FILE] [-G FILE] [-P KEY] [-m]\n"
	    "    KEYFILE CHAINFILE NAME ENDPOINT PARENTKEY\n"
	    "    hello|send|bad-from|tamper|garbage|replay|forged-origin|"
	    "push|\n"
	    "    hello-flood|new-store|supersede|rename|junk|\n"
	    "    want|want-bad|found|forge|missing|slow|seal-bad|seal-moved|\n"
	    "    trace-ask|trace-endless|trace-huge\n");
	exit(2);
}

/* The bounds of the numeric options. */
static int
in_range(int opt, long v)
{
	switch (opt) {
	case 'n':		/* recipients of a mail */
		return v >= 0 && v <= 100000;
	case 'r':		/* records sent */
		return v >= 1 && v <= 100000;
	case 'e':		/* expiry, ms from now: a day either way */
		return v >= -86400000 && v <= 86400000;
	case 'b':		/* records in a batch */
		return v >= 1 && v <= WIRE_MAX_BATCH;
	case 'q':		/* trace queries per record */
		return v >= 0 && v <= 1000;
	case 'l':		/* linger, ms */
		return v >= 0 && v <= 60000;
	}
	return 0;
}

void
evil_fail(const char *what, const char *why)
{
	fprintf(stderr, "evil_peer: %s: %s\n", what, why);
	exit(2);
}

/* A send that fails is said, not fatal: the tests watch what follows. */
static void
sent(int rc)
{
	if (rc != 0)
		fprintf(stderr, "evil_peer: send: %s\n", zmq_strerror(errno));
}

/* Sends len bytes as one message (more: as a part of a multipart one). */
static void
send_raw(struct evil *e, const void *buf, size_t len, int more)
{
	sent(child_send_raw(&e->c, buf, len, more ? ZMQ_SNDMORE : 0));
}

void
evil_send_frame(struct evil *e, const Nodenet__Frame *f)
{
	sent(child_send(&e->c, f, 0));
}

/* Our Hello (credit 64); reply unset asks for the parent's. */
static void
send_hello(struct evil *e, int reply)
{
	sent(child_send_hello(&e->c, reply, 64, 0));
}

static void
send_batch(struct evil *e, unsigned lane, uint64_t after, uint64_t upto,
    const struct child_item *items, size_t n)
{
	size_t	 len;
	uint8_t	*buf = child_batch(lane, after, upto, items, n, e->more,
	    &len);

	printf("evil_peer: batch lane %u (%" PRIu64 ",%" PRIu64 "] with %zu "
	    "record(s), %zu bytes\n", lane, after, upto, n, len);
	send_raw(e, buf, len, 0);
	free(buf);
}

static void
sign_kp(const void *kp, const uint8_t *msg, size_t len, uint8_t *sig)
{
	key_sign(kp, msg, len, sig);
}

/*
 * A signed mail record from `from` (NULL: vanthu@origin) to e->n_to
 * recipients, signed by kp. The text carries a marker so that a byte
 * inside the body can be found. The bounds a node checks (the sender's
 * domain, the number of recipients) are not checked here: the record is
 * serialized and signed by hand, as a hostile office would.
 */
static uint8_t *
make_mail_from(struct evil *e, const key_pair_t *kp, const char *origin,
    const char *from, const char *subject, size_t *len)
{
	Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
	Nodenet__MailMessage	 m = NODENET__MAIL_MESSAGE__INIT;
	uint8_t			 id[WIRE_ID_BYTES], *out;
	char			*own = NULL, *text, **to;
	char			 hex[2 * WIRE_ID_BYTES + 1];

	if (from == NULL)
		from = own = xasprintf("vanthu@%s", origin);
	text = xasprintf("evil_peer text MARKER-%s-%" PRIu64 " end", subject,
	    e->origin_seq);
	to = xcalloc((size_t)e->n_to + 1, sizeof(*to));
	for (long i = 0; i < e->n_to; i++)
		to[i] = e->n_to == 1 ? xstrdup(e->to) :
		    xasprintf("r%ld-%s", i + 1, e->to);
	m.from = (char *)(uintptr_t)from;
	m.to = to;
	m.n_to = (size_t)e->n_to;
	m.subject = (char *)(uintptr_t)subject;
	m.text.data = (uint8_t *)text;
	m.text.len = strlen(text);
	if (e->has_expires)
		m.expires_ms = (uint64_t)((int64_t)clock_wall_ms() +
		    e->expires);
	rb.origin = (char *)(uintptr_t)origin;
	rb.origin_key.data = (uint8_t *)(uintptr_t)key_public(kp);
	rb.origin_key.len = KEY_PUBLIC_BYTES;
	rb.origin_seq = e->origin_seq++;
	rb.created_ms = clock_wall_ms();
	rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	rb.mail = &m;
	if (e->n_seal > 0)
		evil_seal(e, kp, origin, &m);
	out = child_seal(&rb, sign_kp, kp, id, len);
	seal_clear(&m);
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	printf("evil_peer: record %s origin=%s subject=%s recipients=%ld "
	    "bytes=%zu%s\n", hex, origin, subject, e->n_to, *len,
	    e->n_seal > 0 ? " sealed" : "");
	if (e->n_ids < EVIL_MAX_IDS)
		memcpy(e->ids[e->n_ids++], id, WIRE_ID_BYTES);
	for (long i = 0; i < e->n_to; i++)
		free(to[i]);
	free(to);
	free(own);
	free(text);
	return out;
}

uint8_t *
evil_make_mail(struct evil *e, const key_pair_t *kp, const char *origin,
    const char *subject, size_t *len)
{
	return make_mail_from(e, kp, origin, NULL, subject, len);
}

static const char *
event_name(uint16_t ev)
{
	switch (ev) {
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		return "handshake succeeded";
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
		return "handshake failed (no detail)";
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		return "handshake failed (protocol)";
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		return "handshake failed (authentication refused)";
	case ZMQ_EVENT_DISCONNECTED:
		return "disconnected";
	}
	return "other event";
}

static void
on_monitor(struct evil *e)
{
	uint16_t	ev;

	while ((ev = child_monitor(&e->c)) != 0) {
		/* A refused key retries every 100 ms: say it once. */
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ||
		    (ev == ZMQ_EVENT_DISCONNECTED && e->c.disconnected == 1) ||
		    (ev != ZMQ_EVENT_DISCONNECTED && e->c.hs_failed == 1))
			printf("evil_peer: %s\n", event_name(ev));
		fflush(stdout);
	}
}

/*
 * -S FILE: "STOREID PARENTSTOREID RX0 RX1 RX2 TX0 TX1 TX2", hex ids and
 * log positions, as the last run left them; without it (or the file), a
 * new store that holds nothing.
 */
static void
state_load(struct evil *e)
{
	FILE	*f;
	char	 ours[2 * WIRE_STORE_ID_BYTES + 1];
	char	 theirs[2 * WIRE_STORE_ID_BYTES + 1];
	size_t	 len;

	randombytes_buf(e->c.store_id, sizeof(e->c.store_id));
	if (e->state == NULL || (f = fopen(e->state, "r")) == NULL)
		return;
	if (fscanf(f, "%32s %32s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
	    " %" SCNu64 " %" SCNu64, ours, theirs, &e->c.rx_upto[0],
	    &e->c.rx_upto[1], &e->c.rx_upto[2], &e->c.tx_from[0], &e->c.tx_from[1],
	    &e->c.tx_from[2]) != 8 ||
	    sodium_hex2bin(e->c.store_id, sizeof(e->c.store_id), ours,
	    strlen(ours), NULL, &len, NULL) != 0 ||
	    sodium_hex2bin(e->c.parent_store, sizeof(e->c.parent_store), theirs,
	    strlen(theirs), NULL, &len, NULL) != 0)
		evil_fail(e->state, "not a state file of evil_peer");
	e->c.has_parent_store = 1;
	fclose(f);
}

static void
state_save(const struct evil *e)
{
	FILE	*f;
	char	 ours[2 * WIRE_STORE_ID_BYTES + 1];
	char	 theirs[2 * WIRE_STORE_ID_BYTES + 1];

	if (e->state == NULL || !e->c.has_parent_store)
		return;
	if ((f = fopen(e->state, "w")) == NULL)
		evil_fail(e->state, strerror(errno));
	sodium_bin2hex(ours, sizeof(ours), e->c.store_id, sizeof(e->c.store_id));
	sodium_bin2hex(theirs, sizeof(theirs), e->c.parent_store,
	    sizeof(e->c.parent_store));
	fprintf(f, "%s %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
	    PRIu64 " %" PRIu64 "\n", ours, theirs, e->c.rx_upto[0],
	    e->c.rx_upto[1], e->c.rx_upto[2], e->c.tx_from[0], e->c.tx_from[1],
	    e->c.tx_from[2]);
	fclose(f);
}

/* Says what record the parent sent us (not verified: only shown). */
static void
print_record(const ProtobufCBinaryData *rec)
{
	Nodenet__SignedRecord	*sr;
	Nodenet__RecordBody	*rb = NULL;
	const Nodenet__Report	*r;
	char			 hex[2 * WIRE_ID_BYTES + 1] = "";

	if ((sr = nodenet__signed_record__unpack(NULL, rec->len,
	    rec->data)) != NULL)
		rb = nodenet__record_body__unpack(NULL, sr->body.len,
		    sr->body.data);
	if (rb == NULL)
		printf("evil_peer: got an undecodable record\n");
	else if (rb->kind_case == NODENET__RECORD_BODY__KIND_REPORT) {
		r = rb->report;
		if (r->message_id.len == WIRE_ID_BYTES)
			sodium_bin2hex(hex, sizeof(hex), r->message_id.data,
			    WIRE_ID_BYTES);
		printf("evil_peer: got report %s reason=%d to=%s "
		    "recipients=%zu msg=%s\n", r->kind ==
		    NODENET__REPORT__KIND__FAILED ? "failed" : "delivered",
		    (int)r->reason, r->to, r->n_recipients, hex);
	} else
		printf("evil_peer: got kind %d\n", (int)rb->kind_case);
	if (rb != NULL)
		nodenet__record_body__free_unpacked(rb, NULL);
	if (sr != NULL)
		nodenet__signed_record__free_unpacked(sr, NULL);
}

static void
on_frame(struct evil *e, const uint8_t *buf, size_t len)
{
	Nodenet__Frame	*f;
	int		 rc;

	if ((rc = wire_frame_unpack(buf, len, &f)) != 0) {
		printf("evil_peer: the parent sent a bad frame: %s\n",
		    wire_strerror(rc));
		return;
	}
	switch (f->kind_case) {
	case NODENET__FRAME__KIND_HELLO:
		if (e->hello_seen && !f->hello->reply) {
			/* A resync: from its checkpoint, if of our store. */
			e->asked++;
			e->ask_cp = f->hello->n_checkpoints > LANE_MAIL &&
			    f->hello->peer_store_id.len == sizeof(e->c.store_id) &&
			    memcmp(f->hello->peer_store_id.data, e->c.store_id,
			    sizeof(e->c.store_id)) == 0 ?
			    f->hello->checkpoints[LANE_MAIL] : 0;
			break;
		}
		printf("evil_peer: hello from %s (chain of %zu, credit %u, "
		    "versions %u-%u)\n", f->hello->name,
		    f->hello->n_cert_chain, f->hello->credit,
		    f->hello->protocol_version,
		    f->hello->max_protocol_version);
		child_parent_hello(&e->c, f->hello);
		e->hello_seen = 1;
		break;
	case NODENET__FRAME__KIND_ACK:
		printf("evil_peer: ack lane %u seq=%" PRIu64 " credit=%u\n",
		    f->ack->lane, f->ack->seq, f->ack->credit);
		if (f->ack->seq > e->acked[f->ack->lane])
			e->acked[f->ack->lane] = f->ack->seq;
		e->any_ack |= 1u << f->ack->lane;
		break;
	case NODENET__FRAME__KIND_BATCH:
		for (size_t i = 0; i < f->batch->n_items; i++)
			print_record(&f->batch->items[i]->record);
		/* What a child would do: hold it and say so. */
		sent(child_take_batch(&e->c, f->batch, 0));
		break;
	case NODENET__FRAME__KIND_TRACE_ANSWER:
		evil_on_trace_answer(e, f->trace_answer);
		break;
	case NODENET__FRAME__KIND_TRACE_QUERY:
		evil_on_trace_query(e, f->trace_query);
		break;
	case NODENET__FRAME__KIND_WANT:
		evil_on_want(e, f->want);
		break;
	case NODENET__FRAME__KIND_FOUND:
		evil_on_found(e, f->found);
		break;
	default:
		break;
	}
	fflush(stdout);
	nodenet__frame__free_unpacked(f, NULL);
}

/* Handles what arrives for up to ms milliseconds (or until a frame). */
void
evil_pump(struct evil *e, long ms)
{
	zmq_pollitem_t	items[2] = {
		{ e->c.sock, 0, ZMQ_POLLIN, 0 },
		{ e->c.mon, 0, ZMQ_POLLIN, 0 },
	};

	if (zmq_poll(items, 2, ms) <= 0)
		goto out;
	if (items[1].revents & ZMQ_POLLIN)
		on_monitor(e);
	while (items[0].revents & ZMQ_POLLIN) {
		zmq_msg_t	m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, e->c.sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&m);
			break;
		}
		on_frame(e, zmq_msg_data(&m), zmq_msg_size(&m));
		zmq_msg_close(&m);
	}
out:
	if (e->hello_seen && clock_mono_ms() - e->last_hb_ms >= HEARTBEAT_MS) {
		sent(child_send_heartbeat(&e->c, 0, 0));
		e->last_hb_ms = clock_mono_ms();
	}
}

/*
 * Waits for the parent's Hello. A handshake refused before any succeeded
 * is final (the parent does not know our key): no Hello can follow.
 */
static int
wait_hello(struct evil *e)
{
	while (!e->hello_seen && !(e->c.hs_failed > 0 && e->c.hs_ok == 0) &&
	    clock_mono_ms() < e->deadline_ms)
		evil_pump(e, 100);
	if (!e->hello_seen)
		printf("evil_peer: no Hello from the parent (%u handshake(s) "
		    "failed, %u succeeded)\n", e->c.hs_failed, e->c.hs_ok);
	return e->hello_seen;
}

static int
acked(const struct evil *e, unsigned lane, uint64_t seq)
{
	return (e->any_ack & (1u << lane)) != 0 && e->acked[lane] >= seq;
}

static int
wait_ack(struct evil *e, unsigned lane, uint64_t seq)
{
	while (!acked(e, lane, seq) && clock_mono_ms() < e->deadline_ms)
		evil_pump(e, 100);
	if (!acked(e, lane, seq)) {
		printf("evil_peer: no ack for lane %u seq %" PRIu64 " in "
		    "time\n", lane, seq);
		return 0;
	}
	return 1;
}

/* Lets the parent's frames settle (acks we might still owe). */
void
evil_linger(struct evil *e, long ms)
{
	uint64_t	end = clock_mono_ms() + (uint64_t)ms;

	while (clock_mono_ms() < end)
		evil_pump(e, 50);
}

char *
evil_subj(const struct evil *e, const char *suffix)
{
	return xasprintf("%s%s", e->subject, suffix);
}

int
evil_bad_then_good(struct evil *e, char *sb, uint8_t *bad, size_t blen,
    uint8_t *good, size_t glen)
{
	struct child_item	it;
	int		ok;

	it = (struct child_item){ 1, bad, blen };
	send_batch(e, LANE_MAIL, 0, 1, &it, 1);
	it = (struct child_item){ 2, good, glen };
	send_batch(e, LANE_MAIL, 1, 2, &it, 1);
	ok = wait_ack(e, LANE_MAIL, 2);
	free(sb);
	free(bad);
	free(good);
	return ok;
}

static int
mode_tamper(struct evil *e)
{
	char		*sb = evil_subj(e, "-bad");
	size_t		 blen, glen;
	uint8_t		*bad = evil_make_mail(e, e->signer, e->origin, sb,
			    &blen);
	uint8_t		*good, *p;

	/* Flip one bit of the text, inside the signed body; of the
	 * ciphertext, if it is sealed. */
	if (e->n_seal > 0) {
		if ((p = memmem(bad, blen, e->probe, EVIL_PROBE)) != NULL)
			p += EVIL_PROBE / 2;
	} else
		p = memmem(bad, blen, "MARKER", 6);
	if (p == NULL)
		evil_fail("tamper", "marker not found in the record");
	p[0] ^= 0x01;
	printf("evil_peer: flipped byte %zu of %zu%s\n", (size_t)(p - bad),
	    blen, e->n_seal > 0 ? ", in the ciphertext" : "");
	good = evil_make_mail(e, e->signer, e->origin, e->subject, &glen);
	return evil_bad_then_good(e, sb, bad, blen, good, glen);
}

/* Sends buf (which must not decode as a frame) as one message. */
static void
send_undecodable(struct evil *e, const char *what, const uint8_t *buf,
    size_t len)
{
	Nodenet__Frame	*f;

	if (wire_frame_unpack(buf, len, &f) == 0) {
		nodenet__frame__free_unpacked(f, NULL);
		evil_fail(what, "our own garbage decodes as a frame");
	}
	printf("evil_peer: sending %s (%zu bytes)\n", what, len);
	send_raw(e, buf, len, 0);
}

static int
mode_garbage(struct evil *e)
{
	char		*st = evil_subj(e, "-truncated");
	size_t		 glen, tlen, flen;
	uint8_t		*good = evil_make_mail(e, e->signer, e->origin,
			    e->subject, &glen);
	uint8_t		*trec = evil_make_mail(e, e->signer, e->origin, st,
			    &tlen);
	uint8_t		 rnd[256], *frame, *big;
	struct child_item	 it;
	int		 ok;

	/* Random bytes; 0x0f is field 1 with wire type 7, which is none. */
	randombytes_buf(rnd, sizeof(rnd));
	rnd[0] = 0x0f;
	send_undecodable(e, "random bytes", rnd, sizeof(rnd));

	/* A valid batch frame cut in half. */
	it = (struct child_item){ 1, trec, tlen };
	frame = child_batch(LANE_MAIL, 0, 1, &it, 1, 0, &flen);
	send_undecodable(e, "a truncated batch frame", frame, flen / 2);
	free(frame);

	/* Over WIRE_MAX_FRAME, under the node's 16 MiB socket limit. */
	big = xcalloc(1, OVERSIZE);
	send_undecodable(e, "an oversized frame", big, OVERSIZE);
	free(big);

	/* Two parts: the node never sends multipart and refuses it. */
	printf("evil_peer: sending a multipart message\n");
	send_raw(e, rnd, 16, 1);
	send_raw(e, rnd, 16, 0);

	it = (struct child_item){ 1, good, glen };
	send_batch(e, LANE_MAIL, 0, 1, &it, 1);
	ok = wait_ack(e, LANE_MAIL, 1);
	free(st);
	free(good);
	free(trec);
	return ok;
}

static int
mode_replay(struct evil *e)
{
	size_t		 len;
	uint8_t		*rec = evil_make_mail(e, e->signer, e->origin,
			    e->subject, &len);
	struct child_item	 it[2] = { { 1, rec, len }, { 0, NULL, 0 } };
	int		 ok;

	send_batch(e, LANE_MAIL, 0, 1, it, 1);
	if ((ok = wait_ack(e, LANE_MAIL, 1))) {
		it[0] = (struct child_item){ 2, rec, len };
		it[1] = (struct child_item){ 3, rec, len };
		send_batch(e, LANE_MAIL, 1, 3, it, 2);
		ok = wait_ack(e, LANE_MAIL, 3);
	}
	free(rec);
	return ok;
}

static int
mode_forged_origin(struct evil *e, const char *forged)
{
	char		*sb = evil_subj(e, "-bad");
	size_t		 flen, glen;
	uint8_t		*bad = evil_make_mail(e, e->kp, forged, sb, &flen);
	uint8_t		*good = evil_make_mail(e, e->kp, e->name, e->subject,
			    &glen);
	struct child_item	 it;
	int		 ok;

	it = (struct child_item){ 1, bad, flen };
	send_batch(e, LANE_MAIL, 0, 1, &it, 1);
	it = (struct child_item){ 2, good, glen };
	send_batch(e, LANE_MAIL, 1, 2, &it, 1);
	ok = wait_ack(e, LANE_MAIL, 2);
	free(sb);
	free(bad);
	free(good);
	return ok;
}

/* -r records from -F FROM (if given) in batches of -b, then -q trace
 * queries for each. */
int
evil_mode_send(struct evil *e, long records, long batch, long queries)
{
	struct child_item	*it = xcalloc((size_t)batch, sizeof(*it));
	uint64_t	 seq = e->c.tx_from[LANE_MAIL], start;
	int		 ok = 1;

	for (long done = 0; ok && done < records;) {
		long	n = records - done < batch ? records - done : batch;

		for (long i = 0; i < n; i++) {
			it[i].seq = seq + 1 + (uint64_t)i;
			it[i].rec = make_mail_from(e, e->signer, e->origin,
			    e->from, e->subject, &it[i].len);
		}
		send_batch(e, LANE_MAIL, seq, seq + (uint64_t)n, it,
		    (size_t)n);
		for (long i = 0; i < n; i++)
			free((void *)(uintptr_t)it[i].rec);
		seq += (uint64_t)n;
		done += n;
		if ((ok = wait_ack(e, LANE_MAIL, seq)))
			e->c.tx_from[LANE_MAIL] = seq;
	}
	free(it);
	if (!ok || queries == 0)
		return ok;
	start = clock_mono_ms();
	for (long q = 0; q < queries; q++)
		for (size_t i = 0; i < e->n_ids; i++) {
			e->trace_qid++;
			evil_send_trace(e, e->ids[i], 0, 0);
			evil_pump(e, 0);
		}
	/* Answers are best effort (a node may drop some under load):
	 * wait until none came for TRACE_QUIET_MS. */
	for (uint64_t seen = e->traced, quiet = clock_mono_ms();
	    e->traced < e->trace_qid &&
	    clock_mono_ms() - quiet < TRACE_QUIET_MS &&
	    clock_mono_ms() < e->deadline_ms;) {
		evil_pump(e, 100);
		if (e->traced != seen) {
			seen = e->traced;
			quiet = clock_mono_ms();
		}
	}
	printf("evil_peer: %" PRIu64 " trace queries, %" PRIu64 " answered in "
	    "%" PRIu64 " ms\n", e->trace_qid, e->traced,
	    clock_mono_ms() - start);
	return ok;
}

static int
mode_bad_from(struct evil *e)
{
	char		*sb = evil_subj(e, "-bad");
	size_t		 blen, glen;
	uint8_t		*bad = make_mail_from(e, e->signer, e->origin, e->from,
			    sb, &blen);
	uint8_t		*good = evil_make_mail(e, e->signer, e->origin,
			    e->subject, &glen);

	return evil_bad_then_good(e, sb, bad, blen, good, glen);
}

static int
mode_push(struct evil *e, const struct cert_chain *c)
{
	struct child_item	*it = xcalloc(c->n + 1, sizeof(*it));
	int		 ok;

	for (size_t i = 0; i < c->n; i++)
		it[i] = (struct child_item){ i + 1, c->certs[i], c->lens[i] };
	send_batch(e, LANE_CERT, 0, c->n, it, c->n);
	ok = wait_ack(e, LANE_CERT, c->n);
	free(it);
	return ok;
}

/*
 * Restart Hellos, one a millisecond, never reading what the parent
 * sends: every one asks it to resend its whole feed to us. (Sent as
 * fast as the socket takes them, many would land in one turn of the
 * parent's loop and restart its feed once between them.)
 */
static int
mode_hello_flood(struct evil *e)
{
	size_t		 len;
	uint8_t		*buf = child_hello(&e->c, e->name, 0, WIRE_MAX_CREDIT, &len);
	uint64_t	 sent = 0;
	struct timespec	 ms = { 0, 1000000 };

	while (clock_mono_ms() < e->deadline_ms) {
		if (child_send_raw(&e->c, buf, len, ZMQ_DONTWAIT) == 0)
			sent++;
		nanosleep(&ms, NULL);
	}
	printf("evil_peer: sent %" PRIu64 " restart Hellos\n", sent);
	free(buf);
	return sent > 0;
}

/* Sends items [from, n) of our log, quietly: the batch (from, n]. */
static void
resend(struct evil *e, const struct child_item *it, size_t from, size_t n)
{
	size_t	 len;
	uint8_t	*buf = child_batch(LANE_MAIL, from, n, it + from, n - from,
	    0, &len);

	send_raw(e, buf, len, 0);
	free(buf);
}

static int
mode_new_store(struct evil *e)
{
	char		*s2 = evil_subj(e, "-2");
	size_t		 l1, l2;
	uint8_t		*r1 = evil_make_mail(e, e->signer, e->origin,
			    e->subject, &l1);
	uint8_t		*r2 = evil_make_mail(e, e->signer, e->origin, s2, &l2);
	struct child_item	 it[2] = { { 1, r1, l1 }, { 2, r2, l2 } };
	unsigned	 answered = 0;
	int		 ok;

	send_batch(e, LANE_MAIL, 0, 1, it, 1);
	if ((ok = wait_ack(e, LANE_MAIL, 1))) {
		randombytes_buf(e->c.store_id, sizeof(e->c.store_id));
		printf("evil_peer: a new store id mid-session, and its log "
		    "from 0\n");
		e->asked = 0;
		send_hello(e, 0);
		send_batch(e, LANE_MAIL, 0, 2, it, 2);
		while (!acked(e, LANE_MAIL, 2) &&
		    clock_mono_ms() < e->deadline_ms) {
			evil_pump(e, 100);
			if (e->asked == 0)
				continue;
			/* As a node does: answer, resend from its checkpoint. */
			e->asked = 0;
			answered++;
			send_hello(e, 1);
			resend(e, it, e->ask_cp < 2 ? e->ask_cp : 2, 2);
		}
		printf("evil_peer: answered %u resync Hellos\n", answered);
		ok = wait_ack(e, LANE_MAIL, 2);
	}
	free(s2);
	free(r1);
	free(r2);
	return ok;
}

static void	setup_socket(struct evil *, const char *, const uint8_t *);

/* Waits until the parent ends e's connection. */
int
evil_wait_closed(struct evil *e, struct evil *also)
{
	while (e->c.disconnected == 0 && clock_mono_ms() < e->deadline_ms) {
		evil_pump(e, 50);
		if (also != NULL)
			evil_pump(also, 0);
	}
	printf("evil_peer: the parent %s the connection\n", e->c.disconnected ?
	    "closed" : "did not close");
	return e->c.disconnected > 0;
}

/*
 * A second connection with e's identity says Hello: 1 once the parent
 * answered. e2 is set up either way; evil_session_close() it.
 */
int
evil_session_again(struct evil *e, struct evil *e2, const char *endpoint,
    const uint8_t *parent)
{
	*e2 = *e;	/* the same identity, borrowed */
	e2->ctx = e2->c.sock = e2->c.mon = NULL;
	e2->hello_seen = 0;
	e2->c.hs_ok = e2->c.hs_failed = e2->c.disconnected = 0;
	e2->any_ack = 0;
	memset(e2->acked, 0, sizeof(e2->acked));
	setup_socket(e2, endpoint, parent);
	send_hello(e2, 0);
	if (!wait_hello(e2))
		return 0;
	printf("evil_peer: a second connection is up\n");
	return 1;
}

void
evil_session_close(struct evil *e)
{
	child_close(&e->c);
	zmq_ctx_term(e->ctx);
}

static int
mode_supersede(struct evil *e, const char *endpoint, const uint8_t *parent)
{
	struct evil	e2;
	int		ok = 0;

	if (evil_session_again(e, &e2, endpoint, parent) &&
	    evil_wait_closed(e, &e2))
		ok = evil_mode_send(&e2, 1, 1, 0);
	e->origin_seq = e2.origin_seq;
	evil_session_close(&e2);
	return ok;
}

static int
mode_rename(struct evil *e)
{
	char	*other = xasprintf("z%s", e->name);
	size_t	 len;
	uint8_t	*buf = child_hello(&e->c, other, 0, 64, &len);

	printf("evil_peer: a Hello mid-session as %s\n", other);
	send_raw(e, buf, len, 0);
	free(buf);
	free(other);
	return evil_wait_closed(e, NULL);
}

static int
mode_junk(struct evil *e)
{
	uint8_t	rnd[64];

	printf("evil_peer: sending %d frames of random bytes\n", JUNK_FRAMES);
	for (int i = 0; i < JUNK_FRAMES; i++) {
		randombytes_buf(rnd, sizeof(rnd));
		rnd[0] = 0x0f;		/* field 1, wire type 7: none */
		send_raw(e, rnd, sizeof(rnd), 0);
	}
	return evil_mode_send(e, 1, 1, 0);
}

/* e's own context, and its connection as a child. */
static void
setup_socket(struct evil *e, const char *endpoint, const uint8_t *parent)
{
	const char	*why;

	if ((e->ctx = zmq_ctx_new()) == NULL)
		evil_fail("zmq", zmq_strerror(errno));
	if (child_connect(&e->c, e->ctx, e->kp, parent, endpoint,
	    e->no_reconnect ? CHILD_ONCE : 0, e->rcvhwm, &why) != 0)
		evil_fail(endpoint, why);
}

int
main(int argc, char **argv)
{
	struct evil	 e = { 0 };
	struct cert_chain push = { 0 };
	const char	*signkey = NULL, *pushfile = NULL, *mode;
	uint8_t		 parent[KEY_PUBLIC_BYTES];
	uint8_t		*early = NULL;
	size_t		 elen = 0;
	long		 timeout_s = 15, v, records = 1, batch = 64;
	long		 queries = 0, linger = 200;
	char		*end;
	int		 ch, rc, ok = 0;

	e.to = "chutich@tw";
	e.n_to = 1;
	e.origin_seq = 1;
	e.c.version = WIRE_PROTOCOL_VERSION;
	e.c.min_version = WIRE_PROTOCOL_MIN;
	while ((ch = getopt(argc, argv,
	    "t:o:k:T:s:f:V:M:F:n:e:r:b:q:l:S:w:R:G:P:m")) != -1) {
		switch (ch) {
		case 'm':
			e.more = 1;
			break;
		case 't':
			timeout_s = strtol(optarg, NULL, 10);
			if (timeout_s < 1 || timeout_s > 600)
				usage();
			break;
		case 'o':
			e.origin = optarg;
			break;
		case 'k':
			signkey = optarg;
			break;
		case 'T':
			e.to = optarg;
			break;
		case 's':
			e.subject = optarg;
			break;
		case 'f':
			pushfile = optarg;
			break;
		case 'F':
			e.from = optarg;
			break;
		case 'S':
			e.state = optarg;
			break;
		case 'w':
			if (evil_want_add(&e, optarg) != 0)
				usage();
			break;
		case 'R':
			e.recfile = optarg;
			break;
		case 'P':
			if (evil_seal_add(&e, optarg) != 0)
				usage();
			break;
		case 'G':
			e.gofile = optarg;
			break;
		case 'n':
		case 'e':
		case 'r':
		case 'b':
		case 'q':
		case 'l':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    !in_range(ch, v))
				usage();
			if (ch == 'n')
				e.n_to = v;
			else if (ch == 'e') {
				e.expires = v;
				e.has_expires = 1;
			} else if (ch == 'r')
				records = v;
			else if (ch == 'b')
				batch = v;
			else if (ch == 'q')
				queries = v;
			else
				linger = v;
			break;
		case 'V':
		case 'M':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > 1000)
				usage();
			if (ch == 'V')
				e.c.version = (uint32_t)v;
			else
				e.c.min_version = (uint32_t)v;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 6)
		usage();
	mode = argv[optind + 5];
	e.name = e.c.name = argv[optind + 2];
	e.c.chain = &e.chain;
	if (e.subject == NULL)
		e.subject = mode;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() == -1)
		evil_fail("libsodium", "cannot initialise");
	if ((rc = key_load(&e.kp, argv[optind])) != 0)
		evil_fail(argv[optind], key_strerror(rc));
	if (signkey == NULL)
		e.signer = e.kp;
	else if ((rc = key_load(&e.signer, signkey)) != 0)
		evil_fail(signkey, key_strerror(rc));
	if ((rc = cert_chain_load(argv[optind + 1], &e.chain)) != 0)
		evil_fail(argv[optind + 1], cert_strerror(rc));
	if (key_parse_hex(argv[optind + 4], parent) != 0)
		evil_fail("PARENTKEY", "not 64 hex digits");
	if (strcmp(mode, "forged-origin") == 0) {
		if (e.origin == NULL || strcmp(e.origin, e.name) == 0)
			evil_fail("forged-origin", "give -o ANOTHER_NAME");
	} else if (e.origin == NULL)
		e.origin = e.name;
	if (strcmp(mode, "push") == 0) {
		if (pushfile == NULL)
			evil_fail("push", "give -f CHAINFILE");
		if ((rc = cert_chain_load(pushfile, &push)) != 0 ||
		    push.n == 0)
			evil_fail(pushfile, rc ? cert_strerror(rc) : "empty");
	} else if (strcmp(mode, "bad-from") == 0) {
		if (e.from == NULL)
			evil_fail("bad-from", "give -F FROM");
	} else if (strcmp(mode, "want") == 0 || strcmp(mode, "missing") == 0 ||
	    strcmp(mode, "trace-ask") == 0) {
		if (e.n_want == 0)
			evil_fail(mode, "give -w ID");
	} else if (strcmp(mode, "forge") == 0 || strcmp(mode, "slow") == 0) {
		if (e.recfile == NULL || (*mode == 's' && e.gofile == NULL))
			evil_fail(mode, "give -R FILE (slow: and -G FILE)");
	} else if (strcmp(mode, "hello") != 0 && strcmp(mode, "send") != 0 &&
	    strcmp(mode, "tamper") != 0 && strcmp(mode, "garbage") != 0 &&
	    strcmp(mode, "replay") != 0 &&
	    strcmp(mode, "forged-origin") != 0 &&
	    strcmp(mode, "hello-flood") != 0 &&
	    strcmp(mode, "new-store") != 0 &&
	    strcmp(mode, "supersede") != 0 && strcmp(mode, "rename") != 0 &&
	    strcmp(mode, "junk") != 0 && strcmp(mode, "want-bad") != 0 &&
	    strcmp(mode, "found") != 0 && strcmp(mode, "trace-endless") != 0 &&
	    strcmp(mode, "trace-huge") != 0 &&
	    strcmp(mode, "seal-bad") != 0 && strcmp(mode, "seal-moved") != 0)
		usage();
	if (strncmp(mode, "seal-", 5) == 0 && e.n_seal == 0)
		evil_fail(mode, "give -P KEY");
	e.trace_huge = strcmp(mode, "trace-huge") == 0;
	/* Read nothing: hold little of what the parent sends. */
	if (strcmp(mode, "hello-flood") == 0)
		e.rcvhwm = 1;
	/* One connection each: its end is what these modes watch for. */
	e.no_reconnect = strcmp(mode, "supersede") == 0 ||
	    strcmp(mode, "rename") == 0 || strcmp(mode, "missing") == 0;
	randombytes_buf(e.c.store_id, sizeof(e.c.store_id));

	state_load(&e);
	setup_socket(&e, argv[optind + 3], parent);
	e.deadline_ms = clock_mono_ms() + (uint64_t)timeout_s * 1000;
	if (strcmp(mode, "garbage") == 0) {
		/* A batch before any Hello: refused, never stored. */
		char		*se = evil_subj(&e, "-early");
		struct child_item	 it;
		size_t		 len;
		uint8_t		*rec = evil_make_mail(&e, e.signer, e.origin,
				    se, &len);

		it = (struct child_item){ 1, rec, len };
		early = child_batch(LANE_MAIL, 0, 1, &it, 1, 0, &elen);
		printf("evil_peer: sending a batch before the Hello\n");
		send_raw(&e, early, elen, 0);
		free(rec);
		free(se);
	}
	send_hello(&e, 0);
	if (wait_hello(&e)) {
		if (strcmp(mode, "hello") == 0)
			ok = 1;
		else if (strcmp(mode, "send") == 0)
			ok = evil_mode_send(&e, records, batch, queries);
		else if (strcmp(mode, "bad-from") == 0)
			ok = mode_bad_from(&e);
		else if (strcmp(mode, "tamper") == 0)
			ok = mode_tamper(&e);
		else if (strcmp(mode, "seal-bad") == 0)
			ok = evil_mode_seal_bad(&e);
		else if (strcmp(mode, "seal-moved") == 0)
			ok = evil_mode_seal_moved(&e);
		else if (strcmp(mode, "garbage") == 0)
			ok = mode_garbage(&e);
		else if (strcmp(mode, "replay") == 0)
			ok = mode_replay(&e);
		else if (strcmp(mode, "forged-origin") == 0)
			ok = mode_forged_origin(&e, e.origin);
		else if (strcmp(mode, "hello-flood") == 0)
			ok = mode_hello_flood(&e);
		else if (strcmp(mode, "new-store") == 0)
			ok = mode_new_store(&e);
		else if (strcmp(mode, "supersede") == 0)
			ok = mode_supersede(&e, argv[optind + 3], parent);
		else if (strcmp(mode, "rename") == 0)
			ok = mode_rename(&e);
		else if (strcmp(mode, "junk") == 0)
			ok = mode_junk(&e);
		else if (strcmp(mode, "want") == 0)
			ok = evil_mode_want(&e);
		else if (strcmp(mode, "want-bad") == 0)
			ok = evil_mode_want_bad(&e);
		else if (strcmp(mode, "found") == 0)
			ok = evil_mode_found(&e);
		else if (strcmp(mode, "forge") == 0)
			ok = evil_mode_forge(&e);
		else if (strcmp(mode, "missing") == 0)
			ok = evil_mode_missing(&e, argv[optind + 3], parent);
		else if (strcmp(mode, "slow") == 0)
			ok = evil_mode_slow(&e);
		else if (strcmp(mode, "trace-ask") == 0)
			ok = evil_mode_trace_ask(&e);
		else if (strncmp(mode, "trace-", 6) == 0)
			ok = evil_mode_trace_flood(&e);
		else
			ok = mode_push(&e, &push);
		/* Not on a connection the parent closed for good: a send
		 * there would wait for a peer forever. */
		if (ok && strcmp(mode, "hello-flood") != 0 &&
		    strcmp(mode, "rename") != 0 &&
		    !(e.no_reconnect && e.c.disconnected > 0))
			evil_linger(&e, linger);
	}
	printf("evil_peer: %s: %s\n", mode, ok ? "ok" : "FAILED");
	state_save(&e);
	free(early);
	evil_session_close(&e);
	cert_chain_free(&e.chain);
	cert_chain_free(&push);
	if (e.signer != e.kp)
		key_free(&e.signer);
	key_free(&e.kp);
	return ok ? 0 : 1;
}
