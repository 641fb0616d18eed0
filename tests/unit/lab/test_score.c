/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_score.c: the scorer on hand-made truth and notification files whose
 * precision, recall, F1, delays and false alarms are worked out by hand:
 * the edges of the grace window, revisions of one relevant state grouped
 * by id (a later endTime extends it, none leaves it open), several services
 * in one state, Avro-JSON wrapped unions, and malformed lines counted by
 * reason rather than stopping the run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/score.h"

/* Doubles agree to 1e-9; cmocka 1.1.5 only compares floats. */
#define assert_near(a, b) check_near((a), (b), #a, __LINE__)

static void check_near(double a, double b, const char *what, int line)
{
    if (!(fabs(a - b) < 1e-9))
        fail_msg("line %d: %s is %.9g, expected %.9g", line, what, a, b);
}

struct files {
    char truth[64];
    char notifications[64];
};

static void write_file(char *path, size_t len, const char *text)
{
    int fd;

    snprintf(path, len, "/tmp/sdd-score-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static sdd_score_report *score_texts(const char *truth, const char *notifications, int grace)
{
    struct files f;
    sdd_score_report *r = NULL;
    sdd_error err = {0};

    write_file(f.truth, sizeof(f.truth), truth);
    write_file(f.notifications, sizeof(f.notifications), notifications);
    assert_int_equal(sdd_score_files(f.truth, f.notifications, grace, &r, &err), 0);
    unlink(f.truth);
    unlink(f.notifications);
    assert_non_null(r);
    return r;
}

static const sdd_score_kind *kind(const sdd_score_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_kinds; i++)
        if (strcmp(r->kinds[i].name, name) == 0)
            return &r->kinds[i];
    fail_msg("no kind %s", name);
    return NULL;
}

/* 10 services x 2 days = 20 service-days; three events want an alarm, two
 * do not. */
#define TRUTH_TEXT \
    "{\"seed\":1,\"services\":10,\"days\":2,\"start\":999960,\"time_step_seconds\":60,\"holidays\":[]}\n" \
    "{\"service\":\"64497:1\",\"kind\":\"pe_ce_link_down\",\"start\":1000000,\"end\":1000600,\"alarm\":true,\"expected\":[]}\n" \
    "{\"service\":\"64497:2\",\"kind\":\"pe_ce_link_down\",\"start\":2000000,\"end\":2000300,\"alarm\":true,\"expected\":[]}\n" \
    "{\"service\":\"64497:3\",\"kind\":\"fwd_drops\",\"start\":3000000,\"end\":3000600,\"alarm\":true,\"expected\":[]}\n" \
    "{\"service\":\"64497:4\",\"kind\":\"maintenance\",\"start\":4000000,\"end\":4003600,\"alarm\":false,\"expected\":[]}\n" \
    "{\"service\":\"64497:5\",\"kind\":\"core_failure\",\"start\":5000000,\"end\":5000030,\"alarm\":false,\"expected\":[]}\n"

#define SVC(id) "\"service\":{\"l3VpnService\":[{\"vpnId\":\"" id "\",\"vpnName\":null}]}"

static const char notifications_text[] =
    /* a: 120 s (2 slots) after the first event; closed by its second revision */
    "{\"id\":\"a\",\"startTime\":1000120000,\"endTime\":null,\"concernScore\":80," SVC("64497:1") ",\"anomaly\":[]}\n"
    "not json at all\n"
    /* b: starts exactly when the grace window of the second event ends */
    "{\"id\":\"b\",\"startTime\":2000600000,\"endTime\":2000700000," SVC("64497:2") "}\n"
    /* c: one millisecond too late for the third */
    "{\"id\":\"c\",\"startTime\":3000900001,\"endTime\":3001000000," SVC("64497:3") "}\n"
    "{\"id\":5,\"startTime\":1}\n"
    /* d: during the maintenance: a false alarm */
    "{\"id\":\"d\",\"startTime\":4000600000,\"endTime\":4000900000," SVC("64497:4") "}\n"
    "{\"id\":\"x\"," SVC("64497:1") "}\n"
    /* e: on a quiet service */
    "{\"id\":\"e\",\"startTime\":7000000000,\"endTime\":7000100000," SVC("64497:9") "}\n"
    "{\"id\":\"y\",\"startTime\":1}\n"
    "{\"id\":\"a\",\"startTime\":1000120000,\"endTime\":1000900000,\"stage\":\"problem_confirmed\"," SVC("64497:1") "}\n";

static void test_known_figures(void **state)
{
    sdd_score_report *r = score_texts(TRUTH_TEXT, notifications_text, 5);
    const sdd_score_kind *link = kind(r, "pe_ce_link_down"), *drops = kind(r, "fwd_drops");

    (void)state;
    assert_int_equal(r->notifications, 5);
    assert_int_equal(r->alarms, 5);
    assert_int_equal(r->true_alarms, 2);
    assert_int_equal(r->false_alarms, 3);
    assert_int_equal(r->events, 3);
    assert_int_equal(r->detected, 2);
    assert_near(r->precision, 0.4);
    assert_near(r->recall, 2.0 / 3.0);
    assert_near(r->f1, 0.5);
    assert_near(r->false_per_1000, 150.0);
    assert_int_equal(link->events, 2);
    assert_int_equal(link->detected, 2);
    assert_near(link->delay.median_s, 120.0);
    assert_near(link->delay.p95_s, 600.0);
    assert_near(link->delay.median_slots, 2.0);
    assert_near(link->delay.p95_slots, 10.0);
    assert_int_equal(drops->events, 1);
    assert_int_equal(drops->detected, 0);
    assert_true(isnan(drops->delay.median_s));
    assert_int_equal(kind(r, "maintenance")->detected, 1);
    assert_int_equal(kind(r, "core_failure")->detected, 0);
    assert_false(kind(r, "core_failure")->alarm);
    sdd_score_report_free(r);
}

static void test_malformed_lines_counted(void **state)
{
    sdd_score_report *r = score_texts(TRUTH_TEXT "{\"service\":\"64497:1\",\"kind\":\"x\"}\n[1,2]\n",
                                      notifications_text, 5);

    (void)state;
    assert_int_equal(r->notification_lines, 10);
    assert_int_equal(r->notification_skipped[SDD_SCORE_SKIP_NOT_JSON], 1);
    assert_int_equal(r->notification_skipped[SDD_SCORE_SKIP_NO_ID], 1);
    assert_int_equal(r->notification_skipped[SDD_SCORE_SKIP_NO_START], 1);
    assert_int_equal(r->notification_skipped[SDD_SCORE_SKIP_NO_SERVICE], 1);
    assert_int_equal(r->truth_skipped[SDD_SCORE_SKIP_BAD_EVENT], 1);
    assert_int_equal(r->truth_skipped[SDD_SCORE_SKIP_NOT_JSON], 1);
    assert_int_equal(r->events, 3);
    sdd_score_report_free(r);
}

/* Without grace, b (after its event's end) no longer matches. */
static void test_grace_edges(void **state)
{
    sdd_score_report *r = score_texts(TRUTH_TEXT, notifications_text, 0);

    (void)state;
    assert_int_equal(r->detected, 1);
    assert_int_equal(r->true_alarms, 1);
    assert_int_equal(kind(r, "pe_ce_link_down")->detected, 1);
    sdd_score_report_free(r);
    /* with one more slot of grace, c (1 ms past five slots) matches */
    r = score_texts(TRUTH_TEXT, notifications_text, 6);
    assert_int_equal(r->detected, 3);
    assert_int_equal(kind(r, "fwd_drops")->detected, 1);
    sdd_score_report_free(r);
}

/* One state in three revisions: a later endTime extends it to reach the
 * event; a state never closed stays open to the end; a state naming two
 * services is an alarm for each. */
static void test_revisions_grouped(void **state)
{
    static const char truth[] =
        "{\"seed\":1,\"services\":4,\"days\":1,\"start\":0,\"time_step_seconds\":60,\"holidays\":[]}\n"
        "{\"service\":\"s1\",\"kind\":\"withdraw_storm\",\"start\":6000,\"end\":6100,\"alarm\":true}\n"
        "{\"service\":\"s2\",\"kind\":\"withdraw_storm\",\"start\":9000,\"end\":9100,\"alarm\":true}\n"
        "{\"service\":\"s3\",\"kind\":\"withdraw_storm\",\"start\":9000,\"end\":9100,\"alarm\":true}\n";
    static const char notes[] =
        "{\"id\":\"f\",\"startTime\":5940000,\"endTime\":5960000," SVC("s1") "}\n"
        "{\"id\":\"g\",\"startTime\":8000000,\"endTime\":null," SVC("s2") "}\n"
        "{\"id\":\"f\",\"startTime\":5940000,\"endTime\":5990000," SVC("s1") "}\n"
        "{\"id\":\"f\",\"startTime\":5940000,\"endTime\":6030000," SVC("s1") "}\n"
        "{\"id\":\"h\",\"startTime\":9060000,\"endTime\":9100000,\"service\":{\"l3VpnService\":"
        "[{\"vpnId\":\"s3\"},{\"vpnId\":\"s4\"}]}}\n";
    sdd_score_report *r = score_texts(truth, notes, 5);

    (void)state;
    assert_int_equal(r->notifications, 3);
    assert_int_equal(r->alarms, 4);            /* f, g, and h twice */
    assert_int_equal(r->detected, 3);
    assert_int_equal(r->true_alarms, 3);
    assert_int_equal(r->false_alarms, 1);      /* h on s4 */
    assert_near(r->false_per_1000, 250.0);
    /* f started 60 s before its event, g 1000 s, h 60 s after */
    assert_near(r->delay.median_s, -60.0);
    assert_near(r->delay.p95_s, 60.0);
    sdd_score_report_free(r);
}

/* Avro's JSON encoding of unions ({"long": ...}, the record name around the
 * service container) reads the same as bare values. */
static void test_wrapped_unions(void **state)
{
    static const char truth[] =
        "{\"seed\":1,\"services\":1,\"days\":1,\"start\":0,\"time_step_seconds\":60,\"holidays\":[]}\n"
        "{\"service\":\"64497:4438\",\"kind\":\"pe_ce_link_down\",\"start\":1000,\"end\":1300,\"alarm\":true}\n";
    static const char notes[] =
        "{\"id\":\"w\",\"startTime\":1060000,\"endTime\":{\"long\":1200000},\"service\":"
        "{\"ietf.relevant.state.allinone.L3VpnServiceContainer\":{\"l3VpnService\":"
        "[{\"vpnId\":\"64497:4438\",\"uri\":null}]}},\"publisher\":{\"id\":\"p\",\"name\":\"sdd\"}}\n";
    sdd_score_report *r = score_texts(truth, notes, 5);

    (void)state;
    assert_int_equal(r->alarms, 1);
    assert_int_equal(r->detected, 1);
    assert_near(r->delay.median_slots, 1.0);
    sdd_score_report_free(r);
}

static void test_empty_inputs(void **state)
{
    sdd_score_report *r = score_texts("", "", 5);

    (void)state;
    assert_int_equal(r->alarms, 0);
    assert_true(isnan(r->precision));
    assert_true(isnan(r->recall));
    assert_true(isnan(r->false_per_1000));
    sdd_score_report_free(r);
}

/* Prints into memory and returns the text. */
static char *printed(const sdd_score_report *r, int (*print)(const sdd_score_report *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(print(r, f), 0);
    fclose(f);
    return buf;
}

static void test_printing(void **state)
{
    sdd_score_report *r = score_texts(TRUTH_TEXT, notifications_text, 5);
    char *table = printed(r, sdd_score_print_table), *text = printed(r, sdd_score_print_json);
    json_t *j = json_loads(text, 0, NULL), *kinds;

    (void)state;
    assert_non_null(strstr(table, "pe_ce_link_down"));
    assert_non_null(strstr(table, "maintenance"));
    assert_non_null(j);
    assert_near(json_real_value(json_object_get(j, "precision")), 0.4);
    assert_int_equal(json_integer_value(json_object_get(j, "false_alarms")), 3);
    kinds = json_object_get(j, "kinds");
    assert_int_equal(json_array_size(kinds), 2);
    assert_true(json_is_null(json_object_get(json_object_get(json_array_get(kinds, 0), "delay"),
                                             "median_seconds")));    /* fwd_drops: none */
    assert_int_equal(json_array_size(json_object_get(j, "no_alarm_kinds")), 2);
    json_decref(j);
    free(table);
    free(text);
    sdd_score_report_free(r);
}

/* A state naming a change (its service's changeId) during a maintenance
 * is an annotated change: neither false nor a detection; the figures that
 * count it false, as before, are kept beside. A state naming a change off
 * any maintenance, or one during it that names none, stays false. */
static void test_annotated_changes(void **state)
{
    static const char changes[] =
        "{\"id\":\"a\",\"startTime\":1000120000,\"endTime\":1000900000," SVC("64497:1") "}\n"
        "{\"id\":\"d\",\"startTime\":4000600000,\"endTime\":4000900000,\"service\":{\"l3VpnService\":"
        "[{\"vpnId\":\"64497:4\",\"changeId\":{\"string\":\"maint-1\"}}]}}\n"
        "{\"id\":\"e\",\"startTime\":7000000000,\"endTime\":7000100000,\"service\":{\"l3VpnService\":"
        "[{\"vpnId\":\"64497:9\",\"changeId\":\"maint-2\"}]}}\n"
        "{\"id\":\"f\",\"startTime\":4001000000,\"endTime\":4001100000," SVC("64497:4") "}\n";
    sdd_score_report *r = score_texts(TRUTH_TEXT, changes, 5);
    char *table = printed(r, sdd_score_print_table), *text = printed(r, sdd_score_print_json);
    json_t *j = json_loads(text, 0, NULL);

    (void)state;
    assert_int_equal(r->alarms, 4);
    assert_int_equal(r->true_alarms, 1);
    assert_int_equal(r->annotated_changes, 1);
    assert_int_equal(r->false_alarms, 2);
    assert_near(r->precision, 1.0 / 3.0);
    assert_near(r->precision_changes_false, 0.25);
    assert_near(r->false_per_1000, 100.0);
    assert_near(r->false_per_1000_changes_false, 150.0);
    assert_non_null(strstr(table, "annotated changes 1 "));
    assert_non_null(strstr(table, "with annotated changes counted false (as before): precision 0.250  false "
                                  "alarms per 1000 service-days 150.00"));
    assert_int_equal(json_integer_value(json_object_get(j, "annotated_changes")), 1);
    assert_near(json_real_value(json_object_get(j, "false_alarms_per_1000_service_days_changes_false")), 150.0);
    json_decref(j);
    free(table);
    free(text);
    sdd_score_report_free(r);
}

/* One relevant state per disruption: an event two states match counts as
 * detected but not as one; an alarm during a collection trouble (an event
 * that wants none) is a false alarm. */
static void test_one_state_per_event(void **state)
{
    static const char truth[] =
        "{\"seed\":1,\"services\":10,\"days\":1,\"start\":999960,\"time_step_seconds\":60,\"holidays\":[]}\n"
        "{\"service\":\"64497:1\",\"kind\":\"site_blackhole\",\"start\":1000000,\"end\":1000600,\"alarm\":true,\"expected\":[]}\n"
        "{\"service\":\"64497:2\",\"kind\":\"site_blackhole\",\"start\":1000000,\"end\":1000600,\"alarm\":true,\"expected\":[]}\n"
        "{\"service\":\"64497:3\",\"kind\":\"exporter_silent\",\"start\":1000000,\"end\":1000600,\"alarm\":false,\"expected\":[]}\n";
    static const char notifications[] =
        "{\"id\":\"a\",\"startTime\":1000060000,\"endTime\":1000300000," SVC("64497:1") "}\n"
        "{\"id\":\"b\",\"startTime\":1000400000,\"endTime\":1000700000," SVC("64497:1") "}\n"
        "{\"id\":\"c\",\"startTime\":1000060000,\"endTime\":1000700000," SVC("64497:2") "}\n"
        "{\"id\":\"d\",\"startTime\":1000060000,\"endTime\":1000700000," SVC("64497:3") "}\n";
    sdd_score_report *r = score_texts(truth, notifications, 5);
    const sdd_score_kind *hole = kind(r, "site_blackhole"), *silent = kind(r, "exporter_silent");

    (void)state;
    assert_int_equal(r->detected, 2);
    assert_int_equal(r->one_state, 1);
    assert_near(r->one_state_share, 0.5);
    assert_int_equal(hole->one_state, 1);
    assert_near(hole->one_state_share, 0.5);
    assert_int_equal(silent->detected, 1);
    assert_int_equal(r->true_alarms, 3);
    assert_int_equal(r->false_alarms, 1);
    sdd_score_report_free(r);
}

static void test_missing_file(void **state)
{
    sdd_score_report *r = NULL;
    sdd_error err = {0};

    (void)state;
    assert_int_equal(sdd_score_files("/nonexistent/truth.json", "/dev/null", 5, &r, &err), -1);
    assert_null(r);
    assert_non_null(strstr(err.msg, "/nonexistent/truth.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_figures),
        cmocka_unit_test(test_malformed_lines_counted),
        cmocka_unit_test(test_grace_edges),
        cmocka_unit_test(test_revisions_grouped),
        cmocka_unit_test(test_wrapped_unions),
        cmocka_unit_test(test_empty_inputs),
        cmocka_unit_test(test_printing),
        cmocka_unit_test(test_one_state_per_event),
        cmocka_unit_test(test_annotated_changes),
        cmocka_unit_test(test_missing_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
