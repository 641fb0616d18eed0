/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fdio.h: writing whole buffers to a descriptor (fdio.c). */
#ifndef SDD_FDIO_H
#define SDD_FDIO_H

#include <stdint.h>
#include <sys/uio.h>

/* Writes every byte of iov[0..n) (iov is consumed), at offset off, or at
 * the descriptor's position when off is -1; goes on after short writes and
 * EINTR. 0, or -1 with errno (ENOSPC for a write that wrote nothing). */
int sdd__write_all(int fd, struct iovec *iov, int n, int64_t off);

#endif
