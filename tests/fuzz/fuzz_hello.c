/*
 * fuzz_hello: libFuzzer target for the Hello handling of the sync engine
 * (repl_hello()), the state a peer steers with a hundred bytes: version
 * ranges, names, who may link, chains, store ids, log epochs, checkpoints
 * and credit, first and mid-session, with the restart limit.
 *
 * A node "hagiang" under a pinned root runs on a store of its own (one
 * for the run). The first input byte picks the case: a connection below
 * saying its first Hello, or a session that is up hearing a Hello
 * mid-session (its name and chain are taken from the Hello itself, so
 * the checks of the mid-session path are passed and what comes after is
 * reached). The rest is up to four frames, each a 2-byte length and the
 * bytes, taken by wire_frame_unpack() as from a peer; a Hello goes to
 * repl_hello(), a Batch or an Ack to theirs (a batch is taken in whole:
 * its slices run on the loop's timers). Nothing may crash, leak or
 * misbehave, and the peer's state must stay within its bounds.
 * Seeds: tests/fuzz/corpus/fuzz_hello/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cfg.h"
#include "handlers.h"
#include "log.h"
#include "node.h"
#include "peer.h"
#include "repl.h"
#include "trust.h"
#include "turn.h"
#include "verify.h"
#include "xmem.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct node	n;
static char		dir[] = "/tmp/fuzz_hello.XXXXXX";

/* The run's store goes with it. */
static void
cleanup(void)
{
	char	path[sizeof(dir) + 16];

	store_close(&n.n_store);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	conf[512], err[256];
	uint8_t	root[KEY_PUBLIC_BYTES];
	char	hex[KEY_HEX_BYTES];

	(void)argc;
	(void)argv;
	if (sodium_init() == -1 || mkdtemp(dir) == NULL)
		abort();
	log_init("fuzz_hello", LOG_LEVEL_ERROR);
	memset(root, 0x42, sizeof(root));
	key_hex(root, hex);
	snprintf(conf, sizeof(conf), "[node]\nname = hagiang\n"
	    "data_dir = %s\nroot_name = tw\nroot_key = %s\n"
	    "accept = *.caobang\n", dir, hex);
	if (cfg_parse_buf(conf, "fuzz.conf", &n.n_conf, err,
	    sizeof(err)) != 0 || store_open(&n.n_store, dir, NULL) != 0)
		abort();
	atexit(cleanup);
	n.n_loop = loop_new();
	n.n_verify = verify_pool_new(0);	/* this thread only */
	trust_init(&n);
	handlers_install(&n);
	return 0;
}

/* A peer as peer.c makes one for a new connection below. */
static struct peer *
new_below(void)
{
	struct peer	*p = xcalloc(1, sizeof(*p));

	p->pr_node = &n;
	p->pr_fd = -1;
	p->pr_state = PEER_CONNECTED;
	memset(p->pr_curve, 0x11, sizeof(p->pr_curve));
	n.n_peers = xrealloc(n.n_peers, n.n_npeers + 1, sizeof(*n.n_peers));
	n.n_peers[n.n_npeers++] = p;
	return p;
}

/* Forgets every peer and this input's writes. */
static void
reset(void)
{
	while (n.n_npeers > 0)
		peer_forget(&n, n.n_peers[n.n_npeers - 1]);
	free(n.n_peers);
	n.n_peers = NULL;
	node_abort(&n);
}

static void
stop(loop_t *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

/* A batch too long for one turn goes on by timers: let them run. */
static void
finish_batch(void)
{
	while (n.n_intake != NULL) {
		loop_timer(n.n_loop, 0, stop, NULL);
		loop_run(n.n_loop);
	}
}

/* A peer's state stays within what the contract allows. */
static void
check(const struct peer *p)
{
	if (p->pr_credit > n.n_conf->credit ||
	    p->pr_restart_credit > n.n_conf->credit)
		abort();
	for (int l = 0; l < WIRE_LANES; l++)
		if (p->pr_sent[l] > n.n_head || p->pr_restart_cp[l] > n.n_head)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer	*p;
	size_t		 off = 1;
	int		 mid;

	if (size < 1)
		return 0;
	mid = data[0] & 1;
	p = new_below();
	for (int i = 0; i < 4 && off + 2 <= size && n.n_npeers > 0; i++) {
		Nodenet__Frame	*f;
		size_t		 len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		if (wire_frame_unpack(data + off, len, &f) != 0) {
			off += len;
			continue;
		}
		off += len;
		p = n.n_peers[0];	/* one stays listed, named or not */
		if (f->kind_case == NODENET__FRAME__KIND_HELLO) {
			if (mid && p->pr_state != PEER_UP) {
				/* A session that is up with this name and
				 * chain: the mid-session path, past its
				 * checks. */
				free(p->pr_name);
				p->pr_name = xstrdup(f->hello->name);
				wire_hello_chain_hash(f->hello, p->pr_chain);
				p->pr_state = PEER_UP;
			}
			repl_hello(&n, p, f->hello);
		} else if (p->pr_state == PEER_UP && p->pr_name != NULL) {
			if (f->kind_case == NODENET__FRAME__KIND_BATCH) {
				repl_batch(&n, p, f);	/* it keeps f */
				finish_batch();
				f = NULL;
			} else if (f->kind_case == NODENET__FRAME__KIND_ACK)
				repl_ack(&n, p, f->ack);
		}
		if (f != NULL)
			nodenet__frame__free_unpacked(f, NULL);
		if (n.n_npeers > 0)
			check(n.n_peers[0]);
	}
	reset();
	return 0;
}
