/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipfix.c: IPFIX messages of flow aggregates (see ipfix.h). The template is
 * one table of (information element, length); the data record writes the
 * fields in the table's order, each big-endian in its length. */
#include <string.h>

#include "lab/ipfix.h"

#define IPFIX_VERSION 10
#define SET_TEMPLATE 2
#define SET_OPTIONS_TEMPLATE 3
#define SET_HEADER_LEN 4

/* The fields of the data template, in the order of the data record. */
enum {
    IE_OCTETS = 1, IE_PACKETS = 2, IE_FLOWS = 3, IE_PROTOCOL = 4, IE_TCP_FLAGS = 6,
    IE_SRC_V4 = 8, IE_IN_IFACE = 10, IE_DST_V4 = 12, IE_OUT_IFACE = 14,
    IE_FWD_STATUS = 89, IE_RD = 90, IE_START_MS = 152, IE_END_MS = 153,
    IE_VRF_IN = 234, IE_VRF_OUT = 235, IE_VRF_NAME = 236,
};

static const struct {
    uint16_t ie, len;
} fields[] = {
    {IE_SRC_V4, 4},    {IE_DST_V4, 4},  {IE_PROTOCOL, 1},  {IE_TCP_FLAGS, 2},
    {IE_IN_IFACE, 4},  {IE_OUT_IFACE, 4}, {IE_VRF_IN, 4},  {IE_VRF_OUT, 4},
    {IE_RD, 8},        {IE_FWD_STATUS, 4}, {IE_OCTETS, 8}, {IE_PACKETS, 8},
    {IE_FLOWS, 8},     {IE_START_MS, 8}, {IE_END_MS, 8},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))
#define TEMPLATE_SET_LEN (SET_HEADER_LEN + 4 + 4 * N_FIELDS)

/* The VRF table: scope the ingress VRF id; the egress one (0) because
 * pmacct reads it beside the ingress one; the RD; the name. */
#define VRF_NAME_LEN 32
#define VRF_RECORD_LEN (4 + 4 + 8 + VRF_NAME_LEN)
#define OPTIONS_SET_LEN (SET_HEADER_LEN + 6 + 4 * 4)

/* Writes the low `len` bytes of v big-endian at p; returns p + len. */
static uint8_t *put(uint8_t *p, uint64_t v, unsigned len)
{
    for (unsigned i = len; i-- > 0; v >>= 8)
        p[i] = (uint8_t)v;
    return p + len;
}

static uint8_t *put_header(uint8_t *p, size_t len, const sdd_ipfix_header *h)
{
    p = put(p, IPFIX_VERSION, 2);
    p = put(p, len, 2);
    p = put(p, h->export_time, 4);
    p = put(p, h->sequence, 4);
    return put(p, h->domain, 4);
}

static uint8_t *put_template_set(uint8_t *p)
{
    p = put(p, SET_TEMPLATE, 2);
    p = put(p, TEMPLATE_SET_LEN, 2);
    p = put(p, SDD_IPFIX_TEMPLATE_ID, 2);
    p = put(p, N_FIELDS, 2);
    for (size_t i = 0; i < N_FIELDS; i++) {
        p = put(p, fields[i].ie, 2);
        p = put(p, fields[i].len, 2);
    }
    return p;
}

/* The value of information element ie for record r. */
static uint64_t value_of(const sdd_ipfix_flow *r, uint16_t ie)
{
    const sdd_flow *f = r->flow;

    switch (ie) {
    case IE_SRC_V4: return r->src;
    case IE_DST_V4: return r->dst;
    case IE_PROTOCOL: return f->ip_proto;
    case IE_TCP_FLAGS: return f->tcp_flags;
    case IE_IN_IFACE: return f->iface_in;
    case IE_OUT_IFACE: return f->iface_out;
    case IE_VRF_IN: return f->vrf_id_ingress;
    case IE_VRF_OUT: return f->vrf_id_egress;
    case IE_RD: return f->rd;
    case IE_FWD_STATUS: return f->fwd_status;
    case IE_OCTETS: return f->bytes;
    case IE_PACKETS: return f->packets;
    case IE_FLOWS: return f->flows;
    case IE_START_MS: return (uint64_t)r->start_ms;
    default: return (uint64_t)r->end_ms;
    }
}

