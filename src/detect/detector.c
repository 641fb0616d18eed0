/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detector.c: helpers every detector shares. */
#include <math.h>
#include <string.h>

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

/* Puts the k-th smallest of v[0..n-1] at v[k], smaller ones before it and
 * larger ones after (Hoare's selection, the middle of three as pivot):
 * linear on average, where sorting a window for its median was most of a
 * detector's time once it reads several weeks. */
double sdd__nth_smallest(double *v, int n, int k)
{
    int lo = 0, hi = n - 1;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, i = lo, j = hi;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

double sdd__lower_median(double *v, int n)
{
    return sdd__nth_smallest(v, n, (n - 1) / 2);
}

double sdd__median(double *v, int n)
{
    double above = sdd__nth_smallest(v, n, n / 2), below;

    if (n % 2)
        return above;
    below = v[0];                       /* the largest of those below v[n / 2] */
    for (int i = 1; i < n / 2; i++)
        if (v[i] > below)
            below = v[i];
    return (below + above) / 2;
}

/* The k-th smallest (0-based) of values repeated count[i] times each,
 * values sorted ascending. */
static double nth_of_runs(const double *value, const int *count, int k)
{
    int i = 0;

    for (int below = count[0]; below <= k; below += count[++i])
        ;
    return value[i];
}

/* The median of n values given as runs of equal ones (at most 16 distinct
 * runs), as sdd__median takes it: the same order statistics, and for an
 * even n the mean of the two middle ones in the same words. */
static double median_of_runs(const double *run_value, const int *run_count, int runs, int n)
{
    double value[16];
    int count[16], m = 0;

    for (int r = 0; r < runs; r++) {      /* insertion into sorted distinct values */
        int i = 0;
        while (i < m && value[i] < run_value[r])
            i++;
        if (i < m && value[i] == run_value[r]) {
            count[i] += run_count[r];
            continue;
        }
        memmove(value + i + 1, value + i, (size_t)(m - i) * sizeof(*value));
        memmove(count + i + 1, count + i, (size_t)(m - i) * sizeof(*count));
        value[i] = run_value[r];
        count[i] = run_count[r];
        m++;
    }
    if (n % 2)
        return nth_of_runs(value, count, n / 2);
    return (nth_of_runs(value, count, n / 2 - 1) + nth_of_runs(value, count, n / 2)) / 2;
}

/* The older weeks are 15-minute means spread over their minutes: a few
 * runs of one value each, whose median is found from the runs rather than
 * by selecting among n copies. */
double sdd__median_of(const double *v, int n)
{
    double copy[1440], run_value[16];
    int run_count[16], runs = 0;

    if (n < 1 || n > 1440)
        return NAN;
    for (int i = 0; i < n; i++) {
        if (isnan(copy[i] = v[i]))
            return NAN;
        if (runs <= 16 && i > 0 && copy[i] == copy[i - 1])
            run_count[runs - 1]++;
        else if (++runs <= 16) {
            run_value[runs - 1] = copy[i];
            run_count[runs - 1] = 1;
        }
    }
    return runs <= 16 ? median_of_runs(run_value, run_count, runs, n) : sdd__median(copy, n);
}

double sdd__window_median(const sdd_detect_input *in, int metric, int64_t first, int n)
{
    double v[1440];

    if (n < 1 || n > 1440 || in->series(in->ctx, metric, first, n, v) != n)
        return NAN;
    return sdd__median_of(v, n);
}
