/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_doc.c: one pmacct JSON line as a flat tree of values, checked the
 * way jansson checked it.
 *
 * jsmn (Debian's libjsmn-dev, one header) finds where each value starts and
 * ends without allocating, at about a gigabyte a second; jansson, which the
 * parsers used before, built a tree of ~60 allocations a line and was five
 * times slower (docs/PERFORMANCE.md). jsmn accepts more than JSON, though: it never looks inside
 * strings or numbers and does not check the commas and colons between
 * values. The walk below does all of that in one pass over jsmn's tokens,
 * so that a line is refused when jansson refused it, with the same reason:
 * every byte of the line belongs either to a value or to the blanks and the
 * one separator the grammar allows between two values; strings are valid
 * UTF-8 without control characters, their escapes are valid (no \u0000, no
 * lone surrogate); numbers follow JSON's grammar and fit jansson's types
 * (64-bit integers, doubles: else the line is a `value` skip, as jansson's
 * numeric overflow was); values nest at most DEPTH_MAX deep; no object has a
 * key twice. The walk decodes the strings that hold escapes into the
 * document's text as it checks them (the others are copied there when read)
 * and indexes every object's keys in one hash table, so that a field is
 * found in O(1).
 *
 * When a line has two faults, the one jansson met first decides the reason,
 * as the walk visits values in the order of the line. One difference is
 * kept on purpose: jansson 2.14 took a NUL byte right after a number for the
 * end of the number and read on ("1\0,"), a line we refuse like any other
 * with a NUL byte (docs/inputs.md).
 *
 * Most lines never reach the walk: simdjson (input_simd.cc) reads them
 * first, twice as fast, into the same tree, and leaves to the walk every
 * line where its reading could differ from jansson's (sdd__input_load_fast
 * below). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "parse/input.h"
#include "parse/input_simd.h"
#include "util/utf8.h"

/* jansson's JSON_PARSER_MAX_DEPTH: a value inside more containers than
 * this, less one, is refused. */
#define DEPTH_MAX 2048

/* State of the check of one line. */
typedef struct walk {
    const char *line;
    size_t len;
    const jsmntok_t *tok;
    input_doc *doc;
    size_t pos;         /* first byte of the line not yet checked */
    int32_t cur;        /* innermost open array or object, -1 at the top */
    size_t cur_end;     /* the byte after cur's bracket; SIZE_MAX at the top or when jsmn
                         * did not find the bracket */
    int depth;          /* arrays and objects open */
    uint32_t room;      /* keys the index takes before it is half full */
    input_err *e;
} walk;

