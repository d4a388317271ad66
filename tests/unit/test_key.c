/*
 * test_key: node identities (node/lib/key.c), officials' personal key
 * files (node/lib/pkey.c) and node names (node/lib/name.c).
 *
 * Key files are the one place a node's secret touches the disk, so most
 * of this is about what key_save writes and what key_load refuses: a
 * file others can read, a file that is not exactly one key line, a file
 * that is not there. Each test gets its own mkdtemp directory, removed
 * in teardown; a directory that cannot be removed fails the run.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "tmp_dir.h"

#include <sodium.h>

#include "key.h"
#include "pkey.h"
#include "name.h"

/* The key file format as node/lib/key.c documents it. */
#define TAG		"node-ed25519-secret-v1 "
#define TAG_LEN		(sizeof(TAG) - 1)
#define FILE_LEN	(TAG_LEN + 64 + 1)

struct fixture {
	char	dir[PATH_MAX];
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if (tmp_dir_make(f->dir, sizeof(f->dir), "test_key") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	int		 rc = tmp_dir_remove(f->dir);

	free(f);
	return rc;
}

static void
path_in(const struct fixture *f, const char *name, char *out, size_t size)
{
	int	n = snprintf(out, size, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < size);
}

/* Writes exactly len bytes with exactly this mode, whatever the umask. */
static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_true(write(fd, buf, len) == (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Reads a whole small file; returns its length. */
static size_t
read_file(const char *path, char *buf, size_t size)
{
	ssize_t	n;
	int	fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd != -1);
	n = read(fd, buf, size);
	assert_true(n >= 0 && (size_t)n < size);
	assert_int_equal(close(fd), 0);
	return (size_t)n;
}

/* A well-formed key file line for a seed of the given byte. */
static void
key_line(char line[FILE_LEN + 1], uint8_t fill)
{
	uint8_t	seed[32];

	memset(seed, fill, sizeof(seed));
	memcpy(line, TAG, TAG_LEN);
	sodium_bin2hex(line + TAG_LEN, 65, seed, sizeof(seed));
	line[FILE_LEN - 1] = '\n';
	line[FILE_LEN] = '\0';
}

static void
assert_load_fails(const char *path, int want)
{
	key_pair_t	*kp = NULL;

	assert_int_equal(key_load(&kp, path), want);
	assert_null(kp);
}

static void
test_generate_distinct(void **state)
{
	key_pair_t	*a = key_generate(), *b = key_generate();

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_memory_not_equal(key_public(a), key_public(b),
	    KEY_PUBLIC_BYTES);
	key_free(&a);
	key_free(&b);
	assert_null(a);
	assert_null(b);
	key_free(&a);	/* NULL-safe */
}

static void
test_save_load_round_trip(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate(), *back = NULL;
	uint8_t		 sig[KEY_SIGNATURE_BYTES];
	const char	 msg[] = "round trip";
	char		 path[PATH_MAX];

	path_in(f, "node.key", path, sizeof(path));
	assert_non_null(kp);
	assert_int_equal(key_save(kp, path), 0);
	assert_int_equal(key_load(&back, path), 0);
	assert_non_null(back);
	assert_memory_equal(key_public(kp), key_public(back),
	    KEY_PUBLIC_BYTES);

	/* The loaded secret is the saved one, both ways round. */
	key_sign(back, msg, sizeof(msg), sig);
	assert_int_equal(key_verify(key_public(kp), msg, sizeof(msg), sig), 0);
	key_sign(kp, msg, sizeof(msg), sig);
	assert_int_equal(key_verify(key_public(back), msg, sizeof(msg), sig),
	    0);
	key_free(&kp);
	key_free(&back);
}

static void
test_save_format_and_mode(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate();
	struct stat	 sb;
	char		 path[PATH_MAX], buf[256];
	size_t		 n;

	path_in(f, "node.key", path, sizeof(path));
	assert_int_equal(key_save(kp, path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);

	/* One line: the tag, 64 lower-case hex digits, a newline. */
	n = read_file(path, buf, sizeof(buf));
	assert_int_equal(n, FILE_LEN);
	assert_memory_equal(buf, TAG, TAG_LEN);
	for (size_t i = TAG_LEN; i < FILE_LEN - 1; i++)
		assert_non_null(strchr("0123456789abcdef", buf[i]));
	assert_int_equal(buf[FILE_LEN - 1], '\n');
	key_free(&kp);
}

static void
test_save_never_overwrites(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*a = key_generate(), *b = key_generate();
	key_pair_t	*back = NULL;
	char		 path[PATH_MAX], before[256], after[256];
	size_t		 n_before, n_after;
	const char	 precious[] = "not a key, but someone's file\n";

	path_in(f, "node.key", path, sizeof(path));
	assert_int_equal(key_save(a, path), 0);
	n_before = read_file(path, before, sizeof(before));
	assert_int_equal(key_save(b, path), KEY_EEXIST);
	assert_int_equal(key_save(a, path), KEY_EEXIST);
	n_after = read_file(path, after, sizeof(after));
	assert_int_equal(n_before, n_after);
	assert_memory_equal(before, after, n_before);
	assert_int_equal(key_load(&back, path), 0);
	assert_memory_equal(key_public(back), key_public(a), KEY_PUBLIC_BYTES);
	key_free(&back);

	/* Nor any other file in the way, and it is left as it was. */
	path_in(f, "other", path, sizeof(path));
	write_file(path, precious, sizeof(precious) - 1, 0644);
	assert_int_equal(key_save(a, path), KEY_EEXIST);
	n_after = read_file(path, after, sizeof(after));
	assert_int_equal(n_after, sizeof(precious) - 1);
	assert_memory_equal(after, precious, n_after);
	key_free(&a);
	key_free(&b);
}

static void
test_save_missing_dir(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate();
	char		 path[PATH_MAX];

	path_in(f, "no/such/dir/node.key", path, sizeof(path));
	assert_int_equal(key_save(kp, path), ENOENT);
	key_free(&kp);
}

static void
test_load_known_seed(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 seed[32], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t		 sk[crypto_sign_SECRETKEYBYTES];
	char		 path[PATH_MAX], line[FILE_LEN + 1];

	/* A file written by hand in the documented format loads. */
	path_in(f, "hand.key", path, sizeof(path));
	key_line(line, 0x42);
	write_file(path, line, FILE_LEN, 0600);
	assert_int_equal(key_load(&kp, path), 0);
	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_memory_equal(key_public(kp), pk, sizeof(pk));
	key_free(&kp);

	/* Owner read-only is fine: only group and other bits are refused. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(key_load(&kp, path), 0);
	key_free(&kp);
	sodium_memzero(sk, sizeof(sk));
}

static void
test_load_refuses_open_modes(void **state)
{
	struct fixture	*f = *state;
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0602, 0620,
	    0610, 0601, 0666 };
	key_pair_t	*kp = key_generate();
	char		 path[PATH_MAX];

	path_in(f, "node.key", path, sizeof(path));
	assert_int_equal(key_save(kp, path), 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		assert_load_fails(path, KEY_EPERM);
	}
	assert_int_equal(chmod(path, 0600), 0);
	key_free(&kp);
	assert_int_equal(key_load(&kp, path), 0);
	key_free(&kp);
}

static void
test_load_refuses_bad_files(void **state)
{
	static const size_t at[] = { TAG_LEN, TAG_LEN + 31, FILE_LEN - 2 };
	static const char nothex[] = { 'g', 'G', ' ', 'x', '\0', '\n' };
	static const char *tags[] = { "node-ed25519-secret-v2 ",
	    "Node-ed25519-secret-v1 ", "node-ed25519-secret-v1:",
	    "node-ed25519-public-v1 " };
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	char		 path[PATH_MAX], line[FILE_LEN + 1];
	char		 bad[FILE_LEN + 2];

	path_in(f, "bad.key", path, sizeof(path));
	key_line(line, 0x17);

	/* Every truncation, the empty file included. */
	for (size_t len = 0; len < FILE_LEN; len++) {
		write_file(path, line, len, 0600);
		assert_load_fails(path, KEY_EFORMAT);
	}

	/* One byte more, whatever it is. */
	memcpy(bad, line, FILE_LEN);
	bad[FILE_LEN] = '\n';
	write_file(path, bad, FILE_LEN + 1, 0600);
	assert_load_fails(path, KEY_EFORMAT);
	bad[FILE_LEN] = '0';
	write_file(path, bad, FILE_LEN + 1, 0600);
	assert_load_fails(path, KEY_EFORMAT);

	/* Not hex, at the first, a middle and the last digit. */
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		for (size_t j = 0; j < sizeof(nothex); j++) {
			memcpy(bad, line, FILE_LEN);
			bad[at[i]] = nothex[j];
			write_file(path, bad, FILE_LEN, 0600);
			assert_load_fails(path, KEY_EFORMAT);
		}

	/* No newline at the end, but the length is right. */
	memcpy(bad, line, FILE_LEN);
	bad[FILE_LEN - 1] = ' ';
	write_file(path, bad, FILE_LEN, 0600);
	assert_load_fails(path, KEY_EFORMAT);

	/* A wrong tag: another version, another case, no space. */
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		assert_int_equal(strlen(tags[i]), TAG_LEN);
		memcpy(bad, line, FILE_LEN);
		memcpy(bad, tags[i], TAG_LEN);
		write_file(path, bad, FILE_LEN, 0600);
		assert_load_fails(path, KEY_EFORMAT);
	}

	/* Not a regular file: a directory, and a FIFO (which must not hang). */
	assert_load_fails(f->dir, KEY_EFORMAT);
	path_in(f, "fifo.key", path, sizeof(path));
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_load_fails(path, KEY_EFORMAT);
	path_in(f, "bad.key", path, sizeof(path));

	/* The file as it should be still loads: the cases above are real. */
	write_file(path, line, FILE_LEN, 0600);
	assert_int_equal(key_load(&kp, path), 0);
	key_free(&kp);
}

static void
test_load_missing(void **state)
{
	struct fixture	*f = *state;
	char		 path[PATH_MAX];

	path_in(f, "absent.key", path, sizeof(path));
	assert_load_fails(path, ENOENT);
	path_in(f, "absent/node.key", path, sizeof(path));
	assert_load_fails(path, ENOENT);
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_non_null(key_strerror(KEY_EFORMAT));
	assert_non_null(key_strerror(KEY_EPERM));
	assert_non_null(key_strerror(KEY_EEXIST));
	assert_string_not_equal(key_strerror(KEY_EFORMAT),
	    key_strerror(KEY_EPERM));
	assert_string_equal(key_strerror(ENOENT), strerror(ENOENT));
}

static void
test_hex_round_trip(void **state)
{
	key_pair_t	*kp = key_generate();
	uint8_t		 pk[KEY_PUBLIC_BYTES];
	char		 hex[KEY_HEX_BYTES], want[KEY_HEX_BYTES];

	(void)state;
	key_hex(key_public(kp), hex);
	assert_int_equal(strlen(hex), 64);
	for (size_t i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", hex[i]));
	assert_int_equal(key_parse_hex(hex, pk), 0);
	assert_memory_equal(pk, key_public(kp), KEY_PUBLIC_BYTES);
	key_free(&kp);

	/* A known value: each byte its own index. */
	for (size_t i = 0; i < KEY_PUBLIC_BYTES; i++)
		pk[i] = (uint8_t)i;
	key_hex(pk, hex);
	for (size_t i = 0; i < KEY_PUBLIC_BYTES; i++)
		snprintf(want + 2 * i, 3, "%02x", (unsigned)i);
	assert_string_equal(hex, want);
}

static void
test_parse_hex_rejects(void **state)
{
	static const char nothex[] = "gGz -:x.\n";
	uint8_t	 pk[KEY_PUBLIC_BYTES];
	char	 good[KEY_HEX_BYTES], buf[80];

	(void)state;
	memset(good, 'a', 64);
	good[64] = '\0';
	assert_int_equal(key_parse_hex(good, pk), 0);

	assert_int_equal(key_parse_hex("", pk), -1);
	memcpy(buf, good, 63);
	buf[63] = '\0';
	assert_int_equal(key_parse_hex(buf, pk), -1);		/* 63 */
	memcpy(buf, good, 64);
	buf[64] = 'a';
	buf[65] = '\0';
	assert_int_equal(key_parse_hex(buf, pk), -1);		/* 65 */
	memset(buf, 'a', 66);
	buf[66] = '\0';
	assert_int_equal(key_parse_hex(buf, pk), -1);		/* 66 */

	for (size_t pos = 0; pos < 64; pos++)
		for (size_t j = 0; j < sizeof(nothex) - 1; j++) {
			memcpy(buf, good, sizeof(good));
			buf[pos] = nothex[j];
			assert_int_equal(key_parse_hex(buf, pk), -1);
		}

	/* "0x" and 62 digits: 64 characters, but not a key. */
	memcpy(buf, good, sizeof(good));
	buf[0] = '0';
	buf[1] = 'x';
	assert_int_equal(key_parse_hex(buf, pk), -1);
}

static void
test_verify_tampered(void **state)
{
	key_pair_t	*kp = key_generate(), *other = key_generate();
	uint8_t		 sig[KEY_SIGNATURE_BYTES];
	uint8_t		 bad[KEY_SIGNATURE_BYTES];
	char		 msg[] = "meet at the ferry at noon";
	size_t		 len = sizeof(msg) - 1;

	(void)state;
	key_sign(kp, msg, len, sig);
	assert_int_equal(key_verify(key_public(kp), msg, len, sig), 0);

	/* Every bit of the message. */
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			msg[i] ^= (char)(1 << b);
			assert_int_equal(key_verify(key_public(kp), msg, len,
			    sig), -1);
			msg[i] ^= (char)(1 << b);
		}
	/* Shorter and longer messages. */
	assert_int_equal(key_verify(key_public(kp), msg, len - 1, sig), -1);
	assert_int_equal(key_verify(key_public(kp), msg, len + 1, sig), -1);
	/* Every byte of the signature. */
	for (size_t i = 0; i < sizeof(sig); i++) {
		memcpy(bad, sig, sizeof(sig));
		bad[i] ^= 0x01;
		assert_int_equal(key_verify(key_public(kp), msg, len, bad), -1);
	}
	/* Another key. */
	assert_int_equal(key_verify(key_public(other), msg, len, sig), -1);
	assert_int_equal(key_verify(key_public(kp), msg, len, sig), 0);
	key_free(&kp);
	key_free(&other);
}

static void
test_name_valid(void **state)
{
	static const char *good[] = { "tw", "tanthanh.bacquang.hagiang",
	    "a-b.c1", "a", "0", "9a.b9", "a--b", "xn--c1" };
	static const char *bad[] = { "", ".", "..", "a.", ".a", "a..b", "-a",
	    "a-", "a.-b", "a.b-", "-", "A", "aB", "a_b", "a b", "a/b",
	    "a.b.", "a\n", "\xc3\xa1" };
	char	name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!name_valid(good[i]))
			fail_msg("name_valid(\"%s\") = 0, want 1", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (name_valid(bad[i]))
			fail_msg("name_valid(\"%s\") = 1, want 0", bad[i]);

	/* Labels of 63 and 64 bytes, alone and inside a name. */
	memset(name, 'a', 63);
	name[63] = '\0';
	assert_true(name_valid(name));
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_false(name_valid(name));
	memcpy(name, "x.", 2);
	memset(name + 2, 'a', 63);
	memcpy(name + 65, ".y", 3);
	assert_true(name_valid(name));
	memset(name + 2, 'a', 64);
	memcpy(name + 66, ".y", 3);
	assert_false(name_valid(name));

	/* Names of 253 and 254 bytes made of valid labels. */
	memset(name, 'b', sizeof(name));
	for (size_t i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = '\0';
	assert_int_equal(strlen(name), NAME_MAX_LEN);
	assert_true(name_valid(name));
	name[253] = 'b';
	name[254] = '\0';
	assert_false(name_valid(name));
	memset(name, 'c', 299);
	name[299] = '\0';
	assert_false(name_valid(name));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)


/*
 * Personal key files (node/lib/pkey.c): the key comes back whole with
 * its passphrase; a wrong passphrase and every damaged byte are refused
 * with the same code and words, which name no key; the file is 0600,
 * never overwritten, refused if others may read it; a passphrase is read
 * from the descriptor NODE_PASSPHRASE_FD names.
 */
#define PASS		"correct horse battery"
#define PKEY_LEN	152	/* the format pkey.c documents */

/* A new personal key saved at path with PASS; its public key into pk. */
static void
saved(const char *path, uint8_t pk[KEY_PUBLIC_BYTES])
{
	key_pair_t	*kp = key_generate();

	assert_non_null(kp);
	assert_int_equal(pkey_save(kp, path, PASS, strlen(PASS)), 0);
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
test_pkey_round_trip(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES], shown[KEY_PUBLIC_BYTES];
	uint8_t		 sig[KEY_SIGNATURE_BYTES];
	struct stat	 sb;
	char		 path[PATH_MAX + 16];

	path_in(f, "official.key", path, sizeof(path));
	saved(path, pk);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, PKEY_LEN);
	assert_int_equal(pkey_public(path, shown), 0);
	assert_memory_equal(shown, pk, KEY_PUBLIC_BYTES);
	assert_int_equal(pkey_load(&kp, path, PASS, strlen(PASS)), 0);
	assert_non_null(kp);
	assert_memory_equal(key_public(kp), pk, KEY_PUBLIC_BYTES);
	key_sign(kp, "x", 1, sig);
	assert_int_equal(key_verify(pk, "x", 1, sig), 0);
	key_free(&kp);
}

/* The seed is not in the file in clear, nor the secret key. */
static void
test_pkey_no_plain_secret(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate();
	uint8_t		 seed[KEY_SEED_BYTES], buf[PKEY_LEN + 1];
	size_t		 n;
	char		 path[PATH_MAX + 16];

	path_in(f, "official.key", path, sizeof(path));
	assert_int_equal(pkey_save(kp, path, PASS, strlen(PASS)), 0);
	key_seed(kp, seed);
	n = slurp(path, buf, sizeof(buf));
	assert_int_equal(n, PKEY_LEN);
	for (size_t i = 0; i + KEY_SEED_BYTES <= n; i++)
		assert_true(memcmp(buf + i, seed, KEY_SEED_BYTES) != 0);
	sodium_memzero(seed, sizeof(seed));
	key_free(&kp);
}

static void
test_pkey_wrong_passphrase(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES];
	char		 hex[KEY_HEX_BYTES];
	char		 path[PATH_MAX + 16];

	path_in(f, "official.key", path, sizeof(path));
	saved(path, pk);
	assert_int_equal(pkey_load(&kp, path, "correct horse battery!",
	    strlen(PASS) + 1), PKEY_EPASS);
	assert_null(kp);
	assert_int_equal(pkey_load(&kp, path, PASS, strlen(PASS) - 1),
	    PKEY_EPASS);
	assert_int_equal(pkey_load(&kp, path, "", 0), PKEY_EPASS);
	assert_null(kp);
	/* The words name nothing of the key. */
	key_hex(pk, hex);
	assert_null(strstr(pkey_strerror(PKEY_EPASS), hex));
	assert_null(strstr(pkey_strerror(PKEY_EPASS), hex + 56));
}

/* Every byte after the magic, flipped: refused as a wrong passphrase
 * would be (or as a file we would never write, for the limits). */
static void
test_pkey_damaged(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES], buf[PKEY_LEN], bad[PKEY_LEN];
	int		 rc;
	char		 path[PATH_MAX + 16];

