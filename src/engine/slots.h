/* SPDX-License-Identifier: GPL-2.0-or-later */
/* slots.h: event-time slots and the rows that hold their exact sums.
 *
 * A record's time picks its slot: floor(time / time_step_seconds). Each slot's
 * sums stay in a row (slot mod n_rows) from its first record until the slot
 * leaves allowed_lateness, and history only ever receives a slot's whole
 * value, so writing a slot again gives the same history: a restart from a
 * checkpoint rewinds history and writes the rows again, counting nothing
 * twice. A service's rows are one array of n_rows * SDD_M_COUNT doubles that
 * the service owns (services.h); the bookkeeping of all rows is here. */
#ifndef SDD_ENGINE_SLOTS_H
#define SDD_ENGINE_SLOTS_H

#include <stdint.h>

#include "engine/config.h"
#include "engine/history.h"

typedef struct sdd__slots {
    int step;                           /* time_step_seconds */
    int data_delay;
    int allowed_lateness;
    int n_open;                         /* slots kept open: (data_delay + max_clock_skew) / step + 2 */
    int n_late;                         /* rows kept for slots after their close */
    int n_rows;                         /* n_late + n_open */
    int64_t newest;                     /* newest event time taken; INT64_MIN before any */
    int64_t next_close;                 /* number of the oldest open slot; INT64_MIN before any */
    int64_t first_slot;                 /* of the first record: likely partial, not judged */
    uint64_t *row_records;              /* records per row, all services */
    uint8_t *row_closed_empty;          /* the row's slot closed without a record */
    uint64_t write_errors;              /* slot values history refused */
} sdd__slots;

/* -1 when out of memory. */
int sdd__slots_init(sdd__slots *s, const sdd_config *cfg);
void sdd__slots_free(sdd__slots *s);

int64_t sdd__slot_of(const sdd__slots *s, int64_t t);
static inline int sdd__slot_row(const sdd__slots *s, int64_t slot)
{
    int64_t r = slot % s->n_rows;
    return (int)(r < 0 ? r + s->n_rows : r);
}
/* The SDD_M_COUNT sums of `slot` in a service's rows. */
double *sdd__slot_sums(const sdd__slots *s, double *rows, int64_t slot);
/* 1 when no row holds a record. */
int sdd__slots_empty(const sdd__slots *s);

/* One metric of a slot into a history entity, as its whole value; a write
 * history refuses is counted in s (write_errors), or with the try variant
 * only returned (-1) for the caller to count. */
void sdd__slot_write_metric(sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot,
                            int metric);
int sdd__slot_try_metric(const sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot,
                         int metric);
/* A closed slot's row into history: every metric of a slot that closed with
 * records (zero is data), only what late records brought to one that closed
 * empty. */
void sdd__slot_write(sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot);
/* The same, counting nothing in s: how many writes history refused. What
 * the detection threads call, each for services of its own. */
int sdd__slot_write_row(const sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot);

#endif
