/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_flow.c: one flow aggregate line of pmacct (kafka or print plugin
 * JSON) into an sdd_flow.
 *
 * pmacct writes the same primitive in several ways depending on version and
 * configuration (tcp_flags as a number, a string or an array of names;
 * fwd_status as a number or an RFC 7270 name; custom primitives at top level
 * or in a "custom_primitives" object), so each field reader accepts all of
 * them and refuses anything else with a reason. */
#include <string.h>

#include "parse/input.h"

/* The keys read, found in one pass over the line's object (and its
 * custom_primitives) rather than one lookup each. The times are in
 * flow_time_keys' order. */
enum flow_key {
    K_EVENT_TYPE, K_PEER_IP_SRC, K_STAMP_INSERTED, K_TIMESTAMP_START, K_TIMESTAMP_ARRIVAL,
    K_TIMESTAMP_MIN, K_PACKETS, K_BYTES, K_FLOWS, K_MPLS_VPN_RD, K_IFACE_IN, K_IFACE_OUT,
    K_IP_PROTO, K_TCP_FLAGS, K_CUSTOM_PRIMITIVES, K_VRF_ID_INGRESS, K_VRF_ID_EGRESS, K_VRF_NAME,
    K_FWD_STATUS, K_FORWARDING_STATUS, K_COUNT
};

static const char *const flow_keys[K_COUNT] = {
    "event_type", "peer_ip_src", "stamp_inserted", "timestamp_start", "timestamp_arrival",
    "timestamp_min", "packets", "bytes", "flows", "mpls_vpn_rd", "iface_in", "iface_out",
    "ip_proto", "tcp_flags", "custom_primitives", "vrf_id_ingress", "vrf_id_egress", "vrf_name",
    "fwd_status", "forwarding_status",
};

/* pmacct's time bin first: it is what the aggregate was accounted to. */
static const char *const flow_time_keys[] = {
    "stamp_inserted", "timestamp_start", "timestamp_arrival", "timestamp_min", NULL
};

/* The values of a line's keys: top level, and in custom_primitives. */
typedef struct flow_fields {
    const input_val *top[K_COUNT], *custom[K_COUNT];
} flow_fields;

/* k when the key (n bytes at s) is flow_keys[k], else -1. */
static int key_is(const char *s, uint32_t n, int k)
{
    return memcmp(s, flow_keys[k], n) == 0 ? k : -1;
}

/* The flow_key of a key, -1 for the others: by length first, so that each
 * key costs one or two comparisons of known length. */
static int flow_key(const char *s, uint32_t n)
{
    switch (n) {
    case 5: return s[0] == 'b' ? key_is(s, 5, K_BYTES) : key_is(s, 5, K_FLOWS);
    case 7: return key_is(s, 7, K_PACKETS);
    case 8: return s[0] == 'v' ? key_is(s, 8, K_VRF_NAME)
                 : s[1] == 'f' ? key_is(s, 8, K_IFACE_IN) : key_is(s, 8, K_IP_PROTO);
    case 9: return s[0] == 'i' ? key_is(s, 9, K_IFACE_OUT) : key_is(s, 9, K_TCP_FLAGS);
    case 10: return s[0] == 'e' ? key_is(s, 10, K_EVENT_TYPE) : key_is(s, 10, K_FWD_STATUS);
    case 11: return s[0] == 'p' ? key_is(s, 11, K_PEER_IP_SRC) : key_is(s, 11, K_MPLS_VPN_RD);
    case 13: return s[0] == 't' ? key_is(s, 13, K_TIMESTAMP_MIN) : key_is(s, 13, K_VRF_ID_EGRESS);
    case 14: return s[0] == 's' ? key_is(s, 14, K_STAMP_INSERTED) : key_is(s, 14, K_VRF_ID_INGRESS);
    case 15: return key_is(s, 15, K_TIMESTAMP_START);
    case 17: return s[0] == 't' ? key_is(s, 17, K_TIMESTAMP_ARRIVAL)
                  : s[0] == 'c' ? key_is(s, 17, K_CUSTOM_PRIMITIVES) : key_is(s, 17, K_FORWARDING_STATUS);
    default: return -1;
    }
}

/* A word pmacct prints and the byte it stands for. */
typedef struct name_code {
    const char *name;
    uint8_t code;
} name_code;

/* The names pmacct prints for IP protocols (its table follows /etc/protocols);
 * protocols without a name are printed as their number. */
