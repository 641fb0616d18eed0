/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_scenario.c: the scenario generator. Same arguments give the same
 * bytes and another seed other bytes; every kind asked for is injected and
 * only those; the data agrees with the truth (a site's flows vanish while its
 * CE session is down, the peer_down is there at that time, SYN flows surge
 * on recovery, drops carry their forwarding status, flaps show in telemetry,
 * saturation approaches but never passes the interface capacity, change
 * windows are in the inventory); nights carry less than business hours; and
 * every line is JSON in time order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lab/scenario.h"

#define START SDD_GEN_DEFAULT_START     /* a Monday */

/* ---- helpers -------------------------------------------------------------- */

static void make_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/sdd-scenario-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    assert_non_null(d);
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

/* Two scratch directories for each test, removed even when it fails. */
typedef struct dirs {
    char a[64], b[64];
} dirs;

static int make_dirs(void **state)
{
    dirs *d = calloc(1, sizeof(*d));

    assert_non_null(d);
    make_dir(d->a, sizeof(d->a));
    make_dir(d->b, sizeof(d->b));
    *state = d;
    return 0;
}

static int remove_dirs(void **state)
{
    dirs *d = *state;

    remove_dir(d->a);
    remove_dir(d->b);
    free(d);
    return 0;
}

static void generate(const char *dir, uint64_t seed, uint32_t services, uint32_t days, uint32_t kinds,
                     int gzip)
{
    sdd_gen_config cfg = {.seed = seed, .services = services, .days = days, .start = START,
                          .kinds = kinds, .gzip = gzip, .out_dir = dir};
    sdd_error err = {0};

    assert_int_equal(sdd_gen_run(&cfg, NULL, &err), 0);
}

/* A whole file (gzip or plain), NUL-terminated; *len its size. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512], *buf = NULL;
    size_t cap = 0;
    gzFile gz;
    int n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    gz = gzopen(path, "rb");
    assert_non_null(gz);
    *len = 0;
    do {
        if (cap - *len < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        n = gzread(gz, buf + *len, 65536);
        assert_true(n >= 0);
        *len += (size_t)n;
    } while (n > 0);
    gzclose(gz);
    buf[*len] = '\0';
    return buf;
}

static int same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *x = slurp(a, name, &la), *y = slurp(b, name, &lb);
    int same = la == lb && memcmp(x, y, la) == 0;

    free(x);
    free(y);
    return same;
}

/* Calls fn on every line of a file as JSON; every line must parse. */
static void each_line(const char *dir, const char *name, void (*fn)(json_t *, void *), void *ctx)
{
    size_t len;
    char *buf = slurp(dir, name, &len), *line = buf, *nl;

    while ((nl = strchr(line, '\n'))) {
        json_error_t jerr;
        json_t *j;

        *nl = '\0';
        j = json_loads(line, 0, &jerr);
        if (!j)
            fail_msg("%s: not JSON: %s (%s)", name, line, jerr.text);
        fn(j, ctx);
        json_decref(j);
        line = nl + 1;
    }
    assert_int_equal(*line, '\0');     /* the last line ends with a newline too */
    free(buf);
}

/* "2026-01-05 10:01:07.123456" (or without the fraction) in seconds. */
static double parse_time(const char *text)
{
    struct tm tm = {0};
    double frac = 0;
    const char *dot;

    assert_non_null(strptime(text, "%Y-%m-%d %H:%M:%S", &tm));
    dot = strchr(text, '.');
    if (dot)
        frac = atof(dot);
    return (double)timegm(&tm) + frac;
}

static const char *str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));

    assert_non_null(v);
    return v;
}

static json_int_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

#define MAX_EVENTS 4096

typedef struct truth {
    json_t *header;
    json_t *ev[MAX_EVENTS];
    int n;
} truth;

static void keep_truth(json_t *j, void *ctx)
{
    truth *t = ctx;

    if (!t->header) {
        t->header = json_incref(j);
        return;
    }
    assert_true(t->n < MAX_EVENTS);
    t->ev[t->n++] = json_incref(j);
}

static void read_truth(const char *dir, truth *t)
{
    memset(t, 0, sizeof(*t));
    each_line(dir, "truth.json", keep_truth, t);
    assert_non_null(t->header);
}

static void free_truth(truth *t)
{
    json_decref(t->header);
    for (int i = 0; i < t->n; i++)
        json_decref(t->ev[i]);
}

