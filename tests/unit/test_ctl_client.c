/*
 * test_ctl_client: the control socket's client against a fake node in a
 * thread (a ROUTER socket, so it can leave a request unanswered): a
 * reply comes back ok or not, a lost reply is a timeout after which the
 * same client works again, a reply that is not a JSON object, a socket
 * nobody listens on, a node that dies with the request (the reply lost
 * at once, not at the timeout), and a request too large to send.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zmq.h>

#include "clock.h"
#include "ctl_client.h"
#include "ctl_proto.h"

#define TIMEOUT_MS	300

static char		 dir[] = "/tmp/test_ctl_client.XXXXXX";
static char		 path[64];
static pthread_t	 server;
static int		 served;	/* requests the fake node read */
static ctl_client_t	*cl;		/* one client for every test */
static char		 err[256];	/* its last error */

/* Answers by the request's "cmd": echo, refuse, silent (no answer),
 * garbage (not JSON), array (JSON, not an object), quit. */
static const char *
answer(const char *cmd, char *buf, size_t len)
{
	if (strcmp(cmd, "echo") == 0)
		snprintf(buf, len, "{\"ok\": true, \"cmd\": \"echo\"}");
	else if (strcmp(cmd, "refuse") == 0)
		snprintf(buf, len, "{\"ok\": false, \"error\": \"no\"}");
	else if (strcmp(cmd, "garbage") == 0)
		snprintf(buf, len, "{\"ok\": tru");
	else if (strcmp(cmd, "array") == 0)
		snprintf(buf, len, "[1]");
	else if (strcmp(cmd, "silent") == 0)
		return NULL;
	else
		snprintf(buf, len, "{\"ok\": true}");
	return buf;
}

static void *
serve(void *arg)
{
	void	*ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_ROUTER);
	char	*ep = arg, id[256], body[4096], out[256], cmd[32];
	int	 idlen, n, quit = 0;

	assert_int_equal(zmq_bind(s, ep), 0);
	while (!quit) {
		/* An envelope: the peer's id, an empty frame, the body. */
		if ((idlen = zmq_recv(s, id, sizeof(id), 0)) == -1 ||
		    zmq_recv(s, body, 0, 0) == -1 ||
		    (n = zmq_recv(s, body, sizeof(body) - 1, 0)) == -1)
			break;
		body[n < (int)sizeof(body) ? n : (int)sizeof(body) - 1] = '\0';
		__atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST);
		if (sscanf(body, "{\"cmd\":\"%31[a-z]\"", cmd) != 1)
			snprintf(cmd, sizeof(cmd), "?");
		quit = strcmp(cmd, "quit") == 0;
		if (answer(cmd, out, sizeof(out)) == NULL)
			continue;
		zmq_send(s, id, (size_t)idlen, ZMQ_SNDMORE);
		zmq_send(s, "", 0, ZMQ_SNDMORE);
		zmq_send(s, out, strlen(out), 0);
	}
	zmq_close(s);
	zmq_ctx_term(ctx);
	return NULL;
}

static int
setup(void **state)
{
	static char	ep[80];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/ctl", dir);
	snprintf(ep, sizeof(ep), "ipc://%s", path);
	if (pthread_create(&server, NULL, serve, ep) != 0)
		return -1;
	for (int i = 0; i < 200 && access(path, F_OK) != 0; i++)
		usleep(10 * 1000);
	cl = ctl_client_new(path, TIMEOUT_MS);
	return access(path, F_OK);
}

static int
teardown(void **state)
{
	json_t	*r;

	(void)state;
	ctl_client_call(cl, json_pack("{s:s}", "cmd", "quit"), &r, err,
	    sizeof(err));
	json_decref(r);
	ctl_client_free(&cl);
	assert_null(cl);
	ctl_client_free(&cl);	/* NULL-safe */
	pthread_join(server, NULL);
	unlink(path);
	return rmdir(dir);
}

/* The status of one call of cmd on c; the reply's "ok" into *ok. */
static int
call_on(ctl_client_t *c, const char *cmd, int *ok)
{
	json_t	*r;
	int	 rc;

	rc = ctl_client_call(c, json_pack("{s:s}", "cmd", cmd), &r, err,
	    sizeof(err));
	if (rc != CTL_CLIENT_OK)
		assert_null(r);
	else
		*ok = json_is_true(json_object_get(r, "ok"));
	json_decref(r);
	return rc;
}

static int
call(const char *cmd, int *ok)
{
	return call_on(cl, cmd, ok);
}

static void
test_reply(void **state)
{
	int	ok = -1;

	(void)state;
	assert_int_equal(call("echo", &ok), CTL_CLIENT_OK);
	assert_int_equal(ok, 1);
	/* A refusal is a reply: the caller reads its error. */
	assert_int_equal(call("refuse", &ok), CTL_CLIENT_OK);
	assert_int_equal(ok, 0);
}

