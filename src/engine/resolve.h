/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolve.h: what a flow's key maps to, kept while the inventory holds.
 *
 * Mapping a flow (inventory.c) looks its RD or VRF up in a map of byte
 * strings, walks the service's terminations for the flow's, and walks them
 * again for the interfaces the service tracks: most of a record's cost at
 * 100,000 services, and the same answer for every aggregate of one key
 * (router, RD, VRF ids and name, interfaces). A mapping keeps that answer
 * with the inventory version it was made at (sdd__inventory_version), and
 * is made again once the version moves. The per-record path keeps mappings
 * in a cache indexed by the key's hash; the batch API (sdd_engine_add_flows)
 * in handles its caller resolved once. */
#ifndef SDD_ENGINE_RESOLVE_H
#define SDD_ENGINE_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/inventory.h"

/* The fields of a flow that decide its mapping. */
typedef struct sdd__flow_key {
    sdd_addr router;
    sdd_rd rd;
    uint32_t vrf_id_ingress, vrf_id_egress;
    uint32_t iface_in, iface_out;
    char vrf_name[SDD_NAME_MAX];
} sdd__flow_key;

/* What a record reads first (the version, the answer) and the router
 * (the clock's key) share the first cache line. */
typedef struct sdd__mapping {
    uint64_t version;                   /* inventory version it holds for; 0: to be made */
    int32_t svc;                        /* -1: unmapped (made again each time: mapping counts refusals) */
    int32_t term;
    int8_t if_in, if_out;               /* the service's tracked interface of iface_in, iface_out; -1 none */
    sdd_unmapped why;
    sdd__flow_key key;
} sdd__mapping;

/* The per-record path's cache: direct-mapped, grown with the inventory. */
typedef struct sdd__resolver {
    sdd__mapping *slot;
    size_t mask;                        /* slots - 1; no table before the first flow */
} sdd__resolver;

void sdd__flow_key_of(const sdd_flow *f, sdd__flow_key *k);
/* The rest of f: what a batch adds for handle h. */
void sdd__flow_agg_of(const sdd_flow *f, sdd_flow_handle h, sdd_flow_agg *a);
/* 1 when f has key k. */
int sdd__flow_key_same(const sdd__flow_key *k, const sdd_flow *f);
/* A hash of f's key, for tables of keys. */
size_t sdd__flow_key_hash(const sdd_flow *f);
/* The mapping of k, made again if it does not hold for inv any more. */
const sdd__mapping *sdd__mapping_get(sdd__mapping *m, sdd_inventory *inv);
/* The cache's slot for f's key (the key set, to be made if it was
 * another's); NULL when out of memory. */
sdd__mapping *sdd__resolver_slot(sdd__resolver *r, const sdd_inventory *inv, const sdd_flow *f);
void sdd__resolver_free(sdd__resolver *r);

#endif
