/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strategy.c: strategy names to detectors and weights; see strategy.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "detect/detectors.h"
#include "detect/strategy.h"

/* A weight: a number standing alone between dashes. */
static int read_weight(const char *s, size_t len, double *out)
{
    char buf[32], *end;

    if (len == 0 || len >= sizeof(buf) || (s[0] < '0' || s[0] > '9'))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, &end);
    return *end == '\0' ? 0 : -1;
}

int sdd__strategy_parse(const char *name, sdd_strategy *out, sdd_error *err)
{
    const char *p = name, *token = name;
    size_t name_len = strlen(name);

    memset(out, 0, sizeof(*out));
    if (name_len < 9 || strcmp(name + name_len - 9, "-pipeline") != 0) {
        sdd__fail(err, SDD_E_CONFIG, "strategy '%s': expected DETECTOR-WEIGHT-...-pipeline", name);
        return -1;
    }
    while (p < name + name_len - 9) {
        const char *dash = strchr(p, '-');
        double w;
        if (read_weight(p, (size_t)(dash - p), &w) < 0) {
            p = dash + 1;               /* part of a detector's word */
            continue;
        }
        const sdd_detector *d = token < p ? sdd__detector_by_word(token, (size_t)(p - 1 - token)) : NULL;
        if (!d)
            return sdd__fail(err, SDD_E_CONFIG, "strategy '%s': unknown detector '%.*s'", name,
                             token < p ? (int)(p - 1 - token) : 0, token);
        if (out->n == SDD_STRATEGY_MAX)
            return sdd__fail(err, SDD_E_CONFIG, "strategy '%s': more than %d detectors", name, SDD_STRATEGY_MAX);
        out->detector[out->n] = d;
        out->weight[out->n++] = w;
        p = token = dash + 1;
    }
    if (token != p || out->n == 0) {
        sdd__fail(err, SDD_E_CONFIG, "strategy '%s': '%.*s' has no weight", name,
                 (int)(name + name_len - 9 - token), token);
        return -1;
    }
    return 0;
}

sdd_history_need sdd__strategy_history(const sdd_strategy *s, const sdd_profile *p, int step)
{
    sdd_history_need all = {0, 0, 0};

    for (int d = 0; d < s->n; d++) {
        sdd_history_need one = s->detector[d]->history(p, step);
        if (one.long_slots > all.long_slots)
            all.long_slots = one.long_slots;
        if (one.short_slots > all.short_slots)
            all.short_slots = one.short_slots;
        if (one.baseline_slots > all.baseline_slots)
            all.baseline_slots = one.baseline_slots;
    }
    return all;
}

int sdd__strategy_run(const sdd_strategy *s, const sdd_detect_input *in, int events_only, sdd_symptom *out, int max)
{
    int n = 0;

    for (int d = 0; d < s->n && n < max; d++) {
        if (events_only && !s->detector[d]->on_event)
            continue;
        int got = s->detector[d]->run(in, out + n, max - n);
        for (int i = n; i < n + got; i++)
            out[i].weight *= s->weight[d];
        n += got;
    }
    return n;
}

int sdd__concern_score(const sdd_profile *p, const sdd_symptom *s, int n)
{
    double c = 0;

    for (int i = 0; i < n; i++)
        c += s[i].weight * s[i].strength;
    return (int)lround(100.0 * (1.0 - exp(-p->v[SDD_P_SENSITIVITY] * c)));
}
