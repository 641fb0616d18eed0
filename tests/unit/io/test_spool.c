/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_spool.c: the Kafka output's on-disk spool: records read back in the
 * order appended, kept across a reopen, released durably; a torn last
 * record cut off at open; a damaged record in the middle skipped and
 * counted, the records after it kept; a full spool refusing new records
 * (the oldest kept) and counting them; a disk that refuses the write (a
 * file size limit, as ENOSPC would) giving a clear error, counted, the file
 * left usable; a compaction without room failing without losing the
 * release; symlinks where the spool writes never followed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/spool.h"

typedef struct fixture {
    char dir[64];
    char path[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/test_spool.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/spool.dat", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static sdd_spool *open_spool(const fixture *f, uint64_t max)
{
    sdd_error err = {0};
    sdd_spool *s = sdd_spool_open(f->dir, max, NULL, &err);

    if (!s)
        fail_msg("%s", err.msg);
    return s;
}

static void append(sdd_spool *s, const char *text)
{
    sdd_error err;

    assert_int_equal(sdd_spool_append(s, text, strlen(text), &err), 0);
}

/* The records from the head on, joined with '|'. */
static void read_all(sdd_spool *s, char *out, size_t size)
{
    uint64_t pos = 0;
    char *buf;
    size_t len;
    sdd_error err;
    int rc;

    out[0] = '\0';
    while ((rc = sdd_spool_read(s, &pos, &buf, &len, &err)) == 1) {
        assert_int_equal(strlen(buf), len);
        snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "|" : "", buf);
        free(buf);
    }
    assert_int_equal(rc, 0);
}

static uint64_t counter(const sdd_spool *s, size_t offset)
{
    sdd_spool_counters c;

    sdd_spool_get_counters(s, &c);
    return *(const uint64_t *)((const char *)&c + offset);
}
#define COUNTER(s, name) counter(s, offsetof(sdd_spool_counters, name))

static off_t file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void test_order_release_restart(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 1 << 20);
    char text[256];
    uint64_t pos = 0;
    char *buf;
    size_t len;
    sdd_error err;

    append(s, "one");
    append(s, "two");
    append(s, "three");
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "one|two|three");
    assert_int_equal(sdd_spool_read(s, &pos, &buf, &len, &err), 1);   /* "one" delivered */
    free(buf);
    assert_int_equal(sdd_spool_release(s, pos, &err), 0);
    assert_int_equal(sdd_spool_head(s), pos);
    assert_int_equal(COUNTER(s, records), 2);
    sdd_spool_close(s);

    s = open_spool(f, 1 << 20);                                       /* a restart */
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "two|three");
    assert_int_equal(COUNTER(s, records), 2);
    assert_int_equal(sdd_spool_release(s, sdd_spool_end(s), &err), 0);
    assert_int_equal(COUNTER(s, records), 0);
    assert_int_equal(COUNTER(s, bytes), 0);
    assert_int_equal(file_size(f->path), 24);                         /* cut back to its header */
    sdd_spool_close(s);

    s = open_spool(f, 1 << 20);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "");
    sdd_spool_close(s);
}

/* A crash in the middle of an append: a record header promising more bytes
 * than there are. */
static void test_torn_tail(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 1 << 20);
    char text[256];
    off_t whole;
    int fd;

    append(s, "alpha");
    append(s, "beta");
    sdd_spool_close(s);
    whole = file_size(f->path);
    fd = open(f->path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x64\0\0\0\x01\x02\x03\x04gam", 11), 11);
    close(fd);

    s = open_spool(f, 1 << 20);
    assert_int_equal(COUNTER(s, torn_dropped), 1);
    assert_int_equal(file_size(f->path), whole);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "alpha|beta");
    append(s, "gamma");
    sdd_spool_close(s);

    s = open_spool(f, 1 << 20);
    assert_int_equal(COUNTER(s, torn_dropped), 0);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "alpha|beta|gamma");
    sdd_spool_close(s);
}

/* A record whose bytes changed on disk is not taken as a record. */
static void test_corrupt_record(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 1 << 20);
    char text[256];
    int fd;

    append(s, "alpha");
    append(s, "beta");
    sdd_spool_close(s);
    fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, "B", 1, file_size(f->path) - 4), 1);
    close(fd);
    s = open_spool(f, 1 << 20);
    assert_int_equal(COUNTER(s, torn_dropped), 1);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "alpha");
    sdd_spool_close(s);
}

