/*
 * mailgw: the mail gateway between Internet mail and the node network.
 *
 *   mailgw [-n] [-v] -c CONFIG
 *
 * Inbound, it is an LMTP server (for an MTA such as Postfix in front of
 * it) and a plain SMTP server, on loopback TCP or unix sockets. Mail for
 * user@NODE.DOMAIN is submitted to the local node as one message to the
 * node addresses user@NODE, with the message bytes as received (dot-
 * unstuffed after DATA, as they came in BDAT chunks) as its text and the
 * decoded Subject as its subject. A recipient gets 250 only once the
 * node has answered that the message is stored durably; 4xx when the
 * node is down, does not answer or cannot store it, so the MTA keeps the
 * mail and retries; 5xx for addresses outside the domain, oversized mail
 * and malformed commands.
 *
 * Outbound, it watches mailboxes of its node ([outbound] sections): each
 * message is written into a Maildir (tmp/, fsync, rename into new/, under
 * a name made from the record id, so a retry after a crash finds it
 * there) or handed to an SMTP smarthost (journal.c: never sent twice;
 * one handed over with no answer seen is reported to its sender as
 * uncertain); then it is removed from the mailbox. A permanent failure (5xx) becomes
 * a signed failure report to the sender (the node's mail_fail); a
 * temporary one is retried with exponential backoff.
 *
 * One process accepts connections; each connection is served by a child
 * process (fork), so a slow client never holds up another, and a child
 * that dies takes nothing with it: a message is submitted only after its
 * final "." (or its last BDAT chunk) arrived; a session that pipelines
 * has its messages submitted together (inbound.c). Each [outbound]
 * section runs in a child of its own (restarted if it dies), so a slow
 * smarthost holds up nothing else. Each process keeps one connection to
 * the node (node.c), whose group commit serves them all.
 *
 * SECURITY: every byte from a client is untrusted: lines are bounded
 * (SMTP_LINE_MAX), the message is bounded (max_size), every command is
 * parsed by smtp.c, a client gets an error reply and never reaches
 * fatal(); too many errors or an idle client end its connection. Listen
 * on loopback or a unix socket only: there is no TLS and no AUTH. The
 * node's control socket admits only the node's own user, so mailgw runs
 * as that user.
 */
#include "mailgw.h"

const struct gw_conf		*conf;
char				 hostname[256];
volatile sig_atomic_t		 got_term;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* ------------------------------------------------------------------ */
/* Listening, and the main loop.                                       */

struct lsn {
	int		 l_fd;
	int		 l_lmtp;
	const char	*l_spec;
};

