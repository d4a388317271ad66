/*
 * handlers: the daemon's wiring. The transport hands frames up and the
 * record door hands records on through tables; this fills them in, so
 * that neither names the modules above it.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

struct node;

/* Fills in n's tables (n_proto, n_kinds, n_after_commit). */
void	handlers_install(struct node *n);
/* After each loop turn: commits when due (idle: the loop sleeps next),
 * then pumps feeds. */
void	handlers_turn_end(struct node *n, int idle);

#endif
