/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inflater.h: a file read (and gunzipped) by a thread of its own, a chunk
 * ahead of its reader.
 *
 * Replaying gzip'ed pmacct JSON spends about an eighth of its CPU in zlib
 * (docs/PERFORMANCE.md). Decompressing on another thread takes that off the
 * thread that parses, maps and judges, when the machine has a core to
 * spare; the bytes and their order are the file's, so the output is the
 * same. Two chunks: the thread fills one while the reader empties the
 * other. */
#ifndef SDD_ENGINE_INFLATER_H
#define SDD_ENGINE_INFLATER_H

#include <stddef.h>

typedef struct sdd__inflater sdd__inflater;

/* Opens path (plain or gzip'ed) and starts its thread; NULL with errno. */
sdd__inflater *sdd__inflater_open(const char *path);
/* Up to `size` bytes of the file into buf: how many, 0 at its end (or
 * after a read error, which sdd__inflater_close reports). */
size_t sdd__inflater_read(sdd__inflater *f, char *buf, size_t size);
/* Stops the thread and closes the file: 0, or -1 after a read error with
 * zlib's message in why (len bytes; why may be NULL). */
int sdd__inflater_close(sdd__inflater *f, char *why, size_t len);

#endif
