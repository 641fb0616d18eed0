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
