/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source_file.c: an input read from a file, a FIFO or stdin, followed as
 * `tail -F` follows a file.
 *
 * A regular file is read from its start, then watched: new lines are handed
 * out as they are appended (a last line without its newline waits for it),
 * and at each end of file the path is looked at again, because log rotation
 * either renames the file and creates a new one (the path's inode changes:
 * the new file is read from its start) or truncates it in place (the size
 * falls below what was read: read again from the start). A FIFO ends each
 * time its writer closes; it is reopened for the next writer. stdin is read
 * once, to its end. Whenever a stream ends, its unterminated last line is
 * handed out as a line, as replay does with a file's last line.
 *
 * A checkpoint keeps where a regular file's lines ended (device, inode,
 * offset); resumed, the same file is read on from there, and a file that is
 * not the same any more (rotated meanwhile) from its start. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/linereader.h"
#include "io/sources.h"

struct sdd_file_source {
    char *path;                         /* NULL: stdin */
    sdd_input_kind kind;
    sdd_logger log;
    sdd_linereader *lines;
    int fd;                             /* -1 while the path is not open */
    int is_regular;                     /* else a FIFO, a pipe or a device: pollable */
    int one_read;                       /* stdin that may block: one read per wake-up */
    int done;                           /* stdin ended */
    dev_t dev;
    ino_t ino;
    off_t pos;                          /* bytes read from the open file */
    int resume;                         /* resume_* wait for the file they name */
    dev_t resume_dev;
    ino_t resume_ino;
    off_t resume_at;
    int open_errno;                     /* the open failure last logged: each is logged once */
};

static const char *name_of(const sdd_file_source *s)
{
    return s->path ? s->path : "stdin";
}

static void note_open_failure(sdd_file_source *s, int errnum)
{
    if (errnum == s->open_errno)
        return;
    s->open_errno = errnum;
    if (errnum == ENOENT)
        sdd_logf(&s->log, SDD_LOG_WARNING, "%s: not there yet, waiting for it to appear", s->path);
    else
        sdd_logf(&s->log, SDD_LOG_WARNING, "%s: %s; trying again", s->path, strerror(errnum));
}

/* Takes fd as the source's descriptor, from the start of what it reads. */
static int adopt(sdd_file_source *s, int fd)
{
    struct stat st;
    int errnum = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;

    if (errnum) {
        if (fd != STDIN_FILENO)
            close(fd);
        return errnum;
    }
    s->fd = fd;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->is_regular = S_ISREG(st.st_mode) != 0;
    s->pos = 0;
    return 0;
}

/* Goes on where a checkpoint left the file, if it is the file open now. */
static void apply_resume(sdd_file_source *s)
{
    struct stat st;

    if (!s->resume || s->fd < 0 || !s->is_regular || s->pos != 0)
        return;
    s->resume = 0;
    if (fstat(s->fd, &st) < 0 || st.st_dev != s->resume_dev || st.st_ino != s->resume_ino ||
        st.st_size < s->resume_at) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: not the file of the checkpoint any more: read from its start", s->path);
        return;
    }
    if (lseek(s->fd, s->resume_at, SEEK_SET) != s->resume_at) {
        sdd_logf(&s->log, SDD_LOG_WARNING, "%s: %s; read from its start", s->path, strerror(errno));
        lseek(s->fd, 0, SEEK_SET);
        return;
    }
    s->pos = s->resume_at;
    sdd_logf(&s->log, SDD_LOG_INFO, "%s: going on at byte %lld, where the checkpoint left it", s->path,
             (long long)s->pos);
}

void sdd_file_source_resume(sdd_file_source *s, uint64_t dev, uint64_t ino, int64_t offset)
{
    s->resume = s->path != NULL;
    s->resume_dev = (dev_t)dev;
    s->resume_ino = (ino_t)ino;
    s->resume_at = (off_t)offset;
    apply_resume(s);
}

int sdd_file_source_position(const sdd_file_source *s, uint64_t *dev, uint64_t *ino, int64_t *offset)
{
    if (s->fd < 0 || !s->is_regular || !s->path)
        return -1;
    *dev = (uint64_t)s->dev;
    *ino = (uint64_t)s->ino;
    *offset = (int64_t)(s->pos - (off_t)sdd__linereader_pending(s->lines));
    return 0;
}

/* Opens the path without blocking: a FIFO with no writer yet opens at once
 * and poll(2) reports it when a writer has come. */
static int try_open(sdd_file_source *s)
{
    int fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int errnum = fd < 0 ? errno : adopt(s, fd);

    if (errnum) {
        note_open_failure(s, errnum);
        return -1;
    }
    if (s->open_errno)
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: opened", s->path);
    s->open_errno = 0;
    apply_resume(s);
    return 0;
}

