/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collection.h: the health of the collection, told apart from the health
 * of the customers. An exporter that stops sending flows makes the services
 * on its router seem to lose their traffic; so does one whose records come
 * minutes late (they reach the engine after its slot closed). Neither is a
 * disruption, and neither should become the baseline of later weeks.
 *
 * Per source (an input kind and a router, indexed as the clock indexes
 * them), from the records' time only: which of the recent slots had a
 * record of it. When a slot closes (the engine's time having moved on
 * through the other sources' records), a source of a continuous input that
 * sent in an earlier slot and has no record in it had a gap there, if some
 * other source of such an input did send in it (a slot in which none did is
 * the whole collection's quiet: nothing is judged in it anyway), or sent only
 * part of it (sdd__collection_close); its first
 * gap starts a silence, its first slot with a record again ends it.
 * Records that come for a gap slot after it closed make it a late slot.
 *
 * Only flows are a continuous input: an exporter sends its aggregates every
 * minute while its router forwards anything. BMP and telemetry send when
 * something changes; a quiet session is no sign of a lost one, so their
 * slots without records are not gaps. (Nothing in them raises a symptom by
 * its absence; what pmacct writes when a BMP session ends, its "term"
 * message and the "delete" entries of its RIB clean-up, is not read as
 * routes withdrawn: parse/input_bmp.c.)
 *
 * The state is not in the checkpoint: after a restart a source counts as
 * having sent in the slot of its watermark, which the clock keeps. */
#ifndef SDD_ENGINE_COLLECTION_H
#define SDD_ENGINE_COLLECTION_H

#include <stdint.h>

#include "engine/clock.h"
#include "engine/engine.h"
#include "sdd/sdd.h"

#define SDD_COLLECTION_SLOTS 64         /* slots back a source's records and gaps are known */

typedef struct sdd__collection_source {
    int64_t first_slot;                 /* of its first record; INT64_MIN before any */
    int64_t newest_slot;                /* the newest slot it sent in */
    uint64_t seen;                      /* bit slot % 64: a record, for the 64 slots up to newest_slot */
    uint64_t gap;                       /* bit slot % 64: closed without its record, for the last 64 closed */
    uint64_t late;                      /* bit slot % 64: a gap slot whose records came after it closed */
    int64_t silent_since;               /* first gap slot of its silence; INT64_MIN while it sends */
} sdd__collection_source;

typedef struct sdd__collection {
    sdd__collection_source *src;        /* as the clock's sources */
    int n, cap;
    int64_t last_closed;                /* INT64_MIN before the first close */
    uint64_t silent_now[3];             /* per input kind: sources silent at the last close */
    uint64_t gap_slots[3];              /* per input kind: slots closed without a source's record */
    uint64_t silences[3];               /* per input kind: silences begun */
    uint64_t late_slots[3];             /* per input kind: gap slots whose records came after */
    sdd__collection_event_fn fn;        /* told of silences (engine.h); NULL: nobody */
    void *ctx;
} sdd__collection;

/* A slot's bit in a source's bits of 64 slots. */
static inline uint64_t sdd__collection_bit(int64_t slot)
{
    return UINT64_C(1) << (uint64_t)(slot & (SDD_COLLECTION_SLOTS - 1));
}

/* Whether x sent a record in slot, among its last 64. */
static inline int sdd__collection_sent_in(const sdd__collection_source *x, int64_t slot)
{
    return x->first_slot != INT64_MIN && slot <= x->newest_slot && x->newest_slot - slot < SDD_COLLECTION_SLOTS &&
           (x->seen & sdd__collection_bit(slot));
}

/* 1 when a record of clock source `source` in open slot `slot` would change
 * nothing here: the source's record of it is marked already. */
static inline int sdd__collection_sent(const sdd__collection *c, int source, int64_t slot)
{
    return source < c->n && sdd__collection_sent_in(&c->src[source], slot);
}

void sdd__collection_init(sdd__collection *c);
void sdd__collection_free(sdd__collection *c);

/* A record of clock source `source` (c->last of the clock; -1 untracked:
 * ignored) for `slot`; closed says the slot had closed already. -1 when out
 * of memory (the record then counts for nothing here). */
int sdd__collection_seen(sdd__collection *c, int source, sdd_input_kind kind, int64_t slot, int closed);

/* When a slot closes: the newest watermark of any source (the clock's
 * lead: the engine's own time waits for its slowest live source), the slot
 * length, and how far (seconds) a source may lag the lead and still be on
 * time: the larger of data_delay and a slot, so that a data_delay shorter
 * than an exporter's export interval does not make every exporter late. */
typedef struct sdd__collection_close_at {
    int64_t lead;
    int step, wait;
} sdd__collection_close_at;

/* Slot `slot` closes: for every source of a continuous input, whether it had
 * a gap there (and the slots skipped since the last close, up to 64), with
 * the silences that begin or end. How many sources had a gap in the slot. */
int sdd__collection_close(sdd__collection *c, const sdd__clock *clock, int64_t slot, const sdd__collection_close_at *at);

/* After a restart, the sources of a clock a checkpoint gave back: each
 * sent in its watermark's slot (so one still silent is seen to be). -1 when
 * out of memory. */
int sdd__collection_restore(sdd__collection *c, const sdd__clock *clock, int step);

/* 1 when `router`'s `kind` input had a gap in `slot`: a closed slot of the
 * last 64 in which it sent nothing, having sent before. 0 when it sent, when
 * the slot is not closed or too old to know, or for an input that is not
 * continuous. The engine asks it of every termination's router. */
int sdd__collection_gap(const sdd__collection *c, const sdd__clock *clock, sdd_input_kind kind,
                        const sdd_addr *router, int64_t slot);

#endif
