/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_engine.c: the engine through its public API: event-time slots and the
 * watermark, late records, service mapping and learning, detection through
 * the lifecycle to notifications, and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/engine.h"
#include "lifecycle/lifecycle.h"
#include "sdd/sdd.h"

#define T0 1700000040           /* a slot boundary: 1700000040 = 28333334 * 60 */
#define VPN "64497:1"
#define RD "0:64497:1"
#define ROUTER "192.0.2.1"
#define CE "198.51.100.1"

static const char inventory[] =
    "{\"services\":[{\"vpn_id\":\"" VPN "\",\"name\":\"customer-1\",\"profile\":\"default\","
    "\"terminations\":[{\"router\":\"" ROUTER "\",\"hostname\":\"pe1\",\"vrf_name\":\"CUST1\","
    "\"vrf_id\":7,\"rd\":\"" RD "\",\"interfaces\":[{\"id\":101,\"name\":\"Gi0/0/0/1\"}],"
    "\"ce_peers\":[\"" CE "\"]}]}]}";

typedef struct sink {
    char *json[64];
    int n;
} sink;

static void collect(void *ctx, const sdd_notification *n)
{
    sink *s = ctx;
    assert_true(s->n < 64);
    s->json[s->n++] = strdup(n->json);
}

static void sink_free(sink *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->json[i]);
    s->n = 0;
}

static sdd_engine *engine_with_inventory(const char *const *settings, const char *inv, sink *out)
{
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    char path[] = "/tmp/sdd-test-inventory-XXXXXX";
    int fd = mkstemp(path);

    for (int i = 0; settings && settings[i]; i += 2)
        if (sdd_config_set(cfg, settings[i], NULL, settings[i + 1], &err) < 0)
            fail_msg("%s", err.msg);
    sdd_engine *e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    if (!e)
        fail_msg("%s", err.msg);
    assert_true(write(fd, inv, strlen(inv)) == (ssize_t)strlen(inv));
    close(fd);
    if (sdd_engine_load_inventory(e, path, &err) < 0)
        fail_msg("%s", err.msg);
    unlink(path);
    if (out)
        sdd_engine_on_notification(e, collect, out);
    return e;
}

static sdd_engine *engine_with(const char *const *settings, sink *out)
{
    return engine_with_inventory(settings, inventory, out);
}

typedef struct lookup {
    const char *name;
    uint64_t value;
    int found;
} lookup;

static void find_counter(void *ctx, const char *name, uint64_t value)
{
    lookup *l = ctx;
    if (strcmp(l->name, name) == 0) {
        l->value = value;
        l->found = 1;
    }
}

static uint64_t counter(const sdd_engine *e, const char *name)
{
    lookup l = {name, 0, 0};
    sdd_engine_counters(e, find_counter, &l);
    if (!l.found)
        fail_msg("no counter %s", name);
    return l.value;
}

static sdd_flow flow(int64_t t, const char *rd, int proto, uint64_t bytes)
{
    sdd_flow f;
    memset(&f, 0, sizeof(f));
    f.time = t;
    assert_int_equal(sdd_addr_parse(ROUTER, &f.router), 0);
    if (rd)
        assert_int_equal(sdd_rd_parse(rd, &f.rd), 0);
    f.ip_proto = (uint8_t)proto;
    f.bytes = bytes;
    f.packets = bytes / 1000 + 1;
    f.flows = 10;
    return f;
}

/* One slot of normal traffic: TCP and UDP. */
static void traffic(sdd_engine *e, int64_t t, uint64_t bytes)
{
    sdd_flow tcp = flow(t, RD, 6, bytes), udp = flow(t, RD, 17, bytes / 2);
    sdd_engine_add_flow(e, &tcp);
    sdd_engine_add_flow(e, &udp);
}

static sdd_bmp_event peer_event(int64_t t, sdd_bmp_type type, int reason)
{
    sdd_bmp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.time = t;
    ev.type = type;
    ev.peer_type = SDD_PEER_RD_INSTANCE;
    ev.reason = reason;
    assert_int_equal(sdd_addr_parse(ROUTER, &ev.router), 0);
    assert_int_equal(sdd_addr_parse(CE, &ev.peer), 0);
    assert_int_equal(sdd_rd_parse(RD, &ev.rd), 0);
    return ev;
}

static void test_watermark_and_lateness(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "120", "allowed_lateness", "300", NULL};
    sdd_engine *e = engine_with(settings, NULL);
    sdd_flow f = flow(T0, RD, 6, 1000);

    sdd_engine_add_flow(e, &f);                 /* watermark T0-120: nothing closes */
    assert_int_equal(counter(e, "slots_closed"), 0);
    f.time = T0 + 179;                          /* watermark T0+59: still inside T0's slot */
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "slots_closed"), 2);    /* the two slots before T0 */
    f.time = T0 + 180;                          /* watermark T0+60: T0's slot closes */
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "slots_closed"), 3);
    f.time = T0 + 30;                           /* late, 1 slot behind: kept */
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "late_added"), 1);
    f.time = T0 - 300;                          /* 6 slots behind, 360 s > 300 s: dropped */
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "late_dropped"), 1);
    assert_int_equal(counter(e, "records_flow"), 5);
    sdd_engine_finish(e);
    assert_int_equal(counter(e, "slots_closed"), 6);     /* up to the newest record's slot */
    sdd_engine_free(e);
}

