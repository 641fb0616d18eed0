/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_json.c: what the pmacct JSON parsers share.
 *
 * Reading typed fields of a loaded line (input_doc.c) (numbers that pmacct writes either as
 * JSON integers or as strings of digits, addresses, RDs, bounded strings) and
 * times in every form pmacct writes them. Every problem becomes one skip
 * reason plus a short explanation, so that bad input is counted, never fatal. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse/input.h"

/* 9999-12-31 23:59:59 UTC: the last second a date string can spell, and the
 * bound for epoch forms too, so both read the same range. */
#define INPUT_TIME_MAX INT64_C(253402300799)

static const char *const skip_names[SDD_SKIP_COUNT] = {
    [SDD_SKIP_NONE] = "none",
    [SDD_SKIP_IGNORED] = "ignored",
    [SDD_SKIP_JSON] = "json",
    [SDD_SKIP_NOT_OBJECT] = "not_object",
    [SDD_SKIP_MISSING] = "missing",
    [SDD_SKIP_TYPE] = "type",
    [SDD_SKIP_VALUE] = "value",
};

const char *sdd__skip_name(sdd_skip s)
{
    if ((unsigned)s >= SDD_SKIP_COUNT)
        return "unknown";
    return skip_names[s];
}

sdd_skip sdd__input_fail(input_err *e, sdd_skip why, const char *fmt, ...)
{
    va_list ap;

    if (e->detail && e->len > 0) {
        va_start(ap, fmt);
        vsnprintf(e->detail, e->len, fmt, ap);
        va_end(ap);
    }
    return why;
}

const char *sdd__json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static sdd_skip absent(const char *key, int required, input_err *e)
{
    if (required)
        return sdd__input_fail(e, SDD_SKIP_MISSING, "field %s: missing", key);
    return SDD_SKIP_NONE;
}

/* Exactly n bytes of decimal digits, without sign or blanks. */
static int digits_to_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0)
        return -1;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

sdd_skip sdd__input_uint(const input_val *v, const char *key, int required, uint64_t max, uint64_t *out,
                    input_err *e)
{
    uint64_t x;

    if (!v)
        return absent(key, required, e);
    if (v->kind == INPUT_INTEGER) {
        int64_t i = sdd__input_integer(v);
        if (i < 0)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: negative (%" PRId64 ")", key, i);
        x = (uint64_t)i;
    } else if (v->kind == INPUT_STRING) {
        if (digits_to_u64(v->s, v->len, &x) < 0)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: not a decimal number up to %" PRIu64,
                              key, max);
    } else {
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field %s: expected integer, got %s", key, sdd__input_kind_name(v));
    }
    if (x > max)
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: %" PRIu64 " above %" PRIu64, key, x, max);
    *out = x;
    return SDD_SKIP_NONE;
}

sdd_skip sdd__input_u32(const input_val *v, const char *key, uint32_t *out, input_err *e)
{
    uint64_t x = *out;

    INPUT_TRY(sdd__input_uint(v, key, 0, UINT32_MAX, &x, e));
    *out = (uint32_t)x;
    return SDD_SKIP_NONE;
}

sdd_skip sdd__input_str(const input_val *v, const char *key, const char **out, input_err *e)
{
    if (!v)
        return SDD_SKIP_NONE;
    if (v->kind != INPUT_STRING)
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field %s: expected string, got %s", key, sdd__input_kind_name(v));
    *out = v->s;
    return SDD_SKIP_NONE;
}

/* An empty address string is pmacct's way of printing an unknown one. */
sdd_skip sdd__input_addr(const input_val *v, const char *key, int required, sdd_addr *out, input_err *e)
{
    const char *s = NULL;

    INPUT_TRY(sdd__input_str(v, key, &s, e));
    if (!s || !*s)
        return absent(key, required, e);
    if (sdd_addr_parse(s, out) < 0)
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: not an IP address", key);
    return SDD_SKIP_NONE;
}

