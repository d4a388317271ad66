/*
 * node-ctl/table.c: every command, registered once, as OpenBSD's smtpctl
 * registers its own: its name (one word, or a group and a word), its
 * handler, its synopsis, its option shape, its reader of a stopped store
 * (-d) and its --help paragraph. main.c dispatches from this table; the
 * usage text, --help, a wrong command line's synopsis and -d's refusal
 * are made from it.
 */
#include "node-ctl.h"

/* The paragraphs of --help, by name. */
static const char about_cert_issue[] =
    "Certify node NAME (below this one) for its public key and write\n"
    "the chain file it needs into CHAINFILE. Or certify an official of\n"
    "this node, PERSON@NODE (NODE: this node's name), for the public key\n"
    "of a personal key file (node-key person new): no chain file.\n";

static const char about_cert_ls[] =
    "The certificates this node holds and their state: valid, not yet\n"
    "valid, expired, revoked, or untrusted (a certificate above it in\n"
    "its chain does not hold). 1000 at a time, and as many as the node\n"
    "reads for one request: the last line then says where to go on.\n";

static const char about_cert_revoke[] =
    "Revoke a certificate this node may revoke; the revocation\n"
    "replicates on the urgent lane.\n";

static const char about_db_acl[] =
    "Without entries: the ACL of DB, one PATTERN LEVEL line each. With\n"
    "entries: change it (managers only) and show the result. An entry\n"
    "replaces the one with the same pattern or is added; LEVEL remove\n"
    "deletes it. The changed ACL is a signed record that replicates.\n";

static const char about_db_create[] =
    "Create the database DB (1 to 64 of a-z 0-9 . _ -), replicated to\n"
    "every node of the subtree SCOPE: this node or a node below it.\n"
    "Each PATTERN=LEVEL is an ACL entry; this node is always manager.\n"
    "PATTERN: NAME (that node), *.NAME (every node below NAME) or *.\n"
    "LEVEL: none, depositor, reader, author, editor or manager.\n"
    "Prints the database and its ACL record's id.\n";

static const char about_db_digest[] =
    "The state digest of this replica of DB, its documents and its\n"
    "conflicts. Replicas with the same documents, winners and\n"
    "conflicts print the same line. A database larger than the node\n"
    "reads for one request has no digest (-d reads it whole).\n";

static const char about_db_ls[] =
    "The databases this node knows: scope, this node's level, whether\n"
    "it holds a replica, documents (live and deleted), conflicts and\n"
    "the creator. The node counts as many documents as it reads for\n"
    "one request: counts marked + are floors, and the last line says\n"
    "where to go on.\n";

static const char about_doc_attachment[] =
    "Write the winner's attachment NAME into FILE (a new file), once\n"
    "every chunk of it has arrived here; each chunk and the whole are\n"
    "checked against their hashes.\n";

static const char about_doc_conflicts[] =
    "The documents of DB with conflicting revisions: the winner every\n"
    "replica picks and the revisions in conflict with it; 1000 at a\n"
    "time, and as many documents as the node reads for one request:\n"
    "the last line then says where to go on.\n";

static const char about_doc_get[] =
    "The document's fields, one NAME: VALUE line each (list items\n"
    "comma-separated, bytes as <N bytes>, times in ISO 8601 UTC), then\n"
    "its revision, readers, whether it is deleted, and the revisions\n"
    "in conflict with it. --rev: that revision instead of the winner.\n"
    "Of a purged document (deleted, its records dropped) only what its\n"
    "revision tree keeps: the revision, its depth, whether deleted.\n";

static const char about_doc_history[] =
    "Every revision of the document this replica holds, oldest first:\n"
    "depth, revision, flags (winner, leaf, deleted, purged), when and\n"
    "where it was written, and its parents; 1000 at a time (the last line\n"
    "says where the next page starts). Past as many revisions as the\n"
    "node reads for one request, it shows those it read. A purged\n"
    "revision's record is gone: when and where show as -, parents ?.\n";

static const char about_doc_ls[] =
    "The documents of DB in id order, 1000 at a time and as many as\n"
    "the node reads for one request (the last line says where the\n"
    "next page starts): winning revision, depth, conflicts, author.\n"
    "--deleted lists deleted documents too.\n";

static const char about_doc_put[] =
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
    "--sign-as KEYFILE: an official's signature over the database and\n"
    "the fields this put sets or removes, made here with the personal\n"
    "key (see send --help); every replica checks it, doc get and doc\n"
    "history show it.\n"
    "Prints the document's id and its new revision.\n";

