/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.c: see services.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "engine/services.h"

void sdd__services_init(sdd__services *sv, int n_rows, const sdd_config *cfg)
{
    memset(sv, 0, sizeof(*sv));
    sv->n_rows = n_rows;
    sdd__profile_templates(cfg, sv->templates);
}

void sdd__services_free(sdd__services *sv)
{
    for (int i = 0; i < sv->n; i++) {
        free(sv->st[i].rows);
        sdd__sites_free(sv->st[i].sites);
        sdd__lifecycle_release(&sv->st[i].rs);
    }
    free(sv->st);
    memset(sv, 0, sizeof(*sv));
}

/* 1 when the inventory chose the service's profile: one other than
 * "default", which is what a service without one has (inventory.c). */
static int chosen(const sdd_service *s)
{
    return s->profile[0] && strcmp(s->profile, "default") != 0;
}

/* The inventory's profile (a template when it names one), else the
 * template of the service's class (the default profile until it has one). */
static const sdd_profile *profile_of(const sdd__services *sv, const sdd__service_state *st, const sdd_config *cfg,
                                     const sdd_service *s)
{
    sdd_auto_class named = chosen(s) ? sdd__profile_class_named(s->profile) : SDD_AUTO_NONE;
    const sdd_profile *p = named != SDD_AUTO_NONE ? &sv->templates[named]
                           : chosen(s)             ? sdd__config_profile(cfg, s->profile)
                                                   : NULL;
    return p ? p : st->auto_class == SDD_AUTO_NONE ? &cfg->profiles[0] : &sv->templates[st->auto_class];
}

static int make_state(sdd__services *sv, sdd__service_state *st, const sdd_service *s, const sdd_config *cfg,
                      sdd_history *hist)
{
    memset(st, 0, sizeof(*st));
    st->auto_class = SDD_AUTO_NONE;
    st->auto_day = INT64_MIN;
    st->profile = profile_of(sv, st, cfg, s);
    st->rows = calloc((size_t)sv->n_rows * SDD_M_COUNT, sizeof(double));
    st->hist = sdd__history_entity(hist, s->vpn_id, NULL);
    if (st->rows && st->hist >= 0)
        return 0;
    free(st->rows);
    st->rows = NULL;
    return -1;
}

sdd__service_state *sdd__services_get(sdd__services *sv, int svc, sdd_inventory *inv, const sdd_config *cfg,
                                      sdd_history *hist)
{
    int count = sdd__inventory_count(inv);
    sdd__service_state *grown;

    if (svc < sv->n)
        return &sv->st[svc];
    grown = realloc(sv->st, (size_t)count * sizeof(*grown));
    if (!grown) {
        sv->refused++;
        return NULL;
    }
    sv->st = grown;
    for (; sv->n < count; sv->n++)
        if (make_state(sv, &sv->st[sv->n], sdd__inventory_service(inv, sv->n), cfg, hist) < 0) {
            sv->refused++;
            return NULL;
        }
    return &sv->st[svc];
}

void sdd__services_reprofile(sdd__services *sv, sdd_inventory *inv, const sdd_config *cfg)
{
    sdd__profile_templates(cfg, sv->templates);
    for (int i = 0; i < sv->n; i++)
        sv->st[i].profile = profile_of(sv, &sv->st[i], cfg, sdd__inventory_service(inv, i));
}

static int64_t day_of(int64_t slot, int step)
{
    int64_t t = slot * step;
    return (t >= 0 ? t : t - 86399) / 86400;
}

void sdd__services_revise(sdd__services *sv, int svc, const sdd_service *s, const sdd_config *cfg,
                          const sdd_history *hist, int64_t slot, int step)
{
    sdd__service_state *st = &sv->st[svc];
    /* Each service's day starts at its own minute (by its history entity,
     * which a restart keeps): classing 100,000 services at once would
     * make one detection cycle a day some seconds long. */
    int64_t day = day_of(slot - st->hist % sdd__profile_history_slots(step), step);
    sdd_auto_class cls;

    if (chosen(s) || day <= st->auto_day || sdd__lifecycle_is_open(&st->rs, st->profile))
        return;
    cls = sdd__profile_classify(hist, st->hist, slot, step);
    sdd__services_set_class(sv, svc, s, cfg, cls == SDD_AUTO_NONE ? st->auto_class : cls, day);
}

void sdd__services_set_class(sdd__services *sv, int svc, const sdd_service *s, const sdd_config *cfg,
                             sdd_auto_class cls, int64_t day)
{
    sdd__service_state *st = &sv->st[svc];

    st->auto_class = cls;
    st->auto_day = day;
    st->profile = profile_of(sv, st, cfg, s);
}

static int same_addr(const sdd_addr *a, const sdd_addr *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

void sdd__service_add_event(sdd__service_state *st, const sdd_event *ev)
{
    st->events[st->next_event] = *ev;
    st->next_event = (st->next_event + 1) % SDD_EVENTS_KEPT;
    if (st->n_events < SDD_EVENTS_KEPT)
        st->n_events++;
}

int sdd__service_events(const sdd__service_state *st, sdd_event *out)
{
    int first = (st->next_event - st->n_events + SDD_EVENTS_KEPT) % SDD_EVENTS_KEPT;

    for (int i = 0; i < st->n_events; i++)
        out[i] = st->events[(first + i) % SDD_EVENTS_KEPT];
    return st->n_events;
}

int sdd__service_peer_is_down(const sdd__service_state *st, const sdd_service *s, const sdd_addr *router,
                              const sdd_addr *peer)
{
    for (int k = 1; k <= st->n_events; k++) {
        const sdd_event *ev = &st->events[(st->next_event - k + SDD_EVENTS_KEPT) % SDD_EVENTS_KEPT];
        int t = ev->termination;
        if ((ev->kind != SDD_EV_PEER_DOWN && ev->kind != SDD_EV_PEER_UP) || !same_addr(&ev->peer, peer) ||
            (t >= 0 && t < s->n_terms && !same_addr(&s->terms[t].router, router)))
            continue;
        return ev->kind == SDD_EV_PEER_DOWN;
    }
    return 0;
}
