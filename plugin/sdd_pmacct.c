/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sdd_pmacct.c: adapts pmacct's custom print output to the engine: the seven
 * functions nfacctd's print plugin looks up in sdd_pmacct.so, and the
 * conversion of what print() gets into sdd_flow records.
 *
 * Compiled against a configured pmacct tree with its exact preprocessor flags
 * (tools/build-pmacct writes them to sdd-cppflags), since the layout of the
 * structs print() receives depends on them; pmacct's headers need -std=gnu11
 * (or c11 with _GNU_SOURCE) for the BSD integer types. One source serves 1.7.9
 * and master: the function pointer types are the same in both, and the one
 * difference used here, master's own vrf_name primitive, is told by
 * COUNT_INT_VRF_NAME. docs/plugin.md has the facts this relies on.
 *
 * plugin_init runs once in the print plugin process; the other functions run
 * in the writer process pmacct forks for each purge (and, for the last purge,
 * in the print plugin process itself). Writers only append to the hand-over
 * (handover.h); the engine process (engine.c) drains it. pmacct's callbacks carry no
 * context, so the state is in file-level variables, one set per process.
 */
#include "pmacct.h"
#include "plugin_common.h"
#include "plugin_cmn_custom.h"
#include "sdd_pmacct_names.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "handover.h"
#include "pmacct_layout.h"
#include "sdd_plugin.h"

#if !defined(COMPILE_ARGS) || !defined(PACKAGE_VERSION)
#error "compile with the flags of the pmacct tree (tools/build-pmacct's sdd-cppflags): COMPILE_ARGS or PACKAGE_VERSION is missing"
#endif

#if defined(COUNT_INT_VRF_NAME)
#define SDD_PMACCT_VRF_NAME_VLEN 1  /* master: vrf_name is pmacct's own, in the vlen area */
#else
#define SDD_PMACCT_VRF_NAME_VLEN 0  /* 1.7.x: vrf_name can only be a custom primitive */
#endif

/* The seven symbols must stay visible if the library is built with
 * -fvisibility=hidden. */
#define SDD_EXPORT __attribute__((visibility("default")))

SDD_EXPORT int plugin_init(const char *cfg_file);
SDD_EXPORT int plugin_destroy(void);
SDD_EXPORT int output_init(const char *file, int append);
SDD_EXPORT int print(u_int64_t wtc, u_int64_t wtc_2, u_int8_t flow_type,
                     struct pkt_primitives *prim, struct pkt_bgp_primitives *pbgp,
                     struct pkt_nat_primitives *pnat, struct pkt_mpls_primitives *pmpls,
                     struct pkt_tunnel_primitives *ptun, u_char *pcust,
                     struct pkt_vlen_hdr_primitives *pvlen, pm_counter_t bytes,
                     pm_counter_t packets, pm_counter_t flows, u_int8_t tcp_flags,
                     u_int8_t tunnel_tcp_flags, struct timeval *basetime,
                     struct pkt_stitching *stitch);
SDD_EXPORT int output_flush(void);
SDD_EXPORT int output_close(void);
SDD_EXPORT char *get_error_text(void);

/* pmacct calls these through struct pm_custom_output: filling one with them
 * makes any difference between our signatures and pmacct's a compile error
 * (with -Werror; incompatible pointer types are at least a warning). */
static const struct pm_custom_output signature_check __attribute__((unused)) = {
    .lib_handle = NULL,
    .plugin_init = plugin_init,
    .plugin_destroy = plugin_destroy,
    .output_init = output_init,
    .print = print,
    .output_flush = output_flush,
    .output_close = output_close,
    .get_error_text = get_error_text,
};

/* ---- state ------------------------------------------------------------------ */

enum { BATCH = 64 };            /* records appended to the hand-over at once */

static sdd_handover *handover;  /* made in plugin_init, inherited by writers */
static sdd_pmacct_layout layout;
static const sdd_custom_field *cp_vrf_id_ingress, *cp_vrf_id_egress, *cp_vrf_name;
static pid_t plugin_pid;        /* the print plugin process */
static char error_text[2048];

/* The writer of this process's current purge. */
static struct {
    sdd_handover_writer w;
    int open;
    int64_t purge_time;         /* the time of a record that carries none */
    sdd_flow batch[BATCH];
    size_t n;
    uint64_t printed;           /* aggregates of this purge */
} out;

static int set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof(error_text), fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- pmacct values into sdd_flow fields --------------------------------------- */

static void addr_of(const struct host_addr *a, sdd_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (a->family == AF_INET) {
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &a->address.ipv4, 4);
    } else if (a->family == AF_INET6) {
        memcpy(out->b, &a->address.ipv6, 16);
    }
}

