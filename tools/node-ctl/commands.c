/*
 * node-ctl/commands.c: the node's and the network's commands (status,
 * peers, queue, mail, replicate, trace, route, metrics, cert): a
 * request each, the reply as a table or as it is (--json). send is in
 * send.c, network in network.c.
 */
#include "node-ctl.h"

/* Whether the store takes writes: one line, from status's "writes". */
static void
print_writes(json_t *w)
{
	long long	since = num(w, "since_ms"), free_bytes = num(w,
	    "disk_free");

	printf("writes    ");
	if (json_is_true(json_object_get(w, "refused"))) {
		printf("REFUSED for %lld s, %lld commits: ", since > 0 ?
		    ((long long)clock_wall_ms() - since) / 1000 : 0,
		    num(w, "refused_commits"));
		print_safe(str(w, "error"), 0);
		printf("; retry in %.1f s", (double)num(w, "retry_ms") / 1000);
	} else
		printf("ok");
	if (free_bytes >= 0)
		printf(" (%lld bytes free on its disk)", free_bytes);
	printf("\n");
}

int
cmd_status(int argc, char **argv)
{
	json_t	*r = call(json_pack("{s:s}", "cmd", "status"));
	json_t	*st = json_object_get(r, "store"), *c, *d, *v;
	const char *k;

	(void)argc;
	(void)argv;
	if (!json_out && !json_is_true(json_object_get(r, "running"))) {
		printf("name      %s\nstore     %s (node stopped; read-only)\n"
		    "instance  %s\n", str(r, "name")[0] != '\0' ?
		    str(r, "name") : "(unknown: no node.chain; the root?)",
		    str(r, "path"), str(r, "instance"));
		printf("records   %lld, log at %lld, map %lld of %lld bytes "
		    "used\n", num(st, "records"), num(st, "last_seq"),
		    num(st, "map_used"), num(st, "map_size"));
	} else if (!json_out) {
		printf("name      %s\ntier      %s\nversion   %s\n"
		    "uptime    %lld s\n", str(r, "name"), str(r, "tier"),
		    str(r, "version"), num(r, "uptime_s"));
		printf("store     %lld records, log at %lld, map %lld of %lld "
		    "bytes used\n", num(st, "records"), num(st, "last_seq"),
		    num(st, "map_used"), num(st, "map_size"));
		print_writes(json_object_get(r, "writes"));
		printf("peers     %lld up of %lld\n", num(r, "peers_up"),
		    num(r, "peers"));
		printf("loop      longest turn %lld ms\n",
		    num(json_object_get(r, "loop"), "longest_turn_ms"));
		d = json_object_get(r, "damaged");
		if (num(d, "sought") > 0 || num(d, "lost") > 0)
			printf("damaged   %lld sought from the neighbours, "
			    "%lld lost (node.8: DAMAGED RECORDS)\n",
			    num(d, "sought"), num(d, "lost"));
		c = json_object_get(r, "counters");
		json_object_foreach(c, k, v)
			printf("  %-14s %lld\n", k, json_integer_value(v));
	}
	json_decref(r);
	return 0;
}

/* A peer's CLOCK: "ok", or how far its clock is from ours, signed. */
static void
peer_clock(json_t *p, char *buf, size_t len)
{
	long long	off = num(p, "clock_offset_ms");
	char		span[24];

	if (!json_is_true(json_object_get(p, "clock_skewed"))) {
		snprintf(buf, len, "ok");
		return;
	}
	clock_span(span, sizeof(span), off < 0 ? -(uint64_t)off :
	    (uint64_t)off);
	snprintf(buf, len, "%c%s", off < 0 ? '-' : '+', span);
}

