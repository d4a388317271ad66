/*
 * metrics: renders counters, store use and per-link state as Prometheus
 * text: "# HELP", "# TYPE", then name{labels} value lines. Label values
 * are node names (name_valid(): no quotes or backslashes to escape).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "metrics.h"
#include "node.h"
#include "xmem.h"

struct buf {
	char	*b_data;
	size_t	 b_len, b_cap;
};

static void	put(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt,
		    ap);
		va_end(ap);
		if (n < 0)
			fatalx("metrics: vsnprintf");
		if ((size_t)n < b->b_cap - b->b_len)
			break;
		b->b_cap = 2 * b->b_cap + (size_t)n;
		b->b_data = xrealloc(b->b_data, b->b_cap, 1);
	}
	b->b_len += (size_t)n;
}

static void
counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
	put(b, "# HELP node_%s %s\n# TYPE node_%s counter\nnode_%s %llu\n",
	    name, help, name, name, (unsigned long long)v);
}

char *
metrics_text(struct node *n)
{
	const struct counters	*c = &n->n_cnt;
	struct store_stat	 ss;
	struct buf		 b = { xmalloc(4096), 0, 4096 };

	counter(&b, "frames_in_total", "Link frames received.", c->frames_in);
	counter(&b, "frames_out_total", "Link frames sent.", c->frames_out);
	counter(&b, "frames_bad_total", "Link frames refused.", c->frames_bad);
	counter(&b, "records_in_total", "Records received.", c->records_in);
	counter(&b, "records_new_total", "Records stored for the first time.",
	    c->records_new);
	counter(&b, "records_dup_total", "Records received already held.",
	    c->records_dup);
	counter(&b, "records_bad_total", "Records refused (signature, "
	    "origin, bounds, database rules).", c->records_bad);
	counter(&b, "chunks_written_total", "Attachment chunks written here.",
	    c->chunks_written);
	counter(&b, "chunks_reused_total", "Attachment chunks held already, "
	    "not written again.", c->chunks_reused);
	counter(&b, "records_refused_total", "Documents and ACLs refused by "
	    "their database's rules.", c->records_refused);
	counter(&b, "records_out_total", "Records sent.", c->records_out);
	counter(&b, "auth_failed_total", "Handshakes refused or failed.",
	    c->auth_failed);
	counter(&b, "hello_bad_total", "Hellos refused.", c->hello_bad);
	counter(&b, "sessions_cut_total", "Sessions ended because the peer's "
	    "certificate chain stopped holding.", c->sessions_cut);
	counter(&b, "log_rewinds_total", "Peers whose checkpoints were past "
	    "our log as it is (restored from a backup): fed again from 0.",
	    c->log_rewinds);
	counter(&b, "hello_throttled_total", "Hellos whose feed restart "
	    "waited for its turn.", c->hello_throttled);
	counter(&b, "feed_restarts_total", "Feeds restarted from a peer's "
	    "checkpoints.", c->feed_restarts);
	counter(&b, "delivered_total", "Messages delivered to local "
	    "mailboxes.", c->delivered);
	counter(&b, "reports_sent_total", "Failure reports and receipts "
	    "written.", c->reports_sent);
	counter(&b, "commits_total", "Store commits.", c->commits);
	counter(&b, "commit_failed_total", "Store commits refused.",
	    c->commit_failed);
	counter(&b, "ctl_requests_total", "Control requests.",
	    c->ctl_requests);
	counter(&b, "ctl_bad_total", "Control requests refused.", c->ctl_bad);
	if (store_stat(n->n_store, &ss) == 0) {
		put(&b, "# HELP node_store_records Records held.\n"
		    "# TYPE node_store_records gauge\nnode_store_records %llu\n",
		    (unsigned long long)ss.records);
		put(&b, "# HELP node_store_map_bytes Store map size and use.\n"
		    "# TYPE node_store_map_bytes gauge\n"
		    "node_store_map_bytes{kind=\"size\"} %llu\n"
		    "node_store_map_bytes{kind=\"used\"} %llu\n",
		    (unsigned long long)ss.map_size,
		    (unsigned long long)ss.map_used);
	}
	put(&b, "# HELP node_uptime_seconds Seconds since start.\n"
	    "# TYPE node_uptime_seconds gauge\nnode_uptime_seconds %llu\n",
	    (unsigned long long)((loop_now_ms() - n->n_started_ms) / 1000));
	put(&b, "# HELP node_peer_up 1 if the link's session is up.\n"
	    "# TYPE node_peer_up gauge\n");
	for (size_t i = 0; i < n->n_npeers; i++)
		if (n->n_peers[i]->pr_name != NULL)
			put(&b, "node_peer_up{peer=\"%s\"} %d\n",
			    n->n_peers[i]->pr_name,
			    n->n_peers[i]->pr_state == PEER_UP);
	put(&b, "# HELP node_peer_records_total Records per link.\n"
	    "# TYPE node_peer_records_total counter\n");
	for (size_t i = 0; i < n->n_npeers; i++) {
		const struct peer	*p = n->n_peers[i];

		if (p->pr_name == NULL)
			continue;
		put(&b, "node_peer_records_total{peer=\"%s\",dir=\"in\"} %llu\n"
		    "node_peer_records_total{peer=\"%s\",dir=\"out\"} %llu\n"
		    "node_peer_records_total{peer=\"%s\",dir=\"refused\"} "
		    "%llu\n", p->pr_name,
		    (unsigned long long)p->pr_records_in, p->pr_name,
		    (unsigned long long)p->pr_records_out, p->pr_name,
		    (unsigned long long)p->pr_rejected);
	}
	return b.b_data;
}
