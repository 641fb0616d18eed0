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
 * so after a crash it may hold slots the state has not seen closed; loading
 * rewinds every history entity to the oldest slot the state has a row for
 * and writes those rows again (slots.h), so that reading the input again
 * from the cursor rebuilds history exactly, as if no crash had happened. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_private.h"
#include "util/error.h"
#include "util/fdio.h"
#include "engine/metrics.h"

#define STATE_FORMAT "pmacct-sdd-state"
#define STATE_VERSION 2

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
    return json_pack("{s:s,s:I,s:I,s:i,s:i,s:i,s:i,s:o}", "id", rs->id, "start", (json_int_t)rs->start, "end",
                     (json_int_t)rs->end, "revision", rs->revision, "below", rs->below, "band", rs->band,
                     "concern", rs->concern, "contributions", contrib);
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
    return o;
}

static json_t *state_json(const sdd_engine *e)
{
    json_t *services = json_array(), *records = json_array(), *empty = json_array();

    for (int i = 0; i < e->services.n; i++)
        json_array_append_new(services, service_state_json(e, i));
    for (int r = 0; r < e->slots.n_rows; r++) {
        json_array_append_new(records, json_integer((json_int_t)e->slots.row_records[r]));
        json_array_append_new(empty, json_boolean(e->slots.row_closed_empty[r]));
    }
    return json_pack("{s:s,s:i,s:i,s:i,s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "format", STATE_FORMAT, "version",
                     STATE_VERSION, "time_step_seconds", e->cfg.time_step_seconds, "rows", e->slots.n_rows, "strategy",
                     e->cfg.strategy, "newest", (json_int_t)e->slots.newest, "next_close", (json_int_t)e->slots.next_close,
                     "first_slot", (json_int_t)e->slots.first_slot, "row_records", records, "row_closed_empty", empty,
                     "cursor", e->cursor ? json_string(e->cursor) : json_null(), "services", services,
                     "inventory", sdd__inventory_to_json(e->inv));
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

static int write_atomically(const char *path, const char *text, sdd_error *err)
{
    char tmp[SDD_PATH_MAX + 8], why[128];
    size_t len = strlen(text);
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fd = sdd__create_new(tmp, O_WRONLY, 0644);     /* never through a symlink planted there */
    if (fd < 0)
        return fail(err, SDD_E_IO, tmp, strerror(errno));
    if (sdd__write_all(fd, &(struct iovec){(void *)text, len}, 1, -1) < 0) {
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
    if (rename(tmp, path) < 0) {
        fail(err, SDD_E_IO, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return fsync_dir_of(path) < 0 ? fail(err, SDD_E_IO, path, strerror(errno)) : 0;
}

int sdd__checkpoint_save(sdd_engine *e, sdd_error *err)
{
    json_t *state;
    char *text;
    int rc;

    state = state_json(e);
    text = state ? json_dumps(state, JSON_COMPACT) : NULL;
    json_decref(state);
    if (!text)
        return fail(err, SDD_E_NOMEM, e->cfg.state_file, "out of memory");
    rc = write_atomically(e->cfg.state_file, text, err);
    free(text);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* A stable copy of a text read back, owned by the engine. */
static const char *keep_text(sdd_engine *e, json_t *v)
{
    const char *s = json_string_value(v);
    char **grown;

    if (!s)
        return NULL;
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

static const char *get_text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static int64_t get_int(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static void restore_contribution(sdd_engine *e, sdd_contribution *c, json_t *j)
{
    sdd_symptom *s = &c->symptom;

    memset(c, 0, sizeof(*c));
    s->detector = keep_text(e, json_object_get(j, "detector"));
    s->strength = json_number_value(json_object_get(j, "strength"));
    s->weight = json_number_value(json_object_get(j, "weight"));
    s->plane = (sdd_plane)get_int(j, "plane");
    s->action = keep_text(e, json_object_get(j, "action"));
    s->reason = keep_text(e, json_object_get(j, "reason"));
    s->trigger = keep_text(e, json_object_get(j, "trigger"));
    s->pattern = (sdd_pattern)get_int(j, "pattern");
    s->start = get_int(j, "start");
    s->end = get_int(j, "end");
    s->termination = (int)get_int(j, "termination");
    snprintf(s->description, sizeof(s->description), "%s", get_text(j, "description"));
    c->first = get_int(j, "first");
    c->last = get_int(j, "last");
    c->active = json_is_true(json_object_get(j, "active"));
}

static int restore_relevant_state(sdd_engine *e, sdd_relevant_state *rs, json_t *j)
{
    json_t *contrib = json_object_get(j, "contributions"), *c;
    size_t i;

    if (!json_is_object(j))
        return 0;
    memset(rs, 0, sizeof(*rs));
    rs->contrib = calloc(SDD_CONTRIB_MAX, sizeof(*rs->contrib));
    if (!rs->contrib)
        return -1;
    rs->open = 1;
    snprintf(rs->id, sizeof(rs->id), "%s", get_text(j, "id"));
    rs->start = get_int(j, "start");
    rs->end = get_int(j, "end");
    rs->revision = (int)get_int(j, "revision");
    rs->below = (int)get_int(j, "below");
    rs->band = (int)get_int(j, "band");
    rs->concern = (int)get_int(j, "concern");
    json_array_foreach(contrib, i, c) {
        if (rs->n_contrib < SDD_CONTRIB_MAX)
            restore_contribution(e, &rs->contrib[rs->n_contrib++], c);
    }
    return 0;
}

static void restore_events(sdd__service_state *st, json_t *events)
{
    json_t *j;
    size_t i;

    json_array_foreach(events, i, j) {
        sdd_event *ev = &st->events[st->next_event];
        memset(ev, 0, sizeof(*ev));
        ev->time = get_int(j, "time");
        ev->kind = (sdd_event_kind)get_int(j, "kind");
        ev->termination = (int)get_int(j, "termination");
        ev->reason = (int)get_int(j, "reason");
        sdd_addr_parse(get_text(j, "peer"), &ev->peer);
        snprintf(ev->ifname, sizeof(ev->ifname), "%s", get_text(j, "ifname"));
        st->next_event = (st->next_event + 1) % SDD_EVENTS_KEPT;
        if (st->n_events < SDD_EVENTS_KEPT)
            st->n_events++;
    }
}

static void restore_rows(const sdd_engine *e, sdd__service_state *st, json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        json_int_t r = json_integer_value(json_array_get(row, 0));
        if (r < 0 || r >= e->slots.n_rows || json_array_size(row) != SDD_M_COUNT + 1)
            continue;
        for (int m = 0; m < SDD_M_COUNT; m++)
            st->rows[(size_t)r * SDD_M_COUNT + m] = json_number_value(json_array_get(row, (size_t)m + 1));
    }
}

static int restore_services(sdd_engine *e, json_t *services, const char *path, sdd_error *err)
{
    json_t *j;
    size_t i;

    json_array_foreach(services, i, j) {
        int svc = sdd__inventory_find(e->inv, get_text(j, "vpn_id"));
        sdd__service_state *st = svc >= 0 ? sdd__services_get(&e->services, svc, e->inv, &e->cfg, e->hist) : NULL;
        if (!st)
            return fail(err, SDD_E_DATA, path, "a service of the state is missing from its inventory");
        restore_events(st, json_object_get(j, "events"));
        restore_rows(e, st, json_object_get(j, "rows"));
        if (restore_relevant_state(e, &st->rs, json_object_get(j, "relevant_state")) < 0)
            return fail(err, SDD_E_NOMEM, path, "out of memory");
    }
    return 0;
}

/* Refuses a state written by another format, version or slot layout: read as
 * this one it would be wrong, not merely old. */
static int check_header(const sdd_engine *e, json_t *root, const char *path, sdd_error *err)
{
    const char *format = json_string_value(json_object_get(root, "format"));

    if (!format || strcmp(format, STATE_FORMAT) != 0)
        return fail(err, SDD_E_DATA, path, "not a pmacct-sdd state file");
    if (get_int(root, "version") != STATE_VERSION)
        return fail(err, SDD_E_DATA, path, "state file of another version; remove it to start afresh");
    if (get_int(root, "time_step_seconds") != e->cfg.time_step_seconds || get_int(root, "rows") != e->slots.n_rows)
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

static void restore_rows_of_engine(sdd_engine *e, json_t *root)
{
    json_t *records = json_object_get(root, "row_records"), *empty = json_object_get(root, "row_closed_empty");

    for (int r = 0; r < e->slots.n_rows; r++) {
        e->slots.row_records[r] = (uint64_t)json_integer_value(json_array_get(records, (size_t)r));
        e->slots.row_closed_empty[r] = json_is_true(json_array_get(empty, (size_t)r));
    }
}

int sdd__checkpoint_load(sdd_engine *e, sdd_error *err)
{
    const char *path = e->cfg.state_file;
    json_error_t jerr;
    json_t *root;
    int rc;

    if (!path[0] || access(path, F_OK) != 0)
        return 0;                       /* a first start */
    root = json_load_file(path, 0, &jerr);
    if (!root)
        return fail(err, SDD_E_DATA, path, jerr.text);
    rc = check_header(e, root, path, err);
    if (rc == 0)
        rc = sdd__inventory_from_json(e->inv, json_object_get(root, "inventory"), path, err);
    if (rc == 0) {
        e->slots.newest = get_int(root, "newest");
        e->slots.next_close = get_int(root, "next_close");
        e->slots.first_slot = get_int(root, "first_slot");
        restore_rows_of_engine(e, root);
        rc = restore_services(e, json_object_get(root, "services"), path, err);
    }
    if (rc == 0 && json_is_string(json_object_get(root, "cursor")))
        rc = (e->cursor = strdup(get_text(root, "cursor"))) ? 0 : fail(err, SDD_E_NOMEM, path, "out of memory");
    if (rc == 0)
        rewind_history(e);
    json_decref(root);
    return rc;
}
