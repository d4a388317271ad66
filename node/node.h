/*
 * node: the daemon's state, shared by its own files (main, peer, repl,
 * route, mail, ctl) and by nothing outside node/.
 *
 * One thread runs everything. Writes go into one write transaction
 * (node_txn()), kept over loop turns until a commit is due; only then are
 * acks sent (node_turn_end()).
 */
#ifndef NODE_H
#define NODE_H

#include <sys/socket.h>

#include <stdint.h>

#include "cert.h"
#include "cfg.h"
#include "key.h"
#include "loop.h"
#include "store.h"
#include "wire.h"

#define NODE_VERSION	"0.1.0"

/* Counters shown by node-ctl status and exported as metrics. */
struct counters {
	uint64_t	frames_in, frames_out, frames_bad;
	uint64_t	records_in, records_new, records_dup, records_bad;
	uint64_t	records_refused;	/* by a database's rules */
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
	struct sockaddr_storage pr_addr;	/* its peer address then */
	socklen_t	 pr_addrlen;
	enum peer_state	 pr_state;
	int		 pr_hello_sent;
	uint32_t	 pr_version;		/* this session's protocol */
	int		 pr_resync;		/* asked; drop batches till reply */
	unsigned	 pr_hello_owed;		/* REPL_HELLO_* not sent yet */
	int		 pr_blocked;		/* the last send failed */
	uint64_t	 pr_probe_timer;	/* to try again, if blocked */
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
	unsigned	 pr_ack_owed;		/* committed, not sent yet */

	struct inflight	*pr_inflight;		/* mail sent, not yet acked */
	size_t		 pr_ninflight, pr_capinflight;

	uint64_t	 pr_last_rx_ms;
	uint64_t	 pr_connected_ms;
	char		 pr_error[160];		/* last error, for node-ctl */
	uint64_t	 pr_records_in, pr_records_out, pr_rejected;
	uint64_t	 pr_bytes_in, pr_bytes_out;	/* frames, this session */
	uint64_t	 pr_their_head;		/* its log head (heartbeats) */
	struct log_limit pr_loglim;
};

struct node {
	struct node_conf	*n_conf;
	store_t			*n_store;
	key_pair_t		*n_key;
	struct cert_chain	 n_chain;	/* ours, leaf first; empty: root */
	struct cert_trust	 n_trust;
	struct trust_memo	*n_trust_memo;	/* answers until a commit */
	void			*n_zctx;
	loop_t			*n_loop;
	void			*n_router;	/* NULL: we accept no links */
	void			*n_router_mon;
	void			*n_zap;
	void			*n_ctl;
	int			 n_ctl_waiting;	/* a reply is due (ctl_answer) */
	struct trace_wait	**n_traces;	/* trace queries out (trace.c) */
	size_t			 n_ntraces;
	uint64_t		 n_trace_qid;
	int			 n_sigfd;
	struct peer		**n_peers;
	size_t			 n_npeers;
	char			**n_known;	/* peer names routes can use */
	size_t			 n_nknown;
	struct verify_pool	*n_verify;	/* checks batches on all cores */
	store_txn_t		*n_txn;		/* writes not yet committed */
	uint64_t		 n_txn_ms;	/* when n_txn began */
	size_t			 n_txn_records;	/* received into n_txn */
	struct intake		*n_intake;	/* a batch taken in slices */
	size_t			 n_pump_from;	/* the peer pumped next */
	uint64_t		 n_pump_timer;	/* a turn to pump more */
	uint64_t		 n_head;	/* our newest log seq, committed */
	uint8_t			 n_epoch[STORE_EPOCH_BYTES]; /* of our log, now */
	uint64_t		 n_started_ms;
	int			 n_stopping;
	struct counters		 n_cnt;
	struct log_limit	 n_loglim;	/* of peers not yet named */
	char			 n_write_error[160]; /* why node_write failed */
	/* Ed25519 -> X25519 costs as much as a verify: remember them. */
	struct curve_memo {
		uint8_t	ed[KEY_PUBLIC_BYTES];
		uint8_t	curve[32];
		int	valid;
	}			 n_curve[256];
};

/*
 * A loop turn takes in records for NODE_TURN_MS at most, then lets the
 * loop answer everything else. The write transaction stays open from
 * turn to turn: it is committed, and what it took in acked, once it
 * holds NODE_COMMIT_RECORDS records or is NODE_COMMIT_MS old, or as soon
 * as the loop has nothing else to do. A busy link costs few commits; a
 * quiet one waits for none.
 */
#define NODE_TURN_MS		5
#define NODE_COMMIT_MS		50
#define NODE_COMMIT_RECORDS	1024
/* 1 once this turn has taken in its share. */
int	node_turn_full(const struct node *n);

/* key_curve_public() through a small cache; 0 or -1 as it returns. */
int	node_curve(struct node *n, const uint8_t ed[KEY_PUBLIC_BYTES],
	    uint8_t curve[32]);

