/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plugin_shim.c: a custom output library for nfacctd's print plugin that
 * measures it: it forwards the seven calls to the library named by
 * $SDD_SHIM_LIB (sdd_pmacct.so), or does nothing with them when that is
 * empty (the trivial library of the comparison), counts print() calls, and
 * at the last purge (which pmacct runs in the print plugin process itself,
 * on SIGINT) writes to $SDD_SHIM_OUT the count, that process's CPU time in
 * all, and the CPU time of that purge alone (output_init to output_close:
 * pmacct's purge loop and every print()).
 * Compiled by bench/plugin with the pmacct tree's flags (sdd-cppflags). */
#include "pmacct.h"
#include "plugin_common.h"
#include "plugin_cmn_custom.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int plugin_init(const char *cfg_file);
EXPORT int plugin_destroy(void);
EXPORT int output_init(const char *file, int append);
EXPORT int print(u_int64_t wtc, u_int64_t wtc_2, u_int8_t flow_type, struct pkt_primitives *prim,
                 struct pkt_bgp_primitives *pbgp, struct pkt_nat_primitives *pnat,
                 struct pkt_mpls_primitives *pmpls, struct pkt_tunnel_primitives *ptun, u_char *pcust,
                 struct pkt_vlen_hdr_primitives *pvlen, pm_counter_t bytes, pm_counter_t packets,
                 pm_counter_t flows, u_int8_t tcp_flags, u_int8_t tunnel_tcp_flags, struct timeval *basetime,
                 struct pkt_stitching *stitch);
EXPORT int output_flush(void);
EXPORT int output_close(void);
EXPORT char *get_error_text(void);

static struct pm_custom_output real;
static int have_real;
static pid_t plugin_pid;
static unsigned long long printed;
static double purge_start;      /* CPU seconds at the last output_init */
static char error_text[256];

int plugin_init(const char *cfg_file)
{
    const char *lib = getenv("SDD_SHIM_LIB");

    plugin_pid = getpid();
    if (!lib || !*lib)
        return 0;
    real.lib_handle = dlopen(lib, RTLD_LAZY);
    if (!real.lib_handle) {
        snprintf(error_text, sizeof(error_text), "%s", dlerror());
        return -1;
    }
    real.plugin_init = dlsym(real.lib_handle, "plugin_init");
    real.output_init = dlsym(real.lib_handle, "output_init");
    real.print = dlsym(real.lib_handle, "print");
    real.output_flush = dlsym(real.lib_handle, "output_flush");
    real.output_close = dlsym(real.lib_handle, "output_close");
    real.get_error_text = dlsym(real.lib_handle, "get_error_text");
    have_real = 1;
    if (real.plugin_init(cfg_file) != 0) {
        snprintf(error_text, sizeof(error_text), "%s", real.get_error_text());
        return -1;
    }
    return 0;
}

int plugin_destroy(void)
{
    return 0;
}

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

int output_init(const char *file, int append)
{
    purge_start = cpu_seconds();
    return have_real ? real.output_init(file, append) : 0;
}

int print(u_int64_t wtc, u_int64_t wtc_2, u_int8_t flow_type, struct pkt_primitives *prim,
          struct pkt_bgp_primitives *pbgp, struct pkt_nat_primitives *pnat, struct pkt_mpls_primitives *pmpls,
          struct pkt_tunnel_primitives *ptun, u_char *pcust, struct pkt_vlen_hdr_primitives *pvlen,
          pm_counter_t bytes, pm_counter_t packets, pm_counter_t flows, u_int8_t tcp_flags,
          u_int8_t tunnel_tcp_flags, struct timeval *basetime, struct pkt_stitching *stitch)
{
    printed++;
    if (!have_real)
        return 0;
    return real.print(wtc, wtc_2, flow_type, prim, pbgp, pnat, pmpls, ptun, pcust, pvlen, bytes, packets, flows,
                      tcp_flags, tunnel_tcp_flags, basetime, stitch);
}

int output_flush(void)
{
    return have_real ? real.output_flush() : 0;
}

/* In the print plugin process this is the last purge: report. */
int output_close(void)
{
    int rc = have_real ? real.output_close() : 0;
    double now = cpu_seconds();
    const char *out = getenv("SDD_SHIM_OUT");
    FILE *f;

    if (getpid() != plugin_pid || !out || !(f = fopen(out, "w")))
        return rc;
    fprintf(f, "%llu %.6f %.6f\n", printed, now, now - purge_start);
    fclose(f);
    return rc;
}

char *get_error_text(void)
{
    return error_text;
}