static int count_kind(const truth *t, const char *kind)
{
    int n = 0;

    for (int i = 0; i < t->n; i++)
        n += strcmp(str(t->ev[i], "kind"), kind) == 0;
    return n;
}

/* Generates a plain-text scenario of the kinds given and reads its truth,
 * which must hold at least one event. */
static void generate_truth(const char *dir, uint64_t seed, uint32_t services, uint32_t days, uint32_t kinds,
                           truth *t)
{
    generate(dir, seed, services, days, kinds, 0);
    read_truth(dir, t);
    assert_true(t->n >= 1);
}

/* ---- determinism ---------------------------------------------------------------- */

static const char *const files_gz[] = {"flows.json.gz", "bmp.json.gz", "telemetry.json.gz",
                                       "inventory.json", "truth.json"};

static void test_same_seed_same_bytes(void **state)
{
    const char *a = ((dirs *)*state)->a, *b = ((dirs *)*state)->b;

    generate(a, 3, 5, 1, SDD_GEN_ALL_KINDS, 1);
    generate(b, 3, 5, 1, SDD_GEN_ALL_KINDS, 1);
    for (size_t i = 0; i < sizeof(files_gz) / sizeof(*files_gz); i++)
        if (!same_file(a, b, files_gz[i]))
            fail_msg("%s differs between two runs with the same seed", files_gz[i]);
}

static void test_other_seed_other_bytes(void **state)
{
    const char *a = ((dirs *)*state)->a, *b = ((dirs *)*state)->b;

    generate(a, 3, 5, 1, SDD_GEN_ALL_KINDS, 0);
    generate(b, 4, 5, 1, SDD_GEN_ALL_KINDS, 0);
    assert_false(same_file(a, b, "flows.json"));
    assert_false(same_file(a, b, "bmp.json"));
    assert_false(same_file(a, b, "truth.json"));
}

/* ---- kinds ------------------------------------------------------------------- */

static void test_every_kind_present(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 11, 6, 1, SDD_GEN_ALL_KINDS, 0);
    read_truth(dir, &t);
    for (int k = 0; k < SDD_GEN_KIND_COUNT; k++)
        if (count_kind(&t, sdd_gen_kind_name(k)) == 0)
            fail_msg("no %s event", sdd_gen_kind_name(k));
    for (int i = 0; i < t.n; i++) {
        int k = sdd_gen_kind_parse(str(t.ev[i], "kind"));
        int wants = k != SDD_GEN_CORE_FAILURE && k != SDD_GEN_MAINTENANCE && k != SDD_GEN_TRAFFIC_SHIFT &&
                    k < SDD_GEN_EXPORTER_SILENT;

        assert_true(k >= 0);
        assert_int_equal(json_is_true(json_object_get(t.ev[i], "alarm")), wants);
        assert_true(num(t.ev[i], "start") <= num(t.ev[i], "end"));
        assert_true(num(t.ev[i], "start") >= START && num(t.ev[i], "end") <= START + 86400);
    }
    free_truth(&t);
}

static void test_only_kinds_asked(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 11, 6, 1, 1u << SDD_GEN_FWD_DROPS | 1u << SDD_GEN_MAINTENANCE, 0);
    read_truth(dir, &t);
    assert_true(count_kind(&t, "fwd_drops") >= 1);
    assert_true(count_kind(&t, "maintenance") >= 1);
    assert_int_equal(count_kind(&t, "fwd_drops") + count_kind(&t, "maintenance"), t.n);
    free_truth(&t);
    generate(dir, 11, 6, 1, 0, 0);
    read_truth(dir, &t);
    assert_int_equal(t.n, 0);
    free_truth(&t);
}

/* Two events of a service never overlap, so an alarm belongs to one. */
static void test_events_of_a_service_apart(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 5, 4, 2, SDD_GEN_ALL_KINDS, 0);
    read_truth(dir, &t);
    for (int i = 0; i < t.n; i++)
        for (int j = 0; j < t.n; j++)
            if (i != j && strcmp(str(t.ev[i], "service"), str(t.ev[j], "service")) == 0)
                assert_true(num(t.ev[i], "end") < num(t.ev[j], "start") ||
                            num(t.ev[j], "end") < num(t.ev[i], "start"));
    free_truth(&t);
}

/* ---- the data agrees with the truth ---------------------------------------- */

#define MINUTES (2 * 1440)

