/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine.c: the engine handle. Sorts records into per-service event-time
 * slots, closes slots as the watermark passes them, runs the detectors of the
 * strategy on every service for each closed slot, and drives the
 * relevant-state lifecycle, whose notifications go to the caller's callback.
 *
 * Time is the records' time only (clock.h: per-source watermarks, records
 * too far ahead refused). The watermark is the engine's time minus
 * data_delay; a slot closes when the watermark passes its end.
 * Records for a slot that has closed are still added to history within
 * allowed_lateness (so later comparisons see them) and dropped after.
 *
 * Each slot's exact sums stay in a row of the engine from its first record
 * until it leaves allowed_lateness, and history only ever receives a slot's
 * whole value (slots.h). So writing a slot again gives the same history: a
 * restart from a checkpoint (checkpoint.c) rewinds history to the checkpoint
 * and reads the records after it again, counting none twice. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/accum.h"
#include "engine/engine_private.h"
#include "engine/flow_batch.h"
#include "engine/metrics.h"
#include "lifecycle/notification.h"
#include "util/error.h"

static const char *const counter_names[C_COUNT] = {
    "records_flow", "records_bmp", "records_iface", "late_added", "late_dropped", "slots_closed",
    "notifications", "suppressed_in_change_window", "notifications_failed", "records_refused",
    "future_dropped", "slots_skipped_empty", "bmp_rib_dump", "lines_too_long", "bmp_time_from_arrival",
    "service_slots_not_judged_gap",
    "global_peer_down_other_path",
};

/* ---- life cycle of the handle ------------------------------------------ */

int sdd__engine_copy_config(sdd_config *dst, const sdd_config *src)
{
    *dst = *src;
    dst->profiles = malloc((size_t)src->n_profiles * sizeof(*dst->profiles));
    if (!dst->profiles)
        return -1;
    memcpy(dst->profiles, src->profiles, (size_t)src->n_profiles * sizeof(*dst->profiles));
    return 0;
}

static int cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int sdd__holidays_parse(const char *list, int64_t **days, int *n, sdd_error *err)
{
    const char *p = list;

    while (*p) {
        int y, m, d, used = 0;
        struct tm tm;
        int64_t *grown;
        if (sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || m < 1 || m > 12 || d < 1 || d > 31 ||
            (p[used] != ',' && p[used] != '\0')) {
            return sdd__fail(err, SDD_E_CONFIG, "holidays: '%.200s' is not a list of YYYY-MM-DD dates", list);
        }
        grown = realloc(*days, (size_t)(*n + 1) * sizeof(*grown));
        if (!grown)
            return sdd__fail(err, SDD_E_NOMEM, "out of memory");
        *days = grown;
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        (*days)[(*n)++] = (int64_t)timegm(&tm) / 86400;
        p += used + (p[used] == ',');
    }
    if (*n)
        qsort(*days, (size_t)*n, sizeof(**days), cmp_day);
    return 0;
}

static sdd_season season_of(const sdd_engine *e, int64_t t)
{
    int64_t day = (t >= 0 ? t : t - 86399) / 86400;
    if (!e->n_holidays)
        return SDD_SEASON_WORKDAY;
    return bsearch(&day, e->holidays, (size_t)e->n_holidays, sizeof(day), cmp_day) ? SDD_SEASON_HOLIDAY
                                                                                    : SDD_SEASON_WORKDAY;
}

void sdd__history_shape_for(const sdd_config *cfg, const sdd_strategy *strategy, sdd_history_shape *shape)
{
    /* the long tier holds a day at least: automatic profiles read it */
    sdd_history_need all = {sdd__profile_history_slots(cfg->time_step_seconds), SDD_HISTORY_OPEN_SLOTS, 0};
    int factor = SDD_HISTORY_COARSE_SECONDS / cfg->time_step_seconds;

    for (int i = 0; i < cfg->n_profiles; i++) {
        sdd_history_need one = sdd__strategy_history(strategy, &cfg->profiles[i], cfg->time_step_seconds);
        if (one.long_slots > all.long_slots)
            all.long_slots = one.long_slots;
        if (one.short_slots > all.short_slots)
            all.short_slots = one.short_slots;
        if (one.baseline_slots > all.baseline_slots)
            all.baseline_slots = one.baseline_slots;
    }
    memset(shape, 0, sizeof(*shape));
    shape->slot_seconds = (uint32_t)cfg->time_step_seconds;
    shape->long_slots = (uint32_t)all.long_slots;
    shape->short_slots = (uint32_t)all.short_slots;
    shape->long_series = SDD_M_LONG_COUNT;
    shape->short_series = SDD_M_SHORT_COUNT;
    /* the older weeks, beyond the long ring, in coarse slots (and one more
     * on each side: a window starts anywhere in its first coarse slot) */
    shape->coarse_factor = (uint32_t)(factor > 1 ? factor : 1);
    if (all.baseline_slots > all.long_slots) {
        shape->coarse_slots = (uint32_t)(all.baseline_slots - all.long_slots) / shape->coarse_factor + 2;
        shape->coarse_series = SDD_M_BASELINE_COUNT;
    }
}

static sdd_history *open_history(const sdd_config *cfg, const sdd_strategy *strategy, sdd_history_shape *shape,
                                 sdd_error *err)
{
    sdd__history_shape_for(cfg, strategy, shape);
    return sdd__history_open(cfg->history_file[0] ? cfg->history_file : NULL, shape, err);
}

int sdd__check_profiles(const sdd_config *cfg, sdd_inventory *inv, const char *path, sdd_error *err)
{
    for (int i = 0; i < sdd__inventory_count(inv); i++) {
        const sdd_service *s = sdd__inventory_service(inv, i);
        if (s->profile[0] && !sdd__config_profile(cfg, s->profile) &&
            sdd__profile_class_named(s->profile) == SDD_AUTO_NONE)
            return sdd__fail(err, SDD_E_CONFIG, "%s: service %s: profile '%s' is not defined by the configuration "
                             "(no key[%s] line) nor a template (stable, unstable, bursty)", path, s->vpn_id, s->profile,
                             s->profile);
    }
    return 0;
}

/* The state file's directory must take it: found at start, not at the
 * first checkpoint a minute (or a crash) later. */
static int check_state_dir(const char *state_file, sdd_error *err)
{
    char dir[SDD_PATH_MAX] = ".";
    const char *slash = strrchr(state_file, '/');

    if (!state_file[0])
        return 0;
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", slash == state_file ? 1 : (int)(slash - state_file), state_file);
    if (access(dir, W_OK | X_OK) < 0)
        return sdd__fail(err, SDD_E_IO, "state_file %s: its directory %s: %s", state_file, dir, strerror(errno));
    return 0;
}

static int load_inventory(sdd_engine *e, const char *path, sdd_error *err)
{
    if (sdd__inventory_load(e->inv, path, err) < 0)
        return -1;
    return sdd__check_profiles(&e->cfg, e->inv, path, err);
}