static int
listen_on(const char *spec, int lmtp, struct lsn *l)
{
	struct sockaddr_storage	 sa;
	socklen_t		 sl;
	struct stat		 st;
	int			 fd, one = 1;

	if (gw_cfg_endpoint(spec, &sa, &sl) != 0)
		fatalx("%s: bad endpoint %s", conf->path, spec);
	if (sa.ss_family == AF_UNIX) {
		const char	*path = ((struct sockaddr_un *)&sa)->sun_path;

		/* A socket file left by a previous run, not any file. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	if ((fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (sa.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sl) != 0)
		fatal("%s: cannot listen on %s", conf->path, spec);
	if (listen(fd, 64) != 0)
		fatal("listen %s", spec);
	l->l_fd = fd;
	l->l_lmtp = lmtp;
	l->l_spec = spec;
	log_info("event=listening proto=%s on=%s", lmtp ? "lmtp" : "smtp",
	    spec);
	return 0;
}

static void
peer_name(const struct sockaddr_storage *sa, char *out, size_t len)
{
	char	ip[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else
		snprintf(out, len, "unix");
}

static void
usage(void)
{
	fprintf(stderr, "usage: mailgw [-n] [-v] -c CONFIG\n"
	    "  -c CONFIG  the gateway's config file\n"
	    "  -n         check the config and exit\n"
	    "  -v         log debug lines too\n");
	exit(2);
}

/* The processes this one started: sessions and outbound workers. */
struct kids {
	pid_t		*k_sess;
	size_t		 k_n_sess;
	pid_t		 k_out[GW_MAX_OUTBOUND];
	uint64_t	 k_out_start[GW_MAX_OUTBOUND];	/* (re)start at */
};

static void
reap(struct kids *k, const struct lsn *lsn, size_t n_lsn, struct outq *outq)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < k->k_n_sess; i++)
			if (k->k_sess[i] == pid) {
				k->k_sess[i] = k->k_sess[--k->k_n_sess];
				break;
			}
		for (size_t i = 0; i < conf->n_out; i++)
			if (k->k_out[i] == pid) {
				k->k_out[i] = 0;
				if (got_term)
					break;
				/* It should not end by itself: log, restart
				 * after a pause (no tight crash loop). */
				log_warnx("event=worker_exited outbound=\"%s\" "
				    "status=%d", conf->out[i].name, status);
				k->k_out_start[i] = clock_mono_ms() + 1000;
			}
	}
	for (size_t i = 0; !got_term && i < conf->n_out; i++) {
		if (k->k_out[i] != 0 || k->k_out_start[i] > clock_mono_ms())
			continue;
		if ((pid = fork()) == -1) {
			log_warn("fork");
			k->k_out_start[i] = clock_mono_ms() + 1000;
			continue;
		}
		if (pid == 0) {
			struct outq	q = outq[i];

			/*
			 * Never outlive the gateway: a second one started
			 * after a kill -9 of this one would run a second
			 * worker on the same mailbox.
			 */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
			    getppid() == 1)
				_exit(1);
			for (size_t j = 0; j < n_lsn; j++)
				close(lsn[j].l_fd);
			free(k->k_sess);
			free(outq);
			out_run(&q);
		}
		k->k_out[i] = pid;
	}
}