static const name_code proto_names[] = {
    {"ip", 0}, {"icmp", 1}, {"igmp", 2}, {"ggp", 3}, {"ipencap", 4}, {"tcp", 6},
    {"egp", 8}, {"igp", 9}, {"udp", 17}, {"mux", 18}, {"ipv6", 41}, {"ipv6-route", 43},
    {"ipv6-frag", 44}, {"rsvp", 46}, {"gre", 47}, {"esp", 50}, {"ah", 51}, {"mobile", 55},
    {"tlsp", 56}, {"ipv6-icmp", 58}, {"ipv6-nonxt", 59}, {"ipv6-opts", 60}, {"iso-ip", 80},
    {"vines", 83}, {"eigrp", 88}, {"ospf", 89}, {"larp", 91}, {"ax.25", 93}, {"ipip", 94},
    {"encap", 98}, {"pnni", 102}, {"pim", 103}, {"ipcomp", 108}, {"ipx-in-ip", 111},
    {"vrrp", 112}, {"l2tp", 115}, {"isis", 124}, {"sctp", 132}, {"fc", 133},
    {"ethernet", 143}, {"others", 255},
};

/* The words of tcpflags_encode_as_array; ECE and CWR for producers that
 * print all eight bits. */
static const name_code tcp_flag_names[] = {
    {"FIN", SDD_TCP_FIN}, {"SYN", SDD_TCP_SYN}, {"RST", SDD_TCP_RST}, {"PSH", SDD_TCP_PSH},
    {"ACK", SDD_TCP_ACK}, {"URG", SDD_TCP_URG}, {"ECE", 0x40}, {"CWR", 0x80},
};

/* fwd_status_encode_as_string: the RFC 7270 names, mapped back to IE 89
 * (status in the top two bits, reason below). pmacct prints "<STATUS>
 * Unclassified" for codes without a name: the status is kept, the reason is
 * 0; for UNKNOWN that is 0, "unknown", as the record defines. */
static const name_code fwd_names[] = {
    {"UNKNOWN Unclassified", 0},
    {"FORWARDED Unclassified", 64}, {"FORWARDED Unknown", 64},
    {"FORWARDED Fragmented", 65}, {"FORWARDED Not Fragmented", 66},
    {"DROPPED Unclassified", 128}, {"DROPPED Unknown", 128}, {"DROPPED ACL deny", 129},
    {"DROPPED ACL drop", 130}, {"DROPPED Unroutable", 131}, {"DROPPED Adjacency", 132},
    {"DROPPED Fragmentation and DF set", 133}, {"DROPPED Bad header checksum", 134},
    {"DROPPED Bad total Length", 135}, {"DROPPED Bad header length", 136},
    {"DROPPED bad TTL", 137}, {"DROPPED Policer", 138}, {"DROPPED WRED", 139},
    {"DROPPED RPF", 140}, {"DROPPED For us", 141}, {"DROPPED Bad output interface", 142},
    {"DROPPED Hardware", 143},
    {"CONSUMED Unclassified", 192}, {"CONSUMED Unknown", 192},
    {"CONSUMED Punt Adjacency", 193}, {"CONSUMED Incomplete Adjacency", 194},
    {"CONSUMED For us", 195},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is_number_text(const input_val *v)
{
    uint32_t i;

    for (i = 0; i < v->len; i++)
        if (v->s[i] < '0' || v->s[i] > '9')
            return 0;
    return v->len > 0;
}

/* The code of a name in table (case-insensitive: pmacct's own tables mix
 * "IPcomp" and "ipv6-icmp"), or a value out of range. */
static sdd_skip lookup_name(const name_code *table, size_t n, const input_val *v, const char *key,
                            uint8_t *out, input_err *e)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (sdd__input_word_eq(v->s, table[i].name)) {
            *out = table[i].code;
            return SDD_SKIP_NONE;
        }
    return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: unknown name \"%.40s\"", key, v->s);
}

static sdd_skip read_u8(const input_val *v, const char *key, uint8_t *out, input_err *e)
{
    uint64_t x = *out;

    INPUT_TRY(sdd__input_uint(v, key, 0, UINT8_MAX, &x, e));
    *out = (uint8_t)x;
    return SDD_SKIP_NONE;
}

static sdd_skip read_proto(const input_val *v, uint8_t *out, input_err *e)
{
    if (v->kind != INPUT_STRING || is_number_text(v))
        return read_u8(v, "ip_proto", out, e);
    return lookup_name(proto_names, COUNT(proto_names), v, "ip_proto", out, e);
}

/* One word of a tcp_flags array, or'ed into *bits. */
static sdd_skip read_flag_name(const input_val *v, uint8_t *bits, input_err *e)
{
    uint8_t bit = 0;

    if (v->kind != INPUT_STRING)
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field tcp_flags: expected flag names");
    INPUT_TRY(lookup_name(tcp_flag_names, COUNT(tcp_flag_names), v, "tcp_flags", &bit, e));
    *bits |= bit;
    return SDD_SKIP_NONE;
}

/* 1.7.7 writes "24", current pmacct 24 or, with tcpflags_encode_as_array,
 * ["ACK", "PSH"] (an empty array: no flag). */
static sdd_skip read_tcp_flags(const input_val *v, uint8_t *out, input_err *e)
{
    uint8_t bits = 0;
    const input_val *flag;

    if (v->kind != INPUT_ARRAY)
        return read_u8(v, "tcp_flags", out, e);
    INPUT_EACH(v, flag)
        INPUT_TRY(read_flag_name(flag, &bits, e));
    *out = bits;
    return SDD_SKIP_NONE;
}

