/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_inventory.c: services and terminations. Loading tests/data/inventory.json
 * and inline inventories; how flows (RD, router + VRF id or name), BMP events
 * (route targets, RDs, CE and RD-instance peers) and interface events find
 * their service, or the reason they do not; what a record teaches
 * (learn_unknown_rd on and off); sdd__inventory_write's text read back by
 * sdd__inventory_from_json, and that text jansson's own compact form; and inventories refused with the file named.
 * Two tests pin behaviour reported as bugs (marked BUG). */
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

#include "engine/inventory.h"

#define PE1 "192.0.2.1"
#define PE2 "192.0.2.2"
#define CE "198.51.100.1"
#define RD1 "0:64497:1"

/* Two services; the second's termination has no RD. */
static const char two_services[] =
    "{\"services\":["
    "{\"vpn_id\":\"64497:1\",\"name\":\"customer-1\",\"profile\":\"gold\",\"terminations\":["
    "{\"router\":\"" PE1 "\",\"hostname\":\"pe1\",\"vrf_name\":\"CUST1\",\"vrf_id\":7,\"rd\":\"" RD1 "\","
    "\"interfaces\":[{\"id\":101,\"name\":\"Gi0/0/0/1\",\"capacity_bps\":1e9}],\"ce_peers\":[\"" CE "\"]}],"
    "\"changes\":[{\"id\":\"CHG-1\",\"start\":1700000000,\"end\":1700003600}]},"
    "{\"vpn_id\":\"64497:2\",\"name\":\"customer-2\",\"terminations\":["
    "{\"router\":\"" PE2 "\",\"vrf_name\":\"CUST2\",\"vrf_id\":9,"
    "\"interfaces\":[{\"id\":7,\"name\":\"Te0/1/0/3\"}]}]}]}";

static sdd_addr addr(const char *text)
{
    sdd_addr a;
    assert_int_equal(sdd_addr_parse(text, &a), 0);
    return a;
}

static sdd_rd rd(const char *text)
{
    sdd_rd r;
    assert_int_equal(sdd_rd_parse(text, &r), 0);
    return r;
}

