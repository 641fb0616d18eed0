/* SPDX-License-Identifier: GPL-2.0-or-later */
/* scenario.c: the labelled scenario generator (`sddctl gen`).
 *
 * It invents an L3VPN network (PEs, services with one to three terminations
 * each, CE peers, prefixes, interface capacities), plans disruptions on it,
 * writes the inventory and the truth, and then walks time minute by minute
 * writing what pmacct would publish: flow aggregates per (termination,
 * minute, class), the BMP msglog and YANG-push interface state. Besides the
 * plan, only one minute of traffic and the pending BMP/telemetry messages
 * are in memory, so a week of a thousand services streams through.
 *
 * Every random draw comes from seeded streams (prng.h): the plan (network
 * and events) from one stream, each service's background from its own, each
 * event's message timings from its own. Same arguments, same bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "lab/prng.h"
#include "util/error.h"
#include "lab/scenario.h"

#define US 1000000LL
#define MINUTE_US (60 * US)
#define DAY_S 86400LL
#define MINUTES_PER_DAY 1440
#define MAX_TERMS 3
#define MAX_PREFIXES 6
#define MAX_FLAPS 6
#define OUT_BUF (1u << 20)
#define LINE_ROOM 1024           /* no line we write is longer */
#define GZ_MODE "wb1"            /* fastest level: the files are big, the gain of -6 small */

/* Numbers of the random streams of a run (prng_derive). */
#define STREAM_PLAN 0
#define STREAM_INITIAL 1
#define STREAM_SERVICE (1ULL << 32)     /* + service index */

/* An hour of quiet between two events of one service: an alarm then belongs
 * to one event, with room for the scorer's grace window. */
#define EVENT_GAP_US (3600 * US)

/* ---- what the kinds and profiles are -------------------------------- */

typedef struct kind_info {
    const char *name;
    int alarm;                  /* does an operator want an alarm for it? */
    const char *expected;       /* annotators that should see it (the engine's names), JSON array */
} kind_info;

/* A site lost: its session, its traffic, the reconnection surge after. */
#define LINK_DOWN_EXPECTED "\"bmp_peer_down\",\"udp_sum\",\"tcp_sum\",\"flow_count_spike\""

static const kind_info kind_table[SDD_GEN_KIND_COUNT] = {
    [SDD_GEN_PE_CE_LINK_DOWN] = {"pe_ce_link_down", 1, "[" LINK_DOWN_EXPECTED "]"},
    [SDD_GEN_WITHDRAW_STORM] = {"withdraw_storm", 1,
                                "[\"bmp_withdraw\",\"bmp_update\",\"udp_sum\",\"tcp_sum\"]"},
    [SDD_GEN_FWD_DROPS] = {"fwd_drops", 1, "[\"flow_fwd\"]"},
    [SDD_GEN_INTERFACE_FLAP] = {"interface_flap", 1, "[\"oc_interface_state\"]"},
    [SDD_GEN_CORE_FAILURE] = {"core_failure", 0, "[]"},
    [SDD_GEN_MAINTENANCE] = {"maintenance", 0, "[]"},
    [SDD_GEN_TRAFFIC_SHIFT] = {"traffic_shift", 0, "[]"},
    [SDD_GEN_LINK_SATURATION] = {"link_saturation", 1, "[\"link_saturation\"]"},
    [SDD_GEN_SITE_BLACKHOLE] = {"site_blackhole", 1, "[\"udp_sum\",\"tcp_sum\"]"},
    [SDD_GEN_PARTIAL_DROPS] = {"partial_drops", 1, "[\"flow_fwd\"]"},
    [SDD_GEN_RR_PEER_DOWN] = {"rr_peer_down", 1,
                              "[\"bmp_peer_down\",\"bmp_withdraw\",\"udp_sum\",\"tcp_sum\"]"},
    [SDD_GEN_MAX_PREFIX] = {"max_prefix", 1, "[" LINK_DOWN_EXPECTED "]"},
    [SDD_GEN_EXPORTER_SILENT] = {"exporter_silent", 0, "[]"},
    [SDD_GEN_LATE_DATA] = {"late_data", 0, "[]"},
    [SDD_GEN_ZERO_BMP_TIMESTAMPS] = {"zero_bmp_timestamps", 0, "[]"},
    [SDD_GEN_INITIAL_RIB_DUMP] = {"initial_rib_dump", 0, "[]"},
    [SDD_GEN_PAST_HOLIDAY] = {"past_holiday", 0, "[]"},
};

/* How much a service's traffic and routes move on their own. */
typedef struct profile_info {
    const char *name;
    double share;               /* of the services */
    double slow, fast;          /* sigma of the log noise: correlated part, per-minute part */
    double day_sigma;           /* day-to-day level change */
    double churn_per_hour;      /* background route updates/withdraws */
    double bursts_per_hour;     /* upward traffic bursts */
    double bg_drop;             /* chance per termination-minute of a few ACL drops */
} profile_info;

enum { PROFILE_STABLE, PROFILE_UNSTABLE_1, PROFILE_UNSTABLE_2, PROFILE_BURSTY, PROFILE_COUNT };

static const profile_info profile_table[PROFILE_COUNT] = {
    {"stable", 0.50, 0.04, 0.03, 0.03, 0.5, 0.0, 0.001},
    {"unstable_1", 0.25, 0.08, 0.06, 0.05, 2.0, 0.0, 0.003},
    {"unstable_2", 0.15, 0.14, 0.10, 0.08, 6.0, 0.0, 0.006},
    {"bursty", 0.10, 0.18, 0.15, 0.12, 3.0, 0.3, 0.010},
};

/* Forwarding status (IPFIX IE 89, RFC 7270) of the fwd_drops events. */
typedef struct drop_reason {
    uint8_t code;
    const char *name;
} drop_reason;

static const drop_reason drop_reasons[] = {
    {131, "unroutable"}, {129, "acl_deny"}, {134, "bad_header_checksum"},
};
#define N_DROP_REASONS ((int64_t)(sizeof(drop_reasons) / sizeof(*drop_reasons)))

#define FWD_FORWARDED 64
#define FWD_ACL_DENY 129
#define FWD_ACL_DROP 130
#define PEER_DOWN_ADMIN 2       /* the reason code a planned shutdown gives */
/* BMP reason 1, the PE closed the session with a NOTIFICATION: for a
 * maximum-prefix teardown it is a Cease, subcode 1, which pmacct does not
 * decode: its msglog carries reason_type 1 and its text, nothing more. */
#define PEER_DOWN_LOCAL_NOTIFY 1

/* RFC 7854 4.9 reasons as pmacct's msglog spells them (reason_str). */
static const char *const peer_down_text[] = {
    "Reserved",
    "The local system closed the session",
    "The local system closed the session without a notification message",
    "The remote system closed the session",
    "The remote system closed the session without a notification message",
    "Info for this peer will no longer be sent for configuration reasons",
};

/* The route reflector every PE peers with in the global instance. */
#define RR_ADDRESS "192.0.2.254"

/* ---- the network ----------------------------------------------------- */

/* [from, to) in microseconds; empty when to <= from. */
typedef struct span {
    int64_t from, to;
} span;

static int in_span(const span *p, int64_t us)
{
    return us >= p->from && us < p->to;
}

typedef struct gen_pe {
    char ip[16];
    char host[16];
    uint16_t bmp_port;
    /* collection troubles of the router, one of each at most */
    span silent;                /* no flow export at all */
    span late;                  /* flow records of these minutes written late_by_us late */
    int64_t late_by_us;
    span zero_time;             /* BMP per-peer timestamps written as 0 */
    uint16_t n_ifaces;          /* termination interfaces given out so far */
    uint32_t *terms;            /* its terminations (global indexes) */
    uint32_t n_terms, cap_terms;
} gen_pe;

typedef struct gen_term {
    uint32_t service;
    uint16_t pe;
    uint8_t index;              /* in its service */
    uint8_t n_prefix;
    uint32_t ifindex;
    uint32_t ce;                /* CE address, host order; the PE side is ce ^ 1 */
    double capacity_bps;
    double peak_bps;            /* weekday business-hours rate */
    double tcp_share, syn_ratio;
    double noise;               /* state of the correlated noise */
    char rd[24];
    char ifname[40];
    char ce_text[16], local_text[16];
    char flow_head[168];        /* flow line up to the ip_proto value */
    char flow_mid[152];         /* from custom_primitives up to the fwd_status value */
    uint8_t head_len, mid_len;
} gen_term;

typedef struct gen_service {
    uint32_t num;               /* assigned number of its RT: 64497:num */
    uint32_t asn;               /* of its CEs */
    uint32_t first_term;
    uint8_t n_term, profile;
    int16_t offset_min;         /* shift of its daily curve */
    double night;               /* floor of the daily curve */
    double weekend;             /* business-hours level on weekends and holidays */
    double day_level, burst;
    span dip;                   /* a past holiday of the service: traffic at dip_level */
    double dip_level;
    int64_t burst_end_us, next_burst_us, next_churn_us;
    uint32_t ev_first, ev_count, ev_cursor;
    prng rng;                   /* its background: noise, churn, bursts */
} gen_service;

/* ---- events ---------------------------------------------------------- */

typedef struct gen_event {
    int64_t start_us, end_us;   /* what truth.json reports */
    int64_t down_us, up_us;     /* outage of the termination (link down, maintenance) */
    int64_t effect_end_us;      /* traffic affected until (reconnection spike) */
    int64_t flap[MAX_FLAPS][2]; /* interface_flap: down and up times */
    double level;               /* per kind: spike factor, reduction, share, fraction, load */
    uint64_t seed;              /* its message timings */
    uint32_t service;
    uint32_t change;            /* maintenance: number of its change window */
    int32_t plan_prev;          /* while planning: previous event of the service */
    uint8_t kind, term, term2;
    uint8_t code;               /* peer_down reason, or forwarding status */
    uint8_t link_loss;          /* the interface went down too */
    uint8_t n_flap, spike_min, pushed;
} gen_event;

/* ---- BMP and telemetry messages waiting for their minute -------------- */

enum {
    MSG_PEER_UP, MSG_PEER_DOWN, MSG_UPDATE, MSG_WITHDRAW, MSG_IF_UP, MSG_IF_DOWN,
    MSG_RR_UP, MSG_RR_DOWN, MSG_RR_UPDATE,      /* the service's route reflector */
};

typedef struct gen_msg {
    int64_t us;                 /* when the collector got it */
    uint64_t order;             /* ties keep the order of creation */
    uint32_t term;              /* whose session or route */
    uint32_t age_s;             /* a table dump's route: the router got it this long before */
    uint16_t pe;                /* the router that reports it */
    uint8_t type, prefix, arg;  /* arg: peer_down reason */
    uint16_t med;
} gen_msg;

typedef struct gen_heap {
    gen_msg *m;
    size_t n, cap;
    uint64_t next_order;
} gen_heap;

typedef struct gen_out {
    FILE *f;
    gzFile gz;
    char *buf;
    size_t len;
    int failed;
} gen_out;

