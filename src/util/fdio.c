/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fdio.c: the short-write loop the spool, the file output and the state
 * file share: a full disk shows as a short write before it shows as ENOSPC;
 * how they create their temporary files, and the directory sync after a
 * rename (the state file, the history file's conversion). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fdio.h"

int sdd__write_all(int fd, struct iovec *iov, int n, int64_t off)
{
    while (n > 0) {
        ssize_t w = off < 0 ? writev(fd, iov, n) : pwritev(fd, iov, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        if (off >= 0)
            off += w;
        for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
            w -= (ssize_t)iov->iov_len;
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int sdd__create_new(const char *path, int flags, mode_t mode)
{
    if (unlink(path) < 0 && errno != ENOENT)
        return -1;
    return open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

int sdd__open_or_create(const char *path, int flags, mode_t mode)
{
    int fd = open(path, flags | O_CLOEXEC);

    if (fd >= 0 || errno != ENOENT)
        return fd;
    return open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

int sdd__fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    int fd, rc = -1;

    if (!copy)
        return -1;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(copy);
    return rc;
}
