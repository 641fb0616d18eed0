/* SPDX-License-Identifier: GPL-2.0-or-later */
/* workers.c: a small pool of threads for the detection cycle (workers.h).
 *
 * One run at a time, started by the engine's thread: it publishes the run
 * under the lock (so a helper that wakes sees all of it), items are taken
 * a chunk at a time from an atomic counter (so a thread slowed by others on
 * the machine takes fewer), and the caller waits for every helper to have
 * left the run before it returns. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/workers.h"

/* Items taken at a time at most: a service costs some microseconds, so a
 * chunk is worth more than taking it, and a cycle of 100,000 has many to
 * balance. A small run is cut into 4 chunks a thread. */
#define CHUNK_MAX 64
#define THREADS_MAX 256

struct sdd__workers {
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    pthread_t *helpers;
    int n_helpers;
    uint64_t round;                     /* runs started */
    int busy;                           /* helpers still in the current run */
    int stop;
    sdd__work_fn fn;                    /* the current run */
    void *ctx;
    int n, chunk;
    atomic_int next;                    /* first item nobody has taken */
};

static void take(sdd__workers *w)
{
    for (;;) {
        int first = atomic_fetch_add(&w->next, w->chunk);
        if (first >= w->n)
            return;
        w->fn(w->ctx, first, w->n - first < w->chunk ? w->n : first + w->chunk);
    }
}

static void *helper(void *arg)
{
    sdd__workers *w = arg;
    uint64_t seen = 0;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && w->round == seen)
            pthread_cond_wait(&w->start, &w->lock);
        if (w->stop)
            break;
        seen = w->round;
        pthread_mutex_unlock(&w->lock);
        take(w);
        pthread_mutex_lock(&w->lock);
        if (--w->busy == 0)
            pthread_cond_signal(&w->done);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

sdd__workers *sdd__workers_new(int threads)
{
    sdd__workers *w;

    if (threads == 0)
        threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    threads = threads > THREADS_MAX ? THREADS_MAX : threads;
    if (threads <= 1 || !(w = calloc(1, sizeof(*w))))
        return NULL;
    w->helpers = calloc((size_t)threads - 1, sizeof(*w->helpers));
    if (!w->helpers || pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w->helpers);
        free(w);
        return NULL;
    }
    pthread_cond_init(&w->start, NULL);
    pthread_cond_init(&w->done, NULL);
    for (; w->n_helpers < threads - 1; w->n_helpers++)
        if (pthread_create(&w->helpers[w->n_helpers], NULL, helper, w) != 0)
            break;
    if (w->n_helpers == 0) {
        sdd__workers_free(w);
        return NULL;
    }
    return w;
}

void sdd__workers_run(sdd__workers *w, int n, sdd__work_fn fn, void *ctx)
{
    int chunk = w ? n / (4 * (w->n_helpers + 1)) : 0;

    if (!w || n < 2) {
        if (n > 0)
            fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->fn = fn;
    w->ctx = ctx;
    w->n = n;
    w->chunk = chunk < 1 ? 1 : chunk > CHUNK_MAX ? CHUNK_MAX : chunk;
    atomic_store(&w->next, 0);
    w->busy = w->n_helpers;
    w->round++;
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
    take(w);
    pthread_mutex_lock(&w->lock);
    while (w->busy > 0)
        pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

void sdd__workers_free(sdd__workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < w->n_helpers; i++)
        pthread_join(w->helpers[i], NULL);
    pthread_cond_destroy(&w->start);
    pthread_cond_destroy(&w->done);
    pthread_mutex_destroy(&w->lock);
    free(w->helpers);
    free(w);
}
