/*
 * test_cfg: the config file (node/lib/cfg.c).
 *
 * A full file read back field by field, a minimal one with every default
 * filled in, and then the refusals: each must give -1, no struct, and a
 * message "node.conf:LINE: ..." naming the key. Every number key is tried
 * at min, max, min-1 and max+1. cfg_load is run against real files in a
 * mkdtemp directory per test, removed in teardown; a directory that
 * cannot be removed fails the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "tmp_dir.h"

#include "cfg.h"
#include "log.h"
#include "view.h"

#define KEY_A	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"
#define KEY_B	"A0A1A2A3A4A5A6A7A8A9AAABACADAEAF" \
		"B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
#define KEY_C	"ffffffffffffffffffffffffffffffff" \
		"ffffffffffffffffffffffffffffffff"

/* Lines 1-5: the least a file may hold. */
#define NODE_MIN \
	"[node]\n" \
	"name = bacquang.hagiang\n" \
	"data_dir = /var/lib/node/bq\n" \
	"root_name = tw\n" \
	"root_key = " KEY_A "\n"

/* Lines 1-5, then [limits] on line 6: line 7 is the first one added. */
#define LIMITS	NODE_MIN "[limits]\n"

/* Three lines: a complete link to "hagiang". */
#define LINK_HAGIANG \
	"[link hagiang]\n" \
	"endpoint = tcp://127.0.0.1:7100\n" \
	"key = " KEY_B "\n"

static const char full[] =
	"; a node in the middle of the tree\n"		/* 1 */
	"# both comment styles\n"			/* 2 */
	"[node]\n"					/* 3 */
	"name = bacquang.hagiang\n"			/* 4 */
	"data_dir = /var/lib/node/bacquang\n"		/* 5 */
	"listen = tcp://127.0.0.1:7101\n"		/* 6 */
	"control = /run/node/bacquang.sock      ; optional\n"
	"key_file = /etc/node/bacquang.key\n"
	"chain_file = /etc/node/bacquang.chain\n"
	"root_name = tw\n"
	"root_key = " KEY_A "\n"
	"log_level = debug\n"
	"\n"
	"[limits]\n"
	"map_size_mb = 2048\n"
	"heartbeat_s = 5\n"
	"link_timeout_s = 20\n"
	"retry_min_ms = 100\n"
	"retry_max_ms = 60000\n"
	"credit = 512\n"
	"batch_max = 64\n"
	"\n"
	"[link hagiang]\n"
	"endpoint = tcp://127.0.0.1:7100\n"
	"key = " KEY_B "\n"
	"parent = yes\n"
	"\n"
	"[link tanthanh.bacquang.hagiang]\n"
	"endpoint = ipc:///run/node/tanthanh.sock\n"
	"key = " KEY_C "\n"
	"parent = no\n";