/* Per minute of the run, for one route distinguisher. */
typedef struct site {
    const char *rd;
    double forwarded[MINUTES];  /* bytes with fwd_status 64 */
    double dropped[MINUTES];    /* bytes with any other status */
    double syn[MINUTES];        /* flows of the SYN-only class */
    int drop_code[MINUTES];     /* a dropped status seen in the minute */
    double last;                /* time order of the file */
} site;

static void collect_site(json_t *j, void *ctx)
{
    site *s = ctx;
    double t = parse_time(str(j, "stamp_inserted"));
    int minute = (int)((t - START) / 60);
    int fwd = atoi(str(json_object_get(j, "custom_primitives"), "fwd_status"));

    assert_true(t >= s->last);
    s->last = t;
    assert_true(minute >= 0 && minute < MINUTES);
    assert_true(num(j, "flows") >= 1 && num(j, "flows") <= num(j, "packets"));
    if (strcmp(str(j, "mpls_vpn_rd"), s->rd) != 0)
        return;
    if (fwd == 64) {
        s->forwarded[minute] += (double)num(j, "bytes");
        if (strcmp(str(j, "tcp_flags"), "2") == 0)
            s->syn[minute] += (double)num(j, "flows");
    } else {
        s->dropped[minute] += (double)num(j, "bytes");
        s->drop_code[minute] = fwd;
    }
}

static site *read_site(const char *dir, const char *rd)
{
    site *s = calloc(1, sizeof(*s));

    assert_non_null(s);
    s->rd = rd;
    each_line(dir, "flows.json", collect_site, s);
    return s;
}

static int minute_of(json_int_t t)
{
    return (int)((t - START) / 60);
}

typedef struct bmp_find {
    const char *rd, *type;
    double at[64];
    int reason[64];
    int n;
    double last;
} bmp_find;

static void collect_bmp(json_t *j, void *ctx)
{
    bmp_find *f = ctx;
    double t = parse_time(str(j, "timestamp"));

    assert_true(t >= f->last);
    f->last = t;
    assert_string_equal(str(j, "event_type"), "log");
    if (strcmp(str(j, "bmp_msg_type"), f->type) != 0 || strcmp(str(j, "rd"), f->rd) != 0)
        return;
    assert_true(f->n < 64);
    f->at[f->n] = t;
    f->reason[f->n++] = json_is_integer(json_object_get(j, "reason_type"))
                        ? (int)num(j, "reason_type") : -1;
}

static void check_outage(const char *dir, json_t *e, int want_reason)
{
    json_int_t down = num(e, "down"), up = num(e, "up");
    site *s = read_site(dir, str(e, "rd"));
    bmp_find f = {.rd = str(e, "rd"), .type = "peer_down"};
    double before, after;
    int found = 0, spike;

    for (int m = minute_of(down) + 1; m < minute_of(up); m++)
        assert_true(s->forwarded[m] == 0 && s->syn[m] == 0);
    assert_true(s->forwarded[minute_of(down) - 1] > 0);
    each_line(dir, "bmp.json", collect_bmp, &f);
    for (int i = 0; i < f.n; i++)
        if (f.at[i] >= (double)down && f.at[i] < (double)down + 1.0) {
            found = 1;
            if (want_reason)
                assert_int_equal(f.reason[i], want_reason);
            else
                assert_true(f.reason[i] >= 1 && f.reason[i] <= 5);
        }
    assert_true(found);
    /* the reconnection surge: SYN flows of the two minutes from recovery
     * against two minutes before the outage (when there were enough) */
    spike = minute_of(up);
    before = s->syn[minute_of(down) - 2] + s->syn[minute_of(down) - 1];
    after = s->syn[spike] + s->syn[spike + 1];
    if (before >= 20)
        assert_true(after > 2 * before);
    free(s);
}

static void test_link_down_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 21, 6, 2, 1u << SDD_GEN_PE_CE_LINK_DOWN | 1u << SDD_GEN_MAINTENANCE, 0);
    read_truth(dir, &t);
    assert_true(t.n >= 2);
    for (int i = 0; i < t.n; i++)
        check_outage(dir, t.ev[i], strcmp(str(t.ev[i], "kind"), "maintenance") == 0 ? 2 : 0);
    free_truth(&t);
}

