/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl_gen.c: `sddctl gen`, the labelled scenario generator's command
 * line. Parses options and hands them to sdd_gen_run (src/scenario.c). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/scenario.h"

#include "sddctl.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: sddctl gen --seed N --services N --days N [--start EPOCH]\n"
            "                  [--scenario NAME[,NAME...] [NAME...]]... [--gzip] [--name-profiles] --out DIR\n"
            "  --name-profiles  the inventory names each service's traffic profile (stable, bursty),\n"
            "                   which the configuration must then define; without it: default\n"
            "scenarios (default all; \"none\" for background only):");
    for (int k = 0; k < SDD_GEN_KIND_COUNT; k++)
        fprintf(stderr, " %s", sdd_gen_kind_name(k));
    fputc('\n', stderr);
    return 2;
}

static int parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_u32(const char *text, uint32_t *out)
{
    uint64_t v;

    if (parse_u64(text, UINT32_MAX, &v) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Adds the kinds of a comma-separated list to *kinds; -1 on an unknown name. */
static int add_kinds(const char *list, uint32_t *kinds)
{
    char buf[512], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", list);
    for (char *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int k = sdd_gen_kind_parse(name);

        if (strcmp(name, "none") == 0)
            continue;
        if (k < 0) {
            fprintf(stderr, "sddctl gen: unknown scenario \"%s\"\n", name);
            return -1;
        }
        *kinds |= 1u << k;
    }
    return 0;
}

/* One option into cfg; *have collects the required ones (bits 1, 2, 4, 8). */
static int parse_option(int c, sdd_gen_config *cfg, int *have, int *named)
{
    uint64_t start;

    switch (c) {
    case 's': *have |= 1; return parse_u64(optarg, UINT64_MAX, &cfg->seed);
    case 'n': *have |= 2; return parse_u32(optarg, &cfg->services);
    case 'd': *have |= 4; return parse_u32(optarg, &cfg->days);
    case 'o': *have |= 8; cfg->out_dir = optarg; return 0;
    case 'k': *named = 1; return add_kinds(optarg, &cfg->kinds);
    case 'z': cfg->gzip = 1; return 0;
    case 'p': cfg->name_profiles = 1; return 0;
    case 't':
        if (parse_u64(optarg, INT64_MAX, &start) < 0)
            return -1;
        cfg->start = (int64_t)start;
        return 0;
    default: return -1;
    }
}

static void report(const sdd_gen_config *cfg, const sdd_gen_stats *st)
{
    fprintf(stderr,
            "sddctl gen: %u services on %u routers, %u days: %" PRIu64 " flow, %" PRIu64
            " bmp, %" PRIu64 " telemetry lines, %" PRIu64 " truth events (%" PRIu64
            " could not be placed) in %s\n",
            cfg->services, st->routers, cfg->days, st->flow_lines, st->bmp_lines,
            st->telemetry_lines, st->truth_events, st->unplaced, cfg->out_dir);
}

/* argv[0] is "gen". */
int sddctl_gen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},     {"services", required_argument, NULL, 'n'},
        {"days", required_argument, NULL, 'd'},     {"start", required_argument, NULL, 't'},
        {"scenario", required_argument, NULL, 'k'}, {"gzip", no_argument, NULL, 'z'},
        {"out", required_argument, NULL, 'o'},      {"name-profiles", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    sdd_gen_config cfg = {.start = SDD_GEN_DEFAULT_START};
    sdd_gen_stats st;
    sdd_error err;
    int c, have = 0, named = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h')
            return usage(), 0;
        if (parse_option(c, &cfg, &have, &named) < 0)
            return usage();
    }
    /* "--scenario a b" leaves b as an operand: more scenario names */
    for (; optind < argc; optind++)
        if (!named || add_kinds(argv[optind], &cfg.kinds) < 0)
            return usage();
    if (have != 15)
        return usage();
    if (!named)
        cfg.kinds = SDD_GEN_ALL_KINDS;
    if (sdd_gen_run(&cfg, &st, &err) < 0) {
        fprintf(stderr, "sddctl gen: %s\n", err.msg);
        return 1;
    }
    report(&cfg, &st);
    return 0;
}
