/*
 * evil/repair.c: evil_peer's repair modes (proto/README.md, "Repair"):
 * Wants and Founds made by hand, as a hostile office would send them,
 * and what the parent's own Wants and Founds hold. The modes are
 * documented at the top of evil_peer.c; each ends as send mode does,
 * with one good record acked, so a test can see the link still carries
 * honest traffic.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "xmem.h"

#include "evil.h"

#define FOUND_JUNK	3	/* random ids in found's missing */
#define FORGE_FOUNDS	10	/* forged Founds forge sends */
#define FORGE_GAP_MS	100	/* between them */
#define MISSING_FOUNDS	3	/* missing's Founds after the first */

/* -w: record ids, 64 hex digits each, separated by commas. */
int
evil_want_add(struct evil *e, const char *arg)
{
	char	*list = xstrdup(arg), *tok, *save = NULL;
	size_t	 len;

	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (e->n_want == WIRE_MAX_WANT ||
		    strlen(tok) != 2 * WIRE_ID_BYTES ||
		    sodium_hex2bin(e->want[e->n_want], WIRE_ID_BYTES, tok,
		    strlen(tok), NULL, &len, NULL) != 0 ||
		    len != WIRE_ID_BYTES) {
			free(list);
			return -1;
		}
		e->n_want++;
	}
	free(list);
	return 0;
}

/*
 * The id and kind of a record as it travels (not verified: only shown);
 * 0 if it does not decode.
 */
static int
record_id_kind(const uint8_t *rec, size_t len, uint8_t id[WIRE_ID_BYTES],
    const char **kind)
{
	Nodenet__SignedRecord	*sr;
	Nodenet__RecordBody	*rb;

	if ((sr = nodenet__signed_record__unpack(NULL, len, rec)) == NULL)
		return 0;
	wire_record_id(sr->body.data, sr->body.len, id);
	rb = nodenet__record_body__unpack(NULL, sr->body.len, sr->body.data);
	*kind = rb != NULL ? wire_kind_name(rb->kind_case) : "?";
	if (rb != NULL)
		nodenet__record_body__free_unpacked(rb, NULL);
	nodenet__signed_record__free_unpacked(sr, NULL);
	return 1;
}

/* -R FILE: appends rec as one line of hex. */
static void
record_save(const char *file, const uint8_t *rec, size_t len)
{
	FILE	*f;
	char	*hex = xmalloc(2 * len + 1);

	if ((f = fopen(file, "a")) == NULL)
		evil_fail(file, strerror(errno));
	sodium_bin2hex(hex, 2 * len + 1, rec, len);
	fprintf(f, "%s\n", hex);
	if (fclose(f) != 0)
		evil_fail(file, strerror(errno));
	free(hex);
}

/* The parent asks us for records: kept, to answer (or not). */
void
evil_on_want(struct evil *e, const Nodenet__Want *w)
{
	e->wants_in++;
	e->n_asked = 0;
	for (size_t i = 0; i < w->n_ids && i < WIRE_MAX_WANT; i++)
		memcpy(e->asked_ids[e->n_asked++], w->ids[i].data,
		    WIRE_ID_BYTES);
	printf("evil_peer: got want ids=%zu\n", w->n_ids);
}

/* Did the parent's last Want name id? */
static int
asked_for(const struct evil *e, const uint8_t *id)
{
	for (size_t i = 0; i < e->n_asked; i++)
		if (memcmp(e->asked_ids[i], id, WIRE_ID_BYTES) == 0)
			return 1;
	return 0;
}

/* What the parent's answer to a Want of ours holds. */
void
evil_on_found(struct evil *e, const Nodenet__Found *f)
{
	uint8_t		 id[WIRE_ID_BYTES];
	char		 hex[WIRE_ID_HEX];
	const char	*kind;

	e->founds_in++;
	printf("evil_peer: got found records=%zu missing=%zu\n", f->n_records,
	    f->n_missing);
	for (size_t i = 0; i < f->n_records; i++) {
		if (!record_id_kind(f->records[i].data, f->records[i].len, id,
		    &kind)) {
			printf("evil_peer: found an undecodable record\n");
			continue;
		}
		printf("evil_peer: found record %s kind %s\n",
		    wire_id_hex(id, hex), kind);
		if (e->recfile != NULL)
			record_save(e->recfile, f->records[i].data,
			    f->records[i].len);
	}
	for (size_t i = 0; i < f->n_missing; i++)
		printf("evil_peer: found missing %s\n",
		    wire_id_hex(f->missing[i].data, hex));
}

