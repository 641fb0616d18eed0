/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state_bin.c: the state file's binary format (version 7), written as a
 * stream through one small buffer, so that a checkpoint of 100,000 services
 * costs the bytes it writes and no document in memory.
 *
 * The file is a header, then sections in a fixed order, all integers little
 * endian:
 *   header   "SDDSTATE", u32 version, u32 time_step_seconds, u32 rows,
 *            u32 sums per row, u32 CRC-32 of the 24 bytes before it
 *   section  u32 tag, u32 0, u64 length, the payload, u32 CRC-32 of the
 *            payload followed by the section's 16 header bytes
 * The sections: the engine's scalars (slots, rows' bookkeeping, clock,
 * history epoch, cursor), the inventory (its JSON file format: learned
 * rarely, read by the inventory's own checks), the services (per service:
 * vpn_id, automatic profile class, events, the rows that hold something,
 * the relevant state and its contributions), the carriers (since version 5;
 * per peer outside any VRF that carries services: router, peer, the
 * services' vpn_ids, then each route as its u64 fingerprint and u32 index
 * in that list), the sites (since version 6; per service of several sites
 * that has them, sites.h: vpn_id, the slot last judged, SDD_SITES_TRACKED
 * sites' levels and fall in progress, the rows that hold something as the
 * services' are), then an empty end section: a file without it was cut
 * short.
 *
 * Since version 7 a text is its length + 1 as a varint (LEB128: 7 bits a
 * byte, low first; 0: none) and its bytes; the profile class and day, the
 * events' time, termination and reason, a row's count, index and bitmaps
 * are varints (signed ones zigzagged), and of a row's sums a whole number
 * below 2^53 (bytes, packets, flows: most) is a varint, exact, another a
 * double (8 bytes), flagged in a second bitmap: a row of bench_engine's
 * (2 or 3 sums) takes about 6 bytes where version 6 took 30; the
 * inventory's JSON is deflated. Versions 6 (numbers of fixed
 * width: a text a u32 length, 0xffffffff none; every sum a double), 5
 * (without the sites: they learn again) and 4 (without the carriers either)
 * are read too. Reading checks every checksum first, then every value as
 * checkpoint.c's readers do (state_read.h); a varint of more than 64 bits
 * is damage. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/state_read.h"
#include "engine/metrics.h"
#include "util/error.h"
#include "util/fdio.h"

#define MAGIC "SDDSTATE"
#define HEADER_SIZE 28
#define SECTION_HEAD 16
#define BUFFER_SIZE (1 << 20)
#define NO_TEXT UINT32_MAX            /* a text's length in versions 4 to 6: none */
#define VARINT_MAX 10                   /* bytes of a 64-bit varint */
#define WHOLE_LIMIT 0x1p53              /* a double is exact up to it */
#define DEFLATE_ROOM 4096               /* free bytes in the buffer for deflate to go on */

#define VERSION_OLDEST 4
#define VERSION_CARRIERS 5
#define VERSION_SITES 6
#define VERSION_VARINTS 7

enum {
    TAG_ENGINE = 0x4e474e45, TAG_INVENTORY = 0x544e5649, TAG_SERVICES = 0x53435653, TAG_CARRIERS = 0x52524143,
    TAG_SITES = 0x45544953,     TAG_END = 0x20444e45
};

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct bw {
    int fd;
    unsigned char *buf;
    size_t cap;                         /* its size: 1 MiB, or one service's rows */
    size_t n;                           /* bytes in buf */
    size_t summed;                      /* of them, in crc already */
    int64_t off;                        /* file offset of buf[0] */
    int64_t section;                    /* file offset of the open section's header */
    uLong crc;                          /* of the open section's payload */
    int error;                          /* errno of the first failed write */
} bw;

static void sum_buffer(bw *w)
{
    w->crc = crc32_z(w->crc, w->buf + w->summed, w->n - w->summed);
    w->summed = w->n;
}

static void flush(bw *w)
{
    sum_buffer(w);
    if (!w->error && w->n && sdd__write_all(w->fd, (struct iovec[]){{w->buf, w->n}}, 1, -1) < 0)
        w->error = errno;
    w->off += (int64_t)w->n;
    w->n = w->summed = 0;
}

/* Room for len more bytes in the buffer, when it can hold them. */
static void room(bw *w, size_t len)
{
    if (w->n + len > w->cap)
        flush(w);
}

static void put(bw *w, const void *p, size_t len)
{
    room(w, len);
    if (len > w->cap) {            /* the inventory's text: straight to the file */
        w->crc = crc32_z(w->crc, p, len);
        if (!w->error && sdd__write_all(w->fd, (struct iovec[]){{(void *)p, len}}, 1, -1) < 0)
            w->error = errno;
        w->off += (int64_t)len;
        return;
    }
    memcpy(w->buf + w->n, p, len);
    w->n += len;
}

static void put_u64(bw *w, uint64_t v)
{
    v = htole64(v);
    put(w, &v, 8);
}

static void put_u32(bw *w, uint32_t v)
{
    v = htole32(v);
    put(w, &v, 4);
}

static void put_u8(bw *w, unsigned v)
{
    unsigned char b = (unsigned char)v;

    put(w, &b, 1);
}

static void put_i64(bw *w, int64_t v)
{
    put_u64(w, (uint64_t)v);
}

static void put_int(bw *w, int v)
{
    put_u32(w, (uint32_t)v);
}

static void put_f64(bw *w, double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    put_u64(w, bits);
}

/* v as LEB128 at o: 7 bits a byte, low first, the top bit set on every
 * byte but the last. Returns the end. */
static unsigned char *varint_at(unsigned char *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *o++ = (unsigned char)v;
    return o;
}

static void put_varint(bw *w, uint64_t v)
{
    room(w, VARINT_MAX);
    w->n = (size_t)(varint_at(w->buf + w->n, v) - w->buf);
}