/* pmacct's bgp_rd2str prints "vrfid:N" when a flow carried a VRF id but no
 * RD, and "unknown" for RD types it does not know: neither is an RD. */
static int rd_is_none(const char *s)
{
    uint64_t id;

    if (strncmp(s, "vrfid:", 6) == 0)
        return digits_to_u64(s + 6, strlen(s + 6), &id) == 0 && id <= UINT32_MAX;
    return *s == '\0' || strcmp(s, "unknown") == 0 || strcmp(s, "0:0:0") == 0;
}

sdd_skip sdd__input_rd(const input_val *v, const char *key, sdd_rd *out, input_err *e)
{
    const char *s = NULL;

    INPUT_TRY(sdd__input_str(v, key, &s, e));
    if (!s)
        return SDD_SKIP_NONE;
    if (rd_is_none(s)) {
        *out = 0;
        return SDD_SKIP_NONE;
    }
    if (sdd_rd_parse(s, out) < 0)
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: not a route distinguisher", key);
    return SDD_SKIP_NONE;
}

sdd_skip sdd__input_text(const input_val *v, const char *key, int required, char *buf, size_t size,
                    input_err *e)
{
    const char *s = NULL;
    size_t n;

    INPUT_TRY(sdd__input_str(v, key, &s, e));
    if (!s)
        return absent(key, required, e);
    n = v->len;
    if (n >= size)
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: longer than %zu bytes", key, size - 1);
    memcpy(buf, s, n + 1);
    return SDD_SKIP_NONE;
}

/* ---- times ------------------------------------------------------------- */

/* Exactly n digits at *p, advancing *p. */
static int take_digits(const char **p, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)((*p)[i] - '0');
        if (d > 9)
            return -1;
        v = v * 10 + (int)d;
    }
    *p += n;
    *out = v;
    return 0;
}

static int take_char(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* ".123456": any number of digits, dropped; absent is fine. */
static int skip_fraction(const char **p)
{
    const char *s = *p;

    if (*s != '.')
        return 0;
    s++;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9')
        s++;
    *p = s;
    return 0;
}

/* "", "Z", "+01:00", "-0530": seconds east of UTC. pmacct 1.7.7 writes "Z"
 * for UTC with timestamps_rfc3339, current pmacct "+00:00". */
static int take_zone(const char **p, int *east)
{
    int sign, hh, mm;

    *east = 0;
    if (**p == '\0')
        return 0;
    if (**p == 'Z')
        return take_char(p, 'Z');
    if (**p != '+' && **p != '-')
        return -1;
    sign = **p == '-' ? -1 : 1;
    (*p)++;
    if (take_digits(p, 2, &hh) < 0)
        return -1;
    if (**p == ':')
        (*p)++;
    if (take_digits(p, 2, &mm) < 0 || hh > 23 || mm > 59)
        return -1;
    *east = sign * (hh * 3600 + mm * 60);
    return 0;
}

static int is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return days[month - 1] + (month == 2 && is_leap(year));
}

/* Days from 1970-01-01 to a valid date of 1970 or later (what timegm
 * works out, without its time zone machinery, a third of a date's cost). */
static int64_t days_since_epoch(int y, int mo, int d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t p = y - 1;
    int64_t leaps = p / 4 - p / 100 + p / 400 - (1969 / 4 - 1969 / 100 + 1969 / 400);

    return (int64_t)(y - 1970) * 365 + leaps + before[mo - 1] + (mo > 2 && is_leap(y)) + d - 1;
}

/* "YYYY-MM-DD HH:MM:SS[.frac][zone]", with ' ' or 'T' between date and time,
 * as pmacct's compose_timestamp writes it. */
