/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_sites.c: per-site (per-termination) judgement through the engine's
 * public API, on a service of three sites with no week of history (so the
 * service-level comparisons have nothing to say): a site falling to 5 % is
 * one symptom naming that site, alarmed within a slot of the fall; drops at
 * one site of three are found though the service's share is small; the same
 * fall with the site's routes changing (a traffic shift) is no alarm, nor is
 * a site whose exporter went silent; and a single-site service is judged as
 * before (no per-site symptom). A site's traffic for the validation page
 * (sdd_engine_site_traffic) is its own bytes of its recent slots, and what
 * it usually carries of the service's baseline. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "sdd/sdd.h"
#include "engine_of.h"

#define T0 1700000040           /* a slot boundary */
#define LEARN 60                /* slots of normal traffic first: sites learn their shares */
#define FALL (T0 + LEARN * 60)  /* the slot in which the event begins */

static const char *const router[3] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
static const char *const rd_of[3] = {"0:64497:1", "0:64497:2", "0:64497:3"};
/* TCP bytes a minute of each site; UDP is half as much. Site 2 is small:
 * 3 % of the service. */
static const double usual[3] = {10e6, 6e6, 0.5e6};

static const char three_sites[] =
    "{\"services\":[{\"vpn_id\":\"64497:1\",\"terminations\":["
    "{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:1\"},"
    "{\"router\":\"192.0.2.2\",\"rd\":\"0:64497:2\"},"
    "{\"router\":\"192.0.2.3\",\"rd\":\"0:64497:3\"}]}]}";

static const char one_site[] =
    "{\"services\":[{\"vpn_id\":\"64497:1\",\"terminations\":[{\"router\":\"192.0.2.1\",\"rd\":\"0:64497:1\"}]}]}";

static const char *const settings[] = {"data_delay", "0", NULL};

typedef struct sink {
    json_t *n[64];
    char *text[64];                     /* as said, for byte for byte comparisons */
    int64_t slot_end[64];
    int count;
} sink;

static void collect(void *ctx, const sdd_notification *n)
{
    sink *s = ctx;
    json_error_t err;

    assert_true(s->count < 64);
    s->slot_end[s->count] = n->slot_end;
    assert_non_null(s->text[s->count] = strdup(n->json));
    s->n[s->count] = json_loads(n->json, 0, &err);
    assert_non_null(s->n[s->count++]);
}

static void sink_free(sink *s)
{
    for (int i = 0; i < s->count; i++) {
        json_decref(s->n[i]);
        free(s->text[i]);
    }
}

static sdd_flow flow(int64_t t, int site, int proto, int fwd_status, double bytes)
{
    sdd_flow f;

    memset(&f, 0, sizeof(f));
    f.time = t;
    assert_int_equal(sdd_addr_parse(router[site], &f.router), 0);
    assert_int_equal(sdd_rd_parse(rd_of[site], &f.rd), 0);
    f.ip_proto = (uint8_t)proto;
    f.fwd_status = (uint8_t)fwd_status;
    f.bytes = (uint64_t)bytes;
    f.packets = f.bytes / 1000 + 1;
    f.flows = 10;
    return f;
}

/* A minute of one site: `level` of its usual traffic (a little wobble from
 * minute to minute), `dropped` of that dropped (unroutable, code 131). */
static void minute(sdd_engine *e, int64_t t, int site, double level, double dropped)
{
    double bytes = usual[site] * level * (1.0 + 0.04 * ((t / 60 + site) % 5 - 2));
    sdd_flow tcp = flow(t, site, 6, 64, bytes * (1 - dropped)), udp = flow(t, site, 17, 64, bytes / 2);

    sdd_engine_add_flow(e, &tcp);
    sdd_engine_add_flow(e, &udp);
    if (dropped > 0) {
        sdd_flow lost = flow(t, site, 6, 131, bytes * dropped);
        sdd_engine_add_flow(e, &lost);
    }
}

/* The site's route re-announced: a routing change. */
static void routes(sdd_engine *e, int64_t t, int site)
{
    sdd_bmp_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.time = t;
    ev.type = SDD_BMP_UPDATE;
    ev.peer_type = SDD_PEER_RD_INSTANCE;
    ev.reason = -1;
    assert_int_equal(sdd_addr_parse(router[site], &ev.router), 0);
    assert_int_equal(sdd_addr_parse("198.51.100.1", &ev.peer), 0);
    assert_int_equal(sdd_rd_parse(rd_of[site], &ev.rd), 0);
    snprintf(ev.rt[ev.n_rt++], SDD_RT_TEXT_MAX, "64497:1");
    sdd_engine_add_bmp(e, &ev);
}

typedef struct scenario {
    const char *inventory;
    int sites;
    int site;                   /* the site the event is at */
    double level, dropped;      /* its traffic during the event, and the part dropped */
    int moved_to;               /* >= 0: its traffic goes to that site, with route changes */
    int silent;                 /* its exporter sends nothing */
} scenario;

#define MINUTES (LEARN + 20)

/* Minutes [from, to) of LEARN normal minutes, 10 of the event, 10 normal
 * again. */
