/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_detect_ctl.c: the control-plane (BMP withdraws and updates),
 * management-plane (interface state), forwarding-status (with its drop
 * model and trainer) and link-saturation detectors, on hand-made series and
 * events with known answers, at the edges of their parameters' ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/config.h"
#include "detect/detectors.h"
#include "detect/drop_model.h"
#include "engine/metrics.h"

#define SLOTS 512               /* slots the fake series holds */
#define BASE 100000             /* slot number of the fake's first slot */
#define NOW (BASE + 400)        /* the slot that just closed */
#define STEP 60
#define SLOT_END ((int64_t)(NOW + 1) * STEP)

/* ---- a fake service ---------------------------------------------------- */

typedef struct fixture {
    double v[SDD_M_COUNT][SLOTS];       /* NAN: no data */
    sdd_profile profile;
    sdd_event events[32];
    sdd_detect_input in;
    sdd_symptom out[8];
} fixture;

static int fake_series(const void *ctx, int metric, int64_t first, int n, double *out)
{
    const fixture *fx = ctx;
    int present = 0;

    assert_in_range(metric, 0, SDD_M_COUNT - 1);
    for (int i = 0; i < n; i++) {
        int64_t k = first + i - BASE;
        out[i] = k >= 0 && k < SLOTS ? fx->v[metric][k] : NAN;
        present += !isnan(out[i]);
    }
    return present;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    sdd_config *cfg = sdd_config_new();

    assert_non_null(fx);
    assert_non_null(cfg);
    for (int m = 0; m < SDD_M_COUNT; m++)
        for (int k = 0; k < SLOTS; k++)
            fx->v[m][k] = NAN;
    fx->profile = cfg->profiles[0];     /* the built-in defaults */
    sdd_config_free(cfg);
    fx->in.profile = &fx->profile;
    fx->in.step = STEP;
    fx->in.slot = NOW;
    fx->in.series = fake_series;
    fx->in.ctx = fx;
    fx->in.events = fx->events;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Slots from .. to (inclusive, slot numbers) of a metric hold v. */
static void set(fixture *fx, int metric, int64_t from, int64_t to, double v)
{
    for (int64_t s = from; s <= to; s++)
        fx->v[metric][s - BASE] = v;
}

static void param(fixture *fx, sdd_param p, double v)
{
    fx->profile.v[p] = v;
}

static int run(fixture *fx, const sdd_detector *d)
{
    memset(fx->out, 0, sizeof(fx->out));
    return d->run(&fx->in, fx->out, 8);
}

#define assert_near(a, b, eps) near_or_fail((a), (b), (eps), __LINE__)

static void near_or_fail(double a, double b, double eps, int line)
{
    if (!(fabs(a - b) <= eps))
        fail_msg("line %d: %.17g is not %.17g (within %g)", line, a, b, eps);
}

static void assert_text(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else
        assert_string_equal(got, want);
}

/* ---- BMP withdraws and updates ----------------------------------------- */

/* A steady history of `usual` events a slot, then the window's counts. */
static void bmp_history(fixture *fx, int metric, double usual)
{
    set(fx, metric, NOW - 399, NOW, usual);
}

static void bmp_params(fixture *fx, double damp, double prev, double factor, double min_events)
{
    param(fx, SDD_P_DAMP_COEF, damp);
    param(fx, SDD_P_PREVIOUS_SLOTS, prev);
    param(fx, SDD_P_BMP_USUAL_FACTOR, factor);
    param(fx, SDD_P_BMP_MIN_EVENTS, min_events);
}

static void test_withdraw_burst_damped(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 2, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);            /* usual: 2 (1 + .5 + .25) = 3.5 */
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 2, NOW, 40);     /* acc: 40 * 1.75 = 70 = 4 * (5 * 3.5) */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_string_equal(fx->out[0].detector, "bmp_withdraw");
    assert_near(fx->out[0].strength, 1 - 0.5 / 4, 1e-12);
    assert_near(fx->out[0].weight, fx->profile.v[SDD_P_BMP_WITHDRAW_WEIGHT], 0);
    assert_int_equal(fx->out[0].plane, SDD_PLANE_CONTROL);
    assert_text(fx->out[0].action, "Reachability");
    assert_text(fx->out[0].reason, "Withdraw");
    assert_text(fx->out[0].trigger, "Received");
    assert_int_equal(fx->out[0].pattern, SDD_PATTERN_SPIKE);
    assert_int_equal(fx->out[0].start, (int64_t)(NOW - 2) * STEP);
    assert_int_equal(fx->out[0].end, SLOT_END);
    assert_int_equal(fx->out[0].termination, -1);
    /* updates have no data here: nothing to say about them */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_UPDATE]), 0);
}

