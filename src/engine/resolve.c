/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolve.c: see resolve.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "engine/resolve.h"

/* Slots: twice the services rounded up to a power of two, within these
 * (128 bytes a slot: at most 32 MiB), in pairs: a key may be in either
 * slot of its pair. */
#define CACHE_MIN 1024
#define CACHE_MAX ((size_t)1 << 18)

void sdd__flow_key_of(const sdd_flow *f, sdd__flow_key *k)
{
    k->router = f->router;
    k->rd = f->rd;
    k->vrf_id_ingress = f->vrf_id_ingress;
    k->vrf_id_egress = f->vrf_id_egress;
    k->iface_in = f->iface_in;
    k->iface_out = f->iface_out;
    memcpy(k->vrf_name, f->vrf_name, sizeof(k->vrf_name));
}

void sdd__flow_agg_of(const sdd_flow *f, sdd_flow_handle h, sdd_flow_agg *a)
{
    a->time = f->time;
    a->packets = f->packets;
    a->bytes = f->bytes;
    a->flows = f->flows;
    a->ip_proto = f->ip_proto;
    a->tcp_flags = f->tcp_flags;
    a->fwd_status = f->fwd_status;
    a->handle = h;
}

int sdd__flow_key_same(const sdd__flow_key *k, const sdd_flow *f)
{
    return k->rd == f->rd && k->iface_in == f->iface_in && k->iface_out == f->iface_out &&
           k->vrf_id_ingress == f->vrf_id_ingress && k->vrf_id_egress == f->vrf_id_egress &&
           memcmp(&k->router, &f->router, sizeof(k->router)) == 0 && strcmp(k->vrf_name, f->vrf_name) == 0;
}

/* Which of the service's tracked interfaces (its first SDD_IF_TRACKED in
 * inventory order) is `ifindex` on `router`; -1 if none. */
static int tracked_iface(const sdd_service *s, const sdd_addr *router, uint32_t ifindex)
{
    int k = 0;

    for (int t = 0; t < s->n_terms; t++)
        for (int i = 0; i < s->terms[t].n_ifaces && k < SDD_IF_TRACKED; i++, k++)
            if (ifindex && s->terms[t].ifaces[i].id == ifindex &&
                memcmp(&s->terms[t].router, router, sizeof(*router)) == 0)
                return k;
    return -1;
}

static void make(sdd__mapping *m, sdd_inventory *inv)
{
    sdd_flow f;
    int term = -1;

    memset(&f, 0, sizeof(f));
    f.router = m->key.router;
    f.rd = m->key.rd;
    f.vrf_id_ingress = m->key.vrf_id_ingress;
    f.vrf_id_egress = m->key.vrf_id_egress;
    f.iface_in = m->key.iface_in;
    f.iface_out = m->key.iface_out;
    memcpy(f.vrf_name, m->key.vrf_name, sizeof(f.vrf_name));
    m->why = SDD_UNMAPPED_NONE;
    m->svc = sdd__inventory_map_flow(inv, &f, &term, &m->why);
    m->term = term;
    m->if_in = m->if_out = -1;
    m->version = 0;
    if (m->svc < 0)
        return;
    const sdd_service *s = sdd__inventory_service(inv, m->svc);
    m->if_in = (int8_t)tracked_iface(s, &f.router, f.iface_in);
    m->if_out = (int8_t)tracked_iface(s, &f.router, f.iface_out);
    /* the version after the mapping: what it learned is part of the answer */
    m->version = sdd__inventory_version(inv);
}

const sdd__mapping *sdd__mapping_get(sdd__mapping *m, sdd_inventory *inv)
{
    if (m->version == 0 || m->version != sdd__inventory_version(inv))
        make(m, inv);
    return m;
}

size_t sdd__flow_key_hash(const sdd_flow *f)
{
    uint64_t w[2], h;

    memcpy(w, f->router.b, sizeof(w));
    h = (w[0] ^ w[1] * UINT64_C(0x9e3779b97f4a7c15)) + f->rd;
    h = (h ^ ((uint64_t)f->vrf_id_ingress << 32 | f->vrf_id_egress)) * UINT64_C(0xc2b2ae3d27d4eb4f);
    h = (h ^ ((uint64_t)f->iface_in << 32 | f->iface_out)) * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h ^ h >> 29);
}

/* An empty table of `want` slots or more, within bounds. */
static int grow(sdd__resolver *r, size_t want)
{
    sdd__mapping *slot;
    size_t n = CACHE_MIN;

    while (n < want && n < CACHE_MAX)
        n *= 2;
    if (r->slot && n <= r->mask + 1)
        return 0;
    slot = calloc(n, sizeof(*slot));
    if (!slot)
        return r->slot ? 0 : -1;        /* the smaller table still works */
    free(r->slot);
    r->slot = slot;
    r->mask = n - 1;
    return 0;
}

sdd__mapping *sdd__resolver_slot(sdd__resolver *r, const sdd_inventory *inv, const sdd_flow *f)
{
    sdd__mapping *m;

    size_t want = 2 * (size_t)sdd__inventory_count(inv), i;

    if ((!r->slot || (want > r->mask + 1 && r->mask + 1 < CACHE_MAX)) && grow(r, want) < 0)
        return NULL;
    i = sdd__flow_key_hash(f) & r->mask;
    for (int k = 0; k < 2; k++) {
        m = &r->slot[i ^ (size_t)k];
        if (m->version != 0 && sdd__flow_key_same(&m->key, f))
            return m;
    }
    /* a free slot of the pair, else the second one's key goes */
    m = r->slot[i].version == 0 ? &r->slot[i] : &r->slot[i ^ 1];
    sdd__flow_key_of(f, &m->key);
    m->version = 0;
    return m;
}

void sdd__resolver_free(sdd__resolver *r)
{
    free(r->slot);
    r->slot = NULL;
    r->mask = 0;
}