static void test_drops_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 8, 5, 2, 1u << SDD_GEN_FWD_DROPS, 0);
    read_truth(dir, &t);
    assert_true(t.n >= 1);
    for (int i = 0; i < t.n; i++) {
        site *s = read_site(dir, str(t.ev[i], "rd"));
        int m = minute_of(num(t.ev[i], "start")) + 1;

        assert_true(s->dropped[m] > 0.1 * (s->dropped[m] + s->forwarded[m]));
        assert_int_equal(s->drop_code[m], num(t.ev[i], "fwd_status"));
        free(s);
    }
    free_truth(&t);
}

typedef struct iface_find {
    const char *router, *name;
    double from, to;
    int downs, ups;
} iface_find;

/* Both encodings: openconfig "DOWN" under state, ietf "down" directly. */
static void collect_iface(json_t *j, void *ctx)
{
    iface_find *f = ctx;
    json_t *data = json_object_get(j, "telemetry_data"), *list, *it;
    double t = parse_time(str(j, "timestamp"));
    const char *status;

    list = json_object_get(json_object_get(data, "openconfig-interfaces:interfaces"), "interface");
    if (!list)
        list = json_object_get(json_object_get(data, "ietf-interfaces:interfaces"), "interface");
    it = json_array_get(list, 0);
    assert_non_null(it);
    status = json_string_value(json_object_get(it, "oper-status"));
    if (!status)
        status = str(json_object_get(it, "state"), "oper-status");
    if (strcmp(str(j, "telemetry_node"), f->router) || strcmp(str(it, "name"), f->name) ||
        t < f->from || t > f->to)
        return;
    f->downs += strcasecmp(status, "down") == 0;
    f->ups += strcasecmp(status, "up") == 0;
}

static void test_flaps_in_telemetry(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 9, 5, 1, 1u << SDD_GEN_INTERFACE_FLAP, 0);
    read_truth(dir, &t);
    assert_true(t.n >= 1);
    for (int i = 0; i < t.n; i++) {
        iface_find f = {.router = str(t.ev[i], "router"), .name = str(t.ev[i], "interface"),
                        .from = (double)num(t.ev[i], "start"),
                        .to = (double)num(t.ev[i], "end") + 1};

        each_line(dir, "telemetry.json", collect_iface, &f);
        assert_int_equal(f.downs, num(t.ev[i], "flaps"));
        assert_int_equal(f.ups, num(t.ev[i], "flaps"));
    }
    free_truth(&t);
}

static void test_saturation_near_capacity(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate(dir, 12, 5, 1, 1u << SDD_GEN_LINK_SATURATION, 0);
    read_truth(dir, &t);
    assert_true(t.n >= 1);
    for (int i = 0; i < t.n; i++) {
        site *s = read_site(dir, str(t.ev[i], "rd"));
        double cap = (double)num(t.ev[i], "capacity_bps");
        int high = 0;

        for (int m = minute_of(num(t.ev[i], "start")); m <= minute_of(num(t.ev[i], "end")); m++) {
            double bps = (s->forwarded[m] + s->dropped[m]) * 8 / 60;

            assert_true(bps <= cap);
            high += bps >= 0.85 * cap;
        }
        assert_true(high >= 20);
        free(s);
    }
    free_truth(&t);
}

/* A site blackholed keeps a few percent of its traffic, and no BGP session
 * of it goes down. */
static void test_blackhole_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate_truth(dir, 15, 6, 1, 1u << SDD_GEN_SITE_BLACKHOLE, &t);
    for (int i = 0; i < t.n; i++) {
        site *s = read_site(dir, str(t.ev[i], "rd"));
        bmp_find f = {.rd = str(t.ev[i], "rd"), .type = "peer_down"};
        int first = minute_of(num(t.ev[i], "start")), last = minute_of(num(t.ev[i], "end"));
        double before = 0, during = 0;

        for (int m = first - 10; m < first; m++)
            before += s->forwarded[m] / 10;
        for (int m = first + 1; m < last; m++)
            during += s->forwarded[m] / (last - first - 1);
        assert_true(during > 0 && during < 0.15 * before);
        each_line(dir, "bmp.json", collect_bmp, &f);
        assert_int_equal(f.n, 0);
        free(s);
    }
    free_truth(&t);
}

/* Route announcements of one site in [from, to). */
typedef struct routes_between {
    const char *rd;
    double from, to;
    int n;
} routes_between;

