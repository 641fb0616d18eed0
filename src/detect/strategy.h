/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strategy.h: a strategy is a named set of detectors with weights.
 *
 * The name says it all, as in the deployed system:
 * "flow-fwd-1-flow-count-2-update-1-withdraw-0-pipeline" runs the forwarding
 * status detector with weight 1, the flow-count spike detector with weight 2,
 * BMP updates with 1 and BMP withdraws with 0 (reported, not counted). A
 * symptom's weight in the concern score is the strategy's weight times the
 * profile's own *_weight for that detector. */
#ifndef SDD_STRATEGY_H
#define SDD_STRATEGY_H

#include "detect/detectors.h"

#define SDD_STRATEGY_MAX 16

typedef struct sdd_strategy {
    int n;
    const sdd_detector *detector[SDD_STRATEGY_MAX];
    double weight[SDD_STRATEGY_MAX];
} sdd_strategy;

/* 0, or -1 with err naming the unknown detector or the malformed part. */
int sdd__strategy_parse(const char *name, sdd_strategy *out, sdd_error *err);

/* The history every detector of the strategy needs under profile p. */
sdd_history_need sdd__strategy_history(const sdd_strategy *s, const sdd_profile *p, int step);

/* Runs the strategy's detectors on one service and slot (only those of
 * events when events_only): up to max symptoms, each weighted by the
 * strategy. */
int sdd__strategy_run(const sdd_strategy *s, const sdd_detect_input *in, int events_only, sdd_symptom *out, int max);

/* The concern score of a slot's symptoms, 0..100: the weighted strengths
 * summed into c, then 100(1 - e^(-k c)) with k = the profile's sensitivity.
 * Zero stays zero, the first evidence counts most, and more evidence
 * saturates instead of overflowing; a larger k reacts more to small
 * strengths. */
int sdd__concern_score(const sdd_profile *p, const sdd_symptom *s, int n);

#endif
