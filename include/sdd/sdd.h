/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#include "sdd/version.h"

/* What the library exports: the declarations of this header, nothing else. */
#if defined(__GNUC__)
#define SDD_EXPORT __attribute__((visibility("default")))
#else
#define SDD_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif


/* What kind of failure a call had: a program acts on the code, an operator
 * reads the message. */
typedef enum sdd_code {
    SDD_OK = 0,
    SDD_E_ARG,          /* an argument the call cannot take: NULL, an enum out of range */
    SDD_E_NOMEM,        /* out of memory */
    SDD_E_CONFIG,       /* a configuration key or value refused */
    SDD_E_IO,           /* a file could not be opened, read or written */
    SDD_E_DATA,         /* a file's content is not what it must be (inventory, state, history) */
    SDD_E_SERVICE       /* a remote service failed: a broker, a schema registry */
} sdd_code;

/* Why a call failed. Every function that takes an sdd_error * accepts NULL
 * there (the reason is then not kept) and fills it only when it fails. */
typedef struct sdd_error {
    sdd_code code;
    char msg[512];      /* in words an operator can act on: file, line, reason */
} sdd_error;

/* A constant text for a code ("out of memory"); "unknown error" for a value
 * that is no sdd_code. */
SDD_EXPORT const char *sdd_strerror(sdd_code code);

/* ---- addresses and route distinguishers ------------------------------- */

/* An IPv6 address, or an IPv4 one mapped into ::ffff:0:0/96. */
typedef struct sdd_addr {
    uint8_t b[16];
} sdd_addr;

SDD_EXPORT int sdd_addr_parse(const char *text, sdd_addr *out);    /* 0, or -1 if not an address */
SDD_EXPORT void sdd_addr_format(const sdd_addr *a, char *buf, size_t len);
SDD_EXPORT int sdd_addr_is_zero(const sdd_addr *a);

/* A route distinguisher: its 8 bytes as on the wire, read big-endian.
 * 0 means "none" (type 0, all zero, is not a usable RD). */
typedef uint64_t sdd_rd;

/* Accepts pmacct's text forms "0:64496:1846330021", "1:192.0.2.1:7",
 * "2:4226809946:12". Returns 0, or -1 when the text is not one of them. */
SDD_EXPORT int sdd_rd_parse(const char *text, sdd_rd *out);
SDD_EXPORT void sdd_rd_format(sdd_rd rd, char *buf, size_t len);   /* buf of SDD_RD_TEXT_MAX */
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
    int64_t arrival;            /* when the collector got it (timestamp_arrival); 0 unknown */
    sdd_bmp_type type;
    sdd_addr router;            /* bmp_router */
    sdd_addr peer;              /* peer_ip */
    uint8_t peer_type;          /* SDD_PEER_* */
    uint8_t time_from_arrival;  /* 1: the per-peer header time was 0 (FRR), time is the arrival */
    sdd_rd rd;                  /* of the peer (peer_up/down) or of the route; 0 when absent */
    uint8_t rd_of_route;        /* 1: rd is the route's own (rd_origin "bgp": a VPN route from a
                                 * peer outside any VRF), not its peer's */
    int reason;                 /* peer_down reason_type; -1 for other types */
    int fsm_event;              /* reason 2's reason_loc_code (RFC 4271 FSM event); 0 absent */
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

/* ---- configuration ---------------------------------------------------- */

typedef struct sdd_config sdd_config;

SDD_EXPORT sdd_config *sdd_config_new(void);                       /* the built-in defaults */
SDD_EXPORT void sdd_config_free(sdd_config *cfg);
/* Reads a pmacct-style file over the current values: `key: value`,
 * `key[profile]: value`, `!` comments. Refuses unknown keys, bad and
 * contradictory values with file, line and reason in err. */
SDD_EXPORT int sdd_config_load(sdd_config *cfg, const char *path, sdd_error *err);
/* A key the engine does not know, offered to the program that embeds it
 * (sddd's inputs and outputs live in the same file): 1 taken, 0 not the
 * program's key either (refused as unknown), -1 refused with the reason in
 * err. */
typedef int (*sdd_config_key_fn)(void *ctx, const char *key, const char *scope, const char *value, sdd_error *err);
/* sdd_config_load, with the keys the engine does not know given to fn. */
SDD_EXPORT int sdd_config_load_with(sdd_config *cfg, const char *path, sdd_config_key_fn fn, void *ctx,
                                    sdd_error *err);
/* One key; scope is a profile name or NULL. Call sdd_config_check after. */
SDD_EXPORT int sdd_config_set(sdd_config *cfg, const char *key, const char *scope, const char *value, sdd_error *err);
SDD_EXPORT int sdd_config_check(const sdd_config *cfg, sdd_error *err);

/* ---- engine ----------------------------------------------------------- */

