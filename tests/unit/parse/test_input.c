/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_input.c: the parsers of pmacct JSON (src/input_*.c).
 *
 * Three sources of lines: the real records in shared/captures (current
 * pmacct; every line must parse or be ignored, and chosen ones must give the
 * exact values), fixture lines in the forms pmacct 1.7.7 and current pmacct
 * write according to their source (plain JSON, date strings, custom
 * primitives at top level, the telemetry envelopes), and broken lines, each
 * with the skip reason it must get. Fixture lines use ' for " to stay
 * readable. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "parse/input.h"
#include "fuzz/input_same.h"

#define DETAIL_MAX 256
#define LINE_MAX_Q 8192

typedef enum kind { K_FLOW, K_BMP, K_IFACE } kind;

typedef union record {
    sdd_flow flow;
    sdd_bmp_event bmp;
    sdd_iface_event iface;
} record;

static sdd_skip parse(kind k, const char *line, size_t len, record *r, char *detail, size_t n)
{
    switch (k) {
    case K_FLOW: return sdd__parse_flow(line, len, &r->flow, detail, n);
    case K_BMP: return sdd__parse_bmp(line, len, &r->bmp, detail, n);
    default: return sdd__parse_iface(line, len, &r->iface, detail, n);
    }
}

/* ' becomes ". */
static void unquote(const char *q, char *buf, size_t size)
{
    size_t i;

    assert_true(strlen(q) < size);
    for (i = 0; q[i]; i++)
        buf[i] = q[i] == '\'' ? '"' : q[i];
    buf[i] = '\0';
}

static void expect_len(kind k, const char *line, size_t len, sdd_skip want, record *r)
{
    char detail[DETAIL_MAX];
    sdd_skip got = parse(k, line, len, r, detail, sizeof(detail));

    if (got != want)
        fail_msg("%.200s: got %s (%s), want %s", line, sdd__skip_name(got), detail, sdd__skip_name(want));
}

static void expect_q(kind k, const char *q, sdd_skip want, record *r)
{
    char buf[LINE_MAX_Q];

    unquote(q, buf, sizeof(buf));
    expect_len(k, buf, strlen(buf), want, r);
}

static void assert_addr(const sdd_addr *a, const char *text)
{
    char buf[64];

    sdd_addr_format(a, buf, sizeof(buf));
    assert_string_equal(buf, text);
}

static void assert_rd_text(sdd_rd rd, const char *text)
{
    char buf[SDD_RD_TEXT_MAX];

    sdd_rd_format(rd, buf, sizeof(buf));
    assert_string_equal(buf, text);
}

/* ---- fixtures built field by field ------------------------------------- */

typedef const char *const field[2];

/* A flow as pmacct 1.7.7's kafka plugin writes it with default timestamps
 * (date strings; timestamps_utc), tcp_flags as a string, custom primitives
 * (aggregate_primitives: vrf_id_ingress/egress, vrf_name, fwd_status on IE 89
 * with semantics u_int) at top level as strings. */
static field flow_177[] = {
    {"event_type", "'purge'"}, {"peer_ip_src", "'192.0.2.10'"}, {"iface_in", "12"},
    {"iface_out", "14"}, {"mpls_vpn_rd", "'0:64497:4438'"}, {"ip_src", "'10.0.0.1'"},
    {"tcp_flags", "'24'"}, {"ip_proto", "'tcp'"},
    {"timestamp_start", "'2024-01-10 15:26:41.120000'"},
    {"timestamp_end", "'2024-01-10 15:26:59.310000'"}, {"vrf_id_ingress", "'1610612738'"},
    {"vrf_id_egress", "'0'"}, {"vrf_name", "'CUST-A'"}, {"fwd_status", "'66'"},
    {"stamp_inserted", "'2024-01-10 15:27:00'"}, {"stamp_updated", "'2024-01-10 15:28:01'"},
    {"flows", "1"}, {"packets", "10"}, {"bytes", "1200"}, {"writer_id", "'nfacctd_kafka/4242'"},
};

static field bmp_update[] = {
    {"seq", "40"}, {"log_type", "'update'"}, {"timestamp", "'1704900424.100000'"},
    {"event_type", "'log'"}, {"afi", "1"}, {"safi", "128"}, {"ip_prefix", "'203.0.113.10/32'"},
    {"bgp_nexthop", "'192.0.11.219'"}, {"ecomms", "'RT:64497:12 SoO:64497:12'"},
    {"rd", "'0:64499:14'"}, {"timestamp_arrival", "'1704900424.300000'"},
    {"bmp_router", "'192.0.2.1'"}, {"peer_ip", "'192.0.11.219'"},
    {"bmp_msg_type", "'route_monitor'"},
};

static field iface_177[] = {
    {"event_type", "'log'"}, {"seq", "7"}, {"timestamp", "'1704900425.120000'"},
    {"telemetry_node", "'192.0.2.1'"}, {"telemetry_port", "57500"},
    {"telemetry_data",
     "{'openconfig-interfaces:interfaces':{'interface':[{'name':'GigabitEthernet0/0/0/1',"
     "'state':{'oper-status':'DOWN'}}]}}"},
    {"serialization", "'json'"},
};

/* The fields with `key` given `value` (NULL: left out; a new key: added). */
static void build(char *buf, size_t size, field *fields, size_t n, const char *key, const char *value)
{
    size_t i, used = 0;
    int replaced = 0;
    char q[LINE_MAX_Q];

    q[used++] = '{';
    for (i = 0; i < n; i++) {
        const char *v = fields[i][1];
        if (key && strcmp(fields[i][0], key) == 0) {
            v = value;
            replaced = 1;
        }
        if (v)
            used += (size_t)snprintf(q + used, sizeof(q) - used, "'%s': %s, ", fields[i][0], v);
    }
    if (key && !replaced && value)
        used += (size_t)snprintf(q + used, sizeof(q) - used, "'%s': %s, ", key, value);
    assert_true(used + 2 < sizeof(q));
    used -= 2;                                  /* the last ", " */
    q[used++] = '}';
    q[used] = '\0';
    unquote(q, buf, size);
}

#define BUILD(buf, fields, key, value) \
    build(buf, sizeof(buf), fields, sizeof(fields) / sizeof(fields[0]), key, value)

static void expect_field(kind k, field *fields, size_t n, const char *key, const char *value,
                         sdd_skip want, record *r)
{
    char buf[LINE_MAX_Q];

    build(buf, sizeof(buf), fields, n, key, value);
    expect_len(k, buf, strlen(buf), want, r);
}

#define EXPECT_FLOW(key, value, want, r) \
    expect_field(K_FLOW, flow_177, sizeof(flow_177) / sizeof(flow_177[0]), key, value, want, r)
#define EXPECT_BMP(key, value, want, r) \
    expect_field(K_BMP, bmp_update, sizeof(bmp_update) / sizeof(bmp_update[0]), key, value, want, r)
#define EXPECT_IFACE(key, value, want, r) \
    expect_field(K_IFACE, iface_177, sizeof(iface_177) / sizeof(iface_177[0]), key, value, want, r)

/* ---- the captures ------------------------------------------------------ */

/* shared/captures beside the checkout, or NULL (the test is then skipped). */
static int captures_dir(char *buf, size_t size)
{
    const char *src = getenv("SDD_SRCDIR");
    struct stat st;

    if (!src)
        return -1;
    snprintf(buf, size, "%s/../shared/captures", src);
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* The first line of a capture file containing `marker`, malloc'ed, or NULL. */
static char *capture_line(const char *file, const char *marker)
{
    char dir[1024], path[2048];
    char *line = NULL;
    size_t cap = 0;
    FILE *f;

    if (captures_dir(dir, sizeof(dir)) < 0)
        return NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    f = fopen(path, "r");
    if (!f)
        return NULL;
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, marker)) {
            fclose(f);
            return line;
        }
    free(line);
    fclose(f);
    return NULL;
}

typedef struct walk {
    int files;
    long lines;
    long parsed;
} walk;

/* Every line parses or is ignored; and every file has records we use. */
static void check_capture(const char *path, kind k, walk *w)
{
    char *line = NULL, detail[DETAIL_MAX];
    size_t cap = 0;
    ssize_t n;
    long lineno = 0, parsed = 0;
    record r;
    FILE *f = fopen(path, "r");

    assert_non_null(f);
    while ((n = getline(&line, &cap, f)) > 0) {
        sdd_skip s = parse(k, line, (size_t)n, &r, detail, sizeof(detail));
        lineno++;
        if (s != SDD_SKIP_NONE && s != SDD_SKIP_IGNORED)
            fail_msg("%s:%ld: %s (%s)", path, lineno, sdd__skip_name(s), detail);
        parsed += s == SDD_SKIP_NONE;
    }
    free(line);
    fclose(f);
    if (parsed == 0)
        fail_msg("%s: no record parsed", path);
    w->files++;
    w->lines += lineno;
    w->parsed += parsed;
}

