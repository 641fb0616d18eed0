/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input.h: parsers of pmacct's JSON lines into the engine's records.
 *
 * One function per kind of line (flow aggregate, BMP msglog, telemetry
 * msglog). Each reads one line, fills one record or says why the line was
 * skipped, so that the caller can count skips by reason. They keep no state
 * and allocate nothing beyond jansson's own tree of the line.
 * docs/inputs.md lists every field read and every form accepted.
 *
 * The second half of this header is shared by the input_*.c files only:
 * small readers of typed JSON fields that turn every problem into a skip
 * reason and a short explanation. */
#ifndef SDD_INPUT_H
#define SDD_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sdd/sdd.h"

typedef enum sdd_skip {
    SDD_SKIP_NONE = 0,      /* parsed: *out holds a record for the engine */
    SDD_SKIP_IGNORED,       /* valid, but nothing for detection (log_init, stats, init, term, end-of-rib, purge...) */
    SDD_SKIP_JSON,          /* not JSON (truncated line, invalid UTF-8, garbage) */
    SDD_SKIP_NOT_OBJECT,    /* JSON, but not an object */
    SDD_SKIP_MISSING,       /* lacks a field detection needs (e.g. peer_ip_src, a time) */
    SDD_SKIP_TYPE,          /* a needed field has the wrong JSON type */
    SDD_SKIP_VALUE,         /* a needed field has an unreadable or out-of-range value */
    SDD_SKIP_COUNT
} sdd_skip;

/* "none", "ignored", "json", "not_object", "missing", "type", "value":
 * stable names for counters; "unknown" outside the enum. */
const char *sdd__skip_name(sdd_skip s);

/* Each returns SDD_SKIP_NONE and fills *out, or a reason; `detail` (may be
 * NULL) gets a short human-readable explanation, e.g. "field bytes: expected
 * integer". *out is only meaningful on SDD_SKIP_NONE. */
sdd_skip sdd__parse_flow(const char *line, size_t len, sdd_flow *out, char *detail, size_t detail_len);
sdd_skip sdd__parse_bmp(const char *line, size_t len, sdd_bmp_event *out, char *detail, size_t detail_len);
sdd_skip sdd__parse_iface(const char *line, size_t len, sdd_iface_event *out, char *detail, size_t detail_len);

/* Reads a pmacct time text: epoch seconds ("1704899220", "1704890914.000000")
 * or a date "2024-01-10 15:27:00" / "2024-01-10T15:27:00.123456Z" /
 * "...+01:00" (no zone: UTC). Fractions are dropped. 0 and sets *out, or -1. */
int sdd__input_time_text(const char *text, int64_t *out);

/* "object", "array", "string", "integer", "real", "boolean" or "null": a
 * JSON value's kind, for messages. */
const char *sdd__json_type_name(const json_t *v);

/* ---- shared by the input_*.c files ------------------------------------- */

/* Where a parser writes its explanation. */
typedef struct input_err {
    char *detail;
    size_t len;
} input_err;

/* Returns from the calling function when a field reader gave a reason. */
#define INPUT_TRY(expr) do { sdd_skip try_ = (expr); if (try_ != SDD_SKIP_NONE) return try_; } while (0)

/* Writes the explanation (printf-style) and returns `why`. */
sdd_skip sdd__input_fail(input_err *e, sdd_skip why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses one line; on success *root is an object the caller json_decref()s. */
sdd_skip sdd__input_load(const char *line, size_t len, json_t **root, input_err *e);

/* The value at key, or NULL when absent or JSON null: pmacct's Avro-JSON
 * writes null for "not set", its plain JSON leaves the key out. */
const json_t *sdd__input_get(const json_t *obj, const char *key);

/* The readers below take a value from sdd__input_get (NULL: absent). With
 * `required`, absence is SDD_SKIP_MISSING; without, *out is left as it is.
 * `key` only names the field in the explanation. */

/* An unsigned integer up to max: a JSON integer or a string of digits
 * (pmacct prints custom primitives as strings). */
sdd_skip sdd__input_uint(const json_t *v, const char *key, int required, uint64_t max, uint64_t *out,
                    input_err *e);
sdd_skip sdd__input_u32(const json_t *v, const char *key, uint32_t *out, input_err *e);
sdd_skip sdd__input_addr(const json_t *v, const char *key, int required, sdd_addr *out, input_err *e);
/* pmacct's RD text; "0:0:0", "vrfid:N" and "unknown" carry no RD and read as 0. */
sdd_skip sdd__input_rd(const json_t *v, const char *key, sdd_rd *out, input_err *e);
/* A string that must fit buf with its NUL (longer ones would merge names). */
sdd_skip sdd__input_text(const json_t *v, const char *key, int required, char *buf, size_t size,
                    input_err *e);
/* A string value, or SDD_SKIP_TYPE; NULL stays NULL (absent). */
sdd_skip sdd__input_str(const json_t *v, const char *key, const char **out, input_err *e);

/* The first of `keys` (NULL-terminated) holding a non-zero time, in order of
 * preference: pmacct writes 0 ("0.000000", "0000-00-00 00:00:00") for a time
 * it does not know, so a zero time passes to the next key. A time that does
 * not read is SDD_SKIP_VALUE; no usable time at all is SDD_SKIP_MISSING. */
sdd_skip sdd__input_time(const json_t *obj, const char *const keys[], int64_t *out, input_err *e);

/* Case-insensitive equality of ASCII words (protocol and status names). */
int sdd__input_word_eq(const char *a, const char *b);

#endif