typedef struct gen {
    const sdd_gen_config *cfg;
    sdd_gen_stats *stats;
    sdd_error *err;
    int failed;
    int64_t start_us, end_us;
    int64_t window_start_us, window_end_us;     /* where events go */
    int64_t holiday_day;        /* days since the epoch; -1 for none */
    uint32_t n_pe, n_svc, n_term;
    gen_pe *pe;
    gen_service *svc;
    gen_term *term;
    gen_event *ev;
    size_t n_ev, cap_ev;
    uint32_t *truth_order;      /* event indexes by start time */
    int32_t *plan_last;         /* while planning: last event of each service */
    gen_heap heap;
    gen_out flows, bmp, tele;
    uint64_t bmp_seq, tele_seq;
    char *held;                 /* flow lines written late: (release time, length, text)... */
    size_t held_len, held_cap;
    int64_t hold_until_us;      /* while set, flow lines go to held, due then */
    int64_t text_minute;
    char minute_text[24];       /* "2026-01-05 10:01:" of text_minute */
    double curve[MINUTES_PER_DAY];      /* business share of traffic by minute of day */
    prng plan;
} gen;

static void fail(gen *g, const char *what, const char *detail)
{
    if (!g->failed)
        sdd__fail(g->err, SDD_E_IO, "%.400s%s%.100s", what, detail ? ": " : "", detail ? detail : "");
    g->failed = 1;
}

static void *grow(gen *g, void *p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 16;
    void *q;

    if (need <= *cap)
        return p;
    while (n < need)
        n *= 2;
    q = realloc(p, n * size);
    if (!q) {
        fail(g, "out of memory", NULL);
        return NULL;
    }
    *cap = n;
    return q;
}

/* ---- kinds ----------------------------------------------------------- */

const char *sdd_gen_kind_name(int kind)
{
    return kind >= 0 && kind < SDD_GEN_KIND_COUNT ? kind_table[kind].name : NULL;
}

int sdd_gen_kind_parse(const char *name)
{
    for (int k = 0; k < SDD_GEN_KIND_COUNT; k++)
        if (strcmp(name, kind_table[k].name) == 0)
            return k;
    return -1;
}

/* ---- output ---------------------------------------------------------- */

