/* SPDX-License-Identifier: GPL-2.0-or-later */
/* settings.h: a table of named settings, each a field of a struct (a whole
 * number in a range, true/false, or text of bounded length), and the way a
 * `key: value` text sets one and is written back. The engine's configuration
 * (engine/config.c) and sddd's own settings (io/settings.c) are each one
 * such table, so they read and refuse values the same way. */
#ifndef SDD_UTIL_SETTINGS_H
#define SDD_UTIL_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "sdd/sdd.h"

typedef enum sdd_setting_type { SDD_SET_INT, SDD_SET_BOOL, SDD_SET_TEXT } sdd_setting_type;

typedef struct sdd_setting {
    const char *name;
    sdd_setting_type type;
    size_t offset, size;                /* of the field in its struct */
    int min, max;                       /* SDD_SET_INT */
} sdd_setting;

#define SDD_SETTING_INT(type, f, lo, hi) {#f, SDD_SET_INT, offsetof(type, f), sizeof(int), lo, hi}
#define SDD_SETTING_BOOL(type, f) {#f, SDD_SET_BOOL, offsetof(type, f), sizeof(int), 0, 1}
#define SDD_SETTING_TEXT(type, f) {#f, SDD_SET_TEXT, offsetof(type, f), sizeof(((type *)0)->f), 0, 0}

/* The row named key among n; NULL if none. */
const sdd_setting *sdd__setting_find(const sdd_setting *table, size_t n, const char *key);
/* Sets the field of `base` the row describes from its text: 0, or -1 with
 * the name, the value and the accepted range in err. */
int sdd__setting_apply(const sdd_setting *d, void *base, const char *value, sdd_error *err);
/* "name: value\n" of the field (nothing for empty text). */
void sdd__setting_write(const sdd_setting *d, const void *base, FILE *out);

/* A setting that cannot change while a program runs, and why (for the
 * message that refuses a new value of it). */
typedef struct sdd_fixed_setting {
    const char *name;
    const char *why;
} sdd_fixed_setting;

/* The first of `fixed` (ended by a NULL name; each a row of the table)
 * whose field differs between the structs a and b; NULL when none does. */
const sdd_fixed_setting *sdd__setting_fixed_change(const sdd_setting *table, size_t n,
                                                   const sdd_fixed_setting *fixed, const void *a, const void *b);

/* A number as the whole text (finite; whole when is_int): 0 or -1. */
int sdd__parse_number(const char *text, int is_int, double *out);

#endif
