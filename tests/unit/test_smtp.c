/*
 * test_smtp: the mail gateway's parsers (tools/mailgw/smtp.c): command
 * lines and their paths and parameters, BDAT's chunk size, the mapping
 * of Internet
 * addresses to node addresses, the DATA reader (dot-unstuffing, the end marker, a bounded
 * buffer, bytes fed in any split), the Subject decoder (RFC 2047 B and
 * Q, words split inside a character, folding, Latin-1, raw UTF-8, bad
 * bytes), the message test and reply lines. Pure functions: no files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "smtp.h"
#include "utf8.h"

static int
parse(const char *line, struct smtp_cmd *c)
{
	return smtp_parse(line, strlen(line), c);
}

static void
test_verbs(void **state)
{
	struct smtp_cmd	c;

	(void)state;
	assert_int_equal(parse("ehlo client.example", &c), 0);
	assert_int_equal(c.verb, SMTP_EHLO);
	assert_string_equal(c.arg, "client.example");
	assert_int_equal(parse("LHLO [127.0.0.1]", &c), 0);
	assert_int_equal(c.verb, SMTP_LHLO);
	assert_int_equal(parse("HELO", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("EHLO a b", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("DATA", &c), 0);
	assert_int_equal(c.verb, SMTP_DATA);
	assert_int_equal(parse("data now", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("QUIT ", &c), 0);
	assert_int_equal(parse("NOOP whatever", &c), 0);
	assert_int_equal(parse("RSET", &c), 0);
	assert_int_equal(parse("STARTTLS", &c), 0);
	assert_int_equal(c.verb, SMTP_NOTIMPL);
	assert_int_equal(parse("AUTH PLAIN", &c), 0);
	assert_int_equal(c.verb, SMTP_NOTIMPL);
	assert_int_equal(parse("HELLO", &c), SMTP_EUNKNOWN);
	assert_int_equal(parse("", &c), SMTP_EUNKNOWN);
	assert_int_equal(parse("MAILFROM:<a@b>", &c), SMTP_EUNKNOWN);
	/* Control bytes and broken UTF-8, whatever the verb. */
	assert_int_equal(parse("NOOP \x01", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("NOOP \xc3", &c), SMTP_ESYNTAX);
	assert_int_equal(smtp_parse("NOOP \0x", 7, &c), SMTP_ESYNTAX);
}

/* BDAT SIZE [LAST]; a refused one still says it was BDAT (the session
 * cannot find where its chunk ends, so it hangs up). */
static void
test_bdat(void **state)
{
	static const char *const bad[] = {
		"BDAT", "BDAT ", "BDAT x", "BDAT -1", "BDAT 1x", "BDAT 10LAST",
		"BDAT 1 FIRST", "BDAT 1 LAST LAST", "BDAT 1 LASTX",
		"BDAT 12345678901234567890", "BDAT 1 LAST \x01",
	};
	struct smtp_cmd	c;

	(void)state;
	assert_int_equal(parse("BDAT 100 LAST", &c), 0);
	assert_int_equal(c.verb, SMTP_BDAT);
	assert_true(c.chunk == 100 && c.last == 1);
	assert_int_equal(parse("bdat 0 last", &c), 0);
	assert_true(c.chunk == 0 && c.last == 1);
	assert_int_equal(parse("BDAT  42 ", &c), 0);
	assert_true(c.chunk == 42 && c.last == 0);
	assert_int_equal(parse("BDAT 9999999999999999999", &c), 0);
	assert_true(c.chunk == UINT64_C(9999999999999999999) && !c.last);
	assert_int_equal(parse("BDAT 007 LAST", &c), 0);
	assert_true(c.chunk == 7 && c.last == 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &c), SMTP_ESYNTAX);
		assert_int_equal(c.verb, SMTP_BDAT);
	}
}

