/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_lifecycle.c: relevant states opened, revised and closed by
 * sdd__lifecycle_step, slot by slot: nothing below the profile's
 * concern_threshold, an open at it with revision 0 and a derived id, a new
 * revision only when a symptom comes or goes or the score changes band, a
 * close after close_after_slots quiet slots with the end of the last loud
 * slot, contributions capped and kept at their strongest, a closed
 * state readable until it is released, and evidence back within
 * resume_minutes of a close continuing the same state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/config.h"
#include "engine/inventory.h"
#include "lifecycle/lifecycle.h"

#define T0 1700000040           /* a slot boundary */
#define STEP 60
#define STRATEGY "volume-1-peer-down-1-pipeline"
#define THRESHOLD 40            /* the test profile's concern_threshold */
#define CLOSE_AFTER 2           /* and its close_after_slots */
#define RESUME 10               /* and its resume_minutes */

static const char inventory[] =
    "{\"services\":[{\"vpn_id\":\"64497:1\",\"profile\":\"lc\",\"terminations\":"
    "[{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:1\"}]},"
    "{\"vpn_id\":\"64497:2\",\"profile\":\"lc\",\"terminations\":"
    "[{\"router\":\"192.0.2.2\",\"rd\":\"0:64497:2\"}]}]}";

typedef struct fixture {
    sdd_config *cfg;
    const sdd_profile *profile;
    sdd_inventory *inv;
} fixture;

static void set(sdd_config *cfg, const char *key, const char *value)
{
    sdd_error err = {0};
    if (sdd_config_set(cfg, key, "lc", value, &err) < 0)
        fail_msg("%s", err.msg);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    json_error_t jerr;
    json_t *root = json_loads(inventory, 0, &jerr);
    sdd_error err = {0};

    assert_non_null(fx);
    assert_non_null(root);
    fx->cfg = sdd_config_new();
    set(fx->cfg, "concern_threshold", "40");
    set(fx->cfg, "close_after_slots", "2");
    set(fx->cfg, "resume_minutes", "10");
    if (sdd_config_check(fx->cfg, &err) < 0)
        fail_msg("%s", err.msg);
    fx->profile = sdd__config_profile(fx->cfg, "lc");
    assert_non_null(fx->profile);
    fx->inv = sdd__inventory_new(0);
    if (sdd__inventory_from_json(fx->inv, root, "inline", &err) < 0)
        fail_msg("%s", err.msg);
    json_decref(root);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    sdd__inventory_free(fx->inv);
    sdd_config_free(fx->cfg);
    free(fx);
    return 0;
}

/* The judgement of slot k (from T0) of service svc. */
static sdd_lifecycle_ctx slot(const fixture *fx, int svc, int k)
{
    sdd_lifecycle_ctx ctx = {
        .service = sdd__inventory_service(fx->inv, svc),
        .profile = fx->profile,
        .strategy = STRATEGY,
        .slot_start = T0 + (int64_t)k * STEP,
        .slot_end = T0 + (int64_t)(k + 1) * STEP,
    };
    assert_non_null(ctx.service);
    return ctx;
}

static sdd_symptom symptom(const char *detector, int termination, double strength)
{
    sdd_symptom s;
    memset(&s, 0, sizeof(s));
    s.detector = detector;
    s.termination = termination;
    s.strength = strength;
    s.weight = 1;
    s.pattern = SDD_PATTERN_NONE;
    return s;
}

static sdd_change step(const fixture *fx, sdd_relevant_state *rs, int k, int concern, const sdd_symptom *sym,
                       int n)
{
    sdd_lifecycle_ctx ctx = slot(fx, 0, k);
    return sdd__lifecycle_step(rs, &ctx, concern, sym, n);
}