int
cmd_peers(int argc, char **argv)
{
	json_t	*r = call(json_pack("{s:s}", "cmd", "peers"));
	json_t	*p;
	size_t	 i;

	(void)argc;
	(void)argv;
	if (!json_out) {
		printf("%-28s %-3s %-9s %8s %8s %6s %8s %6s %7s %7s %4s %6s "
		    "%7s %7s  %s\n", "PEER", "DIR", "STATE", "SENT", "ACKED",
		    "LAG", "RECEIVED", "LAG_IN", "IN", "OUT", "REJ", "IDLE_S",
		    "RETRY_S", "CLOCK", "LAST ERROR");
		json_array_foreach(json_object_get(r, "peers"), i, p) {
			char	idle[24] = "-", retry[24] = "-", clk[32];

			if (num(p, "last_rx_ms_ago") >= 0)
				snprintf(idle, sizeof(idle), "%lld",
				    num(p, "last_rx_ms_ago") / 1000);
			if (num(p, "backoff_ms") > 0)
				snprintf(retry, sizeof(retry), "%.1f",
				    (double)num(p, "backoff_ms") / 1000);
			peer_clock(p, clk, sizeof(clk));
			printf("%-28s %-3s %-9s %8lld %8lld %6lld %8lld %6lld "
			    "%7lld %7lld %4lld %6s %7s %7s  ",
			    str(p, "name")[0] ? str(p, "name") : "(unnamed)",
			    str(p, "direction"),
			    str(p, "state"), num(p, "sent"), num(p, "acked"),
			    num(p, "lag_out"), num(p, "received"),
			    num(p, "lag_in"), num(p, "records_in"),
			    num(p, "records_out"), num(p, "rejected"), idle,
			    retry, clk);
			print_safe(str(p, "error"), 0);
			printf("\n");
		}
	}
	json_decref(r);
	return 0;
}

int
cmd_queue(int argc, char **argv)
{
	static const char *const lanes[] = { "urgent", "normal", "bulk" };
	json_t	*r = call(json_pack("{s:s}", "cmd", "queue")), *p, *q;
	size_t	 i;

	(void)argc;
	(void)argv;
	if (!json_out) {
		printf("%-28s %-9s %17s %17s %17s\n", "PEER", "STATE",
		    "URGENT", "NORMAL", "BULK");
		json_array_foreach(json_object_get(r, "links"), i, p) {
			printf("%-28s %-9s", str(p, "peer"), str(p, "state"));
			for (int l = 0; l < 3; l++) {
				char	cell[40];

				q = json_object_get(p, lanes[l]);
				snprintf(cell, sizeof(cell), "%lld%s / %lldB",
				    num(q, "records"), json_is_true(
				    json_object_get(q, "partial")) ? "+" : "",
				    num(q, "bytes"));
				printf(" %17s", cell);
			}
			printf("\n");
		}
	}
	json_decref(r);
	return 0;
}

/* SEQ: a message number from mail ls. */
static long long
mail_seq(const char *arg)
{
	char		*end;
	long long	 seq;

	errno = 0;
	seq = strtoll(arg, &end, 10);
	if (errno || *end || seq < 1)
		bad("SEQ: a message number from mail ls: %s", arg);
	return seq;
}

/* mail ls MAILBOX [--from SEQ]: --from only after the mailbox. */
int
cmd_mail_ls(int argc, char **argv)
{
	json_t		*r, *m;
	size_t		 i;
	char		*end;
	long long	 seq = 1;

	if (argc == 4 && strcmp(argv[2], "--from") == 0) {
		errno = 0;
		seq = strtoll(argv[3], &end, 10);
		if (errno || *end || seq < 1)
			bad("--from: a message number: %s", argv[3]);
		argc -= 2;
	}
	cmd_operands(argc - 1);
	r = call(json_pack("{s:s, s:s, s:I}", "cmd", "mail_ls", "mailbox",
	    argv[1], "from", (json_int_t)seq));
	if (!json_out) {
		printf("%5s %-4s %-32s %-12s %s\n", "SEQ", "READ", "FROM", "ID",
		    "SUBJECT");
		json_array_foreach(json_object_get(r, "messages"), i, m) {
			printf("%5lld %-4s ", num(m, "seq"), json_is_true(
			    json_object_get(m, "read")) ? "yes" : "");
			print_cell(str(m, "from"), 32);
			printf(" %-12.12s ", str(m, "id"));
			if (json_is_true(json_object_get(m, "sealed")) &&
			    json_object_get(m, "error") != NULL)
				printf("(sealed: does not open here; mail cat "
				    "says why)");
			else
				print_safe(str(m, "subject"), 0);
			printf("\n");
		}
		if (json_object_get(r, "next") != NULL)
			printf("(more: node-ctl mail ls %s --from %lld)\n",
			    argv[1], num(r, "next"));
	}
	json_decref(r);
	return 0;
}

