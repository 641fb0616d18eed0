/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_bmp.c: one line of pmacct's BMP msglog (nfacctd/pmbmpd
 * bmp_daemon_msglog_*, file or Kafka) into an sdd_bmp_event.
 *
 * Detection uses peer up/down and route updates/withdraws. Everything else
 * pmacct logs (init, term, stats, end-of-RIB markers, the "delete" entries of
 * its own RIB clean-up, log_init/log_close, periodic dumps) is valid input
 * with nothing to detect, and is reported as ignored. */
#include <arpa/inet.h>
#include <string.h>

#include "parse/input.h"

/* The BMP per-peer header time first (the router's), then the collector's
 * (some routers, FRR among them, put 0 in the per-peer header). */
static const char *const bmp_time_keys[] = {"timestamp", "timestamp_arrival", NULL};
static const char *const peer_time_keys[] = {"timestamp", NULL};
static const char *const arrival_keys[] = {"timestamp_arrival", NULL};

/* Only "log" lines are events. "dump" lines restate the RIB every
 * bmp_dump_refresh_time: read as updates they would look like a burst of
 * route changes at each dump. Absent: accepted, as the Avro forms have it. */
static sdd_skip check_event_type(const input_val *root, input_err *e)
{
    const char *et = NULL;

    INPUT_TRY(sdd__input_str(sdd__input_get(root, "event_type"), "event_type", &et, e));
    if (et && strcmp(et, "log") != 0)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "event_type %.32s", et);
    return SDD_SKIP_NONE;
}

/* route_monitor's log_type: "update" / "withdraw" (1.7.7 and current);
 * "end-of-rib" (current) and "delete" (pmacct purging a peer's routes, under
 * bmp_msg_type "internal") say nothing new about the network. */
static sdd_skip route_type(const input_val *root, sdd_bmp_type *type, input_err *e)
{
    const char *lt = NULL;

    INPUT_TRY(sdd__input_str(sdd__input_get(root, "log_type"), "log_type", &lt, e));
    if (!lt)
        return sdd__input_fail(e, SDD_SKIP_MISSING, "field log_type: missing");
    if (strcmp(lt, "update") == 0)
        *type = SDD_BMP_UPDATE;
    else if (strcmp(lt, "withdraw") == 0)
        *type = SDD_BMP_WITHDRAW;
    else
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "log_type %.32s", lt);
    return SDD_SKIP_NONE;
}

static sdd_skip msg_type(const input_val *root, sdd_bmp_type *type, input_err *e)
{
    const char *mt = NULL;

    INPUT_TRY(sdd__input_str(sdd__input_get(root, "bmp_msg_type"), "bmp_msg_type", &mt, e));
    if (!mt)
        return sdd__input_fail(e, SDD_SKIP_MISSING, "field bmp_msg_type: missing");
    if (strcmp(mt, "peer_up") == 0)
        *type = SDD_BMP_PEER_UP;
    else if (strcmp(mt, "peer_down") == 0)
        *type = SDD_BMP_PEER_DOWN;
    else if (strcmp(mt, "route_monitor") == 0)
        return route_type(root, type, e);
    else
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "bmp_msg_type %.32s", mt);
    return SDD_SKIP_NONE;
}

/* Current pmacct writes the peer distinguisher as "pd" instead of "rd" with
 * bmp_daemon_set_pd; a VPN route's own RD stays in "rd". */
static sdd_skip read_rd(const input_val *root, sdd_rd *out, input_err *e)
{
    const input_val *v = sdd__input_get(root, "rd");

    if (v)
        return sdd__input_rd(v, "rd", out, e);
    return sdd__input_rd(sdd__input_get(root, "pd"), "pd", out, e);
}

/* "192.0.2.0/24", "2001:db8::/32": checked so that garbage never becomes a
 * route key. */
