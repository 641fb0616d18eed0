/* SPDX-License-Identifier: GPL-2.0-or-later */
/* undo.h: the undo log of the history file (internal to libsdd).
 *
 * The history store writes its memory-mapped file in place between two
 * checkpoints. Most of what it overwrites the next restart writes again
 * from the state's rows, but not the ring positions a slot newer than the
 * checkpoint's takes over from a slot older than it (a ring of n slots
 * keeps slot s - n where slot s goes): once overwritten, that old slot is
 * gone, and an engine restarted from the checkpoint would miss it when it
 * compares with the past. So the store first copies such bytes here, and a
 * restart from that checkpoint puts them back. How the log is laid out and
 * why a torn end is harmless: undo.c. One writer, no readers meanwhile.
 */
#ifndef SDD_ENGINE_UNDO_H
#define SDD_ENGINE_UNDO_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"

typedef struct sdd_undo sdd_undo;

/* Bytes of a mapping, as they are now (at `bytes`), before they change:
 * `len` bytes at `offset` from the mapping's start (the rows of a run of
 * slots of a slot-major ring, or an entity's head and exact sums). */
typedef struct sdd_undo_range {
    uint64_t offset;
    const void *bytes;
    uint32_t len;
} sdd_undo_range;

/* Opens the log at path, creating it if there is none; NULL with err. */
sdd_undo *sdd__undo_open(const char *path, sdd_error *err);
void sdd__undo_close(sdd_undo *u);     /* NULL is fine */

/* The checkpoint the log keeps bytes for: the one its header names, 0 when
 * it has none (new, emptied by a failure, or not a log). */
uint64_t sdd__undo_epoch(const sdd_undo *u);

/* How many keeps failed since the log was opened: each emptied it, and it
 * took nothing more until the next begin. */
uint64_t sdd__undo_failures(const sdd_undo *u);

/* The mapping as it is now is checkpoint `epoch`: the log starts over,
 * empty, for it. 0, or -1 with err. */
int sdd__undo_begin(sdd_undo *u, uint64_t epoch, sdd_error *err);

/* Appends the ranges, as they are now, in one write. 0, or -1 when the log
 * could not take them (a full disk): it is then emptied, so that nothing
 * wrong is put back, and takes nothing more until the next begin. */
int sdd__undo_keep(sdd_undo *u, const sdd_undo_range *r, int n);

/* When the log is of checkpoint `epoch`: writes back into the mapping
 * (map_bytes long) every range kept, the earliest copy of a byte last so
 * that it wins, and returns how many ranges; 0 when the log is of another
 * checkpoint or empty (nothing is touched). A torn last record (a crash in
 * the middle of an append) is left out, as are ranges below `min_offset`
 * or past the mapping's end. -1 with err when the log cannot be read. */
long sdd__undo_roll_back(sdd_undo *u, uint64_t epoch, uint8_t *map, size_t map_bytes, size_t min_offset,
                         sdd_error *err);

#endif
