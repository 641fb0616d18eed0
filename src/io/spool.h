/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spool.h: a bounded on-disk queue of notifications for the Kafka output.
 *
 * Every notification is appended here (length, CRC-32, bytes; fdatasync'ed)
 * before it counts as accepted, and released only once the broker's delivery
 * report says it is stored, so neither a broker that is away nor a crash
 * loses an accepted notification. One file, `spool.dat` in the directory:
 * a header holding where the first unreleased record starts, then the
 * records. Released bytes are reclaimed when everything is released (the
 * file is cut back) or when they outgrow the bound (the live records are
 * copied to a new file renamed over the old one).
 *
 * Errors name the errno as well ("No space left on device (ENOSPC)"). A
 * full disk refuses appends (counted in write_errors, the file left as it
 * was); the space of released records comes back when everything is
 * released (the broker caught up) or at a compaction.
 *
 * Positions are logical byte offsets that only grow within one process: a
 * caller keeps them for the records it has in flight. Bound: the live
 * records (header bytes included) never exceed max_bytes; when one more
 * would, it is refused and counted (the oldest are kept: they are the ones
 * a consumer needs first). */
#ifndef SDD_SPOOL_H
#define SDD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"
#include "io/sources.h"

typedef struct sdd_spool sdd_spool;

enum { SDD_SPOOL_FULL = -2 };         /* sdd_spool_append: refused, the bound is reached */

typedef struct sdd_spool_counters {
    uint64_t appended;                /* accepted (durable) since open */
    uint64_t refused_full;            /* refused because the bound was reached */
    uint64_t write_errors;            /* refused because the disk said no (ENOSPC, EFBIG, EIO) */
    uint64_t torn_dropped;            /* a torn tail found at open (a crash while appending), cut off */
    uint64_t corrupt_skipped;         /* damaged records with whole ones after them, skipped at open */
    uint64_t records;                 /* live (unreleased) records now */
    uint64_t bytes;                   /* their bytes, record headers included */
} sdd_spool_counters;

/* Opens or creates DIR/spool.dat (DIR is created if missing). A torn
 * tail (a crash during an append: an incomplete or failing last record with
 * no whole record after it) is cut off; a damaged record with whole ones
 * after it is skipped (the file is rewritten without it); both are logged
 * and counted. NULL with the reason in err. */
sdd_spool *sdd_spool_open(const char *dir, uint64_t max_bytes, const sdd_logger *log, sdd_error *err);
void sdd_spool_close(sdd_spool *s);   /* NULL is fine */

/* Appends one record and makes it durable: 0; SDD_SPOOL_FULL; -1 with the
 * reason in err when writing failed (the file is left as it was). */
int sdd_spool_append(sdd_spool *s, const void *data, size_t len, sdd_error *err);

/* The position of the first live record, and the position after the last. */
uint64_t sdd_spool_head(const sdd_spool *s);
uint64_t sdd_spool_end(const sdd_spool *s);

/* Reads the record at *pos (a position below the head reads the head's):
 * 1 with *buf (malloc'ed, NUL-terminated for convenience) and *len, *pos moved
 * past it; 0 at the end; -1 with err. */
int sdd_spool_read(sdd_spool *s, uint64_t *pos, char **buf, size_t *len, sdd_error *err);

/* Every record before `upto` is delivered: forgotten durably. 0 or -1 with
 * err; -1 also when only the compaction failed (no room for the copy on a
 * full disk): the records are released all the same, the compaction is
 * tried again at the next release. */
int sdd_spool_release(sdd_spool *s, uint64_t upto, sdd_error *err);

void sdd_spool_get_counters(const sdd_spool *s, sdd_spool_counters *out);

#endif