static void feed(sdd_engine *e, const scenario *sc, int from, int to)
{
    for (int m = from; m < to; m++) {
        int64_t t = T0 + m * 60;
        int during = m >= LEARN && m < LEARN + 10;
        if (during && m == LEARN && sc->moved_to >= 0) {
            routes(e, t, sc->site);
            routes(e, t, sc->moved_to);
        }
        for (int s = 0; s < sc->sites; s++) {
            double level = 1;
            if (during && s == sc->site) {
                if (sc->silent)
                    continue;
                level = sc->level;
            } else if (during && s == sc->moved_to)
                level = 1 + usual[sc->site] * (1 - sc->level) / usual[s];
            minute(e, t, s, level, during && s == sc->site ? sc->dropped : 0);
        }
    }
}

static void run(const scenario *sc, sink *out)
{
    sdd_engine *e = sdd_test_engine_of(settings, sc->inventory, collect, out);

    feed(e, sc, 0, MINUTES);
    sdd_engine_finish(e);
    sdd_engine_free(e);
}

/* Every anomaly of every notification is `detector`'s and names only the
 * termination of `site`. */
static void only_site(const sink *out, const char *detector, int site)
{
    for (int i = 0; i < out->count; i++) {
        json_t *anomalies = json_object_get(out->n[i], "anomaly"), *a;
        size_t k;
        assert_true(json_array_size(anomalies) >= 1);
        json_array_foreach(anomalies, k, a) {
            json_t *terms = json_object_get(a, "vpnNodeTerminations");
            assert_string_equal(json_string_value(json_object_get(json_object_get(a, "annotator"), "name")),
                                detector);
            assert_int_equal(json_array_size(terms), 1);
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(terms, 0), "routeDistinguisher")), rd_of[site]);
        }
    }
}

static void test_site_falls_to_five_percent(void **state)
{
    (void)state;
    const scenario sc = {three_sites, 3, 1, 0.05, 0, -1, 0};
    sink out = {0};

    run(&sc, &out);
    assert_true(out.count >= 1);
    /* judged as the fall's first slot closed, from its start */
    assert_true(out.slot_end[0] <= FALL + 60);
    assert_int_equal(json_integer_value(json_object_get(out.n[0], "startTime")), (json_int_t)FALL * 1000);
    only_site(&out, "site_sum", 1);
    sink_free(&out);
}

/* Site 2 carries 3 % of the service: 30 % of it dropped is 1 % of the
 * service, under drop_share_threshold (5 %), but 30 % of the site. */
static void test_drops_at_one_site_of_three(void **state)
{
    (void)state;
    const scenario sc = {three_sites, 3, 2, 1, 0.3, -1, 0};
    sink out = {0};

    run(&sc, &out);
    assert_true(out.count >= 1);
    assert_true(out.slot_end[0] <= FALL + 60);
    only_site(&out, "flow_fwd", 2);
    sink_free(&out);
}

/* No notification at all for the scenario. */
static void no_alarm(const scenario *sc)
{
    sink out = {0};

    run(sc, &out);
    assert_int_equal(out.count, 0);
    sink_free(&out);
}

/* The same fall with the site's routes changing as it begins, its traffic
 * found at another site: a traffic shift. */
static void test_traffic_shift_not_alarmed(void **state)
{
    (void)state;
    no_alarm(&(scenario){three_sites, 3, 0, 0.02, 0, 1, 0});
}

/* A site whose exporter sends nothing is no evidence of its traffic. */
static void test_silent_exporter_not_a_blackhole(void **state)
{
    (void)state;
    no_alarm(&(scenario){three_sites, 3, 1, 0, 0, -1, 1});
}

/* A service of one site has no per-site judgement: its fall, without a week
 * of history, is no alarm, as before. */
static void test_single_site_as_before(void **state)
{
    (void)state;
    no_alarm(&(scenario){one_site, 1, 0, 0.05, 0, -1, 0});
}

/* The scenario fed to an engine that syncs its state at minute `at`, then
 * to a second one going on from that state and its history in dir. */
static void run_with_restart(const scenario *sc, const char *dir, int at, sink *out)
{
    char state_path[96], hist_path[96];
    sdd_error err = {0};

    snprintf(state_path, sizeof(state_path), "%s/state", dir);
    snprintf(hist_path, sizeof(hist_path), "%s/history.db", dir);
    const char *const stored[] = {"data_delay", "0", "state_file", state_path, "history_file", hist_path, NULL};
    for (int part = 0; part < 2; part++) {
        sdd_engine *e = sdd_test_engine_of(stored, sc->inventory, collect, out);
        feed(e, sc, part ? at : 0, part ? MINUTES : at);
        if (part)
            sdd_engine_finish(e);
        if (sdd_engine_sync(e, &err) < 0)
            fail_msg("%s", err.msg);
        sdd_engine_free(e);
    }
    const char *const names[] = {"state", "state.prev", "history.db", "history.db.undo"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(state_path, sizeof(state_path), "%s/%s", dir, names[i]);
        unlink(state_path);
    }
}

