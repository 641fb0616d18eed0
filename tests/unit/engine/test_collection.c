/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_collection.c: collection health (src/engine/collection.c) is not
 * customer health. The module alone: a silent exporter's gaps, its silence
 * and return, late records, BMP not taken for silent, a slot in which no
 * exporter sent, a restart. Through
 * the engine: a service on two routers whose first exporter is silent for
 * ten minutes gets no relevant state (the same fall of traffic, real, gets
 * one), the counters and the log hook say silent and back; a disruption on
 * its second router still alarms; records ten minutes late alarm nobody;
 * what pmacct writes when a BMP session ends alarms nobody either; a
 * restart in a silence keeps it one. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/collection.h"
#include "sdd/sdd.h"
#include "counter.h"
#include "engine_of.h"

#define T0 1700000040           /* a slot boundary: 28333334 * 60 */
#define S0 28333334
#define VPN "64497:1"
#define R1 "192.0.2.1"
#define R2 "192.0.2.2"
#define RD1 "0:64497:1"
#define RD2 "0:64497:2"
#define CE2 "198.51.100.2"

static sdd_addr addr(const char *text)
{
    sdd_addr a;

    assert_int_equal(sdd_addr_parse(text, &a), 0);
    return a;
}

/* ---- the module alone --------------------------------------------------- */

typedef struct told {
    int silent[4], n;
    int64_t since[4], until[4];
} told;

static void tell(void *ctx, sdd_input_kind kind, const sdd_addr *router, int silent, int64_t since, int64_t until)
{
    told *t = ctx;

    (void)router;
    assert_int_equal(kind, SDD_INPUT_FLOW);
    assert_true(t->n < 4);
    t->silent[t->n] = silent;
    t->since[t->n] = since;
    t->until[t->n++] = until;
}

/* A clock (max_clock_skew 600 s, a source idle after 300 s) and collection
 * health, as the engine holds them; freed even when a test fails. */
typedef struct module {
    sdd__clock clock;
    sdd__collection c;
} module;

static int module_up(void **state)
{
    module *m = calloc(1, sizeof(*m));

    if (!m || sdd__clock_init(&m->clock, 600, 300) < 0) {
        free(m);
        return -1;
    }
    sdd__collection_init(&m->c);
    *state = m;
    return 0;
}

static int module_down(void **state)
{
    module *m = *state;

    sdd__collection_free(&m->c);
    sdd__clock_free(&m->clock);
    free(m);
    return 0;
}

/* A record of `kind` from router `r` in slot `slot`, through the clock as
 * the engine does it. */
static void see(module *m, sdd_input_kind kind, const char *r, int64_t slot, int closed)
{
    sdd_addr a = addr(r);

    assert_int_equal(sdd__clock_see(&m->clock, kind, &a, slot * 60), 0);
    assert_int_equal(sdd__collection_seen(&m->c, m->clock.last, kind, slot, closed), 0);
}

/* Slot `slot` closes: the clock's lead, one-minute slots, a wait of a
 * slot. */
static int close_at(module *m, int64_t slot)
{
    sdd__collection_close_at at = {m->clock.lead, 60, 60};

    return sdd__collection_close(&m->c, &m->clock, slot, &at);
}

