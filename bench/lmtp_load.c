/*
 * lmtp_load: one LMTP session that loads the mail gateway, for
 * bench/bench_lmtp.sh.
 *
 *   lmtp_load HOST:PORT bdat|data N PIPE SIZE TAG RCPT
 *
 * Sends N messages of exactly SIZE bytes (headers, then lines of
 * filler; subject and Message-ID TAG-NNNNNN, so no two are alike) to the
 * one recipient RCPT. With bdat, PIPE messages at a time go out in one
 * go (MAIL, RCPT, BDAT SIZE LAST and the bytes, each), and their replies
 * are read before the next PIPE; the replies are read while the
 * commands are written, so a server that answers early never blocks on
 * us. With data, each message waits for its replies, as an MTA's LMTP
 * client does: MAIL, RCPT and DATA pipelined, the message after the
 * 354, its reply before the next message. HOST is an IPv4 or IPv6
 * literal or a name. Prints the number of messages answered 250.
 * Exit: 0 if every one was, 1 if not (the first other reply is said on
 * stderr) or the session broke, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PIPE_MAX	10000
#define SIZE_MIN	256
#define MSG_MAX	(1024 * 1024)
#define REPLY_WAIT_MS	60000
#define REPLY_LINE_MAX	1024

struct conn {
	int	 fd;
	char	 in[65536];
	size_t	 in_len;
	char	*out;		/* what is still to be written */
	size_t	 out_len, out_off;
	long	 ok;		/* messages answered 250 */
	int	 bad;		/* an answer that was not what it should be */
};

static void
usage(void)
{
	fprintf(stderr, "usage: lmtp_load HOST:PORT bdat|data N PIPE SIZE "
	    "TAG RCPT\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char	*end;
	long	 l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || l < min || l > max)
		usage();
	return l;
}

static int
dial(const char *hostport)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM }, *res;
	char		 host[256];
	const char	*colon = strrchr(hostport, ':');
	size_t		 n;
	int		 fd;

	if (colon == NULL || (n = (size_t)(colon - hostport)) >= sizeof(host))
		usage();
	memcpy(host, hostport, n);
	host[n] = '\0';
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		fprintf(stderr, "lmtp_load: cannot resolve %s\n", hostport);
		exit(1);
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		fprintf(stderr, "lmtp_load: %s: %s\n", hostport,
		    strerror(errno));
		exit(1);
	}
	freeaddrinfo(res);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/*
 * Writes what is queued and reads, until a whole reply line is here:
 * it goes into line (without CR LF). Exits on a broken session.
 */
static void
next_line(struct conn *c, char *line)
{
	for (;;) {
		char		*nl = memchr(c->in, '\n', c->in_len);
		struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t		 n;

		if (nl != NULL) {
			size_t	len = (size_t)(nl - c->in);

			if (len >= REPLY_LINE_MAX)
				len = REPLY_LINE_MAX - 1;
			memcpy(line, c->in, len);
			line[len > 0 && line[len - 1] == '\r' ? len - 1 : len] =
			    '\0';
			c->in_len -= (size_t)(nl - c->in) + 1;
			memmove(c->in, nl + 1, c->in_len);
			return;
		}
		if (c->in_len == sizeof(c->in)) {
			fprintf(stderr, "lmtp_load: a reply line too long\n");
			exit(1);
		}
		if (c->out_off < c->out_len)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, REPLY_WAIT_MS) <= 0) {
			fprintf(stderr, "lmtp_load: no reply in %d ms\n",
			    REPLY_WAIT_MS);
			exit(1);
		}
		if (pfd.revents & POLLOUT) {
			n = send(c->fd, c->out + c->out_off,
			    c->out_len - c->out_off, MSG_NOSIGNAL);
			if (n > 0)
				c->out_off += (size_t)n;
			else if (errno != EAGAIN && errno != EINTR)
				goto broken;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(c->fd, c->in + c->in_len,
			    sizeof(c->in) - c->in_len, 0);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR))
				goto broken;
			if (n > 0)
				c->in_len += (size_t)n;
		}
	}
