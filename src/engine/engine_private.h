/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine_private.h: the engine handle's structure, shared by the two files
 * that work on the whole handle, engine.c and checkpoint.c, and no one
 * else. The parts they rest on have modules of their own: slots.h,
 * services.h, history.h, inventory.h. */
#ifndef SDD_ENGINE_PRIVATE_H
#define SDD_ENGINE_PRIVATE_H

#include "detect/drop_model.h"
#include "detect/strategy.h"
#include "engine/clock.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "engine/inventory.h"
#include "engine/services.h"
#include "engine/slots.h"
#include "parse/input.h"

#define SDD_SYMPTOMS_MAX 32

typedef enum counter {
    C_FLOWS, C_BMP, C_IFACE, C_LATE_ADDED, C_LATE_DROPPED, C_SLOTS_CLOSED, C_NOTIFICATIONS,
    C_IN_CHANGE_WINDOW, C_NOTIFICATIONS_FAILED, C_REFUSED, C_FUTURE_DROPPED, C_SLOTS_SKIPPED, C_RIB_DUMP, C_LINES_TOO_LONG,
    C_BMP_TIME_FROM_ARRIVAL, C_COUNT
} counter;

struct sdd_engine {
    sdd_config cfg;                     /* profiles owned */
    sdd_inventory *inv;
    sdd_history *hist;
    sdd_history_shape shape;
    sdd__services services;
    sdd__slots slots;
    sdd__clock clock;
    int64_t *holidays;                  /* day numbers (days since the epoch), sorted */
    int n_holidays;
    char *cursor;                       /* the application's text kept with the state */
    uint64_t counters[C_COUNT];
    uint64_t skipped[3][SDD_SKIP_COUNT];
    uint64_t unmapped[SDD_UNMAPPED_COUNT];
    sdd_strategy strategy;
    sdd_drop_models *drop_models;
    sdd_notify_fn notify;
    void *notify_ctx;
    char **strings;                     /* symptom texts read back from a state file */
    int n_strings;
};

/* checkpoint.c: continues from the state file, if the configuration names
 * one that exists: -1 with err when it cannot be used. */
int sdd__checkpoint_load(sdd_engine *e, sdd_error *err);
/* The state file written atomically (sdd_engine_sync). */
int sdd__checkpoint_save(sdd_engine *e, sdd_error *err);

#endif
