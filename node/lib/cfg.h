/*
 * cfg: the node's one INI file, read with libinih and checked against a
 * table of keywords, turned into an immutable struct node_conf.
 *
 * Sections: [node] (who we are, where we keep things, the pinned root),
 * [limits] (sizes and timers, all optional), and one [link NAME] per
 * outgoing link. node/lib/cfg.c lists every key with its type, default and
 * range. A struct node_conf is never changed after cfg_load returns it:
 * on SIGHUP build a new one and swap it in only if cfg_load succeeded.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CFG_MAX_FILE	(1024 * 1024)	/* cfg_load refuses larger files */

struct cfg_link {
	char	*name;		/* peer node name (from the section title) */
	char	*endpoint;	/* "tcp://host:port" or "ipc://path" */
	uint8_t	 key[32];	/* peer's Ed25519 public key (hex in the file) */
	int	 parent;	/* 1 for the default route; at most one link */
};

/* A list of words from one key, e.g. mailboxes = vanthu chutich. */
struct cfg_list {
	char	**items;
	size_t	  n;
};

struct node_conf {
	char		*path;		/* the file it came from */
	char		*name;		/* this node's name */
	char		*data_dir;
	char		*listen;	/* NULL: accepts no links (a leaf) */
	char		*metrics_listen; /* NULL: no HTTP metrics endpoint */
	char		*control;	/* default: DATA_DIR/control.sock */
	char		*key_file;	/* default: DATA_DIR/node.key */
	char		*chain_file;	/* default: DATA_DIR/node.chain */
	/* Key files of keys this node held before it was re-keyed: what
	 * was sealed to them still opens (seal.h). Default:
	 * DATA_DIR/old-keys; a directory that does not exist holds none. */
	char		*old_keys;
	char		*root_name;	/* the pinned root */
	uint8_t		 root_key[32];
	int		 log_level;	/* enum log_level */
	struct cfg_list	 mailboxes;	/* local mailbox names (no @node) */
	/* Who else may link to our listener than our children: node
	 * names, or *.NAME for every node strictly below NAME. */
	struct cfg_list	 accept;
	uint64_t	 map_size;	/* bytes, from map_size_mb */
	unsigned	 heartbeat_ms, link_timeout_ms, retry_min_ms, retry_max_ms;
	unsigned	 status_ms;	/* a status report upward this often */
	unsigned	 credit, batch_max;
	/* Store entries one control request reads at most (view.h). */
	unsigned	 ctl_scan_max;
	/* Hops in one page of a trace answer, at most (trace.h). */
	unsigned	 trace_page_hops;
	/* Self-repair: a full check of the store this often (and at start);
	 * a damaged record sought this long before it is called lost. */
	uint64_t	 scrub_ms, repair_wait_ms;
	struct cfg_link	*links;		/* in file order */
	size_t		 n_links;
};

/*
 * Reads and checks the file at path (at most CFG_MAX_FILE bytes).
 * 0 with *out set (free with cfg_free), or -1 with *out = NULL and
 * "path:line: message" in err (line 0 when not about one line).
 */
int	cfg_load(const char *path, struct node_conf **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* The same for a NUL-terminated buffer; path is only used in messages. */
int	cfg_parse_buf(const char *buf, const char *path,
	    struct node_conf **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/*
 * metrics_listen: "127.x.y.z:PORT" (any address in 127.0.0.0/8) or
 * "[::1]:PORT", PORT 1..65535; no names, no other address. 0 with the
 * address in *ss and its length in *sslen, or -1 with the reason in why.
 */
int	cfg_loopback_parse(const char *s, struct sockaddr_storage *ss,
	    socklen_t *sslen, char *why, size_t len);
/* NULL-safe; frees the config and every string in it, sets *cp = NULL. */
void	cfg_free(struct node_conf **cp);

#endif
