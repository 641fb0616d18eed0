/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_reload.c: sdd_engine_reload, a new configuration and inventory taken
 * by a running engine. One customer's peer goes down at minute 3 and comes
 * back at minute 6 (one relevant state, opened and closed); a second
 * customer's flows come every minute but only a second inventory names
 * it. A reload in the middle keeps what the engine knows (the same file
 * gives what one engine without a reload gives), takes what may change,
 * and a refused one changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdd/sdd.h"
#include "counter.h"

#define T0 1700000040                   /* a slot boundary */
#define MINUTES 12

static const char one_service[] =
    "{\"services\":[{\"vpn_id\":\"64497:1\",\"terminations\":[{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:1\","
    "\"ce_peers\":[\"198.51.100.1\"]}]}]}";
static const char two_services[] =
    "{\"services\":[{\"vpn_id\":\"64497:1\",\"terminations\":[{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:1\","
    "\"ce_peers\":[\"198.51.100.1\"]}]},{\"vpn_id\":\"64497:2\",\"name\":\"customer-2\","
    "\"terminations\":[{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:2\"}]}]}";
/* a good service, then one without vpn_id: the whole file is refused */
static const char bad_inventory[] =
    "{\"services\":[{\"vpn_id\":\"64497:2\",\"terminations\":[{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:2\"}]},"
    "{\"name\":\"no id\"}]}";

typedef struct run {
    char dir[64], conf[96], inv[96];
    char *out[16];
    int n;
} run;

static void collect(void *ctx, const sdd_notification *n)
{
    run *r = ctx;
    assert_true(r->n < 16);
    r->out[r->n++] = strdup(n->json);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The configuration file: the test's fixed lines, then `extra`. */
static void write_config(run *r, const char *inventory, const char *extra)
{
    char text[1024];

    put(r->inv, inventory);
    snprintf(text, sizeof(text), "data_delay: 0\nclose_after_slots: 2\ninventory_file: %s\nhistory_file: %s/h.db\n%s",
             r->inv, r->dir, extra);
    put(r->conf, text);
}

static sdd_config *read_config(const run *r, sdd_error *err)
{
    sdd_config *cfg = sdd_config_new();

    assert_non_null(cfg);
    if (sdd_config_load(cfg, r->conf, err) < 0)
        fail_msg("%s", err->msg);
    return cfg;
}

static sdd_engine *start(run *r, const char *inventory, const char *extra)
{
    sdd_error err = {0};

    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "/tmp/sdd-test-reload-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->conf, sizeof(r->conf), "%s/sdd.conf", r->dir);
    snprintf(r->inv, sizeof(r->inv), "%s/inventory.json", r->dir);
    write_config(r, inventory, extra);
    sdd_config *cfg = read_config(r, &err);
    sdd_engine *e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    if (!e)
        fail_msg("%s", err.msg);
    sdd_engine_on_notification(e, collect, r);
    return e;
}

/* Rewrites the files and reloads: the call's result, err filled. */
static int reload(sdd_engine *e, run *r, const char *inventory, const char *extra, sdd_error *err)
{
    write_config(r, inventory, extra);
    sdd_config *cfg = read_config(r, err);
    int rc = sdd_engine_reload(e, cfg, err);
    sdd_config_free(cfg);
    return rc;
}

static void add(sdd_engine *e, sdd_input_kind kind, const char *fmt, int64_t t, const char *extra)
{
    char line[512];
    time_t secs = (time_t)t;
    struct tm tm;
    char stamp[32];

    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(line, sizeof(line), fmt, stamp, extra);
    assert_int_equal(sdd_engine_add_json(e, kind, line, strlen(line)), 0);
}

/* Minutes [from, to) of both customers' traffic and of the peer's events. */
static void feed(sdd_engine *e, int from, int to)
{
    static const char flow[] = "{\"event_type\":\"purge\",\"peer_ip_src\":\"192.0.2.1\",\"timestamp_start\":\"%s\","
                               "\"packets\":100,\"bytes\":100000,\"flows\":10,%s}";
    static const char peer[] = "{\"event_type\":\"log\",\"bmp_router\":\"192.0.2.1\",\"peer_ip\":\"198.51.100.1\","
                               "\"peer_type\":1,\"rd\":\"0:64497:1\",\"timestamp\":\"%s\",%s}";

    for (int m = from; m < to; m++) {
        int64_t t = T0 + m * 60;
        add(e, SDD_INPUT_FLOW, flow, t, "\"mpls_vpn_rd\":\"0:64497:1\",\"ip_proto\":\"tcp\"");
        add(e, SDD_INPUT_FLOW, flow, t, "\"mpls_vpn_rd\":\"0:64497:2\",\"ip_proto\":\"tcp\"");
        if (m == 3)
            add(e, SDD_INPUT_BMP, peer, t + 5, "\"bmp_msg_type\":\"peer_down\",\"reason_type\":3");
        if (m == 6)
            add(e, SDD_INPUT_BMP, peer, t + 5, "\"bmp_msg_type\":\"peer_up\"");
    }
}

static void finish(sdd_engine *e, run *r)
{
    char path[128];

    sdd_engine_finish(e);
    sdd_engine_free(e);
    snprintf(path, sizeof(path), "%s/h.db", r->dir);
    unlink(path);
    unlink(r->conf);
    unlink(r->inv);
    rmdir(r->dir);
}

static void run_free(run *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->out[i]);
    r->n = 0;
}