static void test_silence_gaps_and_return(void **state)
{
    module *m = *state;
    sdd_addr r1 = addr(R1), r2 = addr(R2);
    told t = {{0}, 0, {0}, {0}};

    m->c.fn = tell;
    m->c.ctx = &t;
    /* R1 sends in slots 0..9, nothing in 10..19, again from 20; R2 always */
    for (int64_t s = S0; s < S0 + 30; s++) {
        if (s < S0 + 10 || s >= S0 + 20)
            see(m, SDD_INPUT_FLOW, R1, s, 0);
        see(m, SDD_INPUT_FLOW, R2, s, 0);
        assert_int_equal(close_at(m, s), s >= S0 + 10 && s < S0 + 20);
    }
    for (int64_t s = S0; s < S0 + 30; s++) {
        assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &r1, s), s >= S0 + 10 && s < S0 + 20);
        assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &r2, s), 0);
    }
    /* not closed, or unknown: no gap */
    assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &r1, S0 + 30), 0);
    assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_BMP, &r1, S0 + 15), 0);
    assert_int_equal(m->c.gap_slots[SDD_INPUT_FLOW], 10);
    assert_int_equal(m->c.silences[SDD_INPUT_FLOW], 1);
    assert_int_equal(m->c.silent_now[SDD_INPUT_FLOW], 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.silent[0], 1);
    assert_int_equal(t.since[0], (S0 + 10) * 60);
    assert_int_equal(t.silent[1], 0);
    assert_int_equal(t.since[1], (S0 + 10) * 60);
    assert_int_equal(t.until[1], (S0 + 20) * 60);
}

/* Records of a gap slot that come after it closed: late, counted; the slot
 * stays a gap (it was judged as one). A BMP session quiet for ten slots is
 * not silent: BMP sends when routes change. */
static void test_late_and_bmp(void **state)
{
    module *m = *state;
    sdd_addr r1 = addr(R1);

    see(m, SDD_INPUT_BMP, R1, S0, 0);
    for (int64_t s = S0; s < S0 + 12; s++) {
        if (s != S0 + 5)
            see(m, SDD_INPUT_FLOW, R1, s, 0);
        see(m, SDD_INPUT_FLOW, R2, s, 0);
        close_at(m, s);
    }
    assert_int_equal(m->c.silent_now[SDD_INPUT_FLOW], 0);
    assert_int_equal(m->c.silences[SDD_INPUT_FLOW], 1);
    assert_int_equal(m->c.gap_slots[SDD_INPUT_BMP], 0);
    see(m, SDD_INPUT_FLOW, R1, S0 + 5, 1);
    see(m, SDD_INPUT_FLOW, R1, S0 + 5, 1);
    assert_int_equal(m->c.late_slots[SDD_INPUT_FLOW], 1);
    assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &r1, S0 + 5), 1);
}

/* A late exporter whose first records of a slot got in before it closed
 * (merged from Kafka partitions, records come in another order than a
 * file's) sent only part of it: a gap as if they had all come after. One
 * on time, or behind by no more than the wait, is not. */
static void test_partial_slot_of_a_late_exporter(void **state)
{
    module *m = *state;
    sdd_addr r1 = addr(R1);

    for (int64_t s = S0; s < S0 + 5; s++) {
        see(m, SDD_INPUT_FLOW, R1, s, 0);
        see(m, SDD_INPUT_FLOW, R2, s, 0);
        close_at(m, s);
    }
    /* R1 three slots behind: its record of S0 + 5 is in when the slot
     * closes, with R2 at S0 + 8 */
    for (int64_t s = S0 + 5; s <= S0 + 8; s++)
        see(m, SDD_INPUT_FLOW, R2, s, 0);
    see(m, SDD_INPUT_FLOW, R1, S0 + 5, 0);
    assert_int_equal(close_at(m, S0 + 5), 1);
    assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &r1, S0 + 5), 1);
    /* the rest of its slot, after the close: a late slot, counted once */
    see(m, SDD_INPUT_FLOW, R1, S0 + 5, 1);
    see(m, SDD_INPUT_FLOW, R1, S0 + 5, 1);
    assert_int_equal(m->c.late_slots[SDD_INPUT_FLOW], 1);
    /* one slot behind the lead is on time */
    see(m, SDD_INPUT_FLOW, R1, S0 + 7, 0);
    assert_int_equal(close_at(m, S0 + 6), 1);      /* it sent nothing in S0 + 6 */
    assert_int_equal(close_at(m, S0 + 7), 0);
    assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &r1, S0 + 7), 0);
}

/* Slots in which no exporter sent (the collector quiet, or a front end's
 * wall clock moving time on past the last records) are nobody's gap. */
