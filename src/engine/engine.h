/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine.h: what the engine's own front ends (replay, daemon, plugin) share
 * beyond the public API: one parsed record of any kind. */
#ifndef SDD_ENGINE_H
#define SDD_ENGINE_H

#include "sdd/sdd.h"

typedef struct sdd_record {
    sdd_input_kind kind;
    int64_t time;
    union {
        sdd_flow flow;
        sdd_bmp_event bmp;
        sdd_iface_event iface;
    } u;
} sdd_record;

/* Parses one line into *out, counting what is skipped and why: 1 when *out
 * holds a record for the engine, 0 for a valid line of no use to it, -1 for
 * a line that could not be used. */
int sdd__engine_parse(sdd_engine *e, sdd_input_kind kind, const char *line, size_t len, sdd_record *out);
void sdd__engine_add_record(sdd_engine *e, const sdd_record *r);

/* Consecutive flow records held back to be added together: the engine then
 * asks memory for their handles some flows ahead. */
#define SDD_FLOW_RUN 256
typedef struct sdd__flow_run {
    size_t n;
    sdd_flow flow[SDD_FLOW_RUN];
} sdd__flow_run;

/* r into e as sdd__engine_add_record adds it, a flow held in run until the
 * run is full or another kind of record comes (the run is added first). */
void sdd__engine_add_in_run(sdd_engine *e, sdd__flow_run *run, const sdd_record *r);
/* The flows held in run into e: what the caller does before anything else
 * reads or moves the engine (an advance, a checkpoint, the end). */
void sdd__engine_end_run(sdd_engine *e, sdd__flow_run *run);
/* Lines a front end skipped for their length (over SDD_LINE_MAX), counted
 * with the engine's (lines_too_long). */
void sdd__engine_count_too_long(sdd_engine *e, uint64_t n);
/* Records refused so far by max_services and max_terminations_per_service:
 * what a front end watches without walking every counter. */
void sdd__engine_refused_by_caps(const sdd_engine *e, uint64_t *services, uint64_t *terminations);
/* Called before (begin 1) and after (begin 0) the engine closes and judges
 * the slots whose end its time has passed, when at least one has: a front
 * end times detection on its own clock (the engine keeps none, so that a
 * replay gives the same output). NULL: not called. */
typedef void (*sdd__judging_fn)(void *ctx, int begin);
void sdd__engine_on_judging(sdd_engine *e, sdd__judging_fn fn, void *ctx);
/* Called when a flow exporter goes silent (silent 1: from `since`) or is
 * back (silent 0: it was silent from `since` to `until`), times in seconds,
 * as the slots closing find it (collection.h): a front end logs it. NULL:
 * not called. */
typedef void (*sdd__collection_event_fn)(void *ctx, sdd_input_kind kind, const sdd_addr *router, int silent,
                                         int64_t since, int64_t until);
void sdd__engine_on_collection(sdd_engine *e, sdd__collection_event_fn fn, void *ctx);

#endif