/* The run without a reload: what a reload that changes nothing must say. */
static void run_whole(run *whole)
{
    sdd_engine *e = start(whole, one_service, "");

    feed(e, 0, MINUTES);
    finish(e, whole);
    assert_int_equal(whole->n, 2);      /* the peer down's relevant state, opened and closed */
}

static void assert_same(const run *a, const run *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++)
        assert_string_equal(a->out[i], b->out[i]);
}

/* Reloaded while the peer is down with the same files: history, the open
 * slots and the open relevant state are kept, so the notifications are
 * those of one engine. */
static void test_reload_keeps_state(void **state)
{
    (void)state;
    run whole, cut;
    sdd_error err = {0};

    run_whole(&whole);
    sdd_engine *e = start(&cut, one_service, "");
    feed(e, 0, 5);
    assert_int_equal(cut.n, 1);         /* open */
    if (reload(e, &cut, one_service, "", &err) < 0)
        fail_msg("%s", err.msg);
    feed(e, 5, MINUTES);
    finish(e, &cut);
    assert_same(&whole, &cut);
    run_free(&whole);
    run_free(&cut);
}

/* A detection parameter takes effect from the reload: with a concern
 * threshold no score reaches, the peer down opens nothing. */
static void test_reload_takes_parameters(void **state)
{
    (void)state;
    run r;
    sdd_error err = {0};
    sdd_engine *e = start(&r, one_service, "");

    feed(e, 0, 2);
    if (reload(e, &r, one_service, "concern_threshold: 100\n", &err) < 0)
        fail_msg("%s", err.msg);
    feed(e, 2, MINUTES);
    finish(e, &r);
    assert_int_equal(r.n, 0);
}

/* A service the new inventory adds is mapped from then on; before, its
 * flows were unmapped (unknown RD). */
static void test_reload_adds_services(void **state)
{
    (void)state;
    run r;
    sdd_error err = {0};
    sdd_engine *e = start(&r, one_service, "");

    feed(e, 0, 4);
    assert_int_equal(counter(e, "unmapped_unknown_rd"), 4);
    assert_int_equal(counter(e, "services"), 1);
    if (reload(e, &r, two_services, "", &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(counter(e, "services"), 2);
    feed(e, 4, MINUTES);
    assert_int_equal(counter(e, "unmapped_unknown_rd"), 4);
    finish(e, &r);
    assert_int_equal(r.n, 2);           /* the first customer's relevant state is kept */
    run_free(&r);
}

/* What the engine is built around is refused with the key and why, a bad
 * inventory with its place: the whole reload is refused (the threshold
 * beside it is not taken), and the run says what one engine says. */
static void test_reload_refused_changes_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *inventory, *extra, *said;
    } bad[] = {
        {one_service, "concern_threshold: 100\nstate_file: /tmp/elsewhere.json\n", "state_file cannot change"},
        {one_service, "concern_threshold: 100\nallowed_lateness: 60\n", "allowed_lateness cannot change"},
        {one_service, "concern_threshold: 100\ntime_delta_hours: 400\n", "slots of history"},
        {bad_inventory, "concern_threshold: 100\n", "services[1]"},
        {two_services, "concern_threshold: 100\nmax_services: 1\n", "more services than max_services"},
    };
    run whole, cut;

    run_whole(&whole);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sdd_error err = {0};
        sdd_engine *e = start(&cut, one_service, "");
        feed(e, 0, 5);
        assert_int_equal(reload(e, &cut, bad[i].inventory, bad[i].extra, &err), -1);
        if (!strstr(err.msg, bad[i].said))
            fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, bad[i].said);
        feed(e, 5, MINUTES);
        assert_int_equal(counter(e, "services"), 1);
        finish(e, &cut);
        assert_same(&whole, &cut);
        run_free(&cut);
    }
    run_free(&whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reload_keeps_state),
        cmocka_unit_test(test_reload_takes_parameters),
        cmocka_unit_test(test_reload_adds_services),
        cmocka_unit_test(test_reload_refused_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