static void test_all_quiet_is_no_gap(void **state)
{
    module *m = *state;

    for (int64_t s = S0; s < S0 + 3; s++) {
        see(m, SDD_INPUT_FLOW, R1, s, 0);
        see(m, SDD_INPUT_FLOW, R2, s, 0);
        close_at(m, s);
    }
    assert_int_equal(close_at(m, S0 + 3), 0);
    assert_int_equal(close_at(m, S0 + 100), 0);
    assert_int_equal(m->c.gap_slots[SDD_INPUT_FLOW], 0);
    assert_int_equal(m->c.silences[SDD_INPUT_FLOW], 0);
}

/* After a restart the clock has its sources back (a checkpoint) and this
 * nothing: a source still silent is seen to be. */
static void test_restart_knows_the_sources(void **state)
{
    module *m = *state;
    sdd__clock_source k1 = {SDD_INPUT_FLOW, addr(R1)}, k2 = {SDD_INPUT_FLOW, addr(R2)};

    assert_int_equal(sdd__clock_import_source(&m->clock, &k1, S0 * 60), 0);
    assert_int_equal(sdd__clock_import_source(&m->clock, &k2, S0 * 60), 0);
    assert_int_equal(sdd__collection_restore(&m->c, &m->clock, 60), 0);
    see(m, SDD_INPUT_FLOW, R2, S0 + 1, 0);
    assert_int_equal(close_at(m, S0 + 1), 1);
    assert_int_equal(sdd__collection_gap(&m->c, &m->clock, SDD_INPUT_FLOW, &k1.router, S0 + 1), 1);
    assert_int_equal(m->c.silent_now[SDD_INPUT_FLOW], 1);
}

/* ---- through the engine ------------------------------------------------- */

/* One service on two routers, R1 carrying nine tenths of its traffic. */
static const char two_routers[] =
    "{\"services\":[{\"vpn_id\":\"" VPN "\",\"terminations\":["
    "{\"router\":\"" R1 "\",\"hostname\":\"pe1\",\"rd\":\"" RD1 "\"},"
    "{\"router\":\"" R2 "\",\"hostname\":\"pe2\",\"rd\":\"" RD2 "\",\"ce_peers\":[\"" CE2 "\"]}]}]}";

static const char *const settings[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes", "5",
                                       NULL};

typedef struct run {
    int notifications;
    told log;
} run;

static void count(void *ctx, const sdd_notification *n)
{
    (void)n;
    ((run *)ctx)->notifications++;
}

static void flows(sdd_engine *e, const char *router, const char *rd, int64_t t, uint64_t bytes)
{
    sdd_flow f;

    memset(&f, 0, sizeof(f));
    f.time = t;
    f.router = addr(router);
    assert_int_equal(sdd_rd_parse(rd, &f.rd), 0);
    f.ip_proto = 6;
    f.bytes = bytes;
    f.packets = bytes / 1000 + 1;
    f.flows = 10;
    sdd_engine_add_flow(e, &f);
    f.ip_proto = 17;
    sdd_engine_add_flow(e, &f);
}

static sdd_engine *engine(run *r)
{
    sdd_engine *e = sdd_test_engine_of(settings, two_routers, count, r);

    sdd__engine_on_collection(e, tell, &r->log);
    return e;
}

/* 70 minutes of history, then minute 70..79 in which R1 sends `r1_bytes`
 * (SILENT: nothing at all) and R2 `r2_bytes`, then 20 normal minutes. */
#define SILENT UINT64_MAX
static void feed(sdd_engine *e, uint64_t r1_bytes, uint64_t r2_bytes)
{
    for (int m = 0; m < 100; m++) {
        int odd = m >= 70 && m < 80;
        uint64_t b1 = odd ? r1_bytes : 900000, b2 = odd ? r2_bytes : 100000;
        if (b1 != SILENT)
            flows(e, R1, RD1, T0 + m * 60, b1);
        flows(e, R2, RD2, T0 + m * 60 + 30, b2);
    }
}

