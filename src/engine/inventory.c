/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inventory.c: services and terminations, loaded and learned; see inventory.h.
 *
 * All lookups share one map whose keys start with a byte naming their kind,
 * so an RD can never be mistaken for a VRF id. Learning happens only when a
 * lookup by some key of a record misses while another key of the same record
 * hits, so the steady state costs one lookup a record. */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "engine/inventory.h"

struct sdd_inventory {
    sdd_service *services;
    int n, cap;
    sdd_map *keys;
    int learn_unknown_rd;
    int learn_route_targets;
    int max_services, max_terminations;
    uint64_t refused_services, refused_terminations;
    uint64_t version;                   /* sdd__inventory_version */
};

/* The versions of every inventory of the process are drawn from one count,
 * so that two never share one (engines may run in threads). */
static atomic_uint_fast64_t versions;

/* What sdd__inventory_write writes, or what a flow maps to, may have
 * changed. */
static void changed(sdd_inventory *inv)
{
    inv->version = (uint64_t)atomic_fetch_add(&versions, 1) + 1;
}

uint64_t sdd__inventory_version(const sdd_inventory *inv)
{
    return inv->version;
}

/* service_get and termination_get: over a cap (counted). */
#define OVER_CAP (-2)

enum { K_VPN = 'v', K_RD = 'r', K_VRF_ID = 'i', K_VRF_NAME = 'n', K_IFNAME = 'f', K_PEER = 'p' };

typedef struct key {
    unsigned char b[1 + 16 + SDD_NAME_MAX];
    size_t len;
} key;

static void key_init(key *k, int kind)
{
    k->b[0] = (unsigned char)kind;
    k->len = 1;
}

static void key_add(key *k, const void *p, size_t n)
{
    if (n > sizeof(k->b) - k->len)
        n = sizeof(k->b) - k->len;
    memcpy(k->b + k->len, p, n);
    k->len += n;
}

static key key_str(int kind, const sdd_addr *router, const char *s)
{
    key k;
    key_init(&k, kind);
    if (router)
        key_add(&k, router->b, sizeof(router->b));
    key_add(&k, s, strlen(s));
    return k;
}

static key key_num(int kind, const sdd_addr *router, uint64_t v)
{
    key k;
    key_init(&k, kind);
    if (router)
        key_add(&k, router->b, sizeof(router->b));
    key_add(&k, &v, sizeof(v));
    return k;
}

static key key_peer(const sdd_addr *router, const sdd_addr *peer)
{
    key k;
    key_init(&k, K_PEER);
    key_add(&k, router->b, sizeof(router->b));
    key_add(&k, peer->b, sizeof(peer->b));
    return k;
}

static int32_t lookup(const sdd_inventory *inv, key k)
{
    return sdd__map_get(inv->keys, k.b, k.len);
}

static void remember(sdd_inventory *inv, key k, int svc)
{
    if (lookup(inv, k) == svc)
        return;
    /* Out of memory here only loses a shortcut; the next record retries. */
    (void)sdd__map_put(inv->keys, k.b, k.len, svc);
    changed(inv);
}

static const char *const unmapped_names[SDD_UNMAPPED_COUNT] = {
    "mapped", "no_vpn_fields", "unknown_rd", "unknown_vrf", "unknown_interface", "no_route_target",
};

const char *sdd__unmapped_name(sdd_unmapped u)
{
    return u < SDD_UNMAPPED_COUNT ? unmapped_names[u] : "?";
}

sdd_inventory *sdd__inventory_new(int learn_unknown_rd)
{
    sdd_inventory *inv = calloc(1, sizeof(*inv));

    if (!inv)
        return NULL;
    inv->keys = sdd__map_new();
    if (!inv->keys) {
        free(inv);
        return NULL;
    }
    inv->learn_unknown_rd = learn_unknown_rd;
    inv->learn_route_targets = 1;
    inv->max_services = inv->max_terminations = INT_MAX;
    changed(inv);
    return inv;
}

void sdd__inventory_limit(sdd_inventory *inv, int learn_route_targets, int max_services, int max_terminations)
{
    inv->learn_route_targets = learn_route_targets;
    inv->max_services = max_services;
    inv->max_terminations = max_terminations;
}

void sdd__inventory_learn_unknown_rd(sdd_inventory *inv, int learn_unknown_rd)
{
    inv->learn_unknown_rd = learn_unknown_rd;
}

