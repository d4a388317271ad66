/*
 * smtp_stall: an SMTP server that takes a message and never answers
 * its end, for tests/integration/mailgw.sh (a gateway stopped between
 * handing a message to its smarthost and the smarthost's answer).
 *
 *   smtp_stall PORT
 *
 * Listens on 127.0.0.1:PORT, one connection at a time: greets, answers
 * EHLO, HELO, MAIL, RCPT with 250 and DATA with 354, reads the message
 * up to its final dot, prints "message N" (N counts from 1) on stdout,
 * and then answers nothing more on that connection until the client
 * closes it, when it prints "closed N". Runs until killed.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		return;
}

/* Reads one line (CRLF or LF) into buf; 0 at the end of the stream. */
static int
line(int fd, char *buf, size_t len)
{
	size_t	n = 0;
	char	c;

	while (read(fd, &c, 1) == 1) {
		if (n + 1 < len)
			buf[n++] = c;
		if (c == '\n') {
			buf[n] = '\0';
			return 1;
		}
	}
	return 0;
}

static void
serve(int fd, unsigned *messages)
{
	char	buf[4096];
	int	data = 0;

	say(fd, "220 stall ESMTP\r\n");
	while (line(fd, buf, sizeof(buf))) {
		if (data) {
			if (strcmp(buf, ".\r\n") == 0 || strcmp(buf, ".\n") == 0) {
				printf("message %u\n", ++*messages);
				fflush(stdout);
				while (read(fd, buf, sizeof(buf)) > 0)
					;	/* never answer */
				printf("closed %u\n", *messages);
				fflush(stdout);
				return;
			}
			continue;
		}
		if (strncasecmp(buf, "DATA", 4) == 0) {
			say(fd, "354 go on\r\n");
			data = 1;
		} else if (strncasecmp(buf, "QUIT", 4) == 0) {
			say(fd, "221 bye\r\n");
			return;
		} else
			say(fd, "250 ok\r\n");
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	unsigned		messages = 0;
	int			s, fd, one = 1;

	if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
		fprintf(stderr, "usage: smtp_stall PORT\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(s, 4) != 0) {
		perror("smtp_stall");
		return 1;
	}
	for (;;) {
		if ((fd = accept(s, NULL, NULL)) == -1)
			continue;
		serve(fd, &messages);
		close(fd);
	}
}
