/* SPDX-License-Identifier: GPL-2.0-or-later */
/* checkpoint.c: what the engine must remember across a restart, beyond
 * the history store: where the watermark stood, the exact sums of the slots
 * still open or still taking late records, each service's recent events and
 * relevant state, the inventory it has learned, the routes of the peers
 * outside any VRF that tell which services each carries (carriers.h:
 * learned long before a route reflector drops, and not sent again), and the
 * application's cursor (where its inputs stood). Written atomically (a temporary file,
 * fsync'ed, renamed over the old one), so a crash leaves the previous state
 * or the new one, never half of either; in the binary format of
 * state_bin.c, streamed to the file. A state of the JSON versions before it
 * (state_json.c) is still read, once: the next checkpoint writes the binary
 * one.
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
 * Every value is checked as it is read back (its range, each service once,
 * terminations of the service, rows of the state), and one that fails
 * refuses the whole state with the file and the field, before history is
 * touched: a value read as 0, or out of the range of an array it indexes,
 * would rewind history to nothing or crash a later step. The state a
 * checkpoint replaces is kept as STATE.prev, so that a damaged state leaves
 * the operator the one before. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/state_read.h"
#include "util/error.h"
#include "util/fdio.h"

static int fail(sdd_error *err, sdd_code code, const char *path, const char *what)
{
    return sdd__fail(err, code, "%.300s: %.200s", path, what);
}

/* ---- writing ------------------------------------------------------------ */

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

