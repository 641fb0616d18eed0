/* SPDX-License-Identifier: GPL-2.0-or-later */
/* settings.c: see settings.h. */
#include <string.h>

#include "io/settings.h"
#include "util/error.h"
#include "util/settings.h"

static const sdd_setting table[] = {
    SDD_SETTING_TEXT(sdd_settings, flow_input),
    SDD_SETTING_TEXT(sdd_settings, bmp_input),
    SDD_SETTING_TEXT(sdd_settings, telemetry_input),
    SDD_SETTING_TEXT(sdd_settings, output),
    SDD_SETTING_TEXT(sdd_settings, kafka_brokers),
    SDD_SETTING_TEXT(sdd_settings, kafka_group_id),
    SDD_SETTING_TEXT(sdd_settings, kafka_config_file),
    SDD_SETTING_INT(sdd_settings, state_sync_seconds, 1, 86400),
    SDD_SETTING_TEXT(sdd_settings, output_format),
    SDD_SETTING_TEXT(sdd_settings, schema_registry),
    SDD_SETTING_TEXT(sdd_settings, spool_dir),
    SDD_SETTING_INT(sdd_settings, spool_max_bytes, 4096, 2147483647),
    SDD_SETTING_TEXT(sdd_settings, logfile),
    SDD_SETTING_TEXT(sdd_settings, syslog),
    SDD_SETTING_TEXT(sdd_settings, log_level),
    SDD_SETTING_TEXT(sdd_settings, metrics_listen),
    SDD_SETTING_BOOL(sdd_settings, web_labels),
    SDD_SETTING_INT(sdd_settings, input_stall_seconds, 0, 86400),
    SDD_SETTING_INT(sdd_settings, output_stall_seconds, 1, 86400),
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

void sdd_settings_init(sdd_settings *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->kafka_group_id, sizeof(s->kafka_group_id), "%s", "pmacct-sdd");
    snprintf(s->output_format, sizeof(s->output_format), "%s", "avro");
    s->spool_max_bytes = 104857600;
    s->state_sync_seconds = 60;
    s->output_stall_seconds = 60;
}

int sdd_settings_set(sdd_settings *s, const char *key, const char *value, sdd_error *err)
{
    const sdd_setting *d = sdd__setting_find(table, N_TABLE, key);

    if (!d)
        return 0;
    return sdd__setting_apply(d, s, value, err) < 0 ? -1 : 1;
}

typedef struct loading {
    sdd_settings *s;
    sdd_config_key_fn extra;
    void *extra_ctx;
} loading;

static int take_key(void *ctx, const char *key, const char *scope, const char *value, sdd_error *err)
{
    loading *l = ctx;

    if (scope && *scope && sdd__setting_find(table, N_TABLE, key))
        return sdd__fail(err, SDD_E_CONFIG, "%s: a setting of sddd cannot be scoped to profile '%s'", key, scope);
    int rc = sdd_settings_set(l->s, key, value, err);
    if (rc == 0 && l->extra)
        return l->extra(l->extra_ctx, key, scope, value, err);
    return rc;
}

int sdd_settings_load_with(sdd_settings *s, sdd_config *cfg, const char *path, sdd_config_key_fn extra,
                           void *extra_ctx, sdd_error *err)
{
    loading l = {s, extra, extra_ctx};

    return sdd_config_load_with(cfg, path, take_key, &l, err);
}

int sdd_settings_load(sdd_settings *s, sdd_config *cfg, const char *path, sdd_error *err)
{
    return sdd_settings_load_with(s, cfg, path, NULL, NULL, err);
}

void sdd_settings_each_key(void (*fn)(void *ctx, const char *key), void *ctx)
{
    for (size_t i = 0; i < N_TABLE; i++)
        fn(ctx, table[i].name);
}

const sdd_fixed_setting *sdd_settings_fixed_change(const sdd_settings *a, const sdd_settings *b,
                                                   const sdd_fixed_setting *fixed)
{
    return sdd__setting_fixed_change(table, N_TABLE, fixed, a, b);
}