/* A REQ socket whose reply is lost cannot send again: the client must
 * start the next call on a new one. */
static void
test_timeout_then_again(void **state)
{
	uint64_t	t0 = clock_mono_ms();
	int		ok;

	(void)state;
	assert_int_equal(call("silent", &ok), CTL_CLIENT_TIMEOUT);
	assert_true(clock_mono_ms() - t0 >= TIMEOUT_MS);
	assert_true(clock_mono_ms() - t0 < 5 * TIMEOUT_MS);
	assert_non_null(strstr(err, "did not answer within 300 ms"));
	for (int i = 0; i < 4; i++) {
		ok = -1;
		assert_int_equal(call(i == 2 ? "silent" : "echo", &ok),
		    i == 2 ? CTL_CLIENT_TIMEOUT : CTL_CLIENT_OK);
		assert_int_equal(ok, i == 2 ? -1 : 1);
	}
}

static void
test_bad_reply(void **state)
{
	int	ok;

	(void)state;
	assert_int_equal(call("garbage", &ok), CTL_CLIENT_BAD_REPLY);
	assert_string_equal(err, "the node's reply is not a JSON object");
	assert_int_equal(call("array", &ok), CTL_CLIENT_BAD_REPLY);
	assert_int_equal(call("echo", &ok), CTL_CLIENT_OK);
}

/* Nobody there: said at once, not after the timeout. */
static void
test_down(void **state)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 p[3][80];
	uint64_t		 t0;
	int			 fd, ok;
	FILE			*f;

	(void)state;
	snprintf(p[0], sizeof(p[0]), "%s/none", dir);
	snprintf(p[1], sizeof(p[1]), "%s/file", dir);
	snprintf(p[2], sizeof(p[2]), "%s/dead", dir);
	assert_non_null(f = fopen(p[1], "w"));
	fclose(f);
	/* A socket file left by a node that died. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p[2]);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	for (int i = 0; i < 3; i++) {
		ctl_client_t	*c = ctl_client_new(p[i], 5000);

		t0 = clock_mono_ms();
		assert_int_equal(call_on(c, "echo", &ok), CTL_CLIENT_DOWN);
		assert_true(clock_mono_ms() - t0 < 1000);
		assert_non_null(strstr(err, "no node listening on "));
		ctl_client_free(&c);
		unlink(p[i]);
	}
}

/* A fake node that reads one request and dies without answering. */
static void *
vanish(void *arg)
{
	void	*ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_ROUTER);
	char	 buf[256];
	int	 linger = 0;

	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	assert_int_equal(zmq_bind(s, arg), 0);
	for (int more = 1; more; ) {
		size_t	len = sizeof(more);

		assert_true(zmq_recv(s, buf, sizeof(buf), 0) != -1);
		zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len);
	}
	zmq_close(s);
	zmq_ctx_term(ctx);
	return NULL;
}

/* The node dies with the request: the reply is lost, and said so before
 * the timeout (60 s: a client that waited for it would fail the run's
 * patience, not this test). The next call on the client works again. */
static void
test_lost(void **state)
{
	char		 p[80], ep[96];
	pthread_t	 t;
	ctl_client_t	*c;
	int		 ok;

	(void)state;
	snprintf(p, sizeof(p), "%s/vanish", dir);
	snprintf(ep, sizeof(ep), "ipc://%s", p);
	assert_int_equal(pthread_create(&t, NULL, vanish, ep), 0);
	for (int i = 0; i < 500 && access(p, F_OK) != 0; i++)
		usleep(10 * 1000);
	c = ctl_client_new(p, 60 * 1000);
	assert_int_equal(call_on(c, "echo", &ok), CTL_CLIENT_LOST);
	assert_non_null(strstr(err, "broke before it answered"));
	pthread_join(t, NULL);
	ctl_client_free(&c);
	unlink(p);
	assert_int_equal(call("echo", &ok), CTL_CLIENT_OK);
}

/* Over CTL_MAX_REQUEST: refused here, nothing sent. */
static void
test_too_big(void **state)
{
	char		*big = malloc(CTL_MAX_REQUEST + 1);
	json_t		*r;
	int		 before, ok;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', CTL_MAX_REQUEST);
	big[CTL_MAX_REQUEST] = '\0';
	before = __atomic_load_n(&served, __ATOMIC_SEQ_CST);
	assert_int_equal(ctl_client_call(cl, json_pack("{s:s, s:s}", "cmd",
	    "echo", "text", big), &r, err, sizeof(err)), CTL_CLIENT_TOO_BIG);
	assert_null(r);
	free(big);
	assert_int_equal(call("echo", &ok), CTL_CLIENT_OK);
	assert_int_equal(__atomic_load_n(&served, __ATOMIC_SEQ_CST),
	    before + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_timeout_then_again),
		cmocka_unit_test(test_bad_reply),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_too_big),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
