/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state_json.c: the state file as versions 2 and 3 wrote it, read once after
 * an upgrade so that an operator keeps the open slots and relevant states
 * (the next checkpoint writes the binary format, state_bin.c). One JSON
 * document, then in version 3 a line {"crc32":"xxxxxxxx"} with the CRC-32 of
 * the document's bytes. Every value is checked as it is read back (its type,
 * its range, each service once, terminations of the service, rows of the
 * state), and one that fails refuses the whole state with the file and the
 * field, before history is touched. */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "engine/state_read.h"
#include "engine/metrics.h"
#include "util/error.h"

#define STATE_FORMAT "pmacct-sdd-state"
#define STATE_VERSION_JSON 3
#define TIME_LIMIT SDD_STATE_TIME_LIMIT

typedef sdd__rd rd;

/* The length of the document: before the checksum line, which must hold its
 * CRC-32 (*summed = 1), or the whole text when there is no such line (a
 * version 2 state, or one cut short, which its version then tells). */
static long document_length(const char *text, size_t len, int *summed, const char *path, sdd_error *err)
{
    const char *nl = len > 1 && text[len - 1] == '\n' ? memrchr(text, '\n', len - 1) : NULL;
    unsigned long want;
    json_t *line;
    const char *sum;
    int ok;

    *summed = 0;
    if (!nl)
        return (long)len;
    line = json_loadb(nl + 1, (size_t)(text + len - 1 - (nl + 1)), 0, NULL);
    sum = json_string_value(json_object_get(line, "crc32"));
    ok = sum && strlen(sum) == 8 && strspn(sum, "0123456789abcdef") == 8 && sscanf(sum, "%lx", &want) == 1;
    json_decref(line);
    if (!ok)
        return sdd__fail(err, SDD_E_DATA, "%.300s: its last line is not {\"crc32\":\"8 hex digits\"}: damaged", path);
    if (crc32_z(0L, (const Bytef *)text, (z_size_t)(nl - text)) != want)
        return sdd__fail(err, SDD_E_DATA, "%.300s: its checksum does not match its content: changed or damaged on disk",
                         path);
    *summed = 1;
    return nl - text;
}

/* A member missing or of another type than wanted. */
static int wrong(rd *r, const char *key, const json_t *v, const char *wanted)
{
    if (!v)
        return sdd__rd_bad(r, key, "missing");
    return sdd__rd_bad(r, key, "a JSON %s where %s is wanted", sdd__json_type_name(v), wanted);
}

static int get_i64(rd *r, json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v))
        return wrong(r, key, v, "an integer");
    *out = json_integer_value(v);
    return sdd__rd_range(r, key, *out, lo, hi);
}

