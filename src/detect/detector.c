/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detector.c: helpers every detector shares. */
#include <math.h>
#include <stdlib.h>

#include "detect/detector.h"

double sdd__window_sum(const sdd_detect_input *in, int metric, int64_t first, int n, int *complete)
{
    double chunk[64], sum = 0;
    int present = 0;

    for (int done = 0; done < n;) {
        int len = n - done < 64 ? n - done : 64;
        present += in->series(in->ctx, metric, first + done, len, chunk);
        for (int i = 0; i < len; i++)
            if (!isnan(chunk[i]))
                sum += chunk[i];
        done += len;
    }
    *complete = present == n;
    return sum;
}

int sdd__window_stats(const sdd_detect_input *in, int metric, int64_t first, int n, double *mean, double *sd)
{
    double chunk[64], sum = 0, sq = 0;
    int present = 0;

    for (int done = 0; done < n;) {
        int len = n - done < 64 ? n - done : 64;
        in->series(in->ctx, metric, first + done, len, chunk);
        for (int i = 0; i < len; i++)
            if (!isnan(chunk[i])) {
                sum += chunk[i];
                sq += chunk[i] * chunk[i];
                present++;
            }
        done += len;
    }
    *mean = present ? sum / present : 0;
    *sd = present ? sqrt(fmax(0, sq / present - *mean * *mean)) : 0;
    return present;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sdd__lower_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return v[(n - 1) / 2];
}

double sdd__window_median(const sdd_detect_input *in, int metric, int64_t first, int n)
{
    double v[1440];

    if (n < 1 || n > 1440 || in->series(in->ctx, metric, first, n, v) != n)
        return NAN;
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