static void test_silent_exporter_no_alarm(void **state)
{
    (void)state;
    run silent = {0}, fall = {0};
    sdd_engine *e = engine(&silent);

    /* minute 69 is a gap too (R1 had not got past it when it closed, and an
     * exporter that stops may stop in the middle of a minute); its silence
     * is from minute 70, the first it sent nothing in */
    feed(e, SILENT, 100000);
    assert_int_equal(counter(e, "exporters_silent"), 0);
    assert_int_equal(counter(e, "collection_silences_flow"), 1);
    assert_int_equal(counter(e, "collection_gap_slots_flow"), 11);
    assert_int_equal(counter(e, "service_slots_not_judged_gap"), 11);
    sdd_engine_finish(e);
    sdd_engine_free(e);
    assert_int_equal(silent.notifications, 0);
    assert_int_equal(silent.log.n, 2);
    assert_int_equal(silent.log.silent[0], 1);
    assert_int_equal(silent.log.since[0], T0 + 70 * 60);
    assert_int_equal(silent.log.silent[1], 0);
    assert_int_equal(silent.log.until[1], T0 + 80 * 60);

    /* the same fall, with R1 sending: the customer's traffic did fall */
    e = engine(&fall);
    feed(e, 1000, 100000);
    sdd_engine_finish(e);
    sdd_engine_free(e);
    assert_true(fall.notifications >= 1);
    assert_int_equal(fall.log.n, 0);
}

/* While R1 is silent its traffic is not judged; R2's session going down
 * in that time is a disruption all the same, at once. */
static void test_disruption_on_the_other_router(void **state)
{
    (void)state;
    run r = {0};
    sdd_engine *e = engine(&r);
    sdd_bmp_event ev;

    for (int m = 0; m < 75; m++) {
        if (m < 70)
            flows(e, R1, RD1, T0 + m * 60, 900000);
        flows(e, R2, RD2, T0 + m * 60 + 30, 100000);
    }
    assert_int_equal(counter(e, "exporters_silent"), 1);
    assert_int_equal(r.notifications, 0);
    memset(&ev, 0, sizeof(ev));
    ev.time = T0 + 75 * 60 + 10;
    ev.type = SDD_BMP_PEER_DOWN;
    ev.peer_type = SDD_PEER_RD_INSTANCE;
    ev.reason = 1;
    ev.router = addr(R2);
    ev.peer = addr(CE2);
    assert_int_equal(sdd_rd_parse(RD2, &ev.rd), 0);
    sdd_engine_add_bmp(e, &ev);
    assert_true(r.notifications >= 1);
    sdd_engine_free(e);
}

/* R1's records of minutes 70..79 come ten minutes late (past
 * source_idle_seconds: the engine's time went on without them): no alarm,
 * the slots are late, not lost, and history has them. */
static void test_late_data_no_alarm(void **state)
{
    (void)state;
    run r = {0};
    sdd_engine *e = engine(&r);

    for (int m = 0; m < 100; m++) {
        if (m < 70 || m >= 80)
            flows(e, R1, RD1, T0 + m * 60, 900000);
        if (m >= 80 && m < 90)
            flows(e, R1, RD1, T0 + (m - 10) * 60, 900000);
        flows(e, R2, RD2, T0 + m * 60 + 30, 100000);
    }
    sdd_engine_finish(e);
    assert_int_equal(r.notifications, 0);
    assert_int_equal(counter(e, "collection_late_slots_flow"), 10);
    assert_true(counter(e, "late_added") > 0);
    assert_int_equal(counter(e, "late_dropped"), 0);
    sdd_engine_free(e);
}

/* Every file of a test's directory, and the directory. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *f;
    char path[300];

    while (d && (f = readdir(d)))
        if (f->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* A restart (from the checkpoint of minute 75) while R1 is silent: the
 * engine after it knows R1 from the clock the checkpoint kept, and its
 * silence goes on being no alarm. */
