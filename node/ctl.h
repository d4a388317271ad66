/*
 * ctl: the node's control socket, for node-ctl.
 *
 * A ZeroMQ REP socket on ipc://CONTROL (owner-only: the file is 0600).
 * Each request is one JSON object {"cmd": NAME, ...}; each reply is one
 * JSON object, {"ok": true, ...} or {"ok": false, "error": "one line"}.
 * The commands and their fields are listed in tools/node-ctl.c.
 */
#ifndef CTL_H
#define CTL_H

#define CTL_MAX_REQUEST	(1024 * 1024)

struct node;

int	ctl_init(struct node *n);
void	ctl_shutdown(struct node *n);

#endif