static void test_unmapped_and_learning(void **state)
{
    (void)state;
    sdd_engine *e = engine_with(NULL, NULL);
    sdd_flow f = flow(T0, "0:64497:999", 6, 1000);
    sdd_bmp_event route;

    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "unmapped_unknown_rd"), 1);
    f = flow(T0, NULL, 6, 1000);
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "unmapped_no_vpn_fields"), 1);
    f.vrf_id_ingress = 7;                       /* the inventory's VRF id on this router */
    sdd_engine_add_flow(e, &f);
    f.vrf_id_ingress = 8;
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "unmapped_unknown_vrf"), 1);

    /* A BMP route with a route target teaches the service and its RD. */
    route = peer_event(T0, SDD_BMP_UPDATE, -1);
    assert_int_equal(sdd_rd_parse("0:64497:999", &route.rd), 0);
    route.n_rt = 1;
    strcpy(route.rt[0], "64497:9");
    sdd_engine_add_bmp(e, &route);
    assert_int_equal(counter(e, "services"), 2);
    f = flow(T0, "0:64497:999", 6, 1000);
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "unmapped_unknown_rd"), 1);
    /* A withdraw carries no route target: its RD finds the service. */
    route.type = SDD_BMP_WITHDRAW;
    route.n_rt = 0;
    sdd_engine_add_bmp(e, &route);
    assert_int_equal(counter(e, "unmapped_no_route_target"), 0);
    assert_int_equal(counter(e, "unmapped_unknown_rd"), 1);
    sdd_engine_free(e);
}

static void test_unknown_rd_service(void **state)
{
    (void)state;
    const char *const settings[] = {"learn_unknown_rd", "true", NULL};
    sdd_engine *e = engine_with(settings, NULL);
    sdd_flow f = flow(T0, "0:64497:999", 6, 1000);

    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "unmapped_unknown_rd"), 0);
    assert_int_equal(counter(e, "services"), 2);
    sdd_engine_free(e);
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("notification is not JSON: %s", err.text);
    return j;
}

/* Peer down at slot 3, up at slot 6: one relevant state, opened at the close
 * of slot 3 and closed after close_after_slots quiet slots, with its end. */
static void feed_peer_down(sdd_engine *e, int from, int to)
{
    for (int s = from; s < to; s++) {
        traffic(e, T0 + s * 60, 100000);
        if (s == 3) {
            sdd_bmp_event down = peer_event(T0 + s * 60 + 5, SDD_BMP_PEER_DOWN, 3);
            sdd_engine_add_bmp(e, &down);
        }
        if (s == 6) {
            sdd_bmp_event up = peer_event(T0 + s * 60 + 5, SDD_BMP_PEER_UP, -1);
            sdd_engine_add_bmp(e, &up);
        }
    }
}

static void run_peer_down(sink *out)
{
    const char *const settings[] = {"data_delay", "0", "close_after_slots", "2", NULL};
    sdd_engine *e = engine_with(settings, out);

    feed_peer_down(e, 0, 12);
    sdd_engine_finish(e);
    sdd_engine_free(e);
}

/* Time told without records (every input idle) closes the slots it passes,
 * as records would; it never goes back, and before the first record there
 * is nothing to move. */
static void test_advance_without_records(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "120", NULL};
    sdd_engine *e = engine_with(settings, NULL);
    sdd_flow f = flow(T0, RD, 6, 1000);

    assert_int_equal(sdd_engine_advance(e, T0), 0);
    assert_int_equal(counter(e, "slots_closed"), 0);
    sdd_engine_add_flow(e, &f);
    assert_int_equal(sdd_engine_advance(e, T0 + 180), 1);   /* watermark T0+60: T0's slot closes */
    assert_int_equal(counter(e, "slots_closed") + counter(e, "slots_skipped_empty"), 3);
    assert_int_equal(sdd_engine_advance(e, T0 + 60), 1);    /* back in time: nothing */
    assert_int_equal(counter(e, "slots_closed") + counter(e, "slots_skipped_empty"), 3);
    f.time = T0 + 90;                                       /* T0+60's slot is still open */
    sdd_engine_add_flow(e, &f);
    assert_int_equal(counter(e, "late_added") + counter(e, "late_dropped"), 0);
    assert_int_equal(counter(e, "records_flow"), 2);
    sdd_engine_free(e);
}

/* What the API cannot take is counted, never read. */
static void test_bad_arguments_refused(void **state)
{
    (void)state;
    sdd_engine *e = engine_with(NULL, NULL);
    sdd_bmp_event ev = peer_event(T0, SDD_BMP_PEER_DOWN, 1);
    sdd_error err = {0};

    sdd_engine_add_flow(e, NULL);
    ev.type = (sdd_bmp_type)99;
    sdd_engine_add_bmp(e, &ev);
    assert_int_equal(sdd_engine_add_json(e, (sdd_input_kind)7, "{}", 2), -1);
    assert_int_equal(counter(e, "records_refused"), 3);
    assert_int_equal(counter(e, "records_bmp"), 0);
    sdd_engine_add_flow(NULL, NULL);                        /* no engine: nothing happens */
    assert_int_equal(sdd_engine_replay(NULL, NULL, NULL, NULL, &err), -1);
    assert_int_equal(err.code, SDD_E_ARG);
    assert_int_equal(sdd_engine_load_inventory(e, NULL, NULL), -1);    /* err may be NULL */
    assert_string_equal(sdd_strerror(SDD_E_NOMEM), "out of memory");
    assert_string_equal(sdd_strerror((sdd_code)1000), "unknown error");
    sdd_engine_free(e);
}

/* A storm of withdrawals opens its relevant state as it is read, before its
 * slot closes; the slot's close then adds nothing new. */
static void test_withdraw_storm_judged_at_once(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "0", "strategy", "withdraw-1-pipeline", NULL};
    sink out = {{0}, 0};
    sdd_engine *e = engine_with(settings, &out);
    sdd_bmp_event w = peer_event(T0, SDD_BMP_WITHDRAW, -1);

    for (int s = 0; s < 45; s++) {             /* history: one withdrawal a minute */
        w.time = T0 + s * 60;
        sdd_engine_add_bmp(e, &w);
    }
    for (int i = 0; i < 40 && out.n == 0; i++) {
        w.time = T0 + 45 * 60 + i;
        sdd_engine_add_bmp(e, &w);
    }
    assert_int_equal(out.n, 1);                 /* while its slot is still open */
    assert_int_equal(counter(e, "slots_closed") + counter(e, "slots_skipped_empty"), 45);
    json_t *first = parse(out.json[0]);
    assert_int_equal(json_integer_value(json_object_get(first, "startTime")), (json_int_t)(T0 + 45 * 60) * 1000);
    json_decref(first);
    sdd_engine_free(e);
    sink_free(&out);
}

