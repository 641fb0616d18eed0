/* SPDX-License-Identifier: GPL-2.0-or-later */
/* merge.c: see merge.h. */
#include <stdlib.h>

#include "io/merge.h"

typedef struct queue {
    sdd_record *rec;
    int64_t *position;
    size_t capacity, head, count;
    int more;
    int64_t handed;                     /* position of the last record handed on */
} queue;

struct sdd_merge {
    queue *q;
    int n, cap;
};

sdd_merge *sdd_merge_new(int n, size_t capacity)
{
    sdd_merge *m = calloc(1, sizeof(*m));

    for (int i = 0; m && i < n; i++)
        if (sdd_merge_add(m, capacity) < 0) {
            sdd_merge_free(m);
            return NULL;
        }
    return m;
}

int sdd_merge_add(sdd_merge *m, size_t capacity)
{
    queue *q;

    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 4;
        queue *grown = realloc(m->q, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -1;
        m->q = grown;
        m->cap = cap;
    }
    q = &m->q[m->n];
    *q = (queue){.capacity = capacity, .handed = -1};
    q->rec = malloc(capacity * sizeof(*q->rec));
    q->position = malloc(capacity * sizeof(*q->position));
    if (!q->rec || !q->position) {
        free(q->rec);
        free(q->position);
        return -1;
    }
    return m->n++;
}

void sdd_merge_free(sdd_merge *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++) {
        free(m->q[i].rec);
        free(m->q[i].position);
    }
    free(m->q);
    free(m);
}

size_t sdd_merge_room(const sdd_merge *m, int input)
{
    return m->q[input].capacity - m->q[input].count;
}

int sdd_merge_push(sdd_merge *m, int input, const sdd_record *r, int64_t position)
{
    queue *q = &m->q[input];
    size_t at = (q->head + q->count) % q->capacity;

    if (q->count == q->capacity)
        return -1;
    q->rec[at] = *r;
    q->position[at] = position;
    q->count++;
    return 0;
}

void sdd_merge_set_more(sdd_merge *m, int input, int more)
{
    m->q[input].more = more;
}

int sdd_merge_pending(const sdd_merge *m, int input)
{
    return m->q[input].count > 0;
}

int64_t sdd_merge_position(const sdd_merge *m, int input)
{
    return m->q[input].handed;
}

void sdd_merge_set_position(sdd_merge *m, int input, int64_t position)
{
    m->q[input].handed = position;
}

/* Whether a goes before b: the older, on a tie flows before BMP before
 * telemetry, as replay (a Kafka partition's input may come before a file's). */
static int goes_before(const sdd_record *a, const sdd_record *b)
{
    return a->time < b->time || (a->time == b->time && a->kind < b->kind);
}

/* The queue whose head goes next: the oldest head, on a full tie the first
 * input. -1 when none may go. */
static int next(const sdd_merge *m, int all)
{
    int best = -1;

    for (int i = 0; i < m->n; i++) {
        const queue *q = &m->q[i];
        if (!q->count) {
            if (q->more && !all)
                return -1;              /* it may bring an older record at once */
            continue;
        }
        if (best < 0 || goes_before(&q->rec[q->head], &m->q[best].rec[m->q[best].head]))
            best = i;
    }
    return best;
}

/* Hands on the head of q, and the records of its message queued with it. */
static size_t hand_head(queue *q, sdd_merge_fn fn, void *ctx)
{
    size_t handed = 0;
    int64_t position;

    do {
        sdd_record r = q->rec[q->head];
        position = q->position[q->head];
        if (position != SDD_MERGE_WITH_NEXT)
            q->handed = position;
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        fn(ctx, &r);
        handed++;
    } while (position == SDD_MERGE_WITH_NEXT && q->count);
    return handed;
}

size_t sdd_merge_drain(sdd_merge *m, int all, sdd_merge_fn fn, void *ctx)
{
    size_t handed = 0;
    int i;

    while ((i = next(m, all)) >= 0)
        handed += hand_head(&m->q[i], fn, ctx);
    return handed;
}
