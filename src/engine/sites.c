/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sites.c: per-site sums and usual levels; see sites.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/history.h"
#include "engine/sites.h"

sdd__sites *sdd__sites_new(int n_rows)
{
    sdd__sites *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->rows = calloc((size_t)n_rows * SDD_SITES_TRACKED * SDD_SM_COUNT, sizeof(double));
    s->recent = calloc(SDD_SITE_RECENT_SLOTS * SDD_SITES_TRACKED, sizeof(uint16_t));
    if (!s->rows || !s->recent) {
        sdd__sites_free(s);
        return NULL;
    }
    s->n_rows = n_rows;
    s->judged = INT64_MIN;
    s->recent_newest = INT64_MIN;
    for (int i = 0; i < SDD_SITES_TRACKED; i++)
        s->site[i].fell = INT64_MIN;
    return s;
}

void sdd__sites_free(sdd__sites *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s->recent);
    free(s);
}

double *sdd__sites_sums(const sdd__sites *s, int row, int site)
{
    return s->rows + ((size_t)row * SDD_SITES_TRACKED + (size_t)site) * SDD_SM_COUNT;
}

void sdd__sites_clear_row(sdd__sites *s, int row)
{
    memset(sdd__sites_sums(s, row, 0), 0, SDD_SITES_TRACKED * SDD_SM_COUNT * sizeof(double));
}

static uint16_t *recent_row(const sdd__sites *s, int64_t slot)
{
    return s->recent + (size_t)(slot % SDD_SITE_RECENT_SLOTS) * SDD_SITES_TRACKED;
}

void sdd__sites_keep(sdd__sites *s, int row, int64_t slot, int n)
{
    uint16_t *kept = recent_row(s, slot);

    /* the rows of the slots skipped (a gap) held older slots: no data now */
    if (s->recent_newest != INT64_MIN)
        for (int64_t t = s->recent_newest + 1; t < slot && t < s->recent_newest + SDD_SITE_RECENT_SLOTS; t++)
            memset(recent_row(s, t), 0, SDD_SITES_TRACKED * sizeof(uint16_t));
    memset(kept, 0, SDD_SITES_TRACKED * sizeof(uint16_t));
    for (int i = 0; i < n; i++)
        kept[i] = sdd__history_encode(sdd__sites_sums(s, row, i)[SDD_SM_BYTES]);
    s->recent_newest = slot;
}

double sdd__sites_recent(const sdd__sites *s, int site, int64_t slot)
{
    uint16_t code;

    if (s->recent_newest == INT64_MIN || slot > s->recent_newest || slot <= s->recent_newest - SDD_SITE_RECENT_SLOTS ||
        slot < 0)
        return NAN;
    code = recent_row(s, slot)[site];
    return code == SDD_HISTORY_NO_DATA ? NAN : sdd__history_decode(code);
}

double sdd__sites_total(const sdd__sites *s, int row, int n)
{
    double total = 0;

    for (int i = 0; i < n; i++)
        total += sdd__sites_sums(s, row, i)[SDD_SM_BYTES];
    return total;
}

/* A site whose share is learned, and so can tell what another should carry. */
static int learned_share(const sdd_site *u)
{
    return u->learned >= SDD_SITE_LEARN_SLOTS && u->share > 0;
}

double sdd__sites_expected(const sdd__sites *s, int row, int n, int site, int step)
{
    const sdd_site *u = &s->site[site];
    double expected = -1;

    if (!learned_share(u) || u->share > SDD_SITE_MAX_SHARE)
        return 0;
    for (int i = 0; i < n; i++) {
        double said;
        if (i == site || !learned_share(&s->site[i]))
            continue;
        said = sdd__sites_sums(s, row, i)[SDD_SM_BYTES] * u->share / s->site[i].share;
        if (expected < 0 || said < expected)
            expected = said;
    }
    return expected >= SDD_SITE_MIN_BYTES_PER_MINUTE * step / 60.0 ? expected : 0;
}

