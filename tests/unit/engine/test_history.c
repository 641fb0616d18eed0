/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_history.c: the history store: its 16-bit value encoding, ring
 * semantics (wrap-around, gaps, late and too-old writes), persistence across
 * reopen and crashes, and the refusal of files it must not read as data,
 * damaged headers and entity blocks alike, or reach through a symlink. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/history.h"

/* Where the file format puts things (see the top of history.c); the tests
 * damage files on purpose at these places. */
#define COPY_SPACING 2048
#define OFF_VERSION 8
#define OFF_GENERATION 16
#define OFF_CLEAN 60
#define OFF_CHECKSUM 120
#define HEADER_BYTES_IN_FILE 4096   /* entity blocks start here, key first */

static const sdd_history_shape default_shape = {
    .slot_seconds = SDD_HISTORY_SLOT_SECONDS,
    .long_slots = SDD_HISTORY_LONG_SLOTS,
    .short_slots = SDD_HISTORY_SHORT_SLOTS,
    .long_series = 4,
    .short_series = 24,
};

struct fixture {
    char dir[64];
    char path[128];
    char undo[136];                 /* the store's undo log, PATH.undo */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_history.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/history.sdd", f->dir);
    snprintf(f->undo, sizeof(f->undo), "%s.undo", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    unlink(f->path);
    unlink(f->undo);
    rmdir(f->dir);
    free(f);
    return 0;
}

static sdd_history *open_ok(const char *path, const sdd_history_shape *shape)
{
    sdd_error err = {0};
    sdd_history *h = sdd__history_open(path, shape, &err);

    if (!h)
        print_error("open failed: %s\n", err.msg);
    assert_non_null(h);
    return h;
}

/* Opening must fail, with a message that says why. */
static void open_refused(const char *path, const sdd_history_shape *shape, const char *why)
{
    sdd_error err = {0};
    sdd_history *h = sdd__history_open(path, shape, &err);

    assert_null(h);
    if (!strstr(err.msg, why))
        print_error("message \"%s\" does not say \"%s\"\n", err.msg, why);
    assert_non_null(strstr(err.msg, why));
}

static double get(const sdd_history *h, int32_t e, int tier, uint16_t series, int64_t slot)
{
    double v = -1;

    return sdd__history_get(h, e, tier, series, slot, &v) ? v : NAN;
}

static void poke(const char *path, long offset, const void *bytes, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);

    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, len, offset), (ssize_t)len);
    close(fd);
}

static uint64_t peek_u64(const char *path, long offset)
{
    uint64_t v = 0;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &v, sizeof(v), offset), (ssize_t)sizeof(v));
    close(fd);
    return v;
}

/* Flips one byte in the header copy `copy`. */
static void damage_copy(const char *path, int copy, long offset)
{
    uint8_t b;
    int fd = open(path, O_RDWR);

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, copy * COPY_SPACING + offset), 1);
    b ^= 0x5a;
    assert_int_equal(pwrite(fd, &b, 1, copy * COPY_SPACING + offset), 1);
    close(fd);
}

/* A store file with one entity "64497:4438" holding 42 in long series 1 at
 * slot 1000, closed cleanly. */
static void make_small_file(const char *path)
{
    sdd_history *h = open_ok(path, &default_shape);
    int32_t e = sdd__history_entity(h, "64497:4438", NULL);

    assert_int_equal(e, 0);
    assert_int_equal(sdd__history_add(h, e, 0, 1, 1000, 42), 0);
    sdd__history_close(h);
}

/* ---- encoding ---------------------------------------------------------- */

static void test_encode_small_exact(void **state)
{
    (void)state;
    for (int v = 0; v <= 2048; v++)
        assert_true(sdd__history_decode(sdd__history_encode(v)) == v);
    assert_int_not_equal(sdd__history_encode(0), SDD_HISTORY_NO_DATA);
    /* below 1024 the error is absolute: at most half a unit */
    for (double v = 0; v < 1024; v += 0.37)
        assert_true(fabs(sdd__history_decode(sdd__history_encode(v)) - v) <= 0.5);
}

static void test_encode_error_bound(void **state)
{
    double worst = 0;

    (void)state;
    for (double v = 1024; v < SDD_HISTORY_VALUE_MAX; v *= 1.000123) {
        double d = sdd__history_decode(sdd__history_encode(v));
        double rel = fabs(d - v) / v;
        if (rel > worst)
            worst = rel;
    }
    assert_true(worst <= ldexp(1, -11));
    assert_true(worst > ldexp(1, -12));   /* the sweep did hit the worst cases */
    assert_true(fabs(sdd__history_decode(sdd__history_encode(1e15)) - 1e15) <= 1e15 * ldexp(1, -11));
}

static void test_encode_monotonic(void **state)
{
    uint16_t prev = sdd__history_encode(0);

    (void)state;
    for (uint32_t c = 1; c < UINT16_MAX; c++) {
        assert_true(sdd__history_decode((uint16_t)(c + 1)) > sdd__history_decode((uint16_t)c));
        assert_int_equal(sdd__history_encode(sdd__history_decode((uint16_t)c)), c);
    }
    for (double v = 0.25; v < 1e22; v *= 1.01) {
        uint16_t code = sdd__history_encode(v);
        assert_true(code >= prev);
        prev = code;
    }
}

static void test_encode_saturates(void **state)
{
    (void)state;
    assert_int_equal(sdd__history_encode(SDD_HISTORY_VALUE_MAX), UINT16_MAX);
    assert_int_equal(sdd__history_encode(SDD_HISTORY_VALUE_MAX * 2), UINT16_MAX);
    assert_int_equal(sdd__history_encode(1e300), UINT16_MAX);
    assert_int_equal(sdd__history_encode(INFINITY), UINT16_MAX);
    assert_true(sdd__history_decode(UINT16_MAX) == SDD_HISTORY_VALUE_MAX);
    assert_true(SDD_HISTORY_VALUE_MAX >= 1e15);
    assert_int_equal(sdd__history_encode(-5), sdd__history_encode(0));
    assert_int_equal(sdd__history_encode(NAN), sdd__history_encode(0));
}

/* ---- rings ------------------------------------------------------------- */

