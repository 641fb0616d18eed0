/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_detect_sites.c: per-site evidence on hand-made slots. What a site
 * learns and when its fall begins (engine/sites.c: its usual share, not
 * learned from a fall; route changes as it begins marking a move); the
 * volume detector's site_sum symptom naming the fallen site; the
 * forwarding-drop detector finding drops at one site of three that the
 * service's share hides, and not a site that always drops as much. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detectors.h"
#include "engine/metrics.h"
#include "engine/sites.h"

#define STEP 60
#define ROWS 8

/* The service's drop bytes of the judged slot, by reason, and its TCP
 * bytes (NAN: none); other metrics have no data (so the service-level
 * comparisons have nothing to say). */
static double service_drops[SDD_DROP_REASONS];
static double service_tcp = NAN;

static int fake_series(const void *ctx, int metric, int64_t first, int n, double *out)
{
    int present = 0;

    (void)ctx, (void)first;
    for (int i = 0; i < n; i++) {
        int drop = metric >= SDD_M_DROP_BYTES && metric < SDD_M_DROP_BYTES + SDD_DROP_REASONS;
        out[i] = drop ? service_drops[metric - SDD_M_DROP_BYTES] : metric == SDD_M_TCP_BYTES ? service_tcp : NAN;
        present += !isnan(out[i]);
    }
    return present;
}

static sdd_profile profile(void)
{
    sdd_profile p;

    memset(&p, 0, sizeof(p));
    p.v[SDD_P_TCP_SUM_WEIGHT] = 0.3;
    p.v[SDD_P_UDP_SUM_WEIGHT] = 0.3;
    p.v[SDD_P_FLOW_FWD_WEIGHT] = 0.5;
    p.v[SDD_P_DROPPED_BYTES_THRESHOLD] = 100000;
    p.v[SDD_P_DROP_SHARE_THRESHOLD] = 0.05;
    p.v[SDD_P_VOLUME_LENGTH_MINUTES] = 10;
    p.v[SDD_P_TIME_DELTA_HOURS] = 168;
    p.v[SDD_P_PATTERN_LENGTH_MINUTES] = 60;
    p.v[SDD_P_BASELINE_WEEKS] = 1;
    return p;
}

/* One slot of three sites into row `row`: bytes forwarded, dropped, route
 * messages. */
static void slot_of(sdd__sites *s, int row, const double bytes[3], const double dropped[3], const double routes[3])
{
    sdd__sites_clear_row(s, row);
    for (int i = 0; i < 3; i++) {
        double *m = sdd__sites_sums(s, row, i);
        m[SDD_SM_BYTES] = bytes[i];
        m[SDD_SM_DROP_BYTES] = dropped ? dropped[i] : 0;
        m[SDD_SM_ROUTES] = routes ? routes[i] : 0;
    }
}

/* SDD_SITE_LEARN_SLOTS slots of usual traffic, from slot 0. */
static sdd__sites *learned(const double usual[3], const double dropped[3])
{
    sdd__sites *s = sdd__sites_new(ROWS);

    assert_non_null(s);
    for (int k = 0; k < SDD_SITE_LEARN_SLOTS; k++) {
        slot_of(s, k % ROWS, usual, dropped, NULL);
        sdd__sites_close(s, k % ROWS, k, 3, STEP, 0.05);
    }
    return s;
}

/* The detector's input at `slot` (in row slot % ROWS). */
static sdd_detect_input input_of(sdd__sites *s, const sdd_profile *p, int64_t slot)
{
    sdd_detect_input in;

    memset(&in, 0, sizeof(in));
    in.profile = p;
    in.step = STEP;
    in.slot = slot;
    in.series = fake_series;
    in.n_sites = 3;
    for (int i = 0; i < 3; i++) {
        in.sites[i].termination = i;
        in.sites[i].usual = &s->site[i];
        in.sites[i].sums = sdd__sites_sums(s, (int)(slot % ROWS), i);
        in.sites[i].expected = sdd__sites_expected(s, (int)(slot % ROWS), 3, i, STEP);
    }
    return in;
}

static const double usual[3] = {10e6, 6e6, 0.5e6};

/* Site 1 at 5 %: its fall begins in that slot, is not learned, and is one
 * site_sum symptom naming it from that slot. */
