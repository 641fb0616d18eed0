/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.h: the configuration contract, parameters and profiles.
 *
 * Every tunable is one row of a table (config.c) with its name, range and
 * default: the names and ranges of the reference implementation's parameter
 * table. A profile is a full set of values; the unscoped keys of a file set
 * the defaults every profile starts from, `key[profile]: value` overrides one
 * profile. Engine-wide settings (slot length, delays, files) are not scoped.
 * The settings of sddd and the plugin (inputs, outputs) are io/settings.h. */
#ifndef SDD_CONFIG_H
#define SDD_CONFIG_H

#include <stdio.h>

#include "sdd/sdd.h"
#include "util/settings.h"

/* Per-profile detection parameters, in the order of the table in config.c. */
typedef enum sdd_param {
    SDD_P_UDP_SUM_PERCENT_THRESHOLD,
    SDD_P_TCP_SUM_PERCENT_THRESHOLD,
    SDD_P_UDP_PATTERN_PERCENT_THRESHOLD,
    SDD_P_UDP_SUM_WEIGHT,
    SDD_P_TCP_SUM_WEIGHT,
    SDD_P_UDP_PATTERN_WEIGHT,
    SDD_P_TCP_SPIKE_WEIGHT,
    SDD_P_SENSITIVITY,
    SDD_P_TIME_DELTA_HOURS,
    SDD_P_PATTERN_LENGTH_MINUTES,
    SDD_P_VOLUME_LENGTH_MINUTES,
    SDD_P_FLATTEN_STEP,
    SDD_P_SPIKE_PERCENT_THRESHOLD,
    SDD_P_SPIKE_CONSTANT_THRESHOLD,
    SDD_P_DROP_PERCENT_THRESHOLD,
    SDD_P_WIDTH,
    SDD_P_DAMP_COEF,
    SDD_P_PREVIOUS_SLOTS,
    SDD_P_OC_MONITOR_MINUTES,
    SDD_P_DROPPED_BYTES_THRESHOLD,
    SDD_P_BMP_PEER_DOWN_WEIGHT,
    SDD_P_BMP_WITHDRAW_WEIGHT,
    SDD_P_BMP_UPDATE_WEIGHT,
    SDD_P_BMP_USUAL_FACTOR,
    SDD_P_BMP_MIN_EVENTS,
    SDD_P_FLOW_FWD_WEIGHT,
    SDD_P_DROP_SHARE_THRESHOLD,
    SDD_P_OC_WEIGHT,
    SDD_P_SATURATION_WEIGHT,
    SDD_P_SATURATION_PERCENT_THRESHOLD,
    SDD_P_SATURATION_MINUTES,
    SDD_P_CONCERN_THRESHOLD,
    SDD_P_CLOSE_AFTER_SLOTS,
    SDD_P_RESUME_MINUTES,
    SDD_P_CHANGE_WINDOW_SUPPRESS,
    SDD_P_BASELINE_WEEKS,
    SDD_P_COUNT
} sdd_param;

#define SDD_PROFILE_NAME_MAX 64
#define SDD_BASELINE_WEEKS_MAX 6        /* see baseline_weeks in config.c */
#define SDD_PATH_MAX 1024

typedef struct sdd_profile {
    char name[SDD_PROFILE_NAME_MAX];
    double v[SDD_P_COUNT];
    char drop_model[SDD_PATH_MAX];      /* "" when not given */
    uint64_t scoped;                    /* bit p: set by `key[name]:`, so unscoped keys leave it */
} sdd_profile;

#define SDD_VALUE_MAX 256

struct sdd_config {
    /* engine */
    int time_step_seconds;
    int data_delay;                     /* seconds the newest records are waited for */
    int allowed_lateness;               /* seconds after closing a slot still added to history */
    int max_clock_skew;                 /* seconds a record may be ahead of the engine's time */
    int source_idle_seconds;            /* a source this far behind the lead no longer holds time back */
    int learn_unknown_rd;               /* an RD of no service forms its own service */
    int learn_route_targets;            /* a BMP route's unknown route target forms a service */
    int max_services;                   /* services kept at most, loaded and learned */
    int max_terminations_per_service;
    int max_global_routes;              /* routes of global peers kept at most (carriers.h) */
    int detect_threads;                 /* a detection cycle's threads; 0: the machine's cores */
    char strategy[SDD_VALUE_MAX];
    char history_file[SDD_PATH_MAX];    /* "" keeps history in memory */
    char inventory_file[SDD_PATH_MAX];
    char state_file[SDD_PATH_MAX];      /* "" keeps no engine state across restarts */
    char holidays[SDD_PATH_MAX];        /* "2026-01-01,2026-12-25": days compared with care */
    /* profiles; [0] is "default" */
    sdd_profile *profiles;
    int n_profiles;
};

const sdd_profile *sdd__config_profile(const sdd_config *cfg, const char *name);  /* NULL if none */
const char *sdd__param_name(sdd_param p);
/* Calls fn with the name of every key the file may hold. */
void sdd__config_each_key(void (*fn)(void *ctx, const char *key), void *ctx);
/* The first engine-wide key of `fixed` (util/settings.h) whose value
 * differs between a and b; NULL when none does. */
const sdd_fixed_setting *sdd__config_fixed_change(const sdd_config *a, const sdd_config *b,
                                                         const sdd_fixed_setting *fixed);
/* The effective configuration, in a form sdd_config_load reads back. */
void sdd__config_write(const sdd_config *cfg, FILE *out);

#endif
