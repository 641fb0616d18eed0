/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_notification.c: the record sdd__notification_json makes of a relevant
 * state, parsed back: the reference schema's field names in its order
 * (schema/RelevantStateNotification.avsc), endTime null while open and set
 * once closed, the stage (forecasted for trends only), anomaly ids derived
 * from state, detector and termination, the terminations of a symptom, the
 * change window overlapping the state, and a symptom's concernScore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/config.h"
#include "engine/inventory.h"
#include "lifecycle/lifecycle.h"
#include "lifecycle/notification.h"

#define T0 1700000040           /* a slot boundary */
#define STEP 60
#define STRATEGY "volume-1-peer-down-1-pipeline"
#define CHANGE_AT 20            /* slot the change window of service 0 starts in */

typedef struct fixture {
    sdd_config *cfg;
    sdd_inventory *inv;
} fixture;

/* Service 0 has two terminations (pe2 without hostname) and two change
 * windows, the second without an id; service 1 none. */
static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    char doc[2048];
    json_error_t jerr;
    sdd_error err = {0};

    assert_non_null(fx);
    snprintf(doc, sizeof(doc),
             "{\"services\":[{\"vpn_id\":\"64497:1\",\"name\":\"customer-1\",\"terminations\":["
             "{\"router\":\"192.0.2.1\",\"hostname\":\"pe1\",\"vrf_name\":\"CUST1\",\"vrf_id\":7,"
             "\"rd\":\"0:64497:1\",\"interfaces\":[{\"id\":101,\"name\":\"Gi0/0/0/1\"}],"
             "\"ce_peers\":[\"198.51.100.1\"]},"
             "{\"router\":\"192.0.2.2\",\"vrf_name\":\"CUST1\",\"rd\":\"0:64497:2\"}],"
             "\"changes\":[{\"id\":\"CHG-7\",\"start\":%lld,\"end\":%lld},{\"start\":%lld,\"end\":%lld}]},"
             "{\"vpn_id\":\"64497:2\",\"terminations\":[{\"router\":\"192.0.2.3\",\"rd\":\"0:64497:3\"}]}]}",
             (long long)(T0 + CHANGE_AT * STEP), (long long)(T0 + (CHANGE_AT + 10) * STEP),
             (long long)(T0 + 100 * STEP), (long long)(T0 + 110 * STEP));
    json_t *root = json_loads(doc, 0, &jerr);
    if (!root)
        fail_msg("%s", jerr.text);
    fx->cfg = sdd_config_new();
    fx->inv = sdd__inventory_new(0);
    if (sdd__inventory_from_json(fx->inv, root, "inline", &err) < 0)
        fail_msg("%s", err.msg);
    json_decref(root);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    sdd__inventory_free(fx->inv);
    sdd_config_free(fx->cfg);
    free(fx);
    return 0;
}

static sdd_lifecycle_ctx slot(const fixture *fx, int svc, int k)
{
    sdd_lifecycle_ctx ctx = {
        .service = sdd__inventory_service(fx->inv, svc),
        .profile = sdd__config_profile(fx->cfg, "default"),
        .strategy = STRATEGY,
        .slot_start = T0 + (int64_t)k * STEP,
        .slot_end = T0 + (int64_t)(k + 1) * STEP,
    };
    assert_non_null(ctx.service);
    assert_non_null(ctx.profile);
    return ctx;
}

static sdd_symptom symptom(const char *detector, int termination, double strength, sdd_pattern pattern)
{
    sdd_symptom s;
    memset(&s, 0, sizeof(s));
    s.detector = detector;
    s.termination = termination;
    s.strength = strength;
    s.weight = 1;
    s.plane = SDD_PLANE_CONTROL;
    s.action = "Adjacency";
    s.pattern = pattern;
    return s;
}

/* A state of service svc opened in slot k with these symptoms. */
static void open_with(const fixture *fx, sdd_relevant_state *rs, int svc, int k, const sdd_symptom *sym, int n)
{
    sdd_lifecycle_ctx ctx = slot(fx, svc, k);
    memset(rs, 0, sizeof(*rs));
    assert_int_equal(sdd__lifecycle_step(rs, &ctx, 80, sym, n), SDD_CHANGE_OPENED);
}

/* The record of the state as of slot k, parsed back. */
static json_t *render(const fixture *fx, const sdd_relevant_state *rs, int svc, int k)
{
    sdd_lifecycle_ctx ctx = slot(fx, svc, k);
    char *out = sdd__notification_json(rs, &ctx);
    json_error_t jerr;
    json_t *j;

    assert_non_null(out);
    j = json_loads(out, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %s", jerr.text, out);
    free(out);
    return j;
}

static json_t *anomaly(json_t *n, size_t i)
{
    json_t *a = json_array_get(json_object_get(n, "anomaly"), i);
    assert_non_null(a);
    return a;
}

static json_t *l3vpn(json_t *n)
{
    return json_array_get(json_object_get(json_object_get(n, "service"), "l3VpnService"), 0);
}

static json_int_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", key);
    return json_integer_value(v);
}

