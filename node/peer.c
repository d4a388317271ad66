/*
 * peer: the node's links: ZeroMQ sockets, CURVE and ZAP, Hello
 * deadlines, heartbeats, reconnects, and frames in and out.
 *
 * We use libzmq directly: a ROUTER bound to `listen` accepts the nodes
 * below; one DEALER per [link] connects up (or sideways). CZMQ's reactor
 * would save little next to loop.c and adds a second allocation model.
 *
 * Each link is CURVE-encrypted with the X25519 form of the nodes' Ed25519
 * keys. Our ZAP handler admits a connecting key only if trust vouches
 * for it (trust_admit()). The admitted X25519 key rides on every message
 * as its User-Id, and the peer must then show, in a Hello within
 * link_timeout, a certificate chain for an Ed25519 key of that form, or
 * be dropped. A session lasts while its chain holds: a revocation or the
 * end of a window ends it (peer_recheck(), tick()). Handshake failures
 * are seen through socket monitors (a CURVE failure is otherwise a
 * silent reconnect loop).
 *
 * SECURITY: frames are untrusted; wire_frame_unpack() bounds them before
 * anything reads them, and a bad frame costs the peer a counter and a log
 * line, never the node. Log lines a peer causes are rate-limited
 * (peer_may_log()); what libzmq queues per connection is bounded
 * (PEER_HWM); a session we end on our ROUTER is closed (close_conn()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "clock.h"
#include "log.h"
#include "node.h"
#include "peer.h"
#include "skew.h"
#include "trust.h"
#include "turn.h"
#include "xmem.h"

#define ZAP_ENDPOINT	"inproc://zeromq.zap.01"
#define TICK_MS		500
#define DRAIN_MAX	64	/* messages read per socket per loop turn */
#define PROBE_MS	10	/* a blocked session tries again this often */
#define LOG_BURST	5	/* lines a peer may cause per LOG_WINDOW_MS */
#define LOG_WINDOW_MS	1000

/*
 * Frames one connection may hold queued here, each way. libzmq counts
 * whole messages: a pipe holds PEER_HWM of them, and the connection's
 * engine one more (two copies while CURVE seals or opens it). Its
 * default, 1,000 each way, let one peer that reads nothing (or sends
 * faster than we verify) pin gigabytes. Out: no frame of ours exceeds
 * WIRE_MAX_FRAME, and a batch, the large one, stops just past
 * WIRE_MAX_FRAME / 2 of records: about 6 x 4 MiB = 24 MiB a connection,
 * 48 MiB at the very most. In: a peer's frame is taken up to
 * ZMQ_MAXMSGSIZE (2 x WIRE_MAX_FRAME, so that one too large is refused
 * and counted, not a dropped connection): 96 MiB at the very most; a
 * socket may also hold one frame read and decoded, set aside while a
 * batch is taken in (take()): the ROUTER one for all its peers. The
 * kernel's socket buffers come on top, outside the process. Four frames
 * keep a link busy: acks coming back refill them (repl_pump()).
 */
#define PEER_HWM	4

static void	tick(loop_t *, void *);
static void	send_heartbeat(struct node *, struct peer *);

static struct peer *
peer_new(struct node *n)
{
	struct peer	*p = xcalloc(1, sizeof(*p));

	p->pr_node = n;
	p->pr_fd = -1;
	n->n_peers = xrealloc(n->n_peers, n->n_npeers + 1,
	    sizeof(*n->n_peers));
	n->n_peers[n->n_npeers++] = p;
	return p;
}

/* Drops p's frame held aside, if any: its socket is read again. */
static void
unpark(struct node *n, struct peer *p)
{
	if (p->pr_parked == NULL)
		return;
	nodenet__frame__free_unpacked(p->pr_parked, NULL);
	p->pr_parked = NULL;
	if (n->n_router_parked == p)
		n->n_router_parked = NULL;
}

static void
peer_free(struct node *n, struct peer *p)
{
	n->n_proto->ended(n, p);
	for (size_t i = 0; i < n->n_npeers; i++)
		if (n->n_peers[i] == p) {
			n->n_peers[i] = n->n_peers[--n->n_npeers];
			break;
		}
	if (p->pr_hello_timer != 0)
		loop_timer_cancel(n->n_loop, p->pr_hello_timer);
	if (p->pr_retry_timer != 0)
		loop_timer_cancel(n->n_loop, p->pr_retry_timer);
	if (p->pr_restart_timer != 0)
		loop_timer_cancel(n->n_loop, p->pr_restart_timer);
	if (p->pr_probe_timer != 0)
		loop_timer_cancel(n->n_loop, p->pr_probe_timer);
	unpark(n, p);
	free(p->pr_inflight);
	free(p->pr_name);
	free(p);
}

static const char *
peer_label(const struct peer *p)
{
	return p->pr_name != NULL ? p->pr_name : "(unnamed)";
}

