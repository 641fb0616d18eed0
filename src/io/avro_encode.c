/* SPDX-License-Identifier: GPL-2.0-or-later */
/* avro_encode.c: notification JSON to Avro and back (avro_encode.h).
 *
 * Encoding walks avro-c's generic value of the writer schema, so the schema
 * decides what is accepted: record fields in order, union branches chosen by
 * the JSON value, logical types as their base type. Decoding, and reading
 * container files, walk the schema over the bytes here instead of avro-c's
 * readers: those take a damaged block for the end of a file and read an
 * enum index they never checked, where a damaged file must be an error that
 * says where it is damaged. */
#include <avro.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "util/error.h"
#include "io/avro_encode.h"
#include "parse/input.h"
#include "lifecycle/lifecycle.h"

#define RECORD_NAME "RelevantStateNotification"
#define BLOCK_SIZE (1024 * 1024)    /* a container block; one record must fit */
#define SYNC_SIZE 16

struct sdd_avro {
    char *schema_json;              /* the self-contained writer schema */
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;             /* reused for every record */
};

struct sdd_avro_file {
    sdd_avro *avro;
    avro_file_writer_t writer;
};

/* ---- the writer schema ------------------------------------------------ */

/* The named types of the reference file, and those already defined on the
 * way through the record: a name is defined at its first use only. */
typedef struct inliner {
    json_t *defs;                   /* full name -> definition */
    json_t *seen;                   /* full name -> true */
} inliner;

static void full_name(const char *name, const char *ns, char *out, size_t len)
{
    if (strchr(name, '.') || !ns || !*ns)
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "%s.%s", ns, name);
}

/* The namespace that names inside a named type are relative to. */
static void namespace_of(const char *full, char *out, size_t len)
{
    const char *dot = strrchr(full, '.');
    snprintf(out, len, "%.*s", dot ? (int)(dot - full) : 0, full);
}

static json_t *expand(inliner *in, json_t *type, const char *ns);

static void expand_member(inliner *in, json_t *obj, const char *key, const char *ns)
{
    json_t *t = json_object_get(obj, key);
    if (t)
        json_object_set_new(obj, key, expand(in, t, ns));
}

/* A named definition: remembered, then its insides expanded in its own namespace. */
static json_t *expand_named(inliner *in, json_t *type, const char *ns)
{
    const char *space = json_string_value(json_object_get(type, "namespace"));
    const char *name = json_string_value(json_object_get(type, "name"));
    char full[256], inner[256];
    json_t *fields = json_object_get(type, "fields"), *f;
    size_t i;

    full_name(name ? name : "", space ? space : ns, full, sizeof(full));
    json_object_set_new(in->seen, full, json_true());
    namespace_of(full, inner, sizeof(inner));
    json_array_foreach(fields, i, f)
        expand_member(in, f, "type", inner);
    return json_incref(type);
}

/* Returns a new reference to the type with every first use of a named type
 * of the reference file replaced by its definition. Objects and arrays are
 * private copies, changed in place. */
static json_t *expand(inliner *in, json_t *type, const char *ns)
{
    char full[256];
    json_t *def, *branch;
    size_t i;

    if (json_is_string(type)) {
        full_name(json_string_value(type), ns, full, sizeof(full));
        def = json_object_get(in->defs, full);
        if (!def || json_object_get(in->seen, full))
            return json_incref(type);
        def = json_deep_copy(def);
        json_t *out = expand(in, def, ns);
        json_decref(def);
        return out;
    }
    if (json_is_array(type)) {
        json_array_foreach(type, i, branch)
            json_array_set_new(type, i, expand(in, branch, ns));
        return json_incref(type);
    }
    if (json_object_get(type, "name"))
        return expand_named(in, type, ns);
    expand_member(in, type, "items", ns);
    expand_member(in, type, "values", ns);
    return json_incref(type);
}

/* The self-contained record schema text, from the reference file's types. */
static char *writer_schema_text(sdd_error *err)
{
    json_error_t jerr;
    json_t *all = json_loads(sdd_avro_reference_schema, 0, &jerr), *def, *record = NULL;
    inliner in = {json_object(), json_object()};
    char full[256], *text = NULL;
    size_t i;

    if (!all || !json_is_array(all)) {
        sdd__fail(err, SDD_E_DATA, "reference schema: %s", all ? "not a JSON array of types" : jerr.text);
        goto out;
    }
    json_array_foreach(all, i, def) {
        const char *name = json_string_value(json_object_get(def, "name"));
        full_name(name ? name : "", json_string_value(json_object_get(def, "namespace")), full, sizeof(full));
        json_object_set(in.defs, full, def);
        if (name && strcmp(name, RECORD_NAME) == 0)
            record = json_deep_copy(def);
    }
    if (!record) {
        sdd__fail(err, SDD_E_DATA, "reference schema: no record %s", RECORD_NAME);
        goto out;
    }
    json_decref(expand(&in, record, NULL));
    text = json_dumps(record, JSON_COMPACT);
    json_decref(record);
out:
    json_decref(all);
    json_decref(in.defs);
    json_decref(in.seen);
    return text;
}