static sdd_skip broken(walk *w, size_t at, const char *what)
{
    return sdd__input_fail(w->e, SDD_SKIP_JSON, "json: %s at byte %zu", what, at);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ---- tokens -------------------------------------------------------------- */

/* Arrays and objects open at jsmn's current position. */
static int open_depth(const jsmntok_t *tok, int super)
{
    int d = 0;

    for (; super >= 0; super = tok[super].parent)
        d += tok[super].type == JSMN_OBJECT || tok[super].type == JSMN_ARRAY;
    return d;
}

/* jsmn's tokens of the line, in *tok (local or a heap array the caller
 * frees) and *n, and where jsmn stopped in *at. More tokens are given as
 * jsmn asks, unless the line is already nested too deep to be accepted (a
 * line of a million '[' must not take a million tokens). Returns jsmn's
 * error (< 0) or 0. */
static int tokenize(const char *line, size_t len, jsmntok_t *local, unsigned cap, jsmntok_t **tok,
                    unsigned *n, size_t *at)
{
    jsmn_parser p;
    jsmntok_t *t = local, *bigger;
    int r;

    jsmn_init(&p);
    while ((r = jsmn_parse(&p, line, len, t, cap)) == JSMN_ERROR_NOMEM &&
           open_depth(t, p.toksuper) <= DEPTH_MAX && cap <= UINT_MAX / 2 / sizeof(*t)) {
        bigger = t == local ? malloc(2 * cap * sizeof(*t)) : realloc(t, 2 * cap * sizeof(*t));
        if (!bigger)
            break;
        if (t == local)
            memcpy(bigger, local, cap * sizeof(*t));
        t = bigger;
        cap *= 2;
    }
    *tok = t;
    *n = p.toknext;
    *at = p.pos;
    return r < 0 ? r : 0;
}

/* ---- strings ------------------------------------------------------------- */

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0, i;

    for (i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
        if (d > 15)
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A \u escape at s (n bytes left, s[0] == 'u'), a surrogate pair taking
 * two: the code point and the bytes taken, or 0 when jansson refused it
 * (\u0000 among them: its strings are C strings without JSON_ALLOW_NUL). */
static size_t unicode_escape(const char *s, size_t n, unsigned *cp)
{
    unsigned lo;

    if (n < 5 || hex4(s + 1, cp) < 0 || *cp == 0 || (*cp >= 0xdc00 && *cp <= 0xdfff))
        return 0;
    if (*cp < 0xd800 || *cp > 0xdbff)
        return 5;
    if (n < 11 || s[5] != '\\' || s[6] != 'u' || hex4(s + 7, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
        return 0;
    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    return 11;
}

/* One escape at s (after the backslash) into out: bytes taken, 0 if bad. */
static size_t escape(const char *s, size_t n, char *out, size_t *wrote)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *p = n ? memchr(from, s[0], sizeof(from) - 1) : NULL;
    unsigned cp;
    size_t took;

    if (p) {
        *out = to[p - from];
        *wrote = 1;
        return 1;
    }
    if (n == 0 || s[0] != 'u' || (took = unicode_escape(s, n, &cp)) == 0)
        return 0;
    *wrote = put_utf8(out, cp);
    return took;
}

/* Whether a byte of x is below 0x20, 0x80 or above, or a backslash: the
 * bytes a string copies as they are are the others. */
static int special_byte(uint64_t x)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t bs = x ^ (ones * '\\');

    return (((x - ones * 0x20) & ~x) | x | ((bs - ones) & ~bs)) & highs ? 1 : 0;
}

/* The end of the run of bytes from i that copy as they are, eight at a
 * time while there are eight. */
static size_t plain_run(const char *s, size_t i, size_t n)
{
    uint64_t x;

    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if (special_byte(x))
            break;
    }
    while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80 && s[i] != '\\')
        i++;
    return i;
}

/* The n bytes of a string's inside, checked and decoded to out (which has
 * room for n + 1: decoding never grows a string). The decoded length, or -1
 * with the offset of the fault in *bad. */
static long decode_string(const char *s, size_t n, char *out, size_t *bad)
{
    size_t i = 0, o = 0, run, took, wrote;

    while (i < n) {
        run = plain_run(s, i, n);
        memcpy(out + o, s + i, run - i);
        o += run - i;
        i = run;
        if (i == n)
            break;
        if (s[i] == '\\') {
            took = escape(s + i + 1, n - i - 1, out + o, &wrote);
            took += took != 0;          /* the backslash */
        } else if ((unsigned char)s[i] >= 0x80) {
            took = wrote = sdd__utf8_length((const unsigned char *)s + i, n - i);
            memcpy(out + o, s + i, took);
        } else {
            took = 0;                   /* a control character */
        }
        if (took == 0) {
            *bad = i;
            return -1;
        }
        o += wrote;
        i += took;
    }
    out[o] = '\0';
    return (long)o;
}

/* ---- numbers and literals ------------------------------------------------ */

