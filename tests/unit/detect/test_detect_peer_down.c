/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_detect_peer_down.c: a BGP session's drop, from pmacct's BMP line to
 * the symptom: each BMP reason (and the FSM event of reason 2) gives the
 * draft's action, reason and trigger; a peer that came back in the slot is
 * no symptom; an engine that has seen nothing before (a cold start, no
 * history at all) opens the relevant state as it reads the peer down; and a
 * session flapping within resume_minutes stays one relevant state, across a
 * restart too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "detect/detectors.h"
#include "engine/config.h"
#include "../engine/engine_of.h"

#define STEP 60
#define SLOT 28333334                   /* the slot judged */
#define SLOT_END ((int64_t)(SLOT + 1) * STEP)
#define PEER "198.51.100.6"
#define T_FLAP 1700000040       /* a slot boundary */

/* ---- the detector ------------------------------------------------------ */

typedef struct fixture {
    sdd_config *cfg;
    sdd_event events[4];
    sdd_detect_input in;
    sdd_symptom out[4];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    fx->cfg = sdd_config_new();
    assert_non_null(fx->cfg);
    fx->in.profile = &fx->cfg->profiles[0];
    fx->in.step = STEP;
    fx->in.slot = SLOT;
    fx->in.events = fx->events;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    sdd_config_free(fx->cfg);
    free(fx);
    return 0;
}

static void add_event(fixture *fx, sdd_event_kind kind, int64_t time, int reason, int fsm_event)
{
    sdd_event *ev = &fx->events[fx->in.n_events++];
    sdd_bmp_event bmp = {.reason = reason, .fsm_event = fsm_event};

    memset(ev, 0, sizeof(*ev));
    ev->time = time;
    ev->kind = kind;
    ev->termination = 0;
    ev->reason = SDD_PEER_DOWN_CODE(&bmp);
    assert_int_equal(sdd_addr_parse(PEER, &ev->peer), 0);
}

static int run(fixture *fx)
{
    return sdd__detectors[SDD_DET_PEER_DOWN].run(&fx->in, fx->out, 4);
}

/* RFC 7854's reasons, and reason 2's FSM events (RFC 4271 8.1), in the
 * draft's control-plane table. */
static void test_reasons_in_the_draft_table(void **state)
{
    static const struct {
        int reason, fsm_event;
        const char *why, *trigger, *description;
    } rows[] = {
        {1, 0, "Locally Teared Down", "Peer", "BGP peer " PEER " down (BMP reason 1)"},
        {2, 2, "Locally Teared Down", "Administrative", "BGP peer " PEER " down (BMP reason 2, FSM event 2)"},
        {2, 10, "Locally Teared Down", "Transport Connection Failed",
         "BGP peer " PEER " down (BMP reason 2, FSM event 10)"},
        {2, 18, "Locally Teared Down", "Transport Connection Failed",
         "BGP peer " PEER " down (BMP reason 2, FSM event 18)"},
        {2, 0, "Locally Teared Down", "Transport Connection Failed", "BGP peer " PEER " down (BMP reason 2)"},
        {3, 0, "Remotely Teared Down", "Peer", "BGP peer " PEER " down (BMP reason 3)"},
        {4, 0, "Remotely Teared Down", "Transport Connection Failed", "BGP peer " PEER " down (BMP reason 4)"},
        {5, 0, "Locally Teared Down", "Administrative", "BGP peer " PEER " down (BMP reason 5)"},
    };
    fixture *fx = *state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fx->in.n_events = 0;
        add_event(fx, SDD_EV_PEER_DOWN, SLOT_END - 30, rows[i].reason, rows[i].fsm_event);
        assert_int_equal(run(fx), 1);
        assert_string_equal(fx->out[0].action, "Adjacency");
        assert_string_equal(fx->out[0].reason, rows[i].why);
        assert_string_equal(fx->out[0].trigger, rows[i].trigger);
        assert_string_equal(fx->out[0].description, rows[i].description);
        assert_int_equal(fx->out[0].plane, SDD_PLANE_CONTROL);
        assert_int_equal(fx->out[0].start, SLOT_END - 30);
    }
}

/* Down and up again within the slot: nothing left to report. */
static void test_back_in_the_slot(void **state)
{
    fixture *fx = *state;

    add_event(fx, SDD_EV_PEER_DOWN, SLOT_END - 30, 3, 0);
    add_event(fx, SDD_EV_PEER_UP, SLOT_END - 10, -1, 0);
    assert_int_equal(run(fx), 0);
}

/* ---- the engine, cold ---------------------------------------------------- */

static const char inventory[] =
    "{\"services\":[{\"vpn_id\":\"64499:14\",\"name\":\"cold\",\"profile\":\"default\","
    "\"terminations\":[{\"router\":\"192.0.2.1\",\"rd\":\"0:64499:14\",\"ce_peers\":[\"" PEER "\"]}]}]}";

/* pmacct's msglog line of an operator's shutdown of the session (reason 2,
 * FSM event 2 ManualStop), the first record the engine ever reads. */