double sdd__site_drop_share(const double *sums)
{
    double total = sums[SDD_SM_BYTES] + sums[SDD_SM_OTHER_BYTES] + sums[SDD_SM_DROP_BYTES];

    return total > 0 ? sums[SDD_SM_DROP_BYTES] / total : 0;
}

int sdd__site_dropping(const sdd_site *u, const double *sums, double share_threshold)
{
    return sums[SDD_SM_DROP_BYTES] > 0 && sdd__site_drop_share(sums) - u->drop_share >= share_threshold;
}

static void learn(float *level, double value, int learned)
{
    /* the first slots as a plain mean, then a running level */
    *level += (float)((value - *level) / (learned < SDD_SITE_LEARN_SLOTS ? learned + 1 : SDD_SITE_LEARN_SLOTS));
}

/* The site's row `back` rows before `row`. */
static const double *earlier(const sdd__sites *s, int row, int back, int site)
{
    return sdd__sites_sums(s, (row + s->n_rows - back) % s->n_rows, site);
}

/* 1 when the site's bytes in `row` are under SDD_SITE_BACK_FRACTION of its
 * own in the slots just before (their median): its traffic fell abruptly. A
 * site whose share only looks fallen because another site rose (a link
 * filling up), or that became judged in the middle of a change (its share
 * learned down under SDD_SITE_MAX_SHARE as its traffic moved away), did not. */
static int fell_abruptly(const sdd__sites *s, int row, int site)
{
    double a = earlier(s, row, 1, site)[SDD_SM_BYTES], b = earlier(s, row, 2, site)[SDD_SM_BYTES];
    double c = earlier(s, row, 3, site)[SDD_SM_BYTES];
    double median = a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);

    return earlier(s, row, 0, site)[SDD_SM_BYTES] < SDD_SITE_BACK_FRACTION * median;
}

/* With `ratio` what the site carries over what it is expected to (negative:
 * not judged), its fall begins (noting whether its routes changed in its
 * slot or the one before), goes on, or ends. 1 while fallen. */
static int follow_fall(sdd__sites *s, int row, int64_t slot, int site, double ratio)
{
    sdd_site *u = &s->site[site];

    if (ratio < 0 || (u->fell != INT64_MIN && ratio >= SDD_SITE_BACK_FRACTION)) {
        u->fell = INT64_MIN;
        u->moved = 0;
    } else if (u->fell == INT64_MIN && ratio < SDD_SITE_FALL_FRACTION && fell_abruptly(s, row, site)) {
        u->fell = slot;
        u->moved = earlier(s, row, 0, site)[SDD_SM_ROUTES] + earlier(s, row, 1, site)[SDD_SM_ROUTES] > 0;
    }
    return u->fell != INT64_MIN;
}

void sdd__sites_close(sdd__sites *s, int row, int64_t slot, int n, int step, double drop_share_threshold)
{
    double total = sdd__sites_total(s, row, n);

    if (total <= 0)
        return;
    s->judged = slot;
    for (int i = 0; i < n; i++) {
        sdd_site *u = &s->site[i];
        const double *m = sdd__sites_sums(s, row, i);
        double expected = sdd__sites_expected(s, row, n, i, step);
        int fallen = follow_fall(s, row, slot, i, expected > 0 ? m[SDD_SM_BYTES] / expected : -1);

        /* a fall that came with route changes is learned: the traffic moved */
        if (!fallen || u->moved)
            learn(&u->share, m[SDD_SM_BYTES] / total, u->learned);
        /* a site that drops as much from its first slots on drops as usual */
        if (u->learned < SDD_SITE_LEARN_SLOTS || !sdd__site_dropping(u, m, drop_share_threshold))
            learn(&u->drop_share, sdd__site_drop_share(m), u->learned);
        if (u->learned < SDD_SITE_LEARN_SLOTS)
            u->learned++;
    }
}