/* A restart while the sites learn (minutes 10 and 29: the 30th slot is
 * learned after it), just before the fall, in it (its first slot closed, and
 * later) and after it: the notifications are those of the run without a
 * restart, byte for byte. Without the sites in the state they relearn for
 * 30 slots and miss the fall, or see it later. */
static void test_restart_keeps_sites(void **state)
{
    (void)state;
    const scenario sc = {three_sites, 3, 1, 0.05, 0, -1, 0};
    const int cuts[] = {10, 29, LEARN, LEARN + 2, LEARN + 6, LEARN + 12};
    char dir[] = "/tmp/sdd-test-sites-XXXXXX";
    sink whole = {0};

    assert_non_null(mkdtemp(dir));
    run(&sc, &whole);
    assert_true(whole.count >= 1);
    for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
        sink cut = {0};
        run_with_restart(&sc, dir, cuts[c], &cut);
        assert_int_equal(cut.count, whole.count);
        for (int i = 0; i < whole.count; i++)
            assert_string_equal(cut.text[i], whole.text[i]);
        sink_free(&cut);
    }
    sink_free(&whole);
    rmdir(dir);
}

/* Bytes of site `site` in the minute from t, TCP and UDP, as minute() sends them. */
static double site_bytes(int64_t t, int site, double level)
{
    return 1.5 * usual[site] * level * (1.0 + 0.04 * ((t / 60 + site) % 5 - 2));
}

static double service_bytes(int64_t t)
{
    return site_bytes(t, 0, 1) + site_bytes(t, 1, 1) + site_bytes(t, 2, 1);
}

/* 300 minutes of three sites, site 1 at 5 % in the last 10; the baseline is
 * an hour back. The site's own line is its bytes of its last
 * SDD_SITE_RECENT_SLOTS closed slots (within the 16-bit codes' 1 %), the
 * fall included; its dashed line is the service's hour before times the
 * site's usual share, and stays there during the fall (not learned from a
 * fallen slot). */
static void test_site_traffic(void **state)
{
    (void)state;
    static const char *const hourly[] = {"data_delay", "0", "time_delta_hours", "1", "baseline_weeks", "1", NULL};
    sdd_engine *e = sdd_test_engine_of(hourly, three_sites, NULL, NULL);
    double out[2 * 100], share = 0;
    sdd_site_name name;
    int step = 0;

    /* site 1's usual share: its mean over the five minutes the wobble repeats in */
    for (int m = 0; m < 5; m++)
        share += site_bytes(T0 + m * 60, 1, 1) / service_bytes(T0 + m * 60) / 5;

    for (int m = 0; m < 300; m++)
        for (int s = 0; s < 3; s++)
            minute(e, T0 + m * 60, s, s == 1 && m >= 290 ? 0.05 : 1, 0);
    /* minutes 200 to 299: 299 is still open */
    assert_int_equal(sdd_engine_site_traffic(e, "64497:1", 1, T0 + 200 * 60, 100, 4, out, &step, &name), 1);
    assert_int_equal(step, 60);
    assert_string_equal(name.hostname, "192.0.2.2");
    assert_string_equal(name.router, "192.0.2.2");
    assert_string_equal(name.rd, "0:64497:2");
    for (int i = 0; i < 99; i++) {
        int64_t t = T0 + (200 + i) * 60;
        double bytes = site_bytes(t, 1, i >= 90 ? 0.05 : 1);
        assert_true(fabs(out[i] - bytes) <= 0.01 * bytes);
        double expected = share * service_bytes(t - 3600);
        assert_true(fabs(out[100 + i] - expected) <= 0.03 * expected);
    }
    assert_true(isnan(out[99]));
    /* older than SDD_SITE_RECENT_SLOTS closed slots: none; the newest closed is minute 298 */
    assert_int_equal(sdd_engine_site_traffic(e, "64497:1", 0, T0, 70, 4, out, &step, &name), 1);
    for (int i = 0; i < 70; i++)
        assert_int_equal(isnan(out[i]), i <= 298 - SDD_SITE_RECENT_SLOTS);
    /* a site not judged, a service not known */
    assert_int_equal(sdd_engine_site_traffic(e, "64497:1", 3, T0, 10, 4, out, &step, &name), -1);
    assert_int_equal(sdd_engine_site_traffic(e, "64497:9", 0, T0, 10, 4, out, &step, &name), -1);
    sdd_engine_free(e);

    /* a single-site service has no sites */
    e = sdd_test_engine_of(hourly, one_site, NULL, NULL);
    for (int m = 0; m < 10; m++)
        minute(e, T0 + m * 60, 0, 1, 0);
    assert_int_equal(sdd_engine_site_traffic(e, "64497:1", 0, T0, 10, 4, out, &step, &name), -1);
    sdd_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_falls_to_five_percent),
        cmocka_unit_test(test_drops_at_one_site_of_three),
        cmocka_unit_test(test_traffic_shift_not_alarmed),
        cmocka_unit_test(test_silent_exporter_not_a_blackhole),
        cmocka_unit_test(test_single_site_as_before),
        cmocka_unit_test(test_restart_keeps_sites),
        cmocka_unit_test(test_site_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