static void test_add_get(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "64497:4438", NULL);

    (void)state;
    assert_int_equal(sdd__history_newest(h, e), INT64_MIN);
    assert_int_equal(sdd__history_get(h, e, 0, 0, 0, NULL), 0);
    assert_int_equal(sdd__history_add(h, e, 0, 3, 500, 1500), 0);
    assert_int_equal(sdd__history_add(h, e, 0, 3, 500, 25), 0);
    assert_int_equal(sdd__history_add(h, e, 1, 23, 500, 0), 0);
    assert_true(get(h, e, 0, 3, 500) == 1525);
    assert_true(get(h, e, 1, 23, 500) == 0);   /* zero is data, not "no data" */
    assert_true(isnan(get(h, e, 0, 2, 500)));
    assert_true(isnan(get(h, e, 1, 3, 500)));
    assert_true(isnan(get(h, e, 0, 3, 501)));
    assert_int_equal(sdd__history_newest(h, e), 500);
    /* out of range: refused, nothing written */
    assert_int_equal(sdd__history_add(h, e, 0, 4, 500, 1), -1);
    assert_int_equal(sdd__history_add(h, e, 1, 24, 500, 1), -1);
    assert_int_equal(sdd__history_add(h, e, 2, 0, 500, 1), -1);
    assert_int_equal(sdd__history_add(h, e, 0, 3, 500, -1), -1);
    assert_int_equal(sdd__history_add(h, e, 0, 3, 500, NAN), -1);
    assert_int_equal(sdd__history_add(h, e, 0, 3, 500, INFINITY), -1);
    assert_int_equal(sdd__history_add(h, 1, 0, 0, 500, 1), -1);
    assert_int_equal(sdd__history_add(h, e, 0, 3, INT64_MAX, 1), -1);
    assert_int_equal(sdd__history_get(h, 1, 0, 0, 500, NULL), 0);
    assert_true(get(h, e, 0, 3, 500) == 1525);
    assert_int_equal(sdd__history_newest(h, e), 500);
    sdd__history_close(h);
}

/* Many small adds into a large counter are exact while the slot is open,
 * and within the encoding's bound once it is not. */
static void test_open_slots_exact(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);
    double want = 1e9 + 10000;

    (void)state;
    assert_int_equal(sdd__history_add(h, e, 0, 0, 7, 1e9), 0);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(sdd__history_add(h, e, 0, 0, 7, 1), 0);
    assert_true(get(h, e, 0, 0, 7) == want);
    assert_int_equal(sdd__history_add(h, e, 0, 0, 7 + SDD_HISTORY_OPEN_SLOTS - 1, 1), 0);
    assert_true(get(h, e, 0, 0, 7) == want);   /* still open */
    assert_int_equal(sdd__history_add(h, e, 0, 0, 7 + SDD_HISTORY_OPEN_SLOTS, 1), 0);
    assert_true(get(h, e, 0, 0, 7) != want);   /* now read from its code */
    assert_true(get(h, e, 0, 0, 7 + SDD_HISTORY_OPEN_SLOTS) == 1);   /* a fresh exact sum */
    assert_true(fabs(get(h, e, 0, 0, 7) - want) <= want * ldexp(1, -11));
    sdd__history_close(h);
}

/* More than two weeks of slots through the long ring and many rounds of
 * the short one: exactly the last ring-full of slots is readable. */
static void test_wrap_around(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);
    const int64_t first = 28000000, n = 2 * SDD_HISTORY_LONG_SLOTS + 17;
    const int64_t last = first + n - 1;

    (void)state;
    for (int64_t s = first; s <= last; s++) {
        assert_int_equal(sdd__history_add(h, e, 0, 2, s, (double)(s % 2000)), 0);
        assert_int_equal(sdd__history_add(h, e, 1, 5, s, (double)(s % 1000)), 0);
    }
    for (int64_t s = first; s <= last; s++) {
        int in_long = s > last - SDD_HISTORY_LONG_SLOTS;
        int in_short = s > last - SDD_HISTORY_SHORT_SLOTS;
        assert_int_equal(sdd__history_get(h, e, 0, 2, s, NULL), in_long);
        assert_int_equal(sdd__history_get(h, e, 1, 5, s, NULL), in_short);
        if (in_long)
            assert_true(get(h, e, 0, 2, s) == (double)(s % 2000));
        if (in_short)
            assert_true(get(h, e, 1, 5, s) == (double)(s % 1000));
    }
    sdd__history_close(h);
}

