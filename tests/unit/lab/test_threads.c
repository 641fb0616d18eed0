/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_threads.c: a detection cycle spread over threads (detect_threads)
 * gives what one thread gives: the same notifications, byte for byte, in
 * the same order, and the same counters, on a generated scenario of every
 * kind (sddctl gen's generator, in process). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/scenario.h"
#include "sdd/sdd.h"

/* Everything the engine said, in order: each notification's id, revision,
 * slot and record, then the counters. */
typedef struct said {
    char *text;
    size_t len, cap;
    int notifications;
} said;

static void append(said *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(s->text ? s->text + s->len : NULL, s->text ? s->cap - s->len : 0, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if (s->text && s->len + (size_t)n < s->cap)
            break;
        s->cap = (s->cap + (size_t)n + 1) * 2;
        s->text = realloc(s->text, s->cap);
        assert_non_null(s->text);
    }
    s->len += (size_t)n;
}

static void on_notification(void *ctx, const sdd_notification *n)
{
    said *s = ctx;

    append(s, "%s %s %d %lld %s\n", n->id, n->vpn_id, n->revision, (long long)n->slot_end, n->json);
    s->notifications++;
}

static void on_counter(void *ctx, const char *name, uint64_t value)
{
    append(ctx, "%s %llu\n", name, (unsigned long long)value);
}

static void replay(const char *dir, const char *threads, said *out)
{
    char inventory[256], flows[256], bmp[256], telemetry[256];
    sdd_config *cfg = sdd_config_new();
    sdd_error err;

    snprintf(inventory, sizeof(inventory), "%s/inventory.json", dir);
    snprintf(flows, sizeof(flows), "%s/flows.json", dir);
    snprintf(bmp, sizeof(bmp), "%s/bmp.json", dir);
    snprintf(telemetry, sizeof(telemetry), "%s/telemetry.json", dir);
    assert_int_equal(sdd_config_set(cfg, "detect_threads", NULL, threads, &err), 0);
    assert_int_equal(sdd_config_set(cfg, "inventory_file", NULL, inventory, &err), 0);
    sdd_engine *e = sdd_engine_new(cfg, &err);
    assert_non_null(e);
    sdd_engine_on_notification(e, on_notification, out);
    assert_int_equal(sdd_engine_replay(e, flows, bmp, telemetry, &err), 0);
    sdd_engine_counters(e, on_counter, out);
    sdd_engine_free(e);
    sdd_config_free(cfg);
}

/* What the generator writes, then the directory. */
static void remove_scenario(const char *dir)
{
    static const char *const files[] = {"flows.json", "bmp.json", "telemetry.json", "inventory.json", "truth.json"};
    char path[256];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* 24 services over 9 days (a week of history, then two days of events of
 * every kind): 4 threads, more than this machine may have, share the
 * services of a cycle a chunk of one service at a time. */
static void test_threads_say_what_one_says(void **state)
{
    (void)state;
    char dir[] = "/tmp/sdd-threads-XXXXXX";
    sdd_gen_config gen = {.seed = 1, .services = 24, .days = 9, .start = SDD_GEN_DEFAULT_START,
                          .kinds = SDD_GEN_ALL_KINDS, .out_dir = dir};
    sdd_gen_stats stats;
    sdd_error err;
    said one = {0}, four = {0};

    assert_non_null(mkdtemp(dir));
    assert_int_equal(sdd_gen_run(&gen, &stats, &err), 0);
    replay(dir, "1", &one);
    replay(dir, "4", &four);
    remove_scenario(dir);
    print_message("%d notifications\n", one.notifications);
    assert_true(one.notifications >= 10);
    assert_int_equal(four.notifications, one.notifications);
    assert_int_equal(four.len, one.len);
    assert_memory_equal(four.text, one.text, one.len);
    free(one.text);
    free(four.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_say_what_one_says),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