static const char about_doc_import[] =
    "Write many documents: FILE (- for standard input) holds one JSON\n"
    "object a line, {\"db\": DB, \"id\": ID, \"fields\": {...}, \"readers\":\n"
    "[...], \"key\": KEY}, the fields as doc put reads them from standard\n"
    "input; id, readers and key may be left out, and db too with --db\n"
    "DB. They go 256 to a request, each request one commit. Each line\n"
    "has a key (its own, or one made from its number and bytes, and\n"
    "--db if it has no db), so the same file imported again stores\n"
    "nothing twice: run it again after an interruption. Progress on a\n"
    "terminal, a summary at the end, each refused line with its number\n"
    "and why on stderr; exit 1 if any was refused. No attachments.\n";

static const char about_db_import[] =
    "Import Notes documents: each FILE a DXL export (a whole database,\n"
    "a document collection or one document) of Domino 6.5 to 12, read\n"
    "as a stream. Each document becomes the document of DB whose id is\n"
    "made from its UNID, this node's key and DB: the same export again\n"
    "changes nothing, a later one writes what changed as new revisions.\n"
    "Readers and Authors names are mapped to node patterns by MAPFILE,\n"
    "one NOTES NAME = PATTERN[, PATTERN...] a line (- for no office),\n"
    "# comments. Every file is read once first: a document that cannot\n"
    "be imported (named by file, line and column) or a name without a\n"
    "mapping (all are listed) stops it before anything is written\n"
    "(--skip-bad: those documents are refused, the rest imported;\n"
    "--check: read and say, write nothing). Attachments are written to\n"
    "files in DIR (--tmp; default the node's data directory with -c,\n"
    "else TMPDIR or /tmp), which the node must be able to read. Each\n"
    "document has a key: run it again after an interruption. Progress\n"
    "on a terminal; the summary says what was imported, unchanged and\n"
    "refused (each named, and why, on stderr); exit 1 if any was.\n"
    "README.md \"Importing from Notes\" has the mapping.\n";

static const char about_db_export[] =
    "Write every live document of DB, with its fields, readers, author\n"
    "and attachments, to FILE (default standard output): as DXL, which\n"
    "db import reads back (at this node: the same documents, unchanged;\n"
    "elsewhere, the same ids), or as JSON lines (--format jsonl), one\n"
    "document a line, attachments in base64. -d reads a stopped node's\n"
    "store.\n";

static const char about_doc_resolve[] =
    "Resolve a conflict: a merge revision whose parents are every live\n"
    "leaf, with the fields of REV (default: the winner).\n";

static const char about_doc_rm[] =
    "Delete the document: a stub revision naming every live leaf,\n"
    "which replicates like any other.\n";

static const char about_mail_cat[] =
    "One message with its text; marks it read. A sealed one is opened\n"
    "with this node's key, or one it held before (old_keys); one none\n"
    "of them opens is an error that says why.\n";

static const char about_mail_ls[] =
    "The messages of a local mailbox, 1000 at a time; a sealed one's\n"
    "subject as opened here.\n";

static const char about_mail_rm[] =
    "Remove a message; it is never delivered again.\n";

static const char about_metrics[] =
    "The node's counters in the Prometheus text format.\n";

static const char about_network[] =
    "Every node below this one (all, at the root) from the status\n"
    "reports each sends up the tree: version, uptime, links, backlog,\n"
    "errors, the report's age; STALE when two reports are missing.\n"
    "SUBTREE: that node and the nodes below it alone. --stale, --up\n"
    "(fresh, every link up), --degraded (fresh, a link down): the\n"
    "nodes in that state alone. 1000 at a time (--limit N: N), by\n"
    "name, and as many as the node reads for one request: the last\n"
    "line then says where to go on (--from NAME). --summary: per\n"
    "province (below SUBTREE, or this node: per node one level down)\n"
    "the nodes, how many are up, degraded and stale, and the oldest\n"
    "report, over every page (--json: the node's first page).\n";

static const char about_peers[] =
    "Each link: direction, state (up, connected, down), how far the\n"
    "peer has our log (SENT, ACKED, LAG) and we theirs (RECEIVED,\n"
    "LAG_IN), records in and out, refused records, seconds since it\n"
    "was heard, seconds to the next reconnect, how far its clock is\n"
    "from ours when more than a minute (CLOCK: +2h00m, -1d02h; else\n"
    "ok), the last error.\n";

static const char about_queue[] =
    "What each link still owes its peer, per priority lane (urgent,\n"
    "normal, bulk), in records and bytes.\n";

