/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ipfix.c: the IPFIX messages of `sddctl send`, read back field by
 * field through the template they carry: the header, the template set,
 * every field of a record at the place and length the template gives (the
 * RD's 8 wire bytes, the 4-byte forwarding status, the VRF ids), records
 * spread over sets, and a buffer too small refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lab/ipfix.h"

static uint64_t get(const uint8_t *p, unsigned len)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < len; i++)
        v = v << 8 | p[i];
    return v;
}

static sdd_flow sample_flow(void)
{
    sdd_flow f = {0};

    assert_int_equal(sdd_rd_parse("0:64497:1001", &f.rd), 0);
    f.vrf_id_ingress = 0x60000001;
    f.vrf_id_egress = 7;
    f.iface_in = 101;
    f.iface_out = 202;
    f.ip_proto = 6;
    f.tcp_flags = SDD_TCP_SYN | SDD_TCP_ACK;
    f.fwd_status = 131;
    f.packets = 3916;
    f.bytes = 4554082;
    f.flows = 178;
    return f;
}

/* The value of information element ie in the first data record of msg, found
 * through the template set the message starts with; -1 if absent. */
static int64_t field(const uint8_t *msg, uint16_t ie)
{
    const uint8_t *tpl = msg + SDD_IPFIX_HEADER_LEN;
    unsigned n = (unsigned)get(tpl + 6, 2), offset = 0;
    const uint8_t *data = tpl + get(tpl + 2, 2);

    assert_int_equal(get(data, 2), SDD_IPFIX_TEMPLATE_ID);
    for (unsigned i = 0; i < n; i++) {
        unsigned id = (unsigned)get(tpl + 8 + 4 * i, 2), len = (unsigned)get(tpl + 10 + 4 * i, 2);
        if (id == ie)
            return (int64_t)get(data + 4 + offset, len);
        offset += len;
    }
    assert_int_equal(offset, SDD_IPFIX_RECORD_LEN);
    return -1;
}

static void test_header_and_template(void **state)
{
    sdd_flow f = sample_flow();
    sdd_ipfix_flow r = {&f, 0x0a000001, 0x0a000002, 1767571200000, 1767571259000};
    sdd_ipfix_header h = {1767571260, 42, 7};
    uint8_t buf[1500];
    size_t len = sdd_ipfix_encode(buf, sizeof(buf), &h, 1, &r, 1);

    (void)state;
    assert_int_equal(len, get(buf + 2, 2));
    assert_int_equal(get(buf, 2), 10);
    assert_int_equal(get(buf + 4, 4), 1767571260);
    assert_int_equal(get(buf + 8, 4), 42);
    assert_int_equal(get(buf + 12, 4), 7);
    assert_int_equal(get(buf + 16, 2), 2);                 /* template set */
    assert_int_equal(get(buf + 20, 2), SDD_IPFIX_TEMPLATE_ID);
    /* header, template set, data set header, one record: nothing else */
    assert_int_equal(len, SDD_IPFIX_HEADER_LEN + get(buf + 18, 2) + 4 + SDD_IPFIX_RECORD_LEN);
}

static void test_record_fields(void **state)
{
    sdd_flow f = sample_flow();
    sdd_ipfix_flow r = {&f, 0x0a000001, 0x0a000002, 1767571200000, 1767571259000};
    sdd_ipfix_header h = {0, 0, 0};
    uint8_t buf[1500];
    static const struct {
        uint16_t ie;
        int64_t value;
    } want[] = {
        {90, 0x0000fbf1000003e9LL},     /* RD 0:64497:1001 */
        {234, 0x60000001}, {235, 7}, {89, 131}, {6, 0x12}, {4, 6}, {10, 101}, {14, 202},
        {8, 0x0a000001}, {12, 0x0a000002}, {1, 4554082}, {2, 3916}, {3, 178},
        {152, 1767571200000LL}, {153, 1767571259000LL},
    };

    (void)state;
    assert_int_not_equal(sdd_ipfix_encode(buf, sizeof(buf), &h, 1, &r, 1), 0);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_int_equal(field(buf, want[i].ie), want[i].value);
    assert_int_equal(field(buf, 5), -1);
}

