/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config.c: the configuration contract: defaults, the example file,
 * profiles, and every way a file is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/config.h"

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/sdd-test-config-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");

    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads `text` into a fresh config; returns it (NULL on error, err filled). */
static sdd_config *load_text(const char *text, sdd_error *err)
{
    sdd_config *cfg = sdd_config_new();
    char *path = write_temp(text);
    int rc = sdd_config_load(cfg, path, err);

    unlink(path);
    free(path);
    if (rc < 0) {
        sdd_config_free(cfg);
        return NULL;
    }
    return cfg;
}

static void expect_refused(const char *text, const char *fragment)
{
    sdd_error err = {0};
    sdd_config *cfg = load_text(text, &err);

    assert_null(cfg);
    if (!strstr(err.msg, fragment))
        fail_msg("error '%s' does not mention '%s'", err.msg, fragment);
}

static char *dump(const sdd_config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    sdd__config_write(cfg, f);
    fclose(f);
    return buf;
}

static void test_defaults(void **state)
{
    (void)state;
    sdd_config *cfg = sdd_config_new();
    const sdd_profile *p = sdd__config_profile(cfg, "default");

    assert_non_null(p);
    assert_int_equal(cfg->time_step_seconds, 60);
    assert_int_equal((int)p->v[SDD_P_TIME_DELTA_HOURS], 168);
    assert_true(p->v[SDD_P_VOLUME_LENGTH_MINUTES] <= p->v[SDD_P_PATTERN_LENGTH_MINUTES]);
    assert_int_equal(sdd_config_check(cfg, NULL), 0);
    assert_string_equal(sdd__param_name(SDD_P_DAMP_COEF), "damp_coef");
    sdd_config_free(cfg);
}

/* The keys of sddd's the example file also holds: taken here unread (the
 * io tests check their values). */
static int other_key(void *ctx, const char *key, const char *scope, const char *value, sdd_error *err)
{
    (void)key, (void)scope, (void)value, (void)err;
    ++*(int *)ctx;
    return 1;
}

/* conf-examples/sdd.conf says it spells out the built-in defaults: it must. */
static void test_example_is_defaults(void **state)
{
    (void)state;
    const char *src = getenv("SDD_SRCDIR");
    char path[1024];
    sdd_error err = {0};
    sdd_config *defaults = sdd_config_new(), *loaded = sdd_config_new();

    snprintf(path, sizeof(path), "%s/conf-examples/sdd.conf", src ? src : "..");
    int others = 0;
    if (sdd_config_load_with(loaded, path, other_key, &others, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(others > 0);
    char *a = dump(defaults), *b = dump(loaded);
    assert_string_equal(a, b);
    free(a);
    free(b);
    sdd_config_free(defaults);
    sdd_config_free(loaded);
}

static void test_profiles(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_config *cfg = load_text("! comment\n"
                                "tcp_spike_weight[stable]: 0.3\n"
                                "TCP_SPIKE_WEIGHT: 0.7\n"
                                "udp_sum_weight: 0.1\n"
                                "udp_sum_weight[bursty]: 0.9\n"
                                "\n   sensitivity :  5  \n",
                                &err);

    assert_non_null(cfg);
    const sdd_profile *def = sdd__config_profile(cfg, "default");
    const sdd_profile *stable = sdd__config_profile(cfg, "stable");
    const sdd_profile *bursty = sdd__config_profile(cfg, "bursty");
    assert_non_null(stable);
    assert_non_null(bursty);
    assert_null(sdd__config_profile(cfg, "other"));
    /* a scoped value survives a later unscoped one */
    assert_true(stable->v[SDD_P_TCP_SPIKE_WEIGHT] == 0.3);
    assert_true(def->v[SDD_P_TCP_SPIKE_WEIGHT] == 0.7);
    assert_true(bursty->v[SDD_P_TCP_SPIKE_WEIGHT] == 0.7);
    /* unscoped values reach profiles made before and after */
    assert_true(stable->v[SDD_P_UDP_SUM_WEIGHT] == 0.1);
    assert_true(bursty->v[SDD_P_UDP_SUM_WEIGHT] == 0.9);
    assert_true(bursty->v[SDD_P_SENSITIVITY] == 5);
    /* what is written reads back the same */
    char *text = dump(cfg), *again;
    sdd_config *reloaded = load_text(text, &err);
    assert_non_null(reloaded);
    again = dump(reloaded);
    assert_string_equal(text, again);
    free(text);
    free(again);
    sdd_config_free(reloaded);
    sdd_config_free(cfg);
}

static void test_ranges_at_the_edges(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_config *cfg = load_text("udp_sum_weight: 0\ntcp_sum_weight: 1\ndamp_coef: 1\nprevious_slots: 0\n"
                                "oc_monitor_minutes: 2\nvolume_length_minutes: 60\n",
                                &err);
    assert_non_null(cfg);
    sdd_config_free(cfg);
    expect_refused("udp_sum_weight: 1.0001\n", "udp_sum_weight");
    expect_refused("damp_coef: -0.1\n", "outside");
    expect_refused("oc_monitor_minutes: 1\n", "oc_monitor_minutes");
    expect_refused("time_step_seconds: 59\n", "time_step_seconds");
    expect_refused("width: 2.5\n", "whole number");
    expect_refused("sensitivity: fast\n", "not a number");
    expect_refused("sensitivity: nan\n", "not a number");
}

static void test_refused_with_line(void **state)
{
    (void)state;
    expect_refused("sensitivity: 1\nudp_sum_treshold: 0.5\n", ":2: unknown key 'udp_sum_treshold'");
    expect_refused("just words\n", ":1: expected 'key: value'");
    expect_refused("width[: 3\n", ":1:");
    expect_refused("data_delay[stable]: 60\n", "cannot be scoped");
    expect_refused("learn_unknown_rd: maybe\n", "true or false");
}

static void test_inconsistent_values(void **state)
{
    (void)state;
    expect_refused("volume_length_minutes: 61\n", "volume_length_minutes (61) is longer than pattern_length_minutes (60)");
    expect_refused("volume_length_minutes[p]: 90\n", "profile p");
    /* pattern 60 min, 60 s slots: 60 slots, semi-width at most 29 */
    expect_refused("flatten_step: 30\n", "flatten_step");
    expect_refused("width: 30\n", "width");
    sdd_error err = {0};
    sdd_config *cfg = load_text("flatten_step: 29\nwidth: 29\n", &err);
    assert_non_null(cfg);
    sdd_config_free(cfg);
    expect_refused("time_step_seconds: 3660\n", "time_step_seconds (3660) is longer");
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text;
    long len;

    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)len + 1);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return text;
}

