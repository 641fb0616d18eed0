/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_handover.c: writers hand records to one consumer through the
 * hand-over (handover.h), and every record arrives exactly once or is
 * counted as dropped.
 *
 * Run by `make check` (plugin/local.mk), 2 s; by hand, from the top of the clone:
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Iinclude -Ibuild/include -Iplugin \
 *      plugin/handover.c plugin/test_handover.c -o /tmp/test_handover && /tmp/test_handover
 * (build/include: where configure made include/sdd/version.h, which sdd.h includes)
 * with -fsanitize=address,undefined -g as it is, and with -fsanitize=thread -g
 * as `/tmp/test_handover threads` (ThreadSanitizer sees threads, not processes).
 *
 * Four writers (processes, or threads) append 1,000,000 records each in
 * batches of varying size while the consumer drains (and checks each record,
 * so it is slower than they are and rings fill), in three cases: large rings,
 * small rings, and fewer slots than writers (a writer without a slot drops
 * what it appends until a slot is freed). In the process case one writer dies
 * half way without closing its slot. Each record carries its writer and
 * sequence number; the consumer checks that none comes twice, that each
 * writer's come in order and intact, and that received plus dropped is what
 * the writers offered.
 */
#include "handover.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 4
#define PER_WRITER 1000000ULL
#define TOTAL (WRITERS * PER_WRITER)

typedef struct test_case {
    const char *name;
    sdd_handover_size size;
} test_case;

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

/* What record seq of writer w holds, so that a torn or misplaced copy shows. */
static void make_record(sdd_flow *f, uint32_t w, uint64_t seq)
{
    memset(f, 0, sizeof(*f));
    f->iface_in = w;
    f->packets = seq;
    f->bytes = seq * 2654435761u ^ w;
    f->flows = ~seq;
    f->time = (int64_t)seq;
    snprintf(f->vrf_name, sizeof(f->vrf_name), "w%u-%llu", w, (unsigned long long)seq);
}

static int record_ok(const sdd_flow *f)
{
    sdd_flow want;
    make_record(&want, f->iface_in, f->packets);
    return memcmp(f, &want, sizeof(want)) == 0;
}

/* Appends PER_WRITER records in batches of 1 to 97; `die` appends half of
 * them and exits without closing, as a writer killed in a purge. */
static void run_writer(sdd_handover *h, uint32_t w, int die)
{
    enum { BATCH = 97 };
    sdd_flow batch[BATCH];
    sdd_handover_writer wr;
    sdd_handover_writer_open(&wr, h);
    uint64_t seq = 0, limit = die ? PER_WRITER / 2 : PER_WRITER;
    for (unsigned n = 1; seq < limit; n = n % BATCH + 1) {
        size_t k = 0;
        for (; k < n && seq < limit; k++, seq++)
            make_record(&batch[k], w, seq);
        sdd_handover_append(&wr, batch, k);
    }
    if (die)
        _exit(0);
    sdd_handover_writer_close(&wr);
}

/* What the consumer has seen of each writer. */
typedef struct tally {
    unsigned char *seen[WRITERS];   /* one bit per sequence number */
    int64_t last[WRITERS];
    uint64_t dups, disorder, corrupt, strangers;
} tally;

static void tally_record(tally *t, const sdd_flow *f)
{
    uint32_t w = f->iface_in;
    uint64_t seq = f->packets;
    if (w >= WRITERS || seq >= PER_WRITER || !record_ok(f)) {
        t->corrupt++;
        return;
    }
    unsigned char bit = (unsigned char)(1u << (seq % 8));
    if (t->seen[w][seq / 8] & bit)
        t->dups++;
    t->seen[w][seq / 8] |= bit;
    if ((int64_t)seq <= t->last[w])
        t->disorder++;
    t->last[w] = (int64_t)seq;
}

/* Drains until every record offered is accounted for, or until the writers
 * are all gone and enough empty drains went by for the slots of dead ones to
 * be freed (the consumer checks owners every 256 drains). */