sdd_engine *sdd_engine_new(const sdd_config *cfg, sdd_error *err)
{
    sdd_engine *e;
    sdd_strategy strategy;

    if (sdd_config_check(cfg, err) < 0 || sdd__strategy_parse(cfg->strategy, &strategy, err) < 0)
        return NULL;
    e = calloc(1, sizeof(*e));
    if (!e || sdd__engine_copy_config(&e->cfg, cfg) < 0) {
        free(e);
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    e->strategy = strategy;
    e->drop_models = sdd__drop_models_load(&e->cfg, err);
    if (!e->drop_models) {
        free(e->cfg.profiles);
        free(e);
        return NULL;
    }
    sdd__collection_init(&e->collection);
    e->inv = sdd__inventory_new(cfg->learn_unknown_rd);
    if (e->inv)
        sdd__inventory_limit(e->inv, cfg->learn_route_targets, cfg->max_services, cfg->max_terminations_per_service);
    if (sdd__slots_init(&e->slots, cfg) == 0 && e->inv &&
        sdd__clock_init(&e->clock, cfg->max_clock_skew, cfg->source_idle_seconds) == 0)
        e->hist = open_history(cfg, &e->strategy, &e->shape, err);
    else
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
    sdd__services_init(&e->services, e->slots.n_rows, &e->cfg);
    sdd__carriers_init(&e->carriers, (uint64_t)cfg->max_global_routes);
    e->workers = sdd__workers_new(cfg->detect_threads);
    if (!e->hist || sdd__holidays_parse(cfg->holidays, &e->holidays, &e->n_holidays, err) < 0 || check_state_dir(cfg->state_file, err) < 0 ||
        (cfg->inventory_file[0] && load_inventory(e, cfg->inventory_file, err) < 0) ||
        sdd__checkpoint_load(e, err) < 0) {
        sdd_engine_free(e);
        return NULL;
    }
    if (sdd__collection_restore(&e->collection, &e->clock, e->slots.step) < 0) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        sdd_engine_free(e);
        return NULL;
    }
    /* continuing from a state that did not keep the clock (checkpoint.c):
     * the time its closed slots say had come */
    if (e->slots.next_close != INT64_MIN && e->clock.now == INT64_MIN)
        e->clock.now = e->slots.next_close * e->slots.step + e->slots.data_delay;
    return e;
}

void sdd_engine_free(sdd_engine *e)
{
    if (!e)
        return;
    sdd__workers_free(e->workers);
    free(e->verdicts);
    sdd__services_free(&e->services);
    sdd__carriers_free(&e->carriers);
    sdd__slots_free(&e->slots);
    sdd__clock_free(&e->clock);
    sdd__collection_free(&e->collection);
    free(e->cursor);
    free(e->holidays);
    sdd__drop_models_free(e->drop_models);
    for (int i = 0; i < e->n_strings; i++)
        free(e->strings[i]);
    free(e->strings);
    sdd__resolver_free(&e->resolver);
    if (e->batch)
        sdd__flow_batch_free(e->batch);
    free(e->batch);
    sdd__accs_free(e);
    free(e->handles);
    sdd__history_close(e->hist);
    sdd__inventory_free(e->inv);
    free(e->cfg.profiles);
    free(e);
}

void sdd_engine_on_notification(sdd_engine *e, sdd_notify_fn fn, void *ctx)
{
    if (!e)
        return;
    e->notify = fn;
    e->notify_ctx = ctx;
}

int sdd_engine_load_inventory(sdd_engine *e, const char *path, sdd_error *err)
{
    if (!e || !path)
        return sdd__fail(err, SDD_E_ARG, "sdd_engine_load_inventory: no engine or no path");
    sdd__engine_fold(e);                /* services may be numbered anew */
    return load_inventory(e, path, err);
}

/* ---- slots ------------------------------------------------------------- */

static sdd__service_state *state_of(sdd_engine *e, int svc)
{
    return sdd__services_get(&e->services, svc, e->inv, &e->cfg, e->hist);
}

static void close_services(sdd_engine *e, int64_t slot, int gaps);
static void on_event(sdd_engine *e, int svc, const sdd_event *x);
static void on_withdraw(sdd_engine *e, int svc, const sdd__service_state *st, int64_t t);

/* Zeroes the rows of a slot that leaves allowed_lateness: its row is the
 * next open slot's. */
static void clear_row(sdd_engine *e, int64_t slot)
{
    sdd__slots *sl = &e->slots;
    int row = sdd__slot_row(sl, slot);

    if (sl->row_records[row])
        for (int i = 0; i < e->services.n; i++) {
            memset(sdd__slot_sums(sl, e->services.st[i].rows, slot), 0, SDD_M_COUNT * sizeof(double));
            if (e->services.st[i].sites)
                sdd__sites_clear_row(e->services.st[i].sites, row);
        }
    sl->row_records[row] = 0;
    sl->row_closed_empty[row] = 0;
}

/* 1 when the exporter of one of the service's terminations sent no flows
 * in the slot (collection.h): the service's flows of it are incomplete. */
static int flow_gap(const sdd_engine *e, int svc, int64_t slot)
{
    const sdd_service *s = sdd__inventory_service(e->inv, svc);

    for (int t = 0; t < s->n_terms; t++)
        if (sdd__collection_gap(&e->collection, &e->clock, SDD_INPUT_FLOW, &s->terms[t].router, slot))
            return 1;
    return 0;
}

/* A slot of a service whose flows are incomplete into history: its events
 * (BMP, interfaces) are whole; its flow series stay "no data", so that a
 * lost exporter is neither judged as lost traffic nor the baseline of later
 * weeks. Records that come late for it are added then (account). How many
 * writes history refused. */
static int write_events_only(const sdd_engine *e, const sdd__service_state *st, int64_t slot)
{
    int refused = 0;

    for (int m = SDD_M_BMP_UPDATES; m <= SDD_M_IFACE_DOWN; m++)
        refused -= sdd__slot_try_metric(&e->slots, e->hist, st->hist, st->rows, slot, m);
    return refused;
}

/* Moves the slot's sums into history (a slot in which the engine got no
 * record at all stays "no data": the input was away, not the traffic) and
 * runs detection on every service (close_services). A service one of whose
 * exporters had a gap in the slot is judged on its events only. */
static void close_slot(sdd_engine *e, int64_t slot)
{
    sdd__slots *sl = &e->slots;
    int row = sdd__slot_row(sl, slot);
    int had_data = sl->row_records[row] > 0;
    int count = sdd__inventory_count(e->inv);
    sdd__collection_close_at at = {e->clock.lead, sl->step, sl->data_delay > sl->step ? sl->data_delay : sl->step};
    int gaps = sdd__collection_close(&e->collection, &e->clock, slot, &at);

    sdd__engine_fold(e);
    if (count > e->services.n)
        state_of(e, count - 1);
    sl->row_closed_empty[row] = !had_data;
    if (had_data)
        close_services(e, slot, gaps);
    e->counters[C_SLOTS_CLOSED]++;
    clear_row(e, slot - sl->n_late);
}

/* Skips the slots up to last_closed when no row holds a record: each would
 * close empty. Their rows are marked so, in one step whatever the gap (a
 * front end back after days, a clock far ahead). */
static void skip_empty(sdd_engine *e, int64_t last_closed)
{
    sdd__slots *sl = &e->slots;
    int64_t from = sl->next_close;

    if (last_closed < from || !sdd__slots_empty(sl))
        return;
    if (last_closed - from >= sl->n_rows)
        from = last_closed - sl->n_rows + 1;
    for (int64_t slot = from; slot <= last_closed; slot++)
        sl->row_closed_empty[sdd__slot_row(sl, slot)] = 1;
    e->counters[C_SLOTS_SKIPPED] += (uint64_t)(last_closed - sl->next_close + 1);
    sl->next_close = last_closed + 1;
}

/* Closes every slot whose end the watermark (the engine's time minus
 * data_delay) has passed. */