static size_t digits(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* The length of the number at s as jansson lexed it,
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, 0 if none; *real when it
 * has a fraction or an exponent. */
static size_t number_length(const char *s, size_t n, int *real)
{
    size_t i = s[0] == '-', d;

    *real = 0;
    d = digits(s + i, n - i);
    if (d == 0 || (s[i] == '0' && d > 1))
        return 0;
    i += d;
    if (i < n && s[i] == '.') {
        *real = 1;
        if ((d = digits(s + i + 1, n - i - 1)) == 0)
            return 0;
        i += 1 + d;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *real = 1;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((d = digits(s + i, n - i)) == 0)
            return 0;
        i += d;
    }
    return i;
}

/* Whether the integer text s (n bytes, validated) fits json_int_t. */
static int integer_fits(const char *s, size_t n)
{
    static const char max[] = "9223372036854775807", min[] = "9223372036854775808";
    int neg = s[0] == '-';

    s += neg;
    n -= (size_t)neg;
    if (n != sizeof(max) - 1)
        return n < sizeof(max) - 1;
    return memcmp(s, neg ? min : max, n) <= 0;
}

/* The integer text s (n bytes, validated, fitting). */
static int64_t integer_value(const char *s, size_t n)
{
    const char *end = s + n;
    int neg = s[0] == '-';
    uint64_t x = 0;

    for (s += neg; s < end; s++)
        x = x * 10 + (uint64_t)(*s - '0');
    if (!neg || x == 0)
        return (int64_t)x;
    return -(int64_t)(x - 1) - 1;       /* down to INT64_MIN without overflow */
}

/* n bytes at s with a NUL, in the document's text. */
static const char *keep_text(input_doc *d, const char *s, size_t n)
{
    char *copy = d->text + d->text_used;

    memcpy(copy, s, n);
    copy[n] = '\0';
    d->text_used += n + 1;
    return copy;
}

/* The number or literal jsmn found (n bytes at s) into v: its kind, and
 * a number's value (a literal keeps its text in the line). */
static sdd_skip primitive(walk *w, const char *s, size_t n, input_val *v)
{
    static const char *const literals[] = {"null", "true", "false"};
    static const uint8_t kinds[] = {INPUT_NULL, INPUT_TRUE, INPUT_FALSE};
    size_t at = (size_t)(s - w->line), len, i;
    int real;

    v->s = s;
    v->len = (uint32_t)n;
    for (i = 0; i < 3; i++)
        if (n == strlen(literals[i]) && memcmp(s, literals[i], n) == 0) {
            v->kind = kinds[i];
            return SDD_SKIP_NONE;
        }
    if ((len = number_length(s, n, &real)) == 0)
        return broken(w, at, "invalid token");
    /* jansson reads the longest number first: "1e999x" is a number too
     * large before it is a bad token. */
    if (!real && !integer_fits(s, len))
        return sdd__input_fail(w->e, SDD_SKIP_VALUE, "json: too big integer at byte %zu", at);
    if (real) {
        errno = 0;
        v->r = strtod(keep_text(w->doc, s, len), NULL);
        if (errno == ERANGE && (v->r == HUGE_VAL || v->r == -HUGE_VAL))
            return sdd__input_fail(w->e, SDD_SKIP_VALUE, "json: real number overflow at byte %zu", at);
    } else {
        v->i = integer_value(s, len);
    }
    if (len != n)
        return broken(w, at + len, "invalid token");
    v->kind = real ? INPUT_REAL : INPUT_INTEGER;
    return SDD_SKIP_NONE;
}

/* ---- the walk ------------------------------------------------------------ */

/* Between two values: blanks around exactly `sep` ('\0': no separator).
 * 1 when so, 0 when only the separator is missing, -1 with *bad set when
 * something else is there. */
static inline int gap(const walk *w, size_t from, size_t to, char sep, size_t *bad)
{
    int seen = 0;
    size_t i;

    for (i = from; i < to; i++) {
        if (is_blank(w->line[i]))
            continue;
        if (sep && w->line[i] == sep && !seen) {
            seen = 1;
            continue;
        }
        *bad = i;
        return -1;
    }
    return seen || !sep;
}

/* The value's own content: its kind, s and len. A string without escapes
 * stays where it is in the line until it is looked up (see terminated()):
 * most strings of a record are never read. */
static sdd_skip fill(walk *w, const jsmntok_t *t, input_val *v)
{
    const char *s = w->line + t->start;
    size_t n = (size_t)(t->end - t->start), bad = 0;
    char *copy = w->doc->text + w->doc->text_used;
    long decoded;

    v->doc = w->doc;
    v->count = 0;
    v->in_line = 0;
    if (t->type == JSMN_PRIMITIVE)
        return primitive(w, s, n, v);
    if (t->type != JSMN_STRING) {
        v->kind = t->type == JSMN_OBJECT ? INPUT_OBJECT : INPUT_ARRAY;
        v->s = "";
        v->len = 0;
        return SDD_SKIP_NONE;
    }
    v->kind = INPUT_STRING;
    if (plain_run(s, 0, n) == n) {
        v->s = s;
        v->len = (uint32_t)n;
        v->in_line = 1;
        return SDD_SKIP_NONE;
    }
    if ((decoded = decode_string(s, n, copy, &bad)) < 0)
        return broken(w, (size_t)t->start + bad, "invalid string");
    v->s = copy;
    v->len = (uint32_t)decoded;
    w->doc->text_used += (size_t)decoded + 1;
    return SDD_SKIP_NONE;
}

/* Keys are short and differ early or late: the length, the first and the
 * last eight bytes (with the object) make a hash that costs the same for
 * every key; find_slot compares keys whole. */
static uint32_t key_hash(const char *s, size_t n, int32_t obj)
{
    uint64_t head = 0, tail = 0, h;
    size_t i;

    if (n >= 8) {
        memcpy(&head, s, 8);
        memcpy(&tail, s + n - 8, 8);
    } else {
        for (i = 0; i < n; i++)
            head |= (uint64_t)(unsigned char)s[i] << (8 * i);
    }
    h = (head * UINT64_C(0x9e3779b97f4a7c15) ^ tail ^ ((uint64_t)(uint32_t)obj << 32 | n)) *
        UINT64_C(0xc2b2ae3d27d4eb4f);
    return (uint32_t)(h >> 32);
}

/* memcmp's answer without its call for the short keys of pmacct's records
 * (a lookup costs little more than the call otherwise). */
static int same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y, u, v;

    if (n < 8 || n > 16)
        return memcmp(a, b, n) == 0;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    memcpy(&u, a + n - 8, 8);
    memcpy(&v, b + n - 8, 8);
    return x == y && u == v;
}

