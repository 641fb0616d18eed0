/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr.c: text forms of router addresses and route distinguishers.
 *
 * pmacct writes addresses as text (IPv4 or IPv6) and RDs as
 * "type:administrator:assigned"; the engine keys its tables on the binary
 * forms, so these conversions sit at the edge of every input. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdd/sdd.h"

int sdd_addr_parse(const char *text, sdd_addr *out)
{
    struct in_addr v4;

    memset(out, 0, sizeof(*out));
    /* an IPv6 text always holds a ':' and an IPv4 one never: one try each */
    if (strchr(text, ':'))
        return inet_pton(AF_INET6, text, out->b) == 1 ? 0 : -1;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        out->b[10] = 0xff;
        out->b[11] = 0xff;
        memcpy(out->b + 12, &v4, 4);
        return 0;
    }
    return -1;
}

static int addr_is_v4_mapped(const sdd_addr *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, prefix, sizeof(prefix)) == 0;
}

void sdd_addr_format(const sdd_addr *a, char *buf, size_t len)
{
    const char *ok;

    if (addr_is_v4_mapped(a))
        ok = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
    else
        ok = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
    if (!ok && len > 0)
        buf[0] = '\0';
}

int sdd_addr_is_zero(const sdd_addr *a)
{
    static const sdd_addr zero;
    return memcmp(a, &zero, sizeof(zero)) == 0;
}

/* Reads a decimal number that must end at `end` and not exceed `max`. */
static int parse_uint(const char *s, const char *end, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s == end)
        return -1;
    for (; s < end; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int sdd_rd_parse(const char *text, sdd_rd *out)
{
    const char *c1 = strchr(text, ':');
    const char *c2 = c1 ? strrchr(text, ':') : NULL;
    const char *end = text + strlen(text);
    uint64_t type, admin, assigned;
    char ip[INET_ADDRSTRLEN];
    struct in_addr v4;

    if (!c1 || c2 == c1 || parse_uint(text, c1, 2, &type) < 0)
        return -1;
    if (type == 1) {
        size_t n = (size_t)(c2 - c1 - 1);
        if (n >= sizeof(ip))
            return -1;
        memcpy(ip, c1 + 1, n);
        ip[n] = '\0';
        if (inet_pton(AF_INET, ip, &v4) != 1 || parse_uint(c2 + 1, end, 0xffff, &assigned) < 0)
            return -1;
        admin = ntohl(v4.s_addr);
        *out = (1ULL << 48) | (admin << 16) | assigned;
        return 0;
    }
    if (type == 0) {
        if (parse_uint(c1 + 1, c2, 0xffff, &admin) < 0 ||
            parse_uint(c2 + 1, end, 0xffffffffULL, &assigned) < 0)
            return -1;
        *out = (admin << 32) | assigned;
    } else {
        if (parse_uint(c1 + 1, c2, 0xffffffffULL, &admin) < 0 ||
            parse_uint(c2 + 1, end, 0xffff, &assigned) < 0)
            return -1;
        *out = (2ULL << 48) | (admin << 16) | assigned;
    }
    return *out == 0 ? -1 : 0;
}

void sdd_rd_format(sdd_rd rd, char *buf, size_t len)
{
    unsigned type = (unsigned)(rd >> 48);
    uint64_t value = rd & 0xffffffffffffULL;

    if (type == 0)
        snprintf(buf, len, "0:%" PRIu64 ":%" PRIu64, value >> 32, (uint64_t)(value & 0xffffffffULL));
    else if (type == 1)
        snprintf(buf, len, "1:%u.%u.%u.%u:%" PRIu64, (unsigned)(value >> 40) & 0xff,
                 (unsigned)(value >> 32) & 0xff, (unsigned)(value >> 24) & 0xff,
                 (unsigned)(value >> 16) & 0xff, (uint64_t)(value & 0xffff));
    else
        snprintf(buf, len, "%u:%" PRIu64 ":%" PRIu64, type, value >> 16, (uint64_t)(value & 0xffff));
}
