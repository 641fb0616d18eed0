/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.c: see clock.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/clock.h"

int sdd__clock_init(sdd__clock *c, int max_clock_skew, int source_idle_seconds)
{
    memset(c, 0, sizeof(*c));
    c->skew = max_clock_skew;
    c->idle = source_idle_seconds;
    c->told = INT64_MIN;
    c->lead = INT64_MIN;
    c->now = INT64_MIN;
    c->wake = INT64_MIN;
    c->last = -1;
    c->index = sdd__map_new();
    return c->index ? 0 : -1;
}

void sdd__clock_free(sdd__clock *c)
{
    sdd__map_free(c->index);
    free(c->key);
    free(c->newest);
    memset(c, 0, sizeof(*c));
}

/* The oldest watermark of the live sources; the lead when none is live.
 * Never back. O(sources): called only when the result can change. */
static int live(const sdd__clock *c, int s)
{
    return c->newest[s] >= c->lead - c->idle;
}

static void update(sdd__clock *c)
{
    int64_t t = INT64_MAX;

    c->below = 0;
    for (int i = 0; i < c->n; i++)
        if (live(c, i)) {
            t = c->newest[i] < t ? c->newest[i] : t;
            c->below += c->newest[i] < c->wake;
        }
    if (t == INT64_MAX)
        t = c->lead;
    if (t > c->now)
        c->now = t;
}

void sdd__clock_wake_at(sdd__clock *c, int64_t wake)
{
    if (wake == c->wake)
        return;
    c->wake = wake;
    c->below = 0;
    for (int i = 0; i < c->n; i++)
        c->below += live(c, i) && c->newest[i] < wake;
}

/* The lead (the newest watermark) moved to t: the oldest live source may
 * have gone idle. */
static int lead_to(sdd__clock *c, int64_t t)
{
    if (t <= c->lead)
        return 0;
    c->lead = t;
    return c->now == INT64_MIN || c->lead - c->idle > c->now;
}

/* Room for one more source; -1 when out of memory. */
static int grow(sdd__clock *c)
{
    int cap = c->cap ? 2 * c->cap : 16;
    int64_t *newest;
    sdd__clock_source *key;

    if (c->n < c->cap)
        return 0;
    newest = realloc(c->newest, (size_t)cap * sizeof(*newest));
    if (newest)
        c->newest = newest;
    key = newest ? realloc(c->key, (size_t)cap * sizeof(*key)) : NULL;
    if (!key)
        return -1;
    c->key = key;
    c->cap = cap;
    return 0;
}

/* The map's key of a source. */
#define SOURCE_KEY_SIZE (1 + sizeof(sdd_addr))
static void source_key(uint8_t *key, sdd_input_kind kind, const sdd_addr *router)
{
    key[0] = (uint8_t)kind;
    memcpy(key + 1, router, sizeof(*router));
}

int sdd__clock_find(const sdd__clock *c, sdd_input_kind kind, const sdd_addr *router)
{
    uint8_t key[SOURCE_KEY_SIZE];

    source_key(key, kind, router);
    return sdd__map_get(c->index, key, sizeof(key));
}

/* The source's index; a new one when create (-1 when out of memory), else
 * -1 when there is none. */
static int source_of(sdd__clock *c, sdd_input_kind kind, const sdd_addr *router, int create)
{
    uint8_t key[SOURCE_KEY_SIZE];
    int32_t s = sdd__clock_find(c, kind, router);

    if (s >= 0 || !create)
        return s;
    source_key(key, kind, router);
    if (grow(c) < 0 || sdd__map_put(c->index, key, sizeof(key), c->n) < 0)
        return -1;
    c->key[c->n] = (sdd__clock_source){kind, *router};
    c->newest[c->n] = INT64_MIN;
    return c->n++;
}

int sdd__clock_see(sdd__clock *c, sdd_input_kind kind, const sdd_addr *router, int64_t t)
{
    int s, was_oldest, was_below, is_below, idle_may_change;

    if (sdd__clock_too_far_ahead(c, t))
        return 1;
    s = c->last = source_of(c, kind, router, 1);
    if (s < 0) {                        /* no room to track it: its time counts alone */
        if (t > c->now)
            c->now = t;
        lead_to(c, t);
        return -1;
    }
    if (t <= c->newest[s])
        return 0;
    /* what matters is when the last live source below wake reaches it, or
     * when the lead leaves a source behind (idle) */
    was_oldest = c->newest[s] <= c->now;
    was_below = c->newest[s] != INT64_MIN && c->newest[s] < c->wake && live(c, s);
    c->newest[s] = t;
    idle_may_change = lead_to(c, t);
    is_below = t < c->wake && live(c, s);
    c->below += is_below - was_below;
    if (idle_may_change || c->now == INT64_MIN ||
        (c->wake == INT64_MIN ? was_oldest : was_below && !is_below && c->below <= 0))
        update(c);
    return 0;
}

void sdd__clock_tell(sdd__clock *c, int64_t now)
{
    if (now <= c->told)
        return;
    c->told = now;
    if (c->now != INT64_MIN && now > c->now)
        c->now = now;
}

void sdd__clock_source_at(const sdd__clock *c, int i, sdd__clock_source *key, int64_t *newest)
{
    *key = c->key[i];
    *newest = c->newest[i];
}

int sdd__clock_import_source(sdd__clock *c, const sdd__clock_source *key, int64_t newest)
{
    int s;

    if (source_of(c, key->kind, &key->router, 0) >= 0 || (s = source_of(c, key->kind, &key->router, 1)) < 0)
        return -1;
    c->newest[s] = newest;
    return 0;
}

void sdd__clock_import_times(sdd__clock *c, int64_t now, int64_t lead)
{
    c->now = now;
    c->lead = lead;
}
