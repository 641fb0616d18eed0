/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl_send.c: `sddctl send`, the scenario generator's flows on the wire.
 * It reads the flow aggregates `sddctl gen` writes (pmacct JSON lines, one
 * minute after the other) and sends them as IPFIX (src/lab/ipfix.h) to a
 * collector over UDP, each from its router's own address (peer_ip_src), so
 * that nfacctd sees the routers a live network has. Each minute goes out
 * when it ends on the wall clock, as a router's 60 s active timeout exports
 * it; --fast sends everything at once. --drop-rd makes one site's traffic
 * dropped by its router from a time on: the same records, with the
 * forwarding status of a drop (IE 89). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab/ipfix.h"
#include "parse/input.h"
#include "sddctl.h"

#define MTU 1400
#define MAX_EXPORTERS 64
#define MAX_VRFS 20             /* of one router, told in one message */
#define FWD_UNROUTABLE 131      /* dropped, reason "no route" (RFC 7270) */

typedef struct send_opts {
    const char *flows;
    struct sockaddr_in to;
    int64_t from, until, drop_from;
    sdd_rd drop_rd;
    uint8_t drop_status;
    int fast;
} send_opts;

/* One router: its socket, bound to its address, and its message sequence. */
typedef struct exporter {
    sdd_addr addr;
    int fd;
    uint32_t sequence;
} exporter;

typedef struct sender {
    const send_opts *o;
    exporter ex[MAX_EXPORTERS];
    size_t n_ex;
    sdd_flow *batch;            /* the records of one minute */
    size_t n_batch, cap_batch;
    uint64_t records, messages;
} sender;

static int usage(void)
{
    fprintf(stderr,
            "usage: sddctl send --flows FILE --to IPV4:PORT [--from EPOCH] [--until EPOCH] [--fast]\n"
            "                   [--drop-rd RD --drop-from EPOCH [--drop-status N]]\n"
            "  sends the flow aggregates of `sddctl gen` as IPFIX, each minute when it ends on\n"
            "  the wall clock (--fast: at once), from the routers' own addresses (they must be\n"
            "  local); --from/--until: only the minutes in [from, until); --drop-rd: from\n"
            "  --drop-from on, the records of that RD say dropped (IE 89, default 131: no route)\n");
    return 2;
}

static int parse_to(const char *text, struct sockaddr_in *to)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    long port;

    if (!colon || (size_t)(colon - text) >= sizeof(host))
        return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    port = strtol(colon + 1, NULL, 10);
    memset(to, 0, sizeof(*to));
    to->sin_family = AF_INET;
    to->sin_port = htons((uint16_t)port);
    return port > 0 && port < 65536 && inet_pton(AF_INET, host, &to->sin_addr) == 1 ? 0 : -1;
}

static int parse_time(const char *text, int64_t *out)
{
    char *end;

    *out = strtoll(text, &end, 10);
    return *text && !*end ? 0 : -1;
}

static int parse_args(int argc, char **argv, send_opts *o)
{
    static const struct option longopts[] = {
        {"flows", required_argument, NULL, 'f'},     {"to", required_argument, NULL, 't'},
        {"from", required_argument, NULL, 'a'},      {"until", required_argument, NULL, 'u'},
        {"fast", no_argument, NULL, 'F'},            {"drop-rd", required_argument, NULL, 'r'},
        {"drop-from", required_argument, NULL, 'd'}, {"drop-status", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    int c, have_to = 0, rc = 0;

    memset(o, 0, sizeof(*o));
    o->until = INT64_MAX;
    o->drop_from = INT64_MAX;
    o->drop_status = FWD_UNROUTABLE;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': o->flows = optarg; break;
        case 't': rc = parse_to(optarg, &o->to); have_to = 1; break;
        case 'a': rc = parse_time(optarg, &o->from); break;
        case 'u': rc = parse_time(optarg, &o->until); break;
        case 'F': o->fast = 1; break;
        case 'r': rc = sdd_rd_parse(optarg, &o->drop_rd); break;
        case 'd': rc = parse_time(optarg, &o->drop_from); break;
        case 's': o->drop_status = (uint8_t)atoi(optarg); break;
        default: return -1;
        }
    }
    return rc == 0 && optind == argc && o->flows && have_to ? 0 : -1;
}

