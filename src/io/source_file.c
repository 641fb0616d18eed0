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
 * A stream that starts with gzip's magic bytes is decompressed as it is
 * read (util/gunzip.h), whatever its name: a gzip'ed file is followed like
 * a plain one, its lines handed out as its compressed bytes come. A stream
 * that ends in the middle of a gzip member (a truncated file), or holds data
 * that is not gzip, is said in an error line and counted; its lines before
 * that are handed out, the rest of it is skipped.
 *
 * A checkpoint keeps where a regular file's lines ended (device, inode,
 * offset; for a gzip'ed file, the offset in its decompressed stream);
 * resumed, the same file is read on from there (a gzip'ed one decompressed
 * up to it), and a file that is not the same any more (rotated meanwhile)
 * from its start. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/gunzip.h"
#include "util/linereader.h"
#include "io/sources.h"

#define FIRST_READ SDD_GUNZIP_IN        /* a stream's first read: gzip'ed, it is a gunzip's input */
#define GZIP_FAULT (-2)                 /* fill: the gzip data is faulty */

struct sdd_file_source {
    char *path;                         /* NULL: stdin */
    sdd_input_kind kind;
    sdd_logger log;
    sdd_linereader *lines;
    int fd;                             /* -1 while the path is not open */
    int is_regular;                     /* else a FIFO, a pipe or a device: pollable */
    int one_read;                       /* stdin that may block: one read per wake-up */
    int may_read;                       /* one_read: this call may still read(2) (see sdd_file_source_read) */
    int done;                           /* stdin ended */
    dev_t dev;
    ino_t ino;
    off_t raw;                          /* bytes read from the open file */
    off_t pos;                          /* bytes of its stream (decompressed) the lines were cut from */
    off_t skip;                         /* bytes of a gzip'ed stream to pass over: to the checkpoint's offset */
    sdd_gunzip *gz;                     /* made at the first gzip'ed stream */
    int gzip;                           /* the open stream is gzip'ed: read through gz */
    int broken;                         /* the open file's gzip data is faulty: only rotation is looked for */
    uint64_t gzip_errors;               /* gzip streams found faulty or cut short */
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
    s->raw = s->pos = s->skip = 0;
    s->gzip = s->broken = 0;
    return 0;
}

/* Whether the open regular file starts as gzip does. */
static int starts_gzipped(const sdd_file_source *s)
{
    unsigned char magic[2];

    return pread(s->fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) && sdd__gunzip_magic(magic, sizeof(magic));
}

/* Goes on where a checkpoint left the file, if it is the file open now. */
static void apply_resume(sdd_file_source *s)
{
    struct stat st;

    int gzipped;

    if (!s->resume || s->fd < 0 || !s->is_regular || s->raw != 0)
        return;
    s->resume = 0;
    gzipped = starts_gzipped(s);
    if (fstat(s->fd, &st) < 0 || st.st_dev != s->resume_dev || st.st_ino != s->resume_ino ||
        (!gzipped && st.st_size < s->resume_at)) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: not the file of the checkpoint any more: read from its start", s->path);
        return;
    }
    if (gzipped) {                      /* no seeking in a gzip stream: decompressed and passed over */
        s->skip = s->resume_at;
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: going on at byte %lld of its decompressed stream, where the "
                 "checkpoint left it (decompressing up to there)", s->path, (long long)s->skip);
        return;
    }
    if (lseek(s->fd, s->resume_at, SEEK_SET) != s->resume_at) {
        sdd_logf(&s->log, SDD_LOG_WARNING, "%s: %s; read from its start", s->path, strerror(errno));
        lseek(s->fd, 0, SEEK_SET);
        return;
    }
    s->raw = s->pos = s->resume_at;
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
    *offset = (int64_t)(s->pos + s->skip - (off_t)sdd__linereader_pending(s->lines));
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
    sdd__gunzip_free(s->gz);
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

