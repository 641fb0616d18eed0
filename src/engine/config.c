/* config.c: reads pmacct-style configuration into parameters and profiles.
 *
 * Lines are `key: value`; `!` starts a comment line; `key[profile]: value`
 * sets a value for one profile only. Parameter names, meanings and ranges are
 * those of the reference implementation's table (docs/configuration.md lists
 * them with their defaults). Anything wrong is refused at load with the file,
 * the line and the reason: an unknown key, a value that is not a number or is
 * out of range, or values that contradict each other. */
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "engine/config.h"

typedef struct param_def {
    const char *name;
    int is_int;
    double min, max;
    double def;
} param_def;

/* Indexed by sdd_param. Ranges that depend on other values are checked in
 * check_profile(). */
static const param_def params[SDD_P_COUNT] = {
    [SDD_P_UDP_SUM_PERCENT_THRESHOLD] = {"udp_sum_percent_threshold", 0, 0, 1, 0.5},
    [SDD_P_TCP_SUM_PERCENT_THRESHOLD] = {"tcp_sum_percent_threshold", 0, 0, 1, 0.5},
    [SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = {"udp_pattern_percent_threshold", 0, 0, 1, 0.5},
    [SDD_P_UDP_SUM_WEIGHT] = {"udp_sum_weight", 0, 0, 1, 0.3},
    [SDD_P_TCP_SUM_WEIGHT] = {"tcp_sum_weight", 0, 0, 1, 0.3},
    [SDD_P_UDP_PATTERN_WEIGHT] = {"udp_pattern_weight", 0, 0, 1, 0.2},
    [SDD_P_TCP_SPIKE_WEIGHT] = {"tcp_spike_weight", 0, 0, 1, 0.2},
    [SDD_P_SENSITIVITY] = {"sensitivity", 0, 0, INFINITY, 3.0},
    [SDD_P_TIME_DELTA_HOURS] = {"time_delta_hours", 1, 0, INT_MAX, 168},
    [SDD_P_PATTERN_LENGTH_MINUTES] = {"pattern_length_minutes", 1, 0, INT_MAX, 60},
    [SDD_P_VOLUME_LENGTH_MINUTES] = {"volume_length_minutes", 1, 0, INT_MAX, 10},
    [SDD_P_FLATTEN_STEP] = {"flatten_step", 1, 1, INT_MAX, 3},
    [SDD_P_SPIKE_PERCENT_THRESHOLD] = {"spike_percent_threshold", 0, 0, 1, 0.5},
    [SDD_P_SPIKE_CONSTANT_THRESHOLD] = {"spike_constant_threshold", 0, 0, INFINITY, 20},
    [SDD_P_DROP_PERCENT_THRESHOLD] = {"drop_percent_threshold", 0, 0, 1, 0.5},
    [SDD_P_WIDTH] = {"width", 1, 1, INT_MAX, 3},
    [SDD_P_DAMP_COEF] = {"damp_coef", 0, 0, 1, 0.5},
    [SDD_P_PREVIOUS_SLOTS] = {"previous_slots", 1, 0, INT_MAX, 5},
    [SDD_P_OC_MONITOR_MINUTES] = {"oc_monitor_minutes", 1, 2, INT_MAX, 5},
    [SDD_P_DROPPED_BYTES_THRESHOLD] = {"dropped_bytes_threshold", 1, 0, 9.007199254740992e15, 100000},
    [SDD_P_BMP_PEER_DOWN_WEIGHT] = {"bmp_peer_down_weight", 0, 0, 1, 1.0},
    [SDD_P_BMP_WITHDRAW_WEIGHT] = {"bmp_withdraw_weight", 0, 0, 1, 0.5},
    [SDD_P_BMP_UPDATE_WEIGHT] = {"bmp_update_weight", 0, 0, 1, 0.3},
    [SDD_P_BMP_USUAL_FACTOR] = {"bmp_usual_factor", 0, 1, 1e6, 5},
    [SDD_P_BMP_MIN_EVENTS] = {"bmp_min_events", 0, 0, 1e9, 10},
    [SDD_P_FLOW_FWD_WEIGHT] = {"flow_fwd_weight", 0, 0, 1, 0.5},
    [SDD_P_DROP_SHARE_THRESHOLD] = {"drop_share_threshold", 0, 0, 1, 0.05},
    [SDD_P_OC_WEIGHT] = {"oc_weight", 0, 0, 1, 0.5},
    [SDD_P_SATURATION_WEIGHT] = {"saturation_weight", 0, 0, 1, 1.0},
    [SDD_P_SATURATION_PERCENT_THRESHOLD] = {"saturation_percent_threshold", 0, 0, 1, 0.9},
    [SDD_P_SATURATION_MINUTES] = {"saturation_minutes", 1, 1, 10080, 15},
    [SDD_P_CONCERN_THRESHOLD] = {"concern_threshold", 1, 1, 100, 50},
    [SDD_P_CLOSE_AFTER_SLOTS] = {"close_after_slots", 1, 1, 10080, 5},
};

const char *sdd__param_name(sdd_param p)
{
    return p < SDD_P_COUNT ? params[p].name : "?";
}

static void profile_defaults(sdd_profile *p, const char *name)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", name);
    for (int i = 0; i < SDD_P_COUNT; i++)
        p->v[i] = params[i].def;
}

