/*
 * fuzz_smtp: libFuzzer target for the mail gateway's parsers
 * (tools/mailgw/smtp.c). Each input is used whole: every line as an SMTP/LMTP
 * command (smtp_parse, and smtp_map_rcpt on each path it yields) and as
 * a server reply line; the input as a DATA stream fed in pieces whose
 * sizes come from the input itself, into a small buffer; the input as a
 * message for smtp_subject and smtp_is_message. Beyond "no crash, no
 * leak, no undefined behaviour" the promises are checked: a parsed path
 * fits and is a C string, a mapped address is a node address, the DATA
 * reader keeps at most its buffer and ends where it says, a subject is
 * valid UTF-8 without control characters within its bound, a BDAT line
 * parsed says again what it said when written back. Seeds:
 * tests/fuzz/corpus/fuzz_smtp/ (sessions, messages, replies).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "smtp.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A BDAT command, written back in its plain form, parses the same. */
static void
bdat_again(const struct smtp_cmd *c)
{
	struct smtp_cmd	again;
	char		line[64];
	int		n;

	if (c->last != 0 && c->last != 1)
		abort();
	n = snprintf(line, sizeof(line), "BDAT %" PRIu64 "%s", c->chunk,
	    c->last ? " LAST" : "");
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    smtp_parse(line, (size_t)n, &again) != 0 ||
	    again.verb != SMTP_BDAT || again.chunk != c->chunk ||
	    again.last != c->last)
		abort();
}

static void
one_line(const char *line, size_t len)
{
	struct smtp_cmd	c;
	char		out[SMTP_PATH_MAX + 300];
	int		code, last;

	if (smtp_parse(line, len, &c) == 0) {
		size_t	n = strnlen(c.arg, sizeof(c.arg));

		if (n == sizeof(c.arg) || c.verb < SMTP_HELO ||
		    c.verb > SMTP_NOTIMPL)
			abort();
		if ((c.verb == SMTP_MAIL || c.verb == SMTP_RCPT) &&
		    !c.null_path && n > SMTP_PATH_MAX)
			abort();
		if (smtp_map_rcpt(c.arg, "example", out, sizeof(out)) ==
		    SMTP_MAP_OK && !name_mailbox(out, NULL))
			abort();
		if (c.verb == SMTP_BDAT)
			bdat_again(&c);
	}
	if (smtp_reply_parse(line, len, &code, &last) == 0 &&
	    (code < 200 || code > 599 || (last != 0 && last != 1)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_data	 d;
	uint8_t			 buf[64];
	char			 subj[80];
	size_t			 off = 0, used, step = 1, start = 0;
	int			 done = 0;

	/* Lines, as the session cuts them (LF, a CR before it dropped). */
	for (size_t i = 0; i <= size; i++)
		if (i == size || data[i] == '\n') {
			size_t	len = i - start;

			if (len > 0 && data[start + len - 1] == '\r')
				len--;
			one_line((const char *)data + start, len);
			start = i + 1;
		}

	smtp_data_init(&d, buf, sizeof(buf));
	while (off < size && !done) {
		size_t	chunk;

		step = (step * 7 + data[off]) % 13 + 1;
		chunk = size - off < step ? size - off : step;
		done = smtp_data_feed(&d, data + off, chunk, &used);
		if (used > chunk || (!done && used != chunk))
			abort();
		off += used;
	}
	if (d.sd_len > sizeof(buf) || d.sd_total < d.sd_len ||
	    d.sd_total > size || smtp_data_over(&d) !=
	    (d.sd_total > sizeof(buf)))
		abort();
	if (done && (off < 3 || memcmp(data + off - 3, ".\r\n", 3) != 0))
		abort();

	if (smtp_subject(data, size, subj, sizeof(subj)) != 0 ||
	    subj[0] != '\0') {
		size_t	n = strlen(subj);

		if (n >= sizeof(subj) ||
		    !utf8_valid((const uint8_t *)subj, n))
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)subj[i] < 32 || subj[i] == 127)
				abort();
	}
	(void)smtp_is_message(data, size);
	return 0;
}
