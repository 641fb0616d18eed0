/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_history_pages.c: how many pages of the history file a minute of new
 * data dirties per service, which is what each msync writes to the disk.
 *
 * An engine with SERVICES services and a history_file (in a new directory
 * under /tmp) takes flow aggregates for WARM minutes, every service having
 * traffic every minute, so that each closed slot writes the service's 41
 * values. Then, for MINUTES more minutes, one at a time: history is synced
 * (msync: the mapping's pages are clean again), one minute is read and its
 * slot closed, and the dirty bytes of the mapping of the history file are
 * read from /proc/self/smaps (Shared_Dirty + Private_Dirty). Prints pages
 * per service per minute, their mean over the minutes.
 * Usage: bench_history_pages [SERVICES] [WARM] [MINUTES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdd/sdd.h"

#define T0 1767225600               /* 2026-01-01 */
#define ROUTERS 50

/* The dirty kB of the mapping of `path` in this process. */
static long dirty_kb(const char *path)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[4096];
    unsigned long from, to;
    long kb = 0;
    int in = 0;

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%lx-%lx", &from, &to) == 2)     /* a mapping's first line; its fields follow */
            in = strstr(line, path) != NULL;
        if (in && (strncmp(line, "Shared_Dirty:", 13) == 0 || strncmp(line, "Private_Dirty:", 14) == 0))
            kb += atol(strchr(line, ':') + 1);
    }
    if (f)
        fclose(f);
    return kb;
}

static char *write_inventory(const char *dir, int n)
{
    char *path = malloc(256);
    FILE *f;

    snprintf(path, 256, "%s/inventory.json", dir);
    f = fopen(path, "w");
    fputs("{\"services\":[", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s{\"vpn_id\":\"64497:%d\",\"terminations\":[{\"router\":\"10.0.0.%d\",\"rd\":\"0:64497:%d\"}]}",
                i ? "," : "", i, i % ROUTERS + 1, i);
    fputs("]}", f);
    fclose(f);
    return path;
}

/* Ten aggregates a service in minute m, then one of minute m + 1 from each
 * router, which closes minute m. */
static void minute(sdd_engine *e, int services, int m)
{
    sdd_flow fl;
    char addr[32];

    memset(&fl, 0, sizeof(fl));
    for (int k = 0; k < 10; k++)
        for (int i = 0; i < services; i++) {
            snprintf(addr, sizeof(addr), "10.0.0.%d", i % ROUTERS + 1);
            sdd_addr_parse(addr, &fl.router);
            fl.rd = ((uint64_t)64497 << 32) | (uint64_t)i;
            fl.time = T0 + m * 60 + k * 6;
            fl.ip_proto = k % 3 ? 6 : 17;
            fl.tcp_flags = k % 7 ? 0x18 : 0x02;
            fl.bytes = 1500;
            fl.packets = fl.flows = 1;
            sdd_engine_add_flow(e, &fl);
        }
    for (int r = 0; r < ROUTERS && r < services; r++) {
        snprintf(addr, sizeof(addr), "10.0.0.%d", r + 1);
        sdd_addr_parse(addr, &fl.router);
        fl.rd = ((uint64_t)64497 << 32) | (uint64_t)r;
        fl.time = T0 + (m + 1) * 60;
        sdd_engine_add_flow(e, &fl);
    }
}

int main(int argc, char **argv)
{
    int services = argc > 1 ? atoi(argv[1]) : 10000;
    int warm = argc > 2 ? atoi(argv[2]) : 30;
    int minutes = argc > 3 ? atoi(argv[3]) : 10;
    char dir[] = "/tmp/sdd-bench-pages-XXXXXX", hist[256], max[16], cmd[300];
    sdd_config *cfg = sdd_config_new();
    sdd_error err;
    double sum = 0;

    if (!mkdtemp(dir))
        return 1;
    snprintf(hist, sizeof(hist), "%s/history.db", dir);
    snprintf(max, sizeof(max), "%d", services);
    char *inv = write_inventory(dir, services);
    sdd_config_set(cfg, "data_delay", NULL, "0", &err);
    sdd_config_set(cfg, "inventory_file", NULL, inv, &err);
    sdd_config_set(cfg, "history_file", NULL, hist, &err);
    sdd_config_set(cfg, "max_services", NULL, max, &err);
    sdd_engine *e = sdd_engine_new(cfg, &err);
    if (!e) {
        fprintf(stderr, "bench_history_pages: %s\n", err.msg);
        return 1;
    }
    for (int m = 0; m < warm; m++)
        minute(e, services, m);
    printf("services %d, %d minutes before, pages of 4 KiB dirtied per service by one minute:\n", services, warm);
    for (int m = warm; m < warm + minutes; m++) {
        if (sdd_engine_sync(e, &err) < 0) {
            fprintf(stderr, "bench_history_pages: %s\n", err.msg);
            return 1;
        }
        long before = dirty_kb(hist);
        minute(e, services, m);
        double pages = (double)(dirty_kb(hist) - before) / 4 / services;
        printf("  minute %d: %.2f (the mapping's dirty bytes after the sync: %ld KiB)\n", m, pages, before);
        sum += pages;
    }
    printf("mean: %.2f pages (%.1f KiB) per service per minute\n", sum / minutes, 4 * sum / minutes);
    sdd_engine_free(e);
    sdd_config_free(cfg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    free(inv);
    return system(cmd) == 0 ? 0 : 1;
}