static void test_nothing_below_threshold(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};

    for (int k = 0; k < 5; k++)
        assert_int_equal(step(fx, &rs, k, THRESHOLD - 1, &a, 1), SDD_CHANGE_NONE);
    assert_false(rs.open);
    assert_null(rs.contrib);
    assert_int_equal(rs.n_contrib, 0);
    assert_int_equal(step(fx, &rs, 5, THRESHOLD, &a, 1), SDD_CHANGE_OPENED);
    sdd__lifecycle_release(&rs);
}

static void test_opens_at_threshold(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};

    assert_int_equal(step(fx, &rs, 3, THRESHOLD, &a, 1), SDD_CHANGE_OPENED);
    assert_true(rs.open);
    assert_int_equal(rs.revision, 0);
    assert_int_equal(rs.start, T0 + 3 * STEP);
    assert_int_equal(rs.end, T0 + 4 * STEP);
    assert_int_equal(rs.concern, THRESHOLD);
    assert_int_equal(rs.n_contrib, 1);
    assert_string_equal(rs.contrib[0].symptom.detector, "bmp_peer_down");
    assert_true(rs.contrib[0].active);
    assert_int_equal(rs.contrib[0].first, T0 + 3 * STEP);
    sdd__lifecycle_release(&rs);
}

/* The id of the state a service opens in slot k under a strategy. */
static void id_of(const fixture *fx, int svc, int k, const char *strategy, char id[SDD_UUID_TEXT])
{
    sdd_relevant_state rs = {0};
    sdd_lifecycle_ctx ctx = slot(fx, svc, k);

    ctx.strategy = strategy;
    assert_int_equal(sdd__lifecycle_step(&rs, &ctx, 90, NULL, 0), SDD_CHANGE_OPENED);
    memcpy(id, rs.id, SDD_UUID_TEXT);
    sdd__lifecycle_release(&rs);
}

static void test_id_derived(void **state)
{
    const fixture *fx = *state;
    char id[SDD_UUID_TEXT], again[SDD_UUID_TEXT], other[SDD_UUID_TEXT];

    id_of(fx, 0, 3, STRATEGY, id);
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '5');              /* a UUID v5 */
    id_of(fx, 0, 3, STRATEGY, again);
    assert_string_equal(id, again);
    id_of(fx, 1, 3, STRATEGY, other);
    assert_string_not_equal(id, other);
    id_of(fx, 0, 4, STRATEGY, other);
    assert_string_not_equal(id, other);
    id_of(fx, 0, 3, "volume-1-pipeline", other);
    assert_string_not_equal(id, other);
}

static void test_revised_when_symptoms_change(void **state)
{
    const fixture *fx = *state;
    sdd_symptom ab[2] = {symptom("bmp_peer_down", 0, 1.0), symptom("udp_sum", -1, 0.6)};
    sdd_relevant_state rs = {0};

    assert_int_equal(step(fx, &rs, 0, 60, ab, 1), SDD_CHANGE_OPENED);
    assert_int_equal(step(fx, &rs, 1, 60, ab, 1), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, 2, 60, ab, 2), SDD_CHANGE_REVISED);    /* udp_sum added */
    assert_int_equal(rs.revision, 1);
    assert_int_equal(rs.n_contrib, 2);
    assert_int_equal(step(fx, &rs, 3, 60, ab, 2), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, 4, 60, ab, 1), SDD_CHANGE_REVISED);    /* udp_sum gone */
    assert_int_equal(rs.revision, 2);
    assert_int_equal(rs.n_contrib, 2);                                   /* still a contribution */
    assert_false(rs.contrib[1].active);
    assert_int_equal(rs.contrib[1].last, T0 + 3 * STEP);
    assert_int_equal(step(fx, &rs, 5, 60, ab, 2), SDD_CHANGE_REVISED);    /* and back */
    assert_int_equal(rs.revision, 3);
    assert_int_equal(rs.n_contrib, 2);
    assert_true(rs.contrib[1].active);
    sdd__lifecycle_release(&rs);
}

