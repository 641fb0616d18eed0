/* SPDX-License-Identifier: GPL-2.0-or-later */
/* peaks.h: peaks of a series, as scipy.signal.find_peaks finds them.
 *
 * The subset the detectors use: local maxima (the middle of a flat top,
 * rounded down), their prominence (no window: bases are searched up to the
 * first higher sample or the end of the series), their width at half the
 * prominence with linear interpolation (peak_widths, rel_height 0.5), and
 * the selection by a minimum prominence and a range of widths. Checked
 * against SciPy itself by tests/unit/test_peaks_scipy.sh. */
#ifndef SDD_PEAKS_H
#define SDD_PEAKS_H

typedef struct sdd_peak {
    int index;                          /* of the peak's sample */
    double prominence;                  /* height over the higher of its two bases */
    double width;                       /* right_ips - left_ips, in samples */
    double left_ips, right_ips;         /* where half the prominence is crossed */
} sdd_peak;

/* Finds the peaks of x[0..n-1] (no NaN) whose prominence is at least
 * min_prominence and whose width is within [min_width, max_width]
 * (INFINITY for no upper bound), in increasing index order. Writes the
 * first `max` of them to `out` and returns how many there are (possibly
 * more than max, as snprintf does). Pure: no allocation, no state. */
int sdd__find_peaks(const double *x, int n, double min_prominence, double min_width, double max_width,
                   sdd_peak *out, int max);

#endif
