/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.c: see services.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "engine/services.h"

void sdd__services_init(sdd__services *sv, int n_rows)
{
    memset(sv, 0, sizeof(*sv));
    sv->n_rows = n_rows;
}

void sdd__services_free(sdd__services *sv)
{
    for (int i = 0; i < sv->n; i++) {
        free(sv->st[i].rows);
        sdd__lifecycle_release(&sv->st[i].rs);
    }
    free(sv->st);
    free(sv->downs);
    memset(sv, 0, sizeof(*sv));
}

static const sdd_profile *profile_of(const sdd_config *cfg, const sdd_service *s)
{
    const sdd_profile *p = sdd__config_profile(cfg, s->profile);
    return p ? p : &cfg->profiles[0];
}

static int make_state(sdd__services *sv, sdd__service_state *st, const sdd_service *s, const sdd_config *cfg,
                      sdd_history *hist)
{
    memset(st, 0, sizeof(*st));
    st->profile = profile_of(cfg, s);
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
    for (int i = 0; i < sv->n; i++)
        sv->st[i].profile = profile_of(cfg, sdd__inventory_service(inv, i));
}

static int same_addr(const sdd_addr *a, const sdd_addr *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

static int down_index(const sdd__services *sv, const sdd_addr *router, const sdd_addr *peer)
{
    for (int i = 0; i < sv->n_downs; i++)
        if (same_addr(&sv->downs[i].router, router) && same_addr(&sv->downs[i].peer, peer))
            return i;
    return -1;
}

static void forget_down(sdd__services *sv, int i)
{
    memmove(&sv->downs[i], &sv->downs[i + 1], (size_t)(sv->n_downs - i - 1) * sizeof(*sv->downs));
    sv->n_downs--;
}

void sdd__services_peer_down(sdd__services *sv, const sdd_addr *router, const sdd_addr *peer, int64_t time,
                             int reason)
{
    int i = down_index(sv, router, peer);

    if (i >= 0)
        forget_down(sv, i);             /* down again: the newest drop counts */
    else if (sv->n_downs == SDD_PEER_DOWNS_MAX)
        forget_down(sv, 0);
    if (sv->n_downs == sv->cap_downs) {
        int cap = sv->cap_downs ? 2 * sv->cap_downs : 8;
        sdd__peer_down *grown = realloc(sv->downs, (size_t)cap * sizeof(*grown));
        if (!grown)
            return;                     /* its withdrawals stay with their own services only */
        sv->downs = grown;
        sv->cap_downs = cap;
    }
    sv->downs[sv->n_downs++] = (sdd__peer_down){*router, *peer, time, reason};
}

void sdd__services_peer_up(sdd__services *sv, const sdd_addr *router, const sdd_addr *peer)
{
    int i = down_index(sv, router, peer);

    if (i >= 0)
        forget_down(sv, i);
}

const sdd__peer_down *sdd__services_find_down(const sdd__services *sv, const sdd_addr *router,
                                              const sdd_addr *peer)
{
    int i = down_index(sv, router, peer);
    return i >= 0 ? &sv->downs[i] : NULL;
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