/* pmacct keeps an RD's fields in host order, its type in the low 12 bits
 * (the top 4 say where it came from); sdd_rd is the 8 wire bytes read
 * big-endian. A "vrfid:" RD (pmacct's stand-in when it knows only the VRF
 * id) is not an RD: 0. */
static sdd_rd rd_of(const rd_t *rd)
{
    uint64_t type = rd->type & RD_TYPE_MASK;
    if (type == RD_TYPE_AS) {
        const struct rd_as *r = (const struct rd_as *)rd;
        return type << 48 | (uint64_t)r->as << 32 | r->val;
    }
    if (type == RD_TYPE_IP) {
        const struct rd_ip *r = (const struct rd_ip *)rd;
        return type << 48 | (uint64_t)ntohl(r->ip.s_addr) << 16 | r->val;
    }
    if (type == RD_TYPE_AS4) {
        const struct rd_as4 *r = (const struct rd_as4 *)rd;
        return type << 48 | (uint64_t)r->as << 16 | r->val;
    }
    return 0;
}

/* A vlen entry (pm_label_t header, then its bytes) tagged `type`; NULL if none. */
static const char *vlen_find(const struct pkt_vlen_hdr_primitives *pvlen, pm_cfgreg_t type,
                             size_t *len)
{
    if (!pvlen)
        return NULL;
    const char *p = (const char *)pvlen + sizeof(*pvlen), *end = p + pvlen->tot_len;
    for (unsigned i = 0; i < pvlen->num && p + sizeof(pm_label_t) <= end; i++) {
        pm_label_t label;
        memcpy(&label, p, sizeof(label));   /* packed, maybe unaligned */
        p += sizeof(label);
        if (label.type == type) {
            *len = label.len;
            return p;
        }
        p += label.len;
    }
    return NULL;
}

/* A custom u_int primitive: network-order bytes in pcust. */
static uint32_t custom_uint(const sdd_custom_field *f, const u_char *pcust)
{
    if (!f || f->vlen || f->semantics != SDD_SEM_UINT || f->len > 8)
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < f->len; i++)
        v = v << 8 | pcust[f->off + i];
    return (uint32_t)v;
}

