/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output.c: the outputs of sddd's notifications (see output.h). The one
 * kind so far writes to a descriptor: a file opened for appending, or
 * stdout. Each record goes out in one writev(2) with its newline, so that
 * it reaches the file as soon as it is made and a reader following the file
 * never sees half a record for long.
 *
 * A regular file is read back at open, as the Kafka output reads its topic
 * back: a revision at or below the highest one the file holds for its id is
 * not written again (a restart after a failed write reads its inputs again
 * and makes those revisions again). A write the disk refuses (ENOSPC, EFBIG)
 * is cut back, so the file never ends in half a record; a half record found
 * at open (a crash in the middle of a write) is cut off. A file that is not
 * one of notifications (`output` naming the history file by mistake) is
 * refused before anything is cut. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io/settings.h"
#include "util/error.h"
#include "util/fdio.h"
#include "io/label.h"
#include "io/output.h"
#include "io/output_kafka.h"
#include "io/sources.h"

#define ID_MAX 128

typedef struct fd_output {
    sdd_output base;
    int fd;
    int owned;                          /* closed with the output (not stdout) */
    int regular;                        /* a regular file: cut back after a failed write */
    char *name;
    sdd_label_index *had;               /* what the file held at open; NULL for none */
    uint64_t duplicates;                /* revisions not written again */
} fd_output;

/* 1 when the file held this revision of its id, or a later one, at open. */
static int held_before(const fd_output *f, const char *record, size_t len)
{
    char id[ID_MAX];
    int revision;
    long at;
    sdd_label_summary had;

    if (!f->had || sdd_label_id_revision(record, len, id, sizeof(id), &revision) < 0 ||
        (at = sdd_label_index_find(f->had, id)) < 0)
        return 0;
    sdd_label_index_get(f->had, (size_t)at, &had);
    return revision <= had.revision;
}

/* The reason a write failed, with the file, the errno's name and the
 * notification that was not written. */
static int write_failed(const fd_output *f, int e, int cut, const char *record, size_t len, sdd_error *err)
{
    char id[ID_MAX] = "(no id)";
    int revision = -1;
    char why[128];

    sdd_label_id_revision(record, len, id, sizeof(id), &revision);
    sdd__fail(err, SDD_E_IO, "output %.300s: %s: notification %s revision %d not written%s",
             f->name, sdd__errno_text(e, why, sizeof(why)), id, revision,
             cut ? "" : "; half of it is left at the end, cut off at the next start");
    return -1;
}

static int fd_write(sdd_output *o, const char *record, size_t len, sdd_error *err)
{
    fd_output *f = (fd_output *)o;
    struct iovec iov[2] = {{(void *)record, len}, {"\n", 1}};
    off_t before = f->regular ? lseek(f->fd, 0, SEEK_END) : -1;
    int e, cut;

    if (held_before(f, record, len)) {
        f->duplicates++;
        return 0;
    }
    if (sdd__write_all(f->fd, iov, 2, -1) == 0)
        return 0;
    e = errno;
    cut = before < 0 || ftruncate(f->fd, before) == 0;    /* no half record left behind */
    return write_failed(f, e, cut, record, len, err);
}

/* Nothing is held back: each write went to the kernel. */
static int fd_flush(sdd_output *o, sdd_error *err)
{
    (void)o;
    (void)err;
    return 0;
}

static void fd_close(sdd_output *o)
{
    fd_output *f = (fd_output *)o;

    if (f->owned)
        close(f->fd);
    sdd_label_index_free(f->had);
    free(f->name);
    free(f);
}

static void fd_counters(sdd_output *o, void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
    fn(ctx, "output_duplicates_dropped", ((fd_output *)o)->duplicates);
}

static const sdd_output_ops fd_ops = {fd_write, fd_flush, fd_close, fd_counters, NULL};

