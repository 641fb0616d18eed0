/* SPDX-License-Identifier: GPL-2.0-or-later */
/* label.c: the label store, latest revisions and label revisions (label.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fdio.h"
#include "io/avro_encode.h"
#include "io/label.h"
#include "lifecycle/lifecycle.h"

/* ---- the file store --------------------------------------------------- */

typedef struct file_store {
    sdd_label_store base;
    char *path;
    int avro;                       /* an Avro container, else JSON lines */
} file_store;

typedef struct avro_walk {
    sdd_label_record_fn fn;
    void *ctx;
    const char *path;
    long n;
} avro_walk;

static int avro_record(void *ctx, const char *json)
{
    avro_walk *w = ctx;
    char where[512];

    snprintf(where, sizeof(where), "%s: record %ld", w->path, ++w->n);
    return w->fn(w->ctx, json, where);
}

/* The file a mark was made of, as it is now. */
static void identify(sdd_label_mark *m, const struct stat *st)
{
    m->dev = (uint64_t)st->st_dev;
    m->ino = (uint64_t)st->st_ino;
    m->size = (uint64_t)st->st_size;
    m->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* The JSON lines of path from mark->end on (line mark->lines + 1), or every
 * line with no mark; the mark follows the walk, and a last line without its
 * newline (being written) is left for the next walk. `one`: the first line
 * only (read_at; its number is not known). */
static int each_line(const char *path, sdd_label_mark *mark, int one, sdd_label_record_fn fn, void *ctx,
                     sdd_error *err)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL, where[512];
    long long at = mark ? mark->end : 0;
    long n = mark ? mark->lines : 0;
    size_t cap = 0;
    ssize_t len;

    if (!fp || (at > 0 && fseeko(fp, (off_t)at, SEEK_SET) != 0)) {
        sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
        if (fp)
            fclose(fp);
        return -1;
    }
    while ((len = getline(&line, &cap, fp)) >= 0) {
        if (mark && line[len - 1] != '\n')
            break;                      /* still being written: read once whole */
        if (mark)
            mark->at = at, mark->end = at + len, mark->lines = n + 1;
        if (one)
            snprintf(where, sizeof(where), "%s: at byte %lld", path, at);
        else
            snprintf(where, sizeof(where), "%s:%ld", path, n + 1);
        at += len;
        n++;
        line[strcspn(line, "\r\n")] = '\0';
        if ((line[0] && fn(ctx, line, where)) || one)
            break;
    }
    free(line);
    if (ferror(fp)) {                   /* a read error is not the end of the store */
        sdd__fail(err, SDD_E_IO, "%s: after line %ld: %s", path, n, strerror(errno));
        fclose(fp);
        return -1;
    }
    fclose(fp);
    return 0;
}

static int file_each(sdd_label_store *s, sdd_label_record_fn fn, void *ctx, sdd_error *err)
{
    file_store *f = (file_store *)s;
    avro_walk w = {fn, ctx, f->path, 0};

    if (!f->avro)
        return each_line(f->path, NULL, 0, fn, ctx, err);
    return sdd_avro_file_read(f->path, avro_record, &w, err) < 0 ? -1 : 0;
}

/* Whether the file is still the one the mark was made of, grown at most:
 * the same inode, not shorter, a newline right before the mark's end (a
 * file rewritten in place to a larger size is seen when that byte is not
 * one). An Avro container, whose records are read a block at a time, is
 * taken as grown only when nothing changed. */