typedef struct sdd_engine sdd_engine;

/* One revision of a relevant state, as the engine emits it. The struct and
 * its strings belong to the engine and live only during the callback: copy
 * what you keep. */
typedef struct sdd_notification {
    const char *id;             /* relevant-state id (UUID v5, derived) */
    const char *vpn_id;         /* the service */
    int revision;               /* 0, 1, ... for this id */
    int64_t slot_end;           /* event time of the slot close that produced it */
    const char *json;           /* the record: JSON with the schema's field names */
} sdd_notification;

/* Called from inside sdd_engine_add_*, sdd_engine_advance, sdd_engine_finish
 * and sdd_engine_replay, in the caller's thread, in event-time order. It may
 * read the engine (sdd_engine_counters, sdd_engine_cursor) and set the cursor;
 * it must not add records, advance, finish, sync or free the engine. */
typedef void (*sdd_notify_fn)(void *ctx, const sdd_notification *n);

/* The engine copies what it needs of cfg; cfg may be freed after. */
SDD_EXPORT sdd_engine *sdd_engine_new(const sdd_config *cfg, sdd_error *err);
SDD_EXPORT void sdd_engine_free(sdd_engine *e);
SDD_EXPORT void sdd_engine_on_notification(sdd_engine *e, sdd_notify_fn fn, void *ctx);

/* Services and terminations from a JSON inventory (conf-examples/inventory.json). */
SDD_EXPORT int sdd_engine_load_inventory(sdd_engine *e, const char *path, sdd_error *err);

/* Takes a new configuration while the engine runs (sddd's SIGHUP), keeping
 * its history, open slots and relevant states: detection parameters,
 * profiles, strategy, holidays, caps, what is learned, and cfg's
 * inventory_file, loaded over what the engine knows (services and
 * terminations added or updated, none removed). Keys the engine is built
 * around must keep their value: time_step_seconds, data_delay,
 * allowed_lateness, source_idle_seconds, history_file, state_file; and the
 * history store, sized at start, must hold what the new parameters read
 * back. Otherwise, or when cfg or the inventory file is refused, -1 with
 * the key or file and the reason in err, and nothing has changed. The
 * engine copies what it needs of cfg. */
SDD_EXPORT int sdd_engine_reload(sdd_engine *e, const sdd_config *cfg, sdd_error *err);

/* A record the engine cannot take (NULL, a kind or type out of range) is
 * counted as records_refused and not read. */
SDD_EXPORT void sdd_engine_add_flow(sdd_engine *e, const sdd_flow *f);
SDD_EXPORT void sdd_engine_add_bmp(sdd_engine *e, const sdd_bmp_event *ev);
SDD_EXPORT void sdd_engine_add_iface(sdd_engine *e, const sdd_iface_event *ev);
/* One line of pmacct JSON. 0 when taken (or valid but of no use), -1 when
 * skipped: the reason is counted, never fatal. */
SDD_EXPORT int sdd_engine_add_json(sdd_engine *e, sdd_input_kind kind, const char *line, size_t len);

/* In-process ingest in batches, for a caller that holds aggregates already
 * decoded (the pmacct plugin): a flow's key (router, RD, VRF ids and name,
 * interfaces: what decides its service) is resolved once to a handle that
 * the caller keeps with its own key, then aggregates carrying handles are
 * added an array at a time. The result is that of sdd_engine_add_flow of
 * each aggregate's flow, in order (same sums, counters and notifications):
 * a handle keeps its key's mapping while the inventory does not change and
 * maps it again when it does. */
typedef uint32_t sdd_flow_handle;

typedef struct sdd_flow_agg {
    int64_t time;               /* event time, seconds since the epoch */
    uint64_t packets;
    uint64_t bytes;
    uint64_t flows;             /* 0 read as 1 flow */
    sdd_flow_handle handle;     /* from sdd_engine_flow_handle */
    uint8_t ip_proto;
    uint8_t tcp_flags;
    uint8_t fwd_status;
} sdd_flow_agg;

/* A handle for key's key fields (its counters and time are not read);
 * handles live as long as the engine. -1 with err when out of memory. */
SDD_EXPORT int sdd_engine_flow_handle(sdd_engine *e, const sdd_flow *key, sdd_flow_handle *out, sdd_error *err);
/* An aggregate with a handle the engine did not give is counted as
 * records_refused and not read. */
SDD_EXPORT void sdd_engine_add_flows(sdd_engine *e, const sdd_flow_agg *a, size_t n);

/* Tells the engine the wall-clock time `now` (seconds since the epoch) when
 * no record older than it is coming: when every input of a live front end
 * has been idle (docs/time.md). The engine's time moves there without a
 * record and the slots whose end now - data_delay has passed close and are
 * judged. Told before the first record, it closes nothing and only bounds
 * the records to come (more than max_clock_skew ahead of it are refused).
 * Time never goes back: an older `now` does nothing. Returns 1 when the
 * engine has a time, 0 before the first record. */