/* `text` written to a temporary file, its path in path[]. */
static void write_temp(const char *text, char path[32])
{
    strcpy(path, "/tmp/sdd-test-inv-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

/* A new inventory loaded from `text` through a file. */
static sdd_inventory *load_text(const char *text, int learn_unknown_rd)
{
    sdd_inventory *inv = sdd__inventory_new(learn_unknown_rd);
    sdd_error err = {0};
    char path[32];

    assert_non_null(inv);
    write_temp(text, path);
    if (sdd__inventory_load(inv, path, &err) < 0)
        fail_msg("%s", err.msg);
    unlink(path);
    return inv;
}

static sdd_flow flow(const char *router, const char *rd_text)
{
    sdd_flow f;
    memset(&f, 0, sizeof(f));
    f.router = addr(router);
    if (rd_text)
        f.rd = rd(rd_text);
    f.ip_proto = 6;
    f.bytes = 1000;
    return f;
}

static sdd_bmp_event bmp(sdd_bmp_type type, const char *router, const char *rd_text)
{
    sdd_bmp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.router = addr(router);
    ev.peer = addr(CE);
    ev.reason = -1;
    if (rd_text)
        ev.rd = rd(rd_text);
    return ev;
}

static void add_rt(sdd_bmp_event *ev, const char *rt)
{
    snprintf(ev->rt[ev->n_rt++], SDD_RT_TEXT_MAX, "%s", rt);
}

/* The service of a flow, or -1 with the reason expected. */
static void flow_maps(sdd_inventory *inv, const sdd_flow *f, int want, sdd_unmapped want_why)
{
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    int term;
    int got = sdd__inventory_map_flow(inv, f, &term, &why);

    assert_int_equal(got, want);
    if (want < 0)
        assert_string_equal(sdd__unmapped_name(why), sdd__unmapped_name(want_why));
}

static void bmp_maps(sdd_inventory *inv, const sdd_bmp_event *ev, int want, sdd_unmapped want_why)
{
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    int got = sdd__inventory_map_bmp(inv, ev, &why);

    assert_int_equal(got, want);
    if (want < 0)
        assert_string_equal(sdd__unmapped_name(why), sdd__unmapped_name(want_why));
}

static const sdd_service *service(sdd_inventory *inv, const char *vpn_id)
{
    int i = sdd__inventory_find(inv, vpn_id);
    if (i < 0)
        fail_msg("no service %s", vpn_id);
    return sdd__inventory_service(inv, i);
}

/* ---- loading ------------------------------------------------------------- */

static void test_load_test_data(void **state)
{
    (void)state;
    const char *src = getenv("SDD_SRCDIR");
    sdd_inventory *inv = sdd__inventory_new(0);
    sdd_error err = {0};
    char path[512];

    snprintf(path, sizeof(path), "%s/tests/data/inventory.json", src ? src : "..");
    if (sdd__inventory_load(inv, path, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(sdd__inventory_count(inv), 1);
    assert_int_equal(sdd__inventory_find(inv, "64497:1"), 0);
    assert_int_equal(sdd__inventory_find(inv, "64497:2"), -1);
    const sdd_service *s = sdd__inventory_service(inv, 0);
    assert_string_equal(s->name, "customer-1");
    assert_string_equal(s->profile, "default");
    assert_int_equal(s->n_terms, 1);
    const sdd_termination *t = &s->terms[0];
    sdd_addr pe1 = addr(PE1), ce = addr(CE);
    assert_memory_equal(&t->router, &pe1, sizeof(pe1));
    assert_string_equal(t->hostname, "pe1");
    assert_string_equal(t->vrf_name, "CUST1");
    assert_int_equal(t->vrf_id, 7);
    assert_true(t->rd == rd(RD1));
    assert_int_equal(t->n_ifaces, 1);
    assert_int_equal(t->ifaces[0].id, 101);
    assert_string_equal(t->ifaces[0].name, "Gi0/0/0/1");
    assert_int_equal(t->n_ce_peers, 1);
    assert_memory_equal(&t->ce_peers[0], &ce, sizeof(ce));
    assert_null(sdd__inventory_service(inv, 1));
    sdd__inventory_free(inv);
}

static void test_load_inline(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    const sdd_service *s = service(inv, "64497:2");

    assert_int_equal(sdd__inventory_count(inv), 2);
    assert_string_equal(s->profile, "default");             /* none given */
    assert_int_equal(s->n_terms, 1);
    assert_true(s->terms[0].rd == 0);
    assert_string_equal(s->terms[0].hostname, "");
    s = service(inv, "64497:1");
    assert_string_equal(s->profile, "gold");
    assert_true(s->terms[0].ifaces[0].capacity_bps == 1e9);
    assert_int_equal(s->n_changes, 1);
    assert_string_equal(s->changes[0].id, "CHG-1");
    assert_int_equal(s->changes[0].start, 1700000000);
    assert_int_equal(s->changes[0].end, 1700003600);
    sdd__inventory_free(inv);
}

/* ---- flows ------------------------------------------------------------- */

static void test_flow_by_rd(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_flow f = flow(PE1, RD1);

    flow_maps(inv, &f, 0, 0);
    f = flow(PE2, RD1);                         /* an RD names its service on any router */
    flow_maps(inv, &f, 0, 0);
    assert_int_equal(service(inv, "64497:1")->n_terms, 1);     /* and teaches nothing */
    f = flow(PE1, "0:64497:999");
    flow_maps(inv, &f, -1, SDD_UNMAPPED_UNKNOWN_RD);
    sdd__inventory_free(inv);
}

static void test_flow_by_vrf(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_flow f = flow(PE1, NULL);

    flow_maps(inv, &f, -1, SDD_UNMAPPED_NO_VPN_FIELDS);
    f.vrf_id_ingress = 7;
    flow_maps(inv, &f, 0, 0);
    f.vrf_id_ingress = 0;
    f.vrf_id_egress = 7;
    flow_maps(inv, &f, 0, 0);
    f.vrf_id_egress = 9;                        /* service 2's VRF id, but on PE2 */
    flow_maps(inv, &f, -1, SDD_UNMAPPED_UNKNOWN_VRF);
    f.router = addr(PE2);
    flow_maps(inv, &f, 1, 0);
    f = flow(PE2, NULL);
    snprintf(f.vrf_name, sizeof(f.vrf_name), "CUST2");
    flow_maps(inv, &f, 1, 0);
    snprintf(f.vrf_name, sizeof(f.vrf_name), "CUST1");      /* on PE1 only */
    flow_maps(inv, &f, -1, SDD_UNMAPPED_UNKNOWN_VRF);
    sdd__inventory_free(inv);
}

/* A flow found by its VRF id teaches its RD: a termination with the VRF.
 * NOTE (reported): a second one on PE2 for the same VRF id, beside the
 * inventory's termination without an RD, not that one completed. */
static void test_flow_teaches_rd(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_flow f = flow(PE2, "0:64497:20");

    flow_maps(inv, &f, -1, SDD_UNMAPPED_UNKNOWN_RD);
    f.vrf_id_ingress = 9;
    snprintf(f.vrf_name, sizeof(f.vrf_name), "CUST2");
    flow_maps(inv, &f, 1, 0);
    const sdd_service *s = service(inv, "64497:2");
    assert_int_equal(s->n_terms, 2);
    assert_true(s->terms[1].rd == rd("0:64497:20"));
    assert_int_equal(s->terms[1].vrf_id, 9);
    assert_string_equal(s->terms[1].vrf_name, "CUST2");
    f = flow(PE1, "0:64497:20");                /* the RD alone now */
    flow_maps(inv, &f, 1, 0);
    sdd__inventory_free(inv);
}

/* The termination of a flow's service that a flow was seen at, or -1. */
static int flow_term(sdd_inventory *inv, const sdd_flow *f)
{
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    int term = -2;

    assert_true(sdd__inventory_map_flow(inv, f, &term, &why) >= 0);
    return term;
}

/* A flow names its termination: its router with its RD first, else with its
 * VRF id or name; none when its router has no termination of the service. */
static void test_flow_termination(void **state)
{
    (void)state;
    static const char two_sites[] =
        "{\"services\":[{\"vpn_id\":\"64497:1\",\"terminations\":["
        "{\"router\":\"" PE1 "\",\"rd\":\"" RD1 "\"},"
        "{\"router\":\"" PE2 "\",\"rd\":\"0:64497:2\",\"vrf_id\":5}]}]}";
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_flow f = flow(PE1, RD1);

    assert_int_equal(flow_term(inv, &f), 0);
    f = flow(PE2, RD1);                         /* the service, on a router it has no termination on */
    assert_int_equal(flow_term(inv, &f), -1);
    f = flow(PE1, NULL);
    f.vrf_id_egress = 7;
    assert_int_equal(flow_term(inv, &f), 0);
    f = flow(PE2, "0:64497:20");                /* teaches a termination with an RD beside the VRF's */
    f.vrf_id_ingress = 9;
    assert_int_equal(flow_term(inv, &f), 1);
    assert_int_equal(flow_term(inv, &f), 1);    /* the RD's, found again */
    f.rd = 0;
    assert_int_equal(flow_term(inv, &f), 0);    /* the VRF id alone: the first with it */
    sdd__inventory_free(inv);

    inv = load_text(two_sites, 0);
    f = flow(PE2, "0:64497:2");
    assert_int_equal(flow_term(inv, &f), 1);
    f = flow(PE1, RD1);
    assert_int_equal(flow_term(inv, &f), 0);
    f = flow(PE2, NULL);
    f.vrf_id_ingress = 5;
    assert_int_equal(flow_term(inv, &f), 1);
    sdd__inventory_free(inv);
}

/* The global routing table (IOS XR's default VRF, table id 0x60000000, or
 * VRF id 0, with no RD) is no customer's. A flow from the MPLS core into a
 * VRF is found by its RD (the egress VRF's) or its egress VRF id; it must not
 * teach that its ingress, the global table, is the customer's: global-table
 * traffic of that router would be counted in the customer's service. */
static void test_global_vrf_never_a_customer(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_flow core_in = flow(PE1, RD1), global = flow(PE1, NULL);

    core_in.vrf_id_ingress = 0x60000000;        /* core -> CUST1 (current pmacct: the egress VRF's RD) */
    core_in.vrf_id_egress = 7;
    snprintf(core_in.vrf_name, sizeof(core_in.vrf_name), "default");    /* the ingress VRF's name */
    flow_maps(inv, &core_in, 0, 0);
    core_in.rd = 0;                             /* 1.7.7: the ingress VRF's RD, none */
    flow_maps(inv, &core_in, 0, 0);
    assert_int_equal(service(inv, "64497:1")->terms[0].vrf_id, 7);
    assert_string_equal(service(inv, "64497:1")->terms[0].vrf_name, "CUST1");

    global.vrf_id_ingress = 0x60000000;         /* global table in and out */
    global.vrf_id_egress = 0x60000000;
    flow_maps(inv, &global, -1, SDD_UNMAPPED_NO_VPN_FIELDS);
    snprintf(global.vrf_name, sizeof(global.vrf_name), "default");
    flow_maps(inv, &global, -1, SDD_UNMAPPED_NO_VPN_FIELDS);
    global.vrf_id_egress = 0;                   /* out of the router, no VRF */
    flow_maps(inv, &global, -1, SDD_UNMAPPED_NO_VPN_FIELDS);

    /* a flow of a new RD whose ingress is the global table teaches its RD
     * (learn_unknown_rd), never the global table's id */
    sdd__inventory_free(inv);
    inv = load_text(two_services, 1);
    core_in = flow(PE2, "0:64497:30");
    core_in.vrf_id_ingress = 0x60000000;
    core_in.vrf_id_egress = 30;
    int learned = sdd__inventory_map_flow(inv, &core_in, &(int){0}, &(sdd_unmapped){0});
    assert_true(learned >= 2);
    assert_int_equal(sdd__inventory_service(inv, learned)->terms[0].vrf_id, -1);
    global = flow(PE2, NULL);
    global.vrf_id_ingress = 0x60000000;
    flow_maps(inv, &global, -1, SDD_UNMAPPED_NO_VPN_FIELDS);

    /* nor does an inventory that names the global table's id */
    sdd__inventory_free(inv);
    inv = load_text("{\"services\":[{\"vpn_id\":\"64497:5\",\"terminations\":["
                    "{\"router\":\"" PE1 "\",\"vrf_id\":1610612736}]}]}", 0);
    global = flow(PE1, NULL);
    global.vrf_id_ingress = 0x60000000;
    flow_maps(inv, &global, -1, SDD_UNMAPPED_NO_VPN_FIELDS);
    sdd__inventory_free(inv);
}

static void test_learn_unknown_rd(void **state)
{
    (void)state;
    sdd_inventory *off = load_text(two_services, 0), *on = load_text(two_services, 1);
    sdd_flow f = flow(PE1, "1:192.0.2.1:7");

    flow_maps(off, &f, -1, SDD_UNMAPPED_UNKNOWN_RD);
    assert_int_equal(sdd__inventory_count(off), 2);
    flow_maps(on, &f, 2, 0);
    flow_maps(on, &f, 2, 0);
    assert_int_equal(sdd__inventory_count(on), 3);
    const sdd_service *s = service(on, "1:192.0.2.1:7");
    assert_string_equal(s->profile, "default");
    assert_int_equal(s->n_terms, 1);
    assert_true(s->terms[0].rd == f.rd);
    f = flow(PE1, NULL);                        /* no RD: nothing to learn from */
    f.vrf_id_ingress = 55;
    flow_maps(on, &f, -1, SDD_UNMAPPED_UNKNOWN_VRF);
    sdd__inventory_free(off);
    sdd__inventory_free(on);
}

/* ---- BMP --------------------------------------------------------------- */

static void test_bmp_route_targets(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_bmp_event ev = bmp(SDD_BMP_UPDATE, "192.0.2.9", "0:64497:5");

    add_rt(&ev, "64497:8");                     /* unknown, then known: the known one */
    add_rt(&ev, "64497:1");
    bmp_maps(inv, &ev, 0, 0);
    assert_int_equal(sdd__inventory_count(inv), 2);
    assert_int_equal(service(inv, "64497:1")->n_terms, 2);     /* PE 192.0.2.9 with its RD */
    sdd_flow f = flow("192.0.2.9", "0:64497:5");
    flow_maps(inv, &f, 0, 0);
    /* a target of no service makes one: services are learned from BMP */
    ev = bmp(SDD_BMP_UPDATE, PE1, "0:64497:6");
    add_rt(&ev, "64497:9");
    bmp_maps(inv, &ev, 2, 0);
    assert_string_equal(sdd__inventory_service(inv, 2)->vpn_id, "64497:9");
    /* a withdraw has no target: its RD finds the service */
    ev = bmp(SDD_BMP_WITHDRAW, PE1, "0:64497:6");
    bmp_maps(inv, &ev, 2, 0);
    ev = bmp(SDD_BMP_WITHDRAW, PE1, "0:64497:77");
    bmp_maps(inv, &ev, -1, SDD_UNMAPPED_UNKNOWN_RD);
    ev = bmp(SDD_BMP_WITHDRAW, PE1, NULL);
    bmp_maps(inv, &ev, -1, SDD_UNMAPPED_NO_ROUTE_TARGET);
    assert_int_equal(sdd__inventory_count(inv), 3);
    sdd__inventory_free(inv);
}

static void test_bmp_peers(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_bmp_event ev = bmp(SDD_BMP_PEER_DOWN, PE1, NULL);     /* a CE peer of the inventory */

    bmp_maps(inv, &ev, 0, 0);
    ev.router = addr(PE2);                      /* the same peer on another router */
    bmp_maps(inv, &ev, -1, SDD_UNMAPPED_NO_ROUTE_TARGET);
    /* an RD-instance peer coming up: its RD finds the service, the peer is kept */
    ev = bmp(SDD_BMP_PEER_UP, PE1, RD1);
    ev.peer_type = SDD_PEER_RD_INSTANCE;
    ev.peer = addr("198.51.100.2");
    bmp_maps(inv, &ev, 0, 0);
    const sdd_termination *t = &service(inv, "64497:1")->terms[0];
    sdd_addr peer = addr("198.51.100.2");
    assert_int_equal(t->n_ce_peers, 2);
    assert_memory_equal(&t->ce_peers[1], &peer, sizeof(peer));
    bmp_maps(inv, &ev, 0, 0);                   /* once */
    assert_int_equal(service(inv, "64497:1")->terms[0].n_ce_peers, 2);
    assert_int_equal(sdd__service_termination(service(inv, "64497:1"), &ev.router, 0, &peer), 0);
    ev = bmp(SDD_BMP_PEER_DOWN, PE1, "0:64497:77");
    bmp_maps(inv, &ev, -1, SDD_UNMAPPED_UNKNOWN_RD);
    sdd__inventory_free(inv);
}

static void test_iface_events(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_iface_event ev;
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    int term = 5;

    memset(&ev, 0, sizeof(ev));
    ev.router = addr(PE2);
    snprintf(ev.ifname, sizeof(ev.ifname), "Te0/1/0/3");
    assert_int_equal(sdd__inventory_map_iface(inv, &ev, &term, &why), 1);
    assert_int_equal(term, 0);
    ev.router = addr(PE1);                      /* the name on another router */
    assert_int_equal(sdd__inventory_map_iface(inv, &ev, &term, &why), -1);
    assert_int_equal(term, -1);
    assert_string_equal(sdd__unmapped_name(why), "unknown_interface");
    snprintf(ev.ifname, sizeof(ev.ifname), "Gi0/0/0/1");
    assert_int_equal(sdd__inventory_map_iface(inv, &ev, &term, &why), 0);
    assert_int_equal(term, 0);
    sdd__inventory_free(inv);
}

/* ---- the inventory as JSON --------------------------------------------- */

static void assert_same_termination(const sdd_termination *a, const sdd_termination *b)
{
    assert_memory_equal(&a->router, &b->router, sizeof(a->router));
    assert_string_equal(a->hostname, b->hostname);
    assert_string_equal(a->vrf_name, b->vrf_name);
    assert_int_equal(a->vrf_id, b->vrf_id);
    assert_true(a->rd == b->rd);
    assert_int_equal(a->n_ifaces, b->n_ifaces);
    for (int i = 0; i < a->n_ifaces; i++) {
        assert_int_equal(a->ifaces[i].id, b->ifaces[i].id);
        assert_string_equal(a->ifaces[i].name, b->ifaces[i].name);
        assert_true(a->ifaces[i].capacity_bps == b->ifaces[i].capacity_bps);
    }
    assert_int_equal(a->n_ce_peers, b->n_ce_peers);
    if (a->n_ce_peers)
        assert_memory_equal(a->ce_peers, b->ce_peers, (size_t)a->n_ce_peers * sizeof(*a->ce_peers));
}

static void assert_same_service(const sdd_service *a, const sdd_service *b)
{
    assert_string_equal(a->vpn_id, b->vpn_id);
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->profile, b->profile);
    assert_int_equal(a->n_terms, b->n_terms);
    for (int i = 0; i < a->n_terms; i++)
        assert_same_termination(&a->terms[i], &b->terms[i]);
    assert_int_equal(a->n_changes, b->n_changes);
    for (int i = 0; i < a->n_changes; i++) {
        assert_string_equal(a->changes[i].id, b->changes[i].id);
        assert_int_equal(a->changes[i].start, b->changes[i].start);
        assert_int_equal(a->changes[i].end, b->changes[i].end);
    }
}

/* sdd__inventory_write's text, appended to a string. */
static int append_text(const char *buf, size_t len, void *data)
{
    char **text = data;
    size_t have = strlen(*text);

    *text = realloc(*text, have + len + 1);
    assert_non_null(*text);
    memcpy(*text + have, buf, len);
    (*text)[have + len] = '\0';
    return 0;
}

/* The inventory's text as jansson reads it; the text must be what jansson
 * itself writes for it (compact, keys in order): then every value came out
 * as jansson would have written it. */
static json_t *inventory_json(const sdd_inventory *inv)
{
    char *text = calloc(1, 1), *again;
    json_error_t err;
    json_t *j;

    assert_int_equal(sdd__inventory_write(inv, append_text, &text), 0);
    j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        fail_msg("%s: %s", err.text, text);
    again = json_dumps(j, JSON_COMPACT);
    assert_string_equal(text, again);
    free(again);
    free(text);
    return j;
}

static void test_json_round_trip(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0), *back = sdd__inventory_new(0);
    sdd_bmp_event ev = bmp(SDD_BMP_UPDATE, "192.0.2.9", "0:64497:5");
    sdd_error err = {0};

    add_rt(&ev, "64497:9");                     /* a learned service and RD */
    bmp_maps(inv, &ev, 2, 0);
    json_t *j = inventory_json(inv);
    if (sdd__inventory_from_json(back, j, "round trip", &err) < 0)
        fail_msg("%s", err.msg);
    json_t *again = inventory_json(back);
    if (!json_equal(j, again)) {
        char *a = json_dumps(j, JSON_SORT_KEYS), *b = json_dumps(again, JSON_SORT_KEYS);
        fail_msg("written %s\nread back %s", a, b);
    }
    assert_int_equal(sdd__inventory_count(back), 3);
    for (int i = 0; i < 3; i++)
        assert_same_service(sdd__inventory_service(inv, i), sdd__inventory_service(back, i));
    sdd_flow f = flow("192.0.2.9", "0:64497:5");     /* what was learned maps */
    flow_maps(back, &f, 2, 0);
    f = flow(PE2, NULL);
    f.vrf_id_ingress = 9;
    flow_maps(back, &f, 1, 0);
    json_decref(j);
    json_decref(again);
    sdd__inventory_free(inv);
    sdd__inventory_free(back);
}

/* BUG (reported, not fixed here): an inventory read over one that holds it
 * already, as an engine restarted with both inventory_file and state_file
 * does (engine.c, checkpoint.c), appends every termination without an RD a
 * second time: sdd__service_termination never matches rd 0. The copy is
 * saved with the state, so each restart adds one. Should stay 1. */
static void test_read_twice_duplicates_rd_less_termination(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_error err = {0};
    json_t *j = inventory_json(inv);

    if (sdd__inventory_from_json(inv, j, "again", &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(service(inv, "64497:1")->n_terms, 1);    /* with an RD: merged */
    assert_int_equal(service(inv, "64497:2")->n_terms, 2);    /* BUG: should be 1 */
    json_decref(j);
    sdd__inventory_free(inv);
}

/* BUG (reported, not fixed here): one BMP route whose first known route
 * target is another service's takes the RD away from the service the
 * inventory gives it (map_bmp re-points the RD when it maps elsewhere),
 * although learning should only fill what a lookup missed. An extranet
 * route of customer-1 exported with RTs 64497:2 and 64497:1 moves
 * customer-1's traffic to customer-2. */
static void test_route_target_takes_inventory_rd(void **state)
{
    (void)state;
    sdd_inventory *inv = load_text(two_services, 0);
    sdd_bmp_event ev = bmp(SDD_BMP_UPDATE, PE1, RD1);
    sdd_flow f = flow(PE1, RD1);

    flow_maps(inv, &f, 0, 0);
    add_rt(&ev, "64497:2");
    add_rt(&ev, "64497:1");
    bmp_maps(inv, &ev, 1, 0);
    flow_maps(inv, &f, 1, 0);                   /* BUG: should stay 0 */
    sdd__inventory_free(inv);
}

/* ---- refused inventories ------------------------------------------------ */

/* `text` refused, with the file's path and `says` in the message. */
static void refused(const char *text, const char *says)
{
    sdd_inventory *inv = sdd__inventory_new(0);
    sdd_error err = {0};
    char path[32];

    write_temp(text, path);
    assert_int_equal(sdd__inventory_load(inv, path, &err), -1);
    unlink(path);
    assert_int_equal(err.code, SDD_E_DATA);
    if (strncmp(err.msg, path, strlen(path)) != 0 || !strstr(err.msg, says))
        fail_msg("\"%s\" does not name %s and say %s", err.msg, path, says);
    sdd__inventory_free(inv);
}

static void test_refused_names_file(void **state)
{
    (void)state;
    /* a typo, a value of the wrong type, a name longer than it is kept */
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"terminations\": [{\"router\": \"" PE1 "\", \"ce_peer\": []}]}]}",
            "services[0].terminations[0]: unknown key \"ce_peer\"");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"nmae\": \"x\"}]}", "services[0]: unknown key \"nmae\"");
    refused("{\"services\": [], \"service\": []}", "and nothing else");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"terminations\": [{\"router\": \"" PE1 "\", \"vrf_id\": \"7\"}]}]}",
            "\"vrf_id\" is not a whole number");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"name\": \""
            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\"}]}",
            "\"name\" is longer than 63 bytes");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"changes\": [{\"id\": \"c\", \"start\": 10, \"end\": 5}]}]}",
            "end after start");
    refused("{\"services\": [", "line 1");
    refused("[]", "expected an object with a \"services\" array");
    refused("{\"services\": {}}", "\"services\" array");
    refused("{\"services\": [{\"name\": \"x\"}]}", "services[0]: service without a valid \"vpn_id\"");
    refused("{\"services\": [{\"vpn_id\": \"\"}]}", "services[0]");
    refused("{\"services\": [{\"vpn_id\": \"64497:123456789012345678901234567890\"}]}", "\"vpn_id\"");
    refused("{\"services\": [{\"vpn_id\": \"1:1\"}, {\"vpn_id\": \"1:2\", \"terminations\": [{\"rd\": \"0:1:1\"}]}]}",
            "services[1].terminations[0]: termination without a valid \"router\" address");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"terminations\": [{\"router\": \"pe1\"}]}]}", "\"router\"");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"terminations\": [{\"router\": \"" PE1 "\", \"rd\": \"7\"}]}]}",
            "unreadable \"rd\"");
    refused("{\"services\": [{\"vpn_id\": \"1:1\", \"terminations\": [{\"router\": \"" PE1 "\", "
            "\"ce_peers\": [\"x\"]}]}]}", "unreadable address in \"ce_peers\"");
    refused("{\"services\": [], \"services\": []}", "duplicate");
}

