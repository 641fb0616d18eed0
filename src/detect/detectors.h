/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detectors.h: the one list of detectors.
 *
 * A detector has a word (how a strategy's name calls it, as in the deployed
 * system: "flow-fwd-1-flow-count-2-...-pipeline"), a name (its symptoms'
 * annotator; the volume detector names its two symptoms by protocol,
 * udp_sum and tcp_sum, as deployed), the history it reads, and its function.
 * The engine sizes history from the detectors of its strategy (engine.c), the
 * strategy parser finds them by word (strategy.c). Detectors of events (a
 * peer down, an interface down) are also run as soon as such an event is
 * read, not only when its slot closes. One file per detector
 * implements the two functions its row names (detect_*.c). */
#ifndef SDD_DETECT_DETECTORS_H
#define SDD_DETECT_DETECTORS_H

#include "detect/detector.h"

/* Slots of history back from the slot judged (itself included) that a
 * detector reads, in each tier (engine/metrics.h), and how far back the
 * oldest week of its baseline reaches in the long series: what is older
 * than long_slots is kept coarse (engine/history.h). */
typedef struct sdd_history_need {
    int long_slots;
    int short_slots;
    int baseline_slots;
} sdd_history_need;

typedef struct sdd_detector {
    const char *word;
    const char *name;
    sdd_history_need (*history)(const sdd_profile *p, int step);
    int on_event;                       /* judges events: run as soon as one is read */
    /* Writes up to `max` symptoms; returns how many. */
    int (*run)(const sdd_detect_input *in, sdd_symptom *out, int max);
} sdd_detector;

typedef enum sdd_detector_id {
    SDD_DET_VOLUME,
    SDD_DET_PATTERN,
    SDD_DET_FLOW_COUNT,
    SDD_DET_PEER_DOWN,
    SDD_DET_WITHDRAW,
    SDD_DET_UPDATE,
    SDD_DET_OC,
    SDD_DET_FLOW_FWD,
    SDD_DET_SATURATION,
    SDD_DET_COUNT
} sdd_detector_id;

extern const sdd_detector sdd__detectors[SDD_DET_COUNT];

/* The detector a strategy's word names; NULL if none. */
const sdd_detector *sdd__detector_by_word(const char *word, size_t len);

/* Each detector's two functions (detect_*.c); the two BMP churn detectors
 * read the same history, and those of events none (detectors.c). */
#define SDD_DETECTOR_FUNCTIONS(id)                                                   \
    sdd_history_need sdd__history_##id(const sdd_profile *p, int step);              \
    int sdd__detect_##id(const sdd_detect_input *in, sdd_symptom *out, int max)
SDD_DETECTOR_FUNCTIONS(traffic_volume);
SDD_DETECTOR_FUNCTIONS(udp_pattern);
SDD_DETECTOR_FUNCTIONS(flow_count_spike);
SDD_DETECTOR_FUNCTIONS(flow_fwd);
SDD_DETECTOR_FUNCTIONS(link_saturation);
sdd_history_need sdd__history_bmp_churn(const sdd_profile *p, int step);
int sdd__detect_bmp_peer_down(const sdd_detect_input *in, sdd_symptom *out, int max);
int sdd__detect_oc_interface_state(const sdd_detect_input *in, sdd_symptom *out, int max);
int sdd__detect_bmp_withdraw(const sdd_detect_input *in, sdd_symptom *out, int max);
int sdd__detect_bmp_update(const sdd_detect_input *in, sdd_symptom *out, int max);

/* The forwarding-status detector with a given model: NULL compares the
 * slot's dropped bytes with dropped_bytes_threshold instead. */
int sdd__flow_fwd_detect(const sdd_detect_input *in, const struct sdd_drop_model *model, sdd_symptom *out, int max);

/* Strength of a measure that is `ratio` times its limit (ratio >= 1): half
 * at the limit, growing towards 1 as it goes further, so that just crossing
 * a limit counts half and a large excess almost fully. */
static inline double sdd__ratio_strength(double ratio)
{
    return ratio >= 1 ? 1.0 - 0.5 / ratio : 0.0;
}

#endif
