/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input.h: parsers of pmacct's JSON lines into the engine's records.
 *
 * One function per kind of line (flow aggregate, BMP msglog, telemetry
 * msglog). Each reads one line, fills one record or says why the line was
 * skipped, so that the caller can count skips by reason. They keep no state
 * and allocate nothing for a line of up to INPUT_LOCAL_VALUES values (more
 * take the heap for the time of the call).
 * docs/inputs.md lists every field read and every form accepted.
 *
 * The second half of this header is shared by the input_*.c files only: the
 * line as a tree of values (input_doc.c) and small readers of typed fields
 * that turn every problem into a skip reason and a short explanation. */
#ifndef SDD_INPUT_H
#define SDD_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
 * jansson value's kind, for messages (configuration, state, Avro). */
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

/* ---- the line as values (input_doc.c) ---------------------------------- */

typedef enum input_kind {
    INPUT_NULL, INPUT_TRUE, INPUT_FALSE, INPUT_INTEGER, INPUT_REAL, INPUT_STRING, INPUT_ARRAY,
    INPUT_OBJECT
} input_kind;

typedef struct input_doc input_doc;

/* One value of the line, in document order in its input_doc: an object's
 * keys are values too, each followed by its value. */
typedef struct input_val {
    union {
        const char *s;  /* a string's decoded bytes with a NUL (once returned by sdd__input_get
                         * or INPUT_EACH); a literal's text in the line */
        int64_t i;      /* an INPUT_INTEGER's value */
        double r;       /* an INPUT_REAL's value */
    };
    uint32_t len;       /* bytes at s */
    int32_t up;         /* index of the enclosing array or object, -1 at the top */
    uint32_t end;       /* index of the first value after this one and what it holds */
    uint32_t count;     /* arrays: items; objects: keys and values */
    uint8_t kind;       /* input_kind */
    uint8_t in_line;    /* s is a string's bytes in the line, without a NUL (until looked up) */
    input_doc *doc;
} input_val;

/* Key index: an open-addressing table of (object, key) over the whole line. */
typedef struct input_slot {
    uint32_t hash;
    int32_t key;        /* index of the key's value, -1: free */
} input_slot;

/* Values and decoded text of a line up to these sizes live in the
 * input_doc itself (on the caller's stack); larger lines take the heap. */
#define INPUT_LOCAL_VALUES 256
#define INPUT_LOCAL_TEXT 4096

struct input_doc {
    input_val *val;     /* val[0] is the top value */
    uint32_t n;
    input_slot *slot;
    uint32_t mask;      /* slots - 1, a power of two minus one */
    char *text;         /* strings and reals with a NUL: decoded, or copied when looked up */
    size_t text_size, text_used;
    input_val val_local[INPUT_LOCAL_VALUES];
    input_slot slot_local[INPUT_LOCAL_VALUES];
    char text_local[INPUT_LOCAL_TEXT];
};

/* Parses one line into *doc; refuses it as jansson did (JSON_DECODE_ANY |
 * JSON_REJECT_DUPLICATES), with the same reasons: broken JSON (json),
 * a number beyond 64-bit integers or doubles (value), a top level other
 * than an object (not_object). On success *root is the object and the
 * caller calls sdd__input_free(doc); on failure nothing is left to free. */
sdd_skip sdd__input_load(const char *line, size_t len, input_doc *doc, const input_val **root,
                         input_err *e);
void sdd__input_free(input_doc *doc);

/* The two ways sdd__input_load reads a line, apart for the test that
 * compares them. The fast one (input_simd.cc, simdjson) takes only lines
 * it reads exactly as the walk does: 0 and *doc filled, or -1 and nothing
 * to free. The walk (jsmn and the checks above) reads every line. */
int sdd__input_load_fast(const char *line, size_t len, input_doc *doc);
sdd_skip sdd__input_load_walk(const char *line, size_t len, input_doc *doc, input_err *e);