static void
test_mail(void **state)
{
	struct smtp_cmd	c;

	(void)state;
	assert_int_equal(parse("MAIL FROM:<a.b@c.example> SIZE=1024 "
	    "BODY=8BITMIME SMTPUTF8", &c), 0);
	assert_int_equal(c.verb, SMTP_MAIL);
	assert_string_equal(c.arg, "a.b@c.example");
	assert_true(c.has_size);
	assert_int_equal(c.size, 1024);
	assert_int_equal(c.body, SMTP_BODY_8BITMIME);
	assert_true(c.smtputf8);
	assert_int_equal(parse("mail from:<>", &c), 0);
	assert_true(c.null_path);
	assert_string_equal(c.arg, "");
	/* A space after the colon: not RFC 5321, but common. */
	assert_int_equal(parse("MAIL FROM: <a@b.c> body=7bit", &c), 0);
	assert_int_equal(c.body, SMTP_BODY_7BIT);
	assert_int_equal(parse("MAIL FROM:a@b.c", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL FROM:<a@b.c", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL FROM:<a@@b.c>", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL FROM:<a..b@c>", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL FROM:<@b.c>", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL FROM:<a@b..c>", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL TO:<a@b.c>", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.c> FOO=bar", &c), SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.c> BODY=BINARYMIME", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.c> SIZE=1 SIZE=2", &c),
	    SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.c> SIZE=12x", &c),
	    SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.c> SIZE=99999999999999999999",
	    &c), SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.c> SIZE=", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.c> SMTPUTF8=1", &c),
	    SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.c>x", &c), SMTP_ESYNTAX);
}

static void
test_rcpt(void **state)
{
	struct smtp_cmd	c;
	char		long_path[400];

	(void)state;
	assert_int_equal(parse("RCPT TO:<vanthu@tw.example>", &c), 0);
	assert_int_equal(c.verb, SMTP_RCPT);
	assert_string_equal(c.arg, "vanthu@tw.example");
	assert_int_equal(parse("RCPT TO:<Postmaster>", &c), 0);
	assert_string_equal(c.arg, "Postmaster");
	assert_int_equal(parse("RCPT TO:<@relay.a,@relay.b:u@d.example>",
	    &c), 0);
	assert_string_equal(c.arg, "u@d.example");
	assert_int_equal(parse("RCPT TO:<\"a >b\"@d.example>", &c), 0);
	assert_string_equal(c.arg, "\"a >b\"@d.example");
	assert_int_equal(parse("RCPT TO:<u@[192.0.2.1]>", &c), 0);
	/* SMTPUTF8: UTF-8 in both parts. */
	assert_int_equal(parse("RCPT TO:<nguyễn@ví-dụ.vn>", &c), 0);
	assert_string_equal(c.arg, "nguyễn@ví-dụ.vn");
	assert_int_equal(parse("RCPT TO:<>", &c), SMTP_EPATH);
	assert_int_equal(parse("RCPT TO:<u@d> NOTIFY=NEVER", &c), SMTP_EPARAM);
	assert_int_equal(parse("RCPT TO:<\"unterminated@d>", &c), SMTP_EPATH);
	assert_int_equal(parse("RCPT TO:<u@[1.2.3.4>", &c), SMTP_EPATH);
	memset(long_path, 'a', sizeof(long_path));
	memcpy(long_path, "RCPT TO:<", 9);
	memcpy(long_path + 300, "@b.c>", 6);
	assert_int_equal(parse(long_path, &c), SMTP_EPATH);
}

static void
test_too_long(void **state)
{
	struct smtp_cmd	c;
	char		line[SMTP_LINE_MAX + 10];

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	assert_int_equal(smtp_parse(line, SMTP_LINE_MAX - 2, &c), 0);
	assert_int_equal(smtp_parse(line, SMTP_LINE_MAX - 1, &c),
	    SMTP_ETOOLONG);
}

