/* SPDX-License-Identifier: GPL-2.0-or-later */
/* undo.c: the undo log of the history file (see undo.h).
 *
 * Layout (host byte order, as the history file): a 24-byte header (magic
 * "SDD-UNDO", version, CRC-32 of the header, the checkpoint's epoch), then
 * records appended one after the other: the range's offset and length, a
 * CRC-32 of the record, the bytes, padded to 8. Version 1 had a count and
 * a stride in a record (a run of slots in every series' ring, before the
 * rings were slot-major); such a log says no checkpoint and is left out.
 * Each keep is one write(2),
 * made before the mapping changes: a killed process loses neither (both
 * are in the kernel's page cache), so a restart finds every byte the
 * history overwrote since the checkpoint. A record cut short or failing
 * its CRC ends the log: nothing after it is read. Nothing is fsync'ed:
 * after a power loss the log, like the history's pages written since the
 * last sync, is best effort (history.c, "What survives").
 *
 * The log is emptied (truncated, a new header) when a checkpoint is taken
 * and after a roll back, so it holds one checkpoint's bytes at most. A
 * restart rolls back only a log of the state's epoch: a crash after the
 * state was written but before the log started over leaves a log of the
 * checkpoint before, which is left alone. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/error.h"
#include "util/fdio.h"
#include "engine/undo.h"

#define UNDO_MAGIC "SDD-UNDO"
#define UNDO_VERSION 2u

struct undo_header {
    char magic[8];
    uint32_t version;
    uint32_t crc;                       /* of the header with this field 0 */
    uint64_t epoch;
};
_Static_assert(sizeof(struct undo_header) == 24, "the undo header is 24 bytes");

struct undo_record {
    uint64_t offset;
    uint32_t len;                       /* as in sdd_undo_range */
    uint32_t crc;                       /* of the record with this field 0, then its bytes */
};
_Static_assert(sizeof(struct undo_record) == 16, "an undo record's head is 16 bytes");

struct sdd_undo {
    int fd;
    char *path;
    uint64_t epoch;
    int taking;                         /* begun, and no keep failed since */
    uint64_t failures;                  /* keeps that failed, each emptying the log */
    uint8_t *buf;                       /* one keep's records */
    size_t cap;
};

static size_t padded(size_t len)
{
    return (len + 7) & ~(size_t)7;
}

static uint32_t header_crc(struct undo_header hdr)
{
    hdr.crc = 0;
    return (uint32_t)crc32_z(0L, (const Bytef *)&hdr, sizeof(hdr));
}

static uint32_t record_crc(struct undo_record rec, const void *data)
{
    rec.crc = 0;
    uLong crc = crc32_z(0L, (const Bytef *)&rec, sizeof(rec));
    return (uint32_t)crc32_z(crc, data, (z_size_t)rec.len);
}

/* The epoch of a log whose header is whole and right, else 0. */
static uint64_t read_epoch(int fd)
{
    struct undo_header hdr;

    if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || memcmp(hdr.magic, UNDO_MAGIC, 8) != 0 ||
        hdr.version != UNDO_VERSION || hdr.crc != header_crc(hdr))
        return 0;
    return hdr.epoch;
}

sdd_undo *sdd__undo_open(const char *path, sdd_error *err)
{
    sdd_undo *u = calloc(1, sizeof(*u));

    if (!u || !(u->path = strdup(path))) {
        free(u);
        sdd__fail(err, SDD_E_NOMEM, "history undo log: out of memory");
        return NULL;
    }
    u->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (u->fd < 0) {
        sdd__fail(err, SDD_E_IO, "history undo log %s: %s", path,
                  errno == ELOOP ? "a symbolic link: refused" : strerror(errno));
        sdd__undo_close(u);
        return NULL;
    }
    u->epoch = read_epoch(u->fd);
    return u;
}

void sdd__undo_close(sdd_undo *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    free(u->buf);
    free(u->path);
    free(u);
}

uint64_t sdd__undo_epoch(const sdd_undo *u)
{
    return u->epoch;
}

uint64_t sdd__undo_failures(const sdd_undo *u)
{
    return u->failures;
}

int sdd__undo_begin(sdd_undo *u, uint64_t epoch, sdd_error *err)
{
    struct undo_header hdr;

    memset(&hdr, 0, sizeof(hdr));
    memcpy(hdr.magic, UNDO_MAGIC, sizeof(hdr.magic));
    hdr.version = UNDO_VERSION;
    hdr.epoch = epoch;
    hdr.crc = header_crc(hdr);
    u->taking = 0;
    u->epoch = 0;
    if (ftruncate(u->fd, 0) < 0 ||
        sdd__write_all(u->fd, (struct iovec[]){{&hdr, sizeof(hdr)}}, 1, -1) < 0)
        return sdd__fail(err, SDD_E_IO, "history undo log %s: %s", u->path, strerror(errno));
    u->epoch = epoch;
    u->taking = 1;
    return 0;
}

