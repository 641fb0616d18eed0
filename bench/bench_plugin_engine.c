/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_plugin_engine.c: the plugin's engine path outside pmacct: what the
 * engine process does with the aggregates nfacctd's writers hand over.
 *
 * A writer process appends N decoded aggregates (sdd_flow) to the hand-over
 * in batches of 64, as sdd_pmacct.c's print() does; this process drains
 * them and gives them to an engine with an inventory of S services in
 * batches of handles (sdd__flow_batch_add), as plugin/engine.c's feed does
 * (with "records", one by one through sdd_engine_add_flow, as it did before
 * the batch API: the figure to compare with, in the same run). Unlike print(),
 * the writer here waits when the hand-over is full, so that the engine side
 * is the bottleneck: what is measured is how many it takes. Prints the
 * aggregates per second of this process's CPU time (one core) and per
 * wall-clock second.
 * Usage: bench_plugin_engine [AGGREGATES] [SERVICES] [records]
 * Built and run by bench/plugin. Wall-clock timing lives here, never in tests. */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/flow_batch.h"
#include "handover.h"
#include "sdd/sdd.h"

#define BATCH 64
#define DRAIN 4096

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static char *write_inventory(int n)
{
    char *path = strdup("/tmp/sdd-bench-plugin-inventory-XXXXXX");
    FILE *f = fdopen(mkstemp(path), "w");

    fputs("{\"services\":[", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s{\"vpn_id\":\"64497:%d\",\"terminations\":[{\"router\":\"10.0.0.%d\",\"rd\":\"0:64497:%d\"}]}",
                i ? "," : "", i, i % 50 + 1, i);
    fputs("]}", f);
    fclose(f);
    return path;
}

/* Aggregate i: service i % services, on its router, within one minute. */
static void make_flow(sdd_flow *f, long i, int services, int64_t t0)
{
    int s = (int)(i % services);

    memset(f, 0, sizeof(*f));
    f->time = t0 + i % 60;
    f->router.b[10] = f->router.b[11] = 0xff;
    f->router.b[12] = 10, f->router.b[15] = (uint8_t)(s % 50 + 1);
    f->rd = (uint64_t)64497 << 32 | (uint64_t)s;
    f->iface_in = (uint32_t)(i % 7 + 1);
    f->ip_proto = i % 3 ? 6 : 17;
    f->tcp_flags = 0x10;
    f->packets = 10, f->bytes = 12000, f->flows = 1;
}

/* Appends what fits without counting the rest as dropped. */
static size_t sdd_handover_append_some(sdd_handover_writer *w, const sdd_flow *recs, size_t n)
{
    size_t room = sdd_handover_room(w);
    return sdd_handover_append(w, recs, n < room ? n : room);
}

static void writer(sdd_handover *h, long n, int services)
{
    sdd_handover_writer w;
    sdd_flow batch[BATCH];

    sdd_handover_writer_open(&w, h);
    for (long i = 0; i < n; i += BATCH) {
        int k = 0;
        for (; k < BATCH && i + k < n; k++)
            make_flow(&batch[k], i + k, services, 1767225600);
        for (size_t put = 0; put < (size_t)k; sched_yield())
            put += sdd_handover_append_some(&w, batch + put, (size_t)k - put);
    }
    sdd_handover_writer_close(&w);
    _exit(0);
}

static sdd_engine *make_engine(int services)
{
    sdd_config *cfg = sdd_config_new();
    char *inv = write_inventory(services);
    sdd_error err;

    if (sdd_config_set(cfg, "inventory_file", NULL, inv, &err) < 0 ||
        sdd_config_set(cfg, "data_delay", NULL, "600", &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    sdd_engine *e = sdd_engine_new(cfg, &err);
    if (!e) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    unlink(inv);
    free(inv);
    sdd_config_free(cfg);
    return e;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    int services = argc > 2 ? atoi(argv[2]) : 10000;
    int by_record = argc > 3 && strcmp(argv[3], "records") == 0;
    sdd_engine *e = make_engine(services);
    sdd_handover *h = sdd_handover_create((sdd_handover_size){.slots = 16, .slot_records = (size_t)1 << 15});
    static sdd_flow buf[DRAIN];
    static sdd__flow_batch batch;
    sdd_handover_stats st;

    double c0 = cpu(), w0 = wall();
    pid_t pid = fork();
    if (pid == 0)
        writer(h, n, services);
    int done = 0;
    for (;;) {
        sdd_handover_wait_reset(h);
        size_t got = sdd_handover_drain(h, buf, DRAIN);
        if (by_record)
            for (size_t i = 0; i < got; i++)
                sdd_engine_add_flow(e, &buf[i]);
        else
            sdd__flow_batch_add(&batch, e, buf, got);
        if (got)
            continue;
        if (done)
            break;
        done = waitpid(pid, NULL, WNOHANG) == pid;  /* one more drain after it ended */
        /* waits as plugin/engine.c's loop does: the engine side now drains
         * faster than the writer appends, and spinning here would be counted */
        struct pollfd pfd = {sdd_handover_fd(h), POLLIN, 0};
        if (!done)
            poll(&pfd, 1, 10);
    }
    double c = cpu() - c0, w = wall() - w0;
    sdd_handover_stats_get(h, &st);
    printf("engine path%s: %llu aggregates taken, %d services\n", by_record ? " by record" : "",
           (unsigned long long)st.received, services);
    printf("engine path%s: %.2f s CPU (this process), %.2f s wall: %.2f million aggregates per CPU second, "
           "%.2f million per wall second\n",
           by_record ? " by record" : "", c, w, (double)st.received / c / 1e6, (double)st.received / w / 1e6);
    sdd__flow_batch_free(&batch);
    sdd_engine_free(e);
    sdd_handover_destroy(h);
    return 0;
}