sdd_avro *sdd_avro_new(sdd_error *err)
{
    sdd_avro *a = calloc(1, sizeof(*a));

    if (!a) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    a->schema_json = writer_schema_text(err);
    if (!a->schema_json)
        goto fail;
    if (avro_schema_from_json_length(a->schema_json, strlen(a->schema_json), &a->schema) != 0) {
        sdd__fail(err, SDD_E_IO, "writer schema: %s", avro_strerror());
        goto fail;
    }
    a->iface = avro_generic_class_from_schema(a->schema);
    if (!a->iface || avro_generic_value_new(a->iface, &a->value) != 0) {
        sdd__fail(err, SDD_E_IO, "writer schema: %s", avro_strerror());
        goto fail;
    }
    return a;
fail:
    sdd_avro_free(a);
    return NULL;
}

void sdd_avro_free(sdd_avro *a)
{
    if (!a)
        return;
    if (a->value.self)
        avro_value_decref(&a->value);
    if (a->iface)
        avro_value_iface_decref(a->iface);
    if (a->schema)
        avro_schema_decref(a->schema);
    free(a->schema_json);
    free(a);
}

const char *sdd_avro_schema_json(const sdd_avro *a)
{
    return a->schema_json;
}

/* ---- JSON to an Avro value -------------------------------------------- */

/* Where the walk is, for messages: "anomaly[0].annotator.annotatorType". */
typedef struct walk {
    char path[256];
    size_t len;
    sdd_error *err;
} walk;

static size_t path_push(walk *w, const char *fmt, ...)
{
    size_t before = w->len;
    va_list ap;

    if (w->len < sizeof(w->path)) {
        va_start(ap, fmt);
        int n = vsnprintf(w->path + w->len, sizeof(w->path) - w->len, fmt, ap);
        va_end(ap);
        w->len = n < 0 ? w->len : w->len + (size_t)n;
    }
    return before;
}

static void path_pop(walk *w, size_t before)
{
    w->len = before;
    if (before < sizeof(w->path))
        w->path[before] = '\0';
}