static void test_site_fall(void **state)
{
    (void)state;
    sdd__sites *s = learned(usual, NULL);
    sdd_profile p = profile();
    const double fallen[3] = {10e6, 0.3e6, 0.5e6};
    sdd_symptom out[4];
    int64_t k = SDD_SITE_LEARN_SLOTS;

    assert_true(fabs(s->site[1].share - 6.0 / 16.5) < 1e-4);
    slot_of(s, (int)(k % ROWS), fallen, NULL, NULL);
    sdd__sites_close(s, (int)(k % ROWS), k, 3, STEP, 0.05);
    assert_true(s->site[1].fell == k && !s->site[1].moved);
    assert_true(fabs(s->site[1].share - 6.0 / 16.5) < 1e-4);
    assert_true(s->site[0].fell == INT64_MIN && s->site[2].fell == INT64_MIN);
    sdd_detect_input in = input_of(s, &p, k);
    assert_int_equal(sdd__detectors[SDD_DET_VOLUME].run(&in, out, 4), 1);
    assert_string_equal(out[0].detector, "site_sum");
    assert_int_equal(out[0].termination, 1);
    assert_true(fabs(out[0].strength - 0.95) < 0.01);
    assert_true(fabs(out[0].weight - 0.6) < 1e-9);
    assert_true(out[0].start == k * STEP);

    /* it goes on from its first slot; back to usual, it ends */
    slot_of(s, (int)((k + 1) % ROWS), fallen, NULL, NULL);
    sdd__sites_close(s, (int)((k + 1) % ROWS), k + 1, 3, STEP, 0.05);
    assert_true(s->site[1].fell == k);
    slot_of(s, (int)((k + 2) % ROWS), usual, NULL, NULL);
    sdd__sites_close(s, (int)((k + 2) % ROWS), k + 2, 3, STEP, 0.05);
    assert_true(s->site[1].fell == INT64_MIN);
    in = input_of(s, &p, k + 2);
    assert_int_equal(sdd__detectors[SDD_DET_VOLUME].run(&in, out, 4), 0);
    sdd__sites_free(s);
}

/* After learning, a slot of `bytes` begins no site's fall. */
static void no_fall(const double bytes[3])
{
    sdd__sites *s = learned(usual, NULL);
    int64_t k = SDD_SITE_LEARN_SLOTS;

    slot_of(s, (int)(k % ROWS), bytes, NULL, NULL);
    sdd__sites_close(s, (int)(k % ROWS), k, 3, STEP, 0.05);
    for (int i = 0; i < 3; i++)
        assert_true(s->site[i].fell == INT64_MIN);
    sdd__sites_free(s);
}

/* The same fall with the site's routes changing in the slot before: its
 * traffic moved (learned, no symptom). A fall of every site is the
 * service's, not a site's; a site rising tenfold (its link filling up) is no
 * fall of the others, whose own bytes did not move. */
static void test_moved_rose_or_whole_service(void **state)
{
    (void)state;
    sdd__sites *s = learned(usual, NULL);
    sdd_profile p = profile();
    const double moved_to[3] = {15.7e6, 0.3e6, 0.5e6};
    const double routes[3] = {0, 4, 0}, none[3] = {0.5e6, 0.3e6, 0.03e6}, rose[3] = {100e6, 6e6, 0.5e6};
    sdd_symptom out[4];
    int64_t k = SDD_SITE_LEARN_SLOTS;

    slot_of(s, (int)((k - 1) % ROWS), usual, NULL, routes);
    slot_of(s, (int)(k % ROWS), moved_to, NULL, NULL);
    sdd__sites_close(s, (int)(k % ROWS), k, 3, STEP, 0.05);
    assert_true(s->site[1].fell == k && s->site[1].moved);
    assert_true(s->site[1].share < 6.0 / 16.5);          /* learned */
    sdd_detect_input in = input_of(s, &p, k);
    assert_int_equal(sdd__detectors[SDD_DET_VOLUME].run(&in, out, 4), 0);
    sdd__sites_free(s);

    no_fall(none);
    no_fall(rose);
}

/* Site 2 (3 % of the service) drops 30 % of its bytes: 1 % of the service,
 * under drop_share_threshold, but a symptom naming the site. A site that
 * always drops as much is not. */