/* The socket of the router at addr, opened and bound at its first record. */
static exporter *exporter_of(sender *s, const sdd_addr *addr)
{
    struct sockaddr_in src = {.sin_family = AF_INET};
    char text[64];
    exporter *e;

    for (size_t i = 0; i < s->n_ex; i++)
        if (!memcmp(&s->ex[i].addr, addr, sizeof(*addr)))
            return &s->ex[i];
    sdd_addr_format(addr, text, sizeof(text));
    if (s->n_ex == MAX_EXPORTERS || inet_pton(AF_INET, text, &src.sin_addr) != 1) {
        fprintf(stderr, "sddctl send: router %s: not an IPv4 address, or more than %d routers\n", text,
                MAX_EXPORTERS);
        return NULL;
    }
    e = &s->ex[s->n_ex];
    e->addr = *addr;
    e->sequence = 0;
    e->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (e->fd < 0 || bind(e->fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
        fprintf(stderr, "sddctl send: cannot send from %s: %s (is it a local address?)\n", text, strerror(errno));
        if (e->fd >= 0)
            close(e->fd);
        return NULL;
    }
    s->n_ex++;
    return e;
}

/* A host of the site behind the record's VRF interface, and one across the
 * VPN: addresses as a router's record has them, stable for a site. */
static sdd_ipfix_flow wire_record(const sdd_flow *f)
{
    uint32_t site = (uint32_t)(f->rd & 0xffff) << 8;

    return (sdd_ipfix_flow){f, 0x0a000001u | site, 0x0a800001u | site | (f->iface_in & 0xff) << 16,
                            f->time * 1000, f->time * 1000 + 59000};
}

static int send_message(sender *s, exporter *e, const uint8_t *buf, size_t len, size_t records)
{
    if (sendto(e->fd, buf, len, 0, (const struct sockaddr *)&s->o->to, sizeof(s->o->to)) < 0) {
        fprintf(stderr, "sddctl send: sendto: %s\n", strerror(errno));
        return -1;
    }
    e->sequence += (uint32_t)records;
    s->messages++;
    return 0;
}

static sdd_ipfix_header header_of(const exporter *e)
{
    return (sdd_ipfix_header){(uint32_t)time(NULL), e->sequence, 0};
}

/* Tells the VRFs of the router's records in the batch (id, RD, name), as
 * IOS XR's options data does. */
static int send_vrfs(sender *s, exporter *e)
{
    sdd_ipfix_vrf vrfs[MAX_VRFS];
    sdd_ipfix_header h;
    uint8_t buf[MTU];
    size_t n = 0, k, len;

    for (size_t i = 0; i < s->n_batch && n < MAX_VRFS; i++) {
        const sdd_flow *f = &s->batch[i];
        if (memcmp(&f->router, &e->addr, sizeof(e->addr)) || !f->vrf_id_ingress || !f->rd)
            continue;
        for (k = 0; k < n && vrfs[k].id != f->vrf_id_ingress; k++)
            ;
        if (k == n)
            vrfs[n++] = (sdd_ipfix_vrf){f->vrf_id_ingress, f->rd, f->vrf_name};
    }
    if (!n)
        return 0;
    h = header_of(e);
    len = sdd_ipfix_encode_vrfs(buf, sizeof(buf), &h, vrfs, n);
    return send_message(s, e, buf, len, n);
}

/* Sends the batch's records of one router after its VRFs, the template in
 * the first message (a collector that started late learns it each minute). */
static int send_router(sender *s, exporter *e)
{
    sdd_ipfix_flow recs[MTU / SDD_IPFIX_RECORD_LEN];
    sdd_ipfix_header h;
    uint8_t buf[MTU];
    size_t i = 0, n = 0, len;
    int first = 1;

    if (send_vrfs(s, e) < 0)
        return -1;
    while (i < s->n_batch) {
        size_t fit = sdd_ipfix_records_per_message(MTU, first);
        for (n = 0; i < s->n_batch && n < fit; i++)
            if (!memcmp(&s->batch[i].router, &e->addr, sizeof(e->addr)))
                recs[n++] = wire_record(&s->batch[i]);
        if (!n && !first)
            break;
        h = header_of(e);
        len = sdd_ipfix_encode(buf, sizeof(buf), &h, first, recs, n);
        if (send_message(s, e, buf, len, n) < 0)
            return -1;
        s->records += n;
        first = 0;
    }
    return 0;
}

static void wait_until(int64_t when)
{
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    while (now.tv_sec < when) {
        sleep((unsigned)(when - now.tv_sec));
        clock_gettime(CLOCK_REALTIME, &now);
    }
}

/* Sends the minute in the batch when it ends, router by router. */
static int flush_minute(sender *s)
{
    int64_t minute;
    size_t before = s->records;

    if (!s->n_batch)
        return 0;
    minute = s->batch[0].time;
    if (!s->o->fast)
        wait_until(minute + 60);
    for (size_t i = 0; i < s->n_batch; i++)
        if (!exporter_of(s, &s->batch[i].router))
            return -1;
    for (size_t i = 0; i < s->n_ex; i++)
        if (send_router(s, &s->ex[i]) < 0)
            return -1;
    if (!s->o->fast)
        fprintf(stderr, "sddctl send: minute %" PRId64 ": %zu records\n", minute, (size_t)(s->records - before));
    s->n_batch = 0;
    return 0;
}

static int add_record(sender *s, sdd_flow *f)
{
    if (s->n_batch && f->time != s->batch[0].time && flush_minute(s) < 0)
        return -1;
    if (f->rd == s->o->drop_rd && f->time >= s->o->drop_from)
        f->fwd_status = s->o->drop_status;
    if (s->n_batch == s->cap_batch) {
        size_t cap = s->cap_batch ? 2 * s->cap_batch : 1024;
        sdd_flow *b = realloc(s->batch, cap * sizeof(*b));
        if (!b)
            return -1;
        s->batch = b;
        s->cap_batch = cap;
    }
    s->batch[s->n_batch++] = *f;
    return 0;
}

static int send_file(sender *s, FILE *in)
{
    char *line = NULL, detail[128];
    size_t cap = 0;
    ssize_t len;
    sdd_flow f;
    int rc = 0;

    while (rc == 0 && (len = getline(&line, &cap, in)) > 0) {
        if (sdd__parse_flow(line, (size_t)len, &f, detail, sizeof(detail)) != SDD_SKIP_NONE) {
            fprintf(stderr, "sddctl send: skipped a line: %s\n", detail);
            continue;
        }
        f.time -= f.time % 60;
        if (f.time >= s->o->until)
            break;
        if (f.time >= s->o->from)
            rc = add_record(s, &f);
    }
    free(line);
    return rc == 0 ? flush_minute(s) : rc;
}

int sddctl_send(int argc, char **argv)
{
    send_opts o;
    sender s = {.o = &o};
    FILE *in;
    int rc;

    if (parse_args(argc, argv, &o) < 0)
        return usage();
    in = fopen(o.flows, "r");
    if (!in) {
        fprintf(stderr, "sddctl send: %s: %s\n", o.flows, strerror(errno));
        return 1;
    }
    rc = send_file(&s, in);
    fclose(in);
    for (size_t i = 0; i < s.n_ex; i++)
        close(s.ex[i].fd);
    free(s.batch);
    fprintf(stderr, "sddctl send: %" PRIu64 " records in %" PRIu64 " messages from %zu routers\n", s.records,
            s.messages, s.n_ex);
    return rc == 0 ? 0 : 1;
}
