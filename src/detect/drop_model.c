/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drop_model.c: loading and scoring the forwarding-status drop model; see
 * drop_model.h for the format.
 *
 * Features are log1p of byte and packet counts: dropped traffic spans many
 * orders of magnitude, and a logistic model on raw bytes would be decided by
 * the largest service alone. tools/train-drop-model computes the same
 * features in the same order, so both sides score a slot alike. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "detect/drop_model.h"

/* Feature ids: 0..15 the bytes of one reason, then these. */
enum { FEATURE_BYTES_TOTAL = SDD_DROP_REASONS, FEATURE_PACKETS_TOTAL };

struct sdd_drop_model {
    char path[SDD_PATH_MAX];
    int n;
    int feature[SDD_DROP_FEATURES_MAX];
    double weight[SDD_DROP_FEATURES_MAX];
    double bias, threshold;
};

struct sdd_drop_models {
    int n;
    sdd_drop_model **model;
};

static int fail(sdd_error *err, const char *path, const char *fmt, ...)
{
    char what[280];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    sdd__fail(err, SDD_E_DATA, "drop_model %.200s: %s", path, what);
    return -1;
}

/* The id of a feature name, -1 if unknown. */
static int feature_id(const char *name)
{
    static const char prefix[] = "log1p_bytes_";
    const char *digits = name + strlen(prefix);
    int code;

    if (!strcmp(name, "log1p_bytes_total"))
        return FEATURE_BYTES_TOTAL;
    if (!strcmp(name, "log1p_packets_total"))
        return FEATURE_PACKETS_TOTAL;
    if (strncmp(name, prefix, strlen(prefix)) != 0 || strlen(digits) != 3 || strspn(digits, "0123456789") != 3)
        return -1;
    code = atoi(digits);
    return code >= 128 && code < 128 + SDD_DROP_REASONS ? code - 128 : -1;
}

static double feature_value(int id, const sdd_drop_slot *s)
{
    double total = 0;

    if (id < SDD_DROP_REASONS)
        return log1p(s->bytes[id]);
    if (id == FEATURE_PACKETS_TOTAL)
        return log1p(s->packets);
    for (int i = 0; i < SDD_DROP_REASONS; i++)
        total += s->bytes[i];
    return log1p(total);
}

double sdd__drop_model_score(const sdd_drop_model *m, const sdd_drop_slot *s)
{
    double z = m->bias;

    for (int i = 0; i < m->n; i++)
        z += m->weight[i] * feature_value(m->feature[i], s);
    return 1.0 / (1.0 + exp(-z));
}

double sdd__drop_model_threshold(const sdd_drop_model *m)
{
    return m->threshold;
}

/* ---- loading ----------------------------------------------------------- */

static int check_keys(json_t *root, const char *path, sdd_error *err)
{
    static const char *const known[] = {"version", "kind", "features", "weights", "bias", "threshold", "trained"};
    const char *key;
    json_t *value;

    json_object_foreach(root, key, value) {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(known[0]))
            return fail(err, path, "unknown key '%.40s'", key);
    }
    return 0;
}

static int read_header(json_t *root, sdd_drop_model *m, sdd_error *err)
{
    json_t *version = json_object_get(root, "version"), *kind = json_object_get(root, "kind");
    json_t *bias = json_object_get(root, "bias"), *threshold = json_object_get(root, "threshold");

    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return fail(err, m->path, "\"version\" must be 1 (the only format this engine reads)");
    if (!json_is_string(kind) || strcmp(json_string_value(kind), "logistic") != 0)
        return fail(err, m->path, "\"kind\" must be \"logistic\"");
    if (!json_is_number(bias))
        return fail(err, m->path, "\"bias\" must be a number");
    m->bias = json_number_value(bias);
    m->threshold = 0.5;
    if (threshold) {
        if (!json_is_number(threshold) || !(json_number_value(threshold) > 0 && json_number_value(threshold) < 1))
            return fail(err, m->path, "\"threshold\" must be a number between 0 and 1 (exclusive)");
        m->threshold = json_number_value(threshold);
    }
    return 0;
}