/* A file that cannot be opened is SDD_E_IO, as sdd.h says. */
static void test_missing_file_named(void **state)
{
    (void)state;
    sdd_inventory *inv = sdd__inventory_new(0);
    sdd_error err = {0};

    assert_int_equal(sdd__inventory_load(inv, "/nonexistent/inventory.json", &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/inventory.json"));
    assert_int_equal(err.code, SDD_E_IO);
    assert_int_equal(sdd__inventory_count(inv), 0);
    sdd__inventory_free(inv);
}

/* Caps: a service or a termination over them is refused and counted,
 * whatever learns it; route targets teach services only when allowed; a
 * file holding more than the cap is refused. */
static void test_caps_and_learning(void **state)
{
    (void)state;
    sdd_inventory *inv = sdd__inventory_new(1);
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    uint64_t services, terms;
    int term;
    char path[32];
    sdd_error err = {0};

    sdd__inventory_limit(inv, 0, 2, 1);
    sdd_bmp_event ev = bmp(SDD_BMP_UPDATE, PE1, NULL);
    add_rt(&ev, "64497:9");
    assert_int_equal(sdd__inventory_map_bmp(inv, &ev, &why), -1);  /* learn_route_targets off */
    assert_int_equal(sdd__inventory_count(inv), 0);
    sdd_flow f = flow(PE1, "0:64497:1");
    assert_int_equal(sdd__inventory_map_flow(inv, &f, &term, &why), 0);
    f = flow(PE1, "0:64497:2");
    assert_int_equal(sdd__inventory_map_flow(inv, &f, &term, &why), 1);
    f = flow(PE1, "0:64497:3");
    assert_int_equal(sdd__inventory_map_flow(inv, &f, &term, &why), -1);  /* a third: over max_services */
    ev = bmp(SDD_BMP_PEER_UP, PE2, "0:64497:1");                 /* a second termination of service 0 */
    assert_int_equal(sdd__inventory_map_bmp(inv, &ev, &why), 0);
    assert_int_equal(sdd__inventory_service(inv, 0)->n_terms, 1);
    sdd__inventory_refused(inv, &services, &terms);
    assert_int_equal(services, 1);
    assert_int_equal(terms, 1);
    sdd__inventory_free(inv);

    inv = sdd__inventory_new(0);
    sdd__inventory_limit(inv, 1, 1, 10);
    write_temp("{\"services\": [{\"vpn_id\": \"1:1\"}, {\"vpn_id\": \"1:2\"}]}", path);
    assert_int_equal(sdd__inventory_load(inv, path, &err), -1);
    assert_non_null(strstr(err.msg, "services[1]: more services than max_services"));
    unlink(path);
    sdd__inventory_free(inv);
}

/* An engine refuses an inventory whose service names a profile the
 * configuration does not define: it would silently get the defaults. */
static void test_undefined_profile_refused(void **state)
{
    (void)state;
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    sdd_engine *e = sdd_engine_new(cfg, &err);
    char path[32];

    assert_non_null(e);
    write_temp("{\"services\": [{\"vpn_id\": \"1:1\", \"profile\": \"gold\"}]}", path);
    assert_int_equal(sdd_engine_load_inventory(e, path, &err), -1);
    assert_int_equal(err.code, SDD_E_CONFIG);
    assert_non_null(strstr(err.msg, "service 1:1: profile 'gold' is not defined by the configuration"));
    sdd_engine_free(e);
    assert_int_equal(sdd_config_set(cfg, "width", "gold", "3", &err), 0);
    e = sdd_engine_new(cfg, &err);
    assert_int_equal(sdd_engine_load_inventory(e, path, &err), 0);
    unlink(path);
    sdd_engine_free(e);
    sdd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_test_data),
        cmocka_unit_test(test_load_inline),
        cmocka_unit_test(test_flow_by_rd),
        cmocka_unit_test(test_flow_by_vrf),
        cmocka_unit_test(test_flow_teaches_rd),
        cmocka_unit_test(test_flow_termination),
        cmocka_unit_test(test_global_vrf_never_a_customer),
        cmocka_unit_test(test_learn_unknown_rd),
        cmocka_unit_test(test_bmp_route_targets),
        cmocka_unit_test(test_bmp_peers),
        cmocka_unit_test(test_iface_events),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_read_twice_duplicates_rd_less_termination),
        cmocka_unit_test(test_route_target_takes_inventory_rd),
        cmocka_unit_test(test_refused_names_file),
        cmocka_unit_test(test_missing_file_named),
        cmocka_unit_test(test_undefined_profile_refused),
        cmocka_unit_test(test_caps_and_learning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
