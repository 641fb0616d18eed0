/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_median.c: sdd__median_of, which counts runs of equal values, gives
 * the very value sdd__median selects (the volume detector's cap, golden
 * notifications depend on its bits): windows of 15-minute means spread over
 * their minutes at every alignment, odd and even lengths, runs of one
 * value apart, more runs than it counts, and NAN when a slot has no data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detector.h"

/* What sdd__median gives for v, on a copy (it reorders). */
static double selected(const double *v, int n)
{
    double copy[1440];

    memcpy(copy, v, (size_t)n * sizeof(*v));
    return sdd__median(copy, n);
}

static void assert_same(const double *v, int n)
{
    double want = selected(v, n), got = sdd__median_of(v, n);

    assert_memory_equal(&got, &want, sizeof(got));
}

/* Windows of n minutes over quarter hours of pseudo-random levels (some
 * repeated, some zero), starting anywhere in a quarter hour. */
static void test_runs_of_coarse_slots(void **state)
{
    double v[1440];

    (void)state;
    srand(7);
    for (int trial = 0; trial < 2000; trial++) {
        int n = 1 + rand() % 240, shift = rand() % 15, levels = 1 + rand() % 8;
        double level[8];
        for (int l = 0; l < levels; l++)
            level[l] = (rand() % 5 == 0) ? 0 : (double)(rand() % 1000) * 1500.0 / 7;
        for (int i = 0; i < n; i++)
            v[i] = level[((i + shift) / 15) % levels];
        assert_same(v, n);
    }
}

/* Minute values, all different or nearly: more runs than counted. */
static void test_many_runs(void **state)
{
    double v[1440];

    (void)state;
    srand(11);
    for (int trial = 0; trial < 500; trial++) {
        int n = 1 + rand() % 1440;
        for (int i = 0; i < n; i++)
            v[i] = (double)(rand() % (1 + trial)) / 3;
        assert_same(v, n);
    }
}

static void test_no_data(void **state)
{
    double v[60];

    (void)state;
    for (int i = 0; i < 60; i++)
        v[i] = 5;
    v[59] = NAN;
    assert_true(isnan(sdd__median_of(v, 60)));
    assert_true(isnan(sdd__median_of(v, 0)));
    assert_true(isnan(sdd__median_of(v, 1441)));
    assert_true(sdd__median_of(v, 59) == 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_of_coarse_slots),
        cmocka_unit_test(test_many_runs),
        cmocka_unit_test(test_no_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
