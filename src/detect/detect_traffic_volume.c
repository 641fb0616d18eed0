/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_traffic_volume.c: the customer's TCP or UDP traffic fell compared
 * with the same window in the weeks (time_delta_hours apart) before.
 *
 * Sums over the last volume_length_minutes, compared with the same window
 * one, two, .. baseline_weeks deltas earlier: the fall is judged against
 * the lower median of those weeks' sums (detector.h), so that one odd week
 * (a holiday, an incident, a burst) neither raises nor hides an alarm. A
 * week's sum is taken no higher than its window's length times the median
 * slot of the historic pattern window around it: a burst then is not the
 * level to expect today. A week is left out when its window or today's
 * lacks data (a history too young, a collector outage, the first slots
 * after a restart: missing data is not missing traffic), or when one of the
 * two days is a holiday and the other is not; with none left, no
 * comparison is made. The newest week is read at one-minute slots, older
 * ones as kept, 15-minute means (engine/history.h).
 *
 * A service of several sites is judged per site too (site_sum, naming the
 * site): a site that carries less than SDD_SITE_FALL_FRACTION of what its
 * usual share of the service says, its other sites read in the same slot
 * (engine/sites.h), has lost its traffic while they have not: one site of
 * three going silent is a dip of its service too small to see. A fall whose
 * first slot (or the one before) brought route changes at the site is the
 * traffic moving by routing, not a silent loss, and is not reported; a fall
 * of every site is the service's, judged above. One symptom for the site's
 * TCP and UDP bytes, weighed as both of the service's (tcp_sum_weight +
 * udp_sum_weight), from the fall's first slot. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"
#include "engine/metrics.h"

typedef struct volume_kind {
    const char *name;
    int metric;
    sdd_param threshold, weight;
} volume_kind;

static const volume_kind kinds[] = {
    {"udp_sum", SDD_M_UDP_BYTES, SDD_P_UDP_SUM_PERCENT_THRESHOLD, SDD_P_UDP_SUM_WEIGHT},
    {"tcp_sum", SDD_M_TCP_BYTES, SDD_P_TCP_SUM_PERCENT_THRESHOLD, SDD_P_TCP_SUM_WEIGHT},
};

/* The sum of n slots from v[at], in order, and whether all had data. */
static double sum_of(const double *v, int at, int n, int *complete)
{
    double sum = 0;
    int present = 0;

    for (int i = at; i < at + n; i++)
        if (!isnan(v[i])) {
            sum += v[i];
            present++;
        }
    *complete = present == n;
    return sum;
}

/* The sum of the window `weeks` deltas back, capped by its pattern
 * window's median level; 0 when it has no usable data. The two windows
 * overlap (the sum's ends in the middle of the pattern's), so both come
 * from one read of the span that covers them: the week-old and coarse
 * slots are the ones that miss the cache. */
static double week_sum(const sdd_detect_input *in, const volume_kind *k, int64_t first, int n, int weeks)
{
    const sdd_profile *p = in->profile;
    int64_t back = weeks * (int64_t)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / in->step);
    int pattern = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / in->step);
    int64_t from = first - back, mid = in->slot - back - pattern / 2;
    int64_t lo = from < mid ? from : mid, hi = from + n > mid + pattern ? from + n : mid + pattern;
    int complete;
    double then, level, v[2 * 1440];

    if (in->season != in->ref_season[weeks - 1])
        return 0;
    if (pattern < 1 || pattern > 1440 || hi - lo > 2 * 1440) {
        /* no median to take, or windows too long to read as one */
        then = sdd__window_sum(in, k->metric, from, n, &complete);
        if (!complete)
            return 0;
        level = sdd__window_median(in, k->metric, mid, pattern);
    } else {
        in->series(in->ctx, k->metric, lo, (int)(hi - lo), v);
        then = sum_of(v, (int)(from - lo), n, &complete);
        if (!complete)
            return 0;
        level = sdd__median_of(v + (mid - lo), pattern);
    }
    return !isnan(level) && level * n < then ? level * n : then;
}