/* One changed byte in a record in the middle (bit rot, not a crash): that
 * record is skipped and counted, the records after it are kept, and the
 * file is rewritten without it. A changed length is found too: the next
 * whole record is looked for byte by byte. Records of 13 bytes from byte 24. */
static void test_damaged_record_skipped(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 1 << 20);
    char text[256];
    int fd;

    append(s, "alpha");
    append(s, "beta_");
    append(s, "gamma");
    append(s, "delta");
    sdd_spool_close(s);
    fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, "B", 1, 24 + 13 + 8), 1);              /* beta's first byte */
    close(fd);
    s = open_spool(f, 1 << 20);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "alpha|gamma|delta");
    assert_int_equal(COUNTER(s, corrupt_skipped), 1);
    assert_int_equal(COUNTER(s, torn_dropped), 0);
    assert_int_equal(COUNTER(s, records), 3);
    sdd_spool_close(s);
    assert_int_equal(file_size(f->path), 24 + 3 * 13);

    fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, "\x02", 1, 24 + 13), 1);               /* gamma's length: 2 */
    close(fd);
    s = open_spool(f, 1 << 20);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "alpha|delta");
    assert_int_equal(COUNTER(s, corrupt_skipped), 1);
    append(s, "omega");
    sdd_spool_close(s);
    s = open_spool(f, 1 << 20);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "alpha|delta|omega");
    assert_int_equal(COUNTER(s, corrupt_skipped), 0);
    sdd_spool_close(s);

    fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, "A", 1, 24 + 8), 1);                  /* the first record */
    close(fd);
    s = open_spool(f, 1 << 20);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "delta|omega");
    assert_int_equal(COUNTER(s, corrupt_skipped), 1);
    sdd_spool_close(s);
}

/* Bound 35 bytes: room for three records of 10 (8 bytes of header each). */
static void test_full_keeps_the_oldest(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 35);
    char text[256];
    sdd_error err;
    uint64_t pos = 0;
    char *buf;
    size_t len;

    append(s, "r1");
    append(s, "r2");
    append(s, "r3");
    assert_int_equal(sdd_spool_append(s, "r4", 2, &err), SDD_SPOOL_FULL);
    assert_non_null(strstr(err.msg, "full"));
    assert_int_equal(sdd_spool_append(s, "r5", 2, &err), SDD_SPOOL_FULL);
    assert_int_equal(COUNTER(s, refused_full), 2);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r1|r2|r3");
    assert_int_equal(sdd_spool_read(s, &pos, &buf, &len, &err), 1);   /* r1 delivered: room again */
    free(buf);
    assert_int_equal(sdd_spool_release(s, pos, &err), 0);
    append(s, "r6");
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r2|r3|r6");
    sdd_spool_close(s);
}

/* Released bytes that outgrow the bound are reclaimed by copying the live
 * records to a new file. */
static void test_compaction(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 40);
    char text[256], rec[8];
    sdd_error err;
    uint64_t pos = 0;
    char *buf;
    size_t len;

    for (int i = 0; i < 20; i++) {
        snprintf(rec, sizeof(rec), "r%02d", i);
        append(s, rec);                                               /* 11 bytes each */
        assert_int_equal(sdd_spool_read(s, &pos, &buf, &len, &err), 1);
        free(buf);
        if (i > 0)                                                    /* always one live record */
            assert_int_equal(sdd_spool_release(s, pos - 11, &err), 0);
    }
    assert_true(file_size(f->path) <= 24 + 40 + 22);      /* never much more than the bound */
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r19");
    sdd_spool_close(s);
    s = open_spool(f, 40);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r19");
    sdd_spool_close(s);
}

/* The disk refuses the write: a file size limit (EFBIG, as ENOSPC on a full
 * disk), SIGXFSZ ignored so that write(2) reports it. */
static void test_disk_full(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 1 << 20);
    struct rlimit old, lim;
    char big[200], text[256];
    sdd_error err;
    off_t before;

    append(s, "kept");
    before = file_size(f->path);
    memset(big, 'x', sizeof(big));
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)before + 100;                             /* half the record fits */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = sdd_spool_append(s, big, sizeof(big), &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);

    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "append: File too large (EFBIG)"));
    assert_int_equal(COUNTER(s, write_errors), 1);
    assert_int_equal(COUNTER(s, records), 1);
    assert_int_equal(file_size(f->path), before);                     /* the half record is gone */
    append(s, "after");
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "kept|after");
    sdd_spool_close(s);
}

