/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_traffic_volume.c: the customer's TCP or UDP traffic fell compared
 * with the same window one week (time_delta_hours) earlier.
 *
 * Sums over the last volume_length_minutes. The historic sum is taken no
 * higher than its window's length times the median slot of the historic
 * pattern window around it: a burst one week ago is not the level to expect
 * today. No comparison is made when
 * either window lacks data (a history too young, a collector outage, the
 * first slots after a restart): missing data is not missing traffic. Nor
 * when one of the two days is a holiday and the other is not. */
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

static int compare(const sdd_detect_input *in, const volume_kind *k, sdd_symptom *out)
{
    const sdd_profile *p = in->profile;
    int n = (int)(p->v[SDD_P_VOLUME_LENGTH_MINUTES] * 60 / in->step);
    int64_t back = (int64_t)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / in->step);
    int64_t first = in->slot - n + 1;
    int now_ok, then_ok;
    double now, then, drop;

    if (n < 1 || in->season != in->ref_season)
        return 0;
    now = sdd__window_sum(in, k->metric, first, n, &now_ok);
    then = sdd__window_sum(in, k->metric, first - back, n, &then_ok);
    if (!now_ok || !then_ok || then <= 0)
        return 0;
    int pattern = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / in->step);
    double level = sdd__window_median(in, k->metric, in->slot - back - pattern / 2, pattern);
    if (!isnan(level) && level * n < then)
        then = level * n;
    if (then <= 0)
        return 0;
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
    snprintf(out->description, sizeof(out->description), "%s %.0f bytes, %.0f one week earlier (-%.0f%%)",
             k->name, now, then, 100 * drop);
    return 1;
}

/* volume_length_minutes time_delta_hours back, and the pattern window
 * centred there whose median caps it. */
sdd_history_need sdd__history_traffic_volume(const sdd_profile *p, int step)
{
    int n = (int)(p->v[SDD_P_VOLUME_LENGTH_MINUTES] * 60 / step);
    int pattern = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / step);
    int back = (int)(p->v[SDD_P_TIME_DELTA_HOURS] * 3600 / step);
    return (sdd_history_need){back + (n > pattern / 2 + 1 ? n : pattern / 2 + 1), 0};
}

int sdd__detect_traffic_volume(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    int n = 0;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && n < max; i++)
        n += compare(in, &kinds[i], out + n);
    return n;
}