static int compare(const sdd_detect_input *in, const volume_kind *k, sdd_symptom *out)
{
    const sdd_profile *p = in->profile;
    int n = (int)(p->v[SDD_P_VOLUME_LENGTH_MINUTES] * 60 / in->step);
    int64_t first = in->slot - n + 1;
    int now_ok, m = 0;
    double now, then, drop, weeks[SDD_BASELINE_WEEKS_MAX];

    if (n < 1)
        return 0;
    now = sdd__window_sum(in, k->metric, first, n, &now_ok);
    if (!now_ok)
        return 0;
    for (int w = 1; w <= (int)p->v[SDD_P_BASELINE_WEEKS]; w++)
        if ((weeks[m] = week_sum(in, k, first, n, w)) > 0)
            m++;
    if (m == 0)
        return 0;
    then = sdd__lower_median(weeks, m);
    drop = (then - now) / then;
    if (drop <= p->v[k->threshold])
        return 0;
    memset(out, 0, sizeof(*out));
    out->detector = k->name;
    out->strength = drop > 1 ? 1 : drop;
    out->weight = p->v[k->weight];
    out->plane = SDD_PLANE_FORWARDING;
    out->action = "Missing";
    out->reason = "Drop";
    out->trigger = "Outside Monitored Domain";
    out->pattern = SDD_PATTERN_DROP;
    out->start = first * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = -1;
    if (m == 1)
        snprintf(out->description, sizeof(out->description), "%s %.0f bytes, %.0f one week earlier (-%.0f%%)",
                 k->name, now, then, 100 * drop);
    else
        snprintf(out->description, sizeof(out->description),
                 "%s %.0f bytes, %.0f the lower median of %d earlier weeks (-%.0f%%)", k->name, now, then, m,
                 100 * drop);
    return 1;
}

/* A site that fell while its service's other sites did not. */
static int site_fall(const sdd_detect_input *in, const sdd_site_input *site, sdd_symptom *out)
{
    const sdd_profile *p = in->profile;
    double expected = site->expected;
    double now = site->sums[SDD_SM_BYTES], fall;

    /* the engine judged the fall as it closed the slot (engine/sites.c) */
    if (site->usual->fell == INT64_MIN || site->usual->moved || expected <= 0)
        return 0;
    fall = 1 - now / expected;
    memset(out, 0, sizeof(*out));
    out->detector = "site_sum";
    out->strength = fall;
    out->weight = p->v[SDD_P_TCP_SUM_WEIGHT] + p->v[SDD_P_UDP_SUM_WEIGHT];
    out->plane = SDD_PLANE_FORWARDING;
    out->action = "Missing";
    out->reason = "Drop";
    out->trigger = "Outside Monitored Domain";
    out->pattern = SDD_PATTERN_DROP;
    out->start = site->usual->fell * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = site->termination;
    snprintf(out->description, sizeof(out->description),
             "site %d: %.0f TCP and UDP bytes, %.0f expected from its usual %.1f%% of the service (-%.0f%%)",
             site->termination, now, expected, 100 * site->usual->share, 100 * fall);
    return 1;
}

/* volume_length_minutes time_delta_hours back, and the pattern window
 * centred there whose median caps it; as far again for each older week. */
sdd_history_need sdd__history_traffic_volume(const sdd_profile *p, int step)
{
    int n = (int)(p->v[SDD_P_VOLUME_LENGTH_MINUTES] * 60 / step);
    int pattern = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / step);
    int back = (int)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / step);
    int window = n > pattern / 2 + 1 ? n : pattern / 2 + 1;
    return (sdd_history_need){back + window, 0, (int)p->v[SDD_P_BASELINE_WEEKS] * back + window};
}

int sdd__detect_traffic_volume(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    int n = 0;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && n < max; i++)
        n += compare(in, &kinds[i], out + n);
    for (int i = 0; i < in->n_sites && n < max; i++)
        n += site_fall(in, &in->sites[i], out + n);
    return n;
}
