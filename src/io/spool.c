/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spool.c: the Kafka output's on-disk queue (see spool.h).
 *
 * File layout, little-endian:
 *   header  "SDDSPL01" | head offset (u64) | CRC-32 of the 16 bytes before (u32) | 0 (u32)
 *   record  length (u32) | CRC-32 of the bytes (u32) | bytes
 * The header is rewritten in place (24 bytes, one sector) when records are
 * released; an append only writes past the end. A crash therefore leaves at
 * worst a torn last record (cut off at the next open) or a head that lags
 * (records delivered but not yet released are sent again: the output's
 * duplicate check by (id, revision) drops them). A record that fails its
 * CRC with whole records after it was not torn by a crash but changed on
 * disk: it is skipped and counted, and the records after it are kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "util/error.h"
#include "util/fdio.h"
#include "io/spool.h"

#define HDR 24                          /* file header */
#define REC 8                           /* record header */
#define MAX_RECORD (64u << 20)          /* longer is a corrupt length, not a record */
static const char MAGIC[8] = {'S', 'D', 'D', 'S', 'P', 'L', '0', '1'};

struct sdd_spool {
    int fd;
    char *dir, *path;
    uint64_t max;
    uint64_t base;                      /* logical position of file offset 0 */
    uint64_t head, end;                 /* file offsets */
    sdd_spool_counters c;
    sdd_logger log;
};

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc_of(const void *data, size_t len)
{
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
}

/* The reason with the errno's name ("No space left on device (ENOSPC)"):
 * what an operator searches for, whatever the locale says. */
static int fail_errno(sdd_error *err, const sdd_spool *s, const char *what)
{
    char why[128];

    sdd__fail(err, SDD_E_IO, "spool %.300s: %s: %s", s->path, what,
             sdd__errno_text(errno, why, sizeof(why)));
    return -1;
}

/* ---- the header ----------------------------------------------------------- */

static void header_bytes(unsigned char *h, uint64_t head)
{
    memset(h, 0, HDR);
    memcpy(h, MAGIC, 8);
    put32(h + 8, (uint32_t)head);
    put32(h + 12, (uint32_t)(head >> 32));
    put32(h + 16, crc_of(h, 16));
}

static int write_header(int fd, uint64_t head)
{
    unsigned char h[HDR];

    header_bytes(h, head);
    return pwrite(fd, h, HDR, 0) == HDR ? 0 : -1;
}

/* The head the header holds: HDR for a new or unreadable one (everything is
 * sent again, which the duplicate check absorbs), -1 for a file that is not
 * a spool (left alone). */
static int64_t read_header(sdd_spool *s, uint64_t size)
{
    unsigned char h[HDR];

    if (size < HDR || pread(s->fd, h, HDR, 0) != HDR) {
        if (size > 0)
            sdd_logf(&s->log, SDD_LOG_WARNING, "spool %s: header cut short (%llu bytes): started anew", s->path,
                     (unsigned long long)size);
        return HDR;
    }
    if (memcmp(h, MAGIC, 8) != 0)
        return -1;
    if (get32(h + 16) != crc_of(h, 16)) {
        sdd_logf(&s->log, SDD_LOG_WARNING, "spool %s: header checksum wrong: every record is sent again", s->path);
        return HDR;
    }
    return (int64_t)((uint64_t)get32(h + 8) | (uint64_t)get32(h + 12) << 32);
}

/* ---- reading records -------------------------------------------------------- */

/* Length of the record at off, checking its CRC when `check`: 0 when there
 * is no whole valid record there. */
static uint32_t record_at(const sdd_spool *s, uint64_t off, uint64_t size, int check)
{
    unsigned char rh[REC];
    uint32_t len;

    if (off + REC > size || pread(s->fd, rh, REC, (off_t)off) != REC)
        return 0;
    len = get32(rh);
    if (len == 0 || len > MAX_RECORD || off + REC + len > size)
        return 0;
    if (!check)
        return len;
    char *buf = malloc(len);
    int ok = buf && pread(s->fd, buf, len, (off_t)(off + REC)) == (ssize_t)len && crc_of(buf, len) == get32(rh + 4);
    free(buf);
    return ok ? len : 0;
}