static void close_until(sdd_engine *e, int64_t now)
{
    sdd__slots *sl = &e->slots;

    if (now == INT64_MIN || sl->next_close == INT64_MIN)
        return;                         /* no time yet */
    int64_t last_closed = sdd__slot_of(sl, now - sl->data_delay) - 1;
    int timed = e->judging && sl->next_close <= last_closed;

    if (timed)
        e->judging(e->judging_ctx, 1);
    while (sl->next_close <= last_closed) {
        skip_empty(e, last_closed);
        if (sl->next_close <= last_closed)
            close_slot(e, sl->next_close++);
    }
    if (timed)
        e->judging(e->judging_ctx, 0);
    sdd__clock_wake_at(&e->clock, (sl->next_close + 1) * sl->step + sl->data_delay);
}

/* A record's time: 0 when it is taken (the engine's time may move and close
 * slots), -1 when it is too far ahead of the engine's time (counted). The
 * first record fixes where slots start; before it nothing is open. */
static int see_time(sdd_engine *e, sdd_input_kind kind, const sdd_addr *router, int64_t t)
{
    sdd__slots *sl = &e->slots;

    if (sdd__clock_see(&e->clock, kind, router, t) > 0) {
        e->counters[C_FUTURE_DROPPED]++;
        return -1;
    }
    if (sl->next_close == INT64_MIN) {
        sl->next_close = sdd__slot_of(sl, t - sl->data_delay);
        sl->first_slot = sdd__slot_of(sl, t);
    }
    sdd__collection_seen(&e->collection, e->clock.last, kind, sdd__slot_of(sl, t), sdd__slot_of(sl, t) < sl->next_close);
    if (t > sl->newest)
        sl->newest = t;
    close_until(e, e->clock.now);
    return 0;
}

int sdd_engine_advance(sdd_engine *e, int64_t now)
{
    if (!e)
        return 0;
    sdd__clock_tell(&e->clock, now);
    if (e->slots.next_close == INT64_MIN)
        return 0;
    close_until(e, e->clock.now);
    return 1;
}

/* Adds one record's contribution to a service's slot, open or within
 * allowed_lateness; a late one goes on into history at once. */
/* The slot of time t and its row: records come a slot at a time, so the
 * last one's is kept and the divisions are made once a slot. */
static int64_t slot_at(sdd_engine *e, int64_t t, int *row)
{
    const sdd__slots *sl = &e->slots;

    if ((uint64_t)t - (uint64_t)e->memo_start >= (uint64_t)sl->step) {
        e->memo_slot = sdd__slot_of(sl, t);
        e->memo_start = e->memo_slot * sl->step;
        e->memo_row = sdd__slot_row(sl, e->memo_slot);
    }
    *row = e->memo_row;
    return e->memo_slot;
}

/* A slot that has left allowed_lateness: its row is another slot's. */
static int too_late(const sdd__slots *sl, int64_t slot)
{
    return (sl->next_close - slot) * sl->step > sl->allowed_lateness;
}

static void account(sdd_engine *e, sdd__service_state *st, int64_t t, const int *metric, const double *value, int n)
{
    sdd__slots *sl = &e->slots;
    int row;
    int64_t slot = slot_at(e, t, &row);
    double *m;

    if (too_late(sl, slot)) {
        e->counters[C_LATE_DROPPED]++;
        return;
    }
    m = st->rows + (size_t)row * SDD_M_COUNT;
    for (int i = 0; i < n; i++)
        m[metric[i]] += value[i];
    sl->row_records[row]++;
    if (slot >= sl->next_close)
        return;
    for (int i = 0; i < n; i++)
        sdd__slot_write_metric(sl, e->hist, st->hist, st->rows, slot, metric[i]);
    e->counters[C_LATE_ADDED]++;
}

/* Adds one record's contribution (value of SDD_SM_* metric) to its site's
 * slot: a termination among the first SDD_SITES_TRACKED of a service of
 * several (n_terms). The sites' sums are made at the first such record. */
static void account_site(sdd_engine *e, sdd__service_state *st, int n_terms, int term, int64_t t, int metric,
                         double value)
{
    int row;
    int64_t slot = slot_at(e, t, &row);

    if (term < 0 || term >= SDD_SITES_TRACKED || n_terms < 2 || too_late(&e->slots, slot))
        return;
    if (!st->sites && !(st->sites = sdd__sites_new(e->slots.n_rows)))
        return;                         /* out of memory: judged as a service of one site */
    sdd__sites_sums(st->sites, row, term)[metric] += value;
}

/* A flow's forwarded bytes, or its drops, into its site's slot. */
static void account_flow_site(sdd_engine *e, sdd__service_state *st, const sdd__mapping *map, const sdd_flow_agg *a)
{
    int n_terms = sdd__inventory_service(e->inv, map->svc)->n_terms;

    if (SDD_FWD_STATUS(a->fwd_status) == SDD_FWD_STATUS_DROPPED) {
        account_site(e, st, n_terms, map->term, a->time, SDD_SM_DROP_BYTES, (double)a->bytes);
        account_site(e, st, n_terms, map->term, a->time, SDD_SM_DROP_PACKETS, (double)a->packets);
    } else {
        account_site(e, st, n_terms, map->term, a->time,
                     a->ip_proto == 6 || a->ip_proto == 17 ? SDD_SM_BYTES : SDD_SM_OTHER_BYTES, (double)a->bytes);
    }
}

/* ---- records ----------------------------------------------------------- */

/* The state of the service a record mapped to, or NULL (counted by why). */
static sdd__service_state *mapped(sdd_engine *e, int svc, const sdd_unmapped *why)
{
    if (svc < 0) {
        e->unmapped[*why]++;
        return NULL;
    }
    return state_of(e, svc);
}

/* A record the API cannot take (NULL, a kind or type out of range) is
 * counted, never read. */
static int refused(sdd_engine *e, int bad)
{
    if (bad && e)
        e->counters[C_REFUSED]++;
    return bad || !e;
}

/* What add_flow_of is given for a record of the per-record path. */
#define NO_HANDLE UINT32_MAX

/* One aggregate of a flow key whose mapping is at m (made again here if
 * the inventory changed), as the per-record and the batch paths add it;
 * the batch path's (of handle h) into the handle's accumulator when it can
 * take it. */
static void add_flow_of(sdd_engine *e, sdd__mapping *m, uint32_t h, const sdd_flow_agg *a)
{
    double flows = a->flows ? (double)a->flows : 1;
    const sdd__mapping *map;
    sdd__service_state *st;
    int metric[6], n = 0;
    double value[6];

    e->counters[C_FLOWS]++;
    if (see_time(e, SDD_INPUT_FLOW, &m->key.router, a->time) < 0)
        return;
    if (h != NO_HANDLE)
        sdd__acc_remap(e, h);
    map = sdd__mapping_get(m, e->inv);
    st = mapped(e, map->svc, &map->why);
    if (!st)
        return;
    if (h != NO_HANDLE) {
        int row;
        int64_t slot = slot_at(e, a->time, &row);
        if (sdd__acc_take(e, h, map, slot, row, a))
            return;
    }
    if (map->if_in >= 0)
        metric[n] = SDD_M_IF_IN_BYTES + map->if_in, value[n++] = (double)a->bytes;
    if (map->if_out >= 0)
        metric[n] = SDD_M_IF_OUT_BYTES + map->if_out, value[n++] = (double)a->bytes;
    if (SDD_FWD_STATUS(a->fwd_status) == SDD_FWD_STATUS_DROPPED) {
        metric[n] = SDD_M_DROP_BYTES + (a->fwd_status & 0x0f), value[n++] = (double)a->bytes;
        metric[n] = SDD_M_DROP_PACKETS, value[n++] = (double)a->packets;
    } else if (a->ip_proto == 6) {
        metric[n] = SDD_M_TCP_BYTES, value[n++] = (double)a->bytes;
        metric[n] = SDD_M_TCP_PACKETS, value[n++] = (double)a->packets;
        metric[n] = SDD_M_TCP_FLOWS, value[n++] = flows;
        if (a->tcp_flags & SDD_TCP_SYN)
            metric[n] = SDD_M_TCP_SYN_FLOWS, value[n++] = flows;
    } else if (a->ip_proto == 17) {
        metric[n] = SDD_M_UDP_BYTES, value[n++] = (double)a->bytes;
        metric[n] = SDD_M_UDP_PACKETS, value[n++] = (double)a->packets;
        metric[n] = SDD_M_UDP_FLOWS, value[n++] = flows;
    } else {
        metric[n] = SDD_M_OTHER_BYTES, value[n++] = (double)a->bytes;
        metric[n] = SDD_M_OTHER_PACKETS, value[n++] = (double)a->packets;
        metric[n] = SDD_M_OTHER_FLOWS, value[n++] = flows;
    }
    account(e, st, a->time, metric, value, n);
    account_flow_site(e, st, map, a);
}