static int only_grown(const file_store *f, const sdd_label_mark *m, const struct stat *st)
{
    char last = '\n';
    int fd;

    if ((uint64_t)st->st_dev != m->dev || (uint64_t)st->st_ino != m->ino || (uint64_t)st->st_size < (uint64_t)m->end)
        return 0;
    if (f->avro)
        return (uint64_t)st->st_size == m->size &&
               (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec == m->mtime_ns;
    if (m->end > 0 && (fd = open(f->path, O_RDONLY)) >= 0) {
        if (pread(fd, &last, 1, (off_t)(m->end - 1)) != 1)
            last = 0;
        close(fd);
    }
    return last == '\n';
}

static int file_each_since(sdd_label_store *s, sdd_label_mark *mark, sdd_label_record_fn fn, void *ctx,
                           sdd_error *err)
{
    file_store *f = (file_store *)s;
    int fresh = mark->dev == 0 && mark->ino == 0;
    struct stat st;

    if (stat(f->path, &st) != 0)
        return sdd__fail(err, SDD_E_IO, "%s: %s", f->path, strerror(errno));
    if (!fresh && !only_grown(f, mark, &st))
        return 1;
    identify(mark, &st);
    if (!f->avro)
        return each_line(f->path, mark, 0, fn, ctx, err);
    if (!fresh)
        return 0;                       /* unchanged */
    mark->at = -1;
    return file_each(s, fn, ctx, err);
}

static int file_read_at(sdd_label_store *s, long long at, sdd_label_record_fn fn, void *ctx, sdd_error *err)
{
    file_store *f = (file_store *)s;
    sdd_label_mark m = {0};

    if (f->avro || at < 0)
        return sdd__fail(err, SDD_E_ARG, "%s: no record can be read alone at %lld", f->path, at);
    m.end = at;
    return each_line(f->path, &m, 1, fn, ctx, err);
}

/* The line and its newline in one append, as sddd's file output writes a
 * notification: a label written while sddd appends to the same file (the
 * validation page, `sddctl label` beside a running sddd) lands before or
 * after a notification, never inside it. */
static int append_line(const char *path, const char *json, sdd_error *err)
{
    struct iovec iov[2] = {{(void *)json, strlen(json)}, {"\n", 1}};
    int fd = sdd__open_or_create(path, O_WRONLY | O_APPEND, 0644), rc;

    if (fd < 0)
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    rc = sdd__write_all(fd, iov, 2, -1);
    if (close(fd) != 0 || rc < 0)
        return sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno));
    return 0;
}

static int file_append(sdd_label_store *s, const char *json, sdd_error *err)
{
    file_store *f = (file_store *)s;
    sdd_avro_file *af;

    if (!f->avro)
        return append_line(f->path, json, err);
    af = sdd_avro_file_open_append(f->path, err);
    if (!af)
        return -1;
    if (sdd_avro_file_append(af, json, err) < 0) {
        sdd_error ignored;
        sdd_avro_file_close(af, &ignored);
        return -1;
    }
    return sdd_avro_file_close(af, err);
}

static void file_free(sdd_label_store *s)
{
    file_store *f = (file_store *)s;

    free(f->path);
    free(f);
}

static const sdd_label_store_ops file_ops = {file_each, file_each_since, file_read_at, file_append, file_free};

sdd_label_store *sdd_label_store_open(const char *path, sdd_error *err)
{
    int avro = sdd_avro_file_is_container(path, err);
    file_store *f;

    if (avro < 0)
        return NULL;
    f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path))) {
        free(f);
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    f->base.ops = &file_ops;
    f->avro = avro;
    return &f->base;
}

void sdd_label_store_free(sdd_label_store *s)
{
    if (s)
        s->ops->free(s);
}

/* ---- the index -------------------------------------------------------- */

typedef struct entry {
    json_t *latest;                 /* the record of the latest revision */
    int revision;
    json_t *detectors;              /* array of algorithm names, each once */
    json_t *label;                  /* the latest revision a human annotated; NULL if none */
    int label_revision;
    long long *at;                  /* where each of its records starts in the store (mark.at) */
    size_t n_at, cap_at;
} entry;

struct sdd_label_index {
    entry *entries;
    size_t n, cap;
    json_t *by_id;                  /* id -> position in entries */
    size_t skipped;
    char first_skip[512];
    sdd_label_mark mark;            /* how far the store was read */
    int walked;                     /* 1: read through each_since, whose mark says where records are */
    int placed;                     /* 1: every record read has its place in its entry's at */
};

/* The revision of a record: that of its anomalies (they move together). */
static int revision_of(const json_t *record)
{
    const json_t *a;
    size_t i;
    int rev = -1;

    json_array_foreach(json_object_get(record, "anomaly"), i, a) {
        int r = (int)json_integer_value(json_object_get(a, "revision"));
        rev = r > rev ? r : rev;
    }
    return rev;
}

int sdd_label_id_revision(const char *json, size_t len, char *id, size_t id_size, int *revision)
{
    json_t *record = json_loadb(json, len, 0, NULL);
    const char *text = json_string_value(json_object_get(record, "id"));
    int ok = text && strlen(text) < id_size;

    if (ok) {
        snprintf(id, id_size, "%s", text);
        *revision = revision_of(record);
    }
    json_decref(record);
    return ok ? 0 : -1;
}