static sdd_output *fd_output_new(int fd, int owned, const char *name, sdd_error *err)
{
    fd_output *f = calloc(1, sizeof(*f));

    if (f)
        f->name = strdup(name);
    if (!f || !f->name) {
        free(f);
        if (owned)
            close(fd);
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    f->base.ops = &fd_ops;
    f->fd = fd;
    f->owned = owned;
    return &f->base;
}

/* The end of the last whole line of a file of `size` bytes (0 for none),
 * -1 when it cannot be read. */
static off_t last_line_end(const char *path, off_t size)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    off_t end = fd < 0 ? -1 : 0;

    while (fd >= 0 && size > 0) {
        off_t from = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
        ssize_t n = pread(fd, buf, (size_t)(size - from), from);
        if (n != size - from) {
            end = -1;
            break;
        }
        while (n > 0 && buf[n - 1] != '\n')
            n--;
        if (n > 0) {
            end = from + n;
            break;
        }
        size = from;
    }
    if (fd >= 0)
        close(fd);
    return end;
}

/* How every notification line starts (notification.c writes the id first). */
#define RECORD_START "{\"id\":\""
/* A notification fits in an Avro block of 1 MiB; a longer first line is not one. */
#define FIRST_LINE_MAX (1 << 20)

/* Whether bytes can be the start of a notification line, whole or cut short. */
static int record_start(const char *p, size_t len)
{
    size_t n = len < strlen(RECORD_START) ? len : strlen(RECORD_START);
    return memcmp(p, RECORD_START, n) == 0;
}

/* Up to len bytes of the file from `at`: how many, or -1. */
static ssize_t read_at(const char *path, void *buf, size_t len, off_t at)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : pread(fd, buf, len, at);

    if (fd >= 0)
        close(fd);
    return n;
}

/* Why the first bytes of a file of `size` bytes are not those of a file of
 * notifications; NULL when they are: text, the first line a JSON object
 * with an id, or the start of one (a first record cut short). */
static const char *not_notifications(const char *buf, size_t n, off_t size)
{
    const char *nl = memchr(buf, '\n', n);
    json_t *first;
    int ok;

    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t')
            return "binary bytes";
    if (!nl && (off_t)n < size)
        return "a first line over 1 MiB";
    if (!record_start(buf, nl ? (size_t)(nl - buf) : n))
        return "its first line is not a notification";
    if (!nl)
        return NULL;
    first = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
    ok = json_is_string(json_object_get(first, "id"));
    json_decref(first);
    return ok ? NULL : "its first line is not a notification";
}

/* Before anything is cut: the file must be one of notifications, and what
 * follows its last newline the start of one, so that `output` naming
 * another file (the history file, a log) never shrinks it. */
static int check_notifications(const fd_output *f, off_t size, off_t end, sdd_error *err)
{
    char *buf = malloc(FIRST_LINE_MAX);
    ssize_t n = buf ? read_at(f->name, buf, FIRST_LINE_MAX, 0) : -1;
    const char *why = n < 0 ? NULL : not_notifications(buf, (size_t)n, size);
    int rc = 0;

    if (n < 0)
        rc = sdd__fail(err, SDD_E_IO, "output %s: reading it back: %s", f->name, buf ? strerror(errno) : "out of memory");
    else if (why)
        rc = sdd__fail(err, SDD_E_DATA, "output %s: not a notification file (%s): left as it is; name a file of "
                       "notifications or a new one", f->name, why);
    else if (end < size && ((n = read_at(f->name, buf, strlen(RECORD_START), end)) < 0 || !record_start(buf, (size_t)n)))
        rc = sdd__fail(err, SDD_E_DATA, "output %s: its last %lld bytes, after its last newline, are not the start "
                       "of a notification: not cut; look at the file", f->name, (long long)(size - end));
    free(buf);
    return rc;
}

/* A regular file: a half record at its end (a crash in the middle of a
 * write) is cut off, and what it holds is read back against duplicates. */