static void test_peer_down_lifecycle(void **state)
{
    (void)state;
    sink out = {{0}, 0};
    char name[512], id[SDD_UUID_TEXT];

    sdd_config *defaults = sdd_config_new();

    run_peer_down(&out);
    assert_int_equal(out.n, 2);
    json_t *first = parse(out.json[0]), *last = parse(out.json[1]);
    snprintf(name, sizeof(name), "%s|%s|%d", VPN, defaults->strategy, T0 + 180);
    sdd_config_free(defaults);
    sdd__uuid5(name, id);
    assert_string_equal(json_string_value(json_object_get(first, "id")), id);
    assert_string_equal(json_string_value(json_object_get(last, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(first, "startTime")), (json_int_t)(T0 + 180) * 1000);
    assert_true(json_is_null(json_object_get(first, "endTime")));
    /* down from slot 3, opened as soon as the peer down was read; it ends
     * when the peer came back (T0+365), not at a slot boundary */
    assert_int_equal(json_integer_value(json_object_get(last, "endTime")), (json_int_t)(T0 + 365) * 1000);
    assert_true(json_integer_value(json_object_get(first, "concernScore")) >= 50);

    json_t *anomaly = json_array_get(json_object_get(first, "anomaly"), 0);
    json_t *symptom = json_object_get(anomaly, "symptom");
    assert_string_equal(json_string_value(json_object_get(json_object_get(anomaly, "annotator"), "name")),
                        "bmp_peer_down");
    assert_int_equal(json_integer_value(json_object_get(anomaly, "revision")), 0);
    assert_string_equal(json_string_value(json_object_get(symptom, "action")), "Adjacency");
    assert_string_equal(json_string_value(json_object_get(symptom, "reason")), "Remotely Teared Down");
    assert_string_equal(json_string_value(json_object_get(symptom, "networkPlane")), "control");
    json_t *term = json_array_get(json_object_get(anomaly, "vpnNodeTerminations"), 0);
    assert_string_equal(json_string_value(json_object_get(term, "hostname")), "pe1");
    assert_string_equal(json_string_value(json_object_get(term, "routeDistinguisher")), RD);
    assert_string_equal(json_string_value(json_array_get(json_object_get(term, "peerIp"), 0)), CE);
    json_t *svc = json_array_get(json_object_get(json_object_get(first, "service"), "l3VpnService"), 0);
    assert_string_equal(json_string_value(json_object_get(svc, "vpnId")), VPN);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(last, "anomaly"), 0),
                                                        "revision")), 1);
    json_decref(first);
    json_decref(last);
    sink_free(&out);
}

/* The open relevant states by stage, as /metrics serves them. */
typedef struct stages {
    uint64_t potential, forecasted;
    int calls;
} stages;

static void count_stage(void *ctx, const char *stage, uint64_t n)
{
    stages *s = ctx;

    s->calls++;
    if (strcmp(stage, "problem_potential") == 0)
        s->potential = n;
    else if (strcmp(stage, "problem_forecasted") == 0)
        s->forecasted = n;
    else
        fail_msg("unknown stage %s", stage);
}

static stages open_states(const sdd_engine *e)
{
    stages s = {0, 0, 0};

    sdd_engine_open_states(e, count_stage, &s);
    assert_int_equal(s.calls, 2);               /* each stage, 0 too */
    return s;
}

/* A peer down opens a state (problem_potential, no endTime) as it is read;
 * it is counted open until its closing revision, not after, though the
 * lifecycle keeps it for resume_minutes. */
static void test_open_states_by_stage(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "0", "close_after_slots", "2", NULL};
    sink out = {{0}, 0};
    sdd_engine *e = engine_with(settings, &out);

    assert_int_equal(open_states(e).potential, 0);
    feed_peer_down(e, 0, 4);
    assert_int_equal(out.n, 1);
    json_t *opened = parse(out.json[0]);
    assert_string_equal(json_string_value(json_object_get(opened, "stage")), "problem_potential");
    json_decref(opened);
    assert_int_equal(open_states(e).potential, 1);
    assert_int_equal(open_states(e).forecasted, 0);
    feed_peer_down(e, 4, 30);
    assert_int_equal(out.n, 2);
    json_t *closed = parse(out.json[1]);
    assert_false(json_is_null(json_object_get(closed, "endTime")));
    json_decref(closed);
    assert_int_equal(open_states(e).potential, 0);
    sdd_engine_free(e);
    sink_free(&out);
}

/* The engine's sources: flows and BMP of one router are two, each with
 * the newest time taken from it; a record refused as too far ahead moves
 * nothing. */
typedef struct sources {
    sdd_input_kind kind[4];
    int64_t watermark[4];
    int n;
} sources;

static void note_source(void *ctx, sdd_input_kind kind, const sdd_addr *router, int64_t watermark)
{
    sources *s = ctx;
    char text[64];

    sdd_addr_format(router, text, sizeof(text));
    assert_string_equal(text, ROUTER);
    assert_true(s->n < 4);
    s->kind[s->n] = kind;
    s->watermark[s->n++] = watermark;
}

static void test_sources_and_watermarks(void **state)
{
    (void)state;
    sdd_engine *e = engine_with(NULL, NULL);
    sources s = {{0}, {0}, 0};

    sdd_engine_sources(e, note_source, &s);
    assert_int_equal(s.n, 0);
    feed_peer_down(e, 0, 5);                    /* flows up to T0+240, the peer down at T0+185 */
    traffic(e, T0 + 86400, 1000);               /* a day ahead: refused */
    assert_int_equal(counter(e, "future_dropped"), 2);
    sdd_engine_sources(e, note_source, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.kind[0], SDD_INPUT_FLOW);
    assert_int_equal(s.watermark[0], T0 + 240);
    assert_int_equal(s.kind[1], SDD_INPUT_BMP);
    assert_int_equal(s.watermark[1], T0 + 185);
    sdd_engine_free(e);
}

/* The hook a front end times detection with: called before and after each
 * closing of slots, never when none closes. */
typedef struct judging {
    int begun, ended;
    uint64_t closed_before, closed_during;
    const sdd_engine *e;
} judging;