/* Whether a human annotated the record (a label revision), not a detector. */
static int by_human(const json_t *record)
{
    const json_t *a;
    size_t i;
    int human = 0;

    json_array_foreach(json_object_get(record, "anomaly"), i, a) {
        const char *type = json_string_value(json_object_get(json_object_get(a, "annotator"), "annotatorType"));
        human |= type && strcmp(type, "human") == 0;
    }
    return human;
}

/* A label makes a human the annotator of every anomaly, so the detectors of
 * a state are gathered over all its revisions, not read from the latest. */
static void note_detectors(json_t *names, const json_t *record)
{
    const json_t *a, *name;
    size_t i, k;

    json_array_foreach(json_object_get(record, "anomaly"), i, a) {
        const json_t *who = json_object_get(a, "annotator");
        const char *type = json_string_value(json_object_get(who, "annotatorType"));
        const json_t *nm = json_object_get(who, "name");
        int known = 0;
        if (!type || strcmp(type, "algorithm") != 0 || !json_is_string(nm))
            continue;
        json_array_foreach(names, k, name)
            known |= json_equal(name, nm);
        if (!known)
            json_array_append(names, (json_t *)nm);
    }
}

static entry *entry_for(sdd_label_index *idx, const char *id)
{
    json_t *pos = json_object_get(idx->by_id, id);

    if (pos)
        return &idx->entries[json_integer_value(pos)];
    if (idx->n == idx->cap) {
        size_t cap = idx->cap ? idx->cap * 2 : 16;
        entry *grown = realloc(idx->entries, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        idx->entries = grown;
        idx->cap = cap;
    }
    json_object_set_new(idx->by_id, id, json_integer((json_int_t)idx->n));
    idx->entries[idx->n] = (entry){NULL, -1, json_array(), NULL, -1, NULL, 0, 0};
    return &idx->entries[idx->n++];
}

/* Keeps where the record being read starts. Unknown, or out of memory:
 * the index no longer knows where all of a state's records are. */
static void place(sdd_label_index *idx, entry *e)
{
    long long at = idx->walked ? idx->mark.at : -1;

    if (at >= 0 && e->n_at == e->cap_at) {
        size_t cap = e->cap_at ? 2 * e->cap_at : 4;
        long long *grown = realloc(e->at, cap * sizeof(*grown));
        if (grown)
            e->at = grown, e->cap_at = cap;
    }
    if (at >= 0 && e->n_at < e->cap_at)
        e->at[e->n_at++] = at;
    else
        idx->placed = 0;
}

static void skip(sdd_label_index *idx, const char *where, const char *why)
{
    if (!idx->skipped++)
        snprintf(idx->first_skip, sizeof(idx->first_skip), "%s: %s", where, why);
}

/* Takes a reference to the record; `read` when it comes from the store
 * (not a label just appended, read again at the next refresh). */
static void index_add(sdd_label_index *idx, json_t *record, const char *where, int read)
{
    const char *id = json_string_value(json_object_get(record, "id"));
    entry *e = id ? entry_for(idx, id) : NULL;
    int rev = revision_of(record);

    if (!e) {
        skip(idx, where, id ? "out of memory" : "no relevant-state id");
        json_decref(record);
        return;
    }
    if (read)
        place(idx, e);
    note_detectors(e->detectors, record);
    if (by_human(record) && rev >= e->label_revision) {
        json_decref(e->label);
        e->label = json_incref(record);
        e->label_revision = rev;
    }
    if (e->latest && rev < e->revision) {
        json_decref(record);
        return;
    }
    json_decref(e->latest);
    e->latest = record;
    e->revision = rev;
}

static int index_record(void *ctx, const char *json, const char *where)
{
    sdd_label_index *idx = ctx;
    json_error_t jerr;
    json_t *record = json_loads(json, 0, &jerr);

    if (json_is_object(record))
        index_add(idx, record, where, 1);
    else {
        skip(idx, where, record ? "not a JSON object" : jerr.text);
        json_decref(record);
    }
    return 0;
}

/* Adds the records after the index's mark: 1 when the store changed
 * otherwise (see each_since). */
static int read_on(sdd_label_index *idx, sdd_label_store *s, sdd_error *err)
{
    return s->ops->each_since(s, &idx->mark, index_record, idx, err);
}

sdd_label_index *sdd_label_index_load(sdd_label_store *s, sdd_error *err)
{
    sdd_label_index *idx = calloc(1, sizeof(*idx));
    int rc;

    if (!idx) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    idx->by_id = json_object();
    idx->walked = s->ops->each_since && s->ops->read_at;
    idx->placed = idx->walked;
    rc = idx->walked ? read_on(idx, s, err) : s->ops->each(s, index_record, idx, err);
    if (rc != 0) {
        if (rc > 0)                     /* changed between the stat and the read */
            sdd__fail(err, SDD_E_IO, "the store changed while it was read: try again");
        sdd_label_index_free(idx);
        return NULL;
    }
    return idx;
}

int sdd_label_index_refresh(sdd_label_index **idx, sdd_label_store *s, sdd_error *err)
{
    sdd_label_index *fresh;
    int rc = (*idx)->walked ? read_on(*idx, s, err) : 1;

    if (rc <= 0)
        return rc;
    if (!(fresh = sdd_label_index_load(s, err)))
        return -1;
    sdd_label_index_free(*idx);
    *idx = fresh;
    return 0;
}

int sdd_label_index_each_of(const sdd_label_index *idx, sdd_label_store *s, const char *id, sdd_label_record_fn fn,
                            void *ctx, sdd_error *err)
{
    long pos = sdd_label_index_find(idx, id);
    const entry *e;

    if (pos < 0)
        return 0;
    if (!idx->placed)
        return s->ops->each(s, fn, ctx, err);
    e = &idx->entries[pos];
    for (size_t i = 0; i < e->n_at; i++)
        if (s->ops->read_at(s, e->at[i], fn, ctx, err) < 0)
            return -1;
    return 0;
}

void sdd_label_index_free(sdd_label_index *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->n; i++) {
        json_decref(idx->entries[i].latest);
        json_decref(idx->entries[i].detectors);
        json_decref(idx->entries[i].label);
        free(idx->entries[i].at);
    }
    free(idx->entries);
    json_decref(idx->by_id);
    free(idx);
}

