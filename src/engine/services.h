/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.h: what the engine keeps per service beside its history: the
 * rows of its open and late slots, its recent control- and management-plane
 * events, and its relevant state. One entry per service of the inventory, in
 * inventory order, made when the inventory grows. */
#ifndef SDD_ENGINE_SERVICES_H
#define SDD_ENGINE_SERVICES_H

#include "detect/detector.h"
#include "engine/config.h"
#include "engine/history.h"
#include "engine/inventory.h"
#include "engine/profile.h"
#include "engine/sites.h"
#include "lifecycle/lifecycle.h"

#define SDD_EVENTS_KEPT 32

typedef struct sdd__service_state {
    int32_t hist;                       /* history entity */
    const sdd_profile *profile;
    double *rows;                       /* n_rows rows of SDD_M_COUNT: slots' exact sums (slots.h) */
    sdd__sites *sites;                  /* per-site sums and levels once a second site sent a flow; else NULL */
    sdd_event events[SDD_EVENTS_KEPT];  /* ring */
    int n_events, next_event;
    sdd_relevant_state rs;
    sdd_auto_class auto_class;          /* its automatic profile's class (profile.h) */
    int64_t auto_day;                   /* the day (UTC, of event time) it was last classed */
} sdd__service_state;

typedef struct sdd__services {
    sdd__service_state *st;
    int n;
    int n_rows;                         /* of each service's rows */
    uint64_t refused;                   /* services that could not get memory or history */
    sdd_profile templates[SDD_AUTO_COUNT];      /* of the automatic profiles, from the configuration */
} sdd__services;

void sdd__services_init(sdd__services *sv, int n_rows, const sdd_config *cfg);
void sdd__services_free(sdd__services *sv);
/* The state of service `svc`, made for every service the inventory has
 * gained since the last call (with its profile from cfg and its history
 * entity). NULL when out of memory or history refuses the service: counted
 * in `refused`. */
sdd__service_state *sdd__services_get(sdd__services *sv, int svc, sdd_inventory *inv, const sdd_config *cfg,
                                      sdd_history *hist);

/* Every service's profile looked up again, in a new configuration. */
void sdd__services_reprofile(sdd__services *sv, sdd_inventory *inv, const sdd_config *cfg);

/* A service with no profile in the inventory is classed again from its
 * history (profile.h) once a day, at the first slot closed with data from
 * its own minute of the day on (its history entity modulo a day's slots),
 * unless its relevant state is open (then at the first slot after it
 * closes): a profile is not changed under a disruption being followed. */
void sdd__services_revise(sdd__services *sv, int svc, const sdd_service *s, const sdd_config *cfg,
                          const sdd_history *hist, int64_t slot, int step);
/* Sets the class and day of a service as a checkpoint had them. */
void sdd__services_set_class(sdd__services *sv, int svc, const sdd_service *s, const sdd_config *cfg,
                             sdd_auto_class cls, int64_t day);

void sdd__service_add_event(sdd__service_state *st, const sdd_event *ev);
/* 1 if the service's last event of `peer` is a peer down (s: the service,
 * whose terminations say on which router an event was, when they know). */
int sdd__service_peer_is_down(const sdd__service_state *st, const sdd_service *s, const sdd_addr *router,
                              const sdd_addr *peer);
/* The events of the ring, oldest first, into out (SDD_EVENTS_KEPT); how many. */
int sdd__service_events(const sdd__service_state *st, sdd_event *out);

#endif
