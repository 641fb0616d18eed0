/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_sources.c: what sddd reads and how it is configured: the line reader,
 * files followed across appends, partial lines, rotation, truncation and
 * FIFO writers coming and going, stdin to its end; gzip'ed files read as
 * they grow, resumed in their decompressed stream, faulty or cut short; the
 * text of inputs and
 * outputs, Kafka property files and the daemon's configuration checks; the
 * rate limit of repeated errors; the file output: appended to, read back
 * at open against revisions written again, a half record at its end cut
 * off, a file that is not one of notifications refused untouched, a write
 * the disk refuses cut back and reported with its errno. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io/daemon.h"
#include "util/linereader.h"
#include "io/output.h"
#include "io/settings.h"
#include "io/sources.h"

/* ---- helpers ------------------------------------------------------------ */

#define MAX_LINES 16

typedef struct lines {
    char text[MAX_LINES][128];
    sdd_input_kind kind[MAX_LINES];
    int n;
} lines;

static void collect(void *ctx, sdd_input_kind kind, const char *line, size_t len)
{
    lines *l = ctx;

    assert_true(l->n < MAX_LINES);
    assert_true(len < sizeof(l->text[0]));
    memcpy(l->text[l->n], line, len);
    l->text[l->n][len] = '\0';
    l->kind[l->n++] = kind;
}

typedef struct logs {
    int n[3];
    char last[1024];
} logs;

static void log_collect(void *ctx, sdd_log_level level, const char *msg)
{
    logs *g = ctx;

    g->n[level]++;
    snprintf(g->last, sizeof(g->last), "%s", msg);
}

typedef struct fixture {
    char dir[64];
    char path[128];
    logs log;
    sdd_logger logger;
    lines got;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/sdd-test-sources-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/in.json", f->dir);
    f->logger = (sdd_logger){log_collect, &f->log};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void write_file(const char *path, const char *mode, const char *text)
{
    FILE *out = fopen(path, mode);

    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
}

static void write_fd(int fd, const char *text)
{
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static sdd_read_status read_all(sdd_file_source *s, lines *got)
{
    sdd_read_status st;

    while ((st = sdd_file_source_read(s, 1 << 20, collect, got)) == SDD_READ_MORE)
        ;
    return st;
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

/* ---- the line reader ---------------------------------------------------- */

static void push(sdd_linereader *lr, const char *text)
{
    size_t avail;
    char *space = sdd__linereader_space(lr, &avail);

    assert_non_null(space);
    assert_true(avail >= strlen(text));
    memcpy(space, text, strlen(text));
    sdd__linereader_commit(lr, strlen(text));
}

static void test_linereader(void **state)
{
    (void)state;
    sdd_linereader *lr = sdd__linereader_new(8);
    size_t len;

    push(lr, "ab\r\ncd");
    assert_string_equal(sdd__linereader_next(lr, 0, &len), "ab");
    assert_null(sdd__linereader_next(lr, 0, &len));      /* "cd" waits for its newline */
    assert_int_equal(sdd__linereader_pending(lr), 2);
    push(lr, "e\n0123456789\nf");                         /* the 10-byte line is too long */
    assert_string_equal(sdd__linereader_next(lr, 0, &len), "cde");
    assert_int_equal(len, 3);
    assert_null(sdd__linereader_next(lr, 0, &len));
    assert_int_equal(sdd__linereader_too_long(lr), 1);
    push(lr, "ghijklmnop");                               /* too long before its newline */
    assert_null(sdd__linereader_next(lr, 0, &len));
    push(lr, "qrs\nok\n");
    assert_string_equal(sdd__linereader_next(lr, 0, &len), "ok");
    assert_int_equal(sdd__linereader_too_long(lr), 2);
    push(lr, "last");
    assert_string_equal(sdd__linereader_next(lr, 1, &len), "last");
    assert_null(sdd__linereader_next(lr, 1, &len));
    sdd__linereader_free(lr);
}

/* ---- files -------------------------------------------------------------- */

static void test_file_append_and_partial_line(void **state)
{
    fixture *f = *state;
    sdd_file_source *s;

    write_file(f->path, "w", "one\ntwo\nthr");
    s = sdd_file_source_new(f->path, SDD_INPUT_BMP, &f->logger);
    assert_int_equal(sdd_file_source_fd(s), -1);          /* a regular file is looked at on a timer */
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    assert_int_equal(f->got.n, 2);
    assert_string_equal(f->got.text[1], "two");
    assert_int_equal(f->got.kind[1], SDD_INPUT_BMP);
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    assert_int_equal(f->got.n, 2);                        /* "thr" waits for its newline */
    write_file(f->path, "a", "ee\n\nfour\n");
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 4);                        /* the empty line is not handed out */
    assert_string_equal(f->got.text[2], "three");
    assert_string_equal(f->got.text[3], "four");
    sdd_file_source_free(s);
}

static void test_file_rotation(void **state)
{
    fixture *f = *state;
    char old[160];
    sdd_file_source *s;

    snprintf(old, sizeof(old), "%s.1", f->path);
    write_file(f->path, "w", "a\n");
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    read_all(s, &f->got);
    assert_int_equal(rename(f->path, old), 0);
    write_file(old, "a", "b\n");                          /* the writer has not reopened yet */
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 2);                        /* the renamed file is still read */
    write_file(old, "a", "unfinished");
    write_file(f->path, "w", "c\n");                      /* the writer's new file */
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 4);
    assert_string_equal(f->got.text[1], "b");
    assert_string_equal(f->got.text[2], "unfinished");    /* the old file's end is its last line */
    assert_string_equal(f->got.text[3], "c");
    assert_non_null(strstr(f->log.last, "rotated"));
    write_file(f->path, "a", "d\n");
    read_all(s, &f->got);
    assert_string_equal(f->got.text[4], "d");
    sdd_file_source_free(s);
}

