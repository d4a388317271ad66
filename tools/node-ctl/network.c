/*
 * node-ctl/network.c: the network view from the status reports each node
 * sends up the tree: a page of nodes (a subtree of them, those in one
 * state), or per group the nodes counted by state (--summary). At the
 * root of a nation that is some 12,000 nodes, so the node lists a page
 * at a time (proto/control.md, "network").
 */
#include "node-ctl.h"

/* The command line, read. */
struct net_args {
	const char	*under, *state, *from;
	long		 limit;		/* 0: the node's default */
	int		 summary;
};

static void
net_parse(int argc, char **argv, struct net_args *a)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "summary", no_argument, NULL, 'S' },
		{ "stale", no_argument, NULL, 's' },
		{ "degraded", no_argument, NULL, 'g' },
		{ "up", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 ch, li;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, &li)) != -1) {
		if (ch == '?')
			bad("%s: not an option of network, or without its "
			    "value (node-ctl network --help)",
			    argv[optind - 1]);
		if (ch == 'f' && !name_valid(a->from = optarg))
			bad("--from: not a node name: %s", optarg);
		else if (ch == 'l') {
			errno = 0;
			a->limit = strtol(optarg, &end, 10);
			if (errno || *optarg == '\0' || *end != '\0' ||
			    a->limit < 1 || a->limit > VIEW_LIST_MAX)
				bad("--limit: a number of nodes, 1 to %d: %s",
				    VIEW_LIST_MAX, optarg);
		} else if (ch == 'S')
			a->summary = 1;
		else if (ch != 'f' && a->state != NULL)
			bad("--stale, --degraded and --up: one at most");
		else if (ch != 'f')
			a->state = opts[li].name;
	}
	cmd_operands(argc - optind);
	if (argc - optind == 1 && !name_valid(a->under = argv[optind]))
		bad("SUBTREE: not a node name: %s", argv[optind]);
	if (a->summary && a->limit != 0)
		bad("--summary counts every node: no --limit");
}

/* The request for a's page from `from` (NULL: a's own). */
static json_t *
net_request(const struct net_args *a, const char *from)
{
	json_t	*req = json_pack("{s:s}", "cmd", "network");

	if (a->under != NULL)
		json_object_set_new(req, "under", json_string(a->under));
	if (a->state != NULL)
		json_object_set_new(req, "state", json_string(a->state));
	if (a->limit != 0)
		json_object_set_new(req, "limit", json_integer(a->limit));
	if (a->summary)
		json_object_set_new(req, "summary", json_true());
	if ((from = from != NULL ? from : a->from) != NULL)
		json_object_set_new(req, "from", json_string(from));
	return req;
}

static void
print_nodes(json_t *r)
{
	json_t	*o;
	size_t	 i;

	printf("%-32s %-8s %9s %6s %8s %7s %7s  %s\n", "NODE", "VERSION",
	    "UPTIME", "PEERS", "BACKLOG", "ERRORS", "AGE", "STATE");
	json_array_foreach(json_object_get(r, "nodes"), i, o) {
		char	peers[24], age[24];

		snprintf(peers, sizeof(peers), "%lld/%lld",
		    num(o, "peers_up"), num(o, "peers"));
		snprintf(age, sizeof(age), "%llds", num(o, "age_s"));
		/* The version is as the node reported it. */
		printf("%-32s ", str(o, "name"));
		print_cell(str(o, "version"), 8);
		printf(" %8llds %6s %8lld %7lld %7s  ", num(o, "uptime_s"),
		    peers, num(o, "backlog"), num(o, "errors"), age);
		printf("%s", json_is_true(json_object_get(o, "stale")) ?
		    "STALE" : "ok");
		if (str(o, "last_error")[0] != '\0') {
			printf(" (");
			print_safe(str(o, "last_error"), 0);
			printf(")");
		}
		printf("\n");
	}
}

