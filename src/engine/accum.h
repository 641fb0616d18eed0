/* SPDX-License-Identifier: GPL-2.0-or-later */
/* accum.h: the open slot's sums of each handle of the batch API, kept
 * apart from the services' rows so that a record touches one place.
 *
 * A record of the batch API (sdd_engine_add_flows) would otherwise reach its
 * service's rows through the service's state: two lines apart, each a cache
 * miss at 100,000 services. Each handle instead has an accumulator of two
 * cache lines, all of them in one array indexed by the handle (so that its
 * address is known many records ahead), tagged with the slot it holds sums
 * of. A record of the common kinds (forwarded TCP, UDP or other traffic, of
 * the tagged slot, its clock and collection health already up to date)
 * adds its bytes, packets and flows there and nothing else. The interfaces'
 * and the site's bytes are what the handle's mapping fixes, so they are
 * made from those sums when they go into the rows (the fold). The
 * accumulator also keeps what the handle's records share while the
 * inventory does not change (the mapping's version, the router's clock
 * source, the site), so that the first record of the handle in the next
 * slot moves the tag there without the per-record path. Every other
 * record takes the per-record path, which arms the accumulator.
 *
 * Every reader of the rows folds first (sdd__engine_fold): a slot's close,
 * the traffic pages, a checkpoint, a reload, an inventory load. An event
 * judged at once does not: its detectors read BMP series only, which the
 * accumulators do not hold. All values are whole numbers (bytes, packets, flows), and
 * doubles add whole numbers below 2^53 exactly in any order: the rows get
 * the same sums as record by record. */
#ifndef SDD_ENGINE_ACCUM_H
#define SDD_ENGINE_ACCUM_H

#include <stdint.h>

#include "engine/engine_private.h"
#include "engine/metrics.h"

/* The sums an accumulator holds: the rows' first series, TCP bytes to TCP
 * SYN flows, in the rows' order. */
#define SDD_ACC_METRICS (SDD_M_TCP_SYN_FLOWS + 1)

typedef struct sdd__acc {
    _Alignas(64) uint64_t version;      /* the inventory version source and site hold for; 0: not armed */
    int64_t start;                      /* the tagged slot's first second */
    int64_t slot;                       /* the tag */
    int32_t source;                     /* the clock's source of the handle's router */
    int32_t row;                        /* the tagged slot's row */
    int8_t site;                        /* the site whose sums its bytes go to (sites.h); -1 none */
    uint8_t holds;                      /* sum holds the tagged slot's sums; 0: tag unset, sums 0 */
    uint8_t listed;                     /* in the engine's list of accumulators to fold */
    double sum[SDD_ACC_METRICS];
} sdd__acc;

/* Room for `cap` handles' accumulators, the new ones empty; -1 when out of
 * memory. */
int sdd__accs_grow(sdd_engine *e, uint32_t cap);
void sdd__accs_free(sdd_engine *e);

/* Every accumulator's sums into the rows: what a reader of the rows calls
 * first. */
void sdd__engine_fold(sdd_engine *e);
/* Handle h's sums into the rows (with its mapping as it was armed). */
void sdd__acc_fold(sdd_engine *e, uint32_t h);

/* Before handle h's mapping is looked at on the per-record path: its sums
 * folded if the inventory changed since it was armed (the mapping may be
 * made again, and the fold needs the one the sums were taken with). */
void sdd__acc_remap(sdd_engine *e, uint32_t h);
/* A record of handle h that went through the clock and its mapping (map,
 * st) on the per-record path: 1 when its sums were taken in the handle's
 * accumulator (armed for the record's slot if it was empty or held an
 * older one), 0 when the record is one the rows must take themselves. */
int sdd__acc_take(sdd_engine *e, uint32_t h, const sdd__mapping *map, int64_t slot, int row, const sdd_flow_agg *a);
/* A record of an armed handle h in open slot `slot` (row `row`) other than
 * the tagged one, that changes nothing in the clock or collection health:
 * 1 when it was counted and taken with the tag moved there (the older
 * slot's sums folded first), 0 when the tag holds a newer slot. */
int sdd__acc_retag(sdd_engine *e, uint32_t h, int64_t slot, int row, const sdd_flow_agg *a);

static inline void sdd__acc_add(sdd__acc *acc, const sdd_flow_agg *a)
{
    double bytes = (double)a->bytes, packets = (double)a->packets, flows = a->flows ? (double)a->flows : 1;

    if (a->ip_proto == 6) {
        acc->sum[SDD_M_TCP_BYTES] += bytes;
        acc->sum[SDD_M_TCP_PACKETS] += packets;
        acc->sum[SDD_M_TCP_FLOWS] += flows;
        if (a->tcp_flags & SDD_TCP_SYN)
            acc->sum[SDD_M_TCP_SYN_FLOWS] += flows;
    } else if (a->ip_proto == 17) {
        acc->sum[SDD_M_UDP_BYTES] += bytes;
        acc->sum[SDD_M_UDP_PACKETS] += packets;
        acc->sum[SDD_M_UDP_FLOWS] += flows;
    } else {
        acc->sum[SDD_M_OTHER_BYTES] += bytes;
        acc->sum[SDD_M_OTHER_PACKETS] += packets;
        acc->sum[SDD_M_OTHER_FLOWS] += flows;
    }
}

/* What a taken record counts besides its sums, as the per-record path
 * would: a flow, the newest time, a record in the slot's row. */
static inline void sdd__acc_count(sdd_engine *e, int row, const sdd_flow_agg *a)
{
    e->counters[C_FLOWS]++;
    if (a->time > e->slots.newest)
        e->slots.newest = a->time;
    e->slots.row_records[row]++;
}

/* 1 when a record of an armed handle (its accumulator acc, armed at
 * `version`, the inventory's now) in `slot` would do nothing on the
 * per-record path but add its sums: a forwarded flow, its source's
 * watermark not moved nor the record refused (sdd__clock_quiet), the slot
 * already marked as sent by the source (collection health). */
static inline int sdd__acc_quiet(sdd_engine *e, const sdd__acc *acc, uint64_t version, int64_t slot,
                                 const sdd_flow_agg *a)
{
    return acc->version == version && SDD_FWD_STATUS(a->fwd_status) != SDD_FWD_STATUS_DROPPED &&
           sdd__clock_quiet(&e->clock, acc->source, a->time) && sdd__collection_sent(&e->collection, acc->source, slot);
}

/* A record of the handle whose accumulator is acc taken there when it is
 * of the tagged slot (still open: every close folds and empties the
 * accumulators) and quiet. 0: the caller sees to it. */
static inline int sdd__acc_fast(sdd_engine *e, sdd__acc *acc, uint64_t version, const sdd_flow_agg *a)
{
    if (!acc->holds || (uint64_t)a->time - (uint64_t)acc->start >= (uint64_t)e->slots.step ||
        !sdd__acc_quiet(e, acc, version, acc->slot, a))
        return 0;
    sdd__acc_count(e, acc->row, a);
    sdd__acc_add(acc, a);
    return 1;
}

#endif