static const char peer_down[] =
    "{\"event_type\": \"log\", \"timestamp\": \"1700000045.000000\", \"bmp_router\": \"192.0.2.1\", "
    "\"bmp_msg_type\": \"peer_down\", \"peer_ip\": \"" PEER "\", \"peer_type\": 1, \"rd\": \"0:64499:14\", "
    "\"reason_type\": 2, \"reason_str\": \"The local system closed the session without a notification "
    "message\", \"reason_loc_code\": 2}";

typedef struct sink {
    json_t *rec[8];
    int n;
} sink;

static void keep(void *ctx, const sdd_notification *n)
{
    sink *s = ctx;

    assert_true(s->n < 8);
    s->rec[s->n++] = json_loads(n->json, 0, NULL);
}

static void sink_free(sink *s)
{
    for (int i = 0; i < s->n; i++)
        json_decref(s->rec[i]);
    s->n = 0;
}

/* An engine of the one-service inventory with the settings (key, value,
 * ..., NULL); it continues from state_file when one was synced there. */
static sdd_engine *engine_with(const char *const *settings, sink *out)
{
    return sdd_test_engine_of(settings, inventory, keep, out);
}

/* pmacct's BMP line of the CE's session at time t, of bmp_msg_type `type`
 * with `more` fields. */
static void bmp(sdd_engine *e, int64_t t, const char *type, const char *more)
{
    char line[512];
    int len = snprintf(line, sizeof(line),
                       "{\"event_type\": \"log\", \"timestamp\": \"%lld.000000\", \"bmp_router\": \"192.0.2.1\", "
                       "\"bmp_msg_type\": \"%s\", \"peer_ip\": \"" PEER "\", \"peer_type\": 1, "
                       "\"rd\": \"0:64499:14\"%s}",
                       (long long)t, type, more);

    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, (size_t)len), 0);
}

static void test_cold_start_alarms_at_once(void **state)
{
    sink out = {{0}, 0};
    sdd_engine *e = engine_with(NULL, &out);
    json_t *first, *symptom;

    (void)state;
    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, peer_down, strlen(peer_down)), 0);
    assert_int_equal(out.n, 1);         /* read, not waiting for its slot nor any history */
    first = out.rec[0];
    /* from the start of its slot, as every relevant state */
    assert_int_equal(json_integer_value(json_object_get(first, "startTime")), (json_int_t)1700000040 * 1000);
    assert_true(json_is_null(json_object_get(first, "endTime")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(json_object_get(first, "service"), "l3VpnService"), 0),
                            "vpnId")),
                        "64499:14");
    symptom = json_object_get(json_array_get(json_object_get(first, "anomaly"), 0), "symptom");
    assert_string_equal(json_string_value(json_object_get(symptom, "action")), "Adjacency");
    assert_string_equal(json_string_value(json_object_get(symptom, "reason")), "Locally Teared Down");
    assert_string_equal(json_string_value(json_object_get(symptom, "trigger")), "Administrative");
    sink_free(&out);
    sdd_engine_free(e);
}

/* A flapping session: down, up, the state closed; down again 10 minutes
 * later, within resume_minutes: the same state, revision 2, open again.
 * The same when the engine restarts from a state file synced while the
 * state was closed (and kept): byte for byte the uninterrupted run. */
static void flap(sink *out, const char *state_file, int restart)
{
    const char *const settings[] = {"data_delay", "0", "close_after_slots", "2", "state_file", state_file, NULL};
    sdd_engine *e = engine_with(settings, out);
    sdd_error err = {0};

    bmp(e, T_FLAP + 5, "peer_down", ", \"reason_type\": 3");
    bmp(e, T_FLAP + 65, "peer_up", "");
    for (int m = 2; m < 6; m++)                 /* a slot with no record is not judged */
        bmp(e, T_FLAP + m * 60, "route_monitor", ", \"log_type\": \"update\", \"ip_prefix\": \"203.0.113.0/24\"");
    assert_int_equal(out->n, 2);                /* opened, closed */
    if (restart) {
        assert_int_equal(sdd_engine_sync(e, &err), 0);
        sdd_engine_free(e);
        e = engine_with(settings, out);
    }
    bmp(e, T_FLAP + 600 + 5, "peer_down", ", \"reason_type\": 3");
    sdd_engine_free(e);
}

static void test_flap_continues_the_state_across_a_restart(void **state)
{
    char dir[] = "/tmp/sdd-test-flap-XXXXXX", path[64];
    sink whole = {{0}, 0}, cut = {{0}, 0};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state", dir);
    flap(&whole, "", 0);
    flap(&cut, path, 1);
    assert_int_equal(whole.n, 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(whole.rec[2], "anomaly"), 0),
                                                        "revision")),
                     2);
    assert_string_equal(json_string_value(json_object_get(whole.rec[2], "id")),
                        json_string_value(json_object_get(whole.rec[0], "id")));
    assert_true(json_is_null(json_object_get(whole.rec[2], "endTime")));
    assert_int_equal(cut.n, 3);
    for (int i = 0; i < 3; i++)
        assert_true(json_equal(whole.rec[i], cut.rec[i]));
    sink_free(&whole);
    sink_free(&cut);
    unlink(path);
    snprintf(path, sizeof(path), "%s/state.prev", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reasons_in_the_draft_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_in_the_slot, setup, teardown),
        cmocka_unit_test(test_cold_start_alarms_at_once),
        cmocka_unit_test(test_flap_continues_the_state_across_a_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
