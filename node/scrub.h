/*
 * scrub: every stored record read back and checked against its id, at
 * start and then every [limits] scrub_h, a slice of each loop turn, so
 * that damage nobody reads (a delivered letter, a replica's revision) is
 * found, and repaired (repair.h), before anyone needs the record.
 */
#ifndef SCRUB_H
#define SCRUB_H

struct node;

/* Starts the first pass. */
void	scrub_start(struct node *n);
void	scrub_shutdown(struct node *n);
/* At a turn's end: checks a slice, if a pass is under way. */
void	scrub_turn(struct node *n);

#endif
