/*
 * attach: files into attachments; see attach.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "attach.h"
#include "doc.h"
#include "doc_sealed.h"
#include "node.h"
#include "record.h"
#include "xmem.h"

static int
same_readers(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* 1 if the store holds a chunk record of db with these bytes (hash) that
 * goes to the same replicas (readers). */
static int
held(store_txn_t *txn, const char *db, const uint8_t *hash, char **readers,
    size_t n_readers)
{
	struct store_record	 rec;
	Nodenet__RecordBody	*rb;
	uint8_t			 id[STORE_ID_BYTES];
	int			 same;

	if (store_chunk_get(txn, db, hash, id) != 0 ||
	    store_get(txn, id, &rec) != 0 ||
	    (rb = nodenet__record_body__unpack(NULL, rec.body_len,
	    rec.body)) == NULL)
		return 0;
	same = rb->kind_case == NODENET__RECORD_BODY__KIND_CHUNK &&
	    same_readers(rb->chunk->readers, rb->chunk->n_readers, readers,
	    n_readers);
	nodenet__record_body__free_unpacked(rb, NULL);
	return same;
}

/* Reads a whole regular file of 1 to DOC_MAX_ATTACHMENT bytes. */
static uint8_t *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat	 sb;
	uint8_t		*buf;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "%.128s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size < 1 ||
	    (uint64_t)sb.st_size > DOC_MAX_ATTACHMENT) {
		snprintf(err, errlen, "%.128s: not a regular file of 1 to %u "
		    "bytes", path, DOC_MAX_ATTACHMENT);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size);
	while (off < (size_t)sb.st_size && (r = read(fd, buf + off,
	    (size_t)sb.st_size - off)) > 0)
		off += (size_t)r;
	close(fd);
	if (off != (size_t)sb.st_size) {
		snprintf(err, errlen, "%.128s: short read", path);
		free(buf);
		return NULL;
	}
	*len = off;
	return buf;
}

void
attach_free(Nodenet__PayloadRef *a)
{
	if (a == NULL)
		return;
	if (a->sealed != NULL) {
		sodium_memzero(a->sealed->key.data, a->sealed->key.len);
		free(a->sealed->key.data);
		free(a->sealed->hash.data);
		free(a->sealed);
	}
	for (size_t i = 0; i < a->n_chunks; i++)
		free(a->chunks[i].data);
	free(a->chunks);
	free(a->hash.data);
	free(a->name);
	free(a->media_type);
	free(a);
}

/* A new hash of len bytes at p. */
static ProtobufCBinaryData
hash_of(const uint8_t *p, size_t len)
{
	ProtobufCBinaryData	h;

	h.data = xmalloc(STORE_ID_BYTES);
	h.len = STORE_ID_BYTES;
	crypto_generichash(h.data, STORE_ID_BYTES, p, len, NULL, 0);
	return h;
}

/*
 * Seals a's bytes (buf, *len bytes) for its revision's readers: a new
 * key, each piece encrypted (seal.h), the key and the plaintext's size
 * and hash in a->sealed. Returns the ciphertext (*len bytes); frees buf.
 */
static uint8_t *
seal_bytes_of(Nodenet__PayloadRef *a, uint8_t *buf, size_t *len)
{
	Nodenet__PayloadSeal	*s = xcalloc(1, sizeof(*s));
	size_t			 ctlen = doc_sealed_size(*len), off, n;
	uint8_t			*ct = xmalloc(ctlen);

	nodenet__payload_seal__init(s);
	s->key.data = xmalloc(SEAL_KEY_BYTES);
	s->key.len = SEAL_KEY_BYTES;
	randombytes_buf(s->key.data, SEAL_KEY_BYTES);
	s->size = *len;
	s->hash = hash_of(buf, *len);
	for (off = 0; off < *len; off += n) {
		n = *len - off < DOC_SEAL_PIECE ? *len - off : DOC_SEAL_PIECE;
		seal_piece(s->key.data, off / DOC_SEAL_PIECE, buf + off, n,
		    ct + off / DOC_SEAL_PIECE * DOC_CHUNK_BYTES);
	}
	sodium_memzero(buf, *len);
	free(buf);
	a->sealed = s;
	*len = ctlen;
	return ct;
}

static ProtobufCBinaryData
bytes_dup(const ProtobufCBinaryData *b)
{
	ProtobufCBinaryData	c = { b->len, xmalloc(b->len + 1) };

	memcpy(c.data, b->data, b->len);
	return c;
}