int
main(int argc, char **argv)
{
	struct gw_conf		*gc = NULL;
	struct lsn		 lsn[2];
	struct pollfd		 pfd[2];
	struct outq		*outq;
	struct kids		 k = { .k_n_sess = 0 };
	struct sigaction	 sa;
	const char		*path = NULL;
	char			 err[512];
	size_t			 n_lsn = 0, n_live;
	int			 ch, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "c:nvh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (path == NULL || optind != argc)
		usage();
	log_init("mailgw", LOG_LEVEL_INFO);
	if (sodium_init() == -1)
		fatalx("sodium_init failed");
	if (gw_cfg_load(path, &gc, err, sizeof(err)) != 0) {
		fprintf(stderr, "mailgw: %s\n", err);
		return 1;
	}
	conf = gc;
	if (check) {
		printf("ok\n");
		gw_cfg_free(&gc);
		return 0;
	}
	log_set_level(verbose ? LOG_LEVEL_DEBUG :
	    (enum log_level)conf->log_level);
	if (conf->hostname != NULL)
		snprintf(hostname, sizeof(hostname), "%s", conf->hostname);
	else if (gethostname(hostname, sizeof(hostname) - 1) != 0)
		snprintf(hostname, sizeof(hostname), "localhost");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: poll wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (conf->listen_lmtp != NULL)
		listen_on(conf->listen_lmtp, 1, &lsn[n_lsn++]);
	if (conf->listen_smtp != NULL)
		listen_on(conf->listen_smtp, 0, &lsn[n_lsn++]);
	outq = xcalloc(conf->n_out + 1, sizeof(*outq));
	for (size_t i = 0; i < conf->n_out; i++) {
		outq[i].oq_conf = &conf->out[i];
		if (conf->out[i].maildir != NULL &&
		    maildir_make(conf->out[i].maildir) != 0)
			fatal("%s: [%s] maildir %s", conf->path,
			    conf->out[i].name, conf->out[i].maildir);
		log_info("event=outbound name=\"%s\" mailbox=%s to=%s%s",
		    conf->out[i].name, conf->out[i].mailbox,
		    conf->out[i].maildir != NULL ? "maildir:" : "smtp:",
		    conf->out[i].maildir != NULL ? conf->out[i].maildir :
		    conf->out[i].smarthost);
	}
	k.k_sess = xcalloc(conf->max_clients, sizeof(*k.k_sess));
	log_info("event=started domain=%s control=%s listeners=%zu "
	    "outbound=%zu", conf->domain, conf->control, n_lsn, conf->n_out);

	while (!got_term) {
		int	rc;

		reap(&k, lsn, n_lsn, outq);
		for (size_t i = 0; i < n_lsn; i++) {
			pfd[i].fd = lsn[i].l_fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* Short enough to reap and restart children promptly. */
		if ((rc = poll(pfd, n_lsn, 200)) <= 0)
			continue;
		for (size_t i = 0; i < n_lsn; i++) {
			struct sockaddr_storage	 ss;
			socklen_t		 sl = sizeof(ss);
			char			 peer[80];
			pid_t			 pid;
			int			 fd;

			if (!(pfd[i].revents & POLLIN))
				continue;
			if ((fd = accept4(lsn[i].l_fd, (struct sockaddr *)&ss,
			    &sl, SOCK_CLOEXEC)) == -1)
				continue;
			peer_name(&ss, peer, sizeof(peer));
			if (k.k_n_sess == conf->max_clients) {
				static const char busy[] =
				    "421 4.3.2 too many connections, try "
				    "again later\r\n";

				log_warnx("event=busy peer=%s max_clients=%u",
				    peer, conf->max_clients);
				(void)write_all(fd, busy, sizeof(busy) - 1);
				close(fd);
				continue;
			}
			if ((pid = fork()) == -1) {
				log_warn("fork");
				close(fd);
				continue;
			}
			if (pid == 0) {
				for (size_t j = 0; j < n_lsn; j++)
					close(lsn[j].l_fd);
				free(k.k_sess);
				free(outq);
				sess_run(fd, lsn[i].l_lmtp, peer);
			}
			k.k_sess[k.k_n_sess++] = pid;
			close(fd);
		}
	}

	/*
	 * Stop: no new connections; every child gets SIGTERM. A session
	 * answers 421 between commands and stores nothing half-received; a
	 * node request or a delivery under way is finished first.
	 */
	log_info("event=stopping sessions=%zu", k.k_n_sess);
	for (size_t i = 0; i < n_lsn; i++) {
		struct sockaddr_storage	ss;
		socklen_t		sl;

		close(lsn[i].l_fd);
		if (gw_cfg_endpoint(lsn[i].l_spec, &ss, &sl) == 0 &&
		    ss.ss_family == AF_UNIX)
			unlink(((struct sockaddr_un *)&ss)->sun_path);
	}
	for (size_t i = 0; i < k.k_n_sess; i++)
		kill(k.k_sess[i], SIGTERM);
	for (size_t i = 0; i < conf->n_out; i++)
		if (k.k_out[i] != 0)
			kill(k.k_out[i], SIGTERM);
	for (int waited = 0; waited < 300; waited++) {
		reap(&k, lsn, 0, outq);
		n_live = k.k_n_sess;
		for (size_t i = 0; i < conf->n_out; i++)
			n_live += k.k_out[i] != 0;
		if (n_live == 0)
			break;
		usleep(50000);
	}
	for (size_t i = 0; i < k.k_n_sess; i++)
		kill(k.k_sess[i], SIGKILL);
	for (size_t i = 0; i < conf->n_out; i++)
		if (k.k_out[i] != 0)
			kill(k.k_out[i], SIGKILL);
	free(outq);
	free(k.k_sess);
	gw_cfg_free(&gc);
	log_info("event=stopped");
	return 0;
}