/* A checkpoint's position: the same file goes on after the last whole line
 * handed out; a file that replaced it is read from its start. */
static void test_file_resume(void **state)
{
    fixture *f = *state;
    sdd_file_source *s;
    uint64_t dev, ino;
    int64_t offset;
    char newer[sizeof(f->path) + 8];

    write_file(f->path, "w", "one\ntwo\nthr");
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    read_all(s, &f->got);
    assert_int_equal(sdd_file_source_position(s, &dev, &ino, &offset), 0);
    assert_int_equal(offset, 8);                          /* "thr" is not taken yet */
    sdd_file_source_free(s);
    write_file(f->path, "a", "ee\nfour\n");

    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    sdd_file_source_resume(s, dev, ino, offset);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 4);
    assert_string_equal(f->got.text[2], "three");
    assert_string_equal(f->got.text[3], "four");
    assert_non_null(strstr(f->log.last, "going on at byte 8"));
    sdd_file_source_free(s);

    /* another file at the path, longer than the offset (made before the old
     * one goes, so that it cannot have the old one's inode) */
    snprintf(newer, sizeof(newer), "%s.new", f->path);
    write_file(newer, "w", "five\nsix\nseven\n");
    assert_int_equal(rename(newer, f->path), 0);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    sdd_file_source_resume(s, dev, ino, offset);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 7);
    assert_string_equal(f->got.text[4], "five");
    assert_non_null(strstr(f->log.last, "not the file of the checkpoint"));
    sdd_file_source_free(s);
}

static void test_file_truncation(void **state)
{
    fixture *f = *state;
    sdd_file_source *s;

    write_file(f->path, "w", "first line\nsecond line\npart");
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 2);
    write_file(f->path, "w", "x\n");                      /* truncated in place, then written */
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 3);
    assert_string_equal(f->got.text[2], "x");             /* "part" was dropped with the old content */
    assert_non_null(strstr(f->log.last, "truncated"));
    sdd_file_source_free(s);
}

static void test_file_waited_for(void **state)
{
    fixture *f = *state;
    sdd_file_source *s = sdd_file_source_new(f->path, SDD_INPUT_TELEMETRY, &f->logger);

    assert_int_equal(f->log.n[SDD_LOG_WARNING], 1);
    assert_non_null(strstr(f->log.last, "waiting"));
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    assert_int_equal(f->log.n[SDD_LOG_WARNING], 1);       /* logged once, not at every look */
    write_file(f->path, "w", "here\n");
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 1);
    assert_string_equal(f->got.text[0], "here");
    assert_int_equal(f->got.kind[0], SDD_INPUT_TELEMETRY);
    sdd_file_source_free(s);
}

static void test_fifo_writers(void **state)
{
    fixture *f = *state;
    sdd_file_source *s;
    int w, fd;

    assert_int_equal(mkfifo(f->path, 0600), 0);
    s = sdd_file_source_new(f->path, SDD_INPUT_BMP, &f->logger);
    fd = sdd_file_source_fd(s);
    assert_true(fd >= 0);
    assert_false(readable(fd));                           /* no writer yet: nothing to wake for */
    w = open(f->path, O_WRONLY | O_NONBLOCK);
    assert_true(w >= 0);
    write_fd(w, "x\ny");
    close(w);                                             /* the writer goes: "y" is its last line */
    assert_true(readable(sdd_file_source_fd(s)));
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 2);
    assert_string_equal(f->got.text[1], "y");
    assert_false(readable(sdd_file_source_fd(s)));        /* reopened: no busy wake-ups */
    w = open(f->path, O_WRONLY | O_NONBLOCK);             /* a new writer */
    assert_true(w >= 0);
    write_fd(w, "z\n");
    assert_true(readable(sdd_file_source_fd(s)));
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 3);
    assert_string_equal(f->got.text[2], "z");
    close(w);
    sdd_file_source_free(s);
}

static void test_stdin_to_its_end(void **state)
{
    fixture *f = *state;
    int p[2], saved = dup(STDIN_FILENO);
    sdd_file_source *s;
    sdd_read_status st = SDD_READ_IDLE;

    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
    s = sdd_file_source_new(NULL, SDD_INPUT_FLOW, &f->logger);
    assert_int_equal(sdd_file_source_fd(s), STDIN_FILENO);
    write_fd(p[1], "a\nb");
    close(p[1]);
    for (int i = 0; i < 4 && st != SDD_READ_DONE; i++)    /* one read per wake-up: stdin may block */
        if (readable(STDIN_FILENO))
            st = sdd_file_source_read(s, 1 << 20, collect, &f->got);
    assert_int_equal(st, SDD_READ_DONE);
    assert_int_equal(f->got.n, 2);
    assert_string_equal(f->got.text[1], "b");
    assert_int_equal(sdd_file_source_read(s, 1 << 20, collect, &f->got), SDD_READ_DONE);
    sdd_file_source_free(s);
    dup2(saved, STDIN_FILENO);
    close(saved);
}

