/* SPDX-License-Identifier: GPL-2.0-or-later */
/* history.c: the per-entity history store, in a memory-mapped file or in memory.
 *
 * Values. A slot holds a 16-bit code. Code 0 (SDD_HISTORY_NO_DATA) means "no
 * data for this slot"; it is zero so that fresh file space (ftruncate) reads as
 * no data without being written. Any other code c holds r = c - 1, a small
 * float with a 6-bit exponent e = r >> 10 and a 10-bit mantissa m = r & 1023:
 *     e == 0:  value = m                       (0 .. 1023, exact)
 *     e >= 1:  value = (1024 + m) * 2^(e - 1)  (1024 .. 2046 * 2^62 ~ 9.4e21)
 * e == 1 continues the integers (1024 .. 2047), so every integer 0 .. 2048 is
 * exact, and codes are monotonic: a larger code never means a smaller value.
 * Encoding rounds to the nearest code, so the error is at most half a step:
 *     value <  1024:  absolute error <= 0.5 (none for integers),
 *     value >= 1024:  relative error <= 2^-11 (0.049 %).
 * Values above SDD_HISTORY_VALUE_MAX (and +inf) saturate to it; negative
 * values and NaN are refused by sdd__history_add.
 *
 * Accumulating. Decoding, adding and re-encoding on every add would lose small
 * adds into a large value (adding 1 to 1e6 rounds back to 1e6). So each entity
 * keeps the exact sums (doubles) of its SDD_HISTORY_OPEN_SLOTS newest slots,
 * for every series of both tiers. An add to one of those slots adds to the
 * exact sum and stores the code of the sum (write-through, so the ring is
 * always current); reading one of them returns the exact sum. Once a slot is
 * older than that window it reads as its code: the exact sum within the bound
 * above. A late add to such an older slot (still inside its ring) decodes,
 * adds and re-encodes, which can add one more rounding per late add: after k
 * such adds the relative error is at most (k + 1) * 2^-11 of the largest
 * running sum (plus 0.5 per add below 1024).
 *
 * Rings. Slot s of a ring of n slots sits at position s mod n (floor modulo).
 * Each entity has one newest slot shared by the long and short tiers; a ring of n slots
 * holds the slots newest - n + 1 .. newest. A tier's ring is slot-major: a
 * position is a row of the codes of all the tier's series for that slot
 * (ring[position][series]), so that what a minute writes (one row a tier,
 * 8 bytes of the long tier, 74 of the short one in the default shape) and
 * what a detector reads of one slot across series sit in a cache line or
 * two, not in one ring per series kilobytes apart; a window of one series
 * is read with a stride of a row.
 *
 * The coarse tier. A coarse slot c covers the fine slots c*f .. c*f+f-1 (f =
 * coarse_factor) of the long series. Just before an advance drops its first
 * fine slot from the long ring, it is folded: it becomes the mean of those
 * of its f slots with data (no data when none has). The head keeps the
 * newest coarse slot folded, and each is folded once: after a rewind to a
 * checkpoint the long ring may have lost some of the fine slots a fold
 * read, so folding again would not give what an uninterrupted run has. Writing a newer slot clears (to no
 * data) the positions of every slot between the old newest and the new one,
 * in both tiers and in the exact sums, before newest moves forward.
 *
 * File layout (host byte order; the file is not portable between machines of
 * different byte order, and says so when opened on one):
 *   0     header copy 0 (struct file_header, 128 bytes)
 *   2048  header copy 1 (in another disk sector than copy 0)
 *   4096  capacity entity blocks of block_bytes (a multiple of 64) each:
 *           key[64] NUL-terminated, newest slot, has-data flag,
 *           exact sums [OPEN_SLOTS][long_series + short_series] (double),
 *           long ring [long_slots][long_series] (uint16),
 *           short ring [short_slots][short_series] (uint16),
 *           coarse ring [coarse_slots][coarse_series] (uint16).
 * Version 2 had the same blocks with one ring per series ([series][slots]);
 * such a file is converted when opened (see convert()): rewritten whole to
 * PATH.new, synced, renamed over PATH, its undo log dropped.
 * One block per entity keeps all of a service's history together, and growing
 * the store appends blocks (ftruncate + mremap) without moving any data.
 * The header holds magic, format version (always at offset 8, so any later
 * version is recognised as newer), byte-order mark, a generation counter, the
 * shape, the number of open slots, block size, entity capacity and count, the
 * clean flag and an FNV-1a checksum of the rest of the copy.
 *
 * Header updates and torn writes. The header is never updated in place: a
 * change is written, with generation + 1, over the older of the two copies.
 * Opening takes the newest copy whose magic, version and checksum are right
 * and whose capacity matches the file size; a copy torn by a crash fails its
 * checksum and the previous copy (the state one update earlier) is used.
 * Growing writes the header with the larger capacity (and msyncs it) before
 * the file is extended, so either the old or the new copy matches the size
 * whatever reaches the disk. A file matching no copy (truncated, cut by a
 * failing disk) is refused, as is a file with no valid copy; neither is read
 * as data. New entities are created by clearing their block, writing the key,
 * then counting them in the header: a crash in between leaves a block that is
 * simply reused.
 *
 * What survives. The header is clean after sdd__history_sync or close, and is
 * marked not clean (and msynced) before the first write after that, so a file
 * that was not clean at open (sdd__history_recovered) was being written when
 * its writer stopped. A process crash loses nothing already written (the
 * mapping's pages belong to the kernel's page cache). A power loss keeps
 * everything up to the last sync; slots written after it may come back partly
 * old, partly new (each 16-bit code and each sum is stored whole, but pages
 * reach the disk in any order), and keys created after it may be empty, in
 * which case that entity is left unused. The structure is always read from a
 * checksummed header; only data written after the last sync is best effort.
 * Entity blocks have no checksum, but what a crash cannot leave in them (a
 * key without its NUL or twice, a newest slot out of range) is refused at
 * open, naming the entity, rather than read.
 * A file can be opened by one store at a time (flock); a second is refused.
 *
 * Going back to a checkpoint. A restart goes on from the last checkpoint
 * (checkpoint.c), but the file holds what was written since. The slots from
 * the oldest one the checkpoint's state has a row for are forgotten and
 * written again (sdd__history_rewind); what cannot be written again is what
 * the rings dropped since: an advance past the checkpoint's newest slot
 * clears positions that held slots older than any row. So each advance
 * first copies what it clears of the checkpoint's history to the undo log
 * PATH.undo (undo.h, made by the first checkpoint): the entity's head and
 * exact sums once, and ring positions up to one ring's length past the
 * checkpoint's newest slot, a few bytes per series and slot (and nothing
 * while no checkpoint has begun the log). A checkpoint starts the log over
 * (sdd__history_begin) once its state is written; a restart from it puts
 * the bytes back (sdd__history_roll_back), so history is the checkpoint's
 * however far the engine went on, even past a whole ring.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fdio.h"
#include "engine/history.h"
#include "engine/undo.h"

#define HIST_MAGIC "SDD-HIST"
#define HIST_VERSION 3u                 /* 3: slot-major rings, a slot's series side by side */
#define HIST_VERSION_SERIES_MAJOR 2u    /* one ring per series: converted when opened */
#define HIST_BYTE_ORDER 0x01020304u
#define HEADER_BYTES 4096u
#define HEADER_COPY_SPACING 2048u
#define BLOCK_ALIGN 64u
#define BLOCK_MAX (UINT32_C(1) << 30)
#define INITIAL_CAPACITY 16u
#define CAPACITY_MAX (UINT32_C(1) << 30)
#define INDEX_MIN 64u
/* Slots are refused beyond +-2^40 (35,000 years of one-second slots): no
 * record's time is there, differences of slots stay far from overflowing,
 * and a newest slot beyond it found at open is damage, not a time. */
#define SLOT_LIMIT (INT64_C(1) << 40)

/* One copy of the file header. Only fixed-width fields, no padding, so the
 * checksum covers defined bytes. */
