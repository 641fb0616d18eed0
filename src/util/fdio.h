/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fdio.h: writing whole buffers to a descriptor, creating temporary files,
 * syncing a directory (fdio.c). */
#ifndef SDD_FDIO_H
#define SDD_FDIO_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Writes every byte of iov[0..n) (iov is consumed), at offset off, or at
 * the descriptor's position when off is -1; goes on after short writes and
 * EINTR. 0, or -1 with errno (ENOSPC for a write that wrote nothing). */
int sdd__write_all(int fd, struct iovec *iov, int n, int64_t off);

/* Creates `path` as a new file (open flags `flags` plus O_CREAT, O_EXCL,
 * O_NOFOLLOW, O_CLOEXEC), for a temporary file renamed over the real one
 * later: what a crash left there is unlinked first (a symlink itself, not
 * its target), and the exclusive create never writes through a symlink or
 * into a file someone else made. The descriptor, or -1 with errno (EEXIST
 * when the name was taken again in between). */
int sdd__create_new(const char *path, int flags, mode_t mode);

/* Opens `path` (open flags `flags` plus O_CLOEXEC) if it exists, following
 * a symlink the operator put there; creates it otherwise, exclusively and
 * without following one, so that a file made by us is never one a link
 * planted in between points to. The descriptor, or -1 with errno (EEXIST
 * for a dangling symlink, or a name taken in between). */
int sdd__open_or_create(const char *path, int flags, mode_t mode);

/* fsyncs the directory holding `path`, so that a rename into it is on
 * disk. 0, or -1 with errno. */
int sdd__fsync_dir_of(const char *path);

#endif