void sdd_engine_add_flow(sdd_engine *e, const sdd_flow *f)
{
    sdd__mapping *m, one;
    sdd_flow_agg a;

    if (refused(e, !f))
        return;
    sdd__flow_agg_of(f, 0, &a);
    m = sdd__resolver_slot(&e->resolver, e->inv, f);
    if (!m) {                           /* no cache (out of memory): mapped for this record only */
        sdd__flow_key_of(f, &one.key);
        one.version = 0;
        m = &one;
    }
    add_flow_of(e, m, NO_HANDLE, &a);
}

int sdd_engine_flow_handle(sdd_engine *e, const sdd_flow *key, sdd_flow_handle *out, sdd_error *err)
{
    sdd__mapping *m;

    if (!e || !key || !out)
        return sdd__fail(err, SDD_E_ARG, "sdd_engine_flow_handle: no engine, key or handle");
    if (e->n_handles == e->cap_handles) {
        uint32_t cap = e->cap_handles ? 2 * e->cap_handles : 1024;
        sdd__mapping *grown = cap > e->cap_handles ? realloc(e->handles, (size_t)cap * sizeof(*grown)) : NULL;
        if (grown)
            e->handles = grown;
        if (!grown || sdd__accs_grow(e, cap) < 0)
            return sdd__fail(err, SDD_E_NOMEM, "out of memory");
        e->cap_handles = cap;
    }
    m = &e->handles[e->n_handles];
    memset(m, 0, sizeof(*m));
    sdd__flow_key_of(key, &m->key);
    *out = e->n_handles++;
    return 0;
}

/* The first record of an armed handle in an open slot other than the
 * tagged one, quiet (accum.h): the tag moved there. 0: the per-record
 * path sees to it. */
static int next_slot(sdd_engine *e, uint32_t h, uint64_t version, const sdd_flow_agg *a)
{
    int row;
    int64_t slot = slot_at(e, a->time, &row);

    return slot >= e->slots.next_close && sdd__acc_quiet(e, &e->accs[h], version, slot, a) &&
           sdd__acc_retag(e, h, slot, row, a);
}

/* A handle's accumulator is asked of memory this many aggregates ahead:
 * its address is the handle's, and the handles of a batch are many and
 * cold, so that the misses of several records overlap. */
#define AHEAD 16

void sdd_engine_add_flows(sdd_engine *e, const sdd_flow_agg *a, size_t n)
{
    uint64_t version;

    if (refused(e, !a && n))
        return;
    version = sdd__inventory_version(e->inv);
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n && a[i + AHEAD].handle < e->n_handles) {
            const char *ahead = (const char *)&e->accs[a[i + AHEAD].handle];
            __builtin_prefetch(ahead, 1);
            __builtin_prefetch(ahead + 64, 1);
        }
        if (refused(e, a[i].handle >= e->n_handles) || sdd__acc_fast(e, &e->accs[a[i].handle], version, &a[i]) ||
            next_slot(e, a[i].handle, version, &a[i]))
            continue;
        add_flow_of(e, &e->handles[a[i].handle], a[i].handle, &a[i]);
        version = sdd__inventory_version(e->inv);   /* the record may have taught the inventory */
    }
}

static const int bmp_metric[] = {
    [SDD_BMP_PEER_UP] = SDD_M_BMP_PEER_UP,
    [SDD_BMP_PEER_DOWN] = SDD_M_BMP_PEER_DOWN,
    [SDD_BMP_UPDATE] = SDD_M_BMP_UPDATES,
    [SDD_BMP_WITHDRAW] = SDD_M_BMP_WITHDRAWS,
};

/* A route of an initial RIB dump (after a BMP session or a BGP session
 * comes up): its per-peer time is when the router got it, long before the
 * collector did. */
static int rib_dump(const sdd_engine *e, const sdd_bmp_event *ev)
{
    return (ev->type == SDD_BMP_UPDATE || ev->type == SDD_BMP_WITHDRAW) && ev->arrival &&
           ev->arrival - ev->time > e->slots.allowed_lateness;
}

/* The termination of the service that ev's session concerns: the one of
 * its RD or peer on its router; else (a peer outside any VRF that carried
 * the service's routes) the service's first termination on that router,
 * the site that lost them; -1 if none. */
static int session_termination(const sdd_service *s, const sdd_bmp_event *ev)
{
    int t = sdd__service_termination(s, &ev->router, ev->rd, &ev->peer);

    for (int i = 0; t < 0 && i < s->n_terms; i++)
        if (memcmp(&s->terms[i].router, &ev->router, sizeof(ev->router)) == 0)
            t = i;
    return t;
}

/* The session of ev's peer went down or came up, as an event of service
 * svc (at `time`, with `reason`), judged at once. */
static void add_peer_event(sdd_engine *e, int svc, sdd_event_kind kind, int64_t time, const sdd_bmp_event *ev,
                           int reason)
{
    const sdd_service *s = sdd__inventory_service(e->inv, svc);
    sdd_event x;

    memset(&x, 0, sizeof(x));
    x.time = time;
    x.kind = kind;
    x.termination = session_termination(s, ev);
    x.reason = reason;
    x.peer = ev->peer;
    sdd__service_add_event(&e->services.st[svc], &x);
    on_event(e, svc, &x);
}

/* A route received through a peer outside any VRF (the global instance):
 * no RD, or the route's own (a VPNv4 route from a route reflector or a
 * remote PE), from a peer that is one (the Loc-RIB's is the unspecified
 * address, and never drops as a session does). */
static int through_global_peer(const sdd_bmp_event *ev)
{
    return (ev->type == SDD_BMP_UPDATE || ev->type == SDD_BMP_WITHDRAW) && (!ev->rd || ev->rd_of_route) &&
           !sdd_addr_is_zero(&ev->peer);
}

/* What a global peer's route says of the services it carries: learned
 * when the route maps to a service, forgotten when it is withdrawn or
 * replaced by one of no service (carriers.h). */
static void learn_carrier(sdd_engine *e, int svc, const sdd_bmp_event *ev)
{
    uint64_t key;

    if (!through_global_peer(ev))
        return;
    key = sdd__route_key(ev->rd, ev->prefix);
    if (ev->type == SDD_BMP_WITHDRAW || svc < 0)
        sdd__carriers_remove(&e->carriers, &ev->router, &ev->peer, key);
    else
        sdd__carriers_add(&e->carriers, &ev->router, &ev->peer, key, svc);
}