size_t sdd_label_index_size(const sdd_label_index *idx)
{
    return idx->n;
}

long sdd_label_index_find(const sdd_label_index *idx, const char *id)
{
    json_t *pos = json_object_get(idx->by_id, id);
    return pos ? (long)json_integer_value(pos) : -1;
}

size_t sdd_label_index_skipped(const sdd_label_index *idx, const char **first_reason)
{
    if (first_reason)
        *first_reason = idx->first_skip;
    return idx->skipped;
}

static const char *service_of(const json_t *record)
{
    const json_t *svc = json_object_get(record, "service");
    const json_t *list = json_object_get(svc, "l3VpnService");
    const char *vpn;

    if (!list)
        list = json_object_get(svc, "l2VpnService");
    vpn = json_string_value(json_object_get(json_array_get(list, 0), "vpnId"));
    return vpn ? vpn : "-";
}

/* The stage of a state: the engine does not read the store, so its later
 * revisions (a closing one, a new score) say detection's stage again; a
 * human's validation or refinement stands over them. Adjusted is the one a
 * label hands back to the detector: after it the engine's stage holds. */
static const char *stage_of(const entry *e)
{
    const char *human = json_string_value(json_object_get(e->label, "stage"));

    if (human && strcmp(human, "adjusted") != 0)
        return human;
    return json_string_value(json_object_get(e->latest, "stage"));
}

static const char *label_annotator(const entry *e)
{
    const json_t *a = json_array_get(json_object_get(e->label, "anomaly"), 0);
    return json_string_value(json_object_get(json_object_get(a, "annotator"), "name"));
}

static void join_names(const json_t *names, char *buf, size_t len)
{
    const json_t *name;
    size_t i, used = 0;

    buf[0] = '\0';
    json_array_foreach(names, i, name) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? "," : "", json_string_value(name));
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

void sdd_label_index_get(const sdd_label_index *idx, size_t i, sdd_label_summary *out)
{
    const entry *e = &idx->entries[i];
    const json_t *end = json_object_get(e->latest, "endTime");
    const char *stage = stage_of(e);

    out->id = json_string_value(json_object_get(e->latest, "id"));
    out->service = service_of(e->latest);
    out->stage = stage ? stage : "-";
    out->start_ms = json_integer_value(json_object_get(e->latest, "startTime"));
    out->end_ms = json_is_integer(end) ? json_integer_value(end) : -1;
    out->concern = (int)json_integer_value(json_object_get(e->latest, "concernScore"));
    out->revision = e->revision;
    out->labelled_by = label_annotator(e);
    out->label_comment = json_string_value(json_object_get(e->label, "description"));
    join_names(e->detectors, out->detectors, sizeof(out->detectors));
}

