/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linereader.h: cuts a byte stream into lines, whatever the size of the
 * reads that feed it.
 *
 * The caller reads straight into the reader's free space (read(2), gzread,
 * a Kafka payload copied in) and takes complete lines out. A line longer than
 * the reader's limit is consumed and counted, never returned, so that one
 * runaway writer cannot make the reader grow without bound. What is left
 * after the last newline waits for more bytes: a line is only returned once
 * its newline is there, or when the caller says the stream has ended. */
#ifndef SDD_LINEREADER_H
#define SDD_LINEREADER_H

#include <stddef.h>
#include <stdint.h>

/* The longest line the readers of pmacct's output keep: far above any
 * record pmacct writes, small enough that garbage cannot exhaust memory. */
#define SDD_LINE_MAX (1 << 20)

typedef struct sdd_linereader sdd_linereader;

/* max_line: the longest line returned, newline not counted. NULL when out of
 * memory. */
sdd_linereader *sdd__linereader_new(size_t max_line);
void sdd__linereader_free(sdd_linereader *lr);

/* Room for the next read: *avail bytes (at least one) at the returned
 * address, or NULL when out of memory. Tell how many were written with
 * sdd__linereader_commit. */
char *sdd__linereader_space(sdd_linereader *lr, size_t *avail);
void sdd__linereader_commit(sdd_linereader *lr, size_t n);

/* The next complete line, without its newline (and without a '\r' before
 * it), valid until the next call on lr; NULL when no line is complete. With
 * at_end set, the bytes after the last newline are returned as a last line. */
const char *sdd__linereader_next(sdd_linereader *lr, int at_end, size_t *len);

/* Forgets the bytes of an unfinished line (the stream started over). */
void sdd__linereader_reset(sdd_linereader *lr);
/* Bytes held that do not form a complete line yet. */
size_t sdd__linereader_pending(const sdd_linereader *lr);
/* Lines dropped for being longer than max_line, since the reader was made. */
uint64_t sdd__linereader_too_long(const sdd_linereader *lr);

#endif
