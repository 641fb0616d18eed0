/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow_batch.c: see flow_batch.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_private.h"
#include "engine/flow_batch.h"

/* Entries: twice the keys at most, so that a probe is short. */
#define ENTRIES (2 * (size_t)SDD_FLOW_BATCH_KEYS)
/* The table entry of the record this many places on is asked of memory,
 * the key of its handle half as many places on. */
#define AHEAD 16
#define RING (2 * AHEAD)                /* the hashes of the records ahead */

void sdd__flow_batch_free(sdd__flow_batch *b)
{
    free(b->entry);
    memset(b, 0, sizeof(*b));
}

/* An empty table for engine e (another engine's handles mean nothing to
 * it); -1 when out of memory. */
static int start(sdd__flow_batch *b, sdd_engine *e)
{
    if (!b->entry && !(b->entry = malloc(ENTRIES * sizeof(*b->entry))))
        return -1;
    memset(b->entry, 0, ENTRIES * sizeof(*b->entry));
    b->mask = ENTRIES - 1;
    b->n = 0;
    b->e = e;
    return 0;
}

static void flush(sdd__flow_batch *b)
{
    sdd_engine_add_flows(b->e, b->pending, b->n_pending);
    b->n_pending = 0;
}

/* The handle of f's key (hash: its hash), given at the key's first record;
 * -1 past the cap or when out of memory. */
static int handle_of(sdd__flow_batch *b, const sdd_flow *f, size_t hash, sdd_flow_handle *h)
{
    size_t i = hash & b->mask;
    sdd_error err;

    while (b->entry[i] && !sdd__flow_key_same(&b->e->handles[b->entry[i] - 1].key, f))
        i = (i + 1) & b->mask;
    if (b->entry[i]) {
        *h = b->entry[i] - 1;
        return 0;
    }
    if (b->n >= SDD_FLOW_BATCH_KEYS || sdd_engine_flow_handle(b->e, f, h, &err) < 0)
        return -1;
    b->entry[i] = *h + 1;
    b->n++;
    return 0;
}

static void queue(sdd__flow_batch *b, const sdd_flow *f, sdd_flow_handle h)
{
    sdd__flow_agg_of(f, h, &b->pending[b->n_pending++]);
    if (b->n_pending == SDD_FLOW_BATCH_SIZE)
        flush(b);
}

static void ask_ahead(const sdd__flow_batch *b, const sdd_flow *f, size_t n, size_t i, size_t *hash)
{
    if (i + AHEAD < n) {
        hash[(i + AHEAD) % RING] = sdd__flow_key_hash(&f[i + AHEAD]);
        __builtin_prefetch(&b->entry[hash[(i + AHEAD) % RING] & b->mask]);
    }
    if (i + AHEAD / 2 < n) {
        uint32_t x = b->entry[hash[(i + AHEAD / 2) % RING] & b->mask];
        if (x) {
            __builtin_prefetch((const char *)&b->e->handles[x - 1] + 64);
            __builtin_prefetch(&b->e->handles[x - 1]);
        }
    }
}

void sdd__flow_batch_add(sdd__flow_batch *b, sdd_engine *e, const sdd_flow *f, size_t n)
{
    size_t hash[RING];
    sdd_flow_handle h;

    if (b->e != e && start(b, e) < 0) {
        for (size_t i = 0; i < n; i++)
            sdd_engine_add_flow(e, &f[i]);
        return;
    }
    for (size_t i = 0; i < n && i < AHEAD; i++)
        hash[i % RING] = sdd__flow_key_hash(&f[i]);
    for (size_t i = 0; i < n; i++) {
        ask_ahead(b, f, n, i, hash);
        if (handle_of(b, &f[i], hash[i % RING], &h) == 0) {
            queue(b, &f[i], h);
            continue;
        }
        flush(b);                       /* the order of records is kept */
        sdd_engine_add_flow(e, &f[i]);
    }
    flush(b);
}
