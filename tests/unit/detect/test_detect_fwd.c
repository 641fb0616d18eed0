/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_detect_fwd.c: the forwarding-plane pattern detectors and the peak
 * finder on hand-made series with known answers: the definitions SciPy
 * uses, each parameter at the edges of its range, missing data and
 * mismatched seasons. The detectors' only input is the `series` callback,
 * here a fake over arrays. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detectors.h"
#include "engine/metrics.h"
#include "detect/peaks.h"

#define STEP 60
#define N 60                            /* pattern_length_minutes 60 in one-minute slots */
#define SLOT 1000000                    /* the slot that just closed */
#define BACK (168 * 60)                 /* time_delta_hours 168 in slots */
#define FIRST (SLOT - N + 1)

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, tolerance)                                                                    \
    do {                                                                                                \
        double a_ = (a), b_ = (b);                                                                      \
        if (!(fabs(a_ - b_) <= (tolerance)))                                                            \
            fail_msg("%s is %.17g, expected %.17g", #a, a_, b_);                                        \
    } while (0)

/* ---- fake input ---------------------------------------------------------- */

/* The current window and the one BACK slots earlier of every metric, and
 * a level for the windows w * BACK earlier (w >= 2) and the pattern window
 * around them; NAN is no data, and so is every other slot. */
typedef struct fake {
    double now[SDD_M_COUNT][N];
    double then[SDD_M_COUNT][N];
    double older[SDD_BASELINE_WEEKS_MAX + 1];
} fake;

/* The older weeks' level at slot s, NAN outside them. */
static double older_level(const fake *f, int64_t s)
{
    for (int w = 2; w <= SDD_BASELINE_WEEKS_MAX; w++)
        if (s >= FIRST - (int64_t)w * BACK - N && s <= SLOT - (int64_t)w * BACK + N)
            return f->older[w];
    return NAN;
}

static int fake_series(const void *ctx, int metric, int64_t first, int n, double *out)
{
    const fake *f = ctx;
    int present = 0;

    for (int i = 0; i < n; i++) {
        int64_t s = first + i;
        out[i] = s >= FIRST && s <= SLOT               ? f->now[metric][s - FIRST]
                 : s >= FIRST - BACK && s <= SLOT - BACK ? f->then[metric][s - FIRST + BACK]
                                                         : older_level(f, s);
        present += !isnan(out[i]);
    }
    return present;
}

static fake *fake_new(void)
{
    fake *f = malloc(sizeof(*f));

    assert_non_null(f);
    for (int m = 0; m < SDD_M_COUNT; m++)
        for (int i = 0; i < N; i++)
            f->now[m][i] = f->then[m][i] = NAN;
    for (int w = 0; w <= SDD_BASELINE_WEEKS_MAX; w++)
        f->older[w] = NAN;
    return f;
}

static void fill(double *x, int from, int to, double v)
{
    for (int i = from; i < to; i++)
        x[i] = v;
}

/* Every parameter the two detectors read, set here rather than taken from
 * the defaults, so that the expected answers below hold. */
static sdd_profile profile(void)
{
    sdd_profile p;

    memset(&p, 0, sizeof(p));
    p.v[SDD_P_PATTERN_LENGTH_MINUTES] = 60;
    p.v[SDD_P_TIME_DELTA_HOURS] = 168;
    p.v[SDD_P_BASELINE_WEEKS] = 1;
    p.v[SDD_P_FLATTEN_STEP] = 3;
    p.v[SDD_P_WIDTH] = 3;
    p.v[SDD_P_SPIKE_CONSTANT_THRESHOLD] = 20;
    p.v[SDD_P_SPIKE_PERCENT_THRESHOLD] = 0.5;
    p.v[SDD_P_DROP_PERCENT_THRESHOLD] = 0.5;
    p.v[SDD_P_TCP_SPIKE_WEIGHT] = 0.2;
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.5;
    p.v[SDD_P_UDP_PATTERN_WEIGHT] = 0.3;
    return p;
}

/* What a detector sees of the fake at SLOT, every week a workday. */
static sdd_detect_input input_of(const fake *f, const sdd_profile *p, sdd_season season)
{
    sdd_detect_input in;

    memset(&in, 0, sizeof(in));
    in.profile = p;
    in.step = STEP;
    in.slot = SLOT;
    in.season = season;
    in.series = fake_series;
    in.ctx = f;
    return in;
}

static int detect(const sdd_detector *d, const fake *f, const sdd_profile *p, sdd_season season,
                  sdd_season ref_season, sdd_symptom *out)
{
    sdd_detect_input in = input_of(f, p, season);

    in.ref_season[0] = ref_season;
    return d->run(&in, out, 4);
}

static int spike_run(const fake *f, const sdd_profile *p, sdd_symptom *out)
{
    return detect(&sdd__detectors[SDD_DET_FLOW_COUNT], f, p, SDD_SEASON_WORKDAY, SDD_SEASON_WORKDAY, out);
}

static int udp_run(const fake *f, const sdd_profile *p, sdd_symptom *out)
{
    return detect(&sdd__detectors[SDD_DET_PATTERN], f, p, SDD_SEASON_WORKDAY, SDD_SEASON_WORKDAY, out);
}

/* The volume detector on the TCP bytes alone, with holidays the older
 * weeks `holiday` (bit w: w weeks back). */
static int volume_run(const fake *f, const sdd_profile *p, unsigned holiday, sdd_symptom *out)
{
    sdd_detect_input in = input_of(f, p, SDD_SEASON_WORKDAY);

    for (int w = 1; w <= SDD_BASELINE_WEEKS_MAX; w++)
        in.ref_season[w - 1] = holiday & (1u << w) ? SDD_SEASON_HOLIDAY : SDD_SEASON_WORKDAY;
    return sdd__detectors[SDD_DET_VOLUME].run(&in, out, 4);
}

/* TCP bytes: `now` a slot today, `week1` a week ago, `older` the weeks
 * before; the volume window of 10 slots. */
static fake *tcp_weeks(double now, double week1, double older)
{
    fake *f = fake_new();

    fill(f->now[SDD_M_TCP_BYTES], 0, N, now);
    fill(f->then[SDD_M_TCP_BYTES], 0, N, week1);
    for (int w = 2; w <= SDD_BASELINE_WEEKS_MAX; w++)
        f->older[w] = older;
    return f;
}

static sdd_profile volume_profile(int weeks)
{
    sdd_profile p = profile();

    p.v[SDD_P_VOLUME_LENGTH_MINUTES] = 10;
    p.v[SDD_P_TCP_SUM_PERCENT_THRESHOLD] = 0.5;
    p.v[SDD_P_TCP_SUM_WEIGHT] = 0.3;
    p.v[SDD_P_BASELINE_WEEKS] = weeks;
    return p;
}

/* ---- the baseline over several weeks --------------------------------------- */

/* A burst a week ago (3000 a slot, 1000 usual): today's 600 is a fall of
 * 80 % against that week alone, of 40 % against the lower median of four.
 * A quiet week a week ago (an incident, a holiday not declared): today
 * just as quiet is a fall of 70 % against the four weeks, none against
 * that week alone. A week of another season is left out; with only one
 * week left, it decides. */
static void test_volume_weeks_outvote_an_odd_week(void **state)
{
    (void)state;
    fake *f = tcp_weeks(600, 3000, 1000);
    sdd_profile one = volume_profile(1), four = volume_profile(4);
    sdd_symptom s[4];

    assert_int_equal(volume_run(f, &one, 0, s), 1);
    assert_near(s[0].strength, 0.8, 1e-12);
    assert_string_equal(s[0].description, "tcp_sum 6000 bytes, 30000 one week earlier (-80%)");
    assert_int_equal(volume_run(f, &four, 0, s), 0);
    free(f);

    f = tcp_weeks(300, 300, 1000);
    assert_int_equal(volume_run(f, &one, 0, s), 0);
    assert_int_equal(volume_run(f, &four, 0, s), 1);
    assert_near(s[0].strength, 0.7, 1e-12);
    assert_string_equal(s[0].description, "tcp_sum 3000 bytes, 10000 the lower median of 4 earlier weeks (-70%)");
    assert_int_equal(volume_run(f, &four, 1u << 2, s), 1);                   /* 300, 1000, 1000 */
    assert_int_equal(volume_run(f, &four, 1u << 2 | 1u << 3 | 1u << 4, s), 0);  /* 300 alone */
    f->older[3] = NAN;                                                       /* no data: left out too */
    assert_int_equal(volume_run(f, &four, 1u << 2, s), 0);                   /* 300, 1000 */
    free(f);
}

/* Last week's UDP stopped at slot 40, the older weeks and today are flat:
 * the change is that week's, not today's. */
static void test_udp_weeks_outvote_an_odd_week(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];

    fill(f->now[SDD_M_UDP_BYTES], 0, N, 1000);
    fill(f->then[SDD_M_UDP_BYTES], 0, 40, 1000);
    fill(f->then[SDD_M_UDP_BYTES], 40, N, 0);
    for (int w = 2; w <= 4; w++)
        f->older[w] = 1000;
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.3;
    assert_int_equal(udp_run(f, &p, s), 1);         /* over that week's trough after its stop: large */
    assert_near(s[0].strength, 1, 0);
    p.v[SDD_P_BASELINE_WEEKS] = 4;
    assert_int_equal(udp_run(f, &p, s), 0);
    fill(f->now[SDD_M_UDP_BYTES], 40, N, 0);        /* today's stop, against every week: 1/3 or more */
    assert_int_equal(udp_run(f, &p, s), 1);
    assert_near(s[0].strength, 1.0 / 3, 1e-12);
    assert_non_null(strstr(s[0].description, "in 4 earlier weeks (lower median)"));
    free(f);
}