/* The write transaction, begun on first use; NULL and logged if it
 * cannot be begun. */
store_txn_t	*node_txn(struct node *n);
/* Commits the write transaction, if any, then sends the acks it owes. */
void		 node_commit(struct node *n);
/* Throws the write transaction away (the store refused a write): peers
 * send again what it took in. */
void		 node_abort(struct node *n);
/* After each loop turn: commits when due (idle: the loop sleeps next),
 * then pumps feeds. */
void		 node_turn_end(struct node *n, int idle);
/* n_head: our newest committed log seq, which feeds read up to. */
void		 node_refresh_head(struct node *n);
/*
 * Rebuilds, from the records, the indexes of a store an older release
 * wrote in another layout (certificates, ACLs): once, at start, in one
 * transaction. 0, or -1 (logged).
 */
int		 node_reindex(struct node *n);
uint64_t	 node_wall_ms(void);

/* peer.c: links, authentication and frames. */
int	peer_init(struct node *n);
void	peer_shutdown(struct node *n);
/*
 * Queues f for p: 0, or -1 if it cannot go now (its pipe is full or
 * gone: p->pr_blocked is set until a send gets through, which a timer
 * keeps trying with a heartbeat).
 */
int	peer_send(struct node *n, struct peer *p, const Nodenet__Frame *f);
/* Ends p's session (a link reconnects; a node below stays listed). */
void	peer_fail(struct node *n, struct peer *p, const char *why);
/* Ends every session whose peer's chain no longer holds (a revocation,
 * an expiry); each counts in sessions_cut. */
void	peer_recheck(struct node *n);
/* A link that is down: reconnect now instead of after its backoff. */
void	peer_kick(struct node *n, struct peer *p);
/*
 * Drops a node below us from the peer list (a newer session replaced
 * it) and closes its connection.
 */
void	peer_forget(struct node *n, struct peer *p);
/*
 * 1 if a line p caused (NULL: a sender not yet named) may be logged now,
 * 0 if it is over its share; lines held back are counted and summed up
 * in one line when the window ends. Counters are kept regardless.
 */
int	peer_may_log(struct node *n, struct peer *p);

/* repl.c: the sync engine. */
#define REPL_RESTART_MS		1000	/* a feed restarts at most this often */
#define REPL_HELLO_REPLY	1u	/* pr_hello_owed bits */
#define REPL_HELLO_ASK		2u
void	repl_hello(struct node *n, struct peer *p, const Nodenet__Hello *h);
/*
 * Takes in a Batch frame from p, and f with it (freed when done). A
 * batch too long for one turn goes on in the next ones; meanwhile no
 * frame is read (repl_intake_busy()).
 */
void	repl_batch(struct node *n, struct peer *p, Nodenet__Frame *f);
/* 1 while a batch is being taken in: frames wait in their sockets. */
int	repl_intake_busy(const struct node *n);
/* Drops what p's batch still had to take in (its session ended). */
void	repl_intake_drop(struct node *n, struct peer *p);
void	repl_ack(struct node *n, struct peer *p, const Nodenet__Ack *a);
/* A link's transport is up: load its checkpoints and say Hello. */
void	repl_connected(struct node *n, struct peer *p);
void	repl_after_commit(struct node *n, int committed);
/*
 * Sends every peer what it is owed and what its credit allows, for at
 * most NODE_TURN_MS; the next turns go on where it stopped.
 */
void	repl_pump(struct node *n);
/* How far behind our log peer p is, in log positions (0: owed nothing). */
uint64_t repl_lag(const struct node *n, const struct peer *p);
/*
 * What lane of our log still owes p, beyond what it acked: records and
 * bytes. Reads at most max log entries (each is decoded, inside the
 * loop): 1 if it stopped there (the figures are a floor), 0 if exact,
 * -1 if the store is unreadable.
 */
int	repl_backlog(struct node *n, struct peer *p, unsigned lane,
	    uint64_t max, uint64_t *records, uint64_t *bytes);
/*
 * Writes a record of our own into txn: fills in origin, sequence and
 * time, signs, stores, and applies it here (a message to a local mailbox
 * is delivered). 0 with its id, or -1 (logged; n_write_error says why:
 * a document or ACL the database's rules refuse, a full store).
 */
int	node_write(struct node *n, store_txn_t *txn, Nodenet__RecordBody *rb,
	    uint8_t id[WIRE_ID_BYTES]);
/* The same for a record we signed already (buf: a SignedRecord). */
int	node_write_signed(struct node *n, store_txn_t *txn,
	    const uint8_t *buf, size_t len, uint8_t id[WIRE_ID_BYTES]);
/*
 * Purges deleted documents whose stub every peer holds (purge.c): one
 * pass now (the number purged, or -1), and one every few seconds.
 */
int	purge_run(struct node *n);
void	purge_start(struct node *n);
/* Records a custody event (enum store_custody_event) for record id. */
void	node_custody(store_txn_t *txn, const uint8_t *id, int event,
	    const char *who);

#endif