static void test_gaps_are_no_data(void **state)
{
    sdd_history_shape shape = {60, 50, 10, 1, 1, 0, 0, 0};
    sdd_history *h = open_ok(NULL, &shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    (void)state;
    for (int64_t s = 0; s < 50; s++) {
        assert_int_equal(sdd__history_add(h, e, 0, 0, s, 7), 0);
        assert_int_equal(sdd__history_add(h, e, 1, 0, s, 8), 0);
    }
    /* slots 50..52 take the positions of 0..2: their old content must not show */
    assert_int_equal(sdd__history_add(h, e, 0, 0, 53, 9), 0);
    for (int64_t s = 50; s < 53; s++)
        assert_int_equal(sdd__history_get(h, e, 0, 0, s, NULL), 0);
    for (int64_t s = 4; s < 50; s++)
        assert_true(get(h, e, 0, 0, s) == 7);
    assert_int_equal(sdd__history_get(h, e, 0, 0, 3, NULL), 0);   /* left the ring */
    assert_true(get(h, e, 0, 0, 53) == 9);
    /* the short tier's gap is no data too, and so is the new slot there */
    for (int64_t s = 50; s <= 53; s++)
        assert_int_equal(sdd__history_get(h, e, 1, 0, s, NULL), 0);
    for (int64_t s = 44; s < 50; s++)
        assert_true(get(h, e, 1, 0, s) == 8);
    /* a jump longer than the ring leaves only the new slot */
    assert_int_equal(sdd__history_add(h, e, 0, 0, 53 + 50 + 5, 3), 0);
    for (int64_t s = 0; s < 108; s++)
        assert_int_equal(sdd__history_get(h, e, 0, 0, s, NULL), 0);
    assert_true(get(h, e, 0, 0, 108) == 3);
    sdd__history_close(h);
}

static void test_late_write(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    (void)state;
    assert_int_equal(sdd__history_add(h, e, 0, 0, 100, 5), 0);
    assert_int_equal(sdd__history_add(h, e, 0, 0, 200, 1), 0);
    assert_int_equal(sdd__history_add(h, e, 0, 0, 150, 7), 0);     /* a gap slot */
    assert_int_equal(sdd__history_add(h, e, 0, 0, 100, 5), 0);     /* a slot with data */
    assert_int_equal(sdd__history_add(h, e, 0, 0, 199, 2), 0);     /* an open slot */
    assert_true(get(h, e, 0, 0, 150) == 7);
    assert_true(get(h, e, 0, 0, 100) == 10);
    assert_true(get(h, e, 0, 0, 199) == 2);
    assert_int_equal(sdd__history_newest(h, e), 200);
    assert_int_equal(sdd__history_add(h, e, 0, 0, 200, 1), 0);
    assert_true(get(h, e, 0, 0, 200) == 2);
    sdd__history_close(h);
}

/* set replaces what add accumulated, in an open slot and in an older one. */
static void test_set_replaces(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    (void)state;
    assert_int_equal(sdd__history_add(h, e, 0, 0, 100, 5), 0);
    assert_int_equal(sdd__history_set(h, e, 0, 0, 100, 3), 0);
    assert_true(get(h, e, 0, 0, 100) == 3);
    assert_int_equal(sdd__history_add(h, e, 0, 0, 110, 1), 0);     /* 100 is no longer open */
    assert_int_equal(sdd__history_set(h, e, 0, 0, 100, 9), 0);
    assert_true(get(h, e, 0, 0, 100) == 9);
    assert_int_equal(sdd__history_set(h, e, 0, 0, 120, 1e6 + 1), 0); /* exact in an open slot */
    assert_true(get(h, e, 0, 0, 120) == 1e6 + 1);
    assert_int_equal(sdd__history_set(h, e, 0, 0, 120, -1), -1);
    sdd__history_close(h);
}

/* rewind forgets the newer slots in both tiers; what is older stays, and
 * writing forward again works as on a fresh entity. */
static void test_rewind(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    (void)state;
    for (int64_t slot = 100; slot <= 110; slot++) {
        assert_int_equal(sdd__history_add(h, e, 0, 0, slot, (double)slot), 0);
        assert_int_equal(sdd__history_add(h, e, 1, 2, slot, 1), 0);
    }
    sdd__history_rewind(h, e, 106);
    assert_int_equal(sdd__history_newest(h, e), 105);
    assert_true(get(h, e, 0, 0, 105) == 105);
    assert_true(get(h, e, 0, 0, 103) == 103);     /* open again: its sum from the code */
    assert_true(get(h, e, 1, 2, 100) == 1);
    assert_false(sdd__history_get(h, e, 0, 0, 106, NULL));
    assert_int_equal(sdd__history_add(h, e, 0, 0, 108, 1), 0);
    assert_false(sdd__history_get(h, e, 0, 0, 106, NULL));
    assert_false(sdd__history_get(h, e, 1, 2, 107, NULL));
    assert_true(get(h, e, 0, 0, 108) == 1);      /* not 108 + 1 */
    sdd__history_rewind(h, e, 200);               /* nothing that new: nothing changes */
    assert_int_equal(sdd__history_newest(h, e), 108);
    sdd__history_close(h);
}

static void test_write_older_than_ring(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);
    const int64_t now = 1000000;

    (void)state;
    assert_int_equal(sdd__history_add(h, e, 0, 0, now, 1), 0);
    assert_int_equal(sdd__history_add(h, e, 0, 0, now - SDD_HISTORY_LONG_SLOTS, 1), -1);
    assert_int_equal(sdd__history_add(h, e, 0, 0, now - SDD_HISTORY_LONG_SLOTS + 1, 1), 0);
    /* older than the short ring, still inside the long one */
    assert_int_equal(sdd__history_add(h, e, 1, 0, now - SDD_HISTORY_SHORT_SLOTS, 1), -1);
    assert_int_equal(sdd__history_add(h, e, 0, 0, now - SDD_HISTORY_SHORT_SLOTS, 1), 0);
    assert_int_equal(sdd__history_get(h, e, 0, 0, now - SDD_HISTORY_LONG_SLOTS, NULL), 0);
    assert_int_equal(sdd__history_get(h, e, 1, 0, now - SDD_HISTORY_SHORT_SLOTS, NULL), 0);
    /* the position an ignored write would have taken still holds the newest slot */
    assert_true(get(h, e, 0, 0, now) == 1);
    assert_int_equal(sdd__history_newest(h, e), now);
    sdd__history_close(h);
}

static void test_entities(void **state)
{
    sdd_history *h = open_ok(NULL, &default_shape);
    sdd_error err = {0};
    char long_key[SDD_HISTORY_KEY_MAX + 1];

    (void)state;
    assert_int_equal(sdd__history_count(h), 0);
    assert_int_equal(sdd__history_find(h, "64497:4438"), -1);
    assert_int_equal(sdd__history_entity(h, "64497:4438", &err), 0);
    assert_int_equal(sdd__history_entity(h, "64497:1", &err), 1);
    assert_int_equal(sdd__history_entity(h, "64497:4438", &err), 0);
    assert_int_equal(sdd__history_find(h, "64497:1"), 1);
    assert_int_equal(sdd__history_count(h), 2);
    assert_string_equal(sdd__history_key(h, 1), "64497:1");
    assert_null(sdd__history_key(h, 2));
    assert_null(sdd__history_key(h, -1));
    memset(long_key, 'x', SDD_HISTORY_KEY_MAX);
    long_key[SDD_HISTORY_KEY_MAX] = '\0';
    assert_int_equal(sdd__history_entity(h, long_key, &err), -1);
    assert_non_null(strstr(err.msg, "key"));
    long_key[SDD_HISTORY_KEY_MAX - 1] = '\0';   /* 63 bytes: the longest key */
    assert_int_equal(sdd__history_entity(h, long_key, &err), 2);
    assert_int_equal(sdd__history_entity(h, "", &err), -1);
    assert_int_equal(sdd__history_count(h), 3);
    sdd__history_close(h);
}

/* ---- files ------------------------------------------------------------- */