/* ---- peaks --------------------------------------------------------------- */

static int peaks_of(const double *x, int n, double min_prominence, double min_width, double max_width,
                    sdd_peak *out)
{
    return sdd__find_peaks(x, n, min_prominence, min_width, max_width, out, 8);
}

static void test_peak_single(void **state)
{
    (void)state;
    const double x[] = {0, 1, 0};
    sdd_peak p[8];

    assert_int_equal(peaks_of(x, 3, 0, 0, INFINITY, p), 1);
    assert_int_equal(p[0].index, 1);
    assert_near(p[0].prominence, 1, 0);
    assert_near(p[0].left_ips, 0.5, 0);
    assert_near(p[0].right_ips, 1.5, 0);
    assert_near(p[0].width, 1, 0);
}

/* A flat top is one peak at its middle, rounded down; its width is measured
 * from its edges. */
static void test_peak_plateau(void **state)
{
    (void)state;
    const double even[] = {0, 2, 2, 2, 2, 0}, odd[] = {0, 2, 2, 2, 0};
    sdd_peak p[8];

    assert_int_equal(peaks_of(even, 6, 0, 0, INFINITY, p), 1);
    assert_int_equal(p[0].index, 2);
    assert_near(p[0].left_ips, 0.5, 0);
    assert_near(p[0].right_ips, 4.5, 0);
    assert_near(p[0].width, 4, 0);
    assert_int_equal(peaks_of(odd, 5, 0, 0, INFINITY, p), 1);
    assert_int_equal(p[0].index, 2);
}

