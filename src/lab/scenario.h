/* SPDX-License-Identifier: GPL-2.0-or-later */
/* scenario.h: the labelled scenario generator behind `sddctl gen`.
 *
 * It writes what pmacct would publish for a synthetic L3VPN network (flow
 * aggregates, BMP msglog, YANG-push interface state), the inventory of its
 * services, and the truth: which disruptions were injected where and when,
 * and whether an operator wants an alarm for each. `sddctl score` compares
 * the engine's notifications with that truth. */
#ifndef SDD_SCENARIO_H
#define SDD_SCENARIO_H

#include <stdint.h>

#include "sdd/sdd.h"

/* The kinds of event the generator injects. */
typedef enum sdd_gen_kind {
    SDD_GEN_PE_CE_LINK_DOWN,
    SDD_GEN_WITHDRAW_STORM,
    SDD_GEN_FWD_DROPS,
    SDD_GEN_INTERFACE_FLAP,
    SDD_GEN_CORE_FAILURE,
    SDD_GEN_MAINTENANCE,
    SDD_GEN_TRAFFIC_SHIFT,
    SDD_GEN_LINK_SATURATION,
    SDD_GEN_SITE_BLACKHOLE,     /* one site of several down to ~5 %, no BGP event */
    SDD_GEN_PARTIAL_DROPS,      /* a share of one site's flows dropped, of a multi-site VPN */
    SDD_GEN_RR_PEER_DOWN,       /* a global-instance peer (route reflector) down, its VPNv4 withdrawals */
    SDD_GEN_MAX_PREFIX,         /* a CE session torn down by the PE: Cease, maximum prefixes */
    /* collection troubles and history quirks: no customer disruption */
    SDD_GEN_EXPORTER_SILENT,    /* one router's flow export stops */
    SDD_GEN_LATE_DATA,          /* one router's flow records arrive minutes late */
    SDD_GEN_ZERO_BMP_TIMESTAMPS,/* one router's BMP per-peer times are 0, arrival times set */
    SDD_GEN_INITIAL_RIB_DUMP,   /* one router's BMP session starts again: peer ups, table dump */
    SDD_GEN_PAST_HOLIDAY,       /* the same hours one week earlier were a holiday of the service */
    SDD_GEN_KIND_COUNT
} sdd_gen_kind;

#define SDD_GEN_ALL_KINDS ((1u << SDD_GEN_KIND_COUNT) - 1)

/* The name used on the command line and in truth.json, or NULL. */
const char *sdd_gen_kind_name(int kind);
/* The kind with this name, or -1. */
int sdd_gen_kind_parse(const char *name);

/* 2026-01-05 00:00:00 UTC, a Monday: the default first minute. */
#define SDD_GEN_DEFAULT_START 1767571200

typedef struct sdd_gen_config {
    uint64_t seed;
    uint32_t services;          /* >= 1 */
    uint32_t days;              /* >= 1 */
    int64_t start;              /* epoch seconds, rounded down to the minute */
    uint32_t kinds;             /* bit (1 << kind) per kind to inject; 0 injects none */
    int gzip;                   /* compress flows, bmp and telemetry with zlib */
    int name_profiles;          /* the inventory names each service's traffic profile
                                 * (stable, bursty): a configuration must define them */
    const char *out_dir;        /* created if missing */
} sdd_gen_config;

/* What a run wrote, for the operator and for tests. */
typedef struct sdd_gen_stats {
    uint64_t flow_lines;
    uint64_t bmp_lines;
    uint64_t telemetry_lines;
    uint64_t truth_events;      /* event lines of truth.json */
    uint64_t unplaced;          /* events that found no free time and were left out */
    uint32_t routers;
} sdd_gen_stats;

/* Writes flows.json, bmp.json, telemetry.json (".gz" added with gzip),
 * inventory.json and truth.json into cfg->out_dir. Returns 0, or -1 with
 * err set. stats may be NULL. */
int sdd_gen_run(const sdd_gen_config *cfg, sdd_gen_stats *stats, sdd_error *err);

#endif