static int prefix_ok(const char *p)
{
    const char *slash = strchr(p, '/');
    char addr[48];
    sdd_addr a;
    size_t n = slash ? (size_t)(slash - p) : 0;
    size_t digits = slash ? strspn(slash + 1, "0123456789") : 0;
    int len = 0;
    size_t i;

    if (n == 0 || n >= sizeof(addr) || digits == 0 || digits > 3 || slash[1 + digits] != '\0')
        return 0;
    memcpy(addr, p, n);
    addr[n] = '\0';
    for (i = 0; i < digits; i++)
        len = len * 10 + (slash[1 + i] - '0');
    if (sdd_addr_parse(addr, &a) < 0)
        return 0;
    return len <= (strchr(addr, ':') ? 128 : 32);
}

/* Keeps one extended community if it is a route target, without "RT:". */
static int all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* A route target as pmacct writes it: ASN:NN or IPv4:NN. Anything else
 * would become a service's id. */
static int rt_ok(const char *s, size_t n)
{
    const char *colon = memrchr(s, ':', n);
    char ip[16];
    struct in_addr a;
    size_t left = colon ? (size_t)(colon - s) : 0;

    if (!colon || !all_digits(colon + 1, n - left - 1))
        return 0;
    if (all_digits(s, left))
        return 1;
    if (left >= sizeof(ip))
        return 0;
    memcpy(ip, s, left);
    ip[left] = '\0';
    return inet_pton(AF_INET, ip, &a) == 1;
}

static sdd_skip add_ecomm(sdd_bmp_event *out, const char *s, size_t n, input_err *e)
{
    if (n < 3 || memcmp(s, "RT:", 3) != 0 || out->n_rt >= SDD_RT_MAX)
        return SDD_SKIP_NONE;
    s += 3;
    n -= 3;
    if (n == 0 || n >= SDD_RT_TEXT_MAX || !rt_ok(s, n))
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field ecomms: \"RT:%.*s\" is not a route target", (int)(n < 40 ? n : 40), s);
    memcpy(out->rt[out->n_rt], s, n);
    out->rt[out->n_rt][n] = '\0';
    out->n_rt++;
    return SDD_SKIP_NONE;
}

/* pmacct's ecommunity text "RT:64497:12 SoO:64497:12", split on blanks. */
static sdd_skip ecomms_text(sdd_bmp_event *out, const char *s, input_err *e)
{
    while (*s) {
        size_t n = strcspn(s, " ");
        INPUT_TRY(add_ecomm(out, s, n, e));
        s += n;
        s += strspn(s, " ");
    }
    return SDD_SKIP_NONE;
}

/* bgp_comms_encode_as_array: ["RT:64497:12", "SoO:64497:12"]; else one string. */
static sdd_skip read_ecomms(const input_val *root, sdd_bmp_event *out, input_err *e)
{
    const input_val *v = sdd__input_get(root, "ecomms");
    const input_val *item;

    if (!v)
        return SDD_SKIP_NONE;
    if (v->kind == INPUT_STRING)
        return ecomms_text(out, v->s, e);
    if (v->kind != INPUT_ARRAY)
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field ecomms: expected array or string");
    INPUT_EACH(v, item) {
        if (item->kind != INPUT_STRING)
            return sdd__input_fail(e, SDD_SKIP_TYPE, "field ecomms: expected strings");
        INPUT_TRY(add_ecomm(out, item->s, item->len, e));
    }
    return SDD_SKIP_NONE;
}

/* rd_origin "bgp": the RD is the route's own, from its VPN NLRI (a VPNv4
 * route learned from a peer outside any VRF); "bmp" is the peer's. */
static sdd_skip read_rd_origin(const input_val *root, sdd_bmp_event *out, input_err *e)
{
    const char *origin = NULL;

    INPUT_TRY(sdd__input_str(sdd__input_get(root, "rd_origin"), "rd_origin", &origin, e));
    out->rd_of_route = origin && strcmp(origin, "bgp") == 0;
    return SDD_SKIP_NONE;
}