void sdd__inventory_refused(const sdd_inventory *inv, uint64_t *services, uint64_t *terminations)
{
    *services = inv->refused_services;
    *terminations = inv->refused_terminations;
}

static void free_service(sdd_service *s)
{
    for (int i = 0; i < s->n_terms; i++) {
        free(s->terms[i].ifaces);
        free(s->terms[i].ce_peers);
    }
    free(s->terms);
    free(s->changes);
}

void sdd__inventory_free(sdd_inventory *inv)
{
    if (!inv)
        return;
    for (int i = 0; i < inv->n; i++)
        free_service(&inv->services[i]);
    free(inv->services);
    sdd__map_free(inv->keys);
    free(inv);
}

int sdd__inventory_count(const sdd_inventory *inv)
{
    return inv->n;
}

sdd_service *sdd__inventory_service(sdd_inventory *inv, int index)
{
    return index >= 0 && index < inv->n ? &inv->services[index] : NULL;
}

int sdd__inventory_find(const sdd_inventory *inv, const char *vpn_id)
{
    return lookup(inv, key_str(K_VPN, NULL, vpn_id));
}

/* The service with this id, created (profile "default") if new; -1 on OOM,
 * OVER_CAP past max_services. */
static int service_get(sdd_inventory *inv, const char *vpn_id)
{
    int idx = sdd__inventory_find(inv, vpn_id);
    sdd_service *s;

    if (idx >= 0)
        return idx;
    if (inv->n >= inv->max_services) {
        inv->refused_services++;
        return OVER_CAP;
    }
    if (inv->n == inv->cap) {
        int cap = inv->cap ? inv->cap * 2 : 64;
        sdd_service *grown = realloc(inv->services, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -1;
        inv->services = grown;
        inv->cap = cap;
    }
    changed(inv);
    s = &inv->services[inv->n];
    memset(s, 0, sizeof(*s));
    snprintf(s->vpn_id, sizeof(s->vpn_id), "%s", vpn_id);
    snprintf(s->name, sizeof(s->name), "%s", vpn_id);
    snprintf(s->profile, sizeof(s->profile), "default");
    key k = key_str(K_VPN, NULL, vpn_id);
    if (sdd__map_put(inv->keys, k.b, k.len, inv->n) < 0)
        return -1;
    return inv->n++;
}

int sdd__service_termination(const sdd_service *s, const sdd_addr *router, sdd_rd rd, const sdd_addr *peer)
{
    for (int i = 0; i < s->n_terms; i++) {
        const sdd_termination *t = &s->terms[i];
        if (memcmp(&t->router, router, sizeof(*router)) != 0)
            continue;
        if (rd && t->rd == rd)
            return i;
        for (int j = 0; peer && j < t->n_ce_peers; j++)
            if (memcmp(&t->ce_peers[j], peer, sizeof(*peer)) == 0)
                return i;
    }
    return -1;
}

/* The termination on `router` with `rd`, appended if new (the array grows
 * by doubling); -1 on OOM, OVER_CAP past max_terminations. */
static int termination_get(sdd_inventory *inv, sdd_service *s, const sdd_addr *router, sdd_rd rd)
{
    int i = sdd__service_termination(s, router, rd, NULL);
    sdd_termination *grown;

    if (i >= 0)
        return i;
    if (s->n_terms >= inv->max_terminations) {
        inv->refused_terminations++;
        return OVER_CAP;
    }
    if (s->n_terms == s->cap_terms) {
        int cap = s->cap_terms ? 2 * s->cap_terms : 4;
        grown = realloc(s->terms, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -1;
        s->terms = grown;
        s->cap_terms = cap;
    }
    changed(inv);
    grown = s->terms;
    memset(&grown[s->n_terms], 0, sizeof(*grown));
    grown[s->n_terms].router = *router;
    grown[s->n_terms].rd = rd;
    grown[s->n_terms].vrf_id = -1;
    return s->n_terms++;
}

static void termination_add_peer(sdd_inventory *inv, sdd_termination *t, const sdd_addr *peer)
{
    sdd_addr *grown;

    for (int i = 0; i < t->n_ce_peers; i++)
        if (memcmp(&t->ce_peers[i], peer, sizeof(*peer)) == 0)
            return;
    grown = realloc(t->ce_peers, (size_t)(t->n_ce_peers + 1) * sizeof(*grown));
    if (!grown)
        return;
    t->ce_peers = grown;
    t->ce_peers[t->n_ce_peers++] = *peer;
    changed(inv);
}

/* ---- learning from records -------------------------------------------- */

/* The VRF id of the global routing table on IOS XR (its "default" VRF). */
#define VRF_ID_IOSXR_DEFAULT 0x60000000u

/* A VRF id that names a customer's VRF: not 0 (none, or the global table
 * where it is numbered 0) and not IOS XR's global table. Traffic of the
 * global table is no customer's: a flow from the MPLS core into a VRF
 * (ingress: the global table) belongs to its egress VRF, and the global
 * table's id must never become a key of that customer. */
static int customer_vrf_id(uint32_t id)
{
    return id != 0 && id != VRF_ID_IOSXR_DEFAULT;
}

/* The VRF name (IE 236) is that of the ingress VRF: not the customer's when
 * the flow came in from the global table. */
static int customer_vrf_name(const sdd_flow *f)
{
    return f->vrf_name[0] && f->vrf_id_ingress != VRF_ID_IOSXR_DEFAULT;
}

static void learn_flow(sdd_inventory *inv, int svc, const sdd_flow *f)
{
    sdd_service *s = &inv->services[svc];
    int t = f->rd ? termination_get(inv, s, &f->router, f->rd) : -1;
    int by_id = customer_vrf_id(f->vrf_id_ingress), by_name = customer_vrf_name(f);

    if (f->rd)
        remember(inv, key_num(K_RD, NULL, f->rd), svc);
    if (by_id)
        remember(inv, key_num(K_VRF_ID, &f->router, f->vrf_id_ingress), svc);
    if (by_name)
        remember(inv, key_str(K_VRF_NAME, &f->router, f->vrf_name), svc);
    if (t >= 0) {
        if (s->terms[t].vrf_id < 0 && by_id) {
            s->terms[t].vrf_id = f->vrf_id_ingress;
            changed(inv);
        }
        if (!s->terms[t].vrf_name[0] && by_name) {
            snprintf(s->terms[t].vrf_name, sizeof(s->terms[t].vrf_name), "%s", f->vrf_name);
            changed(inv);
        }
    }
}

/* Whether flow f went through termination t's VRF (on the same router): its
 * customer VRF id in either direction, or its VRF name. */
static int flow_in_vrf(const sdd_termination *t, const sdd_flow *f)
{
    if (t->vrf_id >= 0 && customer_vrf_id((uint32_t)t->vrf_id) &&
        ((uint32_t)t->vrf_id == f->vrf_id_ingress || (uint32_t)t->vrf_id == f->vrf_id_egress))
        return 1;
    return t->vrf_name[0] && customer_vrf_name(f) && strcmp(t->vrf_name, f->vrf_name) == 0;
}

/* The termination of service s where flow f was seen: the one on its router
 * with its RD, else the first there with its VRF; -1 if none is known. A
 * scan: a service has few terminations. */
static int flow_termination(const sdd_service *s, const sdd_flow *f)
{
    int by_vrf = -1;

    for (int i = 0; i < s->n_terms; i++) {
        const sdd_termination *t = &s->terms[i];
        if (memcmp(&t->router, &f->router, sizeof(f->router)) != 0)
            continue;
        if (f->rd && t->rd == f->rd)
            return i;
        if (by_vrf < 0 && flow_in_vrf(t, f))
            by_vrf = i;
    }
    return by_vrf;
}

int sdd__inventory_map_flow(sdd_inventory *inv, const sdd_flow *f, int *term, sdd_unmapped *why)
{
    int svc = f->rd ? lookup(inv, key_num(K_RD, NULL, f->rd)) : -1;

    *term = -1;
    if (svc >= 0) {
        *term = flow_termination(&inv->services[svc], f);
        return svc;
    }
    if (svc < 0 && customer_vrf_id(f->vrf_id_ingress))
        svc = lookup(inv, key_num(K_VRF_ID, &f->router, f->vrf_id_ingress));
    if (svc < 0 && customer_vrf_id(f->vrf_id_egress))
        svc = lookup(inv, key_num(K_VRF_ID, &f->router, f->vrf_id_egress));
    if (svc < 0 && customer_vrf_name(f))
        svc = lookup(inv, key_str(K_VRF_NAME, &f->router, f->vrf_name));
    if (svc < 0 && f->rd && inv->learn_unknown_rd) {
        char id[SDD_RT_TEXT_MAX];
        sdd_rd_format(f->rd, id, sizeof(id));
        svc = service_get(inv, id);
    }
    if (svc < 0) {
        if (f->rd)
            *why = SDD_UNMAPPED_UNKNOWN_RD;
        else if (customer_vrf_id(f->vrf_id_ingress) || customer_vrf_id(f->vrf_id_egress) || customer_vrf_name(f))
            *why = SDD_UNMAPPED_UNKNOWN_VRF;
        else
            *why = SDD_UNMAPPED_NO_VPN_FIELDS;
        return -1;
    }
    learn_flow(inv, svc, f);
    *term = flow_termination(&inv->services[svc], f);
    return svc;
}

/* The service a route's targets name: the first that is known, else a new
 * one for the first target (services are learned from BMP). */
static int service_of_targets(sdd_inventory *inv, const sdd_bmp_event *ev)
{
    for (int i = 0; i < ev->n_rt; i++) {
        int svc = sdd__inventory_find(inv, ev->rt[i]);
        if (svc >= 0)
            return svc;
    }
    return ev->n_rt && inv->learn_route_targets ? service_get(inv, ev->rt[0]) : -1;
}

int sdd__inventory_map_bmp(sdd_inventory *inv, const sdd_bmp_event *ev, sdd_unmapped *why)
{
    int svc = -1, t;

    if (ev->type == SDD_BMP_UPDATE && ev->n_rt)
        svc = service_of_targets(inv, ev);
    if (svc < 0 && ev->rd)
        svc = lookup(inv, key_num(K_RD, NULL, ev->rd));
    if (svc < 0 && !ev->rd && (ev->type == SDD_BMP_PEER_UP || ev->type == SDD_BMP_PEER_DOWN))
        svc = lookup(inv, key_peer(&ev->router, &ev->peer));
    if (svc < 0) {
        *why = ev->rd ? SDD_UNMAPPED_UNKNOWN_RD : SDD_UNMAPPED_NO_ROUTE_TARGET;
        return -1;
    }
    if (ev->rd && lookup(inv, key_num(K_RD, NULL, ev->rd)) != svc)
        remember(inv, key_num(K_RD, NULL, ev->rd), svc);
    /* a VPN route's own RD (from a route reflector) is its remote PE's VRF,
     * no termination on this router */
    if (ev->rd && !ev->rd_of_route && (ev->type == SDD_BMP_PEER_UP || ev->type == SDD_BMP_UPDATE)) {
        t = termination_get(inv, &inv->services[svc], &ev->router, ev->rd);
        if (t >= 0 && ev->type == SDD_BMP_PEER_UP && ev->peer_type == SDD_PEER_RD_INSTANCE)
            termination_add_peer(inv, &inv->services[svc].terms[t], &ev->peer);
    }
    return svc;
}

int sdd__inventory_map_iface(sdd_inventory *inv, const sdd_iface_event *ev, int *term, sdd_unmapped *why)
{
    int svc = lookup(inv, key_str(K_IFNAME, &ev->router, ev->ifname));
    const sdd_service *s;

    *term = -1;
    if (svc < 0) {
        *why = SDD_UNMAPPED_UNKNOWN_INTERFACE;
        return -1;
    }
    s = &inv->services[svc];
    for (int i = 0; i < s->n_terms && *term < 0; i++) {
        if (memcmp(&s->terms[i].router, &ev->router, sizeof(ev->router)) != 0)
            continue;
        for (int j = 0; j < s->terms[i].n_ifaces; j++)
            if (strcmp(s->terms[i].ifaces[j].name, ev->ifname) == 0)
                *term = i;
    }
    return svc;
}

/* ---- the inventory file ----------------------------------------------- */

static int fail(sdd_error *err, sdd_code code, const char *path, const char *what, const char *detail)
{
    return sdd__fail(err, code, "%s: %s%s%s", path, what, detail ? ": " : "", detail ? detail : "");
}

/* Where a value is refused, for the message: "services[2].terminations[0]". */
typedef struct place {
    char at[128];
    char why[200];
} place;

static int refuse(place *pl, const char *fmt, const char *arg)
{
    snprintf(pl->why, sizeof(pl->why), fmt, arg);
    return -1;
}

/* Refuses a key the inventory does not know: a typo ("ce_peer") would
 * otherwise be ignored without a word. */
static int known_keys(json_t *obj, const char *const *allowed, place *pl)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return refuse(pl, "expected an object%s", "");
    json_object_foreach(obj, key, v) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (!*a)
            return refuse(pl, "unknown key \"%.60s\"", key);
    }
    return 0;
}