static void test_reopen_keeps_data(void **state)
{
    struct fixture *f = *state;
    sdd_history *h = open_ok(f->path, &default_shape);
    int32_t a = sdd__history_entity(h, "64497:4438", NULL);
    int32_t b = sdd__history_entity(h, "64497:77", NULL);

    assert_int_equal(sdd__history_add(h, a, 0, 1, 30000, 123456789), 0);
    assert_int_equal(sdd__history_add(h, b, 1, 20, 29990, 3), 0);
    assert_int_equal(sdd__history_add(h, b, 1, 20, 30000, 4), 0);
    sdd__history_close(h);

    h = open_ok(f->path, &default_shape);
    assert_int_equal(sdd__history_recovered(h), 0);
    assert_int_equal(sdd__history_count(h), 2);
    assert_int_equal(sdd__history_find(h, "64497:4438"), a);
    assert_int_equal(sdd__history_find(h, "64497:77"), b);
    assert_string_equal(sdd__history_key(h, b), "64497:77");
    assert_true(get(h, a, 0, 1, 30000) == 123456789);   /* exact: still an open slot */
    assert_true(get(h, b, 1, 20, 29990) == 3);
    assert_true(get(h, b, 1, 20, 30000) == 4);
    assert_int_equal(sdd__history_newest(h, a), 30000);
    assert_int_equal(sdd__history_entity(h, "64497:9", NULL), 2);
    sdd__history_close(h);
}

/* A writer that dies without syncing or closing loses nothing it wrote, and
 * the next open says the file was not closed cleanly. */
static void test_crash_keeps_written_data(void **state)
{
    struct fixture *f = *state;
    int status = 0;
    pid_t pid;
    sdd_history *h;

    make_small_file(f->path);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sdd_history *c = sdd__history_open(f->path, &default_shape, NULL);
        int32_t e = c ? sdd__history_entity(c, "64497:5", NULL) : -1;
        int ok = e == 1 && sdd__history_add(c, e, 1, 0, 1001, 17) == 0;
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    h = open_ok(f->path, &default_shape);
    assert_int_equal(sdd__history_recovered(h), 1);
    assert_int_equal(sdd__history_find(h, "64497:5"), 1);
    assert_true(get(h, 1, 1, 0, 1001) == 17);
    assert_true(get(h, 0, 0, 1, 1000) == 42);
    assert_int_equal(sdd__history_sync(h, NULL), 0);
    sdd__history_close(h);
    h = open_ok(f->path, &default_shape);
    assert_int_equal(sdd__history_recovered(h), 0);
    sdd__history_close(h);
}

/* A ring of 10 and one of 5 slots, two series each. */
static const sdd_history_shape small_shape = {
    .slot_seconds = 60, .long_slots = 10, .short_slots = 5, .long_series = 2, .short_series = 2,
};

/* Slot s of the small store holds s + 0.25 (an exact sum while open) in
 * long series 1 and 2 * s in short series 0. */
static void write_slots(sdd_history *h, int32_t e, int64_t from, int64_t to)
{
    for (int64_t s = from; s <= to; s++) {
        assert_int_equal(sdd__history_add(h, e, 0, 1, s, (double)s), 0);
        assert_int_equal(sdd__history_add(h, e, 0, 1, s, 0.25), 0);
        assert_int_equal(sdd__history_set(h, e, 1, 0, s, 2.0 * (double)s), 0);
    }
}

/* What write_slots(.., 0, 9) left, and nothing newer. */
static void assert_slots_0_to_9(const sdd_history *h, int32_t e)
{
    assert_int_equal(sdd__history_newest(h, e), 9);
    for (int64_t s = 0; s <= 9; s++)
        assert_true(get(h, e, 0, 1, s) == (s >= 6 ? (double)s + 0.25 : round((double)s + 0.25)));
    for (int64_t s = 5; s <= 9; s++)
        assert_true(get(h, e, 1, 0, s) == 2.0 * (double)s);
    assert_false(sdd__history_get(h, e, 1, 0, 4, NULL));       /* older than the short ring */
}

/* Checkpoint 1 taken at slot 9 (synced, then the undo log begun); the
 * writer goes on to slot 40, past both rings, and stops without another
 * checkpoint. Rolled back to checkpoint 1, every slot is as it was, exact
 * sums of the open slots included, and stays so on disk; a torn record at
 * the log's end is left out, and so is a log of another checkpoint. As the
 * engine does, each open rolls back to the checkpoint (nothing, when the
 * log is empty), which also starts keeping. */
static void test_roll_back_to_checkpoint(void **state)
{
    struct fixture *f = *state;
    sdd_history *h = open_ok(f->path, &small_shape);
    int32_t e = sdd__history_entity(h, "64497:1", NULL);
    int fd;

    assert_int_equal(sdd__history_epoch(h), 0);
    write_slots(h, e, 0, 9);
    assert_int_equal(sdd__history_sync(h, NULL), 0);
    assert_int_equal(sdd__history_begin(h, 1, NULL), 0);
    write_slots(h, e, 10, 40);
    sdd__history_close(h);
    fd = open(f->undo, O_WRONLY | O_APPEND);                   /* half a record: a crash while appending */
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x10\0\0\0\0\0\0\0\x02", 9), 9);
    close(fd);

    h = open_ok(f->path, &small_shape);
    assert_int_equal(sdd__history_epoch(h), 1);
    assert_int_equal(sdd__history_newest(h, e), 40);
    assert_int_equal(sdd__history_roll_back(h, 1, NULL), 0);
    assert_slots_0_to_9(h, e);
    sdd__history_close(h);
    h = open_ok(f->path, &small_shape);                        /* on disk; the log started over */
    assert_int_equal(sdd__history_roll_back(h, 1, NULL), 0);
    assert_slots_0_to_9(h, e);
    write_slots(h, e, 10, 12);
    sdd__history_close(h);
    h = open_ok(f->path, &small_shape);
    assert_int_equal(sdd__history_roll_back(h, 1, NULL), 0);
    assert_slots_0_to_9(h, e);
    write_slots(h, e, 10, 12);
    sdd__history_close(h);
    h = open_ok(f->path, &small_shape);
    assert_int_equal(sdd__history_roll_back(h, 2, NULL), 0);  /* another checkpoint's log: left out */
    assert_int_equal(sdd__history_newest(h, e), 12);
    sdd__history_close(h);
}

/* A long ring of 10 slots, a coarse ring of 4 coarse slots of 3: coarse
 * slot c covers slots 3c .. 3c+2. */