static const char about_replicate[] =
    "Reconnect the links that are down now (or PEER's) and send what\n"
    "waits on the others.\n";

static const char about_route[] =
    "Which link mail for ADDRESS (user@node) takes, and why: local,\n"
    "down the tree by the longest known suffix, or up to the parent.\n"
    "For a subtree address (user@*.node, user@*): whether it is\n"
    "delivered here and each link it goes down.\n";

static const char about_send[] =
    "Submit a message from a local mailbox to one or more addresses;\n"
    "the text is FILE or standard input. Prints its id once stored.\n"
    "An address user@*.NODE is the mailbox at every node below NODE\n"
    "(user@*: every node but the root), for the root or an office at or\n"
    "above NODE to use.\n"
    "The message is sealed: only the recipients' nodes can read its\n"
    "subject and text, not the offices it passes. --clear sends it\n"
    "readable on the way: for an office that must read what it carries,\n"
    "a recipient of an older release, a node whose certificate has not\n"
    "reached this one, or a subtree of more than 256 node keys.\n"
    "Each request has a key (--key: 1 to 128 printable ASCII characters;\n"
    "else a random one): a repeat with the same key within 7 days prints\n"
    "the first one's id and writes nothing. A reply lost (no answer in\n"
    "--timeout seconds, default 15; the node stopped or down) is asked\n"
    "again with the same key for --retry seconds (default 30; 0: once).\n"
    "If no answer came, exit 3 says the message may or may not be stored,\n"
    "with the key: the same command with --key KEY tells, sending once.\n"
    "--sign-as KEYFILE: an official's signature over from, to, subject\n"
    "and text, made here with the personal key (node-key person new;\n"
    "its passphrase from the terminal, or the descriptor named by\n"
    "NODE_PASSPHRASE_FD); the key must be certified by this node\n"
    "(cert issue NAME@NODE KEY). Every node it passes checks it; sealed,\n"
    "the signature goes inside: the recipients' nodes check it.\n"
    "--batch FILE (- for stdin) sends one message a line, a JSON object\n"
    "of send's fields (from, to, subject, text; key, receipt, clear,\n"
    "priority, expires in seconds), many in one request and one commit;\n"
    "each line has a key (its own, or one made from its number and\n"
    "bytes), so the same file sent again sends nothing twice. Progress\n"
    "on a terminal, a summary at the end, failed lines on stderr; exit 1\n"
    "if any failed.\n";

static const char about_status[] =
    "This node: name, tier, version, uptime, store size and map use,\n"
    "links up, and its counters (-d: a stopped node's store).\n";

static const char about_trace[] =
    "Custody of record ID: here, then at each node it was handed on\n"
    "to, asked along the path (-d: this store only). A hop that did\n"
    "not answer in time, or whose answer was cut, says so in a note;\n"
    "the last line then says how many hops have one.\n";

/*
 * name, handler, synopsis;
 *     options, operands (least, most);
 *     -d reader, flags, paragraph
 */