/* A signed number as a varint: 0, -1, 1, -2 ... as 0, 1, 2, 3 ... */
static void put_svarint(bw *w, int64_t v)
{
    put_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* A text: its length + 1 as a varint (0: none), then its bytes. */
static void put_text(bw *w, const char *s)
{
    size_t len = s ? strlen(s) : 0;

    put_varint(w, s ? (uint64_t)len + 1 : 0);
    if (s)
        put(w, s, len);
}

static void put_addr(bw *w, const sdd_addr *a)
{
    put(w, a->b, sizeof(a->b));
}

static void section_begin(bw *w, uint32_t tag)
{
    if (w->n + SECTION_HEAD > w->cap)
        flush(w);
    w->section = w->off + (int64_t)w->n;
    put_u32(w, tag);
    put_u32(w, 0);
    put_u64(w, 0);                      /* the length, once known */
    w->summed = w->n;
    w->crc = crc32_z(0L, NULL, 0);
}

/* The section's length into its header (in the buffer still, or on disk),
 * then its checksum. */
static void section_end(bw *w, uint32_t tag)
{
    unsigned char head[SECTION_HEAD];
    uint64_t len;

    sum_buffer(w);
    len = (uint64_t)(w->off + (int64_t)w->n - w->section - SECTION_HEAD);
    for (int i = 0; i < 4; i++)
        head[i] = (unsigned char)(tag >> (8 * i));
    memset(head + 4, 0, 4);
    for (int i = 0; i < 8; i++)
        head[8 + i] = (unsigned char)(len >> (8 * i));
    if (w->section >= w->off)
        memcpy(w->buf + (w->section - w->off), head, sizeof(head));
    else if (!w->error && sdd__write_all(w->fd, (struct iovec[]){{head, sizeof(head)}}, 1, w->section) < 0)
        w->error = errno;
    put_u32(w, (uint32_t)crc32_z(w->crc, head, sizeof(head)));
    w->summed = w->n;
}

static void write_header(bw *w, const sdd_engine *e)
{
    unsigned char *start = w->buf + w->n;

    put(w, MAGIC, 8);
    put_u32(w, SDD_STATE_VERSION);
    put_u32(w, (uint32_t)e->cfg.time_step_seconds);
    put_u32(w, (uint32_t)e->slots.n_rows);
    put_u32(w, SDD_M_COUNT);
    put_u32(w, (uint32_t)crc32_z(0L, start, 24));
    w->summed = w->n;
}

static void write_engine(bw *w, const sdd_engine *e, uint64_t history_epoch)
{
    const sdd__clock *c = &e->clock;
    sdd__clock_source key;
    int64_t newest;

    put_i64(w, e->slots.newest);
    put_i64(w, e->slots.next_close);
    put_i64(w, e->slots.first_slot);
    put_u64(w, history_epoch);
    for (int r = 0; r < e->slots.n_rows; r++) {
        put_u64(w, e->slots.row_records[r]);
        put_u8(w, e->slots.row_closed_empty[r]);
    }
    put_i64(w, c->now);
    put_i64(w, c->lead);
    put_u32(w, (uint32_t)c->n);
    for (int i = 0; i < c->n; i++) {
        sdd__clock_source_at(c, i, &key, &newest);
        put_u8(w, key.kind);
        put_addr(w, &key.router);
        put_i64(w, newest);
    }
    put_text(w, e->cursor);
}

/* The inventory's JSON text through deflate into the buffer. */
typedef struct deflating {
    bw *w;
    z_stream z;
} deflating;

/* The bytes at z's input deflated (`how`: Z_NO_FLUSH, or Z_FINISH for the
 * end of the stream), straight into the buffer. 0, or -1. */
static int deflate_into(deflating *d, int how)
{
    bw *w = d->w;
    int rc;

    do {
        if (w->cap - w->n < DEFLATE_ROOM)
            flush(w);
        d->z.next_out = w->buf + w->n;
        d->z.avail_out = (uInt)(w->cap - w->n);
        rc = deflate(&d->z, how);
        w->n = w->cap - d->z.avail_out;
    } while (rc == Z_OK && (d->z.avail_in || how == Z_FINISH));
    return rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR ? 0 : -1;
}

static int dump_to(const char *buffer, size_t size, void *data)
{
    deflating *d = data;

    d->z.next_in = (Bytef *)buffer;
    d->z.avail_in = (uInt)size;
    return deflate_into(d, Z_NO_FLUSH);
}

/* The inventory's JSON, deflated (zlib's format): about a tenth of its
 * bytes, made when it changes, its text written as it is deflated (no
 * document in memory); the checkpoints between copy it. */
static int write_inventory(bw *w, const sdd_engine *e)
{
    deflating d = {w, {0}};
    int rc = -1;

    section_begin(w, TAG_INVENTORY);
    if (deflateInit(&d.z, Z_BEST_SPEED) == Z_OK) {
        rc = sdd__inventory_write(e->inv, dump_to, &d);
        if (rc == 0)
            rc = deflate_into(&d, Z_FINISH);
        deflateEnd(&d.z);
    }
    section_end(w, TAG_INVENTORY);
    return rc;
}

/* len bytes at off of fd: 0, or -1 (a file shorter than that too). */
static int read_at(int fd, void *buf, size_t len, int64_t off)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)off + (off_t)got);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            return -1;
        got += n > 0 ? (size_t)n : 0;
    }
    return 0;
}

/* The section `at` of the file fd, whole and matching its checksum, put
 * into the new file when w is not NULL. 0, or -1. */
static int pass_section(bw *w, int fd, const sdd__state_inventory *at)
{
    unsigned char chunk[1 << 16], head[SECTION_HEAD], sum[4];
    int64_t payload = at->len - SECTION_HEAD - 4;
    uLong crc = crc32_z(0L, NULL, 0);

    if (payload < 0 || read_at(fd, head, sizeof(head), at->off) < 0 ||
        read_at(fd, sum, sizeof(sum), at->off + SECTION_HEAD + payload) < 0)
        return -1;
    if (w)
        put(w, head, sizeof(head));
    for (int64_t done = 0; done < payload;) {
        size_t n = payload - done < (int64_t)sizeof(chunk) ? (size_t)(payload - done) : sizeof(chunk);
        if (read_at(fd, chunk, n, at->off + SECTION_HEAD + done) < 0)
            return -1;
        crc = crc32_z(crc, chunk, n);
        if (w)
            put(w, chunk, n);
        done += (int64_t)n;
    }
    if (w)
        put(w, sum, sizeof(sum));
    return crc32_z(crc, head, sizeof(head)) == le32(sum) ? 0 : -1;
}

/* The inventory's section copied from the state file in place when the
 * inventory has not changed since it was written there, and that file is
 * still the one written; written again otherwise. */