struct file_header {
    char magic[8];
    uint32_t version;
    uint32_t byte_order;
    uint64_t generation;
    uint32_t header_bytes;
    uint32_t block_bytes;
    uint32_t slot_seconds;
    uint32_t long_slots;
    uint32_t short_slots;
    uint16_t long_series;
    uint16_t short_series;
    uint32_t open_slots;
    uint32_t capacity;
    uint32_t count;
    uint32_t clean;
    uint32_t coarse_slots;
    uint32_t coarse_factor;
    uint16_t coarse_series;
    uint16_t padding;
    uint8_t reserved[44];
    uint64_t checksum;
};
_Static_assert(sizeof(struct file_header) == 128, "file header is 128 bytes");

/* The fixed part at the start of every entity block. */
struct entity_head {
    char key[SDD_HISTORY_KEY_MAX];
    int64_t newest;
    uint32_t has_data;
    uint32_t reserved;
    int64_t folded;         /* the newest coarse slot folded from the long ring */
};
_Static_assert(sizeof(struct entity_head) % 8 == 0, "sums after the head stay aligned");

/* Where things sit inside an entity block. */
struct layout {
    size_t sums;        /* offset of the exact sums */
    size_t rings[3];    /* offset of the long, short, coarse rings */
    size_t block;       /* bytes of a block */
};

struct sdd_history {
    int fd;                     /* -1 in memory */
    uint8_t *base;              /* header page, then the blocks */
    size_t map_bytes;
    sdd_history_shape shape;
    struct layout lay;
    struct file_header hdr;     /* as last committed */
    int active;                 /* the header copy holding hdr */
    int recovered;
    int32_t *index;             /* open addressing by key: entity, or -1 */
    uint32_t index_size;        /* a power of two */
    char *undo_path;            /* PATH.undo; NULL in memory */
    sdd_undo *undo;             /* the undo log (undo.h); NULL until there is one */
    int keeping;                /* a checkpoint has begun the log: what it had is kept */
    struct kept *kept;          /* per entity: what the log holds of it */
    uint32_t kept_n;
    sdd_undo_range ranges[7];   /* one advance's: the head, and two per tier (a ring wraps) */
};

/* What the undo log holds of an entity: `from` is its newest slot when the
 * log began (KEPT_NOT_YET before its first advance since, KEPT_NOTHING when
 * it had no data then), and its ring positions are kept for the slots from
 * + 1 .. `to` (as far as each ring held the checkpoint's slots). */
struct kept {
    int64_t from, to;
};
#define KEPT_NOT_YET INT64_MIN
#define KEPT_NOTHING (INT64_MIN + 1)

/* ---- the value encoding ---------------------------------------------- */

uint16_t sdd__history_encode(double value)
{
    uint32_t raw;

    if (!(value > 0))
        return 1;
    if (value >= SDD_HISTORY_VALUE_MAX)
        return UINT16_MAX;
    if (value < 1024) {
        raw = (uint32_t)floor(value + 0.5);
    } else {
        /* value = 1.mant * 2^(b - 1023), b its biased exponent: the code's
         * step is 2^(b - 1033), so q = round(value / step) is 1024 plus the
         * top 10 bits of the mantissa, plus the next bit (half rounds up),
         * read from the bits rather than with frexp and ldexp. */
        uint64_t bits;
        memcpy(&bits, &value, sizeof(bits));
        uint32_t b = (uint32_t)(bits >> 52), mant = (uint32_t)(bits >> 41) & 2047u;
        uint32_t q = 1024 + (mant >> 1) + (mant & 1);                   /* 1024 .. 2048 */
        raw = (b - 1033) * 1024u + q;   /* q == 2048 carries into the next exponent */
    }
    return (uint16_t)(raw + 1);   /* at most 0xffff: value < SDD_HISTORY_VALUE_MAX */
}

/* (1024 + m) * 2^(e - 1) is the double of exponent e + 9 and mantissa m
 * (its top 10 bits), built directly: the same value as ldexp gives, without
 * its call, as detection decodes some thousand codes a service and slot. */
double sdd__history_decode(uint16_t code)
{
    uint32_t raw = code ? code - 1u : 0;
    uint64_t bits;
    double value;

    if (raw < 1024)
        return raw;
    bits = (uint64_t)((raw >> 10) + 9 + 1023) << 52 | (uint64_t)(raw & 1023u) << 42;
    memcpy(&value, &bits, sizeof(value));
    return value;
}

/* ---- shape and layout ------------------------------------------------- */

static int layout_of(const sdd_history_shape *s, struct layout *out)
{
    uint64_t series = (uint64_t)s->long_series + s->short_series;
    uint64_t sums = sizeof(struct entity_head);
    uint64_t longs = sums + SDD_HISTORY_OPEN_SLOTS * series * sizeof(double);
    uint64_t shorts = longs + (uint64_t)s->long_series * s->long_slots * sizeof(uint16_t);
    uint64_t coarse = shorts + (uint64_t)s->short_series * s->short_slots * sizeof(uint16_t);
    uint64_t end = coarse + (uint64_t)s->coarse_series * s->coarse_slots * sizeof(uint16_t);

    if (s->slot_seconds == 0 || s->long_slots == 0 || s->short_slots == 0 ||
        (s->coarse_slots && (s->coarse_factor == 0 || s->coarse_factor > s->long_slots ||
                             s->coarse_series == 0 || s->coarse_series > s->long_series)))
        return -1;
    end = (end + BLOCK_ALIGN - 1) / BLOCK_ALIGN * BLOCK_ALIGN;
    if (end > BLOCK_MAX)
        return -1;
    out->sums = (size_t)sums;
    out->rings[0] = (size_t)longs;
    out->rings[1] = (size_t)shorts;
    out->rings[2] = (size_t)coarse;
    out->block = (size_t)end;
    return 0;
}

size_t sdd__history_bytes_per_entity(const sdd_history_shape *shape)
{
    struct layout lay;

    return layout_of(shape, &lay) == 0 ? lay.block : 0;
}

static uint64_t file_bytes(uint32_t capacity, uint32_t block)
{
    return HEADER_BYTES + (uint64_t)capacity * block;
}

/* ---- header ------------------------------------------------------------ */

