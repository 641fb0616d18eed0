/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_json_text.c: JSON text written without a document (src/util/json_text.c).
 *
 * The state file's inventory is this text, read back by jansson: every
 * value must come out as jansson writes it (so reads back the same), a
 * string that is not UTF-8 must still leave a readable text, and the pieces
 * handed to the sink must join to the whole text past its chunk size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/json_text.h"

typedef struct collected {
    char *text;
    size_t n;
    int calls;
    int refuse_after;                   /* calls taken before it says -1; 0: never */
} collected;

static int collect(const char *buf, size_t len, void *data)
{
    collected *c = data;

    if (c->refuse_after && c->calls >= c->refuse_after)
        return -1;
    c->calls++;
    c->text = realloc(c->text, c->n + len + 1);
    assert_non_null(c->text);
    memcpy(c->text + c->n, buf, len);
    c->n += len;
    c->text[c->n] = '\0';
    return 0;
}

/* What jansson writes for v (taken). */
static char *jansson_text(json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

    assert_non_null(s);
    json_decref(v);
    return s;
}

/* What t wrote to c is what jansson writes for v (taken); c is emptied. */
static void assert_wrote(sdd_json_text *t, collected *c, json_t *v)
{
    char *want = jansson_text(v);

    assert_int_equal(sdd__json_text_finish(t), 0);
    assert_string_equal(c->text, want);
    free(want);
    free(c->text);
    memset(c, 0, sizeof(*c));
}

static void assert_string_as_jansson(const char *s)
{
    static sdd_json_text t;
    collected c = {0};

    sdd__json_text_init(&t, collect, &c);
    sdd__json_text_string(&t, s);
    assert_wrote(&t, &c, json_string(s));
}

static void test_strings_as_jansson(void **state)
{
    (void)state;
    assert_string_as_jansson("");
    assert_string_as_jansson("64497:4438");
    assert_string_as_jansson("a \"quoted\" back\\slash/");
    assert_string_as_jansson("\b\f\n\r\t\x01\x1f\x7f end");
    assert_string_as_jansson("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
}

/* A string that is not UTF-8 as text: its bad bytes left out, jansson reads it. */
static void assert_left_out(const char *s, const char *want)
{
    static sdd_json_text t;
    collected c = {0};
    json_error_t err;
    json_t *back;

    sdd__json_text_init(&t, collect, &c);
    sdd__json_text_string(&t, s);
    assert_int_equal(sdd__json_text_finish(&t), 0);
    back = json_loads(c.text, JSON_DECODE_ANY, &err);
    if (!back)
        fail_msg("%s: %s", c.text, err.text);
    assert_string_equal(json_string_value(back), want);
    json_decref(back);
    free(c.text);
}

static void test_not_utf8_left_out(void **state)
{
    (void)state;
    assert_left_out("a\xff" "b", "ab");
    assert_left_out("\xc0\x80", "");                         /* overlong NUL */
    assert_left_out("\xe0\x80\xaf", "");                     /* overlong '/' */
    assert_left_out("\xed\xa0\x80", "");                     /* a surrogate */
    assert_left_out("\xf4\x90\x80\x80", "");                 /* past U+10FFFF */
    assert_left_out("x\xe2\x82", "x");                        /* cut at the end */
    assert_left_out("\xe2\x82\"\xc3\xa9", "\"\xc3\xa9");       /* cut before an escape */
}

static void test_numbers_as_jansson(void **state)
{
    static sdd_json_text t;
    static const int64_t ints[] = {0, -1, 42, 4294967295, INT64_MAX, INT64_MIN};
    static const double reals[] = {0, 1, -2.5, 0.1, 1e9, 1e20, 1.5e-7, 1e300, 123456789.123};
    collected c = {0};
    (void)state;

    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        sdd__json_text_init(&t, collect, &c);
        sdd__json_text_int(&t, ints[i]);
        assert_wrote(&t, &c, json_integer(ints[i]));
    }
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
        sdd__json_text_init(&t, collect, &c);
        sdd__json_text_real(&t, reals[i]);
        assert_wrote(&t, &c, json_real(reals[i]));
    }
}

/* A real JSON has no text for fails the text rather than write one that
 * would not read back. */
static void test_infinity_fails(void **state)
{
    static sdd_json_text t;
    collected c = {0};
    (void)state;

    sdd__json_text_init(&t, collect, &c);
    sdd__json_text_raw(&t, "[");
    sdd__json_text_real(&t, 1.0 / 0.0);
    sdd__json_text_raw(&t, "]");
    assert_int_equal(sdd__json_text_finish(&t), -1);
    free(c.text);
}

/* A text of several chunks arrives whole, in order, in pieces. */
static void test_chunks_join(void **state)
{
    static sdd_json_text t;
    size_t n = 3 * SDD_JSON_TEXT_CHUNK + 123;
    char *s = malloc(n + 1), *want;
    collected c = {0};
    (void)state;

    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = i % 97 == 0 ? '\n' : (char)('a' + i % 26);
    s[n] = '\0';
    want = jansson_text(json_string(s));
    sdd__json_text_init(&t, collect, &c);
    sdd__json_text_raw(&t, "");
    sdd__json_text_string(&t, s);
    assert_int_equal(sdd__json_text_finish(&t), 0);
    assert_true(c.calls >= 4);
    assert_int_equal(c.n, strlen(want));
    assert_string_equal(c.text, want);
    free(want);
    free(c.text);
    free(s);
}

/* A sink that refuses stops the text: finish says so. */
static void test_refusing_sink(void **state)
{
    static sdd_json_text t;
    collected c = {.refuse_after = 1};
    (void)state;

    sdd__json_text_init(&t, collect, &c);
    for (int i = 0; i < 3 * SDD_JSON_TEXT_CHUNK / 8; i++)
        sdd__json_text_raw(&t, "\"abcdef\"");
    assert_int_equal(sdd__json_text_finish(&t), -1);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.n, SDD_JSON_TEXT_CHUNK);
    free(c.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_as_jansson), cmocka_unit_test(test_not_utf8_left_out),
        cmocka_unit_test(test_numbers_as_jansson), cmocka_unit_test(test_infinity_fails),
        cmocka_unit_test(test_chunks_join),        cmocka_unit_test(test_refusing_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
