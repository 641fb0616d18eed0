/* SPDX-License-Identifier: GPL-2.0-or-later */
/* checkpoint.c: what the engine must remember across a restart, beyond
 * the history store: where the watermark stood, the exact sums of the slots
 * still open or still taking late records, each service's recent events and
 * relevant state, the inventory it has learned, and the application's
 * cursor (where its inputs stood). Written as one JSON document, atomically
 * (a temporary file, fsync'ed, renamed over the old one), so a crash leaves
 * the previous state or the new one, never half of either.
 *
 * A state is a checkpoint. History is written in place between two of them,
 * so after a crash it may hold slots the state has not seen closed, and
 * its rings may have dropped older slots for them. Loading first puts back
 * what history's undo log kept of the checkpoint named by the state's
 * history_epoch (history.h), then rewinds every history entity to the
 * oldest slot the state has a row for and writes those rows again
 * (slots.h), so that reading the input again from the cursor rebuilds
 * history exactly, as if no crash had happened. Saving starts that log
 * over once the state naming its new epoch is on disk.
 *
 * Format version 3: the document, then a line {"crc32":"xxxxxxxx"} with the
 * CRC-32 of the document's bytes. Version 2 (no such line) is still read.
 * Every value is checked as it is read back (its type, its range, each
 * service once, terminations of the service, rows of the state), and one
 * that fails refuses the whole state with the file and the field, before
 * history is touched: a value read as 0, or out of the range of an array
 * it indexes, would rewind history to nothing or crash a later step. The
 * state a checkpoint replaces is kept as STATE.prev, so that a damaged
 * state leaves the operator the one before. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/engine_private.h"
#include "util/error.h"
#include "util/fdio.h"
#include "engine/metrics.h"

#define STATE_FORMAT "pmacct-sdd-state"
#define STATE_VERSION 3
#define STATE_VERSION_OLDEST 2
/* Seconds either side of the epoch a saved time may be: no record's time is
 * further, and slot arithmetic on it stays far from overflowing. */
#define TIME_LIMIT (INT64_C(1) << 40)

static int fail(sdd_error *err, sdd_code code, const char *path, const char *what)
{
    return sdd__fail(err, code, "%.300s: %.200s", path, what);
}

/* ---- writing ------------------------------------------------------------ */

static json_t *event_json(const sdd_event *ev)
{
    char peer[64];

    sdd_addr_format(&ev->peer, peer, sizeof(peer));
    return json_pack("{s:I,s:i,s:i,s:i,s:s,s:s}", "time", (json_int_t)ev->time, "kind", (int)ev->kind,
                     "termination", ev->termination, "reason", ev->reason, "peer", peer, "ifname", ev->ifname);
}