sdd_config *sdd_config_new(void)
{
    sdd_config *cfg = calloc(1, sizeof(*cfg));

    if (!cfg)
        return NULL;
    cfg->profiles = calloc(1, sizeof(*cfg->profiles));
    if (!cfg->profiles) {
        free(cfg);
        return NULL;
    }
    cfg->n_profiles = 1;
    profile_defaults(&cfg->profiles[0], "default");
    cfg->time_step_seconds = 60;
    cfg->data_delay = 120;
    cfg->allowed_lateness = 600;
    snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", "volume-1-pattern-1-flow-count-1-peer-down-1-withdraw-1-update-1-flow-fwd-1-oc-1-saturation-1-pipeline");
    snprintf(cfg->kafka_group_id, sizeof(cfg->kafka_group_id), "%s", "pmacct-sdd");
    snprintf(cfg->output_format, sizeof(cfg->output_format), "%s", "avro");
    cfg->spool_max_bytes = 104857600;
    cfg->state_sync_seconds = 60;
    return cfg;
}

void sdd_config_free(sdd_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->profiles);
    free(cfg);
}

const sdd_profile *sdd__config_profile(const sdd_config *cfg, const char *name)
{
    for (int i = 0; i < cfg->n_profiles; i++)
        if (strcmp(cfg->profiles[i].name, name) == 0)
            return &cfg->profiles[i];
    return NULL;
}