/* Bands of 25 points: 40..49 | 50..74 | 75..100. */
static void test_revised_when_band_changes(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};
    int k = 0;

    assert_int_equal(step(fx, &rs, k++, 50, &a, 1), SDD_CHANGE_OPENED);
    assert_int_equal(step(fx, &rs, k++, 74, &a, 1), SDD_CHANGE_NONE);
    assert_int_equal(rs.concern, 74);
    assert_int_equal(step(fx, &rs, k++, 60, &a, 1), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, k++, 75, &a, 1), SDD_CHANGE_REVISED);
    assert_int_equal(rs.revision, 1);
    assert_int_equal(step(fx, &rs, k++, 100, &a, 1), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, k++, 74, &a, 1), SDD_CHANGE_REVISED);
    assert_int_equal(step(fx, &rs, k++, 49, &a, 1), SDD_CHANGE_REVISED);
    assert_int_equal(step(fx, &rs, k++, 40, &a, 1), SDD_CHANGE_NONE);
    assert_int_equal(rs.revision, 3);
    assert_true(rs.open);
    sdd__lifecycle_release(&rs);
}

static void test_closes_after_quiet_slots(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};

    assert_int_equal(step(fx, &rs, 0, 60, &a, 1), SDD_CHANGE_OPENED);
    assert_int_equal(step(fx, &rs, 1, 60, &a, 1), SDD_CHANGE_NONE);
    for (int k = 2; k < 2 + CLOSE_AFTER - 1; k++)
        assert_int_equal(step(fx, &rs, k, THRESHOLD - 1, NULL, 0), SDD_CHANGE_NONE);
    assert_true(rs.open);
    assert_int_equal(step(fx, &rs, 2 + CLOSE_AFTER - 1, 0, NULL, 0), SDD_CHANGE_CLOSED);
    assert_false(sdd__lifecycle_is_open(&rs, fx->profile));
    assert_int_equal(rs.end, T0 + 2 * STEP);        /* end of slot 1, the last loud one */
    assert_int_equal(rs.revision, 1);
    assert_false(rs.contrib[0].active);
    sdd__lifecycle_release(&rs);
}

/* A loud slot among the quiet ones starts the count again. */
static void test_loud_slot_restarts_count(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};

    assert_int_equal(step(fx, &rs, 0, 60, &a, 1), SDD_CHANGE_OPENED);
    assert_int_equal(step(fx, &rs, 1, 10, NULL, 0), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, 2, 60, &a, 1), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, 3, 10, NULL, 0), SDD_CHANGE_NONE);
    assert_true(rs.open);
    assert_int_equal(step(fx, &rs, 4, 10, NULL, 0), SDD_CHANGE_CLOSED);
    assert_int_equal(rs.end, T0 + 3 * STEP);
    sdd__lifecycle_release(&rs);
}

static void test_contributions_capped(void **state)
{
    const fixture *fx = *state;
    sdd_symptom many[SDD_CONTRIB_MAX + 4];
    sdd_relevant_state rs = {0};
    int n = SDD_CONTRIB_MAX + 4;

    for (int i = 0; i < n; i++)
        many[i] = symptom("oc_interface_state", i, 0.5);
    assert_int_equal(step(fx, &rs, 0, 90, many, n), SDD_CHANGE_OPENED);
    assert_int_equal(rs.n_contrib, SDD_CONTRIB_MAX);
    for (int c = 0; c < SDD_CONTRIB_MAX; c++)
        assert_int_equal(rs.contrib[c].symptom.termination, c);     /* the first ones */
    /* the ones left out are not news in every slot */
    assert_int_equal(step(fx, &rs, 1, 90, many, n), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, 2, 90, many + 4, n - 4), SDD_CHANGE_REVISED);   /* 0..3 gone */
    assert_int_equal(rs.n_contrib, SDD_CONTRIB_MAX);
    sdd__lifecycle_release(&rs);
}

