/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_engine.c: in-process ingest rate and detection cycle time.
 *
 * What the plugin would do: hand the engine flow aggregates already decoded
 * (no JSON), then close slots. Measures
 *   - flow aggregates per second into the per-service slots, in CPU time,
 *     one slot record by record (sdd_engine_add_flow), the next in batches
 *     of BATCH aggregates carrying handles resolved beforehand, as the
 *     plugin's caller would keep them (sdd_engine_add_flows), and so on,
 *   - the time of one detection cycle (one slot closed) over all services,
 *     each with its full baseline: history is filled first with as many
 *     weeks as the default profile compares (one service's slots written
 *     one by one, then copied to the others), at the level the flows below
 *     give a service,
 *   - history bytes per service,
 *   - two checkpoints in a row, then one after a termination was learned
 *     (the inventory's section written anew, as after every change in a
 *     running engine): the time to write state_file, its size, and
 *     the resident memory at its peak during each against the steady state
 *     before it (VmHWM after resetting it through /proc/self/clear_refs;
 *     history stays in memory here: its msync depends on the disk). With
 *     SLOTS above the state's rows (22 with the defaults) every row holds
 *     sums, as in a running engine.
 * Usage: bench_engine [SERVICES] [FLOWS_PER_SLOT] [SLOTS] [THREADS] [SITES]
 * (THREADS: detect_threads, 0 the machine's cores; default 1)
 * SITES (1 or 2, default 1): terminations per service, on two routers, the
 * flows of a service shared between them: with 2, every service keeps
 * per-site sums and levels (engine/sites.h), which the steady RSS shows
 * against a run with 1 (history bytes per service do not count them).
 * Wall-clock timing lives here, never in tests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_private.h"
#include "engine/metrics.h"
#include "sdd/sdd.h"

static double clock_of(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_of(CLOCK_MONOTONIC);
}

/* CPU time of the whole process, every thread's: on a machine others load,
 * the one figure of a cycle on one thread that does not depend on them. */
static double cpu(void)
{
    return clock_of(CLOCK_PROCESS_CPUTIME_ID);
}

/* A line "Name:   N kB" of /proc/self/status, in bytes. */
static long long status_bytes(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;

    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == ':')
            kb = atoll(line + strlen(name) + 1);
    if (f)
        fclose(f);
    return kb * 1024;
}

/* The peak resident size starts over from the current one (Linux 4.0). */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");

    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* One checkpoint, timed, with the memory it took above the steady state. */
static int checkpoint(sdd_engine *e, const char *state, int services, const char *which)
{
    struct stat st;
    sdd_error err;
    long long steady = status_bytes("VmRSS");

    reset_peak();
    double a = now(), a_cpu = cpu();
    if (sdd_engine_sync(e, &err) < 0 || stat(state, &st) < 0) {
        fprintf(stderr, "bench_engine: checkpoint: %s\n", err.msg);
        return -1;
    }
    double took = now() - a, took_cpu = cpu() - a_cpu;
    long long peak = status_bytes("VmHWM");
    printf("checkpoint %-17s %.3f s (CPU %.3f s), %lld bytes (%lld per service); RSS %lld MB steady, peak %+.1f %% "
           "during it\n", which, took, took_cpu, (long long)st.st_size, (long long)st.st_size / services,
           steady >> 20, 100.0 * (double)(peak - steady) / (double)steady);
    return 0;
}

/* One termination learned, as a running engine learns them: a BMP route
 * of the service of `rd` announced by a router it has never been seen on.
 * The inventory changed, so the next checkpoint writes its section anew. */
static int learn_termination(sdd_engine *e, sdd_rd rd, int64_t time)
{
    sdd_bmp_event ev = {.time = time, .type = SDD_BMP_UPDATE, .rd = rd, .reason = -1, .prefix = "203.0.113.0/24"};
    uint64_t version = sdd__inventory_version(e->inv);

    sdd_addr_parse("10.0.1.1", &ev.router);
    sdd_addr_parse("10.0.1.2", &ev.peer);
    sdd_engine_add_bmp(e, &ev);
    if (sdd__inventory_version(e->inv) != version)
        return 0;
    fprintf(stderr, "bench_engine: the route of a new router taught the inventory nothing\n");
    return -1;
}

/* What the memory target counts, at the end of the run: the
 * process's resident memory less the benchmark's own arrays (`own` bytes),
 * and the history and state files a daemon would keep, each per service
 * (history is in memory here: its bytes are in the RSS). */
static void memory_per_service(const char *state, int services, long long own, uint64_t history)
{
    long long rss = status_bytes("VmRSS") - own;
    struct stat st;

    if (stat(state, &st) < 0)
        st.st_size = 0;
    printf("memory per service           %.1f KiB resident (%lld MiB over %d services, the benchmark's own %lld MiB "
           "left out); files: history %" PRIu64 " bytes, state %lld bytes\n",
           (double)rss / services / 1024, rss >> 20, services, own >> 20, history,
           (long long)st.st_size / services);
}

/* The RD of a service's site: 0:64497:<service + 10000000 * site>. */
static uint64_t rd_of(int svc, int site)
{
    return ((uint64_t)64497 << 32) | (uint64_t)(svc + 10000000 * site);
}

