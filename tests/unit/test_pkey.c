/*
 * test_pkey: personal key files (node/lib/pkey.c).
 *
 * What must hold: the key comes back whole with its passphrase; a wrong
 * passphrase and every damaged byte are refused with the same code and
 * the same words, which name no key; the file is 0600, never
 * overwritten, refused if others may read it; a passphrase is read from
 * the descriptor NODE_PASSPHRASE_FD names. Each test gets its own
 * mkdtemp directory, removed in teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "key.h"
#include "pkey.h"

#define PASS		"correct horse battery"
#define FILE_LEN	152	/* the format pkey.c documents */

struct fixture {
	char	dir[PATH_MAX];
	char	path[PATH_MAX + 16];
};

static int
setup(void **state)
{
	struct fixture	*f;
	const char	*tmp = getenv("TMPDIR");

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test_pkey.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/official.key", f->dir);
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	int		 rc;

	rc = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (rc != 0)
		fprintf(stderr, "teardown: cannot remove %s\n", f->dir);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* A new key saved at f->path with PASS; its public key into pk. */
static void
saved(const struct fixture *f, uint8_t pk[KEY_PUBLIC_BYTES])
{
	key_pair_t	*kp = key_generate();

	assert_non_null(kp);
	assert_int_equal(pkey_save(kp, f->path, PASS, strlen(PASS)), 0);
	memcpy(pk, key_public(kp), KEY_PUBLIC_BYTES);
	key_free(&kp);
}

static void
rewrite(const char *path, const uint8_t *buf, size_t len)
{
	int	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	assert_true(fd != -1);
	assert_true(write(fd, buf, len) == (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static size_t
slurp(const char *path, uint8_t *buf, size_t cap)
{
	int	fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t	n;

	assert_true(fd != -1);
	n = read(fd, buf, cap);
	assert_true(n >= 0);
	assert_int_equal(close(fd), 0);
	return (size_t)n;
}

static void
test_round_trip(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES], shown[KEY_PUBLIC_BYTES];
	uint8_t		 sig[KEY_SIGNATURE_BYTES];
	struct stat	 sb;

	saved(f, pk);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, FILE_LEN);
	assert_int_equal(pkey_public(f->path, shown), 0);
	assert_memory_equal(shown, pk, KEY_PUBLIC_BYTES);
	assert_int_equal(pkey_load(&kp, f->path, PASS, strlen(PASS)), 0);
	assert_non_null(kp);
	assert_memory_equal(key_public(kp), pk, KEY_PUBLIC_BYTES);
	key_sign(kp, "x", 1, sig);
	assert_int_equal(key_verify(pk, "x", 1, sig), 0);
	key_free(&kp);
}

/* The seed is not in the file in clear, nor the secret key. */
static void
test_no_plain_secret(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate();
	uint8_t		 seed[KEY_SEED_BYTES], buf[FILE_LEN + 1];
	size_t		 n;

	assert_int_equal(pkey_save(kp, f->path, PASS, strlen(PASS)), 0);
	key_seed(kp, seed);
	n = slurp(f->path, buf, sizeof(buf));
	assert_int_equal(n, FILE_LEN);
	for (size_t i = 0; i + KEY_SEED_BYTES <= n; i++)
		assert_true(memcmp(buf + i, seed, KEY_SEED_BYTES) != 0);
	sodium_memzero(seed, sizeof(seed));
	key_free(&kp);
}

static void
test_wrong_passphrase(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES];
	char		 hex[KEY_HEX_BYTES];

	saved(f, pk);
	assert_int_equal(pkey_load(&kp, f->path, "correct horse battery!",
	    strlen(PASS) + 1), PKEY_EPASS);
	assert_null(kp);
	assert_int_equal(pkey_load(&kp, f->path, PASS, strlen(PASS) - 1),
	    PKEY_EPASS);
	assert_int_equal(pkey_load(&kp, f->path, "", 0), PKEY_EPASS);
	assert_null(kp);
	/* The words name nothing of the key. */
	key_hex(pk, hex);
	assert_null(strstr(pkey_strerror(PKEY_EPASS), hex));
	assert_null(strstr(pkey_strerror(PKEY_EPASS), hex + 56));
}

/* Every byte after the magic, flipped: refused as a wrong passphrase
 * would be (or as a file we would never write, for the limits). */
static void
test_damaged(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES], buf[FILE_LEN], bad[FILE_LEN];
	int		 rc;

	saved(f, pk);
	assert_int_equal(slurp(f->path, buf, sizeof(buf)), FILE_LEN);
	for (size_t i = 16; i < FILE_LEN; i += 7) {
		memcpy(bad, buf, FILE_LEN);
		bad[i] ^= 0x01;
		rewrite(f->path, bad, FILE_LEN);
		rc = pkey_load(&kp, f->path, PASS, strlen(PASS));
		assert_true(rc == PKEY_EPASS || rc == PKEY_EFORMAT);
		assert_null(kp);
	}
	/* The public key swapped for another: caught after opening. */
	memcpy(bad, buf, FILE_LEN);
	bad[16] ^= 0x80;
	rewrite(f->path, bad, FILE_LEN);
	assert_int_equal(pkey_load(&kp, f->path, PASS, strlen(PASS)),
	    PKEY_EPASS);
	/* Short, long, another magic. */
	rewrite(f->path, buf, FILE_LEN - 1);
	assert_int_equal(pkey_load(&kp, f->path, PASS, strlen(PASS)),
	    PKEY_EFORMAT);
	memcpy(bad, buf, FILE_LEN);
	bad[0] = 'N';
	rewrite(f->path, bad, FILE_LEN);
	assert_int_equal(pkey_public(f->path, pk), PKEY_EFORMAT);
	/* Limits past the sensitive ones: refused before any work. */
	memcpy(bad, buf, FILE_LEN);
	memset(bad + 56, 0xff, 8);
	rewrite(f->path, bad, FILE_LEN);
	assert_int_equal(pkey_load(&kp, f->path, PASS, strlen(PASS)),
	    PKEY_EFORMAT);
}

