/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inventory.h: VPN services, their terminations, and how records find them.
 *
 * A service is identified by its route target (vpn_id "64497:4438"). Its
 * terminations are the places it attaches to the network: a router, a VRF,
 * a route distinguisher, interfaces and CE peers. They come from an
 * inventory file and are learned from the records themselves: route targets
 * and RDs of BMP routes, RD-instance peers, RD and VRF ids of IPFIX flows. */
#ifndef SDD_INVENTORY_H
#define SDD_INVENTORY_H

#include <jansson.h>

#include "util/json_text.h"
#include "util/map.h"
#include "sdd/sdd.h"

typedef struct sdd_iface_ref {
    uint32_t id;                        /* ifIndex; 0 unknown */
    char name[SDD_NAME_MAX];
    double capacity_bps;                /* 0 unknown */
} sdd_iface_ref;

typedef struct sdd_termination {
    sdd_addr router;
    char hostname[SDD_NAME_MAX];
    char vrf_name[SDD_NAME_MAX];
    int64_t vrf_id;                     /* -1 unknown */
    sdd_rd rd;
    sdd_iface_ref *ifaces;
    int n_ifaces;
    sdd_addr *ce_peers;
    int n_ce_peers;
} sdd_termination;

typedef struct sdd_change_window {
    char id[SDD_NAME_MAX];
    int64_t start, end;
} sdd_change_window;

typedef struct sdd_service {
    char vpn_id[SDD_RT_TEXT_MAX];
    char name[SDD_NAME_MAX];
    char profile[SDD_NAME_MAX];
    sdd_termination *terms;
    int n_terms, cap_terms;
    sdd_change_window *changes;
    int n_changes;
} sdd_service;

/* Why a record found no service; counted by the engine. */
typedef enum sdd_unmapped {
    SDD_UNMAPPED_NONE = 0,
    SDD_UNMAPPED_NO_VPN_FIELDS,         /* no RD, VRF id or VRF name of a customer: global table */
    SDD_UNMAPPED_UNKNOWN_RD,
    SDD_UNMAPPED_UNKNOWN_VRF,
    SDD_UNMAPPED_UNKNOWN_INTERFACE,
    SDD_UNMAPPED_NO_ROUTE_TARGET,       /* a route with no RT and an RD of no service */
    SDD_UNMAPPED_COUNT
} sdd_unmapped;

const char *sdd__unmapped_name(sdd_unmapped u);

typedef struct sdd_inventory sdd_inventory;

sdd_inventory *sdd__inventory_new(int learn_unknown_rd);
/* What may be learned from records, and the caps on what is kept (of the
 * loaded inventory too): a service or termination over a cap is refused and
 * counted (sdd__inventory_refused). Without a call: route targets learned,
 * no caps. */
void sdd__inventory_limit(sdd_inventory *inv, int learn_route_targets, int max_services, int max_terminations);
/* Whether an RD of no service forms a service of its own (learn_unknown_rd),
 * as given to sdd__inventory_new: a new configuration may change it. */
void sdd__inventory_learn_unknown_rd(sdd_inventory *inv, int learn_unknown_rd);
/* Services and terminations refused by the caps so far. */
void sdd__inventory_refused(const sdd_inventory *inv, uint64_t *services, uint64_t *terminations);
void sdd__inventory_free(sdd_inventory *inv);
int sdd__inventory_load(sdd_inventory *inv, const char *path, sdd_error *err);
/* The same from a parsed document; `origin` names it in errors. */
int sdd__inventory_from_json(sdd_inventory *inv, json_t *root, const char *origin, sdd_error *err);
/* Everything known, loaded and learned, as the inventory file's JSON text
 * (jansson's compact form, json_text.h), handed to `sink` in pieces: no
 * document in memory, which cost a state file's checkpoint of 100,000
 * services most of its time. 0, or -1 when the sink refused or out of
 * memory. */
int sdd__inventory_write(const sdd_inventory *inv, sdd_text_sink sink, void *data);
/* Changes whenever what sdd__inventory_write writes or what
 * sdd__inventory_map_flow answers may have changed (a load, a service,
 * termination, CE peer, VRF or lookup key learned); no two inventories of
 * the process share one. A mapping kept with the version it was made at
 * holds while the version is the same (resolve.h). */
uint64_t sdd__inventory_version(const sdd_inventory *inv);

int sdd__inventory_count(const sdd_inventory *inv);
sdd_service *sdd__inventory_service(sdd_inventory *inv, int index);
int sdd__inventory_find(const sdd_inventory *inv, const char *vpn_id);   /* -1 if none */

/* The service of a record (index), learning what the record teaches; or -1
 * with *why set. A flow's *term is the service's termination it was seen
 * at (its router with its RD, else with its VRF id or VRF name), -1 if none
 * is known: terminations are learned from flows with an RD (and from BMP). */
int sdd__inventory_map_flow(sdd_inventory *inv, const sdd_flow *f, int *term, sdd_unmapped *why);
int sdd__inventory_map_bmp(sdd_inventory *inv, const sdd_bmp_event *ev, sdd_unmapped *why);
int sdd__inventory_map_iface(sdd_inventory *inv, const sdd_iface_event *ev, int *term, sdd_unmapped *why);

/* The termination of a service on a router with an RD or a CE peer; -1 if none. */
int sdd__service_termination(const sdd_service *s, const sdd_addr *router, sdd_rd rd, const sdd_addr *peer);

#endif
