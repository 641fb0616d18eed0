/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_clock.c: the engine's time (src/engine/clock.c) and what the engine
 * does with records whose clocks are wrong: a record far ahead from an
 * unknown or a known router, one router an hour ahead among several, a
 * record of year 9999, time going back and forth, an idle source, a front
 * end's wall clock, the routes of an initial RIB dump. Nothing is dropped that should not be, no history is
 * lost, and the counters say what happened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/clock.h"
#include "sdd/sdd.h"

#define T0 1700000040           /* a slot boundary */
#define RD "0:64497:1"

static sdd_addr router(int i)
{
    char text[32];
    sdd_addr a;

    snprintf(text, sizeof(text), "192.0.2.%d", i);
    assert_int_equal(sdd_addr_parse(text, &a), 0);
    return a;
}

/* ---- the clock alone ---------------------------------------------------- */

static void test_oldest_live_source_leads(void **state)
{
    (void)state;
    sdd__clock c;
    sdd_addr a = router(1), b = router(2);

    assert_int_equal(sdd__clock_init(&c, 600, 300), 0);
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0), 0);
    assert_int_equal(c.now, T0);
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &b, T0 + 100), 0);
    assert_int_equal(c.now, T0);                /* b ahead: a is still waited for */
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0 + 50), 0);
    assert_int_equal(c.now, T0 + 50);
    /* the same router's BMP is another source */
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_BMP, &a, T0 + 60), 0);
    assert_int_equal(c.now, T0 + 50);
    assert_int_equal(c.n, 3);
    sdd__clock_free(&c);
}

static void test_far_ahead_refused(void **state)
{
    (void)state;
    sdd__clock c;
    sdd_addr a = router(1), b = router(2);

    assert_int_equal(sdd__clock_init(&c, 600, 300), 0);
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0), 0);
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &b, T0 + 601), 1);    /* unknown router */
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0 + 3600), 1);   /* known router */
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, 253402300799), 1); /* 9999-12-31 */
    assert_int_equal(c.now, T0);
    assert_int_equal(c.n, 1);                   /* a refused record makes no source */
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &b, T0 + 600), 0);    /* at the bound: taken */
    sdd__clock_free(&c);
}

static void test_idle_source_stops_holding_back(void **state)
{
    (void)state;
    sdd__clock c;
    sdd_addr a = router(1), b = router(2);

    assert_int_equal(sdd__clock_init(&c, 600, 300), 0);
    sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0);
    sdd__clock_see(&c, SDD_INPUT_BMP, &b, T0);
    sdd__clock_see(&c, SDD_INPUT_BMP, &b, T0 + 300);
    assert_int_equal(c.now, T0);                /* exactly idle_seconds behind: still live */
    sdd__clock_see(&c, SDD_INPUT_BMP, &b, T0 + 301);
    assert_int_equal(c.now, T0 + 301);          /* a fell idle: b alone */
    sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0 + 200);
    assert_int_equal(c.now, T0 + 301);          /* a back, behind: time does not go back */
    sdd__clock_free(&c);
}

static void test_wall_clock_told(void **state)
{
    (void)state;
    sdd__clock c;
    sdd_addr a = router(1);

    assert_int_equal(sdd__clock_init(&c, 600, 300), 0);
    sdd__clock_tell(&c, T0);
    assert_int_equal(c.now, INT64_MIN);         /* no record yet: no time, only a bound */
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0 + 3600), 1);
    assert_int_equal(sdd__clock_see(&c, SDD_INPUT_FLOW, &a, T0 - 86400), 0);  /* a backlog: taken */
    assert_int_equal(c.now, T0 - 86400);
    sdd__clock_tell(&c, T0 + 200);              /* every input idle: time follows */
    assert_int_equal(c.now, T0 + 200);
    sdd__clock_tell(&c, T0 + 100);
    assert_int_equal(c.now, T0 + 200);          /* never back */
    sdd__clock_free(&c);
}

/* ---- the engine --------------------------------------------------------- */

typedef struct counter_lookup {
    const char *name;
    uint64_t value;
} counter_lookup;

static void find_counter(void *ctx, const char *name, uint64_t value)
{
    counter_lookup *l = ctx;

    if (strcmp(l->name, name) == 0)
        l->value = value;
}

static uint64_t counter(const sdd_engine *e, const char *name)
{
    counter_lookup l = {name, UINT64_MAX};

    sdd_engine_counters(e, find_counter, &l);
    assert_true(l.value != UINT64_MAX);
    return l.value;
}

static sdd_engine *engine(void)
{
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    sdd_engine *e;

    assert_int_equal(sdd_config_set(cfg, "learn_unknown_rd", NULL, "true", &err), 0);
    e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    assert_non_null(e);
    return e;
}

static void add(sdd_engine *e, int r, int64_t t)
{
    sdd_flow f;

    memset(&f, 0, sizeof(f));
    f.time = t;
    f.router = router(r);
    assert_int_equal(sdd_rd_parse(RD, &f.rd), 0);
    f.ip_proto = 6;
    f.bytes = 1000;
    f.packets = 1;
    sdd_engine_add_flow(e, &f);
}

/* One router an hour ahead among several: its records are refused and
 * counted, the others' all taken, none late. */
