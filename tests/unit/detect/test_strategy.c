/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_strategy.c: strategies and the concern score. sdd__strategy_parse
 * reads the deployed names ("flow-fwd-1-flow-count-2-...-pipeline") into
 * detectors of the table in detectors.h, found by word, and their weights,
 * and refuses a name with an error naming the unknown word, the part without
 * a weight or the missing "-pipeline"; sdd__strategy_history is the most any
 * detector needs, sdd__strategy_run weighs each symptom by the strategy, and
 * sdd__concern_score is 0 without symptoms, grows with evidence, saturates
 * at 100 and reacts more with a larger sensitivity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/strategy.h"
#include "engine/config.h"

#define STEP 60

static const sdd_detector *det(sdd_detector_id id)
{
    return &sdd__detectors[id];
}

static void parse_ok(const char *name, sdd_strategy *s)
{
    sdd_error err = {0};
    if (sdd__strategy_parse(name, s, &err) < 0)
        fail_msg("%s: %s", name, err.msg);
}

/* The name is refused with a message holding `says`. */
static void parse_refused(const char *name, const char *says)
{
    sdd_strategy s;
    sdd_error err = {0};

    assert_int_equal(sdd__strategy_parse(name, &s, &err), -1);
    assert_int_equal(err.code, SDD_E_CONFIG);
    if (!strstr(err.msg, says))
        fail_msg("%s: \"%s\" does not say %s", name, err.msg, says);
}

static void test_deployed_name(void **state)
{
    (void)state;
    sdd_strategy s;

    parse_ok("flow-fwd-1-flow-count-2-update-1-withdraw-0-pipeline", &s);
    assert_int_equal(s.n, 4);
    assert_ptr_equal(s.detector[0], det(SDD_DET_FLOW_FWD));
    assert_ptr_equal(s.detector[1], det(SDD_DET_FLOW_COUNT));
    assert_ptr_equal(s.detector[2], det(SDD_DET_UPDATE));
    assert_ptr_equal(s.detector[3], det(SDD_DET_WITHDRAW));
    assert_string_equal(s.detector[1]->name, "flow_count_spike");
    assert_true(s.weight[0] == 1 && s.weight[1] == 2 && s.weight[2] == 1 && s.weight[3] == 0);
}

/* Every word of the table, one detector each, in the name's order. */
static void test_every_word(void **state)
{
    (void)state;
    char name[512] = "";
    sdd_strategy s;

    for (int i = SDD_DET_COUNT - 1; i >= 0; i--) {
        size_t len = strlen(name);
        snprintf(name + len, sizeof(name) - len, "%s-%d-", sdd__detectors[i].word, i + 1);
    }
    strcat(name, "pipeline");
    parse_ok(name, &s);
    assert_int_equal(s.n, SDD_DET_COUNT);
    for (int i = 0; i < SDD_DET_COUNT; i++) {
        assert_ptr_equal(s.detector[i], det((sdd_detector_id)(SDD_DET_COUNT - 1 - i)));
        assert_true(s.weight[i] == SDD_DET_COUNT - i);
    }
}

static void test_multi_word_detectors(void **state)
{
    (void)state;
    sdd_strategy s;

    parse_ok("peer-down-0.5-flow-fwd-3-pipeline", &s);
    assert_int_equal(s.n, 2);
    assert_ptr_equal(s.detector[0], det(SDD_DET_PEER_DOWN));
    assert_ptr_equal(s.detector[1], det(SDD_DET_FLOW_FWD));
    assert_true(s.weight[0] == 0.5 && s.weight[1] == 3);
    assert_ptr_equal(sdd__detector_by_word("flow-count", 10), det(SDD_DET_FLOW_COUNT));
    assert_null(sdd__detector_by_word("flow", 4));
    assert_null(sdd__detector_by_word("flow-count", 9));
}

static void test_unknown_word_named(void **state)
{
    (void)state;
    parse_refused("volume-1-bogus-2-pipeline", "unknown detector 'bogus'");
    parse_refused("flow-1-count-2-pipeline", "unknown detector 'flow'");
    parse_refused("1-volume-1-pipeline", "unknown detector ''");
}