/* Session state that does not survive a reconnect. */
static void
session_reset(struct peer *p)
{
	p->pr_node->n_proto->ended(p->pr_node, p);
	unpark(p->pr_node, p);	/* of the session that ended */
	p->pr_state = PEER_DOWN;
	p->pr_hello_sent = 0;
	p->pr_version = 0;
	p->pr_hello_owed = 0;
	p->pr_blocked = 0;
	if (p->pr_probe_timer != 0)
		loop_timer_cancel(p->pr_node->n_loop, p->pr_probe_timer);
	p->pr_probe_timer = 0;
	p->pr_resync = 0;
	p->pr_credit = 0;
	p->pr_ack_due = 0;
	p->pr_ack_owed = 0;
	if (p->pr_restart_timer != 0)
		loop_timer_cancel(p->pr_node->n_loop, p->pr_restart_timer);
	p->pr_restart_timer = 0;
	p->pr_restart_due = 0;
	p->pr_restart_reply = 0;
	memcpy(p->pr_rx_upto, p->pr_received, sizeof(p->pr_rx_upto));
}

/*
 * Closes the connection of a session on our ROUTER. libzmq cannot close
 * one connection of a ROUTER, so we shut down the socket its first
 * message came from; libzmq's I/O thread sees it end and drops the
 * connection with all it had queued. libzmq owns that descriptor and may
 * have closed it and given its number to another connection since: only
 * a socket still connected to the address it had then is shut down.
 * (That address is the peer's IP and port: another connection could
 * share both only if the same host reused the port at once, and then it
 * is the same node, which reconnects.)
 */
/* 1 if p's socket is still the connection it came on. */
static int
conn_alive(const struct peer *p)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	return p->pr_fd != -1 &&
	    getpeername(p->pr_fd, (struct sockaddr *)&ss, &len) == 0 &&
	    len == p->pr_addrlen && memcmp(&ss, &p->pr_addr, len) == 0;
}

static void
close_conn(struct peer *p)
{
	if (p->pr_link != NULL || p->pr_fd == -1)
		return;
	if (conn_alive(p))
		(void)shutdown(p->pr_fd, SHUT_RDWR);	/* gone already: fine */
	p->pr_fd = -1;
}

/* Sums up what ll held back, once its window is over. */
static void
log_limit_flush(struct log_limit *ll, const char *who, uint64_t now)
{
	if (ll->ll_dropped == 0 || now - ll->ll_start_ms < LOG_WINDOW_MS)
		return;
	log_warnx("event=log_suppressed peer=%s lines=%llu", who,
	    (unsigned long long)ll->ll_dropped);
	ll->ll_dropped = 0;
}

/*
 * A peer decides how often it makes us log (a bad frame, a refused
 * record, a gap): LOG_BURST lines per window each, the rest counted.
 * Senders not yet named share one budget, since each connection is a
 * new one of those.
 */
int
peer_may_log(struct node *n, struct peer *p)
{
	struct log_limit	*ll = &n->n_loglim;
	const char		*who = "(unnamed)";
	uint64_t		 now = clock_mono_ms();

	if (p != NULL && p->pr_name != NULL) {
		ll = &p->pr_loglim;
		who = p->pr_name;
	}
	if (now - ll->ll_start_ms >= LOG_WINDOW_MS) {
		log_limit_flush(ll, who, now);
		ll->ll_start_ms = now;
		ll->ll_lines = 0;
	}
	if (ll->ll_lines < LOG_BURST) {
		ll->ll_lines++;
		return 1;
	}
	ll->ll_dropped++;
	return 0;
}

static int
set_curve_keys(struct node *n, void *sock)
{
	uint8_t	pk[32], sk[32];
	int	rc;

	if (key_curve_public(key_public(n->n_key), pk) != 0)
		return -1;
	key_curve_secret(n->n_key, sk);
	rc = zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pk, 32) == 0 &&
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sk, 32) == 0 ? 0 : -1;
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

static void
set_common(struct node *n, void *sock)
{
	int64_t	max = 2 * (int64_t)WIRE_MAX_FRAME;	/* ours is checked */
	int	linger = 0, hs = (int)n->n_conf->link_timeout_ms;
	int	hwm = PEER_HWM;

	zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sock, ZMQ_HANDSHAKE_IVL, &hs, sizeof(hs));
	/*
	 * No ZMTP heartbeats: our Heartbeat frames and link_timeout decide
	 * whether a session lives (tick()), and a dead connection is ended
	 * and redialled there. libzmq 4.3.4's own heartbeat timer can fire
	 * on a connection that already failed while its inbound pipe was
	 * full and abort the process (an assertion in its stream engine):
	 * a child that fills our pipe and drops the connection must not be
	 * able to do that.
	 */
}

/* A PAIR socket receiving sock's monitor events, or NULL. */
static void *
monitor(struct node *n, void *sock, const char *tag, loop_io_fn fn, void *arg)
{
	char	 ep[64];
	void	*m;

	snprintf(ep, sizeof(ep), "inproc://monitor-%s-%p", tag, sock);
	if (zmq_socket_monitor(sock, ep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED) != 0)
		return NULL;
	if ((m = zmq_socket(n->n_zctx, ZMQ_PAIR)) == NULL)
		return NULL;
	if (zmq_connect(m, ep) != 0) {
		zmq_close(m);
		return NULL;
	}
	loop_add(n->n_loop, m, -1, fn, arg);
	return m;
}

