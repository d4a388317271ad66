/*
 * fuzz_cfg: libFuzzer target for cfg_parse_buf(), the config parser:
 * libinih's tokenizing, the keyword table, the typed value parsers and
 * the checks after the parse. Any input must give 0 with a complete
 * struct or -1 with an empty one and a "path:line: " message, never a
 * crash, a leak or undefined behaviour. Seeds: tests/fuzz/corpus/fuzz_cfg/
 * (a full file, a minimal one, one with errors).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "name.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_conf	*nc = (struct node_conf *)&nc;	/* not NULL */
	char			*buf, err[256];
	int			 rc;

	/* cfg_parse_buf takes a C string: the input is cut at a NUL. */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	err[0] = '\0';
	rc = cfg_parse_buf(buf, "fuzz.conf", &nc, err, sizeof(err));
	if (rc == 0) {
		/* What parsed is what the checks promise. */
		if (nc == NULL || !name_valid(nc->name) ||
		    !name_valid(nc->root_name) || nc->data_dir == NULL ||
		    nc->control == NULL || nc->key_file == NULL ||
		    nc->chain_file == NULL || nc->batch_max > nc->credit ||
		    nc->link_timeout_ms <= nc->heartbeat_ms ||
		    nc->retry_max_ms < nc->retry_min_ms ||
		    (nc->n_links == 0) != (nc->links == NULL))
			abort();
		for (size_t i = 0, parents = 0; i < nc->n_links; i++) {
			if (!name_valid(nc->links[i].name) ||
			    nc->links[i].endpoint == NULL ||
			    strcmp(nc->links[i].name, nc->name) == 0 ||
			    (parents += (size_t)nc->links[i].parent) > 1)
				abort();
			for (size_t j = 0; j < i; j++)
				if (strcmp(nc->links[i].name,
				    nc->links[j].name) == 0)
					abort();
		}
	} else if (rc != -1 || nc != NULL || strncmp(err, "fuzz.conf:", 10) != 0)
		abort();
	cfg_free(&nc);
	cfg_free(&nc);
	free(buf);
	return 0;
}