/* A text field into dst: absent leaves it; not a text, or longer than dst
 * holds (a name cut would no longer name the same thing), is refused. */
static int copy_str(char *dst, size_t size, json_t *obj, const char *key, place *pl)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return 0;
    if (!json_is_string(v))
        return refuse(pl, "\"%s\" is not a text", key);
    if (strlen(json_string_value(v)) >= size) {
        snprintf(pl->why, sizeof(pl->why), "\"%s\" is longer than %zu bytes", key, size - 1);
        return -1;
    }
    memcpy(dst, json_string_value(v), strlen(json_string_value(v)) + 1);
    return 0;
}

static int load_ifaces(sdd_termination *t, json_t *arr, place *pl)
{
    static const char *const keys[] = {"id", "name", "capacity_bps", NULL};
    size_t i;
    json_t *it;

    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return refuse(pl, "\"interfaces\" is not a list%s", "");
    free(t->ifaces);
    t->n_ifaces = 0;
    t->ifaces = calloc(json_array_size(arr) + 1, sizeof(*t->ifaces));
    if (!t->ifaces)
        return refuse(pl, "out of memory%s", "");
    json_array_foreach(arr, i, it) {
        sdd_iface_ref *r = &t->ifaces[t->n_ifaces++];
        json_t *id = json_object_get(it, "id"), *cap = json_object_get(it, "capacity_bps");
        if (known_keys(it, keys, pl) < 0 || copy_str(r->name, sizeof(r->name), it, "name", pl) < 0)
            return -1;
        if ((id && (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > UINT32_MAX)) ||
            (cap && (!json_is_number(cap) || json_number_value(cap) < 0)))
            return refuse(pl, "an interface's \"id\" or \"capacity_bps\" is not a number in range%s", "");
        r->id = (uint32_t)json_integer_value(id);
        r->capacity_bps = json_number_value(cap);
    }
    return 0;
}

