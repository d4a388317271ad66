/*
 * node: the daemon's state, shared by its own files in node/ and by
 * nothing below them (node/view/, node/lib/). Only data: each module's
 * functions are in its own header (turn.h, peer.h, repl.h, record.h,
 * ...).
 *
 * One thread runs everything. Writes go into one write transaction
 * (turn.h), kept over loop turns until a commit is due; only then are
 * acks sent.
 */
#ifndef NODE_H
#define NODE_H

#include <sys/socket.h>

#include <stdint.h>

#include "cert.h"
#include "cfg.h"
#include "key.h"
#include "loop.h"
#include "seal.h"
#include "store.h"
#include "wire.h"

#define NODE_VERSION	"0.4.0"
#define CTL_ID_MAX	256	/* bytes of a ZeroMQ routing id */

/* Counters shown by node-ctl status and exported as metrics. */
struct counters {
	uint64_t	frames_in, frames_out, frames_bad;
	uint64_t	records_in, records_new, records_dup, records_bad;
	uint64_t	records_refused;	/* by a database's rules */
	/* Found damaged on disk, stored again from a neighbour's copy,
	 * called lost (repair.h). */
	uint64_t	records_damaged, records_repaired, records_lost;
	uint64_t	records_unstored;	/* their commit refused */
	uint64_t	chunks_written, chunks_reused;	/* attachments */
	uint64_t	records_out;
	uint64_t	auth_failed, hello_bad;
	uint64_t	sessions_cut;	/* a chain stopped holding mid-session */
	uint64_t	log_rewinds;	/* peers ahead of our (restored) log */
	uint64_t	hello_throttled;	/* restarts deferred (repl.c) */
	uint64_t	feed_restarts;
	uint64_t	delivered, reports_sent;
	uint64_t	commits, commit_failed;
	uint64_t	ctl_requests, ctl_bad;
};

/*
 * Whether the store takes writes (writes.h): a run of refused commits,
 * from the first to the commit after a hold that stores records again
 * (the peers' if theirs were refused; with room on the disk if it was
 * full). While a hold lasts, no batch is taken in.
 */
struct writes {
	int		 wr_refusing;	/* a run is on */
	int		 wr_error;	/* the store's code for the last refusal */
	int		 wr_intake;	/* a refused one took in peers' records */
	uint64_t	 wr_since_ms;	/* mono: the run's first */
	uint64_t	 wr_refused;	/* commits refused in the run */
	uint64_t	 wr_hold_ms;	/* the last hold's length */
	uint64_t	 wr_hold_until;	/* mono: the hold's end; 0: none */
	uint64_t	 wr_free;	/* disk bytes free at the last refusal */
	uint64_t	 wr_timer;
};

enum peer_state {
	PEER_DOWN,		/* no connection */
	PEER_CONNECTED,		/* transport up, Hellos not both seen */
	PEER_UP,		/* Hello verified both ways: records flow */
};

/*
 * Log lines a peer can cause, counted per window: peer_may_log() lets a
 * few through and counts the rest, summed up when the window ends.
 */
struct log_limit {
	uint64_t	ll_start_ms;
	unsigned	ll_lines;
	uint64_t	ll_dropped;
};

/* A message sent on a link and not yet acknowledged: custody still ours. */
struct inflight {
	uint64_t	seq;
	unsigned	lane;
	uint8_t		id[WIRE_ID_BYTES];
};

