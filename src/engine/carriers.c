/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carriers.c: see carriers.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/carriers.h"

void sdd__carriers_init(sdd__carriers *cs, uint64_t max_routes)
{
    memset(cs, 0, sizeof(*cs));
    cs->max_routes = max_routes;
}

static void carrier_free(sdd__carrier *c)
{
    free(c->keys);
    free(c->svc_of);
    free(c->svcs);
}

void sdd__carriers_free(sdd__carriers *cs)
{
    for (int i = 0; i < cs->n; i++)
        carrier_free(&cs->c[i]);
    free(cs->c);
    memset(cs, 0, sizeof(*cs));
}

/* FNV-1a over the RD and the prefix text, then a finaliser that spreads
 * the bits (the low ones pick the slot). */
uint64_t sdd__route_key(sdd_rd rd, const char *prefix)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (int i = 0; i < 8; i++)
        h = (h ^ ((rd >> (8 * i)) & 0xff)) * 0x100000001b3u;
    for (const char *p = prefix; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3u;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h ? h : 1;
}

/* ---- the carriers, sorted by (router, peer) ------------------------------ */

static int cmp_pair(const sdd_addr *router, const sdd_addr *peer, const sdd__carrier *c)
{
    int d = memcmp(router, &c->router, sizeof(*router));
    return d ? d : memcmp(peer, &c->peer, sizeof(*peer));
}

/* The index of the carrier, or -(where it would go) - 1. */
static int find(const sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer)
{
    int lo = 0, hi = cs->n;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, d = cmp_pair(router, peer, &cs->c[mid]);
        if (d == 0)
            return mid;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -lo - 1;
}

static sdd__carrier *carrier_get(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer)
{
    int i = find(cs, router, peer);

    if (i >= 0)
        return &cs->c[i];
    i = -i - 1;
    if (cs->n == cs->cap) {
        int cap = cs->cap ? 2 * cs->cap : 8;
        sdd__carrier *grown = realloc(cs->c, (size_t)cap * sizeof(*grown));
        if (!grown)
            return NULL;
        cs->c = grown;
        cs->cap = cap;
    }
    memmove(&cs->c[i + 1], &cs->c[i], (size_t)(cs->n - i) * sizeof(*cs->c));
    memset(&cs->c[i], 0, sizeof(cs->c[i]));
    cs->c[i].router = *router;
    cs->c[i].peer = *peer;
    cs->n++;
    return &cs->c[i];
}

static void carrier_forget(sdd__carriers *cs, int i)
{
    cs->routes -= cs->c[i].n;
    carrier_free(&cs->c[i]);
    memmove(&cs->c[i], &cs->c[i + 1], (size_t)(cs->n - i - 1) * sizeof(*cs->c));
    cs->n--;
}

/* ---- a carrier's services, sorted by service ----------------------------- */

static int svc_index(const sdd__carrier *c, int32_t svc)
{
    int lo = 0, hi = c->n_svcs;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->svcs[mid].svc == svc)
            return mid;
        if (c->svcs[mid].svc > svc)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -lo - 1;
}

int sdd__carrier_service_at(const sdd__carrier *c, int32_t svc)
{
    int i = svc_index(c, svc);
    return i >= 0 ? i : -1;
}

