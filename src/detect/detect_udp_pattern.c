/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_udp_pattern.c: the shape of the customer's UDP traffic departs
 * from the same window time_delta_hours (one week) earlier.
 *
 * Both windows of pattern_length_minutes are flattened with a moving
 * average of flatten_step slots (k), keeping the n - k + 1 averages over
 * whole stretches, then differenced into n - k gradients. At each point j
 * the deviation is |now'(j) - then'(j)| / then(j + 1): how much more the
 * curve rose or fell than it did a week earlier, over the flattened historic
 * traffic where that change lands, as the parameter table reads
 * udp_pattern_percent_threshold ("at a point"). The symptom is the largest
 * deviation when it exceeds that threshold. A point whose historic traffic
 * is zero has no scale and is left out.
 *
 * Only changes are compared: a constant offset leaves the gradients alone
 * (levels are traffic_volume's part). A step of the whole traffic spreads
 * over k gradients, so a full stop deviates by 1/k at most. No comparison is
 * made when either window lacks data, nor when one of the two days is a
 * holiday and the other is not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors.h"
#include "engine/metrics.h"

/* Replaces x[j] by the mean of x[j .. j+k-1] for every whole stretch, in
 * place (x[j] is not needed after it); returns how many there are. */
static int flatten(double *x, int n, int k)
{
    for (int j = 0; j + k <= n; j++) {
        double sum = 0;
        for (int i = j; i < j + k; i++)
            sum += x[i];
        x[j] = sum / k;
    }
    return n - k + 1;
}

/* The largest deviation of the gradients of two flattened curves of m
 * points, and at which gradient (*at); -1 when no point has a scale. The
 * historic traffic at a point is taken no lower than a tenth of the window's
 * mean: a deep trough of the historic curve (a quiet night minute) would
 * otherwise turn any small change into a huge relative one. */
static double largest_deviation(const double *now, const double *then, int m, int *at)
{
    double worst = -1, mean = 0;

    for (int j = 0; j < m; j++)
        mean += then[j] / m;
    for (int j = 0; j + 1 < m; j++) {
        double scale = fmax(then[j + 1], mean / 10);
        if (!(scale > 0))
            continue;
        double dev = fabs((now[j + 1] - now[j]) - (then[j + 1] - then[j])) / scale;
        if (dev > worst) {
            worst = dev;
            *at = j;
        }
    }
    return worst;
}

static void report(const sdd_detect_input *in, int64_t first, int n, int k, double dev, int at,
                   sdd_symptom *out)
{
    const sdd_profile *p = in->profile;

    memset(out, 0, sizeof(*out));
    out->detector = "udp_pattern";
    out->strength = dev > 1 ? 1 : dev;
    out->weight = p->v[SDD_P_UDP_PATTERN_WEIGHT];
    out->plane = SDD_PLANE_FORWARDING;
    out->pattern = SDD_PATTERN_SEASONALITY_SHIFT;   /* the usual shape of the week is lost */
    out->start = first * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = -1;
    /* gradient `at` ends with the stretch whose last slot is at + k */
    snprintf(out->description, sizeof(out->description),
             "UDP curve changes by %.0f%% of its traffic %.0f h earlier, %d min ago", 100 * dev,
             p->v[SDD_P_TIME_DELTA_HOURS], (int)((n - 1 - (at + k)) * (int64_t)in->step / 60));
}

/* pattern_length_minutes now and time_delta_hours earlier. */
sdd_history_need sdd__history_udp_pattern(const sdd_profile *p, int step)
{
    int n = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / step);
    int back = (int)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / step);
    return (sdd_history_need){back + n, 0};
}

int sdd__detect_udp_pattern(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    const sdd_profile *p = in->profile;
    int n = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / in->step);
    int k = (int)p->v[SDD_P_FLATTEN_STEP];
    int64_t back = (int64_t)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / in->step);
    int64_t first = in->slot - n + 1;
    int got = 0, at = 0;

    if (k < 1 || n - k < 1 || max < 1 || in->season != in->ref_season)
        return 0;
    double *now = malloc(2 * (size_t)n * sizeof(*now));
    double *then = now ? now + n : NULL;
    if (then && in->series(in->ctx, SDD_M_UDP_BYTES, first, n, now) == n &&
        in->series(in->ctx, SDD_M_UDP_BYTES, first - back, n, then) == n) {
        int m = flatten(now, n, k);
        flatten(then, n, k);
        double dev = largest_deviation(now, then, m, &at);
        got = dev > p->v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD];
        if (got)
            report(in, first, n, k, dev, at, out);
    }
    free(now);
    return got;
}
