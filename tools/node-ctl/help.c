/*
 * node-ctl/help.c: the general usage and each command's synopsis and
 * paragraph (--help), and the usage line after a wrong command line.
 */
#include "node-ctl.h"

/* The usage text: on stdout with exit 0 when asked for (--help), on
 * stderr with exit 2 after a usage error. */
void __attribute__((noreturn))
help(FILE *f, int status)
{
	fprintf(f,
	    "usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json] "
	    "COMMAND [ARGS]\n"
	    "commands:\n"
	    "  status\n"
	    "  peers\n"
	    "  queue\n"
	    "  send --from ADDR [--subject S] [--receipt] [--expires SECONDS]\n"
	    "       [--priority urgent|normal|bulk] [--file FILE] TO...\n"
	    "  mail ls MAILBOX [--from SEQ]\n"
	    "  mail cat MAILBOX SEQ\n"
	    "  mail rm MAILBOX SEQ\n"
	    "  replicate [PEER]\n"
	    "  trace ID\n"
	    "  route ADDRESS\n"
	    "  network\n"
	    "  metrics\n"
	    "  cert issue NAME PUBKEY -o CHAINFILE [--days N]\n"
	    "  cert revoke CERTID [REASON]\n"
	    "  cert ls [SUBTREE]\n"
	    "  db create DB SCOPE [PATTERN=LEVEL...]\n"
	    "  db ls\n"
	    "  db acl DB [PATTERN=LEVEL...]\n"
	    "  db digest DB\n"
	    "  doc put DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]\n"
	    "  doc get DB ID [--rev REV]\n"
	    "  doc attachment DB ID NAME -o FILE\n"
	    "  doc ls DB [--from ID] [--deleted]\n"
	    "  doc rm DB ID\n"
	    "  doc history DB ID\n"
	    "  doc conflicts DB\n"
	    "  doc resolve DB ID [--keep REV]\n"
	    "node-ctl COMMAND --help says more about each.\n"
	    "Human tables by default; --json prints the node's reply. Exit: 0 "
	    "ok, 1 error, 2 usage.\n");
	exit(status);
}

void __attribute__((noreturn))
usage(void)
{
	help(stderr, 2);
}