struct peer {
	struct node	*pr_node;
	char		*pr_name;		/* NULL until a Hello names it */
	uint8_t		 pr_key[KEY_PUBLIC_BYTES];	/* proved by its Hello */
	uint8_t		 pr_curve[32];		/* the handshake's key */
	uint64_t	 pr_trust_until;	/* ask trust again then */
	const struct cfg_link *pr_link;		/* NULL: it connected to us */
	void		*pr_sock;		/* our DEALER, for a link */
	void		*pr_monitor;
	uint8_t		 pr_rid[256];		/* ROUTER routing id */
	size_t		 pr_rid_len;
	/* The ROUTER connection's socket, as its first message showed. */
	int		 pr_fd;			/* -1: unknown or closed */
	int		 pr_close_seen;		/* a close of pr_fd to look at again */
	struct sockaddr_storage pr_addr;	/* its peer address then */
	socklen_t	 pr_addrlen;
	enum peer_state	 pr_state;
	int		 pr_hello_sent;
	uint32_t	 pr_version;		/* this session's protocol */
	int		 pr_resync;		/* asked; drop batches till reply */
	unsigned	 pr_hello_owed;		/* REPL_HELLO_* not sent yet */
	int		 pr_blocked;		/* the last send failed */
	uint64_t	 pr_probe_timer;	/* to try again, if blocked */
	Nodenet__Frame	*pr_parked;		/* read, waiting (peer.c) */
	uint8_t		 pr_chain[WIRE_CHAIN_HASH_BYTES]; /* its session's chain */
	uint64_t	 pr_hello_timer;	/* deadline for its Hello */
	uint64_t	 pr_retry_timer;	/* reconnect after a refusal */
	uint64_t	 pr_backoff_ms;
	uint8_t		 pr_instance[STORE_INSTANCE_BYTES];
	uint64_t	 pr_since_ms;		/* we met that instance */
	uint8_t		 pr_epoch[WIRE_EPOCH_BYTES]; /* its log's, this session */

	/* Sending: our log positions, per lane. */
	uint64_t	 pr_sent[WIRE_LANES];	/* upto of the last batch sent */
	uint64_t	 pr_scanned[WIRE_LANES]; /* read past, nothing to send */
	uint64_t	 pr_acked[WIRE_LANES];	/* upto the peer has committed */
	uint32_t	 pr_credit;		/* records we may still send */
	unsigned	 pr_more_sent;		/* bit per lane: its last batch
						   said more follows */
	unsigned	 pr_restarted;		/* bit per lane: restarted from 0
						   below its checkpoint; say so */
	int		 pr_tell_rewound;	/* our log went back: say so */
	/* Feed restarts, at most one per REPL_RESTART_MS (repl.c). */
	uint64_t	 pr_restart_ms;		/* the last one (kept) */
	uint64_t	 pr_restart_timer;	/* the one deferred, if any */
	int		 pr_restart_due;	/* deferred: send nothing */
	int		 pr_restart_reply;	/* then answer its Hello */
	uint64_t	 pr_restart_cp[WIRE_LANES]; /* from its Hello */
	unsigned	 pr_restart_stale;	/* bit per lane: cp not ours */
	uint32_t	 pr_restart_credit;

	/* Receiving: the peer's log positions, per lane. */
	uint64_t	 pr_received[WIRE_LANES]; /* durable checkpoints */
	uint64_t	 pr_rx_upto[WIRE_LANES]; /* with uncommitted batches */
	/* The peer's log epoch each of those was taken in (zero: unknown). */
	uint8_t		 pr_received_epoch[WIRE_LANES][WIRE_EPOCH_BYTES];
	uint8_t		 pr_rx_epoch[WIRE_LANES][WIRE_EPOCH_BYTES];
	uint32_t	 pr_ack_credit[WIRE_LANES]; /* to return on commit */
	unsigned	 pr_ack_due;		/* bit per lane */
	unsigned	 pr_rx_more;		/* bit per lane: its last batch
						   said more follows */
	/* A backlog coming in on a lane (batches saying more): since when
	 * (clock_mono_ms(), 0: none), and its records so far. */
	uint64_t	 pr_backlog_ms[WIRE_LANES];
	uint64_t	 pr_backlog_records[WIRE_LANES];
	unsigned	 pr_ack_owed;		/* committed, not sent yet */

	struct inflight	*pr_inflight;		/* mail sent, not yet acked */
	size_t		 pr_ninflight, pr_capinflight;

