/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_change_window.c: a disruption during a planned change, through the
 * engine. By default its relevant state opens and carries the change
 * (changeId, changeStartTime, changeEndTime), inside the window and in its
 * recovery (pattern_length_minutes after its end): the operator sees a
 * change that went wrong. A profile with change_window_suppress opens
 * nothing there, and counts it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sdd/sdd.h"
#include "../engine/counter.h"
#include "../engine/engine_of.h"

#define T0 1700000040           /* a slot boundary */
#define CHANGE_START (T0 + 600)
#define CHANGE_END (T0 + 1800)

typedef struct seen {
    json_t *first;
    int n;
} seen;

static void keep(void *ctx, const sdd_notification *n)
{
    seen *s = ctx;

    if (!s->n++)
        s->first = json_loads(n->json, 0, NULL);
}

/* An engine with one service and its change window, the profile's
 * change_window_suppress as given, that reads a peer down at time t:
 * what it published, and what it suppressed. */
static uint64_t peer_down_at(int64_t t, const char *suppress, seen *out)
{
    static const char inv_fmt[] =
        "{\"services\":[{\"vpn_id\":\"64499:14\",\"terminations\":[{\"router\":\"192.0.2.1\","
        "\"rd\":\"0:64499:14\",\"ce_peers\":[\"198.51.100.6\"]}],"
        "\"changes\":[{\"id\":\"CHG-1\",\"start\":%d,\"end\":%d}]}]}";
    const char *const settings[] = {"change_window_suppress", suppress, NULL};
    char inv[512], line[512];
    uint64_t suppressed;
    sdd_engine *e;
    int len;

    snprintf(inv, sizeof(inv), inv_fmt, CHANGE_START, CHANGE_END);
    e = sdd_test_engine_of(settings, inv, keep, out);
    len = snprintf(line, sizeof(line),
                   "{\"event_type\": \"log\", \"timestamp\": \"%lld.000000\", \"bmp_router\": \"192.0.2.1\", "
                   "\"bmp_msg_type\": \"peer_down\", \"peer_ip\": \"198.51.100.6\", \"peer_type\": 1, "
                   "\"rd\": \"0:64499:14\", \"reason_type\": 3}",
                   (long long)t);
    assert_int_equal(sdd_engine_add_json(e, SDD_INPUT_BMP, line, (size_t)len), 0);
    suppressed = counter(e, "suppressed_in_change_window");
    sdd_engine_free(e);
    return suppressed;
}

static json_t *service_of(const seen *s)
{
    assert_non_null(s->first);
    return json_array_get(json_object_get(json_object_get(s->first, "service"), "l3VpnService"), 0);
}

static void test_annotated_by_default(void **state)
{
    seen in = {0}, recovery = {0}, after = {0};

    (void)state;
    assert_int_equal(peer_down_at(CHANGE_START + 65, "0", &in), 0);
    assert_int_equal(in.n, 1);
    assert_string_equal(json_string_value(json_object_get(service_of(&in), "changeId")), "CHG-1");
    assert_int_equal(json_integer_value(json_object_get(service_of(&in), "changeStartTime")),
                     (json_int_t)CHANGE_START * 1000);
    assert_int_equal(json_integer_value(json_object_get(service_of(&in), "changeEndTime")),
                     (json_int_t)CHANGE_END * 1000);
    /* 5 minutes after the window: still the change's recovery */
    assert_int_equal(peer_down_at(CHANGE_END + 300, "0", &recovery), 0);
    assert_string_equal(json_string_value(json_object_get(service_of(&recovery), "changeId")), "CHG-1");
    /* pattern_length_minutes (60) after it: the change is not named */
    assert_int_equal(peer_down_at(CHANGE_END + 3600, "0", &after), 0);
    assert_true(json_is_null(json_object_get(service_of(&after), "changeId")));
    json_decref(in.first);
    json_decref(recovery.first);
    json_decref(after.first);
}

static void test_suppressed_by_profile(void **state)
{
    seen in = {0}, recovery = {0}, after = {0};

    (void)state;
    assert_int_equal(peer_down_at(CHANGE_START + 65, "1", &in), 1);
    assert_int_equal(in.n, 0);
    assert_int_equal(peer_down_at(CHANGE_END + 300, "1", &recovery), 1);
    assert_int_equal(recovery.n, 0);
    assert_int_equal(peer_down_at(CHANGE_END + 3600, "1", &after), 0);
    assert_int_equal(after.n, 1);
    json_decref(after.first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annotated_by_default),
        cmocka_unit_test(test_suppressed_by_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