/* Room in *doc for n values, keys of them keys, and the text of a line of
 * len bytes: 0, or -1 with nothing to free. */
int sdd__input_alloc(input_doc *doc, uint32_t n, uint32_t keys, size_t len);

/* The value at key, or NULL when absent, JSON null or obj is no object:
 * pmacct's Avro-JSON writes null for "not set", its plain JSON leaves the
 * key out. */
const input_val *sdd__input_getn(const input_val *obj, const char *key, size_t n);
/* Inline, so that the length of a literal key is known when compiling. */
static inline const input_val *sdd__input_get(const input_val *obj, const char *key)
{
    return sdd__input_getn(obj, key, strlen(key));
}

/* One pass over obj's members for a parser that reads many keys of it:
 * out[which(key, len)] gets each member's value as sdd__input_getn would
 * give it (NULL for JSON null); keys which() answers -1 for are passed
 * over, the other out[] stay NULL. A pass costs about what two or three
 * lookups do. */
typedef int (*input_key_fn)(const char *key, uint32_t len);
void sdd__input_pick(const input_val *obj, input_key_fn which, const input_val **out, int n);

/* Iterates an array's items (none when arr is no array). */
const input_val *sdd__input_first(const input_val *arr);
const input_val *sdd__input_next(const input_val *arr, const input_val *item);
#define INPUT_EACH(arr, item) \
    for ((item) = sdd__input_first(arr); (item); (item) = sdd__input_next((arr), (item)))

static inline int sdd__input_is(const input_val *v, input_kind k)
{
    return v && v->kind == k;
}

/* An INPUT_INTEGER's value (the load checked it fits). */
int64_t sdd__input_integer(const input_val *v);
/* An INPUT_REAL's value. */
double sdd__input_real(const input_val *v);
/* Names as sdd__json_type_name's. */
const char *sdd__input_kind_name(const input_val *v);

/* ---- typed fields (input_json.c) --------------------------------------- */

/* The readers below take a value from sdd__input_get (NULL: absent). With
 * `required`, absence is SDD_SKIP_MISSING; without, *out is left as it is.
 * `key` only names the field in the explanation. */

/* An unsigned integer up to max: a JSON integer or a string of digits
 * (pmacct prints custom primitives as strings). */
sdd_skip sdd__input_uint(const input_val *v, const char *key, int required, uint64_t max, uint64_t *out,
                    input_err *e);
sdd_skip sdd__input_u32(const input_val *v, const char *key, uint32_t *out, input_err *e);
sdd_skip sdd__input_addr(const input_val *v, const char *key, int required, sdd_addr *out, input_err *e);
/* pmacct's RD text; "0:0:0", "vrfid:N" and "unknown" carry no RD and read as 0. */
sdd_skip sdd__input_rd(const input_val *v, const char *key, sdd_rd *out, input_err *e);
/* A string that must fit buf with its NUL (longer ones would merge names). */
sdd_skip sdd__input_text(const input_val *v, const char *key, int required, char *buf, size_t size,
                    input_err *e);
/* A string value, or SDD_SKIP_TYPE; NULL stays NULL (absent). */
sdd_skip sdd__input_str(const input_val *v, const char *key, const char **out, input_err *e);

/* The first of `keys` (NULL-terminated) holding a non-zero time, in order of
 * preference: pmacct writes 0 ("0.000000", "0000-00-00 00:00:00") for a time
 * it does not know, so a zero time passes to the next key. A time that does
 * not read is SDD_SKIP_VALUE; no usable time at all is SDD_SKIP_MISSING. */
sdd_skip sdd__input_time(const input_val *obj, const char *const keys[], int64_t *out, input_err *e);
/* The same over values already found: vals[i] is the value of keys[i]. */
sdd_skip sdd__input_time_of(const input_val *const vals[], const char *const keys[], int64_t *out,
                            input_err *e);

/* Case-insensitive equality of ASCII words (protocol and status names). */
int sdd__input_word_eq(const char *a, const char *b);

#endif
