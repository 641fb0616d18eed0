/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gunzip.h: a gzip stream decompressed as its bytes come.
 *
 * For a reader that follows a file while it is written (`gzip -c >> FILE`)
 * or reads a pipe: compressed bytes go in as read(2) gives them, and
 * decompressed bytes come out as far as those allow. Running out of bytes
 * is no error (more may come); data that is not gzip is. A stream of
 * several members (gzip files put one after the other) is read through. */
#ifndef SDD_GUNZIP_H
#define SDD_GUNZIP_H

#include <stddef.h>
#include <sys/types.h>

typedef struct sdd_gunzip sdd_gunzip;

/* Compressed bytes a gunzip holds at most: what sdd__gunzip_space gives. */
#define SDD_GUNZIP_IN (64 << 10)

/* 1 when the first n bytes of a stream start as gzip does (1f 8b). Of a
 * single byte, 1f is taken for gzip's start (no text line starts with it):
 * the writer may not have written the second yet, and inflate checks it. */
int sdd__gunzip_magic(const void *bytes, size_t n);

/* NULL when out of memory. */
sdd_gunzip *sdd__gunzip_new(void);
void sdd__gunzip_free(sdd_gunzip *g);
/* Forgets the stream: the next bytes are a new stream's first. */
void sdd__gunzip_reset(sdd_gunzip *g);

/* Where to put the next compressed bytes: *avail of them; NULL while bytes
 * put there before are not all decompressed. Say how many with commit. */
unsigned char *sdd__gunzip_space(sdd_gunzip *g, size_t *avail);
void sdd__gunzip_commit(sdd_gunzip *g, size_t n);

/* Up to cap decompressed bytes into out: how many (0: it needs more
 * compressed bytes), or -1 when the data is not a valid gzip stream (zlib's
 * reason in *why), once the bytes before the fault are out; nothing more
 * comes out of it until it is reset. */
ssize_t sdd__gunzip_inflate(sdd_gunzip *g, char *out, size_t cap, const char **why);
/* 1 while inflate has something without being given more: bytes held,
 * output left over when out was full, or its fault to say. */
int sdd__gunzip_pending(const sdd_gunzip *g);
/* 1 when the bytes given so far stop inside a member: if the stream ends
 * here, it was cut short (a truncated file). */
int sdd__gunzip_unfinished(const sdd_gunzip *g);

#endif