static const char *text(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("%s is not a string", key);
    return json_string_value(v);
}

/* ---- the schema ------------------------------------------------------------ */

static json_t *load_schema(void)
{
    const char *src = getenv("SDD_SRCDIR");
    char path[512];
    json_error_t jerr;
    json_t *j;

    snprintf(path, sizeof(path), "%s/schema/RelevantStateNotification.avsc", src ? src : "..");
    j = json_load_file(path, 0, &jerr);
    if (!j)
        fail_msg("%s: %s", path, jerr.text);
    return j;
}

/* The record called `name` anywhere in the schema; NULL if none. */
static json_t *schema_record(json_t *j, const char *name)
{
    const char *key;
    json_t *v, *found;
    size_t i;

    if (json_is_object(j) && json_is_string(json_object_get(j, "name")) &&
        json_is_array(json_object_get(j, "fields")) && strcmp(text(j, "name"), name) == 0)
        return j;
    json_object_foreach(j, key, v)
        if ((found = schema_record(v, name)))
            return found;
    json_array_foreach(j, i, v)
        if ((found = schema_record(v, name)))
            return found;
    return NULL;
}

/* The keys of `o` are the fields of record `name`, in its order. */
static void assert_fields(json_t *schema, const char *name, json_t *o)
{
    json_t *fields = json_object_get(schema_record(schema, name), "fields");
    void *it = json_object_iter(o);
    size_t i = 0;

    assert_non_null(fields);
    for (; it; it = json_object_iter_next(o, it), i++) {
        const char *want = i < json_array_size(fields) ? text(json_array_get(fields, i), "name") : "(nothing)";
        if (strcmp(json_object_iter_key(it), want) != 0)
            fail_msg("%s field %zu: %s, the schema has %s", name, i, json_object_iter_key(it), want);
    }
    assert_int_equal(i, json_array_size(fields));
}

static void test_fields_in_schema_order(void **state)
{
    const fixture *fx = *state;
    sdd_symptom s = symptom("bmp_peer_down", 0, 1.0, SDD_PATTERN_NONE);
    sdd_relevant_state rs;
    json_t *schema = load_schema();

    open_with(fx, &rs, 0, 0, &s, 1);
    json_t *n = render(fx, &rs, 0, 0), *a = anomaly(n, 0);
    assert_fields(schema, "RelevantStateNotification", n);
    assert_fields(schema, "Anomaly", a);
    assert_fields(schema, "Annotator", json_object_get(a, "annotator"));
    assert_fields(schema, "Symptom", json_object_get(a, "symptom"));
    assert_fields(schema, "VpnNodeTermination", json_array_get(json_object_get(a, "vpnNodeTerminations"), 0));
    assert_fields(schema, "OperationalData", json_object_get(a, "operationalData"));
    assert_fields(schema, "L3VpnServiceContainer", json_object_get(n, "service"));
    assert_fields(schema, "L3VpnService", l3vpn(n));
    assert_fields(schema, "Publisher", json_object_get(n, "publisher"));
    assert_string_equal(text(n, "id"), rs.id);
    assert_string_equal(text(n, "strategy"), STRATEGY);
    assert_int_equal(num(n, "concernScore"), 80);
    assert_string_equal(text(l3vpn(n), "vpnId"), "64497:1");
    assert_string_equal(text(l3vpn(n), "vpnName"), "customer-1");
    json_decref(n);
    json_decref(schema);
    sdd__lifecycle_release(&rs);
}

static void test_end_time_once_closed(void **state)
{
    const fixture *fx = *state;
    sdd_symptom s = symptom("bmp_peer_down", 0, 1.0, SDD_PATTERN_NONE);
    sdd_relevant_state rs;
    int k = 3;

    open_with(fx, &rs, 0, 3, &s, 1);
    json_t *n = render(fx, &rs, 0, k);
    assert_int_equal(num(n, "startTime"), (json_int_t)(T0 + 3 * STEP) * 1000);
    assert_true(json_is_null(json_object_get(n, "endTime")));
    assert_int_equal(num(anomaly(n, 0), "startTime"), (json_int_t)(T0 + 3 * STEP) * 1000);
    assert_true(json_is_null(json_object_get(anomaly(n, 0), "endTime")));
    json_decref(n);
    sdd_change c = SDD_CHANGE_NONE;
    while (c != SDD_CHANGE_CLOSED) {
        sdd_lifecycle_ctx ctx = slot(fx, 0, ++k);
        c = sdd__lifecycle_step(&rs, &ctx, 0, NULL, 0);
        assert_true(k < 100);
    }
    n = render(fx, &rs, 0, k);
    assert_int_equal(num(n, "endTime"), (json_int_t)(T0 + 4 * STEP) * 1000);
    assert_int_equal(num(anomaly(n, 0), "endTime"), (json_int_t)(T0 + 4 * STEP) * 1000);
    assert_int_equal(num(anomaly(n, 0), "revision"), rs.revision);
    assert_true(rs.revision > 0);
    json_decref(n);
    sdd__lifecycle_release(&rs);
}