/* The slot of key (n bytes) in object obj: its own or the free one where
 * it would go. */
static input_slot *find_slot(const input_doc *d, int32_t obj, const char *key, size_t n, uint32_t h)
{
    uint32_t i = h & d->mask;

    for (;; i = (i + 1) & d->mask) {
        input_slot *sl = &d->slot[i];
        const input_val *k;
        if (sl->key < 0)
            return sl;
        k = &d->val[sl->key];
        if (sl->hash == h && k->up == obj && k->len == n && same_bytes(k->s, key, n))
            return sl;
    }
}

/* Enters key i in the index: 0, KEY_TWICE when its object has it
 * already, KEY_NO_ROOM when the index took all the keys it was sized for
 * (*room counts them down): a full table would loop find_slot. */
enum { KEY_TWICE = -1, KEY_NO_ROOM = -2 };

static int add_key(input_doc *d, int32_t i, uint32_t *room)
{
    const input_val *k = &d->val[i];
    uint32_t h = key_hash(k->s, k->len, k->up);
    input_slot *sl = find_slot(d, k->up, k->s, k->len, h);

    if (sl->key >= 0)
        return KEY_TWICE;
    if (*room == 0)
        return KEY_NO_ROOM;
    --*room;
    sl->hash = h;
    sl->key = i;
    return 0;
}

static sdd_skip index_key(walk *w, int32_t i)
{
    int r = add_key(w->doc, i, &w->room);

    if (r == KEY_TWICE)
        return broken(w, (size_t)w->tok[i].start, "duplicate object key");
    /* jsmn's objects' sizes sized the index; a broken line may hold more
     * keys than they said. */
    if (r == KEY_NO_ROOM)
        return broken(w, (size_t)w->tok[i].start, "more keys than expected");
    return SDD_SKIP_NONE;
}

/* Makes container i (-1: none) the innermost open one. */
static void enter(walk *w, int32_t i)
{
    w->cur = i;
    w->cur_end = i >= 0 && w->tok[i].end >= 0 ? (size_t)w->tok[i].end : SIZE_MAX;
}

/* The innermost open container ends before value `next`: only blanks
 * before its bracket, and every key has its value. */
static sdd_skip close_container(walk *w, uint32_t next)
{
    const jsmntok_t *t = &w->tok[w->cur];
    input_val *v = &w->doc->val[w->cur];
    size_t bracket = (size_t)t->end - 1, bad;

    if (gap(w, w->pos, bracket, '\0', &bad) < 0)
        return broken(w, bad, "unexpected byte");
    if (v->kind == INPUT_OBJECT && v->count % 2)
        return broken(w, bracket, "':' expected");
    v->end = next;
    w->pos = (size_t)t->end;
    enter(w, v->up);
    w->depth--;
    return SDD_SKIP_NONE;
}

/* Closes the containers that end before byte `from`, where value `next`
 * (or the end of the line) is. */
static sdd_skip close_before(walk *w, size_t from, uint32_t next)
{
    while (w->cur_end <= from)
        INPUT_TRY(close_container(w, next));
    return SDD_SKIP_NONE;
}

/* What must come before the next value in the innermost container. */
static char separator(const walk *w)
{
    const input_val *up = w->cur >= 0 ? &w->doc->val[w->cur] : NULL;

    if (!up || up->count == 0)
        return '\0';
    return up->kind == INPUT_OBJECT && up->count % 2 ? ':' : ',';
}