	path_in(f, "official.key", path, sizeof(path));
	saved(path, pk);
	assert_int_equal(slurp(path, buf, sizeof(buf)), PKEY_LEN);
	for (size_t i = 16; i < PKEY_LEN; i += 7) {
		memcpy(bad, buf, PKEY_LEN);
		bad[i] ^= 0x01;
		rewrite(path, bad, PKEY_LEN);
		rc = pkey_load(&kp, path, PASS, strlen(PASS));
		assert_true(rc == PKEY_EPASS || rc == PKEY_EFORMAT);
		assert_null(kp);
	}
	/* The public key swapped for another: caught after opening. */
	memcpy(bad, buf, PKEY_LEN);
	bad[16] ^= 0x80;
	rewrite(path, bad, PKEY_LEN);
	assert_int_equal(pkey_load(&kp, path, PASS, strlen(PASS)),
	    PKEY_EPASS);
	/* Short, long, another magic. */
	rewrite(path, buf, PKEY_LEN - 1);
	assert_int_equal(pkey_load(&kp, path, PASS, strlen(PASS)),
	    PKEY_EFORMAT);
	memcpy(bad, buf, PKEY_LEN);
	bad[0] = 'N';
	rewrite(path, bad, PKEY_LEN);
	assert_int_equal(pkey_public(path, pk), PKEY_EFORMAT);
	/* Limits past the sensitive ones: refused before any work. */
	memcpy(bad, buf, PKEY_LEN);
	memset(bad + 56, 0xff, 8);
	rewrite(path, bad, PKEY_LEN);
	assert_int_equal(pkey_load(&kp, path, PASS, strlen(PASS)),
	    PKEY_EFORMAT);
}