/* No maximum at either end, on a flat stretch touching an end, on a
 * constant or monotone series, or in fewer than three samples. */
static void test_peak_none(void **state)
{
    (void)state;
    const double end[] = {0, 1, 1}, start[] = {1, 1, 0}, flat[] = {3, 3, 3, 3}, up[] = {1, 2, 3, 4};
    const double two[] = {0, 1};
    sdd_peak p[8];

    assert_int_equal(peaks_of(end, 3, 0, 0, INFINITY, p), 0);
    assert_int_equal(peaks_of(start, 3, 0, 0, INFINITY, p), 0);
    assert_int_equal(peaks_of(flat, 4, 0, 0, INFINITY, p), 0);
    assert_int_equal(peaks_of(up, 4, 0, 0, INFINITY, p), 0);
    assert_int_equal(peaks_of(two, 2, 0, 0, INFINITY, p), 0);
    assert_int_equal(peaks_of(two, 0, 0, 0, INFINITY, p), 0);
}

/* The smaller peak's left base stops at the higher peak; its contour is the
 * higher of its two bases. */
static void test_peak_prominence_and_width(void **state)
{
    (void)state;
    const double x[] = {0, 5, 1, 3, 0};
    sdd_peak p[8];

    assert_int_equal(peaks_of(x, 5, 0, 0, INFINITY, p), 2);
    assert_int_equal(p[0].index, 1);
    assert_near(p[0].prominence, 5, 0);
    assert_near(p[0].left_ips, 0.5, 1e-12);
    assert_near(p[0].right_ips, 1.625, 1e-12);
    assert_int_equal(p[1].index, 3);
    assert_near(p[1].prominence, 2, 0);
    assert_near(p[1].left_ips, 2.5, 1e-12);
    assert_near(p[1].right_ips, 4 - 2.0 / 3, 1e-12);
    assert_near(p[1].width, 1.5 - 2.0 / 3, 1e-12);
}

