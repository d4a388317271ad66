/*
 * ctl_proto: the bounds of the control protocol (proto/control.md), one
 * set for the node that answers and for every client that asks.
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#define CTL_MAX_REQUEST	(1024 * 1024)	/* bytes of one request */
#define MAIL_MAX_TEXT	(128u * 1024)	/* bytes of a message's text */
#define MAIL_MAX_DETAIL	1000		/* bytes of a report's detail */
#define CTL_MAX_BATCH	256		/* items of a send_batch, doc_put_batch */

#endif