static void walk_captures(const char *dir, int depth, walk *w)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char path[4096];
    struct stat st;

    assert_non_null(d);
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        if (stat(path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 3)
            walk_captures(path, depth + 1, w);
        else if (strcmp(ent->d_name, "output-flow-00.json") == 0)
            check_capture(path, K_FLOW, w);
        else if (strcmp(ent->d_name, "output-bmp-00.json") == 0)
            check_capture(path, K_BMP, w);
    }
    closedir(d);
}

static void test_captures_all_lines(void **state)
{
    char dir[1024];
    walk w = {0, 0, 0};

    (void)state;
    if (captures_dir(dir, sizeof(dir)) < 0)
        skip();
    walk_captures(dir, 0, &w);
    assert_true(w.files >= 10);
    print_message("captures: %d files, %ld lines, %ld records\n", w.files, w.lines, w.parsed);
}

#define C401 "401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources/"
#define C201 "201-BMP-CISCO-rd_instance/"

static void test_capture_401_first_flow(void **state)
{
    char *line = capture_line(C401 "output-flow-00.json", "{");
    record r;

    (void)state;
    if (!line)
        skip();
    expect_len(K_FLOW, line, strlen(line), SDD_SKIP_NONE, &r);
    free(line);
    assert_addr(&r.flow.router, "fd25::101");
    assert_rd_text(r.flow.rd, "2:4226809946:12");
    assert_int_equal(r.flow.vrf_id_ingress, 1610612738);
    assert_int_equal(r.flow.vrf_id_egress, 0);
    assert_string_equal(r.flow.vrf_name, "");
    assert_int_equal(r.flow.iface_in, 155);
    assert_int_equal(r.flow.iface_out, 0);
    assert_int_equal(r.flow.ip_proto, 6);
    assert_int_equal(r.flow.tcp_flags, SDD_TCP_ACK | SDD_TCP_PSH);
    assert_int_equal(r.flow.fwd_status, 195);             /* "CONSUMED For us" */
    assert_int_equal(r.flow.packets, 1);
    assert_int_equal(r.flow.bytes, 117);
    assert_int_equal(r.flow.flows, 0);                    /* null */
    assert_int_equal(r.flow.time, 1704899220);            /* stamp_inserted, not timestamp_start */
}

/* "vrfid:N" is pmacct's stand-in when no RD was known: not an RD. */
static void test_capture_110_vrfid_rd(void **state)
{
    char *line = capture_line("110-IPFIXv10-NFv9-multiple-sources/output-flow-00.json",
                              "\"vrfid:1610612741\"");
    record r;

    (void)state;
    if (!line)
        skip();
    expect_len(K_FLOW, line, strlen(line), SDD_SKIP_NONE, &r);
    free(line);
    assert_int_equal(r.flow.rd, 0);
    assert_int_equal(r.flow.vrf_id_ingress, 1610612741);
    assert_int_equal(r.flow.tcp_flags, SDD_TCP_ACK);
}

static void test_capture_100_udp_unknown_status(void **state)
{
    char *line = capture_line("100-IPFIXv10-CISCO/output-flow-00.json", "{");
    record r;

    (void)state;
    if (!line)
        skip();
    expect_len(K_FLOW, line, strlen(line), SDD_SKIP_NONE, &r);
    free(line);
    assert_int_equal(r.flow.rd, 0);                       /* "0:0:0" */
    assert_int_equal(r.flow.ip_proto, 17);
    assert_int_equal(r.flow.fwd_status, 0);               /* "UNKNOWN Unclassified" */
    assert_int_equal(r.flow.tcp_flags, 0);                /* [] */
    assert_int_equal(r.flow.iface_in, 995);
    assert_int_equal(r.flow.time, 1695892860);
}

static void assert_update_424(const record *r)
{
    assert_int_equal(r->bmp.type, SDD_BMP_UPDATE);
    assert_addr(&r->bmp.router, "192.168.100.1");
    assert_addr(&r->bmp.peer, "192.0.11.219");
    assert_rd_text(r->bmp.rd, "0:64499:14");
    assert_string_equal(r->bmp.prefix, "203.0.113.10/32");
    assert_addr(&r->bmp.nexthop, "192.0.11.219");
    assert_int_equal(r->bmp.n_rt, 1);                     /* SoO is not a route target */
    assert_string_equal(r->bmp.rt[0], "64497:12");
    assert_int_equal(r->bmp.time, 1685108059);
    assert_int_equal(r->bmp.reason, -1);
}

/* The same update with ecomms as an array, then as one string. */
static void test_capture_201_update_route_targets(void **state)
{
    static const char *const files[] = {C201 "output-bmp-00.json", C201 "scenario-01/output-bmp-00.json"};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        char *line = capture_line(files[i], "\"log_type\": \"update\", \"seq\": 424,");
        record r;
        if (!line)
            skip();
        expect_len(K_BMP, line, strlen(line), SDD_SKIP_NONE, &r);
        free(line);
        assert_update_424(&r);
    }
}

static void test_capture_201_peer_up_rd_instance(void **state)
{
    char *line = capture_line(C201 "output-bmp-00.json", "\"bmp_msg_type\": \"peer_up\"");
    record r;

    (void)state;
    if (!line)
        skip();
    expect_len(K_BMP, line, strlen(line), SDD_SKIP_NONE, &r);
    free(line);
    assert_int_equal(r.bmp.type, SDD_BMP_PEER_UP);
    assert_int_equal(r.bmp.peer_type, SDD_PEER_RD_INSTANCE);
    assert_rd_text(r.bmp.rd, "0:64499:94");
    assert_addr(&r.bmp.peer, "2001:db8:33::182");
    assert_int_equal(r.bmp.time, 1685107998);
    assert_string_equal(r.bmp.prefix, "");
    assert_int_equal(r.bmp.n_rt, 0);
}

/* A Loc-RIB route of a VPNv4 prefix: the route's own RD, a type 2 one. */
static void test_capture_401_vpn_route(void **state)
{
    char *line = capture_line(C401 "output-bmp-00.json", "\"seq\": 57,");
    record r;

    (void)state;
    if (!line)
        skip();
    expect_len(K_BMP, line, strlen(line), SDD_SKIP_NONE, &r);
    free(line);
    assert_int_equal(r.bmp.type, SDD_BMP_UPDATE);
    assert_addr(&r.bmp.router, "fd25::101");
    assert_rd_text(r.bmp.rd, "2:4226809879:15");
    assert_string_equal(r.bmp.prefix, "192.0.2.23/32");
    assert_int_equal(r.bmp.n_rt, 1);
    assert_string_equal(r.bmp.rt[0], "64497:1");
}

/* What pmacct logs besides events: counted as ignored, never as errors. */
static void test_capture_ignored_kinds(void **state)
{
    static const char *const markers[] = {
        "\"event_type\": \"log_init\"", "\"bmp_msg_type\": \"init\"", "\"bmp_msg_type\": \"stats\"",
        "\"log_type\": \"end-of-rib\"", "\"bmp_msg_type\": \"internal\"",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        char *line = capture_line(C201 "output-bmp-00.json", markers[i]);
        record r;
        if (!line)
            skip();
        expect_len(K_BMP, line, strlen(line), SDD_SKIP_IGNORED, &r);
        free(line);
    }
}

/* ---- flows in the forms of pmacct 1.7.7 and current pmacct ------------- */

static void test_flow_177(void **state)
{
    char buf[LINE_MAX_Q];
    record r;

    (void)state;
    BUILD(buf, flow_177, NULL, NULL);
    expect_len(K_FLOW, buf, strlen(buf), SDD_SKIP_NONE, &r);
    assert_addr(&r.flow.router, "192.0.2.10");
    assert_rd_text(r.flow.rd, "0:64497:4438");
    assert_int_equal(r.flow.time, 1704900420);            /* 2024-01-10 15:27:00 UTC */
    assert_int_equal(r.flow.tcp_flags, SDD_TCP_ACK | SDD_TCP_PSH);
    assert_int_equal(r.flow.ip_proto, 6);
    assert_int_equal(r.flow.vrf_id_ingress, 1610612738);
    assert_string_equal(r.flow.vrf_name, "CUST-A");
    assert_int_equal(r.flow.fwd_status, 66);
    assert_int_equal(r.flow.iface_in, 12);
    assert_int_equal(r.flow.iface_out, 14);
    assert_int_equal(r.flow.flows, 1);
    assert_int_equal(r.flow.packets, 10);
    assert_int_equal(r.flow.bytes, 1200);
}

