/*
 * fake_ctl: a node's control socket that serves one mailbox of canned
 * messages, for testing what the mail gateway does with values a node
 * would never hand it (tests/integration/mail_abuse.sh).
 *
 *   fake_ctl SOCKET MESSAGES.json
 *
 * MESSAGES.json is an array of mail_cat replies (id, from, to, subject,
 * created_ms, text_b64: what a node answers). It binds a REP socket at
 * ipc://SOCKET and answers, for any mailbox: mail_ls with the messages
 * not yet removed (seq: their place in the array, from 1), mail_cat with
 * one of them, mail_rm and mail_fail by removing one; any other request
 * with an error. It prints one line per request ("mail_cat 1") and runs
 * until killed. Exit 2 on a usage or setup error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zmq.h>

static void
reply(void *s, json_t *r)
{
	char	*out = json_dumps(r, JSON_COMPACT);

	if (out != NULL)
		zmq_send(s, out, strlen(out), 0);
	free(out);
	json_decref(r);
}

/* The message at seq (1-based) that is still there, or NULL. */
static json_t *
message(json_t *msgs, char *gone, json_t *req)
{
	json_int_t	seq = json_integer_value(json_object_get(req, "seq"));

	if (seq < 1 || (size_t)seq > json_array_size(msgs) || gone[seq - 1])
		return NULL;
	return json_array_get(msgs, (size_t)seq - 1);
}

int
main(int argc, char **argv)
{
	json_error_t	 jerr;
	json_t		*msgs, *req, *m, *list;
	void		*ctx, *s;
	char		*ep, *gone;
	size_t		 i;

	if (argc != 3) {
		fprintf(stderr, "usage: fake_ctl SOCKET MESSAGES.json\n");
		return 2;
	}
	if ((msgs = json_load_file(argv[2], 0, &jerr)) == NULL ||
	    !json_is_array(msgs)) {
		fprintf(stderr, "fake_ctl: %s: %s\n", argv[2], jerr.text);
		return 2;
	}
	if ((gone = calloc(json_array_size(msgs) + 1, 1)) == NULL ||
	    (ep = malloc(strlen(argv[1]) + 7)) == NULL)
		return 2;
	snprintf(ep, strlen(argv[1]) + 7, "ipc://%s", argv[1]);
	ctx = zmq_ctx_new();
	s = zmq_socket(ctx, ZMQ_REP);
	if (s == NULL || zmq_bind(s, ep) != 0) {
		fprintf(stderr, "fake_ctl: %s: %s\n", ep, zmq_strerror(errno));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		zmq_msg_t	 in;
		const char	*cmd;

		zmq_msg_init(&in);
		if (zmq_msg_recv(&in, s, 0) == -1) {
			zmq_msg_close(&in);
			continue;
		}
		req = json_loadb(zmq_msg_data(&in), zmq_msg_size(&in), 0,
		    &jerr);
		zmq_msg_close(&in);
		cmd = json_string_value(json_object_get(req, "cmd"));
		if (cmd == NULL)
			cmd = "?";
		printf("%s %lld\n", cmd, (long long)json_integer_value(
		    json_object_get(req, "seq")));
		if (strcmp(cmd, "mail_ls") == 0) {
			list = json_array();
			json_array_foreach(msgs, i, m) {
				if (gone[i])
					continue;
				json_array_append_new(list, json_pack("{s:O, "
				    "s:I, s:s, s:O}", "id", json_object_get(m,
				    "id"), "seq", (json_int_t)i + 1, "kind",
				    "mail", "subject", json_object_get(m,
				    "subject")));
			}
			reply(s, json_pack("{s:b, s:o}", "ok", 1, "messages",
			    list));
		} else if (strcmp(cmd, "mail_cat") == 0 &&
		    (m = message(msgs, gone, req)) != NULL) {
			m = json_deep_copy(m);
			json_object_set_new(m, "ok", json_true());
			reply(s, m);
		} else if ((strcmp(cmd, "mail_rm") == 0 ||
		    strcmp(cmd, "mail_fail") == 0) &&
		    message(msgs, gone, req) != NULL) {
			gone[json_integer_value(json_object_get(req,
			    "seq")) - 1] = 1;
			reply(s, json_pack("{s:b}", "ok", 1));
		} else
			reply(s, json_pack("{s:b, s:s}", "ok", 0, "error",
			    "fake_ctl: not served"));
		json_decref(req);
	}
}
