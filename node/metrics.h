/*
 * metrics: the node's counters in the Prometheus text format, for
 * node-ctl metrics (and a scraper behind it).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

struct counters;
struct node;

/* One counter of struct counters: its name, what it counts, where. */
struct metrics_counter {
	const char	*mc_name;
	const char	*mc_help;
	size_t		 mc_off;
};
extern const struct metrics_counter	metrics_counters[];
extern const size_t			metrics_ncounters;
/* The value of counter m in c. */
uint64_t	metrics_value(const struct counters *c,
		    const struct metrics_counter *m);

/* The exposition text; free() it. */
char	*metrics_text(struct node *n);

#endif
