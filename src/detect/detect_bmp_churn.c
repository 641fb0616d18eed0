/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_bmp_churn.c: more BGP route withdraws, or updates, than usual for
 * the service, as BMP reports them (bmp_withdraw and bmp_update).
 *
 * The count of each slot is accumulated with damping over the last
 * previous_slots slots:
 *     acc(t) = sum over k = 0..previous_slots of count(t - k) * damp_coef^k
 * so a burst keeps weighing a little after it ends, and a slow trickle adds
 * up. What is usual for the service is the same accumulation over the short
 * history before the window (accumulations that end before the current
 * window begins, so the burst being judged does not raise its own bar):
 *     usual = mean + standard deviation of those accumulations
 * (a service that is bursty by nature needs a larger burst). A symptom when
 *     acc >= bmp_min_events  and  acc > bmp_usual_factor * usual,
 * with strength sdd__ratio_strength(acc / max(bmp_min_events,
 * bmp_usual_factor * usual)), 1 when both bars are 0. No judgement while
 * fewer than HISTORY_MIN accumulations are known (a young service, a
 * collector outage) or while the window itself lacks data. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"
#include "engine/metrics.h"

#define WINDOW_MAX 64           /* slots an accumulation spans at most (previous_slots + 1) */
#define HISTORY_SLOTS 192       /* accumulations read for what is usual */
#define HISTORY_MIN 30          /* fewer known ones: no comparison */

typedef struct churn_kind {
    const char *name;
    int metric;
    const char *reason;         /* control-plane table: Reachability / <reason> / Received */
    const char *noun;
    sdd_param weight;
} churn_kind;

static const churn_kind withdraws = {"bmp_withdraw", SDD_M_BMP_WITHDRAWS, "Withdraw", "withdraws",
                                     SDD_P_BMP_WITHDRAW_WEIGHT};
static const churn_kind updates = {"bmp_update", SDD_M_BMP_UPDATES, "Update", "updates", SDD_P_BMP_UPDATE_WEIGHT};

typedef struct usual {
    double mean, sd;
    int n;                      /* accumulations with complete data */
} usual;

/* The damped accumulation of the w counts ending at c[end]; NAN when one of
 * them is missing, since a gap is not a quiet slot. */
static double damped(const double *c, int end, int w, double damp)
{
    double acc = 0, f = 1;

    for (int k = 0; k < w; k++, f *= damp) {
        if (isnan(c[end - k]))
            return NAN;
        acc += c[end - k] * f;
    }
    return acc;
}

/* Mean and spread of the accumulations ending at c[w - 1] .. c[last]
 * (at most HISTORY_SLOTS of them), in two passes so that a steady service
 * has a spread of exactly 0. */
static usual usual_of(const double *c, int last, int w, double damp)
{
    double a[HISTORY_SLOTS], sum = 0, sq = 0;
    usual u = {0, 0, 0};

    for (int end = w - 1; end <= last; end++) {
        a[u.n] = damped(c, end, w, damp);
        if (!isnan(a[u.n]))
            sum += a[u.n++];
    }
    if (u.n == 0)
        return u;
    u.mean = sum / u.n;
    for (int i = 0; i < u.n; i++)
        sq += (a[i] - u.mean) * (a[i] - u.mean);
    u.sd = sqrt(sq / u.n);
    return u;
}

static int window_of(const sdd_profile *p)
{
    double w = p->v[SDD_P_PREVIOUS_SLOTS] + 1;
    return w < WINDOW_MAX ? (int)w : WINDOW_MAX;
}

static void describe(const sdd_detect_input *in, const churn_kind *k, int w, double acc, usual u, double limit,
                     sdd_symptom *out)
{
    memset(out, 0, sizeof(*out));
    out->detector = k->name;
    out->strength = limit > 0 ? sdd__ratio_strength(acc / limit) : 1.0;
    out->weight = in->profile->v[k->weight];
    out->plane = SDD_PLANE_CONTROL;
    out->action = "Reachability";
    out->reason = k->reason;
    out->trigger = "Received";
    out->pattern = SDD_PATTERN_SPIKE;
    out->start = (in->slot - w + 1) * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = -1;
    snprintf(out->description, sizeof(out->description),
             "%.1f BMP %s over %d slots (damped), usual %.1f (mean %.1f + sd %.1f over %d slots)", acc, k->noun, w,
             u.mean + u.sd, u.mean, u.sd, u.n);
}

static int judge(const sdd_detect_input *in, const churn_kind *k, sdd_symptom *out, int max)
{
    const sdd_profile *p = in->profile;
    double c[HISTORY_SLOTS + 2 * WINDOW_MAX];
    int w = window_of(p), len = HISTORY_SLOTS + 2 * w - 1;
    double damp = p->v[SDD_P_DAMP_COEF], min_events = p->v[SDD_P_BMP_MIN_EVENTS];

    if (max < 1)
        return 0;
    /* The newest accumulation first: below bmp_min_events (a service
     * without churn, nearly always) the usual ones do not matter, and
     * reading and summing them was most of the detector's time. */
    in->series(in->ctx, k->metric, in->slot - w + 1, w, c + len - w);
    double acc = damped(c, len - 1, w, damp);
    if (isnan(acc) || acc < min_events)
        return 0;
    in->series(in->ctx, k->metric, in->slot - len + 1, len - w, c);
    usual u = usual_of(c, len - 1 - w, w, damp);
    double bar = p->v[SDD_P_BMP_USUAL_FACTOR] * (u.mean + u.sd);
    if (u.n < HISTORY_MIN || acc <= bar)
        return 0;
    describe(in, k, w, acc, u, fmax(min_events, bar), out);
    return 1;
}

/* The accumulations of the window and of what is usual before it: the
 * same for withdraws and updates. */
sdd_history_need sdd__history_bmp_churn(const sdd_profile *p, int step)
{
    (void)p, (void)step;
    return (sdd_history_need){0, HISTORY_SLOTS + 2 * WINDOW_MAX - 1, 0};
}

int sdd__detect_bmp_withdraw(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    return judge(in, &withdraws, out, max);
}

int sdd__detect_bmp_update(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    return judge(in, &updates, out, max);
}