/* Both limits are inclusive, as SciPy's. */
static void test_peak_filters(void **state)
{
    (void)state;
    const double x[] = {0, 5, 1, 3, 0};
    sdd_peak p[8];

    assert_int_equal(peaks_of(x, 5, 2, 0, INFINITY, p), 2);
    assert_int_equal(peaks_of(x, 5, 2.000001, 0, INFINITY, p), 1);
    assert_int_equal(p[0].index, 1);
    assert_int_equal(peaks_of(x, 5, 0, 0, 1.125, p), 2);
    assert_int_equal(peaks_of(x, 5, 0, 0, 1.124, p), 1);
    assert_int_equal(p[0].index, 3);
    assert_int_equal(peaks_of(x, 5, 0, 1.125, INFINITY, p), 1);
    assert_int_equal(p[0].index, 1);
}

/* All peaks are counted, only `max` are written. */
static void test_peak_count_beyond_max(void **state)
{
    (void)state;
    const double x[] = {0, 5, 1, 3, 0};
    sdd_peak p[2] = {{.index = -7}, {.index = -7}};

    assert_int_equal(sdd__find_peaks(x, 5, 0, 0, INFINITY, p, 1), 2);
    assert_int_equal(p[0].index, 1);
    assert_int_equal(p[1].index, -7);
}

/* ---- flow_count_spike ---------------------------------------------------- */

/* Level 100, a one-slot spike at slot 40, then `after`. */
static void onset(double *x, double spike, double after)
{
    fill(x, 0, 40, 100);
    x[40] = spike;
    fill(x, 41, N, after);
}

/* The onset of a disruption: median 100, threshold max(20, 50) = 50,
 * prominence 500 over the left base; width = 3 slots each side: 100 then
 * 10, a 90% drop. Strength 0.5 + 0.25 (1 - 50/500) + 0.25 (0.9 - 0.5) / 0.5. */
static void test_spike_then_drop(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];

    onset(f->now[SDD_M_TCP_SYN_FLOWS], 600, 10);
    onset(f->now[SDD_M_TCP_FLOWS], 2000, 100);
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_string_equal(s[0].detector, "flow_count_spike");
    assert_near(s[0].strength, 0.925, 1e-12);
    assert_near(s[0].weight, 0.2, 0);
    assert_int_equal(s[0].plane, SDD_PLANE_FORWARDING);
    assert_int_equal(s[0].pattern, SDD_PATTERN_SPIKE);
    assert_null(s[0].action);
    assert_null(s[0].reason);
    assert_null(s[0].trigger);
    assert_int_equal(s[0].termination, -1);
    assert_true(s[0].start == (int64_t)(FIRST + 37) * STEP);
    assert_true(s[0].end == (int64_t)(SLOT + 1) * STEP);
    assert_non_null(strstr(s[0].description, "SYN flows spike of 500"));
    free(f);
}

/* A PE-CE link comes back: silence, then every session reconnects at once
 * (what the scenario generator writes). Median (0 + 100) / 2 = 50, threshold
 * 25, prominence 600 over the right base; 3 slots of 0 before, 100 after. */
static void test_reconnection_storm(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];
    double *syn = f->now[SDD_M_TCP_SYN_FLOWS];

    fill(syn, 0, 20, 100);
    fill(syn, 20, 50, 0);
    syn[50] = 700;
    fill(syn, 51, N, 100);
    fill(f->now[SDD_M_TCP_FLOWS], 0, N, 400);
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.5 + 0.25 * (1 - 25.0 / 600) + 0.25, 1e-12);
    assert_non_null(strstr(s[0].description, "reconnecting"));
    free(f);
}

/* An exporter without TCP flags: no SYN flow at all, so all TCP flows are
 * looked at; and when the SYN series has a hole, too. */
