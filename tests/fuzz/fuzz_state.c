/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_state.c: fuzz target of the engine's state file (the checkpoint,
 * engine/checkpoint.c: the binary format of state_bin.c, and the JSON of
 * versions 2 and 3 in state_json.c; the seed corpus has both). The input is
 * the state_file of an engine with the configuration of fuzz.h, which
 * sdd_engine_new reads back; a state it accepts is then written again
 * (sdd_engine_sync, over the input's file) and the engine finishes,
 * closing every slot the state left open. */
#include <stdlib.h>

#include "sdd/sdd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    sdd_config *cfg = sdd_config_new();
    sdd_engine *e;
    sdd_error err;

    if (!cfg)
        abort();
    fuzz_engine_config(cfg, 1);
    fuzz_path(path, "state.json");
    fuzz_write(path, data, size);
    if (sdd_config_set(cfg, "state_file", NULL, path, &err) < 0)
        abort();
    e = sdd_engine_new(cfg, &err);
    if (e) {
        sdd_engine_sync(e, &err);
        sdd_engine_finish(e);
        sdd_engine_free(e);
    }
    sdd_config_free(cfg);
    return 0;
}