/* Adds the groups of page r to sum (name to group), merging counts. */
static void
merge_groups(json_t *sum, json_t *r)
{
	static const char *const counts[] = { "nodes", "up", "degraded",
	    "stale" };
	json_t	*g, *have;
	size_t	 i;

	json_array_foreach(json_object_get(r, "groups"), i, g) {
		if ((have = json_object_get(sum, str(g, "name"))) == NULL) {
			json_object_set(sum, str(g, "name"), g);
			continue;
		}
		for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
			json_object_set_new(have, counts[k], json_integer(
			    num(have, counts[k]) + num(g, counts[k])));
		if (num(g, "oldest_ms") < num(have, "oldest_ms")) {
			json_object_set(have, "oldest_ms",
			    json_object_get(g, "oldest_ms"));
			json_object_set(have, "oldest",
			    json_object_get(g, "oldest"));
		}
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One line per group of sum, by name, then the totals. */
static void
print_groups(json_t *sum)
{
	const char	**keys = xcalloc(json_object_size(sum) + 1,
			    sizeof(*keys));
	const char	 *k;
	json_t		 *g;
	long long	  nodes = 0, now = (long long)clock_wall_ms();
	size_t		  n = 0;

	json_object_foreach(sum, k, g)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	printf("%-32s %6s %6s %8s %6s  %s\n", "GROUP", "NODES", "UP",
	    "DEGRADED", "STALE", "OLDEST REPORT");
	for (size_t i = 0; i < n; i++) {
		g = json_object_get(sum, keys[i]);
		printf("%-32s %6lld %6lld %8lld %6lld  %llds ago (", str(g,
		    "name"), num(g, "nodes"), num(g, "up"), num(g, "degraded"),
		    num(g, "stale"), now > num(g, "oldest_ms") ? (now -
		    num(g, "oldest_ms")) / 1000 : 0);
		print_safe(str(g, "oldest"), 0);
		printf(")\n");
		nodes += num(g, "nodes");
	}
	printf("(%lld nodes in %zu groups)\n", nodes, n);
	free(keys);
}

/*
 * --summary: every page the node gives (each as much as it reads for one
 * request), merged, then printed.
 */
static void
print_summary(const struct net_args *a, json_t *r)
{
	json_t	*sum = json_object(), *next;
	char	*from = NULL;

	for (;;) {
		merge_groups(sum, r);
		if ((next = json_object_get(r, "next")) == NULL ||
		    !json_is_string(next))
			break;
		/* Each page goes on past the last: no loop. */
		if (from != NULL && strcmp(json_string_value(next), from) <= 0)
			die("the node's next page does not go on: %s",
			    json_string_value(next));
		free(from);
		from = xstrdup(json_string_value(next));
		json_decref(r);
		r = call(net_request(a, from));
	}
	free(from);
	json_decref(r);
	print_groups(sum);
	json_decref(sum);
}

/* The command that gives the next page: network and a's filters. */
static void
more_cmd(const struct net_args *a, char *buf, size_t len)
{
	char	limit[32] = "";

	if (a->limit != 0)
		snprintf(limit, sizeof(limit), " --limit %ld", a->limit);
	snprintf(buf, len, "network%s%s%s%s%s", a->under != NULL ? " " : "",
	    a->under != NULL ? a->under : "", a->state != NULL ? " --" : "",
	    a->state != NULL ? a->state : "", limit);
}

int
cmd_network(int argc, char **argv)
{
	struct net_args	 a;
	json_t		*r;
	char		 more[400];

	net_parse(argc, argv, &a);
	r = call(net_request(&a, NULL));
	if (json_out) {
		json_decref(r);
		return 0;
	}
	if (a.summary) {
		print_summary(&a, r);
		return 0;
	}
	print_nodes(r);
	more_cmd(&a, more, sizeof(more));
	print_more(r, more, "", NULL);
	json_decref(r);
	return 0;
}