static int write_or_copy_inventory(bw *w, const sdd_engine *e, sdd__state_inventory *written)
{
    const sdd__state_inventory *last = &e->state_inv;
    int fd = -1, rc = -1;
    struct stat st;

    written->version = sdd__inventory_version(e->inv);
    written->off = w->off + (int64_t)w->n;
    if (last->version == written->version && (fd = open(e->cfg.state_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
        fstat(fd, &st) == 0 && st.st_dev == last->dev && st.st_ino == last->ino && pass_section(NULL, fd, last) == 0) {
        if (pass_section(w, fd, last) < 0 && !w->error)
            w->error = EIO;             /* changed under us between two reads: this checkpoint fails */
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        rc = write_inventory(w, e);
    written->len = w->off + (int64_t)w->n - written->off;
    return rc;
}

static void write_event(bw *w, const sdd_event *ev)
{
    put_svarint(w, ev->time);
    put_u8(w, ev->kind);
    put_svarint(w, ev->termination);
    put_svarint(w, ev->reason);
    put_addr(w, &ev->peer);
    put_text(w, ev->ifname);
}

/* A site's row holds this many sums (sites.h). */
#define SITE_ROW_SUMS (SDD_SITES_TRACKED * SDD_SM_COUNT)

/* The most bytes a service's rows take, of `width` sums each (SDD_M_COUNT,
 * or SITE_ROW_SUMS for its sites: fewer). */
static size_t rows_room(const sdd_engine *e, int width)
{
    return VARINT_MAX + (size_t)e->slots.n_rows * (3 * VARINT_MAX + 8 * (size_t)width);
}

/* A sum that is a whole number below 2^53, which a varint holds exactly:
 * bytes, packets, flows. */
static int whole(double v)
{
    return v > 0 && v < WHOLE_LIMIT && (double)(uint64_t)v == v;
}

/* One row's sums that are not 0 (mask), after its index and bitmaps: a
 * whole one as a varint, another as a double. Returns the end. */
static unsigned char *row_at(unsigned char *o, int r, const double *m, uint64_t mask)
{
    uint64_t doubles = 0, v;

    for (uint64_t k = mask; k; k &= k - 1)
        doubles |= (uint64_t)!whole(m[__builtin_ctzll(k)]) << __builtin_ctzll(k);
    o = varint_at(varint_at(varint_at(o, (uint64_t)r), mask), doubles);
    for (uint64_t k = mask; k; k &= k - 1) {
        int i = __builtin_ctzll(k);
        if (doubles >> i & 1) {
            memcpy(&v, &m[i], 8);
            v = htole64(v);
            memcpy(o, &v, 8);
            o += 8;
        } else {
            o = varint_at(o, (uint64_t)m[i]);
        }
    }
    return o;
}

/* The bitmap of a row's sums that are not 0. A row is mostly zeros: a
 * group of 8 sums (a cache line) whose bits are all 0 is passed with one
 * test, so that the loads of a group go on in parallel rather than waiting
 * one by one on a chain of compares; this scan of every row is most of a
 * checkpoint's CPU. */
static uint64_t sums_mask(const double *m, int width)
{
    uint64_t mask = 0;

    for (int at = 0; at < width; at += 8) {
        int end = at + 8 < width ? at + 8 : width;
        uint64_t any = 0, bits;
        for (int i = at; i < end; i++) {
            memcpy(&bits, &m[i], 8);
            any |= bits;
        }
        for (int i = at; any && i < end; i++)
            mask |= (uint64_t)(m[i] != 0) << i;
    }
    return mask;
}

/* The rows of `width` sums that hold something: how many, then each: the
 * row, a bitmap of its sums that are not 0, a bitmap of those of them that
 * are not whole numbers, then the sums: a whole one as a varint, another as
 * a double (8 bytes). All varints. Straight into the buffer, which is made
 * to have room for all of them, their count put before them once known:
 * this is most of a state's bytes. */
static void write_rows(bw *w, const sdd_engine *e, const double *rows, int width)
{
    unsigned char *start, *o, count[VARINT_MAX];
    uint64_t used = 0;
    size_t len;

    room(w, rows_room(e, width));
    start = w->buf + w->n;
    o = start + VARINT_MAX;
    for (int r = 0; r < e->slots.n_rows; r++) {
        const double *m = rows + (size_t)r * (size_t)width;
        uint64_t mask = sums_mask(m, width);
        if (mask) {
            used++;
            o = row_at(o, r, m, mask);
        }
    }
    len = (size_t)(varint_at(count, used) - count);
    memmove(start + len, start + VARINT_MAX, (size_t)(o - start) - VARINT_MAX);
    memcpy(start, count, len);
    w->n += (size_t)(o - start) - VARINT_MAX + len;
}

static void write_contribution(bw *w, const sdd_contribution *c)
{
    const sdd_symptom *s = &c->symptom;

    put_text(w, s->detector);
    put_f64(w, s->strength);
    put_f64(w, s->weight);
    put_int(w, s->plane);
    put_text(w, s->action);
    put_text(w, s->reason);
    put_text(w, s->trigger);
    put_int(w, s->pattern);
    put_i64(w, s->start);
    put_i64(w, s->end);
    put_int(w, s->termination);
    put_text(w, s->description);
    put_i64(w, c->first);
    put_i64(w, c->last);
    put_u8(w, c->active != 0);
}

static void write_relevant_state(bw *w, const sdd_relevant_state *rs)
{
    put_u8(w, rs->open != 0);
    if (!rs->open)
        return;
    put_text(w, rs->id);
    put_i64(w, rs->start);
    put_i64(w, rs->end);
    put_int(w, rs->revision);
    put_int(w, rs->below);
    put_int(w, rs->band);
    put_int(w, rs->concern);
    put_i64(w, rs->recovered);
    put_u8(w, (unsigned)rs->n_contrib);
    for (int i = 0; i < rs->n_contrib; i++)
        write_contribution(w, &rs->contrib[i]);
}

static void write_service(bw *w, const sdd_engine *e, int i)
{
    const sdd__service_state *st = &e->services.st[i];
    sdd_event ordered[SDD_EVENTS_KEPT];
    int n = sdd__service_events(st, ordered);

    put_text(w, sdd__inventory_service(e->inv, i)->vpn_id);
    put_svarint(w, st->auto_class);
    put_svarint(w, st->auto_day);
    put_u8(w, (unsigned)n);
    for (int k = 0; k < n; k++)
        write_event(w, &ordered[k]);
    write_rows(w, e, st->rows, SDD_M_COUNT);
    write_relevant_state(w, &st->rs);
}

/* One peer outside any VRF and the routes it carries (carriers.h). */
static void write_carrier(bw *w, const sdd_engine *e, const sdd__carrier *c)
{
    put_addr(w, &c->router);
    put_addr(w, &c->peer);
    put_u32(w, (uint32_t)c->n_svcs);
    for (int i = 0; i < c->n_svcs; i++)
        put_text(w, sdd__inventory_service(e->inv, c->svcs[i].svc)->vpn_id);
    put_u32(w, c->n);
    for (uint32_t i = 0; i < c->cap; i++)
        if (c->keys[i]) {
            put_u64(w, c->keys[i]);
            put_u32(w, (uint32_t)sdd__carrier_service_at(c, c->svc_of[i]));
        }
}

/* A service's per-site levels and sums (sites.h), once it has them. */
static void write_sites(bw *w, const sdd_engine *e, int i)
{
    const sdd__sites *s = e->services.st[i].sites;

    put_text(w, sdd__inventory_service(e->inv, i)->vpn_id);
    put_i64(w, s->judged);
    put_u8(w, SDD_SITES_TRACKED);
    for (int k = 0; k < SDD_SITES_TRACKED; k++) {
        const sdd_site *u = &s->site[k];
        put_f64(w, u->share);
        put_f64(w, u->drop_share);
        put_u32(w, u->learned);
        put_u8(w, u->moved);
        put_i64(w, u->fell);
    }
    write_rows(w, e, s->rows, SITE_ROW_SUMS);
}

static void write_all_sites(bw *w, const sdd_engine *e)
{
    uint32_t n = 0;

    for (int i = 0; i < e->services.n; i++)
        n += e->services.st[i].sites != NULL;
    put_u32(w, n);
    for (int i = 0; i < e->services.n; i++)
        if (e->services.st[i].sites)
            write_sites(w, e, i);
}

int sdd__state_write(sdd_engine *e, int fd, uint64_t history_epoch, const char *path, sdd__state_inventory *written,
                     sdd_error *err)
{
    size_t cap = rows_room(e, SDD_M_COUNT) > BUFFER_SIZE ? rows_room(e, SDD_M_COUNT) : BUFFER_SIZE;
    bw w = {fd, malloc(cap), cap, 0, 0, 0, 0, 0, 0};
    int rc = 0;

    if (!w.buf)
        return sdd__fail(err, SDD_E_NOMEM, "%.300s: out of memory", path);
    write_header(&w, e);
    section_begin(&w, TAG_ENGINE);
    write_engine(&w, e, history_epoch);
    section_end(&w, TAG_ENGINE);
    rc = write_or_copy_inventory(&w, e, written);
    section_begin(&w, TAG_SERVICES);
    put_u32(&w, (uint32_t)e->services.n);
    for (int i = 0; i < e->services.n; i++)
        write_service(&w, e, i);
    section_end(&w, TAG_SERVICES);
    section_begin(&w, TAG_CARRIERS);
    put_u32(&w, (uint32_t)e->carriers.n);
    for (int i = 0; i < e->carriers.n; i++)
        write_carrier(&w, e, &e->carriers.c[i]);
    section_end(&w, TAG_CARRIERS);
    section_begin(&w, TAG_SITES);
    write_all_sites(&w, e);
    section_end(&w, TAG_SITES);
    section_begin(&w, TAG_END);
    section_end(&w, TAG_END);
    flush(&w);
    free(w.buf);
    if (rc < 0)
        return sdd__fail(err, SDD_E_NOMEM, "%.300s: out of memory", path);
    if (w.error) {
        char why[128];
        return sdd__fail(err, SDD_E_IO, "%.300s: %s", path, sdd__errno_text(w.error, why, sizeof(why)));
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct br {
    sdd__rd *r;
    const unsigned char *p, *end;
    uint32_t version;                   /* the file's */
    int cut;                            /* a value went past the section's end */
    int malformed;                      /* a varint was too long: said already */
} br;

static const unsigned char *take(br *b, size_t n)
{
    const unsigned char *p = b->p;

    if (b->cut || (size_t)(b->end - b->p) < n) {
        b->cut = 1;
        return NULL;
    }
    b->p += n;
    return p;
}

static uint64_t get_u64(br *b)
{
    const unsigned char *p = take(b, 8);
    uint64_t v = 0;

    for (int i = 0; p && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t get_u32(br *b)
{
    const unsigned char *p = take(b, 4);

    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

static unsigned get_u8(br *b)
{
    const unsigned char *p = take(b, 1);

    return p ? *p : 0;
}

static int64_t get_i64(br *b)
{
    return (int64_t)get_u64(b);
}

static int64_t get_int(br *b)
{
    return (int32_t)get_u32(b);
}

static double get_f64(br *b)
{
    uint64_t bits = get_u64(b);
    double v;

    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* A varint (put_varint): at most 10 bytes and 64 bits, or the file is
 * damaged, which is said at once; reading stops there as if cut short. */
static uint64_t get_varint(br *b)
{
    uint64_t v = 0;

    for (int shift = 0; !b->cut; shift += 7) {
        const unsigned char *p = take(b, 1);
        if (!p)
            break;
        if (shift == 63 && *p > 1) {
            b->cut = b->malformed = 1;
            sdd__rd_bad(b->r, NULL, "a number of more than 64 bits: damaged");
            break;
        }
        v |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p & 0x80))
            return v;
    }
    return 0;
}

static int64_t get_svarint(br *b)
{
    uint64_t v = get_varint(b);

    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* A count, a row: a u32 before version 7, a varint since. */
static uint64_t get_count(br *b)
{
    return b->version >= VERSION_VARINTS ? get_varint(b) : get_u32(b);
}

/* A time, an int of the services' heads and events: an i64 or an i32
 * (`wide`) before version 7, a signed varint since. */
static int64_t get_signed(br *b, int wide)
{
    if (b->version >= VERSION_VARINTS)
        return get_svarint(b);
    return wide ? get_i64(b) : get_int(b);
}

static void get_addr(br *b, sdd_addr *a)
{
    const unsigned char *p = take(b, sizeof(a->b));

    if (p)
        memcpy(a->b, p, sizeof(a->b));
}

/* A text: *len NO_TEXT for none; NULL when cut short. */
static const char *get_text(br *b, uint32_t *len)
{
    if (b->version >= VERSION_VARINTS) {
        uint64_t said = get_varint(b);
        *len = said == 0 || said > NO_TEXT ? NO_TEXT : (uint32_t)(said - 1);
        if (said > NO_TEXT)
            take(b, SIZE_MAX);          /* longer than any section: cut short */
    } else {
        *len = get_u32(b);
    }
    return *len == NO_TEXT || b->cut ? NULL : (const char *)take(b, *len);
}

/* Reading went past the section's end: its length and checksum agreed, so
 * the writer was not this format's. A varint too long has said so. */
static int cut_short(br *b)
{
    return b->malformed ? -1 : sdd__rd_bad(b->r, NULL, "ends inside a value: damaged");
}

/* A text into a buffer of `size` bytes, which it must fit. */
static int get_text_into(br *b, const char *key, char *out, size_t size)
{
    uint32_t len;
    const char *s = get_text(b, &len);

    if (b->cut)
        return cut_short(b);
    if (!s)
        return sdd__rd_bad(b->r, key, "missing");
    if (len >= size || memchr(s, '\0', len))
        return sdd__rd_bad(b->r, key, "longer than %zu bytes, or holds a NUL", size - 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* A symptom's name (detector, action, ...): a text, or none when `nullable`. */
static int get_name(br *b, const char *key, int nullable, const char **out)
{
    const unsigned char *at = b->p;
    char text[256];
    uint32_t len;

    *out = NULL;
    if (nullable && !get_text(b, &len) && len == NO_TEXT && !b->cut)
        return 0;
    b->p = at;
    if (get_text_into(b, key, text, sizeof(text)) < 0)
        return -1;
    if (!text[0])
        return sdd__rd_bad(b->r, key, "empty");
    *out = sdd__rd_keep_text(b->r, text);
    return *out ? 0 : -1;
}

static int read_engine(br *b)
{
    sdd_engine *e = b->r->e;
    sdd__slots *sl = &e->slots;
    int64_t newest = get_i64(b), next_close = get_i64(b), first = get_i64(b), epoch = get_i64(b), now, lead;
    uint32_t n_sources, len;
    const char *cursor;

    if (b->cut)
        return cut_short(b);
    if ((newest != INT64_MIN && sdd__rd_range(b->r, "newest", newest, -SDD_STATE_TIME_LIMIT,
                                              SDD_STATE_TIME_LIMIT) < 0) ||
        (next_close != INT64_MIN && sdd__rd_range(b->r, "next_close", next_close, -SDD_STATE_TIME_LIMIT / sl->step,
                                                  SDD_STATE_TIME_LIMIT / sl->step) < 0) ||
        (first != INT64_MIN && sdd__rd_range(b->r, "first_slot", first, -SDD_STATE_TIME_LIMIT / sl->step,
                                             SDD_STATE_TIME_LIMIT / sl->step) < 0) ||
        (epoch != 0 && sdd__rd_range(b->r, "history_epoch", epoch, 1, INT64_MAX) < 0))
        return -1;
    sl->newest = newest;
    sl->next_close = next_close;
    sl->first_slot = first;
    b->r->history_epoch = epoch;
    for (int r = 0; r < sl->n_rows; r++) {
        uint64_t records = get_u64(b);
        unsigned empty = get_u8(b);
        if (!b->cut && (records > INT64_MAX || empty > 1))
            return sdd__rd_bad(b->r, "row_records", "entry %d is not a count >= 0 and a flag", r);
        sl->row_records[r] = records;
        sl->row_closed_empty[r] = (uint8_t)empty;
    }
    now = get_i64(b);
    lead = get_i64(b);
    n_sources = get_u32(b);
    if (b->cut)
        return cut_short(b);
    if ((now != INT64_MIN && sdd__rd_range(b->r, "clock.now", now, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0) ||
        (lead != INT64_MIN && sdd__rd_range(b->r, "clock.lead", lead, -SDD_STATE_TIME_LIMIT,
                                            SDD_STATE_TIME_LIMIT) < 0))
        return -1;
    for (uint32_t i = 0; i < n_sources; i++) {
        unsigned kind = get_u8(b);
        sdd_addr router;
        int64_t at;
        size_t mark;
        int rc;
        get_addr(b, &router);
        at = get_i64(b);
        if (b->cut)
            return cut_short(b);
        mark = sdd__rd_enter(b->r, ".clock.sources[%u]", i);
        rc = at != INT64_MIN ? sdd__rd_range(b->r, "newest", at, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) : 0;
        if (rc == 0)
            rc = sdd__rd_source(b->r, kind, &router, at);
        sdd__rd_leave(b->r, mark);
        if (rc < 0)
            return -1;
    }
    sdd__clock_import_times(&e->clock, now, lead);
    cursor = get_text(b, &len);
    if (b->cut)
        return cut_short(b);
    if (cursor && (memchr(cursor, '\0', len) || !(e->cursor = strndup(cursor, len))))
        return sdd__rd_bad(b->r, "cursor", "holds a NUL (or out of memory)");
    return b->p == b->end ? 0 : sdd__rd_bad(b->r, NULL, "%td bytes past its values: damaged", b->end - b->p);
}

/* The section's deflated bytes (version 7) into *out (malloc'ed, *len
 * bytes): 0, or -1 said. */
static int inflate_section(br *b, char **out, size_t *len)
{
    z_stream z = {0};
    size_t cap = 4 * (size_t)(b->end - b->p) + 4096;
    char *buf = malloc(cap), *more;
    int rc = inflateInit(&z);

    z.next_in = (Bytef *)b->p;
    z.avail_in = (uInt)(b->end - b->p);
    while (buf && rc == Z_OK) {
        if (z.total_out == cap) {
            if (!(more = realloc(buf, 2 * cap)))
                break;
            buf = more;
            cap *= 2;
        }
        z.next_out = (Bytef *)buf + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out < UINT_MAX ? cap - z.total_out : UINT_MAX);
        rc = inflate(&z, Z_NO_FLUSH);
    }
    *len = z.total_out;
    inflateEnd(&z);
    if (!buf || rc == Z_OK) {
        free(buf);
        return sdd__fail(b->r->err, SDD_E_NOMEM, "%.300s: out of memory", b->r->file);
    }
    if (rc != Z_STREAM_END || z.avail_in) {
        free(buf);
        return sdd__rd_bad(b->r, NULL, "not a whole deflate stream: damaged");
    }
    *out = buf;
    return 0;
}

/* The inventory's JSON, deflated since version 7. */
static int read_inventory(br *b)
{
    json_error_t jerr;
    json_t *root;
    char *text = (char *)b->p;
    size_t len = (size_t)(b->end - b->p);
    int rc;

    if (b->version >= VERSION_VARINTS && inflate_section(b, &text, &len) < 0)
        return -1;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (text != (char *)b->p)
        free(text);
    if (!root)
        return sdd__rd_bad(b->r, NULL, "not JSON: %s (column %d)", jerr.text, jerr.column);
    rc = sdd__inventory_from_json(b->r->e->inv, root, b->r->file, b->r->err);
    json_decref(root);
    b->p = b->end;
    return rc;
}

static int read_event(br *b, sdd__service_state *st, int n_terms)
{
    sdd_event ev;
    int64_t time = get_signed(b, 1), kind = get_u8(b), term = get_signed(b, 0), reason = get_signed(b, 0);

    memset(&ev, 0, sizeof(ev));
    get_addr(b, &ev.peer);
    if (get_text_into(b, "ifname", ev.ifname, sizeof(ev.ifname)) < 0)
        return -1;
    if (sdd__rd_range(b->r, "time", time, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "kind", kind, SDD_EV_PEER_UP, SDD_EV_IFACE_DOWN) < 0 ||
        sdd__rd_range(b->r, "termination", term, -1, n_terms - 1) < 0 ||
        sdd__rd_range(b->r, "reason", reason, -1, INT_MAX) < 0)
        return -1;
    ev.time = time;
    ev.kind = (sdd_event_kind)kind;
    ev.termination = (int)term;
    ev.reason = (int)reason;
    sdd__service_add_event(st, &ev);
    return 0;
}

/* A row's sum flagged whole (version 7): a varint below 2^53. */
static double get_whole(br *b, int i, int *bad)
{
    uint64_t v = get_varint(b);

    if (!b->cut && v >= (uint64_t)WHOLE_LIMIT)
        *bad = sdd__rd_bad(b->r, NULL, "sum %d: %llu is past 2^53", i, (unsigned long long)v);
    return (double)v;
}

/* One row of `width` sums into rows: a row of the state's, not given
 * before, each of its sums finite and above 0. Version 7 flags the sums
 * that are doubles; before it, all were. */
static int read_sums(br *b, double *rows, int width)
{
    int n_rows = b->r->e->slots.n_rows, bad = 0;
    int compact = b->version >= VERSION_VARINTS;
    uint64_t at = compact ? get_varint(b) : get_u32(b);
    uint64_t mask = compact ? get_varint(b) : get_u64(b);
    uint64_t doubles = compact ? get_varint(b) : mask;
    double *m;

    if (b->cut)
        return cut_short(b);
    if (at >= (uint64_t)n_rows)
        return sdd__rd_bad(b->r, NULL, "row %llu is not one of the state's rows (0..%d)", (unsigned long long)at,
                           n_rows - 1);
    if (!mask || mask >> (width - 1) >> 1 || (doubles & ~mask))
        return sdd__rd_bad(b->r, NULL, "its bitmaps %#llx, %#llx name no sum, sums past the %d or doubles not "
                           "among them", (unsigned long long)mask, (unsigned long long)doubles, width);
    m = rows + (size_t)at * (size_t)width;
    for (int i = 0; i < width; i++)
        if (m[i] != 0)
            return sdd__rd_bad(b->r, NULL, "row %llu twice", (unsigned long long)at);
    for (int i = 0; i < width; i++) {
        if (!(mask >> i & 1))
            continue;
        m[i] = doubles >> i & 1 ? get_f64(b) : get_whole(b, i, &bad);
        if (b->cut)
            return cut_short(b);
        if (bad < 0)
            return -1;
        if (!isfinite(m[i]) || !(m[i] > 0))
            return sdd__rd_bad(b->r, NULL, "sum %d is not a finite number > 0", i);
    }
    return 0;
}

static int read_row(br *b, sdd__service_state *st, int n_terms)
{
    (void)n_terms;
    return read_sums(b, st->rows, SDD_M_COUNT);
}

static int read_site_row(br *b, sdd__service_state *st, int n_terms)
{
    (void)n_terms;
    return read_sums(b, st->sites->rows, SITE_ROW_SUMS);
}

static int read_contribution(br *b, sdd_contribution *c, int n_terms)
{
    sdd_symptom *s = &c->symptom;
    int64_t plane, pattern, term;
    unsigned active;

    memset(c, 0, sizeof(*c));
    if (get_name(b, "detector", 0, &s->detector) < 0)
        return -1;
    s->strength = get_f64(b);
    s->weight = get_f64(b);
    plane = get_int(b);
    if (get_name(b, "action", 1, &s->action) < 0 || get_name(b, "reason", 1, &s->reason) < 0 ||
        get_name(b, "trigger", 1, &s->trigger) < 0)
        return -1;
    pattern = get_int(b);
    s->start = get_i64(b);
    s->end = get_i64(b);
    term = get_int(b);
    if (get_text_into(b, "description", s->description, sizeof(s->description)) < 0)
        return -1;
    c->first = get_i64(b);
    c->last = get_i64(b);
    active = get_u8(b);
    if (b->cut)
        return cut_short(b);
    if (sdd__rd_amount(b->r, "strength", s->strength) < 0 || sdd__rd_amount(b->r, "weight", s->weight) < 0 ||
        sdd__rd_range(b->r, "plane", plane, SDD_PLANE_MANAGEMENT, SDD_PLANE_FORWARDING) < 0 ||
        sdd__rd_range(b->r, "pattern", pattern, SDD_PATTERN_NONE, SDD_PATTERN_OTHER) < 0 ||
        sdd__rd_range(b->r, "start", s->start, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "end", s->end, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "termination", term, -1, n_terms - 1) < 0 ||
        sdd__rd_range(b->r, "first", c->first, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "last", c->last, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "active", active, 0, 1) < 0)
        return -1;
    s->plane = (sdd_plane)plane;
    s->pattern = (sdd_pattern)pattern;
    s->termination = (int)term;
    c->active = (int)active;
    return 0;
}

/* The state's fields; the caller has entered "relevant_state". */
static int read_relevant_fields(br *b, sdd_relevant_state *rs, int n_terms)
{
    int64_t revision, below, band, concern;
    unsigned n;

    if (get_text_into(b, "id", rs->id, sizeof(rs->id)) < 0)
        return -1;
    rs->start = get_i64(b);
    rs->end = get_i64(b);
    revision = get_int(b);
    below = get_int(b);
    band = get_int(b);
    concern = get_int(b);
    rs->recovered = get_i64(b);
    n = get_u8(b);
    if (b->cut)
        return cut_short(b);
    if (sdd__rd_uuid(b->r, rs->id) < 0 ||
        sdd__rd_range(b->r, "start", rs->start, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "end", rs->end, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "revision", revision, 0, INT_MAX - 1) < 0 ||
        sdd__rd_range(b->r, "below", below, 0, INT_MAX - 1) < 0 || sdd__rd_range(b->r, "band", band, 0, 3) < 0 ||
        sdd__rd_range(b->r, "concern", concern, 0, 100) < 0 ||
        sdd__rd_range(b->r, "recovered", rs->recovered, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT) < 0 ||
        sdd__rd_range(b->r, "contributions", n, 0, SDD_CONTRIB_MAX) < 0)
        return -1;
    rs->revision = (int)revision;
    rs->below = (int)below;
    rs->band = (int)band;
    rs->concern = (int)concern;
    for (unsigned i = 0; i < n; i++) {
        size_t mark = sdd__rd_enter(b->r, ".contributions[%u]", i);
        int rc = read_contribution(b, &rs->contrib[rs->n_contrib++], n_terms);
        sdd__rd_leave(b->r, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_relevant_state(br *b, sdd_relevant_state *rs, int n_terms)
{
    unsigned open = get_u8(b);
    size_t mark;
    int rc;

    if (b->cut)
        return cut_short(b);
    if (open > 1)
        return sdd__rd_bad(b->r, "relevant_state", "%u is not a flag", open);
    if (!open)
        return 0;
    rs->contrib = calloc(SDD_CONTRIB_MAX, sizeof(*rs->contrib));
    if (!rs->contrib)
        return sdd__fail(b->r->err, SDD_E_NOMEM, "%.300s: out of memory", b->r->file);
    rs->open = 1;
    mark = sdd__rd_enter(b->r, ".relevant_state");
    rc = read_relevant_fields(b, rs, n_terms);
    sdd__rd_leave(b->r, mark);
    return rc;
}

typedef int (*read_one_fn)(br *b, sdd__service_state *st, int n_terms);

/* The events, the rows: n of them at most max, each where messages say. */
static int read_list(br *b, const char *what, read_one_fn one, uint64_t n, uint32_t max, sdd__service_state *st,
                     int n_terms)
{
    if (b->cut)
        return cut_short(b);
    if (n > max)
        return sdd__rd_bad(b->r, what, "%llu entries, at most %u", (unsigned long long)n, max);
    for (uint32_t i = 0; i < n; i++) {
        size_t mark = sdd__rd_enter(b->r, ".%s[%u]", what, i);
        int rc = one(b, st, n_terms);
        sdd__rd_leave(b->r, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_service(br *b, uint8_t *seen)
{
    char vpn[SDD_RT_TEXT_MAX];
    sdd__service_state *st;
    int64_t cls, day;
    int svc, n_terms;

    if (get_text_into(b, "vpn_id", vpn, sizeof(vpn)) < 0)
        return -1;
    if (!(st = sdd__rd_service(b->r, vpn, seen, &svc, &n_terms)))
        return -1;
    cls = get_signed(b, 0);
    day = get_signed(b, 1);
    if (b->cut)
        return cut_short(b);
    if (sdd__rd_class(b->r, svc, cls, day) < 0 ||
        read_list(b, "events", read_event, get_u8(b), SDD_EVENTS_KEPT, st, n_terms) < 0 ||
        read_list(b, "rows", read_row, get_count(b), (uint32_t)b->r->e->slots.n_rows, st, n_terms) < 0)
        return -1;
    return read_relevant_state(b, &st->rs, n_terms);
}

static int read_services(br *b)
{
    uint8_t *seen = calloc((size_t)sdd__inventory_count(b->r->e->inv) + 1, 1);
    uint32_t n = get_u32(b);
    int rc = b->cut ? cut_short(b) : 0;

    if (!seen)
        return sdd__fail(b->r->err, SDD_E_NOMEM, "%.300s: out of memory", b->r->file);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        size_t mark = sdd__rd_enter(b->r, "services[%u]", i);
        rc = read_service(b, seen);
        sdd__rd_leave(b->r, mark);
    }
    free(seen);
    if (rc == 0 && b->p != b->end)
        rc = sdd__rd_bad(b->r, NULL, "%td bytes past its values: damaged", b->end - b->p);
    return rc;
}

/* The services of a carrier, by vpn_id, into svc[]: each in the inventory. */
static int read_carried(br *b, int *svc, uint32_t n)
{
    char vpn[SDD_RT_TEXT_MAX];

    for (uint32_t i = 0; i < n; i++) {
        if (get_text_into(b, "services", vpn, sizeof(vpn)) < 0)
            return -1;
        if ((svc[i] = sdd__inventory_find(b->r->e->inv, vpn)) < 0)
            return sdd__rd_bad(b->r, "services", "\"%s\" is not a service of the state's inventory", vpn);
    }
    return 0;
}

/* A carrier's routes back. One refused by a lowered max_global_routes is
 * counted, as when it was read. */
static int read_carrier(br *b)
{
    sdd_addr router, peer;
    uint32_t n_svcs, n;
    int *svc, rc;

    get_addr(b, &router);
    get_addr(b, &peer);
    n_svcs = get_u32(b);
    if (b->cut)
        return cut_short(b);
    if (n_svcs > (uint32_t)sdd__inventory_count(b->r->e->inv))
        return sdd__rd_bad(b->r, "services", "%u, more than the inventory's", n_svcs);
    if (!(svc = malloc(((size_t)n_svcs + 1) * sizeof(*svc))))
        return sdd__fail(b->r->err, SDD_E_NOMEM, "%.300s: out of memory", b->r->file);
    rc = read_carried(b, svc, n_svcs);
    n = rc < 0 ? 0 : get_u32(b);
    if (rc == 0 && (b->cut || n > (size_t)(b->end - b->p) / 12))
        rc = cut_short(b);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        uint64_t key = get_u64(b);
        uint32_t at = get_u32(b);
        if (!key || at >= n_svcs)
            rc = sdd__rd_bad(b->r, "routes", "route %u: fingerprint 0 or service %u of %u", i, at, n_svcs);
        else
            sdd__carriers_add(&b->r->e->carriers, &router, &peer, key, svc[at]);
    }
    free(svc);
    return rc;
}

/* A section that is a count, then that many entries, each read by one()
 * where messages say ("carriers[2]"), and nothing after them. */
static int read_each(br *b, int (*one)(br *b))
{
    uint32_t n = get_u32(b);
    int rc = b->cut ? cut_short(b) : 0;

    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        size_t mark = sdd__rd_enter(b->r, "[%u]", i);
        rc = one(b);
        sdd__rd_leave(b->r, mark);
    }
    if (rc == 0 && b->p != b->end)
        rc = sdd__rd_bad(b->r, NULL, "%td bytes past its values: damaged", b->end - b->p);
    return rc;
}

static int read_carriers(br *b)
{
    return read_each(b, read_carrier);
}

/* A share as sites.c learns it: a float mean of shares, 0..1 (a rounding
 * over). */
static int get_share(br *b, const char *key, float *out)
{
    double v = get_f64(b);

    if (b->cut)
        return cut_short(b);
    if (!(v >= 0 && v <= 1.0 + 1e-6) || (double)(float)v != v)
        return sdd__rd_bad(b->r, key, "%g is not a share (0..1, a float's)", v);
    *out = (float)v;
    return 0;
}

/* A slot's start, or INT64_MIN for none. */
static int check_slot_or_none(br *b, const char *key, int64_t v)
{
    return v == INT64_MIN ? 0 : sdd__rd_range(b->r, key, v, -SDD_STATE_TIME_LIMIT, SDD_STATE_TIME_LIMIT);
}

/* One site's levels and fall in progress. */
static int read_site(br *b, sdd_site *u)
{
    int64_t learned, moved;

    if (get_share(b, "share", &u->share) < 0 || get_share(b, "drop_share", &u->drop_share) < 0)
        return -1;
    learned = get_u32(b);
    moved = get_u8(b);
    u->fell = get_i64(b);
    if (b->cut)
        return cut_short(b);
    if (sdd__rd_range(b->r, "learned", learned, 0, SDD_SITE_LEARN_SLOTS) < 0 ||
        sdd__rd_range(b->r, "moved", moved, 0, u->fell != INT64_MIN) < 0 || check_slot_or_none(b, "fell", u->fell) < 0)
        return -1;
    u->learned = (uint16_t)learned;
    u->moved = (uint8_t)moved;
    return 0;
}

/* A service's sites: one of several terminations, listed once. */
static int read_sites(br *b)
{
    char vpn[SDD_RT_TEXT_MAX];
    sdd_engine *e = b->r->e;
    sdd__service_state *st;
    int svc;
    unsigned n;

    if (get_text_into(b, "vpn_id", vpn, sizeof(vpn)) < 0)
        return -1;
    if ((svc = sdd__inventory_find(e->inv, vpn)) < 0)
        return sdd__rd_bad(b->r, "vpn_id", "\"%s\" is not a service of the state's inventory", vpn);
    if (sdd__inventory_service(e->inv, svc)->n_terms < 2)
        return sdd__rd_bad(b->r, "vpn_id", "\"%s\" has one termination: no sites", vpn);
    if (!(st = sdd__services_get(&e->services, svc, e->inv, &e->cfg, e->hist)))
        return sdd__rd_bad(b->r, "vpn_id", "\"%s\" could not be given memory or history", vpn);
    if (st->sites)
        return sdd__rd_bad(b->r, "vpn_id", "\"%s\" is listed twice", vpn);
    if (!(st->sites = sdd__sites_new(e->slots.n_rows)))
        return sdd__fail(b->r->err, SDD_E_NOMEM, "%.300s: out of memory", b->r->file);
    st->sites->judged = get_i64(b);
    n = get_u8(b);
    if (b->cut)
        return cut_short(b);
    if (check_slot_or_none(b, "judged", st->sites->judged) < 0 ||
        sdd__rd_range(b->r, "sites", n, SDD_SITES_TRACKED, SDD_SITES_TRACKED) < 0)
        return -1;
    for (unsigned k = 0; k < n; k++) {
        size_t mark = sdd__rd_enter(b->r, ".site[%u]", k);
        int rc = read_site(b, &st->sites->site[k]);
        sdd__rd_leave(b->r, mark);
        if (rc < 0)
            return -1;
    }
    return read_list(b, "rows", read_site_row, get_count(b), (uint32_t)e->slots.n_rows, st, 0);
}

static int read_all_sites(br *b)
{
    return read_each(b, read_sites);
}

static int read_end(br *b)
{
    (void)b;
    return 0;
}

static const struct {
    uint32_t tag;
    const char *name;
    const char *at;                     /* its fields' place in messages */
    int (*read)(br *b);
    uint32_t since;                     /* the version that has it */
} sections[] = {
    {TAG_ENGINE, "engine", "engine", read_engine, VERSION_OLDEST},
    {TAG_INVENTORY, "inventory", "inventory", read_inventory, VERSION_OLDEST},
    {TAG_SERVICES, "services", "", read_services, VERSION_OLDEST},      /* "services[3].rows[0]" */
    {TAG_CARRIERS, "carriers", "carriers", read_carriers, VERSION_CARRIERS},
    {TAG_SITES, "sites", "sites", read_all_sites, VERSION_SITES},
    {TAG_END, "end", "", read_end, VERSION_OLDEST},
};

/* The header: magic, checksum, version, then the configuration's layout
 * (*damaged 0 for the last two: the file is whole, of another kind). */
static int read_header(sdd__rd *r, const unsigned char *p, size_t len, int *damaged)
{
    if (len == 0)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: empty: cut short", r->file);
    if (len < 8 || memcmp(p, MAGIC, 8) != 0) {
        *damaged = 0;
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: not a pmacct-sdd state file (no SDDSTATE or JSON at its start)",
                         r->file);
    }
    if (len < HEADER_SIZE)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: cut short in its header", r->file);
    if (crc32_z(0L, p, 24) != le32(p + 24))
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: its header does not match its checksum: damaged", r->file);
    *damaged = 0;
    if (sdd__rd_header(r, le32(p + 8), VERSION_OLDEST, SDD_STATE_VERSION, le32(p + 12), le32(p + 16)) < 0)
        return -1;
    if (le32(p + 20) != SDD_M_COUNT)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: written with %u sums per row, this engine keeps %d; remove it "
                         "to start afresh", r->file, le32(p + 20), SDD_M_COUNT);
    *damaged = 1;
    return 0;
}

/* Section i at p of a file of `version`: whole and matching its checksum,
 * then read. */
static int read_section(sdd__rd *r, uint32_t version, int i, const unsigned char **p, const unsigned char *end)
{
    size_t left = (size_t)(end - *p);
    uint64_t len;
    br b = {r, NULL, NULL, version, 0, 0};
    size_t mark;
    int rc;

    if (left < SECTION_HEAD)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: cut short before its %s section", r->file, sections[i].name);
    len = (uint64_t)le32(*p + 8) | (uint64_t)le32(*p + 12) << 32;
    if (len > left - SECTION_HEAD || left - SECTION_HEAD - len < 4)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: cut short in its %s section (%llu bytes said, %zu left)",
                         r->file, sections[i].name, (unsigned long long)len, left - SECTION_HEAD);
    if (crc32_z(crc32_z(0L, *p + SECTION_HEAD, (z_size_t)len), *p, SECTION_HEAD) != le32(*p + SECTION_HEAD + len))
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: its %s section does not match its checksum: changed or "
                         "damaged on disk", r->file, sections[i].name);
    if (le32(*p) != sections[i].tag || le32(*p + 4) != 0)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: section %d is not its %s section: damaged", r->file, i + 1,
                         sections[i].name);
    b.p = *p + SECTION_HEAD;
    b.end = b.p + len;
    *p = b.end + 4;
    mark = sdd__rd_enter(r, "%s", sections[i].at);
    rc = sections[i].read(&b);
    sdd__rd_leave(r, mark);
    return rc;
}

int sdd__state_read(sdd__rd *r, const char *text, size_t len, int *damaged)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;

    *damaged = 1;
    if (read_header(r, p, len, damaged) < 0)
        return -1;
    uint32_t version = le32(p + 8);
    p += HEADER_SIZE;
    for (int i = 0; i < (int)(sizeof(sections) / sizeof(sections[0])); i++)
        if (sections[i].since <= version && read_section(r, version, i, &p, end) < 0)
            return -1;
    if (p != end)
        return sdd__fail(r->err, SDD_E_DATA, "%.300s: %td bytes after its end section: damaged", r->file, end - p);
    return 0;
}