static void expect_documented(void *ctx, const char *key)
{
    char quoted[128];

    snprintf(quoted, sizeof(quoted), "`%s`", key);
    if (!strstr(ctx, quoted))
        fail_msg("docs/configuration.md does not document %s", key);
}

/* Every key has its line in the reference and in the example file. */
static void test_every_key_documented(void **state)
{
    (void)state;
    const char *src = getenv("SDD_SRCDIR");
    char path[1024];

    snprintf(path, sizeof(path), "%s/docs/configuration.md", src ? src : "..");
    char *doc = read_file(path);
    sdd__config_each_key(expect_documented, doc);
    free(doc);
}

/* Every range is one the engine can honour, and says why when the limit is
 * the engine's; a key set twice and a comment after a value are refused. */
static void test_limits_and_mistakes(void **state)
{
    (void)state;
    expect_refused("time_delta_hours: 2147483647\n", "time_delta_hours: 2147483647 is outside 0..8784: history keeps");
    expect_refused("pattern_length_minutes: 2147483647\n", "outside 0..1440: a pattern window's median");
    expect_refused("previous_slots: 64\n", "outside 0..63: a BMP accumulation spans at most 64 slots");
    expect_refused("sensitivity: 3\nsensitivity: 4\n", ":2: sensitivity is set already at line 1");
    expect_refused("width[gold]: 3\nwidth[gold]: 4\n", ":2: width[gold] is set already at line 1");
    expect_refused("history_file: /var/lib/h.db ! the history\n",
                   ":1: history_file: '!' starts a comment only at the start of a line");
    sdd_error err = {0};
    sdd_config *cfg = load_text("width: 3\nwidth[gold]: 4\n! a comment\n", &err);
    assert_non_null(cfg);                       /* a default and a profile's value are two keys */
    sdd_config_free(cfg);
}

/* An embedded engine refuses what only sddd reads, instead of ignoring it. */
static void test_daemon_key_refused(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_config *cfg = load_text("time_step_seconds: 60\noutput: file:/tmp/x\n", &err);

    assert_null(cfg);
    assert_int_equal(err.code, SDD_E_CONFIG);
    assert_non_null(strstr(err.msg, ":2: unknown key 'output'"));
}

/* A state_file in a directory that is not there is found at start, not at
 * the first checkpoint. */
static void test_state_dir_checked(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_config *cfg = sdd_config_new();

    assert_int_equal(sdd_config_set(cfg, "state_file", NULL, "/nonexistent/dir/state.json", &err), 0);
    assert_null(sdd_engine_new(cfg, &err));
    assert_int_equal(err.code, SDD_E_IO);
    assert_non_null(strstr(err.msg, "its directory /nonexistent/dir: No such file"));
    sdd_config_free(cfg);
}

static void test_missing_file(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_config *cfg = sdd_config_new();

    assert_int_equal(sdd_config_load(cfg, "/nonexistent/sdd.conf", &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/sdd.conf: No such file"));
    assert_int_equal(err.code, SDD_E_IO);
    sdd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_example_is_defaults),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_ranges_at_the_edges),
        cmocka_unit_test(test_refused_with_line),
        cmocka_unit_test(test_inconsistent_values),
        cmocka_unit_test(test_every_key_documented),
        cmocka_unit_test(test_limits_and_mistakes),
        cmocka_unit_test(test_daemon_key_refused),
        cmocka_unit_test(test_state_dir_checked),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