static void test_strongest_report_kept(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("udp_sum", -1, 0.3), none = symptom("tcp_sum", -1, 0.0);
    sdd_relevant_state rs = {0};

    assert_int_equal(step(fx, &rs, 0, 60, &a, 1), SDD_CHANGE_OPENED);
    a.strength = 0.8;
    snprintf(a.description, sizeof(a.description), "the strong one");
    assert_int_equal(step(fx, &rs, 1, 60, &a, 1), SDD_CHANGE_NONE);
    a.strength = 0.5;
    snprintf(a.description, sizeof(a.description), "a weaker one");
    assert_int_equal(step(fx, &rs, 2, 60, &a, 1), SDD_CHANGE_NONE);
    assert_int_equal(rs.n_contrib, 1);
    assert_true(rs.contrib[0].symptom.strength == 0.8);
    assert_string_equal(rs.contrib[0].symptom.description, "the strong one");
    assert_int_equal(rs.contrib[0].first, T0);
    assert_int_equal(rs.contrib[0].last, T0 + 2 * STEP);
    /* a report of strength 0 is no symptom */
    assert_int_equal(step(fx, &rs, 3, 60, &none, 1), SDD_CHANGE_REVISED);     /* udp_sum gone */
    assert_int_equal(rs.n_contrib, 1);
    sdd__lifecycle_release(&rs);
}

static void test_closed_state_readable_until_release(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};
    char id[SDD_UUID_TEXT];

    assert_int_equal(step(fx, &rs, 0, 60, &a, 1), SDD_CHANGE_OPENED);
    memcpy(id, rs.id, sizeof(id));
    assert_int_equal(step(fx, &rs, 1, 0, NULL, 0), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, 2, 0, NULL, 0), SDD_CHANGE_CLOSED);
    assert_string_equal(rs.id, id);
    assert_int_equal(rs.start, T0);
    assert_int_equal(rs.n_contrib, 1);
    assert_non_null(rs.contrib);
    assert_string_equal(rs.contrib[0].symptom.detector, "bmp_peer_down");
    assert_int_equal(rs.contrib[0].last, T0);
    sdd__lifecycle_release(&rs);
    assert_null(rs.contrib);
    assert_int_equal(rs.n_contrib, 0);
    assert_string_equal(rs.id, "");
    /* the next disruption is another state */
    assert_int_equal(step(fx, &rs, 2 + RESUME + 1, 60, &a, 1), SDD_CHANGE_OPENED);
    assert_string_not_equal(rs.id, id);
    assert_int_equal(rs.revision, 0);
    sdd__lifecycle_release(&rs);
}

/* Open in slot 0, loud in 1, closed at the end of slot 1 + CLOSE_AFTER. */
static void open_then_close(const fixture *fx, sdd_relevant_state *rs, const sdd_symptom *a, char id[SDD_UUID_TEXT])
{
    assert_int_equal(step(fx, rs, 0, 60, a, 1), SDD_CHANGE_OPENED);
    memcpy(id, rs->id, SDD_UUID_TEXT);
    assert_int_equal(step(fx, rs, 1, 60, a, 1), SDD_CHANGE_NONE);
    for (int k = 2; k < 2 + CLOSE_AFTER - 1; k++)
        assert_int_equal(step(fx, rs, k, 0, NULL, 0), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, rs, 1 + CLOSE_AFTER, 0, NULL, 0), SDD_CHANGE_CLOSED);
    assert_int_equal(rs->revision, 1);
}

/* The return to normal after a disruption (another detector's symptom, in
 * the last slot starting within resume_minutes of the state's end): a new
 * revision of the same state, open again, and its close later is the
 * state's end. */