static const sdd_history_shape coarse_shape = {
    .slot_seconds = 60, .long_slots = 10, .short_slots = 5, .long_series = 3, .short_series = 1,
    .coarse_slots = 4, .coarse_factor = 3, .coarse_series = 2,
};

/* Slot s holds s in long series 0, except `missing`. */
static void write_plain(sdd_history *h, int32_t e, int64_t from, int64_t to, int64_t missing, double plus)
{
    for (int64_t s = from; s <= to; s++)
        if (s != missing)
            assert_int_equal(sdd__history_set(h, e, 0, 0, s, (double)s + plus), 0);
}

/* A coarse slot is the mean of its slots with data, folded as its first
 * slot leaves the long ring; the baseline read takes the long ring while
 * it holds the slot, the coarse ring after; the coarse ring holds 4. */
static void test_coarse_fold(void **state)
{
    sdd_history *h = open_ok(NULL, &coarse_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);
    double v = -1;

    (void)state;
    write_plain(h, e, 0, 30, 13, 0);        /* long ring: 21..30; folded: up to 20 / 3 = 6 */
    assert_true(get(h, e, 2, 0, 6) == 19);  /* (18 + 19 + 20) / 3 */
    assert_true(get(h, e, 2, 0, 4) == 13);  /* (12 + 14) / 2: 13 has no data */
    assert_true(get(h, e, 2, 0, 3) == 10);
    assert_true(isnan(get(h, e, 2, 0, 2)));   /* older than the ring of 4 */
    assert_true(isnan(get(h, e, 2, 0, 7)));   /* not folded yet: 21 is in the long ring */
    assert_true(isnan(get(h, e, 2, 1, 6)));   /* series 1 never written */
    assert_true(isnan(get(h, e, 2, 2, 6)));   /* series 2 not kept coarse */
    assert_int_equal(sdd__history_set(h, e, 0, 2, 30, 5), 0);
    assert_int_equal(sdd__history_get_baseline(h, e, 2, 30, &v), 1);
    assert_int_equal(sdd__history_get_baseline(h, e, 2, 20, &v), 0);
    assert_int_equal(sdd__history_get_baseline(h, e, 0, 21, &v), 1);
    assert_true(v == 21);
    assert_int_equal(sdd__history_get_baseline(h, e, 0, 20, &v), 1);
    assert_true(v == 19);
    assert_int_equal(sdd__history_get_baseline(h, e, 0, 8, &v), 0);
    assert_int_equal(sdd__history_add(h, e, 2, 0, 6, 1), -1);     /* read only */
    write_plain(h, e, 60, 60, -1, 0);       /* a gap: what the ring held is folded, the rest no data */
    assert_true(isnan(get(h, e, 2, 0, 16)));
    assert_true(isnan(get(h, e, 2, 0, 13)));
    sdd__history_close(h);
}

/* Entity 0 of a store of the coarse shape: each ring, the open slots'
 * exact sums, a slot without data, a gap. */