static uint64_t fnv1a(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t header_sum(const struct file_header *hdr)
{
    return fnv1a(hdr, offsetof(struct file_header, checksum));
}

static void header_init(struct file_header *hdr, const sdd_history_shape *s, size_t block)
{
    memset(hdr, 0, sizeof(*hdr));
    memcpy(hdr->magic, HIST_MAGIC, sizeof(hdr->magic));
    hdr->version = HIST_VERSION;
    hdr->byte_order = HIST_BYTE_ORDER;
    hdr->header_bytes = HEADER_BYTES;
    hdr->block_bytes = (uint32_t)block;
    hdr->slot_seconds = s->slot_seconds;
    hdr->long_slots = s->long_slots;
    hdr->short_slots = s->short_slots;
    hdr->long_series = s->long_series;
    hdr->short_series = s->short_series;
    hdr->coarse_slots = s->coarse_slots;
    hdr->coarse_series = s->coarse_series;
    hdr->coarse_factor = s->coarse_factor;
    hdr->open_slots = SDD_HISTORY_OPEN_SLOTS;
    hdr->clean = 1;
}

static uint8_t *header_copy(uint8_t *page, int which)
{
    return page + (size_t)which * HEADER_COPY_SPACING;
}

/* Writes hdr over the older copy and makes it the current one: the copy
 * being replaced is never the one a reader would fall back to. */
static void header_commit(sdd_history *h)
{
    h->hdr.generation++;
    h->hdr.checksum = header_sum(&h->hdr);
    h->active ^= 1;
    memcpy(header_copy(h->base, h->active), &h->hdr, sizeof(h->hdr));
}

static int header_flush(sdd_history *h)
{
    return h->fd < 0 ? 0 : msync(h->base, HEADER_BYTES, MS_SYNC);
}

/* Before the first write after a sync the file stops being clean, on disk
 * first, so that a clean header always means "synced since last written". */
static void mark_dirty(sdd_history *h)
{
    if (!h->hdr.clean)
        return;
    h->hdr.clean = 0;
    header_commit(h);
    (void)header_flush(h);   /* on failure the flag is only stale, never wrong data */
}

/* What one header copy is worth, in the order in which a refusal explains
 * itself best: a copy that got further says more about the file. */
enum header_state {
    HEADER_FOREIGN, HEADER_BYTE_ORDER, HEADER_OLD_VERSION, HEADER_CHECKSUM,
    HEADER_INCONSISTENT, HEADER_NEWER, HEADER_OK
};

static const char *const header_state_text[] = {
    [HEADER_FOREIGN] = "not a pmacct-sdd history file (bad magic)",
    [HEADER_BYTE_ORDER] = "written on a machine of another byte order",
    [HEADER_OLD_VERSION] = ("an older history format (version 1, before the older weeks were kept coarse); "
                            "move the file away to start a new history"),
    [HEADER_CHECKSUM] = "header checksum mismatch (corrupt header)",
    [HEADER_INCONSISTENT] = "inconsistent header",
    [HEADER_NEWER] = "written by a newer version of the history format; upgrade pmacct-sdd",
    [HEADER_OK] = "",
};

/* The more telling of two refusals. */
static enum header_state state_worse(enum header_state a, enum header_state b)
{
    if (a == HEADER_OK)
        return b;
    if (b == HEADER_OK)
        return a;
    return a > b ? a : b;
}

/* The version is checked before the checksum: a newer format may checksum
 * differently, and must be told apart from corruption. */
static enum header_state header_state_of(const struct file_header *hdr)
{
    if (memcmp(hdr->magic, HIST_MAGIC, sizeof(hdr->magic)) != 0)
        return HEADER_FOREIGN;
    if (hdr->byte_order != HIST_BYTE_ORDER)
        return HEADER_BYTE_ORDER;
    if (hdr->version > HIST_VERSION)
        return HEADER_NEWER;
    if (hdr->version < HIST_VERSION_SERIES_MAJOR)
        return HEADER_OLD_VERSION;
    if (hdr->checksum != header_sum(hdr))
        return HEADER_CHECKSUM;
    if (hdr->header_bytes != HEADER_BYTES || hdr->count > hdr->capacity ||
        hdr->capacity > CAPACITY_MAX)
        return HEADER_INCONSISTENT;
    return HEADER_OK;
}

/* Picks the newest usable header copy whose capacity matches the file size.
 * Any copy from a newer format keeps the whole file out. */
static int header_pick(const uint8_t *page, uint64_t size, const char *path,
                       struct file_header *out, int *which, sdd_error *err)
{
    struct file_header copy[2];
    enum header_state state[2];
    int best = -1, newest = -1;

    for (int i = 0; i < 2; i++) {
        memcpy(&copy[i], page + (size_t)i * HEADER_COPY_SPACING, sizeof(copy[i]));
        state[i] = header_state_of(&copy[i]);
        if (state[i] != HEADER_OK)
            continue;
        if (newest < 0 || copy[i].generation > copy[newest].generation)
            newest = i;
        if (file_bytes(copy[i].capacity, copy[i].block_bytes) == size &&
            (best < 0 || copy[i].generation > copy[best].generation))
            best = i;
    }
    if (newest < 0 || state[0] == HEADER_NEWER || state[1] == HEADER_NEWER) {
        sdd__fail(err, SDD_E_DATA, "history file %s: %s", path, header_state_text[state_worse(state[0], state[1])]);
        return -1;
    }
    if (best < 0) {
        sdd__fail(err, SDD_E_DATA, "history file %s: size %llu bytes does not match its header (%llu "
                "expected): truncated or damaged", path, (unsigned long long)size,
                (unsigned long long)file_bytes(copy[newest].capacity, copy[newest].block_bytes));
        return -1;
    }
    *out = copy[best];
    *which = best;
    return 0;
}

static int header_check_shape(const struct file_header *hdr, const sdd_history_shape *s,
                              size_t block, const char *path, sdd_error *err)
{
    if (hdr->slot_seconds == s->slot_seconds && hdr->long_slots == s->long_slots &&
        hdr->short_slots == s->short_slots && hdr->long_series == s->long_series &&
        hdr->short_series == s->short_series && hdr->open_slots == SDD_HISTORY_OPEN_SLOTS &&
        hdr->coarse_slots == s->coarse_slots && hdr->coarse_factor == s->coarse_factor &&
        hdr->coarse_series == s->coarse_series &&
        hdr->block_bytes == block)
        return 0;
    sdd__fail(err, SDD_E_DATA, "history file %s was made for slot_seconds=%u long=%u slots x %u series "
            "short=%u slots x %u series coarse=%u slots of %u (%u open slots), the configuration asks for "
            "slot_seconds=%u long=%u x %u short=%u x %u coarse=%u of %u (%u open slots); move the file "
            "away to start a new history (baseline_weeks and time_delta_hours shape it too)",
            path, hdr->slot_seconds, hdr->long_slots, hdr->long_series, hdr->short_slots,
            hdr->short_series, hdr->coarse_slots, hdr->coarse_factor, hdr->open_slots, s->slot_seconds,
            s->long_slots, s->long_series, s->short_slots, s->short_series, s->coarse_slots,
            s->coarse_factor, SDD_HISTORY_OPEN_SLOTS);
    return -1;
}

/* ---- entity blocks -------------------------------------------------------- */

static uint8_t *block_of(const sdd_history *h, int32_t entity)
{
    return h->base + HEADER_BYTES + (size_t)entity * h->lay.block;
}

static struct entity_head *head_of(const sdd_history *h, int32_t entity)
{
    return (struct entity_head *)block_of(h, entity);
}

static uint32_t tier_slots(const sdd_history *h, int tier)
{
    return tier == 0 ? h->shape.long_slots : tier == 1 ? h->shape.short_slots : h->shape.coarse_slots;
}

/* Series in a tier: the coarse tier keeps the long tier's. */
static uint16_t tier_series(const sdd_history *h, int tier)
{
    return tier == 0 ? h->shape.long_series : tier == 1 ? h->shape.short_series : h->shape.coarse_series;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The coarse slot whose first fine slot leaves the long ring when `newest`
 * becomes the newest slot: every coarse slot up to it has been folded. */
static int64_t coarse_due(const sdd_history *h, int64_t newest)
{
    if (h->shape.coarse_slots == 0)
        return 0;
    return floor_div(newest - (int64_t)h->shape.long_slots, (int64_t)h->shape.coarse_factor);
}

static uint32_t slot_pos(int64_t slot, uint32_t len)
{
    int64_t r = slot % (int64_t)len;
    return (uint32_t)(r < 0 ? r + len : r);
}

/* A tier's ring: its positions one after the other, each a row of the
 * codes of all its series for one slot. */
static uint16_t *ring_of(const sdd_history *h, int32_t entity, int tier)
{
    return (uint16_t *)(block_of(h, entity) + h->lay.rings[tier]);
}

/* The row of a tier holding `slot`: row[series] is its code. */
static uint16_t *row_of(const sdd_history *h, int32_t entity, int tier, int64_t slot)
{
    return ring_of(h, entity, tier) + (size_t)slot_pos(slot, tier_slots(h, tier)) * tier_series(h, tier);
}

static size_t series_total(const sdd_history *h)
{
    return (size_t)h->shape.long_series + h->shape.short_series;
}

/* The exact sums of every series for one open slot. */
static double *sums_row(const sdd_history *h, int32_t entity, int64_t slot)
{
    double *sums = (double *)(block_of(h, entity) + h->lay.sums);
    return sums + slot_pos(slot, SDD_HISTORY_OPEN_SLOTS) * series_total(h);
}

static double *sum_of(const sdd_history *h, int32_t entity, int tier, uint16_t series,
                      int64_t slot)
{
    return sums_row(h, entity, slot) + (tier == 0 ? 0 : h->shape.long_series) + series;
}

static int key_valid(const char *key)
{
    return key[0] != '\0' && memchr(key, '\0', SDD_HISTORY_KEY_MAX) != NULL;
}

static int entity_ok(const sdd_history *h, int32_t entity)
{
    return h && entity >= 0 && (uint32_t)entity < h->hdr.count;
}

static int series_ok(const sdd_history *h, int tier, uint16_t series)
{
    return tier >= 0 && tier <= 2 && tier_slots(h, tier) > 0 && series < tier_series(h, tier);
}

static int slot_ok(int64_t slot)
{
    return slot > -SLOT_LIMIT && slot < SLOT_LIMIT;
}

/* Marks slots from..from+gap-1 as no data in every series of a tier: the
 * rows of `count` consecutive positions, in two pieces when they wrap. */
static void tier_clear(sdd_history *h, int32_t entity, int tier, int64_t from, int64_t gap)
{
    uint32_t len = tier_slots(h, tier), pos = slot_pos(from, len);
    uint32_t count = gap < (int64_t)len ? (uint32_t)gap : len;
    uint32_t first = count < len - pos ? count : len - pos;
    size_t row = (size_t)tier_series(h, tier) * sizeof(uint16_t);
    uint16_t *ring = ring_of(h, entity, tier);

    memset((uint8_t *)ring + pos * row, 0, first * row);
    memset(ring, 0, (count - first) * row);
}

/* ---- what the last checkpoint had, kept before an advance overwrites it ---- */

/* Room in kept for `entities`; -1 when out of memory. */
static int kept_reserve(sdd_history *h, uint32_t entities, sdd_error *err)
{
    uint32_t n = entities > h->hdr.capacity ? entities : h->hdr.capacity;
    struct kept *kept;

    if (entities <= h->kept_n)
        return 0;
    kept = realloc(h->kept, (size_t)n * sizeof(*kept));
    if (!kept) {
        sdd__fail(err, SDD_E_NOMEM, "history: out of memory");
        return -1;
    }
    for (uint32_t i = h->kept_n; i < n; i++)
        kept[i].from = KEPT_NOT_YET;
    h->kept = kept;
    h->kept_n = n;
    return 0;
}

/* `len` bytes from p. */
static sdd_undo_range range_of(const sdd_history *h, const void *p, size_t len)
{
    return (sdd_undo_range){(uint64_t)((const uint8_t *)p - h->base), p, (uint32_t)len};
}

/* The ranges holding the rows of slots from..from+count-1 of a tier: one,
 * or two when the positions wrap; how many were written to r. */
static int ring_ranges(const sdd_history *h, int32_t entity, int tier, int64_t from, int64_t count,
                       sdd_undo_range *r)
{
    uint32_t len = tier_slots(h, tier), pos = slot_pos(from, len);
    uint32_t n = count < (int64_t)len ? (uint32_t)count : len;
    uint32_t first = n < len - pos ? n : len - pos;
    size_t row = (size_t)tier_series(h, tier) * sizeof(uint16_t);
    const uint8_t *ring = (const uint8_t *)ring_of(h, entity, tier);

    if (row == 0)
        return 0;
    r[0] = range_of(h, ring + pos * row, first * row);
    if (n == first)
        return 1;
    r[1] = range_of(h, ring, (n - first) * row);
    return 2;
}

/* Before an advance to `slot`, what of the last checkpoint's history it
 * would overwrite goes to the undo log: the entity's head and exact sums at
 * its first advance since, and the ring positions of the slots past its
 * newest one then, as far as each ring held the checkpoint's slots (a
 * position further on holds what was written since). Positions are kept
 * ahead, as many slots again as the entity has gone past the checkpoint
 * (nothing writes them before an advance reaches them), so that a backlog
 * read far past it costs a few records, not one a slot. Should the log
 * fail, it keeps nothing more until the next checkpoint, and a restart can
 * only rewind. */
static void keep_before_advance(sdd_history *h, int32_t entity, int64_t slot)
{
    const struct entity_head *e = head_of(h, entity);
    struct kept *k;
    int n = 0;

    if (!h->keeping)
        return;
    k = &h->kept[entity];
    if (k->from == KEPT_NOT_YET) {
        k->from = k->to = e->has_data ? e->newest : KEPT_NOTHING;
        h->ranges[n++] = range_of(h, e, h->lay.rings[0]);       /* head and exact sums */
    }
    if (k->from != KEPT_NOTHING && slot > k->to) {
        int64_t to = slot + (slot - k->from);
        for (int tier = 0; tier < 3; tier++) {
            /* the coarse tier counts in its own slots, those folded by then */
            int64_t from = tier < 2 ? k->from : coarse_due(h, k->from);
            int64_t done = tier < 2 ? k->to : coarse_due(h, k->to);
            int64_t last = from + (int64_t)tier_slots(h, tier);
            int64_t want = tier < 2 ? to : coarse_due(h, to);
            if (want < last)
                last = want;
            if (last > done && tier_slots(h, tier) > 0)
                n += ring_ranges(h, entity, tier, done + 1, last - done, h->ranges + n);
        }
        k->to = to;
    }
    if (n > 0 && sdd__undo_keep(h->undo, h->ranges, n) < 0)
        h->keeping = 0;
}

/* Coarse slot c of every long series becomes the mean of its fine slots
 * that have data in the long ring (whose newest slot is `newest`), or no
 * data when none has. A mean, not a sum: a slot missing here and there
 * does not make the coarse slot look low, and it reads as any one of its
 * fine slots would. */
static void fold_one(sdd_history *h, int32_t entity, int64_t newest, int64_t c)
{
    int64_t f = h->shape.coarse_factor, first = c * f;

    uint16_t *out = row_of(h, entity, 2, c);

    for (uint16_t s = 0; s < h->shape.coarse_series; s++) {
        double sum = 0;
        int present = 0;
        for (int64_t slot = first; slot < first + f; slot++) {
            uint16_t code = row_of(h, entity, 0, slot)[s];
            if (slot > newest - (int64_t)h->shape.long_slots && slot <= newest && code != SDD_HISTORY_NO_DATA) {
                sum += sdd__history_decode(code);
                present++;
            }
        }
        out[s] = present ? sdd__history_encode(sum / present) : SDD_HISTORY_NO_DATA;
    }
}

/* Before the long ring moves on to `slot`, the coarse slots whose first
 * fine slot it drops are folded, each once: a coarse slot already folded
 * (before a rewind to a checkpoint) keeps its value, as the fine slots it
 * came from may be gone. Only the last ring's worth of a long gap matters. */
static void fold_before_advance(sdd_history *h, int32_t entity, int64_t slot)
{
    struct entity_head *e = head_of(h, entity);
    int64_t due = coarse_due(h, slot), c = e->folded + 1;

    if (h->shape.coarse_slots == 0 || due <= e->folded)
        return;
    if (due - c >= (int64_t)h->shape.coarse_slots)
        c = due - h->shape.coarse_slots + 1;
    for (; c <= due; c++)
        fold_one(h, entity, e->newest, c);
    e->folded = due;
}

/* Moves the entity's newest slot forward to `slot`: everything in between,
 * and `slot` itself, starts as no data. Cleared first, then newest moves, so
 * that a crash in between never shows old ring content as new slots. */
static void entity_advance(sdd_history *h, int32_t entity, int64_t slot)
{
    struct entity_head *e = head_of(h, entity);

    keep_before_advance(h, entity, slot);
    if (!e->has_data)
        e->folded = coarse_due(h, slot);        /* nothing older to fold: the coarse ring is no data */
    else
        fold_before_advance(h, entity, slot);
    if (e->has_data) {
        int64_t gap = slot - e->newest;
        int64_t open = gap < SDD_HISTORY_OPEN_SLOTS ? gap : SDD_HISTORY_OPEN_SLOTS;
        tier_clear(h, entity, 0, e->newest + 1, gap);
        tier_clear(h, entity, 1, e->newest + 1, gap);
        for (int64_t k = 1; k <= open; k++)
            memset(sums_row(h, entity, e->newest + k), 0, series_total(h) * sizeof(double));
    }
    e->newest = slot;
    e->has_data = 1;
}

/* ---- key index (in memory, rebuilt at open) -------------------------------- */

static uint32_t index_home(const sdd_history *h, const char *key)
{
    return (uint32_t)fnv1a(key, strlen(key)) & (h->index_size - 1);
}

/* The index position holding `key`, or the empty one where it would go. */
static uint32_t index_probe(const sdd_history *h, const char *key)
{
    uint32_t pos = index_home(h, key);

    while (h->index[pos] >= 0 && strcmp(head_of(h, h->index[pos])->key, key) != 0)
        pos = (pos + 1) & (h->index_size - 1);
    return pos;
}

static void index_insert(sdd_history *h, int32_t entity)
{
    const char *key = head_of(h, entity)->key;
    uint32_t pos;

    if (!key_valid(key))
        return;   /* an entity whose key was lost in a power cut stays unused */
    pos = index_probe(h, key);
    if (h->index[pos] < 0)
        h->index[pos] = entity;
}

/* Makes room for `entities` keys at most half full, rebuilding the index. */
static int index_reserve(sdd_history *h, uint32_t entities, sdd_error *err)
{
    uint32_t size = INDEX_MIN;
    int32_t *index;

    if (h->index && (uint64_t)entities * 2 <= h->index_size)
        return 0;
    while (size < (uint64_t)entities * 2)
        size *= 2;
    index = malloc((size_t)size * sizeof(*index));
    if (!index) {
        sdd__fail(err, SDD_E_NOMEM, "history: out of memory for a key index of %u entries", size);
        return -1;
    }
    memset(index, 0xff, (size_t)size * sizeof(*index));   /* every entry -1 */
    free(h->index);
    h->index = index;
    h->index_size = size;
    for (uint32_t i = 0; i < h->hdr.count; i++)
        index_insert(h, (int32_t)i);
    return 0;
}

/* ---- checking the blocks at open ---------------------------------------------- */

static int damaged(sdd_error *err, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int damaged(sdd_error *err, const char *path, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sdd__fail(err, SDD_E_DATA, "history file %s: %s: damaged on disk; move the file away to start a new "
                     "history", path ? path : "(memory)", what);
}

/* An entity block as this store writes it, or as a crash or a power cut
 * leaves one (an empty key at worst: the entity stays unused), or -1: a
 * key without its NUL, a has-data flag other than 0 and 1, a newest slot
 * out of range (slot arithmetic would overflow, a rewind wipe the entity),
 * a key an earlier entity has (one service's history read as another's). */
static int entity_check(const sdd_history *h, uint32_t i, const char *path, sdd_error *err)
{
    const struct entity_head *e = head_of(h, (int32_t)i);
    int32_t first;

    if (!memchr(e->key, '\0', SDD_HISTORY_KEY_MAX))
        return damaged(err, path, "entity %u: its key has no NUL", i);
    if (e->has_data > 1)
        return damaged(err, path, "entity %u (key \"%s\"): has-data flag %u is neither 0 nor 1", i, e->key,
                       e->has_data);
    if (e->has_data && !slot_ok(e->newest))
        return damaged(err, path, "entity %u (key \"%s\"): newest slot %lld is out of range (+-2^40)", i, e->key,
                       (long long)e->newest);
    if (e->has_data && !slot_ok(e->folded))
        return damaged(err, path, "entity %u (key \"%s\"): newest coarse slot %lld is out of range (+-2^40)", i,
                       e->key, (long long)e->folded);
    if (e->key[0] && (first = h->index[index_probe(h, e->key)]) != (int32_t)i)
        return damaged(err, path, "entities %d and %u have the same key \"%s\"", first, i, e->key);
    return 0;
}

static int entities_check(const sdd_history *h, const char *path, sdd_error *err)
{
    for (uint32_t i = 0; i < h->hdr.count; i++)
        if (entity_check(h, i, path, err) < 0)
            return -1;
    return 0;
}

/* ---- mapping and growth ------------------------------------------------------ */

static int map_memory(sdd_history *h, sdd_error *err)
{
    void *p = mmap(NULL, HEADER_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        sdd__fail(err, SDD_E_IO, "history: cannot map %u bytes: %s", HEADER_BYTES, strerror(errno));
        return -1;
    }
    h->base = p;
    h->map_bytes = HEADER_BYTES;
    header_init(&h->hdr, &h->shape, h->lay.block);
    h->active = 1;
    header_commit(h);
    return 0;
}

/* Maps `capacity` blocks and gives the file that size. The mapping grows
 * first: mremap may move it and may fail, and until the file is extended
 * nothing touches the new pages. */
static int resize(sdd_history *h, uint32_t capacity, sdd_error *err)
{
    uint64_t bytes = file_bytes(capacity, (uint32_t)h->lay.block);
    void *p;

    if (bytes > SIZE_MAX / 2 || bytes > (uint64_t)INT64_MAX) {
        sdd__fail(err, SDD_E_DATA, "history: %u entities do not fit in the address space", capacity);
        return -1;
    }
    p = mremap(h->base, h->map_bytes, (size_t)bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) {
        sdd__fail(err, SDD_E_IO, "history: cannot map %llu bytes: %s", (unsigned long long)bytes,
                strerror(errno));
        return -1;
    }
    h->base = p;
    if (h->fd >= 0 && ftruncate(h->fd, (off_t)bytes) != 0) {
        sdd__fail(err, SDD_E_IO, "history: cannot extend the file to %llu bytes: %s",
                (unsigned long long)bytes, strerror(errno));
        /* Shrinking in place; should even that fail, unmap all of it at close. */
        if (mremap(h->base, (size_t)bytes, h->map_bytes, 0) == MAP_FAILED)
            h->map_bytes = (size_t)bytes;
        return -1;
    }
    h->map_bytes = (size_t)bytes;
    return 0;
}

/* Doubles the capacity. The header naming the new capacity reaches the disk
 * before the file grows (see the top); on failure the old one is restored. */
static int grow(sdd_history *h, sdd_error *err)
{
    uint32_t old = h->hdr.capacity;
    uint32_t capacity = old ? old * 2 : INITIAL_CAPACITY;

    if (capacity > CAPACITY_MAX) {
        sdd__fail(err, SDD_E_IO, "history: cannot grow past %u entities", old);
        return -1;
    }
    h->hdr.capacity = capacity;
    header_commit(h);
    if (header_flush(h) != 0)
        sdd__fail(err, SDD_E_IO, "history: cannot write the header to disk: %s", strerror(errno));
    else if (resize(h, capacity, err) == 0)
        return 0;
    h->hdr.capacity = old;
    header_commit(h);
    return -1;
}

/* ---- files ------------------------------------------------------------------- */

/* Maps the first `bytes` of the file. */
static int map_file(sdd_history *h, size_t bytes, const char *path, sdd_error *err)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd, 0);

    if (p == MAP_FAILED) {
        sdd__fail(err, SDD_E_IO, "history file %s: cannot map it: %s", path, strerror(errno));
        return -1;
    }
    h->base = p;
    h->map_bytes = bytes;
    return 0;
}

static int file_create(sdd_history *h, const char *path, sdd_error *err)
{
    uint8_t page[HEADER_BYTES];
    struct file_header older;

    header_init(&h->hdr, &h->shape, h->lay.block);
    older = h->hdr;
    older.checksum = header_sum(&older);
    h->hdr.generation = 1;
    h->hdr.checksum = header_sum(&h->hdr);
    memset(page, 0, sizeof(page));
    memcpy(header_copy(page, 0), &h->hdr, sizeof(h->hdr));
    memcpy(header_copy(page, 1), &older, sizeof(older));
    if (pwrite(h->fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) || fsync(h->fd) != 0) {
        sdd__fail(err, SDD_E_IO, "history file %s: cannot write its header: %s", path, strerror(errno));
        return -1;
    }
    if (map_file(h, HEADER_BYTES, path, err) != 0)
        return -1;
    h->active = 0;
    return 0;
}

/* ---- converting a file of version 2 ----------------------------------------- */

/* An entity block of version 2 (one ring per series: ring[series][slot])
 * rewritten slot-major (ring[slot][series]); head and exact sums are laid
 * out the same in both. */
static void block_to_slot_major(const sdd_history *h, const uint8_t *old, uint8_t *out)
{
    memcpy(out, old, h->lay.rings[0]);
    for (int tier = 0; tier < 3; tier++) {
        const uint16_t *from = (const uint16_t *)(old + h->lay.rings[tier]);
        uint16_t *to = (uint16_t *)(out + h->lay.rings[tier]);
        uint32_t len = tier_slots(h, tier);
        uint16_t n = tier_series(h, tier);
        for (uint16_t s = 0; s < n; s++)
            for (uint32_t pos = 0; pos < len; pos++)
                to[(size_t)pos * n + s] = from[(size_t)s * len + pos];
    }
}

/* The header page of the converted file: both copies of version 3, the
 * newer one first. */
static void converted_header(sdd_history *h, uint8_t *page)
{
    struct file_header older;

    h->hdr.version = HIST_VERSION;
    older = h->hdr;
    older.checksum = header_sum(&older);
    h->hdr.generation++;
    h->hdr.checksum = header_sum(&h->hdr);
    memset(page, 0, HEADER_BYTES);
    memcpy(header_copy(page, 0), &h->hdr, sizeof(h->hdr));
    memcpy(header_copy(page, 1), &older, sizeof(older));
    h->active = 0;
}

/* Writes the converted copy of the file open at h->fd (`size` bytes) to
 * the new file `to`, block by block, and syncs it. 0, or -1 with errno. */
static int convert_blocks(sdd_history *h, int to, uint64_t size)
{
    uint8_t *buf = malloc(2 * h->lay.block + HEADER_BYTES), *out = buf + h->lay.block;
    struct iovec iov;
    int rc = -1, saved;

    if (!buf)
        return -1;
    converted_header(h, out + h->lay.block);
    iov = (struct iovec){out + h->lay.block, HEADER_BYTES};
    if (ftruncate(to, (off_t)size) != 0 || sdd__write_all(to, &iov, 1, 0) != 0)
        goto done;
    memset(out, 0, h->lay.block);       /* the padding after the coarse ring stays 0 */
    for (uint32_t i = 0; i < h->hdr.count; i++) {
        off_t at = (off_t)file_bytes(i, (uint32_t)h->lay.block);
        ssize_t got = pread(h->fd, buf, h->lay.block, at);
        if (got != (ssize_t)h->lay.block) {
            errno = got < 0 ? errno : EIO;
            goto done;
        }
        block_to_slot_major(h, buf, out);
        iov = (struct iovec){out, h->lay.block};
        if (sdd__write_all(to, &iov, 1, at) != 0)
            goto done;
    }
    rc = fsync(to);
    /* the page cache drops what writing it may have left in large folios
     * (see block_clear): the mapping's faults bring its pages back in */
    if (rc == 0)
        (void)posix_fadvise(to, 0, 0, POSIX_FADV_DONTNEED);
done:
    saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

/* A file of version 2 becomes one of version 3 with the same values:
 * written whole to PATH.new (as much disk again as the file takes), synced,
 * locked, then renamed over PATH, so that a crash at any moment leaves
 * either the old file or the new one whole. The undo log goes first: its
 * ranges are of the old layout (a restart from the last checkpoint then
 * rewinds without it, as after a failed log). */
static int convert(sdd_history *h, const char *path, uint64_t size, sdd_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + sizeof(".new"));
    struct timespec t0, t1;
    int to = -1;

    if (!tmp)
        return sdd__fail(err, SDD_E_NOMEM, "history: out of memory");
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".new", sizeof(".new"));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((to = sdd__create_new(tmp, O_RDWR, 0644)) < 0 || convert_blocks(h, to, size) != 0 ||
        flock(to, LOCK_EX | LOCK_NB) != 0 || (h->undo_path && unlink(h->undo_path) != 0 && errno != ENOENT) ||
        rename(tmp, path) != 0) {
        sdd__fail(err, SDD_E_IO, "history file %s: cannot convert it from format %u to %u through %s (it "
                  "needs as much free disk again as the file takes): %s; the file is left as it was", path,
                  HIST_VERSION_SERIES_MAJOR, HIST_VERSION, tmp, strerror(errno));
        if (to >= 0) {
            close(to);
            unlink(tmp);
        }
        free(tmp);
        return -1;
    }
    /* Should the rename not reach the disk, the old file is still whole there. */
    (void)sdd__fsync_dir_of(path);
    sdd__undo_close(h->undo);
    h->undo = NULL;
    close(h->fd);
    h->fd = to;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "history file %s: converted from format %u (one ring per series) to %u (slot-major) in "
            "%.1f s: %u entities, %llu bytes\n", path, HIST_VERSION_SERIES_MAJOR, HIST_VERSION,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, h->hdr.count,
            (unsigned long long)size);
    free(tmp);
    return 0;
}