/* Records kept in a -R file. */
struct recs {
	ProtobufCBinaryData	*r;
	size_t			 n;
};

static void
recs_load(const char *file, struct recs *out)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0, len;
	ssize_t	 got;

	if ((f = fopen(file, "r")) == NULL)
		evil_fail(file, strerror(errno));
	while ((got = getline(&line, &cap, f)) > 1) {
		ProtobufCBinaryData	*b;

		out->r = xrealloc(out->r, out->n + 1, sizeof(*out->r));
		b = &out->r[out->n++];
		b->data = xmalloc((size_t)got / 2);
		if (sodium_hex2bin(b->data, (size_t)got / 2, line,
		    (size_t)got - 1, NULL, &len, NULL) != 0 || len == 0)
			evil_fail(file, "not a line of hex");
		b->len = len;
	}
	free(line);
	fclose(f);
	if (out->n == 0)
		evil_fail(file, "holds no record");
}

static void
recs_free(struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->r[i].data);
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

/* The parent's last Want named record rec of a -R file. */
static int
asked_rec(const struct evil *e, const ProtobufCBinaryData *rec)
{
	uint8_t		 id[WIRE_ID_BYTES];
	const char	*kind;

	return record_id_kind(rec->data, rec->len, id, &kind) &&
	    asked_for(e, id);
}

static int
asked_any(const struct evil *e, const struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (asked_rec(e, &rs->r[i]))
			return 1;
	return 0;
}

/* Ids as a Want or a Found carries them. */
static void
bin_ids(uint8_t (*ids)[WIRE_ID_BYTES], size_t n, ProtobufCBinaryData *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i].data = ids[i];
		out[i].len = WIRE_ID_BYTES;
	}
}

/* A Want of n ids, of any length: we may mean to break the rules. */
static void
send_want(struct evil *e, ProtobufCBinaryData *ids, size_t n)
{
	Nodenet__Frame	f = NODENET__FRAME__INIT;
	Nodenet__Want	w = NODENET__WANT__INIT;

	w.ids = ids;
	w.n_ids = n;
	f.kind_case = NODENET__FRAME__KIND_WANT;
	f.want = &w;
	evil_send_frame(e, &f);
}

static void
send_found(struct evil *e, ProtobufCBinaryData *recs, size_t n_recs,
    ProtobufCBinaryData *missing, size_t n_missing)
{
	Nodenet__Frame	f = NODENET__FRAME__INIT;
	Nodenet__Found	fd = NODENET__FOUND__INIT;

	fd.records = recs;
	fd.n_records = n_recs;
	fd.missing = missing;
	fd.n_missing = n_missing;
	f.kind_case = NODENET__FRAME__KIND_FOUND;
	f.found = &fd;
	evil_send_frame(e, &f);
}

/*
 * rec with the first byte of its signature flipped: the same body, so
 * the same id, and a signature that does not verify. A new buffer.
 */
static uint8_t *
forge_sig(const uint8_t *rec, size_t len, size_t *out_len)
{
	Nodenet__SignedRecord	*sr;
	uint8_t			 sig[KEY_SIGNATURE_BYTES], *out;

	if ((sr = nodenet__signed_record__unpack(NULL, len, rec)) == NULL ||
	    sr->signature.len != sizeof(sig))
		evil_fail("forge", "a record does not decode");
	memcpy(sig, sr->signature.data, sizeof(sig));
	sig[0] ^= 0x01;
	out = wire_record_pack(sr->body.data, sr->body.len, sig, out_len);
	nodenet__signed_record__free_unpacked(sr, NULL);
	if (out == NULL)
		evil_fail("forge", "out of memory");
	return out;
}