static void test_falls_back_to_tcp_flows(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];

    fill(f->now[SDD_M_TCP_SYN_FLOWS], 0, N, 0);
    onset(f->now[SDD_M_TCP_FLOWS], 600, 10);
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.925, 1e-12);
    assert_non_null(strstr(s[0].description, "TCP flows spike"));
    assert_null(strstr(s[0].description, "SYN"));
    onset(f->now[SDD_M_TCP_SYN_FLOWS], 600, 10);
    f->now[SDD_M_TCP_SYN_FLOWS][7] = NAN;
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_non_null(strstr(s[0].description, "TCP flows spike"));
    free(f);
}

/* A spike alone (a burst) or a drop alone is not the pattern. */
static void test_spike_or_drop_alone(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];

    onset(f->now[SDD_M_TCP_SYN_FLOWS], 600, 100);
    assert_int_equal(spike_run(f, &p, s), 0);
    onset(f->now[SDD_M_TCP_SYN_FLOWS], 100, 10);
    assert_int_equal(spike_run(f, &p, s), 0);
    free(f);
}

static void test_spike_missing_data(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];

    assert_int_equal(spike_run(f, &p, s), 0);
    onset(f->now[SDD_M_TCP_SYN_FLOWS], 600, 10);
    onset(f->now[SDD_M_TCP_FLOWS], 600, 10);
    f->now[SDD_M_TCP_SYN_FLOWS][45] = NAN;
    f->now[SDD_M_TCP_FLOWS][45] = NAN;
    assert_int_equal(spike_run(f, &p, s), 0);
    free(f);
}

/* A flat top three slots wide (width at half prominence 2.92) is a spike of
 * semi-width 2, not 1. A hump 25 slots wide needs width 13 of at most
 * pattern_length / step / 2 - 1 = 29; its sides are then `width` slots, at
 * most a quarter of the window: 13 slots (means 130 and 116), 15 slots. */
static void test_spike_width(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];
    double *syn = f->now[SDD_M_TCP_SYN_FLOWS];

    onset(syn, 600, 10);
    syn[41] = syn[42] = 600;
    p.v[SDD_P_WIDTH] = 1;
    assert_int_equal(spike_run(f, &p, s), 0);
    p.v[SDD_P_WIDTH] = 2;
    assert_int_equal(spike_run(f, &p, s), 1);

    for (int i = 0; i < N; i++)         /* 100 up to 225 at slot 27 and down to 110, then 10 */
        syn[i] = i > 50 ? 10 : abs(i - 27) > 25 ? 100 : 100 + 5 * (25 - abs(i - 27));
    p.v[SDD_P_DROP_PERCENT_THRESHOLD] = 0;
    p.v[SDD_P_WIDTH] = 12;
    assert_int_equal(spike_run(f, &p, s), 0);
    p.v[SDD_P_WIDTH] = 13;
    assert_int_equal(spike_run(f, &p, s), 1);
    p.v[SDD_P_WIDTH] = 29;
    assert_int_equal(spike_run(f, &p, s), 1);
    free(f);
}

/* Prominence 500 over a level of 100: the limits are inclusive. With both
 * thresholds 0 a spike of 1 counts, fully past them. */
static void test_spike_thresholds(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];
    double *syn = f->now[SDD_M_TCP_SYN_FLOWS];

    onset(syn, 600, 10);
    p.v[SDD_P_SPIKE_CONSTANT_THRESHOLD] = 500;
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.5 + 0.2, 1e-12);
    p.v[SDD_P_SPIKE_CONSTANT_THRESHOLD] = 500.5;
    assert_int_equal(spike_run(f, &p, s), 0);

    p.v[SDD_P_SPIKE_CONSTANT_THRESHOLD] = 0;
    p.v[SDD_P_SPIKE_PERCENT_THRESHOLD] = 1;
    onset(syn, 199, 10);
    assert_int_equal(spike_run(f, &p, s), 0);
    onset(syn, 200, 10);
    assert_int_equal(spike_run(f, &p, s), 1);

    p.v[SDD_P_SPIKE_PERCENT_THRESHOLD] = 0;
    onset(syn, 101, 10);
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.5 + 0.25 + 0.2, 1e-12);
    free(f);
}