static json_t *nullable(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *contribution_json(const sdd_contribution *c)
{
    const sdd_symptom *s = &c->symptom;

    return json_pack("{s:s,s:f,s:f,s:i,s:o,s:o,s:o,s:i,s:I,s:I,s:i,s:s,s:I,s:I,s:b}", "detector", s->detector,
                     "strength", s->strength, "weight", s->weight, "plane", (int)s->plane, "action",
                     nullable(s->action), "reason", nullable(s->reason), "trigger", nullable(s->trigger), "pattern",
                     (int)s->pattern, "start", (json_int_t)s->start, "end", (json_int_t)s->end, "termination",
                     s->termination, "description", s->description, "first", (json_int_t)c->first, "last",
                     (json_int_t)c->last, "active", c->active);
}

static json_t *relevant_state_json(const sdd_relevant_state *rs)
{
    json_t *contrib = json_array();

    for (int i = 0; i < rs->n_contrib; i++)
        json_array_append_new(contrib, contribution_json(&rs->contrib[i]));
    return json_pack("{s:s,s:I,s:I,s:i,s:i,s:i,s:i,s:I,s:o}", "id", rs->id, "start", (json_int_t)rs->start, "end",
                     (json_int_t)rs->end, "revision", rs->revision, "below", rs->below, "band", rs->band,
                     "concern", rs->concern, "recovered", (json_int_t)rs->recovered, "contributions", contrib);
}

/* The rows that hold something, each as [row, sum, sum, ...]. */
static json_t *rows_json(const sdd_engine *e, const sdd__service_state *st)
{
    json_t *rows = json_array();

    for (int r = 0; r < e->slots.n_rows; r++) {
        const double *m = st->rows + (size_t)r * SDD_M_COUNT;
        int used = 0;
        for (int i = 0; i < SDD_M_COUNT && !used; i++)
            used = m[i] != 0;
        if (!used)
            continue;
        json_t *row = json_array();
        json_array_append_new(row, json_integer(r));
        for (int i = 0; i < SDD_M_COUNT; i++)
            json_array_append_new(row, json_real(m[i]));
        json_array_append_new(rows, row);
    }
    return rows;
}

static json_t *service_state_json(const sdd_engine *e, int i)
{
    const sdd__service_state *st = &e->services.st[i];
    json_t *o = json_object(), *events = json_array();
    sdd_event ordered[SDD_EVENTS_KEPT];
    int first = (st->next_event - st->n_events + SDD_EVENTS_KEPT) % SDD_EVENTS_KEPT;

    for (int k = 0; k < st->n_events; k++) {
        ordered[k] = st->events[(first + k) % SDD_EVENTS_KEPT];
        json_array_append_new(events, event_json(&ordered[k]));
    }
    json_object_set_new(o, "vpn_id", json_string(sdd__inventory_service(e->inv, i)->vpn_id));
    json_object_set_new(o, "events", events);
    json_object_set_new(o, "rows", rows_json(e, st));
    json_object_set_new(o, "relevant_state", st->rs.open ? relevant_state_json(&st->rs) : json_null());
    json_object_set_new(o, "profile_class", json_integer(st->auto_class));
    json_object_set_new(o, "profile_day", json_integer(st->auto_day));
    return o;
}

/* The engine's time and each source's watermark (clock.h). */
static json_t *clock_json(const sdd__clock *c)
{
    json_t *sources = json_array();
    sdd__clock_source key;
    int64_t newest;
    char router[64];

    for (int i = 0; i < c->n; i++) {
        sdd__clock_source_at(c, i, &key, &newest);
        sdd_addr_format(&key.router, router, sizeof(router));
        json_array_append_new(sources, json_pack("{s:i,s:s,s:I}", "kind", (int)key.kind, "router", router, "newest",
                                                 (json_int_t)newest));
    }
    return json_pack("{s:I,s:I,s:o}", "now", (json_int_t)c->now, "lead", (json_int_t)c->lead, "sources", sources);
}

static json_t *state_json(const sdd_engine *e, uint64_t history_epoch)
{
    json_t *services = json_array(), *records = json_array(), *empty = json_array();

    for (int i = 0; i < e->services.n; i++)
        json_array_append_new(services, service_state_json(e, i));
    for (int r = 0; r < e->slots.n_rows; r++) {
        json_array_append_new(records, json_integer((json_int_t)e->slots.row_records[r]));
        json_array_append_new(empty, json_boolean(e->slots.row_closed_empty[r]));
    }
    return json_pack("{s:s,s:i,s:i,s:i,s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "format", STATE_FORMAT,
                     "version", STATE_VERSION, "time_step_seconds", e->cfg.time_step_seconds, "rows", e->slots.n_rows,
                     "strategy", e->cfg.strategy, "newest", (json_int_t)e->slots.newest, "next_close",
                     (json_int_t)e->slots.next_close, "first_slot", (json_int_t)e->slots.first_slot, "row_records",
                     records, "row_closed_empty", empty, "cursor", e->cursor ? json_string(e->cursor) : json_null(),
                     "services", services, "inventory", sdd__inventory_to_json(e->inv), "clock", clock_json(&e->clock),
                     "history_epoch", (json_int_t)history_epoch);
}

static int fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    int fd, rc = -1;

    if (!copy)
        return -1;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(copy);
    return rc;
}

/* The state being replaced stays as PATH.prev, a hard link made before the
 * rename, so that the current state is in place at every moment. */