/* A global peer's drop is a peer down, judged at once, of every service
 * whose routes it carried (BMP sends no withdrawals for them: they are gone
 * with the session), with the reason of the drop. Not of a service that
 * another peer of the same router still carries: with a redundant pair of
 * route reflectors, the other one still gives the router the service's
 * routes, and the drop is counted (global_peer_down_other_path), not a
 * customer's disruption; the state comes when the service loses its last
 * path, at the other's drop. svc, the service the inventory names for the
 * peer, has its event from the caller. */
static void cut_off_carried(sdd_engine *e, int svc, const sdd_bmp_event *ev)
{
    sdd__carried *carried;
    int n = sdd__carriers_drop(&e->carriers, &ev->router, &ev->peer, &carried);

    for (int i = 0; i < n; i++) {
        int s = carried[i].svc;
        if (s == svc || !state_of(e, s))
            continue;
        if (sdd__carriers_reach(&e->carriers, &ev->router, s))
            e->counters[C_OTHER_PATH]++;
        else
            add_peer_event(e, s, SDD_EV_PEER_DOWN, ev->time, ev, SDD_PEER_DOWN_CODE(ev));
    }
    free(carried);
}

/* A global peer's session (no RD: the global instance) went down or came
 * back: when it comes back, every other service its drop cut off gets the
 * up, which ends the disruption. */
static void on_global_peer(sdd_engine *e, int svc, const sdd_bmp_event *ev)
{
    if (ev->type == SDD_BMP_PEER_DOWN)
        cut_off_carried(e, svc, ev);
    if (ev->type != SDD_BMP_PEER_UP)
        return;
    for (int i = 0; i < e->services.n; i++)
        if (i != svc && sdd__service_peer_is_down(&e->services.st[i], sdd__inventory_service(e->inv, i),
                                                  &ev->router, &ev->peer))
            add_peer_event(e, i, SDD_EV_PEER_UP, ev->time, ev, -1);
}

void sdd_engine_add_bmp(sdd_engine *e, const sdd_bmp_event *ev)
{
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    double one = 1;
    sdd__service_state *st;
    int svc;

    if (refused(e, !ev || ev->type < SDD_BMP_PEER_UP || ev->type > SDD_BMP_WITHDRAW))
        return;
    e->counters[C_BMP]++;
    e->counters[C_BMP_TIME_FROM_ARRIVAL] += ev->time_from_arrival != 0;
    if (rib_dump(e, ev)) {
        /* what the routes say of the services is learned; they are not
         * churn, nor late, nor time */
        e->counters[C_RIB_DUMP]++;
        learn_carrier(e, sdd__inventory_map_bmp(e->inv, ev, &why), ev);
        return;
    }
    if (see_time(e, SDD_INPUT_BMP, &ev->router, ev->time) < 0)
        return;
    svc = sdd__inventory_map_bmp(e->inv, ev, &why);
    learn_carrier(e, svc, ev);
    if (!ev->rd)
        on_global_peer(e, svc, ev);
    st = mapped(e, svc, &why);
    if (!st)
        return;
    account(e, st, ev->time, &bmp_metric[ev->type], &one, 1);
    if ((ev->type == SDD_BMP_UPDATE || ev->type == SDD_BMP_WITHDRAW) && ev->rd) {
        const sdd_service *s = sdd__inventory_service(e->inv, svc);
        account_site(e, st, s->n_terms, sdd__service_termination(s, &ev->router, ev->rd, NULL), ev->time,
                     SDD_SM_ROUTES, 1);
    }
    if (ev->type == SDD_BMP_WITHDRAW)
        on_withdraw(e, svc, st, ev->time);
    if (ev->type == SDD_BMP_PEER_UP || ev->type == SDD_BMP_PEER_DOWN)
        add_peer_event(e, svc, ev->type == SDD_BMP_PEER_UP ? SDD_EV_PEER_UP : SDD_EV_PEER_DOWN, ev->time, ev,
                       SDD_PEER_DOWN_CODE(ev));
}

void sdd_engine_add_iface(sdd_engine *e, const sdd_iface_event *ev)
{
    sdd_unmapped why = SDD_UNMAPPED_NONE;
    int term, metric;
    double one = 1;
    sdd__service_state *st;
    sdd_event x;
    int svc;

    if (refused(e, !ev))
        return;
    metric = ev->oper_up ? SDD_M_IFACE_UP : SDD_M_IFACE_DOWN;
    e->counters[C_IFACE]++;
    if (see_time(e, SDD_INPUT_TELEMETRY, &ev->router, ev->time) < 0)
        return;
    svc = sdd__inventory_map_iface(e->inv, ev, &term, &why);
    st = mapped(e, svc, &why);
    if (!st)
        return;
    account(e, st, ev->time, &metric, &one, 1);
    memset(&x, 0, sizeof(x));
    x.time = ev->time;
    x.kind = ev->oper_up ? SDD_EV_IFACE_UP : SDD_EV_IFACE_DOWN;
    x.termination = term;
    x.reason = -1;
    snprintf(x.ifname, sizeof(x.ifname), "%s", ev->ifname);
    sdd__service_add_event(st, &x);
    on_event(e, svc, &x);
}

int sdd__engine_parse(sdd_engine *e, sdd_input_kind kind, const char *line, size_t len, sdd_record *r)
{
    sdd_skip why;

    r->kind = kind;
    switch (kind) {
    case SDD_INPUT_FLOW:
        why = sdd__parse_flow(line, len, &r->u.flow, NULL, 0);
        r->time = r->u.flow.time;
        break;
    case SDD_INPUT_BMP:
        why = sdd__parse_bmp(line, len, &r->u.bmp, NULL, 0);
        r->time = r->u.bmp.time;
        break;
    default:
        why = sdd__parse_iface(line, len, &r->u.iface, NULL, 0);
        r->time = r->u.iface.time;
        break;
    }
    e->skipped[kind][why]++;
    return why == SDD_SKIP_NONE ? 1 : why == SDD_SKIP_IGNORED ? 0 : -1;
}

/* Parsed flow records (sddd's inputs, a replay, sdd_engine_add_json)
 * through the engine's own table of handles (flow_batch.h), as the plugin's
 * flows go: the batch path's accumulator instead of the mapping cache, the
 * service's state and rows, a miss each at 100,000 services. They are added
 * before this returns, so the records keep their order with no flush. */
static void add_parsed_flows(sdd_engine *e, const sdd_flow *f, size_t n)
{
    if (n == 0)
        return;
    if (!e->batch && !(e->batch = calloc(1, sizeof(*e->batch)))) {
        for (size_t i = 0; i < n; i++)
            sdd_engine_add_flow(e, &f[i]);
        return;
    }
    sdd__flow_batch_add(e->batch, e, f, n);
}

void sdd__engine_add_record(sdd_engine *e, const sdd_record *r)
{
    if (r->kind == SDD_INPUT_FLOW)
        add_parsed_flows(e, &r->u.flow, 1);
    else if (r->kind == SDD_INPUT_BMP)
        sdd_engine_add_bmp(e, &r->u.bmp);
    else
        sdd_engine_add_iface(e, &r->u.iface);
}

void sdd__engine_end_run(sdd_engine *e, sdd__flow_run *run)
{
    add_parsed_flows(e, run->flow, run->n);
    run->n = 0;
}

void sdd__engine_add_in_run(sdd_engine *e, sdd__flow_run *run, const sdd_record *r)
{
    if (r->kind != SDD_INPUT_FLOW) {
        sdd__engine_end_run(e, run);    /* the records keep their order */
        sdd__engine_add_record(e, r);
        return;
    }
    run->flow[run->n++] = r->u.flow;
    if (run->n == SDD_FLOW_RUN)
        sdd__engine_end_run(e, run);
}

