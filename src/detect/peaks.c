/* SPDX-License-Identifier: GPL-2.0-or-later */
/* peaks.c: peak finding with SciPy's definitions; see peaks.h.
 *
 * Written from the definitions in SciPy's documentation of find_peaks,
 * peak_prominences and peak_widths, and held to SciPy's own answers by a
 * differential test, so that thresholds tuned on the deployed Python system
 * mean the same here. Each peak is measured on its own, walking out from
 * it: O(n) per peak, and the series the detectors give are an hour of
 * slots. */
#include "detect/peaks.h"

/* The next local maximum at or after index `from`, or -1; *resume is where
 * to look for the one after. A flat top counts as one maximum, at its
 * middle rounded down, when the samples on both sides are lower; a flat
 * stretch touching either end of the series is no maximum. */
static int next_maximum(const double *x, int n, int from, int *resume)
{
    for (int i = from < 1 ? 1 : from; i < n - 1; i++) {
        if (!(x[i - 1] < x[i]))
            continue;
        int last = i;                   /* last sample of the flat top */
        while (last + 1 < n - 1 && x[last + 1] == x[i])
            last++;
        if (x[last + 1] < x[i]) {
            *resume = last + 1;
            return i + (last - i) / 2;
        }
        i = last;                       /* the top goes on rising: no maximum here */
    }
    *resume = n;
    return -1;
}

/* Walks from the peak in direction `dir` (-1 or +1) while the samples are
 * not higher than the peak; returns the index of the lowest sample met (the
 * nearest one on ties), the peak's base on that side. */
static int base_towards(const double *x, int n, int peak, int dir)
{
    int base = peak;

    for (int i = peak; i >= 0 && i < n && x[i] <= x[peak]; i += dir)
        if (x[i] < x[base])
            base = i;
    return base;
}

/* Where the horizontal line at `height` crosses the signal between the peak
 * and `base`, walking in direction `dir`, interpolated linearly between the
 * last sample above the line and the first one at or below it. */
static double crossing(const double *x, int peak, int base, int dir, double height)
{
    int i = peak;

    while (i != base && height < x[i])
        i += dir;
    if (x[i] < height)
        return i - dir * (height - x[i]) / (x[i - dir] - x[i]);
    return i;
}

/* Prominence and width of the peak at `index`. */
static sdd_peak measure(const double *x, int n, int index)
{
    int left = base_towards(x, n, index, -1), right = base_towards(x, n, index, +1);
    double contour = x[left] > x[right] ? x[left] : x[right];
    sdd_peak p;

    p.index = index;
    p.prominence = x[index] - contour;
    double height = x[index] - p.prominence * 0.5;
    p.left_ips = crossing(x, index, left, -1, height);
    p.right_ips = crossing(x, index, right, +1, height);
    p.width = p.right_ips - p.left_ips;
    return p;
}

int sdd__find_peaks(const double *x, int n, double min_prominence, double min_width, double max_width,
                   sdd_peak *out, int max)
{
    int found = 0, at = 1;

    for (int index; (index = next_maximum(x, n, at, &at)) >= 0;) {
        sdd_peak p = measure(x, n, index);
        if (p.prominence < min_prominence || p.width < min_width || p.width > max_width)
            continue;
        if (found < max)
            out[found] = p;
        found++;
    }
    return found;
}
