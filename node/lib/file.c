/*
 * file: opening a file to read without being fooled by what stands in its
 * place, and the two steps every durable file write here needs: all the
 * bytes written, and the directory entry made durable after fsync.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

int
file_open_regular(const char *path, int *fd, struct stat *sb)
{
	int	rc;

	/* O_NONBLOCK: open() on a FIFO would wait for a writer. */
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return errno;
	if (fstat(*fd, sb) == -1)
		rc = errno;
	else if (!S_ISREG(sb->st_mode))
		rc = FILE_ENOTREG;
	else
		return 0;
	close(*fd);
	*fd = -1;
	return rc;
}

int
file_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t	*p = buf;

	while (len > 0) {
		ssize_t	n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_sync_dir(const char *path)
{
	char	*copy;
	int	 fd, rc = 0;

	if ((copy = strdup(path)) == NULL)
		return ENOMEM;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		rc = errno;
	else {
		if (fsync(fd) == -1)
			rc = errno;
		if (close(fd) == -1 && rc == 0)
			rc = errno;
	}
	free(copy);
	return rc;
}

int
file_create_private(const char *path, const void *buf, size_t len)
{
	int	fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return errno;
	if ((rc = file_write_all(fd, buf, len)) == 0 && fsync(fd) == -1)
		rc = errno;
	if (close(fd) == -1 && rc == 0)
		rc = errno;
	if (rc == 0)
		rc = file_sync_dir(path);
	if (rc != 0)
		unlink(path);
	return rc;
}

int
file_is_private(const struct stat *sb)
{
	return sb->st_uid == geteuid() &&
	    (sb->st_mode & (S_IRWXG | S_IRWXO)) == 0;
}
