/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow_batch.h: whole flow records into the engine through the batch API.
 *
 * A caller that has sdd_flow records (the plugin's engine side drains them
 * from the hand-over; the engine itself, for the flows sddd and replay give
 * it as records, in runs: sdd__flow_run) would add them one by one
 * (sdd_engine_add_flow): the
 * key's lookup in the engine's mapping cache, then the service's row, a miss
 * or two each at 100,000 services. This keeps a handle per flow key
 * (sdd_engine_flow_handle) in a table of handles indexed by the key's hash,
 * asks memory for the table entries and the handles' keys of the records
 * some places ahead, and adds the aggregates in batches
 * (sdd_engine_add_flows), in their order: what the engine keeps apart for a
 * handle (accum.h) makes the rest cheap. The engine keeps a handle for good,
 * so the keys are capped (SDD_FLOW_BATCH_KEYS); a record of a key past the
 * cap, or when out of memory, is added on its own. */
#ifndef SDD_ENGINE_FLOW_BATCH_H
#define SDD_ENGINE_FLOW_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"

#define SDD_FLOW_BATCH_KEYS (1u << 18)
#define SDD_FLOW_BATCH_SIZE 256         /* aggregates a call of sdd_engine_add_flows */

typedef struct sdd__flow_batch {
    sdd_engine *e;                      /* the engine the handles are of; NULL none yet */
    uint32_t *entry;                    /* handle + 1 of each entry of the table; 0 free */
    size_t mask;                        /* entries - 1 */
    uint32_t n;                         /* keys in the table */
    size_t n_pending;
    sdd_flow_agg pending[SDD_FLOW_BATCH_SIZE];
} sdd__flow_batch;

/* b zeroed is an empty table. */
void sdd__flow_batch_free(sdd__flow_batch *b);
/* The n flows into e, in order, all of them added when it returns. */
void sdd__flow_batch_add(sdd__flow_batch *b, sdd_engine *e, const sdd_flow *f, size_t n);

#endif