static void count_routes_between(json_t *j, void *ctx)
{
    routes_between *r = ctx;
    double t = parse_time(str(j, "timestamp"));

    r->n += strcmp(str(j, "bmp_msg_type"), "route_monitor") == 0 && strcmp(str(j, "rd"), r->rd) == 0 &&
            strcmp(str(j, "log_type"), "update") == 0 && t >= r->from && t < r->to;
}

/* A maximum-prefix teardown: routes announced, then BMP reason 1, the site's
 * traffic gone until the session is back. */
static void test_max_prefix_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate_truth(dir, 16, 6, 1, 1u << SDD_GEN_MAX_PREFIX, &t);
    for (int i = 0; i < t.n; i++) {
        routes_between r = {str(t.ev[i], "rd"), (double)num(t.ev[i], "start"), (double)num(t.ev[i], "down"), 0};

        assert_int_equal(num(t.ev[i], "peer_down_reason"), 1);
        check_outage(dir, t.ev[i], 1);
        /* the routes past the limit, in the second before the teardown */
        each_line(dir, "bmp.json", count_routes_between, &r);
        assert_true(r.n >= 1);
    }
    free_truth(&t);
}

/* What the BMP lines of one router say; times are arrivals. */
typedef struct router_bmp {
    const char *router, *peer;  /* peer: the route reflector, or NULL */
    char rt[32];                /* "RT:64497:n" of the event's service */
    double from, to;            /* the event's span */
    int rr_down, rr_up;         /* the reflector's session, seen in the span */
    int rr_withdraws;           /* VPNv4 withdrawals from it carrying rt, anywhere */
    int rr_routes_before;       /* its VPNv4 routes carrying rt before the span */
    int zero, zero_outside;     /* per-peer time 0 inside and outside the span */
    int dumped, peer_ups;       /* routes older than their arrival by an hour or more */
} router_bmp;

static int has_string(json_t *array, const char *want)
{
    size_t i;
    json_t *v;

    json_array_foreach(array, i, v)
        if (strcmp(json_string_value(v), want) == 0)
            return 1;
    return 0;
}

static void collect_router_bmp(json_t *j, void *ctx)
{
    router_bmp *r = ctx;
    double at = parse_time(str(j, "timestamp_arrival"));
    const char *type = str(j, "bmp_msg_type"), *stamp = str(j, "timestamp");
    int inside = at >= r->from && at <= r->to, rr = r->peer && strcmp(str(j, "peer_ip"), r->peer) == 0;

    if (strcmp(str(j, "bmp_router"), r->router) != 0)
        return;
    if (strcmp(stamp, "0.000000") == 0) {
        r->zero += inside;
        r->zero_outside += !inside;
    } else if (strcmp(type, "route_monitor") == 0 && inside && at - parse_time(stamp) >= 3600) {
        r->dumped++;
    }
    if (rr && strcmp(type, "route_monitor") == 0 && num(j, "safi") == 128 &&
        has_string(json_object_get(j, "ecomms"), r->rt)) {
        /* VPNv4: the route's own RD */
        assert_string_equal(str(j, "rd_origin"), "bgp");
        r->rr_withdraws += strcmp(str(j, "log_type"), "withdraw") == 0;
        r->rr_routes_before += at < r->from;
    }
    if (!inside)
        return;
    r->peer_ups += strcmp(type, "peer_up") == 0;
    if (!rr)
        return;
    if (strcmp(type, "peer_down") == 0) {
        assert_int_equal(num(j, "peer_type"), 0);
        assert_null(json_object_get(j, "rd"));
        r->rr_down++;
    }
    r->rr_up += strcmp(type, "peer_up") == 0;
}

static void read_router_bmp(const char *dir, json_t *e, router_bmp *r, const char *peer)
{
    memset(r, 0, sizeof(*r));
    r->router = str(e, "router");
    r->peer = peer;
    snprintf(r->rt, sizeof(r->rt), "RT:%s", str(e, "service"));
    r->from = (double)num(e, "start");
    r->to = (double)num(e, "end") + 1;
    each_line(dir, "bmp.json", collect_router_bmp, r);
}

/* The route reflector of the service (a global-instance peer: no RD) gave
 * the PE the service's VPNv4 routes from the start; it goes down, with no
 * withdrawal (as real BMP: the routes go with the session), and comes back. */
