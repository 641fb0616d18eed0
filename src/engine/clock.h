/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.h: the engine's time, made of the records' times so that one bad
 * clock cannot poison it.
 *
 * Each source (an input kind and a router: an exporter's flows, a BMP
 * router's messages, a node's telemetry) has a watermark: the newest time
 * seen from it. The engine's time is the oldest watermark among the sources
 * that are live, so a source running ahead (a router with a wrong clock or
 * time zone) does not close slots the others are still filling. A source
 * is no longer live when it falls source_idle_seconds behind the lead (the
 * newest watermark), so a stuck or silent router does not hold time back
 * while the others go on. A record more than max_clock_skew ahead of the
 * engine's time is refused: it moves no watermark and reaches no slot.
 *
 * The clock keeps no wall clock, so replay is deterministic. A live front
 * end tells it the time (sdd_engine_advance) when no older record is coming:
 * when all its inputs have been idle on its wall clock (the engine's time
 * then follows), and at its start (which only bounds the first records: too
 * far ahead of it is refused). docs/time.md tells the whole model. */
#ifndef SDD_ENGINE_CLOCK_H
#define SDD_ENGINE_CLOCK_H

#include <stdint.h>

#include "sdd/sdd.h"
#include "util/map.h"

typedef struct sdd__clock_source {
    sdd_input_kind kind;
    sdd_addr router;
} sdd__clock_source;

typedef struct sdd__clock {
    sdd_map *index;                     /* (kind, router) -> source */
    sdd__clock_source *key;             /* each source's kind and router */
    int64_t *newest;                    /* watermark of each source */
    int n, cap;
    int64_t skew;                       /* max_clock_skew */
    int64_t idle;                       /* source_idle_seconds */
    int64_t told;                       /* what the front end last advanced to; INT64_MIN never */
    int64_t lead;                       /* the newest watermark */
    int64_t now;                        /* the engine's time; INT64_MIN before any record */
    /* Below wake (the time at which the next slot closes) the engine's time
     * need not be exact: it is worked out again (O(sources)) only when the
     * last live source below wake reaches it, or a source goes idle. Before
     * a wake is set (INT64_MIN), whenever the oldest source moves. */
    int64_t wake;
    int below;                          /* live sources whose watermark is below wake */
    int last;                           /* the source of the last record taken; -1 none or untracked */
} sdd__clock;

/* -1 when out of memory. */
int sdd__clock_init(sdd__clock *c, int max_clock_skew, int source_idle_seconds);
void sdd__clock_free(sdd__clock *c);

/* A record of `kind` from `router` at time t: 0 when taken (the engine's
 * time may have moved: see c->now), 1 when refused as too far ahead, -1 when
 * out of memory for a new source (the record is then taken without one). */
int sdd__clock_see(sdd__clock *c, sdd_input_kind kind, const sdd_addr *router, int64_t t);

/* A record at t more than max_clock_skew ahead of the engine's time (or,
 * before any record, of the time the front end told). */
static inline int sdd__clock_too_far_ahead(const sdd__clock *c, int64_t t)
{
    int64_t ref = c->now != INT64_MIN ? c->now : c->told;

    return ref != INT64_MIN && t > ref && t - ref > c->skew;
}

/* 1 when a record of source s (an index sdd__clock_see set in c->last) at t
 * changes nothing but c->last: it is not refused and does not move its
 * source's watermark. sdd__clock_see of it would do just that, so the batch
 * path skips it (accum.h). */
static inline int sdd__clock_quiet(sdd__clock *c, int s, int64_t t)
{
    if (t > c->newest[s] || sdd__clock_too_far_ahead(c, t))
        return 0;
    c->last = s;
    return 1;
}
/* The index of the source (kind, router), as c->key has it; -1 when it has
 * sent nothing. */
int sdd__clock_find(const sdd__clock *c, sdd_input_kind kind, const sdd_addr *router);
/* The time at which the engine next needs to know it has come. */
void sdd__clock_wake_at(sdd__clock *c, int64_t wake);
/* The front end's wall clock, when no older record is coming: the engine's
 * time follows it (once there is one), and it bounds the records ahead. */
void sdd__clock_tell(sdd__clock *c, int64_t now);

/* What a checkpoint keeps, so that a restarted engine has the time and the
 * sources the one before had: without them the first record read again
 * would alone make the engine's time, and close slots the sources behind it
 * are still filling. Export: source i of c->n (its key and watermark) and
 * c->now, c->lead. Import, into a clock that has seen no record: each source
 * (-1 when out of memory, or when it is there already), then the times. */
void sdd__clock_source_at(const sdd__clock *c, int i, sdd__clock_source *key, int64_t *newest);
int sdd__clock_import_source(sdd__clock *c, const sdd__clock_source *key, int64_t newest);
void sdd__clock_import_times(sdd__clock *c, int64_t now, int64_t lead);

#endif