static void on_judging(void *ctx, int begin)
{
    judging *j = ctx;
    uint64_t closed = counter(j->e, "slots_closed") + counter(j->e, "slots_skipped_empty");

    assert_int_equal(j->begun - j->ended, begin ? 0 : 1);   /* begin, end, begin, end */
    if (begin) {
        j->closed_before = closed;
        j->begun++;
    } else {
        j->closed_during += closed - j->closed_before;
        j->ended++;
    }
}

static void test_judging_hook(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "0", NULL};
    sdd_engine *e = engine_with(settings, NULL);
    judging j = {0, 0, 0, 0, e};

    sdd__engine_on_judging(e, on_judging, &j);
    for (int s = 0; s < 10; s++) {
        traffic(e, T0 + s * 60, 100000);
        traffic(e, T0 + s * 60 + 30, 100000);   /* closes nothing */
    }
    assert_int_equal(j.begun, 9);               /* each slot closed by the next slot's first record */
    assert_int_equal(j.ended, 9);
    assert_int_equal(j.closed_during, counter(e, "slots_closed"));
    sdd_engine_free(e);
}

/* What an engine with state_file DIR/state.json and history_file
 * DIR/history.db leaves in DIR removed; with and_dir, DIR too. */
static void remove_stores(const char *dir, int and_dir)
{
    const char *const names[] = {"state.json", "state.json.prev", "history.db", "history.db.undo"};
    char path[96];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    if (and_dir)
        rmdir(dir);
}

/* Two runs said the same, byte for byte. */
static void assert_same_notifications(const sink *a, const sink *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < b->n; i++)
        assert_string_equal(a->json[i], b->json[i]);
}

typedef void (*feed_fn)(sdd_engine *e, int from, int to);

/* Slots [0, end) fed to an engine that syncs its state at slot `at`, then
 * to a second engine going on from that state; their notifications into
 * out. */
static void run_with_restart(const char *const *settings, const char *inv, feed_fn feed, int at, int end, sink *out)
{
    sdd_error err = {0};

    for (int part = 0; part < 2; part++) {
        sdd_engine *e = engine_with_inventory(settings, inv, out);
        feed(e, part ? at : 0, part ? end : at);
        if (part)
            sdd_engine_finish(e);
        if (sdd_engine_sync(e, &err) < 0)
            fail_msg("%s", err.msg);
        sdd_engine_free(e);
    }
}

/* The peer-down run cut in two by a restart, while the peer is down (minute
 * 5) and after it came back but before the relevant state closed (minute
 * 7): the second engine, started from the state and history the first
 * synced, says exactly what one engine says (the closing revision's endTime
 * is the peer up's time). */
static void test_restart_continues(void **state)
{
    (void)state;
    char dir[] = "/tmp/sdd-test-restart-XXXXXX", state_path[64], hist_path[64];
    sink whole = {{0}, 0}, cut = {{0}, 0};
    sdd_error err = {0};
    const int cuts[] = {5, 7};

    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state.json", dir);
    snprintf(hist_path, sizeof(hist_path), "%s/history.db", dir);
    const char *const settings[] = {"data_delay", "0", "close_after_slots", "2", "state_file", state_path,
                                    "history_file", hist_path, NULL};
    run_peer_down(&whole);
    assert_true(whole.n >= 1);          /* nothing compared to nothing proves nothing */
    for (int c = 0; c < 2; c++) {
        run_with_restart(settings, inventory, feed_peer_down, cuts[c], 12, &cut);
        remove_stores(dir, 0);
        assert_same_notifications(&cut, &whole);
        sink_free(&cut);
    }
    sink_free(&whole);

    /* a state file of another kind is refused, not read */
    FILE *f = fopen(state_path, "w");
    fputs("{\"format\":\"something-else\"}", f);
    fclose(f);
    sdd_config *cfg = sdd_config_new();
    assert_int_equal(sdd_config_set(cfg, "state_file", NULL, state_path, &err), 0);
    assert_null(sdd_engine_new(cfg, &err));
    assert_non_null(strstr(err.msg, "not a pmacct-sdd state file"));
    sdd_config_free(cfg);
    remove_stores(dir, 1);
}

/* An hour of traffic, then a drop; every minute also brings a late record
 * for three minutes earlier. */
static void feed_drop(sdd_engine *e, int from, int to)
{
    for (int s = from; s < to; s++) {
        traffic(e, T0 + s * 60, s < 70 ? 100000 : 1000);
        if (s >= 3)
            traffic(e, T0 + (s - 3) * 60 + 30, 5000 + (uint64_t)s);
    }
}

static void run_drop(const char *const *settings, int from, int to, int finish, sink *out)
{
    sdd_engine *e = engine_with(settings, out);

    feed_drop(e, from, to);
    if (finish)
        sdd_engine_finish(e);
    sdd_engine_free(e);
}

/* A crash between checkpoints: the first engine syncs at minute 40 with its
 * cursor, goes on to minute `crash` (history written in place, notifications
 * made) and dies without syncing again. The second continues from the
 * checkpoint, reads minutes 40.. again and says exactly what one engine
 * says: the notifications after the checkpoint again, none counted twice
 * in history. */
static void crash_between_checkpoints(int crash, int end)
{
    char dir[] = "/tmp/sdd-test-crash-XXXXXX", state_path[64], hist_path[64];
    const char *const whole_settings[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes",
                                          "5", NULL};
    sink whole = {{0}, 0}, cut = {{0}, 0};
    sdd_error err = {0};
    int at_checkpoint;

    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state.json", dir);
    snprintf(hist_path, sizeof(hist_path), "%s/history.db", dir);
    const char *const settings[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes", "5",
                                    "state_file", state_path, "history_file", hist_path, NULL};
    run_drop(whole_settings, 0, end, 1, &whole);
    assert_true(whole.n >= 1);

    sdd_engine *e = engine_with(settings, &cut);
    feed_drop(e, 0, 40);
    assert_int_equal(sdd_engine_set_cursor(e, "minute 40"), 0);
    if (sdd_engine_sync(e, &err) < 0)
        fail_msg("%s", err.msg);
    at_checkpoint = cut.n;
    feed_drop(e, 40, crash);
    assert_true(cut.n > at_checkpoint);
    sdd_engine_free(e);                 /* history keeps minutes 40..crash, the state does not */
    for (int i = at_checkpoint; i < cut.n; i++)
        free(cut.json[i]);
    cut.n = at_checkpoint;

    e = engine_with(settings, &cut);
    assert_string_equal(sdd_engine_cursor(e), "minute 40");
    feed_drop(e, 40, end);
    sdd_engine_finish(e);
    sdd_engine_free(e);
    assert_same_notifications(&cut, &whole);
    sink_free(&whole);
    sink_free(&cut);
    remove_stores(dir, 1);
}

