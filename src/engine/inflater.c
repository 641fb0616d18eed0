/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inflater.c: see inflater.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "engine/inflater.h"

#define CHUNK (1024 * 1024)

typedef struct chunk {
    char *data;
    size_t len, taken;                  /* bytes in it, bytes the reader has had */
    int full;                           /* filled by the thread, not yet emptied by the reader */
} chunk;

struct sdd__inflater {
    gzFile gz;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    chunk c[2];
    int next_read;                      /* the chunk the reader empties next */
    int ended;                          /* the thread met the end (or an error) */
    int stop;                           /* the reader is done */
    int started;                        /* the thread runs: to be joined */
};

/* The thread: fills the chunks in turn until the file ends or it is told
 * to stop. */
static void *fill(void *arg)
{
    sdd__inflater *f = arg;
    int k = 0, n;

    for (;;) {
        int stop;
        pthread_mutex_lock(&f->lock);
        while (f->c[k].full && !f->stop)
            pthread_cond_wait(&f->changed, &f->lock);
        stop = f->stop;
        pthread_mutex_unlock(&f->lock);
        if (stop)
            return NULL;
        n = gzread(f->gz, f->c[k].data, CHUNK);
        pthread_mutex_lock(&f->lock);
        f->c[k].len = n > 0 ? (size_t)n : 0;
        f->c[k].taken = 0;
        f->c[k].full = n > 0;
        f->ended = n <= 0;
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
        if (n <= 0)
            return NULL;
        k ^= 1;
    }
}

sdd__inflater *sdd__inflater_open(const char *path)
{
    sdd__inflater *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->c[0].data = malloc(CHUNK);
    f->c[1].data = malloc(CHUNK);
    f->gz = f->c[0].data && f->c[1].data ? gzopen(path, "rb") : NULL;
    if (!f->gz) {
        int errnum = f->c[1].data ? errno : ENOMEM;
        free(f->c[0].data);
        free(f->c[1].data);
        free(f);
        errno = errnum;
        return NULL;
    }
    gzbuffer(f->gz, 256 * 1024);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->changed, NULL);
    f->started = pthread_create(&f->thread, NULL, fill, f) == 0;
    if (!f->started) {
        sdd__inflater_close(f, NULL, 0);
        errno = EAGAIN;
        return NULL;
    }
    return f;
}

size_t sdd__inflater_read(sdd__inflater *f, char *buf, size_t size)
{
    chunk *c = &f->c[f->next_read];
    size_t n;
    int have;

    pthread_mutex_lock(&f->lock);
    while (!c->full && !f->ended)
        pthread_cond_wait(&f->changed, &f->lock);
    have = c->full;
    pthread_mutex_unlock(&f->lock);
    if (!have)
        return 0;
    n = c->len - c->taken < size ? c->len - c->taken : size;
    memcpy(buf, c->data + c->taken, n);
    c->taken += n;
    if (c->taken == c->len) {
        pthread_mutex_lock(&f->lock);
        c->full = 0;
        f->next_read ^= 1;
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
    }
    return n;
}

int sdd__inflater_close(sdd__inflater *f, char *why, size_t len)
{
    int errnum = Z_OK, rc = 0;
    const char *msg;

    if (!f)
        return 0;
    pthread_mutex_lock(&f->lock);
    f->stop = 1;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
    if (f->started)
        pthread_join(f->thread, NULL);
    msg = gzerror(f->gz, &errnum);
    if (errnum != Z_OK && errnum != Z_BUF_ERROR) {
        if (why && len)
            snprintf(why, len, "%s", msg);
        rc = -1;
    }
    gzclose(f->gz);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->changed);
    free(f->c[0].data);
    free(f->c[1].data);
    free(f);
    return rc;
}