void sdd__engine_refused_by_caps(const sdd_engine *e, uint64_t *services, uint64_t *terminations)
{
    sdd__inventory_refused(e->inv, services, terminations);
}

void sdd__engine_on_judging(sdd_engine *e, sdd__judging_fn fn, void *ctx)
{
    e->judging = fn;
    e->judging_ctx = ctx;
}

void sdd__engine_on_collection(sdd_engine *e, sdd__collection_event_fn fn, void *ctx)
{
    e->collection.fn = fn;
    e->collection.ctx = ctx;
}

void sdd__engine_count_too_long(sdd_engine *e, uint64_t n)
{
    e->counters[C_LINES_TOO_LONG] += n;
}

int sdd_engine_add_json(sdd_engine *e, sdd_input_kind kind, const char *line, size_t len)
{
    sdd_record r;
    int got;

    if (refused(e, !line || kind < SDD_INPUT_FLOW || kind > SDD_INPUT_TELEMETRY))
        return -1;
    got = sdd__engine_parse(e, kind, line, len, &r);
    if (got > 0)
        sdd__engine_add_record(e, &r);
    return got < 0 ? -1 : 0;
}

void sdd_engine_finish(sdd_engine *e)
{
    sdd__slots *sl = e ? &e->slots : NULL;

    if (!sl || sl->next_close == INT64_MIN)
        return;
    /* Close every slot that can hold data, as if the watermark had moved on. */
    int64_t last = sdd__slot_of(sl, sl->newest);
    while (sl->next_close <= last)
        close_slot(e, sl->next_close++);
}

/* ---- detection --------------------------------------------------------- */

/* One closed slot of every short series, as history gives it. */
typedef struct short_row {
    int64_t slot;                       /* INT64_MIN: none read yet */
    double value[SDD_M_SHORT_COUNT];
} short_row;

typedef struct series_ctx {
    const sdd_engine *e;
    const sdd__service_state *st;
    short_row *row;                     /* NULL: one-slot reads go to history each */
} series_ctx;

/* A closed slot of a short series: detectors read one slot of many of
 * them (the forwarding detector 17), which are one row of history's
 * slot-major short ring, read once into c->row. */
static double row_value(const series_ctx *c, int metric, int64_t slot)
{
    if (c->row->slot != slot) {
        sdd__history_read_row(c->e->hist, c->st->hist, 1, 0, SDD_M_SHORT_COUNT, slot, c->row->value);
        c->row->slot = slot;
    }
    return c->row->value[metric - SDD_M_LONG_COUNT];
}

/* A closed slot's value comes from history; an open one's (judged for an
 * event) is what its row holds so far, data once a record came. */
static int read_series(const void *ctx, int metric, int64_t first, int n, double *out)
{
    const series_ctx *c = ctx;
    const sdd__slots *sl = &c->e->slots;
    int64_t closed = sl->next_close - first;
    int k = closed < 0 ? 0 : closed < n ? (int)closed : n;    /* out[0..k-1] have closed */
    int present = 0;

    if (k == 1 && n == 1 && metric >= SDD_M_LONG_COUNT && c->row)
        return !isnan(out[0] = row_value(c, metric, first));
    if (k > 0)
        present = metric < SDD_M_LONG_COUNT
                      ? sdd__history_read_baseline(c->e->hist, c->st->hist, (uint16_t)metric, first, k, out)
                      : sdd__history_read(c->e->hist, c->st->hist, 1, (uint16_t)(metric - SDD_M_LONG_COUNT), first,
                                          k, out);
    for (int i = k; i < n; i++) {
        int64_t slot = first + i;
        out[i] = sl->row_records[sdd__slot_row(sl, slot)] ? sdd__slot_sums(sl, c->st->rows, slot)[metric] : NAN;
        present += !isnan(out[i]);
    }
    return present;
}

/* The capacities and terminations of the service's tracked interfaces, in
 * tracking order. */
static int tracked_capacities(const sdd_service *s, double *capacity, int *termination)
{
    int k = 0;

    for (int t = 0; t < s->n_terms; t++)
        for (int i = 0; i < s->terms[t].n_ifaces && k < SDD_IF_TRACKED; i++, k++) {
            capacity[k] = s->terms[t].ifaces[i].capacity_bps;
            termination[k] = t;
        }
    return k;
}

/* What judging a service gave, kept until it is published in service
 * order: a new revision of its relevant state (with its notification when
 * there is a callback), or a disruption left out in a change window. */
typedef enum verdict_kind { V_NONE, V_REVISED, V_IN_CHANGE_WINDOW } verdict_kind;

typedef struct sdd__verdict {
    verdict_kind kind;
    char *json;                         /* of a revision, NULL without a callback or memory */
    int64_t slot_end;
    int refused_writes;                 /* history writes of the closed slot refused */
    int flow_gap;                       /* judged on its events only (flow_gap) */
} sdd__verdict;

/* A verdict to the caller and the counters, then forgotten: only ever on
 * the engine's own thread, so the callback is never called concurrently. */
static void publish(sdd_engine *e, int svc, sdd__verdict *v)
{
    const sdd__service_state *st = &e->services.st[svc];
    sdd_notification n;

    e->slots.write_errors += (uint64_t)v->refused_writes;
    if (v->flow_gap)
        e->counters[C_NOT_JUDGED_GAP]++;
    if (v->kind == V_IN_CHANGE_WINDOW)
        e->counters[C_IN_CHANGE_WINDOW]++;
    if (v->kind == V_REVISED) {
        if (e->notify && v->json) {
            n.id = st->rs.id;
            n.vpn_id = sdd__inventory_service(e->inv, svc)->vpn_id;
            n.revision = st->rs.revision;
            n.slot_end = v->slot_end;
            n.json = v->json;
            e->notify(e->notify_ctx, &n);
        }
        e->counters[v->json || !e->notify ? C_NOTIFICATIONS : C_NOTIFICATIONS_FAILED]++;
    }
    free(v->json);
    memset(v, 0, sizeof(*v));
}

/* The service's sites in the slot, when the slot was judged per site. */
static int site_inputs(const sdd_engine *e, const sdd__service_state *st, const sdd_service *s, int64_t slot,
                       sdd_site_input *out)
{
    int n = s->n_terms < SDD_SITES_TRACKED ? s->n_terms : SDD_SITES_TRACKED;
    int row = sdd__slot_row(&e->slots, slot);

    if (!st->sites || st->sites->judged != slot)
        return 0;
    for (int i = 0; i < n; i++) {
        out[i].termination = i;
        out[i].usual = &st->sites->site[i];
        out[i].sums = sdd__sites_sums(st->sites, row, i);
        out[i].expected = sdd__sites_expected(st->sites, row, n, i, e->slots.step);
    }
    return n;
}

/* Judges one service at one slot: with every detector of the strategy when
 * the slot has closed, or with those of events only when an event was just
 * read (the slot still open: such a judgement opens or revises a relevant
 * state, never closes it). Touches the service's own state only, and reads
 * the engine: the services of a cycle are judged on several threads. */