static int file_load(sdd_history *h, const char *path, uint64_t size, sdd_error *err)
{
    uint8_t page[HEADER_BYTES];

    if (size < HEADER_BYTES) {
        sdd__fail(err, SDD_E_DATA, "history file %s: %llu bytes is too short for a history file "
                "(truncated, or not one)", path, (unsigned long long)size);
        return -1;
    }
    if (pread(h->fd, page, sizeof(page), 0) != (ssize_t)sizeof(page)) {
        sdd__fail(err, SDD_E_IO, "history file %s: cannot read its header: %s", path, strerror(errno));
        return -1;
    }
    if (header_pick(page, size, path, &h->hdr, &h->active, err) != 0 ||
        header_check_shape(&h->hdr, &h->shape, h->lay.block, path, err) != 0 ||
        (h->hdr.version == HIST_VERSION_SERIES_MAJOR && convert(h, path, size, err) != 0))
        return -1;
    if (size > SIZE_MAX / 2) {
        sdd__fail(err, SDD_E_DATA, "history file %s: too large to map", path);
        return -1;
    }
    if (map_file(h, (size_t)size, path, err) != 0)
        return -1;
    h->recovered = !h->hdr.clean;
    return 0;
}

/* The undo log PATH.undo, opened when there is one (it is made by the
 * first checkpoint). */