static const char *stage_of(const fixture *fx, const sdd_symptom *sym, int n)
{
    static char stage[32];
    sdd_relevant_state rs;

    open_with(fx, &rs, 0, 0, sym, n);
    json_t *j = render(fx, &rs, 0, 0);
    snprintf(stage, sizeof(stage), "%s", text(j, "stage"));
    json_decref(j);
    sdd__lifecycle_release(&rs);
    return stage;
}

static void test_stage_forecasted_for_trends_only(void **state)
{
    const fixture *fx = *state;
    sdd_symptom sym[2] = {symptom("link_saturation", 0, 0.7, SDD_PATTERN_TREND),
                          symptom("udp_sum", -1, 0.7, SDD_PATTERN_DROP)};

    assert_string_equal(stage_of(fx, sym, 1), "problem_forecasted");
    assert_string_equal(stage_of(fx, sym, 2), "problem_potential");
    assert_string_equal(stage_of(fx, sym + 1, 1), "problem_potential");
    assert_string_equal(stage_of(fx, NULL, 0), "problem_potential");
}

static void anomaly_id(const char *state_id, const char *detector, int termination, char id[SDD_UUID_TEXT])
{
    char name[256];
    snprintf(name, sizeof(name), "%s|%s|%d", state_id, detector, termination);
    sdd__uuid5(name, id);
}

static void test_anomaly_ids_derived(void **state)
{
    const fixture *fx = *state;
    sdd_symptom sym[3] = {symptom("bmp_peer_down", 0, 1.0, SDD_PATTERN_NONE),
                          symptom("bmp_peer_down", 1, 1.0, SDD_PATTERN_NONE),
                          symptom("udp_sum", -1, 0.5, SDD_PATTERN_DROP)};
    sdd_relevant_state rs, other;
    char id[SDD_UUID_TEXT];

    open_with(fx, &rs, 0, 0, sym, 3);
    open_with(fx, &other, 0, 1, sym, 3);
    json_t *n = render(fx, &rs, 0, 0), *o = render(fx, &other, 0, 1);
    for (size_t i = 0; i < 3; i++) {
        anomaly_id(rs.id, sym[i].detector, sym[i].termination, id);
        assert_string_equal(text(anomaly(n, i), "id"), id);
        assert_string_equal(text(json_object_get(anomaly(n, i), "symptom"), "id"), id);
        assert_string_not_equal(text(anomaly(o, i), "id"), id);     /* another state */
        assert_string_equal(text(json_object_get(anomaly(n, i), "annotator"), "name"), sym[i].detector);
    }
    assert_string_not_equal(text(anomaly(n, 0), "id"), text(anomaly(n, 1), "id"));
    json_decref(n);
    json_decref(o);
    sdd__lifecycle_release(&rs);
    sdd__lifecycle_release(&other);
}

static json_t *terminations(json_t *n, size_t i)
{
    return json_object_get(anomaly(n, i), "vpnNodeTerminations");
}