static int read_back(fd_output *f, const sdd_logger *log, sdd_error *err)
{
    struct stat st;
    off_t end;
    sdd_label_store *store;

    if (fstat(f->fd, &st) < 0)
        return sdd__fail(err, SDD_E_IO, "output %s: %s", f->name, strerror(errno));
    f->regular = S_ISREG(st.st_mode);
    if (!f->regular || st.st_size == 0)
        return 0;
    end = last_line_end(f->name, st.st_size);
    if (end < 0)
        return sdd__fail(err, SDD_E_IO, "output %s: reading it back: %s", f->name, strerror(errno));
    if (check_notifications(f, st.st_size, end, err) < 0)
        return -1;
    if (end < st.st_size && ftruncate(f->fd, end) < 0)
        return sdd__fail(err, SDD_E_IO, "output %s: cutting a half record at its end: %s", f->name, strerror(errno));
    if (end < st.st_size)
        sdd_logf(log, SDD_LOG_WARNING, "output %s: half a record at its end (%lld bytes, a write cut short): cut off",
                 f->name, (long long)(st.st_size - end));
    store = sdd_label_store_open(f->name, err);
    f->had = store ? sdd_label_index_load(store, err) : NULL;
    sdd_label_store_free(store);
    if (!f->had)
        return -1;
    if (sdd_label_index_size(f->had))
        sdd_logf(log, SDD_LOG_INFO, "output %s: holds %zu relevant states; their revisions are not written again",
                 f->name, sdd_label_index_size(f->had));
    return 0;
}

int sdd_output_check(const char *spec, sdd_error *err)
{
    sdd_spec s;
    sdd_error why;

    if (sdd_spec_parse(spec, &s, &why) < 0) {
        sdd__fail(err, why.code, "output: %.480s", why.msg);
        return -1;
    }
    return 0;
}

static sdd_output *kafka_without_config(const char *spec, sdd_error *err)
{
    sdd__fail(err, SDD_E_IO, "output: '%.300s' needs the configuration", spec);
    return NULL;
}

int sdd_output_check_config(const sdd_settings *cfg, sdd_error *err)
{
    sdd_spec s;

    if (sdd_output_check(cfg->output, err) < 0)
        return -1;
    sdd_spec_parse(cfg->output, &s, err);
    return s.type == SDD_SPEC_KAFKA ? sdd_output_kafka_check(cfg, err) : 0;
}

/* A Kafka output needs the configuration: without it, an error. */
static sdd_output *open_spec(const char *spec, const sdd_settings *cfg, const sdd_logger *log, sdd_error *err)
{
    sdd_spec s;
    int fd;

    if (sdd_output_check(spec, err) < 0)
        return NULL;
    sdd_spec_parse(spec, &s, err);
    if (s.type == SDD_SPEC_KAFKA)
        return cfg ? sdd_output_kafka_open(s.name, cfg, log, err) : kafka_without_config(spec, err);
    if (s.type != SDD_SPEC_FILE)
        return fd_output_new(STDOUT_FILENO, 0, "stdout", err);
    fd = sdd__open_or_create(s.name, O_WRONLY | O_APPEND, 0644);
    if (fd < 0) {
        sdd__fail(err, SDD_E_IO, "output: %s: %s", s.name,
                  errno == EEXIST ? "a symlink to no file: the output file is created only where no link is"
                                  : strerror(errno));
        return NULL;
    }
    sdd_output *o = fd_output_new(fd, 1, s.name, err);
    if (o && read_back((fd_output *)o, log, err) < 0) {
        sdd_output_close(o);
        return NULL;
    }
    return o;
}

sdd_output *sdd_output_open(const char *spec, sdd_error *err)
{
    return open_spec(spec, NULL, NULL, err);
}

sdd_output *sdd_output_open_config(const sdd_settings *cfg, const sdd_logger *log, sdd_error *err)
{
    return open_spec(cfg->output, cfg, log, err);
}

int sdd_output_write(sdd_output *o, const char *record, size_t len, sdd_error *err)
{
    return o->ops->write(o, record, len, err);
}

int sdd_output_flush(sdd_output *o, sdd_error *err)
{
    return o->ops->flush(o, err);
}

void sdd_output_counters(sdd_output *o, void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
    if (o->ops->counters)
        o->ops->counters(o, fn, ctx);
}

void sdd_output_close(sdd_output *o)
{
    if (o)
        o->ops->close(o);
}