/* Token i: closes the containers it is not in, checks what lies before it
 * and its content, and enters it in the tree (and its key in the index).
 * The order of the checks is jansson's: a value is read before the
 * grammar says whether it may stand there. */
static sdd_skip walk_token(walk *w, int32_t i)
{
    const jsmntok_t *t = &w->tok[i];
    size_t from = (size_t)t->start - (t->type == JSMN_STRING), bad;
    input_val *v = &w->doc->val[i], *up;
    int is_key, sep_ok;

    INPUT_TRY(close_before(w, from, (uint32_t)i));
    if (w->cur < 0 && i > 0)
        return broken(w, from, "end of line expected");
    up = w->cur >= 0 ? &w->doc->val[w->cur] : NULL;
    is_key = up && up->kind == INPUT_OBJECT && up->count % 2 == 0;
    if ((sep_ok = gap(w, w->pos, from, separator(w), &bad)) < 0)
        return broken(w, bad, "unexpected byte");
    INPUT_TRY(fill(w, t, v));
    if (!sep_ok)
        return broken(w, from, "',' or ':' expected");
    if (is_key && v->kind != INPUT_STRING)
        return broken(w, from, "string or '}' expected");
    if (!is_key && w->depth + 1 > DEPTH_MAX)
        return broken(w, from, "maximum parsing depth reached");
    v->up = w->cur;
    v->end = (uint32_t)i + 1;
    if (up)
        up->count++;
    if (is_key)
        INPUT_TRY(index_key(w, i));
    if (v->kind == INPUT_OBJECT || v->kind == INPUT_ARRAY) {
        enter(w, i);
        w->depth++;
        w->pos = (size_t)t->start + 1;
    } else {
        w->pos = (size_t)t->end + (t->type == JSMN_STRING);
    }
    return SDD_SKIP_NONE;
}

/* All tokens of a line jsmn read whole: then the containers still open
 * close, and only blanks may follow. */
static sdd_skip walk_all(walk *w, uint32_t n)
{
    uint32_t i;
    size_t bad;

    if (n == 0)
        return broken(w, w->len, "'[' or '{' expected near end of line");
    for (i = 0; i < n; i++)
        INPUT_TRY(walk_token(w, (int32_t)i));
    while (w->cur >= 0)
        INPUT_TRY(close_container(w, n));
    if (gap(w, w->pos, w->len, '\0', &bad) < 0)
        return broken(w, bad, "end of line expected");
    return SDD_SKIP_NONE;
}

/* jsmn refuses a number where a key should be, or one that ends a line
 * cut short, before reading it; jansson read it first, and said `value`
 * when it was too large. */
static sdd_skip number_at(walk *w, size_t at)
{
    size_t n = 0, bad;
    input_val v;

    if (close_before(w, at, w->doc->n) != SDD_SKIP_NONE || gap(w, w->pos, at, separator(w), &bad) < 0)
        return SDD_SKIP_NONE;
    while (at + n < w->len && w->line[at + n] > ' ' && w->line[at + n] < 0x7f &&
           !strchr(",]}", w->line[at + n]))
        n++;
    if (n > 0 && primitive(w, w->line + at, n, &v) == SDD_SKIP_VALUE)
        return SDD_SKIP_VALUE;
    return SDD_SKIP_NONE;
}

/* jsmn stopped at byte `at`: the reason is the first fault among the
 * tokens before it if there is one (a number too large there is `value`,
 * as for jansson), else that the line is broken at `at`. */
static sdd_skip walk_broken(walk *w, uint32_t n, size_t at)
{
    uint32_t i;

    for (i = 0; i < n && w->tok[i].start >= 0; i++)
        INPUT_TRY(walk_token(w, (int32_t)i));
    INPUT_TRY(number_at(w, at));
    return broken(w, at, at < w->len ? "invalid token" : "premature end of line");
}

/* ---- the document -------------------------------------------------------- */

static void *local_or_heap(void *local, size_t local_size, size_t size)
{
    return size <= local_size ? local : malloc(size);
}

/* Object members among jsmn's n tokens: an object's size is its keys. */
static uint32_t count_keys(const jsmntok_t *tok, uint32_t n)
{
    uint32_t i, keys = 0;

    for (i = 0; i < n && tok[i].start >= 0; i++)
        if (tok[i].type == JSMN_OBJECT)
            keys += (uint32_t)tok[i].size;
    return keys;
}