/* Reads one monitor event: 0 with *event and the endpoint, -1 if none. */
static int
monitor_read(void *m, uint16_t *event, int32_t *value, char *ep,
    size_t eplen)
{
	zmq_msg_t	msg;
	int		more;
	size_t		len;

	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, m, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&msg);
		return -1;
	}
	more = zmq_msg_more(&msg);
	*event = 0;
	*value = -1;
	if (zmq_msg_size(&msg) >= 2)
		memcpy(event, zmq_msg_data(&msg), 2);
	if (zmq_msg_size(&msg) >= 6)	/* the event's value: an fd, ... */
		memcpy(value, (uint8_t *)zmq_msg_data(&msg) + 2, 4);
	zmq_msg_close(&msg);
	ep[0] = '\0';
	if (!more)
		return 0;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, m, 0) != -1) {
		len = zmq_msg_size(&msg);
		if (len >= eplen)
			len = eplen - 1;
		memcpy(ep, zmq_msg_data(&msg), len);
		ep[len] = '\0';
	}
	zmq_msg_close(&msg);
	return 0;
}

static const char *
handshake_failure(uint16_t event)
{
	switch (event) {
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		return "authentication refused";
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		return "handshake protocol error";
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
		return "handshake failed (wrong key?)";
	}
	return NULL;
}

void
peer_forget(struct node *n, struct peer *p)
{
	close_conn(p);
	peer_free(n, p);
}

void
peer_fail(struct node *n, struct peer *p, const char *why)
{
	if (peer_may_log(n, p))
		log_warnx("event=link_fail peer=%s reason=\"%s\"",
		    peer_label(p), why);
	snprintf(p->pr_error, sizeof(p->pr_error), "%s", why);
	if (p->pr_link == NULL) {
		/*
		 * End the session and close its connection, with what was
		 * queued for it; the node reconnects and says Hello again.
		 * A named node stays listed (down) for node-ctl peers until
		 * it does.
		 */
		close_conn(p);
		if (p->pr_name == NULL) {
			peer_free(n, p);
			return;
		}
		if (p->pr_hello_timer != 0) {
			loop_timer_cancel(n->n_loop, p->pr_hello_timer);
			p->pr_hello_timer = 0;
		}
		p->pr_rid_len = 0;
		session_reset(p);
		return;
	}
	/* Reconnecting makes a new session; libzmq backs off for us. */
	zmq_disconnect(p->pr_sock, p->pr_link->endpoint);
	session_reset(p);
	if (zmq_connect(p->pr_sock, p->pr_link->endpoint) != 0)
		log_warn("event=link_connect peer=%s", p->pr_link->name);
}

static void
hello_deadline(loop_t *l, void *arg)
{
	struct peer	*p = arg;

	(void)l;
	p->pr_hello_timer = 0;
	if (p->pr_state != PEER_UP) {
		p->pr_node->n_cnt.hello_bad++;
		peer_fail(p->pr_node, p, "no valid Hello in time");
	}
}

static void
arm_hello_deadline(struct node *n, struct peer *p)
{
	if (p->pr_hello_timer != 0)
		loop_timer_cancel(n->n_loop, p->pr_hello_timer);
	p->pr_hello_timer = loop_timer(n->n_loop, n->n_conf->link_timeout_ms,
	    hello_deadline, p);
}

static void
reconnect(loop_t *l, void *arg)
{
	struct peer	*p = arg;

	(void)l;
	p->pr_retry_timer = 0;
	zmq_disconnect(p->pr_sock, p->pr_link->endpoint);
	if (zmq_connect(p->pr_sock, p->pr_link->endpoint) != 0)
		log_warn("event=link_connect peer=%s", p->pr_link->name);
}

void
peer_kick(struct node *n, struct peer *p)
{
	if (p->pr_link == NULL || p->pr_state != PEER_DOWN)
		return;
	if (p->pr_retry_timer != 0)
		loop_timer_cancel(n->n_loop, p->pr_retry_timer);
	p->pr_backoff_ms = 0;
	reconnect(n->n_loop, p);
}

/*
 * libzmq does not reconnect after a refused CURVE handshake: do it
 * ourselves, backing off, so a certificate that arrives later (or a
 * renewed one) brings the link up without a restart.
 */
static void
retry_later(struct node *n, struct peer *p)
{
	uint64_t	min = n->n_conf->retry_min_ms, max = n->n_conf->retry_max_ms;

	if (p->pr_retry_timer != 0)
		return;
	p->pr_backoff_ms = p->pr_backoff_ms < min ? min :
	    p->pr_backoff_ms * 2 > max ? max : p->pr_backoff_ms * 2;
	p->pr_retry_timer = loop_timer(n->n_loop, p->pr_backoff_ms, reconnect,
	    p);
}