static int get_int(rd *r, json_t *o, const char *key, int lo, int hi, int *out)
{
    int64_t v;

    if (get_i64(r, o, key, lo, hi, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int get_time(rd *r, json_t *o, const char *key, int64_t *out)
{
    return get_i64(r, o, key, -TIME_LIMIT, TIME_LIMIT, out);
}

/* A time or slot number within +-limit, or INT64_MIN for "none yet". */
static int get_mark(rd *r, json_t *o, const char *key, int64_t limit, int64_t *out)
{
    json_t *v = json_object_get(o, key);

    if (json_is_integer(v) && json_integer_value(v) == INT64_MIN) {
        *out = INT64_MIN;
        return 0;
    }
    return get_i64(r, o, key, -limit, limit, out);
}

/* A finite number >= 0. */
static int get_amount(rd *r, json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_number(v))
        return wrong(r, key, v, "a number");
    *out = json_number_value(v);
    return sdd__rd_amount(r, key, *out);
}

static int get_bool(rd *r, json_t *o, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_boolean(v))
        return wrong(r, key, v, "true or false");
    *out = json_is_true(v);
    return 0;
}

/* A text into a buffer of `size` bytes, which it must fit. */
static int get_text(rd *r, json_t *o, const char *key, char *out, size_t size)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_string(v))
        return wrong(r, key, v, "a string");
    if (json_string_length(v) >= size)
        return sdd__rd_bad(r, key, "longer than %zu bytes", size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* A symptom's name (detector, action, ...): a text, or null when `nullable`. */
static int get_name(rd *r, json_t *o, const char *key, int nullable, const char **out)
{
    json_t *v = json_object_get(o, key);

    *out = NULL;
    if (nullable && json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return wrong(r, key, v, nullable ? "a string or null" : "a string");
    if (!json_string_length(v))
        return sdd__rd_bad(r, key, "empty");
    *out = sdd__rd_keep_text(r, json_string_value(v));
    return *out ? 0 : -1;
}

static int get_array(rd *r, json_t *o, const char *key, size_t max, json_t **out)
{
    *out = json_object_get(o, key);
    if (!json_is_array(*out))
        return wrong(r, key, *out, "an array");
    if (json_array_size(*out) > max)
        return sdd__rd_bad(r, key, "%zu entries, at most %zu", json_array_size(*out), max);
    return 0;
}

/* What a list's entries are restored into: a service's state or its
 * relevant state, with the service's terminations for their ranges. */
typedef struct into {
    sdd__service_state *st;
    sdd_relevant_state *rs;
    int n_terms;
} into;

typedef int (*restore_entry)(rd *r, json_t *entry, into *to);

/* The array `key` of o, at most max entries, each restored by `one` with
 * its place (".key[i]") in the messages. */
static int restore_list(rd *r, json_t *o, const char *key, size_t max, restore_entry one, into *to)
{
    json_t *list, *entry;
    size_t i;

    if (get_array(r, o, key, max, &list) < 0)
        return -1;
    json_array_foreach(list, i, entry) {
        size_t mark = sdd__rd_enter(r, ".%s[%zu]", key, i);
        int rc = one(r, entry, to);
        sdd__rd_leave(r, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- the engine's parts back ----------------------------------------------- */

static int restore_contribution(rd *r, json_t *j, into *to)
{
    sdd_contribution *c = &to->rs->contrib[to->rs->n_contrib++];
    sdd_symptom *s = &c->symptom;
    int n_terms = to->n_terms, plane, pattern;

    memset(c, 0, sizeof(*c));
    if (!json_is_object(j))
        return wrong(r, NULL, j, "an object");
    if (get_name(r, j, "detector", 0, &s->detector) < 0 || get_amount(r, j, "strength", &s->strength) < 0 ||
        get_amount(r, j, "weight", &s->weight) < 0 ||
        get_int(r, j, "plane", SDD_PLANE_MANAGEMENT, SDD_PLANE_FORWARDING, &plane) < 0 ||
        get_name(r, j, "action", 1, &s->action) < 0 || get_name(r, j, "reason", 1, &s->reason) < 0 ||
        get_name(r, j, "trigger", 1, &s->trigger) < 0 ||
        get_int(r, j, "pattern", SDD_PATTERN_NONE, SDD_PATTERN_OTHER, &pattern) < 0 ||
        get_time(r, j, "start", &s->start) < 0 || get_time(r, j, "end", &s->end) < 0 ||
        get_int(r, j, "termination", -1, n_terms - 1, &s->termination) < 0 ||
        get_text(r, j, "description", s->description, sizeof(s->description)) < 0 ||
        get_time(r, j, "first", &c->first) < 0 || get_time(r, j, "last", &c->last) < 0 ||
        get_bool(r, j, "active", &c->active) < 0)
        return -1;
    s->plane = (sdd_plane)plane;
    s->pattern = (sdd_pattern)pattern;
    return 0;
}

/* The state's fields; the caller has entered "relevant_state". */
static int restore_relevant_fields(rd *r, sdd_relevant_state *rs, json_t *j, int n_terms)
{
    if (get_text(r, j, "id", rs->id, sizeof(rs->id)) < 0 || sdd__rd_uuid(r, rs->id) < 0)
        return -1;
    if (get_time(r, j, "start", &rs->start) < 0 || get_time(r, j, "end", &rs->end) < 0 ||
        get_int(r, j, "revision", 0, INT_MAX - 1, &rs->revision) < 0 ||
        get_int(r, j, "below", 0, INT_MAX - 1, &rs->below) < 0 || get_int(r, j, "band", 0, 3, &rs->band) < 0 ||
        get_int(r, j, "concern", 0, 100, &rs->concern) < 0)
        return -1;
    /* when a peer up said it ended (the closing revision's endTime); a state
     * written before it was kept has none */
    if (json_object_get(j, "recovered") && get_time(r, j, "recovered", &rs->recovered) < 0)
        return -1;
    into to = {NULL, rs, n_terms};
    return restore_list(r, j, "contributions", SDD_CONTRIB_MAX, restore_contribution, &to);
}

static int restore_relevant_state(rd *r, sdd_relevant_state *rs, json_t *svc, int n_terms)
{
    json_t *j = json_object_get(svc, "relevant_state");
    size_t mark;
    int rc;

    if (json_is_null(j))
        return 0;                       /* none open */
    if (!json_is_object(j))
        return wrong(r, "relevant_state", j, "an object or null");
    rs->contrib = calloc(SDD_CONTRIB_MAX, sizeof(*rs->contrib));
    if (!rs->contrib)
        return sdd__fail(r->err, SDD_E_NOMEM, "%.300s: out of memory", r->file);
    rs->open = 1;
    mark = sdd__rd_enter(r, ".relevant_state");
    rc = restore_relevant_fields(r, rs, j, n_terms);
    sdd__rd_leave(r, mark);
    return rc;
}

static int restore_event(rd *r, json_t *j, into *to)
{
    int n_terms = to->n_terms;
    sdd_event ev;
    char peer[64];
    int kind;

    memset(&ev, 0, sizeof(ev));
    if (!json_is_object(j))
        return wrong(r, NULL, j, "an object");
    if (get_time(r, j, "time", &ev.time) < 0 || get_int(r, j, "kind", SDD_EV_PEER_UP, SDD_EV_IFACE_DOWN, &kind) < 0 ||
        get_int(r, j, "termination", -1, n_terms - 1, &ev.termination) < 0 ||
        get_int(r, j, "reason", -1, INT_MAX, &ev.reason) < 0 || get_text(r, j, "peer", peer, sizeof(peer)) < 0 ||
        get_text(r, j, "ifname", ev.ifname, sizeof(ev.ifname)) < 0)
        return -1;
    if (sdd_addr_parse(peer, &ev.peer) < 0)
        return sdd__rd_bad(r, "peer", "\"%s\" is not an address", peer);
    ev.kind = (sdd_event_kind)kind;
    sdd__service_add_event(to->st, &ev);
    return 0;
}

/* One row: [row, sum, sum, ...], a row of the state's, each sum finite and
 * >= 0, no row twice. */
static int restore_row(rd *r, json_t *row, into *to)
{
    sdd__service_state *st = to->st;
    int n_rows = r->e->slots.n_rows;
    json_t *first = json_array_get(row, 0);
    json_int_t at = json_integer_value(first);
    double *m;

    if (!json_is_array(row) || json_array_size(row) != SDD_M_COUNT + 1)
        return sdd__rd_bad(r, NULL, "not an array of a row and %d sums", SDD_M_COUNT);
    if (!json_is_integer(first))
        return sdd__rd_bad(r, NULL, "its first entry is not a row number");
    if (at < 0 || at >= n_rows)
        return sdd__rd_bad(r, NULL, "row %lld is not one of the state's rows (0..%d)", (long long)at, n_rows - 1);
    m = st->rows + (size_t)at * SDD_M_COUNT;
    for (int i = 0; i < SDD_M_COUNT; i++)
        if (m[i] != 0)
            return sdd__rd_bad(r, NULL, "row %lld twice", (long long)at);
    for (int i = 0; i < SDD_M_COUNT; i++) {
        json_t *v = json_array_get(row, (size_t)i + 1);
        m[i] = json_number_value(v);
        if (!json_is_number(v) || !isfinite(m[i]) || m[i] < 0)
            return sdd__rd_bad(r, NULL, "sum %d is not a finite number >= 0", i);
    }
    return 0;
}

/* The automatic profile's class and the day it was chosen (profile.h);
 * a state written before there were any has neither. */
static int restore_class(rd *r, int svc, json_t *j)
{
    int64_t cls, day;

    if (!json_object_get(j, "profile_class"))
        return 0;
    if (get_i64(r, j, "profile_class", INT64_MIN, INT64_MAX, &cls) < 0 ||
        get_i64(r, j, "profile_day", INT64_MIN, INT64_MAX, &day) < 0)
        return -1;
    return sdd__rd_class(r, svc, cls, day);
}

/* A service of the state: one of its inventory, listed once. */
static int restore_service(rd *r, json_t *j, uint8_t *seen)
{
    char vpn[SDD_RT_TEXT_MAX];
    sdd__service_state *st;
    into to = {0};
    int svc, n_terms;

    if (!json_is_object(j))
        return wrong(r, NULL, j, "an object");
    if (get_text(r, j, "vpn_id", vpn, sizeof(vpn)) < 0 || !(st = sdd__rd_service(r, vpn, seen, &svc, &n_terms)))
        return -1;
    to.st = st;
    to.n_terms = n_terms;
    if (restore_list(r, j, "events", SDD_EVENTS_KEPT, restore_event, &to) < 0 ||
        restore_list(r, j, "rows", (size_t)r->e->slots.n_rows, restore_row, &to) < 0 || restore_class(r, svc, j) < 0)
        return -1;
    return restore_relevant_state(r, &st->rs, j, n_terms);
}

static int restore_services(rd *r, json_t *root)
{
    uint8_t *seen = calloc((size_t)sdd__inventory_count(r->e->inv) + 1, 1);
    json_t *list;
    int rc;

    if (!seen)
        return sdd__fail(r->err, SDD_E_NOMEM, "%.300s: out of memory", r->file);
    rc = get_array(r, root, "services", SIZE_MAX, &list);     /* one listed twice is said below */
    for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
        size_t mark = sdd__rd_enter(r, "services[%zu]", i);
        rc = restore_service(r, json_array_get(list, i), seen);
        sdd__rd_leave(r, mark);
    }
    free(seen);
    return rc;
}

/* The bookkeeping of every row: records counted, closed empty. */
static int restore_row_marks(rd *r, json_t *root)
{
    int n_rows = r->e->slots.n_rows;
    json_t *records, *empty;

    if (get_array(r, root, "row_records", (size_t)n_rows, &records) < 0 ||
        get_array(r, root, "row_closed_empty", (size_t)n_rows, &empty) < 0)
        return -1;
    if (json_array_size(records) != (size_t)n_rows || json_array_size(empty) != (size_t)n_rows)
        return sdd__rd_bad(r, "row_records", "%zu and %zu entries for %d rows", json_array_size(records),
                   json_array_size(empty), n_rows);
    for (int i = 0; i < n_rows; i++) {
        json_t *n = json_array_get(records, (size_t)i), *b = json_array_get(empty, (size_t)i);
        if (!json_is_integer(n) || json_integer_value(n) < 0)
            return sdd__rd_bad(r, "row_records", "entry %d is not a count >= 0", i);
        if (!json_is_boolean(b))
            return sdd__rd_bad(r, "row_closed_empty", "entry %d is not true or false", i);
        r->e->slots.row_records[i] = (uint64_t)json_integer_value(n);
        r->e->slots.row_closed_empty[i] = json_is_true(b);
    }
    return 0;
}

static int restore_cursor(rd *r, json_t *root)
{
    json_t *v = json_object_get(root, "cursor");

    if (json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return wrong(r, "cursor", v, "a string or null");
    r->e->cursor = strdup(json_string_value(v));
    return r->e->cursor ? 0 : sdd__fail(r->err, SDD_E_NOMEM, "%.300s: out of memory", r->file);
}

/* One source of the clock and its watermark (the engine's, not a
 * service's: `to` is not read). */
static int restore_source(rd *r, json_t *j, into *to)
{
    sdd_addr addr;
    char router[64];
    int64_t newest, kind;

    (void)to;
    if (!json_is_object(j))
        return wrong(r, NULL, j, "an object");
    if (get_i64(r, j, "kind", INT64_MIN, INT64_MAX, &kind) < 0 || get_text(r, j, "router", router, sizeof(router)) < 0 ||
        get_mark(r, j, "newest", TIME_LIMIT, &newest) < 0)
        return -1;
    if (sdd_addr_parse(router, &addr) < 0)
        return sdd__rd_bad(r, "router", "\"%s\" is not an address", router);
    return sdd__rd_source(r, kind, &addr, newest);
}

/* The engine's time and the sources' watermarks. A state written before
 * they were kept has none: the engine then takes the time its closed slots
 * say (engine.c). */
static int restore_clock(rd *r, json_t *root)
{
    json_t *clock = json_object_get(root, "clock");
    int64_t now, lead;
    size_t mark;
    int rc;

    if (!clock)
        return 0;
    if (!json_is_object(clock))
        return wrong(r, "clock", clock, "an object");
    mark = sdd__rd_enter(r, "clock");
    rc = get_mark(r, clock, "now", TIME_LIMIT, &now) < 0 || get_mark(r, clock, "lead", TIME_LIMIT, &lead) < 0 ||
                 restore_list(r, clock, "sources", INT_MAX / 2, restore_source, NULL) < 0 ? -1 : 0;
    sdd__rd_leave(r, mark);
    if (rc == 0)
        sdd__clock_import_times(&r->e->clock, now, lead);
    return rc;
}

/* Everything after the header, into the engine. */
static int restore(rd *r, json_t *root)
{
    sdd__slots *sl = &r->e->slots;
    json_t *strategy = json_object_get(root, "strategy");

    if (!json_is_string(strategy))
        return wrong(r, "strategy", strategy, "a string");
    if (sdd__inventory_from_json(r->e->inv, json_object_get(root, "inventory"), r->file, r->err) < 0)
        return -1;
    if (get_mark(r, root, "newest", TIME_LIMIT, &sl->newest) < 0 ||
        get_mark(r, root, "next_close", TIME_LIMIT / sl->step, &sl->next_close) < 0 ||
        get_mark(r, root, "first_slot", TIME_LIMIT / sl->step, &sl->first_slot) < 0 ||
        restore_row_marks(r, root) < 0 || restore_services(r, root) < 0 || restore_clock(r, root) < 0)
        return -1;
    /* a state written before history had an undo log names none */
    if (json_object_get(root, "history_epoch") &&
        get_i64(r, root, "history_epoch", 1, INT64_MAX, &r->history_epoch) < 0)
        return -1;
    return restore_cursor(r, root);
}

/* A version 2 or 3 document checked and read into the engine. */
int sdd__state_read_json(rd *r, const char *text, size_t len, int *damaged)
{
    json_error_t jerr;
    json_t *root;
    int summed, rc;
    long doc = document_length(text, len, &summed, r->file, r->err);

    *damaged = 1;
    if (doc < 0)
        return -1;
    root = json_loadb(text, (size_t)doc, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: not a JSON object: %s (line %d, column %d)", r->file,
                         root ? "another JSON value" : jerr.text, jerr.line, jerr.column);
    }
    if (!json_is_string(json_object_get(root, "format")) ||
        strcmp(json_string_value(json_object_get(root, "format")), STATE_FORMAT) != 0) {
        *damaged = 0;
        rc = sdd__fail(r->err, SDD_E_DATA, "%.300s: not a pmacct-sdd state file", r->file);
    } else if ((rc = sdd__rd_header(r, json_integer_value(json_object_get(root, "version")), SDD_STATE_VERSION_OLDEST,
                                  STATE_VERSION_JSON,
                                  json_integer_value(json_object_get(root, "time_step_seconds")),
                                  json_integer_value(json_object_get(root, "rows")))) < 0) {
        *damaged = 0;
    } else if (!summed && json_integer_value(json_object_get(root, "version")) == STATE_VERSION_JSON) {
        rc = sdd__fail(r->err, SDD_E_DATA, "%.300s: its checksum line is missing: cut short or damaged", r->file);
    } else {
        rc = restore(r, root);
    }
    json_decref(root);
    return rc;
}
