/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_carriers.c: which global peers carry which services (carriers.h):
 * routes kept, moved, withdrawn in any order (the hash set's deletion keeps
 * every other route findable), a peer's drop, the other peers of a router,
 * the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/carriers.h"

static sdd_addr addr(const char *text)
{
    sdd_addr a;
    assert_int_equal(sdd_addr_parse(text, &a), 0);
    return a;
}

/* Keys that share their low bits collide in the table: the hard case of
 * open addressing. */
static uint64_t key(int i)
{
    return (uint64_t)(i + 1) << 20 | 5;
}

static int routes_of(const sdd__carried *c, int n, int svc)
{
    for (int i = 0; i < n; i++)
        if (c[i].svc == svc)
            return (int)c[i].routes;
    return 0;
}

static void test_add_remove_drop(void **state)
{
    (void)state;
    sdd__carriers cs;
    sdd_addr pe = addr("192.0.2.1"), rr = addr("203.0.113.9");
    sdd__carried *carried;
    int n;

    sdd__carriers_init(&cs, 100000);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(i), i % 3), 0);
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(7), 1), 0);    /* again: unchanged */
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(0), 2), 0);    /* moved to service 2 */
    /* every route of service 1 withdrawn, odd ones first */
    for (int i = 1; i < 3000; i += 6)
        sdd__carriers_remove(&cs, &pe, &rr, key(i));
    for (int i = 4; i < 3000; i += 6)
        sdd__carriers_remove(&cs, &pe, &rr, key(i));
    sdd__carriers_remove(&cs, &pe, &rr, key(999999));                    /* never kept */
    assert_int_equal(cs.routes, 2000);
    assert_false(sdd__carriers_reach(&cs, &pe, 1));
    assert_true(sdd__carriers_reach(&cs, &pe, 2));
    /* what is left is still found: each is moved, not added */
    for (int i = 0; i < 3000; i++)
        if (i % 3 != 1)
            assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(i), i % 3 ? i % 3 : 2), 0);
    assert_int_equal(cs.routes, 2000);
    n = sdd__carriers_drop(&cs, &pe, &rr, &carried);
    assert_int_equal(n, 1);
    assert_int_equal(routes_of(carried, n, 2), 2000);
    free(carried);
    assert_int_equal(cs.routes, 0);
    assert_int_equal(cs.n, 0);
    assert_int_equal(sdd__carriers_drop(&cs, &pe, &rr, &carried), 0);
    assert_null(carried);
    sdd__carriers_free(&cs);
}

/* Only the peers of the same router give another path. */
static void test_reach_per_router(void **state)
{
    (void)state;
    sdd__carriers cs;
    sdd_addr pe1 = addr("192.0.2.1"), pe2 = addr("192.0.2.2"), rr1 = addr("203.0.113.9"), rr2 = addr("203.0.113.10");
    sdd__carried *carried;

    sdd__carriers_init(&cs, 100);
    assert_int_equal(sdd__carriers_add(&cs, &pe1, &rr1, key(1), 4), 0);
    assert_int_equal(sdd__carriers_add(&cs, &pe1, &rr2, key(1), 4), 0);
    assert_int_equal(sdd__carriers_add(&cs, &pe2, &rr1, key(2), 5), 0);
    assert_int_equal(sdd__carriers_drop(&cs, &pe1, &rr1, &carried), 1);
    free(carried);
    assert_true(sdd__carriers_reach(&cs, &pe1, 4));
    assert_false(sdd__carriers_reach(&cs, &pe1, 5));
    assert_false(sdd__carriers_reach(&cs, &pe2, 4));
    assert_true(sdd__carriers_reach(&cs, &pe2, 5));
    sdd__carriers_free(&cs);
}

/* Past max_routes a new route is refused and counted; one kept may move. */
static void test_cap(void **state)
{
    (void)state;
    sdd__carriers cs;
    sdd_addr pe = addr("192.0.2.1"), rr = addr("203.0.113.9"), rr2 = addr("203.0.113.10");

    sdd__carriers_init(&cs, 2);
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(1), 0), 0);
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(2), 0), 0);
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(3), 0), -1);
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr2, key(3), 0), -1);
    assert_int_equal(sdd__carriers_add(&cs, &pe, &rr, key(2), 1), 0);
    assert_int_equal(cs.refused, 2);
    assert_int_equal(cs.n, 1);
    assert_true(sdd__carriers_reach(&cs, &pe, 1));
    sdd__carriers_free(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_remove_drop),
        cmocka_unit_test(test_reach_per_router),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