/* Monitor of a DEALER: its connection's ups and downs. */
static int
on_link_monitor(loop_t *l, void *arg)
{
	struct peer	*p = arg;
	struct node	*n = p->pr_node;
	uint16_t	 ev;
	int32_t		 value;
	char		 ep[256];
	const char	*fail;

	(void)l;
	while (monitor_read(p->pr_monitor, &ev, &value, ep, sizeof(ep)) ==
	    0) {
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
			log_info("event=link_connected peer=%s endpoint=%s",
			    p->pr_link->name, ep);
			session_reset(p);
			p->pr_state = PEER_CONNECTED;
			p->pr_connected_ms = clock_mono_ms();
			p->pr_last_rx_ms = p->pr_connected_ms;
			arm_hello_deadline(n, p);
			n->n_proto->connected(n, p);
		} else if (ev == ZMQ_EVENT_DISCONNECTED) {
			if (p->pr_state != PEER_DOWN)
				log_info("event=link_down peer=%s",
				    p->pr_link->name);
			session_reset(p);
		} else if ((fail = handshake_failure(ev)) != NULL) {
			n->n_cnt.auth_failed++;
			snprintf(p->pr_error, sizeof(p->pr_error), "%s", fail);
			if (peer_may_log(n, p))
				log_warnx("event=auth_failed peer=%s "
				    "endpoint=%s reason=\"%s\"",
				    p->pr_link->name, ep, fail);
			retry_later(n, p);
		}
	}
	return 0;
}

/*
 * A connection to our ROUTER closed (fd, now maybe another's): the
 * session of the node below that came on it ends at once, not after
 * link_timeout. libzmq reports the close just before it closes the fd,
 * so a peer whose fd still reads as its connection is looked at again
 * CLOSE_RECHECK_MS later: closed by then, its session ends; still
 * there, the event was about an earlier connection on the same fd.
 */
#define CLOSE_RECHECK_MS	100

static void
closes_recheck(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	for (size_t i = n->n_npeers; i-- > 0;) {
		struct peer	*p = n->n_peers[i];

		if (!p->pr_close_seen)
			continue;
		p->pr_close_seen = 0;
		if (p->pr_state != PEER_DOWN && !conn_alive(p)) {
			p->pr_fd = -1;
			peer_fail(n, p, "connection closed");
		}
	}
}

static void
router_closed(struct node *n, int fd)
{
	int	recheck = 0;

	for (size_t i = n->n_npeers; i-- > 0;) {
		struct peer	*p = n->n_peers[i];

		if (p->pr_link != NULL || p->pr_fd != fd || fd == -1 ||
		    p->pr_state == PEER_DOWN)
			continue;
		if (conn_alive(p)) {
			p->pr_close_seen = 1;
			recheck = 1;
			continue;
		}
		p->pr_fd = -1;
		peer_fail(n, p, "connection closed");	/* may free p */
	}
	if (recheck)
		loop_timer(n->n_loop, CLOSE_RECHECK_MS, closes_recheck, n);
}

/* Monitor of the ROUTER: handshakes that nodes below us failed, and
 * connections that closed. */
static int
on_router_monitor(loop_t *l, void *arg)
{
	struct node	*n = arg;
	uint16_t	 ev;
	int32_t		 value;
	char		 ep[256];
	const char	*fail;

	(void)l;
	while (monitor_read(n->n_router_mon, &ev, &value, ep, sizeof(ep)) ==
	    0) {
		if (ev == ZMQ_EVENT_DISCONNECTED)
			router_closed(n, value);
		/* ZAP counted and logged the refusals it made itself. */
		else if ((fail = handshake_failure(ev)) != NULL &&
		    ev != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
			n->n_cnt.auth_failed++;
			if (peer_may_log(n, NULL))
				log_warnx("event=auth_failed endpoint=%s "
				    "reason=\"%s\"", ep, fail);
		}
	}
	return 0;
}

/*
 * ZAP: admits a connecting CURVE key only if trust can vouch for it (a
 * configured link, or a certificate that holds). The reply's User-Id is
 * the CURVE key in hex; every message of the connection carries it, and
 * the Hello must then prove an Ed25519 key of exactly that X25519 form.
 */
