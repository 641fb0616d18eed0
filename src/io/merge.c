/* SPDX-License-Identifier: GPL-2.0-or-later */
/* merge.c: see merge.h. */
#include <stdlib.h>

#include "io/merge.h"

typedef struct queue {
    sdd_record *rec;
    int64_t *position;
    size_t head, count;
    int more;
    int64_t handed;                     /* position of the last record handed on */
} queue;

struct sdd_merge {
    queue *q;
    int n;
    size_t capacity;
};

sdd_merge *sdd_merge_new(int n, size_t capacity)
{
    sdd_merge *m = calloc(1, sizeof(*m));

    if (!m || !(m->q = calloc((size_t)n, sizeof(*m->q)))) {
        free(m);
        return NULL;
    }
    m->n = n;
    m->capacity = capacity;
    for (int i = 0; i < n; i++) {
        m->q[i].rec = malloc(capacity * sizeof(*m->q[i].rec));
        m->q[i].position = malloc(capacity * sizeof(*m->q[i].position));
        m->q[i].handed = -1;
        if (!m->q[i].rec || !m->q[i].position) {
            sdd_merge_free(m);
            return NULL;
        }
    }
    return m;
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
    return m->capacity - m->q[input].count;
}

int sdd_merge_push(sdd_merge *m, int input, const sdd_record *r, int64_t position)
{
    queue *q = &m->q[input];
    size_t at = (q->head + q->count) % m->capacity;

    if (q->count == m->capacity)
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

/* The queue whose head goes next: the oldest head, on a tie the first input
 * (flows before BMP before telemetry, as replay). -1 when none may go. */
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
        if (best < 0 || q->rec[q->head].time < m->q[best].rec[m->q[best].head].time)
            best = i;
    }
    return best;
}

size_t sdd_merge_drain(sdd_merge *m, int all, sdd_merge_fn fn, void *ctx)
{
    size_t handed = 0;
    int i;

    while ((i = next(m, all)) >= 0) {
        queue *q = &m->q[i];
        sdd_record r = q->rec[q->head];
        q->handed = q->position[q->head];
        q->head = (q->head + 1) % m->capacity;
        q->count--;
        fn(ctx, &r);
        handed++;
    }
    return handed;
}
