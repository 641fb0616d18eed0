/* SPDX-License-Identifier: GPL-2.0-or-later */
/* score.h: the scorer behind `sddctl score`.
 *
 * It reads the truth of a labelled scenario (truth.json of `sddctl gen`)
 * and the relevant-state notifications an engine published for it (JSON
 * lines with the field names of RelevantStateNotification.avsc), and says
 * how good detection was: recall and delay per kind of event, precision,
 * F1 and false alarms per 1,000 service-days overall, and how many of the
 * events that want no alarm got one anyway. A state that names a change
 * during a planned maintenance is an annotated change, counted apart. */
#ifndef SDD_SCORE_H
#define SDD_SCORE_H

#include <stdint.h>
#include <stdio.h>

#include "sdd/sdd.h"

/* Why a line was not used; counted per file, never fatal. */
typedef enum sdd_score_skip {
    SDD_SCORE_SKIP_NOT_JSON,        /* not a JSON object */
    SDD_SCORE_SKIP_BAD_EVENT,       /* truth: no service, kind, start, end or alarm */
    SDD_SCORE_SKIP_NO_ID,           /* notification without an "id" string */
    SDD_SCORE_SKIP_NO_START,        /* notification without a "startTime" */
    SDD_SCORE_SKIP_NO_SERVICE,      /* notification naming no L3VPN service */
    SDD_SCORE_SKIP_COUNT
} sdd_score_skip;

const char *sdd_score_skip_name(int reason);

#define SDD_SCORE_DEFAULT_GRACE 5

/* Delay statistics over the detected events, NAN when there are none. */
typedef struct sdd_score_delay {
    double median_s, p95_s;         /* alarm start - event start, seconds */
    double median_slots, p95_slots; /* the same in slots of time_step_seconds */
} sdd_score_delay;

/* One kind of event of the truth, with its alarm flag. */
typedef struct sdd_score_kind {
    char name[48];
    int alarm;                      /* does the truth want an alarm for it? */
    uint64_t events;
    uint64_t detected;              /* events an alarm overlapped (alarmed, for alarm:false) */
    uint64_t one_state;             /* events exactly one alarm overlapped */
    double recall;                  /* detected / events; NAN without events */
    double one_state_share;         /* one_state / detected; NAN when none was detected */
    sdd_score_delay delay;
} sdd_score_kind;

typedef struct sdd_score_report {
    int grace_slots;
    int step;                       /* time_step_seconds of the truth */
    uint64_t services, days;        /* from the truth header; 0 when it had none */
    uint64_t notifications;         /* relevant states (revisions grouped by id) */
    uint64_t alarms;                /* (relevant state, service) pairs */
    uint64_t true_alarms;           /* alarms overlapping an alarm:true event */
    uint64_t false_alarms;          /* the others, but annotated changes */
    uint64_t annotated_changes;     /* alarms naming a change (changeId) that overlap a maintenance */
    uint64_t events, detected;      /* alarm:true events, and those detected */
    double precision, recall, f1;   /* NAN when undefined; precision: true / (true + false) */
    double false_per_1000;          /* false alarms per 1,000 service-days; NAN without header */
    double precision_changes_false; /* the two figures with annotated changes counted false, */
    double false_per_1000_changes_false;        /* as the scorer counted them before */
    uint64_t one_state;             /* alarm:true events exactly one alarm overlapped */
    double one_state_share;         /* one_state / detected: one relevant state per disruption */
    sdd_score_delay delay;          /* over all detected alarm:true events */
    sdd_score_kind *kinds;          /* sorted by (alarm first, name) */
    size_t n_kinds;
    uint64_t truth_lines, notification_lines;
    uint64_t truth_skipped[SDD_SCORE_SKIP_COUNT];
    uint64_t notification_skipped[SDD_SCORE_SKIP_COUNT];
} sdd_score_report;

/* Reads both files (plain or gzip) and scores. Returns 0 with *out set (free
 * it with sdd_score_report_free), or -1 with err set when a file cannot be
 * read at all. */
int sdd_score_files(const char *truth_path, const char *notifications_path, int grace_slots,
                    sdd_score_report **out, sdd_error *err);
void sdd_score_report_free(sdd_score_report *r);

/* An aligned table for people, or one JSON document. 0, or -1 on a write error. */
int sdd_score_print_table(const sdd_score_report *r, FILE *f);
int sdd_score_print_json(const sdd_score_report *r, FILE *f);

#endif