/* A report's result, reason, message, recipients and detail. */
static void
print_report(json_t *m)
{
	json_t	*v;
	size_t	 i;

	printf("\nReport:  ");
	print_safe(str(m, "result"), 0);
	printf(" (reason %lld) ", num(m, "reason"));
	print_safe(str(m, "message_id"), 0);
	printf("\nFor:     ");
	json_array_foreach(json_object_get(m, "recipients"), i, v) {
		printf(i ? ", " : "");
		print_safe(json_string_value(v) ? json_string_value(v) : "", 0);
	}
	printf("\nDetail:  ");
	print_safe(str(m, "detail"), 0);
}

void
print_signed(const char *lead, json_t *sb)
{
	const char	*then = str(sb, "when_signed"), *now = str(sb, "now");
	json_t		*v;
	size_t		 i;

	printf("%s", lead);
	print_safe(str(sb, "person"), 0);
	printf(", certified by ");
	print_safe(str(sb, "office"), 0);
	if (json_array_size(json_object_get(sb, "fields")) > 0) {
		printf(", fields ");
		json_array_foreach(json_object_get(sb, "fields"), i, v) {
			printf(i ? "," : "");
			print_safe(json_string_value(v) != NULL ?
			    json_string_value(v) : "?", 0);
		}
	}
	/* -d reads a stopped store: no state to show. */
	if (then[0] == '\0')
		return;
	printf(": ");
	if (strcmp(then, "valid") == 0)
		printf("valid when signed");
	else {
		printf("when signed: ");
		print_safe(then, 0);
	}
	if (strcmp(now, "valid") == 0)
		printf(", and now");
	else {
		printf("; now: ");
		print_safe(now, 0);
	}
}

int
cmd_mail_cat(int argc, char **argv)
{
	long long	 seq = mail_seq(argv[2]);
	json_t		*r, *m;
	size_t		 i;

	(void)argc;
	r = call(json_pack("{s:s, s:s, s:I}", "cmd", "mail_cat", "mailbox",
	    argv[1], "seq", (json_int_t)seq));
	if (!json_out) {
		printf("Id:      %s\nFrom:    ", str(r, "id"));
		print_safe(str(r, "from"), 0);
		printf("\nTo:      ");
		json_array_foreach(json_object_get(r, "to"), i, m) {
			printf(i ? ", " : "");
			print_safe(json_string_value(m) ?
			    json_string_value(m) : "", 0);
		}
		printf("\nDate:    ");
		print_time(num(r, "created_ms"));
		printf("\nSubject: ");
		print_safe(str(r, "subject"), 0);
		if (json_is_true(json_object_get(r, "sealed")))
			printf("\nSealed:  yes, opened here%s",
			    json_is_true(json_object_get(r, "old_key")) ?
			    " with a key this node held before (old_keys)" :
			    "");
		if ((m = json_object_get(r, "signed_by")) != NULL)
			print_signed("\nSigned:  ", m);
		if ((m = json_object_get(r, "report")) != NULL)
			print_report(m);
		printf("\n\n");
		print_safe(str(r, "text"), 1);
		putchar('\n');
	}
	json_decref(r);
	return 0;
}

int
cmd_mail_rm(int argc, char **argv)
{
	long long	 seq = mail_seq(argv[2]);
	json_t		*r;

	(void)argc;
	r = call(json_pack("{s:s, s:s, s:I}", "cmd", "mail_rm", "mailbox",
	    argv[1], "seq", (json_int_t)seq));
	if (!json_out)
		printf("removed %s %lld\n", argv[1], seq);
	json_decref(r);
	return 0;
}

/* The reply to {"cmd": cmd}, with key: argv[1] if it was given. */
static json_t *
call_with(const char *cmd, const char *key, int argc, char **argv)
{
	json_t	*req = json_pack("{s:s}", "cmd", cmd);

	if (argc == 2)
		json_object_set_new(req, key, json_string(argv[1]));
	return call(req);
}

int
cmd_replicate(int argc, char **argv)
{
	json_t	*r = call_with("replicate", "peer", argc, argv), *p;
	size_t	 i;

	if (!json_out)
		json_array_foreach(json_object_get(r, "peers"), i, p)
			printf("%-28s %s\n", str(p, "peer"), str(p, "action"));
	json_decref(r);
	return 0;
}