static void test_crash_between_checkpoints(void **state)
{
    (void)state;
    crash_between_checkpoints(75, 90);
}

/* The same crash after the first engine went on past its checkpoint by
 * more than the history's rings hold (a backlog read fast): the slots
 * before the checkpoint that the rings had then dropped (the hour before
 * the drop at minute 70) are back for the second engine, which compares
 * with them again. */
static void test_crash_far_past_checkpoint(void **state)
{
    (void)state;
    crash_between_checkpoints(200, 210);
}

/* feed_drop from ROUTER, each minute after a flow of another exporter whose
 * clock runs four minutes ahead: the engine's time is ROUTER's, the older. */
static void feed_two_routers(sdd_engine *e, int from, int to)
{
    for (int s = from; s < to; s++) {
        sdd_flow ahead = flow(T0 + (s + 4) * 60, NULL, 6, 1000);
        assert_int_equal(sdd_addr_parse("192.0.2.2", &ahead.router), 0);
        sdd_engine_add_flow(e, &ahead);
        feed_drop(e, s, s + 1);
    }
}

/* A restart in the middle of that: the state keeps each source's watermark,
 * so the first record after it (the exporter ahead) does not alone make the
 * engine's time and close the slots ROUTER is still filling: the same
 * notifications as one engine, and no more records late. */