static int keep_previous(const char *path, sdd_error *err)
{
    char prev[SDD_PATH_MAX + 8];

    snprintf(prev, sizeof(prev), "%s.prev", path);
    if (unlink(prev) < 0 && errno != ENOENT)
        return fail(err, SDD_E_IO, prev, strerror(errno));
    if (link(path, prev) < 0 && errno != ENOENT)     /* ENOENT: the first checkpoint */
        return fail(err, SDD_E_IO, prev, strerror(errno));
    return 0;
}

/* The document and its checksum line into PATH.tmp, synced, then renamed
 * over PATH. */
static int write_atomically(const char *path, const char *text, sdd_error *err)
{
    char tmp[SDD_PATH_MAX + 8], why[128], sum[32];
    size_t len = strlen(text);
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    snprintf(sum, sizeof(sum), "\n{\"crc32\":\"%08lx\"}\n", crc32_z(0L, (const Bytef *)text, len));
    fd = sdd__create_new(tmp, O_WRONLY, 0644);     /* never through a symlink planted there */
    if (fd < 0)
        return fail(err, SDD_E_IO, tmp, strerror(errno));
    if (sdd__write_all(fd, (struct iovec[]){{(void *)text, len}, {sum, strlen(sum)}}, 2, -1) < 0) {
        fail(err, SDD_E_IO, tmp, sdd__errno_text(errno, why, sizeof(why)));   /* a full disk: the old state stays */
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fail(err, SDD_E_IO, tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (keep_previous(path, err) < 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        fail(err, SDD_E_IO, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return fsync_dir_of(path) < 0 ? fail(err, SDD_E_IO, path, strerror(errno)) : 0;
}

/* The state, naming the next epoch of history's undo log; once it is on
 * disk, the log starts over for that epoch (history.h). Until then the log
 * keeps what the checkpoint before had, for a crash in between. */
int sdd__checkpoint_save(sdd_engine *e, sdd_error *err)
{
    uint64_t epoch = sdd__history_epoch(e->hist) % (uint64_t)INT64_MAX + 1;
    json_t *state;
    char *text;
    int rc;

    state = state_json(e, epoch);
    text = state ? json_dumps(state, JSON_COMPACT) : NULL;
    json_decref(state);
    if (!text)
        return fail(err, SDD_E_NOMEM, e->cfg.state_file, "out of memory");
    rc = write_atomically(e->cfg.state_file, text, err);
    free(text);
    return rc < 0 ? -1 : sdd__history_begin(e->hist, epoch, err);
}

/* ---- reading the file --------------------------------------------------- */

/* len bytes from the descriptor's start: 0, or -1 with errno (EIO when the
 * file is shorter than that). */
static int read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* The bytes of the state file, NUL-terminated (caller frees); NULL with
 * err. A symlink is refused: the next checkpoint would replace it, not
 * write where it points. */
static char *read_state(const char *path, size_t *len, sdd_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char *text = NULL;

    if (fd < 0) {
        fail(err, SDD_E_IO, path, errno == ELOOP ? "a symbolic link: refused" : strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) == 0 && (text = malloc((size_t)st.st_size + 1)) && read_all(fd, text, (size_t)st.st_size) == 0) {
        text[st.st_size] = '\0';
        *len = (size_t)st.st_size;
    } else {
        fail(err, text ? SDD_E_IO : SDD_E_NOMEM, path, text ? strerror(errno) : "out of memory");
        free(text);
        text = NULL;
    }
    close(fd);
    return text;
}

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
        return fail(err, SDD_E_DATA, path, "its last line is not {\"crc32\":\"8 hex digits\"}: damaged");
    if (crc32_z(0L, (const Bytef *)text, (z_size_t)(nl - text)) != want)
        return fail(err, SDD_E_DATA, path, "its checksum does not match its content: changed or damaged on disk");
    *summed = 1;
    return nl - text;
}

/* ---- reading values, each checked ---------------------------------------- */

/* Where the reading is, for messages: "services[3].relevant_state". */
typedef struct rd {
    sdd_engine *e;
    const char *file;
    char at[192];
    size_t len;
    sdd_error *err;
    int64_t history_epoch;              /* of history's undo log; 0: none said */
} rd;

static size_t enter(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t enter(rd *r, const char *fmt, ...)
{
    size_t before = r->len;
    va_list ap;
    int n;

    if (r->len < sizeof(r->at)) {
        va_start(ap, fmt);
        n = vsnprintf(r->at + r->len, sizeof(r->at) - r->len, fmt, ap);
        va_end(ap);
        r->len = n < 0 ? r->len : r->len + (size_t)n;
    }
    return before;
}

static void leave(rd *r, size_t before)
{
    r->len = before;
    if (before < sizeof(r->at))
        r->at[before] = '\0';
}

/* The file, the field (key of the current place, or the place itself) and
 * what is wrong with it; -1. */
static int bad(rd *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(rd *r, const char *key, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sdd__fail(r->err, SDD_E_DATA, "%.300s: %s%s%s: %s", r->file, r->at, r->at[0] && key ? "." : "",
                     key ? key : "", what);
}

/* A member missing or of another type than wanted. */
static int wrong(rd *r, const char *key, const json_t *v, const char *wanted)
{
    if (!v)
        return bad(r, key, "missing");
    return bad(r, key, "a JSON %s where %s is wanted", sdd__json_type_name(v), wanted);
}

static int get_i64(rd *r, json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v))
        return wrong(r, key, v, "an integer");
    *out = json_integer_value(v);
    if (*out < lo || *out > hi)
        return bad(r, key, "%lld is out of range (%lld..%lld)", (long long)*out, (long long)lo, (long long)hi);
    return 0;
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
    if (!isfinite(*out) || *out < 0)
        return bad(r, key, "%g is not a finite number >= 0", *out);
    return 0;
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
        return bad(r, key, "longer than %zu bytes", size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* A stable copy of a text read back, owned by the engine. */
static const char *keep_text(sdd_engine *e, const char *s)
{
    char **grown;

    for (int i = 0; i < e->n_strings; i++)
        if (strcmp(e->strings[i], s) == 0)
            return e->strings[i];
    grown = realloc(e->strings, (size_t)(e->n_strings + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    e->strings = grown;
    e->strings[e->n_strings] = strdup(s);
    return e->strings[e->n_strings] ? e->strings[e->n_strings++] : NULL;
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
        return bad(r, key, "empty");
    *out = keep_text(r->e, json_string_value(v));
    return *out ? 0 : sdd__fail(r->err, SDD_E_NOMEM, "%.300s: out of memory", r->file);
}

static int get_array(rd *r, json_t *o, const char *key, size_t max, json_t **out)
{
    *out = json_object_get(o, key);
    if (!json_is_array(*out))
        return wrong(r, key, *out, "an array");
    if (json_array_size(*out) > max)
        return bad(r, key, "%zu entries, at most %zu", json_array_size(*out), max);
    return 0;
}

/* ---- the engine's parts back ----------------------------------------------- */

static int restore_contribution(rd *r, sdd_contribution *c, json_t *j, int n_terms)
{
    sdd_symptom *s = &c->symptom;
    int plane, pattern;

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

static int restore_contributions(rd *r, sdd_relevant_state *rs, json_t *j, int n_terms)
{
    json_t *list, *c;
    size_t i;

    if (get_array(r, j, "contributions", SDD_CONTRIB_MAX, &list) < 0)
        return -1;
    json_array_foreach(list, i, c) {
        size_t mark = enter(r, ".contributions[%zu]", i);
        int rc = restore_contribution(r, &rs->contrib[rs->n_contrib++], c, n_terms);
        leave(r, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The state's fields; the caller has entered "relevant_state". */
static int restore_relevant_fields(rd *r, sdd_relevant_state *rs, json_t *j, int n_terms)
{
    if (get_text(r, j, "id", rs->id, sizeof(rs->id)) < 0)
        return -1;
    if (strlen(rs->id) != SDD_UUID_TEXT - 1)
        return bad(r, "id", "\"%s\" is not a UUID", rs->id);
    if (get_time(r, j, "start", &rs->start) < 0 || get_time(r, j, "end", &rs->end) < 0 ||
        get_int(r, j, "revision", 0, INT_MAX - 1, &rs->revision) < 0 ||
        get_int(r, j, "below", 0, INT_MAX - 1, &rs->below) < 0 || get_int(r, j, "band", 0, 3, &rs->band) < 0 ||
        get_int(r, j, "concern", 0, 100, &rs->concern) < 0)
        return -1;
    /* when a peer up said it ended (the closing revision's endTime); a state
     * written before it was kept has none */
    if (json_object_get(j, "recovered") && get_time(r, j, "recovered", &rs->recovered) < 0)
        return -1;
    return restore_contributions(r, rs, j, n_terms);
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
    mark = enter(r, ".relevant_state");
    rc = restore_relevant_fields(r, rs, j, n_terms);
    leave(r, mark);
    return rc;
}

static int restore_event(rd *r, sdd__service_state *st, json_t *j, int n_terms)
{
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
        return bad(r, "peer", "\"%s\" is not an address", peer);
    ev.kind = (sdd_event_kind)kind;
    sdd__service_add_event(st, &ev);
    return 0;
}

static int restore_events(rd *r, sdd__service_state *st, json_t *svc, int n_terms)
{
    json_t *list, *j;
    size_t i;

    if (get_array(r, svc, "events", SDD_EVENTS_KEPT, &list) < 0)
        return -1;
    json_array_foreach(list, i, j) {
        size_t mark = enter(r, ".events[%zu]", i);
        int rc = restore_event(r, st, j, n_terms);
        leave(r, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* One row: [row, sum, sum, ...], a row of the state's, each sum finite and
 * >= 0, no row twice. */
static int restore_row(rd *r, sdd__service_state *st, json_t *row)
{
    int n_rows = r->e->slots.n_rows;
    json_t *first = json_array_get(row, 0);
    json_int_t at = json_integer_value(first);
    double *m;

    if (!json_is_array(row) || json_array_size(row) != SDD_M_COUNT + 1)
        return bad(r, NULL, "not an array of a row and %d sums", SDD_M_COUNT);
    if (!json_is_integer(first))
        return bad(r, NULL, "its first entry is not a row number");
    if (at < 0 || at >= n_rows)
        return bad(r, NULL, "row %lld is not one of the state's rows (0..%d)", (long long)at, n_rows - 1);
    m = st->rows + (size_t)at * SDD_M_COUNT;
    for (int i = 0; i < SDD_M_COUNT; i++)
        if (m[i] != 0)
            return bad(r, NULL, "row %lld twice", (long long)at);
    for (int i = 0; i < SDD_M_COUNT; i++) {
        json_t *v = json_array_get(row, (size_t)i + 1);
        m[i] = json_number_value(v);
        if (!json_is_number(v) || !isfinite(m[i]) || m[i] < 0)
            return bad(r, NULL, "sum %d is not a finite number >= 0", i);
    }
    return 0;
}

static int restore_rows(rd *r, sdd__service_state *st, json_t *svc)
{
    json_t *list, *row;
    size_t i;

    if (get_array(r, svc, "rows", (size_t)r->e->slots.n_rows, &list) < 0)
        return -1;
    json_array_foreach(list, i, row) {
        size_t mark = enter(r, ".rows[%zu]", i);
        int rc = restore_row(r, st, row);
        leave(r, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The automatic profile's class and the day it was chosen (profile.h);
 * a state written before there were any has neither. */
static int restore_class(rd *r, int svc, json_t *j)
{
    int cls;
    int64_t day;

    if (!json_object_get(j, "profile_class"))
        return 0;
    if (get_int(r, j, "profile_class", SDD_AUTO_NONE, SDD_AUTO_COUNT - 1, &cls) < 0 ||
        get_mark(r, j, "profile_day", TIME_LIMIT / 86400, &day) < 0)
        return -1;
    sdd__services_set_class(&r->e->services, svc, sdd__inventory_service(r->e->inv, svc), &r->e->cfg,
                            (sdd_auto_class)cls, day);
    return 0;
}

/* A service of the state: one of its inventory, listed once. */
static int restore_service(rd *r, json_t *j, uint8_t *seen)
{
    sdd_engine *e = r->e;
    char vpn[SDD_RT_TEXT_MAX];
    sdd__service_state *st;
    int svc, n_terms;

    if (!json_is_object(j))
        return wrong(r, NULL, j, "an object");
    if (get_text(r, j, "vpn_id", vpn, sizeof(vpn)) < 0)
        return -1;
    svc = sdd__inventory_find(e->inv, vpn);
    if (svc < 0)
        return bad(r, "vpn_id", "\"%s\" is not a service of the state's inventory", vpn);
    if (seen[svc]++)
        return bad(r, "vpn_id", "\"%s\" is listed twice", vpn);
    st = sdd__services_get(&e->services, svc, e->inv, &e->cfg, e->hist);
    if (!st)
        return bad(r, "vpn_id", "\"%s\" could not be given memory or history", vpn);
    n_terms = sdd__inventory_service(e->inv, svc)->n_terms;
    if (restore_events(r, st, j, n_terms) < 0 || restore_rows(r, st, j) < 0 || restore_class(r, svc, j) < 0)
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
        size_t mark = enter(r, "services[%zu]", i);
        rc = restore_service(r, json_array_get(list, i), seen);
        leave(r, mark);
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
        return bad(r, "row_records", "%zu and %zu entries for %d rows", json_array_size(records),
                   json_array_size(empty), n_rows);
    for (int i = 0; i < n_rows; i++) {
        json_t *n = json_array_get(records, (size_t)i), *b = json_array_get(empty, (size_t)i);
        if (!json_is_integer(n) || json_integer_value(n) < 0)
            return bad(r, "row_records", "entry %d is not a count >= 0", i);
        if (!json_is_boolean(b))
            return bad(r, "row_closed_empty", "entry %d is not true or false", i);
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

/* One source of the clock and its watermark. */
static int restore_source(rd *r, json_t *j)
{
    sdd__clock_source key;
    char router[64];
    int64_t newest;
    int kind;

    if (!json_is_object(j))
        return wrong(r, NULL, j, "an object");
    if (get_int(r, j, "kind", SDD_INPUT_FLOW, SDD_INPUT_TELEMETRY, &kind) < 0 ||
        get_text(r, j, "router", router, sizeof(router)) < 0 || get_mark(r, j, "newest", TIME_LIMIT, &newest) < 0)
        return -1;
    key.kind = (sdd_input_kind)kind;
    if (sdd_addr_parse(router, &key.router) < 0)
        return bad(r, "router", "\"%s\" is not an address", router);
    if (sdd__clock_import_source(&r->e->clock, &key, newest) < 0)
        return bad(r, "router", "\"%s\" is listed twice for its kind (or out of memory)", router);
    return 0;
}

/* The engine's time and the sources' watermarks. A state written before
 * they were kept has none: the engine then takes the time its closed slots
 * say (engine.c). */
static int restore_clock(rd *r, json_t *root)
{
    json_t *clock = json_object_get(root, "clock"), *sources;
    int64_t now, lead;
    size_t mark;
    int rc;

    if (!clock)
        return 0;
    if (!json_is_object(clock))
        return wrong(r, "clock", clock, "an object");
    mark = enter(r, "clock");
    rc = 0;
    if (get_mark(r, clock, "now", TIME_LIMIT, &now) < 0 || get_mark(r, clock, "lead", TIME_LIMIT, &lead) < 0 ||
        get_array(r, clock, "sources", INT_MAX / 2, &sources) < 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < json_array_size(sources); i++) {
        size_t at = enter(r, ".sources[%zu]", i);
        rc = restore_source(r, json_array_get(sources, i));
        leave(r, at);
    }
    leave(r, mark);
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

/* Refuses a state written by another format, version or slot layout: read as
 * this one it would be wrong, not merely old. */
static int check_header(const sdd_engine *e, json_t *root, const char *path, sdd_error *err)
{
    const char *format = json_string_value(json_object_get(root, "format"));
    json_int_t version = json_integer_value(json_object_get(root, "version"));

    if (!format || strcmp(format, STATE_FORMAT) != 0)
        return fail(err, SDD_E_DATA, path, "not a pmacct-sdd state file");
    if (version < STATE_VERSION_OLDEST || version > STATE_VERSION)
        return sdd__fail(err, SDD_E_DATA, "%.300s: state file of version %lld, this engine reads %d to %d; remove it "
                         "to start afresh", path, (long long)version, STATE_VERSION_OLDEST, STATE_VERSION);
    if (json_integer_value(json_object_get(root, "time_step_seconds")) != e->cfg.time_step_seconds ||
        json_integer_value(json_object_get(root, "rows")) != e->slots.n_rows)
        return fail(err, SDD_E_DATA, path, "state file written with another time_step_seconds, data_delay or "
                                           "allowed_lateness; remove it to start afresh");
    return 0;
}

/* History back to the checkpoint: every entity forgets the slots from the
 * oldest one the state has a row for, and the closed ones among them are
 * written again from their rows. */
static void rewind_history(sdd_engine *e)
{
    int64_t oldest = e->slots.next_close - e->slots.n_late;

    if (e->slots.next_close == INT64_MIN)
        return;
    for (uint32_t i = 0; i < sdd__history_count(e->hist); i++)
        sdd__history_rewind(e->hist, (int32_t)i, oldest);
    for (int64_t slot = oldest; slot < e->slots.next_close; slot++)
        if (e->slots.row_records[sdd__slot_row(&e->slots, slot)])
            for (int i = 0; i < e->services.n; i++)
                sdd__slot_write(&e->slots, e->hist, e->services.st[i].hist, e->services.st[i].rows, slot);
}

/* The document checked and read into the engine, and the epoch of
 * history's undo log it names (0: none); -1 with err. *damaged says whether
 * the file itself is at fault (not the configuration). */
static int load_document(sdd_engine *e, const char *text, size_t len, int *damaged, int64_t *history_epoch,
                         sdd_error *err)
{
    rd r = {e, e->cfg.state_file, "", 0, err, 0};
    json_error_t jerr;
    json_t *root;
    int summed, rc;
    long doc = document_length(text, len, &summed, r.file, err);

    *damaged = 1;
    *history_epoch = 0;
    if (doc < 0)
        return -1;
    root = json_loadb(text, (size_t)doc, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return sdd__fail(err, SDD_E_DATA, "%.300s: not a JSON object: %s (line %d, column %d)", r.file,
                         root ? "another JSON value" : jerr.text, jerr.line, jerr.column);
    }
    if ((rc = check_header(e, root, r.file, err)) < 0)
        *damaged = 0;
    else if (!summed && json_integer_value(json_object_get(root, "version")) == STATE_VERSION)
        rc = fail(err, SDD_E_DATA, r.file, "its checksum line is missing: cut short or damaged");
    else
        rc = restore(&r, root);
    json_decref(root);
    *history_epoch = r.history_epoch;
    return rc;
}

/* A damaged state refused: what the operator can do, said after why. */
static int prev_hint(const char *path, sdd_error *err)
{
    char prev[SDD_PATH_MAX + 8], why[sizeof(err->msg)];

    if (!err || err->code != SDD_E_DATA)
        return -1;
    snprintf(prev, sizeof(prev), "%s.prev", path);
    memcpy(why, err->msg, sizeof(why));
    if (access(prev, F_OK) == 0)
        return sdd__fail(err, SDD_E_DATA, "%s; the checkpoint before is %s: to go on from it, move it to %s (the "
                         "inputs are read again from its cursor), or remove both to start afresh", why, prev, path);
    return sdd__fail(err, SDD_E_DATA, "%s; remove it to start afresh (there is no %s to go back to)", why, prev);
}

int sdd__checkpoint_load(sdd_engine *e, sdd_error *err)
{
    const char *path = e->cfg.state_file;
    struct stat st;
    size_t len = 0;
    int64_t history_epoch;
    char *text;
    int damaged, rc;

    if (!path[0] || (lstat(path, &st) != 0 && errno == ENOENT))
        return 0;                       /* a first start */
    text = read_state(path, &len, err);
    if (!text)
        return -1;
    rc = load_document(e, text, len, &damaged, &history_epoch, err);
    free(text);
    if (rc < 0)
        return damaged ? prev_hint(path, err) : -1;
    if (history_epoch && sdd__history_roll_back(e->hist, (uint64_t)history_epoch, err) < 0)
        return -1;
    rewind_history(e);
    return 0;
}