static void test_update_reads_its_own_series(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 2, 5, 10);
    bmp_history(fx, SDD_M_BMP_UPDATES, 2);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);
    set(fx, SDD_M_BMP_UPDATES, NOW - 2, NOW, 40);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_UPDATE]), 1);
    assert_string_equal(fx->out[0].detector, "bmp_update");
    assert_text(fx->out[0].reason, "Update");
    assert_text(fx->out[0].trigger, "Received");
    assert_near(fx->out[0].weight, fx->profile.v[SDD_P_BMP_UPDATE_WEIGHT], 0);
}

/* damp_coef 0: only the current slot counts, however busy the ones before. */
static void test_bmp_damp_zero(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0, 2, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 2, NOW - 1, 1000);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 5);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 20);         /* bar: max(10, 5 * 2) */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_near(fx->out[0].strength, 1 - 0.5 / 2, 1e-12);
}

/* damp_coef 1: a plain sum over previous_slots + 1 slots; equal to the bar
 * is not above it. */
static void test_bmp_damp_one(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 1, 2, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);            /* usual 6, bar 30 */
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 2, NOW, 10);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 11);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_near(fx->out[0].strength, 1 - 0.5 * 30 / 31, 1e-12);
}

static void test_bmp_previous_slots_zero(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 0, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 11);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_near(fx->out[0].strength, 1 - 0.5 * 10 / 11, 1e-12);
    assert_int_equal(fx->out[0].start, (int64_t)NOW * STEP);
}

/* bmp_min_events is a floor even for a service that is usually silent. */
static void test_bmp_min_events(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 0, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 9);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 10);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_near(fx->out[0].strength, 0.5, 1e-12);
    /* both bars at 0: any event is unusual, none is not */
    param(fx, SDD_P_BMP_MIN_EVENTS, 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 1);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_near(fx->out[0].strength, 1, 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 0);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
}

/* A bursty service (spread 2 around a mean of 2) needs a larger burst than a
 * steady one with the same mean. */
static void test_bmp_spread_raises_the_bar(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 0, 5, 0);
    for (int64_t s = NOW - 399; s < NOW; s++)
        set(fx, SDD_M_BMP_WITHDRAWS, s, s, s % 2 ? 4 : 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 15);         /* > 5 * mean, not > 5 * (mean + sd) */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 21);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_near(fx->out[0].strength, 1 - 0.5 * 20 / 21, 1e-9);
}

static void test_bmp_strength_grows(void **state)
{
    fixture *fx = *state;
    double weaker;

    bmp_params(fx, 0.5, 0, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 20);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    weaker = fx->out[0].strength;
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 200);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_true(fx->out[0].strength > weaker);
    assert_true(fx->out[0].strength < 1);
}

/* Fewer than 30 accumulations of history: no comparison. */
static void test_bmp_young_history(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 0, 5, 10);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 29, NOW - 1, 2);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 500);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 30, NOW - 30, 2);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
}

/* A gap in the window is not a quiet slot: no judgement. */
static void test_bmp_missing_data(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 2, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 2, NOW, 40);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 1, NOW - 1, NAN);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW - 1, NOW - 1, 40);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, NAN);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
    /* no BMP data at all */
    set(fx, SDD_M_BMP_WITHDRAWS, BASE, NOW, NAN);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 0);
}

/* previous_slots at the top of its range is capped, not read out of bounds. */
static void test_bmp_previous_slots_huge(void **state)
{
    fixture *fx = *state;

    bmp_params(fx, 0.5, 2147483647.0, 5, 10);
    bmp_history(fx, SDD_M_BMP_WITHDRAWS, 2);
    set(fx, SDD_M_BMP_WITHDRAWS, NOW, NOW, 100);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_WITHDRAW]), 1);
    assert_int_equal(fx->out[0].start, (int64_t)(NOW - 63) * STEP);
}

/* ---- interface state --------------------------------------------------- */

static void iface(fixture *fx, int64_t seconds_before_end, sdd_event_kind kind, int termination, const char *name)
{
    sdd_event *ev = &fx->events[fx->in.n_events++];

    memset(ev, 0, sizeof(*ev));
    ev->time = SLOT_END - seconds_before_end;
    ev->kind = kind;
    ev->termination = termination;
    ev->reason = -1;
    snprintf(ev->ifname, sizeof(ev->ifname), "%s", name);
}