/* The state into PATH.tmp, synced, then renamed over PATH. */
static int write_atomically(sdd_engine *e, const char *path, uint64_t epoch, sdd_error *err)
{
    char tmp[SDD_PATH_MAX + 8];
    sdd__state_inventory written;
    struct stat st;
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fd = sdd__create_new(tmp, O_WRONLY, 0644);     /* never through a symlink planted there */
    if (fd < 0)
        return fail(err, SDD_E_IO, tmp, strerror(errno));
    if (sdd__state_write(e, fd, epoch, tmp, &written, err) < 0) {   /* a full disk: the old state stays */
        memset(&e->state_inv, 0, sizeof(e->state_inv));              /* the next one writes it all */
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (fstat(fd, &st) < 0 || fsync(fd) < 0 || close(fd) < 0) {
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
    written.dev = st.st_dev;
    written.ino = st.st_ino;
    e->state_inv = written;
    return sdd__fsync_dir_of(path) < 0 ? fail(err, SDD_E_IO, path, strerror(errno)) : 0;
}

/* The state, naming the next epoch of history's undo log; once it is on
 * disk, the log starts over for that epoch (history.h). Until then the log
 * keeps what the checkpoint before had, for a crash in between. */
int sdd__checkpoint_save(sdd_engine *e, sdd_error *err)
{
    uint64_t epoch = sdd__history_epoch(e->hist) % (uint64_t)INT64_MAX + 1;

    if (write_atomically(e, e->cfg.state_file, epoch, err) < 0)
        return -1;
    return sdd__history_begin(e->hist, epoch, err);
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

/* ---- reading values, each checked (state_read.h) ------------------------- */

size_t sdd__rd_enter(sdd__rd *r, const char *fmt, ...)
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

void sdd__rd_leave(sdd__rd *r, size_t before)
{
    r->len = before;
    if (before < sizeof(r->at))
        r->at[before] = '\0';
}

/* The file, the field (key of the current place, or the place itself) and
 * what is wrong with it; -1. */
int sdd__rd_bad(sdd__rd *r, const char *key, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sdd__fail(r->err, SDD_E_DATA, "%.300s: %s%s%s: %s", r->file, r->at, r->at[0] && key ? "." : "",
                     key ? key : "", what);
}

int sdd__rd_range(sdd__rd *r, const char *key, int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo || v > hi)
        return sdd__rd_bad(r, key, "%lld is out of range (%lld..%lld)", (long long)v, (long long)lo, (long long)hi);
    return 0;
}

int sdd__rd_amount(sdd__rd *r, const char *key, double v)
{
    if (!isfinite(v) || v < 0)
        return sdd__rd_bad(r, key, "%g is not a finite number >= 0", v);
    return 0;
}

const char *sdd__rd_keep_text(sdd__rd *r, const char *s)
{
    sdd_engine *e = r->e;
    char **grown;

    for (int i = 0; i < e->n_strings; i++)
        if (strcmp(e->strings[i], s) == 0)
            return e->strings[i];
    grown = realloc(e->strings, (size_t)(e->n_strings + 1) * sizeof(*grown));
    if (grown) {
        e->strings = grown;
        e->strings[e->n_strings] = strdup(s);
        if (e->strings[e->n_strings])
            return e->strings[e->n_strings++];
    }
    sdd__fail(r->err, SDD_E_NOMEM, "%.300s: out of memory", r->file);
    return NULL;
}

int sdd__rd_uuid(sdd__rd *r, const char *id)
{
    if (strlen(id) != SDD_UUID_TEXT - 1)
        return sdd__rd_bad(r, "id", "\"%s\" is not a UUID", id);
    return 0;
}

int sdd__rd_header(sdd__rd *r, int64_t version, int lo, int hi, int64_t step, int64_t rows)
{
    if (version < lo || version > hi)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: state file of version %lld, this engine reads %d to %d; remove "
                         "it to start afresh", r->file, (long long)version, SDD_STATE_VERSION_OLDEST,
                         SDD_STATE_VERSION);
    if (step != r->e->cfg.time_step_seconds || rows != r->e->slots.n_rows)
        return fail(r->err, SDD_E_DATA, r->file, "state file written with another time_step_seconds, data_delay or "
                                                 "allowed_lateness; remove it to start afresh");
    return 0;
}

sdd__service_state *sdd__rd_service(sdd__rd *r, const char *vpn, uint8_t *seen, int *svc, int *n_terms)
{
    sdd_engine *e = r->e;
    sdd__service_state *st;

    *svc = sdd__inventory_find(e->inv, vpn);
    if (*svc < 0) {
        sdd__rd_bad(r, "vpn_id", "\"%s\" is not a service of the state's inventory", vpn);
        return NULL;
    }
    if (seen[*svc]++) {
        sdd__rd_bad(r, "vpn_id", "\"%s\" is listed twice", vpn);
        return NULL;
    }
    st = sdd__services_get(&e->services, *svc, e->inv, &e->cfg, e->hist);
    if (!st)
        sdd__rd_bad(r, "vpn_id", "\"%s\" could not be given memory or history", vpn);
    *n_terms = sdd__inventory_service(e->inv, *svc)->n_terms;
    return st;
}

int sdd__rd_class(sdd__rd *r, int svc, int64_t cls, int64_t day)
{
    if (sdd__rd_range(r, "profile_class", cls, SDD_AUTO_NONE, SDD_AUTO_COUNT - 1) < 0)
        return -1;
    if (day != INT64_MIN && sdd__rd_range(r, "profile_day", day, -SDD_STATE_TIME_LIMIT / 86400,
                                          SDD_STATE_TIME_LIMIT / 86400) < 0)
        return -1;
    sdd__services_set_class(&r->e->services, svc, sdd__inventory_service(r->e->inv, svc), &r->e->cfg,
                            (sdd_auto_class)cls, day);
    return 0;
}

int sdd__rd_source(sdd__rd *r, int64_t kind, const sdd_addr *router, int64_t newest)
{
    sdd__clock_source key;
    char text[64];

    if (sdd__rd_range(r, "kind", kind, SDD_INPUT_FLOW, SDD_INPUT_TELEMETRY) < 0)
        return -1;
    key.kind = (sdd_input_kind)kind;
    key.router = *router;
    if (sdd__clock_import_source(&r->e->clock, &key, newest) < 0) {
        sdd_addr_format(router, text, sizeof(text));
        return sdd__rd_bad(r, "router", "\"%s\" is listed twice for its kind (or out of memory)", text);
    }
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
    sdd__rd r = {e, path, "", 0, err, 0};
    struct stat st;
    size_t len = 0;
    char *text;
    int damaged, rc;

    if (!path[0] || (lstat(path, &st) != 0 && errno == ENOENT))
        return 0;                       /* a first start */
    text = read_state(path, &len, err);
    if (!text)
        return -1;
    if (len > 0 && text[0] == '{')      /* versions 2 and 3 */
        rc = sdd__state_read_json(&r, text, len, &damaged);
    else
        rc = sdd__state_read(&r, text, len, &damaged);
    free(text);
    if (rc < 0)
        return damaged ? prev_hint(path, err) : -1;
    if (r.history_epoch && sdd__history_roll_back(e->hist, (uint64_t)r.history_epoch, err) < 0)
        return -1;
    rewind_history(e);
    return 0;
}
