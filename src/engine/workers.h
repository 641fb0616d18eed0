/* SPDX-License-Identifier: GPL-2.0-or-later */
/* workers.h: the threads a detection cycle is spread over (internal).
 *
 * The engine closes a slot for every service, and a service's part (its
 * history written, its profile revised, its detectors run) touches nothing
 * of another's: the items 0..n-1 of one run are handed out in chunks to the
 * helper threads and to the calling thread, and the run returns once all
 * are done. What the items give is put together by the caller afterwards,
 * in item order, so the result is the same whatever the number of threads.
 * The helpers sleep between runs; nothing else of the engine sees them. */
#ifndef SDD_ENGINE_WORKERS_H
#define SDD_ENGINE_WORKERS_H

/* Does items first..last-1. */
typedef void (*sdd__work_fn)(void *ctx, int first, int last);

typedef struct sdd__workers sdd__workers;

/* threads in all, the caller's included: 0 means the machine's cores. NULL
 * when that is 1, or when threads cannot be made: runs then stay on the
 * calling thread. */
sdd__workers *sdd__workers_new(int threads);
/* fn over items 0..n-1, spread over the threads; returns when all are done.
 * w NULL, or a single item: on the calling thread alone. */
void sdd__workers_run(sdd__workers *w, int n, sdd__work_fn fn, void *ctx);
void sdd__workers_free(sdd__workers *w);   /* NULL is fine */

#endif
