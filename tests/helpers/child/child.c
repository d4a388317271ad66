/*
 * child: a child's end of a link to its parent; see child.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "clock.h"
#include "xmem.h"

#include "child.h"

#define RECONNECT_MS		100	/* as a node redials a dropped link */
#define RECONNECT_MAX_MS	1000

int
child_connect(struct child *c, void *ctx, const key_pair_t *kp,
    const uint8_t parent[KEY_PUBLIC_BYTES], const char *endpoint,
    int flags, int rcvhwm, const char **why)
{
	uint8_t	server[32], pk[32], sk[32];
	char	mon[64];
	int	linger = 0, ivl = flags & CHILD_ONCE ? -1 : RECONNECT_MS;
	int	ivl_max = RECONNECT_MAX_MS, on = 1, rc;
	int64_t	max = -1;

	*why = "no CURVE form of a key";
	if (key_curve_public(parent, server) != 0 ||
	    key_curve_public(key_public(kp), pk) != 0)
		return -1;
	if ((c->sock = zmq_socket(ctx, ZMQ_DEALER)) == NULL)
		goto fail;
	zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	zmq_setsockopt(c->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	zmq_setsockopt(c->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max,
	    sizeof(ivl_max));
	if (rcvhwm > 0)
		zmq_setsockopt(c->sock, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm));
	if (flags & CHILD_IMMEDIATE)
		zmq_setsockopt(c->sock, ZMQ_IMMEDIATE, &on, sizeof(on));
	key_curve_secret(kp, sk);
	rc = zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, server, 32) |
	    zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, pk, 32) |
	    zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, sk, 32);
	sodium_memzero(sk, sizeof(sk));
	if (rc != 0)
		goto fail;
	/* One context may hold many children: a monitor name each. */
	snprintf(mon, sizeof(mon), "inproc://child-monitor-%p", (void *)c);
	if (zmq_socket_monitor(c->sock, mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED) != 0 ||
	    (c->mon = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(c->mon, mon) != 0)
		goto fail;
	zmq_setsockopt(c->mon, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(c->sock, endpoint) != 0)
		goto fail;
	return 0;
fail:
	*why = zmq_strerror(errno);
	child_close(c);
	return -1;
}

void
child_close(struct child *c)
{
	if (c->sock != NULL)
		zmq_socket_monitor(c->sock, NULL, 0);
	if (c->mon != NULL)
		zmq_close(c->mon);
	if (c->sock != NULL)
		zmq_close(c->sock);
	c->sock = c->mon = NULL;
}

uint16_t
child_monitor(struct child *c)
{
	zmq_msg_t	m;
	uint16_t	ev = 0;
	int		more;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->mon, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&m);
		return 0;
	}
	if (zmq_msg_size(&m) >= 2)
		memcpy(&ev, zmq_msg_data(&m), 2);
	more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	/* The second part (the endpoint) says nothing we need. */
	while (more) {
		zmq_msg_init(&m);
		more = zmq_msg_recv(&m, c->mon, 0) != -1 && zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
	if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
		c->hs_ok++;
	else if (ev == ZMQ_EVENT_DISCONNECTED)
		c->disconnected++;
	else
		c->hs_failed++;
	return ev != 0 ? ev : ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
}

uint8_t *
child_pack(const Nodenet__Frame *f, size_t *len)
{
	uint8_t	*buf;

	*len = nodenet__frame__get_packed_size(f);
	buf = xmalloc(*len + 1);
	nodenet__frame__pack(f, buf);
	return buf;
}

int
child_send_raw(struct child *c, const void *buf, size_t len, int flags)
{
	return zmq_send(c->sock, buf, len, flags) == -1 ? -1 : 0;
}

int
child_send(struct child *c, const Nodenet__Frame *f, int flags)
{
	size_t	 len;
	uint8_t	*buf = child_pack(f, &len);
	int	 rc = child_send_raw(c, buf, len, flags);

	free(buf);
	return rc;
}

uint8_t *
child_hello(const struct child *c, const char *name, int reply,
    uint32_t credit, size_t *len)
{
	Nodenet__Frame		 f = NODENET__FRAME__INIT;
	Nodenet__Hello		 h = NODENET__HELLO__INIT;
	ProtobufCBinaryData	*chain;
	uint8_t			*buf;

	chain = xcalloc(c->chain->n + 1, sizeof(*chain));
	for (size_t i = 0; i < c->chain->n; i++) {
		chain[i].data = c->chain->certs[i];
		chain[i].len = c->chain->lens[i];
	}
	h.protocol_version = c->min_version;
	h.max_protocol_version = c->version;
	h.name = (char *)(uintptr_t)name;
	h.cert_chain = chain;
	h.n_cert_chain = c->chain->n;
	h.store_id.data = (uint8_t *)(uintptr_t)c->store_id;
	h.store_id.len = sizeof(c->store_id);
	if (c->has_parent_store) {
		h.peer_store_id.data = (uint8_t *)(uintptr_t)c->parent_store;
		h.peer_store_id.len = sizeof(c->parent_store);
	}
	h.checkpoints = (uint64_t *)(uintptr_t)c->rx_upto;
	h.n_checkpoints = WIRE_LANES;
	h.credit = credit;
	h.reply = reply;
	f.kind_case = NODENET__FRAME__KIND_HELLO;
	f.hello = &h;
	buf = child_pack(&f, len);
	free(chain);
	return buf;
}