/* The first offset from `from` on where a whole, valid record starts; 0
 * for none. Looked for byte by byte, as a damaged length says nothing of
 * where the next record is; a record header is 8 bytes, so a window of the
 * file is read at a time and only plausible lengths are checked further. */
static uint64_t next_record(const sdd_spool *s, uint64_t from, uint64_t size)
{
    unsigned char win[65536];

    for (uint64_t at = from; at + REC <= size;) {
        ssize_t n = pread(s->fd, win, sizeof(win), (off_t)at);
        if (n < REC)
            return 0;
        for (ssize_t i = 0; i + REC <= n; i++) {
            uint32_t len = get32(win + i);
            if (len > 0 && len <= MAX_RECORD && at + (uint64_t)i + REC + len <= size &&
                record_at(s, at + (uint64_t)i, size, 1) > 0)
                return at + (uint64_t)i;
        }
        at += (uint64_t)n - REC + 1;
    }
    return 0;
}

/* The whole records, gathered once a damaged one is found between them. */
typedef struct kept {
    char *buf;
    size_t len, cap;
} kept;

static int keep(const sdd_spool *s, kept *k, uint64_t from, uint64_t to)
{
    size_t n = (size_t)(to - from);

    if (k->len + n > k->cap) {
        size_t cap = (k->len + n) * 2;
        char *grown = realloc(k->buf, cap);
        if (!grown)
            return -1;
        k->buf = grown;
        k->cap = cap;
    }
    if (n > 0 && pread(s->fd, k->buf + k->len, n, (off_t)from) != (ssize_t)n)
        return -1;
    k->len += n;
    return 0;
}

/* The file replaced by one holding `len` bytes of records after a new
 * header: a new file, synced, renamed over the old one, so that either is
 * whole at any crash. 0, or -1 with errno. */
static int replace_file(sdd_spool *s, const char *buf, size_t len)
{
    struct iovec iov[1] = {{(void *)buf, len}};
    char *tmp = NULL;
    int fd = -1, e;

    if (asprintf(&tmp, "%s.new", s->path) < 0) {
        errno = ENOMEM;
        return -1;
    }
    if ((fd = sdd__create_new(tmp, O_RDWR, 0600)) >= 0 && write_header(fd, HDR) == 0 &&
        (len == 0 || sdd__write_all(fd, iov, 1, HDR) == 0) && fdatasync(fd) == 0 && rename(tmp, s->path) == 0) {
        close(s->fd);
        s->fd = fd;
        free(tmp);
        return 0;
    }
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
    return -1;
}

/* Damaged records with whole ones after them are skipped: the file is
 * rewritten with the whole records only. A damaged tail with none after it
 * is what a crash while appending leaves, and is cut off. */
static int settle_damage(sdd_spool *s, kept *k, uint64_t whole_end, uint64_t size, sdd_error *err)
{
    if (whole_end < size) {
        sdd_logf(&s->log, SDD_LOG_WARNING, "spool %s: torn record at byte %llu (a crash while appending): "
                 "%llu bytes dropped", s->path, (unsigned long long)whole_end, (unsigned long long)(size - whole_end));
        s->c.torn_dropped++;
    }
    if (s->c.corrupt_skipped) {
        if (replace_file(s, k->buf, k->len) < 0)
            return fail_errno(err, s, "rewriting it without its damaged records (nothing was lost)");
        s->head = HDR;
        s->end = HDR + k->len;
        return 0;
    }
    s->end = whole_end;
    if (whole_end < size && (ftruncate(s->fd, (off_t)whole_end) < 0 || fdatasync(s->fd) < 0))
        return fail_errno(err, s, "cutting the torn record");
    return 0;
}

/* Walks the live records, counting them, skipping damaged ones. */
static int scan(sdd_spool *s, uint64_t size, sdd_error *err)
{
    uint64_t off = s->head, run = s->head;   /* run: where the current stretch of whole records starts */
    kept k = {NULL, 0, 0};
    uint32_t len;
    int rc;

    for (;;) {
        while ((len = record_at(s, off, size, 1)) > 0) {
            s->c.records++;
            off += REC + len;
        }
        uint64_t next = off < size ? next_record(s, off + 1, size) : 0;
        if (!next)
            break;
        if (keep(s, &k, run, off) < 0) {
            free(k.buf);
            return fail_errno(err, s, "reading");
        }
        sdd_logf(&s->log, SDD_LOG_WARNING, "spool %s: damaged record at byte %llu (changed on disk): %llu bytes "
                 "skipped, the records after it kept", s->path, (unsigned long long)off,
                 (unsigned long long)(next - off));
        s->c.corrupt_skipped++;
        off = run = next;
    }
    if (s->c.corrupt_skipped && keep(s, &k, run, off) < 0) {
        free(k.buf);
        return fail_errno(err, s, "reading");
    }
    s->c.bytes = s->c.corrupt_skipped ? k.len : off - s->head;
    rc = settle_damage(s, &k, off, size, err);
    free(k.buf);
    return rc;
}