static void test_rr_down_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate_truth(dir, 17, 6, 1, 1u << SDD_GEN_RR_PEER_DOWN, &t);
    for (int i = 0; i < t.n; i++) {
        router_bmp r;

        read_router_bmp(dir, t.ev[i], &r, str(t.ev[i], "peer"));
        assert_int_equal(r.rr_down, 1);
        assert_int_equal(r.rr_up, 1);
        assert_true(r.rr_routes_before >= 1);
        assert_int_equal(r.rr_withdraws, 0);
    }
    free_truth(&t);
}

/* Per router, the minutes of its flow lines in file order. */
typedef struct router_flows {
    const char *router;
    double from, to;            /* the event's span */
    double newest;              /* the newest minute of any router so far */
    int in_span, late;          /* its lines of the span; those after lines late_s newer */
    double late_s;
} router_flows;

static void collect_router_flows(json_t *j, void *ctx)
{
    router_flows *r = ctx;
    double t = parse_time(str(j, "stamp_inserted"));

    if (strcmp(str(j, "peer_ip_src"), r->router) == 0 && t >= r->from && t < r->to) {
        r->in_span++;
        r->late += r->newest >= t + r->late_s - 60;
    }
    if (t > r->newest)
        r->newest = t;
}

static void read_router_flows(const char *dir, json_t *e, router_flows *r, double late_s)
{
    memset(r, 0, sizeof(*r));
    r->router = str(e, "router");
    r->from = (double)num(e, "start");
    r->to = (double)num(e, "end");
    r->late_s = late_s;
    each_line(dir, "flows.json", collect_router_flows, r);
}

/* Collection troubles of one router: its flow export silent (no line of the
 * span), its flow records late (each line of the span after lines minutes
 * newer), its BMP per-peer times 0 (all of the span's lines and no other),
 * its BMP session started again (its peers up, routes hours old). */
static void test_collection_troubles_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    int seen[SDD_GEN_KIND_COUNT] = {0};
    truth t;

    generate(dir, 18, 6, 1,
             1u << SDD_GEN_EXPORTER_SILENT | 1u << SDD_GEN_LATE_DATA | 1u << SDD_GEN_ZERO_BMP_TIMESTAMPS |
                 1u << SDD_GEN_INITIAL_RIB_DUMP,
             0);
    read_truth(dir, &t);
    for (int i = 0; i < t.n; i++) {
        int k = sdd_gen_kind_parse(str(t.ev[i], "kind"));
        router_flows f;
        router_bmp b;

        assert_false(json_is_true(json_object_get(t.ev[i], "alarm")));
        seen[k]++;
        if (k == SDD_GEN_EXPORTER_SILENT) {
            read_router_flows(dir, t.ev[i], &f, 0);
            assert_int_equal(f.in_span, 0);
        } else if (k == SDD_GEN_LATE_DATA) {
            read_router_flows(dir, t.ev[i], &f, (double)num(t.ev[i], "late_seconds"));
            assert_true(num(t.ev[i], "late_seconds") >= 180);
            assert_true(f.in_span > 0);
            assert_int_equal(f.late, f.in_span);
        } else if (k == SDD_GEN_ZERO_BMP_TIMESTAMPS) {
            read_router_bmp(dir, t.ev[i], &b, NULL);
            assert_true(b.zero > 0);
            assert_int_equal(b.zero_outside, 0);
        } else {
            read_router_bmp(dir, t.ev[i], &b, NULL);
            assert_true(b.dumped > 0);
            assert_true(b.peer_ups > 0);
        }
    }
    for (int k = SDD_GEN_EXPORTER_SILENT; k <= SDD_GEN_INITIAL_RIB_DUMP; k++)
        if (!seen[k])
            fail_msg("no %s event", sdd_gen_kind_name(k));
    free_truth(&t);
}

/* Bytes of one site in two spans of seconds. */
typedef struct two_spans {
    const char *rd;
    double from[2], to[2], bytes[2];
} two_spans;

static void collect_two_spans(json_t *j, void *ctx)
{
    two_spans *w = ctx;
    double t = parse_time(str(j, "stamp_inserted"));

    if (strcmp(str(j, "mpls_vpn_rd"), w->rd) != 0)
        return;
    for (int i = 0; i < 2; i++)
        if (t >= w->from[i] && t < w->to[i])
            w->bytes[i] += (double)num(j, "bytes");
}

/* A past holiday: the same hours one week before the event carried much
 * less than the event's hours do. Eight days, so the week is there. */
