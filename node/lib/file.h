/*
 * file: small files, read safely and written durably, shared by keys and
 * certificate chains.
 */
#ifndef FILE_H
#define FILE_H

#include <sys/stat.h>

#include <stddef.h>

enum file_error {
	FILE_ENOTREG = -5001,	/* not a regular file (a directory, a FIFO) */
};

/*
 * Opens path to read, a regular file only: 0 with *fd open and *sb its
 * fstat, else FILE_ENOTREG or an errno (nothing left open). A FIFO put in
 * the file's place does not hang the open.
 */
int	file_open_regular(const char *path, int *fd, struct stat *sb)
	    __attribute__((warn_unused_result));

/* Writes all len bytes (retrying short writes): 0 or an errno. */
int	file_write_all(int fd, const void *buf, size_t len)
	    __attribute__((warn_unused_result));
/*
 * Writes buf to a new file at path, mode 0600, never over an existing
 * one (EEXIST), fsync'd and its directory entry made durable; on a
 * failure the file is removed. 0 or an errno. For secrets: keys.
 */
int	file_create_private(const char *path, const void *buf, size_t len)
	    __attribute__((warn_unused_result));
/* 1 if sb is a file of ours that neither group nor others may use. */
int	file_is_private(const struct stat *sb);
/* fsyncs the directory holding path, so a new or renamed entry is
 * durable: 0 or an errno. */
int	file_sync_dir(const char *path) __attribute__((warn_unused_result));

#endif
