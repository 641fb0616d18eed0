/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include "util/map.h"
#include "util/settings.h"

typedef struct param_def {
    const char *name;
    int is_int;
    double min, max;
    double def;
    const char *why_max;                /* what makes max the limit; NULL when the range is the table's */
} param_def;

/* Indexed by sdd_param. Ranges that depend on other values are checked in
 * check_profile(). */
static const param_def params[SDD_P_COUNT] = {
    [SDD_P_UDP_SUM_PERCENT_THRESHOLD] = {"udp_sum_percent_threshold", 0, 0, 1, 0.5, NULL},
    [SDD_P_TCP_SUM_PERCENT_THRESHOLD] = {"tcp_sum_percent_threshold", 0, 0, 1, 0.5, NULL},
    [SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = {"udp_pattern_percent_threshold", 0, 0, 1, 0.5, NULL},
    [SDD_P_UDP_SUM_WEIGHT] = {"udp_sum_weight", 0, 0, 1, 0.3, NULL},
    [SDD_P_TCP_SUM_WEIGHT] = {"tcp_sum_weight", 0, 0, 1, 0.3, NULL},
    [SDD_P_UDP_PATTERN_WEIGHT] = {"udp_pattern_weight", 0, 0, 1, 0.2, NULL},
    [SDD_P_TCP_SPIKE_WEIGHT] = {"tcp_spike_weight", 0, 0, 1, 0.2, NULL},
    [SDD_P_SENSITIVITY] = {"sensitivity", 0, 0, 1e6, 3.0, NULL},
    [SDD_P_TIME_DELTA_HOURS] = {"time_delta_hours", 1, 0, 8784, 168,
                                "history keeps at most a year (8784 hours) of one-minute slots"},
    [SDD_P_PATTERN_LENGTH_MINUTES] = {"pattern_length_minutes", 1, 0, 1440, 60,
                                      "a pattern window's median is taken over at most 1440 slots"},
    [SDD_P_VOLUME_LENGTH_MINUTES] = {"volume_length_minutes", 1, 0, 1440, 10,
                                     "it is at most pattern_length_minutes"},
    [SDD_P_FLATTEN_STEP] = {"flatten_step", 1, 1, 720, 3, "it is at most half a pattern window"},
    [SDD_P_SPIKE_PERCENT_THRESHOLD] = {"spike_percent_threshold", 0, 0, 1, 0.5, NULL},
    [SDD_P_SPIKE_CONSTANT_THRESHOLD] = {"spike_constant_threshold", 0, 0, 1e15, 20, NULL},
    [SDD_P_DROP_PERCENT_THRESHOLD] = {"drop_percent_threshold", 0, 0, 1, 0.5, NULL},
    [SDD_P_WIDTH] = {"width", 1, 1, 720, 3, "it is at most half a pattern window"},
    [SDD_P_DAMP_COEF] = {"damp_coef", 0, 0, 1, 0.5, NULL},
    [SDD_P_PREVIOUS_SLOTS] = {"previous_slots", 1, 0, 63, 5,
                              "a BMP accumulation spans at most 64 slots (previous_slots + 1)"},
    [SDD_P_OC_MONITOR_MINUTES] = {"oc_monitor_minutes", 1, 2, 10080, 5,
                                  "the interface events kept are a week's at most"},
    [SDD_P_DROPPED_BYTES_THRESHOLD] = {"dropped_bytes_threshold", 1, 0, 9.007199254740992e15, 100000, NULL},
    [SDD_P_BMP_PEER_DOWN_WEIGHT] = {"bmp_peer_down_weight", 0, 0, 1, 1.0, NULL},
    [SDD_P_BMP_WITHDRAW_WEIGHT] = {"bmp_withdraw_weight", 0, 0, 1, 0.5, NULL},
    [SDD_P_BMP_UPDATE_WEIGHT] = {"bmp_update_weight", 0, 0, 1, 0.3, NULL},
    [SDD_P_BMP_USUAL_FACTOR] = {"bmp_usual_factor", 0, 1, 1e6, 5, NULL},
    [SDD_P_BMP_MIN_EVENTS] = {"bmp_min_events", 0, 0, 1e9, 10, NULL},
    [SDD_P_FLOW_FWD_WEIGHT] = {"flow_fwd_weight", 0, 0, 1, 0.5, NULL},
    [SDD_P_DROP_SHARE_THRESHOLD] = {"drop_share_threshold", 0, 0, 1, 0.05, NULL},
    [SDD_P_OC_WEIGHT] = {"oc_weight", 0, 0, 1, 0.5, NULL},
    [SDD_P_SATURATION_WEIGHT] = {"saturation_weight", 0, 0, 1, 1.0, NULL},
    [SDD_P_SATURATION_PERCENT_THRESHOLD] = {"saturation_percent_threshold", 0, 0, 1, 0.9, NULL},
    [SDD_P_SATURATION_MINUTES] = {"saturation_minutes", 1, 1, 10080, 15, NULL},
    [SDD_P_CONCERN_THRESHOLD] = {"concern_threshold", 1, 1, 100, 50, NULL},
    [SDD_P_CLOSE_AFTER_SLOTS] = {"close_after_slots", 1, 1, 10080, 5, NULL},
    [SDD_P_RESUME_MINUTES] = {"resume_minutes", 1, 0, 10080, 60, NULL},
    [SDD_P_CHANGE_WINDOW_SUPPRESS] = {"change_window_suppress", 1, 0, 1, 0, NULL},
    /* The volume and pattern detectors compare with each of the last
     * baseline_weeks windows time_delta_hours apart that have data, and
     * take the lower median: one odd week (a holiday, an incident) is
     * outvoted. The newest is kept at one-minute slots, older ones at 15
     * minutes (history.h); 6 keep a service's history under 120 KB. */
    [SDD_P_BASELINE_WEEKS] = {"baseline_weeks", 1, 1, SDD_BASELINE_WEEKS_MAX, 4,
                              "older weeks are kept at 15 minutes, and 6 keep a service's history under 120 KB"},
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
    cfg->max_clock_skew = 600;
    cfg->learn_route_targets = 1;
    cfg->max_services = 50000;
    cfg->max_global_routes = 2000000;
    cfg->max_terminations_per_service = 1000;
    cfg->source_idle_seconds = 300;
    snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", "volume-1-pattern-1-flow-count-1-peer-down-1-withdraw-1-update-1-flow-fwd-1-oc-1-saturation-1-pipeline");
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

/* Engine-wide settings: not scoped to profiles. */
static const sdd_setting settings[] = {
    SDD_SETTING_INT(sdd_config, time_step_seconds, 60, 86400),
    SDD_SETTING_INT(sdd_config, data_delay, 0, 86400),
    SDD_SETTING_INT(sdd_config, allowed_lateness, 0, 7 * 86400),
    SDD_SETTING_INT(sdd_config, max_clock_skew, 60, 86400),
    SDD_SETTING_INT(sdd_config, source_idle_seconds, 60, 86400),
    SDD_SETTING_BOOL(sdd_config, learn_unknown_rd),
    SDD_SETTING_BOOL(sdd_config, learn_route_targets),
    SDD_SETTING_INT(sdd_config, max_services, 1, 10000000),
    SDD_SETTING_INT(sdd_config, max_global_routes, 0, 100000000),
    SDD_SETTING_INT(sdd_config, max_terminations_per_service, 1, 1000000),
    SDD_SETTING_INT(sdd_config, detect_threads, 0, 256),
    SDD_SETTING_TEXT(sdd_config, strategy),
    SDD_SETTING_TEXT(sdd_config, history_file),
    SDD_SETTING_TEXT(sdd_config, inventory_file),
    SDD_SETTING_TEXT(sdd_config, state_file),
    SDD_SETTING_TEXT(sdd_config, holidays),
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

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
        const sdd_setting *d = sdd__setting_find(settings, N_SETTINGS, key);
        if (!d)
            return sdd__fail(err, SDD_E_CONFIG, "unknown key '%s'", key);
        if (prof)
            return sdd__fail(err, SDD_E_CONFIG, "%s: an engine-wide setting cannot be scoped to profile '%s'", key,
                             scope);
        return sdd__setting_apply(d, cfg, value, err);
    }
    if (sdd__parse_number(value, params[p].is_int, &v) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' is not a %s", key, value, params[p].is_int ? "whole number" : "number");
    if (v < params[p].min || v > params[p].max)
        return sdd__fail(err, SDD_E_CONFIG, "%s: %s is outside %g..%g%s%s", key, value, params[p].min,
                         params[p].max, params[p].why_max ? ": " : "", params[p].why_max ? params[p].why_max : "");
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

static int is_engine_key(const char *key)
{
    return !strcmp(key, "drop_model") || find_param(key) >= 0 || sdd__setting_find(settings, N_SETTINGS, key);
}

typedef struct key_handler {
    sdd_config_key_fn fn;
    void *ctx;
    sdd_map *seen;                      /* "key[scope]" -> the line that set it */
} key_handler;

/* One key: the engine's, or the embedding program's when it takes it. */
static int set_key(sdd_config *cfg, const key_handler *other, const char *key, const char *scope, const char *value,
                   sdd_error *err)
{
    int taken;

    if (is_engine_key(key) || !other->fn)
        return sdd_config_set(cfg, key, scope, value, err);
    taken = other->fn(other->ctx, key, scope, value, err);
    if (taken == 0)
        return sdd__fail(err, SDD_E_CONFIG, "unknown key '%s'", key);
    return taken < 0 ? -1 : 0;
}

/* A key set twice is refused: which of the two an operator meant is not
 * for the program to guess. 0, or the line that set it first. */
static int set_before(const key_handler *h, const char *key, const char *scope, int lineno)
{
    char name[2 * SDD_VALUE_MAX];
    int len = snprintf(name, sizeof(name), "%s[%s]", key, scope ? scope : "");

    if (len < 0 || (size_t)len >= sizeof(name))
        len = (int)sizeof(name) - 1;    /* a key this long is refused as unknown after */
    int32_t first = sdd__map_get(h->seen, name, (size_t)len);

    if (first < 0)
        sdd__map_put(h->seen, name, (size_t)len, lineno);
    return first < 0 ? 0 : first;
}

static int load_line(sdd_config *cfg, const key_handler *other, char *raw, const char *path, int lineno,
                     sdd_error *err)
{
    char *line = trim(raw), *key, *scope, *value;
    sdd_error why;
    int first;

    if (*line == '\0' || *line == '!' || *line == '#')
        return 0;
    if (split_line(line, &key, &scope, &value) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s:%d: expected 'key: value' or 'key[profile]: value'", path, lineno);
    if (strstr(value, " !") || strstr(value, "\t!"))
        return sdd__fail(err, SDD_E_CONFIG, "%s:%d: %s: '!' starts a comment only at the start of a line, as in "
                         "pmacct: put the comment on a line of its own", path, lineno, key);
    if ((first = set_before(other, key, scope, lineno)) > 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s:%d: %s%s%s%s is set already at line %d", path, lineno, key,
                         scope ? "[" : "", scope ? scope : "", scope ? "]" : "", first);
    if (set_key(cfg, other, key, scope, value, &why) < 0)
        return sdd__fail(err, why.code, "%s:%d: %s", path, lineno, why.msg);
    return 0;
}

int sdd_config_load(sdd_config *cfg, const char *path, sdd_error *err)
{
    return sdd_config_load_with(cfg, path, NULL, NULL, err);
}

int sdd_config_load_with(sdd_config *cfg, const char *path, sdd_config_key_fn other, void *ctx, sdd_error *err)
{
    key_handler handler = {other, ctx, sdd__map_new()};
    FILE *f = handler.seen ? fopen(path, "r") : NULL;
    char buf[4096];
    int lineno = 0, rc = 0;

    if (!f) {
        rc = handler.seen ? sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno))
                          : sdd__fail(err, SDD_E_NOMEM, "out of memory");
        sdd__map_free(handler.seen);
        return rc;
    }
    while (rc == 0 && fgets(buf, sizeof(buf), f)) {
        lineno++;
        if (!strchr(buf, '\n') && !feof(f))
            rc = sdd__fail(err, SDD_E_CONFIG, "%s:%d: line longer than %zu characters", path, lineno, sizeof(buf) - 2);
        else
            rc = load_line(cfg, &handler, buf, path, lineno, err);
    }
    if (rc == 0 && ferror(f))
        rc = sdd__fail(err, SDD_E_IO, "%s: read error", path);
    fclose(f);
    sdd__map_free(handler.seen);
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
    for (size_t i = 0; i < N_SETTINGS; i++)
        fn(ctx, settings[i].name);
    for (int p = 0; p < SDD_P_COUNT; p++)
        fn(ctx, params[p].name);
    fn(ctx, "drop_model");
}

const sdd_fixed_setting *sdd__config_fixed_change(const sdd_config *a, const sdd_config *b,
                                                  const sdd_fixed_setting *fixed)
{
    return sdd__setting_fixed_change(settings, N_SETTINGS, fixed, a, b);
}

void sdd__config_write(const sdd_config *cfg, FILE *out)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        sdd__setting_write(&settings[i], cfg, out);
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
