/*
 * node-ctl: inspect and steer a running node over its control socket.
 *
 *   node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json] COMMAND [ARGS]
 *
 * -d reads a stopped node's store directly, read-only, for the commands
 * that only read it. Each command, its synopsis, its options and
 * whether -d can answer it are in table.c: "node-ctl --help" lists them,
 * "node-ctl COMMAND --help" says more, and so does node-ctl(1).
 *
 * Human output by default; --json prints the node's reply as it is (one
 * JSON object; "ok" says whether the command succeeded). Exit status: 0
 * ok, 1 error, 2 usage, 3 a send with no answer (send.c). Errors are one
 * line on stderr.
 */
#include "node-ctl.h"

int	json_out;

int
main(int argc, char **argv)
{
	const char		*conf_path = NULL;
	struct node_conf	*conf = NULL;
	char			 err[512];
	int			 i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json_out = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sock_path = argv[++i];
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			data_dir = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			help(stdout, 0);
		else
			usage();
	}
	if (i >= argc)
		usage();
	for (int k = i; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0)
			cmd_help(k - i, argv + i);
	if (sock_path == NULL && conf_path != NULL) {
		if (cfg_load(conf_path, &conf, err, sizeof(err)) != 0)
			die("%s", err);
		sock_path = conf->control;
		self_name = conf->name;
		node_dir = conf->data_dir;
		self_conf = conf;
	}
	if (sock_path == NULL && data_dir == NULL)
		die("which node? give -s SOCKET, -c CONFIG, or -d DATADIR to "
		    "read a stopped node's store");
	argc -= i;
	argv += i;
	if ((cur_cmd = cmd_find(argc, argv)) == NULL)
		cmd_unknown(argv[0]);
	/* The handler's argv[0] is the last word of the command's name. */
	if (strchr(cur_cmd->cc_name, ' ') != NULL) {
		argc--;
		argv++;
	}
	if (cur_cmd->cc_opts == NULL)
		cmd_operands(argc - 1);
	rc = cur_cmd->cc_run(argc, argv);
	cfg_free(&conf);
	return rc;
}
