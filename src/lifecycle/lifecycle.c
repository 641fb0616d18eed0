/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.c: opening, revising and closing relevant states; see lifecycle.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/lifecycle.h"

/* Bands of 25 points: a score moving inside a band is not news. */
static int band_of(int concern)
{
    return concern >= 100 ? 3 : concern / 25;
}

/* A state closed once it stayed below the threshold close_after_slots
 * slots; it is kept, closed, until resume_minutes after its end. */
static int closed(const sdd_relevant_state *rs, const sdd_profile *p)
{
    return rs->below >= (int)p->v[SDD_P_CLOSE_AFTER_SLOTS];
}

int sdd__lifecycle_is_open(const sdd_relevant_state *rs, const sdd_profile *p)
{
    return rs->open && !closed(rs, p);
}

/* Lets a closed state go once the slot judged starts resume_minutes or more
 * after its end: what comes next is another disruption. */
static void expire(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx)
{
    if (rs->open && closed(rs, ctx->profile) &&
        ctx->slot_start >= rs->end + (int64_t)ctx->profile->v[SDD_P_RESUME_MINUTES] * 60)
        sdd__lifecycle_release(rs);
}

static int same_symptom(const sdd_symptom *a, const sdd_symptom *b)
{
    return strcmp(a->detector, b->detector) == 0 && a->termination == b->termination;
}

static void open_state(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx, int concern)
{
    char name[256];

    memset(rs, 0, sizeof(*rs));
    rs->contrib = calloc(SDD_CONTRIB_MAX, sizeof(*rs->contrib));
    rs->open = rs->contrib != NULL;
    rs->start = ctx->slot_start;
    rs->end = ctx->slot_end;
    rs->concern = concern;
    rs->band = band_of(concern);
    snprintf(name, sizeof(name), "%s|%s|%lld", ctx->service->vpn_id, ctx->strategy, (long long)rs->start);
    sdd__uuid5(name, rs->id);
}

void sdd__lifecycle_release(sdd_relevant_state *rs)
{
    free(rs->contrib);
    memset(rs, 0, sizeof(*rs));
}

/* Merges this judgement's symptoms into the state; 1 if one was added or
 * went away. A judgement of events only (whole == 0) saw no other detector:
 * it adds, and takes nothing away. */
static int merge_symptoms(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx, const sdd_symptom *sym, int n,
                          int whole)
{
    int changed = 0;

    for (int c = 0; c < rs->n_contrib && whole; c++) {
        int was = rs->contrib[c].active;
        rs->contrib[c].active = 0;
        for (int i = 0; i < n; i++)
            if (sym[i].strength > 0 && same_symptom(&rs->contrib[c].symptom, &sym[i]))
                rs->contrib[c].active = 1;
        changed |= was != rs->contrib[c].active;
    }
    for (int i = 0; i < n; i++) {
        int c = 0;
        if (sym[i].strength <= 0)
            continue;
        while (c < rs->n_contrib && !same_symptom(&rs->contrib[c].symptom, &sym[i]))
            c++;
        if (c == rs->n_contrib) {
            if (c == SDD_CONTRIB_MAX)
                continue;
            rs->n_contrib++;
            rs->contrib[c].symptom = sym[i];
            rs->contrib[c].first = ctx->slot_start;
            rs->contrib[c].active = 1;
            changed = 1;
        } else if (sym[i].strength > rs->contrib[c].symptom.strength) {
            rs->contrib[c].symptom = sym[i];
        }
        rs->contrib[c].last = ctx->slot_start;
    }
    return changed;
}

/* A new revision, in the band of its score. */
static sdd_change revise(sdd_relevant_state *rs, int revision, sdd_change change)
{
    rs->revision = revision;
    rs->band = band_of(rs->concern);
    return change;
}

sdd_change sdd__lifecycle_step(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx, int concern,
                               const sdd_symptom *sym, int n)
{
    int threshold = (int)ctx->profile->v[SDD_P_CONCERN_THRESHOLD];
    int changed;

    expire(rs, ctx);
    if (!rs->open) {
        if (concern < threshold)
            return SDD_CHANGE_NONE;
        open_state(rs, ctx, concern);
        if (!rs->open)
            return SDD_CHANGE_NONE;
        merge_symptoms(rs, ctx, sym, n, 1);
        return revise(rs, 0, SDD_CHANGE_OPENED);
    }
    if (ctx->slot_end <= rs->start)
        return SDD_CHANGE_NONE;         /* a slot before the event that opened it */
    if (concern >= threshold) {
        /* a closed state whose evidence is back: open again */
        int resumed = closed(rs, ctx->profile);
        rs->below = 0;
        rs->end = ctx->slot_end;
        rs->concern = concern;
        changed = merge_symptoms(rs, ctx, sym, n, 1);
        if (resumed || changed || band_of(concern) != rs->band)
            return revise(rs, rs->revision + 1, SDD_CHANGE_REVISED);
        return SDD_CHANGE_NONE;
    }
    /* counting towards the close, or past it while the state is kept */
    if (++rs->below != (int)ctx->profile->v[SDD_P_CLOSE_AFTER_SLOTS])
        return SDD_CHANGE_NONE;
    rs->concern = concern;
    merge_symptoms(rs, ctx, NULL, 0, 1);
    if (rs->recovered > rs->end)
        rs->end = rs->recovered;
    return revise(rs, rs->revision + 1, SDD_CHANGE_CLOSED);
}

sdd_change sdd__lifecycle_event(sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx, int concern,
                                const sdd_symptom *sym, int n)
{
    int resumed;

    if (concern < (int)ctx->profile->v[SDD_P_CONCERN_THRESHOLD])
        return SDD_CHANGE_NONE;
    expire(rs, ctx);
    if (!rs->open) {
        open_state(rs, ctx, concern);
        if (!rs->open)
            return SDD_CHANGE_NONE;
        merge_symptoms(rs, ctx, sym, n, 0);
        return revise(rs, 0, SDD_CHANGE_OPENED);
    }
    resumed = closed(rs, ctx->profile);
    if (resumed) {
        rs->below = 0;
        rs->end = ctx->slot_end;
        rs->concern = 0;
    }
    if (!merge_symptoms(rs, ctx, sym, n, 0) && !resumed)
        return SDD_CHANGE_NONE;
    if (concern > rs->concern)
        rs->concern = concern;
    return revise(rs, rs->revision + 1, SDD_CHANGE_REVISED);
}

void sdd__lifecycle_recovered(sdd_relevant_state *rs, int64_t t)
{
    if (t > rs->recovered)
        rs->recovered = t;
}

sdd_stage sdd__lifecycle_stage(const sdd_relevant_state *rs)
{
    for (int i = 0; i < rs->n_contrib; i++)
        if (rs->contrib[i].symptom.pattern != SDD_PATTERN_TREND)
            return SDD_STAGE_POTENTIAL;
    return rs->n_contrib ? SDD_STAGE_FORECASTED : SDD_STAGE_POTENTIAL;
}

const char *sdd__stage_name(sdd_stage s)
{
    return s == SDD_STAGE_FORECASTED ? "problem_forecasted" : "problem_potential";
}
