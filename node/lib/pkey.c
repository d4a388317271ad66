/*
 * pkey: personal key files and passphrases (pkey.h).
 *
 * A personal key file is 152 bytes:
 *
 *	magic     16  "nodenet-pkey-v1\n"
 *	public    32  the Ed25519 public key (not secret: shown without
 *	              the passphrase, and checked after opening)
 *	opslimit   8  Argon2id's, big-endian
 *	memlimit   8  Argon2id's, bytes, big-endian
 *	salt      16  random
 *	nonce     24  random
 *	box       48  crypto_secretbox_easy(seed) under
 *	              crypto_pwhash(passphrase, salt, opslimit, memlimit,
 *	              ARGON2ID13): its MAC, then the 32-byte seed
 *
 * The limits and salt are inputs of the key derivation, so changing them
 * breaks the MAC; a public key that is not the seed's is refused like a
 * wrong passphrase. Every secret (passphrase, derived key, seed) lives
 * in sodium_malloc'd memory (locked, guarded) and is wiped on every way
 * out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "file.h"
#include "pkey.h"

#define PKEY_MAGIC	"nodenet-pkey-v1\n"
#define PKEY_MAGIC_LEN	16
#define OFF_PUBLIC	PKEY_MAGIC_LEN
#define OFF_OPS		(OFF_PUBLIC + KEY_PUBLIC_BYTES)
#define OFF_MEM		(OFF_OPS + 8)
#define OFF_SALT	(OFF_MEM + 8)
#define OFF_NONCE	(OFF_SALT + crypto_pwhash_SALTBYTES)
#define OFF_BOX		(OFF_NONCE + crypto_secretbox_NONCEBYTES)
#define BOX_LEN		(crypto_secretbox_MACBYTES + KEY_SEED_BYTES)
#define PKEY_FILE_LEN	(OFF_BOX + BOX_LEN)

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The secretbox key for pass under the file's salt and limits, into a
 * sodium_malloc'd *k; 0, ENOMEM, or PKEY_EPASS if pwhash fails. */
static int
derive(const uint8_t *file, const char *pass, size_t len, uint8_t **k)
{
	if ((*k = sodium_malloc(crypto_secretbox_KEYBYTES)) == NULL)
		return ENOMEM;
	if (crypto_pwhash(*k, crypto_secretbox_KEYBYTES, pass, len,
	    file + OFF_SALT, get_be64(file + OFF_OPS),
	    (size_t)get_be64(file + OFF_MEM), crypto_pwhash_ALG_ARGON2ID13) !=
	    0) {
		sodium_free(*k);
		*k = NULL;
		return PKEY_EPASS;	/* out of memory for Argon2, mostly */
	}
	return 0;
}

