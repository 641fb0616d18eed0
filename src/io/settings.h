/* SPDX-License-Identifier: GPL-2.0-or-later */
/* settings.h: what sddd and the pmacct plugin read from the configuration
 * file beside the engine's keys: where records come from, where
 * notifications go, and the Kafka client's settings. The engine never sees
 * them (an embedded engine refuses them as unknown keys); one file holds
 * both, read once by sdd_settings_load. */
#ifndef SDD_IO_SETTINGS_H
#define SDD_IO_SETTINGS_H

#include <stdio.h>

#include "engine/config.h"

typedef struct sdd_settings {
    char flow_input[SDD_PATH_MAX];      /* "kafka:TOPIC", "file:PATH", "-" (stdin) or "" */
    char bmp_input[SDD_PATH_MAX];
    char telemetry_input[SDD_PATH_MAX];
    char output[SDD_PATH_MAX];          /* "file:PATH", "kafka:TOPIC" or "-" */
    char kafka_brokers[SDD_VALUE_MAX];
    char kafka_group_id[SDD_VALUE_MAX];
    char kafka_config_file[SDD_PATH_MAX];   /* librdkafka properties, as pmacct's */
    int state_sync_seconds;             /* how often the engine's state is made durable */
    char output_format[SDD_VALUE_MAX];  /* "avro", "confluent" or "json" */
    char schema_registry[SDD_VALUE_MAX];    /* base URL of a Confluent-compatible registry */
    char spool_dir[SDD_PATH_MAX];       /* where notifications wait for the broker */
    int spool_max_bytes;
    char logfile[SDD_PATH_MAX];         /* log lines appended there (pmacct's key); "" stderr */
    char syslog[SDD_VALUE_MAX];         /* a syslog facility (pmacct's key); "" none */
    char log_level[SDD_VALUE_MAX];      /* "error", "warning" or "info" (the default) */
    char metrics_listen[SDD_VALUE_MAX]; /* ADDRESS:PORT of /metrics, /healthz and the validation page; "" none */
    int web_labels;                     /* the validation page may label (POST); else read-only */
    int input_stall_seconds;            /* /healthz fails when an input is quiet longer; 0 never */
    int output_stall_seconds;           /* ... when notifications wait that long undelivered */
} sdd_settings;

/* The defaults. */
void sdd_settings_init(sdd_settings *s);
/* Reads the file into the engine's configuration and s: 0, or -1 with file,
 * line and reason in err. */
int sdd_settings_load(sdd_settings *s, sdd_config *cfg, const char *path, sdd_error *err);
/* The same, with the keys neither the engine nor sddd knows given to extra
 * (a program's own keys, as the plugin's): it returns 1 when it took the
 * key, 0 when it does not know it either (refused then), -1 with err. */
int sdd_settings_load_with(sdd_settings *s, sdd_config *cfg, const char *path, sdd_config_key_fn extra,
                           void *extra_ctx, sdd_error *err);
/* One key of sddd's: 1 set, 0 not one of sddd's keys, -1 refused (err). */
int sdd_settings_set(sdd_settings *s, const char *key, const char *value, sdd_error *err);
/* Calls fn with the name of every key of sddd's. */
void sdd_settings_each_key(void (*fn)(void *ctx, const char *key), void *ctx);
/* The first key of `fixed` (util/settings.h) whose value differs between
 * a and b; NULL when none does. */
const sdd_fixed_setting *sdd_settings_fixed_change(const sdd_settings *a, const sdd_settings *b,
                                                          const sdd_fixed_setting *fixed);
/* 1 when an input and the output are both Kafka (on the same brokers): the
 * output then commits the input's offsets in its transactions
 * (source_spec.c). */
int sdd_settings_transactional(const sdd_settings *s);

#endif