/* The key index stays at most half full. */
int sdd__input_alloc(input_doc *d, uint32_t n, uint32_t keys, size_t len)
{
    uint32_t slots = 16;

    while (slots < 2 * keys)
        slots *= 2;
    d->n = n;
    d->mask = slots - 1;
    d->text_used = 0;
    d->text_size = len + n + 1;
    d->val = local_or_heap(d->val_local, sizeof(d->val_local), (n ? n : 1) * sizeof(input_val));
    d->slot = local_or_heap(d->slot_local, sizeof(d->slot_local), slots * sizeof(input_slot));
    d->text = local_or_heap(d->text_local, sizeof(d->text_local), d->text_size);
    if (!d->val || !d->slot || !d->text) {
        sdd__input_free(d);
        return -1;
    }
    memset(d->slot, 0xff, slots * sizeof(input_slot));     /* key -1: free */
    return 0;
}

void sdd__input_free(input_doc *d)
{
    if (d->val != d->val_local)
        free(d->val);
    if (d->slot != d->slot_local)
        free(d->slot);
    if (d->text != d->text_local)
        free(d->text);
    d->val = d->val_local;
    d->slot = d->slot_local;
    d->text = d->text_local;
}

/* jsmn in strict mode wants a delimiter after a number or literal, so a
 * line that is only one ("42", "true") comes back unread: it is read here
 * as the single token it is (jansson read it, then said "not an object"). */
static int lone_primitive(const char *line, size_t len, jsmntok_t *t)
{
    size_t i = 0;

    while (i < len && is_blank(line[i]))
        i++;
    if (i == len || !strchr("-0123456789tfn", line[i]))
        return 0;
    t->type = JSMN_PRIMITIVE;
    t->start = (int)i;
    t->end = (int)len;
    t->size = 0;
    t->parent = -1;
    return 1;
}

static sdd_skip check(walk *w, int jsmn_error, unsigned n, size_t at)
{
    if (jsmn_error == 0)
        return walk_all(w, n);
    return walk_broken(w, n, at);
}

/* A line of up to INPUT_LOCAL_VALUES values has fewer keys than that and
 * keeps its index in the document; a larger one counts its keys (a long
 * array has none). */
static uint32_t keys_at_most(const jsmntok_t *tok, uint32_t n)
{
    return n <= INPUT_LOCAL_VALUES ? n / 2 : count_keys(tok, n);
}

sdd_skip sdd__input_load_walk(const char *line, size_t len, input_doc *doc, input_err *e)
{
    jsmntok_t local[INPUT_LOCAL_VALUES], *tok = local;
    walk w = {line, len, NULL, doc, 0, -1, SIZE_MAX, 0, 0, e};
    unsigned n = 0;
    size_t at = 0;
    int r = 0;
    sdd_skip why;

    if (len >= INT_MAX)                 /* jsmn counts bytes in an int */
        return broken(&w, INT_MAX, "line too long");
    r = tokenize(line, len, local, INPUT_LOCAL_VALUES, &tok, &n, &at);
    if (r == JSMN_ERROR_PART && n == 0 && lone_primitive(line, len, local)) {
        r = 0;
        n = 1;
    }
    w.tok = tok;
    if (sdd__input_alloc(doc, n, keys_at_most(tok, n), len) < 0) {
        why = broken(&w, 0, "out of memory");
    } else {
        w.room = (doc->mask + 1) / 2;
        why = check(&w, r, n, at);
    }
    if (tok != local)
        free(tok);
    if (why == SDD_SKIP_NONE && doc->val[0].kind != INPUT_OBJECT)
        why = sdd__input_fail(e, SDD_SKIP_NOT_OBJECT, "json: top level is %s, not an object",
                              sdd__input_kind_name(&doc->val[0]));
    if (why != SDD_SKIP_NONE)
        sdd__input_free(doc);
    return why;
}

/* ---- the fast path ------------------------------------------------------- */

/* Indexes the keys of object o; -1 at a key it has twice. */
static int index_object(input_doc *d, int32_t o, uint32_t *room)
{
    const input_val *obj = &d->val[o];
    uint32_t k;

    for (k = (uint32_t)o + 1; k < obj->end; k = d->val[k + 1].end)
        if (add_key(d, (int32_t)k, room) < 0)
            return -1;
    return 0;
}