/* A primitive at top level (pmacct's JSON) or in "custom_primitives" (its
 * Avro records printed as JSON). */
static const input_val *flow_field(const flow_fields *f, enum flow_key k)
{
    return f->top[k] ? f->top[k] : f->custom[k];
}

/* The fwd_status primitive (current pmacct), or a custom primitive on IPFIX
 * IE 89 named fwd_status or forwarding_status (pmacct 1.7.7 has no such
 * primitive; aggregate_primitives with semantics u_int prints a number). */
static sdd_skip read_fwd_status(const flow_fields *f, uint8_t *out, input_err *e)
{
    enum flow_key k = K_FWD_STATUS;
    const input_val *v = flow_field(f, k);

    if (!v) {
        k = K_FORWARDING_STATUS;
        v = flow_field(f, k);
    }
    if (sdd__input_is(v, INPUT_STRING) && !is_number_text(v))
        return lookup_name(fwd_names, COUNT(fwd_names), v, flow_keys[k], out, e);
    return read_u8(v, flow_keys[k], out, e);
}

static sdd_skip read_custom(flow_fields *f, sdd_flow *out, input_err *e)
{
    const input_val *cp = f->top[K_CUSTOM_PRIMITIVES];

    if (cp && cp->kind != INPUT_OBJECT)
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field custom_primitives: expected object");
    sdd__input_pick(cp, flow_key, f->custom, K_COUNT);
    INPUT_TRY(sdd__input_u32(flow_field(f, K_VRF_ID_INGRESS), "vrf_id_ingress", &out->vrf_id_ingress, e));
    INPUT_TRY(sdd__input_u32(flow_field(f, K_VRF_ID_EGRESS), "vrf_id_egress", &out->vrf_id_egress, e));
    INPUT_TRY(sdd__input_text(flow_field(f, K_VRF_NAME), "vrf_name", 0, out->vrf_name,
                              sizeof(out->vrf_name), e));
    return read_fwd_status(f, &out->fwd_status, e);
}

/* Kafka adds purge_init / purge_close markers around each purge; the
 * aggregates themselves carry "purge" or, from Avro, no event_type. */
static sdd_skip check_event_type(const flow_fields *f, input_err *e)
{
    const char *et = NULL;

    INPUT_TRY(sdd__input_str(f->top[K_EVENT_TYPE], "event_type", &et, e));
    if (et && strcmp(et, "purge") != 0)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "event_type %.32s", et);
    return SDD_SKIP_NONE;
}

static sdd_skip read_counters(const flow_fields *f, sdd_flow *out, input_err *e)
{
    INPUT_TRY(sdd__input_uint(f->top[K_PACKETS], "packets", 1, UINT64_MAX, &out->packets, e));
    INPUT_TRY(sdd__input_uint(f->top[K_BYTES], "bytes", 1, UINT64_MAX, &out->bytes, e));
    return sdd__input_uint(f->top[K_FLOWS], "flows", 0, UINT64_MAX, &out->flows, e);
}

static sdd_skip read_flow(const input_val *root, sdd_flow *out, input_err *e)
{
    flow_fields f;
    const input_val *v;

    sdd__input_pick(root, flow_key, f.top, K_COUNT);
    INPUT_TRY(check_event_type(&f, e));
    INPUT_TRY(sdd__input_addr(f.top[K_PEER_IP_SRC], "peer_ip_src", 1, &out->router, e));
    INPUT_TRY(sdd__input_time_of(&f.top[K_STAMP_INSERTED], flow_time_keys, &out->time, e));
    INPUT_TRY(read_counters(&f, out, e));
    INPUT_TRY(sdd__input_rd(f.top[K_MPLS_VPN_RD], "mpls_vpn_rd", &out->rd, e));
    INPUT_TRY(sdd__input_u32(f.top[K_IFACE_IN], "iface_in", &out->iface_in, e));
    INPUT_TRY(sdd__input_u32(f.top[K_IFACE_OUT], "iface_out", &out->iface_out, e));
    if ((v = f.top[K_IP_PROTO]) != NULL)
        INPUT_TRY(read_proto(v, &out->ip_proto, e));
    if ((v = f.top[K_TCP_FLAGS]) != NULL)
        INPUT_TRY(read_tcp_flags(v, &out->tcp_flags, e));
    return read_custom(&f, out, e);
}

sdd_skip sdd__parse_flow(const char *line, size_t len, sdd_flow *out, char *detail, size_t detail_len)
{
    input_err e = {detail, detail_len};
    input_doc doc;
    const input_val *root;
    sdd_skip why;

    memset(out, 0, sizeof(*out));
    INPUT_TRY(sdd__input_load(line, len, &doc, &root, &e));
    why = read_flow(root, out, &e);
    sdd__input_free(&doc);
    return why;
}