static void test_oc_down_not_back(void **state)
{
    fixture *fx = *state;

    iface(fx, 60, SDD_EV_IFACE_DOWN, 2, "Gi0/0/0/1");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 1);
    assert_string_equal(fx->out[0].detector, "oc_interface_state");
    assert_near(fx->out[0].strength, 1, 0);
    assert_near(fx->out[0].weight, fx->profile.v[SDD_P_OC_WEIGHT], 0);
    assert_int_equal(fx->out[0].plane, SDD_PLANE_MANAGEMENT);
    assert_text(fx->out[0].action, "Interface State");
    assert_text(fx->out[0].reason, "Down");
    assert_text(fx->out[0].trigger, "Link-Layer");
    assert_int_equal(fx->out[0].termination, 2);
    assert_int_equal(fx->out[0].start, SLOT_END - 60);
    assert_int_equal(fx->out[0].end, SLOT_END);
    assert_non_null(strstr(fx->out[0].description, "Gi0/0/0/1"));
}

static void test_oc_flapping(void **state)
{
    fixture *fx = *state;

    iface(fx, 200, SDD_EV_IFACE_DOWN, 0, "xe-0/0/1");
    iface(fx, 150, SDD_EV_IFACE_UP, 0, "xe-0/0/1");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 1);
    assert_near(fx->out[0].strength, 0.5, 1e-12);
    assert_text(fx->out[0].reason, "Up");
    assert_int_equal(fx->out[0].start, SLOT_END - 200);
    iface(fx, 100, SDD_EV_IFACE_DOWN, 0, "xe-0/0/1");
    iface(fx, 50, SDD_EV_IFACE_UP, 0, "xe-0/0/1");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 1);
    assert_near(fx->out[0].strength, 0.75, 1e-12);
    iface(fx, 10, SDD_EV_IFACE_DOWN, 0, "xe-0/0/1");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 1);
    assert_near(fx->out[0].strength, 1, 0);
    assert_text(fx->out[0].reason, "Down");
}

/* oc_monitor_minutes at its minimum, 2: the window is [end - 120 s, end). */
static void test_oc_window_edges(void **state)
{
    fixture *fx = *state;

    param(fx, SDD_P_OC_MONITOR_MINUTES, 2);
    iface(fx, 121, SDD_EV_IFACE_DOWN, 0, "old");
    iface(fx, 0, SDD_EV_IFACE_DOWN, 0, "next-slot");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 0);
    iface(fx, 120, SDD_EV_IFACE_DOWN, 0, "edge");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 1);
    assert_non_null(strstr(fx->out[0].description, "edge"));
}

/* Periodic pushes repeating a known state are no change. */
static void test_oc_repeats_are_not_changes(void **state)
{
    fixture *fx = *state;

    iface(fx, 3600, SDD_EV_IFACE_UP, 1, "a");
    iface(fx, 60, SDD_EV_IFACE_UP, 1, "a");
    iface(fx, 3600, SDD_EV_IFACE_DOWN, 1, "b");
    iface(fx, 60, SDD_EV_IFACE_DOWN, 1, "b");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 0);
    iface(fx, 3600, SDD_EV_IFACE_UP, 1, "c");
    iface(fx, 90, SDD_EV_IFACE_DOWN, 1, "c");
    iface(fx, 30, SDD_EV_IFACE_DOWN, 1, "c");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 1);
    assert_int_equal(fx->out[0].start, SLOT_END - 90);
    assert_non_null(strstr(fx->out[0].description, "1 change "));
}

/* A lone up is a recovery; peer events are another detector's. */
static void test_oc_lone_up_and_peers(void **state)
{
    fixture *fx = *state;

    iface(fx, 60, SDD_EV_IFACE_UP, 0, "a");
    iface(fx, 50, SDD_EV_PEER_DOWN, 0, "");
    iface(fx, 40, SDD_EV_PEER_UP, 0, "");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 0);
    assert_int_equal(fx->in.n_events, 3);
}

/* The same name on two terminations is two interfaces; max is respected. */
static void test_oc_per_interface(void **state)
{
    fixture *fx = *state;

    iface(fx, 60, SDD_EV_IFACE_DOWN, 0, "Gi0/0/0/1");
    iface(fx, 50, SDD_EV_IFACE_DOWN, 1, "Gi0/0/0/1");
    iface(fx, 40, SDD_EV_IFACE_UP, 0, "Gi0/0/0/1");
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 2);
    assert_int_equal(fx->out[0].termination, 0);
    assert_text(fx->out[0].reason, "Up");
    assert_int_equal(fx->out[1].termination, 1);
    assert_text(fx->out[1].reason, "Down");
    assert_int_equal(sdd__detect_oc_interface_state(&fx->in, fx->out, 1), 1);
}

static void test_oc_no_events(void **state)
{
    fixture *fx = *state;

    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_OC]), 0);
}

/* ---- forwarding status --------------------------------------------------- */