int
pkey_save(const key_pair_t *kp, const char *path, const char *pass,
    size_t len)
{
	uint8_t	 file[PKEY_FILE_LEN], *seed, *k = NULL;
	int	 rc;

	if (len < PKEY_PASS_MIN || len > PKEY_PASS_MAX)
		return PKEY_ESHORT;
	memcpy(file, PKEY_MAGIC, PKEY_MAGIC_LEN);
	memcpy(file + OFF_PUBLIC, key_public(kp), KEY_PUBLIC_BYTES);
	put_be64(file + OFF_OPS, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	put_be64(file + OFF_MEM, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	randombytes_buf(file + OFF_SALT, crypto_pwhash_SALTBYTES);
	randombytes_buf(file + OFF_NONCE, crypto_secretbox_NONCEBYTES);
	if ((seed = sodium_malloc(KEY_SEED_BYTES)) == NULL)
		return ENOMEM;
	if ((rc = derive(file, pass, len, &k)) != 0)
		goto out;
	key_seed(kp, seed);
	crypto_secretbox_easy(file + OFF_BOX, seed, KEY_SEED_BYTES,
	    file + OFF_NONCE, k);
	if ((rc = file_create_private(path, file, sizeof(file))) == EEXIST)
		rc = KEY_EEXIST;
out:
	sodium_free(seed);
	if (k != NULL)
		sodium_free(k);
	return rc;
}

/* Reads a personal key file whole into file; 0 or a code. */
static int
read_file(const char *path, uint8_t file[PKEY_FILE_LEN])
{
	uint8_t		buf[PKEY_FILE_LEN + 1];
	struct stat	sb;
	ssize_t		n;
	int		fd, rc;

	if ((rc = file_open_regular(path, &fd, &sb)) != 0)
		return rc == FILE_ENOTREG ? PKEY_EFORMAT : rc;
	if (!file_is_private(&sb)) {
		close(fd);
		return KEY_EPERM;
	}
	/* One byte more than a key file has, to refuse a longer file. */
	do
		n = read(fd, buf, sizeof(buf));
	while (n == -1 && errno == EINTR);
	rc = n == -1 ? errno : 0;
	close(fd);
	if (rc != 0)
		return rc;
	if ((size_t)n != PKEY_FILE_LEN ||
	    memcmp(buf, PKEY_MAGIC, PKEY_MAGIC_LEN) != 0)
		return PKEY_EFORMAT;
	/* Limits we would never write: refused before any work is done. */
	if (get_be64(buf + OFF_OPS) < crypto_pwhash_OPSLIMIT_MIN ||
	    get_be64(buf + OFF_OPS) > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    get_be64(buf + OFF_MEM) < crypto_pwhash_MEMLIMIT_MIN ||
	    get_be64(buf + OFF_MEM) > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return PKEY_EFORMAT;
	memcpy(file, buf, PKEY_FILE_LEN);
	return 0;
}

int
pkey_public(const char *path, uint8_t pk[KEY_PUBLIC_BYTES])
{
	uint8_t	file[PKEY_FILE_LEN];
	int	rc;

	if ((rc = read_file(path, file)) == 0)
		memcpy(pk, file + OFF_PUBLIC, KEY_PUBLIC_BYTES);
	return rc;
}

int
pkey_load(key_pair_t **out, const char *path, const char *pass, size_t len)
{
	uint8_t		 file[PKEY_FILE_LEN], *seed, *k = NULL;
	key_pair_t	*kp = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = read_file(path, file)) != 0)
		return rc;
	if ((seed = sodium_malloc(KEY_SEED_BYTES)) == NULL)
		return ENOMEM;
	if ((rc = derive(file, pass, len, &k)) != 0)
		goto out;
	/* The one answer for a wrong passphrase and a damaged file. */
	if (crypto_secretbox_open_easy(seed, file + OFF_BOX, BOX_LEN,
	    file + OFF_NONCE, k) != 0) {
		rc = PKEY_EPASS;
		goto out;
	}
	if ((kp = key_from_seed(seed)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	if (sodium_memcmp(key_public(kp), file + OFF_PUBLIC,
	    KEY_PUBLIC_BYTES) != 0) {
		key_free(&kp);
		rc = PKEY_EPASS;
		goto out;
	}
	*out = kp;
out:
	sodium_free(seed);
	if (k != NULL)
		sodium_free(k);
	return rc;
}

/* One line from fd into buf (cap bytes, NUL-ended): its length, or -1
 * with errno (E2BIG: longer than cap - 1). */
static ssize_t
read_line(int fd, char *buf, size_t cap)
{
	size_t	len = 0;
	ssize_t	n;
	char	c;

	for (;;) {
		do
			n = read(fd, &c, 1);
		while (n == -1 && errno == EINTR);
		if (n == -1)
			return -1;
		if (n == 0 || c == '\n')
			break;
		if (len + 1 >= cap) {
			errno = E2BIG;
			return -1;
		}
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Asks on the terminal tty, without echo; the length or -1 (errno). */
static ssize_t
ask(int tty, const char *prompt, char *buf, size_t cap)
{
	struct termios	old, quiet;
	ssize_t		n;
	int		e;

	if (tcgetattr(tty, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(tty, prompt, strlen(prompt)) == -1 ||
	    tcsetattr(tty, TCSAFLUSH, &quiet) == -1)
		return -1;
	n = read_line(tty, buf, cap);
	e = errno;
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	if (write(tty, "\n", 1) == -1) {
		/* the prompt's line end only: nothing lost */
	}
	errno = e;
	return n;
}

int
pkey_pass_read(const char *prompt, int confirm, char **out, size_t *len)
{
	const char	*fdenv = getenv("NODE_PASSPHRASE_FD");
	char		*a, *b = NULL, *end;
	ssize_t		 n, m = 0;
	long		 fd;
	int		 tty = -1, rc = 0;

	*out = NULL;
	if ((a = sodium_malloc(PKEY_PASS_MAX + 2)) == NULL)
		return ENOMEM;
	if (fdenv != NULL && *fdenv != '\0') {
		errno = 0;
		fd = strtol(fdenv, &end, 10);
		if (errno != 0 || *end != '\0' || fd < 0 || fd > 65535) {
			rc = EBADF;
			goto out;
		}
		n = read_line((int)fd, a, PKEY_PASS_MAX + 1);
	} else {
		if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
			rc = ENOTTY;
			goto out;
		}
		n = ask(tty, prompt, a, PKEY_PASS_MAX + 1);
		if (n >= 0 && confirm) {
			if ((b = sodium_malloc(PKEY_PASS_MAX + 2)) == NULL) {
				rc = ENOMEM;
				goto out;
			}
			m = ask(tty, "Again: ", b, PKEY_PASS_MAX + 1);
		}
	}
	if (n == -1 || m == -1) {
		rc = errno;
		goto out;
	}
	if (b != NULL && (n != m || sodium_memcmp(a, b, (size_t)n) != 0)) {
		rc = PKEY_EMATCH;
		goto out;
	}
	if (n < PKEY_PASS_MIN) {
		rc = PKEY_ESHORT;
		goto out;
	}
	*out = a;
	*len = (size_t)n;
	a = NULL;
out:
	if (tty != -1)
		close(tty);
	if (a != NULL)
		sodium_free(a);
	if (b != NULL)
		sodium_free(b);
	return rc;
}

void
pkey_pass_free(char **pass)
{
	if (*pass == NULL)
		return;
	sodium_free(*pass);	/* wipes before it frees */
	*pass = NULL;
}

const char *
pkey_strerror(int rc)
{
	switch (rc) {
	case PKEY_EFORMAT:
		return "not a personal key file";
	case PKEY_EPASS:
		return "wrong passphrase, or the key file is damaged";
	case PKEY_ESHORT:
		return "a passphrase is 8 to 1024 bytes";
	case PKEY_EMATCH:
		return "the passphrases differ";
	case ENOTTY:
		return "no terminal to ask the passphrase on (set "
		    "NODE_PASSPHRASE_FD to a descriptor to read it from)";
	}
	return key_strerror(rc);
}