struct fixture {
	char	dir[PATH_MAX];
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if (tmp_dir_make(f->dir, sizeof(f->dir), "test_cfg") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	int		 rc = tmp_dir_remove(f->dir);

	free(f);
	return rc;
}

static void
path_in(const struct fixture *f, const char *name, char *out, size_t size)
{
	int	n = snprintf(out, size, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < size);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_true(write(fd, buf, len) == (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static struct node_conf *
parse_ok(const char *text)
{
	struct node_conf	*nc = NULL;
	char			 err[512] = "";

	if (cfg_parse_buf(text, "node.conf", &nc, err, sizeof(err)) != 0)
		fail_msg("refused: %s\n--- in ---\n%s", err, text);
	assert_non_null(nc);
	return nc;
}

/*
 * The text is refused, nothing is returned, and the message starts with
 * "node.conf:LINE: " and contains what.
 */
static void
parse_bad(const char *text, int line, const char *what)
{
	struct node_conf	*nc = (struct node_conf *)&nc;	/* not NULL */
	char			 err[512] = "", prefix[32];

	snprintf(prefix, sizeof(prefix), "node.conf:%d: ", line);
	assert_int_equal(cfg_parse_buf(text, "node.conf", &nc, err,
	    sizeof(err)), -1);
	assert_null(nc);
	if (strstr(err, prefix) != err || strstr(err, what) == NULL)
		fail_msg("want \"%s...%s\", got \"%s\"\n--- in ---\n%s",
		    prefix, what, err, text);
}

/* head arg tail, then parse_bad or parse_ok on it. */
static void
bad_with(const char *head, const char *arg, const char *tail, int line,
    const char *what)
{
	char	buf[4096];

	assert_true((size_t)snprintf(buf, sizeof(buf), "%s%s%s", head, arg,
	    tail) < sizeof(buf));
	parse_bad(buf, line, what);
}

static struct node_conf *
ok_with(const char *head, const char *arg, const char *tail)
{
	char	buf[4096];

	assert_true((size_t)snprintf(buf, sizeof(buf), "%s%s%s", head, arg,
	    tail) < sizeof(buf));
	return parse_ok(buf);
}

static void
hex_bytes(const char *hex, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned	b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void
test_full_round_trip(void **state)
{
	struct node_conf	*nc = parse_ok(full);
	uint8_t			 k[32];

	(void)state;
	assert_string_equal(nc->path, "node.conf");
	assert_string_equal(nc->name, "bacquang.hagiang");
	assert_string_equal(nc->data_dir, "/var/lib/node/bacquang");
	assert_string_equal(nc->listen, "tcp://127.0.0.1:7101");
	assert_string_equal(nc->control, "/run/node/bacquang.sock");
	assert_string_equal(nc->key_file, "/etc/node/bacquang.key");
	assert_string_equal(nc->chain_file, "/etc/node/bacquang.chain");
	assert_string_equal(nc->root_name, "tw");
	hex_bytes(KEY_A, k);
	assert_memory_equal(nc->root_key, k, 32);
	assert_int_equal(nc->log_level, LOG_LEVEL_DEBUG);
	assert_true(nc->map_size == 2048ULL * 1024 * 1024);
	assert_int_equal(nc->heartbeat_ms, 5000);
	assert_int_equal(nc->link_timeout_ms, 20000);
	assert_int_equal(nc->retry_min_ms, 100);
	assert_int_equal(nc->retry_max_ms, 60000);
	assert_int_equal(nc->credit, 512);
	assert_int_equal(nc->batch_max, 64);

	assert_int_equal(nc->n_links, 2);
	assert_string_equal(nc->links[0].name, "hagiang");
	assert_string_equal(nc->links[0].endpoint, "tcp://127.0.0.1:7100");
	hex_bytes(KEY_B, k);
	assert_memory_equal(nc->links[0].key, k, 32);
	assert_int_equal(nc->links[0].parent, 1);
	assert_string_equal(nc->links[1].name, "tanthanh.bacquang.hagiang");
	assert_string_equal(nc->links[1].endpoint,
	    "ipc:///run/node/tanthanh.sock");
	hex_bytes(KEY_C, k);
	assert_memory_equal(nc->links[1].key, k, 32);
	assert_int_equal(nc->links[1].parent, 0);

	cfg_free(&nc);
	assert_null(nc);
	cfg_free(&nc);		/* NULL-safe, twice */
	cfg_free(NULL);
}

static void
test_defaults(void **state)
{
	struct node_conf	*nc;

	(void)state;
	nc = parse_ok(NODE_MIN LINK_HAGIANG);
	assert_null(nc->listen);
	assert_string_equal(nc->control, "/var/lib/node/bq/control.sock");
	assert_string_equal(nc->key_file, "/var/lib/node/bq/node.key");
	assert_string_equal(nc->chain_file, "/var/lib/node/bq/node.chain");
	assert_string_equal(nc->old_keys, "/var/lib/node/bq/old-keys");
	assert_int_equal(nc->log_level, LOG_LEVEL_INFO);
	assert_true(nc->map_size == 1024ULL * 1024 * 1024);
	assert_int_equal(nc->heartbeat_ms, 10000);
	assert_int_equal(nc->link_timeout_ms, 30000);
	assert_int_equal(nc->retry_min_ms, 200);
	assert_int_equal(nc->retry_max_ms, 30000);
	assert_int_equal(nc->credit, 4096);
	assert_int_equal(nc->batch_max, 256);
	/* The default is the views' own budget. */
	assert_int_equal(nc->ctl_scan_max, VIEW_SCAN_MAX);
	assert_int_equal(nc->trace_page_hops, 1024);
	assert_int_equal(nc->n_links, 1);
	assert_int_equal(nc->links[0].parent, 0);
	cfg_free(&nc);

	/* No links at all; a data_dir with a trailing '/'; CRLF lines. */
	nc = parse_ok("[node]\r\nname = a\r\ndata_dir = /d/\r\n"
	    "root_name = tw\r\nroot_key = " KEY_A "\r\n[limits]\r\n");
	assert_string_equal(nc->control, "/d/control.sock");
	assert_int_equal(nc->n_links, 0);
	assert_null(nc->links);
	cfg_free(&nc);

	/* An empty [limits] and the sections in another order. */
	nc = parse_ok(LINK_HAGIANG "[limits]\n" NODE_MIN);
	assert_string_equal(nc->links[0].name, "hagiang");
	cfg_free(&nc);
}

static void
test_unknown_key_and_section(void **state)
{
	(void)state;
	parse_bad(NODE_MIN "nmae = x\n", 6, "unknown key \"nmae\" in [node]");
	parse_bad(LIMITS "heartbeat = 5\n", 7,
	    "unknown key \"heartbeat\" in [limits]");
	parse_bad(NODE_MIN LINK_HAGIANG "parnet = yes\n", 9,
	    "unknown key \"parnet\" in [link hagiang]");
	parse_bad(NODE_MIN "[lnk hagiang]\nendpoint = tcp://h:1\n", 7,
	    "unknown section [lnk hagiang]");
	parse_bad(NODE_MIN "[Node]\nlisten = tcp://h:1\n", 7,
	    "unknown section [Node]");
	/* Keys are case-sensitive. */
	parse_bad(NODE_MIN "Listen = tcp://h:1\n", 6, "unknown key \"Listen\"");
	parse_bad("name = x\n" NODE_MIN, 1, "\"name\" comes before any [section]");
	/* Control bytes from the file do not reach the message. */
	parse_bad(NODE_MIN "n\033[2Jx = 1\n", 6, "unknown key \"n?[2Jx\"");
}

static void
test_duplicates(void **state)
{
	(void)state;
	parse_bad(NODE_MIN "name = other\n", 6, "duplicate key \"name\" in [node]");
	parse_bad(LIMITS "credit = 10\ncredit = 10\n", 8,
	    "duplicate key \"credit\"");
	/* A section met again after another one. */
	parse_bad(NODE_MIN LINK_HAGIANG
	    "[link other]\nendpoint = tcp://h:1\nkey = " KEY_C "\n"
	    "[link hagiang]\nparent = yes\n", 13,
	    "duplicate section [link hagiang]");
	parse_bad(NODE_MIN "[limits]\ncredit = 10\n[node]\nlisten = tcp://h:1\n",
	    9, "duplicate section [node]");
	/* Back to back: inih merges them, a repeated key still shows. */
	parse_bad(NODE_MIN LINK_HAGIANG LINK_HAGIANG, 10,
	    "duplicate key \"endpoint\" in [link hagiang]");
	/* The same name under another spelling of the title. */
	parse_bad(NODE_MIN LINK_HAGIANG "[link  hagiang]\nparent = no\n", 10,
	    "duplicate section [link hagiang]");
	/* An indented line is more of the value above it, in inih. */
	parse_bad("[node]\n  name = a\n  data_dir = /x\n", 3,
	    "duplicate key \"name\" in [node] (an indented line");
}

static void
test_link_sections(void **state)
{
	(void)state;
	parse_bad(NODE_MIN "[link]\nendpoint = tcp://h:1\n", 7,
	    "[link] needs the peer's node name");
	parse_bad(NODE_MIN "[link   ]\nendpoint = tcp://h:1\n", 7,
	    "needs the peer's node name");
	parse_bad(NODE_MIN "[link Ha_Giang]\nendpoint = tcp://h:1\n", 7,
	    "\"Ha_Giang\" is not a valid node name");
	parse_bad(NODE_MIN "[link a b]\nendpoint = tcp://h:1\n", 7,
	    "\"a b\" is not a valid node name");
	parse_bad(NODE_MIN "[linkhagiang]\nendpoint = tcp://h:1\n", 7,
	    "unknown section [linkhagiang]");
	/*
	 * inih keeps 49 bytes of a title: a longer one is refused, never cut
	 * to a shorter name. 43 bytes of name is the most that fits.
	 */
	parse_bad(NODE_MIN "[link aaaaaaaaaa.bbbbbbbbbb.cccccccccc.ddddddddddd]\n"
	    "endpoint = tcp://h:1\n", 7, "is longer than 48 bytes");
	parse_bad(NODE_MIN "[link aaaaaaaaaa.bbbbbbbbbb.cccccccccc.dddddddddddd."
	    "eeeeeeeeee]\nendpoint = tcp://h:1\n", 7, "is longer than 48 bytes");
	{
		struct node_conf *nc = parse_ok(NODE_MIN
		    "[link aaaaaaaaaa.bbbbbbbbbb.cccccccccc.dddddddddd]\n"
		    "endpoint = tcp://h:1\nkey = " KEY_C "\n");

		assert_string_equal(nc->links[0].name,
		    "aaaaaaaaaa.bbbbbbbbbb.cccccccccc.dddddddddd");
		cfg_free(&nc);
	}

	parse_bad(NODE_MIN LINK_HAGIANG "parent = yes\n"
	    "[link other]\nendpoint = tcp://h:1\nkey = " KEY_C "\n"
	    "parent = true\n", 13, "parent: [link hagiang] already has");
	parse_bad(NODE_MIN "[link bacquang.hagiang]\nendpoint = tcp://h:1\n"
	    "key = " KEY_C "\n", 0,
	    "[link bacquang.hagiang] is a link to this node itself");
}

static void
test_missing(void **state)
{
	static const char *const need[] = {
		"name", "data_dir", "root_name", "root_key"
	};
	const char	*min = NODE_MIN;
	char		 buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		char		 want[64];
		const char	*at;
		size_t		 n;

		/* NODE_MIN without the line that sets need[i]. */
		at = strstr(min, need[i]);
		assert_non_null(at);
		n = (size_t)(at - min);
		memcpy(buf, min, n);
		strcpy(buf + n, strchr(at, '\n') + 1);
		snprintf(want, sizeof(want), "missing key \"%s\" in [node]",
		    need[i]);
		parse_bad(buf, 0, want);
	}
	parse_bad("", 0, "missing key \"name\" in [node]");
	parse_bad("; nothing\n\n", 0, "missing key \"name\" in [node]");
	parse_bad(NODE_MIN "[link hagiang]\nkey = " KEY_B "\n", 0,
	    "missing key \"endpoint\" in [link hagiang]");
	parse_bad(NODE_MIN "[link hagiang]\nendpoint = tcp://h:1\n", 0,
	    "missing key \"key\" in [link hagiang]");
}

static void
test_cross_fields(void **state)
{
	(void)state;
	parse_bad(LIMITS "link_timeout_s = 10\n", 0,
	    "link_timeout_s (10) must be greater than heartbeat_s (10)");
	parse_bad(LIMITS "heartbeat_s = 40\n", 0, "link_timeout_s (30)");
	parse_bad(LIMITS "retry_min_ms = 500\nretry_max_ms = 499\n", 0,
	    "retry_max_ms (499) is below retry_min_ms (500)");
	parse_bad(LIMITS "retry_min_ms = 40000\n", 0, "retry_max_ms (30000)");
	parse_bad(LIMITS "credit = 256\nbatch_max = 257\n", 0,
	    "batch_max (257) is above credit (256)");
	parse_bad(LIMITS "credit = 100\n", 0, "batch_max (256)");
	/* Equal is allowed where the rule says so. */
	cfg_free(&(struct node_conf *){ parse_ok(LIMITS "retry_max_ms = 200\n"
	    "credit = 256\nbatch_max = 256\n") });
}

struct bound {
	const char	*key;
	const char	*value;
	const char	*extra;		/* another [limits] line, or "" */
	const char	*want;		/* NULL: accepted */
};

static const struct bound bounds[] = {
	{ "map_size_mb", "16", "", NULL },
	{ "map_size_mb", "1048576", "", NULL },
	{ "map_size_mb", "15", "", "below the minimum 16" },
	{ "map_size_mb", "1048577", "", "above the maximum 1048576" },
	{ "heartbeat_s", "1", "", NULL },
	{ "heartbeat_s", "3600", "link_timeout_s = 3601\n", NULL },
	{ "heartbeat_s", "0", "", "below the minimum 1" },
	{ "heartbeat_s", "3601", "link_timeout_s = 86400\n",
	    "above the maximum 3600" },
	{ "link_timeout_s", "2", "heartbeat_s = 1\n", NULL },
	{ "link_timeout_s", "86400", "", NULL },
	{ "link_timeout_s", "1", "heartbeat_s = 1\n", "below the minimum 2" },
	{ "link_timeout_s", "86401", "", "above the maximum 86400" },
	{ "retry_min_ms", "10", "", NULL },
	{ "retry_min_ms", "60000", "retry_max_ms = 60000\n", NULL },
	{ "retry_min_ms", "9", "", "below the minimum 10" },
	{ "retry_min_ms", "60001", "retry_max_ms = 3600000\n",
	    "above the maximum 60000" },
	{ "retry_max_ms", "10", "retry_min_ms = 10\n", NULL },
	{ "retry_max_ms", "3600000", "", NULL },
	{ "retry_max_ms", "9", "retry_min_ms = 10\n", "below the minimum 10" },
	{ "retry_max_ms", "3600001", "", "above the maximum 3600000" },
	{ "credit", "1", "batch_max = 1\n", NULL },
	{ "credit", "65536", "", NULL },
	{ "credit", "0", "batch_max = 1\n", "below the minimum 1" },
	{ "credit", "65537", "", "above the maximum 65536" },
	{ "batch_max", "1", "", NULL },
	{ "batch_max", "4096", "credit = 4096\n", NULL },
	{ "batch_max", "0", "", "below the minimum 1" },
	{ "batch_max", "4097", "credit = 65536\n", "above the maximum 4096" },
	{ "ctl_scan_max", "1", "", NULL },
	{ "ctl_scan_max", "100000000", "", NULL },
	{ "ctl_scan_max", "0", "", "below the minimum 1" },
	{ "ctl_scan_max", "100000001", "", "above the maximum 100000000" },
	{ "trace_page_hops", "1", "", NULL },
	{ "trace_page_hops", "4096", "", NULL },
	{ "trace_page_hops", "0", "", "below the minimum 1" },
	{ "trace_page_hops", "4097", "", "above the maximum 4096" },
};

static uint64_t
stored(const struct node_conf *nc, const char *key)
{
	if (strcmp(key, "map_size_mb") == 0)
		return nc->map_size / (1024 * 1024);
	if (strcmp(key, "heartbeat_s") == 0)
		return nc->heartbeat_ms / 1000;
	if (strcmp(key, "link_timeout_s") == 0)
		return nc->link_timeout_ms / 1000;
	if (strcmp(key, "retry_min_ms") == 0)
		return nc->retry_min_ms;
	if (strcmp(key, "retry_max_ms") == 0)
		return nc->retry_max_ms;
	if (strcmp(key, "credit") == 0)
		return nc->credit;
	if (strcmp(key, "batch_max") == 0)
		return nc->batch_max;
	if (strcmp(key, "ctl_scan_max") == 0)
		return nc->ctl_scan_max;
	if (strcmp(key, "trace_page_hops") == 0)
		return nc->trace_page_hops;
	fail_msg("no such key %s", key);
	return 0;
}

static void
test_bounds(void **state)
{
	char	buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		const struct bound	*b = &bounds[i];

		/* The key on line 7, the helper line after it. */
		snprintf(buf, sizeof(buf), LIMITS "%s = %s\n%s", b->key,
		    b->value, b->extra);
		if (b->want == NULL) {
			struct node_conf *nc = parse_ok(buf);

			assert_int_equal(stored(nc, b->key),
			    strtoull(b->value, NULL, 10));
			cfg_free(&nc);
		} else {
			char	want[128];

			snprintf(want, sizeof(want), "%s: %s is %s", b->key,
			    b->value, b->want);
			parse_bad(buf, 7, want);
		}
	}
	/* The messages, word for word. */
	parse_bad(LIMITS "map_size_mb = 8\n", 7,
	    "map_size_mb: 8 is below the minimum 16");
	parse_bad(LIMITS "credit = 65537\n", 7,
	    "credit: 65537 is above the maximum 65536");
}

static void
test_bad_numbers(void **state)
{
	static const char *const bad[] = {
		"12abc", "-1", "+1", "1 2", "99999999999999999999",
		"18446744073709551616", "18446744073709551615", "0x10", "1.5",
		"1e3", "", "12;x", "\t",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad_with(LIMITS "map_size_mb = ", bad[i], "\n", 7, "map_size_mb: ");
	parse_bad(LIMITS "credit = 12abc\n", 7,
	    "credit: \"12abc\" is not a whole number");
	parse_bad(LIMITS "credit = 99999999999999999999\n", 7,
	    "credit: 99999999999999999999 is above the maximum 65536");
	/* Spaces around a value and an inline comment are not the value. */
	{
		struct node_conf *nc = parse_ok(LIMITS
		    "credit =    300   ; records\nbatch_max=1\n");

		assert_int_equal(nc->credit, 300);
		assert_int_equal(nc->batch_max, 1);
		cfg_free(&nc);
	}
	/* Leading zeros are decimal, not octal. */
	{
		struct node_conf *nc = parse_ok(LIMITS "credit = 0010\n"
		    "batch_max = 1\n");

		assert_int_equal(nc->credit, 10);
		cfg_free(&nc);
	}
}

static void
test_values(void **state)
{
	static const char *const good_ep[] = {
		"tcp://127.0.0.1:7100", "tcp://*:1", "tcp://[::1]:65535",
		"tcp://node-1.example_net:7100", "ipc:///run/node/x.sock",
	};
	static const char *const bad_ep[] = {
		"http://h:1", "tcp://h", "tcp://h:", "tcp://:1", "tcp://h:0",
		"tcp://h:65536", "tcp://h:+1", "tcp://h:1x", "tcp://a b:1",
		"tcp://[::1:1", "tcp://h/x:1", "ipc://relative", "ipc://", "",
		"TCP://h:1", "tcp://*.x:1",
		"ipc:///aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	static const char *const yes[] = { "yes", "true", "1", "YES", "True" };
	static const char *const no[] = { "no", "false", "0", "No" };
	static const char *const bad_bool[] = { "maybe", "2", "", "y", "on" };
	struct node_conf	*nc;

	(void)state;
	for (size_t i = 0; i < sizeof(good_ep) / sizeof(good_ep[0]); i++) {
		nc = ok_with(NODE_MIN "listen = ", good_ep[i], "\n");
		assert_string_equal(nc->listen, good_ep[i]);
		cfg_free(&nc);
	}
	for (size_t i = 0; i < sizeof(bad_ep) / sizeof(bad_ep[0]); i++) {
		bad_with(NODE_MIN "listen = ", bad_ep[i], "\n", 6, "listen: ");
		bad_with(NODE_MIN "[link h]\nendpoint = ", bad_ep[i], "\n", 7,
		    "endpoint: ");
	}
	parse_bad(NODE_MIN "listen = tcp://h:0\n", 6,
	    "listen: \"tcp://h:0\": port \"0\" is not a number 1..65535");

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		nc = ok_with(NODE_MIN LINK_HAGIANG "parent = ", yes[i], "\n");
		assert_int_equal(nc->links[0].parent, 1);
		cfg_free(&nc);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		nc = ok_with(NODE_MIN LINK_HAGIANG "parent = ", no[i], "\n");
		assert_int_equal(nc->links[0].parent, 0);
		cfg_free(&nc);
	}
	for (size_t i = 0; i < sizeof(bad_bool) / sizeof(bad_bool[0]); i++)
		bad_with(NODE_MIN LINK_HAGIANG "parent = ", bad_bool[i], "\n", 9,
		    "parent: ");

	/* Levels. */
	nc = parse_ok(NODE_MIN "log_level = error\n");
	assert_int_equal(nc->log_level, LOG_LEVEL_ERROR);
	cfg_free(&nc);
	nc = parse_ok(NODE_MIN "log_level = warn\n");
	assert_int_equal(nc->log_level, LOG_LEVEL_WARN);
	cfg_free(&nc);
	parse_bad(NODE_MIN "log_level = loud\n", 6,
	    "log_level: \"loud\" is not error, warn, info or debug");

	/* Keys, names, paths. */
	parse_bad("[node]\nroot_key = " KEY_A "0\n", 2, "root_key: not a public");
	parse_bad("[node]\nroot_key = abc\n", 2, "root_key: ");
	parse_bad("[node]\nroot_key = " "zz" KEY_A "\n", 2, "root_key: ");
	parse_bad(NODE_MIN LINK_HAGIANG "[link b]\nkey = 12\n", 10, "key: ");
	parse_bad("[node]\nname = Bacquang\n", 2,
	    "name: \"Bacquang\" is not a valid node name");
	parse_bad("[node]\nroot_name = -tw\n", 2, "root_name: ");
	parse_bad("[node]\ndata_dir =\n", 2, "data_dir: empty path");
	parse_bad("[node]\nkey_file = ;\n", 2, "key_file: empty path");
	/* A socket path must fit a sockaddr_un, also when defaulted. */
	parse_bad("[node]\ncontrol = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaa\n", 2, "control: ");
	parse_bad("[node]\nname = a\nroot_name = tw\nroot_key = " KEY_A "\n"
	    "data_dir = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 0,
	    "set control in [node]");
}

/* accept: node names or *.NAME, each once; absent: nobody but children. */
static void
test_accept(void **state)
{
	struct node_conf	*nc;

	(void)state;
	nc = parse_ok(NODE_MIN);
	assert_int_equal(nc->accept.n, 0);
	cfg_free(&nc);
	nc = parse_ok(NODE_MIN "accept = ngocha.vixuyen.hagiang, *.hagiang\n");
	assert_int_equal(nc->accept.n, 2);
	assert_string_equal(nc->accept.items[0], "ngocha.vixuyen.hagiang");
	assert_string_equal(nc->accept.items[1], "*.hagiang");
	cfg_free(&nc);
	parse_bad(NODE_MIN "accept = *\n", 6,
	    "accept: \"*\" is not a node name or *.NAME");
	parse_bad(NODE_MIN "accept = a.*\n", 6, "accept: \"a.*\" is not");
	parse_bad(NODE_MIN "accept = *.\n", 6, "accept: \"*.\" is not");
	parse_bad(NODE_MIN "accept = Hagiang\n", 6, "accept: ");
	parse_bad(NODE_MIN "accept = a b a\n", 6,
	    "accept: \"a\" is listed twice");
}

/* metrics_listen: loopback addresses only, with a port; absent: none. */
static void
test_metrics_listen(void **state)
{
	static const char *const good[] = {
		"127.0.0.1:9100", "127.255.255.254:1", "127.0.0.2:65535",
		"[::1]:9100", "[0:0:0:0:0:0:0:1]:80",
	};
	static const struct {
		const char	*value, *why;
	} bad[] = {
		{ "0.0.0.0:9100", "0.0.0.0 is not a loopback address" },
		{ "10.1.2.3:9100", "10.1.2.3 is not a loopback address" },
		{ "128.0.0.1:9100", "is not a loopback address" },
		{ "126.255.255.255:9100", "is not a loopback address" },
		{ "[::]:9100", ":: is not a loopback address" },
		{ "[::2]:9100", "is not a loopback address" },
		{ "[::ffff:127.0.0.1]:9100", "is not a loopback address" },
		{ "localhost:9100", "\"localhost\" is not an IPv4 address" },
		{ "127.1:9100", "is not an IPv4 address" },
		{ "127.0.0.1.5:9100", "is not an IPv4 address" },
		{ "[127.0.0.1]:9100", "is not an IPv6 address" },
		{ "[::1]", "expected [::1]:PORT" },
		{ "[::1]9100", "expected [::1]:PORT" },
		{ "[::1:9100", "expected [::1]:PORT" },
		{ "::1:9100", "an IPv6 address goes in brackets" },
		{ "127.0.0.1", "there is no port" },
		{ "", "there is no port" },
		{ "127.0.0.1:", "port \"\" is not a number 1..65535" },
		{ "127.0.0.1:0", "port \"0\" is not a number 1..65535" },
		{ "127.0.0.1:65536", "is not a number 1..65535" },
		{ "127.0.0.1:-1", "is not a number 1..65535" },
		{ "127.0.0.1:+80", "is not a number 1..65535" },
		{ "127.0.0.1:80x", "is not a number 1..65535" },
		{ "127.0.0.1:99999999999999999999999", "1..65535" },
		{ ":9100", "expected 127.0.0.1:PORT or [::1]:PORT" },
		{ "[]:9100", "expected 127.0.0.1:PORT or [::1]:PORT" },
		{ "tcp://127.0.0.1:9100", "with no scheme" },
		{ "127.0.0.1:9100 9101", "is not a number 1..65535" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
		    "expected 127.0.0.1:PORT" },
	};
	struct node_conf	*nc;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 why[256], what[128];

	(void)state;
	nc = parse_ok(NODE_MIN);
	assert_null(nc->metrics_listen);
	cfg_free(&nc);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		nc = ok_with(NODE_MIN "metrics_listen = ", good[i], "\n");
		assert_string_equal(nc->metrics_listen, good[i]);
		cfg_free(&nc);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "metrics_listen: \"%.40s",
		    bad[i].value);
		bad_with(NODE_MIN "metrics_listen = ", bad[i].value, "\n", 6,
		    what);
		bad_with(NODE_MIN "metrics_listen = ", bad[i].value, "\n", 6,
		    bad[i].why);
		assert_int_equal(cfg_loopback_parse(bad[i].value, &ss, &sl,
		    why, sizeof(why)), -1);
	}
	/* A [limits] key it is not; and at most once. */
	parse_bad(LIMITS "metrics_listen = 127.0.0.1:1\n", 7,
	    "unknown key \"metrics_listen\" in [limits]");
	parse_bad(NODE_MIN "metrics_listen = 127.0.0.1:1\n"
	    "metrics_listen = 127.0.0.1:2\n", 7, "duplicate key");

	/* The address http.c binds. */
	assert_int_equal(cfg_loopback_parse("127.1.2.3:9100", &ss, &sl, why,
	    sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(sl, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9100);
	assert_int_equal(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr),
	    0x7f010203);
	assert_int_equal(cfg_loopback_parse("[::1]:65535", &ss, &sl, why,
	    sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(sl, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 65535);
	assert_true(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->
	    sin6_addr));
}

static void
test_malformed_lines(void **state)
{
	char	buf[1024];

	(void)state;
	parse_bad(NODE_MIN "just words\n", 6, "malformed line");
	parse_bad(NODE_MIN "[limits\n", 6, "malformed line");
	/* The first error wins, whichever kind it is. */
	parse_bad(NODE_MIN "just words\nnmae = x\n", 6, "malformed line");
	parse_bad(NODE_MIN "nmae = x\njust words\n", 6, "unknown key \"nmae\"");
	parse_bad(NODE_MIN "nmae = x\nalso = bad\n", 6, "unknown key \"nmae\"");

	/* 197 bytes is the longest line; one more is refused. */
	memset(buf, 0, sizeof(buf));
	strcpy(buf, NODE_MIN ";");
	memset(buf + strlen(buf), 'x', 196);
	strcat(buf, "\n");
	cfg_free(&(struct node_conf *){ parse_ok(buf) });
	buf[strlen(buf) - 1] = 'x';		/* 198, last line, no '\n' */
	parse_bad(buf, 6, "line is longer than 197 bytes");
	strcat(buf, "\n");
	parse_bad(buf, 6, "line is longer than 197 bytes");

	/* The tail of a long comment must never be read as a key. */
	memset(buf, 0, sizeof(buf));
	strcpy(buf, NODE_MIN "[link h]\n;");
	memset(buf + strlen(buf), ' ', 200);
	strcat(buf, "endpoint = tcp://h:1\nkey = " KEY_C "\n");
	parse_bad(buf, 7, "line is longer than");
}

static void
test_error_buffer(void **state)
{
	struct node_conf	*nc = NULL;
	char			 err[12];

	(void)state;
	memset(err, 'z', sizeof(err));
	assert_int_equal(cfg_parse_buf(NODE_MIN "nmae = x\n", "node.conf", &nc,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "node.conf:6");
	assert_int_equal(cfg_parse_buf(NODE_MIN "nmae = x\n", "node.conf", &nc,
	    NULL, 0), -1);
	assert_null(nc);
}

static void
test_load(void **state)
{
	struct fixture		*f = *state;
	struct node_conf	*nc = (struct node_conf *)&nc;
	char			 path[PATH_MAX], err[PATH_MAX + 256], *big;
	size_t			 n = 2 * 1024 * 1024;

	/* A good file. */
	path_in(f, "node.conf", path, sizeof(path));
	write_file(path, full, strlen(full));
	assert_int_equal(cfg_load(path, &nc, err, sizeof(err)), 0);
	assert_string_equal(nc->path, path);
	assert_string_equal(nc->name, "bacquang.hagiang");
	assert_int_equal(nc->n_links, 2);
	cfg_free(&nc);

	/* Missing: the path and strerror. */
	path_in(f, "missing.conf", path, sizeof(path));
	nc = (struct node_conf *)&nc;
	assert_int_equal(cfg_load(path, &nc, err, sizeof(err)), -1);
	assert_null(nc);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_true(strstr(err, ":0: ") != NULL);

	/* 2 MiB of comments. */
	big = malloc(n);
	assert_non_null(big);
	memset(big, '\n', n);
	memcpy(big, NODE_MIN, strlen(NODE_MIN));
	path_in(f, "big.conf", path, sizeof(path));
	write_file(path, big, n);
	free(big);
	assert_int_equal(cfg_load(path, &nc, err, sizeof(err)), -1);
	assert_null(nc);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "larger than 1048576 bytes"));

	/* Exactly 1 MiB is fine. */
	n = CFG_MAX_FILE;
	big = malloc(n);
	assert_non_null(big);
	memset(big, '\n', n);
	memcpy(big, NODE_MIN, strlen(NODE_MIN));
	write_file(path, big, n);
	free(big);
	assert_int_equal(cfg_load(path, &nc, err, sizeof(err)), 0);
	cfg_free(&nc);

	/* A NUL would hide the rest of the file from inih. */
	path_in(f, "nul.conf", path, sizeof(path));
	write_file(path, NODE_MIN "\0nmae = x\n", sizeof(NODE_MIN) + 9);
	assert_int_equal(cfg_load(path, &nc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":6: NUL byte"));

	/* A directory. */
	assert_int_equal(cfg_load(f->dir, &nc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->dir));
	assert_non_null(strstr(err, strerror(EISDIR)));

	/* Errors from the parse name the file. */
	path_in(f, "bad.conf", path, sizeof(path));
	write_file(path, NODE_MIN "nmae = x\n", strlen(NODE_MIN) + 9);
	assert_int_equal(cfg_load(path, &nc, err, sizeof(err)), -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_string_equal(err + strlen(path),
	    ":6: unknown key \"nmae\" in [node]");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full_round_trip),
		T(test_defaults),
		T(test_unknown_key_and_section),
		T(test_duplicates),
		T(test_link_sections),
		T(test_missing),
		T(test_cross_fields),
		T(test_bounds),
		T(test_bad_numbers),
		T(test_values),
		T(test_accept),
		T(test_metrics_listen),
		T(test_malformed_lines),
		T(test_error_buffer),
		T(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