int sdd_label_matches(const sdd_label_summary *s, int open_only, const char *service)
{
    return (!open_only || s->end_ms < 0) && (!service || strcmp(service, s->service) == 0);
}

void sdd_label_format_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, len, "%lld", (long long)ms);
}

/* A comment on one line: its tabs and line ends would break the columns. */
static void one_line(const char *text, char *buf, size_t len)
{
    snprintf(buf, len, "%s", text && text[0] ? text : "-");
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < ' ')
            *c = ' ';
}

void sdd_label_format(const sdd_label_summary *s, char *buf, size_t len)
{
    char start[32], end[32] = "open", comment[256];

    sdd_label_format_time(s->start_ms, start, sizeof(start));
    if (s->end_ms >= 0)
        sdd_label_format_time(s->end_ms, end, sizeof(end));
    one_line(s->label_comment, comment, sizeof(comment));
    snprintf(buf, len, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s", s->id, s->service, s->stage, start, end,
             s->concern, s->detectors[0] ? s->detectors : "-", s->labelled_by ? s->labelled_by : "-", comment);
}

/* ---- labels ----------------------------------------------------------- */

static const char *const verbs[] = {"confirm", "discard", "analyze", "adjust"};
static const char *const stages[] = {"problem_confirmed", "discarded", "analyzed", "adjusted"};

int sdd_label_action_parse(const char *verb, sdd_label_action *out)
{
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verb, verbs[i]) == 0) {
            *out = (sdd_label_action)i;
            return 0;
        }
    return -1;
}

const char *sdd_label_action_stage(sdd_label_action a)
{
    return stages[a];
}

/* The state machine of the lifecycle draft (figure 2): detection leads to
 * validation (confirmed or discarded), a confirmed problem to refinement
 * (analyzed, then adjusted). A stage may also be revised within itself, as
 * the draft lets an annotator write several versions for one stage, so a
 * validation can be turned round. Adjusted goes back to detection through
 * the detector, not through a label. */
static const struct {
    const char *from;
    unsigned actions;               /* bit per sdd_label_action */
} transitions[] = {
    {"detection", 1u << SDD_LABEL_CONFIRM | 1u << SDD_LABEL_DISCARD},
    {"problem_forecasted", 1u << SDD_LABEL_CONFIRM | 1u << SDD_LABEL_DISCARD},
    {"problem_potential", 1u << SDD_LABEL_CONFIRM | 1u << SDD_LABEL_DISCARD},
    {"problem_confirmed", 1u << SDD_LABEL_CONFIRM | 1u << SDD_LABEL_DISCARD | 1u << SDD_LABEL_ANALYZE},
    {"discarded", 1u << SDD_LABEL_CONFIRM | 1u << SDD_LABEL_DISCARD},
    {"analyzed", 1u << SDD_LABEL_ANALYZE | 1u << SDD_LABEL_ADJUST},
    {"adjusted", 1u << SDD_LABEL_ADJUST},
};

static unsigned allowed_from(const char *stage)
{
    for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
        if (stage && strcmp(stage, transitions[i].from) == 0)
            return transitions[i].actions;
    return 0;
}

static int check_transition(const char *id, const char *stage, sdd_label_action a, sdd_error *err)
{
    unsigned ok = allowed_from(stage);
    char list[64] = "";

    if (ok & 1u << a)
        return 0;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (ok & 1u << i)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", list[0] ? ", " : "", verbs[i]);
    return sdd__fail(err, SDD_E_DATA, "relevant state %s is %s: it cannot be labelled %s (%s%s)", id, stage ? stage : "without stage",
                verbs[a], list[0] ? "allowed: " : "no label follows it", list);
}

static json_t *human(const char *name)
{
    json_t *o = json_object();
    char id[SDD_UUID_TEXT];

    sdd__uuid5(name, id);
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "annotatorType", json_string("human"));
    json_object_set_new(o, "version", json_null());
    return o;
}

/* Existing keys keep their place when set, so the record stays in schema order. */
static json_t *revision_from(const json_t *latest, const char *stage, const char *annotator, const char *comment)
{
    json_t *r = json_deep_copy(latest), *a;
    size_t i;

    json_object_set_new(r, "stage", json_string(stage));
    if (comment)
        json_object_set_new(r, "description", json_string(comment));
    json_array_foreach(json_object_get(r, "anomaly"), i, a) {
        json_int_t rev = json_integer_value(json_object_get(a, "revision"));
        json_object_set_new(a, "revision", json_integer(rev + 1));
        json_object_set_new(a, "stage", json_string(stage));
        json_object_set_new(a, "annotator", human(annotator));
    }
    return r;
}