static const struct subcmd subcmds[] = {
	{ "", "status", "",
	    "This node: name, tier, version, uptime, store size and map use,\n"
	    "links up, and its counters (-d: a stopped node's store).\n" },
	{ "", "peers", "",
	    "Each link: direction, state (up, connected, down), how far the\n"
	    "peer has our log (SENT, ACKED, LAG) and we theirs (RECEIVED,\n"
	    "LAG_IN), records in and out, refused records, seconds since it\n"
	    "was heard, seconds to the next reconnect, the last error.\n" },
	{ "", "queue", "",
	    "What each link still owes its peer, per priority lane (urgent,\n"
	    "normal, bulk), in records and bytes.\n" },
	{ "", "route", "ADDRESS",
	    "Which link mail for ADDRESS (user@node) takes, and why: local,\n"
	    "down the tree by the longest known suffix, or up to the parent.\n" },
	{ "", "trace", "ID",
	    "Custody of record ID: here, then at each node it was handed on\n"
	    "to, asked along the path (-d: this store only).\n" },
	{ "", "send", "--from ADDR [--subject S] [--receipt] [--expires SECONDS]\n"
	    "       [--priority urgent|normal|bulk] [--file FILE] [--key KEY] TO...",
	    "Submit a message from a local mailbox to one or more addresses;\n"
	    "the text is FILE or standard input. Prints its id once stored.\n"
	    "With --key (1 to 128 printable ASCII characters), a message is\n"
	    "written once: a repeat with the same key within 7 days prints the\n"
	    "first one's id and writes nothing.\n" },
	{ "", "replicate", "[PEER]",
	    "Reconnect the links that are down now (or PEER's) and send what\n"
	    "waits on the others.\n" },
	{ "", "metrics", "",
	    "The node's counters in the Prometheus text format.\n" },
	{ "", "network", "",
	    "Every node below this one (all, at the root) from the status\n"
	    "reports each sends up the tree: version, uptime, links, backlog,\n"
	    "errors, the report's age; STALE when two reports are missing.\n" },
	{ "mail", "ls", "MAILBOX [--from SEQ]",
	    "The messages of a local mailbox, 1000 at a time.\n" },
	{ "mail", "cat", "MAILBOX SEQ",
	    "One message with its text; marks it read.\n" },
	{ "mail", "rm", "MAILBOX SEQ",
	    "Remove a message; it is never delivered again.\n" },
	{ "cert", "issue", "NAME PUBKEY -o CHAINFILE [--days N]",
	    "Certify node NAME (below this one) for its public key and write\n"
	    "the chain file it needs into CHAINFILE.\n" },
	{ "cert", "revoke", "CERTID [REASON]",
	    "Revoke a certificate this node may revoke; the revocation\n"
	    "replicates on the urgent lane.\n" },
	{ "cert", "ls", "[SUBTREE]",
	    "The certificates this node holds and their state: valid, not yet\n"
	    "valid, expired, revoked, or untrusted (a certificate above it in\n"
	    "its chain does not hold).\n" },
	{ "db", "create", "DB SCOPE [PATTERN=LEVEL...]",
	    "Create the database DB (1 to 64 of a-z 0-9 . _ -), replicated to\n"
	    "every node of the subtree SCOPE: this node or a node below it.\n"
	    "Each PATTERN=LEVEL is an ACL entry; this node is always manager.\n"
	    "PATTERN: NAME (that node), *.NAME (every node below NAME) or *.\n"
	    "LEVEL: none, depositor, reader, author, editor or manager.\n"
	    "Prints the database and its ACL record's id.\n" },
	{ "db", "ls", "",
	    "The databases this node knows: scope, this node's level, whether\n"
	    "it holds a replica, documents (live and deleted), conflicts and\n"
	    "the creator.\n" },
	{ "db", "acl", "DB [PATTERN=LEVEL...]",
	    "Without entries: the ACL of DB, one PATTERN LEVEL line each. With\n"
	    "entries: change it (managers only) and show the result. An entry\n"
	    "replaces the one with the same pattern or is added; LEVEL remove\n"
	    "deletes it. The changed ACL is a signed record that replicates.\n" },
	{ "db", "digest", "DB",
	    "The state digest of this replica of DB, its documents and its\n"
	    "conflicts. Replicas with the same documents, winners and\n"
	    "conflicts print the same line.\n" },
	{ "doc", "put", "DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]\n"
	    "       [--attach NAME=FILE]... [--type MEDIA-TYPE] [--detach NAME]...",
	    "Write a document: a new one (random id) without ID, else a new\n"
	    "revision of ID that starts from its winner's fields. Fields:\n"
	    "  NAME=VALUE              text\n"
	    "  NAME:number=12.5        a number\n"
	    "  NAME:time=MS            a time: Unix milliseconds, or ISO 8601\n"
	    "  NAME:time=2026-11-26T10:00:00Z   (Z or +HH:MM)\n"
	    "  NAME:list=a,b,c         a list of text (empty: no items)\n"
	    "  NAME:bytes=@FILE        the contents of FILE\n"
	    "  NAME:null=              removes the field\n"
	    "Without fields it reads one JSON object from standard input:\n"
	    "  {\"fields\": {NAME: VALUE, ...}, \"readers\": [PATTERN, ...]}\n"
	    "with a value as in the control protocol: a string, a number, an\n"
	    "array of strings, {\"time_ms\": MS}, {\"b64\": BASE64} or null.\n"
	    "--readers: the nodes that may hold the document (node-name\n"
	    "patterns, comma-separated; \"\" clears the list).\n"
	    "--attach NAME=FILE: attach FILE (up to 16 MiB; the node reads\n"
	    "it) as NAME, replacing an attachment of that name; --type: its\n"
	    "media type; --detach NAME: drop one. Attachments travel in 64 KiB\n"
	    "chunks after the revision; doc get shows how many are here.\n"
	    "Prints the document's id and its new revision.\n" },
	{ "doc", "attachment", "DB ID NAME -o FILE",
	    "Write the winner's attachment NAME into FILE (a new file), once\n"
	    "every chunk of it has arrived here; each chunk and the whole are\n"
	    "checked against their hashes.\n" },
	{ "doc", "get", "DB ID [--rev REV]",
	    "The document's fields, one NAME: VALUE line each (list items\n"
	    "comma-separated, bytes as <N bytes>, times in ISO 8601 UTC), then\n"
	    "its revision, readers, whether it is deleted, and the revisions\n"
	    "in conflict with it. --rev: that revision instead of the winner.\n" },
	{ "doc", "ls", "DB [--from ID] [--deleted]",
	    "The documents of DB in id order, 1000 at a time (the last line\n"
	    "says where the next page starts): winning revision, depth,\n"
	    "conflicts, author. --deleted lists deleted documents too.\n" },
	{ "doc", "rm", "DB ID",
	    "Delete the document: a stub revision naming every live leaf,\n"
	    "which replicates like any other.\n" },
	{ "doc", "history", "DB ID",
	    "Every revision of the document this replica holds, oldest first:\n"
	    "depth, revision, flags (winner, leaf, deleted), when and where\n"
	    "it was written, and its parents.\n" },
	{ "doc", "conflicts", "DB",
	    "The documents of DB with conflicting revisions: the winner every\n"
	    "replica picks and the revisions in conflict with it.\n" },
	{ "doc", "resolve", "DB ID [--keep REV]",
	    "Resolve a conflict: a merge revision whose parents are every live\n"
	    "leaf, with the fields of REV (default: the winner).\n" },
};