static void test_evidence_back_within_resume_minutes(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("link_saturation", 0, 1.0), b = symptom("udp_pattern", -1, 0.8);
    sdd_relevant_state rs = {0};
    char id[SDD_UUID_TEXT];
    int back = 1 + RESUME;                      /* the last slot starting within resume_minutes of the end */

    open_then_close(fx, &rs, &a, id);
    for (int k = 2 + CLOSE_AFTER; k < back; k++)
        assert_int_equal(step(fx, &rs, k, 0, NULL, 0), SDD_CHANGE_NONE);
    assert_false(sdd__lifecycle_is_open(&rs, fx->profile));
    assert_int_equal(step(fx, &rs, back, 70, &b, 1), SDD_CHANGE_REVISED);
    assert_true(sdd__lifecycle_is_open(&rs, fx->profile));
    assert_string_equal(rs.id, id);
    assert_int_equal(rs.revision, 2);
    assert_int_equal(rs.start, T0);
    assert_int_equal(rs.n_contrib, 2);
    assert_false(rs.contrib[0].active);
    assert_true(rs.contrib[1].active);
    assert_int_equal(rs.contrib[1].first, T0 + back * STEP);
    for (int k = back + 1; k < back + CLOSE_AFTER; k++)
        assert_int_equal(step(fx, &rs, k, 0, NULL, 0), SDD_CHANGE_NONE);
    assert_int_equal(step(fx, &rs, back + CLOSE_AFTER, 0, NULL, 0), SDD_CHANGE_CLOSED);
    assert_int_equal(rs.revision, 3);
    assert_int_equal(rs.end, T0 + (back + 1) * STEP);
    sdd__lifecycle_release(&rs);
}

/* A slot starting resume_minutes after the end, even the first judged
 * since the close, is another disruption; and an event (a peer down judged
 * as read) resumes a closed state as a slot does. */
static void test_resume_window_edges(void **state)
{
    const fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};
    char id[SDD_UUID_TEXT];
    sdd_lifecycle_ctx ctx = slot(fx, 0, 1 + CLOSE_AFTER + 1);

    open_then_close(fx, &rs, &a, id);
    assert_int_equal(step(fx, &rs, 2 + RESUME, 60, &a, 1), SDD_CHANGE_OPENED);
    assert_string_not_equal(rs.id, id);
    assert_int_equal(rs.revision, 0);
    sdd__lifecycle_release(&rs);

    open_then_close(fx, &rs, &a, id);
    assert_int_equal(sdd__lifecycle_event(&rs, &ctx, 90, &a, 1), SDD_CHANGE_REVISED);
    assert_string_equal(rs.id, id);
    assert_int_equal(rs.revision, 2);
    assert_true(sdd__lifecycle_is_open(&rs, fx->profile));
    sdd__lifecycle_release(&rs);
}

/* resume_minutes 0: every disruption after a close is a state of its own. */
static void test_resume_off(void **state)
{
    fixture *fx = *state;
    sdd_symptom a = symptom("bmp_peer_down", 0, 1.0);
    sdd_relevant_state rs = {0};
    char id[SDD_UUID_TEXT];
    sdd_profile off = *fx->profile;
    const sdd_profile *kept = fx->profile;

    off.v[SDD_P_RESUME_MINUTES] = 0;
    fx->profile = &off;
    open_then_close(fx, &rs, &a, id);
    assert_int_equal(step(fx, &rs, 2 + CLOSE_AFTER, 60, &a, 1), SDD_CHANGE_OPENED);
    assert_string_not_equal(rs.id, id);
    sdd__lifecycle_release(&rs);
    fx->profile = kept;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_below_threshold),
        cmocka_unit_test(test_opens_at_threshold),
        cmocka_unit_test(test_id_derived),
        cmocka_unit_test(test_revised_when_symptoms_change),
        cmocka_unit_test(test_revised_when_band_changes),
        cmocka_unit_test(test_closes_after_quiet_slots),
        cmocka_unit_test(test_loud_slot_restarts_count),
        cmocka_unit_test(test_contributions_capped),
        cmocka_unit_test(test_strongest_report_kept),
        cmocka_unit_test(test_evidence_back_within_resume_minutes),
        cmocka_unit_test(test_resume_window_edges),
        cmocka_unit_test(test_resume_off),
        cmocka_unit_test(test_closed_state_readable_until_release),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
