/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_parse.c: fuzz target of pmacct's three JSON parsers (parse/input.h).
 * Every line of the input goes through the flow, the BMP and the telemetry
 * parser, and through the time reader as text; and through both ways of
 * the JSON layer, which must give the same tree when the fast one takes
 * the line (input_same.h): a difference aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/input.h"
#include "fuzz.h"
#include "input_same.h"

static void parse_line(void *ctx, const char *line, size_t len)
{
    char detail[128], *text;
    sdd_flow flow;
    sdd_bmp_event bmp;
    sdd_iface_event iface;
    int64_t t;

    (void)ctx;
    if (input_same(line, len, detail, sizeof(detail)) < 0) {
        fprintf(stderr, "fuzz_parse: the JSON layer's two ways differ: %s\n", detail);
        abort();
    }
    sdd__parse_flow(line, len, &flow, detail, sizeof(detail));
    sdd__parse_bmp(line, len, &bmp, detail, sizeof(detail));
    sdd__parse_iface(line, len, &iface, detail, sizeof(detail));
    if ((text = malloc(len + 1))) {
        memcpy(text, line, len);
        text[len] = '\0';
        sdd__input_time_text(text, &t);
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_each_line(data, size, parse_line, NULL);
    return 0;
}
