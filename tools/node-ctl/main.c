/*
 * node-ctl: inspect and steer a running node over its control socket.
 *
 *   node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json] COMMAND [ARGS]
 *
 * -d reads a stopped node's store directly, read-only: status, mail ls,
 * mail cat (without marking read), trace, db ls, db acl (showing it),
 * db digest, doc get, doc ls, doc history and doc conflicts.
 *
 *   status                      name, version, uptime, store, counters
 *   peers                       links: state, checkpoints, lag, errors
 *   queue                       what each link still owes, per priority
 *   send --from ADDR [--subject S] [--receipt] [--expires SECONDS]
 *        [--priority urgent|normal|bulk] [--file FILE] TO...
 *                               submit a message (text from FILE or stdin)
 *   mail ls MAILBOX [--from SEQ] the messages of a local mailbox (1000
 *                               at a time; --json gives "next" if more)
 *   mail cat MAILBOX SEQ        one message, marked read
 *   mail rm MAILBOX SEQ         remove it (it is never delivered again)
 *   replicate [PEER]            reconnect down links now, send what waits
 *   trace ID                    custody of a record here and at each
 *                               node it was handed on to (asked along
 *                               the path; -d: this store only)
 *   route ADDRESS               which link mail for ADDRESS takes, and why
 *   metrics                     counters in the Prometheus text format
 *   network                     every node below this one: version,
 *                               uptime, backlog, errors, report age
 *   cert issue NAME PUBKEY -o CHAINFILE [--days N]
 *                               certify a node below this one and write
 *                               its certificate chain file
 *   cert revoke CERTID [REASON] revoke a certificate this node may revoke
 *   cert ls [SUBTREE]           the certificates this node holds
 *   db create DB SCOPE [PATTERN=LEVEL...]
 *                               a database replicated to the subtree
 *                               SCOPE, with its ACL (this node: manager)
 *   db ls                       the databases, this node's level, counts
 *   db acl DB [PATTERN=LEVEL...]
 *                               show the ACL, or change entries (LEVEL
 *                               "remove" deletes one); managers only
 *   db digest DB                state digest: equal on converged replicas
 *   doc put DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]
 *                               write a document (new without ID); TYPE
 *                               text, number, time, list, bytes (=@FILE)
 *                               or null (removes it); no fields: a JSON
 *                               {"fields": {...}, "readers": [...]} on
 *                               stdin
 *   doc get DB ID [--rev REV]   its fields, winning revision, conflicts
 *   doc attachment DB ID NAME -o FILE   an attachment, once all here
 *   doc ls DB [--from ID] [--deleted]
 *                               the documents (1000 at a time)
 *   doc rm DB ID                delete it (a stub that replicates)
 *   doc history DB ID           its revision tree, oldest first
 *   doc conflicts DB            documents with conflicting revisions
 *   doc resolve DB ID [--keep REV]
 *                               merge every live leaf, keeping the fields
 *                               of REV (default: the winner)
 *
 * Human output by default; --json prints the node's reply as it is (one
 * JSON object; "ok" says whether the command succeeded). Exit status: 0
 * ok, 1 error, 2 usage. Errors are one line on stderr.
 */
#include "node-ctl.h"

int	json_out;

int
main(int argc, char **argv)
{
	const char		*sock = NULL, *conf_path = NULL;
	struct node_conf	*conf = NULL;
	char			 err[512];
	int			 i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json_out = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			data_dir = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			help(stdout, 0);
		else
			usage();
	}
	if (i >= argc)
		usage();
	for (int k = i; k < argc; k++) {
		if (strcmp(argv[k], "--help") != 0)
			continue;
		if (subcmd_find("", argv[i]) != NULL)
			subcmd_help("", argv[i]);
		if (strcmp(argv[i], "db") == 0 || strcmp(argv[i], "doc") == 0 ||
		    strcmp(argv[i], "mail") == 0 || strcmp(argv[i], "cert") == 0)
			subcmd_help(argv[i], i + 1 < k ? argv[i + 1] : NULL);
		help(stdout, 0);
	}
	if (sock == NULL && conf_path != NULL) {
		if (cfg_load(conf_path, &conf, err, sizeof(err)) != 0)
			die("%s", err);
		sock = conf->control;
		self_name = conf->name;
	}
	if (sock == NULL && data_dir == NULL)
		die("which node? give -s SOCKET, -c CONFIG, or -d DATADIR to "
		    "read a stopped node's store");
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "status") == 0 && argc == 1)
		rc = cmd_status(sock);
	else if (strcmp(argv[0], "peers") == 0 && argc == 1)
		rc = cmd_peers(sock);
	else if (strcmp(argv[0], "queue") == 0 && argc == 1)
		rc = cmd_queue(sock);
	else if (strcmp(argv[0], "send") == 0)
		rc = cmd_send(sock, argc, argv);
	else if (strcmp(argv[0], "mail") == 0)
		rc = cmd_mail(sock, argc, argv);
	else if (strcmp(argv[0], "trace") == 0 && argc == 2)
		rc = cmd_trace(sock, argv[1]);
	else if (strcmp(argv[0], "cert") == 0)
		rc = cmd_cert(sock, argc, argv);
	else if (strcmp(argv[0], "route") == 0 && argc == 2)
		rc = cmd_route(sock, argv[1]);
	else if (strcmp(argv[0], "metrics") == 0 && argc == 1)
		rc = cmd_metrics(sock);
	else if (strcmp(argv[0], "network") == 0 && argc == 1)
		rc = cmd_network(sock);
	else if (strcmp(argv[0], "replicate") == 0 && argc <= 2)
		rc = cmd_replicate(sock, argc == 2 ? argv[1] : NULL);
	else if (strcmp(argv[0], "db") == 0)
		rc = cmd_db(sock, argc, argv);
	else if (strcmp(argv[0], "doc") == 0)
		rc = cmd_doc(sock, argc, argv);
	else
		usage();
	cfg_free(&conf);
	return rc;
}