/* What simdjson (input_simd.cc) accepts, jansson accepted too, and it
 * reads the values the walk reads, except where the line has an escape
 * (jansson refused some that simdjson takes: \u0000, lone surrogates) or a
 * NUL byte, a key twice in an object (jansson refused it) or an integer
 * above INT64_MAX (simdjson's uint64, jansson's overflow): there the walk
 * decides, and names the fault. docs/inputs.md says why the rest is the
 * same; test_fast_same_as_walk and the parse fuzz target check it. */
int sdd__input_load_fast(const char *line, size_t len, input_doc *doc)
{
    uint32_t room, i;

    if (len == 0 || memchr(line, '\\', len) || memchr(line, '\0', len))
        return -1;
    if (sdd__simd_fill(line, len, doc) < 0)
        return -1;
    room = (doc->mask + 1) / 2;
    for (i = 0; i < doc->n; i++)
        if (doc->val[i].kind == INPUT_OBJECT && index_object(doc, (int32_t)i, &room) < 0) {
            sdd__input_free(doc);
            return -1;
        }
    return 0;
}

sdd_skip sdd__input_load(const char *line, size_t len, input_doc *doc, const input_val **root,
                         input_err *e)
{
    sdd_skip why = SDD_SKIP_NONE;

    if (e->detail && e->len > 0)
        e->detail[0] = '\0';
    doc->val = doc->val_local;
    doc->slot = doc->slot_local;
    doc->text = doc->text_local;
    if (sdd__input_load_fast(line, len, doc) < 0)
        why = sdd__input_load_walk(line, len, doc, e);
    if (why == SDD_SKIP_NONE)
        *root = &doc->val[0];
    return why;
}

/* ---- reading ------------------------------------------------------------- */

/* v, its string now with a NUL: readers take strings as C strings. The
 * text has room, as each string is copied at most once. */
static const input_val *terminated(const input_val *v)
{
    input_val *m;

    if (!v || !v->in_line)
        return v;
    m = &v->doc->val[v - v->doc->val];
    m->s = keep_text(m->doc, m->s, m->len);
    m->in_line = 0;
    return m;
}

const input_val *sdd__input_getn(const input_val *obj, const char *key, size_t n)
{
    const input_doc *d;
    const input_slot *sl;
    const input_val *v;
    int32_t o;

    if (!obj || obj->kind != INPUT_OBJECT)
        return NULL;
    d = obj->doc;
    o = (int32_t)(obj - d->val);
    sl = find_slot(d, o, key, n, key_hash(key, n, o));
    if (sl->key < 0)
        return NULL;
    v = &d->val[sl->key + 1];
    return v->kind == INPUT_NULL ? NULL : terminated(v);
}

void sdd__input_pick(const input_val *obj, input_key_fn which, const input_val **out, int n)
{
    const input_val *key, *end;
    int k;

    memset(out, 0, (size_t)n * sizeof(*out));
    if (!obj || obj->kind != INPUT_OBJECT)
        return;
    end = &obj->doc->val[obj->end];
    /* members alternate key, value; a value's end is the next key */
    for (key = obj + 1; key < end; key = &obj->doc->val[key[1].end]) {
        k = which(key->s, key->len);
        if (k >= 0 && k < n && key[1].kind != INPUT_NULL)
            out[k] = terminated(&key[1]);
    }
}

const input_val *sdd__input_first(const input_val *arr)
{
    return arr && arr->kind == INPUT_ARRAY && arr->count > 0 ? terminated(arr + 1) : NULL;
}

const input_val *sdd__input_next(const input_val *arr, const input_val *item)
{
    return item->end < arr->end ? terminated(&item->doc->val[item->end]) : NULL;
}

int64_t sdd__input_integer(const input_val *v)
{
    return v->i;
}

double sdd__input_real(const input_val *v)
{
    return v->r;
}

const char *sdd__input_kind_name(const input_val *v)
{
    static const char *const names[] = {
        [INPUT_NULL] = "null", [INPUT_TRUE] = "boolean", [INPUT_FALSE] = "boolean",
        [INPUT_INTEGER] = "integer", [INPUT_REAL] = "real", [INPUT_STRING] = "string",
        [INPUT_ARRAY] = "array", [INPUT_OBJECT] = "object",
    };
    return names[v->kind];
}