static void test_past_holiday_in_the_data(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    truth t;

    generate_truth(dir, 19, 2, 8, 1u << SDD_GEN_PAST_HOLIDAY, &t);
    for (int i = 0; i < t.n; i++) {
        json_int_t start = num(t.ev[i], "start"), end = num(t.ev[i], "end");
        two_spans w = {.rd = str(t.ev[i], "rd"),
                       .from = {(double)start, (double)(start - 7 * 86400)},
                       .to = {(double)end, (double)(end - 7 * 86400)}};

        assert_int_equal(num(t.ev[i], "holiday_start"), start - 7 * 86400);
        assert_int_equal(num(t.ev[i], "holiday_end"), end - 7 * 86400);
        each_line(dir, "flows.json", collect_two_spans, &w);
        assert_true(w.bytes[1] > 0 && w.bytes[1] < 0.5 * w.bytes[0]);
    }
    free_truth(&t);
}

/* ---- inventory ----------------------------------------------------------- */

static void test_inventory_has_changes(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    char path[128];
    json_t *inv, *svc;
    truth t;
    size_t i;
    int found = 0;

    generate(dir, 13, 5, 1, 1u << SDD_GEN_MAINTENANCE, 0);
    read_truth(dir, &t);
    assert_true(t.n >= 1);
    snprintf(path, sizeof(path), "%s/inventory.json", dir);
    inv = json_load_file(path, 0, NULL);
    assert_non_null(inv);
    assert_int_equal(json_array_size(json_object_get(inv, "services")), 5);
    json_array_foreach(json_object_get(inv, "services"), i, svc) {
        json_t *c = json_array_get(json_object_get(svc, "changes"), 0);
        json_t *term = json_array_get(json_object_get(svc, "terminations"), 0);

        assert_non_null(json_object_get(json_array_get(json_object_get(term, "interfaces"), 0),
                                        "capacity_bps"));
        if (!c)
            continue;
        for (int k = 0; k < t.n; k++)
            if (strcmp(str(t.ev[k], "change"), str(c, "id")) == 0) {
                assert_string_equal(str(t.ev[k], "service"), str(svc, "vpn_id"));
                assert_int_equal(num(t.ev[k], "start"), num(c, "start"));
                assert_int_equal(num(t.ev[k], "end"), num(c, "end"));
                found++;
            }
    }
    assert_int_equal(found, t.n);
    json_decref(inv);
    free_truth(&t);
}

/* ---- seasonality --------------------------------------------------------- */

typedef struct hours {
    double bytes[24];
} hours;

static void collect_hours(json_t *j, void *ctx)
{
    hours *h = ctx;
    double t = parse_time(str(j, "stamp_inserted"));

    h->bytes[(int)((t - START) / 3600) % 24] += (double)num(j, "bytes");
}

static void test_nights_are_quiet(void **state)
{
    const char *dir = ((dirs *)*state)->a;
    hours h = {{0}};

    generate(dir, 14, 8, 1, 0, 0);     /* a Monday, no events */
    each_line(dir, "flows.json", collect_hours, &h);
    assert_true(h.bytes[2] + h.bytes[3] < 0.7 * (h.bytes[10] + h.bytes[11]));
    assert_true(h.bytes[2] + h.bytes[3] > 0);
}

/* ---- the API ---------------------------------------------------------------- */

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < SDD_GEN_KIND_COUNT; k++)
        assert_int_equal(sdd_gen_kind_parse(sdd_gen_kind_name(k)), k);
    assert_int_equal(sdd_gen_kind_parse("meteor_strike"), -1);
    assert_null(sdd_gen_kind_name(SDD_GEN_KIND_COUNT));
}

static void test_bad_config(void **state)
{
    sdd_gen_config cfg = {.seed = 1, .services = 0, .days = 1, .out_dir = "/tmp"};
    sdd_error err = {0};

    (void)state;
    assert_int_equal(sdd_gen_run(&cfg, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "services"));
    cfg.services = 1;
    cfg.out_dir = "/nonexistent/dir/below";
    assert_int_equal(sdd_gen_run(&cfg, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_seed_same_bytes, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_other_seed_other_bytes, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_every_kind_present, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_only_kinds_asked, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_events_of_a_service_apart, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_link_down_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_drops_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_flaps_in_telemetry, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_saturation_near_capacity, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_blackhole_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_max_prefix_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_rr_down_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_collection_troubles_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_past_holiday_in_the_data, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_inventory_has_changes, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_nights_are_quiet, make_dirs, remove_dirs),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_bad_config),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