static int date_to_epoch(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, east;
    int64_t t;

    if (take_digits(&s, 4, &y) < 0 || take_char(&s, '-') < 0 || take_digits(&s, 2, &mo) < 0 ||
        take_char(&s, '-') < 0 || take_digits(&s, 2, &d) < 0 || (*s != ' ' && *s != 'T'))
        return -1;
    s++;
    if (take_digits(&s, 2, &h) < 0 || take_char(&s, ':') < 0 || take_digits(&s, 2, &mi) < 0 ||
        take_char(&s, ':') < 0 || take_digits(&s, 2, &sec) < 0 || skip_fraction(&s) < 0 ||
        take_zone(&s, &east) < 0 || *s != '\0')
        return -1;
    if (y == 0 && mo == 0 && d == 0) {         /* pmacct's "0000-00-00 00:00:00": no time */
        *out = 0;
        return 0;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    t = days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - east;
    if (t < 0 || t > INPUT_TIME_MAX)
        return -1;
    *out = t;
    return 0;
}

/* "1704899220" or "1704890914.000000". */
static int epoch_to_seconds(const char *s, int64_t *out)
{
    size_t n = strspn(s, "0123456789");
    const char *rest = s + n;
    uint64_t v;

    if (skip_fraction(&rest) < 0 || *rest != '\0' || digits_to_u64(s, n, &v) < 0 ||
        v > (uint64_t)INPUT_TIME_MAX)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int sdd__input_time_text(const char *text, int64_t *out)
{
    size_t n = strspn(text, "0123456789");

    /* A date has its first '-' right after four digits; an epoch never does. */
    if (n == 4 && text[4] == '-')
        return date_to_epoch(text, out);
    return epoch_to_seconds(text, out);
}

static sdd_skip time_value(const input_val *v, const char *key, int64_t *out, input_err *e)
{
    if (v->kind == INPUT_STRING) {
        if (sdd__input_time_text(v->s, out) < 0)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: not a time: \"%.40s\"", key, v->s);
        return SDD_SKIP_NONE;
    }
    if (v->kind == INPUT_INTEGER) {
        int64_t i = sdd__input_integer(v);
        if (i < 0 || i > INPUT_TIME_MAX)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: time out of range", key);
        *out = i;
        return SDD_SKIP_NONE;
    }
    if (v->kind == INPUT_REAL) {
        double d = sdd__input_real(v);
        if (!(d >= 0 && d <= (double)INPUT_TIME_MAX))
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: time out of range", key);
        *out = (int64_t)d;
        return SDD_SKIP_NONE;
    }
    return sdd__input_fail(e, SDD_SKIP_TYPE, "field %s: expected time, got %s", key, sdd__input_kind_name(v));
}

/* A non-zero time at v (NULL: absent) into *out, *found set; a zero time
 * leaves *found 0 for the next key. */
static sdd_skip time_if_set(const input_val *v, const char *key, int64_t *out, int *found, input_err *e)
{
    int64_t t = 0;

    *found = 0;
    if (!v)
        return SDD_SKIP_NONE;
    INPUT_TRY(time_value(v, key, &t, e));
    if (t != 0) {
        *out = t;
        *found = 1;
    }
    return SDD_SKIP_NONE;
}

static sdd_skip no_time(const char *const keys[], input_err *e)
{
    return sdd__input_fail(e, SDD_SKIP_MISSING, "field %s: missing (nor any fallback time)", keys[0]);
}

sdd_skip sdd__input_time(const input_val *obj, const char *const keys[], int64_t *out, input_err *e)
{
    int found = 0;

    for (size_t i = 0; keys[i] && !found; i++)
        INPUT_TRY(time_if_set(sdd__input_get(obj, keys[i]), keys[i], out, &found, e));
    return found ? SDD_SKIP_NONE : no_time(keys, e);
}

sdd_skip sdd__input_time_of(const input_val *const vals[], const char *const keys[], int64_t *out,
                            input_err *e)
{
    int found = 0;

    for (size_t i = 0; keys[i] && !found; i++)
        INPUT_TRY(time_if_set(vals[i], keys[i], out, &found, e));
    return found ? SDD_SKIP_NONE : no_time(keys, e);
}

int sdd__input_word_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}