static sdd_skip read_route(const input_val *root, sdd_bmp_event *out, input_err *e)
{
    INPUT_TRY(read_rd_origin(root, out, e));
    INPUT_TRY(sdd__input_text(sdd__input_get(root, "ip_prefix"), "ip_prefix", 1, out->prefix, sizeof(out->prefix), e));
    if (!prefix_ok(out->prefix))
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field ip_prefix: not a prefix");
    if (out->type == SDD_BMP_UPDATE)
        INPUT_TRY(sdd__input_addr(sdd__input_get(root, "bgp_nexthop"), "bgp_nexthop", 0, &out->nexthop, e));
    return read_ecomms(root, out, e);
}

/* Fields of the peer, present on every kind kept. peer_type is only written
 * on peer messages: routes read as global peers (0). */
static sdd_skip read_peer(const input_val *root, sdd_bmp_event *out, input_err *e)
{
    uint64_t v = 0;
    int64_t peer_time;
    input_err quiet = {NULL, 0};

    INPUT_TRY(sdd__input_addr(sdd__input_get(root, "bmp_router"), "bmp_router", 1, &out->router, e));
    INPUT_TRY(sdd__input_addr(sdd__input_get(root, "peer_ip"), "peer_ip", 1, &out->peer, e));
    INPUT_TRY(sdd__input_time(root, bmp_time_keys, &out->time, e));
    if (sdd__input_time(root, arrival_keys, &out->arrival, &quiet) != SDD_SKIP_NONE)
        out->arrival = 0;               /* when pmacct got it: optional, only compared with time */
    /* FRR's route monitoring: "timestamp": "0.000000", the time is the
     * arrival; the engine counts these (bmp_time_from_arrival) */
    out->time_from_arrival = sdd__input_time(root, peer_time_keys, &peer_time, &quiet) != SDD_SKIP_NONE;
    INPUT_TRY(read_rd(root, &out->rd, e));
    INPUT_TRY(sdd__input_uint(sdd__input_get(root, "peer_type"), "peer_type", 0, UINT8_MAX, &v, e));
    out->peer_type = (uint8_t)v;
    return SDD_SKIP_NONE;
}

static sdd_skip read_bmp(const input_val *root, sdd_bmp_event *out, input_err *e)
{
    uint64_t reason = 0, fsm_event = 0;

    INPUT_TRY(check_event_type(root, e));
    INPUT_TRY(msg_type(root, &out->type, e));
    INPUT_TRY(read_peer(root, out, e));
    if (out->type == SDD_BMP_PEER_DOWN) {
        INPUT_TRY(sdd__input_uint(sdd__input_get(root, "reason_type"), "reason_type", 1, UINT8_MAX, &reason, e));
        /* pmacct writes it on reason 2 only; it does not decode the
         * NOTIFICATION of reasons 1 and 3 */
        INPUT_TRY(sdd__input_uint(sdd__input_get(root, "reason_loc_code"), "reason_loc_code", 0, UINT16_MAX,
                                  &fsm_event, e));
        out->reason = (int)reason;
        out->fsm_event = (int)fsm_event;
    }
    if (out->type == SDD_BMP_UPDATE || out->type == SDD_BMP_WITHDRAW)
        return read_route(root, out, e);
    return SDD_SKIP_NONE;
}

sdd_skip sdd__parse_bmp(const char *line, size_t len, sdd_bmp_event *out, char *detail, size_t detail_len)
{
    input_err e = {detail, detail_len};
    input_doc doc;
    const input_val *root;
    sdd_skip why;

    memset(out, 0, sizeof(*out));
    out->reason = -1;
    INPUT_TRY(sdd__input_load(line, len, &doc, &root, &e));
    why = read_bmp(root, out, &e);
    sdd__input_free(&doc);
    return why;
}
