/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_avro_decode.c: fuzz target of the Avro decoder of notifications
 * (io/avro_encode.h sdd_avro_decode): the input is one record in plain Avro
 * binary. What it decodes must encode again, to the same JSON when decoded
 * once more: the decoder gives only what the schema holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/avro_encode.h"
#include "fuzz.h"

/* One codec for every input (making it parses the schema), freed at exit
 * so that what it holds is not reported as leaked. */
static sdd_avro *a;

static void free_codec(void)
{
    sdd_avro_free(a);
}

static sdd_avro *codec(void)
{
    sdd_error err;

    if (!a) {
        if (!(a = sdd_avro_new(&err))) {
            fprintf(stderr, "fuzz: %s\n", err.msg);
            abort();
        }
        atexit(free_codec);
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = sdd_avro_decode(codec(), data, size, NULL), *again;
    void *buf;
    size_t len;
    sdd_error err;

    if (!json)
        return 0;
    if (sdd_avro_encode(a, json, &buf, &len, &err) < 0) {
        fprintf(stderr, "fuzz: decoded record does not encode: %s\n%s\n", err.msg, json);
        abort();
    }
    again = sdd_avro_decode(a, buf, len, &err);
    if (!again || strcmp(again, json) != 0) {
        fprintf(stderr, "fuzz: decode(encode(decode(x))) differs from decode(x)\n");
        abort();
    }
    free(again);
    free(buf);
    free(json);
    return 0;
}