static int load_termination(sdd_inventory *inv, int svc, json_t *jt, place *pl)
{
    static const char *const keys[] = {"router", "hostname", "vrf_name", "vrf_id", "rd", "interfaces",
                                       "ce_peers", NULL};
    sdd_service *s = &inv->services[svc];
    const char *router = json_string_value(json_object_get(jt, "router"));
    const char *rd = json_string_value(json_object_get(jt, "rd"));
    json_t *vrf_id = json_object_get(jt, "vrf_id"), *peers = json_object_get(jt, "ce_peers"), *p;
    sdd_addr addr;
    sdd_rd rdv = 0;
    size_t i;
    int t;

    if (known_keys(jt, keys, pl) < 0)
        return -1;
    if (!router || sdd_addr_parse(router, &addr) < 0)
        return refuse(pl, "termination without a valid \"router\" address%s", "");
    if ((json_object_get(jt, "rd") && !rd) || (rd && sdd_rd_parse(rd, &rdv) < 0))
        return refuse(pl, "termination with an unreadable \"rd\"%s", "");
    if (vrf_id && (!json_is_integer(vrf_id) || json_integer_value(vrf_id) < 0 ||
                   json_integer_value(vrf_id) > UINT32_MAX))
        return refuse(pl, "\"vrf_id\" is not a whole number in 0..4294967295%s", "");
    if (peers && !json_is_array(peers))
        return refuse(pl, "\"ce_peers\" is not a list%s", "");
    t = termination_get(inv, s, &addr, rdv);
    if (t == OVER_CAP)
        return refuse(pl, "more terminations than max_terminations_per_service%s", "");
    if (t < 0)
        return refuse(pl, "out of memory%s", "");
    sdd_termination *term = &s->terms[t];
    if (copy_str(term->hostname, sizeof(term->hostname), jt, "hostname", pl) < 0 ||
        copy_str(term->vrf_name, sizeof(term->vrf_name), jt, "vrf_name", pl) < 0)
        return -1;
    if (vrf_id)
        term->vrf_id = json_integer_value(vrf_id);
    if (load_ifaces(term, json_object_get(jt, "interfaces"), pl) < 0)
        return -1;
    if (rdv)
        remember(inv, key_num(K_RD, NULL, rdv), svc);
    if (term->vrf_id >= 0 && customer_vrf_id((uint32_t)term->vrf_id))
        remember(inv, key_num(K_VRF_ID, &addr, (uint64_t)term->vrf_id), svc);
    if (term->vrf_name[0])
        remember(inv, key_str(K_VRF_NAME, &addr, term->vrf_name), svc);
    for (int j = 0; j < term->n_ifaces; j++)
        if (term->ifaces[j].name[0])
            remember(inv, key_str(K_IFNAME, &addr, term->ifaces[j].name), svc);
    json_array_foreach(peers, i, p) {
        sdd_addr peer;
        if (!json_is_string(p) || sdd_addr_parse(json_string_value(p), &peer) < 0)
            return refuse(pl, "unreadable address in \"ce_peers\"%s", "");
        termination_add_peer(inv, term, &peer);
        remember(inv, key_peer(&addr, &peer), svc);
    }
    return 0;
}