static void test_data_only_and_sizes(void **state)
{
    sdd_flow f = sample_flow();
    sdd_ipfix_flow r[20];
    sdd_ipfix_header h = {0, 0, 0};
    uint8_t buf[1400];
    size_t fit = sdd_ipfix_records_per_message(sizeof(buf), 0);

    (void)state;
    for (size_t i = 0; i < 20; i++)
        r[i] = (sdd_ipfix_flow){&f, (uint32_t)i, 0, 0, 0};
    assert_int_equal(fit, (1400 - SDD_IPFIX_HEADER_LEN - 4) / SDD_IPFIX_RECORD_LEN);
    assert_true(sdd_ipfix_records_per_message(sizeof(buf), 1) < fit);
    assert_int_equal(sdd_ipfix_encode(buf, sizeof(buf), &h, 0, r, fit),
                     SDD_IPFIX_HEADER_LEN + 4 + fit * SDD_IPFIX_RECORD_LEN);
    assert_int_equal(get(buf + 16, 2), SDD_IPFIX_TEMPLATE_ID);  /* no template set */
    /* the last record's first field, its source address */
    assert_int_equal(get(buf + 20 + (fit - 1) * SDD_IPFIX_RECORD_LEN, 4), fit - 1);
    assert_int_equal(sdd_ipfix_encode(buf, sizeof(buf), &h, 0, r, fit + 1), 0);
    assert_int_equal(sdd_ipfix_encode(buf, SDD_IPFIX_HEADER_LEN - 1, &h, 0, r, 0), 0);
    assert_int_equal(sdd_ipfix_records_per_message(20, 1), 0);
}

/* The VRF table: an options template scoped by the ingress VRF id, then
 * one record a VRF with its RD and its name padded to 32 bytes. */
static void test_vrf_options(void **state)
{
    sdd_ipfix_vrf vrfs[2] = {{0x60000001, 0, "CUST1001"}, {0x60000002, 0, NULL}};
    sdd_ipfix_header h = {1, 2, 3};
    uint8_t buf[512];
    size_t len;

    (void)state;
    assert_int_equal(sdd_rd_parse("0:64497:1001", &vrfs[0].rd), 0);
    assert_int_equal(sdd_rd_parse("1:192.0.2.1:7", &vrfs[1].rd), 0);
    len = sdd_ipfix_encode_vrfs(buf, sizeof(buf), &h, vrfs, 2);
    assert_int_equal(len, get(buf + 2, 2));
    assert_int_equal(get(buf + 16, 2), 3);                       /* options template set */
    assert_int_equal(get(buf + 20, 2), SDD_IPFIX_VRF_TEMPLATE_ID);
    assert_int_equal(get(buf + 22, 2), 4);                       /* fields */
    assert_int_equal(get(buf + 24, 2), 1);                       /* scope fields */
    assert_int_equal(get(buf + 26, 2), 234);
    const uint8_t *data = buf + 16 + get(buf + 18, 2);
    assert_int_equal(get(data, 2), SDD_IPFIX_VRF_TEMPLATE_ID);
    assert_int_equal(get(data + 2, 2), 4 + 2 * 48);
    assert_int_equal(get(data + 4, 4), 0x60000001);
    assert_int_equal(get(data + 8, 4), 0);
    assert_int_equal(get(data + 12, 8), 0x0000fbf1000003e9LL);
    assert_memory_equal(data + 20, "CUST1001\0", 9);
    assert_int_equal(get(data + 52, 4), 0x60000002);
    assert_int_equal(get(data + 60, 8), 0x0001c00002010007LL);    /* RD type 1 */
    assert_int_equal(get(data + 68, 8), 0);                      /* no name */
    assert_int_equal(data + 100 - buf, len);
    assert_int_equal(sdd_ipfix_encode_vrfs(buf, 100, &h, vrfs, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_template),
        cmocka_unit_test(test_record_fields),
        cmocka_unit_test(test_data_only_and_sizes),
        cmocka_unit_test(test_vrf_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
