/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine_private.h: the engine handle's structure, shared by the two files
 * that work on the whole handle, engine.c and checkpoint.c, and no one
 * else. The parts they rest on have modules of their own: slots.h,
 * services.h, history.h, inventory.h. */
#ifndef SDD_ENGINE_PRIVATE_H
#define SDD_ENGINE_PRIVATE_H

#include "detect/drop_model.h"
#include "detect/strategy.h"
#include "engine/carriers.h"
#include "engine/clock.h"
#include "engine/collection.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "engine/inventory.h"
#include "engine/resolve.h"
#include "engine/services.h"
#include "engine/slots.h"
#include "engine/workers.h"
#include "parse/input.h"

#include <sys/types.h>

#define SDD_SYMPTOMS_MAX 32

/* Where the inventory's section is in the state file the last checkpoint
 * wrote (state_bin.c): the next one copies it from there while the
 * inventory has not changed, instead of writing it again. */
typedef struct sdd__state_inventory {
    uint64_t version;                   /* sdd__inventory_version when written; 0: none */
    dev_t dev;                          /* of the state file */
    ino_t ino;
    int64_t off, len;                   /* the whole section: header, payload, checksum */
} sdd__state_inventory;

typedef enum counter {
    C_FLOWS, C_BMP, C_IFACE, C_LATE_ADDED, C_LATE_DROPPED, C_SLOTS_CLOSED, C_NOTIFICATIONS,
    C_IN_CHANGE_WINDOW, C_NOTIFICATIONS_FAILED, C_REFUSED, C_FUTURE_DROPPED, C_SLOTS_SKIPPED, C_RIB_DUMP, C_LINES_TOO_LONG,
    C_BMP_TIME_FROM_ARRIVAL, C_NOT_JUDGED_GAP, C_OTHER_PATH, C_COUNT
} counter;

struct sdd_engine {
    sdd_config cfg;                     /* profiles owned */
    sdd_inventory *inv;
    sdd_history *hist;
    sdd_history_shape shape;
    sdd__services services;
    sdd__carriers carriers;             /* which global peers carry which services */
    sdd__slots slots;
    sdd__clock clock;
    sdd__collection collection;         /* which exporters had gaps */
    int64_t *holidays;                  /* day numbers (days since the epoch), sorted */
    int n_holidays;
    char *cursor;                       /* the application's text kept with the state */
    sdd__state_inventory state_inv;
    uint64_t counters[C_COUNT];
    uint64_t skipped[3][SDD_SKIP_COUNT];
    uint64_t unmapped[SDD_UNMAPPED_COUNT];
    sdd_strategy strategy;
    sdd_drop_models *drop_models;
    sdd_notify_fn notify;
    void *notify_ctx;
    sdd__judging_fn judging;            /* sdd__engine_on_judging */
    void *judging_ctx;
    char **strings;                     /* symptom texts read back from a state file */
    int n_strings;
    sdd__resolver resolver;             /* mappings of the per-record path */
    sdd__mapping *handles;              /* sdd_engine_flow_handle's */
    uint32_t n_handles, cap_handles;
    struct sdd__acc *accs;              /* each handle's open slot's sums (accum.h) */
    uint32_t *listed;                   /* the handles whose accumulators hold sums */
    uint32_t n_listed;
    struct sdd__flow_batch *batch;      /* the handles of sdd__engine_add_record's flows; NULL before the first */
    sdd__workers *workers;              /* detect_threads; NULL: the calling thread alone */
    struct sdd__verdict *verdicts;      /* per service, of the slot being closed (engine.c) */
    int n_verdicts;
    int64_t memo_start, memo_slot;      /* the slot last accounted to, from its first second */
    int memo_row;                       /* and its row (calloc: slot 0 from second 0, row 0) */
};

/* engine.c, for reload.c: a deep copy of src into dst (its profiles are
 * dst's); -1 when out of memory. */
int sdd__engine_copy_config(sdd_config *dst, const sdd_config *src);
/* "2026-12-25,2026-12-26" appended to the day numbers *days, sorted. */
int sdd__holidays_parse(const char *list, int64_t **days, int *n, sdd_error *err);
/* The history the strategy's detectors read back under every profile of
 * cfg; each tier at least the slots history keeps exact sums of. */
void sdd__history_shape_for(const sdd_config *cfg, const sdd_strategy *strategy, sdd_history_shape *shape);
/* A service's profile must be one cfg defines: one that is not would
 * silently get the defaults. -1 naming path and the service. */
int sdd__check_profiles(const sdd_config *cfg, sdd_inventory *inv, const char *path, sdd_error *err);

/* checkpoint.c: continues from the state file, if the configuration names
 * one that exists: -1 with err when it cannot be used. */
int sdd__checkpoint_load(sdd_engine *e, sdd_error *err);
/* The state file written atomically (sdd_engine_sync). */
int sdd__checkpoint_save(sdd_engine *e, sdd_error *err);

#endif