/* drop_percent_threshold 0: any lower side; 1: never, not even silence. */
static void test_spike_drop_threshold(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];
    double *syn = f->now[SDD_M_TCP_SYN_FLOWS];

    p.v[SDD_P_DROP_PERCENT_THRESHOLD] = 0;
    onset(syn, 600, 99);
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.5 + 0.25 * 0.9 + 0.25 * 0.01, 1e-12);
    onset(syn, 600, 100);
    assert_int_equal(spike_run(f, &p, s), 0);
    p.v[SDD_P_DROP_PERCENT_THRESHOLD] = 1;
    onset(syn, 600, 0);
    assert_int_equal(spike_run(f, &p, s), 0);
    p.v[SDD_P_DROP_PERCENT_THRESHOLD] = 0.99;
    assert_int_equal(spike_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.5 + 0.25 * 0.9 + 0.25, 1e-12);
    free(f);
}

/* A spike is judged once `width` slots have followed it: not 2 slots
 * before the end of the window, 3 slots before it. */
static void test_spike_at_window_end(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];
    double *syn = f->now[SDD_M_TCP_SYN_FLOWS];

    fill(syn, 0, N, 100);
    syn[N - 3] = 600;
    fill(syn, N - 2, N, 0);
    assert_int_equal(spike_run(f, &p, s), 0);
    fill(syn, 0, N, 100);
    syn[N - 4] = 600;
    fill(syn, N - 3, N, 0);
    assert_int_equal(spike_run(f, &p, s), 1);
    free(f);
}

/* Level 100, then a peak of 400, a dip to 300 and a burst that goes on: the
 * burst after it averages (300 + 2 * 395) / 3 = 363, so the peak is 37 above
 * it, less than the threshold of 50. Followed by 300, it is a spike out of
 * a lower stretch. */
static void test_spike_into_burst(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];
    double *syn = f->now[SDD_M_TCP_SYN_FLOWS];

    fill(syn, 0, 40, 100);
    syn[40] = 400;
    syn[41] = 300;
    fill(syn, 42, N, 395);
    assert_int_equal(spike_run(f, &p, s), 0);
    fill(syn, 42, N, 300);
    assert_int_equal(spike_run(f, &p, s), 1);
    free(f);
}

/* ---- udp_pattern --------------------------------------------------------- */

/* Last week flat at 1000; this week the same until slot 40, then `after`. */
static fake *udp_step(double after)
{
    fake *f = fake_new();

    fill(f->then[SDD_M_UDP_BYTES], 0, N, 1000);
    fill(f->now[SDD_M_UDP_BYTES], 0, 40, 1000);
    fill(f->now[SDD_M_UDP_BYTES], 40, N, after);
    return f;
}

/* A stop spreads over flatten_step gradients of 1000/3 each: deviation 1/3. */
static void test_udp_step(void **state)
{
    (void)state;
    fake *f = udp_step(0);
    sdd_profile p = profile();
    sdd_symptom s[4];

    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.3;
    assert_int_equal(udp_run(f, &p, s), 1);
    assert_string_equal(s[0].detector, "udp_pattern");
    assert_near(s[0].strength, 1.0 / 3, 1e-12);
    assert_near(s[0].weight, 0.3, 0);
    assert_int_equal(s[0].plane, SDD_PLANE_FORWARDING);
    assert_int_equal(s[0].pattern, SDD_PATTERN_SEASONALITY_SHIFT);
    assert_null(s[0].action);
    assert_true(s[0].start == (int64_t)FIRST * STEP);
    assert_true(s[0].end == (int64_t)(SLOT + 1) * STEP);
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.34;
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
}

/* Same curve, or the same curve higher: no change of shape. */
static void test_udp_same_shape(void **state)
{
    (void)state;
    fake *f = fake_new();
    sdd_profile p = profile();
    sdd_symptom s[4];

    for (int i = 0; i < N; i++) {
        f->then[SDD_M_UDP_BYTES][i] = 1000 + 400 * sin(i / 9.0);
        f->now[SDD_M_UDP_BYTES][i] = f->then[SDD_M_UDP_BYTES][i];
    }
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0;
    assert_int_equal(udp_run(f, &p, s), 0);
    for (int i = 0; i < N; i++)
        f->now[SDD_M_UDP_BYTES][i] += 5000;
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.01;
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
}

/* flatten_step 1 is the raw curve: a stop deviates by 1, which is not past
 * a threshold of 1; tripling is (and its strength stays 1). */
