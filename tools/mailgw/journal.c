/*
 * journal: what an outbound queue handed to its smarthost, so that a
 * message is never sent twice, a crash included.
 *
 * One line per event, appended and fsynced:
 *   ? ID	about to send the end of the message: its fate is now the
 *		smarthost's (written before the final dot goes)
 *   ID		the smarthost said 250: delivered
 *   - ID	the smarthost refused it after all: not delivered
 * A message whose "? ID" has no line after it was handed over and no
 * answer seen (the connection dropped, or we stopped): it may or may not
 * have been delivered. It is not sent again (that could deliver it
 * twice); its sender gets a report saying so (outbound.c). A torn last
 * line after a crash is skipped. The file is rewritten, keeping only the
 * ids still in the mailbox, once it grows (journal_compact()).
 */
#include "mailgw.h"

/* A set of ids: add, find, remove. */
static int
ids_has(uint8_t (*ids)[32], size_t n, const uint8_t id[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(ids[i], id, 32) == 0)
			return 1;
	return 0;
}

static void
ids_add(uint8_t (**ids)[32], size_t *n, const uint8_t id[32])
{
	if (ids_has(*ids, *n, id))
		return;
	*ids = xrealloc(*ids, *n + 1, sizeof(**ids));
	memcpy((*ids)[(*n)++], id, 32);
}

static void
ids_del(uint8_t (*ids)[32], size_t *n, const uint8_t id[32])
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp(ids[i], id, 32) == 0) {
			memmove(ids[i], ids[--*n], 32);
			return;
		}
}

int
journal_has(const struct outq *q, const uint8_t id[32])
{
	return ids_has(q->oq_journal, q->oq_n_journal, id);
}

int
journal_unsure(const struct outq *q, const uint8_t id[32])
{
	return ids_has(q->oq_unsure, q->oq_n_unsure, id);
}

/* What a line says happened to id. */
static void
take(struct outq *q, char kind, const uint8_t id[32])
{
	switch (kind) {
	case JOURNAL_SENDING:
		ids_add(&q->oq_unsure, &q->oq_n_unsure, id);
		break;
	case JOURNAL_DELIVERED:
		ids_del(q->oq_unsure, &q->oq_n_unsure, id);
		ids_add(&q->oq_journal, &q->oq_n_journal, id);
		break;
	default:
		ids_del(q->oq_unsure, &q->oq_n_unsure, id);
		break;
	}
}

void
journal_load(struct outq *q)
{
	FILE	*f;
	char	 line[128];

	if ((f = fopen(q->oq_conf->journal, "r")) == NULL) {
		if (errno != ENOENT)
			fatal("%s", q->oq_conf->journal);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		uint8_t		 id[32];
		char		 kind = JOURNAL_DELIVERED;
		const char	*hex = line;

		line[strcspn(line, "\r\n")] = '\0';
		if ((line[0] == JOURNAL_SENDING || line[0] ==
		    JOURNAL_REFUSED) && line[1] == ' ') {
			kind = line[0];
			hex = line + 2;
		}
		if (id_parse(hex, id) != 0)
			continue;	/* a torn last line after a crash */
		take(q, kind, id);
	}
	fclose(f);
	log_info("event=journal_loaded outbound=\"%s\" ids=%zu unsure=%zu",
	    q->oq_conf->name, q->oq_n_journal, q->oq_n_unsure);
}

int
journal_note(struct outq *q, char kind, const uint8_t id[32])
{
	char	line[68], hex[65];
	int	fd, rc = 0;
	size_t	len;

	sodium_bin2hex(hex, sizeof(hex), id, 32);
	len = kind == JOURNAL_DELIVERED ?
	    (size_t)snprintf(line, sizeof(line), "%s\n", hex) :
	    (size_t)snprintf(line, sizeof(line), "%c %s\n", kind, hex);
	if ((fd = open(q->oq_conf->journal, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", q->oq_conf->journal);
		return -1;
	}
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		log_warn("%s", q->oq_conf->journal);
		rc = -1;
	}
	if (close(fd) != 0 && rc == 0) {
		log_warn("%s", q->oq_conf->journal);
		rc = -1;
	}
	if (rc == 0)
		take(q, kind, id);
	return rc;
}

/* Is hex among the mailbox listing's ids? */
static int
listed(json_t *listing, const char *hex)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(listing, i, v) {
		const char *s = json_string_value(json_object_get(v, "id"));

		if (s != NULL && strcmp(s, hex) == 0)
			return 1;
	}
	return 0;
}

/* Keeps in ids, and writes to f with prefix, those still listed. */
static size_t
keep_listed(FILE *f, const char *prefix, uint8_t (*ids)[32], size_t n,
    json_t *listing)
{
	size_t	kept = 0;
	char	hex[65];

	for (size_t j = 0; j < n; j++) {
		sodium_bin2hex(hex, sizeof(hex), ids[j], 32);
		if (!listed(listing, hex))
			continue;
		fprintf(f, "%s%s\n", prefix, hex);
		memmove(ids[kept++], ids[j], 32);
	}
	return kept;
}

void
journal_compact(struct outq *q, json_t *listing)
{
	char	 tmp[PATH_MAX];
	FILE	*f;
	size_t	 kept, unsure;

	snprintf(tmp, sizeof(tmp), "%s.new", q->oq_conf->journal);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return;
	}
	kept = keep_listed(f, "", q->oq_journal, q->oq_n_journal, listing);
	unsure = keep_listed(f, "? ", q->oq_unsure, q->oq_n_unsure, listing);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp, q->oq_conf->journal) != 0) {
		log_warn("%s", q->oq_conf->journal);
		return;
	}
	log_info("event=journal_compacted outbound=\"%s\" ids=%zu->%zu",
	    q->oq_conf->name, q->oq_n_journal, kept);
	q->oq_n_journal = kept;
	q->oq_n_unsure = unsure;
}
