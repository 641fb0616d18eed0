/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload.c: a new configuration and inventory taken by a running engine
 * (sdd_engine_reload, sddd's SIGHUP), keeping its history, open slots and
 * relevant states.
 *
 * What the engine was built around stays: the slots' layout, the history
 * store and the state file, and the clock's idle rule (sddd's Kafka merge
 * uses it too). A new value of one of these is refused with the reason.
 * Everything else is read and checked aside first (configuration,
 * strategy, drop models, holidays, the inventory file into an inventory of
 * its own) and swapped in only when all of it is good, so that a refusal
 * changes nothing. The inventory file is loaded over what the engine knows:
 * services and terminations are added or updated, none removed (a service's
 * history and relevant state live as long as the engine). */
#include <stdlib.h>
#include <string.h>

#include "engine/accum.h"
#include "engine/engine_private.h"
#include "util/error.h"

static const sdd_fixed_setting fixed[] = {
    {"time_step_seconds", "the slots and the history store are laid out in slots of this length"},
    {"data_delay", "the open slots are laid out with it"},
    {"allowed_lateness", "the open slots are laid out with it"},
    {"source_idle_seconds", "the clock and sddd's Kafka merge are set up with it"},
    {"history_file", "the history store is open; a new one would start without the history"},
    {"detect_threads", "the detection threads were started with it"},
    {"state_file", "the engine continued from this state and checkpoints into it"},
    {NULL, NULL},
};

/* What a new configuration is made into before it is taken. */
typedef struct prepared {
    sdd_config cfg;                     /* profiles owned */
    sdd_strategy strategy;
    sdd_drop_models *drop_models;
    int64_t *holidays;
    int n_holidays;
} prepared;

static void prepared_free(prepared *p)
{
    sdd__drop_models_free(p->drop_models);
    free(p->holidays);
    free(p->cfg.profiles);
}

/* The new parameters must find the history they read back in the store,
 * which was sized at start. */
static int check_history(const sdd_engine *e, const prepared *p, sdd_error *err)
{
    sdd_history_shape need;

    sdd__history_shape_for(&p->cfg, &p->strategy, &need);
    if (need.long_slots <= e->shape.long_slots && need.short_slots <= e->shape.short_slots)
        return 0;
    return sdd__fail(err, SDD_E_CONFIG,
                     "the new detection parameters read back %u slots of history, the history store keeps %u "
                     "(sized at start): a restart sizes it anew",
                     need.long_slots > e->shape.long_slots ? need.long_slots : need.short_slots,
                     need.long_slots > e->shape.long_slots ? e->shape.long_slots : e->shape.short_slots);
}

static int prepare(const sdd_engine *e, const sdd_config *cfg, prepared *p, sdd_error *err)
{
    const sdd_fixed_setting *changed;

    memset(p, 0, sizeof(*p));
    if (sdd_config_check(cfg, err) < 0)
        return -1;
    if ((changed = sdd__config_fixed_change(&e->cfg, cfg, fixed)))
        return sdd__fail(err, SDD_E_CONFIG, "%s cannot change while the engine runs: %s", changed->name,
                         changed->why);
    if (sdd__engine_copy_config(&p->cfg, cfg) < 0)
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    if (sdd__strategy_parse(cfg->strategy, &p->strategy, err) < 0 || check_history(e, p, err) < 0 ||
        sdd__holidays_parse(cfg->holidays, &p->holidays, &p->n_holidays, err) < 0)
        return -1;
    p->drop_models = sdd__drop_models_load(&p->cfg, err);
    return p->drop_models ? 0 : -1;
}

/* The inventory file read into an inventory of its own, with the new caps:
 * what it refuses is refused before the engine's changes. */
static int check_inventory(const sdd_engine *e, const sdd_config *cfg, sdd_error *err)
{
    sdd_inventory *inv;
    int rc;

    if (sdd__check_profiles(cfg, e->inv, "the running inventory", err) < 0)
        return -1;
    if (!cfg->inventory_file[0])
        return 0;
    if (!(inv = sdd__inventory_new(cfg->learn_unknown_rd)))
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    sdd__inventory_limit(inv, cfg->learn_route_targets, cfg->max_services, cfg->max_terminations_per_service);
    rc = sdd__inventory_load(inv, cfg->inventory_file, err);
    if (rc == 0)
        rc = sdd__check_profiles(cfg, inv, cfg->inventory_file, err);
    sdd__inventory_free(inv);
    return rc;
}

/* The prepared configuration replaces the engine's (whose parts p then
 * owns, to be freed). */
static void swap_in(sdd_engine *e, prepared *p)
{
    sdd_config old_cfg = e->cfg;
    sdd_drop_models *old_models = e->drop_models;
    int64_t *old_days = e->holidays;

    e->cfg = p->cfg;
    e->strategy = p->strategy;
    e->drop_models = p->drop_models;
    e->holidays = p->holidays;
    e->n_holidays = p->n_holidays;
    e->clock.skew = e->cfg.max_clock_skew;
    sdd__inventory_learn_unknown_rd(e->inv, e->cfg.learn_unknown_rd);
    sdd__inventory_limit(e->inv, e->cfg.learn_route_targets, e->cfg.max_services,
                         e->cfg.max_terminations_per_service);
    e->carriers.max_routes = (uint64_t)e->cfg.max_global_routes;     /* kept ones stay; new ones wait */
    p->cfg = old_cfg;
    p->drop_models = old_models;
    p->holidays = old_days;
}

int sdd_engine_reload(sdd_engine *e, const sdd_config *cfg, sdd_error *err)
{
    prepared p;
    int rc;

    if (!e || !cfg)
        return sdd__fail(err, SDD_E_ARG, "sdd_engine_reload: no engine or no configuration");
    sdd__engine_fold(e);                /* the inventory may number services anew */
    rc = prepare(e, cfg, &p, err);
    if (rc == 0)
        rc = check_inventory(e, cfg, err);
    if (rc == 0) {
        swap_in(e, &p);
        /* checked above; only memory or the engine's learned services
         * filling the caps can refuse it now, and what was loaded stays */
        if (e->cfg.inventory_file[0])
            rc = sdd__inventory_load(e->inv, e->cfg.inventory_file, err);
        sdd__services_reprofile(&e->services, e->inv, &e->cfg);
    }
    prepared_free(&p);
    return rc;
}