SDD_EXPORT int sdd_engine_advance(sdd_engine *e, int64_t now);

/* End of input: closes every slot still open, so that replay sees them all. */
SDD_EXPORT void sdd_engine_finish(sdd_engine *e);

/* Runs the engine over recorded pmacct JSON files (one record a line, plain
 * or gzip'ed; any path may be NULL), merged in event-time order, then
 * finishes. -1 with err when a file cannot be read. */
SDD_EXPORT int sdd_engine_replay(sdd_engine *e, const char *flows, const char *bmp, const char *telemetry,
                      sdd_error *err);

/* Makes what the engine knows durable: the history store, and the engine
 * state (watermark, open slots, events, relevant states, learned inventory)
 * when `state_file` is configured, written atomically. A new engine with the
 * same configuration continues from there. */
SDD_EXPORT int sdd_engine_sync(sdd_engine *e, sdd_error *err);

/* A text the application keeps with the engine state, such as where its
 * inputs stood when the state was taken: the next sdd_engine_sync writes
 * it, and a new engine continuing from that state gives it back. The text
 * is copied; NULL forgets it. -1 when out of memory. */
SDD_EXPORT int sdd_engine_set_cursor(sdd_engine *e, const char *text);
/* The cursor last set, or the one of the state the engine continued from;
 * NULL when there is none. */
SDD_EXPORT const char *sdd_engine_cursor(const sdd_engine *e);

/* Counters of what was read, skipped (and why), unmapped and late. */
typedef void (*sdd_counter_fn)(void *ctx, const char *name, uint64_t value);
SDD_EXPORT void sdd_engine_counters(const sdd_engine *e, sdd_counter_fn fn, void *ctx);

/* The sources of the engine's time (docs/time.md): each input kind and
 * router it has taken a record of, with its watermark, the newest record
 * time taken from it (seconds since the epoch), in the order first seen. */
typedef void (*sdd_source_fn)(void *ctx, sdd_input_kind kind, const sdd_addr *router, int64_t watermark);
SDD_EXPORT void sdd_engine_sources(const sdd_engine *e, sdd_source_fn fn, void *ctx);

/* How many relevant states are open now (their last notification has no
 * endTime), by the stage that notification says: fn is called once for each
 * stage, "problem_potential" and "problem_forecasted", with 0 too. */
SDD_EXPORT void sdd_engine_open_states(const sdd_engine *e, sdd_counter_fn fn, void *ctx);

/* A service's traffic (TCP and UDP bytes a slot) for the n slots from the one
 * holding `from` (seconds since the epoch), then its baseline: the same slots
 * k times time_delta_hours earlier, k = 1..baseline_weeks of its profile (at
 * most max_weeks). out[k * n + i] holds row k (0: the traffic), NAN where
 * history has no data; *step is time_step_seconds. Returns the weeks
 * written, or -1 for a service the engine does not know. For the validation
 * page's plot, made when a notification is (sdd_notify_fn may call it).
 * Not const: the sums the batch API keeps apart go into the slots first. */
SDD_EXPORT int sdd_engine_traffic(sdd_engine *e, const char *vpn_id, int64_t from, int n, int max_weeks,
                                  double *out, int *step);

/* The closed slots whose TCP and UDP bytes a site keeps for its plot. */
#define SDD_SITE_RECENT_SLOTS 240

/* A site of a service as the validation page titles its plot. */
typedef struct sdd_site_name {
    char hostname[SDD_NAME_MAX];        /* the PE's, else its router address (as notifications name it) */
    char router[64];                    /* the PE's address */
    char rd[SDD_RD_TEXT_MAX];           /* "" none */
    char vrf_name[SDD_NAME_MAX];        /* "" none */
} sdd_site_name;

/* Like sdd_engine_traffic, for site `site` of the service (its termination
 * of that index in the inventory): row 0 its own TCP and UDP bytes a slot,
 * kept for its last SDD_SITE_RECENT_SLOTS closed slots only (NAN before, for a slot not
 * closed yet or a gap, and for any slot after a restart until it closes
 * again); rows k = 1.. what it is expected to carry, the service's baseline
 * weeks times the site's usual share of the service's bytes (NAN while it
 * has learned none). *name names the site. -1 for a service the engine
 * does not know, a site it does not judge (only the first 4 terminations),
 * or a service none of whose flows came from a second site yet. */
SDD_EXPORT int sdd_engine_site_traffic(sdd_engine *e, const char *vpn_id, int site, int64_t from, int n,
                                       int max_weeks, double *out, int *step, sdd_site_name *name);

#ifdef __cplusplus
}
#endif

#endif