/* Room for `bytes` in the keep buffer. */
static int reserve(sdd_undo *u, size_t bytes)
{
    uint8_t *buf;

    if (bytes <= u->cap)
        return 0;
    buf = realloc(u->buf, bytes);
    if (!buf)
        return -1;
    u->buf = buf;
    u->cap = bytes;
    return 0;
}

/* The log can no longer say what the checkpoint had: it says nothing. */
static int give_up(sdd_undo *u)
{
    int rc;

    u->taking = 0;
    u->epoch = 0;
    u->failures++;
    /* should even this fail, each record left is a right copy: fewer come back */
    rc = ftruncate(u->fd, 0);
    (void)rc;
    return -1;
}

int sdd__undo_keep(sdd_undo *u, const sdd_undo_range *r, int n)
{
    size_t total = 0, at = 0;

    if (!u->taking)
        return -1;
    for (int i = 0; i < n; i++)
        total += sizeof(struct undo_record) + padded(r[i].len);
    if (reserve(u, total) < 0)
        return give_up(u);
    memset(u->buf, 0, total);
    for (int i = 0; i < n; i++) {
        struct undo_record rec = {r[i].offset, r[i].len, 0};
        uint8_t *data = u->buf + at + sizeof(rec);
        memcpy(data, r[i].bytes, rec.len);
        rec.crc = record_crc(rec, data);
        memcpy(u->buf + at, &rec, sizeof(rec));
        at += sizeof(rec) + padded(rec.len);
    }
    if (sdd__write_all(u->fd, (struct iovec[]){{u->buf, total}}, 1, -1) < 0)
        return give_up(u);
    return 0;
}

/* The whole log, read into memory (caller frees); NULL with err. */
static uint8_t *read_log(const sdd_undo *u, size_t *size, sdd_error *err)
{
    struct stat st;
    uint8_t *text = NULL;
    size_t got = 0;

    if (fstat(u->fd, &st) < 0 || !(text = malloc((size_t)st.st_size + 1))) {
        sdd__fail(err, text ? SDD_E_IO : SDD_E_NOMEM, "history undo log %s: %s", u->path,
                  text ? strerror(errno) : "out of memory");
        return NULL;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = pread(u->fd, text + got, (size_t)st.st_size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;                      /* shorter than it was: what was read is the log */
        got += (size_t)r;
    }
    *size = got;
    return text;
}

/* Where each whole record starts, in the order written; their number. */
static long records_of(const uint8_t *log, size_t size, size_t **at)
{
    size_t pos = sizeof(struct undo_header), cap = 0;
    long n = 0;

    *at = NULL;
    while (size - pos >= sizeof(struct undo_record)) {
        struct undo_record rec;
        memcpy(&rec, log + pos, sizeof(rec));
        if (rec.len > size - pos - sizeof(rec) || rec.crc != record_crc(rec, log + pos + sizeof(rec)))
            break;                      /* torn by a crash: the log ends here */
        if ((size_t)n == cap) {
            size_t *more = realloc(*at, (cap = cap ? 2 * cap : 64) * sizeof(**at));
            if (!more) {
                free(*at);
                return -1;
            }
            *at = more;
        }
        (*at)[n++] = pos;
        pos += sizeof(rec) + padded(rec.len);
        if (pos > size)
            break;
    }
    return n;
}

/* Whether the record's bytes lie in the mapping, from min_offset. */
static int fits(const struct undo_record *rec, size_t map_bytes, size_t min_offset)
{
    return rec->offset >= min_offset && rec->offset <= map_bytes && rec->len <= map_bytes - rec->offset;
}

long sdd__undo_roll_back(sdd_undo *u, uint64_t epoch, uint8_t *map, size_t map_bytes, size_t min_offset,
                         sdd_error *err)
{
    size_t size, *at = NULL;
    uint8_t *log;
    long n, put = 0;

    if (epoch == 0 || u->epoch != epoch)
        return 0;
    if (!(log = read_log(u, &size, err)))
        return -1;
    n = size >= sizeof(struct undo_header) ? records_of(log, size, &at) : 0;
    if (n < 0) {
        free(log);
        return sdd__fail(err, SDD_E_NOMEM, "history undo log %s: out of memory", u->path);
    }
    for (long i = n - 1; i >= 0; i--) {
        struct undo_record rec;
        memcpy(&rec, log + at[i], sizeof(rec));
        if (!fits(&rec, map_bytes, min_offset))
            continue;
        memcpy(map + rec.offset, log + at[i] + sizeof(rec), rec.len);
        put++;
    }
    free(at);
    free(log);
    return put;
}