int
child_send_hello(struct child *c, int reply, uint32_t credit, int flags)
{
	size_t	 len;
	uint8_t	*buf = child_hello(c, c->name, reply, credit, &len);
	int	 rc = child_send_raw(c, buf, len, flags);

	free(buf);
	return rc;
}

int
child_send_ack(struct child *c, unsigned lane, uint64_t seq, uint32_t credit,
    int flags)
{
	Nodenet__Frame	f = NODENET__FRAME__INIT;
	Nodenet__Ack	a = NODENET__ACK__INIT;

	a.seq = seq;
	a.credit = credit;
	a.lane = lane;
	f.kind_case = NODENET__FRAME__KIND_ACK;
	f.ack = &a;
	return child_send(c, &f, flags);
}

int
child_send_heartbeat(struct child *c, uint64_t head_seq, int flags)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__Heartbeat	hb = NODENET__HEARTBEAT__INIT;

	hb.now_ms = clock_wall_ms();
	hb.head_seq = head_seq;
	f.kind_case = NODENET__FRAME__KIND_HEARTBEAT;
	f.heartbeat = &hb;
	return child_send(c, &f, flags);
}

uint8_t *
child_batch(unsigned lane, uint64_t after, uint64_t upto,
    const struct child_item *items, size_t n, int more, size_t *len)
{
	Nodenet__Frame		  f = NODENET__FRAME__INIT;
	Nodenet__Batch		  b = NODENET__BATCH__INIT;
	Nodenet__Transfer	 *t = xcalloc(n + 1, sizeof(*t));
	Nodenet__Transfer	**pt = xcalloc(n + 1, sizeof(*pt));
	uint8_t			 *buf;

	for (size_t i = 0; i < n; i++) {
		nodenet__transfer__init(&t[i]);
		t[i].seq = items[i].seq;
		t[i].record.data = (uint8_t *)(uintptr_t)items[i].rec;
		t[i].record.len = items[i].len;
		pt[i] = &t[i];
	}
	b.items = pt;
	b.n_items = n;
	b.after = after;
	b.upto = upto;
	b.lane = lane;
	b.more = more != 0;
	f.kind_case = NODENET__FRAME__KIND_BATCH;
	f.batch = &b;
	buf = child_pack(&f, len);
	free(t);
	free(pt);
	return buf;
}

void
child_parent_hello(struct child *c, const Nodenet__Hello *h)
{
	int	ours = h->peer_store_id.len == WIRE_STORE_ID_BYTES &&
	    memcmp(h->peer_store_id.data, c->store_id,
	    WIRE_STORE_ID_BYTES) == 0;

	for (size_t l = 0; l < WIRE_LANES; l++)
		c->tx_from[l] = ours && l < h->n_checkpoints ?
		    h->checkpoints[l] : 0;
	if (h->store_id.len == WIRE_STORE_ID_BYTES) {
		if (c->has_parent_store && memcmp(c->parent_store,
		    h->store_id.data, WIRE_STORE_ID_BYTES) != 0)
			memset(c->rx_upto, 0, sizeof(c->rx_upto));
		memcpy(c->parent_store, h->store_id.data,
		    WIRE_STORE_ID_BYTES);
		c->has_parent_store = 1;
	}
}

int
child_take_batch(struct child *c, const Nodenet__Batch *b, int flags)
{
	if (b->lane < WIRE_LANES && b->upto > c->rx_upto[b->lane])
		c->rx_upto[b->lane] = b->upto;
	return child_send_ack(c, b->lane, b->upto, b->n_items > 0 ?
	    (uint32_t)b->n_items : 1, flags);
}

uint8_t *
child_seal(const Nodenet__RecordBody *rb, child_sign_fn *sign,
    const void *key, uint8_t id[WIRE_ID_BYTES], size_t *len)
{
	Nodenet__SignedRecord	 sr = NODENET__SIGNED_RECORD__INIT;
	uint8_t			 sig[KEY_SIGNATURE_BYTES];
	uint8_t			 msg[sizeof(WIRE_SIGN_PREFIX) + WIRE_ID_BYTES];
	uint8_t			*body, *out;
	size_t			 body_len;

	body_len = nodenet__record_body__get_packed_size(rb);
	body = xmalloc(body_len + 1);
	nodenet__record_body__pack(rb, body);
	/* The contract's signature: prefix, its NUL, then the id. */
	wire_record_id(body, body_len, id);
	memcpy(msg, WIRE_SIGN_PREFIX, sizeof(WIRE_SIGN_PREFIX));
	memcpy(msg + sizeof(WIRE_SIGN_PREFIX), id, WIRE_ID_BYTES);
	sign(key, msg, sizeof(msg), sig);
	sr.body.data = body;
	sr.body.len = body_len;
	sr.signature.data = sig;
	sr.signature.len = sizeof(sig);
	*len = nodenet__signed_record__get_packed_size(&sr);
	out = xmalloc(*len);
	nodenet__signed_record__pack(&sr, out);
	free(body);
	return out;
}