static int
on_zap(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	for (int round = 0; round < DRAIN_MAX; round++) {
		zmq_msg_t	 part[7];
		int		 nparts = 0, more = 1, ok = 0;
		char		 hex[KEY_HEX_BYTES] = "";
		char		 addr[64] = "";
		const char	*why = "malformed ZAP request";

		while (more) {
			zmq_msg_t	m;

			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, n->n_zap, nparts == 0 ?
			    ZMQ_DONTWAIT : 0) == -1) {
				zmq_msg_close(&m);
				if (nparts == 0)
					return 0;
				break;
			}
			more = zmq_msg_more(&m);
			if (nparts < 7)
				part[nparts++] = m;
			else
				zmq_msg_close(&m);
		}
		/* version, request id, domain, address, identity, mechanism,
		 * client key */
		if (nparts == 7 && zmq_msg_size(&part[6]) == 32 &&
		    zmq_msg_size(&part[5]) == 5 &&
		    memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0) {
			size_t	alen = zmq_msg_size(&part[3]);

			if (alen >= sizeof(addr))
				alen = sizeof(addr) - 1;
			memcpy(addr, zmq_msg_data(&part[3]), alen);
			addr[alen] = '\0';
			ok = trust_admit(n, zmq_msg_data(&part[6]), &why);
			if (ok)
				key_hex(zmq_msg_data(&part[6]), hex);
		}
		if (!ok) {
			n->n_cnt.auth_failed++;
			if (peer_may_log(n, NULL))
				log_warnx("event=auth_refused address=%s "
				    "reason=\"%s\"", addr, why);
		}
		if (nparts >= 2) {
			const char *code = ok ? "200" : "400";
			const char *text = ok ? "OK" : why;

			zmq_send(n->n_zap, "1.0", 3, ZMQ_SNDMORE);
			zmq_send(n->n_zap, zmq_msg_data(&part[1]),
			    zmq_msg_size(&part[1]), ZMQ_SNDMORE);
			zmq_send(n->n_zap, code, 3, ZMQ_SNDMORE);
			zmq_send(n->n_zap, text, strlen(text), ZMQ_SNDMORE);
			zmq_send(n->n_zap, hex, strlen(hex), ZMQ_SNDMORE);
			zmq_send(n->n_zap, "", 0, 0);
		}
		for (int i = 0; i < nparts; i++)
			zmq_msg_close(&part[i]);
	}
	return 0;
}

/* Decodes a frame read from p: NULL if it is bad (counted, logged). */
static Nodenet__Frame *
decode(struct node *n, struct peer *p, const uint8_t *buf, size_t len)
{
	Nodenet__Frame	*f;
	int		 rc;

	n->n_cnt.frames_in++;
	p->pr_bytes_in += len;
	p->pr_last_rx_ms = clock_mono_ms();
	if ((rc = wire_frame_unpack(buf, len, &f)) != 0) {
		n->n_cnt.frames_bad++;
		snprintf(p->pr_error, sizeof(p->pr_error), "bad frame: %s",
		    wire_strerror(rc));
		if (peer_may_log(n, p))
			log_warnx("event=frame_refused peer=%s bytes=%zu "
			    "reason=\"%s\"", peer_label(p), len,
			    wire_strerror(rc));
		return NULL;
	}
	return f;
}

/* Hands frame f of p up to the node's table, which may keep it. */
static void
hand_up(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	const struct peer_proto	*up = n->n_proto;
	size_t			 k;

	if (f->kind_case != NODENET__FRAME__KIND_HELLO &&
	    p->pr_state != PEER_UP) {
		n->n_cnt.frames_bad++;
		if (peer_may_log(n, p))
			log_warnx("event=frame_refused peer=%s "
			    "reason=\"before Hello\"", peer_label(p));
	} else if (f->kind_case == NODENET__FRAME__KIND_HEARTBEAT) {
		p->pr_their_head = f->heartbeat->head_seq;
		skew_heard(p, f->heartbeat->now_ms);
	}
	else if ((k = (size_t)f->kind_case) < sizeof(up->frame) /
	    sizeof(up->frame[0]) && up->frame[k] != NULL &&
	    up->frame[k](n, p, f))
		return;		/* the handler keeps f */
	nodenet__frame__free_unpacked(f, NULL);
}

static void	arm_unpark(struct node *);

/*
 * Hands frame f of p up, or holds it aside if it must wait (struct
 * peer_proto's waits): 1 then, and its socket is read no further till
 * it has gone up (unpark_wake()). NULL (a bad frame) is passed over.
 */
static int
take(struct node *n, struct peer *p, Nodenet__Frame *f)
{
	if (f == NULL)
		return 0;
	if (n->n_proto->waits(n, p, f)) {
		p->pr_parked = f;
		if (p->pr_link == NULL)
			n->n_router_parked = p;
		arm_unpark(n);
		return 1;
	}
	hand_up(n, p, f);
	return 0;
}

/* Hands p's frame held aside up if it need wait no longer: 1 if it
 * still waits. */
static int
parked_waits(struct node *n, struct peer *p)
{
	Nodenet__Frame	*f = p->pr_parked;

	if (f == NULL)
		return 0;
	if (n->n_proto->waits(n, p, f))
		return 1;
	p->pr_parked = NULL;
	if (n->n_router_parked == p)
		n->n_router_parked = NULL;
	hand_up(n, p, f);
	return 0;
}

#define UNPARK_MS	1	/* a frame held aside is looked at this often */

/* Frames held aside that need wait no longer go up, in their sockets'
 * place; a socket whose frame went is read again from the next turn. */
static void
unpark_wake(loop_t *l, void *arg)
{
	struct node	*n = arg;
	int		 waiting = 0;

	(void)l;
	n->n_unpark_timer = 0;
	if (n->n_router_parked != NULL)
		(void)parked_waits(n, n->n_router_parked);
	for (size_t i = 0; i < n->n_npeers; i++)
		if (n->n_peers[i]->pr_link != NULL)
			(void)parked_waits(n, n->n_peers[i]);
	/* A frame handed up may have ended sessions: count anew. */
	for (size_t i = 0; i < n->n_npeers; i++)
		waiting |= n->n_peers[i]->pr_parked != NULL;
	if (waiting)
		arm_unpark(n);
}