broken:
	fprintf(stderr, "lmtp_load: the session broke after %ld messages\n",
	    c->ok);
	exit(1);
}

/* Reads one reply (its lines); 1 if its code is want. */
static int
expect(struct conn *c, const char *want)
{
	char	line[REPLY_LINE_MAX];

	do
		next_line(c, line);
	while (strlen(line) > 3 && line[3] == '-');
	if (strncmp(line, want, 3) == 0)
		return 1;
	if (!c->bad)
		fprintf(stderr, "lmtp_load: wanted %s, got \"%s\"\n", want,
		    line);
	c->bad = 1;
	return 0;
}

/* Queues n bytes for writing (written as the replies are read). */
static void
put(struct conn *c, const char *p, size_t n)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	c->out = realloc(c->out, c->out_len + n);
	if (c->out == NULL) {
		fprintf(stderr, "lmtp_load: out of memory\n");
		exit(1);
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

/* Message i, exactly size bytes, into buf: lines of filler, no dots. */
static void
message(char *buf, size_t size, const char *tag, long i, const char *rcpt)
{
	int	h = snprintf(buf, size, "From: load@bench.example\r\nTo: %s\r\n"
	    "Subject: %s-%06ld\r\nMessage-ID: <%s-%06ld@bench.example>\r\n\r\n",
	    rcpt, tag, i, tag, i);

	if (h < 0 || (size_t)h + 2 > size) {
		fprintf(stderr, "lmtp_load: SIZE too small for the headers\n");
		exit(2);
	}
	for (size_t k = (size_t)h; k < size; k++)
		buf[k] = (k - (size_t)h) % 78 == 76 ? '\r' :
		    (k - (size_t)h) % 78 == 77 ? '\n' : 'x';
	buf[size - 2] = '\r';
	buf[size - 1] = '\n';
}

int
main(int argc, char *argv[])
{
	struct conn	*c;
	char		 cmd[600], *msg;
	long		 n, npipe, size, sent = 0;
	int		 bdat;

	if (argc != 8 || (strcmp(argv[2], "bdat") != 0 &&
	    strcmp(argv[2], "data") != 0) || strlen(argv[7]) > 256)
		usage();
	bdat = strcmp(argv[2], "bdat") == 0;
	n = number(argv[3], 1, 100000000);
	npipe = number(argv[4], 1, PIPE_MAX);
	size = number(argv[5], SIZE_MIN, MSG_MAX);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (msg = malloc((size_t)size + 3)) == NULL)
		return 1;
	c->fd = dial(argv[1]);
	expect(c, "220");
	put(c, "LHLO load.bench.example\r\n", 25);
	expect(c, "250");
	while (sent < n && !c->bad) {
		long	k = bdat ? (n - sent < npipe ? n - sent : npipe) : 1;

		for (long i = sent; i < sent + k; i++) {
			message(msg, (size_t)size, argv[6], i + 1, argv[7]);
			put(c, cmd, (size_t)snprintf(cmd, sizeof(cmd),
			    "MAIL FROM:<load@bench.example>\r\nRCPT TO:<%s>\r\n",
			    argv[7]));
			if (!bdat) {
				put(c, "DATA\r\n", 6);
				continue;
			}
			put(c, cmd, (size_t)snprintf(cmd, sizeof(cmd),
			    "BDAT %ld LAST\r\n", size));
			put(c, msg, (size_t)size);
		}
		for (long i = 0; i < k; i++) {
			if (!expect(c, "250") || !expect(c, "250"))
				break;
			if (!bdat) {
				if (!expect(c, "354"))
					break;
				memcpy(msg + size, ".\r\n", 3);
				put(c, msg, (size_t)size + 3);
			}
			c->ok += expect(c, "250");
		}
		sent += k;
	}
	/* Everything queued went out with the last reply read. */
	(void)send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
	close(c->fd);
	printf("%ld\n", c->ok);
	return c->ok == n ? 0 : 1;
}
