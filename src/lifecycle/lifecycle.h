/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.h: one relevant state per disruption of a service.
 *
 * A relevant state opens when the concern score reaches the profile's
 * concern_threshold, gets a new revision only when its content changes (a
 * symptom added or gone, the score moving to another band, the end set), and
 * closes with an end time once the score stayed below the threshold for
 * close_after_slots slots. A closed state is kept until the profile's
 * resume_minutes after its end: evidence back in that time is the same
 * disruption (the return to normal after a saturation or an outage, a site
 * flapping), a new revision of the same state, open again. Its id is a UUID v5 of service,
 * strategy and start, so a replay or a restart gives the same ids. */
#ifndef SDD_LIFECYCLE_H
#define SDD_LIFECYCLE_H

#include "engine/config.h"
#include "detect/detector.h"
#include "engine/inventory.h"
#include "util/uuid.h"

#define SDD_CONTRIB_MAX 16

/* A symptom that contributed while the state was open. */
typedef struct sdd_contribution {
    sdd_symptom symptom;                /* the strongest report of it */
    int64_t first, last;                /* slot starts it was reported in */
    int active;                         /* reported in the latest slot */
} sdd_contribution;

typedef struct sdd_relevant_state {
    int open;                           /* held: open, or closed and kept (below >= close_after_slots) */
    char id[SDD_UUID_TEXT];
    int64_t start;                      /* seconds */
    int64_t end;                        /* end of the last slot at or above threshold */
    int revision;                       /* of the last notification */
    int below;                          /* slots below threshold since the last loud one */
    int band;                           /* concern band of the last notification */
    int concern;
    int64_t recovered;                  /* when an event said it ended (a peer up); 0 none */
    sdd_contribution *contrib;          /* SDD_CONTRIB_MAX, allocated while open */
    int n_contrib;
} sdd_relevant_state;

/* The judgement of one closed slot of a service. */
typedef struct sdd_lifecycle_ctx {
    const sdd_service *service;
    const sdd_profile *profile;
    const char *strategy;
    int64_t slot_start, slot_end;       /* seconds */
} sdd_lifecycle_ctx;

/* What a step did to the relevant state: each but NONE is a new revision to
 * publish (notification.h renders it). */
typedef enum sdd_change {
    SDD_CHANGE_NONE,
    SDD_CHANGE_OPENED,
    SDD_CHANGE_REVISED,
    SDD_CHANGE_CLOSED                   /* rs keeps its content until released */
} sdd_change;

/* Feeds one closed slot's concern score and symptoms. A state CLOSED is
 * kept until resume_minutes after its end, then released by the next step
 * or event. */
sdd_change sdd__lifecycle_step(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx, int concern,
                               const sdd_symptom *sym, int n);
/* The same for an event just read, judged by the detectors of events before
 * its slot closes: opens or revises, never closes nor counts a slot below
 * the threshold. */
sdd_change sdd__lifecycle_event(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx, int concern,
                                const sdd_symptom *sym, int n);
/* An event at time t says the disruption ended there (a peer came back):
 * the state's end is then no earlier than t. */
void sdd__lifecycle_recovered(sdd_relevant_state *rs, int64_t t);
void sdd__lifecycle_release(sdd_relevant_state *rs);
/* 1 if the state is open as its notifications say (not closed nor released). */
int sdd__lifecycle_is_open(const sdd_relevant_state *rs, const sdd_profile *p);

/* The stage of the network anomaly lifecycle a state is in, as its
 * notification says: forecasted when every symptom is a trend, else
 * potential. */
typedef enum sdd_stage {
    SDD_STAGE_POTENTIAL,
    SDD_STAGE_FORECASTED,
    SDD_STAGE_COUNT
} sdd_stage;

sdd_stage sdd__lifecycle_stage(const sdd_relevant_state *rs);
/* "problem_potential", "problem_forecasted". */
const char *sdd__stage_name(sdd_stage s);

#endif