/* One hop of a trace: the node, its custody events, a note. */
static void
print_hop(json_t *h)
{
	json_t	*e;
	size_t	 i;

	printf("at ");
	print_safe(str(h, "node"), 0);
	printf(":\n");
	json_array_foreach(json_object_get(h, "events"), i, e) {
		printf("  ");
		print_time(num(e, "time_ms"));
		printf("  ");
		print_cell(str(e, "event"), 10);
		printf(" ");
		print_safe(str(e, "peer"), 0);
		printf("\n");
	}
	if (str(h, "note")[0] != '\0') {
		printf("  (");
		print_safe(str(h, "note"), 0);
		printf(")\n");
	} else if (json_array_size(json_object_get(h, "events")) == 0)
		printf("  (no custody record here)\n");
}

/* Custody of a record here and, from a running node, along its path. */
int
cmd_trace(int argc, char **argv)
{
	json_t	*r = call(json_pack("{s:s, s:s}", "cmd", "trace", "id",
	    argv[1]));
	json_t	*h;
	size_t	 i, notes = 0;

	(void)argc;
	if (!json_out) {
		if (json_object_get(r, "hops") == NULL) {
			/* -d: this store alone */
			if (json_object_get(r, "node") == NULL)
				json_object_set_new(r, "node",
				    json_string("(this store)"));
			print_hop(r);
		} else {
			json_array_foreach(json_object_get(r, "hops"), i, h) {
				print_hop(h);
				notes += str(h, "note")[0] != '\0';
			}
		}
		/* Never a silent gap: what the notes above say is missing. */
		if (json_is_false(json_object_get(r, "complete")))
			printf("(incomplete: %zu of %zu hops say what is "
			    "missing)\n", notes, json_array_size(
			    json_object_get(r, "hops")));
	}
	json_decref(r);
	return 0;
}

int
cmd_cert_revoke(int argc, char **argv)
{
	json_t	*r = call(json_pack("{s:s, s:s, s:s}", "cmd", "cert_revoke",
	    "id", argv[1], "reason", argc == 3 ? argv[2] : ""));

	if (!json_out)
		printf("revoked by %s\n", str(r, "id"));
	json_decref(r);
	return 0;
}

int
cmd_cert_ls(int argc, char **argv)
{
	const char	*from = opt_from(&argc, argv);
	json_t		*req, *r, *ce;
	char		 more[300];
	size_t		 i;

	cmd_operands(argc - 1);
	req = json_pack("{s:s}", "cmd", "cert_ls");
	if (argc == 2)
		json_object_set_new(req, "under", json_string(argv[1]));
	if (from != NULL) {
		if (strlen(from) != 64 || strspn(from,
		    "0123456789abcdefABCDEF") != 64)
			bad("--from: a certificate id is 64 hex digits: %s",
			    from);
		json_object_set_new(req, "from", json_string(from));
	}
	r = call(req);
	if (!json_out) {
		printf("%-32s %-13s %-24s %-24s %-16s %s\n", "SUBJECT",
		    "STATE", "NOT BEFORE", "NOT AFTER", "KEY", "ID");
		json_array_foreach(json_object_get(r, "certs"), i, ce) {
			printf("%-32s %-13s ", str(ce, "subject"),
			    str(ce, "state"));
			print_time(num(ce, "not_before_ms"));
			printf(" ");
			print_time(num(ce, "not_after_ms"));
			printf(" %.16s %s\n", str(ce, "key"), str(ce, "id"));
		}
		snprintf(more, sizeof(more), "cert ls%s%s", argc == 2 ? " " :
		    "", argc == 2 ? argv[1] : "");
		print_more(r, more, "", NULL);
	}
	json_decref(r);
	return 0;
}

/* cert issue NAME PUBKEY, then -o CHAINFILE (not for a person) and
 * --days N. */