/* ---- gzip'ed files --------------------------------------------------------- */

/* text as one gzip member, in gz (*len bytes). */
static void gzip_text(const char *text, unsigned char *gz, size_t size, size_t *len)
{
    z_stream z = {0};

    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = gz;
    z.avail_out = (uInt)size;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *len = size - z.avail_out;
    deflateEnd(&z);
}

static void write_bytes(const char *path, const char *mode, const unsigned char *bytes, size_t len)
{
    FILE *out = fopen(path, mode);

    assert_non_null(out);
    assert_int_equal(fwrite(bytes, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
}

/* Recognised by its bytes, not its name; read as its compressed bytes come
 * (a member cut anywhere waits for the rest), and on across members. */
static void test_gzip_file_followed(void **state)
{
    fixture *f = *state;
    unsigned char gz[256];
    size_t len, half;
    sdd_file_source *s;

    gzip_text("one\ntwo\nthree\n", gz, sizeof(gz), &len);
    half = len / 2;
    write_bytes(f->path, "w", gz, 1);                      /* the first byte alone */
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    write_bytes(f->path, "a", gz + 1, half - 1);           /* the writer is in the middle */
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    write_bytes(f->path, "a", gz + half, len - half);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 3);
    assert_string_equal(f->got.text[2], "three");
    gzip_text("four\nfi", gz, sizeof(gz), &len);           /* another member: `gzip -c >>` */
    write_bytes(f->path, "a", gz, len);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 4);                         /* "fi" waits for its newline */
    gzip_text("ve\n", gz, sizeof(gz), &len);
    write_bytes(f->path, "a", gz, len);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 5);
    assert_string_equal(f->got.text[3], "four");
    assert_string_equal(f->got.text[4], "five");
    sdd_file_source_end(s);
    assert_int_equal(sdd_file_source_gzip_errors(s), 0);  /* every member whole */
    assert_int_equal(f->log.n[SDD_LOG_ERROR], 0);
    sdd_file_source_free(s);
}

/* A checkpoint's offset is in the decompressed stream: resumed, the file
 * is decompressed up to it and read on from there. */
static void test_gzip_file_resume(void **state)
{
    fixture *f = *state;
    unsigned char gz[256];
    size_t len;
    sdd_file_source *s;
    uint64_t dev, ino;
    int64_t offset;

    gzip_text("one\ntwo\nthr", gz, sizeof(gz), &len);
    write_bytes(f->path, "w", gz, len);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    read_all(s, &f->got);
    assert_int_equal(sdd_file_source_position(s, &dev, &ino, &offset), 0);
    assert_int_equal(offset, 8);                          /* decompressed: "thr" is not taken yet */
    sdd_file_source_free(s);
    gzip_text("ee\nfour\n", gz, sizeof(gz), &len);
    write_bytes(f->path, "a", gz, len);

    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    sdd_file_source_resume(s, dev, ino, offset);
    assert_non_null(strstr(f->log.last, "going on at byte 8 of its decompressed stream"));
    assert_int_equal(sdd_file_source_position(s, &dev, &ino, &offset), 0);
    assert_int_equal(offset, 8);                          /* a checkpoint before it read on keeps it */
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 4);
    assert_string_equal(f->got.text[2], "three");
    assert_string_equal(f->got.text[3], "four");
    assert_int_equal(sdd_file_source_position(s, &dev, &ino, &offset), 0);
    assert_int_equal(offset, 19);
    sdd_file_source_free(s);

    /* an offset past the end of its stream: not that file, read from its start */
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    sdd_file_source_resume(s, dev, ino, 1000);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 8);
    assert_string_equal(f->got.text[4], "one");
    assert_non_null(strstr(f->log.last, "ends before the checkpoint's offset"));
    sdd_file_source_free(s);
}

/* A file cut in the middle of its gzip stream: its whole lines are read,
 * and the cut is said and counted when the input ends (or the stream does:
 * the file rotated away). */