/* ---- open and close ----------------------------------------------------------- */

static int open_file(sdd_spool *s, sdd_error *err)
{
    struct stat st;
    int64_t head;

    if (mkdir(s->dir, 0700) < 0 && errno != EEXIST)
        return fail_errno(err, s, "making the directory");
    s->fd = open(s->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (s->fd < 0 && errno == ELOOP)     /* the spool is sddd's own file: a symlink is no accident */
        return sdd__fail(err, SDD_E_IO, "spool %.300s: a symbolic link: refused", s->path);
    if (s->fd < 0 || fstat(s->fd, &st) < 0)
        return fail_errno(err, s, "open");
    head = read_header(s, (uint64_t)st.st_size);
    if (head < 0) {
        sdd__fail(err, SDD_E_IO, "spool %.300s: not a spool file (left alone)", s->path);
        return -1;
    }
    if ((uint64_t)st.st_size < HDR) {
        if (ftruncate(s->fd, 0) < 0 || write_header(s->fd, HDR) < 0 || fdatasync(s->fd) < 0)
            return fail_errno(err, s, "writing the header");
        st.st_size = HDR;
    }
    /* a head past the end: the file was cut back and the crash came before
     * the header said so; everything there was released */
    s->head = (uint64_t)head < HDR ? HDR : (uint64_t)head > (uint64_t)st.st_size ? (uint64_t)st.st_size : (uint64_t)head;
    return scan(s, (uint64_t)st.st_size, err);
}

sdd_spool *sdd_spool_open(const char *dir, uint64_t max_bytes, const sdd_logger *log, sdd_error *err)
{
    sdd_spool *s = calloc(1, sizeof(*s));

    if (!s || !(s->dir = strdup(dir)) || asprintf(&s->path, "%s/spool.dat", dir) < 0) {
        if (s)
            s->path = NULL;
        sdd_spool_close(s);
        sdd__fail(err, SDD_E_NOMEM, "spool: out of memory");
        return NULL;
    }
    s->fd = -1;
    s->max = max_bytes;
    if (log)
        s->log = *log;
    if (open_file(s, err) < 0) {
        sdd_spool_close(s);
        return NULL;
    }
    if (s->c.records)
        sdd_logf(&s->log, SDD_LOG_INFO, "spool %s: %llu notifications waiting from before", s->path,
                 (unsigned long long)s->c.records);
    return s;
}

void sdd_spool_close(sdd_spool *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->dir);
    free(s->path);
    free(s);
}

/* ---- appending ------------------------------------------------------------------ */

int sdd_spool_append(sdd_spool *s, const void *data, size_t len, sdd_error *err)
{
    unsigned char rh[REC];
    struct iovec iov[2] = {{rh, REC}, {(void *)data, len}};
    uint64_t need = REC + (uint64_t)len;

    if (len == 0 || len > MAX_RECORD) {
        sdd__fail(err, SDD_E_IO, "spool: a record of %zu bytes (1..%u)", len, MAX_RECORD);
        return -1;
    }
    if (s->c.bytes + need > s->max) {
        s->c.refused_full++;
        sdd__fail(err, SDD_E_IO, "spool %.300s: full (%llu of %llu bytes)", s->path,
                 (unsigned long long)s->c.bytes, (unsigned long long)s->max);
        return SDD_SPOOL_FULL;
    }
    put32(rh, (uint32_t)len);
    put32(rh + 4, crc_of(data, len));
    if (sdd__write_all(s->fd, iov, 2, (int64_t)s->end) < 0 || fdatasync(s->fd) < 0) {
        int e = errno;
        /* what was written of the record goes, so that the next append
         * does not land behind a half record */
        if (ftruncate(s->fd, (off_t)s->end) < 0)
            sdd_logf(&s->log, SDD_LOG_ERROR, "spool %s: cannot cut a failed append: %s", s->path, strerror(errno));
        errno = e;
        s->c.write_errors++;
        return fail_errno(err, s, "append");
    }
    s->end += need;
    s->c.records++;
    s->c.bytes += need;
    s->c.appended++;
    return 0;
}

