/*
 * evil: what the parts of evil_peer share (tests/helpers/evil_peer.c:
 * the link, its frames, most modes and main; evil/repair.c: the repair
 * modes; evil/trace.c: the trace modes). A struct evil is one connection to the parent, as one child;
 * the modes are documented at the top of evil_peer.c.
 */
#ifndef EVIL_H
#define EVIL_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "key.h"
#include "seal.h"
#include "wire.h"

#include "child/child.h"

#define EVIL_MAX_IDS	4096	/* record ids remembered for traces */
#define EVIL_MAX_SEAL	8	/* -P keys mail is sealed for */
#define EVIL_PROBE	16	/* bytes that find a ciphertext in a record */

/* What evil/seal.c does wrong to a sealed mail (e->seal_fault). */
enum evil_seal_fault {
	EVIL_SEAL_RIGHT,	/* nothing */
	EVIL_SEAL_CLEAR,	/* its subject in clear too, beside the seal */
	EVIL_SEAL_MOVED,	/* its envelope changed after it was sealed */
};

struct evil {
	void			*ctx;
	struct child		 c;		/* the link, as a child */
	key_pair_t		*kp;		/* the link identity */
	key_pair_t		*signer;	/* signs the records */
	const char		*name, *origin, *to, *subject;
	const char		*from;		/* -F: the bad sender */
	long			 n_to;		/* recipients of a mail */
	long			 expires;	/* -e: ms from now */
	int			 has_expires;
	uint64_t		 trace_qid;	/* queries sent */
	uint64_t		 traced;	/* answers seen */
	uint8_t			 ids[EVIL_MAX_IDS][WIRE_ID_BYTES]; /* made */
	size_t			 n_ids;
	const char		*state;		/* -S: c's session kept */
	struct cert_chain	 chain;		/* c's */
	uint64_t		 deadline_ms;
	uint64_t		 origin_seq;
	uint64_t		 acked[WIRE_LANES]; /* highest ack seen */
	unsigned		 any_ack;	/* bit per lane */
	int			 hello_seen;
	uint64_t		 last_hb_ms;
	int			 no_reconnect;	/* one connection only */
	int			 more;		/* -m: batches say more follows */
	int			 rcvhwm;	/* 0: libzmq's default */
	int			 asked;		/* it asked for a resync */
	uint64_t		 ask_cp;	/* from its mail lane checkpoint */
	/* Repair: the ids of -w, the parent's Wants and Founds seen. */
	uint8_t			 want[WIRE_MAX_WANT][WIRE_ID_BYTES];
	size_t			 n_want;
	const char		*recfile;	/* -R: records, hex lines */
	const char		*gofile;	/* -G: slow waits for it */
	uint64_t		 wants_in, founds_in;
	uint8_t			 asked_ids[WIRE_MAX_WANT][WIRE_ID_BYTES];
	size_t			 n_asked;	/* in the last Want */
	/* -P: mail is sealed for these node keys (evil/seal.c), and the
	 * first bytes of the last ciphertext made, to find it (tamper). */
	struct seal_to		 seal_to[EVIL_MAX_SEAL];
	size_t			 n_seal;
	enum evil_seal_fault	 seal_fault;
	uint8_t			 probe[EVIL_PROBE];
	/* Trace: the answer to our question so far (trace-ask); what a
	 * flood answered (trace-endless, trace-huge). */
	int			 trace_asking;
	size_t			 ans_hops, ans_pages;
	uint32_t		 ans_total;
	int			 ans_more;
	char			 ans_note[WIRE_MAX_TRACE_TEXT + 1];
	int			 trace_flood, trace_huge;
	uint64_t		 trace_q_in, trace_q_ms;
	uint64_t		 trace_pages_out, trace_hops_out;
	uint64_t		 trace_bytes_out;
};

/* A usage or setup error: says what and why, exits 2. */
void	evil_fail(const char *what, const char *why)
	    __attribute__((noreturn));
void	evil_send_frame(struct evil *e, const Nodenet__Frame *f);
/* Handles what arrives for up to ms milliseconds (or until a frame). */
void	evil_pump(struct evil *e, long ms);
/* Handles what arrives for ms milliseconds. */
void	evil_linger(struct evil *e, long ms);
/* SUBJECT (-s) then suffix: a new string. */
char	*evil_subj(const struct evil *e, const char *suffix);
/* A mail signed by kp, of origin, subject: a new SignedRecord of *len. */
uint8_t	*evil_make_mail(struct evil *e, const key_pair_t *kp,
	    const char *origin, const char *subject, size_t *len);
/*
 * Sends bad as seq 1 and good as seq 2 of the mail lane, one batch each:
 * 1 if the node acks both (a record refused for good is acked too).
 * Frees all three.
 */
int	evil_bad_then_good(struct evil *e, char *sb, uint8_t *bad, size_t blen,
	    uint8_t *good, size_t glen);
/* send mode: 1 if the last record was acked in time. */
int	evil_mode_send(struct evil *e, long records, long batch,
	    long queries);
/* Waits until the parent ends e's connection (pumping also too). */
int	evil_wait_closed(struct evil *e, struct evil *also);
/*
 * A second connection with e's identity says Hello: 1 once the parent
 * answered. e2 is set up either way; evil_session_close() it.
 */
int	evil_session_again(struct evil *e, struct evil *e2,
	    const char *endpoint, const uint8_t *parent);
void	evil_session_close(struct evil *e);

/* evil/repair.c: -w (0, or -1 if not ids), the frames, the modes. */
int	evil_want_add(struct evil *e, const char *arg);
void	evil_on_want(struct evil *e, const Nodenet__Want *w);
void	evil_on_found(struct evil *e, const Nodenet__Found *f);
int	evil_mode_want(struct evil *e);
int	evil_mode_want_bad(struct evil *e);
int	evil_mode_found(struct evil *e);
int	evil_mode_forge(struct evil *e);
int	evil_mode_missing(struct evil *e, const char *endpoint,
	    const uint8_t *parent);
int	evil_mode_slow(struct evil *e);

/* evil/seal.c: -P (0, or -1 if not a key); sealing m as origin signed
 * by kp will send it (with e's fault); the modes. */
int	evil_seal_add(struct evil *e, const char *hex);
void	evil_seal(struct evil *e, const key_pair_t *kp, const char *origin,
	    Nodenet__MailMessage *m);
int	evil_mode_seal_bad(struct evil *e);
int	evil_mode_seal_moved(struct evil *e);

/* evil/trace.c: the frames, the modes. A TraceQuery (qid: the last
 * of e's) about record id, from hop `from` of its answer on. */
void	evil_send_trace(struct evil *e, const uint8_t *id, int paged,
	    uint32_t from);
void	evil_on_trace_answer(struct evil *e, const Nodenet__TraceAnswer *a);
void	evil_on_trace_query(struct evil *e, const Nodenet__TraceQuery *q);
int	evil_mode_trace_ask(struct evil *e);
int	evil_mode_trace_flood(struct evil *e);

#endif