static void consume(sdd_handover *h, tally *t, uint64_t offered, int (*writers_done)(void))
{
    enum { CHUNK = 512 };
    static sdd_flow buf[CHUNK];
    sdd_handover_stats st;
    unsigned idle = 0, idle_after_done = 0;
    for (;;) {
        size_t n = sdd_handover_drain(h, buf, CHUNK);
        for (size_t i = 0; i < n; i++)
            tally_record(t, &buf[i]);
        sdd_handover_stats_get(h, &st);
        if (st.received + st.dropped == offered)
            return;
        if (n) {
            idle = 0;
            continue;
        }
        if (++idle >= 1024 && (idle_after_done || writers_done()) && ++idle_after_done > 4096)
            return;
        sched_yield();
    }
}

/* ---- writers as processes ---------------------------------------------------- */

static pid_t children[WRITERS];

static int children_done(void)
{
    int done = 1;
    for (int i = 0; i < WRITERS; i++) {
        if (children[i] > 0 && waitpid(children[i], NULL, WNOHANG) == children[i])
            children[i] = 0;
        done &= children[i] == 0;
    }
    return done;
}

static void start_processes(sdd_handover *h, int with_death)
{
    for (uint32_t w = 0; w < WRITERS; w++) {
        children[w] = fork();
        if (children[w] == 0) {
            run_writer(h, w, with_death && w == WRITERS - 1);
            _exit(0);
        }
        check(children[w] > 0, "fork");
    }
}

/* ---- writers as threads ------------------------------------------------------ */

typedef struct thread_arg {
    sdd_handover *h;
    uint32_t w;
} thread_arg;

static atomic_int threads_running;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    run_writer(a->h, a->w, 0);
    atomic_fetch_sub(&threads_running, 1);
    return NULL;
}

static int threads_done(void)
{
    return atomic_load(&threads_running) == 0;
}

/* ---- cases ------------------------------------------------------------------- */

static void run_case(const test_case *c, int use_threads)
{
    sdd_handover *h = sdd_handover_create(c->size);
    check(h != NULL, "sdd_handover_create");
    if (!h)
        return;
    tally t = {0};
    for (int w = 0; w < WRITERS; w++) {
        t.seen[w] = calloc(PER_WRITER / 8 + 1, 1);
        t.last[w] = -1;
    }
    /* In the process case the last writer dies after half of its records. */
    uint64_t offered = use_threads ? TOTAL : TOTAL - PER_WRITER / 2;
    pthread_t tid[WRITERS];
    thread_arg args[WRITERS];
    if (use_threads) {
        atomic_store(&threads_running, WRITERS);
        for (uint32_t w = 0; w < WRITERS; w++) {
            args[w] = (thread_arg){h, w};
            pthread_create(&tid[w], NULL, thread_main, &args[w]);
        }
        consume(h, &t, TOTAL, threads_done);
        for (int w = 0; w < WRITERS; w++)
            pthread_join(tid[w], NULL);
    } else {
        start_processes(h, 1);
        consume(h, &t, offered, children_done);
    }

    sdd_handover_stats st;
    sdd_handover_stats_get(h, &st);
    printf("%-10s %-9s received %8llu dropped %8llu (sum %llu of %llu offered) writers %llu died %llu\n",
           c->name, use_threads ? "threads" : "processes", (unsigned long long)st.received,
           (unsigned long long)st.dropped, (unsigned long long)(st.received + st.dropped),
           (unsigned long long)offered, (unsigned long long)st.writers,
           (unsigned long long)st.writers_died);
    check(st.received + st.dropped == offered, "received + dropped == offered");
    check(t.dups == 0, "no record twice");
    check(t.disorder == 0, "each writer's records in order");
    check(t.corrupt == 0, "records intact");
    check(st.writers + st.writers_died <= WRITERS, "no more slots freed than writers");
    if (!use_threads)
        check(st.writers_died <= 1, "only the writer that died counted as died");
    for (int w = 0; w < WRITERS; w++)
        free(t.seen[w]);
    sdd_handover_destroy(h);
}

int main(int argc, char **argv)
{
    int use_threads = argc > 1 && strcmp(argv[1], "threads") == 0;
    const test_case cases[] = {
        {"large", {8, 1 << 16}},
        {"small", {4, 256}},
        {"few-slots", {2, 1 << 12}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i], use_threads);
    check(sdd_handover_create((sdd_handover_size){4, 1000}) == NULL, "a size not a power of two is refused");
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("OK\n");
    return failures ? 1 : 0;
}