#define NSUBCMDS	(sizeof(subcmds) / sizeof(subcmds[0]))

const struct subcmd *
subcmd_find(const char *group, const char *name)
{
	for (size_t i = 0; name != NULL && i < NSUBCMDS; i++)
		if (strcmp(subcmds[i].sc_group, group) == 0 &&
		    strcmp(subcmds[i].sc_name, name) == 0)
			return &subcmds[i];
	return NULL;
}

/*
 * --help after a command: its synopsis and paragraph, or for db, doc,
 * mail and cert without a command the group's synopses. On stdout,
 * exit 0.
 */
void __attribute__((noreturn))
subcmd_help(const char *group, const char *name)
{
	const struct subcmd	*sc = subcmd_find(group, name);

	if (sc != NULL) {
		printf("usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
		    "[--json] %s%s%s%s%s\n\n%s", group, group[0] ? " " : "",
		    name, sc->sc_args[0] ? " " : "", sc->sc_args,
		    sc->sc_about);
		printf("Human output by default; --json prints the node's "
		    "reply. Exit: 0 ok, 1 error, 2 usage.\n");
		exit(0);
	}
	printf("usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
	    "[--json] %s COMMAND [ARGS]\n", group);
	for (size_t i = 0; i < NSUBCMDS; i++)
		if (strcmp(subcmds[i].sc_group, group) == 0)
			printf("  %s %s%s%s\n", group, subcmds[i].sc_name,
			    subcmds[i].sc_args[0] ? " " : "",
			    subcmds[i].sc_args);
	printf("node-ctl %s COMMAND --help says more.\n", group);
	exit(0);
}

/* A wrong db or doc command line: its synopsis on stderr, exit 2. */
void __attribute__((noreturn))
subcmd_usage(const char *group, const char *name)
{
	const struct subcmd	*sc = subcmd_find(group, name);

	if (sc == NULL) {
		fprintf(stderr, "usage: node-ctl [-s SOCKET | -c CONFIG | "
		    "-d DATADIR] [--json] %s COMMAND [ARGS]\n", group);
		for (size_t i = 0; i < NSUBCMDS; i++)
			if (strcmp(subcmds[i].sc_group, group) == 0)
				fprintf(stderr, "  %s %s%s%s\n", group,
				    subcmds[i].sc_name, subcmds[i].sc_args[0] ?
				    " " : "", subcmds[i].sc_args);
	} else
		fprintf(stderr, "usage: node-ctl %s %s%s%s\n", group, name,
		    sc->sc_args[0] ? " " : "", sc->sc_args);
	exit(2);
}