static void assess(sdd_engine *e, int svc, int64_t slot, int events_only, sdd__verdict *v)
{
    sdd__service_state *st = &e->services.st[svc];
    const sdd_service *s = sdd__inventory_service(e->inv, svc);
    int64_t start = slot * e->cfg.time_step_seconds;
    short_row row = {.slot = INT64_MIN};
    series_ctx ctx = {e, st, &row};
    sdd_event events[SDD_EVENTS_KEPT];
    sdd_symptom sym[SDD_SYMPTOMS_MAX];
    sdd_detect_input in;
    int n, concern;

    memset(&in, 0, sizeof(in));
    in.profile = st->profile;
    in.step = e->cfg.time_step_seconds;
    in.slot = slot;
    in.season = season_of(e, start);
    for (int w = 0; w < (int)st->profile->v[SDD_P_BASELINE_WEEKS]; w++)
        in.ref_season[w] = season_of(e, start - (w + 1) * (int64_t)(st->profile->v[SDD_P_TIME_DELTA_HOURS] * 3600));
    in.series = read_series;
    in.ctx = &ctx;
    in.n_events = sdd__service_events(st, events);
    in.events = events;
    in.n_if = tracked_capacities(s, in.if_capacity_bps, in.if_termination);
    in.drop_model = sdd__drop_models_find(e->drop_models, st->profile->drop_model);
    in.n_sites = site_inputs(e, st, s, slot, in.sites);
    n = sdd__strategy_run(&e->strategy, &in, events_only, sym, SDD_SYMPTOMS_MAX);
    concern = sdd__concern_score(st->profile, sym, n);
    /* A planned change, with change_window_suppress, is no disruption: it
     * opens no relevant state, nor does its recovery within
     * pattern_length_minutes of its end (the slot's start in it). Otherwise
     * the state opens and carries the change (notification.c). */
    if (st->profile->v[SDD_P_CHANGE_WINDOW_SUPPRESS] != 0 && !sdd__lifecycle_is_open(&st->rs, st->profile) &&
        concern >= st->profile->v[SDD_P_CONCERN_THRESHOLD] &&
        sdd__change_window_of(s, start, start + 1, (int64_t)(st->profile->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60))) {
        v->kind = V_IN_CHANGE_WINDOW;
        return;
    }
    sdd_lifecycle_ctx lc = {
        .service = s,
        .profile = st->profile,
        .strategy = e->cfg.strategy,
        .slot_start = start,
        .slot_end = start + e->cfg.time_step_seconds,
    };
    sdd_change change = events_only ? sdd__lifecycle_event(&st->rs, &lc, concern, sym, n)
                                    : sdd__lifecycle_step(&st->rs, &lc, concern, sym, n);
    if (change == SDD_CHANGE_NONE)
        return;
    v->kind = V_REVISED;
    v->json = e->notify ? sdd__notification_json(&st->rs, &lc) : NULL;
    v->slot_end = lc.slot_end;
}

/* An event's judgement, published at once. It runs the detectors of
 * events only (peer down, withdrawals, interface state), which read no
 * series the batch API's accumulators hold: they are not folded (a pass
 * over every handle's for each event of a storm). */
static void judge(sdd_engine *e, int svc, int64_t slot, int events_only)
{
    sdd__verdict v = {V_NONE, NULL, 0, 0, 0};

    assess(e, svc, slot, events_only, &v);
    publish(e, svc, &v);
}

/* The slot's per-site judgement of a service of several sites (one whose
 * exporters all sent flows in it: flow_gap). */
static void close_sites(sdd_engine *e, sdd__service_state *st, const sdd_service *s, int64_t slot)
{
    int n = s->n_terms < SDD_SITES_TRACKED ? s->n_terms : SDD_SITES_TRACKED;
    int row = sdd__slot_row(&e->slots, slot);

    if (!st->sites)
        return;
    sdd__sites_keep(st->sites, row, slot, n);
    sdd__sites_close(st->sites, row, slot, n, e->slots.step, st->profile->v[SDD_P_DROP_SHARE_THRESHOLD]);
}

/* One service's part of closing a slot: its sums into history, its profile
 * revised, its detectors run (the first slot, partial, is not judged). With
 * a gap in the service's flows (gaps: the slot has one somewhere), on its
 * events only: that opens or revises a relevant state, never closes one,
 * so a disruption followed before the gap is not ended by it. */
static void close_service(sdd_engine *e, int svc, int64_t slot, int gaps, sdd__verdict *v)
{
    sdd__service_state *st = &e->services.st[svc];
    int gap = gaps && flow_gap(e, svc, slot);

    v->refused_writes = gap ? write_events_only(e, st, slot)
                            : sdd__slot_write_row(&e->slots, e->hist, st->hist, st->rows, slot);
    if (!gap)
        close_sites(e, st, sdd__inventory_service(e->inv, svc), slot);
    sdd__services_revise(&e->services, svc, sdd__inventory_service(e->inv, svc), &e->cfg, e->hist, slot,
                         e->cfg.time_step_seconds);
    if (slot > e->slots.first_slot) {
        v->flow_gap = gap;
        assess(e, svc, slot, gap, v);
    }
}

typedef struct closing {
    sdd_engine *e;
    int64_t slot;
    int gaps;
} closing;

static void close_some(void *ctx, int first, int last)
{
    const closing *c = ctx;

    for (int i = first; i < last; i++)
        close_service(c->e, i, c->slot, c->gaps, &c->e->verdicts[i]);
}

/* Every service's part, spread over the detection threads, then the
 * verdicts published in service order: the same notifications in the same
 * order whatever the number of threads. What the services share in history
 * (its header, the undo log) is done first, here (sdd__history_prepare);
 * the rest of a service's writes touch its own block. Without memory for
 * the verdicts, one service after the other on this thread. */
static void close_services(sdd_engine *e, int64_t slot, int gaps)
{
    closing c = {e, slot, gaps};
    int n = e->services.n;

    if (n > e->n_verdicts) {
        sdd__verdict *grown = realloc(e->verdicts, (size_t)n * sizeof(*grown));
        if (grown) {
            memset(grown + e->n_verdicts, 0, (size_t)(n - e->n_verdicts) * sizeof(*grown));
            e->verdicts = grown;
            e->n_verdicts = n;
        }
    }
    if (n > e->n_verdicts) {
        for (int i = 0; i < n; i++) {
            sdd__verdict v = {V_NONE, NULL, 0, 0, 0};
            close_service(e, i, slot, gaps, &v);
            publish(e, i, &v);
        }
        return;
    }
    if (e->workers)
        for (int i = 0; i < n; i++)
            sdd__history_prepare(e->hist, e->services.st[i].hist, slot);
    sdd__workers_run(e->workers, n, close_some, &c);
    for (int i = 0; i < n; i++)
        publish(e, i, &e->verdicts[i]);
}

/* A storm of withdrawals is judged as it grows, before its slot closes: when
 * the slot's count reaches bmp_min_events, then each time it doubles (a
 * judgement or two per storm, whatever its size). */
static void on_withdraw(sdd_engine *e, int svc, const sdd__service_state *st, int64_t t)
{
    const sdd__slots *sl = &e->slots;
    int64_t slot = sdd__slot_of(sl, t);
    double count, min = st->profile->v[SDD_P_BMP_MIN_EVENTS];

    if (slot < sl->next_close)
        return;                         /* late: its slot was judged whole */
    count = sdd__slot_sums(sl, st->rows, slot)[SDD_M_BMP_WITHDRAWS];
    if (count < min || count < 1 || (count > min && ((uint64_t)count & ((uint64_t)count - 1))))
        return;
    judge(e, svc, slot, 1);
}

/* A control- or management-plane event of a service, just read: a down is
 * judged at once; an up is the evidence of when the disruption ended. */
