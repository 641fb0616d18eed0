/* SPDX-License-Identifier: GPL-2.0-or-later */
/* history.h: the per-entity history store (internal to libsdd).
 *
 * Per entity (a VPN service, later maybe a termination) the store keeps time
 * series of per-slot metrics in tiers of 16-bit rings: a long ring (one
 * week plus the pattern window) for the few series compared one week back,
 * a short ring for every other metric, and a coarse ring of the first long
 * series (those compared with older weeks) for the older weeks of the baseline (a slot of SDD_HISTORY_COARSE_SECONDS,
 * folded from the long ring as it leaves it). Slot number = floor(time /
 * slot_seconds), by event time. The store lives in a memory-mapped file so
 * that it survives restarts, or in anonymous memory. How values are encoded,
 * what the file looks like and what survives a crash are described at the top
 * of history.c. Not thread-safe: one writer, no concurrent readers; except
 * that after sdd__history_prepare, the writes of one slot into different
 * entities, and reads of those entities, may run on one thread each.
 */
#ifndef SDD_HISTORY_H
#define SDD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"

/* The default shape: one-minute slots, one week + 120 slots of long history,
 * four hours of short history. */
#define SDD_HISTORY_SLOT_SECONDS 60
#define SDD_HISTORY_LONG_SLOTS (168 * 60 + 120)
#define SDD_HISTORY_SHORT_SLOTS 240
/* Older weeks are kept at 15 minutes: three more weeks of the two byte
 * series then cost 8 KB a service, where one-minute slots would cost 121 KB
 * and break the goal of 128 KiB per service. A week-old level is compared over 10 minutes or
 * more, so the fine shape of the one newest week is what matters most. */
#define SDD_HISTORY_COARSE_SECONDS 900

#define SDD_HISTORY_KEY_MAX 64          /* bytes of a key, with its NUL */

/* How many of an entity's newest slots keep exact (double) sums beside
 * their 16-bit code, so that many small adds into a large counter lose
 * nothing while the slot is still filling. */
#define SDD_HISTORY_OPEN_SLOTS 4

/* The 16-bit code that means "no data for this slot". */
#define SDD_HISTORY_NO_DATA 0
/* The largest value a code holds; larger values saturate to it. */
#define SDD_HISTORY_VALUE_MAX 0x1.ff8p72    /* 2046 * 2^62, about 9.4e21 */

typedef struct sdd_history sdd_history;

typedef struct sdd_history_shape {
    uint32_t slot_seconds;
    uint32_t long_slots, short_slots;
    uint16_t long_series, short_series;   /* series per entity in each tier */
    /* The coarse tier (tier 2): coarse_slots of coarse_factor slots each,
     * of the first coarse_series long series; 0 slots: none. */
    uint32_t coarse_slots, coarse_factor;
    uint16_t coarse_series;
} sdd_history_shape;

/* path NULL: in memory only. Otherwise a file that is created, or reopened if
 * it exists and its header matches `shape` (a mismatch, a torn/short file, a
 * foreign file, a newer version or a damaged entity block is refused with a
 * clear message in err, never read as data). A file held open by another
 * store is refused too. */
sdd_history *sdd__history_open(const char *path, const sdd_history_shape *shape, sdd_error *err);
int sdd__history_sync(sdd_history *h, sdd_error *err);    /* msync + mark the header clean */
void sdd__history_close(sdd_history *h);                  /* sync and unmap; NULL is fine */

/* 1 when the file was reopened without having been synced or closed after
 * its last write (the writer crashed): the newest slots may be partial. */
int sdd__history_recovered(const sdd_history *h);

/* The undo log (history.c, "Going back to a checkpoint"; nothing in memory).
 * Epoch: the checkpoint the log keeps bytes for, 0 for none. Begin: the
 * store as it is now (synced) is checkpoint `epoch`, the log starts over.
 * Roll back: when the log is of checkpoint `epoch`, what was overwritten
 * since is put back and synced; the log then starts over for `epoch`. A
 * log of another checkpoint is left out. 0, or -1 with err. */
uint64_t sdd__history_epoch(const sdd_history *h);
int sdd__history_begin(sdd_history *h, uint64_t epoch, sdd_error *err);
int sdd__history_roll_back(sdd_history *h, uint64_t epoch, sdd_error *err);
/* Times the undo log could not keep bytes (a full disk) and was emptied:
 * until the next checkpoint, a restart from the last one misses the slots
 * overwritten since. */
uint64_t sdd__history_undo_failures(const sdd_history *h);

