/* SPDX-License-Identifier: GPL-2.0-or-later */
/* settings.c: see settings.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/settings.h"

int sdd__parse_number(const char *text, int is_int, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    if (is_int && v != floor(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *text, int *out)
{
    if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "no")) {
        *out = 0;
        return 0;
    }
    return -1;
}

const sdd_setting *sdd__setting_find(const sdd_setting *table, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, key) == 0)
            return &table[i];
    return NULL;
}

int sdd__setting_apply(const sdd_setting *d, void *base, const char *value, sdd_error *err)
{
    char *field = (char *)base + d->offset;
    double v;

    switch (d->type) {
    case SDD_SET_INT:
        if (sdd__parse_number(value, 1, &v) < 0 || v < d->min || v > d->max)
            return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' is not a whole number in %d..%d", d->name, value, d->min,
                             d->max);
        *(int *)field = (int)v;
        return 0;
    case SDD_SET_BOOL:
        if (parse_bool(value, (int *)field) < 0)
            return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' is not true or false", d->name, value);
        return 0;
    default:
        if (strlen(value) >= d->size)
            return sdd__fail(err, SDD_E_CONFIG, "%s: value longer than %zu characters", d->name, d->size - 1);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
}

void sdd__setting_write(const sdd_setting *d, const void *base, FILE *out)
{
    const char *field = (const char *)base + d->offset;

    if (d->type == SDD_SET_INT)
        fprintf(out, "%s: %d\n", d->name, *(const int *)field);
    else if (d->type == SDD_SET_BOOL)
        fprintf(out, "%s: %s\n", d->name, *(const int *)field ? "true" : "false");
    else if (field[0])
        fprintf(out, "%s: %s\n", d->name, field);
}

/* Whether the field of row d is the same in the structs a and b. */
static int same_value(const sdd_setting *d, const void *a, const void *b)
{
    const char *x = (const char *)a + d->offset, *y = (const char *)b + d->offset;

    if (d->type == SDD_SET_TEXT)
        return strcmp(x, y) == 0;
    return *(const int *)x == *(const int *)y;
}

const sdd_fixed_setting *sdd__setting_fixed_change(const sdd_setting *table, size_t n,
                                                   const sdd_fixed_setting *fixed, const void *a, const void *b)
{
    for (; fixed->name; fixed++) {
        const sdd_setting *d = sdd__setting_find(table, n, fixed->name);
        if (d && !same_value(d, a, b))
            return fixed;
    }
    return NULL;
}