static sdd_history *reads_store(void)
{
    sdd_history *h = open_ok(NULL, &coarse_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    write_plain(h, e, 0, 30, 13, 0);
    write_plain(h, e, 33, 34, 31, 0.25);    /* 31 and 32: no data */
    assert_int_equal(sdd__history_set(h, e, 0, 1, 34, 123456.7), 0);   /* exact in an open slot only */
    assert_int_equal(sdd__history_set(h, e, 0, 1, 31, 98765.4), 0);    /* the oldest open slot */
    assert_int_equal(sdd__history_set(h, e, 1, 0, 33, 7), 0);
    return h;
}

/* A window read in one call gives, slot by slot, what sdd__history_get
 * (each tier) and sdd__history_get_baseline give, NAN where they have no
 * data, and counts the slots with data: windows before, across and after
 * each ring. */
static void test_window_reads(void **state)
{
    sdd_history *h = reads_store();
    int32_t e = 0;
    double out[24], v;

    (void)state;
    for (int tier = 0; tier < 3; tier++)
        for (uint16_t series = 0; series < 3; series++)
            for (int64_t first = -4; first < 40; first++)
                for (int n = 1; n <= 24; n++) {
                    int present = sdd__history_read(h, e, tier, series, first, n, out), want = 0;
                    for (int i = 0; i < n; i++) {
                        v = get(h, e, tier, series, first + i);
                        assert_true(isnan(v) ? isnan(out[i]) : out[i] == v);
                        want += !isnan(v);
                    }
                    assert_int_equal(present, want);
                    if (tier)
                        continue;
                    present = sdd__history_read_baseline(h, e, series, first, n, out), want = 0;
                    for (int i = 0; i < n; i++) {
                        int got = sdd__history_get_baseline(h, e, series, first + i, &v);
                        assert_true(got ? out[i] == v : isnan(out[i]));
                        want += got;
                    }
                    assert_int_equal(present, want);
                }
    assert_true(sdd__history_read(h, e, 0, 1, 30, 5, out) == 2 && out[1] == 98765.4 && out[4] == 123456.7);
    assert_int_equal(sdd__history_read(h, e, 3, 0, 30, 2, out), 0);    /* no such tier */
    assert_true(isnan(out[0]) && isnan(out[1]));
    assert_int_equal(sdd__history_read(h, 1, 0, 0, 30, 2, out), 0);    /* no such entity */
    sdd__history_close(h);
}

/* A row read gives each series of the slot what sdd__history_get gives,
 * for every run of series of both tiers and every slot, in the rings and
 * out of them; no row of the coarse tier, none past the last series. */
static void test_row_reads(void **state)
{
    sdd_history *h = reads_store();
    double out[3], v;

    (void)state;
    for (int tier = 0; tier < 2; tier++) {
        int series = tier ? coarse_shape.short_series : coarse_shape.long_series;
        for (int first = 0; first < series; first++)
            for (int n = 1; first + n <= series; n++)
                for (int64_t slot = -4; slot < 40; slot++) {
                    int present = sdd__history_read_row(h, 0, tier, (uint16_t)first, n, slot, out), want = 0;
                    for (int i = 0; i < n; i++) {
                        v = get(h, 0, tier, (uint16_t)(first + i), slot);
                        assert_true(isnan(v) ? isnan(out[i]) : out[i] == v);
                        want += !isnan(v);
                    }
                    assert_int_equal(present, want);
                }
    }
    assert_true(sdd__history_read_row(h, 0, 0, 1, 1, 34, out) == 1 && out[0] == 123456.7);
    assert_int_equal(sdd__history_read_row(h, 0, 2, 0, 1, 7, out), 0);   /* the coarse tier */
    assert_true(isnan(out[0]));
    assert_int_equal(sdd__history_read_row(h, 0, 0, 2, 2, 30, out), 0);  /* series 2 and 3 of 3 */
    assert_true(isnan(out[0]) && isnan(out[1]));
    sdd__history_close(h);
}

/* Rewound and written again (as a restart from a checkpoint does), a
 * coarse slot folded before keeps its value, even when the slots it came
 * from are written otherwise; the next ones fold as they leave. */
static void test_coarse_folds_once(void **state)
{
    sdd_history *h = open_ok(NULL, &coarse_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    (void)state;
    write_plain(h, e, 0, 30, -1, 0);
    sdd__history_rewind(h, e, 25);
    write_plain(h, e, 25, 33, -1, 100);
    assert_true(get(h, e, 2, 0, 6) == 19);
    assert_true(get(h, e, 2, 0, 7) == 22);  /* 21..23, from the long ring */
    sdd__history_close(h);
}

/* A restart from a checkpoint gets the coarse ring back as it was, however
 * far the engine went on and folded. */
static void test_coarse_roll_back(void **state)
{
    struct fixture *f = *state;
    sdd_history *h = open_ok(f->path, &coarse_shape);
    int32_t e = sdd__history_entity(h, "a", NULL);

    write_plain(h, e, 0, 30, 13, 0);
    assert_int_equal(sdd__history_sync(h, NULL), 0);
    assert_int_equal(sdd__history_begin(h, 1, NULL), 0);
    write_plain(h, e, 31, 80, -1, 1000);
    assert_true(get(h, e, 2, 0, 6) != 19);
    assert_int_equal(sdd__history_roll_back(h, 1, NULL), 0);
    assert_int_equal(sdd__history_newest(h, e), 30);
    assert_true(get(h, e, 2, 0, 6) == 19);
    assert_true(get(h, e, 2, 0, 4) == 13);
    assert_true(get(h, e, 2, 0, 3) == 10);
    assert_true(isnan(get(h, e, 2, 0, 7)));
    write_plain(h, e, 31, 33, -1, 0);       /* folds 7 again, as the first run did */
    assert_true(get(h, e, 2, 0, 7) == 22);
    sdd__history_close(h);
}

/* What tests/data/history-v2.sdd holds: it was written by the store of
 * format version 2 (one ring per series, before slot-major rows) with
 * these very calls, then closed. Entity "64497:4438": slots 0..30 but 17,
 * long series k holding 10 s + k + 0.25 (the last 4 slots exact sums, the
 * oldest folded into the coarse ring), short series 0 holding 2 s + 0.5;
 * "64497:1": short series 0 at 1000 s for slots 25..28. */
static void write_version2_file(sdd_history *h)
{
    int32_t a = sdd__history_entity(h, "64497:4438", NULL), b = sdd__history_entity(h, "64497:1", NULL);

    for (int64_t s = 0; s <= 30; s++) {
        if (s == 17)
            continue;
        for (uint16_t k = 0; k < 3; k++) {
            assert_int_equal(sdd__history_add(h, a, 0, k, s, (double)s * 10 + k), 0);
            assert_int_equal(sdd__history_add(h, a, 0, k, s, 0.25), 0);
        }
        assert_int_equal(sdd__history_set(h, a, 1, 0, s, 2.0 * (double)s + 0.5), 0);
    }
    for (int64_t s = 25; s <= 28; s++)
        assert_int_equal(sdd__history_set(h, b, 1, 0, s, 1000.0 * (double)s), 0);
}

/* Every slot of every tier and series reads the same from both stores. */
static void assert_same_history(const sdd_history *h, const sdd_history *want)
{
    assert_int_equal(sdd__history_count(h), sdd__history_count(want));
    for (int32_t e = 0; e < (int32_t)sdd__history_count(want); e++) {
        assert_string_equal(sdd__history_key(h, e), sdd__history_key(want, e));
        assert_int_equal(sdd__history_newest(h, e), sdd__history_newest(want, e));
        for (int tier = 0; tier < 3; tier++)
            for (uint16_t k = 0; k < 3; k++)
                for (int64_t s = -5; s <= 40; s++) {
                    double v = get(h, e, tier, k, s), w = get(want, e, tier, k, s);
                    assert_true(isnan(v) ? isnan(w) : v == w);
                }
    }
}

/* A file of version 2 is converted when opened, into PATH.new renamed over
 * it, and reads as a store given the same writes: exact sums, codes and
 * coarse slots alike. The undo log, of the old layout, is gone; the file is
 * of the new version and opens again as it is. */
static void test_version2_converted(void **state)
{
    struct fixture *f = *state;
    const char *src = getenv("SDD_SRCDIR");
    char from[512], tmp[160];
    sdd_history *want = open_ok(NULL, &coarse_shape), *h;
    FILE *in, *out;
    char buf[4096];
    size_t n;

    snprintf(from, sizeof(from), "%s/tests/data/history-v2.sdd", src ? src : "..");
    assert_non_null(in = fopen(from, "rb"));
    assert_non_null(out = fopen(f->path, "wb"));
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    poke(f->undo, 0, "an undo log of the old layout", 29);
    write_version2_file(want);

    h = open_ok(f->path, &coarse_shape);
    assert_same_history(h, want);
    assert_int_equal(sdd__history_recovered(h), 0);
    sdd__history_close(h);
    assert_int_equal(access(f->undo, F_OK), -1);
    snprintf(tmp, sizeof(tmp), "%s.new", f->path);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal((uint32_t)peek_u64(f->path, OFF_VERSION), 3);

    h = open_ok(f->path, &coarse_shape);
    assert_same_history(h, want);
    sdd__history_close(h);
    sdd__history_close(want);
}

/* A full disk while the undo log keeps bytes (a file size limit at the
 * log's size stands for it: its write fails with EFBIG): the log is
 * emptied and says no checkpoint, so nothing wrong is put back; it counts
 * the failure once and keeps nothing more until the next checkpoint, which
 * starts it again. */
static void test_undo_write_fails(void **state)
{
    struct fixture *f = *state;
    sdd_history *h = open_ok(f->path, &small_shape);
    int32_t e = sdd__history_entity(h, "64497:1", NULL);
    void (*was_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit was, full;
    struct stat st;

    write_slots(h, e, 0, 9);
    assert_int_equal(sdd__history_sync(h, NULL), 0);
    assert_int_equal(sdd__history_begin(h, 1, NULL), 0);
    assert_int_equal(stat(f->undo, &st), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    full = was;
    full.rlim_cur = (rlim_t)st.st_size;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &full), 0);
    write_slots(h, e, 10, 40);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, was_handler);
    assert_int_equal(sdd__history_undo_failures(h), 1);
    assert_int_equal(sdd__history_epoch(h), 0);
    assert_int_equal(stat(f->undo, &st), 0);
    assert_int_equal(st.st_size, 0);
    write_slots(h, e, 41, 45);                                  /* not tried again */
    assert_int_equal(sdd__history_undo_failures(h), 1);
    assert_int_equal(sdd__history_sync(h, NULL), 0);
    assert_int_equal(sdd__history_begin(h, 2, NULL), 0);
    write_slots(h, e, 46, 80);
    assert_int_equal(sdd__history_undo_failures(h), 1);
    assert_int_equal(sdd__history_epoch(h), 2);
    assert_int_equal(stat(f->undo, &st), 0);
    assert_true(st.st_size > 24);                               /* keeping again */
    sdd__history_close(h);
}

static void test_shape_mismatch_refused(void **state)
{
    struct fixture *f = *state;
    sdd_history_shape other = default_shape;

    make_small_file(f->path);
    other.short_series = 25;
    open_refused(f->path, &other, "configuration asks for");
    other = default_shape;
    other.slot_seconds = 300;
    open_refused(f->path, &other, "slot_seconds=60");
    /* refusing did not damage it */
    sdd__history_close(open_ok(f->path, &default_shape));
}

static void test_truncated_refused(void **state)
{
    struct fixture *f = *state;
    struct stat st;

    make_small_file(f->path);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(truncate(f->path, st.st_size - 100), 0);
    open_refused(f->path, &default_shape, "does not match its header");
    assert_int_equal(truncate(f->path, st.st_size + 4096), 0);
    open_refused(f->path, &default_shape, "does not match its header");
    assert_int_equal(truncate(f->path, 100), 0);
    open_refused(f->path, &default_shape, "too short");
}

static void test_foreign_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t junk[10000];
    uint64_t x = 0x9e3779b97f4a7c15u;   /* fixed seed: the same bytes every run */

    for (size_t i = 0; i < sizeof(junk); i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        junk[i] = (uint8_t)x;
    }
    poke(f->path, 0, junk, sizeof(junk));
    open_refused(f->path, &default_shape, "not a pmacct-sdd history file");
    unlink(f->path);

    make_small_file(f->path);
    poke(f->path, 0, "OTHERMAG", 8);
    poke(f->path, COPY_SPACING, "OTHERMAG", 8);
    open_refused(f->path, &default_shape, "not a pmacct-sdd history file");
}