static void
test_pkey_file_rules(void **state)
{
	struct fixture	*f = *state;
	key_pair_t	*kp = key_generate(), *got = NULL;
	uint8_t		 pk[KEY_PUBLIC_BYTES];
	char		 path[PATH_MAX + 16];

	path_in(f, "official.key", path, sizeof(path));
	assert_int_equal(pkey_save(kp, path, "short", 5), PKEY_ESHORT);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(pkey_save(kp, path, PASS, strlen(PASS)), 0);
	assert_int_equal(pkey_save(kp, path, PASS, strlen(PASS)),
	    KEY_EEXIST);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(pkey_load(&got, path, PASS, strlen(PASS)),
	    KEY_EPERM);
	assert_int_equal(pkey_public(path, pk), KEY_EPERM);
	assert_int_equal(pkey_load(&got, "/nonexistent/official.key", PASS,
	    strlen(PASS)), ENOENT);
	key_free(&kp);
}

static void
test_pkey_pass_from_fd(void **state)
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_generate_distinct),
		T(test_save_load_round_trip),
		T(test_save_format_and_mode),
		T(test_save_never_overwrites),
		T(test_save_missing_dir),
		T(test_load_known_seed),
		T(test_load_refuses_open_modes),
		T(test_load_refuses_bad_files),
		T(test_load_missing),
		T(test_strerror),
		T(test_hex_round_trip),
		T(test_parse_hex_rejects),
		T(test_verify_tampered),
		T(test_name_valid),
		T(test_pkey_round_trip),
		T(test_pkey_no_plain_secret),
		T(test_pkey_wrong_passphrase),
		T(test_pkey_damaged),
		T(test_pkey_file_rules),
		T(test_pkey_pass_from_fd),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_key: sodium_init failed\n");
		return 1;
	}
	/*
	 * key_save asks for 0600 and relies on the umask to take nothing
	 * more; pin a usual one so that the mode test means the same
	 * everywhere.
	 */
	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