static int read_features(json_t *root, sdd_drop_model *m, sdd_error *err)
{
    json_t *features = json_object_get(root, "features"), *weights = json_object_get(root, "weights");
    size_t n = json_array_size(features);

    if (!json_is_array(features) || n == 0 || n > SDD_DROP_FEATURES_MAX)
        return fail(err, m->path, "\"features\" must be a list of 1 to %d names", SDD_DROP_FEATURES_MAX);
    if (!json_is_array(weights) || json_array_size(weights) != n)
        return fail(err, m->path, "\"weights\" must be a list of %zu numbers, one per feature", n);
    for (size_t i = 0; i < n; i++) {
        json_t *name = json_array_get(features, i), *w = json_array_get(weights, i);
        int id = json_is_string(name) ? feature_id(json_string_value(name)) : -1;
        if (id < 0)
            return fail(err, m->path, "feature %zu: not one of log1p_bytes_128..143, log1p_bytes_total, "
                                      "log1p_packets_total", i + 1);
        for (int j = 0; j < m->n; j++)
            if (m->feature[j] == id)
                return fail(err, m->path, "feature '%s' given twice", json_string_value(name));
        if (!json_is_number(w))
            return fail(err, m->path, "weight %zu is not a number", i + 1);
        m->feature[m->n] = id;
        m->weight[m->n++] = json_number_value(w);
    }
    return 0;
}

static int read_model(json_t *root, sdd_drop_model *m, sdd_error *err)
{
    if (!json_is_object(root))
        return fail(err, m->path, "not a JSON object");
    if (check_keys(root, m->path, err) < 0 || read_header(root, m, err) < 0)
        return -1;
    return read_features(root, m, err);
}

sdd_drop_model *sdd__drop_model_load(const char *path, sdd_error *err)
{
    sdd_drop_model *m = calloc(1, sizeof(*m));
    json_error_t jerr;
    json_t *root;
    int rc = -1;

    if (!m) {
        fail(err, path, "out of memory");
        return NULL;
    }
    snprintf(m->path, sizeof(m->path), "%s", path);
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && jerr.line > 0)
        fail(err, path, "line %d: %s", jerr.line, jerr.text);
    else if (!root)
        fail(err, path, "%s", jerr.text);
    else
        rc = read_model(root, m, err);
    json_decref(root);
    if (rc < 0) {
        free(m);
        return NULL;
    }
    return m;
}

void sdd__drop_model_free(sdd_drop_model *m)
{
    free(m);
}

/* ---- the models of a configuration ------------------------------------- */

static int add_model(sdd_drop_models *set, const sdd_profile *p, sdd_error *err)
{
    sdd_drop_model **grown;

    if (!p->drop_model[0] || sdd__drop_models_find(set, p->drop_model))
        return 0;
    grown = realloc(set->model, (size_t)(set->n + 1) * sizeof(*grown));
    if (!grown)
        return fail(err, p->drop_model, "out of memory");
    set->model = grown;
    set->model[set->n] = sdd__drop_model_load(p->drop_model, err);
    if (!set->model[set->n]) {
        return sdd__fail_prefix(err, "profile '%.64s'", p->name);
    }
    set->n++;
    return 0;
}

sdd_drop_models *sdd__drop_models_load(const sdd_config *cfg, sdd_error *err)
{
    sdd_drop_models *set = calloc(1, sizeof(*set));

    if (!set) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    for (int i = 0; i < cfg->n_profiles; i++)
        if (add_model(set, &cfg->profiles[i], err) < 0) {
            sdd__drop_models_free(set);
            return NULL;
        }
    return set;
}

const sdd_drop_model *sdd__drop_models_find(const sdd_drop_models *set, const char *path)
{
    for (int i = 0; path[0] && i < set->n; i++)
        if (strcmp(set->model[i]->path, path) == 0)
            return set->model[i];
    return NULL;
}

void sdd__drop_models_free(sdd_drop_models *set)
{
    if (!set)
        return;
    for (int i = 0; i < set->n; i++)
        sdd__drop_model_free(set->model[i]);
    free(set->model);
    free(set);
}