static void test_udp_flatten_one_and_threshold_one(void **state)
{
    (void)state;
    fake *f = udp_step(0);
    sdd_profile p = profile();
    sdd_symptom s[4];

    p.v[SDD_P_FLATTEN_STEP] = 1;
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.99;
    assert_int_equal(udp_run(f, &p, s), 1);
    assert_near(s[0].strength, 1, 1e-12);
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 1;
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
    f = udp_step(3000);
    assert_int_equal(udp_run(f, &p, s), 1);
    assert_near(s[0].strength, 1, 0);
    free(f);
}

/* flatten_step at its largest, 60 / 2 - 1 = 29: a stop deviates by 1/29. */
static void test_udp_flatten_max(void **state)
{
    (void)state;
    fake *f = udp_step(0);
    sdd_profile p = profile();
    sdd_symptom s[4];

    p.v[SDD_P_FLATTEN_STEP] = 29;
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.034;
    assert_int_equal(udp_run(f, &p, s), 1);
    assert_near(s[0].strength, 1.0 / 29, 1e-12);
    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.035;
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
}

/* Threshold 0: any change of shape, however small. */
static void test_udp_threshold_zero(void **state)
{
    (void)state;
    fake *f = udp_step(1000);
    sdd_profile p = profile();
    sdd_symptom s[4];

    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0;
    assert_int_equal(udp_run(f, &p, s), 0);
    f->now[SDD_M_UDP_BYTES][50] = 1003;
    assert_int_equal(udp_run(f, &p, s), 1);
    assert_near(s[0].strength, 0.001, 1e-12);
    free(f);
}

static void test_udp_missing_data(void **state)
{
    (void)state;
    sdd_profile p = profile();
    sdd_symptom s[4];
    fake *f = udp_step(0);

    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0;
    f->now[SDD_M_UDP_BYTES][3] = NAN;
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
    f = udp_step(0);
    f->then[SDD_M_UDP_BYTES][59] = NAN;
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
    f = udp_step(0);                    /* no traffic last week: nothing to scale by */
    fill(f->then[SDD_M_UDP_BYTES], 0, N, 0);
    assert_int_equal(udp_run(f, &p, s), 0);
    free(f);
}

/* A holiday is not compared with a workday; two holidays are. */
static void test_udp_season(void **state)
{
    (void)state;
    fake *f = udp_step(0);
    sdd_profile p = profile();
    sdd_symptom s[4];

    p.v[SDD_P_UDP_PATTERN_PERCENT_THRESHOLD] = 0.3;
    assert_int_equal(detect(&sdd__detectors[SDD_DET_PATTERN], f, &p, SDD_SEASON_WORKDAY, SDD_SEASON_HOLIDAY, s), 0);
    assert_int_equal(detect(&sdd__detectors[SDD_DET_PATTERN], f, &p, SDD_SEASON_HOLIDAY, SDD_SEASON_WORKDAY, s), 0);
    assert_int_equal(detect(&sdd__detectors[SDD_DET_PATTERN], f, &p, SDD_SEASON_HOLIDAY, SDD_SEASON_HOLIDAY, s), 1);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peak_single),
        cmocka_unit_test(test_peak_plateau),
        cmocka_unit_test(test_peak_none),
        cmocka_unit_test(test_peak_prominence_and_width),
        cmocka_unit_test(test_peak_filters),
        cmocka_unit_test(test_peak_count_beyond_max),
        cmocka_unit_test(test_spike_then_drop),
        cmocka_unit_test(test_reconnection_storm),
        cmocka_unit_test(test_falls_back_to_tcp_flows),
        cmocka_unit_test(test_spike_or_drop_alone),
        cmocka_unit_test(test_spike_missing_data),
        cmocka_unit_test(test_spike_width),
        cmocka_unit_test(test_spike_thresholds),
        cmocka_unit_test(test_spike_drop_threshold),
        cmocka_unit_test(test_spike_at_window_end),
        cmocka_unit_test(test_spike_into_burst),
        cmocka_unit_test(test_udp_step),
        cmocka_unit_test(test_udp_same_shape),
        cmocka_unit_test(test_udp_flatten_one_and_threshold_one),
        cmocka_unit_test(test_udp_flatten_max),
        cmocka_unit_test(test_udp_threshold_zero),
        cmocka_unit_test(test_udp_missing_data),
        cmocka_unit_test(test_udp_season),
        cmocka_unit_test(test_volume_weeks_outvote_an_odd_week),
        cmocka_unit_test(test_udp_weeks_outvote_an_odd_week),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
