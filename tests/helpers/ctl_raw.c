/*
 * ctl_raw: sends raw requests to a node's control socket, for the tests
 * of bad input: bytes as given, a request of N bytes, the bytes of a
 * file (a request longer than one argument may be), or a multipart
 * message. Prints the reply; exit 1 if none came within 10 s.
 *
 *   ctl_raw SOCKET TEXT | --size N | --file PATH | --multipart |
 *       --probe STOPFILE
 *
 * --probe asks for the node's status again and again, each as soon as
 * the last is answered, until the file STOPFILE exists; then it prints
 * the longest wait for an answer in milliseconds: the longest the node
 * was deaf (tests/integration/mail_abuse.sh).
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "clock.h"

/* --probe: the longest status round trip until stop exists; -1 if one
 * got no answer within the socket's timeout. */
static int
probe(void *s, const char *stop)
{
	struct stat	st;
	uint64_t	longest = 0, t0;
	zmq_msg_t	m;
	int		n;

	while (stat(stop, &st) != 0) {
		t0 = clock_mono_ms();
		zmq_send(s, "{\"cmd\":\"status\"}", 16, 0);
		zmq_msg_init(&m);
		n = zmq_msg_recv(&m, s, 0);
		zmq_msg_close(&m);
		if (n < 0)
			return -1;
		if (clock_mono_ms() - t0 > longest)
			longest = clock_mono_ms() - t0;
	}
	printf("%llu\n", (unsigned long long)longest);
	return 0;
}

int
main(int argc, char **argv)
{
	void		*ctx, *s;
	char		 ep[512];
	int		 timeout = 10000, linger = 0, n;
	char		*buf = NULL;
	size_t		 len;
	zmq_msg_t	 m;

	if (argc != 3 && !(argc == 4 && (strcmp(argv[2], "--size") == 0 ||
	    strcmp(argv[2], "--file") == 0 ||
	    strcmp(argv[2], "--probe") == 0))) {
		fprintf(stderr, "usage: ctl_raw SOCKET TEXT|--size N|--file PATH|"
		    "--multipart|--probe STOPFILE\n");
		return 2;
	}
	snprintf(ep, sizeof(ep), "ipc://%s", argv[1]);
	ctx = zmq_ctx_new();
	s = zmq_socket(ctx, ZMQ_REQ);
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(s, ep) != 0)
		return 1;
	if (argc == 4 && strcmp(argv[2], "--probe") == 0) {
		n = probe(s, argv[3]);
		zmq_close(s);
		zmq_ctx_term(ctx);
		return n == 0 ? 0 : 1;
	}
	if (argc == 4 && strcmp(argv[2], "--file") == 0) {
		FILE	*f = fopen(argv[3], "rb");

		if (f == NULL || fseek(f, 0, SEEK_END) != 0 ||
		    (n = (int)ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
		    (buf = malloc((size_t)n + 1)) == NULL ||
		    fread(buf, 1, (size_t)n, f) != (size_t)n) {
			fprintf(stderr, "ctl_raw: %s: cannot read it\n",
			    argv[3]);
			return 1;
		}
		fclose(f);
		zmq_send(s, buf, (size_t)n, 0);
	} else if (argc == 4) {
		len = strtoul(argv[3], NULL, 10);
		if ((buf = malloc(len)) == NULL)
			return 1;
		memset(buf, 'x', len);
		zmq_send(s, buf, len, 0);
	} else if (strcmp(argv[2], "--multipart") == 0) {
		zmq_send(s, "{\"cmd\":\"status\"}", 16, ZMQ_SNDMORE);
		zmq_send(s, "more", 4, 0);
	} else
		zmq_send(s, argv[2], strlen(argv[2]), 0);
	zmq_msg_init(&m);
	n = zmq_msg_recv(&m, s, 0);
	if (n >= 0)
		printf("%.*s\n", n, (char *)zmq_msg_data(&m));
	zmq_msg_close(&m);
	zmq_close(s);
	zmq_ctx_term(ctx);
	free(buf);
	return n >= 0 ? 0 : 1;
}