static int undo_find(sdd_history *h, const char *path, sdd_error *err)
{
    size_t len = strlen(path);

    h->undo_path = malloc(len + sizeof(".undo"));
    if (!h->undo_path)
        return sdd__fail(err, SDD_E_NOMEM, "history: out of memory");
    memcpy(h->undo_path, path, len);
    memcpy(h->undo_path + len, ".undo", sizeof(".undo"));
    if (access(h->undo_path, F_OK) != 0)
        return 0;
    h->undo = sdd__undo_open(h->undo_path, err);
    return h->undo ? 0 : -1;
}

static int file_open(sdd_history *h, const char *path, sdd_error *err)
{
    struct stat st;

    h->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (h->fd < 0 && errno == ELOOP) {  /* the store would be mapped from wherever the link points */
        sdd__fail(err, SDD_E_IO, "history file %s: a symbolic link: refused; name the file itself in history_file",
                  path);
        return -1;
    }
    if (h->fd < 0) {
        sdd__fail(err, SDD_E_IO, "history file %s: cannot open it: %s", path, strerror(errno));
        return -1;
    }
    if (flock(h->fd, LOCK_EX | LOCK_NB) != 0) {
        sdd__fail(err, SDD_E_IO, "history file %s: %s", path, errno == EWOULDBLOCK ?
                "in use by another process or store" : strerror(errno));
        return -1;
    }
    if (fstat(h->fd, &st) != 0) {
        sdd__fail(err, SDD_E_IO, "history file %s: cannot stat it: %s", path, strerror(errno));
        return -1;
    }
    if (undo_find(h, path, err) < 0)
        return -1;
    /* An empty file is one whose creation stopped before its header was
     * written. The log of a history that was there before says nothing
     * about a new one. */
    if (st.st_size == 0)
        return file_create(h, path, err) < 0 || (h->undo && sdd__undo_begin(h->undo, 0, err) < 0) ? -1 : 0;
    return file_load(h, path, (uint64_t)st.st_size, err);
}

