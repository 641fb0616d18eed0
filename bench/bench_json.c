/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_json.c: how fast pmacct's JSON lines are read, next to how fast
 * pmacct writes them.
 *
 *   bench_json ANCHOR_FILE [FILE...]
 *
 * For each file (plain or gzip'ed, one flow aggregate per line; the first
 * LINES_MAX lines) it prints, in lines per second of CPU time of this one
 * thread: "json", the JSON layer alone (sdd__input_load: simdjson, or the
 * jsmn walk where simdjson's reading could differ from jansson's, and the
 * key index); "simd", its simdjson path alone (the lines it hands to the
 * walk are counted as refused); "walk", the jsmn walk alone (tokens, every
 * check jansson made, the key index: the layer before simdjson);
 * "parser", sdd__parse_flow (the layer and
 * reading the record's fields); "jansson", json_loadb alone on the same
 * lines (the JSON layer before). For ANCHOR_FILE it also prints the
 * anchor: the rate at which pmacct's print and kafka plugins turn the same
 * records into JSON (a jansson object built value by value, then
 * json_dumps with JSON_PRESERVE_ORDER, as plugin_cmn_json.c does). pmacct
 * also formats each value into text first; that is not counted, so the
 * anchor is on pmacct's side. bench/run json runs it with the end-to-end
 * replay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zlib.h>

#include "parse/input.h"

#define LINES_MAX 20000
#define MIN_SECONDS 1.0

typedef struct lines {
    char **text;
    size_t *len;
    size_t n, bytes;
} lines;

static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_lines(const char *path, lines *l)
{
    gzFile f = gzopen(path, "rb");
    char buf[1 << 16];

    if (!f)
        return -1;
    l->text = calloc(LINES_MAX, sizeof(*l->text));
    l->len = calloc(LINES_MAX, sizeof(*l->len));
    l->n = l->bytes = 0;
    while (l->n < LINES_MAX && gzgets(f, buf, sizeof(buf))) {
        size_t n = strcspn(buf, "\r\n");
        if (n == 0)
            continue;
        l->text[l->n] = strndup(buf, n);
        l->len[l->n] = n;
        l->bytes += n;
        l->n++;
    }
    gzclose(f);
    return l->n > 0 ? 0 : -1;
}

/* Runs fn over every line, pass after pass, for at least MIN_SECONDS of
 * CPU time: lines per second. *bad counts the lines fn refused. */
static double rate(const lines *l, int (*fn)(const lines *, size_t, void *), void *ctx, size_t *bad)
{
    double start = cpu_seconds(), spent;
    size_t passes = 0, i;

    *bad = 0;
    do {
        for (i = 0; i < l->n; i++)
            *bad += fn(l, i, ctx) != 0;
        passes++;
    } while ((spent = cpu_seconds() - start) < MIN_SECONDS);
    *bad /= passes;
    return (double)(passes * l->n) / spent;
}

static int parse_flow(const lines *l, size_t i, void *ctx)
{
    sdd_flow f;

    (void)ctx;
    return sdd__parse_flow(l->text[i], l->len[i], &f, NULL, 0) != SDD_SKIP_NONE;
}

static int load_only(const lines *l, size_t i, void *ctx)
{
    input_doc doc;
    const input_val *root;
    input_err e = {NULL, 0};

    (void)ctx;
    if (sdd__input_load(l->text[i], l->len[i], &doc, &root, &e) != SDD_SKIP_NONE)
        return 1;
    sdd__input_free(&doc);
    return 0;
}

static int load_simd(const lines *l, size_t i, void *ctx)
{
    input_doc doc;

    (void)ctx;
    if (sdd__input_load_fast(l->text[i], l->len[i], &doc) < 0)
        return 1;
    sdd__input_free(&doc);
    return 0;
}

static int load_walk(const lines *l, size_t i, void *ctx)
{
    input_doc doc;
    input_err e = {NULL, 0};

    (void)ctx;
    if (sdd__input_load_walk(l->text[i], l->len[i], &doc, &e) != SDD_SKIP_NONE)
        return 1;
    sdd__input_free(&doc);
    return 0;
}

static int load_jansson(const lines *l, size_t i, void *ctx)
{
    json_t *j = json_loadb(l->text[i], l->len[i], JSON_REJECT_DUPLICATES, NULL);

    (void)ctx;
    json_decref(j);
    return j == NULL;
}

/* A fresh copy of v built value by value, as pmacct composes a record. */
static json_t *compose(const json_t *v)
{
    const char *key;
    json_t *copy, *item;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        copy = json_object();
        json_object_foreach((json_t *)v, key, item)
            json_object_set_new_nocheck(copy, key, compose(item));
        return copy;
    case JSON_ARRAY:
        copy = json_array();
        json_array_foreach(v, i, item)
            json_array_append_new(copy, compose(item));
        return copy;
    case JSON_STRING: return json_string(json_string_value(v));
    case JSON_INTEGER: return json_integer(json_integer_value(v));
    case JSON_REAL: return json_real(json_real_value(v));
    default: return json_deep_copy(v);
    }
}

/* The anchor's work for record i (ctx: the records as jansson trees). */
static int write_like_pmacct(const lines *l, size_t i, void *ctx)
{
    json_t **records = ctx;
    json_t *obj = compose(records[i]);
    char *text = json_dumps(obj, JSON_PRESERVE_ORDER);

    (void)l;
    json_decref(obj);
    free(text);
    return text == NULL;
}

static void print_rate(const char *what, const char *path, const lines *l, double r, size_t bad)
{
    printf("%-8s %8.0f lines/s  %6.2f us/line  %s (%zu lines, %zu B avg)%s\n", what, r, 1e6 / r, path,
           l->n, l->bytes / l->n, bad ? "  SOME REFUSED" : "");
}

static double anchor(const char *path, const lines *l)
{
    json_t **records = calloc(l->n, sizeof(*records));
    size_t i, bad;
    double r;

    for (i = 0; i < l->n; i++)
        records[i] = json_loadb(l->text[i], l->len[i], 0, NULL);
    r = rate(l, write_like_pmacct, records, &bad);
    print_rate("anchor", path, l, r, bad);
    for (i = 0; i < l->n; i++)
        json_decref(records[i]);
    free(records);
    return r;
}

int main(int argc, char **argv)
{
    int a;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_json ANCHOR_FILE [FILE...]\n");
        return 2;
    }
    for (a = 1; a < argc; a++) {
        lines l;
        size_t bad;
        double r;
        if (read_lines(argv[a], &l) < 0) {
            fprintf(stderr, "bench_json: cannot read lines from %s\n", argv[a]);
            return 1;
        }
        r = rate(&l, load_only, NULL, &bad);
        print_rate("json", argv[a], &l, r, bad);
        r = rate(&l, load_simd, NULL, &bad);
        print_rate("simd", argv[a], &l, r, bad);
        r = rate(&l, load_walk, NULL, &bad);
        print_rate("walk", argv[a], &l, r, bad);
        r = rate(&l, parse_flow, NULL, &bad);
        print_rate("parser", argv[a], &l, r, bad);
        r = rate(&l, load_jansson, NULL, &bad);
        print_rate("jansson", argv[a], &l, r, bad);
        if (a == 1)
            anchor(argv[a], &l);
    }
    return 0;
}