/* The profile called `name`, created from the defaults if new. */
static sdd_profile *profile_get(sdd_config *cfg, const char *name)
{
    sdd_profile *grown;

    for (int i = 0; i < cfg->n_profiles; i++)
        if (strcmp(cfg->profiles[i].name, name) == 0)
            return &cfg->profiles[i];
    grown = realloc(cfg->profiles, (size_t)(cfg->n_profiles + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    cfg->profiles = grown;
    grown[cfg->n_profiles] = grown[0];
    snprintf(grown[cfg->n_profiles].name, sizeof(grown->name), "%s", name);
    grown[cfg->n_profiles].scoped = 0;
    return &grown[cfg->n_profiles++];
}

static int parse_number(const char *text, int is_int, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    if (is_int && v != floor(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *text, int *out)
{
    if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "no")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int find_param(const char *key)
{
    for (int i = 0; i < SDD_P_COUNT; i++)
        if (strcmp(params[i].name, key) == 0)
            return i;
    return -1;
}

/* Sets a value on `prof`, or on every profile that did not scope it. */
static void apply_value(sdd_config *cfg, sdd_profile *prof, int p, double v)
{
    if (prof) {
        prof->v[p] = v;
        prof->scoped |= 1ULL << p;
        return;
    }
    for (int i = 0; i < cfg->n_profiles; i++)
        if (!(cfg->profiles[i].scoped & (1ULL << p)))
            cfg->profiles[i].v[p] = v;
}

static void apply_drop_model(sdd_config *cfg, sdd_profile *prof, const char *path)
{
    const uint64_t bit = 1ULL << SDD_P_COUNT;

    for (int i = 0; i < cfg->n_profiles; i++) {
        sdd_profile *p = &cfg->profiles[i];
        if (prof ? p == prof : !(p->scoped & bit))
            snprintf(p->drop_model, sizeof(p->drop_model), "%s", path);
    }
    if (prof)
        prof->scoped |= bit;
}

typedef enum setting_type { SET_INT, SET_BOOL, SET_TEXT } setting_type;

/* Engine-wide and daemon settings: not scoped to profiles. */
typedef struct setting_def {
    const char *name;
    setting_type type;
    size_t offset, size;
    int min, max;
} setting_def;

#define INT_SETTING(f, lo, hi) {#f, SET_INT, offsetof(sdd_config, f), sizeof(int), lo, hi}
#define TEXT_SETTING(f) {#f, SET_TEXT, offsetof(sdd_config, f), sizeof(((sdd_config *)0)->f), 0, 0}

static const setting_def settings[] = {
    INT_SETTING(time_step_seconds, 60, 86400),
    INT_SETTING(data_delay, 0, 86400),
    INT_SETTING(allowed_lateness, 0, 7 * 86400),
    {"learn_unknown_rd", SET_BOOL, offsetof(sdd_config, learn_unknown_rd), sizeof(int), 0, 1},
    TEXT_SETTING(strategy),
    TEXT_SETTING(history_file),
    TEXT_SETTING(inventory_file),
    TEXT_SETTING(state_file),
    TEXT_SETTING(holidays),
    TEXT_SETTING(flow_input),
    TEXT_SETTING(bmp_input),
    TEXT_SETTING(telemetry_input),
    TEXT_SETTING(output),
    TEXT_SETTING(kafka_brokers),
    TEXT_SETTING(kafka_group_id),
    TEXT_SETTING(kafka_config_file),
    INT_SETTING(state_sync_seconds, 1, 86400),
    TEXT_SETTING(output_format),
    TEXT_SETTING(schema_registry),
    TEXT_SETTING(spool_dir),
    INT_SETTING(spool_max_bytes, 4096, 2147483647),
};

static int apply_setting(sdd_config *cfg, const setting_def *d, const char *value, sdd_error *err)
{
    char *field = (char *)cfg + d->offset;
    double v;

    switch (d->type) {
    case SET_INT:
        if (parse_number(value, 1, &v) < 0 || v < d->min || v > d->max)
            return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' is not a whole number in %d..%d", d->name, value, d->min, d->max);
        *(int *)field = (int)v;
        return 0;
    case SET_BOOL:
        if (parse_bool(value, (int *)field) < 0)
            return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' is not true or false", d->name, value);
        return 0;
    default:
        if (strlen(value) >= d->size)
            return sdd__fail(err, SDD_E_CONFIG, "%s: value longer than %zu characters", d->name, d->size - 1);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
}

static const setting_def *find_setting(const char *key)
{
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (strcmp(settings[i].name, key) == 0)
            return &settings[i];
    return NULL;
}

int sdd_config_set(sdd_config *cfg, const char *key, const char *scope, const char *value, sdd_error *err)
{
    sdd_profile *prof = NULL;
    double v;
    int p;

    if (scope && *scope) {
        prof = profile_get(cfg, scope);
        if (!prof)
            return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    }
    if (!strcmp(key, "drop_model")) {
        if (strlen(value) >= SDD_PATH_MAX)
            return sdd__fail(err, SDD_E_CONFIG, "drop_model: path too long");
        apply_drop_model(cfg, prof, value);
        return 0;
    }
    p = find_param(key);
    if (p < 0) {
        const setting_def *d = find_setting(key);
        if (!d)
            return sdd__fail(err, SDD_E_CONFIG, "unknown key '%s'", key);
        if (prof)
            return sdd__fail(err, SDD_E_CONFIG, "%s: an engine-wide setting cannot be scoped to profile '%s'", key, scope);
        return apply_setting(cfg, d, value, err);
    }
    if (parse_number(value, params[p].is_int, &v) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' is not a %s", key, value, params[p].is_int ? "whole number" : "number");
    if (v < params[p].min || v > params[p].max)
        return sdd__fail(err, SDD_E_CONFIG, "%s: %s is outside %g..%g", key, value, params[p].min, params[p].max);
    apply_value(cfg, prof, p, v);
    return 0;
}

/* Ranges of the table that depend on other values. */
static int check_profile(const sdd_config *cfg, const sdd_profile *p, sdd_error *err)
{
    double pattern = p->v[SDD_P_PATTERN_LENGTH_MINUTES];
    double slots = pattern * 60 / cfg->time_step_seconds;
    double semi = floor(slots / 2) - 1;

    if (p->v[SDD_P_VOLUME_LENGTH_MINUTES] > pattern)
        return sdd__fail(err, SDD_E_CONFIG, "profile %s: volume_length_minutes (%g) is longer than pattern_length_minutes (%g)",
                    p->name, p->v[SDD_P_VOLUME_LENGTH_MINUTES], pattern);
    if (cfg->time_step_seconds > pattern * 60)
        return sdd__fail(err, SDD_E_CONFIG, "profile %s: time_step_seconds (%d) is longer than pattern_length_minutes*60 (%g)",
                    p->name, cfg->time_step_seconds, pattern * 60);
    if (p->v[SDD_P_FLATTEN_STEP] > semi)
        return sdd__fail(err, SDD_E_CONFIG, "profile %s: flatten_step (%g) exceeds pattern_length_minutes*60/time_step_seconds/2-1 (%g)",
                    p->name, p->v[SDD_P_FLATTEN_STEP], semi);
    if (p->v[SDD_P_WIDTH] > semi)
        return sdd__fail(err, SDD_E_CONFIG, "profile %s: width (%g) exceeds pattern_length_minutes*60/time_step_seconds/2-1 (%g)",
                    p->name, p->v[SDD_P_WIDTH], semi);
    return 0;
}

int sdd_config_check(const sdd_config *cfg, sdd_error *err)
{
    for (int i = 0; i < cfg->n_profiles; i++)
        if (check_profile(cfg, &cfg->profiles[i], err) < 0)
            return -1;
    return 0;
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* Splits "key[scope]: value" in place. */
static int split_line(char *line, char **key, char **scope, char **value)
{
    char *colon = strchr(line, ':');
    char *open;

    if (!colon)
        return -1;
    *colon = '\0';
    *value = trim(colon + 1);
    *key = trim(line);
    *scope = NULL;
    open = strchr(*key, '[');
    if (open) {
        char *close = strchr(open, ']');
        if (!close || close[1] != '\0' || close == open + 1)
            return -1;
        *close = '\0';
        *open = '\0';
        *scope = trim(open + 1);
        *key = trim(*key);
    }
    for (char *c = *key; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return **key ? 0 : -1;
}

static int load_line(sdd_config *cfg, char *raw, const char *path, int lineno, sdd_error *err)
{
    char *line = trim(raw), *key, *scope, *value;
    sdd_error why;

    if (*line == '\0' || *line == '!' || *line == '#')
        return 0;
    if (split_line(line, &key, &scope, &value) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s:%d: expected 'key: value' or 'key[profile]: value'", path, lineno);
    if (sdd_config_set(cfg, key, scope, value, &why) < 0)
        return sdd__fail(err, why.code, "%s:%d: %s", path, lineno, why.msg);
    return 0;
}

int sdd_config_load(sdd_config *cfg, const char *path, sdd_error *err)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    int lineno = 0, rc = 0;

    if (!f)
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    while (rc == 0 && fgets(buf, sizeof(buf), f)) {
        lineno++;
        if (!strchr(buf, '\n') && !feof(f))
            rc = sdd__fail(err, SDD_E_CONFIG, "%s:%d: line longer than %zu characters", path, lineno, sizeof(buf) - 2);
        else
            rc = load_line(cfg, buf, path, lineno, err);
    }
    if (rc == 0 && ferror(f))
        rc = sdd__fail(err, SDD_E_CONFIG, "%s: read error", path);
    fclose(f);
    if (rc == 0 && sdd_config_check(cfg, err) < 0)
        rc = sdd__fail_prefix(err, "%s", path);
    return rc;
}

static void write_value(FILE *out, const char *key, const char *scope, double v)
{
    if (scope)
        fprintf(out, "%s[%s]: %.15g\n", key, scope, v);
    else
        fprintf(out, "%s: %.15g\n", key, v);
}

void sdd__config_each_key(void (*fn)(void *ctx, const char *key), void *ctx)
{
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        fn(ctx, settings[i].name);
    for (int p = 0; p < SDD_P_COUNT; p++)
        fn(ctx, params[p].name);
    fn(ctx, "drop_model");
}

static void write_setting(const sdd_config *cfg, const setting_def *d, FILE *out)
{
    const char *field = (const char *)cfg + d->offset;

    if (d->type == SET_INT)
        fprintf(out, "%s: %d\n", d->name, *(const int *)field);
    else if (d->type == SET_BOOL)
        fprintf(out, "%s: %s\n", d->name, *(const int *)field ? "true" : "false");
    else if (field[0])
        fprintf(out, "%s: %s\n", d->name, field);
}

void sdd__config_write(const sdd_config *cfg, FILE *out)
{
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        write_setting(cfg, &settings[i], out);
    for (int p = 0; p < SDD_P_COUNT; p++)
        write_value(out, params[p].name, NULL, cfg->profiles[0].v[p]);
    if (cfg->profiles[0].drop_model[0])
        fprintf(out, "drop_model: %s\n", cfg->profiles[0].drop_model);
    for (int i = 1; i < cfg->n_profiles; i++) {
        const sdd_profile *prof = &cfg->profiles[i];
        for (int p = 0; p < SDD_P_COUNT; p++)
            /* the first value always, so that the profile exists on reload */
            if (prof->v[p] != cfg->profiles[0].v[p] || p == 0)
                write_value(out, params[p].name, prof->name, prof->v[p]);
        if (strcmp(prof->drop_model, cfg->profiles[0].drop_model) != 0)
            fprintf(out, "drop_model[%s]: %s\n", prof->name, prof->drop_model);
    }
}