static void test_terminations_of_the_symptom(void **state)
{
    const fixture *fx = *state;
    sdd_symptom sym[3] = {symptom("bmp_peer_down", 0, 1.0, SDD_PATTERN_NONE),
                          symptom("bmp_peer_down", 1, 1.0, SDD_PATTERN_NONE),
                          symptom("udp_sum", -1, 0.5, SDD_PATTERN_DROP)};
    sdd_relevant_state rs;

    open_with(fx, &rs, 0, 0, sym, 3);
    json_t *n = render(fx, &rs, 0, 0);
    json_t *pe1 = json_array_get(terminations(n, 0), 0), *pe2 = json_array_get(terminations(n, 1), 0);
    assert_int_equal(json_array_size(terminations(n, 0)), 1);
    assert_string_equal(text(pe1, "hostname"), "pe1");
    assert_string_equal(text(pe1, "routeDistinguisher"), "0:64497:1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(pe1, "peerIp"), 0)), "198.51.100.1");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(pe1, "interfaceId"), 0)), 101);
    assert_string_equal(json_string_value(json_array_get(json_object_get(pe1, "interfaceName"), 0)), "Gi0/0/0/1");
    assert_int_equal(num(pe1, "vrfId"), 7);
    assert_string_equal(text(pe1, "vrfName"), "CUST1");
    assert_int_equal(json_array_size(terminations(n, 1)), 1);
    assert_string_equal(text(pe2, "hostname"), "192.0.2.2");      /* no hostname: the router */
    assert_string_equal(text(pe2, "routeDistinguisher"), "0:64497:2");
    assert_true(json_is_null(json_object_get(pe2, "vrfId")));
    assert_int_equal(json_array_size(json_object_get(pe2, "peerIp")), 0);
    /* a symptom of the whole service: every termination, in order */
    assert_int_equal(json_array_size(terminations(n, 2)), 2);
    assert_string_equal(text(json_array_get(terminations(n, 2), 0), "hostname"), "pe1");
    assert_string_equal(text(json_array_get(terminations(n, 2), 1), "hostname"), "192.0.2.2");
    json_decref(n);
    sdd__lifecycle_release(&rs);
}

/* The change fields of the state service svc opens in slot k. */
static json_t *change_fields(const fixture *fx, int svc, int k)
{
    sdd_symptom s = symptom("bmp_peer_down", 0, 1.0, SDD_PATTERN_NONE);
    sdd_relevant_state rs;

    open_with(fx, &rs, svc, k, &s, 1);
    json_t *n = render(fx, &rs, svc, k), *svc_json = json_incref(l3vpn(n));
    json_decref(n);
    sdd__lifecycle_release(&rs);
    return svc_json;
}

static void assert_no_change(json_t *s)
{
    assert_true(json_is_null(json_object_get(s, "changeId")));
    assert_true(json_is_null(json_object_get(s, "changeStartTime")));
    assert_true(json_is_null(json_object_get(s, "changeEndTime")));
    json_decref(s);
}

static void test_change_window_overlapping(void **state)
{
    const fixture *fx = *state;
    json_t *s = change_fields(fx, 0, CHANGE_AT + 2);

    assert_string_equal(text(s, "changeId"), "CHG-7");
    assert_int_equal(num(s, "changeStartTime"), (json_int_t)(T0 + CHANGE_AT * STEP) * 1000);
    assert_int_equal(num(s, "changeEndTime"), (json_int_t)(T0 + (CHANGE_AT + 10) * STEP) * 1000);
    json_decref(s);
    s = change_fields(fx, 0, CHANGE_AT - 1);   /* the slot just before the window */
    assert_no_change(s);
    s = change_fields(fx, 0, CHANGE_AT + 10);  /* the slot just after: the change's recovery */
    assert_string_equal(text(s, "changeId"), "CHG-7");
    json_decref(s);
    s = change_fields(fx, 0, CHANGE_AT + 10 + 60);     /* pattern_length_minutes after its end */
    assert_no_change(s);
    s = change_fields(fx, 1, CHANGE_AT + 2);   /* another service */
    assert_no_change(s);
    s = change_fields(fx, 0, 105);             /* a window without an id */
    assert_true(json_is_null(json_object_get(s, "changeId")));
    assert_int_equal(num(s, "changeStartTime"), (json_int_t)(T0 + 100 * STEP) * 1000);
    json_decref(s);
}

static void test_symptom_concern_score(void **state)
{
    const fixture *fx = *state;
    const double strength[] = {0.456, 0.454, 0.125, 1.0, 0.01};
    const json_int_t want[] = {46, 45, 13, 100, 1};
    sdd_symptom sym[5];
    sdd_relevant_state rs;

    for (int i = 0; i < 5; i++)
        sym[i] = symptom("oc_interface_state", i, strength[i], SDD_PATTERN_NONE);
    sym[4].action = NULL;
    open_with(fx, &rs, 0, 0, sym, 5);
    json_t *n = render(fx, &rs, 0, 0);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(num(json_object_get(anomaly(n, i), "symptom"), "concernScore"), want[i]);
    json_t *s = json_object_get(anomaly(n, 0), "symptom");
    assert_string_equal(text(s, "action"), "Adjacency");
    assert_string_equal(text(s, "networkPlane"), "control");
    assert_string_equal(text(s, "template"), "oc_interface_state_default");
    assert_true(json_is_null(json_object_get(json_object_get(anomaly(n, 4), "symptom"), "action")));
    json_decref(n);
    sdd__lifecycle_release(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_in_schema_order),
        cmocka_unit_test(test_end_time_once_closed),
        cmocka_unit_test(test_stage_forecasted_for_trends_only),
        cmocka_unit_test(test_anomaly_ids_derived),
        cmocka_unit_test(test_terminations_of_the_symptom),
        cmocka_unit_test(test_change_window_overlapping),
        cmocka_unit_test(test_symptom_concern_score),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