static void test_newer_version_refused(void **state)
{
    struct fixture *f = *state;
    const uint32_t v = 4;

    make_small_file(f->path);
    poke(f->path, OFF_VERSION, &v, sizeof(v));
    open_refused(f->path, &default_shape, "newer version");
}

/* Version 1 had no coarse tier: its blocks are laid out otherwise. */
static void test_older_version_refused(void **state)
{
    struct fixture *f = *state;
    const uint32_t v = 1;

    make_small_file(f->path);
    poke(f->path, OFF_VERSION, &v, sizeof(v));
    poke(f->path, COPY_SPACING + OFF_VERSION, &v, sizeof(v));
    open_refused(f->path, &default_shape, "an older history format");
}

static void test_corrupt_header_refused(void **state)
{
    struct fixture *f = *state;

    make_small_file(f->path);
    damage_copy(f->path, 0, OFF_CHECKSUM);
    damage_copy(f->path, 1, OFF_CLEAN);
    open_refused(f->path, &default_shape, "checksum");
}

/* A torn header write spoils one copy: the store opens from the other, the
 * state one update earlier, here the one before the clean close. */
static void test_torn_header_falls_back(void **state)
{
    struct fixture *f = *state;
    sdd_history *h;
    int newest;

    make_small_file(f->path);
    newest = peek_u64(f->path, OFF_GENERATION) > peek_u64(f->path, COPY_SPACING + OFF_GENERATION)
                 ? 0 : 1;
    damage_copy(f->path, newest, OFF_GENERATION);
    h = open_ok(f->path, &default_shape);
    assert_int_equal(sdd__history_recovered(h), 1);
    assert_int_equal(sdd__history_find(h, "64497:4438"), 0);
    assert_true(get(h, 0, 0, 1, 1000) == 42);
    sdd__history_close(h);
}

/* A crash after a new entity's block was written to but before the header
 * counted it leaves a block beyond the count: the next entity created there
 * starts empty, not with what the crash left. */
static void test_leftover_block_reused_clean(void **state)
{
    struct fixture *f = *state;
    long block = (long)sdd__history_bytes_per_entity(&default_shape);
    long second = HEADER_BYTES_IN_FILE + block;
    const int64_t newest = 1000;
    const uint32_t has_data = 1;
    const uint16_t codes[8] = {100, 200, 300, 400, 500, 600, 700, 800};
    sdd_history *h;
    int32_t e;

    make_small_file(f->path);
    poke(f->path, second, "leftover", 9);
    poke(f->path, second + SDD_HISTORY_KEY_MAX, &newest, sizeof(newest));
    poke(f->path, second + SDD_HISTORY_KEY_MAX + 8, &has_data, sizeof(has_data));
    poke(f->path, second + block / 2, codes, sizeof(codes));
    h = open_ok(f->path, &default_shape);
    assert_int_equal(sdd__history_count(h), 1);
    assert_int_equal(sdd__history_find(h, "leftover"), -1);
    e = sdd__history_entity(h, "64497:6", NULL);
    assert_int_equal(e, 1);
    assert_int_equal(sdd__history_newest(h, e), INT64_MIN);
    assert_int_equal(sdd__history_add(h, e, 0, 3, newest, 1), 0);
    for (int64_t s = newest - SDD_HISTORY_LONG_SLOTS + 1; s < newest; s++)
        for (uint16_t series = 0; series < 4; series++)
            assert_int_equal(sdd__history_get(h, e, 0, series, s, NULL), 0);
    sdd__history_close(h);
}