	uint64_t	 pr_last_rx_ms;
	uint64_t	 pr_connected_ms;
	char		 pr_error[256];		/* last error, for node-ctl */
	uint64_t	 pr_records_in, pr_records_out, pr_rejected;
	/* Of those two, what the write transaction took in: counted once
	 * it commits (intake.c). */
	uint64_t	 pr_txn_in, pr_txn_rejected;
	int		 pr_retry_owed;	/* ask for a resend once the hold
					   ends (writes.h) */
	uint64_t	 pr_bytes_in, pr_bytes_out;	/* frames, this session */
	uint64_t	 pr_their_head;		/* its log head (heartbeats) */
	int64_t		 pr_clock_offset_ms;	/* its clock - ours (skew.c) */
	int		 pr_clock_skewed;	/* past SKEW_MS: said so */
	struct log_limit pr_loglim;
};

struct node {
	struct node_conf	*n_conf;
	store_t			*n_store;
	key_pair_t		*n_key;
	/* n_key and the keys it held before: opens sealed mail (seal.h). */
	struct seal_keyring	 n_keyring;
	struct seal_sender	*n_sealer;	/* seals mail (mail_seal.h) */
	struct cert_chain	 n_chain;	/* ours, leaf first; empty: root */
	struct cert_trust	 n_trust;
	struct trust_state	*n_trust_state;	/* trust.c's */
	void			*n_zctx;
	loop_t			*n_loop;
	void			*n_router;	/* NULL: we accept no links */
	void			*n_router_mon;
	struct peer		*n_router_parked; /* n_router unread while its
						   * frame waits (peer.c) */
	uint64_t		 n_unpark_timer;  /* looks at waiting frames */
	void			*n_zap;
	void			*n_ctl;
	int			 n_ctl_waiting;	/* a reply is due (ctl_answer) */
	uint8_t			 n_ctl_later[CTL_ID_MAX]; /* to whom */
	size_t			 n_ctl_later_len;
	struct held		*n_ctl_held;	/* ctl.c's: a group's replies */
	struct trace_state	*n_trace;	/* trace.c's */
	int			 n_sigfd;
	struct peer		**n_peers;
	size_t			 n_npeers;
	struct route_state	*n_routes;	/* route.c's */
	struct repair_state	*n_repair;	/* repair.c's */
	struct scrub_state	*n_scrub;	/* scrub.c's */
	struct verify_pool	*n_verify;	/* checks batches on all cores */
	store_txn_t		*n_txn;		/* writes not yet committed */
	uint64_t		 n_txn_ms;	/* when n_txn began */
	uint64_t		 n_commit_ms;	/* when the last commit ended */
	size_t			 n_txn_records;	/* received into n_txn */
	size_t			 n_txn_bytes;	/* of those records */
	int			 n_txn_asked;	/* a client's read wrote in it */
	uint64_t		 n_commit_timer; /* wakes a held commit */
	/* Write transactions ended so far, and the count when the last one
	 * ended without a commit: a write made when n_txn_ends was E is
	 * durable once committed if n_txn_failed_at <= E (turn.h). */
	uint64_t		 n_txn_ends, n_txn_failed_at;
	int			 n_txn_broken;	/* a write in it failed: it
						   can only be aborted */
	struct counters		 n_cnt_txn;	/* n_cnt when n_txn began */
	struct writes		 n_writes;	/* refused or working */
	struct intake		*n_intake;	/* a batch taken in slices */
	size_t			 n_pump_from;	/* the peer pumped next */
	uint64_t		 n_pump_timer;	/* a turn to pump more */
	uint64_t		 n_head;	/* our newest log seq, committed */
	uint8_t			 n_epoch[STORE_EPOCH_BYTES]; /* of our log, now */
	uint64_t		 n_started_ms;
	int			 n_stopping;
	struct counters		 n_cnt;
	struct log_limit	 n_loglim;	/* of peers not yet named */
	const struct peer_proto	*n_proto;	/* frames go up (peer.h) */
	const struct record_kind *n_kinds;	/* by kind (record.h) */
	/* The write transaction ended (turn.h): acks, or a restart. */
	void			(*n_after_commit)(struct node *, int committed);
};

#endif