/* Waits for a Want that names id (the last one may have already). */
static int
wait_want(struct evil *e, const uint8_t *id)
{
	while (!asked_for(e, id) && clock_mono_ms() < e->deadline_ms)
		evil_pump(e, 100);
	if (!asked_for(e, id))
		printf("evil_peer: no Want named the record in time\n");
	return asked_for(e, id);
}

/* Waits for the parent's next Want (a new round); 1 if one came. */
static int
wait_next_want(struct evil *e)
{
	uint64_t	w0 = e->wants_in;

	while (e->wants_in == w0 && clock_mono_ms() < e->deadline_ms)
		evil_pump(e, 100);
	printf("evil_peer: %s\n", e->wants_in > w0 ? "the next Want came" :
	    "no next Want in time");
	return e->wants_in > w0;
}

/*
 * The node answers a link's frames in order: a Found for our Want, if
 * any, comes before the ack of a batch sent after it.
 */
int
evil_mode_want(struct evil *e)
{
	ProtobufCBinaryData	ids[WIRE_MAX_WANT];
	int			ok;

	bin_ids(e->want, e->n_want, ids);
	printf("evil_peer: a Want of %zu ids\n", e->n_want);
	send_want(e, ids, e->n_want);
	ok = evil_mode_send(e, 1, 1, 0);
	if (ok && e->founds_in == 0)
		printf("evil_peer: no Found before the ack\n");
	return ok && e->founds_in > 0;
}

int
evil_mode_want_bad(struct evil *e)
{
	uint8_t			raw[WIRE_MAX_WANT + 1][WIRE_ID_BYTES + 1];
	ProtobufCBinaryData	ids[WIRE_MAX_WANT + 1];
	int			ok;

	randombytes_buf(raw, sizeof(raw));
	for (size_t i = 0; i < WIRE_MAX_WANT + 1; i++) {
		ids[i].data = raw[i];
		ids[i].len = WIRE_ID_BYTES;
	}
	printf("evil_peer: a Want of %d ids\n", WIRE_MAX_WANT + 1);
	send_want(e, ids, WIRE_MAX_WANT + 1);
	ids[0].len = WIRE_ID_BYTES - 1;
	printf("evil_peer: a Want of an id of %d bytes\n", WIRE_ID_BYTES - 1);
	send_want(e, ids, 1);
	ids[0].len = WIRE_ID_BYTES + 1;
	printf("evil_peer: a Want of an id of %d bytes\n", WIRE_ID_BYTES + 1);
	send_want(e, ids, 1);
	printf("evil_peer: a Want of no ids\n");
	send_want(e, ids, 0);
	ok = evil_mode_send(e, 1, 1, 0);
	if (e->founds_in > 0)
		printf("evil_peer: the parent answered a bad Want\n");
	return ok && e->founds_in == 0;
}

int
evil_mode_found(struct evil *e)
{
	char			*su = evil_subj(e, "-unasked");
	char			*sb = evil_subj(e, "-badsig");
	ProtobufCBinaryData	 recs[2], missing[FOUND_JUNK];
	uint8_t			 junk[FOUND_JUNK][WIRE_ID_BYTES], *bad;
	size_t			 blen;
	int			 ok;

	recs[0].data = evil_make_mail(e, e->signer, e->origin, su,
	    &recs[0].len);
	bad = evil_make_mail(e, e->signer, e->origin, sb, &blen);
	recs[1].data = forge_sig(bad, blen, &recs[1].len);
	randombytes_buf(junk, sizeof(junk));
	bin_ids(junk, FOUND_JUNK, missing);
	printf("evil_peer: a Found nobody asked for: a good record, one with "
	    "a bad signature, %d ids in missing\n", FOUND_JUNK);
	send_found(e, recs, 2, missing, FOUND_JUNK);
	ok = evil_mode_send(e, 1, 1, 0);
	free(recs[0].data);
	free(recs[1].data);
	free(bad);
	free(su);
	free(sb);
	return ok;
}