static int walk_fail(walk *w, const char *fmt, ...)
{
    char what[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sdd__fail(w->err, SDD_E_DATA, "%s: %s", w->path[0] ? w->path : RECORD_NAME, what);
}

/* avro-c's setters answer an errno; the walk answers -1 with a message. */
static int set_failed(walk *w)
{
    return walk_fail(w, "%s", avro_strerror());
}

static avro_schema_t resolved(avro_schema_t s)
{
    while (avro_typeof(s) == AVRO_LINK)
        s = avro_schema_link_target(s);
    return s;
}

static int from_json(walk *w, avro_value_t *v, const json_t *j);

/* When the JSON's keys leave the schema's order: say which field and how. */
static int field_mismatch(walk *w, avro_value_t *v, const json_t *j, const char *expected, const char *key)
{
    if (key && avro_schema_record_field_get_index(avro_value_get_schema(v), key) < 0)
        return walk_fail(w, "field \"%s\" is not in the schema", key);
    if (!json_object_get(j, expected))
        return walk_fail(w, "field \"%s\" is missing", expected);
    return walk_fail(w, "field \"%s\" is out of order: the schema has \"%s\" here", key, expected);
}

static int record_from_json(walk *w, avro_value_t *v, const json_t *j)
{
    void *it = json_object_iter((json_t *)j);
    size_t n = 0;

    avro_value_get_size(v, &n);
    for (size_t i = 0; i < n; i++, it = json_object_iter_next((json_t *)j, it)) {
        avro_value_t field;
        const char *name, *key = it ? json_object_iter_key(it) : NULL;

        avro_value_get_by_index(v, i, &field, &name);
        if (!key || strcmp(key, name) != 0)
            return field_mismatch(w, v, j, name, key);
        size_t mark = path_push(w, w->len ? ".%s" : "%s", name);
        int rc = from_json(w, &field, json_object_iter_value(it));
        path_pop(w, mark);
        if (rc < 0)
            return rc;
    }
    if (it)
        return walk_fail(w, "field \"%s\" is not in the schema", json_object_iter_key(it));
    return 0;
}

static int array_from_json(walk *w, avro_value_t *v, const json_t *j)
{
    const json_t *item;
    size_t i;

    json_array_foreach(j, i, item) {
        avro_value_t child;
        if (avro_value_append(v, &child, NULL) != 0)
            return set_failed(w);
        size_t mark = path_push(w, "[%zu]", i);
        int rc = from_json(w, &child, item);
        path_pop(w, mark);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Whether the JSON is of the kind an Avro type is written as. */
static int kind_fits(avro_type_t t, const json_t *j)
{
    switch (t) {
    case AVRO_NULL: return json_is_null(j);
    case AVRO_STRING:
    case AVRO_ENUM: return json_is_string(j);
    case AVRO_INT32:
    case AVRO_INT64: return json_is_integer(j);
    case AVRO_RECORD: return json_is_object(j);
    case AVRO_ARRAY: return json_is_array(j);
    default: return 0;
    }
}

/* Whether the JSON is a value of the type, as far as a union must tell its
 * branches apart: the symbol of an enum, an int in range, a record whose
 * fields hold every key. */
static int value_fits(avro_schema_t s, const json_t *j)
{
    const char *key;
    const json_t *member;

    if (!kind_fits(avro_typeof(s), j))
        return 0;
    switch (avro_typeof(s)) {
    case AVRO_ENUM:
        return avro_schema_enum_get_by_name(s, json_string_value(j)) >= 0;
    case AVRO_INT32:
        return json_integer_value(j) >= INT32_MIN && json_integer_value(j) <= INT32_MAX;
    case AVRO_RECORD:
        json_object_foreach((json_t *)j, key, member)
            if (avro_schema_record_field_get_index(s, key) < 0)
                return 0;
        return 1;
    default:
        return 1;
    }
}

/* The first branch the value fits; failing that, the first of its kind, so
 * that the walk into it says exactly what is wrong. */
static int pick_branch(avro_schema_t u, const json_t *j)
{
    size_t n = avro_schema_union_size(u);
    int kind = -1;

    for (size_t i = 0; i < n; i++) {
        avro_schema_t b = resolved(avro_schema_union_branch(u, (int)i));
        if (value_fits(b, j))
            return (int)i;
        if (kind < 0 && kind_fits(avro_typeof(b), j))
            kind = (int)i;
    }
    return kind;
}

static int union_from_json(walk *w, avro_value_t *v, const json_t *j)
{
    avro_value_t branch;
    int i = pick_branch(avro_value_get_schema(v), j);

    if (i < 0)
        return walk_fail(w, "a JSON %s fits no branch of the union", sdd__json_type_name(j));
    if (avro_value_set_branch(v, i, &branch) != 0)
        return set_failed(w);
    return from_json(w, &branch, j);
}

static int enum_from_json(walk *w, avro_value_t *v, const json_t *j)
{
    avro_schema_t s = avro_value_get_schema(v);
    int i = avro_schema_enum_get_by_name(s, json_string_value(j));

    if (i < 0)
        return walk_fail(w, "\"%s\" is not a symbol of enum %s", json_string_value(j), avro_schema_name(s));
    return avro_value_set_enum(v, i) ? set_failed(w) : 0;
}

/* A value of a type that holds no other value. */
static int scalar_from_json(walk *w, avro_value_t *v, avro_type_t t, const json_t *j)
{
    int rc;

    switch (t) {
    case AVRO_NULL: rc = avro_value_set_null(v); break;
    case AVRO_STRING: rc = avro_value_set_string_len(v, json_string_value(j), json_string_length(j) + 1); break;
    case AVRO_INT64: rc = avro_value_set_long(v, json_integer_value(j)); break;
    default:                        /* AVRO_INT32, the last kind kind_fits takes */
        if (!value_fits(avro_value_get_schema(v), j))
            return walk_fail(w, "%" JSON_INTEGER_FORMAT " is out of the range of an int", json_integer_value(j));
        rc = avro_value_set_int(v, (int32_t)json_integer_value(j));
    }
    return rc ? set_failed(w) : 0;
}

static int from_json(walk *w, avro_value_t *v, const json_t *j)
{
    avro_type_t t = avro_value_get_type(v);

    if (t == AVRO_UNION)
        return union_from_json(w, v, j);
    if (!kind_fits(t, j))
        return walk_fail(w, "expected %s, got a JSON %s", avro_schema_type_name(avro_value_get_schema(v)),
                         sdd__json_type_name(j));
    switch (t) {
    case AVRO_ENUM: return enum_from_json(w, v, j);
    case AVRO_RECORD: return record_from_json(w, v, j);
    case AVRO_ARRAY: return array_from_json(w, v, j);
    default: return scalar_from_json(w, v, t, j);
    }
}

/* The notification text into a->value. */
static int load_value(sdd_avro *a, const char *json, sdd_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    walk w = {.err = err};
    int rc;

    if (!j)
        return sdd__fail(err, SDD_E_DATA, "notification is not JSON: %s at byte %d", jerr.text, jerr.position);
    avro_value_reset(&a->value);
    rc = from_json(&w, &a->value, j);
    json_decref(j);
    return rc;
}

/* Encodes after `prefix` bytes left for the caller to fill. */
static int encode_after(sdd_avro *a, size_t prefix, const char *json, void **buf, size_t *len, sdd_error *err)
{
    size_t size = 0;
    char *out;
    avro_writer_t wr;

    if (load_value(a, json, err) < 0)
        return -1;
    avro_value_sizeof(&a->value, &size);
    out = malloc(prefix + size);
    wr = out ? avro_writer_memory(out + prefix, (int64_t)size) : NULL;
    if (!wr || avro_value_write(wr, &a->value) != 0) {
        sdd__fail(err, SDD_E_NOMEM, "encoding: %s", wr ? avro_strerror() : "out of memory");
        if (wr)
            avro_writer_free(wr);
        free(out);
        return -1;
    }
    avro_writer_free(wr);
    *buf = out;
    *len = prefix + size;
    return 0;
}

int sdd_avro_encode(sdd_avro *a, const char *json, void **buf, size_t *len, sdd_error *err)
{
    return encode_after(a, 0, json, buf, len, err);
}

int sdd_avro_encode_confluent(sdd_avro *a, uint32_t schema_id, const char *json, void **buf, size_t *len,
                              sdd_error *err)
{
    if (encode_after(a, 5, json, buf, len, err) < 0)
        return -1;
    unsigned char *p = *buf;
    p[0] = 0;                       /* the wire format's magic byte */
    for (int i = 0; i < 4; i++)
        p[1 + i] = (unsigned char)(schema_id >> (24 - 8 * i));
    return 0;
}

/* ---- Avro binary to JSON ---------------------------------------------- */

/* The bytes come from files and topics, not from this encoder: every
 * length, count, index and branch is checked against the bytes left and the
 * schema before it is used, and an error names the field. */
#define DEPTH_MAX 32                /* a notification nests 6 deep; a recursive schema no further */

typedef struct reader {
    const unsigned char *p, *end;
    int depth;
    walk w;
} reader;

static reader reader_over(const void *buf, size_t len, sdd_error *err)
{
    reader r = {buf, (const unsigned char *)buf + len, 0, {.err = err}};
    return r;
}

/* A zigzag varint. */
static int read_long(reader *r, int64_t *out)
{
    uint64_t v = 0;

    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end)
            return walk_fail(&r->w, "cut short");
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return walk_fail(&r->w, "a number longer than 10 bytes");
}

/* Bytes after their length, which the bytes left must hold. */
static int read_bytes(reader *r, const unsigned char **bytes, size_t *len)
{
    int64_t n;

    if (read_long(r, &n) < 0)
        return -1;
    if (n < 0)
        return walk_fail(&r->w, "a length of %lld: damaged", (long long)n);
    if (n > r->end - r->p)
        return walk_fail(&r->w, "cut short: a length of %lld with %lld bytes left", (long long)n,
                         (long long)(r->end - r->p));
    *bytes = r->p;
    *len = (size_t)n;
    r->p += n;
    return 0;
}

static json_t *decode(reader *r, avro_schema_t s);

static json_t *decode_record(reader *r, avro_schema_t s)
{
    json_t *o = json_object();
    size_t n = avro_schema_record_size(s);

    for (size_t i = 0; i < n && o; i++) {
        const char *name = avro_schema_record_field_name(s, (int)i);
        size_t mark = path_push(&r->w, r->w.len ? ".%s" : "%s", name);
        json_t *v = decode(r, avro_schema_record_field_get_by_index(s, (int)i));
        path_pop(&r->w, mark);
        if (!v || json_object_set_new(o, name, v) < 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

/* The count of a block of items (arrays, maps); a negative count is
 * followed by the block's size. -1 in *n as well when it cannot be read. */
static int read_block_count(reader *r, int64_t *n)
{
    int64_t bytes;

    if (read_long(r, n) < 0 || (*n < 0 && read_long(r, &bytes) < 0)) {
        *n = -1;
        return -1;
    }
    if (*n < -(r->end - r->p) || *n > r->end - r->p) {
        walk_fail(&r->w, "cut short: a block of %lld items with %lld bytes left", (long long)*n,
                  (long long)(r->end - r->p));
        *n = -1;
        return -1;
    }
    *n = *n < 0 ? -*n : *n;
    return 0;
}

static int decode_item(reader *r, avro_schema_t items, json_t *arr)
{
    size_t mark = path_push(&r->w, "[%zu]", json_array_size(arr));
    json_t *item = decode(r, items);

    path_pop(&r->w, mark);
    return item && json_array_append_new(arr, item) == 0 ? 0 : -1;
}

static json_t *decode_array(reader *r, avro_schema_t s)
{
    json_t *arr = json_array();
    int64_t n = 1;                      /* items in the block; 0 ends the array, -1 an error */

    while (arr && n > 0) {
        read_block_count(r, &n);
        for (int64_t i = 0; i < n; i++)
            if (decode_item(r, avro_schema_array_items(s), arr) < 0) {
                n = -1;
                break;
            }
    }
    if (n < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *decode_enum(reader *r, avro_schema_t s)
{
    int64_t i;
    int n = avro_schema_enum_number_of_symbols(s);

    if (read_long(r, &i) < 0)
        return NULL;
    if (i < 0 || i >= n) {
        walk_fail(&r->w, "enum index %lld is out of range (%s has %d symbols)", (long long)i, avro_schema_name(s), n);
        return NULL;
    }
    return json_string(avro_schema_enum_get(s, (int)i));
}

static json_t *decode_union(reader *r, avro_schema_t s)
{
    int64_t b;
    size_t n = avro_schema_union_size(s);

    if (read_long(r, &b) < 0)
        return NULL;
    if (b < 0 || (uint64_t)b >= n) {
        walk_fail(&r->w, "union branch %lld is out of range (%zu branches)", (long long)b, n);
        return NULL;
    }
    return decode(r, avro_schema_union_branch(s, (int)b));
}

static json_t *decode_string(reader *r)
{
    const unsigned char *bytes;
    size_t len;
    json_t *j;

    if (read_bytes(r, &bytes, &len) < 0)
        return NULL;
    /* a NUL could not be written back (nor be in a notification sddd made) */
    if (memchr(bytes, '\0', len)) {
        walk_fail(&r->w, "a string with a NUL byte");
        return NULL;
    }
    j = json_stringn((const char *)bytes, len);
    if (!j)
        walk_fail(&r->w, "a string that is not UTF-8");
    return j;
}

static json_t *decode_int(reader *r, avro_type_t t)
{
    int64_t v;

    if (read_long(r, &v) < 0)
        return NULL;
    if (t == AVRO_INT32 && (v < INT32_MIN || v > INT32_MAX)) {
        walk_fail(&r->w, "%lld is out of the range of an int", (long long)v);
        return NULL;
    }
    return json_integer((json_int_t)v);
}

static json_t *decode(reader *r, avro_schema_t s)
{
    json_t *j = NULL;

    s = resolved(s);
    if (++r->depth > DEPTH_MAX) {
        walk_fail(&r->w, "nested deeper than %d", DEPTH_MAX);
        return NULL;
    }
    switch (avro_typeof(s)) {
    case AVRO_NULL: j = json_null(); break;
    case AVRO_STRING: j = decode_string(r); break;
    case AVRO_INT32:
    case AVRO_INT64: j = decode_int(r, avro_typeof(s)); break;
    case AVRO_ENUM: j = decode_enum(r, s); break;
    case AVRO_RECORD: j = decode_record(r, s); break;
    case AVRO_ARRAY: j = decode_array(r, s); break;
    case AVRO_UNION: j = decode_union(r, s); break;
    default: walk_fail(&r->w, "type %s is not one a notification uses", avro_schema_type_name(s));
    }
    r->depth--;
    return j;
}

/* One record from the reader as notification JSON (caller frees). */
static char *decode_text(reader *r, avro_schema_t s)
{
    json_t *j = decode(r, s);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

    if (j && !text)
        sdd__fail(r->w.err, SDD_E_NOMEM, "out of memory");
    json_decref(j);
    return text;
}

char *sdd_avro_decode(sdd_avro *a, const void *buf, size_t len, sdd_error *err)
{
    reader r = reader_over(buf, len, err);
    char *text = decode_text(&r, a->schema);

    if (text && r.p != r.end) {
        sdd__fail(err, SDD_E_DATA, "%s: %lld bytes after the record", RECORD_NAME, (long long)(r.end - r.p));
        free(text);
        return NULL;
    }
    return text;
}

/* ---- container files -------------------------------------------------- */

/* A fixed sync marker: the 16 bytes of a UUID v5 of the writer schema.
 * avro-c draws its own from rand() seeded with the clock and cannot be told
 * another, so the header is written here and avro-c appends the blocks. */
static void sync_marker(const sdd_avro *a, unsigned char out[SYNC_SIZE])
{
    char text[SDD_UUID_TEXT];
    uuid_t u;

    sdd__uuid5(a->schema_json, text);
    uuid_parse(text, u);
    memcpy(out, u, SYNC_SIZE);
}

/* The file metadata of the spec: codec and schema, as a map of bytes. */
static int write_metadata(const sdd_avro *a, avro_writer_t wr)
{
    avro_schema_t ms = avro_schema_map(avro_schema_bytes());
    avro_value_iface_t *mi = avro_generic_class_from_schema(ms);
    avro_value_t meta, entry;
    int rc = avro_generic_value_new(mi, &meta);

    if (rc == 0) {
        rc = avro_value_add(&meta, "avro.codec", &entry, NULL, NULL) ||
             avro_value_set_bytes(&entry, "null", 4) ||
             avro_value_add(&meta, "avro.schema", &entry, NULL, NULL) ||
             avro_value_set_bytes(&entry, a->schema_json, strlen(a->schema_json)) ||
             avro_value_write(wr, &meta);
        avro_value_decref(&meta);
    }
    avro_value_iface_decref(mi);
    avro_schema_decref(ms);
    return rc;
}

static int write_header(const sdd_avro *a, const char *path, sdd_error *err)
{
    unsigned char sync[SYNC_SIZE];
    FILE *fp = fopen(path, "wb");
    avro_writer_t wr = fp ? avro_writer_file_fp(fp, 0) : NULL;
    int rc;

    if (!wr) {
        if (fp)
            fclose(fp);
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    }
    sync_marker(a, sync);
    rc = avro_write(wr, "Obj\x01", 4) || write_metadata(a, wr) || avro_write(wr, sync, SYNC_SIZE);
    avro_writer_flush(wr);
    avro_writer_free(wr);
    if (fclose(fp) != 0 && rc == 0)
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    return rc ? sdd__fail(err, SDD_E_IO, "%s: header: %s", path, avro_strerror()) : 0;
}

/* ---- reading container files --------------------------------------------- */

#define HEADER_READ_MAX (4 << 20)   /* the header is read whole; ours is about 20 KiB */
#define BLOCK_READ_MAX (64 << 20)   /* a longer block is a damaged length */

/* A container file being read: its header's schema and sync marker, and
 * where the next block starts. */
typedef struct container {
    FILE *fp;
    const char *path;
    avro_schema_t schema;
    unsigned char sync[SYNC_SIZE];
    off_t at, block_at;             /* the next block, the current one */
    long block, records;            /* read so far, for messages */
    sdd_error *err;
} container;

/* Up to len bytes of the file from `at`: how many there were. */
static size_t read_at(FILE *fp, off_t at, void *buf, size_t len)
{
    return fseeko(fp, at, SEEK_SET) == 0 ? fread(buf, 1, len, fp) : 0;
}

/* The file's name, the block and its place before the reason. */
static int block_fail(container *c, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (ferror(c->fp))
        snprintf(what, sizeof(what), "%s", strerror(errno));
    return sdd__fail(c->err, SDD_E_DATA, "%s: block %ld at byte %lld: %s", c->path, c->block, (long long)c->block_at,
                     what);
}

/* The full name of a named type defined twice in the schema (or "" when
 * none): libavro refuses such a schema but leaks what it built on the way
 * (libavro 1.11), so it is never handed one. */
static void defined_twice(const json_t *type, const char *ns, json_t *seen, char *twice, size_t len)
{
    const char *name = json_string_value(json_object_get(type, "name"));
    const char *space = json_string_value(json_object_get(type, "namespace"));
    const char *kind = json_string_value(json_object_get(type, "type"));
    char full[256], inner[256];
    const json_t *member;
    size_t i;

    if (json_is_array(type))
        json_array_foreach(type, i, member)
            defined_twice(member, ns, seen, twice, len);
    if (!json_is_object(type) || *twice)
        return;
    snprintf(inner, sizeof(inner), "%s", ns);
    if (name && kind && (!strcmp(kind, "record") || !strcmp(kind, "enum") || !strcmp(kind, "fixed") ||
                         !strcmp(kind, "error"))) {
        full_name(name, space ? space : ns, full, sizeof(full));
        if (json_object_get(seen, full)) {
            snprintf(twice, len, "%s", full);
            return;
        }
        json_object_set_new(seen, full, json_true());
        namespace_of(full, inner, sizeof(inner));
    }
    json_array_foreach(json_object_get(type, "fields"), i, member)
        defined_twice(json_object_get(member, "type"), inner, seen, twice, len);
    defined_twice(json_object_get(type, "type"), inner, seen, twice, len);
    defined_twice(json_object_get(type, "items"), inner, seen, twice, len);
    defined_twice(json_object_get(type, "values"), inner, seen, twice, len);
}

/* The container's schema parsed by libavro, unless it defines a name twice. */
static int read_schema(container *c, reader *r, const unsigned char *val, size_t vlen)
{
    json_t *doc = json_loadb((const char *)val, vlen, 0, NULL), *seen = json_object();
    char twice[256] = "";

    if (doc && seen)
        defined_twice(doc, "", seen, twice, sizeof(twice));
    json_decref(doc);
    json_decref(seen);
    if (*twice)
        return walk_fail(&r->w, "its schema defines %s twice", twice);
    if (avro_schema_from_json_length((const char *)val, vlen, &c->schema) != 0) {
        c->schema = NULL;
        return walk_fail(&r->w, "its schema does not parse: %s", avro_strerror());
    }
    return 0;
}

static int meta_entry(container *c, reader *r, const unsigned char *key, size_t klen, const unsigned char *val,
                      size_t vlen)
{
    if (klen == 11 && memcmp(key, "avro.schema", 11) == 0) {
        if (c->schema)
            return walk_fail(&r->w, "avro.schema twice");
        return read_schema(c, r, val, vlen);
    } else if (klen == 10 && memcmp(key, "avro.codec", 10) == 0 && !(vlen == 4 && memcmp(val, "null", 4) == 0)) {
        return walk_fail(&r->w, "codec \"%.*s\" is not one this reader knows (null)", (int)(vlen < 32 ? vlen : 32),
                         (const char *)val);
    }
    return 0;
}

/* Magic, metadata (a map of bytes), sync marker. */
static int read_header(container *c, reader *r, const unsigned char *base)
{
    const unsigned char *key, *val;
    size_t klen, vlen;
    int64_t n;

    if (r->end - r->p < 4 || memcmp(r->p, "Obj\x01", 4) != 0)
        return sdd__fail(c->err, SDD_E_DATA, "not an Avro container file");
    r->p += 4;
    while (read_block_count(r, &n) == 0 && n > 0)
        for (; n > 0; n--)
            if (read_bytes(r, &key, &klen) < 0 || read_bytes(r, &val, &vlen) < 0 ||
                meta_entry(c, r, key, klen, val, vlen) < 0)
                return -1;
    if (n < 0)
        return -1;
    if (!c->schema)
        return walk_fail(&r->w, "no avro.schema");
    if (r->end - r->p < SYNC_SIZE)
        return walk_fail(&r->w, "cut short");
    memcpy(c->sync, r->p, SYNC_SIZE);
    c->at = (off_t)(r->p - base) + SYNC_SIZE;
    return 0;
}

static int container_open(container *c, const char *path, sdd_error *err)
{
    unsigned char *buf;
    reader r;
    int rc;

    memset(c, 0, sizeof(*c));
    c->path = path;
    c->err = err;
    c->fp = fopen(path, "rb");
    if (!c->fp)
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    buf = malloc(HEADER_READ_MAX);
    if (!buf)
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    r = reader_over(buf, read_at(c->fp, 0, buf, HEADER_READ_MAX), err);
    path_push(&r.w, "header");
    rc = ferror(c->fp) ? sdd__fail(err, SDD_E_IO, "%s", strerror(errno)) : read_header(c, &r, buf);
    free(buf);
    return rc < 0 ? sdd__fail_prefix(err, "%s", path) : 0;
}

static void container_close(container *c)
{
    if (c->fp)
        fclose(c->fp);
    if (c->schema)
        avro_schema_decref(c->schema);
}

/* The next block, its sync marker checked: 1 with its bytes (malloc'ed),
 * their length and the count of records; 0 at the end; -1 with err. */
static int next_block(container *c, unsigned char **data, size_t *len, int64_t *count)
{
    unsigned char head[20];             /* two varints */
    size_t n = read_at(c->fp, c->at, head, sizeof(head)), got;
    reader r = reader_over(head, n, c->err);
    int64_t size;

    c->block_at = c->at;
    if (n == 0)
        return ferror(c->fp) ? block_fail(c, "unreadable") : 0;
    c->block++;
    if (read_long(&r, count) < 0 || read_long(&r, &size) < 0)
        return block_fail(c, "its header is cut short");
    if (*count < 0 || size < *count || size > BLOCK_READ_MAX)
        return block_fail(c, "%lld records in %lld bytes: damaged", (long long)*count, (long long)size);
    *len = (size_t)size;
    *data = malloc(*len + SYNC_SIZE);
    if (!*data)
        return sdd__fail(c->err, SDD_E_NOMEM, "out of memory");
    got = read_at(c->fp, c->at + (off_t)(r.p - head), *data, *len + SYNC_SIZE);
    if (got < *len + SYNC_SIZE || memcmp(*data + *len, c->sync, SYNC_SIZE) != 0) {
        free(*data);
        return got < *len + SYNC_SIZE ? block_fail(c, "cut short (%zu of %zu bytes)", got, *len + SYNC_SIZE)
                                      : block_fail(c, "its sync marker is not the file's: damaged");
    }
    c->at += (off_t)(r.p - head) + (off_t)*len + SYNC_SIZE;
    return 1;
}

/* The records of one block to fn, in order: 0, or -1 with err; *stop when
 * fn says so. */
static int block_records(container *c, const unsigned char *data, size_t len, int64_t count,
                         sdd_avro_record_fn fn, void *ctx, int *stop)
{
    reader r = reader_over(data, len, c->err);

    for (int64_t i = 0; i < count && !*stop; i++) {
        char *text = decode_text(&r, c->schema);
        if (!text)
            return sdd__fail_prefix(c->err, "%s: record %ld (block %ld at byte %lld)", c->path, c->records + 1,
                                    c->block, (long long)c->block_at);
        c->records++;
        *stop = fn(ctx, text);
        free(text);
    }
    if (!*stop && r.p != r.end)
        return block_fail(c, "%lld bytes after its last record: damaged", (long long)(r.end - r.p));
    return 0;
}

/* The file's writer schema must be ours: its records are appended as is. */
static int check_schema(const sdd_avro *a, const char *path, sdd_error *err)
{
    container c;
    int rc = container_open(&c, path, err);

    if (rc == 0 && !avro_schema_equal(c.schema, a->schema))
        rc = sdd__fail(err, SDD_E_DATA, "%s: written with another schema than %s", path, RECORD_NAME);
    container_close(&c);
    return rc;
}

static sdd_avro_file *file_open(const char *path, int append, sdd_error *err)
{
    sdd_avro_file *f = calloc(1, sizeof(*f));

    if (!f) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    f->avro = sdd_avro_new(err);
    if (!f->avro || (append ? check_schema(f->avro, path, err) : write_header(f->avro, path, err)) < 0)
        goto fail;
    if (avro_file_writer_open_bs(path, &f->writer, BLOCK_SIZE) != 0) {
        sdd__fail(err, SDD_E_IO, "%s: %s", path, avro_strerror());
        goto fail;
    }
    return f;
fail:
    sdd_avro_free(f->avro);
    free(f);
    return NULL;
}

sdd_avro_file *sdd_avro_file_open(const char *path, sdd_error *err)
{
    return file_open(path, 0, err);
}

sdd_avro_file *sdd_avro_file_open_append(const char *path, sdd_error *err)
{
    return file_open(path, 1, err);
}

int sdd_avro_file_append(sdd_avro_file *f, const char *json, sdd_error *err)
{
    if (load_value(f->avro, json, err) < 0)
        return -1;
    if (avro_file_writer_append_value(f->writer, &f->avro->value) != 0)
        return sdd__fail(err, SDD_E_IO, "appending: %s", avro_strerror());
    return 0;
}

int sdd_avro_file_close(sdd_avro_file *f, sdd_error *err)
{
    int rc = avro_file_writer_close(f->writer);

    if (rc != 0)
        sdd__fail(err, SDD_E_IO, "closing: %s", avro_strerror());
    sdd_avro_free(f->avro);
    free(f);
    return rc ? -1 : 0;
}

int sdd_avro_file_is_container(const char *path, sdd_error *err)
{
    char magic[4] = {0};
    FILE *fp = fopen(path, "rb");
    size_t n;

    if (!fp)
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    n = fread(magic, 1, sizeof(magic), fp);
    fclose(fp);
    return n == sizeof(magic) && memcmp(magic, "Obj\x01", 4) == 0;
}

long sdd_avro_file_read(const char *path, sdd_avro_record_fn fn, void *ctx, sdd_error *err)
{
    container c;
    unsigned char *data = NULL;
    size_t len = 0;
    int64_t count = 0;
    int more = container_open(&c, path, err) < 0 ? -1 : 1, stop = 0;

    while (more > 0 && !stop && (more = next_block(&c, &data, &len, &count)) > 0) {
        if (block_records(&c, data, len, count, fn, ctx, &stop) < 0)
            more = -1;
        free(data);
    }
    container_close(&c);
    return more < 0 ? -1 : c.records;
}
