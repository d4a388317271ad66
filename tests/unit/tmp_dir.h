/*
 * tmp_dir: a unit test's own directory, for the tests that write files
 * (test_key.c, test_cfg.c, test_cert.c, test_seal.c): made by mkdtemp
 * under $TMPDIR (or /tmp), removed with all it holds by teardown. In a
 * header so that each test stays one file.
 */
#ifndef TMP_DIR_H
#define TMP_DIR_H

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* Makes a new directory NAME.XXXXXX into dir (len bytes): 0, or -1. */
static inline int
tmp_dir_make(char *dir, size_t len, const char *name)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static inline int
tmp_dir_rm_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Removes dir and what it holds: 0, or -1 (said on stderr). */
static inline int
tmp_dir_remove(const char *dir)
{
	if (nftw(dir, tmp_dir_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
		return 0;
	fprintf(stderr, "teardown: cannot remove %s\n", dir);
	return -1;
}

#endif