/* Current pmacct's plain JSON: tcp_flags an integer, fwd_status a string
 * of digits, timestamps since the epoch. */
static void test_flow_current_plain(void **state)
{
    record r;

    (void)state;
    expect_q(K_FLOW,
             "{'peer_ip_src': 'fd25::101', 'iface_in': 155, 'iface_out': 0, 'mpls_vpn_rd': "
             "'1:192.0.2.1:7', 'tcp_flags': 18, 'fwd_status': '130', 'ip_proto': 'udp', "
             "'timestamp_start': '1704890914.000000', 'stamp_inserted': '1704899220', "
             "'vrf_id_ingress': '7', 'flows': 3, 'packets': 5, 'bytes': 700}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.tcp_flags, SDD_TCP_ACK | SDD_TCP_SYN);
    assert_int_equal(r.flow.fwd_status, 130);
    assert_int_equal(r.flow.ip_proto, 17);
    assert_rd_text(r.flow.rd, "1:192.0.2.1:7");
    assert_int_equal(r.flow.time, 1704899220);
    assert_int_equal(r.flow.vrf_id_ingress, 7);
}

static void test_flow_fwd_status_forms(void **state)
{
    record r;

    (void)state;
    EXPECT_FLOW("fwd_status", "'DROPPED ACL deny'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 129);
    EXPECT_FLOW("fwd_status", "'dropped for us'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 141);
    EXPECT_FLOW("fwd_status", "'FORWARDED Unclassified'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 64);
    EXPECT_FLOW("fwd_status", "200", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 200);
    EXPECT_FLOW("fwd_status", NULL, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 0);
    EXPECT_FLOW("fwd_status", "'SENT TO MARS'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("fwd_status", "256", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("fwd_status", "['DROPPED']", SDD_SKIP_TYPE, &r);
    /* the custom primitive, at top level and in custom_primitives */
    expect_q(K_FLOW,
             "{'peer_ip_src': '192.0.2.10', 'stamp_inserted': '1704899220', 'packets': 1, "
             "'bytes': 2, 'forwarding_status': '131'}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 131);
    expect_q(K_FLOW,
             "{'peer_ip_src': '192.0.2.10', 'stamp_inserted': '1704899220', 'packets': 1, "
             "'bytes': 2, 'custom_primitives': {'fwd_status': '140', 'vrf_name': 'X'}}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.fwd_status, 140);
    assert_string_equal(r.flow.vrf_name, "X");
}

static void test_flow_tcp_flags_and_proto(void **state)
{
    record r;

    (void)state;
    EXPECT_FLOW("tcp_flags", "['SYN', 'ACK', 'FIN', 'RST', 'URG']", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.tcp_flags, SDD_TCP_SYN | SDD_TCP_ACK | SDD_TCP_FIN | SDD_TCP_RST | SDD_TCP_URG);
    EXPECT_FLOW("tcp_flags", "[]", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.tcp_flags, 0);
    EXPECT_FLOW("tcp_flags", "'2'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.tcp_flags, SDD_TCP_SYN);
    EXPECT_FLOW("tcp_flags", "['ACK', 'BOGUS']", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("tcp_flags", "[16]", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("tcp_flags", "{'ACK': true}", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("tcp_flags", "256", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("tcp_flags", "''", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("ip_proto", "'ipv6-icmp'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.ip_proto, 58);
    EXPECT_FLOW("ip_proto", "'IPcomp'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.ip_proto, 108);
    EXPECT_FLOW("ip_proto", "'254'", SDD_SKIP_NONE, &r);  /* unnamed protocols print as numbers */
    assert_int_equal(r.flow.ip_proto, 254);
    EXPECT_FLOW("ip_proto", "47", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.ip_proto, 47);
    EXPECT_FLOW("ip_proto", "'tcpx'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("ip_proto", "300", SDD_SKIP_VALUE, &r);
}

/* stamp_inserted, else timestamp_start, else timestamp_arrival/min; a zero
 * time is pmacct's "not known" and passes to the next. */
static void test_flow_time_precedence(void **state)
{
    record r;
    const char *head = "{'peer_ip_src': '192.0.2.10', 'packets': 1, 'bytes': 2, ";
    char q[1024];

    (void)state;
    EXPECT_FLOW("stamp_inserted", NULL, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.time, 1704900401);            /* timestamp_start 15:26:41 */
    EXPECT_FLOW("stamp_inserted", "'0000-00-00 00:00:00'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.time, 1704900401);
    EXPECT_FLOW("stamp_inserted", "null", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.time, 1704900401);

    snprintf(q, sizeof(q), "%s'timestamp_start': '0.000000', 'timestamp_arrival': '1704899228.000000', "
             "'timestamp_min': '1704899000'}", head);
    expect_q(K_FLOW, q, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.time, 1704899228);
    snprintf(q, sizeof(q), "%s'timestamp_min': 1704899000}", head);
    expect_q(K_FLOW, q, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.time, 1704899000);
    snprintf(q, sizeof(q), "%s'timestamp_start': '0.000000', 'timestamp_end': '1704899000'}", head);
    expect_q(K_FLOW, q, SDD_SKIP_MISSING, &r);
    /* an unreadable preferred time is an error, not a reason to fall back */
    EXPECT_FLOW("stamp_inserted", "'yesterday'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("stamp_inserted", "true", SDD_SKIP_TYPE, &r);
}

static void test_flow_event_types(void **state)
{
    record r;

    (void)state;
    EXPECT_FLOW("event_type", NULL, SDD_SKIP_NONE, &r);
    expect_q(K_FLOW, "{'event_type': 'purge_init', 'writer_id': 'nfacctd_kafka/4242'}", SDD_SKIP_IGNORED, &r);
    expect_q(K_FLOW, "{'event_type': 'purge_close', 'writer_id': 'nfacctd_kafka/4242', "
             "'purged_entries': 5, 'total_entries': 5, 'duration': 0}", SDD_SKIP_IGNORED, &r);
    EXPECT_FLOW("event_type", "5", SDD_SKIP_TYPE, &r);
}

static void test_flow_missing(void **state)
{
    record r;
    char detail[DETAIL_MAX], buf[LINE_MAX_Q];

    (void)state;
    EXPECT_FLOW("peer_ip_src", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_FLOW("peer_ip_src", "null", SDD_SKIP_MISSING, &r);
    EXPECT_FLOW("peer_ip_src", "''", SDD_SKIP_MISSING, &r);
    EXPECT_FLOW("packets", NULL, SDD_SKIP_MISSING, &r);
    BUILD(buf, flow_177, "bytes", NULL);
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &r.flow, detail, sizeof(detail)), SDD_SKIP_MISSING);
    assert_non_null(strstr(detail, "bytes"));
    EXPECT_FLOW("flows", NULL, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.flows, 0);
    EXPECT_FLOW("mpls_vpn_rd", NULL, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.rd, 0);
}

static void test_flow_wrong_types(void **state)
{
    record r;
    char detail[DETAIL_MAX], buf[LINE_MAX_Q];

    (void)state;
    BUILD(buf, flow_177, "bytes", "true");
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &r.flow, detail, sizeof(detail)), SDD_SKIP_TYPE);
    assert_non_null(strstr(detail, "field bytes: expected integer"));
    EXPECT_FLOW("bytes", "1200.0", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("bytes", "'12kB'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("bytes", "[1200]", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("peer_ip_src", "3221225994", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("peer_ip_src", "'router-1'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("iface_in", "'GigabitEthernet0/0/0/1'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("iface_in", "1.5", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("mpls_vpn_rd", "12", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("mpls_vpn_rd", "'5:1:1'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("mpls_vpn_rd", "'vrfid:x'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("vrf_id_ingress", "' 7'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("vrf_id_ingress", "'-7'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("vrf_name", "7", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("vrf_name", "'a-vrf-name-that-is-much-too-long-to-be-kept-without-merging-others'",
                SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("custom_primitives", "['vrf_id_ingress']", SDD_SKIP_TYPE, &r);
    EXPECT_FLOW("custom_primitives", "{'vrf_id_ingress': {}}", SDD_SKIP_NONE, &r); /* top level wins */
}

static void test_flow_huge_and_negative(void **state)
{
    record r;

    (void)state;
    EXPECT_FLOW("bytes", "18446744073709551616", SDD_SKIP_VALUE, &r);   /* beyond jansson's integer */
    EXPECT_FLOW("bytes", "9223372036854775808", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("bytes", "'18446744073709551616'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("bytes", "'18446744073709551615'", SDD_SKIP_NONE, &r);
    assert_true(r.flow.bytes == UINT64_MAX);
    EXPECT_FLOW("bytes", "9223372036854775807", SDD_SKIP_NONE, &r);
    assert_true(r.flow.bytes == INT64_MAX);
    EXPECT_FLOW("bytes", "1e999", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("packets", "-1", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("flows", "-3", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("bytes", "-9223372036854775808", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("iface_in", "4294967296", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("iface_in", "4294967295", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.iface_in, UINT32_MAX);
    EXPECT_FLOW("vrf_id_egress", "'4294967296'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("stamp_inserted", "'99999999999999999999'", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("stamp_inserted", "-60", SDD_SKIP_VALUE, &r);
    EXPECT_FLOW("stamp_inserted", "253402300800", SDD_SKIP_VALUE, &r);
}

static void test_flow_unknown_fields(void **state)
{
    record r;

    (void)state;
    EXPECT_FLOW("sampling_rate", "{'a': [1, 2, {'b': null}], 'c': 1e300}", SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.bytes, 1200);
}

/* ---- times ------------------------------------------------------------- */

static void test_time_text(void **state)
{
    static const struct { const char *text; int64_t want; } ok[] = {
        {"1704899220", 1704899220},
        {"1704890914.000000", 1704890914},
        {"1704890914.999999", 1704890914},
        {"0", 0},
        {"0.000000", 0},
        {"2024-01-10 15:27:00", 1704900420},
        {"2024-01-10 15:27:00.654321", 1704900420},
        {"2024-01-10T15:27:00", 1704900420},
        {"2024-01-10T15:27:00Z", 1704900420},
        {"2024-01-10T15:27:00.5Z", 1704900420},
        {"2024-01-10T16:27:00+01:00", 1704900420},
        {"2024-01-10T10:57:00-04:30", 1704900420},
        {"2024-01-10T16:27:00+0100", 1704900420},
        {"2024-01-10T15:27:00.000000+00:00", 1704900420},
        {"2024-02-29 00:00:00", 1709164800},
        {"1970-01-01 00:00:00", 0},
        {"0000-00-00 00:00:00", 0},
        {"0000-00-00T00:00:00.000000", 0},
        {"9999-12-31 23:59:59", INT64_C(253402300799)},
    };
    static const char *const bad[] = {
        "", " 1704899220", "1704899220 ", "1704899220.", "17048.99.220", "-1", "+1704899220",
        "1704899220s", "2024-01-10", "2024-01-10 15:27", "2024-1-10 15:27:00", "2024-01-10 15:27:00 ",
        "2024-01-10X15:27:00", "2024-13-10 15:27:00", "2024-02-30 00:00:00", "2023-02-29 00:00:00",
        "2024-01-10 24:00:00", "2024-01-10 15:60:00", "2024-01-10 15:27:61", "2024-01-10T15:27:00+1",
        "2024-01-10T15:27:00+24:00", "2024-01-10T15:27:00UTC", "1969-12-31 23:59:59",
        "1970-01-01T00:30:00+01:00", "253402300800", "99999999999999999999",
    };
    size_t i;
    int64_t t;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        t = -1;
        if (sdd__input_time_text(ok[i].text, &t) != 0 || t != ok[i].want)
            fail_msg("\"%s\": got %lld, want %lld", ok[i].text, (long long)t, (long long)ok[i].want);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sdd__input_time_text(bad[i], &t) == 0)
            fail_msg("accepted time \"%s\"", bad[i]);
}

/* ---- BMP --------------------------------------------------------------- */

/* pmacct 1.7.7: peer_down with the RD of an RD instance peer; date strings. */
static void test_bmp_177_peer_down(void **state)
{
    record r;

    (void)state;
    expect_q(K_BMP,
             "{'event_type': 'log', 'seq': 12, 'timestamp': '2024-01-10 15:27:03.000000', "
             "'timestamp_arrival': '2024-01-10 15:27:03.412000', 'bmp_router': '192.0.2.1', "
             "'bmp_router_port': 40377, 'bmp_msg_type': 'peer_down', 'peer_ip': '198.51.100.6', "
             "'peer_asn': 64499, 'peer_type': 1, 'peer_type_str': 'RD Instance Peer', "
             "'rd': '0:64499:14', 'rd_origin': 'bmp', 'reason_type': 1, "
             "'reason_str': 'The local system closed the session', 'writer_id': 'nfacctd_core/42'}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.type, SDD_BMP_PEER_DOWN);
    assert_int_equal(r.bmp.reason, 1);
    assert_int_equal(r.bmp.peer_type, SDD_PEER_RD_INSTANCE);
    assert_rd_text(r.bmp.rd, "0:64499:14");
    assert_addr(&r.bmp.router, "192.0.2.1");
    assert_addr(&r.bmp.peer, "198.51.100.6");
    assert_int_equal(r.bmp.time, 1704900423);
    assert_int_equal(r.bmp.arrival, 1704900423);        /* timestamp_arrival, kept beside */
    assert_true(sdd_addr_is_zero(&r.bmp.nexthop));
}

/* Current pmacct: bmp_rib_type, is_filtered, bgp_id; with bmp_daemon_set_pd
 * the peer distinguisher is "pd". Reason 2 without notification. */
static void test_bmp_current_peer_down_pd(void **state)
{
    record r;

    (void)state;
    expect_q(K_BMP,
             "{'event_type': 'log', 'seq': 99, 'timestamp': '1704900423.000000', "
             "'timestamp_arrival': '1704900423.412000', 'bmp_router': 'fd25::101', "
             "'bmp_router_port': 47721, 'bmp_msg_type': 'peer_down', 'peer_ip': '2001:db8:33::182', "
             "'peer_asn': 65542, 'bgp_id': '192.0.2.82', 'peer_type': 1, "
             "'peer_type_str': 'RD Instance Peer', 'bmp_rib_type': 'Adj-RIB-In Pre-Policy', "
             "'is_filtered': 0, 'is_post': 0, 'is_in': 1, 'pd': '2:4226809946:12', "
             "'pd_origin': 'bmp', 'reason_type': 2, 'reason_str': 'The local system closed the "
             "session without a notification message'}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.type, SDD_BMP_PEER_DOWN);
    assert_int_equal(r.bmp.reason, 2);
    assert_rd_text(r.bmp.rd, "2:4226809946:12");
    assert_int_equal(r.bmp.time, 1704900423);
}

/* 1.7.7 and current pmacct both mark a withdraw with log_type "withdraw";
 * the attributes are those of the route withdrawn, when pmacct had it. */
static void test_bmp_withdraw(void **state)
{
    record r;

    (void)state;
    expect_q(K_BMP,
             "{'seq': 41, 'log_type': 'withdraw', 'timestamp': '2024-01-10 15:27:04.000000', "
             "'is_post': 0, 'is_in': 1, 'event_type': 'log', 'afi': 1, 'safi': 128, "
             "'ip_prefix': '203.0.113.10/32', 'bgp_nexthop': '192.0.11.219', "
             "'as_path': '65555 65536', 'comms': '64496:299', "
             "'ecomms': 'RT:64497:12 RT:192.0.2.1:7 SoO:64497:12', 'origin': 'i', "
             "'local_pref': 100, 'rd': '0:64499:14', 'rd_origin': 'bgp', 'label': '24001', "
             "'timestamp_arrival': '2024-01-10 15:27:04.200000', 'bmp_router': '192.0.2.1', "
             "'bmp_router_port': 40377, 'peer_ip': '192.0.11.219', 'peer_tcp_port': 0, "
             "'bmp_msg_type': 'route_monitor', 'writer_id': 'nfacctd_core/42'}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.type, SDD_BMP_WITHDRAW);
    assert_string_equal(r.bmp.prefix, "203.0.113.10/32");
    assert_int_equal(r.bmp.n_rt, 2);
    assert_string_equal(r.bmp.rt[0], "64497:12");
    assert_string_equal(r.bmp.rt[1], "192.0.2.1:7");
    assert_int_equal(r.bmp.rd_of_route, 1);                /* rd_origin "bgp": the VPN route's RD */
    assert_true(sdd_addr_is_zero(&r.bmp.nexthop));        /* a withdraw has no next hop */
    assert_int_equal(r.bmp.reason, -1);
    assert_int_equal(r.bmp.time, 1704900424);
    /* a withdraw of a route pmacct never saw: no attributes at all */
    expect_q(K_BMP,
             "{'seq': 42, 'log_type': 'withdraw', 'timestamp': '1704900424.000000', "
             "'event_type': 'log', 'afi': 2, 'safi': 1, 'ip_prefix': '2001:db8::70/128', "
             "'timestamp_arrival': '1704900424.100000', 'bmp_router': '192.0.2.1', "
             "'peer_ip': '2001:db8:32::172', 'bmp_msg_type': 'route_monitor'}",
             SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.type, SDD_BMP_WITHDRAW);
    assert_int_equal(r.bmp.n_rt, 0);
    assert_int_equal(r.bmp.rd, 0);
    assert_int_equal(r.bmp.rd_of_route, 0);
}

static void test_bmp_update_fields(void **state)
{
    record r;

    (void)state;
    EXPECT_BMP(NULL, NULL, SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.type, SDD_BMP_UPDATE);
    assert_addr(&r.bmp.router, "192.0.2.1");
    assert_addr(&r.bmp.nexthop, "192.0.11.219");
    assert_int_equal(r.bmp.n_rt, 1);
    assert_string_equal(r.bmp.rt[0], "64497:12");
    assert_int_equal(r.bmp.time, 1704900424);
    EXPECT_BMP("ecomms", "['RT:1:1','RT:1:2','RT:1:3','RT:1:4','RT:1:5','RT:1:6','RT:1:7','RT:1:8','RT:1:9']",
               SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.n_rt, SDD_RT_MAX);
    assert_string_equal(r.bmp.rt[SDD_RT_MAX - 1], "1:8");
    EXPECT_BMP("ecomms", "''", SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.n_rt, 0);
    EXPECT_BMP("ecomms", "'RT:1:1  RT:1:2 '", SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.n_rt, 2);
    EXPECT_BMP("ecomms", "null", SDD_SKIP_NONE, &r);
    EXPECT_BMP("ecomms", "5", SDD_SKIP_TYPE, &r);
    EXPECT_BMP("ecomms", "['RT:1:1', 5]", SDD_SKIP_TYPE, &r);
    EXPECT_BMP("ecomms", "['RT:']", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ecomms", "'RT:123456789012345678901234567890123'", SDD_SKIP_VALUE, &r);
    /* a route target names a service: nothing but ASN:NN or IPv4:NN */
    EXPECT_BMP("ecomms", "'RT:garbage'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ecomms", "'RT:64497:x'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ecomms", "'RT:192.0.2.999:7'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ecomms", "'RT:4226809946:12 RT:192.0.2.1:7'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.n_rt, 2);
    EXPECT_BMP("bgp_nexthop", "''", SDD_SKIP_NONE, &r);
    assert_true(sdd_addr_is_zero(&r.bmp.nexthop));
    EXPECT_BMP("bgp_nexthop", "'nexthop'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", "'2001:db8::/32'", SDD_SKIP_NONE, &r);
    EXPECT_BMP("ip_prefix", "'203.0.113.10'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", "'203.0.113.0/33'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", "'2001:db8::/129'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", "'/24'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", "'10.0.0.0/8x'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", "'2001:0db8:0000:0000:0000:0000:0000:0000:0000/128'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("ip_prefix", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_BMP("rd", "null", SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.rd, 0);
    EXPECT_BMP("rd", "5", SDD_SKIP_TYPE, &r);
    EXPECT_BMP("rd", "'null'", SDD_SKIP_VALUE, &r);
}

static void test_bmp_required(void **state)
{
    record r;

    (void)state;
    EXPECT_BMP("bmp_router", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_BMP("peer_ip", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_BMP("bmp_msg_type", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_BMP("log_type", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_BMP("bmp_router", "7", SDD_SKIP_TYPE, &r);
    EXPECT_BMP("bmp_msg_type", "1", SDD_SKIP_TYPE, &r);
    EXPECT_BMP("timestamp", "'soon'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("timestamp", "'0.000000'", SDD_SKIP_NONE, &r); /* falls back to arrival */
    assert_int_equal(r.bmp.time, 1704900424);
    EXPECT_BMP("peer_type", "'x'", SDD_SKIP_VALUE, &r);
    EXPECT_BMP("peer_type", "3", SDD_SKIP_NONE, &r);
    assert_int_equal(r.bmp.peer_type, SDD_PEER_LOC_RIB);
    expect_q(K_BMP,
             "{'event_type': 'log', 'timestamp': '1704900423.000000', 'bmp_router': '192.0.2.1', "
             "'bmp_msg_type': 'peer_down', 'peer_ip': '198.51.100.6', 'peer_type': 0}",
             SDD_SKIP_MISSING, &r);
}

static void test_bmp_ignored(void **state)
{
    record r;

    (void)state;
    EXPECT_BMP("log_type", "'end-of-rib'", SDD_SKIP_IGNORED, &r);
    EXPECT_BMP("log_type", "'delete'", SDD_SKIP_IGNORED, &r);
    EXPECT_BMP("bmp_msg_type", "'internal'", SDD_SKIP_IGNORED, &r);
    EXPECT_BMP("bmp_msg_type", "'term'", SDD_SKIP_IGNORED, &r);
    EXPECT_BMP("bmp_msg_type", "'route_mirror'", SDD_SKIP_IGNORED, &r);
    EXPECT_BMP("event_type", "'dump'", SDD_SKIP_IGNORED, &r);
    EXPECT_BMP("event_type", NULL, SDD_SKIP_NONE, &r);
    expect_q(K_BMP, "{'event_type': 'log_close', 'seq': 9, 'timestamp': '1704900500.000000', "
             "'bmp_router': '192.0.2.1', 'bmp_router_port': 40377}", SDD_SKIP_IGNORED, &r);
    expect_q(K_BMP, "{'event_type': 'dump_init', 'timestamp': '1704900500.000000', "
             "'dump_period': 60, 'bmp_router': '192.0.2.1'}", SDD_SKIP_IGNORED, &r);
    /* a dump of a peer_up: a restatement, not an event */
    expect_q(K_BMP, "{'event_type': 'dump', 'seq': 3, 'timestamp': '2024-01-10 15:30:00', "
             "'timestamp_event': '2024-01-10 15:27:03', 'bmp_router': '192.0.2.1', "
             "'bmp_msg_type': 'peer_up', 'peer_ip': '198.51.100.6', 'peer_type': 0}",
             SDD_SKIP_IGNORED, &r);
}

/* ---- telemetry --------------------------------------------------------- */

static void test_iface_177_openconfig(void **state)
{
    record r;

    (void)state;
    EXPECT_IFACE(NULL, NULL, SDD_SKIP_NONE, &r);
    assert_addr(&r.iface.router, "192.0.2.1");
    assert_string_equal(r.iface.ifname, "GigabitEthernet0/0/0/1");
    assert_int_equal(r.iface.oper_up, 0);
    assert_int_equal(r.iface.time, 1704900425);
    EXPECT_IFACE("timestamp", "'2024-01-10 15:27:05.120000'", SDD_SKIP_NONE, &r);
    assert_int_equal(r.iface.time, 1704900425);
    EXPECT_IFACE("telemetry_data",
                 "{'openconfig-interfaces:interfaces':{'interface':[{'name':'Gi0/0/0/2',"
                 "'state':{'oper-status':'UP'}}]}}", SDD_SKIP_NONE, &r);
    assert_int_equal(r.iface.oper_up, 1);
    assert_string_equal(r.iface.ifname, "Gi0/0/0/2");
}

/* The ietf form, in current pmacct's IETF telemetry message envelope. */
static const char ietf_current[] =
    "{'data-collection-manifest': {'vendor': 'pmacct', 'name': 'pmtelemetryd', "
    "'software-version': '1.7.10-git', 'software-flavor': 'default'}, "
    "'payload': {'ietf-interfaces:interfaces':{'interface':[{'name':'GigabitEthernet0/0/0/1',"
    "'oper-status':'down'}]}}, "
    "'network-operator-metadata': {'labels': [{'name': 'seq', 'number-value': 3}, "
    "{'name': 'serialization', 'string-value': 'json'}]}, "
    "'telemetry-message-metadata': {'notification-event': 'log', 'session-protocol': 'telemetry', "
    "'collection-timestamp': '1704900425.120000', 'export-address': 'fd25::101', "
    "'export-port': 57500}, 'writer_id': 'pmtelemetryd/42'}";

static void test_iface_current_ietf(void **state)
{
    record r;
    char q[LINE_MAX_Q];

    (void)state;
    expect_q(K_IFACE, ietf_current, SDD_SKIP_NONE, &r);
    assert_addr(&r.iface.router, "fd25::101");
    assert_string_equal(r.iface.ifname, "GigabitEthernet0/0/0/1");
    assert_int_equal(r.iface.oper_up, 0);
    assert_int_equal(r.iface.time, 1704900425);
    /* the same wrapped for YANG-push over UDP-notif input */
    snprintf(q, sizeof(q), "{'ietf-telemetry-message:message': %s}", ietf_current);
    expect_q(K_IFACE, q, SDD_SKIP_NONE, &r);
    assert_addr(&r.iface.router, "fd25::101");
}

static void test_iface_payload_forms(void **state)
{
    record r;

    (void)state;
    /* YANG-push push-update around the data */
    EXPECT_IFACE("telemetry_data",
                 "{'ietf-notification:notification': {'eventTime': '2024-01-10T15:27:05Z', "
                 "'ietf-yang-push:push-update': {'id': 1, 'datastore-contents': "
                 "{'ietf-interfaces:interfaces': {'interface': [{'name': 'Gi0/0/0/3', "
                 "'oper-status': 'up'}]}}}}}", SDD_SKIP_NONE, &r);
    assert_string_equal(r.iface.ifname, "Gi0/0/0/3");
    assert_int_equal(r.iface.oper_up, 1);
    /* the deprecated state tree */
    EXPECT_IFACE("telemetry_data",
                 "{'ietf-interfaces:interfaces-state': {'interface': [{'name': 'eth0', "
                 "'oper-status': 'lower-layer-down'}]}}", SDD_SKIP_NONE, &r);
    assert_int_equal(r.iface.oper_up, 0);
    /* several interfaces: the first with an oper-status */
    EXPECT_IFACE("telemetry_data",
                 "{'openconfig-interfaces:interfaces':{'interface':[{'name':'a','state':{'counters':{}}},"
                 "{'name':'b','state':{'oper-status':'UP'}},{'name':'c','state':{'oper-status':'DOWN'}}]}}",
                 SDD_SKIP_NONE, &r);
    assert_string_equal(r.iface.ifname, "b");
    /* json-string: the payload as a string (an object is taken as it is) */
    EXPECT_IFACE("serialization", "'json-string'", SDD_SKIP_NONE, &r);
    expect_q(K_IFACE,
             "{'event_type': 'log', 'timestamp': '1704900425', 'telemetry_node': '192.0.2.1', "
             "'serialization': 'json-string', 'telemetry_data': "
             "\"{\\'ietf-interfaces:interfaces\\':{\\'interface\\':[{\\'name\\':\\'x\\',"
             "\\'oper-status\\':\\'up\\'}]}}\"}",
             SDD_SKIP_NONE, &r);
}

static void test_iface_skips(void **state)
{
    record r;

    (void)state;
    EXPECT_IFACE("serialization", "'gpb'", SDD_SKIP_IGNORED, &r);
    EXPECT_IFACE("event_type", "'dump'", SDD_SKIP_IGNORED, &r);
    EXPECT_IFACE("event_type", "'log_init'", SDD_SKIP_IGNORED, &r);
    EXPECT_IFACE("telemetry_data", "{'openconfig-interfaces:interfaces':{'interface':"
                 "[{'name':'a','state':{'counters':{'in-octets':'5'}}}]}}", SDD_SKIP_IGNORED, &r);
    EXPECT_IFACE("telemetry_data", "{'openconfig-bgp:bgp':{}}", SDD_SKIP_IGNORED, &r);
    EXPECT_IFACE("telemetry_data", "{'openconfig-interfaces:interfaces':{'interface':{'name':'a'}}}",
                 SDD_SKIP_TYPE, &r);
    EXPECT_IFACE("telemetry_data", "'Z29iYmxlZHlnb29r'", SDD_SKIP_TYPE, &r);
    EXPECT_IFACE("telemetry_data", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_IFACE("telemetry_node", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_IFACE("timestamp", NULL, SDD_SKIP_MISSING, &r);
    EXPECT_IFACE("telemetry_node", "'r1.example.net'", SDD_SKIP_VALUE, &r);
    EXPECT_IFACE("telemetry_data", "{'openconfig-interfaces:interfaces':{'interface':"
                 "[{'state':{'oper-status':'UP'}}]}}", SDD_SKIP_MISSING, &r);
    EXPECT_IFACE("telemetry_data", "{'openconfig-interfaces:interfaces':{'interface':"
                 "[{'name':'a','state':{'oper-status':1}}]}}", SDD_SKIP_TYPE, &r);
    EXPECT_IFACE("telemetry_data", "{'ietf-interfaces:interfaces':{'interface':[{'name':"
                 "'an-interface-name-longer-than-sixty-three-bytes-is-refused-not-cut','oper-status':'up'}]}}",
                 SDD_SKIP_VALUE, &r);
}

/* ---- broken lines ------------------------------------------------------ */

static void test_broken_syntax(void **state)
{
    static const char *const not_json[] = {
        "", "\n", "   ", "{", "{\"peer_ip_src\": \"192.0.2.10\", \"bytes\": 12",
        "{\"peer_ip_src\": \"192.0.2.10\",}", "{'bytes': 1}", "nonsense", "{\"a\": 1} {\"b\": 2}",
        "{\"a\": NaN}", "{\"a\": 01}",
    };
    static const char *const not_object[] = {"[]", "[{}]", "42", "\"string\"", "null", "true"};
    record r;
    size_t i, k;

    (void)state;
    for (k = K_FLOW; k <= K_IFACE; k++) {
        for (i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++)
            expect_len((kind)k, not_json[i], strlen(not_json[i]), SDD_SKIP_JSON, &r);
        for (i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++)
            expect_len((kind)k, not_object[i], strlen(not_object[i]), SDD_SKIP_NOT_OBJECT, &r);
    }
    expect_len(K_FLOW, NULL, 0, SDD_SKIP_JSON, &r);
}

/* Every real record cut short anywhere is refused as JSON, never misread. */
static void test_broken_truncated(void **state)
{
    char buf[LINE_MAX_Q];
    record r;
    size_t n, len;

    (void)state;
    BUILD(buf, flow_177, NULL, NULL);
    len = strlen(buf);
    for (n = 0; n < len; n++)
        expect_len(K_FLOW, buf, n, SDD_SKIP_JSON, &r);
    expect_len(K_FLOW, buf, len, SDD_SKIP_NONE, &r);
}

static void test_broken_bytes(void **state)
{
    static const char bad_utf8[] = "{\"peer_ip_src\": \"192.0.2.10\", \"vrf_name\": \"caf\xe9\", "
                                   "\"stamp_inserted\": 1704899220, \"packets\": 1, \"bytes\": 2}";
    static const char overlong[] = "{\"vrf_name\": \"\xc0\xaf\"}";
    static const char surrogate[] = "{\"vrf_name\": \"\xed\xa0\x80\"}";
    static const char nul_inside[] = "{\"peer_ip_src\": \"192.0.2.10\"\0, \"bytes\": 2}";
    static const char escaped_nul[] = "{\"vrf_name\": \"a\\u0000b\"}";
    static const char dup[] = "{\"peer_ip_src\": \"192.0.2.10\", \"stamp_inserted\": 1704899220, "
                              "\"packets\": 1, \"bytes\": 2, \"bytes\": 3}";
    record r;

    (void)state;
    expect_len(K_FLOW, bad_utf8, sizeof(bad_utf8) - 1, SDD_SKIP_JSON, &r);
    expect_len(K_FLOW, overlong, sizeof(overlong) - 1, SDD_SKIP_JSON, &r);
    expect_len(K_FLOW, surrogate, sizeof(surrogate) - 1, SDD_SKIP_JSON, &r);
    expect_len(K_FLOW, nul_inside, sizeof(nul_inside) - 1, SDD_SKIP_JSON, &r);
    expect_len(K_FLOW, escaped_nul, sizeof(escaped_nul) - 1, SDD_SKIP_JSON, &r);
    expect_len(K_FLOW, dup, sizeof(dup) - 1, SDD_SKIP_JSON, &r);
}

/* Deeper than jansson's parser goes: refused as JSON, without a crash;
 * a deep but parseable unknown field is just ignored. */
static void test_broken_deep(void **state)
{
    const size_t depth = 100000;
    char *buf = malloc(2 * depth + 256);
    char head[LINE_MAX_Q];
    size_t n;
    record r;

    (void)state;
    assert_non_null(buf);
    memset(buf, '[', depth);
    expect_len(K_FLOW, buf, depth, SDD_SKIP_JSON, &r);
    memset(buf + depth, ']', depth);
    expect_len(K_BMP, buf, 2 * depth, SDD_SKIP_JSON, &r);

    BUILD(head, flow_177, NULL, NULL);
    n = strlen(head) - 1;                       /* drop the closing brace */
    memcpy(buf, head, n);
    n += (size_t)sprintf(buf + n, ", \"deep\": ");
    memset(buf + n, '[', 1000);
    memset(buf + n + 1000, ']', 1000);
    n += 2000;
    buf[n++] = '}';
    expect_len(K_FLOW, buf, n, SDD_SKIP_NONE, &r);
    free(buf);
}

/* A 1 MB line: read as any other (the transport bounds line sizes). */
static void test_broken_megabyte(void **state)
{
    const size_t pad = 1024 * 1024;
    char head[LINE_MAX_Q];
    char *buf = malloc(pad + sizeof(head) + 16);
    size_t n;
    record r;

    (void)state;
    assert_non_null(buf);
    BUILD(head, flow_177, NULL, NULL);
    n = strlen(head) - 1;
    memcpy(buf, head, n);
    n += (size_t)sprintf(buf + n, ", \"pad\": \"");
    memset(buf + n, 'x', pad);
    n += pad;
    memcpy(buf + n, "\"}", 2);
    n += 2;
    expect_len(K_FLOW, buf, n, SDD_SKIP_NONE, &r);
    assert_int_equal(r.flow.bytes, 1200);
    expect_len(K_FLOW, buf, n - 1, SDD_SKIP_JSON, &r);   /* cut short */
    memset(buf, 'a', n);
    expect_len(K_FLOW, buf, n, SDD_SKIP_JSON, &r);       /* garbage */
    free(buf);
}

/* ---- the JSON layer against jansson ------------------------------------ */

/* What jansson, the parser before jsmn, said of a line with the flags it
 * was called with: a number too large is `value`, not `json`. */
static sdd_skip jansson_reason(const char *line, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    sdd_skip why;

    if (!j)
        return json_error_code(&err) == json_error_numeric_overflow ? SDD_SKIP_VALUE : SDD_SKIP_JSON;
    why = json_is_object(j) ? SDD_SKIP_NONE : SDD_SKIP_NOT_OBJECT;
    json_decref(j);
    return why;
}

/* jansson 2.14 took a NUL byte right after a number for the number's end
 * and read on: the one case refused on purpose where it accepted. */
static int nul_after_digit(const char *line, size_t len)
{
    size_t i;

    for (i = 1; i < len; i++)
        if (line[i] == '\0' && line[i - 1] >= '0' && line[i - 1] <= '9')
            return 1;
    return 0;
}

static void expect_as_jansson(const char *line, size_t len, void *ctx)
{
    long *checked = ctx;
    input_doc doc;
    const input_val *root;
    char detail[DETAIL_MAX];
    input_err e = {detail, sizeof(detail)};
    sdd_skip got, want;

    if (nul_after_digit(line, len))
        return;
    got = sdd__input_load(line, len, &doc, &root, &e);
    if (got == SDD_SKIP_NONE)
        sdd__input_free(&doc);
    want = jansson_reason(line, len);
    if (got != want)
        fail_msg("%.*s: got %s (%s), jansson %s", (int)(len < 300 ? len : 300), line, sdd__skip_name(got),
                 detail, sdd__skip_name(want));
    (*checked)++;
}

typedef void (*line_fn)(const char *line, size_t len, void *ctx);

/* fn on the line (len bytes), and on the line with each byte changed for
 * each of `bytes`, dropped, doubled, and cut there. */
static void each_mutation(const char *line, size_t len, line_fn fn, void *ctx)
{
    static const char bytes[] = "\"\\,:{}[] 0e-.u9tnE+\x7f\x01\x80\xff\xc3\xa9";
    size_t i, b;
    char *buf = malloc(len + 2);

    assert_non_null(buf);
    fn(line, len, ctx);
    for (i = 0; i < len; i++) {
        for (b = 0; b <= sizeof(bytes) - 1; b++) {     /* the last one: a NUL byte */
            memcpy(buf, line, len);
            buf[i] = b < sizeof(bytes) - 1 ? bytes[b] : '\0';
            fn(buf, len, ctx);
        }
        memcpy(buf, line, i);
        memcpy(buf + i, line + i + 1, len - i - 1);
        fn(buf, len - 1, ctx);
        memcpy(buf, line, i + 1);
        memcpy(buf + i + 1, line + i, len - i);
        fn(buf, len + 1, ctx);
        fn(line, i, ctx);
    }
    free(buf);
}

static void expect_mutations_as_jansson(const char *line, long *checked)
{
    each_mutation(line, strlen(line), expect_as_jansson, checked);
}

/* The corners of JSON's grammar, numbers, escapes and UTF-8, and what
 * simdjson reads otherwise than jansson did (integers above INT64_MAX, a
 * key twice, -0). */
static const char *const corners[] = {
    "42", "-0", "1e999", "1e-400", "true", "null", "nul", "\"s\"", " 42 ", "1e999x", "1 2",
    "{\"a\":1e999x}", "{\"a\" 1e999}", "{\"a\":[1e999", "{1e999:1}", "{\"a\":-1e999}",
    "{\"a\\u0062\":1,\"ab\":2}", "{\"\\ud83d\\ude00\":1}", "{\"\\ud83d\":1}", "{\"\\ude00\":1}",
    "{\"a\":-9223372036854775808}", "{\"a\":-9223372036854775809}", "{\"a\":9223372036854775807}",
    "{\"a\":1.7976931348623157e308}", "{\"a\":1.8e308}", "{\"a\":[1,2,]}", "{\"a\":{\"b\":1,\"b\":2}}",
    "{\"a\":{\"b\":1},\"c\":{\"b\":2}}", "{\"a\":truex}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1E+5}",
    "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "\xef\xbb\xbf{}", "{\"a\":1}\r\n", "{\"a\":1}}", "[1}",
    "{\"a\":1 \"b\":2}", "{\"a\"}", "{\"a\":}", "{,\"a\":1}", "{\"a\":\"\xf4\x90\x80\x80\"}",
    "{\"a\":\"\xe0\x80\x80\"}", "{\"a\":\"\xf0\x9f\x98\x80\"}",
    "{\"a\":-0}", "{\"a\":-0.0}", "{\"a\":[-0,0e0,-0E-0]}", "{\"a\":9223372036854775808}",
    "{\"a\":18446744073709551615}", "{\"a\":18446744073709551616}", "{\"a\":4.9e-324}",
    "{\"a\":2.2250738585072011e-308}", "{\"a\":0.1000000000000000055511151231257827}",
    "{\"a\":1,\"a\":1}", "{\"a\":{\"a\":1},\"b\":[{\"c\":1,\"c\":2}]}", "{\"a\":\"\\u0000\"}",
    "{\"a\":\"x\\/y\"}", "{\"\":null,\"b\":[true,false,null,{}]}", "{\"a\":\"\t\"}", " {\"a\":1} ",
};

/* Real records mutated byte by byte, and the corners of JSON's grammar,
 * numbers and nesting: refused (or not) as jansson did, for the same
 * reason. jsmn accepts more than JSON; this is what says that the checks
 * around it make up the difference. */
static void test_same_as_jansson(void **state)
{
    static const size_t depths[] = {2046, 2047, 2048, 2049};
    static const char nul_after_number[] = "{\"peer_ip_src\": \"192.0.2.10\", \"stamp_inserted\": 1704899220, "
                                           "\"packets\": 1, \"bytes\": 2\0}";
    char buf[LINE_MAX_Q], *capture, *deep;
    record r;
    long checked = 0;
    size_t i, d, n;

    (void)state;
    for (i = 0; i < sizeof(corners) / sizeof(corners[0]); i++)
        expect_as_jansson(corners[i], strlen(corners[i]), &checked);
    deep = malloc(6 * 2049 + 8);
    assert_non_null(deep);
    for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        d = depths[i];
        memset(deep, '[', d);
        memset(deep + d, ']', d);
        expect_as_jansson(deep, 2 * d, &checked);
        for (n = 0; n < d; n++)
            memcpy(deep + 5 * n, "{\"a\":", 5);
        deep[5 * d] = '1';
        memset(deep + 5 * d + 1, '}', d);
        expect_as_jansson(deep, 6 * d + 1, &checked);
    }
    free(deep);
    BUILD(buf, flow_177, NULL, NULL);
    expect_mutations_as_jansson(buf, &checked);
    BUILD(buf, bmp_update, NULL, NULL);
    expect_mutations_as_jansson(buf, &checked);
    if ((capture = capture_line("401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources/output-flow-00.json", "{"))) {
        capture[strcspn(capture, "\n")] = '\0';
        expect_mutations_as_jansson(capture, &checked);
        free(capture);
    }
    assert_true(checked > 20000);
    /* and the one difference */
    assert_int_equal(jansson_reason("{\"a\": 1\0}", 9), SDD_SKIP_NONE);
    expect_len(K_FLOW, nul_after_number, sizeof(nul_after_number) - 1, SDD_SKIP_JSON, &r);
}

/* ---- the fast path against the walk ------------------------------------ */

typedef struct taken {
    long fast, walked;
} taken;

static void expect_same_tree(const char *line, size_t len, void *ctx)
{
    taken *t = ctx;
    char what[256];
    int r = input_same(line, len, what, sizeof(what));

    if (r < 0)
        fail_msg("%.*s: %s", (int)(len < 300 ? len : 300), line, what);
    if (r > 0)
        t->fast++;
    else
        t->walked++;
}

/* Every line of the file at path, and with `mutated` its mutations. */
static void expect_file_same_tree(const char *path, int mutated, taken *t)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    FILE *f = fopen(path, "r");

    assert_non_null(f);
    while ((n = getline(&line, &cap, f)) > 0) {
        if (mutated)
            each_mutation(line, strcspn(line, "\n"), expect_same_tree, t);
        else
            expect_same_tree(line, strcspn(line, "\n"), t);
    }
    free(line);
    fclose(f);
}

/* Each file of dir (under the source tree) whose name starts with prefix. */
static void expect_dir_same_tree(const char *src, const char *dir, const char *prefix, taken *t)
{
    char path[2048];
    struct dirent *de;
    DIR *d;

    snprintf(path, sizeof(path), "%s/%s", src, dir);
    d = opendir(path);
    assert_non_null(d);
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(path, sizeof(path), "%s/%s/%s", src, dir, de->d_name);
            expect_file_same_tree(path, 1, t);
        }
    closedir(d);
}

/* simdjson's path gives the tree the jsmn walk gives, or leaves the line
 * to the walk: over the parse fuzz corpus, tests/data and the corners
 * above, each line also mutated byte by byte, and a capture's lines when
 * the captures are beside the checkout. */
static void test_fast_same_as_walk(void **state)
{
    const char *src = getenv("SDD_SRCDIR");
    char dir[1024], path[2048];
    taken t = {0, 0};
    size_t i;

    (void)state;
    assert_non_null(src);
    for (i = 0; i < sizeof(corners) / sizeof(corners[0]); i++)
        expect_same_tree(corners[i], strlen(corners[i]), &t);
    expect_dir_same_tree(src, "tests/fuzz/corpus/parse", "", &t);
    expect_dir_same_tree(src, "tests/data", "flows.jsonl", &t);
    expect_dir_same_tree(src, "tests/data", "bmp.jsonl", &t);
    if (captures_dir(dir, sizeof(dir)) == 0) {
        snprintf(path, sizeof(path), "%s/" C401 "output-flow-00.json", dir);
        expect_file_same_tree(path, 0, &t);
    }
    print_message("fast path %ld lines, walk %ld\n", t.fast, t.walked);
    assert_true(t.fast > 10000);
    assert_true(t.walked > 10000);
}

/* ---- the API itself ---------------------------------------------------- */

static void test_skip_names(void **state)
{
    int i, j;

    (void)state;
    assert_string_equal(sdd__skip_name(SDD_SKIP_NONE), "none");
    assert_string_equal(sdd__skip_name(SDD_SKIP_IGNORED), "ignored");
    assert_string_equal(sdd__skip_name(SDD_SKIP_JSON), "json");
    assert_string_equal(sdd__skip_name(SDD_SKIP_NOT_OBJECT), "not_object");
    assert_string_equal(sdd__skip_name(SDD_SKIP_MISSING), "missing");
    assert_string_equal(sdd__skip_name(SDD_SKIP_TYPE), "type");
    assert_string_equal(sdd__skip_name(SDD_SKIP_VALUE), "value");
    assert_string_equal(sdd__skip_name(SDD_SKIP_COUNT), "unknown");
    assert_string_equal(sdd__skip_name((sdd_skip)-1), "unknown");
    for (i = 0; i < SDD_SKIP_COUNT; i++)
        for (j = i + 1; j < SDD_SKIP_COUNT; j++)
            assert_string_not_equal(sdd__skip_name((sdd_skip)i), sdd__skip_name((sdd_skip)j));
}

/* detail may be NULL or tiny; it is cleared when a line parses. */
static void test_detail_buffer(void **state)
{
    char buf[LINE_MAX_Q], detail[4];
    record r;

    (void)state;
    BUILD(buf, flow_177, "bytes", "true");
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &r.flow, NULL, 0), SDD_SKIP_TYPE);
    memset(detail, 'x', sizeof(detail));
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &r.flow, detail, 1), SDD_SKIP_TYPE);
    assert_int_equal(detail[0], '\0');
    assert_int_equal(detail[1], 'x');
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &r.flow, detail, sizeof(detail)), SDD_SKIP_TYPE);
    assert_int_equal(strlen(detail), sizeof(detail) - 1);
    BUILD(buf, flow_177, NULL, NULL);
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &r.flow, detail, sizeof(detail)), SDD_SKIP_NONE);
    assert_string_equal(detail, "");
}

/* Same line, same bytes: the engine's output must not depend on leftovers. */
static void test_deterministic_records(void **state)
{
    char buf[LINE_MAX_Q];
    record a, b;

    (void)state;
    BUILD(buf, bmp_update, NULL, NULL);
    memset(&a, 0x55, sizeof(a));
    memset(&b, 0xaa, sizeof(b));
    assert_int_equal(sdd__parse_bmp(buf, strlen(buf), &a.bmp, NULL, 0), SDD_SKIP_NONE);
    assert_int_equal(sdd__parse_bmp(buf, strlen(buf), &b.bmp, NULL, 0), SDD_SKIP_NONE);
    assert_memory_equal(&a.bmp, &b.bmp, sizeof(a.bmp));
    BUILD(buf, flow_177, NULL, NULL);
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &a.flow, NULL, 0), SDD_SKIP_NONE);
    assert_int_equal(sdd__parse_flow(buf, strlen(buf), &b.flow, NULL, 0), SDD_SKIP_NONE);
    assert_memory_equal(&a.flow, &b.flow, sizeof(a.flow));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captures_all_lines),
        cmocka_unit_test(test_capture_401_first_flow),
        cmocka_unit_test(test_capture_110_vrfid_rd),
        cmocka_unit_test(test_capture_100_udp_unknown_status),
        cmocka_unit_test(test_capture_201_update_route_targets),
        cmocka_unit_test(test_capture_201_peer_up_rd_instance),
        cmocka_unit_test(test_capture_401_vpn_route),
        cmocka_unit_test(test_capture_ignored_kinds),
        cmocka_unit_test(test_flow_177),
        cmocka_unit_test(test_flow_current_plain),
        cmocka_unit_test(test_flow_fwd_status_forms),
        cmocka_unit_test(test_flow_tcp_flags_and_proto),
        cmocka_unit_test(test_flow_time_precedence),
        cmocka_unit_test(test_flow_event_types),
        cmocka_unit_test(test_flow_missing),
        cmocka_unit_test(test_flow_wrong_types),
        cmocka_unit_test(test_flow_huge_and_negative),
        cmocka_unit_test(test_flow_unknown_fields),
        cmocka_unit_test(test_time_text),
        cmocka_unit_test(test_bmp_177_peer_down),
        cmocka_unit_test(test_bmp_current_peer_down_pd),
        cmocka_unit_test(test_bmp_withdraw),
        cmocka_unit_test(test_bmp_update_fields),
        cmocka_unit_test(test_bmp_required),
        cmocka_unit_test(test_bmp_ignored),
        cmocka_unit_test(test_iface_177_openconfig),
        cmocka_unit_test(test_iface_current_ietf),
        cmocka_unit_test(test_iface_payload_forms),
        cmocka_unit_test(test_iface_skips),
        cmocka_unit_test(test_broken_syntax),
        cmocka_unit_test(test_broken_truncated),
        cmocka_unit_test(test_broken_bytes),
        cmocka_unit_test(test_broken_deep),
        cmocka_unit_test(test_broken_megabyte),
        cmocka_unit_test(test_same_as_jansson),
        cmocka_unit_test(test_fast_same_as_walk),
        cmocka_unit_test(test_skip_names),
        cmocka_unit_test(test_detail_buffer),
        cmocka_unit_test(test_deterministic_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
