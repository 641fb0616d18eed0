/* SPDX-License-Identifier: GPL-2.0-or-later */
/* peaks_driver.c: sdd__find_peaks over series read from stdin, for the
 * differential test against SciPy (test_peaks_scipy.py).
 *
 * Each input line is `min_prominence min_width max_width n x0 .. x(n-1)`
 * ("inf" allowed for max_width); each output line is the number of peaks
 * followed by `index prominence width left_ips right_ips` per peak, with 17
 * significant digits so that nothing is lost on the way back. */
#include <stdio.h>
#include <stdlib.h>

#include "detect/peaks.h"

static void *grow(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        fprintf(stderr, "peaks_driver: out of memory\n");
        exit(2);
    }
    return p;
}

static int read_series(double *param, int *n, double **x)
{
    if (scanf("%lf %lf %lf %d", &param[0], &param[1], &param[2], n) != 4 || *n < 0)
        return 0;
    *x = grow(*x, (size_t)*n * sizeof(**x));
    for (int i = 0; i < *n; i++)
        if (scanf("%lf", &(*x)[i]) != 1) {
            fprintf(stderr, "peaks_driver: series cut short\n");
            exit(2);
        }
    return 1;
}

int main(void)
{
    double param[3], *x = NULL;
    sdd_peak *peaks = NULL;
    int n;

    while (read_series(param, &n, &x)) {
        /* a series of n samples has fewer than n/2 maxima */
        peaks = grow(peaks, (size_t)(n / 2 + 1) * sizeof(*peaks));
        int found = sdd__find_peaks(x, n, param[0], param[1], param[2], peaks, n / 2 + 1);
        printf("%d", found);
        for (int i = 0; i < found && i < n / 2 + 1; i++)
            printf(" %d %.17g %.17g %.17g %.17g", peaks[i].index, peaks[i].prominence, peaks[i].width,
                   peaks[i].left_ips, peaks[i].right_ips);
        putchar('\n');
    }
    free(x);
    free(peaks);
    return 0;
}