static int svc_count(sdd__carrier *c, int32_t svc)
{
    int i = svc_index(c, svc);

    if (i >= 0) {
        c->svcs[i].routes++;
        return 0;
    }
    i = -i - 1;
    if (c->n_svcs == c->cap_svcs) {
        int cap = c->cap_svcs ? 2 * c->cap_svcs : 4;
        sdd__carried *grown = realloc(c->svcs, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -1;
        c->svcs = grown;
        c->cap_svcs = cap;
    }
    memmove(&c->svcs[i + 1], &c->svcs[i], (size_t)(c->n_svcs - i) * sizeof(*c->svcs));
    c->svcs[i] = (sdd__carried){svc, 1};
    c->n_svcs++;
    return 0;
}

static void svc_uncount(sdd__carrier *c, int32_t svc)
{
    int i = svc_index(c, svc);

    if (i < 0 || --c->svcs[i].routes)
        return;
    memmove(&c->svcs[i], &c->svcs[i + 1], (size_t)(c->n_svcs - i - 1) * sizeof(*c->svcs));
    c->n_svcs--;
}

/* ---- a carrier's routes: open addressing ---------------------------------- */

/* The slot of key, or the empty slot where it would go. */
static uint32_t slot_of(const sdd__carrier *c, uint64_t key)
{
    uint32_t mask = c->cap - 1, i = (uint32_t)key & mask;

    while (c->keys[i] && c->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

/* Twice the slots, every route placed again; kept under half full. */
static int grow(sdd__carrier *c)
{
    uint32_t cap = c->cap ? 2 * c->cap : 16;
    sdd__carrier bigger = *c;

    bigger.cap = cap;
    bigger.keys = calloc(cap, sizeof(*bigger.keys));
    bigger.svc_of = malloc(cap * sizeof(*bigger.svc_of));
    if (!bigger.keys || !bigger.svc_of) {
        free(bigger.keys);
        free(bigger.svc_of);
        return -1;
    }
    for (uint32_t i = 0; i < c->cap; i++)
        if (c->keys[i]) {
            uint32_t j = slot_of(&bigger, c->keys[i]);
            bigger.keys[j] = c->keys[i];
            bigger.svc_of[j] = c->svc_of[i];
        }
    free(c->keys);
    free(c->svc_of);
    *c = bigger;
    return 0;
}

int sdd__carriers_add(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer, uint64_t key, int32_t svc)
{
    sdd__carrier *c = cs->routes < cs->max_routes ? carrier_get(cs, router, peer) : NULL;
    uint32_t i;

    if (!c) {
        /* at the cap a route already kept may still move; a new one is refused */
        int at = find(cs, router, peer);
        c = at >= 0 ? &cs->c[at] : NULL;
        if (!c || !c->keys || !c->keys[slot_of(c, key)]) {
            cs->refused++;
            return -1;
        }
    }
    if ((2 * (c->n + 1) > c->cap && grow(c) < 0)) {
        cs->refused++;
        return -1;
    }
    i = slot_of(c, key);
    if (c->keys[i]) {
        if (c->svc_of[i] == svc)
            return 0;
        svc_uncount(c, c->svc_of[i]);
    } else {
        c->keys[i] = key;
        c->n++;
        cs->routes++;
    }
    c->svc_of[i] = svc;
    if (svc_count(c, svc) < 0) {
        sdd__carriers_remove(cs, router, peer, key);
        cs->refused++;
        return -1;
    }
    return 0;
}

/* Backward-shift deletion: the routes after the hole that probed past it
 * move into it, so that a lookup never stops early. */
static void delete_at(sdd__carrier *c, uint32_t i)
{
    uint32_t mask = c->cap - 1, j = i;

    c->keys[i] = 0;
    for (;;) {
        j = (j + 1) & mask;
        if (!c->keys[j])
            return;
        uint32_t home = (uint32_t)c->keys[j] & mask;
        /* the route at j stays if its home lies cyclically in (i, j] */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        c->keys[i] = c->keys[j];
        c->svc_of[i] = c->svc_of[j];
        c->keys[j] = 0;
        i = j;
    }
}

void sdd__carriers_remove(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer, uint64_t key)
{
    int at = find(cs, router, peer);
    sdd__carrier *c = at >= 0 ? &cs->c[at] : NULL;
    uint32_t i;

    if (!c || !c->keys || !c->keys[i = slot_of(c, key)])
        return;
    svc_uncount(c, c->svc_of[i]);
    delete_at(c, i);
    c->n--;
    cs->routes--;
    if (!c->n)
        carrier_forget(cs, at);
}

int sdd__carriers_drop(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer, sdd__carried **out)
{
    int at = find(cs, router, peer), n;

    *out = NULL;
    if (at < 0)
        return 0;
    n = cs->c[at].n_svcs;
    *out = cs->c[at].svcs;
    cs->c[at].svcs = NULL;
    carrier_forget(cs, at);
    return n;
}

int sdd__carriers_reach(const sdd__carriers *cs, const sdd_addr *router, int32_t svc)
{
    sdd_addr lowest;
    int i;

    memset(&lowest, 0, sizeof(lowest));
    i = find(cs, router, &lowest);
    for (i = i >= 0 ? i : -i - 1; i < cs->n && memcmp(&cs->c[i].router, router, sizeof(*router)) == 0; i++)
        if (svc_index(&cs->c[i], svc) >= 0)
            return 1;
    return 0;
}