const struct ctl_cmd ctl_cmds[] = {
	{ "status", cmd_status, "",
	    NULL, 0, 0,
	    local_status, 0, about_status },
	{ "peers", cmd_peers, "",
	    NULL, 0, 0,
	    NULL, 0, about_peers },
	{ "queue", cmd_queue, "",
	    NULL, 0, 0,
	    NULL, 0, about_queue },
	{ "send", cmd_send,
	    "--from ADDR [--subject S] [--receipt] [--clear]\n"
	    "       [--expires SECONDS] [--priority urgent|normal|bulk]\n"
	    "       [--file FILE] [--key KEY] [--retry SECONDS]\n"
	    "       [--timeout SECONDS] [--sign-as KEYFILE] TO...\n"
	    "       send --batch FILE [--retry SECONDS] [--timeout SECONDS]",
	    "fSrCepFkRTbs", 0, -1,
	    NULL, 0, about_send },
	{ "mail ls", cmd_mail_ls, "MAILBOX [--from SEQ]",
	    "f", 1, 1,
	    view_mail_ls, 0, about_mail_ls },
	{ "mail cat", cmd_mail_cat, "MAILBOX SEQ",
	    NULL, 2, 2,
	    local_mail_cat, 0, about_mail_cat },
	{ "mail rm", cmd_mail_rm, "MAILBOX SEQ",
	    NULL, 2, 2,
	    NULL, 0, about_mail_rm },
	{ "replicate", cmd_replicate, "[PEER]",
	    NULL, 0, 1,
	    NULL, 0, about_replicate },
	{ "trace", cmd_trace, "ID",
	    NULL, 1, 1,
	    local_trace, 0, about_trace },
	{ "route", cmd_route, "ADDRESS",
	    NULL, 1, 1,
	    NULL, 0, about_route },
	{ "network", cmd_network,
	    "[SUBTREE] [--stale | --degraded | --up] [--summary]\n"
	    "       [--from NAME] [--limit N]",
	    "flSsgu", 0, 1,
	    NULL, CC_STRICT, about_network },
	{ "metrics", cmd_metrics, "",
	    NULL, 0, 0,
	    NULL, 0, about_metrics },
	{ "cert issue", cmd_cert_issue, "NAME PUBKEY -o CHAINFILE [--days N]\n"
	    "       PERSON@NODE PUBKEY [--days N]",
	    "od", 2, 2,
	    NULL, 0, about_cert_issue },
	{ "cert revoke", cmd_cert_revoke, "CERTID [REASON]",
	    NULL, 1, 2,
	    NULL, 0, about_cert_revoke },
	{ "cert ls", cmd_cert_ls, "[SUBTREE] [--from CERTID]",
	    "f", 0, 1,
	    NULL, 0, about_cert_ls },
	{ "db create", cmd_db_create, "DB SCOPE [PATTERN=LEVEL...]",
	    "", 2, -1,
	    NULL, CC_STRICT, about_db_create },
	{ "db ls", cmd_db_ls, "[--from DB]",
	    "f", 0, 0,
	    local_db_ls, CC_STRICT, about_db_ls },
	{ "db acl", cmd_db_acl, "DB [PATTERN=LEVEL...]",
	    "", 1, -1,
	    doc_view_db_acl, CC_STRICT, about_db_acl },
	{ "db digest", cmd_db_digest, "DB",
	    "", 1, 1,
	    doc_view_db_digest, CC_STRICT, about_db_digest },
	{ "db import", cmd_db_import,
	    "DB FILE... [--names MAPFILE] [--tmp DIR] [--skip-bad] [--check]",
	    "", 2, -1,
	    NULL, CC_STRICT, about_db_import },
	{ "db export", cmd_db_export, "DB [--format dxl|jsonl] [-o FILE]",
	    "", 1, 1,
	    local_view, CC_STRICT, about_db_export },
	{ "doc put", cmd_doc_put,
	    "DB [ID] [NAME[:TYPE]=VALUE...] [--readers P1,P2,...]\n"
	    "       [--attach NAME=FILE]... [--type MEDIA-TYPE] "
	    "[--detach NAME]...\n"
	    "       [--sign-as KEYFILE]",
	    "ratxs", 1, -1,
	    NULL, CC_STRICT, about_doc_put },
	{ "doc import", cmd_doc_import, "FILE [--db DB]",
	    "b", 1, 1,
	    NULL, CC_STRICT, about_doc_import },
	{ "doc get", cmd_doc_get, "DB ID [--rev REV]",
	    "v", 2, 2,
	    doc_view_doc_get, CC_STRICT, about_doc_get },
	{ "doc attachment", cmd_doc_attachment, "DB ID NAME -o FILE",
	    "o", 3, 3,
	    doc_view_doc_attachment, CC_STRICT, about_doc_attachment },
	{ "doc ls", cmd_doc_ls, "DB [--from ID] [--deleted]",
	    "fD", 1, 1,
	    doc_view_doc_ls, CC_STRICT, about_doc_ls },
	{ "doc rm", cmd_doc_rm, "DB ID",
	    "", 2, 2,
	    NULL, CC_STRICT, about_doc_rm },
	{ "doc history", cmd_doc_history, "DB ID [--from REV]",
	    "f", 2, 2,
	    doc_view_doc_history, CC_STRICT, about_doc_history },
	{ "doc conflicts", cmd_doc_conflicts, "DB [--from ID]",
	    "f", 1, 1,
	    doc_view_doc_conflicts, CC_STRICT, about_doc_conflicts },
	{ "doc resolve", cmd_doc_resolve, "DB ID [--keep REV]",
	    "k", 2, 2,
	    NULL, CC_STRICT, about_doc_resolve },
	{ NULL }
};

const struct ctl_cmd	*cur_cmd;

#define EACH_CMD(cc)	for (cc = ctl_cmds; cc->cc_name != NULL; cc++)