static int load_changes(sdd_service *s, json_t *arr, place *pl)
{
    static const char *const keys[] = {"id", "start", "end", NULL};
    size_t i;
    json_t *c;

    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return refuse(pl, "\"changes\" is not a list%s", "");
    if (json_array_size(arr) == 0)
        return 0;
    free(s->changes);
    s->n_changes = 0;
    s->changes = calloc(json_array_size(arr), sizeof(*s->changes));
    if (!s->changes)
        return refuse(pl, "out of memory%s", "");
    json_array_foreach(arr, i, c) {
        sdd_change_window *w = &s->changes[s->n_changes++];
        json_t *start = json_object_get(c, "start"), *end = json_object_get(c, "end");
        if (known_keys(c, keys, pl) < 0 || copy_str(w->id, sizeof(w->id), c, "id", pl) < 0)
            return -1;
        if (!json_is_integer(start) || !json_is_integer(end) || json_integer_value(end) < json_integer_value(start))
            return refuse(pl, "a change window needs whole \"start\" and \"end\" seconds, end after start%s", "");
        w->start = json_integer_value(start);
        w->end = json_integer_value(end);
    }
    return 0;
}

static int load_service(sdd_inventory *inv, json_t *js, place *pl)
{
    static const char *const keys[] = {"vpn_id", "name", "profile", "terminations", "changes", NULL};
    const char *vpn_id = json_string_value(json_object_get(js, "vpn_id"));
    json_t *terms = json_object_get(js, "terminations"), *jt;
    size_t at = strlen(pl->at), i;
    sdd_service *s;
    int svc;

    if (known_keys(js, keys, pl) < 0)
        return -1;
    if (!vpn_id || !*vpn_id || strlen(vpn_id) >= SDD_RT_TEXT_MAX)
        return refuse(pl, "service without a valid \"vpn_id\"%s", "");
    if (terms && !json_is_array(terms))
        return refuse(pl, "\"terminations\" is not a list%s", "");
    svc = service_get(inv, vpn_id);
    if (svc == OVER_CAP)
        return refuse(pl, "more services than max_services%s", "");
    if (svc < 0)
        return refuse(pl, "out of memory%s", "");
    s = &inv->services[svc];
    if (copy_str(s->name, sizeof(s->name), js, "name", pl) < 0 ||
        copy_str(s->profile, sizeof(s->profile), js, "profile", pl) < 0 ||
        load_changes(s, json_object_get(js, "changes"), pl) < 0)
        return -1;
    json_array_foreach(terms, i, jt) {
        snprintf(pl->at + at, sizeof(pl->at) - at, ".terminations[%zu]", i);
        if (load_termination(inv, svc, jt, pl) < 0)
            return -1;
    }
    pl->at[at] = '\0';
    return 0;
}