/* The router of a service's site, one of 50. */
static void router_of(int svc, int site, char *addr, size_t size)
{
    snprintf(addr, size, "10.0.0.%d", (svc + 25 * site) % 50 + 1);
}

/* An inventory of `n` services, `sites` terminations each on one of 50 routers. */
static char *write_inventory(int n, int sites)
{
    char *path = strdup("/tmp/sdd-bench-inventory-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");

    fputs("{\"services\":[", f);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"vpn_id\":\"64497:%d\",\"terminations\":[", i ? "," : "", i);
        for (int k = 0; k < sites; k++) {
            char addr[32];
            router_of(i, k, addr, sizeof(addr));
            fprintf(f, "%s{\"router\":\"%s\",\"rd\":\"0:64497:%d\"}", k ? "," : "", addr, i + 10000000 * k);
        }
        fputs("]}", f);
    }
    fputs("]}", f);
    fclose(f);
    return path;
}

/* Every service's history holds the slots before `first`, as far back as
 * the store keeps them, each with the traffic of `flows` aggregates a slot
 * (2/3 TCP, 1/3 UDP, 1,500 bytes and one packet each). */
static int fill_history(sdd_engine *e, int64_t first, double flows)
{
    const sdd_history_shape *sh = &e->shape;
    int64_t from = first - sh->long_slots - (int64_t)sh->coarse_slots * sh->coarse_factor;
    double tcp = flows * 2 / 3, udp = flows / 3;
    double value[SDD_M_COUNT] = {
        [SDD_M_TCP_BYTES] = tcp * 1500, [SDD_M_UDP_BYTES] = udp * 1500, [SDD_M_TCP_FLOWS] = tcp,
        [SDD_M_UDP_FLOWS] = udp, [SDD_M_TCP_PACKETS] = tcp, [SDD_M_UDP_PACKETS] = udp,
        [SDD_M_TCP_SYN_FLOWS] = tcp / 7,
    };
    int32_t model = -1;

    for (int i = 0; i < sdd__inventory_count(e->inv); i++) {
        int32_t ent = sdd__history_entity(e->hist, sdd__inventory_service(e->inv, i)->vpn_id, NULL);
        if (ent < 0)
            return -1;
        if (model >= 0) {
            if (sdd__history_copy(e->hist, model, ent) < 0)
                return -1;
            continue;
        }
        model = ent;
        for (int64_t slot = from; slot < first; slot++)
            for (int m = 0; m < SDD_M_COUNT; m++)
                if (m < SDD_M_LONG_COUNT || (slot >= first - sh->short_slots && value[m] > 0))
                    sdd__history_set(e->hist, ent, m >= SDD_M_LONG_COUNT, (uint16_t)(m < SDD_M_LONG_COUNT ? m : m - SDD_M_LONG_COUNT),
                                     slot, value[m]);
    }
    return 0;
}

typedef struct result {
    const char *name;
    uint64_t value;
} result;

/* The aggregates of one slot, in batches of handles (one per service: the
 * flows of a service share their key here). */
#define BATCH 256

static void add_batched(sdd_engine *e, const sdd_flow *flows, const sdd_flow_handle *handle, int services,
                        int per_slot)
{
    sdd_flow_agg a[BATCH];
    int n = 0;

    for (int i = 0; i < per_slot; i++) {
        a[n].time = flows[i].time;
        a[n].packets = flows[i].packets;
        a[n].bytes = flows[i].bytes;
        a[n].flows = flows[i].flows;
        a[n].ip_proto = flows[i].ip_proto;
        a[n].tcp_flags = flows[i].tcp_flags;
        a[n].fwd_status = flows[i].fwd_status;
        a[n].handle = handle[(uint64_t)i * 2654435761u % (uint64_t)services];
        if (++n == BATCH || i == per_slot - 1) {
            sdd_engine_add_flows(e, a, (size_t)n);
            n = 0;
        }
    }
}

static void keep(void *ctx, const char *name, uint64_t value)
{
    result *r = ctx;
    if (strcmp(name, r->name) == 0)
        r->value = value;
}

