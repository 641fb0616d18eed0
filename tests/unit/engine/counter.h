/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counter.h: an engine counter by name, for the unit tests (include after
 * cmocka.h): a name the engine does not count fails the test. */
#ifndef SDD_TEST_COUNTER_H
#define SDD_TEST_COUNTER_H

#include <stdint.h>
#include <string.h>

#include "sdd/sdd.h"

typedef struct sdd_test_counter {
    const char *name;
    uint64_t value;
} sdd_test_counter;

static inline void sdd_test_find_counter(void *ctx, const char *name, uint64_t value)
{
    sdd_test_counter *c = ctx;

    if (strcmp(c->name, name) == 0)
        c->value = value;
}

static inline uint64_t counter(const sdd_engine *e, const char *name)
{
    sdd_test_counter c = {name, UINT64_MAX};

    sdd_engine_counters(e, sdd_test_find_counter, &c);
    assert_true(c.value != UINT64_MAX);
    return c.value;
}

#endif