static void test_gzip_file_cut_short(void **state)
{
    fixture *f = *state;
    static char text[4096];
    unsigned char gz[8192];
    size_t len, at = 0;
    unsigned x = 1;
    char old[160], want[16];
    sdd_file_source *s;
    uint64_t dev, ino;
    int64_t offset, after;
    int read_before;

    for (int i = 0; i < MAX_LINES; i++) {                  /* letters that do not compress much */
        at += (size_t)snprintf(text + at, sizeof(text) - at, "line %d ", i);
        for (int k = 0; k < 100; k++, x = x * 1103515245u + 12345u)
            text[at++] = (char)('a' + (x >> 16) % 26);
        text[at++] = '\n';
    }
    gzip_text(text, gz, sizeof(gz), &len);
    write_bytes(f->path, "w", gz, len * 3 / 4);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    read_all(s, &f->got);
    assert_true(f->got.n > 0 && f->got.n < MAX_LINES);      /* the lines before the cut */
    assert_int_equal(f->log.n[SDD_LOG_ERROR], 0);           /* it may still be being written */
    assert_int_equal(sdd_file_source_position(s, &dev, &ino, &offset), 0);
    sdd_file_source_end(s);
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);
    assert_int_equal(f->log.n[SDD_LOG_ERROR], 1);
    assert_non_null(strstr(f->log.last, "its gzip stream ends in the middle"));
    /* sddd's checkpoint at its exit: where the last whole line ends, as
     * the file may only have been written slowly */
    assert_int_equal(sdd_file_source_position(s, &dev, &ino, &after), 0);
    assert_int_equal(after, offset);
    sdd_file_source_free(s);

    /* it was: resumed there, the unfinished line is read whole */
    read_before = f->got.n;
    write_bytes(f->path, "a", gz + len * 3 / 4, len - len * 3 / 4);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    sdd_file_source_resume(s, dev, ino, offset);
    memset(&f->got, 0, sizeof(f->got));
    read_all(s, &f->got);
    assert_int_equal(f->got.n, MAX_LINES - read_before);
    snprintf(want, sizeof(want), "line %d ", read_before);
    assert_memory_equal(f->got.text[0], want, strlen(want));
    sdd_file_source_free(s);
    memset(&f->got, 0, sizeof(f->got));
    write_bytes(f->path, "w", gz, len * 3 / 4);

    /* rotated away while cut short: said at once, and the new file read */
    snprintf(old, sizeof(old), "%s.1", f->path);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    read_all(s, &f->got);
    assert_int_equal(rename(f->path, old), 0);
    gzip_text("new\n", gz, sizeof(gz), &len);
    write_bytes(f->path, "w", gz, len);
    read_all(s, &f->got);
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);
    assert_int_equal(f->log.n[SDD_LOG_ERROR], 2);
    assert_string_equal(f->got.text[f->got.n - 1], "new");
    sdd_file_source_free(s);
}

/* Data that is not gzip in a gzip'ed file: the lines before are read, the
 * fault is said and counted once, the rest skipped until the file is
 * replaced; no crash, and the new file is read whole. */
static void test_gzip_file_faulty(void **state)
{
    fixture *f = *state;
    unsigned char gz[256];
    size_t len;
    char old[160];
    sdd_file_source *s;

    gzip_text("one\ntwo\n", gz, sizeof(gz), &len);
    gz[len - 8] ^= 0xff;                                   /* its CRC */
    write_bytes(f->path, "w", gz, len);
    write_bytes(f->path, "a", (const unsigned char *)"garbage\n", 8);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    assert_int_equal(read_all(s, &f->got), SDD_READ_IDLE);
    assert_int_equal(f->got.n, 2);                         /* what came before the fault */
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);
    assert_non_null(strstr(f->log.last, "faulty gzip data (incorrect data check)"));
    read_all(s, &f->got);
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);  /* said once */
    snprintf(old, sizeof(old), "%s.1", f->path);
    assert_int_equal(rename(f->path, old), 0);
    gzip_text("three\n", gz, sizeof(gz), &len);
    write_bytes(f->path, "w", gz, len);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 3);
    assert_string_equal(f->got.text[2], "three");
    sdd_file_source_end(s);
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);
    sdd_file_source_free(s);
}

/* Faulty gzip data on a FIFO: the rest of that writer's stream is skipped,
 * not read as text; a new writer's stream is read. */
static void test_gzip_fifo_faulty(void **state)
{
    fixture *f = *state;
    unsigned char gz[256];
    size_t len;
    sdd_file_source *s;
    int w;

    assert_int_equal(mkfifo(f->path, 0600), 0);
    s = sdd_file_source_new(f->path, SDD_INPUT_FLOW, &f->logger);
    w = open(f->path, O_WRONLY | O_NONBLOCK);
    assert_true(w >= 0);
    gzip_text("one\ntwo\n", gz, sizeof(gz), &len);
    gz[len - 8] ^= 0xff;                                   /* its CRC */
    assert_int_equal(write(w, gz, len), (ssize_t)len);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 2);                         /* what came before the fault */
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);
    write_fd(w, "garbage\n");                             /* the same writer goes on */
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 2);
    close(w);
    read_all(s, &f->got);
    w = open(f->path, O_WRONLY | O_NONBLOCK);              /* a new writer */
    assert_true(w >= 0);
    gzip_text("three\n", gz, sizeof(gz), &len);
    assert_int_equal(write(w, gz, len), (ssize_t)len);
    close(w);
    read_all(s, &f->got);
    assert_int_equal(f->got.n, 3);
    assert_string_equal(f->got.text[2], "three");
    assert_int_equal(sdd_file_source_gzip_errors(s), 1);
    sdd_file_source_free(s);
}