static void
arm_unpark(struct node *n)
{
	if (n->n_unpark_timer == 0)
		n->n_unpark_timer = loop_timer(n->n_loop, UNPARK_MS,
		    unpark_wake, n);
}

static int
on_dealer(loop_t *l, void *arg)
{
	struct peer	*p = arg;
	struct node	*n = p->pr_node;

	(void)l;
	if (parked_waits(n, p))
		return 0;
	for (int round = 0; round < DRAIN_MAX && (round == 0 ||
	    !node_turn_full(n)); round++) {
		zmq_msg_t	m;
		int		held = 0;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, p->pr_sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&m);
			break;
		}
		if (zmq_msg_more(&m)) {
			/* We never send multipart; drain and refuse it. */
			p->pr_node->n_cnt.frames_bad++;
			while (zmq_msg_more(&m) && zmq_msg_recv(&m,
			    p->pr_sock, 0) != -1)
				;
		} else
			held = take(n, p, decode(n, p, zmq_msg_data(&m),
			    zmq_msg_size(&m)));
		zmq_msg_close(&m);
		if (held)
			break;
	}
	return 0;
}

static struct peer *
router_peer(struct node *n, zmq_msg_t *rid, zmq_msg_t *payload)
{
	const char	*uid;
	struct peer	*p;
	uint8_t		 curve[32];

	for (size_t i = 0; i < n->n_npeers; i++) {
		p = n->n_peers[i];
		if (p->pr_link == NULL && p->pr_rid_len > 0 &&
		    p->pr_rid_len == zmq_msg_size(rid) &&
		    memcmp(p->pr_rid, zmq_msg_data(rid), p->pr_rid_len) == 0)
			return p;
	}
	/* A new connection: ZAP vouched for its CURVE key (the User-Id). */
	uid = zmq_msg_gets(payload, "User-Id");
	if (uid == NULL || key_parse_hex(uid, curve) != 0 ||
	    zmq_msg_size(rid) > sizeof(p->pr_rid))
		return NULL;
	p = peer_new(n);
	memcpy(p->pr_curve, curve, sizeof(curve));
	memcpy(p->pr_rid, zmq_msg_data(rid), zmq_msg_size(rid));
	p->pr_rid_len = zmq_msg_size(rid);
	/* The socket it came from, to close it by (close_conn()).
	 * ZMQ_SRCFD is deprecated since libzmq 4.3 but still there: no
	 * other call tells one connection of a ROUTER from another. */
	p->pr_addrlen = sizeof(p->pr_addr);
	if ((p->pr_fd = zmq_msg_get(payload, ZMQ_SRCFD)) < 0 ||
	    getpeername(p->pr_fd, (struct sockaddr *)&p->pr_addr,
	    &p->pr_addrlen) != 0)
		p->pr_fd = -1;
	p->pr_state = PEER_CONNECTED;
	p->pr_connected_ms = clock_mono_ms();
	arm_hello_deadline(n, p);
	return p;
}

static int
on_router(loop_t *l, void *arg)
{
	struct node	*n = arg;

	(void)l;
	/* One frame a turn at least, more while the turn has time; none
	 * while one read before waits. */
	if (n->n_router_parked != NULL && parked_waits(n, n->n_router_parked))
		return 0;
	for (int round = 0; round < DRAIN_MAX && (round == 0 ||
	    !node_turn_full(n)); round++) {
		zmq_msg_t	 rid, m;
		struct peer	*p;
		int		 parts = 1, held = 0;

		zmq_msg_init(&rid);
		if (zmq_msg_recv(&rid, n->n_router, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&rid);
			break;
		}
		zmq_msg_init(&m);
		if (!zmq_msg_more(&rid) || zmq_msg_recv(&m, n->n_router, 0) ==
		    -1) {
			zmq_msg_close(&m);
			zmq_msg_close(&rid);
			continue;
		}
		parts++;
		while (zmq_msg_more(&m)) {
			zmq_msg_t	extra;

			zmq_msg_init(&extra);
			zmq_msg_recv(&extra, n->n_router, 0);
			parts++;
			if (!zmq_msg_more(&extra)) {
				zmq_msg_close(&extra);
				break;
			}
			zmq_msg_close(&extra);
		}
		if (parts != 2 || (p = router_peer(n, &rid, &m)) == NULL) {
			n->n_cnt.frames_bad++;
			if (peer_may_log(n, NULL))
				log_warnx("event=frame_refused reason="
				    "\"malformed message or unknown sender\"");
		} else
			held = take(n, p, decode(n, p, zmq_msg_data(&m),
			    zmq_msg_size(&m)));
		zmq_msg_close(&m);
		zmq_msg_close(&rid);
		if (held)
			break;
	}
	return 0;
}

/*
 * A session whose pipe was full: a heartbeat tells whether it has room
 * again (it takes a slot like any frame). If it goes, the feed goes on
 * at the end of this loop turn; if not, peer_send() asks again. Waiting
 * for the peer's next ack instead would leave the link idle between
 * the moment it reads our frames and the moment it has stored them.
 */
