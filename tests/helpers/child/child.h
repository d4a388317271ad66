/*
 * child: a child's end of a link to its parent, for the programs that
 * speak the link protocol without being a node: tests/helpers/evil_peer
 * (one hostile child) and bench/nation_sim (many honest provinces). The
 * CURVE DEALER and its monitor, the frames a child sends, what it keeps
 * of the parent's Hello and batches, and records signed by hand; what to
 * send and when is the caller's. proto/README.md, "Links", is the
 * contract.
 */
#ifndef CHILD_H
#define CHILD_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "key.h"
#include "wire.h"

struct child {
	void			*sock, *mon;	/* DEALER, its monitor */
	const char		*name;		/* in our Hello */
	const struct cert_chain	*chain;		/* likewise */
	uint32_t		 version, min_version;	/* likewise */
	/* Our store id, the parent's, how far we hold its log and it
	 * holds ours (from its Hello). */
	uint8_t			 store_id[WIRE_STORE_ID_BYTES];
	uint8_t			 parent_store[WIRE_STORE_ID_BYTES];
	int			 has_parent_store;
	uint64_t		 rx_upto[WIRE_LANES];
	uint64_t		 tx_from[WIRE_LANES];
	unsigned		 hs_ok, hs_failed, disconnected; /* events */
};

/* One record of ours in a batch: its seq in our log, its bytes. */
struct child_item {
	uint64_t	 seq;
	const uint8_t	*rec;
	size_t		 len;
};

/* Signs len bytes of msg with key into sig (KEY_SIGNATURE_BYTES). */
typedef void	child_sign_fn(const void *key, const uint8_t *msg, size_t len,
		    uint8_t *sig);

#define CHILD_ONCE	0x1	/* one connection: no reconnect */
#define CHILD_IMMEDIATE	0x2	/* frames queue only on a connection up:
				   none are left over for the next one */

/*
 * Connects c->sock, a DEALER of ctx, to endpoint with CURVE: our key kp,
 * the server key the X25519 form of parent's; as flags say (CHILD_*),
 * with rcvhwm (0: libzmq's default), and a monitor of the handshake's
 * outcome and of disconnects. 0, or -1 and *why.
 */
int	child_connect(struct child *c, void *ctx, const key_pair_t *kp,
	    const uint8_t parent[KEY_PUBLIC_BYTES], const char *endpoint,
	    int flags, int rcvhwm, const char **why);
void	child_close(struct child *c);
/*
 * The next monitor event, counted in c (0: none waiting): one of
 * ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ZMQ_EVENT_DISCONNECTED or a failed
 * handshake.
 */
uint16_t child_monitor(struct child *c);

/* f packed without the sender's cap (we may mean to break it). */
uint8_t	*child_pack(const Nodenet__Frame *f, size_t *len);
/* zmq_send with flags (ZMQ_DONTWAIT, ZMQ_SNDMORE): 0, or -1 and errno. */
int	child_send_raw(struct child *c, const void *buf, size_t len,
	    int flags);
int	child_send(struct child *c, const Nodenet__Frame *f, int flags);
/*
 * Our Hello as name (c->name, or another: we may mean to lie), with our
 * store id, the parent's, our checkpoints of its log and credit; reply
 * unset asks for the parent's. Packed into *len bytes.
 */
uint8_t	*child_hello(const struct child *c, const char *name, int reply,
	    uint32_t credit, size_t *len);
int	child_send_hello(struct child *c, int reply, uint32_t credit,
	    int flags);
int	child_send_ack(struct child *c, unsigned lane, uint64_t seq,
	    uint32_t credit, int flags);
/* head_seq: our log's head (0: not said). */
int	child_send_heartbeat(struct child *c, uint64_t head_seq, int flags);
/* A Batch of lane (after, upto] with n items, packed into *len bytes;
 * more: it says another batch follows (Batch.more). */
uint8_t	*child_batch(unsigned lane, uint64_t after, uint64_t upto,
	    const struct child_item *items, size_t n, int more, size_t *len);

/* The parent's Hello: where its feed and ours resume (our store as it
 * knows it: its checkpoints count; another: from 0). */
void	child_parent_hello(struct child *c, const Nodenet__Hello *h);
/* A batch from the parent, held as a child would: it moves our
 * checkpoint, and its ack (with the credit it used) goes at once. */
int	child_take_batch(struct child *c, const Nodenet__Batch *b, int flags);

/*
 * rb (origin_key set) serialized as it is, nothing checked (a hostile
 * office's record, or a simulated office's), and signed as the contract
 * says: a new SignedRecord of *len bytes, and its id.
 */
uint8_t	*child_seal(const Nodenet__RecordBody *rb, child_sign_fn *sign,
	    const void *key, uint8_t id[WIRE_ID_BYTES], size_t *len);

#endif