int
cmd_cert_issue(int argc, char **argv)
{
	const char		*out = NULL;
	long long		 days = 365;
	struct cert_chain	 c = { 0 };
	json_t			*r, *v;
	char			*end;
	size_t			 i, len;
	int			 rc;

	cmd_operands(argc < 3 ? argc - 1 : 2);
	for (int k = 3; k < argc; k++) {
		if (strcmp(argv[k], "-o") == 0 && k + 1 < argc)
			out = argv[++k];
		else if (strcmp(argv[k], "--days") == 0 && k + 1 < argc) {
			errno = 0;
			days = strtoll(argv[++k], &end, 10);
			if (errno || *end || days < 1)
				bad("--days: a positive number of days");
		} else
			usage();
	}
	/* An official's certificate goes in no chain file. */
	if (out == NULL && strchr(argv[1], '@') == NULL)
		usage();
	r = call(json_pack("{s:s, s:s, s:s, s:I}", "cmd", "cert_issue",
	    "subject", argv[1], "key", argv[2], "days", (json_int_t)days));
	c.n = json_array_size(json_object_get(r, "chain"));
	if (c.n == 0 || c.n > CERT_MAX_CHAIN)
		die("the node sent a chain of %zu certificates", c.n);
	c.certs = calloc(c.n, sizeof(*c.certs));
	c.lens = calloc(c.n, sizeof(*c.lens));
	if (c.certs == NULL || c.lens == NULL)
		die("out of memory");
	json_array_foreach(json_object_get(r, "chain"), i, v) {
		const char	*hex = json_string_value(v);

		if (hex == NULL || (c.certs[i] = malloc(strlen(hex) / 2 +
		    1)) == NULL || sodium_hex2bin(c.certs[i], strlen(hex) / 2 +
		    1, hex, strlen(hex), NULL, &len, NULL) != 0)
			die("the node sent a chain that is not hex");
		c.lens[i] = len;
	}
	if (out != NULL && (rc = cert_chain_save(out, &c)) != 0)
		die("%s: %s", out, cert_strerror(rc));
	if (!json_out && out != NULL)
		printf("%s: certificate %s for %s (%zu in chain)\n", out,
		    str(r, "id"), argv[1], c.n);
	else if (!json_out)
		printf("certificate %s for %s\n", str(r, "id"), argv[1]);
	cert_chain_free(&c);
	json_decref(r);
	return 0;
}

/*
 * What a route's link carries, as "; ..." (or ""): a session of an older
 * version carries no sealed mail, and no subtree address before its own.
 */
static const char *
carried(json_t *o)
{
	static char	buf[128];

	buf[0] = '\0';
	if (json_is_false(json_object_get(o, "carried_clear")))
		snprintf(buf, sizeof(buf), "; not carried: it runs protocol "
		    "version %lld, this mail needs %d", num(o, "version"),
		    WIRE_SUBTREE_VERSION);
	else if (json_is_false(json_object_get(o, "carried")))
		snprintf(buf, sizeof(buf), "; carried only clear: it runs "
		    "protocol version %lld, sealed mail needs %d",
		    num(o, "version"), WIRE_SEAL_VERSION);
	return buf;
}

int
cmd_route(int argc, char **argv)
{
	const char	*addr = argv[1];
	json_t		*r = call(json_pack("{s:s, s:s}", "cmd", "route",
	    "address", addr)), *o;
	size_t		 i;

	(void)argc;
	if (!json_out) {
		printf("%s: %s", addr, str(r, "next"));
		if (str(r, "link")[0] != '\0')
			printf(" (link %s%s)", str(r, "link"), carried(r));
		printf(": %s\n", str(r, "why"));
		if (json_is_true(json_object_get(r, "local")))
			printf("  delivered here\n");
		/* A subtree address: each link it goes down, or would but
		 * for the peer's older protocol version. */
		json_array_foreach(json_object_get(r, "links"), i, o)
			printf("  %s (link %s%s)\n", str(o, "peer"),
			    str(o, "link"), carried(o));
	}
	json_decref(r);
	return 0;
}

int
cmd_metrics(int argc, char **argv)
{
	json_t	*r = call(json_pack("{s:s}", "cmd", "metrics"));

	(void)argc;
	(void)argv;
	if (!json_out)
		fputs(str(r, "text"), stdout);
	json_decref(r);
	return 0;
}

/*
 * db and doc: databases and their documents. Each command has a synopsis
 * and a paragraph for "node-ctl db|doc COMMAND --help"; a wrong number of
 * arguments prints the synopsis (exit 2), a malformed value says which
 * one (exit 2 too: nothing was sent).
 */