static void
probe(loop_t *l, void *arg)
{
	struct peer	*p = arg;

	(void)l;
	p->pr_probe_timer = 0;
	if (p->pr_blocked && p->pr_state == PEER_UP)
		send_heartbeat(p->pr_node, p);
}

int
peer_send(struct node *n, struct peer *p, const Nodenet__Frame *f)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	if ((rc = wire_frame_pack(f, &buf, &len)) != 0) {
		log_warnx("event=frame_unsendable peer=%s reason=\"%s\"",
		    peer_label(p), wire_strerror(rc));
		return -1;
	}
	if (p->pr_link != NULL)
		rc = zmq_send(p->pr_sock, buf, len, ZMQ_DONTWAIT);
	else if ((rc = zmq_send(n->n_router, p->pr_rid, p->pr_rid_len,
	    ZMQ_SNDMORE | ZMQ_DONTWAIT)) != -1)
		rc = zmq_send(n->n_router, buf, len, ZMQ_DONTWAIT);
	free(buf);
	if (rc == -1) {
		/* Its pipe is full (EAGAIN: with ZMQ_ROUTER_MANDATORY a
		 * ROUTER says so too) or gone: repl_pump() holds its feed
		 * until a probe gets through or the peer acks. */
		log_debug("event=send_failed peer=%s errno=%d", peer_label(p),
		    errno);
		p->pr_blocked = 1;
		if (p->pr_probe_timer == 0)
			p->pr_probe_timer = loop_timer(n->n_loop, PROBE_MS,
			    probe, p);
		return -1;
	}
	p->pr_blocked = 0;
	n->n_cnt.frames_out++;
	p->pr_bytes_out += len;
	return 0;
}

static void
send_heartbeat(struct node *n, struct peer *p)
{
	Nodenet__Frame		f = NODENET__FRAME__INIT;
	Nodenet__Heartbeat	hb = NODENET__HEARTBEAT__INIT;

	hb.now_ms = clock_wall_ms();
	hb.head_seq = n->n_head;
	f.kind_case = NODENET__FRAME__KIND_HEARTBEAT;
	f.heartbeat = &hb;
	peer_send(n, p, &f);
}

/*
 * Is p's chain still good? If not, its session ends (counted). A
 * certificate that was renewed keeps the session: trust finds the new
 * chain and the next time to ask.
 */
static int
still_trusted(struct node *n, struct peer *p)
{
	store_txn_t	*txn = n->n_txn;
	char		 why[sizeof(p->pr_error)], cwhy[200];
	uint64_t	 now = clock_wall_ms();
	int		 rc;

	if (txn == NULL && store_txn_begin(n->n_store, STORE_RDONLY, &txn))
		return 1;	/* cannot tell now: ask again next tick */
	rc = trust_check(n, txn, p->pr_name, p->pr_key, now,
	    &p->pr_trust_until);
	if (rc != 0)
		trust_why(n, txn, p->pr_name, p->pr_key, now, rc, cwhy,
		    sizeof(cwhy));
	if (txn != n->n_txn)
		store_txn_abort(&txn);
	if (rc == 0)
		return 1;
	n->n_cnt.sessions_cut++;
	snprintf(why, sizeof(why), "certificate chain no longer holds: %s",
	    cwhy);
	peer_fail(n, p, why);
	return 0;
}

void
peer_recheck(struct node *n)
{
	for (size_t i = n->n_npeers; i-- > 0;) {
		struct peer	*p = n->n_peers[i];

		if (p->pr_state == PEER_UP)
			(void)still_trusted(n, p);
	}
}

/* Heartbeats out, silence in: every TICK_MS for every session. */
static void
tick(loop_t *l, void *arg)
{
	struct node	*n = arg;
	uint64_t	 now = clock_mono_ms();

	log_limit_flush(&n->n_loglim, "(unnamed)", now);
	for (size_t i = n->n_npeers; i-- > 0;) {
		struct peer	*p = n->n_peers[i];

		if (p->pr_name != NULL)
			log_limit_flush(&p->pr_loglim, p->pr_name, now);
		if (p->pr_state != PEER_UP)
			continue;
		if (now - p->pr_last_rx_ms > n->n_conf->link_timeout_ms) {
			peer_fail(n, p, "peer silent past link_timeout");
			continue;
		}
		if (clock_wall_ms() >= p->pr_trust_until && !still_trusted(n, p))
			continue;
		send_heartbeat(n, p);
	}
	loop_timer(l, n->n_conf->heartbeat_ms < 2 * TICK_MS ? TICK_MS :
	    n->n_conf->heartbeat_ms / 2, tick, n);
}

static void *
new_socket(struct node *n, int type)
{
	void	*s;

	if ((s = zmq_socket(n->n_zctx, type)) == NULL)
		log_warn("zmq_socket");
	return s;
}

/*
 * A refused TCP connection is redialled at most this long after the
 * last try, plus libzmq's random part (up to retry_min_ms): a parent
 * that comes back waits at most that for each child's next try, before
 * its handshake and Hello. 500 ms keeps that well inside the 2 s a
 * returning parent has to have its children linked again, under load.
 */