/* ---- reading and releasing ------------------------------------------------------ */

uint64_t sdd_spool_head(const sdd_spool *s)
{
    return s->base + s->head;
}

uint64_t sdd_spool_end(const sdd_spool *s)
{
    return s->base + s->end;
}

int sdd_spool_read(sdd_spool *s, uint64_t *pos, char **buf, size_t *len, sdd_error *err)
{
    uint64_t off = *pos < s->base + s->head ? s->head : *pos - s->base;
    unsigned char rh[REC];
    uint32_t n;

    if (off >= s->end)
        return 0;
    if (pread(s->fd, rh, REC, (off_t)off) != REC)
        return fail_errno(err, s, "read");
    n = get32(rh);
    *buf = malloc((size_t)n + 1);
    if (!*buf)
        return fail_errno(err, s, "read");
    if (pread(s->fd, *buf, n, (off_t)(off + REC)) != (ssize_t)n || crc_of(*buf, n) != get32(rh + 4)) {
        free(*buf);
        *buf = NULL;
        sdd__fail(err, SDD_E_IO, "spool %.300s: record at byte %llu unreadable or changed on disk",
                 s->path, (unsigned long long)off);
        return -1;
    }
    (*buf)[n] = '\0';
    *len = n;
    *pos = s->base + off + REC + n;
    return 1;
}

/* Everything released: the file is cut back to its header. The cut comes
 * first: a crash before the new header leaves a head past the end, which
 * open reads as "all released". */
static int reset(sdd_spool *s, sdd_error *err)
{
    if (ftruncate(s->fd, HDR) < 0 || write_header(s->fd, HDR) < 0 || fdatasync(s->fd) < 0)
        return fail_errno(err, s, "cutting back");
    s->base += s->end - HDR;
    s->head = s->end = HDR;
    return 0;
}

/* The live records to a new file renamed over the old one: the released
 * bytes before them outgrew the bound. */
static int compact(sdd_spool *s, sdd_error *err)
{
    size_t len = (size_t)(s->end - s->head);
    char *buf = malloc(len);
    int rc = -1;

    if (!buf) {
        sdd__fail(err, SDD_E_NOMEM, "spool: out of memory");
        return -1;
    }
    if (pread(s->fd, buf, len, (off_t)s->head) == (ssize_t)len && replace_file(s, buf, len) == 0) {
        s->base += s->head - HDR;
        s->end -= s->head - HDR;
        s->head = HDR;
        rc = 0;
    } else {
        fail_errno(err, s, "compacting");
    }
    free(buf);
    return rc;
}

/* The records between the head and off leave the counters. */
static void forget(sdd_spool *s, uint64_t off)
{
    for (uint64_t at = s->head; at < off;) {
        uint32_t len = record_at(s, at, s->end, 0);
        if (len == 0)
            break;
        s->c.records--;
        s->c.bytes -= REC + len;
        at += REC + len;
    }
}

int sdd_spool_release(sdd_spool *s, uint64_t upto, sdd_error *err)
{
    uint64_t off = upto < s->base ? s->head : upto - s->base;

    if (off > s->end)
        off = s->end;
    if (off <= s->head)
        return 0;
    forget(s, off);
    if (off == s->end)
        return reset(s, err);
    s->head = off;
    int compacting = s->head - HDR > s->max;
    if (compacting && compact(s, err) == 0)
        return 0;
    /* a compaction that failed (a full disk has no room for the copy) is
     * reported and tried again at the next release; the release itself is
     * made durable in the header all the same */
    if (write_header(s->fd, s->head) < 0 || fdatasync(s->fd) < 0)
        return fail_errno(err, s, "writing the header");
    return compacting ? -1 : 0;
}

void sdd_spool_get_counters(const sdd_spool *s, sdd_spool_counters *out)
{
    *out = s->c;
}