static void
test_file_rules(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate(), *got = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES];

	assert_int_equal(pkey_save(kp, f->path, "short", 5), PKEY_ESHORT);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(pkey_save(kp, f->path, PASS, strlen(PASS)), 0);
	assert_int_equal(pkey_save(kp, f->path, PASS, strlen(PASS)),
	    KEY_EEXIST);
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_int_equal(pkey_load(&got, f->path, PASS, strlen(PASS)),
	    KEY_EPERM);
	assert_int_equal(pkey_public(f->path, pk), KEY_EPERM);
	assert_int_equal(pkey_load(&got, "/nonexistent/official.key", PASS,
	    strlen(PASS)), ENOENT);
	key_free(&kp);
}

static void
test_pass_from_fd(void **state)
{
	char	*pass = NULL, num[16];
	size_t	 len = 0;
	int	 p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_true(write(p[1], PASS "\nrest", strlen(PASS) + 5) > 0);
	snprintf(num, sizeof(num), "%d", p[0]);
	setenv("NODE_PASSPHRASE_FD", num, 1);
	assert_int_equal(pkey_pass_read("?", 1, &pass, &len), 0);
	assert_int_equal(len, strlen(PASS));
	assert_string_equal(pass, PASS);
	pkey_pass_free(&pass);
	assert_null(pass);
	/* A short one, then none left. */
	assert_true(write(p[1], "abc\n", 4) == 4);
	assert_int_equal(pkey_pass_read("?", 0, &pass, &len), PKEY_ESHORT);
	close(p[1]);
	assert_int_equal(pkey_pass_read("?", 0, &pass, &len), PKEY_ESHORT);
	close(p[0]);
	setenv("NODE_PASSPHRASE_FD", "x", 1);
	assert_int_equal(pkey_pass_read("?", 0, &pass, &len), EBADF);
	unsetenv("NODE_PASSPHRASE_FD");
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_no_plain_secret),
		T(test_wrong_passphrase),
		T(test_damaged),
		T(test_file_rules),
		T(test_pass_from_fd),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_pkey: sodium_init failed\n");
		return 1;
	}
	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
