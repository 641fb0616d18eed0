/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carriers.h: which peers outside any VRF (the global instance: a route
 * reflector, a remote PE sending VPNv4) carry which services, learned from
 * the route targets of the routes received through each (router, peer).
 * Such a peer is named by no termination of the inventory, and BMP sends no
 * withdrawals when its session drops (its routes go implicitly), so this is
 * how its drop is known to cut services off, from the first minute, without
 * history.
 *
 * Each (router, peer) that carries a route is a carrier: a hash set of its
 * routes (a 64-bit fingerprint of RD and prefix, with the service the route
 * mapped to) and the services it carries, sorted, each with its count of
 * routes. A withdrawal forgets its route, and a service with no route left
 * is no longer carried; a peer down forgets the carrier (its routes are
 * gone; a peer up sends them again). Carriers are sorted by (router, peer),
 * so those of one router are neighbours: "does another peer of this router
 * still carry the service" is a binary search in each. Memory is bounded by
 * max_global_routes, routes kept at most over every carrier; one more is
 * refused and counted. */
#ifndef SDD_ENGINE_CARRIERS_H
#define SDD_ENGINE_CARRIERS_H

#include <stdint.h>

#include "sdd/sdd.h"

typedef struct sdd__carried {
    int32_t svc;
    uint32_t routes;
} sdd__carried;

typedef struct sdd__carrier {
    sdd_addr router, peer;
    uint64_t *keys;                     /* open addressing, linear probing; 0 is empty */
    int32_t *svc_of;                    /* the service of the route at the same index */
    uint32_t cap, n;                    /* slots (a power of 2), routes */
    sdd__carried *svcs;                 /* sorted by svc */
    int n_svcs, cap_svcs;
} sdd__carrier;

typedef struct sdd__carriers {
    sdd__carrier *c;                    /* sorted by (router, peer) */
    int n, cap;
    uint64_t routes, max_routes;
    uint64_t refused;                   /* routes not kept: past max_routes or out of memory */
} sdd__carriers;

void sdd__carriers_init(sdd__carriers *cs, uint64_t max_routes);
void sdd__carriers_free(sdd__carriers *cs);

/* The fingerprint of a route (its RD and prefix), never 0. */
uint64_t sdd__route_key(sdd_rd rd, const char *prefix);

/* Route `key` of service svc received through (router, peer): kept (a
 * route seen again may have changed service: it moves). -1 when refused. */
int sdd__carriers_add(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer, uint64_t key, int32_t svc);
/* Route `key` withdrawn by (router, peer): forgotten. */
void sdd__carriers_remove(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer, uint64_t key);
/* The peer went down: its carrier forgotten; the services it carried, with
 * how many of its routes each, into *out (malloc'ed, the caller frees it);
 * how many (0 and *out NULL when it carried none). */
int sdd__carriers_drop(sdd__carriers *cs, const sdd_addr *router, const sdd_addr *peer, sdd__carried **out);
/* Where service svc is in the carrier's sorted list; -1 if not there. */
int sdd__carrier_service_at(const sdd__carrier *c, int32_t svc);
/* 1 if a peer of router (a carrier still up) carries service svc. */
int sdd__carriers_reach(const sdd__carriers *cs, const sdd_addr *router, int32_t svc);

#endif
