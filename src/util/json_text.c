/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_text.c: JSON text written straight from values; see json_text.h.
 *
 * Strings are most of the text and nearly all plain ASCII, so the escaper
 * passes runs of bytes that need nothing on in one copy. Reals are rare
 * (interface capacities) and go through jansson, whose format they must
 * have anyway. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/json_text.h"
#include "util/utf8.h"

void sdd__json_text_init(sdd_json_text *t, sdd_text_sink sink, void *data)
{
    t->sink = sink;
    t->data = data;
    t->failed = 0;
    t->n = 0;
}

static void pass_on(sdd_json_text *t)
{
    if (t->n && !t->failed && t->sink(t->buf, t->n, t->data) < 0)
        t->failed = 1;
    t->n = 0;
}

static void put(sdd_json_text *t, const void *p, size_t len)
{
    const char *s = p;

    while (len) {
        size_t n = sizeof(t->buf) - t->n < len ? sizeof(t->buf) - t->n : len;
        memcpy(t->buf + t->n, s, n);
        t->n += n;
        s += n;
        len -= n;
        if (t->n == sizeof(t->buf))
            pass_on(t);
    }
}

void sdd__json_text_raw(sdd_json_text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* The escape of byte c, which cannot stand as it is, as jansson writes it
 * (none for a byte that is not UTF-8). */
static void put_escape(sdd_json_text *t, unsigned char c)
{
    static const char shorts[] = "\"\"\\\\\bb\ff\nn\rr\tt";
    char seq[8];

    if (c >= 0x80)
        return;                         /* not UTF-8: left out */
    for (const char *s = shorts; *s; s += 2)
        if ((unsigned char)s[0] == c) {
            seq[0] = '\\';
            seq[1] = s[1];
            put(t, seq, 2);
            return;
        }
    snprintf(seq, sizeof(seq), "\\u%04X", c);
    put(t, seq, 6);
}

void sdd__json_text_string(sdd_json_text *t, const char *str)
{
    const unsigned char *s = (const unsigned char *)str, *run = s;
    size_t n;

    put(t, "\"", 1);
    while (*s) {
        if (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
            s++;
            continue;
        }
        if (*s >= 0x80 && (n = sdd__utf8_length(s, strnlen((const char *)s, 4))) > 0) {
            s += n;
            continue;
        }
        put(t, run, (size_t)(s - run));
        put_escape(t, *s++);
        run = s;
    }
    put(t, run, (size_t)(s - run));
    put(t, "\"", 1);
}

void sdd__json_text_int(sdd_json_text *t, int64_t v)
{
    char buf[24];

    put(t, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v));
}

void sdd__json_text_real(sdd_json_text *t, double v)
{
    json_t *real = json_real(v);       /* NULL: not finite */
    char buf[64];
    size_t n = real ? json_dumpb(real, buf, sizeof(buf), JSON_ENCODE_ANY | JSON_COMPACT) : 0;

    json_decref(real);
    if (n == 0 || n > sizeof(buf))
        t->failed = 1;                  /* no JSON for it: the text would not read back */
    else
        put(t, buf, n);
}

int sdd__json_text_finish(sdd_json_text *t)
{
    pass_on(t);
    return t->failed ? -1 : 0;
}
