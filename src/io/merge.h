/* SPDX-License-Identifier: GPL-2.0-or-later */
/* merge.h: the daemon's file inputs merged by event time, as replay merges
 * its files, so that a backlog (a first start on existing files, a restart
 * after downtime, a day given as several files) reaches the engine in time
 * order instead of a megabyte of each file in turn.
 *
 * Each input's parsed records wait in a bounded queue of their own. The
 * oldest record at the head of a queue goes to the engine as long as every
 * input that may still bring an older one at once (one with more to read
 * now) has a record waiting to compare with; an input that has read all
 * there is does not hold the others back. Each record carries where its
 * line ends in its file (or the next offset of its Kafka partition), so that
 * a checkpoint names what the engine took. The daemon's inputs are the three
 * kinds of file, then one per Kafka partition (source_kafka.c). */
#ifndef SDD_IO_MERGE_H
#define SDD_IO_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

typedef struct sdd_merge sdd_merge;

/* n inputs, each queue holding up to capacity records. NULL when out of
 * memory. */
sdd_merge *sdd_merge_new(int n, size_t capacity);
void sdd_merge_free(sdd_merge *m);          /* NULL is fine */
/* One more input, of its own capacity: its index, or -1 when out of memory. */
int sdd_merge_add(sdd_merge *m, size_t capacity);

/* Room left in an input's queue. */
size_t sdd_merge_room(const sdd_merge *m, int input);
/* The position of a record that is not the last of its Kafka message: it
 * goes to the engine together with the next one of its input, as a cursor
 * cannot name half a message. */
#define SDD_MERGE_WITH_NEXT INT64_MIN

/* Queues a record with where its line ends: 0, or -1 when the queue is full
 * (the caller hands it on at once instead). */
int sdd_merge_push(sdd_merge *m, int input, const sdd_record *r, int64_t position);
/* Whether the input has more to read now: while it has, its empty queue
 * holds the others back. */
void sdd_merge_set_more(sdd_merge *m, int input, int more);
/* 1 while the input has records queued. */
int sdd_merge_pending(const sdd_merge *m, int input);
/* Where the lines the engine has taken of the input end: the end of the
 * last record handed on, or what was set with sdd_merge_set_position (the
 * input's position while its queue was empty). -1 when not known. */
int64_t sdd_merge_position(const sdd_merge *m, int input);
void sdd_merge_set_position(sdd_merge *m, int input, int64_t position);

typedef void (*sdd_merge_fn)(void *ctx, const sdd_record *r);
/* Hands on, oldest first, the records that may go; every one when `all`
 * (the inputs are done, or the engine must have all it was given). Returns
 * how many. */
size_t sdd_merge_drain(sdd_merge *m, int all, sdd_merge_fn fn, void *ctx);

#endif