/* An entity block damaged on disk (not by a crash: a power cut leaves an
 * empty key at worst) is refused with the entity and the field, never read:
 * a newest slot near INT64_MIN (signed overflow on the next write) or at
 * 2^62 (the next start's rewind would wipe the entity), a flag that is
 * neither 0 nor 1, a key without its NUL, a key twice (one service's
 * history read as another's). */
static void test_damaged_entity_refused(void **state)
{
    struct fixture *f = *state;
    const long key2 = HEADER_BYTES_IN_FILE + (long)sdd__history_bytes_per_entity(&default_shape);
    const int64_t low = INT64_MIN + 5, high = INT64_C(1) << 62;
    const uint32_t seven = 7;
    char unterminated[SDD_HISTORY_KEY_MAX];
    sdd_history *h;

    make_small_file(f->path);
    poke(f->path, HEADER_BYTES_IN_FILE + SDD_HISTORY_KEY_MAX, &low, sizeof(low));
    open_refused(f->path, &default_shape, "entity 0 (key \"64497:4438\"): newest slot -9223372036854775803");
    poke(f->path, HEADER_BYTES_IN_FILE + SDD_HISTORY_KEY_MAX, &high, sizeof(high));
    open_refused(f->path, &default_shape, "newest slot 4611686018427387904 is out of range");
    unlink(f->path);

    make_small_file(f->path);
    poke(f->path, HEADER_BYTES_IN_FILE + SDD_HISTORY_KEY_MAX + 8, &seven, sizeof(seven));
    open_refused(f->path, &default_shape, "has-data flag 7");
    unlink(f->path);

    make_small_file(f->path);
    memset(unterminated, 'k', sizeof(unterminated));
    poke(f->path, HEADER_BYTES_IN_FILE, unterminated, sizeof(unterminated));
    open_refused(f->path, &default_shape, "entity 0: its key has no NUL");
    unlink(f->path);

    make_small_file(f->path);
    h = open_ok(f->path, &default_shape);
    assert_int_equal(sdd__history_entity(h, "64497:5", NULL), 1);
    sdd__history_close(h);
    poke(f->path, key2, "64497:4438", 11);
    open_refused(f->path, &default_shape, "entities 0 and 1 have the same key \"64497:4438\"");
}

/* A history file that is a symlink is refused: a dangling one does not
 * create its target. */
static void test_symlink_refused(void **state)
{
    struct fixture *f = *state;
    char victim[160];

    snprintf(victim, sizeof(victim), "%s/victim", f->dir);
    assert_int_equal(symlink(victim, f->path), 0);
    open_refused(f->path, &default_shape, "symbolic link");
    assert_int_equal(access(victim, F_OK), -1);
}

static void test_second_open_refused(void **state)
{
    struct fixture *f = *state;
    sdd_history *h = open_ok(f->path, &default_shape);

    open_refused(f->path, &default_shape, "in use");
    sdd__history_close(h);
}

static void test_growth_keeps_data(void **state)
{
    struct fixture *f = *state;
    sdd_history *h = open_ok(f->path, &default_shape);
    char key[32];

    for (int i = 0; i < 70; i++) {
        snprintf(key, sizeof(key), "64497:%d", 1000 + i);
        assert_int_equal(sdd__history_entity(h, key, NULL), i);
        assert_int_equal(sdd__history_add(h, i, 0, 3, 5000, 100.0 * i), 0);
        assert_int_equal(sdd__history_add(h, i, 1, 7, 5000 + i, i), 0);
    }
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(sdd__history_count(h), 70);
        for (int i = 0; i < 70; i++) {
            snprintf(key, sizeof(key), "64497:%d", 1000 + i);
            assert_int_equal(sdd__history_find(h, key), i);
            assert_true(get(h, i, 0, 3, 5000) == 100.0 * i);
            assert_true(get(h, i, 1, 7, 5000 + i) == i);
        }
        sdd__history_close(h);
        h = open_ok(f->path, &default_shape);
    }
    sdd__history_close(h);
}

static void test_bytes_per_entity(void **state)
{
    sdd_history_shape bad = default_shape;
    sdd_error err = {0};

    (void)state;
    size_t bytes = sdd__history_bytes_per_entity(&default_shape);
    print_message("bytes per entity, default shape: %zu\n", bytes);
    assert_true(bytes >= 4 * SDD_HISTORY_LONG_SLOTS * 2 + 24 * SDD_HISTORY_SHORT_SLOTS * 2);
    assert_true(bytes <= 96 * 1024);
    bad.slot_seconds = 0;
    assert_int_equal(sdd__history_bytes_per_entity(&bad), 0);
    bad = default_shape;
    bad.long_slots = 0;
    assert_int_equal(sdd__history_bytes_per_entity(&bad), 0);
    assert_null(sdd__history_open(NULL, &bad, &err));
    assert_non_null(strstr(err.msg, "shape"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_small_exact),
        cmocka_unit_test(test_encode_error_bound),
        cmocka_unit_test(test_encode_monotonic),
        cmocka_unit_test(test_encode_saturates),
        cmocka_unit_test(test_add_get),
        cmocka_unit_test(test_open_slots_exact),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_gaps_are_no_data),
        cmocka_unit_test(test_late_write),
        cmocka_unit_test(test_set_replaces),
        cmocka_unit_test(test_rewind),
        cmocka_unit_test(test_write_older_than_ring),
        cmocka_unit_test(test_entities),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_keeps_written_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roll_back_to_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undo_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shape_mismatch_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_version_refused, setup, teardown),
        cmocka_unit_test(test_coarse_fold),
        cmocka_unit_test(test_coarse_folds_once),
        cmocka_unit_test(test_row_reads),
        cmocka_unit_test_setup_teardown(test_version2_converted, setup, teardown),
        cmocka_unit_test(test_window_reads),
        cmocka_unit_test_setup_teardown(test_coarse_roll_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_header_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_header_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_block_reused_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_entity_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_open_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_keeps_data, setup, teardown),
        cmocka_unit_test(test_bytes_per_entity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
