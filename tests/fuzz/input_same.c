/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_same.c: the JSON layer's fast path against its walk (input_same.h). */
#include <stdio.h>
#include <string.h>

#include "parse/input.h"
#include "input_same.h"

/* Whether values a and b (of two documents) say the same. A string the
 * walk has not looked up yet is still in the line (in_line): its bytes
 * count, not where they are. */
static int same_value(const input_val *a, const input_val *b)
{
    if (a->kind != b->kind || a->up != b->up || a->end != b->end || a->count != b->count)
        return 0;
    switch (a->kind) {
    case INPUT_INTEGER:
        return a->i == b->i;
    case INPUT_REAL:
        return memcmp(&a->r, &b->r, sizeof(a->r)) == 0;
    default:
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    }
}

/* Index of the first value of d that differs from e's, or -1. */
static long first_difference(const input_doc *d, const input_doc *e)
{
    uint32_t i;

    for (i = 0; i < d->n && i < e->n; i++)
        if (!same_value(&d->val[i], &e->val[i]))
            return i;
    return d->n == e->n ? -1 : (long)i;
}

/* Index of the first key of d whose lookup does not give its own value
 * (nothing, for a null), or -1. */
static long first_lost_key(const input_doc *d)
{
    uint32_t o, k;

    for (o = 0; o < d->n; o++) {
        const input_val *obj = &d->val[o];
        if (obj->kind != INPUT_OBJECT)
            continue;
        for (k = o + 1; k < obj->end; k = d->val[k + 1].end) {
            const input_val *v = &d->val[k + 1];
            if (sdd__input_getn(obj, d->val[k].s, d->val[k].len) != (v->kind == INPUT_NULL ? NULL : v))
                return k;
        }
    }
    return -1;
}

int input_same(const char *line, size_t len, char *what, size_t what_len)
{
    input_doc fast, walk;
    char detail[128];
    input_err e = {detail, sizeof(detail)};
    sdd_skip why;
    long at;
    int r = 1;

    if (sdd__input_load_fast(line, len, &fast) < 0)
        return 0;
    why = sdd__input_load_walk(line, len, &walk, &e);
    if (why != SDD_SKIP_NONE) {
        snprintf(what, what_len, "fast path took it, the walk said %s (%s)", sdd__skip_name(why), detail);
        sdd__input_free(&fast);
        return -1;
    }
    if ((at = first_difference(&fast, &walk)) >= 0) {
        snprintf(what, what_len, "value %ld differs (%u values fast, %u walked)", at, fast.n, walk.n);
        r = -1;
    } else if ((at = first_lost_key(&fast)) >= 0) {
        snprintf(what, what_len, "key %ld not found in the fast document's index", at);
        r = -1;
    }
    sdd__input_free(&fast);
    sdd__input_free(&walk);
    return r;
}