/* Delivers the head record: read it, release up to after it. */
static void deliver_one(sdd_spool *s)
{
    uint64_t pos = sdd_spool_head(s);
    char *buf;
    size_t len;
    sdd_error err;

    assert_int_equal(sdd_spool_read(s, &pos, &buf, &len, &err), 1);
    free(buf);
    assert_int_equal(sdd_spool_release(s, pos, &err), 0);
}

/* A compaction the disk has no room for (a file size limit, as a full disk
 * would): the release is reported, yet durable; the compaction is made at
 * a later release, once there is room. */
static void test_compaction_on_a_full_disk(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 40);
    struct rlimit old, lim;
    char text[256], new_path[160];
    uint64_t pos;
    char *buf;
    size_t len;
    sdd_error err;

    append(s, "r00");                                                 /* 11 bytes each */
    append(s, "r01");
    append(s, "r02");
    deliver_one(s);
    append(s, "r03");
    deliver_one(s);
    append(s, "r04");
    deliver_one(s);
    append(s, "r05");                                                 /* 33 released, r03..r05 live */
    pos = sdd_spool_head(s);
    assert_int_equal(sdd_spool_read(s, &pos, &buf, &len, &err), 1);   /* r03 */
    free(buf);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 30;                                                /* the copy needs 24 + 22 */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = sdd_spool_release(s, pos, &err);                         /* 44 released: compaction */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);

    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "compacting: File too large (EFBIG)"));
    snprintf(new_path, sizeof(new_path), "%s.new", f->path);
    assert_int_equal(access(new_path, F_OK), -1);                      /* the half copy is gone */
    assert_int_equal(COUNTER(s, records), 2);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r04|r05");
    sdd_spool_close(s);
    s = open_spool(f, 40);                                            /* the release was durable */
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r04|r05");
    assert_true(file_size(f->path) > 24 + 40);
    deliver_one(s);                                                   /* room again: compacted */
    assert_int_equal(file_size(f->path), 24 + 11);
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r05");
    sdd_spool_close(s);
}

/* A symlink planted where a compaction writes its new file: the copy is
 * made as a file of its own, the symlink's target is not written; and a
 * spool file that is itself a symlink is refused. */
static void test_symlinks_not_followed(void **state)
{
    fixture *f = *state;
    sdd_spool *s = open_spool(f, 40);
    char victim[160], new_path[160], text[64] = {0};
    sdd_error err;
    FILE *fp;

    snprintf(victim, sizeof(victim), "%s/victim", f->dir);
    snprintf(new_path, sizeof(new_path), "%s.new", f->path);
    fp = fopen(victim, "w");
    fputs("precious", fp);
    fclose(fp);
    assert_int_equal(symlink(victim, new_path), 0);
    append(s, "r00");                                                 /* 11 bytes each */
    append(s, "r01");
    append(s, "r02");
    deliver_one(s);
    append(s, "r03");
    deliver_one(s);
    append(s, "r04");
    deliver_one(s);
    append(s, "r05");
    deliver_one(s);                                                   /* 44 released: compaction */
    fp = fopen(victim, "r");
    assert_int_equal(fread(text, 1, sizeof(text) - 1, fp), 8);
    fclose(fp);
    assert_string_equal(text, "precious");
    read_all(s, text, sizeof(text));
    assert_string_equal(text, "r04|r05");
    assert_int_equal(file_size(f->path), 24 + 22);                    /* compacted all the same */
    sdd_spool_close(s);

    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(symlink(victim, f->path), 0);
    assert_null(sdd_spool_open(f->dir, 1 << 20, NULL, &err));
    assert_non_null(strstr(err.msg, "symbolic link"));
    unlink(victim);
}

static void test_not_a_spool(void **state)
{
    fixture *f = *state;
    sdd_error err;
    FILE *out = fopen(f->path, "w");

    fputs("some other file that is long enough to have a header\n", out);
    fclose(out);
    assert_null(sdd_spool_open(f->dir, 1 << 20, NULL, &err));
    assert_non_null(strstr(err.msg, "not a spool file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_release_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_record_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_keeps_the_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction_on_a_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_spool, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
