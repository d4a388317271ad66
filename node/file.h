/*
 * file: durable small-file writes, shared by keys and certificate chains.
 */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>

/* Writes all len bytes (retrying short writes): 0 or an errno. */
int	file_write_all(int fd, const void *buf, size_t len)
	    __attribute__((warn_unused_result));
/* fsyncs the directory holding path, so a new or renamed entry is
 * durable: 0 or an errno. */
int	file_sync_dir(const char *path) __attribute__((warn_unused_result));

#endif
