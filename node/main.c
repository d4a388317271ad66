/*
 * node: the office node daemon.
 *
 *   node [-v] -c FILE        run in the foreground until SIGTERM/SIGINT
 *   node -n -c FILE          check the config, key and certificate chain
 *   node init -c FILE        create the data directory, key pair and store
 *
 * Startup: config, key, chain, store, then sockets; any failure there is
 * one clear error naming the file and exit 1. SECURITY: every byte from a
 * peer or the control socket is untrusted and handled in peer.c, repl.c
 * and ctl.c, which log and count what they refuse and never exit on it.
 * The key is read once into guarded memory and never logged.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "clock.h"
#include "ctl.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "mail_seal.h"
#include "node.h"
#include "peer.h"
#include "purge.h"
#include "reindex.h"
#include "repair.h"
#include "route.h"
#include "scrub.h"
#include "status.h"
#include "submit.h"
#include "trace.h"
#include "trust.h"
#include "turn.h"
#include "verify.h"
#include "view.h"
#include "xmem.h"

static void
help(FILE *f, int status)
{
	fprintf(f, "usage: node [-nv] -c FILE     run (-n: check the config, "
	    "key and chain)\n"
	    "       node init -c FILE       create the data directory, key "
	    "and store\n");
	exit(status);
}

static void
usage(void)
{
	help(stderr, 2);
}

/*
 * Tells systemd (Type=notify) how we are: "READY=1" once the store is
 * open and the sockets are bound, "STOPPING=1" on the way out. The
 * protocol is one datagram to $NOTIFY_SOCKET; no library is needed.
 */
static void
notify(const char *state)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	size_t			 len;
	int			 fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* an abstract socket */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + len)) == -1)
		log_warn("event=notify_failed socket=%s", path);
	close(fd);
}

static void
on_turn_end(loop_t *l, void *arg, int idle)
{
	(void)l;
	handlers_turn_end(arg, idle);
}