static int out_open(gen *g, gen_out *o, const char *name)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s%s", g->cfg->out_dir, name, g->cfg->gzip ? ".gz" : "");
    o->buf = malloc(OUT_BUF);
    if (g->cfg->gzip) {
        o->gz = gzopen(path, GZ_MODE);
        if (o->gz)
            gzbuffer(o->gz, 256 * 1024);
    } else {
        o->f = fopen(path, "w");
    }
    if (!o->buf || (!o->gz && !o->f)) {
        fail(g, path, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    return 0;
}

static void out_flush(gen_out *o)
{
    if (o->len == 0 || o->failed)
        return;
    if (o->gz)
        o->failed = gzwrite(o->gz, o->buf, (unsigned)o->len) != (int)o->len;
    else
        o->failed = fwrite(o->buf, 1, o->len, o->f) != o->len;
    o->len = 0;
}

/* Makes room for one more line; the put_* below then append unchecked. */
static void out_line(gen_out *o)
{
    if (o->len + LINE_ROOM > OUT_BUF)
        out_flush(o);
}

static int out_close(gen_out *o)
{
    int bad;

    out_flush(o);
    bad = o->failed;
    if (o->gz)
        bad |= gzclose(o->gz) != Z_OK;
    if (o->f)
        bad |= fclose(o->f) != 0;
    free(o->buf);
    memset(o, 0, sizeof(*o));
    return bad ? -1 : 0;
}

static void put_mem(gen_out *o, const char *s, size_t n)
{
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_str(gen_out *o, const char *s)
{
    put_mem(o, s, strlen(s));
}

static void put_u64(gen_out *o, uint64_t v)
{
    char tmp[20];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        o->buf[o->len++] = tmp[--n];
}

/* Zero-padded, for the parts of a timestamp. */
static void put_digits(gen_out *o, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        o->buf[o->len + (size_t)i] = (char)('0' + v % 10);
        v /= 10;
    }
    o->len += (size_t)width;
}

/* ---- time ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* pmacct's text time (UTC), "2026-01-05 10:01:", cached per minute since
 * every line of a minute shares it. */
static const char *minute_text(gen *g, int64_t us)
{
    int64_t minute = floor_div(us, MINUTE_US);
    time_t t = (time_t)(minute * 60);
    struct tm tm;

    if (minute != g->text_minute) {
        gmtime_r(&t, &tm);
        strftime(g->minute_text, sizeof(g->minute_text), "%Y-%m-%d %H:%M:", &tm);
        g->text_minute = minute;
    }
    return g->minute_text;
}

/* "2026-01-05 10:01:07.123456" */
static void put_timestamp(gen *g, gen_out *o, int64_t us)
{
    int64_t in_minute = us - floor_div(us, MINUTE_US) * MINUTE_US;

    put_str(o, minute_text(g, us));
    put_digits(o, (uint64_t)(in_minute / US), 2);
    o->buf[o->len++] = '.';
    put_digits(o, (uint64_t)(in_minute % US), 6);
}

static int64_t day_of(int64_t us)
{
    return floor_div(us, DAY_S * US);
}

/* Saturday and Sunday; 1970-01-01 was a Thursday. */
static int is_weekend(int64_t day)
{
    int64_t dow = ((day + 4) % 7 + 7) % 7;    /* 0 Sunday */

    return dow == 0 || dow == 6;
}

static void format_day(int64_t day, char *buf, size_t len)
{
    time_t t = (time_t)(day * DAY_S);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

/* One holiday, so the engine meets a weekday with weekend traffic: the
 * first weekday after the first day of the run. */
static int64_t pick_holiday(const gen *g)
{
    int64_t first = day_of(g->start_us), last = day_of(g->end_us - 1);

    for (int64_t d = first + 1; d <= last; d++)
        if (!is_weekend(d))
            return d;
    return -1;
}

/* Share of a day's business traffic by minute of day: rises around 07:45,
 * falls around 18:15, with a lunch dip. Times are UTC read as local time. */
static void build_curve(gen *g)
{
    for (int m = 0; m < MINUTES_PER_DAY; m++) {
        double h = m / 60.0;
        double up = 1.0 / (1.0 + exp(-(h - 7.75) * 1.6));
        double down = 1.0 / (1.0 + exp((h - 18.25) * 1.1));
        double lunch = 0.08 * exp(-((h - 12.5) / 0.6) * ((h - 12.5) / 0.6));

        g->curve[m] = up * down - lunch;
    }
}

/* ---- planning the network ---------------------------------------------- */

static void format_ipv4(uint32_t a, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void plan_pe(gen *g, uint32_t k)
{
    gen_pe *pe = &g->pe[k];

    /* 192.0.2.11 and up while they last, then 198.18.0.0/15 */
    if (k < 200)
        format_ipv4(0xc0000200u + 11 + k, pe->ip, sizeof(pe->ip));
    else
        format_ipv4(0xc6120000u + (k / 250) * 256 + k % 250 + 1, pe->ip, sizeof(pe->ip));
    snprintf(pe->host, sizeof(pe->host), "pe%u", k + 11);
    pe->bmp_port = (uint16_t)prng_range(&g->plan, 16384, 60999);
}

/* CE k's address: the odd half of a /31, first in 198.51.100.0/24 as in
 * the examples, then in 100.64.0.0/10. */
static uint32_t ce_address(uint32_t k)
{
    if (k < 127)
        return 0xc6336400u + 2 * k + 1;
    return 0x64400000u + 2 * (k - 127) + 1;
}

static double pick_capacity(double peak_bps, double headroom)
{
    double cap = 1e7;

    while (cap < peak_bps * headroom)
        cap *= 10;
    return cap;
}

static int add_pe_term(gen *g, gen_pe *pe, uint32_t term)
{
    size_t cap = pe->cap_terms;
    uint32_t *p = grow(g, pe->terms, &cap, pe->n_terms + 1, sizeof(*p));

    if (!p)
        return -1;
    pe->terms = p;
    pe->cap_terms = (uint32_t)cap;
    pe->terms[pe->n_terms++] = term;
    return 0;
}

/* The fixed parts of its flow lines, written once instead of per line. */
static void build_flow_text(gen *g, gen_term *t)
{
    const gen_service *s = &g->svc[t->service];
    int n;

    n = snprintf(t->flow_head, sizeof(t->flow_head),
                 "{\"peer_ip_src\":\"%s\",\"iface_in\":%u,\"iface_out\":%u,"
                 "\"mpls_vpn_rd\":\"%s\",\"ip_proto\":\"",
                 g->pe[t->pe].ip, t->ifindex, 201 + t->ifindex % 2, t->rd);
    t->head_len = (uint8_t)n;
    n = snprintf(t->flow_mid, sizeof(t->flow_mid),
                 "\"custom_primitives\":{\"vrf_id_ingress\":\"%u\",\"vrf_id_egress\":\"0\","
                 "\"vrf_name\":\"CUST%u\",\"fwd_status\":\"",
                 0x60000001u + (t->service), s->num);
    t->mid_len = (uint8_t)n;
}

/* Access links are sized so that each can carry all of its service's
 * traffic, as sites designed to back each other up are: a traffic shift
 * between sites then fills no link. */
static void size_capacities(gen *g, const gen_service *s)
{
    double total = 0;

    for (uint8_t i = 0; i < s->n_term; i++)
        total += g->term[s->first_term + i].peak_bps;
    for (uint8_t i = 0; i < s->n_term; i++)
        g->term[s->first_term + i].capacity_bps = pick_capacity(total, s->profile == PROFILE_BURSTY ? 6.0 : 4.0);
}

static int plan_term(gen *g, uint32_t si, uint8_t index, uint16_t pe_index)
{
    gen_service *s = &g->svc[si];
    uint32_t ti = s->first_term + index;
    gen_term *t = &g->term[ti];
    gen_pe *pe = &g->pe[pe_index];
    uint16_t c = pe->n_ifaces++;

    t->service = si;
    t->index = index;
    t->pe = pe_index;
    t->ifindex = 101u + c;
    snprintf(t->ifname, sizeof(t->ifname), "GigabitEthernet0/0/%u/%u", c / 32u, c % 32u + 1);
    t->ce = ce_address(ti);
    format_ipv4(t->ce, t->ce_text, sizeof(t->ce_text));
    format_ipv4(t->ce ^ 1u, t->local_text, sizeof(t->local_text));
    snprintf(t->rd, sizeof(t->rd), "0:64497:%u", s->num + 10000000u * index);
    t->n_prefix = (uint8_t)prng_range(&g->plan, 1, MAX_PREFIXES);
    t->peak_bps = exp(prng_uniform(&g->plan, log(2e5), log(2e8)));
    t->tcp_share = prng_uniform(&g->plan, 0.55, 0.85);
    t->syn_ratio = prng_uniform(&g->plan, 0.15, 0.35);
    build_flow_text(g, t);
    return add_pe_term(g, pe, ti);
}

static int pick_profile(prng *p)
{
    double u = prng_unit(p), acc = 0;

    for (int k = 0; k < PROFILE_COUNT; k++) {
        acc += profile_table[k].share;
        if (u < acc)
            return k;
    }
    return PROFILE_STABLE;
}

static uint8_t pick_term_count(gen *g, uint32_t si)
{
    double u = prng_unit(&g->plan);
    uint32_t n = u < 0.6 ? 1 : u < 0.9 ? 2 : 3;

    /* service 0 always has two sites, so that a traffic_shift has a home */
    if (si == 0 && n < 2)
        n = 2;
    return (uint8_t)(n < g->n_pe ? n : g->n_pe);
}

static void plan_service_shape(gen *g, uint32_t si)
{
    gen_service *s = &g->svc[si];
    int always_on = prng_unit(&g->plan) < 0.2;

    s->num = 1001 + si;
    s->asn = 64512 + si % 1000;
    s->profile = (uint8_t)pick_profile(&g->plan);
    s->offset_min = (int16_t)prng_range(&g->plan, -45, 45);
    s->night = always_on ? prng_uniform(&g->plan, 0.45, 0.75) : prng_uniform(&g->plan, 0.05, 0.25);
    s->weekend = always_on ? prng_uniform(&g->plan, 0.7, 0.95) : prng_uniform(&g->plan, 0.1, 0.35);
    s->burst = 1.0;
    s->day_level = 1.0;
    prng_seed(&s->rng, prng_derive(g->cfg->seed, STREAM_SERVICE + si));
}

/* Terminations of a service on distinct PEs. */
static int plan_service(gen *g, uint32_t si)
{
    gen_service *s = &g->svc[si];
    uint16_t used[MAX_TERMS];

    plan_service_shape(g, si);
    s->n_term = pick_term_count(g, si);
    s->first_term = g->n_term;
    g->n_term += s->n_term;
    for (uint8_t i = 0; i < s->n_term; i++) {
        uint16_t pe;
        int dup;

        do {
            pe = (uint16_t)prng_range(&g->plan, 0, g->n_pe - 1);
            dup = 0;
            for (uint8_t j = 0; j < i; j++)
                dup |= used[j] == pe;
        } while (dup);
        used[i] = pe;
        if (plan_term(g, si, i, pe) < 0)
            return -1;
    }
    size_capacities(g, s);
    return 0;
}

static int plan_network(gen *g)
{
    uint32_t n = g->cfg->services;

    g->n_svc = n;
    g->n_pe = 3 + n / 100;
    if (g->n_pe > 60000)
        g->n_pe = 60000;
    g->pe = calloc(g->n_pe, sizeof(*g->pe));
    g->svc = calloc(n, sizeof(*g->svc));
    g->term = calloc((size_t)n * MAX_TERMS, sizeof(*g->term));
    if (!g->pe || !g->svc || !g->term) {
        fail(g, "out of memory", NULL);
        return -1;
    }
    for (uint32_t k = 0; k < g->n_pe; k++)
        plan_pe(g, k);
    for (uint32_t si = 0; si < n; si++)
        if (plan_service(g, si) < 0)
            return -1;
    return 0;
}

/* ---- planning the events ----------------------------------------------- */

/* Detectors compare with the same time of past weeks, so events go after
 * four weeks and 2 hours when the run leaves at least 6 hours there, else
 * after one week and 2 hours on the same condition; shorter runs get them in
 * their last day (all but the first 2 hours of a one-day run). They end an
 * hour before the run does, so that recovery and the scorer's grace window
 * are in the data. */
static void plan_window(gen *g)
{
    int64_t run = g->end_us - g->start_us;
    int64_t month = (28 * DAY_S + 7200) * US, warm = (7 * DAY_S + 7200) * US, tail = 3600 * US;

    if (run - month - tail >= 6 * 3600 * US)
        g->window_start_us = g->start_us + month;
    else if (run - warm - tail >= 6 * 3600 * US)
        g->window_start_us = g->start_us + warm;
    else if (run > DAY_S * US)
        g->window_start_us = g->end_us - DAY_S * US;
    else
        g->window_start_us = g->start_us + 7200 * US;
    g->window_end_us = g->end_us - tail;
}

static int service_free(const gen *g, uint32_t si, int64_t a, int64_t b)
{
    for (int32_t i = g->plan_last[si]; i >= 0; i = g->ev[i].plan_prev) {
        const gen_event *o = &g->ev[i];

        if (a < o->effect_end_us + EVENT_GAP_US && o->start_us < b + EVENT_GAP_US)
            return 0;
    }
    return 1;
}

static gen_event *add_event(gen *g, const gen_event *e)
{
    gen_event *ev = grow(g, g->ev, &g->cap_ev, g->n_ev + 1, sizeof(*g->ev));

    if (!ev)
        return NULL;
    g->ev = ev;
    ev = &g->ev[g->n_ev];
    *ev = *e;
    ev->plan_prev = g->plan_last[e->service];
    g->plan_last[e->service] = (int32_t)g->n_ev++;
    return ev;
}

/* A start second in the window with room for `length`. */
static int64_t pick_start(gen *g, int64_t length)
{
    int64_t last = g->window_end_us - length;

    if (last <= g->window_start_us)
        return g->window_start_us;
    return g->window_start_us + prng_range(&g->plan, 0, (last - g->window_start_us) / US) * US;
}

static int64_t seconds(gen *g, int lo, int hi)
{
    return prng_range(&g->plan, lo, hi) * US;
}

static int64_t sub_second(gen *g)
{
    return prng_range(&g->plan, 0, US - 1);
}

/* A session outage: link down or planned maintenance. */
static void draw_outage(gen *g, gen_event *e, int64_t down, int64_t length, uint8_t reason)
{
    e->down_us = down + sub_second(g);
    e->up_us = e->down_us + length;
    e->code = reason;
    e->link_loss = prng_unit(&g->plan) < 0.5;
    e->level = prng_uniform(&g->plan, 4.0, 8.0);
    e->spike_min = (uint8_t)prng_range(&g->plan, 1, 2);
    e->effect_end_us = (floor_div(e->up_us, MINUTE_US) + e->spike_min + 1) * MINUTE_US;
}

static void draw_link_down(gen *g, gen_event *e)
{
    /* one draw a statement: the order of a call's arguments is the
     * compiler's, and the files must not depend on it */
    int64_t length = seconds(g, 5 * 60, 45 * 60);
    int64_t start = pick_start(g, length);
    uint8_t reason = (uint8_t)prng_range(&g->plan, 1, 5);

    draw_outage(g, e, start, length, reason);
    e->start_us = e->down_us;
    e->end_us = e->up_us;
}

/* The change window is planned on whole minutes; the outage sits inside. */
static void draw_maintenance(gen *g, gen_event *e)
{
    int64_t window = seconds(g, 60, 120) * 60;
    int64_t start = floor_div(pick_start(g, window), MINUTE_US) * MINUTE_US;

    e->start_us = start;
    e->end_us = start + window;
    int64_t down_at = start + seconds(g, 5 * 60, 20 * 60);
    int64_t down_for = seconds(g, 5 * 60, 30 * 60);

    draw_outage(g, e, down_at, down_for, PEER_DOWN_ADMIN);
    e->effect_end_us = e->end_us;
}

static void draw_span(gen *g, gen_event *e, int lo_s, int hi_s)
{
    int64_t length = seconds(g, lo_s, hi_s);

    e->start_us = pick_start(g, length);
    e->start_us += sub_second(g);
    e->end_us = e->start_us + length;
    e->effect_end_us = e->end_us;
}

/* Down/up pairs spread over the span, one in each equal share of it, each
 * down for 5 to 40 seconds but never into the next share: the flaps do not
 * overlap. */
static void draw_flaps(gen *g, gen_event *e)
{
    int64_t share;

    draw_span(g, e, 2 * 60, 8 * 60);
    e->n_flap = (uint8_t)prng_range(&g->plan, 3, MAX_FLAPS);
    share = (e->end_us - e->start_us) / e->n_flap;
    for (uint8_t i = 0; i < e->n_flap; i++) {
        int64_t down = e->start_us + i * share + (i ? prng_range(&g->plan, 0, share / 2) : 0);
        int64_t length = seconds(g, 5, 40);

        length += sub_second(g);

        e->flap[i][0] = down;
        e->flap[i][1] = down + (length < share / 2 ? length : share / 2);
    }
    e->end_us = e->flap[e->n_flap - 1][1];
    e->effect_end_us = e->end_us;
}

/* The CE sent more routes than the PE accepts: the PE tears the session
 * down with a NOTIFICATION and keeps it down until someone clears it. The
 * event starts with those routes, a second before the teardown, so that
 * they are queued in their own minute. */
static void draw_max_prefix(gen *g, gen_event *e)
{
    draw_link_down(g, e);
    e->code = PEER_DOWN_LOCAL_NOTIFY;
    e->link_loss = 0;
    e->start_us = e->down_us - US;
}

static uint8_t other_term(gen *g, const gen_service *s, uint8_t not)
{
    uint8_t t;

    do
        t = (uint8_t)prng_range(&g->plan, 0, s->n_term - 1);
    while (t == not);
    return t;
}

/* Times and parameters of one event of `kind` on service si. */
static void draw_event(gen *g, gen_event *e, int kind, uint32_t si)
{
    const gen_service *s = &g->svc[si];
    const drop_reason *r;

    memset(e, 0, sizeof(*e));
    e->kind = (uint8_t)kind;
    e->service = si;
    e->term = (uint8_t)prng_range(&g->plan, 0, s->n_term - 1);
    e->seed = prng_next(&g->plan);
    switch (kind) {
    case SDD_GEN_PE_CE_LINK_DOWN: draw_link_down(g, e); break;
    case SDD_GEN_MAINTENANCE: draw_maintenance(g, e); break;
    case SDD_GEN_WITHDRAW_STORM:
        draw_span(g, e, 3 * 60, 12 * 60);
        e->level = prng_uniform(&g->plan, 0.3, 0.6);
        break;
    case SDD_GEN_FWD_DROPS:
    case SDD_GEN_PARTIAL_DROPS:
        draw_span(g, e, 10 * 60, 45 * 60);
        r = &drop_reasons[prng_range(&g->plan, 0, N_DROP_REASONS - 1)];
        e->code = r->code;
        e->level = prng_uniform(&g->plan, 0.2, 0.6);
        break;
    case SDD_GEN_INTERFACE_FLAP: draw_flaps(g, e); break;
    case SDD_GEN_TRAFFIC_SHIFT:
        draw_span(g, e, 30 * 60, 120 * 60);
        e->term2 = other_term(g, s, e->term);
        e->level = prng_uniform(&g->plan, 0.5, 1.0);
        break;
    case SDD_GEN_LINK_SATURATION:
        /* three minutes of climb, then at least 20 full */
        draw_span(g, e, 24 * 60, 64 * 60);
        e->level = prng_uniform(&g->plan, 0.90, 0.97);
        break;
    case SDD_GEN_SITE_BLACKHOLE:
        draw_span(g, e, 10 * 60, 45 * 60);
        e->level = prng_uniform(&g->plan, 0.02, 0.08);       /* what still gets through */
        break;
    case SDD_GEN_RR_PEER_DOWN:
        draw_span(g, e, 5 * 60, 40 * 60);
        e->code = (uint8_t)prng_range(&g->plan, 1, 4);
        e->level = prng_uniform(&g->plan, 0.6, 1.0);         /* of the site's traffic lost */
        e->effect_end_us = e->end_us + MINUTE_US;
        break;
    case SDD_GEN_MAX_PREFIX: draw_max_prefix(g, e); break;
    case SDD_GEN_PAST_HOLIDAY:
        draw_span(g, e, 6 * 3600, 12 * 3600);
        e->level = prng_uniform(&g->plan, 0.1, 0.3);
        break;
    }
}

/* Draws of a service's kind that only fit a VPN of several sites. */
static int needs_sites(int kind)
{
    return kind == SDD_GEN_TRAFFIC_SHIFT || kind == SDD_GEN_SITE_BLACKHOLE || kind == SDD_GEN_PARTIAL_DROPS;
}

static int place_event(gen *g, int kind)
{
    gen_event e;

    for (int attempt = 0; attempt < 100; attempt++) {
        uint32_t si = (uint32_t)prng_range(&g->plan, 0, g->n_svc - 1);

        gen_service *s = &g->svc[si];

        if ((needs_sites(kind) && s->n_term < 2) || (kind == SDD_GEN_PAST_HOLIDAY && s->dip.to))
            continue;
        draw_event(g, &e, kind, si);
        if (!service_free(g, si, e.start_us, e.effect_end_us))
            continue;
        if (kind == SDD_GEN_PAST_HOLIDAY) {
            s->dip = (span){e.start_us - 7 * DAY_S * US, e.end_us - 7 * DAY_S * US};
            s->dip_level = e.level;
        }
        return add_event(g, &e) ? 1 : -1;
    }
    g->stats->unplaced++;
    return 0;
}

static int pe_free(const gen *g, const gen_pe *pe, int64_t a, int64_t b)
{
    for (uint32_t i = 0; i < pe->n_terms; i++)
        if (!service_free(g, g->term[pe->terms[i]].service, a, b))
            return 0;
    return 1;
}

/* A core failure: a dip of 10 to 50 seconds inside one minute. */
static void draw_core_failure(gen *g, gen_event *e)
{
    int64_t dip = seconds(g, 10, 50);
    int64_t minute = floor_div(pick_start(g, MINUTE_US), MINUTE_US) * MINUTE_US;

    e->start_us = minute + seconds(g, 0, (int)((MINUTE_US - dip) / US) - 1);
    e->start_us += sub_second(g);
    e->end_us = e->effect_end_us = e->start_us + dip;
}

/* Whole minutes: a router exports a minute's aggregates or does not. */
static void draw_minutes(gen *g, gen_event *e, int lo_min, int hi_min)
{
    int64_t length = seconds(g, lo_min, hi_min) * 60;

    e->start_us = floor_div(pick_start(g, length), MINUTE_US) * MINUTE_US;
    e->end_us = e->effect_end_us = e->start_us + length;
}

/* Times of an event of a whole router, and what the router does then. */
static void draw_router_event(gen *g, gen_event *e, gen_pe *pe)
{
    switch (e->kind) {
    case SDD_GEN_CORE_FAILURE: draw_core_failure(g, e); break;
    case SDD_GEN_EXPORTER_SILENT:
        draw_minutes(g, e, 10, 60);
        pe->silent = (span){e->start_us, e->end_us};
        break;
    case SDD_GEN_LATE_DATA:
        draw_minutes(g, e, 10, 60);
        pe->late = (span){e->start_us, e->end_us};
        pe->late_by_us = seconds(g, 3, 10) * 60;
        e->effect_end_us = e->end_us + pe->late_by_us;
        break;
    case SDD_GEN_ZERO_BMP_TIMESTAMPS:
        draw_span(g, e, 30 * 60, 120 * 60);
        pe->zero_time = (span){e->start_us, e->end_us};
        break;
    case SDD_GEN_INITIAL_RIB_DUMP:
        /* the dump takes as long as its peers take, a few ms each */
        draw_span(g, e, 1, 1);
        e->end_us = e->effect_end_us = e->start_us + (int64_t)pe->n_terms * 20000 + US;
        break;
    }
}

/* An event of a whole router (a core failure under it, a trouble of its
 * collection), written as one event per service it touches: each is the
 * same event seen from one service. A router has one of each kind at most. */
static int place_router_event(gen *g, int kind)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        gen_pe *pe = &g->pe[prng_range(&g->plan, 0, g->n_pe - 1)];
        gen_pe before = *pe;
        gen_event e = {.kind = (uint8_t)kind};

        draw_router_event(g, &e, pe);
        e.seed = prng_next(&g->plan);
        if (pe->n_terms == 0 || !pe_free(g, pe, e.start_us, e.effect_end_us) ||
            (kind == SDD_GEN_EXPORTER_SILENT && before.silent.to) ||
            (kind == SDD_GEN_LATE_DATA && before.late.to) ||
            (kind == SDD_GEN_ZERO_BMP_TIMESTAMPS && before.zero_time.to)) {
            *pe = before;
            continue;
        }
        for (uint32_t i = 0; i < pe->n_terms; i++) {
            const gen_term *t = &g->term[pe->terms[i]];

            e.service = t->service;
            e.term = t->index;
            if (!add_event(g, &e))
                return -1;
        }
        return 1;
    }
    g->stats->unplaced++;
    return 0;
}


static int event_cmp_service(const void *a, const void *b)
{
    const gen_event *x = a, *y = b;

    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    return (x->start_us > y->start_us) - (x->start_us < y->start_us);
}

typedef struct truth_key {
    int64_t start_us;
    uint32_t service, index;
} truth_key;

static int truth_key_cmp(const void *a, const void *b)
{
    const truth_key *x = a, *y = b;

    if (x->start_us != y->start_us)
        return x->start_us < y->start_us ? -1 : 1;
    return (x->service > y->service) - (x->service < y->service);
}

/* truth.json lists events by start time; change windows are numbered in
 * that order too. */
static int order_truth(gen *g)
{
    truth_key *keys = malloc((g->n_ev ? g->n_ev : 1) * sizeof(*keys));
    uint32_t change = 0;

    g->truth_order = malloc((g->n_ev ? g->n_ev : 1) * sizeof(*g->truth_order));
    if (!keys || !g->truth_order) {
        free(keys);
        fail(g, "out of memory", NULL);
        return -1;
    }
    for (size_t i = 0; i < g->n_ev; i++)
        keys[i] = (truth_key){g->ev[i].start_us, g->ev[i].service, (uint32_t)i};
    qsort(keys, g->n_ev, sizeof(*keys), truth_key_cmp);
    for (size_t i = 0; i < g->n_ev; i++) {
        gen_event *e = &g->ev[keys[i].index];

        g->truth_order[i] = keys[i].index;
        if (e->kind == SDD_GEN_MAINTENANCE)
            e->change = ++change;
    }
    free(keys);
    return 0;
}

/* Sorted by (service, start), each service finds its events as a range. */
static int index_events(gen *g)
{
    if (g->n_ev)
        qsort(g->ev, g->n_ev, sizeof(*g->ev), event_cmp_service);
    for (size_t i = g->n_ev; i-- > 0;) {
        gen_service *s = &g->svc[g->ev[i].service];

        s->ev_first = (uint32_t)i;
        s->ev_count++;
    }
    return order_truth(g);
}

/* How many events of a kind of a whole router a run has; 0 for the kinds
 * of one service. */
static uint32_t router_events(const gen *g, int kind)
{
    switch (kind) {
    case SDD_GEN_CORE_FAILURE: return (g->n_pe + 3) / 4;
    case SDD_GEN_EXPORTER_SILENT:
    case SDD_GEN_LATE_DATA:
    case SDD_GEN_ZERO_BMP_TIMESTAMPS:
    case SDD_GEN_INITIAL_RIB_DUMP: return (g->n_pe + 7) / 8;
    default: return 0;
    }
}

/* Events of whole routers first (they need a free moment on every service
 * of a PE), then the other kinds in turn on random services: at least one
 * of each kind asked for, and about one event for every second service. */
static int plan_events(gen *g)
{
    uint32_t kinds = g->cfg->kinds & SDD_GEN_ALL_KINDS, others[SDD_GEN_KIND_COUNT], n_others = 0;
    uint64_t total;

    g->plan_last = malloc(g->n_svc * sizeof(*g->plan_last));
    if (!g->plan_last) {
        fail(g, "out of memory", NULL);
        return -1;
    }
    memset(g->plan_last, 0xff, g->n_svc * sizeof(*g->plan_last));
    plan_window(g);
    for (int k = 0; k < SDD_GEN_KIND_COUNT; k++)
        if ((kinds >> k & 1) && !router_events(g, k))
            others[n_others++] = (uint32_t)k;
    for (int k = 0; k < SDD_GEN_KIND_COUNT; k++)
        for (uint32_t c = 0; (kinds >> k & 1) && c < router_events(g, k); c++)
            if (place_router_event(g, k) < 0)
                return -1;
    total = n_others ? g->n_svc / 2 : 0;
    if (total < n_others)
        total = n_others;
    for (uint64_t e = 0; e < total; e++)
        if (place_event(g, (int)others[e % n_others]) < 0)
            return -1;
    return index_events(g);
}

/* ---- messages waiting for their minute -------------------------------- */

static int msg_before(const gen_msg *a, const gen_msg *b)
{
    return a->us != b->us ? a->us < b->us : a->order < b->order;
}

static void heap_push(gen *g, gen_msg msg)
{
    gen_heap *h = &g->heap;
    gen_msg *m = grow(g, h->m, &h->cap, h->n + 1, sizeof(*h->m));
    size_t i;

    if (!m)
        return;
    h->m = m;
    i = h->n++;
    msg.order = h->next_order++;
    m[i] = msg;
    while (i > 0 && msg_before(&m[i], &m[(i - 1) / 2])) {
        gen_msg tmp = m[i];

        m[i] = m[(i - 1) / 2];
        m[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}

/* A message of a termination's own PE. */
static void push_msg(gen *g, int64_t us, uint32_t term, int type, int prefix, int arg, int med)
{
    heap_push(g, (gen_msg){.us = us, .term = term, .pe = g->term[term].pe, .type = (uint8_t)type,
                           .prefix = (uint8_t)prefix, .arg = (uint8_t)arg, .med = (uint16_t)med});
}

static gen_msg pop_msg(gen_heap *h)
{
    gen_msg top = h->m[0], *m = h->m;
    size_t i = 0;

    m[0] = m[--h->n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        gen_msg tmp;

        if (l < h->n && msg_before(&m[l], &m[best]))
            best = l;
        if (r < h->n && msg_before(&m[r], &m[best]))
            best = r;
        if (best == i)
            return top;
        tmp = m[i];
        m[i] = m[best];
        m[best] = tmp;
        i = best;
    }
}

/* Every prefix of a termination, a millisecond apart, as a table dump or a
 * mass withdraw is seen on the wire. */
static void push_routes(gen *g, uint32_t term, int64_t us, int type, prng *p)
{
    for (int k = 0; k < g->term[term].n_prefix; k++)
        push_msg(g, us + (k + 1) * 1000, term, type, k, 0, (int)prng_range(p, 0, 100));
}

static void push_session_down(gen *g, uint32_t term, int64_t us, const gen_event *e, prng *p)
{
    int64_t bgp = us;

    if (e->link_loss) {
        push_msg(g, us, term, MSG_IF_DOWN, 0, 0, 0);
        bgp += prng_range(p, 50, 300) * 1000;   /* BGP notices the link after it went */
    }
    push_msg(g, bgp, term, MSG_PEER_DOWN, 0, e->code, 0);
    push_routes(g, term, bgp, MSG_WITHDRAW, p);
}

static void push_session_up(gen *g, uint32_t term, int64_t us, int link_loss, prng *p)
{
    if (link_loss)
        push_msg(g, us - prng_range(p, 5, 20) * US, term, MSG_IF_UP, 0, 0, 0);
    push_msg(g, us, term, MSG_PEER_UP, 0, 0, 0);
    push_routes(g, term, us, MSG_UPDATE, p);
}

/* Prefixes withdrawn and announced again, over and over, inside the span. */
static void push_storm(gen *g, uint32_t term, const gen_event *e, prng *p)
{
    int n = (int)prng_range(p, 30, 150);

    for (int i = 0; i < n; i++) {
        int64_t at = e->start_us + prng_range(p, 0, e->end_us - e->start_us - 1);
        int prefix = (int)prng_range(p, 0, g->term[term].n_prefix - 1);

        int64_t back = at + prng_range(p, 200, 10000) * 1000;
        int med = (int)prng_range(p, 0, 100);

        push_msg(g, at, term, MSG_WITHDRAW, prefix, 0, 0);
        push_msg(g, back, term, MSG_UPDATE, prefix, 0, med);
    }
}

/* The service's VPNv4 routes (every site's prefixes) that PE `pe` gets
 * from the service's route reflector, a millisecond apart from `us`. */
static void push_rr_routes(gen *g, const gen_service *s, uint16_t pe, int64_t us, prng *p)
{
    for (uint32_t t = s->first_term; t < s->first_term + s->n_term; t++)
        for (int k = 0; k < g->term[t].n_prefix; k++) {
            us += 1000;
            heap_push(g, (gen_msg){.us = us, .term = t, .pe = pe, .type = MSG_RR_UPDATE, .prefix = (uint8_t)k,
                                   .med = (uint16_t)prng_range(p, 0, 100)});
        }
}

/* The service's route reflector (a global-instance peer of the site's PE)
 * goes down: the PE loses the VPNv4 routes it had from it, every route of
 * the service, and gets them again when the session is back. As real BMP,
 * no withdrawal follows the peer down: the routes go with the session. */
static void push_rr_outage(gen *g, const gen_service *s, const gen_event *e, prng *p)
{
    uint16_t pe = g->term[s->first_term + e->term].pe;

    heap_push(g, (gen_msg){.us = e->start_us, .term = s->first_term, .pe = pe, .type = MSG_RR_DOWN, .arg = e->code});
    heap_push(g, (gen_msg){.us = e->end_us, .term = s->first_term, .pe = pe, .type = MSG_RR_UP});
    push_rr_routes(g, s, pe, e->end_us, p);
}

/* The PE's BMP session starts again (the PE or the collector restarted):
 * each of its peers is reported up and its table dumped, each route with
 * the time the PE got it, hours or days before. */
static void push_rib_dump(gen *g, uint32_t term, const gen_event *e, prng *p)
{
    int64_t at = e->start_us + (int64_t)term % 50 * 20000;

    push_msg(g, at, term, MSG_PEER_UP, 0, 0, 0);
    for (int k = 0; k < g->term[term].n_prefix; k++) {
        int64_t age = prng_range(p, 3600, 20 * DAY_S);
        int med = (int)prng_range(p, 0, 100);

        heap_push(g, (gen_msg){.us = at + (k + 1) * 1000, .term = term, .pe = g->term[term].pe,
                               .age_s = (uint32_t)age, .type = MSG_UPDATE, .prefix = (uint8_t)k,
                               .med = (uint16_t)med});
    }
}

/* A traffic shift is steered by the CEs: new attributes on both sites'
 * routes when it starts and when it ends. */
static void push_shift(gen *g, const gen_service *s, const gen_event *e, prng *p)
{
    uint32_t a = s->first_term + e->term, b = s->first_term + e->term2;

    push_routes(g, a, e->start_us, MSG_UPDATE, p);
    push_routes(g, b, e->start_us + 5000, MSG_UPDATE, p);
    push_routes(g, a, e->end_us, MSG_UPDATE, p);
    push_routes(g, b, e->end_us + 5000, MSG_UPDATE, p);
}

/* The BMP and telemetry messages of an event, queued when its first minute
 * comes; none is earlier than the event's start. */
static void push_event_messages(gen *g, const gen_service *s, const gen_event *e)
{
    uint32_t term = s->first_term + e->term;
    prng p;

    prng_seed(&p, e->seed);
    switch (e->kind) {
    case SDD_GEN_MAX_PREFIX:
        /* the routes that went past the limit, just before */
        push_routes(g, term, e->down_us - US, MSG_UPDATE, &p);
        /* fall through */
    case SDD_GEN_PE_CE_LINK_DOWN:
    case SDD_GEN_MAINTENANCE:
        push_session_down(g, term, e->down_us, e, &p);
        push_session_up(g, term, e->up_us, e->link_loss, &p);
        break;
    case SDD_GEN_RR_PEER_DOWN: push_rr_outage(g, s, e, &p); break;
    case SDD_GEN_INITIAL_RIB_DUMP: push_rib_dump(g, term, e, &p); break;
    case SDD_GEN_WITHDRAW_STORM: push_storm(g, term, e, &p); break;
    case SDD_GEN_INTERFACE_FLAP:
        for (int i = 0; i < e->n_flap; i++) {
            push_msg(g, e->flap[i][0], term, MSG_IF_DOWN, 0, 0, 0);
            push_msg(g, e->flap[i][1], term, MSG_IF_UP, 0, 0, 0);
        }
        break;
    case SDD_GEN_TRAFFIC_SHIFT: push_shift(g, s, e, &p); break;
    }
}

/* 1 if a termination of the service before `term` is on the same PE. */
static int pe_seen(const gen *g, const gen_service *s, uint32_t term)
{
    for (uint32_t t = s->first_term; t < term; t++)
        if (g->term[t].pe == g->term[term].pe)
            return 1;
    return 0;
}

/* At the start every PE reports its interfaces up (YANG-push sync on
 * start), its PE-CE sessions up and their routes, and the VPNv4 routes of
 * its services from their route reflectors, spread over the first
 * minute. */
static void push_initial(gen *g)
{
    int64_t spacing = 50 * US / (g->n_term ? g->n_term : 1);
    prng p;

    prng_seed(&p, prng_derive(g->cfg->seed, STREAM_INITIAL));
    for (uint32_t t = 0; t < g->n_term; t++) {
        int64_t at = g->start_us + US + (int64_t)t * spacing;

        push_msg(g, at, t, MSG_IF_UP, 0, 0, 0);
        push_msg(g, at + 1000, t, MSG_PEER_UP, 0, 0, 0);
        push_routes(g, t, at + 1000, MSG_UPDATE, &p);
        if (!pe_seen(g, &g->svc[g->term[t].service], t))
            push_rr_routes(g, &g->svc[g->term[t].service], g->term[t].pe, at + 50000, &p);
    }
}

/* ---- the lines ------------------------------------------------------- */

/* Customer prefixes: 10.<site/prefix>.<service>.0/24; VPNs reuse private
 * space, the RD keeps them apart. */
static void put_prefix(gen_out *o, const gen_term *t, int k)
{
    put_str(o, "10.");
    put_u64(o, (uint64_t)t->index * 16 + (uint64_t)k + 1);
    put_str(o, ".");
    put_u64(o, t->service % 256);
    put_str(o, ".0/24");
}

static void put_peer(gen_out *o, const gen_term *t, const gen_service *s)
{
    put_str(o, "\"peer_ip\":\"");
    put_str(o, t->ce_text);
    put_str(o, "\",\"peer_asn\":");
    put_u64(o, s->asn);
    put_str(o, ",\"peer_type\":1,\"peer_type_str\":\"RD Instance Peer\",\"rd\":\"");
    put_str(o, t->rd);
    put_str(o, "\",\"rd_origin\":\"bmp\"");
}

/* The service's route reflector: route reflectors are partitioned by route
 * target, each service's VPNv4 routes come from its own, 100.127.0.0/16. */
static void format_rr(uint32_t service, char *buf, size_t len)
{
    format_ipv4(0x647f0001u + service, buf, len);
}

static void put_rr_peer(gen_out *o, const char *rr)
{
    put_str(o, "\"peer_ip\":\"");
    put_str(o, rr);
    put_str(o, "\",\"peer_asn\":64497,\"peer_type\":0,\"peer_type_str\":\"Global Instance Peer\"");
}

/* route_monitor body. pmacct writes a withdraw with the attributes of the
 * route it had in its RIB, and it had them all. A CE's routes come from an
 * RD instance peer (safi 1), the route reflector's are VPNv4 (safi 128) with
 * the PE of the site as next hop. */
static void put_route(gen_out *o, const gen_msg *m, const gen_term *t, const gen_service *s,
                      const char *peer, const char *nexthop)
{
    int update = m->type == MSG_UPDATE || m->type == MSG_RR_UPDATE;

    put_str(o, update ? "\"log_type\":\"update\"" : "\"log_type\":\"withdraw\"");
    put_str(o, m->type >= MSG_RR_UP ? ",\"afi\":1,\"safi\":128,\"ip_prefix\":\"" : ",\"afi\":1,\"safi\":1,\"ip_prefix\":\"");
    put_prefix(o, t, m->prefix);
    put_str(o, "\",\"rd\":\"");
    put_str(o, t->rd);
    /* a CE's routes carry its RD instance peer's RD, a VPNv4 route its own */
    put_str(o, m->type >= MSG_RR_UP ? "\",\"rd_origin\":\"bgp\",\"bgp_nexthop\":\"" : "\",\"rd_origin\":\"bmp\",\"bgp_nexthop\":\"");
    put_str(o, nexthop);
    put_str(o, "\",\"as_path\":[\"");
    put_u64(o, s->asn);
    put_str(o, "\"],\"comms\":[],\"ecomms\":[\"RT:64497:");
    put_u64(o, s->num);
    put_str(o, "\"],\"origin\":\"i\",\"med\":");
    put_u64(o, m->med);
    put_str(o, ",\"peer_ip\":\"");
    put_str(o, peer);
    put_str(o, "\",\"peer_tcp_port\":0,\"is_in\":1,\"is_post\":0");
}

static const char *const bmp_type_text[] = {
    [MSG_PEER_UP] = "peer_up", [MSG_PEER_DOWN] = "peer_down",
    [MSG_UPDATE] = "route_monitor", [MSG_WITHDRAW] = "route_monitor",
    [MSG_RR_UP] = "peer_up", [MSG_RR_DOWN] = "peer_down",
    [MSG_RR_UPDATE] = "route_monitor",
};

/* pmacct's two times: the BMP per-peer header's (the router's; 0 from a
 * router that leaves it unset; older than the arrival in a table dump) and
 * the collector's arrival. */
static void put_bmp_times(gen *g, gen_out *o, const gen_msg *m)
{
    put_str(o, ",\"timestamp\":\"");
    if (in_span(&g->pe[m->pe].zero_time, m->us))
        put_str(o, "0.000000");
    else
        put_timestamp(g, o, m->us - (int64_t)m->age_s * US);
    put_str(o, "\",\"timestamp_arrival\":\"");
    put_timestamp(g, o, m->us);
    put_str(o, "\"");
}

/* The body of a peer_up or peer_down of a CE or of the route reflector. */
static void put_session(gen_out *o, const gen_msg *m, const gen_term *t, const gen_service *s,
                        const gen_pe *pe, const char *rr)
{
    int up = m->type == MSG_PEER_UP || m->type == MSG_RR_UP;

    if (rr)
        put_rr_peer(o, rr);
    else
        put_peer(o, t, s);
    if (up) {
        put_str(o, ",\"bgp_id\":\"");
        put_str(o, rr ? rr : t->ce_text);
        put_str(o, "\",\"local_ip\":\"");
        put_str(o, rr ? pe->ip : t->local_text);
        put_str(o, "\",\"local_port\":179,\"remote_port\":");
        put_u64(o, 1024 + (m->term * 7919u) % 64000u);
        put_str(o, ",\"is_in\":1,\"is_post\":0");
    } else {
        put_str(o, ",\"reason_type\":");
        put_u64(o, m->arg);
        put_str(o, ",\"reason_str\":\"");
        put_str(o, peer_down_text[m->arg <= 5 ? m->arg : 0]);
        put_str(o, "\"");
    }
}

/* Every line of bmp.json: pmacct's BMP msglog, RD-instance peers. */
static void write_bmp_line(gen *g, const gen_msg *m)
{
    gen_out *o = &g->bmp;
    const gen_term *t = &g->term[m->term];
    const gen_service *s = &g->svc[t->service];
    const gen_pe *pe = &g->pe[m->pe];
    int session = m->type == MSG_PEER_UP || m->type == MSG_PEER_DOWN || m->type == MSG_RR_UP ||
                  m->type == MSG_RR_DOWN;
    char rr[16] = "";

    if (m->type >= MSG_RR_UP)
        format_rr(t->service, rr, sizeof(rr));
    out_line(o);
    put_str(o, "{\"event_type\":\"log\",\"seq\":");
    put_u64(o, g->bmp_seq++);
    put_bmp_times(g, o, m);
    put_str(o, ",\"bmp_router\":\"");
    put_str(o, pe->ip);
    put_str(o, "\",\"bmp_router_port\":");
    put_u64(o, pe->bmp_port);
    put_str(o, ",\"bmp_msg_type\":\"");
    put_str(o, bmp_type_text[m->type]);
    put_str(o, "\",");
    if (session)
        put_session(o, m, t, s, pe, m->type >= MSG_RR_UP ? rr : NULL);
    else if (m->type >= MSG_RR_UP)
        put_route(o, m, t, s, rr, g->pe[t->pe].ip);
    else
        put_route(o, m, t, s, t->ce_text, t->ce_text);
    put_str(o, "}\n");
    g->stats->bmp_lines++;
}

/* Every line of telemetry.json: an oper-status change in pmtelemetryd's
 * envelope. Even PEs speak openconfig-interfaces, odd ones ietf-interfaces,
 * so both encodings are always present. */
static void write_telemetry_line(gen *g, const gen_msg *m)
{
    gen_out *o = &g->tele;
    const gen_term *t = &g->term[m->term];
    int up = m->type == MSG_IF_UP;

    out_line(o);
    put_str(o, "{\"event_type\":\"log\",\"seq\":");
    put_u64(o, g->tele_seq++);
    put_str(o, ",\"timestamp\":\"");
    put_timestamp(g, o, m->us);
    put_str(o, "\",\"telemetry_node\":\"");
    put_str(o, g->pe[t->pe].ip);
    put_str(o, "\",\"telemetry_port\":57400,\"serialization\":\"json\",\"telemetry_data\":");
    if (t->pe % 2 == 0) {
        put_str(o, "{\"openconfig-interfaces:interfaces\":{\"interface\":[{\"name\":\"");
        put_str(o, t->ifname);
        put_str(o, up ? "\",\"state\":{\"oper-status\":\"UP\"}}]}}}\n"
                      : "\",\"state\":{\"oper-status\":\"DOWN\"}}]}}}\n");
    } else {
        put_str(o, "{\"ietf-interfaces:interfaces\":{\"interface\":[{\"name\":\"");
        put_str(o, t->ifname);
        put_str(o, up ? "\",\"oper-status\":\"up\"}]}}}\n" : "\",\"oper-status\":\"down\"}]}}}\n");
    }
    g->stats->telemetry_lines++;
}

static void write_msg(gen *g, const gen_msg *m)
{
    if (m->type == MSG_IF_UP || m->type == MSG_IF_DOWN)
        write_telemetry_line(g, m);
    else
        write_bmp_line(g, m);
}

/* ---- flow lines written late -------------------------------------------- */

/* A held line: its due time and length, then its text. */
typedef struct held_head {
    int64_t due_us;
    uint32_t len;
} held_head;

/* Moves the line the buffer ends with, from `start`, to the held lines. */
static void hold_line(gen *g, gen_out *o, size_t start)
{
    held_head h = {g->hold_until_us, (uint32_t)(o->len - start)};
    char *p = grow(g, g->held, &g->held_cap, g->held_len + sizeof(h) + h.len, 1);

    if (!p)
        return;
    g->held = p;
    memcpy(p + g->held_len, &h, sizeof(h));
    memcpy(p + g->held_len + sizeof(h), o->buf + start, h.len);
    g->held_len += sizeof(h) + h.len;
    o->len = start;
}

/* Writes the held lines due by `now`, in the order they were held, and
 * keeps the others. */
static void release_held(gen *g, int64_t now)
{
    size_t in = 0, out = 0;

    while (in < g->held_len) {
        held_head h;

        memcpy(&h, g->held + in, sizeof(h));
        if (h.due_us <= now) {
            out_line(&g->flows);
            put_mem(&g->flows, g->held + in + sizeof(h), h.len);
        } else {
            memmove(g->held + out, g->held + in, sizeof(h) + h.len);
            out += sizeof(h) + h.len;
        }
        in += sizeof(h) + h.len;
    }
    g->held_len = out;
}

/* Every line of flows.json: one aggregate of a termination, minute, class
 * and forwarding status. */
static void write_flow_line(gen *g, const gen_term *t, const char *proto_flags, uint8_t fwd,
                            uint64_t packets, uint64_t bytes, uint64_t flows)
{
    gen_out *o = &g->flows;
    size_t start;

    out_line(o);
    start = o->len;
    put_mem(o, t->flow_head, t->head_len);
    put_str(o, proto_flags);
    put_mem(o, t->flow_mid, t->mid_len);
    put_u64(o, fwd);
    put_str(o, "\"},\"stamp_inserted\":\"");
    put_str(o, g->minute_text);
    put_str(o, "00\",\"packets\":");
    put_u64(o, packets);
    put_str(o, ",\"bytes\":");
    put_u64(o, bytes);
    put_str(o, ",\"flows\":");
    put_u64(o, flows);
    put_str(o, "}\n");
    g->stats->flow_lines++;
    if (g->hold_until_us)
        hold_line(g, o, start);
}

/* ---- inventory.json and truth.json -------------------------------------- */

static void write_inventory_term(FILE *f, const gen *g, const gen_term *t)
{
    const gen_service *s = &g->svc[t->service];
    const gen_pe *pe = &g->pe[t->pe];

    fprintf(f, "%s{\"router\":\"%s\",\"hostname\":\"%s\",\"vrf_name\":\"CUST%u\",\"vrf_id\":%u,"
               "\"rd\":\"%s\",\"interfaces\":[{\"id\":%u,\"name\":\"%s\",\"capacity_bps\":%.0f}],"
               "\"ce_peers\":[\"%s\"]}",
            t->index ? "," : "", pe->ip, pe->host, s->num, 0x60000001u + t->service, t->rd,
            t->ifindex, t->ifname, t->capacity_bps, t->ce_text);
}

static void write_inventory_service(FILE *f, const gen *g, uint32_t si)
{
    const gen_service *s = &g->svc[si];
    int n = 0;

    fprintf(f, "%s{\"vpn_id\":\"64497:%u\",\"name\":\"customer-%u\",\"profile\":\"%s\","
               "\"terminations\":[",
            si ? ",\n" : "", s->num, s->num, g->cfg->name_profiles ? profile_table[s->profile].name : "default");
    for (uint32_t t = 0; t < s->n_term; t++)
        write_inventory_term(f, g, &g->term[s->first_term + t]);
    fputs("],\"changes\":[", f);
    for (uint32_t i = s->ev_first; i < s->ev_first + s->ev_count; i++) {
        const gen_event *e = &g->ev[i];

        if (e->kind == SDD_GEN_MAINTENANCE)
            fprintf(f, "%s{\"id\":\"maint-%u\",\"start\":%lld,\"end\":%lld}", n++ ? "," : "",
                    e->change, (long long)(e->start_us / US), (long long)(e->end_us / US));
    }
    fputs("]}", f);
}

static FILE *open_plain(gen *g, const char *name)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", g->cfg->out_dir, name);
    f = fopen(path, "w");
    if (!f)
        fail(g, path, strerror(errno));
    return f;
}

static int close_plain(gen *g, FILE *f, const char *name)
{
    int bad = ferror(f);

    bad |= fclose(f) != 0;
    if (bad)
        fail(g, name, "write failed");
    return bad ? -1 : 0;
}

static int write_inventory(gen *g)
{
    FILE *f = open_plain(g, "inventory.json");

    if (!f)
        return -1;
    fputs("{\"services\":[\n", f);
    for (uint32_t si = 0; si < g->n_svc; si++)
        write_inventory_service(f, g, si);
    fputs("\n]}\n", f);
    return close_plain(g, f, "inventory.json");
}

static const char *drop_reason_name(uint8_t code)
{
    for (int64_t i = 0; i < N_DROP_REASONS; i++)
        if (drop_reasons[i].code == code)
            return drop_reasons[i].name;
    return "unknown";
}

/* What an event did besides its times, for people reading truth.json and
 * for tests that check the data against it. */
static void write_truth_details(FILE *f, const gen *g, const gen_event *e)
{
    const gen_service *s = &g->svc[e->service];
    const gen_term *t = &g->term[s->first_term + e->term];
    const gen_pe *pe = &g->pe[t->pe];
    char rr[16];

    format_rr(e->service, rr, sizeof(rr));
    fprintf(f, ",\"router\":\"%s\",\"rd\":\"%s\",\"peer\":\"%s\",\"interface\":\"%s\"",
            pe->ip, t->rd, e->kind == SDD_GEN_RR_PEER_DOWN ? rr : t->ce_text, t->ifname);
    switch (e->kind) {
    case SDD_GEN_PE_CE_LINK_DOWN:
    case SDD_GEN_MAINTENANCE:
    case SDD_GEN_MAX_PREFIX:
        fprintf(f, ",\"down\":%lld,\"up\":%lld,\"peer_down_reason\":%u,\"link_down\":%s",
                (long long)(e->down_us / US), (long long)(e->up_us / US), e->code,
                e->link_loss ? "true" : "false");
        if (e->kind == SDD_GEN_MAINTENANCE)
            fprintf(f, ",\"change\":\"maint-%u\"", e->change);
        break;
    case SDD_GEN_FWD_DROPS:
    case SDD_GEN_PARTIAL_DROPS:
        fprintf(f, ",\"reason\":\"%s\",\"fwd_status\":%u,\"share\":%.2f", drop_reason_name(e->code),
                e->code, e->level);
        break;
    case SDD_GEN_INTERFACE_FLAP: fprintf(f, ",\"flaps\":%u", e->n_flap); break;
    case SDD_GEN_TRAFFIC_SHIFT:
        fprintf(f, ",\"to_router\":\"%s\",\"share\":%.2f",
                g->pe[g->term[s->first_term + e->term2].pe].ip, e->level);
        break;
    case SDD_GEN_LINK_SATURATION:
        fprintf(f, ",\"capacity_bps\":%.0f,\"load\":%.2f", t->capacity_bps, e->level);
        break;
    case SDD_GEN_SITE_BLACKHOLE: fprintf(f, ",\"remaining\":%.2f", e->level); break;
    case SDD_GEN_RR_PEER_DOWN:
        fprintf(f, ",\"peer_down_reason\":%u,\"lost\":%.2f", e->code, e->level);
        break;
    case SDD_GEN_LATE_DATA: fprintf(f, ",\"late_seconds\":%lld", (long long)(pe->late_by_us / US)); break;
    case SDD_GEN_PAST_HOLIDAY:
        fprintf(f, ",\"holiday_start\":%lld,\"holiday_end\":%lld,\"level\":%.2f",
                (long long)(s->dip.from / US), (long long)(s->dip.to / US), e->level);
        break;
    }
}

static void write_truth_event(FILE *f, const gen *g, const gen_event *e)
{
    const kind_info *k = &kind_table[e->kind];
    const char *expected = k->expected;

    if (e->kind == SDD_GEN_PE_CE_LINK_DOWN && e->link_loss)
        expected = "[" LINK_DOWN_EXPECTED ",\"oc_interface_state\"]";
    fprintf(f, "{\"service\":\"64497:%u\",\"kind\":\"%s\",\"start\":%lld,\"end\":%lld,"
               "\"alarm\":%s,\"expected\":%s",
            g->svc[e->service].num, k->name, (long long)(e->start_us / US),
            (long long)(e->end_us / US), k->alarm ? "true" : "false", expected);
    write_truth_details(f, g, e);
    fputs("}\n", f);
}

static int write_truth(gen *g)
{
    FILE *f = open_plain(g, "truth.json");
    char day[16];

    if (!f)
        return -1;
    fprintf(f, "{\"seed\":%llu,\"services\":%u,\"days\":%u,\"start\":%lld,"
               "\"time_step_seconds\":60,\"holidays\":[",
            (unsigned long long)g->cfg->seed, g->cfg->services, g->cfg->days,
            (long long)(g->start_us / US));
    if (g->holiday_day >= 0) {
        format_day(g->holiday_day, day, sizeof(day));
        fprintf(f, "\"%s\"", day);
    }
    fputs("]}\n", f);
    for (size_t i = 0; i < g->n_ev; i++)
        write_truth_event(f, g, &g->ev[g->truth_order[i]]);
    g->stats->truth_events = g->n_ev;
    return close_plain(g, f, "truth.json");
}

/* ---- traffic ----------------------------------------------------------- */

/* What an event does to a termination's lines besides its volume. */
typedef struct term_effect {
    double syn_extra;           /* extra SYN flows, in multiples of the usual */
    double drop_share;          /* of the traffic, written with drop_code */
    uint8_t drop_code;
} term_effect;

/* The fraction of the minute starting at t0 that [a, b) covers. */
static double overlap(int64_t a, int64_t b, int64_t t0)
{
    int64_t lo = a > t0 ? a : t0, hi = b < t0 + MINUTE_US ? b : t0 + MINUTE_US;

    return hi > lo ? (double)(hi - lo) / (double)MINUTE_US : 0.0;
}

/* Daily and weekly shape: business hours high, nights low, weekends and
 * holidays at the service's weekend level. */
static double season(const gen *g, const gen_service *s, int64_t t0)
{
    int64_t day = day_of(t0);
    int64_t minute = floor_div(t0, MINUTE_US) - day * MINUTES_PER_DAY;
    int m = (int)((minute + s->offset_min + MINUTES_PER_DAY) % MINUTES_PER_DAY);
    double level = is_weekend(day) || day == g->holiday_day ? s->weekend : 1.0;

    return s->night + (1.0 - s->night) * g->curve[m] * level;
}

/* Bytes a termination carries this minute with nothing going on: its peak
 * rate times the season, with log-normal noise of mean 1 whose slow part
 * is correlated from minute to minute as real traffic is. */
static double natural_bytes(gen_service *s, gen_term *t, double base)
{
    const profile_info *p = &profile_table[s->profile];
    double n1 = prng_normal(&s->rng), n2 = prng_normal(&s->rng);
    double var = p->slow * p->slow + p->fast * p->fast;

    t->noise = 0.9 * t->noise + 0.4358898944 * n1;      /* AR(1) with unit variance */
    return t->peak_bps / 8.0 * 60.0 * base * exp(p->slow * t->noise + p->fast * n2 - var / 2);
}

/* Bursty services jump up now and then for a few minutes. */
static void update_burst(gen_service *s, int64_t t0)
{
    const profile_info *p = &profile_table[s->profile];

    if (p->bursts_per_hour <= 0)
        return;
    if (t0 >= s->burst_end_us)
        s->burst = 1.0;
    if (s->next_burst_us < t0 + MINUTE_US) {
        s->burst = prng_uniform(&s->rng, 1.5, 3.0);
        s->burst_end_us = s->next_burst_us + prng_range(&s->rng, 2, 10) * MINUTE_US;
        s->next_burst_us = s->burst_end_us +
                           (int64_t)prng_exponential(&s->rng, 3600.0 * US / p->bursts_per_hour);
    }
}

static int is_outage(const gen_event *e)
{
    return e->kind == SDD_GEN_PE_CE_LINK_DOWN || e->kind == SDD_GEN_MAINTENANCE || e->kind == SDD_GEN_MAX_PREFIX;
}

/* Whether the CE session of a termination is down at `us`. */
static int session_down(const gen_event *e, uint8_t term, int64_t us)
{
    return e && is_outage(e) && e->term == term && us >= e->down_us && us <= e->up_us;
}

/* Background route churn: updates (attribute changes) and withdraws followed
 * by a new announcement, at the profile's rate, never from a session that
 * is down. */
static void churn(gen *g, gen_service *s, const gen_event *e, int64_t t1)
{
    double mean = 3600.0 * US / profile_table[s->profile].churn_per_hour;

    while (s->next_churn_us < t1) {
        int64_t at = s->next_churn_us;
        uint8_t ti = (uint8_t)prng_range(&s->rng, 0, s->n_term - 1);
        uint32_t term = s->first_term + ti;
        int prefix = (int)prng_range(&s->rng, 0, g->term[term].n_prefix - 1);
        int64_t back = at + prng_range(&s->rng, 1, 30) * US;
        int med = (int)prng_range(&s->rng, 0, 100);
        int flap = prng_unit(&s->rng) < 0.4;

        if (flap && !session_down(e, ti, at))
            push_msg(g, at, term, MSG_WITHDRAW, prefix, 0, 0);
        if (!session_down(e, ti, flap ? back : at))
            push_msg(g, flap ? back : at, term, MSG_UPDATE, prefix, 0, med);
        s->next_churn_us += (int64_t)prng_exponential(&s->rng, mean) + 1;
    }
}

static void apply_outage(const gen_event *e, int64_t t0, double *bytes, term_effect *eff)
{
    int64_t up_minute = floor_div(e->up_us, MINUTE_US) * MINUTE_US;

    bytes[e->term] *= 1.0 - overlap(e->down_us, e->up_us, t0);
    /* every TCP session of the site reconnects at once */
    if (t0 >= up_minute && t0 < up_minute + e->spike_min * MINUTE_US)
        eff[e->term].syn_extra = e->level;
}

static void apply_saturation(const gen *g, const gen_service *s, const gen_event *e, int64_t t0,
                             double *bytes)
{
    const gen_term *t = &g->term[s->first_term + e->term];
    /* a full link wobbles a little below its ceiling, never above it */
    double full = t->capacity_bps / 8.0 * 60.0 * e->level * (1.0 - 0.015 * fabs(t->noise));
    double ramp = (double)(t0 + MINUTE_US - e->start_us) / (double)(3 * MINUTE_US);
    double f = overlap(e->start_us, e->end_us, t0) * (ramp < 1.0 ? ramp : 1.0);

    if (full > bytes[e->term])
        bytes[e->term] += (full - bytes[e->term]) * f;
}

/* What the active event does to this minute of its service. */
static void apply_event(const gen *g, const gen_service *s, const gen_event *e, int64_t t0,
                        double *bytes, term_effect *eff)
{
    double f = overlap(e->start_us, e->end_us, t0), moved;

    switch (e->kind) {
    case SDD_GEN_PE_CE_LINK_DOWN:
    case SDD_GEN_MAINTENANCE:
    case SDD_GEN_MAX_PREFIX: apply_outage(e, t0, bytes, eff); break;
    case SDD_GEN_CORE_FAILURE: bytes[e->term] *= 1.0 - f; break;
    case SDD_GEN_WITHDRAW_STORM:
    case SDD_GEN_RR_PEER_DOWN: bytes[e->term] *= 1.0 - e->level * f; break;
    case SDD_GEN_SITE_BLACKHOLE: bytes[e->term] *= 1.0 - (1.0 - e->level) * f; break;
    case SDD_GEN_FWD_DROPS:
    case SDD_GEN_PARTIAL_DROPS:
        eff[e->term].drop_share = e->level * f;
        eff[e->term].drop_code = e->code;
        break;
    case SDD_GEN_INTERFACE_FLAP:
        for (int i = 0; i < e->n_flap; i++)
            bytes[e->term] *= 1.0 - overlap(e->flap[i][0], e->flap[i][1], t0);
        break;
    case SDD_GEN_TRAFFIC_SHIFT:
        moved = bytes[e->term] * e->level * f;
        bytes[e->term] -= moved;
        bytes[e->term2] += moved;
        break;
    case SDD_GEN_LINK_SATURATION: apply_saturation(g, s, e, t0, bytes); break;
    }
}

/* The classes of a termination's minute, each one line (two with drops).
 * Sizes are those of enterprise traffic: full TCP segments, mid-size UDP
 * (voice, DNS, video), SYN-only flows of one or two packets. */
typedef struct traffic_class {
    const char *proto_flags;    /* the ip_proto value and what follows it up to custom_primitives */
    double packet_bytes;
    double packets_per_flow;
} traffic_class;

enum { CLASS_SYN, CLASS_TCP, CLASS_UDP, CLASS_ICMP, CLASS_COUNT };

static const traffic_class classes[CLASS_COUNT] = {
    [CLASS_SYN] = {"tcp\",\"tcp_flags\":\"2\",", 62.0, 1.2},
    [CLASS_TCP] = {"tcp\",\"tcp_flags\":\"24\",", 1150.0, 22.0},
    [CLASS_UDP] = {"udp\",\"tcp_flags\":\"0\",", 480.0, 15.0},
    [CLASS_ICMP] = {"icmp\",\"tcp_flags\":\"0\",", 84.0, 1.0},
};

#define ICMP_CHANCE 0.15        /* of a termination-minute having a few pings */

/* Whole counters with the right mean: round up with the probability of
 * the fraction, so that small services still show their small traffic. */
static uint64_t dither(prng *p, double x)
{
    double whole = floor(x);

    return (uint64_t)whole + (prng_unit(p) < x - whole);
}

static void emit_line(gen *g, prng *p, const gen_term *t, const traffic_class *c, uint8_t fwd,
                      double packets)
{
    uint64_t pk = dither(p, packets), by, fl;

    if (pk == 0)
        return;         /* no packet, no aggregate */
    by = dither(p, (double)pk * c->packet_bytes * prng_uniform(p, 0.98, 1.02));
    fl = dither(p, packets / c->packets_per_flow);
    fl = fl < 1 ? 1 : fl > pk ? pk : fl;
    write_flow_line(g, t, c->proto_flags, fwd, pk, by, fl);
}

/* One class of traffic: the forwarded line, and a dropped one when some of
 * it was dropped. */
static void emit_class(gen *g, prng *p, const gen_term *t, const traffic_class *c, double packets,
                       const term_effect *e)
{
    emit_line(g, p, t, c, FWD_FORWARDED, packets * (1.0 - e->drop_share));
    if (e->drop_share > 0)
        emit_line(g, p, t, c, e->drop_code, packets * e->drop_share);
}

/* Sometimes a few packets meet an ACL even on a quiet day. */
static void background_drops(const gen_service *s, double u, double share, term_effect *e)
{
    double chance = profile_table[s->profile].bg_drop;

    if (e->drop_share > 0 || u >= chance)
        return;
    e->drop_share = share;
    e->drop_code = u < chance / 2 ? FWD_ACL_DENY : FWD_ACL_DROP;
}

/* The lines of one termination and minute. `natural` is what it would have
 * carried without the event: the base of a reconnection surge. */
static void write_term_minute(gen *g, gen_service *s, const gen_term *t, double bytes,
                              double natural, const term_effect *eff)
{
    prng *p = &s->rng;
    double jt = t->tcp_share * exp(0.05 * prng_normal(p));
    double ju = (1.0 - t->tcp_share) * exp(0.05 * prng_normal(p));
    double u_icmp = prng_unit(p), u_drop = prng_unit(p), bg_share = prng_uniform(p, 0.001, 0.01);
    /* the TCP/UDP mix wobbles, the total stays what the model said */
    double tcp = bytes * jt / (jt + ju), udp = bytes - tcp;
    double per_flow = classes[CLASS_TCP].packet_bytes * classes[CLASS_TCP].packets_per_flow;
    double syn_flows = (tcp + natural * t->tcp_share * eff->syn_extra) / per_flow * t->syn_ratio;
    double packets[CLASS_COUNT] = {
        [CLASS_SYN] = syn_flows * classes[CLASS_SYN].packets_per_flow,
        [CLASS_TCP] = tcp / classes[CLASS_TCP].packet_bytes,
        [CLASS_UDP] = udp / classes[CLASS_UDP].packet_bytes,
        [CLASS_ICMP] = u_icmp < ICMP_CHANCE ? 1.0 + 29.0 * u_icmp / ICMP_CHANCE : 0.0,
    };
    term_effect e = *eff;

    if (bytes < 1.0)
        return;
    background_drops(s, u_drop, bg_share, &e);
    for (int c = 0; c < CLASS_COUNT; c++)
        emit_class(g, p, t, &classes[c], packets[c], &e);
}

/* The service's first event that is not over by t0, or NULL. */
static gen_event *current_event(gen *g, gen_service *s, int64_t t0)
{
    while (s->ev_cursor < s->ev_count && g->ev[s->ev_first + s->ev_cursor].effect_end_us <= t0)
        s->ev_cursor++;
    return s->ev_cursor < s->ev_count ? &g->ev[s->ev_first + s->ev_cursor] : NULL;
}

static void service_minute(gen *g, gen_service *s, int64_t t0)
{
    gen_event *e = current_event(g, s, t0);
    int active = e && e->start_us < t0 + MINUTE_US;
    double base, bytes[MAX_TERMS], natural[MAX_TERMS];
    term_effect eff[MAX_TERMS];

    if (active && !e->pushed) {
        push_event_messages(g, s, e);
        e->pushed = 1;
    }
    churn(g, s, e, t0 + MINUTE_US);
    update_burst(s, t0);
    base = season(g, s, t0) * s->day_level * s->burst * (in_span(&s->dip, t0) ? s->dip_level : 1.0);
    for (int i = 0; i < s->n_term; i++) {
        natural[i] = bytes[i] = natural_bytes(s, &g->term[s->first_term + i], base);
        eff[i] = (term_effect){0};
    }
    if (active)
        apply_event(g, s, e, t0, bytes, eff);
    for (int i = 0; i < s->n_term; i++) {
        const gen_term *t = &g->term[s->first_term + i];
        const gen_pe *pe = &g->pe[t->pe];

        if (in_span(&pe->silent, t0))
            continue;
        g->hold_until_us = in_span(&pe->late, t0) ? t0 + pe->late_by_us : 0;
        write_term_minute(g, s, t, bytes[i], natural[i], &eff[i]);
    }
    g->hold_until_us = 0;
}

/* ---- the run ------------------------------------------------------------ */

static void new_day(gen *g)
{
    for (uint32_t si = 0; si < g->n_svc; si++) {
        gen_service *s = &g->svc[si];

        s->day_level = exp(profile_table[s->profile].day_sigma * prng_normal(&s->rng));
    }
}

static void start_background(gen *g)
{
    for (uint32_t si = 0; si < g->n_svc; si++) {
        gen_service *s = &g->svc[si];
        const profile_info *p = &profile_table[s->profile];

        s->next_churn_us =
            g->start_us + (int64_t)prng_exponential(&s->rng, 3600.0 * US / p->churn_per_hour);
        if (p->bursts_per_hour > 0)
            s->next_burst_us = g->start_us +
                               (int64_t)prng_exponential(&s->rng, 3600.0 * US / p->bursts_per_hour);
    }
}

static void drain(gen *g, int64_t before)
{
    while (g->heap.n && g->heap.m[0].us < before) {
        gen_msg m = pop_msg(&g->heap);

        write_msg(g, &m);
    }
}

static int outputs_failed(gen *g)
{
    if (g->flows.failed || g->bmp.failed || g->tele.failed)
        fail(g, g->cfg->out_dir, "write failed");
    return g->failed;
}

static int run_minutes(gen *g)
{
    int64_t minutes = (g->end_us - g->start_us) / MINUTE_US;

    start_background(g);
    push_initial(g);
    for (int64_t m = 0; m < minutes && !outputs_failed(g); m++) {
        int64_t t0 = g->start_us + m * MINUTE_US;

        if (m == 0 || day_of(t0) != day_of(t0 - MINUTE_US))
            new_day(g);
        release_held(g, t0);
        minute_text(g, t0);     /* the flow lines of this minute use it */
        for (uint32_t si = 0; si < g->n_svc; si++)
            service_minute(g, &g->svc[si], t0);
        drain(g, t0 + MINUTE_US);
    }
    drain(g, INT64_MAX);
    release_held(g, INT64_MAX);
    return outputs_failed(g) ? -1 : 0;
}

static int open_outputs(gen *g)
{
    if (out_open(g, &g->flows, "flows.json") < 0 || out_open(g, &g->bmp, "bmp.json") < 0 ||
        out_open(g, &g->tele, "telemetry.json") < 0)
        return -1;
    return 0;
}

static int close_outputs(gen *g)
{
    int bad = out_close(&g->flows);

    bad |= out_close(&g->bmp);
    bad |= out_close(&g->tele);
    if (bad)
        fail(g, g->cfg->out_dir, "write failed");
    return bad ? -1 : 0;
}

static void free_gen(gen *g)
{
    for (uint32_t k = 0; g->pe && k < g->n_pe; k++)
        free(g->pe[k].terms);
    free(g->pe);
    free(g->svc);
    free(g->term);
    free(g->ev);
    free(g->truth_order);
    free(g->plan_last);
    free(g->heap.m);
    free(g->held);
}

static int check_config(gen *g, const sdd_gen_config *cfg)
{
    if (!cfg->out_dir || !*cfg->out_dir)
        fail(g, "no output directory", NULL);
    else if (cfg->services < 1 || cfg->services > 1000000)
        fail(g, "services must be between 1 and 1000000", NULL);
    else if (cfg->days < 1 || cfg->days > 366)
        fail(g, "days must be between 1 and 366", NULL);
    else if (mkdir(cfg->out_dir, 0777) < 0 && errno != EEXIST)
        fail(g, cfg->out_dir, strerror(errno));
    return g->failed ? -1 : 0;
}

int sdd_gen_run(const sdd_gen_config *cfg, sdd_gen_stats *stats, sdd_error *err)
{
    sdd_gen_stats local;
    gen g = {.cfg = cfg, .err = err, .text_minute = INT64_MIN};
    int rc = -1;

    g.stats = stats ? stats : &local;
    memset(g.stats, 0, sizeof(*g.stats));
    if (check_config(&g, cfg) < 0)
        return -1;
    g.start_us = floor_div(cfg->start, 60) * 60 * US;
    g.end_us = g.start_us + (int64_t)cfg->days * DAY_S * US;
    g.holiday_day = pick_holiday(&g);
    build_curve(&g);
    prng_seed(&g.plan, prng_derive(cfg->seed, STREAM_PLAN));
    if (plan_network(&g) == 0 && plan_events(&g) == 0 && write_inventory(&g) == 0 &&
        write_truth(&g) == 0 && open_outputs(&g) == 0)
        rc = run_minutes(&g);
    if (close_outputs(&g) < 0)
        rc = -1;
    g.stats->routers = g.n_pe;
    free_gen(&g);
    return rc;
}