static void test_silence_across_a_restart(void **state)
{
    (void)state;
    char dir[] = "/tmp/sdd-test-collection-XXXXXX", state_path[96], hist_path[96];
    sdd_error err = {0};
    run r = {0};

    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state", dir);
    snprintf(hist_path, sizeof(hist_path), "%s/history.db", dir);
    const char *const stored[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes", "5",
                                  "state_file", state_path, "history_file", hist_path, NULL};
    sdd_engine *e = sdd_test_engine_of(stored, two_routers, count, &r);
    for (int m = 0; m < 75; m++) {
        if (m < 70)
            flows(e, R1, RD1, T0 + m * 60, 900000);
        flows(e, R2, RD2, T0 + m * 60 + 30, 100000);
    }
    assert_int_equal(counter(e, "exporters_silent"), 1);
    if (sdd_engine_sync(e, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine_free(e);
    e = sdd_test_engine_of(stored, two_routers, count, &r);
    for (int m = 75; m < 100; m++) {
        if (m >= 80)
            flows(e, R1, RD1, T0 + m * 60, 900000);
        flows(e, R2, RD2, T0 + m * 60 + 30, 100000);
    }
    sdd_engine_finish(e);
    assert_int_equal(counter(e, "collection_silences_flow"), 1);
    assert_int_equal(counter(e, "exporters_silent"), 0);
    assert_int_equal(r.notifications, 0);
    sdd_engine_free(e);
    remove_dir(dir);
}

/* What pmacct writes when R2's BMP session ends (its Termination message,
 * then the "delete" entries of its RIB clean-up, one per route) is the
 * collection's: read, ignored, no withdrawal and no alarm. */
static void test_bmp_session_end_no_alarm(void **state)
{
    (void)state;
    run r = {0};
    sdd_engine *e = engine(&r);
    char line[640];
    int t = T0 + 72 * 60;

    feed(e, 900000, 100000);
    snprintf(line, sizeof(line), "{\"event_type\": \"log\", \"timestamp\": \"%d.000000\", \"bmp_router\": \"" R2 "\", "
             "\"bmp_msg_type\": \"term\", \"bmp_term_info_reason\": \"Session administratively closed\"}", t);
    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, strlen(line)), 0);
    for (int i = 0; i < 40; i++) {
        snprintf(line, sizeof(line), "{\"log_type\": \"delete\", \"timestamp\": \"%d.500000\", \"event_type\": \"log\", "
                 "\"afi\": 1, \"safi\": 128, \"ip_prefix\": \"203.0.113.%d/32\", \"rd\": \"" RD2 "\", "
                 "\"peer_ip\": \"" CE2 "\", \"timestamp_arrival\": \"%d.400000\", \"bmp_router\": \"" R2 "\", "
                 "\"bmp_msg_type\": \"internal\", \"is_in\": 1}", t, i, t);
        assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, strlen(line)), 0);
    }
    sdd_engine_finish(e);
    assert_int_equal(counter(e, "parsed_bmp_ignored"), 41);
    assert_int_equal(counter(e, "records_bmp"), 0);
    assert_int_equal(r.notifications, 0);
    sdd_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_silence_gaps_and_return, module_up, module_down),
        cmocka_unit_test_setup_teardown(test_late_and_bmp, module_up, module_down),
        cmocka_unit_test_setup_teardown(test_partial_slot_of_a_late_exporter, module_up, module_down),
        cmocka_unit_test_setup_teardown(test_all_quiet_is_no_gap, module_up, module_down),
        cmocka_unit_test_setup_teardown(test_restart_knows_the_sources, module_up, module_down),
        cmocka_unit_test(test_silent_exporter_no_alarm),
        cmocka_unit_test(test_disruption_on_the_other_router),
        cmocka_unit_test(test_late_data_no_alarm),
        cmocka_unit_test(test_silence_across_a_restart),
        cmocka_unit_test(test_bmp_session_end_no_alarm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
