/* SPDX-License-Identifier: GPL-2.0-or-later */
/* utf8.h: the one check of a UTF-8 sequence, shared by the JSON reader
 * (parse/input_doc.c: strings jansson would refuse) and the JSON writer
 * (util/json_text.c: bytes jansson would leave out). Inline: the reader
 * calls it for every byte above 0x7f of a string. */
#ifndef SDD_UTIL_UTF8_H
#define SDD_UTIL_UTF8_H

#include <stddef.h>

/* Bytes of the valid UTF-8 sequence at s, of which n are readable (RFC 3629:
 * no overlong form, no surrogate, nothing above U+10FFFF), or 0. */
static inline size_t sdd__utf8_length(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, i, k;

    if (c < 0xc2 || c > 0xf4)
        return 0;
    k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (n < k)
        return 0;
    cp = c & (0x7f >> k);
    for (i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

#endif
