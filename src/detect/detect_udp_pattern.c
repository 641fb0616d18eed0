/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_udp_pattern.c: the shape of the customer's UDP traffic departs
 * from the same window in the weeks (time_delta_hours apart) before.
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
 * over k gradients, so a full stop deviates by 1/k at most.
 *
 * Each of the last baseline_weeks weeks gives its largest deviation, and
 * the symptom is the lower median of them (detector.h): a shape that only
 * one odd week had does not count, a change against every week does. Older
 * weeks are read as kept, 15-minute means, flat within each quarter hour.
 * A week is left out when its window or today's lacks data, or when one of
 * the two days is a holiday and the other is not. */
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

static void report(const sdd_detect_input *in, int64_t first, int n, int k, double dev, int at, int weeks,
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
    int ago = (int)((n - 1 - (at + k)) * (int64_t)in->step / 60);
    if (weeks == 1)
        snprintf(out->description, sizeof(out->description),
                 "UDP curve changes by %.0f%% of its traffic %.0f h earlier, %d min ago", 100 * dev,
                 p->v[SDD_P_TIME_DELTA_HOURS], ago);
    else
        snprintf(out->description, sizeof(out->description),
                 "UDP curve changes by %.0f%% of its traffic in %d earlier weeks (lower median), %d min ago",
                 100 * dev, weeks, ago);
}

/* pattern_length_minutes now and time_delta_hours earlier, and as far
 * again for each older week. */
sdd_history_need sdd__history_udp_pattern(const sdd_profile *p, int step)
{
    int n = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / step);
    int back = (int)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / step);
    return (sdd_history_need){back + n, 0, (int)p->v[SDD_P_BASELINE_WEEKS] * back + n};
}

/* The largest deviation of today's flattened curve (m points) from the
 * week `weeks` deltas back, and where (*at); -1 when that week is left out. */
static double week_deviation(const sdd_detect_input *in, const double *now, int64_t first, int n, int weeks,
                             double *then, int *at)
{
    const sdd_profile *p = in->profile;
    int k = (int)p->v[SDD_P_FLATTEN_STEP];
    int64_t back = weeks * (int64_t)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / in->step);

    if (in->season != in->ref_season[weeks - 1] || in->series(in->ctx, SDD_M_UDP_BYTES, first - back, n, then) != n)
        return -1;
    return largest_deviation(now, then, flatten(then, n, k), at);
}

int sdd__detect_udp_pattern(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    const sdd_profile *p = in->profile;
    int n = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / in->step);
    int k = (int)p->v[SDD_P_FLATTEN_STEP];
    int64_t first = in->slot - n + 1;
    double dev[SDD_BASELINE_WEEKS_MAX], sorted[SDD_BASELINE_WEEKS_MAX];
    int at[SDD_BASELINE_WEEKS_MAX], m = 0, got = 0;

    if (k < 1 || n - k < 1 || max < 1)
        return 0;
    double *now = malloc(2 * (size_t)n * sizeof(*now));
    double *then = now ? now + n : NULL;
    if (then && in->series(in->ctx, SDD_M_UDP_BYTES, first, n, now) == n) {
        flatten(now, n, k);
        for (int w = 1; w <= (int)p->v[SDD_P_BASELINE_WEEKS]; w++)
            if ((dev[m] = week_deviation(in, now, first, n, w, then, &at[m])) >= 0)
                sorted[m] = dev[m], m++;
    }
    free(now);
    if (m == 0)
        return 0;
    double chosen = sdd__lower_median(sorted, m);
    int w = 0;
    while (dev[w] != chosen)
        w++;
    got = chosen > p->v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD];
    if (got)
        report(in, first, n, k, chosen, at[w], m, out);
    return got;
}