static void test_restart_two_routers(void **state)
{
    (void)state;
    char dir[] = "/tmp/sdd-test-clock-XXXXXX", state_path[64], hist_path[64];
    const char *const whole_settings[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes",
                                          "5", NULL};
    sink whole = {{0}, 0}, cut = {{0}, 0};
    sdd_error err = {0};
    uint64_t late, late_cut;

    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state.json", dir);
    snprintf(hist_path, sizeof(hist_path), "%s/history.db", dir);
    const char *const settings[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes", "5",
                                    "state_file", state_path, "history_file", hist_path, NULL};
    sdd_engine *e = engine_with(whole_settings, &whole);
    feed_two_routers(e, 0, 90);
    sdd_engine_finish(e);
    late = counter(e, "late_added");
    sdd_engine_free(e);
    assert_true(whole.n >= 1);

    e = engine_with(settings, &cut);
    feed_two_routers(e, 0, 72);
    late_cut = counter(e, "late_added");
    if (sdd_engine_sync(e, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine_free(e);
    e = engine_with(settings, &cut);
    feed_two_routers(e, 72, 90);
    sdd_engine_finish(e);
    late_cut += counter(e, "late_added");
    sdd_engine_free(e);
    assert_int_equal(late_cut, late);   /* ROUTER's slots were not closed before it had filled them */
    assert_same_notifications(&cut, &whole);
    sink_free(&whole);
    sink_free(&cut);
    remove_stores(dir, 1);
}

static void test_same_input_same_output(void **state)
{
    (void)state;
    sink a = {{0}, 0}, b = {{0}, 0};

    run_peer_down(&a);
    run_peer_down(&b);
    assert_true(a.n >= 1);              /* nothing compared to nothing proves nothing */
    assert_int_equal(a.n, b.n);
    for (int i = 0; i < a.n; i++)
        assert_string_equal(a.json[i], b.json[i]);
    sink_free(&a);
    sink_free(&b);
}

/* Traffic one hour earlier (time_delta_hours 1) is the reference: a drop with
 * a full hour of history alarms; the same drop with too young a history does
 * not. */
static int run_volume_drop_with(int history_minutes, const char *holidays, const char *inv, sink *out)
{
    const char *const settings[] = {"data_delay", "0", "time_delta_hours", "1", "volume_length_minutes", "5",
                                    "holidays", holidays, NULL};
    sdd_engine *e = engine_with_inventory(settings, inv, out);
    int s;

    for (s = 0; s < history_minutes; s++)
        traffic(e, T0 + s * 60, 100000);
    for (int d = 0; d < 10; d++, s++)
        traffic(e, T0 + s * 60, 1000);
    sdd_engine_finish(e);
    sdd_engine_free(e);
    return out->n;
}

static int run_volume_drop(int history_minutes, sink *out)
{
    return run_volume_drop_with(history_minutes, "", inventory, out);
}

static void test_volume_drop_needs_history(void **state)
{
    (void)state;
    sink out = {{0}, 0};

    assert_int_equal(run_volume_drop(50, &out), 0);
    assert_true(run_volume_drop(70, &out) >= 1);
    json_t *n = parse(out.json[0]);
    json_t *anomalies = json_object_get(n, "anomaly");
    assert_int_equal(json_array_size(anomalies), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_array_get(anomalies, i);
        const char *name = json_string_value(json_object_get(json_object_get(a, "annotator"), "name"));
        assert_true(!strcmp(name, "udp_sum") || !strcmp(name, "tcp_sum"));
        assert_string_equal(json_string_value(json_object_get(a, "pattern")), "drop");
    }
    json_decref(n);
    sink_free(&out);
}

/* T0 is 2023-11-14 22:14 UTC; after 110 minutes the drop comes on the 15th,
 * compared with the 14th one hour earlier. */
static void test_holiday_not_compared(void **state)
{
    (void)state;
    sink out = {{0}, 0};
    sdd_error err = {0};
    sdd_config *cfg = sdd_config_new();

    assert_int_equal(run_volume_drop_with(110, "2023-11-15", inventory, &out), 0);
    assert_int_equal(run_volume_drop_with(110, "2023-11-14", inventory, &out), 0);
    /* holidays elsewhere change nothing */
    assert_true(run_volume_drop_with(110, "2023-11-13,2023-12-25", inventory, &out) >= 1);
    sink_free(&out);
    assert_int_equal(sdd_config_set(cfg, "holidays", NULL, "2023-13-01", &err), 0);
    assert_null(sdd_engine_new(cfg, &err));
    assert_non_null(strstr(err.msg, "YYYY-MM-DD"));
    sdd_config_free(cfg);
}

/* Through the engine: a flow from the MPLS core into the customer's VRF
 * (ingress: IOS XR's global table, 0x60000000) counts for the customer; the
 * global-table traffic of the same router that follows is no customer's. */
static void test_global_table_not_a_customer(void **state)
{
    (void)state;
    sdd_engine *e = engine_with(NULL, NULL);
    sdd_flow core_in = flow(T0, RD, 6, 1000), global = flow(T0 + 1, NULL, 6, 1000);

    core_in.vrf_id_ingress = 0x60000000;
    core_in.vrf_id_egress = 7;
    sdd_engine_add_flow(e, &core_in);
    global.vrf_id_ingress = 0x60000000;
    global.vrf_id_egress = 0x60000000;
    sdd_engine_add_flow(e, &global);
    global.vrf_id_egress = 0;
    sdd_engine_add_flow(e, &global);
    assert_int_equal(counter(e, "unmapped_no_vpn_fields"), 2);
    assert_int_equal(counter(e, "services"), 1);
    sdd_engine_free(e);
}

#define VPN2 "64497:2"
#define RD2 "0:64497:2"
#define GLOBAL_PEER "203.0.113.9"

/* Customer 1 has the CE peer and the global peer GLOBAL_PEER (outside any
 * VRF, e.g. a route reflector session carrying VPNv4); customer 2 only
 * routes through it. */
static const char two_customers[] =
    "{\"services\":[{\"vpn_id\":\"" VPN "\",\"terminations\":[{\"router\":\"" ROUTER "\",\"rd\":\"" RD "\","
    "\"ce_peers\":[\"" CE "\",\"" GLOBAL_PEER "\"]}]},"
    "{\"vpn_id\":\"" VPN2 "\",\"terminations\":[{\"router\":\"" ROUTER "\",\"hostname\":\"pe1\","
    "\"rd\":\"" RD2 "\"}]}]}";

static sdd_bmp_event global_peer_event(int64_t t, sdd_bmp_type type, int reason)
{
    sdd_bmp_event ev = peer_event(t, type, reason);
    ev.peer_type = SDD_PEER_GLOBAL;
    ev.rd = 0;
    assert_int_equal(sdd_addr_parse(GLOBAL_PEER, &ev.peer), 0);
    return ev;
}

/* The notifications of one service, in order. */
static int of_service(const sink *out, const char *vpn_id, json_t **found, int max)
{
    int n = 0;

    for (int i = 0; i < out->n && n < max; i++) {
        json_t *j = parse(out->json[i]);
        json_t *svc = json_array_get(json_object_get(json_object_get(j, "service"), "l3VpnService"), 0);
        if (strcmp(json_string_value(json_object_get(svc, "vpnId")), vpn_id) == 0)
            found[n++] = j;
        else
            json_decref(j);
    }
    return n;
}

#define OTHER_RR "203.0.113.10"

/* A VPNv4 route of customer 2 (its route target, its RD as the route's
 * own) received through `peer`, a peer outside any VRF. */
static sdd_bmp_event global_route(int64_t t, sdd_bmp_type type, const char *peer, int i)
{
    sdd_bmp_event ev = peer_event(t, type, -1);
    assert_int_equal(sdd_addr_parse(peer, &ev.peer), 0);
    assert_int_equal(sdd_rd_parse(RD2, &ev.rd), 0);
    ev.peer_type = SDD_PEER_GLOBAL;
    ev.rd_of_route = 1;
    snprintf(ev.prefix, sizeof(ev.prefix), "198.18.%d.0/24", i);
    if (type == SDD_BMP_UPDATE) {
        ev.n_rt = 1;
        snprintf(ev.rt[0], sizeof(ev.rt[0]), "%s", VPN2);
    }
    return ev;
}

static void global_routes(sdd_engine *e, int64_t t, sdd_bmp_type type, const char *peer, int n)
{
    for (int i = 0; i < n; i++) {
        sdd_bmp_event ev = global_route(t, type, peer, i);
        sdd_engine_add_bmp(e, &ev);
    }
}

/* Slots [from, to) of twelve: both customers' traffic; customer 2's 60
 * routes come through GLOBAL_PEER (and OTHER_RR when `redundant`) in slot 1,
 * `withdrawn` of them are withdrawn in slot 2; GLOBAL_PEER drops at slot 3
 * (no withdrawal follows: BMP sends none), OTHER_RR at slot 5 when
 * redundant, and both come back at slot 8. */
static void feed_reflectors(sdd_engine *e, int redundant, int withdrawn, int from, int to)
{
    for (int s = from; s < to; s++) {
        int64_t t = T0 + s * 60;
        sdd_flow f1 = flow(t, RD, 6, 100000), f2 = flow(t, RD2, 6, 100000);
        sdd_engine_add_flow(e, &f1);
        sdd_engine_add_flow(e, &f2);
        if (s == 1) {
            global_routes(e, t + 1, SDD_BMP_UPDATE, GLOBAL_PEER, 60);
            if (redundant)
                global_routes(e, t + 1, SDD_BMP_UPDATE, OTHER_RR, 60);
        }
        if (s == 2)
            global_routes(e, t + 1, SDD_BMP_WITHDRAW, GLOBAL_PEER, withdrawn);
        if (s == 3) {
            sdd_bmp_event down = global_peer_event(t + 5, SDD_BMP_PEER_DOWN, 3);
            sdd_engine_add_bmp(e, &down);
        }
        if (s == 5 && redundant) {
            sdd_bmp_event down = global_peer_event(t + 7, SDD_BMP_PEER_DOWN, 2);
            assert_int_equal(sdd_addr_parse(OTHER_RR, &down.peer), 0);
            sdd_engine_add_bmp(e, &down);
        }
        if (s == 8) {
            sdd_bmp_event up = global_peer_event(t + 5, SDD_BMP_PEER_UP, -1);
            sdd_engine_add_bmp(e, &up);
            assert_int_equal(sdd_addr_parse(OTHER_RR, &up.peer), 0);
            sdd_engine_add_bmp(e, &up);
        }
    }
}

static void feed_redundant_reflectors(sdd_engine *e, int from, int to)
{
    feed_reflectors(e, 1, 0, from, to);
}

static const char *const reflector_settings[] = {"data_delay", "0", "close_after_slots", "2", NULL};

static sdd_engine *reflector_run(sink *out, int redundant, int withdrawn)
{
    sdd_engine *e = engine_with_inventory(reflector_settings, two_customers, out);

    feed_reflectors(e, redundant, withdrawn, 0, 12);
    sdd_engine_finish(e);
    return e;
}

/* The first notification of customer 2 is a peer down of `peer`, from the
 * slot `slot`, with BMP reason `reason`; its last has endTime at the up. */
static void assert_cut_off(const sink *out, const char *peer, int slot, int reason)
{
    json_t *two[4];
    int n = of_service(out, VPN2, two, 4);
    char description[96];

    assert_int_equal(n, 2);
    json_t *anomaly = json_array_get(json_object_get(two[0], "anomaly"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(anomaly, "annotator"), "name")),
                        "bmp_peer_down");
    snprintf(description, sizeof(description), "BGP peer %s down (BMP reason %d)", peer, reason);
    assert_string_equal(json_string_value(json_object_get(anomaly, "description")), description);
    /* the site on the router that lost the routes */
    json_t *term = json_array_get(json_object_get(anomaly, "vpnNodeTerminations"), 0);
    assert_string_equal(json_string_value(json_object_get(term, "routeDistinguisher")), RD2);
    assert_int_equal(json_integer_value(json_object_get(two[0], "startTime")), (json_int_t)(T0 + slot * 60) * 1000);
    assert_true(json_is_null(json_object_get(two[0], "endTime")));
    assert_int_equal(json_integer_value(json_object_get(two[1], "endTime")), (json_int_t)(T0 + 485) * 1000);
    for (int i = 0; i < n; i++)
        json_decref(two[i]);
}

/* A global peer (a route reflector's session) that carried customer 2's
 * VPNv4 routes drops: customer 2 is cut off from the drop, with its reason,
 * though the inventory names the peer for customer 1 only and no
 * withdrawal follows; the peer up ends it. Customer 1 has its own state. */
static void test_global_peer_down_cuts_off_what_it_carried(void **state)
{
    (void)state;
    sink out = {{0}, 0};
    sdd_engine *e = reflector_run(&out, 0, 0);
    json_t *one[4];
    int n1 = of_service(&out, VPN, one, 4);

    assert_int_equal(counter(e, "global_routes"), 0);      /* forgotten with the session */
    sdd_engine_free(e);
    assert_int_equal(n1, 2);
    for (int i = 0; i < n1; i++)
        json_decref(one[i]);
    assert_cut_off(&out, GLOBAL_PEER, 3, 3);
    sink_free(&out);
}

/* Routes withdrawn before the drop are not carried any more: customer 2,
 * all of whose routes went, is not cut off by the drop; with one left, it is. */
static void test_withdrawn_routes_are_forgotten(void **state)
{
    (void)state;
    sink out = {{0}, 0};
    json_t *two[4];
    sdd_engine *e = reflector_run(&out, 0, 60);

    sdd_engine_free(e);
    assert_int_equal(of_service(&out, VPN2, two, 4), 0);
    sink_free(&out);
    e = reflector_run(&out, 0, 59);
    sdd_engine_free(e);
    assert_cut_off(&out, GLOBAL_PEER, 3, 3);
    sink_free(&out);
}

/* A redundant pair of route reflectors: while the other still carries
 * customer 2's routes, the first one's drop is counted, not a disruption;
 * the customer is cut off when it loses its last path, at the other's drop
 * (slot 5, its reason), until they come back. */
static void test_redundant_reflectors(void **state)
{
    (void)state;
    sink out = {{0}, 0};
    sdd_engine *e = reflector_run(&out, 1, 0);

    assert_int_equal(counter(e, "global_peer_down_other_path"), 1);
    sdd_engine_free(e);
    assert_cut_off(&out, OTHER_RR, 5, 2);
    sink_free(&out);
}

/* A restart from a checkpoint keeps what the reflectors carry and which of
 * them are down: cut after the routes came (slot 2), after the first drop
 * (4: the other reflector still carries them, and must after the restart),
 * and with the state open (6: the peer up after the restart closes it), the
 * notifications are those of the run without a restart, byte for byte. */
static void test_restart_keeps_reflectors(void **state)
{
    (void)state;
    char dir[] = "/tmp/sdd-test-reflectors-XXXXXX", state_path[64], hist_path[64];
    sink whole = {{0}, 0}, cut = {{0}, 0};
    const int cuts[] = {2, 4, 6};

    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state.json", dir);
    snprintf(hist_path, sizeof(hist_path), "%s/history.db", dir);
    const char *const settings[] = {"data_delay", "0", "close_after_slots", "2", "state_file", state_path,
                                    "history_file", hist_path, NULL};
    sdd_engine_free(reflector_run(&whole, 1, 0));
    assert_cut_off(&whole, OTHER_RR, 5, 2);
    for (int c = 0; c < 3; c++) {
        run_with_restart(settings, two_customers, feed_redundant_reflectors, cuts[c], 12, &cut);
        remove_stores(dir, 0);
        assert_same_notifications(&cut, &whole);
        sink_free(&cut);
    }
    sink_free(&whole);
    remove_stores(dir, 1);
}

/* A route's RD that is its peer's (an RD instance peer, rd_origin "bmp")
 * says nothing of a global peer: such routes are not learned. */
static void test_rd_instance_routes_not_carried(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "0", NULL};
    sdd_engine *e = engine_with_inventory(settings, two_customers, NULL);
    sdd_bmp_event ev = global_route(T0, SDD_BMP_UPDATE, GLOBAL_PEER, 0);

    ev.rd_of_route = 0;
    sdd_engine_add_bmp(e, &ev);
    assert_int_equal(counter(e, "global_routes"), 0);
    ev.rd_of_route = 1;
    sdd_engine_add_bmp(e, &ev);
    sdd_engine_add_bmp(e, &ev);         /* the same route again */
    assert_int_equal(counter(e, "global_routes"), 1);
    sdd_engine_free(e);
}