/* A gzip'ed stream on stdin, read once per wake-up, to its end. */
static void test_gzip_stdin(void **state)
{
    fixture *f = *state;
    unsigned char gz[256];
    size_t len;
    int p[2], saved = dup(STDIN_FILENO);
    sdd_file_source *s;
    sdd_read_status st = SDD_READ_IDLE;

    gzip_text("a\nb", gz, sizeof(gz), &len);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
    s = sdd_file_source_new(NULL, SDD_INPUT_FLOW, &f->logger);
    assert_int_equal(write(p[1], gz, len), (ssize_t)len);
    close(p[1]);
    for (int i = 0; i < 8 && st != SDD_READ_DONE; i++)
        if (readable(STDIN_FILENO) || st == SDD_READ_MORE)
            st = sdd_file_source_read(s, 1 << 20, collect, &f->got);
    assert_int_equal(st, SDD_READ_DONE);
    assert_int_equal(f->got.n, 2);
    assert_string_equal(f->got.text[1], "b");             /* the stream's end is its last line */
    assert_int_equal(sdd_file_source_gzip_errors(s), 0);
    sdd_file_source_free(s);
    dup2(saved, STDIN_FILENO);
    close(saved);
}

static sigjmp_buf blocked;

static void on_alarm(int sig)
{
    (void)sig;
    siglongjmp(blocked, 1);
}

/* A call that goes on with decompressed bytes held from the last one (it
 * said SDD_READ_MORE, so the daemon calls again without polling) reads
 * stdin no more once those are out: stdin blocks, and the writer of this
 * pipe is alive with nothing more to say. The stream is flushed, not
 * finished, as a live `gzip` writer's is. */
static void test_gzip_stdin_no_blocking_read(void **state)
{
    fixture *f = *state;
    unsigned char gz[256];
    z_stream z = {0};
    int p[2], saved = dup(STDIN_FILENO);
    struct sigaction quit = {.sa_handler = on_alarm}, before;
    sdd_file_source *s;
    sdd_read_status st = SDD_READ_IDLE;

    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)"a\nb\n";
    z.avail_in = 4;
    z.next_out = gz;
    z.avail_out = sizeof(gz);
    assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
    s = sdd_file_source_new(NULL, SDD_INPUT_FLOW, &f->logger);
    assert_int_equal(write(p[1], gz, sizeof(gz) - z.avail_out), (ssize_t)(sizeof(gz) - z.avail_out));
    deflateEnd(&z);
    assert_int_equal(sigaction(SIGALRM, &quit, &before), 0);
    if (sigsetjmp(blocked, 1) == 0) {
        alarm(5);
        /* a budget of the 4 bytes the stream holds: the second call fills
         * it and says there is more; the third finds nothing held */
        for (int i = 0; i < 6 && f->got.n < 2; i++)
            if (readable(STDIN_FILENO) || st == SDD_READ_MORE)
                st = sdd_file_source_read(s, 4, collect, &f->got);
        st = sdd_file_source_read(s, 4, collect, &f->got);
        alarm(0);
    } else {
        fail_msg("a read of stdin blocked (%d lines read)", f->got.n);
    }
    sigaction(SIGALRM, &before, NULL);
    assert_int_equal(f->got.n, 2);
    assert_int_equal(st, SDD_READ_IDLE);
    close(p[1]);
    sdd_file_source_free(s);
    dup2(saved, STDIN_FILENO);
    close(saved);
}

/* ---- the text of inputs and outputs -------------------------------------- */

static void test_spec_parse(void **state)
{
    (void)state;
    sdd_spec s;
    sdd_error err;

    assert_int_equal(sdd_spec_parse("", &s, &err), 0);
    assert_int_equal(s.type, SDD_SPEC_NONE);
    assert_int_equal(sdd_spec_parse("-", &s, &err), 0);
    assert_int_equal(s.type, SDD_SPEC_STDIO);
    assert_int_equal(sdd_spec_parse("kafka:daisy.bmp", &s, &err), 0);
    assert_int_equal(s.type, SDD_SPEC_KAFKA);
    assert_string_equal(s.name, "daisy.bmp");
    assert_int_equal(sdd_spec_parse("file:/var/log/flows.json", &s, &err), 0);
    assert_int_equal(s.type, SDD_SPEC_FILE);
    assert_string_equal(s.name, "/var/log/flows.json");
    assert_int_equal(sdd_spec_parse("kafka:", &s, &err), -1);
    assert_non_null(strstr(err.msg, "no topic"));
    assert_int_equal(sdd_spec_parse("file:", &s, &err), -1);
    assert_non_null(strstr(err.msg, "no path"));
    assert_int_equal(sdd_spec_parse("kafka:a topic", &s, &err), -1);
    assert_int_equal(sdd_spec_parse("/var/log/flows.json", &s, &err), -1);
    assert_non_null(strstr(err.msg, "kafka:TOPIC, file:PATH or -"));
}

/* ---- Kafka properties ---------------------------------------------------- */

typedef struct props {
    char kv[8][64];
    int n;
} props;

static int collect_prop(void *ctx, const char *key, const char *value, char *why, size_t why_len)
{
    props *p = ctx;

    if (strcmp(key, "refused") == 0) {
        snprintf(why, why_len, "no such property");
        return -1;
    }
    snprintf(p->kv[p->n++], sizeof(p->kv[0]), "%s|%s", key, value);
    return 0;
}

