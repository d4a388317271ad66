/*
 * metrics: the node's counters in the Prometheus text format, for
 * node-ctl metrics (and a scraper behind it).
 */
#ifndef METRICS_H
#define METRICS_H

struct node;

/* The exposition text; free() it. */
char	*metrics_text(struct node *n);

#endif