/* A table dump's routes (a BMP session that starts again: each route with
 * the time the router got it, long before) are learned too, and its peer's
 * drop then cuts the service off. */
static void test_table_dump_routes_carried(void **state)
{
    (void)state;
    sink out = {{0}, 0};
    json_t *two[4];
    sdd_engine *e = engine_with_inventory(reflector_settings, two_customers, &out);
    sdd_flow f = flow(T0, RD2, 6, 100000);
    sdd_bmp_event route = global_route(T0 - 86400, SDD_BMP_UPDATE, GLOBAL_PEER, 0);
    sdd_bmp_event down = global_peer_event(T0 + 65, SDD_BMP_PEER_DOWN, 3);

    sdd_engine_add_flow(e, &f);
    route.arrival = T0 + 1;
    sdd_engine_add_bmp(e, &route);
    assert_int_equal(counter(e, "bmp_rib_dump"), 1);
    assert_int_equal(counter(e, "global_routes"), 1);
    sdd_engine_add_bmp(e, &down);
    sdd_engine_free(e);
    assert_int_equal(of_service(&out, VPN2, two, 4), 1);
    json_decref(two[0]);
    sink_free(&out);
}

/* max_global_routes bounds what is learned; the routes past it are counted. */
static void test_global_routes_capped(void **state)
{
    (void)state;
    const char *const settings[] = {"data_delay", "0", "max_global_routes", "10", NULL};
    sdd_engine *e = engine_with_inventory(settings, two_customers, NULL);

    global_routes(e, T0, SDD_BMP_UPDATE, GLOBAL_PEER, 25);
    assert_int_equal(counter(e, "global_routes"), 10);
    assert_int_equal(counter(e, "global_routes_over_max"), 15);
    sdd_engine_free(e);
}