static void test_one_router_an_hour_ahead(void **state)
{
    (void)state;
    sdd_engine *e = engine();

    for (int s = 0; s < 30; s++)
        for (int r = 1; r <= 4; r++)
            add(e, r, T0 + s * 60 + r + (r == 4 ? 3600 : 0));
    assert_int_equal(counter(e, "future_dropped"), 30);
    assert_int_equal(counter(e, "late_dropped"), 0);
    assert_int_equal(counter(e, "late_added"), 0);
    assert_int_equal(counter(e, "records_flow"), 120);
    sdd_engine_free(e);
}

/* A record of year 9999 after real ones moves nothing, and no slot is
 * closed for it. */
static void test_year_9999(void **state)
{
    (void)state;
    sdd_engine *e = engine();

    add(e, 1, T0);
    add(e, 2, 253402300799);
    add(e, 1, T0 + 60);
    add(e, 2, T0 + 61);
    assert_int_equal(counter(e, "future_dropped"), 1);
    assert_true(counter(e, "slots_closed") + counter(e, "slots_skipped_empty") <= 2);  /* not billions */
    assert_int_equal(counter(e, "late_dropped"), 0);
    sdd_engine_free(e);
}

/* Before any record, a front end telling the wall clock bounds the first
 * record too. */
static void test_first_record_bounded_by_wall_clock(void **state)
{
    (void)state;
    sdd_engine *e = engine();

    assert_int_equal(sdd_engine_advance(e, T0), 0);
    add(e, 1, T0 + 86400 * 365);
    add(e, 1, T0 - 10);
    assert_int_equal(counter(e, "future_dropped"), 1);
    assert_int_equal(counter(e, "records_flow"), 2);
    sdd_engine_free(e);
}

/* Time back and forth within the bounds: late records go to history while
 * allowed_lateness allows, nothing is refused. A long jump ahead (the front
 * end back after a day) closes the slots that hold data and skips the empty
 * ones in one step. */
static void test_back_and_forth_and_jump(void **state)
{
    (void)state;
    sdd_engine *e = engine();

    for (int s = 0; s < 10; s++) {
        add(e, 1, T0 + s * 60);
        add(e, 1, T0 + s * 60 - 170);           /* back by nearly 3 slots */
    }
    assert_int_equal(counter(e, "future_dropped"), 0);
    assert_int_equal(counter(e, "late_dropped"), 0);
    uint64_t closed = counter(e, "slots_closed");
    assert_int_equal(sdd_engine_advance(e, T0 + 86400), 1);
    assert_true(counter(e, "slots_closed") - closed <= 30);       /* the rows that held data */
    assert_true(counter(e, "slots_skipped_empty") > 1000);        /* the rest in one step */
    sdd_engine_free(e);
}

/* Routes of an initial RIB dump carry the times their router got them, long
 * before they reach the collector: learned from, but neither churn, nor
 * late, nor time. */
static void test_rib_dump(void **state)
{
    (void)state;
    sdd_engine *e = engine();
    sdd_bmp_event ev;

    add(e, 1, T0);
    memset(&ev, 0, sizeof(ev));
    ev.type = SDD_BMP_UPDATE;
    ev.router = router(1);
    ev.time = T0 - 86400;
    ev.arrival = T0 + 1;
    ev.reason = -1;
    sdd_engine_add_bmp(e, &ev);
    ev.time = T0 + 1;                           /* a live update of the same router */
    sdd_engine_add_bmp(e, &ev);
    assert_int_equal(counter(e, "bmp_rib_dump"), 1);
    assert_int_equal(counter(e, "late_dropped") + counter(e, "late_added"), 0);
    assert_int_equal(counter(e, "records_bmp"), 2);
    sdd_engine_free(e);
}

/* A line over the longest line read is skipped and counted, by replay too. */
static void test_replay_counts_long_lines(void **state)
{
    (void)state;
    sdd_engine *e = engine();
    char path[] = "/tmp/sdd-test-long-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    sdd_error err = {0};

    assert_non_null(f);
    fputc('{', f);
    for (int i = 0; i < (2 << 20); i++)
        fputc(' ', f);
    fputs("}\n{\"peer_ip_src\": \"192.0.2.1\", \"mpls_vpn_rd\": \"0:64497:1\", \"ip_proto\": \"tcp\", "
          "\"packets\": 1, \"bytes\": 100, \"stamp_inserted\": \"1700000040\"}\n", f);
    fclose(f);
    assert_int_equal(sdd_engine_replay(e, path, NULL, NULL, &err), 0);
    unlink(path);
    assert_int_equal(counter(e, "lines_too_long"), 1);
    assert_int_equal(counter(e, "records_flow"), 1);
    sdd_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oldest_live_source_leads),
        cmocka_unit_test(test_far_ahead_refused),
        cmocka_unit_test(test_idle_source_stops_holding_back),
        cmocka_unit_test(test_wall_clock_told),
        cmocka_unit_test(test_one_router_an_hour_ahead),
        cmocka_unit_test(test_year_9999),
        cmocka_unit_test(test_first_record_bounded_by_wall_clock),
        cmocka_unit_test(test_back_and_forth_and_jump),
        cmocka_unit_test(test_rib_dump),
        cmocka_unit_test(test_replay_counts_long_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
