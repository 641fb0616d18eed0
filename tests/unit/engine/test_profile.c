/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_profile.c: automatic profiles: the class of a day of traffic (a
 * stable, a wandering and a bursting curve, too little data), the class
 * read from history, the templates (built-in values, an operator's
 * key[class] over them, unscoped keys under them), and through the engine:
 * the template in the notifications, the inventory's profile winning, and
 * a restart from a checkpoint giving what an uninterrupted run gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/metrics.h"
#include "engine/profile.h"
#include "engine_of.h"

#define DAY 1440

/* A day's curve: level 1e6 times a seasonal swing, each minute moved by a
 * factor exp(+-change) in turn, and bursts of 3x for 4 minutes every
 * `burst_every` minutes (0: none). */
static void curve(double *x, double change, int burst_every)
{
    for (int t = 0; t < DAY; t++) {
        x[t] = 1e6 * (1.5 + sin(2 * M_PI * t / DAY)) * exp(t % 2 ? change : -change);
        if (burst_every && t % burst_every < 4)
            x[t] *= 3;
    }
}

static void test_class_of(void **state)
{
    double x[DAY];

    (void)state;
    curve(x, 0.01, 0);
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_STABLE);
    curve(x, 0.035, 0);                     /* every change 0.07: just under the limit */
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_STABLE);
    curve(x, 0.04, 0);                      /* 0.08 */
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_UNSTABLE);
    curve(x, 0.01, 60);                     /* 2 jumps an hour: 3 %, under 4 % */
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_STABLE);
    curve(x, 0.01, 40);                     /* 2 in 40 minutes: 5 % */
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_BURSTY);
    for (int t = 0; t < DAY; t += 2)        /* every other minute without data: no pair left */
        x[t] = NAN;
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_NONE);
    curve(x, 0.01, 0);
    for (int t = 0; t < DAY / 2 + 2; t++)   /* half a day of nothing: too little */
        x[t] = 0;
    assert_int_equal(sdd__profile_class_of(x, DAY), SDD_AUTO_NONE);
}

/* From history: TCP plus UDP over the day up to the slot. */
static void test_classify_history(void **state)
{
    sdd_history_shape shape = {60, DAY + 10, 4, SDD_M_LONG_COUNT, 1, 0, 0, 0};
    sdd_history *h = sdd__history_open(NULL, &shape, NULL);
    int32_t e = sdd__history_entity(h, "a", NULL);
    double x[DAY];

    (void)state;
    curve(x, 0.01, 40);
    for (int t = 0; t < DAY; t++) {
        sdd__history_set(h, e, 0, SDD_M_TCP_BYTES, 5000 + t, x[t] / 2);
        sdd__history_set(h, e, 0, SDD_M_UDP_BYTES, 5000 + t, x[t] / 2);
    }
    assert_int_equal(sdd__profile_classify(h, e, 5000 + DAY - 1, 60), SDD_AUTO_BURSTY);
    assert_int_equal(sdd__profile_classify(h, e, 5000 + DAY / 3, 60), SDD_AUTO_NONE);   /* a third of a day */
    sdd__history_close(h);
}

static void test_templates(void **state)
{
    sdd_config *cfg = sdd_config_new();
    sdd_profile t[SDD_AUTO_COUNT];
    sdd_error err = {0};

    (void)state;
    assert_int_equal(sdd_config_set(cfg, "tcp_spike_weight", "bursty", "0.05", &err), 0);
    assert_int_equal(sdd_config_set(cfg, "udp_pattern_weight", NULL, "0.4", &err), 0);
    sdd__profile_templates(cfg, t);
    assert_string_equal(t[SDD_AUTO_NONE].name, "default");
    assert_string_equal(t[SDD_AUTO_STABLE].name, "stable");
    assert_string_equal(t[SDD_AUTO_UNSTABLE].name, "unstable");
    assert_string_equal(t[SDD_AUTO_BURSTY].name, "bursty");
    assert_true(t[SDD_AUTO_STABLE].v[SDD_P_TCP_SUM_PERCENT_THRESHOLD] == 0.5);
    assert_true(t[SDD_AUTO_UNSTABLE].v[SDD_P_TCP_SUM_PERCENT_THRESHOLD] == 0.6);
    assert_true(t[SDD_AUTO_UNSTABLE].v[SDD_P_TCP_SPIKE_WEIGHT] == 0.1);
    assert_true(t[SDD_AUTO_BURSTY].v[SDD_P_UDP_SUM_PERCENT_THRESHOLD] == 0.8);
    assert_true(t[SDD_AUTO_BURSTY].v[SDD_P_TCP_SPIKE_WEIGHT] == 0.05);      /* the operator's key[bursty] */
    assert_true(t[SDD_AUTO_BURSTY].v[SDD_P_UDP_PATTERN_WEIGHT] == 0.1);     /* the template's over unscoped */
    assert_true(t[SDD_AUTO_STABLE].v[SDD_P_UDP_PATTERN_WEIGHT] == 0.4);     /* unscoped, no template value */
    sdd_config_free(cfg);
}

/* ---- through the engine ---------------------------------------------------- */

#define T0 1700006400                   /* 2023-11-15 00:00 UTC: a day starts */
#define RD "0:64497:1"

typedef struct sink {
    char *json[256];
    int n;
} sink;

static void collect(void *ctx, const sdd_notification *n)
{
    sink *s = ctx;
    assert_true(s->n < 256);
    s->json[s->n++] = strdup(n->json);
}

