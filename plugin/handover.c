/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover.c: the shared-memory hand-over from pmacct's writer processes to
 * the engine thread (handover.h says why it has this shape).
 *
 * Each slot is a single-producer single-consumer ring: head and tail only
 * grow, the producer alone stores tail and the consumer alone stores head,
 * each with release after touching the records and read by the other with
 * acquire. A slot's owner word says who may produce: 0 free, a pid, or
 * SLOT_CLOSED. Head and tail are never reset: a new owner goes on from where
 * the last one stopped, so nothing but the owner word changes hands.
 */
#include "handover.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

/* The mapping is shared between processes: its atomics must work without a
 * lock, which would live in one process only. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

#define SLOT_FREE 0
#define SLOT_CLOSED (-1)
#define CACHE_LINE 64
/* How many drain calls between checks that slot owners are still alive:
 * kill() is a system call, and a dead writer is rare. */
#define LIVENESS_EVERY 256

/* Producer and consumer words on their own cache lines, so that a writer
 * appending and the consumer draining do not bounce one line. */
typedef struct slot {
    _Alignas(CACHE_LINE) atomic_int owner;
    atomic_ullong dropped;      /* added by the owner, taken when the slot is freed */
    _Alignas(CACHE_LINE) atomic_ullong tail;
    _Alignas(CACHE_LINE) atomic_ullong head;
} slot;

/* The start of the mapping; the slots' records follow it. */
typedef struct shared {
    unsigned slots;
    size_t slot_records;
    atomic_ullong dropped_no_slot;
    atomic_int finished;        /* sdd_handover_finish was called */
    slot slot[];
} shared;

struct sdd_handover {
    shared *sh;
    sdd_flow *records;          /* slot i's ring is records[i * slot_records ...] */
    size_t map_len;
    int wake_fd;                /* eventfd, inherited by every process forked after create */
    /* consumer side only */
    pid_t consumer_pid;
    unsigned next_slot;         /* where the next drain starts, for fairness */
    uint64_t drain_calls;
    sdd_handover_stats stats;
};

static size_t records_offset(unsigned slots)
{
    size_t head = sizeof(shared) + (size_t)slots * sizeof(slot);
    return (head + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
}

static int size_ok(sdd_handover_size size)
{
    size_t n = size.slot_records;
    return size.slots > 0 && size.slots <= 1024 && n >= 2 && (n & (n - 1)) == 0 &&
           n <= ((size_t)1 << 30) / size.slots;
}

sdd_handover *sdd_handover_create(sdd_handover_size size)
{
    if (!size_ok(size)) {
        errno = EINVAL;
        return NULL;
    }
    sdd_handover *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    size_t off = records_offset(size.slots);
    h->map_len = off + (size_t)size.slots * size.slot_records * sizeof(sdd_flow);
    /* MAP_SHARED and anonymous: the children pmacct forks later see the same
     * pages; MAP_NORESERVE: only the pages records reach are ever used. */
    void *p = mmap(NULL, h->map_len, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (p == MAP_FAILED || h->wake_fd < 0) {
        int e = errno;
        if (p != MAP_FAILED)
            munmap(p, h->map_len);
        free(h);
        errno = e;
        return NULL;
    }
    h->sh = p;                  /* zero-filled: every slot free, every counter 0 */
    h->sh->slots = size.slots;
    h->sh->slot_records = size.slot_records;
    h->records = (sdd_flow *)((char *)p + off);
    h->consumer_pid = getpid();
    return h;
}

void sdd_handover_destroy(sdd_handover *h)
{
    if (!h)
        return;
    munmap(h->sh, h->map_len);
    close(h->wake_fd);
    free(h);
}

static sdd_flow *ring_of(const sdd_handover *h, int i)
{
    return h->records + (size_t)i * h->sh->slot_records;
}

/* ---- writer side ----------------------------------------------------------- */

/* A failed write only means the counter is full: the consumer is awake. */
static void wake(const sdd_handover *h)
{
    uint64_t one = 1;
    ssize_t rc = write(h->wake_fd, &one, sizeof(one));
    (void)rc;
}

/* Starts at a slot chosen by pid so that writers forked together do not all
 * race for slot 0. */
static int claim_slot(sdd_handover *h)
{
    pid_t me = getpid();
    unsigned n = h->sh->slots;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = ((unsigned)me + k) % n;
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong_explicit(&h->sh->slot[i].owner, &expected, (int)me,
                                                    memory_order_acquire, memory_order_relaxed))
            return (int)i;
    }
    return -1;
}

void sdd_handover_writer_open(sdd_handover_writer *w, sdd_handover *h)
{
    w->h = h;
    w->slot = claim_slot(h);
}

/* Copies n records into the ring from position pos on, wrapping at its end. */
static void ring_put(sdd_flow *ring, size_t cap, uint64_t pos, const sdd_flow *recs, size_t n)
{
    size_t at = (size_t)(pos & (cap - 1));
    size_t first = n < cap - at ? n : cap - at;
    memcpy(ring + at, recs, first * sizeof(*recs));
    memcpy(ring, recs + first, (n - first) * sizeof(*recs));
}

size_t sdd_handover_append(sdd_handover_writer *w, const sdd_flow *recs, size_t n)
{
    if (n == 0)
        return 0;
    if (w->slot < 0)
        w->slot = claim_slot(w->h);
    if (w->slot < 0) {
        atomic_fetch_add_explicit(&w->h->sh->dropped_no_slot, n, memory_order_relaxed);
        return 0;
    }
    slot *s = &w->h->sh->slot[w->slot];
    size_t cap = w->h->sh->slot_records;
    uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
    size_t room = cap - (size_t)(tail - head);
    size_t take = n < room ? n : room;
    ring_put(ring_of(w->h, w->slot), cap, tail, recs, take);
    atomic_store_explicit(&s->tail, tail + take, memory_order_release);
    size_t mark = cap / 8, before = (size_t)(tail - head);
    if (before < mark && before + take >= mark)
        wake(w->h);
    if (take < n)
        atomic_fetch_add_explicit(&s->dropped, n - take, memory_order_relaxed);
    return take;
}

