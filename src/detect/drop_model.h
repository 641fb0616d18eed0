/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drop_model.h: a learned model telling which slots' dropped traffic is a
 * symptom (the profile's drop_model), for the forwarding-status detector.
 *
 * The file is JSON, written by tools/train-drop-model (format in
 * docs/detectors/control-management.md):
 *   {"version": 1, "kind": "logistic",
 *    "features": ["log1p_bytes_131", "log1p_bytes_total", ...],
 *    "weights": [0.83, ...], "bias": -9.2, "threshold": 0.5}
 * score = 1 / (1 + exp(-(bias + sum weights[i] * feature[i]))), and a slot
 * is a symptom when score >= threshold. Loading is I/O, so the engine loads
 * every model once at start (sdd__drop_models_load) and hands the detector
 * the one of the service's profile; scoring is pure. */
#ifndef SDD_DROP_MODEL_H
#define SDD_DROP_MODEL_H

#include "engine/config.h"
#include "engine/metrics.h"

#define SDD_DROP_FEATURES_MAX (SDD_DROP_REASONS + 2)   /* every feature once at most */

/* What a model sees of one slot. */
typedef struct sdd_drop_slot {
    double bytes[SDD_DROP_REASONS];     /* dropped bytes, reason i = IE 89 code 128 + i */
    double packets;                     /* dropped packets, all reasons */
} sdd_drop_slot;

typedef struct sdd_drop_model sdd_drop_model;

/* NULL with err naming the file and what is wrong with it: unreadable, not
 * JSON, another version or kind, an unknown or repeated feature, weights
 * that do not match the features, a threshold outside 0..1, an unknown key. */
sdd_drop_model *sdd__drop_model_load(const char *path, sdd_error *err);
void sdd__drop_model_free(sdd_drop_model *m);
double sdd__drop_model_score(const sdd_drop_model *m, const sdd_drop_slot *s);  /* 0..1 */
double sdd__drop_model_threshold(const sdd_drop_model *m);

/* The models of a configuration, each file loaded once however many
 * profiles name it; the engine owns it for its lifetime. */
typedef struct sdd_drop_models sdd_drop_models;

/* NULL with err (naming the profile) when a profile's model is refused. */
sdd_drop_models *sdd__drop_models_load(const sdd_config *cfg, sdd_error *err);
/* The model loaded from `path`; NULL for "" or a path not loaded. */
const sdd_drop_model *sdd__drop_models_find(const sdd_drop_models *set, const char *path);
void sdd__drop_models_free(sdd_drop_models *set);

#endif