/* Copies a string of at most len bytes, not always NUL-terminated. */
static void name_copy(char *dst, const char *src, size_t len)
{
    size_t n = strnlen(src, len < SDD_NAME_MAX - 1 ? len : SDD_NAME_MAX - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void vrf_name_of(const u_char *pcust, const struct pkt_vlen_hdr_primitives *pvlen,
                        char *dst)
{
    const char *s = NULL;
    size_t len = 0;
#if SDD_PMACCT_VRF_NAME_VLEN
    s = vlen_find(pvlen, COUNT_INT_VRF_NAME, &len);
#endif
    if (!s && cp_vrf_name && cp_vrf_name->vlen) {
        s = vlen_find(pvlen, cp_vrf_name->vlen_type, &len);
    } else if (!s && cp_vrf_name) {
        s = (const char *)pcust + cp_vrf_name->off;
        len = cp_vrf_name->len;
    }
    dst[0] = '\0';
    if (s)
        name_copy(dst, s, len);
}

/* print() gets no time bin (its basetime is always NULL): the flows' own
 * start if aggregated on timestamp_start, else their arrival if aggregated on
 * timestamp_arrival, else the earliest flow start of stitching, else the
 * purge's time. */
static int64_t time_of(const struct pkt_nat_primitives *pnat, const struct pkt_stitching *stitch)
{
    if (pnat->timestamp_start.tv_sec)
        return pnat->timestamp_start.tv_sec;
    if (pnat->timestamp_arrival.tv_sec)
        return pnat->timestamp_arrival.tv_sec;
    if (stitch && stitch->timestamp_min.tv_sec)
        return stitch->timestamp_min.tv_sec;
    return out.purge_time;
}

/* ---- the hand-over ------------------------------------------------------------- */

static void flush_batch(void)
{
    if (out.n)
        sdd_handover_append(&out.w, out.batch, out.n);  /* what does not fit is counted there */
    out.n = 0;
}

static void writer_open(void)
{
    if (!out.open)
        sdd_handover_writer_open(&out.w, handover);
    out.open = 1;
    out.n = 0;
    out.printed = 0;
    out.purge_time = (int64_t)time(NULL);
}

/* ---- the seven functions ---------------------------------------------------------- */

static void find_custom_fields(void)
{
    cp_vrf_id_ingress = sdd_layout_find(&layout, "vrf_id_ingress");
    cp_vrf_id_egress = sdd_layout_find(&layout, "vrf_id_egress");
    cp_vrf_name = sdd_layout_find(&layout, "vrf_name");
}

/* 1 when the string is in the file. */
static int file_has(const char *path, const char *needle)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
    if (fd < 0)
        return 0;
    void *p = fstat(fd, &st) == 0 && st.st_size > 0
                  ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (p != MAP_FAILED) {
        found = memmem(p, (size_t)st.st_size, needle, strlen(needle)) != NULL;
        munmap(p, (size_t)st.st_size);
    }
    return found;
}

/* The structs print() gets have the layout of the tree this library was
 * compiled against: loaded by any other nfacctd it would misread every
 * field. nfacctd carries its configure arguments as a string (for -V), and
 * tools/build-pmacct's name the build's own directory: the running binary
 * must contain this tree's. */
static int check_build(void)
{
    if (file_has("/proc/self/exe", COMPILE_ARGS))
        return 0;
    return set_error("sdd_pmacct.so was built against another nfacctd build: build it against the tree "
                     "of this one (tools/build-pmacct, configure --with-pmacct-src); it was built for pmacct %s "
                     "configured with%s", PACKAGE_VERSION, COMPILE_ARGS);
}

int plugin_init(const char *cfg_file)
{
    static const char *const builtin[] = {SDD_PMACCT_AGGREGATE_NAMES};
    sdd_plugin_settings settings;
    char err[sizeof(error_text) - 32];

    sdd_error why = {0};

    plugin_pid = getpid();
    if (check_build() < 0)
        return -1;
    if (sdd_plugin_settings_load(cfg_file, &settings, &why) < 0)
        return set_error("%s", why.msg);
    if (sdd_layout_load(&layout, settings.pmacct_config, settings.pmacct_plugin, builtin, err,
                        sizeof(err)) < 0)
        return set_error("%s", err);
    snprintf(settings.log_file, sizeof(settings.log_file), "%s", layout.log_file);
    find_custom_fields();
    /* Made now, before nfacctd forks any writer, so that all share it. */
    handover = sdd_handover_create(settings.handover);
    if (!handover)
        return set_error("cannot map the hand-over area: %s", strerror(errno));
    if (sdd_plugin_engine_start(&settings, handover, err, sizeof(err)) < 0)
        return set_error("%s", err);
    return 0;
}

/* pmacct resolves it but never calls it: the process ends with exit(). */
int plugin_destroy(void)
{
    return 0;
}

/* Called at the start of each purge; file is print_output_file, not used:
 * the records go to the engine, not to a file. */
int output_init(const char *file, int append)
{
    (void)file;
    (void)append;
    writer_open();
    return 0;
}

int print(u_int64_t wtc, u_int64_t wtc_2, u_int8_t flow_type,
          struct pkt_primitives *prim, struct pkt_bgp_primitives *pbgp,
          struct pkt_nat_primitives *pnat, struct pkt_mpls_primitives *pmpls,
          struct pkt_tunnel_primitives *ptun, u_char *pcust,
          struct pkt_vlen_hdr_primitives *pvlen, pm_counter_t bytes,
          pm_counter_t packets, pm_counter_t flows, u_int8_t tcp_flags,
          u_int8_t tunnel_tcp_flags, struct timeval *basetime,
          struct pkt_stitching *stitch)
{
    (void)wtc, (void)wtc_2, (void)flow_type, (void)pmpls, (void)ptun;
    (void)tunnel_tcp_flags, (void)basetime;
    if (!out.open)
        writer_open();          /* print_output_file unset: no output_init came */
    sdd_flow *f = &out.batch[out.n];
    memset(f, 0, sizeof(*f));
    f->time = time_of(pnat, stitch);
    addr_of(&pbgp->peer_src_ip, &f->router);
    f->rd = rd_of(&pbgp->mpls_vpn_rd);
    f->vrf_id_ingress = custom_uint(cp_vrf_id_ingress, pcust);
    f->vrf_id_egress = custom_uint(cp_vrf_id_egress, pcust);
    f->iface_in = prim->ifindex_in;
    f->iface_out = prim->ifindex_out;
    f->ip_proto = prim->proto;
    f->tcp_flags = tcp_flags;
    f->fwd_status = pnat->fwd_status;
    vrf_name_of(pcust, pvlen, f->vrf_name);
    f->packets = packets;
    f->bytes = bytes;
    f->flows = flows;
    out.printed++;
    if (++out.n == BATCH)
        flush_batch();
    return 0;
}

int output_flush(void)
{
    flush_batch();
    return 0;
}

/* The end of a purge. In a writer the process exits next; in the print
 * plugin process this was the last purge, and nfacctd exits once we return,
 * so the engine must first take all that is in the hand-over. */
int output_close(void)
{
    flush_batch();
    sdd_handover_writer_close(&out.w);
    out.open = 0;
    if (getpid() == plugin_pid)
        sdd_plugin_engine_finish(handover);
    else
        sdd_plugin_engine_check(out.printed);
    return 0;
}

char *get_error_text(void)
{
    return error_text;
}