static uint8_t *put_record(uint8_t *p, const sdd_ipfix_flow *r)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        p = put(p, value_of(r, fields[i].ie), fields[i].len);
    return p;
}

static size_t message_len(int with_template, size_t n)
{
    return SDD_IPFIX_HEADER_LEN + (with_template ? TEMPLATE_SET_LEN : 0) +
           (n ? SET_HEADER_LEN + n * SDD_IPFIX_RECORD_LEN : 0);
}

size_t sdd_ipfix_records_per_message(size_t mtu, int with_template)
{
    size_t fixed = message_len(with_template, 0) + SET_HEADER_LEN;

    if (mtu > 65535)
        mtu = 65535;
    return mtu > fixed ? (mtu - fixed) / SDD_IPFIX_RECORD_LEN : 0;
}

size_t sdd_ipfix_encode(uint8_t *buf, size_t cap, const sdd_ipfix_header *h, int with_template,
                        const sdd_ipfix_flow *records, size_t n)
{
    size_t len = message_len(with_template, n);
    uint8_t *p = buf;

    if (len > cap || len > 65535)
        return 0;
    p = put_header(p, len, h);
    if (with_template)
        p = put_template_set(p);
    if (n) {
        p = put(p, SDD_IPFIX_TEMPLATE_ID, 2);
        p = put(p, SET_HEADER_LEN + n * SDD_IPFIX_RECORD_LEN, 2);
        for (size_t i = 0; i < n; i++)
            p = put_record(p, &records[i]);
    }
    return (size_t)(p - buf);
}

static uint8_t *put_vrf(uint8_t *p, const sdd_ipfix_vrf *v)
{
    size_t name_len = v->name ? strnlen(v->name, VRF_NAME_LEN) : 0;

    p = put(p, v->id, 4);
    p = put(p, 0, 4);
    p = put(p, v->rd, 8);
    memset(p, 0, VRF_NAME_LEN);
    if (name_len)
        memcpy(p, v->name, name_len);
    return p + VRF_NAME_LEN;
}

size_t sdd_ipfix_encode_vrfs(uint8_t *buf, size_t cap, const sdd_ipfix_header *h, const sdd_ipfix_vrf *vrfs,
                             size_t n)
{
    static const uint16_t vrf_fields[][2] = {
        {IE_VRF_IN, 4}, {IE_VRF_OUT, 4}, {IE_RD, 8}, {IE_VRF_NAME, VRF_NAME_LEN},
    };
    size_t len = SDD_IPFIX_HEADER_LEN + OPTIONS_SET_LEN + SET_HEADER_LEN + n * VRF_RECORD_LEN;
    uint8_t *p = buf;

    if (len > cap || len > 65535)
        return 0;
    p = put_header(p, len, h);
    p = put(p, SET_OPTIONS_TEMPLATE, 2);
    p = put(p, OPTIONS_SET_LEN, 2);
    p = put(p, SDD_IPFIX_VRF_TEMPLATE_ID, 2);
    p = put(p, 4, 2);                   /* fields */
    p = put(p, 1, 2);                   /* of which scope: the ingress VRF id */
    for (size_t i = 0; i < 4; i++) {
        p = put(p, vrf_fields[i][0], 2);
        p = put(p, vrf_fields[i][1], 2);
    }
    p = put(p, SDD_IPFIX_VRF_TEMPLATE_ID, 2);
    p = put(p, SET_HEADER_LEN + n * VRF_RECORD_LEN, 2);
    for (size_t i = 0; i < n; i++)
        p = put_vrf(p, &vrfs[i]);
    return (size_t)(p - buf);
}