static int
on_signal(loop_t *l, void *arg)
{
	struct node		*n = arg;
	struct signalfd_siginfo	 si;

	if (read(n->n_sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		log_info("event=sighup action=ignored reason=\"reload not "
		    "supported; restart the node\"");
		return 0;
	}
	log_info("event=stop signal=%s", strsignal((int)si.ssi_signo));
	n->n_stopping = 1;
	loop_stop(l);
	return 0;
}

static void
load_conf(const char *path, struct node_conf **conf)
{
	char	err[512];

	if (cfg_load(path, conf, err, sizeof(err)) != 0)
		fatalx("%s", err);
}

static void
load_identity(struct node *n)
{
	const struct node_conf	*c = n->n_conf;
	uint64_t		 now = clock_wall_ms();
	char			 why[256];
	int			 rc;

	if ((rc = key_load(&n->n_key, c->key_file)) != 0)
		fatalx("%s: %s", c->key_file, key_strerror(rc));
	n->n_keyring.current = n->n_key;
	if ((rc = seal_keyring_load(&n->n_keyring, c->old_keys, why,
	    sizeof(why))) != 0)
		fatalx("%s: %s", why, seal_strerror(rc));
	/* Mail sealed to a key this node had before still opens. */
	view_keyring(&n->n_keyring, NULL);
	trust_init(n);
	if (strcmp(c->name, c->root_name) == 0 &&
	    access(c->chain_file, F_OK) == -1)
		return;		/* the root needs no certificate */
	if ((rc = cert_chain_load(c->chain_file, &n->n_chain)) != 0)
		fatalx("%s: %s", c->chain_file, cert_strerror(rc));
	if ((rc = cert_chain_check(&n->n_trust, c->name, key_public(n->n_key),
	    &n->n_chain, now)) != 0)
		fatalx("%s: does not certify %s for our key: %s", c->chain_file,
		    c->name, cert_chain_why(why, sizeof(why), rc,
		    (const uint8_t *const *)(uintptr_t)n->n_chain.certs,
		    n->n_chain.lens, n->n_chain.n, now));
}

static void
open_store(struct node *n)
{
	struct store_opts	opts = { .map_size = n->n_conf->map_size };
	char			why[256];
	int			rc;

	if ((rc = store_open(&n->n_store, n->n_conf->data_dir, &opts)) != 0)
		fatalx("%s: cannot open store: %s", n->n_conf->data_dir,
		    store_open_why(n->n_conf->data_dir, rc, why, sizeof(why)));
}

/*
 * Begins this run's epoch of our log before any peer sees it: a peer's
 * checkpoint names the epoch it was taken in, and a restored store
 * lacks those that came after its backup (store.h).
 */
static void
begin_epoch(struct node *n)
{
	store_txn_t	*txn = NULL;
	int		 rc;

	if ((rc = store_txn_begin(n->n_store, 0, &txn)) != 0 ||
	    (rc = store_epoch_begin(txn, n->n_epoch)) != 0 ||
	    (rc = store_txn_commit(&txn)) != 0) {
		store_txn_abort(&txn);
		fatalx("%s: cannot begin a log epoch: %s", n->n_conf->data_dir,
		    store_strerror(rc));
	}
}

static int
cmd_init(const char *path)
{
	struct node	 n = { 0 };
	key_pair_t	*kp;
	char		 hex[KEY_HEX_BYTES];
	int		 rc;

	load_conf(path, &n.n_conf);
	if (mkdir(n.n_conf->data_dir, 0700) == -1 && errno != EEXIST)
		fatal("%s", n.n_conf->data_dir);
	if (access(n.n_conf->key_file, F_OK) == 0) {
		if ((rc = key_load(&kp, n.n_conf->key_file)) != 0)
			fatalx("%s: %s", n.n_conf->key_file, key_strerror(rc));
	} else {
		if ((kp = key_generate()) == NULL)
			fatalx("out of memory");
		if ((rc = key_save(kp, n.n_conf->key_file)) != 0)
			fatalx("%s: %s", n.n_conf->key_file, key_strerror(rc));
	}
	open_store(&n);
	key_hex(key_public(kp), hex);
	printf("%s\n", hex);
	key_free(&kp);
	store_close(&n.n_store);
	cfg_free(&n.n_conf);
	return 0;
}

static void
setup_signals(struct node *n)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((n->n_sigfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	loop_add(n->n_loop, NULL, n->n_sigfd, on_signal, n);
}

int
main(int argc, char **argv)
{
	struct node	 n = { 0 };
	http_t		*http = NULL;	/* the metrics endpoint, if any */
	const char	*conf_path = NULL;
	int		 ch, check_only = 0, verbose = 0, init = 0;
	long		 ncpu;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		help(stdout, 0);
	if (argc > 1 && strcmp(argv[1], "init") == 0) {
		init = 1;
		argv++;
		argc--;
	}
	while ((ch = getopt(argc, argv, "c:nv")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (conf_path == NULL || optind != argc)
		usage();
	log_init("node", LOG_LEVEL_INFO);
	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");
	if (init)
		return cmd_init(conf_path);

	load_conf(conf_path, &n.n_conf);
	log_set_level(verbose ? LOG_LEVEL_DEBUG : n.n_conf->log_level);
	load_identity(&n);
	if (check_only) {
		printf("%s: ok\n", conf_path);
		trust_free(&n);
		seal_keyring_free(&n.n_keyring);
		key_free(&n.n_key);
		cert_chain_free(&n.n_chain);
		cfg_free(&n.n_conf);
		return 0;
	}
	open_store(&n);
	handlers_install(&n);
	if (node_reindex(&n) != 0)
		fatalx("%s: cannot rebuild its indexes", n.n_conf->data_dir);
	begin_epoch(&n);
	node_refresh_head(&n);
	if (route_load(&n) != 0)
		fatalx("%s: cannot read its peers", n.n_conf->data_dir);
	n.n_started_ms = clock_mono_ms();
	n.n_loop = loop_new();
	setup_signals(&n);
	/* One verifier per core besides this thread (the hop's bound). */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	n.n_verify = verify_pool_new(ncpu > 1 ? (unsigned)(ncpu > 8 ? 7 :
	    ncpu - 1) : 0);
	if ((n.n_zctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	if (peer_init(&n) != 0 || ctl_init(&n) != 0 ||
	    http_init(&n, &http) != 0)
		exit(1);
	loop_on_turn_end(n.n_loop, on_turn_end, &n);
	purge_start(&n);
	submit_start(&n);
	mail_seal_start(&n);
	status_start(&n);
	repair_init(&n);
	scrub_start(&n);
	node_commit(&n);
	log_info("event=start name=%s version=%s old_keys=%zu", n.n_conf->name,
	    NODE_VERSION, n.n_keyring.n_old);
	notify("READY=1");
	loop_run(n.n_loop);
	notify("STOPPING=1");

	/* What is written is committed before the links close. */
	node_commit(&n);
	http_shutdown(&http);
	trace_shutdown(&n);
	scrub_shutdown(&n);
	repair_shutdown(&n);
	ctl_shutdown(&n);
	mail_seal_shutdown(&n);
	peer_shutdown(&n);
	route_free(&n);
	trust_free(&n);
	verify_pool_free(&n.n_verify);
	zmq_ctx_term(n.n_zctx);
	store_close(&n.n_store);
	seal_keyring_free(&n.n_keyring);
	key_free(&n.n_key);
	cert_chain_free(&n.n_chain);
	close(n.n_sigfd);
	loop_free(&n.n_loop);
	log_info("event=stopped name=%s", n.n_conf->name);
	cfg_free(&n.n_conf);
	return 0;
}