static void test_missing_weight_named(void **state)
{
    (void)state;
    parse_refused("volume-pipeline", "'volume' has no weight");
    parse_refused("volume-1-peer-down-pipeline", "'peer-down' has no weight");
    parse_refused("volume-1x-pipeline", "'volume-1x' has no weight");
    parse_refused("-pipeline", "has no weight");
}

static void test_missing_pipeline(void **state)
{
    (void)state;
    parse_refused("volume-1", "expected DETECTOR-WEIGHT-...-pipeline");
    parse_refused("volume-1-pipelines", "-pipeline");
    parse_refused("", "-pipeline");
}

/* A name of n detectors, all "oc". */
static void name_of(int n, char *name, size_t len)
{
    name[0] = '\0';
    for (int i = 0; i < n; i++)
        strncat(name, "oc-1-", len - strlen(name) - 1);
    strncat(name, "pipeline", len - strlen(name) - 1);
}

static void test_at_most_strategy_max(void **state)
{
    (void)state;
    char name[256];
    sdd_strategy s;
    sdd_error err = {0};

    name_of(SDD_STRATEGY_MAX, name, sizeof(name));
    parse_ok(name, &s);
    assert_int_equal(s.n, SDD_STRATEGY_MAX);
    name_of(SDD_STRATEGY_MAX + 1, name, sizeof(name));
    assert_int_equal(sdd__strategy_parse(name, &s, &err), -1);
    assert_non_null(strstr(err.msg, name));
    assert_non_null(strstr(err.msg, "more than 16 detectors"));
}

static sdd_profile defaults(void)
{
    sdd_config *cfg = sdd_config_new();
    sdd_profile p;

    assert_non_null(cfg);
    p = *sdd__config_profile(cfg, "default");
    sdd_config_free(cfg);
    return p;
}

static void test_history_is_max_over_detectors(void **state)
{
    (void)state;
    sdd_profile p = defaults();
    sdd_strategy s;
    sdd_history_need need;

    /* defaults: volume {168 h + 31 slots, 0}, flow-count {60, 60},
     * saturation {0, 15}, peer-down {0, 0} */
    parse_ok("peer-down-1-saturation-1-flow-count-1-volume-1-pipeline", &s);
    need = sdd__strategy_history(&s, &p, STEP);
    assert_int_equal(need.long_slots, 168 * 60 + 31);
    assert_int_equal(need.short_slots, 60);
    p.v[SDD_P_SATURATION_MINUTES] = 120;
    need = sdd__strategy_history(&s, &p, STEP);
    assert_int_equal(need.short_slots, 120);
    for (int d = 0; d < s.n; d++) {
        sdd_history_need one = s.detector[d]->history(&p, STEP);
        assert_true(one.long_slots <= need.long_slots && one.short_slots <= need.short_slots);
    }
    parse_ok("peer-down-1-oc-1-pipeline", &s);
    need = sdd__strategy_history(&s, &p, STEP);
    assert_int_equal(need.long_slots, 0);
    assert_int_equal(need.short_slots, 0);
}

static int no_data(const void *ctx, int metric, int64_t first, int n, double *out)
{
    (void)ctx, (void)metric, (void)first;
    for (int i = 0; i < n; i++)
        out[i] = NAN;
    return 0;
}

/* Two peers down in the slot that just closed; no series data. */
static int run(const char *name, const sdd_profile *p, sdd_symptom *out, int max)
{
    sdd_event ev[2];
    sdd_detect_input in;
    sdd_strategy s;

    memset(ev, 0, sizeof(ev));
    memset(&in, 0, sizeof(in));
    for (int i = 0; i < 2; i++) {
        ev[i].time = 1000 * STEP + 5;
        ev[i].kind = SDD_EV_PEER_DOWN;
        ev[i].termination = i;
        ev[i].reason = 3;
        ev[i].peer.b[15] = (uint8_t)(i + 1);
    }
    in.profile = p;
    in.step = STEP;
    in.slot = 1000;
    in.series = no_data;
    in.events = ev;
    in.n_events = 2;
    parse_ok(name, &s);
    return sdd__strategy_run(&s, &in, 0, out, max);
}

