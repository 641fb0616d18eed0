/* SPDX-License-Identifier: GPL-2.0-or-later */
/* accum.c: see accum.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/accum.h"
#include "engine/sites.h"

int sdd__accs_grow(sdd_engine *e, uint32_t cap)
{
    sdd__acc *accs = aligned_alloc(_Alignof(sdd__acc), (size_t)cap * sizeof(*accs));
    uint32_t *listed = realloc(e->listed, (size_t)cap * sizeof(*listed));

    if (listed)
        e->listed = listed;
    if (!accs || !listed) {
        free(accs);
        return -1;
    }
    if (e->n_handles)
        memcpy(accs, e->accs, (size_t)e->n_handles * sizeof(*accs));
    memset(accs + e->n_handles, 0, (size_t)(cap - e->n_handles) * sizeof(*accs));
    free(e->accs);
    e->accs = accs;
    return 0;
}

void sdd__accs_free(sdd_engine *e)
{
    free(e->accs);
    free(e->listed);
    e->accs = NULL;
    e->listed = NULL;
    e->n_listed = 0;
}

void sdd__acc_fold(sdd_engine *e, uint32_t h)
{
    sdd__acc *acc = &e->accs[h];
    const sdd__mapping *m = &e->handles[h];
    sdd__service_state *st;
    double *row, tcp_udp, all;

    if (!acc->holds)
        return;
    st = &e->services.st[m->svc];
    row = st->rows + (size_t)acc->row * SDD_M_COUNT;
    for (int i = 0; i < SDD_ACC_METRICS; i++)
        row[i] += acc->sum[i];
    tcp_udp = acc->sum[SDD_M_TCP_BYTES] + acc->sum[SDD_M_UDP_BYTES];
    all = tcp_udp + acc->sum[SDD_M_OTHER_BYTES];
    if (m->if_in >= 0)
        row[SDD_M_IF_IN_BYTES + m->if_in] += all;
    if (m->if_out >= 0)
        row[SDD_M_IF_OUT_BYTES + m->if_out] += all;
    /* the sites' sums are made at the first record of one (out of memory:
     * judged as a service of one site), as on the per-record path */
    if (acc->site >= 0 && (st->sites || (st->sites = sdd__sites_new(e->slots.n_rows)))) {
        double *site = sdd__sites_sums(st->sites, acc->row, acc->site);
        site[SDD_SM_BYTES] += tcp_udp;
        site[SDD_SM_OTHER_BYTES] += acc->sum[SDD_M_OTHER_BYTES];
    }
    acc->holds = 0;
    memset(acc->sum, 0, sizeof(acc->sum));
}

/* The accumulators some places on in the list are asked of memory first,
 * then their services' states: each fold's lines are cold. */
#define FOLD_AHEAD 8

void sdd__engine_fold(sdd_engine *e)
{
    for (uint32_t i = 0; i < e->n_listed; i++) {
        if (i + FOLD_AHEAD < e->n_listed) {
            __builtin_prefetch(&e->accs[e->listed[i + FOLD_AHEAD]]);
            __builtin_prefetch(&e->handles[e->listed[i + FOLD_AHEAD]]);
        }
        if (i + FOLD_AHEAD / 2 < e->n_listed && e->accs[e->listed[i + FOLD_AHEAD / 2]].holds)
            __builtin_prefetch(&e->services.st[e->handles[e->listed[i + FOLD_AHEAD / 2]].svc]);
        sdd__acc_fold(e, e->listed[i]);
        e->accs[e->listed[i]].listed = 0;
    }
    e->n_listed = 0;
}

void sdd__acc_remap(sdd_engine *e, uint32_t h)
{
    if (e->accs[h].version && e->accs[h].version != sdd__inventory_version(e->inv))
        sdd__acc_fold(e, h);
}

/* The site (of a service of several) whose sums a flow of map adds to;
 * -1 none. */
static int site_of(const sdd_engine *e, const sdd__mapping *map)
{
    int n_terms = sdd__inventory_service(e->inv, map->svc)->n_terms;

    return map->term >= 0 && map->term < SDD_SITES_TRACKED && n_terms >= 2 ? map->term : -1;
}

/* The tag moved to `slot` (the sums of an older one folded first), the
 * accumulator in the list to fold; 0 when it holds a newer slot. */
static int tag(sdd_engine *e, uint32_t h, int64_t slot, int row)
{
    sdd__acc *acc = &e->accs[h];

    if (acc->holds && acc->slot != slot) {
        if (acc->slot > slot)
            return 0;
        sdd__acc_fold(e, h);
    }
    if (!acc->holds) {
        acc->start = slot * e->slots.step;
        acc->slot = slot;
        acc->row = row;
        acc->holds = 1;
    }
    if (!acc->listed)
        e->listed[e->n_listed++] = h;
    acc->listed = 1;
    return 1;
}

int sdd__acc_take(sdd_engine *e, uint32_t h, const sdd__mapping *map, int64_t slot, int row, const sdd_flow_agg *a)
{
    sdd__acc *acc = &e->accs[h];

    if (SDD_FWD_STATUS(a->fwd_status) == SDD_FWD_STATUS_DROPPED || slot < e->slots.next_close ||
        e->clock.last < 0 || !e->services.st[map->svc].rows || !tag(e, h, slot, row))
        return 0;
    /* the same while the inventory does not change (sdd__acc_remap folded
     * the sums of an older version) */
    acc->version = map->version;
    acc->source = e->clock.last;
    acc->site = (int8_t)site_of(e, map);
    e->slots.row_records[row]++;
    sdd__acc_add(acc, a);
    return 1;
}

int sdd__acc_retag(sdd_engine *e, uint32_t h, int64_t slot, int row, const sdd_flow_agg *a)
{
    if (!tag(e, h, slot, row))
        return 0;
    sdd__acc_count(e, row, a);
    sdd__acc_add(&e->accs[h], a);
    return 1;
}