/* A copy of sealed attachment p, named name, of media type type. */
static Nodenet__PayloadRef *
copy_sealed(const Nodenet__PayloadRef *p, const char *name, const char *type)
{
	Nodenet__PayloadRef	*a = xcalloc(1, sizeof(*a));

	nodenet__payload_ref__init(a);
	a->name = xstrdup(name);
	a->media_type = xstrdup(type);
	a->size = p->size;
	a->chunk_size = p->chunk_size;
	a->hash = bytes_dup(&p->hash);
	a->chunks = xcalloc(p->n_chunks + 1, sizeof(*a->chunks));
	for (; a->n_chunks < p->n_chunks; a->n_chunks++)
		a->chunks[a->n_chunks] = bytes_dup(&p->chunks[a->n_chunks]);
	a->sealed = xcalloc(1, sizeof(*a->sealed));
	nodenet__payload_seal__init(a->sealed);
	a->sealed->key = bytes_dup(&p->sealed->key);
	a->sealed->size = p->sealed->size;
	a->sealed->hash = bytes_dup(&p->sealed->hash);
	return a;
}

/* 1 if prev is sealed and holds the len bytes at buf. */
static int
sealed_same(const Nodenet__PayloadRef *prev, const uint8_t *buf, size_t len)
{
	uint8_t	hash[STORE_ID_BYTES];

	if (prev == NULL || prev->sealed == NULL || prev->sealed->size != len ||
	    prev->sealed->hash.len != STORE_ID_BYTES)
		return 0;
	crypto_generichash(hash, sizeof(hash), buf, len, NULL, 0);
	return memcmp(hash, prev->sealed->hash.data, sizeof(hash)) == 0;
}

int
attach_file(struct node *n, store_txn_t *txn, const char *db, char **readers,
    size_t n_readers, const char *name, const char *media_type,
    const char *path, const Nodenet__PayloadRef *prev,
    Nodenet__PayloadRef **out, char *err, size_t errlen)
{
	Nodenet__PayloadRef	*a;
	uint8_t			*buf;
	size_t			 len, nchunks;
	char			 why[160];
	int			 sealed;

	*out = NULL;
	if (name[0] == '\0' || strlen(name) > 255 || strlen(media_type) > 255) {
		snprintf(err, errlen, "an attachment name is 1 to 255 bytes");
		return -1;
	}
	if ((buf = slurp(path, &len, err, errlen)) == NULL)
		return -1;
	sealed = doc_readers_sealed(readers, n_readers);
	if (sealed && sealed_same(prev, buf, len)) {
		sodium_memzero(buf, len);
		free(buf);
		*out = copy_sealed(prev, name, media_type);
		return 0;
	}
	if (sealed && len > DOC_SEAL_MAX_ATTACHMENT) {
		snprintf(err, errlen, "%.128s: a sealed attachment is at most "
		    "%u bytes", path, (unsigned)DOC_SEAL_MAX_ATTACHMENT);
		free(buf);
		return -1;
	}
	a = xcalloc(1, sizeof(*a));
	nodenet__payload_ref__init(a);
	/* With readers, relays carry and hold the ciphertext alone. */
	if (sealed)
		buf = seal_bytes_of(a, buf, &len);
	nchunks = (len + DOC_CHUNK_BYTES - 1) / DOC_CHUNK_BYTES;
	a->name = xstrdup(name);
	a->media_type = xstrdup(media_type);
	a->size = len;
	a->chunk_size = DOC_CHUNK_BYTES;
	a->hash = hash_of(buf, len);
	a->chunks = xcalloc(nchunks, sizeof(*a->chunks));
	for (size_t i = 0; i < nchunks; i++) {
		Nodenet__RecordBody	 rb = NODENET__RECORD_BODY__INIT;
		Nodenet__Chunk		 c = NODENET__CHUNK__INIT;
		size_t			 off = i * DOC_CHUNK_BYTES;
		uint8_t			 id[STORE_ID_BYTES];

		c.data.data = buf + off;
		c.data.len = len - off < DOC_CHUNK_BYTES ? len - off :
		    DOC_CHUNK_BYTES;
		c.hash = hash_of(c.data.data, c.data.len);
		a->chunks[a->n_chunks++] = c.hash;
		if (held(txn, db, c.hash.data, readers, n_readers)) {
			n->n_cnt.chunks_reused++;
			continue;
		}
		c.db = (char *)(uintptr_t)db;
		c.readers = readers;
		c.n_readers = n_readers;
		c.sealed = a->sealed != NULL;
		rb.kind_case = NODENET__RECORD_BODY__KIND_CHUNK;
		rb.chunk = &c;
		if (record_write(n, txn, &rb, id, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "chunk %zu of %s refused: %s", i,
			    name, why);
			attach_free(a);
			free(buf);
			return -1;
		}
		n->n_cnt.chunks_written++;
	}
	free(buf);
	*out = a;
	return 0;
}