static void test_run_multiplies_weights(void **state)
{
    (void)state;
    sdd_profile p = defaults();
    sdd_symptom out[8];

    p.v[SDD_P_BMP_PEER_DOWN_WEIGHT] = 0.4;
    assert_int_equal(run("peer-down-1-pipeline", &p, out, 8), 2);
    assert_true(fabs(out[0].weight - 0.4) < 1e-12);
    assert_int_equal(run("volume-1-peer-down-2.5-pipeline", &p, out, 8), 2);
    assert_true(fabs(out[0].weight - 1.0) < 1e-12);
    assert_true(fabs(out[1].weight - 1.0) < 1e-12);
    assert_true(out[0].strength == 1.0);
    /* weight 0: reported, not counted */
    assert_int_equal(run("peer-down-0-pipeline", &p, out, 8), 2);
    assert_true(out[0].weight == 0);
    assert_int_equal(sdd__concern_score(&p, out, 2), 0);
    /* no more than max */
    assert_int_equal(run("peer-down-1-pipeline", &p, out, 1), 1);
}

static sdd_symptom weighed(double weight, double strength)
{
    sdd_symptom s;
    memset(&s, 0, sizeof(s));
    s.detector = "test";
    s.weight = weight;
    s.strength = strength;
    return s;
}

static void test_concern_zero_without_symptoms(void **state)
{
    (void)state;
    sdd_profile p = defaults();
    sdd_symptom s = weighed(1, 0);

    assert_int_equal(sdd__concern_score(&p, NULL, 0), 0);
    assert_int_equal(sdd__concern_score(&p, &s, 1), 0);
}

static void test_concern_monotonic_and_saturating(void **state)
{
    (void)state;
    sdd_profile p = defaults();
    sdd_symptom s[40];
    int last = 0, first_step = -1;

    /* 100 (1 - e^-1.5) with the default sensitivity 3 */
    s[0] = weighed(1, 0.5);
    assert_int_equal(sdd__concern_score(&p, s, 1), 78);
    for (int n = 1; n <= 40; n++) {
        s[n - 1] = weighed(0.5, 0.2);
        int score = sdd__concern_score(&p, s, n);
        assert_true(score >= last);
        assert_true(score <= 100);
        if (first_step < 0)
            first_step = score;
        else if (n <= 4)
            assert_true(score - last <= first_step);    /* the first evidence counts most */
        last = score;
    }
    assert_int_equal(last, 100);
    last = 0;
    for (int i = 1; i <= 100; i++) {
        sdd_symptom one = weighed(1, i / 100.0);
        int score = sdd__concern_score(&p, &one, 1);
        assert_true(score >= last);
        last = score;
    }
    assert_int_equal(last, 95);                                 /* 100 (1 - e^-3) */
}

static void test_concern_sensitivity(void **state)
{
    (void)state;
    sdd_profile low = defaults(), high = defaults();
    sdd_symptom s = weighed(1, 0.1);

    low.v[SDD_P_SENSITIVITY] = 1;
    high.v[SDD_P_SENSITIVITY] = 10;
    assert_int_equal(sdd__concern_score(&low, &s, 1), 10);     /* 100 (1 - e^-0.1) */
    assert_int_equal(sdd__concern_score(&high, &s, 1), 63);    /* 100 (1 - e^-1) */
    low.v[SDD_P_SENSITIVITY] = 0;
    assert_int_equal(sdd__concern_score(&low, &s, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployed_name),
        cmocka_unit_test(test_every_word),
        cmocka_unit_test(test_multi_word_detectors),
        cmocka_unit_test(test_unknown_word_named),
        cmocka_unit_test(test_missing_weight_named),
        cmocka_unit_test(test_missing_pipeline),
        cmocka_unit_test(test_at_most_strategy_max),
        cmocka_unit_test(test_history_is_max_over_detectors),
        cmocka_unit_test(test_run_multiplies_weights),
        cmocka_unit_test(test_concern_zero_without_symptoms),
        cmocka_unit_test(test_concern_monotonic_and_saturating),
        cmocka_unit_test(test_concern_sensitivity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