static void add_bytes(sdd_engine *e, int64_t t, int proto, double bytes)
{
    sdd_flow f;

    memset(&f, 0, sizeof(f));
    f.time = t;
    assert_int_equal(sdd_addr_parse("192.0.2.1", &f.router), 0);
    assert_int_equal(sdd_rd_parse(RD, &f.rd), 0);
    f.ip_proto = (uint8_t)proto;
    f.bytes = (uint64_t)bytes;
    f.packets = f.flows = 10;
    sdd_engine_add_flow(e, &f);
}

/* A service's minutes from..to-1 of T0's day, when it bursts, and the
 * next, when it no longer does; its traffic gone at minute 600 of each day
 * for 10 minutes. */
static void feed(sdd_engine *e, int from, int to)
{
    double x[2][DAY];

    curve(x[0], 0.01, 40);
    curve(x[1], 0.01, 0);
    for (int m = from; m < to; m++) {
        double bytes = m % DAY >= 600 && m % DAY < 610 ? 0 : x[m / DAY][m % DAY];
        add_bytes(e, T0 + m * 60, 6, bytes);
        add_bytes(e, T0 + m * 60, 17, bytes / 2);
    }
}

/* The run: cut at minute `cut` (synced, freed, a new engine on the same
 * files), or none when cut is 0. */
static void run(const char *profile, int cut, sink *out)
{
    char hist[] = "/tmp/sdd-test-profile-XXXXXX", state[64], inv[512], undo[64];
    const char *const settings[] = {"data_delay", "0", "time_delta_hours", "1", "history_file", hist,
                                    "state_file", state, NULL};
    int fd = mkstemp(hist);
    sdd_error err = {0};
    sdd_engine *e;

    assert_true(fd >= 0);
    close(fd);
    unlink(hist);                       /* a new history file, made by the engine */
    snprintf(state, sizeof(state), "%s.state", hist);
    snprintf(undo, sizeof(undo), "%s.undo", hist);
    snprintf(inv, sizeof(inv),
             "{\"services\":[{\"vpn_id\":\"64497:1\",\"name\":\"c1\",\"profile\":\"%s\",\"terminations\":"
             "[{\"router\":\"192.0.2.1\",\"hostname\":\"pe1\",\"vrf_name\":\"C1\",\"vrf_id\":7,\"rd\":\"" RD "\","
             "\"interfaces\":[],\"ce_peers\":[]}]}]}",
             profile);
    e = sdd_test_engine_of(settings, inv, collect, out);
    feed(e, 0, cut ? cut : 2 * DAY);
    if (cut) {
        assert_int_equal(sdd_engine_sync(e, &err), 0);
        sdd_engine_free(e);
        e = sdd_test_engine_of(settings, inv, collect, out);
        feed(e, cut, 2 * DAY);
    }
    sdd_engine_finish(e);
    sdd_engine_free(e);
    unlink(hist);
    unlink(state);
    unlink(undo);
}

/* The profile names of the templates of every symptom of notification i. */
static int all_templates_end(const sink *out, int i, const char *suffix)
{
    json_t *n = json_loads(out->json[i], 0, NULL), *a;
    size_t k;
    int all = 1;

    assert_non_null(n);
    json_array_foreach(json_object_get(n, "anomaly"), k, a) {
        const char *t = json_string_value(json_object_get(json_object_get(a, "symptom"), "template"));
        all &= t && strlen(t) > strlen(suffix) && strcmp(t + strlen(t) - strlen(suffix), suffix) == 0;
    }
    json_decref(n);
    return all;
}

static int64_t start_minute(const sink *out, int i)
{
    json_t *n = json_loads(out->json[i], 0, NULL);
    int64_t start = json_integer_value(json_object_get(n, "startTime")) / 1000;

    json_decref(n);
    return (start - T0) / 60;
}

/* The first day's fall is judged with the default profile, the second's
 * with the bursty template the first day's traffic chose. */
static void test_engine_chooses_bursty(void **state)
{
    sink out = {{0}, 0};
    int first_day = 0, second_day = 0;

    (void)state;
    run("default", 0, &out);
    for (int i = 0; i < out.n; i++) {
        if (start_minute(&out, i) >= 600 && start_minute(&out, i) < 610)
            first_day += 1, assert_true(all_templates_end(&out, i, "_default"));
        if (start_minute(&out, i) >= DAY + 600 && start_minute(&out, i) < DAY + 610)
            second_day += 1, assert_true(all_templates_end(&out, i, "_bursty"));
        free(out.json[i]);
    }
    assert_true(first_day >= 1 && second_day >= 1);
}

/* The inventory's profile wins over the class. */
static void test_engine_inventory_wins(void **state)
{
    sink out = {{0}, 0};

    (void)state;
    run("stable", 0, &out);
    assert_true(out.n >= 2);
    for (int i = 0; i < out.n; i++) {
        assert_true(all_templates_end(&out, i, "_stable"));
        free(out.json[i]);
    }
}

/* Cut in the second day (the class chosen, then checkpointed: classed again
 * after the restart, the day before it would be stable) or the first
 * (chosen after the restart): the notifications of an uninterrupted run. */
static void test_engine_restart_same_choice(void **state)
{
    sink whole = {{0}, 0};

    (void)state;
    run("default", 0, &whole);
    for (int cut = DAY / 2; cut <= DAY + 300; cut += DAY / 2 + 300) {
        sink part = {{0}, 0};
        run("default", cut, &part);
        assert_int_equal(part.n, whole.n);
        for (int i = 0; i < part.n; i++) {
            assert_string_equal(part.json[i], whole.json[i]);
            free(part.json[i]);
        }
    }
    for (int i = 0; i < whole.n; i++)
        free(whole.json[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_of),
        cmocka_unit_test(test_classify_history),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_engine_chooses_bursty),
        cmocka_unit_test(test_engine_inventory_wins),
        cmocka_unit_test(test_engine_restart_same_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
