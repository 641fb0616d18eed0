/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_json.c: what the pmacct JSON parsers share.
 *
 * Loading a line, reading typed fields (numbers that pmacct writes either as
 * JSON integers or as strings of digits, addresses, RDs, bounded strings) and
 * times in every form pmacct writes them. Every problem becomes one skip
 * reason plus a short explanation, so that bad input is counted, never fatal. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* jansson refuses numbers that do not fit its long long or double; such a
 * number is a value out of range rather than broken JSON. The error code
 * exists from jansson 2.11 on; older ones count it as broken JSON. */
static sdd_skip load_error_reason(const json_error_t *err)
{
#if JANSSON_VERSION_HEX >= 0x020b00
    if (json_error_code(err) == json_error_numeric_overflow)
        return SDD_SKIP_VALUE;
#else
    (void)err;
#endif
    return SDD_SKIP_JSON;
}

/* Duplicate keys are refused: pmacct never writes them (its records are
 * jansson objects), and with two values for one key we could not say which
 * one the producer meant. Scalars are decoded so that they are reported as
 * "not an object" rather than as broken JSON. */
sdd_skip sdd__input_load(const char *line, size_t len, json_t **root, input_err *e)
{
    json_error_t err;
    json_t *j;

    if (e->detail && e->len > 0)
        e->detail[0] = '\0';
    j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!j)
        return sdd__input_fail(e, load_error_reason(&err), "json: %s at byte %d", err.text, err.position);
    if (!json_is_object(j)) {
        sdd_skip why = sdd__input_fail(e, SDD_SKIP_NOT_OBJECT, "json: top level is %s, not an object",
                                  sdd__json_type_name(j));
        json_decref(j);
        return why;
    }
    *root = j;
    return SDD_SKIP_NONE;
}

const json_t *sdd__input_get(const json_t *obj, const char *key)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
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

sdd_skip sdd__input_uint(const json_t *v, const char *key, int required, uint64_t max, uint64_t *out,
                    input_err *e)
{
    uint64_t x;

    if (!v)
        return absent(key, required, e);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: negative (%" JSON_INTEGER_FORMAT ")", key, i);
        x = (uint64_t)i;
    } else if (json_is_string(v)) {
        if (digits_to_u64(json_string_value(v), json_string_length(v), &x) < 0)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: not a decimal number up to %" PRIu64,
                              key, max);
    } else {
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field %s: expected integer, got %s", key, sdd__json_type_name(v));
    }
    if (x > max)
        return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: %" PRIu64 " above %" PRIu64, key, x, max);
    *out = x;
    return SDD_SKIP_NONE;
}

sdd_skip sdd__input_u32(const json_t *v, const char *key, uint32_t *out, input_err *e)
{
    uint64_t x = *out;

    INPUT_TRY(sdd__input_uint(v, key, 0, UINT32_MAX, &x, e));
    *out = (uint32_t)x;
    return SDD_SKIP_NONE;
}

sdd_skip sdd__input_str(const json_t *v, const char *key, const char **out, input_err *e)
{
    if (!v)
        return SDD_SKIP_NONE;
    if (!json_is_string(v))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field %s: expected string, got %s", key, sdd__json_type_name(v));
    *out = json_string_value(v);
    return SDD_SKIP_NONE;
}

/* An empty address string is pmacct's way of printing an unknown one. */
sdd_skip sdd__input_addr(const json_t *v, const char *key, int required, sdd_addr *out, input_err *e)
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

sdd_skip sdd__input_rd(const json_t *v, const char *key, sdd_rd *out, input_err *e)
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

sdd_skip sdd__input_text(const json_t *v, const char *key, int required, char *buf, size_t size,
                    input_err *e)
{
    const char *s = NULL;
    size_t n;

    INPUT_TRY(sdd__input_str(v, key, &s, e));
    if (!s)
        return absent(key, required, e);
    n = json_string_length(v);
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

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return days[month - 1] + (month == 2 && leap);
}

/* "YYYY-MM-DD HH:MM:SS[.frac][zone]", with ' ' or 'T' between date and time,
 * as pmacct's compose_timestamp writes it. */
static int date_to_epoch(const char *s, int64_t *out)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, east;
    time_t t;

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
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if ((int64_t)t - east < 0 || (int64_t)t - east > INPUT_TIME_MAX)
        return -1;
    *out = (int64_t)t - east;
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

static sdd_skip time_value(const json_t *v, const char *key, int64_t *out, input_err *e)
{
    if (json_is_string(v)) {
        if (sdd__input_time_text(json_string_value(v), out) < 0)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: not a time: \"%.40s\"", key,
                              json_string_value(v));
        return SDD_SKIP_NONE;
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > INPUT_TIME_MAX)
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: time out of range", key);
        *out = i;
        return SDD_SKIP_NONE;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= 0 && d <= (double)INPUT_TIME_MAX))
            return sdd__input_fail(e, SDD_SKIP_VALUE, "field %s: time out of range", key);
        *out = (int64_t)d;
        return SDD_SKIP_NONE;
    }
    return sdd__input_fail(e, SDD_SKIP_TYPE, "field %s: expected time, got %s", key, sdd__json_type_name(v));
}

sdd_skip sdd__input_time(const json_t *obj, const char *const keys[], int64_t *out, input_err *e)
{
    const char *const *k;

    for (k = keys; *k; k++) {
        const json_t *v = sdd__input_get(obj, *k);
        int64_t t = 0;

        if (!v)
            continue;
        INPUT_TRY(time_value(v, *k, &t, e));
        if (t != 0) {
            *out = t;
            return SDD_SKIP_NONE;
        }
    }
    return sdd__input_fail(e, SDD_SKIP_MISSING, "field %s: missing (nor any fallback time)", keys[0]);
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