/* The entity with this key (a NUL-terminated string up to 63 bytes, e.g.
 * "64497:4438"), created if new; its index is stable across reopen. -1 (with
 * err) if the key is empty or too long, or the store cannot grow. */
int32_t sdd__history_entity(sdd_history *h, const char *key, sdd_error *err);
int32_t sdd__history_find(const sdd_history *h, const char *key);   /* -1 if absent */
uint32_t sdd__history_count(const sdd_history *h);
/* Entity `to` gets a copy of the history of `from` (its own key kept):
 * how bench_engine gives many services a baseline of weeks in seconds.
 * -1 for an unknown entity, or once a checkpoint has begun the undo log
 * (the copy would overwrite what it has not kept). */
int sdd__history_copy(sdd_history *h, int32_t from, int32_t to);
/* The key of an entity, NULL if there is none; valid until the next entity
 * is created (growing the store may move it). */
const char *sdd__history_key(const sdd_history *h, int32_t entity);

/* Adds `value` (finite, >= 0) to the slot; counters accumulate, late records
 * land in an older slot if it is still inside the ring. Writing a slot newer
 * than the entity's newest marks every slot in between as "no data" in both
 * tiers. Returns 0, or -1 when the write is older than the ring (ignored) or
 * an argument is out of range. tier: 0 long, 1 short. */
int sdd__history_add(sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t slot,
                    double value);
/* What the first write of `slot` into the entity does to the store as a
 * whole, done beforehand: the file marked as being written and, once a
 * checkpoint has begun the undo log, what the entity's advance to `slot`
 * will overwrite kept in the log. The writes of that slot then touch the
 * entity's own block alone (and read the rest), so that those of different
 * entities may run on different threads at once. */
void sdd__history_prepare(sdd_history *h, int32_t entity, int64_t slot);
/* Makes `value` the slot's value, whatever it held: a slot written again
 * whole. The same rules and return as sdd__history_add otherwise. */
int sdd__history_set(sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t slot,
                    double value);
/* Forgets the entity's slots from `slot` on: they read as no data and its
 * newest slot becomes slot - 1 (when it was newer). What a restart from a
 * checkpoint needs: the slots written after it are written again. The
 * newest slots left keep their 16-bit values, no longer their exact sums. */
void sdd__history_rewind(sdd_history *h, int32_t entity, int64_t slot);
/* 1 and *value when the slot holds data, 0 when it has none (never written,
 * overwritten by the ring, older than the ring, or arguments out of range).
 * Tier 2 is the coarse tier, read only, in its own slot numbers (slot /
 * coarse_factor, floored): the mean of the fine slots with data in it. */
int sdd__history_get(const sdd_history *h, int32_t entity, int tier, uint16_t series,
                    int64_t slot, double *value);
/* A slot of a long series wherever it is kept: in the long ring, or older
 * than it in the coarse ring (the mean of its coarse slot). */
int sdd__history_get_baseline(const sdd_history *h, int32_t entity, uint16_t series, int64_t slot,
                              double *value);
/* A window of a series in one call: slots first..first+n-1 into out[0..n-1]
 * as sdd__history_get (tier 0, 1, 2) or sdd__history_get_baseline would
 * give each, NAN for a slot without data; returns how many had data. What
 * detectors read, a ring walked once rather than a lookup a slot. */
int sdd__history_read(const sdd_history *h, int32_t entity, int tier, uint16_t series, int64_t first, int n,
                      double *out);
int sdd__history_read_baseline(const sdd_history *h, int32_t entity, uint16_t series, int64_t first, int n,
                               double *out);
/* One slot of series first..first+n-1 of tier 0 or 1 into out[0..n-1], as
 * sdd__history_read would give each (NAN: no data); how many had data.
 * What a detector reading one slot of many series reads: one row of the
 * slot-major ring. */
int sdd__history_read_row(const sdd_history *h, int32_t entity, int tier, uint16_t first, int n, int64_t slot,
                          double *out);
/* The newest slot written for the entity, or INT64_MIN if none. */
int64_t sdd__history_newest(const sdd_history *h, int32_t entity);

/* Bytes one entity takes in the store (key, open-slot sums and both rings),
 * or 0 when the shape is not usable. */
size_t sdd__history_bytes_per_entity(const sdd_history_shape *shape);

/* The 16-bit value encoding (see history.c): never SDD_HISTORY_NO_DATA. */
uint16_t sdd__history_encode(double value);
double sdd__history_decode(uint16_t code);   /* of a code other than SDD_HISTORY_NO_DATA */

#endif
