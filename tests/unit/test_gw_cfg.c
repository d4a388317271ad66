/*
 * test_gw_cfg: the mail gateway's config (tools/mailgw/gw_cfg.c). A full file
 * read back field by field, the defaults, and the refusals: each must
 * give -1, no struct, and a message "gw.conf:LINE: ..." (or "gw.conf: "
 * for the checks between keys) naming what is wrong. Endpoints parse
 * to the right socket addresses. Text only, no files.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include <setjmp.h>
#include <cmocka.h>

#include "ctl_proto.h"
#include "gw_cfg.h"
#include "log.h"

#define GATEWAY \
	"[gateway]\n" \
	"control = /var/lib/node/control.sock\n" \
	"domain = example\n" \
	"sender = postmaster@bacquang.hagiang\n" \
	"listen_lmtp = 127.0.0.1:2424\n"

static void
test_full(void **state)
{
	struct gw_conf	*gc = NULL;
	char		 err[256] = "";

	(void)state;
	assert_int_equal(gw_cfg_parse_buf(GATEWAY
	    "listen_smtp = unix:/run/mailgw.sock\n"
	    "hostname = gw.bacquang.example\n"
	    "max_size = 65536\nmax_clients = 4\ntimeout_s = 60\n"
	    "ctl_timeout_ms = 5000\nlog_level = debug\n"
	    "[outbound]\nmailbox = gw\nmaildir = /var/mail/gw\n"
	    "[outbound relay]\nmailbox = relay\nsmarthost = [::1]:25\n"
	    "rcpt = a@x.example, b@y.example\njournal = /var/lib/mailgw/j\n"
	    "helo = gw.example\npoll_ms = 500\nretry_min_ms = 100\n"
	    "retry_max_ms = 100\n", "gw.conf", &gc, err, sizeof(err)), 0);
	assert_non_null(gc);
	assert_string_equal(gc->control, "/var/lib/node/control.sock");
	assert_string_equal(gc->domain, "example");
	assert_string_equal(gc->sender, "postmaster@bacquang.hagiang");
	assert_string_equal(gc->listen_lmtp, "127.0.0.1:2424");
	assert_string_equal(gc->listen_smtp, "unix:/run/mailgw.sock");
	assert_string_equal(gc->hostname, "gw.bacquang.example");
	assert_int_equal(gc->max_size, 65536);
	assert_int_equal(gc->max_clients, 4);
	assert_int_equal(gc->timeout_s, 60);
	assert_int_equal(gc->ctl_timeout_ms, 5000);
	assert_int_equal(gc->log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(gc->n_out, 2);
	assert_string_equal(gc->out[0].name, "outbound");
	assert_string_equal(gc->out[0].mailbox, "gw");
	assert_string_equal(gc->out[0].maildir, "/var/mail/gw");
	assert_null(gc->out[0].smarthost);
	assert_int_equal(gc->out[0].poll_ms, 1000);
	assert_string_equal(gc->out[1].name, "outbound relay");
	assert_string_equal(gc->out[1].smarthost, "[::1]:25");
	assert_int_equal(gc->out[1].n_rcpt, 2);
	assert_string_equal(gc->out[1].rcpt[1], "b@y.example");
	assert_string_equal(gc->out[1].journal, "/var/lib/mailgw/j");
	assert_int_equal(gc->out[1].retry_max_ms, 100);
	gw_cfg_free(&gc);
	assert_null(gc);
	gw_cfg_free(&gc);
}

static void
test_defaults(void **state)
{
	struct gw_conf	*gc = NULL;
	char		 err[256] = "";

	(void)state;
	assert_int_equal(gw_cfg_parse_buf(GATEWAY, "gw.conf", &gc, err,
	    sizeof(err)), 0);
	assert_int_equal(gc->max_size, MAIL_MAX_TEXT);
	assert_int_equal(gc->max_clients, 16);
	assert_int_equal(gc->timeout_s, 300);
	assert_int_equal(gc->ctl_timeout_ms, 10000);
	assert_int_equal(gc->log_level, LOG_LEVEL_INFO);
	assert_null(gc->listen_smtp);
	assert_null(gc->hostname);
	assert_int_equal(gc->n_out, 0);
	gw_cfg_free(&gc);
	/* Outbound only: no listener, no sender needed. */
	assert_int_equal(gw_cfg_parse_buf("[gateway]\ncontrol = /c.sock\n"
	    "domain = example\n[outbound]\nmailbox = gw\nmaildir = /m\n",
	    "gw.conf", &gc, err, sizeof(err)), 0);
	gw_cfg_free(&gc);
}

static void
refused(const char *text, const char *want)
{
	struct gw_conf	*gc = (struct gw_conf *)&gc;
	char		 err[256] = "";

	assert_int_equal(gw_cfg_parse_buf(text, "gw.conf", &gc, err,
	    sizeof(err)), -1);
	assert_null(gc);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", err, want);
}