int
evil_mode_forge(struct evil *e)
{
	struct recs		 file = { 0 };
	ProtobufCBinaryData	*out;
	char			*sf = evil_subj(e, "-forged");
	size_t			 n = 0;
	uint64_t		 w0;
	int			 ok = 0;

	recs_load(e->recfile, &file);
	out = xcalloc(file.n + 1, sizeof(*out));
	while (!asked_any(e, &file) && clock_mono_ms() < e->deadline_ms)
		evil_pump(e, 100);
	if (!asked_any(e, &file)) {
		printf("evil_peer: no Want named a record of %s\n", e->recfile);
		goto out;
	}
	for (size_t i = 0; i < file.n; i++)
		if (asked_rec(e, &file.r[i])) {
			out[n].data = forge_sig(file.r[i].data,
			    file.r[i].len, &out[n].len);
			n++;
		}
	out[n].data = evil_make_mail(e, e->signer, e->origin, sf, &out[n].len);
	printf("evil_peer: answering with %zu forged copies and a record "
	    "not asked for, %d times\n", n, FORGE_FOUNDS);
	w0 = e->wants_in;
	for (int i = 0; i < FORGE_FOUNDS; i++) {
		send_found(e, out, n + 1, NULL, 0);
		evil_linger(e, FORGE_GAP_MS);
	}
	ok = evil_mode_send(e, 1, 1, 0);
	printf("evil_peer: %" PRIu64 " Wants came meanwhile\n",
	    e->wants_in - w0);
	for (size_t i = 0; i <= n; i++)
		free(out[i].data);
out:
	free(out);
	free(sf);
	recs_free(&file);
	return ok;
}

/*
 * Says "missing" for every -w id, more often than a neighbour counts:
 * the first id thrice in one Found, then every id in MISSING_FOUNDS more
 * Founds; then in a second session, which replaces the first, the last
 * id again. All within the round of the Want they answer; then waits
 * for the next round's Want (the node has counted this one by then).
 */
int
evil_mode_missing(struct evil *e, const char *endpoint, const uint8_t *parent)
{
	ProtobufCBinaryData	ids[WIRE_MAX_WANT + 2];
	struct evil		e2;
	size_t			n = e->n_want;
	int			ok = 0;

	if (n > WIRE_MAX_WANT - 2)
		evil_fail("missing", "at most 62 ids: the first goes thrice");
	if (!wait_want(e, e->want[0]))
		return 0;
	bin_ids(e->want, n, ids);
	ids[n] = ids[n + 1] = ids[0];
	printf("evil_peer: a Found with %zu ids missing, the first thrice; "
	    "then %d more\n", n, MISSING_FOUNDS);
	send_found(e, NULL, 0, ids, n + 2);
	for (int i = 0; i < MISSING_FOUNDS; i++)
		send_found(e, NULL, 0, ids, n);
	if (!evil_mode_send(e, 1, 1, 0))
		return 0;
	if (evil_session_again(e, &e2, endpoint, parent) &&
	    evil_wait_closed(e, &e2)) {
		printf("evil_peer: the second session says the last id is "
		    "missing\n");
		send_found(&e2, NULL, 0, &ids[n - 1], 1);
		ok = evil_mode_send(&e2, 1, 1, 0) && wait_next_want(&e2);
	}
	evil_session_close(&e2);
	return ok;
}

/*
 * A neighbour that holds the copies (-R) but is slow: it answers no
 * Want until -G FILE exists, then the next one, with the copies it
 * names.
 */
int
evil_mode_slow(struct evil *e)
{
	struct recs		 file = { 0 };
	ProtobufCBinaryData	*out;
	size_t			 n = 0;
	int			 ok = 0;

	recs_load(e->recfile, &file);
	out = xcalloc(file.n, sizeof(*out));
	printf("evil_peer: answering no Want until %s exists\n", e->gofile);
	while (access(e->gofile, F_OK) != 0 &&
	    clock_mono_ms() < e->deadline_ms)
		evil_pump(e, 100);
	if (wait_next_want(e)) {
		for (size_t i = 0; i < file.n; i++)
			if (asked_rec(e, &file.r[i]))
				out[n++] = file.r[i];
		printf("evil_peer: answering with %zu good copies\n", n);
		send_found(e, out, n, NULL, 0);
		ok = evil_mode_send(e, 1, 1, 0);
	}
	free(out);
	recs_free(&file);
	return ok;
}

