/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_metrics_text.c: the Prometheus text of the counters: one # HELP and
 * one # TYPE line per family, its samples together even when the walk gave
 * them apart, flat names turned into labels (input, result, reason), label
 * values escaped (backslash, double quote, newline), a counter the table
 * does not know kept as untyped; and every counter the engine and the file
 * output walk is one the table knows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/metrics_text.h"
#include "io/output.h"

static char *render(const sdd_samples *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    sdd_metrics_render(s, f);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void test_families_and_labels(void **state)
{
    sdd_samples s = {0};
    (void)state;

    sdd_samples_counter(&s, "parsed_flow_none", 150);
    sdd_samples_counter(&s, "records_flow", 150);
    sdd_samples_counter(&s, "parsed_flow_json", 10);
    sdd_samples_counter(&s, "parsed_bmp_none", 5);
    sdd_samples_counter(&s, "unmapped_no_service", 7);
    sdd_samples_add(&s, "input_idle_seconds", "flow_input", NULL, 2.5);
    char *text = render(&s);
    assert_string_equal(text,
        "# HELP sdd_records_total Records the engine took, by input (flow, bmp, telemetry).\n"
        "# TYPE sdd_records_total counter\n"
        "sdd_records_total{input=\"flow\"} 150\n"
        "# HELP sdd_input_lines_total Lines read, by input and result: none (a record), ignored (valid, of no use)"
        " or why it was skipped.\n"
        "# TYPE sdd_input_lines_total counter\n"
        "sdd_input_lines_total{input=\"flow\",result=\"none\"} 150\n"
        "sdd_input_lines_total{input=\"flow\",result=\"json\"} 10\n"
        "sdd_input_lines_total{input=\"bmp\",result=\"none\"} 5\n"
        "# HELP sdd_records_unmapped_total Records of no service of the inventory, by reason.\n"
        "# TYPE sdd_records_unmapped_total counter\n"
        "sdd_records_unmapped_total{reason=\"no_service\"} 7\n"
        "# HELP sdd_input_idle_seconds Seconds since an input last gave a line.\n"
        "# TYPE sdd_input_idle_seconds gauge\n"
        "sdd_input_idle_seconds{input=\"flow_input\"} 2.5\n");
    free(text);
    sdd_samples_free(&s);
}

static void test_escaping(void **state)
{
    sdd_samples s = {0};
    (void)state;

    sdd_samples_add(&s, "source_lag", "a\\b\"c\nd", "192.0.2.1", 60);
    char *text = render(&s);
    assert_non_null(strstr(text, "\nsdd_source_lag_seconds{input=\"a\\\\b\\\"c\\nd\",router=\"192.0.2.1\"} 60\n"));
    free(text);
    sdd_samples_free(&s);
}

/* A value keeps its digits: counters are whole numbers past 2^32. */
static void test_values(void **state)
{
    sdd_samples s = {0};
    (void)state;

    sdd_samples_counter(&s, "slots_closed", 123456789012ULL);
    sdd_samples_add(&s, "checkpoint_duration", NULL, NULL, 0.125);
    char *text = render(&s);
    assert_non_null(strstr(text, "\nsdd_slots_closed_total 123456789012\n"));
    assert_non_null(strstr(text, "\nsdd_checkpoint_duration_seconds 0.125\n"));
    free(text);
    sdd_samples_free(&s);
}

static void test_unknown_kept_untyped(void **state)
{
    sdd_samples s = {0};
    (void)state;

    assert_false(sdd_metrics_known("brand-new"));
    sdd_samples_counter(&s, "brand-new", 3);
    char *text = render(&s);
    assert_string_equal(text, "# HELP sdd_brand_new The counter brand-new (not in the table of metrics).\n"
                              "# TYPE sdd_brand_new untyped\n"
                              "sdd_brand_new 3\n");
    free(text);
    sdd_samples_free(&s);
}

/* A histogram: cumulative buckets ending at +Inf, whose count is the
 * number of observations, then the sum and the count, under one family. */
static void test_histogram(void **state)
{
    sdd_samples s = {0};
    sdd_histogram h = {{0}, 0, 0};
    (void)state;

    sdd_histogram_observe(&h, 0.00005);
    sdd_histogram_observe(&h, 0.0001);          /* at a bound: in its bucket */
    sdd_histogram_observe(&h, 0.003);
    sdd_histogram_observe(&h, 0.75);
    sdd_histogram_observe(&h, 7);               /* past the last bound: only in +Inf */
    sdd_samples_histogram(&s, "detection_seconds", &h);
    char *text = render(&s);
    assert_string_equal(text,
        "# HELP sdd_detection_seconds Wall-clock time of one cycle of detection: closing and judging the slots the"
        " engine's time passed at once.\n"
        "# TYPE sdd_detection_seconds histogram\n"
        "sdd_detection_seconds_bucket{le=\"0.0001\"} 2\n"
        "sdd_detection_seconds_bucket{le=\"0.0005\"} 2\n"
        "sdd_detection_seconds_bucket{le=\"0.001\"} 2\n"
        "sdd_detection_seconds_bucket{le=\"0.005\"} 3\n"
        "sdd_detection_seconds_bucket{le=\"0.01\"} 3\n"
        "sdd_detection_seconds_bucket{le=\"0.05\"} 3\n"
        "sdd_detection_seconds_bucket{le=\"0.1\"} 3\n"
        "sdd_detection_seconds_bucket{le=\"0.5\"} 3\n"
        "sdd_detection_seconds_bucket{le=\"1\"} 4\n"
        "sdd_detection_seconds_bucket{le=\"5\"} 4\n"
        "sdd_detection_seconds_bucket{le=\"+Inf\"} 5\n"
        "sdd_detection_seconds_sum 7.7531499999999998\n"
        "sdd_detection_seconds_count 5\n");
    free(text);
    sdd_samples_free(&s);
}

/* The series sddd adds besides the counters: sources, open states by
 * stage, the Kafka consumer's lag, each with its labels. */
static void test_daemon_series(void **state)
{
    sdd_samples s = {0};
    (void)state;

    sdd_samples_add(&s, "source_watermark", "flow", "192.0.2.1", 1700000040);
    sdd_samples_add(&s, "source_lag", "flow", "192.0.2.1", 12);
    sdd_samples_add(&s, "relevant_states_open", "problem_potential", NULL, 2);
    sdd_samples_add(&s, "relevant_states_open", "problem_forecasted", NULL, 0);
    sdd_samples_add(&s, "kafka_consumer_lag", "flows", "3", 41);
    char *text = render(&s);
    assert_non_null(strstr(text, "# TYPE sdd_source_watermark_seconds gauge\n"
                                 "sdd_source_watermark_seconds{input=\"flow\",router=\"192.0.2.1\"} 1700000040\n"));
    assert_non_null(strstr(text, "\nsdd_source_lag_seconds{input=\"flow\",router=\"192.0.2.1\"} 12\n"));
    assert_non_null(strstr(text, "# TYPE sdd_relevant_states_open gauge\n"
                                 "sdd_relevant_states_open{stage=\"problem_potential\"} 2\n"
                                 "sdd_relevant_states_open{stage=\"problem_forecasted\"} 0\n"));
    assert_non_null(strstr(text, "# TYPE sdd_kafka_consumer_lag gauge\n"
                                 "sdd_kafka_consumer_lag{topic=\"flows\",partition=\"3\"} 41\n"));
    assert_null(strstr(text, "untyped"));
    free(text);
    sdd_samples_free(&s);
}

static void check_known(void *ctx, const char *name, uint64_t value)
{
    (void)value;
    if (!sdd_metrics_known(name))
        fail_msg("counter %s is not in the table of metrics_text.c (nor in docs/metrics.md)", name);
    (*(int *)ctx)++;
}

static void test_every_counter_known(void **state)
{
    sdd_config *cfg = sdd_config_new();
    sdd_engine *e = sdd_engine_new(cfg, NULL);
    sdd_output *out = sdd_output_open("file:/dev/null", NULL);
    int n = 0;
    (void)state;

    assert_non_null(e);
    assert_non_null(out);
    sdd_engine_counters(e, check_known, &n);
    sdd_output_counters(out, check_known, &n);
    assert_true(n > 30);
    sdd_output_close(out);
    sdd_engine_free(e);
    sdd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families_and_labels),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_unknown_kept_untyped),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_daemon_series),
        cmocka_unit_test(test_every_counter_known),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
