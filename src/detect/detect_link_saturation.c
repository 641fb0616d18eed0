/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_link_saturation.c: an access link of the service is full, or is
 * filling up fast enough to be full soon (link_saturation; the strategy for
 * Internet services of the AnNet'24 paper).
 *
 * For each tracked interface of known capacity, the utilisation of a slot is
 *     u = max(bytes in, bytes out) * 8 / (capacity_bps * step)
 * over the last N = saturation_minutes slots (at least one), θ =
 * saturation_percent_threshold (a fraction, 0..1):
 * - sustained: u >= θ in all N slots; strength 0.5 at θ growing linearly to 1
 *   at a full link, 0.5 + 0.5 (mean u - θ) / (1 - θ) (1 when θ is 1).
 *   Semantics Drop / Administered / Shaped: a full link discards what
 *   exceeds it from its egress queue, which is what the draft's shaping row
 *   describes; the draft has no row for congestion of its own.
 * - trend: otherwise, with N >= 2, the least-squares line through the N
 *   values rises, and at its slope the newest value reaches θ within the
 *   next N slots; pattern trend,
 *   strength 0.5 (1 - eta / (N + 1)) with eta the slots until it reaches θ
 *   (0 if the line is there already), so a forecast never outweighs an
 *   observed saturation. eta is counted from the newest slot, at the
 *   window's slope, and only a link whose newest slot is at 0.9 θ or more is
 *   forecast: the morning ramp of a lightly used link is steep but far from
 *   full. Action, reason and trigger are null: nothing was dropped yet.
 * A window with a slot lacking data is not judged. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"
#include "engine/metrics.h"

#define CHUNK 64                /* slots read at a time */

/* What the window of one link says. */
typedef struct link_window {
    int link, n;                /* tracked interface, slots */
    double theta;
    int complete, all_above;
    double sum, sum_k;          /* of u and of k u, k = 0 .. n - 1 the position in the window */
    double mean, slope;         /* utilisation, and its change per slot (least squares) */
    double last;                /* utilisation of the newest slot */
} link_window;

static int slots_of(const sdd_detect_input *in)
{
    double n = in->profile->v[SDD_P_SATURATION_MINUTES] * 60 / in->step;
    return n >= 1 ? (int)n : 1;
}

/* Adds `len` slots from position k0 of the window. */
static void add_chunk(const sdd_detect_input *in, link_window *w, int k0, int len)
{
    double rx[CHUNK], tx[CHUNK], bits_a_slot = in->if_capacity_bps[w->link] * in->step;
    int64_t first = in->slot - w->n + 1 + k0;

    in->series(in->ctx, SDD_M_IF_IN_BYTES + w->link, first, len, rx);
    in->series(in->ctx, SDD_M_IF_OUT_BYTES + w->link, first, len, tx);
    for (int k = 0; k < len; k++) {
        if (isnan(rx[k]) && isnan(tx[k])) {
            w->complete = 0;
            continue;
        }
        double u = fmax(isnan(rx[k]) ? 0 : rx[k], isnan(tx[k]) ? 0 : tx[k]) * 8 / bits_a_slot;
        w->all_above &= u >= w->theta;
        w->sum += u;
        w->sum_k += (k0 + k) * u;
        w->last = u;
    }
}

static link_window read_window(const sdd_detect_input *in, int link, double theta)
{
    link_window w = {link, slots_of(in), theta, 1, 1, 0, 0, 0, 0, 0};
    double mid = (w.n - 1) / 2.0;

    for (int done = 0; done < w.n && w.complete; done += CHUNK)
        add_chunk(in, &w, done, w.n - done < CHUNK ? w.n - done : CHUNK);
    w.mean = w.sum / w.n;
    if (w.n >= 2)       /* slope = sum (k - mid) u / sum (k - mid)^2 */
        w.slope = (w.sum_k - mid * w.sum) / ((double)w.n * ((double)w.n * w.n - 1) / 12);
    return w;
}

static void fill(const sdd_detect_input *in, const link_window *w, sdd_symptom *out)
{
    memset(out, 0, sizeof(*out));
    out->detector = "link_saturation";
    out->weight = in->profile->v[SDD_P_SATURATION_WEIGHT];
    out->plane = SDD_PLANE_FORWARDING;
    out->start = (in->slot - w->n + 1) * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = w->link < in->n_if ? in->if_termination[w->link] : -1;
}

static void sustained(const sdd_detect_input *in, const link_window *w, sdd_symptom *out)
{
    double theta = w->theta;

    fill(in, w, out);
    out->strength = theta < 1 ? fmin(1, 0.5 + 0.5 * (w->mean - theta) / (1 - theta)) : 1.0;
    out->action = "Drop";
    out->reason = "Administered";
    out->trigger = "Shaped";
    out->pattern = SDD_PATTERN_NONE;
    snprintf(out->description, sizeof(out->description),
             "link %d at %.0f%% of %.0f Mb/s for %d slots (threshold %.0f%%)", w->link, 100 * w->mean,
             in->if_capacity_bps[w->link] / 1e6, w->n, 100 * theta);
}

/* 1 and the symptom when the newest slot, rising at the window's slope,
 * reaches θ within the next n slots. */
static int trend(const sdd_detect_input *in, const link_window *w, sdd_symptom *out)
{
    double theta = w->theta, now = w->last, eta;

    if (w->n < 2 || !(w->slope > 0) || now < 0.9 * theta)
        return 0;
    eta = now >= theta ? 0 : (theta - now) / w->slope;
    if (eta > w->n)
        return 0;
    fill(in, w, out);
    out->strength = 0.5 * (1 - eta / (w->n + 1));
    out->pattern = SDD_PATTERN_TREND;
    snprintf(out->description, sizeof(out->description),
             "link %d at %.0f%% of %.0f Mb/s, rising %.1f points a slot: %.0f%% in %.0f slots", w->link,
             100 * now, in->if_capacity_bps[w->link] / 1e6, 100 * w->slope, 100 * theta, ceil(eta));
    return 1;
}

/* saturation_minutes of the tracked interfaces' bytes. */
sdd_history_need sdd__history_link_saturation(const sdd_profile *p, int step)
{
    double n = p->v[SDD_P_SATURATION_MINUTES] * 60 / step;
    return (sdd_history_need){0, n >= 1 ? (int)n : 1, 0};
}

int sdd__detect_link_saturation(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    double theta = in->profile->v[SDD_P_SATURATION_PERCENT_THRESHOLD];
    int n = 0;

    for (int i = 0; i < in->n_if && i < SDD_IF_TRACKED && n < max; i++) {
        if (!(in->if_capacity_bps[i] > 0))
            continue;
        link_window w = read_window(in, i, theta);
        if (!w.complete)
            continue;
        if (w.all_above)
            sustained(in, &w, &out[n++]);
        else
            n += trend(in, &w, &out[n]);
    }
    return n;
}