static void test_kafka_config_file(void **state)
{
    fixture *f = *state;
    props p = {{{0}}, 0};
    sdd_error err;

    write_file(f->path, "w",
               "# TLS to the brokers\n"
               "\n"
               "security.protocol = SSL\n"
               "  ssl.ca.location=/etc/ssl/ca.pem  \n"
               "global, client.id, sddd-1\n"
               "sasl.password=a=b,c\n");
    assert_int_equal(sdd_kafka_config_read(f->path, collect_prop, &p, &err), 0);
    assert_int_equal(p.n, 4);
    assert_string_equal(p.kv[0], "security.protocol|SSL");
    assert_string_equal(p.kv[1], "ssl.ca.location|/etc/ssl/ca.pem");
    assert_string_equal(p.kv[2], "client.id|sddd-1");      /* pmacct's form */
    assert_string_equal(p.kv[3], "sasl.password|a=b,c");   /* split at the first '=' */

    write_file(f->path, "w", "# ok\nclient.id=x\nthis line has no equals sign\n");
    assert_int_equal(sdd_kafka_config_read(f->path, collect_prop, &p, &err), -1);
    assert_non_null(strstr(err.msg, "in.json:3: expected key=value"));
    write_file(f->path, "w", "=value\n");
    assert_int_equal(sdd_kafka_config_read(f->path, collect_prop, &p, &err), -1);
    write_file(f->path, "w", "refused=1\n");
    assert_int_equal(sdd_kafka_config_read(f->path, collect_prop, &p, &err), -1);
    assert_non_null(strstr(err.msg, ":1: no such property"));
}

static void test_kafka_source_settings(void **state)
{
    fixture *f = *state;
    const sdd_kafka_topic topics[] = {{"daisy.flow", SDD_INPUT_FLOW}};
    sdd_kafka_source *k;
    sdd_error err;

    /* librdkafka checks each property; nothing connects before start */
    write_file(f->path, "w", "auto.offset.reset=latest\nno.such.property=1\n");
    k = sdd_kafka_source_new("127.0.0.1:1", "g", f->path, topics, 1, &f->logger, &err);
    assert_null(k);
    assert_non_null(strstr(err.msg, "in.json:2:"));
    assert_non_null(strstr(err.msg, "no.such.property"));
    write_file(f->path, "w", "auto.offset.reset=latest\nenable.auto.offset.store=true\n");
    k = sdd_kafka_source_new("127.0.0.1:1", "g", f->path, topics, 1, &f->logger, &err);
    assert_non_null(k);
    assert_non_null(strstr(f->log.last, "enable.auto.offset.store=true ignored"));
    assert_int_equal(sdd_kafka_source_fd(k), -1);
    assert_false(sdd_kafka_source_caught_up(k));
    sdd_kafka_source_free(k);
}

/* ---- the daemon's configuration ------------------------------------------ */

/* The message of sdd_daemon_new over a configuration of `text`; "" when it
 * was accepted. */
static const char *daemon_config_error(fixture *f, const char *text)
{
    static sdd_error err;
    volatile sig_atomic_t stop = 0;
    sdd_daemon_opts o = {.config_path = f->path, .stop = &stop, .log = f->logger};
    sdd_daemon *d;

    write_file(f->path, "w", text);
    err.msg[0] = '\0';
    d = sdd_daemon_new(&o, &err);
    sdd_daemon_free(d);
    return d ? "" : err.msg;
}

static void test_daemon_config(void **state)
{
    fixture *f = *state;

    assert_string_equal(daemon_config_error(f, "flow_input: file:/tmp/flows.json\nbmp_input: -\n"), "");
    assert_string_equal(daemon_config_error(f, "bmp_input: kafka:daisy.bmp\nkafka_brokers: 127.0.0.1:1\n"
                                               "output: file:/tmp/out.json\n"), "");
    assert_non_null(strstr(daemon_config_error(f, "flow_input: -\nnot_a_key: 1\n"), "unknown key 'not_a_key'"));
    assert_non_null(strstr(daemon_config_error(f, "flow_input: kafka:\n"), "flow_input: 'kafka:' has no topic"));
    assert_non_null(strstr(daemon_config_error(f, "bmp_input: kafka:daisy.bmp\n"),
                           "bmp_input: 'kafka:daisy.bmp' needs kafka_brokers"));
    assert_non_null(strstr(daemon_config_error(f, "flow_input: -\ntelemetry_input: -\n"),
                           "telemetry_input: only one input can be stdin"));
    assert_non_null(strstr(daemon_config_error(f, "kafka_brokers: 127.0.0.1:1\nflow_input: kafka:t\n"
                                                  "bmp_input: kafka:t\n"), "bmp_input: topic t is already"));
    assert_non_null(strstr(daemon_config_error(f, "output: -\n"), "no input"));
    assert_non_null(strstr(daemon_config_error(f, "flow_input: -\noutput: flows.json\n"), "output: 'flows.json'"));
    assert_non_null(strstr(daemon_config_error(f, "flow_input: -\noutput: kafka:out\n"), "needs kafka_brokers"));
    assert_non_null(strstr(daemon_config_error(f, "flow_input: kafka:t\nkafka_brokers: 127.0.0.1:1\n"
                                                  "kafka_config_file: /nonexistent/rdkafka.conf\n"),
                           "kafka_config_file: /nonexistent/rdkafka.conf"));
}

/* ---- rate limit and output ------------------------------------------------ */

