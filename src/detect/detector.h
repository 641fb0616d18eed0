/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detector.h: what a detector sees and what it says.
 *
 * A detector is a pure function of a service's series, its recent events and
 * the parameters of its profile: no I/O, no clock, no state of its own. It
 * runs once per service and closed slot and reports symptoms, each with a
 * strength in 0..1 and the IETF symptom semantics (action, reason, trigger,
 * plane). The list of detectors is detectors.h. */
#ifndef SDD_DETECTOR_H
#define SDD_DETECTOR_H

#include "engine/config.h"
#include "engine/sites.h"
#include "sdd/sdd.h"

typedef enum sdd_plane { SDD_PLANE_MANAGEMENT, SDD_PLANE_CONTROL, SDD_PLANE_FORWARDING } sdd_plane;

/* The Pattern enum of the schema; SDD_PATTERN_NONE writes null. */
typedef enum sdd_pattern {
    SDD_PATTERN_NONE = -1,
    SDD_PATTERN_DROP,
    SDD_PATTERN_SPIKE,
    SDD_PATTERN_MEAN_SHIFT,
    SDD_PATTERN_SEASONALITY_SHIFT,
    SDD_PATTERN_TREND,
    SDD_PATTERN_OTHER
} sdd_pattern;

typedef enum sdd_season { SDD_SEASON_WORKDAY, SDD_SEASON_HOLIDAY } sdd_season;

/* A state change the engine keeps per service for the control and
 * management plane detectors. */
typedef enum sdd_event_kind { SDD_EV_PEER_UP, SDD_EV_PEER_DOWN, SDD_EV_IFACE_UP, SDD_EV_IFACE_DOWN } sdd_event_kind;

/* A peer down's BMP reason_type (RFC 7854 4.9) and, above its low byte,
 * the FSM event of a reason 2 (RFC 4271 8.1, 0 when not given): one int,
 * as the engine keeps and checkpoints an event's reason. */
#define SDD_PEER_DOWN_CODE(ev) ((ev)->reason < 0 ? (ev)->reason : (ev)->reason | (ev)->fsm_event << 8)

typedef struct sdd_event {
    int64_t time;
    sdd_event_kind kind;
    int termination;                    /* index in the service, -1 unknown */
    int reason;                         /* SDD_PEER_DOWN_CODE of a peer down; -1 otherwise */
    sdd_addr peer;
    char ifname[SDD_NAME_MAX];
} sdd_event;

typedef struct sdd_symptom {
    const char *detector;               /* annotator name */
    double strength;                    /* 0..1 */
    double weight;                      /* in the concern score: the profile's *_weight */
    sdd_plane plane;
    const char *action, *reason, *trigger;      /* NULL writes null */
    sdd_pattern pattern;
    int64_t start, end;                 /* event-time window the symptom covers, seconds */
    int termination;                    /* index in the service, -1 for the whole service */
    char description[160];
} sdd_symptom;

/* One site of a service of several, in the judged slot (engine/sites.h). */
typedef struct sdd_site_input {
    int termination;                    /* index in the service */
    const sdd_site *usual;              /* its usual shares, and its fall in progress */
    const double *sums;                 /* its SDD_SM_COUNT sums of the slot */
    double expected;                    /* its TCP and UDP bytes by its other sites (sites.h); 0 not judged */
} sdd_site_input;

typedef struct sdd_detect_input {
    const sdd_profile *profile;
    int step;                           /* time_step_seconds */
    int64_t slot;                       /* number of the slot that just closed */
    sdd_season season;                  /* of the slot */
    /* of the slot k + 1 times time_delta_hours earlier, k < baseline_weeks */
    sdd_season ref_season[SDD_BASELINE_WEEKS_MAX];
    /* Values of one metric over n slots starting at `first`; a slot with no
     * data reads NAN. Returns how many slots had data. */
    int (*series)(const void *ctx, int metric, int64_t first, int n, double *out);
    const void *ctx;
    const sdd_event *events;            /* the service's recent events, oldest first */
    int n_events;
    /* capacity of the interfaces behind SDD_M_IF_IN/OUT_BYTES + i; 0 unknown */
    double if_capacity_bps[4];
    int if_termination[4];              /* the termination each belongs to */
    int n_if;
    const struct sdd_drop_model *drop_model;    /* the profile's; NULL: dropped_bytes_threshold */
    /* The service's sites when the slot was judged per site (a service of
     * several sites whose exporters were all live); 0: none. */
    sdd_site_input sites[SDD_SITES_TRACKED];
    int n_sites;
} sdd_detect_input;

/* Helpers shared by detectors. */
double sdd__window_sum(const sdd_detect_input *in, int metric, int64_t first, int n, int *complete);
/* Mean and standard deviation of a metric over the slots that have data
 * among n from `first`; returns how many had data. */
int sdd__window_stats(const sdd_detect_input *in, int metric, int64_t first, int n, double *mean, double *sd);
/* Median of a metric over n slots from `first` (n <= 1440); NAN unless every
 * slot has data. */
double sdd__window_median(const sdd_detect_input *in, int metric, int64_t first, int n);
/* What the detectors comparing with several weeks take of the weeks'
 * measures (a fall, a deviation): the lower median, v reordered. It is
 * the median of the others once the largest is dropped, so one odd week
 * is outvoted, and with two weeks a change must show against both. */
double sdd__lower_median(double *v, int n);
/* The median of v[0..n-1] (n >= 1; the mean of the two middle ones when n
 * is even), and the k-th smallest (0-based, k < n), by selection: v is
 * reordered, not sorted. */
double sdd__median(double *v, int n);
/* The same median of v[0..n-1] (n <= 1440), v left as it is; NAN when one
 * is NAN. The same value as sdd__median, found faster when v is a few runs
 * of equal values. */
double sdd__median_of(const double *v, int n);
double sdd__nth_smallest(double *v, int n, int k);

#endif
