/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_engine.c: fuzz target of the engine fed pmacct's JSON lines
 * (sdd_engine_add_json): a new engine with the configuration and the
 * inventory of fuzz.h gets every line of the input as a flow record, a BMP
 * event and a telemetry record in turn, then finishes, which closes every
 * open slot and runs the detectors, the lifecycle and the notifications. */
#include <stdlib.h>
#include <string.h>

#include "sdd/sdd.h"
#include "fuzz.h"

static void on_notification(void *ctx, const sdd_notification *n)
{
    (void)ctx;
    if (!n->id || !n->vpn_id || !n->json || n->json[0] != '{')
        abort();
}

static void on_counter(void *ctx, const char *name, uint64_t value)
{
    (void)ctx;
    (void)value;
    if (!name || !name[0])
        abort();
}

static void add_line(void *ctx, const char *line, size_t len)
{
    sdd_engine *e = ctx;

    sdd_engine_add_json(e, SDD_INPUT_FLOW, line, len);
    sdd_engine_add_json(e, SDD_INPUT_BMP, line, len);
    sdd_engine_add_json(e, SDD_INPUT_TELEMETRY, line, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sdd_config *cfg = sdd_config_new();
    sdd_engine *e;
    sdd_error err;

    if (!cfg)
        abort();
    fuzz_engine_config(cfg, 0);
    e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    if (!e)
        abort();
    sdd_engine_on_notification(e, on_notification, NULL);
    fuzz_each_line(data, size, add_line, e);
    sdd_engine_finish(e);
    sdd_engine_counters(e, on_counter, NULL);
    sdd_engine_free(e);
    return 0;
}