int main(int argc, char **argv)
{
    int services = argc > 1 ? atoi(argv[1]) : 100000;
    int per_slot = argc > 2 ? atoi(argv[2]) : 1000000;
    int slots = argc > 3 ? atoi(argv[3]) : 5;
    const char *threads = argc > 4 ? argv[4] : "1";
    int sites = argc > 5 && atoi(argv[5]) == 2 ? 2 : 1;
    char max[16];
    sdd_config *cfg = sdd_config_new();
    sdd_error err;
    char *inv = write_inventory(services, sites);
    char state[64] = "/tmp/sdd-bench-state-XXXXXX";
    sdd_flow *flows = calloc((size_t)per_slot, sizeof(*flows));
    const int64_t t0 = 1767225600;  /* 2026-01-01 */
    sdd_flow_handle *handle = calloc((size_t)services, sizeof(*handle));
    double ingest[2] = {0, 0}, cycle = 0, cycle_cpu = 0;
    int ingest_slots[2] = {0, 0};

    sdd_config_set(cfg, "data_delay", NULL, "0", &err);
    snprintf(max, sizeof(max), "%d", services);
    if (sdd_config_set(cfg, "max_services", NULL, max, &err) < 0 ||
        sdd_config_set(cfg, "detect_threads", NULL, threads, &err) < 0) {
        fprintf(stderr, "bench_engine: %s\n", err.msg);
        return 1;
    }
    sdd_config_set(cfg, "inventory_file", NULL, inv, &err);
    close(mkstemp(state));
    unlink(state);                  /* a first start: the engine must not read it */
    sdd_config_set(cfg, "state_file", NULL, state, &err);
    sdd_engine *e = sdd_engine_new(cfg, &err);
    if (!e || !flows || !handle) {
        fprintf(stderr, "bench_engine: %s\n", e ? "out of memory" : err.msg);
        return 1;
    }
    double f = now();
    if (fill_history(e, t0 / 60, (double)per_slot / services) < 0) {
        fprintf(stderr, "bench_engine: cannot fill history\n");
        return 1;
    }
    double filled = now() - f;
    for (int i = 0; i < per_slot; i++) {
        int svc = (int)((uint64_t)i * 2654435761u % (uint64_t)services), site = sites > 1 ? (i >> 1) & 1 : 0;
        char addr[32];
        router_of(svc, site, addr, sizeof(addr));
        sdd_addr_parse(addr, &flows[i].router);
        flows[i].rd = rd_of(svc, site);
        flows[i].ip_proto = i % 3 ? 6 : 17;
        flows[i].tcp_flags = i % 7 ? 0x18 : 0x02;
        flows[i].bytes = 1500;
        flows[i].packets = 1;
        flows[i].flows = 1;
        if (i < services && sdd_engine_flow_handle(e, &flows[i], &handle[svc], &err) < 0) {
            fprintf(stderr, "bench_engine: %s\n", err.msg);
            return 1;
        }
    }
    for (int s = 0; s < slots; s++) {
        int batched = s % 2 == 0;
        double a_cpu = cpu();
        for (int i = 0; i < per_slot; i++)
            flows[i].time = t0 + s * 60 + i % 60;
        if (batched)
            add_batched(e, flows, handle, services, per_slot);
        else
            for (int i = 0; i < per_slot; i++)
                sdd_engine_add_flow(e, &flows[i]);
        double b = now(), b_cpu = cpu();
        /* a record of the next slot from each of the 50 routers (the
         * engine's time is the oldest of theirs) closes this one: detection
         * runs. Each router's own: flows[0..49] need not cover them all. */
        for (int r = 0; r < 50 && r < per_slot; r++) {
            sdd_flow next = flows[r];
            char addr[32];
            router_of(r, 0, addr, sizeof(addr));   /* router r + 1 */
            sdd_addr_parse(addr, &next.router);
            next.time = t0 + (s + 1) * 60;
            sdd_engine_add_flow(e, &next);
        }
        double c = now(), c_cpu = cpu();
        if (s > 0) {        /* the first slot is not judged (partial) */
            ingest[batched] += b_cpu - a_cpu;
            ingest_slots[batched]++;
            cycle += c - b;
            cycle_cpu += c_cpu - b_cpu;
        }
    }
    result bytes = {"history_bytes_per_service", 0};
    sdd_engine_counters(e, keep, &bytes);
    printf("services                     %d, %d site%s each\n", services, sites, sites > 1 ? "s" : "");
    printf("flow aggregates per slot     %d\n", per_slot);
    printf("detect_threads               %s\n", threads);
    for (int batched = 0; batched < 2; batched++)
        if (ingest_slots[batched])
            printf("ingest %-21s %.2f million flows/s of CPU, %.0f ns a flow\n",
                   batched ? "in batches" : "record by record",
                   (double)per_slot * ingest_slots[batched] / ingest[batched] / 1e6,
                   ingest[batched] * 1e9 / ((double)per_slot * ingest_slots[batched]));
    printf("history filled               %.1f s (%" PRId64 " slots a service)\n", filled,
           (int64_t)e->shape.long_slots + (int64_t)e->shape.coarse_slots * e->shape.coarse_factor);
    printf("detection cycle              %.3f s for %d services (wall clock), %.3f s of CPU\n",
           cycle / (slots - 1), services, cycle_cpu / (slots - 1));
    printf("history bytes per service    %" PRIu64 "\n", bytes.value);
    if (checkpoint(e, state, services, "(state_file)") < 0 || checkpoint(e, state, services, "again") < 0 ||
        learn_termination(e, flows[0].rd, t0 + slots * 60) < 0 ||
        checkpoint(e, state, services, "after learning") < 0)
        return 1;
    memory_per_service(state, services, (long long)per_slot * sizeof(*flows) + (long long)services * sizeof(*handle),
                       bytes.value);
    sdd_engine_free(e);
    sdd_config_free(cfg);
    unlink(inv);
    unlink(state);
    strcat(state, ".prev");
    unlink(state);
    free(inv);
    free(flows);
    free(handle);
    return 0;
}