static void
test_refused(void **state)
{
	char	long_line[5000];

	(void)state;
	refused(GATEWAY "colour = blue\n", "gw.conf:6: colour: unknown key");
	refused(GATEWAY "[mail]\nx = 1\n", "gw.conf:7: [mail]: unknown section");
	refused(GATEWAY "domain = other\n", "gw.conf:6: domain: set twice");
	refused("[gateway]\ncontrol = relative.sock\n", "gw.conf:2: control");
	refused(GATEWAY "max_size = 1000000\n", "gw.conf:6: max_size: 1000000 "
	    "is not in 1024..131072");
	refused(GATEWAY "max_size = 12k\n", "gw.conf:6: max_size: \"12k\"");
	refused(GATEWAY "timeout_s = 0\n", "gw.conf:6: timeout_s");
	refused(GATEWAY "log_level = loud\n", "gw.conf:6: log_level");
	refused(GATEWAY "listen_smtp = 127.0.0.1\n", "gw.conf:6: listen_smtp");
	refused(GATEWAY "listen_smtp = example.org:25\n", "gw.conf:6: "
	    "listen_smtp");
	refused(GATEWAY "listen_smtp = 127.0.0.1:70000\n", "gw.conf:6:");
	refused(GATEWAY "listen_smtp = unix:relative\n", "gw.conf:6:");
	/* No AUTH: loopback or a unix socket only. */
	refused(GATEWAY "listen_smtp = 0.0.0.0:25\n", "gw.conf:6: "
	    "listen_smtp: \"0.0.0.0:25\" is not on loopback or a unix socket");
	refused(GATEWAY "listen_smtp = [::]:25\n", "gw.conf:6: listen_smtp");
	refused(GATEWAY "listen_smtp = 10.1.2.3:25\n", "gw.conf:6: "
	    "listen_smtp: \"10.1.2.3:25\" is not on loopback");
	refused(GATEWAY "listen_smtp = 127.0.0.1:2424\n", "listen_lmtp and "
	    "listen_smtp are the same");
	refused("[gateway]\ncontrol = /c\ndomain = Example\n", "gw.conf:3: "
	    "domain");
	refused("[gateway]\ncontrol = /c\ndomain = example\nsender = Bob@x\n",
	    "gw.conf:4: sender");
	refused("[gateway]\ncontrol = /c\ndomain = example\n"
	    "listen_lmtp = 127.0.0.1:1\n", "sender is missing");
	refused("[gateway]\ndomain = example\n", "control is missing");
	refused("[gateway]\ncontrol = /c\n", "domain is missing");
	refused("[gateway]\ncontrol = /c\ndomain = example\n", "nothing to do");
	refused(GATEWAY "[outbound]\nmaildir = /m\n", "[outbound] mailbox is "
	    "missing");
	refused(GATEWAY "[outbound]\nmailbox = gw\n", "one of maildir and "
	    "smarthost");
	refused(GATEWAY "[outbound]\nmailbox = gw\nmaildir = /m\n"
	    "smarthost = 127.0.0.1:25\n", "one of maildir and smarthost");
	refused(GATEWAY "[outbound]\nmailbox = gw\nsmarthost = 127.0.0.1:25\n",
	    "needs rcpt");
	refused(GATEWAY "[outbound]\nmailbox = gw\nmaildir = /m\n"
	    "rcpt = a@b.c\n", "rcpt and journal are for a smarthost");
	refused(GATEWAY "[outbound]\nmailbox = gw\nrcpt = a@b.c not-an-address\n",
	    "gw.conf:8: rcpt: \"not-an-address\"");
	refused(GATEWAY "[outbound]\nmailbox = GW\n", "gw.conf:7: mailbox");
	refused(GATEWAY "[outbound]\nmailbox = gw\nmaildir = /m\n"
	    "retry_min_ms = 500\nretry_max_ms = 100\n", "retry_max_ms is below");
	refused(GATEWAY "[outbound a]\nmailbox = gw\nmaildir = /m\n"
	    "[outbound b]\nmailbox = gw\nmaildir = /n\n", "already served");
	refused(GATEWAY "[outbound a]\nmailbox = gw\nmaildir = /m\n"
	    "[gateway]\nhostname = h\n[outbound a]\nmailbox = x\n",
	    "appears twice");
	refused(GATEWAY "this line has no equals sign\n", "gw.conf:6: "
	    "malformed line");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	memcpy(long_line, "; ", 2);
	refused(long_line, "gw.conf:1: line is longer than");
}

static void
test_endpoint(void **state)
{
	struct sockaddr_storage	 sa;
	socklen_t		 len;
	const struct sockaddr_in *s4 = (const void *)&sa;
	const struct sockaddr_in6 *s6 = (const void *)&sa;
	const struct sockaddr_un *su = (const void *)&sa;

	(void)state;
	assert_int_equal(gw_cfg_endpoint("127.0.0.1:2525", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 2525);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(gw_cfg_endpoint("localhost:25", &sa, &len), 0);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(gw_cfg_endpoint("[::1]:24", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 24);
	assert_int_equal(gw_cfg_endpoint("unix:/run/x.sock", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_UNIX);
	assert_string_equal(su->sun_path, "/run/x.sock");
	assert_int_equal(gw_cfg_endpoint("127.0.0.1:0", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("127.0.0.1:", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint(":25", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("[::1:25", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("[]:25", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("1.2.3:25", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("127.0.0.1:25x", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("127.0.0.1:-1", &sa, &len), -1);
	assert_int_equal(gw_cfg_endpoint("unix:", &sa, &len), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_endpoint),
	};

	return cmocka_run_group_tests_name("gw_cfg", tests, NULL, NULL);
}