size_t sdd_handover_room(sdd_handover_writer *w)
{
    if (w->slot < 0)
        w->slot = claim_slot(w->h);
    if (w->slot < 0)
        return 0;
    slot *s = &w->h->sh->slot[w->slot];
    uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
    return w->h->sh->slot_records - (size_t)(tail - head);
}

void sdd_handover_writer_close(sdd_handover_writer *w)
{
    if (w->slot >= 0) {
        atomic_store_explicit(&w->h->sh->slot[w->slot].owner, SLOT_CLOSED, memory_order_release);
        wake(w->h);
    }
    w->slot = -1;
}

void sdd_handover_finish(sdd_handover *h)
{
    atomic_store_explicit(&h->sh->finished, 1, memory_order_release);
    wake(h);
}

/* ---- consumer side --------------------------------------------------------- */

static void ring_get(const sdd_flow *ring, size_t cap, uint64_t pos, sdd_flow *out, size_t n)
{
    size_t at = (size_t)(pos & (cap - 1));
    size_t first = n < cap - at ? n : cap - at;
    memcpy(out, ring + at, first * sizeof(*out));
    memcpy(out + first, ring, (n - first) * sizeof(*out));
}

/* Takes what waits in slot i, up to max; *empty tells whether it is now empty. */
static size_t drain_slot(sdd_handover *h, int i, sdd_flow *out, size_t max, int *empty)
{
    slot *s = &h->sh->slot[i];
    uint64_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    size_t avail = (size_t)(tail - head);
    size_t take = avail < max ? avail : max;
    ring_get(ring_of(h, i), h->sh->slot_records, head, out, take);
    atomic_store_explicit(&s->head, head + take, memory_order_release);
    *empty = take == avail;
    return take;
}

/* Frees a slot whose writer is gone and whose records are all drained. */
static void free_slot(sdd_handover *h, int i)
{
    slot *s = &h->sh->slot[i];
    h->stats.dropped += atomic_exchange_explicit(&s->dropped, 0, memory_order_relaxed);
    atomic_store_explicit(&s->owner, SLOT_FREE, memory_order_release);
}

/* A writer that died (killed, crashed) never closes its slot. Only once it is
 * gone is its tail final, so the slot is freed only if still empty then. A
 * recycled pid keeps the slot until that process ends too. */
static int owner_died(sdd_handover *h, int i, int owner)
{
    if (owner == (int)h->consumer_pid || kill((pid_t)owner, 0) == 0 || errno != ESRCH)
        return 0;
    slot *s = &h->sh->slot[i];
    return atomic_load_explicit(&s->tail, memory_order_acquire) ==
           atomic_load_explicit(&s->head, memory_order_relaxed);
}

/* After draining slot i empty: frees it if its writer closed or died. */
static void maybe_free(sdd_handover *h, int i, int check_alive)
{
    int owner = atomic_load_explicit(&h->sh->slot[i].owner, memory_order_acquire);
    if (owner == SLOT_CLOSED) {
        /* The owner word was read after the tail: records appended before
         * the close may have come in between; free only when truly empty. */
        slot *s = &h->sh->slot[i];
        if (atomic_load_explicit(&s->tail, memory_order_acquire) !=
            atomic_load_explicit(&s->head, memory_order_relaxed))
            return;
        free_slot(h, i);
        h->stats.writers++;
    } else if (owner > 0 && check_alive && owner_died(h, i, owner)) {
        free_slot(h, i);
        h->stats.writers_died++;
    }
}

size_t sdd_handover_drain(sdd_handover *h, sdd_flow *out, size_t max)
{
    unsigned n = h->sh->slots;
    /* at the end, a dead writer must not hold the consumer back for long */
    int check_alive = h->drain_calls++ % LIVENESS_EVERY == 0 ||
                      atomic_load_explicit(&h->sh->finished, memory_order_acquire);
    size_t got = 0;
    for (unsigned k = 0; k < n; k++) {
        int i = (int)((h->next_slot + k) % n);
        if (atomic_load_explicit(&h->sh->slot[i].owner, memory_order_acquire) == SLOT_FREE)
            continue;
        int empty;
        got += drain_slot(h, i, out + got, max - got, &empty);
        if (empty)
            maybe_free(h, i, check_alive);
        if (got == max)
            break;
    }
    h->next_slot = (h->next_slot + 1) % n;
    h->stats.received += got;
    return got;
}

void sdd_handover_stats_get(const sdd_handover *h, sdd_handover_stats *st)
{
    *st = h->stats;
    st->dropped += atomic_load_explicit(&h->sh->dropped_no_slot, memory_order_relaxed);
}

int sdd_handover_fd(const sdd_handover *h)
{
    return h->wake_fd;
}

void sdd_handover_wait_reset(sdd_handover *h)
{
    uint64_t count;
    ssize_t rc = read(h->wake_fd, &count, sizeof(count));
    (void)rc;                   /* EAGAIN: nothing was signalled */
}

int sdd_handover_ended(sdd_handover *h)
{
    if (!atomic_load_explicit(&h->sh->finished, memory_order_acquire))
        return 0;
    for (unsigned i = 0; i < h->sh->slots; i++)
        if (atomic_load_explicit(&h->sh->slot[i].owner, memory_order_acquire) != SLOT_FREE)
            return 0;
    return 1;
}