static void test_drops_at_one_site(void **state)
{
    (void)state;
    sdd_profile p = profile();
    const double dropped[3] = {0, 0, 0.15e6}, forwarded[3] = {10e6, 6e6, 0.35e6};
    sdd_symptom out[4];
    int64_t k = SDD_SITE_LEARN_SLOTS;
    sdd__sites *s = learned(usual, NULL);

    memset(service_drops, 0, sizeof(service_drops));
    service_drops[3] = 0.15e6;                                  /* unroutable, code 131 */
    service_tcp = 16.35e6;
    slot_of(s, (int)(k % ROWS), forwarded, dropped, NULL);
    sdd__sites_close(s, (int)(k % ROWS), k, 3, STEP, 0.05);
    sdd_detect_input in = input_of(s, &p, k);
    assert_int_equal(sdd__detectors[SDD_DET_FLOW_FWD].run(&in, out, 4), 1);
    assert_string_equal(out[0].detector, "flow_fwd");
    assert_int_equal(out[0].termination, 2);
    assert_string_equal(out[0].reason, "Unreachable");
    in.n_sites = 0;                                             /* the service alone: diluted */
    assert_int_equal(sdd__detectors[SDD_DET_FLOW_FWD].run(&in, out, 4), 0);
    sdd__sites_free(s);

    s = learned(forwarded, dropped);
    slot_of(s, (int)(k % ROWS), forwarded, dropped, NULL);
    sdd__sites_close(s, (int)(k % ROWS), k, 3, STEP, 0.05);
    in = input_of(s, &p, k);
    assert_int_equal(sdd__detectors[SDD_DET_FLOW_FWD].run(&in, out, 4), 0);
    service_tcp = NAN;
    sdd__sites_free(s);
}

/* What site 0 is expected to carry in row 0 with shares share0 and share1
 * learned (or not), site 1 carrying `other` bytes. */
static double expected_of(float share0, float share1, int learned, double other)
{
    sdd__sites *s = sdd__sites_new(ROWS);
    double expected;

    assert_non_null(s);
    s->site[0] = (sdd_site){.share = share0, .learned = SDD_SITE_LEARN_SLOTS, .fell = INT64_MIN};
    s->site[1] = (sdd_site){.share = share1, .learned = (uint16_t)learned, .fell = INT64_MIN};
    sdd__sites_sums(s, 0, 1)[SDD_SM_BYTES] = other;
    expected = sdd__sites_expected(s, 0, 2, 0, STEP);
    sdd__sites_free(s);
    return expected;
}

/* A site expected to carry less than SDD_SITE_MIN_BYTES_PER_MINUTE is not
 * judged; nor is one that is its service, nor one whose other sites have
 * not learned their shares. */
static void test_too_small_or_whole(void **state)
{
    (void)state;
    assert_true(expected_of(0.01f, 0.99f, SDD_SITE_LEARN_SLOTS, 99 * 40000.0) == 0);
    assert_true(fabs(expected_of(0.01f, 0.99f, SDD_SITE_LEARN_SLOTS, 99 * 60000.0) - 60000.0) < 1);
    assert_true(expected_of(0.97f, 0.03f, SDD_SITE_LEARN_SLOTS, 1e6) == 0);
    assert_true(expected_of(0.5f, 0.5f, SDD_SITE_LEARN_SLOTS - 1, 1e6) == 0);
}

/* Site 0's link fills up: thirty times its traffic for ten slots (the
 * others' shares learned down meanwhile), then site 1, after a burst of
 * three slots at 2.5 times its traffic, is back to usual, under half of the
 * slots before. That is no fall: site 2, which did not rise, says what site
 * 1 should carry (the sum of the others, site 0's flood in it, said twenty
 * times more: link_saturation in `sddctl gen --seed 1`, service
 * 64497:1089). A blackhole at site 1 during the flood is still a fall. */
static void test_other_site_flooded(void **state)
{
    (void)state;
    const double flood[3] = {300e6, 6e6, 0.5e6}, burst[3] = {300e6, 15e6, 0.5e6}, blackhole[3] = {300e6, 0.3e6, 0.5e6};
    const double *const after[2] = {flood, blackhole};

    for (int c = 0; c < 2; c++) {
        sdd__sites *s = learned(usual, NULL);
        int64_t k = SDD_SITE_LEARN_SLOTS;
        for (int i = 0; i < 14; i++, k++) {
            slot_of(s, (int)(k % ROWS), i >= 10 && i < 13 ? burst : i == 13 ? after[c] : flood, NULL, NULL);
            sdd__sites_close(s, (int)(k % ROWS), k, 3, STEP, 0.05);
        }
        assert_true(s->site[0].fell == INT64_MIN && s->site[2].fell == INT64_MIN);
        assert_true(c ? s->site[1].fell == k - 1 : s->site[1].fell == INT64_MIN);
        sdd__sites_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_fall),
        cmocka_unit_test(test_moved_rose_or_whole_service),
        cmocka_unit_test(test_other_site_flooded),
        cmocka_unit_test(test_drops_at_one_site),
        cmocka_unit_test(test_too_small_or_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