static void
test_map(void **state)
{
	char	out[400];

	(void)state;
	assert_int_equal(smtp_map_rcpt("Vanthu@Tw.Example", "example", out,
	    sizeof(out)), SMTP_MAP_OK);
	assert_string_equal(out, "vanthu@tw");
	assert_int_equal(smtp_map_rcpt("chu.tich_2@tanthanh.bacquang.hagiang."
	    "example.", "example", out, sizeof(out)), SMTP_MAP_OK);
	assert_string_equal(out, "chu.tich_2@tanthanh.bacquang.hagiang");
	assert_int_equal(smtp_map_rcpt("a@b.mail.gov.vn", "mail.gov.vn", out,
	    sizeof(out)), SMTP_MAP_OK);
	assert_string_equal(out, "a@b");
	assert_int_equal(smtp_map_rcpt("a@example", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("a@tw.notexample", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("a@twexample", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("a@-tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("a@tw..example", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("a@[127.0.0.1]", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("Postmaster", "example", out,
	    sizeof(out)), SMTP_MAP_DOMAIN);
	assert_int_equal(smtp_map_rcpt("a+b@tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_USER);
	assert_int_equal(smtp_map_rcpt("\"a\"@tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_USER);
	assert_int_equal(smtp_map_rcpt("nguyễn@tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_USER);
	assert_int_equal(smtp_map_rcpt("@tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_USER);
	assert_int_equal(smtp_map_rcpt("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaa@tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_USER);	/* 65 bytes */
	assert_int_equal(smtp_map_rcpt("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaa@tw.example", "example", out,
	    sizeof(out)), SMTP_MAP_OK);	/* 64 bytes, folded */
	assert_int_equal(strlen(out), 64 + 3);
	assert_int_equal(smtp_map_rcpt("vanthu@tw.example", "example", out, 9),
	    SMTP_MAP_USER);	/* does not fit */
	assert_int_equal(smtp_map_rcpt("vanthu@tw.example", "example", out, 10),
	    SMTP_MAP_OK);
}

/* Feeds in, in pieces of step bytes; returns the message, *rest unused. */
static size_t
run_data(const char *in, size_t step, uint8_t *buf, size_t max,
    size_t *rest, int *over)
{
	struct smtp_data	d;
	size_t			n = strlen(in), off = 0, used = 0;
	int			done = 0;

	smtp_data_init(&d, buf, max);
	while (off < n && !done) {
		size_t	chunk = n - off < step ? n - off : step;

		done = smtp_data_feed(&d, (const uint8_t *)in + off, chunk,
		    &used);
		off += used;
	}
	*rest = done ? n - off : (size_t)-1;
	*over = smtp_data_over(&d);
	return d.sd_len;
}

static void
test_data(void **state)
{
	static const struct {
		const char	*in, *out;
		size_t		 rest;
	} cases[] = {
		{ "Hi\r\n.\r\n", "Hi\r\n", 0 },
		{ ".\r\n", "", 0 },
		{ "..x\r\n.y\r\n.\r\nQUIT\r\n", ".x\r\ny\r\n", 6 },
		/* A bare LF never starts a line: no end, no unstuffing. */
		{ "a\n.\nb\n..c\r\n.\r\n", "a\n.\nb\n..c\r\n", 0 },
		{ "a\r\n.\rX\r\n.\r\n", "a\r\n\rX\r\n", 0 },
		{ "\r\n\r\n.\r\n", "\r\n\r\n", 0 },
		{ "a\r\r\n.\r\n", "a\r\r\n", 0 },
	};
	uint8_t	buf[64];
	size_t	rest, len;
	int	over;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t step = 1; step <= strlen(cases[i].in); step++) {
			len = run_data(cases[i].in, step, buf, sizeof(buf),
			    &rest, &over);
			assert_int_equal(len, strlen(cases[i].out));
			assert_memory_equal(buf, cases[i].out, len);
			assert_int_equal(rest, cases[i].rest);
			assert_false(over);
		}
	/* No end yet. */
	run_data("abc\r\n.", 100, buf, sizeof(buf), &rest, &over);
	assert_int_equal(rest, (size_t)-1);
	/* Over the buffer: counted, not kept, still ends. */
	len = run_data("0123456789\r\n.\r\n", 3, buf, 4, &rest, &over);
	assert_int_equal(len, 4);
	assert_true(over);
	assert_int_equal(rest, 0);
	len = run_data("0123\r\n.\r\n", 3, buf, 6, &rest, &over);
	assert_int_equal(len, 6);
	assert_false(over);
}

static void
subject_is(const char *msg, const char *want)
{
	char	out[SMTP_SUBJECT_MAX + 1];

	assert_int_equal(smtp_subject((const uint8_t *)msg, strlen(msg), out,
	    sizeof(out)), 1);
	assert_string_equal(out, want);
}

static void
test_subject(void **state)
{
	char	out[16];

	(void)state;
	subject_is("Subject: =?UTF-8?B?R2nhuqV5IG3hu51pIGjhu41w?=\r\n\r\nx",
	    "Giấy mời họp");
	subject_is("From: a@b\r\nsubject: =?utf-8?q?Gi=E1=BA=A5y_m=E1=BB=9Di?="
	    "\r\n\r\n", "Giấy mời");
	/* Adjacent words join; a word split inside a character too. */
	subject_is("Subject: =?UTF-8?B?R2nh?= =?UTF-8?B?uqV5?=\r\n", "Giấy");
	subject_is("Subject: =?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?= c\r\n", "ab c");
	/* Folding: the CRLF goes, the white space stays. */
	subject_is("Subject: one\r\n two\r\n\tthree\r\nX: y\r\n", "one two three");
	subject_is("Subject: =?ISO-8859-1?Q?caf=E9?=\r\n", "café");
	subject_is("Subject: =?latin1?B?Y2Fm6Q==?=\r\n", "café");
	subject_is("Subject: =?UTF-8*vi?B?xJHhu5NuZw==?=\r\n", "đồng");
	/* Unknown charsets and broken words stay as written. */
	subject_is("Subject: =?KOI8-R?B?AAA=?=\r\n", "=?KOI8-R?B?AAA=?=");
	subject_is("Subject: =?UTF-8?X?abc?=\r\n", "=?UTF-8?X?abc?=");
	subject_is("Subject: =?UTF-8?Q?=ZZ?=\r\n", "=?UTF-8?Q?=ZZ?=");
	subject_is("Subject: =?UTF-8?B?!!!?=\r\n", "=?UTF-8?B?!!!?=");
	/* Raw UTF-8 (RFC 6532); a bad byte becomes U+FFFD; controls go. */
	subject_is("Subject: Công văn số 12\r\n", "Công văn số 12");
	subject_is("Subject: caf\xe9!\r\n", "caf\xef\xbf\xbd!");
	subject_is("Subject: a=?UTF-8?Q?=01=0A?=b\r\n", "a  b");
	subject_is("Subject:\r\n\r\n", "");
	/* LF-only messages, and the first Subject only. */
	subject_is("Subject: lf\nSubject: second\n\n", "lf");
	/* Cut at a character boundary. */
	assert_int_equal(smtp_subject((const uint8_t *)"Subject: ấấấấấấ\r\n",
	    strlen("Subject: ấấấấấấ\r\n"), out, sizeof(out)), 1);
	assert_string_equal(out, "ấấấấấ");	/* 15 bytes */
	/* None: in the body, after a non-header line, or absent. */
	assert_int_equal(smtp_subject((const uint8_t *)"From: a\r\n\r\n"
	    "Subject: no\r\n", 24, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(smtp_subject((const uint8_t *)"hello\r\nSubject: no"
	    "\r\n", 20, out, sizeof(out)), 0);
	assert_int_equal(smtp_subject((const uint8_t *)"", 0, out,
	    sizeof(out)), 0);
}

static void
test_is_message(void **state)
{
	static const char	*yes[] = {
		"From: a@b\r\nSubject: x\r\n\r\nbody",
		"Received: x\r\n y\r\nfrom: a\n\nbody",
		"From: a@b",
	};
	static const char	*no[] = {
		"hello\r\nFrom: a\r\n",
		"Subject: x\r\n\r\nFrom: a\r\n",
		" From: a\r\n",
		"",
		"From : a\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(smtp_is_message((const uint8_t *)yes[i],
		    strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(smtp_is_message((const uint8_t *)no[i],
		    strlen(no[i])));
}

static void
test_reply(void **state)
{
	int	code, last;

	(void)state;
	assert_int_equal(smtp_reply_parse("250-PIPELINING", 14, &code, &last),
	    0);
	assert_int_equal(code, 250);
	assert_false(last);
	assert_int_equal(smtp_reply_parse("550 5.1.1 no", 12, &code, &last), 0);
	assert_int_equal(code, 550);
	assert_true(last);
	assert_int_equal(smtp_reply_parse("354", 3, &code, &last), 0);
	assert_true(last);
	assert_int_equal(smtp_reply_parse("25x ok", 6, &code, &last), -1);
	assert_int_equal(smtp_reply_parse("600 x", 5, &code, &last), -1);
	assert_int_equal(smtp_reply_parse("250x", 4, &code, &last), -1);
	assert_int_equal(smtp_reply_parse("25", 2, &code, &last), -1);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid((const uint8_t *)"a\xc3\xa9\xf0\x9f\x98"
	    "\x80", 7));
	assert_false(utf8_valid((const uint8_t *)"\xc0\x80", 2));
	assert_false(utf8_valid((const uint8_t *)"\xe0\x80\x80", 3));
	assert_false(utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
	assert_false(utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid((const uint8_t *)"\xe1\xba", 2));
	assert_false(utf8_valid((const uint8_t *)"\x80", 1));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_is_message),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests_name("smtp", tests, NULL, NULL);
}