/* FRR puts 0 in the BMP per-peer header time of route monitoring; pmacct
 * writes "timestamp": "0.000000". Such a line takes its arrival at the
 * collector as its time, and is counted. */
static void test_bmp_zero_peer_time_takes_arrival(void **state)
{
    (void)state;
    sdd_engine *e = engine_with(NULL, NULL);
    sdd_flow f = flow(T0 + 100, RD, 6, 1000);
    char line[512];
    const char *form = "{\"event_type\": \"log\", \"log_type\": \"withdraw\", \"timestamp\": \"%s\", "
                       "\"timestamp_arrival\": \"%d.250000\", \"bmp_router\": \"" ROUTER "\", \"peer_ip\": \"" CE "\", "
                       "\"bmp_msg_type\": \"route_monitor\", \"rd\": \"" RD "\", \"ip_prefix\": \"192.0.2.0/24\"}";

    sdd_engine_add_flow(e, &f);
    snprintf(line, sizeof(line), form, "0.000000", T0 + 101);
    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, strlen(line)), 0);
    snprintf(line, sizeof(line), form, "1700000141.000000", T0 + 102);       /* the router's time */
    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, strlen(line)), 0);
    assert_int_equal(counter(e, "records_bmp"), 2);
    assert_int_equal(counter(e, "bmp_time_from_arrival"), 1);
    assert_int_equal(counter(e, "late_dropped") + counter(e, "late_added") + counter(e, "bmp_rib_dump"), 0);
    snprintf(line, sizeof(line), "{\"timestamp\": \"0.000000\", \"bmp_router\": \"" ROUTER "\", "
                                 "\"peer_ip\": \"" CE "\", \"bmp_msg_type\": \"peer_up\"}");
    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, strlen(line)), -1);   /* no time at all */
    assert_int_equal(counter(e, "parsed_bmp_missing"), 1);
    sdd_engine_free(e);
}

static void test_json_lines_counted(void **state)
{
    (void)state;
    sdd_engine *e = engine_with(NULL, NULL);
    const char *bad = "{\"peer_ip_src\": ";

    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_FLOW, bad, strlen(bad)), -1);
    assert_int_equal(counter(e, "parsed_flow_json"), 1);
    sdd_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watermark_and_lateness),
        cmocka_unit_test(test_unmapped_and_learning),
        cmocka_unit_test(test_unknown_rd_service),
        cmocka_unit_test(test_advance_without_records),
        cmocka_unit_test(test_bad_arguments_refused),
        cmocka_unit_test(test_withdraw_storm_judged_at_once),
        cmocka_unit_test(test_peer_down_lifecycle),
        cmocka_unit_test(test_open_states_by_stage),
        cmocka_unit_test(test_sources_and_watermarks),
        cmocka_unit_test(test_judging_hook),
        cmocka_unit_test(test_same_input_same_output),
        cmocka_unit_test(test_restart_continues),
        cmocka_unit_test(test_crash_between_checkpoints),
        cmocka_unit_test(test_crash_far_past_checkpoint),
        cmocka_unit_test(test_restart_two_routers),
        cmocka_unit_test(test_volume_drop_needs_history),
        cmocka_unit_test(test_holiday_not_compared),
        cmocka_unit_test(test_json_lines_counted),
        cmocka_unit_test(test_global_table_not_a_customer),
        cmocka_unit_test(test_global_peer_down_cuts_off_what_it_carried),
        cmocka_unit_test(test_withdrawn_routes_are_forgotten),
        cmocka_unit_test(test_redundant_reflectors),
        cmocka_unit_test(test_restart_keeps_reflectors),
        cmocka_unit_test(test_rd_instance_routes_not_carried),
        cmocka_unit_test(test_table_dump_routes_carried),
        cmocka_unit_test(test_global_routes_capped),
        cmocka_unit_test(test_bmp_zero_peer_time_takes_arrival),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
