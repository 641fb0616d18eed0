/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linereader.c: cuts a byte stream into lines (see linereader.h).
 *
 * One buffer holds the bytes not yet returned, from `start` to `end`; `scan`
 * marks how far a newline has been looked for, so that a long line arriving
 * in many small reads is searched once, not once per read. */
#include <stdlib.h>
#include <string.h>

#include "util/linereader.h"

#define MIN_READ (64 * 1024)            /* the least room offered to a read */

struct sdd_linereader {
    char *buf;
    size_t cap, start, end, scan;
    size_t max_line;
    int skipping;                       /* inside a line too long to keep */
    uint64_t too_long;
};

sdd_linereader *sdd__linereader_new(size_t max_line)
{
    sdd_linereader *lr = calloc(1, sizeof(*lr));

    if (!lr)
        return NULL;
    lr->max_line = max_line;
    lr->cap = 2 * MIN_READ;
    lr->buf = malloc(lr->cap);
    if (!lr->buf) {
        free(lr);
        return NULL;
    }
    return lr;
}

void sdd__linereader_free(sdd_linereader *lr)
{
    if (!lr)
        return;
    free(lr->buf);
    free(lr);
}

/* Moves the held bytes to the front of the buffer. */
static void compact(sdd_linereader *lr)
{
    size_t held = lr->end - lr->start;

    memmove(lr->buf, lr->buf + lr->start, held);
    lr->scan -= lr->start;
    lr->end = held;
    lr->start = 0;
}

char *sdd__linereader_space(sdd_linereader *lr, size_t *avail)
{
    /* one byte is always kept free, for the NUL after a last line */
    if (lr->start > 0 && lr->cap - lr->end <= MIN_READ)
        compact(lr);
    if (lr->cap - lr->end <= MIN_READ) {
        size_t cap = lr->cap * 2;
        char *grown = realloc(lr->buf, cap);
        if (!grown)
            return NULL;
        lr->buf = grown;
        lr->cap = cap;
    }
    *avail = lr->cap - lr->end - 1;
    return lr->buf + lr->end;
}

void sdd__linereader_commit(sdd_linereader *lr, size_t n)
{
    lr->end += n;
}

/* Drops the held bytes of a line known to be too long, and the rest of it
 * up to its newline as it arrives. */
static void start_skipping(sdd_linereader *lr)
{
    lr->skipping = 1;
    lr->too_long++;
    lr->start = lr->end = lr->scan = 0;
}

/* Hands out buf[from, from+len) as a NUL-terminated line without '\r'. */
static const char *take(sdd_linereader *lr, size_t from, size_t len, size_t *out_len)
{
    if (len > 0 && lr->buf[from + len - 1] == '\r')
        len--;
    lr->buf[from + len] = '\0';
    *out_len = len;
    return lr->buf + from;
}

const char *sdd__linereader_next(sdd_linereader *lr, int at_end, size_t *len)
{
    for (;;) {
        char *nl = memchr(lr->buf + lr->scan, '\n', lr->end - lr->scan);
        if (!nl)
            break;
        size_t from = lr->start, n = (size_t)(nl - lr->buf) - from;
        lr->start = lr->scan = (size_t)(nl - lr->buf) + 1;
        if (lr->skipping)
            lr->skipping = 0;           /* the newline that ends the dropped line */
        else if (n > lr->max_line)
            lr->too_long++;
        else
            return take(lr, from, n, len);
    }
    lr->scan = lr->end;
    if (!lr->skipping && lr->end - lr->start > lr->max_line)
        start_skipping(lr);
    if (lr->skipping) {
        lr->start = lr->end = lr->scan = 0;
        lr->skipping = !at_end;
        return NULL;
    }
    if (!at_end || lr->end == lr->start)
        return NULL;
    size_t from = lr->start, n = lr->end - from;
    lr->start = lr->scan = lr->end;
    return take(lr, from, n, len);
}

void sdd__linereader_reset(sdd_linereader *lr)
{
    lr->start = lr->end = lr->scan = 0;
    lr->skipping = 0;
}

size_t sdd__linereader_pending(const sdd_linereader *lr)
{
    return lr->end - lr->start;
}

uint64_t sdd__linereader_too_long(const sdd_linereader *lr)
{
    return lr->too_long;
}
