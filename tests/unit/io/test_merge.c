/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_merge.c: the merge of sddd's inputs by event time (io/merge.c): the
 * oldest head goes while no input with more to read is empty; inputs added
 * later (Kafka partitions) with a capacity of their own; the records of one
 * Kafka message go together, and the position names only whole messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "io/merge.h"

#define MAX_OUT 32

typedef struct seen {
    int64_t time[MAX_OUT];
    sdd_input_kind kind[MAX_OUT];
    int n;
} seen;

static void collect(void *ctx, const sdd_record *r)
{
    seen *s = ctx;

    assert_true(s->n < MAX_OUT);
    s->kind[s->n] = r->kind;
    s->time[s->n++] = r->time;
}

static void push_kind(sdd_merge *m, int input, sdd_input_kind kind, int64_t time, int64_t position)
{
    sdd_record r = {.kind = kind, .time = time};

    assert_int_equal(sdd_merge_push(m, input, &r, position), 0);
}

static void push(sdd_merge *m, int input, int64_t time, int64_t position)
{
    push_kind(m, input, SDD_INPUT_FLOW, time, position);
}

static void expect_times(const seen *s, const int64_t *want, int n)
{
    assert_int_equal(s->n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(s->time[i], want[i]);
}

/* An empty input with more to read holds the others back; once it has a
 * record, or nothing more to read, the oldest heads go first. */
static void test_oldest_first(void **state)
{
    (void)state;
    sdd_merge *m = sdd_merge_new(2, 8);
    seen s = {0};
    static const int64_t want[] = {10, 20, 30, 40};

    push(m, 0, 20, 1);
    push(m, 0, 40, 2);
    sdd_merge_set_more(m, 1, 1);
    assert_int_equal(sdd_merge_drain(m, 0, collect, &s), 0);
    push(m, 1, 10, 5);
    push(m, 1, 30, 6);
    sdd_merge_set_more(m, 1, 0);
    assert_int_equal(sdd_merge_drain(m, 0, collect, &s), 4);
    expect_times(&s, want, 4);
    assert_int_equal(sdd_merge_position(m, 0), 2);
    assert_int_equal(sdd_merge_position(m, 1), 6);
    sdd_merge_free(m);
}

/* An input added later has its own capacity and takes part in the merge. */
static void test_added_input(void **state)
{
    (void)state;
    sdd_merge *m = sdd_merge_new(3, 8);
    int k = sdd_merge_add(m, 2);
    seen s = {0};
    static const int64_t want[] = {5, 7, 9};
    sdd_record r = {.time = 11};

    assert_int_equal(k, 3);
    assert_int_equal(sdd_merge_room(m, k), 2);
    push(m, k, 5, 100);
    push(m, k, 9, 101);
    assert_int_equal(sdd_merge_push(m, k, &r, 102), -1);    /* full */
    push(m, 0, 7, 1);
    assert_int_equal(sdd_merge_drain(m, 0, collect, &s), 3);
    expect_times(&s, want, 3);
    assert_int_equal(sdd_merge_position(m, k), 101);
    sdd_merge_free(m);
}

/* A message's records go together even when another input's record is
 * older than its second one, and the position moves only at its end. */
static void test_message_whole(void **state)
{
    (void)state;
    sdd_merge *m = sdd_merge_new(2, 8);
    seen s = {0};
    static const int64_t want[] = {10, 30, 20};

    push(m, 0, 10, SDD_MERGE_WITH_NEXT);
    push(m, 0, 30, 8);                  /* the message at offset 7: next 8 */
    push(m, 1, 20, 3);
    sdd_merge_set_more(m, 1, 1);
    assert_int_equal(sdd_merge_drain(m, 0, collect, &s), 3);
    expect_times(&s, want, 3);
    assert_int_equal(sdd_merge_position(m, 0), 8);
    sdd_merge_free(m);
}

/* On a tie, flows go before BMP whichever input holds them, as in replay. */
static void test_tie_by_kind(void **state)
{
    (void)state;
    sdd_merge *m = sdd_merge_new(0, 1);
    int bmp = sdd_merge_add(m, 4), flow = sdd_merge_add(m, 4);
    seen s = {0};
    static const int64_t want[] = {10, 10};

    push_kind(m, bmp, SDD_INPUT_BMP, 10, 1);
    push_kind(m, flow, SDD_INPUT_FLOW, 10, 1);
    assert_int_equal(sdd_merge_drain(m, 0, collect, &s), 2);
    expect_times(&s, want, 2);
    assert_int_equal(s.kind[0], SDD_INPUT_FLOW);
    assert_int_equal(s.kind[1], SDD_INPUT_BMP);
    sdd_merge_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oldest_first),
        cmocka_unit_test(test_added_input),
        cmocka_unit_test(test_message_whole),
        cmocka_unit_test(test_tie_by_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