/* The closed slot's drops: all reasons 0 but `code`. */
static void drops(fixture *fx, int code, double bytes)
{
    for (int i = 0; i < SDD_DROP_REASONS; i++)
        set(fx, SDD_M_DROP_BYTES + i, NOW, NOW, 0);
    set(fx, SDD_M_DROP_BYTES + code - 128, NOW, NOW, bytes);
    set(fx, SDD_M_DROP_PACKETS, NOW, NOW, bytes / 500);
}

static void test_fwd_threshold(void **state)
{
    fixture *fx = *state;

    param(fx, SDD_P_DROPPED_BYTES_THRESHOLD, 1e6);
    drops(fx, 129, 2e6);
    set(fx, SDD_M_DROP_BYTES + 3, NOW, NOW, 1e6);       /* 131 */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 1);
    assert_string_equal(fx->out[0].detector, "flow_fwd");
    assert_near(fx->out[0].strength, 1 - 0.5 / 3, 1e-12);
    assert_near(fx->out[0].weight, fx->profile.v[SDD_P_FLOW_FWD_WEIGHT], 0);
    assert_int_equal(fx->out[0].plane, SDD_PLANE_FORWARDING);
    assert_text(fx->out[0].action, "Drop");
    assert_text(fx->out[0].reason, "Administered");   /* 129 dropped the most */
    assert_text(fx->out[0].trigger, "Access-List");
    assert_int_equal(fx->out[0].start, (int64_t)NOW * STEP);
    assert_int_equal(fx->out[0].end, SLOT_END);
    assert_non_null(strstr(fx->out[0].description, "3000000 bytes"));
    drops(fx, 131, 1e6);                                /* equal is not above */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 0);
}

/* dropped_bytes_threshold 0: any dropped byte, and never none. */
static void test_fwd_threshold_zero(void **state)
{
    fixture *fx = *state;

    param(fx, SDD_P_DROPPED_BYTES_THRESHOLD, 0);
    drops(fx, 131, 0);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 0);
    drops(fx, 131, 1);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 1);
    assert_near(fx->out[0].strength, 1, 0);
}

/* A little dropped from a lot of forwarded traffic is below
 * drop_share_threshold; the same drop from little traffic is not. */
static void test_fwd_share(void **state)
{
    fixture *fx = *state;

    param(fx, SDD_P_DROPPED_BYTES_THRESHOLD, 1e6);
    param(fx, SDD_P_DROP_SHARE_THRESHOLD, 0.05);
    drops(fx, 129, 2e6);
    set(fx, SDD_M_TCP_BYTES, NOW, NOW, 30e6);
    set(fx, SDD_M_UDP_BYTES, NOW, NOW, 10e6);           /* 2 of 42 MB: 4.8 % */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 0);
    set(fx, SDD_M_UDP_BYTES, NOW, NOW, 6e6);            /* 2 of 38 MB: 5.3 % */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 1);
    param(fx, SDD_P_DROP_SHARE_THRESHOLD, 0);
    set(fx, SDD_M_TCP_BYTES, NOW, NOW, 1e12);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 1);
}

static void test_fwd_missing_data(void **state)
{
    fixture *fx = *state;

    param(fx, SDD_P_DROPPED_BYTES_THRESHOLD, 0);
    set(fx, SDD_M_DROP_BYTES + 3, NOW - 1, NOW - 1, 1e9);      /* an older slot only */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 0);
}

/* Every RFC 7270 reason to the draft's forwarding-plane row. */
static void test_fwd_reason_semantics(void **state)
{
    static const struct {
        int code;
        const char *reason, *trigger;
    } want[SDD_DROP_REASONS] = {
        {128, NULL, NULL},
        {129, "Administered", "Access-List"},
        {130, "Administered", "Access-List"},
        {131, "Unreachable", "next-hop"},
        {132, "Unreachable", "link-layer"},
        {133, "Unreachable", "Fragmentation needed and Don't Fragment set"},
        {134, "Corrupt", "Bad Packet"},
        {135, "Corrupt", "Bad Packet"},
        {136, "Corrupt", "Bad Packet"},
        {137, "Unreachable", "Time To Life expired"},
        {138, "Administered", "Policed"},
        {139, "Administered", "Shaped"},
        {140, "Administered", "Unicast Reverse Path Forwarding"},
        {141, NULL, NULL},
        {142, "Corrupt", "Bad Egress Interface"},
        {143, "Corrupt", NULL},
    };
    fixture *fx = *state;
    char code[16];

    for (int i = 0; i < SDD_DROP_REASONS; i++) {
        drops(fx, want[i].code, 5e6);
        assert_int_equal(run(fx, &sdd__detectors[SDD_DET_FLOW_FWD]), 1);
        assert_text(fx->out[0].action, "Drop");
        assert_text(fx->out[0].reason, want[i].reason);
        assert_text(fx->out[0].trigger, want[i].trigger);
        snprintf(code, sizeof(code), "code %d", want[i].code);
        assert_non_null(strstr(fx->out[0].description, code));
    }
}

