/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_history.c: fuzz target of the history file (engine/history.h).
 *
 * The input is a history file. The store is opened with the shape the
 * file's first header copy states, so that any shape gets read, and that
 * copy's version and checksum are made right first: otherwise nearly every
 * mutation of the header would stop at the checksum, never reaching what is
 * read after it, and the corpus of an older format at its version (the
 * second copy keeps both as they are, so those are read too). A file the store accepts has every entity read back around its
 * newest slot, written one slot further, rewound, and one entity added. */
#include <stdlib.h>
#include <string.h>

#include "engine/history.h"
#include "fuzz.h"

/* Offsets in a header copy (history.c, struct file_header). */
enum { H_VERSION = 8, H_SLOT_SECONDS = 32, H_LONG_SLOTS = 36, H_SHORT_SLOTS = 40, H_LONG_SERIES = 44,
       H_SHORT_SERIES = 46, H_COARSE_SLOTS = 64, H_COARSE_FACTOR = 68, H_COARSE_SERIES = 72, H_CHECKSUM = 120,
       H_BYTES = 128 };
#define VERSION 2u

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* FNV-1a of the copy up to its checksum, as history.c checks it. */
static void fix_checksum(uint8_t *hdr)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    for (size_t i = 0; i < H_CHECKSUM; i++) {
        h ^= hdr[i];
        h *= UINT64_C(0x100000001b3);
    }
    memcpy(hdr + H_CHECKSUM, &h, sizeof(h));
}

static void exercise(sdd_history *h, const sdd_history_shape *shape)
{
    uint32_t n = sdd__history_count(h);
    double v;

    sdd__history_recovered(h);
    for (uint32_t i = 0; i < n && i < 64; i++) {
        int32_t ent = (int32_t)i;
        const char *key = sdd__history_key(h, ent);
        int64_t newest = sdd__history_newest(h, ent);
        if (key)
            sdd__history_find(h, key);
        if (newest == INT64_MIN)
            newest = 0;
        for (int tier = 0; tier < 3; tier++) {
            uint16_t series = tier == 0 ? shape->long_series : tier == 1 ? shape->short_series : shape->coarse_series;
            for (uint16_t s = 0; s < series && s < 8; s++)
                for (int64_t back = 0; back < 6; back++) {
                    sdd__history_get(h, ent, tier, s, newest - back, &v);
                    sdd__history_get_baseline(h, ent, s, newest - back * shape->long_slots, &v);
                }
            if (tier == 2)
                continue;
            if (series > 0) {
                sdd__history_add(h, ent, tier, 0, newest + 1, 1.0);
                sdd__history_set(h, ent, tier, 0, newest - 1, 2.0);
            }
        }
        sdd__history_rewind(h, ent, newest);
    }
    sdd__history_entity(h, "fuzz:1", NULL);
    sdd__history_sync(h, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    sdd_history_shape shape = {60, 16, 8, 2, 3, 4, 5, 1};
    const uint32_t version = VERSION;
    uint8_t *file = malloc(size ? size : 1);
    sdd_history *h;
    sdd_error err;

    if (!file)
        abort();
    memcpy(file, data, size);
    if (size >= H_BYTES && memcmp(file, "SDD-HIST", 8) == 0) {
        shape.slot_seconds = get32(file + H_SLOT_SECONDS);
        shape.long_slots = get32(file + H_LONG_SLOTS);
        shape.short_slots = get32(file + H_SHORT_SLOTS);
        shape.long_series = get16(file + H_LONG_SERIES);
        shape.short_series = get16(file + H_SHORT_SERIES);
        shape.coarse_slots = get32(file + H_COARSE_SLOTS);
        shape.coarse_factor = get32(file + H_COARSE_FACTOR);
        shape.coarse_series = get16(file + H_COARSE_SERIES);
        memcpy(file + H_VERSION, &version, sizeof(version));
        fix_checksum(file);
    }
    fuzz_path(path, "history.db");
    fuzz_write(path, file, size);
    free(file);
    h = sdd__history_open(path, &shape, &err);
    if (h) {
        exercise(h, &shape);
        sdd__history_close(h);
    }
    return 0;
}
