/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipfix.h: IPFIX (RFC 7011) messages of flow aggregates, as a PE of an
 * MPLS L3VPN exports them: the wire output of the scenario generator
 * (`sddctl send`). Pure encoding into a caller's buffer, no I/O.
 *
 * One data template (SDD_IPFIX_TEMPLATE_ID) carries what the engine reads
 * from pmacct: route distinguisher (IE 90), ingress/egress VRF ids (IE
 * 234/235), forwarding status (IE 89, 4 bytes as IOS XR sends it), TCP
 * flags (IE 6, 2 bytes), interfaces, addresses, protocol, bytes, packets,
 * flows and the flow's start and end in milliseconds. An options template
 * (SDD_IPFIX_VRF_TEMPLATE_ID) tells, as IOS XR does, each VRF's RD and name
 * by its VRF id: pmacct 1.7.7 takes a flow's RD only from there. */
#ifndef SDD_IPFIX_H
#define SDD_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"

#define SDD_IPFIX_TEMPLATE_ID 256
#define SDD_IPFIX_VRF_TEMPLATE_ID 257
#define SDD_IPFIX_HEADER_LEN 16
#define SDD_IPFIX_RECORD_LEN 79     /* one data record of the template */

/* One data record: a flow aggregate, its addresses and its time span. */
typedef struct sdd_ipfix_flow {
    const sdd_flow *flow;       /* rd, VRF ids, interfaces, protocol, flags, counters */
    uint32_t src, dst;          /* IPv4 addresses, host order */
    int64_t start_ms, end_ms;   /* flowStart/EndMilliseconds */
} sdd_ipfix_flow;

/* The message header's fields that change between messages. */
typedef struct sdd_ipfix_header {
    uint32_t export_time;       /* seconds since the epoch */
    uint32_t sequence;          /* data records sent before in this domain */
    uint32_t domain;            /* observation domain id */
} sdd_ipfix_header;

/* Writes one message into buf: the header, the template set when
 * with_template, then a data set of the n records. Returns its length, or 0
 * when it does not fit in cap (nor in an IPFIX message's 65535 bytes). */
size_t sdd_ipfix_encode(uint8_t *buf, size_t cap, const sdd_ipfix_header *h, int with_template,
                        const sdd_ipfix_flow *records, size_t n);

/* A VRF of the router: its id (IE 234), RD (IE 90) and name (IE 236, at
 * most 32 bytes sent). */
typedef struct sdd_ipfix_vrf {
    uint32_t id;
    sdd_rd rd;
    const char *name;
} sdd_ipfix_vrf;

/* Writes one message of the options template and a data set of the n VRFs.
 * Returns its length, or 0 when it does not fit in cap. */
size_t sdd_ipfix_encode_vrfs(uint8_t *buf, size_t cap, const sdd_ipfix_header *h, const sdd_ipfix_vrf *vrfs,
                             size_t n);

/* How many records fit in a message of at most mtu bytes, the template
 * included or not. */
size_t sdd_ipfix_records_per_message(size_t mtu, int with_template);

#endif
