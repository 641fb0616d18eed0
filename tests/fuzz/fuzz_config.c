/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_config.c: fuzz target of the configuration file's two readers: the
 * engine's (sdd_config_load, then sdd_config_check and the strategy's name)
 * and sddd's (io/settings.h sdd_settings_load, which hands the engine's keys
 * to sdd_config_set). A configuration both accept makes an engine, with the
 * keys naming files cleared first so that no fuzz input writes or reads a
 * file outside the scratch directory. */
#include <stdlib.h>

#include "engine/config.h"
#include "detect/strategy.h"
#include "io/settings.h"
#include "fuzz.h"

static void try_engine(sdd_config *cfg)
{
    sdd_error err;

    cfg->history_file[0] = cfg->state_file[0] = cfg->inventory_file[0] = '\0';
    for (int i = 0; i < cfg->n_profiles; i++)
        cfg->profiles[i].drop_model[0] = '\0';
    sdd_engine_free(sdd_engine_new(cfg, &err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    sdd_config *cfg = sdd_config_new(), *with = sdd_config_new();
    sdd_settings set;
    sdd_strategy strategy;
    sdd_error err;

    if (!cfg || !with)
        abort();
    fuzz_path(path, "sdd.conf");
    fuzz_write(path, data, size);
    if (sdd_config_load(cfg, path, &err) == 0 && sdd_config_check(cfg, &err) == 0)
        sdd__strategy_parse(cfg->strategy, &strategy, &err);
    sdd_settings_init(&set);
    if (sdd_settings_load(&set, with, path, &err) == 0 && sdd_config_check(with, &err) == 0)
        try_engine(with);
    sdd_config_free(cfg);
    sdd_config_free(with);
    return 0;
}