static void test_ratelimit(void **state)
{
    (void)state;
    sdd_ratelimit rl;
    uint64_t held = 99;

    sdd_ratelimit_init(&rl, 60);
    assert_true(sdd_ratelimit_allow(&rl, "all brokers down", 0, &held));
    assert_int_equal(held, 0);
    assert_false(sdd_ratelimit_allow(&rl, "all brokers down", 10, &held));
    assert_false(sdd_ratelimit_allow(&rl, "all brokers down", 59, &held));
    assert_true(sdd_ratelimit_allow(&rl, "connection refused", 59, &held));    /* another error */
    assert_true(sdd_ratelimit_allow(&rl, "all brokers down", 61, &held));
    assert_int_equal(held, 2);
    for (int i = 0; i < SDD_RATELIMIT_KEYS + 4; i++) {                  /* more keys than slots */
        char key[16];
        snprintf(key, sizeof(key), "e%d", i);
        assert_true(sdd_ratelimit_allow(&rl, key, 100 + i, &held));
    }
}

static void test_file_output(void **state)
{
    fixture *f = *state;
    char spec[160], text[64] = {0};
    sdd_error err;
    sdd_output *o;
    FILE *in;

    snprintf(spec, sizeof(spec), "file:%s", f->path);
    write_file(f->path, "w", "{\"id\":\"old\"}\n");
    o = sdd_output_open(spec, &err);
    assert_non_null(o);
    assert_int_equal(sdd_output_write(o, "{\"a\":1}", 7, &err), 0);
    assert_int_equal(sdd_output_flush(o, &err), 0);
    in = fopen(f->path, "r");                             /* there before the output is closed */
    assert_int_equal(fread(text, 1, sizeof(text) - 1, in), 21);
    fclose(in);
    assert_string_equal(text, "{\"id\":\"old\"}\n{\"a\":1}\n");  /* appended */
    sdd_output_close(o);
    assert_null(sdd_output_open("file:/nonexistent/dir/out.json", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/dir/out.json: No such file or directory"));
}

static void read_text(const char *path, char *text, size_t size)
{
    FILE *in = fopen(path, "r");
    size_t n;

    assert_non_null(in);
    n = fread(text, 1, size - 1, in);
    text[n] = '\0';
    fclose(in);
}

/* The output file made by sddd is never one a dangling symlink points to
 * (it would write wherever the link says); an existing file reached through
 * a link the operator made is used. */
static void test_file_output_created_not_through_symlink(void **state)
{
    fixture *f = *state;
    char spec[160], target[160], text[64] = {0};
    sdd_error err;
    sdd_output *o;

    snprintf(target, sizeof(target), "%s/elsewhere.json", f->dir);
    assert_int_equal(symlink(target, f->path), 0);
    snprintf(spec, sizeof(spec), "file:%s", f->path);
    assert_null(sdd_output_open(spec, &err));
    assert_non_null(strstr(err.msg, "a symlink to no file"));
    assert_int_equal(access(target, F_OK), -1);                 /* nothing made there */
    write_file(target, "w", "");
    o = sdd_output_open(spec, &err);                            /* the link now names a file */
    assert_non_null(o);
    assert_int_equal(sdd_output_write(o, "{\"a\":1}", 7, &err), 0);
    sdd_output_close(o);
    read_text(target, text, sizeof(text));
    assert_string_equal(text, "{\"a\":1}\n");
}

static void add_counter(void *ctx, const char *name, uint64_t value)
{
    if (strcmp(name, "output_duplicates_dropped") == 0)
        *(uint64_t *)ctx = value;
}

#define REC(id, rev) "{\"id\":\"" id "\",\"anomaly\":[{\"revision\":" #rev "}]}"

/* What the file holds at open is not written again (a restart that makes
 * the same revisions); a half record at its end (a write cut short) goes. */
static void test_file_output_read_back(void **state)
{
    fixture *f = *state;
    char spec[160], text[512];
    const char *again[] = {REC("x", 0), REC("x", 1), REC("y", 0)}, *news[] = {REC("x", 2), REC("y", 1), REC("z", 0)};
    uint64_t dropped = 0;
    sdd_error err;
    sdd_output *o;

    snprintf(spec, sizeof(spec), "file:%s", f->path);
    write_file(f->path, "w", REC("x", 0) "\n" REC("x", 1) "\n" REC("y", 0) "\n{\"id\":\"z\",\"anom");
    o = sdd_output_open(spec, &err);
    assert_non_null(o);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sdd_output_write(o, again[i], strlen(again[i]), &err), 0);
        assert_int_equal(sdd_output_write(o, news[i], strlen(news[i]), &err), 0);
    }
    sdd_output_counters(o, add_counter, &dropped);
    assert_int_equal(dropped, 3);
    sdd_output_close(o);
    read_text(f->path, text, sizeof(text));
    assert_string_equal(text, REC("x", 0) "\n" REC("x", 1) "\n" REC("y", 0) "\n" REC("x", 2) "\n" REC("y", 1) "\n"
                              REC("z", 0) "\n");
}

/* The output refused with the file named, before anything is cut. */
static void assert_not_cut(const char *spec, const char *path, const char *bytes, size_t len, const char *why)
{
    sdd_error err = {0};
    char back[256];
    FILE *fp = fopen(path, "w");

    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
    assert_null(sdd_output_open(spec, &err));
    if (!strstr(err.msg, path) || !strstr(err.msg, why))
        fail_msg("\"%s\" does not name the file and say \"%s\"", err.msg, why);
    fp = fopen(path, "r");
    assert_int_equal(fread(back, 1, sizeof(back), fp), len);
    fclose(fp);
    assert_memory_equal(back, bytes, len);
}