#define REDIAL_MAX_MS	500

static int
start_link(struct node *n, const struct cfg_link *link)
{
	struct peer	*p = peer_new(n);
	uint8_t		 server[32];
	int		 one = 1, ivl = (int)n->n_conf->retry_min_ms;
	int		 ivl_max = ivl > REDIAL_MAX_MS ? ivl : REDIAL_MAX_MS;

	p->pr_link = link;
	p->pr_name = xstrdup(link->name);
	memcpy(p->pr_key, link->key, KEY_PUBLIC_BYTES);
	if (key_curve_public(link->key, server) != 0) {
		log_warnx("%s: link %s: key has no CURVE form", n->n_conf->path,
		    link->name);
		return -1;
	}
	memcpy(p->pr_curve, server, sizeof(server));
	if ((p->pr_sock = new_socket(n, ZMQ_DEALER)) == NULL)
		return -1;
	set_common(n, p->pr_sock);
	zmq_setsockopt(p->pr_sock, ZMQ_IMMEDIATE, &one, sizeof(one));
	/*
	 * A refused or dropped TCP connection costs the node at the other
	 * end nothing: libzmq redials it at once, then at most every
	 * REDIAL_MAX_MS, so a parent that comes back has its children
	 * again within a second. retry_max_ms paces only refused
	 * handshakes (retry_later()).
	 */
	zmq_setsockopt(p->pr_sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	zmq_setsockopt(p->pr_sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max,
	    sizeof(ivl_max));
	if (zmq_setsockopt(p->pr_sock, ZMQ_CURVE_SERVERKEY, server, 32) != 0 ||
	    set_curve_keys(n, p->pr_sock) != 0) {
		log_warn("link %s: CURVE keys", link->name);
		return -1;
	}
	if ((p->pr_monitor = monitor(n, p->pr_sock, link->name,
	    on_link_monitor, p)) == NULL) {
		log_warn("link %s: monitor", link->name);
		return -1;
	}
	loop_add(n->n_loop, p->pr_sock, -1, on_dealer, p);
	if (zmq_connect(p->pr_sock, link->endpoint) != 0) {
		log_warn("%s: link %s: cannot connect to %s", n->n_conf->path,
		    link->name, link->endpoint);
		return -1;
	}
	return 0;
}

int
peer_init(struct node *n)
{
	const struct node_conf	*c = n->n_conf;
	int			 one = 1;

	/* The ZAP handler must be bound before any CURVE server starts. */
	if ((n->n_zap = new_socket(n, ZMQ_REP)) == NULL ||
	    zmq_bind(n->n_zap, ZAP_ENDPOINT) != 0) {
		log_warn("zap: bind");
		return -1;
	}
	loop_add(n->n_loop, n->n_zap, -1, on_zap, n);
	if (c->listen != NULL) {
		if ((n->n_router = new_socket(n, ZMQ_ROUTER)) == NULL)
			return -1;
		set_common(n, n->n_router);
		zmq_setsockopt(n->n_router, ZMQ_CURVE_SERVER, &one,
		    sizeof(one));
		/* A full pipe fails the send (EAGAIN) instead of dropping
		 * the frame unseen: a feed must not count a batch sent that
		 * never left. */
		zmq_setsockopt(n->n_router, ZMQ_ROUTER_MANDATORY, &one,
		    sizeof(one));
		zmq_setsockopt(n->n_router, ZMQ_ZAP_DOMAIN, "node", 4);
		if (set_curve_keys(n, n->n_router) != 0) {
			log_warn("listen: CURVE keys");
			return -1;
		}
		if ((n->n_router_mon = monitor(n, n->n_router, "router",
		    on_router_monitor, n)) == NULL) {
			log_warn("listen: monitor");
			return -1;
		}
		if (zmq_bind(n->n_router, c->listen) != 0) {
			log_warn("%s: cannot listen on %s", c->path, c->listen);
			return -1;
		}
		loop_add(n->n_loop, n->n_router, -1, on_router, n);
		log_info("event=listen endpoint=%s", c->listen);
	}
	for (size_t i = 0; i < c->n_links; i++)
		if (start_link(n, &c->links[i]) != 0)
			return -1;
	loop_timer(n->n_loop, TICK_MS, tick, n);
	return 0;
}

void
peer_shutdown(struct node *n)
{
	while (n->n_npeers > 0) {
		struct peer	*p = n->n_peers[n->n_npeers - 1];

		if (p->pr_monitor != NULL)
			zmq_close(p->pr_monitor);
		if (p->pr_sock != NULL) {
			zmq_socket_monitor(p->pr_sock, NULL, 0);
			zmq_close(p->pr_sock);
		}
		peer_free(n, p);
	}
	free(n->n_peers);
	n->n_peers = NULL;
	if (n->n_router_mon != NULL)
		zmq_close(n->n_router_mon);
	if (n->n_router != NULL) {
		zmq_socket_monitor(n->n_router, NULL, 0);
		zmq_close(n->n_router);
	}
	if (n->n_zap != NULL)
		zmq_close(n->n_zap);
}