/* ---- the drop model ---------------------------------------------------- */

typedef struct tmpdir {
    char path[64];
} tmpdir;

static void tmpdir_make(tmpdir *t)
{
    snprintf(t->path, sizeof(t->path), "/tmp/sdd-test-ctl-XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static void tmpdir_remove(tmpdir *t)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
    assert_int_equal(system(cmd), 0);
}

/* Writes `text` to DIR/name and returns the path in buf. */
static const char *write_file(const tmpdir *t, const char *name, const char *text, char *buf, size_t len)
{
    FILE *f;

    snprintf(buf, len, "%s/%s", t->path, name);
    f = fopen(buf, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return buf;
}

static sdd_drop_model *model_from(const tmpdir *t, const char *text)
{
    char path[128];
    sdd_error err = {0};
    sdd_drop_model *m = sdd__drop_model_load(write_file(t, "model.json", text, path, sizeof(path)), &err);

    if (!m)
        fail_msg("%s", err.msg);
    return m;
}

static void test_fwd_model_decides(void **state)
{
    fixture *fx = *state;
    tmpdir t;
    sdd_drop_model *m, *low;

    tmpdir_make(&t);
    m = model_from(&t, "{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],"
                       "\"weights\":[1.0],\"bias\":-12,\"threshold\":0.5}");
    low = model_from(&t, "{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],"
                         "\"weights\":[1.0],\"bias\":-12,\"threshold\":0.2,\"trained\":{\"rows\":3}}");
    param(fx, SDD_P_DROPPED_BYTES_THRESHOLD, 0);      /* the model overrides the threshold */
    drops(fx, 131, expm1(13));                          /* z = 1 */
    assert_int_equal(sdd__flow_fwd_detect(&fx->in, m, fx->out, 8), 1);
    assert_near(fx->out[0].strength, 1 / (1 + exp(-1.0)), 1e-12);
    assert_text(fx->out[0].reason, "Unreachable");
    assert_non_null(strstr(fx->out[0].description, "model score 0.73"));
    drops(fx, 131, expm1(11));                          /* z = -1: score 0.27 */
    assert_int_equal(sdd__flow_fwd_detect(&fx->in, m, fx->out, 8), 0);
    assert_int_equal(sdd__flow_fwd_detect(&fx->in, low, fx->out, 8), 1);
    assert_int_equal(sdd__flow_fwd_detect(&fx->in, NULL, fx->out, 8), 1);
    drops(fx, 131, 0);                                  /* nothing dropped, whatever the model */
    assert_int_equal(sdd__flow_fwd_detect(&fx->in, low, fx->out, 8), 0);
    sdd__drop_model_free(m);
    sdd__drop_model_free(low);
    tmpdir_remove(&t);
}

static void test_drop_model_features(void **state)
{
    sdd_drop_slot s = {{0}, 0};
    tmpdir t;
    sdd_drop_model *m;

    (void)state;
    tmpdir_make(&t);
    m = model_from(&t, "{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_total\","
                       "\"log1p_packets_total\",\"log1p_bytes_143\"],\"weights\":[0.5,-0.25,2],\"bias\":0.125}");
    s.bytes[0] = 100;
    s.bytes[15] = 900;
    s.packets = 7;
    double z = 0.125 + 0.5 * log1p(1000) - 0.25 * log1p(7) + 2 * log1p(900);
    assert_near(sdd__drop_model_score(m, &s), 1 / (1 + exp(-z)), 1e-15);
    assert_near(sdd__drop_model_threshold(m), 0.5, 0);
    sdd__drop_model_free(m);
    tmpdir_remove(&t);
}

/* A bad model is refused, naming the file and what is wrong. */
static void test_drop_model_refused(void **state)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"not json", "line 1"},
        {"[1]", "not a JSON object"},
        {"{\"version\":2,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],\"weights\":[1],\"bias\":0}",
         "\"version\" must be 1"},
        {"{\"version\":1,\"kind\":\"tree\",\"features\":[\"log1p_bytes_131\"],\"weights\":[1],\"bias\":0}",
         "\"kind\" must be"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_144\"],\"weights\":[1],\"bias\":0}",
         "feature 1: not one of"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_+31\"],\"weights\":[1],\"bias\":0}",
         "feature 1: not one of"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\",\"log1p_bytes_131\"],"
         "\"weights\":[1,2],\"bias\":0}",
         "given twice"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],\"weights\":[1,2],\"bias\":0}",
         "\"weights\" must be a list of 1 numbers"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],\"weights\":[\"1\"],\"bias\":0}",
         "weight 1 is not a number"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[],\"weights\":[],\"bias\":0}", "\"features\" must be"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],\"weights\":[1]}",
         "\"bias\" must be a number"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],\"weights\":[1],\"bias\":0,"
         "\"threshold\":1}",
         "\"threshold\" must be"},
        {"{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_131\"],\"weights\":[1],\"bias\":0,"
         "\"wieghts\":[1]}",
         "unknown key 'wieghts'"},
        {"{\"version\":1,\"version\":1}", "duplicate"},
    };
    char path[128];
    sdd_error err;
    tmpdir t;

    (void)state;
    tmpdir_make(&t);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_null(sdd__drop_model_load(write_file(&t, "bad.json", bad[i].text, path, sizeof(path)), &err));
        if (!strstr(err.msg, bad[i].why) || !strstr(err.msg, path))
            fail_msg("model %zu: '%s' does not say '%s'", i, err.msg, bad[i].why);
    }
    snprintf(path, sizeof(path), "%s/absent.json", t.path);
    assert_null(sdd__drop_model_load(path, &err));
    assert_non_null(strstr(err.msg, "absent.json"));
    tmpdir_remove(&t);
}

