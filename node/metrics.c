/*
 * metrics: renders counters, store use and per-link state as Prometheus
 * text: "# HELP", "# TYPE", then name{labels} value lines. Label values
 * are node names (name_valid(): no quotes or backslashes to escape).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "repair.h"
#include "writes.h"
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

/*
 * Every counter, in the order node-ctl status and the metrics page show
 * them: one table, so the two never disagree.
 */
#define C(f, help)	{ #f, help, offsetof(struct counters, f) }
const struct metrics_counter metrics_counters[] = {
	C(frames_in, "Link frames received."),
	C(frames_out, "Link frames sent."),
	C(frames_bad, "Link frames refused."),
	C(records_in, "Records received, each once its transaction "
	    "commits."),
	C(records_new, "Records stored for the first time."),
	C(records_dup, "Records received already held."),
	C(records_bad, "Records refused (signature, origin, bounds, "
	    "database rules)."),
	C(records_refused, "Documents and ACLs refused by their database's "
	    "rules."),
	C(records_damaged, "Records found damaged on disk and set aside."),
	C(records_repaired, "Damaged records stored again from a "
	    "neighbour's copy."),
	C(records_lost, "Damaged records no neighbour linked had a copy "
	    "of."),
	C(records_unstored, "Records received whose transaction the store "
	    "refused: their senders send them again."),
	C(chunks_written, "Attachment chunks written here."),
	C(chunks_reused, "Attachment chunks held already, not written "
	    "again."),
	C(records_out, "Records sent."),
	C(auth_failed, "Handshakes refused or failed."),
	C(hello_bad, "Hellos refused."),
	C(sessions_cut, "Sessions ended because the peer's certificate chain "
	    "stopped holding."),
	C(log_rewinds, "Peers whose checkpoints were past our log as it is "
	    "(restored from a backup): fed again from 0."),
	C(hello_throttled, "Hellos whose feed restart waited for its turn."),
	C(feed_restarts, "Feeds restarted from a peer's checkpoints."),
	C(delivered, "Messages delivered to local mailboxes."),
	C(reports_sent, "Failure reports and receipts written."),
	C(commits, "Store commits."),
	C(commit_failed, "Store commits refused."),
	C(ctl_requests, "Control requests."),
	C(ctl_bad, "Control requests refused."),
};
#undef C
const size_t metrics_ncounters = sizeof(metrics_counters) /
    sizeof(metrics_counters[0]);

uint64_t
metrics_value(const struct counters *c, const struct metrics_counter *m)
{
	uint64_t	v;

	memcpy(&v, (const char *)c + m->mc_off, sizeof(v));
	return v;
}

/* Whether the store takes writes, and the room on its disk. */
static void
writes_gauges(struct buf *b, struct node *n)
{
	uint64_t	free_bytes;

	put(b, "# HELP node_store_writes_refused 1 while the store refuses "
	    "commits.\n# TYPE node_store_writes_refused gauge\n"
	    "node_store_writes_refused %d\n", n->n_writes.wr_refusing);
	if (store_disk_free(n->n_store, &free_bytes) == 0)
		put(b, "# HELP node_store_disk_free_bytes Bytes free on the "
		    "store's filesystem.\n"
		    "# TYPE node_store_disk_free_bytes gauge\n"
		    "node_store_disk_free_bytes %llu\n",
		    (unsigned long long)free_bytes);
}

char *
metrics_text(struct node *n)
{
	const struct counters	*c = &n->n_cnt;
	struct store_stat	 ss;
	struct buf		 b = { xmalloc(4096), 0, 4096 };

	for (size_t i = 0; i < metrics_ncounters; i++) {
		char	name[64];

		snprintf(name, sizeof(name), "%s_total",
		    metrics_counters[i].mc_name);
		counter(&b, name, metrics_counters[i].mc_help,
		    metrics_value(c, &metrics_counters[i]));
	}
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
	put(&b, "# HELP node_records_damaged Damaged records set aside: "
	    "sought from the neighbours, or lost.\n"
	    "# TYPE node_records_damaged gauge\n"
	    "node_records_damaged{state=\"sought\"} %llu\n"
	    "node_records_damaged{state=\"lost\"} %llu\n",
	    (unsigned long long)repair_wanted(n),
	    (unsigned long long)repair_lost(n));
	writes_gauges(&b, n);
	put(&b, "# HELP node_uptime_seconds Seconds since start.\n"
	    "# TYPE node_uptime_seconds gauge\nnode_uptime_seconds %llu\n",
	    (unsigned long long)((clock_mono_ms() - n->n_started_ms) / 1000));
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