static void on_event(sdd_engine *e, int svc, const sdd_event *x)
{
    sdd__service_state *st = &e->services.st[svc];

    if (x->kind == SDD_EV_PEER_DOWN || x->kind == SDD_EV_IFACE_DOWN)
        judge(e, svc, sdd__slot_of(&e->slots, x->time), 1);
    else if (st->rs.open)
        sdd__lifecycle_recovered(&st->rs, x->time);
}

/* ---- counters ---------------------------------------------------------- */

void sdd_engine_counters(const sdd_engine *e, sdd_counter_fn fn, void *ctx)
{
    static const char *const kinds[3] = {"flow", "bmp", "telemetry"};
    char name[96];

    if (!e || !fn)
        return;
    for (int i = 0; i < C_COUNT; i++)
        fn(ctx, counter_names[i], e->counters[i]);
    for (int k = 0; k < 3; k++)
        for (int s = 0; s < SDD_SKIP_COUNT; s++) {
            snprintf(name, sizeof(name), "parsed_%s_%s", kinds[k], sdd__skip_name((sdd_skip)s));
            fn(ctx, name, e->skipped[k][s]);
        }
    for (int u = 1; u < SDD_UNMAPPED_COUNT; u++) {
        snprintf(name, sizeof(name), "unmapped_%s", sdd__unmapped_name((sdd_unmapped)u));
        fn(ctx, name, e->unmapped[u]);
    }
    fn(ctx, "services", (uint64_t)sdd__inventory_count(e->inv));
    fn(ctx, "services_refused", e->services.refused);
    uint64_t over_services, over_terms;
    sdd__engine_refused_by_caps(e, &over_services, &over_terms);
    fn(ctx, "services_over_max", over_services);
    fn(ctx, "terminations_over_max", over_terms);
    fn(ctx, "global_routes", e->carriers.routes);
    fn(ctx, "global_routes_over_max", e->carriers.refused);
    fn(ctx, "history_writes_refused", e->slots.write_errors);
    fn(ctx, "history_bytes_per_service", (uint64_t)sdd__history_bytes_per_entity(&e->shape));
    fn(ctx, "history_undo_failures", sdd__history_undo_failures(e->hist));
    fn(ctx, "exporters_silent", e->collection.silent_now[SDD_INPUT_FLOW]);
    fn(ctx, "collection_gap_slots_flow", e->collection.gap_slots[SDD_INPUT_FLOW]);
    fn(ctx, "collection_silences_flow", e->collection.silences[SDD_INPUT_FLOW]);
    fn(ctx, "collection_late_slots_flow", e->collection.late_slots[SDD_INPUT_FLOW]);
}

void sdd_engine_sources(const sdd_engine *e, sdd_source_fn fn, void *ctx)
{
    sdd__clock_source key;
    int64_t newest;

    if (!e || !fn)
        return;
    for (int i = 0; i < e->clock.n; i++) {
        sdd__clock_source_at(&e->clock, i, &key, &newest);
        fn(ctx, key.kind, &key.router, newest);
    }
}

void sdd_engine_open_states(const sdd_engine *e, sdd_counter_fn fn, void *ctx)
{
    uint64_t n[SDD_STAGE_COUNT] = {0};

    if (!e || !fn)
        return;
    for (int i = 0; i < e->services.n; i++) {
        const sdd__service_state *st = &e->services.st[i];
        if (sdd__lifecycle_is_open(&st->rs, st->profile))
            n[sdd__lifecycle_stage(&st->rs)]++;
    }
    for (int s = 0; s < SDD_STAGE_COUNT; s++)
        fn(ctx, sdd__stage_name((sdd_stage)s), n[s]);
}

int sdd_engine_traffic(sdd_engine *e, const char *vpn_id, int64_t from, int n, int max_weeks,
                       double *out, int *step)
{
    int svc = e && vpn_id ? sdd__inventory_find(e->inv, vpn_id) : -1;
    const sdd__service_state *st = svc >= 0 && svc < e->services.n ? &e->services.st[svc] : NULL;
    double *udp;

    if (!st || !st->profile || n <= 0 || !(udp = malloc((size_t)n * sizeof(*udp))))
        return -1;
    sdd__engine_fold(e);
    series_ctx c = {e, st, NULL};
    int weeks = (int)st->profile->v[SDD_P_BASELINE_WEEKS];
    int64_t back = (int64_t)(st->profile->v[SDD_P_TIME_DELTA_HOURS] * 3600 / e->slots.step);
    int64_t first = sdd__slot_of(&e->slots, from);

    weeks = weeks < max_weeks ? weeks : max_weeks;
    for (int k = 0; k <= weeks; k++) {
        double *row = out + (size_t)k * (size_t)n;
        read_series(&c, SDD_M_TCP_BYTES, first - k * back, n, row);
        read_series(&c, SDD_M_UDP_BYTES, first - k * back, n, udp);
        for (int i = 0; i < n; i++)
            row[i] = isnan(row[i]) ? udp[i] : isnan(udp[i]) ? row[i] : row[i] + udp[i];
    }
    free(udp);
    *step = e->slots.step;
    return weeks;
}

static void site_name_of(const sdd_termination *t, sdd_site_name *name)
{
    memset(name, 0, sizeof(*name));
    sdd_addr_format(&t->router, name->router, sizeof(name->router));
    /* as notifications name the site (notification.c) */
    snprintf(name->hostname, sizeof(name->hostname), "%s", t->hostname[0] ? t->hostname : name->router);
    snprintf(name->vrf_name, sizeof(name->vrf_name), "%s", t->vrf_name);
    if (t->rd)
        sdd_rd_format(t->rd, name->rd, sizeof(name->rd));
}

int sdd_engine_site_traffic(sdd_engine *e, const char *vpn_id, int site, int64_t from, int n, int max_weeks,
                            double *out, int *step, sdd_site_name *name)
{
    if (e)
        sdd__engine_fold(e);            /* its sums may make a service's sites */
    int svc = e && vpn_id ? sdd__inventory_find(e->inv, vpn_id) : -1;
    const sdd__service_state *st = svc >= 0 && svc < e->services.n ? &e->services.st[svc] : NULL;
    const sdd_service *s = st ? sdd__inventory_service(e->inv, svc) : NULL;
    int weeks;

    if (!s || !st->sites || site < 0 || site >= s->n_terms || site >= SDD_SITES_TRACKED ||
        (weeks = sdd_engine_traffic(e, vpn_id, from, n, max_weeks, out, step)) < 0)
        return -1;
    const sdd_site *u = &st->sites->site[site];
    int64_t first = sdd__slot_of(&e->slots, from);

    for (int i = 0; i < n; i++)
        out[i] = sdd__sites_recent(st->sites, site, first + i);
    /* the service's baseline weeks times the site's usual share, once learned */
    for (int i = n; i < (1 + weeks) * n; i++)
        out[i] = u->learned ? out[i] * u->share : NAN;
    site_name_of(&s->terms[site], name);
    return weeks;
}

int sdd_engine_sync(sdd_engine *e, sdd_error *err)
{
    if (!e)
        return sdd__fail(err, SDD_E_ARG, "no engine");
    if (sdd__history_sync(e->hist, err) < 0)
        return -1;
    sdd__engine_fold(e);                /* the state file keeps the rows */
    return e->cfg.state_file[0] ? sdd__checkpoint_save(e, err) : 0;
}

int sdd_engine_set_cursor(sdd_engine *e, const char *text)
{
    char *copy = text ? strdup(text) : NULL;

    if (!e || (text && !copy))
        return -1;
    free(e->cursor);
    e->cursor = copy;
    return 0;
}

const char *sdd_engine_cursor(const sdd_engine *e)
{
    return e ? e->cursor : NULL;
}