uint64_t sdd_file_source_gzip_errors(const sdd_file_source *s)
{
    return s->gzip_errors;
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

/* A gzip stream that stops inside a member is cut short: said and
 * counted; 1 then, and its unfinished last line (a cut record) is not
 * handed out. */
static int check_cut_short(sdd_file_source *s)
{
    if (s->broken || !s->gzip || !sdd__gunzip_unfinished(s->gz))
        return 0;
    s->gzip_errors++;
    sdd_logf(&s->log, SDD_LOG_ERROR, "%s: its gzip stream ends in the middle after %lld compressed bytes "
             "(truncated?): the lines before are read, the unfinished last one (%zu bytes) is dropped",
             name_of(s), (long long)s->raw, sdd__linereader_pending(s->lines));
    return 1;
}

/* The line stays held: the position a checkpoint keeps is its start, where
 * a restart reads it whole if the file was only being written slowly. */
void sdd_file_source_end(sdd_file_source *s)
{
    (void)check_cut_short(s);
}

/* The stream of the open descriptor ended: the last line goes out and the
 * descriptor is closed; a path is opened again right away. */
static sdd_read_status stream_ended(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    if (check_cut_short(s))
        sdd__linereader_reset(s->lines);
    deliver(s, 1, fn, ctx);
    close_fd(s);
    if (!s->path) {
        s->done = 1;
        return SDD_READ_DONE;
    }
    return try_open(s) == 0 && s->is_regular ? SDD_READ_MORE : SDD_READ_IDLE;
}

/* The open regular file from its start again, as a new stream. */
static sdd_read_status read_again(sdd_file_source *s)
{
    sdd__linereader_reset(s->lines);
    if (lseek(s->fd, 0, SEEK_SET) != 0)
        return SDD_READ_IDLE;           /* the next look tries again */
    s->raw = s->pos = s->skip = 0;
    s->gzip = s->broken = 0;
    return SDD_READ_MORE;
}

/* At the end of a regular file: has the path been rotated or truncated? */
static sdd_read_status check_rotation(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    struct stat st;

    if (stat(s->path, &st) == 0 && (st.st_ino != s->ino || st.st_dev != s->dev)) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: replaced by a new file (rotated), reading the new one", s->path);
        return stream_ended(s, fn, ctx);
    }
    if (fstat(s->fd, &st) == 0 && st.st_size < s->raw) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: truncated, reading it again from its start", s->path);
        return read_again(s);
    }
    return SDD_READ_IDLE;
}