int sdd__inventory_from_json(sdd_inventory *inv, json_t *root, const char *origin, sdd_error *err)
{
    static const char *const keys[] = {"services", NULL};
    json_t *services = json_object_get(root, "services"), *js;
    place pl = {"", ""};
    size_t i;

    changed(inv);
    if (known_keys(root, keys, &pl) < 0 || !json_is_array(services))
        return fail(err, SDD_E_DATA, origin, "expected an object with a \"services\" array, and nothing else",
                    NULL);
    json_array_foreach(services, i, js) {
        snprintf(pl.at, sizeof(pl.at), "services[%zu]", i);
        if (load_service(inv, js, &pl) < 0)
            return fail(err, SDD_E_DATA, origin, pl.at, pl.why);
    }
    return 0;
}

int sdd__inventory_load(sdd_inventory *inv, const char *path, sdd_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    char where[64];
    int rc;

    if (!root) {
        snprintf(where, sizeof(where), "line %d", jerr.line);
        return fail(err, json_error_code(&jerr) == json_error_cannot_open_file ? SDD_E_IO : SDD_E_DATA, path,
                    jerr.text, jerr.line > 0 ? where : NULL);
    }
    rc = sdd__inventory_from_json(inv, root, path, err);
    json_decref(root);
    return rc;
}

