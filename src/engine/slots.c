/* SPDX-License-Identifier: GPL-2.0-or-later */
/* slots.c: see slots.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "engine/slots.h"

int sdd__slots_init(sdd__slots *s, const sdd_config *cfg)
{
    memset(s, 0, sizeof(*s));
    s->step = cfg->time_step_seconds;
    s->data_delay = cfg->data_delay;
    s->allowed_lateness = cfg->allowed_lateness;
    /* a record may be max_clock_skew ahead of the engine's time, whose
     * slots close data_delay after it */
    s->n_open = (cfg->data_delay + cfg->max_clock_skew) / cfg->time_step_seconds + 2;
    /* rows outlive their slot's close by the late window, and at least by
     * the slots whose exact sums history keeps, which a rewind needs back */
    s->n_late = cfg->allowed_lateness / cfg->time_step_seconds;
    if (s->n_late < SDD_HISTORY_OPEN_SLOTS)
        s->n_late = SDD_HISTORY_OPEN_SLOTS;
    s->n_rows = s->n_open + s->n_late;
    s->newest = INT64_MIN;
    s->next_close = INT64_MIN;
    s->row_records = calloc((size_t)s->n_rows, sizeof(*s->row_records));
    s->row_closed_empty = calloc((size_t)s->n_rows, sizeof(*s->row_closed_empty));
    return s->row_records && s->row_closed_empty ? 0 : -1;
}

void sdd__slots_free(sdd__slots *s)
{
    free(s->row_records);
    free(s->row_closed_empty);
    memset(s, 0, sizeof(*s));
}

int64_t sdd__slot_of(const sdd__slots *s, int64_t t)
{
    return t >= 0 ? t / s->step : -((-t + s->step - 1) / s->step);
}

double *sdd__slot_sums(const sdd__slots *s, double *rows, int64_t slot)
{
    return rows + (size_t)sdd__slot_row(s, slot) * SDD_M_COUNT;
}

int sdd__slots_empty(const sdd__slots *s)
{
    for (int r = 0; r < s->n_rows; r++)
        if (s->row_records[r])
            return 0;
    return 1;
}

int sdd__slot_try_metric(const sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot,
                         int metric)
{
    int tier = metric < SDD_M_LONG_COUNT ? 0 : 1;
    int series = tier ? metric - SDD_M_LONG_COUNT : metric;
    double value = rows[(size_t)sdd__slot_row(s, slot) * SDD_M_COUNT + (size_t)metric];

    return sdd__history_set(h, entity, tier, (uint16_t)series, slot, value);
}

void sdd__slot_write_metric(sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot,
                            int metric)
{
    if (sdd__slot_try_metric(s, h, entity, rows, slot, metric) < 0)
        s->write_errors++;
}

int sdd__slot_write_row(const sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot)
{
    const double *m = rows + (size_t)sdd__slot_row(s, slot) * SDD_M_COUNT;
    int all = !s->row_closed_empty[sdd__slot_row(s, slot)], refused = 0;

    for (int i = 0; i < SDD_M_COUNT; i++)
        if (all || m[i] != 0)
            refused -= sdd__slot_try_metric(s, h, entity, rows, slot, i);
    return refused;
}

void sdd__slot_write(sdd__slots *s, sdd_history *h, int32_t entity, const double *rows, int64_t slot)
{
    s->write_errors += (uint64_t)sdd__slot_write_row(s, h, entity, rows, slot);
}