static void history_free(sdd_history *h)
{
    if (h->base)
        munmap(h->base, h->map_bytes);
    if (h->fd >= 0)
        close(h->fd);
    sdd__undo_close(h->undo);
    free(h->undo_path);
    free(h->index);
    free(h->kept);
    free(h);
}

/* ---- the API ---------------------------------------------------------------- */

sdd_history *sdd__history_open(const char *path, const sdd_history_shape *shape, sdd_error *err)
{
    sdd_history *h;
    struct layout lay;

    if (!shape || layout_of(shape, &lay) != 0) {
        sdd__fail(err, SDD_E_ARG, "history: unusable shape (slot_seconds and ring lengths must be at least "
                "1, an entity at most %u bytes)", (unsigned)BLOCK_MAX);
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    if (!h) {
        sdd__fail(err, SDD_E_NOMEM, "history: out of memory");
        return NULL;
    }
    h->fd = -1;
    h->shape = *shape;
    h->lay = lay;
    if ((path ? file_open(h, path, err) : map_memory(h, err)) != 0 ||
        index_reserve(h, h->hdr.count, err) != 0 || kept_reserve(h, h->hdr.count, err) != 0 ||
        entities_check(h, path, err) != 0) {
        history_free(h);
        return NULL;
    }
    return h;
}

int sdd__history_sync(sdd_history *h, sdd_error *err)
{
    if (h->fd < 0)
        return 0;
    if (msync(h->base, h->map_bytes, MS_SYNC) != 0 || fdatasync(h->fd) != 0) {
        sdd__fail(err, SDD_E_IO, "history: cannot write the store to disk: %s", strerror(errno));
        return -1;
    }
    if (h->hdr.clean)
        return 0;
    h->hdr.clean = 1;
    header_commit(h);
    if (header_flush(h) != 0) {
        sdd__fail(err, SDD_E_IO, "history: cannot write the header to disk: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void sdd__history_close(sdd_history *h)
{
    if (!h)
        return;
    (void)sdd__history_sync(h, NULL);   /* callers who care call sdd__history_sync first */
    history_free(h);
}

int sdd__history_recovered(const sdd_history *h)
{
    return h->recovered;
}

uint64_t sdd__history_epoch(const sdd_history *h)
{
    return h->undo ? sdd__undo_epoch(h->undo) : 0;
}

uint64_t sdd__history_undo_failures(const sdd_history *h)
{
    return h->undo ? sdd__undo_failures(h->undo) : 0;
}

int sdd__history_begin(sdd_history *h, uint64_t epoch, sdd_error *err)
{
    if (!h->undo_path)
        return 0;                       /* in memory: no restart comes back to it */
    if (!h->undo && !(h->undo = sdd__undo_open(h->undo_path, err)))
        return -1;
    for (uint32_t i = 0; i < h->kept_n; i++)
        h->kept[i].from = KEPT_NOT_YET;
    h->keeping = sdd__undo_begin(h->undo, epoch, err) == 0;
    return h->keeping ? 0 : -1;
}

int sdd__history_roll_back(sdd_history *h, uint64_t epoch, sdd_error *err)
{
    long put;

    if (!h->undo)
        return sdd__history_begin(h, epoch, err);
    if (sdd__undo_epoch(h->undo) == epoch)
        mark_dirty(h);
    put = sdd__undo_roll_back(h->undo, epoch, h->base, h->map_bytes, HEADER_BYTES, err);
    /* on disk before the log that could put it back again starts over */
    if (put < 0 || (put > 0 && sdd__history_sync(h, err) < 0))
        return -1;
    return sdd__history_begin(h, epoch, err);
}

int32_t sdd__history_find(const sdd_history *h, const char *key)
{
    if (!h || !key || !key[0] || strlen(key) >= SDD_HISTORY_KEY_MAX)
        return -1;
    return h->index[index_probe(h, key)];
}

/* A new entity's block is cleared unless it is all zero, as it is unless a
 * crash left something there. Reading all of it in order through the
 * mapping would have the kernel's readahead bring it in as large folios,
 * and this kernel (6.18, ext4) keeps a file page's dirty mark per folio:
 * every minute would then dirty, and msync write, whole folios of some 11
 * pages around each of the few places a minute writes. So the mapping is
 * advised random while the block is read: a fault then brings one page.
 * Only then: advised random for good, a restart's first cycle reads a cold
 * file a page a fault (twice as slow at 10,000 services), while the
 * faults of detection's scattered reads bring small folios anyway. */
static void block_clear(sdd_history *h, uint8_t *block)
{
    if (h->fd >= 0)
        (void)madvise(h->base, h->map_bytes, MADV_RANDOM);   /* how pages come in: nothing to do on failure */
    /* all zero iff the first byte is and every byte equals the next one */
    if (block[0] != 0 || memcmp(block, block + 1, h->lay.block - 1) != 0)
        memset(block, 0, h->lay.block);
    if (h->fd >= 0)
        (void)madvise(h->base, h->map_bytes, MADV_NORMAL);
}

/* A new entity: its block is cleared (it may hold what a crash left), the
 * key written, and only then is it counted in the header. */
static int32_t entity_create(sdd_history *h, const char *key, sdd_error *err)
{
    int32_t entity = (int32_t)h->hdr.count;
    uint8_t *block;

    if (h->hdr.count == h->hdr.capacity && grow(h, err) != 0)
        return -1;
    if (index_reserve(h, h->hdr.count + 1, err) != 0 || kept_reserve(h, h->hdr.count + 1, err) != 0)
        return -1;
    mark_dirty(h);
    block = block_of(h, entity);
    block_clear(h, block);
    strcpy(head_of(h, entity)->key, key);
    h->hdr.count++;
    header_commit(h);
    index_insert(h, entity);
    return entity;
}

int32_t sdd__history_entity(sdd_history *h, const char *key, sdd_error *err)
{
    int32_t entity;

    if (!key || !key[0] || strlen(key) >= SDD_HISTORY_KEY_MAX) {
        sdd__fail(err, SDD_E_ARG, "history: an entity key must have 1 to %d bytes",
                SDD_HISTORY_KEY_MAX - 1);
        return -1;
    }
    entity = sdd__history_find(h, key);
    return entity >= 0 ? entity : entity_create(h, key, err);
}

int sdd__history_copy(sdd_history *h, int32_t from, int32_t to)
{
    if (!entity_ok(h, from) || !entity_ok(h, to) || (h->keeping && from != to))
        return -1;
    if (from == to)
        return 0;
    mark_dirty(h);
    memcpy(block_of(h, to) + SDD_HISTORY_KEY_MAX, block_of(h, from) + SDD_HISTORY_KEY_MAX,
           h->lay.block - SDD_HISTORY_KEY_MAX);
    return 0;
}

uint32_t sdd__history_count(const sdd_history *h)
{
    return h->hdr.count;
}

const char *sdd__history_key(const sdd_history *h, int32_t entity)
{
    if (!entity_ok(h, entity) || !key_valid(head_of(h, entity)->key))
        return NULL;
    return head_of(h, entity)->key;
}

/* Adds value to the slot, or with `replace` makes it the slot's value. */
static int store(sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t slot, double value,
                 int replace)
{
    struct entity_head *e;
    uint16_t *code;

    if (!entity_ok(h, entity) || tier == 2 || !series_ok(h, tier, series) || !slot_ok(slot) ||
        !(value >= 0 && value <= DBL_MAX))
        return -1;
    e = head_of(h, entity);
    if (e->has_data && slot <= e->newest - (int64_t)tier_slots(h, tier))
        return -1;
    mark_dirty(h);
    if (!e->has_data || slot > e->newest)
        entity_advance(h, entity, slot);
    code = &row_of(h, entity, tier, slot)[series];
    if (slot > e->newest - SDD_HISTORY_OPEN_SLOTS) {
        double *sum = sum_of(h, entity, tier, series, slot);
        *sum = replace ? value : *sum + value;
        *code = sdd__history_encode(*sum);
    } else {
        double old = replace || *code == SDD_HISTORY_NO_DATA ? 0 : sdd__history_decode(*code);
        *code = sdd__history_encode(old + value);
    }
    return 0;
}

void sdd__history_prepare(sdd_history *h, int32_t entity, int64_t slot)
{
    const struct entity_head *e;

    if (!entity_ok(h, entity) || !slot_ok(slot))
        return;
    mark_dirty(h);
    e = head_of(h, entity);
    if (!e->has_data || slot > e->newest)
        keep_before_advance(h, entity, slot);   /* the advance's own call then finds it done */
}

int sdd__history_add(sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t slot,
                    double value)
{
    return store(h, entity, tier, series, slot, value, 0);
}

int sdd__history_set(sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t slot,
                    double value)
{
    return store(h, entity, tier, series, slot, value, 1);
}

/* The exact sums of the open slots below a new newest slot were overwritten
 * by the slots after them: they start again from the codes. */
static void sums_from_codes(sdd_history *h, int32_t entity, int64_t newest)
{
    for (int64_t slot = newest - SDD_HISTORY_OPEN_SLOTS + 1; slot <= newest; slot++)
        for (int tier = 0; tier < 2; tier++) {
            const uint16_t *row = row_of(h, entity, tier, slot);
            for (uint16_t s = 0; s < tier_series(h, tier); s++)
                *sum_of(h, entity, tier, s, slot) = row[s] == SDD_HISTORY_NO_DATA ? 0 : sdd__history_decode(row[s]);
        }
}

void sdd__history_rewind(sdd_history *h, int32_t entity, int64_t slot)
{
    struct entity_head *e;

    if (!entity_ok(h, entity) || !slot_ok(slot) || !head_of(h, entity)->has_data ||
        head_of(h, entity)->newest < slot)
        return;
    e = head_of(h, entity);
    mark_dirty(h);
    tier_clear(h, entity, 0, slot, e->newest - slot + 1);
    tier_clear(h, entity, 1, slot, e->newest - slot + 1);
    e->newest = slot - 1;
    sums_from_codes(h, entity, e->newest);
}

int sdd__history_get(const sdd_history *h, int32_t entity, int tier, uint16_t series,
                    int64_t slot, double *value)
{
    const struct entity_head *e;
    uint16_t code;

    if (!entity_ok(h, entity) || !series_ok(h, tier, series) || !slot_ok(slot))
        return 0;
    e = head_of(h, entity);
    int64_t newest = tier == 2 ? e->folded : e->newest;
    if (!e->has_data || slot > newest || slot <= newest - (int64_t)tier_slots(h, tier))
        return 0;
    code = row_of(h, entity, tier, slot)[series];
    if (code == SDD_HISTORY_NO_DATA)
        return 0;
    if (tier == 2) {
        if (value)
            *value = sdd__history_decode(code);
        return 1;
    }
    if (value)
        *value = slot > e->newest - SDD_HISTORY_OPEN_SLOTS
                     ? *sum_of(h, entity, tier, series, slot)
                     : sdd__history_decode(code);
    return 1;
}

int sdd__history_get_baseline(const sdd_history *h, int32_t entity, uint16_t series, int64_t slot,
                              double *value)
{
    if (!entity_ok(h, entity) || !head_of(h, entity)->has_data)
        return 0;
    if (slot > head_of(h, entity)->newest - (int64_t)h->shape.long_slots || series >= h->shape.coarse_series ||
        h->shape.coarse_slots == 0)     /* no coarse tier: its factor may be 0 */
        return sdd__history_get(h, entity, 0, series, slot, value);
    return sdd__history_get(h, entity, 2, series, floor_div(slot, h->shape.coarse_factor), value);
}

/* Slots first..first+n-1 of one series of a tier into out (NAN: no data),
 * the entity known to have data; how many had data. The ring is walked
 * from the first slot it holds, a row at a time, as sdd__history_get reads
 * one slot. */
static int read_tier(const sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t first, int n,
                     double *out)
{
    const struct entity_head *e = head_of(h, entity);
    uint32_t len = tier_slots(h, tier);
    int64_t newest = tier == 2 ? e->folded : e->newest;
    int64_t lo = newest - (int64_t)len + 1 > first ? newest - (int64_t)len + 1 - first : 0;
    int64_t hi = newest - first + 1 < n ? newest - first + 1 : n;    /* out[lo..hi-1] are in the ring */
    int64_t exact = tier == 2 ? INT64_MAX : e->newest - SDD_HISTORY_OPEN_SLOTS + 1 - first;
    size_t width = tier_series(h, tier), end = (size_t)len * width;
    const uint16_t *codes = ring_of(h, entity, tier) + series;
    size_t at = (size_t)slot_pos(first + lo, len) * width;
    int present = 0;

    for (int64_t i = 0; i < n && i < lo; i++)
        out[i] = NAN;
    for (int64_t i = lo; i < hi; i++) {
        uint16_t code = codes[at];
        at = at + width == end ? 0 : at + width;
        if (code == SDD_HISTORY_NO_DATA) {
            out[i] = NAN;
            continue;
        }
        out[i] = i >= exact ? *sum_of(h, entity, tier, series, first + i) : sdd__history_decode(code);
        present++;
    }
    for (int64_t i = hi > lo ? hi : lo; i < n; i++)
        out[i] = NAN;
    return present;
}

static int readable(const sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t first, int n)
{
    return entity_ok(h, entity) && series_ok(h, tier, series) && head_of(h, entity)->has_data && n > 0 &&
           slot_ok(first) && slot_ok(first + n - 1);
}

static int no_data(double *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = NAN;
    return 0;
}

int sdd__history_read(const sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t first, int n,
                      double *out)
{
    if (!readable(h, entity, tier, series, first, n))
        return no_data(out, n);
    return read_tier(h, entity, tier, series, first, n, out);
}

int sdd__history_read_row(const sdd_history *h, int32_t entity, int tier, uint16_t first, int n, int64_t slot,
                          double *out)
{
    const struct entity_head *e;
    const uint16_t *row;
    const double *sums;
    int present = 0;

    if (tier == 2 || n <= 0 || first + n - 1 > UINT16_MAX ||
        !readable(h, entity, tier, (uint16_t)(first + n - 1), slot, 1))
        return no_data(out, n);
    e = head_of(h, entity);
    if (slot > e->newest || slot <= e->newest - (int64_t)tier_slots(h, tier))
        return no_data(out, n);
    row = row_of(h, entity, tier, slot) + first;
    sums = slot > e->newest - SDD_HISTORY_OPEN_SLOTS ? sum_of(h, entity, tier, first, slot) : NULL;
    for (int i = 0; i < n; i++) {
        if (row[i] == SDD_HISTORY_NO_DATA) {
            out[i] = NAN;
            continue;
        }
        out[i] = sums ? sums[i] : sdd__history_decode(row[i]);
        present++;
    }
    return present;
}

/* The older part from the coarse ring, each fine slot its coarse slot's
 * mean, read a chunk of coarse slots at a time; then the long ring's. */
int sdd__history_read_baseline(const sdd_history *h, int32_t entity, uint16_t series, int64_t first, int n,
                               double *out)
{
    int64_t f = h ? h->shape.coarse_factor : 1, old;
    double coarse[64];
    int present = 0, done = 0;

    if (!readable(h, entity, 0, series, first, n))
        return no_data(out, n);
    old = head_of(h, entity)->newest - (int64_t)h->shape.long_slots - first + 1;  /* slots in the coarse tier */
    if (series >= h->shape.coarse_series || h->shape.coarse_slots == 0 || old <= 0)
        return read_tier(h, entity, 0, series, first, n, out);
    old = old < n ? old : n;
    int64_t c = floor_div(first, f), at = first - c * f;   /* where the first slot is in its coarse slot */
    while (done < old) {
        int64_t span = (at + old - done + f - 1) / f;        /* coarse slots the rest is in */
        int m = span < 64 ? (int)span : 64;
        read_tier(h, entity, 2, series, c, m, coarse);
        for (int k = 0; k < m; k++, c++, at = 0)
            for (; at < f && done < old; at++, done++)
                present += !isnan(out[done] = coarse[k]);
    }
    return present + (n > old ? read_tier(h, entity, 0, series, first + old, n - (int)old, out + old) : 0);
}

int64_t sdd__history_newest(const sdd_history *h, int32_t entity)
{
    if (!entity_ok(h, entity) || !head_of(h, entity)->has_data)
        return INT64_MIN;
    return head_of(h, entity)->newest;
}