/* ---- the inventory as JSON text, in the file's format ------------------ */

typedef void write_item(sdd_json_text *t, const void *item);

/* `key`, then the n items of `size` bytes at `items` as a list. */
static void write_list(sdd_json_text *t, const char *key, const void *items, int n, size_t size, write_item *item)
{
    sdd__json_text_raw(t, key);
    sdd__json_text_raw(t, "[");
    for (int i = 0; i < n; i++) {
        sdd__json_text_raw(t, i ? "," : "");
        item(t, (const char *)items + (size_t)i * size);
    }
    sdd__json_text_raw(t, "]");
}

/* `key` (with its colon and any comma before it), then the value. */
static void text_field(sdd_json_text *t, const char *key, const char *value)
{
    sdd__json_text_raw(t, key);
    sdd__json_text_string(t, value);
}

static void int_field(sdd_json_text *t, const char *key, int64_t value)
{
    sdd__json_text_raw(t, key);
    sdd__json_text_int(t, value);
}

static void write_addr(sdd_json_text *t, const void *a)
{
    char buf[64];

    sdd_addr_format(a, buf, sizeof(buf));
    sdd__json_text_string(t, buf);
}

static void write_iface(sdd_json_text *t, const void *item)
{
    const sdd_iface_ref *r = item;

    int_field(t, "{\"id\":", r->id);
    text_field(t, ",\"name\":", r->name);
    sdd__json_text_raw(t, ",\"capacity_bps\":");
    sdd__json_text_real(t, r->capacity_bps);
    sdd__json_text_raw(t, "}");
}

static void write_termination(sdd_json_text *t, const void *item)
{
    const sdd_termination *x = item;
    char rd[SDD_RD_TEXT_MAX];

    sdd__json_text_raw(t, "{\"router\":");
    write_addr(t, &x->router);
    text_field(t, ",\"hostname\":", x->hostname);
    text_field(t, ",\"vrf_name\":", x->vrf_name);
    if (x->vrf_id >= 0)
        int_field(t, ",\"vrf_id\":", x->vrf_id);
    if (x->rd) {
        sdd_rd_format(x->rd, rd, sizeof(rd));
        text_field(t, ",\"rd\":", rd);
    }
    write_list(t, ",\"interfaces\":", x->ifaces, x->n_ifaces, sizeof(*x->ifaces), write_iface);
    write_list(t, ",\"ce_peers\":", x->ce_peers, x->n_ce_peers, sizeof(*x->ce_peers), write_addr);
    sdd__json_text_raw(t, "}");
}

static void write_change(sdd_json_text *t, const void *item)
{
    const sdd_change_window *w = item;

    text_field(t, "{\"id\":", w->id);
    int_field(t, ",\"start\":", w->start);
    int_field(t, ",\"end\":", w->end);
    sdd__json_text_raw(t, "}");
}

static void write_service(sdd_json_text *t, const void *item)
{
    const sdd_service *s = item;

    text_field(t, "{\"vpn_id\":", s->vpn_id);
    text_field(t, ",\"name\":", s->name);
    text_field(t, ",\"profile\":", s->profile);
    write_list(t, ",\"terminations\":", s->terms, s->n_terms, sizeof(*s->terms), write_termination);
    write_list(t, ",\"changes\":", s->changes, s->n_changes, sizeof(*s->changes), write_change);
    sdd__json_text_raw(t, "}");
}

int sdd__inventory_write(const sdd_inventory *inv, sdd_text_sink sink, void *data)
{
    sdd_json_text *t = malloc(sizeof(*t));      /* its 16 KiB chunk: off the stack */
    int rc;

    if (!t)
        return -1;
    sdd__json_text_init(t, sink, data);
    write_list(t, "{\"services\":", inv->services, inv->n, sizeof(*inv->services), write_service);
    sdd__json_text_raw(t, "}");
    rc = sdd__json_text_finish(t);
    free(t);
    return rc;
}
