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
/* n parsed flows in their order, as sdd__engine_add_record adds one (through
 * the engine's own handles), every one added when it returns: a caller with
 * a run of consecutive flows lets the engine ask memory for their handles
 * ahead. */
void sdd__engine_add_flow_run(sdd_engine *e, const sdd_flow *f, size_t n);
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