/* `output: file:PATH` naming a file that is not a notification file (the
 * history file, a text file, notifications followed by something else) is
 * refused as it is, not cut back to its last newline. */
static void test_file_output_refuses_other_files(void **state)
{
    fixture *f = *state;
    char spec[160];
    static const char history[] = "SDD-HIST\x01\0\0\0\x04\x03\x02\x01\n\x05\0\0\0\0\0\0";
    static const char text[] = "a text file\nnot notifications";
    static const char tail[] = REC("x", 0) "\n" REC("x", 1) "\nsomething else";

    snprintf(spec, sizeof(spec), "file:%s", f->path);
    assert_not_cut(spec, f->path, history, sizeof(history) - 1, "not a notification file");
    assert_not_cut(spec, f->path, text, sizeof(text) - 1, "not a notification file");
    assert_not_cut(spec, f->path, tail, sizeof(tail) - 1, "not the start of a notification");
}

/* The disk refuses the write (a file size limit, EFBIG, as ENOSPC on a full
 * disk; SIGXFSZ ignored so that write(2) reports it): the error names the
 * file, the errno and the notification, and no half record is left. */
static void test_file_output_disk_full(void **state)
{
    fixture *f = *state;
    char spec[160], text[512], big[300];
    struct rlimit old, lim;
    sdd_error err;
    sdd_output *o;
    int rc;

    snprintf(spec, sizeof(spec), "file:%s", f->path);
    snprintf(big, sizeof(big), "{\"id\":\"big\",\"anomaly\":[{\"revision\":3}],\"pad\":\"%0200d\"}", 0);
    o = sdd_output_open(spec, &err);
    assert_non_null(o);
    assert_int_equal(sdd_output_write(o, REC("a", 0), strlen(REC("a", 0)), &err), 0);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 100;                                               /* part of the record fits */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    rc = sdd_output_write(o, big, strlen(big), &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, f->path));
    assert_non_null(strstr(err.msg, "File too large (EFBIG): notification big revision 3 not written"));
    read_text(f->path, text, sizeof(text));
    assert_string_equal(text, REC("a", 0) "\n");                     /* cut back */
    assert_int_equal(sdd_output_write(o, REC("b", 0), strlen(REC("b", 0)), &err), 0);
    sdd_output_close(o);
    read_text(f->path, text, sizeof(text));
    assert_string_equal(text, REC("a", 0) "\n" REC("b", 0) "\n");
}

/* conf-examples/sdd.conf spells out sddd's defaults too, and every key of
 * sddd's has its line in docs/configuration.md. */
static void expect_documented(void *ctx, const char *key)
{
    char quoted[128];

    snprintf(quoted, sizeof(quoted), "`%s`", key);
    if (!strstr(ctx, quoted))
        fail_msg("docs/configuration.md does not document %s", key);
}

static void test_settings_example_and_docs(void **state)
{
    (void)state;
    const char *src = getenv("SDD_SRCDIR");
    char path[1024], doc[65536];
    sdd_settings defaults, loaded;
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    FILE *f;
    size_t n;

    sdd_settings_init(&defaults);
    sdd_settings_init(&loaded);
    snprintf(path, sizeof(path), "%s/conf-examples/sdd.conf", src ? src : "..");
    if (sdd_settings_load(&loaded, cfg, path, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(loaded.state_sync_seconds, defaults.state_sync_seconds);
    assert_int_equal(loaded.spool_max_bytes, defaults.spool_max_bytes);
    assert_string_equal(loaded.kafka_group_id, defaults.kafka_group_id);
    assert_string_equal(loaded.output_format, defaults.output_format);
    sdd_config_free(cfg);
    snprintf(path, sizeof(path), "%s/docs/configuration.md", src ? src : "..");
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(doc, 1, sizeof(doc) - 1, f);
    fclose(f);
    doc[n] = '\0';
    sdd_settings_each_key(expect_documented, doc);
}

/* A key of sddd's scoped to a profile is refused with its line. */
static void test_settings_not_scoped(void **state)
{
    (void)state;
    char path[] = "/tmp/sdd-settings-XXXXXX";
    int fd = mkstemp(path);
    sdd_settings set;
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "spool_dir[gold]: /tmp\n", 23), 23);
    close(fd);
    sdd_settings_init(&set);
    assert_int_equal(sdd_settings_load(&set, cfg, path, &err), -1);
    assert_non_null(strstr(err.msg, ":1: spool_dir: a setting of sddd cannot be scoped to profile 'gold'"));
    unlink(path);
    sdd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linereader),
        cmocka_unit_test_setup_teardown(test_file_append_and_partial_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_waited_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin_to_its_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_file_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_file_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_file_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_file_faulty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_fifo_faulty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_stdin_no_blocking_read, setup, teardown),
        cmocka_unit_test(test_spec_parse),
        cmocka_unit_test_setup_teardown(test_kafka_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_source_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_config, setup, teardown),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_settings_example_and_docs),
        cmocka_unit_test(test_settings_not_scoped),
        cmocka_unit_test_setup_teardown(test_file_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_output_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_output_created_not_through_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_output_refuses_other_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_output_disk_full, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
