/* sdd.h: the public API of libsdd, the pmacct-sdd detection engine.
 *
 * An engine takes pmacct's records (flow aggregates, BMP route events,
 * interface state changes), sorts them into per-service time slots by their
 * own timestamps, and reports relevant-state notifications through a callback.
 * Handles are opaque; whoever calls *_new owns the result and frees it with
 * the matching *_free. Nothing here keeps global state, so several engines
 * can live in one process (not shared between threads without a lock).
 */
#ifndef SDD_SDD_H
#define SDD_SDD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SDD_VERSION "0.1.0"

/* Why a call failed, in words an operator can act on. */
typedef struct sdd_error {
    char msg[512];
} sdd_error;

/* ---- addresses and route distinguishers ------------------------------- */

/* An IPv6 address, or an IPv4 one mapped into ::ffff:0:0/96. */
typedef struct sdd_addr {
    uint8_t b[16];
} sdd_addr;

int sdd_addr_parse(const char *text, sdd_addr *out);    /* 0, or -1 if not an address */
void sdd_addr_format(const sdd_addr *a, char *buf, size_t len);
int sdd_addr_is_zero(const sdd_addr *a);

/* A route distinguisher: its 8 bytes as on the wire, read big-endian.
 * 0 means "none" (type 0, all zero, is not a usable RD). */
typedef uint64_t sdd_rd;

/* Accepts pmacct's text forms "0:64496:1846330021", "1:192.0.2.1:7",
 * "2:4226809946:12". Returns 0, or -1 when the text is not one of them. */
int sdd_rd_parse(const char *text, sdd_rd *out);
void sdd_rd_format(sdd_rd rd, char *buf, size_t len);   /* buf of SDD_RD_TEXT_MAX */
#define SDD_RD_TEXT_MAX 32

/* ---- records ---------------------------------------------------------- */

#define SDD_NAME_MAX 64      /* VRF, interface and host names, with the NUL */

/* TCP flag bits as in the TCP header. */
enum {
    SDD_TCP_FIN = 0x01, SDD_TCP_SYN = 0x02, SDD_TCP_RST = 0x04,
    SDD_TCP_PSH = 0x08, SDD_TCP_ACK = 0x10, SDD_TCP_URG = 0x20
};

/* One flow aggregate as pmacct publishes it, reduced to what detection uses. */
typedef struct sdd_flow {
    int64_t time;               /* event time, seconds since the epoch */
    sdd_addr router;            /* exporter (peer_ip_src) */
    sdd_rd rd;                  /* mpls_vpn_rd; 0 when absent */
    uint32_t vrf_id_ingress;
    uint32_t vrf_id_egress;
    uint32_t iface_in;
    uint32_t iface_out;
    uint8_t ip_proto;           /* IANA protocol number */
    uint8_t tcp_flags;          /* SDD_TCP_* */
    uint8_t fwd_status;         /* IPFIX IE 89 (RFC 7270): status << 6 | reason; 0 unknown */
    char vrf_name[SDD_NAME_MAX];
    uint64_t packets;
    uint64_t bytes;
    uint64_t flows;             /* pmacct's "flows" counter; 0 read as 1 flow */
} sdd_flow;

typedef enum sdd_bmp_type {
    SDD_BMP_PEER_UP = 1,
    SDD_BMP_PEER_DOWN,
    SDD_BMP_UPDATE,
    SDD_BMP_WITHDRAW
} sdd_bmp_type;

#define SDD_RT_MAX 8            /* route targets kept per route */
#define SDD_RT_TEXT_MAX 32      /* "64497:4438", "192.0.2.1:7" */

/* BMP peer types (RFC 7854, RFC 9069). */
enum { SDD_PEER_GLOBAL = 0, SDD_PEER_RD_INSTANCE = 1, SDD_PEER_LOCAL = 2, SDD_PEER_LOC_RIB = 3 };

/* One BMP event from pmacct's msglog. */
typedef struct sdd_bmp_event {
    int64_t time;               /* event time, seconds since the epoch */
    sdd_bmp_type type;
    sdd_addr router;            /* bmp_router */
    sdd_addr peer;              /* peer_ip */
    uint8_t peer_type;          /* SDD_PEER_* */
    sdd_rd rd;                  /* of the peer (peer_up/down) or of the route; 0 when absent */
    int reason;                 /* peer_down reason_type; -1 for other types */
    char prefix[48];            /* ip_prefix of a route; "" otherwise */
    sdd_addr nexthop;           /* bgp_nexthop of an update; zero otherwise */
    uint8_t n_rt;
    char rt[SDD_RT_MAX][SDD_RT_TEXT_MAX];   /* route targets of ecomms, without "RT:" */
} sdd_bmp_event;

/* An interface operational state change (YANG push through pmtelemetryd). */
typedef struct sdd_iface_event {
    int64_t time;               /* event time, seconds since the epoch */
    sdd_addr router;            /* telemetry_node */
    char ifname[SDD_NAME_MAX];
    int oper_up;                /* 1 up, 0 down (any state but "up") */
} sdd_iface_event;

/* The kinds of line an engine reads (pmacct JSON, one record a line). */
typedef enum sdd_input_kind {
    SDD_INPUT_FLOW,
    SDD_INPUT_BMP,
    SDD_INPUT_TELEMETRY
} sdd_input_kind;

#ifdef __cplusplus
}
#endif

#endif