/* Each file is loaded once, however many profiles name it; a bad one names
 * its profile. */
static void test_drop_models_of_a_config(void **state)
{
    static const char model[] = "{\"version\":1,\"kind\":\"logistic\",\"features\":[\"log1p_bytes_total\"],"
                                "\"weights\":[1],\"bias\":-10}";
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    char a[128], b[128];
    sdd_drop_models *set;
    tmpdir t;

    (void)state;
    tmpdir_make(&t);
    write_file(&t, "a.json", model, a, sizeof(a));
    write_file(&t, "b.json", "{}", b, sizeof(b));
    assert_int_equal(sdd_config_set(cfg, "drop_model", "gold", a, &err), 0);
    assert_int_equal(sdd_config_set(cfg, "drop_model", "silver", a, &err), 0);
    set = sdd__drop_models_load(cfg, &err);
    if (!set)
        fail_msg("%s", err.msg);
    assert_non_null(sdd__drop_models_find(set, a));
    assert_ptr_equal(sdd__drop_models_find(set, sdd__config_profile(cfg, "gold")->drop_model),
                     sdd__drop_models_find(set, sdd__config_profile(cfg, "silver")->drop_model));
    assert_null(sdd__drop_models_find(set, ""));
    assert_null(sdd__drop_models_find(set, b));
    sdd__drop_models_free(set);
    assert_int_equal(sdd_config_set(cfg, "drop_model", "bronze", b, &err), 0);
    assert_null(sdd__drop_models_load(cfg, &err));
    assert_non_null(strstr(err.msg, "profile 'bronze'"));
    sdd_config_free(cfg);
    tmpdir_remove(&t);
}

/* ---- the trainer and the scorer agree ----------------------------------- */

