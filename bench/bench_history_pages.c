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
 *
 * Then a restart from a cold file: every service's long and short rings
 * are full (given before the minutes, copied from the first service), the
 * engine is closed, the file's pages are dropped from the page cache, and
 * a new engine opens the file and closes one minute: the time of that
 * open and first detection cycle, all of it reading the file from disk.
 * Usage: bench_history_pages [SERVICES] [WARM] [MINUTES] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_private.h"
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

/* Every slot the long and short rings hold, of every series, given a
 * value in the first service's history and copied to the others. */
static void fill_rings(sdd_engine *e)
{
    int64_t newest = sdd__history_newest(e->hist, 0);
    const sdd_history_shape *sh = &e->shape;

    for (int tier = 0; tier < 2; tier++)
        for (uint16_t s = 0; s < (tier ? sh->short_series : sh->long_series); s++)
            for (int64_t slot = newest - (tier ? sh->short_slots : sh->long_slots) + 1; slot <= newest; slot++)
                sdd__history_set(e->hist, 0, tier, s, slot, (double)(slot % 1000 + s));
    for (uint32_t i = 1; i < sdd__history_count(e->hist); i++)
        sdd__history_copy(e->hist, 0, (int32_t)i);
}

/* Syncs history, then closes minute m: the pages it dirtied per service,
 * or -1 when the sync fails. */
static double dirtied(sdd_engine *e, const char *hist, int services, int m, long *before)
{
    sdd_error err;

    if (sdd_engine_sync(e, &err) < 0) {
        fprintf(stderr, "bench_history_pages: %s\n", err.msg);
        return -1;
    }
    *before = dirty_kb(hist);
    minute(e, services, m);
    return (double)(dirty_kb(hist) - *before) / 4 / services;
}

static double seconds(clockid_t clock)
{
    struct timespec t;

    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Closes the engine, drops the history file from the page cache, and
 * times a new engine's open and first minute; NULL on failure. */
static sdd_engine *restart_cold(sdd_engine *e, const sdd_config *cfg, const char *hist, int services, int m)
{
    double wall, cpu;
    sdd_error err;
    int fd;

    sdd_engine_free(e);
    fd = open(hist, O_RDONLY);
    if (fd < 0 || fdatasync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        return NULL;
    close(fd);
    wall = seconds(CLOCK_MONOTONIC);
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    e = sdd_engine_new(cfg, &err);
    if (!e) {
        fprintf(stderr, "bench_history_pages: %s\n", err.msg);
        return NULL;
    }
    minute(e, services, m);
    printf("restart from a cold file: open and first minute %.2f s (CPU %.2f s)\n",
           seconds(CLOCK_MONOTONIC) - wall, seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu);
    return e;
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
    fill_rings(e);
    printf("services %d, %d minutes before, pages of 4 KiB dirtied per service by one minute:\n", services, warm);
    for (int m = warm; m < warm + minutes; m++) {
        long before;
        double pages = dirtied(e, hist, services, m, &before);
        if (pages < 0)
            return 1;
        printf("  minute %d: %.2f (the mapping's dirty bytes after the sync: %ld KiB)\n", m, pages, before);
        sum += pages;
    }
    printf("mean: %.2f pages (%.1f KiB) per service per minute\n", sum / minutes, 4 * sum / minutes);
    e = restart_cold(e, cfg, hist, services, warm + minutes);
    if (!e)
        return 1;
    long before;
    double pages = dirtied(e, hist, services, warm + minutes + 1, &before);
    if (pages < 0)
        return 1;
    printf("the minute after it: %.2f pages per service\n", pages);
    sdd_engine_free(e);
    sdd_config_free(cfg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    free(inv);
    return system(cmd) == 0 ? 0 : 1;
}