static sdd_read_status at_end_of_data(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    if (s->skip && s->is_regular && !(s->gzip && sdd__gunzip_unfinished(s->gz))) {
        sdd_logf(&s->log, SDD_LOG_INFO, "%s: its stream ends before the checkpoint's offset: not the file of "
                 "the checkpoint any more, read from its start", s->path);
        return read_again(s);
    }
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

/* read(2), made once a call on a source read once per wake-up (EAGAIN
 * after that: the descriptor may block). */
static ssize_t read_raw(sdd_file_source *s, void *buf, size_t cap)
{
    ssize_t n;

    if (s->one_read && !s->may_read) {
        errno = EAGAIN;
        return -1;
    }
    n = read(s->fd, buf, cap);
    if (n > 0)
        s->raw += n;
    if (n >= 0 || errno != EINTR)
        s->may_read = 0;
    return n;
}

/* The rest of a FIFO's or stdin's stream whose gzip data is faulty: read
 * and passed over to its end (the writer goes on with the same stream;
 * read as text, its bytes would be garbage lines). */
static sdd_read_status skip_broken(sdd_file_source *s, sdd_line_fn fn, void *ctx)
{
    char buf[16 << 10];
    ssize_t n;

    while ((n = read_raw(s, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        ;
    if (n == 0)
        return stream_ended(s, fn, ctx);
    return errno == EAGAIN ? SDD_READ_IDLE : read_failed(s);
}

/* The gzip data is faulty: what came before it was handed out; the rest
 * of a file is skipped until it is rotated or truncated, the rest of a
 * FIFO's or stdin's stream until it ends. */
static sdd_read_status gzip_fault(sdd_file_source *s, const char *why, sdd_line_fn fn, void *ctx)
{
    s->gzip_errors++;
    s->broken = 1;
    sdd_logf(&s->log, SDD_LOG_ERROR, "%s: faulty gzip data (%s) within its first %lld compressed bytes: the "
             "lines before are read, the rest of %s is skipped", name_of(s), why, (long long)s->raw,
             s->path && s->is_regular ? "the file until it is replaced or truncated" : "the stream");
    sdd__linereader_reset(s->lines);
    sdd__gunzip_reset(s->gz);           /* nothing more comes out of it */
    if (s->path && s->is_regular)
        return SDD_READ_IDLE;
    return skip_broken(s, fn, ctx);
}

/* A stream's first bytes, read by read_plain, start as gzip does: they
 * become gz's first input. 0, or -1 with errno. */
static int start_gzip(sdd_file_source *s, const char *first, size_t n)
{
    size_t avail;
    unsigned char *in;

    if (!s->gz && !(s->gz = sdd__gunzip_new())) {
        errno = ENOMEM;
        return -1;
    }
    sdd__gunzip_reset(s->gz);
    in = sdd__gunzip_space(s->gz, &avail);
    memcpy(in, first, n);               /* n is at most avail: see read_plain */
    sdd__gunzip_commit(s->gz, n);
    s->gzip = 1;
    return 0;
}

/* read(2) into buf; at the stream's start, up to what gz could take, and a
 * gzip'ed stream is recognised. */
static ssize_t read_plain(sdd_file_source *s, char *buf, size_t cap, int *gzipped)
{
    int first = s->raw == 0;
    ssize_t n = read_raw(s, buf, first && cap > FIRST_READ ? FIRST_READ : cap);

    *gzipped = first && n > 0 && sdd__gunzip_magic(buf, (size_t)n);
    return *gzipped && start_gzip(s, buf, (size_t)n) < 0 ? -1 : n;
}

/* Decompressed bytes into buf, reading as they need (see read_raw). */
static ssize_t read_gzip(sdd_file_source *s, char *buf, size_t cap, const char **why)
{
    size_t avail;

    for (;;) {
        ssize_t made = sdd__gunzip_inflate(s->gz, buf, cap, why);
        if (made != 0)
            return made < 0 ? GZIP_FAULT : made;
        unsigned char *in = sdd__gunzip_space(s->gz, &avail);
        ssize_t n = read_raw(s, in, avail);
        if (n <= 0)
            return n;
        sdd__gunzip_commit(s->gz, (size_t)n);
    }
}

/* Up to cap bytes of the stream into buf: the file's bytes, or what they
 * decompress to. 0 at the end of what is there, -1 with errno, or
 * GZIP_FAULT with its reason in *why. */
static ssize_t fill(sdd_file_source *s, char *buf, size_t cap, const char **why)
{
    int gzipped;
    ssize_t n;

    if (s->gzip)
        return read_gzip(s, buf, cap, why);
    n = read_plain(s, buf, cap, &gzipped);
    return gzipped ? read_gzip(s, buf, cap, why) : n;
}

/* n bytes of the stream were put at space: those before the checkpoint's
 * offset are passed over, the others go to the line reader. */
static void take(sdd_file_source *s, char *space, size_t n)
{
    size_t pass = s->skip < (off_t)n ? (size_t)s->skip : n;

    s->skip -= (off_t)pass;
    s->pos += (off_t)n;
    if (pass && pass < n)
        memmove(space, space + pass, n - pass);
    sdd__linereader_commit(s->lines, n - pass);
}

sdd_read_status sdd_file_source_read(sdd_file_source *s, size_t budget, sdd_line_fn fn, void *ctx)
{
    size_t got = 0, avail;
    const char *why = NULL;

    if (s->done)
        return SDD_READ_DONE;
    if (s->fd < 0 && try_open(s) < 0)
        return SDD_READ_IDLE;
    /* A call that begins with decompressed bytes held may come after one
     * that said SDD_READ_MORE, without a poll(2) saying stdin is readable:
     * it hands those out and reads nothing. */
    s->may_read = !(s->gzip && sdd__gunzip_pending(s->gz));
    if (s->broken)
        return s->path && s->is_regular ? check_rotation(s, fn, ctx) : skip_broken(s, fn, ctx);
    while (got < budget) {
        char *space = sdd__linereader_space(s->lines, &avail);
        if (!space) {
            errno = ENOMEM;
            return read_failed(s);
        }
        ssize_t n = fill(s, space, avail < budget - got ? avail : budget - got, &why);
        if (n == GZIP_FAULT)
            return gzip_fault(s, why, fn, ctx);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? SDD_READ_IDLE : read_failed(s);
        if (n == 0)
            return at_end_of_data(s, fn, ctx);
        take(s, space, (size_t)n);
        got += (size_t)n;
        deliver(s, 0, fn, ctx);
        if (s->one_read && !(s->gzip && sdd__gunzip_pending(s->gz)))
            return SDD_READ_IDLE;
    }
    return SDD_READ_MORE;
}