/* xorshift64: a fixed seed, the same data every run. */
static double uniform(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

#define ROWS 400

/* Slots of background drops, a quarter of them with a large drop of one
 * reason (labelled 1), some of those small enough to overlap. */
static void generate(sdd_drop_slot *rows, int *label, const char *csv)
{
    uint64_t seed = 0x5dd5eed;
    FILE *f = fopen(csv, "w");

    assert_non_null(f);
    fprintf(f, "slot");
    for (int c = 128; c < 144; c++)
        fprintf(f, ",bytes_%d", c);
    fprintf(f, ",packets,label\n");
    for (int r = 0; r < ROWS; r++) {
        memset(&rows[r], 0, sizeof(rows[r]));
        rows[r].bytes[0] = floor(uniform(&seed) * 2000);
        rows[r].bytes[10] = floor(uniform(&seed) * 5000);
        label[r] = uniform(&seed) < 0.25;
        if (label[r]) {
            int reason = uniform(&seed) < 0.5 ? 3 : 1;      /* unroutable or ACL deny */
            rows[r].bytes[reason] = floor(exp(8 + 8 * uniform(&seed)));
        }
        rows[r].packets = floor((rows[r].bytes[0] + rows[r].bytes[1] + rows[r].bytes[3]) / 600);
        fprintf(f, "%d", BASE + r);
        for (int i = 0; i < SDD_DROP_REASONS; i++)
            fprintf(f, ",%.0f", rows[r].bytes[i]);
        fprintf(f, ",%.0f,%d\n", rows[r].packets, label[r]);
    }
    fclose(f);
}

static void shell(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

static void test_trainer_and_scorer_agree(void **state)
{
    const char *srcdir = getenv("SDD_SRCDIR");
    sdd_drop_slot rows[ROWS];
    int label[ROWS], right = 0;
    char csv[128], model[128], pred[128];
    sdd_error err = {0};
    tmpdir t;

    (void)state;
    if (!srcdir || system("python3 -c '' 2>/dev/null") != 0)
        skip();
    tmpdir_make(&t);
    snprintf(csv, sizeof(csv), "%s/slots.csv", t.path);
    snprintf(model, sizeof(model), "%s/model.json", t.path);
    snprintf(pred, sizeof(pred), "%s/pred.txt", t.path);
    generate(rows, label, csv);
    shell("python3 '%s/tools/train-drop-model' train -o '%s' '%s' 2>/dev/null", srcdir, model, csv);
    shell("python3 '%s/tools/train-drop-model' predict '%s' '%s' > '%s'", srcdir, model, csv, pred);
    sdd_drop_model *m = sdd__drop_model_load(model, &err);
    if (!m)
        fail_msg("%s", err.msg);
    FILE *f = fopen(pred, "r");
    assert_non_null(f);
    for (int r = 0; r < ROWS; r++) {
        double py, c = sdd__drop_model_score(m, &rows[r]);
        assert_int_equal(fscanf(f, "%lf", &py), 1);
        assert_near(c, py, 1e-12);
        right += (c >= sdd__drop_model_threshold(m)) == label[r];
    }
    fclose(f);
    assert_true(right >= ROWS * 95 / 100);      /* it learned the labels, too */
    sdd__drop_model_free(m);
    tmpdir_remove(&t);
}

/* ---- link saturation --------------------------------------------------- */

#define GBPS 1e9
#define FULL (GBPS * STEP / 8)  /* bytes a slot on a full 1 Gb/s link */

static void links(fixture *fx, int n)
{
    fx->in.n_if = n;
    for (int i = 0; i < n; i++)
        fx->in.if_capacity_bps[i] = GBPS;
}

/* Utilisation u in the given direction of link i, slots from .. to. */
static void util(fixture *fx, int metric, int link, int64_t from, int64_t to, double u)
{
    set(fx, metric + link, from, to, u * FULL);
    set(fx, (metric == SDD_M_IF_IN_BYTES ? SDD_M_IF_OUT_BYTES : SDD_M_IF_IN_BYTES) + link, from, to, 0.01 * FULL);
}

static void test_saturation_sustained(void **state)
{
    fixture *fx = *state;

    links(fx, 1);
    param(fx, SDD_P_SATURATION_PERCENT_THRESHOLD, 0.9);
    param(fx, SDD_P_SATURATION_MINUTES, 15);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14, NOW, 0.95);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_string_equal(fx->out[0].detector, "link_saturation");
    assert_near(fx->out[0].strength, 0.75, 1e-9);
    assert_near(fx->out[0].weight, fx->profile.v[SDD_P_SATURATION_WEIGHT], 0);
    assert_int_equal(fx->out[0].plane, SDD_PLANE_FORWARDING);
    assert_text(fx->out[0].action, "Drop");
    assert_text(fx->out[0].reason, "Administered");
    assert_text(fx->out[0].trigger, "Shaped");
    assert_int_equal(fx->out[0].pattern, SDD_PATTERN_NONE);
    assert_int_equal(fx->out[0].start, (int64_t)(NOW - 14) * STEP);
    assert_int_equal(fx->out[0].end, SLOT_END);
    /* the out direction counts as much */
    util(fx, SDD_M_IF_OUT_BYTES, 0, NOW - 14, NOW, 0.95);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    /* one slot below: not sustained, and not rising either */
    util(fx, SDD_M_IF_OUT_BYTES, 0, NOW, NOW, 0.5);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
}

static void test_saturation_trend(void **state)
{
    fixture *fx = *state;

    links(fx, 1);
    param(fx, SDD_P_SATURATION_PERCENT_THRESHOLD, 0.9);
    param(fx, SDD_P_SATURATION_MINUTES, 15);
    for (int k = 0; k < 15; k++)                        /* 0.60 .. 0.88: 0.90 one slot on */
        util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14 + k, NOW - 14 + k, 0.60 + 0.02 * k);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW, NOW, 0.80);     /* the newest below 0.9 θ: no forecast */
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW, NOW, 0.88);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_int_equal(fx->out[0].pattern, SDD_PATTERN_TREND);
    assert_near(fx->out[0].strength, 0.5 * (1 - 1.0 / 16), 1e-9);
    assert_null(fx->out[0].action);
    assert_null(fx->out[0].reason);
    assert_null(fx->out[0].trigger);
    for (int k = 0; k < 15; k++)                        /* steep, but at 0.58 < 0.9 θ */
        util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14 + k, NOW - 14 + k, 0.02 + 0.04 * k);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
    for (int k = 0; k < 15; k++)                        /* 0.30 .. 0.44: 0.59 in 15 slots */
        util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14 + k, NOW - 14 + k, 0.30 + 0.01 * k);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
    for (int k = 0; k < 15; k++)                        /* falling from full */
        util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14 + k, NOW - 14 + k, 1.0 - 0.04 * k);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
}

