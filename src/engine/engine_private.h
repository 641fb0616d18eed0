/* engine_private.h: the engine's own structures, shared by the files that
 * make up the engine (engine.c, engine_state.c) and no one else. */
#ifndef SDD_ENGINE_PRIVATE_H
#define SDD_ENGINE_PRIVATE_H

#include "engine/config.h"
#include "detect/detector.h"
#include "detect/drop_model.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "parse/input.h"
#include "engine/inventory.h"
#include "lifecycle/lifecycle.h"
#include "detect/strategy.h"

#define EVENTS_KEPT 32
#define MAX_SYMPTOMS 32

/* Per service: the open slots being filled, recent events, lifecycle. */
typedef struct svc_state {
    int32_t hist;                       /* history entity */
    const sdd_profile *profile;
    double *acc;                        /* n_rows rows of SDD_M_COUNT: a slot's exact sums */
    sdd_event events[EVENTS_KEPT];      /* ring */
    int n_events, next_event;
    sdd_relevant_state rs;
} svc_state;

typedef enum counter {
    C_FLOWS, C_BMP, C_IFACE, C_LATE_ADDED, C_LATE_DROPPED, C_SLOTS_CLOSED, C_NOTIFICATIONS,
    C_IN_CHANGE_WINDOW, C_COUNT
} counter;

struct sdd_engine {
    sdd_config cfg;                     /* profiles owned */
    sdd_inventory *inv;
    sdd_history *hist;
    sdd_history_shape shape;
    svc_state *svc;
    int n_svc;
    int n_open;                         /* slots kept open: data_delay / step + 2 */
    int n_late;                         /* rows kept for slots after their close */
    int n_rows;                         /* n_late + n_open: slot s is in row s mod n_rows */
    int64_t newest;                     /* newest event time seen; INT64_MIN before any */
    int64_t next_close;                 /* number of the oldest open slot */
    int64_t first_slot;                 /* of the first record: likely partial, not judged */
    int64_t *holidays;                  /* day numbers (days since the epoch), sorted */
    int n_holidays;
    uint64_t *row_records;              /* records per row, all services */
    uint8_t *row_closed_empty;          /* the row's slot closed without a record */
    char *cursor;                       /* the application's text kept with the state */
    uint64_t counters[C_COUNT];
    uint64_t skipped[3][SDD_SKIP_COUNT];
    uint64_t unmapped[SDD_UNMAPPED_COUNT];
    sdd_strategy strategy;
    sdd_drop_models *drop_models;
    sdd_notify_fn notify;
    void *notify_ctx;
    char **strings;                     /* symptom texts read back from a state file */
    int n_strings;
};

/* The state of service `svc`, made for every service the inventory has
 * gained since the last call. NULL when out of memory. */
svc_state *sdd_engine_state_of(sdd_engine *e, int svc);
/* Continues from the state file, if the configuration names one that exists. */
int sdd_engine_state_load(sdd_engine *e, sdd_error *err);
/* The row that holds slot's sums. */
static inline int sdd_engine_row(const sdd_engine *e, int64_t slot)
{
    int64_t r = slot % e->n_rows;
    return (int)(r < 0 ? r + e->n_rows : r);
}

/* Writes a closed slot's row into history, as the slot's whole value. */
void sdd_engine_write_row(sdd_engine *e, svc_state *st, int64_t slot);

#endif
