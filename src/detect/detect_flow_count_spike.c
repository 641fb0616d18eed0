/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_flow_count_spike.c: a spike of new TCP connections next to a drop.
 *
 * When a site loses connectivity, its applications retry: the count of new
 * TCP flows jumps, then falls as they give up (the onset). When the site
 * comes back, every session reconnects at once: the count jumps after a
 * stretch of silence (the recovery). Either is a spike in the last
 * pattern_length_minutes whose prominence is at least spike_constant_threshold
 * and spike_percent_threshold times the window's median, whose half-height
 * width is at most twice `width` (a semi-width of `width` slots), which
 * stands that much above both sides too, and beside which the `width`
 * slots on one side average less than (1 - drop_percent_threshold) times
 * those on the other.
 *
 * The series is the count of TCP flows with SYN set: a storm of connection
 * attempts is several times the usual count of new flows, while long-lived
 * flows dilute it in the count of all TCP flows. When the exporter reports
 * no TCP flags (not one SYN flow in the whole window) or the
 * SYN series lacks data, all TCP flows are used instead. No comparison is
 * made when the window lacks data: a hole would read as a drop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors.h"
#include "engine/metrics.h"
#include "detect/peaks.h"

/* A spike that passed every test. */
typedef struct spike {
    sdd_peak peak;
    int recovery;                       /* the lower side comes before the spike */
    double low, high;                   /* means of the lower and the higher side */
    int from;                           /* first sample compared */
    double strength;
} spike;

static int all_zero(const double *x, int n)
{
    for (int i = 0; i < n; i++)
        if (x[i] != 0)
            return 0;
    return 1;
}

/* Fills x with the window of the series to look at; returns its metric, or
 * -1 when neither series has data for every slot. */
static int read_window(const sdd_detect_input *in, int64_t first, int n, double *x)
{
    if (in->series(in->ctx, SDD_M_TCP_SYN_FLOWS, first, n, x) == n && !all_zero(x, n))
        return SDD_M_TCP_SYN_FLOWS;
    if (in->series(in->ctx, SDD_M_TCP_FLOWS, first, n, x) == n)
        return SDD_M_TCP_FLOWS;
    return -1;
}

static double median(const double *x, int n, double *scratch)
{
    memcpy(scratch, x, (size_t)n * sizeof(*x));
    return sdd__median(scratch, n);
}

static double mean(const double *x, int n)
{
    double sum = 0;

    for (int i = 0; i < n; i++)
        sum += x[i];
    return sum / n;
}

/* 0.5 at the thresholds, then a quarter for each of how far the prominence
 * is past its threshold (1 - threshold/prominence) and how far the drop is
 * past its own ((drop - d) / (1 - d)): 1 for an unbounded spike next to
 * silence. Clamped, as counts are never negative but input may be. */
static double strength_of(double prominence, double threshold, double drop, double d)
{
    double s = 0.5 + 0.25 * (1 - threshold / prominence) + 0.25 * (drop - d) / (1 - d);
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* What a spike must pass: its prominence threshold, the drop threshold d,
 * and the length of the stretches compared on either side. */
typedef struct limits {
    double threshold, drop;
    int span;
} limits;

/* Whether the `span` slots on one side of the peak (outside its half-height
 * crossings) average less than (1 - d) times those on the other side, and
 * the peak stands at least the threshold above the higher side too: a step
 * up into a burst that goes on is not a spike. Fixed stretches compare the
 * same slots at every slot a spike stays in the window, so a symptom does
 * not come and go as the window slides. */
static int judge(const double *x, int n, const sdd_peak *p, const limits *l, spike *s)
{
    int lo = (int)ceil(p->left_ips), hi = (int)floor(p->right_ips) + 1;

    if (lo < l->span || n - hi < l->span)
        return 0;
    double before = mean(x + lo - l->span, l->span), after = mean(x + hi, l->span);
    s->recovery = before < after;
    s->low = s->recovery ? before : after;
    s->high = s->recovery ? after : before;
    if (!(s->low < (1 - l->drop) * s->high) || x[p->index] - s->high < l->threshold)
        return 0;
    s->peak = *p;
    s->from = lo - l->span;
    s->strength = strength_of(p->prominence, l->threshold, (s->high - s->low) / s->high, l->drop);
    return 1;
}

static void report(const sdd_detect_input *in, int metric, int64_t first, double level, const spike *s,
                   sdd_symptom *out)
{
    const char *what = metric == SDD_M_TCP_SYN_FLOWS ? "TCP SYN flows" : "TCP flows";
    double change = 100 * (s->high - s->low) / s->high;

    memset(out, 0, sizeof(*out));
    out->detector = "flow_count_spike";
    out->strength = s->strength;
    out->weight = in->profile->v[SDD_P_TCP_SPIKE_WEIGHT];
    out->plane = SDD_PLANE_FORWARDING;
    out->pattern = SDD_PATTERN_SPIKE;   /* no row of the draft's tables names a surge of flows */
    out->start = (first + s->from) * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = -1;
    if (s->recovery)
        snprintf(out->description, sizeof(out->description),
                 "%s spike of %.0f over a level of %.0f after %.0f%% less: sessions reconnecting", what,
                 s->peak.prominence, level, change);
    else
        snprintf(out->description, sizeof(out->description), "%s spike of %.0f over a level of %.0f, then %.0f%% less",
                 what, s->peak.prominence, level, change);
}

/* The strongest spike of x next to a drop into *best; 0 if none. A drop
 * must last as long as a spike's largest semi-width (`width` slots): longer
 * would delay the verdict past the first minutes after a reconnection
 * storm, shorter takes the shoulders of bursts for drops. No longer than a
 * quarter of the window, so that wide spikes still fit. */
static int strongest(const sdd_profile *p, const double *x, int n, double level, sdd_peak *peaks, spike *best)
{
    double width = p->v[SDD_P_WIDTH];
    limits l = {fmax(p->v[SDD_P_SPIKE_CONSTANT_THRESHOLD], p->v[SDD_P_SPIKE_PERCENT_THRESHOLD] * level),
                p->v[SDD_P_DROP_PERCENT_THRESHOLD], (int)fmax(1, fmin(width, n / 4))};
    int found = sdd__find_peaks(x, n, l.threshold, 0, 2 * width, peaks, n / 2 + 1);
    spike s;

    for (int i = 0; i < found; i++)
        if (judge(x, n, &peaks[i], &l, &s) && s.strength > best->strength)
            *best = s;
    return best->strength >= 0;
}

/* pattern_length_minutes of new TCP connections, in either tier. */
sdd_history_need sdd__history_flow_count_spike(const sdd_profile *p, int step)
{
    int n = (int)(p->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / step);
    return (sdd_history_need){n, n, 0};
}

int sdd__detect_flow_count_spike(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    int n = (int)(in->profile->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60 / in->step);
    int64_t first = in->slot - n + 1;
    int metric, got = 0;
    double level;
    spike best = {.strength = -1};

    if (n < 3 || max < 1)
        return 0;
    /* a series of n samples has at most (n - 1) / 2 maxima */
    double *x = malloc(2 * (size_t)n * sizeof(*x));
    sdd_peak *peaks = malloc((size_t)(n / 2 + 1) * sizeof(*peaks));
    if (x && peaks && (metric = read_window(in, first, n, x)) >= 0) {
        level = median(x, n, x + n);
        got = strongest(in->profile, x, n, level, peaks, &best);
        if (got)
            report(in, metric, first, level, &best, out);
    }
    free(x);
    free(peaks);
    return got;
}
