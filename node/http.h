/*
 * http: the optional metrics endpoint ([node] metrics_listen), a small
 * HTTP/1.0 server on a loopback address inside the node's loop. It
 * answers GET /metrics with the text node-ctl metrics prints, and
 * nothing else.
 */
#ifndef HTTP_H
#define HTTP_H

struct node;
typedef struct http http_t;

/*
 * Binds n->n_conf->metrics_listen and watches it in n->n_loop. 0 with
 * *out set (NULL when the config sets no endpoint), or -1, logged with
 * the config file's name: the node should not start.
 */
int	http_init(struct node *n, http_t **out)
	    __attribute__((warn_unused_result));
/* NULL-safe: closes the listener and every connection; sets *hp = NULL. */
void	http_shutdown(http_t **hp);

#endif
