/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover.h: hands flow records from pmacct's writer processes to the
 * engine thread of the print plugin process, through shared memory.
 *
 * pmacct forks a writer process at every purge and calls the plugin's print()
 * there, while the engine lives in the long-lived print plugin process. The
 * hand-over is an anonymous shared mapping made before any fork. It holds a
 * fixed number of slots; a writer claims one with a compare-and-swap and owns
 * it until it closes, so each slot is a single-producer single-consumer ring
 * and writers never wait for each other. A writer never blocks either: what
 * does not fit, or finds no free slot, is counted as dropped. One consumer
 * (the engine thread) drains all slots, and takes back the slots of writers
 * that closed or died.
 *
 * Writers touch only atomics and their own slot, so they are safe in a child
 * forked while the consumer thread runs, and inside a signal handler (pmacct
 * runs its last purge in the SIGINT handler of the print plugin process).
 */
#ifndef SDD_PLUGIN_HANDOVER_H
#define SDD_PLUGIN_HANDOVER_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"

typedef struct sdd_handover sdd_handover;

/* Sizes: `slots` writers at once (pmacct's print_max_writers is 10 by
 * default), `slot_records` records each, a power of two. */
typedef struct sdd_handover_size {
    unsigned slots;
    size_t slot_records;
} sdd_handover_size;

/* Maps the shared area and makes its wake-up descriptor. NULL with errno
 * set when it cannot. */
sdd_handover *sdd_handover_create(sdd_handover_size size);
void sdd_handover_destroy(sdd_handover *h);

/* ---- writer side (any process forked after create) --------------------- */

/* A writer's hold on a slot, local to its process. */
typedef struct sdd_handover_writer {
    sdd_handover *h;
    int slot;                   /* -1 while it holds none */
} sdd_handover_writer;

/* Starts a writer and claims a slot if one is free (else it tries again at
 * each append). */
void sdd_handover_writer_open(sdd_handover_writer *w, sdd_handover *h);
/* Appends n records; returns how many were taken, the others are counted as
 * dropped. Never blocks. */
size_t sdd_handover_append(sdd_handover_writer *w, const sdd_flow *recs, size_t n);
/* How many records the writer's slot takes now (0 without a slot): for a
 * benchmark's writer that waits, which print() never does. */
size_t sdd_handover_room(sdd_handover_writer *w);
/* Gives the slot back: the consumer drains what is left, then frees it. */
void sdd_handover_writer_close(sdd_handover_writer *w);
/* No writer will come any more (the last purge is done): the consumer
 * drains what is left and sees sdd_handover_ended. */
void sdd_handover_finish(sdd_handover *h);

/* ---- consumer side (one process or thread) ------------------------------ */

/* Readable (an eventfd) when a slot has filled an eighth of its ring since
 * it was drained, a writer closed, or the hand-over finished: the consumer
 * waits on it instead of looking every few milliseconds, and a writer makes
 * a system call a few times per purge, not per record. Read it empty with
 * sdd_handover_wait_reset. */
int sdd_handover_fd(const sdd_handover *h);
void sdd_handover_wait_reset(sdd_handover *h);
/* 1 once sdd_handover_finish was called and every slot is drained and free
 * (writers still running keep it 0; dead ones are found by the drains). */
int sdd_handover_ended(sdd_handover *h);

/* Copies up to max waiting records to out and returns how many. Never
 * blocks: 0 when nothing waits. Also frees the slots of writers that closed
 * (once drained) or died. */
size_t sdd_handover_drain(sdd_handover *h, sdd_flow *out, size_t max);

typedef struct sdd_handover_stats {
    uint64_t received;          /* records drained */
    uint64_t dropped;           /* records refused by full slots or for lack of a slot;
                                   those of slots still open are counted when they close */
    uint64_t writers;           /* slots freed after a writer closed */
    uint64_t writers_died;      /* slots freed after their writer died without closing */
} sdd_handover_stats;

/* The consumer's counters (call it from the consumer thread). */
void sdd_handover_stats_get(const sdd_handover *h, sdd_handover_stats *st);

#endif