char *sdd_label_revision(const sdd_label_index *idx, const char *id, sdd_label_action a, const char *annotator,
                         const char *comment, sdd_error *err)
{
    long pos = sdd_label_index_find(idx, id);
    const json_t *latest;
    char *text;

    if (pos < 0) {
        sdd__fail(err, SDD_E_DATA, "no relevant state %s in the store", id);
        return NULL;
    }
    latest = idx->entries[pos].latest;
    if (check_transition(id, stage_of(&idx->entries[pos]), a, err) < 0)
        return NULL;
    json_t *r = revision_from(latest, stages[a], annotator, comment);
    text = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return text;
}

/* A label revision goes into the store only if an Avro consumer can read it. */
static int check_schema(const char *json, sdd_error *err)
{
    sdd_avro *av = sdd_avro_new(err);
    void *buf = NULL;
    size_t len;
    int rc;

    if (!av)
        return -1;
    rc = sdd_avro_encode(av, json, &buf, &len, err);
    free(buf);
    sdd_avro_free(av);
    return rc;
}

int sdd_label_apply(sdd_label_store *s, sdd_label_index *idx, const char *id, sdd_label_action a,
                    const char *annotator, const char *comment, sdd_error *err)
{
    char *json = sdd_label_revision(idx, id, a, annotator, comment, err);
    int rc = -1;

    if (json && check_schema(json, err) == 0 && s->ops->append(s, json, err) == 0) {
        index_add(idx, json_loads(json, 0, NULL), "label", 0);
        rc = 0;
    }
    free(json);
    return rc;
}

/* ---- labels as truth ---------------------------------------------------- */

/* 1 wants an alarm, 0 wants none, -1 not validated. */
static int validated_alarm(const char *stage)
{
    if (!strcmp(stage, "problem_confirmed") || !strcmp(stage, "analyzed") || !strcmp(stage, "adjusted"))
        return 1;
    return !strcmp(stage, "discarded") ? 0 : -1;
}

/* The distinct services and the span (seconds) of the validated states. */
static void truth_extent(const sdd_label_index *idx, size_t *services, int64_t *first, int64_t *last)
{
    json_t *seen = json_object();
    sdd_label_summary s;

    *first = INT64_MAX;
    *last = INT64_MIN;
    for (size_t i = 0; i < sdd_label_index_size(idx); i++) {
        sdd_label_index_get(idx, i, &s);
        if (validated_alarm(s.stage) < 0)
            continue;
        json_object_set_new(seen, s.service, json_true());
        *first = s.start_ms / 1000 < *first ? s.start_ms / 1000 : *first;
        int64_t end = (s.end_ms < 0 ? s.start_ms : s.end_ms) / 1000;
        *last = end > *last ? end : *last;
    }
    *services = json_object_size(seen);
    json_decref(seen);
}

static int write_json_line(FILE *out, json_t *j)
{
    int rc = j ? json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;

    json_decref(j);
    return rc < 0 || fputc('\n', out) == EOF ? -1 : 0;
}

long sdd_label_write_truth(const sdd_label_index *idx, int time_step_seconds, FILE *out)
{
    size_t services;
    int64_t first, last;
    sdd_label_summary s;
    long events = 0;

    truth_extent(idx, &services, &first, &last);
    if (services == 0)
        first = last = 0;
    if (write_json_line(out, json_pack("{s:I,s:I,s:I,s:i}", "services", (json_int_t)services, "days",
                                       (json_int_t)((last - first + 86399) / 86400), "start", (json_int_t)first,
                                       "time_step_seconds", time_step_seconds)) < 0)
        return -1;
    for (size_t i = 0; i < sdd_label_index_size(idx); i++) {
        sdd_label_index_get(idx, i, &s);
        int alarm = validated_alarm(s.stage);
        if (alarm < 0)
            continue;
        int64_t end = s.end_ms < 0 ? s.start_ms : s.end_ms;
        if (write_json_line(out, json_pack("{s:s,s:s,s:I,s:I,s:b,s:s}", "service", s.service, "kind",
                                           alarm ? "confirmed" : "discarded", "start",
                                           (json_int_t)(s.start_ms / 1000), "end", (json_int_t)(end / 1000),
                                           "alarm", alarm, "id", s.id)) < 0)
            return -1;
        events++;
    }
    return events;
}
