/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collection.c: see collection.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/collection.h"

/* The inputs whose sources send every slot while they work. */
static int continuous(sdd_input_kind kind)
{
    return kind == SDD_INPUT_FLOW;
}

static int64_t floor_div(int64_t t, int step)
{
    return t >= 0 ? t / step : -((-t + step - 1) / step);
}

void sdd__collection_init(sdd__collection *c)
{
    memset(c, 0, sizeof(*c));
    c->last_closed = INT64_MIN;
}

void sdd__collection_free(sdd__collection *c)
{
    free(c->src);
    memset(c, 0, sizeof(*c));
}

/* Entries up to source `s`; -1 when out of memory. */
static int grow_to(sdd__collection *c, int s)
{
    if (s >= c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        while (cap <= s)
            cap *= 2;
        sdd__collection_source *src = realloc(c->src, (size_t)cap * sizeof(*src));
        if (!src)
            return -1;
        c->src = src;
        c->cap = cap;
    }
    for (; c->n <= s; c->n++)
        c->src[c->n] = (sdd__collection_source){INT64_MIN, INT64_MIN, 0, 0, 0, INT64_MIN};
    return 0;
}

/* The source sent in `slot`. */
static void mark(sdd__collection_source *x, int64_t slot)
{
    if (x->first_slot == INT64_MIN) {
        x->first_slot = x->newest_slot = slot;
        x->seen = sdd__collection_bit(slot);
        return;
    }
    if (slot > x->newest_slot) {
        /* the slots between leave the window, or are known empty */
        if (slot - x->newest_slot >= SDD_COLLECTION_SLOTS)
            x->seen = 0;
        else
            for (int64_t s = x->newest_slot + 1; s < slot; s++)
                x->seen &= ~sdd__collection_bit(s);
        x->newest_slot = slot;
    } else if (x->newest_slot - slot >= SDD_COLLECTION_SLOTS) {
        return;
    }
    if (slot < x->first_slot)
        x->first_slot = slot;
    x->seen |= sdd__collection_bit(slot);
}

/* 1 when `slot` is one of the last 64 closed, whose gaps are known. */
static int judged_recently(const sdd__collection *c, int64_t slot)
{
    return c->last_closed != INT64_MIN && slot <= c->last_closed && c->last_closed - slot < SDD_COLLECTION_SLOTS;
}

int sdd__collection_seen(sdd__collection *c, int source, sdd_input_kind kind, int64_t slot, int closed)
{
    sdd__collection_source *x;

    if (source < 0)
        return 0;
    if (source >= c->n && grow_to(c, source) < 0)
        return -1;
    x = &c->src[source];
    /* a gap slot filled after it closed: the source was late, not lost */
    if (closed && judged_recently(c, slot) && (x->gap & sdd__collection_bit(slot)) && !(x->late & sdd__collection_bit(slot))) {
        x->late |= sdd__collection_bit(slot);
        c->late_slots[kind]++;
    }
    mark(x, slot);
    return 0;
}

/* Whether source x had a gap in `slot` (never when the slot is not
 * judged), kept in its gap bits; the silence it begins or ends is counted
 * and told. A source that sent in the slot but had not reached its end
 * when it closed, while lagging the lead by more than the wait (left
 * behind as idle), sent only part of it: a late exporter whose first
 * records of a slot got in before its close (records merged from several
 * Kafka partitions come in another order than a file's) is as much a gap
 * as one whose records all came after it. So is the slot in which an
 * exporter stops: it may have died in the middle of it. A silence begins
 * at a slot it sent nothing in. */
static int judge_slot(sdd__collection *c, sdd__collection_source *x, const sdd__clock_source *key, int64_t watermark,
                      const sdd__collection_close_at *at, int64_t slot, int judged)
{
    int partial = watermark != INT64_MIN && at->lead != INT64_MIN && watermark < (slot + 1) * at->step &&
                  at->lead - watermark > at->wait;
    int missing = judged && x->first_slot != INT64_MIN && x->first_slot < slot && !sdd__collection_sent_in(x, slot);
    int gap = missing || (judged && x->first_slot != INT64_MIN && x->first_slot < slot && partial);
    int step = at->step;

    x->gap = gap ? x->gap | sdd__collection_bit(slot) : x->gap & ~sdd__collection_bit(slot);
    x->late &= ~sdd__collection_bit(slot);
    if (!judged)
        return 0;
    if (gap) {
        c->gap_slots[key->kind]++;
        if (x->silent_since == INT64_MIN && missing) {
            x->silent_since = slot;
            c->silences[key->kind]++;
            c->silent_now[key->kind]++;
            if (c->fn)
                c->fn(c->ctx, key->kind, &key->router, 1, slot * step, slot * step);
        }
    } else if (x->silent_since != INT64_MIN) {
        c->silent_now[key->kind]--;
        if (c->fn)
            c->fn(c->ctx, key->kind, &key->router, 0, x->silent_since * step, slot * step);
        x->silent_since = INT64_MIN;
    }
    return gap;
}

/* 1 when some source of a continuous input sent in `slot`: a slot in which
 * none did is the whole collection's quiet (the collector's, or the front
 * end's wall clock moving time on), not one exporter's gap. */
static int anyone_sent(const sdd__collection *c, const sdd__clock *clock, int64_t slot)
{
    for (int s = 0; s < clock->n; s++)
        if (continuous(clock->key[s].kind) && sdd__collection_sent_in(&c->src[s], slot))
            return 1;
    return 0;
}

int sdd__collection_close(sdd__collection *c, const sdd__clock *clock, int64_t slot, const sdd__collection_close_at *at)
{
    int64_t from = slot;
    int gaps = 0;

    if (clock->n > c->n && grow_to(c, clock->n - 1) < 0)
        return 0;                       /* no memory to judge: nothing is held back */
    if (c->last_closed != INT64_MIN && c->last_closed < slot)
        from = slot - c->last_closed > SDD_COLLECTION_SLOTS ? slot - SDD_COLLECTION_SLOTS + 1 : c->last_closed + 1;
    for (int64_t t = from; t <= slot; t++) {
        int judged = anyone_sent(c, clock, t);
        for (int s = 0; s < clock->n; s++)
            if (continuous(clock->key[s].kind))
                gaps += judge_slot(c, &c->src[s], &clock->key[s], clock->newest[s], at, t, judged) && t == slot;
    }
    c->last_closed = slot;
    return gaps;
}

int sdd__collection_restore(sdd__collection *c, const sdd__clock *clock, int step)
{
    if (clock->n && grow_to(c, clock->n - 1) < 0)
        return -1;
    for (int s = 0; s < clock->n; s++)
        if (clock->newest[s] != INT64_MIN)
            mark(&c->src[s], floor_div(clock->newest[s], step));
    return 0;
}

int sdd__collection_gap(const sdd__collection *c, const sdd__clock *clock, sdd_input_kind kind,
                        const sdd_addr *router, int64_t slot)
{
    int s;

    if (!continuous(kind) || !judged_recently(c, slot))
        return 0;
    s = sdd__clock_find(clock, kind, router);
    return s >= 0 && s < c->n && (c->src[s].gap & sdd__collection_bit(slot)) != 0;
}
