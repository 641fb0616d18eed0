/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_addr.c: text forms of addresses and route distinguishers (src/addr.c).
 *
 * The engine keys its tables on the binary forms, so a text that parses to
 * the wrong bytes would silently split or merge services: the RD tests pin
 * the wire layout, and every accepted text must format back to itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sdd/sdd.h"

static void assert_addr_round_trip(const char *text)
{
    sdd_addr a;
    char buf[64];

    assert_int_equal(sdd_addr_parse(text, &a), 0);
    sdd_addr_format(&a, buf, sizeof(buf));
    assert_string_equal(buf, text);
}

static void test_addr_round_trip(void **state)
{
    (void)state;
    assert_addr_round_trip("192.0.2.1");
    assert_addr_round_trip("0.0.0.0");
    assert_addr_round_trip("255.255.255.255");
    assert_addr_round_trip("fd25::101");
    assert_addr_round_trip("2001:db8:33::182");
    assert_addr_round_trip("::");
    assert_addr_round_trip("::1");
}

/* IPv4 sits in ::ffff:0:0/96, so both spellings are one router. */
static void test_addr_v4_mapped(void **state)
{
    static const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    sdd_addr a, b;
    char buf[64];

    (void)state;
    assert_int_equal(sdd_addr_parse("192.0.2.1", &a), 0);
    assert_memory_equal(a.b, want, 16);
    assert_int_equal(sdd_addr_parse("::ffff:192.0.2.1", &b), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    sdd_addr_format(&b, buf, sizeof(buf));
    assert_string_equal(buf, "192.0.2.1");
    assert_false(sdd_addr_is_zero(&a));
}

static void test_addr_zero(void **state)
{
    sdd_addr a;

    (void)state;
    assert_int_equal(sdd_addr_parse("::", &a), 0);
    assert_true(sdd_addr_is_zero(&a));
    assert_int_equal(sdd_addr_parse("0.0.0.0", &a), 0);
    assert_false(sdd_addr_is_zero(&a));     /* mapped: ::ffff:0.0.0.0 */
}

static void test_addr_rejects(void **state)
{
    static const char *const bad[] = {
        "", " 192.0.2.1", "192.0.2.1 ", "192.0.2", "192.0.2.256", "192.0.2.1/32",
        "fd25::101::1", "fd25::g", "fd25::101%eth0", "localhost", "1.2.3.4.5",
    };
    sdd_addr a;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&a, 0xaa, sizeof(a));
        assert_int_equal(sdd_addr_parse(bad[i], &a), -1);
    }
}

/* Formatting into a short buffer must not overrun it. */
static void test_addr_format_short_buffer(void **state)
{
    sdd_addr a;
    char buf[8];

    (void)state;
    assert_int_equal(sdd_addr_parse("2001:db8:33::182", &a), 0);
    memset(buf, 'x', sizeof(buf));
    sdd_addr_format(&a, buf, 4);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[4], 'x');
}

static void assert_rd(const char *text, sdd_rd want)
{
    sdd_rd rd = 0;
    char buf[SDD_RD_TEXT_MAX];

    assert_int_equal(sdd_rd_parse(text, &rd), 0);
    assert_int_equal(rd, want);
    sdd_rd_format(rd, buf, sizeof(buf));
    assert_string_equal(buf, text);
}

/* The 8 bytes of RFC 4364 read big-endian: type (2), administrator, assigned. */
static void test_rd_types(void **state)
{
    (void)state;
    assert_rd("0:64496:1846330021", UINT64_C(0x0000fbf06e0cc2a5));
    assert_rd("0:64499:94", (UINT64_C(64499) << 32) | 94);
    assert_rd("0:65535:4294967295", UINT64_C(0x0000ffffffffffff));
    assert_rd("0:0:1", 1);
    assert_rd("1:192.0.2.1:7", UINT64_C(0x0001c00002010007));
    assert_rd("1:255.255.255.255:65535", UINT64_C(0x0001ffffffffffff));
    assert_rd("1:0.0.0.0:0", UINT64_C(0x0001000000000000));
    assert_rd("2:4226809946:12", UINT64_C(0x0002fbf0005a000c));
    assert_rd("2:4294967295:65535", UINT64_C(0x0002ffffffffffff));
    assert_rd("2:0:0", UINT64_C(0x0002000000000000));
}

/* Same administrator and number under different types are different RDs. */
static void test_rd_types_differ(void **state)
{
    sdd_rd a, b;

    (void)state;
    assert_int_equal(sdd_rd_parse("0:1:1", &a), 0);
    assert_int_equal(sdd_rd_parse("2:1:1", &b), 0);
    assert_true(a != b);
}

static void test_rd_rejects(void **state)
{
    static const char *const bad[] = {
        "", "0", "0:1", "0:0:0", "3:1:1", "9:1:1", "00:1:1:1", "0:65536:1", "0:1:4294967296",
        "1:192.0.2.1:65536", "1:192.0.2:1", "1:300.0.0.1:1", "1:fd25::1:1", "2:4294967296:1",
        "2:1:65536", "vrfid:1610612741", "unknown", "0:-1:2", "0: 1:2", "0:1:2x", "+0:1:2",
        "0:1:", ":1:2", "0::2", "0:1:2:3", "0:99999999999999999999999:1",
    };
    sdd_rd rd;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rd = 12345;
        if (sdd_rd_parse(bad[i], &rd) != -1)
            fail_msg("accepted RD text \"%s\"", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_round_trip),
        cmocka_unit_test(test_addr_v4_mapped),
        cmocka_unit_test(test_addr_zero),
        cmocka_unit_test(test_addr_rejects),
        cmocka_unit_test(test_addr_format_short_buffer),
        cmocka_unit_test(test_rd_types),
        cmocka_unit_test(test_rd_types_differ),
        cmocka_unit_test(test_rd_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