/* The length of name's group word, or 0 if it is one word. */
static size_t
group_len(const char *name)
{
	const char	*sp = strchr(name, ' ');

	return sp != NULL ? (size_t)(sp - name) : 0;
}

/* 1 if cc belongs to the group word g. */
static int
in_group(const struct ctl_cmd *cc, const char *g)
{
	size_t	len = group_len(cc->cc_name);

	return len > 0 && strlen(g) == len && strncmp(cc->cc_name, g, len) == 0;
}

const struct ctl_cmd *
cmd_find(int n, char **words)
{
	const struct ctl_cmd	*cc;

	EACH_CMD(cc) {
		if (group_len(cc->cc_name) == 0 ?
		    strcmp(cc->cc_name, words[0]) == 0 :
		    n >= 2 && in_group(cc, words[0]) &&
		    strcmp(cc->cc_name + group_len(cc->cc_name) + 1,
		    words[1]) == 0)
			return cc;
	}
	return NULL;
}

/* "NAME ARGS", or "NAME" if it has no arguments. */
static void
synopsis(FILE *f, const struct ctl_cmd *cc)
{
	fprintf(f, "%s%s%s", cc->cc_name, cc->cc_args[0] ? " " : "",
	    cc->cc_args);
}

/* The usage text: on stdout with exit 0 when asked for (--help), on
 * stderr with exit 2 after a usage error. */
void __attribute__((noreturn))
help(FILE *f, int status)
{
	const struct ctl_cmd	*cc;

	fprintf(f, "usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
	    "[--json] COMMAND [ARGS]\ncommands:\n");
	EACH_CMD(cc) {
		fprintf(f, "  ");
		synopsis(f, cc);
		fprintf(f, "\n");
	}
	fprintf(f, "node-ctl COMMAND --help says more about each.\n"
	    "Human tables by default; --json prints the node's reply. Exit: 0 "
	    "ok, 1 error, 2 usage,\n3 a send that got no answer (it may or "
	    "may not be stored).\n");
	exit(status);
}

void __attribute__((noreturn))
usage(void)
{
	help(stderr, 2);
}

/* The synopses of group g's commands. */
static void
group_list(FILE *f, const char *g)
{
	const struct ctl_cmd	*cc;

	fprintf(f, "usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
	    "[--json] %s COMMAND [ARGS]\n", g);
	EACH_CMD(cc) {
		if (!in_group(cc, g))
			continue;
		fprintf(f, "  ");
		synopsis(f, cc);
		fprintf(f, "\n");
	}
}

/* The first command of group g, or NULL if g is no group. */
static const struct ctl_cmd *
group_find(const char *g)
{
	const struct ctl_cmd	*cc;

	EACH_CMD(cc) {
		if (in_group(cc, g))
			return cc;
	}
	return NULL;
}

void __attribute__((noreturn))
cmd_help(int n, char **words)
{
	const struct ctl_cmd	*cc = cmd_find(n, words);

	if (cc != NULL) {
		printf("usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] "
		    "[--json] ");
		synopsis(stdout, cc);
		printf("\n\n%sHuman output by default; --json prints the "
		    "node's reply. Exit: 0 ok, 1 error, 2 usage.\n",
		    cc->cc_about);
		exit(0);
	}
	if (group_find(words[0]) == NULL)
		help(stdout, 0);
	group_list(stdout, words[0]);
	printf("node-ctl %s COMMAND --help says more.\n", words[0]);
	exit(0);
}

void __attribute__((noreturn))
cmd_unknown(const char *word)
{
	const struct ctl_cmd	*first = group_find(word);

	if (first == NULL || !(first->cc_flags & CC_STRICT))
		usage();
	group_list(stderr, word);
	exit(2);
}

void __attribute__((noreturn))
cmd_usage(void)
{
	if (!(cur_cmd->cc_flags & CC_STRICT))
		usage();
	fprintf(stderr, "usage: node-ctl ");
	synopsis(stderr, cur_cmd);
	fprintf(stderr, "\n");
	exit(2);
}

void
cmd_operands(int n)
{
	if (n < cur_cmd->cc_min || (cur_cmd->cc_max >= 0 &&
	    n > cur_cmd->cc_max))
		cmd_usage();
}

void
cmd_local_list(char *buf, size_t len)
{
	const struct ctl_cmd	*cc;
	size_t			 used = 0;

	buf[0] = '\0';
	EACH_CMD(cc) {
		if (cc->cc_local != NULL && used < len)
			used += (size_t)snprintf(buf + used, len - used,
			    "%s%s", used > 0 ? ", " : "", cc->cc_name);
	}
}