sdd_file_source *sdd_file_source_new(const char *path, sdd_input_kind kind, const sdd_logger *log)
{
    sdd_file_source *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->kind = kind;
    s->fd = -1;
    if (log)
        s->log = *log;
    s->lines = sdd__linereader_new(SDD_LINE_MAX);
    s->path = path ? strdup(path) : NULL;
    if (!s->lines || (path && !s->path)) {
        sdd_file_source_free(s);
        return NULL;
    }
    if (!path) {
        int errnum = adopt(s, STDIN_FILENO);
        if (errnum)
            sdd_logf(&s->log, SDD_LOG_ERROR, "stdin: %s", strerror(errnum));
        s->done = errnum != 0;
        s->one_read = !s->is_regular;
    } else {
        try_open(s);
    }
    return s;
}

static void close_fd(sdd_file_source *s)
{
    if (s->fd >= 0 && s->path)
        close(s->fd);
    s->fd = -1;
}

void sdd_file_source_free(sdd_file_source *s)
{
    if (!s)
        return;
    close_fd(s);
    sdd__linereader_free(s->lines);
    free(s->path);
    free(s);
}

int sdd_file_source_fd(const sdd_file_source *s)
{
    return s->done || s->is_regular ? -1 : s->fd;
}

uint64_t sdd_file_source_too_long(const sdd_file_source *s)
{
    return sdd__linereader_too_long(s->lines);
}

/* Hands out the complete lines held; with at_end, the unfinished one too. */
static void deliver(sdd_file_source *s, int at_end, sdd_line_fn fn, void *ctx)
{
    const char *line;
    size_t len;

    while ((line = sdd__linereader_next(s->lines, at_end, &len)) != NULL)
        if (len > 0)
            fn(ctx, s->kind, line, len);
}

/* The stream of the open descriptor ended: the last line goes out and the
 * descriptor is closed; a path is opened again right away. */
static sdd_read_status stream_ended(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    deliver(s, 1, fn, ctx);
    close_fd(s);
    if (!s->path) {
        s->done = 1;
        return SDD_READ_DONE;
    }
    return try_open(s) == 0 && s->is_regular ? SDD_READ_MORE : SDD_READ_IDLE;
}

/* At the end of a regular file: has the path been rotated or truncated? */
static sdd_read_status check_rotation(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    struct stat st;

    if (stat(s->path, &st) == 0 && (st.st_ino != s->ino || st.st_dev != s->dev)) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: replaced by a new file (rotated), reading the new one", s->path);
        return stream_ended(s, fn, ctx);
    }
    if (fstat(s->fd, &st) == 0 && st.st_size < s->pos) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: truncated, reading it again from its start", s->path);
        sdd__linereader_reset(s->lines);
        s->pos = lseek(s->fd, 0, SEEK_SET) == 0 ? 0 : s->pos;
        return SDD_READ_MORE;
    }
    return SDD_READ_IDLE;
}

static sdd_read_status at_end_of_data(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    if (s->path && s->is_regular)
        return check_rotation(s, fn, ctx);
    return stream_ended(s, fn, ctx);    /* stdin's end, or a FIFO's writer closed */
}

/* A path is opened again later; stdin is given up. */
static sdd_read_status read_failed(sdd_file_source *s)
{
    sdd_logf(&s->log, SDD_LOG_WARNING, "%s: %s; %s", name_of(s), strerror(errno),
             s->path ? "opening it again" : "no more input from it");
    sdd__linereader_reset(s->lines);
    close_fd(s);
    s->done = !s->path;
    return s->done ? SDD_READ_DONE : SDD_READ_IDLE;
}

sdd_read_status sdd_file_source_read(sdd_file_source *s, size_t budget, sdd_line_fn fn, void *ctx)
{
    size_t got = 0, avail;

    if (s->done)
        return SDD_READ_DONE;
    if (s->fd < 0 && try_open(s) < 0)
        return SDD_READ_IDLE;
    while (got < budget) {
        char *space = sdd__linereader_space(s->lines, &avail);
        if (!space) {
            errno = ENOMEM;
            return read_failed(s);
        }
        ssize_t n = read(s->fd, space, avail < budget - got ? avail : budget - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? SDD_READ_IDLE : read_failed(s);
        if (n == 0)
            return at_end_of_data(s, fn, ctx);
        sdd__linereader_commit(s->lines, (size_t)n);
        got += (size_t)n;
        s->pos += n;
        deliver(s, 0, fn, ctx);
        if (s->one_read)
            return SDD_READ_IDLE;
    }
    return SDD_READ_MORE;
}