static void test_saturation_needs_capacity_and_data(void **state)
{
    fixture *fx = *state;

    links(fx, 2);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 99, NOW, 0.99);
    util(fx, SDD_M_IF_IN_BYTES, 1, NOW - 99, NOW, 0.99);
    util(fx, SDD_M_IF_IN_BYTES, 2, NOW - 99, NOW, 0.99);   /* beyond n_if */
    fx->in.if_capacity_bps[0] = 0;
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_non_null(strstr(fx->out[0].description, "link 1"));
    set(fx, SDD_M_IF_IN_BYTES + 1, NOW - 3, NOW - 3, NAN);
    set(fx, SDD_M_IF_OUT_BYTES + 1, NOW - 3, NOW - 3, NAN);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
    fx->in.n_if = 0;
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
}

/* Thresholds at the ends of 0..1, the shortest window, a window longer
 * than one read. */
static void test_saturation_edges(void **state)
{
    fixture *fx = *state;

    links(fx, 1);
    param(fx, SDD_P_SATURATION_MINUTES, 15);
    param(fx, SDD_P_SATURATION_PERCENT_THRESHOLD, 1);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14, NOW, 0.99);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 14, NOW, 1.0);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_near(fx->out[0].strength, 1, 0);
    /* threshold 0: every link with data is "saturated", at half strength when idle */
    param(fx, SDD_P_SATURATION_PERCENT_THRESHOLD, 0);
    set(fx, SDD_M_IF_IN_BYTES, NOW - 14, NOW, 0);
    set(fx, SDD_M_IF_OUT_BYTES, NOW - 14, NOW, 0);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_near(fx->out[0].strength, 0.5, 0);
    /* saturation_minutes 1: one slot decides, and no trend from one point */
    param(fx, SDD_P_SATURATION_PERCENT_THRESHOLD, 0.9);
    param(fx, SDD_P_SATURATION_MINUTES, 1);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW, NOW, 0.95);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_int_equal(fx->out[0].start, (int64_t)NOW * STEP);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW, NOW, 0.5);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
    /* 200 slots, read in several chunks */
    param(fx, SDD_P_SATURATION_MINUTES, 200);
    util(fx, SDD_M_IF_IN_BYTES, 0, NOW - 199, NOW, 0.95);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_int_equal(fx->out[0].start, (int64_t)(NOW - 199) * STEP);
    /* one slot below is no longer sustained: rising from it, a forecast at
     * half strength; falling into it, nothing */
    set(fx, SDD_M_IF_IN_BYTES, NOW - 199, NOW - 199, 0.5 * FULL);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 1);
    assert_int_equal(fx->out[0].pattern, SDD_PATTERN_TREND);
    assert_near(fx->out[0].strength, 0.5, 0);
    set(fx, SDD_M_IF_IN_BYTES, NOW - 199, NOW - 199, 0.95 * FULL);
    set(fx, SDD_M_IF_IN_BYTES, NOW, NOW, 0.5 * FULL);
    assert_int_equal(run(fx, &sdd__detectors[SDD_DET_SATURATION]), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_withdraw_burst_damped),
        T(test_update_reads_its_own_series),
        T(test_fwd_share),
        T(test_bmp_damp_zero),
        T(test_bmp_damp_one),
        T(test_bmp_previous_slots_zero),
        T(test_bmp_min_events),
        T(test_bmp_spread_raises_the_bar),
        T(test_bmp_strength_grows),
        T(test_bmp_young_history),
        T(test_bmp_missing_data),
        T(test_bmp_previous_slots_huge),
        T(test_oc_down_not_back),
        T(test_oc_flapping),
        T(test_oc_window_edges),
        T(test_oc_repeats_are_not_changes),
        T(test_oc_lone_up_and_peers),
        T(test_oc_per_interface),
        T(test_oc_no_events),
        T(test_fwd_threshold),
        T(test_fwd_threshold_zero),
        T(test_fwd_missing_data),
        T(test_fwd_reason_semantics),
        T(test_fwd_model_decides),
        T(test_drop_model_features),
        T(test_drop_model_refused),
        T(test_drop_models_of_a_config),
        T(test_trainer_and_scorer_agree),
        T(test_saturation_sustained),
        T(test_saturation_trend),
        T(test_saturation_needs_capacity_and_data),
        T(test_saturation_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
